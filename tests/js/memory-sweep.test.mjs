// EVOLUTION A1 hardening (M4/M5, Lesson 2): with a memory limit, every host
// method must turn an allocation failure into a clean Error with a `code`,
// never a panic or an abort, and leave the context usable.
//
// For every maxMemory from 16 KB to 512 KB in 4 KB steps, and a few larger
// ones, a context is made (bare, and with 'safe'); construction itself may
// fail, but only with a clean LUA_MEMORY Error. Every host method is then
// called with large values. Each failure must be an Error with a string
// `code`; get_memory_usage() never exceeds the limit; afterwards the same
// context runs `return 1` (once the big globals are released).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lua_native from './load.mjs';
import { nestJs } from './helpers.mjs';

const KB = 1024;
const MB = 1024 * KB;
const SIZES = [];
for (let n = 16 * KB; n <= 512 * KB; n += 4 * KB) SIZES.push(n);
SIZES.push(768 * KB, 1 * MB, 2 * MB, 4 * MB, 8 * MB);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-native-sweep-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

// Large values, made once.
const BIG_ARRAY = Array.from({ length: 100_000 }, (_, i) => i);
const BIG_STRING = 'x'.repeat(1 * MB);
const BIG_OBJECT = {
  ...Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, { a: [i, i + 1, i + 2], b: `s${i}`, c: { d: i % 2 === 0 } }])),
  deep: nestJs(60, { leaf: 'end' }),
};
const MANY_FUNCTIONS = {
  ...Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`f${i}`, () => i])),
  data: BIG_ARRAY.slice(0, 20_000),
};
const MANY_METHODS = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`m${i}`, (self, ...args) => args.length + i]));
const BIG_SOURCE = `return {${'1,'.repeat(200_000)}}`;
const BIG_FILE = path.join(dir, 'big.lua');
fs.writeFileSync(BIG_FILE, 'local t = {} for i = 1, 1e5 do t[i] = "v" .. i end return t');
fs.writeFileSync(path.join(dir, 'bigmod.lua'), 'local t = {} for i = 1, 5e4 do t[i] = { i } end return t');
const BIG_BYTECODE = new lua_native.init().compile(`local t = {} for i = 1, 1e5 do t[i] = i * 2 end return t`);

const tally = { constructed: 0, refusedAtConstruction: 0, calls: 0, failures: 0, codes: {} };

/** Problems found, reported together at the end (so one does not hide the others). */
const problems = [];
function problem(text) {
  if (problems.length < 200) problems.push(text);
}

/** Runs one host call; a failure must be a clean Error with a string code. Returns [ok, value]. */
async function attempt(label, fn) {
  tally.calls++;
  try {
    return [true, await fn()];
  } catch (e) {
    tally.failures++;
    if (!(e instanceof Error)) problem(`${label}: threw a non-Error ${String(e)}`);
    else if (typeof e.code !== 'string') problem(`${label}: "${e.message}" has no code`);
    else if (e.code === 'LUA_INTERNAL') problem(`${label}: internal error "${e.message}"`);
    else tally.codes[e.code] = (tally.codes[e.code] || 0) + 1;
    return [false, e];
  }
}

async function sweep(libraries, limit) {
  const label = (op) => `${libraries ?? 'bare'} ${limit / KB} KB: ${op}`;
  let c;
  const callbacks = { count: (...args) => args.length, bigResult: () => BIG_ARRAY };
  const [made, made_] = await attempt(label('construct'), () => new lua_native.init(callbacks, libraries ? { libraries, maxMemory: limit } : { maxMemory: limit }));
  if (!made) {
    if (made_.code !== 'LUA_MEMORY') problem(label(`construction failed with ${made_.code}: ${made_.message}`));
    tally.refusedAtConstruction++;
    return;
  }
  tally.constructed++;
  c = made_;
  const usage = () => {
    const u = c.get_memory_usage();
    if (!(u > 0 && u <= limit)) problem(label(`memory usage ${u} outside (0, ${limit}]`));
  };
  usage();

  await attempt(label('set_global array'), () => c.set_global('arr', BIG_ARRAY));
  await attempt(label('set_global object'), () => c.set_global('obj', BIG_OBJECT));
  await attempt(label('set_global string'), () => c.set_global('str', BIG_STRING));
  await attempt(label('set_global dotted'), () => c.set_global('a.b.c', BIG_OBJECT));
  const [gotArr, arr] = await attempt(label('get_global array'), () => c.get_global('arr'));
  if (gotArr && arr !== null && arr.length !== BIG_ARRAY.length) problem(label(`get_global('arr') gave ${arr.length} elements`));
  await attempt(label('get_global object'), () => c.get_global('obj'));
  await attempt(label('get_global string'), () => c.get_global('str'));
  usage();

  await attempt(label('execute_script big table'), () => c.execute_script('local t = {} for i = 1, 1e5 do t[i] = { i, tostring(i) } end return t'));
  await attempt(label('execute_script big string'), () => c.execute_script("return string.rep('y', 2e6)"));
  await attempt(label('callback with a big result'), () => c.execute_script('return #bigResult()'));
  await attempt(label('callback with big arguments'), () => c.execute_script('return count(arr, obj, str)'));
  await attempt(label('execute_file'), () => c.execute_file(BIG_FILE));
  await attempt(label('execute_script_async'), () => c.execute_script_async('local t = {} for i = 1, 1e5 do t[i] = i end return t'));
  await attempt(label('execute_file_async'), () => c.execute_file_async(BIG_FILE));
  usage();

  await attempt(label('register_module'), () => c.register_module('mod', MANY_FUNCTIONS));
  await attempt(label('module use'), () => c.execute_script("local m = require('mod') return m.f4999() + #m.data"));
  await attempt(label('add_search_path'), () => c.add_search_path(path.join(dir, '?.lua')));
  await attempt(label('require big module'), () => c.execute_script("return #require('bigmod')"));
  await attempt(label('set_userdata'), () => c.set_userdata('ud', { big: BIG_ARRAY, name: BIG_STRING }, { readable: true, writable: true }));
  await attempt(label('userdata read'), () => c.execute_script('return #ud.big + #ud.name'));
  await attempt(label('userdata write'), () => c.execute_script("ud.copy = string.rep('z', 1e5) return 1"));
  await attempt(label('set_userdata with methods'), () => c.set_userdata('um', { big: BIG_ARRAY }, { methods: MANY_METHODS }));
  await attempt(label('userdata method call'), () => c.execute_script('return um:m4999(1, 2) + um:m0()'));
  await attempt(label('set_metatable'), () => c.set_metatable('obj', { __index: () => BIG_ARRAY, __len: () => 7, big: BIG_ARRAY }));
  await attempt(label('metatable use'), () => c.execute_script('return #obj.missing'));
  usage();

  const [madeCo, co] = await attempt(label('create_coroutine'), () =>
    c.create_coroutine('return function(...) local n = select("#", ...) local back = coroutine.yield(...) return n, back end')
  );
  if (madeCo) {
    await attempt(label('resume with big arguments'), () => c.resume(co, BIG_ARRAY, BIG_OBJECT, BIG_STRING));
    await attempt(label('resume again'), () => c.resume(co, BIG_ARRAY));
  }
  const [madeGen, gen] = await attempt(label('create_coroutine of a Lua function'), () =>
    c.create_coroutine(c.execute_script('return function() for i = 1, 1000 do coroutine.yield(i, { i }) end end'))
  );
  if (madeGen) await attempt(label('iterate a coroutine'), () => [...gen].length);
  const [compiled, bytes] = await attempt(label('compile'), () => c.compile(BIG_SOURCE));
  if (compiled) await attempt(label('load_bytecode of own compile'), () => c.load_bytecode(bytes));
  await attempt(label('load_bytecode'), () => c.load_bytecode(BIG_BYTECODE));
  await attempt(label('compile_file'), () => c.compile_file(BIG_FILE));
  const [madeFn, fn] = await attempt(label('function wrapper'), () => c.execute_script('return function(...) return select("#", ...), ... end'));
  if (madeFn && typeof fn === 'function') {
    await attempt(label('wrapper with big arguments'), () => fn(BIG_ARRAY, BIG_OBJECT, BIG_STRING));
    await attempt(label('wrapper with many arguments'), () => fn(...BIG_ARRAY.slice(0, 5000)));
  }
  await attempt(label('set_hook'), () => c.set_hook(() => {}, { count: 1000 }));
  await attempt(label('hooked script'), () => c.execute_script('local t = {} for i = 1, 1e4 do t[i] = i end return #t'));
  await attempt(label('remove_hook'), () => c.remove_hook());
  await attempt(label('gc'), () => c.gc('collect'));
  await attempt(label('info'), () => c.info());
  usage();

  // Still usable: `return 1` works or fails only for lack of memory; once the big
  // globals are released it must work.
  const [ran, one] = await attempt(label('return 1 (full)'), () => c.execute_script('return 1'));
  if (ran ? one !== 1 : one.code !== 'LUA_MEMORY') problem(label(`return 1 gave ${ran ? one : `${one.code}: ${one.message}`}`));
  for (const name of ['arr', 'obj', 'str', 'a', 'ud', 'mod']) c.set_global(name, null);
  c.gc('collect');
  const [ran2, one2] = await attempt(label('return 1 (released)'), () => c.execute_script('return 1'));
  if (!(ran2 && one2 === 1)) problem(label(`return 1 after releasing the big globals: ${one2 && one2.message} (usage ${c.get_memory_usage()} of ${limit})`));
  // reset() rebuilds the state under the same limit (or refuses cleanly and keeps the old one).
  await attempt(label('reset'), () => c.reset());
  const [ran3, one3] = await attempt(label('return 1 after reset'), () => c.execute_script('return 1'));
  if (!(ran3 && one3 === 1)) problem(label(`return 1 after reset(): ${one3 && one3.message} (usage ${c.get_memory_usage()} of ${limit})`));
}

test('memory sweep: every host method under every small maxMemory fails cleanly or works', async () => {
  const t0 = performance.now();
  for (const limit of SIZES) {
    await sweep(undefined, limit);
    await sweep('safe', limit);
  }
  const ms = performance.now() - t0;
  console.log(`memory sweep: ${SIZES.length * 2} contexts (${tally.constructed} made, ${tally.refusedAtConstruction} refused at construction), ` +
    `${tally.calls} calls, ${tally.failures} clean failures ${JSON.stringify(tally.codes)}, ${ms.toFixed(0)} ms`);
  assert.ok(tally.constructed > 0);
  assert.deepEqual(problems, [], `${problems.length} problems:\n${problems.join('\n')}`);
  assert.ok(tally.codes.LUA_MEMORY > 0, 'some calls ran out of memory');
});
