/*
** Opening the standard libraries with fewer steps (issue 18), with the same
** results: lauxlib.c's patch (lua-sys/build/patches_core.rs) sends
** luaL_setfuncs without upvalues here.
*/
#include "lua.h"
#include "lapi.h"
#include "lauxlib.h"
#include "lualib.h"
#include "lgc.h"
#include "lobject.h"
#include "lstate.h"
#include "lstring.h"
#include "ltable.h"
#include "lvm.h"

#include <string.h>

void lua_native_setfuncs (lua_State *L, const luaL_Reg *l);

/*
** luaL_setfuncs(L, l, 0): what lua_pushcclosure(L, f, 0) (or
** lua_pushboolean(L, 0) for a placeholder) followed by lua_setfield(L, -2,
** name) does, step for step as lapi.c's auxsetstr does it, except that each
** name is interned with luaS_newlstr instead of luaS_new: luaS_new first
** looks the name's address up in the API string cache, two strcmp's that
** miss for every library function (each name is a string of its own), and
** the string it then makes is the same one. The stack holds what it holds
** in lua_setfield (the table at -2 before the key is pushed, the value at
** the top, the key above it on the slow path), so a __newindex metamethod,
** the collector's barriers and a table's growth see exactly what they see
** there.
*/
void lua_native_setfuncs (lua_State *L, const luaL_Reg *l) {
  for (; l->name != NULL; l++) {
    TString *k;
    const TValue *t;
    int hres;
    if (l->func == NULL)  /* placeholder? */
      setbfvalue(s2v(L->top.p));
    else
      setfvalue(s2v(L->top.p), l->func);
    api_incr_top(L);
    k = luaS_newlstr(L, l->name, strlen(l->name));
    t = s2v(L->top.p - 2);  /* the table (lua_setfield's index -2) */
    luaV_fastset(t, k, s2v(L->top.p - 1), hres, luaH_psetstr);
    if (hres == HOK) {
      luaV_finishfastset(L, t, s2v(L->top.p - 1));
      L->top.p--;  /* pop value */
    }
    else {
      setsvalue2s(L, L->top.p, k);  /* push the key (to make it a TValue) */
      api_incr_top(L);
      luaV_finishset(L, t, s2v(L->top.p - 1), s2v(L->top.p - 2), hres);
      L->top.p -= 2;  /* pop value and key */
    }
  }
}


/*
** A state's opening (issue 18): the collector stands still while the
** libraries and the binding's registry entries are made, as lua.c stops it
** while it builds its state. Everything made then stays alive (the
** registry and the globals hold it), so a cycle run in between would only
** mark it; instead the collector starts from where such a cycle leaves it
** after its atomic step, with everything found alive: sweeping (nothing to
** free; the objects are all of the current white, as the sweep leaves them),
** 'GCmarked' counting every byte, and the next step due after a step's worth
** of allocation (incstep in lgc.c). That is also about where the collector
** stands after a stock opening, so its later cycles (and what the work
** budget is charged for them) fall about where they fell, and a first
** collectgarbage("step") ends the cycle as it did.
**
** The tables every library writes to (the globals, package.loaded, the
** registry) are made, up front, the size their growth one key at a time
** would reach, so they are not rehashed on the way: sized for a lower bound
** of the keys they get ('libs' as luaL_openselectedlibs takes it; the base
** library sets 24 globals, every other one 1; the registry always gets
** _PRELOAD, _LOADED with any library, _CLIBS with package, three names with
** io, and 'registry' names from the caller). A table
** grown key by key ends at the power of 2 at or above its count, so a size
** taken from a lower bound is never larger than stock Lua's. The string
** table likewise: it doubles each time its count reaches its size, so it
** starts at the power of 2 at or above a lower bound of the strings the
** opening leaves (the bare state's plus, for each library, the ones no
** other library and no bare state has).
*/
static void presize (lua_State *L, Table *t, unsigned keys) {
  if (keys > allocsizenode(t))
    luaH_resize(L, t, t->asize, keys);
}

/*
** Strings alive after a stock Lua 5.5 opening with no library (reserved
** words, metamethod names, the memory error message: all fixed, so always
** there), and those only one library brings (counted as the strings of all
** libraries less those of all but that one, after full collections).
** lua-sys/tests/open_presize.rs compares the size they give, and the
** memory, with stock Lua's opening for every set of libraries.
*/
#define BARE_STATE_STRINGS 51

static const struct { int lib; unsigned strings; } own_strings[] = {
  {LUA_GLIBK, 23}, {LUA_LOADLIBK, 12}, {LUA_COLIBK, 7}, {LUA_DBLIBK, 14},
  {LUA_IOLIBK, 20}, {LUA_MATHLIBK, 29}, {LUA_OSLIBK, 11}, {LUA_STRLIBK, 14},
  {LUA_TABLIBK, 5}, {LUA_UTF8LIBK, 6}
};

static unsigned strings_at_least (int libs) {
  unsigned n = BARE_STATE_STRINGS;
  size_t i;
  for (i = 0; i < sizeof(own_strings) / sizeof(own_strings[0]); i++)
    if (libs & own_strings[i].lib) n += own_strings[i].strings;
  return n;
}

static void presize_strings (lua_State *L, unsigned strings) {
  int size = G(L)->strt.size;
  while (cast_uint(size) < strings)  /* a few hundred at most */
    size *= 2;
  if (size > G(L)->strt.size)
    luaS_resize(L, size);  /* on failure the table stays as it was */
}

static unsigned count_libs (int libs) {
  unsigned n = 0;
  for (; libs != 0; libs &= libs - 1) n++;
  return n;
}

void lua_native_open_begin (lua_State *L, int libs, int registry) {
  global_State *g = G(L);
  Table *reg = hvalue(&g->l_registry);
  TValue gt;
  unsigned others;
  libs &= LUA_GLIBK | LUA_LOADLIBK | LUA_COLIBK | LUA_DBLIBK | LUA_IOLIBK |
          LUA_MATHLIBK | LUA_OSLIBK | LUA_STRLIBK | LUA_TABLIBK | LUA_UTF8LIBK;
  others = count_libs(libs & ~LUA_GLIBK);
  g->gcstp |= GCSTPUSR;
  presize_strings(L, strings_at_least(libs));
  presize(L, reg, cast_uint(registry) + 1 + (libs != 0) +
                  (libs & LUA_LOADLIBK ? 1 : 0) + (libs & LUA_IOLIBK ? 3 : 0));
  luaH_getint(reg, LUA_RIDX_GLOBALS, &gt);
  presize(L, hvalue(&gt), (libs & LUA_GLIBK ? 24 : 0) + others);
  if (libs != 0) {  /* luaL_requiref makes it for the first library */
    lua_createtable(L, 0, cast_int(count_libs(libs)));
    lua_setfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  }
}

void lua_native_open_end (lua_State *L) {
  global_State *g = G(L);
  g->gcstp &= cast_byte(~GCSTPUSR);
  if (g->gckind == KGC_INC && g->gcstate == GCSpause && g->gray == NULL) {
    g->GCmarked = gettotalbytes(g);
    g->gcstate = GCSswpallgc;
    g->sweepgc = &g->allgc;
  }
  luaE_setdebt(g, applygcparam(g, STEPSIZE, 100));
}


int lua_native_string_table_size (lua_State *L) {
  return G(L)->strt.size;
}
