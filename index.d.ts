// Types for lua-native: embed Lua 5.5 in Node.js.

/**
 * A value as it comes from Lua. Integers beyond ±(2^53 − 1) arrive as
 * `bigint`; strings arrive as `Uint8Array` under `binaryStrings`; plain tables
 * arrive as `Map` under `tableAs: 'map'`.
 */
export type LuaValue =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | LuaValue[]
  | LuaTable
  | LuaTableRef
  | LuaTableHandle
  | Map<LuaKey, LuaValue>
  | LuaFunction
  | LuaCoroutine
  | LuaUserdataHandle;

/**
 * What JavaScript may hand to Lua: every `LuaValue`, plus the built-ins that
 * convert on the way in (`Date` → epoch milliseconds, `Map` → table, `Set` →
 * sequence, `ArrayBuffer` and its views → a binary string, `RegExp` → its
 * source), JS functions, and objects a registered type converter accepts.
 */
export type LuaInput =
  | LuaValue
  | Date
  | Map<unknown, LuaInput>
  | Set<LuaInput>
  | ArrayBuffer
  | ArrayBufferView
  | RegExp
  | LuaCallback
  | LuaInput[]
  | { [key: string]: LuaInput }
  | object;

/**
 * A key of a table handle: an integral number is an integer key, any other
 * number a float key; a string is always a string key (`'1'` and `1` differ);
 * a `bigint` is an integer key; a `Uint8Array` is a string of those bytes.
 */
export type LuaKey = string | number | boolean | bigint | Uint8Array;

declare const tableHandleBrand: unique symbol;

/**
 * A live reference to a Lua table (`create_table`, `get_global_ref`,
 * `get_ref`): reads and writes reach the table itself, metamethods run. It
 * keeps the table alive until `release()` (or until JavaScript collects it).
 * Passed back to Lua it is the same table. Iterating it (`for...of`) takes a
 * snapshot of the keys and reads each value raw, as its turn comes.
 */
export interface LuaTableHandle extends Iterable<[LuaKey, LuaValue]> {
  readonly [tableHandleBrand]: true;
  /** `t[key]`, through `__index`; tables come back as copies (use `get_ref` for a live one). */
  get<T extends LuaValue = LuaValue>(key: LuaKey): T;
  /** `t[key] = value`, through `__newindex`; `null` / `undefined` removes the key. */
  set(key: LuaKey, value: LuaInput): void;
  /** Whether `t[key]` (through `__index`) is not nil. */
  has(key: LuaKey): boolean;
  /** `#t`, through `__len`. */
  length(): number;
  /** Every `[key, value]`, read raw; keys that are tables, functions, userdata or threads are skipped. */
  pairs(): Array<[LuaKey, LuaValue]>;
  /** `[i, t[i]]` for i = 1, 2, ... up to the first nil. */
  ipairs(): Array<[number, LuaValue]>;
  /** The keys `pairs()` would give, without converting any value. */
  keys(): LuaKey[];
  /** A live handle to the table at `t[key]` (through `__index`). */
  get_ref(key: LuaKey): LuaTableHandle;
  /** Lets the table go now; idempotent. Every later use throws `table handle has been released`. */
  release(): void;
  [Symbol.iterator](): IterableIterator<[LuaKey, LuaValue]>;
}

/** A Lua table without a metatable, copied into a plain object. */
export interface LuaTable {
  [key: string]: LuaValue;
}

declare const tableRefBrand: unique symbol;

/** A table with a metatable: a live Proxy whose reads and writes reach Lua. */
export interface LuaTableRef {
  readonly [tableRefBrand]: true;
  [key: string]: LuaValue;
}

/** A Lua function; calling it runs Lua and shapes the results. */
export type LuaFunction = (...args: any[]) => any;

/**
 * A Lua coroutine seen from JavaScript. Iterable: each `[Symbol.iterator]()`
 * is an independent cursor; each `yield` is one step (several values arrive
 * as an array), the final `return` comes with `done: true` (`for..of` drops
 * it), `next(...args)` sends resume values, and an error inside the
 * coroutine is thrown from `next()`. Breaking out leaves it suspended.
 */
export interface LuaCoroutine extends Iterable<any>, AsyncIterable<any> {
  status: 'suspended' | 'running' | 'dead';
  readonly _coroutine: unknown;
  [Symbol.iterator](): Iterator<any, any, any>;
  /**
   * The same cursor stepping through `resume_async` (EVOLUTION B13): the
   * coroutine may await JS Promises; `for await` drives it.
   */
  [Symbol.asyncIterator](): AsyncIterator<any, any, any>;
}

/** A userdata created by Lua (an `io` file, say): opaque, but it goes back to Lua as itself. */
export interface LuaUserdataHandle {
  readonly _userdata: unknown;
}

/** Decides whether a converter applies to a value (only objects are offered). */
export type ConverterMatch = (value: object) => unknown;

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
  /** Every Lua string value arrives as a `Uint8Array` of its exact bytes (table keys of objects stay text). */
  binaryStrings?: boolean;
  /** Conversions that would silently lose data throw instead (messages start `strict conversion:`). */
  strictConversion?: boolean;
  /** `'map'`: every plain table arrives as a `Map` whose keys keep their Lua types. Default `'object'`. */
  tableAs?: 'object' | 'map';
  /**
   * Whether binary chunks may be loaded. Default `true`, except under
   * `'sandbox'` (`false`); an explicit value wins. With `false` every door
   * refuses bytecode: `load_bytecode` throws, `execute_file` /
   * `compile_file` and Lua's `load`, `loadfile`, `dofile` and `require` read
   * text only. Under `'safe'` and `'sandbox'` scripts read text only
   * whatever this says; `true` there opens only the host's doors.
   */
  allowBytecode?: boolean;
  /**
   * `'deny'` closes every Lua door to the disk (`dofile`, `loadfile`,
   * `io.open`/`lines`/`input`/`output`, `os.remove`/`rename`/`tmpname`,
   * `package.loadlib`/`searchpath` and the file searchers), each failing in
   * its own idiom; `add_search_path` throws. The host's `execute_file`,
   * `compile_file` and the file reader still work. For the life of the
   * context (kept across `reset()`). Default `'allow'`.
   */
  filesystem?: 'allow' | 'deny';
  /** A print handler from the start (see `set_print_handler`); it wins over a `print` in the callbacks object. */
  print?: LuaPrintHandler;
}

/**
 * A virtual file system for `dofile` and `loadfile` (`set_file_reader`): the
 * path in, the file's source out (a string, or a `Uint8Array` of exact
 * bytes), or `null`/`undefined` for "no such file".
 */
export type LuaFileReader = (path: string) => string | Uint8Array | null | undefined;

/**
 * Receives what `print` and `io.write` write: `print`'s values as `tostring`
 * gives them, tab-separated, with a newline; `io.write`'s text as it is.
 * Whatever it throws is swallowed.
 */
export type LuaPrintHandler = (text: string) => void;

/** What `io.read` asks for: `'l'`, `'L'`, `'a'`, `'n'` (a leading `*` stripped), or a byte count. */
export type LuaReadFormat = 'l' | 'L' | 'a' | 'n' | number;

/**
 * Answers one `io.read` format: text, a `Uint8Array` of exact bytes, or
 * `null`/`undefined`/a boolean for the end of input (`''` is an empty line).
 * For `'n'` the text is parsed as a Lua number. A throw becomes the Lua error
 * `io.read handler failed: <message>`.
 */
export type LuaReadHandler = (format: LuaReadFormat) => string | Uint8Array | null | undefined | boolean;

/** Gives `require` a module's Lua source (loaded as text only), or `null`/`undefined` to pass. Must not be async. */
export type LuaSearcher = (name: string) => string | null | undefined;

/** Options of `compile` and `compile_file` (`chunkName` is ignored by `compile_file`). */
export interface CompileOptions {
  stripDebug?: boolean;
  chunkName?: string;
}

/** A method of an object given to `set_userdata`: `self` is that object (Lua's `obj:name(...)`). */
export type UserdataMethod<T extends object = any> = (self: T, ...args: any[]) => any;

/** How Lua may touch an object given to `set_userdata`; neither (and no methods): an opaque handle. */
export interface UserdataOptions<T extends object = any> {
  readable?: boolean;
  writable?: boolean;
  /**
   * Functions Lua calls as `obj:name(...)`, read once when the object is
   * given. A method wins over a property of the same name; with methods, a
   * key that is no method reads as nil unless the object is readable.
   */
  methods?: Record<string, UserdataMethod<T>>;
}

/** A getter and/or a setter of a class property (at least one of the two). */
export type ClassProperty<T extends object = any> =
  | { get: (self: T) => LuaInput; set?: (self: T, value: LuaValue) => void }
  | { get?: (self: T) => LuaInput; set: (self: T, value: LuaValue) => void };

/** The metamethods a class may define (the mechanism owns `__index`, `__newindex`, `__gc`, `__mode`, `__metatable`, `__name`). */
export type ClassMetamethod =
  | '__add' | '__sub' | '__mul' | '__div' | '__mod' | '__pow' | '__unm' | '__idiv'
  | '__band' | '__bor' | '__bxor' | '__shl' | '__shr' | '__bnot'
  | '__eq' | '__lt' | '__le' | '__len' | '__concat' | '__call' | '__tostring' | '__close';

/** What `register_class(name, def)` reads, once. */
export interface ClassDefinition<T extends object = any> {
  /** Called by Lua's `Name.new(...)`; the object it returns becomes the instance. */
  construct: (...args: LuaValue[]) => T;
  /** The name of a class registered earlier on this context: its methods, metamethods and accessors are inherited. */
  extends?: string;
  /** Lua calls `obj:name(...)`; `self` (and `this`) is the instance's JS object. */
  methods?: Record<string, (self: T, ...args: LuaValue[]) => LuaInput | void>;
  /** Called with the operands as Lua passes them (instances arrive as their JS objects). */
  metamethods?: Partial<Record<ClassMetamethod, (...args: any[]) => LuaInput | void>>;
  /** `obj.name` calls `get(self)`, `obj.name = v` calls `set(self, v)`. */
  properties?: Record<string, ClassProperty<T>>;
  /** Fields of the global `Name` table, converted at registration (`new` is reserved). */
  statics?: Record<string, LuaInput>;
  /** Other keys read the JS object's properties (not inherited). */
  readable?: boolean;
  /** Other keys write the JS object's properties (not inherited). */
  writable?: boolean;
}

/** Entries of a metatable: JS functions become metamethods, other values are copied. */
export type MetatableDefinition = Record<string, LuaCallback | LuaValue | object>;

/** The result of `resume` and `resume_async`. */
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
    /** `set_userdata` objects given methods (objects, not method entries). */
    userdataMethods: number;
    typeConverters: number;
    fromLuaConverters: number;
    sharedTables: number;
    /** The print handler, the read handler and the debug hook held (0-3). */
    handlers: number;
    /** `add_searcher` functions held. */
    searchers: number;
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

/**
 * Options of the source doors (`execute_script`, `execute_script_async`,
 * `create_coroutine`). `chunkName` follows Lua's rules: `@name` reads like a
 * file (`name:2:`), `=name` is printed verbatim, anything else gives
 * `[string "name"]`; omitted (or `''`), the source text is the name.
 */
export interface ScriptOptions {
  chunkName?: string;
}

/** One frame of `get_stack()`, innermost (level 0) first. */
export interface LuaStackFrame {
  level: number;
  /** The chunk name as given (`@file`, `=name`, or the source text). */
  source: string;
  /** Its printable form (`file`, `name`, `[string "..."]`, `[C]`). */
  shortSource: string;
  /** -1 where there is none (a C function). */
  currentLine: number;
  /** 0 for a main chunk, -1 for a C function. */
  lineDefined: number;
  /** `''` when Lua cannot tell. */
  name: string;
  nameWhat: string;
  what: 'Lua' | 'C' | 'main' | string;
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
  /** Lua's stack traceback, when the error was raised by running Lua code (limits included). */
  luaTraceback?: string;
}

/** An environment from `create_environment()`: a table handle (EVOLUTION B9). */
export type LuaEnvironment = LuaTableHandle;

/** Options of `create_environment()`. */
export interface LuaEnvironmentOptions {
  /** Global names copied into the environment. */
  whitelist?: string[];
  /** Reads of names the environment lacks fall through to the globals. */
  inherit?: boolean;
}

/** The result of `pcall(fn, ...args)`. */
export type LuaPcallResult<T = LuaValue> =
  | { ok: true; value: T }
  | { ok: false; error: LuaError | unknown };

export interface LuaContext {
  /** Runs Lua source; 0 results give `undefined`, 1 the value, more an array. */
  execute_script<T extends LuaValue | LuaValue[] = LuaValue>(script: string, options?: ScriptOptions): T;
  /** Runs a Lua file (source or precompiled), with the same result shaping. */
  execute_file<T extends LuaValue | LuaValue[] = LuaValue>(filepath: string): T;
  /** Sets a global; a function becomes callable from Lua. */
  set_global(name: string, value: LuaInput): void;
  /** Reads a global (`null` when unset). A dotted name reads a path (`a.b.c`). */
  get_global<T extends LuaValue = LuaValue>(name: string): T;
  /** Gives Lua a handle to `value` (by reference); see `UserdataOptions`. */
  set_userdata<T extends object>(name: string, value: T, options?: UserdataOptions<T>): void;
  /**
   * Makes the global `name` a class table: Lua's `name.new(...)` calls
   * `def.construct` and gives Lua the returned object as an instance of the
   * class (see `ClassDefinition`). Not replayed by `reset()`.
   */
  register_class<T extends object>(name: string, def: ClassDefinition<T>): void;
  /** Replaces the metatable of a table: the global `name`, a table handle, or a table Proxy. */
  set_metatable(target: string | LuaTableHandle | LuaTableRef, metatable: MetatableDefinition): void;
  /** A new table, filled from `initial`, held by a live handle. */
  create_table(initial?: Record<string, LuaInput> | LuaInput[]): LuaTableHandle;
  /** A live handle to the global table `name` (a dotted name reads a path). */
  get_global_ref(name: string): LuaTableHandle;
  /** Calls the Lua function at global `name` (or a dotted path) without making a wrapper. */
  call<T extends LuaValue | LuaValue[] = LuaValue>(name: string, ...args: LuaInput[]): T;
  /**
   * Calls `fn` and gives its failure as a value: `{ ok: true, value }` (shaped as a call result)
   * or `{ ok: false, error }` (what the call would have thrown). `fn` is a Lua function of this
   * context; any other function is called as it is. Limits (instruction limit, timeout, cancel)
   * are never caught: they throw.
   */
  pcall<T extends LuaValue | LuaValue[] = LuaValue>(fn: (...args: any[]) => any, ...args: LuaInput[]): LuaPcallResult<T>;
  /**
   * A new table holding the globals named in `whitelist` (read from `_G` with metamethods, stored
   * raw; shallow; unset names skipped). With `inherit`, its metatable is `{ __index = _G }`:
   * reads fall through to the globals, writes stay in the environment.
   */
  create_environment(options?: LuaEnvironmentOptions): LuaEnvironment;
  /**
   * Runs `script` with `env` (an environment or any table handle or Proxy of this context) as
   * its `_ENV`; results, limits and errors as `execute_script`.
   */
  execute_script_in<T extends LuaValue | LuaValue[] = LuaValue>(env: LuaEnvironment | LuaTableRef, script: string, options?: ScriptOptions): T;
  /** Frees what a Lua function, coroutine, table Proxy or table handle holds, now; idempotent. */
  release(value: LuaFunction | LuaCoroutine | LuaTableRef | LuaTableHandle): void;
  /**
   * Adds a JS → Lua converter: for an object value (after the library's own
   * handles, before the built-ins), the first converter whose `match` is
   * truthy converts it, and its result is converted again.
   */
  register_type_converter<T extends object = any>(match: ConverterMatch, convert: (value: T) => LuaInput): void;
  /**
   * Adds a Lua → JS converter: an object that Lua's value became (a copied
   * table or Map, a Proxy, a handle object) is offered to each `match` in turn; the
   * first match's `convert` result is used as it is. Primitives skip the list.
   */
  register_from_lua_converter<T extends object = any>(match: ConverterMatch, convert: (value: T) => unknown): void;
  /** Makes a coroutine of a Lua function of this context, or of the function `script` returns. */
  create_coroutine(body: string | LuaFunction, options?: ScriptOptions): LuaCoroutine;
  /** Resumes a coroutine; Lua-side failures are reported in `error`, never thrown. */
  resume(coroutine: LuaCoroutine, ...args: LuaInput[]): CoroutineResult;
  /**
   * Runs a script on the libuv thread pool; JS callbacks are refused meanwhile.
   * `cancel()`, an aborted `options.signal` or `dispose()` stop it.
   */
  execute_script_async<T extends LuaValue | LuaValue[] = LuaValue>(script: string, options?: AsyncOptions & ScriptOptions): Promise<T>;
  execute_file_async<T extends LuaValue | LuaValue[] = LuaValue>(filepath: string, options?: AsyncOptions): Promise<T>;
  /**
   * Runs the script as a coroutine on this thread: a JS callback that
   * returns a Promise suspends it until the Promise settles (fulfilled: the
   * callback's result; rejected: a Lua error `pcall` can catch, which
   * uncaught rejects this promise with the rejection reason itself). The
   * context is busy for the whole run, await gaps included. Failures past
   * argument validation (syntax errors included) reject.
   */
  execute_async<T extends LuaValue | LuaValue[] = LuaValue>(script: string, options?: AsyncOptions & ScriptOptions): Promise<T>;
  /** `execute_async` seeded from a global (or dotted path) function or a Lua function of this context; `__call` tables are refused. */
  call_async<T extends LuaValue | LuaValue[] = LuaValue>(nameOrFn: string | LuaFunction, ...args: LuaInput[]): Promise<T>;
  /**
   * Resumes the coroutine as a driven run, so it may await Promises; resolves
   * with `{ status, values, error? }` (a Lua error goes into `error`).
   * `cancel()` at an await leaves the coroutine suspended and resumable.
   */
  resume_async(coroutine: LuaCoroutine, ...args: LuaInput[]): Promise<CoroutineResult>;
  /**
   * Runs the coroutine's pending `<close>` variables and marks it dead;
   * idempotent, a no-op on dead or released coroutines. A raising `__close`
   * makes it throw (the coroutine is dead all the same).
   */
  close(coroutine: LuaCoroutine): void;
  /** Whether an async run is in flight, worker or driven (then every other method throws). */
  is_busy(): boolean;
  /**
   * Stops the run in flight: an async run (its promise rejects with
   * `execution cancelled`, code `LUA_CANCELLED`; a driven run is stopped at
   * its await, or, called while it runs, as soon as its step returns), or, called from a JS
   * callback or the debug hook, the synchronous run that called it (which
   * throws that error). The script cannot catch it. A no-op when nothing
   * runs (nothing carries over to the next run) and on a disposed context.
   */
  cancel(): void;
  /** Appends a `?` template to `package.path` (throws under `filesystem: 'deny'`). */
  add_search_path(path: string): void;
  /**
   * Makes `dofile` and `loadfile` resolve every path through `reader` alone
   * (no disk fallback), loading its answer as text only; `null` sets both
   * back to nil. Kept across `reset()`.
   */
  set_file_reader(reader: LuaFileReader | null): void;
  /** Makes `require(name)` return a table built from `module`. */
  register_module(name: string, module: object): void;
  /** Compiles (does not run) source to bytecode. */
  compile(script: string, options?: CompileOptions): Buffer;
  compile_file(filepath: string, options?: CompileOptions): Buffer;
  /** Runs precompiled bytecode (binary chunks only). */
  load_bytecode<T extends LuaValue | LuaValue[] = LuaValue>(bytecode: Uint8Array, chunkName?: string): T;
  /** Bytes the state holds, as its allocator counts them. */
  get_memory_usage(): number;
  /**
   * The frames of the Lua code that called into JavaScript (from a callback,
   * metamethod, hook or finalizer), innermost first, at most `maxLevels`
   * (default 200); `[]` when nothing is executing. Read-only.
   */
  get_stack(options?: { maxLevels?: number }): LuaStackFrame[];
  /** The named locals of the frame at `level` (temporaries skipped); a missing level is a RangeError. */
  get_locals(level: number): { name: string; value: LuaValue }[];
  /** Sets the debug hook (one per context); limits stay in force. */
  set_hook(callback: LuaHookCallback, options: HookOptions): void;
  remove_hook(): void;
  gc(command: 'collect' | 'stop' | 'restart'): void;
  gc(command: 'count'): number;
  gc(command: 'isrunning'): boolean;
  gc(command: 'step', stepSize?: number): boolean;
  gc(command: 'incremental' | 'generational'): LuaGCMode;
  gc(command: 'param', name: LuaGCParam, value?: number): number;
  /**
   * Sends `print` and `io.write` output to `handler` instead of stdout;
   * `null` puts back the functions that were there. Output of a worker run
   * (`execute_script_async`) is dropped.
   */
  set_print_handler(handler: LuaPrintHandler | null): void;
  /**
   * Makes `io.read` ask `handler`, once per format. Without an `io` library a
   * minimal `io = { read }` is made (`null` removes exactly that table).
   * Returns `false`, keeping nothing, when the global `io` is not a table.
   */
  set_read_handler(handler: LuaReadHandler | null): boolean;
  /** Appends a module searcher to `package.searchers` (needs the `package` library). */
  add_searcher(searcher: LuaSearcher): void;
  /**
   * A fresh state with the same options; search paths, searchers, constructor
   * callbacks, print and read handlers, hook and shared tables are replayed.
   */
  reset(): void;
  info(): LuaStateInfo;
  /**
   * Closes the state now; every later call and every handle refuses. During
   * an async run it cancels the run, whose promise rejects with
   * `the Lua context has been closed` (`LUA_DISPOSED`), and the state closes
   * as soon as the worker lets go (a driven run at an await lets go at
   * once; from inside one of its steps dispose() is refused as busy).
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
