// API-SEED §10 area I: JS callbacks (items 88-95), §3.7; DECISIONS 6 (nested functions).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx } from './helpers.mjs';

test('I88 a constructor callback is callable from Lua (add(2, 3) = 5)', () => {
  const c = new lua_native.init({ add: (a, b) => a + b });
  assert.equal(c.execute_script('return add(2, 3)'), 5);
  const d = ctx(['base'], { add: (a, b) => a + b });
  assert.equal(d.execute_script('return type(add)'), 'function');
});

test('I88 (DECISIONS 6) a JS function nested in a value is a real Lua function and creates no global', () => {
  const c = new lua_native.init({ tools: { five: () => 5, list: [(x) => x + 1] } }, { libraries: ['base', 'string'] });
  c.set_global('o', { g: () => 6, deep: { h: (a, b) => a * b } });
  assert.deepEqual(
    c.execute_script('return type(o.g), o.g(), o.deep.h(6, 7), type(tools.five), tools.five(), tools.list[1](9)'),
    ['function', 6, 42, 'function', 5, 10]
  );
  assert.equal(
    c.execute_script('local n = 0 for k in pairs(_G) do if type(k) == "string" and k:find("^__js_callback") then n = n + 1 end end return n'),
    0
  );
});

test('I88 (DECISIONS 6) a JS function returned by a callback is callable in Lua', () => {
  const c = new lua_native.init({ makeAdder: (n) => (x) => x + n }, { libraries: ['base'] });
  assert.deepEqual(c.execute_script('local f = makeAdder(10) return type(f), f(5)'), ['function', 15]);
});

test('I89 a callback can change JS state (setVar(1999))', () => {
  let stored = 0;
  const c = new lua_native.init({ setVar: (v) => { stored = v; } });
  c.execute_script('setVar(1999)');
  assert.equal(stored, 1999);
});

test('I90 a callback returning undefined yields nil (script result null)', () => {
  const c = new lua_native.init({ noReturn: () => undefined });
  assert.equal(c.execute_script('return noReturn()'), null);
  assert.equal(c.execute_script('return noReturn() == nil'), true);
});

test('I91 a callback receives exactly the arguments passed ([1, 2, 3])', () => {
  let got;
  const c = new lua_native.init({ capture: (...args) => { got = args; } });
  c.execute_script('capture(1, 2, 3)');
  assert.deepEqual(got, [1, 2, 3]);
});

test('I92 argument types arrive as number, string, boolean, null, object', () => {
  let got;
  const c = new lua_native.init({ types: (...args) => { got = args; return args.map((a) => (a === null ? 'null' : typeof a)).join(','); } });
  assert.equal(c.execute_script('return types(1, "str", true, nil, {})'), 'number,string,boolean,null,object');
  assert.deepEqual(got, [1, 'str', true, null, []]);
  c.execute_script('types({ a = 1 }, { 1, 2 }, function() return 1 end)');
  assert.deepEqual(got[0], { a: 1 });
  assert.deepEqual(got[1], [1, 2]);
  assert.equal(typeof got[2], 'function');
  assert.equal(got[2](), 1);
});

test('I93 a callback invoked 100 times in a loop runs 100 times', () => {
  let count = 0;
  const c = new lua_native.init({ tick: () => { count++; return count; } });
  assert.equal(c.execute_script('local last for i = 1, 100 do last = tick() end return last'), 100);
  assert.equal(count, 100);
});

test('I94 registering a second function under the same name makes calls use the latest one', () => {
  const c = new lua_native.init();
  c.set_global('fn', () => 'first');
  assert.equal(c.execute_script('return fn()'), 'first');
  c.set_global('fn', () => 'second');
  assert.equal(c.execute_script('return fn()'), 'second');
});

test('I95 a host function may return an array or a map, which Lua reads as a table', () => {
  const c = new lua_native.init({
    getArray: () => [10, 20, 30],
    getMap: () => ({ name: 'map', nested: { v: 7 } }),
  }, { libraries: ['base'] });
  assert.deepEqual(c.execute_script('local a = getArray() return #a, a[1], a[3], type(a)'), [3, 10, 30, 'table']);
  assert.deepEqual(c.execute_script('local m = getMap() return m.name, m.nested.v'), ['map', 7]);
  // One Lua value only: an array is one table.
  assert.equal(c.execute_script('return select("#", getArray())'), 1);
});

test('I95 (spec 3.7) callbacks receive Lua tables as fresh copies', () => {
  let received;
  const c = new lua_native.init({ take: (t) => { received = t; t.x = 99; } });
  c.execute_script('t = { x = 1 } take(t)');
  assert.deepEqual(received, { x: 99 });
  assert.equal(c.execute_script('return t.x'), 1);
});

test('I callbacks get every argument in order, up to 8 inline and past it (issue 18)', () => {
  const c = new lua_native.init({ args: (...a) => a.join(','), count: (...a) => a.length });
  for (const n of [0, 1, 7, 8, 9, 20]) {
    const list = Array.from({ length: n }, (_, i) => i + 1);
    assert.equal(c.execute_script(`return args(${list.join(', ')})`), list.join(','));
    assert.equal(c.execute_script(`return count(${list.join(', ')})`), n);
  }
  // A method's receiver goes first: 7 or 8 arguments after it cross the inline size.
  c.set_userdata('u', { tag: 'u' }, { methods: { args: (self, ...a) => `${self.tag}:${a.join(',')}` } });
  assert.equal(c.execute_script('return u:args(1, 2, 3, 4, 5, 6, 7)'), 'u:1,2,3,4,5,6,7');
  assert.equal(c.execute_script('return u:args(1, 2, 3, 4, 5, 6, 7, 8, 9)'), 'u:1,2,3,4,5,6,7,8,9');
});
