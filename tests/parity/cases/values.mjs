// execute_script result shaping (§2.1), strings (§3.4), numbers (§3.3), booleans and nil (§3.2).
import { make, script } from './util.mjs';

const E = 'execution';
const S = 'strings';
const N = 'numbers';
const B = 'booleans-nil';

/** Sets global `v` to a JS value, then runs `src` (libraries 'all'). */
function jsIn(id, area, value, src, meta = {}) {
  return {
    id,
    area,
    run: (L) => {
      const c = make(L, 'all');
      c.set_global('v', value);
      return c.execute_script(src);
    },
    ...meta,
  };
}

/** A callback `take` records what JS receives from `src`; returns the received argument list. */
function jsReceives(id, area, src, meta = {}) {
  return {
    id,
    area,
    run: (L) => {
      let got;
      const c = make(L, 'all', { take: (...args) => { got = args; } });
      c.execute_script(src);
      return got;
    },
    ...meta,
  };
}

const execution = [
  script('execution.return-42', E, undefined, 'return 42'),
  script('execution.three-values', E, undefined, 'return 1, "hello", true'),
  script('execution.five-values', E, undefined, 'return 1, 2, 3, 4, 5'),
  script('execution.no-return', E, undefined, 'local x = 1'),
  script('execution.empty-script', E, undefined, ''),
  script('execution.return-nothing', E, undefined, 'return'),
  script('execution.return-nil', E, undefined, 'return nil'),
  script('execution.return-nil-nil', E, undefined, 'return nil, nil'),
  script('execution.return-nil-one', E, undefined, 'return nil, 1'),
  script('execution.return-one-nil', E, undefined, 'return 1, nil'),
  script('execution.nul-truncates-script', E, undefined, 'return 1\0 error()'),
  script('execution.chunk-varargs', E, ['base'], 'return select("#", ...)'),
  script('execution.shebang-not-skipped', E, undefined, '#!/usr/bin/lua\nreturn 1'),
  script('execution.const-local', E, undefined, 'local a <const> = 5 return a * 2'),
  script('execution.version', E, ['base'], 'return _VERSION'),
  script('execution.integer-float-types', E, 'all', 'return math.type(1), math.type(1.0), math.type(2^53), math.type(7 // 2), math.type(7 / 2)'),
  script('execution.goto', E, undefined, 'local i = 0 ::top:: i = i + 1 if i < 5 then goto top end return i'),
  script('execution.integer-for', E, undefined, 'local s = 0 for i = 1, 100 do s = s + i end return s'),
  script('execution.nested-result', E, ['base'], 'return { list = { 1, 2, 3 }, info = { enabled = true, off = false }, label = "x" .. 1 }'),
  script('execution.top-level-yield', E, 'all', 'coroutine.yield(1)'),
  script('execution.main-thread-facts', E, 'all', 'local co, ismain = coroutine.running() return ismain, coroutine.isyieldable(), coroutine.status(co)'),
  { id: 'execution.globals-persist', area: E, run: (L) => { const c = make(L); c.execute_script('counter = 10'); c.execute_script('counter = counter + 5'); return c.execute_script('return counter'); } },
  { id: 'execution.thousand-runs', area: E, run: (L) => { const c = make(L); let ok = 0; for (let i = 0; i < 1000; i++) if (c.execute_script(`return ${i} * 2`) === i * 2) ok++; return ok; } },
  { id: 'execution.non-string-arg', area: E, run: (L) => make(L).execute_script(42) },
  { id: 'execution.no-arg', area: E, run: (L) => make(L).execute_script() },
  { id: 'execution.string-object-arg', area: E, run: (L) => make(L).execute_script(new String('return 1')) },
  { id: 'execution.extra-args-ignored', area: E, run: (L) => make(L).execute_script('return 5', 'ignored', 1) },
  { id: 'execution.reentrant', area: E, run: (L) => { let c; c = make(L, ['base'], { inner: () => c.execute_script('return 40 + 2') }); return c.execute_script('return inner() + 1'); } },
  { id: 'execution.reentrant-set-global', area: E, run: (L) => { let c; c = make(L, ['base'], { setit: () => { c.set_global('fromJs', 'yes'); } }); return c.execute_script('setit() return fromJs'); } },
  { id: 'execution.is-busy-sync', area: E, run: (L) => { let c; let inside; c = make(L, ['base'], { probe: () => { inside = c.is_busy(); } }); c.execute_script('probe()'); return [c.is_busy(), inside, c.is_busy('extra')]; } },
];

const strings = [
  script('strings.empty', S, undefined, 'return ""'),
  script('strings.nul-inside', S, undefined, 'return "hello\\0world"'),
  script('strings.nul-only', S, undefined, 'return "\\0"'),
  script('strings.invalid-ff', S, undefined, 'return "\\255A"'),
  script('strings.truncated-2byte', S, undefined, 'return "a\\xC3"'),
  script('strings.truncated-4byte', S, undefined, 'return "\\xF0\\x9F\\x98!"'),
  script('strings.encoded-surrogate', S, undefined, 'return "\\xED\\xA0\\x80"'),
  script('strings.overlong', S, undefined, 'return "\\xC0\\xAF"'),
  script('strings.above-max-codepoint', S, undefined, 'return "\\xF4\\x90\\x80\\x80"'),
  script('strings.lone-continuation', S, undefined, 'return "\\x80\\x80x"'),
  script('strings.utf8-escape', S, undefined, 'return "\\u{48}\\u{E9}\\u{4E2D}\\u{1F600}"'),
  script('strings.utf8-escape-lax', S, undefined, 'return "\\u{7FFFFFFF}"'),
  script('strings.bytes-via-char', S, 'all', 'return string.char(97, 0, 98), #string.char(97, 0, 98)'),
  script('strings.cjk-emoji-literal', S, undefined, 'return "中文 😀 héllo"'),
  script('strings.escapes', S, undefined, 'return "a\\nb\\tc\\\\d\\"e\\r\\n"'),
  script('strings.long-lua', S, 'all', 'local s = string.rep("ab", 5000) return #s, s:sub(1, 4), s:sub(-4)'),
  script('strings.rep-accent', S, 'all', 'return string.rep("é", 3), #string.rep("é", 3)'),
  script('strings.tostring-numbers', S, 'all', 'return tostring(12), tostring(1.5), tostring(1e100), tostring(2^63), tostring(-0.0), tostring(3.0), tostring(1/0), tostring(-1/0), tostring(math.mininteger)'),
  script('strings.concat-numbers', S, undefined, 'return 1 .. "", 1.0 .. "", -0.0 .. "", 2^53 .. ""'),
  script('strings.nan-tostring', S, 'all', 'local s = tostring(0/0) return s == "nan" or s == "-nan", s:find("nan") ~= nil'),
  script('strings.pack-binary', S, 'all', 'return string.pack(">I4", 0x00FF0041)'),
  script('strings.format-q', S, 'all', 'return string.format("%q", "a\\0b\\n\\"c\\""), string.format("%q", 1/0), string.format("%q", math.mininteger)'),
  jsIn('strings.js-empty', S, '', 'return #v, v == ""'),
  jsIn('strings.js-nul', S, 'a\0b', 'return #v, v:byte(1, -1)'),
  jsIn('strings.js-long', S, 'x'.repeat(10000), 'return #v'),
  jsIn('strings.js-roundtrip-unicode', S, '中文 😀 héllo ñ', 'return v, #v'),
  jsIn('strings.js-escapes', S, 'line1\nline2\ttab\\back"quote', 'return v, #v'),
  jsIn('strings.js-lone-high-surrogate', S, '\uD800', 'return #v, v:byte(1, -1)'),
  jsIn('strings.js-lone-low-surrogate', S, 'a\uDC00b', 'return #v, v:byte(1, -1)'),
  jsIn('strings.js-surrogate-pair', S, '\uD83D\uDE00', 'return #v, v:byte(1, -1)'),
  jsIn('strings.js-reversed-pair', S, '\uDE00\uD83D', 'return #v, v:byte(1, -1)'),
  jsIn('strings.js-bom', S, '\uFEFFx', 'return #v, v:byte(1, -1)'),
  jsIn('strings.js-roundtrip-nul', S, 'hello\0world', 'return v'),
  jsIn('strings.js-string-object', S, new String('boxed'), 'return type(v), v[1], v["0"]'),
  script('strings.table-key-with-nul', S, undefined, 'return { ["a\\0b"] = 1 }'),
  script('strings.table-key-invalid-utf8', S, undefined, 'return { ["\\255k"] = 1 }'),
  jsReceives('strings.callback-receives-bytes', S, 'take("\\255", "a\\0b", "")'),
  script('strings.long-string-literal', S, undefined, 'return [[\nfirst\nsecond]]'),
];

const numbers = [
  script('numbers.zero', N, undefined, 'return 0'),
  script('numbers.neg-int', N, undefined, 'return -42'),
  script('numbers.neg-float', N, undefined, 'return -3.14'),
  script('numbers.max-safe', N, undefined, 'return 9007199254740991'),
  script('numbers.pi-ish', N, undefined, 'return 3.14159265359, 0.1 + 0.2'),
  script('numbers.tiny', N, undefined, 'return 1e-10, 5e-324'),
  script('numbers.huge', N, 'all', 'return math.huge, -math.huge'),
  script('numbers.nan', N, undefined, 'return 0/0, -(0/0)'),
  script('numbers.neg-zero-float', N, undefined, 'return -0.0'),
  script('numbers.zero-int-vs-float', N, undefined, 'return 0, 0.0, -0'),
  script('numbers.maxinteger', N, 'all', 'return math.maxinteger'),
  script('numbers.mininteger', N, 'all', 'return math.mininteger'),
  script('numbers.two53-plus-1', N, undefined, 'return 9007199254740993'),
  script('numbers.two63-float', N, undefined, 'return 2^63, -2^63'),
  script('numbers.float-three', N, undefined, 'return 3.0'),
  script('numbers.overflow-inf', N, undefined, 'return 1e308 * 10'),
  script('numbers.wraparound', N, 'all', 'return math.maxinteger + 1 == math.mininteger, math.maxinteger + 1'),
  script('numbers.int-div-zero', N, undefined, 'return 5 // 0'),
  script('numbers.mod-zero', N, undefined, 'return 5 % 0'),
  script('numbers.float-div-zero', N, undefined, 'return 5.0 // 0, -5 // 0.0, 1 / 0, 0.0 / 0 ~= 0.0 / 0'),
  script('numbers.division-kinds', N, undefined, 'return 7 // 2, 7 / 2, 2^2, 7 % 3, -7 // 2, -7 % 3'),
  script('numbers.string-coercion', N, undefined, 'return "10" + 1, "0x10" + 0, "1e2" * 1'),
  script('numbers.string-coercion-all', N, 'all', 'return "10" + 1, "0x10" + 0, "1e2" * 1, 10 .. ""'),
  script('numbers.string-coercion-fails', N, undefined, 'return "abc" + 1'),
  script('numbers.hex-float', N, undefined, 'return 0x1p4, 0xA, 0xffffffffffffffff'),
  script('numbers.tointeger', N, 'all', 'return math.tointeger(3.0), math.tointeger(3.5), math.tointeger(2^63)'),
  script('numbers.floor-neg-zero', N, 'all', 'return math.floor(-0.0), math.ceil(-0.5), math.abs(math.mininteger)'),
  jsIn('numbers.js-42', N, 42, 'return math.type(v), v'),
  jsIn('numbers.js-1.0', N, 1.0, 'return math.type(v)'),
  jsIn('numbers.js-42.5', N, 42.5, 'return math.type(v), v'),
  jsIn('numbers.js-2pow53', N, 2 ** 53, 'return math.type(v), v == 9007199254740992'),
  jsIn('numbers.js-2pow53-plus-1', N, 2 ** 53 + 1, 'return math.type(v), v == 9007199254740992, string.format("%d", v)'),
  jsIn('numbers.js-2pow63', N, 2 ** 63, 'return math.type(v), v == 2^63, v > 0, tostring(v)', { differs: 'Appendix B #6' }),
  jsIn('numbers.js-neg-2pow63', N, -(2 ** 63), 'return math.type(v), v == math.mininteger'),
  jsIn('numbers.js-2pow64', N, 2 ** 64, 'return math.type(v), v == 2^64'),
  jsIn('numbers.js-nan', N, NaN, 'return math.type(v), v ~= v'),
  jsIn('numbers.js-infinity', N, Infinity, 'return math.type(v), v == math.huge'),
  jsIn('numbers.js-neg-infinity', N, -Infinity, 'return math.type(v), v == -math.huge'),
  jsIn('numbers.js-1e300', N, 1e300, 'return math.type(v)'),
  jsIn('numbers.js-neg-zero', N, -0, 'return math.type(v), 1/v, v'),
  jsIn('numbers.js-min-value', N, Number.MIN_VALUE, 'return math.type(v), v > 0, v'),
  jsIn('numbers.js-epsilon', N, Number.EPSILON, 'return v'),
  jsIn('numbers.js-max-safe', N, Number.MAX_SAFE_INTEGER, 'return math.type(v), v == 9007199254740991'),
  jsIn('numbers.js-max-value', N, Number.MAX_VALUE, 'return math.type(v), v == v'),
  jsIn('numbers.js-bigint', N, 10n, 'return v == nil, type(v)'),
  jsIn('numbers.js-symbol', N, Symbol('s'), 'return v == nil, type(v)'),
  jsIn('numbers.js-number-object', N, new Number(5), 'return type(v), next(v) == nil'),
  jsReceives('numbers.callback-receives', N, 'take(math.maxinteger, math.mininteger, -0.0, 0/0, 1/0, 2^53 + 1, 3.0, 9007199254740993)'),
  {
    id: 'numbers.roundtrip-js',
    area: N,
    run: (L) => {
      const c = make(L, 'all');
      const vals = [0, -0, 1.5, -1e-300, 2 ** 53, 2 ** 53 + 2, 2 ** 62, -(2 ** 62), 1e21, 123456789.125];
      return vals.map((x) => {
        c.set_global('v', x);
        return c.execute_script('return v');
      });
    },
  },
];

const booleans = [
  script('booleans-nil.true', B, undefined, 'return true'),
  script('booleans-nil.false', B, undefined, 'return false'),
  script('booleans-nil.comparisons', B, undefined, 'return 1 > 0, 1 < 0, 1 == 1.0, "a" < "b"'),
  script('booleans-nil.true-false-nil', B, undefined, 'return true, false, nil'),
  script('booleans-nil.undefined-var', B, undefined, 'return undefinedVariable'),
  jsReceives('booleans-nil.callback-nil-arg', B, 'take(nil)'),
  jsReceives('booleans-nil.callback-trailing-nils', B, 'take(1, nil, nil)'),
  jsReceives('booleans-nil.callback-no-args', B, 'take()'),
  jsReceives('booleans-nil.callback-mixed-types', B, 'take(1, "str", true, nil, {})'),
  jsIn('booleans-nil.set-null', B, null, 'return v == nil'),
  jsIn('booleans-nil.set-undefined', B, undefined, 'return v == nil'),
  jsIn('booleans-nil.set-true', B, true, 'return v, type(v)'),
  jsIn('booleans-nil.set-false', B, false, 'return v == false, type(v)'),
  {
    id: 'booleans-nil.set-null-erases',
    area: B,
    run: (L) => {
      const c = make(L);
      c.set_global('x', 5);
      c.set_global('x', null);
      const a = c.execute_script('return x');
      c.set_global('y', 5);
      c.set_global('y', undefined);
      return [a, c.execute_script('return y')];
    },
  },
  { id: 'booleans-nil.callback-undefined-is-nil', area: B, run: (L) => make(L, ['base'], { noReturn: () => {} }).execute_script('return noReturn()') },
  { id: 'booleans-nil.callback-undefined-count', area: B, run: (L) => make(L, ['base'], { noReturn: () => {} }).execute_script('return select("#", noReturn())') },
  { id: 'booleans-nil.wrapper-args-count', area: B, run: (L) => make(L, ['base']).execute_script('return function(...) return select("#", ...), ... end')(undefined, null, 1, undefined) },
  { id: 'booleans-nil.wrapper-no-args', area: B, run: (L) => make(L, ['base']).execute_script('return function(...) return select("#", ...) end')() },
];

export default [...execution, ...strings, ...numbers, ...booleans];
