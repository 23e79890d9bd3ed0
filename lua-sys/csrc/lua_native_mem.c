/*
** The emergency collection for allocations Lua's core does not make.
**
** Lua answers a refused allocation with an emergency collection and one
** more try (lmem.c's 'tryagain'); lauxlib's buffers (luaL_Buffer, behind
** string.rep, table.concat, string.format, string.gsub, ...) grow their box
** by calling the allocation function directly, so their refusal was final.
** After an out-of-memory error the collector is paused (its last cycle, the
** emergency one, ran while everything was still alive; the next starts only
** when the heap grows by as much again, which a memory limit forbids), and
** a buffer then failed next to megabytes of garbage (see docs/PERFORMANCE.md,
** issue 18). lua-sys's lauxlib.c calls this before it gives up on a box
** (patches_core.rs, LAUXLIB_PATCH).
*/
#include "lua.h"
#include "lstate.h"
#include "lgc.h"

/*
** An emergency collection where lmem.c's 'tryagain' would run one: not
** while the state is being built or closed, nor inside a collection step
** ('gcstopem'). Frees garbage only, runs no finalizer (no Lua code runs, so
** the caller's buffer stays as it was) and shrinks nothing; its work is
** charged to the budget as any collection's is (lgc.c's patch).
*/
void lua_native_emergency_gc(lua_State *L) {
  global_State *g = G(L);
  if (completestate(g) && !g->gcstopem)
    luaC_fullgc(L, 1);
}
