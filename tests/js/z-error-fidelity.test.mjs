// EVOLUTION.md B6 as DECISIONS 2 and 11 shape it: every error thrown from a run of Lua code carries
// Lua's traceback in `luaTraceback` (never in the message), and `pcall(fn, ...args)` gives a
// failure as a value, except a limit's, which still throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable, rejection } from './helpers.mjs';

const NEEDS_FUNCTION = 'pcall(fn, ...args) requires a function as the first argument';

/** The error `fn` throws, checked to carry a traceback that is not in its message. */
function tracebackOf(fn, message, code) {
  const e = throwsExactly(fn, Error, message, code);
  assert.equal(typeof e.luaTraceback, 'string', `no luaTraceback on: ${e.message}`);
  assert.ok(e.luaTraceback.startsWith('stack traceback:\n\t'), e.luaTraceback);
  assert.ok(!e.message.includes('stack traceback'), e.message);
  return e.luaTraceback;
}

test('B6 runtime errors: the traceback is in luaTraceback, the message is Lua\'s text alone', () => {
  const c = ctx(['base']);
  const tb = tracebackOf(() => c.execute_script("local function f() error('x') end\nf()"), '[string "local function f() error(\'x\') end..."]:1: x', 'LUA_RUNTIME');
  assert.match(tb, /in local 'f'/);
  assert.match(tb, /in main chunk/);
  tracebackOf(() => c.execute_script('return 1 < "x"'), '[string "return 1 < "x""]:1: attempt to compare number with string', 'LUA_RUNTIME');
  tracebackOf(() => c.execute_script('error("bare", 0)'), 'bare', 'LUA_RUNTIME');
  const f = c.execute_script('return function() error("func error") end');
  tracebackOf(() => f(), '[string "return function() error("func error") end"]:1: func error', 'LUA_RUNTIME');
  tracebackOf(() => c.call('error', 'by name', 0), 'by name', 'LUA_RUNTIME');
  assertUsable(c);
});

test('B6 errors in JS callbacks and at coroutine creation carry a traceback', () => {
  const c = ctx(['base'], { bad: () => { throw 'cb'; } });
  const tb = tracebackOf(() => c.execute_script('bad()'), "Host function 'bad' threw an exception: cb", 'LUA_RUNTIME');
  assert.match(tb, /in global 'bad'/);
  tracebackOf(() => c.create_coroutine('error("at create")'), '[string "error("at create")"]:1: at create', 'LUA_RUNTIME');
  // A coroutine's own failure is reported in its result, not thrown.
  const co = c.create_coroutine('return function() error("inside", 0) end');
  assert.deepEqual(c.resume(co), { status: 'dead', values: [], error: 'inside' });
});

test('B6 limits carry a traceback too (instruction limit, timeout, cancel), even through pcall', () => {
  const i = new lua_native.init({}, { libraries: ['base'], maxInstructions: 10000 });
  assert.match(tracebackOf(() => i.execute_script('while true do end'), 'instruction limit exceeded', 'LUA_INSTRUCTION_LIMIT'), /\[string "while true do end"\]:1: in main chunk/);
  tracebackOf(() => i.execute_script('pcall(function() while true do end end) while true do end'), 'instruction limit exceeded', 'LUA_INSTRUCTION_LIMIT');
  const t = new lua_native.init({}, { libraries: ['base'], timeout: 20 });
  tracebackOf(() => t.execute_script('while true do end'), 'execution timeout', 'LUA_TIMEOUT');
  let k;
  k = new lua_native.init({ stop: () => k.cancel() }, { libraries: ['base'] });
  tracebackOf(() => k.execute_script('stop() while true do end'), /execution cancelled$/, 'LUA_CANCELLED');
  // A deep stack shows its first 10 and last 11 levels, as luaL_traceback does.
  const deep = tracebackOf(() => t.execute_script('local function f(n) if n == 0 then while true do end end return f(n - 1) + 1 end f(100)'), 'execution timeout', 'LUA_TIMEOUT');
  assert.match(deep, /\n\t\.\.\.\t\(skipping \d+ levels\)\n/);
  assertUsable(i);
  assertUsable(t);
});

test('B6 async runs reject with a traceback', async () => {
  const c = new lua_native.init({}, { libraries: ['base'], maxInstructions: 10000 });
  for (const [src, message, code] of [
    ["error('boom')", '[string "error(\'boom\')"]:1: boom', 'LUA_RUNTIME'],
    ['while true do end', 'instruction limit exceeded', 'LUA_INSTRUCTION_LIMIT'],
  ]) {
    const e = await rejection(c.execute_script_async(src));
    assert.equal(e.message, message);
    assert.equal(e.code, code);
    assert.ok(e.luaTraceback.startsWith('stack traceback:'), e.luaTraceback);
  }
});

test('B6 pcall: { ok: true, value } shaped like a call result', () => {
  const c = ctx(['base']);
  const none = c.execute_script('return function() end');
  const one = c.execute_script('return function(x) return x * 2 end');
  const many = c.execute_script('return function(a, b) return a + b, a * b end');
  assert.deepEqual(c.pcall(none), { ok: true, value: undefined });
  assert.deepEqual(c.pcall(one, 21), { ok: true, value: 42 });
  assert.deepEqual(c.pcall(many, 2, 3), { ok: true, value: [5, 6] });
  assert.deepEqual(Object.keys(c.pcall(one, 1)), ['ok', 'value']);
});

test('B6 pcall: { ok: false, error } with the error a throw would give', () => {
  const c = ctx(['base'], { bad: () => { throw new RangeError('cb'); } });
  const f = c.execute_script('return function(x) error("bad " .. x) end');
  const r = c.pcall(f, 'arg');
  assert.deepEqual(Object.keys(r), ['ok', 'error']);
  assert.equal(r.ok, false);
  assert.ok(r.error instanceof Error);
  assert.equal(r.error.message, '[string "return function(x) error("bad " .. x) end"]:1: bad arg');
  assert.equal(r.error.code, 'LUA_RUNTIME');
  assert.ok(r.error.luaTraceback.startsWith('stack traceback:'));
  const viaCallback = c.pcall(c.execute_script('return function() bad() end'));
  // A JS Error thrown through: the object itself (see below).
  assert.ok(viaCallback.error instanceof RangeError);
  assert.equal(viaCallback.error.message, 'cb');
  const notNumber = c.pcall(c.execute_script('return function() return {} + 1 end'));
  assert.match(notNumber.error.message, /attempt to perform arithmetic on a table value$/);
  assertUsable(c);
});

test('B6 pcall: a function is required (TypeError)', () => {
  const c = ctx(['base']);
  for (const bad of [[], [undefined], [null], [1], ['print'], [{}], [c.create_table()]]) {
    throwsExactly(() => c.pcall(...bad), TypeError, NEEDS_FUNCTION, 'LUA_INVALID_ARGUMENT');
  }
});

test('B6 pcall: a plain JS function is called as it is; what it throws is the error, untouched', () => {
  const c = ctx(['base']);
  assert.deepEqual(c.pcall((a, b) => [a, b], 1, 'x'), { ok: true, value: [1, 'x'] });
  const thrown = new TypeError('mine');
  const r = c.pcall(() => { throw thrown; });
  assert.equal(r.ok, false);
  assert.equal(r.error, thrown);
  assert.deepEqual(c.pcall(() => { throw 'text'; }), { ok: false, error: 'text' });
  // A wrapper of another context is such a function too: it runs in its own context.
  const other = ctx(['base']);
  const g = other.execute_script('return function(x) error("other " .. x, 0) end');
  const o = c.pcall(g, 1);
  assert.equal(o.error.message, 'other 1');
  assert.equal(o.error.code, 'LUA_RUNTIME');
});

test('B6 pcall does not catch limits (DECISIONS 11): they throw', () => {
  const c = new lua_native.init({}, { libraries: ['base'], maxInstructions: 10000 });
  const loop = c.execute_script('return function() while true do end end');
  const caught = c.execute_script('return function() return pcall(function() while true do end end) end');
  throwsExactly(() => c.pcall(loop), Error, 'instruction limit exceeded', 'LUA_INSTRUCTION_LIMIT');
  throwsExactly(() => c.pcall(caught), Error, 'instruction limit exceeded', 'LUA_INSTRUCTION_LIMIT');
  const t = new lua_native.init({}, { libraries: ['base'], timeout: 20 });
  throwsExactly(() => t.pcall(t.execute_script('return function() while true do end end')), Error, 'execution timeout', 'LUA_TIMEOUT');
  let k;
  k = new lua_native.init({ stop: () => k.cancel() }, { libraries: ['base'] });
  throwsExactly(() => k.pcall(k.execute_script('return function() stop() while true do end end')), Error, /execution cancelled$/, 'LUA_CANCELLED');
  // A limit thrown by a plain JS function (another context's run) is not caught either.
  throwsExactly(() => k.pcall(() => c.pcall(loop)), Error, 'instruction limit exceeded', 'LUA_INSTRUCTION_LIMIT');
  // A memory error stays catchable, as in Lua.
  const m = new lua_native.init({}, { libraries: ['base', 'string'], maxMemory: 1 << 20 });
  const r = m.pcall(m.execute_script('return function() return string.rep("x", 1 << 24) end'));
  assert.equal(r.ok, false);
  assert.equal(r.error.code, 'LUA_MEMORY');
  assertUsable(c);
  assertUsable(m);
});

test('B6 pcall refuses as other methods do: released, stale, disposed, busy', async () => {
  const c = ctx(['base']);
  const f = c.execute_script('return function() return 1 end');
  c.release(f);
  throwsExactly(() => c.pcall(f), Error, 'Lua function has been released', 'LUA_RELEASED');
  const g = c.execute_script('return function() return 1 end');
  c.reset();
  throwsExactly(() => c.pcall(g), Error, 'Lua function is not usable: its Lua state was replaced by reset(); acquire a new handle', 'LUA_STALE_HANDLE');
  const h = c.execute_script('return function() return 1 end');
  const run = c.execute_script_async('local x = 0 for i = 1, 1e6 do x = x + i end return x');
  throwsExactly(() => c.pcall(h), Error, 'Lua context is busy with an async operation', 'LUA_BUSY');
  await run;
  assert.deepEqual(c.pcall(h), { ok: true, value: 1 });
  c.dispose();
  throwsExactly(() => c.pcall(h), Error, 'the Lua context has been closed', 'LUA_DISPOSED');
});

class AppError extends Error {
  constructor(message) {
    super(message);
    this.name = 'AppError';
    this.detail = { n: 1 };
  }
}

test('B6 a JS Error thrown by a callback reaches JS again as the very object', () => {
  const thrown = new AppError('app failed');
  const c = ctx(['base'], { f: () => { throw thrown; } });
  for (const src of ['f()', 'local ok, e = pcall(f) error(e)', 'local ok, e = pcall(f) error(e, 2)']) {
    let caught;
    assert.throws(() => c.execute_script(src), (e) => { caught = e; return true; });
    assert.equal(caught, thrown, src);
    assert.equal(caught.constructor, AppError);
    assert.deepEqual(caught.detail, { n: 1 });
    // The caller's own object: nothing added.
    assert.equal(Object.hasOwn(caught, 'code'), false);
    assert.equal(Object.hasOwn(caught, 'luaTraceback'), false);
  }
  // Through a Lua function wrapper, call() and pcall() too.
  const g = c.execute_script('return function() f() end');
  assert.throws(() => g(), (e) => e === thrown);
  c.set_global('g', g);
  assert.throws(() => c.call('g'), (e) => e === thrown);
  assert.deepEqual(c.pcall(g), { ok: false, error: thrown });
  assertUsable(c);
});

test('B6 inside Lua the thrown object is a plain table { message, name, stack, __jsErrorId }', () => {
  const c = ctx(['base'], { f: () => { throw new TypeError('typed'); }, o: () => { throw { message: 5, other: true }; } });
  const [ok, type, message, name, id, stack, meta] = c.execute_script(
    'local ok, e = pcall(f) return ok, type(e), e.message, e.name, e.__jsErrorId, e.stack, getmetatable(e) == nil');
  assert.deepEqual([ok, type, message, name, meta], [false, 'table', 'typed', 'TypeError', true]);
  assert.equal(typeof id, 'number');
  assert.ok(stack.startsWith('TypeError: typed\n'), stack);
  assert.deepEqual(c.execute_script('local ok, e = pcall(o) return e.message, e.name, e.other'), [5, null, null]);
  assert.throws(() => c.execute_script('o()'), (e) => e.message === 5 && e.other === true);
});

test('B6 primitives thrown become text (String(value))', () => {
  const c = ctx(['base'], { s: () => { throw 'text'; }, n: () => { throw 42; }, z: () => { throw null; }, u: () => { throw undefined; }, y: () => { throw Symbol('sym'); } });
  for (const [fn, text] of [['s', 'text'], ['n', '42'], ['z', 'null'], ['u', 'undefined']]) {
    const e = throwsExactly(() => c.execute_script(`${fn}()`), Error, `Host function '${fn}' threw an exception: ${text}`, 'LUA_RUNTIME');
    assert.ok(e.luaTraceback.startsWith('stack traceback:'));
    assert.deepEqual(c.execute_script(`return pcall(${fn})`), [false, `Host function '${fn}' threw an exception: ${text}`]);
  }
  throwsExactly(() => c.execute_script('y()'), Error, "Host function 'y' threw an exception: Symbol()", 'LUA_RUNTIME');
});

test('B6 hostile thrown objects: throwing getters, a Proxy', () => {
  class Nasty extends Error {
    get message() { throw new Error('getter'); }
    get stack() { throw new Error('stack getter'); }
  }
  const nasty = new Nasty();
  const proxy = new Proxy({}, { get(_, k) { if (k === 'message') return 'from proxy'; throw new Error('trap'); } });
  const c = ctx(['base'], { n: () => { throw nasty; }, p: () => { throw proxy; } });
  assert.deepEqual(c.execute_script('local ok, e = pcall(n) return type(e), e.message, e.stack, e.name'), ['table', null, null, 'Error']);
  assert.throws(() => c.execute_script('n()'), (e) => e === nasty);
  assert.deepEqual(c.execute_script('local ok, e = pcall(p) return type(e), e.message'), ['table', 'from proxy']);
  assert.throws(() => c.execute_script('p()'), (e) => e === proxy);
  assertUsable(c);
});

test('B6 the staged objects do not accumulate: let go at each outermost call', () => {
  const c = ctx(['base'], { f: () => { throw new Error('loop'); } });
  let during = -1;
  c.set_global('count', () => { during = c.info().bindingRefs.errorRegistry; });
  c.execute_script('for i = 1, 20000 do pcall(f) end count()');
  assert.equal(during, 20000);
  assert.equal(c.info().bindingRefs.errorRegistry, 0);
  assert.throws(() => c.execute_script('f()'), /loop/);
  assert.equal(c.info().bindingRefs.errorRegistry, 0);
  // A table kept past its call no longer finds its object: it reaches JS as a Lua table error.
  c.execute_script('local ok, e = pcall(f) kept = e');
  throwsExactly(() => c.execute_script('error(kept)'), Error, '(error object is a table value)', 'LUA_RUNTIME');
});

test('B6 a JS error never passes for a limit, and a limit never for a JS error', () => {
  const c = new lua_native.init({ f: () => { throw new Error('js'); } }, { libraries: ['base'], maxInstructions: 20000 });
  throwsExactly(() => c.execute_script('pcall(f) while true do end'), Error, 'instruction limit exceeded', 'LUA_INSTRUCTION_LIMIT');
  // The script catches the limit and raises the JS error's table instead: the limit wins.
  throwsExactly(() => c.execute_script('local ok, e = pcall(f) pcall(function() while true do end end) error(e)'), Error, 'instruction limit exceeded', 'LUA_INSTRUCTION_LIMIT');
  assert.throws(() => c.execute_script('f()'), (e) => e.message === 'js' && e.code === undefined);
});

test('B6 across a coroutine, a __gc finalizer, a hook and an async run', async () => {
  const thrown = new RangeError('co');
  const c = ctx(['base', 'coroutine'], { f: () => { throw thrown; } });
  const co = c.create_coroutine('return function() f() end');
  assert.deepEqual(c.resume(co), { status: 'dead', values: [], error: 'co' });
  assert.throws(() => c.execute_script('local co = coroutine.wrap(function() f() end) co()'), (e) => e === thrown);
  assert.deepEqual(c.execute_script('local ok, e = coroutine.resume(coroutine.create(f)) return ok, e.message'), [false, 'co']);
  // A finalizer's error is a warning in Lua 5.4+, never thrown to the host.
  c.execute_script('setmetatable({}, { __gc = function() f() end }) collectgarbage() collectgarbage()');
  assertUsable(c);
  // What the host's hook throws is dropped, as the spec says: it stages nothing.
  const h = ctx(['base']);
  h.set_hook(() => { throw new Error('hook'); }, { line: true });
  assert.equal(h.execute_script('local x = 1\nx = x + 1 return x'), 2);
  assert.equal(h.info().bindingRefs.errorRegistry, 0);
  h.remove_hook();
  assertUsable(h);
  // JS callbacks are refused in async runs, whatever they would throw.
  const a = ctx(['base'], { f: () => { throw thrown; } });
  const e = await rejection(a.execute_script_async('f()'));
  assert.equal(e.message, `[string "f()"]:1: JS callbacks are not available in async mode (called 'f')`);
  assert.equal(e.code, 'LUA_RUNTIME');
});

test('B6 staged objects around an async run: kept while the worker holds the state, let go after', async () => {
  const c = ctx(['base'], { f: () => { throw new Error('staged'); } });
  c.execute_script('for i = 1, 3 do pcall(f) end');
  const run = c.execute_script_async('local x = 0 for i = 1, 1e6 do x = x + i end return x');
  throwsExactly(() => c.execute_script('return 1'), Error, 'Lua context is busy with an async operation', 'LUA_BUSY');
  assert.equal(await run, 500000500000);
  assert.equal(c.info().bindingRefs.errorRegistry, 0);
  assert.throws(() => c.execute_script('f()'), (e) => e.message === 'staged');
});
