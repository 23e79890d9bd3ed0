// API-SEED §10 area A: construction and library selection (items 1-19), §1.2, §9.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly } from './helpers.mjs';

const LIBRARY_GLOBALS = ['print', 'package', 'coroutine', 'table', 'io', 'os', 'string', 'math', 'utf8', 'debug'];

function typesOf(c, names) {
  // Works without the base library: compares against nil only.
  const out = {};
  for (const n of names) out[n] = c.execute_script(`return ${n} ~= nil`);
  return out;
}

test('A1 new init() with no arguments gives a working bare context', () => {
  const c = new lua_native.init();
  assert.equal(c.execute_script('return 1 + 2'), 3);
});

// The seed's module had only `init`; the final API adds `createSharedTable`
// (EVOLUTION.md A9), and the prototype gained the methods of Part A and cancel() (B5).
test('A1 (spec 1.1) module shape: default export has init (a class named LuaContext) and createSharedTable', () => {
  assert.deepEqual(Object.keys(lua_native), ['init', 'createSharedTable']);
  assert.equal(typeof lua_native.init, 'function');
  assert.equal(typeof lua_native.createSharedTable, 'function');
  assert.equal(lua_native.init.name, 'LuaContext');
  const c = new lua_native.init();
  assert.ok(c instanceof lua_native.init);
  const seed = ['execute_script', 'execute_file', 'set_global', 'get_global', 'set_userdata', 'set_metatable',
    'create_coroutine', 'resume', 'execute_script_async', 'execute_file_async', 'is_busy', 'add_search_path',
    'register_module', 'compile', 'compile_file', 'load_bytecode'];
  // cancel(): EVOLUTION.md B5 (worker runs) and A2.
  // register_type_converter: B3; register_from_lua_converter: B10.
  const later = ['get_memory_usage', 'set_hook', 'remove_hook', 'gc', 'reset', 'info', 'dispose', 'cancel',
    'register_type_converter', 'register_from_lua_converter'];
  // Table handles, release(), call(): EVOLUTION.md B2, B8, B10.
  later.push('create_table', 'get_global_ref', 'release', 'call');
  // Stack introspection: B21.
  later.push('get_stack', 'get_locals');
  // pcall(): EVOLUTION.md B6.
  later.push('pcall');
  // Environments: B9.
  later.push('create_environment', 'execute_script_in');
  // Classes: B4.
  later.push('register_class');
  // Virtual files: B15.
  later.push('set_file_reader');
  // Host-controlled I/O: B7 (print handler, searchers), B15 (read handler).
  later.push('set_print_handler', 'set_read_handler', 'add_searcher');
  // Driven async doors and close(coroutine): B5, B13, B14.
  later.push('execute_async', 'call_async', 'resume_async', 'close');
  assert.deepEqual(Object.getOwnPropertyNames(lua_native.init.prototype).sort(), [...seed, ...later, 'constructor'].sort());
  for (const m of [...seed, ...later]) {
    assert.equal(typeof lua_native.init.prototype[m], 'function', m);
  }
});

test('A2 callbacks may be omitted when options are given (undefined, {libraries: "all"})', () => {
  const c = new lua_native.init(undefined, { libraries: 'all' });
  assert.equal(c.execute_script('return math.floor(3.7)'), 3);
});

test('A3 new init({}, {libraries: "all"}) evaluates return 42', () => {
  const c = new lua_native.init({}, { libraries: 'all' });
  assert.equal(c.execute_script('return 42'), 42);
});

test('A4 bare state: no standard library, but syntax, arithmetic and literals work', () => {
  const c = new lua_native.init();
  assert.equal(c.execute_script('return 1 + 2 * 3'), 7);
  assert.equal(c.execute_script('return "hello" .. " " .. "world"'), 'hello world');
  assert.equal(c.execute_script('return #"abc"'), 3);
  assert.equal(c.execute_script('local function f(x) return function() return x end end return f(5)()'), 5);
  assert.throws(() => c.execute_script('return type(math)'), /attempt to call a nil value \(global 'type'\)/);
  throwsExactly(
    () => c.execute_script('print("hi")'),
    Error,
    `[string "print("hi")"]:1: attempt to call a nil value (global 'print')`,
    'LUA_RUNTIME'
  );
  for (const [name, present] of Object.entries(typesOf(c, [...LIBRARY_GLOBALS, 'type', 'pairs', 'error', 'tostring', 'setmetatable', 'require', '_G']))) {
    assert.equal(present, false, `${name} should be nil in a bare state`);
  }
  // String methods need the string metatable, installed by the string library.
  assert.throws(() => c.execute_script('return ("x"):upper()'));
});

test('A5 preset "all": math and string usable; io, os, debug are tables', () => {
  const c = ctx('all');
  assert.equal(c.execute_script('return math.max(3, 9, 4)'), 9);
  assert.equal(c.execute_script('return string.rep("ab", 3)'), 'ababab');
  assert.equal(c.execute_script('return ("x"):upper()'), 'X');
  assert.deepEqual(c.execute_script('return type(io), type(os), type(debug)'), ['table', 'table', 'table']);
  assert.deepEqual(
    c.execute_script('return type(package), type(coroutine), type(table), type(utf8), type(print), _VERSION'),
    ['table', 'table', 'table', 'table', 'function', 'Lua 5.5']
  );
});

test('A6 preset "safe": math, string, table, coroutine present; io, os, debug nil', () => {
  const c = ctx('safe');
  assert.deepEqual(
    c.execute_script('return type(math), type(string), type(table), type(coroutine), type(utf8), type(package), type(print)'),
    ['table', 'table', 'table', 'table', 'table', 'table', 'function']
  );
  assert.deepEqual(c.execute_script('return type(io), type(os), type(debug)'), ['nil', 'nil', 'nil']);
  assert.equal(c.execute_script('return math.floor(2.5) + #string.rep("a", 4)'), 6);
});

// The preset list gained 'sandbox' (EVOLUTION.md B12), and the message with it.
test('A7 an unknown preset string throws "libraries must be \'all\', \'safe\', \'sandbox\', or an array"', () => {
  const e = throwsExactly(
    () => new lua_native.init({}, { libraries: 'everything' }),
    TypeError,
    "libraries must be 'all', 'safe', 'sandbox', or an array of library names",
    'LUA_INVALID_ARGUMENT'
  );
  assert.match(e.message, /libraries must be 'all', 'safe', 'sandbox', or an array/);
  // Preset names are case-sensitive.
  throwsExactly(() => new lua_native.init({}, { libraries: 'ALL' }), TypeError, /libraries must be 'all', 'safe', 'sandbox', or an array/);
  throwsExactly(() => new lua_native.init({}, { libraries: 'Safe' }), TypeError, /libraries must be 'all', 'safe', 'sandbox', or an array/);
});

test('A8 array ["base","string","math"] loads exactly those libraries', () => {
  const c = ctx(['base', 'string', 'math']);
  assert.equal(c.execute_script('return type(print)'), 'function');
  assert.deepEqual(c.execute_script('return type(string), type(math)'), ['table', 'table']);
  assert.deepEqual(
    c.execute_script('return type(io), type(os), type(debug), type(table), type(coroutine), type(utf8), type(package), type(require)'),
    ['nil', 'nil', 'nil', 'nil', 'nil', 'nil', 'nil', 'nil']
  );
});

test('A9 libraries omitted from the array are nil (["base","string"])', () => {
  const c = ctx(['base', 'string']);
  assert.deepEqual(c.execute_script('return type(math), type(io), type(os), type(debug)'), ['nil', 'nil', 'nil', 'nil']);
  assert.equal(c.execute_script('return string.upper("ok")'), 'OK');
});

test('A10 an empty libraries array gives a bare state', () => {
  const c = ctx([]);
  assert.equal(c.execute_script('return 1 + 2'), 3);
  assert.equal(c.execute_script('return "a" .. "b"'), 'ab');
  assert.throws(() => c.execute_script('return type(math)'), /attempt to call a nil value \(global 'type'\)/);
  assert.throws(() => c.execute_script('print("hi")'), /attempt to call a nil value \(global 'print'\)/);
  for (const [name, present] of Object.entries(typesOf(c, LIBRARY_GLOBALS))) {
    assert.equal(present, false, `${name} should be nil`);
  }
});

test('A11 an unknown library name throws exactly "Unknown Lua library: \'nonexistent\'"', () => {
  throwsExactly(
    () => new lua_native.init({}, { libraries: ['base', 'nonexistent'] }),
    Error,
    "Unknown Lua library: 'nonexistent'",
    'LUA_INVALID_ARGUMENT'
  );
});

test('A12 the unknown-library message names the offending library (first unknown, case-sensitive)', () => {
  const e = throwsExactly(() => new lua_native.init({}, { libraries: ['Math', 'base', 'Other'] }), Error);
  assert.ok(e.message.includes('Unknown Lua library'));
  assert.ok(e.message.includes('Math'));
  assert.equal(e.message, "Unknown Lua library: 'Math'");
  throwsExactly(() => new lua_native.init({}, { libraries: ['BASE'] }), Error, "Unknown Lua library: 'BASE'");
});

test('A13 ["base","math"]: math.pi is about 3.14159 and string is nil', () => {
  const c = ctx(['base', 'math']);
  const pi = c.execute_script('return math.pi');
  assert.ok(Math.abs(pi - 3.14159) < 1e-5, String(pi));
  assert.equal(pi, Math.PI);
  assert.equal(c.execute_script('return type(string)'), 'nil');
});

test('A14 host callbacks work when only base is loaded (double(21) = 42)', () => {
  const c = new lua_native.init({ double: (x) => x * 2 }, { libraries: ['base'] });
  assert.equal(c.execute_script('return double(21)'), 42);
  assert.equal(c.execute_script('return type(double)'), 'function');
});

test('A14 (spec 9) host callbacks also work in a fully bare state', () => {
  const c = new lua_native.init({ double: (x) => x * 2 });
  assert.equal(c.execute_script('return double(21)'), 42);
});

test('A15 ["base","coroutine"]: coroutine is a table and coroutine.yield a function', () => {
  const c = ctx(['base', 'coroutine']);
  assert.deepEqual(c.execute_script('return type(coroutine), type(coroutine.yield)'), ['table', 'function']);
  assert.deepEqual(
    c.execute_script('local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1) return b * 2 end) return co(1), co(10)'),
    [2, 20]
  );
});

test('A16 ["base","table"]: table.sort works; multiple returns come back as [1, 2, 3]', () => {
  const c = ctx(['base', 'table']);
  assert.deepEqual(c.execute_script('local t = {3, 1, 2}; table.sort(t); return t[1], t[2], t[3]'), [1, 2, 3]);
  assert.equal(c.execute_script('return type(math)'), 'nil');
});

test('A17 ["base","utf8"]: utf8 is a table', () => {
  const c = ctx(['base', 'utf8']);
  assert.equal(c.execute_script('return type(utf8)'), 'table');
  assert.equal(c.execute_script('return utf8.len("h\\u{E9}llo")'), 5);
});

test('A17 (spec 9) duplicates and order in the libraries array are irrelevant', () => {
  const c = ctx(['math', 'base', 'math', 'base']);
  assert.deepEqual(c.execute_script('return type(math), type(print), type(string)'), ['table', 'function', 'nil']);
});

test('A18 non-function values in the callbacks object become globals; 50 contexts keep their own index', () => {
  const contexts = [];
  for (let i = 0; i < 50; i++) contexts.push(new lua_native.init({ index: i, label: `ctx${i}`, cfg: { n: i } }));
  for (let i = 0; i < 50; i++) {
    assert.equal(contexts[i].execute_script('return index'), i);
    assert.equal(contexts[i].execute_script('return label'), `ctx${i}`);
    assert.equal(contexts[i].execute_script('return cfg.n'), i);
  }
});

test('A18 (spec 1.2) null/undefined callback values leave the global nil; arrays give globals "0", "1"', () => {
  const c = new lua_native.init({ a: null, b: undefined, c: 3 });
  assert.equal(c.execute_script('return a == nil and b == nil and c == 3'), true);
  const d = new lua_native.init(['x', 'y'], { libraries: ['base'] });
  assert.deepEqual(d.execute_script('return _G["0"], _G["1"]'), ['x', 'y']);
});

test('A18 (spec 1.2) inherited enumerable callback properties are installed too', () => {
  const proto = { inherited: () => 'from proto' };
  const cbs = Object.create(proto);
  cbs.own = 7;
  const c = new lua_native.init(cbs);
  assert.equal(c.execute_script('return inherited()'), 'from proto');
  assert.equal(c.execute_script('return own'), 7);
});

test('A18 (spec 1.2) callbacks are installed after libraries and replace library globals', () => {
  const seen = [];
  const c = new lua_native.init({ print: (s) => { seen.push(s); } }, { libraries: 'all' });
  c.execute_script('print("captured")');
  assert.deepEqual(seen, ['captured']);
});

test('A19 callbacks with the same name in two contexts are independent', () => {
  let a = 0;
  let b = 0;
  const ca = new lua_native.init({ update: (v) => { a = v; } });
  const cb = new lua_native.init({ update: (v) => { b = v; } });
  ca.execute_script('update(11)');
  assert.equal(a, 11);
  assert.equal(b, 0);
  cb.execute_script('update(22)');
  assert.equal(a, 11);
  assert.equal(b, 22);
  ca.execute_script('shared = "A"');
  assert.equal(cb.execute_script('return shared'), null);
});
