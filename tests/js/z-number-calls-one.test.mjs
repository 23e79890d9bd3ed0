// Issue 18: a call from JS with number arguments whose result is exactly one
// number takes a shortcut: lua-sys reads the number and puts the stack back
// in the same call into C that made the call (lua-core's
// `call_numbers_or_number`). These tests attack that shortcut: outcomes
// next to it (an error whose value is a number, several results, a
// number-like string) must come out as the general path gives them, the
// stack must stay balanced over more calls than Lua's stack has slots,
// and a release, dispose or cancel from inside such a call, a cancel
// between calls, limits and nested calls must behave as on any other call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';

/** `f(...args)` by the shortcut and by the general path (a trailing string argument, ignored by `f`). */
function bothWays(f, ...args) {
  let fast, general;
  try {
    fast = { value: f(...args) };
  } catch (e) {
    fast = { error: `${e.constructor.name} ${e.code} ${e.message}` };
  }
  try {
    general = { value: f(...args, 'general') };
  } catch (e) {
    general = { error: `${e.constructor.name} ${e.code} ${e.message}` };
  }
  return [fast, general];
}

test('every outcome next to one number comes out as the general path gives it', () => {
  const c = ctx(['base', 'math']);
  const f = c.execute_script(`return function(k)
    if k == 0 then return end
    if k == 1 then return 42 end
    if k == 2 then return -0.0 end
    if k == 3 then return 0/0 end
    if k == 4 then return math.mininteger end
    if k == 5 then return "5" end
    if k == 6 then return nil end
    if k == 7 then return 1, 2 end
    if k == 8 then return 1, nil end
    if k == 9 then return true end
    if k == 10 then return { 7 } end
    if k == 11 then error(42) end
    if k == 12 then error(4.5, 0) end
    if k == 13 then return 2^53 + 1 end
    if k == 14 then return math.huge end
  end`);
  for (let k = 0; k <= 14; k++) {
    const [fast, general] = bothWays(f, k);
    assert.deepEqual(fast, general, `outcome ${k}`);
  }
  assert.ok(Object.is(f(2), -0));
  assert.ok(Number.isNaN(f(3)));
  assert.equal(f(4), -9223372036854775808n);
  assert.equal(f(5), '5', 'a number-like string stays a string');
  assert.equal(f(13), 2 ** 53, 'a float result');
  assert.equal(f(14), Infinity);
});

test('an error whose value is a number is thrown, never returned as the result', () => {
  const c = ctx(['base']);
  const f = c.execute_script('return function(a, b) error(a + b) end');
  assert.throws(() => f(40, 2), (e) => e instanceof Error && /42/.test(e.message));
  const g = c.execute_script('return function(a) error(a, 0) end');
  assert.throws(() => g(0.5), (e) => e instanceof Error && /0\.5/.test(e.message));
  assert.equal(c.execute_script('return function(a, b) return a + b end')(1, 2), 3);
  assertUsable(c);
});

test('the stack stays balanced over more calls than Lua has stack slots, whatever they return', () => {
  const c = ctx(['base']);
  const f = c.execute_script('return function(a, b) if b == 0 then return a + b end if b == 1 then return "s" end if b == 2 then return a, b end error("e") end');
  let sum = 0;
  // Lua's stack has at most 1,000,000 slots: one left behind per call would overflow it.
  for (let i = 0; i < 1_050_000; i++) sum += f(i, 0);
  assert.equal(sum, (1_049_999 * 1_050_000) / 2);
  for (let i = 0; i < 3000; i++) {
    assert.equal(f(i, 1), 's');
    assert.deepEqual(f(i, 2), [i, 2]);
    assert.throws(() => f(i, 3), /e$/);
    assert.equal(f(i, 0), i);
  }
  assertUsable(c);
});

test('a release() of the wrapper from a callback inside a one-number call: the call finishes, later calls refuse', () => {
  let self;
  let made = [];
  const c = ctx(['base'], {
    drop: () => {
      c.release(self);
      // New references made now must not take the slot of the function still running.
      for (let i = 0; i < 20; i++) made.push(c.execute_script(`return function() return ${i} end`));
    },
  });
  self = c.execute_script('return function(a, b) drop() collectgarbage() collectgarbage() return a * b end');
  assert.equal(self(6, 7), 42, 'the call in flight finishes');
  throwsExactly(() => self(6, 7), Error, 'Lua function has been released', 'LUA_RELEASED');
  assert.deepEqual(made.map((g) => g()), Array.from({ length: 20 }, (_, i) => i), 'the references made mid-call hold their own functions');
  assertUsable(c);
});

test('dispose() from a callback inside a one-number call is refused; the call finishes; dispose after closes the wrapper', () => {
  let c;
  c = ctx(['base'], { bye: () => c.dispose() });
  const f = c.execute_script('return function(a, b) local ok = pcall(bye) assert(not ok) return a + b end');
  assert.equal(f(1, 2), 3);
  c.dispose();
  throwsExactly(() => f(1, 2), Error, 'Lua function is not usable: its Lua context has been closed', 'LUA_DISPOSED');
});

test('a cancel between calls reaches no later call; a cancel inside one stops it, the next one runs', () => {
  const c = ctx(['base'], { stop: () => c.cancel() });
  const f = c.execute_script('return function(a, b) return a + b end');
  c.cancel();
  assert.equal(f(1, 2), 3, 'a cancel with nothing running is a no-op');
  const stops = c.execute_script('return function(a) stop() return a end');
  throwsExactly(() => stops(1), Error, /execution cancelled$/, 'LUA_CANCELLED');
  assert.equal(f(2, 3), 5, 'the cancel was for the run that is over');
  for (let i = 0; i < 1000; i++) assert.equal(f(i, 1), i + 1);
});

test('limits: a caught trip fails a call returning one number; a timeout stops one, quick calls around it run', () => {
  const c = new lua_native.init({}, { libraries: 'safe', maxInstructions: 10_000 });
  const caught = c.execute_script('return function(n) pcall(function() while true do end end) return n end');
  for (let i = 0; i < 3; i++) throwsExactly(() => caught(i), Error, /instruction limit exceeded$/, 'LUA_INSTRUCTION_LIMIT');
  const add = c.execute_script('return function(a, b) return a + b end');
  for (let i = 0; i < 1000; i++) assert.equal(add(i, 1), i + 1, 'each call gets a fresh budget');
  const t = new lua_native.init({}, { libraries: 'safe', timeout: 30 });
  const quick = t.execute_script('return function(a, b) return a * b end');
  const spin = t.execute_script('return function(a) while true do a = a + 1 end return a end');
  assert.equal(quick(6, 7), 42);
  throwsExactly(() => spin(1), Error, /execution timeout$/, 'LUA_TIMEOUT');
  for (let i = 0; i < 1000; i++) assert.equal(quick(i, 2), i * 2, 'no deadline is left behind');
});

test('nested one-number calls from callbacks, at depth, then an outermost one: values and stack hold', () => {
  let inner, outer;
  const c = ctx(['base'], { twice: (x) => inner(x, x), down: (n) => (n <= 0 ? 0 : outer(n - 1) + 1) });
  inner = c.execute_script('return function(a, b) return a + b end');
  outer = c.execute_script('return function(n) return twice(n) - n + down(n) - n end');
  for (let i = 0; i < 2000; i++) assert.equal(inner(i, 1), i + 1);
  assert.equal(outer(50), 50);
  let s = 0;
  for (let i = 0; i < 20000; i++) s += outer(2);
  assert.equal(s, 40000);
  assertUsable(c);
});

test('a hook and a to-be-closed variable around a one-number call', () => {
  const c = ctx(['base']);
  const events = [];
  c.set_hook((event) => events.push(event), { call: true, return: true });
  const f = c.execute_script('return function(a, b) local t <close> = setmetatable({}, { __close = function() closed = (closed or 0) + 1 end }) return a + b end');
  assert.equal(f(20, 22), 42);
  assert.ok(events.length > 0, 'the hook saw the call');
  c.remove_hook();
  assert.equal(c.execute_script('return closed'), 1);
  assert.equal(f(1, 1), 2);
});
