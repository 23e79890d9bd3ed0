// Issue 18: a JS function called from Lua whose Lua arguments are all
// numbers (at most 8, each a float or an integer within ±(2^53 − 1)) gets
// them made straight into JS numbers, with no conversion set up; every
// other call converts its arguments the general way. These tests hold the
// two paths to the same behaviour at their boundary: every awkward number
// (-0, NaN, the infinities, the integers that must become BigInts), the
// argument count around 8, a non-number in every position, converters and
// modes, receivers of methods, results of every kind (a Promise included),
// thrown values, re-entry, dispose()/reset() from inside, and the work
// budget charged per argument.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable } from './helpers.mjs';

const RESET_INSIDE = 'reset() cannot be called while Lua is executing (from inside a host callback, metamethod, or __gc finalizer)';
const DISPOSE_INSIDE = 'dispose() cannot be called while Lua is executing (from inside a host callback, metamethod, or __gc finalizer)';

/** Lua numbers at the boundary, with what JS must get for each. */
const AWKWARD = [
  ['0', 0],
  ['-0.0', -0],
  ['0.0', 0],
  ['1', 1],
  ['-1', -1],
  ['0.5', 0.5],
  ['-1.5', -1.5],
  ['0/0', NaN],
  ['1/0', Infinity],
  ['-1/0', -Infinity],
  ['3.0', 3],
  ['2^53', 2 ** 53], // a float: a number, whatever its size
  ['2.0^63', 2 ** 63],
  ['9007199254740991', Number.MAX_SAFE_INTEGER],
  ['-9007199254740991', -Number.MAX_SAFE_INTEGER],
  ['9007199254740992', 9007199254740992n], // integers past ±(2^53 − 1): BigInts (B3)
  ['-9007199254740992', -9007199254740992n],
  ['9007199254740993', 9007199254740993n],
  ['math.maxinteger', 9223372036854775807n],
  ['math.mininteger', -9223372036854775808n],
  ['1e300', 1e300],
  ['5e-324', 5e-324],
];

/** A context whose `probe` records the arguments of every call. */
function probing(options = {}, extra = {}) {
  const calls = [];
  const c = new lua_native.init(
    {
      probe: (...args) => {
        calls.push(args);
        return args.length;
      },
      ...extra,
    },
    { libraries: ['base', 'math', 'string', 'table'], ...options },
  );
  return { c, calls, last: () => calls[calls.length - 1] };
}

function sameValues(got, want, what) {
  assert.equal(got.length, want.length, `${what}: count`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Object.is(got[i], want[i]), `${what}: argument ${i + 1} is ${String(got[i])} (${typeof got[i]}), want ${String(want[i])} (${typeof want[i]})`);
  }
}

test('every awkward number reaches JS the same alone, among numbers, and beside a non-number', () => {
  const { c, last } = probing();
  for (const [lua, js] of AWKWARD) {
    c.execute_script(`probe(${lua})`);
    sameValues(last(), [js], `probe(${lua})`);
    c.execute_script(`probe(1, ${lua}, 2.5)`);
    sameValues(last(), [1, js, 2.5], `probe(1, ${lua}, 2.5)`);
    c.execute_script(`probe(${lua}, "tail")`);
    sameValues(last(), [js, 'tail'], `probe(${lua}, "tail")`);
  }
  // All of them at once, 8 at a time and then past 8.
  const exprs = AWKWARD.map(([lua]) => lua);
  const values = AWKWARD.map(([, js]) => js);
  for (let i = 0; i < exprs.length; i += 8) {
    c.execute_script(`probe(${exprs.slice(i, i + 8).join(', ')})`);
    sameValues(last(), values.slice(i, i + 8), `group at ${i}`);
  }
  c.execute_script(`probe(${exprs.join(', ')})`);
  sameValues(last(), values, 'all');
  assert.equal(typeof last()[0], 'number', 'a small integer is a JS number, not a BigInt');
});

test('0 to 12 numbers arrive in order: the one-step path up to 8, the general one past it', () => {
  const { c, last } = probing();
  for (let n = 0; n <= 12; n++) {
    const args = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? i * 7 : i % 3 === 1 ? i + 0.25 : -i));
    assert.equal(c.execute_script(`return probe(${args.join(', ')})`), n, `${n} arguments counted`);
    sameValues(last(), args, `${n} numbers`);
  }
  // Through a local, a vararg, table.unpack and a method call on a table.
  c.execute_script('local f = probe f(1, 2)');
  sameValues(last(), [1, 2], 'through a local');
  c.execute_script('local function g(...) return probe(...) end g(3, 4.5, 5)');
  sameValues(last(), [3, 4.5, 5], 'vararg');
  c.execute_script('probe(table.unpack({ 1, 2, 3, 4, 5, 6, 7, 8 }))');
  sameValues(last(), [1, 2, 3, 4, 5, 6, 7, 8], 'unpack');
});

test('a non-number in any position takes the general way, with every value converted as before', () => {
  const { c, last } = probing();
  const others = [
    ['nil', null],
    ['true', true],
    ['false', false],
    ['"7"', '7'], // a numeric string stays a string
    ['"x"', 'x'],
  ];
  for (const [lua, js] of others) {
    for (let at = 0; at < 4; at++) {
      const exprs = ['1', '2.5', '-3', '4'];
      const want = [1, 2.5, -3, 4];
      exprs[at] = lua;
      want[at] = js;
      c.execute_script(`probe(${exprs.join(', ')})`);
      sameValues(last(), want, `probe(${exprs.join(', ')})`);
    }
  }
  c.execute_script('probe(1, { 2, 3 }, function() return 4 end)');
  const [one, table, fn] = last();
  assert.equal(one, 1);
  assert.deepEqual(table, [2, 3]);
  assert.equal(fn(), 4, 'a Lua function still arrives callable');
  // Nils at the end are arguments too.
  c.execute_script('probe(1, nil)');
  sameValues(last(), [1, null], 'a trailing nil');
});

test('converters and modes leave numbers alone and still apply to everything else', () => {
  const offered = [];
  const { c, last } = probing({ strictConversion: true });
  c.register_from_lua_converter(
    (v) => {
      offered.push(v);
      return v && v.kind === 'point';
    },
    (v) => `point(${v.x},${v.y})`,
  );
  c.execute_script('probe(1, -0.0, 2^53)');
  sameValues(last(), [1, -0, 2 ** 53], 'numbers');
  assert.equal(offered.length, 0, 'numbers are never offered to a converter');
  c.execute_script('probe(1, { kind = "point", x = 2, y = 3 }, "s")');
  const [n, p, s] = last();
  assert.equal(n, 1);
  assert.equal(p, 'point(2,3)');
  assert.equal(s, 's');
  assert.equal(offered.length, 1);
  const { c: binary, last: lastBinary } = probing({ binaryStrings: true });
  binary.execute_script('probe(1.5, "s", 2)');
  const [a, bytes, b] = lastBinary();
  assert.deepEqual([a, b], [1.5, 2]);
  assert.ok(bytes instanceof Uint8Array, 'binaryStrings still applies');
});

test('methods and class members get their receiver first, then the numbers', () => {
  const c = ctx(['base']);
  const seen = [];
  const obj = { name: 'obj' };
  c.set_userdata('o', obj, {
    methods: {
      m(self, ...args) {
        seen.push([self, this, args]);
        return args.length;
      },
    },
  });
  for (let n = 0; n <= 10; n++) {
    const args = Array.from({ length: n }, (_, i) => i + 0.5);
    assert.equal(c.execute_script(`return o:m(${args.join(', ')})`), n);
    const [self, , got] = seen[seen.length - 1];
    assert.equal(self, obj, 'self is the object');
    sameValues(got, args, `o:m with ${n} numbers`);
  }
  class Acc {
    constructor(v) {
      this.v = v;
    }
  }
  c.register_class('Acc', {
    construct: (v) => new Acc(v),
    methods: {
      add(self, a, b) {
        self.v += a + b;
        return this === self ? self.v : -1;
      },
    },
  });
  assert.equal(c.execute_script('local a = Acc.new(1) a:add(2, 3) return a:add(0.5, -0.5)'), 6);
  throwsExactly(() => c.execute_script('local a = Acc.new(1) return a.add(1, 2, 3)'), Error, /bad argument #1 to 'add' \(Acc expected, got number\)$/);
  assertUsable(c);
});

test('results of a numbers call of every kind go back to Lua as before', () => {
  const results = {
    int: () => 42,
    neg0: () => -0,
    nan: () => NaN,
    big: () => 2 ** 53 + 2,
    past: () => 2 ** 63,
    bigint: () => 2n ** 62n,
    str: () => 'text',
    obj: () => ({ a: 1 }),
    undef: () => undefined,
    nul: () => null,
    bool: () => false,
    fn: () => (x) => x * 2,
  };
  const c = ctx(['base', 'math'], results);
  const shown = (name) => c.execute_script(`local v = ${name}(1, 2) return type(v) == "number" and (math.type(v) .. ":" .. tostring(v)) or type(v)`);
  assert.equal(shown('int'), 'integer:42');
  assert.equal(c.execute_script('return 1 / neg0(1, 2)'), -Infinity, '-0 keeps its sign');
  assert.match(shown('nan'), /^float:-?nan$/);
  assert.equal(shown('big'), 'integer:9007199254740994');
  assert.equal(shown('past'), 'float:9.2233720368547758e+18');
  assert.equal(shown('bigint'), 'integer:4611686018427387904');
  assert.equal(shown('str'), 'string');
  assert.equal(c.execute_script('return obj(1, 2).a'), 1);
  assert.equal(c.execute_script('return select("#", undef(1, 2))'), 1, 'undefined is one nil result');
  assert.equal(c.execute_script('return undef(1, 2) == nil and nul(1, 2) == nil'), true);
  assert.equal(c.execute_script('return bool(1, 2)'), false);
  assert.equal(c.execute_script('return fn(1, 2)(21)'), 42);
});

test('a Promise from a numbers call: refused in a plain run, awaited in a driven one', async () => {
  const later = (a, b) => new Promise((r) => setTimeout(() => r(a + b), 1));
  const c = new lua_native.init({ later }, { libraries: 'all' });
  const refused = "Host function 'later' threw an exception: 'later' returned a Promise; call it inside execute_async(), call_async(), or resume_async() to await it";
  throwsExactly(() => c.execute_script('return later(1, 2)'), Error, refused);
  assert.deepEqual(c.execute_script('local ok, e = pcall(later, 1, 2) return ok, e'), [false, refused]);
  assert.equal(await c.execute_async('local s = 0 for i = 1, 5 do s = s + later(i, 0.5) end return s'), 17.5);
  assertUsable(c);
});

test('what a numbers callback throws reaches Lua and JS as from any callback', () => {
  const thrown = new TypeError('typed 1');
  const c = new lua_native.init(
    {
      err: () => {
        throw thrown;
      },
      text: (a, b) => {
        throw `text ${a + b}`;
      },
      num: () => {
        throw 42;
      },
    },
    { libraries: ['base'] },
  );
  const e = throwsExactly(() => c.execute_script('err(1, 2)'), TypeError, 'typed 1');
  assert.equal(e, thrown, 'the very object');
  assert.deepEqual(c.execute_script('local ok, e = pcall(err, 1, 2) return ok, type(e), e.message, e.name'), [false, 'table', 'typed 1', 'TypeError']);
  throwsExactly(() => c.execute_script('text(1, 2)'), Error, "Host function 'text' threw an exception: text 3", 'LUA_RUNTIME');
  throwsExactly(() => c.execute_script('num(1)'), Error, "Host function 'num' threw an exception: 42", 'LUA_RUNTIME');
  assertUsable(c);
});

test('re-entry: a numbers callback calls back into Lua, which calls it again, 60 deep', () => {
  let down;
  const c = ctx(['base'], {
    js: (n, acc) => (n === 0 ? acc : down(n - 1, acc + n * 0.5)),
  });
  down = c.execute_script('return function(n, acc) return js(n, acc) end');
  assert.equal(down(60, 0), (60 * 61) / 4);
  assert.equal(c.execute_script('return js(3, 1)'), 1 + 1.5 + 1 + 0.5);
  // The callback runs a script of its own in the middle.
  c.set_global('nested', (a, b) => c.execute_script(`return ${a} * ${b} + js(0, 1)`));
  assert.equal(c.execute_script('return nested(6, 7) + nested(1, 1)'), 43 + 2);
  assertUsable(c);
});

test('dispose() and reset() from inside a numbers callback are refused; the call completes', () => {
  let refusals = [];
  const c = ctx(['base'], {
    both: (a, b) => {
      for (const f of [() => c.reset(), () => c.dispose()]) {
        try {
          f();
        } catch (e) {
          refusals.push(e.message);
        }
      }
      return a + b;
    },
  });
  assert.equal(c.execute_script('local s = 0 for i = 1, 3 do s = s + both(i, 0.5) end return s'), 7.5);
  assert.deepEqual(refusals, [RESET_INSIDE, DISPOSE_INSIDE, RESET_INSIDE, DISPOSE_INSIDE, RESET_INSIDE, DISPOSE_INSIDE]);
  refusals = [];
  // Replacing the called function from inside its own call: this call finishes, the next one is the new function's.
  c.set_global('swap', (a) => {
    c.set_global('swap', (b) => -b);
    return a;
  });
  assert.deepEqual(c.execute_script('return swap(1), swap(2)'), [1, -2]);
  assertUsable(c);
  c.dispose();
});

test('each number argument and a number result are charged to the work budget, as each converted value is', () => {
  // Conversions a script causes inside a nested run (a Lua function called
  // from a callback) are charged to the run's budget (the outermost run's
  // own arguments are free): how many calls of `f(<args>)` the budget
  // allows there says what each cost.
  const callsUntilStopped = (args, result = (n) => n) => {
    let calls = 0;
    let inner;
    const c = new lua_native.init({ f: () => result(++calls), go: () => inner() }, { libraries: ['base'], maxInstructions: 60_000 });
    inner = c.execute_script(`return function() while true do f(${args}) end end`);
    throwsExactly(() => c.execute_script('go()'), Error, /instruction limit exceeded$/, 'LUA_INSTRUCTION_LIMIT');
    return calls;
  };
  const none = callsUntilStopped('');
  const eightNumbers = callsUntilStopped('1, 2, 3, 4, 5, 6, 7, 8');
  const eightGeneral = callsUntilStopped('1, 2, 3, 4, 5, 6, 7, "x"');
  assert.ok(eightNumbers < none, `8 numbers cost more than none (${eightNumbers} calls against ${none})`);
  assert.ok(Math.abs(eightNumbers - eightGeneral) <= 1, `8 numbers cost what 8 converted values cost (${eightNumbers} / ${eightGeneral})`);
  // The number a call returns is charged as any other result is.
  const booleanResult = callsUntilStopped('', (n) => n > 0);
  assert.ok(Math.abs(none - booleanResult) <= 1, `a number result costs what a boolean result costs (${none} / ${booleanResult})`);
});

test('a limit or a cancel that trips inside a numbers callback stops the run; the next run is fresh', () => {
  let d;
  d = new lua_native.init(
    {
      stop: (a) => {
        d.cancel();
        return a;
      },
    },
    { libraries: ['base'] },
  );
  throwsExactly(() => d.execute_script('local x = stop(1, 2) while true do x = x + 1 end'), Error, /execution cancelled$/, 'LUA_CANCELLED');
  assert.equal(d.execute_script('return stop ~= nil'), true);
  const t = new lua_native.init({ add: (a, b) => a + b }, { libraries: ['base'], timeout: 50 });
  throwsExactly(() => t.execute_script('local s = 0 while true do s = add(s, 1) end'), Error, /execution timeout$/, 'LUA_TIMEOUT');
  assert.equal(t.execute_script('return add(20, 22)'), 42);
});

test('a numbers callback in an async run is refused before any argument is read', async () => {
  let called = false;
  const c = new lua_native.init({ add: (a, b) => ((called = true), a + b) }, { libraries: ['base'] });
  await assert.rejects(c.execute_script_async('return add(1, 2)'), { message: `[string "return add(1, 2)"]:1: JS callbacks are not available in async mode (called 'add')` });
  assert.equal(called, false);
  assert.equal(c.execute_script('return add(1, 2)'), 3);
});
