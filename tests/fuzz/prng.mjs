// Seeded randomness for the fuzzer: mulberry32, and a per-iteration seed so
// iteration i of seed S always generates the same program, whatever ran before.

/** mulberry32: a tiny 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(a) {
  return function next() {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from anything given on the command line (numbers as is, text hashed). */
export function parseSeed(s) {
  const n = Number(s);
  if (Number.isInteger(n)) return n >>> 0;
  let h = 2166136261;
  for (const ch of String(s)) h = Math.imul(h ^ ch.codePointAt(0), 16777619);
  return h >>> 0;
}

/** The seed of one iteration: a hash of (seed, iteration). */
export function iterationSeed(seed, i) {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul((i >>> 0) + 1, 0xc2b2ae35);
  h ^= Math.floor(i / 4294967296);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Rng {
  constructor(seed) {
    this.next = mulberry32(seed >>> 0);
  }
  /** An integer in [lo, hi]. */
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p) {
    return this.next() < p;
  }
  pick(arr) {
    return arr[Math.floor(this.next() * arr.length)];
  }
  /** pairs: [[weight, value], ...]; returns a value. */
  weighted(pairs) {
    let total = 0;
    for (const [w] of pairs) total += w;
    let x = this.next() * total;
    for (const [w, v] of pairs) {
      if ((x -= w) < 0) return v;
    }
    return pairs[pairs.length - 1][1];
  }
  /** Like weighted, with thunks as values: only the chosen one runs. */
  choose(pairs) {
    return this.weighted(pairs)();
  }
  /** A size on a log scale: 2^k for k in [0, maxLog2], sometimes +-1. */
  size(maxLog2) {
    const n = 2 ** this.int(0, maxLog2);
    return n + this.pick([0, 0, 1, -1]);
  }
}
