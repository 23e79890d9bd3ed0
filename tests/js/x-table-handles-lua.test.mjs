// EVOLUTION B2 / B10 table handles, continued: metamethods that misbehave,
// handles passed into Lua, set_metatable on handles and Proxies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';
import { RELEASED, FOREIGN, STALE, CLOSED, BUSY, NOT_USABLE, badKey, METHODS, callEach } from './handle-texts.mjs';

// ------------------------------------------------------------------ metamethods that misbehave

test('B2 a metamethod that errors: a JS Error with the Lua message; the context stays usable', () => {
  const c = ctx(['base']);
  c.execute_script(`T = setmetatable({}, {
    __index = function(t, k) error("no read of " .. k, 0) end,
    __newindex = function(t, k) error("no write of " .. k, 0) end,
    __len = function() error("no length", 0) end })`);
  const h = c.get_global_ref('T');
  throwsExactly(() => h.get('x'), Error, 'no read of x', 'LUA_RUNTIME');
  throwsExactly(() => h.has('x'), Error, 'no read of x');
  throwsExactly(() => h.get_ref('x'), Error, 'no read of x');
  throwsExactly(() => h.set('y', 1), Error, 'no write of y', 'LUA_RUNTIME');
  throwsExactly(() => h.length(), Error, 'no length', 'LUA_RUNTIME');
  throwsExactly(() => h.ipairs(), Error, 'no read of 1');
  assert.deepEqual(h.pairs(), [], 'pairs() is raw');
  assertUsable(c);
});

test('B2 a JS metamethod that throws, that calls reset() or dispose(), or that releases the handle', () => {
  const c = ctx(['base']);
  const h = c.create_table();
  c.set_metatable(h, { __index: () => { throw new Error('from js'); } });
  assert.throws(() => h.get('x'), /from js/);
  c.set_metatable(h, { __index: () => c.reset() });
  assert.throws(() => h.get('x'), /reset\(\) cannot be called while Lua is executing/);
  c.set_metatable(h, { __index: () => c.dispose() });
  assert.throws(() => h.get('x'), /dispose\(\) cannot be called while Lua is executing/);
  let calls = 0;
  c.set_metatable(h, { __index: (t, k) => { calls++; c.release(h); return 'still ' + k; } });
  assert.equal(h.get('x'), 'still x', 'the read in flight completes');
  assert.equal(calls, 1);
  throwsExactly(() => h.get('x'), Error, RELEASED, 'LUA_RELEASED');
  const h2 = c.create_table();
  c.set_metatable(h2, { __newindex: () => h2.release() });
  h2.set('a', 1);
  throwsExactly(() => h2.get('a'), Error, RELEASED);
  assertUsable(c);
});

test('B2 a metamethod that yields is an error, not a hang', () => {
  const c = ctx(['base', 'coroutine']);
  c.execute_script('T = setmetatable({}, { __index = function() coroutine.yield(1) end, __len = function() coroutine.yield() end })');
  const h = c.get_global_ref('T');
  assert.throws(() => h.get('x'), /yield/);
  assert.throws(() => h.length(), /yield/);
  assertUsable(c);
});

test('B2 a metamethod that loops is stopped by maxInstructions and by timeout', () => {
  const c = new lua_native.init(undefined, { libraries: ['base'], maxInstructions: 200_000 });
  c.execute_script('T = setmetatable({}, { __index = function() while true do end end, __newindex = function() while true do end end, __len = function() while true do end end })');
  const h = c.get_global_ref('T');
  for (const f of [() => h.get('x'), () => h.set('x', 1), () => h.length(), () => h.has('x'), () => h.get_ref('x'), () => h.ipairs()]) {
    throwsExactly(f, Error, /instruction limit exceeded/, 'LUA_INSTRUCTION_LIMIT');
  }
  // ipairs over an endless __index: each read is cheap; the walk as a whole is bounded.
  c.execute_script('E = setmetatable({}, { __index = function(_, i) return i end })');
  throwsExactly(() => c.get_global_ref('E').ipairs(), Error, /instruction limit exceeded/, 'LUA_INSTRUCTION_LIMIT');
  assertUsable(c);
  const t = new lua_native.init(undefined, { libraries: ['base'], timeout: 100 });
  t.execute_script('T = setmetatable({}, { __index = function() while true do end end })');
  const ht = t.get_global_ref('T');
  throwsExactly(() => ht.get('x'), Error, /timeout/i, 'LUA_TIMEOUT');
  assertUsable(t);
});

// ------------------------------------------------------------------ handles passed into Lua

test('B2 handles pushed into Lua are the same table by reference (set_global, arguments, callback results, fields)', () => {
  let keep;
  const c = ctx(['base'], { give: () => keep, wrap: () => ({ inner: keep }) });
  keep = c.create_table({ n: 1 });
  c.set_global('A', keep);
  assert.equal(c.execute_script('return rawequal(A, give()) and rawequal(A, wrap().inner)'), true);
  const f = c.execute_script('return function(t, o) t.n = t.n + 1 return rawequal(t, o.t) end');
  assert.equal(f(keep, { t: keep }), true);
  assert.equal(keep.get('n'), 2);
  const h2 = c.create_table();
  h2.set('child', keep);
  c.set_global('H2', h2);
  assert.equal(c.execute_script('return rawequal(H2.child, A)'), true);
  assert.equal(c.create_table({ t: keep }).get_ref('t').get('n'), 2, 'a handle inside create_table(initial) is the table itself');
});

test('B2 a handle of another context is refused at every door, never deep-copied', () => {
  const a = ctx(['base']);
  const b = ctx(['base'], { give: () => foreign });
  const foreign = a.create_table({ secret: 1 });
  const fn = b.execute_script('return function(x) return x end');
  const own = b.create_table();
  throwsExactly(() => b.set_global('x', foreign), Error, FOREIGN, 'LUA_FOREIGN_CONTEXT');
  throwsExactly(() => b.set_global('x.y', foreign), Error, FOREIGN, 'LUA_FOREIGN_CONTEXT');
  throwsExactly(() => b.set_global('x', { nested: [foreign] }), Error, FOREIGN);
  throwsExactly(() => fn(foreign), Error, FOREIGN, 'LUA_FOREIGN_CONTEXT');
  throwsExactly(() => own.set('k', foreign), Error, FOREIGN, 'LUA_FOREIGN_CONTEXT');
  throwsExactly(() => b.create_table({ f: foreign }), Error, FOREIGN);
  throwsExactly(() => b.set_metatable(foreign, {}), Error, FOREIGN, 'LUA_FOREIGN_CONTEXT');
  throwsExactly(() => b.set_metatable(own, { __index: foreign }), Error, FOREIGN);
  throwsExactly(() => b.call('tostring', foreign), Error, FOREIGN);
  throwsExactly(() => b.release(foreign), Error, 'value belongs to a different Lua context', 'LUA_FOREIGN_CONTEXT');
  assert.throws(() => b.execute_script('return give()'), /table handle belongs to a different Lua context/);
  assert.equal(b.get_global('x'), null);
  assert.equal(foreign.get('secret'), 1, 'the handle still works in its own context');
  assertUsable(b);
});

test('B2 a handle after reset() and after dispose()', () => {
  const c = ctx(['base']);
  const h = c.create_table({ a: 1 });
  c.reset();
  for (const f of Object.values(callEach(h))) throwsExactly(f, Error, STALE, 'LUA_STALE_HANDLE');
  throwsExactly(() => c.set_global('x', h), Error, STALE, 'LUA_STALE_HANDLE');
  throwsExactly(() => c.set_metatable(h, {}), Error, STALE);
  throwsExactly(() => c.release(h), Error, 'value belongs to a different Lua context', 'LUA_FOREIGN_CONTEXT');
  h.release(); // a stale handle can still let its table go
  throwsExactly(() => h.get('a'), Error, RELEASED);
  assertUsable(c);
  const d = ctx(['base']);
  const hd = d.create_table({ a: 1 });
  d.dispose();
  for (const f of Object.values(callEach(hd))) throwsExactly(f, Error, CLOSED, 'LUA_DISPOSED');
  hd.release();
  const other = ctx(['base']);
  throwsExactly(() => other.set_global('x', hd), Error, FOREIGN);
});

test('B2 every handle method refuses while the context is busy', async () => {
  const c = ctx(['base']);
  const h = c.create_table({ a: 1 });
  const it = h[Symbol.iterator]();
  const run = c.execute_script_async('local x = 0 for i = 1, 3e7 do x = x + 1 end return x');
  for (const f of Object.values(callEach(h))) throwsExactly(f, Error, BUSY, 'LUA_BUSY');
  throwsExactly(() => it.next(), Error, BUSY, 'LUA_BUSY');
  throwsExactly(() => h.release(), Error, BUSY, 'LUA_BUSY');
  throwsExactly(() => c.create_table(), Error, BUSY, 'LUA_BUSY');
  throwsExactly(() => c.get_global_ref('T'), Error, BUSY, 'LUA_BUSY');
  assert.equal(await run, 3e7);
  assert.equal(h.get('a'), 1);
  assert.equal(it.next().done, false);
});

// ------------------------------------------------------------------ set_metatable on handles and Proxies (B10)

test('B10 set_metatable(target): a handle or a Proxy of a non-global table; an existing metatable is replaced', () => {
  const c = ctx(['base']);
  const h = c.create_table({ real: 1 });
  c.set_metatable(h, { __index: (t, k) => 'first:' + k });
  assert.equal(h.get('x'), 'first:x');
  c.set_metatable(h, { __index: (t, k) => 'second:' + k });
  assert.equal(h.get('x'), 'second:x', 'replaced');
  const proxy = c.execute_script('local t = setmetatable({}, { __metatable = "locked", __index = function() return "old" end }) holder = { t } return t');
  assert.equal(proxy.x, 'old');
  c.set_metatable(proxy, { __index: () => 'new' });
  assert.equal(proxy.x, 'new');
  assert.equal(c.execute_script('return holder[1].y'), 'new', 'the very table, not a global');
  // The string form is unchanged; bad targets and metatables get 1.1.0's TypeErrors.
  c.execute_script('G = {}');
  c.set_metatable('G', { __index: () => 'global' });
  assert.equal(c.execute_script('return G.z'), 'global');
  for (const bad of [{}, [], 1, null, undefined, () => 1]) {
    throwsExactly(() => c.set_metatable(bad, {}), TypeError, 'set_metatable(target, metatable) requires a global name or a table handle');
  }
  throwsExactly(() => c.set_metatable(h), TypeError, 'set_metatable(): metatable must be an object');
  throwsExactly(() => c.set_metatable(h, 1), TypeError, 'set_metatable(): metatable must be an object');
  c.release(proxy);
  throwsExactly(() => c.set_metatable(proxy, {}), Error, RELEASED, 'LUA_RELEASED');
  const other = ctx(['base']);
  const otherProxy = other.execute_script('return setmetatable({}, {})');
  throwsExactly(() => c.set_metatable(otherProxy, {}), Error, FOREIGN, 'LUA_FOREIGN_CONTEXT');
  assertUsable(c);
});

test('B2 info().bindingRefs is not changed by handles', () => {
  const c = ctx(['base']);
  const before = c.info().bindingRefs;
  const hs = Array.from({ length: 10 }, () => c.create_table({ a: 1 }));
  assert.deepEqual(c.info().bindingRefs, before);
  for (const h of hs) h.release();
});

test('B2 handles are collected: their registry slots are freed and reused (memory holds steady)', { skip: !globalThis.gc && 'needs --expose-gc' }, async () => {
  const c = ctx(['base']);
  c.execute_script('T = { x = 1 }');
  const settle = async () => {
    for (let i = 0; i < 4; i++) { globalThis.gc(); await new Promise((r) => setImmediate(r)); }
    c.gc('collect');
  };
  const round = () => { for (let i = 0; i < 10_000; i++) c.get_global_ref('T').get_ref !== undefined; };
  round();
  await settle();
  const base = c.get_memory_usage();
  for (let k = 0; k < 4; k++) {
    round();
    await settle();
  }
  assert.ok(c.get_memory_usage() <= base + 16 * 1024, `${c.get_memory_usage()} vs ${base}`);
});
