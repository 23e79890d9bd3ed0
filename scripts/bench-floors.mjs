// The addon against its floors (issue 18): every crossing of the issue's
// table measured through lua-native and through the cheapest thing that does
// the same work, in the same run, and printed as a ratio to that floor.
// Run through `bash scripts/bench-floors.sh`, which builds what it needs; by hand:
//
//   node --expose-gc scripts/bench-floors.mjs --floor-addon target/bench-floors/floor.node \
//        --lua-floor target/release/lua-floor [--runs 5] [--only call,exec]
//
// The floors:
//   - the N-API rows: a bare N-API addon of a few lines of C with no Lua
//     (scripts/floor-addon/floor.c): `add(i, 1)`, a native loop calling a JS
//     function, an array of numbers or of small objects made natively, an
//     array of numbers read natively;
//   - execute_script('return 1') and fib(30): stock Lua run by the plain-Rust
//     floor (src/bin/lua-floor.rs: lua_load + lua_pcall of the same chunk on
//     the same static Lua library);
//   - a new context with every library: lua-floor --newstate (lua_newstate,
//     every library opened, lua_close).
// Every figure is taken in a fresh process (a child of this script); each run
// measures every row on both sides (the side that goes first alternates) and
// its ratio is ours / floor of that run; the table shows the medians over
// the runs and the range of the paired ratios. A figure inside a child is
// itself a median over timed batches after warm-up.
//
// Knobs: --runs N (default 5, or BENCH_FLOORS_RUNS), --only a,b (rows by
// key), BENCH_BATCHES (timed batches per child, default 9), BENCH_BATCH_MS
// (target batch length, default 20).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureBatches, median, now } from './bench-timer.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const envNum = (name, dflt) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const BATCHES = envNum('BENCH_BATCHES', 9);
const WARMUP_BATCHES = 3;
const BATCH_NS = envNum('BENCH_BATCH_MS', 20) * 1e6;
const NUMBERS = 100_000;
const RECORDS = 10_000;
const FIB_CHUNK =
  'local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end\nreturn fib(30)\n';
const FIB_RUNS = 5;
const CONTEXTS_FOR_MEMORY = 500;

let sink = 0;
function check(cond, what) {
  if (!cond) {
    console.error(`bench-floors: sanity check failed: ${what}`);
    process.exit(1);
  }
}

/** ns per operation of body(n) (n operations): median over timed batches. */
function measure(body) {
  return measureBatches(body, { batchNs: BATCH_NS, warmup: WARMUP_BATCHES, batches: BATCHES }).median;
}

// ------------------------------------------------------------ the rows ----
// Each row: what our side and the floor's side do in a child, returning ns
// per operation (and, for some, extra figures).
const ROWS = [
  { key: 'call', name: 'JS calls a Lua function add(i, 1)', unit: 'ns/call' },
  { key: 'callback', name: 'Lua calls a JS function (i, 1)', unit: 'ns/call' },
  { key: 'lua2js', name: '100k numbers Lua -> JS', unit: 'us/array' },
  { key: 'tables', name: '10k small tables Lua -> JS', unit: 'us/array' },
  { key: 'js2lua', name: '100k numbers JS -> Lua, summed in Lua', unit: 'us/array' },
  { key: 'exec', name: "execute_script('return 1')", unit: 'ns/chunk' },
  { key: 'newctx', name: "new context ('all') + dispose()", unit: 'us/context' },
  { key: 'fib', name: 'pure Lua fib(30)', unit: 'ms/run' },
];
const SCALE = { 'ns/call': 1, 'ns/chunk': 1, 'us/array': 1e3, 'us/context': 1e3, 'ms/run': 1e6 };

async function ours(key) {
  const { default: lua } = await import(join(root, 'index.mjs'));
  const js_add = (a, b) => a + b;
  const ctx = new lua.init({ js_add }, { libraries: 'all' });
  switch (key) {
    case 'call': {
      const add = ctx.execute_script('return function(a, b) return a + b end');
      check(add(2, 3) === 5, 'add');
      return measure((n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s = add(i, 1);
        sink += s;
      });
    }
    case 'callback': {
      const loop = ctx.execute_script(
        'return function(n) local f = js_add local s = 0 for i = 1, n do s = f(i, 1) end return s end'
      );
      check(loop(10) === 11, 'callback loop');
      return measure((n) => {
        sink += loop(n);
      });
    }
    case 'lua2js': {
      const get = ctx.execute_script(`local big = {} for i = 1, ${NUMBERS} do big[i] = i end return function() return big end`);
      const a = get();
      check(Array.isArray(a) && a.length === NUMBERS && a[NUMBERS - 1] === NUMBERS, 'Lua -> JS numbers');
      return measure((n) => {
        for (let i = 0; i < n; i++) sink += get().length;
      });
    }
    case 'tables': {
      const get = ctx.execute_script(
        `local t = {} for i = 1, ${RECORDS} do t[i] = { x = i, y = 2 * i } end return function() return t end`
      );
      const a = get();
      check(Array.isArray(a) && a.length === RECORDS && a[RECORDS - 1].y === 2 * RECORDS, 'Lua -> JS tables');
      return measure((n) => {
        for (let i = 0; i < n; i++) sink += get().length;
      });
    }
    case 'js2lua': {
      const sum = ctx.execute_script('return function(t) local s = 0 for i = 1, #t do s = s + t[i] end return s end');
      const arr = Array.from({ length: NUMBERS }, (_, i) => i + 1);
      check(sum(arr) === (NUMBERS * (NUMBERS + 1)) / 2, 'JS -> Lua sum');
      return measure((n) => {
        for (let i = 0; i < n; i++) sink += sum(arr);
      });
    }
    case 'exec': {
      check(ctx.execute_script('return 1') === 1, 'return 1');
      return measure((n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += ctx.execute_script('return 1');
        sink += s;
      });
    }
    case 'newctx': {
      ctx.dispose();
      const perContext = measure((n) => {
        for (let i = 0; i < n; i++) new lua.init({}, { libraries: 'all' }).dispose();
      });
      // The same with no library: lua-core's and lua-node's own setup.
      const bare = measure((n) => {
        for (let i = 0; i < n; i++) new lua.init({}, { libraries: [] }).dispose();
      });
      const bareCtx = new lua.init({}, { libraries: [] });
      const bareBytes = bareCtx.info().memoryBytes;
      bareCtx.dispose();
      // Left to the collector instead of dispose(): what a server that
      // drops its contexts pays (the state closes when JS collects it).
      const dropped = measure((n) => {
        for (let i = 0; i < n; i++) sink += new lua.init({}, { libraries: 'all' }) ? 1 : 0;
      });
      // Memory: many fresh contexts held at once, after full collections.
      const fresh = new lua.init({}, { libraries: 'all' });
      const info = fresh.info();
      globalThis.gc?.();
      globalThis.gc?.();
      const m0 = process.memoryUsage();
      const held = [];
      for (let i = 0; i < CONTEXTS_FOR_MEMORY; i++) held.push(new lua.init({}, { libraries: 'all' }));
      globalThis.gc?.();
      globalThis.gc?.();
      const m1 = process.memoryUsage();
      sink += held.length;
      const per = (k) => (m1[k] - m0[k]) / CONTEXTS_FOR_MEMORY;
      return {
        ns: perContext,
        extra: {
          dropped_ns: dropped,
          bare_ns: bare,
          bare_bytes: bareBytes,
          info_memory_bytes: info.memoryBytes,
          rss_per_context: per('rss'),
          heap_used_per_context: per('heapUsed'),
          external_per_context: per('external'),
        },
      };
    }
    case 'fib': {
      const times = [];
      for (let i = 0; i <= FIB_RUNS; i++) {
        const t0 = now();
        check(ctx.execute_script(FIB_CHUNK) === 832040, 'fib(30)');
        if (i > 0) times.push(Number(now() - t0));
      }
      return median(times);
    }
  }
  throw new Error(`unknown row ${key}`);
}

async function floor(key, floorAddon, luaFloor) {
  const js_add = (a, b) => a + b;
  if (key === 'exec' || key === 'fib' || key === 'newctx') {
    const dir = mkdtempSync(join(tmpdir(), 'bench-floors-'));
    try {
      let args;
      if (key === 'newctx') args = ['--newstate', '--runs', '201', '--warmup', '20', '--json'];
      else if (key === 'fib') args = ['--runs', String(FIB_RUNS), '--json'];
      else {
        const file = join(dir, 'chunk.lua');
        writeFileSync(file, 'return 1');
        args = ['--file', file, '--repeat', '20000', '--runs', String(BATCHES), '--warmup', String(WARMUP_BATCHES), '--json'];
      }
      const r = spawnSync(luaFloor, args, { encoding: 'utf8' });
      check(r.status === 0, `lua-floor ${args.join(' ')}: ${r.stderr}`);
      const out = JSON.parse(r.stdout);
      if (key === 'fib') check(out.result === 832040, 'lua-floor fib(30)');
      if (key === 'exec') check(out.result === 1, 'lua-floor return 1');
      if (key === 'newctx') return { ns: out.median_ns, extra: { ns: out.median_ns, bytes: out.bytes, blocks: out.blocks, parts: out.parts } };
      return out.median_ns;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const { createRequire } = await import('node:module');
  const f = createRequire(import.meta.url)(floorAddon);
  switch (key) {
    case 'call': {
      check(f.add(2, 3) === 5, 'floor add');
      const ns = measure((n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s = f.add(i, 1);
        sink += s;
      });
      // The stock-Lua reference (scripts/floor-addon/lua-call.c), same process.
      const luaCall = arg('--lua-call-addon');
      if (!luaCall) return ns;
      const g = createRequire(import.meta.url)(luaCall);
      check(g.add(2, 3) === 5 && g.add(0.5, 1) === 1.5, 'stock-Lua add');
      const lua_ns = measure((n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s = g.add(i, 1);
        sink += s;
      });
      return { ns, extra: { lua_ns } };
    }
    case 'callback':
      check(f.callMany(js_add, 10) === 11, 'floor callMany');
      return measure((n) => {
        sink += f.callMany(js_add, n);
      });
    case 'lua2js':
      return measure((n) => {
        for (let i = 0; i < n; i++) sink += f.numbers(NUMBERS).length;
      });
    case 'tables':
      return measure((n) => {
        for (let i = 0; i < n; i++) sink += f.records(RECORDS).length;
      });
    case 'js2lua': {
      const arr = Array.from({ length: NUMBERS }, (_, i) => i + 1);
      check(f.sum(arr) === (NUMBERS * (NUMBERS + 1)) / 2, 'floor sum');
      return measure((n) => {
        for (let i = 0; i < n; i++) sink += f.sum(arr);
      });
    }
  }
  throw new Error(`unknown row ${key}`);
}

// ------------------------------------------------------------- a child ----
const childKey = arg('--child');
if (childKey) {
  const side = arg('--side');
  const r = side === 'ours' ? await ours(childKey) : await floor(childKey, arg('--floor-addon'), arg('--lua-floor'));
  const out = typeof r === 'number' ? { ns: r } : r;
  console.log(JSON.stringify({ ...out, sink: sink > 0 }));
  process.exit(0);
}

// ------------------------------------------------------------ the parent ----
const floorAddon = resolve(arg('--floor-addon', join(root, 'target/bench-floors/floor.node')));
const luaFloor = resolve(arg('--lua-floor', join(root, 'target/release/lua-floor')));
const luaCallAddon = arg('--lua-call-addon') ? resolve(arg('--lua-call-addon')) : null;
const RUNS = Number(arg('--runs', envNum('BENCH_FLOORS_RUNS', 5)));
const only = (arg('--only', '') ?? '').split(',').filter(Boolean);
for (const k of only) check(ROWS.some((r) => r.key === k), `--only: unknown row ${k} (rows: ${ROWS.map((r) => r.key).join(', ')})`);
const rows = ROWS.filter((r) => only.length === 0 || only.includes(r.key));

function child(key, side) {
  const r = spawnSync(
    process.execPath,
    ['--expose-gc', fileURLToPath(import.meta.url), '--child', key, '--side', side, '--floor-addon', floorAddon, '--lua-floor', luaFloor, ...(luaCallAddon ? ['--lua-call-addon', luaCallAddon] : [])],
    { encoding: 'utf8', env: process.env }
  );
  check(r.status === 0, `child ${key}/${side} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const results = new Map(rows.map((r) => [r.key, { ours: [], floor: [], ratio: [], extraOurs: [], extraFloor: [] }]));
for (let run = 0; run < RUNS; run++) {
  process.stderr.write(`run ${run + 1}/${RUNS}:`);
  for (const row of rows) {
    const order = run % 2 === 0 ? ['ours', 'floor'] : ['floor', 'ours'];
    const got = {};
    for (const side of order) got[side] = child(row.key, side);
    const r = results.get(row.key);
    r.ours.push(got.ours.ns);
    r.floor.push(got.floor.ns);
    r.ratio.push(got.ours.ns / got.floor.ns);
    if (got.ours.extra) r.extraOurs.push(got.ours.extra);
    if (got.floor.extra) r.extraFloor.push(got.floor.extra);
    process.stderr.write(` ${row.key}`);
  }
  process.stderr.write('\n');
}

const fmt = (ns, unit) => {
  const v = ns / SCALE[unit];
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
};
console.log(`lua-native against its floors (node ${process.version}; ${RUNS} runs, fresh process per figure; medians, ratio = ours / floor paired per run)`);
console.log('');
console.log('| workload | ours | floor | ours / floor (median, range) |');
console.log('|---|---|---|---|');
for (const row of rows) {
  const r = results.get(row.key);
  const lo = Math.min(...r.ratio).toFixed(2);
  const hi = Math.max(...r.ratio).toFixed(2);
  console.log(
    `| ${row.name} | ${fmt(median(r.ours), row.unit)} ${row.unit} | ${fmt(median(r.floor), row.unit)} ${row.unit} | **${median(r.ratio).toFixed(2)}x** (${lo}-${hi}) |`
  );
}
const call = results.get('call');
if (call && call.extraFloor.length) {
  const luaNs = call.extraFloor.map((e) => e.lua_ns);
  const toFloor = call.extraFloor.map((e, i) => e.lua_ns / call.floor[i]);
  const oursToLua = call.extraFloor.map((e, i) => call.ours[i] / e.lua_ns);
  console.log('');
  console.log(
    `JS calls a Lua function, stock Lua 5.5 behind the same bare N-API call (scripts/floor-addon/lua-call.c): ${fmt(median(luaNs), 'ns/call')} ns/call,` +
      ` ${median(toFloor).toFixed(2)}x the N-API floor; ours / it: ${median(oursToLua).toFixed(2)}x`
  );
}
const nc = results.get('newctx');
if (nc && nc.extraOurs.length) {
  const m = (k) => median(nc.extraOurs.map((e) => e[k]));
  const f = nc.extraFloor[nc.extraFloor.length - 1];
  console.log('');
  console.log(`new context ('all'), ours: ${fmt(median(nc.ours), 'us/context')} us with dispose(), ${fmt(m('dropped_ns'), 'us/context')} us left to the collector;`);
  console.log(
    `  per context held (${CONTEXTS_FOR_MEMORY} held, after gc): RSS +${(m('rss_per_context') / 1024).toFixed(1)} KiB, JS heap +${(m('heap_used_per_context') / 1024).toFixed(2)} KiB, external +${(m('external_per_context') / 1024).toFixed(2)} KiB;`
  );
  console.log(`  info().memoryBytes of a fresh context: ${m('info_memory_bytes')} bytes (the floor's state with every library: ${f.bytes} bytes in ${f.blocks} blocks)`);
  const part = (name) => f.parts.find((p) => p.part === name);
  const floorBare = part('lua_newstate').median_ns + part('lua_close').median_ns;
  console.log(
    `  with no library (libraries: []): ${fmt(m('bare_ns'), 'us/context')} us, ${m('bare_bytes')} bytes (the floor's lua_newstate + lua_close: ${fmt(floorBare, 'us/context')} us, ${part('lua_newstate').bytes} bytes);` +
      ` so opening every library costs ours ${fmt(median(nc.ours) - m('bare_ns'), 'us/context')} us, the floor ${fmt(f.ns - floorBare, 'us/context')} us`
  );
  const parts = f.parts.map((p) => `${p.part} ${(p.median_ns / 1e3).toFixed(2)} us / ${p.bytes} B`);
  console.log(`  the floor by part (last run): ${parts.join('; ')}`);
}
