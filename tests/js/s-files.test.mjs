// API-SEED §10 area S: file execution (items 225-232), §2.2.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lua_native, { fixtures } from './load.mjs';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-native-s-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
function file(name, text) {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

test('S225 a file returning several values gives [42, "hello", true]', () => {
  const c = new lua_native.init();
  assert.deepEqual(c.execute_file(file('multi.lua', 'return 42, "hello", true\n')), [42, 'hello', true]);
  assert.deepEqual(c.execute_file(path.join(fixtures, 'ok.lua')), [7, 'file']);
});

test('S226 a file returning a table gives the object', () => {
  const c = new lua_native.init();
  const p = file('table.lua', 'return { name = "cfg", port = 8080, tags = { "a", "b" }, nested = { on = true } }');
  assert.deepEqual(c.execute_file(p), { name: 'cfg', port: 8080, tags: ['a', 'b'], nested: { on: true } });
});

test('S227 a file can set a global (readable with get_global) and return it', () => {
  const c = new lua_native.init();
  const p = file('global.lua', 'fromFile = "set by file"\nreturn fromFile');
  assert.equal(c.execute_file(p), 'set by file');
  assert.equal(c.get_global('fromFile'), 'set by file');
  assert.equal(c.execute_script('return fromFile'), 'set by file');
});

test('S228 a file can call JS callbacks', () => {
  const calls = [];
  const c = new lua_native.init({ notify: (m) => { calls.push(m); return m.length; } });
  assert.equal(c.execute_file(file('cb.lua', 'return notify("from file")')), 9);
  assert.deepEqual(calls, ['from file']);
});

test('S229 a missing file throws ("cannot open")', () => {
  const c = new lua_native.init();
  const missing = path.join(dir, 'does-not-exist.lua');
  const e = throwsExactly(() => c.execute_file(missing), Error, `cannot open ${missing}: No such file or directory`, 'LUA_FILE');
  assert.match(e.message, /cannot open/);
  assertUsable(c);
});

test('S230 a file with a syntax error throws', () => {
  const c = new lua_native.init();
  const p = file('bad.lua', 'this is bad\n');
  throwsExactly(() => c.execute_file(p), Error, `${p}:1: syntax error near 'is'`, 'LUA_SYNTAX');
  throwsExactly(() => c.execute_file(path.join(fixtures, 'syntax-error.lua')), Error, /syntax-error\.lua:1: syntax error near 'is'$/, 'LUA_SYNTAX');
  assertUsable(c);
});

test('S230 (spec 2.2) a runtime error in a file carries the file position', () => {
  const c = ctx(['base']);
  const p = file('err.lua', 'local x = 1\nerror("in file")\n');
  const e = throwsExactly(() => c.execute_file(p), Error, `${p}:2: in file`, 'LUA_RUNTIME');
  assert.equal(typeof e.luaTraceback, 'string');
});

test('S231 an empty path throws exactly "File path cannot be empty"', () => {
  const c = new lua_native.init();
  throwsExactly(() => c.execute_file(''), Error, 'File path cannot be empty');
  assertUsable(c);
});

test('S231 (spec 2.2) a non-string path is a TypeError', () => {
  const c = new lua_native.init();
  for (const args of [[], [42], [null], [{}]]) {
    throwsExactly(() => c.execute_file(...args), TypeError, 'Expected string argument', 'LUA_INVALID_ARGUMENT');
  }
});

test('S232 a file without return yields no values (undefined)', () => {
  const c = new lua_native.init();
  assert.equal(c.execute_file(file('noreturn.lua', 'local y = 2\nz = y * 2\n')), undefined);
  assert.equal(c.get_global('z'), 4);
  assert.equal(c.execute_file(file('empty.lua', '')), undefined);
  assert.equal(c.execute_file(file('nil.lua', 'return nil')), null);
});

test('S (spec 2.2) a shebang first line is skipped', () => {
  const c = new lua_native.init();
  assert.equal(c.execute_file(file('shebang.lua', '#!/usr/bin/env lua\nreturn "ran"\n')), 'ran');
});

test('S (spec 2.2) a precompiled binary chunk file executes', () => {
  const c = ctx(['base']);
  const p = path.join(dir, 'compiled.luac');
  fs.writeFileSync(p, c.compile('return 6 * 7, "binary"'));
  assert.deepEqual(c.execute_file(p), [42, 'binary']);
});

test('S (spec 2.2) a directory is refused with Lua\'s "cannot read" text', () => {
  const c = new lua_native.init();
  throwsExactly(() => c.execute_file(dir), Error, new RegExp(`^cannot read ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), 'LUA_FILE');
  assertUsable(c);
});

test('S (spec 2.2) files may return functions, and globals persist across file and script calls', () => {
  const c = new lua_native.init();
  const f = c.execute_file(file('fn.lua', 'counter = 0\nreturn function(n) counter = counter + n return counter end'));
  assert.equal(f(5), 5);
  assert.equal(f(5), 10);
  assert.equal(c.execute_script('return counter'), 10);
});
