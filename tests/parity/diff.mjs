#!/usr/bin/env node
// Compares two result files of run.mjs case by case and prints the cases whose outcomes differ,
// the two results side by side.
//
//   node tests/parity/diff.mjs OURS.jsonl THEIRS.jsonl [--all] [--extras] [--seed] [--area NAME] [--width N]
//
//   --all      also compare cases marked `differs` (deliberate differences; skipped by default)
//   --extras   also compare the errors' extra properties (`code`, `luaTraceback`: DECISIONS 2;
//              ignored by default, since the original has none)
//   --seed     skip cases marked `evolution` (features the seed original lacks)
//   --raw-messages  compare error texts as they are; by default a `\nstack traceback:...` that
//              one build appends to a message is left out of the comparison (DECISIONS 2: ours
//              is in `luaTraceback`), and the cases equal only thanks to that are counted
//   --area     only this area
// Exit status: 0 when nothing compared differs, 1 otherwise, 2 on bad usage.
import path from 'node:path';
import { readRecords, comparable } from './lib/records.mjs';

const args = process.argv.slice(2);
const files = [];
const opt = { all: false, extras: false, seed: false, rawMessages: false, area: null, width: process.stdout.columns || 160 };
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--all') opt.all = true;
  else if (a === '--extras') opt.extras = true;
  else if (a === '--seed') opt.seed = true;
  else if (a === '--raw-messages') opt.rawMessages = true;
  else if (a === '--area') opt.area = args[++i];
  else if (a === '--width') opt.width = Number(args[++i]);
  else if (a.startsWith('--')) {
    console.error(`unknown option ${a}`);
    process.exit(2);
  } else files.push(a);
}
if (files.length !== 2) {
  console.error('usage: node tests/parity/diff.mjs OURS.jsonl THEIRS.jsonl [--all] [--extras] [--seed] [--raw-messages] [--area NAME]');
  process.exit(2);
}

const [A, B] = files.map(readRecords);
const [nameA, nameB] = files.map((f) => path.basename(f));
const ids = [...A.keys(), ...[...B.keys()].filter((k) => !A.has(k))];

function show(rec) {
  const o = rec.outcome;
  let s = JSON.stringify(o && 'value' in o ? o.value : o);
  if (opt.extras && rec.extras) s += `  extras=${JSON.stringify(rec.extras)}`;
  return s;
}

function sideBySide(left, right, lw) {
  const col = Math.max(20, Math.floor((opt.width - 7) / 2));
  if (left.length <= col && right.length <= col) {
    console.log(`    ${nameA.padEnd(col)} | ${nameB}`);
    console.log(`    ${left.padEnd(col)} | ${right}`);
  } else {
    console.log(`    ${nameA.padEnd(lw)}  ${left}`);
    console.log(`    ${nameB.padEnd(lw)}  ${right}`);
  }
}

const counts = { compared: 0, same: 0, sameButTraceback: 0, differ: 0, skippedDiffers: 0, skippedEvolution: 0, onlyA: 0, onlyB: 0 };
const byArea = new Map();
const missing = [];
const lw = Math.max(nameA.length, nameB.length);
for (const id of ids) {
  const a = A.get(id);
  const b = B.get(id);
  const rec = a || b;
  if (opt.area && rec.area !== opt.area) continue;
  if (!a || !b) {
    counts[a ? 'onlyA' : 'onlyB']++;
    missing.push(`? ${id}: only in ${a ? nameA : nameB}`);
    continue;
  }
  const differs = a.differs || b.differs;
  const evolution = a.evolution || b.evolution;
  if (differs && !opt.all) {
    counts.skippedDiffers++;
    continue;
  }
  if (evolution && opt.seed) {
    counts.skippedEvolution++;
    continue;
  }
  counts.compared++;
  if (comparable(a, opt) === comparable(b, opt)) {
    counts.same++;
    continue;
  }
  if (!opt.rawMessages && comparable(a, { ...opt, tracebacks: false }) === comparable(b, { ...opt, tracebacks: false })) {
    counts.same++;
    counts.sameButTraceback++;
    continue;
  }
  counts.differ++;
  byArea.set(rec.area, (byArea.get(rec.area) || 0) + 1);
  const tags = [rec.area, differs && `differs: ${differs}`, evolution && `evolution: ${evolution}`].filter(Boolean).join('; ');
  console.log(`✗ ${id}  (${tags})`);
  sideBySide(show(a), show(b), lw);
}

if (missing.length) {
  console.log(missing.length <= 20 ? missing.join('\n') : `${missing.slice(0, 5).join('\n')}\n? ... and ${missing.length - 5} more ids present in only one file`);
}
console.log(
  `\n${counts.compared} compared: ${counts.same} identical` +
    `${counts.sameButTraceback ? ` (${counts.sameButTraceback} of them but for a traceback appended to the message, DECISIONS 2)` : ''}` +
    `, ${counts.differ} differ` +
    `${counts.differ ? ` (${[...byArea].map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}; ` +
    `skipped ${counts.skippedDiffers} marked differs${opt.all ? '' : ' (use --all to include)'}` +
    `${opt.seed ? `, ${counts.skippedEvolution} marked evolution` : ''}` +
    `${counts.onlyA || counts.onlyB ? `; only in ${nameA}: ${counts.onlyA}, only in ${nameB}: ${counts.onlyB}` : ''}`
);
process.exit(counts.differ || counts.onlyA || counts.onlyB ? 1 : 0);
