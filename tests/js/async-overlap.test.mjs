// API-SEED §7.1: independent contexts run their async work truly in parallel on the
// worker pool, and the main thread stays free meanwhile.
//
// Four async runs that wait for each other (a file handshake) prove they are in flight
// at once, with no timing involved. The wall time of four CPU-bound runs against the sum
// of their solo times is measured and reported (~0.5 x on 2 cores), not asserted: a
// timed assertion on a shared machine fails for reasons that are not the library's.
// Meanwhile a 10 ms setInterval on the main thread must keep ticking.
import { test } from 'node:test';
import os from 'node:os';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import lua_native from './load.mjs';
import { ctx } from './helpers.mjs';

const WORK = (n) => `local x = 0 for i = 1, ${n} do x = (x + i * 7) % 1000003 end return x`;

function expected(n) {
  let x = 0;
  for (let i = 1; i <= n; i++) x = (x + i * 7) % 1000003;
  return x;
}

/**
 * Picks an iteration count that takes roughly 150-300 ms on one context. Each count is timed
 * twice and the faster run counts: a first run slowed by a cold start or a busy moment made
 * a count that later ran in under 100 ms (16M iterations: 98 ms on an idle machine).
 */
async function calibrate(c) {
  let n = 2_000_000;
  for (let i = 0; i < 6; i++) {
    let ms = Infinity;
    for (let k = 0; k < 2; k++) {
      const t0 = performance.now();
      await c.execute_script_async(WORK(n));
      ms = Math.min(ms, performance.now() - t0);
    }
    if (ms >= 150) return n;
    n = Math.ceil(n * Math.min(8, 220 / Math.max(ms, 1)));
  }
  return n;
}

/** One measurement: solo times one after another, then all four at once with a ticking interval. */
async function measure(contexts, n, want) {
  const solo = [];
  for (const c of contexts) {
    const t0 = performance.now();
    assert.equal(await c.execute_script_async(WORK(n)), want);
    solo.push(performance.now() - t0);
  }
  const sum = solo.reduce((a, b) => a + b, 0);

  let ticks = 0;
  let maxGap = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
  }, 10);
  const t0 = performance.now();
  const promises = contexts.map((c) => c.execute_script_async(WORK(n)));
  const busyDuring = contexts.map((c) => c.is_busy());
  const results = await Promise.all(promises);
  const wall = performance.now() - t0;
  maxGap = Math.max(maxGap, performance.now() - last);
  clearInterval(timer);

  assert.deepEqual(results, [want, want, want, want]);
  assert.deepEqual(busyDuring, [true, true, true, true]);
  for (const c of contexts) assert.equal(c.is_busy(), false);
  const detail = `solo ${solo.map((x) => x.toFixed(0)).join('+')} = ${sum.toFixed(0)} ms, together ${wall.toFixed(0)} ms, ` +
    `ratio ${(wall / sum).toFixed(2)}, ticks ${ticks}, max gap ${maxGap.toFixed(1)} ms, n ${n}`;
  return { solo, sum, wall, ticks, maxGap, detail };
}

// Other processes may share the two cores (parallel builds, benchmarks), which can eat the
// overlap of a single measurement; so up to five measurements are made and the test passes
// when one of them shows the overlap. The event loop must stay responsive in every one.
// This is a timing check on a shared machine, so it is only reported (a diagnostic), never
// failed on: the overlap itself is proven without timing by the handshake test below.
test('async overlap: 4 contexts together vs the sum of their solo times (reported), and a 10 ms interval keeps ticking', { timeout: 60_000 }, async (t) => {
  const contexts = [1, 2, 3, 4].map(() => ctx(['base']));
  const n = await calibrate(contexts[0]);
  const want = expected(n);
  const attempts = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, 250));
    const m = await measure(contexts, n, want);
    attempts.push(`${m.detail}, loadavg ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    // Calibrated for >= 150 ms, but a count timed on a busy moment runs
    // faster later (16M iterations: 98 ms idle); 40 ms is still many ticks
    // of the 10 ms interval, which is what makes the run a real workload.
    assert.ok(m.solo.every((x) => x >= 40), `each solo run should be a real workload: ${m.detail}`);
    // Generous bounds: a stall of the main thread is seconds, not milliseconds.
    assert.ok(m.maxGap < 1000, `the event loop stalled: ${m.detail}`);
    assert.ok(m.ticks >= 1, `the interval never ticked: ${m.detail}`);
    if (m.wall < 0.75 * m.sum) break;
  }
  t.diagnostic(attempts.join(' | '));
});

// The overlap without timing: four async runs that can only finish if all four are in flight
// at once. Each writes its own file, then waits until all four files exist; runs made one
// after another would each wait forever, and end at their `timeout` instead.
test('async overlap: four async runs are in flight at the same time (a file handshake)', { timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-native-overlap-'));
  try {
    const files = [0, 1, 2, 3].map((i) => path.join(dir, `ready-${i}`));
    const script = (i) => `
      local mine = assert(io.open(${JSON.stringify(files[i])}, 'w')) mine:write('x') mine:close()
      local all = { ${files.map((f) => JSON.stringify(f)).join(', ')} }
      local waiting = true
      while waiting do
        waiting = false
        for _, name in ipairs(all) do
          local f = io.open(name) if f then f:close() else waiting = true end
        end
      end
      return ${i}`;
    const contexts = [0, 1, 2, 3].map(() => new lua_native.init({}, { libraries: 'all', timeout: 20_000 }));
    const results = await Promise.all(contexts.map((c, i) => c.execute_script_async(script(i))));
    assert.deepEqual(results, [0, 1, 2, 3]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('async overlap: the main thread can run synchronous Lua on another context while async work runs', { timeout: 60_000 }, async () => {
  const worker = ctx(['base']);
  const main = ctx(['base']);
  const n = await calibrate(worker);
  const pending = worker.execute_script_async(WORK(n));
  let syncRuns = 0;
  while (worker.is_busy()) {
    assert.equal(main.execute_script('return 6 * 7'), 42);
    syncRuns++;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(await pending, expected(n));
  assert.ok(syncRuns >= 3, `main-thread Lua ran ${syncRuns} times while the worker was busy`);
});
