// Shared assertions for the JS suites (not a test file itself).
import assert from 'node:assert/strict';
import lua_native from './load.mjs';

export const DEPTH_MESSAGE = 'Value nesting depth exceeds the maximum of 100 levels';

/** A fresh context: `libs` is the `libraries` option (omit it for a bare state). */
export function ctx(libs, callbacks) {
  if (libs === undefined) return callbacks === undefined ? new lua_native.init() : new lua_native.init(callbacks);
  return new lua_native.init(callbacks, { libraries: libs });
}

/**
 * Asserts that fn throws an instance of exactly `Class` (its constructor is `Class`),
 * whose message equals `message` (string) or matches it (RegExp), and, when given,
 * whose `code` equals `code`. Returns the caught error.
 */
export function throwsExactly(fn, Class, message, code) {
  let caught;
  assert.throws(fn, (e) => {
    caught = e;
    return true;
  });
  assert.ok(caught instanceof Class, `expected a ${Class.name}, got ${caught && caught.constructor && caught.constructor.name}: ${caught && caught.message}`);
  assert.equal(caught.constructor, Class, `expected exactly ${Class.name}, got ${caught.constructor.name}`);
  if (message instanceof RegExp) assert.match(caught.message, message);
  else if (message !== undefined) assert.equal(caught.message, message);
  if (code !== undefined) assert.equal(caught.code, code, `code of "${caught.message}"`);
  return caught;
}

/** Builds a JS object nested `n` levels: n wrappers `{ child: ... }` around `inner`. */
export function nestJs(n, inner = {}) {
  let v = inner;
  for (let i = 0; i < n; i++) v = { child: v };
  return v;
}

/** Lua source that returns `n` nested `{ child = ... }` tables around `inner` (Lua expression). */
export function nestLua(n, inner = '{}') {
  return `local t = ${inner} for i = 1, ${n} do t = { child = t } end return t`;
}

/** Asserts the context still works: runs a script and reads a global back. */
export function assertUsable(c) {
  assert.equal(c.execute_script('__usable_probe = 20 + 22; return __usable_probe'), 42);
  assert.equal(c.get_global('__usable_probe'), 42);
  c.set_global('__usable_probe', 'ok');
  assert.equal(c.execute_script('return __usable_probe'), 'ok');
}

/** Awaits a promise expected to reject and returns the reason. */
export async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('the promise resolved');
}
