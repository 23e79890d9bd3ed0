// Module shape, construction, library selection (API-SEED §1, §9; EVOLUTION B12 for 'sandbox').
import { make, script, tryIt } from './util.mjs';

const A = 'construction';
const LIBS = ['base', 'package', 'coroutine', 'table', 'io', 'os', 'string', 'math', 'utf8', 'debug'];
const TYPES = 'return type(base), type(package), type(coroutine), type(table), type(io), type(os), type(string), type(math), type(utf8), type(debug), type(print), type(require)';
const PROBE = 'return print ~= nil, require ~= nil, package ~= nil, coroutine ~= nil, table ~= nil, io ~= nil, os ~= nil, string ~= nil, math ~= nil, utf8 ~= nil, debug ~= nil, _G ~= nil';
const PRESET = { differs: "EVOLUTION B12: preset-error text names 'sandbox'" };

export default [
  { id: 'construction.module-own-keys', area: A, evolution: 'A9 (createSharedTable)', run: (L) => Object.keys(L).sort() },
  { id: 'construction.init-name', area: A, run: (L) => [typeof L.init, L.init.name] },
  {
    id: 'construction.seed-methods-present',
    area: A,
    run: (L) =>
      ['execute_script', 'execute_file', 'set_global', 'get_global', 'set_userdata', 'set_metatable', 'create_coroutine', 'resume', 'execute_script_async', 'execute_file_async', 'is_busy', 'add_search_path', 'register_module', 'compile', 'compile_file', 'load_bytecode'].map((m) => [m, typeof L.init.prototype[m]]),
  },
  {
    id: 'construction.evolution-methods-present',
    area: A,
    evolution: 'A1 A3 A4 A5 A7 B22',
    run: (L) => ['get_memory_usage', 'gc', 'reset', 'set_hook', 'remove_hook', 'info', 'dispose'].map((m) => [m, typeof L.init.prototype[m]]),
  },
  { id: 'construction.without-new', area: A, run: (L) => L.init() },
  script('construction.bare-arith', A, undefined, 'return 1 + 2'),
  script('construction.bare-no-type', A, undefined, 'return type, print, string, math, _G, _VERSION, require'),
  script('construction.bare-print-fails', A, undefined, 'print("x")'),
  script('construction.bare-type-math-fails', A, undefined, 'return type(math)'),
  script('construction.bare-string-method-fails', A, undefined, 'return ("x"):upper()'),
  script('construction.bare-syntax-works', A, undefined, 'local s = "ab" .. "cd" local t = {1, 2, 3} local f = function(n) return n * 2 end return #s, s, #t, f(21)'),
  { id: 'construction.options-undefined-callbacks', area: A, run: (L) => new L.init(undefined, { libraries: 'all' }).execute_script('return math.floor(3.7)') },
  { id: 'construction.options-empty-callbacks', area: A, run: (L) => new L.init({}, { libraries: 'all' }).execute_script('return 42') },
  { id: 'construction.options-string-ignored', area: A, run: (L) => new L.init({}, 'all').execute_script('return math, string') },
  { id: 'construction.options-null-ignored', area: A, run: (L) => new L.init({}, null).execute_script('return math') },
  { id: 'construction.options-number-ignored', area: A, run: (L) => new L.init({}, 5).execute_script('return math') },
  { id: 'construction.options-without-libraries', area: A, run: (L) => new L.init({}, {}).execute_script('return math') },
  { id: 'construction.libraries-undefined', area: A, ...PRESET, run: (L) => new L.init({}, { libraries: undefined }) },
  { id: 'construction.libraries-null', area: A, ...PRESET, run: (L) => new L.init({}, { libraries: null }) },
  { id: 'construction.libraries-number', area: A, ...PRESET, run: (L) => new L.init({}, { libraries: 42 }) },
  { id: 'construction.libraries-object', area: A, ...PRESET, run: (L) => new L.init({}, { libraries: {} }) },
  { id: 'construction.libraries-ALL', area: A, ...PRESET, run: (L) => new L.init({}, { libraries: 'ALL' }) },
  { id: 'construction.libraries-non-string-element', area: A, run: (L) => new L.init({}, { libraries: ['base', 7] }) },
  { id: 'construction.libraries-unknown', area: A, run: (L) => new L.init({}, { libraries: ['base', 'Math'] }) },
  { id: 'construction.libraries-unknown-then-non-string', area: A, run: (L) => new L.init({}, { libraries: ['nonexistent', 7] }) },
  { id: 'construction.libraries-non-string-then-unknown', area: A, run: (L) => new L.init({}, { libraries: [7, 'nonexistent'] }) },
  { id: 'construction.library-error-before-callbacks', area: A, run: (L) => { let called = 0; const r = tryIt(() => new L.init({ get x() { called++; return 1; } }, { libraries: ['nope'] })); return [r, called]; } },
  script('construction.all-types', A, 'all', TYPES),
  script('construction.safe-types', A, 'safe', TYPES),
  script('construction.sandbox-types', A, 'sandbox', TYPES + ', type(loadfile), type(dofile), type(load)', { evolution: 'B12', differs: 'DECISIONS 9 / EVOLUTION B12: sandbox preset' }),
  ...LIBS.map((lib) => script(`construction.only-${lib}`, A, [lib], PROBE)),
  script('construction.base-math', A, ['base', 'math'], 'return math.pi > 3.14159 and math.pi < 3.1416, type(string)'),
  script('construction.base-coroutine', A, ['base', 'coroutine'], 'return type(coroutine), type(coroutine.yield)'),
  script('construction.base-table', A, ['base', 'table'], 'local t = {3, 1, 2} table.sort(t) return table.unpack(t)'),
  script('construction.duplicates', A, ['base', 'base', 'math', 'base'], 'return type(print), type(math)'),
  script('construction.empty-array', A, [], 'return math, print'),
  { id: 'construction.callback-values', area: A, run: (L) => new L.init({ n: 5, s: 'x', o: { a: 1 }, nil1: null, u: undefined }).execute_script('return n, s, o.a, nil1, u') },
  { id: 'construction.callback-function', area: A, run: (L) => new L.init({ double: (x) => x * 2 }, { libraries: ['base'] }).execute_script('return double(21)') },
  { id: 'construction.callback-replaces-print', area: A, run: (L) => new L.init({ print: (x) => 'mine ' + x }, { libraries: 'all' }).execute_script('return print("a")') },
  { id: 'construction.callbacks-array', area: A, run: (L) => new L.init(['a', 'b'], { libraries: ['base'] }).execute_script('return _G["0"], _G["1"]') },
  { id: 'construction.callbacks-inherited', area: A, run: (L) => new L.init(Object.create({ inh: 1 }, { own: { value: 2, enumerable: true } }), { libraries: ['base'] }).execute_script('return inh, own') },
  { id: 'construction.callbacks-non-enumerable-skipped', area: A, run: (L) => new L.init(Object.defineProperty({}, 'hidden', { value: 1, enumerable: false })).execute_script('return hidden') },
  { id: 'construction.callbacks-string-ignored', area: A, run: (L) => new L.init('hello', { libraries: ['base'] }).execute_script('return _G["0"]') },
  { id: 'construction.callback-too-deep', area: A, run: (L) => { let v = {}; for (let i = 0; i < 101; i++) v = { child: v }; return new L.init({ deep: v }); } },
  { id: 'construction.callback-getter-throws', area: A, run: (L) => new L.init({ get bad() { throw new Error('getter exploded'); } }) },
  { id: 'construction.fifty-contexts', area: A, run: (L) => Array.from({ length: 50 }, (_, i) => new L.init({ index: i }).execute_script('return index')).join(',') },
  {
    id: 'construction.independent-contexts',
    area: A,
    run: (L) => {
      const seen = [];
      const a = new L.init({ note: (x) => { seen.push('a:' + x); } });
      const b = new L.init({ note: (x) => { seen.push('b:' + x); } });
      a.execute_script('note(1)');
      b.execute_script('note(2)');
      a.set_global('g', 'A');
      return [seen, b.get_global('g')];
    },
  },
  { id: 'construction.limit-validation-negative', area: A, evolution: 'A1', run: (L) => make(L, ['base'], undefined, { maxMemory: -1 }) },
  { id: 'construction.limit-validation-string', area: A, evolution: 'A2', run: (L) => make(L, ['base'], undefined, { maxInstructions: 'x' }) },
  { id: 'construction.limit-validation-nan', area: A, evolution: 'A1', differs: 'DECISIONS 4: NaN limit refused', run: (L) => make(L, ['base'], undefined, { maxMemory: NaN }) },
  { id: 'construction.limit-validation-infinity', area: A, evolution: 'A6', differs: 'DECISIONS 4: infinite limit refused', run: (L) => make(L, ['base'], undefined, { timeout: Infinity }) },
  { id: 'construction.limit-null-means-unset', area: A, evolution: 'A1', run: (L) => make(L, ['base'], undefined, { maxMemory: null, maxInstructions: undefined, timeout: null }).execute_script('return 1') },
];
