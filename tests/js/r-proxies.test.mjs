// API-SEED §10 area R: metatabled tables returned as live Proxies (items 200-224), §3.8;
// DECISIONS 6 (functions written through a Proxy are real Lua functions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';

test('R200 a metatabled table comes back as a non-null object with live fields', () => {
  const c = ctx(['base']);
  const p = c.execute_script('T = setmetatable({ name = "live", n = 1 }, {}) return T');
  assert.notEqual(p, null);
  assert.equal(typeof p, 'object');
  assert.equal(p.name, 'live');
  c.execute_script('T.n = 2');
  assert.equal(p.n, 2, 'reads are live, not a snapshot');
});

test('R201 __index runs for missing keys read through the Proxy', () => {
  const c = ctx(['base']);
  const p = c.execute_script('return setmetatable({ real = 1 }, { __index = function(t, k) return "idx:" .. k end })');
  assert.equal(p.real, 1);
  assert.equal(p.missing, 'idx:missing');
  const q = c.execute_script('return setmetatable({}, { __index = { fallback = 99 } })');
  assert.equal(q.fallback, 99);
});

test('R202 __newindex runs for writes through the Proxy and sees key and value', () => {
  const c = ctx(['base']);
  const p = c.execute_script('log = {} return setmetatable({}, { __newindex = function(t, k, v) log[#log + 1] = k .. "=" .. tostring(v) end })');
  p.color = 'red';
  p.size = 3;
  assert.deepEqual(c.execute_script('return log'), ['color=red', 'size=3']);
  assert.equal(c.execute_script('return #log'), 2);
});

test('R203 writes through the Proxy are visible in Lua', () => {
  const c = ctx(['base']);
  const p = c.execute_script('T = setmetatable({}, {}) return T');
  p.x = 42;
  p.s = 'str';
  p.list = [1, 2];
  p.obj = { a: true };
  assert.deepEqual(c.execute_script('return T.x, T.s, T.list[2], T.obj.a'), [42, 'str', 2, true]);
  // Assigning undefined removes the key.
  p.x = undefined;
  assert.equal(c.execute_script('return rawget(T, "x") == nil'), true);
});

test('R204 plain tables are still deep copies', () => {
  const c = ctx(['base']);
  const copy = c.execute_script('P = { x = 1 } return P');
  copy.x = 2;
  assert.equal(c.execute_script('return P.x'), 1);
  c.execute_script('P.x = 3');
  assert.equal(copy.x, 2);
});

test('R205 a metatabled table passed to a callback and returned keeps its metamethods (same table)', () => {
  let seen;
  const c = new lua_native.init({ cap: (t) => { seen = t; return t; } }, { libraries: ['base'] });
  assert.deepEqual(
    c.execute_script('T = setmetatable({ v = 5 }, { __tostring = function(t) return "T" .. t.v end }) local r = cap(T) return rawequal(r, T), tostring(r)'),
    [true, 'T5']
  );
  assert.equal(seen.v, 5);
});

test('R206 integer-like string keys read the array part', () => {
  const c = ctx(['base']);
  const p = c.execute_script('return setmetatable({ "a", "b", "c" }, {})');
  assert.deepEqual([p['1'], p['2'], p['3'], p[1], p[4]], ['a', 'b', 'c', 'a', null]);
});

test('R207 Object.keys lists the table keys', () => {
  const c = ctx(['base']);
  const p = c.execute_script('return setmetatable({ 10, 20, name = "n", flag = true }, {})');
  assert.deepEqual(Object.keys(p).sort(), ['1', '2', 'flag', 'name']);
  assert.deepEqual({ ...p }, { 1: 10, 2: 20, name: 'n', flag: true });
  assert.deepEqual(JSON.parse(JSON.stringify(p)), { 1: 10, 2: 20, name: 'n', flag: true });
});

test('R208 the in operator reports present and absent keys (and __index counts)', () => {
  const c = ctx(['base']);
  const p = c.execute_script('return setmetatable({ here = 1 }, { __index = function(t, k) if k == "virtual" then return true end end })');
  assert.equal('here' in p, true);
  assert.equal('absent' in p, false);
  assert.equal('virtual' in p, true);
  assert.equal('_tableRef' in p, true);
  assert.equal(Symbol.iterator in p, false);
});

test('R209 __len still works in Lua after a round trip', () => {
  const c = ctx(['base']);
  const p = c.execute_script('return setmetatable({}, { __len = function() return 42 end })');
  c.set_global('back', p);
  assert.equal(c.execute_script('return #back'), 42);
});

test('R210 __tostring still works after a round trip', () => {
  const c = ctx(['base']);
  const p = c.execute_script('return setmetatable({}, { __tostring = function() return "I am T" end })');
  const f = c.execute_script('return function(t) return tostring(t) end');
  assert.equal(f(p), 'I am T');
});

test('R211 __add still works after a round trip', () => {
  const c = ctx(['base']);
  const p = c.execute_script('return setmetatable({ v = 40 }, { __add = function(a, b) return a.v + b end })');
  c.set_global('obj', { inner: p });
  assert.equal(c.execute_script('return obj.inner + 2'), 42);
});

test('R212 __call still works after a round trip (the Proxy itself is not callable)', () => {
  const c = ctx(['base']);
  const p = c.execute_script('return setmetatable({}, { __call = function(self, a) return a * 2 end })');
  c.set_global('callable', [p]);
  assert.equal(c.execute_script('return callable[1](21)'), 42);
  assert.throws(() => p(1), TypeError);
});

test('R213 a metatabled table nested in another is also returned as a live object (child.val 42)', () => {
  const c = ctx(['base']);
  const p = c.execute_script('Parent = setmetatable({ child = setmetatable({ val = 42 }, {}) }, {}) return Parent');
  const child = p.child;
  assert.equal(child.val, 42);
  child.val = 43;
  assert.equal(c.execute_script('return Parent.child.val'), 43);
  // A metatabled table nested in a plain table is a live Proxy too.
  const plain = c.execute_script('return { inner = Parent.child }');
  plain.inner.val = 44;
  assert.equal(c.execute_script('return Parent.child.val'), 44);
});

test('R214 two Proxies are independent', () => {
  const c = ctx(['base']);
  const [a, b] = c.execute_script('return setmetatable({ v = 1 }, {}), setmetatable({ v = 1 }, {})');
  a.v = 100;
  assert.equal(b.v, 1);
  assert.equal(a.v, 100);
});

test('R215 proxy.then is undefined, so await gives the Proxy itself', async () => {
  const c = ctx(['base']);
  const p = c.execute_script('return setmetatable({ ["then"] = function() error("never") end, x = 1 }, {})');
  assert.equal(p.then, undefined);
  const awaited = await p;
  assert.equal(awaited, p);
  assert.equal(awaited.x, 1);
});

test('R216 metatabled tables convert to references; plain ones to arrays/objects', () => {
  const c = ctx(['base']);
  const [ref, arr, obj] = c.execute_script('return setmetatable({ 1, 2 }, {}), { 1, 2 }, { a = 1 }');
  assert.equal(Array.isArray(ref), false);
  assert.equal(typeof ref, 'object');
  assert.ok(!Object.keys(ref).includes('_tableRef'));
  assert.deepEqual(arr, [1, 2]);
  assert.deepEqual(obj, { a: 1 });
  // Each conversion makes a new Proxy.
  c.execute_script('M = setmetatable({}, {})');
  assert.notEqual(c.get_global('M'), c.get_global('M'));
});

test('R217 a reference pushed back into Lua (t2 = t) is the same table', () => {
  const c = ctx(['base']);
  const p = c.execute_script('T = setmetatable({}, {}) return T');
  c.set_global('T2', p);
  assert.equal(c.execute_script('return rawequal(T, T2)'), true);
  const same = c.execute_script('return function(x) return rawequal(x, T) end');
  assert.equal(same(p), true);
  assert.equal(same({}), false);
});

test('R218 field reads through a reference work and missing fields are null', () => {
  const c = ctx(['base']);
  const p = c.execute_script('return setmetatable({ a = 1, s = "x", b = false, t = { 1 } }, {})');
  assert.deepEqual([p.a, p.s, p.b, p.t, p.missing], [1, 'x', false, [1], null]);
  assert.equal(p[Symbol.toPrimitive], undefined);
});

test('R219 field reads through a reference trigger __index', () => {
  const c = ctx(['base']);
  const p = c.execute_script('hits = 0 return setmetatable({}, { __index = function(t, k) hits = hits + 1 return k .. "!" end })');
  assert.equal(p.one, 'one!');
  assert.equal(p.two, 'two!');
  assert.equal(c.get_global('hits'), 2);
});

test('R220 field writes through a reference trigger __newindex', () => {
  const c = ctx(['base']);
  const p = c.execute_script('store = {} return setmetatable({}, { __newindex = function(t, k, v) rawset(store, k, v * 10) end })');
  p.a = 1;
  p.b = 2;
  assert.deepEqual(c.execute_script('return store.a, store.b'), [10, 20]);
  assert.deepEqual(Object.keys(p), []);
});

test('R221 field presence checks work', () => {
  const c = ctx(['base']);
  const p = c.execute_script('return setmetatable({ x = 1, f = false }, {})');
  assert.equal(Reflect.has(p, 'x'), true);
  assert.equal(Reflect.has(p, 'f'), true, 'false is a present value');
  assert.equal(Reflect.has(p, 'y'), false);
  assert.deepEqual(Object.getOwnPropertyDescriptor(p, 'x'), { value: 1, writable: false, enumerable: true, configurable: true });
  assert.equal(Object.getOwnPropertyDescriptor(p, 'y'), undefined);
});

test('R222 key enumeration returns all keys', () => {
  const c = ctx(['base']);
  const p = c.execute_script('return setmetatable({ "a", "b", x = 1, [1.5] = "f", [true] = "skipped" }, {})');
  assert.deepEqual(Reflect.ownKeys(p).sort(), ['1', '1.5', '2', 'x']);
  assert.equal(p['1.5'], null, '"1.5" is the string key, never the float key');
  assert.deepEqual([p[1], p[2], p.x], ['a', 'b', 1]);
});

test('R223 length: 3 keys for a 3-element table; __len (42) is seen by Lua, "length" is an ordinary key', () => {
  const c = ctx(['base']);
  const p = c.execute_script('return setmetatable({ 1, 2, 3 }, {})');
  assert.equal(Object.keys(p).length, 3);
  assert.equal(p.length, null);
  const q = c.execute_script('return setmetatable({ 1, 2, 3 }, { __len = function() return 42 end })');
  const len = c.execute_script('return function(t) return #t, rawlen(t) end');
  assert.deepEqual(len(q), [42, 3]);
  assert.deepEqual(len(p), [3, 3]);
});

test('R224 integer-like string keys read and write array slots', () => {
  const c = ctx(['base']);
  const p = c.execute_script('A = setmetatable({ "a", "b", "c" }, {}) return A');
  p['2'] = 'B';
  p[4] = 'd';
  assert.deepEqual(c.execute_script('return A[2], A[4], #A, rawget(A, "2")'), ['B', 'd', 4, null]);
  // (1.1.0; parity proxies.int-like-keys) an optional '-' and digits make an
  // integer key ("007", "-5"); " 1", "+2" and "2.5" are string keys.
  assert.equal(p[' 1'], null);
  assert.equal(p['+2'], null);
  assert.equal(p['003'], 'c');
  p['-5'] = 'neg';
  p['2.5'] = 'str';
  assert.deepEqual(c.execute_script('return A[-5], A["2.5"], A[2.5]'), ['neg', 'str', null]);
});

test('R (spec 3.8) delete does not reach Lua; symbols are ignored; _tableRef is hidden from keys', () => {
  const c = ctx(['base']);
  const p = c.execute_script('T = setmetatable({ x = 1 }, {}) return T');
  delete p.x;
  assert.equal(c.execute_script('return T.x'), 1);
  p[Symbol('s')] = 5;
  assert.equal(p[Symbol.iterator], undefined);
  assert.ok(!Reflect.ownKeys(p).includes('_tableRef'));
  assert.ok(!Object.keys(p).includes('_tableRef'));
  assert.notEqual(p._tableRef, undefined);
});

test('R (spec 3.8) duplicate stringified keys make Object.keys throw a TypeError', () => {
  const c = ctx(['base']);
  const p = c.execute_script('return setmetatable({ [1] = "int", ["1"] = "str" }, {})');
  assert.throws(() => Object.keys(p), TypeError);
  assert.equal(p[1], 'int');
});

test('R (DECISIONS 6) a JS function written through a Proxy is a real Lua function', () => {
  const c = ctx(['base']);
  const p = c.execute_script('T = setmetatable({}, {}) return T');
  p.fn = (x) => x * 3;
  p.nested = { g: () => 'g' };
  assert.deepEqual(c.execute_script('return type(T.fn), T.fn(4), type(T.nested.g), T.nested.g()'), ['function', 12, 'function', 'g']);
  // A Lua function read through the Proxy and written back is the same function.
  c.execute_script('function T.lf() return 1 end');
  p.copy = p.lf;
  assert.equal(c.execute_script('return rawequal(T.copy, T.lf)'), true);
});

test('R (spec 3.8, Appendix B #5) a Lua error in __index/__newindex during a trap throws an Error', () => {
  const c = ctx(['base']);
  const p = c.execute_script('return setmetatable({}, { __index = function(t, k) error("no read " .. k) end, __newindex = function() error("no write", 0) end })');
  throwsExactly(() => p.foo, Error, /no read foo$/, 'LUA_RUNTIME');
  throwsExactly(() => { p.bar = 1; }, Error, 'no write', 'LUA_RUNTIME');
  throwsExactly(() => 'baz' in p, Error, /no read baz$/);
  assertUsable(c);
});
