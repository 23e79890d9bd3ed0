// The ESM entry's declarations (index.mjs). Every type and named export is
// index.d.ts's; only the default export differs: under ESM it is the
// { init, createSharedTable } object itself, where CommonJS's default would
// be `module.exports` (TypeScript would then accept `lua.default.init`,
// which is undefined at run time).
import type { LuaNative } from './index.js';
export * from './index.js';
declare const lua_native: LuaNative;
export default lua_native;
