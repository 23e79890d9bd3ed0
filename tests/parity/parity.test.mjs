// Runs the differential harness against this package (or LUA_NATIVE_PACKAGE) and compares
// every case with tests/parity/expected.jsonl. One test per area; a failing test lists every
// mismatching case id with both results (expected first), not just the first one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRecords, comparable } from './lib/records.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const expectedFile = path.join(here, 'expected.jsonl');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-parity-test-'));
const actualFile = path.join(dir, 'actual.jsonl');

const run = spawnSync(process.execPath, [path.join(here, 'run.mjs'), '--out', actualFile], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const ran = run.status === 0 && fs.existsSync(actualFile);
const expected = readRecords(expectedFile);
const actual = ran ? readRecords(actualFile) : new Map();
fs.rmSync(dir, { recursive: true, force: true });

test('parity: the harness runs to completion', () => {
  assert.ok(ran, `run.mjs exited with ${run.status} ${run.signal ?? ''}\n${run.stderr}`);
});

test('parity: the same cases as expected.jsonl', () => {
  const missing = [...expected.keys()].filter((id) => !actual.has(id));
  const extra = [...actual.keys()].filter((id) => !expected.has(id));
  assert.ok(
    missing.length === 0 && extra.length === 0,
    `cases missing from this run: ${missing.join(', ') || 'none'}\n` +
      `cases not in expected.jsonl (regenerate it, see tests/parity/README.md): ${extra.join(', ') || 'none'}`
  );
});

const areas = [...new Set([...expected.values()].map((r) => r.area))];
for (const area of areas) {
  test(`parity: ${area}`, () => {
    const lines = [];
    let n = 0;
    for (const [id, exp] of expected) {
      if (exp.area !== area || !actual.has(id)) continue;
      n++;
      const got = actual.get(id);
      if (comparable(exp, { extras: true }) !== comparable(got, { extras: true })) {
        lines.push(`${id}${exp.differs ? `  (differs: ${exp.differs})` : ''}\n    expected: ${comparable(exp, { extras: true })}\n    actual:   ${comparable(got, { extras: true })}`);
      }
    }
    assert.ok(n > 0 || !ran, `no cases ran for area ${area}`);
    assert.ok(lines.length === 0, `${lines.length} of ${n} cases in area '${area}' differ from expected.jsonl:\n${lines.join('\n')}`);
  });
}
