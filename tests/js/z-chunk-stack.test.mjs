// EVOLUTION.md B17 (`{ chunkName }` on the source doors) and B21
// (`get_stack()` / `get_locals(level)`), with the spec's exact texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ctx, throwsExactly, rejection, DEPTH_MESSAGE } from './helpers.mjs';

const INVALID = 'LUA_INVALID_ARGUMENT';

// ---------------------------------------------------------------- B17

const NAMES = [
  ['@my-script.lua', 'my-script.lua:2: boom'],
  ['=raw', 'raw:2: boom'],
  ['plain', '[string "plain"]:2: boom'],
];
const BOOM = '\nerror("boom")';

test('B17 execute_script: Lua prefix rules for chunkName; omitted or empty, the source names itself', () => {
  const c = ctx(['base']);
  for (const [name, message] of NAMES) {
    throwsExactly(() => c.execute_script(BOOM, { chunkName: name }), Error, message, 'LUA_RUNTIME');
  }
  for (const options of [undefined, null, {}, { chunkName: undefined }, { chunkName: '' }]) {
    throwsExactly(() => c.execute_script('error("boom")', options), Error, '[string "error("boom")"]:1: boom', 'LUA_RUNTIME');
  }
  throwsExactly(() => c.execute_script('return +', { chunkName: '=syn' }), Error, "syn:1: unexpected symbol near '+'", 'LUA_SYNTAX');
  assert.equal(c.execute_script('return 6 * 7', { chunkName: 'x' }), 42);
});

test('B17 execute_script_async: chunkName beside signal in one options object', async () => {
  const c = ctx(['base']);
  for (const [name, message] of NAMES) {
    const e = await rejection(c.execute_script_async(BOOM, { chunkName: name }));
    assert.equal(e.message, message);
  }
  const controller = new AbortController();
  assert.equal(await c.execute_script_async('return 5', { chunkName: '=a', signal: controller.signal }), 5);
  const e = await rejection(c.execute_script_async('error("x")', { chunkName: '=both', signal: controller.signal }));
  assert.equal(e.message, 'both:1: x');
});

test('B17 create_coroutine and compile take chunkName too', () => {
  const c = ctx(['base']);
  const co = c.create_coroutine('return function()\n  error("boom")\nend', { chunkName: '=co' });
  assert.deepEqual(c.resume(co), { status: 'dead', values: [], error: 'co:2: boom' });
  throwsExactly(() => c.load_bytecode(c.compile(BOOM, { chunkName: '@f.lua' })), Error, 'f.lua:2: boom', 'LUA_RUNTIME');
});

test('B17 bad options: exact texts, TypeError, the context stays idle and usable', () => {
  const c = ctx(['base']);
  const doors = [
    ['execute_script()', (o) => c.execute_script('return 1', o)],
    ['execute_script_async()', (o) => c.execute_script_async('return 1', o)],
    ['create_coroutine()', (o) => c.create_coroutine('return function() end', o)],
    ['compile()', (o) => c.compile('return 1', o)],
  ];
  for (const [op, door] of doors) {
    for (const bad of [5, 'ignored', true]) {
      throwsExactly(() => door(bad), TypeError, `${op} options must be an object`, INVALID);
    }
    for (const name of [5, null, {}, true]) {
      throwsExactly(() => door({ chunkName: name }), TypeError, `${op} chunkName must be a string`, INVALID);
    }
    // A throwing getter: its own error, nothing entered.
    assert.throws(() => door({ get chunkName() { throw new Error('getter'); } }), /getter/);
    assert.equal(c.is_busy(), false);
  }
  assert.equal(c.execute_script('return 1 + 1'), 2);
});

// ---------------------------------------------------------------- B21

test('B21 get_stack: [] when nothing is executing; frames from a callback', () => {
  let c;
  let frames;
  c = ctx(['base'], { probe: () => { frames = c.get_stack(); } });
  assert.deepEqual(c.get_stack(), []);
  c.execute_script('local function inner()\n  probe()\nend\ninner()', { chunkName: '@s.lua' });
  assert.deepEqual(frames, [
    { level: 0, source: '=[C]', shortSource: '[C]', currentLine: -1, lineDefined: -1, name: 'probe', nameWhat: 'global', what: 'C' },
    { level: 1, source: '@s.lua', shortSource: 's.lua', currentLine: 2, lineDefined: 1, name: 'inner', nameWhat: 'local', what: 'Lua' },
    { level: 2, source: '@s.lua', shortSource: 's.lua', currentLine: 4, lineDefined: 0, name: '', nameWhat: '', what: 'main' },
  ]);
  assert.deepEqual(c.get_stack(), []);
});

test('B21 get_stack maxLevels: default 200, a cap, and its checks', () => {
  let c;
  const seen = [];
  c = ctx(['base'], { probe: (n) => { seen.push(n === undefined ? c.get_stack().length : c.get_stack({ maxLevels: n }).length); } });
  c.execute_script('local function r(n) if n == 0 then probe() probe(1) probe(0) else r(n - 1) end end r(300)');
  assert.deepEqual(seen, [200, 1, 0]);
  for (const bad of [-1, 1.5, NaN, Infinity]) {
    throwsExactly(() => c.get_stack({ maxLevels: bad }), RangeError, 'maxLevels must be a non-negative integer', INVALID);
  }
  for (const bad of ['1', null, {}]) {
    throwsExactly(() => c.get_stack({ maxLevels: bad }), TypeError, 'maxLevels must be a non-negative integer', INVALID);
  }
  throwsExactly(() => c.get_stack(5), TypeError, 'get_stack() options must be an object', INVALID);
  assert.deepEqual(c.get_stack({}), []);
});

test('B21 get_locals: named locals only, a missing level is a RangeError, level checks', () => {
  let c;
  let got;
  c = ctx(['base'], { probe: () => { got = c.get_locals(1); } });
  c.execute_script('local a, b = 1, { k = "v" }\nfor i = 1, 1 do local s = "x" probe() end');
  assert.deepEqual(got, [{ name: 'a', value: 1 }, { name: 'b', value: { k: 'v' } }, { name: 'i', value: 1 }, { name: 's', value: 'x' }]);
  throwsExactly(() => c.get_locals(0), RangeError, 'no stack frame at level 0; call get_stack() to see which levels exist', INVALID);
  throwsExactly(() => c.get_locals(1e300), RangeError, 'no stack frame at level 1e+300; call get_stack() to see which levels exist', INVALID);
  throwsExactly(() => c.get_locals(2 ** 53), RangeError, 'no stack frame at level 9007199254740992; call get_stack() to see which levels exist', INVALID);
  c.set_global('deep', () => c.get_locals(50));
  // Thrown inside a callback, the RangeError comes back as itself (B6).
  throwsExactly(() => c.execute_script('deep()'), RangeError, 'no stack frame at level 50; call get_stack() to see which levels exist', INVALID);
  for (const bad of [-1, 0.5, NaN]) {
    throwsExactly(() => c.get_locals(bad), RangeError, 'level must be a non-negative integer', INVALID);
  }
  for (const bad of [undefined, '1', null]) {
    throwsExactly(() => c.get_locals(bad), TypeError, 'level must be a non-negative integer', INVALID);
  }
});

test('B21 a local that cannot convert (cyclic, deep) is an error, not a crash; a huge one converts', () => {
  let c;
  c = ctx(['base'], { locals: () => c.get_locals(1).map((l) => l.name) });
  assert.throws(() => c.execute_script('local t = {} t.self = t return locals()'), new RegExp(DEPTH_MESSAGE));
  assert.deepEqual(c.execute_script('local big = {} for i = 1, 100000 do big[i] = i end return locals()'), ['big']);
  assert.equal(c.execute_script('return 1'), 1);
});

test('B21 from a hook, inside a coroutine, and from a __gc finalizer', () => {
  let c;
  const hooked = [];
  c = ctx('all', { probe: () => c.get_stack().map((f) => `${f.what}:${f.currentLine}`) });
  c.set_hook(() => { hooked.push([c.get_stack()[0].currentLine, c.get_locals(0).map((l) => l.name).join(',')]); }, { line: true });
  c.execute_script('local a = 1\nlocal b = 2\n');
  c.remove_hook();
  assert.deepEqual(hooked, [[1, ''], [2, 'a']]);
  // The coroutine's own stack, not the main thread's.
  assert.deepEqual(c.execute_script('local co = coroutine.wrap(function()\n  return probe()\nend)\nreturn co()'), ['C:-1', 'Lua:2']);
  const co = c.create_coroutine('return function()\n  local x = probe()\n  return x\nend');
  assert.deepEqual(c.resume(co).values, [['C:-1', 'Lua:2']]);
  c.execute_script('seen = nil setmetatable({}, { __gc = function() seen = probe() end }) collectgarbage() collectgarbage()');
  const seen = c.get_global('seen');
  assert.equal(seen[0], 'C:-1');
  assert.equal(seen[1], 'Lua:1');
  assert.deepEqual(c.get_stack(), []);
});

test('B21 refused while a worker-thread run is in flight (busy), read-only otherwise', async () => {
  const c = ctx(['base']);
  const p = c.execute_script_async('local t = 0 for i = 1, 3e6 do t = t + i end return t');
  throwsExactly(() => c.get_stack(), Error, 'Lua context is busy with an async operation', 'LUA_BUSY');
  throwsExactly(() => c.get_locals(0), Error, 'Lua context is busy with an async operation', 'LUA_BUSY');
  await p;
  assert.deepEqual(c.get_stack(), []);
  c.dispose();
  throwsExactly(() => c.get_stack(), Error, 'the Lua context has been closed', 'LUA_DISPOSED');
});

test('B21 locals that become handles (a metatabled table, a function, a coroutine) read inside a coroutine', () => {
  let c;
  let got;
  c = ctx('all', { probe: () => { got = c.get_locals(1); } });
  c.execute_script(`
    local co = coroutine.wrap(function()
      local obj = setmetatable({ n = 1 }, { __index = function(_, k) return k .. '!' end })
      local f = function(x) return x * 2 end
      local th = coroutine.create(function() end)
      probe()
    end)
    co()`);
  assert.deepEqual(got.map((l) => l.name), ['obj', 'f', 'th']);
  assert.equal(got[0].value.n, 1);
  assert.equal(got[0].value.missing, 'missing!');
  assert.equal(got[1].value(21), 42);
  assert.equal(typeof got[2].value, 'object');
  assert.equal(c.execute_script('return 1'), 1);
});
