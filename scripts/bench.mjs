// Benchmarks for lua-native. Run through `bash scripts/bench.sh`, which builds
// the release addon and the plain-Rust floor first; by hand:
//
//   node --expose-gc scripts/bench.mjs [--floor target/release/lua-floor]
//
// Every figure is a median: the micro-benchmarks time repeated batches (each
// batch long enough to dwarf the timer, after warm-up batches) and report the
// median ns per operation over the batches; fib(30) times whole runs of the
// chunk, against the floor (src/bin/lua-floor.rs). See docs/PERFORMANCE.md.
//
// Environment knobs: BENCH_BATCHES (timed batches, default 15),
// BENCH_BATCH_MS (target batch length, default 25), BENCH_FIB_RUNS (timed runs
// per round, default 7), BENCH_FIB_ROUNDS (alternating floor/addon rounds,
// each in fresh processes from fresh copies of the binaries, default 7),
// BENCH_ONLY (micro or fib: run just that part).

import lua_native from '../index.mjs';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const env = (name, dflt) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const BATCHES = env('BENCH_BATCHES', 15);
const WARMUP_BATCHES = 3;
const BATCH_NS = env('BENCH_BATCH_MS', 25) * 1e6;
const FIB_RUNS = env('BENCH_FIB_RUNS', 7);
const FIB_ROUNDS = env('BENCH_FIB_ROUNDS', 7);
const ARRAY_LEN = 100_000;
const ONLY = process.env.BENCH_ONLY ?? '';

// The chunk both sides run; the floor reads it from a file, byte for byte.
const FIB_CHUNK =
  'local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end\nreturn fib(30)\n';

const argv = process.argv.slice(2);
const floorArg = argv.indexOf('--floor');
const floorPath = floorArg >= 0 ? argv[floorArg + 1] : process.env.LUA_FLOOR;

const now = () => process.hrtime.bigint();
const gc = () => globalThis.gc?.();
const sortNum = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => {
  const s = sortNum(xs);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};
// Keeps results alive so no engine can drop the work.
let sink = 0;

function check(cond, what) {
  if (!cond) {
    console.error(`bench: sanity check failed: ${what}`);
    process.exit(1);
  }
}

// Child mode (spawned by the fib(30) comparison below): a fresh process with
// a fresh context runs the chunk 1 + FIB_RUNS times and prints the times.
if (argv.includes('--fib-child')) {
  const fctx = new lua_native.init({}, { libraries: 'all' });
  const times = [];
  for (let i = 0; i <= FIB_RUNS; i++) {
    const t0 = now();
    const r = fctx.execute_script(FIB_CHUNK);
    const dt = Number(now() - t0);
    check(r === 832040, `fib(30) through the addon gave ${r}`);
    if (i > 0) times.push(dt);
  }
  console.log(JSON.stringify({ times_ns: times }));
  process.exit(0);
}

/**
 * Times `body(n)`, which must perform the operation n times. The batch size
 * grows (x8 while far too short, then x2) until one batch takes BATCH_NS; then WARMUP_BATCHES untimed and
 * BATCHES timed batches run. Returns ns/op: median and min over the batches.
 */
function measure(body) {
  gc();
  let n = 1;
  for (;;) {
    const t0 = now();
    body(n);
    const dt = Number(now() - t0);
    if (dt >= BATCH_NS || n >= 1 << 24) break;
    n = dt < BATCH_NS / 16 ? n * 8 : n * 2;
  }
  for (let i = 0; i < WARMUP_BATCHES; i++) body(n);
  const perOp = [];
  for (let i = 0; i < BATCHES; i++) {
    const t0 = now();
    body(n);
    perOp.push(Number(now() - t0) / n);
  }
  return { median: median(perOp), min: Math.min(...perOp), n };
}

const rows = [];
const row = (name, r, note = '') => {
  rows.push({ name, ...r, note });
  process.stderr.write(`  done: ${name}\n`);
};

// ---------------------------------------------------------------- micro ----
if (ONLY !== 'fib') {
  console.error('running micro-benchmarks...');
  const ctx = new lua_native.init({ js_add: (a, b) => a + b }, { libraries: 'all' });

  // 1. JS calls a Lua function.
  const add = ctx.execute_script('return function(a, b) return a + b end');
  check(typeof add === 'function' && add(2, 3) === 5, 'Lua function wrapper adds');
  row(
    'JS -> Lua call: add(i, 1)',
    measure((n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s = add(i, 1);
      sink += s;
    }),
    'per call'
  );

  // 2. Lua calls a JS function (and the same loop calling a Lua function, as
  // the baseline that shows what the loop itself costs).
  const luaCallsJs = ctx.execute_script(
    'return function(n) local f = js_add local s = 0 for i = 1, n do s = f(i, 1) end return s end'
  );
  check(luaCallsJs(10) === 11, 'Lua loop calling js_add');
  row(
    'Lua -> JS call: js_add(i, 1) in a Lua loop',
    measure((n) => {
      sink += luaCallsJs(n);
    }),
    'per call, one JS->Lua entry per batch'
  );
  const luaCallsLua = ctx.execute_script(
    'local function g(a, b) return a + b end\n' +
      'return function(n) local f = g local s = 0 for i = 1, n do s = f(i, 1) end return s end'
  );
  check(luaCallsLua(10) === 11, 'Lua loop calling a Lua function');
  row(
    '  (baseline: same loop calling a Lua function)',
    measure((n) => {
      sink += luaCallsLua(n);
    }),
    'pure Lua, for comparison'
  );

  // 3. execute_script('return 1').
  check(ctx.execute_script('return 1') === 1, "execute_script('return 1')");
  row(
    "execute_script('return 1')",
    measure((n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += ctx.execute_script('return 1');
      sink += s;
    }),
    'compile + run + convert'
  );

  // 4. set_global + get_global of an integer.
  ctx.set_global('x', 42);
  check(ctx.get_global('x') === 42, 'set_global/get_global round trip');
  row(
    "set_global('x', 42) + get_global('x')",
    measure((n) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        ctx.set_global('x', 42);
        s += ctx.get_global('x');
      }
      sink += s;
    }),
    'per pair'
  );

  // 5. 100,000-number arrays both ways.
  ctx.execute_script(`big = {} for i = 1, ${ARRAY_LEN} do big[i] = i end`);
  {
    const a = ctx.execute_script('return big');
    check(Array.isArray(a) && a.length === ARRAY_LEN && a[0] === 1 && a[ARRAY_LEN - 1] === ARRAY_LEN, 'Lua -> JS array');
  }
  const luaToJs = measure((n) => {
    for (let i = 0; i < n; i++) sink += ctx.execute_script('return big').length;
  });
  row(`Lua -> JS array of ${ARRAY_LEN.toLocaleString('en-US')} numbers`, luaToJs, 'per array');
  row('  per element', { median: luaToJs.median / ARRAY_LEN, min: luaToJs.min / ARRAY_LEN, n: luaToJs.n }, '');

  const jsArray = Array.from({ length: ARRAY_LEN }, (_, i) => i + 1);
  ctx.set_global('arr', jsArray);
  check(
    ctx.execute_script(`return #arr == ${ARRAY_LEN} and arr[1] == 1 and arr[${ARRAY_LEN}] == ${ARRAY_LEN}`) === true,
    'JS -> Lua array'
  );
  const jsToLua = measure((n) => {
    for (let i = 0; i < n; i++) ctx.set_global('arr', jsArray);
  });
  row(`JS -> Lua array of ${ARRAY_LEN.toLocaleString('en-US')} numbers`, jsToLua, 'per array (set_global)');
  row('  per element', { median: jsToLua.median / ARRAY_LEN, min: jsToLua.min / ARRAY_LEN, n: jsToLua.n }, '');

}

// ------------------------------------------------------------- fib(30) ----
// Each round runs the floor and the addon in fresh processes, each from a
// fresh copy of its binary (a new file, so new page-cache pages behind the
// code: on the reference VM the same bytes run up to ~35% slower or faster
// depending on where their pages land, see docs/PERFORMANCE.md). The order
// alternates by round, so drift in the machine hits both alike. In a round
// each side does 1 warm-up run and FIB_RUNS timed runs of the whole chunk
// (compile + run), in one state / one context.
function floorFibRound(exe, chunkFile) {
  const p = spawnSync(exe, ['--json', '--runs', String(FIB_RUNS), '--warmup', '1', '--file', chunkFile], {
    encoding: 'utf8',
  });
  if (p.status !== 0) {
    console.error(`bench: ${exe} failed (${p.status}): ${p.stderr}`);
    process.exit(1);
  }
  const out = JSON.parse(p.stdout.trim().split('\n').pop());
  check(out.result === 832040, `fib(30) on the floor gave ${out.result}`);
  return out.times_ns;
}

function addonFibRound(addonCopy) {
  const p = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--fib-child'], {
    encoding: 'utf8',
    env: { ...process.env, LUA_NATIVE_BINARY: addonCopy },
  });
  if (p.status !== 0) {
    console.error(`bench: the addon fib child failed (${p.status}): ${p.stderr}`);
    process.exit(1);
  }
  return JSON.parse(p.stdout.trim().split('\n').pop()).times_ns;
}

let fib = null;
const addonSource = process.env.LUA_NATIVE_BINARY
  ? resolve(process.env.LUA_NATIVE_BINARY)
  : join(dirname(fileURLToPath(import.meta.url)), '..', 'lua-native.node');
if (ONLY === 'micro') {
  // skipped
} else if (!floorPath || !existsSync(floorPath)) {
  console.error(`bench: the floor binary is missing (${floorPath ?? 'no --floor given'}); skipping fib(30)`);
} else {
  console.error(`running fib(30): ${FIB_ROUNDS} rounds x ${FIB_RUNS} runs, floor and addon alternating...`);
  const dir = mkdtempSync(join(tmpdir(), 'lua-bench-'));
  const chunkFile = join(dir, 'fib.lua');
  writeFileSync(chunkFile, FIB_CHUNK);
  const floorAll = [];
  const addonAll = [];
  const rounds = [];
  try {
    for (let r = 0; r < FIB_ROUNDS; r++) {
      const floorCopy = join(dir, `lua-floor-${r}`);
      const addonCopy = join(dir, `lua-native-${r}.node`);
      copyFileSync(floorPath, floorCopy);
      chmodSync(floorCopy, 0o755);
      copyFileSync(addonSource, addonCopy);
      let f, a;
      if (r % 2 === 0) {
        f = floorFibRound(floorCopy, chunkFile);
        a = addonFibRound(addonCopy);
      } else {
        a = addonFibRound(addonCopy);
        f = floorFibRound(floorCopy, chunkFile);
      }
      floorAll.push(...f);
      addonAll.push(...a);
      rounds.push({ floor: median(f), addon: median(a) });
      process.stderr.write(`  round ${r + 1}: floor ${(median(f) / 1e6).toFixed(2)} ms, addon ${(median(a) / 1e6).toFixed(2)} ms\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  fib = { floor: floorAll, addon: addonAll, rounds };
}

// --------------------------------------------------------------- report ----
const fmt = (ns) => {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(2)} us`;
  return `${ns.toFixed(1)} ns`;
};
const fmtNs = (ns) => (ns >= 100 ? Math.round(ns).toLocaleString('en-US') : ns.toFixed(2));

if (rows.length) {
  console.log('');
  console.log(`lua-native micro-benchmarks (node ${process.version}, median over ${BATCHES} timed batches of ~${BATCH_NS / 1e6} ms)`);
  console.log('');
  const w0 = Math.max(...rows.map((r) => r.name.length), 10);
  const head = `${'benchmark'.padEnd(w0)} | ${'ns/op (median)'.padStart(15)} | ${'min'.padStart(12)} | ${'ops/batch'.padStart(9)} | note`;
  console.log(head);
  console.log('-'.repeat(head.length + 20));
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(w0)} | ${fmtNs(r.median).padStart(15)} | ${fmtNs(r.min).padStart(12)} | ${String(r.n).padStart(9)} | ${r.note}`
    );
  }
}

if (fib) {
  const pct = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}%`;
  const f = median(fib.floor);
  const a = median(fib.addon);
  const over = (a / f - 1) * 100;
  console.log('');
  console.log(
    `fib(30), recursive, same chunk: ${FIB_ROUNDS} rounds x ${FIB_RUNS} runs per side ` +
      '(fresh process and fresh binary copy per round, order alternating)'
  );
  console.log('');
  const names = { floor: 'floor: lua-sys only (lua-floor)', addon: 'addon: ctx.execute_script(chunk)' };
  const w = 34;
  console.log(
    `${'runner'.padEnd(w)} | ${'median'.padStart(10)} | ${'min'.padStart(10)} | ${'round medians: min .. max'.padStart(26)}`
  );
  console.log('-'.repeat(w + 56));
  for (const k of ['floor', 'addon']) {
    const all = fib[k];
    const rm = fib.rounds.map((x) => x[k]);
    console.log(
      `${names[k].padEnd(w)} | ${fmt(median(all)).padStart(10)} | ${fmt(Math.min(...all)).padStart(10)} | ${`${fmt(Math.min(...rm))} .. ${fmt(Math.max(...rm))}`.padStart(26)}`
    );
  }
  console.log('');
  console.log(`round | ${'floor'.padStart(10)} | ${'addon'.padStart(10)} | addon vs floor`);
  fib.rounds.forEach((x, i) => {
    console.log(
      `${String(i + 1).padStart(5)} | ${fmt(x.floor).padStart(10)} | ${fmt(x.addon).padStart(10)} | ${pct((x.addon / x.floor - 1) * 100)}`
    );
  });
  const overMin = (Math.min(...fib.addon) / Math.min(...fib.floor) - 1) * 100;
  console.log('');
  console.log(
    `addon overhead vs floor: ${pct(over)} (medians of all runs), ${pct(overMin)} (minimums); ` +
      `target at most +3%: ${over <= 3 ? 'MET' : 'NOT MET'}`
  );
}
if (sink === 42) console.log(''); // use the sink
