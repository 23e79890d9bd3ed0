// EVOLUTION B1: set_userdata(name, obj, { readable?, writable?, methods? }).
// Texts not in the spec (this project's): the TypeErrors for a bad `methods`
// ("set_userdata(): options.methods must be an object",
// "set_userdata(): method '<name>' must be a function").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable, rejection } from './helpers.mjs';

const RESET_INSIDE = 'reset() cannot be called while Lua is executing (from inside a host callback, metamethod, or __gc finalizer)';
const DISPOSE_INSIDE = 'dispose() cannot be called while Lua is executing (from inside a host callback, metamethod, or __gc finalizer)';

function counter() {
  const obj = { n: 0 };
  const methods = {
    add(self, by) {
      self.n += by;
      return self.n;
    },
    get(self) {
      return self.n;
    },
  };
  return { obj, methods };
}

test('B1 obj:method(...) calls the JS method with the original object as self, then the Lua arguments', () => {
  const c = ctx(['base']);
  const { obj, methods } = counter();
  c.set_userdata('ctr', obj, { methods });
  assert.equal(c.execute_script('ctr:add(2) return ctr:add(3)'), 5);
  assert.equal(obj.n, 5);
  assert.equal(c.execute_script('return ctr:get()'), 5);
  const seen = [];
  c.set_userdata('o', obj, { methods: { spy: (...args) => { seen.push(args); } } });
  c.execute_script('o:spy(1, "two", nil, true)');
  assert.equal(seen.length, 1);
  assert.equal(seen[0][0], obj, 'self is the very same object');
  assert.deepEqual(seen[0].slice(1), [1, 'two', null, true]);
});

test('B1 self identity: `this` is the object too, and the userdata itself goes back to JS as the object', () => {
  const c = ctx(['base']);
  const obj = { tag: 'me' };
  let self;
  let me;
  c.set_userdata('u', obj, { methods: { who(s) { self = s; me = this; return s; } } });
  assert.equal(c.execute_script('return u:who()'), obj);
  assert.equal(self, obj);
  assert.equal(me, obj);
  assert.equal(c.execute_script('return u'), obj);
  assert.equal(c.get_global('u'), obj);
  assert.equal(c.execute_script('return rawequal(u:who(), u)'), true, 'the returned object is the same userdata in Lua');
});

test('B1 u.method is a function, the same one on every read', () => {
  const c = ctx(['base']);
  const { obj, methods } = counter();
  c.set_userdata('ctr', obj, { methods });
  assert.deepEqual(c.execute_script('return type(ctr.add), ctr.add == ctr.add, rawequal(ctr.get, ctr.get)'), ['function', true, true]);
  // Called with `.`, the first argument still stands for the receiver.
  assert.equal(c.execute_script('local f = ctr.add return f(ctr, 10)'), 10);
  assert.equal(c.execute_script('local f = ctr.add return f(nil, 1)'), 11, 'self is the registered object whatever the receiver');
});

test('B1 methods win over properties when the names collide', () => {
  const c = ctx(['base']);
  const obj = { name: 'prop', size: 3 };
  c.set_userdata('u', obj, { readable: true, writable: true, methods: { name: () => 'method' } });
  assert.equal(c.execute_script('return u:name()'), 'method');
  assert.equal(c.execute_script('return type(u.name)'), 'function');
  assert.equal(c.execute_script('return u.size'), 3, 'other keys read the properties');
  c.execute_script('u.name = "written"');
  assert.equal(obj.name, 'written', 'a write goes to the property');
  assert.equal(c.execute_script('return u:name()'), 'method', 'and the method still wins');
});

test('B1 methods work without readable or writable; a missing key reads as nil', () => {
  const c = ctx(['base']);
  const { obj, methods } = counter();
  c.set_userdata('ctr', obj, { methods });
  assert.equal(c.execute_script('return ctr:add(1)'), 1);
  assert.deepEqual(c.execute_script('return ctr.n, ctr.missing, ctr[1], ctr[true]'), [null, null, null, null]);
  assert.equal(c.execute_script('return type(ctr)'), 'userdata');
  throwsExactly(() => c.execute_script('ctr.n = 5'), Error, "Error writing property 'n': userdata is not writable", 'LUA_RUNTIME');
  assert.equal(obj.n, 1);
  // A readable one reads its properties; a missing one is nil.
  const o2 = { x: 7 };
  c.set_userdata('r', o2, { readable: true, methods: { x2: (s) => s.x * 2 } });
  assert.deepEqual(c.execute_script('return r.x, r:x2(), r.nope'), [7, 14, null]);
  // Calling a missing method is Lua's own error.
  throwsExactly(() => c.execute_script('return ctr:nope()'), Error, /attempt to call a nil value \(method 'nope'\)/, 'LUA_RUNTIME');
});

test('B1 userdata without methods is unchanged (opaque index errors; empty methods count as none)', () => {
  const c = ctx(['base']);
  c.set_userdata('h', { secret: 1 });
  throwsExactly(() => c.execute_script('return h.secret'), Error, /attempt to index a lua_native_userdata value \(global 'h'\)/, 'LUA_RUNTIME');
  c.set_userdata('e', { secret: 1 }, { methods: {} });
  throwsExactly(() => c.execute_script('return e.secret'), Error, /attempt to index a lua_native_userdata value \(global 'e'\)/, 'LUA_RUNTIME');
  c.set_userdata('w', { x: 1 }, { writable: true });
  throwsExactly(() => c.execute_script('return w.x'), Error, "Error reading property 'x': userdata is not readable", 'LUA_RUNTIME');
  c.set_userdata('u', {}, { methods: undefined });
  assert.match(c.execute_script('return tostring(u)'), /^lua_native_userdata: /);
  c.set_userdata('m', {}, { methods: { f() {} } });
  assert.match(c.execute_script('return tostring(m)'), /^lua_native_proxy_userdata: /);
});

test('B1 a throwing method raises a Lua error, catchable by pcall; non-Error throws too', () => {
  const c = ctx(['base']);
  c.set_userdata('u', {}, {
    methods: {
      boom() { throw new Error('bad'); },
      str() { throw 'plain string'; },
      num() { throw 42; },
      nul() { throw null; },
      sym() { return Symbol('x'); },
    },
  });
  // A thrown Error comes back to JS as itself (B6); in Lua it is a table with its message.
  const e = throwsExactly(() => c.execute_script('u:boom()'), Error, 'bad');
  assert.equal(e.code, undefined, 'the caller\'s own Error, untouched');
  assert.deepEqual(c.execute_script('local ok, e = pcall(u.boom, u) return ok, e.message'), [false, 'bad']);
  // A thrown primitive becomes its text (B6).
  throwsExactly(() => c.execute_script('u:str()'), Error, "Host function 'str' threw an exception: plain string", 'LUA_RUNTIME');
  throwsExactly(() => c.execute_script('u:num()'), Error, "Host function 'num' threw an exception: 42", 'LUA_RUNTIME');
  throwsExactly(() => c.execute_script('u:nul()'), Error, "Host function 'nul' threw an exception: null", 'LUA_RUNTIME');
  throwsExactly(() => c.execute_script('u:sym()'), Error, "Host function 'sym' threw an exception: Cannot convert a JavaScript Symbol to a Lua value", 'LUA_RUNTIME');
  assertUsable(c);
});

test('B1 during a worker async run a method is refused with the spec text', async () => {
  const c = ctx(['base']);
  let called = 0;
  c.set_userdata('u', {}, { methods: { ping() { called++; return 1; } } });
  const e = await rejection(c.execute_script_async('return u:ping()'));
  assert.equal(e.message, `[string "return u:ping()"]:1: JS callbacks are not available in async mode (called method 'ping')`);
  assert.deepEqual(await c.execute_script_async('return pcall(u.ping, u)'), [false, `JS callbacks are not available in async mode (called method 'ping')`]);
  assert.deepEqual(await c.execute_script_async('return type(u.ping), u.other'), ['function', null], 'reading a method is fine');
  assert.equal(called, 0);
  assert.equal(c.execute_script('return u:ping()'), 1, 'works again afterwards');
});

test('B1 invalid methods: clear TypeErrors, nothing registered', () => {
  const c = ctx(['base']);
  for (const bad of [null, 1, 'str', true]) {
    throwsExactly(() => c.set_userdata('u', {}, { methods: bad }), TypeError, 'set_userdata(): options.methods must be an object', 'LUA_INVALID_ARGUMENT');
  }
  throwsExactly(() => c.set_userdata('u', {}, { methods: { ok() {}, bad: 3 } }), TypeError, "set_userdata(): method 'bad' must be a function", 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.set_userdata('u', {}, { methods: { s: 'x' } }), TypeError, "set_userdata(): method 's' must be a function", 'LUA_INVALID_ARGUMENT');
  assert.equal(c.get_global('u'), null);
  assert.equal(c.info().bindingRefs.userdata, 0);
  assert.equal(c.info().bindingRefs.userdataMethods, 0);
});

test('B1 hostile: a methods object with a throwing getter throws that error; nothing registered', () => {
  const c = ctx(['base']);
  const methods = { ok() {} };
  Object.defineProperty(methods, 'bad', { enumerable: true, get() { throw new RangeError('getter boom'); } });
  throwsExactly(() => c.set_userdata('u', {}, { methods }), RangeError, 'getter boom');
  const options = {};
  Object.defineProperty(options, 'methods', { get() { throw new Error('options getter'); } });
  throwsExactly(() => c.set_userdata('u', {}, options), Error, 'options getter');
  assert.equal(c.get_global('u'), null);
  assertUsable(c);
});

test('B1 hostile: a getter that disposes the context is seen before anything is registered', () => {
  const c = ctx(['base']);
  const methods = {};
  Object.defineProperty(methods, 'm', { enumerable: true, get() { c.dispose(); return () => 1; } });
  throwsExactly(() => c.set_userdata('u', {}, { methods }), Error, 'the Lua context has been closed', 'LUA_DISPOSED');
});

test('B1 hostile: methods on a frozen object (and a frozen methods object) work', () => {
  const c = ctx(['base']);
  const obj = Object.freeze({ v: 3 });
  const methods = Object.freeze({ twice: (s) => s.v * 2 });
  c.set_userdata('f', obj, { readable: true, methods });
  assert.deepEqual(c.execute_script('return f:twice(), f.v'), [6, 3]);
  assert.equal(c.execute_script('return f'), obj);
});

test('B1 hostile: a method that calls back into the context works; reset and dispose from inside are refused', () => {
  const c = ctx(['base']);
  const obj = {};
  c.set_userdata('u', obj, {
    methods: {
      nested: (self, x) => c.execute_script(`return ${x} * 2`) + (c.get_global('u') === self ? 1 : 0),
      resets: () => c.reset(),
      disposes: () => c.dispose(),
    },
  });
  assert.equal(c.execute_script('return u:nested(20)'), 41);
  // The library's own refusal, thrown inside the method, comes back as itself (B6).
  throwsExactly(() => c.execute_script('u:resets()'), Error, RESET_INSIDE, 'LUA_BUSY');
  throwsExactly(() => c.execute_script('u:disposes()'), Error, DISPOSE_INSIDE, 'LUA_BUSY');
  assertUsable(c);
  assert.equal(c.execute_script('return u:nested(1)'), 3);
});

test('B1 reset() clears set_userdata objects and their methods (they are not replayed)', () => {
  const c = ctx(['base']);
  const { obj, methods } = counter();
  c.set_userdata('ctr', obj, { methods });
  assert.equal(c.info().bindingRefs.userdataMethods, 1);
  c.reset();
  assert.equal(c.get_global('ctr'), null);
  assert.equal(c.info().bindingRefs.userdataMethods, 0);
  c.set_userdata('ctr', obj, { methods });
  assert.equal(c.execute_script('return ctr:add(4)'), 4);
});

test('B1 bindingRefs.userdataMethods counts objects with methods (not entries), and drops when Lua collects them', async () => {
  const c = ctx(['base']);
  c.set_userdata('a', {}, { methods: { f() {}, g() {}, h() {} } });
  c.set_userdata('b', {}, { methods: { f() {} } });
  c.set_userdata('plain', {});
  let r = c.info().bindingRefs;
  assert.equal(r.userdataMethods, 2);
  assert.equal(r.userdata, 3);
  c.execute_script('a = nil collectgarbage() collectgarbage()');
  r = c.info().bindingRefs;
  assert.equal(r.userdataMethods, 1);
  assert.equal(r.userdata, 2);
});

test('B1 hostile: a method kept after the userdata was collected still gets its object', () => {
  const c = ctx(['base']);
  const obj = { n: 1 };
  c.set_userdata('u', obj, { methods: { read: (self) => [self === obj, self.n, c.get_global('u')] } });
  c.execute_script('keep = u.read u = nil collectgarbage() collectgarbage()');
  assert.equal(c.info().bindingRefs.userdata, 0, 'the object itself was let go');
  const [same, n, global] = c.execute_script('return keep()');
  assert.equal(same, true);
  assert.equal(n, 1);
  assert.equal(global ?? null, null, 'the global is gone (a trailing nil ends the array)');
  // The same object given again is a new registration with its own methods.
  c.set_userdata('u', obj, { methods: { read: () => 'again' } });
  assert.equal(c.execute_script('return u:read()'), 'again');
});

test('B1 the object goes back to Lua as the same userdata, methods included', () => {
  const c = new lua_native.init({ echo: (o) => o }, { libraries: ['base'] });
  const { obj, methods } = counter();
  c.set_userdata('ctr', obj, { methods });
  assert.deepEqual(c.execute_script('local e = echo(ctr) return rawequal(e, ctr), e:add(2)'), [true, 2]);
  const f = c.execute_script('return function(o) return o:add(1) end');
  assert.equal(f(obj), 3);
});

test('B1 method names: any string key, numbers and other keys do not find methods', () => {
  const c = ctx(['base']);
  c.set_userdata('u', {}, { methods: { 'with space': () => 'sp', 1: () => 'one', '': () => 'empty' } });
  assert.deepEqual(c.execute_script('return u["with space"](u), u["1"](u), u[""](u), u[1]'), ['sp', 'one', 'empty', null]);
});

test('B1 arguments that cannot be converted, and errors in Lua inside a method call', () => {
  const c = ctx(['base']);
  const got = [];
  c.set_userdata('u', {}, { methods: { take: (self, v) => { got.push(typeof v); return v; } } });
  assert.equal(c.execute_script('return type(u:take(function() end))'), 'function');
  assert.deepEqual(got, ['function']);
  assert.deepEqual(c.execute_script('return pcall(function() return u:take(1) + nil end)')[0], false);
});

test('B1 hostile: release() of the object is refused; releasing a method\'s JS wrapper leaves the method in Lua', () => {
  const c = ctx(['base']);
  const obj = { n: 1 };
  c.set_userdata('u', obj, { methods: { get: (self) => self.n } });
  throwsExactly(() => c.release(obj), TypeError, 'release(value) requires a Lua function, coroutine, or table reference', 'LUA_INVALID_ARGUMENT');
  const f = c.execute_script('return u.get');
  assert.equal(f(null), 1, 'a method read into JS is a Lua function wrapper; self is still the object');
  c.release(f);
  throwsExactly(() => f(null), Error, 'Lua function has been released', 'LUA_RELEASED');
  assert.equal(c.execute_script('return u:get()'), 1);
});
