// API-SEED §10 area J: globals (items 96-106), §2.3, §2.4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx } from './helpers.mjs';

test('J96 set_global of a number, a function and an object, used in one script', () => {
  const c = new lua_native.init();
  c.set_global('x', 21);
  c.set_global('times2', (v) => v * 2);
  c.set_global('table', { b: 100, c: 'str' });
  assert.deepEqual(c.execute_script('return times2(x), table.b + 1, table.c'), [42, 101, 'str']);
});

test('J97 a global can be overwritten', () => {
  const c = new lua_native.init();
  c.set_global('v', 1);
  c.set_global('v', 'two');
  assert.equal(c.execute_script('return v'), 'two');
  c.set_global('v', { three: 3 });
  assert.equal(c.execute_script('return v.three'), 3);
});

test('J98 setting a global to null erases it', () => {
  const c = ctx(['base']);
  c.set_global('gone', 123);
  c.set_global('gone', null);
  assert.equal(c.execute_script('return gone'), null);
  assert.equal(c.execute_script('return rawget(_G, "gone") == nil'), true);
});

test('J99 a function set with set_global is callable (greet("World"))', () => {
  const c = new lua_native.init();
  c.set_global('greet', (name) => `Hello, ${name}!`);
  assert.equal(c.execute_script('return greet("World")'), 'Hello, World!');
});

test('J100 100 globals can be set and read back', () => {
  const c = new lua_native.init();
  for (let i = 0; i < 100; i++) c.set_global(`g${i}`, i * 10);
  for (let i = 0; i < 100; i++) assert.equal(c.get_global(`g${i}`), i * 10);
  assert.equal(c.execute_script('local s = 0 for i = 0, 99 do s = s + _ENV["g" .. i] end return s'), 49500);
});

test('J101 get_global returns numbers, strings, booleans and tables', () => {
  const c = new lua_native.init();
  c.set_global('n', 42);
  c.set_global('s', 'hello');
  c.set_global('b', true);
  c.set_global('t', { a: 1, b: 'two' });
  assert.equal(c.get_global('n'), 42);
  assert.equal(c.get_global('s'), 'hello');
  assert.equal(c.get_global('b'), true);
  assert.deepEqual(c.get_global('t'), { a: 1, b: 'two' });
});

test('J102 get_global returns a value assigned by Lua code', () => {
  const c = new lua_native.init();
  c.execute_script('luaVar = "from lua"; luaTbl = { 1, 2, 3 }');
  assert.equal(c.get_global('luaVar'), 'from lua');
  assert.deepEqual(c.get_global('luaTbl'), [1, 2, 3]);
});

test('J103 get_global of a missing global returns null', () => {
  const c = new lua_native.init();
  assert.equal(c.get_global('doesNotExist'), null);
});

test('J104 get_global reflects later set_global updates', () => {
  const c = new lua_native.init();
  c.set_global('val', 1);
  assert.equal(c.get_global('val'), 1);
  c.set_global('val', 2);
  assert.equal(c.get_global('val'), 2);
});

test('J105 get_global reflects modifications made by Lua (counter + 1)', () => {
  const c = new lua_native.init();
  c.set_global('counter', 5);
  c.execute_script('counter = counter + 1');
  assert.equal(c.get_global('counter'), 6);
});

test('J106 an int64 global set from the host is read back exactly and visible to scripts', () => {
  const c = ctx(['base', 'math']);
  for (const v of [2 ** 53, -(2 ** 53), 9007199254740991, 1234567890123, -(2 ** 63)]) {
    c.set_global('big', v);
    // Beyond ±(2^53-1) the integer comes back as a BigInt (EVOLUTION B3).
    assert.equal(c.get_global('big'), Math.abs(v) > Number.MAX_SAFE_INTEGER ? BigInt(v) : v);
    assert.equal(c.execute_script('return math.type(big)'), 'integer');
    assert.equal(c.execute_script(`return big == ${v === -(2 ** 63) ? 'math.mininteger' : BigInt(v).toString()}`), true);
  }
});

test('J106 (spec 2.3) names are used verbatim: "a.b" is a literal key, "" is valid', () => {
  const c = ctx(['base']);
  c.set_global('', 'empty');
  assert.equal(c.get_global(''), 'empty');
  assert.equal(c.execute_script('return _G[""]'), 'empty');
  c.set_global('x', undefined);
  assert.equal(c.execute_script('return x == nil'), true);
});

test('J104 (spec 2.4) get_global honours __index on _G', () => {
  const c = ctx(['base']);
  c.execute_script('setmetatable(_G, { __index = function(_, k) return "dyn:" .. k end })');
  assert.equal(c.get_global('whatever'), 'dyn:whatever');
});
