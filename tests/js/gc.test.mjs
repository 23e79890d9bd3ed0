// EVOLUTION.md A3: GC control, `ctx.gc(command, ...)`.
// Every test A3 lists is here: count, collect, stop/restart/isrunning, step, modes, param,
// the guards (unknown or missing command, busy during a worker run, refused from inside a
// __gc finalizer) and a bare state. Nothing of A3 is skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';

const BUSY = 'Lua context is busy with an async operation';
/** Lua source that keeps the worker busy for a while (~100-300 ms). */
const SLOW = 'local x = 0 for i = 1, 2e7 do x = x + i % 7 end return "slow done"';
const PARAMS = ['minormul', 'majorminor', 'minormajor', 'pause', 'stepmul', 'stepsize'];

// ------------------------------------------------------------------ count

test('A3 count: positive, in KB with a fraction (KB + bytes/1024)', () => {
  const c = ctx(['base']);
  const kb = c.gc('count');
  assert.equal(typeof kb, 'number');
  assert.ok(kb > 0, `count ${kb}`);
  assert.ok(Number.isFinite(kb));
  // KB with a fraction: an exact multiple of 1/1024, and the byte count it stands for.
  assert.equal(Number.isInteger(kb * 1024), true, `count ${kb} is not bytes/1024`);
  // It carries the fraction: over a few differently sized states, not every reading is whole KB.
  const readings = [kb];
  for (let i = 1; i <= 8; i++) {
    c.execute_script(`x${i} = { ${'1, '.repeat(i)} }`);
    readings.push(c.gc('count'));
  }
  assert.ok(readings.some((r) => r !== Math.trunc(r)), `all whole: ${readings}`);
  for (const r of readings) assert.equal(Number.isInteger(r * 1024), true);
});

test('A3 count: tracks allocation (grows while Lua keeps data, falls after it is dropped and collected)', () => {
  const c = ctx(['base']);
  const before = c.gc('count');
  c.execute_script('keep = {} for i = 1, 1e4 do keep[i] = { i } end');
  const grown = c.gc('count');
  assert.ok(grown > before + 300, `before ${before} KB, after allocating ${grown} KB`);
  c.execute_script('keep = nil');
  c.gc('collect');
  const after = c.gc('count');
  assert.ok(after < before + 16, `after collecting ${after} KB (started at ${before} KB)`);
});

test("A3 count: equals Lua's own collectgarbage('count') read at the same moment", () => {
  let c;
  c = ctx(['base'], { probe: () => c.gc('count') });
  // The first probe() of the chunk warms the call path (Lua may extend its call-info list
  // once); the two readings that follow have nothing allocated between them.
  const [lua, host] = c.execute_script('probe() local a = collectgarbage("count") local b = probe() return a, b');
  assert.equal(host, lua);
  c.execute_script('junk = {} for i = 1, 1000 do junk[i] = { i } end');
  const [lua2, host2] = c.execute_script('probe() local a = collectgarbage("count") local b = probe() return a, b');
  assert.equal(host2, lua2);
  assert.ok(lua2 > lua);
});

test('A3 count: equals get_memory_usage() when nothing is pending and never exceeds it', () => {
  // Tables and numbers only: every byte goes through Lua's own accounting.
  const c = ctx(['base']);
  for (let i = 0; i < 20; i++) {
    c.execute_script(`t${i} = { ${i}, ${i} * 2, { ${i} } }`);
    assert.equal(c.gc('count') * 1024, c.get_memory_usage(), `round ${i}`);
  }
  c.gc('collect');
  assert.equal(c.gc('count') * 1024, c.get_memory_usage());
  // With the string library's buffers in play (Lua 5.5 may keep a buffer as an external
  // string the collector does not count) the two can differ, but count never exceeds usage.
  const s = ctx(['base', 'string', 'table']);
  for (let i = 0; i < 20; i++) {
    s.execute_script(`v${i} = string.rep("x", ${i * 997}) w${i} = table.concat({ "a", "${i}", v${i} })`);
    const kb = s.gc('count');
    const bytes = s.get_memory_usage();
    assert.ok(kb * 1024 <= bytes, `round ${i}: count ${kb} KB exceeds get_memory_usage() ${bytes} B`);
  }
});

// ------------------------------------------------------------------ collect

test('A3 collect: returns undefined', () => {
  const c = ctx(['base']);
  assert.equal(c.gc('collect'), undefined);
  assertUsable(c);
});

test('A3 collect: reclaims memory', () => {
  const c = ctx(['base']);
  c.gc('stop'); // keep the collector from reclaiming it on its own first
  c.execute_script('local t = {} for i = 1, 2e4 do t[i] = { i } end t = nil');
  const before = c.get_memory_usage();
  c.gc('collect');
  const after = c.get_memory_usage();
  assert.ok(after < before - 500 * 1024, `before ${before} B, after ${after} B`);
  c.gc('restart');
});

test('A3 collect: runs __gc finalizers (Lua-side and a JS callback they call)', () => {
  const seen = [];
  const c = ctx(['base'], { note: (s) => { seen.push(s); } });
  c.execute_script('finalized = 0 setmetatable({}, { __gc = function() finalized = finalized + 1 note("gc ran") end })');
  c.gc('collect');
  assert.equal(c.get_global('finalized'), 1);
  assert.deepEqual(seen, ['gc ran']);
});

test('A3 collect: is safe from inside a host callback (and the rest of the commands too)', () => {
  let c;
  const results = [];
  c = ctx(['base'], {
    work: () => {
      results.push(c.gc('collect'));
      results.push(typeof c.gc('count'));
      results.push(typeof c.gc('step'));
      results.push(c.gc('isrunning'));
      return 'done';
    },
  });
  assert.equal(c.execute_script('local t = {} for i = 1, 1000 do t[i] = {} end t = nil return work()'), 'done');
  assert.deepEqual(results, [undefined, 'number', 'boolean', true]);
  // Locals still referenced by the running chunk survive a collect from the callback.
  assert.equal(c.execute_script('local t = { 1, 2, 3 } work() return #t'), 3);
  assertUsable(c);
});

// ------------------------------------------------------------------ stop / restart / isrunning

test('A3 isrunning: the collector runs by default', () => {
  assert.equal(ctx(['base']).gc('isrunning'), true);
  assert.equal(new lua_native.init().gc('isrunning'), true);
});

test('A3 stop/restart return undefined and are observed through isrunning', () => {
  const c = ctx(['base']);
  assert.equal(c.gc('stop'), undefined);
  assert.equal(c.gc('isrunning'), false);
  assert.equal(c.gc('stop'), undefined);
  assert.equal(c.gc('isrunning'), false);
  assert.equal(c.gc('restart'), undefined);
  assert.equal(c.gc('isrunning'), true);
  assert.equal(c.gc('restart'), undefined);
  assert.equal(c.gc('isrunning'), true);
  // Lua sees the same switch.
  c.gc('stop');
  assert.equal(c.execute_script('return collectgarbage("isrunning")'), false);
  c.gc('restart');
  assert.equal(c.execute_script('return collectgarbage("isrunning")'), true);
});

test('A3 stop: garbage is held until an explicit collect', () => {
  const c = ctx(['base']);
  c.gc('stop');
  const before = c.gc('count');
  c.execute_script('for i = 1, 2e4 do local t = { i } end');
  const held = c.gc('count');
  assert.ok(held > before + 500, `stopped: ${before} KB before, ${held} KB after making garbage`);
  c.execute_script('x = 1'); // more work does not collect it either
  assert.ok(c.gc('count') >= held);
  c.gc('collect');
  assert.ok(c.gc('count') < before + 16, `after collect ${c.gc('count')} KB`);
  assert.equal(c.gc('isrunning'), false, 'an explicit collect does not restart the collector');
  c.gc('restart');
  assertUsable(c);
});

test('A3 stop: maxMemory stays enforced while the collector is stopped', () => {
  const limit = 256 * 1024;
  const c = new lua_native.init(undefined, { libraries: ['base'], maxMemory: limit });
  c.gc('stop');
  // Live data (a local the loop keeps filling) runs into the limit.
  throwsExactly(() => c.execute_script('local keep = {} for i = 1, 1e6 do keep[i] = { i } end'), Error, 'not enough memory', 'LUA_MEMORY');
  assert.ok(c.get_memory_usage() <= limit, `usage ${c.get_memory_usage()} over the ${limit} limit`);
  assert.equal(c.gc('isrunning'), false, 'still stopped after the memory error');
  c.gc('collect');
  // Plain garbage made while stopped never takes the state over its limit either.
  try {
    c.execute_script('for i = 1, 1e5 do local t = { i } end');
  } catch (e) {
    assert.equal(e.code, 'LUA_MEMORY');
  }
  assert.ok(c.get_memory_usage() <= limit);
  c.gc('collect');
  c.gc('restart');
  assertUsable(c);
});

// ------------------------------------------------------------------ step

test('A3 step: returns a boolean, with and without a size', () => {
  const c = ctx(['base']);
  c.execute_script('for i = 1, 1000 do local t = {} end');
  assert.equal(typeof c.gc('step'), 'boolean');
  assert.equal(typeof c.gc('step', 0), 'boolean');
  assert.equal(typeof c.gc('step', 64), 'boolean');
  assert.equal(typeof c.gc('step', 1.5), 'boolean');
  assert.equal(typeof c.gc('step', undefined), 'boolean');
  assertUsable(c);
});

test('A3 step: takes a size and eventually finishes a cycle (returns true)', () => {
  const c = ctx(['base']);
  c.execute_script('junk = {} for i = 1, 2e4 do junk[i] = { i } end junk = nil');
  let steps = 0;
  let finished = false;
  while (!finished && steps < 100_000) {
    finished = c.gc('step', 1024);
    steps++;
  }
  assert.equal(finished, true, `no cycle finished after ${steps} steps`);
  // A finished cycle reclaimed the garbage.
  assert.ok(c.gc('count') < 100, `count ${c.gc('count')} KB after the cycle`);
  // Without a size, too.
  c.execute_script('junk = {} for i = 1, 1000 do junk[i] = {} end junk = nil');
  steps = 0;
  finished = false;
  while (!finished && steps < 100_000) {
    finished = c.gc('step');
    steps++;
  }
  assert.equal(finished, true);
});

test('A3 step: a negative size is a RangeError, a non-number size a TypeError', () => {
  const c = ctx(['base']);
  throwsExactly(() => c.gc('step', -1), RangeError, "gc('step', stepSize): stepSize must be non-negative");
  throwsExactly(() => c.gc('step', -0.5), RangeError, "gc('step', stepSize): stepSize must be non-negative");
  throwsExactly(() => c.gc('step', 'big'), TypeError, "gc('step', stepSize): stepSize must be a number");
  throwsExactly(() => c.gc('step', {}), TypeError, "gc('step', stepSize): stepSize must be a number");
  throwsExactly(() => c.gc('step', true), TypeError, "gc('step', stepSize): stepSize must be a number");
  assertUsable(c);
});

// ------------------------------------------------------------------ modes

test('A3 modes: incremental/generational return the PREVIOUS mode and round-trip', () => {
  const c = ctx(['base']);
  assert.equal(c.gc('generational'), 'incremental', 'a state starts incremental');
  assert.equal(c.gc('generational'), 'generational');
  assert.equal(c.gc('incremental'), 'generational');
  assert.equal(c.gc('incremental'), 'incremental');
  // Lua's own switch reports the same modes.
  assert.equal(c.gc('generational'), 'incremental');
  assert.equal(c.execute_script('return collectgarbage("incremental")'), 'generational');
  assert.equal(c.gc('incremental'), 'incremental');
});

test('A3 modes: the context stays usable in generational mode', () => {
  const c = ctx(['base', 'string']);
  c.gc('generational');
  for (let round = 0; round < 5; round++) {
    c.execute_script('local t = {} for i = 1, 2e4 do t[i] = { tostring(i) } end keep = t[#t]');
    assert.equal(typeof c.gc('step'), 'boolean');
  }
  assert.equal(c.execute_script('return keep[1]'), '20000');
  c.gc('collect');
  assert.ok(c.gc('count') < 100);
  assertUsable(c);
  assert.equal(c.gc('incremental'), 'generational');
});

// ------------------------------------------------------------------ param

test('A3 param: reads without changing (value omitted)', () => {
  const c = ctx(['base']);
  for (const name of PARAMS) {
    const a = c.gc('param', name);
    const b = c.gc('param', name);
    const d = c.gc('param', name, undefined);
    assert.equal(typeof a, 'number', name);
    assert.ok(Number.isInteger(a) && a >= 0, `${name} = ${a}`);
    assert.equal(b, a, name);
    assert.equal(d, a, name);
  }
  // The same as Lua's own reading.
  assert.equal(c.gc('param', 'pause'), c.execute_script('return collectgarbage("param", "pause")'));
});

test('A3 param: setting returns the previous value, and the new one reads back', () => {
  const c = ctx(['base']);
  const original = c.gc('param', 'pause');
  assert.equal(c.gc('param', 'pause', 150), original);
  assert.equal(c.gc('param', 'pause'), 150);
  assert.equal(c.gc('param', 'pause', 300), 150);
  assert.equal(c.gc('param', 'pause'), 300);
  assert.equal(c.execute_script('return collectgarbage("param", "pause")'), 300);
  assert.equal(c.gc('param', 'pause', original), 300);
  assert.equal(c.gc('param', 'pause'), original);
});

test('A3 param: accepts every name (minormul, majorminor, minormajor, pause, stepmul, stepsize), bounds 0 and 100000 included', () => {
  const c = ctx(['base']);
  for (const name of PARAMS) {
    const original = c.gc('param', name);
    assert.equal(c.gc('param', name, 40), original, name);
    assert.equal(c.gc('param', name), 40, name);
    assert.equal(c.gc('param', name, 0), 40, name);
    assert.equal(typeof c.gc('param', name, 100000), 'number', name); // upper bound accepted
    c.gc('param', name, original);
  }
  c.execute_script('for i = 1, 1e4 do local t = {} end');
  c.gc('collect');
  assertUsable(c);
});

test('A3 param: rejects unknown names and out-of-range or non-number values', () => {
  const c = ctx(['base']);
  throwsExactly(() => c.gc('param', 'bogus'), RangeError, "Unknown GC parameter: 'bogus'");
  throwsExactly(() => c.gc('param', 'setpause', 100), RangeError, "Unknown GC parameter: 'setpause'");
  throwsExactly(() => c.gc('param', 'Pause'), RangeError, "Unknown GC parameter: 'Pause'");
  const RANGE = "gc('param', name, value): value must be between 0 and 100000";
  throwsExactly(() => c.gc('param', 'pause', -1), RangeError, RANGE);
  throwsExactly(() => c.gc('param', 'pause', 100001), RangeError, RANGE);
  throwsExactly(() => c.gc('param', 'pause', 1e12), RangeError, RANGE);
  throwsExactly(() => c.gc('param', 'pause', NaN), RangeError, RANGE);
  throwsExactly(() => c.gc('param', 'pause', Infinity), RangeError, RANGE);
  const NUMBER = "gc('param', name, value): value must be a number";
  throwsExactly(() => c.gc('param', 'pause', '150'), TypeError, NUMBER);
  throwsExactly(() => c.gc('param', 'pause', {}), TypeError, NUMBER);
  throwsExactly(() => c.gc('param', 'pause', true), TypeError, NUMBER);
  // Nothing was changed by the refusals.
  const pause = c.gc('param', 'pause');
  throwsExactly(() => c.gc('param', 'pause', -5), RangeError, RANGE);
  assert.equal(c.gc('param', 'pause'), pause);
  assertUsable(c);
});

test('A3 param: requires a parameter name string', () => {
  const c = ctx(['base']);
  const MSG = "gc('param', name, value?) requires a parameter name string";
  throwsExactly(() => c.gc('param'), TypeError, MSG);
  throwsExactly(() => c.gc('param', 5), TypeError, MSG);
  throwsExactly(() => c.gc('param', null, 5), TypeError, MSG);
  throwsExactly(() => c.gc('param', {}), TypeError, MSG);
  assertUsable(c);
});

// ------------------------------------------------------------------ guards

test('A3 guards: a missing or non-string command is a TypeError', () => {
  const c = ctx(['base']);
  const MSG = "gc(command) requires a command string (e.g. 'collect', 'count')";
  throwsExactly(() => c.gc(), TypeError, MSG);
  throwsExactly(() => c.gc(undefined), TypeError, MSG);
  throwsExactly(() => c.gc(null), TypeError, MSG);
  throwsExactly(() => c.gc(1), TypeError, MSG);
  throwsExactly(() => c.gc({}), TypeError, MSG);
  throwsExactly(() => c.gc(['collect']), TypeError, MSG);
  assertUsable(c);
});

test('A3 guards: an unknown command is an Error naming it (commands are case-sensitive)', () => {
  const c = ctx(['base']);
  throwsExactly(() => c.gc('bogus'), RangeError, "Unknown GC command: 'bogus'");
  throwsExactly(() => c.gc('COLLECT'), RangeError, "Unknown GC command: 'COLLECT'");
  throwsExactly(() => c.gc(''), RangeError, "Unknown GC command: ''");
  throwsExactly(() => c.gc('setpause', 100), RangeError, "Unknown GC command: 'setpause'");
  assertUsable(c);
});

test('A3 guards: every command throws the busy Error during a worker run, and works again after', async () => {
  const c = ctx(['base']);
  const pending = c.execute_script_async(SLOW);
  assert.equal(c.is_busy(), true);
  for (const args of [['collect'], ['count'], ['stop'], ['restart'], ['isrunning'], ['step'], ['incremental'], ['generational'], ['param', 'pause'], ['param', 'pause', 200]]) {
    throwsExactly(() => c.gc(...args), Error, BUSY, 'LUA_BUSY');
  }
  assert.equal(await pending, 'slow done');
  assert.equal(c.gc('isrunning'), true, 'the refused stop did not happen');
  assert.equal(c.gc('generational'), 'incremental', 'the refused mode switch did not happen');
  assert.equal(c.gc('collect'), undefined);
  assertUsable(c);
});

test('A3 guards: rejected from inside a __gc finalizer (LUA_GC_BUSY), for every command', () => {
  let c;
  const outcomes = [];
  const commands = [['collect'], ['count'], ['step'], ['isrunning'], ['stop'], ['restart'], ['incremental'], ['generational'], ['param', 'pause']];
  c = ctx(['base'], {
    fromFinalizer: () => {
      for (const args of commands) {
        try {
          outcomes.push([args[0], 'returned', c.gc(...args)]);
        } catch (e) {
          outcomes.push([args[0], e.constructor.name, e.message, e.code]);
        }
      }
    },
  });
  c.execute_script('setmetatable({}, { __gc = function() fromFinalizer() end })');
  c.gc('collect');
  assert.deepEqual(
    outcomes,
    commands.map(([cmd]) => [cmd, 'Error', `gc('${cmd}') is not available while a collection is in progress`, 'LUA_GC_BUSY']),
  );
  // Lua's own collectgarbage() driving the finalizer gives the same.
  outcomes.length = 0;
  c.execute_script('setmetatable({}, { __gc = function() fromFinalizer() end }) collectgarbage()');
  assert.equal(outcomes.length, commands.length);
  for (const o of outcomes) assert.equal(o[3], 'LUA_GC_BUSY', JSON.stringify(o));
  // The collector is untouched and the context fine afterwards.
  assert.equal(c.gc('isrunning'), true);
  assert.equal(c.gc('incremental'), 'incremental');
  assertUsable(c);
});

test('A3 guards: a finalizer whose gc() call is refused can catch it in Lua (pcall) and the state goes on', () => {
  let c;
  c = ctx(['base'], { fromFinalizer: () => c.gc('collect') });
  c.execute_script('setmetatable({}, { __gc = function() ok, err = pcall(fromFinalizer) end })');
  c.gc('collect');
  assert.equal(c.get_global('ok'), false);
  // The refusal thrown in the callback reaches Lua as a table (EVOLUTION B6).
  assert.match(c.get_global('err').message, /gc\('collect'\) is not available while a collection is in progress/);
  assertUsable(c);
});

// ------------------------------------------------------------------ bare state

test('A3 works on a bare state (no libraries at all)', () => {
  const c = new lua_native.init();
  assert.ok(c.gc('count') > 0);
  assert.equal(c.gc('collect'), undefined);
  assert.equal(c.gc('isrunning'), true);
  assert.equal(c.gc('stop'), undefined);
  assert.equal(c.gc('isrunning'), false);
  assert.equal(c.gc('restart'), undefined);
  assert.equal(typeof c.gc('step'), 'boolean');
  assert.equal(c.gc('generational'), 'incremental');
  assert.equal(c.gc('incremental'), 'generational');
  const pause = c.gc('param', 'pause');
  assert.equal(c.gc('param', 'pause', 120), pause);
  assert.equal(c.gc('count') * 1024, c.get_memory_usage());
  assert.equal(c.execute_script('return 1 + 1'), 2);
});

test('A3 gc() on one context leaves another alone', () => {
  const a = ctx(['base']);
  const b = ctx(['base']);
  a.gc('stop');
  a.gc('generational');
  a.gc('param', 'pause', 123);
  assert.equal(b.gc('isrunning'), true);
  assert.equal(b.gc('incremental'), 'incremental');
  assert.notEqual(b.gc('param', 'pause'), 123);
  a.gc('restart');
});
