/*
** The entry points declared in lua_native_user.h. Each forwards to a
** function the embedding installs (NULL: nothing to do), so lua-sys needs
** nothing from the crates above it. This file sees Lua's internals (it is
** compiled with Lua's own sources) for the two things that need them: raising
** from the VM's instruction fetch, and finding a state's main thread.
*/
#include <string.h>

#include "lua.h"
#include "ldebug.h"
#include "lopcodes.h"
#include "lstate.h"
#include "lstring.h"

void (*lua_native_resume_hook)(lua_State *L) = 0;
void (*lua_native_match_hook)(lua_State *L) = 0;
int (*lua_native_handlers_hook)(lua_State *L) = 0;
void (*lua_native_thread_hook)(lua_State *L, lua_State *L1, int alive) = 0;
const char *(*lua_native_steps_hook)(lua_State *L) = 0;
void (*lua_native_host_hook)(lua_State *L, lua_Debug *ar) = 0;
int (*lua_native_internal_hook)(lua_State *L, lua_Debug *ar) = 0;
int (*lua_native_internal_fn)(lua_CFunction f) = 0;
void (*lua_native_charge_hook)(lua_State *L, size_t units, int may_raise) = 0;

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

/*
** Raises 'msg' where the VM fetches an instruction (a Lua frame, 'savedpc'
** at the next instruction) or where a C function just returned. As
** luaG_traceexec does before calling a hook: refer to the instruction about
** to run, and move 'top' up to the frame's top unless that instruction reads
** it, so the message never lands on a live register.
*/
static l_noret raise_stop(lua_State *L, const char *msg) {
  CallInfo *ci = L->ci;
  if (isLua(ci)) {
    ci->u.l.savedpc++;
    if (!luaP_isIT(*(ci->u.l.savedpc - 1)))
      L->top.p = ci->top.p;
  }
  luaG_runerror(L, "%s", msg);
}

/*
** Whether the C function that just returned is one of the embedding's own
** trampolines (a protected call from the host): the host, not Lua, gets
** control back, so a stop there would only turn the host's own result into
** the limit's error. The limit stays tripped: Lua stops at its next step.
*/
static int returns_to_host(lua_State *L) {
  CallInfo *ci = L->ci;
  const TValue *fv;
  lua_CFunction f = NULL;
  if (isLua(ci) || lua_native_internal_fn == NULL)
    return 0;
  fv = s2v(ci->func.p);
  if (ttislcf(fv)) f = fvalue(fv);
  else if (ttisCclosure(fv)) f = clCvalue(fv)->f;
  return f != NULL && lua_native_internal_fn(f);
}

/*
** The VM's step counter ran out, or a C function returned while the
** thread's flag was set: let the embedding charge and refill the counter;
** a message back means a limit stops the thread here.
*/
void lua_native_steps_out(lua_State *L) {
  const char *(*hook)(lua_State *) = lua_native_steps_hook;
  const char *msg;
  if (!hook) {
    lua_native_steps(L) = 1 << 30;
    return;
  }
  msg = hook(L);
  if (msg != NULL && !returns_to_host(L))
    raise_stop(L, msg);
}

/*
** The main thread's extra space, which Lua leaves uninitialised, once the
** state is complete: no runtime, no flag, no hooks, no collector work, and a
** step counter far from running out. An embedding fills in its own parts
** afterwards; a state without one runs as stock Lua.
*/
void lua_native_extra_open(lua_State *L) {
  struct lua_native_extra *x = lua_native_extra(L);
  memset(x, 0, sizeof *x);
  x->steps = 1L << 30;
}

/* A new thread keeps the hook Lua code set on its creator, as in stock Lua. */
void lua_native_on_thread(lua_State *L, lua_State *L1) {
  void (*hook)(lua_State *, lua_State *, int) = lua_native_thread_hook;
  struct lua_native_extra *from = lua_native_extra(L), *to = lua_native_extra(L1);
  to->lua_hook = from->lua_hook;
  to->lua_mask = from->lua_mask;
  to->lua_count = from->lua_count;
  to->lua_left = from->lua_count;
  to->host_left = lua_native_extra(mainthread(G(L)))->host_count;
  if (hook) hook(L, L1, 1);
}

/* After the last finalizer, before the main thread's memory goes. */
void lua_native_on_close(lua_State *L) {
  void (*hook)(lua_State *, lua_State *, int) = lua_native_thread_hook;
  if (hook) hook(L, L, 2);
}

/*
** After the last finalizer of lua_close, before the objects are freed (a
** fully built state only: a partly built one has no host yet). The host
** may give the state an allocator that takes every block of at most 512
** bytes back whole, with no call per block (lua-core: its pool's blocks go
** with their chunks), and then the short strings (one block each, of at most
** sizestrshr(LUAI_MAXSHORTLEN) bytes) are not freed one by one: 1 when it did.
*/
typedef char lua_native_short_strings_are_small[
  (sizestrshr(LUAI_MAXSHORTLEN) <= 512) ? 1 : -1];

int lua_native_before_free_all(lua_State *L) {
  void (*hook)(lua_State *, lua_State *, int) = lua_native_thread_hook;
  lua_Alloc before = G(L)->frealloc;
  if (hook && completestate(G(L))) hook(L, L, 3);
  return G(L)->frealloc != before;
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
** Hooks. Each thread has one hook slot; Lua code (debug.sethook, per
** thread) and the host (one hook for every thread of the state) share it.
** What Lua code set is kept in the thread's extra space and reported from
** there; the slot holds it unchanged when the host has no hook, and the
** dispatcher below, which calls both, when it has.
*/

static int gcd(int a, int b) {
  while (b != 0) { int t = a % b; a = b; b = t; }
  return a;
}

static int event_bit(int event) {
  switch (event) {
    case LUA_HOOKCALL: case LUA_HOOKTAILCALL: return LUA_MASKCALL;
    case LUA_HOOKRET: return LUA_MASKRET;
    case LUA_HOOKLINE: return LUA_MASKLINE;
    default: return LUA_MASKCOUNT;
  }
}

static void dispatch(lua_State *L, lua_Debug *ar) {
  struct lua_native_extra *x = lua_native_extra(L);
  const struct lua_native_extra *m = lua_native_extra(mainthread(G(L)));
  int bit = event_bit(ar->event);
  int host = (m->host_mask & bit) != 0, lua = (x->lua_mask & bit) != 0;
  if (bit == LUA_MASKCOUNT) {  /* each hook at its own interval */
    int step = lua_gethookcount(L);
    if (host && (x->host_left -= step) <= 0) x->host_left = m->host_count;
    else host = 0;
    if (lua && (x->lua_left -= step) <= 0) x->lua_left = x->lua_count;
    else lua = 0;
  }
  else if ((host || lua) && bit != LUA_MASKLINE && lua_native_internal_hook != NULL &&
           lua_native_internal_hook(L, ar))
    return;  /* the embedding's own protected calls are nobody's business */
  if (host && lua_native_host_hook != NULL)
    lua_native_host_hook(L, ar);  /* never raises */
  if (lua && x->lua_hook != NULL)
    x->lua_hook(L, ar);  /* may raise or yield, as in stock Lua */
}

/* Brings the thread's hook slot in line with what Lua code and the host want. */
void lua_native_sync_hook(lua_State *L) {
  struct lua_native_extra *x = lua_native_extra(L);
  const struct lua_native_extra *m = lua_native_extra(mainthread(G(L)));
  lua_Hook func;
  int mask, count;
  /* Lua's hook alone goes in the slot exactly as it was set, unless it
  ** asks for calls or returns: the dispatcher then keeps the embedding's
  ** own protected calls (set_global, get_global, ... from the host) from
  ** it, as it does when the host has a hook too. */
  if (m->host_mask == 0 && (x->lua_mask & (LUA_MASKCALL | LUA_MASKRET)) == 0) {
    func = x->lua_hook;
    mask = x->lua_mask;
    count = x->lua_count;
  }
  else {
    int lc = (x->lua_hook != NULL && (x->lua_mask & LUA_MASKCOUNT)) ? x->lua_count : 0;
    int hc = (m->host_mask & LUA_MASKCOUNT) ? m->host_count : 0;
    func = dispatch;
    mask = m->host_mask | (x->lua_hook != NULL ? x->lua_mask : 0);
    count = (lc > 0 && hc > 0) ? gcd(lc, hc) : (lc > 0 ? lc : hc);
  }
  if (func == NULL || mask == 0) {
    func = NULL; mask = 0; count = 0;
  }
  if (lua_gethook(L) != func || lua_gethookmask(L) != mask || lua_gethookcount(L) != count)
    lua_sethook(L, func, mask, count);
}

/* debug.sethook on thread L. */
void lua_native_sethook(lua_State *L, lua_Hook func, int mask, int count) {
  struct lua_native_extra *x = lua_native_extra(L);
  if (func == NULL || mask == 0) {
    func = NULL; mask = 0; count = 0;
  }
  x->lua_hook = func;
  x->lua_mask = mask;
  x->lua_count = count;
  x->lua_left = count;
  lua_native_sync_hook(L);
}

lua_Hook lua_native_gethook(lua_State *L) { return lua_native_extra(L)->lua_hook; }
int lua_native_gethookmask(lua_State *L) { return lua_native_extra(L)->lua_mask; }
int lua_native_gethookcount(lua_State *L) { return lua_native_extra(L)->lua_count; }

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
