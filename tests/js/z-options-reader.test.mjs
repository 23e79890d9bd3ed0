// The constructor's options are read in one call into JavaScript (issue 18,
// lua-node/src/option_reader.rs): every read a one-by-one read made, in the
// same order, once each, with the same results and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { throwsExactly } from './helpers.mjs';

const { init } = lua_native;

test('options inherited from a prototype and non-enumerable ones count', () => {
  const inherited = new init({}, Object.create({ maxMemory: 4 << 20, libraries: 'all' }));
  assert.equal(inherited.info().memoryLimit, 4 << 20);
  assert.equal(inherited.execute_script('return type(string)'), 'table');
  const hidden = {};
  Object.defineProperty(hidden, 'maxInstructions', { value: 12345, enumerable: false });
  Object.defineProperty(hidden, 'libraries', { get: () => ['base'], enumerable: false });
  const c = new init({}, hidden);
  assert.equal(c.info().maxInstructions, 12345);
  assert.deepEqual(c.info().libraries, ['base']);
});

test('a proxy sees each option asked once, libraries by `in` and then read, in order', () => {
  const asked = [];
  const target = { libraries: 'safe', timeout: 5000 };
  const p = new Proxy(target, {
    has: (t, k) => (asked.push(`has ${String(k)}`), k in t),
    get: (t, k) => (asked.push(`get ${String(k)}`), t[k]),
  });
  const c = new init({}, p);
  assert.equal(c.info().timeout, 5000);
  assert.deepEqual(asked.filter((a) => a.startsWith('has') || a.startsWith('get')).slice(0, 12), [
    'has libraries', 'get libraries', 'get maxMemory', 'get maxInstructions', 'get timeout', 'get allowBytecode',
    'get filesystem', 'get print', 'get binaryStrings', 'get strictConversion', 'get tableAs', 'has shared',
  ]);
});

test('a getter that throws: a limit is LUA_INVALID_ARGUMENT with its message, any other option throws as it is', () => {
  const boom = new Error('boom');
  for (const name of ['maxMemory', 'maxInstructions', 'timeout']) {
    throwsExactly(() => new init({}, { get [name]() { throw boom; } }), Error, 'boom', 'LUA_INVALID_ARGUMENT');
  }
  for (const name of ['libraries', 'print', 'tableAs', 'filesystem']) {
    assert.throws(() => new init({}, { get [name]() { throw boom; } }), (e) => e === boom, name);
  }
  const trap = new Proxy({}, { has: () => { throw boom; } });
  assert.throws(() => new init({}, trap), (e) => e === boom);
  const keys = new Proxy({}, { ownKeys: () => { throw boom; } });
  assert.throws(() => new init({}, keys), (e) => e === boom);
  // The reader is left ready for the next context.
  assert.equal(new init({}, { libraries: 'all' }).execute_script('return 1 + 1'), 2);
});

test('an unknown option stops before any option is read, with the same hint', () => {
  let read = false;
  const o = { get libraries() { read = true; return 'all'; }, maxMemroy: 1 };
  throwsExactly(() => new init({}, o), TypeError, /new init\(\): unknown option 'maxMemroy' \(did you mean 'maxMemory'\?\)/);
  assert.equal(read, false);
  throwsExactly(() => new init({}, { libraries: 'all', 'ünïcode': 1 }), TypeError, /unknown option 'ünïcode'/);
});

test('validation runs on the values in the old order and with the old texts', () => {
  throwsExactly(() => new init({}, { libraries: 5, maxMemory: -1 }), TypeError, "libraries must be 'all', 'safe', 'sandbox', or an array of library names");
  throwsExactly(() => new init({}, { maxMemory: -1, tableAs: 'x' }), RangeError, 'maxMemory must be a non-negative number');
  throwsExactly(() => new init({}, { tableAs: 'x' }), TypeError, "tableAs must be 'object' or 'map', got 'x'");
  throwsExactly(() => new init({}, { libraries: undefined }), TypeError, "libraries must be 'all', 'safe', 'sandbox', or an array of library names");
  assert.deepEqual(new init({}, {}).info().libraries, []);
});

test('built-ins a script replaced do not change how options are read', () => {
  const has = Set.prototype.has;
  Set.prototype.has = () => {
    throw new Error('patched Set.prototype.has');
  };
  Object.defineProperty(Array.prototype, '5', { set() { throw new Error('an index setter'); }, configurable: true });
  let c;
  try {
    c = new init({}, { libraries: 'all', maxMemory: 1 << 22, tableAs: 'map' });
  } finally {
    Set.prototype.has = has;
    delete Array.prototype[5];
  }
  assert.equal(c.info().memoryLimit, 1 << 22);
  assert.equal(c.execute_script('return 7'), 7);
});

test('a getter that makes another context in the middle of a read, then throws, is still a limit error', () => {
  const o = {
    get maxMemory() {
      assert.equal(new init({}, { libraries: ['base'], timeout: 1000 }).execute_script('return 3'), 3);
      throw new Error('after a nested context');
    },
  };
  throwsExactly(() => new init({}, o), Error, 'after a nested context', 'LUA_INVALID_ARGUMENT');
});
