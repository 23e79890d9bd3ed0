// Helpers shared by the case files. A case is
//   { id, area, run(lua_native, env), differs?, evolution?, timeout? }
// `run` returns a value (or a Promise of one) or throws; the runner encodes either.
// `env` is { tmp: a scratch directory, fixtures: the fixtures directory (also the cwd) }.

/** A fresh context: `libs` undefined gives `new init()` / `new init(cb)` exactly. */
export function make(L, libs, cb, extra) {
  if (libs === undefined && extra === undefined) return cb === undefined ? new L.init() : new L.init(cb);
  const opts = { ...(extra || {}) };
  if (libs !== undefined) opts.libraries = libs;
  return new L.init(cb, opts);
}

/** A case that runs one script in a fresh context with the given libraries. */
export function script(id, area, libs, src, meta = {}) {
  return { id, area, run: (L) => make(L, libs).execute_script(src), ...meta };
}

/** Runs fn and returns { ok: value } or { threw: error } (the error is encoded without its code). */
export function tryIt(fn) {
  try {
    return { ok: fn() };
  } catch (e) {
    return { threw: e };
  }
}

/** How a promise-returning call ended: { syncThrow } | { resolved } | { rejected }. */
export async function settle(fn) {
  let p;
  try {
    p = fn();
  } catch (e) {
    return { syncThrow: e };
  }
  try {
    return { resolved: await p };
  } catch (e) {
    return { rejected: e };
  }
}

/** Lua source returning n nested { child = ... } tables around `inner`. */
export function nestLua(n, inner = '{}') {
  return `local t = ${inner} for i = 1, ${n} do t = { child = t } end return t`;
}

/** A JS value nested n levels: n wrappers { child: ... } around `inner`. */
export function nestJs(n, inner = {}) {
  let v = inner;
  for (let i = 0; i < n; i++) v = { child: v };
  return v;
}

/** Walks `.child` while it exists: { hops, leaf }. */
export function walk(v) {
  let hops = 0;
  while (v && typeof v === 'object' && !Array.isArray(v) && 'child' in v) {
    v = v.child;
    hops++;
  }
  return { hops, leaf: v };
}

export const DEPTH = 'Value nesting depth exceeds the maximum of 100 levels';
export const BUSY = 'Lua context is busy with an async operation';
/** Keeps a worker busy for a while (roughly 100-300 ms). */
export const SLOW = 'local x = 0 for i = 1, 1e7 do x = x + i % 7 end return "slow done"';
