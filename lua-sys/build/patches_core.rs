//! Patches to Lua's core (the VM, the call machinery, the collector, the
//! debug interface) and to the places where stock Lua trusts registry slots
//! that a script can overwrite.
//!
//! Each entry is `(anchor, replacement, count)`: the anchor must match exactly
//! `count` times, or the build stops (see `patched` in main.rs).

/// `next` (ltable.c's `luaH_next`, also behind `pairs` and `lua_next`) skips
/// empty slots one by one: on a table emptied of a million entries a single
/// call scans them all. The slots it skips are charged to the work budget,
/// without raising (`lua_next` may be called from the host).
pub const LTABLE_PATCH: &[(&str, &str, usize)] = &[
    (
        "  unsigned int i = findindex(L, t, s2v(key), asize);  /* find original key */\n",
        "  unsigned int i = findindex(L, t, s2v(key), asize);  /* find original key */\n  unsigned int lua_native_i0 = i;  /* lua-sys: work budget */\n",
        1,
    ),
    (
        "      farr2val(t, i, tag, s2v(key + 1));\n      return 1;\n",
        "      farr2val(t, i, tag, s2v(key + 1));\n      lua_native_charge_nr(L, lua_native_scan_units(i - lua_native_i0));  /* lua-sys */\n      return 1;\n",
        1,
    ),
    (
        "      setobj2s(L, key + 1, gval(n));\n      return 1;\n",
        "      setobj2s(L, key + 1, gval(n));\n      lua_native_charge_nr(L, lua_native_scan_units(i + asize - lua_native_i0));  /* lua-sys */\n      return 1;\n",
        1,
    ),
    (
        "  return 0;  /* no more elements */\n",
        "  lua_native_charge_nr(L, lua_native_scan_units(i + asize - lua_native_i0));  /* lua-sys */\n  return 0;  /* no more elements */\n",
        1,
    ),
];

/// Once a limit has tripped, no `xpcall` message handler runs (`luaG_errormsg`
/// in ldebug.c asks first): the limit's error goes straight to the enclosing
/// `pcall`, so a handler cannot keep the script running. (Limits need no
/// debug hook: the VM's step counter below reaches every Lua instruction,
/// those of hook functions and finalizers included, where stock Lua turns
/// hooks off.)
pub const LDEBUG_PATCH: &[(&str, &str, usize)] = &[(
    "  if (L->errfunc != 0) {  /* is there an error handling function? */",
    "  if (L->errfunc != 0 && !lua_native_handlers_blocked(L)) {  /* lua-sys: no handlers after a limit tripped */",
    1,
)];
/// `debug.sethook` / `debug.gethook` (ldblib.c) keep and report the hook Lua
/// code sets on a thread through lua-sys (csrc/lua_native_hooks.c), which
/// shares the thread's one hook slot between it and the host's hook; Lua
/// code sees exactly the hooks it set, as in stock Lua.
/// `debug.setlocal` on a C function's frame writes its "(C temporary)"
/// slots, which reach into the frame of a vararg function it called (where
/// Lua keeps that function and its varargs): stock Lua then segfaults at the
/// function's return (`pcall(function(...) debug.setlocal(2, 2, 'x') end)`
/// under a return hook). The patch leaves C frames alone (nil, as for a
/// local that does not exist); reading them is unchanged.
/// Stock ldblib.c also trusts `registry._HOOKKEY` to be a table, which
/// `debug.getregistry()._HOOKKEY = nil` breaks (a segfault at the next hook
/// event in stock Lua): the hook then finds no function, and `gethook`
/// makes the table anew, as `sethook` does.
pub const LDBLIB_PATCH: &[(&str, &str, usize)] = &[
    (
        "  lua_settop(L, arg+3);\n  checkstack(L, L1, 1);\n  lua_xmove(L, L1, 1);\n  name = lua_setlocal(L1, &ar, nvar);",
        "  lua_settop(L, arg+3);\n  if (lua_getinfo(L1, \"S\", &ar) && *ar.what == 'C') {  /* lua-sys: not a C frame's slots */\n    lua_pushnil(L);\n    return 1;\n  }\n  checkstack(L, L1, 1);\n  lua_xmove(L, L1, 1);\n  name = lua_setlocal(L1, &ar, nvar);",
        1,
    ),
    (
        "  lua_getfield(L, LUA_REGISTRYINDEX, HOOKKEY);\n  lua_pushthread(L);",
        "  if (lua_getfield(L, LUA_REGISTRYINDEX, HOOKKEY) != LUA_TTABLE) return;  /* lua-sys: no hook table */\n  lua_pushthread(L);",
        1,
    ),
    (
        "    lua_getfield(L, LUA_REGISTRYINDEX, HOOKKEY);\n    checkstack(L, L1, 1);",
        "    luaL_getsubtable(L, LUA_REGISTRYINDEX, HOOKKEY);  /* lua-sys: never trust it is a table */\n    checkstack(L, L1, 1);",
        1,
    ),
    ("  lua_sethook(L1, func, mask, count);", "  lua_native_sethook(L1, func, mask, count);  /* lua-sys */", 1),
    ("  int mask = lua_gethookmask(L1);\n  lua_Hook hook = lua_gethook(L1);", "  int mask = lua_native_gethookmask(L1);  /* lua-sys */\n  lua_Hook hook = lua_native_gethook(L1);", 1),
    ("lua_pushinteger(L, lua_gethookcount(L1));", "lua_pushinteger(L, lua_native_gethookcount(L1));  /* lua-sys */", 1),
];
/// After every C function returns, the flag a watchdog thread may set (see
/// `lua_native_after_c` in csrc/lua_native_user.h): a loop whose time goes
/// into long C calls (full collections, sorts) notices a passed deadline at
/// the next call instead of a thousand instructions later.
pub const LDO_PATCH: &[(&str, &str, usize)] = &[(
    "  n = (*f)(L);  /* do the actual call */\n",
    "  n = (*f)(L);  /* do the actual call */\n  lua_native_after_c(L);  /* lua-sys: a watchdog's flag */\n",
    1,
)];
/// The collector's work, for the work budget: marking charges each slot it
/// traverses (as `propagatemark` counts them), sweeping each object it
/// visits and each it frees, weak tables each slot they clear or revisit.
/// The work is added up, in sixteenths of a unit, in the main thread's
/// extra space (the collector knows only the global state there), and
/// charged without raising to the budget itself (`lua_native_charge_slow`,
/// not the running thread's step counter: an emergency collection can run
/// inside an allocation the VM makes while it holds its count in a register,
/// see patches_vm.rs) when the collector returns: after each step
/// (`luaC_step`), full or emergency collection (`luaC_fullgc`), mode change,
/// and before each finalizer. A budget spent that way stops the thread at its
/// next VM step.
pub const LGC_PATCH: &[(&str, &str, usize)] = &[
    (
        "#include \"ltm.h\"\n",
        "#include \"ltm.h\"\n\n\
/* lua-sys: the collector's work, for the work budget (see build.rs) */\n\
#define lua_native_gcwork_of(g)\tlua_native_gcwork(mainthread(g))\n\
static void lua_native_gcflush (lua_State *L) {\n\
  global_State *g = G(L);\n\
  size_t w = lua_native_gcwork_of(g);\n\
  if (w >= 16 && completestate(g)) {\n\
    lua_native_gcwork_of(g) = w & 15;\n\
    lua_native_charge_slow(L, w >> 4, 0);\n\
  }\n\
}\n",
        1,
    ),
    (
        "static l_mem propagatemark (global_State *g) {\n",
        "static l_mem propagatemark_ (global_State *g);\n\
static l_mem propagatemark (global_State *g) {  /* lua-sys: work budget */\n\
  l_mem w = propagatemark_(g);\n\
  lua_native_gcwork_of(g) += LUA_NATIVE_GC_MARK * cast_sizet(w);\n\
  return w;\n\
}\n\
static l_mem propagatemark_ (global_State *g) {\n",
        1,
    ),
    (
        "      if (traverseephemeron(g, h, dir)) {  /* marked some value? */",
        "      lua_native_gcwork_of(g) += LUA_NATIVE_GC_MARK * (1 + 2 * cast_sizet(sizenode(h)) + h->asize);  /* lua-sys */\n      if (traverseephemeron(g, h, dir)) {  /* marked some value? */",
        1,
    ),
    (
        // clearbykeys, clearbyvalues
        "    Table *h = gco2t(l);\n",
        "    Table *h = gco2t(l);\n    lua_native_gcwork_of(g) += LUA_NATIVE_GC_MARK * (1 + cast_sizet(sizenode(h)) + h->asize);  /* lua-sys */\n",
        2,
    ),
    (
        "static void freeobj (lua_State *L, GCObject *o) {\n",
        "static void freeobj (lua_State *L, GCObject *o) {\n  lua_native_gcwork_of(G(L)) += LUA_NATIVE_GC_FREE;  /* lua-sys: work budget */\n",
        1,
    ),
    (
        // sweeplist
        "    GCObject *curr = *p;\n    int marked = curr->marked;\n",
        "    GCObject *curr = *p;\n    int marked = curr->marked;\n    lua_native_gcwork_of(g) += LUA_NATIVE_GC_SWEEP;  /* lua-sys: work budget */\n",
        1,
    ),
    (
        // sweep2old, sweepgen
        "    if (iswhite(curr)) {  /* is 'curr' dead? */\n",
        "    lua_native_gcwork_of(g) += LUA_NATIVE_GC_SWEEP;  /* lua-sys: work budget */\n    if (iswhite(curr)) {  /* is 'curr' dead? */\n",
        2,
    ),
    (
        // luaC_freeallobjects: once the last finalizer has run, nothing
        // looks strings up again; the string table goes first, so that
        // freeing each short string need not unlink it from its chain. The
        // host may then take the state's small blocks back whole (see
        // lua_native_before_free_all): short strings, most of a state's
        // objects, are then not visited one by one.
        "  callallpendingfinalizers(L);\n  deletelist(L, g->allgc, obj2gco(mainthread(g)));\n",
        "  callallpendingfinalizers(L);\n\
  luaM_freearray(L, g->strt.hash, cast_sizet(g->strt.size));  /* lua-sys: see freeobj */\n\
  g->strt.hash = NULL;\n\
  g->strt.size = 0;\n\
  whole = lua_native_before_free_all(L);  /* lua-sys */\n\
  deletelist(L, g->allgc, obj2gco(mainthread(g)), whole);\n",
        1,
    ),
    (
        "  deletelist(L, g->fixedgc, NULL);  /* collect fixed objects */\n",
        "  deletelist(L, g->fixedgc, NULL, whole);  /* collect fixed objects */\n",
        1,
    ),
    (
        "void luaC_freeallobjects (lua_State *L) {\n  global_State *g = G(L);\n",
        "void luaC_freeallobjects (lua_State *L) {\n  global_State *g = G(L);\n  int whole;  /* lua-sys: the host takes the small blocks back whole */\n",
        1,
    ),
    (
        "static void deletelist (lua_State *L, GCObject *p, GCObject *limit) {\n  while (p != limit) {\n    GCObject *next = p->next;\n    freeobj(L, p);\n",
        "static void deletelist (lua_State *L, GCObject *p, GCObject *limit,\n\
                        int whole) {  /* lua-sys: see luaC_freeallobjects */\n\
  while (p != limit) {\n\
    GCObject *next = p->next;\n\
    if (!(whole && p->tt == LUA_VSHRSTR))  /* lua-sys: one small block */\n\
      freeobj(L, p);\n",
        1,
    ),
    (
        "      luaS_remove(L, ts);  /* remove it from hash table */\n",
        "      if (G(L)->strt.hash != NULL)  /* lua-sys: else the state is freed whole */\n        luaS_remove(L, ts);  /* remove it from hash table */\n",
        1,
    ),
    (
        "static void GCTM (lua_State *L) {\n",
        "static void GCTM (lua_State *L) {\n  lua_native_gcflush(L);  /* lua-sys: charged before a finalizer runs */\n",
        1,
    ),
    (
        "void luaC_step (lua_State *L) {\n",
        "static void luaC_step_ (lua_State *L);\n\
void luaC_step (lua_State *L) {  /* lua-sys: work budget */\n\
  luaC_step_(L);\n\
  lua_native_gcflush(L);\n\
}\n\
static void luaC_step_ (lua_State *L) {\n",
        1,
    ),
    (
        "void luaC_fullgc (lua_State *L, int isemergency) {\n",
        "static void luaC_fullgc_ (lua_State *L, int isemergency);\n\
void luaC_fullgc (lua_State *L, int isemergency) {  /* lua-sys: work budget */\n\
  luaC_fullgc_(L, isemergency);\n\
  lua_native_gcflush(L);\n\
}\n\
static void luaC_fullgc_ (lua_State *L, int isemergency) {\n",
        1,
    ),
    (
        "void luaC_changemode (lua_State *L, int newmode) {\n",
        "static void luaC_changemode_ (lua_State *L, int newmode);\n\
void luaC_changemode (lua_State *L, int newmode) {  /* lua-sys: work budget */\n\
  luaC_changemode_(L, newmode);\n\
  lua_native_gcflush(L);\n\
}\n\
static void luaC_changemode_ (lua_State *L, int newmode) {\n",
        1,
    ),
];

/// Two places where stock Lua trusts registry slots that the `debug` library
/// lets a script overwrite (`debug.getregistry()[2] = nil`), with undefined
/// behaviour as the result:
/// * `getGlobalTable` (lapi.c) leaves its output uninitialised when the
///   globals slot is empty, and `lua_load` then stores that garbage as the
///   chunk's `_ENV` (a later collection follows it). The patch makes it nil,
///   so such a chunk fails with Lua's usual "attempt to index a nil value".
/// * `coroutine.close` of the running coroutine (lcorolib.c) tells the main
///   thread by the registry's main-thread slot; without it, the main thread
///   closes itself and unwinds into nowhere. The patch asks `lua_pushthread`,
///   which knows.
/// * `lua_setmetatable` (lapi.c) with a non-table takes it for a table; the
///   standard libraries hand it whatever the registry holds under a type
///   name (`luaL_setmetatable`), which a script can replace
///   (`debug.getregistry()["_UBOX*"] = 42`). The patch sets no metatable
///   then, and `luaL_newmetatable` and the buffer boxes' metatable
///   (lauxlib.c) are made anew in place of a non-table, as
///   `luaL_getsubtable` does.
///
/// And one that is not about the registry: lauxlib's buffers grow their box
/// by calling the allocation function directly (`resizebox`), so a refused
/// growth never got the emergency collection and second try that every
/// allocation of Lua's core gets (lmem.c's `tryagain`). Under a memory
/// limit, after an out-of-memory error (the collector paused: its last
/// cycle ran while everything was alive), `string.rep` and friends then
/// failed next to megabytes of garbage. The patch runs that collection
/// (`lua_native_emergency_gc`, csrc/lua_native_mem.c) and tries once more.
pub const LAUXLIB_PATCH: &[(&str, &str, usize)] = &[
    (
        "LUALIB_API void luaL_setfuncs (lua_State *L, const luaL_Reg *l, int nup) {\n  luaL_checkstack(L, nup, \"too many upvalues\");\n",
        "void lua_native_setfuncs (lua_State *L, const luaL_Reg *l);  /* lua-sys: csrc/lua_native_open.c */\n\
LUALIB_API void luaL_setfuncs (lua_State *L, const luaL_Reg *l, int nup) {\n\
  luaL_checkstack(L, nup, \"too many upvalues\");\n\
  if (nup == 0) {  /* lua-sys: the same sets in fewer steps */\n\
    lua_native_setfuncs(L, l);\n\
    return;\n\
  }\n",
        1,
    ),
    (
        "    void *temp = allocf(ud, box->box, box->bsize, newsize);\n",
        "    void *temp = allocf(ud, box->box, box->bsize, newsize);\n\
    if (l_unlikely(temp == NULL && newsize > 0)) {  /* lua-sys: as lmem.c's tryagain does */\n\
      lua_native_emergency_gc(L);  /* free the garbage (no finalizer runs) */\n\
      temp = allocf(ud, box->box, box->bsize, newsize);  /* and try again */\n\
    }\n",
        1,
    ),
    (
        "  if (luaL_getmetatable(L, tname) != LUA_TNIL)  /* name already in use? */",
        "  if (luaL_getmetatable(L, tname) == LUA_TTABLE)  /* lua-sys: in use by a table (anything else is replaced) */",
        1,
    ),
    (
        "  if (luaL_getmetatable(L, BOXMT) == LUA_TNIL) {  /* MT not created yet? */",
        "  if (luaL_getmetatable(L, BOXMT) != LUA_TTABLE) {  /* lua-sys: not created yet, or replaced by a non-table */",
        1,
    ),
];
pub const LAPI_PATCH: &[(&str, &str, usize)] = &[
    (
        "  if (ttisnil(s2v(L->top.p - 1)))\n    mt = NULL;",
        "  if (!ttistable(s2v(L->top.p - 1)))  /* lua-sys: not a table: none */\n    mt = NULL;",
        1,
    ),
    (
        "  lu_byte tag = luaH_getint(registry, LUA_RIDX_GLOBALS, gt);
  (void)tag;",
        "  lu_byte tag = luaH_getint(registry, LUA_RIDX_GLOBALS, gt);
  if (tagisempty(tag)) setnilvalue(gt);  /* lua-sys: never uninitialised */
  (void)tag;",
        1,
    ),
];
pub const LCOROLIB_PATCH: &[(&str, &str, usize)] = &[(
    "      lua_geti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);  /* get main */
      if (lua_tothread(L, -1) == co)",
    "      if (lua_pushthread(co))  /* lua-sys: is it the main thread? (not the registry's word) */",
    1,
)];

/// The names Lua interns when a state is made (metamethod names, reserved
/// words) go straight to `luaS_newlstr`: `luaS_new` first compares each with
/// the two strings its API cache holds for the name's address, which always
/// miss in a new state (issue 18). The strings made are the same.
pub const LTM_PATCH: &[(&str, &str, usize)] = &[(
    "    G(L)->tmname[i] = luaS_new(L, luaT_eventname[i]);",
    "    G(L)->tmname[i] = luaS_newlstr(L, luaT_eventname[i], strlen(luaT_eventname[i]));  /* lua-sys */",
    1,
)];
pub const LLEX_PATCH: &[(&str, &str, usize)] = &[(
    "    TString *ts = luaS_new(L, luaX_tokens[i]);",
    "    TString *ts = luaS_newlstr(L, luaX_tokens[i], strlen(luaX_tokens[i]));  /* lua-sys */",
    1,
)];
/// `luaS_new`'s API cache (every `lua_getfield`/`lua_setfield`/
/// `lua_pushstring` from C) compares the name with the two strings cached
/// for its address by `strcmp`; in a new state, where almost every name is
/// new, they mostly differ at the first character. Comparing that
/// character first skips the call (issue 18); equal strings still go
/// through `strcmp`, so what hits is unchanged.
pub const LSTRING_PATCH: &[(&str, &str, usize)] = &[(
    "    if (strcmp(str, getstr(p[j])) == 0)  /* hit? */",
    "    if (str[0] == getstr(p[j])[0] && strcmp(str, getstr(p[j])) == 0)  /* hit? (lua-sys: first character first) */",
    1,
)];
