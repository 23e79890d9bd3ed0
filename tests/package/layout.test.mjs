// The package's shape without installing it: declared targets agree
// everywhere, the tarball carries the crates for the source build and no
// binary, prepublishOnly refuses a package without its binaries, the loader
// says what it looked for and shows the real load error, and the documents
// a registry page shows are complete.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { nativeTarget, output, pkg, root, run } from './helpers.mjs';

const { TARGETS, packageName, binaryName } = nativeTarget;
const tmp = (t, name) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lua-native-${name}-`));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
};

test('every declared target agrees: napi.targets, native-target.cjs, npm/<target>, optionalDependencies', () => {
  assert.deepEqual([...pkg.napi.targets].sort(), Object.values(TARGETS).sort());
  const expected = ['linux-x64-gnu', 'linux-arm64-gnu', 'linux-x64-musl', 'linux-arm64-musl', 'darwin-x64', 'darwin-arm64', 'win32-x64-msvc'];
  assert.deepEqual(Object.keys(TARGETS).sort(), expected.sort());
  const dirs = fs.readdirSync(path.join(root, 'npm')).filter((d) => fs.statSync(path.join(root, 'npm', d)).isDirectory());
  assert.deepEqual(dirs.sort(), expected.sort());
  // The repository's package.json lists no platform package (npm ci could
  // not lock them before they are published); packing adds them.
  assert.equal(pkg.optionalDependencies, undefined);
  for (const key of Object.keys(TARGETS)) {
    const sub = JSON.parse(fs.readFileSync(path.join(root, 'npm', key, 'package.json'), 'utf8'));
    const [platform, arch, abi] = key.split('-');
    assert.equal(sub.name, packageName(key));
    assert.equal(sub.version, pkg.version);
    assert.equal(sub.main, binaryName(key));
    assert.deepEqual(sub.os, [platform]);
    assert.deepEqual(sub.cpu, [arch]);
    if (platform === 'linux') assert.deepEqual(sub.libc, [abi === 'gnu' ? 'glibc' : 'musl']);
    assert.deepEqual([...sub.files].sort(), [binaryName(key), 'LICENSE'].sort());
    assert.equal(sub.license, 'MIT');
    assert.deepEqual(sub.repository, pkg.repository);
    assert.match(sub.scripts.prepublishOnly, /refusing to publish/);
  }
});

test('the release workflow builds every declared target with scripts/package-npm.sh and publishes them', () => {
  const workflow = fs.readFileSync(path.join(root, '.github', 'workflows', 'release.yml'), 'utf8');
  for (const [key, triple] of Object.entries(TARGETS)) {
    assert.ok(workflow.includes(`{ key: ${key}, target: ${triple},`), `release.yml does not build ${key}`);
  }
  assert.ok(workflow.includes('bash scripts/package-npm.sh --target ${{ matrix.key }}'));
  assert.match(workflow, /npm publish --access public/);
});

test('the tarball carries the crates for the source build, the licenses and the declarations, and no binary', () => {
  const r = run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root });
  assert.equal(r.status, 0, output(r));
  const files = new Set(JSON.parse(r.stdout)[0].files.map((f) => f.path));
  const walk = (dir) =>
    fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(`${dir}/${e.name}`) : [`${dir}/${e.name}`]
    );
  const needed = [
    'Cargo.toml', 'Cargo.lock', 'build.rs', 'src/bin/lua-floor.rs', 'src/bin/lua-floor/newstate.rs',
    'lua-sys/Cargo.toml', 'lua-core/Cargo.toml', 'lua-core/README.md', 'lua-node/Cargo.toml', 'lua-node/build.rs',
    ...['lua-sys/build', 'lua-sys/csrc', 'lua-sys/src', 'lua-core/src', 'lua-node/src'].flatMap(walk),
    'vendor/LICENSE', 'vendor/SHA256SUMS',
    ...fs.readFileSync(path.join(root, 'vendor', 'SHA256SUMS'), 'utf8').trim().split('\n').map((l) => `vendor/${l.split('  ')[1]}`),
    'LICENSE', 'README.md', 'CHANGELOG.md', 'package.json',
    'index.cjs', 'index.mjs', 'index.d.ts', 'index.d.mts', 'native-target.cjs', 'scripts/npm-install.cjs',
  ];
  for (const f of needed) assert.ok(files.has(f), `the tarball lacks ${f}`);
  for (const f of files) {
    assert.ok(!f.endsWith('.node'), `the main package must not carry a binary (${f})`);
    assert.ok(!f.startsWith('tests/') && !f.startsWith('target/') && !f.startsWith('npm/'), `${f} does not belong in the package`);
  }
  assert.equal(pkg.scripts.install, 'node scripts/npm-install.cjs');
  assert.deepEqual(pkg.exports['./package.json'], './package.json');
});

// A copy of what prepublish-check.cjs reads, with or without the binaries.
function publishTree(t, withBinaries) {
  const dir = tmp(t, 'publish');
  fs.mkdirSync(path.join(dir, 'scripts'));
  for (const f of ['package.json', 'native-target.cjs', 'scripts/prepublish-check.cjs', 'scripts/npm-optional-deps.cjs']) fs.copyFileSync(path.join(root, f), path.join(dir, f));
  for (const key of Object.keys(TARGETS)) {
    fs.mkdirSync(path.join(dir, 'npm', key), { recursive: true });
    fs.copyFileSync(path.join(root, 'npm', key, 'package.json'), path.join(dir, 'npm', key, 'package.json'));
    if (withBinaries) {
      fs.writeFileSync(path.join(dir, 'npm', key, binaryName(key)), 'binary');
      fs.writeFileSync(path.join(dir, 'npm', key, 'LICENSE'), 'MIT');
    }
  }
  return dir;
}

test('prepublishOnly refuses the main package without its platform binaries or optionalDependencies, and passes with them', (t) => {
  const without = run(process.execPath, ['scripts/prepublish-check.cjs'], { cwd: publishTree(t, false) });
  assert.equal(without.status, 1);
  for (const key of Object.keys(TARGETS)) {
    assert.match(without.stderr, new RegExp(`npm/${key}/${binaryName(key).replace(/\./g, '\\.')} is missing`));
    assert.ok(without.stderr.includes(`optionalDependencies does not list ${packageName(key)}@${pkg.version}`));
  }
  assert.match(without.stderr, /refusing to publish lua-native@/);

  const ready = publishTree(t, true);
  const binariesOnly = run(process.execPath, ['scripts/prepublish-check.cjs'], { cwd: ready });
  assert.equal(binariesOnly.status, 1, 'binaries without optionalDependencies are refused');
  assert.doesNotMatch(binariesOnly.stderr, /is missing/);
  const added = run(process.execPath, ['scripts/npm-optional-deps.cjs', 'package.json'], { cwd: ready });
  assert.equal(added.status, 0, output(added));
  const written = JSON.parse(fs.readFileSync(path.join(ready, 'package.json'), 'utf8'));
  assert.deepEqual(written.optionalDependencies, Object.fromEntries(Object.keys(TARGETS).map((k) => [packageName(k), pkg.version])));
  const withAll = run(process.execPath, ['scripts/prepublish-check.cjs'], { cwd: ready });
  assert.equal(withAll.status, 0, output(withAll));
});

test("each platform package's prepublishOnly refuses it without its binary", (t) => {
  const dir = publishTree(t, false);
  const key = 'darwin-arm64';
  const sub = path.join(dir, 'npm', key);
  const script = JSON.parse(fs.readFileSync(path.join(sub, 'package.json'), 'utf8')).scripts.prepublishOnly;
  const without = run('sh', ['-c', script], { cwd: sub });
  assert.equal(without.status, 1);
  assert.match(without.stderr, new RegExp(`refusing to publish without ${binaryName(key).replace(/\./g, '\\.')}`));
  fs.writeFileSync(path.join(sub, binaryName(key)), 'binary');
  fs.writeFileSync(path.join(sub, 'LICENSE'), 'MIT');
  assert.equal(run('sh', ['-c', script], { cwd: sub }).status, 0);
});

// The loader on its own, in a folder with no binary (or a broken one).
function loaderTree(t) {
  const dir = tmp(t, 'loader');
  for (const f of ['index.cjs', 'native-target.cjs']) fs.copyFileSync(path.join(root, f), path.join(dir, f));
  return dir;
}
const loadIn = (dir, env = {}) => {
  const code = `try { require('./index.cjs'); console.log('{"loaded":true}') } catch (e) {
    console.log(JSON.stringify({ message: e.message, code: e.code, target: e.target, cause: e.cause && { code: e.cause.code, message: e.cause.message } })) }`;
  const envs = { ...process.env, ...env };
  if (!('LUA_NATIVE_BINARY' in env)) delete envs.LUA_NATIVE_BINARY;
  const r = run(process.execPath, ['-e', code], { cwd: dir, env: envs });
  assert.equal(r.status, 0, output(r));
  return JSON.parse(r.stdout);
};

test('with nothing to load, the loader names the target, what it looked for, and the supported targets', (t) => {
  const dir = loaderTree(t);
  const e = loadIn(dir);
  const target = nativeTarget.currentTarget();
  assert.equal(e.code, 'LUA_NATIVE_LOAD_FAILED');
  assert.equal(e.target, target.key);
  assert.ok(e.message.includes(`for ${target.key} (platform ${target.platform}, arch ${target.arch}`), e.message);
  if (target.platform === 'linux') assert.ok(e.message.includes(`libc ${target.abi === 'gnu' ? 'glibc' : 'musl'}`), e.message);
  assert.ok(e.message.includes(`${path.join(fs.realpathSync(dir), 'lua-native.node')} (local build): not found`), e.message);
  assert.ok(e.message.includes(`${packageName(target.key)} (prebuilt package): not installed`), e.message);
  assert.ok(e.message.includes(`Prebuilt packages exist for: ${Object.keys(TARGETS).join(', ')}.`), e.message);
  assert.match(e.message, /https:\/\/rustup\.rs/);
  assert.doesNotMatch(e.message, /npm run build/);
});

test('a binary the system refuses: the real dlopen error is shown, and is the cause', (t) => {
  const dir = loaderTree(t);
  fs.writeFileSync(path.join(dir, 'lua-native.node'), 'not a shared library');
  const e = loadIn(dir);
  assert.equal(e.code, 'LUA_NATIVE_LOAD_FAILED');
  assert.equal(e.cause.code, 'ERR_DLOPEN_FAILED');
  assert.ok(e.message.includes(`(local build): failed to load: ${e.cause.message.split('\n')[0]}`), e.message);
  assert.match(e.message, /the system refused to load it/);

  // LUA_NATIVE_BINARY names the one file to load; its error is thrown as is.
  const b = loadIn(dir, { LUA_NATIVE_BINARY: path.join(dir, 'lua-native.node') });
  assert.equal(b.code, 'ERR_DLOPEN_FAILED');
  assert.match(b.message, /^lua-native: LUA_NATIVE_BINARY=.*lua-native\.node could not be loaded: /);
});

test('LICENSE, CHANGELOG, README and metadata are complete for the registry page', () => {
  const license = fs.readFileSync(path.join(root, 'LICENSE'), 'utf8');
  assert.match(license, /^MIT License/);
  assert.match(license, /Copyright \(c\) The lua-native authors/);
  assert.match(license, /Copyright \(C\) 1994-\d{4} Lua\.org, PUC-Rio\./);
  const changelog = fs.readFileSync(path.join(root, 'CHANGELOG.md'), 'utf8');
  assert.ok(changelog.includes(`## ${pkg.version}`), 'CHANGELOG.md has an entry for the version');
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  assert.match(readme, /^## Install$/m);
  assert.match(readme, /^## Platforms$/m);
  // Relative links break on the registry page; in-page anchors are fine.
  const relative = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]).filter((l) => !/^(https?:|#)/.test(l));
  assert.deepEqual(relative, []);
  const repo = pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
  const cargo = fs.readFileSync(path.join(root, 'Cargo.toml'), 'utf8');
  assert.ok(cargo.includes(`repository = "${repo}"`), 'Cargo.toml names the same repository');
  assert.equal(pkg.bugs.url, `${repo}/issues`);
  assert.ok(pkg.homepage.startsWith(repo));
  assert.ok(pkg.keywords.includes('lua'));
});
