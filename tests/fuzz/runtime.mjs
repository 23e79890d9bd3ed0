// What a generated fuzz program runs against: the slots it keeps values in
// (S), guarded calls that classify every error (T, mk, on, onA, px, hm, sh, wrong),
// hostile values (V, from values.mjs) and the end-of-iteration cleanup.
// A reproducer file imports this module too, so it behaves the same.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { types } from 'node:util';
import { makeValues } from './values.mjs';

/** The codes the README documents; anything else is counted but not a failure. */
export const DOCUMENTED_CODES = new Set([
  'LUA_RUNTIME', 'LUA_SYNTAX', 'LUA_MEMORY', 'LUA_FILE', 'LUA_CONVERSION', 'LUA_INVALID_ARGUMENT',
  'LUA_BUSY', 'LUA_INSTRUCTION_LIMIT', 'LUA_TIMEOUT', 'LUA_DISPOSED', 'LUA_STALE_HANDLE', 'LUA_PACKAGE',
  'LUA_CANCELLED', 'LUA_RELEASED', 'LUA_FOREIGN_CONTEXT', 'LUA_NOT_A_TABLE', 'LUA_NOT_A_FUNCTION',
]);

function safe(fn, fallback) {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/** A thrown value as plain data (never throws itself). */
export function describe(e) {
  const isErr = safe(() => e instanceof Error, false);
  if (!isErr) return { ctor: typeof e, message: safe(() => String(e), '<unprintable>').slice(0, 300) };
  return {
    ctor: safe(() => e.constructor.name, '?'),
    code: safe(() => e.code, undefined),
    message: safe(() => String(e.message), '<unprintable>').slice(0, 300),
  };
}

/**
 * Exceptions that are not the addon's to label: those the program's own
 * hostile values threw (a getter, a Proxy trap, a revoked Proxy) and pass
 * through unchanged, as JSON.stringify lets them, and V8's own refusal of a
 * method called on a wrong `this` before the addon runs.
 */
function passedThrough(e, d) {
  // What V.err throws (values.mjs), reaching the caller unchanged.
  if (['hostile error', 'hostile type error', 'trap', 'message getter', '<unprintable>'].includes(d.message)) return true;
  if (d.ctor === 'RangeError' && /^m+$/.test(d.message)) return true;
  if (d.ctor === 'TypeError' && /^Illegal invocation$|proxy that has been revoked/.test(d.message)) return true;
  // V8's own errors for the program's hostile values: a Proxy trap breaking
  // an invariant, a class constructor (V.native) called as a function. A JS
  // callback's exception reaches the caller as the same object (EVOLUTION B6),
  // and converting a callback's result counts as the callback's work.
  if (d.ctor === 'TypeError' && /^'\w+' on proxy: |^Class constructor \w+ cannot be invoked without 'new'$/.test(d.message)) return true;
  // A built-in given as a callback (V.native: Symbol, parseInt) turning its
  // argument into a primitive: a table's live proxy has no toString or
  // valueOf (its keys are the table's), so V8 refuses inside the built-in.
  if (d.ctor === 'TypeError' && /^Cannot convert (object to primitive value|a Symbol value to a \w+)$/.test(d.message) && /^\s+at \w+ \(<anonymous>\)/m.test(safe(() => String(e.stack).split('\n')[1], ''))) return true;
  return false;
}

/**
 * null when the error is an acceptable outcome (an Error with a string code
 * that is not LUA_INTERNAL and no "internal error"/"panic" in its message),
 * otherwise { kind, ... } describing the failure.
 */
export function classify(e) {
  const d = describe(e);
  if (d.ctor === typeof e && !safe(() => e instanceof Error, false)) return null; // the program's own thrown value, passed through
  if (typeof d.code !== 'string' && !passedThrough(e, d)) return { kind: 'no-code', ...d };
  if (d.code === 'LUA_INTERNAL') return { kind: 'internal', ...d };
  if (/internal error|panic/i.test(d.message)) return { kind: 'internal-message', ...d };
  return null;
}

/** A stable grouping key for a failure: kind, where, constructor, code, message with numbers blurred. */
export function signature(f) {
  const msg = String(f.message ?? '')
    .replace(/\[string "[^\]]*"\]/g, '[chunk]')
    .replace(/0x[0-9a-f]+/gi, 'ADDR')
    .replace(/\d+/g, 'N')
    .slice(0, 90);
  const where = String(f.where ?? '').replace(/^[a-z]+\d+\./, '').replace(/^wrong-this\..*/, 'wrong-this');
  return [f.kind, where, f.ctor, f.code, msg].join(' | ');
}

let sharedDir = null;
function tmpDir() {
  if (!sharedDir) {
    sharedDir = fs.mkdtempSync(path.join(process.env.LUA_FUZZ_TMP || os.tmpdir(), 'lua-fuzz-'));
    process.on('exit', () => safe(() => fs.rmSync(sharedDir, { recursive: true, force: true })));
  }
  return sharedDir;
}

export function makeRuntime(L) {
  const S = Object.create(null);
  const mine = new WeakSet(); // values the program made itself (not the addon's)
  const pending = [];
  const R = { S, L, failures: [], codes: Object.create(null), calls: Object.create(null), budget: 150, depth: 0 };
  const V = makeValues(mine, R);

  const count = (k) => (R.calls[k] = (R.calls[k] || 0) + 1);
  function note(e, where, strict = true) {
    const d = describe(e);
    R.codes[d.code ?? `<${d.ctor}>`] = (R.codes[d.code ?? `<${d.ctor}>`] || 0) + 1;
    if (!strict) return;
    const f = classify(e);
    if (f) R.failures.push({ ...f, where });
  }
  const trace = process.env.LUA_FUZZ_TRACE ? (m) => fs.writeSync(2, `fuzz-trace: ${'  '.repeat(R.depth)}${m}\n`) : null;
  /** Runs thunk; any throw is classified (strict) or only counted. LUA_FUZZ_TRACE=1 logs each call to stderr. */
  function T(thunk, where = '?', strict = true) {
    trace?.(where);
    try {
      return thunk();
    } catch (e) {
      note(e, where, strict);
      return undefined;
    }
  }
  const isObj = (v) => v !== null && (typeof v === 'object' || typeof v === 'function');

  R.note = note;
  R.T = T;
  R.V = V;
  R.mine = mine;
  /** Constructs something (a context, a shared table); undefined when that throws. */
  R.mk = (thunk, where = 'new') => {
    count(where);
    return T(thunk, where);
  };
  /** Calls S[name].method(...args) when S[name] is there. */
  R.on = (name, method, ...args) => {
    const t = S[name];
    if (!isObj(t) || !safe(() => typeof t[method] === 'function', false)) return undefined;
    count(method);
    return T(() => Reflect.apply(t[method], t, args), `${name}.${method}`);
  };
  /** Like on(), for methods returning promises: the settlement is classified too. */
  R.onA = (name, method, ...args) => {
    const r = R.on(name, method, ...args);
    if (!(r instanceof Promise)) return Promise.resolve(r);
    const p = r.then((v) => v, (e) => note(e, `${name}.${method}(async)`));
    pending.push(p);
    return p;
  };
  /** An operation on a value the addon gave back (Lua function, table Proxy, handle). */
  R.px = (name, op, ...args) => {
    const v = S[name];
    if (!isObj(v) || mine.has(v)) return undefined;
    count(`px.${op}`);
    // Errors count only on the addon's own objects: Lua function wrappers
    // (named luaFunction) and table Proxies; a plain copy, or a built-in
    // reached through one (e.g. `constructor`), may throw what it likes.
    const strict = typeof v === 'function' ? v.name === 'luaFunction' : types.isProxy(v);
    // Writes go to the addon's own objects only: a plain copy is plain JS,
    // and through one a program reaches built-ins (`proto` of an array is
    // Array.prototype), whose changes break Node itself, not the addon.
    if ((op === 'set' || op === 'del') && !strict) return undefined;
    return T(() => {
      switch (op) {
        case 'call': return typeof v === 'function' ? v(...args) : undefined;
        case 'new': return typeof v === 'function' ? new v(...args) : undefined;
        case 'apply': return typeof v === 'function' ? Reflect.apply(v, args[0], args.slice(1)) : undefined;
        case 'get': return v[args[0]];
        case 'set': return Reflect.set(v, args[0], args[1]);
        case 'has': return args[0] in v;
        case 'del': return Reflect.deleteProperty(v, args[0]);
        case 'keys': return Object.keys(v);
        case 'own': return Reflect.ownKeys(v);
        case 'desc': return Object.getOwnPropertyDescriptor(v, args[0]);
        case 'proto': return Object.getPrototypeOf(v);
        case 'spread': return { ...v };
        case 'iter': {
          const out = [];
          for (const k in v) if (out.push(k) > 50) break;
          return out;
        }
        default: return undefined;
      }
    }, `${name}.px.${op}`, strict);
  };
  /** A table handle's method (create_table, get_global_ref, get_ref gave it). */
  R.hm = (name, op, ...args) => {
    const h = S[name];
    // A slot may hold a table's live Proxy instead, whose reads reach Lua
    // and may throw (a stale one after reset()): asked without letting that out.
    if (!isObj(h) || mine.has(h) || !safe(() => typeof h.get_ref === 'function', false)) return undefined;
    count(`hm.${op}`);
    return T(() => {
      if (op === 'iter') {
        const out = [];
        for (const e of h) if (out.push(e) > 50) break;
        return out;
      }
      if (op === 'wrong-this') return h.get.call(args[0], 'x');
      return Reflect.apply(h[op], h, args);
    }, `${name}.hm.${op}`);
  };
  /** A shared table's get/set/sync. */
  R.sh = (name, op, ...args) => {
    const t = S[name];
    if (!isObj(t) || !safe(() => typeof t[op] === 'function', false)) return undefined;
    count(`shared.${op}`);
    return T(() => Reflect.apply(t[op], t, args), `${name}.shared.${op}`);
  };
  /** A context method called with a foreign `this`. */
  R.wrong = (method, self, ...args) => {
    const f = L.init.prototype[method];
    if (typeof f !== 'function') return undefined;
    count(`wrong-this.${method}`);
    return T(() => Reflect.apply(f, self, args), `wrong-this.${method}`);
  };
  /** A JS function for Lua (callback, hook, metamethod, getter body) with a depth cap and a call budget. */
  R.fn = (body) => {
    const f = function (...a) {
      if (R.depth >= 4 || R.budget <= 0) return null;
      R.budget--;
      R.depth++;
      try {
        return body.apply(this, a);
      } finally {
        R.depth--;
      }
    };
    mine.add(f);
    return f;
  };
  /** From inside a callback: calls every Lua function among its arguments. */
  R.callArgs = (a, ...extra) => {
    for (const v of a) if (typeof v === 'function' && !mine.has(v)) T(() => v(...extra), 'callback.arg()');
  };
  R.jsgc = () => globalThis.gc?.();
  R.tick = (ms = 0) => new Promise((r) => (ms > 0 ? setTimeout(r, ms) : setImmediate(r)));
  /** Writes content to a file of this process's scratch directory; returns its path. */
  R.file = (tag, content) => {
    const p = path.join(tmpDir(), `${tag}.lua`);
    const data = typeof content === 'string' || content instanceof Uint8Array ? content : '';
    fs.writeFileSync(p, data);
    return p;
  };
  R.dir = () => tmpDir();
  /** A truncated / byte-patched copy of a buffer (anything else passes through). */
  R.cut = (b, n) => (b instanceof Uint8Array ? Buffer.from(b.subarray(0, Math.max(0, n))) : b);
  R.flip = (b, i, x) => {
    if (!(b instanceof Uint8Array) || b.length === 0) return b;
    const c = Buffer.from(b);
    c[i % c.length] = x & 255;
    return c;
  };
  /** Awaits every async run, disposes every context, drops every slot, collects (fully or young objects only). */
  R.finish = async (full = true) => {
    for (let k = 0; k < 8 && pending.length; k++) await Promise.allSettled(pending.splice(0));
    for (const k of Object.keys(S)) {
      const v = S[k];
      // `instanceof` runs a Proxy's getPrototypeOf trap, which may throw.
      if (!types.isProxy(v) && v instanceof L.init) T(() => v.dispose(), `${k}.dispose(finish)`);
    }
    for (const k of Object.keys(S)) delete S[k];
    const gc = () => globalThis.gc?.(full ? undefined : { type: 'minor' });
    gc();
    await new Promise((r) => setImmediate(r));
    gc();
  };
  return R;
}

/**
 * Process-wide handlers: an exception or rejection nobody caught is charged
 * to the runtime `current()` returns (or printed when there is none).
 */
export function installProcessHandlers(current) {
  const charge = (kind) => (e) => {
    const f = classify(e);
    const R = current();
    if (R) {
      R.note(e, kind, false);
      if (f) R.failures.push({ ...f, kind: `${kind}:${f.kind}`, where: kind });
    } else if (f) {
      process.stderr.write(`fuzz: ${kind} outside an iteration: ${JSON.stringify(f)}\n`);
    }
  };
  process.on('uncaughtException', charge('uncaught'));
  process.on('unhandledRejection', charge('unhandled-rejection'));
}
