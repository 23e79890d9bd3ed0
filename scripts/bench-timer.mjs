// The batch timer the micro-benchmarks share (scripts/bench.mjs,
// scripts/bench-floors.mjs): a batch of n operations grows (x8 while far too
// short, then x2) until one batch takes `batchNs`; then `warmup` untimed and
// `batches` timed batches run.

export const now = () => process.hrtime.bigint();

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

/** ns per operation of body(n): median and min over the timed batches, and the batch size n. */
export function measureBatches(body, { batchNs, warmup, batches }) {
  globalThis.gc?.();
  let n = 1;
  for (;;) {
    const t0 = now();
    body(n);
    const dt = Number(now() - t0);
    if (dt >= batchNs || n >= 1 << 24) break;
    n = dt < batchNs / 16 ? n * 8 : n * 2;
  }
  for (let i = 0; i < warmup; i++) body(n);
  const perOp = [];
  for (let i = 0; i < batches; i++) {
    const t0 = now();
    body(n);
    perOp.push(Number(now() - t0) / n);
  }
  return { median: median(perOp), min: Math.min(...perOp), n };
}
