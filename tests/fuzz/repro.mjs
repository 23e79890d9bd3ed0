// Standalone reproducers: a generated program written as an ES module that
// imports the package and the fuzz runtime by absolute path, runs the
// iteration(s) and prints the failures. Also: running one with a deadline,
// and shrinking one line by line (ddmin) while its failure still happens.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PRELUDE } from './gen-program.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const LOAD = pathToFileURL(path.join(here, '..', 'js', 'load.mjs')).href;
const RUNTIME = pathToFileURL(path.join(here, 'runtime.mjs')).href;
export const MARK = 'FUZZ-FAILURES ';
/** A child whose resident memory passes this is killed and reported as 'memory' (a runaway allocation). */
export const MAX_RSS_MB = Number(process.env.LUA_FUZZ_MAX_RSS_MB || 2048);

/** Resident memory of a process in MB (Linux /proc; 0 when unknown). */
export function rssMb(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Module source for programs [{ seed, iteration, lines }] (run in order, one process). */
export function reproSource(progs, note = '') {
  const its = progs.map((p) => p.iteration).join(', ');
  const out = [
    `// lua-native fuzz reproducer: seed ${progs[0].seed}, iteration ${its}${note ? ` (${note})` : ''}`,
    '// Run: node --expose-gc <this file>   (exit code 1 and a FUZZ-FAILURES line, or a crash, means it reproduced)',
    `import L from ${JSON.stringify(LOAD)};`,
    `import { makeRuntime, installProcessHandlers } from ${JSON.stringify(RUNTIME)};`,
    'let R = null;',
    'installProcessHandlers(() => R);',
    'const keepAlive = setInterval(() => {}, 1 << 30); // a promise that never settles is a hang, not an early exit',
    'const failures = [];',
  ];
  for (const p of progs) {
    out.push(`// ---- iteration ${p.iteration}`, '{', 'R = makeRuntime(L);', PRELUDE, ...p.lines, 'await R.finish();', 'failures.push(...R.failures);', '}');
  }
  out.push(
    'R = null;',
    'clearInterval(keepAlive);',
    `if (failures.length) { console.log(${JSON.stringify(MARK)} + JSON.stringify(failures)); process.exitCode = 1; }`,
    "else console.log('no failure');",
  );
  return out.join('\n');
}

export function writeRepro(dir, name, progs, note) {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${reproSource(progs, note)}\n`);
  return file;
}

/**
 * Runs a reproducer file: { status: 'ok' | 'soft' | 'crash' | 'hang' | 'memory' | 'error',
 * signal, exitCode, failures, stderr }. 'crash' is a signal or an exit code
 * other than 0/1 (or 1 with no JS error printed); 'soft' is exit 1 with
 * classified failures; 'error' is exit 1 with a JS error (the file itself is
 * broken, e.g. a line the minimizer cut).
 */
export function runRepro(file, hangMs, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout = (stdout + d).slice(-200000)));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-8000)));
    let hung = false;
    let memory = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, hangMs);
    const watch = setInterval(() => {
      if (rssMb(child.pid) > MAX_RSS_MB) {
        memory = true;
        child.kill('SIGKILL');
      }
    }, 100);
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      clearInterval(watch);
      const line = stdout.split('\n').find((l) => l.startsWith(MARK));
      let failures = [];
      try {
        if (line) failures = JSON.parse(line.slice(MARK.length));
      } catch {
        failures = [];
      }
      let status = 'ok';
      if (memory) status = 'memory';
      else if (hung) status = 'hang';
      else if (signal || (exitCode !== 0 && exitCode !== 1)) status = 'crash';
      // Exit 1 without the failure line: the file did not run (a SyntaxError,
      // say, from a cut the minimizer tried), unless nothing JavaScript-like
      // was printed: then the process died (ASan, for one, exits with 1).
      else if (exitCode === 1) status = line ? 'soft' : /\b[A-Z]\w*Error\b/.test(stderr) ? 'error' : 'crash';
      resolve({ status, signal, exitCode, failures, stderr });
    });
  });
}

/**
 * Program lines as units: a hoisted block (an unindented line ending in `[` or
 * `{`, its indented body, and the unindented `]`/`}` line closing it) is one
 * unit; any other line is its own unit.
 */
export function units(lines) {
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    if (/[[{]$/.test(lines[i]) && !lines[i].startsWith(' ')) {
      let j = i + 1;
      while (j < lines.length && lines[j].startsWith(' ')) j++;
      if (j < lines.length && /^[\]}]/.test(lines[j])) {
        out.push(lines.slice(i, j + 1));
        i = j;
        continue;
      }
    }
    out.push([lines[i]]);
  }
  return out;
}

/**
 * Shrinks program lines while `test(lines)` holds: whole statements and
 * hoisted blocks first, then the lines inside blocks, then statements again.
 */
export async function shrinkLines(lines, test, { maxRuns = 200, log = () => {} } = {}) {
  let budget = maxRuns;
  const counted = async (cand) => (budget-- > 0 ? test(cand) : false);
  const byUnits = async (cur) => (await ddmin(units(cur), (u) => counted(u.flat()), { maxRuns: budget, log })).flat();
  let cur = await byUnits(lines);
  const inner = cur.map((l, i) => ({ l, i })).filter(({ l }) => l.startsWith(' '));
  const keep = await ddmin(inner, (cand) => {
    const set = new Set(cand.map((x) => x.i));
    return counted(cur.filter((l, i) => !l.startsWith(' ') || set.has(i)));
  }, { maxRuns: budget, log });
  const set = new Set(keep.map((x) => x.i));
  cur = cur.filter((l, i) => !l.startsWith(' ') || set.has(i));
  return byUnits(cur);
}

/**
 * ddmin over lines: the smallest list found (within maxRuns tries) for which
 * `test(lines)` still resolves true.
 */
export async function ddmin(lines, test, { maxRuns = 200, log = () => {} } = {}) {
  let cur = lines;
  let n = 2;
  let runs = 0;
  while (cur.length >= 1 && runs < maxRuns) {
    const size = Math.max(1, Math.ceil(cur.length / n));
    let reduced = false;
    for (let i = 0; i < cur.length && runs < maxRuns; i += size) {
      const cand = [...cur.slice(0, i), ...cur.slice(i + size)];
      runs++;
      if (await test(cand)) {
        cur = cand;
        n = Math.max(n - 1, 2);
        reduced = true;
        log(`  minimize: ${cur.length} units left (${runs} runs)`);
        break;
      }
    }
    if (!reduced) {
      if (n >= cur.length) break;
      n = Math.min(cur.length, n * 2);
    }
  }
  return cur;
}
