// The parent side: runs batches of iterations in child processes (a crash
// only kills the child), notices signals, abnormal exits and hangs, keeps
// going after them, and hands the failures to triage.mjs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { signature } from './runtime.mjs';
import { MAX_RSS_MB, rssMb } from './repro.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHILD = path.join(here, 'child.mjs');
let nth = 0;

/**
 * Runs iterations [from, to) in one child. Resolves
 * { from, to, status: 'ok' | 'crash' | 'hang' | 'memory' | 'teardown', at, signal,
 *   exitCode, fails: [{ i, fail }], stats, stderr, ms }.
 * 'hang': iteration `at` ran longer than hangMs; 'memory': the child's
 * resident memory passed MAX_RSS_MB (killed); 'crash': the child died
 * during iteration `at`; 'teardown': it died after its last iteration.
 */
export function runChild({ seed, from, to, hangMs, tmp }) {
  const out = path.join(tmp, `child-${process.pid}-${++nth}.jsonl`);
  fs.writeFileSync(out, '');
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', CHILD, '--seed', String(seed), '--from', String(from), '--to', String(to), '--out', out], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LUA_FUZZ_TMP: tmp },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-8000)));
    let offset = 0;
    let partial = '';
    let current = from;
    let started = Date.now();
    let lastEnded = from - 1;
    let hung = false;
    let memory = false;
    const fails = [];
    let stats = null;
    const poll = () => {
      let buf;
      try {
        const fd = fs.openSync(out, 'r');
        const size = fs.fstatSync(fd).size;
        buf = Buffer.alloc(size - offset);
        fs.readSync(fd, buf, 0, buf.length, offset);
        fs.closeSync(fd);
        offset = size;
      } catch {
        return;
      }
      const lines = (partial + buf.toString('utf8')).split('\n');
      partial = lines.pop();
      for (const l of lines) {
        if (!l) continue;
        const m = JSON.parse(l);
        if ('s' in m) {
          current = m.s;
          started = Date.now();
        } else if ('e' in m) lastEnded = m.e;
        else if ('fail' in m) fails.push(m);
        else if (m.done) stats = m.stats;
      }
    };
    const timer = setInterval(() => {
      poll();
      if (current !== lastEnded && Date.now() - started > hangMs) {
        hung = true;
        child.kill('SIGKILL');
      } else if (rssMb(child.pid) > MAX_RSS_MB) {
        memory = true;
        child.kill('SIGKILL');
      }
    }, 100);
    child.on('close', (exitCode, signal) => {
      clearInterval(timer);
      poll();
      fs.rmSync(out, { force: true });
      let status = 'ok';
      if (memory) status = 'memory';
      else if (hung) status = 'hang';
      else if (signal || exitCode !== 0 || !stats) status = current !== lastEnded ? 'crash' : 'teardown';
      resolve({ from, to, status, at: current, signal, exitCode, fails, stats, stderr, ms: Date.now() - t0 });
    });
  });
}

function addCounts(into, from) {
  for (const [k, v] of Object.entries(from ?? {})) into[k] = (into[k] || 0) + v;
}

/**
 * Runs iterations [start, start + iterations) of `seed` over `jobs` children
 * in batches of `batch`. Returns { crashes, softGroups, stats, ms }:
 * crashes: [{ status, at, signal, exitCode, stderr, batchFrom, batchTo }],
 * softGroups: Map signature -> { sig, count, first: { i, fail }, iterations }.
 */
export async function runBatches({ seed, start = 0, iterations, jobs = 2, batch = 250, hangMs = 10000, tmp, log = () => {} }) {
  tmp ??= fs.mkdtempSync(path.join(os.tmpdir(), 'lua-fuzz-run-'));
  const end = start + iterations;
  const queue = [];
  for (let a = start; a < end; a += batch) queue.push([a, Math.min(end, a + batch)]);
  const crashes = [];
  const softGroups = new Map();
  const stats = { iterations: 0, codes: {}, calls: {}, children: 0 };
  const t0 = Date.now();
  let lastLog = 0;
  const worker = async () => {
    while (queue.length) {
      const [a, b] = queue.shift();
      const r = await runChild({ seed, from: a, to: b, hangMs, tmp });
      stats.children++;
      if (r.stats) {
        stats.iterations += r.stats.iterations;
        addCounts(stats.codes, r.stats.codes);
        addCounts(stats.calls, r.stats.calls);
      } else {
        stats.iterations += Math.max(0, r.at - a + 1);
      }
      for (const { i, fail } of r.fails) {
        const sig = signature(fail);
        const g = softGroups.get(sig) ?? { sig, count: 0, first: { i, fail }, iterations: [] };
        g.count++;
        if (g.iterations.length < 20 && !g.iterations.includes(i)) g.iterations.push(i);
        softGroups.set(sig, g);
      }
      if (r.status !== 'ok') {
        crashes.push({ status: r.status, at: r.at, signal: r.signal, exitCode: r.exitCode, stderr: r.stderr, batchFrom: a, batchTo: b });
        log(`  ${r.status} at iteration ${r.at} (signal ${r.signal ?? '-'}, exit ${r.exitCode ?? '-'})`);
        // Go on after the iteration that died (a teardown death ended the batch anyway).
        if (r.status !== 'teardown' && r.at + 1 < b) queue.unshift([r.at + 1, b]);
      }
      if (Date.now() - lastLog > 15000) {
        lastLog = Date.now();
        const done = stats.iterations;
        log(`  progress: ${done}/${iterations} iterations, ${crashes.length} crash/hang, ${softGroups.size} error classes, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  crashes.sort((x, y) => x.at - y.at);
  return { crashes, softGroups, stats, ms: Date.now() - t0, tmp };
}
