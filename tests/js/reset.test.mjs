// EVOLUTION.md A4: `ctx.reset()`: a fresh state with the same options.
//
// Skipped from A4's list, because this project does not have the feature:
//   * allowBytecode replay: no allowBytecode option;
//   * type converter replay: no type converters;
//   * classes to re-register: no register_class;
//   * "while an execute_async run is suspended": no execute_async (the worker-thread
//     execute_script_async is covered);
//   * the C++ GetConfig round-trip (a core test, not a JS one).
// Not tested as EVOLUTION states it: "a JS __gc metamethod still fires during the reset";
// DECISIONS 5 / API-SEED Appendix B #11 make JS calls during teardown no-ops (see below).
// Print handlers (option and setter), read handlers and JS searchers replayed by a reset
// are in z-io-handlers.test.mjs. Shared tables re-published after a reset are in shared.test.mjs; info() after a reset in
// info.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';

const gc = globalThis.gc;
const BUSY = 'Lua context is busy with an async operation';
const SLOW = 'local x = 0 for i = 1, 2e7 do x = x + i % 7 end return "slow done"';
const EXECUTING = 'reset() cannot be called while Lua is executing (from inside a host callback, metamethod, or __gc finalizer)';
const stale = (what) => `${what} is not usable: its Lua state was replaced by reset(); acquire a new handle`;

async function settle(rounds = 6) {
  for (let i = 0; i < rounds; i++) {
    if (gc) gc();
    await new Promise((r) => setImmediate(r));
  }
}

// ------------------------------------------------------------------ state clearing

test('A4 reset() returns undefined and the context is usable afterwards', () => {
  const c = ctx(['base']);
  assert.equal(c.reset(), undefined);
  assertUsable(c);
});

test('A4 globals set from Lua and from JS are gone', () => {
  const c = ctx(['base']);
  c.execute_script('fromLua = 1 fromLuaStr = "s"');
  c.set_global('fromJs', 42);
  c.set_global('fromJsObj', { a: 1 });
  c.set_global('deep.path.value', 7);
  c.reset();
  for (const name of ['fromLua', 'fromLuaStr', 'fromJs', 'fromJsObj', 'deep']) {
    assert.equal(c.get_global(name), null, name);
  }
  assert.equal(c.execute_script('return fromLua == nil and fromJs == nil and deep == nil'), true);
});

test('A4 functions, tables and metatables defined in Lua are gone', () => {
  const c = ctx(['base']);
  c.execute_script(`
    function helper() return 1 end
    data = { 1, 2, 3, nested = { x = 1 } }
    meta = setmetatable({}, { __index = function() return "hooked" end })
    string_mt_changed = true
  `);
  assert.equal(c.execute_script('return meta.anything'), 'hooked');
  c.reset();
  assert.deepEqual(c.execute_script('return helper, data, meta'), [null, null, null]);
  assert.equal(c.execute_script('return type(helper)'), 'nil');
  // A new table of the same name has no metatable.
  c.execute_script('meta = {}');
  assert.equal(c.execute_script('return getmetatable(meta) == nil and meta.anything == nil'), true);
});

test('A4 the standard library is a fresh copy (a patched library function is restored)', () => {
  const c = ctx(['base', 'string']);
  c.execute_script('string.upper = function() return "patched" end print = nil tostring = nil');
  assert.equal(c.execute_script('return string.upper("a")'), 'patched');
  c.reset();
  assert.equal(c.execute_script('return string.upper("a")'), 'A');
  assert.deepEqual(c.execute_script('return type(print), tostring(1)'), ['function', '1']);
});

test('A4 modules cached by require are gone (package.loaded and register_module)', () => {
  const c = ctx(['base', 'package']);
  c.execute_script('package.preload.cached = function() return { v = 1 } end m = require("cached") m.v = 2');
  assert.equal(c.execute_script('return require("cached").v'), 2, 'cached by require');
  c.register_module('jsmod', { answer: 42 });
  assert.equal(c.execute_script('return require("jsmod").answer'), 42);
  c.reset();
  assert.equal(c.execute_script('return package.loaded.cached'), null);
  assert.equal(c.execute_script('return package.preload.cached'), null);
  assert.equal(c.execute_script('return package.loaded.jsmod'), null);
  assert.equal(c.execute_script('return (pcall(require, "jsmod"))'), false, 'register_module is not replayed');
  assert.equal(c.execute_script('return (pcall(require, "cached"))'), false);
  // It can be registered again.
  c.register_module('jsmod', { answer: 43 });
  assert.equal(c.execute_script('return require("jsmod").answer'), 43);
});

test('A4 repeated resets: each one clears, replays and leaves a working state', () => {
  const c = new lua_native.init({ id: (x) => x, K: 'k' }, { libraries: ['base'] });
  for (let i = 0; i < 50; i++) {
    c.execute_script(`g${i} = ${i} prev = ${i}`);
    assert.equal(c.get_global('prev'), i);
    c.reset();
    assert.equal(c.get_global('prev'), null);
    assert.equal(c.get_global(`g${i}`), null);
    assert.equal(c.execute_script(`return id(${i})`), i);
    assert.equal(c.get_global('K'), 'k');
  }
  assertUsable(c);
});

test('A4 the collector state is not preserved: a stopped collector runs again, tuned parameters are back to their defaults', () => {
  const c = ctx(['base']);
  const pause = c.gc('param', 'pause');
  const stepmul = c.gc('param', 'stepmul');
  c.gc('stop');
  c.gc('generational');
  c.gc('param', 'pause', pause + 17);
  c.gc('param', 'stepmul', stepmul + 13);
  c.reset();
  assert.equal(c.gc('isrunning'), true);
  assert.equal(c.gc('incremental'), 'incremental');
  assert.equal(c.gc('param', 'pause'), pause);
  assert.equal(c.gc('param', 'stepmul'), stepmul);
});

// ------------------------------------------------------------------ replayed

test('A4 replayed: constructor callbacks (functions) are callable again', () => {
  const calls = [];
  const c = new lua_native.init({ add: (a, b) => a + b, log: (s) => { calls.push(s); } }, { libraries: ['base'] });
  c.execute_script('log("before")');
  c.reset();
  assert.equal(c.execute_script('return add(2, 3)'), 5);
  c.execute_script('log("after")');
  assert.deepEqual(calls, ['before', 'after']);
  assert.equal(c.execute_script('return type(add)'), 'function');
});

test('A4 replayed: non-function constructor values (numbers, strings, nested objects, arrays) come back', () => {
  const c = new lua_native.init({ N: 7, S: 'str', B: true, O: { x: 1, inner: { y: [1, 2] } }, A: [10, 20] }, { libraries: ['base'] });
  c.execute_script('N = 0 S = nil O.x = 99 A = nil');
  c.reset();
  assert.equal(c.get_global('N'), 7);
  assert.equal(c.get_global('S'), 'str');
  assert.equal(c.get_global('B'), true);
  assert.deepEqual(c.get_global('O'), { x: 1, inner: { y: [1, 2] } });
  assert.deepEqual(c.get_global('A'), [10, 20]);
});

test('A4 replayed: a constructor callback replayed after reset still shapes results and errors the same way', () => {
  const c = new lua_native.init({ boom: () => { throw new Error('js boom'); }, pair: () => [1, 2] }, { libraries: ['base'] });
  c.reset();
  assert.deepEqual(c.execute_script('return pair()'), [1, 2]);
  assert.throws(() => c.execute_script('boom()'), /js boom/);
  assertUsable(c);
});

test("A4 replayed: the libraries option (explicit list, 'safe' preset, bare)", () => {
  const list = ctx(['base', 'string']);
  list.reset();
  assert.deepEqual(list.execute_script('return type(string), type(math), type(print)'), ['table', 'nil', 'function']);

  const safe = ctx('safe');
  safe.reset();
  assert.deepEqual(
    safe.execute_script('return type(io), type(os), type(debug), type(string), type(table), type(package), type(utf8)'),
    ['nil', 'nil', 'nil', 'table', 'table', 'table', 'table'],
  );
  assert.equal(safe.execute_script('return package.loadlib'), null, "'safe' stays sealed after a reset");

  const sandbox = ctx('sandbox');
  sandbox.reset();
  assert.deepEqual(sandbox.execute_script('return type(package), type(loadfile), type(dofile), type(string)'), ['nil', 'nil', 'nil', 'table']);

  const bare = new lua_native.init();
  bare.reset();
  assert.equal(bare.execute_script('return print'), null);
  assert.equal(bare.execute_script('return 1 + 1'), 2);
});

test('A4 replayed: maxMemory', () => {
  const c = new lua_native.init(undefined, { libraries: ['base'], maxMemory: 256 * 1024 });
  c.reset();
  throwsExactly(() => c.execute_script('local t = {} for i = 1, 1e6 do t[i] = i end'), Error, 'not enough memory', 'LUA_MEMORY');
  assert.ok(c.get_memory_usage() <= 256 * 1024);
  assertUsable(c);
});

test('A4 replayed: maxInstructions', () => {
  const c = new lua_native.init(undefined, { libraries: ['base'], maxInstructions: 10_000 });
  c.reset();
  const e = throwsExactly(() => c.execute_script('while true do end'), Error, undefined, 'LUA_INSTRUCTION_LIMIT');
  assert.match(e.message, /instruction limit/);
  assert.equal(c.execute_script('local s = 0 for i = 1, 100 do s = s + i end return s'), 5050);
});

test('A4 replayed: timeout', () => {
  const c = new lua_native.init(undefined, { libraries: ['base'], timeout: 50 });
  c.reset();
  const started = Date.now();
  throwsExactly(() => c.execute_script('while true do end'), Error, undefined, 'LUA_TIMEOUT');
  assert.ok(Date.now() - started < 5000);
  assertUsable(c);
});

test('A4 replayed: search paths added with add_search_path', () => {
  const c = ctx(['base', 'package']);
  const before = c.execute_script('return package.path');
  c.add_search_path('/tmp/lua-native-reset-test/?.lua');
  c.add_search_path('/tmp/lua-native-reset-test/?/init.lua');
  const added = c.execute_script('return package.path');
  assert.notEqual(added, before);
  c.execute_script('package.path = "changed"');
  c.reset();
  assert.equal(c.execute_script('return package.path'), added);
});

test('A4 replayed: the debug hook is re-armed', () => {
  const c = ctx(['base']);
  let counts = 0;
  c.set_hook((event) => { if (event === 'count') counts++; }, { count: 100 });
  c.reset();
  c.execute_script('for i = 1, 10000 do end');
  assert.ok(counts > 10, `hook fired ${counts} times after the reset`);
  c.remove_hook();
  const seen = counts;
  c.reset();
  c.execute_script('for i = 1, 10000 do end');
  assert.equal(counts, seen, 'a removed hook stays removed across a reset');
});

// ------------------------------------------------------------------ handles

test('A4 handles: a Lua function from before throws LUA_STALE_HANDLE', () => {
  const c = ctx(['base']);
  const fn = c.execute_script('return function(x) return x * 2 end');
  assert.equal(fn(21), 42);
  c.reset();
  throwsExactly(() => fn(21), Error, stale('Lua function'), 'LUA_STALE_HANDLE');
  throwsExactly(() => fn(), Error, stale('Lua function'), 'LUA_STALE_HANDLE');
  assertUsable(c);
});

test('A4 handles: a Proxy (table with a metatable) from before refuses in every trap', () => {
  const c = ctx(['base']);
  const proxy = c.execute_script('return setmetatable({ x = 1, y = 2 }, { __index = function(_, k) return "idx:" .. k end })');
  assert.equal(proxy.x, 1);
  assert.equal(proxy.zzz, 'idx:zzz');
  c.reset();
  const MSG = stale('Lua table handle');
  throwsExactly(() => proxy.x, Error, MSG, 'LUA_STALE_HANDLE');
  throwsExactly(() => proxy.zzz, Error, MSG, 'LUA_STALE_HANDLE');
  throwsExactly(() => { proxy.y = 3; }, Error, MSG, 'LUA_STALE_HANDLE');
  throwsExactly(() => 'x' in proxy, Error, MSG, 'LUA_STALE_HANDLE');
  throwsExactly(() => Object.keys(proxy), Error, MSG, 'LUA_STALE_HANDLE');
  throwsExactly(() => { for (const k in proxy) void k; }, Error, MSG, 'LUA_STALE_HANDLE');
  throwsExactly(() => Object.getOwnPropertyDescriptor(proxy, 'x'), Error, MSG, 'LUA_STALE_HANDLE');
  throwsExactly(() => JSON.stringify(proxy), Error, MSG, 'LUA_STALE_HANDLE');
  // (No deleteProperty trap exists, API-SEED 3.8, so `delete` is not checked.)
  assertUsable(c);
});

test('A4 handles: a coroutine from before is rejected by resume (fresh or already started)', () => {
  const c = ctx(['base', 'coroutine']);
  const fresh = c.create_coroutine('return function() coroutine.yield(1) return 2 end');
  const started = c.create_coroutine('return function() coroutine.yield(1) return 2 end');
  assert.deepEqual(c.resume(started), { status: 'suspended', values: [1] });
  const returned = c.execute_script('return coroutine.create(function() return 3 end)');
  c.reset();
  for (const co of [fresh, started, returned]) {
    throwsExactly(() => c.resume(co), Error, stale('Lua coroutine'), 'LUA_STALE_HANDLE');
  }
  // A coroutine made after the reset works.
  const now = c.create_coroutine('return function() coroutine.yield("new") end');
  assert.deepEqual(c.resume(now), { status: 'suspended', values: ['new'] });
});

test('A4 handles: a userdata handle (_userdata) from before is refused when handed back', () => {
  const c = ctx(['base', 'io']);
  const out = c.execute_script('return io.stdout');
  assert.ok(out && '_userdata' in out);
  c.set_global('f', out);
  assert.equal(c.execute_script('return io.type(f)'), 'file');
  c.reset();
  throwsExactly(() => c.set_global('f', out), Error, stale('userdata handle'), 'LUA_STALE_HANDLE');
  assert.equal(c.get_global('f'), null, 'nothing was written');
  assertUsable(c);
});

test('A4 handles: a coroutine from before handed back to Lua does not reach the retired thread', () => {
  // A coroutine object passed back into Lua is not recognised as a thread (API-SEED 3.10: it
  // becomes a plain table; Appendix B #12: plain object or throw). A stale one must do no more.
  const c = ctx(['base', 'coroutine']);
  const co = c.create_coroutine('return function() coroutine.yield(1) end');
  c.reset();
  try {
    c.set_global('co', co);
  } catch (e) {
    assert.match(e.message, /not usable|different Lua context/);
    return;
  }
  assert.notEqual(c.execute_script('return type(co)'), 'thread');
  assertUsable(c);
});

test('A4 handles: a table handle (create_table / get_global_ref / get_ref) from before refuses every method', () => {
  const c = ctx(['base']);
  c.execute_script('T = { inner = { x = 1 } }');
  const made = c.create_table({ a: 1 });
  const global = c.get_global_ref('T');
  const nested = global.get_ref('inner');
  c.reset();
  const MSG = stale('table handle');
  for (const h of [made, global, nested]) {
    throwsExactly(() => h.get('a'), Error, MSG, 'LUA_STALE_HANDLE');
    throwsExactly(() => h.set('a', 2), Error, MSG, 'LUA_STALE_HANDLE');
    throwsExactly(() => h.has('a'), Error, MSG, 'LUA_STALE_HANDLE');
    throwsExactly(() => h.length(), Error, MSG, 'LUA_STALE_HANDLE');
    throwsExactly(() => h.pairs(), Error, MSG, 'LUA_STALE_HANDLE');
    throwsExactly(() => h.ipairs(), Error, MSG, 'LUA_STALE_HANDLE');
    throwsExactly(() => h.keys(), Error, MSG, 'LUA_STALE_HANDLE');
    throwsExactly(() => h.get_ref('inner'), Error, MSG, 'LUA_STALE_HANDLE');
    throwsExactly(() => h[Symbol.iterator](), Error, MSG, 'LUA_STALE_HANDLE');
    // Handed to the new state: refused, nothing written.
    throwsExactly(() => c.set_global('leak', h), Error, MSG, 'LUA_STALE_HANDLE');
    throwsExactly(() => c.set_metatable(h, {}), Error, MSG, 'LUA_STALE_HANDLE');
  }
  assert.equal(c.get_global('leak'), null);
  // A handle made after the reset works.
  c.execute_script('T = { fresh = true }');
  assert.equal(c.get_global_ref('T').get('fresh'), true);
  // release() on the handle itself still lets the old table go.
  made.release();
  throwsExactly(() => made.get('a'), Error, 'table handle has been released', 'LUA_RELEASED');
  assertUsable(c);
});

test('A4 handles: a table iterator from before throws at its next step', () => {
  const c = ctx(['base']);
  const h = c.create_table({ a: 1, b: 2, c: 3 });
  const it = h[Symbol.iterator]();
  assert.equal(it.next().done, false);
  c.reset();
  throwsExactly(() => it.next(), Error, stale('table handle'), 'LUA_STALE_HANDLE');
  assert.throws(() => { for (const _ of h) void _; }, { code: 'LUA_STALE_HANDLE' });
});

test('A4 handles: release() of a pre-reset value gives "value belongs to a different Lua context"', () => {
  const c = ctx(['base', 'coroutine']);
  const values = [
    c.execute_script('return function() end'),
    c.execute_script('return setmetatable({}, {})'),
    c.create_coroutine('return function() end'),
    c.create_table(),
  ];
  c.reset();
  for (const v of values) {
    throwsExactly(() => c.release(v), Error, 'value belongs to a different Lua context', 'LUA_FOREIGN_CONTEXT');
  }
  assertUsable(c);
});

test('A4 handles: a stale handle cannot reach the new state', () => {
  const c = ctx(['base']);
  const setter = c.execute_script('return function(v) shared_name = v return shared_name end');
  const proxy = c.execute_script('return setmetatable({}, { __newindex = function(t, k, v) rawset(t, k, v) leaked = v end })');
  c.reset();
  c.execute_script('shared_name = "new state"');
  assert.throws(() => setter('from old handle'), { code: 'LUA_STALE_HANDLE' });
  assert.throws(() => { proxy.k = 'from old proxy'; }, { code: 'LUA_STALE_HANDLE' });
  assert.equal(c.get_global('shared_name'), 'new state');
  assert.equal(c.get_global('leaked'), null);
  // Handing the stale function to the new state does not give it the old closure either:
  // calling it from Lua fails with the stale-handle message, and the state survives.
  try {
    c.set_global('stalefn', setter);
  } catch (e) {
    assert.match(e.message, /not usable/);
  }
  if (c.execute_script('return type(stalefn)') === 'function') {
    assert.throws(() => c.execute_script('return stalefn("via Lua")'), /Lua function is not usable: its Lua state was replaced by reset\(\)/);
  }
  assert.equal(c.get_global('shared_name'), 'new state');
  assertUsable(c);
});

test('A4 handles: many stale handles of every kind, used and dropped, do not crash', { skip: !gc && 'needs --expose-gc' }, async () => {
  const c = ctx(['base', 'coroutine']);
  const held = [];
  for (let round = 0; round < 20; round++) {
    held.push(c.execute_script('return function() return 1 end'));
    held.push(c.execute_script('return setmetatable({ a = 1 }, {})'));
    held.push(c.create_coroutine('return function() coroutine.yield() end'));
    held.push(c.create_table({ a: 1 }));
    c.reset();
  }
  for (const h of held) {
    const isHandle = typeof h === 'object' && Object.getPrototypeOf(h).constructor.name === 'LuaTableHandle';
    assert.throws(() => (typeof h === 'function' ? h() : isHandle ? h.get('a') : h._coroutine ? c.resume(h) : h.a), { code: 'LUA_STALE_HANDLE' });
  }
  held.length = 0;
  await settle();
  assertUsable(c);
});

test('A4 handles: memory of the retired state is reclaimed (at once without handles; once the last stale handle is collected)', { skip: !gc && 'needs --expose-gc' }, async () => {
  const BIG = 96 * 1024 * 1024;
  const rss = () => process.memoryUsage().rss;
  await settle();
  const c = ctx(['base', 'string']);
  // No handle outstanding: the old state is closed inside reset().
  c.execute_script(`big = string.rep("x", ${BIG})`);
  const withBig = rss();
  c.reset();
  assert.ok(c.get_memory_usage() < 64 * 1024);
  assert.ok(rss() < withBig - BIG / 2, `RSS ${withBig >> 20} MB -> ${rss() >> 20} MB after reset()`);
  // A handle outstanding keeps the retired state until the handle is collected.
  let fn = c.execute_script(`big = string.rep("y", ${BIG}) return function() return #big end`);
  assert.equal(fn(), BIG);
  const held = rss();
  c.reset();
  fn = null;
  await settle(10);
  assert.ok(rss() < held - BIG / 2, `RSS ${held >> 20} MB -> ${rss() >> 20} MB after the stale handle was collected`);
  assertUsable(c);
});

// ------------------------------------------------------------------ finalizers during reset
// EVOLUTION A4 says the original still fired a JS __gc metamethod during a reset. API-SEED
// Appendix B #11 recommends skipping every JS call while a state is torn down, and DECISIONS 5
// adopts that; so the retired state's Lua finalizers run, and the JS they would reach is skipped.

test('A4 the retired state is closed by reset(): its Lua __gc finalizers run (JS they would call is skipped)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-native-reset-'));
  try {
    const marker = path.join(dir, 'finalized.txt');
    const seen = [];
    const c = new lua_native.init({ note: (s) => { seen.push(s); } }, { libraries: ['base', 'io'] });
    c.execute_script(`setmetatable({}, { __gc = function()
      local f = io.open(${JSON.stringify(marker)}, "w") f:write("closed") f:close()
      note("from the retired state")
    end })`);
    c.execute_script('T = {}');
    c.set_metatable('T', { __gc: () => { seen.push('js __gc'); } });
    c.reset();
    assert.equal(fs.readFileSync(marker, 'utf8'), 'closed', 'the Lua finalizer ran when the old state closed');
    assert.deepEqual(seen, [], 'no JS ran while the old state was torn down');
    c.execute_script('note("new state")');
    assert.deepEqual(seen, ['new state']);
    assertUsable(c);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('A4 finalizers that call back into the context during a reset do not crash it', () => {
  let c;
  const errors = [];
  c = new lua_native.init({
    poke: () => {
      for (const op of [() => c.reset(), () => c.gc('collect'), () => c.execute_script('return 1'), () => c.info()]) {
        try { op(); } catch (e) { errors.push(e.code); }
      }
    },
  }, { libraries: ['base'] });
  c.execute_script('for i = 1, 10 do setmetatable({}, { __gc = function() poke() end }) end');
  c.reset();
  assertUsable(c);
  c.execute_script('setmetatable({}, { __gc = function() pcall(poke) end })');
  c.reset();
  assertUsable(c);
});

// ------------------------------------------------------------------ guards

test('A4 guards: refused while a worker run is in flight (busy), and nothing is lost', async () => {
  const c = ctx(['base']);
  c.execute_script('kept = "yes"');
  const pending = c.execute_script_async(SLOW);
  throwsExactly(() => c.reset(), Error, BUSY, 'LUA_BUSY');
  assert.equal(await pending, 'slow done');
  assert.equal(c.get_global('kept'), 'yes', 'the refused reset did not happen');
  c.reset();
  assert.equal(c.get_global('kept'), null);
});

test('A4 guards: refused from inside a host callback (also under pcall); the state is intact', () => {
  let c;
  c = new lua_native.init({ doReset: () => c.reset() }, { libraries: ['base'] });
  c.execute_script('kept = 1');
  const e = throwsExactly(() => c.execute_script('doReset()'), Error);
  assert.ok(e.message.includes(EXECUTING), e.message);
  assert.deepEqual(c.execute_script('local ok, err = pcall(doReset) return ok, err.message'), [false, EXECUTING]);
  assert.equal(c.get_global('kept'), 1);
  // The JS-side error itself is the spec's text.
  let direct;
  c.set_global('probe', () => { try { c.reset(); } catch (err) { direct = err; } });
  c.execute_script('probe()');
  assert.ok(direct instanceof Error);
  assert.equal(direct.message, EXECUTING);
  assertUsable(c);
});

test('A4 guards: refused from inside a metamethod', () => {
  const c = ctx(['base']);
  let refused;
  c.execute_script('M = {}');
  c.set_metatable('M', { __index: (t, k) => { try { c.reset(); } catch (e) { refused = e; } return `got ${k}`; } });
  c.execute_script('kept = true');
  assert.equal(c.execute_script('return M.x'), 'got x');
  assert.equal(refused.message, EXECUTING);
  assert.equal(c.get_global('kept'), true);
  // Through a Proxy's trap running Lua's __index, which calls back into JS.
  const proxy = c.execute_script('return setmetatable({}, { __index = function(_, k) return viaJs(k) end })');
  c.set_global('viaJs', (k) => { try { c.reset(); } catch (e) { refused = e; } return k; });
  refused = undefined;
  assert.equal(proxy.key, 'key');
  assert.equal(refused.message, EXECUTING);
  assertUsable(c);
});

test('A4 guards: refused from inside a __gc finalizer', () => {
  let c;
  let refused;
  c = new lua_native.init({ fin: () => { try { c.reset(); } catch (e) { refused = e; } } }, { libraries: ['base'] });
  c.execute_script('kept = 1 setmetatable({}, { __gc = function() fin() end })');
  c.gc('collect');
  assert.ok(refused, 'the finalizer ran');
  assert.equal(refused.message, EXECUTING);
  assert.equal(c.get_global('kept'), 1);
  assertUsable(c);
});

test('A4 guards: after dispose(), reset() is unavailable (LUA_DISPOSED)', () => {
  const c = ctx(['base']);
  c.dispose();
  throwsExactly(() => c.reset(), Error, 'reset() is unavailable: the Lua context has been closed', 'LUA_DISPOSED');
  throwsExactly(() => c.reset(), Error, 'reset() is unavailable: the Lua context has been closed', 'LUA_DISPOSED');
});

// ------------------------------------------------------------------ bindings to re-apply

test('A4 not replayed: set_userdata must be re-applied (and can be)', () => {
  const c = ctx(['base']);
  const obj = { n: 1 };
  c.set_userdata('U', obj, { readable: true, writable: true });
  assert.equal(c.execute_script('return U.n'), 1);
  c.reset();
  assert.equal(c.get_global('U'), null);
  assert.equal(c.execute_script('return U'), null);
  c.set_userdata('U', obj, { readable: true, writable: true });
  c.execute_script('U.n = 5');
  assert.equal(obj.n, 5);
  assert.equal(c.info().bindingRefs.userdata, 1);
});

test('A4 not replayed: set_metatable must be re-applied (and can be)', () => {
  const c = ctx(['base']);
  c.execute_script('T = {}');
  c.set_metatable('T', { __index: (t, k) => `mt:${k}` });
  assert.equal(c.execute_script('return T.x'), 'mt:x');
  c.reset();
  assert.equal(c.execute_script('return T'), null);
  c.execute_script('T = {}');
  assert.equal(c.execute_script('return T.x'), null, 'a new T has no metatable');
  c.set_metatable('T', { __index: (t, k) => `again:${k}` });
  assert.equal(c.execute_script('return T.x'), 'again:x');
});

test('A4 not replayed: set_global functions must be re-applied (constructor callbacks are)', () => {
  const c = new lua_native.init({ ctor: () => 'ctor' }, { libraries: ['base'] });
  c.set_global('later', () => 'later');
  c.set_global('lib.fn', () => 'path');
  c.reset();
  assert.equal(c.execute_script('return ctor()'), 'ctor');
  assert.equal(c.execute_script('return later'), null);
  assert.equal(c.execute_script('return lib'), null);
  c.set_global('later', () => 'again');
  assert.equal(c.execute_script('return later()'), 'again');
});

test('A4 a replay that fails leaves the old state in place, whole (the build-failure rule, extended)', () => {
  let reads = 0;
  const callbacks = {
    get add() {
      reads += 1;
      if (reads === 2) throw new Error('getter refused');
      return (a, b) => a + b;
    },
  };
  const c = new lua_native.init(callbacks, { libraries: ['base'] });
  c.execute_script('kept = 41');
  c.set_userdata('u', { x: 1 }, { readable: true });
  assert.throws(() => c.reset(), { message: 'reset failed: getter refused', code: 'LUA_RESET_FAILED' });
  assert.deepEqual(c.execute_script('return kept + 1, u.x, add(1, 2)'), [42, 1, 3]);
  c.reset(); // the third read succeeds: a real reset
  assert.deepEqual(c.execute_script('return kept, add(2, 3)'), [null, 5]);
});

test('A4 a getter that replay runs cannot reset, dispose or lend the state being prepared', async () => {
  const seen = [];
  let c;
  let armed = false;
  const callbacks = {
    get add() {
      if (armed) {
        for (const attempt of [() => c.reset(), () => c.dispose(), () => c.execute_script_async('return 1')]) {
          try {
            const p = attempt();
            if (p) p.catch((e) => seen.push(e.code));
            seen.push('allowed');
          } catch (e) {
            seen.push(e.code);
          }
        }
      }
      return (a, b) => a + b;
    },
  };
  c = new lua_native.init(callbacks, { libraries: ['base'] });
  armed = true;
  c.reset();
  armed = false;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, ['LUA_BUSY', 'LUA_BUSY', 'LUA_BUSY']);
  assertUsable(c);
  assert.equal(c.execute_script('return add(1, 2)'), 3);
});
