// EVOLUTION.md B8: release(value) for Lua function wrappers, coroutine objects, Proxies of
// metatabled tables (LuaTableRef) and LuaTableHandles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';

const FN = 'Lua function has been released';
const CO = 'coroutine has been released';
const TABLE = 'table handle has been released';
const FOREIGN = 'value belongs to a different Lua context';
const NOT_LUA_FN = 'release(value): the function is not a Lua function reference';
const NOT_A_REF = 'release(value) requires a Lua function, coroutine, or table reference';
const BUSY = 'Lua context is busy with an async operation';

test('B8 a released Lua function throws when called from JS and when pushed back into Lua; release is idempotent', () => {
  const c = ctx(['base']);
  const fn = c.execute_script('return function(x) return x * 2 end');
  assert.equal(fn(2), 4);
  assert.equal(c.release(fn), undefined);
  assert.equal(c.release(fn), undefined, 'idempotent');
  throwsExactly(() => fn(2), Error, FN, 'LUA_RELEASED');
  throwsExactly(() => c.set_global('f', fn), Error, FN, 'LUA_RELEASED');
  throwsExactly(() => c.set_global('a.b', fn), Error, FN, 'LUA_RELEASED');
  throwsExactly(() => c.set_global('o', { f: fn }), Error, FN, 'LUA_RELEASED');
  const other = c.execute_script('return function(...) return select("#", ...) end');
  throwsExactly(() => other(fn), Error, FN, 'LUA_RELEASED');
  throwsExactly(() => c.call('tostring', fn), Error, FN, 'LUA_RELEASED');
  throwsExactly(() => c.set_metatable('T', { __index: fn }), Error, FN);
  assert.equal(c.get_global('f'), null, 'nothing was written');
  assertUsable(c);
});

test('B8 a function released from inside its own call finishes that call', () => {
  let fn;
  const c = ctx(['base'], { drop: () => c.release(fn) });
  fn = c.execute_script('return function() drop() return "finished" end');
  assert.equal(fn(), 'finished');
  throwsExactly(() => fn(), Error, FN, 'LUA_RELEASED');
  // The Lua function itself is untouched: Lua still holds it where it was stored.
  c.execute_script('G = function() return 7 end');
  const g = c.get_global('G');
  c.release(g);
  assert.equal(c.execute_script('return G()'), 7);
  assert.equal(c.get_global('G')(), 7, 'a new wrapper works');
});

test('B8 a released coroutine is refused by resume; <close> variables do not run', () => {
  const c = ctx(['base', 'coroutine']);
  c.execute_script('closed = false');
  const co = c.create_coroutine('return function() local x <close> = setmetatable({}, { __close = function() closed = true end }) coroutine.yield(1) end');
  assert.deepEqual(c.resume(co), { status: 'suspended', values: [1] });
  c.release(co);
  c.release(co);
  throwsExactly(() => c.resume(co), Error, CO, 'LUA_RELEASED');
  c.gc('collect');
  assert.equal(c.execute_script('return closed'), false);
  const fromLua = c.execute_script('return coroutine.create(function() end)');
  c.release(fromLua);
  throwsExactly(() => c.resume(fromLua), Error, CO);
  assertUsable(c);
});

test('B8 a released Proxy throws "table handle has been released" in every trap and when pushed', () => {
  const c = ctx(['base']);
  const p = c.execute_script('T = setmetatable({ x = 1 }, { __index = function() return "i" end }) return T');
  assert.equal(p.x, 1);
  c.release(p);
  c.release(p);
  throwsExactly(() => p.x, Error, TABLE, 'LUA_RELEASED');
  throwsExactly(() => { p.y = 1; }, Error, TABLE, 'LUA_RELEASED');
  throwsExactly(() => 'x' in p, Error, TABLE);
  throwsExactly(() => Object.keys(p), Error, TABLE);
  throwsExactly(() => Object.getOwnPropertyDescriptor(p, 'x'), Error, TABLE);
  throwsExactly(() => c.set_global('q', p), Error, TABLE, 'LUA_RELEASED');
  assert.equal(c.execute_script('return T.x'), 1, 'the table itself lives on in Lua');
  assertUsable(c);
});

test('B8 a released table handle (context method and handle method agree)', () => {
  const c = ctx(['base']);
  const h = c.create_table({ a: 1 });
  c.release(h);
  h.release();
  c.release(h);
  throwsExactly(() => h.get('a'), Error, TABLE, 'LUA_RELEASED');
  throwsExactly(() => c.set_global('x', h), Error, TABLE, 'LUA_RELEASED');
});

test('B8 wrong values: a plain JS function and anything else are TypeErrors', () => {
  const c = ctx(['base']);
  throwsExactly(() => c.release(() => 1), TypeError, NOT_LUA_FN, 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.release(function named() {}), TypeError, NOT_LUA_FN);
  const io = ctx(['base', 'io']).execute_script('return io.stdout');
  for (const bad of [undefined, null, 1, 'x', true, 1n, Symbol('s'), {}, [], { _coroutine: 1 }, { _tableRef: {} }, io, new Proxy({}, {})]) {
    throwsExactly(() => c.release(bad), TypeError, NOT_A_REF, 'LUA_INVALID_ARGUMENT');
  }
  throwsExactly(() => c.release(), TypeError, NOT_A_REF);
  const getter = { get _coroutine() { throw new Error('getter'); } };
  throwsExactly(() => c.release(getter), TypeError, NOT_A_REF);
  assertUsable(c);
});

test('B8 values of another context, and from before reset(): "value belongs to a different Lua context"', () => {
  const a = ctx(['base', 'coroutine']);
  const b = ctx(['base']);
  const fn = a.execute_script('return function() return 1 end');
  const co = a.create_coroutine('return function() end');
  const p = a.execute_script('return setmetatable({}, {})');
  const h = a.create_table();
  for (const v of [fn, co, p, h]) throwsExactly(() => b.release(v), Error, FOREIGN, 'LUA_FOREIGN_CONTEXT');
  assert.equal(fn(), 1, 'nothing was released');
  assert.equal(h.length(), 0);
  a.reset();
  for (const v of [fn, co, p, h]) throwsExactly(() => a.release(v), Error, FOREIGN, 'LUA_FOREIGN_CONTEXT');
});

test('B8 release throws while busy, and after dispose()', async () => {
  const c = ctx(['base']);
  const fn = c.execute_script('return function() return 1 end');
  const run = c.execute_script_async('local x = 0 for i = 1, 3e7 do x = x + 1 end return x');
  throwsExactly(() => c.release(fn), Error, BUSY, 'LUA_BUSY');
  await run;
  assert.equal(fn(), 1);
  c.dispose();
  throwsExactly(() => c.release(fn), Error, 'the Lua context has been closed', 'LUA_DISPOSED');
});

test('B8 released values free their slots: memory holds steady over many create/release rounds', () => {
  const c = ctx(['base', 'coroutine']);
  c.execute_script('function mk() return function() end end T = setmetatable({}, {})');
  const round = () => {
    for (let i = 0; i < 5000; i++) {
      c.release(c.execute_script('return mk()'));
      c.release(c.get_global('T'));
      c.release(c.create_table());
    }
  };
  round();
  c.gc('collect');
  const base = c.get_memory_usage();
  for (let k = 0; k < 3; k++) round();
  c.gc('collect');
  assert.ok(c.get_memory_usage() <= base + 16 * 1024, `${c.get_memory_usage()} vs ${base}`);
});
