// The entry points the allocation-failure sweep (alloc-failure.test.mjs)
// drives, one per method of the JavaScript API (and the shapes of call that
// reach different code: errors with table objects, coroutines, callbacks,
// handles, each constructor preset). Not a test file itself.
//
// An entry is { name, arm, setup, run, check?, alternatives? }:
//   arm:    'context' (default): the fault is armed on setup's context `c`;
//           'next-state': armed for the next Lua state created (constructor, reset()).
//   setup:  () => state, run without a fault (default: a context with every library).
//   run:    (state) => value (or a promise), the call under test.
//   check:  (value, state) => void, asserts a successful call's value.
//   after:  (state, outcome) => void, asserts the state once the fault is off
//           (default: assertUsable on state.c).
//   alternatives: [{ code, message: RegExp }] failures accepted besides the
//           call's own (unfaulted) outcome and running out of memory.
//   catches: the Lua code catches errors itself (pcall, coroutine.resume), so
//           a success under a fault may differ from the unfaulted one: `check`
//           only applies when the fault did not fire.
//   resumeErrors: RegExp, the `error` texts accepted in resume() results.
//   expect / expectResume: what the unfaulted call must fail with / report.
//   modes: the modes to sweep (default: once, double, persistent).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lua_native, { fixtures } from '../load.mjs';
import { assertUsable, nestJs } from '../helpers.mjs';
import { valueEntries } from './entries-values.mjs';
import { doorEntries } from './entries-doors.mjs';
import { ioEntries } from './entries-io.mjs';
import { createEntries } from './entries-create.mjs';
import { asyncEntries } from './entries-async.mjs';

const { init, createSharedTable } = lua_native;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-native-faults-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
fs.writeFileSync(path.join(dir, 'filemod.lua'), 'local M = { items = {} } for i = 1, 5 do M.items[i] = "item" .. i end function M.twice(x) return x * 2 end return M');
fs.writeFileSync(path.join(dir, 'script.lua'), 'local t = {} for i = 1, 8 do t[i] = { i, tostring(i) } end return t, "file"');

/** The callbacks every default context is made with. */
export const CALLBACKS = {
  add: (a, b) => a + b,
  echo: (...args) => args,
  make: () => ({ list: [1, 2, { deep: 'x' }], fn: (x) => x * 2, name: 'made' }),
  // A primitive: its text is the library's own error (an Error object would reach JS as
  // itself, without the `code` the sweep checks for; EVOLUTION B6).
  fail: () => {
    throw 'js failure';
  },
  // An object: staged, reaching Lua as a table (EVOLUTION B6).
  failObject: () => {
    throw new Error('object failure');
  },
  value: { nested: [1, 'two', { three: 3 }] },
};

const all = () => ({ c: new init(CALLBACKS, { libraries: 'all' }) });
const safe = () => ({ c: new init(CALLBACKS, { libraries: 'safe' }) });

// A function that makes its error object (a table with a metatable without
// __tostring), fills the memory up to the limit with strings of halving
// sizes, and raises the error object: its text must then be found without
// any memory left.
// The strings are kept in a global, so that the host can let them go again.
const FILL_THEN_RAISE = `return function()
  local e = setmetatable({}, {})
  KEEP = {}
  local n, size = 0, 16384
  for i = 1, 300 do KEEP[i] = false end
  while size >= 1 and n < 300 do
    local ok, s = pcall(string.rep, 'x', size, tostring(n))
    if ok then n = n + 1 KEEP[n] = s else size = size // 2 end
  end
  error(e)
end`;
/** After a run at maxMemory: the memory is let go, then the context must work. */
const released = (s) => {
  s.c.set_global('KEEP', null);
  s.c.gc('collect');
  assertUsable(s.c);
};

// Errors whose text comes from a __tostring that may itself fail for lack of memory.
const TABLE_ERROR = { code: 'LUA_RUNTIME', message: /^\(error object is a table value\)$/ };

const sharedValue = () => ({ list: [1, 2, 3], nested: { a: { b: 'c' } }, fn: (x) => x + 1 });

export const entries = [
  // ---- the constructor, with each preset (the fault armed from the state's first allocation)
  { name: 'constructor: bare', arm: 'next-state', setup: () => ({}), run: () => new init() },
  { name: 'constructor: all + callbacks', arm: 'next-state', setup: () => ({}), run: () => new init(CALLBACKS, { libraries: 'all' }) },
  { name: "constructor: 'safe'", arm: 'next-state', setup: () => ({}), run: () => new init(CALLBACKS, { libraries: 'safe' }) },
  { name: "constructor: 'sandbox'", arm: 'next-state', setup: () => ({}), run: () => new init(CALLBACKS, { libraries: 'sandbox' }) },
  {
    name: 'constructor: library list',
    arm: 'next-state',
    setup: () => ({}),
    run: () => new init({ x: 1 }, { libraries: ['base', 'string', 'table', 'coroutine', 'package'] }),
  },
  {
    name: 'constructor: all + limits',
    arm: 'next-state',
    setup: () => ({}),
    run: () => new init(CALLBACKS, { libraries: 'all', maxMemory: 8 << 20, maxInstructions: 1e7, timeout: 10_000 }),
  },
  {
    name: 'constructor: shared tables',
    arm: 'next-state',
    setup: () => ({ t: createSharedTable(sharedValue()) }),
    run: (s) => new init({}, { libraries: 'all', shared: { cfg: s.t, other: s.t } }),
    check: (c) => assert.equal(c.execute_script('return cfg.nested.a.b .. other.fn(1)'), 'c2'),
  },

  // ---- execute_script
  {
    name: 'execute_script: plain values',
    run: (s) => s.c.execute_script("local t = {} for i = 1, 10 do t[i] = { i, tostring(i), k = 'v' .. i } end return t, 'str', 1.5, true, nil"),
    check: (v) => {
      assert.equal(v.length, 5);
      assert.deepEqual(v[0][9], { 1: 10, 2: '10', k: 'v10' });
    },
  },
  {
    name: 'execute_script: string and table library work',
    run: (s) =>
      s.c.execute_script(
        "local parts = {} for w in ('a b c d e f'):gmatch('%a') do parts[#parts + 1] = w:upper() end return table.concat(parts, ',') .. string.format('%5.1f|%q', 1.25, 'x') .. string.rep('ab', 20, '-')",
      ),
  },
  { name: 'execute_script: syntax error', run: (s) => s.c.execute_script('return +') },
  { name: 'execute_script: error with a string', run: (s) => s.c.execute_script("local x = 1\nerror('boom ' .. x)") },
  {
    name: 'execute_script: error with a table with __tostring',
    run: (s) => s.c.execute_script("error(setmetatable({ code = 7 }, { __tostring = function(e) return 'custom error ' .. e.code end }))"),
    alternatives: [TABLE_ERROR],
  },
  {
    name: 'execute_script: error with a table with a metatable, no __tostring',
    run: (s) => s.c.execute_script('error(setmetatable({}, { __index = function() return 1 end }))'),
  },
  {
    name: 'execute_script: error with a table whose __tostring raises a table',
    run: (s) => s.c.execute_script('local mt = {} mt.__tostring = function(e) error(setmetatable({}, mt)) end error(setmetatable({}, mt))'),
  },
  {
    name: 'execute_script: errors caught inside (pcall, xpcall, error objects)',
    catches: true,
    run: (s) =>
      s.c.execute_script(`
        local r = {}
        r[1] = select(2, pcall(error, { code = 1 })).code
        r[2] = select(2, pcall(error, setmetatable({}, { __tostring = function() return 'x' end })))
        r[3] = select(2, xpcall(function() error('inner') end, function(m) return 'handled: ' .. m end))
        r[4] = tostring(r[2])
        return r[1], r[3], r[4]`),
    check: (v) => {
      assert.equal(v[0], 1);
      assert.match(v[1], /^handled: .*:5: inner$/);
      assert.equal(v[2], 'x');
    },
  },
  {
    name: 'execute_script: coroutines inside the script',
    catches: true,
    run: (s) =>
      s.c.execute_script(`
        local co = coroutine.create(function(a)
          local b = coroutine.yield(a + 1)
          error(setmetatable({ b = b }, { __tostring = function(e) return 'co error ' .. e.b end }))
        end)
        local ok1, v1 = coroutine.resume(co, 1)
        local ok2, e2 = coroutine.resume(co, 2)
        local w = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
        return v1, tostring(e2), w() + w() + w(), coroutine.status(co), coroutine.create(print)`),
    check: (v) => {
      assert.deepEqual(v.slice(0, 4), [2, 'co error 2', 6, 'dead']);
      assert.equal(v[4].status, 'suspended');
    },
  },
  {
    name: 'execute_script: JS callbacks',
    catches: true,
    run: (s) =>
      s.c.execute_script(`
        local r = echo({ 1, 2, { x = 'y' } }, 'a', add(1, 2))
        local m = make()
        local ok, err = pcall(fail)
        return #r, r[1][3].x, m.fn(21), m.list[3].deep, ok, err, value.nested[3].three`),
    check: (v) => assert.deepEqual(v, [3, 'y', 42, 'x', false, "Host function 'fail' threw an exception: js failure", 3]),
  },
  { name: 'execute_script: a JS callback throws', run: (s) => s.c.execute_script('fail()') },
  {
    name: 'execute_script: a JS callback throws an Error, caught in Lua as a table',
    catches: true,
    run: (s) => s.c.execute_script('local ok, e = pcall(failObject) return ok, type(e), type(e) == "table" and e.message or e'),
    check: (v) => assert.deepEqual(v, [false, 'table', 'object failure']),
  },
  {
    name: 'execute_script: handles in the results',
    run: (s) =>
      s.c.execute_script(
        'return function(x) return x end, setmetatable({ a = 1 }, { __index = function(t, k) return k .. "?" end }), io.stdout, coroutine.create(function(x) return x end), { f = print, t = setmetatable({}, {}) }',
      ),
    // Every handle works (none was made to refer to nothing).
    check: (v, s) => {
      assert.equal(v[0](5), 5);
      assert.equal(v[1].zz, 'zz?');
      assert.equal(v[1].a, 1);
      s.c.set_global('back', v[2]);
      assert.equal(s.c.execute_script('return io.type(back)'), 'file');
      assert.equal(v[3].status, 'suspended');
      assert.deepEqual(s.c.resume(v[3], 7), { status: 'dead', values: [7] });
      assert.equal(typeof v[4].f, 'function');
      assert.equal(v[4].t.missing, null);
    },
  },
  { name: 'execute_file', run: (s) => s.c.execute_file(path.join(dir, 'script.lua')) },
  { name: 'execute_file: runtime error', run: (s) => s.c.execute_file(path.join(fixtures, 'runtime-error.lua')) },
  {
    name: 'execute_script_async',
    run: (s) => s.c.execute_script_async("local t = {} for i = 1, 10 do t[i] = { i, 'v' .. i } end return t, 'done'"),
    check: (v) => assert.deepEqual(v[0][9], [10, 'v10']),
  },
  {
    name: 'execute_script_async: error with a table with __tostring',
    run: (s) => s.c.execute_script_async("error(setmetatable({}, { __tostring = function() return 'async custom' end }))"),
    alternatives: [TABLE_ERROR],
  },
  { name: 'execute_file_async', run: (s) => s.c.execute_file_async(path.join(dir, 'script.lua')) },
  { name: 'is_busy', run: (s) => s.c.is_busy() },

  // ---- globals
  {
    name: 'set_global: nested values and functions',
    run: (s) =>
      s.c.set_global('g', { a: [1, 2, { b: 'c' }], f: (x) => x + 1, s: 'str', n: 1.5, t: true, deep: nestJs(12, { leaf: [1, { x: 'y' }] }), list: [[1], [2, [3]]] }),
    check: (_, s) => assert.equal(s.c.execute_script('return g.f(1) + g.a[3].b:len() + #g.list[2][2]'), 4),
  },
  { name: 'set_global: a function', run: (s) => s.c.set_global('fn', (a) => a * 2), check: (_, s) => assert.equal(s.c.execute_script('return fn(21)'), 42) },
  { name: 'set_global: a path', run: (s) => s.c.set_global('a.b.c', { x: [1, 2] }), check: (_, s) => assert.equal(s.c.execute_script('return #a.b.c.x'), 2) },
  {
    name: 'set_global: handles going back (function, proxy, userdata, coroutine object)',
    setup: () => {
      const s = all();
      [s.fn, s.proxy, s.ud] = s.c.execute_script('return function(x) return x end, setmetatable({}, {}), io.stdout');
      return s;
    },
    run: (s) => s.c.set_global('back', { fn: s.fn, proxy: s.proxy, ud: s.ud, again: [s.fn, s.proxy] }),
    check: (_, s) => assert.equal(s.c.execute_script('return back.fn(5) + (back.again[2] == back.proxy and 1 or 0)'), 6),
  },
  {
    name: 'get_global: nested table with handles',
    setup: () => {
      const s = all();
      s.c.execute_script("g = { list = { 1, 2, { deep = 'x' } }, f = print, mt = setmetatable({}, {}), co = coroutine.create(print), s = string.rep('z', 50), [1.5] = 'f', [true] = 1 }");
      return s;
    },
    run: (s) => s.c.get_global('g'),
    check: (v) => {
      assert.deepEqual(v.list, [1, 2, { deep: 'x' }]);
      assert.equal(typeof v.f, 'function');
    },
  },
  {
    name: 'get_global: a path',
    setup: () => {
      const s = all();
      s.c.execute_script("a = { b = { c = { 'x', { y = 'z' } } } }");
      return s;
    },
    run: (s) => s.c.get_global('a.b.c'),
    check: (v) => assert.deepEqual(v, ['x', { y: 'z' }]),
  },

  // ---- userdata and metatables
  {
    name: 'set_userdata',
    run: (s) => s.c.set_userdata('u', { x: 1, y: { z: [1, 2] } }, { readable: true, writable: true }),
    check: (_, s) => assert.equal(s.c.execute_script('u.x = u.x + 1 return u.x + #u.y.z'), 4),
  },
  {
    name: 'set_userdata with methods',
    run: (s) => s.c.set_userdata('m', { n: 1 }, { readable: true, methods: { add: (self, by) => (self.n += by), get: (self) => self.n } }),
    check: (_, s) => assert.equal(s.c.execute_script('m:add(2) return m:get() + m.n'), 6),
  },
  {
    name: 'userdata method calls from Lua',
    setup: () => {
      const s = all();
      s.c.set_userdata('m', { n: 1 }, { methods: { add: (self, by) => (self.n += by), make: (self, t) => ({ t, list: [1, 2, 3] }) } });
      return s;
    },
    run: (s) => s.c.execute_script("local r = m:make({ 1, { 2 } }) return m:add(1), #r.list, m.add == m.add, m.missing"),
  },
  {
    name: 'userdata property access from Lua',
    setup: () => {
      const s = all();
      s.obj = { x: 1, y: { z: [1, 2] } };
      s.c.set_userdata('u', s.obj, { readable: true, writable: true });
      s.c.set_userdata('opaque', { secret: 1 });
      return s;
    },
    run: (s) => s.c.execute_script("u.x = u.x + 1 u.w = { 'new', n = 2 } return u.x, #u.y.z, u, opaque, rawequal(opaque, opaque)"),
  },
  {
    name: 'set_metatable',
    setup: () => {
      const s = all();
      s.c.execute_script('obj = {}');
      return s;
    },
    run: (s) => s.c.set_metatable('obj', { __index: (t, k) => `${k}!`, __tostring: () => 'OBJ', __add: () => 42, tag: [1, 'x'] }),
    check: (_, s) => assert.deepEqual(s.c.execute_script('return tostring(obj), obj.foo, obj + 1'), ['OBJ', 'foo!', 42]),
  },
  {
    name: 'metatable functions called from Lua',
    setup: () => {
      const s = all();
      s.c.execute_script('obj = {}');
      s.c.set_metatable('obj', { __index: (t, k) => ({ key: k }), __tostring: () => 'OBJ', __add: () => [1, 2] });
      return s;
    },
    run: (s) => s.c.execute_script('return tostring(obj), obj.foo.key, #(obj + 1)'),
  },

  // ---- coroutines from the host
  {
    name: 'create_coroutine',
    run: (s) => s.c.create_coroutine('local k = 2 return function(a) local b = coroutine.yield(a * k) return { b, a } end'),
    check: (co, s) => assert.deepEqual(s.c.resume(co, 2).values, [4]),
  },
  {
    name: 'create_coroutine of a Lua function',
    setup: () => {
      const s = all();
      s.f = s.c.execute_script('return function(a) local b = coroutine.yield(a * 2) return { b, a } end');
      return s;
    },
    run: (s) => s.c.create_coroutine(s.f),
    check: (co, s) => assert.deepEqual(s.c.resume(co, 2).values, [4]),
  },
  {
    name: 'iterating a coroutine',
    setup: () => {
      const s = all();
      s.co = s.c.create_coroutine('return function() for i = 1, 5 do coroutine.yield(i, { i }) end return "end" end');
      return s;
    },
    run: (s) => [...s.co],
  },
  {
    name: 'resume: yields and returns with values',
    setup: () => {
      const s = all();
      s.co = s.c.create_coroutine('return function(a, t) local b = coroutine.yield(a + #t.x, { t.x[2] }) return { b * 2, nested = { b } }, "end" end');
      return s;
    },
    run: (s) => [s.c.resume(s.co, 5, { x: [1, 2] }), s.c.resume(s.co, 21)],
    // Once the first resume has failed, the second finds the coroutine dead.
    resumeErrors: /^Coroutine is dead$/,
  },
  {
    name: 'resume: the coroutine raises a table with __tostring',
    setup: () => {
      const s = all();
      s.co = s.c.create_coroutine("return function() local t = {} for i = 1, 10 do t[i] = {} end error(setmetatable({ n = #t }, { __tostring = function(e) return 'co boom ' .. e.n end })) end");
      return s;
    },
    run: (s) => s.c.resume(s.co),
    resumeErrors: /^(co boom 10|\(error object is a table value\)|not enough memory)$/,
  },
  {
    name: 'resume: the coroutine raises a table with a metatable, no __tostring',
    setup: () => {
      const s = all();
      s.co = s.c.create_coroutine('return function() error(setmetatable({}, { __index = {} })) end');
      return s;
    },
    run: (s) => s.c.resume(s.co),
    resumeErrors: /^(\(error object is a table value\)|not enough memory)$/,
  },
  {
    name: 'resume: a JS callback fails inside the coroutine',
    setup: () => {
      const s = all();
      s.co = s.c.create_coroutine('return function() local r = echo({ 1, { 2 } }) coroutine.yield(r) fail() end');
      return s;
    },
    run: (s) => [s.c.resume(s.co), s.c.resume(s.co)],
    resumeErrors: /^(Host function 'fail' threw an exception: js failure|not enough memory|Coroutine is dead)$/,
  },

  // ---- without the io library nothing keeps the string "__tostring" alive, so
  // converting an error object to text has to allocate it.
  {
    name: "execute_script ('safe'): error with a table with a metatable, no __tostring",
    setup: safe,
    run: (s) => s.c.execute_script('error(setmetatable({}, {}))'),
    expect: { code: 'LUA_RUNTIME', message: /^\(error object is a table value\)$/ },
  },
  {
    name: "resume ('safe'): the coroutine raises a table with a metatable, no __tostring",
    setup: () => {
      const s = safe();
      s.co = s.c.create_coroutine('return function() local e = setmetatable({}, {}) coroutine.yield(1) error(e) end');
      return s;
    },
    run: (s) => [s.c.resume(s.co), s.c.resume(s.co)],
    resumeErrors: /^(\(error object is a table value\)|not enough memory|Coroutine is dead)$/,
  },
  {
    name: "resume ('safe'): the coroutine raises a table with a metatable at maxMemory",
    setup: () => {
      const c = new init({}, { libraries: ['base', 'coroutine', 'string'], maxMemory: 128 * 1024 });
      return { c, co: c.create_coroutine(FILL_THEN_RAISE) };
    },
    after: released,
    run: (s) => s.c.resume(s.co),
    resumeErrors: /^(\(error object is a table value\)|not enough memory)$/,
    expectResume: /^\(error object is a table value\)$/,
  },
  {
    name: "execute_script ('safe'): error with a table with a metatable at maxMemory",
    setup: () => ({ c: new init({}, { libraries: ['base', 'string'], maxMemory: 128 * 1024 }) }),
    after: released,
    // Most of its requests are the filling; the text is what matters here.
    modes: ['persistent'],
    run: (s) => s.c.execute_script(`(${FILL_THEN_RAISE.replace(/^return /, '')})()`),
    expect: { code: 'LUA_RUNTIME', message: /^\(error object is a table value\)$/ },
  },

  // ---- compiled chunks
  { name: 'compile', run: (s) => s.c.compile('local x = ... local t = { x, x * 2, "s" } return t', { chunkName: '=compiled' }) },
  { name: 'compile: stripped', run: (s) => s.c.compile("return function(a) return a .. '!' end", { stripDebug: true }) },
  { name: 'compile_file', run: (s) => s.c.compile_file(path.join(dir, 'script.lua')) },
  { name: 'compile: syntax error', run: (s) => s.c.compile('local = 1') },
  {
    name: 'load_bytecode',
    setup: () => {
      const s = all();
      s.bytes = s.c.compile("local t = {} for i = 1, 5 do t[i] = 'v' .. i end return t, function(x) return x end");
      return s;
    },
    run: (s) => s.c.load_bytecode(s.bytes, 'chunk'),
  },

  // ---- modules
  {
    name: 'register_module',
    run: (s) => s.c.register_module('m', { f: (x) => x + 1, v: [1, 2, { w: 'x' }], n: 1 }),
    check: (_, s) => assert.equal(s.c.execute_script("return require('m').f(3) + #require('m').v"), 7),
  },
  {
    name: 'require of a registered module',
    setup: () => {
      const s = all();
      s.c.register_module('m', { f: (x) => [x, x], v: [1, 2] });
      return s;
    },
    run: (s) => s.c.execute_script("local m = require('m') return #m.f(5) + #m.v"),
  },
  { name: 'add_search_path', run: (s) => s.c.add_search_path(path.join(dir, '?.lua')), check: (_, s) => assert.equal(s.c.execute_script("return require('filemod').twice(4)"), 8) },
  {
    name: 'require of a file module',
    setup: () => {
      const s = all();
      s.c.add_search_path(path.join(dir, '?.lua'));
      return s;
    },
    run: (s) => s.c.execute_script("local m = require('filemod') return #m.items, m.twice(21)"),
    // Lua's own searcher turns the loader's failure into this error.
    alternatives: [{ code: 'LUA_RUNTIME', message: /^error loading module 'filemod' from file '.*filemod\.lua':\n\tnot enough memory$/ }],
  },

  // ---- control
  {
    name: 'gc',
    setup: () => {
      const s = all();
      s.c.execute_script('garbage = {} for i = 1, 50 do garbage[i] = setmetatable({}, { __gc = function() end }) end garbage = nil');
      return s;
    },
    run: (s) => [
      s.c.gc('collect'),
      s.c.gc('count'),
      s.c.gc('step', 1),
      s.c.gc('generational'),
      s.c.gc('collect'),
      s.c.gc('incremental'),
      s.c.gc('param', 'pause', 200),
      s.c.gc('isrunning'),
    ],
  },
  {
    name: 'reset',
    arm: 'next-state',
    setup: () => {
      const t = createSharedTable(sharedValue());
      const c = new init(CALLBACKS, { libraries: 'all', shared: { cfg: t } });
      c.add_search_path(path.join(dir, '?.lua'));
      c.set_hook(() => {}, { count: 1000 });
      return { c, t };
    },
    run: (s) => s.c.reset(),
    alternatives: [{ code: 'LUA_RESET_FAILED', message: /^reset failed: (not enough memory|Failed to create Lua state)$/ }],
    check: (_, s) => assert.equal(s.c.execute_script("return add(1, 2) + cfg.fn(1) + require('filemod').twice(1)"), 7),
  },
  { name: 'info', run: (s) => s.c.info() },
  { name: 'get_memory_usage', run: (s) => s.c.get_memory_usage() },
  {
    name: 'set_hook and a hooked run',
    run: (s) => {
      const seen = [];
      s.c.set_hook((event, line) => seen.push([event, line]), { call: true, return: true, line: true, count: 10 });
      return [s.c.execute_script('local s = 0 for i = 1, 30 do s = s + i end return s, tostring(s)'), seen.length > 0];
    },
  },
  {
    name: 'remove_hook',
    setup: () => {
      const s = all();
      s.c.set_hook(() => {}, { line: true });
      return s;
    },
    run: (s) => {
      s.c.remove_hook();
      return s.c.execute_script('return 1');
    },
  },
  {
    name: 'dispose',
    setup: () => {
      const s = all();
      s.c.execute_script('keep = {} for i = 1, 20 do keep[i] = setmetatable({}, { __gc = function() end }) end');
      return s;
    },
    run: (s) => s.c.dispose(),
    after: (s) => assert.throws(() => s.c.execute_script('return 1'), (e) => e.code === 'LUA_DISPOSED'),
  },

  // ---- shared tables
  {
    name: 'createSharedTable: set',
    setup: () => {
      const t = createSharedTable(sharedValue());
      return { t, c: new init({}, { libraries: 'all', shared: { cfg: t } }) };
    },
    run: (s) => s.t.set('more', [1, { two: 2 }, (x) => x]),
    check: (_, s) => assert.equal(s.c.execute_script('return cfg.more[2].two'), 2),
    alternatives: [{ code: 'LUA_SHARED', message: /^shared table update failed for 1 of 1 contexts \(cfg: not enough memory\)\. The JS-side value was updated; call sync\(\) to retry\.$/ }],
  },
  {
    name: 'createSharedTable: sync',
    setup: () => {
      const t = createSharedTable(sharedValue());
      return { t, c: new init({}, { libraries: 'all', shared: { cfg: t } }) };
    },
    run: (s) => s.t.sync(),
    alternatives: [{ code: 'LUA_SHARED', message: /^shared table update failed for 1 of 1 contexts \(cfg: not enough memory\)\. The JS-side value was updated; call sync\(\) to retry\.$/ }],
  },

  // ---- Lua values held by JavaScript
  {
    name: 'calling a Lua function from JS',
    setup: () => {
      const s = all();
      s.fn = s.c.execute_script('return function(a, b) return { a, b }, #a end');
      return s;
    },
    run: (s) => s.fn([1, 2, { x: 'y' }], { k: (x) => x }),
  },
  {
    name: 'calling a Lua function from JS with number arguments (one step)',
    setup: () => {
      const s = all();
      s.fn = s.c.execute_script("return function(a, b, c) return { a, b, c }, string.rep('x', a) end");
      return s;
    },
    run: (s) => s.fn(40, 0.5, -0),
  },
  {
    // One number back: read and popped in the call's own step into C.
    name: 'calling a Lua function from JS with number arguments, one number back',
    setup: () => {
      const s = all();
      s.fn = s.c.execute_script("return function(a, b) return #string.rep('x', a) + b end");
      return s;
    },
    run: (s) => [s.fn(40, 0.5), s.fn(3, 2)],
  },
  {
    // More than four arguments: read again after the first N-API read.
    name: 'calling a Lua function from JS with six arguments, numbers and not',
    setup: () => {
      const s = all();
      s.fn = s.c.execute_script("return function(a, b, c, d, e, f) return { a, b, c, d, e, f }, string.rep('x', a) end");
      return s;
    },
    run: (s) => [s.fn(40, 2, 3, 4, 5, 6), s.fn(40, 'two', 3, { four: 4 }, 5, [6])],
  },
  {
    name: 'a Proxy of a table with a metatable',
    setup: () => {
      const s = all();
      s.p = s.c.execute_script("return setmetatable({ a = 1, [2] = 'two' }, { __index = function(t, k) return k .. '?' end })");
      return s;
    },
    run: (s) => {
      const out = [s.p.a, s.p.zz, 'a' in s.p, Object.keys(s.p)];
      s.p.n = [1, { m: 2 }];
      out.push(s.p.n, JSON.stringify(s.p));
      return out;
    },
  },
  ...valueEntries,
  ...doorEntries,
  ...ioEntries,
  ...createEntries,
  ...asyncEntries,
];
