// Compiled with tsconfig.disposable.json (lib esnext.disposable, no
// @types/node): `using` disposes a context at the end of its scope.
import { init } from 'lua-native';

export function run(): number {
  using ctx = new init({}, { libraries: ['base'] });
  return ctx.execute_script<number>('return 1');
}

const d: Disposable = new init();
void d;
