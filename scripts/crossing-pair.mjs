// A quick paired check of three crossings for two builds of the addon:
//   node scripts/crossing-pair.mjs <dir of build A>   (a checkout with its lua-native.node)
// prints the best of 5 (20 for execute_script) for: JS calls a Lua function
// add(i, 1); set_global of a 100,000-number array (per element); and
// execute_script('return 1'). Run it alternately on two checkouts several
// times and compare medians (docs/PERFORMANCE.md, "Issue 12").
const dir = process.argv[2];
const { default: lua } = await import(dir + '/index.mjs');
const ctx = new lua.init({}, { libraries: 'all' });
ctx.execute_script('function add(a, b) return a + b end');
const add = ctx.get_global('add');
const N = 1_000_000;
for (let i = 0; i < 100000; i++) add(i, 1);
let best = Infinity;
for (let r = 0; r < 5; r++) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) add(i, 1);
  const ns = Number(process.hrtime.bigint() - t) / N;
  best = Math.min(best, ns);
}
const arr = Array.from({ length: 100000 }, (_, i) => i + 0.5);
let best2 = Infinity;
for (let r = 0; r < 5; r++) {
  const t = process.hrtime.bigint();
  ctx.set_global('A', arr);
  best2 = Math.min(best2, Number(process.hrtime.bigint() - t) / 1e5);
}
let best3 = Infinity;
for (let r = 0; r < 20; r++) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < 2000; i++) ctx.execute_script('return 1');
  best3 = Math.min(best3, Number(process.hrtime.bigint() - t) / 2000);
}
console.log(`${dir} call ${best.toFixed(0)} ns  js->lua elem ${best2.toFixed(1)} ns  exec ${best3.toFixed(0)} ns`);
