// The reproducers of "the sandbox holds": each once killed the process
// (SIGSEGV, abort, V8 fatal error). Each case is a function run in a child
// process of its own (run-case.mjs), so a crash fails one test instead of the
// runner; it throws (AssertionError) if the outcome is wrong.
import assert from 'node:assert/strict';
import lua_native from '../load.mjs';

const init = lua_native.init;

/** Asserts `fn` throws an Error with a string `code` (and `code`/`message` when given). */
function cleanError(fn, code, message) {
  let caught;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof Error, `expected an Error, got ${caught}`);
  assert.equal(typeof caught.code, 'string', `no code on: ${caught.message}`);
  if (code) assert.equal(caught.code, code, caught.message);
  if (message instanceof RegExp) assert.match(caught.message, message);
  else if (message) assert.equal(caught.message, message);
  return caught;
}

function usable(c) {
  assert.equal(c.execute_script('return 20 + 22'), 42);
}

/** Usable under a tiny `timeout`, which a loaded machine can exceed on any script. */
function usableUnderTimeout(c) {
  for (let i = 0; i < 50; i++) {
    try {
      return usable(c);
    } catch (e) {
      assert.equal(e.code, 'LUA_TIMEOUT', e.message);
    }
  }
  assert.fail('never ran within its timeout');
}

/** Source big enough that compiling it runs collection steps (and finalizers). */
const BIG_CHUNK = 'local t = {' + Array.from({ length: 20000 }, (_, i) => `"s${i}"`).join(',') + '} return #t';

/**
 * A context whose finalizers call `op` ('dispose' or 'reset') on it, after a
 * compile that ran some of them: each call refused with LUA_BUSY.
 */
function retireDuringCompile(op) {
  let c;
  let refused = 0;
  c = new init({
    cb: () => {
      const e = cleanError(() => c[op](), 'LUA_BUSY');
      assert.equal(e.message, `${op}() cannot be called while Lua is executing (from inside a host callback, metamethod, or __gc finalizer)`);
      refused++;
    },
  }, { libraries: 'all' });
  c.execute_script('for i = 1, 200 do setmetatable({}, { __gc = function() cb() end }) end');
  c.compile(BIG_CHUNK);
  assert.ok(refused > 0, 'a finalizer ran during compile');
  return c;
}

const big = () => Array.from({ length: 1_000_000 }, (_, i) => i + 0.5);

export const cases = {
  // Forged arguments to the host-object metatables' functions.
  'forged-index'() {
    const c = new init({}, { libraries: 'all' });
    c.set_userdata('u', { x: 1 }, { readable: true });
    // Sealed: the metatable Lua sees names the kind and holds no function.
    assert.deepEqual(c.execute_script('local mt = getmetatable(u) return type(mt), mt.__name, mt.__index'), ['table', 'lua_native_proxy_userdata', null]);
    const mt = 'local mt = debug.getmetatable(u) ';
    for (const call of ['mt.__index(1, "x")', 'mt.__index({}, "x")', 'mt.__index(io.stdout, "x")', 'mt.__newindex(1, "x", 2)', 'mt.__newindex("s", "x", 2)', 'mt.__gc({})', 'mt.__gc(io.stdout)', 'mt.__gc()']) {
      const [ok, msg] = c.execute_script(`${mt} return pcall(function() ${call} end)`);
      assert.equal(ok, false, call);
      assert.match(msg, /bad argument #1/, call);
    }
    assert.equal(c.execute_script('return u.x'), 1);
    usable(c);
  },
  'forged-gc-opaque'() {
    const c = new init({}, { libraries: 'all' });
    c.set_userdata('u', { x: 1 });
    assert.equal(c.execute_script('return getmetatable(u).__gc'), null);
    const [ok, msg] = c.execute_script('return pcall(debug.getmetatable(u).__gc, {})');
    assert.equal(ok, false);
    assert.match(msg, /bad argument #1 to '__gc'/);
    // Twice on the real object: released once, no double count.
    c.execute_script('local gc = debug.getmetatable(u).__gc gc(u) gc(u)');
    usable(c);
  },
  'forged-metatable-moved'() {
    // The debug library moves our metatable onto a file, and a file's onto ours.
    const c = new init({}, { libraries: 'all' });
    c.set_userdata('u', { x: 1 }, { readable: true, writable: true });
    const r = c.execute_script(`
      local mine, files = debug.getmetatable(u), debug.getmetatable(io.stdout)
      local f = io.tmpfile()
      debug.setmetatable(f, mine)
      local a = { pcall(function() return f.x end) }
      debug.setmetatable(f, files)
      debug.setmetatable(u, files)
      local b = { pcall(io.close, u) }
      local c = { pcall(function() return u:read() end) }
      debug.setmetatable(u, mine)
      return a[1], b[1], c[1], u.x`);
    assert.deepEqual(r, [false, false, false, 1]);
    usable(c);
  },
  'forged-upvalue'() {
    const c = new init({ f: () => 7 }, { libraries: 'all' });
    assert.equal(c.execute_script('return f()'), 7);
    cleanError(() => c.execute_script('debug.setupvalue(f, 1, 42); return f()'), 'LUA_RUNTIME', /host function is broken/);
    const g = c.execute_script('return function() return 1 end');
    c.set_global('h', () => 8);
    // Swapping in another host function's slot is allowed: it is a real one.
    assert.equal(c.execute_script('local _, slot = debug.getupvalue(h, 1) debug.setupvalue(print, 1, slot) return h()'), 8);
    assert.equal(g(), 1);
    usable(c);
  },
  // Retiring the state from inside it.
  'dispose-during-compile'() {
    const c = retireDuringCompile('dispose');
    c.load_bytecode(c.compile(BIG_CHUNK));
    usable(c);
    c.dispose();
  },
  'reset-during-compile'() {
    usable(retireDuringCompile('reset'));
  },
  'dispose-from-callback-and-hook'() {
    let c;
    const seen = [];
    c = new init({ cb: () => cleanError(() => c.dispose(), 'LUA_BUSY') }, { libraries: 'all' });
    c.execute_script('cb()');
    c.execute_script('coroutine.wrap(function() cb() end)()');
    c.set_hook(() => {
      seen.push(cleanError(() => c.dispose(), 'LUA_BUSY').code);
      seen.push(cleanError(() => c.reset(), 'LUA_BUSY').code);
    }, { line: true });
    c.execute_script('local a = 1');
    c.remove_hook();
    assert.ok(seen.length >= 2);
    usable(c);
  },
  async 'async-from-callback'() {
    let c;
    let refused;
    c = new init({
      cb: () => {
        refused = cleanError(() => c.execute_script_async('return 1'), 'LUA_BUSY');
        return 5;
      },
    }, { libraries: 'all' });
    for (let i = 0; i < 50; i++) assert.equal(c.execute_script('return cb() + 1'), 6);
    assert.match(refused.message, /cannot be called while Lua is executing .*: handing the state to a worker thread requires that nothing else holds it$/);
    assert.equal(c.is_busy(), false);
    assert.equal(await c.execute_script_async('return 2'), 2);
    usable(c);
  },
  // Errors converted while memory is at its cap.
  'coroutine-error-object-at-max-memory'() {
    const c = new init({}, { libraries: 'all', maxMemory: 256 * 1024 });
    const script = `
      local mt = { __tostring = function() return string.rep("x", 1e6) end }
      local co = coroutine.create(function()
        local hoard = {}
        pcall(function() while true do hoard[#hoard + 1] = string.rep("y", 1000) .. #hoard end end)
        error(setmetatable({}, mt))
      end)
      return co`;
    let resumed = 0;
    for (let i = 0; i < 3; i++) {
      // A dead coroutine keeps its stack (and the hoard on it) while JS
      // holds it, so a later round may itself run out of memory: cleanly.
      try {
        const r = c.resume(c.execute_script(script));
        assert.equal(r.status, 'dead');
        assert.equal(typeof r.error, 'string');
        resumed++;
      } catch (e) {
        assert.equal(e.code, 'LUA_MEMORY', e.message);
      }
    }
    assert.ok(resumed > 0);
    cleanError(() => c.execute_script(`
      local mt = { __tostring = function() return string.rep("x", 1e6) end }
      local hoard = {}
      pcall(function() while true do hoard[#hoard + 1] = string.rep("y", 1000) .. #hoard end end)
      error(setmetatable({}, mt))`));
    c.execute_script('collectgarbage()');
    usable(c);
  },
  // Host-side pushes under a timeout without a memory limit.
  'timeout-set-global-big'() {
    const c = new init({}, { timeout: 1 });
    const B = big();
    try {
      c.set_global('V', [B, B, B]);
    } catch (e) {
      assert.equal(typeof e.code, 'string');
    }
    usableUnderTimeout(c);
  },
  'timeout-callback-set-global-big'() {
    let c;
    const B = big();
    c = new init({
      slow: () => {
        const until = Date.now() + 30;
        while (Date.now() < until);
        c.set_global('V', [B, B, B]);
        return 1;
      },
    }, { libraries: 'all', timeout: 10 });
    cleanError(() => c.execute_script('return pcall(slow)'), 'LUA_TIMEOUT');
    usableUnderTimeout(c);
  },
  'timeout-callback-register-module-big'() {
    let c;
    const B = big();
    c = new init({
      slow: () => {
        const until = Date.now() + 30;
        while (Date.now() < until);
        c.register_module('m', { v: [B, B] });
        return 1;
      },
    }, { libraries: 'all', timeout: 10 });
    cleanError(() => c.execute_script('return pcall(slow)'), 'LUA_TIMEOUT');
    usableUnderTimeout(c);
  },
  'timeout-constructor-and-shared-big'() {
    const B = big();
    // Either it fits in the time or the constructor refuses cleanly.
    try {
      usableUnderTimeout(new init({ V: [B, B, B] }, { timeout: 1, libraries: 'all' }));
    } catch (e) {
      assert.equal(e.code, 'LUA_TIMEOUT');
    }
    const shared = lua_native.createSharedTable({ v: 1 });
    const d = new init({}, { timeout: 1, shared: { S: shared } });
    try {
      shared.set({ v: [B, B, B] });
    } catch (e) {
      assert.equal(typeof e.code, 'string', e.message);
    }
    usableUnderTimeout(d);
  },
  // An error object whose __tostring raises the object itself.
  'error-tostring-raises-itself'() {
    for (const libraries of ['sandbox', 'all']) {
      const c = new init({}, { libraries });
      const e = cleanError(() => c.execute_script('error(setmetatable({}, { __tostring = error }))'), 'LUA_RUNTIME');
      assert.equal(e.message, '(error object is a table value)');
      const r = c.resume(c.create_coroutine('return function() error(setmetatable({}, { __tostring = error })) end'));
      assert.equal(r.status, 'dead');
      assert.equal(r.error, '(error object is a table value)');
      usable(c);
    }
  },
  // A table whose conversion to JS changes it: `__proto__` once set the
  // result's prototype to a Proxy whose traps ran Lua mid-walk.
  async 'table-changed-during-conversion'() {
    const script = `
      local victim = {}
      for i = 1, 64 do victim["k" .. i] = i end
      victim.__proto__ = setmetatable({}, { __newindex = function(t, k, v)
        for key in pairs(victim) do victim[key] = nil end
        for i = 1, 200 do victim["n" .. i] = i end
      end })
      return victim`;
    // The key sets the prototype (as in the original); the Proxy's trap then
    // runs Lua that empties the table mid-walk: a clean error or a value.
    const outcomes = [];
    const settle = (f) => {
      try {
        outcomes.push(typeof f());
      } catch (e) {
        assert.equal(typeof e.code, 'string', e.message);
        outcomes.push(e.code);
      }
    };
    const c = new init({ cb: () => 1 }, { libraries: 'sandbox' });
    settle(() => c.execute_script(script));
    settle(() => c.execute_script(`local t = (function() ${script} end)() return cb(t)`));
    try {
      outcomes.push(typeof (await c.execute_script_async(script)));
    } catch (e) {
      assert.equal(typeof e.code, 'string', e.message);
    }
    assert.ok(outcomes.length >= 2);
    usable(c);
  },
  // Registry entries replaced from Lua (debug library).
  'registry-forged'() {
    const c = new init({ f: () => 1 }, { libraries: 'all' });
    c.set_userdata('u', { x: 1 }, { readable: true });
    c.execute_script(`
      local r = debug.getregistry()
      for _, k in ipairs({ 'lua_core_host_function', 'lua_native_userdata', 'lua_native_proxy_userdata', 'lua_core_host_objects' }) do r[k] = 12345 end
      for k, v in pairs(r) do if type(k) == 'userdata' then r[k] = 7 end end`);
    cleanError(() => c.set_global('g', () => 2));
    cleanError(() => c.set_userdata('w', { y: 1 }, { readable: true }));
    const co = c.create_coroutine('return function() coroutine.yield(1) end');
    const r = c.resume(co);
    assert.ok(['suspended', 'dead'].includes(r.status));
    assert.equal(c.execute_script('return f()'), 1);
    usable(c);
  },
  // What the debug library lets a script break in stock Lua (each part
  // segfaults or reads uninitialised memory there): the registry slots Lua
  // trusts (globals, main thread, _HOOKKEY, type names) and debug.setlocal
  // into a C frame.
  'stock-lua-debug-hazards'() {
    // A table there is a valid (empty) globals table for new chunks.
    const fresh = new init({}, { libraries: 'all' });
    fresh.execute_script('debug.getregistry()[2] = {}');
    assert.equal(fresh.execute_script('return x'), null);
    fresh.set_global('g', 2);
    assert.equal(fresh.get_global('g'), 2);
    for (const value of ['nil', '42']) {
      const c = new init({ f: () => 1 }, { libraries: 'all' });
      c.execute_script(`debug.getregistry()[2] = ${value}`);
      for (let i = 0; i < 3; i++) {
        const e = cleanError(() => c.execute_script('return x'));
        assert.equal(c.execute_script('return 1'), 1);
        assert.match(e.message, /attempt to index|global table|not a table/, e.message);
        cleanError(() => c.set_global('g', 2));
        cleanError(() => c.get_global('g'));
        cleanError(() => c.load_bytecode(c.compile('x = 1')));
        c.gc('collect');
      }
    }
    const c = new init({}, { libraries: 'all' });
    assert.deepEqual(c.execute_script(`
      debug.getregistry()[3] = nil
      local ok, err = pcall(coroutine.close, coroutine.running())
      return ok, err`), [false, 'cannot close main thread']);
    usable(c);
    // The debug library's hook table removed by the hook itself (stock Lua
    // segfaults at the next hook event).
    const h = new init({}, { libraries: 'all' });
    assert.deepEqual(h.execute_script(`
      debug.sethook(function() debug.getregistry()._HOOKKEY = 42 end, "r")
      local a = tostring(1)
      local b = tostring(2)
      local f, mask = debug.gethook()
      debug.sethook()
      return a .. b, f, mask`), ['12', null, 'r']);
    usable(h);
    // Type names in the registry replaced by non-tables: the libraries hand
    // them to lua_setmetatable (stock Lua segfaults on string.rep's buffer).
    const m = new init({}, { libraries: 'all' });
    assert.deepEqual(m.execute_script(`
      local r = debug.getregistry()
      r["_UBOX*"] = 42
      r["FILE*"] = "no"
      local s = string.rep("x", 100000, ",")
      local ok = pcall(io.tmpfile)
      r["_UBOX*"] = {}  -- a table without __close: a clean error
      local ok2, e = pcall(string.rep, "x", 100000, ",")
      return #s, ok, ok2, e`), [199999, true, false, "variable '(C temporary)' got a non-closable value"]);
    usable(m);
    // debug.setlocal into a C frame's slots, which overlap the vararg callee
    // (stock Lua segfaults at its return under a return hook).
    const d = new init({}, { libraries: 'all' });
    assert.deepEqual(d.execute_script(`
      debug.sethook(function() end, "r")
      local ok, name = pcall(function(...) return debug.setlocal(2, 2, string.rep("x", 1)) end, 1)
      debug.sethook()
      return ok, name, select(2, debug.getlocal(1, 1)) ~= nil`), [true, null, true]);
    usable(d);
  },
  // The registry holds every reference the host keeps; each copy of it made
  // a new reference per function in it, so copies (say from a callback that
  // returns it, nested) doubled it until the process hung.
  'registry-not-copied'() {
    let c;
    c = new init({
      cb: () => {
        cleanError(() => c.execute_script('return debug.getregistry()'), 'LUA_CONVERSION', /Lua registry/);
        return 1;
      },
    }, { libraries: 'all' });
    for (let i = 0; i < 30; i++) {
      cleanError(() => c.execute_script('return debug.getregistry()'), 'LUA_CONVERSION', /^Cannot convert the Lua registry/);
      cleanError(() => c.execute_script('return { inner = debug.getregistry() }'), 'LUA_CONVERSION', /Lua registry/);
      assert.equal(c.execute_script('local n = 0 for i = 1, 3 do n = n + cb() end return n'), 3);
    }
    assert.equal(c.execute_script('local n = 0 for _ in pairs(debug.getregistry()) do n = n + 1 end return n < 1000'), true, 'the registry did not grow');
    usable(c);
  },
  // A host function that, while running, has its slot finalized from Lua.
  'host-function-finalized-while-running'() {
    let c;
    c = new init({
      f: () => {
        c.execute_script('local _, slot = debug.getupvalue(f, 1) debug.getmetatable(slot).__gc(slot) collectgarbage() collectgarbage()');
        return 5;
      },
    }, { libraries: 'all' });
    assert.equal(c.execute_script('return f()'), 5);
    assert.equal(c.execute_script('return f()'), undefined);
    usable(c);
  },
  // Resuming a coroutine from inside itself.
  'resume-running-coroutine'() {
    let c;
    let co;
    c = new init({ inner: () => c.resume(co) }, { libraries: 'all' });
    co = c.create_coroutine('return function() local r = inner() coroutine.yield(r.status, r.error) end');
    const r = c.resume(co);
    assert.deepEqual(r.values, ['dead', 'cannot resume non-suspended coroutine']);
    usable(c);
  },
  // A value whose copy grows exponentially within the depth limit.
  'shared-subtables-exponential'() {
    const c = new init({}, { libraries: 'sandbox', maxInstructions: 1e5, timeout: 50 });
    const started = Date.now();
    cleanError(() => c.execute_script('local t = {} for i = 1, 40 do t = {a = t, b = t} end return t'), 'LUA_CONVERSION', /more than 1000000 tables/);
    assert.ok(Date.now() - started < 20_000, 'bounded');
    // Small shared subtables still convert (as copies).
    assert.deepEqual(c.execute_script('local s = {1} return {a = s, b = s}'), { a: [1], b: [1] });
    usable(c);
  },
  // An async result whose `then` getter throws (the caller's own object).
  async 'async-result-then-throws'() {
    const c = new init({}, { libraries: 'all' });
    c.set_userdata('u1', { get then() { throw new Error('x'); } });
    await assert.rejects(c.execute_script_async('return u1'), /^Error: x$/);
    usable(c);
  },
  // A debug hook told of the binding's own protected calls could replace
  // their arguments with `debug.setlocal`.
  'hook-setlocal-into-internal-calls'() {
    const c = new init({}, { libraries: 'all' });
    c.set_hook(() => {
      try {
        c.execute_script('for i = 1, 4 do pcall(debug.setlocal, 3, i, true) end');
      } catch (e) {
        assert.equal(typeof e.code, 'string');
      }
    }, { call: true, return: true });
    for (let i = 0; i < 3; i++) {
      c.compile('return 1');
      c.set_global('g', { a: [1, 2] });
    }
    c.remove_hook();
    usable(c);
  },
};
