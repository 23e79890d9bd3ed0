/*
** The entry points declared in lua_native_user.h. Each forwards to a
** function the embedding installs (NULL: nothing to do), so lua-sys needs
** nothing from the crates above it.
*/
#include <string.h>

#include "lua.h"

void (*lua_native_resume_hook)(lua_State *L) = 0;
void (*lua_native_match_hook)(lua_State *L) = 0;
int (*lua_native_handlers_hook)(lua_State *L) = 0;
void (*lua_native_thread_hook)(lua_State *L, lua_State *L1, int alive) = 0;
void (*lua_native_steps_hook)(lua_State *L) = 0;
void (*lua_native_charge_hook)(lua_State *L, size_t units, int may_raise) = 0;

/* The VM's step counter ran out: let the embedding charge and refill it. */
void lua_native_steps_out(lua_State *L) {
  void (*hook)(lua_State *) = lua_native_steps_hook;
  if (hook) hook(L);
  else lua_native_steps(L) = 1 << 30;
}

/*
** A charge the thread's step counter cannot take (lua_native_charge in
** lua_native_user.h): the embedding adds it to the budget and, once the
** budget is spent, raises (may_raise) or stops the thread at its next VM
** step. Without an embedding the work is free.
*/
void lua_native_charge_slow(lua_State *L, size_t units, int may_raise) {
  void (*hook)(lua_State *, size_t, int) = lua_native_charge_hook;
  if (hook) hook(L, units, may_raise);
}

void lua_native_on_thread(lua_State *L, lua_State *L1) {
  void (*hook)(lua_State *, lua_State *, int) = lua_native_thread_hook;
  if (hook) hook(L, L1, 1);
}

/* After the last finalizer, before the main thread's memory goes. */
void lua_native_on_close(lua_State *L) {
  void (*hook)(lua_State *, lua_State *, int) = lua_native_thread_hook;
  if (hook) hook(L, L, 2);
}

void lua_native_on_thread_free(lua_State *L, lua_State *L1) {
  void (*hook)(lua_State *, lua_State *, int) = lua_native_thread_hook;
  if (hook) hook(L, L1, 0);
}

int lua_native_handlers_blocked(lua_State *L) {
  int (*hook)(lua_State *) = lua_native_handlers_hook;
  return hook ? hook(L) : 0;
}

/*
** Pattern steps between two calls of the match hook, which charges 1024
** units to the work budget: a step costs about four VM instructions.
*/
#define LUA_NATIVE_MATCH_INTERVAL 256

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

/*
** lstrlib.c's lmemfind (plain string.find), with each comparison charged to
** the match budget in proportion to the bytes it compares.
*/
const char *lua_native_lmemfind(lua_State *L, const char *s1, size_t l1,
                                const char *s2, size_t l2) {
  if (l2 == 0) return s1;  /* empty strings are everywhere */
  else if (l2 > l1) return NULL;  /* avoids a negative 'l1' */
  else {
    const char *init;  /* to search for a '*s2' inside 's1' */
    l2--;  /* 1st char will be checked by 'memchr' */
    l1 = l1 - l2;  /* 's2' cannot be found after that */
    while (l1 > 0 && (init = (const char *)memchr(s1, *s2, l1)) != NULL) {
      size_t work = 1 + l2 / 256;
      while (work-- > 0) lua_native_match_step(L);
      init++;  /* 1st char is already checked */
      if (memcmp(init, s2 + 1, l2) == 0)
        return init - 1;
      else {  /* correct 'l1' and 's1' to try again */
        l1 -= (size_t)(init - s1);
        s1 = init;
      }
    }
    return NULL;  /* not found */
  }
}
