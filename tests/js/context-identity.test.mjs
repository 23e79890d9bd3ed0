// Issue 18: a context is found from `this` by unwrapping it and accepting
// the pointer only if it is one of the live contexts of the thread (no type
// tag any more); a new context's small blocks live in a per-state pool.
// Attacks on both: forged receivers carrying other wraps, contexts made,
// disposed and collected from inside callbacks, address reuse after
// collection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { throwsExactly } from './helpers.mjs';

const gc = globalThis.gc;
// V8 refuses most foreign receivers itself (the class's signature check:
// 'Illegal invocation'); the binding's own check says which it refused.
const NOT_A_CONTEXT = /^Illegal invocation/;
const proto = lua_native.init.prototype;
const METHODS = Object.getOwnPropertyNames(proto).filter((k) => k !== 'constructor' && typeof proto[k] === 'function');

async function settle(rounds = 4) {
  for (let i = 0; i < rounds; i++) {
    gc?.();
    await new Promise((r) => setImmediate(r));
  }
}

test('every method refuses a receiver that carries another object\'s wrap, or none', () => {
  const c = new lua_native.init({}, { libraries: 'all' });
  const fn = c.execute_script('return function() return 1 end'); // wraps a Lua function
  const handle = c.create_table({ a: 1 }); // a table handle (its own wrap)
  const shared = lua_native.createSharedTable({ x: 1 });
  const co = c.create_coroutine('return function() return 1 end');
  const forged = Object.create(proto);
  const receivers = [{}, null, undefined, 42, 'ctx', fn, handle, shared, co, forged, () => 1, Object.create(c)];
  assert.ok(METHODS.length > 40, `${METHODS.length} methods`);
  for (const name of METHODS) {
    for (const bad of receivers) {
      throwsExactly(() => proto[name].call(bad, 'return 1'), TypeError, NOT_A_CONTEXT);
    }
  }
  // The real one still works, and the others are untouched.
  assert.equal(c.execute_script('return 1'), 1);
  assert.equal(fn(), 1);
  assert.equal(handle.get('a'), 1);
  c.dispose();
});

test('a subclass instance is a context; a disposed context refuses with its own error', () => {
  class Mine extends lua_native.init {}
  const m = new Mine({}, { libraries: ['base'] });
  assert.equal(m.execute_script('return 2'), 2);
  m.dispose();
  throwsExactly(() => m.execute_script('return 1'), Error, 'the Lua context has been closed', 'LUA_DISPOSED');
  throwsExactly(() => proto.get_global.call(m, 'x'), Error, 'the Lua context has been closed', 'LUA_DISPOSED');
});

test('contexts made, used and disposed inside a callback of another context', () => {
  const made = [];
  const outer = new lua_native.init({
    spawn: (n) => {
      const inner = new lua_native.init({ twice: (x) => x * 2 }, { libraries: 'all' });
      const v = inner.execute_script(`return twice(${n}) + #string.rep('a', ${n})`);
      made.push(inner);
      if (n % 2 === 0) inner.dispose();
      return v;
    },
  }, { libraries: 'all' });
  assert.equal(outer.execute_script('local s = 0 for i = 1, 50 do s = s + spawn(i) end return s'), 3 * (50 * 51) / 2);
  for (const [i, inner] of made.entries()) {
    if ((i + 1) % 2 === 0) throwsExactly(() => inner.execute_script('return 1'), Error, 'the Lua context has been closed');
    else assert.equal(inner.execute_script('return twice(21)'), 42);
  }
  outer.dispose();
});

test('a context disposed by its own callback mid-run is refused, and cannot be closed from inside', () => {
  let self;
  self = new lua_native.init({ kill: () => self.dispose() }, { libraries: 'all' });
  assert.throws(() => self.execute_script('kill()'), /dispose\(\) cannot be called while Lua is executing/);
  assert.equal(self.execute_script('return 3'), 3);
  self.dispose();
});

test('after thousands of contexts are collected, new ones at reused addresses are found and old methods stay refused', async () => {
  const keep = new lua_native.init({}, { libraries: 'all' });
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 2000; i++) {
      const c = new lua_native.init({}, { libraries: i % 3 === 0 ? [] : 'all' });
      if (i % 2) c.dispose();
    }
    await settle();
    const fresh = Array.from({ length: 50 }, (_, i) => new lua_native.init({}, { libraries: 'all' }));
    for (const [i, c] of fresh.entries()) {
      c.set_global('n', i);
      assert.equal(c.execute_script('return n + #string.format("%d", n)'), i + String(i).length);
    }
    for (const c of fresh) c.dispose();
  }
  assert.equal(keep.execute_script('return 7'), 7);
});

test('many contexts held at once each keep their own state', () => {
  const all = Array.from({ length: 300 }, (_, i) => {
    const c = new lua_native.init({}, { libraries: i % 2 ? 'all' : 'sandbox' });
    c.execute_script(`t = {} for i = 1, ${i} do t[i] = tostring(i) end`);
    return c;
  });
  for (const [i, c] of all.entries()) {
    assert.equal(c.execute_script('return #t'), i);
    assert.equal(c.execute_script('return io ~= nil'), i % 2 === 1);
  }
  for (const c of all) c.dispose();
});
