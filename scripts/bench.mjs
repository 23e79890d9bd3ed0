// Benchmarks for lua-native. Run through `bash scripts/bench.sh`, which builds
// the release addon and the plain-Rust floor first; by hand:
//
//   node --expose-gc scripts/bench.mjs [--floor target/release/lua-floor]
//
// Every figure is a median: the micro-benchmarks time repeated batches (each
// batch long enough to dwarf the timer, after warm-up batches) and report the
// median ns per operation over the batches; fib(30) times whole runs.
//
// Environment knobs: BENCH_BATCHES (timed batches, default 15),
// BENCH_BATCH_MS (target batch length, default 25), BENCH_FIB_RUNS (timed runs
// per round, default 7), BENCH_FIB_ROUNDS (alternating floor/addon rounds,
// default 3).

import lua_native from '../index.mjs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = (name, dflt) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const BATCHES = env('BENCH_BATCHES', 15);
const WARMUP_BATCHES = 3;
const BATCH_NS = env('BENCH_BATCH_MS', 25) * 1e6;
const FIB_RUNS = env('BENCH_FIB_RUNS', 7);
const FIB_ROUNDS = env('BENCH_FIB_ROUNDS', 3);
const ARRAY_LEN = 100_000;

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

/**
 * Times `body(n)`, which must perform the operation n times. The batch size is
 * doubled until one batch takes BATCH_NS; then WARMUP_BATCHES untimed and
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

function check(cond, what) {
  if (!cond) {
    console.error(`bench: sanity check failed: ${what}`);
    process.exit(1);
  }
}

const rows = [];
const row = (name, r, note = '') => {
  rows.push({ name, ...r, note });
  process.stderr.write(`  done: ${name}\n`);
};

// ---------------------------------------------------------------- micro ----
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

// ------------------------------------------------------------- fib(30) ----
// Floor and addon alternate, round by round, so drift in the machine (clock,
// neighbours) hits both alike. Each round: 1 warm-up run + FIB_RUNS timed runs.
function addonFibRound(fctx) {
  const times = [];
  for (let i = 0; i <= FIB_RUNS; i++) {
    const t0 = now();
    const r = fctx.execute_script(FIB_CHUNK);
    const dt = Number(now() - t0);
    check(r === 832040, `fib(30) through the addon gave ${r}`);
    if (i > 0) times.push(dt);
  }
  return times;
}

function floorFibRound(chunkFile) {
  const p = spawnSync(floorPath, ['--json', '--runs', String(FIB_RUNS), '--warmup', '1', '--file', chunkFile], {
    encoding: 'utf8',
  });
  if (p.status !== 0) {
    console.error(`bench: ${floorPath} failed (${p.status}): ${p.stderr}`);
    process.exit(1);
  }
  const out = JSON.parse(p.stdout.trim().split('\n').pop());
  check(out.result === 832040, `fib(30) on the floor gave ${out.result}`);
  return out.times_ns;
}

let fib = null;
if (!floorPath || !existsSync(floorPath)) {
  console.error(`bench: the floor binary is missing (${floorPath ?? 'no --floor given'}); skipping fib(30)`);
} else {
  console.error(`running fib(30): ${FIB_ROUNDS} rounds x ${FIB_RUNS} runs, floor and addon alternating...`);
  const dir = mkdtempSync(join(tmpdir(), 'lua-bench-'));
  const chunkFile = join(dir, 'fib.lua');
  writeFileSync(chunkFile, FIB_CHUNK);
  const fctx = new lua_native.init({}, { libraries: 'all' });
  const floorAll = [];
  const addonAll = [];
  const rounds = [];
  for (let r = 0; r < FIB_ROUNDS; r++) {
    gc();
    const f = floorFibRound(chunkFile);
    const a = addonFibRound(fctx);
    floorAll.push(...f);
    addonAll.push(...a);
    rounds.push({ floor: median(f), addon: median(a) });
  }
  rmSync(dir, { recursive: true, force: true });
  fib = { floor: floorAll, addon: addonAll, rounds };
}

// --------------------------------------------------------------- report ----
const fmt = (ns) => {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(2)} us`;
  return `${ns.toFixed(1)} ns`;
};
const fmtNs = (ns) => (ns >= 100 ? Math.round(ns).toLocaleString('en-US') : ns.toFixed(2));

console.log('');
console.log(`lua-native benchmarks (node ${process.version}, ${BATCHES} timed batches of ~${BATCH_NS / 1e6} ms each)`);
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

if (fib) {
  const f = median(fib.floor);
  const a = median(fib.addon);
  const over = (a / f - 1) * 100;
  console.log('');
  console.log(`fib(30), recursive, same chunk (median of ${fib.floor.length} runs each, ${FIB_ROUNDS} alternating rounds)`);
  console.log('');
  console.log(`${'runner'.padEnd(40)} | ${'median'.padStart(12)} | ${'min'.padStart(12)} | per-round medians`);
  console.log('-'.repeat(100));
  const perRound = (k) => fib.rounds.map((x) => fmt(x[k])).join(', ');
  console.log(
    `${'floor: lua-sys only (src/bin/lua-floor.rs)'.padEnd(40)} | ${fmt(f).padStart(12)} | ${fmt(Math.min(...fib.floor)).padStart(12)} | ${perRound('floor')}`
  );
  console.log(
    `${'addon: ctx.execute_script(chunk)'.padEnd(40)} | ${fmt(a).padStart(12)} | ${fmt(Math.min(...fib.addon)).padStart(12)} | ${perRound('addon')}`
  );
  const overMin = (Math.min(...fib.addon) / Math.min(...fib.floor) - 1) * 100;
  console.log('');
  console.log(
    `addon overhead vs floor: ${over >= 0 ? '+' : ''}${over.toFixed(2)}% (medians), ` +
      `${overMin >= 0 ? '+' : ''}${overMin.toFixed(2)}% (minimums); target: at most +3% -> ${over <= 3 ? 'MET' : 'NOT MET'}`
  );
}
if (sink === 42) console.log(''); // use the sink
