//! Compiles the vendored Lua 5.5 sources with `cc` and generates the FFI with
//! `bindgen`. Lua is always built with release-grade optimisation, even in a
//! debug build of the Rust code, so that pure-Lua work costs the same in tests,
//! benchmarks and production.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let lua_dir = manifest
        .join("../vendor/lua")
        .canonicalize()
        .expect("vendor/lua is missing: run scripts/vendor-lua.sh");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();

    compile_lua(&lua_dir, &target_os);
    generate_bindings(&lua_dir, &out);
    write_version(&lua_dir, &out);

    println!("cargo:rerun-if-changed={}", lua_dir.display());
    println!("cargo:rerun-if-changed=build.rs");
    // Lets dependents (and their build scripts) find the headers.
    println!("cargo:include={}", lua_dir.display());
}

fn platform_define(target_os: &str) -> Option<&'static str> {
    match target_os {
        "linux" | "android" => Some("LUA_USE_LINUX"),
        "macos" => Some("LUA_USE_MACOSX"),
        "ios" => Some("LUA_USE_IOS"),
        "windows" => Some("LUA_USE_WINDOWS"),
        "freebsd" | "netbsd" | "openbsd" | "dragonfly" => Some("LUA_USE_POSIX"),
        _ => None,
    }
}

/// Library code that can run for minutes inside C without executing a VM
/// instruction, so that no hook fires and no limit could stop it. Each place
/// gets a call to `lua_native_match_step`, which lets the embedding check its
/// limits every 1024 steps (csrc/lua_native_hooks.c):
/// * the pattern matcher: every pass through `match()` (its `goto init` loop
///   included) and every character `%b` scans
///   (`string.find(("a"):rep(1e4), ".-.-.-.-b")`);
/// * the plain search, quadratic in the worst case, goes to
///   `lua_native_lmemfind`, the same algorithm with a charge per comparison
///   (`string.find(("a"):rep(4e6), ("a"):rep(2e6) .. "b", 1, true)`);
/// * the element loops of `table.move`, `table.insert` and `table.remove`
///   (`table.move({}, 1, 1e12, 2)`).
///
/// Each anchor must match exactly the given number of times, or the build
/// stops: a new Lua release is then checked by hand rather than patched blindly.
const LSTRLIB_PATCH: &[(&str, &str, usize)] = &[
    (
        "  init: /* using goto to optimize tail recursion */\n",
        "  init: /* using goto to optimize tail recursion */\n  lua_native_match_step(ms->L);  /* lua-sys: let limits interrupt matching */\n",
        1,
    ),
    (
        "    while (++s < ms->src_end) {\n      if (*s == e) {",
        "    while (++s < ms->src_end) {\n      lua_native_match_step(ms->L);  /* lua-sys: interruptible */\n      if (*s == e) {",
        1,
    ),
    (
        "    const char *s2 = lmemfind(s + init, ls - init, p, lp);",
        "    const char *s2 = lua_native_lmemfind(L, s + init, ls - init, p, lp);  /* lua-sys: interruptible */",
        1,
    ),
    // The work budget (`lua_native_charge`, csrc/lua_native_user.h): charged
    // before the work where its size is known (after the result's buffer is
    // allocated, so that `maxMemory` still refuses an oversized result
    // first), else as it is done.
    (
        "  if (start <= end)\n    lua_pushlstring(L, s + start - 1, (end - start) + 1);",
        "  if (start <= end)  /* lua-sys: work budget */\n    lua_native_charge(L, lua_native_copy_units((end - start) + 1));\n  if (start <= end)\n    lua_pushlstring(L, s + start - 1, (end - start) + 1);",
        1,
    ),
    (
        // string.reverse, string.lower, string.upper
        "  const char *s = luaL_checklstring(L, 1, &l);\n  char *p = luaL_buffinitsize(L, &b, l);\n",
        "  const char *s = luaL_checklstring(L, 1, &l);\n  char *p = luaL_buffinitsize(L, &b, l);\n  lua_native_charge(L, lua_native_scan_units(l));  /* lua-sys: work budget */\n",
        3,
    ),
    (
        "    size_t totallen = (cast_sizet(n) * (len + lsep)) - lsep;\n    luaL_Buffer b;\n    char *p = luaL_buffinitsize(L, &b, totallen);\n",
        "    size_t totallen = (cast_sizet(n) * (len + lsep)) - lsep;\n    luaL_Buffer b;\n    char *p = luaL_buffinitsize(L, &b, totallen);\n    lua_native_charge(L, lua_native_copy_units(totallen) + cast_sizet(n));  /* lua-sys: work budget */\n",
        1,
    ),
    (
        "  luaL_checkstack(L, n, \"string slice too long\");\n  for (i=0; i<n; i++)",
        "  lua_native_charge(L, cast_sizet(n));  /* lua-sys: work budget */\n  luaL_checkstack(L, n, \"string slice too long\");\n  for (i=0; i<n; i++)",
        1,
    ),
    (
        "  char *p = luaL_buffinitsize(L, &b, cast_uint(n));\n  for (i=1; i<=n; i++) {",
        "  char *p = luaL_buffinitsize(L, &b, cast_uint(n));\n  lua_native_charge(L, cast_sizet(n));  /* lua-sys: work budget */\n  for (i=1; i<=n; i++) {",
        1,
    ),
    (
        // string.dump's writer (raising there is as good as its memory errors)
        "  else\n    luaL_addlstring(&state->B, (const char *)b, size);",
        "  else {\n    lua_native_charge(L, 1 + lua_native_copy_units(size));  /* lua-sys: work budget */\n    luaL_addlstring(&state->B, (const char *)b, size);\n  }",
        1,
    ),
    (
        // string.format: %q quotes byte by byte
        "          addliteral(L, &b, arg);\n",
        "          size_t lua_native_n0 = luaL_bufflen(&b);  /* lua-sys: work budget */\n          addliteral(L, &b, arg);\n          lua_native_charge(L, lua_native_scan_units(luaL_bufflen(&b) - lua_native_n0));\n",
        1,
    ),
    (
        // string.format: the format string, each item, the result
        "      luaL_addsize(&b, cast_uint(nb));\n    }\n  }\n  luaL_pushresult(&b);",
        "      luaL_addsize(&b, cast_uint(nb));\n    }\n  }\n  lua_native_charge(L, sfl + lua_native_copy_units(luaL_bufflen(&b)) + LUA_NATIVE_FORMAT_ITEM * cast_sizet(arg - 1));  /* lua-sys: work budget */\n  luaL_pushresult(&b);",
        1,
    ),
    (
        // string.gsub: each replacement as it is added, then the tail
        "      changed = add_value(&ms, &b, src, e, tr) || changed;\n",
        "      size_t lua_native_n0 = luaL_bufflen(&b);  /* lua-sys: work budget */\n      changed = add_value(&ms, &b, src, e, tr) || changed;\n      lua_native_charge(L, LUA_NATIVE_ELEMENT + lua_native_copy_units(luaL_bufflen(&b) - lua_native_n0));\n",
        1,
    ),
    (
        "    luaL_addlstring(&b, src, ct_diff2sz(ms.src_end - src));\n    luaL_pushresult(&b);  /* create and return new string */",
        "    lua_native_charge(L, lua_native_copy_units(luaL_bufflen(&b) + ct_diff2sz(ms.src_end - src)));  /* lua-sys: work budget */\n    luaL_addlstring(&b, src, ct_diff2sz(ms.src_end - src));\n    luaL_pushresult(&b);  /* create and return new string */",
        1,
    ),
    (
        // string.pack, string.packsize, string.unpack: the format string
        "  initheader(L, &h);\n",
        "  initheader(L, &h);\n  lua_native_charge(L, strlen(fmt));  /* lua-sys: work budget */\n",
        3,
    ),
    (
        "  luaL_pushresult(&b);\n  return 1;\n}\n\n\nstatic int str_packsize",
        "  lua_native_charge(L, lua_native_copy_units(luaL_bufflen(&b)));  /* lua-sys: work budget */\n  luaL_pushresult(&b);\n  return 1;\n}\n\n\nstatic int str_packsize",
        1,
    ),
    (
        "  luaL_argcheck(L, pos <= ld, 3, \"initial position out of string\");\n",
        "  luaL_argcheck(L, pos <= ld, 3, \"initial position out of string\");\n  size_t lua_native_pos0 = pos;  /* lua-sys: work budget */\n",
        1,
    ),
    (
        "  lua_pushinteger(L, cast_st2S(pos) + 1);  /* next position */\n  return n + 1;",
        "  lua_native_charge(L, cast_sizet(n) + lua_native_copy_units(pos - lua_native_pos0));  /* lua-sys: work budget */\n  lua_pushinteger(L, cast_st2S(pos) + 1);  /* next position */\n  return n + 1;",
        1,
    ),
];
const LTABLIB_PATCH: &[(&str, &str, usize)] = &[
    (
        "        lua_geti(L, 1, i - 1);\n        lua_seti(L, 1, i);  /* t[i] = t[i - 1] */",
        "        lua_native_match_step(L);  /* lua-sys: interruptible */\n        lua_geti(L, 1, i - 1);\n        lua_seti(L, 1, i);  /* t[i] = t[i - 1] */",
        1,
    ),
    (
        "    lua_geti(L, 1, pos + 1);\n    lua_seti(L, 1, pos);  /* t[pos] = t[pos + 1] */",
        "    lua_native_match_step(L);  /* lua-sys: interruptible */\n    lua_geti(L, 1, pos + 1);\n    lua_seti(L, 1, pos);  /* t[pos] = t[pos + 1] */",
        1,
    ),
    (
        "        lua_geti(L, 1, f + i);\n        lua_seti(L, tt, t + i);",
        "        lua_native_match_step(L);  /* lua-sys: interruptible */\n        lua_geti(L, 1, f + i);\n        lua_seti(L, tt, t + i);",
        2,
    ),
    // The work budget (`lua_native_charge`, csrc/lua_native_user.h).
    (
        // table.concat: each element (and its bytes), each separator
        "                  luaL_typename(L, -1), (LUAI_UACINT)i);\n  luaL_addvalue(b);",
        "                  luaL_typename(L, -1), (LUAI_UACINT)i);\n  lua_native_charge(L, 2 * LUA_NATIVE_ELEMENT + lua_native_copy_units(lua_rawlen(L, -1)));  /* lua-sys: work budget */\n  luaL_addvalue(b);",
        1,
    ),
    (
        "    addfield(L, &b, i);\n    luaL_addlstring(&b, sep, lsep);",
        "    addfield(L, &b, i);\n    lua_native_charge(L, 1 + lua_native_copy_units(lsep));  /* lua-sys: work budget */\n    luaL_addlstring(&b, sep, lsep);",
        1,
    ),
    (
        // table.pack
        "  int n = lua_gettop(L);  /* number of elements to pack */\n  lua_createtable(L, n, 1);",
        "  int n = lua_gettop(L);  /* number of elements to pack */\n  lua_native_charge(L, cast_sizet(n) * LUA_NATIVE_ELEMENT);  /* lua-sys: work budget */\n  lua_createtable(L, n, 1);",
        1,
    ),
    (
        // table.unpack (the count is checked first: at most a million)
        "    return luaL_error(L, \"too many results to unpack\");\n",
        "    return luaL_error(L, \"too many results to unpack\");\n  lua_native_charge(L, cast_sizet(n) * LUA_NATIVE_ELEMENT);  /* lua-sys: work budget */\n",
        1,
    ),
    (
        // table.sort: each comparison
        "static int sort_comp (lua_State *L, int a, int b) {\n",
        "static int sort_comp (lua_State *L, int a, int b) {\n  lua_native_charge(L, LUA_NATIVE_SORT_COMPARE);  /* lua-sys: work budget */\n",
        1,
    ),
];

/// The work budget in the utf8 library (`lua_native_charge`): the bytes a
/// function decodes or scans, the values it pushes.
const LUTF8LIB_PATCH: &[(&str, &str, usize)] = &[
    (
        // utf8.len
        "  while (posi <= posj) {\n    const char *s1 = utf8_decode(s + posi, NULL, !lax);",
        "  if (posi <= posj)  /* lua-sys: work budget */\n    lua_native_charge(L, LUA_NATIVE_UTF8_BYTE * cast_sizet(posj - posi + 1));\n  while (posi <= posj) {\n    const char *s1 = utf8_decode(s + posi, NULL, !lax);",
        1,
    ),
    (
        // utf8.codepoint
        "  luaL_checkstack(L, n, \"string slice too long\");\n  n = 0;  /* count the number of returns */",
        "  luaL_checkstack(L, n, \"string slice too long\");\n  lua_native_charge(L, (LUA_NATIVE_UTF8_BYTE + 1) * cast_sizet(n));  /* lua-sys: work budget */\n  n = 0;  /* count the number of returns */",
        1,
    ),
    (
        // utf8.char
        "    luaL_buffinit(L, &b);\n    for (i = 1; i <= n; i++) {\n      pushutfchar(L, i);",
        "    lua_native_charge(L, LUA_NATIVE_ELEMENT * cast_sizet(n));  /* lua-sys: work budget */\n    luaL_buffinit(L, &b);\n    for (i = 1; i <= n; i++) {\n      pushutfchar(L, i);",
        1,
    ),
    (
        // utf8.offset: the bytes it moves over
        "  luaL_argcheck(L, 1 <= posi && --posi <= (lua_Integer)len, 3,\n                   \"position out of bounds\");\n",
        "  luaL_argcheck(L, 1 <= posi && --posi <= (lua_Integer)len, 3,\n                   \"position out of bounds\");\n  lua_Integer lua_native_pos0 = posi;  /* lua-sys: work budget */\n",
        1,
    ),
    (
        "  if (n != 0) {  /* did not find given character? */",
        "  lua_native_charge(L, lua_native_scan_units(cast_sizet(posi >= lua_native_pos0 ? posi - lua_native_pos0 : lua_native_pos0 - posi)));  /* lua-sys: work budget */\n  if (n != 0) {  /* did not find given character? */",
        1,
    ),
    (
        "    while (iscontp(s + posi + 1))\n      posi++;  /* skip to last continuation byte */",
        "    lua_native_pos0 = posi;  /* lua-sys: work budget */\n    while (iscontp(s + posi + 1))\n      posi++;  /* skip to last continuation byte */\n    lua_native_charge(L, lua_native_scan_units(cast_sizet(posi - lua_native_pos0)));",
        1,
    ),
];

/// `next` (ltable.c's `luaH_next`, also behind `pairs` and `lua_next`) skips
/// empty slots one by one: on a table emptied of a million entries a single
/// call scans them all. The slots it skips are charged to the work budget,
/// without raising (`lua_next` may be called from the host).
const LTABLE_PATCH: &[(&str, &str, usize)] = &[
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

/// The work budget in the base library (`lua_native_charge`).
const LBASELIB_PATCH: &[(&str, &str, usize)] = &[
    (
        // print: the bytes it writes
        "    lua_writestring(s, l);  /* print it */",
        "    lua_native_charge(L, 1 + lua_native_copy_units(l));  /* lua-sys: work budget */\n    lua_writestring(s, l);  /* print it */",
        1,
    ),
    (
        // tostring: the string it builds (a string argument is returned as is)
        "  luaL_checkany(L, 1);\n  luaL_tolstring(L, 1, NULL);\n  return 1;",
        "  size_t l;\n  luaL_checkany(L, 1);\n  luaL_tolstring(L, 1, &l);\n  if (lua_type(L, 1) != LUA_TSTRING)  /* lua-sys: work budget */\n    lua_native_charge(L, lua_native_copy_units(l));\n  return 1;",
        1,
    ),
    (
        // load: the source it compiles, charged before compiling
        "    status = luaL_loadbufferx(L, s, l, chunkname, mode);",
        "    lua_native_charge(L, LUA_NATIVE_LOAD_BYTE * l);  /* lua-sys: work budget */\n    status = luaL_loadbufferx(L, s, l, chunkname, mode);",
        1,
    ),
    (
        // load with a reader function: each piece (raising here is a load
        // error, as a bad piece is)
        "  return lua_tolstring(L, -1, size);\n}",
        "  {\n    const char *piece = lua_tolstring(L, -1, size);\n    lua_native_charge(L, LUA_NATIVE_LOAD_BYTE * *size);  /* lua-sys: work budget */\n    return piece;\n  }\n}",
        1,
    ),
    (
        // select: the values it returns
        "    luaL_argcheck(L, 1 <= i, 1, \"index out of range\");\n    return n - (int)i;",
        "    luaL_argcheck(L, 1 <= i, 1, \"index out of range\");\n    lua_native_charge(L, cast_sizet(n - (int)i));  /* lua-sys: work budget */\n    return n - (int)i;",
        1,
    ),
];

/// Once a limit has tripped, no `xpcall` message handler runs (`luaG_errormsg`
/// in ldebug.c asks first): the limit's error goes straight to the enclosing
/// `pcall`, so a handler cannot keep the script running. (Limits need no
/// debug hook: the VM's step counter below reaches every Lua instruction,
/// those of hook functions and finalizers included, where stock Lua turns
/// hooks off.)
const LDEBUG_PATCH: &[(&str, &str, usize)] = &[(
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
const LDBLIB_PATCH: &[(&str, &str, usize)] = &[
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
/// Counting instructions with a count hook costs about 2x on pure-Lua work:
/// any hook sends the VM through `luaG_traceexec` on every instruction. The
/// patch counts in the VM instead, one decrement of a per-thread counter in
/// the extra space per instruction; when it runs out, the embedding charges
/// the budget and, once it is spent, sets the count hook that raises.
///
/// Concatenation (`..`, and `lua_concat`) is one instruction whatever it
/// copies, so a long result also charges its bytes to the work budget,
/// without raising (`lua_concat` may be called from the host): a budget
/// spent that way stops the thread at its next VM step.
const LVM_PATCH: &[(&str, &str, usize)] = &[
    (
        "#define vmfetch()\t{ \\\n  if (l_unlikely(trap)) {",
        "#define vmfetch()\t{ \\\n  if (l_unlikely(--lua_native_steps(L) <= 0)) {  /* lua-sys: instruction budget */ \\\n    savepc(ci); lua_native_steps_out(L); trap = ci->u.l.trap; \\\n  } \\\n  if (l_unlikely(trap)) {",
        1,
    ),
    (
        "        ts = luaS_createlngstrobj(L, tl);\n        copy2buff(top, n, getlngstr(ts));",
        "        lua_native_charge_nr(L, lua_native_copy_units(tl));  /* lua-sys: work budget */\n        ts = luaS_createlngstrobj(L, tl);\n        copy2buff(top, n, getlngstr(ts));",
        1,
    ),
];
/// After every C function returns, the flag a watchdog thread may set (see
/// `lua_native_after_c` in csrc/lua_native_user.h): a loop whose time goes
/// into long C calls (full collections, sorts) notices a passed deadline at
/// the next call instead of a thousand instructions later.
const LDO_PATCH: &[(&str, &str, usize)] = &[(
    "  n = (*f)(L);  /* do the actual call */\n",
    "  n = (*f)(L);  /* do the actual call */\n  lua_native_after_c(L);  /* lua-sys: a watchdog's flag */\n",
    1,
)];
/// The collector's work, for the work budget: marking charges each slot it
/// traverses (as `propagatemark` counts them), sweeping each object it
/// visits and each it frees, weak tables each slot they clear or revisit.
/// The work is added up, in sixteenths of a unit, in the main thread's
/// extra space (the collector knows only the global state there), and
/// charged without raising (`lua_native_charge_nr`) to the running thread
/// when the collector returns: after each step (`luaC_step`), full or
/// emergency collection (`luaC_fullgc`), mode change, and before each
/// finalizer. A budget spent that way stops the thread at its next VM step.
const LGC_PATCH: &[(&str, &str, usize)] = &[
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
    lua_native_charge_nr(L, w >> 4);\n\
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
const LAUXLIB_PATCH: &[(&str, &str, usize)] = &[
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
const LAPI_PATCH: &[(&str, &str, usize)] = &[
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
const LCOROLIB_PATCH: &[(&str, &str, usize)] = &[(
    "      lua_geti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);  /* get main */
      if (lua_tothread(L, -1) == co)",
    "      if (lua_pushthread(co))  /* lua-sys: is it the main thread? (not the registry's word) */",
    1,
)];

/// Opt-in AddressSanitizer for Lua's C code (scripts/asan.sh), never on by
/// default: `LUA_NATIVE_SANITIZE=address` compiles every C file of the build
/// (vendor/, the patched copies, csrc/) with `-fsanitize=address` and links the
/// ASan runtime into whatever links lua-sys. Rust code stays uninstrumented
/// (that needs nightly). Unset or empty changes nothing.
fn sanitize(build: &mut cc::Build) {
    println!("cargo:rerun-if-env-changed=LUA_NATIVE_SANITIZE");
    match env::var("LUA_NATIVE_SANITIZE").as_deref() {
        Err(_) | Ok("") => {}
        Ok("address") => {
            // Still -O2 (the shipped code paths); -g and frame pointers give
            // readable ASan stacks.
            build
                .flag("-fsanitize=address")
                .flag("-fno-omit-frame-pointer")
                .flag("-g");
            // Printed before dl/m so that libasan comes first among the test
            // binaries' shared libraries, as ASan requires. A host that only
            // dlopens the result (node) must LD_PRELOAD libasan instead.
            println!("cargo:rustc-link-lib=dylib=asan");
        }
        Ok(other) => panic!("LUA_NATIVE_SANITIZE={other:?}: only \"address\" is supported"),
    }
}

/// Writes `file` from `vendor/` with `patch` applied into `out`, and returns its path.
fn patched(lua_dir: &Path, out: &Path, file: &str, patch: &[(&str, &str, usize)]) -> PathBuf {
    let mut text = fs::read_to_string(lua_dir.join(file)).unwrap();
    for (anchor, replacement, count) in patch {
        assert_eq!(
            text.matches(anchor).count(),
            *count,
            "{file} changed: a lua-sys patch anchor is not found {count} time(s)"
        );
        text = text.replace(anchor, replacement);
    }
    let path = out.join(file);
    fs::write(&path, text).unwrap();
    path
}

fn compile_lua(lua_dir: &Path, target_os: &str) {
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let csrc = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("csrc");
    let mut build = cc::Build::new();
    build
        .include(lua_dir)
        .include(&csrc)
        .opt_level(2)
        .warnings(false);
    // Aligning functions makes the VM's speed independent of where the
    // linker happens to place `luaV_execute` in a given binary (measured:
    // up to 12% on fib(30) between two otherwise identical builds).
    build.flag_if_supported("-falign-functions=64");
    build.define("LUA_USER_H", Some("\"lua_native_user.h\""));
    sanitize(&mut build);
    if let Some(define) = platform_define(target_os) {
        build.define(define, None);
    }
    if target_os == "linux" {
        // LUA_USE_LINUX turns on dlopen for package.loadlib; link libdl for older glibc.
        println!("cargo:rustc-link-lib=dl");
        println!("cargo:rustc-link-lib=m");
    }
    let mut sources: Vec<PathBuf> = fs::read_dir(lua_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        // The stand-alone interpreter and compiler have their own main().
        .filter(|p| {
            !matches!(
                p.file_name().and_then(|n| n.to_str()),
                Some(
                    "lua.c"
                        | "luac.c"
                        | "onelua.c"
                        | "lstrlib.c"
                        | "ltablib.c"
                        | "ldebug.c"
                        | "ldblib.c"
                        | "lvm.c"
                        | "ldo.c"
                        | "lapi.c"
                        | "lcorolib.c"
                        | "lauxlib.c"
                        | "lgc.c"
                        | "lutf8lib.c"
                        | "lbaselib.c"
                        | "ltable.c"
                )
            )
        })
        .collect();
    sources.sort();
    sources.push(patched(lua_dir, &out, "lstrlib.c", LSTRLIB_PATCH));
    sources.push(patched(lua_dir, &out, "ltablib.c", LTABLIB_PATCH));
    sources.push(patched(lua_dir, &out, "ldebug.c", LDEBUG_PATCH));
    sources.push(patched(lua_dir, &out, "ldblib.c", LDBLIB_PATCH));
    sources.push(patched(lua_dir, &out, "lgc.c", LGC_PATCH));
    sources.push(patched(lua_dir, &out, "lvm.c", LVM_PATCH));
    sources.push(patched(lua_dir, &out, "ldo.c", LDO_PATCH));
    sources.push(patched(lua_dir, &out, "lapi.c", LAPI_PATCH));
    sources.push(patched(lua_dir, &out, "lcorolib.c", LCOROLIB_PATCH));
    sources.push(patched(lua_dir, &out, "lauxlib.c", LAUXLIB_PATCH));
    sources.push(patched(lua_dir, &out, "lutf8lib.c", LUTF8LIB_PATCH));
    sources.push(patched(lua_dir, &out, "lbaselib.c", LBASELIB_PATCH));
    sources.push(patched(lua_dir, &out, "ltable.c", LTABLE_PATCH));
    sources.push(csrc.join("lua_native_hooks.c"));
    println!("cargo:rerun-if-changed={}", csrc.display());
    build.files(&sources).compile("lua5.5");
}

fn generate_bindings(lua_dir: &Path, out: &Path) {
    let bindings = bindgen::Builder::default()
        .header_contents(
            "wrapper.h",
            "#include \"lua.h\"\n#include \"lauxlib.h\"\n#include \"lualib.h\"\n",
        )
        .clang_arg(format!("-I{}", lua_dir.display()))
        .clang_arg(format!("-I{}", manifest_dir().join("csrc").display()))
        .header_contents(
            "hooks.h",
            "#include \"lua.h\"\n#include \"lua_native_user.h\"\n\
             extern void (*lua_native_resume_hook)(lua_State *L);\n\
             extern void (*lua_native_match_hook)(lua_State *L);\n\
             extern int (*lua_native_handlers_hook)(lua_State *L);\n\
             extern void (*lua_native_thread_hook)(lua_State *L, lua_State *L1, int alive);\n\
             extern const char *(*lua_native_steps_hook)(lua_State *L);\n\
             extern void (*lua_native_host_hook)(lua_State *L, lua_Debug *ar);\n\
             extern int (*lua_native_internal_hook)(lua_State *L, lua_Debug *ar);\n\
             extern int (*lua_native_internal_fn)(lua_CFunction f);\n\
             extern void (*lua_native_charge_hook)(lua_State *L, size_t units, int may_raise);\n",
        )
        .allowlist_function("lua_.*|luaL_.*|luaopen_.*")
        .allowlist_type("lua_.*|luaL_.*")
        .allowlist_var("LUA_.*|LUAL_.*|lua_native_.*")
        .layout_tests(false)
        .generate_comments(false)
        .generate()
        .expect("bindgen could not read the Lua headers");
    bindings.write_to_file(out.join("bindings.rs")).unwrap();
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap())
}

/// `LUA_VERSION` and `LUA_RELEASE` are built by function-like macros that
/// bindgen cannot expand, so they are rebuilt here from the numeric parts.
fn write_version(lua_dir: &Path, out: &Path) {
    let header = fs::read_to_string(lua_dir.join("lua.h")).unwrap();
    let number = |name: &str| -> String {
        header
            .lines()
            .find_map(|l| {
                l.strip_prefix("#define ")
                    .and_then(|r| r.strip_prefix(name))
                    .map(|v| v.trim().to_string())
            })
            .unwrap_or_else(|| panic!("{name} not found in lua.h"))
    };
    let (major, minor, release) = (
        number("LUA_VERSION_MAJOR_N"),
        number("LUA_VERSION_MINOR_N"),
        number("LUA_VERSION_RELEASE_N"),
    );
    fs::write(
        out.join("version.rs"),
        format!(
            "/// `LUA_VERSION` from lua.h.\npub const LUA_VERSION: &str = \"Lua {major}.{minor}\";\n\
             /// `LUA_RELEASE` from lua.h.\npub const LUA_RELEASE: &str = \"Lua {major}.{minor}.{release}\";\n"
        ),
    )
    .unwrap();
}
