// Compiled with tsconfig.no-node.json: no @types/node and no DOM library, so
// the declarations must stand on the ES library alone (issue 16).
import lua, { init, type LuaAbortSignal, type LuaError, type LuaValue } from 'lua-native';

const ctx = new lua.init({ twice: (n: number) => n * 2 }, { libraries: 'safe', maxMemory: 1 << 20 });
const v: LuaValue = ctx.execute_script('return twice(21)');
const bytes: Uint8Array = ctx.compile('return 1');
const n: number = ctx.load_bytecode<number>(bytes);
declare const signal: LuaAbortSignal;
const later: Promise<LuaValue> = ctx.execute_script_async('return 1', { signal });
try {
  new init().execute_script('error("x")');
} catch (e) {
  void (e as LuaError).code;
}
ctx.dispose();
void [v, n, later];
