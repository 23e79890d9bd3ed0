'use strict';
// Loads the compiled addon. LUA_NATIVE_BINARY may name another build of it
// (a debug build, or a binary built elsewhere); otherwise the one that
// scripts/build-addon.sh places next to this file is used.
const path = require('node:path');

function load() {
  const candidates = [];
  if (process.env.LUA_NATIVE_BINARY) candidates.push(path.resolve(process.env.LUA_NATIVE_BINARY));
  candidates.push(path.join(__dirname, 'lua-native.node'));
  candidates.push(path.join(__dirname, 'prebuilds', `${process.platform}-${process.arch}`, 'lua-native.node'));
  for (const file of candidates) {
    try {
      return require(file);
    } catch (err) {
      if (err && (err.code === 'MODULE_NOT_FOUND' || err.code === 'ERR_DLOPEN_FAILED') && !process.env.LUA_NATIVE_BINARY) continue;
      throw err;
    }
  }
  throw new Error(
    "Could not find lua-native module in any expected location. Looked in: " + candidates.join(', ') +
      ". Run 'npm run build' (scripts/build-addon.sh) first."
  );
}

const native = load();
module.exports = { init: native.init, createSharedTable: native.createSharedTable };
module.exports.default = module.exports;
