// Table handles (B2, B20) under the conversion modes and converters (B3, B10,
// B12, B16, B18): the two work together at every handle method.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';

const bytes = (s) => new Uint8Array(Buffer.from(s));

test('binaryStrings: handle values and pairs()/keys()/iterator keys come out as bytes', () => {
  const c = new lua_native.init({}, { libraries: 'all', binaryStrings: true });
  const h = c.create_table();
  c.set_global('t', h);
  c.execute_script('t.name = "x\\0y" t[1] = "one"');
  assert.deepEqual(h.get('name'), bytes('x\0y'));
  assert.deepEqual(h.get(bytes('name')), bytes('x\0y'), 'a Uint8Array key is a byte-string key');
  const pairs = h.pairs().map(([k, v]) => [k instanceof Uint8Array ? Buffer.from(k).toString() : k, Buffer.from(v).toString()]);
  assert.deepEqual(pairs.sort(), [[1, 'one'], ['name', 'x\0y']]);
  const keys = h.keys().map((k) => (k instanceof Uint8Array ? Buffer.from(k).toString() : k));
  assert.deepEqual(keys.sort(), [1, 'name']);
  const iterated = [...h].map(([k]) => (k instanceof Uint8Array ? 'bytes' : typeof k));
  assert.deepEqual(iterated.sort(), ['bytes', 'number']);
  assert.deepEqual(h.ipairs(), [[1, bytes('one')]]);
});

test('BigInt: big integers in handles both ways; a bigint key is an integer key', () => {
  const c = new lua_native.init({}, { libraries: 'all' });
  const h = c.create_table();
  h.set(2n ** 60n, 2n ** 62n);
  assert.equal(h.get(2n ** 60n), 2n ** 62n);
  c.set_global('h', h);
  assert.deepEqual(c.execute_script('local k, v = next(h) return math.type(k), math.type(v), v == 1 << 62'), ['integer', 'integer', true]);
  assert.deepEqual(h.pairs(), [[2n ** 60n, 2n ** 62n]]);
});

test('tableAs map: handle.get of a nested table gives a Map; handle values in a Map go by reference', () => {
  const c = new lua_native.init({}, { libraries: 'all', tableAs: 'map' });
  const h = c.create_table();
  c.set_global('h', h);
  c.execute_script('h.inner = { [1] = "int", ["1"] = "str", [true] = "yes" }');
  const inner = h.get('inner');
  assert.ok(inner instanceof Map);
  assert.equal(inner.get(1), 'int');
  assert.equal(inner.get('1'), 'str');
  assert.equal(inner.get(true), 'yes');
  c.set_global('m', new Map([['handle', h]]));
  assert.equal(c.execute_script('return rawequal(m.handle, h)'), true);
});

test('from-Lua converters apply to handle.get, pairs, ipairs and the iterator values', () => {
  const c = new lua_native.init({}, { libraries: 'all' });
  let offered = 0;
  c.register_from_lua_converter((v) => (offered++, v && v.kind === 'point'), (v) => `point(${v.x},${v.y})`);
  const h = c.create_table();
  c.set_global('h', h);
  c.execute_script('h[1] = { kind = "point", x = 1, y = 2 } h.p = h[1]');
  assert.equal(h.get('p'), 'point(1,2)');
  assert.deepEqual(h.ipairs(), [[1, 'point(1,2)']]);
  assert.deepEqual(h.pairs().map(([, v]) => v), ['point(1,2)', 'point(1,2)']);
  assert.deepEqual([...h].map(([, v]) => v), ['point(1,2)', 'point(1,2)']);
  assert.ok(offered >= 5);
});

test('type converters never see handles: a handle is passed by reference before any converter runs', () => {
  const c = new lua_native.init({}, { libraries: 'all' });
  let seen = 0;
  c.register_type_converter(() => (seen++, true), () => 'converted');
  const h = c.create_table();
  c.set_global('h', h);
  assert.equal(seen, 0);
  h.set('x', { a: 1 });
  assert.equal(c.execute_script('return h.x'), 'converted', 'plain objects still go through converters');
  assert.equal(seen, 1);
});

test('strictConversion: handle reads are strict; pairs() keeps what a copy would lose', () => {
  const c = new lua_native.init({}, { libraries: 'all', strictConversion: true });
  const h = c.create_table();
  c.set_global('h', h);
  c.execute_script('h.inner = { [1] = "int", ["1"] = "str" } h[true] = 1');
  assert.throws(() => h.get('inner'), (e) => e.message.startsWith('strict conversion: ') && e.code === 'LUA_CONVERSION');
  const inner = h.get_ref('inner');
  assert.deepEqual(inner.pairs().sort((a, b) => String(typeof a[0]).localeCompare(typeof b[0])), [[1, 'int'], ['1', 'str']]);
  assert.equal(h.get(true), 1);
  assert.throws(() => h.set('arr', [1, null, 3]), /strict conversion: null\/undefined at array index 1/);
});

test('release(): converters and modes do not keep a released handle alive', () => {
  const c = new lua_native.init({}, { libraries: 'all', binaryStrings: true });
  c.register_from_lua_converter(() => false, (v) => v);
  const h = c.create_table({ a: 'x' });
  c.release(h);
  assert.throws(() => h.get('a'), { message: 'table handle has been released' });
  assert.equal(c.execute_script('return 1 + 1'), 2);
});
