// The official Lua 5.5 test suite (tests/lua-5.5-tests, vendored unmodified)
// run through the addon: each of its 30 files in a child process of its own
// (tests/js/lua-suite/run-file.mjs), so a crash fails that file's test
// instead of the runner; two children at a time. Every failure is a place
// where the binding changed Lua's semantics.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const suite = path.resolve(here, '..', 'lua-5.5-tests');
const child = path.join(here, 'lua-suite', 'run-file.mjs');

// The files tests/lua-5.5-tests/README.md lists (upstream's all.lua runs them
// in one state; here each gets a fresh one).
const FILES = `main gc db calls strings literals tpack attrib gengc locals constructs code big
  cstack nextvar pm utf8 api memerr events vararg closure coroutine goto errors math sort bitwise
  files verybig`.split(/\s+/).map((n) => `${n}.lua`);

// What the project added beside the upstream files.
const OURS = new Set(['README.md', 'LICENSE', 'SHA256SUMS']);

test('tests/lua-5.5-tests matches its SHA256SUMS (the suite is vendored unmodified)', () => {
  const listed = new Map();
  for (const line of fs.readFileSync(path.join(suite, 'SHA256SUMS'), 'utf8').split('\n')) {
    if (!line) continue;
    const [sum, name] = line.split(/ {2}/);
    listed.set(path.normalize(name), sum);
  }
  const present = fs.readdirSync(suite, { recursive: true })
    .filter((f) => fs.statSync(path.join(suite, f)).isFile() && !OURS.has(f));
  assert.deepEqual(present.sort(), [...listed.keys()].sort(), 'files missing or added');
  for (const [name, sum] of listed) {
    const actual = createHash('sha256').update(fs.readFileSync(path.join(suite, name))).digest('hex');
    assert.equal(actual, sum, `${name} no longer matches SHA256SUMS`);
  }
});

// Each file once as it is, and once with limits that never trip
// (run-file.mjs's LUA_SUITE_LIMITS): the work budget's charges, the
// allocator's checks and the watchdog must not change what Lua does either.
const MODES = [
  ['user mode', {}],
  ['user mode, with limits that never trip', { LUA_SUITE_LIMITS: '1' }],
];

for (const [mode, env] of MODES) {
  describe(`the Lua 5.5 test suite, ${mode}`, { concurrency: 2 }, () => {
    for (const file of FILES) {
      test(file, async () => {
        const r = await new Promise((resolve) => {
          execFile(process.execPath, [child, file], { timeout: 120_000, maxBuffer: 64 << 20, env: { ...process.env, ...env } },
            (error, stdout, stderr) => resolve({ error, stdout, stderr }));
        });
        const how = r.error?.killed ? 'timed out' : r.error?.signal ? `killed by ${r.error.signal}` : `exit ${r.error?.code}`;
        assert.ok(r.error === null, `${file}: ${how}\n${r.stderr}`);
        assert.match(r.stdout, /^lua-suite: OK$/m, `${file} did not run to completion`);
      });
    }
  });
}
