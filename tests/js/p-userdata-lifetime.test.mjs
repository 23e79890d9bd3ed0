// API-SEED §10 area P: userdata lifetime (items 165-172). These are checked by the original's
// C++ core tests; here are their observable JavaScript equivalents: a JS object registered with
// set_userdata stays reachable while Lua holds a userdata for it, and is released (collectable by
// JS, seen through a WeakRef) once every Lua reference is gone and both garbage collectors ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, assertUsable } from './helpers.mjs';

const gc = globalThis.gc;
async function collect(c) {
  for (let i = 0; i < 6; i++) {
    if (c) c.execute_script('collectgarbage() collectgarbage()');
    if (gc) gc();
    await new Promise((r) => setImmediate(r));
  }
}

/** Registers a fresh object (no JS reference kept) and returns a WeakRef to it. */
function register(c, name, options) {
  const obj = { payload: new Array(64).fill(name) };
  c.set_userdata(name, obj, options);
  return new WeakRef(obj);
}

test('P165 the object is released only when the last Lua reference is gone (reference counting)', { skip: !gc && 'needs --expose-gc' }, async () => {
  const c = ctx(['base']);
  const ref = register(c, 'h', { readable: true });
  c.execute_script('keep1 = h keep2 = { h } h = nil');
  await collect(c);
  assert.ok(ref.deref(), 'still referenced from Lua: must stay alive');
  assert.equal(c.execute_script('return keep1.payload[1]'), 'h');
  c.execute_script('keep1 = nil');
  await collect(c);
  assert.ok(ref.deref(), 'keep2 still holds it');
  assert.equal(c.execute_script('return keep2[1]'), ref.deref());
  c.execute_script('keep2 = nil');
  await collect(c);
  assert.equal(ref.deref(), undefined, 'released after the last Lua reference went away');
  assertUsable(c);
});

test('P166 dropping a handle to zero references without any JS callbacks does not crash', async () => {
  const c = new lua_native.init(undefined, { libraries: ['base'] });
  for (let i = 0; i < 100; i++) c.set_userdata('h', { i });
  c.execute_script('h = nil collectgarbage() collectgarbage()');
  await collect(c);
  assertUsable(c);
});

test('P167 the object is released after the global is cleared and a full GC runs', { skip: !gc && 'needs --expose-gc' }, async () => {
  const c = ctx(['base']);
  const ref = register(c, 'h');
  await collect(c);
  assert.ok(ref.deref(), 'alive while the global holds it');
  c.execute_script('h = nil');
  await collect(c);
  assert.equal(ref.deref(), undefined);
  assert.equal(c.get_global('h'), null);
});

test('P168 two globals sharing one userdata release it exactly once, after both are gone', { skip: !gc && 'needs --expose-gc' }, async () => {
  const c = ctx(['base']);
  const ref = register(c, 'a', { readable: true, writable: true });
  c.execute_script('b = a');
  assert.equal(c.execute_script('return rawequal(a, b)'), true);
  c.execute_script('a = nil');
  await collect(c);
  assert.ok(ref.deref());
  c.execute_script('b.touched = true');
  assert.equal(ref.deref().touched, true);
  c.execute_script('b = nil');
  await collect(c);
  assert.equal(ref.deref(), undefined);
  assertUsable(c);
});

test('P169 only the collected handle is released; the others remain usable', { skip: !gc && 'needs --expose-gc' }, async () => {
  const c = ctx(['base']);
  const refs = ['h1', 'h2', 'h3'].map((n) => register(c, n, { readable: true }));
  c.execute_script('h2 = nil');
  await collect(c);
  assert.ok(refs[0].deref());
  assert.equal(refs[1].deref(), undefined);
  assert.ok(refs[2].deref());
  assert.deepEqual(c.execute_script('return h1.payload[1], h3.payload[1]'), ['h1', 'h3']);
  assert.equal(c.get_global('h1'), refs[0].deref());
});

test('P170 a handle referenced only by a local of a finished chunk is released by GC', { skip: !gc && 'needs --expose-gc' }, async () => {
  const c = ctx(['base']);
  const ref = register(c, 'h');
  assert.equal(c.execute_script('local l = h h = nil return type(l)'), 'userdata');
  await collect(c);
  assert.equal(ref.deref(), undefined);
});

test('P171 dropping a context with live handles is safe, and the objects become collectable', { skip: !gc && 'needs --expose-gc' }, async () => {
  let refs = [];
  (() => {
    const c = ctx(['base']);
    refs = [register(c, 'a'), register(c, 'b', { readable: true }), register(c, 'c', { writable: true })];
    c.execute_script('t = { a, b, c }');
  })();
  for (let i = 0; i < 10; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  assert.deepEqual(refs.map((r) => r.deref()), [undefined, undefined, undefined]);
  // Nothing crashed; new contexts still work.
  assertUsable(ctx(['base']));
});

test('P172 clearing an already-cleared handle, or collecting twice, is a no-op', async () => {
  const c = ctx(['base']);
  c.set_userdata('h', {});
  c.execute_script('h = nil collectgarbage()');
  c.execute_script('h = nil collectgarbage() collectgarbage()');
  await collect(c);
  c.set_userdata('h', { again: true }, { readable: true });
  assert.equal(c.execute_script('return h.again'), true);
});
