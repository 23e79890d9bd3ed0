// set_metatable (§2.6), metatabled tables as Proxies (§3.8), coroutines (§5).
import util from 'node:util';
import { make, tryIt } from './util.mjs';

const M = 'metatables';
const P = 'proxies';
const K = 'coroutines';

/** Context 'all' with global table T = init (Lua source), metatable `mt` from JS, then `src`. */
function mt(id, init, meta, src, extra = {}) {
  return {
    id,
    area: M,
    run: (L) => {
      const c = make(L, 'all');
      c.execute_script(`T = ${init}`);
      c.set_metatable('T', typeof meta === 'function' ? meta(c) : meta);
      return c.execute_script(src);
    },
    ...extra,
  };
}

function px(id, fn, extra = {}) {
  return { id, area: P, run: (L) => fn(make(L, 'all'), L), ...extra };
}

function co(id, fn, extra = {}) {
  return { id, area: K, run: (L) => fn(make(L, 'all'), L), ...extra };
}

const metatables = [
  mt('metatables.tostring-constant', '{}', { __tostring: () => 'custom' }, 'return tostring(T)'),
  mt('metatables.tostring-fields', '{ x = 10, y = 20 }', { __tostring: (t) => `(${t.x}, ${t.y})` }, 'return tostring(T)'),
  mt('metatables.add', '{ v = 5 }', { __add: (a, b) => a.v + b }, 'return T + 3'),
  mt('metatables.sub', '{ v = 5 }', { __sub: (a, b) => a.v - b }, 'return T - 3'),
  mt('metatables.mul', '{ v = 5 }', { __mul: (a, b) => a.v * b }, 'return T * 3'),
  mt('metatables.div', '{ v = 20 }', { __div: (a, b) => a.v / b }, 'return T / 4, math.type(T / 4)'),
  mt('metatables.unm', '{ v = 5 }', { __unm: (a) => -a.v }, 'return -T'),
  mt('metatables.mod', '{ v = 17 }', { __mod: (a, b) => a.v % b }, 'return T % 5'),
  mt('metatables.concat', '{ s = "ab" }', { __concat: (a, b) => (typeof a === 'string' ? a + b.s : a.s + b) }, 'return T .. "!", "<" .. T'),
  mt('metatables.len', '{ 1, 2 }', { __len: () => 42 }, 'return #T, rawlen(T)'),
  { id: 'metatables.eq', area: M, run: (L) => { const c = make(L, 'all'); c.execute_script('A = { id = 1 } B = { id = 1 }'); const eq = (a, b) => a.id === b.id; c.set_metatable('A', { __eq: eq }); c.set_metatable('B', { __eq: eq }); return c.execute_script('return A == B, A ~= B, rawequal(A, B)'); } },
  mt('metatables.lt', '{ v = 1 }', { __lt: (a, b) => (typeof a === 'object' ? a.v : a) < (typeof b === 'object' ? b.v : b) }, 'return T < 5, 5 < T'),
  mt('metatables.le', '{ v = 5 }', { __le: (a, b) => (typeof a === 'object' ? a.v : a) <= (typeof b === 'object' ? b.v : b) }, 'return T <= 5, T <= 4'),
  mt('metatables.eq-zero-truthy', '{}', { __eq: () => 0 }, 'local O = setmetatable({}, getmetatable(T)) return T == O'),
  mt('metatables.call', '{ base = 30 }', { __call: (self, a, b) => self.base + a + b }, 'return T(10, 10)'),
  mt('metatables.index-function', '{}', { __index: (t, k) => 'default_' + k }, 'return T.foo, T.bar'),
  mt('metatables.index-table', '{}', { __index: { fallback: 99 } }, 'return T.fallback, T.other'),
  mt('metatables.index-returns-undefined', '{}', { __index: () => undefined }, 'return T.x'),
  { id: 'metatables.newindex-function', area: M, run: (L) => { const c = make(L, 'all'); const seen = []; c.execute_script('T = {}'); c.set_metatable('T', { __newindex: (t, k, v) => { seen.push([k, v]); } }); return [c.execute_script('T.a = 1 T[2] = "two" return rawget(T, "a"), rawget(T, 2)'), seen]; } },
  mt('metatables.several', '{ v = 2 }', { __add: (a, b) => a.v + b, __tostring: () => 'T!', __len: () => 7, __call: () => 'called' }, 'return T + 1, tostring(T), #T, T()'),
  { id: 'metatables.missing-global', area: M, run: (L) => make(L, 'all').set_metatable('nope', {}) },
  { id: 'metatables.number-global', area: M, run: (L) => { const c = make(L, 'all'); c.execute_script('n = 5'); return c.set_metatable('n', {}); } },
  { id: 'metatables.string-global', area: M, run: (L) => { const c = make(L, 'all'); c.execute_script('s = "x"'); return c.set_metatable('s', {}); } },
  { id: 'metatables.boolean-global', area: M, run: (L) => { const c = make(L, 'all'); c.execute_script('b = false'); return c.set_metatable('b', {}); } },
  { id: 'metatables.function-global', area: M, run: (L) => { const c = make(L, 'all'); c.execute_script('f = print'); return c.set_metatable('f', {}); } },
  { id: 'metatables.args-one', area: M, run: (L) => make(L, 'all').set_metatable('T') },
  { id: 'metatables.args-name-number', area: M, run: (L) => make(L, 'all').set_metatable(1, {}) },
  { id: 'metatables.args-null', area: M, run: (L) => make(L, 'all').set_metatable('T', null) },
  { id: 'metatables.args-string', area: M, run: (L) => make(L, 'all').set_metatable('T', 'mt') },
  mt('metatables.not-globals', '{}', { __index: () => 1, __tostring: () => 's' }, 'local n = 0 for k in pairs(_G) do if tostring(k):find("^__mt_") then n = n + 1 end end return n'),
  mt('metatables.empty', '{ a = 1 }', {}, 'T.b = 2 return T.a, T.b, type(getmetatable(T))'),
  mt('metatables.metamethod-throws', '{}', { __index: () => { throw new Error('bad index'); } }, 'return T.x'),
  { id: 'metatables.metamethod-name-counter', area: M, run: (L) => { const c = make(L, 'all'); tryIt(() => c.set_metatable('missing', { __index: () => 1 })); c.execute_script('T = {}'); c.set_metatable('T', { __index: () => { throw new Error('second'); } }); return c.execute_script('return pcall(function() return T.x end)'); } },
  mt('metatables.metatable-field', '{}', { __metatable: 'locked' }, 'return getmetatable(T), pcall(setmetatable, T, {})'),
  { id: 'metatables.replace', area: M, run: (L) => { const c = make(L, 'all'); c.execute_script('T = {}'); c.set_metatable('T', { __tostring: () => 'first', __len: () => 1 }); const a = c.execute_script('return tostring(T), #T'); c.set_metatable('T', { __tostring: () => 'second' }); return [a, c.execute_script('return tostring(T), #T')]; } },
  { id: 'metatables.replace-protected', area: M, run: (L) => { const c = make(L, 'all'); c.execute_script('T = setmetatable({}, { __metatable = "locked" })'); c.set_metatable('T', { __tostring: () => 'replaced' }); return c.execute_script('return tostring(T)'); } },
  { id: 'metatables.on-G', area: M, run: (L) => { const c = make(L, 'all'); c.set_metatable('_G', { __index: (t, k) => 'G:' + k }); return c.execute_script('return undefinedThing'); } },
  { id: 'metatables.self-is-proxy', area: M, run: (L) => { const c = make(L, 'all'); let info; c.execute_script('T = { v = 1 }'); c.set_metatable('T', { __call: (self, other) => { info = [util.types.isProxy(self), self.v, util.types.isProxy(other), other]; } }); c.execute_script('T({ plain = true })'); return info; } },
  { id: 'metatables.gc-js', area: M, run: (L) => { const c = make(L, 'all'); let n = 0; c.execute_script('T = {}'); c.set_metatable('T', { __gc: () => { n++; } }); c.execute_script('T = nil collectgarbage() collectgarbage()'); return n; } },
  mt('metatables.name-field', '{}', { __name: 'MyType' }, 'return (tostring(T):gsub("0x%x+", "ADDR"))'),
  mt('metatables.value-entries', '{}', { __index: { nested: { deep: 1 } } }, 'return T.nested.deep'),
  mt('metatables.nested-function-entry', '{}', { __index: { fn: () => 'nested fn' } }, 'return type(T.fn), T.fn()', { differs: 'DECISIONS 6' }),
  mt('metatables.close', '{}', { __close: () => { } }, 'do local x <close> = T end return "closed"'),
  { id: 'metatables.lua-created-table', area: M, run: (L) => { const c = make(L, 'all'); c.execute_script('function make() return { n = 3 } end lt = make()'); c.set_metatable('lt', { __len: (t) => t.n * 10 }); return c.execute_script('return #lt'); } },
  { id: 'metatables.returned-as-proxy', area: M, run: (L) => { const c = make(L, 'all'); c.execute_script('T = { a = 1 }'); c.set_metatable('T', {}); const p = c.get_global('T'); return [util.types.isProxy(p), p.a]; } },
];

const proxies = [
  px('proxies.is-proxy', (c) => { const p = c.execute_script('return setmetatable({ x = 1 }, {})'); return [util.types.isProxy(p), typeof p, Array.isArray(p), p.x]; }),
  px('proxies.empty-metatable', (c) => c.execute_script('return setmetatable({}, {})')),
  px('proxies.live-fields', (c) => { const p = c.execute_script('T = setmetatable({ x = 1 }, {}) return T'); c.execute_script('T.x = 2'); return p.x; }),
  px('proxies.index-runs', (c) => { const p = c.execute_script('return setmetatable({}, { __index = function(t, k) return "idx:" .. k end })'); return [p.anything, p.other]; }),
  px('proxies.newindex-runs', (c) => { const p = c.execute_script('seen = {} T = setmetatable({}, { __newindex = function(t, k, v) seen[#seen + 1] = k .. "=" .. tostring(v) end }) return T'); p.a = 1; p.b = 'x'; return c.execute_script('return seen, rawget(T, "a")'); }),
  px('proxies.writes-visible', (c) => { const p = c.execute_script('T = setmetatable({}, {}) return T'); p.n = 5; p.s = 'str'; p.t = { k: 1 }; return c.execute_script('return T.n, T.s, T.t.k'); }),
  px('proxies.write-undefined-removes', (c) => { const p = c.execute_script('T = setmetatable({ k = 1 }, {}) return T'); p.k = undefined; return c.execute_script('return T.k == nil'); }),
  px('proxies.write-function', (c) => { const p = c.execute_script('T = setmetatable({}, {}) return T'); p.f = () => 5; return c.execute_script('return type(T.f), T.f()'); }, { differs: 'DECISIONS 6' }),
  px('proxies.write-2pow63', (c) => { const p = c.execute_script('T = setmetatable({}, {}) return T'); p.big = 2 ** 63; return c.execute_script('return math.type(T.big), T.big > 0'); }, { differs: 'Appendix B #6' }),
  px('proxies.int-like-keys', (c) => { const p = c.execute_script('return setmetatable({ "a", "b", "c", [7] = "seven", [-5] = "neg" }, {})'); return [p['1'], p[2], p['007'], p[' 1'], p['+2'], p['-5'], p['2.5'], p['1e0']]; }),
  px('proxies.float-string-key', (c) => { const p = c.execute_script('return setmetatable({ [2.5] = "float", ["2.5"] = "string" }, {})'); return p['2.5']; }),
  px('proxies.keys', (c) => Object.keys(c.execute_script('return setmetatable({ 10, 20, 30 }, {})'))),
  px('proxies.keys-mixed', (c) => Object.keys(c.execute_script('return setmetatable({ 1, 2, x = 1, y = 2, [1.5] = 3, [true] = 4 }, {})')).sort()),
  px('proxies.ownkeys-raw', (c) => Reflect.ownKeys(c.execute_script('return setmetatable({ 1, 2, x = 1, [1.5] = 3, [true] = 4 }, {})')).sort()),
  px('proxies.keys-float-with-index', (c) => Object.keys(c.execute_script('return setmetatable({ [1.5] = "f" }, { __index = function(t, k) return rawget(t, tonumber(k)) end })'))),
  px('proxies.keys-duplicate', (c) => Object.keys(c.execute_script('local t = setmetatable({ "int" }, {}) t["1"] = "str" return t'))),
  px('proxies.in-operator', (c) => { const p = c.execute_script('return setmetatable({ here = 1 }, { __index = function(t, k) if k == "virtual" then return true end end })'); return ['here' in p, 'gone' in p, 'virtual' in p]; }),
  px('proxies.has-tableRef', (c) => '_tableRef' in c.execute_script('return setmetatable({}, {})')),
  px('proxies.then-hidden', (c) => { const p = c.execute_script('return setmetatable({ ["then"] = 5 }, {})'); return [p.then, 'then' in p]; }),
  { id: 'proxies.await', area: P, run: async (L) => { const c = make(L, 'all'); const p = c.execute_script('return setmetatable({ v = 1 }, {})'); const r = await p; return [r === p, r.v]; } },
  px('proxies.length-property', (c) => { const p = c.execute_script('return setmetatable({ 1, 2, 3 }, { __len = function() return 99 end })'); return p.length; }),
  px('proxies.symbol-key', (c) => { const p = c.execute_script('return setmetatable({ x = 1 }, {})'); return [p[Symbol.iterator], Symbol.iterator in p]; }),
  px('proxies.symbol-set', (c) => { const p = c.execute_script('T = setmetatable({}, {}) return T'); p[Symbol('s')] = 1; return c.execute_script('return next(T) == nil'); }),
  px('proxies.delete', (c) => { const p = c.execute_script('T = setmetatable({ x = 1 }, {}) return T'); const r = tryIt(() => delete p.x); return [r, c.execute_script('return T.x')]; }),
  px('proxies.call-not-function', (c) => { const p = c.execute_script('return setmetatable({}, { __call = function() return 1 end })'); return tryIt(() => p()); }),
  px('proxies.descriptor', (c) => { const p = c.execute_script('return setmetatable({ x = 1 }, {})'); return [Object.getOwnPropertyDescriptor(p, 'x'), Object.getOwnPropertyDescriptor(p, 'nope')]; }),
  px('proxies.json', (c) => JSON.stringify(c.execute_script('return setmetatable({ 5, 6 }, {})'))),
  px('proxies.spread', (c) => ({ ...c.execute_script('return setmetatable({ a = 1 }, {})') })),
  px('proxies.plain-still-copy', (c) => { const t = c.execute_script('T = { x = 1 } return T'); t.x = 2; return [util.types.isProxy(t), c.execute_script('return T.x')]; }),
  px('proxies.callback-roundtrip', (c) => { c.set_global('cap', (x) => x); return c.execute_script('local T = setmetatable({}, { __len = function() return 3 end, __tostring = function() return "ts" end, __add = function(a, b) return 10 + b end, __call = function(self, x) return x * 2 end }) local R = cap(T) return rawequal(R, T), #R, tostring(R), R + 1, R(21)'); }),
  px('proxies.set-global-identity', (c) => { const p = c.execute_script('T = setmetatable({}, {}) return T'); c.set_global('T2', p); return c.execute_script('return rawequal(T, T2)'); }),
  px('proxies.nested-in-js-identity', (c) => { const p = c.execute_script('T = setmetatable({}, {}) return T'); c.set_global('holder', { p, list: [p] }); return c.execute_script('return rawequal(holder.p, T), rawequal(holder.list[1], T)'); }),
  px('proxies.wrapper-arg-identity', (c) => { const p = c.execute_script('T = setmetatable({}, {}) return T'); return c.execute_script('return function(x) return rawequal(x, T) end')(p); }),
  px('proxies.nested-child', (c) => { const p = c.execute_script('return setmetatable({ child = setmetatable({ val = 42 }, {}) }, {})'); return [util.types.isProxy(p.child), p.child.val]; }),
  px('proxies.plain-child-copy', (c) => { const p = c.execute_script('return setmetatable({ child = { val = 1 } }, {})'); return [util.types.isProxy(p.child), p.child]; }),
  px('proxies.independent', (c) => { const [a, b] = c.execute_script('return setmetatable({ v = 1 }, {}), setmetatable({ v = 1 }, {})'); a.v = 2; return [a.v, b.v]; }),
  px('proxies.distinct-conversions', (c) => { c.execute_script('T = setmetatable({}, {})'); return c.get_global('T') === c.get_global('T'); }),
  px('proxies.function-field', (c) => { const p = c.execute_script('return setmetatable({ f = function(x) return x + 1 end }, {})'); return p.f(1); }),
  px('proxies.index-error', (c) => { const p = c.execute_script('return setmetatable({}, { __index = function(t, k) error("index failed for " .. k, 0) end })'); return p.missing; }, { differs: 'Appendix B #5' }),
  px('proxies.newindex-error', (c) => { const p = c.execute_script('return setmetatable({}, { __newindex = function() error("nope") end })'); p.x = 1; return 'no throw'; }, { differs: 'Appendix B #5' }),
  px('proxies.has-error', (c) => { const p = c.execute_script('return setmetatable({}, { __index = function() error({}) end })'); return 'x' in p; }, { differs: 'Appendix B #5, #1' }),
  px('proxies.usable-after-trap-error', (c) => { const p = c.execute_script('return setmetatable({ ok = 1 }, { __index = function() error("e", 0) end })'); tryIt(() => p.bad); return [p.ok, c.execute_script('return 2')]; }),
  px('proxies.cyclic-field', (c) => { const p = c.execute_script('local cyc = {} cyc.me = cyc return setmetatable({ cyc = cyc, ok = 1 }, {})'); return [tryIt(() => p.cyc), p.ok]; }, { differs: 'Appendix B #2' }),
  px('proxies.cycle-through-metatabled', (c) => { const p = c.execute_script('local t = setmetatable({}, {}) t.self = t return t'); return util.types.isProxy(p.self.self.self); }),
  px('proxies.metatabled-G', (c) => { c.execute_script('setmetatable(_G, {})'); const g = c.get_global('_G'); return [util.types.isProxy(g), typeof g.print, g._VERSION]; }),
  { id: 'proxies.cross-context', area: P, differs: 'Appendix B #12', run: (L) => { const a = make(L, 'all'); const b = make(L, 'all'); const p = a.execute_script('return setmetatable({ mark = "from A" }, {})'); b.execute_script('X = setmetatable({ mark = "B table" }, {})'); const r = tryIt(() => { b.set_global('got', p); return b.execute_script('return type(got), got and got.mark'); }); return r; } },
];

const coroutines = [
  co('coroutines.create-shape', (c) => { const k = c.create_coroutine('return function() end'); return [Object.keys(k), k.status, typeof k._coroutine]; }),
  co('coroutines.return-42', (c) => c.resume(c.create_coroutine('return function() return 42 end'))),
  co('coroutines.first-args', (c) => c.resume(c.create_coroutine('return function(a, b) return a + b end'), 10, 20)),
  co('coroutines.cycle', (c) => { const k = c.create_coroutine('return function() coroutine.yield(20) coroutine.yield(30) return 40 end'); return [c.resume(k), k.status, c.resume(k), c.resume(k), k.status]; }),
  co('coroutines.values-to-yield', (c) => { const k = c.create_coroutine('return function() local a = coroutine.yield("first") local b = coroutine.yield("second") return a + b end'); return [c.resume(k), c.resume(k, 10), c.resume(k, 20)]; }),
  co('coroutines.seed-example', (c) => { const k = c.create_coroutine('return function(n) local got = coroutine.yield(n + 1) return got * 10 end'); return [c.resume(k, 4), c.resume(k, 7), c.resume(k)]; }),
  co('coroutines.multi-values', (c) => { const k = c.create_coroutine('return function() coroutine.yield(1, 2, 3) return 4, 5 end'); return [c.resume(k), c.resume(k)]; }),
  co('coroutines.bare-yield', (c) => c.resume(c.create_coroutine('return function() coroutine.yield() end'))),
  co('coroutines.yield-nil', (c) => c.resume(c.create_coroutine('return function() coroutine.yield(nil, nil) end'))),
  co('coroutines.error', (c) => { const k = c.create_coroutine('return function() coroutine.yield(1) error("oops") end'); return [c.resume(k), c.resume(k), k.status, c.resume(k)]; }),
  co('coroutines.finished', (c) => { const k = c.create_coroutine('return function() return 1 end'); c.resume(k); return [c.resume(k), c.resume(k, 'arg')]; }),
  co('coroutines.error-table', (c) => c.resume(c.create_coroutine('return function() error({}) end')), { differs: 'Appendix B #1' }),
  co('coroutines.error-tostring', (c) => c.resume(c.create_coroutine('return function() error(setmetatable({}, { __tostring = function() return "co custom" end })) end')), { differs: 'Appendix B #1' }),
  co('coroutines.callbacks-between-yields', (c) => { const log = []; c.set_global('note', (x) => { log.push(x); }); const k = c.create_coroutine('return function() note(1) coroutine.yield() note(2) end'); c.resume(k); c.resume(k); return log; }),
  co('coroutines.interleave', (c) => { const a = c.create_coroutine('return function() for i = 1, 3 do coroutine.yield("a" .. i) end end'); const b = c.create_coroutine('return function() for i = 1, 3 do coroutine.yield("b" .. i) end end'); const out = []; for (let i = 0; i < 3; i++) out.push(c.resume(a).values[0], c.resume(b).values[0]); return out; }),
  co('coroutines.counter', (c) => { const k = c.create_coroutine('return function() local n = 0 while true do n = n + 1 coroutine.yield(n) end end'); return [1, 2, 3, 4].map(() => c.resume(k).values[0]); }),
  co('coroutines.generator', (c) => { const k = c.create_coroutine('return function() for i = 1, 5 do coroutine.yield(i * i) end end'); const out = []; let r; while ((r = c.resume(k)).status === 'suspended') out.push(r.values[0]); return [out, r]; }),
  co('coroutines.syntax-error', (c) => c.create_coroutine('return function(')),
  co('coroutines.runtime-error', (c) => c.create_coroutine('error("at create")')),
  co('coroutines.not-function', (c) => c.create_coroutine('return 42')),
  co('coroutines.no-value', (c) => c.create_coroutine('local x = 1')),
  co('coroutines.extra-values-ignored', (c) => c.resume(c.create_coroutine('return function() return "f" end, 1, 2'))),
  co('coroutines.create-no-arg', (c) => c.create_coroutine()),
  co('coroutines.create-number', (c) => c.create_coroutine(5)),
  co('coroutines.create-side-effects', (c) => { c.create_coroutine('created = true return function() end'); return c.get_global('created'); }),
  co('coroutines.resume-no-arg', (c) => c.resume()),
  co('coroutines.resume-number', (c) => c.resume(5)),
  co('coroutines.resume-empty-object', (c) => c.resume({})),
  co('coroutines.resume-fake', (c) => c.resume({ _coroutine: 1, status: 'suspended' })),
  co('coroutines.resume-null', (c) => c.resume(null)),
  { id: 'coroutines.bare-state', area: K, run: (L) => { const c = make(L); return c.resume(c.create_coroutine('return function() coroutine.yield(1) end')); } },
  co('coroutines.lua-created', (c) => { const k = c.execute_script('return coroutine.create(function(a) local b = coroutine.yield(a * 2) return b + 1 end)'); return [k.status, c.resume(k, 5), c.resume(k, 10)]; }),
  co('coroutines.lua-created-dead', (c) => c.execute_script('local k = coroutine.create(function() end) coroutine.resume(k) return k').status),
  co('coroutines.lua-created-errored', (c) => { const k = c.execute_script('local k = coroutine.create(function() error("x") end) coroutine.resume(k) return k'); return [k.status, c.resume(k)]; }),
  co('coroutines.lua-created-nested', (c) => { const t = c.execute_script('return { co = coroutine.create(function() coroutine.yield("in table") end) }'); return c.resume(t.co); }),
  co('coroutines.main-thread', (c) => c.execute_script('return (coroutine.running())').status),
  co('coroutines.snapshot-status', (c) => { const k = c.execute_script('K = coroutine.create(function() coroutine.yield() end) return K'); c.execute_script('coroutine.resume(K) coroutine.resume(K)'); return k.status; }),
  co('coroutines.wrap-is-function', (c) => { const f = c.execute_script('return coroutine.wrap(function() coroutine.yield(1) coroutine.yield(2) end)'); return [typeof f, f(), f()]; }),
  co('coroutines.yield-across-callback', (c) => { c.set_global('callit', (fn) => fn()); return c.resume(c.create_coroutine('return function() callit(function() coroutine.yield(1) end) end')); }),
  co('coroutines.passed-back-to-lua', (c) => { const k = c.create_coroutine('return function() coroutine.yield(1) end'); c.set_global('k', k); return c.execute_script('return type(k), type(k) == "table" and k.status or coroutine.status(k)'); }),
  co('coroutines.resume-cyclic-arg', (c) => { const o = {}; o.o = o; const k = c.create_coroutine('return function(x) return 1 end'); return [tryIt(() => c.resume(k, o)), c.resume(k)]; }),
  co('coroutines.resume-function-arg', (c) => c.resume(c.create_coroutine('return function(f) return type(f), f(2) end'), (x) => x * 5), { differs: 'DECISIONS 6' }),
  co('coroutines.resume-2pow63', (c) => c.resume(c.create_coroutine('return function(v) return math.type(v), v > 0 end'), 2 ** 63), { differs: 'Appendix B #6' }),
  co('coroutines.yield-too-deep', (c) => { const k = c.create_coroutine('return function() coroutine.yield(1) local t = {} for i = 1, 150 do t = { child = t } end coroutine.yield(t) coroutine.yield("never") end'); return [c.resume(k), c.resume(k), k.status, c.resume(k)]; }, { differs: 'Appendix B #4' }),
  co('coroutines.return-cyclic', (c) => { const k = c.create_coroutine('return function() local t = {} t.self = t return 1, t end'); return [c.resume(k), c.resume(k)]; }, { differs: 'Appendix B #4' }),
  co('coroutines.yield-100-deep', (c) => { const k = c.create_coroutine('return function() local t = {} for i = 1, 100 do t = { child = t } end coroutine.yield(t) end'); const r = c.resume(k); let v = r.values[0]; let n = 0; while (v && v.child) { v = v.child; n++; } return [r.status, n, v]; }),
  co('coroutines.isyieldable', (c) => c.resume(c.create_coroutine('return function() return coroutine.isyieldable(), coroutine.status(coroutine.running()) end'))),
  co('coroutines.cross-context', (c, L) => { const other = make(L, 'all'); const k = other.create_coroutine('return function() coroutine.yield("from other") end'); return tryIt(() => c.resume(k)); }, { differs: 'Appendix B #12' }),
  co('coroutines.status-mutation', (c) => { const k = c.create_coroutine('return function() coroutine.yield() end'); const before = k.status; c.resume(k); const mid = k.status; c.resume(k); return [before, mid, k.status]; }),
];

export default [...metatables, ...proxies, ...coroutines];
