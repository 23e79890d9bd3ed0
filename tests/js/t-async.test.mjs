// API-SEED §10 area T: async execution (items 233-250), §7; Appendix B #8 #9 are in appendix-b.test.mjs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lua_native, { fixtures } from './load.mjs';
import { ctx, throwsExactly, assertUsable, rejection } from './helpers.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-native-t-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
function file(name, text) {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

/** Lua source that keeps the worker busy for a while (~100-300 ms) and returns `value`. */
const SLOW = (value = 'done') => `local x = 0 for i = 1, 2e7 do x = x + i % 7 end return ${JSON.stringify(value)}`;

test('T233 execute_script_async resolves with the value (42)', async () => {
  const c = new lua_native.init();
  const p = c.execute_script_async('return 42');
  assert.ok(p instanceof Promise);
  assert.equal(await p, 42);
});

test('T234 several results resolve as an array', async () => {
  const c = new lua_native.init();
  assert.deepEqual(await c.execute_script_async('return 1, "two", true, nil'), [1, 'two', true, null]);
});

test('T235 no result resolves as undefined; nil resolves as null', async () => {
  const c = new lua_native.init();
  assert.equal(await c.execute_script_async('local x = 1'), undefined);
  assert.equal(await c.execute_script_async('return nil'), null);
});

test('T236 a Lua error rejects (message contains "boom")', async () => {
  const c = ctx(['base']);
  const e = await rejection(c.execute_script_async("error('boom')"));
  assert.ok(e instanceof Error);
  assert.equal(e.message, `[string "error('boom')"]:1: boom`);
  assert.equal(e.code, 'LUA_RUNTIME');
  assert.equal(c.is_busy(), false);
  assertUsable(c);
});

test('T237 a syntax error rejects', async () => {
  const c = new lua_native.init();
  const e = await rejection(c.execute_script_async('return +'));
  assert.ok(e instanceof Error);
  assert.equal(e.message, `[string "return +"]:1: unexpected symbol near '+'`);
  assert.equal(e.code, 'LUA_SYNTAX');
});

test('T238 calling a JS callback rejects with a message containing "async mode"', async () => {
  let called = false;
  const c = new lua_native.init({ greet: () => { called = true; return 'hi'; } }, { libraries: ['base'] });
  const e = await rejection(c.execute_script_async('return greet()'));
  assert.equal(e.message, `[string "return greet()"]:1: JS callbacks are not available in async mode (called 'greet')`);
  assert.match(e.message, /async mode/);
  assert.equal(called, false);
  // pcall catches it, without a position prefix.
  assert.deepEqual(
    await c.execute_script_async('return pcall(greet)'),
    [false, "JS callbacks are not available in async mode (called 'greet')"]
  );
  assert.equal(called, false);
});

test('T239 standard-library functions work asynchronously', async () => {
  const c = ctx(['base', 'string', 'math', 'table']);
  assert.deepEqual(
    await c.execute_script_async('local t = { 3, 1, 2 } table.sort(t) return string.upper("abc"), math.floor(3.7), table.concat(t, ","), tostring(12)'),
    ['ABC', 3, '1,2,3', '12']
  );
});

test('T240 tables resolve as objects (and arrays)', async () => {
  const c = new lua_native.init();
  assert.deepEqual(await c.execute_script_async('return { name = "x", list = { 1, 2 }, deep = { ok = true } }'), { name: 'x', list: [1, 2], deep: { ok: true } });
  assert.deepEqual(await c.execute_script_async('return {}'), []);
});

test('T241 is_busy() is true while running and false after completion (already inside .then)', async () => {
  const c = ctx(['base']);
  assert.equal(c.is_busy(), false);
  const p = c.execute_script_async(SLOW(1));
  assert.equal(c.is_busy(), true);
  let inThen;
  await p.then(() => { inThen = c.is_busy(); });
  assert.equal(inThen, false);
  assert.equal(c.is_busy(), false);
  const q = c.execute_script_async('error("x")');
  assert.equal(c.is_busy(), true);
  let inCatch;
  await q.catch(() => { inCatch = c.is_busy(); });
  assert.equal(inCatch, false);
  assert.equal(c.is_busy(42, 'ignored'), false);
});

test('T242 synchronous calls work after an async call completed, and state is shared', async () => {
  const c = ctx(['base']);
  await c.execute_script_async('fromAsync = 41');
  assert.equal(c.execute_script('return fromAsync + 1'), 42);
  c.set_global('fromSync', 'yes');
  assert.equal(await c.execute_script_async('return fromSync'), 'yes');
  assertUsable(c);
});

test('T243 execute_file_async resolves with the file value', async () => {
  const c = new lua_native.init();
  assert.deepEqual(await c.execute_file_async(path.join(fixtures, 'ok.lua')), [7, 'file']);
  assert.deepEqual(await c.execute_file_async(file('a.lua', 'return { v = 1 }')), { v: 1 });
});

test('T244 execute_file_async rejects for a missing file (and for an empty path)', async () => {
  const c = ctx(['base']);
  const missing = path.join(dir, 'nope.lua');
  const e = await rejection(c.execute_file_async(missing));
  assert.equal(e.message, `cannot open ${missing}: No such file or directory`);
  assert.equal(e.code, 'LUA_FILE');
  // (spec 7.1) '' is a rejection, not a synchronous throw.
  let p;
  assert.doesNotThrow(() => { p = c.execute_file_async(''); });
  const e2 = await rejection(p);
  assert.equal(e2.message, 'File path cannot be empty');
  const e3 = await rejection(c.execute_file_async(path.join(fixtures, 'runtime-error.lua')));
  assert.match(e3.message, /runtime-error\.lua:2: in file$/);
});

test('T245 four contexts run concurrently and resolve [10, 20, 30, 40]', async () => {
  const ctxs = [1, 2, 3, 4].map(() => new lua_native.init());
  const results = await Promise.all(ctxs.map((c, i) => c.execute_script_async(`local s = 0 for i = 1, 1e5 do s = s + 1 end return ${(i + 1) * 10}`)));
  assert.deepEqual(results, [10, 20, 30, 40]);
});

test('T246 add_search_path works after an async call completed', async () => {
  const c = ctx(['base', 'package']);
  await c.execute_script_async('return 1');
  file('asyncmod.lua', 'return { v = "module after async" }');
  c.add_search_path(path.join(dir, '?.lua'));
  assert.equal(c.execute_script('return require("asyncmod").v'), 'module after async');
});

test('T247 register_module works after an async call completed', async () => {
  const c = ctx(['base', 'package']);
  await c.execute_script_async('return 1');
  c.register_module('later', { twice: (x) => x * 2, k: 'v' });
  assert.deepEqual(c.execute_script('local m = require("later") return m.twice(21), m.k'), [42, 'v']);
});

test('T248 host functions of every kind are refused in async mode and work again afterwards', async () => {
  const c = new lua_native.init({ greet: () => 'hello' }, { libraries: ['base', 'package'] });
  c.execute_script('obj = {}');
  c.set_metatable('obj', { __call: () => 'called' });
  c.register_module('m', { f: () => 'mod' });
  c.set_global('holder', { nested: () => 'nested' });
  const e1 = await rejection(c.execute_script_async('return obj()'));
  assert.match(e1.message, /JS callbacks are not available in async mode \(called '__mt_1___call'\)$/);
  const e2 = await rejection(c.execute_script_async('return require("m").f()'));
  assert.match(e2.message, /JS callbacks are not available in async mode \(called '__module_1_f'\)$/);
  const e3 = await rejection(c.execute_script_async('return holder.nested()'));
  assert.match(e3.message, /JS callbacks are not available in async mode/);
  const [ok, msg] = await c.execute_script_async('return pcall(greet)');
  assert.equal(ok, false);
  assert.match(msg, /async mode/);
  // And synchronously everything works again.
  assert.deepEqual(c.execute_script('return greet(), obj(), require("m").f(), holder.nested()'), ['hello', 'called', 'mod', 'nested']);
});

test('T249 pure Lua code, closures, coroutines and Lua metamethods run normally in async mode', async () => {
  const c = ctx(['base', 'coroutine', 'string']);
  assert.deepEqual(
    await c.execute_script_async(`
      local mt = { __add = function(a, b) return a.v + b.v end, __index = function(t, k) return k .. "!" end }
      local a, b = setmetatable({ v = 1 }, mt), setmetatable({ v = 2 }, mt)
      local co = coroutine.wrap(function() coroutine.yield(10) end)
      local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end
      return a + b, a.hey, co(), fact(10), ("x"):rep(3)`),
    [3, 'hey!', 10, 3628800, 'xxx']
  );
});

test('T250 a new context is not in async mode: callbacks work and is_busy() is false', () => {
  const c = new lua_native.init({ cb: () => 5 });
  assert.equal(c.is_busy(), false);
  assert.equal(c.execute_script('return cb()'), 5);
});

test('T (spec 7.1, 7.3) while busy every method except is_busy throws the busy Error synchronously, before argument checks', async () => {
  const c = ctx(['base', 'package']);
  c.execute_script('t = {}');
  const co = c.create_coroutine('return function() end');
  const p = c.execute_script_async(SLOW('finished'));
  const calls = {
    execute_script: () => c.execute_script('return 1'),
    execute_file: () => c.execute_file(path.join(fixtures, 'ok.lua')),
    set_global: () => c.set_global('x', 1),
    get_global: () => c.get_global('x'),
    set_userdata: () => c.set_userdata('u', {}),
    set_metatable: () => c.set_metatable('t', {}),
    create_coroutine: () => c.create_coroutine('return function() end'),
    resume: () => c.resume(co),
    execute_script_async: () => c.execute_script_async('return 1'),
    execute_file_async: () => c.execute_file_async(path.join(fixtures, 'ok.lua')),
    add_search_path: () => c.add_search_path('./?.lua'),
    register_module: () => c.register_module('m', {}),
    compile: () => c.compile('return 1'),
    compile_file: () => c.compile_file(path.join(fixtures, 'ok.lua')),
    load_bytecode: () => c.load_bytecode(Buffer.from([0x1b])),
  };
  for (const [name, call] of Object.entries(calls)) {
    assert.equal(c.is_busy(), true, name);
    throwsExactly(call, Error, 'Lua context is busy with an async operation', 'LUA_BUSY');
    // Bad arguments still give the busy error first.
    throwsExactly(() => c[name](), Error, 'Lua context is busy with an async operation', 'LUA_BUSY');
  }
  assert.equal(await p, 'finished');
  assert.equal(c.get_global('x'), null, 'nothing ran while busy');
  assert.equal(c.get_global('u'), null);
  assert.equal(co.status, 'suspended');
  assertUsable(c);
});

test('T (spec 7.1) argument errors of the async methods are thrown synchronously', () => {
  const c = new lua_native.init();
  for (const m of ['execute_script_async', 'execute_file_async']) {
    for (const args of [[], [1], [null], [{}]]) {
      throwsExactly(() => c[m](...args), TypeError, 'Expected string argument', 'LUA_INVALID_ARGUMENT');
    }
  }
  assert.equal(c.is_busy(), false);
});

test('T (spec 7.1) Lua functions, Proxies and coroutines returned from async code work afterwards', async () => {
  const c = ctx(['base', 'coroutine']);
  const [fn, proxy, co] = await c.execute_script_async(`
    return function(a) return a * 2 end,
      setmetatable({ x = 1 }, { __index = function(t, k) return k end }),
      coroutine.create(function(v) coroutine.yield(v + 1) end)`);
  assert.equal(fn(21), 42);
  assert.equal(proxy.x, 1);
  assert.equal(proxy.other, 'other');
  assert.deepEqual(c.resume(co, 1), { status: 'suspended', values: [2] });
});

test('T (spec 7.1) the async script text is cut at the first NUL, like execute_script', async () => {
  const c = new lua_native.init();
  assert.equal(await c.execute_script_async('return 1\0 error()'), 1);
});

test('T (spec 7.1) a conversion failure of the result rejects with the depth message', async () => {
  const c = new lua_native.init();
  const e = await rejection(c.execute_script_async('local t = {} t.self = t return t'));
  assert.equal(e.message, 'Value nesting depth exceeds the maximum of 100 levels');
  assert.equal(e.code, 'LUA_CONVERSION');
  assertUsable(c);
});
