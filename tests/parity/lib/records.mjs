// Reading and comparing result files (JSON lines written by run.mjs).
import fs from 'node:fs';

/** Reads a .jsonl result file into an ordered Map id -> record. */
export function readRecords(file) {
  const map = new Map();
  const text = fs.readFileSync(file, 'utf8');
  let n = 0;
  for (const line of text.split('\n')) {
    n++;
    if (!line.trim()) continue;
    let rec;
    try {
      rec = JSON.parse(line);
    } catch (e) {
      throw new Error(`${file}:${n}: not JSON (${e.message})`);
    }
    if (typeof rec.id !== 'string') throw new Error(`${file}:${n}: record without an id`);
    map.set(rec.id, rec);
  }
  return map;
}

/** Lua's traceback as the original 1.1.0 appends it to error messages. */
const TRACEBACK_SUFFIX = /\nstack traceback:\n[\s\S]*$/;

/**
 * A copy of `v` whose error texts (`message` and `error` strings, at any depth) lose an appended
 * `\nstack traceback:...`. DECISIONS 2: we keep the traceback in `luaTraceback`, out of the message.
 */
export function withoutTracebacks(v) {
  if (Array.isArray(v)) return v.map(withoutTracebacks);
  if (!v || typeof v !== 'object') return v;
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] = (k === 'message' || k === 'error') && typeof x === 'string' ? x.replace(TRACEBACK_SUFFIX, '') : withoutTracebacks(x);
  }
  return out;
}

/**
 * The part of a record two builds are compared on: the outcome, plus the error extras if asked;
 * with `tracebacks: false`, error texts without an appended traceback (see `withoutTracebacks`).
 */
export function comparable(rec, { extras = false, tracebacks = true } = {}) {
  const out = { outcome: tracebacks ? rec.outcome : withoutTracebacks(rec.outcome) };
  if (extras && rec.extras) out.extras = rec.extras;
  return JSON.stringify(out);
}
