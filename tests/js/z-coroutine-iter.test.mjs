// EVOLUTION B10 (coroutine bullets): create_coroutine(body: string | LuaFunction) and
// iterable coroutine objects. Texts not in the spec (this project's): "Lua function belongs
// to a different Lua context" (a wrapper of another context or of a replaced state as the body).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { throwsExactly, assertUsable } from './helpers.mjs';

const co = (callbacks) => new lua_native.init(callbacks, { libraries: ['base', 'coroutine'] });
const GEN = 'return function() for i = 1, 3 do coroutine.yield(i) end return "last" end';

test('B10 create_coroutine accepts a held Lua function of this context', () => {
  const c = co();
  const f = c.execute_script('return function(a, b) local x = coroutine.yield(a + b) return x * 2 end');
  const k = c.create_coroutine(f);
  assert.equal(k.status, 'suspended');
  assert.deepEqual(c.resume(k, 1, 2), { status: 'suspended', values: [3] });
  assert.deepEqual(c.resume(k, 10), { status: 'dead', values: [20] });
  // The same function can make several independent coroutines.
  const k2 = c.create_coroutine(f);
  assert.deepEqual(c.resume(k2, 5, 5), { status: 'suspended', values: [10] });
  // The wrapper is still an ordinary Lua function (its yield fails outside a coroutine).
  throwsExactly(() => f(1, 1), Error, /attempt to yield from outside a coroutine/, 'LUA_RUNTIME');
});

test('B10 create_coroutine refuses a JS function and a script not returning a function', () => {
  const c = co();
  throwsExactly(() => c.create_coroutine(() => 1), TypeError, 'JavaScript function cannot be a coroutine body', 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.create_coroutine(function named() {}), TypeError, 'JavaScript function cannot be a coroutine body', 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.create_coroutine('return 42'), TypeError, 'Script must return a function');
  throwsExactly(() => c.create_coroutine('local x = 1'), TypeError, 'Script must return a function');
  for (const bad of [[], [42], [null], [{}], [undefined]]) {
    throwsExactly(() => c.create_coroutine(...bad), TypeError, 'Expected a script string that returns a function, or a Lua function', 'LUA_INVALID_ARGUMENT');
  }
  assertUsable(c);
});

test('B10 a Lua function of another context, of a replaced state, or released is refused', () => {
  const a = co();
  const b = co();
  const fa = a.execute_script('return function() end');
  throwsExactly(() => b.create_coroutine(fa), Error, 'Lua function belongs to a different Lua context', 'LUA_FOREIGN_CONTEXT');
  a.reset();
  throwsExactly(() => a.create_coroutine(fa), Error, 'Lua function belongs to a different Lua context', 'LUA_FOREIGN_CONTEXT');
  const g = a.execute_script('return function() end');
  a.release(g);
  throwsExactly(() => a.create_coroutine(g), Error, 'Lua function has been released', 'LUA_RELEASED');
});

test('B10 each yield is one step; the final return arrives with done: true and for..of drops it', () => {
  const c = co();
  const k = c.create_coroutine(GEN);
  const it = k[Symbol.iterator]();
  assert.deepEqual(it.next(), { value: 1, done: false });
  assert.deepEqual(it.next(), { value: 2, done: false });
  assert.deepEqual(it.next(), { value: 3, done: false });
  assert.deepEqual(it.next(), { value: 'last', done: true });
  assert.deepEqual(it.next(), { value: undefined, done: true });
  assert.equal(k.status, 'dead');
  assert.deepEqual([...c.create_coroutine(GEN)], [1, 2, 3]);
  const seen = [];
  for (const v of c.create_coroutine(GEN)) seen.push(v);
  assert.deepEqual(seen, [1, 2, 3]);
});

test('B10 a multi-value yield arrives as an array; none as undefined', () => {
  const c = co();
  const k = c.create_coroutine('return function() coroutine.yield(1, "b", true) coroutine.yield() coroutine.yield(nil) return 4, 5 end');
  const it = k[Symbol.iterator]();
  assert.deepEqual(it.next(), { value: [1, 'b', true], done: false });
  assert.deepEqual(it.next(), { value: undefined, done: false });
  assert.deepEqual(it.next(), { value: null, done: false });
  assert.deepEqual(it.next(), { value: [4, 5], done: true });
});

test('B10 a dead or finished coroutine iterates empty', () => {
  const c = co();
  const done = c.create_coroutine('return function() return 1 end');
  c.resume(done);
  assert.deepEqual([...done], []);
  assert.deepEqual(done[Symbol.iterator]().next(), { value: undefined, done: true });
  const failed = c.create_coroutine('return function() error("x") end');
  c.resume(failed);
  assert.deepEqual([...failed], []);
  const lua = c.execute_script('local t = coroutine.create(function() end) coroutine.resume(t) return t');
  assert.equal(lua.status, 'dead');
  assert.deepEqual([...lua], []);
});

test('B10 breaking out leaves the coroutine suspended; a new cursor goes on from there', () => {
  const c = co();
  const k = c.create_coroutine(GEN);
  for (const v of k) {
    if (v === 2) break;
  }
  assert.equal(k.status, 'suspended');
  assert.deepEqual(c.resume(k), { status: 'suspended', values: [3] });
  assert.deepEqual([...k], [], 'the return is dropped');
  assert.equal(k.status, 'dead');
});

test('B10 each [Symbol.iterator]() is an independent cursor over the same thread', () => {
  const c = co();
  const k = c.create_coroutine(GEN);
  const a = k[Symbol.iterator]();
  const b = k[Symbol.iterator]();
  assert.notEqual(a, b);
  assert.deepEqual(a.next(), { value: 1, done: false });
  assert.deepEqual(b.next(), { value: 2, done: false });
  a.return();
  assert.deepEqual(a.next(), { value: undefined, done: true }, 'a returned cursor is done');
  assert.deepEqual(b.next(), { value: 3, done: false }, 'the other one is not');
  assert.equal(b[Symbol.iterator](), b, 'a cursor is its own iterator');
});

test('B10 next(...args) sends resume values', () => {
  const c = co();
  const k = c.create_coroutine('return function(first) local sum = first while true do local n = coroutine.yield(sum) if not n then return "total " .. sum end sum = sum + n end end');
  const it = k[Symbol.iterator]();
  assert.deepEqual(it.next(10), { value: 10, done: false });
  assert.deepEqual(it.next(5), { value: 15, done: false });
  assert.deepEqual(it.next(1, 'extra'), { value: 16, done: false });
  assert.deepEqual(it.next(), { value: 'total 16', done: true });
});

test('B10 an error inside the coroutine throws from next() and ends the cursor', () => {
  const c = co({ fail: () => { throw new Error('js side'); } });
  const k = c.create_coroutine('return function() coroutine.yield(1) error("oops") end');
  const it = k[Symbol.iterator]();
  assert.deepEqual(it.next(), { value: 1, done: false });
  const e = throwsExactly(() => it.next(), Error, '[string "return function() coroutine.yield(1) error("o..."]:1: oops', 'LUA_RUNTIME');
  assert.ok(e);
  assert.equal(k.status, 'dead');
  assert.deepEqual(it.next(), { value: undefined, done: true });
  const k2 = c.create_coroutine('return function() fail() end');
  // The callback's Error comes back as itself (B6).
  throwsExactly(() => [...k2], Error, 'js side');
  assertUsable(c);
});

test('B10 Object.keys and the coroutine shape are unchanged; the iterator is not enumerable', () => {
  const c = co();
  const k = c.create_coroutine('return function() end');
  assert.deepEqual(Object.keys(k), ['_coroutine', 'status']);
  assert.equal(typeof k[Symbol.iterator], 'function');
  assert.equal(Object.getOwnPropertyDescriptor(k, Symbol.iterator).enumerable, false);
  assert.deepEqual(JSON.parse(JSON.stringify(k)), { _coroutine: {}, status: 'suspended' });
  // Returned from Lua, a thread is iterable as well; passed back it is a plain table as before.
  const t = c.execute_script('return coroutine.create(function() coroutine.yield("x") end)');
  assert.deepEqual([...t], ['x']);
  assert.equal(c.execute_script('return function(v) return type(v) end')(k), 'table');
});

test('B10 hostile: re-entrant next() from inside the coroutine\'s own callback is refused cleanly', () => {
  let it;
  const caught = [];
  const c = co({
    reenter: () => {
      try {
        it.next();
      } catch (e) {
        caught.push([e.message, e.code]);
      }
      return 'back';
    },
    reenterUncaught: () => it.next(),
  });
  const k = c.create_coroutine('return function() local r = reenter() coroutine.yield(r) coroutine.yield("after") end');
  it = k[Symbol.iterator]();
  assert.deepEqual(it.next(), { value: 'back', done: false });
  assert.deepEqual(caught, [['cannot resume non-suspended coroutine', 'LUA_RUNTIME']]);
  assert.deepEqual(it.next(), { value: 'after', done: false }, 'the refused inner step did not end the cursor');
  assert.equal(k.status, 'suspended');
  // Left uncaught, the refusal kills the coroutine through the callback error.
  const k2 = c.create_coroutine('return function() reenterUncaught() end');
  it = k2[Symbol.iterator]();
  throwsExactly(() => it.next(), Error, 'cannot resume non-suspended coroutine', 'LUA_RUNTIME');
  assert.equal(k2.status, 'dead');
  // resume() of the running coroutine from inside is refused in its result.
  let inner;
  const c2 = co({ peek: () => { inner = c2.resume(k3); return 1; } });
  const k3 = c2.create_coroutine('return function() peek() coroutine.yield(2) end');
  assert.deepEqual([...k3], [2]);
  assert.equal(inner.error, 'cannot resume non-suspended coroutine');
  assertUsable(c);
});

test('B10 hostile: iterating while the context is busy or disposed, and after release', async () => {
  const c = co();
  const k = c.create_coroutine(GEN);
  const it = k[Symbol.iterator]();
  const slow = c.execute_script_async('local x = 0 for i = 1, 3e6 do x = x + i end return x');
  throwsExactly(() => it.next(), Error, 'Lua context is busy with an async operation', 'LUA_BUSY');
  await slow;
  assert.deepEqual(it.next(), { value: 1, done: false }, 'a refused step left the cursor usable');
  c.release(k);
  throwsExactly(() => it.next(), Error, 'coroutine has been released', 'LUA_RELEASED');
  const k2 = c.create_coroutine(GEN);
  c.dispose();
  throwsExactly(() => [...k2], Error, 'the Lua context has been closed', 'LUA_DISPOSED');
});

test('B10 hostile: a cursor whose step is called on a forged object throws a TypeError', () => {
  const c = co();
  const k = c.create_coroutine(GEN);
  const iterate = k[Symbol.iterator];
  throwsExactly(() => iterate.call({}).next(), TypeError, 'Invalid coroutine object');
  throwsExactly(() => iterate.call({ _coroutine: {} }).next(), TypeError, 'Invalid coroutine object');
  assert.deepEqual(iterate.call(k).next(), { value: 1, done: false });
});

test('B10 a coroutine made from a Lua function iterates; values convert as resume converts them', () => {
  const c = co();
  const f = c.execute_script('return function() coroutine.yield({ a = 1 }, { 1, 2 }) coroutine.yield(function() return 7 end) end');
  const it = c.create_coroutine(f)[Symbol.iterator]();
  assert.deepEqual(it.next().value, [{ a: 1 }, [1, 2]]);
  const g = it.next().value;
  assert.equal(typeof g, 'function');
  assert.equal(g(), 7);
  assert.deepEqual(it.next(), { value: undefined, done: true });
});
