// The one place the JS suites load the package from. LUA_NATIVE_PACKAGE may
// point at another build of the same API (a directory or entry file), so the
// same suites can be run against it.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { resolveEntry } from '../parity/lib/load-package.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const target = process.env.LUA_NATIVE_PACKAGE
  ? path.resolve(process.env.LUA_NATIVE_PACKAGE)
  : path.resolve(here, '..', '..');

// A directory (whatever its name looks like) goes through its package.json.
const mod = await import(pathToFileURL(resolveEntry(target)).href);
const lua_native = mod.default ?? mod;

export default lua_native;
export const require = createRequire(import.meta.url);
export const fixtures = path.join(here, 'fixtures');
