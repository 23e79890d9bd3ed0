// A short fixed-seed run of the API fuzzer (tests/fuzz/): no iteration may
// crash, abort, hang, run away with memory or throw an error without a
// proper `code`. The long run and how to reproduce a failure:
// tests/fuzz/README.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fuzz, formatReport } from '../fuzz/fuzz.mjs';

const SEED = 20240601;
const ITERATIONS = 600;

test(`fuzz: seed ${SEED}, ${ITERATIONS} iterations, the sandbox holds`, { timeout: 240_000 }, async () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-native-fuzz-test-'));
  const report = await fuzz({
    seed: SEED,
    iterations: ITERATIONS,
    jobs: 2,
    batch: 150,
    hangMs: 10_000,
    outDir,
    minimize: false,
    bisect: false,
    maxTriage: 3,
    log: () => {},
  });
  assert.equal(report.stats.iterations, ITERATIONS, 'every iteration ran');
  if (report.failed) assert.fail(`the fuzzer found failures (reproducers in ${outDir}):\n${formatReport(report, { showCode: false })}`);
  fs.rmSync(outDir, { recursive: true, force: true });
});
