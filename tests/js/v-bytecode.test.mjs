// API-SEED §10 area V: bytecode (items 274-296), §8; DECISIONS 9 (no binary chunks from Lua in 'safe').
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lua_native, { fixtures } from './load.mjs';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-native-v-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
function file(name, text) {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

test('V274 compile returns a non-empty Buffer with the Lua 5.5 signature', () => {
  const c = new lua_native.init();
  const bc = c.compile('return 42');
  assert.ok(Buffer.isBuffer(bc));
  assert.ok(bc.length > 0);
  assert.deepEqual([...bc.subarray(0, 5)], [0x1b, 0x4c, 0x75, 0x61, 0x55]);
});

test('V275 compile throws on a syntax error', () => {
  const c = new lua_native.init();
  throwsExactly(() => c.compile('return +'), Error, `[string "return +"]:1: unexpected symbol near '+'`, 'LUA_SYNTAX');
  throwsExactly(() => c.compile('return +', { chunkName: '=mine' }), Error, "mine:1: unexpected symbol near '+'", 'LUA_SYNTAX');
  assertUsable(c);
});

test('V276 stripDebug: true output is not larger than the default output', () => {
  const c = new lua_native.init();
  const src = 'local function add(a, b)\n  local sum = a + b\n  return sum\nend\nreturn add(1, 2)';
  const full = c.compile(src);
  const stripped = c.compile(src, { stripDebug: true });
  assert.ok(stripped.length <= full.length, `${stripped.length} <= ${full.length}`);
  assert.equal(c.load_bytecode(stripped), 3);
  // (spec 8.1) only a boolean stripDebug counts.
  assert.equal(c.compile(src, { stripDebug: 'yes' }).length, full.length);
});

test('V277 a chunkName given at compile time (@my-script) appears in the error raised when loading', () => {
  const c = ctx(['base']);
  const bc = c.compile('error("boom")', { chunkName: '@my-script' });
  throwsExactly(() => c.load_bytecode(bc), Error, 'my-script:1: boom', 'LUA_RUNTIME');
  throwsExactly(() => c.load_bytecode(c.compile('error("boom")', { chunkName: '@my-script.lua' })), Error, 'my-script.lua:1: boom');
  throwsExactly(() => c.load_bytecode(c.compile('error("boom")', { chunkName: '=raw' })), Error, 'raw:1: boom');
});

test('V278 compiling does not execute the code', () => {
  const c = new lua_native.init();
  c.compile('x = 999');
  assert.equal(c.get_global('x'), null);
});

test('V279 load_bytecode executes and returns the value (42)', () => {
  const c = new lua_native.init();
  assert.equal(c.load_bytecode(c.compile('return 42')), 42);
});

test('V280 loaded bytecode gives the same result as execute_script on the same source', () => {
  const c = ctx(['base', 'string', 'table']);
  const src = 'local t = {} for i = 1, 5 do t[i] = i * i end return table.concat(t, ","), #t, { a = 1, list = t }';
  assert.deepEqual(c.load_bytecode(c.compile(src)), c.execute_script(src));
});

test('V281 bytecode may return functions that are callable', () => {
  const c = new lua_native.init();
  const fn = c.load_bytecode(c.compile('local base = 10 return function(x) base = base + x return base end'));
  assert.equal(typeof fn, 'function');
  assert.equal(fn(1), 11);
  assert.equal(fn(2), 13);
});

test('V282 bytecode may return several values (array)', () => {
  const c = new lua_native.init();
  assert.deepEqual(c.load_bytecode(c.compile('return 1, "two", true, nil')), [1, 'two', true, null]);
});

test('V283 garbage bytes are rejected', () => {
  const c = new lua_native.init();
  throwsExactly(() => c.load_bytecode(Buffer.from([0, 1, 2, 3])), Error, "attempt to load a text chunk (mode is 'b')");
  throwsExactly(() => c.load_bytecode(Buffer.from([0x1b, 1, 2, 3])), Error, /^bytecode: bad binary format/);
  const good = c.compile('return 1');
  throwsExactly(() => c.load_bytecode(good.subarray(0, good.length - 3)), Error, 'bytecode: bad binary format (truncated chunk)');
  const wrongVersion = Buffer.from(good);
  wrongVersion[4] = 0x54;
  throwsExactly(() => c.load_bytecode(wrongVersion), Error, 'bytecode: bad binary format (version mismatch)');
  assertUsable(c);
});

test('V284 an empty buffer is rejected', () => {
  const c = new lua_native.init();
  throwsExactly(() => c.load_bytecode(Buffer.alloc(0)), Error, 'Bytecode cannot be empty');
  assertUsable(c);
});

test('V285 source text is rejected (binary-only mode)', () => {
  const c = new lua_native.init();
  throwsExactly(() => c.load_bytecode(Buffer.from('return 42')), Error, "attempt to load a text chunk (mode is 'b')");
  assertUsable(c);
});

test('V286 the same bytecode can be loaded repeatedly', () => {
  const c = new lua_native.init();
  const bc = c.compile('counter = (counter or 0) + 1 return counter');
  assert.deepEqual([c.load_bytecode(bc), c.load_bytecode(bc), c.load_bytecode(bc)], [1, 2, 3]);
});

test('V287 a compile-time chunk name without prefix (my-chunk) appears in the load-time error', () => {
  const c = ctx(['base']);
  const bc = c.compile('error("boom")', { chunkName: 'my-chunk' });
  const e = throwsExactly(() => c.load_bytecode(bc), Error, '[string "my-chunk"]:1: boom', 'LUA_RUNTIME');
  assert.match(e.message, /my-chunk/);
});

test('V287 (spec 8.3) the load_bytecode chunkName only names load-time errors', () => {
  const c = ctx(['base']);
  const good = c.compile('error("boom")');
  throwsExactly(() => c.load_bytecode(good, 'given'), Error, '[string "error("boom")"]:1: boom');
  const cut = good.subarray(0, 8);
  throwsExactly(() => c.load_bytecode(cut, 'mychunk'), Error, 'mychunk: bad binary format (truncated chunk)');
  throwsExactly(() => c.load_bytecode(cut, '@file.luac'), Error, 'file.luac: bad binary format (truncated chunk)');
  throwsExactly(() => c.load_bytecode(cut, '=eq'), Error, 'eq: bad binary format (truncated chunk)');
  throwsExactly(() => c.load_bytecode(cut, 42), Error, 'bytecode: bad binary format (truncated chunk)');
});

test('V287 (spec 8.3) stripped bytecode has no line information', () => {
  const c = ctx(['base']);
  throwsExactly(() => c.load_bytecode(c.compile('error("boom")', { stripDebug: true })), Error, 'boom', 'LUA_RUNTIME');
  throwsExactly(() => c.load_bytecode(c.compile('local t = nil return t.x', { stripDebug: true })), Error, /^\?:.*attempt to index a nil value/);
});

test('V288 bytecode can call callbacks registered on the loading context', () => {
  const compiler = new lua_native.init();
  const bc = compiler.compile('return hostAdd(40, 2)');
  const c = new lua_native.init({ hostAdd: (a, b) => a + b });
  assert.equal(c.load_bytecode(bc), 42);
});

test('V289 bytecode sees globals set before loading', () => {
  const c = new lua_native.init();
  const bc = c.compile('return preset * 2');
  c.set_global('preset', 21);
  assert.equal(c.load_bytecode(bc), 42);
});

test('V290 bytecode compiled in one context runs in another', () => {
  const a = new lua_native.init();
  const b = ctx(['base', 'string']);
  const bc = a.compile('return string.rep("ab", 2), 5 * 5');
  assert.deepEqual(b.load_bytecode(bc), ['abab', 25]);
});

test('V291 bytecode without return gives undefined', () => {
  const c = new lua_native.init();
  assert.equal(c.load_bytecode(c.compile('local y = 1')), undefined);
  assert.equal(c.load_bytecode(c.compile('return nil')), null);
});

test('V292 compile_file returns a non-empty Buffer', () => {
  const c = new lua_native.init();
  const bc = c.compile_file(path.join(fixtures, 'ok.lua'));
  assert.ok(Buffer.isBuffer(bc));
  assert.ok(bc.length > 0);
  assert.equal(bc[0], 0x1b);
});

test('V293 loading compile_file output gives the same result as execute_file', () => {
  const c = ctx(['base']);
  const p = file('same.lua', '#!/usr/bin/env lua\nlocal t = { 1, 2, 3 }\nreturn #t, "x", { k = t }\n');
  assert.deepEqual(c.load_bytecode(c.compile_file(p)), c.execute_file(p));
  assert.deepEqual(c.load_bytecode(c.compile_file(path.join(fixtures, 'ok.lua'))), [7, 'file']);
  // (spec 8.2) the file chunk name stays; options.chunkName is ignored.
  const err = file('err.lua', 'local x = 1\nerror("in file")\n');
  throwsExactly(() => c.load_bytecode(c.compile_file(err, { chunkName: '=ignored' })), Error, `${err}:2: in file`);
});

test('V294 compile_file throws for a missing file, and for a syntax error', () => {
  const c = new lua_native.init();
  const missing = path.join(dir, 'missing.lua');
  throwsExactly(() => c.compile_file(missing), Error, `cannot open ${missing}: No such file or directory`, 'LUA_FILE');
  const bad = file('bad.lua', 'this is bad');
  throwsExactly(() => c.compile_file(bad), Error, `${bad}:1: syntax error near 'is'`, 'LUA_SYNTAX');
  assertUsable(c);
});

test('V295 compile_file honours stripDebug (not larger)', () => {
  const c = new lua_native.init();
  const p = file('strip.lua', 'local function f(a)\n  local b = a * 2\n  return b\nend\nreturn f(21)\n');
  const full = c.compile_file(p);
  const stripped = c.compile_file(p, { stripDebug: true });
  assert.ok(stripped.length <= full.length);
  assert.equal(c.load_bytecode(stripped), 42);
});

test('V296 compile_file with an empty path fails', () => {
  const c = new lua_native.init();
  throwsExactly(() => c.compile_file(''), Error, 'File path cannot be empty');
});

test('V (spec 8) argument errors of compile, compile_file and load_bytecode', () => {
  const c = new lua_native.init();
  for (const args of [[], [1], [null], [{}]]) {
    throwsExactly(() => c.compile(...args), TypeError, 'Expected string argument', 'LUA_INVALID_ARGUMENT');
    throwsExactly(() => c.compile_file(...args), TypeError, 'Expected string argument', 'LUA_INVALID_ARGUMENT');
  }
  for (const args of [[], ['return 1'], [[0x1b]], [null], [{}], [new ArrayBuffer(4)]]) {
    throwsExactly(() => c.load_bytecode(...args), TypeError, 'Expected Buffer argument', 'LUA_INVALID_ARGUMENT');
  }
  // Any Uint8Array is accepted.
  assert.equal(c.load_bytecode(new Uint8Array(c.compile('return 7'))), 7);
  assertUsable(c);
});

test('V (spec 8.1) without chunkName the source is cut at NUL; with chunkName the full source is compiled', () => {
  const c = new lua_native.init();
  assert.equal(c.load_bytecode(c.compile('return 1\0 return 2')), 1);
  throwsExactly(() => c.compile('return 1\0 garbage(', { chunkName: '=full' }), Error, /^full:1: /);
  assert.equal(c.load_bytecode(c.compile('return "a\0b"', { chunkName: '=nul' })), 'a\0b');
  // An empty chunkName counts as absent.
  throwsExactly(() => c.load_bytecode(c.compile('local x = nil return x.y', { chunkName: '' })), Error, /^\[string "local x = nil return x\.y"\]:1: /);
});

test('V (DECISIONS 9) in "safe", Lua cannot load binary chunks, but the host load_bytecode still works', () => {
  const c = ctx('safe');
  assert.equal(c.load_bytecode(c.compile('return "host door"')), 'host door');
  const [ok, msg] = c.execute_script('return load(string.dump(function() return 1 end))');
  assert.equal(ok, null);
  assert.match(msg, /binary|text chunk|mode/);
  assert.equal(c.execute_script('return load("return 5")()'), 5);
  // With 'all' Lua's own load still accepts binary chunks.
  const all = ctx('all');
  assert.equal(all.execute_script('return load(string.dump(function() return 1 end))()'), 1);
});

test('V (spec 8.3) loaded bytecode sees the loading context, also in a bare state', () => {
  const c = new lua_native.init({ cb: () => 'from host' });
  assert.deepEqual(c.load_bytecode(c.compile('g = 1 return cb(), g')), ['from host', 1]);
  assert.equal(c.get_global('g'), 1);
});
