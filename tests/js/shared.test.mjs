// EVOLUTION.md A9: shared state between contexts, `createSharedTable()` + the `shared` option.
// Every test A9 lists is here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { throwsExactly, assertUsable } from './helpers.mjs';

const gc = globalThis.gc;
const BUSY = 'Lua context is busy with an async operation';
const SLOW = 'local x = 0 for i = 1, 2e7 do x = x + i % 7 end return "slow done"';
const SHAPE = 'shared must be an object mapping global names to shared tables';
const SHAPE_ITSELF = `${SHAPE} (e.g. { settings: sharedTable }), not a shared table itself`;
const entryMessage = (name) => `shared.${name} must be a shared table created with createSharedTable()`;

function sub(shared, libraries = ['base']) {
  return new lua_native.init(undefined, { libraries, shared });
}

async function settle(rounds = 6) {
  for (let i = 0; i < rounds; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

// ------------------------------------------------------------------ createSharedTable

test('A9 createSharedTable returns an object with get/set/sync; the constructor is not exported', () => {
  const st = lua_native.createSharedTable({ a: 1 });
  assert.equal(typeof st, 'object');
  for (const m of ['get', 'set', 'sync']) assert.equal(typeof st[m], 'function', m);
  assert.deepEqual(Object.keys(lua_native).sort(), ['createSharedTable', 'init']);
});

test('A9 the initial value is published to all subscribers, nested values included', () => {
  const st = lua_native.createSharedTable({ name: 'cfg', limits: { max: 10, tags: ['a', 'b'] }, on: true });
  const a = sub({ settings: st });
  const b = sub({ settings: st });
  for (const c of [a, b]) {
    assert.deepEqual(c.get_global('settings'), { name: 'cfg', limits: { max: 10, tags: ['a', 'b'] }, on: true });
    assert.deepEqual(c.execute_script('return settings.name, settings.limits.max, settings.limits.tags[2], settings.on'), ['cfg', 10, 'b', true]);
  }
});

test('A9 the default is empty (no argument or undefined)', () => {
  for (const st of [lua_native.createSharedTable(), lua_native.createSharedTable(undefined)]) {
    assert.equal(st.get('anything'), undefined);
    const c = sub({ S: st });
    assert.equal(c.execute_script('return type(S) == "table" and next(S) == nil'), true);
  }
});

test('A9 arrays are accepted (Lua sees a sequence)', () => {
  const st = lua_native.createSharedTable(['x', 'y', 'z']);
  assert.equal(st.get('0'), 'x');
  const c = sub({ list: st });
  assert.deepEqual(c.execute_script('return #list, list[1], list[3]'), [3, 'x', 'z']);
  assert.deepEqual(c.get_global('list'), ['x', 'y', 'z']);
});

test('A9 non-objects are rejected', () => {
  const MSG = 'createSharedTable(initial) requires an object';
  for (const bad of [null, 1, 'str', true, 10n, Symbol('s'), () => ({})]) {
    throwsExactly(() => lua_native.createSharedTable(bad), TypeError, MSG);
  }
});

test("A9 the caller's object is held, not copied (get returns the live nested objects)", () => {
  const initial = { v: 1, nested: { n: 1 } };
  const st = lua_native.createSharedTable(initial);
  initial.v = 2;
  assert.equal(st.get('v'), 2, 'a change to the original object is seen');
  assert.equal(st.get('nested'), initial.nested, 'the same nested object comes back');
  st.set('w', 3);
  assert.equal(initial.w, 3, 'set writes into the caller object');
});

// ------------------------------------------------------------------ set / get / sync

test('A9 set propagates to every subscriber, adds keys, and get reads back', () => {
  const st = lua_native.createSharedTable({ level: 1 });
  const a = sub({ S: st });
  const b = sub({ S: st });
  assert.equal(st.set('level', 2), undefined);
  st.set('added', 'new key');
  st.set('obj', { deep: [1, 2] });
  for (const c of [a, b]) {
    assert.deepEqual(c.execute_script('return S.level, S.added, S.obj.deep[2]'), [2, 'new key', 2]);
  }
  assert.equal(st.get('level'), 2);
  assert.equal(st.get('added'), 'new key');
  assert.deepEqual(st.get('obj'), { deep: [1, 2] });
  st.set('level', null);
  assert.equal(a.execute_script('return S.level'), null);
});

test('A9 function values become callable from Lua in every subscriber', () => {
  const st = lua_native.createSharedTable({ double: (x) => x * 2 });
  const a = sub({ api: st });
  const b = sub({ api: st });
  assert.equal(a.execute_script('return api.double(21)'), 42);
  st.set('greet', (n) => `hello ${n}`);
  assert.equal(b.execute_script('return api.greet("lua")'), 'hello lua');
  assert.equal(a.execute_script('return api.double(4)'), 8);
});

test('A9 non-string keys are rejected by get and set; set needs a value', () => {
  const st = lua_native.createSharedTable({ a: 1 });
  for (const bad of [1, null, undefined, {}, Symbol('k')]) {
    throwsExactly(() => st.get(bad), TypeError, 'get(key) requires a string key');
    throwsExactly(() => st.set(bad, 1), TypeError, 'set(key, value) requires a string key and a value');
  }
  throwsExactly(() => st.get(), TypeError, 'get(key) requires a string key');
  throwsExactly(() => st.set(), TypeError, 'set(key, value) requires a string key and a value');
  throwsExactly(() => st.set('a'), TypeError, 'set(key, value) requires a string key and a value');
  assert.equal(st.get('a'), 1, 'nothing was changed');
});

test('A9 get/set/sync refuse a receiver that is not a shared table (brand check)', () => {
  const st = lua_native.createSharedTable({ a: 1 });
  const forged = Object.create(Object.getPrototypeOf(st));
  for (const receiver of [forged, {}, null, undefined, 1, new lua_native.init()]) {
    assert.throws(() => st.get.call(receiver, 'a'), TypeError);
    assert.throws(() => st.set.call(receiver, 'a', 1), TypeError);
    assert.throws(() => st.sync.call(receiver), TypeError);
  }
  assert.equal(st.get('a'), 1);
});

test('A9 sync publishes direct mutations of the held object', () => {
  const initial = { count: 0, list: [1] };
  const st = lua_native.createSharedTable(initial);
  const a = sub({ S: st });
  const b = sub({ T: st });
  initial.count = 5;
  initial.list.push(2);
  initial.extra = 'x';
  assert.equal(a.execute_script('return S.count'), 0, 'not pushed before sync()');
  assert.equal(st.sync(), undefined);
  assert.deepEqual(a.execute_script('return S.count, #S.list, S.extra'), [5, 2, 'x']);
  assert.deepEqual(b.execute_script('return T.count, #T.list, T.extra'), [5, 2, 'x']);
  delete initial.extra;
  st.sync();
  assert.equal(a.execute_script('return S.extra'), null, 'the whole value is pushed again');
});

test('A9 sync is a no-op with no subscribers', () => {
  const st = lua_native.createSharedTable({ a: 1 });
  assert.equal(st.sync(), undefined);
  st.set('b', 2);
  assert.equal(st.sync(), undefined);
  assert.equal(st.get('b'), 2);
});

test("A9 pushes go through the subscriber's public set_global", () => {
  const st = lua_native.createSharedTable({ a: 1 });
  const c = sub({ S: st });
  const calls = [];
  const original = c.set_global;
  c.set_global = function (name, value) {
    calls.push([name, JSON.stringify(value)]);
    return original.call(this, name, value);
  };
  st.set('b', 2);
  assert.deepEqual(calls, [['S', '{"a":1,"b":2}']]);
  assert.equal(c.execute_script('return S.b'), 2);
});

test("A9 a subscriber whose set_global is shadowed by a non-function is reported; the others are updated", () => {
  const st = lua_native.createSharedTable({ v: 1 });
  const good = sub({ S: st });
  const shadowed = sub({ S: st });
  shadowed.set_global = 42;
  const e = throwsExactly(() => st.set('v', 2), Error);
  assert.match(e.message, /^shared table update failed for 1 of 2 contexts \(.*set_global is not a function.*\)\. The JS-side value was updated; call sync\(\) to retry\.$/);
  assert.equal(good.get_global('S.v'), 2);
  assert.equal(st.get('v'), 2);
  delete shadowed.set_global;
  st.sync();
  assert.equal(shadowed.get_global('S.v'), 2);
});

test('A9 a push that subscribes a new context (from set_global) is safe; the newcomer gets the current value', () => {
  const st = lua_native.createSharedTable({ v: 1 });
  const c = sub({ S: st });
  const late = [];
  const original = c.set_global;
  c.set_global = function (name, value) {
    if (late.length < 3) late.push(sub({ S: st }));
    return original.call(this, name, value);
  };
  st.set('v', 2);
  assert.equal(late.length, 1, 'the snapshot did not include the newcomer');
  assert.equal(late[0].get_global('S.v'), 2);
  st.set('v', 3);
  for (const x of [c, ...late]) assert.equal(x.get_global('S.v'), 3);
});

// ------------------------------------------------------------------ isolation

test('A9 isolation: non-shared globals stay separate', () => {
  const st = lua_native.createSharedTable({ a: 1 });
  const a = sub({ S: st });
  const b = sub({ S: st });
  a.execute_script('private = "a only"');
  b.set_global('other', 'b only');
  assert.equal(b.get_global('private'), null);
  assert.equal(a.get_global('other'), null);
});

test('A9 isolation: Lua-side edits stay local (one-way), and the next publish overwrites them', () => {
  const st = lua_native.createSharedTable({ v: 'js' });
  const a = sub({ S: st });
  const b = sub({ S: st });
  a.execute_script('S.v = "lua edit" S.luaOnly = true');
  assert.equal(a.get_global('S.v'), 'lua edit');
  assert.equal(b.get_global('S.v'), 'js', 'other subscribers do not see it');
  assert.equal(st.get('v'), 'js', 'the JS side does not see it');
  assert.equal(st.get('luaOnly'), undefined);
  st.set('w', 1);
  assert.deepEqual(a.execute_script('return S.v, S.luaOnly, S.w'), ['js', null, 1]);
});

test('A9 isolation: a late subscriber receives the current value', () => {
  const initial = { v: 1 };
  const st = lua_native.createSharedTable(initial);
  sub({ S: st });
  st.set('v', 2);
  initial.direct = 'unsynced';
  const late = sub({ S: st });
  assert.deepEqual(late.get_global('S'), { v: 2, direct: 'unsynced' });
});

test('A9 isolation: different global names per context', () => {
  const st = lua_native.createSharedTable({ mode: 'fast' });
  const a = sub({ settings: st });
  const b = sub({ config: st });
  assert.deepEqual(a.execute_script('return settings.mode, config'), ['fast', null]);
  assert.deepEqual(b.execute_script('return config.mode, settings'), ['fast', null]);
  st.set('mode', 'slow');
  assert.equal(a.get_global('settings.mode'), 'slow');
  assert.equal(b.get_global('config.mode'), 'slow');
});

test('A9 isolation: several tables on one context, and one table under two names in one context', () => {
  const one = lua_native.createSharedTable({ which: 'one' });
  const two = lua_native.createSharedTable({ which: 'two' });
  const c = sub({ first: one, second: two, again: one });
  assert.deepEqual(c.execute_script('return first.which, second.which, again.which'), ['one', 'two', 'one']);
  one.set('which', 'ONE');
  two.set('which', 'TWO');
  assert.deepEqual(c.execute_script('return first.which, second.which, again.which'), ['ONE', 'TWO', 'ONE']);
  assert.equal(c.info().bindingRefs.sharedTables, 3);
});

// ------------------------------------------------------------------ option validation

test('A9 option validation: non-objects', () => {
  for (const bad of [1, 'str', true, () => ({}), null]) {
    throwsExactly(() => new lua_native.init(undefined, { shared: bad }), TypeError, SHAPE);
  }
});

test('A9 option validation: a shared table itself, or an array, gets the longer hint', () => {
  const st = lua_native.createSharedTable({ a: 1 });
  throwsExactly(() => new lua_native.init(undefined, { shared: st }), TypeError, SHAPE_ITSELF);
  throwsExactly(() => new lua_native.init(undefined, { shared: [st] }), TypeError, SHAPE_ITSELF);
  throwsExactly(() => new lua_native.init(undefined, { shared: [] }), TypeError, SHAPE_ITSELF);
});

test('A9 option validation: every entry must be a shared table made by createSharedTable()', () => {
  const st = lua_native.createSharedTable({ a: 1 });
  const forged = Object.create(Object.getPrototypeOf(st));
  const lookalike = { get() {}, set() {}, sync() {} };
  const hasInstance = { [Symbol.hasInstance]: () => true };
  for (const [name, bad] of [['num', 1], ['str', 's'], ['obj', { a: 1 }], ['arr', [1]], ['fn', () => 1], ['forged', forged], ['lookalike', lookalike], ['hasInstance', hasInstance], ['ctx', new lua_native.init()]]) {
    throwsExactly(() => new lua_native.init(undefined, { shared: { [name]: bad } }), TypeError, entryMessage(name));
  }
  // A good entry next to a bad one still fails, naming the bad one.
  throwsExactly(() => new lua_native.init(undefined, { shared: { good: st, bad: 5 } }), TypeError, entryMessage('bad'));
});

test('A9 option validation: a null or undefined entry is refused with the entry message', () => {
  throwsExactly(() => new lua_native.init(undefined, { shared: { x: null } }), TypeError, entryMessage('x'), 'LUA_INVALID_ARGUMENT');
  throwsExactly(() => new lua_native.init(undefined, { shared: { y: undefined } }), TypeError, entryMessage('y'), 'LUA_INVALID_ARGUMENT');
  // And the process is fine afterwards.
  assertUsable(new lua_native.init(undefined, { libraries: ['base'] }));
});

test('A9 an undefined shared option is ignored; an empty mapping is fine', () => {
  const c = new lua_native.init(undefined, { libraries: ['base'], shared: undefined });
  assertUsable(c);
  const d = new lua_native.init(undefined, { libraries: ['base'], shared: {} });
  assert.equal(d.info().bindingRefs.sharedTables, 0);
  assertUsable(d);
});

test('A9 shared works together with constructor callbacks (parsed last: it may overwrite one)', () => {
  const st = lua_native.createSharedTable({ v: 'shared' });
  const c = new lua_native.init({ cb: () => 'cb', S: 'from callbacks' }, { libraries: ['base'], shared: { S: st } });
  assert.equal(c.execute_script('return cb()'), 'cb');
  assert.equal(c.get_global('S.v'), 'shared');
});

// ------------------------------------------------------------------ reset, busy, dispose, collection

test('A9 re-published after reset (with the current value)', () => {
  const st = lua_native.createSharedTable({ v: 1 });
  const c = sub({ S: st });
  c.execute_script('S.v = "local" other = 1');
  st.set('w', 2);
  c.reset();
  assert.deepEqual(c.get_global('S'), { v: 1, w: 2 });
  assert.equal(c.get_global('other'), null);
  st.set('v', 3);
  assert.equal(c.get_global('S.v'), 3, 'still subscribed after the reset');
});

test('A9 readable through a table reference (get_global_ref), and re-published values are seen by a fresh one', () => {
  const st = lua_native.createSharedTable({ v: 1, nested: { n: 2 } });
  const c = sub({ S: st });
  const h = c.get_global_ref('S');
  assert.equal(h.get('v'), 1);
  assert.deepEqual(h.get('nested'), { n: 2 });
  assert.equal(c.get_global_ref('S.nested').get('n'), 2);
  assert.deepEqual(new Map(h.pairs()), new Map([['v', 1], ['nested', { n: 2 }]]));
  st.set('v', 3);
  // A publish replaces the global with a new table: a fresh reference reads the new value.
  assert.equal(c.get_global_ref('S').get('v'), 3);
});

test('A9 a busy subscriber is reported after the others are updated; the JS side is updated; sync() retries', async () => {
  const st = lua_native.createSharedTable({ v: 1 });
  const first = sub({ S: st });
  const busy = sub({ S: st });
  const last = sub({ S: st });
  const pending = busy.execute_script_async(SLOW);
  const e = throwsExactly(() => st.set('v', 2), Error);
  assert.equal(
    e.message.replace(/ \(.*\)\. The JS-side/, ' (…). The JS-side'),
    'shared table update failed for 1 of 3 contexts (…). The JS-side value was updated; call sync() to retry.',
  );
  assert.ok(e.message.includes(BUSY), e.message);
  assert.equal(typeof e.code, 'string');
  assert.equal(first.get_global('S.v'), 2);
  assert.equal(last.get_global('S.v'), 2);
  assert.equal(st.get('v'), 2);
  // sync() fails the same way while still busy.
  assert.throws(() => st.sync(), /^Error: shared table update failed for 1 of 3 contexts/);
  assert.equal(await pending, 'slow done');
  assert.equal(busy.get_global('S.v'), 1, 'the busy one kept the old value');
  st.sync();
  assert.equal(busy.get_global('S.v'), 2);
});

test('A9 several failures are counted and listed', async () => {
  const st = lua_native.createSharedTable({ v: 1 });
  const a = sub({ A: st });
  const b = sub({ B: st });
  sub({ C: st });
  const pa = a.execute_script_async(SLOW);
  const pb = b.execute_script_async(SLOW);
  const e = throwsExactly(() => st.set('v', 2), Error);
  assert.match(e.message, /^shared table update failed for 2 of 3 contexts \(.+\)\. The JS-side value was updated; call sync\(\) to retry\.$/);
  await Promise.all([pa, pb]);
  st.sync();
  assert.equal(a.get_global('A.v'), 2);
  assert.equal(b.get_global('B.v'), 2);
});

test('A9 disposed subscribers are dropped silently', () => {
  const st = lua_native.createSharedTable({ v: 1 });
  const live = sub({ S: st });
  const gone = sub({ S: st });
  gone.dispose();
  assert.equal(st.set('v', 2), undefined);
  assert.equal(st.sync(), undefined);
  assert.equal(live.get_global('S.v'), 2);
  throwsExactly(() => gone.get_global('S'), Error, 'the Lua context has been closed', 'LUA_DISPOSED');
});

test('A9 subscriptions are weak: a dropped context is collected and pruned', { skip: !gc && 'needs --expose-gc' }, async () => {
  const st = lua_native.createSharedTable({ v: 1 });
  const live = sub({ S: st });
  let refs = [];
  (() => {
    for (let i = 0; i < 20; i++) refs.push(new WeakRef(sub({ S: st })));
  })();
  await settle();
  st.set('v', 2);
  await settle();
  assert.equal(refs.filter((r) => r.deref() !== undefined).length, 0, 'the shared table kept no context alive');
  assert.equal(st.set('v', 3), undefined);
  assert.equal(live.get_global('S.v'), 3);
  refs = null;
});

test('A9 the context holds its shared table strongly (the table outlives the JS variable)', { skip: !gc && 'needs --expose-gc' }, async () => {
  let st = lua_native.createSharedTable({ v: 'kept' });
  const ref = new WeakRef(st);
  const c = sub({ S: st });
  st = null;
  await settle();
  assert.ok(ref.deref(), 'still alive through the context');
  c.reset();
  assert.equal(c.get_global('S.v'), 'kept', 're-published from the held table');
});
