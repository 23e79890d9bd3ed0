// gc (A3), reset (A4), hooks (A5), info (A7), shared tables (A9), dispose (B22),
// the standard library (§9, checklist K) and the 'safe'/'sandbox' presets (DECISIONS 9, B12).
import fs from 'node:fs';
import path from 'node:path';
import { make, settle, tryIt } from './util.mjs';

function area(name, evolution) {
  return (id, fn, meta = {}) => ({ id, area: name, ...(evolution ? { evolution } : {}), run: (L, env) => fn(make(L, 'all'), L, env), ...meta });
}
const gc = area('gc', 'A3');
const reset = area('reset', 'A4');
const hooks = area('hooks', 'A5');
const info = area('info', 'A7');
const shared = area('shared', 'A9');
const dispose = area('dispose', 'B22');
const std = area('stdlib');
const sb = area('sandbox');

const gcCases = [
  gc('gc.collect', (c) => c.gc('collect')),
  gc('gc.count', (c) => { const n = c.gc('count'); return [typeof n, n > 0]; }),
  gc('gc.count-matches-lua', (c) => { c.gc('stop'); const a = c.gc('count'); const b = c.execute_script('return collectgarbage("count")'); return Math.abs(a - b) < 4; }),
  gc('gc.isrunning', (c) => c.gc('isrunning')),
  gc('gc.stop-restart', (c) => { const r = [c.gc('stop'), c.gc('isrunning')]; r.push(c.gc('restart'), c.gc('isrunning')); return r; }),
  gc('gc.step', (c) => typeof c.gc('step')),
  gc('gc.step-size', (c) => typeof c.gc('step', 100)),
  gc('gc.step-negative', (c) => c.gc('step', -1)),
  gc('gc.step-non-number', (c) => c.gc('step', 'big')),
  gc('gc.modes', (c) => [c.gc('generational'), c.gc('incremental'), c.gc('incremental')]),
  gc('gc.generational-usable', (c) => { c.gc('generational'); return c.execute_script('local t = {} for i = 1, 1000 do t[i] = { i } end collectgarbage() return #t'); }),
  gc('gc.param-read', (c) => { const v = c.gc('param', 'pause'); return [typeof v, v === c.gc('param', 'pause')]; }),
  gc('gc.param-write', (c) => { const old = c.gc('param', 'stepmul', 300); return [typeof old, c.gc('param', 'stepmul')]; }),
  gc('gc.param-names', (c) => ['minormul', 'majorminor', 'minormajor', 'pause', 'stepmul', 'stepsize'].map((n) => typeof c.gc('param', n))),
  gc('gc.param-unknown', (c) => c.gc('param', 'bogus'), { differs: 'issue 16: a bad parameter name is a RangeError (still an Error)' }),
  gc('gc.param-range', (c) => c.gc('param', 'pause', 200000)),
  gc('gc.param-negative', (c) => c.gc('param', 'pause', -5)),
  gc('gc.param-non-number', (c) => c.gc('param', 'pause', 'x')),
  gc('gc.param-no-name', (c) => c.gc('param')),
  gc('gc.no-command', (c) => c.gc()),
  gc('gc.non-string-command', (c) => c.gc(5)),
  gc('gc.unknown-command', (c) => c.gc('bogus'), { differs: 'issue 16: a bad command is a RangeError (still an Error)' }),
  gc('gc.runs-finalizers', (c) => { c.execute_script('n = 0 do local x = setmetatable({}, { __gc = function() n = n + 1 end }) end'); c.gc('collect'); return c.get_global('n'); }),
  gc('gc.reclaims', (c) => { c.execute_script('big = {} for i = 1, 50000 do big[i] = { i } end'); const before = c.gc('count'); c.execute_script('big = nil'); c.gc('collect'); return c.gc('count') < before; }),
  gc('gc.from-callback', (c) => { let r; c.set_global('collect', () => { r = c.gc('collect'); return 'ok'; }); return [c.execute_script('return collect()'), r]; }),
  gc('gc.bare-state', (c, L) => { const b = make(L); return [b.gc('collect'), typeof b.gc('count'), b.gc('isrunning')]; }),
  gc('gc.memory-limit-while-stopped', (c, L) => { const k = new L.init(undefined, { libraries: 'all', maxMemory: 512 * 1024 }); k.gc('stop'); return k.execute_script('local s = 0 for i = 1, 200 do local t = string.rep("x", 10000) s = s + #t end return s'); }),
];

const resetCases = [
  reset('reset.clears-globals', (c) => { c.execute_script('fromLua = 1'); c.set_global('fromJs', 2); c.reset(); return c.execute_script('return fromLua, fromJs'); }),
  reset('reset.returns-undefined', (c) => c.reset()),
  reset('reset.replays-constructor-callbacks', (c, L) => { const k = new L.init({ f: () => 'cb', v: 5 }, { libraries: ['base'] }); k.reset(); return k.execute_script('return f(), v, type(print)'); }),
  reset('reset.keeps-libraries', (c, L) => { const k = new L.init(undefined, { libraries: 'safe' }); k.reset(); return k.execute_script('return type(io), type(string)'); }),
  reset('reset.replays-search-path', (c) => { c.add_search_path('./modules/?.lua'); c.reset(); return c.execute_script('return require("testmod").name'); }),
  reset('reset.clears-modules', (c) => { c.register_module('m', { v: 1 }); c.reset(); return c.execute_script('return (pcall(require, "m"))'); }),
  reset('reset.clears-metatables', (c) => { c.execute_script('T = {}'); c.set_metatable('T', { __index: () => 1 }); c.reset(); return c.execute_script('return T'); }),
  reset('reset.clears-userdata', (c) => { c.set_userdata('u', {}); c.reset(); return c.execute_script('return u'); }),
  reset('reset.stale-function', (c) => { const f = c.execute_script('return function() return 1 end'); c.reset(); return f(); }),
  reset('reset.stale-proxy', (c) => { const p = c.execute_script('return setmetatable({ x = 1 }, {})'); c.reset(); return [tryIt(() => p.x), tryIt(() => { p.y = 1; }), tryIt(() => Object.keys(p))]; }),
  reset('reset.stale-coroutine', (c) => { const k = c.create_coroutine('return function() coroutine.yield() end'); c.reset(); return c.resume(k); }),
  reset('reset.keeps-limits', (c, L) => { const k = new L.init(undefined, { libraries: 'all', maxInstructions: 10000 }); k.reset(); return [tryIt(() => k.execute_script('while true do end')), k.info().maxInstructions]; }),
  reset('reset.repeated', (c) => { for (let i = 0; i < 5; i++) { c.execute_script(`x${i} = ${i}`); c.reset(); } return c.execute_script('return x0, x4, 1 + 1'); }),
  reset('reset.from-callback', (c) => { c.set_global('doReset', () => c.reset()); return c.execute_script('doReset()'); }),
  reset('reset.while-busy', async (c) => { const p = c.execute_script_async('local x = 0 for i = 1, 1e7 do x = x + 1 end return x'); const r = tryIt(() => c.reset()); await p; return r; }),
  reset('reset.info-same', (c, L) => { const k = new L.init(undefined, { libraries: ['base', 'math'], maxMemory: 1 << 22, timeout: 500 }); const a = k.info(); k.reset(); const b = k.info(); return [a.libraries, b.libraries, a.memoryLimit === b.memoryLimit, a.timeout === b.timeout]; }),
  reset('reset.gc-not-preserved', (c) => { c.gc('stop'); c.reset(); return c.gc('isrunning'); }),
];

const hookCases = [
  hooks('hooks.lines', (c) => { const ev = []; c.set_hook((e, line) => ev.push([e, line]), { line: true }); c.execute_script('local a = 1\nlocal b = 2\nreturn a + b'); c.remove_hook(); return ev; }),
  hooks('hooks.call-return', (c) => { const ev = []; c.execute_script('function named() return 1 end'); c.set_hook((e, line, name) => { if (name === 'named') ev.push(e); }, { call: true, return: true }); c.execute_script('named() named()'); c.remove_hook(); return ev; }),
  hooks('hooks.tail-call', (c) => { const ev = []; c.execute_script('function inner() return 1 end function outer() return inner() end'); c.set_hook((e, line, name) => ev.push([e, name]), { call: true, return: true }); c.execute_script('outer()'); c.remove_hook(); return ev.filter(([e, n]) => n === 'outer' || e === 'tail call' || n === 'inner'); }),
  hooks('hooks.count', (c) => { let n = 0; c.set_hook(() => { n++; }, { count: 100 }); c.execute_script('local s = 0 for i = 1, 10000 do s = s + i end'); c.remove_hook(); return n > 50 && n < 1000; }),
  hooks('hooks.results-undisturbed', (c) => { c.set_hook(() => {}, { line: true, call: true, return: true, count: 1 }); return c.execute_script('local t = {} for i = 1, 3 do t[i] = i end return t, "x"'); }),
  hooks('hooks.errors-intact', (c) => { c.set_hook(() => {}, { line: true }); return c.execute_script("error('through hook')"); }),
  hooks('hooks.throwing-hook-swallowed', (c) => { c.set_hook(() => { throw new Error('hook threw'); }, { line: true }); return c.execute_script('return "fine"'); }),
  hooks('hooks.remove-stops', (c) => { let n = 0; c.set_hook(() => { n++; }, { line: true }); c.execute_script('local a = 1'); const first = n; c.remove_hook(); c.execute_script('local a = 1\nlocal b = 2'); return [first > 0, n === first]; }),
  hooks('hooks.remove-noop', (c) => [c.remove_hook(), c.remove_hook()]),
  hooks('hooks.remove-inside', (c) => { let n = 0; c.set_hook(() => { n++; c.remove_hook(); }, { line: true }); c.execute_script('local a = 1\nlocal b = 2\nlocal c = 3'); return n; }),
  hooks('hooks.no-function', (c) => c.set_hook(5, { line: true })),
  hooks('hooks.no-options', (c) => c.set_hook(() => {})),
  hooks('hooks.array-options', (c) => c.set_hook(() => {}, [])),
  hooks('hooks.count-zero', (c) => c.set_hook(() => {}, { count: 0 })),
  hooks('hooks.count-fraction', (c) => c.set_hook(() => {}, { count: 1.5 })),
  hooks('hooks.count-string', (c) => c.set_hook(() => {}, { count: '5' })),
  hooks('hooks.nothing-requested', (c) => c.set_hook(() => {}, {})),
  hooks('hooks.limit-still-enforced', (c, L) => { const k = new L.init(undefined, { libraries: 'all', maxInstructions: 50000 }); k.set_hook(() => {}, { line: true }); return k.execute_script('while true do end'); }),
  hooks('hooks.reentrant', (c) => { let inner; c.set_hook(() => { c.remove_hook(); inner = c.execute_script('return 6 * 7'); }, { line: true }); c.execute_script('local a = 1'); return inner; }),
  hooks('hooks.c-function-line', (c) => { const ev = []; c.set_hook((e, line, name) => { if (name === 'tostring') ev.push([e, line]); }, { call: true }); c.execute_script('tostring(1)'); c.remove_hook(); return ev; }),
];

const infoCases = [
  info('info.versions', (c) => { const i = c.info(); return [i.version, i.versionNumber, typeof i.release, /^Lua 5\.5\.\d+$/.test(i.release)]; }),
  info('info.keys', (c) => Object.keys(c.info()).sort()),
  info('info.memory', (c) => { const i = c.info(); return [i.memoryBytes === c.get_memory_usage(), i.memoryKB === i.memoryBytes / 1024]; }),
  info('info.limits-unset', (c) => { const i = c.info(); return [i.memoryLimit, i.maxInstructions, i.timeout]; }),
  info('info.limits-set', (c, L) => { const i = new L.init(undefined, { maxMemory: 1 << 20, maxInstructions: 5000, timeout: 250 }).info(); return [i.memoryLimit, i.maxInstructions, i.timeout]; }),
  info('info.libraries-all', (c) => c.info().libraries),
  info('info.libraries-safe', (c, L) => new L.init(undefined, { libraries: 'safe' }).info().libraries),
  info('info.libraries-sandbox', (c, L) => new L.init(undefined, { libraries: 'sandbox' }).info().libraries, { evolution: 'A7 B12' }),
  info('info.libraries-list', (c, L) => new L.init(undefined, { libraries: ['math', 'base', 'string'] }).info().libraries),
  info('info.libraries-bare', (c, L) => new L.init().info().libraries),
  info('info.binding-refs-bare', (c, L) => { const r = new L.init().info().bindingRefs; return [Object.keys(r).sort(), r.total]; }),
  info('info.binding-refs-total', (c, L) => { const k = new L.init({ a: () => 1, b: () => 2 }); k.set_userdata('u', {}); const r = k.info().bindingRefs; const sum = Object.entries(r).filter(([n]) => n !== 'total').reduce((s, [, v]) => s + v, 0); return [r.total === sum, r.total > 0]; }),
  info('info.plain-object', (c) => { const i = c.info(); return [Object.getPrototypeOf(i) === Object.prototype, i !== c.info()]; }),
];

const sharedCases = [
  shared('shared.initial-published', (c, L) => { const t = L.createSharedTable({ a: 1, nested: { b: 2 } }); const k = new L.init(undefined, { libraries: ['base'], shared: { cfg: t } }); return k.execute_script('return cfg.a, cfg.nested.b'); }),
  shared('shared.two-contexts', (c, L) => { const t = L.createSharedTable({ v: 'x' }); const a = new L.init(undefined, { shared: { s: t } }); const b = new L.init(undefined, { shared: { other: t } }); return [a.execute_script('return s.v'), b.execute_script('return other.v')]; }),
  shared('shared.set-propagates', (c, L) => { const t = L.createSharedTable({ v: 1 }); const a = new L.init(undefined, { shared: { s: t } }); t.set('v', 2); t.set('w', 'new'); return [a.execute_script('return s.v, s.w'), t.get('v')]; }),
  shared('shared.sync', (c, L) => { const obj = { v: 1 }; const t = L.createSharedTable(obj); const a = new L.init(undefined, { shared: { s: t } }); obj.v = 5; const before = a.execute_script('return s.v'); t.sync(); return [before, a.execute_script('return s.v')]; }),
  shared('shared.holds-object', (c, L) => { const obj = { inner: { x: 1 } }; const t = L.createSharedTable(obj); return t.get('inner') === obj.inner; }),
  shared('shared.default-empty', (c, L) => { const t = L.createSharedTable(); const a = new L.init(undefined, { libraries: ['base'], shared: { s: t } }); return a.execute_script('return type(s), next(s) == nil'); }),
  shared('shared.array', (c, L) => { const t = L.createSharedTable([1, 2, 3]); const a = new L.init(undefined, { shared: { s: t } }); return a.execute_script('return #s, s[3]'); }),
  shared('shared.function-value', (c, L) => { const t = L.createSharedTable({ f: (x) => x * 2 }); const a = new L.init(undefined, { shared: { s: t } }); return a.execute_script('return s.f(21)'); }),
  shared('shared.lua-edits-local', (c, L) => { const t = L.createSharedTable({ v: 1 }); const a = new L.init(undefined, { shared: { s: t } }); const b = new L.init(undefined, { shared: { s: t } }); a.execute_script('s.v = 99'); return [a.execute_script('return s.v'), b.execute_script('return s.v'), t.get('v')]; }),
  shared('shared.late-subscriber', (c, L) => { const t = L.createSharedTable({ v: 1 }); t.set('v', 3); return new L.init(undefined, { shared: { s: t } }).execute_script('return s.v'); }),
  shared('shared.reset-republishes', (c, L) => { const t = L.createSharedTable({ v: 'shared' }); const a = new L.init(undefined, { shared: { s: t } }); a.execute_script('s = nil'); a.reset(); return a.execute_script('return s.v'); }),
  shared('shared.bad-initial', (c, L) => L.createSharedTable(5)),
  shared('shared.bad-get-key', (c, L) => L.createSharedTable({}).get(5)),
  shared('shared.bad-set-key', (c, L) => L.createSharedTable({}).set(5, 1)),
  shared('shared.bad-option', (c, L) => new L.init(undefined, { shared: 5 })),
  shared('shared.option-entry-not-table', (c, L) => new L.init(undefined, { shared: { x: 5 } })),
  shared('shared.option-is-table', (c, L) => new L.init(undefined, { shared: L.createSharedTable({}) })),
  shared('shared.option-array', (c, L) => new L.init(undefined, { shared: [] })),
  shared('shared.option-undefined', (c, L) => new L.init(undefined, { shared: undefined }).execute_script('return 1')),
  shared('shared.forged', (c, L) => new L.init(undefined, { shared: { s: Object.create(Object.getPrototypeOf(L.createSharedTable({}))) } })),
  shared('shared.busy-subscriber', async (c, L) => { const t = L.createSharedTable({ v: 1 }); const a = new L.init(undefined, { shared: { s: t } }); const b = new L.init(undefined, { shared: { s: t } }); const p = a.execute_script_async('local x = 0 for i = 1, 1e7 do x = x + 1 end return x'); const r = tryIt(() => t.set('v', 2)); await p; return [r, b.execute_script('return s.v'), a.execute_script('return s.v')]; }),
];

const CLOSED = (c) => tryIt(() => c.execute_script('return 1'));
const disposeCases = [
  dispose('dispose.returns-undefined', (c) => [c.dispose(), c.dispose()]),
  dispose('dispose.execute-after', (c) => { c.dispose(); return c.execute_script('return 1'); }),
  dispose('dispose.methods-after', (c) => {
    const co = c.create_coroutine('return function() end');
    const bytes = c.compile('return 1');
    c.dispose();
    const calls = {
      execute_file: () => c.execute_file('./multi.lua'), set_global: () => c.set_global('x', 1), get_global: () => c.get_global('x'), set_userdata: () => c.set_userdata('u', {}), set_metatable: () => c.set_metatable('T', {}), create_coroutine: () => c.create_coroutine('return function() end'), resume: () => c.resume(co), add_search_path: () => c.add_search_path('./?.lua'), register_module: () => c.register_module('m', {}), compile: () => c.compile('return 1'), compile_file: () => c.compile_file('./multi.lua'), load_bytecode: () => c.load_bytecode(bytes), get_memory_usage: () => c.get_memory_usage(), gc: () => c.gc('collect'), set_hook: () => c.set_hook(() => {}, { line: true }), remove_hook: () => c.remove_hook(), info: () => c.info(), reset: () => c.reset(), is_busy: () => c.is_busy(),
    };
    const out = {};
    for (const [k, f] of Object.entries(calls)) {
      const r = tryIt(f);
      out[k] = 'threw' in r ? r.threw.message : r.ok;
    }
    return out;
  }),
  dispose('dispose.async-after', (c) => { c.dispose(); return tryIt(() => c.execute_script_async('return 1')); }),
  dispose('dispose.stale-function', (c) => { const f = c.execute_script('return function() return 1 end'); c.dispose(); return f(); }),
  dispose('dispose.stale-proxy', (c) => { const p = c.execute_script('return setmetatable({ x = 1 }, {})'); c.dispose(); return p.x; }),
  dispose('dispose.stale-coroutine-other-context', (c, L) => { const k = c.create_coroutine('return function() end'); c.dispose(); return make(L, 'all').resume(k); }),
  dispose('dispose.runs-finalizers', (c) => { let n = 0; c.set_global('note', () => { n++; }); c.execute_script('keep = setmetatable({}, { __gc = function() note() end })'); c.dispose(); return n; }, { differs: 'Appendix B #11' }),
  dispose('dispose.lua-finalizers-run', (c) => { const o = { ran: false }; c.set_userdata('flag', o, { writable: true }); c.execute_script('keep = setmetatable({}, { __gc = function() flag.ran = true end })'); c.dispose(); return o.ran; }, { differs: 'Appendix B #11' }),
  dispose('dispose.from-callback', (c) => { c.set_global('kill', () => c.dispose()); return [tryIt(() => c.execute_script('kill()')), CLOSED(c)]; }),
  dispose('dispose.while-busy', async (c) => { const p = c.execute_script_async('local x = 0 for i = 1, 1e7 do x = x + 1 end return x'); const r = tryIt(() => c.dispose()); return [r, await settle(() => p)]; }, { differs: 'UNLISTED: dispose() during an async run cancels the run (README "Stopping a run"); the original refuses with the busy error' }),
  dispose('dispose.other-contexts-unaffected', (c, L) => { const other = make(L, 'all'); c.dispose(); return other.execute_script('return "alive"'); }),
  dispose('dispose.code', (c) => { c.dispose(); try { c.execute_script('return 1'); } catch (e) { return e.code; } return 'no throw'; }, { differs: 'DECISIONS 2 (code)' }),
];

const stdCases = [
  std('stdlib.string-functions', (c) => c.execute_script('return string.upper("hello"), string.len("hello"), string.sub("hello", 2, 4), ("x"):rep(3, ",")')),
  std('stdlib.table-sort', (c) => c.execute_script('local t = { 5, 2, 8, 1, 9 } table.sort(t) return t')),
  std('stdlib.table-sort-comparator', (c) => c.execute_script('local t = { "b", "c", "a" } table.sort(t, function(a, b) return a > b end) return t')),
  std('stdlib.table-concat-unpack', (c) => c.execute_script('return table.concat({ 1, 2, 3 }, "-"), select("#", table.unpack({ 1, 2, nil, 4 }, 1, 4))')),
  std('stdlib.math', (c) => c.execute_script('return math.abs(-5), math.floor(3.7), math.ceil(3.2), math.max(1, 9, 3), math.min(4, 2, 8), math.fmod(7, 3), math.sqrt(16), math.ult(1, -1)')),
  std('stdlib.os-time', (c) => Math.abs(c.execute_script('return os.time()') - Date.now() / 1000) < 3),
  std('stdlib.os-date-fixed', (c) => c.execute_script('return os.date("!%Y-%m-%d %H:%M:%S", 0)')),
  std('stdlib.pairs-sum', (c) => c.execute_script('local s = 0 for k, v in pairs({ a = 1, b = 2, c = 3 }) do s = s + v end return s')),
  std('stdlib.ipairs-sum', (c) => c.execute_script('local s = 0 for i, v in ipairs({ 10, 20, 30 }) do s = s + v end return s')),
  std('stdlib.string-format', (c) => c.execute_script('return string.format("%5.2f|%d|%s|%x|%q", 3.14159, 42, "s", 255, "q")')),
  std('stdlib.string-patterns', (c) => c.execute_script('return ("key=value"):match("(%w+)=(%w+)"), ("a,b,c"):gsub(",", ";"), ("hello"):find("l")')),
  std('stdlib.utf8', (c) => c.execute_script('return utf8.char(72, 233, 0x4E2D), utf8.len("héllo"), utf8.codepoint("é"), utf8.charpattern')),
  std('stdlib.utf8-invalid', (c) => c.execute_script('return utf8.len("\\255abc")')),
  std('stdlib.tostring-tonumber', (c) => c.execute_script('return tostring(nil), tostring(true), tonumber("0x1F"), tonumber("z", 36), tonumber("nope"), tonumber("10", 2)')),
  std('stdlib.load-text', (c) => c.execute_script('local f = load("return 1 + ...") return f(41)')),
  std('stdlib.load-syntax-error', (c) => c.execute_script('return load("return +")')),
  std('stdlib.load-env', (c) => c.execute_script('local f = load("return x", "chunk", "t", { x = "env" }) return f()')),
  std('stdlib.select-negative', (c) => c.execute_script('return select(-1, "a", "b", "c")')),
  std('stdlib.rawops', (c) => c.execute_script('local t = setmetatable({}, { __index = function() return "mt" end }) return t.x, rawget(t, "x"), rawlen({ 1, 2 }), rawequal(t, t)')),
  std('stdlib.string-byte-char', (c) => c.execute_script('return string.byte("ABC", 1, -1)')),
  std('stdlib.integer-division-lib', (c) => c.execute_script('return math.type(3 // 1), math.type(3.0 // 1), 7 // -2, 7 % -2')),
  std('stdlib.collectgarbage', (c) => c.execute_script('return type(collectgarbage("count")), collectgarbage("isrunning"), collectgarbage("step")')),
  std('stdlib.debug-getinfo', (c) => c.execute_script('local i = debug.getinfo(1, "Sl") return i.short_src, i.currentline, i.what')),
  std('stdlib.io-write-tmpfile', (c) => c.execute_script('local f = io.tmpfile() f:write("a", 1, 2.5) f:seek("set") local s = f:read("a") f:close() return s, io.type(f)')),
  std('stdlib.coroutine-lib', (c) => c.execute_script('local co = coroutine.create(function(a) local b = coroutine.yield(a + 1) return b * 2 end) local r1 = { coroutine.resume(co, 1) } local r2 = { coroutine.resume(co, 10) } return r1, r2, coroutine.status(co)')),
  std('stdlib.string-dump-safe', (c, L) => make(L, 'safe').execute_script('return type(string.dump)')),
  std('stdlib.next-empty', (c) => c.execute_script('return next({})')),
  std('stdlib.math-random-range', (c) => c.execute_script('math.randomseed(42) local ok = true for i = 1, 100 do local r = math.random(1, 6) if r < 1 or r > 6 then ok = false end end return ok')),
];

const sandboxCases = [
  sb('sandbox.safe-loadlib', (c, L) => make(L, 'safe').execute_script('return type(package.loadlib), package.loadlib and select("#", package.loadlib("/nonexistent.so", "f"))'), { differs: 'DECISIONS 9' }),
  sb('sandbox.safe-loadlib-call', (c, L) => make(L, 'safe').execute_script('if not package.loadlib then return "absent" end return package.loadlib("/nonexistent.so", "luaopen_x")'), { differs: 'DECISIONS 9' }),
  sb('sandbox.safe-searchers', (c, L) => make(L, 'safe').execute_script('return #package.searchers'), { differs: 'DECISIONS 9' }),
  sb('sandbox.all-searchers', (c, L) => make(L, 'all').execute_script('return #package.searchers')),
  sb('sandbox.safe-load-binary', (c, L) => make(L, 'safe').execute_script('return load(string.dump(function() return 1 end))'), { differs: 'DECISIONS 9' }),
  sb('sandbox.safe-load-binary-mode-b', (c, L) => make(L, 'safe').execute_script('return load(string.dump(function() return 1 end), "x", "b")'), { differs: 'DECISIONS 9' }),
  sb('sandbox.safe-load-text', (c, L) => make(L, 'safe').execute_script('return load("return 5")()')),
  sb('sandbox.safe-require-bytecode', (c, L, env) => { fs.writeFileSync(path.join(env.tmp, 'bcmod.lua'), c.compile('return { from = "bytecode" }')); const k = make(L, 'safe'); k.add_search_path(path.join(env.tmp, '?.lua')); return k.execute_script('local ok, e = pcall(require, "bcmod") return ok, type(e) == "table" and e.from or e'); }, { differs: 'DECISIONS 9' }),
  sb('sandbox.all-require-bytecode', (c, L, env) => { fs.writeFileSync(path.join(env.tmp, 'bcmod2.lua'), c.compile('return { from = "bytecode" }')); c.add_search_path(path.join(env.tmp, '?.lua')); return c.execute_script('return require("bcmod2").from'); }),
  sb('sandbox.safe-dofile-bytecode', (c, L, env) => { const p = path.join(env.tmp, 'bc.luac'); fs.writeFileSync(p, c.compile('return "ran bytecode"')); return make(L, 'safe').execute_script(`return pcall(dofile, ${JSON.stringify(p)})`); }, { differs: 'DECISIONS 9' }),
  sb('sandbox.safe-loadfile-bytecode', (c, L, env) => { const p = path.join(env.tmp, 'bc2.luac'); fs.writeFileSync(p, c.compile('return "ran bytecode"')); return make(L, 'safe').execute_script(`return loadfile(${JSON.stringify(p)})`); }, { differs: 'DECISIONS 9' }),
  sb('sandbox.safe-dofile-text', (c, L) => make(L, 'safe').execute_script('return dofile("./multi.lua")')),
  sb('sandbox.safe-execute-file-bytecode', (c, L, env) => { const p = path.join(env.tmp, 'host.luac'); fs.writeFileSync(p, c.compile('return "host file door"')); return make(L, 'safe').execute_file(p); }),
  sb('sandbox.sandbox-globals', (c, L) => make(L, 'sandbox').execute_script('return type(package), type(require), type(loadfile), type(dofile), type(load), type(io), type(os), type(debug), type(string), type(math)'), { evolution: 'B12', differs: 'DECISIONS 9 / EVOLUTION B12' }),
  sb('sandbox.sandbox-load-binary', (c, L) => make(L, 'sandbox').execute_script('return load(string.dump(function() return 1 end))'), { evolution: 'B12', differs: 'DECISIONS 9 / EVOLUTION B12' }),
  sb('sandbox.sandbox-register-module', (c, L) => make(L, 'sandbox').register_module('m', {}), { evolution: 'B12', differs: 'DECISIONS 9 / EVOLUTION B12' }),
  sb('sandbox.sandbox-reset-keeps-seal', (c, L) => { const k = make(L, 'sandbox'); k.reset(); return k.execute_script('return type(loadfile), type(dofile), type(package)'); }, { evolution: 'B12' }),
  sb('sandbox.sandbox-in-array-refused', (c, L) => new L.init(undefined, { libraries: ['sandbox'] })),
  sb('sandbox.sandbox-limits-demo', (c, L) => { const k = new L.init(undefined, { libraries: 'sandbox', maxInstructions: 100000, maxMemory: 1 << 20 }); return [tryIt(() => k.execute_script('while true do end')), tryIt(() => k.execute_script('local t = {} for i = 1, 1e7 do t[i] = i end')), k.execute_script('return "still alive"')]; }, { evolution: 'A1 A2 B12' }),
];

const lifetime = area('lifetime');
async function settleGc(rounds = 8) {
  for (let i = 0; i < rounds; i++) {
    if (globalThis.gc) globalThis.gc();
    await new Promise((r) => setImmediate(r));
  }
}
const lifetimeCases = [
  lifetime('lifetime.wrappers-released', async (c) => {
    // 200 closures each holding a distinct 50 KB string: ~10 MB while the JS wrappers live.
    const make = c.execute_script('return function(i) local big = string.rep(string.char(65 + i % 26), 50000) .. i return function() return #big end end');
    c.gc('collect');
    const base = c.get_memory_usage();
    let held = [];
    for (let i = 0; i < 200; i++) held.push(make(i));
    const peak = c.get_memory_usage();
    held = null;
    let after = peak;
    for (let round = 0; round < 10 && after > base + 2e6; round++) {
      await settleGc();
      c.gc('collect');
      after = c.get_memory_usage();
    }
    return [peak > base + 8e6, after < base + 2e6];
  }, { differs: 'DECISIONS 8', evolution: 'A1 A3 (used to measure)' }),
  lifetime('lifetime.proxies-released', async (c) => {
    c.gc('collect');
    const base = c.get_memory_usage();
    let held = [];
    for (let i = 0; i < 100; i++) held.push(c.execute_script(`return setmetatable({ s = string.rep("x", 100000) .. ${i} }, {})`));
    const peak = c.get_memory_usage();
    held = null;
    let after = peak;
    for (let round = 0; round < 10 && after > base + 2e6; round++) {
      await settleGc();
      c.gc('collect');
      after = c.get_memory_usage();
    }
    return [peak > base + 8e6, after < base + 2e6];
  }, { differs: 'DECISIONS 8', evolution: 'A1 A3 (used to measure)' }),
  lifetime('lifetime.proxy-keeps-context', async (c, L) => {
    let p = (() => make(L, 'all').execute_script('return setmetatable({ v = 7 }, { __index = function(t, k) return k .. "!" end })'))();
    await settleGc(4);
    return [p.v, p.other];
  }, { differs: 'Appendix B #7 / DECISIONS 10' }),
  lifetime('lifetime.coroutine-keeps-context', async (c, L) => {
    let resume;
    const k = (() => { const x = make(L, 'all'); resume = x.resume.bind(x); return x.create_coroutine('return function() for i = 1, 3 do coroutine.yield(i) end end'); })();
    await settleGc(4);
    return [resume(k), resume(k)];
  }, { differs: 'Appendix B #7 / DECISIONS 10' }),
  lifetime('lifetime.function-keeps-context', async (c, L) => {
    const f = (() => make(L, 'all').execute_script('local n = 0 return function() n = n + 1 return n end'))();
    await settleGc(4);
    return [f(), f()];
  }, { differs: 'Appendix B #7 / DECISIONS 10' }),
];

export default [...gcCases, ...resetCases, ...hookCases, ...infoCases, ...sharedCases, ...disposeCases, ...stdCases, ...sandboxCases, ...lifetimeCases];
