// Types for lua-native: embed Lua 5.5 in Node.js.

/** A value as it crosses from Lua to JavaScript or back. */
export type LuaValue =
  | null
  | undefined
  | boolean
  | number
  | string
  | LuaValue[]
  | LuaTable
  | LuaTableRef
  | LuaFunction
  | LuaCoroutine
  | LuaUserdataHandle;

/** A Lua table without a metatable, copied into a plain object. */
export interface LuaTable {
  [key: string]: LuaValue;
}

/** A table with a metatable: a live Proxy whose reads and writes reach Lua. */
export interface LuaTableRef {
  [key: string]: LuaValue;
}

/** A Lua function; calling it runs Lua and shapes the results. */
export type LuaFunction = (...args: any[]) => any;

/** A Lua coroutine seen from JavaScript. */
export interface LuaCoroutine {
  status: 'suspended' | 'running' | 'dead';
  readonly _coroutine: unknown;
}

/** A userdata created by Lua (an `io` file, say): opaque, but it goes back to Lua as itself. */
export interface LuaUserdataHandle {
  readonly _userdata: unknown;
}

/** A JavaScript function Lua can call; it returns one Lua value. */
export type LuaCallback = (...args: any[]) => any;

/** The constructor's first argument: functions become callable globals, anything else a global value. */
export interface LuaCallbacks {
  [name: string]: LuaCallback | LuaValue | object;
}

/** The ten standard libraries. */
export type LuaLibrary = 'base' | 'package' | 'coroutine' | 'table' | 'io' | 'os' | 'string' | 'math' | 'utf8' | 'debug';

/** `'all'`: every library. `'safe'`: all but io, os and debug. */
export type LuaLibraryPreset = 'all' | 'safe';

export interface LuaInitOptions {
  /** Which standard libraries to open. Omitted: none at all (a bare state). */
  libraries?: LuaLibrary[] | LuaLibraryPreset;
}

/** Every error thrown carries a stable code besides the spec's message. */
export interface LuaError extends Error {
  code:
    | 'LUA_RUNTIME'
    | 'LUA_SYNTAX'
    | 'LUA_MEMORY'
    | 'LUA_FILE'
    | 'LUA_CONVERSION'
    | 'LUA_INVALID_ARGUMENT'
    | 'LUA_BUSY'
    | 'LUA_INTERNAL'
    | string;
  /** Lua's stack traceback, when the error was raised by running Lua code. */
  luaTraceback?: string;
}

export interface LuaContext {
  /** Runs Lua source; 0 results give `undefined`, 1 the value, more an array. */
  execute_script<T extends LuaValue | LuaValue[] = LuaValue>(script: string): T;
  /** Runs a Lua file (source or precompiled), with the same result shaping. */
  execute_file<T extends LuaValue | LuaValue[] = LuaValue>(filepath: string): T;
  /** Sets a global; a function becomes callable from Lua. */
  set_global(name: string, value: LuaValue | LuaCallback | object): void;
  /** Reads a global (`null` when unset). */
  get_global<T extends LuaValue = LuaValue>(name: string): T;
}

export interface LuaContextConstructor {
  new (callbacks?: LuaCallbacks, options?: LuaInitOptions): LuaContext;
  readonly prototype: LuaContext;
}

export interface LuaNative {
  init: LuaContextConstructor;
}

export declare const init: LuaContextConstructor;
declare const lua_native: LuaNative;
export default lua_native;
