// EVOLUTION.md B5 (execute_async, cancel() at awaits), B13 (call_async,
// resume_async, Symbol.asyncIterator), B14 (close(coroutine)) and B11 as it
// applies to these doors, with the spec's exact texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';

const { init } = lua_native;
const BUSY = 'Lua context is busy with an async operation';
const TOP_YIELD =
  'coroutine.yield is not supported at the top level of execute_async or call_async; only awaiting a host Promise suspends execution. Use resume_async() to drive a coroutine that yields';
// The original 1.1.0 reports both as the callback's failure (parity: callbacks.returns-promise).
const syncText = (name) => `Host function '${name}' threw an exception: '${name}' returned a Promise; call it inside execute_async(), call_async(), or resume_async() to await it`;
const nestedText = (name) =>
  `Host function '${name}' threw an exception: cannot await a JS Promise from a coroutine this run is not driving (called '${name}'); await at the top level of execute_async / call_async, or drive the coroutine with resume_async`;

const tick = (ms = 1) => new Promise((r) => setTimeout(r, ms));
const later = (v, ms = 1) => new Promise((r) => setTimeout(() => r(v), ms));

function make(extra = {}, options = { libraries: 'all' }) {
  const gate = {};
  const c = new init(
    {
      later: (v, ms) => later(v, ms ?? 1),
      fail: (m) => Promise.reject(new TypeError(m)),
      failText: (m) => Promise.reject(m),
      wait: () => new Promise((resolve, reject) => Object.assign(gate, { resolve, reject })),
      never: () => new Promise(() => {}),
      ...extra,
    },
    options,
  );
  return { c, gate };
}

test('B5 a callback Promise suspends the script; resolve resumes with the value', async () => {
  const { c } = make();
  assert.equal(await c.execute_async('local a = later(20) local b = later(a + 1) return a + b'), 41);
  assert.deepEqual(await c.execute_async('return later({ 1, { x = "y" } }), later(nil), 3'), [[1, { x: 'y' }], null, 3]);
  assert.equal(c.is_busy(), false);
  assert.equal(c.execute_script('return 1'), 1);
});

test('B5 reject raises a Lua error pcall can catch; uncaught it rejects the run with the object itself', async () => {
  const { c } = make();
  assert.deepEqual(await c.execute_async("local ok, e = pcall(fail, 'nope') return ok, e.message, e.name"), [false, 'nope', 'TypeError']);
  const e = await c.execute_async("return fail('boom')").catch((e) => e);
  assert.ok(e instanceof TypeError);
  assert.equal(e.message, 'boom');
  const t = await c.execute_async("return failText('plain')").catch((e) => e);
  assert.equal(t.message, 'plain');
  assert.equal(t.code, 'LUA_RUNTIME');
  assert.deepEqual(await c.execute_async("local ok, e = pcall(failText, 'x') return ok, e"), [false, 'x']);
});

test('B5 is_busy() for the whole run, await gaps included; sync APIs refuse with the busy text', async () => {
  const { c, gate } = make();
  const run = c.execute_async('local v = wait() return v * 2');
  assert.equal(c.is_busy(), true);
  for (const call of [() => c.execute_script('return 1'), () => c.get_global('x'), () => c.set_global('x', 1), () => c.gc('count')]) {
    assert.throws(call, { message: BUSY, code: 'LUA_BUSY' });
  }
  // One run per context.
  assert.throws(() => c.execute_async('return 1'), { message: BUSY, code: 'LUA_BUSY' });
  assert.throws(() => c.call_async('print'), { message: BUSY, code: 'LUA_BUSY' });
  assert.throws(() => c.execute_script_async('return 1'), { message: BUSY, code: 'LUA_BUSY' });
  // reset() is refused while a run is suspended (EVOLUTION A4's guards).
  assert.throws(() => c.reset(), { message: BUSY, code: 'LUA_BUSY' });
  gate.resolve(21);
  assert.equal(await run, 42);
  assert.equal(c.is_busy(), false);
  c.reset();
});

test('B5 a Promise in sync doors throws the exact text, and is not left unhandled', async () => {
  const { c } = make();
  assert.throws(() => c.execute_script('return later(1)'), { message: syncText('later') });
  assert.throws(() => c.execute_script("return fail('x')"), { message: syncText('fail') });
  assert.deepEqual(c.execute_script('local ok, e = pcall(later, 1) return ok, e'), [false, syncText('later')]);
  const co = c.create_coroutine('return function() return later(1) end');
  const r = c.resume(co);
  assert.equal(r.status, 'dead');
  assert.equal(r.error, syncText('later'));
  await tick(5); // a rejected, refused Promise must not end the process
});

test('B5 plain coroutine.yield at the top level and an await from a nested coroutine throw the exact texts', async () => {
  const { c } = make();
  await assert.rejects(c.execute_async('coroutine.yield(1)'), { message: TOP_YIELD });
  c.execute_script('function y() coroutine.yield() end');
  await assert.rejects(c.call_async('y'), { message: TOP_YIELD });
  const nested = await c.execute_async('local co = coroutine.create(function() return later(1) end) return coroutine.resume(co)');
  assert.deepEqual(nested, [false, nestedText('later')]);
  // The refusal is not mistaken for an await: a plain yield afterwards is still one.
  await assert.rejects(
    c.execute_async('local co = coroutine.create(function() return later(1) end) coroutine.resume(co) coroutine.yield()'),
    { message: TOP_YIELD },
  );
  // Awaiting where the coroutine cannot yield (inside table.sort's comparator).
  const e = await c.execute_async('return pcall(table.sort, { 2, 1 }, function(a, b) later(1) return a < b end)');
  assert.deepEqual(e, [false, nestedText('later')]);
  assert.equal(c.is_busy(), false);
});

test('B5 cancel() at an await rejects with "execution cancelled"; no-op when idle or disposed', async () => {
  const { c } = make();
  c.cancel();
  const run = c.execute_async('return never()');
  await tick();
  c.cancel();
  await assert.rejects(run, { message: 'execution cancelled', code: 'LUA_CANCELLED' });
  assert.equal(c.is_busy(), false);
  assert.equal(c.execute_script('return 2'), 2);
  c.dispose();
  c.cancel();
});

test('B5 cancel() from a callback during a resume is deferred until the resume returns', async () => {
  let c;
  ({ c } = make({ stop: () => { c.cancel(); return later(1); }, stopSync: () => { c.cancel(); return 5; } }));
  await assert.rejects(c.execute_async('local v = stop() done = true return v'), { message: 'execution cancelled' });
  assert.equal(c.get_global('done'), null);
  // A sync callback: the step stops right after it returns, and the script cannot catch it.
  await assert.rejects(c.execute_async('later(1) pcall(stopSync) while true do end'), { message: /execution cancelled$/, code: 'LUA_CANCELLED' });
  assert.equal(c.execute_script('return 3'), 3);
});

test('B5 the { signal } option: already aborted, aborted at an await, and the cause', async () => {
  const { c } = make();
  const pre = AbortSignal.abort(new Error('before'));
  const e1 = await c.execute_async('return 1', { signal: pre }).catch((e) => e);
  assert.equal(e1.message, 'execution cancelled');
  assert.equal(e1.cause.message, 'before');
  const ac = new AbortController();
  const run = c.execute_async('return never()', { signal: ac.signal });
  await tick();
  ac.abort(new Error('later'));
  const e2 = await run.catch((e) => e);
  assert.equal(e2.code, 'LUA_CANCELLED');
  assert.equal(e2.cause.message, 'later');
  assert.throws(() => c.execute_async('return 1', { signal: 1 }), { name: 'TypeError', message: 'execute_async(): options.signal must be an AbortSignal' });
  assert.throws(() => c.execute_async('return 1', { chunkName: 3 }), { name: 'TypeError', message: 'execute_async() chunkName must be a string' });
  assert.throws(() => c.execute_async(42), { name: 'TypeError', message: 'Expected string argument' });
  await assert.rejects(c.execute_async('error("x")', { chunkName: '=job' }), { message: 'job:1: x' });
});

test('B11 dispose() during an await gap rejects the run with the closed text; a never-settling Promise does not hold it', async () => {
  const { c } = make();
  const run = c.execute_async('return never()');
  await tick();
  c.dispose();
  await assert.rejects(run, { message: 'the Lua context has been closed', code: 'LUA_DISPOSED' });
  assert.throws(() => c.execute_script('return 1'), { message: 'the Lua context has been closed' });
  // dispose() from a callback during a step is refused.
  let d;
  ({ c: d } = make({ kill: () => { try { d.dispose(); } catch (e) { return e.message; } return 'disposed'; } }));
  assert.equal(await d.execute_async('later(1) return kill()'), BUSY);
});

test('B11 execute_async may start nested inside a synchronous run; a script that keeps the awaiting coroutine cannot resume it', async () => {
  let inner;
  let c;
  let gate;
  ({ c, gate } = make({ start: () => { inner = c.execute_async('kept = coroutine.running() return wait() + 1'); return 'started'; } }));
  const [started, status, ok, msg] = c.execute_script('local s = start() local st = coroutine.status(kept) return s, st, coroutine.resume(kept, 99)');
  assert.deepEqual([started, status, ok], ['started', 'suspended', false]);
  assert.equal(msg, 'cannot resume a coroutine that is awaiting the host (only its driver settles the await)');
  gate.resolve(1);
  await assert.rejects(inner, { message: 'Coroutine is dead' });
  assert.equal(c.is_busy(), false);
  // Nested and left alone, the run completes normally.
  ({ c, gate } = make({ start: () => { inner = c.execute_async('return wait() + 1'); return 0; } }));
  c.execute_script('start()');
  assert.equal(c.is_busy(), true);
  gate.resolve(1);
  assert.equal(await inner, 2);
});

test('B11 limits hold across awaits; timeout counts each resume step, not the await gaps; limits cannot be caught', async () => {
  const { c } = make({}, { libraries: 'all', timeout: 100, maxInstructions: 2_000_000 });
  // Gaps are not charged: 3 × 60 ms of waiting under a 100 ms timeout.
  assert.equal(await c.execute_async('local n = 0 for i = 1, 3 do n = n + later(1, 60) end return n'), 3);
  // A runaway step after an await trips; pcall cannot swallow it.
  await assert.rejects(c.execute_async('later(1) pcall(function() while true do end end) while true do end'), (e) => ['LUA_TIMEOUT', 'LUA_INSTRUCTION_LIMIT'].includes(e.code));
  const t = new init({ later: (v) => later(v) }, { libraries: 'all', timeout: 50 });
  await assert.rejects(t.execute_async('later(1) local ok = pcall(function() while true do end end) return ok'), { code: 'LUA_TIMEOUT', message: /execution timeout/ });
  const m = new init({ later: (v) => later(v) }, { libraries: 'all', maxMemory: 2 * 1024 * 1024 });
  const r = await m.execute_async("later(1) local ok = pcall(function() local t = {} for i = 1, 1e7 do t[i] = ('x'):rep(64) .. i end end) return ok");
  assert.equal(r, false);
  assert.equal(m.execute_script('return 1 + 1'), 2);
});

test('B13 call_async by name, dotted path and function; __call tables refused; failures past validation reject', async () => {
  const { c } = make();
  c.execute_script('function twice(x) return later(x) * 2 end  lib = { add = function(a, b) return later(a) + b end }  callable = setmetatable({}, { __call = function() return 1 end })');
  assert.equal(await c.call_async('twice', 21), 42);
  assert.equal(await c.call_async('lib.add', 1, 2), 3);
  const f = c.execute_script('return function(...) return select("#", ...), later("ok") end');
  assert.deepEqual(await c.call_async(f, 1, 2, 3), [3, 'ok']);
  await assert.rejects(c.call_async('callable'), { message: "Lua global 'callable' is not a function", code: 'LUA_NOT_A_FUNCTION' });
  await assert.rejects(c.call_async('missing'), { message: "Lua global 'missing' is not a function" });
  await assert.rejects(c.call_async('twice', 'x'), /attempt to mul/);
  assert.throws(() => c.call_async(42), { name: 'TypeError', message: 'call_async(nameOrFn, ...args) requires a function name or a Lua function' });
  assert.throws(() => c.call_async(() => 1), { name: 'TypeError' });
  const other = make().c.execute_script('return function() end');
  assert.throws(() => c.call_async(other), { message: 'Lua function belongs to a different Lua context' });
});

test('B13 resume_async drives the caller\'s coroutine: {status, values, error?}; errors are not thrown', async () => {
  const { c } = make();
  const co = c.create_coroutine('return function(a) local x = later(a) local b = coroutine.yield(x, x + 1) error("bad " .. later(b), 0) end');
  assert.deepEqual(await c.resume_async(co, 5), { status: 'suspended', values: [5, 6] });
  assert.equal(co.status, 'suspended');
  assert.deepEqual(await c.resume_async(co, 'end'), { status: 'dead', values: [], error: 'bad end' });
  assert.equal(co.status, 'dead');
  assert.deepEqual(await c.resume_async(co), { status: 'dead', values: [], error: 'Coroutine is dead' });
  assert.throws(() => c.resume_async({}), { name: 'TypeError', message: 'Invalid coroutine object' });
  assert.throws(() => c.resume_async(), { name: 'TypeError', message: 'Expected a coroutine object as first argument' });
  // The sync resume() of the same coroutine keeps working; a finished one reports so.
  const done = c.create_coroutine('return function() return later(1) end');
  assert.deepEqual(await c.resume_async(done), { status: 'dead', values: [1] });
  assert.deepEqual(c.resume(done), { status: 'dead', values: [], error: 'Coroutine has finished' });
});

test('B13 cancel() of resume_async leaves the coroutine suspended and resumable', async () => {
  const { c } = make();
  const co = c.create_coroutine('return function() local v = never() return "got " .. tostring(v) end');
  const run = c.resume_async(co);
  await tick();
  c.cancel();
  await assert.rejects(run, { message: 'execution cancelled' });
  assert.equal(c.is_busy(), false);
  // Resumed again, the await returns the new values.
  assert.deepEqual(c.resume(co, 'late'), { status: 'dead', values: ['got late'] });
  // release() does not close and a borrowed thread is never released by the run.
  const kept = c.create_coroutine('return function() coroutine.yield(later(1)) return 2 end');
  assert.deepEqual(await c.resume_async(kept), { status: 'suspended', values: [1] });
  assert.deepEqual(await c.resume_async(kept), { status: 'dead', values: [2] });
});

test('B13 for await steps a coroutine through resume_async', async () => {
  const { c } = make();
  const co = c.create_coroutine('return function() for i = 1, 3 do coroutine.yield(later(i * 10)) end coroutine.yield(1, 2) return "last" end');
  const seen = [];
  for await (const v of co) seen.push(v);
  assert.deepEqual(seen, [10, 20, 30, [1, 2]]);
  // Finished: iterates empty. A failure is thrown from next().
  for await (const v of co) assert.fail(`unexpected ${v}`);
  const bad = c.create_coroutine("return function() coroutine.yield(1) fail('inside') end");
  const got = [];
  await assert.rejects(async () => {
    for await (const v of bad) got.push(v);
  }, { message: 'inside' });
  assert.deepEqual(got, [1]);
  assert.equal(bad.status, 'dead');
  assert.equal(Object.keys(co).includes(Symbol.asyncIterator), false);
  assert.equal(typeof co[Symbol.asyncIterator], 'function');
  // break ends the cursor, not the coroutine.
  const more = c.create_coroutine('return function() for i = 1, 5 do coroutine.yield(i) end end');
  for await (const v of more) if (v === 2) break;
  assert.deepEqual(c.resume(more), { status: 'suspended', values: [3] });
});

test('B14 close(coroutine) runs pending <close> variables, idempotent, exact error text', async () => {
  const { c } = make();
  const co = c.create_coroutine('return function() local t <close> = setmetatable({}, { __close = function() n = (n or 0) + 1 end }) coroutine.yield(1) end');
  c.resume(co);
  assert.equal(c.close(co), undefined);
  assert.equal(co.status, 'dead');
  c.close(co);
  assert.equal(c.get_global('n'), 1);
  assert.deepEqual(c.resume(co), { status: 'dead', values: [], error: 'Coroutine has finished' });
  // A __close that raises: close() throws, and the coroutine is dead anyway.
  const bad = c.create_coroutine("return function() local t <close> = setmetatable({}, { __close = function() error('in close', 0) end }) coroutine.yield() end");
  c.resume(bad);
  assert.throws(() => c.close(bad), { message: 'in close' });
  assert.equal(bad.status, 'dead');
  c.close(bad);
  // Dead, unstarted and released coroutines.
  const fresh = c.create_coroutine('return function() end');
  c.close(fresh);
  assert.equal(fresh.status, 'dead');
  const released = c.create_coroutine('return function() coroutine.yield() end');
  c.resume(released);
  c.release(released);
  c.close(released);
  for (const v of [undefined, null, 1, 'co', {}, () => 1]) {
    assert.throws(() => c.close(v), { name: 'TypeError', message: 'close(coroutine) requires a coroutine object' });
  }
  assert.throws(() => c.close(), { name: 'TypeError', message: 'close(coroutine) requires a coroutine object' });
  // A running coroutine (close from inside it) is refused with Lua's text.
  let self;
  const { c: d } = make({ closeMe: () => d.close(self) });
  self = d.create_coroutine('return function() return pcall(closeMe) end');
  const r = d.resume(self);
  assert.equal(r.values[0], false);
  assert.equal(r.values[1].message, 'cannot close a running coroutine');
  const other = make().c.create_coroutine('return function() end');
  assert.throws(() => c.close(other), { message: 'Lua coroutine belongs to a different Lua context' });
});

test('B11 a context collected while a run awaits, and a hostile Promise subclass', async () => {
  class Evil extends Promise {
    static get [Symbol.species]() {
      throw new Error('species');
    }
  }
  const { c } = make({ evil: () => new Evil((r) => r(1)) });
  const e = await c.execute_async('local ok, e = pcall(evil) return ok, e.message');
  assert.deepEqual(e, [false, 'species']);
  let settle;
  let run = (() => {
    const { c: gone } = make({ hold: () => new Promise((r) => (settle = r)) });
    return gone.execute_async('return hold() + 1');
  })();
  globalThis.gc?.();
  await tick(5);
  globalThis.gc?.();
  settle(41);
  assert.equal(await run, 42);
  run = null;
});

test('B11 a run whose Promise can never settle lets go of the state once that Promise is collected', { skip: !globalThis.gc && 'needs --expose-gc' }, async () => {
  const { c } = make();
  const run = c.execute_async('return never()');
  run.catch(() => {});
  assert.equal(c.is_busy(), true);
  for (let i = 0; i < 20 && c.is_busy(); i++) {
    globalThis.gc();
    await tick(5);
  }
  assert.equal(c.is_busy(), false);
  assert.equal(c.execute_script('return 5'), 5);
  // A Promise still held by someone keeps the run waiting for it.
  let held;
  const { c: d } = make({ keep: () => (held = new Promise((r) => setTimeout(() => r(7), 40))) });
  const kept = d.execute_async('return keep() + 1');
  globalThis.gc();
  await tick(5);
  globalThis.gc();
  assert.equal(d.is_busy(), true);
  assert.equal(await kept, 8);
  void held;
});

test('B5 awaits inside metamethods, iterators, pcall and xpcall resume where they were', async () => {
  const { c } = make();
  c.execute_script('obj = {} cls = {}');
  c.set_metatable('obj', { __index: (t, k) => later(`got ${k}`), __add: (a, b) => later(42) });
  assert.deepEqual(await c.execute_async('return obj.x, obj + 1'), ['got x', 42]);
  c.set_global('step', (s, i) => later(i < 3 ? i + 1 : null));
  assert.deepEqual(await c.execute_async('local out = {} for i in step, nil, 0 do out[#out + 1] = i end return out'), [1, 2, 3]);
  assert.deepEqual(await c.execute_async("return xpcall(fail, function(e) return 'handled ' .. e.message end, 'x')"), [false, 'handled x']);
  // A finalizer cannot yield: refused with the text, the run goes on.
  const r = await c.execute_async("setmetatable({}, { __gc = function() gcerr = select(2, pcall(later, 1)) end }) collectgarbage() collectgarbage() return later('after')");
  assert.equal(r, 'after');
  assert.equal(c.get_global('gcerr'), "Host function 'later' threw an exception: cannot await a JS Promise from a coroutine this run is not driving (called 'later'); await at the top level of execute_async / call_async, or drive the coroutine with resume_async");
});

test('B5 a callback re-entering the context during a step is refused as busy; values cross both ways', async () => {
  let c;
  const seen = [];
  ({ c } = make({
    peek: () => {
      for (const f of [() => c.get_global('x'), () => c.execute_async('return 1'), () => c.reset(), () => c.close(c.create_coroutine)]) {
        try {
          f();
        } catch (e) {
          seen.push(e.message);
        }
      }
      return later({ list: [1, 2], nested: { fn: (v) => v * 2 } });
    },
  }));
  const out = await c.execute_async('local r = peek() return r.list[2], r.nested.fn(21)');
  assert.deepEqual(out, [2, 42]);
  assert.deepEqual(seen, [BUSY, BUSY, BUSY, BUSY]);
});

test('B13 the run of resume_async ends at a plain yield; awaits and yields interleave', async () => {
  const { c } = make();
  const co = c.create_coroutine('return function() local a = coroutine.yield(later(1)) local b = coroutine.yield(later(a + 1)) return later(b + 1) end');
  assert.deepEqual(await c.resume_async(co), { status: 'suspended', values: [1] });
  assert.equal(c.is_busy(), false);
  // The sync resume() of a coroutine that awaits refuses the Promise.
  const sync = c.resume(co, 10);
  assert.equal(sync.status, 'dead');
  assert.match(sync.error, /returned a Promise/);
  const co2 = c.create_coroutine('return function() local a = coroutine.yield(later(1)) return later(a + 1) end');
  assert.deepEqual(await c.resume_async(co2), { status: 'suspended', values: [1] });
  assert.deepEqual(await c.resume_async(co2, 41), { status: 'dead', values: [42] });
});
