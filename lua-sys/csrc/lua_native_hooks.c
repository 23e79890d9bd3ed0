/*
** The two entry points declared in lua_native_user.h. Each forwards to a
** function the embedding installs (NULL: nothing to do), so lua-sys needs
** nothing from the crates above it.
*/
#include "lua.h"

void (*lua_native_resume_hook)(lua_State *L) = 0;
void (*lua_native_match_hook)(lua_State *L) = 0;

/* Pattern steps between two calls of the match hook. */
#define LUA_NATIVE_MATCH_INTERVAL 1024

static _Thread_local unsigned lua_native_match_steps = 0;

void lua_native_on_resume(lua_State *L) {
  void (*hook)(lua_State *) = lua_native_resume_hook;
  if (hook) hook(L);
}

void lua_native_match_step(lua_State *L) {
  if (++lua_native_match_steps >= LUA_NATIVE_MATCH_INTERVAL) {
    void (*hook)(lua_State *) = lua_native_match_hook;
    lua_native_match_steps = 0;
    if (hook) hook(L);
  }
}
