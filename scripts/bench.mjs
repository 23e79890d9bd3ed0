// Benchmarks for lua-native. Run through `bash scripts/bench.sh`, which builds
// the release addon and the plain-Rust floor first; by hand:
//
//   node --expose-gc scripts/bench.mjs [--floor target/release/lua-floor]
//
// Every figure is a median: the micro-benchmarks time repeated batches (each
// batch long enough to dwarf the timer, after warm-up batches) and report the
// median ns per operation over the batches; fib(30) times whole runs of the
// chunk, against the floor (src/bin/lua-floor.rs), without limits and with
// each limit; the async part times whole workloads (median of repeats); the
// overshoot part times single runs stopped by `timeout`; the budget part
// times how long each kind of work takes to spend one `maxInstructions`
// budget, against a plain `while true do end`. See docs/PERFORMANCE.md.
//
// Environment knobs: BENCH_BATCHES (timed batches, default 15),
// BENCH_BATCH_MS (target batch length, default 25), BENCH_FIB_RUNS (timed runs
// per round, default 7), BENCH_FIB_ROUNDS (rounds of the fib(30) comparison,
// each runner in a fresh process from a fresh copy of its binary, the order
// rotating by round, default 7), BENCH_ASYNC_REPEATS (repeats of each async
// workload, default 3), BENCH_OVERSHOOT_RUNS (timed-out `while true do end`
// runs, default 100; the pattern bomb runs a fifth as often),
// BENCH_BUDGET (the budget of the budget part, default 1e7),
// BENCH_BUDGET_ROUNDS (rounds of it, default 5),
// BENCH_ONLY (a comma-separated subset of micro, async, fib, overshoot, budget).

import lua_native from '../index.mjs';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureBatches, median, now } from './bench-timer.mjs';

const env = (name, dflt) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const BATCHES = env('BENCH_BATCHES', 15);
const WARMUP_BATCHES = 3;
const BATCH_NS = env('BENCH_BATCH_MS', 25) * 1e6;
const FIB_RUNS = env('BENCH_FIB_RUNS', 7);
const FIB_ROUNDS = env('BENCH_FIB_ROUNDS', 7);
const ASYNC_REPEATS = env('BENCH_ASYNC_REPEATS', 3);
const OVERSHOOT_RUNS = env('BENCH_OVERSHOOT_RUNS', 100);
const BUDGET = env('BENCH_BUDGET', 1e7);
const BUDGET_ROUNDS = env('BENCH_BUDGET_ROUNDS', 5);
const ARRAY_LEN = 100_000;
const PARTS = ['micro', 'async', 'fib', 'overshoot', 'budget'];
const ONLY = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((x) => x.trim())
  .filter(Boolean);
for (const part of ONLY) {
  if (!PARTS.includes(part)) {
    console.error(`bench: BENCH_ONLY: unknown part ${JSON.stringify(part)} (parts: ${PARTS.join(', ')})`);
    process.exit(2);
  }
}
const runs = (part) => ONLY.length === 0 || ONLY.includes(part);

// The limit settings of the fib(30) comparison, by variant name.
const MB = 1024 * 1024;
const LIMIT_VARIANTS = {
  none: {},
  maxMemory: { maxMemory: 64 * MB },
  maxInstructions: { maxInstructions: 1e12 },
  timeout: { timeout: 60000 },
  all: { maxMemory: 64 * MB, maxInstructions: 1e12, timeout: 60000 },
};

// The chunk both sides run; the floor reads it from a file, byte for byte.
const FIB_CHUNK =
  'local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end\nreturn fib(30)\n';

const argv = process.argv.slice(2);
const floorArg = argv.indexOf('--floor');
const floorPath = floorArg >= 0 ? argv[floorArg + 1] : process.env.LUA_FLOOR;

const gc = () => globalThis.gc?.();
const sortNum = (xs) => [...xs].sort((a, b) => a - b);
// Keeps results alive so no engine can drop the work.
let sink = 0;

function check(cond, what) {
  if (!cond) {
    console.error(`bench: sanity check failed: ${what}`);
    process.exit(1);
  }
}

// Child mode (spawned by the fib(30) comparison below): a fresh process with
// a fresh context (with the limits of the variant named after --fib-child)
// runs the chunk 1 + FIB_RUNS times and prints the times.
const childArg = argv.indexOf('--fib-child');
if (childArg >= 0) {
  const limits = LIMIT_VARIANTS[argv[childArg + 1] ?? 'none'];
  check(limits, `unknown limit variant ${argv[childArg + 1]}`);
  const fctx = new lua_native.init({}, { libraries: 'all', ...limits });
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
  return measureBatches(body, { batchNs: BATCH_NS, warmup: WARMUP_BATCHES, batches: BATCHES });
}

const rows = [];
const row = (name, r, note = '') => {
  rows.push({ name, ...r, note });
  process.stderr.write(`  done: ${name}\n`);
};

// ---------------------------------------------------------------- micro ----
if (runs('micro')) {
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

  // 6. A table with a metatable comes to JS as a live Proxy: read one field.
  const proxy = ctx.execute_script('return setmetatable({x = 1}, {})');
  check(proxy.x === 1, 'proxy read p.x');
  row(
    'Proxy property read: p.x',
    measure((n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += proxy.x;
      sink += s;
    }),
    'setmetatable({x = 1}, {}) seen from JS'
  );

  // 7. Coroutine resume round trip (JS -> resume -> yield 1 -> JS).
  const co = ctx.create_coroutine('return function() while true do coroutine.yield(1) end end');
  {
    const r = ctx.resume(co);
    check(r.status === 'suspended' && r.values.length === 1 && r.values[0] === 1, 'resume gives { suspended, [1] }');
  }
  row(
    'ctx.resume(co): yield 1 and back',
    measure((n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += ctx.resume(co).values[0];
      sink += s;
    }),
    'per round trip, result object included'
  );

  // 8. Lua reads a property of a JS object given by set_userdata (readable).
  ctx.set_userdata('u', { x: 1 }, { readable: true });
  ctx.execute_script('plain = { x = 1 }');
  const readU = ctx.execute_script(
    'return function(n) local s = 0 for i = 1, n do s = s + u.x end return s end'
  );
  const readPlain = ctx.execute_script(
    'return function(n) local s = 0 for i = 1, n do s = s + plain.x end return s end'
  );
  check(readU(10) === 10 && readPlain(10) === 10, 'u.x and plain.x read from Lua');
  row(
    'Lua reads userdata property u.x (readable)',
    measure((n) => {
      sink += readU(n);
    }),
    'per read, in a Lua loop; u is a global'
  );
  row(
    '  (baseline: same loop reading plain.x, a table)',
    measure((n) => {
      sink += readPlain(n);
    }),
    'pure Lua, for comparison'
  );

  // 9. Precompiled bytecode versus source, a small chunk and a 200-line one.
  const SMALL_CHUNK = 'local t = {} for i = 1, 10 do t[i] = i end return #t';
  const bigLines = [];
  for (let i = 1; i <= 200; i++) {
    bigLines.push(`  if x > ${i} then t[${i}] = x * ${i} + ${i % 7} else t[${i}] = ${i} - x end`);
  }
  const BIG_CHUNK = `local function f(x)\n  local t = {}\n${bigLines.join('\n')}\n  return #t\nend\nreturn f(100)\n`;
  for (const [label, src, expect] of [
    ['small chunk (10-element loop)', SMALL_CHUNK, 10],
    ['200-line function body', BIG_CHUNK, 200],
  ]) {
    const bc = ctx.compile(src);
    check(ctx.execute_script(src) === expect && ctx.load_bytecode(bc) === expect, `${label}: source and bytecode agree`);
    check(ctx.load_bytecode(ctx.compile(src)) === expect, `${label}: load_bytecode(compile(src))`);
    const srcBytes = Buffer.byteLength(src);
    row(
      `execute_script(src), ${label}`,
      measure((n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += ctx.execute_script(src);
        sink += s;
      }),
      `${srcBytes} bytes of source`
    );
    row(
      `  load_bytecode(bc), bc compiled once`,
      measure((n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += ctx.load_bytecode(bc);
        sink += s;
      }),
      `${bc.length} bytes of bytecode`
    );
    const bcStripped = ctx.compile(src, { stripDebug: true });
    check(ctx.load_bytecode(bcStripped) === expect, `${label}: stripped bytecode`);
    row(
      `  load_bytecode(bc), compiled with stripDebug`,
      measure((n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += ctx.load_bytecode(bcStripped);
        sink += s;
      }),
      `${bcStripped.length} bytes of bytecode`
    );
    row(
      `  load_bytecode(ctx.compile(src))`,
      measure((n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += ctx.load_bytecode(ctx.compile(src));
        sink += s;
      }),
      'compile + dump + load + run'
    );
    row(
      `  ctx.compile(src) alone`,
      measure((n) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += ctx.compile(src).length;
        sink += s;
      }),
      'parse + dump to a Buffer'
    );
  }

  // 10. reset() versus a new context with the same callbacks; info(); gc('count').
  const callbacks = {
    cb1: (a) => a,
    cb2: (a, b) => a + b,
    cb3: () => 'three',
    cb4: (x) => !x,
    cb5: (...xs) => xs.length,
  };
  const rctx = new lua_native.init(callbacks, { libraries: 'all' });
  rctx.reset();
  check(rctx.execute_script('return cb2(cb1(1), 2) .. cb3() .. cb5(1, 2)') === '3three2', 'callbacks survive reset()');
  row(
    "ctx.reset() (5 callbacks, libraries 'all')",
    measure((n) => {
      for (let i = 0; i < n; i++) rctx.reset();
    }),
    'close the state, open a fresh one, replay'
  );
  {
    const c = new lua_native.init(callbacks, { libraries: 'all' });
    check(c.execute_script('return cb2(cb1(1), 2) .. cb3() .. cb5(1, 2)') === '3three2', 'callbacks in a new context');
    c.dispose();
  }
  row(
    "  new init(same 5 callbacks, 'all') + dispose()",
    measure((n) => {
      for (let i = 0; i < n; i++) new lua_native.init(callbacks, { libraries: 'all' }).dispose();
    }),
    'the same work through the constructor'
  );
  gc();
  {
    const inf = ctx.info();
    check(inf.version === 'Lua 5.5' && inf.libraries.length === 10, 'info() fields');
    check(typeof ctx.gc('count') === 'number' && ctx.gc('count') > 0, "gc('count') is a positive number");
  }
  row(
    'ctx.info()',
    measure((n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += ctx.info().memoryBytes;
      sink += s;
    }),
    '10 fields, a 10-string array, a 6-field object'
  );
  row(
    "ctx.gc('count')",
    measure((n) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += ctx.gc('count');
      sink += s;
    }),
    'KB in use, as a number'
  );
}

// ---------------------------------------------------------------- async ----
// A CPU-bound chunk calibrated to ~20 ms (synchronously, in this process),
// run 40 times: by one context, one execute_script_async after another, and by
// 4 contexts at once, each doing 10 in a row (they run on libuv's thread pool,
// 4 threads unless UV_THREADPOOL_SIZE says otherwise). Each workload is
// repeated ASYNC_REPEATS times, alternating; the figure is the median wall time.
let asyncResult = null;
if (runs('async')) {
  console.error('running async throughput...');
  const chunk = (iters) => `local x = 0 for i = 1, ${iters} do x = x + i % 7 end return x`;
  const actx = new lua_native.init({}, { libraries: 'all' });
  // Calibrate: scale the loop until one synchronous run takes ~20 ms.
  let iters = 100_000;
  const syncMs = (it) => {
    const ts = [];
    for (let i = 0; i < 5; i++) {
      const t0 = now();
      sink += actx.execute_script(chunk(it));
      ts.push(Number(now() - t0) / 1e6);
    }
    return median(ts);
  };
  for (let i = 0; i < 4; i++) iters = Math.max(1000, Math.round((iters * 20) / syncMs(iters)));
  const src = chunk(iters);
  const oneRunMs = syncMs(iters);
  const expect = actx.execute_script(src);
  check((await actx.execute_script_async(src)) === expect, 'execute_script_async gives what execute_script gives');
  const contexts = [actx, ...Array.from({ length: 3 }, () => new lua_native.init({}, { libraries: 'all' }))];
  const sequential = async () => {
    const t0 = now();
    for (let i = 0; i < 40; i++) check((await actx.execute_script_async(src)) === expect, 'async result');
    return Number(now() - t0) / 1e6;
  };
  const parallel = async () => {
    const t0 = now();
    await Promise.all(
      contexts.map(async (c) => {
        for (let i = 0; i < 10; i++) check((await c.execute_script_async(src)) === expect, 'async result');
      })
    );
    return Number(now() - t0) / 1e6;
  };
  const syncSequential = () => {
    const t0 = now();
    for (let i = 0; i < 40; i++) check(actx.execute_script(src) === expect, 'sync result');
    return Number(now() - t0) / 1e6;
  };
  await parallel(); // warm-up: spins up the thread pool
  const seq = [];
  const par = [];
  const syn = [];
  for (let r = 0; r < ASYNC_REPEATS; r++) {
    if (r % 2 === 0) {
      seq.push(await sequential());
      par.push(await parallel());
    } else {
      par.push(await parallel());
      seq.push(await sequential());
    }
    syn.push(syncSequential());
  }
  for (const c of contexts) c.dispose();
  asyncResult = { iters, oneRunMs, seq, par, syn };
}

// ---------------------------------------------------------- fib(30) & limits ----
// Each round runs every runner once, each in a fresh process from a fresh
// copy of its binary (a new file, so new page-cache pages behind the code: on
// the reference VM the same bytes run up to ~35% slower or faster depending
// on where their pages land, see docs/PERFORMANCE.md). The order rotates by
// round, so drift in the machine hits all alike. In a round each runner does
// 1 warm-up run and FIB_RUNS timed runs of the whole chunk (compile + run), in
// one state / one context. The runners: the floor; the floor with an empty
// count hook every 1000 instructions (an experiment: Lua's own hook cost); and
// the addon without limits and with each limit setting of LIMIT_VARIANTS.
function floorFibRound(exe, chunkFile, extra = []) {
  const p = spawnSync(exe, ['--json', '--runs', String(FIB_RUNS), '--warmup', '1', '--file', chunkFile, ...extra], {
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

function addonFibRound(addonCopy, variant) {
  const p = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--fib-child', variant], {
    encoding: 'utf8',
    env: { ...process.env, LUA_NATIVE_BINARY: addonCopy },
  });
  if (p.status !== 0) {
    console.error(`bench: the addon fib child (${variant}) failed (${p.status}): ${p.stderr}`);
    process.exit(1);
  }
  return JSON.parse(p.stdout.trim().split('\n').pop()).times_ns;
}

const FIB_RUNNERS = [
  { key: 'floor', label: 'floor: lua-sys only (lua-floor)', kind: 'floor', extra: [] },
  { key: 'floorHook', label: 'floor + empty count hook /1000', kind: 'floor', extra: ['--count-hook', '1000'] },
  ...Object.keys(LIMIT_VARIANTS).map((v) => ({
    key: v,
    label: v === 'none' ? 'addon: ctx.execute_script(chunk)' : `addon, ${v === 'all' ? 'all three limits' : v}`,
    kind: 'addon',
    variant: v,
  })),
];

let fib = null;
const addonSource = process.env.LUA_NATIVE_BINARY
  ? resolve(process.env.LUA_NATIVE_BINARY)
  : join(dirname(fileURLToPath(import.meta.url)), '..', 'lua-native.node');
if (!runs('fib')) {
  // skipped
} else if (!floorPath || !existsSync(floorPath)) {
  console.error(`bench: the floor binary is missing (${floorPath ?? 'no --floor given'}); skipping fib(30)`);
} else {
  console.error(
    `running fib(30): ${FIB_ROUNDS} rounds x ${FIB_RUNS} runs, ${FIB_RUNNERS.length} runners in rotating order...`
  );
  const dir = mkdtempSync(join(tmpdir(), 'lua-bench-'));
  const chunkFile = join(dir, 'fib.lua');
  writeFileSync(chunkFile, FIB_CHUNK);
  const all = Object.fromEntries(FIB_RUNNERS.map((x) => [x.key, []]));
  const rounds = [];
  try {
    for (let r = 0; r < FIB_ROUNDS; r++) {
      const order = FIB_RUNNERS.map((_, i) => FIB_RUNNERS[(i + r) % FIB_RUNNERS.length]);
      const round = {};
      for (const runner of order) {
        const copy = join(dir, `${runner.key}-${r}${runner.kind === 'addon' ? '.node' : ''}`);
        let t;
        if (runner.kind === 'floor') {
          copyFileSync(floorPath, copy);
          chmodSync(copy, 0o755);
          t = floorFibRound(copy, chunkFile, runner.extra);
        } else {
          copyFileSync(addonSource, copy);
          t = addonFibRound(copy, runner.variant);
        }
        rmSync(copy, { force: true });
        all[runner.key].push(...t);
        round[runner.key] = median(t);
      }
      rounds.push(round);
      process.stderr.write(
        `  round ${r + 1}: ${FIB_RUNNERS.map((x) => `${x.key} ${(round[x.key] / 1e6).toFixed(1)}`).join(', ')} ms\n`
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  fib = { all, rounds };
}

// ------------------------------------------------------------ overshoot ----
// How late a run stopped by `timeout: 50` comes back: wall time of the whole
// execute_script call (compile, run until stopped, error object) minus 50 ms.
let overshoot = null;
if (runs('overshoot')) {
  console.error('running timeout overshoot...');
  const octx = new lua_native.init({}, { libraries: 'all', timeout: 50 });
  const timeOut = (src, n) => {
    const over = [];
    for (let i = 0; i < n; i++) {
      const t0 = now();
      let code = null;
      try {
        octx.execute_script(src);
      } catch (e) {
        code = e.code;
      }
      const ms = Number(now() - t0) / 1e6;
      check(code === 'LUA_TIMEOUT', `${src} with timeout 50 ended with ${code}`);
      over.push(ms - 50);
    }
    return over;
  };
  const loop = timeOut('while true do end', OVERSHOOT_RUNS);
  const bomb = timeOut("return string.find(string.rep('a', 10000), '.-.-.-.-b')", Math.max(1, Math.round(OVERSHOOT_RUNS / 5)));
  octx.dispose();
  overshoot = { loop, bomb };
}

// --------------------------------------------------------------- budget ----
// How long each kind of work takes to spend one `maxInstructions` budget
// (DECISIONS 12: a work budget), against `while true do end`, which spends it
// one instruction at a time. Each workload has its own context
// ({ libraries: 'safe', maxInstructions: BUDGET }, plus maxMemory for the
// last); its setup runs once, in calls of its own; then each round times one
// execute_script of the loop, which must end with LUA_INSTRUCTION_LIMIT. The
// order of the workloads rotates by round; the figure is the median over the
// rounds. Target (issue 11): every workload within 10x the plain loop.
const BUDGET_WORKLOADS = [
  { key: 'plain', label: 'while true do end', loop: 'while true do end' },
  // A second reference: ordinary Lua code (calls, compares, arithmetic), no library work.
  {
    key: 'fib',
    label: '(reference) fib(25) in a loop: pure Lua',
    loop: 'local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end while true do fib(25) end',
  },
  { key: 'upper', label: 's:upper(), s of 1 MB', setup: "s = string.rep('a', 1e6)", loop: 'local s = s while true do local u = s:upper() end' },
  {
    key: 'collect',
    label: 'collectgarbage(), 100,000 live tables',
    setup: 'keep = {} for i = 1, 1e5 do keep[i] = {i} end',
    loop: 'while true do collectgarbage() end',
  },
  {
    key: 'concat',
    label: "table.concat(t, ','), 100,000 strings",
    setup: "t = {} for i = 1, 1e5 do t[i] = 'abcdefgh' end",
    loop: "local t = t while true do local u = table.concat(t, ',') end",
  },
  {
    key: 'sort',
    label: 'table.sort(copy of t), 100,000 numbers',
    setup: 't = {} local r = 1 for i = 1, 1e5 do r = (r * 16807) % 2147483647 t[i] = r end',
    loop: 'local t = t while true do local u = table.move(t, 1, #t, 1, {}) table.sort(u) end',
  },
  {
    key: 'sortf',
    label: 'table.sort(t, function) (Lua comparator)',
    setup: 't = {} local r = 1 for i = 1, 1e5 do r = (r * 16807) % 2147483647 t[i] = r end',
    loop: 'local t = t while true do local u = table.move(t, 1, #t, 1, {}) table.sort(u, function(a, b) return a > b end) end',
  },
  {
    key: 'unpack',
    label: "select('#', table.unpack(t)), 100,000 values",
    setup: 't = {} for i = 1, 1e5 do t[i] = i end',
    loop: "local t = t while true do local k = select('#', table.unpack(t)) end",
  },
  { key: 'reverse', label: 's:reverse(), s of 1 MB', setup: "s = string.rep('ab', 5e5)", loop: 'local s = s while true do local u = s:reverse() end' },
  {
    key: 'utf8len',
    label: 'utf8.len(s), s of 1 MB (mixed widths)',
    setup: "s = string.rep('h\\u{e9}llo \\u{4e16}', 1e5)",
    loop: 'local s = s while true do local k = utf8.len(s) end',
  },
  { key: 'rep', label: "string.rep('abc', 1e6)", loop: "while true do local u = string.rep('abc', 1e6) end" },
  {
    key: 'memcap',
    label: 'at the maxMemory cap (8 MB): emergency GC per allocation',
    memory: 8 * MB,
    // The heap is filled to the cap with a chain of small live tables, in
    // calls of their own (each within the budget); once an allocation fails,
    // a few hundred are freed: room for compiling the loop, none for
    // doubling the 60 KB string, so each pcall(double) runs an emergency
    // collection of the whole heap and fails.
    setup: "s = string.rep('x', 6e4) double = function() return s .. s end depth = 0",
    fill:
      'local ok = pcall(function() for i = 1, 20000 do keep = {keep} depth = depth + 1 end end) ' +
      'if not ok then for i = 1, 300 do keep = keep[1] end collectgarbage() end return ok',
    loop: 'local double = double while true do pcall(double) end',
  },
  // Beyond the issue's list:
  {
    key: 'format',
    label: "string.format('%q', s), s of 200 KB",
    setup: "s = string.rep('a\\n', 1e5)",
    loop: "local s = s while true do local u = string.format('%q', s) end",
  },
  {
    key: 'tostring',
    label: 'tostring(v), v with a 1 MB __name',
    setup: "v = setmetatable({}, {__name = string.rep('x', 1e6)})",
    loop: 'local v = v while true do local u = tostring(v) end',
  },
  {
    key: 'load',
    label: 'load(src), src of 1 MB',
    setup: "src = string.rep('a = 1 + 2 * 3\\n', 7e4)",
    loop: 'local src = src while true do local f = load(src) end',
  },
  { key: 'gsub', label: "s:gsub('a', 'bb'), s of 100 KB", setup: "s = string.rep('a', 1e5)", loop: "local s = s while true do local u = s:gsub('a', 'bb') end" },
  { key: 'find', label: "s:find('.-b'), s of 10 KB (quadratic)", setup: "s = string.rep('a', 1e4)", loop: "local s = s while true do local u = s:find('.-b') end" },
  { key: 'dotdot', label: "s .. 'x', s of 1 MB", setup: "s = string.rep('a', 1e6)", loop: "local s = s while true do local u = s .. 'x' end" },
  {
    key: 'next',
    label: 'next(t), t emptied of 100,000 entries',
    setup: 't = {} for i = 1, 1e5 do t[i] = i end for i = 1, 1e5 do t[i] = nil end',
    loop: 'local t = t while true do local k = next(t) end',
  },
];

let budgetResult = null;
if (runs('budget')) {
  console.error(`running the work budget: maxInstructions ${BUDGET}, ${BUDGET_ROUNDS} rounds x ${BUDGET_WORKLOADS.length} workloads...`);
  const ctxs = BUDGET_WORKLOADS.map((w) => {
    const c = new lua_native.init({}, { libraries: 'safe', maxInstructions: BUDGET, ...(w.memory ? { maxMemory: w.memory } : {}) });
    if (w.setup) c.execute_script(w.setup);
    if (w.fill) {
      while (c.execute_script(w.fill)) {
        // until an allocation fails: the heap is at the cap
      }
    }
    if (w.memory) check(c.execute_script('return (pcall(double))') === false, 'the memory-cap workload has room left');
    return c;
  });
  const times = Object.fromEntries(BUDGET_WORKLOADS.map((w) => [w.key, []]));
  for (let r = 0; r < BUDGET_ROUNDS; r++) {
    for (let i = 0; i < BUDGET_WORKLOADS.length; i++) {
      const k = (i + r) % BUDGET_WORKLOADS.length;
      const w = BUDGET_WORKLOADS[k];
      gc();
      const t0 = now();
      let code = null;
      try {
        ctxs[k].execute_script(w.loop);
      } catch (e) {
        code = e.code;
      }
      const dt = Number(now() - t0);
      check(code === 'LUA_INSTRUCTION_LIMIT', `budget workload ${w.key} ended with ${code}`);
      times[w.key].push(dt);
    }
    process.stderr.write(`  round ${r + 1} done\n`);
  }
  for (const c of ctxs) c.dispose();
  budgetResult = times;
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

const pct = (x) => `${x >= 0 ? '+' : ''}${x.toFixed(2)}%`;

if (asyncResult) {
  const { iters, oneRunMs, seq, par, syn } = asyncResult;
  console.log('');
  console.log(
    `async throughput: 40 runs of a CPU loop (${iters.toLocaleString('en-US')} iterations, ${oneRunMs.toFixed(1)} ms ` +
      `per synchronous run), median of ${ASYNC_REPEATS} repeats (UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? 'default (4)'})`
  );
  console.log('');
  const w = 55;
  console.log(`${'workload'.padEnd(w)} | ${'wall (median)'.padStart(13)} | ${'min'.padStart(10)} | ${'runs/s'.padStart(7)} | vs 1 context async`);
  console.log('-'.repeat(w + 60));
  const line = (name, xs) => {
    const m = median(xs);
    console.log(
      `${name.padEnd(w)} | ${`${m.toFixed(1)} ms`.padStart(13)} | ${`${Math.min(...xs).toFixed(1)} ms`.padStart(10)} | ${(40000 / m).toFixed(1).padStart(7)} | ${(median(seq) / m).toFixed(2)}x`
    );
  };
  line('1 context, 40 x execute_script_async in sequence', seq);
  line('4 contexts in parallel, 10 x execute_script_async each', par);
  line('(1 context, 40 x execute_script, synchronous)', syn);
}

if (fib) {
  const m = (k) => median(fib.all[k]);
  const mn = (k) => Math.min(...fib.all[k]);
  const f = m('floor');
  const a = m('none');
  const over = (a / f - 1) * 100;
  console.log('');
  console.log(
    `fib(30), recursive, same chunk: ${FIB_ROUNDS} rounds x ${FIB_RUNS} runs per runner ` +
      '(fresh process and fresh binary copy per run of a runner, order rotating by round)'
  );
  console.log('');
  const w = 34;
  console.log(
    `${'runner'.padEnd(w)} | ${'median'.padStart(10)} | ${'min'.padStart(10)} | ${'round medians: min .. max'.padStart(26)}`
  );
  console.log('-'.repeat(w + 56));
  for (const runner of FIB_RUNNERS.filter((x) => x.key === 'floor' || x.key === 'none')) {
    const k = runner.key;
    const rm = fib.rounds.map((x) => x[k]);
    console.log(
      `${runner.label.padEnd(w)} | ${fmt(m(k)).padStart(10)} | ${fmt(mn(k)).padStart(10)} | ${`${fmt(Math.min(...rm))} .. ${fmt(Math.max(...rm))}`.padStart(26)}`
    );
  }
  console.log('');
  console.log(`round | ${'floor'.padStart(10)} | ${'addon'.padStart(10)} | addon vs floor`);
  fib.rounds.forEach((x, i) => {
    console.log(
      `${String(i + 1).padStart(5)} | ${fmt(x.floor).padStart(10)} | ${fmt(x.none).padStart(10)} | ${pct((x.none / x.floor - 1) * 100)}`
    );
  });
  const overMin = (mn('none') / mn('floor') - 1) * 100;
  console.log('');
  console.log(
    `addon overhead vs floor: ${pct(over)} (medians of all runs), ${pct(overMin)} (minimums); ` +
      `target at most +3%: ${over <= 3 ? 'MET' : 'NOT MET'}`
  );

  console.log('');
  console.log('fib(30) with limits (same runs as above; each runner against the floor)');
  console.log('');
  const w2 = 34;
  console.log(
    `${'runner'.padEnd(w2)} | ${'median'.padStart(10)} | ${'min'.padStart(10)} | ${'vs floor'.padStart(9)} | ${'(mins)'.padStart(9)} | ${'vs addon, no limits'.padStart(19)} | ${'round medians vs floor'.padStart(22)}`
  );
  console.log('-'.repeat(w2 + 100));
  for (const runner of FIB_RUNNERS) {
    const k = runner.key;
    const perRound = fib.rounds.map((x) => (x[k] / x.floor - 1) * 100);
    console.log(
      `${runner.label.padEnd(w2)} | ${fmt(m(k)).padStart(10)} | ${fmt(mn(k)).padStart(10)} | ${pct((m(k) / f - 1) * 100).padStart(9)} | ${pct((mn(k) / mn('floor') - 1) * 100).padStart(9)} | ${(runner.kind === 'addon' ? pct((m(k) / a - 1) * 100) : '').padStart(19)} | ${`${pct(Math.min(...perRound))} .. ${pct(Math.max(...perRound))}`.padStart(22)}`
    );
  }
  const overAll = (m('all') / f - 1) * 100;
  console.log('');
  console.log(
    `all three limits vs floor: ${pct(overAll)} (medians), ${pct((mn('all') / mn('floor') - 1) * 100)} (minimums); ` +
      `target at most +5%: ${overAll <= 5 ? 'MET' : 'NOT MET'}`
  );
}

if (overshoot) {
  const q = (xs, p) => sortNum(xs)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
  console.log('');
  console.log("timeout overshoot with timeout: 50 (wall time of execute_script minus 50 ms; every run ended LUA_TIMEOUT)");
  console.log('');
  const w = 58;
  console.log(`${'script'.padEnd(w)} | ${'runs'.padStart(4)} | ${'median'.padStart(9)} | ${'p90'.padStart(9)} | ${'worst'.padStart(9)} | ${'best'.padStart(9)}`);
  console.log('-'.repeat(w + 52));
  const ms = (x) => `${x.toFixed(3)} ms`;
  for (const [name, xs] of [
    ['while true do end', overshoot.loop],
    ["string.find(string.rep('a', 10000), '.-.-.-.-b')", overshoot.bomb],
  ]) {
    console.log(
      `${name.padEnd(w)} | ${String(xs.length).padStart(4)} | ${ms(median(xs)).padStart(9)} | ${ms(q(xs, 0.9)).padStart(9)} | ${ms(Math.max(...xs)).padStart(9)} | ${ms(Math.min(...xs)).padStart(9)}`
    );
  }
}
if (budgetResult) {
  const plain = median(budgetResult.plain);
  console.log('');
  console.log(
    `work budget: time to spend maxInstructions = ${BUDGET.toExponential(0)} (median of ${BUDGET_ROUNDS} rounds; ` +
      'every run ended LUA_INSTRUCTION_LIMIT)'
  );
  console.log('');
  const w = Math.max(...BUDGET_WORKLOADS.map((x) => x.label.length), 10);
  console.log(`${'workload'.padEnd(w)} | ${'median'.padStart(10)} | ${'min'.padStart(10)} | ${'max'.padStart(10)} | ${'vs plain'.padStart(8)}`);
  console.log('-'.repeat(w + 50));
  let worst = 0;
  for (const x of BUDGET_WORKLOADS) {
    const xs = budgetResult[x.key];
    const ratio = median(xs) / plain;
    worst = Math.max(worst, ratio);
    console.log(
      `${x.label.padEnd(w)} | ${fmt(median(xs)).padStart(10)} | ${fmt(Math.min(...xs)).padStart(10)} | ${fmt(Math.max(...xs)).padStart(10)} | ${`${ratio.toFixed(2)}x`.padStart(8)}`
    );
  }
  console.log('');
  console.log(`slowest workload vs the plain loop: ${worst.toFixed(2)}x; target at most 10x: ${worst <= 10 ? 'MET' : 'NOT MET'}`);
}
if (sink === 42) console.log(''); // use the sink
