// Allocation-failure entries for the doors to code and disk (EVOLUTION B7,
// B15, B19): the constructor with allowBytecode / filesystem, set_file_reader,
// dofile / loadfile through the reader, the refusals, and reset()'s replay of
// all three. Same shape as entries.mjs (which spreads these into its list).
import assert from 'node:assert/strict';
import lua_native from '../load.mjs';

const { init } = lua_native;
const BINARY = "attempt to load a binary chunk (mode is 't')";

const reader = (p) => (p === 'bin' ? '\x1bLua\x55' : p === 'none' ? null : `local t = {} for i = 1, 5 do t[i] = { i } end return #t, ${JSON.stringify(p)}`);

export const doorEntries = [
  {
    name: 'constructor: all, allowBytecode false, filesystem deny',
    arm: 'next-state',
    setup: () => ({}),
    run: () => new init({}, { libraries: 'all', allowBytecode: false, filesystem: 'deny' }),
    check: (c) => assert.equal(c.execute_script("return select(2, io.open('x'))"), 'io.open is unavailable: this Lua context was created with filesystem access denied'),
  },
  {
    name: "constructor: 'safe' + filesystem deny + allowBytecode true",
    arm: 'next-state',
    setup: () => ({}),
    run: () => new init({}, { libraries: 'safe', allowBytecode: true, filesystem: 'deny' }),
  },
  {
    name: 'bytecode doors refusing: load, loadfile, load_bytecode',
    setup: () => {
      const c = new init({}, { libraries: 'all', allowBytecode: false });
      c.set_file_reader(reader);
      return { c, bytecode: c.compile('return 1') };
    },
    run: (s) => {
      const out = [s.c.execute_script('return select(2, load(string.dump(function() return 1 end)))'), s.c.execute_script("return select(2, loadfile('bin'))")];
      try {
        s.c.load_bytecode(s.bytecode);
      } catch (e) {
        out.push(e.code);
      }
      return out;
    },
    // A load error under a fault is a value ('not enough memory'), as Lua returns it.
    catches: true,
    check: (v) => assert.deepEqual(v, [BINARY, BINARY, 'LUA_BYTECODE_DENIED']),
  },
  {
    name: 'set_file_reader and dofile / loadfile through it',
    setup: () => ({ c: new init({}, { libraries: 'all' }) }),
    run: (s) => {
      s.c.set_file_reader(reader);
      return [s.c.execute_script("return dofile('a.lua')"), s.c.execute_script("return loadfile('none')"), s.c.execute_script("return select(2, loadfile('bin'))")];
    },
    catches: true,
    check: (v) => assert.deepEqual(v, [[5, 'a.lua'], [null, 'cannot open none'], BINARY]),
  },
  {
    name: 'filesystem deny: every refusal and require with its messages',
    setup: () => ({ c: new init({}, { libraries: 'all', filesystem: 'deny' }) }),
    run: (s) =>
      s.c.execute_script(`
        local out = { select(2, loadfile('x')), select(2, io.open('x')), select(2, os.remove('x')), select(2, package.searchpath('x', '?')) }
        out[#out + 1] = select(2, pcall(dofile, 'x'))
        out[#out + 1] = select(2, pcall(require, 'nothing'))
        return #out`),
    catches: true,
    check: (v) => assert.equal(v, 6),
  },
  {
    name: 'reset with allowBytecode false, filesystem deny and a file reader',
    arm: 'next-state',
    setup: () => {
      const c = new init({}, { libraries: 'all', allowBytecode: false, filesystem: 'deny' });
      c.set_file_reader(reader);
      return { c };
    },
    run: (s) => s.c.reset(),
    alternatives: [{ code: 'LUA_RESET_FAILED', message: /^reset failed: (not enough memory|Failed to create Lua state)$/ }],
    // Replaced or kept whole, the state has all three.
    after: (s) => {
      assert.deepEqual(s.c.execute_script("return dofile('r')"), [5, 'r']);
      assert.equal(s.c.execute_script("return select(2, io.open('x'))"), 'io.open is unavailable: this Lua context was created with filesystem access denied');
    },
  },
];
