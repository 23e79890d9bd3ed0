// API-SEED §10 area F: tables, arrays, objects and nesting depth (items 51-68), §3.5, §3.6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, DEPTH_MESSAGE, nestJs, nestLua, throwsExactly, assertUsable } from './helpers.mjs';

test('F51 a JS empty array becomes a Lua table with length 0', () => {
  const c = new lua_native.init();
  c.set_global('arr', []);
  assert.equal(c.execute_script('return #arr'), 0);
  assert.equal(c.execute_script('return arr[1] == nil'), true);
});

test('F52 return {42} gives [42]', () => {
  const c = new lua_native.init();
  assert.deepEqual(c.execute_script('return {42}'), [42]);
});

test('F53 a 1000-element JS array set as a global comes back equal', () => {
  const c = new lua_native.init();
  const arr = Array.from({ length: 1000 }, (_, i) => i * 3);
  c.set_global('big', arr);
  assert.equal(c.execute_script('return #big'), 1000);
  assert.equal(c.execute_script('return big[1] + big[1000]'), 0 + 999 * 3);
  assert.deepEqual(c.execute_script('return big'), arr);
  assert.deepEqual(c.get_global('big'), arr);
});

test('F54 nested arrays {{1,2},{3,4},{5,6}} come back as nested JS arrays', () => {
  const c = new lua_native.init();
  const r = c.execute_script('return {{1,2},{3,4},{5,6}}');
  assert.deepEqual(r, [[1, 2], [3, 4], [5, 6]]);
  assert.ok(r.every(Array.isArray));
});

test('F55 {1, "two", true, nil} comes back as [1, "two", true]', () => {
  const c = new lua_native.init();
  assert.deepEqual(c.execute_script('return {1, "two", true, nil}'), [1, 'two', true]);
});

test('F56 an empty table (JS {} round trip, or return {}) comes back as an empty array', () => {
  const c = new lua_native.init();
  assert.deepEqual(c.execute_script('return {}'), []);
  assert.ok(Array.isArray(c.execute_script('return {}')));
  c.set_global('obj', {});
  assert.deepEqual(c.execute_script('return obj'), []);
  c.set_global('arr', []);
  assert.deepEqual(c.get_global('arr'), []);
});

test('F57 a five-level nested object is returned with every level intact', () => {
  const c = new lua_native.init();
  const r = c.execute_script(`
    return { l1 = { name = "one", l2 = { name = "two", l3 = { name = "three",
             l4 = { name = "four", l5 = { name = "five", items = {1, 2} } } } } } }`);
  assert.deepEqual(r, {
    l1: { name: 'one', l2: { name: 'two', l3: { name: 'three', l4: { name: 'four', l5: { name: 'five', items: [1, 2] } } } } },
  });
  const js = { a: { b: { c: { d: { e: 'deep', n: 5 } } } } };
  c.set_global('js', js);
  assert.equal(c.execute_script('return js.a.b.c.d.e'), 'deep');
  assert.deepEqual(c.get_global('js'), js);
});

test('F58 returning a table nested 105 levels throws /nesting depth/ (side effects kept)', () => {
  const c = new lua_native.init();
  const e = throwsExactly(() => c.execute_script('marker = 1 ' + nestLua(105)), Error, DEPTH_MESSAGE, 'LUA_CONVERSION');
  assert.match(e.message, /nesting depth/);
  assert.equal(c.get_global('marker'), 1, "the script's side effects remain");
  // Cycles just hit the limit.
  throwsExactly(() => c.execute_script('local t = {} t.self = t return t'), Error, DEPTH_MESSAGE, 'LUA_CONVERSION');
  throwsExactly(() => c.execute_script(nestLua(101)), Error, DEPTH_MESSAGE);
  // 100 wrappers around {v = 1}: the scalar sits at depth 101.
  throwsExactly(() => c.execute_script(nestLua(100, '{ v = 1 }')), Error, DEPTH_MESSAGE);
  assertUsable(c);
});

test('F59 a table nested exactly 100 levels converts; 100 child hops end at []', () => {
  const c = new lua_native.init();
  let r = c.execute_script(nestLua(100));
  for (let i = 0; i < 100; i++) {
    assert.ok(r && typeof r === 'object' && 'child' in r, `level ${i}`);
    r = r.child;
  }
  assert.deepEqual(r, []);
  let s = c.execute_script(nestLua(99, '{ v = 1 }'));
  for (let i = 0; i < 99; i++) s = s.child;
  assert.deepEqual(s, { v: 1 });
});

test('F60 set_global of a JS object nested 105 levels throws /nesting depth/', () => {
  const c = new lua_native.init();
  c.set_global('deep', 'previous');
  const e = throwsExactly(() => c.set_global('deep', nestJs(105)), Error, DEPTH_MESSAGE, 'LUA_CONVERSION');
  assert.match(e.message, /nesting depth/);
  assert.equal(c.get_global('deep'), 'previous', 'the global is left unchanged');
  // Boundaries: 100 wrappers around {v: 1} fail; 99 around {v: 1} and 100 around {} succeed.
  throwsExactly(() => c.set_global('deep', nestJs(100, { v: 1 })), Error, DEPTH_MESSAGE);
  c.set_global('ok99', nestJs(99, { v: 1 }));
  assert.equal(c.execute_script(`return ok99${'.child'.repeat(99)}.v`), 1);
  c.set_global('ok100', nestJs(100));
  assert.deepEqual(c.execute_script(`return ok100${'.child'.repeat(100)} ~= nil, ok100${'.child'.repeat(100)}.child == nil`), [true, true]);
  // Cycles are told apart from depth (EVOLUTION B3).
  const cyc = { name: 'cyc' };
  cyc.self = cyc;
  throwsExactly(() => c.set_global('cyc', cyc), Error, 'Value contains a circular reference, which Lua tables cannot represent; break the cycle before passing it in', 'LUA_CONVERSION');
  assert.equal(c.get_global('cyc'), null);
  assertUsable(c);
});

test('F61 keys "1" and "2" that are strings stay object keys', () => {
  const c = new lua_native.init();
  const r = c.execute_script('return {["1"] = "a", ["2"] = "b"}');
  assert.ok(!Array.isArray(r));
  assert.deepEqual(r, { 1: 'a', 2: 'b' });
  // JS numeric-looking keys become Lua string keys.
  c.set_global('o', { 1: 'a' });
  assert.deepEqual(c.execute_script('return o["1"], o[1] == nil'), ['a', true]);
});

test('F62 keys containing a space or a dash are preserved', () => {
  const c = new lua_native.init();
  const r = c.execute_script('return {["key with space"] = 1, ["key-with-dash"] = 2, normal = 3}');
  assert.deepEqual(r, { 'key with space': 1, 'key-with-dash': 2, normal: 3 });
  c.set_global('o', { 'a b': 1, 'c-d': 2 });
  assert.deepEqual(c.execute_script('return o["a b"], o["c-d"]'), [1, 2]);
});

test('F63 {1, 2, 3} becomes an array and { a = 1, b = "x" } a map', () => {
  const c = new lua_native.init();
  const arr = c.execute_script('return {1, 2, 3}');
  assert.ok(Array.isArray(arr));
  assert.deepEqual(arr, [1, 2, 3]);
  const map = c.execute_script("return { a = 1, b = 'x' }");
  assert.ok(!Array.isArray(map));
  assert.deepEqual(map, { a: 1, b: 'x' });
});

test('F63 (spec 3.5; 1.1.0 array rule) mixed, sparse and odd-keyed tables: keys exactly 1..n in any order make an array', () => {
  const c = new lua_native.init();
  assert.deepEqual(c.execute_script('return {1, 2, x = 3}'), { 1: 1, 2: 2, x: 3 });
  assert.deepEqual(c.execute_script('return {1, nil, 3}'), { 1: 1, 3: 3 });
  assert.deepEqual(c.execute_script('return {[0] = "z", "a"}'), { 0: 'z', 1: 'a' });
  assert.deepEqual(c.execute_script('return {[1.5] = "a", [2^53] = "b"}'), { '1.5': 'a', 9007199254740992: 'b' });
  assert.deepEqual(c.execute_script('return {[-1] = "neg"}'), { '-1': 'neg' });
  const boolKey = c.execute_script('return {[true] = 1}');
  assert.ok(!Array.isArray(boolKey));
  assert.deepEqual(boolKey, {});
  assert.deepEqual(c.execute_script('local t = {1, 2, 3} t[3] = nil return t'), [1, 2]);
  assert.deepEqual(c.execute_script('local t = {1, 2, 3} t[2] = nil return t'), { 1: 1, 3: 3 });
  assert.deepEqual(c.execute_script('return {[1] = "a", [2] = "b"}'), ['a', 'b']);
  assert.deepEqual(c.execute_script('return {[2] = "b", [1] = "a"}'), ['a', 'b']);
  assert.deepEqual(c.execute_script('return {[1] = "int", ["1"] = "str"}'), { 1: 'int' });
});

test('F64 a table with integer keys 1 and 3 only becomes a map with keys "1" and "3"', () => {
  const c = new lua_native.init();
  const r = c.execute_script('local t = {} t[1] = 10 t[3] = 30 return t');
  assert.ok(!Array.isArray(r));
  assert.deepEqual(r, { 1: 10, 3: 30 });
  assert.deepEqual(Object.keys(r), ['1', '3']);
});

test('F65 an array of 1000 tables built in Lua reaches JS with correct first and last elements', () => {
  const c = new lua_native.init();
  const r = c.execute_script('local t = {} for i = 1, 1000 do t[i] = { id = i, name = "item" .. i } end return t');
  assert.ok(Array.isArray(r));
  assert.equal(r.length, 1000);
  assert.deepEqual(r[0], { id: 1, name: 'item1' });
  assert.deepEqual(r[999], { id: 1000, name: 'item1000' });
});

test('F66 a JS array of 1000 objects is 1-based in Lua', () => {
  const c = new lua_native.init();
  c.set_global('data', Array.from({ length: 1000 }, (_, i) => ({ index: i, label: `n${i}` })));
  assert.equal(c.execute_script('return #data'), 1000);
  assert.equal(c.execute_script('return data[500].index'), 499);
  assert.deepEqual(c.execute_script('return data[1].index, data[1000].label, data[0] == nil'), [0, 'n999', true]);
});

test('F67 a complex JS object global is readable from Lua', () => {
  const c = new lua_native.init();
  c.set_global('config', { debug: true, name: 'app', settings: { timeout: 5000, retries: 3 }, tags: ['a', 'b', 'c'] });
  assert.deepEqual(
    c.execute_script("return config.debug, config.settings.timeout, config.tags[2] == 'b', #config.tags, config.name"),
    [true, 5000, true, 3, 'app']
  );
});

test('F68 array and nested map values pushed from the host are readable in Lua', () => {
  const c = new lua_native.init();
  c.set_global('t', [10, 20, 30]);
  c.set_global('m', { a: 1, b: { c: 'deep' } });
  assert.deepEqual(c.execute_script('return t[1], t[2], t[3], #t, m.a, m.b.c'), [10, 20, 30, 3, 1, 'deep']);
});

test('F68 (spec 3.5) array holes, inherited keys and class instances', () => {
  const c = ctx(['base']);
  c.set_global('h', [1, null, 3]);
  assert.deepEqual(c.execute_script('return h[1], h[2] == nil, h[3]'), [1, true, 3]);
  const o = Object.create({ inh: 1 });
  o.own = 2;
  c.set_global('o', o);
  assert.deepEqual(c.execute_script('return o.inh, o.own'), [1, 2]);
  class Point { constructor() { this.x = 1; this.y = 2; } norm() { return 0; } }
  c.set_global('p', new Point());
  assert.deepEqual(c.execute_script('return p.x, p.y, p.norm == nil'), [1, 2, true]);
  // A Map is a table of its entries (EVOLUTION B3).
  c.set_global('d', new Map([['k', 1]]));
  assert.equal(c.execute_script('return d.k'), 1);
});

test('F68 a sparse array of any length costs what it holds, and gives the table the index walk gives', () => {
  const c = ctx(['base']);
  const sparse = [];
  sparse[3] = 'a';
  sparse[2 ** 32 - 2] = 'last'; // the highest index an array can have
  sparse.extra = 'not an index';
  c.set_global('s', sparse);
  assert.deepEqual(c.execute_script('local n = 0 for _ in pairs(s) do n = n + 1 end return n, s[4], s[2^32 - 1]'), [2, 'a', 'last']);
  const long = new Array(2 ** 32 - 1);
  c.set_global('l', long);
  assert.equal(c.execute_script('return next(l) == nil'), true);
  // A long dense array still arrives whole, in order, holes left out.
  const dense = Array.from({ length: (1 << 20) + 5 }, (_, i) => (i === 7 ? null : i));
  c.set_global('d', dense);
  assert.deepEqual(c.execute_script('local n = 0 for _ in pairs(d) do n = n + 1 end return n, d[1], d[8], d[2^20 + 5]'), [(1 << 20) + 4, 0, null, (1 << 20) + 4]);
});
