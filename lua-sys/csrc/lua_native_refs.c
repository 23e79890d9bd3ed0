/*
** The host's references (lua_native_ref: every handle the host holds on a
** Lua value) live in a table of their own at registry[LUA_NATIVE_RIDX_REFS],
** a slot of the registry's array part, with luaL_ref's layout (slot 1 the
** head of the free list, references from 2). Kept in the registry itself,
** most references sat in its hash part, and every call from the host paid a
** hash lookup to find its function (issue 18); here a call finds it with two
** array reads (lua_native_refs.h).
**
** The table has integer keys 1..n only, so its array part holds them all.
** It is kept with at least one free slot past the last reference: when a
** reference takes the last one, the array part is doubled right then, and a
** refusal of that growth is ignored (the reference itself is made). So
** making a reference does not allocate when it matters most: on the way out
** of a script that ran the state to its memory limit (the value an error
** raised, a coroutine resume reports, is anchored with no room to grow).
** The collector traverses the array part in every cycle and charges the
** work budget for it (DECISIONS 12): the table starts small and grows only
** as references are made, as any Lua sequence does. How the table is told
** apart from what a script puts in its slot: lua_native_refs.h.
*/
#include "lua.h"
#include "lauxlib.h"
#include "lobject.h"
#include "lstate.h"
#include "ltable.h"
#include "ltm.h"
#include "lgc.h"
#include "ldo.h"

#include "lua_native_refs.h"

/* The array part the table starts with: the free list's head and 7 references. */
#define REFS_INITIAL	8

/* The size past which the table is not grown ahead of need. */
#define REFS_MAX_AHEAD	(1u << 26)

static void grow_refs(lua_State *L, void *ud) {
  Table *refs = (Table *)ud;
  luaH_resizearray(L, refs, refs->asize < REFS_INITIAL ? REFS_INITIAL : refs->asize * 2);
}

/*
** Makes sure the next new reference finds a free slot in the array part:
** when the free list is empty and the array's last slot is taken, the
** array part doubles. Protected: a refused growth leaves the table as it
** was (luaH_resize changes nothing before its allocations succeed) and is
** ignored, as the next reference will grow the table itself if it must.
*/
static void keep_a_spare_slot(lua_State *L, Table *refs) {
  TValue head, last;
  if (refs->asize >= REFS_MAX_AHEAD) return;
  if (tagisempty(luaH_getint(refs, 1, &head)) || !ttisinteger(&head) || ivalue(&head) != 0)
    return;  /* a free slot is listed (or a script changed the head) */
  if (refs->asize > 0 && tagisempty(luaH_getint(refs, cast_int(refs->asize), &last)))
    return;  /* the array part has room past its last reference */
  (void)luaD_rawrunprotected(L, grow_refs, refs);
}

/*
** Makes the reference table (a fresh state, protected: it allocates). The
** registry's array part is grown to take its slot first.
*/
void lua_native_open_refs(lua_State *L) {
  Table *reg = hvalue(&G(L)->l_registry);
  Table *refs;
  TValue v;
  if (reg->asize < LUA_NATIVE_RIDX_REFS)
    luaH_resizearray(L, reg, LUA_NATIVE_RIDX_REFS);
  refs = luaH_new(L);
  refs->flags |= cast_byte(LUA_NATIVE_REFS_MARK);
  sethvalue(L, &v, refs);
  luaH_setint(L, reg, LUA_NATIVE_RIDX_REFS, &v);
  luaC_barrierback(L, obj2gco(reg), &v);
  lua_native_extra(mainthread(G(L)))->refs = refs;
  /* Anchored first: an emergency collection may run while it grows. */
  luaH_resizearray(L, refs, REFS_INITIAL);
  setivalue(&v, 0);
  luaH_setint(L, refs, 1, &v);  /* the free list: empty */
}

/*
** luaL_ref into the reference table: pops the value on top and returns its
** reference (LUA_REFNIL for nil; LUA_NOREF, with the value popped, when the
** table was replaced or the stack cannot grow). With a free slot (there is
** one unless an earlier growth was refused or a script filled the table),
** it does not allocate; else it may raise a memory error.
*/
int lua_native_ref(lua_State *L) {
  Table *refs = lua_native_refs_table(L);
  int ref;
  if (refs == NULL || !lua_checkstack(L, 3)) {
    lua_settop(L, -2);
    return LUA_NOREF;
  }
  sethvalue2s(L, L->top.p, refs);
  L->top.p++;
  lua_rotate(L, -2, 1);  /* refs, value */
  ref = luaL_ref(L, -2);
  lua_settop(L, -2);
  if (ref > 0) keep_a_spare_slot(L, refs);
  return ref;
}

/*
** luaL_unref from the reference table. Writes only slots that exist (the
** freed one and the free list's head, integers both), so it never
** allocates or raises, whatever a script did to the table.
*/
void lua_native_unref(lua_State *L, int ref) {
  Table *refs = lua_native_refs_table(L);
  TValue head, old, r;
  if (refs == NULL || ref <= 1) return;
  if (tagisempty(luaH_getint(refs, 1, &head)) || !ttisinteger(&head)) return;
  if (tagisempty(luaH_getint(refs, ref, &old))) return;
  luaH_setint(L, refs, ref, &head);  /* refs[ref] = refs[1] */
  setivalue(&r, ref);
  luaH_setint(L, refs, 1, &r);  /* refs[1] = ref */
}
