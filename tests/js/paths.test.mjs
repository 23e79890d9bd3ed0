// EVOLUTION.md A8: dotted-path globals, `set_global('a.b.c', v)` / `get_global('a.b.c')`.
// Every test A8 lists is here. (call()/call_async() with dotted paths are not part of this
// project's API, so they are not tested.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';

const BUSY = 'Lua context is busy with an async operation';
const SLOW = 'local x = 0 for i = 1, 2e7 do x = x + i % 7 end return "slow done"';
const malformed = (name) => `Invalid global path '${name}': path segments must be non-empty (no leading, trailing, or doubled dots)`;

// ------------------------------------------------------------------ set

test('A8 set creates the missing intermediate tables', () => {
  const c = ctx(['base']);
  c.set_global('config.server.port', 8080);
  assert.deepEqual(c.execute_script('return type(config), type(config.server), config.server.port'), ['table', 'table', 8080]);
  assert.deepEqual(c.get_global('config'), { server: { port: 8080 } });
});

test('A8 set keeps siblings intact (at every level)', () => {
  const c = ctx(['base']);
  c.execute_script('config = { name = "app", server = { host = "localhost", tls = false } }');
  c.set_global('config.server.port', 8080);
  c.set_global('config.version', 2);
  assert.deepEqual(c.get_global('config'), { name: 'app', version: 2, server: { host: 'localhost', tls: false, port: 8080 } });
  // The existing intermediate table is the same table, not a replacement.
  c.execute_script('saved = config.server');
  c.set_global('config.server.extra', 1);
  assert.equal(c.execute_script('return rawequal(saved, config.server) and saved.extra'), 1);
});

test('A8 two-segment paths', () => {
  const c = ctx(['base']);
  c.set_global('a.b', 'two');
  assert.equal(c.execute_script('return a.b'), 'two');
  assert.equal(c.get_global('a.b'), 'two');
  c.execute_script('existing = {}');
  c.set_global('existing.key', 1);
  assert.equal(c.execute_script('return existing.key'), 1);
});

test('A8 leaf values: number, integer, string, boolean, null, table, array, nested', () => {
  const c = ctx(['base', 'math']);
  c.set_global('v.int', 42);
  c.set_global('v.float', 1.5);
  c.set_global('v.str', 'hello');
  c.set_global('v.yes', true);
  c.set_global('v.no', false);
  c.set_global('v.obj', { x: 1, inner: { y: 'z' } });
  c.set_global('v.arr', [1, 'two', true]);
  assert.deepEqual(c.execute_script('return math.type(v.int), math.type(v.float), v.str, v.yes, v.no'), ['integer', 'float', 'hello', true, false]);
  assert.deepEqual(c.execute_script('return v.obj.x, v.obj.inner.y, #v.arr, v.arr[1], v.arr[2], v.arr[3]'), [1, 'z', 3, 1, 'two', true]);
  assert.deepEqual(c.get_global('v.obj'), { x: 1, inner: { y: 'z' } });
  assert.deepEqual(c.get_global('v.arr'), [1, 'two', true]);
  // null stores nil: the key goes away.
  c.set_global('v.str', null);
  assert.equal(c.execute_script('return v.str == nil and rawget(v, "str") == nil'), true);
  assert.equal(c.get_global('v.str'), null);
});

test('A8 a function at a path is callable from Lua, and is not a named registration', () => {
  const c = ctx(['base']);
  const before = c.info().bindingRefs.callbacks;
  c.set_global('lib.util.double', (x) => x * 2);
  c.set_global('lib.util.greet', (name) => `hi ${name}`);
  assert.equal(c.execute_script('return lib.util.double(21)'), 42);
  assert.equal(c.execute_script('return lib.util.greet("lua")'), 'hi lua');
  assert.equal(c.execute_script('return type(lib.util.double)'), 'function');
  // Anonymous: no global of its own name and no entry in the callback registry.
  assert.equal(c.get_global('double'), null);
  assert.equal(c.info().bindingRefs.callbacks, before);
  // Read back through a path, it is a function JS can call.
  const fn = c.get_global('lib.util.double');
  assert.equal(typeof fn, 'function');
  assert.equal(fn(5), 10);
});

test('A8 overwrites a leaf (any type to any type)', () => {
  const c = ctx(['base']);
  c.set_global('o.leaf', 1);
  c.set_global('o.leaf', 'now a string');
  assert.equal(c.get_global('o.leaf'), 'now a string');
  c.set_global('o.leaf', { t: 1 });
  assert.deepEqual(c.get_global('o.leaf'), { t: 1 });
  c.set_global('o.leaf', () => 'fn');
  assert.equal(c.execute_script('return o.leaf()'), 'fn');
  c.set_global('o.leaf', 3);
  assert.equal(c.execute_script('return o.leaf'), 3);
  // A leaf that is a table can itself become an intermediate.
  c.set_global('o.leaf', {});
  c.set_global('o.leaf.deeper', 'ok');
  assert.deepEqual(c.get_global('o'), { leaf: { deeper: 'ok' } });
});

test('A8 a non-table intermediate throws and nothing is written', () => {
  const c = ctx(['base']);
  c.execute_script('n = 5 s = "str" b = true f = function() end t = { leaf = 1 }');
  c.set_userdata('u', { x: 1 }, { readable: true, writable: true });
  const cases = [['n.x', 'n', 'number'], ['s.x', 's', 'string'], ['b.x', 'b', 'boolean'], ['f.x', 'f', 'function'], ['u.x', 'u', 'userdata'], ['t.leaf.x', 'leaf', 'number'], ['t.leaf.x.y', 'leaf', 'number']];
  for (const [path, seg, type] of cases) {
    throwsExactly(() => c.set_global(path, 1), Error, `cannot set global path: intermediate '${seg}' is a ${type}, not a table`);
  }
  assert.deepEqual(c.execute_script('return n, s, b, t.leaf'), [5, 'str', true, 1]);
  assertUsable(c);
});

test('A8 __newindex fires on a metatabled intermediate (lua_settable, not rawset)', () => {
  const c = ctx(['base']);
  c.execute_script(`
    writes = {}
    P = setmetatable({}, { __newindex = function(t, k, v) writes[#writes + 1] = k rawset(t, k, v) end })
  `);
  c.set_global('P.first', 1);
  c.set_global('P.sub.inner', 2); // the vivified 'sub' is written through __newindex too
  assert.deepEqual(c.get_global('writes'), ['first', 'sub']);
  assert.deepEqual(c.execute_script('return P.first, P.sub.inner'), [1, 2]);
  // A JS __newindex (set_metatable) fires as well.
  const seen = [];
  c.execute_script('Q = {}');
  c.set_metatable('Q', { __newindex: (t, k, v) => { seen.push([k, v]); } });
  c.set_global('Q.key', 'value');
  assert.deepEqual(seen, [['key', 'value']]);
  assert.equal(c.execute_script('return rawget(Q, "key")'), null);
});

test('A8 an error raised by __newindex surfaces as a Lua error; the context stays usable', () => {
  const c = ctx(['base']);
  c.execute_script('RO = setmetatable({}, { __newindex = function(t, k) error("read-only: " .. k, 0) end })');
  throwsExactly(() => c.set_global('RO.x', 1), Error, 'read-only: x', 'LUA_RUNTIME');
  throwsExactly(() => c.set_global('RO.a.b', 1), Error, 'read-only: a', 'LUA_RUNTIME');
  assert.deepEqual(c.execute_script('return rawget(RO, "x"), rawget(RO, "a")'), [null, null]);
  assertUsable(c);
});

test('A8 set under maxMemory: running out is a clean LUA_MEMORY error', () => {
  const c = new lua_native.init(undefined, { libraries: ['base'], maxMemory: 128 * 1024 });
  throwsExactly(() => c.set_global('big.deep.path', new Array(50_000).fill('x'.repeat(32))), Error, 'not enough memory', 'LUA_MEMORY');
  assertUsable(c);
});

// ------------------------------------------------------------------ get

test('A8 get reads nested values', () => {
  const c = ctx(['base']);
  c.execute_script('app = { name = "x", server = { port = 80, flags = { debug = true } }, list = { 1, 2 } }');
  assert.equal(c.get_global('app.name'), 'x');
  assert.equal(c.get_global('app.server.port'), 80);
  assert.equal(c.get_global('app.server.flags.debug'), true);
  assert.deepEqual(c.get_global('app.list'), [1, 2]);
});

test('A8 get round-trips with set', () => {
  const c = ctx(['base']);
  const values = { 'r.num': 3.25, 'r.str': 'text', 'r.bool': false, 'r.obj': { a: { b: 'c' } }, 'r.arr': [3, 2, 1], 'r.deep.er.est': 'bottom' };
  for (const [path, v] of Object.entries(values)) c.set_global(path, v);
  for (const [path, v] of Object.entries(values)) assert.deepEqual(c.get_global(path), v, path);
});

test('A8 get: a missing leaf gives null', () => {
  const c = ctx(['base']);
  c.execute_script('t = { a = {} }');
  assert.equal(c.get_global('t.missing'), null);
  assert.equal(c.get_global('t.a.missing'), null);
});

test('A8 get: a nil intermediate gives null (optional chaining), creating nothing', () => {
  const c = ctx(['base']);
  c.execute_script('t = {}');
  assert.equal(c.get_global('nothing.here.at.all'), null);
  assert.equal(c.get_global('t.missing.deeper'), null);
  assert.equal(c.execute_script('return nothing == nil and t.missing == nil'), true);
});

test('A8 get returns nested tables (copied as plain objects/arrays)', () => {
  const c = ctx(['base']);
  c.execute_script('root = { branch = { leaf = 1, twigs = { "a", "b" } } }');
  assert.deepEqual(c.get_global('root.branch'), { leaf: 1, twigs: ['a', 'b'] });
  assert.deepEqual(c.get_global('root.branch.twigs'), ['a', 'b']);
});

test('A8 __index fires on a metatabled intermediate and leaf', () => {
  const c = ctx(['base']);
  c.execute_script(`
    reads = 0
    P = setmetatable({}, { __index = function(t, k) reads = reads + 1 return "idx:" .. k end })
    M = setmetatable({}, { __index = function(t, k) return setmetatable({}, { __index = function(_, k2) return k .. "/" .. k2 end }) end })
  `);
  assert.equal(c.get_global('P.anything'), 'idx:anything');
  assert.equal(c.get_global('M.a.b'), 'a/b');
  assert.equal(c.get_global('reads'), 1);
  // JS __index from set_metatable too.
  c.execute_script('J = {}');
  c.set_metatable('J', { __index: (t, k) => `js:${k}` });
  assert.equal(c.get_global('J.key'), 'js:key');
  // A readable userdata intermediate is read through its __index.
  c.set_userdata('U', { field: 'from js' }, { readable: true });
  assert.equal(c.get_global('U.field'), 'from js');
});

test("A8 get: a non-indexable intermediate raises Lua's own 'attempt to index a <type> value'", () => {
  const c = ctx(['base']);
  c.execute_script('n = 5 b = true f = function() end t = { leaf = 1 }');
  throwsExactly(() => c.get_global('n.x'), Error, 'attempt to index a number value', 'LUA_RUNTIME');
  throwsExactly(() => c.get_global('b.x'), Error, 'attempt to index a boolean value', 'LUA_RUNTIME');
  throwsExactly(() => c.get_global('f.x'), Error, 'attempt to index a function value', 'LUA_RUNTIME');
  throwsExactly(() => c.get_global('t.leaf.x'), Error, 'attempt to index a number value', 'LUA_RUNTIME');
  throwsExactly(() => c.get_global('n.x.y'), Error, 'attempt to index a number value', 'LUA_RUNTIME');
  assertUsable(c);
});

test('A8 get: an error raised by __index surfaces as a Lua error', () => {
  const c = ctx(['base']);
  c.execute_script('E = setmetatable({}, { __index = function(t, k) error("no field " .. k, 0) end })');
  throwsExactly(() => c.get_global('E.a'), Error, 'no field a', 'LUA_RUNTIME');
  throwsExactly(() => c.get_global('E.a.b'), Error, 'no field a', 'LUA_RUNTIME');
  assertUsable(c);
});

// ------------------------------------------------------------------ malformed and dot-free names

test('A8 malformed paths (leading, trailing or doubled dots) are a TypeError, for set and get', () => {
  const c = ctx(['base']);
  for (const bad of ['.a', 'a.', 'a..b', '.', '..', '...', 'a.b.', '.a.b', 'a...b']) {
    throwsExactly(() => c.set_global(bad, 1), TypeError, malformed(bad));
    throwsExactly(() => c.get_global(bad), TypeError, malformed(bad));
  }
  assert.equal(c.get_global('a'), null, 'nothing was created');
  assertUsable(c);
});

test('A8 a name with no dot behaves as a single key', () => {
  const c = ctx(['base']);
  c.set_global('plain', 1);
  assert.equal(c.get_global('plain'), 1);
  assert.equal(c.execute_script('return plain'), 1);
  c.set_global('with space', 'ok');
  assert.equal(c.execute_script('return _G["with space"]'), 'ok');
  assert.equal(c.get_global('with space'), 'ok');
  // Unicode and unusual characters in segments are plain string keys.
  c.set_global('ü.ñ', 'x');
  assert.equal(c.execute_script('return _G["ü"]["ñ"]'), 'x');
  assert.equal(c.get_global('ü.ñ'), 'x');
  // A segment that looks numeric is still a string key.
  c.set_global('arr.1', 'str key');
  assert.deepEqual(c.execute_script('return arr[1], arr["1"]'), [null, 'str key']);
  assert.equal(c.get_global('arr.1'), 'str key');
});

test('A8 a long path (200 segments) works both ways', () => {
  const c = ctx(['base']);
  const p = Array.from({ length: 200 }, (_, i) => `k${i}`).join('.');
  c.set_global(p, 'deep');
  assert.equal(c.get_global(p), 'deep');
  assert.equal(c.get_global(p.split('.').slice(0, 50).join('.') + '.nope'), null);
});

test('A8 dotted set/get are refused while busy, and work after', async () => {
  const c = ctx(['base']);
  const pending = c.execute_script_async(SLOW);
  throwsExactly(() => c.set_global('a.b', 1), Error, BUSY, 'LUA_BUSY');
  throwsExactly(() => c.get_global('a.b'), Error, BUSY, 'LUA_BUSY');
  assert.equal(await pending, 'slow done');
  c.set_global('a.b', 1);
  assert.equal(c.get_global('a.b'), 1);
});

test('A8 dotted set/get after dispose() throw LUA_DISPOSED', () => {
  const c = ctx(['base']);
  c.dispose();
  throwsExactly(() => c.set_global('a.b', 1), Error, 'the Lua context has been closed', 'LUA_DISPOSED');
  throwsExactly(() => c.get_global('a.b'), Error, 'the Lua context has been closed', 'LUA_DISPOSED');
});
