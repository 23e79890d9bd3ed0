// API-SEED §10 area H: Lua functions returned to JS (items 77-87), §3.7; DECISIONS 6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx } from './helpers.mjs';

test('H77 a returned Lua function is a JS function giving correct results on repeated calls', () => {
  const c = new lua_native.init();
  const add = c.execute_script('return function(a, b) return a + b end');
  assert.equal(typeof add, 'function');
  assert.equal(add(5, 3), 8);
  assert.equal(add(10, 20), 30);
  assert.equal(add(1.5, 2), 3.5);
});

test('H77 (spec 3.7) each conversion makes a new wrapper named luaFunction with length 0', () => {
  const c = new lua_native.init();
  c.execute_script('function f() return 1 end');
  const a = c.get_global('f');
  const b = c.get_global('f');
  assert.equal(typeof a, 'function');
  assert.notEqual(a, b);
  assert.equal(a.name, 'luaFunction');
  assert.equal(a.length, 0);
  assert.equal(a(), 1);
  assert.equal(b(), 1);
});

test('H77 (DECISIONS 6) a Lua function handed back to Lua is the same Lua function', () => {
  const c = new lua_native.init({ echo: (f) => f, wrap: (f) => ({ inner: f }) }, { libraries: ['base'] });
  c.execute_script('function lf(x) return x * 3 end');
  const w = c.get_global('lf');
  c.set_global('again', w);
  assert.equal(c.execute_script('return rawequal(again, lf)'), true);
  assert.deepEqual(c.execute_script('return type(again), again(4)'), ['function', 12]);
  assert.equal(c.execute_script('return rawequal(echo(lf), lf)'), true);
  assert.equal(c.execute_script('return rawequal(wrap(lf).inner, lf)'), true);
  c.set_global('holder', { fn: w, list: [w] });
  assert.equal(c.execute_script('return rawequal(holder.fn, lf) and rawequal(holder.list[1], lf)'), true);
  // Passing the wrapper as an argument to another wrapper also gives the same function.
  const same = c.execute_script('return function(g) return rawequal(g, lf) end');
  assert.equal(same(w), true);
});

test('H78 a returned Lua function can call JS callbacks (jsDouble(5) + 10 = 20)', () => {
  const c = new lua_native.init({ jsDouble: (x) => x * 2 });
  const fn = c.execute_script('return function(x) return jsDouble(x) + 10 end');
  assert.equal(fn(5), 20);
  assert.equal(fn(0), 10);
});

test('H79 a returned function with three results gives [13, 7, 30]', () => {
  const c = new lua_native.init();
  const fn = c.execute_script('return function(a, b) return a + b, a - b, a * b end');
  assert.deepEqual(fn(10, 3), [13, 7, 30]);
});

test('H80 closures keep their state across calls (11, 12, 13)', () => {
  const c = new lua_native.init();
  const counter = c.execute_script('local n = 10 return function() n = n + 1 return n end');
  assert.equal(counter(), 11);
  assert.equal(counter(), 12);
  assert.equal(counter(), 13);
  // A second closure has its own state.
  const other = c.execute_script('local n = 10 return function() n = n + 1 return n end');
  assert.equal(other(), 11);
  assert.equal(counter(), 14);
});

test('H81 a zero-argument function works (42)', () => {
  const c = new lua_native.init();
  const fn = c.execute_script('return function() return 42 end');
  assert.equal(fn(), 42);
});

test('H82 a ten-argument function works (55)', () => {
  const c = new lua_native.init();
  const fn = c.execute_script('return function(a, b, c, d, e, f, g, h, i, j) return a + b + c + d + e + f + g + h + i + j end');
  assert.equal(fn(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 55);
});

test('H82 (spec 3.2) wrapper arguments undefined/null arrive as nil with the count kept', () => {
  const c = ctx(['base']);
  const fn = c.execute_script('return function(...) return select("#", ...), ... == nil end');
  assert.deepEqual(fn(undefined, null, undefined), [3, true]);
  assert.deepEqual(fn(), [0, true]);
});

test('H83 a function returning nil gives null', () => {
  const c = new lua_native.init();
  const fn = c.execute_script('return function() return nil end');
  assert.equal(fn(), null);
});

test('H84 a function without return gives undefined and its side effects happen', () => {
  const seen = [];
  const c = new lua_native.init({ record: (v) => { seen.push(v); } });
  const fn = c.execute_script('return function(x) record(x) sideEffect = x end');
  assert.equal(fn('called'), undefined);
  assert.deepEqual(seen, ['called']);
  assert.equal(c.get_global('sideEffect'), 'called');
});

test('H85 the same function can be called 100 times', () => {
  const c = new lua_native.init();
  const sq = c.execute_script('calls = 0 return function(x) calls = calls + 1 return x * x end');
  for (let i = 0; i < 100; i++) assert.equal(sq(i), i * i);
  assert.equal(c.get_global('calls'), 100);
});

test('H86 three functions returned together are all callable', () => {
  const c = new lua_native.init();
  const fns = c.execute_script(`
    return function(a, b) return a + b end,
           function(a, b) return a - b end,
           function(a, b) return a * b end`);
  assert.ok(Array.isArray(fns));
  assert.equal(fns.length, 3);
  const [add, sub, mul] = fns;
  assert.equal(add(6, 2), 8);
  assert.equal(sub(6, 2), 4);
  assert.equal(mul(6, 2), 12);
});

test('H87 a recursive local function returned to JS works (10! = 3628800)', () => {
  const c = new lua_native.init();
  const fact = c.execute_script('local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end return fact');
  assert.equal(fact(10), 3628800);
  assert.equal(fact(1), 1);
});

test('H87 (spec 3.7) get_global of a JS host function gives a callable wrapper (JS -> Lua -> JS)', () => {
  const c = new lua_native.init({ triple: (x) => x * 3 });
  const t = c.get_global('triple');
  assert.equal(typeof t, 'function');
  assert.equal(t(7), 21);
});
