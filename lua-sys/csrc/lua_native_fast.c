/*
** One-call forms of the steps the binding takes on every crossing (push an
** argument, read an integer, find its own userdata). Rust cannot inline C,
** so each public-API step it takes is a call of its own; these do the same
** work as the API calls they replace (lua_checkstack + lua_pushinteger,
** lua_isinteger + lua_tointegerx, lua_type + lua_rawlen + lua_touserdata),
** in one call, with the same results.
*/
#include "lua.h"
#include "lapi.h"
#include "lobject.h"
#include "lstate.h"
#include "ltable.h"
#include "ltm.h"
#include "lgc.h"
#include "ldo.h"
#include "lauxlib.h"
#include "lua_native_refs.h"

#include <stdint.h>
#include <string.h>

/* The value at 'idx' as lapi.c's (static) index2value finds it. */
static const TValue *value_at(lua_State *L, int idx) {
  CallInfo *ci = L->ci;
  if (idx > 0) {
    StkId o = ci->func.p + idx;
    return (o >= L->top.p) ? &G(L)->nilvalue : s2v(o);
  }
  else if (idx > LUA_REGISTRYINDEX)  /* negative stack index */
    return s2v(L->top.p + idx);
  else if (idx == LUA_REGISTRYINDEX)
    return &G(L)->l_registry;
  else {  /* an upvalue of the running C closure */
    idx = LUA_REGISTRYINDEX - idx;
    if (ttisCclosure(s2v(ci->func.p))) {
      CClosure *func = clCvalue(s2v(ci->func.p));
      return (idx <= func->nupvalues) ? &func->upvalue[idx - 1] : &G(L)->nilvalue;
    }
    return &G(L)->nilvalue;
  }
}

/*
** The host's references live in lua-sys's reference table
** (lua_native_refs.c); a call finds its function there with two array
** reads (lua_native_push_ref_value, lua_native_refs.h).
*/

/*
** Whether the value at 'idx' is the registry or the reference table: the
** tables that hold every reference the host has, never to be copied.
*/
int lua_native_is_ref_holder(lua_State *L, int idx) {
  const TValue *o = value_at(L, idx);
  Table *t;
  if (!ttistable(o)) return 0;
  t = hvalue(o);
  return t == hvalue(&G(L)->l_registry) || t == lua_native_refs_table(L);
}

/*
** Room for one more value in the running frame: the frame's top never
** passes the end of the stack, so a slot below it is a slot of the stack.
*/
static int room_for_one(lua_State *L) {
  return L->top.p < L->ci->top.p || lua_checkstack(L, 1);
}

int lua_native_push_integer(lua_State *L, lua_Integer n) {
  if (!room_for_one(L)) return 0;
  setivalue(s2v(L->top.p), n);
  L->top.p++;
  return 1;
}

int lua_native_push_number(lua_State *L, lua_Number n) {
  if (!room_for_one(L)) return 0;
  setfltvalue(s2v(L->top.p), n);
  L->top.p++;
  return 1;
}

/* Pushes refs[ref]; 0 when there is no room (nothing pushed). */
int lua_native_push_ref(lua_State *L, int ref) {
  if (!room_for_one(L)) return 0;
  lua_native_push_ref_value(L, ref);
  return 1;
}

/*
** Whether the value at 'idx' has a metatable, as lua_getmetatable finds it
** (a table's or full userdata's own, else its type's), with nothing pushed.
*/
int lua_native_has_metatable(lua_State *L, int idx) {
  const TValue *obj = value_at(L, idx);
  Table *mt;
  switch (ttype(obj)) {
    case LUA_TTABLE: mt = hvalue(obj)->metatable; break;
    case LUA_TUSERDATA: mt = uvalue(obj)->metatable; break;
    default: mt = G(L)->mt[ttype(obj)]; break;
  }
  return mt != NULL;
}

/* The integer at 'idx' when it is one (no conversion from floats or strings). */
int lua_native_to_integer(lua_State *L, int idx, lua_Integer *out) {
  const TValue *o = value_at(L, idx);
  if (!ttisinteger(o)) return 0;
  *out = ivalue(o);
  return 1;
}

/* The memory of the full userdata 'o' when it is exactly 'size' bytes. */
static void *sized_memory(const TValue *o, size_t size) {
  Udata *u;
  if (!ttisfulluserdata(o)) return NULL;
  u = uvalue(o);
  return (u->len == size) ? getudatamem(u) : NULL;
}

/* The memory of the full userdata at 'idx' when it is exactly 'size' bytes. */
void *lua_native_userdata_sized(lua_State *L, int idx, size_t size) {
  return sized_memory(value_at(L, idx), size);
}

/*
** What a host function's trampoline first needs: its tagged upvalue 1 (as
** lua_native_userdata_sized finds it) and, in '*nargs', how many arguments
** it got. Read here directly (issue 18: through lua_native_userdata_sized,
** an exported function the compiler may not inline, it was a second call
** into C on every call from Lua).
*/
void *lua_native_host_call(lua_State *L, size_t size, int *nargs) {
  const TValue *func = s2v(L->ci->func.p);
  CClosure *cl;
  *nargs = cast_int(L->top.p - (L->ci->func.p + 1));
  if (!ttisCclosure(func)) return NULL;
  cl = clCvalue(func);
  return (cl->nupvalues >= 1) ? sized_memory(&cl->upvalue[0], size) : NULL;
}

/*
** Begins a call from the host: makes room for the message handler, the
** function and a result, pushes the handler and, when 'with_ref', the
** function refs[ref] (lua_native_refs.h). Returns the top it found, or -1
** when the stack cannot grow (nothing pushed).
*/
int lua_native_begin_call(lua_State *L, lua_CFunction handler, int with_ref, int ref) {
  int top = cast_int(L->top.p - (L->ci->func.p + 1));
  if (L->ci->top.p - L->top.p < 3 && !lua_checkstack(L, 3)) return -1;
  setfvalue(s2v(L->top.p), handler);
  L->top.p++;
  if (with_ref) lua_native_push_ref_value(L, ref);
  return top;
}

/*
** lua_pcall with all results kept, and in '*top' the top after it (the
** results, or the error value, are the values above the handler).
*/
int lua_native_pcall(lua_State *L, int nargs, int handler, int *top) {
  int status = lua_pcall(L, nargs, LUA_MULTRET, handler);
  *top = cast_int(L->top.p - (L->ci->func.p + 1));
  return status;
}

/*
** A JavaScript number as Lua takes it (lua-core's raw/number.rs, whose
** tests hold this copy to it): an integer when it is integral and in
** [-2^63, 2^63) (-0 excepted, which keeps its sign as a float), else a
** float. Read from the bits, with integer operations only.
*/
static void set_normalized(TValue *v, lua_Number n) {
  uint64_t bits;
  int exp;
  memcpy(&bits, &n, sizeof bits);
  exp = (int)((bits >> 52) & 0x7ff) - 1023;
  if (exp < 0) {  /* |n| < 1: only +0 is an integer */
    if (bits == 0) { setivalue(v, 0); }
    else { setfltvalue(v, n); }
  }
  else if (exp < 52) {  /* the low 52 - exp bits of the mantissa are the fraction */
    if ((bits << (12 + exp)) == 0) { setivalue(v, (lua_Integer)n); }
    else { setfltvalue(v, n); }
  }
  else if (exp < 63) { setivalue(v, (lua_Integer)n); }  /* integral, |n| < 2^63 */
  else if (bits == UINT64_C(0xC3E0000000000000)) { setivalue(v, LUA_MININTEGER); }  /* -2^63 */
  else { setfltvalue(v, n); }  /* out of range, the infinities, NaN */
}

/*
** The base frame's room given back once the host popped everything of a
** call (the outermost one). The host calls Lua from the base frame of the
** main thread, whose top Lua raises to fit what a call was given or left
** (lua_checkstack, results kept with LUA_MULTRET) and never lowers again:
** the stack could then never shrink below the largest call the host ever
** made. This lowers it back to the room a C function gets on entry. Other
** frames give their room back when they return.
*/
static void trim_base(lua_State *L) {
  CallInfo *ci = L->ci;
  StkId floor = L->top.p + LUA_MINSTACK;
  if (ci == &L->base_ci && ci->top.p > floor)
    ci->top.p = floor;
}

/*
** Lowers the top to 'newtop' (at or below it) as lua_settop would: past no
** to-be-closed variable that is all it does.
*/
static void lower_top(lua_State *L, StkId newtop, int top) {
  if (newtop <= L->top.p && L->tbclist.p < newtop)
    L->top.p = newtop;
  else
    lua_settop(L, top);
}

/* The protected body of 'pcall_all': the call, all results kept. */
static void call_all(lua_State *L, void *ud) {
  luaD_callnoyield(L, *(StkId *)ud, LUA_MULTRET);
}

/*
** lua_pcall(L, nargs, LUA_MULTRET, handler) from the base frame of the
** host, as lapi.c's lua_pcallk makes it without a continuation (its
** "conventional protected call"): the same luaD_pcall with the same
** function, handler and results adjustment, without the API's call and
** index translation around it (issue 18).
*/
static int pcall_all(lua_State *L, int nargs, StkId handler) {
  StkId func = L->top.p - (nargs + 1);
  TStatus status = luaD_pcall(L, call_all, &func, savestack(L, func), savestack(L, handler));
  adjustresults(L, LUA_MULTRET);
  return APIstatus(status);
}

/*
** A whole call from the host whose arguments are JavaScript numbers, in one
** call into C (lua-core's raw/number_call.rs): lua_native_begin_call, then
** the 'nargs' numbers pushed as set_normalized makes them, then
** lua_native_pcall (as pcall_all makes it). 'c->top' gets the top the call found. When the call
** succeeds with exactly one number, the commonest outcome, and 'c->one'
** asks for it, the number goes
** to 'c->i' or 'c->n', the top is put back (lua_native_end_call, trimming
** when 'c->trim') and LUA_NATIVE_ONE_INTEGER or LUA_NATIVE_ONE_FLOAT is
** returned: the host reads it with no further call into C. Otherwise the
** return is lua_pcall's status with the results (or the error value)
** left above the handler and 'c->after' the top after them, for the host
** to read and then end with lua_native_end_call; -1 when the stack cannot
** grow (nothing pushed).
*/
int lua_native_call_numbers(lua_State *L, lua_CFunction handler, int ref,
                            struct lua_native_ncall *c) {
  int k, nargs = c->nargs, base = cast_int(L->top.p - (L->ci->func.p + 1));
  const lua_Number *args = c->args;
  StkId newtop, h;
  if (L->ci->top.p - L->top.p < nargs + 3 && !lua_checkstack(L, nargs + 3))
    return -1;
  c->top = base;
  h = L->top.p;
  setfvalue(s2v(L->top.p), handler);
  L->top.p++;
  lua_native_push_ref_value(L, ref);
  for (k = 0; k < nargs; k++) {
    set_normalized(s2v(L->top.p), args[k]);
    L->top.p++;
  }
  k = pcall_all(L, nargs, h);
  newtop = L->ci->func.p + 1 + base;
  /* The handler at 'newtop', the results above it. */
  if (k == LUA_OK && c->one && L->top.p == newtop + 2) {
    const TValue *r = s2v(newtop + 1);
    if (ttisinteger(r)) { c->i = ivalue(r); k = LUA_NATIVE_ONE_INTEGER; }
    else if (ttisfloat(r)) { c->n = fltvalue(r); k = LUA_NATIVE_ONE_FLOAT; }
    if (k != LUA_OK) {
      lower_top(L, newtop, base);
      if (c->trim) trim_base(L);
      return k;
    }
  }
  c->after = cast_int(L->top.p - (L->ci->func.p + 1));
  return k;
}

/*
** Ends a call from the host: the top back where the call found it and,
** when 'trim' (the outermost entry), the base frame's room given back.
*/
void lua_native_end_call(lua_State *L, int top, int trim) {
  lower_top(L, L->ci->func.p + 1 + top, top);
  if (trim) trim_base(L);
}
