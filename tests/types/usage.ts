// Compiled with `tsc --noEmit` by the test command: the declarations must
// accept ordinary use of the API and reject misuse.
import lua_native, { init, type LuaContext, type LuaError, type LuaInitOptions, type LuaFunction } from 'lua-native';

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

// @ts-expect-error the library names are checked
new init({}, { libraries: ['Math'] });
// @ts-expect-error scripts are strings
ctx.execute_script(42);

void n;
void many;
void cfg;
void doubled;
