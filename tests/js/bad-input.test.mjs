// Bad input to every implemented method (constructor, execute_script, execute_file,
// set_global, get_global): the spec's TypeError/Error text (API-SEED §1.2, §2.1-2.4,
// §2.12, Appendix A), a `code` (DECISIONS 2), and the context stays usable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import lua_native, { fixtures } from './load.mjs';
import { DEPTH_MESSAGE, nestJs, throwsExactly, assertUsable } from './helpers.mjs';

const CIRCULAR_MESSAGE = 'Value contains a circular reference, which Lua tables cannot represent; break the cycle before passing it in';

const INVALID = 'LUA_INVALID_ARGUMENT';
const NON_STRINGS = [
  ['undefined', undefined],
  ['null', null],
  ['number', 42],
  ['boolean', true],
  ['object', { a: 1 }],
  ['array', ['return 1']],
  ['function', () => 'return 1'],
  ['symbol', Symbol('s')],
  ['bigint', 5n],
  ['String object', new String('return 1')],
];

function freshWithState() {
  const c = new lua_native.init({ keep: () => 'kept' });
  c.set_global('state', 'intact');
  return c;
}

function assertStateKept(c) {
  assert.equal(c.get_global('state'), 'intact');
  assert.equal(c.execute_script('return keep()'), 'kept');
  assertUsable(c);
}

// ---------------------------------------------------------------- constructor

test('bad input: constructor libraries preset string other than all/safe is a TypeError', () => {
  for (const bad of ['', 'none', 'ALL', 'Safe', ' all']) {
    throwsExactly(() => new lua_native.init({}, { libraries: bad }), TypeError,
      "libraries must be 'all', 'safe', 'sandbox', or an array of library names", INVALID);
  }
});

test('bad input: constructor libraries of a non-array non-string type (even undefined) is a TypeError', () => {
  for (const bad of [undefined, null, 42, true, {}, { 0: 'base' }]) {
    throwsExactly(() => new lua_native.init({}, { libraries: bad }), TypeError,
      "libraries must be 'all', 'safe', 'sandbox', or an array of library names", INVALID);
  }
});

test('bad input: constructor libraries array with a non-string element is a TypeError', () => {
  for (const bad of [['base', 7], [null], ['base', undefined], [['base']], [{}]]) {
    throwsExactly(() => new lua_native.init({}, { libraries: bad }), TypeError,
      'libraries array must contain only strings', INVALID);
  }
});

test('bad input: constructor unknown library name is an Error naming the first unknown', () => {
  throwsExactly(() => new lua_native.init({}, { libraries: ['Math'] }), Error, "Unknown Lua library: 'Math'", INVALID);
  throwsExactly(() => new lua_native.init({}, { libraries: ['base', 'foo', 'bar'] }), Error, "Unknown Lua library: 'foo'", INVALID);
  throwsExactly(() => new lua_native.init({}, { libraries: [''] }), Error, "Unknown Lua library: ''", INVALID);
});

test('bad input: constructor library errors abort before any callback is read', () => {
  let touched = false;
  const cbs = { get probe() { touched = true; return 1; } };
  assert.throws(() => new lua_native.init(cbs, { libraries: ['nope'] }), { message: "Unknown Lua library: 'nope'" });
  assert.throws(() => new lua_native.init(cbs, { libraries: 'bad' }), TypeError);
  assert.equal(touched, false);
  // A later construction still works.
  const c = new lua_native.init(cbs);
  assert.equal(touched, true);
  assert.equal(c.execute_script('return probe'), 1);
});

test('bad input: constructor called without new throws a TypeError', () => {
  throwsExactly(() => lua_native.init(), TypeError, "Class constructors cannot be invoked without 'new'");
  throwsExactly(() => lua_native.init({}, { libraries: 'all' }), TypeError, "Class constructors cannot be invoked without 'new'");
});

test('bad input: constructor ignores non-object options and non-object callbacks (bare state)', () => {
  for (const opts of ['all', 'safe', 42, null, undefined, true]) {
    const c = new lua_native.init({}, opts);
    assert.equal(c.execute_script('return print == nil and math == nil'), true, `options ${String(opts)}`);
    assertUsable(c);
  }
  for (const cbs of ['x', 42, null, undefined, true]) {
    const c = new lua_native.init(cbs);
    assertUsable(c);
  }
  // An options object without `libraries` is a bare state too.
  assert.equal(new lua_native.init({}, {}).execute_script('return print'), null);
  // An unknown option is refused (issue 16), not silently no option at all.
  assert.throws(() => new lua_native.init({}, { other: 1 }), { name: 'TypeError', code: 'LUA_INVALID_ARGUMENT' });
});

test('bad input: constructor callback value too deep throws the depth Error', () => {
  throwsExactly(() => new lua_native.init({ deep: nestJs(105) }), Error, DEPTH_MESSAGE, 'LUA_CONVERSION');
  const cyc = {};
  cyc.self = cyc;
  // A cycle has its own message (EVOLUTION B3).
  throwsExactly(() => new lua_native.init({ cyc }), Error, CIRCULAR_MESSAGE, 'LUA_CONVERSION');
});

test('bad input: constructor callback value with a throwing getter throws its message', () => {
  const value = { get bad() { throw new Error('getter boom'); } };
  throwsExactly(() => new lua_native.init({ value }), Error, 'getter boom', 'LUA_CONVERSION');
});

// ------------------------------------------------------------- execute_script

test('bad input: execute_script with no or non-string argument is a TypeError', () => {
  const c = freshWithState();
  throwsExactly(() => c.execute_script(), TypeError, 'Expected string argument', INVALID);
  for (const [label, bad] of NON_STRINGS) {
    const e = throwsExactly(() => c.execute_script(bad), TypeError, 'Expected string argument', INVALID);
    assert.ok(e, label);
  }
  assertStateKept(c);
});

// Since B17 the second argument is the options bag ({ chunkName }): a
// non-object is refused (as the original's HEAD does); arguments past it are
// still ignored.
test('bad input: execute_script refuses a non-object options bag and ignores arguments past it', () => {
  const c = freshWithState();
  throwsExactly(() => c.execute_script('return 5', 'ignored', 42), TypeError, 'execute_script() options must be an object', INVALID);
  assert.equal(c.execute_script('return 5', {}, 'ignored', 42), 5);
  assertStateKept(c);
});

test('bad input: execute_script syntax and runtime errors leave the context usable', () => {
  const c = freshWithState();
  throwsExactly(() => c.execute_script('return +'), Error, `[string "return +"]:1: unexpected symbol near '+'`, 'LUA_SYNTAX');
  throwsExactly(() => c.execute_script('local t = nil; return t.x'), Error,
    `[string "local t = nil; return t.x"]:1: attempt to index a nil value (local 't')`, 'LUA_RUNTIME');
  assertStateKept(c);
});

// --------------------------------------------------------------- execute_file

test('bad input: execute_file with no or non-string argument is a TypeError', () => {
  const c = freshWithState();
  throwsExactly(() => c.execute_file(), TypeError, 'Expected string argument', INVALID);
  for (const [label, bad] of NON_STRINGS) {
    const e = throwsExactly(() => c.execute_file(bad), TypeError, 'Expected string argument', INVALID);
    assert.ok(e, label);
  }
  assertStateKept(c);
});

test('bad input: execute_file with an empty path is an Error "File path cannot be empty"', () => {
  const c = freshWithState();
  throwsExactly(() => c.execute_file(''), Error, 'File path cannot be empty', INVALID);
  assertStateKept(c);
});

test('bad input: execute_file of a missing file gives Lua\'s cannot-open text', () => {
  const c = freshWithState();
  const missing = path.join(fixtures, 'does-not-exist.lua');
  throwsExactly(() => c.execute_file(missing), Error, `cannot open ${missing}: No such file or directory`, 'LUA_FILE');
  throwsExactly(() => c.execute_file('./nope-not-here.lua'), Error, 'cannot open ./nope-not-here.lua: No such file or directory', 'LUA_FILE');
  assertStateKept(c);
});

test('bad input: execute_file of a directory gives Lua\'s cannot-read text', () => {
  const c = freshWithState();
  const dir = path.join(fixtures, 'a-directory.lua');
  throwsExactly(() => c.execute_file(dir), Error, new RegExp(`^cannot read ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), 'LUA_FILE');
  assertStateKept(c);
});

test('bad input: execute_file syntax and runtime errors use the path as chunk name', () => {
  const c = freshWithState();
  const bad = path.join(fixtures, 'syntax-error.lua');
  const err = path.join(fixtures, 'runtime-error.lua');
  throwsExactly(() => c.execute_file(bad), Error, `${bad}:1: syntax error near 'is'`, 'LUA_SYNTAX');
  // error() needs the base library; in a bare state the call itself fails on line 2.
  throwsExactly(() => c.execute_file(err), Error, `${err}:2: attempt to call a nil value (global 'error')`, 'LUA_RUNTIME');
  const b = new lua_native.init(undefined, { libraries: ['base'] });
  throwsExactly(() => b.execute_file(err), Error, `${err}:2: in file`, 'LUA_RUNTIME');
  // A valid file (with a shebang line) still runs afterwards.
  assert.deepEqual(c.execute_file(path.join(fixtures, 'ok.lua')), [7, 'file']);
  assertStateKept(c);
});

// ----------------------------------------------------------------- set_global

test('bad input: set_global with fewer than two arguments is a TypeError', () => {
  const c = freshWithState();
  throwsExactly(() => c.set_global(), TypeError, 'Expected string name as first argument', INVALID);
  throwsExactly(() => c.set_global('state'), TypeError, 'Expected string name as first argument', INVALID);
  assertStateKept(c);
});

test('bad input: set_global with a non-string name is a TypeError', () => {
  const c = freshWithState();
  for (const [label, bad] of NON_STRINGS) {
    const e = throwsExactly(() => c.set_global(bad, 1), TypeError, 'Expected string name as first argument', INVALID);
    assert.ok(e, label);
  }
  assertStateKept(c);
});

test('bad input: set_global of a too-deep or cyclic value throws and leaves the global unchanged', () => {
  const c = freshWithState();
  throwsExactly(() => c.set_global('state', nestJs(105)), Error, DEPTH_MESSAGE, 'LUA_CONVERSION');
  const cyc = [];
  cyc.push(cyc);
  throwsExactly(() => c.set_global('state', cyc), Error, CIRCULAR_MESSAGE, 'LUA_CONVERSION');
  assertStateKept(c);
});

test('bad input: set_global of a value with a throwing getter throws its message', () => {
  const c = freshWithState();
  const value = { ok: 1, get bad() { throw new Error('getter boom'); } };
  throwsExactly(() => c.set_global('state', value), Error, 'getter boom', 'LUA_CONVERSION');
  throwsExactly(() => c.set_global('state', { nested: [value] }), Error, 'getter boom', 'LUA_CONVERSION');
  assertStateKept(c);
});

test('bad input: set_global ignores extra arguments', () => {
  const c = freshWithState();
  c.set_global('extra', 3, 'ignored', {});
  assert.equal(c.get_global('extra'), 3);
  assertStateKept(c);
});

// ----------------------------------------------------------------- get_global

test('bad input: get_global with no or non-string name is a TypeError', () => {
  const c = freshWithState();
  throwsExactly(() => c.get_global(), TypeError, 'Expected string name as first argument', INVALID);
  for (const [label, bad] of NON_STRINGS) {
    const e = throwsExactly(() => c.get_global(bad), TypeError, 'Expected string name as first argument', INVALID);
    assert.ok(e, label);
  }
  assertStateKept(c);
});

test('bad input: get_global of a cyclic or too-deep table throws the depth Error', () => {
  const c = freshWithState();
  c.execute_script('cyc = {} cyc.me = cyc');
  throwsExactly(() => c.get_global('cyc'), Error, DEPTH_MESSAGE, 'LUA_CONVERSION');
  c.execute_script('deep = {} for i = 1, 101 do deep = { child = deep } end');
  throwsExactly(() => c.get_global('deep'), Error, DEPTH_MESSAGE, 'LUA_CONVERSION');
  assertStateKept(c);
});

// ------------------------------------------------------- Lua function wrappers

test('bad input: a Lua function wrapper given a too-deep argument throws the depth Error', () => {
  const c = freshWithState();
  const fn = c.execute_script('return function(x) return 1 end');
  throwsExactly(() => fn(nestJs(105)), Error, DEPTH_MESSAGE, 'LUA_CONVERSION');
  const bad = { get boom() { throw new Error('arg getter'); } };
  throwsExactly(() => fn(bad), Error, 'arg getter', 'LUA_CONVERSION');
  assert.equal(fn({ fine: true }), 1);
  assertStateKept(c);
});

test('bad input: a callback receiving a too-deep Lua argument raises a catchable Lua error', () => {
  let called = false;
  const c = new lua_native.init({ take: () => { called = true; } }, { libraries: ['base'] });
  const r = c.execute_script('local t = {} t.self = t return pcall(take, t)');
  assert.deepEqual(r, [false, `Error converting arguments for 'take': ${DEPTH_MESSAGE}`]);
  assert.equal(called, false);
  assertUsable(c);
});

test('bad input: a callback returning a too-deep or cyclic value raises a Lua error with the depth or cycle text', () => {
  const cyc = {};
  cyc.self = cyc;
  const c = new lua_native.init({ give: () => cyc, deep: () => nestJs(105) }, { libraries: ['base'] });
  const r = c.execute_script('return pcall(give)');
  assert.equal(r[0], false);
  assert.ok(r[1].includes(CIRCULAR_MESSAGE), r[1]);
  assert.match(r[1], /'give'/);
  const d = c.execute_script('return pcall(deep)');
  assert.equal(d[0], false);
  assert.match(d[1], /Value nesting depth exceeds the maximum of 100 levels/);
  assertUsable(c);
});
