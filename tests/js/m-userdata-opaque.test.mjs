// API-SEED §10 area M: userdata, opaque handles (items 128-139), §2.5, §3.9; DECISIONS 7.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';

test('M128 a callback receives the very same object that was registered', () => {
  let got;
  const c = new lua_native.init({ take: (o) => { got = o; } });
  const obj = { name: 'x', n: 1 };
  c.set_userdata('h', obj);
  c.execute_script('take(h)');
  assert.equal(got, obj);
});

test('M129 identity holds under ===, also for several arguments and repeated calls', () => {
  const seen = [];
  const c = new lua_native.init({ take: (...args) => { seen.push(args); } });
  const obj = {};
  c.set_userdata('h', obj);
  c.execute_script('take(h, 1, h) take(h)');
  assert.ok(seen[0][0] === obj);
  assert.equal(seen[0][1], 1);
  assert.ok(seen[0][2] === obj);
  assert.ok(seen[1][0] === obj);
});

test('M130 identity survives assignment through Lua local variables and tables', () => {
  let got;
  const c = new lua_native.init({ take: (o) => { got = o; } });
  const obj = { id: 7 };
  c.set_userdata('h', obj);
  c.execute_script('local a = h local b = a local t = { inner = { b } } take(t.inner[1])');
  assert.equal(got, obj);
});

test('M131 returning the handle from execute_script (and get_global) gives the original object', () => {
  const c = new lua_native.init();
  const obj = { v: 1 };
  c.set_userdata('h', obj);
  assert.equal(c.execute_script('return h'), obj);
  assert.equal(c.execute_script('local x = h return x'), obj);
  assert.equal(c.get_global('h'), obj);
  const [a, b] = c.execute_script('return h, { h }');
  assert.equal(a, obj);
  assert.equal(b[0], obj);
});

test('M132 two handles remain distinct objects', () => {
  const c = ctx(['base']);
  const one = { n: 1 };
  const two = { n: 2 };
  c.set_userdata('a', one);
  c.set_userdata('b', two);
  const [x, y] = c.execute_script('return a, b');
  assert.equal(x, one);
  assert.equal(y, two);
  assert.notEqual(x, y);
  assert.equal(c.execute_script('return a == b, a == a, rawequal(b, b)').join(), 'false,true,true');
});

test('M132 (spec 2.5) registering the same object under two names gives two distinct userdata', () => {
  const c = ctx(['base']);
  const obj = {};
  c.set_userdata('a', obj);
  c.set_userdata('b', obj);
  assert.deepEqual(c.execute_script('return type(a), type(b), a == b'), ['userdata', 'userdata', false]);
  assert.equal(c.get_global('a'), obj);
  assert.equal(c.get_global('b'), obj);
});

test('M133 a class instance passes by reference and its methods can be used in the callback (42)', () => {
  class Counter {
    constructor() { this.value = 40; }
    bump(by) { this.value += by; return this.value; }
  }
  const inst = new Counter();
  const c = new lua_native.init({ useIt: (o) => o.bump(2) });
  c.set_userdata('counter', inst);
  assert.equal(c.execute_script('return useIt(counter)'), 42);
  assert.equal(inst.value, 42);
  assert.ok(c.get_global('counter') instanceof Counter);
});

test('M134 repeated callback calls mutate the same object (count 3)', () => {
  const state = { count: 0 };
  const c = new lua_native.init({ inc: (o) => { o.count++; } });
  c.set_userdata('state', state);
  c.execute_script('inc(state) inc(state) inc(state)');
  assert.equal(state.count, 3);
});

test('M135 after "handle = nil; collectgarbage()" the global is nil and nothing crashes', async () => {
  const c = ctx(['base']);
  c.set_userdata('handle', { big: 'x'.repeat(1000) });
  c.execute_script('handle = nil collectgarbage() collectgarbage()');
  assert.equal(c.get_global('handle'), null);
  assert.equal(c.execute_script('return handle'), null);
  if (globalThis.gc) globalThis.gc();
  await new Promise((r) => setImmediate(r));
  c.execute_script('collectgarbage()');
  assertUsable(c);
});

test('M136 opaque and property-enabled handles both have Lua type "userdata"', () => {
  const c = ctx(['base']);
  c.set_userdata('o', {});
  c.set_userdata('r', { x: 1 }, { readable: true });
  c.set_userdata('w', {}, { writable: true });
  c.set_userdata('rw', {}, { readable: true, writable: true });
  assert.deepEqual(c.execute_script('return type(o), type(r), type(w), type(rw)'), ['userdata', 'userdata', 'userdata', 'userdata']);
});

test('M137 a handle shows its opaque/property kind (tostring names) and still converts back to its object', () => {
  const c = ctx(['base']);
  const o = {};
  const p = { x: 1 };
  c.set_userdata('o', o);
  c.set_userdata('p', p, { readable: true });
  c.set_userdata('q', {}, { writable: true });
  const [so, sp, sq] = c.execute_script('return tostring(o), tostring(p), tostring(q)');
  assert.match(so, /^lua_native_userdata: /);
  assert.match(sp, /^lua_native_proxy_userdata: /);
  assert.match(sq, /^lua_native_proxy_userdata: /);
  assert.equal(c.get_global('o'), o);
  assert.equal(c.get_global('p'), p);
});

test('M137 (spec 2.5) readable/writable are honoured only when they are booleans', () => {
  const c = ctx(['base']);
  c.set_userdata('h', { x: 1 }, { readable: 'yes', writable: 1 });
  assert.match(c.execute_script('return tostring(h)'), /^lua_native_userdata: /);
  throwsExactly(() => c.execute_script('return h.x'), Error, /attempt to index a lua_native_userdata value \(global 'h'\)/);
  c.set_userdata('g', { x: 1 }, 'readable');
  assert.match(c.execute_script('return tostring(g)'), /^lua_native_userdata: /);
});

test('M138 indexing or assigning into an opaque handle raises an error', () => {
  const c = ctx(['base']);
  const obj = { secret: 1 };
  c.set_userdata('h', obj);
  const e = throwsExactly(() => c.execute_script('return h.secret'), Error,
    `[string "return h.secret"]:1: attempt to index a lua_native_userdata value (global 'h')`, 'LUA_RUNTIME');
  assert.match(e.message, /attempt to index/);
  throwsExactly(() => c.execute_script('h.secret = 2'), Error, /attempt to index a lua_native_userdata value \(global 'h'\)/, 'LUA_RUNTIME');
  assert.equal(obj.secret, 1);
  // Still storable, comparable and passable; pcall catches the error.
  assert.deepEqual(c.execute_script('local ok, err = pcall(function() return h.x end) return ok, h == h'), [false, true]);
  assertUsable(c);
});

test('M139 a handle passed through a host function is the same userdata; property reads still work', () => {
  const c = new lua_native.init({ cap: (o) => o, wrap: (o) => ({ inner: o, list: [o] }) }, { libraries: ['base'] });
  const obj = { x: 5 };
  c.set_userdata('h', obj, { readable: true });
  // DECISIONS 7: the same object handed back to Lua from JS is the same userdata.
  assert.deepEqual(c.execute_script('local r = cap(h) return type(r), rawequal(r, h), r.x'), ['userdata', true, 5]);
  assert.deepEqual(c.execute_script('local w = wrap(h) return rawequal(w.inner, h), rawequal(w.list[1], h), w.inner.x'), [true, true, 5]);
  const o = {};
  c.set_userdata('op', o);
  assert.deepEqual(c.execute_script('local r = cap(op) return type(r), rawequal(r, op)'), ['userdata', true]);
});

test('M139 (DECISIONS 7) set_global, wrapper arguments and nested values give Lua the same userdata', () => {
  const c = ctx(['base']);
  const obj = { y: 2 };
  c.set_userdata('h', obj, { readable: true });
  c.set_global('again', obj);
  assert.deepEqual(c.execute_script('return type(again), rawequal(again, h), again.y'), ['userdata', true, 2]);
  c.set_global('holder', { h: obj, list: [obj] });
  assert.equal(c.execute_script('return rawequal(holder.h, h) and rawequal(holder.list[1], h)'), true);
  const same = c.execute_script('return function(v) return rawequal(v, h) end');
  assert.equal(same(obj), true);
  assert.equal(same({ y: 2 }), false, 'a look-alike object is not the userdata');
});

test('M (spec 2.5) set_userdata argument errors', () => {
  const c = new lua_native.init();
  const MSG = 'Expected (string, object[, options])';
  for (const args of [[], ['h'], [1, {}], ['h', null], ['h', 1], ['h', 'str'], ['h', undefined], [{}, {}]]) {
    throwsExactly(() => c.set_userdata(...args), TypeError, MSG, 'LUA_INVALID_ARGUMENT');
  }
  // Functions and arrays count as objects.
  const fn = () => 1;
  const arr = [1, 2];
  c.set_userdata('f', fn);
  c.set_userdata('a', arr);
  assert.equal(c.get_global('f'), fn);
  assert.equal(c.get_global('a'), arr);
  assertUsable(c);
});
