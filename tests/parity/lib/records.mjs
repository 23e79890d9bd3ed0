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

/** The part of a record two builds are compared on: the outcome, plus the error extras if asked. */
export function comparable(rec, { extras = false } = {}) {
  const out = { outcome: rec.outcome };
  if (extras && rec.extras) out.extras = rec.extras;
  return JSON.stringify(out);
}
