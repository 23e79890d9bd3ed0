// API-SEED §10 area K: standard library (items 107-112).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ctx } from './helpers.mjs';

test('K107 string.upper, string.len, string.sub work', () => {
  const c = ctx('all');
  assert.deepEqual(
    c.execute_script('return string.upper("hello"), string.len("hello"), string.sub("hello", 2, 4)'),
    ['HELLO', 5, 'ell']
  );
  assert.equal(c.execute_script('local s = "abc" return s:upper() .. s:len()'), 'ABC3');
});

test('K108 table.sort sorts a table that is then returned as an array', () => {
  const c = ctx('all');
  assert.deepEqual(c.execute_script('local t = {5, 2, 8, 1, 9} table.sort(t) return t'), [1, 2, 5, 8, 9]);
  c.set_global('words', ['pear', 'apple', 'fig']);
  assert.deepEqual(c.execute_script('table.sort(words) return words'), ['apple', 'fig', 'pear']);
});

test('K109 math.abs, floor, ceil, max, min work', () => {
  const c = ctx('all');
  assert.deepEqual(
    c.execute_script('return math.abs(-5), math.floor(3.7), math.ceil(3.2), math.max(1, 5, 3), math.min(1, 5, 3)'),
    [5, 3, 4, 5, 1]
  );
});

test('K110 os.time() is within 2 seconds of the JS clock', () => {
  const c = ctx('all');
  const t = c.execute_script('return os.time()');
  assert.equal(typeof t, 'number');
  assert.ok(Math.abs(t - Date.now() / 1000) <= 2, `os.time() = ${t}`);
});

test('K111 pairs iteration works (sum 6)', () => {
  const c = ctx('all');
  assert.equal(c.execute_script('local s = 0 for _, v in pairs({ a = 1, b = 2, c = 3 }) do s = s + v end return s'), 6);
});

test('K112 ipairs iteration works (sum 60)', () => {
  const c = ctx('all');
  assert.equal(c.execute_script('local s = 0 for _, v in ipairs({ 10, 20, 30 }) do s = s + v end return s'), 60);
  c.set_global('arr', [10, 20, 30]);
  assert.equal(c.execute_script('local s = 0 for i, v in ipairs(arr) do s = s + v * i end return s'), 140);
});
