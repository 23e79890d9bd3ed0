// API-SEED §10 area G: errors (items 69-76), §4; DECISIONS 2 (code, luaTraceback).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';

test('G69 error("boom") surfaces as a thrown Error containing "boom"', () => {
  const c = ctx(['base']);
  const e = throwsExactly(() => c.execute_script("error('boom')"), Error, `[string "error('boom')"]:1: boom`, 'LUA_RUNTIME');
  assert.ok(e.message.includes('boom'));
  assert.equal(typeof e.luaTraceback, 'string', 'runtime errors carry luaTraceback');
  assert.ok(!e.message.includes('stack traceback'), 'the message carries no traceback');
  assertUsable(c);
});

test('G69 (spec 4.1) error value texts: level 0, numbers, nil, multi-line chunk names', () => {
  const c = ctx(['base']);
  throwsExactly(() => c.execute_script("error('plain', 0)"), Error, 'plain', 'LUA_RUNTIME');
  throwsExactly(() => c.execute_script('error(42)'), Error, '42', 'LUA_RUNTIME');
  throwsExactly(() => c.execute_script('error(4.5)'), Error, '4.5', 'LUA_RUNTIME');
  throwsExactly(() => c.execute_script('error()'), Error, '<no error object>', 'LUA_RUNTIME');
  throwsExactly(() => c.execute_script("local x = 1\nerror('boom')"), Error, '[string "local x = 1..."]:2: boom');
  throwsExactly(() => c.execute_script("\nerror('x')"), Error, '[string "..."]:2: x');
  const long = `local aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa = 1 error('long')`;
  const e = throwsExactly(() => c.execute_script(long), Error);
  assert.match(e.message, /^\[string "local a+\.\.\."\]:1: long$/);
});

test('G70 a syntax error throws', () => {
  const c = new lua_native.init();
  const e = throwsExactly(() => c.execute_script('return +'), Error, `[string "return +"]:1: unexpected symbol near '+'`, 'LUA_SYNTAX');
  assert.ok(e instanceof Error);
  throwsExactly(() => c.execute_script('this is not lua'), Error, /syntax error near 'is'/, 'LUA_SYNTAX');
  throwsExactly(() => c.execute_script('local function ('), Error, /^\[string "local function \("\]:1: /, 'LUA_SYNTAX');
  assertUsable(c);
});

test('G71 calling a nil value throws', () => {
  const c = new lua_native.init();
  throwsExactly(
    () => c.execute_script('local x = nil; return x()'),
    Error,
    `[string "local x = nil; return x()"]:1: attempt to call a nil value (local 'x')`,
    'LUA_RUNTIME'
  );
  throwsExactly(() => c.execute_script('notAFunction()'), Error, /attempt to call a nil value \(global 'notAFunction'\)/);
  assertUsable(c);
});

// EVOLUTION B6 (1.1.0): an object a JS callback throws reaches JS again as that very object
// (no prefix, same class); inside Lua it is a table { message, name, stack, __jsErrorId }.
// Primitives become `Host function '<name>' threw an exception: <String(value)>`.
test('G72 an exception thrown by a JS callback surfaces as the thrown Error itself', () => {
  const thrown = new Error('Something went wrong');
  const c = new lua_native.init({
    riskyOp: () => { throw thrown; },
  });
  const e = throwsExactly(() => c.execute_script('riskyOp()'), Error, 'Something went wrong');
  assert.equal(e, thrown);
  assertUsable(c);
});

test('G72 (spec 4.2, B6) thrown TypeErrors, message objects and primitives', () => {
  const c = new lua_native.init({
    te: () => { throw new TypeError('typed'); },
    obj: () => { throw { message: 'from object' }; },
    str: () => { throw 'text'; },
    num: () => { throw 42; },
    nomsg: () => { throw { other: 1 }; },
  });
  throwsExactly(() => c.execute_script('te()'), TypeError, 'typed');
  assert.throws(() => c.execute_script('obj()'), (e) => e.constructor === Object && e.message === 'from object');
  throwsExactly(() => c.execute_script('str()'), Error, "Host function 'str' threw an exception: text", 'LUA_RUNTIME');
  throwsExactly(() => c.execute_script('num()'), Error, "Host function 'num' threw an exception: 42", 'LUA_RUNTIME');
  assert.throws(() => c.execute_script('nomsg()'), (e) => e.constructor === Object && e.other === 1);
  // The same for a function registered with set_global.
  c.set_global('later', () => { throw new Error('late'); });
  throwsExactly(() => c.execute_script('return later()'), Error, 'late');
  assertUsable(c);
});

test('G72 (spec 4.2, B6) Lua pcall catches a JS callback exception and execution continues', () => {
  const c = new lua_native.init({ f: () => { throw new Error('bad'); }, s: () => { throw 'bad'; } }, { libraries: ['base'] });
  assert.deepEqual(c.execute_script('local ok, e = pcall(f) return ok, type(e), e.message, e.name, "after"'), [false, 'table', 'bad', 'Error', 'after']);
  assert.deepEqual(c.execute_script('local ok, msg = pcall(s) return ok, msg, "after"'), [false, "Host function 's' threw an exception: bad", 'after']);
});

test('G73 a host function exception produces a message containing "threw an exception" (a primitive thrown)', () => {
  const c = new lua_native.init({ fail: () => { throw 'x'; } });
  const e = throwsExactly(() => c.execute_script('return 1 + fail()'), Error);
  assert.match(e.message, /threw an exception/);
});

test('G74 adding a string to a number throws', () => {
  const c = new lua_native.init();
  const e = throwsExactly(() => c.execute_script('return "string" + 5'), Error, undefined, 'LUA_RUNTIME');
  assert.match(e.message, /^\[string "return "string" \+ 5"\]:1: attempt to perform arithmetic on a string/);
  // Numeric strings are still coerced by the VM.
  assert.equal(ctx('all').execute_script('return "10" + 5'), 15);
});

test('G75 an error raised inside a returned Lua function is thrown when JS calls it', () => {
  const c = ctx(['base']);
  const fn = c.execute_script('return function() error("func error") end');
  const e = throwsExactly(() => fn(), Error, `[string "return function() error("func error") end"]:1: func error`, 'LUA_RUNTIME');
  assert.match(e.message, /func error/);
  assert.equal(typeof e.luaTraceback, 'string');
  // The wrapper and the context are still usable afterwards.
  const ok = c.execute_script('return function(x) return x + 1 end');
  assert.equal(ok(1), 2);
  assertUsable(c);
});

test('G76 pcall inside Lua returns [false, <message containing "caught error">] to JS', () => {
  const c = ctx(['base']);
  const r = c.execute_script(`
    return pcall(function()
      error("caught error")
    end)`);
  assert.ok(Array.isArray(r));
  assert.equal(r.length, 2);
  assert.equal(r[0], false);
  assert.match(r[1], /caught error/);
  assert.match(r[1], /^\[string "\.\.\."\]:3: caught error$/);
});
