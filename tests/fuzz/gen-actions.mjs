// The statements a fuzz program is made of: one entry per way of calling
// the API (every method of the README's table, createSharedTable, values the
// addon hands back), each with hostile arguments. `gen(g, depth)` returns one
// line or several; depth > 0 means inside a callback (no await there).

const NAMES = [
  'x', 'g1', 'cb1', 'cb2', 't1', 'u1', 'u2', 'a.b.c', 'string.rep', '_G', '_G._G', 'package.loaded.m1', '', '.',
  'a..b', 'x.', '.x', 'print', 'coroutine', 'debug.sethook', 'collectgarbage', '_ENV', 'x\u0000y', '1', 'nil',
  'string.rep.x', 'package.path', 'setmetatable', 'u1.x', 'G1',
];
const BAD_NAMES = ['42', 'null', 'undefined', 'Symbol("n")', '{ toString() { return "x"; } }', '"n".repeat(100000)', 'V.getter(0)', '["x"]'];
const PATHS = [
  "'/nonexistent/x.lua'", "'/tmp'", "'/dev/null'", "'/dev/zero'", "''", "'a'.repeat(5000)", 'dir()', "'\\u0000'",
  '42', 'null', 'V.getter(1)',
];
const GC = [
  ["'collect'"], ["'stop'"], ["'restart'"], ["'count'"], ["'step'"], ["'step'", '0'], ["'step'", '1e20'], ["'step'", 'NaN'],
  ["'step'", '-1'], ["'isrunning'"], ["'incremental'"], ["'generational'"], ["'param'", "'pause'"], ["'param'", "'pause'", '0'],
  ["'param'", "'stepmul'", 'NaN'], ["'param'", "'stepsize'", '1e9'], ["'param'", "'bogus'"], ["'param'"], ["'bogus'"], ['42'], [],
];
const PX_OPS = ['call', 'call', 'call', 'call', 'get', 'get', 'set', 'has', 'del', 'keys', 'own', 'desc', 'proto', 'spread', 'iter', 'new', 'apply'];

/** A global name: mostly valid, sometimes a dotted path or not a string at all. */
export function pickNamed(g, extra = []) {
  const { rng } = g;
  if (rng.chance(0.06)) return rng.pick(BAD_NAMES);
  return JSON.stringify(rng.pick([...NAMES, ...extra]));
}

function rslot(g) {
  const { rng } = g;
  return g.slots.r.length && rng.chance(0.6) ? rng.pick(g.slots.r) : g.id('r');
}
function hslot(g) {
  const { rng } = g;
  return g.slots.h.length && rng.chance(0.3) ? rng.pick(g.slots.h) : g.id('h');
}
function anyR(g) {
  return g.slots.r.length ? g.rng.pick(g.slots.r) : 'r0';
}
function path(g, c) {
  const { rng } = g;
  if (rng.chance(0.6)) return `file('f_m${rng.int(1, 3)}', ${g.lua(null)})`;
  if (rng.chance(0.2) && g.slots.b.length) return `file('f_b${rng.int(1, 2)}', S.${rng.pick(g.slots.b)})`;
  void c;
  return rng.pick(PATHS);
}
function args(g, depth, max = 3) {
  const n = g.rng.int(0, max);
  const out = [];
  for (let i = 0; i < n; i++) out.push(g.val(depth + 1));
  return out.map((a) => `, ${a}`).join('');
}
function bytes(g, depth) {
  const { rng } = g;
  const b = g.slots.b.length ? `S.${rng.pick(g.slots.b)}` : 'null';
  return rng.choose([
    [6, () => b],
    [2, () => `cut(${b}, ${rng.pick([0, 1, 4, 12, 20, 31, 40, 100])})`],
    [2, () => `flip(${b}, ${rng.int(0, 14)}, ${rng.int(0, 255)})`],
    [1, () => `V.typed(${rng.int(0, 6)})`],
    [1, () => g.val(depth + 1)],
    [1, () => "Buffer.from('return 1')"],
  ]);
}
const userObj = (g, depth) =>
  g.rng.choose([
    [4, () => "{ x: 1, y: 'a', nested: { z: [1, 2] } }"],
    [3, () => g.val(depth + 1)],
    [1, () => `V.reenter(${g.fn(depth)})`],
    [1, () => `V.reproxy(${g.fn(depth)})`],
    [1, () => `S.${g.ctx()}`],
    [1, () => 'V.frozen({ x: 1 })'],
  ]);
const userOpts = (g) =>
  g.rng.pick(['', ', { readable: true }', ', { readable: true, writable: true }', ', { writable: true }', ', {}', ', null', ', 42', ', V.getter(0)', ', { readable: V.getter(0) }', ', { readable: 1, writable: "yes" }']);

function useResult(g, d, slot) {
  const op = g.rng.pick(PX_OPS);
  const key = g.rng.pick(['"x"', '"t"', '"1"', '1', '"then"', '"__index"', 'Symbol.iterator', '"constructor"', '"_coroutine"']);
  const a = ['call', 'new', 'apply'].includes(op) ? args(g, d) : op === 'set' ? `, ${key}, ${g.val(d + 1)}` : `, ${key}`;
  return `S.${g.rng.chance(0.5) ? slot : rslot(g)} = px('${slot}', '${op}'${a});`;
}

export const ACTIONS = [
  {
    name: 'execute_script', w: 22,
    gen: (g, d) => {
      const c = g.ctx();
      const r = rslot(g);
      const out = [`S.${r} = on('${c}', 'execute_script', ${g.lua(c)});`];
      // Often use what came back right away (a Lua function, a table Proxy, a handle).
      for (let k = g.rng.chance(0.5) ? g.rng.int(1, 3) : 0; k > 0; k--) out.push(useResult(g, d, r));
      return out;
    },
  },
  { name: 'execute_script(bad)', w: 2, gen: (g, d) => `on('${g.ctx()}', 'execute_script'${g.rng.chance(0.2) ? '' : `, ${g.val(d + 1)}`});` },
  { name: 'execute_file', w: 3, gen: (g) => { const c = g.ctx(); return `S.${rslot(g)} = on('${c}', 'execute_file', ${path(g, c)});`; } },
  {
    name: 'execute_script_async', w: 9,
    gen: (g, d) => {
      const c = g.ctx();
      const call = `onA('${c}', 'execute_script_async', ${g.lua(c)})`;
      if (d > 0) return `${call};`;
      return g.rng.choose([[3, () => `await ${call};`], [3, () => `S.${g.id('p')} = ${call};`], [2, () => `${call};`]]);
    },
  },
  {
    name: 'execute_file_async', w: 2,
    gen: (g, d) => { const c = g.ctx(); return `${d === 0 && g.rng.chance(0.5) ? 'await ' : ''}onA('${c}', 'execute_file_async', ${path(g, c)});`; },
  },
  { name: 'await', w: 3, topOnly: true, gen: (g) => (g.slots.p.length && g.rng.chance(0.5) ? `await S.${g.rng.pick(g.slots.p)};` : `await tick(${g.rng.pick([0, 0, 1, 5])});`) },
  { name: 'is_busy', w: 2, gen: (g) => `on('${g.ctx()}', 'is_busy');` },
  {
    name: 'set_global', w: 11,
    gen: (g, d) => {
      const c = g.ctx();
      const name = g.pickNamed();
      const v = g.val(d);
      if (v.startsWith('S.f') && /^"[A-Za-z_]\w*"$/.test(name)) g.info(c).cbs.push(JSON.parse(name));
      return `on('${c}', 'set_global', ${name}, ${v});`;
    },
  },
  { name: 'get_global', w: 5, gen: (g) => `S.${rslot(g)} = on('${g.ctx()}', 'get_global', ${g.pickNamed()});` },
  {
    name: 'set_userdata', w: 6,
    gen: (g, d) => {
      const c = g.ctx();
      const name = g.rng.pick(['u1', 'u2', 'u3']);
      g.info(c).uds.push(name);
      return `on('${c}', 'set_userdata', ${g.rng.chance(0.95) ? JSON.stringify(name) : g.pickNamed()}, ${userObj(g, d)}${userOpts(g)});`;
    },
  },
  {
    name: 'register_class', w: 3,
    gen: (g, d) => {
      const { rng } = g;
      const c = g.ctx();
      const name = rng.pick(['K1', 'K2', 'K3']);
      const meta = rng.pick(['__add', '__tostring', '__call', '__len', '__eq', '__lt', '__concat', '__unm', '__close', '__index', '__gc']);
      const parts = [rng.chance(0.85) ? `construct: ${rng.chance(0.7) ? '(...a) => ({ a })' : g.fn(d)}` : `construct: ${g.val(d + 1)}`];
      if (rng.chance(0.3)) parts.push(`extends: ${rng.chance(0.9) ? `'${rng.pick(['K1', 'K2', 'K3'])}'` : g.val(d + 1)}`);
      if (rng.chance(0.8)) parts.push(`methods: { m: ${g.fn(d)} }`);
      if (rng.chance(0.6)) parts.push(`metamethods: { ${meta}: ${g.fn(d)} }`);
      if (rng.chance(0.6)) parts.push(`properties: { p: { ${rng.chance(0.7) ? `get: ${g.fn(d)}` : ''}${rng.chance(0.5) ? `, set: ${g.fn(d)}` : ''} } }`.replace('{ , ', '{ '));
      if (rng.chance(0.4)) parts.push(`statics: { s: ${g.val(d + 1)} }`);
      if (rng.chance(0.4)) parts.push(`readable: ${rng.chance(0.8)}, writable: ${rng.chance(0.5)}`);
      const use = rng.pick([
        `local ok, o = pcall(${name}.new, 1) if ok then pcall(function() return o:m(2), o.p, tostring(o), #o, o + o, o .. 'x', -o, o(1), o == o, o < o end) pcall(function() o.p = 3 o.q = 4 end) end return ok`,
        `local o = ${name}.new() return o, ${name}.s`,
        `local t = {} for i = 1, 20 do t[i] = ${name}.new(i) end collectgarbage() return #t`,
      ]);
      return [`on('${c}', 'register_class', ${rng.chance(0.9) ? `'${name}'` : g.pickNamed()}, ${rng.chance(0.05) ? g.val(d + 1) : `{ ${parts.join(', ')} }`});`,
        `S.${rslot(g)} = on('${c}', 'execute_script', ${JSON.stringify(use)});`];
    },
  },
  {
    name: 'set_metatable', w: 4,
    gen: (g, d) => {
      const { rng } = g;
      const keys = ['__index', '__newindex', '__gc', '__call', '__tostring', '__len', '__eq', '__close', '__concat', '__name', '__metatable', '__mode', '__pairs', 'x'];
      const parts = [];
      for (let i = rng.int(0, 4); i > 0; i--) parts.push(`${rng.pick(keys)}: ${rng.chance(0.6) ? g.fn(d) : g.val(d + 1)}`);
      const def = rng.chance(0.1) ? g.val(d + 1) : `{ ${parts.join(', ')} }`;
      return `on('${g.ctx()}', 'set_metatable', ${rng.chance(0.2) ? g.pickNamed() : rng.pick(['"t1"', '"t1"', '"_G"', '"string"'])}, ${def});`;
    },
  },
  {
    name: 'create_coroutine', w: 5,
    gen: (g, d) => {
      const c = g.ctx();
      const co = g.id('r');
      const out = [`S.${co} = on('${c}', 'create_coroutine', ${g.rng.chance(0.9) ? g.lua(c, 'fn') : g.val(d + 1)});`];
      for (let i = g.rng.int(0, 3); i > 0; i--) out.push(`S.${rslot(g)} = on('${c}', 'resume', S.${co}${args(g, d)});`);
      return out;
    },
  },
  {
    name: 'resume', w: 3,
    gen: (g, d) => `on('${g.ctx()}', 'resume', ${g.rng.choose([[2, () => `S.${anyR(g)}`], [1, () => '{ _coroutine: 1, status: "suspended" }'], [1, () => g.val(d + 1)], [1, () => 'V.proxy(1)']])}${args(g, d)});`,
  },
  { name: 'add_search_path', w: 2, gen: (g, d) => `on('${g.ctx()}', 'add_search_path', ${g.rng.chance(0.15) ? g.val(d + 1) : g.rng.pick(["dir() + '/?.lua'", "'./?.lua'", "''", "'?'", "';;'", "'?'.repeat(10000)"])});` },
  {
    name: 'register_module', w: 3,
    gen: (g, d) => `on('${g.ctx()}', 'register_module', ${g.rng.chance(0.15) ? g.pickNamed() : g.rng.pick(['"m1"', '"m2"', '"string"', '"f_m1"', '""', '"a.b"'])}, ${g.rng.chance(0.5) ? `{ f: ${g.fn(d)}, v: ${g.val(d + 1)} }` : g.val(d + 1)});`,
  },
  {
    name: 'compile', w: 6,
    gen: (g, d) => {
      const opts = g.rng.pick(['', ', { stripDebug: true }', ", { chunkName: '=x' }", ', { chunkName: 42 }', ", { chunkName: 'n'.repeat(10000) }", ', null', ', V.getter(0)', ', { stripDebug: V.getter(0) }']);
      const src = g.rng.chance(0.9) ? g.lua(null) : g.val(d + 1);
      return `S.${g.id('b')} = on('${g.ctx()}', 'compile', ${src}${opts});`;
    },
  },
  { name: 'compile_file', w: 2, gen: (g) => { const c = g.ctx(); return `S.${g.id('b')} = on('${c}', 'compile_file', ${path(g, c)}${g.rng.pick(['', ', { stripDebug: true }', ', 42'])});`; } },
  {
    name: 'load_bytecode', w: 5,
    gen: (g, d) => `S.${rslot(g)} = on('${g.ctx()}', 'load_bytecode', ${bytes(g, d)}${g.rng.pick(['', '', ", 'chunk'", ', 42', ", '=x'"])});`,
  },
  { name: 'get_memory_usage', w: 1, gen: (g) => `on('${g.ctx()}', 'get_memory_usage');` },
  { name: 'info', w: 1, gen: (g) => `S.${rslot(g)} = on('${g.ctx()}', 'info');` },
  {
    name: 'set_hook', w: 4,
    gen: (g, d) => {
      const opts = g.rng.pick(['{ call: true }', '{ line: true }', '{ return: true, call: true }', '{ count: 1 }', '{ count: 10 }', '{ count: 1000 }', '{ count: 0 }', '{ count: -1 }', '{ count: NaN }', '{ count: 1e20 }', '{}', '', 'null', 'V.getter(0)', '{ line: true, count: 1, call: true, return: true }']);
      // Hook callbacks may re-enter the context (run scripts, reset, dispose...):
      // limits need no hook, so they reach whatever runs inside one.
      const cb = g.rng.weighted([
        [5, () => g.rng.pick(['fn((...a) => a[0])', 'fn(() => { throw V.err(1); })', 'fn(() => jsgc())'])],
        [4, () => g.fn(d)],
        [1, () => g.val(d + 1)],
      ])();
      return `on('${g.ctx()}', 'set_hook', ${cb}${opts ? `, ${opts}` : ''});`;
    },
  },
  { name: 'remove_hook', w: 2, gen: (g) => `on('${g.ctx()}', 'remove_hook');` },
  { name: 'gc', w: 4, gen: (g) => `on('${g.ctx()}', 'gc'${g.rng.pick(GC).map((a) => `, ${a}`).join('')});` },
  { name: 'reset', w: 4, gen: (g) => `on('${g.ctx()}', 'reset');` },
  { name: 'dispose', w: 2, gen: (g) => `on('${g.ctx()}', 'dispose');` },
  { name: 'use-result', w: 8, gen: (g, d) => useResult(g, d, anyR(g)) },
  { name: 'cross-context', w: 3, gen: (g) => `on('${g.ctx()}', '${g.rng.pick(['set_global', 'register_module'])}', 'x', S.${anyR(g)});` },
  {
    name: 'shared', w: 3,
    gen: (g, d) => {
      if (!g.slots.sh.length || g.rng.chance(0.2)) return `S.${g.id('sh')} = mk(() => L.createSharedTable(${g.rng.chance(0.8) ? `{ k: ${g.val(d + 1)}, n: [1, 2] }` : g.val(d + 1)}), 'createSharedTable');`;
      const s = g.rng.pick(g.slots.sh);
      return g.rng.pick([`sh('${s}', 'set', ${g.pickNamed(['k'])}, ${g.val(d + 1)});`, `sh('${s}', 'get', ${g.pickNamed(['k'])});`, `sh('${s}', 'sync');`]);
    },
  },
  {
    name: 'wrong-this', w: 1,
    gen: (g) => {
      const m = g.rng.pick(['execute_script', 'set_global', 'get_global', 'reset', 'dispose', 'gc', 'info', 'compile', 'is_busy']);
      const self = g.rng.pick(['{}', `S.${anyR(g)}`, 'null', 'Object.create(L.init.prototype)', `S.${g.ctx()}`, 'L']);
      return `wrong('${m}', ${self}, 'return 1');`;
    },
  },
  // Table handles, release, call and converters (EVOLUTION B2, B3, B8, B10, B20).
  {
    name: 'create_table', w: 4,
    gen: (g, d) => `S.${hslot(g)} = on('${g.ctx()}', 'create_table'${g.rng.chance(0.8) ? `, ${g.rng.chance(0.8) ? '{ a: 1, list: [1, 2], n: { m: true } }' : g.val(d + 1)}` : ''});`,
  },
  { name: 'get_global_ref', w: 3, gen: (g) => `S.${hslot(g)} = on('${g.ctx()}', 'get_global_ref', ${g.pickNamed(['string', 'package', 't1'])});` },
  {
    name: 'handle-op', w: 16,
    gen: (g, d) => {
      const { rng } = g;
      if (!g.slots.h.length) return `S.${g.id('h')} = on('${g.ctx()}', 'create_table', { a: 1, list: [1, 2], n: { m: true } });`;
      const key = rng.pick(['"a"', '"list"', '1', '2', '1.5', 'true', 'false', '"1"', 'NaN', '-0', '2n ** 62n', '2n ** 70n', 'null', '{}', 'Symbol("k")', "new Uint8Array([97])", 'V.getter(0)']);
      const op = rng.pick(['get', 'get', 'set', 'set', 'has', 'length', 'pairs', 'ipairs', 'keys', 'get_ref', 'release', 'iter', 'wrong-this']);
      const a = op === 'set' ? `, ${key}, ${g.val(d + 1)}` : ['get', 'has', 'get_ref'].includes(op) ? `, ${key}` : op === 'wrong-this' ? `, ${rng.pick(['{}', 'null', `S.${anyR(g)}`])}` : '';
      const r = g.slots.h.length && rng.chance(0.9) ? rng.pick(g.slots.h) : anyR(g);
      return op === 'get_ref' ? `S.${hslot(g)} = hm('${r}', 'get_ref'${a});` : `hm('${r}', '${op}'${a});`;
    },
  },
  {
    name: 'release', w: 3,
    gen: (g, d) => `on('${g.ctx()}', 'release', ${g.rng.chance(0.8) ? `S.${g.slots.h.length && g.rng.chance(0.5) ? g.rng.pick(g.slots.h) : anyR(g)}` : g.val(d + 1)});`,
  },
  // A handle handed to Lua, to another context, or to the other doors.
  { name: 'handle-into-lua', w: 3, gen: (g) => (g.slots.h.length ? `on('${g.ctx()}', '${g.rng.pick(['set_global', 'set_metatable', 'create_table', 'call'])}', ${g.rng.pick(['"t1"', '"h"', 'S.' + g.rng.pick(g.slots.h)])}, S.${g.rng.pick(g.slots.h)});` : []) },
  {
    name: 'call', w: 4,
    gen: (g, d) => {
      const slot = rslot(g);
      const ctx = g.ctx();
      let name = g.pickNamed(['string.rep', 'print', 'cb1', 'coroutine.wrap']);
      const a = args(g, d);
      // string.rep with a count like 2**32 asks for gigabytes: refused under
      // a memory limit, taken from the machine (as stock Lua) without one.
      if (name === '"string.rep"' && !g.info(ctx).memBounded) name = '"print"';
      return `S.${slot} = on('${ctx}', 'call', ${name}${a});`;
    },
  },
  {
    name: 'converters', w: 2,
    gen: (g, d) => {
      const m = g.rng.pick(['register_type_converter', 'register_from_lua_converter']);
      const match = g.rng.pick(['fn((v) => v instanceof Map)', 'fn(() => true)', 'fn(() => false)', 'fn(() => { throw V.err(2); })', g.fn(d)]);
      const convert = g.rng.pick(['fn((v) => v)', 'fn(() => 1)', 'fn(() => ({ x: 1 }))', 'fn(() => { throw V.err(3); })', g.fn(d)]);
      return `on('${g.ctx()}', '${m}', ${match}${g.rng.chance(0.9) ? `, ${convert}` : ''});`;
    },
  },
  { name: 'js-gc', w: 2, gen: (g) => (g.rng.chance(0.5) ? `S.${anyR(g)} = null; jsgc();` : 'jsgc();') },
  { name: 'new-context', w: 1, topOnly: true, gen: (g) => (g.ctxs.length < 4 ? (g.context(), []) : []) },
];
