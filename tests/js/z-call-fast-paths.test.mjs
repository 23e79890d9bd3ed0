// Issue 18: the fast paths of a call crossing, attacked. A call from JS into
// a Lua function finds its function in lua-sys's reference table (a slot of
// the registry's array part) with two inline array reads, checks the stack's
// room inline before each value, reads numbers with no type check, and lets
// go of staged JS errors only when some were staged; these tests check that
// none of it changes what a call does at its edges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';

const RELEASED = 'Lua function has been released';
const STALE = 'Lua function is not usable: its Lua state was replaced by reset(); acquire a new handle';
const CLOSED = 'Lua function is not usable: its Lua context has been closed';
const REGISTRY = 'Cannot convert the Lua registry (debug.getregistry()) to a host value';

test('many arguments each way, past the inline buffers and the stack room a frame starts with', () => {
  const c = ctx(['base', 'table'], { echo: (...xs) => xs });
  const count = c.execute_script('return function(...) return select("#", ...), ... end');
  // 4 and 5: the first read's buffer; 8 and 9: `Args`'s inline room.
  for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 9, 19, 20, 21, 40, 250, 1000]) {
    const args = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? i : i % 3 === 1 ? `s${i}` : i + 0.5));
    const got = count(...args);
    const [len, ...rest] = n === 0 ? [got] : got;
    assert.equal(len, n);
    assert.deepEqual(rest, args, `${n} arguments in order`);
  }
  // All numbers, around the same edges (the one-step number path).
  const sum = c.execute_script('return function(...) local s = 0 for i = 1, select("#", ...) do s = s + select(i, ...) end return select("#", ...), s end');
  for (const n of [0, 1, 3, 4, 5, 8, 9]) {
    const args = Array.from({ length: n }, (_, i) => i + 1);
    assert.deepEqual(sum(...args), [n, (n * (n + 1)) / 2]);
  }
  // Lua -> JS with as many: the callback's arguments and its array result.
  const back = c.execute_script('return function(n) local t = {} for i = 1, n do t[i] = i end local r = echo(table.unpack(t)) return #r, r[1], r[n] end');
  assert.deepEqual(back(1000), [1000, 1, 1000]);
  assertUsable(c);
});

test('mixed argument types keep their conversions (numbers first, then everything else)', () => {
  const c = ctx(['base', 'math', 'table']);
  const types = c.execute_script('return function(...) local t = {} for i = 1, select("#", ...) do local v = select(i, ...) t[i] = math.type(v) or type(v) end return table.concat(t, ",") end');
  assert.equal(
    types(1, 1.5, -0, 2 ** 63, -(2 ** 63), NaN, Infinity, 'x', true, null, undefined, { a: 1 }, [1], 10n),
    'integer,float,float,float,integer,float,float,string,boolean,nil,nil,table,table,integer',
  );
  const is = c.execute_script('return function(...) return select("#", ...) end');
  assert.equal(is(null, undefined, 1), 3, 'nil arguments keep their place');
  throwsExactly(() => is(1, Symbol('s')), Error, 'Cannot convert a JavaScript Symbol to a Lua value', 'LUA_CONVERSION');
  throwsExactly(() => is(2n ** 64n), RangeError, 'BigInt value is out of range for a 64-bit Lua integer');
  // Elements and fields too: numbers, holes and other values side by side.
  const sum = c.execute_script('return function(t) local s, n = 0, 0 for k, v in pairs(t) do n = n + 1 if math.type(v) then s = s + v end end return s, n end');
  assert.deepEqual(sum([1, null, 2.5, 'x', undefined, 3]), [6.5, 4]);
  assert.deepEqual(sum({ a: 1, b: null, c: 'x', d: 2 }), [3, 3]);
  assertUsable(c);
});

test('a reference slot reused after release: the released wrapper stays released, the new value is its own', () => {
  const c = ctx(['base']);
  const first = c.execute_script('return function() return "first" end');
  assert.equal(first(), 'first');
  c.release(first);
  // The freed slot is the next one handed out: a new function, a table handle, a coroutine.
  const second = c.execute_script('return function() return "second" end');
  const table = c.get_global_ref('_G');
  const third = c.execute_script('return function() return "third" end');
  throwsExactly(() => first(), Error, RELEASED, 'LUA_RELEASED');
  assert.equal(second(), 'second');
  assert.equal(third(), 'third');
  assert.equal(typeof table.get('print'), 'function');
  // Many cycles: released slots are reused and never cross.
  const live = [];
  for (let i = 0; i < 2000; i++) {
    const f = c.execute_script(`return function() return ${i} end`);
    if (i % 3 === 0) live.push([i, f]);
    else c.release(f);
  }
  for (const [i, f] of live) assert.equal(f(), i);
  throwsExactly(() => first(), Error, RELEASED, 'LUA_RELEASED');
  assertUsable(c);
});

test('a call after its context was reset or disposed, also from inside the call itself', () => {
  let c;
  c = ctx(['base'], { reset: () => c.reset(), dispose: () => c.dispose() });
  const f = c.execute_script('return function(x) return x + 1 end');
  assert.equal(f(1), 2);
  c.reset();
  throwsExactly(() => f(1), Error, STALE, 'LUA_STALE_HANDLE');
  // reset() from inside a call made through a wrapper is refused (the state is running), and the call goes on.
  const g = c.execute_script('return function() local ok, e = pcall(reset) return ok, type(e) == "table" and e.message or tostring(e) end');
  const [ok, message] = g();
  assert.equal(ok, false);
  assert.match(message, /reset\(\) cannot be called while Lua is executing/);
  assert.equal(g()[0], false, 'the wrapper still works');
  c.dispose();
  throwsExactly(() => g(), Error, CLOSED, 'LUA_DISPOSED');
  throwsExactly(() => f(1), Error, CLOSED, 'LUA_DISPOSED');
});

// The reference table, as a script with the debug library finds it: the table among the
// registry's integer keys past Lua's own (1 to 3).
const REFS = 'local r = debug.getregistry() for k, v in pairs(r) do if math.type(k) == "integer" and k > 3 and type(v) == "table" then refs = v refs_key = k end end';

test('a script that replaces the reference table breaks the handles, never the process', () => {
  for (const replacement of ['{ "not", "refs" }', '42', 'nil', 'debug.getregistry()']) {
    const c = ctx(['base', 'debug', 'math']);
    const f = c.execute_script('return function() return 42 end');
    assert.equal(f(), 42);
    c.execute_script(REFS);
    assert.equal(c.execute_script('return refs_key'), 4, 'the slot after Lua\'s own');
    // The reference table is not convertible, as the registry is not.
    throwsExactly(() => c.execute_script('return refs'), Error, REGISTRY);
    throwsExactly(() => c.execute_script('return debug.getregistry()'), Error, REGISTRY);
    c.execute_script(`refs = nil debug.getregistry()[refs_key] = ${replacement}`);
    // Every handle refers to nothing; new ones anchor nothing; nothing is written into what replaced it.
    assert.throws(() => f(), /attempt to call a nil value/);
    const h = c.execute_script('return function() return 1 end');
    assert.throws(() => h(), /the handle refers to no value \(it could not be anchored\)/);
    c.release(f);
    c.release(h);
    if (replacement.startsWith('{')) {
      assert.equal(c.execute_script('local t = debug.getregistry()[refs_key] return #t .. t[1] .. t[2]'), '2notrefs');
    }
    assert.equal(c.execute_script('return 1 + 1'), 2);
    c.execute_script('collectgarbage() collectgarbage()');
    assertUsable(c);
  }
});

test('a script that empties, fills or relinks the reference table\'s slots breaks handles, never the process', () => {
  const c = ctx(['base', 'debug', 'math']);
  const f = c.execute_script('return function() return 42 end');
  c.execute_script(REFS);
  // Every function the host holds by reference is taken out.
  c.execute_script('for k, v in pairs(refs) do if type(v) == "function" then refs[k] = nil end end');
  assert.throws(() => f(), /attempt to call a nil value/);
  c.release(f);
  const g = c.execute_script('return function() return "new" end');
  assert.equal(g(), 'new', 'new handles anchor again');

  // Filled by the script past its array part (and given string keys): handles still anchor.
  c.execute_script('for i = #refs + 1, #refs + 100 do refs[i] = i end refs.x = "y"');
  const fresh = Array.from({ length: 50 }, (_, i) => c.execute_script(`return function() return ${i} end`));
  fresh.forEach((fn, i) => assert.equal(fn(), i));
  assert.equal(g(), 'new');

  // The free list's head corrupted, or pointed at a live handle's slot: handles made after may share
  // slots with older ones (what a script with the debug library can do to handles anyway), but a
  // call only ever finds some value or none, and releases never write past the table.
  for (const head of ['"x"', '-5', '2^53', '1e300', 'nil', '0.5', '#refs + 1000', 'next(refs, nil)']) {
    c.execute_script(`refs[1] = ${head}`);
    const made = Array.from({ length: 5 }, () => c.execute_script('return function() return "ok" end'));
    for (const fn of [...made, g, ...fresh]) {
      try {
        const r = fn();
        assert.ok(r === 'ok' || r === 'new' || typeof r === 'number', `${head}: ${r}`);
      } catch (e) {
        assert.match(e.message, /attempt to call a (nil|number|string|boolean|table) value/, head);
      }
    }
    for (const fn of made) c.release(fn);
  }
  // A metatable on it changes nothing (the table is read and written raw).
  c.execute_script('setmetatable(refs, { __index = function() error("read") end, __newindex = function() error("written") end, __len = function() return 0 end })');
  const m = c.execute_script('return function() return "raw" end');
  assert.equal(m(), 'raw');
  c.release(m);
  c.execute_script('refs = nil collectgarbage()');
  assertUsable(c);
});

test('a weak reference table or registry leaves handles empty, never dangling', () => {
  for (const weaken of ['setmetatable(refs, { __mode = "v" })', 'setmetatable(refs, { __mode = "k" })', 'setmetatable(debug.getregistry(), { __mode = "v" })']) {
    const d = ctx(['base', 'debug', 'math']);
    const h = d.execute_script('return function() return "kept" end');
    d.execute_script(REFS);
    d.execute_script(`${weaken} refs = nil`);
    const made = d.execute_script('return function() return "weak" end');
    d.execute_script('collectgarbage() collectgarbage()');
    // A table put in the slot afterwards is never taken for the reference table (not even in the
    // block the collected one held: lua-core's reference_table.rs makes that happen); a handle finds
    // a value or none.
    const replaced = d.execute_script('local r = debug.getregistry() if r[4] == nil then r[4] = { "a", "b", "c" } return true end return false');
    for (const fn of [h, made, d.execute_script('return function() return "later" end')]) {
      try {
        assert.ok(['kept', 'weak', 'later'].includes(fn()));
      } catch (e) {
        assert.match(e.message, /attempt to call a nil value|the handle refers to no value \(it could not be anchored\)/);
      }
    }
    if (replaced) assert.equal(d.execute_script('local t = debug.getregistry()[4] local n = 0 for _ in pairs(t) do n = n + 1 end return n .. t[1] .. t[3]'), '3ac', 'nothing written into the replacement');
    d.execute_script('collectgarbage()');
    assertUsable(d);
  }
});

test('a JS error staged by one call is let go at the next outermost call, and not before', () => {
  const thrown = new TypeError('boom');
  let during = -1;
  let inner;
  const c = ctx(['base'], {
    fail: () => { throw thrown; },
    count: () => { during = c.info().bindingRefs.errorRegistry; },
    nested: () => inner(),
  });
  inner = c.execute_script('return function() return 1 end');
  const f = c.execute_script('return function() local ok = pcall(fail) nested() count() return ok end');
  assert.equal(f(), false);
  assert.equal(during, 1, 'a call made from inside the state (nested) lets nothing go');
  const g = c.execute_script('return function() count() end');
  g();
  assert.equal(during, 0, 'the next outermost call let the staged object go');
  // Raised straight through, the object comes back as itself.
  const h = c.execute_script('return function() fail() end');
  assert.throws(() => h(), (err) => err === thrown);
  assertUsable(c);
});
