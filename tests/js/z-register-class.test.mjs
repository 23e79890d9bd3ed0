// EVOLUTION B4: register_class(name, def) — constructors, extends, methods,
// metamethods, properties with getters and setters, statics, readable /
// writable, re-registration after reset().
// Texts not in the spec (this project's):
//   "register_class(name, def) requires a string name and a definition object"
//   "register_class(): '<field>' must be an object"
//   "register_class(): method '<k>' must be a function" (and metamethod)
//   "register_class(): property '<k>' must be an object with 'get' and/or 'set'"
//   "register_class(): property '<k>' get must be a function" (and set)
//   "register_class(): metamethod '<k>' belongs to the class mechanism"
//   "register_class(): class '<n>' would make a chain of more than 32 classes"
//   "<Name>.new(): construct must return an object"
//   "bad argument #1 to '<method>' (<Name> expected, got <type>)"
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ctx, throwsExactly, assertUsable, rejection } from './helpers.mjs';

const RESET_INSIDE = 'reset() cannot be called while Lua is executing (from inside a host callback, metamethod, or __gc finalizer)';

class Vec {
  constructor(x, y) {
    this.x = x;
    this.y = y;
  }
}

function vecDef(extra = {}) {
  return {
    construct: (x, y) => new Vec(x, y),
    methods: {
      len: (self) => Math.hypot(self.x, self.y),
      scale(self, k) {
        self.x *= k;
        self.y *= k;
        return this === self;
      },
    },
    metamethods: {
      __add: (a, b) => new Vec(a.x + b.x, a.y + b.y),
      __eq: (a, b) => a.x === b.x && a.y === b.y,
      __lt: (a, b) => a.x < b.x,
      __le: (a, b) => a.x <= b.x,
      __len: () => 2,
      __concat: (a, b) => `${a instanceof Vec ? 'V' : a}..${b instanceof Vec ? 'V' : b}`,
      __unm: (a) => new Vec(-a.x, -a.y),
      __tostring: (v) => `Vec(${v.x}, ${v.y})`,
      __call: (self, k) => self.x * k,
    },
    properties: {
      sum: { get: (self) => self.x + self.y },
      both: { set: (self, v) => { self.x = v; self.y = v; } },
      xy: { get: (self) => `${self.x},${self.y}`, set: (self, s) => { [self.x, self.y] = s.split(',').map(Number); } },
    },
    statics: { ZERO: 0, unit: [1, 0], describe: () => 'a 2D vector' },
    ...extra,
  };
}

test('B4 Name.new(...) makes an instance whose methods get the original JS object as self (and this)', () => {
  const c = ctx(['base']);
  const made = [];
  c.register_class('Vec', vecDef({ construct: (x, y) => { const v = new Vec(x, y); made.push(v); return v; } }));
  assert.deepEqual(c.execute_script('local v = Vec.new(3, 4) return v:len(), type(v)'), [5, 'userdata']);
  assert.equal(made.length, 1);
  const v = c.execute_script('v = Vec.new(1, 2) assert(v:scale(10)) return v');
  assert.equal(v, made[1], 'the same JS object comes back');
  assert.ok(v instanceof Vec);
  assert.deepEqual([v.x, v.y], [10, 20]);
  c.set_global('echo', (o) => o);
  assert.equal(c.execute_script('return rawequal(echo(v), v)'), true, 'and goes back to Lua as the same userdata');
});

test('B4 every listed metamethod works with instances converted to their JS objects', () => {
  const c = ctx(['base', 'string']);
  c.register_class('Vec', vecDef());
  const got = c.execute_script(`
    local a, b = Vec.new(1, 2), Vec.new(3, 4)
    local s = a + b
    return type(s), s.x, s.y, a == Vec.new(1, 2), a ~= b, a < b, b <= a, #a, a .. 'x', 'y' .. b,
           (-a).x, tostring(b), a(7)`);
  assert.deepEqual(got, ['table', 4, 6, true, true, true, false, 2, 'V..x', 'y..V', -1, 'Vec(3, 4)', 7]);
});

test('B4 a JS object built inside a handler is not tagged: it arrives as a plain table', () => {
  const c = ctx(['base']);
  c.register_class('Vec', vecDef());
  c.set_global('make', () => new Vec(5, 6));
  assert.deepEqual(c.execute_script('local v = make() return type(v), v.x, v.len'), ['table', 5, null]);
});

test('B4 properties: getters and setters, read-only and write-only texts; lookup precedence', () => {
  const c = ctx(['base']);
  c.register_class('Vec', vecDef({ readable: true, writable: true, methods: { x: () => 'method x', len: (s) => Math.hypot(s.x, s.y) }, properties: { sum: { get: (s) => s.x + s.y }, both: { set: (s, v) => { s.x = v; s.y = v; } }, len: { get: () => 'getter len' }, y: { get: () => 'getter y' } } }));
  assert.equal(c.execute_script('local v = Vec.new(3, 4) return v.sum'), 7);
  assert.equal(c.execute_script('local v = Vec.new(3, 4) v.both = 9 return v.sum'), 18);
  assert.equal(c.execute_script('return type(Vec.new(1, 1).x)'), 'function', 'a method wins over a readable property');
  assert.equal(c.execute_script('return Vec.new(3, 4):len()'), 5, 'a method wins over an accessor');
  assert.equal(c.execute_script('return Vec.new(3, 4).y'), 'getter y', 'an accessor wins over a readable property');
  throwsExactly(() => c.execute_script('Vec.new(1, 1).sum = 3'), Error, "property 'sum' of class 'Vec' is read-only", 'LUA_RUNTIME');
  throwsExactly(() => c.execute_script('return Vec.new(1, 1).both'), Error, "property 'both' of class 'Vec' is write-only", 'LUA_RUNTIME');
  assert.deepEqual(c.execute_script('local ok, e = pcall(function() Vec.new(1, 1).sum = 1 end) return ok, e'), [false, "property 'sum' of class 'Vec' is read-only"]);
  assertUsable(c);
});

test('B4 readable / writable give the plain properties; without them a missing key reads nil and a write fails', () => {
  const c = ctx(['base']);
  c.register_class('Open', { construct: () => ({ a: 1 }), readable: true, writable: true });
  assert.deepEqual(c.execute_script('local o = Open.new() o.b = 2 return o.a, o.b, o.c'), [1, 2, null]);
  c.register_class('Shut', { construct: () => ({ a: 1 }) });
  assert.deepEqual(c.execute_script('local o = Shut.new() return o.a, o.zzz, o[1]'), [null, null, null]);
  throwsExactly(() => c.execute_script('Shut.new().a = 2'), Error, "Error writing property 'a': userdata is not writable", 'LUA_RUNTIME');
  c.register_class('ReadOnly', { construct: () => ({ a: 1 }), readable: 'yes' });
  assert.equal(c.execute_script('return ReadOnly.new().a'), null, 'only an actual true counts');
});

test('B4 a throwing getter reaches the script (pcall sees it) and JS as the same error object', () => {
  const c = ctx(['base']);
  const boom = new RangeError('getter boom');
  c.register_class('G', { construct: () => ({}), methods: { m: () => 1 }, properties: { bad: { get: () => { throw boom; } } } });
  assert.deepEqual(c.execute_script('local ok, e = pcall(function() return G.new().bad end) return ok, type(e), e.message'), [false, 'table', 'getter boom']);
  let caught;
  try { c.execute_script('return G.new().bad'); } catch (e) { caught = e; }
  assert.equal(caught, boom);
  assertUsable(c);
});

test('B4 statics are converted once at registration; new is reserved', () => {
  const c = ctx(['base']);
  const statics = { count: 1, list: [1, 2], f: (a) => a * 2 };
  c.register_class('Vec', vecDef({ statics }));
  statics.count = 99;
  assert.deepEqual(c.execute_script('return Vec.count, Vec.list[2], Vec.f(21), type(Vec.new)'), [1, 2, 42, 'function']);
  throwsExactly(() => c.register_class('X', { construct: () => ({}), statics: { new: 1 } }), Error, "register_class(): static 'new' is reserved — it is the constructor", 'LUA_INVALID_ARGUMENT');
  assert.equal(c.get_global('X'), null);
});

test('B4 extends: methods, metamethods and accessors are inherited; readable/writable and statics are not', () => {
  const c = ctx(['base']);
  c.register_class('Vec', vecDef({ readable: true }));
  c.register_class('Vec3', {
    extends: 'Vec',
    construct: (x, y, z) => Object.assign(new Vec(x, y), { z }),
    methods: { len: (s) => Math.hypot(s.x, s.y, s.z), z2: (s) => s.z * 2 },
  });
  const got = c.execute_script('local w = Vec3.new(2, 3, 6) return w:len(), w:z2(), w.sum, tostring(w), #w, w.z, Vec3.ZERO, getmetatable(w).__name');
  assert.deepEqual(got, [7, 12, 5, 'Vec(2, 3)', 2, null, null, 'Vec3']);
  // A base method accepts a derived instance; a derived method refuses a base one.
  assert.equal(c.execute_script('local w = Vec3.new(3, 4, 0) local v = Vec.new(3, 4) return getmetatable(v).__name'), 'Vec');
  assert.equal(c.execute_script('local w = Vec3.new(3, 4, 12) return Vec.new(0, 0).len(w)'), 5);
  throwsExactly(() => c.execute_script('local w = Vec3.new(1, 1, 1) return w.z2(Vec.new(1, 1))'), Error, '[string "local w = Vec3.new(1, 1, 1) return w.z2(Vec.n..."]:1: bad argument #1 to \'z2\' (Vec3 expected, got Vec)', 'LUA_RUNTIME');
});

test('B4 extends: errors, and the chain is capped at 32', () => {
  const c = ctx(['base']);
  throwsExactly(() => c.register_class('A', { extends: 'Nope', construct: () => ({}) }), Error, "register_class(): base class 'Nope' is not registered", 'LUA_INVALID_ARGUMENT');
  for (const bad of [1, {}, null, true]) {
    throwsExactly(() => c.register_class('A', { extends: bad, construct: () => ({}) }), TypeError, "register_class(): 'extends' must be the name of a registered class", 'LUA_INVALID_ARGUMENT');
  }
  c.register_class('C1', { construct: () => ({}), methods: { depth: () => 1 } });
  for (let i = 2; i <= 32; i++) c.register_class(`C${i}`, { extends: `C${i - 1}`, construct: () => ({}) });
  assert.equal(c.execute_script('return C32.new():depth()'), 1, 'inherited through 31 levels');
  throwsExactly(() => c.register_class('C33', { extends: 'C32', construct: () => ({}) }), Error, "register_class(): class 'C33' would make a chain of more than 32 classes", 'LUA_INVALID_ARGUMENT');
  assert.equal(c.get_global('C33'), null);
});

test('B4 registration errors: exact texts, nothing registered', () => {
  const c = ctx(['base']);
  const expected = 'register_class(name, def) requires a string name and a definition object';
  for (const args of [[], ['A'], [1, {}], ['A', null], ['A', 'def']]) throwsExactly(() => c.register_class(...args), TypeError, expected, 'LUA_INVALID_ARGUMENT');
  for (const def of [{}, { construct: 1 }, { construct: {} }]) {
    throwsExactly(() => c.register_class('A', def), TypeError, "register_class() definition requires a 'construct' function", 'LUA_INVALID_ARGUMENT');
  }
  const construct = () => ({});
  throwsExactly(() => c.register_class('A', { construct, properties: { p: {} } }), TypeError, "register_class(): property 'p' declares neither 'get' nor 'set'", 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.register_class('A', { construct, properties: { p: { get: 1 } } }), TypeError, "register_class(): property 'p' get must be a function", 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.register_class('A', { construct, properties: { p: 5 } }), TypeError, "register_class(): property 'p' must be an object with 'get' and/or 'set'", 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.register_class('A', { construct, methods: { m: 1 } }), TypeError, "register_class(): method 'm' must be a function", 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.register_class('A', { construct, metamethods: { __add: 'x' } }), TypeError, "register_class(): metamethod '__add' must be a function", 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.register_class('A', { construct, methods: 3 }), TypeError, "register_class(): 'methods' must be an object", 'LUA_INVALID_ARGUMENT');
  for (const owned of ['__index', '__newindex', '__gc', '__mode', '__metatable', '__name']) {
    throwsExactly(() => c.register_class('A', { construct, metamethods: { [owned]: () => 1 } }), TypeError, `register_class(): metamethod '${owned}' belongs to the class mechanism`, 'LUA_INVALID_ARGUMENT');
  }
  assert.equal(c.get_global('A'), null);
  c.register_class('A', { construct });
  throwsExactly(() => c.register_class('A', { construct }), Error, "class 'A' is already registered on this context", 'LUA_INVALID_ARGUMENT');
  assertUsable(c);
});

test('B4 construct: its errors reach the script; a non-object result is refused', () => {
  const c = ctx(['base']);
  const thrown = new TypeError('no');
  c.register_class('T', { construct: () => { throw thrown; } });
  let caught;
  try { c.execute_script('return T.new()'); } catch (e) { caught = e; }
  assert.equal(caught, thrown);
  c.register_class('Five', { construct: () => 5 });
  throwsExactly(() => c.execute_script('return Five.new()'), Error, '[string "return Five.new()"]:1: Five.new(): construct must return an object', 'LUA_RUNTIME');
  // An object already held stays the same userdata.
  const one = {};
  c.register_class('Single', { construct: () => one, methods: { is: (s) => s === one } });
  assert.deepEqual(c.execute_script('local a, b = Single.new(), Single.new() return rawequal(a, b), a:is()'), [true, true]);
});

test('B4 re-registration after reset(); classes are not replayed', () => {
  const c = ctx(['base']);
  c.register_class('Vec', vecDef());
  c.reset();
  assert.equal(c.get_global('Vec'), null);
  c.register_class('Vec', { construct: () => ({ v: 2 }), readable: true });
  assert.equal(c.execute_script('return Vec.new().v'), 2);
});

test('B4 an instance collected by Lua lets its JS object go; handed back, it is an instance again', () => {
  const c = ctx(['base']);
  const obj = new Vec(3, 4);
  c.register_class('Vec', vecDef({ construct: () => obj }));
  const before = c.info().bindingRefs.userdata;
  c.execute_script('local v = Vec.new() v = nil collectgarbage() collectgarbage()');
  assert.equal(c.info().bindingRefs.userdata, before, 'released when Lua collected it');
  c.execute_script('keep = Vec.new()');
  c.set_global('echo', (o) => o);
  assert.equal(c.info().bindingRefs.userdata, before + 1);
  c.execute_script('local js = echo(keep) keep = nil collectgarbage() collectgarbage() again = js');
  // The object went back to Lua while its userdata was alive: same instance kind.
  assert.deepEqual(c.execute_script('return again:len(), getmetatable(again).__name'), [5, 'Vec']);
});

test('B4 hostile: reset() and dispose() from inside a constructor or method are refused', () => {
  const c = ctx(['base']);
  c.register_class('R', { construct: () => { c.reset(); return {}; }, methods: { d: () => c.dispose() } });
  assert.deepEqual(c.execute_script('local ok, e = pcall(R.new) return ok, e.message'), [false, RESET_INSIDE]);
  c.register_class('Ok', { construct: () => ({}), methods: { d: () => c.dispose() } });
  assert.equal(c.execute_script('local ok, e = pcall(function() Ok.new():d() end) return ok'), false);
  assertUsable(c);
});

test('B4 hostile: a constructor that registers another class, a recursive constructor', () => {
  const c = ctx(['base']);
  let depth = 0;
  c.register_class('Rec', {
    construct: () => {
      depth++;
      if (depth < 5) c.execute_script('return Rec.new()');
      return { depth };
    },
    readable: true,
  });
  assert.equal(c.execute_script('return Rec.new().depth'), 5);
  c.register_class('Maker', { construct: () => { c.register_class('Late', { construct: () => ({}) }); return {}; } });
  c.execute_script('Maker.new()');
  assert.equal(c.execute_script('return type(Late.new())'), 'userdata');
});

test('B4 hostile: a definition whose getters throw or dispose is read before anything is registered', () => {
  const c = ctx(['base']);
  const def = { construct: () => ({}) };
  Object.defineProperty(def, 'methods', { get() { throw new Error('methods getter'); } });
  throwsExactly(() => c.register_class('H', def), Error, 'methods getter');
  assert.equal(c.get_global('H'), null);
  const def2 = { construct: () => ({}) };
  Object.defineProperty(def2, 'statics', { get() { c.dispose(); return {}; } });
  throwsExactly(() => c.register_class('H', def2), Error, 'the Lua context has been closed', 'LUA_DISPOSED');
});

test('B4 hostile: the class metatable is sealed; handlers refuse foreign selves; statics conversion errors leave no class', () => {
  const c = ctx('all');
  c.register_class('Vec', vecDef());
  assert.deepEqual(c.execute_script('local v = Vec.new(1, 2) return getmetatable(v).__name, pcall(setmetatable, v, {})'), ['Vec', false, 'bad argument #1 to \'setmetatable\' (table expected, got Vec)']);
  throwsExactly(() => c.execute_script('local mt = debug.getmetatable(Vec.new(1, 1)) return mt.__index({}, "len")'), Error, /bad argument #1 to '__index' \(class instance expected\)/);
  const cyclic = {};
  cyclic.self = cyclic;
  throwsExactly(() => c.register_class('Cyc', { construct: () => ({}), statics: { cyclic } }), Error, /circular reference/);
  assert.equal(c.get_global('Cyc'), null);
  c.register_class('Cyc', { construct: () => ({}) });
  assertUsable(c);
});

test('B4 during a worker async run constructors and methods are refused with the spec text', async () => {
  const c = ctx(['base']);
  c.register_class('Vec', vecDef());
  c.execute_script('v = Vec.new(3, 4)');
  const e = await rejection(c.execute_script_async('return Vec.new(1, 1)'));
  assert.equal(e.message, `[string "return Vec.new(1, 1)"]:1: JS callbacks are not available in async mode (called 'Vec.new')`);
  assert.deepEqual(await c.execute_script_async('return pcall(v.len, v)'), [false, "JS callbacks are not available in async mode (called method 'len')"]);
  assert.equal(c.execute_script('return v:len()'), 5, 'works again afterwards');
});

test('B4 instances from another context are not this context\'s instances', () => {
  const a = ctx(['base']);
  const b = ctx(['base']);
  a.register_class('Vec', vecDef({ readable: true }));
  b.register_class('Vec', vecDef());
  const v = a.execute_script('return Vec.new(3, 4)');
  b.set_global('foreign', v);
  assert.deepEqual(b.execute_script('return type(foreign), foreign.x, foreign.len'), ['table', 3, null], 'converted as a plain object');
});
