// Hostile JavaScript values for generated programs (V.*): cycles, deep
// nesting, throwing getters, Proxies, values whose reading re-enters the
// context, odd built-ins. Every maker is deterministic in its arguments.
// Thrown values never say "panic" or "internal error" (those words in an
// error message mark a failure).

export function makeValues(mine, R) {
  const own = (v) => {
    mine.add(v);
    return v;
  };
  const V = {};

  /** What a callback, getter or trap throws. */
  V.err = (k) => {
    switch (k % 10) {
      case 0: return new Error('hostile error');
      case 1: return new TypeError('hostile type error');
      case 2: return 42;
      case 3: return null;
      case 4: return undefined;
      case 5: return Symbol('hostile');
      case 6: return Object.assign(new Error('with code'), { code: 'LUA_TIMEOUT' });
      case 7: {
        const e = new Error('x');
        Object.defineProperty(e, 'message', { get() { throw new Error('message getter'); } });
        return e;
      }
      case 8: return own(new Proxy({}, { get() { throw new Error('trap'); } }));
      default: return new RangeError('m'.repeat(100000));
    }
  };
  V.cycle = (k = 0) => {
    if (k % 3 === 0) {
      const o = { a: 1 };
      o.self = o;
      return o;
    }
    if (k % 3 === 1) {
      const a = [1, 2];
      a.push(a);
      return a;
    }
    const x = { name: 'x' };
    const y = { x, list: [x] };
    x.y = y;
    return { root: x };
  };
  V.deep = (n, arr = false) => {
    let v = arr ? [1] : { leaf: true };
    for (let i = 0; i < n; i++) v = arr ? [v] : { child: v };
    return v;
  };
  V.getter = (k) => {
    const o = { a: 1 };
    Object.defineProperty(o, 'g', {
      enumerable: true,
      get() {
        switch (k % 5) {
          case 0: throw V.err(k >> 3);
          case 1: return Symbol('from getter');
          case 2: return o;
          case 3: return V.getter(k + 1);
          default: return 'x'.repeat(1000);
        }
      },
    });
    return own(o);
  };
  V.proxy = (k) => {
    const thrower = () => {
      throw V.err(k >> 3);
    };
    switch (k % 7) {
      case 0: return own(new Proxy({ a: 1 }, { get: thrower, ownKeys: thrower, has: thrower, getOwnPropertyDescriptor: thrower }));
      case 1: {
        const r = Proxy.revocable({ a: 1 }, {});
        r.revoke();
        return own(r.proxy);
      }
      case 2: return own(new Proxy({}, { ownKeys: () => ['a', 'a'] }));
      case 3: {
        const inf = new Proxy({}, { get: () => inf, ownKeys: () => ['next'], getOwnPropertyDescriptor: () => ({ value: inf, enumerable: true, configurable: true }) });
        return own(inf);
      }
      case 4: return own(new Proxy(function target() { return 1; }, { apply: thrower, get: thrower }));
      case 5: return own(new Proxy([1, 2, 3], { get: (t, p) => (p === 'length' ? 1e6 : t[p]) }));
      default: return own(new Proxy({ a: 1, b: 2 }, { ownKeys: () => ['a', 'b', 'c', Symbol('s')], getOwnPropertyDescriptor: () => undefined }));
    }
  };
  /** An object whose reading runs f (a generated callback that re-enters the context). */
  V.reenter = (f) => {
    const o = { before: 1 };
    Object.defineProperty(o, 'hook', { enumerable: true, get: () => (typeof f === 'function' ? f() : null) });
    o.after = [2, 3];
    return own(o);
  };
  V.reproxy = (f) =>
    own(new Proxy({ a: 1, b: { c: 2 } }, {
      get(t, p, r) {
        if (typeof f === 'function') f(p);
        return Reflect.get(t, p, r);
      },
      ownKeys(t) {
        if (typeof f === 'function') f('ownKeys');
        return Reflect.ownKeys(t);
      },
    }));
  V.bigArr = (n) => new Array(n).fill(0).map((_, i) => (i % 3 === 0 ? i : i % 3 === 1 ? `s${i}` : { i }));
  V.bigStr = (n) => 'x'.repeat(n);
  V.sparse = (n) => {
    const a = [1];
    a[n] = 2;
    return a;
  };
  V.typed = (k) => {
    switch (k % 7) {
      case 0: return new Uint8Array([0, 255, 27, 76, 117, 97]);
      case 1: return Buffer.from('\x1bLua');
      case 2: return new ArrayBuffer(16);
      case 3: return new DataView(new ArrayBuffer(4));
      case 4: return new Float64Array([NaN, -0, Infinity]);
      case 5: return new BigInt64Array([2n ** 63n - 1n]);
      default: return new Uint8Array(0);
    }
  };
  V.misc = (k) => {
    switch (k % 12) {
      case 0: return new Map([[1, { a: 1 }], ['k', 'v']]);
      case 1: return new Set([1, 'a', {}]);
      case 2: return new Date(0);
      case 3: return /re(g)ex/g;
      case 4: return new WeakMap();
      case 5: return Promise.resolve(1);
      case 6: return new (class Priv { #x = 1; get y() { return this.#x; } })();
      case 7: return Object.create(null);
      case 8: return [new String('s'), new Number(3), new Boolean(false), Object(1n), Object(Symbol('b'))];
      case 9: return Object.assign(Object.create(V.proxy(0)), { a: 1 });
      case 10: return Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, i]));
      default: return { [Symbol('s')]: 1, 1: 'one', '-1': 'minus', '1.5': 'x', '': 'empty', __proto__: { inherited: 1 } };
    }
  };
  /** Functions the program did not make with R.fn. */
  V.native = (k) => {
    switch (k % 9) {
      case 0: return Math.max;
      case 1: return parseInt;
      case 2: return class Klass {};
      case 3: return function bound() { return this; }.bind(null, 1);
      case 4: return async () => 1;
      case 5: return function* gen() { yield 1; };
      case 6: return V.proxy(4);
      case 7: return Symbol;
      default: return Function.prototype;
    }
  };
  V.frozen = (v) => {
    try {
      return Object.freeze(v);
    } catch {
      return v; // typed arrays with elements cannot be frozen
    }
  };
  V.holey = () => [1, , 3, , , 6]; // eslint-disable-line no-sparse-arrays
  V.strs = (k) =>
    ['\uD800', 'a\u0000b', '\u{1F642}', '\xff\xfe', '${}', '%s%d%q', '\\', '\n\r\t', 'return', '__index', ''][k % 11];
  void R;
  return V;
}
