// API-SEED §10 area D: numbers (items 35-43), §3.3.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx } from './helpers.mjs';

test('D35 0 is returned as 0', () => {
  const c = new lua_native.init();
  const r = c.execute_script('return 0');
  assert.equal(r, 0);
  assert.ok(Object.is(r, 0), 'integer 0 is +0');
  c.set_global('z', 0);
  assert.ok(Object.is(c.execute_script('return z'), 0));
});

test('D35 (spec 3.3, EVOLUTION B3 / CR-20 F3) -0.0 from Lua is -0; JS -0 stays a float -0', () => {
  const c = ctx(['base', 'math']);
  assert.ok(Object.is(c.execute_script('return -0.0'), -0));
  c.set_global('nz', -0);
  assert.equal(c.execute_script('return math.type(nz)'), 'float');
  assert.equal(c.execute_script('return 1 / nz'), -Infinity);
  assert.ok(Object.is(c.get_global('nz'), -0));
});

test('D36 negative integer -42 and negative float -3.14 are returned', () => {
  const c = new lua_native.init();
  assert.equal(c.execute_script('return -42'), -42);
  assert.equal(c.execute_script('return -3.14'), -3.14);
  c.set_global('n', -42);
  c.set_global('f', -3.14);
  assert.deepEqual(c.execute_script('return n, f, n * 2, f * 2'), [-42, -3.14, -84, -6.28]);
});

test('D37 9007199254740991 (2^53-1) is exact', () => {
  const c = new lua_native.init();
  assert.equal(c.execute_script('return 9007199254740991'), 9007199254740991);
  c.set_global('max', Number.MAX_SAFE_INTEGER);
  assert.equal(c.execute_script('return max == 9007199254740991'), true);
  assert.equal(c.execute_script('return max'), Number.MAX_SAFE_INTEGER);
});

test('D38 floats 3.14159265359 and 0.1+0.2 are returned', () => {
  const c = new lua_native.init();
  assert.equal(c.execute_script('return 3.14159265359'), 3.14159265359);
  const r = c.execute_script('return 0.1 + 0.2');
  assert.ok(Math.abs(r - 0.3) < 1e-10);
  assert.equal(r, 0.1 + 0.2);
});

test('D39 a very small float (1e-10) is returned', () => {
  const c = new lua_native.init();
  assert.equal(c.execute_script('return 1e-10'), 1e-10);
  c.set_global('tiny', 5e-324);
  assert.equal(c.execute_script('return tiny'), 5e-324);
});

test('D40 math.huge gives Infinity', () => {
  const c = ctx(['math']);
  assert.equal(c.execute_script('return math.huge'), Infinity);
});

test('D41 -math.huge gives -Infinity', () => {
  const c = ctx(['math']);
  assert.equal(c.execute_script('return -math.huge'), -Infinity);
});

test('D42 maxinteger/mininteger are 64-bit integers in Lua; 1.5 stays a float', () => {
  const c = ctx(['base', 'math']);
  assert.deepEqual(
    c.execute_script('return math.type(math.maxinteger), math.type(math.mininteger), math.type(1.5), math.maxinteger == 9223372036854775807, math.mininteger + 1 == -9223372036854775807'),
    ['integer', 'integer', 'float', true, true]
  );
  // Integers beyond ±(2^53-1) come to JS as BigInt (EVOLUTION B3).
  assert.equal(c.execute_script('return math.maxinteger'), 9223372036854775807n);
  assert.equal(c.execute_script('return math.mininteger'), -9223372036854775808n);
  assert.equal(c.execute_script('return 9007199254740993'), 9007199254740993n);
  assert.equal(c.execute_script('return 1.5'), 1.5);
  // JS numbers: integral -> integer, fractional/NaN/Infinity/huge -> float.
  for (const [v, t] of [[42, 'integer'], [1.0, 'integer'], [2 ** 53, 'integer'], [-(2 ** 63), 'integer'], [42.5, 'float'], [NaN, 'float'], [Infinity, 'float'], [1e300, 'float']]) {
    c.set_global('v', v);
    assert.equal(c.execute_script('return math.type(v)'), t, `math.type of ${v}`);
  }
  c.set_global('v', -(2 ** 63));
  assert.equal(c.execute_script('return v == math.mininteger'), true);
});

test('D43 0/0 gives NaN and +-huge give +-Infinity as floats', () => {
  const c = ctx(['base', 'math']);
  const [nan, pinf, ninf] = c.execute_script('return 0/0, math.huge, -math.huge');
  assert.ok(Number.isNaN(nan));
  assert.equal(pinf, Infinity);
  assert.equal(ninf, -Infinity);
  assert.deepEqual(c.execute_script('return math.type(0/0), math.type(math.huge), math.type(-math.huge)'), ['float', 'float', 'float']);
  c.set_global('n', NaN);
  c.set_global('i', -Infinity);
  assert.deepEqual(c.execute_script('return n ~= n, i == -math.huge'), [true, true]);
  assert.ok(Number.isNaN(c.get_global('n')));
});

test('D43 (spec 3.3; EVOLUTION B3) BigInt becomes a Lua integer', () => {
  const c = ctx(['base', 'math']);
  c.set_global('big', 10n);
  assert.deepEqual(c.execute_script('return math.type(big), big'), ['integer', 10]);
});
