// EVOLUTION A1 (maxMemory, get_memory_usage), A2 (maxInstructions), A5 (set_hook /
// remove_hook) and A6 (timeout), with DECISIONS 4 (non-finite limits refused) and the
// stickiness rule: once a limit trips, nothing inside Lua can swallow it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lua_native from './load.mjs';
import { throwsExactly, assertUsable, rejection } from './helpers.mjs';

const KB = 1024;
const MB = 1024 * KB;
const LIMIT_TEXT = /instruction limit exceeded$/;
const TIMEOUT_TEXT = /execution timeout$/;

function make(options, callbacks = {}) {
  return new lua_native.init(callbacks, { libraries: 'safe', ...options });
}

/** Asserts fn throws the limit error: an Error with `code` whose message matches `text`. */
function throwsLimit(fn, code, text) {
  return throwsExactly(fn, Error, code === 'LUA_MEMORY' ? 'not enough memory' : text, code);
}
const throwsInstructions = (fn) => throwsLimit(fn, 'LUA_INSTRUCTION_LIMIT', LIMIT_TEXT);
const throwsTimeout = (fn) => throwsLimit(fn, 'LUA_TIMEOUT', TIMEOUT_TEXT);
const throwsMemory = (fn) => throwsLimit(fn, 'LUA_MEMORY');

/** Milliseconds `fn` takes. */
function timed(fn) {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** Lua that busy-waits `ms` milliseconds on the JS clock `now()`. */
const WAIT = (ms) => `local stop = now() + ${ms} while now() < stop do end return 'waited'`;
const clock = { now: () => performance.now() };

// ---------------------------------------------------------------------------
// A1. Memory
// ---------------------------------------------------------------------------

test('A1 get_memory_usage() is a positive number with and without a limit', () => {
  for (const options of [{}, { maxMemory: 1 * MB }, { maxMemory: 0 }]) {
    const c = make(options);
    const used = c.get_memory_usage();
    assert.equal(typeof used, 'number');
    assert.ok(used > 0 && Number.isInteger(used), `usage ${used}`);
  }
  const bare = new lua_native.init();
  assert.ok(bare.get_memory_usage() > 0);
});

test('A1 get_memory_usage() grows after allocations and falls back after collection', () => {
  const c = make({ maxMemory: 8 * MB });
  const before = c.get_memory_usage();
  c.execute_script("big = {} for i = 1, 20000 do big[i] = 'item' .. i end");
  const grown = c.get_memory_usage();
  assert.ok(grown > before + 200 * KB, `usage ${before} → ${grown}`);
  c.execute_script('big = nil collectgarbage()');
  assert.ok(c.get_memory_usage() < grown - 200 * KB, 'memory comes back after collection');
});

test('A1 small scripts run under a 1 MB limit; JS callbacks work under a limit', () => {
  const c = make({ maxMemory: 1 * MB }, { add: (a, b) => a + b });
  assert.equal(c.execute_script('local t = {} for i = 1, 100 do t[i] = i end return #t'), 100);
  assert.equal(c.execute_script('return add(20, 22)'), 42);
  assert.ok(c.get_memory_usage() <= 1 * MB);
});

test('A1 a 256 KB limit stops string.rep with LUA_MEMORY "not enough memory"', () => {
  const c = make({ maxMemory: 256 * KB });
  throwsMemory(() => c.execute_script("return string.rep('x', 1024 * 1024)"));
  assert.ok(c.get_memory_usage() <= 256 * KB);
  assert.equal(c.execute_script('return 42'), 42);
});

test('A1 a 256 KB limit stops table growth; the state stays usable after the out-of-memory error', () => {
  const c = make({ maxMemory: 256 * KB });
  throwsMemory(() => c.execute_script('local t = {} for i = 1, 1e7 do t[i] = i end'));
  throwsMemory(() => c.execute_script("local t = {} for i = 1, 1e7 do t['k' .. i] = true end"));
  assert.ok(c.get_memory_usage() <= 256 * KB);
  assert.equal(c.execute_script('return 42'), 42);
  assertUsable(c);
});

test('A1 maxMemory 0 (and omitted) means no limit: 64 MB can be allocated', () => {
  for (const options of [{ maxMemory: 0 }, {}, { maxMemory: undefined }, { maxMemory: null }]) {
    const c = make(options);
    assert.equal(c.execute_script("return #string.rep('x', 64 * 1024 * 1024)"), 64 * MB);
  }
});

test('A1 an out-of-memory error inside pcall is an ordinary error: pcall sees it and the script goes on', () => {
  const c = make({ maxMemory: 512 * KB });
  assert.deepEqual(c.execute_script("local ok, e = pcall(string.rep, 'x', 1e7) return ok, e"), [false, 'not enough memory']);
});

// After an out-of-memory error the collector is paused (its last cycle ran while everything was
// alive), so only an emergency collection frees what the script then lets go; lauxlib's buffers
// (string.rep, table.concat, string.format, ...) used to fail instead of running one (issue 18,
// the sandbox corpus's H06).
const FILL = "local keep, s = {}, '' for i = 1, math.huge do s = s .. i .. ','; keep[#keep + 1] = s end";

test('A1 after an out-of-memory error, a buffer grows into the garbage it left (same script, pcall)', () => {
  const c = make({ maxMemory: 8 * MB });
  const src = `local ok, e = pcall(function() ${FILL} end)
    return e, #string.rep('x', 1e6), #table.concat({string.rep('y', 5e5), string.rep('z', 5e5)})`;
  assert.deepEqual(c.execute_script(src), ['not enough memory', 1e6, 1e6]);
});

test('A1 after an out-of-memory error, the next call\'s buffer grows into the garbage it left', () => {
  // Whether a small allocation in between is refused (and so collects) depends on where the heap's
  // last byte fell: a global set first made the difference.
  for (const before of ['', 'x = 1', 'y = {}']) {
    const c = make({ maxMemory: 8 * MB });
    c.execute_script(before);
    throwsExactly(() => c.execute_script(FILL), Error, 'not enough memory', 'LUA_MEMORY');
    assert.equal(c.execute_script('return 1 + 1'), 2);
    assert.equal(c.execute_script("return #string.rep('x', 100000)"), 100000, `after ${JSON.stringify(before)}`);
    assert.ok(c.get_memory_usage() < 1 * MB);
  }
});

test('A1 (M5) set_global of a 300k-element array under 512 KB throws LUA_MEMORY; small tables still work', () => {
  const c = make({ maxMemory: 512 * KB });
  const big = Array.from({ length: 300_000 }, (_, i) => i);
  throwsMemory(() => c.set_global('big', big));
  assert.equal(c.get_global('big'), null, 'a failed set_global leaves the global unchanged');
  c.set_global('small', [1, 2, 3]);
  assert.deepEqual(c.get_global('small'), [1, 2, 3]);
  assert.equal(c.execute_script('return #small'), 3);
});

test('A1 (M5) registering 100k functions under 900 KB throws LUA_MEMORY; the context stays usable', () => {
  const c = make({ maxMemory: 900 * KB });
  const module = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`f${i}`, () => i]));
  throwsMemory(() => c.register_module('huge', module));
  const callbacks = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`g${i}`, () => i]));
  throwsMemory(() => new lua_native.init(callbacks, { libraries: 'safe', maxMemory: 900 * KB }));
  assertUsable(c);
});

test('A1 construction under a limit too small for the libraries fails with a clean LUA_MEMORY error', () => {
  throwsMemory(() => new lua_native.init({}, { libraries: 'all', maxMemory: 4 * KB }));
});

test('A1 memory used by a call that returned 200k values is given back (the Lua stack shrinks)', () => {
  const c = make({ maxMemory: 16 * MB });
  const start = c.get_memory_usage();
  const r = c.execute_script('local t = {} for i = 1, 2e5 do t[i] = i end return table.unpack(t)');
  assert.equal(r.length, 200_000);
  c.execute_script('collectgarbage() collectgarbage()');
  const after = c.get_memory_usage();
  assert.ok(after < start + 512 * KB, `usage ${start} before, ${after} after the call and two full collections`);
});

test('A1 memory used by a call with 50k arguments is given back (the Lua stack shrinks)', () => {
  const c = make({ maxMemory: 16 * MB });
  const f = c.execute_script('return function(...) return select("#", ...) end');
  const start = c.get_memory_usage();
  assert.equal(f(...Array.from({ length: 50_000 }, (_, i) => i)), 50_000);
  c.execute_script('collectgarbage() collectgarbage()');
  const after = c.get_memory_usage();
  assert.ok(after < start + 512 * KB, `usage ${start} before, ${after} after the call and two full collections`);
});

// ---------------------------------------------------------------------------
// Validation of the three limits (shared rules, DECISIONS 4)
// ---------------------------------------------------------------------------

for (const name of ['maxMemory', 'maxInstructions', 'timeout']) {
  test(`validation: ${name} negative → RangeError "${name} must be a non-negative number"`, () => {
    for (const v of [-1, -0.5, -1e9]) {
      throwsExactly(() => new lua_native.init({}, { [name]: v }), RangeError, `${name} must be a non-negative number`, 'LUA_INVALID_ARGUMENT');
    }
  });

  test(`validation: ${name} NaN / ±Infinity → RangeError "${name} must be a finite number"`, () => {
    for (const v of [NaN, Infinity, -Infinity]) {
      throwsExactly(() => new lua_native.init({}, { [name]: v }), RangeError, `${name} must be a finite number`, 'LUA_INVALID_ARGUMENT');
    }
  });

  test(`validation: ${name} not a number → TypeError "${name} must be a number"`, () => {
    for (const v of ['100', '', true, false, {}, [], [5], () => 1, Symbol('x'), 10n]) {
      throwsExactly(() => new lua_native.init({}, { [name]: v }), TypeError, `${name} must be a number`, 'LUA_INVALID_ARGUMENT');
    }
  });

  test(`validation: ${name} undefined, null and 0 mean "not set"`, () => {
    for (const v of [undefined, null, 0]) {
      const c = new lua_native.init({}, { libraries: 'safe', [name]: v });
      assert.equal(c.execute_script('local x = 0 for i = 1, 3e6 do x = x + 1 end return x'), 3e6);
    }
  });
}

test('validation: a fractional maxInstructions is truncated (500.9 behaves as 500)', () => {
  const c = make({ maxInstructions: 500.9 });
  assert.equal(c.execute_script('return 1'), 1);
  throwsInstructions(() => c.execute_script('for i = 1, 1e4 do end'));
});

// ---------------------------------------------------------------------------
// A2. Instruction limit
// ---------------------------------------------------------------------------

test('A2 while true under 1M instructions throws LUA_INSTRUCTION_LIMIT', () => {
  const c = make({ maxInstructions: 1_000_000 });
  const e = throwsInstructions(() => c.execute_script('while true do end'));
  assert.equal(e.constructor, Error);
});

test('A2 a short computation completes under the limit (sum 1..100 = 5050)', () => {
  const c = make({ maxInstructions: 1_000_000 });
  assert.equal(c.execute_script('local s = 0 for i = 1, 100 do s = s + i end return s'), 5050);
});

test('A2 the context works after an abort', () => {
  const c = make({ maxInstructions: 100_000 });
  throwsInstructions(() => c.execute_script('while true do end'));
  assertUsable(c);
  assert.equal(c.execute_script('local s = 0 for i = 1, 100 do s = s + i end return s'), 5050);
});

test('A2 a limit of 500 is enforced tightly', () => {
  const c = make({ maxInstructions: 500 });
  assert.equal(c.execute_script('return 1'), 1);
  assert.equal(c.execute_script('local x = 0 for i = 1, 50 do x = x + i end return x'), 1275);
  throwsInstructions(() => c.execute_script('local x = 0 for i = 1, 1000 do x = x + i end return x'));
});

test('A2 0 or omitted lets a 5M-iteration loop finish', () => {
  for (const options of [{ maxInstructions: 0 }, {}]) {
    const c = make(options);
    assert.equal(c.execute_script('local x = 0 for i = 1, 5e6 do x = x + 1 end return x'), 5e6);
  }
});

test('A2 the budget resets between calls (200k limit, a ~120k-instruction loop five times)', () => {
  const c = make({ maxInstructions: 200_000 });
  for (let i = 0; i < 5; i++) {
    assert.equal(c.execute_script('local x = 0 for i = 1, 40000 do x = x + 1 end return x'), 40000);
  }
  throwsInstructions(() => c.execute_script('local x = 0 for i = 1, 400000 do x = x + 1 end return x'));
  assert.equal(c.execute_script('local x = 0 for i = 1, 40000 do x = x + 1 end return x'), 40000);
});

test('A2 nested re-entry (Lua → JS → execute_script → Lua) shares the budget', () => {
  const inner = 'local x = 0 for i = 1, 100000 do x = x + 1 end return x'; // ~200k instructions
  let c;
  const seen = [];
  c = make({ maxInstructions: 1_000_000 }, {
    nest: () => {
      try {
        const v = c.execute_script(inner);
        seen.push('ok');
        return v;
      } catch (e) {
        seen.push(e.code);
        throw e;
      }
    },
  });
  assert.equal(c.execute_script(inner), 100000, 'one inner run fits the budget on its own');
  assert.equal(c.execute_script('return nest() + nest()'), 200000, 'two nested runs fit too');
  seen.length = 0;
  const e = throwsExactly(() => c.execute_script('for i = 1, 10 do nest() end'), Error, /instruction limit exceeded/, 'LUA_INSTRUCTION_LIMIT');
  assert.ok(seen.includes('LUA_INSTRUCTION_LIMIT'), `a nested run tripped the shared budget (${seen})`);
  // With a fresh budget per nested call all ten would pass; sharing 1M, at most five ~200k runs fit.
  assert.ok(seen.filter((s) => s === 'ok').length <= 5, `nested runs before the trip: ${seen}`);
  assert.ok(e.message.length > 0);
  assertUsable(c);
});

test('A2 a script that catches the limit error and returns normally still fails in the host', () => {
  const c = make({ maxInstructions: 100_000 });
  throwsInstructions(() => c.execute_script("local ok, e = pcall(function() while true do end end) return 'survived', ok, e"));
  throwsInstructions(() => c.execute_script("local ok, e = pcall(function() while true do end end) while true do end"));
  assertUsable(c);
});

test('A2 coexists with maxMemory: whichever is reached first stops the script', () => {
  const c = make({ maxInstructions: 1_000_000, maxMemory: 1 * MB });
  throwsInstructions(() => c.execute_script('while true do end'));
  throwsMemory(() => c.execute_script("return string.rep('x', 4 * 1024 * 1024)"));
  assertUsable(c);
});

test('A2 limits in coroutines: an endless coroutine resumed from Lua trips the limit, caught or not', () => {
  const c = make({ maxInstructions: 200_000 });
  throwsInstructions(() => c.execute_script('local co = coroutine.create(function() while true do end end) return coroutine.resume(co)'));
  throwsInstructions(() => c.execute_script('return coroutine.wrap(function() while true do end end)()'));
  throwsInstructions(() => c.execute_script('co = coroutine.create(function() while true do coroutine.yield() end end) while true do coroutine.resume(co) end'));
  assertUsable(c);
});

test('A2 a coroutine created in an earlier call (before this budget) is covered', () => {
  const c = make({ maxInstructions: 200_000 });
  c.execute_script('old = coroutine.create(function() coroutine.yield(1) while true do end end)');
  assert.deepEqual(c.execute_script('return coroutine.resume(old)'), [true, 1]);
  throwsInstructions(() => c.execute_script('return coroutine.resume(old)'));
  assertUsable(c);
});

test('A2 limits in resume(): each resume from JS has its own budget, and an endless one ends dead with the limit error', () => {
  const c = make({ maxInstructions: 1_000_000 });
  const co = c.create_coroutine('return function() for step = 1, 3 do local x = 0 for i = 1, 200000 do x = x + 1 end coroutine.yield(step) end return "done" end');
  assert.deepEqual(c.resume(co), { status: 'suspended', values: [1] });
  assert.deepEqual(c.resume(co), { status: 'suspended', values: [2] });
  assert.deepEqual(c.resume(co), { status: 'suspended', values: [3] });
  assert.deepEqual(c.resume(co), { status: 'dead', values: ['done'] });
  const endless = c.create_coroutine('return function() while true do pcall(function() while true do end end) end end');
  const r = c.resume(endless);
  assert.equal(r.status, 'dead');
  assert.match(r.error, LIMIT_TEXT);
  assert.deepEqual(r.values, []);
  assertUsable(c);
});

test('A2 a Lua function called from JS and a Proxy trap each run under the limit', () => {
  const c = make({ maxInstructions: 200_000 });
  const f = c.execute_script('return function(n) if n then local x = 0 for i = 1, n do x = x + 1 end return x end while true do end end');
  assert.equal(f(1000), 1000);
  throwsInstructions(() => f());
  assert.equal(f(1000), 1000, 'the next call has a fresh budget');
  const p = c.execute_script('return setmetatable({}, { __index = function(t, k) if k == "loop" then while true do end end return k end })');
  assert.equal(p.ok, 'ok');
  throwsInstructions(() => p.loop);
  assert.equal(p.again, 'again');
});

test('A2 execute_file and load_bytecode run under the limit', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-native-limits-'));
  try {
    const file = path.join(dir, 'loop.lua');
    fs.writeFileSync(file, 'while true do end');
    const c = make({ maxInstructions: 200_000 });
    throwsInstructions(() => c.execute_file(file));
    throwsInstructions(() => c.load_bytecode(c.compile('while true do end')));
    assertUsable(c);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------
// A6. Timeout
// ---------------------------------------------------------------------------

test('A6 a 100 ms timeout aborts a runaway script (within 1000 ms)', () => {
  const c = make({ timeout: 100 });
  const ms = timed(() => throwsTimeout(() => c.execute_script('while true do end')));
  assert.ok(ms >= 95 && ms < 1000, `took ${ms.toFixed(1)} ms`);
  assertUsable(c);
});

test('A6 a fast script completes under a timeout', () => {
  const c = make({ timeout: 1000 });
  assert.equal(c.execute_script('local s = 0 for i = 1, 1000 do s = s + i end return s'), 500500);
});

test('A6 0 and omitted mean no timeout: a 300 ms script completes', () => {
  for (const options of [{ timeout: 0 }, {}]) {
    const c = make(options, clock);
    assert.equal(c.execute_script(WAIT(300)), 'waited');
  }
});

test('A6 each call gets its own deadline (timeout 200 ms, three 120 ms calls)', () => {
  const c = make({ timeout: 200 }, clock);
  for (let i = 0; i < 3; i++) assert.equal(c.execute_script(WAIT(120)), 'waited');
  throwsTimeout(() => c.execute_script(WAIT(400)));
  assert.equal(c.execute_script(WAIT(120)), 'waited');
});

test('A6 nested re-entry shares the deadline (timeout 300 ms; each nested wait is 120 ms)', () => {
  let c;
  c = make({ timeout: 300 }, { ...clock, nest: () => c.execute_script(WAIT(120)) });
  assert.equal(c.execute_script('return nest()'), 'waited');
  assert.equal(c.execute_script('nest() return nest()'), 'waited');
  const ms = timed(() => throwsExactly(() => c.execute_script('nest() nest() nest() nest() return 1'), Error, /execution timeout/, 'LUA_TIMEOUT'));
  assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
  assertUsable(c);
});

test('A6 catchable by pcall, but catching does not refresh the deadline', () => {
  const c = make({ timeout: 100 });
  const ms = timed(() => throwsTimeout(() => c.execute_script('local ok = pcall(function() while true do end end) while true do end')));
  assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
  throwsTimeout(() => c.execute_script("local ok, e = pcall(function() while true do end end) return ok, e"));
});

test('A6 applies to a coroutine resume (from Lua and from JS)', () => {
  const c = make({ timeout: 100 });
  throwsTimeout(() => c.execute_script('return coroutine.resume(coroutine.create(function() while true do end end))'));
  const co = c.create_coroutine('return function() while true do end end');
  const r = c.resume(co);
  assert.equal(r.status, 'dead');
  assert.match(r.error, TIMEOUT_TEXT);
  assertUsable(c);
});

test('A6 both limits: instructions win when tighter, time wins when tighter', () => {
  const tightInstructions = make({ maxInstructions: 10_000, timeout: 5000 });
  const ms1 = timed(() => throwsInstructions(() => tightInstructions.execute_script('while true do end')));
  assert.ok(ms1 < 1000, `took ${ms1.toFixed(0)} ms`);
  const tightTime = make({ maxInstructions: 1e12, timeout: 50 });
  const ms2 = timed(() => throwsTimeout(() => tightTime.execute_script('while true do end')));
  assert.ok(ms2 < 1000, `took ${ms2.toFixed(0)} ms`);
});

test('A6 pattern matching inside C is interrupted by the timeout and counts against maxInstructions', () => {
  const bomb = "return string.find(string.rep('a', 10000), '.-.-.-.-b')";
  const timeLimited = make({ timeout: 100 });
  const ms = timed(() => throwsTimeout(() => timeLimited.execute_script(bomb)));
  assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
  const counted = make({ maxInstructions: 1_000_000 });
  throwsInstructions(() => counted.execute_script(bomb));
  assert.equal(counted.execute_script("return (string.find(string.rep('a', 100) .. 'b', '.-b'))"), 1);
});

test('A6 the limits survive hook installation and removal', () => {
  const c = make({ timeout: 100, maxInstructions: 0 });
  c.set_hook(() => {}, { line: true });
  c.remove_hook();
  const ms = timed(() => throwsTimeout(() => c.execute_script('while true do end')));
  assert.ok(ms < 1000);
  const d = make({ maxInstructions: 100_000 });
  d.set_hook(() => {}, { call: true, count: 50 });
  d.remove_hook();
  throwsInstructions(() => d.execute_script('while true do end'));
});

test('A6 timeout overshoot: 20 runs with a 50 ms timeout (median < 20 ms, worst < 200 ms)', () => {
  const c = make({ timeout: 50 });
  const overshoot = (script) => {
    const runs = [];
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now();
      throwsTimeout(() => c.execute_script(script));
      runs.push(performance.now() - t0 - 50);
    }
    runs.sort((a, b) => a - b);
    return { median: (runs[9] + runs[10]) / 2, worst: runs[19], best: runs[0] };
  };
  const loop = overshoot('while true do end');
  const pattern = overshoot("return string.find(string.rep('a', 10000), '.-.-.-.-b')");
  const fmt = (o) => `median ${o.median.toFixed(3)} ms, worst ${o.worst.toFixed(3)} ms, best ${o.best.toFixed(3)} ms`;
  console.log(`timeout overshoot over a 50 ms timeout, 20 runs of 'while true do end': ${fmt(loop)}`);
  console.log(`timeout overshoot over a 50 ms timeout, 20 runs of a pattern-matching bomb: ${fmt(pattern)}`);
  assert.ok(loop.median >= 0, 'never stops before the deadline');
  assert.ok(loop.median < 20, `median overshoot ${loop.median.toFixed(3)} ms`);
  assert.ok(loop.worst < 200, `worst overshoot ${loop.worst.toFixed(3)} ms`);
  assert.ok(pattern.median < 20, `pattern median overshoot ${pattern.median.toFixed(3)} ms`);
  assert.ok(pattern.worst < 200, `pattern worst overshoot ${pattern.worst.toFixed(3)} ms`);
});

// ---------------------------------------------------------------------------
// Limits during async runs
// ---------------------------------------------------------------------------

test('async: execute_script_async rejects with the timeout error and the event loop stays responsive', async () => {
  const c = make({ timeout: 200 });
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const t0 = performance.now();
  const e = await rejection(c.execute_script_async('while true do end'));
  const ms = performance.now() - t0;
  clearInterval(timer);
  assert.ok(e instanceof Error);
  assert.equal(e.code, 'LUA_TIMEOUT');
  assert.match(e.message, TIMEOUT_TEXT);
  assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
  // A blocked loop would tick at most once, after the run; how often a free
  // one ticks depends on the machine's load, so only "more than once" counts.
  assert.ok(ticks >= 2, `the event loop ticked ${ticks} times during a ${ms.toFixed(0)} ms run`);
  assert.equal(c.is_busy(), false);
  assertUsable(c);
});

test('async: execute_script_async rejects with the instruction limit, even when the script catches it', async () => {
  const c = make({ maxInstructions: 500_000 });
  for (const script of ['while true do end', "local ok, e = pcall(function() while true do end end) return 'survived'"]) {
    const e = await rejection(c.execute_script_async(script));
    assert.equal(e.code, 'LUA_INSTRUCTION_LIMIT');
    assert.match(e.message, LIMIT_TEXT);
  }
  assert.equal(await c.execute_script_async('local x = 0 for i = 1, 1000 do x = x + 1 end return x'), 1000);
});

test('async: execute_file_async and the memory limit', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-native-limits-'));
  try {
    const file = path.join(dir, 'loop.lua');
    fs.writeFileSync(file, 'while true do pcall(function() while true do end end) end');
    const c = make({ timeout: 100, maxMemory: 512 * KB });
    const e = await rejection(c.execute_file_async(file));
    assert.equal(e.code, 'LUA_TIMEOUT');
    const m = await rejection(c.execute_script_async("return string.rep('x', 1e7)"));
    assert.equal(m.code, 'LUA_MEMORY');
    assert.equal(m.message, 'not enough memory');
    assertUsable(c);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------
// A5. Hooks
// ---------------------------------------------------------------------------

function recorder() {
  const events = [];
  const hook = (event, line, name) => events.push([event, line, name]);
  return { events, hook };
}

test('A5 line events fire once per line with correct numbers; results are undisturbed', () => {
  const c = make({});
  const { events, hook } = recorder();
  c.set_hook(hook, { line: true });
  assert.equal(c.execute_script('local a = 1\nlocal b = 2\nlocal c = a + b\nreturn c'), 3);
  assert.deepEqual(events.map(([e, l]) => [e, l]), [['line', 1], ['line', 2], ['line', 3], ['line', 4]]);
  for (const [, , name] of events) assert.equal(typeof name, 'string');
});

test('A5 line events inside a loop repeat the loop lines', () => {
  const c = make({});
  const lines = [];
  c.set_hook((e, line) => lines.push(line), { line: true });
  c.execute_script('local s = 0\nfor i = 1, 3 do\n  s = s + i\nend\nreturn s');
  assert.equal(lines.filter((l) => l === 3).length, 3);
  assert.equal(lines[0], 1);
  assert.equal(lines[lines.length - 1], 5);
});

test('A5 errors pass through a hooked script intact', () => {
  const c = make({});
  const plain = throwsExactly(() => c.execute_script("error('boom')"), Error);
  c.set_hook(() => {}, { line: true, call: true, return: true, count: 1 });
  const hooked = throwsExactly(() => c.execute_script("error('boom')"), Error);
  assert.equal(hooked.message, plain.message);
  assert.equal(hooked.code, plain.code);
});

test('A5 call and return events fire, with function names', () => {
  const c = make({});
  const { events, hook } = recorder();
  c.execute_script('function greet(x) return x end');
  c.set_hook(hook, { call: true, return: true });
  assert.equal(c.execute_script('local function helper() return greet(5) + 1 end\nlocal r = helper()\nreturn r'), 6);
  const calls = events.filter(([e]) => e === 'call').map(([, , n]) => n);
  const returns = events.filter(([e]) => e === 'return').map(([, , n]) => n);
  assert.ok(calls.includes('helper'), `calls ${JSON.stringify(calls)}`);
  assert.ok(calls.includes('greet'), `calls ${JSON.stringify(calls)}`);
  assert.ok(returns.includes('greet'), `returns ${JSON.stringify(returns)}`);
  assert.ok(returns.includes('helper'), `returns ${JSON.stringify(returns)}`);
  for (const [event, line, name] of events) {
    assert.ok(['call', 'return', 'tail call'].includes(event));
    assert.ok(Number.isInteger(line) && line >= -1);
    assert.equal(typeof name, 'string');
  }
  // A C function has no line information: line is -1.
  events.length = 0;
  c.execute_script('return type(1)');
  const typeCall = events.find(([e, , n]) => e === 'call' && n === 'type');
  assert.ok(typeCall, `events ${JSON.stringify(events)}`);
  assert.equal(typeCall[1], -1);
});

test("A5 tail calls are reported as 'tail call' and get no matching return", () => {
  const c = make({});
  const { events, hook } = recorder();
  c.execute_script('function g() return 1 end function f() return g() end');
  c.set_hook(hook, { call: true, return: true });
  c.execute_script('f()');
  const kinds = events.map(([e]) => e);
  assert.ok(kinds.includes('tail call'), `events ${JSON.stringify(events)}`);
  const starts = kinds.filter((k) => k === 'call' || k === 'tail call').length;
  const ends = kinds.filter((k) => k === 'return').length;
  assert.equal(starts - ends, 1, `one start more than ends (the tail call): ${JSON.stringify(events)}`);
});

test('A5 count events fire at roughly the interval', () => {
  const c = make({});
  let n = 0;
  c.set_hook((event) => {
    assert.equal(event, 'count');
    n++;
  }, { count: 1000 });
  c.execute_script('for i = 1, 100000 do end'); // ~100k instructions (one FORLOOP each)
  assert.ok(n >= 90 && n <= 110, `${n} count events for ~100k instructions at interval 1000`);
});

test('A5 a fine count hook alongside maxInstructions: events every 7 instructions and an exact budget', () => {
  const c = make({ maxInstructions: 200_000 });
  let n = 0;
  c.set_hook(() => n++, { count: 7 });
  c.execute_script('for i = 1, 7000 do end');
  assert.ok(n >= 900 && n <= 1100, `${n} count events for ~7000 instructions at interval 7`);
  const ms = timed(() => throwsInstructions(() => c.execute_script('while true do end')));
  assert.ok(ms < 5000);
});

test('A5 remove_hook stops events and is a no-op when no hook is set', () => {
  const c = make({});
  c.remove_hook();
  let n = 0;
  c.set_hook(() => n++, { line: true });
  c.execute_script('local a = 1');
  assert.equal(n, 1);
  c.remove_hook();
  c.execute_script('local a = 1\nlocal b = 2');
  assert.equal(n, 1);
  c.remove_hook();
});

test('A5 remove_hook from inside the hook', () => {
  const c = make({});
  let n = 0;
  c.set_hook(() => {
    n++;
    c.remove_hook();
  }, { line: true });
  assert.equal(c.execute_script('local a = 1\nlocal b = 2\nlocal c = 3\nreturn a + b + c'), 6);
  assert.equal(n, 1);
});

test('A5 replacing the hook detaches the old one, also from inside the hook', () => {
  const c = make({});
  const seen = [];
  c.set_hook(() => seen.push('old'), { line: true });
  c.set_hook(() => seen.push('new'), { line: true });
  c.execute_script('local a = 1');
  assert.deepEqual(seen, ['new']);
  seen.length = 0;
  c.set_hook(() => {
    seen.push('first');
    c.set_hook(() => seen.push('second'), { line: true });
  }, { line: true });
  c.execute_script('local a = 1\nlocal b = 2\nlocal c = 3');
  assert.deepEqual(seen, ['first', 'second', 'second']);
});

test('A5 a throwing hook is swallowed: the script runs on and returns its result', () => {
  const c = make({});
  let n = 0;
  c.set_hook(() => {
    n++;
    throw new Error('hook failure');
  }, { line: true, call: true, return: true });
  assert.equal(c.execute_script('local function f(x) return x * 2 end\nlocal y = f(21)\nreturn y'), 42);
  assert.ok(n > 3);
  assertUsable(c);
});

test('A5 re-entrant Lua inside a hook works', () => {
  const c = make({});
  const inner = [];
  c.set_hook((event, line) => {
    inner.push(c.execute_script(`return ${line} * 10`));
  }, { line: true });
  assert.equal(c.execute_script('local a = 1\nlocal b = 2\nreturn a + b'), 3);
  assert.deepEqual(inner, [10, 20, 30]);
});

test('A5 maxInstructions stays enforced with a line-only hook (and with a call-only hook)', () => {
  for (const mask of [{ line: true }, { call: true }, { return: true }]) {
    const c = make({ maxInstructions: 100_000 });
    let n = 0;
    c.set_hook(() => n++, mask);
    throwsInstructions(() => c.execute_script('local function f() end while true do f() end'));
    assert.ok(n > 0);
  }
});

test('A5 the timeout stays enforced with a line-only hook', () => {
  const c = make({ timeout: 100 });
  c.set_hook(() => {}, { line: true });
  const ms = timed(() => throwsTimeout(() => c.execute_script('while true do\nend')));
  assert.ok(ms < 1000);
});

test('A5 coroutines created before set_hook are traced (Lua-created and JS-created)', () => {
  const c = make({});
  c.execute_script('co = coroutine.create(function()\n  local x = 1\n  coroutine.yield(x)\n  return x + 1\nend)');
  const jsCo = c.create_coroutine('return function()\n  local y = 1\n  return y\nend');
  const lines = [];
  c.set_hook((event, line) => lines.push(line), { line: true });
  c.execute_script('coroutine.resume(co)');
  assert.ok(lines.includes(2) && lines.includes(3), `lines inside the old coroutine: ${lines}`);
  lines.length = 0;
  assert.deepEqual(c.resume(jsCo), { status: 'dead', values: [1] });
  assert.ok(lines.includes(2) && lines.includes(3), `lines inside the old JS coroutine: ${lines}`);
});

test('A5 coroutines created after set_hook are traced', () => {
  const c = make({});
  const names = [];
  c.set_hook((event, line, name) => names.push(name), { call: true });
  c.execute_script('local function inside() return 1 end local co = coroutine.wrap(function() return inside() + 1 end) return co()');
  assert.ok(names.includes('inside'), `names ${JSON.stringify(names)}`);
});

test('A5 no hook events during execute_script_async; a sync run afterwards is traced', async () => {
  const c = make({});
  let n = 0;
  c.set_hook(() => n++, { line: true, call: true, count: 10 });
  assert.equal(await c.execute_script_async('local a = 1\nlocal b = 2\nreturn a + b'), 3);
  assert.equal(n, 0);
  c.execute_script('local a = 1');
  assert.ok(n > 0);
});

test('A5 set_hook and remove_hook are refused while busy with an async run', async () => {
  const c = make({});
  const p = c.execute_script_async('local x = 0 for i = 1, 3e6 do x = x + 1 end return x');
  throwsExactly(() => c.set_hook(() => {}, { line: true }), Error, 'Lua context is busy with an async operation', 'LUA_BUSY');
  throwsExactly(() => c.remove_hook(), Error, 'Lua context is busy with an async operation', 'LUA_BUSY');
  assert.equal(await p, 3e6);
});

test('A5 argument validation texts', () => {
  const c = make({});
  const fn = () => {};
  for (const bad of [undefined, null, 1, 'f', {}, []]) {
    throwsExactly(() => c.set_hook(bad, { line: true }), TypeError, 'set_hook(callback, options) requires a function');
  }
  throwsExactly(() => c.set_hook(), TypeError, 'set_hook(callback, options) requires a function');
  const optionsText = 'set_hook(callback, options) requires an options object ({ call?, return?, line?, count? })';
  for (const bad of [undefined, null, 1, 'line', true, [], [1], () => {}]) {
    throwsExactly(() => c.set_hook(fn, bad), TypeError, optionsText);
  }
  for (const bad of ['5', true, {}, 5n]) {
    throwsExactly(() => c.set_hook(fn, { count: bad }), TypeError, 'set_hook(): count must be a number');
  }
  for (const bad of [0, -1, 1.5, 2 ** 31, NaN, Infinity, -Infinity]) {
    throwsExactly(() => c.set_hook(fn, { count: bad }), RangeError, 'set_hook(): count must be a positive integer');
  }
  const noneText = 'set_hook(): at least one of call, return, line, or count must be requested';
  for (const bad of [{}, { call: false, return: 0, line: '' }, { count: undefined }, { count: null }]) {
    throwsExactly(() => c.set_hook(fn, bad), TypeError, noneText);
  }
  // Flags are truthy-coerced; 2^31 - 1 is the largest count.
  c.set_hook(fn, { line: 'yes' });
  c.set_hook(fn, { count: 2 ** 31 - 1 });
  // Every refusal carries a code, and a refused set_hook leaves the context usable.
  const e = throwsExactly(() => c.set_hook(fn, {}), TypeError);
  assert.equal(typeof e.code, 'string');
  assertUsable(c);
});

test('conversions a script causes through nested calls are charged to its budget; the host\'s own are free', () => {
  const seen = [];
  const c = new lua_native.init({
    readBig: () => {
      try {
        return c.get_global('big').length;
      } catch (e) {
        seen.push(e.code);
        throw e;
      }
    },
  }, { libraries: ['base'], maxInstructions: 20000 });
  c.set_global('big', Array.from({ length: 1000 }, (_, i) => i));
  assert.equal(c.execute_script('return readBig()'), 1000, 'a small copy fits in the budget');
  // The host writes and reads it outside any run: free, whatever the budget.
  c.set_global('big', Array.from({ length: 100000 }, (_, i) => i));
  assert.equal(c.get_global('big').length, 100000);
  // The same read made from inside a script costs the script 100,000 units.
  assert.throws(() => c.execute_script('return readBig()'), { code: 'LUA_INSTRUCTION_LIMIT', message: /instruction limit exceeded/ });
  assert.deepEqual(seen, ['LUA_INSTRUCTION_LIMIT']);
  // A script that swallows the callback's error still stops.
  assert.throws(() => c.execute_script('pcall(readBig) while true do end'), { code: 'LUA_INSTRUCTION_LIMIT' });
  assert.equal(c.execute_script('return 1 + 1'), 2);
});
