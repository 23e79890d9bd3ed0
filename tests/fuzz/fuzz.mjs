#!/usr/bin/env node
// Fuzzer of lua-native's JavaScript API. See tests/fuzz/README.md.
//
//   node tests/fuzz/fuzz.mjs --seed 1 --iterations 100000      the long run
//   node tests/fuzz/fuzz.mjs --seed 1 --replay 1234            one iteration: reproducer + minimized one
//   node tests/fuzz/fuzz.mjs --seed 1 --print 1234             the program of one iteration
//
// Options: --start K (first iteration, default 0), --timeout-ms T (hang
// deadline per iteration, default 10000), --jobs J (child processes at once,
// default: CPU count), --batch B (iterations per child, default 250),
// --out DIR (where reproducers go, default a new temp dir), --no-minimize,
// --max-triage N (failures turned into reproducers, default 8).
// Exit code 0: no failure; 1: failures (listed, with reproducer files).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parseSeed } from './prng.mjs';
import { generate } from './gen-program.mjs';
import { runBatches } from './driver.mjs';
import { triageCrash, triageSoft } from './triage.mjs';
import { runRepro, writeRepro } from './repro.mjs';

/** Picks crashes to triage: the first of each (status, signal) first, then the rest in order. */
function pickCrashes(crashes, max) {
  const seen = new Set();
  const first = [];
  const rest = [];
  for (const c of crashes) {
    const k = `${c.status}/${c.signal}/${c.exitCode}`;
    (seen.has(k) ? rest : first).push(c);
    seen.add(k);
  }
  return [...first, ...rest].slice(0, max);
}

/** A whole run: batches in children, then triage. Returns the report (also written to outDir/report.json). */
export async function fuzz({
  seed, start = 0, iterations, jobs = os.availableParallelism?.() ?? os.cpus().length, batch = 250, hangMs = 10000,
  outDir, minimize = true, maxTriage = 8, maxRuns = 150, bisect = true, log = console.log,
}) {
  outDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'lua-native-fuzz-'));
  fs.mkdirSync(outDir, { recursive: true });
  log(`fuzz: seed ${seed}, iterations ${start}..${start + iterations - 1}, ${jobs} jobs, hang deadline ${hangMs} ms, output ${outDir}`);
  const run = await runBatches({ seed, start, iterations, jobs, batch, hangMs, tmp: outDir, log });
  log(`fuzz: ran ${run.stats.iterations} iterations in ${(run.ms / 1000).toFixed(1)} s with ${run.stats.children} child processes; ` +
    `${run.crashes.length} crash/hang/abort, ${run.softGroups.size} classes of bad errors`);
  const opts = { outDir, hangMs, minimize, maxRuns, bisect, log };
  const crashes = [];
  for (const c of pickCrashes(run.crashes, maxTriage)) crashes.push(await triageCrash(seed, c, opts));
  const groups = [...run.softGroups.values()].sort((a, b) => b.count - a.count);
  const soft = [];
  for (const [k, g] of groups.entries()) {
    if (k < maxTriage) soft.push(await triageSoft(seed, g, { ...opts, index: k + 1 }));
    else soft.push({ sig: g.sig, count: g.count, iterations: g.iterations, example: g.first.fail });
  }
  const report = {
    seed, start, iterations, ms: run.ms, stats: run.stats, outDir,
    allCrashes: run.crashes.map(({ status, at, signal, exitCode }) => ({ status, at, signal, exitCode })),
    crashes, soft, failed: run.crashes.length > 0 || run.softGroups.size > 0,
  };
  fs.writeFileSync(path.join(outDir, 'report.json'), JSON.stringify(report, null, 2));
  return report;
}

/** Human-readable report. */
export function formatReport(r, { showCode = true } = {}) {
  const out = [];
  const cmd = (i) => `node tests/fuzz/fuzz.mjs --seed ${r.seed} --replay ${i}`;
  out.push(`== ${r.failed ? 'FAILURES' : 'no failure'}: seed ${r.seed}, ${r.stats.iterations} iterations, ${(r.ms / 1000).toFixed(1)} s`);
  if (r.allCrashes.length) {
    out.push(`-- ${r.allCrashes.length} iteration(s) killed the process or hung:`);
    out.push(`   ${r.allCrashes.map((c) => `${c.at} (${c.status} ${c.signal ?? `exit ${c.exitCode}`})`).join(', ')}`);
  }
  const show = (file) => {
    if (showCode && file && fs.existsSync(file)) {
      const text = fs.readFileSync(file, 'utf8').split('\n');
      out.push(...(text.length > 80 ? [...text.slice(0, 80), `   ... (${text.length - 80} more lines)`] : text).map((l) => `   | ${l}`));
    }
  };
  for (const c of r.crashes) {
    out.push(`-- ${c.status} at iteration ${c.at}: signal ${c.signal ?? '-'}, exit ${c.exitCode ?? '-'}; ${c.reproduced ? 'reproduced' : 'NOT reproduced'} by ${c.file}`);
    if (c.from !== c.at) out.push(`   (needs iterations ${c.from}..${c.at} in one process)`);
    const tail = String(c.stderr ?? '').trim().split('\n').slice(-3).join(' / ');
    if (tail) out.push(`   stderr: ${tail.slice(0, 300)}`);
    out.push(`   replay: ${cmd(c.at)}`);
    if (c.minFile) out.push(`   minimized (${c.minLines.length} lines): ${c.minFile}`);
    show(c.minFile ?? c.file);
  }
  for (const s of r.soft) {
    out.push(`-- bad error x${s.count} [${s.sig}]`);
    out.push(`   e.g. ${JSON.stringify(s.example)}`);
    out.push(`   iterations: ${s.iterations.join(', ')}${s.file ? `; ${s.reproduced ? 'reproduced' : 'NOT reproduced'} by ${s.file}` : ''}`);
    if (s.minFile) out.push(`   minimized (${s.minLines.length} lines): ${s.minFile}`);
    show(s.minFile);
  }
  const calls = Object.entries(r.stats.calls).sort((a, b) => b[1] - a[1]);
  out.push(`-- calls made: ${calls.map(([k, v]) => `${k} ${v}`).join(', ')}`);
  out.push(`-- error codes seen: ${Object.entries(r.stats.codes).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  out.push(`-- report: ${path.join(r.outDir, 'report.json')}`);
  return out.join('\n');
}

/** --replay: one iteration alone, its reproducer and (unless --no-minimize) a minimized one. */
async function replay(seed, i, { outDir, hangMs, minimize }) {
  const prog = generate(seed, i);
  const file = writeRepro(outDir, `replay-seed${seed}-iter${i}.mjs`, [prog]);
  const r = await runRepro(file, hangMs);
  console.log(`iteration ${i}: ${r.status}${r.signal ? ` (${r.signal})` : ''}${r.exitCode ? ` exit ${r.exitCode}` : ''}; reproducer: ${file}`);
  for (const f of r.failures) console.log(`  ${JSON.stringify(f)}`);
  if (r.stderr.trim()) console.log(`  stderr: ${r.stderr.trim().split('\n').slice(-5).join('\n          ')}`);
  if (r.status === 'ok' || r.status === 'error') return r.status === 'ok' ? 0 : 1;
  if (minimize) {
    const c = { status: r.status, at: i, signal: r.signal, exitCode: r.exitCode, batchFrom: i, batchTo: i + 1 };
    const t = c.status !== 'soft'
      ? await triageCrash(seed, c, { outDir, hangMs, minimize, maxRuns: r.status === 'hang' ? 80 : 300, log: console.log, minimizeHangs: true })
      : await triageSoft(seed, { sig: (await import('./runtime.mjs')).signature(r.failures[0]), count: 1, iterations: [i], first: { i, fail: r.failures[0] } },
        { outDir, hangMs, minimize, maxRuns: 300, log: console.log, index: 0 });
    if (t.minFile) console.log(`minimized reproducer: ${t.minFile}\n${fs.readFileSync(t.minFile, 'utf8')}`);
  }
  return 1;
}

async function main() {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' }, iterations: { type: 'string', default: '1000' }, start: { type: 'string', default: '0' },
      'timeout-ms': { type: 'string', default: '10000' }, jobs: { type: 'string' }, batch: { type: 'string', default: '250' },
      out: { type: 'string' }, 'no-minimize': { type: 'boolean', default: false }, 'max-triage': { type: 'string', default: '8' },
      replay: { type: 'string' }, print: { type: 'string' },
    },
  });
  const seed = parseSeed(values.seed);
  const hangMs = Number(values['timeout-ms']);
  if (values.print !== undefined) {
    console.log(generate(seed, Number(values.print)).lines.join('\n'));
    return 0;
  }
  const outDir = values.out ? path.resolve(values.out) : fs.mkdtempSync(path.join(os.tmpdir(), 'lua-native-fuzz-'));
  if (values.replay !== undefined) return replay(seed, Number(values.replay), { outDir, hangMs, minimize: !values['no-minimize'] });
  const report = await fuzz({
    seed, start: Number(values.start), iterations: Number(values.iterations), hangMs, outDir,
    jobs: values.jobs ? Number(values.jobs) : undefined, batch: Number(values.batch),
    minimize: !values['no-minimize'], maxTriage: Number(values['max-triage']),
  });
  console.log(formatReport(report));
  return report.failed ? 1 : 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
