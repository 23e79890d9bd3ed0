// Async execution (§7) and limits (EVOLUTION A1 maxMemory, A2 maxInstructions, A6 timeout).
import { make, settle, tryIt, SLOW } from './util.mjs';

const A = 'async';
const LIM = 'limits';

function as(id, fn, meta = {}) {
  return { id, area: A, run: (L, env) => fn(make(L, 'all'), L, env), ...meta };
}
function lim(id, evolution, fn, meta = {}) {
  return { id, area: LIM, evolution, run: (L) => fn(L), ...meta };
}
const opts = (L, o, libs = 'all', cb) => new L.init(cb, { libraries: libs, ...o });

const async = [
  as('async.resolves-42', (c) => c.execute_script_async('return 42')),
  as('async.resolves-array', (c) => c.execute_script_async('return 1, "two", true')),
  as('async.resolves-undefined', (c) => c.execute_script_async('local x = 1')),
  as('async.resolves-nil', (c) => c.execute_script_async('return nil')),
  as('async.rejects-runtime', (c) => settle(() => c.execute_script_async("error('boom')"))),
  as('async.rejects-syntax', (c) => settle(() => c.execute_script_async('return +'))),
  as('async.rejects-error-table', (c) => settle(() => c.execute_script_async('error({})')), { differs: 'Appendix B #1' }),
  as('async.callback-refused', (c, L) => settle(() => make(L, 'all', { greet: () => 'hi' }).execute_script_async('return greet()'))),
  as('async.callback-refused-pcall', (c, L) => make(L, 'all', { greet: () => 'hi' }).execute_script_async('return pcall(greet)')),
  as('async.metamethod-refused', (c) => { c.execute_script('T = {}'); c.set_metatable('T', { __call: () => 1 }); return settle(() => c.execute_script_async('return T()')); }),
  as('async.lua-metamethod-works', (c) => c.execute_script_async('local t = setmetatable({}, { __index = function(t, k) return k .. "!" end }) return t.x')),
  as('async.stdlib', (c) => c.execute_script_async('return string.upper("abc"), math.floor(3.7), #table.concat({ "a", "b" })')),
  as('async.tables', (c) => c.execute_script_async('return { a = 1, list = { 1, 2 } }')),
  as('async.is-busy-during-and-after', async (c) => { const p = c.execute_script_async('return 1'); const during = c.is_busy(); let inThen; await p.then(() => { inThen = c.is_busy(); }); return [during, inThen, c.is_busy()]; }),
  as('async.sync-after', async (c) => { await c.execute_script_async('x = 5'); return c.execute_script('return x * 2'); }),
  as('async.busy-execute-script', async (c) => { const p = c.execute_script_async(SLOW); const r = tryIt(() => c.execute_script('return 1')); await p; return r; }),
  as('async.busy-async-sync-throw', async (c) => { const p = c.execute_script_async(SLOW); const r = await settle(() => c.execute_script_async('return 1')); await p; return r; }),
  as('async.busy-every-method', async (c) => {
    const co = c.create_coroutine('return function() end');
    const bytes = c.compile('return 1');
    const p = c.execute_script_async(SLOW);
    const calls = {
      execute_file: () => c.execute_file('./multi.lua'),
      set_global: () => c.set_global('x', 1),
      get_global: () => c.get_global('x'),
      set_userdata: () => c.set_userdata('u', {}),
      set_metatable: () => c.set_metatable('T', {}),
      create_coroutine: () => c.create_coroutine('return function() end'),
      resume: () => c.resume(co),
      execute_file_async: () => c.execute_file_async('./multi.lua'),
      add_search_path: () => c.add_search_path('./?.lua'),
      register_module: () => c.register_module('m', {}),
      compile: () => c.compile('return 1'),
      compile_file: () => c.compile_file('./multi.lua'),
      load_bytecode: () => c.load_bytecode(bytes),
      bad_args: () => c.set_global(),
      is_busy: () => c.is_busy(),
    };
    const out = {};
    for (const [k, f] of Object.entries(calls)) {
      const r = tryIt(f);
      out[k] = 'threw' in r ? r.threw.message : r.ok;
    }
    await p;
    return out;
  }),
  as('async.busy-evolution-methods', async (c) => {
    const p = c.execute_script_async(SLOW);
    const calls = { get_memory_usage: () => c.get_memory_usage(), gc: () => c.gc('count'), info: () => c.info(), reset: () => c.reset(), set_hook: () => c.set_hook(() => {}, { line: true }), remove_hook: () => c.remove_hook() };
    const out = {};
    for (const [k, f] of Object.entries(calls)) {
      const r = tryIt(f);
      out[k] = 'threw' in r ? r.threw.message : r.ok;
    }
    await p;
    return out;
  }, { evolution: 'A1 A3 A4 A5 A7' }),
  as('async.non-string-sync-throw', (c) => settle(() => c.execute_script_async(42))),
  as('async.file-resolves', (c) => c.execute_file_async('./multi.lua')),
  as('async.file-missing-rejects', (c) => settle(() => c.execute_file_async('./nope.lua'))),
  as('async.file-empty-path', (c) => settle(() => c.execute_file_async(''))),
  as('async.file-non-string', (c) => settle(() => c.execute_file_async())),
  as('async.four-contexts', (c, L) => Promise.all([10, 20, 30, 40].map((n) => make(L, ['base']).execute_script_async(`local s = 0 for i = 1, 1000 do s = s + 1 end return ${n}`)))),
  as('async.search-path-after', async (c) => { await c.execute_script_async('return 1'); c.add_search_path('./modules/?.lua'); return c.execute_script('return require("testmod").name'); }),
  as('async.register-module-after', async (c) => { await c.execute_script_async('return 1'); c.register_module('m', { v: 'after' }); return c.execute_script('return require("m").v'); }),
  as('async.returns-function', async (c) => { const f = await c.execute_script_async('return function(x) return x * 2 end'); return f(21); }),
  as('async.returns-proxy', async (c) => { const p = await c.execute_script_async('return setmetatable({ v = 7 }, {})'); return p.v; }),
  as('async.returns-coroutine', async (c) => { const k = await c.execute_script_async('return coroutine.create(function() coroutine.yield("co") end)'); return c.resume(k); }),
  as('async.returns-cyclic', (c) => settle(() => c.execute_script_async('local t = {} t.t = t return t'))),
  as('async.nul-truncates', (c) => c.execute_script_async('return 7\0 error()')),
  as('async.wrapper-while-busy', async (c) => { const f = c.execute_script('return function() return 1 end'); const p = c.execute_script_async(SLOW); const r = tryIt(() => f()); await p; return [r, f()]; }, { differs: 'Appendix B #8' }),
  as('async.proxy-while-busy', async (c) => { const px = c.execute_script('return setmetatable({ x = 1 }, {})'); const p = c.execute_script_async(SLOW); const r = [tryIt(() => px.x), tryIt(() => { px.y = 1; }), tryIt(() => 'x' in px), tryIt(() => Object.keys(px))]; await p; return [r, px.x]; }, { differs: 'Appendix B #8' }),
  as('async.userdata-read', async (c) => { let touched = 0; c.set_userdata('u', { get v() { touched++; return 1; } }, { readable: true }); const r = await settle(() => c.execute_script_async('return u.v')); return [r, touched]; }, { differs: 'Appendix B #9' }),
  as('async.userdata-write-pcall', async (c) => { const o = { v: 1 }; c.set_userdata('u', o, { writable: true }); const r = await c.execute_script_async('return pcall(function() u.v = 2 end)'); return [r[0], o.v]; }, { differs: 'Appendix B #9' }),
  as('async.opaque-userdata-ok', (c) => { c.set_userdata('o', {}); return c.execute_script_async('local x = o return x == o, type(x)'); }),
  as('async.globals-persist', async (c) => { await c.execute_script_async('fromAsync = "yes"'); return c.get_global('fromAsync'); }),
];

const limits = [
  lim('limits.memory-string-rep', 'A1', (L) => opts(L, { maxMemory: 256 * 1024 }).execute_script('return string.rep("x", 1024 * 1024)')),
  lim('limits.memory-table-growth', 'A1', (L) => opts(L, { maxMemory: 256 * 1024 }).execute_script('local t = {} for i = 1, 1e6 do t[i] = i end')),
  lim('limits.memory-usable-after', 'A1', (L) => { const c = opts(L, { maxMemory: 256 * 1024 }); tryIt(() => c.execute_script('return string.rep("x", 1024 * 1024)')); return c.execute_script('return 42'); }),
  lim('limits.memory-pcall', 'A1', (L) => opts(L, { maxMemory: 256 * 1024 }).execute_script('return pcall(string.rep, "x", 1024 * 1024)')),
  lim('limits.memory-small-ok', 'A1', (L) => opts(L, { maxMemory: 1024 * 1024 }).execute_script('local t = {} for i = 1, 100 do t[i] = i end return #t')),
  lim('limits.memory-zero-unlimited', 'A1', (L) => opts(L, { maxMemory: 0 }).execute_script('return #string.rep("x", 4 * 1024 * 1024)')),
  lim('limits.memory-usage', 'A1', (L) => { const c = opts(L, {}); const a = c.get_memory_usage(); c.execute_script('big = string.rep("x", 100000)'); const b = c.get_memory_usage(); return [typeof a, a > 0, b > a]; }),
  lim('limits.memory-callbacks-ok', 'A1', (L) => opts(L, { maxMemory: 1024 * 1024 }, 'all', { f: (x) => x + 1 }).execute_script('return f(1)')),
  lim('limits.memory-negative', 'A1', (L) => opts(L, { maxMemory: -5 })),
  lim('limits.memory-string-value', 'A1', (L) => opts(L, { maxMemory: '1MB' })),
  lim('limits.memory-fraction', 'A1', (L) => opts(L, { maxMemory: 1048576.7 }).info().memoryLimit),
  lim('limits.instructions-loop', 'A2', (L) => opts(L, { maxInstructions: 100000 }).execute_script('while true do end')),
  lim('limits.instructions-sum-completes', 'A2', (L) => opts(L, { maxInstructions: 100000 }).execute_script('local s = 0 for i = 1, 100 do s = s + i end return s')),
  lim('limits.instructions-per-call', 'A2', (L) => { const c = opts(L, { maxInstructions: 200000 }); const out = []; for (let i = 0; i < 5; i++) out.push(c.execute_script('local s = 0 for i = 1, 20000 do s = s + i end return s')); return out; }),
  lim('limits.instructions-pcall', 'A2', (L) => opts(L, { maxInstructions: 100000 }).execute_script('local ok, e = pcall(function() while true do end end) return ok, e'), { differs: 'Issue 5, No escape: once a limit trips it is raised again on every instruction until control is back in the host, so pcall cannot swallow it (the original let pcall catch it and run on)' }),
  lim('limits.instructions-pcall-no-refresh', 'A2', (L) => opts(L, { maxInstructions: 100000 }).execute_script('pcall(function() while true do end end) while true do end')),
  lim('limits.instructions-usable-after', 'A2', (L) => { const c = opts(L, { maxInstructions: 100000 }); tryIt(() => c.execute_script('while true do end')); return c.execute_script('return "ok"'); }),
  lim('limits.instructions-coroutine', 'A2', (L) => { const c = opts(L, { maxInstructions: 100000 }); return c.resume(c.create_coroutine('return function() while true do end end')); }),
  lim('limits.instructions-wrapper', 'A2', (L) => { const c = opts(L, { maxInstructions: 100000 }); const f = c.execute_script('return function() while true do end end'); return f(); }),
  lim('limits.instructions-zero-unlimited', 'A2', (L) => opts(L, { maxInstructions: 0 }).execute_script('local s = 0 for i = 1, 2e6 do s = s + 1 end return s')),
  lim('limits.instructions-negative', 'A2', (L) => opts(L, { maxInstructions: -1 })),
  lim('limits.instructions-string', 'A2', (L) => opts(L, { maxInstructions: '100' })),
  lim('limits.instructions-async', 'A2', (L) => settle(() => opts(L, { maxInstructions: 100000 }).execute_script_async('while true do end'))),
  lim('limits.timeout-loop', 'A6', (L) => opts(L, { timeout: 50 }).execute_script('while true do end')),
  lim('limits.timeout-fast-completes', 'A6', (L) => opts(L, { timeout: 1000 }).execute_script('return 1 + 1')),
  lim('limits.timeout-pcall', 'A6', (L) => opts(L, { timeout: 30 }).execute_script('return pcall(function() while true do end end)'), { differs: 'Issue 5, No escape: once a limit trips it is raised again on every instruction until control is back in the host, so pcall cannot swallow it (the original let pcall catch it and run on)' }),
  lim('limits.timeout-usable-after', 'A6', (L) => { const c = opts(L, { timeout: 30 }); tryIt(() => c.execute_script('while true do end')); return c.execute_script('return "ok"'); }),
  lim('limits.timeout-async', 'A6', (L) => settle(() => opts(L, { timeout: 30 }).execute_script_async('while true do end'))),
  lim('limits.timeout-negative', 'A6', (L) => opts(L, { timeout: -1 })),
  lim('limits.timeout-string', 'A6', (L) => opts(L, { timeout: 'fast' })),
  lim('limits.both-instructions-win', 'A2 A6', (L) => opts(L, { maxInstructions: 10000, timeout: 5000 }).execute_script('while true do end')),
  lim('limits.both-time-wins', 'A2 A6', (L) => opts(L, { maxInstructions: 1e12, timeout: 30 }).execute_script('while true do end')),
  lim('limits.codes', 'A1 A2 A6', (L) => {
    const code = (fn) => { try { fn(); return 'no throw'; } catch (e) { return e.code; } };
    return [code(() => opts(L, { maxMemory: 256 * 1024 }).execute_script('return string.rep("x", 1024 * 1024)')), code(() => opts(L, { maxInstructions: 1000 }).execute_script('while true do end')), code(() => opts(L, { timeout: 20 }).execute_script('while true do end'))];
  }, { differs: 'DECISIONS 2 (code)' }),
];

export default [...async, ...limits];
