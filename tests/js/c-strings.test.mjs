// API-SEED §10 area C: strings (items 29-34), §3.4.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx } from './helpers.mjs';

function roundTrip(c, value) {
  c.set_global('s', value);
  return c.execute_script('return s');
}

test('C29 the empty string round-trips', () => {
  const c = new lua_native.init();
  assert.equal(c.execute_script('return ""'), '');
  assert.equal(roundTrip(c, ''), '');
  assert.equal(c.execute_script('return #s'), 0);
});

test('C30 a 10,000-character string set from JS is returned unchanged', () => {
  const c = new lua_native.init();
  const long = 'abcdefghij'.repeat(1000);
  const r = roundTrip(c, long);
  assert.equal(r.length, 10000);
  assert.equal(r, long);
  assert.equal(c.execute_script('return #s'), 10000);
});

test('C31 Unicode text (CJK, emoji, accented letters) round-trips', () => {
  const c = new lua_native.init();
  for (const text of ['你好世界', '日本語テキスト', '😀🎉👍🏽', 'café naïve résumé', 'Ünïcödé ß ø']) {
    assert.equal(roundTrip(c, text), text);
  }
  assert.equal(c.execute_script('return "你好, 😀, é"'), '你好, 😀, é');
  c.set_global('e', 'é');
  assert.equal(c.execute_script('return #e'), 2, 'é is two UTF-8 bytes in Lua');
});

test('C32 newline, tab, backslash and double quote round-trip', () => {
  const c = new lua_native.init();
  const text = 'line1\nline2\ttab\\backslash"quote\'single\r';
  assert.equal(roundTrip(c, text), text);
  assert.equal(c.execute_script('return "a\\nb\\tc\\\\d\\"e"'), 'a\nb\tc\\d"e');
});

test('C33 a Lua string containing \\0 reaches JS with the NUL intact', () => {
  const c = new lua_native.init();
  const r = c.execute_script('return "hello\\0world"');
  assert.equal(r, 'hello\0world');
  assert.equal(r.length, 11);
  // And JS strings with NUL keep their full length in Lua.
  c.set_global('z', 'a\0b');
  assert.equal(c.execute_script('return #z'), 3);
  assert.equal(c.execute_script('return z == "a\\0b"'), true);
  assert.equal(c.execute_script('return z'), 'a\0b');
});

test('C34 string.char(97,0,98) keeps all three bytes; "héllo" is preserved', () => {
  const c = ctx(['base', 'string']);
  const r = c.execute_script('return string.char(97, 0, 98)');
  assert.equal(r, 'a\0b');
  assert.equal(r.length, 3);
  assert.equal(c.execute_script("return 'héllo'"), 'héllo');
  assert.equal(c.execute_script("return #'héllo'"), 6);
});

test('C34 (spec 3.4) invalid UTF-8 becomes U+FFFD; lone surrogates become EF BF BD', () => {
  const c = ctx(['base', 'string']);
  assert.equal(c.execute_script('return "\\255A"'), '\uFFFDA');
  c.set_global('lone', '\uD800');
  assert.deepEqual(c.execute_script('return #lone, string.byte(lone, 1, -1)'), [3, 0xef, 0xbf, 0xbd]);
});

test('C31 a multi-byte character at any offset near the binding\'s inline buffer is kept whole', () => {
  const c = ctx(['base', 'string']);
  // The binding reads short strings into a fixed buffer first; V8 stops
  // before a character that does not fit, which must not truncate the value.
  for (let prefix = 240; prefix <= 260; prefix++) {
    for (const ch of ['é', '日', '😀']) {
      const text = 'a'.repeat(prefix) + ch + 'z';
      assert.equal(roundTrip(c, text), text, `prefix ${prefix}, ${ch}`);
      assert.equal(c.execute_script('return #s'), Buffer.byteLength(text), `prefix ${prefix}, ${ch}`);
    }
  }
});
