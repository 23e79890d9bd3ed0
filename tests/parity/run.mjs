#!/usr/bin/env node
// Differential harness runner: runs every case of the corpus against the package named by
// LUA_NATIVE_PACKAGE (a directory or an entry file; default: this repository) and prints one
// canonical JSON line per case, in corpus order.
//
//   node tests/parity/run.mjs [--out FILE] [--filter SUBSTRING] [--timeout MS] [--list]
//
// Cases run in a child process (cwd = tests/parity/fixtures, LUA_PATH & co. removed) that
// reports over fd 3, so Lua's own `print` output cannot mix with the results. If the child
// dies (a crash or abort in the package under test) or a case hangs, the case is recorded
// as { crash } or { hung } and a new child carries on with the next case.
//
// Record: { id, area, differs?, evolution?, outcome, extras? } where outcome is one of
//   { value: <encoded> }            the case returned (async cases: resolved)
//   { error: { class, message } }   the case threw (async cases: rejected)
//   { timeout: ms }                 an async case did not settle in time
//   { crash: { code, signal, stderr } } / { hung: ms }   the process died / a sync case hung
// and extras holds the thrown error's `code` and whether it had a `luaTraceback` (DECISIONS 2).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { fileURLToPath } from 'node:url';
import { encode, errorCore, errorExtras, setTmpDir } from './lib/encode.mjs';
import { loadPackage, packageTarget } from './lib/load-package.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, 'fixtures');

function parseArgs(argv) {
  const a = { out: null, filter: null, timeout: 5000, hard: 20000, list: false, child: false, from: 0 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--out') a.out = argv[++i];
    else if (k === '--filter') a.filter = argv[++i];
    else if (k === '--timeout') a.timeout = Number(argv[++i]);
    else if (k === '--hard-timeout') a.hard = Number(argv[++i]);
    else if (k === '--list') a.list = true;
    else if (k === '--child') a.child = true;
    else if (k === '--from') a.from = Number(argv[++i]);
    else if (k === '--help' || k === '-h') {
      console.log('usage: node tests/parity/run.mjs [--out FILE] [--filter SUBSTRING] [--timeout MS] [--hard-timeout MS] [--list]');
      process.exit(0);
    } else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

async function selectedCases(filter) {
  const { default: cases } = await import('./cases.mjs');
  return filter ? cases.filter((c) => c.id.includes(filter) || c.area === filter) : cases;
}

function meta(c) {
  const r = { id: c.id, area: c.area };
  if (c.differs) r.differs = c.differs;
  if (c.evolution) r.evolution = c.evolution;
  return r;
}

// ------------------------------------------------------------------ child

async function child(args) {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const send = (obj) => {
    const b = Buffer.from(JSON.stringify(obj) + '\n');
    for (let off = 0; off < b.length; ) {
      try {
        off += fs.writeSync(3, b, off);
      } catch (e) {
        if (e.code !== 'EAGAIN') throw e;
        Atomics.wait(pause, 0, 0, 1);
      }
    }
  };
  const cases = await selectedCases(args.filter);
  let L;
  try {
    ({ lua_native: L } = await loadPackage(packageTarget()));
  } catch (e) {
    send({ fatal: `cannot load the package: ${e && e.stack ? e.stack : e}` });
    process.exit(2);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-parity-'));
  setTmpDir(tmp);
  const env = { tmp, fixtures: '.' };
  for (let i = args.from; i < cases.length; i++) {
    const c = cases[i];
    send({ start: i });
    const rec = meta(c);
    try {
      let v = c.run(L, env);
      if (util.types.isPromise(v)) {
        let timer;
        const limit = c.timeout ?? args.timeout;
        const TIMEOUT = Symbol('timeout');
        v = await Promise.race([v, new Promise((r) => { timer = setTimeout(() => r(TIMEOUT), limit); })]);
        clearTimeout(timer);
        if (v === TIMEOUT) {
          rec.outcome = { timeout: limit };
          send({ result: i, rec });
          continue;
        }
      }
      try {
        rec.outcome = { value: encode(v) };
      } catch (e) {
        rec.outcome = { encodeError: errorCore(e) };
      }
    } catch (e) {
      rec.outcome = { error: errorCore(e) };
      const x = errorExtras(e);
      if (Object.keys(x).length) rec.extras = x;
    }
    send({ result: i, rec });
  }
  send({ done: true });
  try {
    fs.rmSync(tmp, { recursive: true, force: true });
  } catch {
    // best effort
  }
  process.exit(0);
}

// ------------------------------------------------------------------ parent

function childEnv() {
  const env = { ...process.env, LUA_NATIVE_PACKAGE: packageTarget() };
  for (const k of ['LUA_PATH', 'LUA_PATH_5_5', 'LUA_CPATH', 'LUA_CPATH_5_5', 'LUA_INIT', 'LUA_INIT_5_5']) delete env[k];
  return env;
}

function runChild(args, from, onMessage) {
  return new Promise((resolve) => {
    const argv = ['--expose-gc', fileURLToPath(import.meta.url), '--child', '--from', String(from), '--timeout', String(args.timeout)];
    if (args.filter) argv.push('--filter', args.filter);
    const p = spawn(process.execPath, argv, { cwd: fixtures, env: childEnv(), stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-2000);
    });
    let buf = '';
    let current = null;
    let hung = false;
    let watchdog = null;
    const arm = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => {
        hung = true;
        p.kill('SIGKILL');
      }, args.hard);
    };
    p.stdio[3].on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const msg = JSON.parse(line);
        if ('start' in msg) {
          current = msg.start;
          arm();
        } else if ('result' in msg) {
          current = null;
          clearTimeout(watchdog);
        }
        onMessage(msg);
      }
    });
    p.on('close', (code, signal) => {
      clearTimeout(watchdog);
      resolve({ code, signal, current, hung, stderr });
    });
  });
}

async function parent(args) {
  const started = Date.now();
  const cases = await selectedCases(args.filter);
  if (args.list) {
    for (const c of cases) console.log(`${c.id}\t${c.area}${c.differs ? `\tdiffers: ${c.differs}` : ''}${c.evolution ? `\tevolution: ${c.evolution}` : ''}`);
    return;
  }
  const seen = new Set();
  const ids = new Map();
  for (const c of cases) {
    if (seen.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
    seen.add(c.id);
    ids.set(c.id, c);
  }
  const records = new Array(cases.length);
  let from = 0;
  let fatal = null;
  let restarts = 0;
  while (from < cases.length && !fatal) {
    let done = false;
    const r = await runChild(args, from, (msg) => {
      if (msg.fatal) fatal = msg.fatal;
      else if (msg.result !== undefined) records[msg.result] = msg.rec;
      else if (msg.done) done = true;
    });
    if (done || fatal) break;
    // The child died: blame the case it was running, then continue after it.
    const at = r.current ?? records.findIndex((x, i) => i >= from && x === undefined);
    if (at < 0) break;
    const rec = meta(cases[at]);
    rec.outcome = r.hung ? { hung: args.hard } : { crash: { code: r.code, signal: r.signal, stderr: r.stderr.trim().split('\n').slice(-3).join('\n') } };
    records[at] = rec;
    from = at + 1;
    restarts++;
  }
  if (fatal) {
    process.stderr.write(`parity: ${fatal}\n`);
    process.exit(2);
  }
  const lines = records.map((rec, i) => JSON.stringify(rec ?? { ...meta(cases[i]), outcome: { missing: true } }));
  const text = lines.join('\n') + '\n';
  if (args.out) fs.writeFileSync(args.out, text);
  else process.stdout.write(text);
  const errors = records.filter((r) => r && r.outcome && r.outcome.error).length;
  const bad = records.filter((r) => r && r.outcome && (r.outcome.crash || r.outcome.hung || r.outcome.timeout)).length;
  process.stderr.write(`parity: ${cases.length} cases (${errors} threw, ${bad} crashed/hung/timed out, ${restarts} child restarts) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

const args = parseArgs(process.argv.slice(2));
if (args.child) await child(args);
else await parent(args);
