/*
** The host's reference table (lua_native_refs.c): where every reference the
** host holds (lua_native_ref) lives, and the inline lookup every call from
** the host makes. Internal headers: include after lstate.h, ltable.h.
*/
#ifndef lua_native_refs_h
#define lua_native_refs_h

/* The registry slot of the reference table: the first after Lua's own. */
#define LUA_NATIVE_RIDX_REFS	(LUA_RIDX_LAST + 1)

/*
** A bit of the table's 'flags' that Lua leaves alone: luaH_new clears it
** (flags = maskflags), and Lua only ever sets or clears the metamethod
** cache's bits (maskflags) and BITDUMMY. Only the reference table carries
** it, and no script can set it.
*/
#define LUA_NATIVE_REFS_MARK	(1u << 7)
typedef char lua_native_refs_mark_is_free[
  ((LUA_NATIVE_REFS_MARK & (maskflags | BITDUMMY)) == 0 && LUA_NATIVE_REFS_MARK <= 0xffu) ? 1 : -1];

/*
** The reference table, or NULL when Lua code replaced the registry slot
** (the debug library reaches the registry). The table lua_native_open_refs
** made is recognised by its address, kept in the main thread's extra space
** and only ever compared with what the slot holds (a table found there is
** alive, the registry holds it, so nothing is read through a stale
** pointer), and by its mark: if a script made the registry weak and ours
** was collected, a table it puts in the slot may well get the same address
** (freed blocks are reused first), but not the mark.
*/
static l_inline Table *lua_native_refs_table(lua_State *L) {
  TValue v;
  lu_byte tag;
  Table *t;
  luaH_fastgeti(hvalue(&G(L)->l_registry), LUA_NATIVE_RIDX_REFS, &v, tag);
  if (tagisempty(tag) || !ttistable(&v)) return NULL;
  t = hvalue(&v);
  return ((const void *)t == lua_native_extra(mainthread(G(L)))->refs &&
          (t->flags & LUA_NATIVE_REFS_MARK)) ? t : NULL;
}

/*
** Pushes refs[ref] (room made by the caller), as lua_rawgeti would; nil
** when the table is gone. Two array reads for every reference the table's
** array part holds, which is all of them unless a script reshaped it.
*/
static l_inline void lua_native_push_ref_value(lua_State *L, int ref) {
  Table *refs = lua_native_refs_table(L);
  lu_byte tag = LUA_VEMPTY;
  if (refs != NULL) luaH_fastgeti(refs, ref, s2v(L->top.p), tag);
  if (tagisempty(tag)) setnilvalue(s2v(L->top.p));
  L->top.p++;
}

#endif
