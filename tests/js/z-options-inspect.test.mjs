// Issue 16, part 4: options a user can trust (an unknown option is a
// TypeError naming it, at every door, nested ones included), a bad gc()
// command is a RangeError, and contexts and table Proxies show something
// useful in util.inspect / console.log; `using` disposes a context.
// Texts (this project's): "<door>: unknown option '<k>'[ (did you mean '<known>'?)]; known options: '<a>', ...".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import util from 'node:util';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';

const { init } = lua_native;
const INIT_KNOWN = "known options: 'libraries', 'maxMemory', 'maxInstructions', 'timeout', 'shared', 'binaryStrings', 'strictConversion', 'tableAs', 'allowBytecode', 'filesystem', 'print'";

test('an unknown constructor option is a TypeError naming it, with a suggestion for a slip', () => {
  throwsExactly(() => new init({}, { maxMemroy: 10 }), TypeError, `new init(): unknown option 'maxMemroy' (did you mean 'maxMemory'?); ${INIT_KNOWN}`, 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => new init({}, { libraries: 'all', TIMEOUT: 5 }), TypeError, `new init(): unknown option 'TIMEOUT' (did you mean 'timeout'?); ${INIT_KNOWN}`, 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => new init({}, { sandbox: true }), TypeError, `new init(): unknown option 'sandbox'; ${INIT_KNOWN}`, 'LUA_INVALID_ARGUMENT');
  // Inherited enumerable keys are what a read would see, so they count too.
  const inherited = Object.create({ maxInstructionz: 1 });
  throwsExactly(() => new init({}, inherited), TypeError, /unknown option 'maxInstructionz' \(did you mean 'maxInstructions'\?\)/);
  // Every known option is accepted.
  const c = new init({}, { libraries: 'safe', maxMemory: 1 << 24, maxInstructions: 1e7, timeout: 1000, shared: {}, binaryStrings: false, strictConversion: false, tableAs: 'object', allowBytecode: false, filesystem: 'allow', print: null });
  assertUsable(c);
});

test('every door with an options object refuses unknown keys', () => {
  const c = ctx('all');
  const fn = c.execute_script('return function() end');
  const cases = [
    [() => c.execute_script('return 1', { chunkname: 'x' }), "execute_script(): unknown option 'chunkname' (did you mean 'chunkName'?); known options: 'chunkName'"],
    [() => c.create_coroutine('return 1', { name: 'x' }), "create_coroutine(): unknown option 'name'; known options: 'chunkName'"],
    [() => c.compile('return 1', { strip: true }), "compile(): unknown option 'strip'; known options: 'chunkName', 'stripDebug'"],
    [() => c.create_environment({ whitelist: [], inherits: true }), "create_environment(): unknown option 'inherits' (did you mean 'inherit'?); known options: 'whitelist', 'inherit'"],
    [() => c.execute_script_in(c.create_table(), 'return 1', { chunk: 'x' }), "execute_script_in(): unknown option 'chunk'; known options: 'chunkName'"],
    [() => c.get_stack({ levels: 2 }), "get_stack(): unknown option 'levels'; known options: 'maxLevels'"],
    [() => c.set_hook(() => {}, { lines: true }), "set_hook(): unknown option 'lines' (did you mean 'line'?); known options: 'call', 'return', 'line', 'count'"],
    [() => c.set_userdata('u', {}, { readonly: true }), "set_userdata(): unknown option 'readonly'; known options: 'readable', 'writable', 'methods'"],
    [() => c.register_class('K', { construct: () => ({}), method: {} }), "register_class(): unknown option 'method' (did you mean 'methods'?); known options: 'construct', 'extends', 'methods', 'metamethods', 'properties', 'statics', 'readable', 'writable'"],
    // Nested: a property's definition.
    [() => c.register_class('K', { construct: () => ({}), properties: { p: { get: () => 1, sett: () => {} } } }), "register_class() property: unknown option 'sett' (did you mean 'set'?); known options: 'get', 'set'"],
  ];
  for (const [run, message] of cases) throwsExactly(run, TypeError, message, 'LUA_INVALID_ARGUMENT');
  void fn;
  assertUsable(c);
});

test('the async doors refuse unknown keys before the run starts', async () => {
  const c = ctx('all');
  throwsExactly(() => c.execute_script_async('return 1', { signl: null }), TypeError, "execute_script_async(): unknown option 'signl' (did you mean 'signal'?); known options: 'chunkName', 'signal'");
  throwsExactly(() => c.execute_async('return 1', { chunk_name: 'x' }), TypeError, /^execute_async\(\): unknown option 'chunk_name'/);
  assert.equal(c.is_busy(), false);
  assert.equal(await c.execute_script_async('return 2', { chunkName: 'ok' }), 2);
});

test('a bad gc() command or parameter is a RangeError (still an Error) with the spec text', () => {
  const c = ctx('all');
  const e = throwsExactly(() => c.gc('colect'), RangeError, "Unknown GC command: 'colect'", 'LUA_INVALID_ARGUMENT');
  assert.ok(e instanceof Error);
  throwsExactly(() => c.gc('param', 'paws'), RangeError, "Unknown GC parameter: 'paws'", 'LUA_INVALID_ARGUMENT');
  assert.equal(typeof c.gc('count'), 'number');
});

test('util.inspect of a context shows its facts, or why it cannot', async () => {
  const c = new init({}, { libraries: 'safe', maxMemory: 1 << 24 });
  const shown = util.inspect(c);
  assert.match(shown, /^LuaContext \{/);
  assert.match(shown, /release: 'Lua 5\.5\.\d+'/);
  assert.match(shown, /memoryLimit: 16777216/);
  assert.match(shown, /busy: false/);
  const run = c.execute_script_async('for i = 1, 2e6 do end');
  assert.equal(util.inspect(c), 'LuaContext { busy: true }');
  await run;
  c.dispose();
  assert.equal(util.inspect(c), 'LuaContext { disposed: true }');
});

test('util.inspect of a table Proxy shows a raw snapshot, or why it cannot be read', () => {
  const c = ctx('all');
  const px = c.execute_script('return setmetatable({ x = 1, list = { 1, 2 }, [true] = "t", [{}] = "skipped" }, { __index = function() error("no") end })');
  const shown = util.inspect(px);
  assert.match(shown, /^LuaTable \{/);
  assert.match(shown, /x: 1/);
  assert.match(shown, /list: \[ 1, 2 \]/);
  assert.match(shown, /true: 't'/);
  assert.doesNotMatch(shown, /skipped/);
  assert.match(util.inspect([px]), /\[ LuaTable \{/);
  // Reading it ran no metamethod (__index would have raised).
  const stale = c.execute_script('return setmetatable({ a = 1 }, {})');
  c.release(px);
  assert.equal(util.inspect(px), 'LuaTable <table handle has been released>');
  c.reset();
  assert.match(util.inspect(stale), /^LuaTable <.*reset\(\)/);
  const d = ctx('all');
  const gone = d.execute_script('return setmetatable({}, {})');
  d.dispose();
  assert.match(util.inspect(gone), /^LuaTable <.*closed/);
});

test('Symbol.dispose disposes the context (`using ctx = new init()`)', () => {
  assert.equal(typeof Symbol.dispose, 'symbol');
  const c = new init({}, { libraries: 'all' });
  assert.equal(typeof c[Symbol.dispose], 'function');
  c[Symbol.dispose]();
  throwsExactly(() => c.execute_script('return 1'), Error, 'the Lua context has been closed', 'LUA_DISPOSED');
  c[Symbol.dispose](); // idempotent, as dispose() is
  assert.ok(!Object.getOwnPropertyNames(init.prototype).includes('inspectLuaContext'), 'symbol-keyed, not a method name');
});
