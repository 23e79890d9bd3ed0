// A paired before/after check of two builds of the addon (issue 18):
//   node scripts/bench-ab.mjs <before.node> <after.node> [pairs]
// runs each build alternately in a fresh process, `pairs` times (default 6),
// and prints per build the median ns of: JS calls a Lua function add(i, 1);
// execute_script('return 1'); a Lua loop calling a JS function js_add(i, 1);
// a new context with every library and dispose() (newctx), and one left to
// the collector (dropctx). (Each figure: median of 12 timed batches after 3
// warm-up batches.) BENCH_AB_ONLY=exec,newctx runs only those rows.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const ONLY = (process.env.BENCH_AB_ONLY ?? 'call,exec,callback,newctx,dropctx').split(',');
if (process.argv[2] === '--child') {
  const { default: lua } = await import(resolve(root, 'index.mjs'));
  const ctx = new lua.init({ js_add: (a, b) => a + b }, { libraries: 'all' });
  const add = ctx.execute_script('return function(a, b) return a + b end');
  const loop = ctx.execute_script('return function(n) local f = js_add local s = 0 for i = 1, n do s = f(i, 1) end return s end');
  const med = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
  const t = (n, body) => {
    const r = [];
    for (let k = 0; k < 15; k++) {
      const t0 = process.hrtime.bigint();
      body(n);
      r.push(Number(process.hrtime.bigint() - t0) / n);
    }
    return med(r.slice(3));
  };
  let s = 0;
  const rows = {
    call: () => t(400000, (n) => { for (let i = 0; i < n; i++) s = add(i, 1); }),
    exec: () => t(20000, (n) => { for (let i = 0; i < n; i++) s += ctx.execute_script('return 1'); }),
    callback: () => t(400000, (n) => { s += loop(n); }),
    newctx: () => t(2000, (n) => { for (let i = 0; i < n; i++) new lua.init({}, { libraries: 'all' }).dispose(); }),
    dropctx: () => t(2000, (n) => { for (let i = 0; i < n; i++) s += new lua.init({}, { libraries: 'all' }) ? 1 : 0; }),
  };
  const out = { ok: true };
  for (const key of ONLY) out[key] = rows[key]();
  out.ok = s > 0;
  console.log(JSON.stringify(out));
  process.exit(0);
}
const [before, after] = process.argv.slice(2, 4).map((p) => p && resolve(p));
if (!before || !after) {
  console.error('usage: node scripts/bench-ab.mjs <before.node> <after.node> [pairs]');
  process.exit(2);
}
const pairs = Number(process.argv[4] ?? 6);
const got = { before: [], after: [] };
for (let i = 0; i < pairs; i++) {
  for (const [name, file] of [['before', before], ['after', after]]) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child'], {
      encoding: 'utf8',
      env: { ...process.env, LUA_NATIVE_BINARY: file },
    });
    if (r.status !== 0) throw new Error(`${name}: ${r.stderr}`);
    got[name].push(JSON.parse(r.stdout));
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const key of ONLY) {
  const b = got.before.map((x) => x[key]);
  const a = got.after.map((x) => x[key]);
  const wins = a.filter((v, i) => v < b[i]).length;
  console.log(`${key.padEnd(8)} before ${med(b).toFixed(1)} ns (${Math.min(...b).toFixed(1)}-${Math.max(...b).toFixed(1)})  after ${med(a).toFixed(1)} ns (${Math.min(...a).toFixed(1)}-${Math.max(...a).toFixed(1)})  after faster in ${wins}/${pairs} pairs`);
}
