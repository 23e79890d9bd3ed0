'use strict';
// Loads the compiled addon, trying in order:
//   1. LUA_NATIVE_BINARY, when set: that file and nothing else (a debug
//      build, or a binary built elsewhere);
//   2. lua-native.node next to this file: what scripts/build-addon.sh puts
//      in a checkout, and what the install script's source build leaves in
//      an installed package (scripts/npm-install.cjs);
//   3. lua-native.<target>.node next to this file (a local `napi build --platform`);
//   4. the prebuilt package for this machine, lua-native-<target>, which npm
//      installs from optionalDependencies (native-target.cjs names it).
// A candidate that is missing, or that exists but the system refuses to load
// (ERR_DLOPEN_FAILED: wrong libc, too old a glibc, wrong architecture), is
// passed over; if none loads, the error tells what was looked for, each
// real load error, and the targets that have prebuilt packages.
const fs = require('node:fs');
const path = require('node:path');
const { TARGETS, currentTarget, packageName, binaryName } = require('./native-target.cjs');

const passable = (err) => err && (err.code === 'MODULE_NOT_FOUND' || err.code === 'ERR_DLOPEN_FAILED');

function describe(target) {
  const libc = target.abi === 'gnu' ? 'glibc' : target.abi;
  const parts = [`platform ${target.platform}`, `arch ${target.arch}`];
  if (target.platform === 'linux') parts.push(`libc ${libc}`);
  return `${target.key} (${parts.join(', ')})`;
}

function loadError(target, tried) {
  const supported = Object.keys(TARGETS);
  const failed = tried.filter((t) => t.error);
  const lines = [`lua-native: could not load the native addon for ${describe(target)}.`, 'Looked for:'];
  for (const t of tried) lines.push(`  ${t.what}: ${t.error ? `failed to load: ${t.error.message}` : t.missing}`);
  lines.push(`Prebuilt packages exist for: ${supported.join(', ')}.`);
  if (failed.length > 0) {
    lines.push('A binary was found but the system refused to load it (the error above says why).');
  } else if (!target.triple) {
    lines.push(`There is no prebuilt package for ${target.key}.`);
  } else {
    lines.push(
      `The prebuilt package ${packageName(target.key)} is not installed: npm leaves it out when optional ` +
        'dependencies are omitted (--omit=optional, --no-optional) or a lockfile was made on another platform. ' +
        'Reinstall lua-native with optional dependencies.'
    );
  }
  lines.push(
    'To build from source instead: install Rust (https://rustup.rs), a C compiler and libclang, then run ' +
      '`npm rebuild lua-native` (npm versions with allowScripts skip the build until ' +
      '`npm install-scripts approve lua-native`).'
  );
  const err = new Error(lines.join('\n'));
  err.code = 'LUA_NATIVE_LOAD_FAILED';
  err.target = target.key;
  if (failed.length > 0) err.cause = failed[0].error;
  return err;
}

function load() {
  const target = currentTarget();
  if (process.env.LUA_NATIVE_BINARY) {
    const file = path.resolve(process.env.LUA_NATIVE_BINARY);
    try {
      return require(file);
    } catch (err) {
      err.message = `lua-native: LUA_NATIVE_BINARY=${file} could not be loaded: ${err.message}`;
      throw err;
    }
  }
  const tried = [];
  const files = [
    [path.join(__dirname, 'lua-native.node'), 'local build'],
    [path.join(__dirname, binaryName(target.key)), 'local napi build'],
  ];
  for (const [file, kind] of files) {
    if (!fs.existsSync(file)) {
      tried.push({ what: `${file} (${kind})`, missing: 'not found' });
      continue;
    }
    try {
      return require(file);
    } catch (err) {
      if (!passable(err)) throw err;
      tried.push({ what: `${file} (${kind})`, error: err });
    }
  }
  const pkg = packageName(target.key);
  let entry = null;
  try {
    entry = require.resolve(pkg);
  } catch (err) {
    if (!passable(err)) throw err;
    tried.push({ what: `${pkg} (prebuilt package)`, missing: target.triple ? 'not installed' : 'no such package' });
  }
  if (entry) {
    try {
      return require(entry);
    } catch (err) {
      if (!passable(err)) throw err;
      tried.push({ what: `${pkg} (prebuilt package, ${entry})`, error: err });
    }
  }
  throw loadError(target, tried);
}

const native = load();

// What `console.log(ctx)` shows: the state's facts from info(), or why they
// cannot be read (disposed, or lent to an async run).
Object.defineProperty(native.init.prototype, Symbol.for('nodejs.util.inspect.custom'), {
  configurable: true,
  writable: true,
  value: function inspectLuaContext(depth, options, inspect) {
    let shown;
    try {
      const i = this.info();
      shown = { release: i.release, libraries: i.libraries, memoryBytes: i.memoryBytes, memoryLimit: i.memoryLimit, maxInstructions: i.maxInstructions, timeout: i.timeout, busy: false };
    } catch (e) {
      shown = e && e.code === 'LUA_BUSY' ? { busy: true } : e && e.code === 'LUA_DISPOSED' ? { disposed: true } : { error: String(e && e.message) };
    }
    return typeof inspect === 'function' ? `LuaContext ${inspect(shown, options)}` : shown;
  },
});
// `using ctx = new init()` disposes the context at the end of the scope.
if (typeof Symbol.dispose === 'symbol') {
  Object.defineProperty(native.init.prototype, Symbol.dispose, {
    configurable: true,
    writable: true,
    value: function dispose() {
      this.dispose();
    },
  });
}

module.exports = { init: native.init, createSharedTable: native.createSharedTable };
module.exports.default = module.exports;
