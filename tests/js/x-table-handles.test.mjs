// EVOLUTION.md B2 (table reference API), B20 (lazy iteration, keys(), boolean keys) and the B10
// parts about tables: LuaTableHandle.get_ref and set_metatable on handles and Proxies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';
import { RELEASED, FOREIGN, STALE, CLOSED, BUSY, NOT_USABLE, badKey, METHODS, callEach } from './handle-texts.mjs';

// ------------------------------------------------------------------ create_table / get_global_ref

test('B2 create_table: empty, from an object, from an array; the table is live on both sides', () => {
  const c = ctx(['base']);
  const empty = c.create_table();
  assert.equal(empty.length(), 0);
  assert.deepEqual(empty.pairs(), []);
  const o = c.create_table({ a: 1, s: 'x', nested: { n: true } });
  assert.equal(o.get('a'), 1);
  assert.equal(o.get('s'), 'x');
  assert.deepEqual(o.get('nested'), { n: true });
  const arr = c.create_table([10, 20, 30]);
  assert.equal(arr.length(), 3);
  assert.deepEqual(arr.ipairs(), [[1, 10], [2, 20], [3, 30]]);
  c.set_global('T', o);
  c.execute_script('T.fromLua = T.a + 1');
  assert.equal(o.get('fromLua'), 2, 'Lua-side writes are visible through the handle');
  o.set('fromJs', 'yes');
  assert.equal(c.execute_script('return T.fromJs'), 'yes', 'handle writes are visible in Lua');
  assert.equal(c.create_table(null).length(), 0, 'null is no initial value');
});

test('B2 create_table refuses what is not an object or array (TypeError)', () => {
  const c = ctx(['base']);
  for (const bad of [1, 'x', true, () => 1, Symbol('s'), 10n]) {
    throwsExactly(() => c.create_table(bad), TypeError, 'create_table(initial) requires an object or array when given', 'LUA_INVALID_ARGUMENT');
  }
  assertUsable(c);
});

test('B2 create_table of a huge array under a small maxMemory throws a memory error, no abort', () => {
  const c = new lua_native.init(undefined, { libraries: ['base'], maxMemory: 512 * 1024 });
  const big = Array.from({ length: 300_000 }, (_, i) => i);
  assert.throws(() => c.create_table(big), /memory/);
  const small = c.create_table([1, 2, 3]);
  assert.equal(small.length(), 3);
  assertUsable(c);
});

test('B2 get_global_ref: a global or a dotted path; the same table by reference', () => {
  const c = ctx(['base']);
  c.execute_script('config = { server = { port = 80 } }');
  const cfg = c.get_global_ref('config');
  const server = c.get_global_ref('config.server');
  server.set('port', 8080);
  assert.equal(c.execute_script('return config.server.port'), 8080);
  assert.deepEqual(cfg.get('server'), { port: 8080 }, 'get() deep-copies a nested table');
  c.execute_script('config.server.host = "h"');
  assert.equal(server.get('host'), 'h');
});

test('B2 get_global_ref errors: "global \'<n>\' is not a table (got <type>)"; a non-string name is a TypeError', () => {
  const c = ctx(['base']);
  c.execute_script('n = 1 s = "x" f = print b = true');
  for (const [name, type] of [['missing', 'nil'], ['n', 'number'], ['s', 'string'], ['f', 'function'], ['b', 'boolean'], ['a.b', 'nil']]) {
    throwsExactly(() => c.get_global_ref(name), Error, `global '${name}' is not a table (got ${type})`, 'LUA_NOT_A_TABLE');
  }
  for (const bad of [undefined, 1, {}, null]) {
    throwsExactly(() => c.get_global_ref(bad), TypeError, 'get_global_ref(name) requires a string name', 'LUA_INVALID_ARGUMENT');
  }
  throwsExactly(() => c.get_global_ref('a..b'), TypeError, /Invalid global path 'a\.\.b'/);
  assertUsable(c);
});

// ------------------------------------------------------------------ get / set / has / length

test('B2 get/set/has honor __index and __newindex; set with undefined or null stores nil', () => {
  const c = ctx(['base']);
  const h = c.get_global_ref('T', c.execute_script(`
    log = {}
    T = setmetatable({ real = 1 }, {
      __index = function(t, k) return "idx:" .. tostring(k) end,
      __newindex = function(t, k, v) log[#log + 1] = tostring(k) .. "=" .. tostring(v); rawset(t, k, v) end,
    })`));
  assert.equal(h.get('real'), 1);
  assert.equal(h.get('missing'), 'idx:missing');
  assert.equal(h.has('missing'), true, 'has() sees __index');
  h.set('k', 5);
  assert.deepEqual(c.execute_script('return log'), ['k=5']);
  h.set('k', undefined);
  assert.equal(c.execute_script('return rawget(T, "k")'), null);
  h.set('real', null);
  assert.equal(c.execute_script('return rawget(T, "real")'), null);
  const plain = c.create_table({ x: 1 });
  assert.equal(plain.has('x'), true);
  assert.equal(plain.has('y'), false);
  assert.equal(plain.get('y'), null);
});

test('B2 length() is # and honors __len; a non-integer __len is an error', () => {
  const c = ctx(['base']);
  assert.equal(c.create_table([1, 2, 3, 4]).length(), 4);
  c.execute_script('L = setmetatable({ 1 }, { __len = function() return 99 end }) F = setmetatable({}, { __len = function() return 1.5 end })');
  assert.equal(c.get_global_ref('L').length(), 99);
  throwsExactly(() => c.get_global_ref('F').length(), Error, 'object length is not an integer');
  assertUsable(c);
});

test('B2 key typing: integral numbers are integer keys, others float keys; strings are always strings', () => {
  const c = ctx(['base', 'math']);
  const h = c.create_table();
  c.set_global('T', h);
  h.set(1, 'int');
  h.set('1', 'str');
  h.set(1.5, 'float');
  h.set(-0, 'zero');
  h.set(2 ** 53, 'big');
  h.set(2 ** 63, 'huge');
  h.set(Infinity, 'inf');
  h.set(true, 'T');
  h.set(false, 'F');
  assert.deepEqual(c.execute_script('return T[1], T["1"], T[1.5], T[0], T[math.tointeger(2^53)], T[2^63], T[math.huge], T[true], T[false]'),
    ['int', 'str', 'float', 'zero', 'big', 'huge', 'inf', 'T', 'F']);
  assert.equal(c.execute_script('return math.type(next({ [2^63] = 1 }))'), 'float');
  assert.equal(h.get(1), 'int');
  assert.equal(h.get('1'), 'str', '"123" and 123 are distinct keys');
  assert.equal(h.get(1.0), 'int', '1.0 is the integer key 1');
  assert.equal(h.get(0), 'zero');
  assert.equal(h.get(true), 'T');
  assert.equal(h.has(false), true);
  assert.equal(h.get(5n), null);
  h.set(5n, 'bigint');
  assert.equal(h.get(5), 'bigint', 'a BigInt is an integer key');
  throwsExactly(() => h.get(2n ** 64n), RangeError, 'table key BigInt is outside the 64-bit integer range', 'LUA_INVALID_ARGUMENT');
  // NaN: reading finds nothing (as in Lua); writing is Lua's own error.
  assert.equal(h.get(NaN), null);
  assert.equal(h.has(NaN), false);
  throwsExactly(() => h.set(NaN, 1), Error, /index is NaN/);
  assertUsable(c);
});

test('B20 Uint8Array and Buffer keys are byte-string keys', () => {
  const c = ctx(['base']);
  const h = c.create_table();
  c.set_global('T', h);
  h.set(new Uint8Array([0x61, 0x00, 0xff]), 'bytes');
  assert.equal(c.execute_script('return T["a\\0\\255"]'), 'bytes');
  assert.equal(h.get(Buffer.from([0x61, 0x00, 0xff])), 'bytes');
  assert.equal(h.has(new Uint8Array([0x61])), false);
  h.set(Buffer.from('key'), 1);
  assert.equal(h.get('key'), 1);
});

test('B2 keys of other types are a TypeError with a clear text; nothing runs', () => {
  const c = ctx(['base']);
  const h = c.create_table({ a: 1 });
  const cases = [[undefined, 'undefined'], [null, 'null'], [Symbol('k'), 'symbol'], [{}, 'object'], [[1], 'object'], [() => 1, 'function'], [new Uint16Array(2), 'object'], [new ArrayBuffer(2), 'object']];
  for (const [key, type] of cases) {
    for (const f of [() => h.get(key), () => h.set(key, 1), () => h.has(key), () => h.get_ref(key)]) {
      throwsExactly(f, TypeError, badKey(type), 'LUA_INVALID_ARGUMENT');
    }
  }
  throwsExactly(() => h.get(), TypeError, badKey('undefined'));
  assert.equal(h.get('a'), 1);
  assertUsable(c);
});

// ------------------------------------------------------------------ pairs / ipairs / keys

test('B2 pairs(): [k, v] pairs from a raw snapshot; table, function, userdata and thread keys are skipped', () => {
  const c = ctx(['base', 'coroutine', 'io']);
  c.execute_script(`
    T = setmetatable({ a = 1, [2] = "two", [true] = "yes", [1.5] = "f" }, { __index = function() return "meta" end })
    T[{}] = "table key"; T[print] = "function key"; T[io.stdout] = "userdata key"; T[coroutine.create(print)] = "thread key"`);
  const h = c.get_global_ref('T');
  const pairs = h.pairs();
  const byKey = new Map(pairs.map(([k, v]) => [k, v]));
  assert.equal(pairs.length, 4);
  assert.deepEqual([...byKey.keys()].sort((x, y) => String(x).localeCompare(String(y))), [1.5, 2, 'a', true]);
  assert.equal(byKey.get('a'), 1);
  assert.equal(byKey.get(2), 'two');
  assert.equal(byKey.get(true), 'yes');
  assert.equal(byKey.get(1.5), 'f');
  const keys = h.keys();
  assert.equal(keys.length, 4);
  assert.deepEqual(new Set(keys), new Set(['a', 2, true, 1.5]));
});

test('B2 pairs() values convert as get() does: nested tables copied, functions callable', () => {
  const c = ctx(['base']);
  const h = c.get_global_ref('T', c.execute_script('T = { nested = { 1, 2 }, f = function(x) return x + 1 end }'));
  const m = new Map(h.pairs());
  assert.deepEqual(m.get('nested'), [1, 2]);
  assert.equal(m.get('f')(1), 2);
});

test('B20 keys() converts no values (a value that cannot convert does not matter)', () => {
  const c = ctx(['base', 'debug']);
  c.execute_script('T = { reg = debug.getregistry(), deep = {} } local d = T.deep for i = 1, 150 do d.c = {} d = d.c end');
  const h = c.get_global_ref('T');
  assert.deepEqual(new Set(h.keys()), new Set(['reg', 'deep']));
  assert.throws(() => h.pairs(), /registry|nesting depth/);
  assertUsable(c);
});

test('B2 ipairs(): [i, v] pairs for i = 1.. until the first nil, reading through __index as Lua does', () => {
  const c = ctx(['base']);
  assert.deepEqual(c.create_table([1, 2, null, 4]).ipairs(), [[1, 1], [2, 2]]);
  assert.deepEqual(c.create_table({ a: 1 }).ipairs(), []);
  c.execute_script('P = setmetatable({ "a" }, { __index = function(t, i) if i <= 3 then return "i" .. i end end })');
  assert.deepEqual(c.get_global_ref('P').ipairs(), [[1, 'a'], [2, 'i2'], [3, 'i3']]);
});

test('B2 pairs() of a table with 1e5 keys', () => {
  const c = ctx(['base']);
  c.execute_script('T = {} for i = 1, 1e5 do T["k" .. i] = i end');
  const h = c.get_global_ref('T');
  const pairs = h.pairs();
  assert.equal(pairs.length, 1e5);
  let sum = 0;
  for (const [, v] of pairs) sum += v;
  assert.equal(sum, (1e5 * (1e5 + 1)) / 2);
  assert.equal(h.keys().length, 1e5);
  let n = 0;
  for (const _ of h) n++;
  assert.equal(n, 1e5);
});

test('B2/B20 a __gc finalizer that adds keys while pairs(), keys() or an iteration runs cannot make them run away', () => {
  const c = ctx(['base']);
  c.execute_script(`
    T = {} for i = 1, 200 do T[i] = i end
    local added = 0
    function arm(n) for i = 1, n do setmetatable({}, { __gc = function() added = added + 1; T["gc" .. added] = added end }) end end
    function count() local n = 0 for _ in pairs(T) do n = n + 1 end return n end`);
  const h = c.get_global_ref('T');
  for (let round = 0; round < 5; round++) {
    c.execute_script('arm(500)');
    const before = c.execute_script('return count()');
    const pairs = h.pairs();
    assert.ok(pairs.length >= 200 && pairs.length <= before + 500, `pairs() gave ${pairs.length}`);
    c.execute_script('arm(500)');
    let n = 0;
    for (const _ of h) {
      n++;
      if (n % 50 === 0) c.execute_script('arm(50) collectgarbage()');
    }
    assert.ok(n <= before + 1000, `the iteration visited ${n}`);
  }
  assertUsable(c);
});

// ------------------------------------------------------------------ get_ref

test('B10 get_ref: a live handle to a nested table, through __index, independent of its parent', () => {
  const c = ctx(['base']);
  c.execute_script('T = { inner = { x = 1 } } M = setmetatable({}, { __index = { shared = { y = 2 } } })');
  const t = c.get_global_ref('T');
  const inner = t.get_ref('inner');
  inner.set('x', 10);
  assert.equal(c.execute_script('return T.inner.x'), 10, 'live, where get() would copy');
  const copy = t.get('inner');
  copy.x = 99;
  assert.equal(c.execute_script('return T.inner.x'), 10);
  const shared = c.get_global_ref('M').get_ref('shared');
  assert.equal(shared.get('y'), 2);
  t.release();
  assert.equal(inner.get('x'), 10, 'independent of its parent');
  c.execute_script('T = nil collectgarbage()');
  assert.equal(inner.get('x'), 10, 'keeps its table alive');
  const nums = c.create_table([{ a: 1 }]);
  assert.equal(nums.get_ref(1).get('a'), 1);
});

test('B10 get_ref errors: "field \'<k>\' is not a table (got <type>)"; keys are not dotted paths', () => {
  const c = ctx(['base']);
  const h = c.get_global_ref('T', c.execute_script('T = { n = 1, s = "x", a = { b = {} }, [1] = {}, [2.5] = 0, [true] = false }'));
  throwsExactly(() => h.get_ref('n'), Error, "field 'n' is not a table (got number)", 'LUA_NOT_A_TABLE');
  throwsExactly(() => h.get_ref('s'), Error, "field 's' is not a table (got string)");
  throwsExactly(() => h.get_ref('missing'), Error, "field 'missing' is not a table (got nil)");
  throwsExactly(() => h.get_ref('a.b'), Error, "field 'a.b' is not a table (got nil)");
  throwsExactly(() => h.get_ref('1'), Error, "field '1' is not a table (got nil)", 'LUA_NOT_A_TABLE');
  assert.equal(h.get_ref(1).length(), 0, 't[1] and t["1"] differ');
  throwsExactly(() => h.get_ref(2.5), Error, "field '2.5' is not a table (got number)");
  throwsExactly(() => h.get_ref(true), Error, "field 'true' is not a table (got boolean)");
});

// ------------------------------------------------------------------ release

test('B2 release(): idempotent; afterwards every method throws "table handle has been released"', () => {
  const c = ctx(['base']);
  const h = c.create_table({ a: 1 });
  h.release();
  h.release();
  for (const [name, f] of Object.entries(callEach(h))) {
    throwsExactly(f, Error, RELEASED, 'LUA_RELEASED');
    void name;
  }
  throwsExactly(() => c.set_global('x', h), Error, RELEASED, 'LUA_RELEASED');
  throwsExactly(() => c.set_metatable(h, {}), Error, RELEASED, 'LUA_RELEASED');
  assert.equal(c.get_global('x'), null);
  assertUsable(c);
});

// ------------------------------------------------------------------ [Symbol.iterator]

test('B20 for..of: [k, v] entries, values read raw and lazily, from a snapshot of the keys', () => {
  const c = ctx(['base']);
  c.execute_script('T = setmetatable({ a = 1, b = 2, c = 3, d = 4 }, { __index = function() return "meta" end })');
  const h = c.get_global_ref('T');
  const seen = new Map();
  for (const [k, v] of h) {
    if (seen.size === 0) {
      // First step: remove every other key, change one, add some.
      const others = ['a', 'b', 'c', 'd'].filter((x) => x !== k);
      c.execute_script(`T.${others[0]} = nil T.${others[1]} = "changed" T.added1 = 1 T.added2 = 2`);
      seen.set('removed', others[0]);
      seen.set('changed', others[1]);
    }
    seen.set(k, v);
  }
  assert.equal(seen.has(seen.get('removed')), false, 'a key deleted before its turn is skipped');
  assert.equal(seen.get(seen.get('changed')), 'changed', 'values are read at their turn');
  assert.equal(seen.has('added1') || seen.has('added2'), false, 'added keys are not visited');
  assert.equal(seen.size - 2, 3);
});

test('B20 each [Symbol.iterator]() is an independent cursor; the iterator is itself iterable', () => {
  const c = ctx(['base']);
  const h = c.create_table({ x: 1, y: 2 });
  const a = h[Symbol.iterator]();
  const b = h[Symbol.iterator]();
  assert.equal(a[Symbol.iterator](), a);
  const first = a.next();
  assert.equal(first.done, false);
  assert.equal([...b].length, 2);
  assert.equal([...a].length, 1);
  assert.deepEqual(a.next(), { value: undefined, done: true });
  assert.deepEqual(new Map(h), new Map([['x', 1], ['y', 2]]));
  // Breaking out ends the cursor (return()).
  const it = h[Symbol.iterator]();
  for (const _ of it) break;
  assert.deepEqual(it.next(), { value: undefined, done: true });
});

test('B20 release() ends the iteration', () => {
  const c = ctx(['base']);
  const h = c.create_table({ a: 1, b: 2, c: 3 });
  let n = 0;
  for (const _ of h) {
    n++;
    h.release();
  }
  assert.equal(n, 1);
  const h2 = c.create_table({ a: 1, b: 2 });
  const it = h2[Symbol.iterator]();
  it.next();
  c.release(h2);
  assert.deepEqual(it.next(), { value: undefined, done: true });
});

test('B20 after reset() the next step throws the stale text; after dispose() the closed one', () => {
  const c = ctx(['base']);
  const h = c.create_table({ a: 1, b: 2 });
  const it = h[Symbol.iterator]();
  it.next();
  c.reset();
  throwsExactly(() => it.next(), Error, STALE, 'LUA_STALE_HANDLE');
  throwsExactly(() => it.next(), Error, STALE, 'LUA_STALE_HANDLE');
  const d = ctx(['base']);
  const h2 = d.create_table({ a: 1, b: 2 });
  const it2 = h2[Symbol.iterator]();
  it2.next();
  d.dispose();
  throwsExactly(() => it2.next(), Error, CLOSED, 'LUA_DISPOSED');
});

test('B20 a cursor with no state throws "table iterator is not usable"; the classes cannot be constructed', () => {
  const c = ctx(['base']);
  const h = c.create_table({ a: 1 });
  const it = h[Symbol.iterator]();
  for (const bad of [{}, null, undefined, 1, h, Object.create(Object.getPrototypeOf(it))]) {
    throwsExactly(() => it.next.call(bad), TypeError, NOT_USABLE, 'LUA_INVALID_ARGUMENT');
  }
  const IterClass = Object.getPrototypeOf(it).constructor;
  throwsExactly(() => new IterClass(), TypeError, NOT_USABLE);
  const HandleClass = Object.getPrototypeOf(h).constructor;
  assert.equal(HandleClass.name, 'LuaTableHandle');
  const CONSTRUCT = 'LuaTableHandle cannot be constructed directly; use create_table(), get_global_ref() or get_ref()';
  throwsExactly(() => new HandleClass(), TypeError, CONSTRUCT, 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => HandleClass(), TypeError, CONSTRUCT);
  class Sub extends HandleClass {}
  throwsExactly(() => new Sub(), TypeError, CONSTRUCT);
  assert.ok(h instanceof HandleClass);
});

test('B2 handle methods called with a `this` that is not a handle are a TypeError, never a crash', () => {
  const c = ctx(['base']);
  const h = c.create_table({ a: 1 });
  const proto = Object.getPrototypeOf(h);
  const forged = Object.create(proto);
  for (const name of [...METHODS, 'release']) {
    for (const bad of [{}, null, undefined, 42, forged, c, () => 1]) {
      throwsExactly(() => proto[name].call(bad, 'a'), TypeError, 'Illegal invocation: not a LuaTableHandle', 'LUA_INVALID_ARGUMENT');
    }
  }
  throwsExactly(() => proto[Symbol.iterator].call({}), TypeError, 'Illegal invocation: not a LuaTableHandle');
  assert.equal(h.get('a'), 1);
});
