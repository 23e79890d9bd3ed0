// API-SEED §10 area O: Lua-created (foreign) userdata passing through JS (items 162-164), §3.9.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, assertUsable } from './helpers.mjs';

const gc = globalThis.gc;
async function collect() {
  for (let i = 0; i < 4; i++) {
    if (gc) gc();
    await new Promise((r) => setImmediate(r));
  }
}

test('O162 an io.tmpfile() handle can be passed to a JS callback (received, non-null) and returned', () => {
  let got;
  const c = new lua_native.init({ pass: (f) => { got = f; return f; } }, { libraries: 'all' });
  assert.deepEqual(c.execute_script('local f = io.tmpfile() local g = pass(f) return g ~= nil, io.type(g), rawequal(f, g)'), [true, 'file', true]);
  assert.notEqual(got, null);
  assert.equal(typeof got, 'object');
  // (spec 3.9) a plain object with one enumerable key, _userdata.
  assert.deepEqual(Object.keys(got), ['_userdata']);
});

test('O163 a file handle that went through JS still works in Lua (write, seek, read -> "hello")', () => {
  const c = new lua_native.init({ pass: (f) => f }, { libraries: 'all' });
  assert.equal(c.execute_script(`
    local f = io.tmpfile()
    local g = pass(f)
    g:write("hello")
    g:seek("set", 0)
    local s = g:read("a")
    g:close()
    return s`), 'hello');
});

test('O163 a foreign handle returned to JS and handed back later is the same userdata', () => {
  const c = ctx('all');
  c.execute_script('tmp = io.tmpfile() tmp:write("kept")');
  const h = c.execute_script('return tmp');
  assert.deepEqual(Object.keys(h), ['_userdata']);
  c.set_global('again', h);
  assert.deepEqual(c.execute_script('return rawequal(again, tmp), io.type(again)'), [true, 'file']);
  c.set_global('nested', { list: [h], field: h });
  assert.equal(c.execute_script('return rawequal(nested.list[1], tmp) and rawequal(nested.field, tmp)'), true);
  const useIt = c.execute_script('return function(f) f:seek("set", 0) return f:read("a") end');
  assert.equal(useIt(h), 'kept');
  // get_global gives a fresh handle object each time, and it round-trips too.
  const h2 = c.get_global('tmp');
  assert.notEqual(h2, h);
  assert.equal(useIt(h2), 'kept');
});

test('O164 a foreign userdata is kept alive while JS holds its handle (Lua GC does not free it)', async () => {
  const c = ctx('all');
  const h = c.execute_script('local f = io.tmpfile() f:write("anchored") return f');
  c.execute_script('collectgarbage() collectgarbage()');
  await collect();
  const read = c.execute_script('return function(f) f:seek("set", 0) return io.type(f), f:read("a") end');
  assert.deepEqual(read(h), ['file', 'anchored']);
});

test('O164 (spec 3.9) an object whose _userdata is not a handle converts as an ordinary object', () => {
  const c = ctx(['base']);
  c.set_global('fake', { _userdata: 'nope', x: 1 });
  assert.deepEqual(c.execute_script('return type(fake), fake._userdata, fake.x'), ['table', 'nope', 1]);
  c.set_global('fake2', { _userdata: {} });
  assert.equal(c.execute_script('return type(fake2)'), 'table');
  assertUsable(c);
});

test('O (spec 3.9) light userdata converts to null', () => {
  const c = ctx('all');
  assert.equal(c.execute_script('return debug.upvalueid(function() return c end, 1)'), null);
});
