// ESM entry: the same object as the CommonJS entry, as the default export.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const lua_native = require('./index.cjs');

export const init = lua_native.init;
export const createSharedTable = lua_native.createSharedTable;
export default { init: lua_native.init, createSharedTable: lua_native.createSharedTable };
