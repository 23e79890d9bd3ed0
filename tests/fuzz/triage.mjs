// After a run: turns each failure into a standalone reproducer file, checks
// that the file alone reproduces it (else bisects which earlier iterations of
// the same child are needed), and shrinks it line by line.
import fs from 'node:fs';
import path from 'node:path';
import { generate } from './gen-program.mjs';
import { runChild } from './driver.mjs';
import { runRepro, shrinkLines, writeRepro } from './repro.mjs';
import { signature } from './runtime.mjs';

/** A predicate on runRepro results that says "this is the same failure". */
function sameFailure(target) {
  if (target.kind === 'soft') return (r) => r.status === 'soft' && r.failures.some((f) => signature(f) === target.sig);
  if (target.kind === 'hang' || target.kind === 'memory') return (r) => r.status === target.kind;
  return (r) => r.status === 'crash' && r.signal === target.signal && (r.signal || r.exitCode === target.exitCode);
}

async function reproduces(file, test, hangMs, tries) {
  let last = null;
  for (let k = 0; k < tries; k++) {
    last = await runRepro(file, hangMs);
    if (test(last)) return { ok: true, result: last };
  }
  return { ok: false, result: last };
}

/** Shrinks prog's lines while `test` holds; writes <name>.min.mjs. */
async function shrink({ prog, name, test, outDir, hangMs, maxRuns, log }) {
  const scratch = path.join(outDir, `.${name}.try.mjs`);
  const lines = await shrinkLines(
    prog.lines,
    async (cand) => {
      writeRepro(outDir, path.basename(scratch), [{ ...prog, lines: cand }]);
      return test(await runRepro(scratch, hangMs));
    },
    { maxRuns, log },
  );
  fs.rmSync(scratch, { force: true });
  const file = writeRepro(outDir, `${name}.min.mjs`, [{ ...prog, lines }], 'minimized');
  return { file, lines };
}

/**
 * Crash/hang triage. c: { status, at, signal, exitCode, batchFrom }.
 * Returns { ...c, file, reproduced, from, minFile, minLines }.
 */
export async function triageCrash(seed, c, { outDir, hangMs, minimize, maxRuns, log, minimizeHangs = false, bisect = true }) {
  const target = { kind: ['hang', 'memory'].includes(c.status) ? c.status : 'crash', signal: c.signal, exitCode: c.exitCode };
  const test = sameFailure(target);
  const name = `${c.status}-seed${seed}-iter${c.at}`;
  const prog = generate(seed, c.at);
  const file = writeRepro(outDir, `${name}.mjs`, [prog]);
  const out = { ...c, file, reproduced: false, from: c.at };
  if (c.status === 'teardown') {
    out.file = writeRepro(outDir, `${name}.mjs`, range(c.batchFrom, c.batchTo).map((i) => generate(seed, i)), 'the child died after these iterations');
    out.reproduced = (await reproduces(out.file, (r) => r.status === 'crash', hangMs * (c.batchTo - c.batchFrom), 1)).ok;
    return out;
  }
  const alone = await reproduces(file, test, hangMs, c.status === 'hang' ? 1 : 2);
  if (alone.ok) {
    out.reproduced = true;
    out.signal = alone.result.signal ?? out.signal;
    out.stderr = alone.result.stderr || c.stderr;
    if (minimize && (c.status !== 'hang' || minimizeHangs)) {
      log(`  minimizing ${name} (${prog.lines.length} lines)`);
      const m = await shrink({ prog, name, test, outDir, hangMs, maxRuns, log });
      out.minFile = m.file;
      out.minLines = m.lines;
    }
    return out;
  }
  // Not alone: find the latest start s in [batchFrom, at] such that [s, at] in one child dies at `at`.
  const dies = async (s) => {
    const r = await runChild({ seed, from: s, to: c.at + 1, hangMs, tmp: outDir });
    return r.status === c.status && r.at === c.at;
  };
  if (!bisect || !(await dies(c.batchFrom))) return out; // not reproduced alone (flaky, or bisection off)
  let lo = c.batchFrom;
  let hi = c.at;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (await dies(mid)) lo = mid;
    else hi = mid - 1;
  }
  out.from = lo;
  out.file = writeRepro(outDir, `${name}.mjs`, range(lo, c.at + 1).map((i) => generate(seed, i)), `needs iterations ${lo}..${c.at} in one process`);
  out.reproduced = (await reproduces(out.file, test, hangMs * (c.at - lo + 1), 2)).ok;
  return out;
}

/** Error-class triage: g is a soft group { sig, count, first: { i, fail } }. */
export async function triageSoft(seed, g, { outDir, hangMs, minimize, maxRuns, log, index }) {
  const test = sameFailure({ kind: 'soft', sig: g.sig });
  const name = `error${index}-seed${seed}-iter${g.first.i}`;
  const prog = generate(seed, g.first.i);
  const file = writeRepro(outDir, `${name}.mjs`, [prog]);
  const out = { sig: g.sig, count: g.count, iterations: g.iterations, example: g.first.fail, file, reproduced: false };
  const r = await reproduces(file, test, hangMs, 2);
  out.reproduced = r.ok;
  if (r.ok && minimize) {
    log(`  minimizing ${name} (${prog.lines.length} lines)`);
    const m = await shrink({ prog, name, test, outDir, hangMs, maxRuns, log });
    out.minFile = m.file;
    out.minLines = m.lines;
  }
  return out;
}

function range(a, b) {
  return Array.from({ length: Math.max(0, b - a) }, (_, k) => a + k);
}
