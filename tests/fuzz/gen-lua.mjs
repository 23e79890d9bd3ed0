// Lua chunks from a small grammar of risky constructs: coroutines, error
// values with hostile metatables, __gc/__close/__index, big strings, load and
// string.dump, debug.* (upvalues, metatables, hooks, the registry),
// collectgarbage, and forged calls to the metamethods of userdata.
// Every statement is one line, so a reproducer can be minimized line by line.
//
// `c` describes the target context: { bounded, memBounded, cbs, uds, libs }
// (libs: the libraries it opened, or null when unknown).
// Loops that never end, and huge allocations, only appear when a limit
// (instructions or time; memory for allocations) is there to stop them; an
// expression that may sit in a loop allocates little without a memory limit
// (an instruction limit does not bound the time a C function takes).

const ATOMS = [
  'nil', 'true', 'false', '0', '-0.0', '0/0', '1/0', '-1/0', 'math.mininteger', 'math.maxinteger',
  '2^53', '-1', '1e308', '3.5', '"s"', '""', '"\\0x\\0"', '"\\xff\\xfe"', '"%s%q"', '{}', '_G', '_ENV',
  'print', 'select("#", ...)', '...', 'coroutine.running()', 'io and io.stdout', 'string', 'package and package.loaded',
];
const FORGED = [
  '1', '"x"', '{}', 'nil', '0/0', 'io and io.stdout', 'coroutine.create(print)', 'print',
  'setmetatable({}, {})', '"__index"', 'string.rep("k", 100)', '-1', 'math.maxinteger',
];
const GC_OPTS = [
  '"collect"', '"step"', '"step", 0', '"step", 1e9', '"incremental"', '"generational"', '"stop"',
  '"restart"', '"count"', '"isrunning"', '"param", "pause", 0', '"param", "stepmul", 1e9', '"param", "bogus", 1',
  '"setpause", 0', '"bogus"',
];

function vararg(line) {
  return line.replace(/function(\s*\w*)\(([^)]*)\)/g, (m, name, params) => (params.includes('...') ? m : `function${name}(${params ? `${params}, ` : ''}...)`));
}

export class LuaGen {
  constructor(rng, c) {
    this.rng = rng;
    this.c = c;
    this.v = 0;
  }
  local() {
    return `l${++this.v}`;
  }
  cb() {
    const { rng, c } = this;
    return c.cbs.length && rng.chance(0.85) ? rng.pick(c.cbs) : rng.pick(['print', 'tostring', 'cbX', 'error']);
  }
  ud() {
    const { rng, c } = this;
    return c.uds.length && rng.chance(0.85) ? rng.pick(c.uds) : rng.pick(['u1', '(io and io.stdout)', 'cb1']);
  }
  loops() {
    return this.c.bounded ? this.rng.pick([1, 10, 1000, 100000, 1e9]) : this.rng.pick([1, 3, 10, 50]);
  }
  repSize() {
    return this.c.memBounded ? this.rng.pick([1e3, 1e6, 2 ** 24, 2 ** 31, 2 ** 40]) : this.rng.size(20);
  }
  ex(d = 0) {
    const { rng } = this;
    if (d > 2) return rng.pick(ATOMS);
    switch (rng.int(0, 15)) {
      case 0: case 1: case 2: return rng.pick(ATOMS);
      case 3: return `${this.cb()}(${this.ex(d + 1)})`;
      case 4: return this.ud();
      case 5: return `setmetatable({${this.ex(d + 1)}}, ${this.mt(d + 1)})`;
      case 6: return `function(...) return ${this.ex(d + 1)} end`;
      case 7: return `coroutine.create(function(...) return ${this.ex(d + 1)} end)`;
      case 8: return `string.rep("x", ${this.c.memBounded ? this.repSize() : this.rng.size(12)})`; // may sit in a loop: keep it cheap
      case 9: return `{${this.ex(d + 1)}, ${this.ex(d + 1)}, k = ${this.ex(d + 1)}}`;
      case 10: return '(function() local t = {} t.t = t t[1] = t return t end)()';
      case 11: return `(function() local t = {} for i = 1, ${rng.pick([50, 99, 100, 101, 250])} do t = {t} end return t end)()`;
      case 12: return 'debug and debug.getregistry()';
      case 13: return `getmetatable(${this.ud()})`;
      case 14: return rng.pick(['u1', 'cb1', 'cb2', 't1', 'g1']);
      default: return `load("return ${rng.pick(['1', '...', 'error({})', 'coroutine.yield(1)'])}")`;
    }
  }
  mt(d = 0) {
    const { rng } = this;
    const cb = () => this.cb();
    const fields = [
      () => `__index = function(t, k) return ${cb()}(k) end`,
      () => `__index = ${this.ex(d + 1)}`,
      () => `__newindex = function(t, k, v) ${cb()}(k, v) end`,
      () => `__gc = function(o) ${cb()}(o) end`,
      () => '__gc = function() error({}) end',
      () => '__gc = function(o) KEEP = o end',
      () => (this.c.bounded ? '__gc = function() while true do end end' : '__gc = true'),
      () => `__close = function(o, e) ${cb()}(e) end`,
      () => '__close = function() error("close") end',
      () => '__tostring = function() error(setmetatable({}, {__tostring = function() error("again") end})) end',
      () => '__tostring = function() return {} end',
      () => `__tostring = ${cb()}`,
      () => `__name = ${rng.pick(['42', '"N"', '{}', 'string.rep("n", 1000)'])}`,
      () => '__eq = function() error("eq") end',
      () => `__lt = ${cb()}`,
      () => `__len = function() return ${this.ex(d + 1)} end`,
      // Set on a callback's own type (debug.setmetatable on nil, a number,
      // a userdata), forwarding to that callback calls this __call again:
      // an endless loop of tail calls, so unguarded only under a limit.
      () => {
        const f = cb();
        return this.c.bounded ? `__call = function(...) return ${f}(...) end` : `__call = function(...) if type(${f}) == "function" then return ${f}(...) end end`;
      },
      () => `__concat = ${cb()}`,
      () => `__metatable = ${this.ex(d + 1)}`,
      () => `__pairs = function(t) return ${cb()}, t, nil end`,
      () => `__mode = ${rng.pick(['"k"', '"v"', '"kv"'])}`,
      () => `__index = ${cb()}`,
      () => `__close = ${cb()}`,
    ];
    const n = rng.int(1, 3);
    const out = [];
    for (let i = 0; i < n; i++) out.push(rng.pick(fields)());
    return `{${out.join(', ')}}`;
  }
  /** One statement (one line). */
  stmt() {
    const { rng, c } = this;
    const cb = this.cb();
    const ud = this.ud();
    const l = this.local();
    const N = this.loops();
    const forged = () => rng.pick(FORGED);
    // A load() reader handing back what a callback returns: a callback that
    // returns a number forever (parseInt gives NaN) feeds the lexer "nan"
    // without end, as in stock Lua, so unending only under a limit.
    const reader = c.bounded ? `function() return ${cb}() end` : `(function() local n = 0 return function() n = n + 1 if n < 4 then return ${cb}() end end end)()`;
    const kinds = [
      [6, () => `${rng.pick(['g1', 'G' + rng.int(1, 3), 'local ' + l])} = ${this.ex()}`],
      [8, () => `${cb}(${this.ex()}, ${this.ex()})`],
      [4, () => `error(${rng.chance(0.5) ? `setmetatable({}, ${this.mt()})` : this.ex()}, ${rng.pick([0, 1, 2])})`],
      [2, () => 'error()'],
      // coroutines
      [3, () => `local ${l} = coroutine.create(function(...) for i = 1, ${N} do coroutine.yield(${cb}(i)) end end) for i = 1, ${this.loops()} do coroutine.resume(${l}, ${this.ex()}) end`],
      [2, () => `local ${l} = coroutine.wrap(function(...) local t = setmetatable({}, {__index = function(t, k) return coroutine.yield(k) end}) return t.x end) ${l}() ${l}(1)`],
      [2, () => `coroutine.wrap(function() return ${cb}(coroutine.yield, function() coroutine.yield(1) end) end)()`],
      [2, () => `local ${l} = coroutine.create(function() local x <close> = setmetatable({}, ${this.mt()}) coroutine.yield(1) end) coroutine.resume(${l}) coroutine.close(${l})`],
      [1, () => `local ${l} ${l} = coroutine.create(function() return coroutine.resume(${l}) end) coroutine.resume(${l})`],
      [1, () => `coroutine.wrap(function() pcall(coroutine.yield, 1) end)()`],
      // finalizers and to-be-closed
      [3, () => `setmetatable({}, ${this.mt()}) collectgarbage(${rng.pick(GC_OPTS)})`],
      [2, () => `for i = 1, ${Math.min(N, 200)} do setmetatable({}, {__gc = function(o) ${cb}(o) end}) end collectgarbage()`],
      [3, () => `do local ${l} <close> = setmetatable({}, ${this.mt()}) ${cb}(${this.ex()}) end`],
      [1, () => `local ${l} <close> = ${rng.pick(['nil', 'false', '42', '{}'])}`],
      // big strings
      [3, () => `local ${l} = string.rep(${rng.pick(['"x"', '"ab"', '""'])}, ${this.repSize()}${rng.chance(0.3) ? ', ","' : ''}) ${cb}(${l})`],
      // load / dump
      [2, () => `local ${l} = load(${rng.pick(['"return 1"', '"x ="', '"return ..."', reader, '"\\27Lua"'])}) if ${l} then ${l}() end`],
      [2, () => `local ${l} = load(string.dump(function(...) return ... end, ${rng.pick(['true', 'false'])})${rng.chance(0.5) ? `:sub(1, ${rng.int(0, 60)})` : ''}, "d", "${rng.pick(['b', 't', 'bt'])}") if ${l} then ${l}(1) end`],
      [1, () => `string.dump(${cb})`],
      [1, () => `load(${reader}, "=(x)", "t", {})`],
      // debug
      [3, () => `debug.setupvalue(${rng.pick([cb, ud, 'print', `function() return ${cb} end`])}, ${rng.pick([1, 2, 0, -1])}, ${this.ex()})`],
      [2, () => `local n, ${l} = debug.getupvalue(${cb}, 1) local m = debug.getmetatable(${l}) if type(m) == "table" then for k, f in pairs(m) do if type(f) == "function" then pcall(f, ${l}, ${forged()}) end end end`],
      [2, () => `debug.upvaluejoin(function() return ${cb} end, 1, ${cb}, 1)`],
      [2, () => `debug.setmetatable(${rng.pick([ud, 'nil', '1', '"s"', 'print', cb, 'coroutine.running()', 'true'])}, ${rng.chance(0.3) ? 'nil' : this.mt()})`],
      // A hook Lua sets stays for later runs, as in Lua: one that calls back
      // into JS on every few instructions multiplies a program's cost, so it
      // only appears where a limit bounds that cost.
      [2, () => `debug.sethook(function(e, line) ${c.bounded ? `${cb}(e, line)` : 'local _ = e'} end, "${rng.pick(['c', 'r', 'l', 'crl', ''])}", ${rng.pick([0, 1, 7, 1000])})`],
      [1, () => `debug.sethook() debug.gethook()`],
      [1, () => `debug.getinfo(${rng.pick([cb, '1', '2', '100', ud])}, "${rng.pick(['nSlutfrL', 'f', 'L'])}")`],
      [1, () => `debug.setlocal(${rng.pick([1, 2, 3])}, ${rng.pick([1, 2, -1])}, ${this.ex()})`],
      [0.3, () => `local r = debug.getregistry() for k, v in pairs(r) do if ${rng.pick(['type(k) == "number"', 'type(k) == "string"', 'type(v) == "table"', 'true'])} then r[k] = ${rng.pick(['nil', '{}', '1', 'r'])} end end`],
      [0.3, () => `debug.getregistry()[${rng.pick(['1', '2', '"_LOADED"', '"_lua_core_runtime"', '3', '"lua_core_host_objects"', '"lua_native_proxy_userdata"', '"lua_core_host_function"', '"lua_native_userdata"'])}] = ${rng.pick(['nil', '{}', '1', 'print'])}`],
      [1, () => `debug.setuservalue(${ud}, ${this.ex()}, ${rng.pick([1, 2, -1])}) debug.getuservalue(${ud}, 1)`],
      // collectgarbage
      [3, () => `collectgarbage(${rng.pick(GC_OPTS)})`],
      // userdata: metatable fields called with forged arguments
      [5, () => `local m = ${rng.pick(['getmetatable', 'debug.getmetatable'])}(${ud}) if type(m) == "table" then for k, f in pairs(m) do if type(f) == "function" then pcall(f, ${forged()}, ${forged()}, ${forged()}) end end end`],
      [3, () => `local m = debug.getmetatable(${ud}) if m and m.__gc then m.__gc(${ud}) m.__gc(${ud}) end local _ = ${ud}.x`],
      [3, () => `${ud}.${rng.pick(['x', 'y', 'nested', '__index'])} = ${this.ex()} ${cb}(${ud}.x, #${ud}, tostring(${ud}), ${ud} == ${this.ud()})`],
      [1, () => `for k, v in pairs(${ud}) do ${cb}(k) end`],
      // misc library edges
      [2, () => `string.format("${rng.pick(['%s', '%q', '%d', '%99.99f', '%c'])}", ${this.ex()})`],
      [2, () => `table.sort({3, 1, 2, 5, 4}, function(a, b) return ${cb}(a, b) end)`],
      [2, () => `string.gsub(string.rep("a", ${Math.min(N, 1000)}), ".", ${cb})`],
      [1, () => `table.concat({${this.ex()}, ${this.ex()}}, ${this.ex()})`],
      [1, () => `utf8.char(${rng.pick(['0x7FFFFFFF', '-1', '0x110000', '1e10'])})`],
      [1, () => `string.pack("${rng.pick(['s4', 'i16', 'z', '!17 i3', 'c1000000'])}", ${this.ex()})`],
      [1, () => `select(${rng.pick(['-1', '0', '1e9', 'math.mininteger'])}, 1)`],
      [2, () => `setmetatable(_G, ${this.mt()})`],
      [1, () => `getmetatable("").__index = ${cb}`],
      [2, () => `require(${rng.pick(['"m1"', '"f_m1"', '"string"', '"nope"', cb])})`],
      [1, () => `package.loaded.m1 = nil package.preload.m2 = ${cb} require("m2")`],
      [1, () => `package.searchers[1] = ${cb} require("zz")`],
      // A Lua stack overflow costs most of a second in stock Lua (the stack
      // grows to a million slots), so the unbounded form only where a limit
      // stops it early; elsewhere a recursion that ends.
      [1, () => (c.bounded ? `local function r(n) return r(n + 1) + 1 end r(1)` : `local function r(n) if n > 5000 then error(n) end return r(n + 1) + 1 end r(1)`)],
      [1, () => `local t = setmetatable({}, {__index = function(t, k) return t[k + 1] end}) local _ = t[1]`],
      [1, () => `do return ${cb}(${this.ex()}) end`],
    ];
    if (c.bounded) {
      kinds.push(
        [2, () => 'while true do end'],
        [1, () => `for i = 1, math.huge do ${cb}(i) end`],
        [1, () => 'table.move({}, 1, 1e12, 2)'],
        [1, () => 'string.find(string.rep("a", 1e6), string.rep("a", 1e3) .. "b", 1, true)'],
        [1, () => 'local t = {} for i = 1, math.huge do t[i] = {} end'],
        [1, () => 'while true do pcall(error, {}) end'],
      );
    }
    if (c.memBounded) kinds.push([1, () => 'local s = "x" while true do s = s .. s end']);
    const s = rng.weighted(kinds)();
    const missing = c.libs && [...s.matchAll(/\b(debug|coroutine|string|table|io|os|package|utf8|math)\./g)].some((m) => !c.libs.includes(m[1]));
    return missing || rng.chance(0.7) ? `pcall(function(...) ${s} end, ${this.ex()})` : s;
  }
  /** A chunk: several statements, maybe a return of hostile values (every function made vararg, so `...` is legal anywhere). */
  chunk(n = this.rng.int(1, 5), ret = this.rng.chance(0.8)) {
    return this.rawChunk(n, ret).map(vararg);
  }
  rawChunk(n, ret) {
    const lines = [];
    for (let i = 0; i < n; i++) lines.push(this.stmt());
    if (ret) {
      const k = this.rng.int(1, 3);
      const vals = [];
      for (let i = 0; i < k; i++) vals.push(this.rng.chance(0.7) ? this.ret() : this.ex());
      lines.push(`return ${vals.join(', ')}`);
    }
    return lines;
  }
  /** A value worth handing to JavaScript: a live function, table Proxy, coroutine, userdata. */
  ret() {
    const { rng } = this;
    return rng.pick([
      `function(...) return ${this.cb()}(...) end`,
      `function(...) ${this.stmt()} return ... end`,
      `setmetatable({x = 1, t = {}}, ${this.mt()})`,
      'setmetatable({}, {__index = function(t, k) return t end})',
      'coroutine.create(function(...) coroutine.yield(...) return ... end)',
      this.ud(),
      this.cb(),
      'io and io.stdout',
      'coroutine.running()',
      'string.dump and string.dump(function() return 1 end)',
    ]);
  }
  /** A chunk that returns a function (create_coroutine's contract). */
  fnChunk() {
    return ['return function(...)', ...this.chunk(this.rng.int(1, 3), false), `${this.cb()}(coroutine.yield(...))`, 'end'];
  }
}
