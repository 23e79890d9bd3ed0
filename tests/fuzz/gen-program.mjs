// One fuzz iteration as JavaScript source: contexts with random (often
// invalid) options, then random method calls with hostile arguments, JS
// callbacks that re-enter the context (reset, dispose, compile, async runs,
// gc...), async runs mixed with sync ones. Pure function of (seed, iteration).
//
// Layout: one statement per line. Lua chunks and callbacks are hoisted into
// slots (S.luaN = [...].join('\n'), S.fN = fn((...a) => { ... })) defined just
// before the statement that first needs them, so every line can be dropped by
// the minimizer without breaking the others.
import { Rng, iterationSeed } from './prng.mjs';
import { LuaGen } from './gen-lua.mjs';
import { ACTIONS, pickNamed } from './gen-actions.mjs';

const LIBS = ['base', 'package', 'coroutine', 'table', 'io', 'os', 'string', 'math', 'utf8', 'debug'];
const HOSTILE_NUM = ['NaN', '-1', 'Infinity', '-Infinity', '1e300', '2**53', '2**64', '"100"', '0', '1.5', 'null', 'true', '10n', '-0', 'V.getter(0)', 'Symbol()'];
const PRIMS = [
  '0', '-0', 'NaN', 'Infinity', '-Infinity', '2**53 + 2', '1e308', '5e-324', '-1', '4294967296', '42', '3.14',
  'true', 'false', 'null', 'undefined', 'Symbol("s")', '123n', '2n ** 70n', '"str"', '""', '"x".repeat(100000)',
];
const KEYS = ['a', 'b', 'k1', '"1"', '"2"', '"0"', '"-1"', '"1.5"', '""', '__index', '__gc', 'constructor', 'length', '__proto__', '"a.b"'];

export class ProgramGen {
  constructor(rng) {
    this.rng = rng;
    this.lines = [];
    this.pre = [];
    this.n = 0;
    this.ctxs = []; // { name, bounded, memBounded, cbs, uds, libs }: what later Lua may use
    this.slots = { r: [], f: [], b: [], sh: [], p: [], h: [] };
  }
  id(prefix) {
    const name = `${prefix}${++this.n}`;
    if (this.slots[prefix]) this.slots[prefix].push(name);
    return name;
  }
  top(line) {
    this.lines.push(...this.pre, line);
    this.pre = [];
  }
  info(name) {
    return this.ctxs.find((c) => c.name === name) ?? { name, bounded: false, memBounded: false, cbs: [], uds: [], libs: null };
  }
  ctx() {
    return this.ctxs.length ? this.rng.pick(this.ctxs).name : 'c1';
  }
  /** Hoists a Lua chunk for context `name` (or a conservative one); returns its slot. */
  lua(name, kind = 'chunk') {
    const info = name ? this.info(name) : { ...this.mergedInfo(), bounded: false, memBounded: false, libs: null };
    const g = new LuaGen(this.rng, info);
    const src = kind === 'fn' ? g.fnChunk() : g.chunk();
    const slot = `lua${++this.n}`;
    this.pre.push(`S.${slot} = [`, ...src.map((l) => `  ${JSON.stringify(l)},`), "].join('\\n');");
    return `S.${slot}`;
  }
  mergedInfo() {
    const cbs = [...new Set(this.ctxs.flatMap((c) => c.cbs))];
    const uds = [...new Set(this.ctxs.flatMap((c) => c.uds))];
    return { cbs, uds };
  }
  /** Hoists a JS function for Lua (callback, hook, getter body); returns its slot. */
  fn(depth) {
    const { rng } = this;
    if (depth >= 2 || this.slots.f.length > 12) return this.slots.f.length ? `S.${rng.pick(this.slots.f)}` : 'null';
    const name = this.id('f');
    const body = [];
    const nAct = rng.weighted([[3, 0], [4, 1], [2, 2]]);
    for (let i = 0; i < nAct; i++) body.push(...this.action(depth + 1));
    if (rng.chance(0.25)) body.push(`callArgs(a, ${this.val(depth + 1)});`);
    if (rng.chance(0.12)) body.push(`throw V.err(${rng.int(0, 9)});`);
    body.push(`return ${rng.choose([[3, () => 'a[0]'], [1, () => 'a'], [4, () => this.val(depth + 1)], [1, () => 'undefined']])};`);
    this.pre.push(`S.${name} = fn((...a) => {`, ...body.map((l) => `  ${l}`), '});');
    return `S.${name}`;
  }
  /** A JavaScript value expression (one line), often hostile. */
  val(depth = 0) {
    const { rng } = this;
    const d = depth + 1;
    const slot = (kind) => (this.slots[kind].length ? `S.${rng.pick(this.slots[kind])}` : 'null');
    switch (rng.weighted([[28, 'prim'], [6, 'str'], [8, 'obj'], [7, 'arr'], [9, 'fn'], [22, 'hostile'], [10, 'ref'], [depth === 0 ? 2 : 0.5, 'big']])) {
      case 'prim': return rng.pick(PRIMS);
      case 'str': return `V.strs(${rng.int(0, 10)})`;
      case 'obj': {
        if (depth > 3) return '{}';
        const n = rng.int(0, 3);
        const parts = [];
        const keys = new Set();
        for (let i = 0; i < n; i++) keys.add(rng.pick(KEYS));
        for (const k of keys) parts.push(`${k}: ${this.val(d)}`);
        return `{ ${parts.join(', ')} }`;
      }
      case 'arr': {
        if (depth > 3) return '[]';
        const n = rng.int(0, 3);
        const parts = [];
        for (let i = 0; i < n; i++) parts.push(this.val(d));
        return rng.chance(0.15) ? 'V.holey()' : `[${parts.join(', ')}]`;
      }
      case 'fn': return rng.chance(0.8) ? this.fn(depth) : `V.native(${rng.int(0, 8)})`;
      case 'ref': return rng.pick([slot('r'), slot('r'), slot('f'), slot('b'), slot('sh'), `S.${this.ctx()}`, 'L', 'L.init']);
      case 'big': {
        const sparse = rng.chance(0.02) ? 2 ** 32 - 2 : rng.pick([10, 1000, 100000]);
        const n = depth === 0 && rng.chance(0.1) ? 1e6 : rng.pick([1000, 100000]);
        return rng.pick([`V.bigArr(${n})`, `V.bigStr(${rng.pick([1e3, 1e6, 2 ** 24])})`, `V.sparse(${sparse})`]);
      }
      default:
        return rng.choose([
          [3, () => `V.cycle(${rng.int(0, 2)})`],
          [3, () => `V.deep(${rng.pick([1, 50, 99, 100, 101, 1000, 100000])}, ${rng.chance(0.5)})`],
          [3, () => `V.getter(${rng.int(0, 40)})`],
          [4, () => `V.proxy(${rng.int(0, 48)})`],
          [3, () => `V.reenter(${this.fn(depth)})`],
          [3, () => `V.reproxy(${this.fn(depth)})`],
          [2, () => `V.typed(${rng.int(0, 6)})`],
          [3, () => `V.misc(${rng.int(0, 11)})`],
          [1, () => `V.frozen(${this.val(d)})`],
        ]);
    }
  }
  /** Constructor options: mostly valid, with tiny limits; sometimes broken. */
  options() {
    const { rng } = this;
    const state = { bounded: false, memBounded: false };
    if (rng.chance(0.03)) return { text: rng.chance(0.2) ? `V.reproxy(${this.fn(0)})` : rng.pick(['null', '42', '"all"', 'V.getter(0)', 'V.proxy(0)', '[]']), ...state };
    const parts = [];
    const lib = rng.weighted([[30, 'all'], [20, 'safe'], [15, 'sandbox'], [15, 'arr'], [4, 'bad'], [8, 'none']]);
    if (['all', 'safe', 'sandbox'].includes(lib)) parts.push(`libraries: '${lib}'`);
    state.libs = { all: LIBS, safe: LIBS.filter((l) => !['io', 'os', 'debug'].includes(l)), sandbox: LIBS.filter((l) => !['io', 'os', 'debug', 'package'].includes(l)) }[lib] ?? [];
    if (lib === 'arr') {
      state.libs = LIBS.filter(() => rng.chance(0.6));
      parts.push(`libraries: ${JSON.stringify(state.libs)}`);
    }
    if (lib === 'bad') {
      parts.push(`libraries: ${rng.pick(["'bogus'", "['base', 'nope']", '42', 'null', '[1, 2]', "['']", "'ALL'", '[V.getter(0)]', 'V.proxy(2)', "['base', 'base']", '{}', 'V.sparse(100000)'])}`);
    }
    const mem = rng.weighted([[50, 'none'], [25, 'tiny'], [15, 'mod'], [4, 'bad']]);
    if (mem === 'tiny') parts.push(`maxMemory: ${rng.chance(0.3) ? rng.int(1, 30000) : rng.int(30000, 200000)}`);
    if (mem === 'mod') parts.push(`maxMemory: ${rng.pick([1e6, 4e6, 16e6, 64e6])}`);
    if (mem === 'bad') parts.push(`maxMemory: ${rng.pick(HOSTILE_NUM)}`);
    state.memBounded = mem === 'tiny' || mem === 'mod';
    const ins = rng.weighted([[50, 'none'], [35, 'ok'], [5, 'bad']]);
    if (ins === 'ok') parts.push(`maxInstructions: ${rng.int(1, 100000)}`);
    if (ins === 'bad') parts.push(`maxInstructions: ${rng.pick(HOSTILE_NUM)}`);
    const to = rng.weighted([[60, 'none'], [30, 'ok'], [4, 'bad']]);
    if (to === 'ok') parts.push(`timeout: ${rng.int(1, 50)}`);
    if (to === 'bad') parts.push(`timeout: ${rng.pick(HOSTILE_NUM)}`);
    state.bounded = ins === 'ok' || to === 'ok';
    if (this.slots.sh.length && rng.chance(0.4)) parts.push(`shared: { sg1: S.${rng.pick(this.slots.sh)} }`);
    else if (rng.chance(0.03)) parts.push(`shared: ${rng.pick(['{ x: 42 }', 'V.proxy(0)', '{ y: {} }', '42'])}`);
    // The conversion modes (EVOLUTION B12, B16, B18), sometimes with bad values.
    if (rng.chance(0.2)) parts.push(`binaryStrings: ${rng.pick(['true', 'true', 'false', '1', 'V.getter(0)'])}`);
    if (rng.chance(0.2)) parts.push(`strictConversion: ${rng.pick(['true', 'true', 'false', '"yes"', 'null'])}`);
    if (rng.chance(0.2)) parts.push(`tableAs: ${rng.pick(["'map'", "'map'", "'object'", "'array'", '42'])}`);
    if (rng.chance(0.05)) parts.push('bogus: 1');
    return { text: `{ ${parts.join(', ')} }`, ...state };
  }
  /** `S.cN = mk(() => new L.init(callbacks, options))`. */
  context() {
    const { rng } = this;
    const name = `c${this.ctxs.length + 1}`;
    const info = { name, bounded: false, memBounded: false, cbs: [], uds: [], libs: null };
    this.ctxs.push(info);
    const cbParts = [];
    const n = rng.int(0, 3);
    for (let i = 1; i <= n; i++) {
      cbParts.push(`cb${i}: ${rng.chance(0.9) ? this.fn(0) : this.val(1)}`);
      info.cbs.push(`cb${i}`);
    }
    if (rng.chance(0.3)) cbParts.push(`${rng.pick(['t1', 'g1', 'print', 'string', '_G'])}: ${this.val(1)}`);
    const cbs = rng.chance(0.04) ? rng.pick(['null', '42', 'V.getter(0)', 'V.proxy(0)', '"cb"']) : `{ ${cbParts.join(', ')} }`;
    const opts = this.options();
    const args = rng.chance(0.03) ? '' : rng.chance(0.03) ? cbs : `${cbs}, ${opts.text}`;
    info.bounded = opts.bounded && args.endsWith(opts.text);
    info.memBounded = opts.memBounded && args.endsWith(opts.text);
    info.libs = args.endsWith(opts.text) ? opts.libs ?? null : [];
    this.top(`S.${name} = mk(() => new L.init(${args}), 'new init');`);
    // Often give it userdata and callbacks right away, so later Lua knows their names.
    if (rng.chance(0.5)) {
      const u = rng.pick(['u1', 'u2']);
      info.uds.push(u);
      const opts = rng.pick(['{ readable: true }', '{ readable: true, writable: true }', '{ writable: true }', '{}']);
      this.top(`on('${name}', 'set_userdata', '${u}', { x: 1, y: 'a', nested: { z: [1, 2] }, f: ${this.fn(1)} }, ${opts});`);
    }
  }
  /** A statement calling something (returns lines; depth > 0 means inside a callback). */
  action(depth) {
    const pairs = ACTIONS.filter((a) => depth === 0 || !a.topOnly).map((a) => [a.w, a]);
    return [].concat(this.rng.weighted(pairs).gen(this, depth));
  }
  program() {
    const { rng } = this;
    if (rng.chance(0.15)) {
      const name = this.id('sh');
      this.top(`S.${name} = mk(() => L.createSharedTable(${this.rng.chance(0.8) ? `{ k: ${this.val(2)}, n: [1, 2] }` : this.val(1)}), 'createSharedTable');`);
    }
    const nctx = rng.weighted([[6, 1], [3, 2], [1, 3]]);
    for (let i = 0; i < nctx; i++) this.context();
    const nact = rng.int(2, 10);
    for (let i = 0; i < nact; i++) for (const l of this.action(0)) this.top(l);
    return this.lines;
  }
  pickNamed(list) {
    return pickNamed(this, list);
  }
}

/** The program of one iteration: { seed, iteration, lines }. */
export function generate(seed, iteration) {
  const g = new ProgramGen(new Rng(iterationSeed(seed, iteration)));
  return { seed, iteration, lines: g.program() };
}

/** The destructuring a program body starts with. */
export const PRELUDE = 'const { S, V, mk, on, onA, px, hm, sh, wrong, fn, callArgs, jsgc, tick, file, cut, flip, dir } = R;';
