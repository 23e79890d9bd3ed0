// Errors (§4), Lua functions returned to JS (§3.7) and JS callbacks (§3.7, §4.2).
import { make, script, tryIt } from './util.mjs';

const E = 'errors';
const F = 'lua-functions';
const C = 'callbacks';

/** A context with libraries 'all' and callback `f` throwing `thrown`; runs `src`. */
function throwing(id, thrown, src = 'f()', meta = {}) {
  return {
    id,
    area: C,
    run: (L) => make(L, 'all', { f: () => { throw thrown(); } }).execute_script(src),
    ...meta,
  };
}

const errors = [
  script('errors.error-string', E, ['base'], "error('boom')"),
  script('errors.error-level-0', E, ['base'], "error('boom', 0)"),
  script('errors.error-level-2', E, ['base'], "local function f() error('deep', 2) end\nf()"),
  script('errors.error-number', E, ['base'], 'error(42)'),
  script('errors.error-float', E, ['base'], 'error(4.5)'),
  script('errors.error-nothing', E, ['base'], 'error()'),
  script('errors.error-nil', E, ['base'], 'error(nil)'),
  script('errors.error-table', E, ['base'], 'error({})', { differs: 'Appendix B #1' }),
  script('errors.error-boolean', E, ['base'], 'error(true)', { differs: 'Appendix B #1' }),
  script('errors.error-function', E, ['base'], 'error(print)', { differs: 'Appendix B #1' }),
  script('errors.error-tostring', E, ['base'], 'error(setmetatable({}, { __tostring = function() return "custom error" end }))', { differs: 'Appendix B #1' }),
  script('errors.error-tostring-non-string', E, ['base'], 'error(setmetatable({}, { __tostring = function() return 42 end }))', { differs: 'Appendix B #1' }),
  script('errors.error-name-field', E, ['base'], 'error(setmetatable({}, { __name = "MyType" }))', { differs: 'Appendix B #1' }),
  script('errors.error-userdata', E, 'all', 'error(io.stdout)', { differs: 'Appendix B #1' }),
  script('errors.error-with-nul', E, ['base'], 'error("x\\0y", 0)'),
  script('errors.error-invalid-utf8', E, ['base'], 'error("bad \\255 byte", 0)'),
  script('errors.assert-false', E, ['base'], 'assert(false)'),
  script('errors.assert-message', E, ['base'], 'assert(nil, "assert msg")'),
  script('errors.assert-table', E, ['base'], 'assert(false, {})', { differs: 'Appendix B #1' }),
  script('errors.syntax-plus', E, undefined, 'return +'),
  script('errors.syntax-double-eq', E, undefined, 'x = = 1'),
  script('errors.syntax-unfinished-string', E, undefined, 'return "abc'),
  script('errors.syntax-eof', E, undefined, 'for i = 1, 2 do'),
  script('errors.syntax-bad-local', E, undefined, 'local 1 = 2'),
  script('errors.syntax-long-chunk', E, undefined, 'local aaaaaaaaaa = 1 local bbbbbbbbbbbb = 2 local ccccccccc = = 3'),
  script('errors.syntax-line-2', E, undefined, 'local x = 1\nlocal y = = 2'),
  script('errors.runtime-multiline', E, ['base'], "local x = 1\nerror('boom')"),
  script('errors.runtime-leading-newline', E, ['base'], "\nerror('x')"),
  script('errors.runtime-45-chars', E, ['base'], "error('abcdefghijklmnopqrstuvwxyz0123456')"),
  script('errors.runtime-long-one-line', E, ['base'], "error('abcdefghijklmnopqrstuvwxyz0123456789ABCDEF')"),
  script('errors.call-nil-local', E, undefined, 'local x = nil; return x()'),
  script('errors.call-nil-global', E, undefined, 'return nothing_here()'),
  script('errors.call-nil-field', E, undefined, 'local t = {} return t.missing()'),
  script('errors.method-missing', E, 'all', 'return ("x"):bad()'),
  script('errors.string-plus-number', E, undefined, 'return "string" + 5'),
  script('errors.index-nil-local', E, undefined, 'local t = nil; return t.x'),
  script('errors.index-nil-upvalue', E, undefined, 'local t; return (function() return t.x end)()'),
  script('errors.len-number', E, undefined, 'return #5'),
  script('errors.compare', E, undefined, 'return 1 < "x"'),
  script('errors.compare-tables', E, undefined, 'return {} < {}'),
  script('errors.concat-table', E, undefined, 'return {} .. "x"'),
  script('errors.bad-argument', E, 'all', 'return string.rep()'),
  script('errors.bad-argument-type', E, 'all', 'return setmetatable(1, {})'),
  script('errors.number-no-integer', E, 'all', 'return 1.5 | 0'),
  script('errors.for-initial', E, undefined, 'for i = "a", 2 do end'),
  script('errors.stack-overflow', E, undefined, 'local function f() return 1 + f() end return f()'),
  script('errors.c-stack-overflow', E, ['base'], 'local t = setmetatable({}, { __index = function(t, k) return t[k] end }) return t.x'),
  script('errors.pcall-caught', E, ['base'], "return pcall(function()\n error('caught error')\nend)"),
  script('errors.pcall-table-error', E, ['base'], 'local ok, e = pcall(error, { code = 7 }) return ok, e.code'),
  script('errors.xpcall-handler', E, ['base'], 'return xpcall(function() error("x", 0) end, function(m) return "handled: " .. m end)'),
  script('errors.xpcall-traceback', E, 'all', 'local ok, tb = xpcall(function() error("tb", 0) end, debug.traceback) return ok, tb'),
  script('errors.error-rethrow-pcall', E, ['base'], 'local ok, e = pcall(error, "inner", 0) error("outer: " .. e, 0)'),
  script('errors.close-var', E, ['base'], 'do local x <close> = setmetatable({}, { __close = function() error("in close", 0) end }) end'),
  script('errors.warn-off', E, ['base'], 'warn("@off") warn("ignored") return 1'),
  {
    id: 'errors.message-has-no-traceback',
    area: E, differs: 'DECISIONS 2 (traceback in luaTraceback, not in message)',
    run: (L) => {
      try {
        make(L, ['base']).execute_script("local function f() error('x') end\nf()");
      } catch (e) {
        return [e.message, e.message.includes('stack traceback'), e instanceof Error, Object.getPrototypeOf(e) === Error.prototype];
      }
      return 'no throw';
    },
  },
  {
    id: 'errors.codes',
    area: E,
    differs: 'DECISIONS 2 (code)',
    run: (L) => {
      const c = make(L, ['base']);
      const codeOf = (fn) => { try { fn(); return 'no throw'; } catch (e) { return e.code === undefined ? '(none)' : e.code; } };
      return {
        syntax: codeOf(() => c.execute_script('return +')),
        runtime: codeOf(() => c.execute_script('error("x")')),
        errorTable: codeOf(() => c.execute_script('error({})')),
        typeError: codeOf(() => c.execute_script(1)),
        unknownLib: codeOf(() => new L.init({}, { libraries: ['zzz'] })),
        file: codeOf(() => c.execute_file('./does-not-exist.lua')),
        depth: codeOf(() => c.execute_script('local t = {} t.t = t return t')),
        callback: codeOf(() => new L.init({ f: () => { throw new Error('x'); } }).execute_script('f()')),
      };
    },
  },
  {
    id: 'errors.lua-traceback',
    area: E,
    differs: 'DECISIONS 2 (luaTraceback)',
    run: (L) => {
      const c = make(L, ['base']);
      const tb = (fn) => { try { fn(); return 'no throw'; } catch (e) { return typeof e.luaTraceback === 'string' ? /stack traceback/.test(e.luaTraceback) : String(e.luaTraceback); } };
      return {
        runtime: tb(() => c.execute_script("local function inner() error('deep') end\ninner()")),
        syntax: tb(() => c.execute_script('return +')),
        typeError: tb(() => c.execute_script(1)),
      };
    },
  },
  { id: 'errors.usable-after-error', area: E, run: (L) => { const c = make(L, ['base']); tryIt(() => c.execute_script('error("x")')); tryIt(() => c.execute_script('return +')); return c.execute_script('return 1 + 1'); } },
];

const functions = [
  { id: 'lua-functions.add', area: F, run: (L) => { const f = make(L).execute_script('return function(a, b) return a + b end'); return [f(5, 3), f(10, 20)]; } },
  { id: 'lua-functions.shape', area: F, run: (L) => { const f = make(L).execute_script('return function() end'); return [typeof f, f.name, f.length, Object.keys(f)]; } },
  { id: 'lua-functions.multi-return', area: F, run: (L) => make(L).execute_script('return function(a, b) return a + b, a - b, a * b end')(10, 3) },
  { id: 'lua-functions.closure-counter', area: F, run: (L) => { const f = make(L).execute_script('local n = 10 return function() n = n + 1 return n end'); return [f(), f(), f()]; } },
  { id: 'lua-functions.zero-args', area: F, run: (L) => make(L).execute_script('return function() return 42 end')() },
  { id: 'lua-functions.ten-args', area: F, run: (L) => make(L).execute_script('return function(a, b, c, d, e, f, g, h, i, j) return a + b + c + d + e + f + g + h + i + j end')(1, 2, 3, 4, 5, 6, 7, 8, 9, 10) },
  { id: 'lua-functions.returns-nil', area: F, run: (L) => make(L).execute_script('return function() return nil end')() },
  { id: 'lua-functions.returns-nothing', area: F, run: (L) => { const seen = []; const f = make(L, undefined, { mark: (x) => { seen.push(x); } }).execute_script('return function() mark("ran") end'); return [f(), seen]; } },
  { id: 'lua-functions.returns-nil-nil', area: F, run: (L) => make(L).execute_script('return function() return nil, nil end')() },
  { id: 'lua-functions.hundred-calls', area: F, run: (L) => { const f = make(L).execute_script('local n = 0 return function() n = n + 1 return n end'); let last; for (let i = 0; i < 100; i++) last = f(); return last; } },
  { id: 'lua-functions.three-functions', area: F, run: (L) => { const [a, b, c] = make(L).execute_script('return function() return 1 end, function() return 2 end, function() return 3 end'); return [a(), b(), c()]; } },
  { id: 'lua-functions.recursive', area: F, run: (L) => make(L).execute_script('local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end return fact')(10) },
  { id: 'lua-functions.calls-callback', area: F, run: (L) => make(L, undefined, { jsDouble: (x) => x * 2 }).execute_script('return function(x) return jsDouble(x) + 10 end')(5) },
  { id: 'lua-functions.error', area: F, run: (L) => make(L, ['base']).execute_script('return function() error("func error") end')() },
  { id: 'lua-functions.error-table', area: F, differs: 'Appendix B #1', run: (L) => make(L, ['base']).execute_script('return function() error({}) end')() },
  { id: 'lua-functions.error-usable-after', area: F, run: (L) => { const c = make(L, ['base']); const f = c.execute_script('return function(x) if x then error("bad", 0) end return "fine" end'); return [tryIt(() => f(true)), f(false)]; } },
  { id: 'lua-functions.args-converted', area: F, run: (L) => make(L, 'all').execute_script('return function(...) local r = {} for i = 1, select("#", ...) do local v = select(i, ...) r[i] = type(v) == "number" and math.type(v) or type(v) end return r end')(1, 1.5, 'x', true, null, { a: 1 }, [1], -0, 2 ** 63) },
  { id: 'lua-functions.distinct-wrappers', area: F, run: (L) => { const c = make(L); c.execute_script('function g() return 1 end'); return c.get_global('g') === c.get_global('g'); } },
  { id: 'lua-functions.c-function', area: F, run: (L) => { const c = make(L, ['base']); return [c.get_global('type')(5), c.get_global('tostring')(true), c.get_global('select')('#', 1, 2)]; } },
  { id: 'lua-functions.string-format', area: F, run: (L) => make(L, 'all').execute_script('return string.format')('%d-%s', 5, 'x') },
  { id: 'lua-functions.js-fn-arg-is-function', area: F, differs: 'DECISIONS 6', run: (L) => make(L, ['base']).execute_script('return function(g) return type(g) end')(() => 1) },
  { id: 'lua-functions.js-fn-arg-callable', area: F, differs: 'DECISIONS 6', run: (L) => make(L).execute_script('return function(g) return g(20) end')((x) => x + 1) },
  { id: 'lua-functions.identity-roundtrip', area: F, differs: 'DECISIONS 6', run: (L) => { const c = make(L, ['base']); const f = c.execute_script('orig = function() return 1 end return orig'); c.set_global('back', f); return c.execute_script('return back == orig, type(back)'); } },
  { id: 'lua-functions.identity-via-callback', area: F, differs: 'DECISIONS 6', run: (L) => make(L, ['base'], { echo: (x) => x }).execute_script('local f = function() end local r = echo(f) return type(r), r == f') },
  { id: 'lua-functions.identity-via-wrapper-arg', area: F, differs: 'DECISIONS 6', run: (L) => { const c = make(L); const f = c.execute_script('orig = function() end return orig'); return c.execute_script('return function(x) return x == orig end')(f); } },
  { id: 'lua-functions.nested-in-object', area: F, differs: 'DECISIONS 6', run: (L) => { const c = make(L, ['base']); c.set_global('o', { g: () => 5, list: [() => 6] }); return c.execute_script('return type(o.g), o.g(), o.list[1]()'); } },
  { id: 'lua-functions.no-js-callback-globals', area: F, differs: 'DECISIONS 6', run: (L) => { const c = make(L, ['base', 'string']); c.set_global('o', { g: () => 5 }); return c.execute_script('local n = 0 for k in pairs(_G) do if tostring(k):find("^__js_callback_") then n = n + 1 end end return n'); } },
  { id: 'lua-functions.cross-context', area: F, differs: 'Appendix B #12', run: (L) => { const a = make(L, ['base']); const b = make(L, ['base']); const f = a.execute_script('local n = 0 return function() n = n + 1 return "A:" .. n end'); return tryIt(() => { b.set_global('g', f); return b.execute_script('return type(g), g(), g()'); }); } },
  { id: 'lua-functions.after-context-dropped', area: F, differs: 'Appendix B #7 / DECISIONS 10', run: (L) => { const f = make(L, ['base']).execute_script('local n = 40 return function() n = n + 1 return n end'); if (globalThis.gc) globalThis.gc(); return [f(), f()]; } },
  { id: 'lua-functions.wrapper-this', area: F, run: (L) => { const f = make(L, ['base']).execute_script('return function(...) return select("#", ...) end'); return [f.call({}, 1), f.apply(null, [1, 2])]; } },
  { id: 'lua-functions.wrapper-new', area: F, run: (L) => { const f = make(L).execute_script('return function() return 1 end'); return tryIt(() => new f()); } },
];

const callbacks = [
  { id: 'callbacks.add', area: C, run: (L) => make(L, undefined, { add: (a, b) => a + b }).execute_script('return add(2, 3)') },
  { id: 'callbacks.side-effect', area: C, run: (L) => { let v = 0; make(L, undefined, { setVar: (x) => { v = x; } }).execute_script('setVar(1999)'); return v; } },
  { id: 'callbacks.exact-args', area: C, run: (L) => { let got; make(L, undefined, { f: (...a) => { got = a; } }).execute_script('f(1, 2, 3)'); return got; } },
  { id: 'callbacks.arg-types', area: C, run: (L) => { let got; make(L, undefined, { f: (...a) => { got = a.map((x) => (x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x)); } }).execute_script('f(1, "str", true, nil, {}, {1}, {a = 1}, function() end)'); return got; } },
  { id: 'callbacks.hundred', area: C, run: (L) => { let n = 0; make(L, undefined, { tick: () => { n++; } }).execute_script('for i = 1, 100 do tick() end'); return n; } },
  { id: 'callbacks.returns-array', area: C, run: (L) => make(L, ['base'], { f: () => [1, 2, 3] }).execute_script('local r = f() return select("#", f()), #r, r[1], r[3]') },
  { id: 'callbacks.returns-object', area: C, run: (L) => make(L, ['base'], { f: () => ({ a: 1, b: { c: 'x' } }) }).execute_script('local r = f() return r.a, r.b.c') },
  { id: 'callbacks.returns-promise', area: C, run: (L) => make(L, ['base'], { f: () => Promise.resolve(5) }).execute_script('local r = f() return type(r), next(r) == nil') },
  { id: 'callbacks.async-function', area: C, run: (L) => make(L, ['base'], { f: async () => 5 }).execute_script('local r = f() return type(r)') },
  { id: 'callbacks.returns-bigint', area: C, run: (L) => make(L, ['base'], { f: () => 5n }).execute_script('return f() == nil') },
  { id: 'callbacks.returns-symbol', area: C, run: (L) => make(L, ['base'], { f: () => Symbol('x') }).execute_script('return f() == nil') },
  { id: 'callbacks.returns-nested-function', area: C, differs: 'DECISIONS 6', run: (L) => make(L, ['base'], { f: () => ({ g: () => 7 }) }).execute_script('local r = f() return type(r.g), r.g()') },
  { id: 'callbacks.returns-function', area: C, differs: 'DECISIONS 6', run: (L) => make(L, ['base'], { f: () => (x) => x * 3 }).execute_script('local g = f() return type(g), g(4)') },
  { id: 'callbacks.returns-neg-zero', area: C, run: (L) => make(L, 'all', { f: () => -0 }).execute_script('local v = f() return math.type(v), 1/v') },
  { id: 'callbacks.this-undefined', area: C, run: (L) => { let t = 'unset'; make(L, undefined, { f: function () { t = this === undefined ? 'undefined' : typeof this; } }).execute_script('f()'); return t; } },
  { id: 'callbacks.sloppy-this', area: C, run: (L) => { let t; const sloppy = new Function('sink', 'return function() { sink(this === globalThis); }')((x) => { t = x; }); make(L, undefined, { g: sloppy }).execute_script('g()'); return t; } },
  { id: 'callbacks.bound-function', area: C, run: (L) => { const o = { k: 5, get() { return this.k; } }; return make(L, undefined, { f: o.get.bind(o) }).execute_script('return f()'); } },
  { id: 'callbacks.class-constructor', area: C, run: (L) => { class K {} return make(L, undefined, { K }).execute_script('return K()'); } },
  { id: 'callbacks.receives-lua-function', area: C, run: (L) => make(L, undefined, { apply: (fn, x) => fn(x) }).execute_script('return apply(function(x) return x * 2 end, 21)') },
  { id: 'callbacks.receives-proxy', area: C, run: (L) => { let info; make(L, ['base'], { f: (t) => { info = [typeof t, Array.isArray(t), t.x]; } }).execute_script('f(setmetatable({ x = 1 }, {}))'); return info; } },
  { id: 'callbacks.receives-plain-copy', area: C, run: (L) => { const c = make(L, ['base'], { f: (t) => { t.x = 99; } }); return c.execute_script('local t = { x = 1 } f(t) return t.x'); } },
  { id: 'callbacks.reregister-latest', area: C, run: (L) => { const c = make(L); c.set_global('f', () => 'first'); c.execute_script('saved = f'); c.set_global('f', () => 'second'); return c.execute_script('return f(), saved()'); } },
  { id: 'callbacks.ctor-name-reregister', area: C, run: (L) => { const c = make(L, undefined, { f: () => 'ctor' }); c.set_global('f', () => 'later'); return c.execute_script('return f()'); } },
  throwing('callbacks.throws-error', () => new Error('bad')),
  throwing('callbacks.throws-type-error', () => new TypeError('typed')),
  throwing('callbacks.throws-string', () => 'text'),
  throwing('callbacks.throws-number', () => 42),
  throwing('callbacks.throws-null', () => null),
  throwing('callbacks.throws-undefined', () => undefined),
  throwing('callbacks.throws-message-object', () => ({ message: 'x' })),
  throwing('callbacks.throws-non-string-message', () => ({ message: 5 })),
  throwing('callbacks.throws-empty-message', () => new Error('')),
  throwing('callbacks.throws-multiline', () => new Error('line1\nline2')),
  throwing('callbacks.throws-pcall', () => new Error('bad'), 'return pcall(f)'),
  throwing('callbacks.throws-pcall-continues', () => new Error('bad'), 'local ok = pcall(f) return ok, "after"'),
  throwing('callbacks.throws-nested-lua', () => new Error('deep'), 'local function a() f() end local function b() a() end b()'),
  throwing('callbacks.throws-error-type', () => new Error('bad'), 'local ok, e = pcall(f) return type(e)'),
  { id: 'callbacks.named-in-message', area: C, run: (L) => make(L, undefined, { riskyOp: () => { throw new Error('Something went wrong'); } }).execute_script('riskyOp()') },
  { id: 'callbacks.set-global-name-in-message', area: C, run: (L) => { const c = make(L); c.set_global('viaSet', () => { throw new Error('nope'); }); return c.execute_script('viaSet()'); } },
  { id: 'callbacks.nested-name-in-message', area: C, differs: 'DECISIONS 6', run: (L) => { const c = make(L, ['base']); c.set_global('o', { inner: () => { throw new Error('inner bad'); } }); return c.execute_script('return pcall(o.inner)'); } },
  { id: 'callbacks.returns-too-deep-message', area: C, run: (L) => { let v = {}; for (let i = 0; i < 101; i++) v = { child: v }; return make(L, ['base'], { give: () => v }).execute_script('return pcall(give)'); } },
  { id: 'callbacks.in-coroutine', area: C, run: (L) => { const c = make(L, ['base', 'coroutine'], { f: () => { throw new Error('co bad'); } }); return c.resume(c.create_coroutine('return function() f() end')); } },
  { id: 'callbacks.invalid-utf8-arg', area: C, run: (L) => { let got; make(L, undefined, { f: (s) => { got = s; } }).execute_script('f("\\255\\254ok")'); return got; } },
  { id: 'callbacks.two-contexts-same-name', area: C, run: (L) => { const log = []; const a = make(L, undefined, { f: () => log.push('a') }); const b = make(L, undefined, { f: () => log.push('b') }); a.execute_script('f()'); b.execute_script('f() f()'); return log; } },
  { id: 'callbacks.bare-state', area: C, run: (L) => make(L, undefined, { f: (x) => x + 1 }).execute_script('return f(1)') },
];

export default [...errors, ...functions, ...callbacks];
