// Sandboxing (DECISIONS 9, EVOLUTION A1/A2/A6): an adversarial corpus.
//
// Every script in tests/js/hostile/ (listed, with its context and expected
// error, in hostile/cases.mjs) runs in a child process of its own, so that
// a script that escapes its limits shows up as a failed test (hang or crash)
// instead of stopping the suite. Each must:
//   * end in the expected clean error (message and `code`) -- or, for the cases that leave
//     a looping finalizer behind, return normally and let the next gc(), allocation,
//     reset(), dispose(), JS garbage collection or process exit finish within the bound,
//   * within its limit plus the allowed overshoot: the call must return within `withinMs`:
//     1000 ms for the loops and pattern bombs (a 100 ms timeout may overshoot by at most
//     900 ms, a 200 ms one by 800 ms; a 1M-instruction limit must stop well within it),
//     2000 ms for the memory bombs (the 8 MB allocator limit must refuse well within it),
//     unless a case states otherwise,
//   * with peak RSS growth during the call under `rssMB` (300 MB unless stated),
//   * and then THE SAME context must run normal code: `return 1 + 1` is 2,
//     a 10000-iteration loop completes, the host's load_bytecode works and a
//     100 KB string can be allocated.
// A child that does not answer within withinMs + 4 s is killed and reported as a hang;
// one that answers but then does not exit is reported as a hang at exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cases } from './hostile/cases.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const runner = path.join(here, 'hostile', 'run-case.mjs');
const STARTUP_MS = 4000;

test(`the corpus holds at least 40 hostile scripts (${cases.length})`, () => {
  assert.ok(cases.length >= 40);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'case names are unique');
});

/** Runs one case in a child; resolves with { result, code, signal, hung, stderr }. */
function runChild(c) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', runner, c.id], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hung = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, c.withinMs + STARTUP_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      resolve({ result: line ? JSON.parse(line.slice(7)) : null, code, signal, hung, stderr });
    });
  });
}

function describeExpect(e) {
  if (e.returns !== undefined) return `returns ${JSON.stringify(e.returns)}`;
  return `${e.settles ? 'finishes, or ' : ''}${[].concat(e.code).join(' or ')} ${e.message}`;
}

for (const c of cases) {
  const title = `${c.id} ${c.name} [${c.file}${c.via === 'script' ? '' : `, via ${c.via}`}] → ${describeExpect(c.expect)}`;
  test(title, { timeout: c.withinMs + STARTUP_MS + 5000 }, async () => {
    const run = await runChild(c);
    if (run.hung && run.result) {
      assert.fail(`HANG AT EXIT: the call ended (${JSON.stringify(run.result.error ?? run.result.value)} in ${run.result.ms?.toFixed(0)} ms) but the process did not exit within ${c.withinMs + STARTUP_MS} ms`);
    }
    if (run.hung) assert.fail(`HANG: no answer within ${c.withinMs + STARTUP_MS} ms (the script escaped its limits)`);
    if (run.signal) assert.fail(`CRASH: the process died of ${run.signal}\n${run.stderr.slice(-2000)}`);
    const r = run.result;
    assert.ok(r, `no result from the child (exit code ${run.code})\n${run.stderr.slice(-2000)}`);
    assert.notEqual(r.outcome, 'harness', `harness failure: ${JSON.stringify(r.error)}\n${r.stack}`);

    // The call ended in the expected clean error.
    let error = r.error;
    if (r.first !== undefined) assert.equal(r.first, 'left', 'the script that leaves the finalizer behind returns normally');
    if (c.expect.returns !== undefined || (c.expect.settles && r.outcome === 'returned')) {
      assert.equal(r.outcome, 'returned', `expected a normal return, got ${JSON.stringify(r.error)}`);
      if (c.expect.returns !== undefined) assert.deepEqual(r.value, c.expect.returns);
    } else if (c.via === 'resume') {
      // resume() reports a failed coroutine in its result instead of throwing.
      assert.equal(r.outcome, 'returned', `resume threw ${JSON.stringify(r.error)}`);
      assert.equal(r.value.status, 'dead', `resume result ${JSON.stringify(r.value)}`);
      assert.equal(typeof r.value.error, 'string', `resume result ${JSON.stringify(r.value)}`);
      error = { ctor: 'Error', message: r.value.error, code: [].concat(c.expect.code)[0] };
    } else {
      assert.equal(r.outcome, 'threw', `the script was not stopped: it returned ${JSON.stringify(r.value)}`);
    }
    if (r.outcome === 'threw' || c.via === 'resume') {
      assert.equal(error.ctor, 'Error', `expected an Error, got ${error.ctor}: ${error.message}`);
      if (c.expect.message instanceof RegExp) assert.match(error.message, c.expect.message);
      else assert.equal(error.message, c.expect.message);
      assert.ok([].concat(c.expect.code).includes(error.code), `code ${error.code} of "${error.message}", expected ${c.expect.code}`);
      if (c.refuse) assert.doesNotMatch(error.message, c.refuse);
    }

    // Within its limit plus the allowed overshoot, with memory bounded.
    assert.ok(r.ms < c.withinMs, `the call took ${r.ms.toFixed(0)} ms, allowed ${c.withinMs} ms`);
    assert.ok(r.rssGrowthMB < c.rssMB, `peak RSS grew by ${r.rssGrowthMB.toFixed(0)} MB, allowed ${c.rssMB} MB`);

    // The same context still runs normal code.
    assert.equal(r.afterError, undefined, `the context is not usable afterwards: ${JSON.stringify(r.afterError)}`);
    assert.equal(r.after, 2);
    assert.equal(r.afterLoop, 50005000);
    assert.equal(r.afterBytecode, 42);
    assert.equal(r.afterAlloc, 100000);
  });
}
