// DECISIONS 12 (issue 11): `maxInstructions` is a work budget. Library
// functions and the collector charge it in proportion to the work they do, so
// a loop whose few VM instructions each start a megabyte of C work stops after
// a handful of iterations instead of running for a budget's worth of them.
//
// No timing here: each test counts the loop's iterations in a global `n` and
// checks that the budget stopped it after the few that the work charged
// allows. Were the work free, the same budget would let the loop run about
// budget / (instructions per iteration), i.e. tens of thousands of times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { throwsExactly, assertUsable } from './helpers.mjs';

const BUDGET = 2_000_000;
const LIMIT_TEXT = /instruction limit exceeded$/;

function make(options = {}) {
  return new lua_native.init({}, { libraries: 'safe', maxInstructions: BUDGET, ...options });
}

// 100,000 live tables, made in four calls of a budget each: what making them
// costs depends on where the collector's cycles fall (up to ~15 % either way
// between builds that open the libraries with the collector running or not),
// and in one call it came near the whole budget. Only the loops are measured.
const KEEP_100K = [0, 1, 2, 3].map((k) => `keep = keep or {} for i = ${k * 25000 + 1}, ${(k + 1) * 25000} do keep[i] = {i} end`);

const throwsInstructions = (fn) => throwsExactly(fn, Error, LIMIT_TEXT, 'LUA_INSTRUCTION_LIMIT');

/**
 * Runs `setup` (its own call, its own budget; or a list of them), then `loop` (a Lua statement
 * repeated `while true`, after which `n` is counted), which must end with the
 * instruction limit after at most `most` iterations. Returns `n`.
 */
function stops(c, setup, loop, most) {
  for (const part of [setup ?? []].flat()) c.execute_script(part);
  c.execute_script('n = 0');
  throwsInstructions(() => c.execute_script(`while true do ${loop} n = n + 1 end`));
  const n = c.get_global('n');
  assert.ok(Number.isInteger(n) && n >= 0, `n = ${n}`);
  assert.ok(n <= most, `the loop ran ${n} times (at most ${most} expected)`);
  assertUsable(c);
  return n;
}

// Each workload: [name, setup, loop statement, most iterations expected].
// The comment gives the charge per iteration (see the README's table).
const WORKLOADS = [
  // 500,000 units (a byte is half a unit)
  ['string.upper of 1 MB', "s = string.rep('a', 1e6)", 'local u = s:upper()', 8],
  ['string.lower of 1 MB', "s = string.rep('A', 1e6)", 'local u = s:lower()', 8],
  ['string.reverse of 1 MB', "s = string.rep('ab', 5e5)", 'local u = s:reverse()', 8],
  // 1,000,000 repetitions + 3 MB / 16
  ['string.rep of 3 MB', null, "local u = string.rep('abc', 1e6)", 4],
  // 1,000,000 bytes decoded
  ['utf8.len of 1 MB', "s = string.rep('h\\u{e9}llo', 1.6e5)", 'local k = utf8.len(s)', 4],
  // marking and sweeping 100,000 live tables: about a million units
  ['a full collectgarbage() over 100,000 live tables', KEEP_100K, 'collectgarbage()', 8],
  // 100,000 elements at 8 units each
  ["table.concat of 100,000 strings", "t = {} for i = 1, 1e5 do t[i] = 'abcdefgh' end", "local u = table.concat(t, ',')", 8],
  // 16 units per comparison, over a million comparisons
  ['table.sort of 100,000 numbers', 't = {} for i = 1, 1e5 do t[i] = (i * 7919) % 100003 end', 'table.sort(t) table.sort(t, function(a, b) return a > b end)', 2],
  // 4 units per element
  ['table.unpack of 100,000 values', 't = {} for i = 1, 1e5 do t[i] = i end', "local k = select('#', table.unpack(t))", 20],
  // 1,000,000 repetitions of 1 byte
  ['string.rep of 1,000,000 single bytes', null, "local u = string.rep('a', 1e6)", 4],
  // 100,000 bytes quoted (half a unit each), 2 items
  ["string.format('%q') of 100,000 bytes", "s = string.rep('a\\n', 5e4)", "local u = string.format('%q', s)", 80],
  ["string.format('%s') of 1 MB", "s = string.rep('a', 1e6)", "local u = string.format('<%s>', s)", 80],
  // a 1 MB __name copied into the result
  ['tostring of a value with a 1 MB __name', "v = setmetatable({}, {__name = string.rep('x', 1e6)})", 'local u = tostring(v)', 80],
  // 8 units per byte of source
  ['load of 1 MB of source', "src = string.rep('a = 1 + 2 * 3\\n', 7e4)", 'local f = load(src)', 1],
  ['load through a reader function', "piece = string.rep('a = 1 + 2 * 3\\n', 7e3)", "local i = 0 local f = load(function() i = i + 1 if i <= 10 then return piece end end)", 1],
  // 8 units per replacement
  ['string.gsub making 100,000 replacements', "s = string.rep('a', 1e5)", "local u = s:gsub('a', 'bb')", 8],
  // the concatenation operator copies 1 MB in one instruction
  ['.. of a 1 MB string', "s = string.rep('a', 1e6)", "local u = s .. 'x'", 80],
  // next skips 100,000 empty slots
  ['next on a table emptied of 100,000 entries', 't = {} for i = 1, 1e5 do t[i] = i end for i = 1, 1e5 do t[i] = nil end', 'local k = next(t)', 200],
  // string.byte pushes 100,000 values
  ['string.byte of 100,000 bytes', "s = string.rep('a', 1e5)", "local k = select('#', s:byte(1, -1))", 40],
  ['utf8.codepoint of 100,000 bytes', "s = string.rep('a', 1e5)", "local k = select('#', utf8.codepoint(s, 1, -1))", 40],
  ['string.pack of 10,000 items', "f = string.rep('i4', 1e4) t = {} for i = 1, 1e4 do t[i] = i end", 'local u = string.pack(f, table.unpack(t))', 80],
];

for (const [name, setup, loop, most] of WORKLOADS) {
  test(`work budget: a loop of ${name} stops with LUA_INSTRUCTION_LIMIT after a few iterations`, () => {
    stops(make(), setup, loop, most);
  });
}

test('work budget: a script sitting at its maxMemory cap (an emergency collection per allocation) stops', () => {
  // (Filling the heap takes a few million units: a bigger budget.)
  const c = make({ maxMemory: 4 * 1024 * 1024, maxInstructions: 10 * BUDGET });
  // A 60 KB string, then the heap filled to the cap with a chain of small
  // live tables (the last allocation fails), then a few hundred of them
  // freed: room for compiling the next chunks, none for doubling the string.
  c.execute_script(
    "s = string.rep('x', 6e4) double = function() return s .. s end " +
      'depth = 0 pcall(function() while true do keep = {keep} depth = depth + 1 end end) ' +
      'for i = 1, 300 do keep = keep[1] end collectgarbage()'
  );
  assert.ok(c.get_global('depth') > 10_000);
  // Every doubling now fails after a full (emergency) collection of that
  // heap; pcall catches the memory error, so only the budget can stop it.
  assert.equal(c.execute_script('return (pcall(double))'), false);
  stops(c, null, 'pcall(double)', 200);
});

test('work budget: the limit a library function trips cannot be caught by pcall or a coroutine', () => {
  const c = make();
  c.execute_script("s = string.rep('a', 1e6)");
  stops(c, null, 'pcall(string.upper, s)', 8);
  stops(c, null, 'coroutine.wrap(function() local u = s:upper() end)()', 8);
  stops(c, null, "pcall(table.concat, {s, s, s, s})", 80);
});

test('work budget: the collector charges without raising; the next instruction stops the script', () => {
  const c = make();
  for (const part of KEEP_100K) c.execute_script(part);
  // Finalizers run with the limit tripped and the state stays sound.
  c.execute_script('n = 0');
  throwsInstructions(() =>
    c.execute_script('while true do setmetatable({}, {__gc = function() gcs = (gcs or 0) + 1 end}) collectgarbage() n = n + 1 end')
  );
  assert.ok(c.get_global('n') <= 8, `n = ${c.get_global('n')}`);
  assertUsable(c);
  assert.equal(c.execute_script('collectgarbage() return #keep'), 100_000);
});

test('work budget: the same loops complete when their work fits in the budget', () => {
  const c = make();
  assert.equal(c.execute_script("local s = string.rep('a', 1e5) for i = 1, 10 do s = s:upper():lower() end return #s"), 1e5);
  assert.equal(c.execute_script('local t = {} for i = 1, 1000 do t[i] = -i end table.sort(t) return t[1]'), -1000);
  assert.equal(c.execute_script("local t = {} for i = 1, 1000 do t[i] = 'x' end return #table.concat(t, ',')"), 1999);
  assert.equal(c.execute_script('for i = 1, 10 do collectgarbage() end return true'), true);
  assert.equal(c.execute_script("return utf8.len(string.rep('\\u{e9}', 1000))"), 1000);
  assert.equal(c.execute_script("return select('#', table.unpack({1, 2, 3, 4, 5}))"), 5);
  assert.equal(c.execute_script("return load('return 6 * 7')()"), 42);
});

test('work budget: the unit is one VM instruction; with no library calls the budget counts instructions as before', () => {
  // A counted loop: about two instructions per iteration, so a budget of
  // 2,000,000 leaves it somewhere around a million iterations.
  const c = make();
  c.execute_script('n = 0');
  throwsInstructions(() => c.execute_script('while true do n = n + 1 end'));
  const n = c.get_global('n');
  assert.ok(n > 200_000 && n < 2_000_000, `n = ${n}`);
});

test('work budget: async runs are stopped by library work too', async () => {
  const c = make();
  c.execute_script("s = string.rep('a', 1e6) n = 0");
  let err;
  try {
    await c.execute_script_async('while true do local u = s:upper() n = n + 1 end');
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error);
  assert.equal(err.code, 'LUA_INSTRUCTION_LIMIT');
  assert.match(err.message, LIMIT_TEXT);
  assert.ok(c.get_global('n') <= 8, `n = ${c.get_global('n')}`);
});
