// Runs iterations [from, to) of one seed in this process (spawned by the
// driver). Progress goes to --out as JSON lines, written synchronously so
// they survive a crash: {s: i} when iteration i starts, {fail, i} for each
// classified failure, {e: i} when it ends, {done, stats} at the end.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import L from '../js/load.mjs';
import { makeRuntime, describe, installProcessHandlers } from './runtime.mjs';
import { generate, PRELUDE } from './gen-program.mjs';

const AsyncFunction = (async () => {}).constructor;
const { values } = parseArgs({ options: { seed: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' } } });
const seed = Number(values.seed);
const from = Number(values.from);
const to = Number(values.to);
const fd = fs.openSync(values.out, 'a');
const write = (obj) => fs.writeSync(fd, `${JSON.stringify(obj)}\n`);

let R = null;
installProcessHandlers(() => R);
// Keeps the event loop alive: a promise that never settles is then a hang the
// driver sees, not a silent early exit.
const keepAlive = setInterval(() => {}, 1 << 30);
const stats = { iterations: 0, codes: {}, calls: {}, failures: 0 };
const add = (into, from2) => {
  for (const [k, v] of Object.entries(from2)) into[k] = (into[k] || 0) + v;
};

for (let i = from; i < to; i++) {
  write({ s: i });
  const t0 = Date.now();
  const prog = generate(seed, i);
  R = makeRuntime(L);
  try {
    await new AsyncFunction('L', 'R', [PRELUDE, ...prog.lines].join('\n'))(L, R);
  } catch (e) {
    R.failures.push({ kind: 'harness', ...describe(e), where: 'program' });
  }
  await R.finish(i % 16 === 15);
  for (const f of R.failures) write({ fail: f, i });
  stats.iterations++;
  stats.failures += R.failures.length;
  add(stats.codes, R.codes);
  add(stats.calls, R.calls);
  R = null;
  write({ e: i, ms: Date.now() - t0 });
}
write({ done: true, stats });
clearInterval(keepAlive);
