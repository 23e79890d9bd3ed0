// "The sandbox holds": scripts, callbacks and host calls that once crashed or
// aborted the process. Each case runs in a child process of its own, so a
// crash shows as that case's failure (with its signal) instead of killing
// the test runner.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cases } from './sandbox-holds/cases.mjs';

const runner = path.join(path.dirname(fileURLToPath(import.meta.url)), 'sandbox-holds', 'run-case.mjs');

for (const name of Object.keys(cases)) {
  test(`the sandbox holds: ${name}`, () => {
    const r = spawnSync(process.execPath, ['--expose-gc', runner, name], { encoding: 'utf8', timeout: 60_000 });
    const how = r.signal ? `killed by ${r.signal}` : `exit ${r.status}`;
    assert.equal(r.signal, null, `${name}: ${how}\n${r.stderr}`);
    assert.equal(r.status, 0, `${name}: ${how}\n${r.stderr}`);
    assert.match(r.stdout, /^OK$/m);
  });
}
