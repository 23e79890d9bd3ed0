// Hooks Lua code sets with debug.sethook behave as in stock Lua (per thread,
// inherited, reported by debug.gethook), beside the host's set_hook; and no
// hook, whatever its mask, lets a script outrun maxInstructions or timeout,
// not even a hook function that loops (DECISIONS 11, 13; issue "Limits that
// mean what users think").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';

const { init } = lua_native;

function stops(fn, code, text) {
  assert.throws(fn, (e) => {
    assert.equal(e.code, code, e.message);
    assert.match(e.message, text);
    return true;
  });
}
const stopsByBudget = (fn) => stops(fn, 'LUA_INSTRUCTION_LIMIT', /instruction limit exceeded$/);
const stopsByTimeout = (fn) => stops(fn, 'LUA_TIMEOUT', /execution timeout$/);

test('a line hook set from Lua does not switch the timeout off', () => {
  const c = new init({}, { libraries: 'all', timeout: 100 });
  stopsByTimeout(() => c.execute_script('debug.sethook(function() end, "l") while true do end'));
  assert.equal(c.execute_script('return 1 + 1'), 2);
});

for (const mask of ["'', 1", "'r'", "'c'", "'l'"]) {
  test(`a hook function that loops for ever (mask ${mask}) is stopped by the budget and by the timeout`, () => {
    const script = `debug.sethook(function() while true do end end, ${mask}) local x = 0 for i = 1, 10 do x = x + math.abs(i) end`;
    const budget = new init({}, { libraries: 'all', maxInstructions: 100000 });
    stopsByBudget(() => budget.execute_script(script));
    // The hook stays set, as in Lua (every later run meets it again) until reset().
    stopsByBudget(() => budget.execute_script('return 1 + 1'));
    budget.reset();
    assert.equal(budget.execute_script('return 1 + 1'), 2);
    const timed = new init({}, { libraries: 'all', timeout: 100 });
    stopsByTimeout(() => timed.execute_script(script));
    timed.reset();
    assert.equal(timed.execute_script('return 1 + 1'), 2);
  });
}

test('a looping hook function under execute_script_async ends the run; the context is free again', async () => {
  const c = new init({}, { libraries: 'all', timeout: 100 });
  await assert.rejects(c.execute_script_async("debug.sethook(function() while true do end end, '', 1) local x = 1"), { code: 'LUA_TIMEOUT' });
  assert.equal(c.is_busy(), false);
  c.reset();
  assert.equal(c.execute_script('return 2 + 2'), 4);
});

test('a hook function cannot catch the limit and carry on', () => {
  const c = new init({}, { libraries: 'all', maxInstructions: 50000 });
  stopsByBudget(() => c.execute_script(`
    debug.sethook(function() for _ = 1, 3 do pcall(function() while true do end end) end end, '', 100)
    while true do end`));
});

test('a hook set on a coroutine survives its resumes and is reported by debug.gethook, as in stock Lua', () => {
  const c = new init({}, { libraries: 'all' });
  const r = c.execute_script(`
    local lines = {}
    local function hook(event, line) lines[#lines + 1] = line end
    local co = coroutine.create(function()
      local a = 1
      coroutine.yield()
      local b = 2
      return a + b
    end)
    debug.sethook(co, hook, "l")
    coroutine.resume(co)
    local f, mask, count = debug.gethook(co)
    coroutine.resume(co)
    return f == hook, mask, count, #lines >= 3, debug.gethook() == nil`);
  assert.deepEqual(r, [true, 'l', 0, true, true]);
});

test('a new coroutine inherits the hook of the thread that creates it', () => {
  const c = new init({}, { libraries: 'all' });
  assert.deepEqual(c.execute_script(`
    local function hook() end
    debug.sethook(hook, "c", 7)
    local co = coroutine.create(function() return debug.gethook() end)
    local _, f, mask, count = coroutine.resume(co)
    debug.sethook()
    -- Stock Lua: the inherited hook reports its mask and count, and no
    -- function (debug.sethook was never called for that thread).
    return f == nil, mask, count, debug.gethook() == nil`), [true, 'c', 7, true]);
});

test('the host hook and a Lua hook run side by side, each with its own events', () => {
  const LOOP = `
    local n = 0
    debug.sethook(function(e) n = n + 1 end, "", 3)
    local f, mask, count = debug.gethook()
    for i = 1, 300 do end
    debug.sethook()
    return n, mask, count`;
  const c = new init({}, { libraries: 'all' });
  const [alone, mask, count] = c.execute_script(LOOP);
  assert.equal(mask, '');
  assert.equal(count, 3);
  assert.ok(alone > 100, `Lua's count hook ran ${alone} times`);
  // A host hook on other events leaves Lua's count hook exactly as it was.
  const events = [];
  c.set_hook((event) => events.push(event), { line: true, call: true });
  assert.deepEqual(c.execute_script(LOOP), [alone, '', 3]);
  assert.ok(events.includes('line') && events.includes('call'), 'the host heard its own events');
  // Both counting: each hook fires at its own interval (when the intervals
  // differ, Lua's is counted on the common divisor of the two).
  events.length = 0;
  c.set_hook((event) => events.push(event), { count: 5 });
  const [both] = c.execute_script(LOOP);
  const hostCounts = events.filter((e) => e === 'count').length;
  assert.ok(both > 50, `Lua's count hook ran ${both} times`);
  assert.ok(hostCounts > 30, `the host's count hook ran ${hostCounts} times`);
  // Removing the host's hook leaves Lua's in place.
  c.remove_hook();
  assert.deepEqual(c.execute_script(`
    local function h() end
    debug.sethook(h, "r")
    local f, mask = debug.gethook()
    debug.sethook()
    return f == h, mask`), [true, 'r']);
});

test("the host's hook is not reported as Lua's (debug.gethook gives only what Lua set)", () => {
  const c = new init({}, { libraries: 'all' });
  c.set_hook(() => {}, { line: true });
  assert.equal(c.execute_script('return debug.gethook()'), null);
});

test('finalizers run with hooks off, as in stock Lua, and still under the limits', () => {
  const c = new init({}, { libraries: 'all', maxInstructions: 200000 });
  const r = c.execute_script(`
    local inside = 0
    local finalized = false
    debug.sethook(function() if finalized == nil then inside = inside + 1 end end, "l")
    setmetatable({}, {__gc = function()
      finalized = nil
      local x = 0
      for i = 1, 10 do x = x + i end
      finalized = true
    end})
    collectgarbage()
    collectgarbage()
    debug.sethook()
    return finalized, inside`);
  assert.deepEqual(r, [true, 0]);
  // A looping finalizer is stopped; its error is a warning, the run is stopped too.
  stopsByBudget(() => c.execute_script(`
    setmetatable({}, {__gc = function() while true do end end})
    collectgarbage()
    while true do end`));
  assert.equal(c.execute_script('return 3'), 3);
});

test("a Lua call hook never runs inside the host's own calls: a looping one leaves set_global and get_global alone", () => {
  const c = new init({}, { libraries: 'all', maxInstructions: 100_000 });
  c.execute_script("calls = 0 debug.sethook(function() calls = calls + 1 end, 'cr')");
  const before = c.get_global('calls');
  c.set_global('x', 1);
  assert.equal(c.get_global('x'), 1);
  assert.equal(c.get_global('calls'), before, 'no call or return event from the host calls');
  c.execute_script("debug.sethook(function() while true do end end, 'c')");
  c.set_global('y', 2);
  assert.equal(c.get_global('y'), 2);
  c.dispose();
});
