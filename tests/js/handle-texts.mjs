// What the table-handle suites share: the spec's texts (EVOLUTION B2, B8,
// B20) and a way to call every handle method once.
export const RELEASED = 'table handle has been released';
export const FOREIGN = 'table handle belongs to a different Lua context';
export const STALE = 'table handle is not usable: its Lua state was replaced by reset(); acquire a new handle';
export const CLOSED = 'table handle is not usable: its Lua context has been closed';
export const BUSY = 'Lua context is busy with an async operation';
export const NOT_USABLE = 'table iterator is not usable';
export const badKey = (t) => `table key must be a string, number, boolean, bigint or Uint8Array (got ${t})`;
export const METHODS = ['get', 'set', 'has', 'length', 'pairs', 'ipairs', 'keys', 'get_ref'];

/** Each handle method, called once with ordinary arguments. */
export const callEach = (h) => ({
  get: () => h.get('a'),
  set: () => h.set('a', 1),
  has: () => h.has('a'),
  length: () => h.length(),
  pairs: () => h.pairs(),
  ipairs: () => h.ipairs(),
  keys: () => h.keys(),
  get_ref: () => h.get_ref('a'),
  iterator: () => h[Symbol.iterator](),
});
