// execute_file (§2.2), modules (§6), bytecode (§8). Paths are relative to the fixtures
// directory, which is the runner's working directory.
import fs from 'node:fs';
import path from 'node:path';
import { make, tryIt } from './util.mjs';

const F = 'files';
const M = 'modules';
const B = 'bytecode';

function file(id, fn, meta = {}) {
  return { id, area: F, run: (L, env) => fn(make(L, 'all'), env, L), ...meta };
}
function mod(id, fn, meta = {}) {
  return { id, area: M, run: (L, env) => fn(make(L, 'all'), env, L), ...meta };
}
function bc(id, fn, meta = {}) {
  return { id, area: B, run: (L, env) => fn(make(L, 'all'), env, L), ...meta };
}
/** Summarises a Buffer without its build-dependent body: kind, non-empty, signature + version byte. */
function shape(buf) {
  return [Buffer.isBuffer(buf), buf.length > 0, Buffer.from(buf.subarray(0, 5)).toString('hex')];
}

const files = [
  file('files.multi', (c) => c.execute_file('./multi.lua')),
  file('files.table', (c) => c.execute_file('./table.lua')),
  file('files.set-global', (c) => [c.execute_file('./setglobal.lua'), c.get_global('fileGlobal')]),
  { id: 'files.callback', area: F, run: (L) => make(L, undefined, { fromFile: (x) => x * 2 }).execute_file('./callback.lua') },
  file('files.missing', (c) => c.execute_file('./nope.lua')),
  file('files.syntax', (c) => c.execute_file('./syntax.lua')),
  file('files.runtime', (c) => c.execute_file('./err.lua')),
  file('files.empty-path', (c) => c.execute_file('')),
  file('files.non-string', (c) => c.execute_file(5)),
  file('files.no-arg', (c) => c.execute_file()),
  file('files.no-return', (c) => c.execute_file('./noreturn.lua')),
  file('files.shebang', (c) => c.execute_file('./shebang.lua')),
  file('files.directory', (c) => c.execute_file('./adir')),
  file('files.no-normalisation', (c) => c.execute_file('adir/../multi.lua')),
  file('files.bare-state', (c, env, L) => make(L).execute_file('./multi.lua')),
  file('files.bytecode-file', (c, env) => { const p = path.join(env.tmp, 'compiled.luac'); fs.writeFileSync(p, c.compile('return "from bytecode", 1 + 1')); return c.execute_file(p); }),
  file('files.bytecode-file-error-path', (c, env) => { const p = path.join(env.tmp, 'err.luac'); fs.writeFileSync(p, c.compile_file('./err.lua')); return c.execute_file(p); }),
  file('files.tmp-path-in-message', (c, env) => c.execute_file(path.join(env.tmp, 'missing.lua'))),
];

const modules = [
  mod('modules.search-path-require', (c) => { c.add_search_path('./modules/?.lua'); return c.execute_script('local g = require("greet") return g.greet("x"), g.version'); }),
  mod('modules.testmod', (c) => { c.add_search_path('./modules/?.lua'); return c.execute_script('local t = require("testmod") return t.add(2, 3), t.name'); }),
  mod('modules.several-paths', (c) => { c.add_search_path('./modules/?.lua'); c.add_search_path('./modules2/?.lua'); return c.execute_script('return require("testmod").name, require("othermod").other'); }),
  mod('modules.require-caches', (c) => { c.add_search_path('./modules/?.lua'); return c.execute_script('local a = require("greet") local b = require("greet") return rawequal(a, b), loads'); }),
  mod('modules.package-path-appended', (c) => { c.add_search_path('./modules/?.lua'); c.add_search_path('./modules/?.lua'); return c.execute_script('local p = package.path local n = 0 for _ in p:gmatch("%./modules/%?%.lua") do n = n + 1 end return n, p:sub(-32)'); }),
  mod('modules.package-path-default', (c) => c.execute_script('return package.path')),
  mod('modules.package-path-nil', (c) => { c.execute_script('package.path = nil'); c.add_search_path('./x/?.lua'); return c.execute_script('return package.path'); }),
  mod('modules.package-path-number', (c) => { c.execute_script('package.path = 5'); c.add_search_path('./x/?.lua'); return c.execute_script('return package.path'); }),
  mod('modules.package-path-empty', (c) => { c.execute_script('package.path = ""'); c.add_search_path('./x/?.lua'); return c.execute_script('return package.path'); }),
  mod('modules.search-path-no-package', (c, env, L) => make(L, ['base']).add_search_path('./modules/?.lua')),
  mod('modules.search-path-no-placeholder', (c) => c.add_search_path('./modules/')),
  mod('modules.search-path-no-placeholder-bare', (c, env, L) => make(L).add_search_path('./modules/')),
  mod('modules.search-path-non-string', (c) => c.add_search_path(5)),
  mod('modules.search-path-package-nil', (c) => { c.execute_script('package = nil'); return c.add_search_path('./modules/?.lua'); }),
  mod('modules.search-path-cpath-untouched', (c) => { const before = c.execute_script('return package.cpath'); c.add_search_path('./modules/?.lua'); return before === c.execute_script('return package.cpath'); }),
  mod('modules.require-unknown', (c) => c.execute_script('return require("definitely_missing_module")')),
  mod('modules.require-broken', (c) => { c.add_search_path('./modules/?.lua'); return c.execute_script('return require("broken")'); }),
  mod('modules.register-values', (c) => { c.register_module('cfg', { n: 1, s: 'x', list: [1, 2], nested: { deep: true } }); return c.execute_script('local m = require("cfg") return m.n, m.s, m.list[2], m.nested.deep'); }),
  mod('modules.register-functions', (c) => { c.register_module('mathx', { add: (a, b) => a + b, neg: (a) => -a }); return c.execute_script('local m = require("mathx") return m.add(2, 3), m.neg(4)'); }),
  mod('modules.register-cached', (c) => { c.register_module('m', { v: 1 }); return c.execute_script('return rawequal(require("m"), require("m"))'); }),
  mod('modules.register-overwrites', (c) => { c.register_module('m', { v: 1 }); c.execute_script('first = require("m")'); c.register_module('m', { v: 2 }); return c.execute_script('return first.v, require("m").v'); }),
  mod('modules.register-overwrites-file', (c) => { c.add_search_path('./modules/?.lua'); c.execute_script('require("greet")'); c.register_module('greet', { replaced: true }); return c.execute_script('return require("greet").replaced'); }),
  mod('modules.register-no-package', (c, env, L) => make(L, ['base']).register_module('m', {})),
  mod('modules.register-loaded-nil', (c) => { c.execute_script('package.loaded = nil'); return c.register_module('m', {}); }),
  mod('modules.register-args-number-name', (c) => c.register_module(42, {})),
  mod('modules.register-args-one', (c) => c.register_module('mod')),
  mod('modules.register-args-null', (c) => c.register_module('mod', null)),
  mod('modules.register-receives-args', (c) => { let got; c.register_module('cap', { capture: (...a) => { got = a; } }); c.execute_script('require("cap").capture(1, "hello", true)'); return got; }),
  mod('modules.register-no-global', (c) => { c.register_module('secret', { v: 1 }); return c.execute_script('return type(secret)'); }),
  mod('modules.register-coexist', (c) => { c.add_search_path('./modules/?.lua'); c.register_module('jsmod', { v: 'js' }); return c.execute_script('return require("testmod").name, require("jsmod").v'); }),
  mod('modules.register-empty', (c) => { c.register_module('empty', {}); return c.execute_script('return type(require("empty")), next(require("empty")) == nil'); }),
  mod('modules.register-same-field-names', (c) => { c.register_module('a', { name: 'A' }); c.register_module('b', { name: 'B' }); return c.execute_script('return require("a").name, require("b").name'); }),
  mod('modules.register-function-error', (c) => { c.register_module('m', { boom: () => { throw new Error('x'); } }); return c.execute_script('return pcall(require("m").boom)'); }),
  mod('modules.register-array', (c) => { c.register_module('arr', ['zero', 'one']); return c.execute_script('local m = require("arr") return m["0"], m["1"], m[1]'); }),
  mod('modules.register-dotted-name', (c) => { c.register_module('a.b', { v: 'dotted' }); return c.execute_script('return require("a.b").v'); }),
  mod('modules.register-returned-to-js', (c) => { c.register_module('m', { f: (x) => x + 1, v: 2 }); const m = c.execute_script('return require("m")'); return [typeof m.f, m.f(1), m.v]; }),
  mod('modules.register-nested-function', (c) => { c.register_module('m', { sub: { f: () => 'nested' } }); return c.execute_script('local m = require("m") return type(m.sub.f), m.sub.f()'); }, { differs: 'DECISIONS 6' }),
  mod('modules.register-too-deep', (c) => { let v = {}; for (let i = 0; i < 101; i++) v = { child: v }; return c.register_module('deep', { v }); }),
  mod('modules.register-function-module', (c) => { const f = () => 1; f.extra = 'prop'; c.register_module('fm', f); return c.execute_script('return require("fm").extra'); }),
  mod('modules.register-2pow63', (c) => { c.register_module('m', { big: 2 ** 63 }); return c.execute_script('return math.type(require("m").big)'); }, { differs: 'Appendix B #6' }),
  mod('modules.sandbox-search-path', (c, env, L) => make(L, 'sandbox').add_search_path('./modules/?.lua'), { evolution: 'B12', differs: 'DECISIONS 9 / EVOLUTION B12: sandbox preset' }),
];

const bytecode = [
  bc('bytecode.compile-buffer', (c) => shape(c.compile('return 42'))),
  bc('bytecode.compile-syntax-error', (c) => c.compile('return +')),
  bc('bytecode.compile-syntax-error-chunkname', (c) => c.compile('return +', { chunkName: '=mine' })),
  bc('bytecode.strip-not-larger', (c) => { const src = 'local a = 1\nlocal b = 2\nreturn a + b'; return c.compile(src, { stripDebug: true }).length <= c.compile(src).length; }),
  bc('bytecode.does-not-execute', (c) => { c.compile('x = 999'); return c.get_global('x'); }),
  bc('bytecode.load-42', (c) => c.load_bytecode(c.compile('return 42'))),
  bc('bytecode.same-as-script', (c) => { const src = 'local t = {} for i = 1, 5 do t[i] = i * i end return t, #t, "s"'; return [c.load_bytecode(c.compile(src)), c.execute_script(src)]; }),
  bc('bytecode.returns-function', (c) => c.load_bytecode(c.compile('return function(a) return a * 3 end'))(5)),
  bc('bytecode.multi-values', (c) => c.load_bytecode(c.compile('return 1, "two", nil, true'))),
  bc('bytecode.no-return', (c) => c.load_bytecode(c.compile('local x = 1'))),
  bc('bytecode.garbage', (c) => c.load_bytecode(Buffer.from([0, 1, 2, 3]))),
  bc('bytecode.empty', (c) => c.load_bytecode(Buffer.alloc(0))),
  bc('bytecode.source-text', (c) => c.load_bytecode(Buffer.from('return 42'))),
  bc('bytecode.repeat', (c) => { const b = c.compile('n = (n or 0) + 1 return n'); return [c.load_bytecode(b), c.load_bytecode(b), c.load_bytecode(b)]; }),
  bc('bytecode.chunkname-at', (c) => c.load_bytecode(c.compile('error("boom")', { chunkName: '@my-script.lua' }))),
  bc('bytecode.chunkname-eq', (c) => c.load_bytecode(c.compile('error("boom")', { chunkName: '=raw' }))),
  bc('bytecode.chunkname-plain', (c) => c.load_bytecode(c.compile('error("boom")', { chunkName: 'my-chunk' }))),
  bc('bytecode.chunkname-empty', (c) => c.load_bytecode(c.compile('error("boom")', { chunkName: '' }))),
  bc('bytecode.default-name-runtime', (c) => c.load_bytecode(c.compile('error("boom")'), 'given')),
  bc('bytecode.callbacks', (c, env, L) => { const k = make(L, undefined, { cb: (x) => x + 1 }); return k.load_bytecode(c.compile('return cb(41)')); }),
  bc('bytecode.sees-globals', (c) => { c.set_global('g', 'global value'); return c.load_bytecode(c.compile('return g')); }),
  bc('bytecode.cross-context', (c, env, L) => make(L).load_bytecode(c.compile('return 6 * 7'))),
  bc('bytecode.compile-file', (c) => shape(c.compile_file('./multi.lua'))),
  bc('bytecode.compile-file-same', (c) => [c.load_bytecode(c.compile_file('./table.lua')), c.execute_file('./table.lua')]),
  bc('bytecode.compile-file-missing', (c) => c.compile_file('./nope.lua')),
  bc('bytecode.compile-file-syntax', (c) => c.compile_file('./syntax.lua')),
  bc('bytecode.compile-file-strip', (c) => c.compile_file('./err.lua', { stripDebug: true }).length <= c.compile_file('./err.lua').length),
  bc('bytecode.compile-file-empty', (c) => c.compile_file('')),
  bc('bytecode.compile-file-non-string', (c) => c.compile_file(5)),
  bc('bytecode.compile-file-ignores-chunkname', (c) => c.load_bytecode(c.compile_file('./err.lua', { chunkName: '=ignored' }))),
  bc('bytecode.compile-file-shebang', (c) => c.load_bytecode(c.compile_file('./shebang.lua'))),
  bc('bytecode.truncated', (c) => { const b = c.compile('return 42'); return c.load_bytecode(b.subarray(0, 10)); }),
  bc('bytecode.truncated-named', (c) => c.load_bytecode(c.compile('return 42').subarray(0, 10), 'mychunk')),
  bc('bytecode.truncated-at-named', (c) => c.load_bytecode(c.compile('return 42').subarray(0, 10), '@file.luac')),
  bc('bytecode.version-mismatch', (c) => { const b = Buffer.from(c.compile('return 42')); b[4] = 0x54; return c.load_bytecode(b); }),
  bc('bytecode.non-buffer', (c) => c.load_bytecode('return 42')),
  bc('bytecode.no-arg', (c) => c.load_bytecode()),
  bc('bytecode.array-arg', (c) => c.load_bytecode([27, 76, 117, 97])),
  bc('bytecode.uint8array', (c) => c.load_bytecode(new Uint8Array(c.compile('return "u8"')))),
  bc('bytecode.stripped-error', (c) => c.load_bytecode(c.compile('error("boom")', { stripDebug: true }))),
  bc('bytecode.stripped-vm-error', (c) => c.load_bytecode(c.compile('local t = nil return t.x', { stripDebug: true }))),
  bc('bytecode.compile-nul-truncates', (c) => c.load_bytecode(c.compile('return 1\0 error()'))),
  bc('bytecode.compile-nul-with-chunkname', (c) => c.compile('return 1\0 error()', { chunkName: '=nul' })),
  bc('bytecode.compile-non-string', (c) => c.compile(42)),
  bc('bytecode.compile-options-ignored', (c) => shape(c.compile('return 1', 'strip'))),
  bc('bytecode.compile-strip-non-boolean', (c) => c.compile('return 1', { stripDebug: 'yes' }).length === c.compile('return 1').length),
  bc('bytecode.lua-load-binary-all', (c) => c.execute_script('return load(string.dump(function() return "dumped" end))()')),
  bc('bytecode.safe-host-door-open', (c, env, L) => make(L, 'safe').load_bytecode(c.compile('return "host door"'))),
  bc('bytecode.sandbox-host-door', (c, env, L) => make(L, 'sandbox').load_bytecode(c.compile('return "host door"')), { evolution: 'B12' }),
];

export default [...files, ...modules, ...bytecode];
