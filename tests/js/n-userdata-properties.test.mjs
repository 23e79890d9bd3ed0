// API-SEED §10 area N: userdata property access (items 140-161), §3.9, §4.3; DECISIONS 6 and 7.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';

const R = { readable: true };
const W = { writable: true };
const RW = { readable: true, writable: true };

test('N140 a readable handle gives numeric and string properties', () => {
  const c = ctx(['base']);
  c.set_userdata('player', { hp: 100, name: 'Ann', ratio: 0.5 }, R);
  assert.deepEqual(c.execute_script('return player.hp, player.name, player["ratio"]'), [100, 'Ann', 0.5]);
  assert.deepEqual(c.execute_script('return type(player.hp), type(player.name)'), ['number', 'string']);
});

test('N141 a missing property reads as nil', () => {
  const c = ctx(['base']);
  c.set_userdata('u', { a: 1 }, R);
  assert.deepEqual(c.execute_script('return u.nope == nil, type(u.nope)'), [true, 'nil']);
  assert.equal(c.execute_script('return u.nope'), null);
});

test('N142 boolean properties read correctly', () => {
  const c = ctx(['base']);
  c.set_userdata('u', { yes: true, no: false }, R);
  assert.deepEqual(c.execute_script('return u.yes, u.no, type(u.no)'), [true, false, 'boolean']);
});

test('N143 a nested object property reads as a table copy ({ a: 1, b: 2 })', () => {
  const c = ctx(['base']);
  const obj = { inner: { a: 1, b: 2 } };
  c.set_userdata('u', obj, R);
  assert.deepEqual(c.execute_script('return u.inner'), { a: 1, b: 2 });
  assert.deepEqual(c.execute_script('return type(u.inner), u.inner.a + u.inner.b'), ['table', 3]);
  // It is a copy: changing it in Lua leaves the JS object alone.
  c.execute_script('local t = u.inner t.a = 99');
  assert.equal(obj.inner.a, 1);
});

test('N144 an array property reads as a sequence ([10, 20, 30])', () => {
  const c = ctx(['base']);
  c.set_userdata('u', { list: [10, 20, 30] }, R);
  assert.deepEqual(c.execute_script('return u.list'), [10, 20, 30]);
  assert.deepEqual(c.execute_script('local l = u.list return #l, l[1], l[3]'), [3, 10, 30]);
  // (spec 3.9) a JS array registered directly is read by JS index.
  c.set_userdata('arr', ['zero', 'one'], R);
  assert.deepEqual(c.execute_script('return arr[0], arr[1], arr.length'), ['zero', 'one', 2]);
});

test('N145 a null (or undefined) property reads as nil', () => {
  const c = ctx(['base']);
  c.set_userdata('u', { n: null, d: undefined }, R);
  assert.deepEqual(c.execute_script('return u.n == nil, u.d == nil'), [true, true]);
});

test('N146 a writable handle: assignments from Lua change the JS object', () => {
  const c = ctx(['base']);
  const obj = { hp: 100 };
  c.set_userdata('u', obj, W);
  c.execute_script('u.hp = 50');
  assert.equal(obj.hp, 50);
});

test('N147 new properties can be created from Lua', () => {
  const c = ctx(['base']);
  const obj = {};
  c.set_userdata('u', obj, RW);
  c.execute_script('u.fresh = "new" u[7] = "seven"');
  assert.equal(obj.fresh, 'new');
  assert.equal(obj['7'], 'seven');
});

test('N148 numbers, strings and booleans can be written', () => {
  const c = ctx(['base']);
  const obj = {};
  c.set_userdata('u', obj, W);
  c.execute_script('u.i = 42 u.f = 1.5 u.s = "str" u.t = true u.b = false');
  assert.deepEqual(obj, { i: 42, f: 1.5, s: 'str', t: true, b: false });
});

test('N148 (spec 3.9) written nil sets null; tables and functions are converted for JS', () => {
  const c = ctx(['base']);
  const obj = { gone: 1 };
  c.set_userdata('u', obj, W);
  c.execute_script('u.gone = nil u.tbl = { 1, 2, x = nil } u.map = { k = "v" } u.fn = function(a) return a * 2 end u.ref = setmetatable({ z = 3 }, {})');
  assert.ok('gone' in obj);
  assert.equal(obj.gone, null);
  assert.deepEqual(obj.tbl, [1, 2]);
  assert.deepEqual(obj.map, { k: 'v' });
  assert.equal(typeof obj.fn, 'function');
  assert.equal(obj.fn(21), 42);
  assert.equal(obj.ref.z, 3);
});

test('N149 a written value can be read back from Lua and from JS', () => {
  const c = ctx(['base']);
  const obj = { v: 0 };
  c.set_userdata('u', obj, RW);
  assert.equal(c.execute_script('u.v = 123 return u.v'), 123);
  assert.equal(obj.v, 123);
  obj.v = 'js side';
  assert.equal(c.execute_script('return u.v'), 'js side');
});

test('N150 a read-only handle: writing throws /not writable/ and the JS value is unchanged', () => {
  const c = ctx(['base']);
  const obj = { x: 1 };
  c.set_userdata('u', obj, R);
  const e = throwsExactly(() => c.execute_script('u.x = 5'), Error, "Error writing property 'x': userdata is not writable", 'LUA_RUNTIME');
  assert.match(e.message, /not writable/);
  assert.equal(obj.x, 1);
  // No position prefix, and pcall catches it.
  assert.deepEqual(c.execute_script('return pcall(function() u.x = 5 end)'), [false, "Error writing property 'x': userdata is not writable"]);
  assert.equal(obj.x, 1);
  assertUsable(c);
});

test('N151 a write-only handle: reading throws /not readable/', () => {
  const c = ctx(['base']);
  c.set_userdata('u', { x: 1 }, W);
  const e = throwsExactly(() => c.execute_script('return u.x'), Error, "Error reading property 'x': userdata is not readable", 'LUA_RUNTIME');
  assert.match(e.message, /not readable/);
  assert.deepEqual(c.execute_script('return pcall(function() return u.y end)'), [false, "Error reading property 'y': userdata is not readable"]);
  assertUsable(c);
});

test('N152 a write-only handle: writing succeeds', () => {
  const c = ctx(['base']);
  const obj = {};
  c.set_userdata('u', obj, W);
  c.execute_script('u.x = "written"');
  assert.equal(obj.x, 'written');
});

test('N153 a callback receives a property-enabled handle as the original object', () => {
  let got;
  const c = new lua_native.init({ take: (o) => { got = o; return o.x; } });
  const obj = { x: 9 };
  c.set_userdata('u', obj, RW);
  assert.equal(c.execute_script('return take(u)'), 9);
  assert.equal(got, obj);
});

test('N154 increments in a Lua loop are visible in JS (score 10)', () => {
  const c = ctx(['base']);
  const obj = { score: 0 };
  c.set_userdata('game', obj, RW);
  c.execute_script('for i = 1, 10 do game.score = game.score + 1 end');
  assert.equal(obj.score, 10);
});

test('N155 two property-enabled handles are independent', () => {
  const c = ctx(['base']);
  const a = { v: 1 };
  const b = { v: 2 };
  c.set_userdata('a', a, RW);
  c.set_userdata('b', b, RW);
  c.execute_script('a.v = a.v + 10');
  assert.deepEqual([a.v, b.v], [11, 2]);
  assert.deepEqual(c.execute_script('return a.v, b.v'), [11, 2]);
});

test('N156 the property getter is consulted per key (string, integer, nil for unknown, non-string keys nil)', () => {
  const c = ctx(['base']);
  const reads = [];
  const target = { name: 'n', 1: 'one', 1.5: 'one and a half' };
  const spy = new Proxy(target, { get(t, k, r) { reads.push(k); return Reflect.get(t, k, r); } });
  c.set_userdata('u', spy, R);
  assert.deepEqual(c.execute_script('return u.name, u[1], u[1.5], u.unknown'), ['n', 'one', 'one and a half', null]);
  assert.deepEqual(reads.filter((k) => typeof k === 'string'), ['name', '1', '1.5', 'unknown']);
  reads.length = 0;
  // Keys that are neither strings nor numbers give nil without asking JS.
  assert.deepEqual(c.execute_script('return u[true] == nil, u[{}] == nil'), [true, true]);
  assert.deepEqual(reads, []);
});

test('N156 (spec 3.9) getters and inherited properties are read with ordinary [[Get]]', () => {
  const c = ctx(['base']);
  class Base { get computed() { return this.raw * 2; } }
  const obj = Object.assign(new Base(), { raw: 21 });
  Object.setPrototypeOf(Base.prototype, { inherited: 'yes' });
  c.set_userdata('u', obj, R);
  assert.deepEqual(c.execute_script('return u.computed, u.inherited'), [42, 'yes']);
});

test('N157 the setter receives the key and the value', () => {
  const c = ctx(['base']);
  const writes = [];
  const spy = new Proxy({}, { set(t, k, v, r) { writes.push([k, v]); return Reflect.set(t, k, v, r); } });
  c.set_userdata('u', spy, W);
  c.execute_script('u.alpha = 1 u[2] = "two" u[true] = "ignored"');
  assert.deepEqual(writes, [['alpha', 1], ['2', 'two']]);
});

test('N158 write-then-read through getter and setter round-trips (42, "hello")', () => {
  const c = ctx(['base']);
  const store = {};
  c.set_userdata('u', store, RW);
  assert.deepEqual(c.execute_script('u.num = 42 u.str = "hello" return u.num, u.str'), [42, 'hello']);
  assert.deepEqual(store, { num: 42, str: 'hello' });
});

test('N159 an exception in the getter becomes a Lua error containing its message', () => {
  const c = ctx(['base']);
  c.set_userdata('u', { get boom() { throw new Error('getter failed'); } }, R);
  const e = throwsExactly(() => c.execute_script('return u.boom'), Error, "Error reading property 'boom': getter failed", 'LUA_RUNTIME');
  assert.match(e.message, /getter failed/);
  assert.deepEqual(c.execute_script('return pcall(function() return u.boom end)'), [false, "Error reading property 'boom': getter failed"]);
  assertUsable(c);
});

test('N160 an exception in the setter becomes a Lua error containing its message', () => {
  const c = ctx(['base']);
  c.set_userdata('u', { set boom(v) { throw new Error('setter failed'); } }, W);
  const e = throwsExactly(() => c.execute_script('u.boom = 1'), Error, "Error writing property 'boom': setter failed", 'LUA_RUNTIME');
  assert.match(e.message, /setter failed/);
  assert.deepEqual(c.execute_script('return pcall(function() u.boom = 2 end)'), [false, "Error writing property 'boom': setter failed"]);
  assertUsable(c);
});

test('N161 reads distinguish handles (100, 200)', () => {
  const c = ctx(['base']);
  c.set_userdata('first', { v: 100 }, R);
  c.set_userdata('second', { v: 200 }, R);
  assert.deepEqual(c.execute_script('return first.v, second.v'), [100, 200]);
});

test('N (DECISIONS 6) a JS method read from Lua is a real function; u:method() passes the original object', () => {
  const c = ctx(['base']);
  const obj = {
    base: 40,
    add(self, n) { return self.base + n; },
    plain(n) { return n * 2; },
  };
  c.set_userdata('u', obj, R);
  assert.deepEqual(c.execute_script('return type(u.add), type(u.plain), u.plain(21)'), ['function', 'function', 42]);
  assert.equal(c.execute_script('return u:add(2)'), 42);
  let self;
  obj.who = (s) => { self = s; return true; };
  assert.equal(c.execute_script('return u:who()'), true);
  assert.equal(self, obj);
});

test('N (spec 3.9) a value written into a writable handle from another handle is the original object', () => {
  const c = ctx(['base']);
  const sink = {};
  const other = { id: 'other' };
  c.set_userdata('sink', sink, W);
  c.set_userdata('other', other);
  c.execute_script('sink.ref = other');
  assert.equal(sink.ref, other);
});

test('N (spec 3.9) property errors leave the context usable after many failures', () => {
  const c = ctx(['base']);
  c.set_userdata('ro', { x: 1 }, R);
  c.set_userdata('wo', {}, W);
  for (let i = 0; i < 200; i++) {
    assert.throws(() => c.execute_script('ro.x = 2'), /not writable/);
    assert.throws(() => c.execute_script('return wo.x'), /not readable/);
  }
  assertUsable(c);
});
