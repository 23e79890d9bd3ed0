/*
** Opening the standard libraries with fewer steps (issue 18), with the same
** results: lauxlib.c's patch (lua-sys/build/patches_core.rs) sends
** luaL_setfuncs without upvalues here.
*/
#include "lua.h"
#include "lapi.h"
#include "lauxlib.h"
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
