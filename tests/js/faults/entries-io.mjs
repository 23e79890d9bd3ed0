// Allocation-failure entries for host-controlled I/O (EVOLUTION B7, B15):
// set_print_handler and the `print` option, set_read_handler (with and
// without an `io` library), add_searcher, and scripts that go through each.
// Same shape as entries.mjs (which spreads these into its list).
import assert from 'node:assert/strict';
import lua_native from '../load.mjs';

const { init } = lua_native;
const all = () => ({ c: new init({}, { libraries: 'all' }), seen: [] });

export const ioEntries = [
  {
    name: 'io: the print option',
    arm: 'next-state',
    setup: () => ({}),
    run: () => new init({ print: () => {} }, { libraries: 'all', print: () => {} }),
  },
  {
    name: 'io: set_print_handler, print and io.write through it, null',
    setup: all,
    run: (s) => {
      s.c.set_print_handler((text) => s.seen.push(text));
      s.c.execute_script("print('a', 1, 2.5, nil, setmetatable({}, { __tostring = function() return 'T' end })) io.write('x', 7, 0.5)");
      s.c.set_print_handler(null);
      return s.c.execute_script('return type(print), type(io.write)');
    },
    check: (v) => assert.deepEqual(v, ['function', 'function']),
  },
  {
    name: 'io: set_read_handler with io, every format, null',
    setup: all,
    run: (s) => {
      const kept = s.c.set_read_handler((f) => (f === 'n' ? '12' : f === 3 ? new Uint8Array([104, 105, 0]) : 'line'));
      const got = s.c.execute_script("return io.read('n', '*l', 'L', 'a', 3)");
      s.c.set_read_handler(null);
      return [kept, got];
    },
    check: (v) => assert.deepEqual(v, [true, [12, 'line', 'line', 'line', 'hi\u0000']]),
  },
  {
    name: 'io: set_read_handler synthesizing io in a sandbox, then null',
    setup: () => ({ c: new init({}, { libraries: 'sandbox' }) }),
    run: (s) => {
      s.c.set_read_handler(() => 'x');
      const got = s.c.execute_script('return io.read()');
      s.c.set_read_handler(null);
      return [got, s.c.execute_script('return io')];
    },
    check: (v) => assert.deepEqual(v, ['x', null]),
  },
  {
    name: 'io: add_searcher and require through it',
    setup: all,
    run: (s) => {
      s.c.add_searcher((name) => (name === 'served' ? 'return { value = 40 + 2 }' : null));
      return s.c.execute_script("return require('served').value");
    },
    check: (v) => assert.equal(v, 42),
  },
  {
    name: 'io: reset replays the searchers and handlers',
    arm: 'next-state',
    setup: () => {
      const s = all();
      s.c.add_searcher(() => 'return 1');
      s.c.set_print_handler(() => {});
      s.c.set_read_handler(() => 'r');
      return s;
    },
    run: (s) => {
      s.c.reset();
      return s.c.execute_script("return require('m'), io.read()");
    },
    check: (v) => assert.deepEqual(v, [1, 'r']),
    alternatives: [{ code: 'LUA_RESET_FAILED', message: /^reset failed: (not enough memory|Failed to create Lua state)$/ }],
  },
];
