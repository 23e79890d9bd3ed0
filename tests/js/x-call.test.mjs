// EVOLUTION.md B10: call(name, ...args): a Lua function by global name or dotted path, without
// minting a wrapper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';

const notFn = (n) => `Lua global '${n}' is not a function`;

test('B10 call by name and by dotted path; results shaped like a wrapper call', () => {
  const c = ctx(['base', 'string']);
  c.execute_script(`
    function none() end
    function one(x) return x * 2 end
    function many(a, b) return a + b, a * b, nil end
    lib = { util = { greet = function(n) return "hi " .. n end } }`);
  assert.equal(c.call('none'), undefined);
  assert.equal(c.call('one', 21), 42);
  assert.deepEqual(c.call('many', 2, 3), [5, 6, null]);
  assert.equal(c.call('lib.util.greet', 'lua'), 'hi lua');
  assert.equal(c.call('string.upper', 'abc'), 'ABC');
  const wrapped = c.get_global('many');
  assert.deepEqual(c.call('many', 4, 5), wrapped(4, 5));
});

test('B10 arguments convert as for a wrapper: tables, JS callbacks, handles by reference', () => {
  const c = ctx(['base']);
  c.execute_script('function apply(f, t, h) h.seen = true return f(t.n) end');
  const h = c.create_table();
  assert.equal(c.call('apply', (x) => x + 1, { n: 41 }, h), 42);
  assert.equal(h.get('seen'), true);
});

test('B10 a non-function (nil, a value, a __call table) is refused', () => {
  const c = ctx(['base']);
  c.execute_script('n = 1 t = {} callable = setmetatable({}, { __call = function() return 1 end }) lib = {}');
  for (const name of ['missing', 'n', 't', 'callable', 'lib.nothing', 'no.such.path']) {
    throwsExactly(() => c.call(name), Error, notFn(name), 'LUA_NOT_A_FUNCTION');
  }
  assertUsable(c);
});

test('B10 a non-string name is a TypeError; a bad path is the path TypeError', () => {
  const c = ctx(['base']);
  for (const bad of [undefined, null, 1, {}, () => 1, Symbol('s')]) {
    throwsExactly(() => c.call(bad), TypeError, 'call(name, ...args) requires a string name', 'LUA_INVALID_ARGUMENT');
  }
  throwsExactly(() => c.call(), TypeError, 'call(name, ...args) requires a string name');
  throwsExactly(() => c.call('a..b'), TypeError, /Invalid global path 'a\.\.b'/);
});

test('B10 errors from the function carry the Lua message, code and traceback; the context stays usable', () => {
  const c = ctx(['base']);
  c.execute_script('function fail(m) error(m, 0) end function deep() local t = nil return t.x end');
  const e = throwsExactly(() => c.call('fail', 'boom'), Error, 'boom', 'LUA_RUNTIME');
  assert.equal(typeof e.luaTraceback, 'string');
  assert.throws(() => c.call('deep'), /attempt to index a nil value/);
  assertUsable(c);
});

test('B10 call honours limits and refuses while busy or after dispose', async () => {
  const c = new lua_native.init(undefined, { libraries: ['base'], maxInstructions: 100_000 });
  c.execute_script('function spin() while true do end end');
  throwsExactly(() => c.call('spin'), Error, /instruction limit exceeded/, 'LUA_INSTRUCTION_LIMIT');
  assertUsable(c);
  const d = ctx(['base']);
  d.execute_script('function f() return 1 end');
  const run = d.execute_script_async('local x = 0 for i = 1, 3e7 do x = x + 1 end return x');
  throwsExactly(() => d.call('f'), Error, 'Lua context is busy with an async operation', 'LUA_BUSY');
  await run;
  assert.equal(d.call('f'), 1);
  d.dispose();
  throwsExactly(() => d.call('f'), Error, 'the Lua context has been closed', 'LUA_DISPOSED');
});

test('B10 call makes no registry slot per call: memory holds steady over many calls', () => {
  const c = ctx(['base']);
  c.execute_script('function id(x) return x end');
  for (let i = 0; i < 20_000; i++) c.call('id', i);
  c.gc('collect');
  const base = c.get_memory_usage();
  for (let i = 0; i < 100_000; i++) c.call('id', i);
  c.gc('collect');
  assert.ok(c.get_memory_usage() <= base + 4096, `${c.get_memory_usage()} vs ${base}`);
});

test('B10 call from inside a callback (nested) and a metatabled _G', () => {
  const c = ctx(['base'], { again: (x) => c.call('double', x) });
  c.execute_script('function double(x) return x * 2 end');
  assert.equal(c.execute_script('return again(21)'), 42);
  c.execute_script('setmetatable(_G, { __index = function(_, k) if k == "virtual" then return function() return "v" end end end })');
  assert.equal(c.call('virtual'), 'v');
});
