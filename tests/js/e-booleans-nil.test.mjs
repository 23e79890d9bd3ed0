// API-SEED §10 area E: booleans and nil (items 44-50), §3.2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx } from './helpers.mjs';

test('E44 true is returned', () => {
  const c = new lua_native.init();
  assert.equal(c.execute_script('return true'), true);
  c.set_global('t', true);
  assert.equal(c.execute_script('return t == true'), true);
});

test('E45 false is returned', () => {
  const c = new lua_native.init();
  assert.equal(c.execute_script('return false'), false);
  c.set_global('f', false);
  assert.equal(c.execute_script('return f == false'), true);
});

test('E46 comparison results (1 > 0, 1 < 0) are booleans', () => {
  const c = new lua_native.init();
  assert.equal(c.execute_script('return 1 > 0'), true);
  assert.equal(c.execute_script('return 1 < 0'), false);
  assert.deepEqual(c.execute_script('return 1 == 1, "a" ~= "a"'), [true, false]);
});

test('E47 a nil argument reaches a JS callback as null (count preserved)', () => {
  const calls = [];
  const c = new lua_native.init({ f: (...args) => { calls.push(args); } });
  c.execute_script('f(nil)');
  c.execute_script('f(1, nil, nil)');
  c.execute_script('f()');
  assert.deepEqual(calls, [[null], [1, null, null], []]);
});

test('E48 set_global(name, null) makes the Lua global nil', () => {
  const c = new lua_native.init();
  c.set_global('nullVal', 'something');
  assert.equal(c.execute_script('return nullVal == nil'), false);
  c.set_global('nullVal', null);
  assert.equal(c.execute_script('return nullVal == nil'), true);
  c.set_global('undefVal', 5);
  c.set_global('undefVal', undefined);
  assert.equal(c.execute_script('return undefVal == nil'), true);
  assert.equal(c.get_global('undefVal'), null);
});

test('E49 reading an undefined Lua variable returns null without error', () => {
  const c = new lua_native.init();
  assert.equal(c.execute_script('return undefinedVar'), null);
  assert.deepEqual(c.execute_script('return missing1, missing2'), [null, null]);
  assert.equal(c.get_global('undefinedVar'), null);
});

test('E50 return true, false, nil yields boolean, boolean, nil', () => {
  const c = new lua_native.init();
  assert.deepEqual(c.execute_script('return true, false, nil'), [true, false, null]);
});

test('E47 (spec 3.2) a callback returning undefined yields exactly one nil', () => {
  const c = new lua_native.init({ noReturn: () => {} }, { libraries: ['base'] });
  assert.equal(c.execute_script('return noReturn()'), null);
  assert.equal(c.execute_script('return select("#", noReturn())'), 1);
});

test('E47 (spec 3.2) null/undefined properties of JS objects are absent in Lua', () => {
  const c = ctx(['base']);
  c.set_global('o', { a: null, b: undefined, c: 1 });
  assert.deepEqual(c.execute_script('return o.a == nil, o.b == nil, o.c'), [true, true, 1]);
  c.set_global('e', { a: null });
  assert.equal(c.execute_script('return next(e) == nil'), true);
  assert.deepEqual(c.get_global('e'), []);
});
