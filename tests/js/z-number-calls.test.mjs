// Issue 18: a call from JS whose arguments are all numbers (at most 8) goes
// to Lua in one step (lua-core's `call_numbers`), every other call the
// general way. These tests hold the two paths to the same behaviour: the
// integer/float split of every awkward number, results, errors with their
// tracebacks, limits and cancels that trip inside such a call (also nested
// in a callback, where each argument is charged to the budget), and
// released or stale wrappers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';

const AWKWARD = [0, -0, 1, -1, 0.5, -1.5, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 62, 2 ** 63, -(2 ** 63), 2 ** 64, 1e300, 5e-324, Number.MAX_SAFE_INTEGER, Number.MIN_VALUE];

/** What Lua saw: `math.type` and the value's text, per argument. */
const SEEN = 'return function(...) local t = {} for i = 1, select("#", ...) do local v = select(i, ...) t[i] = math.type(v) .. ":" .. string.format("%.17g", v) .. ":" .. tostring(1 / v) end return table.concat(t, " ") end';

test('numbers alone and numbers followed by another value are seen alike by Lua', () => {
  const c = ctx(['base', 'math', 'string', 'table']);
  const seen = c.execute_script(SEEN.replace('math.type(v)', '(math.type(v) or type(v))').replace('string.format("%.17g", v)', 'tostring(v)').replace('tostring(1 / v)', '(type(v) == "number" and tostring(1 / v) or "-")'));
  for (let i = 0; i < AWKWARD.length; i += 4) {
    const group = AWKWARD.slice(i, i + 4);
    const fast = seen(...group);
    const general = seen(...group, 'tail');
    assert.equal(general, `${fast} string:tail:-`, `the same numbers either way: ${group}`);
  }
  assert.equal(seen(-0), 'float:-0.0:-inf', '-0 stays a float with its sign');
  assert.equal(seen(3), 'integer:3:0.33333333333333331', 'an integral number is an integer');
  assert.equal(seen(2 ** 63), 'float:9.2233720368547758e+18:1.0842021724855044e-19', '2^63 is out of the integer range');
  assert.equal(seen(-(2 ** 63)), 'integer:-9223372036854775808:-1.0842021724855044e-19', '-2^63 is in it');
});

test('0 to 8 numbers take the one-step path, 9 or more the general one, in order either way', () => {
  const c = ctx(['base', 'table']);
  const echo = c.execute_script('return function(...) return select("#", ...), ... end');
  for (let n = 0; n <= 12; n++) {
    const args = Array.from({ length: n }, (_, i) => (i % 2 ? i + 0.25 : i * 7));
    const got = echo(...args);
    assert.deepEqual(n === 0 ? [got] : got, [n, ...args], `${n} numbers`);
  }
});

test('results of a numbers call: none, one of each type, several, big integers as BigInt', () => {
  const c = ctx(['base', 'math']);
  const f = c.execute_script(`return function(k)
    if k == 0 then return end
    if k == 1 then return 42 end
    if k == 2 then return 0.5 end
    if k == 3 then return "s" end
    if k == 4 then return { 1, 2 } end
    if k == 5 then return 1, 2.5, nil end
    if k == 6 then return math.maxinteger end
    if k == 7 then return -0.0 end
  end`);
  assert.equal(f(0), undefined);
  assert.equal(f(1), 42);
  assert.equal(f(2), 0.5);
  assert.equal(f(3), 's');
  assert.deepEqual(f(4), [1, 2]);
  assert.deepEqual(f(5), [1, 2.5, null]);
  assert.equal(f(6), 9223372036854775807n);
  assert.ok(Object.is(f(7), -0), '-0.0 comes back as -0');
});

test('an error raised in a numbers call: its text, code, traceback; the context stays usable', () => {
  const c = ctx(['base']);
  const f = c.execute_script('return function(a, b) if b == 0 then error("division by zero: " .. a) end return a // b end');
  assert.equal(f(7, 2), 3);
  const e = throwsExactly(() => f(7, 0), Error, /division by zero: 7$/, 'LUA_RUNTIME');
  assert.match(e.luaTraceback, /^stack traceback:\n.*in function/s);
  const g = c.execute_script('return function(a) error({ code = a }) end');
  assert.throws(() => g(5));
  assert.equal(f(9, 3), 3);
  assertUsable(c);
});

test('an instruction limit trips inside a numbers call, and a caught trip still fails the call', () => {
  const c = new lua_native.init({}, { libraries: 'safe', maxInstructions: 10_000 });
  const spin = c.execute_script('return function(n) local x = 0 for i = 1, n do x = x + i end return x end');
  assert.equal(spin(100), 5050);
  throwsExactly(() => spin(1e9), Error, /instruction limit exceeded$/, 'LUA_INSTRUCTION_LIMIT');
  const caught = c.execute_script('return function(n) local ok = pcall(function() while true do end end) return n end');
  throwsExactly(() => caught(1), Error, /instruction limit exceeded$/, 'LUA_INSTRUCTION_LIMIT');
  assert.equal(spin(10), 55, 'the next call gets a fresh budget');
});

test('a numbers call nested in a callback runs under the outer run\'s limit: a loop of them is stopped', () => {
  let inner;
  const c = new lua_native.init({ again: (i) => inner(i, 1) }, { libraries: 'safe', maxInstructions: 20_000 });
  inner = c.execute_script('return function(a, b) return a + b end');
  assert.equal(c.execute_script('return again(1)'), 2);
  throwsExactly(() => c.execute_script('local s = 0 while true do s = s + again(s) end'), Error, /instruction limit exceeded$/, 'LUA_INSTRUCTION_LIMIT');
  assert.equal(inner(2, 3), 5);
});

test('a timeout and a cancel stop a numbers call that never ends', () => {
  const c = new lua_native.init({}, { libraries: 'safe', timeout: 50 });
  const forever = c.execute_script('return function(a, b) while true do a = a + b end end');
  throwsExactly(() => forever(1, 2), Error, /execution timeout$/, 'LUA_TIMEOUT');
  const d = new lua_native.init({ stop: () => d.cancel() }, { libraries: 'safe' });
  const stops = d.execute_script('return function(a) stop() while true do a = a + 1 end end');
  throwsExactly(() => stops(1), Error, /execution cancelled$/, 'LUA_CANCELLED');
  assert.equal(d.execute_script('return function(a) return a * 2 end')(21), 42);
});

test('released, stale and closed wrappers refuse a numbers call as any other', () => {
  const c = ctx(['base']);
  const f = c.execute_script('return function(a) return a end');
  c.release(f);
  throwsExactly(() => f(1), Error, 'Lua function has been released');
  const g = c.execute_script('return function(a) return a end');
  c.reset();
  throwsExactly(() => g(1), Error, 'Lua function is not usable: its Lua state was replaced by reset(); acquire a new handle');
  const h = c.execute_script('return function(a) return a end');
  c.dispose();
  throwsExactly(() => h(1), Error, 'Lua function is not usable: its Lua context has been closed');
});

test('a numbers call from inside a callback, with a release of its own wrapper mid-call', () => {
  let self;
  const c = ctx(['base'], { drop: () => c.release(self) });
  self = c.execute_script('return function(a, b) drop() return a * b end');
  assert.equal(self(6, 7), 42, 'the call in flight finishes');
  throwsExactly(() => self(1, 2), Error, 'Lua function has been released');
  assertUsable(c);
});

test('a numbers call whose reference slot a script replaced calls what is there now, or fails cleanly', () => {
  const c = ctx(['base', 'debug']);
  const f = c.execute_script('return function(a, b) return a + b end');
  assert.equal(f(1, 2), 3);
  // The host's references live in lua-sys's reference table, the registry's first slot after Lua's own.
  c.execute_script('refs = debug.getregistry()[4]');
  // Every host-held function replaced: by a callable table, then by a number.
  c.execute_script('for k, v in pairs(refs) do if type(v) == "function" then refs[k] = setmetatable({}, { __call = function(_, a, b) return a * b end }) end end');
  assert.equal(f(6, 7), 42, 'the callable table in the slot is called with the numbers');
  c.execute_script('for k, v in pairs(refs) do if type(v) == "table" and getmetatable(v) then refs[k] = 5 end end');
  assert.throws(() => f(1, 2), /attempt to call a number value/);
  // The reference table itself replaced: the handle refers to nothing.
  c.execute_script('refs = nil debug.getregistry()[4] = {}');
  assert.throws(() => f(1, 2), /attempt to call a nil value/);
  assertUsable(c);
});

test('numbers calls nested through JS callbacks until the C stack runs out: an error, not a crash', () => {
  let down;
  const c = ctx(['base'], { back: (n, x) => down(n - 1, x) });
  down = c.execute_script('return function(n, x) if n <= 0 then return x end return back(n, x) end');
  assert.equal(down(10, 0.5), 0.5);
  let depth = 0;
  for (const n of [100, 1000, 100000]) {
    try {
      assert.equal(down(n, 0.5), 0.5);
      depth = n;
    } catch (e) {
      assert.ok(e instanceof Error, `a plain error at depth ${n}: ${e && e.message}`);
      assert.match(e.message, /stack overflow|C stack overflow|Maximum call stack/);
    }
  }
  assert.ok(depth >= 100, `at least 100 levels work (${depth})`);
  assert.equal(down(3, 0.25), 0.25, 'the context works after the overflow');
});

test('dispose() from a callback inside a numbers call: the call fails cleanly, the wrapper is closed after', () => {
  let c;
  c = ctx(['base'], { bye: () => c.dispose() });
  const f = c.execute_script('return function(a, b) local ok = pcall(bye) return a + b, ok end');
  const [sum, ok] = f(1, 2);
  assert.equal(sum, 3, 'the call in flight finishes');
  assert.equal(ok, false, 'dispose() is refused while Lua runs');
  c.dispose();
  throwsExactly(() => f(1, 2), Error, 'Lua function is not usable: its Lua context has been closed', 'LUA_DISPOSED');
});

test('a numbers call while an async run holds the state is refused as busy, and works after', async () => {
  const c = ctx(['base']);
  const f = c.execute_script('return function(a, b) return a + b end');
  const pending = c.execute_script_async('local x = 0 for i = 1, 2e6 do x = x + i end return x');
  assert.throws(() => f(1, 2), (e) => e.code === 'LUA_BUSY');
  assert.equal(await pending, 2000001000000);
  assert.equal(f(1, 2), 3);
});

// A call with more than four arguments reads them in a second N-API call
// (lua_function.rs reads the function's data and four arguments first).
test('more than four arguments: released, stale, closed, busy and re-entrant calls behave as short ones', async () => {
  const six = [1, 2, 3, 4, 5, 6];
  const mixed = [1, 'two', 3, { four: 4 }, 5, [6]];
  let self;
  const c = ctx(['base'], { drop: () => c.release(self), bye: () => c.dispose(), again: () => self(2, 2, 3, 4, 5, 6) });
  const sum = 'return function(...) local s = 0 for i = 1, select("#", ...) do local v = select(i, ...) s = s + (tonumber(v) or 0) end return s end';
  const f = c.execute_script(sum);
  assert.equal(f(...six), 21);
  assert.equal(f(...mixed), 9, 'non-number arguments take the general way from the second read');
  // Re-entrant: the wrapper calls itself from a callback with six arguments, then releases itself mid-call.
  self = c.execute_script('return function(a, b, c, d, e, f) if a == 1 then return again() + 1 end drop() return a + b + c + d + e + f end');
  assert.equal(self(...six), 23, 'both calls in flight finish; the inner one released the wrapper');
  throwsExactly(() => self(...six), Error, 'Lua function has been released');
  // Busy while an async run holds the state, then fine.
  const g = c.execute_script(sum);
  const pending = c.execute_script_async('local x = 0 for i = 1, 2e6 do x = x + i end return x');
  assert.throws(() => g(...six), (e) => e.code === 'LUA_BUSY');
  assert.throws(() => g(...mixed), (e) => e.code === 'LUA_BUSY');
  await pending;
  assert.equal(g(...six), 21);
  // Stale after reset(), closed after dispose() from inside a call.
  c.reset();
  throwsExactly(() => g(...six), Error, 'Lua function is not usable: its Lua state was replaced by reset(); acquire a new handle');
  const h = c.execute_script('return function(a, b, c, d, e) local ok = pcall(bye) return a + b + c + d + e, ok end');
  assert.deepEqual(h(1, 2, 3, 4, 5), [15, false], 'dispose() is refused while Lua runs; the call finishes');
  c.dispose();
  throwsExactly(() => h(1, 2, 3, 4, 5), Error, 'Lua function is not usable: its Lua context has been closed', 'LUA_DISPOSED');
});
