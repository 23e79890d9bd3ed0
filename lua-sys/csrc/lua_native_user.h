/*
** Included by lua.h (LUA_USER_H) when lua-sys compiles Lua. It gives the
** embedding two places to act that Lua's own sources leave open for it,
** without changing a line of vendor/:
**   - luai_userstateresume: every lua_resume, so a coroutine made before a
**     hook was set still runs under the current hooks;
**   - luai_userstatethread / luai_userstatefree: every coroutine made and
**     freed, so a watchdog can reach all threads of a state;
**   - lua_native_match_step: called by lua-sys's copy of lstrlib.c at each
**     step of pattern matching, so limits can stop a pattern that runs for
**     a long time inside C;
**   - lua_native_handlers_blocked: asked by lua-sys's copy of ldebug.c
**     before it runs a message handler (see the patches in build.rs).
*/
#ifndef lua_native_user_h
#define lua_native_user_h

#include <stddef.h>

void lua_native_on_resume(lua_State *L);
void lua_native_match_step(lua_State *L);
int lua_native_handlers_blocked(lua_State *L);
const char *lua_native_lmemfind(lua_State *L, const char *s1, size_t l1, const char *s2, size_t l2);

void lua_native_on_thread(lua_State *L, lua_State *L1);
void lua_native_on_thread_free(lua_State *L, lua_State *L1);
void lua_native_on_close(lua_State *L);

/*
** Three words of extra space per thread: the embedding's pointer, the
** instruction step counter the VM decrements (see lvm.c's patch in build.rs),
** and the address of a flag another thread may set (the embedding's
** watchdog: a passed deadline), read atomically after every C function
** returns (ldo.c's patch), so that a loop of long C calls notices it at once.
*/
#undef LUA_EXTRASPACE
#define LUA_EXTRASPACE		(3 * sizeof(void *))
#define lua_native_steps(L)	(((long *)lua_getextraspace(L))[1])
#define lua_native_flag(L)	(((const unsigned char **)lua_getextraspace(L))[2])
void lua_native_steps_out(lua_State *L);

#if defined(__GNUC__) || defined(__clang__)
#define lua_native_flag_load(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#else
#define lua_native_flag_load(p)	(*(const volatile unsigned char *)(p))
#endif
#define lua_native_after_c(L)	{ const unsigned char *f_ = lua_native_flag(L); \
  if (f_ != NULL && lua_native_flag_load(f_)) lua_native_steps_out(L); }

#define luai_userstateresume(L,n)	lua_native_on_resume(L)
#define luai_userstatethread(L,L1)	lua_native_on_thread(L,L1)
#define luai_userstatefree(L,L1)	lua_native_on_thread_free(L,L1)
#define luai_userstateclose(L)	lua_native_on_close(L)

#endif
