// Canonical, type-tagged JSON encoding of case outcomes, so that two builds can be
// compared result by result. Everything JSON cannot tell apart gets a tag object
// `{ "$": <tag>, ... }`:
//   undefined            {"$":"undefined"}          (null stays null)
//   -0, NaN, ±Infinity   {"$":"-0"} {"$":"NaN"} {"$":"Infinity"} {"$":"-Infinity"}
//   BigInt, Symbol       {"$":"bigint","v":"12"}   {"$":"symbol","v":"desc"}
//   array                a JSON array; holes are {"$":"hole"}
//   plain object         {"$":"object","v":{...}}   (+ "proto" when the prototype is not Object.prototype)
//   Proxy                {"$":"proxy","v":{...}}    (keys read through the traps; a throwing trap gives "error")
//   function             {"$":"function","name":..,"length":..}
//   Buffer / typed array {"$":"Buffer","hex":".."} / {"$":"Uint8Array","hex":".."} (long ones: length + sha256)
//   N-API External       {"$":"external"}
//   Error                {"$":"Error","class":"TypeError","message":".."}
//   Promise              {"$":"Promise"}
// Object keys are canonicalised: integer-like keys first (ascending, as JS orders them),
// then the other string keys sorted by code unit. Lua's string hashing is seeded randomly
// per state, so the insertion order of string keys coming out of Lua is not reproducible;
// sorting them is what makes runs comparable. (Integer-key order, the array/object
// decision and array element order are kept as produced.)
// Strings are normalised: machine addresses (`table: 0x55d0c...`) become `0xADDR`, and
// the run's temporary directory becomes `<TMP>`, and the repository's root (`file://<root>/`
// or `<root>/`, in JS stack traces) is left out, so that paths read `tests/parity/...`.
import util from 'node:util';
import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..') + path.sep;

// Lua prints addresses as `<type>: 0x...` or `file (0x...)`; only those are normalised.
const ADDR = /(: |\()0x[0-9a-fA-F]{4,16}/g;
let tmpDir = null;

/** Registers the run's temporary directory so that it is replaced by `<TMP>` in strings. */
export function setTmpDir(dir) {
  tmpDir = dir;
}

export function normString(s) {
  let out = s.replace(ADDR, '$10xADDR');
  if (tmpDir) out = out.split(tmpDir).join('<TMP>');
  if (out.includes(ROOT)) out = out.split(`file://${ROOT}`).join('').split(ROOT).join('');
  return out;
}

const INDEX = /^(0|[1-9][0-9]*)$/;
function canonicalKeys(keys) {
  const ints = [];
  const strs = [];
  for (const k of keys) {
    if (INDEX.test(k) && Number(k) < 2 ** 32 - 1) ints.push(k);
    else strs.push(k);
  }
  ints.sort((a, b) => Number(a) - Number(b));
  strs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return ints.concat(strs);
}

function bytesTag(tag, view) {
  const buf = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  if (buf.length <= 64) return { $: tag, hex: buf.toString('hex') };
  return { $: tag, length: buf.length, sha256: crypto.createHash('sha256').update(buf).digest('hex').slice(0, 16) };
}

/** Encodes an error object (thrown or found inside a value) without its extra properties. */
export function errorCore(e) {
  if (e !== null && (typeof e === 'object' || typeof e === 'function') && 'message' in e) {
    let cls;
    try {
      cls = e.constructor && typeof e.constructor.name === 'string' ? e.constructor.name : typeof e;
    } catch {
      cls = '?';
    }
    return { class: cls, message: typeof e.message === 'string' ? normString(e.message) : encode(e.message) };
  }
  return { nonError: encode(e) };
}

/** The extra machine-readable facts of an error (DECISIONS 2): `code` and whether `luaTraceback` is there. */
export function errorExtras(e) {
  const out = {};
  if (e !== null && typeof e === 'object') {
    if ('code' in e) out.code = encode(e.code);
    if ('luaTraceback' in e && e.luaTraceback !== undefined) {
      out.luaTraceback = typeof e.luaTraceback === 'string' ? 'string' : encode(e.luaTraceback);
    }
  }
  return out;
}

export function encode(v, path = new Set(), depth = 0) {
  if (depth > 400) return { $: 'too-deep' };
  switch (typeof v) {
    case 'undefined':
      return { $: 'undefined' };
    case 'boolean':
      return v;
    case 'number':
      if (Object.is(v, -0)) return { $: '-0' };
      if (Number.isNaN(v)) return { $: 'NaN' };
      if (v === Infinity) return { $: 'Infinity' };
      if (v === -Infinity) return { $: '-Infinity' };
      return v;
    case 'string':
      return normString(v);
    case 'bigint':
      return { $: 'bigint', v: String(v) };
    case 'symbol':
      return { $: 'symbol', v: v.description ?? null };
    case 'function': {
      let name;
      let length;
      try {
        name = v.name;
        length = v.length;
      } catch {
        name = '?';
      }
      const out = { $: 'function', name: typeof name === 'string' ? normString(name) : encode(name), length };
      if (util.types.isProxy(v)) out.proxy = true;
      return out;
    }
    default:
      break;
  }
  if (v === null) return null;
  if (util.types.isExternal(v)) return { $: 'external' };
  if (path.has(v)) return { $: 'cycle' };
  if (util.types.isProxy(v)) {
    path.add(v);
    try {
      const keys = canonicalKeys(Object.keys(v));
      const o = {};
      for (const k of keys) o[k] = encode(v[k], path, depth + 1);
      return { $: 'proxy', v: o };
    } catch (e) {
      return { $: 'proxy', error: errorCore(e) };
    } finally {
      path.delete(v);
    }
  }
  if (Buffer.isBuffer(v)) return bytesTag('Buffer', v);
  if (ArrayBuffer.isView(v)) return bytesTag(v.constructor.name, v);
  if (util.types.isPromise(v)) return { $: 'Promise' };
  if (v instanceof Error) return { $: 'Error', ...errorCore(v) };
  path.add(v);
  try {
    if (Array.isArray(v)) {
      const out = [];
      for (let i = 0; i < v.length; i++) out.push(i in v ? encode(v[i], path, depth + 1) : { $: 'hole' });
      return out;
    }
    const o = {};
    for (const k of canonicalKeys(Object.keys(v))) o[k] = encode(v[k], path, depth + 1);
    const out = { $: 'object', v: o };
    const proto = Object.getPrototypeOf(v);
    if (proto === null) out.proto = null;
    else if (proto !== Object.prototype) {
      const own = Object.prototype.hasOwnProperty.call(proto, 'constructor');
      out.proto = own && typeof proto.constructor === 'function' ? { $: 'class', name: proto.constructor.name } : encode(proto, path, depth + 1);
    }
    return out;
  } finally {
    path.delete(v);
  }
}
