// API-SEED §10 area U: modules (items 251-273), §6; DECISIONS 2 (code LUA_PACKAGE), 6.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-native-u-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
function file(rel, text) {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
}
const modsA = path.join(root, 'a');
const modsB = path.join(root, 'b');
file('a/greeter.lua', 'local M = {} M.version = "1.0" function M.greet(n) return "Hello, " .. n end return M');
file('a/testmod.lua', 'loads = (loads or 0) + 1 return { name = "testmod", add = function(a, b) return a + b end }');
file('b/other.lua', 'return { from = "b" }');
file('b/pkg/init.lua', 'return { kind = "init" }');

const NO_PKG_PATH = "Cannot add search path: the 'package' library is not loaded. Include 'package' in the libraries option.";
const NO_PKG_MOD = "Cannot register module: the 'package' library is not loaded. Include 'package' in the libraries option.";
const NO_QMARK = "Search path must contain a '?' placeholder (e.g., './modules/?.lua')";

test('U251 a module file in a search-path directory can be required (greet, version)', () => {
  const c = ctx(['base', 'package', 'string']);
  c.add_search_path(path.join(modsA, '?.lua'));
  assert.deepEqual(c.execute_script('local g = require("greeter") return g.greet("World"), g.version'), ['Hello, World', '1.0']);
});

test('U252 the fixture module testmod loads via a search path (add, name)', () => {
  const c = ctx('safe');
  c.add_search_path(path.join(modsA, '?.lua'));
  assert.deepEqual(c.execute_script('local t = require("testmod") return t.add(2, 3), t.name'), [5, 'testmod']);
});

test('U253 several search paths can be added and are all searched', () => {
  const c = ctx(['base', 'package']);
  c.add_search_path(path.join(modsA, '?.lua'));
  c.add_search_path(path.join(modsB, '?.lua'));
  c.add_search_path(path.join(modsB, '?', 'init.lua'));
  assert.deepEqual(c.execute_script('return require("testmod").name, require("other").from, require("pkg").kind'), ['testmod', 'b', 'init']);
});

test('U254 add_search_path without the package library throws an error mentioning "package"', () => {
  for (const c of [new lua_native.init(), ctx(['base', 'string'])]) {
    const e = throwsExactly(() => c.add_search_path('./?.lua'), Error, NO_PKG_PATH, 'LUA_PACKAGE');
    assert.match(e.message, /package/);
    assertUsable(c);
  }
  // (spec 6) a script that removes `package` makes it fail the same way.
  const c = ctx(['base', 'package']);
  c.execute_script('package = nil');
  throwsExactly(() => c.add_search_path('./?.lua'), Error, NO_PKG_PATH, 'LUA_PACKAGE');
});

test('U255 a path without "?" throws an error mentioning "?" (checked before the package check)', () => {
  const c = ctx(['base', 'package']);
  const before = c.execute_script('return package.path');
  const e = throwsExactly(() => c.add_search_path('./modules/x.lua'), Error, NO_QMARK);
  assert.ok(e.message.includes('?'));
  assert.equal(typeof e.code, 'string');
  assert.equal(c.execute_script('return package.path'), before, 'package.path is unchanged');
  throwsExactly(() => new lua_native.init().add_search_path('no-placeholder'), Error, NO_QMARK);
});

test('U256 a non-string path throws a TypeError', () => {
  const c = ctx(['base', 'package']);
  for (const args of [[], [42], [null], [{}], [['./?.lua']]]) {
    throwsExactly(() => c.add_search_path(...args), TypeError, 'Expected string argument', 'LUA_INVALID_ARGUMENT');
  }
});

test('U257 require caches a file module (same table twice, body runs once)', () => {
  const c = ctx(['base', 'package']);
  c.add_search_path(path.join(modsA, '?.lua'));
  assert.deepEqual(c.execute_script('local a = require("testmod") local b = require("testmod") return rawequal(a, b), loads'), [true, 1]);
});

test('U258 package.path contains each appended template, at the end, without deduplication', () => {
  const c = ctx(['base', 'package', 'string']);
  const before = c.execute_script('return package.path');
  c.add_search_path('./one/?.lua');
  c.add_search_path('./two/?.lua');
  c.add_search_path('./one/?.lua');
  assert.equal(c.execute_script('return package.path'), `${before};./one/?.lua;./two/?.lua;./one/?.lua`);
  // An empty (or non-string) path is replaced by the template alone; a number is kept as text.
  c.execute_script('package.path = ""');
  c.add_search_path('./x/?.lua');
  assert.equal(c.execute_script('return package.path'), './x/?.lua');
  c.execute_script('package.path = nil');
  c.add_search_path('./y/?.lua');
  assert.equal(c.execute_script('return package.path'), './y/?.lua');
  c.execute_script('package.path = 5');
  c.add_search_path('./z/?.lua');
  assert.equal(c.execute_script('return package.path'), '5;./z/?.lua');
  // package.cpath is untouched.
  assert.equal(typeof c.execute_script('return package.cpath'), 'string');
});

test('U259 add_search_path leaves the context balanced after many successes and failures', () => {
  const c = ctx(['base', 'package']);
  for (let i = 0; i < 300; i++) {
    c.add_search_path(`./p${i}/?.lua`);
    assert.throws(() => c.add_search_path('nope'), /placeholder/);
    assert.throws(() => c.add_search_path(i), TypeError);
  }
  assert.deepEqual(c.execute_script('return select("#", 1, 2, 3), 4'), [3, 4]);
  assertUsable(c);
});

test('U260 a registered module exposes plain values', () => {
  const c = ctx(['base', 'package']);
  c.register_module('config', { name: 'app', port: 8080, debug: false, tags: ['a', 'b'], nested: { deep: { x: 1 } } });
  assert.deepEqual(
    c.execute_script('local m = require("config") return m.name, m.port, m.debug, m.tags[2], m.nested.deep.x'),
    ['app', 8080, false, 'b', 1]
  );
});

test('U261 a registered module exposes callable functions', () => {
  const c = ctx(['base', 'package']);
  c.register_module('mathx', { square: (x) => x * x, hello: () => 'hi' });
  assert.deepEqual(c.execute_script('local m = require("mathx") return m.square(7), m.hello(), type(m.square)'), [49, 'hi', 'function']);
});

test('U262 functions and values can be mixed', () => {
  const c = ctx(['base', 'package']);
  c.register_module('mixed', { factor: 3, scale: (x) => x * 3, label: 'mixed' });
  assert.deepEqual(c.execute_script('local m = require("mixed") return m.scale(m.factor), m.label'), [9, 'mixed']);
});

test('U263 a registered module is cached by require', () => {
  const c = ctx(['base', 'package']);
  c.register_module('cached', { v: 1 });
  assert.deepEqual(c.execute_script('local a = require("cached") a.extra = 2 local b = require("cached") return rawequal(a, b), b.extra'), [true, 2]);
});

test('U264 re-registering a name overwrites the previous module (also a required file module)', () => {
  const c = ctx(['base', 'package']);
  c.register_module('dup', { v: 'first' });
  assert.equal(c.execute_script('return require("dup").v'), 'first');
  c.register_module('dup', { v: 'second' });
  assert.equal(c.execute_script('return require("dup").v'), 'second');
  c.add_search_path(path.join(modsA, '?.lua'));
  assert.equal(c.execute_script('return require("testmod").name'), 'testmod');
  c.register_module('testmod', { name: 'replaced' });
  assert.equal(c.execute_script('return require("testmod").name'), 'replaced');
});

test('U265 register_module without the package library throws an error mentioning "package"', () => {
  for (const c of [new lua_native.init(), ctx(['base'])]) {
    const e = throwsExactly(() => c.register_module('m', { f: () => 1 }), Error, NO_PKG_MOD, 'LUA_PACKAGE');
    assert.match(e.message, /package/);
    assertUsable(c);
  }
  const c = ctx(['base', 'package']);
  c.execute_script('package.loaded = nil');
  throwsExactly(() => c.register_module('m', {}), Error, 'Cannot register module: package.loaded is not available.', 'LUA_PACKAGE');
});

test('U266 invalid arguments ((42, {}), ("mod")) throw', () => {
  const c = ctx(['base', 'package']);
  for (const args of [[42, {}], ['mod'], [], ['mod', null], ['mod', 5], ['mod', 'str']]) {
    throwsExactly(() => c.register_module(...args), TypeError, 'Expected (string, object)', 'LUA_INVALID_ARGUMENT');
  }
  // Functions and arrays count as objects; an array gives keys "0", "1", ...
  c.register_module('arr', ['x', 'y']);
  assert.deepEqual(c.execute_script('local m = require("arr") return m["0"], m["1"], m[1]'), ['x', 'y', null]);
});

test('U267 module functions receive their Lua arguments ([1, "hello", true])', () => {
  let got;
  const c = ctx(['base', 'package']);
  c.register_module('cap', { capture: (...args) => { got = args; } });
  c.execute_script('require("cap").capture(1, "hello", true)');
  assert.deepEqual(got, [1, 'hello', true]);
});

test('U268 requiring an unknown module still errors', () => {
  const c = ctx(['base', 'package']);
  c.register_module('known', {});
  throwsExactly(() => c.execute_script('return require("definitely_unknown_mod")'), Error, /module 'definitely_unknown_mod' not found/, 'LUA_RUNTIME');
  assertUsable(c);
});

test('U269 a registered module does not create a global', () => {
  const c = ctx(['base', 'package']);
  c.register_module('secret', { f: () => 1 });
  assert.equal(c.execute_script('return type(secret)'), 'nil');
  assert.equal(c.get_global('secret'), null);
  assert.equal(c.execute_script('return __module_1_f'), null);
});

test('U270 registered modules and search-path modules coexist', () => {
  const c = ctx(['base', 'package']);
  c.add_search_path(path.join(modsA, '?.lua'));
  c.register_module('jsmod', { where: 'js' });
  assert.deepEqual(c.execute_script('return require("testmod").name, require("jsmod").where'), ['testmod', 'js']);
});

test('U271 an empty module is an empty table', () => {
  const c = ctx(['base', 'package']);
  c.register_module('empty', {});
  assert.deepEqual(c.execute_script('local m = require("empty") return type(m), next(m) == nil'), ['table', true]);
});

test('U272 two modules with the same field name stay separate', () => {
  const c = ctx(['base', 'package']);
  c.register_module('one', { id: () => 'one', v: 1 });
  c.register_module('two', { id: () => 'two', v: 2 });
  assert.deepEqual(c.execute_script('return require("one").id(), require("two").id(), require("one").v, require("two").v'), ['one', 'two', 1, 2]);
});

test('U273 register_module leaves the context balanced after many successes and failures', () => {
  const c = ctx(['base', 'package']);
  const bare = new lua_native.init();
  for (let i = 0; i < 300; i++) {
    c.register_module(`m${i % 5}`, { i });
    assert.throws(() => c.register_module(1, {}), TypeError);
    assert.throws(() => bare.register_module('m', {}), /package/);
  }
  assert.equal(c.execute_script('return require("m4").i'), 299);
  assertUsable(c);
  assertUsable(bare);
});

test('U (spec 6.2) a throwing module function names __module_<id>_<key>', () => {
  const c = ctx(['base', 'package']);
  c.register_module('first', { ok: () => 1 });
  // A primitive thrown keeps the name in the text (an Error would come back as itself, B6).
  c.register_module('second', { boom: () => { throw 'x'; } });
  throwsExactly(() => c.execute_script('require("second").boom()'), Error, "Host function '__module_2_boom' threw an exception: x", 'LUA_RUNTIME');
  assert.deepEqual(c.execute_script('return pcall(require("second").boom)'), [false, "Host function '__module_2_boom' threw an exception: x"]);
});

test('U (spec 6.2, DECISIONS 6) names are verbatim; nested JS functions are real functions; the table returns to JS with callable wrappers', () => {
  const c = ctx(['base', 'package']);
  c.register_module('a.b', { util: { inc: (x) => x + 1 }, list: [() => 'zero'] });
  assert.deepEqual(c.execute_script('local m = require("a.b") return type(m.util.inc), m.util.inc(1), m.list[1]()'), ['function', 2, 'zero']);
  c.register_module('tojs', { twice: (x) => x * 2, k: 1 });
  const m = c.execute_script('return require("tojs")');
  assert.equal(typeof m.twice, 'function');
  assert.equal(m.twice(21), 42);
  assert.equal(m.k, 1);
});

test('U (spec 6.2) a conversion error in a module value throws and registers nothing', () => {
  const c = ctx(['base', 'package']);
  const cyclic = { a: 1 };
  cyclic.self = cyclic;
  throwsExactly(() => c.register_module('bad', { cyclic }), Error, 'Value contains a circular reference, which Lua tables cannot represent; break the cycle before passing it in');
  assert.equal(c.execute_script('return package.loaded.bad'), null);
  assertUsable(c);
});
