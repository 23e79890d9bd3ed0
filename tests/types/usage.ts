// Compiled with `tsc --noEmit` by the test command: the declarations must
// accept ordinary use of the API and reject misuse.
import lua_native, { init, createSharedTable, type LuaContext, type LuaError, type LuaInitOptions, type LuaFunction, type CoroutineResult, type LuaStateInfo, type LuaTableHandle, type LuaValue } from 'lua-native';

const options: LuaInitOptions = { libraries: ['base', 'string', 'math'] };
const ctx: LuaContext = new lua_native.init({ add: (a: number, b: number) => a + b, limit: 10 }, options);
const other = new init(undefined, { libraries: 'safe' });

const n: number = ctx.execute_script<number>('return add(1, 2)');
const many = ctx.execute_script<[number, string]>('return 1, "x"');
ctx.set_global('config', { debug: true, tags: ['a', 'b'] });
ctx.set_global('greet', (name: string) => `hi ${name}`);
const cfg = ctx.get_global('config');
const f = ctx.execute_script<LuaFunction>('return function(x) return x * 2 end');
const doubled: number = f(21);
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
const status: 'suspended' | 'dead' = r.status;
const kb: number = sandboxed.gc('count');
const mode: 'incremental' | 'generational' = sandboxed.gc('generational');
const info: LuaStateInfo = sandboxed.info();
const bc: Buffer = sandboxed.compile('return 1', { stripDebug: true });
sandboxed.load_bytecode(bc);
sandboxed.set_hook((event, line, name) => void [event, line, name], { line: true });
sandboxed.remove_hook();
const pending: Promise<number> = sandboxed.execute_script_async<number>('return 1');
const controller = new AbortController();
const stoppable: Promise<number> = sandboxed.execute_script_async<number>('return 1', { signal: controller.signal });
const fromFile: Promise<unknown> = sandboxed.execute_file_async('x.lua', {});
controller.abort();
sandboxed.cancel();
sandboxed.reset();
sandboxed.dispose();
void [status, kb, mode, info, pending, stoppable, fromFile];

// @ts-expect-error gc commands are checked
sandboxed.gc('defrag');
// @ts-expect-error the library names are checked
new init({}, { libraries: ['Math'] });
// @ts-expect-error a signal is an AbortSignal
sandboxed.execute_script_async('return 1', { signal: {} });
// @ts-expect-error scripts are strings
ctx.execute_script(42);

void n;
void many;
void cfg;
void doubled;

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
