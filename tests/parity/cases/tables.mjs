// Tables <-> arrays/objects (§3.5) and the nesting-depth limit and cycles (§3.6).
import { make, script, tryIt, nestLua, nestJs, walk, DEPTH } from './util.mjs';

const T = 'tables';
const D = 'depth';

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

function roundtrip(id, value, meta = {}) {
  return {
    id,
    area: T,
    run: (L) => {
      const c = make(L);
      c.set_global('v', value);
      return c.execute_script('return v');
    },
    ...meta,
  };
}

class Point {
  constructor() {
    this.x = 1;
    this.y = 2;
  }
  norm() {
    return 0;
  }
}

const tables = [
  script('tables.empty', T, undefined, 'return {}'),
  roundtrip('tables.js-empty-object', {}),
  roundtrip('tables.js-empty-array', []),
  jsIn('tables.js-empty-array-len', T, [], 'return #v, type(v)'),
  script('tables.single', T, undefined, 'return {42}'),
  script('tables.sequence', T, undefined, 'return {1, 2, 3}'),
  script('tables.nested-arrays', T, undefined, 'return {{1, 2}, {3, 4}, {5, 6}}'),
  script('tables.trailing-nil', T, undefined, 'return {1, "two", true, nil}'),
  script('tables.hole-middle', T, undefined, 'return {1, nil, 3}'),
  script('tables.hole-by-assignment', T, undefined, 'local t = {1, 2, 3} t[2] = nil return t'),
  script('tables.last-removed', T, undefined, 'local t = {1, 2, 3} t[3] = nil return t'),
  script('tables.sparse-1-3', T, undefined, 'local t = {} t[1] = 10 t[3] = 30 return t'),
  script('tables.mixed-array-and-key', T, undefined, 'return {1, 2, x = 3}'),
  script('tables.zero-index', T, undefined, 'return {[0] = "z", "a"}'),
  script('tables.float-and-big-keys', T, undefined, 'return {[1.5] = "a", [2^53] = "b"}'),
  script('tables.negative-key', T, undefined, 'return {[-1] = "m"}'),
  script('tables.boolean-key', T, undefined, 'return {[true] = 1}'),
  script('tables.table-key', T, undefined, 'return {[{}] = 1}'),
  script('tables.function-key-skipped', T, undefined, 'return {[function() end] = 1, k = 2}'),
  script('tables.string-number-keys', T, undefined, 'return {["1"] = "a", ["2"] = "b"}'),
  script('tables.order-1-2', T, undefined, 'return {[1] = "a", [2] = "b"}'),
  script('tables.order-2-1', T, undefined, 'return {[2] = "b", [1] = "a"}'),
  script('tables.order-3-2-1', T, undefined, 'return {[3] = "c", [2] = "b", [1] = "a"}'),
  script('tables.float-key-normalised', T, undefined, 'local t = {} t[1.0] = "x" t[2.0] = "y" return t'),
  script('tables.int-and-string-one', T, undefined, 'local t = {"int"} t["1"] = "str" return t'),
  script('tables.proto-key-object', T, undefined, 'return {["__proto__"] = {x = 1}, y = 2}'),
  script('tables.proto-key-scalar', T, undefined, 'return {["__proto__"] = 5, y = 2}'),
  script('tables.mixed-keys', T, undefined, 'return {b = 1, a = 2, [3] = 3, ["10"] = 4, [1] = 5, ["x y"] = 6, ["a-b"] = 7}'),
  script('tables.built-in-loop', T, undefined, 'local t = {} for i = 1, 5 do t[#t + 1] = i * i end return t'),
  { id: 'tables.thousand-from-lua', area: T, run: (L) => { const r = make(L).execute_script('local t = {} for i = 1, 1000 do t[i] = { id = i } end return t'); return [Array.isArray(r), r.length, r[0], r[999], r.every((x, i) => x.id === i + 1)]; } },
  script('tables.nested-object', T, undefined, 'return { a = { b = { c = { d = { e = "deep" } } } } }'),
  script('tables.array-of-objects', T, undefined, 'return { { id = 1 }, { id = 2 } }'),
  script('tables.inf-nan-keys', T, 'all', 'local t = {} t[math.huge] = "inf" t[-math.huge] = "-inf" return t'),
  script('tables.neg-zero-key', T, undefined, 'local t = {} t[-0.0] = "z" return t'),
  jsIn('tables.js-numeric-keys-are-strings', T, { 1: 'a', 2: 'b' }, 'return v["1"], v[1], v["2"], v[2]'),
  jsIn('tables.js-class-instance', T, new Point(), 'local n = 0 for _ in pairs(v) do n = n + 1 end return v.x, v.y, v.norm, n'),
  jsIn('tables.js-inherited-enumerable', T, Object.assign(Object.create({ inh: 1 }), { own: 2 }), 'return v.inh, v.own'),
  jsIn('tables.js-non-enumerable', T, Object.defineProperty({ a: 1 }, 'hidden', { value: 2 }), 'return v.a, v.hidden'),
  jsIn('tables.js-symbol-key', T, { [Symbol('s')]: 1, a: 2 }, 'local n = 0 for _ in pairs(v) do n = n + 1 end return n'),
  jsIn('tables.js-getter', T, { get g() { return 'got'; } }, 'return v.g'),
  jsIn('tables.js-date', T, new Date(0), 'return type(v), next(v) == nil'),
  jsIn('tables.js-map', T, new Map([['a', 1]]), 'return type(v), next(v) == nil'),
  jsIn('tables.js-set', T, new Set([1]), 'return type(v), next(v) == nil'),
  jsIn('tables.js-uint8array', T, new Uint8Array([7, 8]), 'return v["0"], v["1"], v[1], type(v)'),
  jsIn('tables.js-buffer', T, Buffer.from([9, 10]), 'return type(v), v["0"], v["1"], v[1]'),
  jsIn('tables.js-array-holes', T, [1, , 3], 'return v[1], v[2], v[3]'),
  jsIn('tables.js-array-nulls', T, [null, 'b', undefined, 'd'], 'return v[1], v[2], v[3], v[4]'),
  jsIn('tables.js-array-extra-prop', T, Object.assign([1, 2], { extra: 'x' }), 'return #v, v.extra'),
  jsIn('tables.js-object-null-field', T, { a: null, b: undefined }, 'return next(v) == nil'),
  roundtrip('tables.js-object-null-field-back', { a: null }),
  roundtrip('tables.js-nested', { list: [1, 2, { x: 'y' }], flag: false, n: 1.5 }),
  { id: 'tables.js-array-thousand', area: T, run: (L) => { const c = make(L); const a = Array.from({ length: 1000 }, (_, i) => i * 3); c.set_global('v', a); const r = c.execute_script('return v'); return [r.length, r.every((x, i) => x === a[i])]; } },
  jsIn('tables.js-array-of-objects', T, Array.from({ length: 1000 }, (_, i) => ({ index: i })), 'return #v, v[500].index, v[1].index'),
  jsIn('tables.js-config', T, { debug: true, settings: { timeout: 30 }, tags: ['a', 'b'] }, 'return v.debug, v.settings.timeout, v.tags[2]'),
  jsIn('tables.js-array-of-arrays', T, [[1, 2], [3, [4]]], 'return v[2][2][1], #v'),
  jsIn('tables.js-sparse-array', T, (() => { const a = []; a[4] = 'e'; return a; })(), 'return v[5], v[1]'),
  jsIn('tables.js-throwing-getter', T, { get bad() { throw new Error('getter says no'); } }, 'return 1'),
  {
    id: 'tables.copies-are-independent',
    area: T,
    run: (L) => {
      const c = make(L);
      const t = c.execute_script('T = { n = 1 } return T');
      t.n = 99;
      const o = { m: 1 };
      c.set_global('O', o);
      c.execute_script('O.m = 2');
      return [c.execute_script('return T.n'), o.m];
    },
  },
  {
    id: 'tables.failed-set-leaves-old-value',
    area: T,
    run: (L) => {
      const c = make(L);
      c.set_global('x', 1);
      const r = tryIt(() => c.set_global('x', { get bad() { throw new Error('nope'); } }));
      return [r, c.execute_script('return x')];
    },
  },
];

const depth = [
  { id: 'depth.lua-100', area: D, run: (L) => walk(make(L).execute_script(nestLua(100))) },
  script('depth.lua-101', D, undefined, nestLua(101)),
  script('depth.lua-105', D, undefined, nestLua(105)),
  script('depth.lua-100-around-scalar', D, undefined, nestLua(100, '{ v = 1 }')),
  { id: 'depth.lua-99-around-scalar', area: D, run: (L) => walk(make(L).execute_script(nestLua(99, '{ v = 1 }'))) },
  script('depth.lua-array-101', D, undefined, 'local t = {} for i = 1, 101 do t = { t } end return t'),
  script('depth.lua-cycle', D, undefined, 'local t = {} t.self = t return t'),
  script('depth.lua-cycle-array', D, undefined, 'local t = {} t[1] = t return t'),
  script('depth.lua-shared-not-cycle', D, undefined, 'local s = { 1 } return { a = s, b = s }'),
  { id: 'depth.js-100', area: D, run: (L) => { const c = make(L); c.set_global('d', nestJs(100)); return c.execute_script('local t, n = d, 0 while t.child do t = t.child n = n + 1 end return n'); } },
  { id: 'depth.js-101', area: D, run: (L) => make(L).set_global('d', nestJs(101)) },
  { id: 'depth.js-105', area: D, run: (L) => make(L).set_global('d', nestJs(105)) },
  { id: 'depth.js-100-around-scalar', area: D, run: (L) => make(L).set_global('d', nestJs(100, { v: 1 })) },
  { id: 'depth.js-99-around-scalar', area: D, run: (L) => { const c = make(L); c.set_global('d', nestJs(99, { v: 1 })); return c.execute_script('local t, n = d, 0 while t.child do t = t.child n = n + 1 end return n, t.v'); } },
  { id: 'depth.js-cycle', area: D, run: (L) => { const o = { a: 1 }; o.self = o; return make(L).set_global('o', o); } },
  { id: 'depth.js-cycle-array', area: D, run: (L) => { const a = [1]; a.push(a); return make(L).set_global('a', a); } },
  { id: 'depth.js-shared-not-cycle', area: D, run: (L) => { const s = [1]; const c = make(L); c.set_global('o', { a: s, b: s }); return c.execute_script('return o.a[1] + o.b[1], o.a == o.b'); } },
  { id: 'depth.get-global-G', area: D, differs: 'Appendix B #2', run: (L) => make(L, 'all').get_global('_G') },
  { id: 'depth.get-global-package', area: D, differs: 'Appendix B #2', run: (L) => make(L, 'all').get_global('package') },
  { id: 'depth.get-global-cycle', area: D, differs: 'Appendix B #2', run: (L) => { const c = make(L); c.execute_script('t = {} t.me = t'); return c.get_global('t'); } },
  { id: 'depth.get-global-100', area: D, run: (L) => { const c = make(L); c.execute_script(nestLua(100).replace('return t', 'deep = t')); return walk(c.get_global('deep')); } },
  { id: 'depth.get-global-101', area: D, differs: 'Appendix B #2', run: (L) => { const c = make(L); c.execute_script(nestLua(101).replace('return t', 'deep = t')); return c.get_global('deep'); } },
  { id: 'depth.side-effects-remain', area: D, run: (L) => { const c = make(L); const r = tryIt(() => c.execute_script('marker = "set" local t = {} t.self = t return t')); return [r, c.get_global('marker')]; } },
  { id: 'depth.usable-after', area: D, run: (L) => { const c = make(L); tryIt(() => c.execute_script('local t = {} t.self = t return t')); return c.execute_script('return 1 + 1'); } },
  { id: 'depth.message', area: D, run: () => DEPTH },
  { id: 'depth.callback-arg-cycle', area: D, run: (L) => make(L, ['base'], { take: () => 1 }).execute_script('local t = {} t.self = t take(t)') },
  { id: 'depth.callback-arg-cycle-pcall', area: D, run: (L) => make(L, ['base'], { take: () => 1 }).execute_script('local t = {} t.self = t return pcall(take, t)') },
  { id: 'depth.callback-return-too-deep', area: D, run: (L) => make(L, ['base'], { give: () => nestJs(101) }).execute_script('return pcall(give)') },
  { id: 'depth.callback-return-cycle', area: D, run: (L) => { const o = {}; o.o = o; return make(L, ['base'], { give: () => o }).execute_script('local r = give() return r'); } },
  { id: 'depth.wrapper-return-cycle', area: D, differs: 'Appendix B #3', run: (L) => make(L).execute_script('return function() local t = {} t.self = t return t end')() },
  { id: 'depth.wrapper-return-101', area: D, differs: 'Appendix B #3', run: (L) => make(L).execute_script(`return function() ${nestLua(101)} end`)() },
  { id: 'depth.wrapper-arg-cycle', area: D, run: (L) => { const o = {}; o.o = o; return make(L).execute_script('return function(x) return 1 end')(o); } },
];

export default [...tables, ...depth];
