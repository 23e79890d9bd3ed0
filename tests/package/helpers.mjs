// Shared by the npm package tests: the packed tarballs, scratch apps, and a
// PATH without Rust on it.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = (await import('node:module')).createRequire(import.meta.url);
export const nativeTarget = require(path.join(root, 'native-target.cjs'));
export const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

// The tarballs scripts/package-npm.sh made. scripts/test.sh packs once and
// names the folder in LUA_NATIVE_NPM_OUT; run alone, a test packs the host
// build itself (never a stale tarball from an earlier run).
let packed = null;
export function tarballs() {
  if (packed) return packed;
  let out = process.env.LUA_NATIVE_NPM_OUT;
  if (!out) {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-native-npm-'));
    execFileSync('bash', [path.join(root, 'scripts', 'package-npm.sh'), '--host'], {
      env: { ...process.env, LUA_NATIVE_NPM_OUT: out },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const key = nativeTarget.currentTarget().key;
  packed = {
    main: path.join(out, `lua-native-${pkg.version}.tgz`),
    platform: path.join(out, `${nativeTarget.packageName(key)}-${pkg.version}.tgz`),
  };
  for (const file of Object.values(packed)) {
    if (!fs.existsSync(file)) throw new Error(`${file} was not packed`);
  }
  return packed;
}

const executable = (dir, name) =>
  [name, `${name}.exe`].some((file) => {
    try {
      fs.accessSync(path.join(dir, file), fs.constants.X_OK);
      return fs.statSync(path.join(dir, file)).isFile();
    } catch {
      return false;
    }
  });

// This PATH minus every folder that holds cargo, rustc or rustup; node and
// npm must stay reachable.
export function pathWithoutRust() {
  const dirs = (process.env.PATH || '').split(path.delimiter).filter(
    (d) => d && !['cargo', 'rustc', 'rustup'].some((t) => executable(d, t))
  );
  const nodeDir = path.dirname(process.execPath);
  if (!dirs.includes(nodeDir)) {
    if (['cargo', 'rustc'].some((t) => executable(nodeDir, t))) throw new Error(`${nodeDir} holds node and Rust together`);
    dirs.unshift(nodeDir);
  }
  return dirs.join(path.delimiter);
}

// A scratch app that allows lua-native's install script: npm 11 skips
// dependencies' install scripts unless package.json's allowScripts names them.
export function scratchApp(t, name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `lua-native-${name}-`));
  const manifest = { name: `scratch-${name}`, private: true, version: '1.0.0', allowScripts: { 'lua-native': true } };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// `npm install` of local tarballs: --offline, so the platform packages that
// are not given (other platforms) are skipped without asking the registry;
// --foreground-scripts shows the install script's output.
export function npmInstall(dir, files, { env = {} } = {}) {
  const args = ['install', '--offline', '--no-audit', '--no-fund', '--foreground-scripts'];
  // npm is npm.cmd on Windows, which only a shell runs.
  const win = process.platform === 'win32';
  const quoted = win ? files.map((f) => `"${f}"`) : files;
  return spawnSync('npm', [...args, ...quoted], {
    shell: win,
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
  });
}

export function run(cmd, args, opts) {
  return spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, ...opts });
}

export const output = (r) => `${r.stdout ?? ''}${r.stderr ?? ''}`;
