// Globals (§2.3, §2.4; EVOLUTION A8 dotted paths) and userdata (§2.5, §3.9).
import { make, tryIt } from './util.mjs';

const G = 'globals';
const U = 'userdata';

function withGlobals(id, fn, meta = {}) {
  return { id, area: G, run: (L) => fn(make(L, 'all')), ...meta };
}
function ud(id, fn, meta = {}) {
  return { id, area: U, run: (L) => fn(make(L, 'all'), L), ...meta };
}
const A8 = { evolution: 'A8' };

const globals = [
  withGlobals('globals.set-and-use', (c) => { c.set_global('x', 21); c.set_global('times2', (n) => n * 2); c.set_global('tbl', { b: 2, c: 'three' }); return c.execute_script('return times2(x), tbl.b, tbl.c'); }),
  withGlobals('globals.overwrite', (c) => { c.set_global('x', 1); c.set_global('x', 'two'); return c.execute_script('return x'); }),
  withGlobals('globals.function-callable', (c) => { c.set_global('greet', (n) => `Hello, ${n}!`); return c.execute_script('return greet("World")'); }),
  withGlobals('globals.hundred', (c) => { for (let i = 0; i < 100; i++) c.set_global(`g${i}`, i); let s = 0; for (let i = 0; i < 100; i++) s += c.get_global(`g${i}`); return s; }),
  withGlobals('globals.get-types', (c) => { c.execute_script('n = 42 s = "str" b = true t = { a = 1, b = "two" } f = 1.5'); return ['n', 's', 'b', 't', 'f'].map((k) => c.get_global(k)); }),
  withGlobals('globals.get-missing', (c) => c.get_global('nope')),
  withGlobals('globals.get-after-set', (c) => { c.set_global('v', 1); const a = c.get_global('v'); c.set_global('v', 2); return [a, c.get_global('v')]; }),
  withGlobals('globals.get-after-lua-change', (c) => { c.set_global('counter', 1); c.execute_script('counter = counter + 1'); return c.get_global('counter'); }),
  withGlobals('globals.int64', (c) => { c.set_global('big', 2 ** 53); return [c.get_global('big'), c.execute_script('return math.type(big), big')]; }),
  withGlobals('globals.set-one-arg', (c) => c.set_global('x')),
  withGlobals('globals.set-undefined-explicit', (c) => { c.set_global('x', 5); c.set_global('x', undefined); return c.execute_script('return x'); }),
  withGlobals('globals.set-non-string-name', (c) => c.set_global(42, 1)),
  withGlobals('globals.set-no-args', (c) => c.set_global()),
  withGlobals('globals.get-no-args', (c) => c.get_global()),
  withGlobals('globals.get-non-string', (c) => c.get_global(5)),
  withGlobals('globals.empty-name', (c) => { c.set_global('', 5); return [c.execute_script('return _G[""]'), c.get_global('')]; }),
  withGlobals('globals.name-with-space', (c) => { c.set_global('a b', 1); return c.execute_script('return _G["a b"]'); }),
  withGlobals('globals.get-honours-G-index', (c) => { c.execute_script('setmetatable(_G, { __index = function(t, k) return k .. "!" end })'); return c.get_global('zzz'); }),
  withGlobals('globals.get-lua-function-is-wrapper', (c) => { c.execute_script('function sq(x) return x * x end'); return c.get_global('sq')(7); }),
  withGlobals('globals.get-js-function-wrapper', (c) => { c.set_global('jsf', (x) => x + 100); return c.get_global('jsf')(1); }),
  withGlobals('globals.set-lua-wrapper', (c) => { const f = c.execute_script('return function(x) return x + 1 end'); c.set_global('g', f); return c.execute_script('return g(1)'); }),
  withGlobals('globals.get-G-no-libs-cycle', (c) => c.get_global('_G'), { differs: 'Appendix B #2' }),
  // Dotted paths (EVOLUTION A8).
  withGlobals('globals.path-set-vivify', (c) => { c.set_global('a.b.c', 1); return c.execute_script('return a.b.c, type(a), type(a.b)'); }, A8),
  withGlobals('globals.path-keeps-siblings', (c) => { c.execute_script('cfg = { keep = "yes", sub = { also = 1 } }'); c.set_global('cfg.sub.new', 2); return c.execute_script('return cfg.keep, cfg.sub.also, cfg.sub.new'); }, A8),
  withGlobals('globals.path-two-segments', (c) => { c.set_global('p.q', 'v'); return c.get_global('p.q'); }, A8),
  withGlobals('globals.path-leaf-values', (c) => { c.set_global('x.n', 5); c.set_global('x.b', true); c.set_global('x.t', { k: 1 }); c.set_global('x.a', [1, 2]); return [c.get_global('x.n'), c.get_global('x.b'), c.get_global('x.t'), c.get_global('x.a')]; }, A8),
  withGlobals('globals.path-function', (c) => { c.set_global('ns.fn', (a) => a * 10); return c.execute_script('return ns.fn(4)'); }, A8),
  withGlobals('globals.path-function-error-name', (c) => { c.set_global('ns.bad', () => { throw new Error('path fn'); }); return c.execute_script('return pcall(ns.bad)'); }, A8),
  withGlobals('globals.path-overwrite-leaf', (c) => { c.set_global('o.k', 1); c.set_global('o.k', 2); return c.get_global('o.k'); }, A8),
  withGlobals('globals.path-non-table-intermediate', (c) => { c.execute_script('s = "str"'); return c.set_global('s.x', 1); }, A8),
  withGlobals('globals.path-number-intermediate', (c) => { c.execute_script('n = { m = 5 }'); return c.set_global('n.m.x', 1); }, A8),
  withGlobals('globals.path-newindex-fires', (c) => { c.execute_script('seen = nil mt = setmetatable({}, { __newindex = function(t, k, v) seen = k .. "=" .. tostring(v) end })'); c.set_global('mt.key', 9); return c.execute_script('return seen, rawget(mt, "key")'); }, A8),
  withGlobals('globals.path-get-nested', (c) => { c.execute_script('a = { b = { c = { d = "deep" } } }'); return [c.get_global('a.b.c.d'), c.get_global('a.b.c')]; }, A8),
  withGlobals('globals.path-get-missing-leaf', (c) => { c.execute_script('a = { b = {} }'); return c.get_global('a.b.zzz'); }, A8),
  withGlobals('globals.path-get-nil-intermediate', (c) => c.get_global('nope.b.c'), A8),
  withGlobals('globals.path-get-index-fires', (c) => { c.execute_script('d = setmetatable({}, { __index = function(t, k) return "idx:" .. k end })'); return c.get_global('d.anything'); }, A8),
  withGlobals('globals.path-get-non-indexable', (c) => { c.execute_script('num = 5'); return c.get_global('num.x'); }, A8),
  withGlobals('globals.path-get-string-intermediate', (c) => { c.execute_script('str = "abc"'); return c.get_global('str.len'); }, A8),
  withGlobals('globals.path-leading-dot', (c) => c.set_global('.a', 1), A8),
  withGlobals('globals.path-trailing-dot', (c) => c.get_global('a.'), A8),
  withGlobals('globals.path-double-dot', (c) => c.set_global('a..b', 1), A8),
  withGlobals('globals.path-only-dot', (c) => c.get_global('.'), A8),
  withGlobals('globals.path-no-literal-dotted-key', (c) => { c.set_global('lit.key', 1); return c.execute_script('return rawget(_G, "lit.key"), lit.key'); }, { evolution: 'A8', differs: 'DECISIONS 4: dotted names are paths, not literal keys' }),
];

class Counter {
  constructor() {
    this.count = 0;
  }
  inc() {
    return ++this.count;
  }
}

const userdata = [
  ud('userdata.callback-receives-same', (c, L) => { const obj = { id: 1 }; let got; c.set_global('take', (x) => { got = x; }); c.set_userdata('h', obj); c.execute_script('take(h)'); return got === obj; }),
  ud('userdata.identity-through-locals', (c) => { const obj = {}; let got; c.set_global('take', (x) => { got = x; }); c.set_userdata('h', obj); c.execute_script('local a = h local b = a take(b)'); return got === obj; }),
  ud('userdata.returned-by-script', (c) => { const obj = { v: 1 }; c.set_userdata('h', obj); return c.execute_script('return h') === obj; }),
  ud('userdata.get-global', (c) => { const obj = { v: 1 }; c.set_userdata('h', obj); return c.get_global('h') === obj; }),
  ud('userdata.two-handles-distinct', (c) => { const a = {}; const b = {}; c.set_userdata('a', a); c.set_userdata('b', b); const r = c.execute_script('return a, b, a == b, a == a'); return [r[0] === a, r[1] === b, r[2], r[3]]; }),
  ud('userdata.same-object-twice', (c) => { const o = {}; c.set_userdata('a', o); c.set_userdata('b', o); return c.execute_script('return a == b, rawequal(a, b)'); }),
  ud('userdata.class-instance', (c) => { const k = new Counter(); c.set_global('bump', (x) => x.inc()); c.set_userdata('k', k); c.execute_script('bump(k) bump(k)'); return [c.execute_script('return bump(k)'), k.count]; }),
  ud('userdata.type', (c) => { c.set_userdata('o', {}); c.set_userdata('p', {}, { readable: true }); return c.execute_script('return type(o), type(p)'); }),
  ud('userdata.tostring-opaque', (c) => { c.set_userdata('o', {}); return c.execute_script('return tostring(o)'); }),
  ud('userdata.tostring-property', (c) => { c.set_userdata('p', {}, { readable: true }); return c.execute_script('return tostring(p)'); }),
  ud('userdata.metatable-name', (c) => { c.set_userdata('o', {}); return c.execute_script('local mt = getmetatable(o) return type(mt), type(mt) == "table" and mt.__name or mt'); }),
  ud('userdata.opaque-index', (c) => { c.set_userdata('u', {}); return c.execute_script('return u.x'); }),
  ud('userdata.opaque-assign', (c) => { c.set_userdata('u', { x: 1 }); return c.execute_script('u.x = 5'); }),
  ud('userdata.opaque-readable-yes-string', (c) => { c.set_userdata('u', { x: 1 }, { readable: 'yes' }); return c.execute_script('return pcall(function() return u.x end)'); }),
  ud('userdata.opaque-passed-around', (c) => { const o = {}; c.set_userdata('u', o); c.execute_script('store = { u } copy = store[1]'); return [c.get_global('copy') === o, c.execute_script('return copy == u')]; }),
  ud('userdata.gc-clears', (c) => { c.set_userdata('h', { big: 1 }); c.execute_script('h = nil collectgarbage() collectgarbage()'); return c.execute_script('return h'); }),
  ud('userdata.args-one', (c) => c.set_userdata('u')),
  ud('userdata.args-name-number', (c) => c.set_userdata(1, {})),
  ud('userdata.args-value-null', (c) => c.set_userdata('u', null)),
  ud('userdata.args-value-number', (c) => c.set_userdata('u', 5)),
  ud('userdata.args-value-string', (c) => c.set_userdata('u', 'str')),
  ud('userdata.function-value', (c) => { const f = () => 1; c.set_userdata('u', f); return [c.execute_script('return type(u)'), c.get_global('u') === f]; }),
  ud('userdata.array-value', (c) => { const a = [1, 2]; c.set_userdata('u', a, { readable: true }); return [c.execute_script('return u[0], u[1], u.length'), c.get_global('u') === a]; }),
  ud('userdata.read-props', (c) => { c.set_userdata('p', { n: 42, s: 'hi', b: true, f: false }, { readable: true }); return c.execute_script('return p.n, p.s, p.b, p.f, p.missing'); }),
  ud('userdata.read-nested-copy', (c) => { const o = { cfg: { a: 1, b: 2 }, arr: [10, 20, 30] }; c.set_userdata('p', o, { readable: true }); const r = c.execute_script('local c = p.cfg c.a = 99 return p.cfg, p.arr'); return [r, o.cfg.a]; }),
  ud('userdata.read-null-prop', (c) => { c.set_userdata('p', { z: null, u: undefined }, { readable: true }); return c.execute_script('return p.z == nil, p.u == nil'); }),
  ud('userdata.read-numeric-key', (c) => { c.set_userdata('p', { 1: 'one', '1.5': 'x' }, { readable: true }); return c.execute_script('return p[1], p[1.5], p["1"]'); }),
  ud('userdata.read-table-key', (c) => { c.set_userdata('p', { k: 1 }, { readable: true }); return c.execute_script('return p[{}], p[true]'); }),
  ud('userdata.read-getter', (c) => { let n = 0; c.set_userdata('p', { get g() { n++; return 'g' + n; } }, { readable: true }); return [c.execute_script('return p.g, p.g'), n]; }),
  ud('userdata.read-getter-throws', (c) => { c.set_userdata('p', { get boom() { throw new Error('getter failed'); } }, { readable: true }); return c.execute_script('return p.boom'); }),
  ud('userdata.read-prototype', (c) => { c.set_userdata('p', Object.create({ inherited: 'yes' }), { readable: true }); return c.execute_script('return p.inherited'); }),
  ud('userdata.read-method-call', (c) => { const k = new Counter(); c.set_userdata('k', k, { readable: true }); return c.execute_script('return pcall(function() return k:inc() end)'); }, { differs: 'DECISIONS 6 (methods read as functions, not __js_callback_N strings)' }),
  ud('userdata.read-method-type', (c) => { c.set_userdata('k', new Counter(), { readable: true }); return c.execute_script('return type(k.inc)'); }, { differs: 'DECISIONS 6' }),
  ud('userdata.write-props', (c) => { const o = { a: 1 }; c.set_userdata('p', o, { writable: true }); c.execute_script('p.a = 2 p.s = "str" p.b = false p.f = 1.5'); return o; }),
  ud('userdata.write-table-copy', (c) => { const o = {}; c.set_userdata('p', o, { writable: true }); c.execute_script('p.t = { 1, 2 } p.m = { k = "v" }'); return o; }),
  ud('userdata.write-nil-sets-null', (c) => { const o = { k: 1 }; c.set_userdata('p', o, { writable: true }); c.execute_script('p.k = nil'); return ['k' in o, o.k]; }),
  ud('userdata.write-function', (c) => { const o = {}; c.set_userdata('p', o, { writable: true }); c.execute_script('p.fn = function(x) return x + 1 end'); return [typeof o.fn, o.fn(1)]; }),
  ud('userdata.write-numeric-key', (c) => { const o = {}; c.set_userdata('p', o, { writable: true }); c.execute_script('p[1] = "a" p[2.5] = "b" p[true] = "c"'); return o; }),
  ud('userdata.write-read-back', (c) => { const o = {}; c.set_userdata('p', o, { readable: true, writable: true }); return [c.execute_script('p.score = 0 for i = 1, 10 do p.score = p.score + 1 end return p.score'), o.score]; }),
  ud('userdata.read-only-write', (c) => { const o = { x: 1 }; c.set_userdata('p', o, { readable: true }); return [tryIt(() => c.execute_script('p.x = 5')), o.x]; }),
  ud('userdata.read-only-write-pcall', (c) => { c.set_userdata('p', { x: 1 }, { readable: true }); return c.execute_script('return pcall(function() p.x = 5 end)'); }),
  ud('userdata.write-only-read', (c) => { c.set_userdata('p', { x: 1 }, { writable: true }); return c.execute_script('return p.x'); }),
  ud('userdata.write-only-read-pcall', (c) => { c.set_userdata('p', { x: 1 }, { writable: true }); return c.execute_script('return pcall(function() return p.x end)'); }),
  ud('userdata.setter-throws', (c) => { c.set_userdata('p', { set s(v) { throw new Error('setter failed'); } }, { writable: true }); return c.execute_script('p.s = 1'); }),
  ud('userdata.frozen-write', (c) => { const o = Object.freeze({ x: 1 }); c.set_userdata('p', o, { writable: true }); return [tryIt(() => c.execute_script('p.x = 2')), o.x]; }),
  ud('userdata.two-property-handles', (c) => { const a = { v: 1 }; const b = { v: 2 }; c.set_userdata('a', a, { readable: true, writable: true }); c.set_userdata('b', b, { readable: true, writable: true }); c.execute_script('a.v = 10'); return [a.v, b.v, c.execute_script('return a.v, b.v')]; }),
  ud('userdata.property-handle-to-callback', (c) => { const o = { k: 1 }; let got; c.set_global('take', (x) => { got = x; }); c.set_userdata('p', o, { readable: true }); c.execute_script('take(p)'); return [got === o, c.execute_script('return p.k')]; }),
  ud('userdata.js-to-lua-identity-callback', (c) => { const o = { k: 1 }; c.set_global('cap', (x) => x); c.set_userdata('h', o); return c.execute_script('local r = cap(h) return type(r), r == h'); }, { differs: 'DECISIONS 7' }),
  ud('userdata.js-to-lua-identity-set-global', (c) => { const o = { k: 1 }; c.set_userdata('h', o); c.set_global('h2', o); return c.execute_script('return type(h2), h2 == h'); }, { differs: 'DECISIONS 7' }),
  ud('userdata.js-to-lua-identity-wrapper-arg', (c) => { const o = { k: 1 }; c.set_userdata('h', o); return c.execute_script('return function(x) return type(x), x == h end')(o); }, { differs: 'DECISIONS 7' }),
  ud('userdata.js-to-lua-identity-nested', (c) => { const o = { k: 1 }; c.set_userdata('h', o); c.set_global('wrap', { inner: o }); return c.execute_script('return type(wrap.inner), wrap.inner == h'); }, { differs: 'DECISIONS 7' }),
  ud('userdata.foreign-to-js', (c) => { const f = c.execute_script('return io.tmpfile()'); return [typeof f, Object.keys(f)]; }),
  ud('userdata.foreign-roundtrip', (c) => { c.set_global('cap', (x) => x); return c.execute_script('local f = io.tmpfile() local f2 = cap(f) f2:write("hello") f2:seek("set") return f2 == f, io.type(f2), f:read("a")'); }),
  ud('userdata.foreign-via-set-global', (c) => { const f = c.execute_script('F = io.tmpfile() return F'); c.set_global('F2', f); return c.execute_script('return F2 == F, io.type(F2)'); }),
  ud('userdata.fake-userdata-marker', (c) => { c.set_global('fake', { _userdata: 'not external' }); return c.execute_script('return type(fake), fake._userdata'); }),
  ud('userdata.light-userdata', (c) => c.execute_script('local a = 1 local function f() return a end return debug.upvalueid(f, 1)')),
  ud('userdata.stdout-to-js', (c) => { const f = c.execute_script('return io.stdout'); return Object.keys(f); }),
];

export default [...globals, ...userdata];
