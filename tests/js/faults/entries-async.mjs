// Allocation-failure sweep entries for the driven async doors (EVOLUTION B5,
// B13, B14): execute_async, call_async, resume_async, the async iterator of
// coroutines, close(coroutine). Each run awaits Promises, so the fault can
// fire in the first step, in a settlement's conversion or in a later step.
// Not a test file itself (see entries.mjs for the shape of an entry).
import assert from 'node:assert/strict';
import lua_native from '../load.mjs';

const { init } = lua_native;

const CALLBACKS = {
  later: (v) => Promise.resolve(v),
  refuse: () => Promise.reject(new Error('refused')),
  // A primitive reason: its text is the library's own error, with a `code`
  // (an Error object comes back as itself, without one; EVOLUTION B6).
  refuseText: () => Promise.reject('refused'),
  list: () => Promise.resolve({ items: [1, 2, { deep: 'x' }], name: 'made' }),
};

const all = () => ({ c: new init(CALLBACKS, { libraries: 'all' }) });

export const asyncEntries = [
  {
    name: 'execute_async: awaits, a rejection caught, tables across',
    setup: all,
    catches: true,
    run: (s) =>
      s.c.execute_async("local t = later({ 1, 2, 3 }) local ok, e = pcall(refuse) local l = list() local out = {} for i = 1, 8 do out[i] = { i, later('v' .. i) } end return #t, ok, l.items[3].deep, out"),
    check: (v) => {
      assert.equal(v[0], 3);
      assert.equal(v[2], 'x');
      assert.deepEqual(v[3][7], [8, 'v8']);
    },
  },
  {
    name: 'execute_async: an uncaught rejection',
    setup: all,
    run: (s) => s.c.execute_async('return refuseText()'),
    expect: { code: 'LUA_RUNTIME', message: /^refused$/ },
  },
  {
    name: 'call_async by name and by function',
    setup: () => {
      const s = all();
      s.c.execute_script('function twice(x) return later(x) * 2 end');
      s.f = s.c.execute_script('return function(a, b) return later(a) .. later(b) end');
      return s;
    },
    run: async (s) => [await s.c.call_async('twice', 21), await s.c.call_async(s.f, 'a', { b: 1 }.b)],
    check: (v) => assert.deepEqual(v, [42, 'a1']),
  },
  {
    name: 'resume_async and the async iterator',
    setup: all,
    catches: true,
    resumeErrors: /^(not enough memory|Coroutine is dead)$/,
    run: async (s) => {
      const co = s.c.create_coroutine('return function(a) local x = later(a) coroutine.yield(x, { later(1) }) return later("end") end');
      const out = [await s.c.resume_async(co, 5), await s.c.resume_async(co)];
      const it = s.c.create_coroutine('return function() for i = 1, 3 do coroutine.yield(later(i)) end end');
      const seen = [];
      for await (const v of it) seen.push(v);
      out.push(seen);
      return out;
    },
    check: (v) => {
      assert.deepEqual(v[0], { status: 'suspended', values: [5, [1]] });
      assert.deepEqual(v[2], [1, 2, 3]);
    },
  },
  {
    name: 'close(coroutine) with pending <close> variables',
    setup: all,
    run: (s) => {
      const co = s.c.create_coroutine('return function() local t <close> = setmetatable({}, { __close = function() closed = { 1, 2, 3 } end }) coroutine.yield(1) end');
      s.c.resume(co);
      s.c.close(co);
      return co.status;
    },
    check: (v) => assert.equal(v, 'dead'),
  },
];
