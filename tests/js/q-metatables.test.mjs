// API-SEED §10 area Q: metatables with set_metatable (items 173-199), §2.6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';

/** A context with base loaded and a global table `v = { x = 10, y = 20 }`. */
function withVector() {
  const c = ctx(['base', 'string']);
  c.execute_script('v = { x = 10, y = 20 } w = { x = 1, y = 2 }');
  return c;
}

test('Q173 __tostring returning a constant', () => {
  const c = withVector();
  c.set_metatable('v', { __tostring: () => 'a vector' });
  assert.equal(c.execute_script('return tostring(v)'), 'a vector');
});

test('Q174 __tostring receives the table and can read its fields ("(10, 20)")', () => {
  const c = withVector();
  c.set_metatable('v', { __tostring: (t) => `(${t.x}, ${t.y})` });
  assert.equal(c.execute_script('return tostring(v)'), '(10, 20)');
});

test('Q175 __add', () => {
  const c = withVector();
  c.set_metatable('v', { __add: (a, b) => a.x + b.x });
  assert.equal(c.execute_script('return v + w'), 11);
  assert.equal(c.execute_script('return v + { x = 5 }'), 15);
});

test('Q176 __sub', () => {
  const c = withVector();
  c.set_metatable('v', { __sub: (a, b) => a.y - b.y });
  assert.equal(c.execute_script('return v - w'), 18);
});

test('Q177 __mul', () => {
  const c = withVector();
  c.set_metatable('v', { __mul: (a, k) => ({ x: a.x * k, y: a.y * k }) });
  assert.deepEqual(c.execute_script('local r = v * 3 return r.x, r.y'), [30, 60]);
});

test('Q178 __div (20 / 4 -> 5)', () => {
  const c = ctx(['base']);
  c.execute_script('n = { value = 20 }');
  c.set_metatable('n', { __div: (a, b) => a.value / b });
  assert.equal(c.execute_script('return n / 4'), 5);
});

test('Q179 __unm', () => {
  const c = withVector();
  c.set_metatable('v', { __unm: (a) => ({ x: -a.x, y: -a.y }) });
  assert.deepEqual(c.execute_script('local r = -v return r.x, r.y'), [-10, -20]);
});

test('Q180 __mod', () => {
  const c = withVector();
  c.set_metatable('v', { __mod: (a, m) => a.x % m });
  assert.equal(c.execute_script('return v % 3'), 1);
});

test('Q181 __concat', () => {
  const c = withVector();
  c.set_metatable('v', { __concat: (a, b) => (typeof a === 'string' ? `${a}[vec ${b.x}]` : `[vec ${a.x}]${b}`) });
  assert.equal(c.execute_script('return v .. "!"'), '[vec 10]!');
  assert.equal(c.execute_script('return "?" .. v'), '?[vec 10]');
});

test('Q182 __len', () => {
  const c = withVector();
  c.set_metatable('v', { __len: () => 42 });
  assert.equal(c.execute_script('return #v'), 42);
});

test('Q183 __eq when both tables carry it', () => {
  const c = ctx(['base']);
  c.execute_script('a = { id = 1 } b = { id = 1 } d = { id = 2 }');
  const eq = (x, y) => x.id === y.id;
  c.set_metatable('a', { __eq: eq });
  c.set_metatable('b', { __eq: eq });
  c.set_metatable('d', { __eq: eq });
  assert.deepEqual(c.execute_script('return a == b, a == d, a ~= d, rawequal(a, b)'), [true, false, true, false]);
});

test('Q184 __lt (and the reverse comparison is false)', () => {
  const c = ctx(['base']);
  c.execute_script('small = { n = 1 } big = { n = 5 }');
  const lt = (x, y) => x.n < y.n;
  c.set_metatable('small', { __lt: lt });
  c.set_metatable('big', { __lt: lt });
  assert.deepEqual(c.execute_script('return small < big, big < small, big > small'), [true, false, true]);
});

test('Q185 __le', () => {
  const c = ctx(['base']);
  c.execute_script('p = { n = 3 } q = { n = 3 } r = { n = 1 }');
  const le = (x, y) => x.n <= y.n;
  for (const n of ['p', 'q', 'r']) c.set_metatable(n, { __le: le });
  assert.deepEqual(c.execute_script('return p <= q, r <= p, p <= r, p >= r'), [true, true, false, true]);
});

test('Q185 (spec 2.6) comparison results follow Lua truthiness: a JS 0 is true', () => {
  const c = ctx(['base']);
  c.execute_script('a = {} b = {}');
  c.set_metatable('a', { __lt: () => 0, __eq: () => null });
  c.set_metatable('b', { __lt: () => 0, __eq: () => null });
  assert.deepEqual(c.execute_script('return a < b, a == b'), [true, false]);
});

test('Q186 __call receives the table and the call arguments (50)', () => {
  const c = ctx(['base']);
  c.execute_script('calc = { base = 20 }');
  let self;
  c.set_metatable('calc', { __call: (t, a, b) => { self = t; return t.base + a + b; } });
  assert.equal(c.execute_script('return calc(10, 20)'), 50);
  assert.equal(self.base, 20, 'the table arrives as a live Proxy');
});

test('Q187 __index as a function (default_foo)', () => {
  const c = ctx(['base']);
  c.execute_script('t = { real = 1 }');
  c.set_metatable('t', { __index: (tbl, key) => `default_${key}` });
  assert.deepEqual(c.execute_script('return t.foo, t.real, rawget(t, "foo")'), ['default_foo', 1, null]);
});

test('Q188 __index as a table of fallbacks (99)', () => {
  const c = ctx(['base']);
  c.execute_script('t = {}');
  c.set_metatable('t', { __index: { fallback: 99, nested: { deep: true } } });
  assert.deepEqual(c.execute_script('return t.fallback, t.nested.deep, t.none'), [99, true, null]);
});

test('Q189 __newindex as a function intercepts the write (rawget stays nil; key and value captured)', () => {
  const c = ctx(['base']);
  c.execute_script('t = {}');
  const captured = [];
  c.set_metatable('t', { __newindex: (tbl, k, v) => { captured.push([k, v]); } });
  assert.equal(c.execute_script('t.color = "red" t[3] = true return rawget(t, "color")'), null);
  assert.deepEqual(captured, [['color', 'red'], [3, true]]);
});

test('Q190 several metamethods on one table work together', () => {
  const c = ctx(['base']);
  c.execute_script('obj = { v = 7 }');
  const log = [];
  c.set_metatable('obj', {
    __tostring: (t) => `obj(${t.v})`,
    __len: (t) => t.v,
    __add: (a, b) => a.v + b,
    __index: (t, k) => `missing:${k}`,
    __newindex: (t, k, v) => { log.push(k); },
    __call: (t, x) => x * t.v,
  });
  assert.deepEqual(
    c.execute_script('obj.new = 1 return tostring(obj), #obj, obj + 3, obj.zzz, obj(6)'),
    ['obj(7)', 7, 10, 'missing:zzz', 42]
  );
  assert.deepEqual(log, ['new']);
});

test('Q191 a missing global is rejected with a message containing "does not exist"', () => {
  const c = ctx(['base']);
  const e = throwsExactly(() => c.set_metatable('nope', { __index: () => 1 }), Error, "Global 'nope' does not exist", 'LUA_INVALID_ARGUMENT');
  assert.match(e.message, /does not exist/);
  assertUsable(c);
});

test('Q192 a non-table global (number, string, boolean, function, userdata) is rejected with "not a table"', () => {
  const c = ctx(['base']);
  c.execute_script('num = 5 str = "s" bool = true fn = function() end');
  c.set_userdata('ud', {});
  for (const name of ['num', 'str', 'bool', 'fn', 'ud']) {
    throwsExactly(() => c.set_metatable(name, {}), Error, `Global '${name}' is not a table`, 'LUA_INVALID_ARGUMENT');
  }
  assert.equal(c.execute_script('return getmetatable(num)'), null);
  assertUsable(c);
});

test('Q193 a metatable can be attached to a table created by Lua code', () => {
  const c = ctx(['base']);
  c.execute_script('made = {} for i = 1, 3 do made[i] = i * 10 end');
  c.set_metatable('made', { __len: () => 99, __index: (t, k) => -1 });
  assert.deepEqual(c.execute_script('return #made, made[2], made[10], rawlen(made)'), [99, 20, -1, 3]);
});

test('Q194 metatable functions are not visible as globals', () => {
  const c = ctx(['base', 'string']);
  c.execute_script('t = {}');
  c.set_metatable('t', { __index: () => 1, __call: () => 2 });
  assert.equal(c.execute_script('local n = 0 for k in pairs(_G) do if type(k) == "string" and k:find("^__mt_") then n = n + 1 end end return n'), 0);
  assert.equal(c.execute_script('return __mt_1___index'), null);
  assert.equal(c.execute_script('return t()'), 2);
});

test('Q195 an empty metatable leaves the table working normally (and it now converts as a Proxy)', () => {
  const c = ctx(['base']);
  c.execute_script('t = { a = 1, 10, 20 }');
  c.set_metatable('t', {});
  assert.deepEqual(c.execute_script('t.b = 2 return t.a, t.b, #t, type(getmetatable(t))'), [1, 2, 2, 'table']);
  const p = c.get_global('t');
  assert.equal(p.a, 1);
  p.c = 3;
  assert.equal(c.execute_script('return t.c'), 3);
});

test('Q196 an exception in a metamethod becomes an error containing its message', () => {
  const c = ctx(['base']);
  c.execute_script('t = {}');
  c.set_metatable('t', { __index: () => { throw new Error('index exploded'); } });
  const e = throwsExactly(() => c.execute_script('return t.x'), Error, 'index exploded');
  assert.match(e.message, /index exploded/);
  assert.deepEqual(c.execute_script('local ok, e = pcall(function() return t.y end) return ok, e.message'), [false, 'index exploded']);
  assertUsable(c);
});

test('Q196 (spec 2.6) the __mt_<id> counter advances per validated call, even one that fails', () => {
  const c = ctx(['base']);
  c.execute_script('t = {}');
  assert.throws(() => c.set_metatable('missing', { __add: () => 1 }), /does not exist/);  // id 1
  assert.throws(() => c.set_metatable(1, {}), TypeError);                                 // not validated: no id
  // A primitive thrown keeps the name in the text (an Error would come back as itself, B6).
  c.set_metatable('t', { __add: () => { throw 'no'; } });                                // id 2
  throwsExactly(() => c.execute_script('return t + 1'), Error, "Host function '__mt_2___add' threw an exception: no");
});

test('Q197 many successful and failed attachments leave the context balanced and usable', () => {
  const c = ctx(['base']);
  c.execute_script('t = {} n = 1');
  for (let i = 0; i < 500; i++) {
    c.set_metatable('t', { __index: { k: i } });
    assert.throws(() => c.set_metatable('n', {}), /not a table/);
    assert.throws(() => c.set_metatable('none', {}), /does not exist/);
  }
  assert.equal(c.execute_script('return t.k'), 499);
  assert.equal(c.execute_script('local a, b, c2 = 1, 2, 3 return select("#", a, b, c2)'), 3);
  assertUsable(c);
});

test('Q198 a static __metatable value is what getmetatable returns, and protects the metatable', () => {
  const c = ctx(['base']);
  c.execute_script('t = {}');
  c.set_metatable('t', { __metatable: 'locked', __index: { hidden: 1 } });
  assert.deepEqual(c.execute_script('return getmetatable(t), t.hidden'), ['locked', 1]);
  throwsExactly(() => c.execute_script('setmetatable(t, {})'), Error, /cannot change a protected metatable/, 'LUA_RUNTIME');
  // set_metatable itself ignores the protection and replaces it.
  c.set_metatable('t', { __index: { other: 2 } });
  assert.deepEqual(c.execute_script('return type(getmetatable(t)), t.hidden, t.other'), ['table', null, 2]);
});

test('Q199 attaching a new metatable replaces the previous behaviour ("first" -> "second")', () => {
  const c = ctx(['base']);
  c.execute_script('t = {}');
  c.set_metatable('t', { __tostring: () => 'first', __len: () => 1 });
  assert.equal(c.execute_script('return tostring(t)'), 'first');
  c.set_metatable('t', { __tostring: () => 'second' });
  assert.equal(c.execute_script('return tostring(t)'), 'second');
  assert.equal(c.execute_script('return #t'), 0, 'the previous __len is gone');
});

test('Q (spec 2.6, texts of 1.1.0) set_metatable argument errors', () => {
  const c = ctx(['base']);
  c.execute_script('t = {}');
  for (const args of [[], [1, {}], [null, {}], [true, {}]]) {
    throwsExactly(() => c.set_metatable(...args), TypeError, 'set_metatable(target, metatable) requires a global name or a table handle', 'LUA_INVALID_ARGUMENT');
  }
  for (const args of [['t'], ['t', null], ['t', 5], ['t', 'str']]) {
    throwsExactly(() => c.set_metatable(...args), TypeError, 'set_metatable(): metatable must be an object', 'LUA_INVALID_ARGUMENT');
  }
  assertUsable(c);
});

test('Q (spec 2.6) the owner table arrives as a Proxy, a plain operand as a copy', () => {
  const c = ctx(['base']);
  c.execute_script('v = { x = 1 }');
  c.set_metatable('v', { __add: (a, b) => { a.x = 100; b.x = 200; return 0; } });
  c.execute_script('other = { x = 2 } _ = v + other');
  assert.deepEqual(c.execute_script('return v.x, other.x'), [100, 2]);
});

test('Q (spec 2.6) a metatable on _G itself works', () => {
  const c = ctx(['base']);
  c.set_metatable('_G', { __index: (t, k) => `auto_${k}` });
  assert.equal(c.execute_script('return undefinedThing'), 'auto_undefinedThing');
  assert.equal(c.get_global('alsoMissing'), 'auto_alsoMissing');
});

test('Q (spec 2.6) non-function entries are stored as values; nested functions are real Lua functions (DECISIONS 6)', () => {
  const c = ctx(['base']);
  c.execute_script('t = {}');
  c.set_metatable('t', { __name: 'MyType', __index: { helper: (x) => x + 1, n: 5 } });
  assert.deepEqual(c.execute_script('return getmetatable(t).__name, t.n, type(t.helper), t.helper(41)'), ['MyType', 5, 'function', 42]);
});

test('Q (spec 2.6) __close implemented in JS runs when a to-be-closed variable goes out of scope', () => {
  const c = ctx(['base']);
  c.execute_script('res = {}');
  let closed = 0;
  c.set_metatable('res', { __close: () => { closed++; } });
  c.execute_script('do local r <close> = res end');
  assert.equal(closed, 1);
});
