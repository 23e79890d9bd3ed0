// Allocation-failure entries for issue 18's creation path: a new context's
// small blocks live in a per-state pool (lua-core's raw::pool), and a state
// that holds more small blocks than its pool keeps takes the rest from
// malloc ("mixed"). Same shape as entries.mjs (which spreads these in).
import assert from 'node:assert/strict';
import lua_native from '../load.mjs';

const { init } = lua_native;

export const createEntries = [
  {
    name: 'create: a new context with every library, used and disposed',
    arm: 'next-state',
    setup: () => ({}),
    run: () => {
      const c = new init({}, { libraries: 'all' });
      assert.equal(c.execute_script("return #string.rep('ab', 3) .. type(io.write) .. math.max(1, 2)"), '6function2');
      return c;
    },
  },
  {
    name: 'create: small blocks past the pool (mixed), across the small/large boundary, let go',
    setup: () => ({ c: new init({}, { libraries: 'all' }) }),
    run: (s) => s.c.execute_script(`
      local t = {}
      for i = 1, 2200 do t[i] = { i } end
      local s = string.rep('x', 500) .. string.rep('y', 30)
      s = s:sub(1, 20)
      t = nil
      collectgarbage()
      return #s
    `),
    check: (v) => assert.equal(v, 20),
  },
];
