// The package where no prebuilt fits: the main tarball installed without its
// platform package. Without Rust the install fails with one message that
// names the platform, says no prebuilt is there and how to get Rust; with
// cargo on the PATH the install script builds the addon from the sources
// the tarball carries, and it loads.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { nativeTarget, npmInstall, output, pathWithoutRust, run, scratchApp, tarballs } from './helpers.mjs';

const target = nativeTarget.currentTarget();

test('without a prebuilt and without Rust, the install fails with one clear message', { timeout: 300_000 }, (t) => {
  const { main } = tarballs();
  const app = scratchApp(t, 'no-rust');
  const env = { ...process.env, PATH: pathWithoutRust() };
  const r = npmInstall(app, [main], { env });
  assert.notEqual(r.status, 0, 'the install must fail');
  const lines = output(r).split('\n').filter((l) => l.startsWith('lua-native: '));
  assert.equal(lines.length, 1, output(r));
  const [line] = lines;
  const libc = target.platform === 'linux' ? `, libc ${target.abi === 'gnu' ? 'glibc' : target.abi}` : '';
  assert.ok(line.includes(`cannot install for ${target.key} (platform ${target.platform}, arch ${target.arch}${libc})`), line);
  assert.ok(line.includes(`the prebuilt package ${nativeTarget.packageName(target.key)} is not installed`), line);
  assert.ok(line.includes("Rust's cargo is not on the PATH"), line);
  assert.ok(line.includes('https://rustup.rs'), line);
  assert.ok(line.includes('npm rebuild lua-native'), line);
});

test('without a prebuilt and with cargo on the PATH, the install builds the addon from source', { timeout: 1_800_000 }, (t) => {
  const { main } = tarballs();
  const app = scratchApp(t, 'source-build');
  // A fresh target directory inside the installed package, as for a user.
  const env = { ...process.env };
  delete env.CARGO_TARGET_DIR;
  delete env.LUA_NATIVE_BINARY;
  const r = npmInstall(app, [main], { env });
  assert.equal(r.status, 0, output(r));
  assert.match(output(r), new RegExp(`the prebuilt package ${nativeTarget.packageName(target.key)} is not installed`));
  assert.match(output(r), /building the addon from source with cargo/);
  assert.match(output(r), /Compiling lua-node/);
  const installed = path.join(app, 'node_modules', 'lua-native');
  assert.ok(fs.existsSync(path.join(installed, 'lua-native.node')), 'the source build leaves lua-native.node');
  assert.ok(!fs.existsSync(path.join(installed, 'target')), 'the build tree is removed');
  assert.ok(!fs.existsSync(path.join(app, 'node_modules', nativeTarget.packageName(target.key))));

  fs.writeFileSync(
    path.join(app, 'use.cjs'),
    "const { init } = require('lua-native'); console.log(new init({}, { libraries: ['base'] }).execute_script('return _VERSION'));"
  );
  const u = run(process.execPath, ['use.cjs'], { cwd: app, env: { ...env, PATH: pathWithoutRust() } });
  assert.equal(u.status, 0, output(u));
  assert.equal(u.stdout.trim(), 'Lua 5.5');
});
