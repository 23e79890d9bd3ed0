// EVOLUTION.md A7: `ctx.info()`: state introspection.
// Every test A7 lists is here. bindingRefs has this project's fields only
// ({ callbacks, userdata, userdataMethods, sharedTables, handlers, callbacksObject,
// typeConverters, fromLuaConverters, total }): the original's errorRegistry, classes,
// classAccessors, searchers and asyncRefs belong to features this project does not have
// (register_class, searchers, execute_async), so they are not tested. userdataMethods counts the
// set_userdata objects that were given methods (not the method entries).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';

const BUSY = 'Lua context is busy with an async operation';
const SLOW = 'local x = 0 for i = 1, 2e7 do x = x + i % 7 end return "slow done"';
const ALL = ['base', 'package', 'coroutine', 'table', 'io', 'os', 'string', 'math', 'utf8', 'debug'];
const SAFE = ['base', 'package', 'coroutine', 'table', 'string', 'math', 'utf8'];
// errorRegistry: the JS objects callbacks threw, staged until the next outermost call (B6).
const REF_KEYS = ['callbacks', 'userdata', 'userdataMethods', 'sharedTables', 'handlers', 'searchers', 'callbacksObject', 'typeConverters', 'fromLuaConverters', 'errorRegistry', 'total'];

function sumOfParts(refs) {
  return Object.entries(refs).filter(([k]) => k !== 'total').reduce((a, [, v]) => a + v, 0);
}

test('A7 the result has exactly the documented fields, of the documented types', () => {
  const i = ctx(['base']).info();
  assert.deepEqual(Object.keys(i).sort(), ['bindingRefs', 'libraries', 'maxInstructions', 'memoryBytes', 'memoryKB', 'memoryLimit', 'release', 'timeout', 'version', 'versionNumber']);
  for (const k of ['versionNumber', 'memoryBytes', 'memoryKB', 'memoryLimit', 'maxInstructions', 'timeout']) assert.equal(typeof i[k], 'number', k);
  assert.ok(Array.isArray(i.libraries));
  assert.deepEqual(Object.keys(i.bindingRefs).sort(), [...REF_KEYS].sort());
  for (const k of REF_KEYS) assert.ok(Number.isInteger(i.bindingRefs[k]) && i.bindingRefs[k] >= 0, k);
});

test('A7 version fields: Lua 5.5 / Lua 5.5.1 / 505, the same on every context', () => {
  const i = ctx(['base']).info();
  assert.equal(i.version, 'Lua 5.5');
  assert.equal(i.release, 'Lua 5.5.1');
  assert.equal(i.versionNumber, 505);
  assert.ok(i.release.startsWith(i.version));
  const bare = new lua_native.init().info();
  assert.deepEqual([bare.version, bare.release, bare.versionNumber], [i.version, i.release, i.versionNumber]);
  // Lua agrees.
  assert.equal(ctx(['base']).execute_script('return _VERSION'), i.version);
});

test('A7 memoryBytes equals get_memory_usage(); memoryKB is memoryBytes / 1024', () => {
  const c = ctx(['base', 'string']);
  for (let round = 0; round < 10; round++) {
    c.execute_script(`v${round} = string.rep("m", ${round * 1000}) t${round} = {}`);
    const i = c.info();
    assert.equal(i.memoryBytes, c.get_memory_usage(), `round ${round}`);
    assert.equal(i.memoryKB, i.memoryBytes / 1024, `round ${round}`);
    assert.ok(Number.isInteger(i.memoryBytes));
  }
});

test('A7 memory grows with allocation and falls after collection', () => {
  const c = ctx(['base']);
  const before = c.info().memoryBytes;
  c.execute_script('keep = {} for i = 1, 1e4 do keep[i] = { i } end');
  const grown = c.info().memoryBytes;
  assert.ok(grown > before + 300 * 1024, `${before} -> ${grown}`);
  c.execute_script('keep = nil');
  c.gc('collect');
  assert.ok(c.info().memoryBytes < grown - 300 * 1024);
});

test('A7 configured limits are reported; unset limits are 0', () => {
  const set = new lua_native.init(undefined, { libraries: ['base'], maxMemory: 4 * 1024 * 1024, maxInstructions: 50_000, timeout: 250 });
  const i = set.info();
  assert.equal(i.memoryLimit, 4 * 1024 * 1024);
  assert.equal(i.maxInstructions, 50_000);
  assert.equal(i.timeout, 250);

  for (const options of [undefined, { libraries: ['base'] }, { maxMemory: 0, maxInstructions: 0, timeout: 0 }, { maxMemory: null, maxInstructions: null, timeout: null }, { maxMemory: undefined }]) {
    const u = new lua_native.init(undefined, options).info();
    assert.deepEqual([u.memoryLimit, u.maxInstructions, u.timeout], [0, 0, 0], JSON.stringify(options));
  }
  // Only one of them set.
  const one = new lua_native.init(undefined, { timeout: 1000 }).info();
  assert.deepEqual([one.memoryLimit, one.maxInstructions, one.timeout], [0, 0, 1000]);
});

test("A7 libraries: presets expanded ('all' 10 names, 'safe' 7, 'sandbox' 6), in the standard order", () => {
  assert.deepEqual(ctx('all').info().libraries, ALL);
  assert.deepEqual(ctx('safe').info().libraries, SAFE);
  assert.deepEqual(ctx('sandbox').info().libraries, ['base', 'coroutine', 'table', 'string', 'math', 'utf8']);
});

test('A7 libraries: an explicit list is reported verbatim', () => {
  assert.deepEqual(ctx(['base']).info().libraries, ['base']);
  assert.deepEqual(ctx(['base', 'string', 'math']).info().libraries, ['base', 'string', 'math']);
  assert.deepEqual(ctx(ALL).info().libraries, ALL);
  // Verbatim means in the caller's order, too.
  assert.deepEqual(ctx(['string', 'base']).info().libraries, ['string', 'base']);
  assert.deepEqual(ctx(['math', 'table', 'base']).info().libraries, ['math', 'table', 'base']);
});

test('A7 libraries: a bare state (and an empty list) reports []', () => {
  assert.deepEqual(new lua_native.init().info().libraries, []);
  assert.deepEqual(new lua_native.init({}).info().libraries, []);
  assert.deepEqual(ctx([]).info().libraries, []);
});

test('A7 info() runs no Lua and triggers no GC', () => {
  const c = ctx(['base']);
  let hookEvents = 0;
  c.execute_script('finalized = false');
  c.gc('stop');
  // Garbage with a finalizer is pending: any collection step would run it.
  c.execute_script('setmetatable({}, { __gc = function() finalized = true end }) for i = 1, 1000 do local t = {} end');
  c.set_hook(() => { hookEvents++; }, { call: true, return: true, line: true, count: 1 });
  const count = c.gc('count');
  hookEvents = 0;
  const first = c.info();
  for (let i = 0; i < 1000; i++) {
    const again = c.info();
    assert.equal(again.memoryBytes, first.memoryBytes, 'info() allocated nothing in Lua');
  }
  assert.equal(hookEvents, 0, 'no Lua ran (the hook saw nothing)');
  c.remove_hook();
  assert.equal(c.gc('count'), count);
  assert.equal(c.get_global('finalized'), false, 'no finalizer ran');
  // It also works while the collector is running normally, with nothing to show for it.
  c.gc('restart');
  c.gc('collect');
  assert.equal(c.get_global('finalized'), true);
});

test('A7 info() is safe to call from inside a host callback (a poll, no allocation)', () => {
  let c;
  const seen = [];
  c = ctx(['base'], { poll: () => { const i = c.info(); seen.push(i.memoryBytes === c.get_memory_usage()); return i.versionNumber; } });
  assert.equal(c.execute_script('return poll()'), 505);
  assert.deepEqual(seen, [true]);
});

test('A7 returns a fresh plain object each time, not a live view', () => {
  const c = ctx(['base']);
  const a = c.info();
  const b = c.info();
  assert.notEqual(a, b);
  assert.notEqual(a.libraries, b.libraries);
  assert.notEqual(a.bindingRefs, b.bindingRefs);
  assert.equal(Object.getPrototypeOf(a), Object.prototype);
  assert.equal(Object.getPrototypeOf(a.bindingRefs), Object.prototype);
  assert.ok(Array.isArray(a.libraries));
  assert.deepEqual(JSON.parse(JSON.stringify(a)), a, 'plain data, no getters');
  // Mutating one result changes nothing else.
  a.version = 'mutated';
  a.libraries.push('io');
  a.bindingRefs.total = 999;
  const d = c.info();
  assert.equal(d.version, 'Lua 5.5');
  assert.deepEqual(d.libraries, ['base']);
  assert.notEqual(d.bindingRefs.total, 999);
  // Not a live view: memory grows, the old object does not.
  const frozen = c.info().memoryBytes;
  const held = c.info();
  c.execute_script('grow = {} for i = 1, 1000 do grow[i] = i end');
  assert.equal(held.memoryBytes, frozen);
  assert.ok(c.info().memoryBytes > frozen);
});

test('A7 the same configuration is reported after a reset', () => {
  const c = new lua_native.init({ cb: () => 1 }, { libraries: 'safe', maxMemory: 2 * 1024 * 1024, maxInstructions: 123456, timeout: 999 });
  const before = c.info();
  c.execute_script('junk = {} for i = 1, 1000 do junk[i] = i end');
  c.reset();
  const after = c.info();
  for (const k of ['version', 'release', 'versionNumber', 'memoryLimit', 'maxInstructions', 'timeout']) assert.equal(after[k], before[k], k);
  assert.deepEqual(after.libraries, before.libraries);
  assert.equal(after.memoryBytes, c.get_memory_usage());
  assert.equal(after.memoryKB, after.memoryBytes / 1024);
});

test('A7 rejected while busy (worker run), fine again after', async () => {
  const c = ctx(['base']);
  const pending = c.execute_script_async(SLOW);
  throwsExactly(() => c.info(), Error, BUSY, 'LUA_BUSY');
  assert.equal(await pending, 'slow done');
  assert.equal(c.info().versionNumber, 505);
});

test('A7 after dispose(), info() is unavailable (LUA_DISPOSED)', () => {
  const c = ctx(['base']);
  c.dispose();
  throwsExactly(() => c.info(), Error, 'info() is unavailable: the Lua context has been closed', 'LUA_DISPOSED');
});

// ------------------------------------------------------------------ bindingRefs

test('A7 bindingRefs: all zero for a bare context', () => {
  const zero = { callbacks: 0, userdata: 0, userdataMethods: 0, sharedTables: 0, handlers: 0, searchers: 0, callbacksObject: 0, typeConverters: 0, fromLuaConverters: 0, errorRegistry: 0, total: 0 };
  assert.deepEqual(new lua_native.init().info().bindingRefs, zero);
  assert.deepEqual(new lua_native.init(undefined, { libraries: 'all' }).info().bindingRefs, zero);
});

test('A7 bindingRefs: counts real retention (callbacks, userdata, shared tables, the hook, the callbacks object)', () => {
  const shared = lua_native.createSharedTable({ a: 1 });
  const c = new lua_native.init({ f: () => 1, g: () => 2, value: 3 }, { libraries: ['base'], shared: { S: shared } });
  let r = c.info().bindingRefs;
  assert.equal(r.callbacks, 2, 'two constructor functions (the number is not a callback)');
  assert.equal(r.callbacksObject, 1);
  assert.equal(r.sharedTables, 1);
  assert.equal(r.userdata, 0);
  assert.equal(r.handlers, 0);

  c.set_global('h', () => 3);
  assert.equal(c.info().bindingRefs.callbacks, 3);
  c.set_global('h', () => 4); // replaces, does not add
  assert.equal(c.info().bindingRefs.callbacks, 3);

  c.set_userdata('u1', { x: 1 });
  c.set_userdata('u2', { x: 2 }, { readable: true });
  assert.equal(c.info().bindingRefs.userdata, 2);

  c.set_hook(() => {}, { count: 1000 });
  assert.equal(c.info().bindingRefs.handlers, 1);
  c.set_hook(() => {}, { count: 500 }); // one hook per context
  assert.equal(c.info().bindingRefs.handlers, 1);
  c.remove_hook();
  assert.equal(c.info().bindingRefs.handlers, 0);

  r = c.info().bindingRefs;
  assert.equal(r.total, sumOfParts(r));
});

test('A7 bindingRefs: total is the sum of the parts, in every configuration', () => {
  const st = lua_native.createSharedTable();
  const contexts = [
    new lua_native.init(),
    new lua_native.init({}),
    new lua_native.init({ a: () => 1 }, { libraries: ['base'] }),
    new lua_native.init({ a: () => 1, b: 2 }, { libraries: ['base'], shared: { one: st, two: st } }),
  ];
  contexts[2].set_userdata('u', {});
  contexts[3].set_hook(() => {}, { line: true });
  for (const c of contexts) {
    const r = c.info().bindingRefs;
    assert.equal(r.total, sumOfParts(r), JSON.stringify(r));
  }
  assert.equal(contexts[3].info().bindingRefs.sharedTables, 2);
});

test('A7 bindingRefs: a reset drops the cleared containers and keeps the replayed ones', () => {
  const shared = lua_native.createSharedTable({ a: 1 });
  const c = new lua_native.init({ ctor: () => 1 }, { libraries: ['base'], shared: { S: shared } });
  c.set_global('later', () => 2);
  c.set_userdata('u', { x: 1 });
  c.set_userdata('m', {}, { methods: { f() {}, g() {} } });
  c.set_hook(() => {}, { count: 1000 });
  c.register_type_converter(() => false, () => 0);
  c.register_from_lua_converter(() => false, () => 0);
  const before = c.info().bindingRefs;
  assert.deepEqual(before, { callbacks: 2, userdata: 2, userdataMethods: 1, sharedTables: 1, handlers: 1, searchers: 0, callbacksObject: 1, typeConverters: 1, fromLuaConverters: 1, errorRegistry: 0, total: 10 });
  c.reset();
  const after = c.info().bindingRefs;
  assert.equal(after.callbacks, 1, 'set_global callbacks are cleared, the constructor one is replayed');
  assert.equal(after.userdata, 0, 'set_userdata is cleared');
  assert.equal(after.userdataMethods, 0, 'and so are its methods');
  assert.equal(after.sharedTables, 1, 'shared tables are re-published');
  assert.equal(after.handlers, 1, 'the hook is re-armed');
  assert.equal(after.callbacksObject, 1);
  assert.equal(after.typeConverters, 1, 'converters live on the context and survive');
  assert.equal(after.fromLuaConverters, 1);
  assert.equal(after.total, sumOfParts(after));
  assertUsable(c);
});
