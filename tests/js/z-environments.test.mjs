// EVOLUTION.md B9: create_environment(options?) and execute_script_in(env, script, options?).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';
import { RELEASED, STALE, BUSY } from './handle-texts.mjs';

const INVALID = 'LUA_INVALID_ARGUMENT';
const USAGE = 'execute_script_in(env, script) requires an environment and a script string';
const NOT_ENV = 'execute_script_in(): the first argument must be an environment or table reference';
const FOREIGN_ENV = 'environment belongs to a different Lua context';

test('B9 create_environment: whitelisted names are copied shallowly; an unset name is skipped', () => {
  const c = ctx('all');
  const env = c.create_environment({ whitelist: ['math', 'string', 'no_such_global'] });
  assert.equal(env.constructor.name, 'LuaTableHandle', 'an environment is a table handle');
  assert.deepEqual(env.keys().sort(), ['math', 'string']);
  c.set_global('E', env);
  assert.equal(c.execute_script('return E.math == math and E.string == string'), true, 'shallow: env.math === _G.math');
  assert.equal(c.execute_script('return getmetatable(E) == nil'), true, 'no metatable without inherit');
  assert.deepEqual(c.execute_script_in(env, 'return math.floor(2.5), print == nil'), [2, true]);
});

test('B9 create_environment: no options, undefined, null and {} give an empty table', () => {
  const c = ctx('all');
  for (const h of [c.create_environment(), c.create_environment(undefined), c.create_environment(null), c.create_environment({})]) {
    assert.deepEqual(h.keys(), []);
    assert.equal(c.execute_script_in(h, 'return print'), null);
  }
});

test('B9 create_environment: whitelisted reads run _G metamethods, the set is raw', () => {
  const c = ctx('all');
  c.execute_script("setmetatable(_G, { __index = function(_, k) if k == 'virtual' then return 'v' end end })");
  const env = c.create_environment({ whitelist: ['virtual'] });
  assert.equal(env.get('virtual'), 'v');
});

test('B9 create_environment: inherit installs only __index = _G; reads fall through, writes shadow', () => {
  const c = ctx('all');
  c.execute_script('shared = 1');
  const env = c.create_environment({ inherit: true });
  c.execute_script_in(env, 'shared = shared + 10');
  assert.deepEqual(c.execute_script_in(env, 'return shared, type(print)'), [11, 'function']);
  assert.equal(c.get_global('shared'), 1, 'the global is shadowed, not written');
  assert.equal(env.get('shared'), 11);
  c.set_global('E', env);
  assert.equal(c.execute_script('local mt = getmetatable(E); local n = 0 for _ in pairs(mt) do n = n + 1 end return mt.__index == _G and n == 1'), true);
  assert.equal(c.create_environment({ inherit: false }).keys().length, 0);
});

test('B9 create_environment: option errors, exact texts and codes', () => {
  const c = ctx('all');
  for (const bad of [1, 'x', true, 10n]) {
    throwsExactly(() => c.create_environment(bad), TypeError, 'create_environment() options must be an object', INVALID);
  }
  for (const bad of ['math', 1, {}, { length: 1, 0: 'x' }, null]) {
    throwsExactly(() => c.create_environment({ whitelist: bad }), TypeError, 'create_environment(): whitelist must be an array of strings', INVALID);
  }
  for (const bad of [[1], ['math', null], [{}], [Symbol('s')]]) {
    throwsExactly(() => c.create_environment({ whitelist: bad }), TypeError, 'create_environment(): whitelist entries must be strings', INVALID);
  }
  assertUsable(c);
});

test('B9 create_environment: hostile whitelists (_G, load, unknown names, 10000 entries)', () => {
  const c = ctx('all');
  const env = c.create_environment({ whitelist: ['_G', 'load', 'nope'] });
  c.set_global('E', env);
  assert.equal(c.execute_script('return E._G == _G and E.load == load and rawget(E, "nope") == nil'), true);
  // Whitelisting _G hands the real globals over: that is the host's choice, and it works as Lua does.
  assert.equal(c.execute_script_in(env, 'return _G.type(1)'), 'number');
  // load inside the env loads chunks with the real globals (Lua's rule: load's default env is _G).
  assert.equal(c.execute_script_in(env, 'return load("return type")() ~= nil'), true);
  const many = Array.from({ length: 10000 }, (_, i) => (i % 2 ? `missing_${i}` : 'math'));
  many.push('string');
  const big = c.create_environment({ whitelist: many });
  assert.deepEqual(big.keys().sort(), ['math', 'string']);
  assertUsable(c);
});

test('B9 execute_script_in: runs with env as _ENV; results shaped as execute_script; globals untouched', () => {
  const c = ctx('all');
  const env = c.create_table({ x: 40 });
  assert.equal(c.execute_script_in(env, 'y = x + 2; return y'), 42);
  assert.equal(env.get('y'), 42);
  assert.equal(c.get_global('y'), null);
  assert.equal(c.execute_script_in(env, ''), undefined);
  assert.deepEqual(c.execute_script_in(env, 'return 1, "a", nil'), c.execute_script('return 1, "a", nil'));
  assert.deepEqual(c.execute_script_in(env, 'return {1, 2}'), [1, 2]);
  // Any table handle of the context: get_global_ref, get_ref.
  c.execute_script('box = { inner = { z = 5 } }');
  assert.equal(c.execute_script_in(c.get_global_ref('box').get_ref('inner'), 'return z'), 5);
  // A table Proxy (LuaTableRef) of the context is a table reference too.
  const proxy = c.execute_script('return setmetatable({ w = 9 }, {})');
  assert.equal(c.execute_script_in(proxy, 'return w'), 9);
});

test('B9 execute_script_in: chunkName, errors and tracebacks as execute_script', () => {
  const c = ctx('all');
  const env = c.create_environment({ whitelist: ['error'] });
  const e = throwsExactly(() => c.execute_script_in(env, '\nerror("boom")', { chunkName: '@env.lua' }), Error, 'env.lua:2: boom', 'LUA_RUNTIME');
  assert.ok(e.luaTraceback === undefined || typeof e.luaTraceback === 'string');
  throwsExactly(() => c.execute_script_in(env, 'error("x")', { chunkName: '=raw' }), Error, 'raw:1: x');
  throwsExactly(() => c.execute_script_in(env, 'return print("x")'), Error, /attempt to call a nil value \(global 'print'\)/);
  throwsExactly(() => c.execute_script_in(env, 'return +'), Error, /unexpected symbol/, 'LUA_SYNTAX');
  throwsExactly(() => c.execute_script_in(env, 'return 1', 5), TypeError, 'execute_script_in() options must be an object', INVALID);
  throwsExactly(() => c.execute_script_in(env, 'return 1', { chunkName: 5 }), TypeError, 'execute_script_in() chunkName must be a string', INVALID);
  assert.equal(c.execute_script_in(env, 'return 1', { chunkName: '' }), 1);
  assert.equal(c.execute_script_in(env, 'return 1', null), 1);
});

test('B9 execute_script_in: JS errors thrown by callbacks come back as themselves', () => {
  const thrown = new RangeError('from js');
  const c = ctx('all', { fail: () => { throw thrown; } });
  const env = c.create_environment({ whitelist: ['fail'] });
  assert.throws(() => c.execute_script_in(env, 'fail()'), (e) => e === thrown);
  assertUsable(c);
});

test('B9 execute_script_in: argument errors, exact texts and codes', () => {
  const c = ctx('all');
  const env = c.create_environment();
  throwsExactly(() => c.execute_script_in(), TypeError, USAGE, INVALID);
  throwsExactly(() => c.execute_script_in(env), TypeError, USAGE, INVALID);
  throwsExactly(() => c.execute_script_in(env, 5), TypeError, USAGE, INVALID);
  for (const bad of [undefined, null, 1, 'x', {}, [], () => 1, c.execute_script('return function() end')]) {
    throwsExactly(() => c.execute_script_in(bad, 'return 1'), TypeError, NOT_ENV, INVALID);
  }
  const other = ctx('all');
  throwsExactly(() => c.execute_script_in(other.create_environment(), 'return 1'), Error, FOREIGN_ENV, 'LUA_FOREIGN_CONTEXT');
  throwsExactly(() => c.execute_script_in(other.execute_script('return setmetatable({}, {})'), 'return 1'), Error, FOREIGN_ENV, 'LUA_FOREIGN_CONTEXT');
  assertUsable(c);
});

test('B9 hostile: a released env, an env stale after reset()', () => {
  const c = ctx('all');
  const env = c.create_environment({ whitelist: ['math'] });
  env.release();
  throwsExactly(() => c.execute_script_in(env, 'return 1'), Error, RELEASED, 'LUA_RELEASED');
  const env2 = c.create_environment({ whitelist: ['math'] });
  c.release(env2);
  throwsExactly(() => c.execute_script_in(env2, 'return 1'), Error, RELEASED, 'LUA_RELEASED');
  const stale = c.create_environment({ inherit: true });
  c.reset();
  throwsExactly(() => c.execute_script_in(stale, 'return 1'), Error, STALE, 'LUA_STALE_HANDLE');
  assertUsable(c);
});

test('B9 hostile: an env whose __index errors or loops; limits still stop it', () => {
  const c = new lua_native.init({}, { libraries: 'all', maxInstructions: 100000 });
  const erring = c.execute_script('return setmetatable({}, { __index = function(_, k) error("no " .. k) end })');
  throwsExactly(() => c.execute_script_in(erring, 'return anything'), Error, /no anything/, 'LUA_RUNTIME');
  const looping = c.create_table();
  c.set_global('L', looping);
  c.execute_script('setmetatable(L, { __index = function() while true do end end })');
  throwsExactly(() => c.execute_script_in(looping, 'return anything'), Error, /instruction limit exceeded$/);
  const cyclic = c.execute_script('local t = {} return setmetatable(t, { __index = t })');
  // rawequal __index chains to itself: Lua stops it ('__index' chain too long; possible loop).
  throwsExactly(() => c.execute_script_in(cyclic, 'return anything'), Error, /loop/);
  assertUsable(c);
});

test('B9 hostile: a script that clears _ENV or sets its metatable stays inside its env', () => {
  const c = ctx('all');
  const env = c.create_environment({ whitelist: ['setmetatable', 'type'] });
  throwsExactly(() => c.execute_script_in(env, '_ENV = nil; return print'), Error, /attempt to index a nil value/);
  assert.equal(c.execute_script_in(env, 'local t = setmetatable(_ENV, { __index = function() return 7 end }); return t == _ENV and print'), 7);
  assert.equal(c.execute_script('return type(print)'), 'function', 'the real globals are untouched');
  assert.equal(c.execute_script('return getmetatable(_G)'), null);
  assertUsable(c);
});

test('B9 the seal holds inside an environment: in "safe", a whitelisted load reads text only', () => {
  const c = ctx('safe');
  const env = c.create_environment({ whitelist: ['load', 'string'] });
  const [ok, msg] = c.execute_script_in(env, 'return load(string.dump(function() return 1 end))');
  assert.equal(ok, null);
  assert.match(msg, /binary|text chunk|mode/);
  assert.equal(c.execute_script_in(env, 'return load("return 5")()'), 5);
});

test('B9 busy and disposed contexts refuse both methods', async () => {
  const c = ctx('all');
  const env = c.create_environment({ whitelist: ['math'] });
  const p = c.execute_script_async('local x = 0 for i = 1, 2e6 do x = x + i end return x');
  throwsExactly(() => c.create_environment(), Error, BUSY, 'LUA_BUSY');
  throwsExactly(() => c.execute_script_in(env, 'return 1'), Error, BUSY, 'LUA_BUSY');
  await p;
  assert.equal(c.execute_script_in(env, 'return math.abs(-3)'), 3);
  c.dispose();
  assert.throws(() => c.create_environment());
  throwsExactly(() => c.execute_script_in(env, 'return 1'), Error, undefined, 'LUA_DISPOSED');
});
