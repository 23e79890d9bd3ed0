// API-SEED §10 area L: coroutines (items 113-127), §2.7, §2.8, §5; DECISIONS 2 and 6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, DEPTH_MESSAGE, throwsExactly, assertUsable, nestJs } from './helpers.mjs';

const co = () => ctx(['base', 'coroutine']);

test('L113 create_coroutine returns an object whose status is "suspended"', () => {
  const c = co();
  const k = c.create_coroutine('return function() coroutine.yield(1) end');
  assert.equal(typeof k, 'object');
  assert.equal(k.status, 'suspended');
  // (spec 2.7) two enumerable own properties, in this order.
  assert.deepEqual(Object.keys(k), ['_coroutine', 'status']);
  // The body has not run yet.
  c.execute_script('ran = false');
  const k2 = c.create_coroutine('return function() ran = true end');
  assert.equal(c.get_global('ran'), false);
  assert.deepEqual(c.resume(k2), { status: 'dead', values: [] });
  assert.equal(c.get_global('ran'), true);
});

test('L113 (spec 2.7) create_coroutine runs the script like execute_script (side effects, extra results ignored)', () => {
  const c = co();
  const k = c.create_coroutine('made = 1 return function() return made end, 99');
  assert.equal(c.get_global('made'), 1);
  assert.equal(k.status, 'suspended');
  assert.deepEqual(c.resume(k), { status: 'dead', values: [1] });
});

test('L114 resuming a body that returns 42 gives { status: "dead", values: [42] } without an error key', () => {
  const c = co();
  const k = c.create_coroutine('return function() return 42 end');
  const r = c.resume(k);
  assert.deepEqual(r, { status: 'dead', values: [42] });
  assert.equal('error' in r, false);
  assert.ok(Array.isArray(r.values));
});

test('L115 arguments of the first resume become the parameters (10 + 20 -> [30])', () => {
  const c = co();
  const k = c.create_coroutine('return function(a, b) return a + b end');
  assert.deepEqual(c.resume(k, 10, 20), { status: 'dead', values: [30] });
});

test('L116 yield/resume cycle: suspended [20], suspended [30], dead [40]', () => {
  const c = co();
  const k = c.create_coroutine(`return function(x)
    coroutine.yield(x * 2)
    coroutine.yield(x * 3)
    return x * 4
  end`);
  assert.deepEqual(c.resume(k, 10), { status: 'suspended', values: [20] });
  assert.deepEqual(c.resume(k), { status: 'suspended', values: [30] });
  assert.deepEqual(c.resume(k), { status: 'dead', values: [40] });
});

test('L117 values given to later resumes are returned by coroutine.yield', () => {
  const c = co();
  const k = c.create_coroutine(`return function()
    local a = coroutine.yield("first")
    local b = coroutine.yield("second")
    return a + b
  end`);
  assert.deepEqual(c.resume(k), { status: 'suspended', values: ['first'] });
  assert.deepEqual(c.resume(k, 10), { status: 'suspended', values: ['second'] });
  assert.deepEqual(c.resume(k, 20), { status: 'dead', values: [30] });
});

test('L117 (spec 5.2) the documented example: [5], then [70], then "Coroutine has finished"', () => {
  const c = co();
  const k = c.create_coroutine('return function(n) local got = coroutine.yield(n + 1) return got * 10 end');
  assert.deepEqual(c.resume(k, 4), { status: 'suspended', values: [5] });
  assert.equal(k.status, 'suspended');
  assert.deepEqual(c.resume(k, 7), { status: 'dead', values: [70] });
  assert.equal(k.status, 'dead');
  assert.deepEqual(c.resume(k), { status: 'dead', values: [], error: 'Coroutine has finished' });
});

test('L118 several values per yield ([1, 2, 3]) and per return ([4, 5]); bare yield gives []', () => {
  const c = co();
  const k = c.create_coroutine('return function() coroutine.yield(1, 2, 3) coroutine.yield() return 4, 5 end');
  assert.deepEqual(c.resume(k), { status: 'suspended', values: [1, 2, 3] });
  assert.deepEqual(c.resume(k), { status: 'suspended', values: [] });
  assert.deepEqual(c.resume(k), { status: 'dead', values: [4, 5] });
});

test('L118 (spec 3.2) nil values inside yields are null and keep their places', () => {
  const c = co();
  const k = c.create_coroutine('return function(...) coroutine.yield(nil, 2, nil) return select("#", ...), ... end');
  assert.deepEqual(c.resume(k, 1, null, undefined), { status: 'suspended', values: [null, 2, null] });
});

test('L119 the coroutine object status property is updated by each resume', () => {
  const c = co();
  const k = c.create_coroutine('return function() coroutine.yield() coroutine.yield() end');
  assert.equal(k.status, 'suspended');
  c.resume(k);
  assert.equal(k.status, 'suspended');
  c.resume(k);
  assert.equal(k.status, 'suspended');
  c.resume(k);
  assert.equal(k.status, 'dead');
  c.resume(k);
  assert.equal(k.status, 'dead');
});

test('L120 an error inside the body gives status "dead" and an error with the message', () => {
  const c = co();
  const k = c.create_coroutine('return function() coroutine.yield(1) error("oops") end');
  assert.deepEqual(c.resume(k), { status: 'suspended', values: [1] });
  const r = c.resume(k);
  assert.equal(r.status, 'dead');
  assert.deepEqual(r.values, []);
  assert.equal(r.error, '[string "return function() coroutine.yield(1) error("o..."]:1: oops');
  assert.equal(k.status, 'dead');
  // Dead for good afterwards.
  assert.deepEqual(c.resume(k), { status: 'dead', values: [], error: 'Coroutine is dead' });
  assert.deepEqual(c.resume(k, 1, 2), { status: 'dead', values: [], error: 'Coroutine is dead' });
  assertUsable(c);
});

test('L120 (spec 4.1, 4.2) error values of several kinds and a throwing JS callback inside a coroutine', () => {
  const c = new lua_native.init({ bad: () => { throw new Error('bad thing'); } }, { libraries: ['base', 'coroutine'] });
  const e0 = c.resume(c.create_coroutine('return function() error("level0", 0) end'));
  assert.deepEqual(e0, { status: 'dead', values: [], error: 'level0' });
  assert.equal(c.resume(c.create_coroutine('return function() error(42) end')).error, '42');
  assert.equal(c.resume(c.create_coroutine('return function() error() end')).error, '<no error object>');
  assert.equal(c.resume(c.create_coroutine('return function() error({}) end')).error, '(error object is a table value)');
  const viaJs = c.resume(c.create_coroutine('return function() coroutine.yield(1) bad() end'));
  assert.equal(viaJs.status, 'suspended');
  const k = c.create_coroutine('return function() bad() end');
  assert.deepEqual(c.resume(k), { status: 'dead', values: [], error: 'bad thing' });
  assertUsable(c);
});

test('L121 resuming a finished coroutine gives status "dead" and a defined error', () => {
  const c = co();
  const k = c.create_coroutine('return function() return 1 end');
  assert.deepEqual(c.resume(k), { status: 'dead', values: [1] });
  const r = c.resume(k);
  assert.equal(r.status, 'dead');
  assert.notEqual(r.error, undefined);
  assert.deepEqual(r, { status: 'dead', values: [], error: 'Coroutine has finished' });
  assert.deepEqual(c.resume(k), { status: 'dead', values: [], error: 'Coroutine has finished' });
});

test('L122 JS callbacks can be called inside a coroutine between yields', () => {
  const seen = [];
  const c = new lua_native.init({ log: (v) => { seen.push(v); return v * 2; } }, { libraries: ['base', 'coroutine'] });
  const k = c.create_coroutine(`return function()
    local a = log(1)
    coroutine.yield(a)
    local b = log(2)
    coroutine.yield(b)
    return log(3)
  end`);
  assert.deepEqual(c.resume(k).values, [2]);
  assert.deepEqual(seen, [1]);
  assert.deepEqual(c.resume(k).values, [4]);
  assert.deepEqual(seen, [1, 2]);
  assert.deepEqual(c.resume(k), { status: 'dead', values: [6] });
  assert.deepEqual(seen, [1, 2, 3]);
});

test('L123 two coroutines interleave without interfering', () => {
  const c = co();
  const make = 'return function(tag) for i = 1, 3 do coroutine.yield(tag .. i) end return tag .. "done" end';
  const a = c.create_coroutine(make);
  const b = c.create_coroutine(make);
  assert.deepEqual(c.resume(a, 'a').values, ['a1']);
  assert.deepEqual(c.resume(b, 'b').values, ['b1']);
  assert.deepEqual(c.resume(a).values, ['a2']);
  assert.deepEqual(c.resume(a).values, ['a3']);
  assert.deepEqual(c.resume(b).values, ['b2']);
  assert.deepEqual(c.resume(a), { status: 'dead', values: ['adone'] });
  assert.equal(b.status, 'suspended');
  assert.deepEqual(c.resume(b).values, ['b3']);
  assert.deepEqual(c.resume(b), { status: 'dead', values: ['bdone'] });
});

test('L124 an endless loop with a closure counter yields 1, 2, 3, 4', () => {
  const c = co();
  const k = c.create_coroutine('local n = 0 return function() while true do n = n + 1 coroutine.yield(n) end end');
  for (let i = 1; i <= 4; i++) assert.deepEqual(c.resume(k), { status: 'suspended', values: [i] });
});

test('L125 a generator produces squares 1, 4, 9, 16, 25 and then stops being suspended', () => {
  const c = co();
  const k = c.create_coroutine('return function(n) for i = 1, n do coroutine.yield(i * i) end end');
  const got = [];
  let r = c.resume(k, 5);
  while (r.status === 'suspended') {
    got.push(...r.values);
    r = c.resume(k);
  }
  assert.deepEqual(got, [1, 4, 9, 16, 25]);
  assert.deepEqual(r, { status: 'dead', values: [] });
  assert.equal(k.status, 'dead');
});

test('L126 create_coroutine with invalid syntax throws', () => {
  const c = co();
  throwsExactly(() => c.create_coroutine('return function( end'), Error, /^\[string "return function\( end"\]:1: /, 'LUA_SYNTAX');
  throwsExactly(() => c.create_coroutine('error("at creation")'), Error, '[string "error("at creation")"]:1: at creation', 'LUA_RUNTIME');
  assertUsable(c);
});

test('L127 create_coroutine("return 42") throws an error mentioning "function"', () => {
  const c = co();
  const e = throwsExactly(() => c.create_coroutine('return 42'), TypeError, 'Script must return a function', 'LUA_INVALID_ARGUMENT');
  assert.match(e.message, /function/);
  throwsExactly(() => c.create_coroutine('x = 1'), TypeError, 'Script must return a function', 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.create_coroutine('return nil, function() end'), TypeError, 'Script must return a function');
  assertUsable(c);
});

test('L127 (spec 2.7, 2.8) argument errors of create_coroutine and resume', () => {
  const c = co();
  for (const bad of [[], [42], [null], [{}]]) {
    throwsExactly(() => c.create_coroutine(...bad), TypeError, 'Expected a script string that returns a function, or a Lua function', 'LUA_INVALID_ARGUMENT');
  }
  for (const bad of [[], [42], ['x'], [null], [undefined]]) {
    throwsExactly(() => c.resume(...bad), TypeError, 'Expected a coroutine object as first argument', 'LUA_INVALID_ARGUMENT');
  }
  throwsExactly(() => c.resume({}), TypeError, 'Invalid coroutine object', 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.resume({ status: 'suspended' }), TypeError, 'Invalid coroutine object', 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.resume({ _coroutine: 123, status: 'suspended' }), TypeError, 'Invalid coroutine object', 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => c.resume({ _coroutine: {} }), TypeError, 'Invalid coroutine object', 'LUA_INVALID_ARGUMENT');
  assertUsable(c);
});

test('L (spec 2.8) a resume argument that cannot be converted throws and nothing is resumed', () => {
  const c = co();
  const k = c.create_coroutine('return function(v) resumed = true return 1 end');
  throwsExactly(() => c.resume(k, nestJs(105)), Error, DEPTH_MESSAGE, 'LUA_CONVERSION');
  assert.equal(c.get_global('resumed'), null);
  assert.equal(k.status, 'suspended');
  assert.deepEqual(c.resume(k, 1), { status: 'dead', values: [1] });
  assert.equal(c.get_global('resumed'), true);
});

test('L (spec 5.1) coroutines created in Lua come back as resumable coroutine objects', () => {
  const c = co();
  const k = c.execute_script('return coroutine.create(function(a) local b = coroutine.yield(a + 1) return b * 2 end)');
  assert.deepEqual(Object.keys(k).sort(), ['_coroutine', 'status']);
  assert.equal(k.status, 'suspended');
  assert.deepEqual(c.resume(k, 1), { status: 'suspended', values: [2] });
  assert.deepEqual(c.resume(k, 5), { status: 'dead', values: [10] });
  // Nested in a table, and a finished one converts as 'dead'.
  const t = c.execute_script(`
    local done = coroutine.create(function() end) coroutine.resume(done)
    return { live = coroutine.create(function() coroutine.yield("hi") end), done = done }`);
  assert.equal(t.live.status, 'suspended');
  assert.deepEqual(c.resume(t.live), { status: 'suspended', values: ['hi'] });
  assert.equal(t.done.status, 'dead');
  assert.equal(c.resume(t.done).status, 'dead');
  // A coroutine that died with an error converts as 'dead' too.
  const failed = c.execute_script('local f = coroutine.create(function() error("x") end) coroutine.resume(f) return f');
  assert.equal(failed.status, 'dead');
  const r = c.resume(failed);
  assert.equal(r.status, 'dead');
  assert.equal(typeof r.error, 'string');
});

test('L (spec 5.1) a coroutine created without the coroutine library reports the missing global in result.error', () => {
  const c = new lua_native.init();
  const k = c.create_coroutine('return function() coroutine.yield(1) end');
  const r = c.resume(k);
  assert.equal(r.status, 'dead');
  assert.deepEqual(r.values, []);
  assert.match(r.error, /attempt to index a nil value \(global 'coroutine'\)/);
  // But a body that never yields works in a bare state.
  assert.deepEqual(c.resume(c.create_coroutine('return function(a) return a * 2 end'), 21), { status: 'dead', values: [42] });
});

test('L (spec 5.2) yielding across a JS callback fails inside the coroutine with the documented text', () => {
  const c = new lua_native.init({ callit: (f) => f() }, { libraries: ['base', 'coroutine'] });
  const k = c.create_coroutine('return function() callit(function() coroutine.yield(1) end) end');
  const r = c.resume(k);
  assert.equal(r.status, 'dead');
  // The Lua error thrown to JS inside callit goes back through it as that Error (B6).
  assert.equal(r.error, 'attempt to yield from outside a coroutine');
  assertUsable(c);
});

test('L (DECISIONS 6) a JS function given to resume reaches the coroutine as a real Lua function', () => {
  const c = ctx(['base', 'coroutine', 'string']);
  const k = c.create_coroutine(`return function(f, o)
    local first = coroutine.yield(type(f), f(20), type(o.g), o.g(1))
    return first(5)
  end`);
  assert.deepEqual(c.resume(k, (x) => x + 1, { g: (y) => y * 100 }), { status: 'suspended', values: ['function', 21, 'function', 100] });
  assert.deepEqual(c.resume(k, (z) => `got ${z}`), { status: 'dead', values: ['got 5'] });
  assert.equal(c.execute_script('local n = 0 for k in pairs(_G) do if tostring(k):match("^__js_callback_") then n = n + 1 end end return n'), 0);
});

test('L (spec 5.2) values yielded by a coroutine convert like any result (functions, proxies, tables)', () => {
  const c = co();
  const k = c.create_coroutine(`return function()
    coroutine.yield(function(a) return a * 3 end, setmetatable({ x = 1 }, {}), { 1, 2, { y = 3 } })
  end`);
  const r = c.resume(k);
  assert.equal(r.status, 'suspended');
  const [fn, proxy, plain] = r.values;
  assert.equal(typeof fn, 'function');
  assert.equal(fn(4), 12);
  assert.equal(proxy.x, 1);
  assert.deepEqual(plain, [1, 2, { y: 3 }]);
});

test('L (spec 2.7) create_coroutine script text is cut at the first NUL', () => {
  const c = co();
  const k = c.create_coroutine('return function() return 1 end\0 error("never")');
  assert.deepEqual(c.resume(k), { status: 'dead', values: [1] });
});

test('L (issue 12) a coroutine being resumed refuses a resume from inside its own argument conversion', () => {
  const c = co();
  const k = c.create_coroutine('return function(...) coroutine.yield(select("#", ...)) return "done" end');
  let inner;
  // Converting the Proxy runs its ownKeys trap while the outer resume is
  // still pushing its arguments onto the coroutine's stack.
  const arg = new Proxy({}, { ownKeys() { inner = c.resume(k); return []; } });
  assert.deepEqual(c.resume(k, arg, 2), { status: 'suspended', values: [2] });
  assert.deepEqual(inner, { status: 'dead', values: [], error: 'cannot resume non-suspended coroutine' });
  assert.deepEqual(c.resume(k), { status: 'dead', values: ['done'] });
});
