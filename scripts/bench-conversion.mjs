// Paired conversion benchmark: the whole-value crossings (arrays of numbers,
// arrays of small tables, both ways) for two or more builds of the addon,
// measured in the same run, alternating builds in fresh processes so that a
// noisy machine slows them alike. Every figure is also given as a ratio to
// the first build and to a floor measured in the same process (building the
// same values in plain JavaScript), never as an absolute claim.
//
//   node scripts/bench-conversion.mjs [--rounds N] [--converters] <package dir> [<package dir> ...]
//
// A package dir holds index.mjs and its lua-native.node (a checkout after
// `bash scripts/build-addon.sh`, or a copy of those files). `--converters`
// adds a run of each build (that supports them) with one JS -> Lua and one
// Lua -> JS converter registered whose `match` never matches: the cost every
// object then pays for the converter scan. See docs/PERFORMANCE.md.

import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const NUMBERS = 100_000;
const TABLES = 10_000;
const BATCHES = 15;

// The workloads: name, elements per run, and the run itself (given the
// context and the JS values prepared once).
const WORKLOADS = [
  ['Lua -> JS: 100,000 numbers', NUMBERS, (c) => c.get_global('N')],
  ['Lua -> JS: 10,000 small tables', TABLES, (c) => c.get_global('T')],
  ['JS -> Lua: 100,000 numbers', NUMBERS, (c, v) => c.set_global('M', v.numbers)],
  ['JS -> Lua: 10,000 small objects', TABLES, (c, v) => c.set_global('O', v.objects)],
];

// The floors: the same values built in plain JavaScript.
const FLOORS = [
  () => Array.from({ length: NUMBERS }, (_, i) => i + 0.5),
  () => Array.from({ length: TABLES }, (_, i) => ({ id: i, name: 'item', ok: true })),
  () => Array.from({ length: NUMBERS }, (_, i) => i + 0.5),
  () => Array.from({ length: TABLES }, (_, i) => ({ id: i, name: 'item', ok: true })),
];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function timeBatches(run) {
  for (let i = 0; i < 3; i++) run(); // warm-up
  const times = [];
  for (let b = 0; b < BATCHES; b++) {
    const t = process.hrtime.bigint();
    run();
    times.push(Number(process.hrtime.bigint() - t));
  }
  return median(times);
}

async function child(dir, converters) {
  const { default: lua } = await import(resolve(dir, 'index.mjs'));
  const c = new lua.init({}, { libraries: 'all' });
  c.execute_script(`
    N = {} for i = 1, ${NUMBERS} do N[i] = i + 0.5 end
    T = {} for i = 1, ${TABLES} do T[i] = { id = i, name = 'item', ok = true } end`);
  if (converters) {
    if (typeof c.register_type_converter !== 'function') return null;
    c.register_type_converter((v) => v instanceof URL, (v) => String(v));
    c.register_from_lua_converter((v) => v instanceof URL, (v) => v);
  }
  const values = { numbers: FLOORS[0](), objects: FLOORS[1]() };
  return WORKLOADS.map(([, n, run], i) => ({ ns: timeBatches(() => run(c, values)) / n, floor: timeBatches(FLOORS[i]) / n }));
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  const result = await child(args[1], args[2] === '1');
  process.stdout.write(JSON.stringify(result));
  process.exit(0);
}

let rounds = 5;
let converters = false;
const dirs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--rounds') rounds = Number(args[++i]);
  else if (args[i] === '--converters') converters = true;
  else dirs.push(args[i]);
}
if (dirs.length === 0 || !(rounds > 0)) {
  console.error('usage: node scripts/bench-conversion.mjs [--rounds N] [--converters] <package dir> [<package dir> ...]');
  process.exit(2);
}

// Runners: each build, and each build with converters when asked.
const runners = dirs.flatMap((d) => (converters ? [[d, false], [d, true]] : [[d, false]]));
const results = runners.map(() => []);
const self = fileURLToPath(import.meta.url);
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < runners.length; k++) {
    const i = (k + r) % runners.length; // rotate the order by round
    const [dir, conv] = runners[i];
    const out = spawnSync(process.execPath, ['--expose-gc', self, '--child', dir, conv ? '1' : '0'], { encoding: 'utf8' });
    if (out.status !== 0) {
      console.error(`bench-conversion: ${dir} failed:\n${out.stderr}`);
      process.exit(1);
    }
    const parsed = JSON.parse(out.stdout);
    if (parsed) results[i].push(parsed);
  }
}

const name = ([dir, conv]) => `${dir}${conv ? ' + 1 converter each way' : ''}`;
console.log(`conversion crossings: ${rounds} rounds, fresh process per runner per round, median of ${BATCHES} batches per process; ns per element (median over rounds)\n`);
for (let w = 0; w < WORKLOADS.length; w++) {
  console.log(WORKLOADS[w][0]);
  const base = median(results[0].map((r) => r[w].ns));
  for (let i = 0; i < runners.length; i++) {
    if (results[i].length === 0) {
      console.log(`  ${name(runners[i]).padEnd(60)} (no converter API)`);
      continue;
    }
    const ns = median(results[i].map((r) => r[w].ns));
    const floor = median(results[i].map((r) => r[w].floor));
    const perRound = results[i].map((r, k) => (results[0][k] ? (r[w].ns / results[0][k][w].ns).toFixed(2) : '-')).join(' ');
    console.log(
      `  ${name(runners[i]).padEnd(60)} ${ns.toFixed(1).padStart(8)} ns  vs first ${(ns / base).toFixed(2)}x  (rounds: ${perRound})  vs JS floor ${(ns / floor).toFixed(1)}x`
    );
  }
}
