'use strict';
// Which build of the addon fits this machine, in napi-rs's names: a target
// is `<platform>-<arch>` plus the C library or ABI where one platform has
// several (`linux-x64-gnu`, `linux-x64-musl`, `win32-x64-msvc`). Each
// declared target is published as its own npm package, `lua-native-<target>`,
// holding `lua-native.<target>.node`; the main package lists them all as
// optionalDependencies and npm installs the one whose os/cpu/libc fit.
// Shared by the loader (index.cjs) and the install script
// (scripts/npm-install.cjs), so both name the same thing.
const fs = require('node:fs');

// Target name → Rust target triple. Kept equal to package.json's
// napi.targets and to the folders in npm/ (tests/package/layout.test.mjs).
const TARGETS = {
  'linux-x64-gnu': 'x86_64-unknown-linux-gnu',
  'linux-arm64-gnu': 'aarch64-unknown-linux-gnu',
  'linux-x64-musl': 'x86_64-unknown-linux-musl',
  'linux-arm64-musl': 'aarch64-unknown-linux-musl',
  'darwin-x64': 'x86_64-apple-darwin',
  'darwin-arm64': 'aarch64-apple-darwin',
  'win32-x64-msvc': 'x86_64-pc-windows-msvc',
};

// glibc or musl. Reading ldd (a script on glibc, the musl loader itself on
// musl) is cheap and works in most images; the process report (which names
// the glibc it runs on) covers images without ldd.
function linuxLibc() {
  try {
    const ldd = fs.readFileSync('/usr/bin/ldd', 'latin1');
    if (ldd.includes('musl')) return 'musl';
    if (ldd.includes('GNU C Library') || ldd.includes('glibc')) return 'gnu';
  } catch {
    // No readable ldd: ask the process report below.
  }
  try {
    const header = process.report.getReport().header;
    return header.glibcVersionRuntime ? 'gnu' : 'musl';
  } catch {
    return 'gnu';
  }
}

/** The running machine: platform, arch, abi (or null) and the target name. */
function currentTarget() {
  const { platform, arch } = process;
  let abi = null;
  if (platform === 'linux') abi = linuxLibc();
  else if (platform === 'win32') abi = 'msvc';
  const key = abi ? `${platform}-${arch}-${abi}` : `${platform}-${arch}`;
  return { platform, arch, abi, key, triple: TARGETS[key] ?? null };
}

const packageName = (key) => `lua-native-${key}`;
const binaryName = (key) => `lua-native.${key}.node`;

module.exports = { TARGETS, currentTarget, packageName, binaryName };
