'use strict';
// npm's `install` step of the lua-native package. Usually it only checks
// that the addon loads (npm installed the prebuilt package for this machine
// from optionalDependencies) and is done. Where no prebuilt fits (another
// platform, optional dependencies omitted, a binary the system refuses), it
// builds the addon from the Rust sources the package carries, with cargo,
// into lua-native.node next to index.cjs (where the loader looks first);
// without cargo it fails with one message saying what is missing.
//
// LUA_NATIVE_BUILD_FROM_SOURCE=1 builds from source even when a prebuilt
// loads; LUA_NATIVE_BINARY (the loader's override) skips everything.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { TARGETS, currentTarget, packageName } = require('../native-target.cjs');

const root = path.resolve(__dirname, '..');
const say = (msg) => console.error(`lua-native: ${msg}`);

function loads() {
  try {
    require('../index.cjs');
    return null;
  } catch (err) {
    return err;
  }
}

function describe(t) {
  const libc = t.platform === 'linux' ? `, libc ${t.abi === 'gnu' ? 'glibc' : t.abi}` : '';
  return `${t.key} (platform ${t.platform}, arch ${t.arch}${libc})`;
}

// Why the prebuilt does not fit, in one line.
function whyNoPrebuilt(target, err) {
  if (!target.triple) return `there is no prebuilt package for ${target.key}; prebuilt packages exist for ${Object.keys(TARGETS).join(', ')}`;
  if (err && err.code !== 'LUA_NATIVE_LOAD_FAILED') return `the addon failed to load: ${err.message.split('\n')[0]}`;
  if (err && err.cause) return `the prebuilt binary failed to load: ${err.cause.message.split('\n')[0]}`;
  return `the prebuilt package ${packageName(target.key)} is not installed (were optional dependencies omitted?)`;
}

function hasCargo() {
  const r = spawnSync('cargo', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function libraryFile(dir) {
  if (process.platform === 'win32') return path.join(dir, 'lua_node.dll');
  if (process.platform === 'darwin') return path.join(dir, 'liblua_node.dylib');
  return path.join(dir, 'liblua_node.so');
}

function buildFromSource(cargo) {
  const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, 'target');
  // Removed afterwards only if this build made it.
  const ownTarget = !process.env.CARGO_TARGET_DIR && !fs.existsSync(targetDir);
  say(`building the addon from source with ${cargo} (a few minutes)`);
  const r = spawnSync(
    'cargo',
    ['build', '--release', '--locked', '-p', 'lua-node', '--manifest-path', path.join(root, 'Cargo.toml')],
    { stdio: 'inherit', env: { ...process.env, CARGO_TARGET_DIR: targetDir } }
  );
  if (r.status !== 0) {
    say(
      'the source build failed (see above). It needs Rust 1.88 or newer, a C compiler, and libclang ' +
        'for bindgen (Debian/Ubuntu: apt-get install build-essential libclang-dev; elsewhere set LIBCLANG_PATH).'
    );
    return false;
  }
  const tmp = path.join(root, `lua-native.node.tmp.${process.pid}`);
  fs.copyFileSync(libraryFile(path.join(targetDir, 'release')), tmp);
  fs.renameSync(tmp, path.join(root, 'lua-native.node'));
  // The build tree is hundreds of megabytes that the package no longer needs.
  if (ownTarget) fs.rmSync(targetDir, { recursive: true, force: true });
  return true;
}

function main() {
  // A checkout (git, or anything with the build scripts the package does not
  // carry) is a development tree: scripts/build-addon.sh builds it.
  if (fs.existsSync(path.join(root, '.git')) || fs.existsSync(path.join(root, 'scripts', 'build-addon.sh'))) return 0;
  if (process.env.LUA_NATIVE_BINARY) return 0;
  const target = currentTarget();
  const forced = process.env.LUA_NATIVE_BUILD_FROM_SOURCE === '1';
  const err = forced ? null : loads();
  if (!forced && !err) return 0;

  const reason = forced ? 'LUA_NATIVE_BUILD_FROM_SOURCE=1' : whyNoPrebuilt(target, err);
  const cargo = hasCargo();
  if (!cargo) {
    say(
      `cannot install for ${describe(target)}: ${reason}, and Rust's cargo is not on the PATH to build the addon ` +
        'from source. Install Rust from https://rustup.rs (plus a C compiler and libclang), then run `npm rebuild lua-native`.'
    );
    return 1;
  }
  say(`${reason}.`);
  if (!buildFromSource(cargo)) return 1;
  const after = loads();
  if (after) {
    say(`the source build finished but the addon does not load:\n${after.message}`);
    return 1;
  }
  say(`built ${path.join(root, 'lua-native.node')} from source`);
  return 0;
}

process.exitCode = main();
