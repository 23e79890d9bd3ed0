// Allocation-failure injection (SQLite's malloc tests): every entry point of
// the API (tests/js/faults/entries.mjs) runs with the N-th growth request of
// its Lua state refused, for N = 1, 2, 3, ... until the call no longer
// reaches the fault; in three modes: the one request only (`once`, which Lua
// absorbs with an emergency collection), it and the next (`double`: that
// allocation really fails), and every request from the N-th on
// (`persistent`). Each step must end in success or a clean Error with a
// string `code`, and leave the context usable (tests/js/faults/sweep-entry.mjs).
//
// A bug here is an abort (a Lua error escaping a protected call, or a
// longjmp over Rust frames), so each entry point's sweeps run in a child
// process of its own: an abort is reported as a failure naming the entry
// point, the mode and N, not as a dead test runner. The addon's testing
// methods exist only with LUA_NATIVE_FAULT_INJECTION=1 in the child's
// environment.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { entries } from './faults/entries.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const runner = path.join(here, 'faults', 'sweep-entry.mjs');
const MODES = ['once', 'double', 'persistent'];
const CHILD_TIMEOUT_MS = 120_000;

const progressDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-native-alloc-failure-'));
after(() => fs.rmSync(progressDir, { recursive: true, force: true }));

/** Runs one entry point's sweeps in a child; resolves with { results, code, signal, stderr, progress, timedOut }. */
function sweep(index) {
  const progress = path.join(progressDir, `${index}.txt`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [runner, String(index)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LUA_NATIVE_FAULT_INJECTION: '1', LUA_NATIVE_FAULT_PROGRESS: progress },
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, CHILD_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const results = stdout.split('\n').filter((l) => l.startsWith('RESULT ')).map((l) => JSON.parse(l.slice(7)));
      let steps = '';
      try {
        steps = fs.readFileSync(progress, 'utf8');
      } catch {
        // the child died before it opened the file
      }
      resolve({ results, code, signal, stderr, progress: steps, timedOut });
    });
  });
}

/** The last step a child announced before it died. */
function lastStep(progress) {
  const steps = progress.split('\n').filter((l) => l.startsWith('@ '));
  return steps.length ? steps[steps.length - 1].slice(2) : 'before the first step';
}

/** Two at a time: the machine has few cores and each child is single-threaded. */
const slots = Math.max(1, Math.min(2, os.availableParallelism?.() ?? 2));
let running = 0;
const waiting = [];
async function limited(fn) {
  if (running >= slots) await new Promise((r) => waiting.push(r));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

const totals = { sweeps: 0, steps: 0, fired: 0 };

test('the fault-injection methods exist only when LUA_NATIVE_FAULT_INJECTION=1', async () => {
  const { default: lua_native } = await import('./load.mjs');
  if (process.env.LUA_NATIVE_FAULT_INJECTION !== '1') {
    assert.equal(lua_native.init.__fail_next_state_allocation, undefined);
    assert.equal(new lua_native.init().__fail_allocation, undefined);
  }
});

test('allocation failures at every step of every entry point', { concurrency: slots }, async (t) => {
  const subtests = entries.map((entry, index) =>
    t.test(entry.name, { timeout: CHILD_TIMEOUT_MS + 10_000 }, () =>
      limited(async () => {
        const run = await sweep(index);
        const where = `${entry.name}, at ${lastStep(run.progress)}`;
        const stderr = run.stderr.slice(-3000);
        if (run.timedOut) assert.fail(`HANG: ${where} (no answer within ${CHILD_TIMEOUT_MS} ms)`);
        if (run.signal) assert.fail(`ABORT: the process died of ${run.signal} in ${where}\n${stderr}`);
        assert.ok(run.results.length, `no result from ${where} (exit code ${run.code})\n${stderr}`);
        const problems = [];
        for (const r of run.results) {
          totals.sweeps++;
          totals.steps += r.steps;
          totals.fired += r.fired;
          t.diagnostic(`${entry.name} (${r.mode}): ${r.steps} steps, ${r.fired} refusals, ${r.ms} ms, ${JSON.stringify(r.outcomes)}`);
          problems.push(...r.problems.map((p) => `${r.mode} ${p}`));
        }
        assert.deepEqual(problems, [], `${entry.name}:\n${problems.join('\n')}`);
        assert.equal(run.code, 0, `${where}: exit code ${run.code}\n${stderr}`);
      }),
    ),
  );
  await Promise.all(subtests);
});

test('sweep totals', () => {
  // Every entry point in every mode ran to completion (a sweep that stops at
  // its first N has a broken fault, not a clean entry point).
  const expected = entries.reduce((n, e) => n + (e.modes ?? MODES).length, 0);
  assert.equal(totals.sweeps, expected);
  assert.ok(totals.steps > expected, `only ${totals.steps} steps`);
  console.log(`alloc-failure: ${entries.length} entry points, ${expected} sweeps, ${totals.steps} steps, ${totals.fired} injected refusals`);
});
