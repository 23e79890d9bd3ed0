// EVOLUTION B3 (built-in type fidelity, register_type_converter) and B10
// (register_from_lua_converter); the modes are in w-conversion-modes.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable, nestJs, DEPTH_MESSAGE } from './helpers.mjs';

const CIRCULAR = 'Value contains a circular reference, which Lua tables cannot represent; break the cycle before passing it in';
const SYMBOL = 'Cannot convert a JavaScript Symbol to a Lua value';
const BIGINT_RANGE = 'BigInt value is out of range for a 64-bit Lua integer';
const all = (options = {}, callbacks) => new lua_native.init(callbacks, { libraries: 'all', ...options });

// ---------------------------------------------------------------- JS → Lua

test('B3 BigInt becomes a Lua integer; out of range is a RangeError', () => {
  const c = all();
  c.set_global('b', 10n);
  assert.deepEqual(c.execute_script('return math.type(b), b'), ['integer', 10]);
  c.set_global('max', 9223372036854775807n);
  c.set_global('min', -9223372036854775808n);
  assert.equal(c.execute_script('return max == math.maxinteger and min == math.mininteger'), true);
  throwsExactly(() => c.set_global('x', 2n ** 63n), RangeError, BIGINT_RANGE, 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.set_global('x', { deep: [-(2n ** 64n)] }), RangeError, BIGINT_RANGE, 'LUA_INVALID_ARGUMENT');
  assert.equal(c.get_global('x'), null, 'a refused value leaves the global unset');
  assertUsable(c);
});

test('B3 BigInt round trips: beyond 2^53 it comes back as a BigInt', () => {
  const c = all();
  for (const v of [2n ** 53n, 2n ** 53n + 1n, -(2n ** 60n), 9223372036854775807n, -9223372036854775808n]) {
    c.set_global('v', v);
    assert.equal(c.get_global('v'), v);
    assert.equal(c.execute_script('return v'), v);
  }
  c.set_global('small', 42n);
  assert.equal(c.get_global('small'), 42, 'a safe integer comes back as a number');
});

test('B3 Lua integers beyond ±(2^53−1) come back as BigInt, others as numbers', () => {
  const c = all();
  assert.equal(c.execute_script('return 9007199254740991'), 9007199254740991);
  assert.equal(c.execute_script('return -9007199254740991'), -9007199254740991);
  assert.equal(c.execute_script('return 9007199254740992'), 9007199254740992n);
  assert.equal(c.execute_script('return -9007199254740992'), -9007199254740992n);
  assert.equal(c.execute_script('return math.maxinteger'), 9223372036854775807n);
  assert.equal(c.execute_script('return math.mininteger'), -9223372036854775808n);
  assert.equal(c.execute_script('return 2.0^53'), 2 ** 53, 'a float stays a number');
  assert.deepEqual(c.execute_script('return { math.maxinteger, n = math.mininteger }'), { 1: 9223372036854775807n, n: -9223372036854775808n });
  let seen;
  c.set_global('cb', (v) => { seen = v; });
  c.execute_script('cb(math.maxinteger)');
  assert.equal(seen, 9223372036854775807n);
});

test('B3 (CR-20 F3) -0 stays a float; other integral numbers become integers', () => {
  const c = all();
  c.set_global('nz', -0);
  assert.deepEqual(c.execute_script('return math.type(nz), 1 / nz'), ['float', -Infinity]);
  assert.ok(Object.is(c.get_global('nz'), -0));
  c.set_global('i', 5);
  c.set_global('f', 5.5);
  assert.deepEqual(c.execute_script('return math.type(i), math.type(f)'), ['integer', 'float']);
  c.set_global('t', { z: -0, list: [-0] });
  assert.deepEqual(c.execute_script('return math.type(t.z), math.type(t.list[1])'), ['float', 'float']);
  c.set_global('ret', () => -0);
  assert.equal(c.execute_script('return math.type(ret())'), 'float');
});

test('B3 Symbol throws anywhere in a value', () => {
  const c = all();
  throwsExactly(() => c.set_global('s', Symbol('x')), Error, SYMBOL, 'LUA_CONVERSION');
  throwsExactly(() => c.set_global('s', { a: [1, Symbol.iterator] }), Error, SYMBOL, 'LUA_CONVERSION');
  c.set_global('f', () => Symbol('r'));
  assert.throws(() => c.execute_script('return f()'), { message: `Host function 'f' threw an exception: ${SYMBOL}` });
  // A symbol-keyed property is not a value: it is skipped, as before.
  c.set_global('o', { [Symbol('k')]: 1, x: 2 });
  assert.equal(c.execute_script('return o.x'), 2);
  assertUsable(c);
});

test('B3 undefined and null become nil', () => {
  const c = all();
  c.set_global('u', undefined);
  c.set_global('n', null);
  assert.deepEqual(c.execute_script('return u == nil, n == nil'), [true, true]);
});

test('B3 Buffer, TypedArrays, DataView and ArrayBuffer become the exact bytes viewed', () => {
  const c = all();
  const check = (v, expected) => {
    c.set_global('v', v);
    assert.equal(c.execute_script('return type(v)'), 'string');
    const bytes = c.execute_script('local t = {} for i = 1, #v do t[i] = v:byte(i) end return t');
    assert.deepEqual(bytes, expected);
  };
  check(Buffer.from([0, 1, 255, 0]), [0, 1, 255, 0]);
  check(new Uint8Array([7, 8]), [7, 8]);
  const ab = new Uint8Array([10, 11, 12, 13, 14, 15, 16, 17]).buffer;
  check(new Uint8Array(ab, 2, 3), [12, 13, 14]);
  check(Buffer.from(ab, 5, 2), [15, 16]);
  check(new DataView(ab, 1, 4), [11, 12, 13, 14]);
  check(ab, [10, 11, 12, 13, 14, 15, 16, 17]);
  check(ab.slice(6), [16, 17]);
  const u16 = new Uint16Array([0x0201, 0x0403]);
  check(u16, [...new Uint8Array(u16.buffer)]);
  check(new Uint16Array(u16.buffer, 2, 1), [...new Uint8Array(u16.buffer, 2, 2)]);
  check(new Float64Array([1.5]), [...new Uint8Array(new Float64Array([1.5]).buffer)]);
  check(new BigInt64Array([-1n]), [255, 255, 255, 255, 255, 255, 255, 255]);
  check(new Uint8Array(0), []);
  // Inside containers and as callback results too.
  c.set_global('t', { data: Buffer.from('hi\0there') });
  assert.deepEqual(c.execute_script('return #t.data, t.data'), [8, 'hi\0there']);
  c.set_global('give', () => new Uint8Array([65, 66]));
  assert.equal(c.execute_script('return give()'), 'AB');
});

test('B3 Date becomes its epoch milliseconds', () => {
  const c = all();
  const d = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6));
  c.set_global('d', d);
  assert.deepEqual(c.execute_script('return type(d), math.type(d), d'), ['number', 'integer', d.getTime()]);
  c.set_global('bad', new Date(NaN));
  assert.equal(c.execute_script('return bad ~= bad'), true, 'an invalid Date is NaN');
  c.set_global('t', { when: d });
  assert.equal(c.execute_script('return t.when'), d.getTime());
});

test('B3 Map becomes a table with stringified keys; Set an array; RegExp its source', () => {
  const c = all();
  c.set_global('m', new Map([['a', 1], [2, 'two'], [true, 'yes'], [null, 'nul']]));
  assert.deepEqual(c.execute_script('return m.a, m["2"], m[2], m["true"], m["null"]'), [1, 'two', null, 'yes', 'nul']);
  c.set_global('s', new Set(['x', 'y', 3]));
  assert.deepEqual(c.execute_script('return #s, s[1], s[2], s[3]'), [3, 'x', 'y', 3]);
  assert.deepEqual(c.get_global('s'), ['x', 'y', 3]);
  c.set_global('r', /a+b\d/gi);
  assert.equal(c.execute_script('return r'), 'a+b\\d');
  // Nested, and a Map with nested containers as values.
  c.set_global('n', { m: new Map([['k', new Set([1, 2])]]), list: [new Map([['z', 26]])] });
  assert.deepEqual(c.execute_script('return n.m.k[2], n.list[1].z'), [2, 26]);
  // An empty Map and Set are empty tables.
  c.set_global('e', [new Map(), new Set()]);
  assert.deepEqual(c.execute_script('return type(e[1]), next(e[1]), type(e[2]), next(e[2])'), ['table', null, 'table', null]);
});

test('B3 built-in methods replaced on an instance do not change the conversion', () => {
  const c = all();
  const m = new Map([['real', 1]]);
  m.forEach = () => { throw new Error('not called'); };
  m[Symbol.iterator] = function* () { yield ['fake', 2]; };
  c.set_global('m', m);
  assert.deepEqual(c.execute_script('return m.real, m.fake'), [1, null]);
  class MyMap extends Map {}
  c.set_global('sub', new MyMap([['k', 'v']]));
  assert.equal(c.execute_script('return sub.k'), 'v');
});

test('B3 a Proxy around a Map, and an object inheriting Map.prototype, are plain objects', () => {
  const c = all();
  c.set_global('p', new Proxy(new Map([['a', 1]]), {}));
  assert.deepEqual(c.execute_script('return type(p), next(p)'), ['table', null]);
  const fake = Object.create(Map.prototype);
  fake.own = 5;
  c.set_global('f', fake);
  assert.equal(c.execute_script('return f.own'), 5);
  // A Proxy whose getPrototypeOf trap throws: the error propagates.
  const hostile = new Proxy({}, { getPrototypeOf() { throw new Error('trap says no'); } });
  assert.throws(() => c.set_global('h', hostile), { message: 'trap says no' });
  assertUsable(c);
});

test('B3 getters that throw propagate and leave the context usable', () => {
  const c = all();
  const o = { get boom() { throw new Error('getter says no'); } };
  assert.throws(() => c.set_global('o', o), { message: 'getter says no' });
  const m = new Map([['k', o]]);
  assert.throws(() => c.set_global('m', m), { message: 'getter says no' });
  assert.equal(c.get_global('o'), null);
  assertUsable(c);
});

test('B3 circular values are refused with the cycle message on every door', () => {
  const c = all();
  const o = { a: 1 };
  o.self = o;
  throwsExactly(() => c.set_global('o', o), Error, CIRCULAR, 'LUA_CONVERSION');
  const arr = [1];
  arr.push(arr);
  throwsExactly(() => c.set_global('a', arr), Error, CIRCULAR, 'LUA_CONVERSION');
  const m = new Map();
  m.set('me', m);
  throwsExactly(() => c.set_global('m', m), Error, CIRCULAR, 'LUA_CONVERSION');
  const s = new Set();
  s.add(s);
  throwsExactly(() => c.set_global('s', s), Error, CIRCULAR, 'LUA_CONVERSION');
  // A longer cycle, and one below a shared (non-cyclic) subtree.
  const x = { y: { z: {} } };
  x.y.z.back = x;
  throwsExactly(() => c.set_global('x', { shared: [1], other: x }), Error, CIRCULAR, 'LUA_CONVERSION');
  // Callback result.
  c.set_global('give', () => o);
  assert.throws(() => c.execute_script('return give()'), { message: `Host function 'give' threw an exception: ${CIRCULAR}` });
  // Lua function arguments.
  const f = c.execute_script('return function(t) return type(t) end');
  throwsExactly(() => f(o), Error, CIRCULAR, 'LUA_CONVERSION');
  // Coroutine resume values.
  const co = c.create_coroutine('return function(t) return 1 end');
  throwsExactly(() => c.resume(co, arr), Error, CIRCULAR, 'LUA_CONVERSION');
  // A deep value that is not a cycle keeps the depth error; shared refs are fine.
  throwsExactly(() => c.set_global('deep', nestJs(101)), Error, DEPTH_MESSAGE, 'LUA_CONVERSION');
  const leaf = { v: 1 };
  c.set_global('ok', { a: leaf, b: leaf });
  assert.deepEqual(c.execute_script('return ok.a.v + ok.b.v, ok.a == ok.b'), [2, false]);
  assertUsable(c);
});

// ------------------------------------------------- register_type_converter

class Point {
  constructor(x, y) { this.x = x; this.y = y; }
}

test('B3 register_type_converter: argument checks', () => {
  const c = all();
  const msg = 'register_type_converter(match, convert) requires two functions';
  throwsExactly(() => c.register_type_converter(), TypeError, msg, 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.register_type_converter(() => true), TypeError, msg, 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.register_type_converter(() => true, 'x'), TypeError, msg, 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.register_type_converter({}, () => 1), TypeError, msg, 'LUA_INVALID_ARGUMENT');
  assert.equal(c.info().bindingRefs.typeConverters, 0);
});

test('B3 register_type_converter: converters are ordered and the result is converted again', () => {
  const c = all();
  const seen = [];
  c.register_type_converter((v) => { seen.push('first'); return v instanceof Point; }, (p) => ({ px: p.x, py: p.y, tag: new Date(7) }));
  c.register_type_converter((v) => { seen.push('second'); return v instanceof Point; }, () => 'never');
  c.set_global('p', new Point(1, 2));
  assert.deepEqual(c.execute_script('return p.px, p.py, p.tag'), [1, 2, 7], 'the result (and its Date) converted again');
  assert.deepEqual(seen.slice(0, 1), ['first']);
  assert.ok(!seen.includes('second') || seen.indexOf('second') > 0);
  c.set_global('list', [new Point(3, 4), { nested: new Point(5, 6) }]);
  assert.deepEqual(c.execute_script('return list[1].px, list[2].nested.py'), [3, 6]);
  assert.equal(c.info().bindingRefs.typeConverters, 2);
});

test('B3 register_type_converter: only object values are offered, after the round-trip markers', () => {
  const c = all();
  const offered = [];
  c.register_type_converter((v) => { offered.push(v); return false; }, () => null);
  const fn = () => 1;
  c.set_global('a', 1);
  c.set_global('b', 'str');
  c.set_global('f', fn);
  c.set_global('n', null);
  assert.equal(offered.length, 0, 'no primitives, functions or null');
  const proxy = c.execute_script('return setmetatable({}, {})');
  const lf = c.execute_script('return function() return 1 end');
  c.set_userdata('ud', { secret: 1 });
  const held = { k: 1 };
  c.set_userdata('held', held);
  c.set_global('again', { proxy, lf, held });
  // Only the wrapper object itself is offered: Proxy, Lua function and
  // set_userdata objects are markers, consulted first.
  assert.equal(offered.length, 1);
  assert.deepEqual(c.execute_script('return getmetatable(again.proxy) ~= nil, again.held == held'), [true, true]);
  // Built-ins come after converters: a converter sees a Map and a Date first.
  c.register_type_converter((v) => v instanceof Date, () => 'converted date');
  c.set_global('d', new Date(1));
  assert.equal(c.execute_script('return d'), 'converted date');
});

test('B3 register_type_converter: a converter returning its input ends at the depth error', () => {
  const c = all();
  c.register_type_converter((v) => v instanceof Point, (v) => v);
  throwsExactly(() => c.set_global('p', new Point(1, 2)), Error, DEPTH_MESSAGE, 'LUA_CONVERSION');
  const c2 = all();
  c2.register_type_converter((v) => v instanceof Point, (v) => ({ inner: v }));
  throwsExactly(() => c2.set_global('p', new Point(1, 2)), Error, DEPTH_MESSAGE, 'LUA_CONVERSION');
  assertUsable(c);
  assertUsable(c2);
});

test('B3 register_type_converter: a throwing converter propagates; the context stays usable', () => {
  const c = all();
  c.register_type_converter((v) => v instanceof Point, () => { throw new Error('convert failed'); });
  assert.throws(() => c.set_global('p', new Point(1, 2)), { message: 'convert failed' });
  c.register_type_converter(() => { throw new TypeError('match failed'); }, () => 1);
  c.set_global('g', () => ({}));
  // The matcher's own TypeError, thrown through the callback (B6).
  assert.throws(() => c.execute_script('return g()'), (e) => e instanceof TypeError && e.message === 'match failed');
  assert.equal(c.get_global('p'), null);
  // Primitives never reach the throwing matcher.
  c.set_global('ok', 5);
  assert.equal(c.get_global('ok'), 5);
});

test('B3 register_type_converter: a converter may call back into the context and mutate the value', () => {
  const c = all();
  c.register_type_converter((v) => v instanceof Point, (p) => {
    c.set_global('seen', p.x);
    const answer = c.execute_script('return seen * 10');
    p.x = 999; // mutating the input is harmless: the result is what is converted
    return { scaled: answer };
  });
  c.set_global('p', new Point(4, 0));
  assert.deepEqual(c.execute_script('return p.scaled, seen'), [40, 4]);
  // A converter that mutates the container being converted (adds keys).
  const container = { a: new Point(1, 1), b: 2 };
  c.register_type_converter((v) => v === container.a, () => { container.z = 'late'; delete container.b; return 'a'; });
  c.set_global('cont', container);
  assert.equal(c.execute_script('return type(cont)'), 'table');
  // Registering a converter from inside a converter does not disturb the walk.
  const c2 = all();
  c2.register_type_converter((v) => v instanceof Point, () => { c2.register_type_converter(() => false, () => 0); return 'p'; });
  c2.set_global('two', [new Point(0, 0), new Point(1, 1)]);
  assert.deepEqual(c2.get_global('two'), ['p', 'p']);
  assert.equal(c2.info().bindingRefs.typeConverters, 3);
});

test('B3 converters survive reset()', () => {
  const c = all();
  c.register_type_converter((v) => v instanceof Point, (p) => `${p.x},${p.y}`);
  c.register_from_lua_converter((v) => Array.isArray(v) && v.length === 2 && v[0] === 'pt', (v) => new Point(v[1], v[1]));
  c.reset();
  c.set_global('p', new Point(1, 2));
  assert.equal(c.execute_script('return p'), '1,2');
  assert.ok(c.execute_script('return {"pt", 3}') instanceof Point);
  assert.equal(c.info().bindingRefs.typeConverters, 1);
  assert.equal(c.info().bindingRefs.fromLuaConverters, 1);
});

// -------------------------------------------- register_from_lua_converter

test('B10 register_from_lua_converter: argument checks', () => {
  const c = all();
  const msg = 'register_from_lua_converter(match, convert) requires two functions';
  throwsExactly(() => c.register_from_lua_converter(), TypeError, msg, 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.register_from_lua_converter(() => 1, null), TypeError, msg, 'LUA_INVALID_ARGUMENT');
  assert.equal(c.info().bindingRefs.fromLuaConverters, 0);
});

test('B10 register_from_lua_converter: applies at every level, verbatim, objects only', () => {
  const c = all();
  const offered = [];
  c.register_from_lua_converter((v) => { offered.push(v); return v && v.__type === 'point'; }, (v) => new Point(v.x, v.y));
  const r = c.execute_script('return { __type = "point", x = 1, y = 2 }');
  assert.ok(r instanceof Point);
  assert.deepEqual([r.x, r.y], [1, 2]);
  const nested = c.execute_script('return { list = { { __type = "point", x = 3, y = 4 } }, n = 5, s = "str" }');
  assert.ok(nested.list[0] instanceof Point);
  assert.equal(nested.n, 5);
  assert.ok(offered.every((v) => typeof v === 'object' && v !== null), 'primitives never offered');
  // Verbatim: a converter's result is not converted again (a string stays as returned).
  c.register_from_lua_converter((v) => v && v.raw === true, () => ({ __type: 'point', x: 0, y: 0 }));
  const verbatim = c.execute_script('return { raw = true }');
  assert.ok(!(verbatim instanceof Point));
  assert.equal(verbatim.__type, 'point');
  // Metatabled tables are offered as their Proxy.
  let sawProxy = false;
  const c2 = all();
  c2.register_from_lua_converter((v) => { if (v && v._tableRef) sawProxy = true; return false; }, () => null);
  c2.execute_script('return setmetatable({}, {})');
  assert.ok(sawProxy);
});

test('B10 register_from_lua_converter: applies to callback arguments and get_global', () => {
  const c = all();
  c.register_from_lua_converter((v) => Array.isArray(v) && v[0] === 'pt', (v) => new Point(v[1], v[2]));
  let arg;
  c.set_global('take', (p, q) => { arg = [p, q]; });
  c.execute_script('take({"pt", 1, 2}, { inner = {"pt", 3, 4} })');
  assert.ok(arg[0] instanceof Point);
  assert.ok(arg[1].inner instanceof Point);
  c.execute_script('g = {"pt", 5, 6}');
  assert.ok(c.get_global('g') instanceof Point);
  const co = c.create_coroutine('return function() coroutine.yield({"pt", 7, 8}) end');
  assert.ok(c.resume(co).values[0] instanceof Point);
});

test('B10 register_from_lua_converter: a throwing converter propagates; the context stays usable', () => {
  const c = all();
  c.register_from_lua_converter(() => true, () => { throw new Error('from-lua failed'); });
  assert.throws(() => c.execute_script('return {}'), { message: 'from-lua failed' });
  c.set_global('take', () => {});
  assert.throws(() => c.execute_script('take({})'), { message: /Error converting arguments for 'take': from-lua failed/ });
  assert.equal(c.execute_script('return 1 + 1'), 2, 'primitives skip the list');
});

test('B10 register_from_lua_converter: modifying the Lua table mid-walk errors or finishes, never crashes', () => {
  const c = all();
  c.register_from_lua_converter((v) => v && v.mutate === true, (v) => {
    c.execute_script('for k in pairs(T) do T[k] = nil end T.fresh = 1 collectgarbage()');
    return v;
  });
  c.execute_script('T = { a = { mutate = true }, b = { mutate = true }, c = 3, d = 4, e = 5 }');
  let outcome;
  try {
    outcome = c.get_global('T');
  } catch (e) {
    outcome = e;
  }
  assert.ok(outcome instanceof Error ? outcome.message === 'table was modified during conversion' : typeof outcome === 'object');
  // Arrays read by index tolerate it.
  c.execute_script('A = { { mutate = true }, 2, 3 }');
  c.register_from_lua_converter(() => false, () => null);
  const c2 = all();
  c2.register_from_lua_converter((v) => v && v.shrink === true, (v) => { c2.execute_script('A[2] = nil A[3] = nil'); return v; });
  c2.execute_script('A = { { shrink = true }, 2, 3 }');
  const a = c2.get_global('A');
  assert.equal(a.length, 3);
  assertUsable(c);
  assertUsable(c2);
});

test('B3 a Proxy of an array converts as an array (Array.isArray), a long one by its keys', () => {
  const c = new lua_native.init({}, { libraries: 'all' });
  c.set_global('a', new Proxy([10, 20, 30], {}));
  assert.deepEqual(c.execute_script('return #a, a[1], a[3]'), [3, 10, 30]);
  let reads = 0;
  c.set_global('counted', new Proxy([1, 2], { get: (t, k) => (reads++, Reflect.get(t, k)) }));
  assert.equal(c.execute_script('return counted[2]'), 2);
  assert.ok(reads > 0, 'the traps run, as for any read of the array');
  const long = new Proxy(Object.assign([], { length: 2 ** 32 - 1, 5: 'x' }), {});
  c.set_global('long', long);
  assert.equal(c.execute_script('return long["5"]'), 'x', 'a long Proxy array is walked by its keys, as a plain object');
});
