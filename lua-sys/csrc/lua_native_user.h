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
**     before it runs a message handler (see the patches in build.rs);
**   - lua_native_sethook and friends: where lua-sys's copy of ldblib.c
**     keeps the hooks Lua code sets, so that they live beside the host's.
**   - lua_native_charge / lua_native_charge_nr: called by lua-sys's copies
**     of the libraries, the collector, the VM's concatenation and `next`
**     with the work they do, for the work budget (below).
**   - lua_native_emergency_gc: called by lua-sys's copy of lauxlib.c when a
**     buffer's growth is refused, as Lua's core collects before it gives up.
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
int lua_native_before_free_all(lua_State *L);

/*
** The extra space before every thread (lua_getextraspace): what the
** embedding keeps beside each thread.
**   - runtime: the embedding's pointer (copied from the main thread);
**   - flag: the address of an atomic byte that is nonzero when the thread
**     running Lua must stop and look (a watchdog's passed deadline, a tripped
**     limit, a cancel), read after every C function returns (ldo.c's patch);
**   - steps: the instruction step counter the VM decrements (lvm.c's patch);
**   - lua_hook, lua_mask, lua_count: the hook Lua code set on this thread
**     with debug.sethook, as debug.gethook reports it (ldblib.c's patch sends
**     its lua_sethook / lua_gethook* here); the thread's real hook combines it
**     with the host's (lua_native_sync_hook);
**   - lua_left, host_left: instructions to the next count event of each;
**   - host_mask, host_count: the host's own hook (read from the main thread);
**   - gcwork: (main thread only) the collector's work not yet charged to the
**     work budget, in sixteenths of a unit (lgc.c's patch);
**   - refs: (main thread only) the address of the host's reference table
**     (lua_native_refs.c).
*/
struct lua_native_extra {
  void *runtime;
  const unsigned char *flag;
  lua_Hook lua_hook;
  long steps;
  int lua_mask, lua_count;
  int lua_left, host_left;
  int host_mask, host_count;
  size_t gcwork;
  /* The main thread's: the host's reference table (lua_native_refs.c),
  ** only ever compared with what the registry holds, never read through. */
  const void *refs;
};
#undef LUA_EXTRASPACE
#define LUA_EXTRASPACE		(sizeof(struct lua_native_extra))
#define lua_native_extra(L)	((struct lua_native_extra *)lua_getextraspace(L))
#define lua_native_steps(L)	(lua_native_extra(L)->steps)
#define lua_native_flag(L)	(lua_native_extra(L)->flag)
#define lua_native_gcwork(L)	(lua_native_extra(L)->gcwork)
void lua_native_steps_out(lua_State *L);
void lua_native_extra_open(lua_State *L);

/* lua_native_fast.c: one call for what takes the binding several. */
int lua_native_push_integer(lua_State *L, lua_Integer n);
int lua_native_push_number(lua_State *L, lua_Number n);
int lua_native_push_ref(lua_State *L, int ref);
/* lua_native_refs.c: the host's reference table. */
void lua_native_open_refs(lua_State *L);
int lua_native_ref(lua_State *L);
void lua_native_unref(lua_State *L, int ref);
int lua_native_is_ref_holder(lua_State *L, int idx);
int lua_native_to_integer(lua_State *L, int idx, lua_Integer *out);
int lua_native_has_metatable(lua_State *L, int idx);
void *lua_native_userdata_sized(lua_State *L, int idx, size_t size);
void *lua_native_host_call(lua_State *L, size_t size, int *nargs);
int lua_native_begin_call(lua_State *L, lua_CFunction handler, int with_ref, int ref);
void lua_native_end_call(lua_State *L, int top, int trim);
int lua_native_pcall(lua_State *L, int nargs, int handler, int *top);
/* A call from the host with number arguments (lua_native_fast.c). */
struct lua_native_ncall {
  const lua_Number *args;  /* in: the arguments */
  int nargs;               /* in: how many */
  int one;                 /* in: read a single number result and pop it */
  int trim;                /* in: give the base frame's room back (outermost entry) */
  int top;                 /* out: the top the call found */
  int after;               /* out: the top after lua_pcall (other outcomes) */
  lua_Integer i;           /* out: the one result, LUA_NATIVE_ONE_INTEGER */
  lua_Number n;            /* out: the one result, LUA_NATIVE_ONE_FLOAT */
};
/* lua_native_call_numbers's returns when the call returned one number. */
#define LUA_NATIVE_ONE_INTEGER	16
#define LUA_NATIVE_ONE_FLOAT	17
int lua_native_call_numbers(lua_State *L, lua_CFunction handler, int ref,
                            struct lua_native_ncall *c);

/* lua_native_open.c: a state's opening with the collector standing still. */
void lua_native_open_begin(lua_State *L, int libs, int registry);
void lua_native_open_end(lua_State *L);
/* The string table's size (slots), for the opening's tests. */
int lua_native_string_table_size(lua_State *L);

/* lua_native_mem.c: the emergency collection lauxlib's buffers lacked. */
void lua_native_emergency_gc(lua_State *L);

void lua_native_sethook(lua_State *L, lua_Hook func, int mask, int count);
lua_Hook lua_native_gethook(lua_State *L);
int lua_native_gethookmask(lua_State *L);
int lua_native_gethookcount(lua_State *L);
void lua_native_sync_hook(lua_State *L);

/*
** The work budget (see the patches in build.rs). One unit is about the cost
** of one VM instruction; library functions and the collector charge units in
** proportion to the work they do. A charge first comes off the thread's step
** counter, exactly as instructions do (the embedding charges what the
** counter counted when it runs out); one the counter cannot take goes to
** the embedding at once:
**   - lua_native_charge raises once the budget is spent: only where Lua
**     may raise (inside a C function Lua called, holding nothing a longjmp
**     would leak);
**   - lua_native_charge_nr never raises (the collector, the VM's own
**     operations): the embedding then stops the thread at its next VM step.
*/
void lua_native_charge_slow(lua_State *L, size_t units, int may_raise);
#define lua_native_charge_(L,n,r)	do { size_t u_ = (size_t)(n); \
  long *c_ = &lua_native_steps(L); \
  if (*c_ > 0 && u_ < (size_t)*c_) *c_ -= (long)u_; \
  else lua_native_charge_slow((L), u_, (r)); } while (0)
#define lua_native_charge(L,n)	lua_native_charge_(L, n, 1)
#define lua_native_charge_nr(L,n)	lua_native_charge_(L, n, 0)

/*
** What the work costs, in units (see the table in README.md). Bytes copied
** in bulk (memcpy, hashing-free string creation) are cheap, bytes handled
** one at a time in a C loop are not.
*/
#define lua_native_copy_units(n)	((size_t)(n) / 16)
#define lua_native_scan_units(n)	((size_t)(n) / 2)
#define LUA_NATIVE_ELEMENT	4	/* a value read from or stored into a table */
#define LUA_NATIVE_SORT_COMPARE	16	/* one comparison of table.sort */
#define LUA_NATIVE_FORMAT_ITEM	32	/* one item of string.format */
#define LUA_NATIVE_UTF8_BYTE	1	/* a byte utf8.len or utf8.codepoint decodes */
#define LUA_NATIVE_LOAD_BYTE	8	/* a byte of source load compiles */
/* The collector, in sixteenths of a unit: */
#define LUA_NATIVE_GC_MARK	32	/* a slot marked */
#define LUA_NATIVE_GC_SWEEP	32	/* an object swept */
#define LUA_NATIVE_GC_FREE	64	/* an object freed */

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
#define luai_userstateopen(L)	lua_native_extra_open(L)

#endif
