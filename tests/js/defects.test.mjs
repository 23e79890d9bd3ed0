// API-SEED Appendix B defects #1, #2, #3, #6, #7: the recommended behaviour
// (DECISIONS 5) must hold, and nothing may crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, DEPTH_MESSAGE, throwsExactly, assertUsable } from './helpers.mjs';

const gc = globalThis.gc;

async function collect() {
  for (let i = 0; i < 6; i++) {
    if (gc) gc();
    await new Promise((r) => setImmediate(r));
  }
}

test('B#1 error({}) gives "(error object is a table value)"', () => {
  const c = ctx(['base']);
  throwsExactly(() => c.execute_script('error({})'), Error, '(error object is a table value)', 'LUA_RUNTIME');
  throwsExactly(() => c.execute_script('error({ code = 1 })'), Error, '(error object is a table value)', 'LUA_RUNTIME');
  assertUsable(c);
});

test('B#1 error(true) / error(false) / error(function) give their type name', () => {
  const c = ctx(['base']);
  throwsExactly(() => c.execute_script('error(true)'), Error, '(error object is a boolean value)', 'LUA_RUNTIME');
  throwsExactly(() => c.execute_script('error(false)'), Error, '(error object is a boolean value)', 'LUA_RUNTIME');
  throwsExactly(() => c.execute_script('error(print)'), Error, '(error object is a function value)', 'LUA_RUNTIME');
  throwsExactly(() => c.execute_script('error(coroutine and coroutine.create(print) or print)'), Error, /^\(error object is a (function|thread) value\)$/);
  assertUsable(c);
});

test('B#1 an error table with __tostring uses it', () => {
  const c = ctx(['base']);
  throwsExactly(
    () => c.execute_script('error(setmetatable({}, { __tostring = function() return "custom error text" end }))'),
    Error,
    'custom error text',
    'LUA_RUNTIME'
  );
  assertUsable(c);
});

test('B#1 a table error from a Lua function wrapper and a host-side chain', () => {
  const c = ctx(['base']);
  const fn = c.execute_script('return function(kind) if kind == 1 then error({}) else error(setmetatable({}, { __tostring = function() return "wrapped" end })) end end');
  throwsExactly(() => fn(1), Error, '(error object is a table value)', 'LUA_RUNTIME');
  throwsExactly(() => fn(2), Error, 'wrapped', 'LUA_RUNTIME');
  // pcall in Lua still sees the original table.
  assert.deepEqual(c.execute_script('local ok, e = pcall(error, { x = 5 }) return ok, type(e), e.x'), [false, 'table', 5]);
  assertUsable(c);
});

test('B#2 get_global("_G") throws the depth Error instead of aborting', () => {
  const c = ctx(['base']);
  throwsExactly(() => c.get_global('_G'), Error, DEPTH_MESSAGE, 'LUA_CONVERSION');
  assert.equal(c.execute_script('return type(_G)'), 'table');
  assertUsable(c);
});

test('B#2 get_global of a cyclic or >100-deep plain table throws the depth Error', () => {
  const c = new lua_native.init();
  c.execute_script('a = {} b = { a = a } a.b = b');
  throwsExactly(() => c.get_global('a'), Error, DEPTH_MESSAGE, 'LUA_CONVERSION');
  c.execute_script('d = {} for i = 1, 150 do d = { child = d } end');
  throwsExactly(() => c.get_global('d'), Error, DEPTH_MESSAGE, 'LUA_CONVERSION');
  c.execute_script('ok = {} for i = 1, 100 do ok = { child = ok } end');
  let v = c.get_global('ok');
  for (let i = 0; i < 100; i++) v = v.child;
  assert.deepEqual(v, []);
  assertUsable(c);
});

test('B#3 a Lua function wrapper returning a cyclic value throws the depth Error', () => {
  const c = new lua_native.init();
  const fn = c.execute_script('return function() local t = {} t.self = t return t end');
  throwsExactly(() => fn(), Error, DEPTH_MESSAGE, 'LUA_CONVERSION');
  throwsExactly(() => fn(), Error, DEPTH_MESSAGE, 'LUA_CONVERSION');
  assertUsable(c);
});

test('B#3 a Lua function wrapper returning a too-deep value (also as a 2nd result) throws', () => {
  const c = new lua_native.init();
  const fn = c.execute_script('return function(n) local t = {} for i = 1, n do t = { child = t } end return 1, t end');
  throwsExactly(() => fn(200), Error, DEPTH_MESSAGE, 'LUA_CONVERSION');
  const [one, ok] = fn(100);
  assert.equal(one, 1);
  let v = ok;
  for (let i = 0; i < 100; i++) v = v.child;
  assert.deepEqual(v, []);
  assertUsable(c);
});

test('B#6 JS number 2**63 becomes the float 2^63 in Lua', () => {
  const c = ctx(['base', 'math']);
  c.set_global('v', 2 ** 63);
  assert.deepEqual(
    c.execute_script('return math.type(v), v == 2^63, v > 0, v == math.mininteger'),
    ['float', true, true, false]
  );
  assert.equal(c.get_global('v'), 2 ** 63);
  c.set_global('w', -(2 ** 63));
  assert.deepEqual(c.execute_script('return math.type(w), w == math.mininteger'), ['integer', true]);
  c.set_global('x', 2 ** 64);
  assert.deepEqual(c.execute_script('return math.type(x), x > 0'), ['float', true]);
  // Also as a callback result and a wrapper argument.
  const d = new lua_native.init({ big: () => 2 ** 63 }, { libraries: ['base', 'math'] });
  assert.deepEqual(d.execute_script('local b = big() return math.type(b), b > 0'), ['float', true]);
  const f = d.execute_script('return function(n) return math.type(n), n > 0 end');
  assert.deepEqual(f(2 ** 63), ['float', true]);
});

function makeOrphans() {
  const c = new lua_native.init({ host: (x) => x + 1 }, { libraries: ['base'] });
  c.execute_script('counter = 0');
  const fn = c.execute_script('return function(x) counter = counter + 1 return host(x) * 2, counter end');
  const proxy = c.execute_script('return setmetatable({ x = 41 }, { __index = function(_, k) return "idx:" .. k end })');
  return { fn, proxy };
}

test('B#7 a Lua function wrapper used after its context was garbage collected still works', async () => {
  const { fn } = makeOrphans();
  await collect();
  assert.deepEqual(fn(20), [42, 1]);
  await collect();
  assert.deepEqual(fn(1), [4, 2]);
});

test('B#7 a Proxy used after its context was garbage collected still works', async () => {
  const { proxy } = makeOrphans();
  await collect();
  assert.equal(proxy.x, 41);
  assert.equal(proxy.missing, 'idx:missing');
  proxy.y = 5;
  assert.equal(proxy.y, 5);
});
