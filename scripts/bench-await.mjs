// Benchmark of the driven async doors (EVOLUTION B5): the cost of one await
// round trip (a Lua call of a JS callback that returns a Promise, the
// coroutine suspended and resumed with the value) and of execute_async
// against execute_script (and the worker-thread execute_script_async) for a
// short script. Every figure is also given as a ratio to a floor measured in
// the same process: one `await` of an already-resolved Promise in plain
// JavaScript, what any await costs. Never an absolute claim; each round
// runs in a fresh process and the medians of the rounds are printed.
//
//   node scripts/bench-await.mjs [--rounds N] [<package dir>]
//
// The package dir (default: this checkout) holds index.mjs and its
// lua-native.node. See docs/PERFORMANCE.md.

import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const AWAITS = 20_000;
const CALLS = 5_000;
const BATCHES = 9;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function timeBatches(run) {
  await run(); // warm-up
  const times = [];
  for (let b = 0; b < BATCHES; b++) {
    const t = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - t));
  }
  return median(times);
}

async function child(dir) {
  const { default: lua } = await import(resolve(dir, 'index.mjs'));
  const c = new lua.init({ later: (v) => Promise.resolve(v), now: (v) => v }, { libraries: 'all' });
  const floorAwait = (await timeBatches(async () => {
    for (let i = 0; i < AWAITS; i++) await Promise.resolve(i);
  })) / AWAITS;
  const awaitTrip = (await timeBatches(() => c.execute_async(`for i = 1, ${AWAITS} do later(i) end`))) / AWAITS;
  const syncCall = (await timeBatches(() => c.execute_async(`for i = 1, ${AWAITS} do now(i) end`))) / AWAITS;
  const script = 'return 1 + 1';
  const sync = (await timeBatches(() => {
    for (let i = 0; i < CALLS; i++) c.execute_script(script);
  })) / CALLS;
  const driven = (await timeBatches(async () => {
    for (let i = 0; i < CALLS; i++) await c.execute_async(script);
  })) / CALLS;
  const worker = (await timeBatches(async () => {
    for (let i = 0; i < CALLS / 10; i++) await c.execute_script_async(script);
  })) / (CALLS / 10);
  return { floorAwait, awaitTrip, syncCall, sync, driven, worker };
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  process.stdout.write(JSON.stringify(await child(args[1])));
  process.exit(0);
}
let rounds = 5;
if (args[0] === '--rounds') {
  rounds = Number(args[1]);
  args.splice(0, 2);
}
const dir = args[0] ?? resolve(fileURLToPath(import.meta.url), '..', '..');
const results = [];
for (let r = 0; r < rounds; r++) {
  const out = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', dir], { encoding: 'utf8' });
  if (out.status !== 0) {
    process.stderr.write(out.stderr);
    process.exit(1);
  }
  results.push(JSON.parse(out.stdout));
}
const m = (k) => median(results.map((r) => r[k]));
const us = (ns) => `${(ns / 1000).toFixed(2)} µs`;
const floor = m('floorAwait');
console.log(`rounds: ${rounds} (medians), floor = one JS await of a resolved Promise: ${us(floor)}`);
console.log(`one await round trip (Lua -> JS Promise -> resumed):  ${us(m('awaitTrip'))}  (${(m('awaitTrip') / floor).toFixed(1)}x floor)`);
console.log(`same loop, callback returning a plain value:        ${us(m('syncCall'))}  (${(m('syncCall') / floor).toFixed(1)}x floor)`);
console.log(`execute_script('return 1 + 1'):                    ${us(m('sync'))}  (${(m('sync') / floor).toFixed(1)}x floor)`);
console.log(`await execute_async('return 1 + 1'):               ${us(m('driven'))}  (${(m('driven') / floor).toFixed(1)}x floor, ${(m('driven') / m('sync')).toFixed(1)}x execute_script)`);
console.log(`await execute_script_async('return 1 + 1'):        ${us(m('worker'))}  (${(m('worker') / floor).toFixed(1)}x floor, ${(m('worker') / m('sync')).toFixed(1)}x execute_script)`);
