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
  | LuaUserdataHandle
  | LuaTableHandle;

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

/** A key of the table-handle methods: an integral number is an integer key, a string always a string key. */
export type LuaTableKey = string | number | boolean | bigint | Uint8Array;

/**
 * A live reference to a Lua table (`create_table`, `get_global_ref`, `get_ref`).
 * Pushed into Lua it is the very table; it cannot be constructed from JavaScript.
 */
export interface LuaTableHandle extends Iterable<[LuaValue, LuaValue]> {
  /** `t[key]`, through `__index`. */
  get<T extends LuaValue = LuaValue>(key: LuaTableKey): T;
  /** `t[key] = value`, through `__newindex`; `undefined` / `null` store nil. */
  set(key: LuaTableKey, value: LuaValue | LuaCallback | object): void;
  /** Whether `t[key]` (through `__index`) is not nil. */
  has(key: LuaTableKey): boolean;
  /** `#t`, through `__len`. */
  length(): number;
  /** Every `[key, value]`, from a raw snapshot (table, function, userdata and thread keys left out). */
  pairs(): [LuaValue, LuaValue][];
  /** `[1, t[1]], [2, t[2]], ...` up to the first nil, read as Lua's `ipairs` reads. */
  ipairs(): [number, LuaValue][];
  /** The keys of `pairs()`, with no value converted. */
  keys(): LuaValue[];
  /** A live handle to the table at `key` (one key, never a dotted path). */
  get_ref(key: LuaTableKey): LuaTableHandle;
  /** Frees the registry slot now; idempotent. Every later call throws. */
  release(): void;
  /** Keys snapshotted at the start; values read raw at their turn. */
  [Symbol.iterator](): IterableIterator<[LuaValue, LuaValue]>;
}

/** A JavaScript function Lua can call; it returns one Lua value. */
export type LuaCallback = (...args: any[]) => any;

/** The constructor's first argument: functions become callable globals, anything else a global value. */
export interface LuaCallbacks {
  [name: string]: LuaCallback | LuaValue | object;
}

/** The ten standard libraries. */
export type LuaLibrary = 'base' | 'package' | 'coroutine' | 'table' | 'io' | 'os' | 'string' | 'math' | 'utf8' | 'debug';

/**
 * `'all'`: every library. `'safe'`: all but io, os and debug, and scripts can
 * load neither native code nor binary chunks. `'sandbox'`: `'safe'` without
 * `package`, `loadfile` and `dofile` (no filesystem at all).
 */
export type LuaLibraryPreset = 'all' | 'safe' | 'sandbox';

export interface LuaInitOptions {
  /** Which standard libraries to open. Omitted: none at all (a bare state). */
  libraries?: LuaLibrary[] | LuaLibraryPreset;
  /** Most bytes the state may hold (0 or omitted: no limit). */
  maxMemory?: number;
  /** Most VM instructions one call from JavaScript may run (0 or omitted: no limit). */
  maxInstructions?: number;
  /** Longest one call from JavaScript may run, in milliseconds (0 or omitted: no limit). */
  timeout?: number;
  /** Shared tables to publish into this context, by global name. */
  shared?: Record<string, SharedTable>;
}

/** Options of `compile` and `compile_file` (`chunkName` is ignored by `compile_file`). */
export interface CompileOptions {
  stripDebug?: boolean;
  chunkName?: string;
}

/** How Lua may touch an object given to `set_userdata`; neither: an opaque handle. */
export interface UserdataOptions {
  readable?: boolean;
  writable?: boolean;
}

/** Entries of a metatable: JS functions become metamethods, other values are copied. */
export type MetatableDefinition = Record<string, LuaCallback | LuaValue | object>;

/** The result of `resume`. */
export interface CoroutineResult {
  status: 'suspended' | 'dead';
  values: LuaValue[];
  error?: string;
}

export type LuaHookEvent = 'call' | 'tail call' | 'return' | 'line' | 'count';
export type LuaHookCallback = (event: LuaHookEvent, line: number, name: string) => void;
export interface HookOptions {
  call?: boolean;
  return?: boolean;
  line?: boolean;
  count?: number;
}

export type LuaGCMode = 'incremental' | 'generational';
export type LuaGCParam = 'minormul' | 'majorminor' | 'minormajor' | 'pause' | 'stepmul' | 'stepsize';

export interface LuaStateInfo {
  version: string;
  release: string;
  versionNumber: number;
  memoryBytes: number;
  memoryKB: number;
  memoryLimit: number;
  maxInstructions: number;
  timeout: number;
  libraries: LuaLibrary[];
  bindingRefs: {
    callbacks: number;
    userdata: number;
    sharedTables: number;
    handlers: number;
    callbacksObject: number;
    total: number;
  };
}

/** One JavaScript value published to several contexts (copies, not shared memory). */
export interface SharedTable {
  get(key: string): any;
  /** Sets a key and pushes the whole value to every subscribed context. */
  set(key: string, value: LuaValue | object): void;
  /** Pushes the value again (after mutating it directly). */
  sync(): void;
}

/** Options of the async doors (`execute_script_async`, `execute_file_async`). */
export interface AsyncOptions {
  /**
   * Cancels the run when aborted, as `cancel()` does; the rejection's `cause`
   * is `signal.reason`. An already-aborted signal rejects without running.
   * The listener is removed once the run settles.
   */
  signal?: AbortSignal;
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
    | 'LUA_INSTRUCTION_LIMIT'
    | 'LUA_TIMEOUT'
    | 'LUA_CANCELLED'
    | 'LUA_DISPOSED'
    | 'LUA_STALE_HANDLE'
    | 'LUA_PACKAGE'
    | 'LUA_RESET_FAILED'
    | 'LUA_RELEASED'
    | 'LUA_FOREIGN_CONTEXT'
    | 'LUA_NOT_A_TABLE'
    | 'LUA_NOT_A_FUNCTION'
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
  /** Reads a global (`null` when unset). A dotted name reads a path (`a.b.c`). */
  get_global<T extends LuaValue = LuaValue>(name: string): T;
  /** Gives Lua a handle to `value` (by reference); see `UserdataOptions`. */
  set_userdata(name: string, value: object, options?: UserdataOptions): void;
  /** Replaces the metatable of a table: a global's name, a table handle or a Proxy. */
  set_metatable(target: string | LuaTableHandle | LuaTableRef, metatable: MetatableDefinition): void;
  /** A handle to a new table, filled from a plain object or array. */
  create_table(initial?: Record<string, any> | any[]): LuaTableHandle;
  /** A handle to the table at a global name or dotted path. */
  get_global_ref(name: string): LuaTableHandle;
  /** Calls the Lua function at a global name or dotted path (no wrapper is made). */
  call<T extends LuaValue | LuaValue[] = LuaValue>(name: string, ...args: any[]): T;
  /** Frees a Lua function, coroutine, Proxy or table handle now; later use throws. */
  release(value: LuaFunction | LuaCoroutine | LuaTableRef | LuaTableHandle): void;
  /** Runs `script`, which must return a function, and makes a coroutine of it. */
  create_coroutine(script: string): LuaCoroutine;
  /** Resumes a coroutine; Lua-side failures are reported in `error`, never thrown. */
  resume(coroutine: LuaCoroutine, ...args: any[]): CoroutineResult;
  /**
   * Runs a script on the libuv thread pool; JS callbacks are refused meanwhile.
   * `cancel()`, an aborted `options.signal` or `dispose()` stop it.
   */
  execute_script_async<T extends LuaValue | LuaValue[] = LuaValue>(script: string, options?: AsyncOptions): Promise<T>;
  execute_file_async<T extends LuaValue | LuaValue[] = LuaValue>(filepath: string, options?: AsyncOptions): Promise<T>;
  /** Whether an async run is in flight (then every other method throws). */
  is_busy(): boolean;
  /**
   * Stops the run in flight: an async run (its promise rejects with
   * `execution cancelled`, code `LUA_CANCELLED`), or, called from a JS
   * callback or the debug hook, the synchronous run that called it (which
   * throws that error). The script cannot catch it. A no-op when nothing
   * runs (nothing carries over to the next run) and on a disposed context.
   */
  cancel(): void;
  /** Appends a `?` template to `package.path`. */
  add_search_path(path: string): void;
  /** Makes `require(name)` return a table built from `module`. */
  register_module(name: string, module: object): void;
  /** Compiles (does not run) source to bytecode. */
  compile(script: string, options?: CompileOptions): Buffer;
  compile_file(filepath: string, options?: CompileOptions): Buffer;
  /** Runs precompiled bytecode (binary chunks only). */
  load_bytecode<T extends LuaValue | LuaValue[] = LuaValue>(bytecode: Uint8Array, chunkName?: string): T;
  /** Bytes the state holds, as its allocator counts them. */
  get_memory_usage(): number;
  /** Sets the debug hook (one per context); limits stay in force. */
  set_hook(callback: LuaHookCallback, options: HookOptions): void;
  remove_hook(): void;
  gc(command: 'collect' | 'stop' | 'restart'): void;
  gc(command: 'count'): number;
  gc(command: 'isrunning'): boolean;
  gc(command: 'step', stepSize?: number): boolean;
  gc(command: 'incremental' | 'generational'): LuaGCMode;
  gc(command: 'param', name: LuaGCParam, value?: number): number;
  /** A fresh state with the same options; constructor callbacks, search paths, hook and shared tables are replayed. */
  reset(): void;
  info(): LuaStateInfo;
  /**
   * Closes the state now; every later call and every handle refuses. During
   * an async run it cancels the run, whose promise rejects with
   * `the Lua context has been closed` (`LUA_DISPOSED`), and the state closes
   * as soon as the worker lets go.
   */
  dispose(): void;
}

export interface LuaContextConstructor {
  new (callbacks?: LuaCallbacks, options?: LuaInitOptions): LuaContext;
  readonly prototype: LuaContext;
}

export interface LuaNative {
  init: LuaContextConstructor;
  createSharedTable(initial?: Record<string, any> | any[]): SharedTable;
}

export declare const init: LuaContextConstructor;
export declare function createSharedTable(initial?: Record<string, any> | any[]): SharedTable;
declare const lua_native: LuaNative;
export default lua_native;
