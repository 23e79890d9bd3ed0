// Stopping a run from JavaScript: `cancel()` (EVOLUTION.md B5 "Worker runs: sets the atomic
// flag ..." and A2 "raises `execution cancelled`"; a no-op when idle and on a disposed context,
// B5/B22), the `{ signal }` option of the async doors, `dispose()` during an async run, and the
// Node environment going away (a worker thread terminated, `process.exit()`).
// DECISIONS 11: like a limit, a cancel cannot be caught by the script; the error carries the
// code LUA_CANCELLED (DECISIONS 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { getEventListeners } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable, rejection } from './helpers.mjs';

const CANCELLED = /execution cancelled$/;
const CLOSED = 'the Lua context has been closed';
const LOAD = pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), 'load.mjs')).href;

/** Scripts that never end by themselves, including ones that try to catch the cancel. */
const ENDLESS = {
  loop: 'while true do end',
  pcall: 'while true do pcall(function() while true do end end) end',
  xpcall: 'while true do xpcall(function() while true do end end, function() while true do end end) end',
  coroutine: 'while true do pcall(coroutine.wrap(function() while true do end end)) end',
  close: 'while true do local x <close> = setmetatable({}, { __close = function() while true do end end }) while true do end end',
  // One call into C that would never return (backtracking over 2^60 ways).
  pattern: "local s = string.rep('a', 60) return s:match(string.rep('a?', 60) .. s .. 'b')",
};

function assertCancelled(e) {
  assert.ok(e instanceof Error, String(e));
  assert.match(e.message, CANCELLED);
  assert.equal(e.code, 'LUA_CANCELLED');
}

const turn = () => new Promise((r) => setImmediate(r));

// ------------------------------------------------------------------ cancel() of worker runs

test('B5 cancel() stops a worker run of `while true do end`: the promise rejects with "execution cancelled" (LUA_CANCELLED)', async () => {
  const c = ctx(['base']);
  const p = c.execute_script_async(ENDLESS.loop);
  assert.equal(c.is_busy(), true);
  // A few turns of the event loop: the worker is (most likely) inside the loop by then; the
  // outcome is the same either way.
  for (let i = 0; i < 5; i++) await turn();
  assert.equal(c.cancel(), undefined);
  assertCancelled(await rejection(p));
  assert.equal(c.is_busy(), false);
  assertUsable(c);
  assert.equal(await c.execute_script_async('return 6 * 7'), 42);
});

test('B5 cancel() right after starting counts: the run is in flight from the moment the state is lent', async () => {
  const c = ctx(['base']);
  const p = c.execute_script_async('ran = true while true do end');
  c.cancel();
  assertCancelled(await rejection(p));
  assertUsable(c);
});

test('DECISIONS 11: the script cannot catch a cancel (pcall, xpcall handlers, coroutines, __close), nor outlast it in one long C call', async () => {
  const c = ctx('all');
  for (const [name, source] of Object.entries(ENDLESS)) {
    const p = c.execute_script_async(source);
    await turn();
    c.cancel();
    const e = await rejection(p);
    assert.match(e.message, CANCELLED, name);
    assert.equal(e.code, 'LUA_CANCELLED', name);
    assertUsable(c);
  }
});

test('B5 cancel() also stops execute_file_async', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-native-cancel-'));
  try {
    const file = path.join(dir, 'endless.lua');
    fs.writeFileSync(file, ENDLESS.pcall);
    const c = ctx(['base']);
    const p = c.execute_file_async(file);
    await turn();
    c.cancel();
    assertCancelled(await rejection(p));
    assertUsable(c);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('B5 cancel() works beside the limits, and each limit still reports itself afterwards', async () => {
  const c = new lua_native.init({}, { libraries: ['base'], maxInstructions: 1e12, timeout: 3600e3 });
  const p = c.execute_script_async(ENDLESS.loop);
  c.cancel();
  assertCancelled(await rejection(p));
  const limited = new lua_native.init({}, { libraries: ['base'], maxInstructions: 1e6 });
  limited.cancel();
  const e = await rejection(limited.execute_script_async(ENDLESS.pcall));
  assert.equal(e.code, 'LUA_INSTRUCTION_LIMIT');
});

test('B5 cancel() when idle is a no-op and does not poison the next run (sync or async)', async () => {
  const c = ctx(['base']);
  c.cancel();
  c.cancel();
  assert.equal(c.execute_script('local n = 0 for i = 1, 1e5 do n = n + 1 end return n'), 1e5);
  c.cancel();
  assert.equal(await c.execute_script_async('local n = 0 for i = 1, 1e5 do n = n + 1 end return n'), 1e5);
  // Nor does a cancel of a run that already finished carry over.
  const p = c.execute_script_async('return 1');
  assert.equal(await p, 1);
  c.cancel();
  assert.equal(await c.execute_script_async('return 2'), 2);
});

test('B22 cancel() on a disposed context is a no-op', () => {
  const c = ctx(['base']);
  c.dispose();
  assert.equal(c.cancel(), undefined);
  assert.equal(c.cancel(), undefined);
  throwsExactly(() => c.execute_script('return 1'), Error, CLOSED, 'LUA_DISPOSED');
});

test('cancel() is a method of every context, not callable on other objects', () => {
  assert.equal(typeof lua_native.init.prototype.cancel, 'function');
  throwsExactly(() => lua_native.init.prototype.cancel.call({}), TypeError, /Illegal invocation/);
});

// ------------------------------------------------------------------ { signal }

test('{ signal }: aborting cancels the run; the rejection carries signal.reason as its cause; the listener is removed', async () => {
  const c = ctx(['base']);
  const controller = new AbortController();
  const p = c.execute_script_async(ENDLESS.pcall, { signal: controller.signal });
  assert.equal(getEventListeners(controller.signal, 'abort').length, 1);
  await turn();
  const reason = new Error('enough');
  controller.abort(reason);
  const e = await rejection(p);
  assertCancelled(e);
  assert.equal(e.cause, reason);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  assertUsable(c);
});

test('{ signal }: an already-aborted signal rejects at once and the script does not run', async () => {
  const c = ctx(['base']);
  const signal = AbortSignal.abort('not today');
  const p = c.execute_script_async('ran = true return 1', { signal });
  assert.equal(c.is_busy(), false);
  const e = await rejection(p);
  assert.equal(e.message, 'execution cancelled');
  assert.equal(e.code, 'LUA_CANCELLED');
  assert.equal(e.cause, 'not today');
  assert.equal(c.get_global('ran'), null);
  assert.equal(getEventListeners(signal, 'abort').length, 0);
  const e2 = await rejection(c.execute_file_async('/nonexistent/never-read.lua', { signal }));
  assert.equal(e2.code, 'LUA_CANCELLED');
});

test('{ signal }: a run that ends normally removes its listener, and a later abort touches nothing', async () => {
  const c = ctx(['base']);
  const controller = new AbortController();
  assert.equal(await c.execute_script_async('return 5', { signal: controller.signal }), 5);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  const failed = await rejection(c.execute_script_async('error("own failure")', { signal: controller.signal }));
  assert.equal(failed.code, 'LUA_RUNTIME');
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  controller.abort();
  assert.equal(await c.execute_script_async('return 6'), 6);
  // One signal for several contexts stops each of their runs.
  const shared = new AbortController();
  const a = ctx(['base']);
  const b = ctx(['base']);
  const runs = [a.execute_script_async(ENDLESS.loop, { signal: shared.signal }), b.execute_script_async(ENDLESS.loop, { signal: shared.signal })];
  shared.abort();
  for (const outcome of await Promise.allSettled(runs)) {
    assert.equal(outcome.status, 'rejected');
    assertCancelled(outcome.reason);
  }
  assert.equal(getEventListeners(shared.signal, 'abort').length, 0);
});

test('{ signal } on execute_file_async, and AbortSignal.timeout works as a deadline', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-native-cancel-'));
  try {
    const file = path.join(dir, 'endless.lua');
    fs.writeFileSync(file, ENDLESS.loop);
    const c = ctx(['base']);
    const controller = new AbortController();
    const p = c.execute_file_async(file, { signal: controller.signal });
    controller.abort();
    assertCancelled(await rejection(p));
    const e = await rejection(c.execute_file_async(file, { signal: AbortSignal.timeout(20) }));
    assertCancelled(e);
    assert.equal(e.cause.name, 'TimeoutError');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('{ signal }: options are checked (TypeError), and empty options are fine', async () => {
  const c = ctx(['base']);
  for (const bad of [5, 'x', true]) {
    throwsExactly(() => c.execute_script_async('return 1', bad), TypeError, /options must be an object/, 'LUA_INVALID_ARGUMENT');
  }
  for (const signal of [{}, { aborted: false }, null, 'abort', new AbortController()]) {
    throwsExactly(() => c.execute_script_async('return 1', { signal }), TypeError, 'execute_script_async(): options.signal must be an AbortSignal', 'LUA_INVALID_ARGUMENT');
    throwsExactly(() => c.execute_file_async('x.lua', { signal }), TypeError, 'execute_file_async(): options.signal must be an AbortSignal', 'LUA_INVALID_ARGUMENT');
  }
  assert.equal(c.is_busy(), false);
  for (const options of [undefined, null, {}, { signal: undefined }]) {
    assert.equal(await c.execute_script_async('return 3', options), 3);
  }
  // The busy check comes first, as for every method.
  const controller = new AbortController();
  const p = c.execute_script_async(ENDLESS.loop, { signal: controller.signal });
  throwsExactly(() => c.execute_script_async('return 1', { signal: AbortSignal.abort() }), Error, 'Lua context is busy with an async operation', 'LUA_BUSY');
  controller.abort();
  assertCancelled(await rejection(p));
});

// ------------------------------------------------------------------ dispose() during an async run

test('dispose() during an async run cancels it: the promise rejects with the closed error and the state closes', async () => {
  const c = ctx(['base']);
  const controller = new AbortController();
  const p = c.execute_script_async(ENDLESS.pcall, { signal: controller.signal });
  await turn();
  assert.equal(c.dispose(), undefined);
  assert.equal(c.dispose(), undefined);
  c.cancel();
  throwsExactly(() => c.execute_script('return 1'), Error, CLOSED, 'LUA_DISPOSED');
  throwsExactly(() => c.info(), Error, `info() is unavailable: ${CLOSED}`, 'LUA_DISPOSED');
  const e = await rejection(p);
  assert.equal(e.message, CLOSED);
  assert.equal(e.code, 'LUA_DISPOSED');
  assert.equal(c.is_busy(), false);
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
  throwsExactly(() => c.get_global('x'), Error, CLOSED, 'LUA_DISPOSED');
  await assert.rejects(Promise.resolve().then(() => c.execute_script_async('return 1')), { code: 'LUA_DISPOSED' });
});

/** Runs `source` (an ES module body, with `lua_native` imported) in a child Node process. */
function child(source) {
  const code = `import lua_native from ${JSON.stringify(LOAD)};\n${source}`;
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    proc.on('error', reject);
    proc.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

// These wait for a child process to end; were the run not stopped, the child would never
// exit, so the generous timeout only keeps a failure from hanging the whole suite.
const CHILD = { timeout: 120e3 };

test('dispose() during an async run lets the process exit on its own', CHILD, async () => {
  const r = await child(`
    const c = new lua_native.init({}, { libraries: ['base'] });
    c.execute_script_async('while true do end').catch((e) => console.log('rejected', e.code));
    c.dispose();
  `);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout.trim(), 'rejected LUA_DISPOSED');
  assert.equal(r.status, 0);
});

test('process.exit() during an async run exits (the run is cancelled on the exit event)', CHILD, async () => {
  const r = await child(`
    const c = new lua_native.init({}, { libraries: ['base'] });
    c.execute_script_async('while true do end').catch(() => {});
    setImmediate(() => process.exit(7));
  `);
  assert.equal(r.stderr, '');
  assert.equal(r.status, 7);
});

// ------------------------------------------------------------------ worker threads going away

/** Starts a worker that runs `body` (with `lua_native` and `parentPort` in scope) and posts 'started'. */
function worker(body) {
  const code = `import lua_native from ${JSON.stringify(LOAD)};\nimport { parentPort } from 'node:worker_threads';\n${body}`;
  const w = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`));
  const started = new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  const exited = new Promise((resolve) => w.once('exit', resolve));
  return { w, started, exited };
}

test('worker.terminate() during an async run: the run is cancelled and the worker ends', CHILD, async () => {
  const { w, started, exited } = worker(`
    const c = new lua_native.init({}, { libraries: ['base'] });
    c.execute_script_async('while true do pcall(function() while true do end end) end').catch(() => {});
    parentPort.postMessage('started');
  `);
  assert.equal(await started, 'started');
  assert.equal(await w.terminate(), 1);
  assert.equal(await exited, 1);
});

test('process.exit() inside a worker during an async run ends the worker', CHILD, async () => {
  const { started, exited } = worker(`
    const c = new lua_native.init({}, { libraries: ['base'] });
    c.execute_script_async('while true do end').catch(() => {});
    parentPort.postMessage('started');
    setImmediate(() => process.exit(3));
  `);
  assert.equal(await started, 'started');
  assert.equal(await exited, 3);
});

test('a worker that ran async runs (and loaded the addon twice) ends on its own, cleanly', CHILD, async () => {
  const addon = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'lua-native.node');
  const { started, exited } = worker(`
    const c = new lua_native.init({}, { libraries: ['base'] });
    const first = await c.execute_script_async('return 40 + 2');
    let second = 1;
    if (${!process.env.LUA_NATIVE_PACKAGE && fs.existsSync(addon)}) {
      const again = { exports: {} };
      process.dlopen(again, ${JSON.stringify(addon)});
      second = await new again.exports.init().execute_script_async('return 1');
    }
    parentPort.postMessage([first, second]);
  `);
  assert.deepEqual(await started, [42, 1]);
  assert.equal(await exited, 0);
});

test('worker.terminate() during a synchronous run that calls JS (a callback, or the hook): the run is cancelled', CHILD, async () => {
  for (const body of [
    `let n = 0;
     const c = new lua_native.init({ tick: () => { if (++n === 100) parentPort.postMessage('started'); } }, { libraries: ['base'] });
     c.execute_script('while true do pcall(tick) end');`,
    `let n = 0;
     const c = new lua_native.init({}, { libraries: ['base'] });
     c.set_hook(() => { if (++n === 100) parentPort.postMessage('started'); }, { count: 1000 });
     c.execute_script('while true do end');`,
  ]) {
    const { w, started, exited } = worker(body);
    assert.equal(await started, 'started');
    assert.equal(await w.terminate(), 1);
    assert.equal(await exited, 1);
  }
});

// ------------------------------------------------------------------ cancel() inside synchronous runs

test('cancel() from a JS callback stops the synchronous run that called it; the context stays usable', () => {
  let c;
  let calls = 0;
  c = new lua_native.init({ stop: () => { calls++; c.cancel(); return 'stopped'; } }, { libraries: ['base'] });
  const e = throwsExactly(() => c.execute_script('local r = stop() after = r while true do end'), Error, CANCELLED, 'LUA_CANCELLED');
  assert.equal(calls, 1);
  // Stopped as soon as control was back in Lua: not even the assignment ran.
  assert.equal(c.get_global('after'), null);
  // The traceback of where the run stopped (EVOLUTION B6), out of the message.
  assert.ok(e.luaTraceback.startsWith("stack traceback:\n\t[C]: in global 'stop'"), e.luaTraceback);
  assertUsable(c);
  // Through a Lua function called from JS, and from a nested callback depth.
  const f = c.execute_script('return function() stop() while true do end end');
  throwsExactly(() => f(), Error, CANCELLED, 'LUA_CANCELLED');
  c.set_global('outer', () => c.execute_script('return 1'));
  throwsExactly(() => c.execute_script('outer() stop() while true do end'), Error, CANCELLED, 'LUA_CANCELLED');
  assertUsable(c);
});

test('cancel() from a JS callback cannot be caught by pcall (DECISIONS 11)', () => {
  let c;
  c = new lua_native.init({ stop: () => c.cancel() }, { libraries: ['base', 'coroutine'] });
  for (const source of [
    'local ok = pcall(stop) while true do pcall(function() while true do end end) end',
    'while true do xpcall(stop, function() while true do end end) end',
    'local co = coroutine.wrap(function() stop() while true do end end) while true do pcall(co) end',
  ]) {
    throwsExactly(() => c.execute_script(source), Error, CANCELLED, 'LUA_CANCELLED');
    assertUsable(c);
  }
});

test('cancel() from a set_hook callback stops the synchronous run; a hook that throws is still swallowed', () => {
  const c = ctx(['base']);
  let events = 0;
  c.set_hook(() => {
    if (++events === 5) c.cancel();
  }, { count: 100 });
  throwsExactly(() => c.execute_script('while true do pcall(function() while true do end end) end'), Error, CANCELLED, 'LUA_CANCELLED');
  assert.ok(events >= 5);
  // The next run is not cancelled (the hook cancels again only at its own count).
  events = -1e9;
  assert.equal(c.execute_script('local n = 0 for i = 1, 1e4 do n = n + 1 end return n'), 1e4);
  // An exception thrown by the hook stays its own business (EVOLUTION A5): the script goes on.
  c.set_hook(() => {
    throw new Error('hook failure');
  }, { count: 100 });
  assert.equal(c.execute_script('local n = 0 for i = 1, 1e4 do n = n + 1 end return "done"'), 'done');
  c.remove_hook();
  assertUsable(c);
});

test('cancel() from a callback during a coroutine resume or a Proxy read stops that call only', () => {
  let c;
  c = new lua_native.init({ stop: () => c.cancel() }, { libraries: ['base', 'coroutine'] });
  const co = c.create_coroutine('return function() coroutine.yield(1) stop() while true do end end');
  assert.deepEqual(c.resume(co), { status: 'suspended', values: [1] });
  const r = c.resume(co);
  assert.equal(r.status, 'dead');
  assert.match(r.error, CANCELLED);
  const proxy = c.execute_script('return setmetatable({}, { __index = function() stop() while true do end end })');
  assert.throws(() => proxy.anything, CANCELLED);
  assertUsable(c);
});
