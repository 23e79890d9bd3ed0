// EVOLUTION B12 (binaryStrings), B16 (strictConversion), B18 (tableAs), the
// 1.1.0 array rule and proxy integer keys, and the modes across doors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable, nestJs, DEPTH_MESSAGE } from './helpers.mjs';

const CIRCULAR = 'Value contains a circular reference, which Lua tables cannot represent; break the cycle before passing it in';
const SYMBOL = 'Cannot convert a JavaScript Symbol to a Lua value';
const BIGINT_RANGE = 'BigInt value is out of range for a 64-bit Lua integer';
const all = (options = {}, callbacks) => new lua_native.init(callbacks, { libraries: 'all', ...options });

// ---------------------------------------------------------- array rule

test('1.1.0 array rule: keys exactly 1..n in any order make an array', () => {
  const c = all();
  assert.deepEqual(c.execute_script('return {[2] = "b", [1] = "a"}'), ['a', 'b']);
  assert.deepEqual(c.execute_script('return {[3] = "c", [2] = "b", [1] = "a"}'), ['a', 'b', 'c']);
  assert.deepEqual(c.execute_script('local t = {} for i = 20, 1, -1 do t[i] = i end return t'), Array.from({ length: 20 }, (_, i) => i + 1));
  assert.deepEqual(c.execute_script('return {[1] = 1, [3] = 3}'), { 1: 1, 3: 3 });
  assert.deepEqual(c.execute_script('return {[2] = 2}'), { 2: 2 });
});

test('1.1.0 proxy keys: an optional minus and digits make an integer key', () => {
  const c = all();
  const p = c.execute_script('return setmetatable({ "a", "b", "c", [7] = "seven", [-5] = "neg", [" 1"] = "space", ["+2"] = "plus" }, {})');
  assert.deepEqual([p['1'], p[2], p['007'], p['-5'], p[' 1'], p['+2'], p['2.5'], p['1e0']], ['a', 'b', 'seven', 'neg', 'space', 'plus', null, null]);
  p['010'] = 'ten';
  c.set_global('P', p);
  assert.equal(c.execute_script('return P[10]'), 'ten');
});

// -------------------------------------------------------- binaryStrings

test('B12 binaryStrings: string values come out as Uint8Array of their exact bytes', () => {
  const c = all({ binaryStrings: true });
  const r = c.execute_script('return "\\0\\1\\255abc"');
  assert.ok(r instanceof Uint8Array);
  assert.deepEqual([...r], [0, 1, 255, 97, 98, 99]);
  const t = c.execute_script('return { name = "x\\200", list = { "a" } }');
  assert.deepEqual(Object.keys(t).sort(), ['list', 'name'], 'keys stay text');
  assert.deepEqual([...t.name], [0x78, 200]);
  assert.ok(t.list[0] instanceof Uint8Array);
  let arg;
  c.set_global('cb', (s) => { arg = s; });
  c.execute_script('cb("hi")');
  assert.deepEqual([...arg], [104, 105]);
  // Going back in, a Uint8Array is a byte string again.
  c.set_global('back', r);
  assert.deepEqual(c.execute_script('return #back, back:byte(3)'), [6, 255]);
  // Numbers and booleans are unchanged.
  assert.deepEqual(c.execute_script('return 1, true'), [1, true]);
});

test('B12 binaryStrings: a non-boolean value is silently ignored', () => {
  for (const v of ['yes', 1, {}, null]) {
    const c = all({ binaryStrings: v });
    assert.equal(c.execute_script('return "s"'), 's');
  }
  assert.equal(all({ binaryStrings: false }).execute_script('return "s"'), 's');
});

// ----------------------------------------------------- strictConversion

test('B16 strictConversion: option check', () => {
  for (const v of ['yes', 1, null, {}]) {
    throwsExactly(() => all({ strictConversion: v }), TypeError, 'strictConversion must be a boolean', 'LUA_INVALID_ARGUMENT');
  }
  all({ strictConversion: false });
  all({ strictConversion: undefined });
});

test('B16 strict: null/undefined in an array (JS index, 0-based)', () => {
  const c = all({ strictConversion: true });
  const msg = (i) => `strict conversion: null/undefined at array index ${i} becomes a Lua nil, which ends the sequence there — #t and ipairs would stop before the later elements. Filter the array, or use false as a present placeholder.`;
  throwsExactly(() => c.set_global('a', [1, null, 3]), Error, msg(1), 'LUA_CONVERSION');
  throwsExactly(() => c.set_global('a', { deep: [undefined] }), Error, msg(0), 'LUA_CONVERSION');
  throwsExactly(() => c.set_global('a', new Set([1, undefined])), Error, msg(1), 'LUA_CONVERSION');
  // Other doors: a callback result, a Lua function argument, a proxy write.
  c.set_global('give', () => [null]);
  assert.throws(() => c.execute_script('return give()'), { message: `Host function 'give' threw an exception: ${msg(0)}` });
  const f = c.execute_script('return function(t) return #t end');
  throwsExactly(() => f([1, 2, null]), Error, msg(2), 'LUA_CONVERSION');
  const p = c.execute_script('return setmetatable({}, {})');
  assert.throws(() => { p.x = [null]; }, { message: msg(0) });
  // A top-level null is unchanged; false is fine.
  c.set_global('n', null);
  c.set_global('ok', [false, 0]);
  assert.deepEqual(c.execute_script('return n == nil, #ok'), [true, 2]);
  assertUsable(c);
});

test('B16 strict: null/undefined as an object value', () => {
  const c = all({ strictConversion: true });
  const msg = (k) => `strict conversion: null/undefined at key "${k}" becomes a Lua nil, which removes the key rather than storing a value — the key would be absent, not nil. Omit it, or use false.`;
  throwsExactly(() => c.set_global('o', { a: 1, b: null }), Error, msg('b'), 'LUA_CONVERSION');
  throwsExactly(() => c.set_global('o', { nest: { u: undefined } }), Error, msg('u'), 'LUA_CONVERSION');
  throwsExactly(() => c.set_global('o', new Map([['m', null]])), Error, msg('m'), 'LUA_CONVERSION');
  const co = c.create_coroutine('return function(t) return t end');
  throwsExactly(() => c.resume(co, { z: null }), Error, msg('z'), 'LUA_CONVERSION');
});

test('B16 strict: Lua keys that are neither string nor number', () => {
  const c = all({ strictConversion: true });
  const msg = (t) => `strict conversion: a Lua table key of type '${t}' would be dropped converting this table to JavaScript, which can only key an object by string or number. Read the table in place with get_global_ref() to keep such keys.`;
  throwsExactly(() => c.execute_script('return { [true] = 1 }'), Error, msg('boolean'), 'LUA_CONVERSION');
  c.execute_script('g = { x = { [{}] = 1 } }');
  throwsExactly(() => c.get_global('g'), Error, msg('table'), 'LUA_CONVERSION');
  c.set_global('take', () => {});
  assert.throws(() => c.execute_script('take({ [print] = 1 })'), { message: `Error converting arguments for 'take': ${msg('function')}` });
  const co = c.create_coroutine('return function() coroutine.yield({ [coroutine.running()] = 1 }) end');
  assert.equal(c.resume(co).error, msg('thread'));
  const p = c.execute_script('return setmetatable({ inner = { [false] = 0 } }, {})');
  assert.throws(() => p.inner, { message: msg('boolean') });
  assertUsable(c);
});

test('B16 strict: a number key and a string key that collide', () => {
  const c = all({ strictConversion: true });
  const msg = (k) => `strict conversion: the Lua table keys ${k} (number) and "${k}" (string) both become the JavaScript property "${k}", so one value would be lost. Read the table in place with get_global_ref() to keep both.`;
  throwsExactly(() => c.execute_script('return { [1] = "int", ["1"] = "str", x = 0 }'), Error, msg('1'), 'LUA_CONVERSION');
  throwsExactly(() => c.execute_script('return { [1.5] = "f", ["1.5"] = "s" }'), Error, msg('1.5'), 'LUA_CONVERSION');
  // Without strict, the first key met wins, as before.
  const lax = all();
  assert.equal(Object.keys(lax.execute_script('return { [1] = "int", ["1"] = "str", x = 0 }')).length, 2);
});

test('B16 strict: keys with NUL or bytes that are not UTF-8', () => {
  const c = all({ strictConversion: true });
  assert.throws(() => c.execute_script('return { ["a\\0b"] = 1 }'), (e) => {
    assert.equal(e.code, 'LUA_CONVERSION');
    assert.ok(e.message.startsWith('strict conversion: '));
    assert.match(e.message, /truncated at that byte/);
    assert.match(e.message, /get_global_ref\(\)/);
    assert.match(e.message, /handle\.pairs\(\)/);
    return true;
  });
  for (const key of ['\\255', '\\192\\128' /* overlong NUL */, '\\237\\160\\128' /* lone surrogate */]) {
    assert.throws(() => c.execute_script(`return { ["k${key}"] = 1 }`), (e) => {
      assert.ok(e.message.startsWith('strict conversion: '));
      assert.match(e.message, /U\+FFFD/);
      assert.match(e.message, /get_global_ref\(\)/);
      return true;
    });
  }
  // Values are not keys: a non-UTF-8 value is not a strict error.
  assert.equal(typeof c.execute_script('return { k = "\\255" }').k, 'string');
});

test('B16 strict: unchanged for BigInt widening, cycles and depth; survives reset()', () => {
  const c = all({ strictConversion: true });
  assert.equal(c.execute_script('return math.maxinteger'), 9223372036854775807n);
  const o = {};
  o.o = o;
  throwsExactly(() => c.set_global('o', o), Error, CIRCULAR, 'LUA_CONVERSION');
  throwsExactly(() => c.set_global('d', nestJs(101)), Error, DEPTH_MESSAGE, 'LUA_CONVERSION');
  c.reset();
  assert.throws(() => c.set_global('a', [null]), { message: /^strict conversion: null\/undefined at array index 0/ });
});

// -------------------------------------------------------------- tableAs

test('B18 tableAs: option checks', () => {
  throwsExactly(() => all({ tableAs: 5 }), TypeError, "tableAs must be 'object' or 'map'", 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => all({ tableAs: null }), TypeError, "tableAs must be 'object' or 'map'", 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => all({ tableAs: 'array' }), TypeError, "tableAs must be 'object' or 'map', got 'array'", 'LUA_INVALID_ARGUMENT');
  assert.deepEqual(all({ tableAs: 'object' }).execute_script('return {1}'), [1]);
});

test('B18 tableAs map: every plain table is a Map with typed keys', () => {
  const c = all({ tableAs: 'map' });
  const seq = c.execute_script('return { "a", "b" }');
  assert.ok(seq instanceof Map);
  assert.deepEqual([...seq], [[1, 'a'], [2, 'b']]);
  const mixed = c.execute_script('return { [1] = "int", ["1"] = "str", [true] = "yes", [false] = "no", [2.5] = "float", nested = { x = 1 } }');
  assert.equal(mixed.get(1), 'int');
  assert.equal(mixed.get('1'), 'str');
  assert.equal(mixed.get(true), 'yes');
  assert.equal(mixed.get(false), 'no');
  assert.equal(mixed.get(2.5), 'float');
  assert.ok(mixed.get('nested') instanceof Map);
  assert.equal(mixed.get('nested').get('x'), 1);
  assert.equal(mixed.size, 6);
  const empty = c.execute_script('return {}');
  assert.ok(empty instanceof Map);
  assert.equal(empty.size, 0);
  // Big integer keys are BigInts; table keys are skipped.
  const big = c.execute_script('return { [math.maxinteger] = 1, [{}] = 2 }');
  assert.deepEqual([...big], [[9223372036854775807n, 1]]);
  // Metatabled tables are still Proxies.
  const p = c.execute_script('return setmetatable({ a = 1 }, {})');
  assert.ok(!(p instanceof Map));
  assert.equal(p.a, 1);
  // Self-referencing tables are refused.
  throwsExactly(() => c.execute_script('local t = {} t.t = t return t'), Error, DEPTH_MESSAGE, 'LUA_CONVERSION');
  // Callback arguments, get_global, coroutine values all follow the mode.
  let arg;
  c.set_global('cb', (v) => { arg = v; });
  c.execute_script('cb({ 10 })');
  assert.deepEqual([...arg], [[1, 10]]);
  c.execute_script('G = { k = "v" }');
  assert.equal(c.get_global('G').get('k'), 'v');
  assertUsable(c);
});

test('B18 tableAs map: a JS Map goes in with its key types', () => {
  const c = all({ tableAs: 'map' });
  c.set_global('m', new Map([[1, 'int'], ['1', 'str'], [true, 'yes'], [2.5, 'float'], [5n, 'big']]));
  assert.deepEqual(c.execute_script('return m[1], m["1"], m[true], m[2.5], m[5]'), ['int', 'str', 'yes', 'float', 'big']);
  // A round trip keeps them apart.
  const back = c.get_global('m');
  assert.equal(back.get(1), 'int');
  assert.equal(back.get('1'), 'str');
  const msg = /^tableAs: 'map': a Map key that is not a string, number or boolean /;
  throwsExactly(() => c.set_global('bad', new Map([[{}, 1]])), TypeError, msg, 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.set_global('bad', new Map([[null, 1]])), TypeError, msg, 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.set_global('bad', new Map([[Symbol('s'), 1]])), TypeError, msg, 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.set_global('bad', new Map([[new Uint8Array([1]), 1]])), TypeError, msg, 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.set_global('bad', new Map([[NaN, 1]])), RangeError, "tableAs: 'map': a Map key that is NaN cannot be a Lua table key", 'LUA_INVALID_ARGUMENT');
  // Without tableAs:'map' the keys are stringified.
  const lax = all();
  lax.set_global('m', new Map([[1, 'int'], [{}, 'obj']]));
  assert.deepEqual(lax.execute_script('return m["1"], m[1], m["[object Object]"]'), ['int', null, 'obj']);
  assertUsable(c);
});

test('B18 tableAs map with binaryStrings: string keys and values are Uint8Array', () => {
  const c = all({ tableAs: 'map', binaryStrings: true });
  const m = c.execute_script('return { ["k\\255"] = "v", [1] = 2 }');
  assert.ok(m instanceof Map);
  const entries = [...m];
  const strKey = entries.find(([k]) => k instanceof Uint8Array);
  assert.deepEqual([...strKey[0]], [107, 255]);
  assert.deepEqual([...strKey[1]], [118]);
  assert.equal(m.get(1), 2);
  // A Uint8Array Map key goes in as a byte string.
  c.set_global('bm', new Map([[new Uint8Array([104, 105]), 'hi']]));
  assert.deepEqual([...c.execute_script('return bm.hi')], [104, 105]);
});

test('B18 tableAs map with strictConversion: skipped keys and non-UTF-8 keys fail', () => {
  const c = all({ tableAs: 'map', strictConversion: true });
  assert.throws(() => c.execute_script('return { [{}] = 1 }'), { message: /^strict conversion: a Lua table key of type 'table'/ });
  assert.throws(() => c.execute_script('return { ["\\255"] = 1 }'), { message: /U\+FFFD/ });
  // NUL keys keep their bytes in a JS string, and collisions cannot happen.
  const m = c.execute_script('return { ["a\\0b"] = 1, [1] = "i", ["1"] = "s" }');
  assert.equal(m.get('a\0b'), 1);
  assert.equal(m.size, 3);
  const bin = all({ tableAs: 'map', strictConversion: true, binaryStrings: true });
  assert.ok(bin.execute_script('return { ["\\255"] = 1 }') instanceof Map);
});

test('modes are per context and survive reset()', () => {
  const c = all({ tableAs: 'map', binaryStrings: true, strictConversion: true });
  const plain = all();
  c.reset();
  assert.ok(c.execute_script('return {}') instanceof Map);
  assert.ok(c.execute_script('return "s"') instanceof Uint8Array);
  assert.throws(() => c.set_global('a', [null]), { message: /^strict conversion:/ });
  assert.deepEqual(plain.execute_script('return {}'), []);
  assert.equal(plain.execute_script('return "s"'), 's');
});

test('info().bindingRefs counts converters', () => {
  const c = all();
  const refs = c.info().bindingRefs;
  assert.equal(refs.typeConverters, 0);
  assert.equal(refs.fromLuaConverters, 0);
  c.register_type_converter(() => false, () => 0);
  c.register_from_lua_converter(() => false, () => 0);
  c.register_from_lua_converter(() => false, () => 0);
  const after = c.info().bindingRefs;
  assert.equal(after.typeConverters, 1);
  assert.equal(after.fromLuaConverters, 2);
  assert.equal(after.total, refs.total + 3);
});

test('the converter methods refuse after dispose()', () => {
  const c = all();
  c.dispose();
  assert.throws(() => c.register_type_converter(() => 1, () => 1), { code: 'LUA_DISPOSED' });
  assert.throws(() => c.register_from_lua_converter(() => 1, () => 1), { code: 'LUA_DISPOSED' });
});

test('modes and converters apply to async results too', async () => {
  const c = all({ tableAs: 'map', binaryStrings: true });
  const r = await c.execute_script_async('return { k = "v" }, math.maxinteger');
  assert.ok(r[0] instanceof Map);
  const [[key, value]] = [...r[0]];
  assert.deepEqual([[...key], [...value]], [[107], [118]]);
  assert.equal(r[1], 9223372036854775807n);
  const d = all();
  d.register_from_lua_converter((v) => Array.isArray(v), (v) => v.length);
  assert.equal(await d.execute_script_async('return { 1, 2, 3 }'), 3);
});

test('B3 a Proxy of a plain object and a null-prototype object convert as objects', () => {
  const c = new lua_native.init({}, { libraries: 'all' });
  c.set_global('o', new Proxy({ x: 1 }, {}));
  assert.equal(c.execute_script('return o.x'), 1);
  c.set_global('n', Object.assign(Object.create(null), { y: 2 }));
  assert.equal(c.execute_script('return n.y'), 2);
});
