// Compiled with `tsc --noEmit` by the test command: the declarations must
// accept ordinary use of the API and reject misuse.
import lua_native, { init, createSharedTable, type LuaContext, type LuaError, type LuaErrorCode, type LuaInitOptions, type LuaFunction, type CoroutineResult, type LuaStateInfo, type LuaTableHandle, type LuaKey, type LuaValue, type LuaStackFrame, type LuaEnvironment, type LuaFileReader, type LuaReadFormat } from 'lua-native';

const options: LuaInitOptions = { libraries: ['base', 'string', 'math'] };
const ctx: LuaContext = new lua_native.init({ add: (a: number, b: number) => a + b, limit: 10 }, options);
const other = new init(undefined, { libraries: 'safe' });

const n: number = ctx.execute_script<number>('return add(1, 2)');
const many = ctx.execute_script<[number, string]>('return 1, "x"');
ctx.set_global('config', { debug: true, tags: ['a', 'b'] });
ctx.set_global('greet', (name: string) => `hi ${name}`);
const cfg = ctx.get_global('config');
const f = ctx.execute_script<LuaFunction>('return function(x) return x * 2 end');
const doubled: number = f<number>(21);
other.execute_file('./script.lua');

try {
  ctx.execute_script('error("boom")');
} catch (e) {
  const err = e as LuaError;
  const code: string = err.code;
  const tb: string | undefined = err.luaTraceback;
  void code;
  void tb;
}

const shared = createSharedTable({ level: 1 });
const sandboxed = new init({}, { libraries: 'sandbox', maxMemory: 1 << 20, maxInstructions: 1e6, timeout: 100, shared: { cfg: shared } });
shared.set('level', 2);
sandboxed.set_userdata('player', { score: 1 }, { readable: true, writable: true });
sandboxed.set_metatable('t', { __index: (_t: unknown, k: string) => k, __call: () => 1 });
const co = sandboxed.create_coroutine('return function(a) return coroutine.yield(a) end');
const r: CoroutineResult = sandboxed.resume(co, 1);
const counter = { n: 0 };
sandboxed.set_userdata('counter', counter, { methods: { add: (self, by: number) => (self.n += by) } });
const fromFunction = sandboxed.create_coroutine(sandboxed.execute_script<LuaFunction>('return function() coroutine.yield(1) end'));
for (const step of fromFunction) void step;
const cursor: Iterator<any> = co[Symbol.iterator]();
void cursor.next(2);
const methodsRefs: number = sandboxed.info().bindingRefs.userdataMethods;
const status: 'suspended' | 'dead' = r.status;
const kb: number = sandboxed.gc('count');
const mode: 'incremental' | 'generational' = sandboxed.gc('generational');
const info: LuaStateInfo = sandboxed.info();
const bc: Uint8Array = sandboxed.compile('return 1', { stripDebug: true });
const named: number = sandboxed.execute_script<number>('return 1', { chunkName: '@main.lua' });
const frames: LuaStackFrame[] = sandboxed.get_stack({ maxLevels: 10 });
const locals: { name: string; value: LuaValue }[] = sandboxed.get_locals(0);
void [named, frames.map((f) => `${f.shortSource}:${f.currentLine} ${f.name}`), locals];
sandboxed.load_bytecode(bc);
sandboxed.set_hook((event, line, name) => void [event, line, name], { line: true });
sandboxed.remove_hook();
const pending: Promise<number> = sandboxed.execute_script_async<number>('return 1');
const controller = new AbortController();
const stoppable: Promise<number> = sandboxed.execute_script_async<number>('return 1', { signal: controller.signal });
const fromFile: Promise<unknown> = sandboxed.execute_file_async('x.lua', {});
const driven: Promise<number> = sandboxed.execute_async<number>('return 1', { chunkName: 'job', signal: controller.signal });
const calledAsync: Promise<string> = sandboxed.call_async<string>('f', 1, 'two');
const drivenCo: Promise<CoroutineResult> = sandboxed.resume_async(co, 1);
sandboxed.close(co);
async function drain(): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const v of co) out.push(v);
  return out;
}
void [driven, calledAsync, drivenCo, drain];
controller.abort();
sandboxed.cancel();
sandboxed.reset();
sandboxed.dispose();
void [status, kb, mode, info, pending, stoppable, fromFile];

// Host-controlled I/O (B7, B15).
const withPrint = new init({}, { libraries: 'all', print: (text: string) => void text });
withPrint.set_print_handler((text) => void text.length);
withPrint.set_print_handler(null);
const readKept: boolean = withPrint.set_read_handler((format: LuaReadFormat) => (typeof format === 'number' ? new Uint8Array(format) : format === 'n' ? '42' : null));
withPrint.set_read_handler(null);
withPrint.add_searcher((name) => (name === 'm' ? 'return 1' : undefined));
const searcherCount: number = withPrint.info().bindingRefs.searchers;
void [readKept, searcherCount];
// @ts-expect-error a print handler takes text
withPrint.set_print_handler((text: number) => void text);
// @ts-expect-error a searcher returns source, not a Promise
withPrint.add_searcher(async () => 'return 1');
// @ts-expect-error add_searcher takes no null
withPrint.add_searcher(null);
// @ts-expect-error the print option is a function
new init({}, { print: 'stdout' });

// @ts-expect-error gc commands are checked
sandboxed.gc('defrag');
// @ts-expect-error the library names are checked
new init({}, { libraries: ['Math'] });
// @ts-expect-error a signal is an AbortSignal
sandboxed.execute_script_async('return 1', { signal: {} });
// @ts-expect-error scripts are strings
ctx.execute_script(42);
// @ts-expect-error close() needs a coroutine
sandboxed.close();
// @ts-expect-error execute_async takes a script string
sandboxed.execute_async(42);

void n;
void many;
void cfg;
void doubled;

// Issue 13: table handles, release, call, converters and the conversion options.
const typed = new init({}, { libraries: 'all', binaryStrings: true, strictConversion: true, tableAs: 'map' });
const handle: LuaTableHandle = typed.create_table({ a: 1, list: [1, 2, 3] });
handle.set('when', new Date(0));
handle.set(1, 10n);
handle.set(true, new Uint8Array([1, 2]));
const fromHandle: number = handle.get<number>('a');
const present: boolean = handle.has('a');
const len: number = handle.length();
const entries: Array<[LuaKey, LuaValue]> = handle.pairs();
const seq: Array<[number, LuaValue]> = handle.ipairs();
const keys: LuaKey[] = handle.keys();
for (const [k, v] of handle) void [k, v];
const nested: LuaTableHandle = handle.get_ref('list');
const g: LuaTableHandle = typed.get_global_ref('string');
typed.set_metatable(handle, { __index: () => 0 });
typed.set_global('h', handle);
const called: number = typed.call<number>('math.max', 1, 2);
typed.release(handle);
typed.release(f);
typed.register_type_converter<URL>((v) => v instanceof URL, (u) => u.href);
typed.register_from_lua_converter((v) => Array.isArray(v), (v: unknown[]) => new Set(v));
const counts: number = typed.info().bindingRefs.typeConverters + typed.info().bindingRefs.fromLuaConverters;
void [fromHandle, present, len, entries, seq, keys, nested, g, called, counts];

// @ts-expect-error a handle is its own type: a plain object is not one
typed.release({ get() {} });
// @ts-expect-error tableAs is 'object' or 'map'
new init({}, { tableAs: 'array' });
// @ts-expect-error strictConversion is a boolean
new init({}, { strictConversion: 'yes' });
// @ts-expect-error handle keys are strings, numbers, booleans or bytes
handle.get({});
// @ts-expect-error call takes a name
typed.call(f);

// Conversion modes and converters (EVOLUTION B3, B10, B12, B16, B18).
{
  const modes = new lua_native.init(undefined, { libraries: 'all', binaryStrings: true, strictConversion: true, tableAs: 'map' });
  modes.register_type_converter((v) => v instanceof Date, (d: Date) => d.toISOString());
  modes.register_from_lua_converter((v) => v instanceof Map, (m: Map<unknown, unknown>) => Object.fromEntries(m));
  const big: LuaValue = 9007199254740993n;
  const bytes: LuaValue = new Uint8Array([1, 2]);
  modes.set_global('big', big);
  modes.set_global('bytes', bytes);
  const refs: number = modes.info().bindingRefs.typeConverters + modes.info().bindingRefs.fromLuaConverters;
  void refs;
}
// @ts-expect-error tableAs is 'object' or 'map'
new lua_native.init(undefined, { tableAs: 'array' });

// Table handles, release(), call() (EVOLUTION B2, B8, B10, B20).
{
  const ctx = new lua_native.init({}, { libraries: ['base'] });
  const h: LuaTableHandle = ctx.create_table({ a: 1 });
  const g: LuaTableHandle = ctx.get_global_ref('config.server');
  h.set(1, 'x');
  h.set('k', h);
  const v: LuaValue = h.get(true);
  const n: number = h.length();
  const has: boolean = h.has(new Uint8Array([1]));
  const pairs: [LuaValue, LuaValue][] = h.pairs();
  const ip: [number, LuaValue][] = h.ipairs();
  const keys: LuaValue[] = h.keys();
  const nested: LuaTableHandle = g.get_ref(5n);
  for (const [k, val] of h) void [k, val];
  ctx.set_metatable(h, { __index: () => 1 });
  const r: number = ctx.call<number>('math.max', 1, 2);
  ctx.release(h);
  nested.release();
  void [v, n, has, pairs, ip, keys, r];
}

// pcall (EVOLUTION B6): a discriminated result.
{
  const c = new lua_native.init();
  const f = c.execute_script<LuaFunction>('return function(x) return x end');
  const r = c.pcall<number>(f, 1);
  if (r.ok) {
    const n: number = r.value;
    void n;
  } else {
    const e: unknown = r.error;
    void e;
  }
}

// Environments (EVOLUTION B9): a LuaEnvironment is a table handle.
{
  const c = new lua_native.init({}, { libraries: 'all' });
  const env: LuaEnvironment = c.create_environment({ whitelist: ['math'], inherit: false });
  const h: LuaTableHandle = env;
  const n: number = c.execute_script_in<number>(env, 'return math.floor(1.5)', { chunkName: '=env' });
  const m: number = c.execute_script_in<number>(c.create_table({ x: 1 }), 'return x');
  void [h, n, m];
}

// register_class (EVOLUTION B4)
{
  const c = new init({}, { libraries: 'safe' });
  class Vec {
    constructor(public x: number, public y: number) {}
  }
  c.register_class<Vec>('Vec', {
    construct: (x, y) => new Vec(Number(x), Number(y)),
    methods: { len: (self) => Math.hypot(self.x, self.y) },
    metamethods: { __add: (a: Vec, b: Vec) => ({ x: a.x + b.x, y: a.y + b.y }), __tostring: (v: Vec) => `Vec(${v.x})` },
    properties: { sum: { get: (self) => self.x + self.y }, both: { set: (self, v) => { self.x = self.y = Number(v); } } },
    statics: { ZERO: 0 },
    readable: true,
  });
  c.register_class('Vec3', { extends: 'Vec', construct: () => new Vec(0, 0) });
  // @ts-expect-error a definition needs construct
  c.register_class('Bad', { methods: {} });
  // @ts-expect-error a property needs get or set
  c.register_class('Bad', { construct: () => ({}), properties: { p: {} } });
  // @ts-expect-error __index belongs to the class mechanism
  c.register_class('Bad', { construct: () => ({}), metamethods: { __index: () => 1 } });
}
// Doors to code and disk (EVOLUTION B7, B15, B19).
{
  const doors = new lua_native.init({}, { libraries: 'all', allowBytecode: false, filesystem: 'deny' });
  const reader: LuaFileReader = (path) => (path.endsWith('.lua') ? 'return 1' : null);
  doors.set_file_reader(reader);
  doors.set_file_reader((path: string) => new TextEncoder().encode(path));
  doors.set_file_reader(() => undefined);
  doors.set_file_reader(null);
}
// @ts-expect-error allowBytecode is a boolean
new lua_native.init({}, { allowBytecode: 'no' });
// @ts-expect-error filesystem is 'allow' or 'deny'
new lua_native.init({}, { filesystem: 'none' });
// @ts-expect-error the reader returns source, bytes or nothing
new lua_native.init().set_file_reader(() => 42);
// @ts-expect-error set_file_reader needs a function or null
new lua_native.init().set_file_reader();

// Issue 16: results are `LuaValue` unless the caller names a type; the type is
// never inferred from where the result goes.
{
  const c = new init({}, { libraries: 'all' });
  const v: LuaValue = c.execute_script('return 1');
  // @ts-expect-error a result is a LuaValue, not whatever the assignment wants
  const s: string = c.execute_script('return 1');
  const n: number = c.execute_script<number>('return 1');
  // @ts-expect-error the named type is the result's type
  const wrong: string = c.execute_script<number>('return 1');
  const union: string | number = c.execute_script<string | number>('return 1');
  // @ts-expect-error execute_file too
  const fromFile: number = c.execute_file('x.lua');
  // @ts-expect-error get_global too
  const g: string = c.get_global('x');
  const gn: number = c.get_global<number>('x');
  // @ts-expect-error call too
  const called: number = c.call('math.max', 1, 2);
  // @ts-expect-error execute_script_in too
  const inEnv: number = c.execute_script_in(c.create_environment(), 'return 1');
  // @ts-expect-error load_bytecode too
  const loaded: number = c.load_bytecode(c.compile('return 1'));
  // @ts-expect-error an async result is a Promise of a LuaValue
  const later: Promise<number> = c.execute_async('return 1');
  // @ts-expect-error call_async too
  const laterCall: Promise<number> = c.call_async('f');
  // @ts-expect-error execute_script_async too
  const worker: Promise<number> = c.execute_script_async('return 1');
  // @ts-expect-error execute_file_async too
  const workerFile: Promise<number> = c.execute_file_async('x.lua');
  const laterN: Promise<number> = c.execute_async<number>('return 1');
  const fn = c.execute_script<LuaFunction>('return function(x) return x end');
  // @ts-expect-error a Lua function's result is a LuaValue
  const r: number = fn(1);
  const rv: LuaValue = fn(1);
  const rn: number = fn<number>(1);
  const h = c.create_table({ a: 1 });
  // @ts-expect-error a handle's get gives a LuaValue
  const hs: string = h.get('a');
  const hn: number = h.get<number>('a');
  const pr = c.pcall(fn, 1);
  if (pr.ok) {
    // @ts-expect-error pcall's value is a LuaValue
    const pv: number = pr.value;
    void pv;
  }
  // @ts-expect-error a shared table's values are unknown until checked
  const sh: number = createSharedTable({ a: 1 }).get('a');
  for (const step of c.create_coroutine(fn)) {
    const stepValue: LuaValue = step;
    void stepValue;
  }
  void [v, s, n, wrong, union, fromFile, g, gn, called, inEnv, loaded, later, laterCall, worker, workerFile, laterN, r, rv, rn, hs, hn, sh];
}

// Issue 16: error codes are a closed union.
{
  const c = new init();
  try {
    c.execute_script('while true do end');
  } catch (e) {
    const err = e as LuaError;
    const code: LuaErrorCode = err.code;
    if (err.code === 'LUA_TIMEOUT' || err.code === 'LUA_INSTRUCTION_LIMIT' || err.code === 'LUA_NATIVE_LOAD_FAILED') void code;
    // @ts-expect-error a misspelt code does not compile
    if (err.code === 'LUA_TIMOUT') void code;
    // @ts-expect-error lua-core's LUA_API never reaches JavaScript
    const api: LuaErrorCode = 'LUA_API';
    void api;
  }
}

// Issue 16: bytes are Uint8Array (a Buffer is one), contexts are disposable, gc commands checked.
{
  const c = new init({}, { libraries: 'all' });
  const bytes: Uint8Array = c.compile('return 1');
  const fromBuffer = c.load_bytecode(Buffer.from(bytes));
  c.set_read_handler(() => Buffer.from('line'));
  c[Symbol.dispose]();
  // @ts-expect-error gc commands are a closed set
  c.gc('colect');
  // @ts-expect-error gc parameters too
  c.gc('param', 'pausee');
  // @ts-expect-error a signal needs an AbortSignal's members
  c.execute_async('return 1', { signal: { aborted: false } });
  void fromBuffer;
}

// Issue 16: a misspelt option is no option (a TypeError at run time, an excess property here).
// @ts-expect-error maxMemroy is not an option
new init({}, { maxMemroy: 10 });
// @ts-expect-error chunkname is not an option (chunkName is)
new init().execute_script('return 1', { chunkname: 'x' });
