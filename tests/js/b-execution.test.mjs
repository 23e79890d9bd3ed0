// API-SEED §10 area B: script execution and result shaping (items 20-28), §2.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx } from './helpers.mjs';

test('B20 return 42 gives 42', () => {
  const c = new lua_native.init();
  assert.equal(c.execute_script('return 42'), 42);
});

test('B21 return 1, "hello", true gives [1, "hello", true]', () => {
  const c = new lua_native.init();
  const r = c.execute_script('return 1, "hello", true');
  assert.ok(Array.isArray(r));
  assert.deepEqual(r, [1, 'hello', true]);
});

test('B22 five return values come back complete and in order', () => {
  const c = new lua_native.init();
  assert.deepEqual(c.execute_script('return 1, 2.5, "three", false, nil'), [1, 2.5, 'three', false, null]);
  assert.deepEqual(c.execute_script('return nil, nil, nil, nil, 5'), [null, null, null, null, 5]);
});

test('B23 a chunk without return gives undefined', () => {
  const c = new lua_native.init();
  assert.equal(c.execute_script('local x = 1'), undefined);
  assert.equal(c.execute_script(''), undefined);
  assert.equal(c.execute_script('return'), undefined);
});

test('B24 return nil gives null', () => {
  const c = new lua_native.init();
  assert.equal(c.execute_script('return nil'), null);
});

test('B25 globals assigned by one execute_script call are visible to the next', () => {
  const c = new lua_native.init();
  c.execute_script('counter = 10');
  c.execute_script('counter = counter + 5');
  assert.equal(c.execute_script('return counter'), 15);
  c.execute_script('function inc(n) return n + 1 end');
  assert.equal(c.execute_script('return inc(counter)'), 16);
});

test('B26 a nested table (array member, object with booleans, callback string) is returned intact', () => {
  const c = new lua_native.init({ greet: (name) => `Hello, ${name}!` });
  const r = c.execute_script(`
    return {
      name = "test",
      list = { 1, 2, 3 },
      flags = { enabled = true, visible = false },
      nested = { deeper = { value = 4.5 } },
      message = greet("Lua"),
    }`);
  assert.deepEqual(r, {
    name: 'test',
    list: [1, 2, 3],
    flags: { enabled: true, visible: false },
    nested: { deeper: { value: 4.5 } },
    message: 'Hello, Lua!',
  });
});

test('B27 1000 successive executions on one context each return the right value', () => {
  const c = new lua_native.init();
  for (let i = 0; i < 1000; i++) {
    assert.equal(c.execute_script(`return ${i} * 2 + 1`), i * 2 + 1);
  }
});

test('B28 integers stay integers and strings stay strings (return 42, "ok")', () => {
  const c = ctx(['base', 'math']);
  assert.deepEqual(c.execute_script("return 42, 'ok'"), [42, 'ok']);
  assert.deepEqual(
    c.execute_script("local a, b = 42, 'ok' return math.type(a), type(b), math.type(3.0)"),
    ['integer', 'string', 'float']
  );
  const [n, s] = c.execute_script("return 42, '42'");
  assert.equal(typeof n, 'number');
  assert.equal(typeof s, 'string');
});

test('B20 (spec 2.1) the script text is cut at the first NUL character', () => {
  const c = new lua_native.init();
  assert.equal(c.execute_script('return 1\0 error()'), 1);
  // Past the inline buffer (256 bytes) the text is read into the heap: cut the same.
  const long = `return ${'1 + '.repeat(100)}1`;
  assert.equal(c.execute_script(`${long}\0 error()`), 101);
  assert.equal(c.execute_script(`${long}\0`), 101);
  assert.equal(c.execute_script('\0return 1'), undefined);
  // A NUL as the very last character, and none at all, inline and in the heap.
  assert.equal(c.execute_script('return 2\0'), 2);
  assert.equal(c.execute_script(long), 101);
});

test('B25 (spec 2.1) re-entrancy: a callback may call execute_script on the same context', () => {
  let c;
  c = new lua_native.init({ inner: () => c.execute_script('return 40 + 2') });
  assert.equal(c.execute_script('return inner()'), 42);
  assert.equal(c.execute_script('return inner() + 1'), 43);
});
