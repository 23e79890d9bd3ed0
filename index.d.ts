// Types for lua-native: embed Lua 5.5 in Node.js.
//
// These declarations need no `@types/node`: bytes are `Uint8Array` (a
// `Buffer` is one), and `AbortSignal` is described by the members the addon
// reads. They do need the ES2020 library or later (`bigint`, async iterables).

// `Symbol.dispose`, for `[Symbol.dispose]()` on contexts, declared as
// TypeScript's `esnext.disposable` library and `@types/node` declare it, so
// the declarations compile with or without either (the property exists at run
// time on every Node.js that has `Symbol.dispose`).
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

/**
 * What a call that runs Lua is typed as: `LuaValue` unless the caller names
 * the type it expects (`ctx.execute_script<number>('return 1')`). The type
 * argument is the caller's assertion, checked by nothing; it is never
 * inferred from where the result goes, so `const s: string =
 * ctx.execute_script('return 1')` does not compile.
 */
// `[T][T extends unknown ? 0 : never]` is `T`, written so that TypeScript
// cannot infer `T` through it (what `NoInfer<T>` does from TypeScript 5.4 on;
// this form works in older versions too). A plain `T` in the false branch
// would let the assignment's type become `T`.
export type LuaResult<T> = [T] extends [never] ? LuaValue : [T][T extends unknown ? 0 : never];

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
 *
 * Every method throws `table handle has been released` (`LUA_RELEASED`) after
 * `release()`, `LUA_STALE_HANDLE` once `reset()` replaced the state,
 * `LUA_DISPOSED` after `dispose()`, `LUA_BUSY` during an async run, and a
 * TypeError (`LUA_INVALID_ARGUMENT`) for a key of the wrong type.
 */
export interface LuaTableHandle extends Iterable<[LuaKey, LuaValue]> {
  readonly [tableHandleBrand]: true;
  /**
   * `t[key]`, through `__index`; tables come back as copies (use `get_ref` for a live one).
   * @throws {LuaError} `LUA_RUNTIME` (an `__index` that raised), `LUA_CONVERSION`, a limit's code; see the interface for the rest.
   * @example const n = h.get<number>('count'); // LuaValue without the type argument
   */
  get<T = never>(key: LuaKey): LuaResult<T>;
  /**
   * `t[key] = value`, through `__newindex`; `null` / `undefined` removes the key.
   * @throws {LuaError} `LUA_RUNTIME` (a `__newindex` that raised), `LUA_CONVERSION`, a limit's code.
   * @example h.set('when', new Date()); h.set(1, 'first');
   */
  set(key: LuaKey, value: LuaInput): void;
  /**
   * Whether `t[key]` (through `__index`) is not nil.
   * @throws {LuaError} `LUA_RUNTIME` (an `__index` that raised), a limit's code.
   * @example if (h.has('name')) console.log(h.get('name'));
   */
  has(key: LuaKey): boolean;
  /**
   * `#t`, through `__len`.
   * @throws {LuaError} `LUA_RUNTIME` (a `__len` that raised or gave no integer), a limit's code.
   * @example const n = h.length();
   */
  length(): number;
  /**
   * Every `[key, value]`, read raw; keys that are tables, functions, userdata or threads are skipped.
   * @throws {LuaError} `LUA_CONVERSION`, `LUA_MEMORY`.
   * @example for (const [k, v] of h.pairs()) console.log(k, v);
   */
  pairs(): Array<[LuaKey, LuaValue]>;
  /**
   * `[i, t[i]]` for i = 1, 2, ... up to the first nil.
   * @throws {LuaError} `LUA_RUNTIME` (an `__index` that raised), `LUA_CONVERSION`, a limit's code.
   * @example const list = h.ipairs().map(([, v]) => v);
   */
  ipairs(): Array<[number, LuaValue]>;
  /**
   * The keys `pairs()` would give, without converting any value.
   * @throws {LuaError} `LUA_MEMORY`.
   * @example const names = h.keys();
   */
  keys(): LuaKey[];
  /**
   * A live handle to the table at `t[key]` (through `__index`).
   * @throws {LuaError} `LUA_NOT_A_TABLE` when the value there is no table; `LUA_RUNTIME` (an `__index` that raised).
   * @example const server = config.get_ref('server'); server.set('port', 8080);
   */
  get_ref(key: LuaKey): LuaTableHandle;
  /**
   * Lets the table go now; idempotent. Every later use throws `table handle has been released`.
   * @throws {LuaError} nothing on a released, stale or disposed handle; `LUA_BUSY` during an async run.
   * @example h.release();
   */
  release(): void;
  /**
   * A snapshot of the keys; each value is read raw as its turn comes.
   * @throws {LuaError} as `pairs()`.
   * @example for (const [k, v] of h) console.log(k, v);
   */
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

/**
 * A Lua function held by JavaScript: calling it runs Lua protected, with the
 * arguments converted; no result gives `undefined`, one the value, several an
 * array. Typed `LuaValue` unless the caller names the result's type.
 *
 * @throws {LuaError} `LUA_SYNTAX`/`LUA_RUNTIME` (the Lua error, `luaTraceback` set), `LUA_MEMORY`,
 *   `LUA_CONVERSION`, `LUA_INSTRUCTION_LIMIT`/`LUA_TIMEOUT`/`LUA_CANCELLED`, `LUA_RELEASED` after
 *   `release()`, `LUA_STALE_HANDLE` after `reset()`, `LUA_DISPOSED`, `LUA_BUSY`; an object a JS
 *   callback threw, as it is.
 * @example
 * const add = ctx.execute_script<LuaFunction>('return function(a, b) return a + b end');
 * const sum = add<number>(2, 3); // 5
 */
export interface LuaFunction {
  <T = never>(...args: LuaInput[]): LuaResult<T>;
}

/**
 * A Lua coroutine seen from JavaScript. Iterable: each `[Symbol.iterator]()`
 * is an independent cursor; each `yield` is one step (several values arrive
 * as an array), the final `return` comes with `done: true` (`for..of` drops
 * it), `next(...args)` sends resume values, and an error inside the
 * coroutine is thrown from `next()`. Breaking out leaves it suspended.
 */
export interface LuaCoroutine extends Iterable<LuaValue>, AsyncIterable<LuaValue> {
  /** What `coroutine.status` would say, read when the object was last resumed. */
  status: 'suspended' | 'running' | 'dead';
  readonly _coroutine: unknown;
  /**
   * A cursor resuming the coroutine synchronously, one `yield` per `next()`.
   * @throws {LuaError} from `next()`: the coroutine's Lua error (`LUA_RUNTIME`), a limit's code,
   *   `LUA_RELEASED`, `LUA_STALE_HANDLE`, `LUA_DISPOSED`, `LUA_BUSY`.
   * @example for (const v of co) console.log(v);
   */
  [Symbol.iterator](): Iterator<LuaValue, LuaValue, LuaInput>;
  /**
   * The same cursor stepping through `resume_async` (EVOLUTION B13): the
   * coroutine may await JS Promises; `for await` drives it.
   * @throws {LuaError} the promise of `next()` rejects as the iterator's `next()` throws.
   * @example for await (const v of co) console.log(v);
   */
  [Symbol.asyncIterator](): AsyncIterator<LuaValue, LuaValue, LuaInput>;
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

/**
 * One JavaScript value published to several contexts (copies, not shared
 * memory), from `createSharedTable(initial)`; `set` and `sync` push the whole
 * value again to every subscribed context, Lua-side changes stay local.
 */
export interface SharedTable {
  /**
   * The JavaScript value's property `key`, as JavaScript holds it (not read from Lua).
   * @throws {TypeError} `LUA_INVALID_ARGUMENT`: `get(key) requires a string key`.
   * @example const level = shared.get('level') as number;
   */
  get(key: string): unknown;
  /**
   * Sets a key and pushes the whole value to every subscribed context.
   * @throws {TypeError} `LUA_INVALID_ARGUMENT`: `set(key, value) requires a string key and a value`.
   * @throws {LuaError} `LUA_SHARED` when some context could not be updated (the JS value is; `sync()` retries).
   * @example shared.set('level', 2);
   */
  set(key: string, value: LuaInput): void;
  /**
   * Pushes the value again (after mutating it directly).
   * @throws {LuaError} `LUA_SHARED` as `set`.
   * @example shared.sync();
   */
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

/**
 * What the declarations need of an `AbortSignal` (the DOM's and Node.js's
 * both fit), so that they compile without `@types/node` or the DOM library.
 * At run time it must be a real `AbortSignal` (else a TypeError
 * `<op>: options.signal must be an AbortSignal`).
 */
export interface LuaAbortSignal {
  readonly aborted: boolean;
  readonly reason: any;
  addEventListener(type: 'abort', listener: (this: any, event: any) => any, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: (this: any, event: any) => any): void;
}

/** Options of the async doors (`execute_script_async`, `execute_file_async`, `execute_async`). */
export interface AsyncOptions {
  /**
   * Cancels the run when aborted, as `cancel()` does; the rejection's `cause`
   * is `signal.reason`. An already-aborted signal rejects without running.
   * The listener is removed once the run settles.
   */
  signal?: LuaAbortSignal;
}

/**
 * Every `code` an error made by lua-native carries (TypeErrors and
 * RangeErrors for wrong arguments carry `LUA_INVALID_ARGUMENT`). An object a
 * JS callback threw comes back as it is, with whatever code it has.
 */
export type LuaErrorCode =
  /** The chunk does not compile. */
  | 'LUA_SYNTAX'
  /** Lua raised an error (a JS callback's failure included); `luaTraceback` holds Lua's traceback. */
  | 'LUA_RUNTIME'
  /** An allocation was refused (`maxMemory`, or the system). */
  | 'LUA_MEMORY'
  /** A file could not be opened or read. */
  | 'LUA_FILE'
  /** A value could not be converted (too deep, cyclic, too many tables, a getter threw). */
  | 'LUA_CONVERSION'
  /** A TypeError or RangeError for a wrong argument, or an Error such as `Unknown Lua library: 'x'`. */
  | 'LUA_INVALID_ARGUMENT'
  /** The context is lent to an async run, or `reset()`/`dispose()`/an async door was called from inside it. */
  | 'LUA_BUSY'
  /** `maxInstructions` stopped the run. */
  | 'LUA_INSTRUCTION_LIMIT'
  /** `timeout` stopped the run. */
  | 'LUA_TIMEOUT'
  /** `cancel()` or an aborted `signal` stopped the run. */
  | 'LUA_CANCELLED'
  /** The context was disposed. */
  | 'LUA_DISPOSED'
  /** A handle whose state `reset()` replaced. */
  | 'LUA_STALE_HANDLE'
  /** A Lua function, coroutine, Proxy or table handle used after `release()`. */
  | 'LUA_RELEASED'
  /** A value of another context. */
  | 'LUA_FOREIGN_CONTEXT'
  /** `get_global_ref` / `get_ref` found no table. */
  | 'LUA_NOT_A_TABLE'
  /** `call` found no function. */
  | 'LUA_NOT_A_FUNCTION'
  /** `add_search_path` / `register_module` / `add_searcher` without the `package` library. */
  | 'LUA_PACKAGE'
  /** `load_bytecode` under `allowBytecode: false`. */
  | 'LUA_BYTECODE_DENIED'
  /** `add_search_path` under `filesystem: 'deny'`. */
  | 'LUA_FILESYSTEM_DENIED'
  /** `reset()` could not build or replay the new state; the old one stays. */
  | 'LUA_RESET_FAILED'
  /** A `gc()` command refused while a collection is in progress (from a finalizer). */
  | 'LUA_GC_BUSY'
  /** A shared table's `set` or `sync` could not update every subscribed context. */
  | 'LUA_SHARED'
  /** A Rust-side error from outside Lua (lua-core's `Error::External`). */
  | 'LUA_EXTERNAL'
  /** A bug in lua-native (a caught Rust panic, a failed Node-API call). */
  | 'LUA_INTERNAL'
  /** Loading the package: no binary of lua-native could be loaded for this platform. */
  | 'LUA_NATIVE_LOAD_FAILED';
// lua-core's `LUA_API` and `LUA_CALLBACK` never reach JavaScript: lua-node
// gives them as `LUA_INVALID_ARGUMENT` and `LUA_RUNTIME`.

/** Every error thrown carries a stable code besides the spec's message. */
export interface LuaError extends Error {
  code: LuaErrorCode;
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

/**
 * A Lua state (`new init(callbacks?, options?)`).
 *
 * Besides what each method lists, every method throws `LUA_DISPOSED` after
 * `dispose()` and `LUA_BUSY` while an async run holds the context (except
 * `is_busy`, `cancel` and `dispose`), and a TypeError (`LUA_INVALID_ARGUMENT`)
 * for an argument of the wrong type. "Throws as a run" below means: the Lua
 * error (`LUA_SYNTAX`, `LUA_RUNTIME`, with `luaTraceback`), `LUA_MEMORY`,
 * `LUA_CONVERSION`, a limit (`LUA_INSTRUCTION_LIMIT`, `LUA_TIMEOUT`,
 * `LUA_CANCELLED`), or the very object a JS callback threw.
 */
export interface LuaContext {
  /**
   * Runs Lua source; 0 results give `undefined`, 1 the value, more an array.
   * @throws {LuaError} as a run.
   * @example const [a, b] = ctx.execute_script<[number, string]>('return 1, "x"');
   */
  execute_script<T = never>(script: string, options?: ScriptOptions): LuaResult<T>;
  /**
   * Runs a Lua file (source or precompiled), with the same result shaping.
   * @throws {LuaError} `LUA_FILE` when it cannot be read; otherwise as a run.
   * @example ctx.execute_file('./init.lua');
   */
  execute_file<T = never>(filepath: string): LuaResult<T>;
  /**
   * Sets a global; a function becomes callable from Lua; `a.b.c` is a path (missing tables are created).
   * @throws {LuaError} `LUA_CONVERSION` for a value that cannot be converted; `LUA_RUNTIME` from a metamethod on the path; `LUA_INVALID_ARGUMENT` for an empty path segment (`a..b`).
   * @example ctx.set_global('greet', (name: string) => `hi ${name}`);
   */
  set_global(name: string, value: LuaInput): void;
  /**
   * Reads a global (`null` when unset). A dotted name reads a path (`a.b.c`).
   * @throws {LuaError} `LUA_CONVERSION`; `LUA_RUNTIME` from an `__index` on the path; `LUA_INVALID_ARGUMENT` for an empty path segment (`a..b`).
   * @example const retries = ctx.get_global<number>('config.retries');
   */
  get_global<T = never>(name: string): LuaResult<T>;
  /**
   * Gives Lua a handle to `value` (by reference); see `UserdataOptions`.
   * @throws {TypeError} `LUA_INVALID_ARGUMENT` for a name, object or options of the wrong type.
   * @example ctx.set_userdata('player', player, { readable: true, methods: { heal: (self, n) => (self.hp += n) } });
   */
  set_userdata<T extends object>(name: string, value: T, options?: UserdataOptions<T>): void;
  /**
   * Makes the global `name` a class table: Lua's `name.new(...)` calls
   * `def.construct` and gives Lua the returned object as an instance of the
   * class (see `ClassDefinition`). Not replayed by `reset()`.
   * @throws {TypeError} `LUA_INVALID_ARGUMENT` for a definition without `construct` or with a bad part.
   * @throws {LuaError} `LUA_INVALID_ARGUMENT`: `class '<n>' is already registered on this context`, an unknown base class.
   * @example ctx.register_class('Vec', { construct: (x, y) => ({ x: Number(x), y: Number(y) }), methods: { len: (v) => Math.hypot(v.x, v.y) } });
   */
  register_class<T extends object>(name: string, def: ClassDefinition<T>): void;
  /**
   * Replaces the metatable of a table: the global `name`, a table handle, or a table Proxy.
   * @throws {LuaError} when the global `name` is no table; `LUA_FOREIGN_CONTEXT`, `LUA_RELEASED`, `LUA_STALE_HANDLE` for a handle.
   * @example ctx.set_metatable('point', { __tostring: () => 'a point' });
   */
  set_metatable(target: string | LuaTableHandle | LuaTableRef, metatable: MetatableDefinition): void;
  /**
   * A new table, filled from `initial`, held by a live handle.
   * @throws {LuaError} `LUA_CONVERSION` for a value that cannot be converted.
   * @example const t = ctx.create_table({ a: 1 }); ctx.set_global('t', t);
   */
  create_table(initial?: Record<string, LuaInput> | LuaInput[]): LuaTableHandle;
  /**
   * A live handle to the global table `name` (a dotted name reads a path).
   * @throws {LuaError} `LUA_NOT_A_TABLE`: `global '<n>' is not a table (got <type>)`.
   * @example const config = ctx.get_global_ref('config'); config.set('debug', true);
   */
  get_global_ref(name: string): LuaTableHandle;
  /**
   * Calls the Lua function at global `name` (or a dotted path) without making a wrapper.
   * @throws {LuaError} `LUA_NOT_A_FUNCTION`: `Lua global '<n>' is not a function`; otherwise as a run.
   * @example const biggest = ctx.call<number>('math.max', 1, 5, 3);
   */
  call<T = never>(name: string, ...args: LuaInput[]): LuaResult<T>;
  /**
   * Calls `fn` and gives its failure as a value: `{ ok: true, value }` (shaped as a call result)
   * or `{ ok: false, error }` (what the call would have thrown). `fn` is a Lua function of this
   * context; any other function is called as it is. Limits (instruction limit, timeout, cancel)
   * are never caught: they throw.
   * @throws {LuaError} `LUA_INSTRUCTION_LIMIT`, `LUA_TIMEOUT`, `LUA_CANCELLED`; `LUA_RELEASED`, `LUA_STALE_HANDLE` for `fn`.
   * @example const r = ctx.pcall<number>(f, 1); if (r.ok) console.log(r.value); else console.error(r.error);
   */
  pcall<T = never>(fn: LuaFunction | LuaCallback, ...args: LuaInput[]): LuaPcallResult<LuaResult<T>>;
  /**
   * A new table holding the globals named in `whitelist` (read from `_G` with metamethods, stored
   * raw; shallow; unset names skipped). With `inherit`, its metatable is `{ __index = _G }`:
   * reads fall through to the globals, writes stay in the environment.
   * @throws {TypeError} `LUA_INVALID_ARGUMENT` for options or whitelist entries of the wrong type.
   * @example const env = ctx.create_environment({ whitelist: ['math', 'string'] });
   */
  create_environment(options?: LuaEnvironmentOptions): LuaEnvironment;
  /**
   * Runs `script` with `env` (an environment or any table handle or Proxy of this context) as
   * its `_ENV`; results, limits and errors as `execute_script`.
   * @throws {LuaError} `LUA_FOREIGN_CONTEXT`, `LUA_RELEASED`, `LUA_STALE_HANDLE` for `env`; otherwise as a run.
   * @example const n = ctx.execute_script_in<number>(env, 'return math.floor(1.5)');
   */
  execute_script_in<T = never>(env: LuaEnvironment | LuaTableRef, script: string, options?: ScriptOptions): LuaResult<T>;
  /**
   * Frees what a Lua function, coroutine, table Proxy or table handle holds, now; idempotent.
   * @throws {LuaError} `LUA_FOREIGN_CONTEXT`: `value belongs to a different Lua context`.
   * @throws {TypeError} `LUA_INVALID_ARGUMENT` for anything else.
   * @example ctx.release(handle);
   */
  release(value: LuaFunction | LuaCoroutine | LuaTableRef | LuaTableHandle): void;
  /**
   * Adds a JS → Lua converter: for an object value (after the library's own
   * handles, before the built-ins), the first converter whose `match` is
   * truthy converts it, and its result is converted again. Kept by `reset()`.
   * @throws {TypeError} `LUA_INVALID_ARGUMENT` unless both are functions.
   * @example ctx.register_type_converter((v) => v instanceof URL, (u: URL) => u.href);
   */
  register_type_converter<T extends object = any>(match: ConverterMatch, convert: (value: T) => LuaInput): void;
  /**
   * Adds a Lua → JS converter: an object that Lua's value became (a copied
   * table or Map, a Proxy, a handle object) is offered to each `match` in turn; the
   * first match's `convert` result is used as it is. Primitives skip the list.
   * @throws {TypeError} `LUA_INVALID_ARGUMENT` unless both are functions.
   * @example ctx.register_from_lua_converter((v) => v instanceof Map, (m: Map<unknown, unknown>) => Object.fromEntries(m));
   */
  register_from_lua_converter<T extends object = any>(match: ConverterMatch, convert: (value: T) => unknown): void;
  /**
   * Makes a coroutine of a Lua function of this context, or of the function `script` returns.
   * @throws {TypeError} `LUA_INVALID_ARGUMENT`: `JavaScript function cannot be a coroutine body`.
   * @throws {LuaError} `LUA_SYNTAX`, `LUA_RUNTIME` when `script` fails or returns no function.
   * @example const co = ctx.create_coroutine('return function(a) coroutine.yield(a) end');
   */
  create_coroutine(body: string | LuaFunction, options?: ScriptOptions): LuaCoroutine;
  /**
   * Resumes a coroutine; Lua-side failures are reported in `error`, never thrown.
   * @throws {LuaError} `LUA_INSTRUCTION_LIMIT`, `LUA_TIMEOUT`, `LUA_CANCELLED`, `LUA_CONVERSION`; `LUA_RELEASED`, `LUA_STALE_HANDLE` for the coroutine.
   * @example const { status, values, error } = ctx.resume(co, 1);
   */
  resume(coroutine: LuaCoroutine, ...args: LuaInput[]): CoroutineResult;
  /**
   * Runs a script on the libuv thread pool; JS callbacks are refused meanwhile.
   * `cancel()`, an aborted `options.signal` or `dispose()` stop it.
   * @throws {TypeError} `LUA_INVALID_ARGUMENT` (synchronously) for a wrong script, options or signal.
   * @throws {LuaError} the promise rejects as a run would throw, or `LUA_CANCELLED` (cause: `signal.reason`), `LUA_DISPOSED`; `LUA_BUSY` from inside the state.
   * @example const n = await ctx.execute_script_async<number>('return 6 * 7', { signal: AbortSignal.timeout(1000) });
   */
  execute_script_async<T = never>(script: string, options?: AsyncOptions & ScriptOptions): Promise<LuaResult<T>>;
  /**
   * `execute_file` on the libuv thread pool, stopped as `execute_script_async` is.
   * @throws {LuaError} the promise rejects as `execute_script_async`'s does, or with `LUA_FILE`.
   * @example await ctx.execute_file_async('./job.lua');
   */
  execute_file_async<T = never>(filepath: string, options?: AsyncOptions): Promise<LuaResult<T>>;
  /**
   * Runs the script as a coroutine on this thread: a JS callback that
   * returns a Promise suspends it until the Promise settles (fulfilled: the
   * callback's result; rejected: a Lua error `pcall` can catch, which
   * uncaught rejects this promise with the rejection reason itself). The
   * context is busy for the whole run, await gaps included. Failures past
   * argument validation (syntax errors included) reject.
   * @throws {TypeError} `LUA_INVALID_ARGUMENT` (synchronously) for a wrong script or options.
   * @throws {LuaError} the promise rejects as a run would throw, or `LUA_CANCELLED`, `LUA_DISPOSED`.
   * @example const body = await ctx.execute_async<string>('return fetchText("https://example.com")');
   */
  execute_async<T = never>(script: string, options?: AsyncOptions & ScriptOptions): Promise<LuaResult<T>>;
  /**
   * `execute_async` seeded from a global (or dotted path) function or a Lua function of this context; `__call` tables are refused.
   * @throws {LuaError} the promise rejects with `LUA_NOT_A_FUNCTION`, or as `execute_async`'s does.
   * @example const user = await ctx.call_async('load_user', 42);
   */
  call_async<T = never>(nameOrFn: string | LuaFunction, ...args: LuaInput[]): Promise<LuaResult<T>>;
  /**
   * Resumes the coroutine as a driven run, so it may await Promises; resolves
   * with `{ status, values, error? }` (a Lua error goes into `error`).
   * `cancel()` at an await leaves the coroutine suspended and resumable.
   * @throws {LuaError} the promise rejects with a limit's code, `LUA_CANCELLED`, `LUA_RELEASED`, `LUA_STALE_HANDLE`, `LUA_DISPOSED`.
   * @example const { status, values } = await ctx.resume_async(co, 'go');
   */
  resume_async(coroutine: LuaCoroutine, ...args: LuaInput[]): Promise<CoroutineResult>;
  /**
   * Runs the coroutine's pending `<close>` variables and marks it dead;
   * idempotent, a no-op on dead or released coroutines. A raising `__close`
   * makes it throw (the coroutine is dead all the same).
   * @throws {TypeError} `LUA_INVALID_ARGUMENT`: `close(coroutine) requires a coroutine object`.
   * @throws {LuaError} `LUA_RUNTIME` from a raising `__close` or `cannot close a running coroutine`.
   * @example ctx.close(co);
   */
  close(coroutine: LuaCoroutine): void;
  /**
   * Whether an async run is in flight, worker or driven (then every other method throws).
   * @throws {TypeError} only when `this` is not a context.
   * @example if (!ctx.is_busy()) ctx.execute_script('tick()');
   */
  is_busy(): boolean;
  /**
   * Stops the run in flight: an async run (its promise rejects with
   * `execution cancelled`, code `LUA_CANCELLED`; a driven run is stopped at
   * its await, or, called while it runs, as soon as its step returns), or, called from a JS
   * callback or the debug hook, the synchronous run that called it (which
   * throws that error). The script cannot catch it. A no-op when nothing
   * runs (nothing carries over to the next run) and on a disposed context.
   * @throws {TypeError} only when `this` is not a context.
   * @example const p = ctx.execute_script_async('while true do end'); ctx.cancel();
   */
  cancel(): void;
  /**
   * Appends a `?` template to `package.path`.
   * @throws {LuaError} `LUA_FILESYSTEM_DENIED` under `filesystem: 'deny'`; `LUA_PACKAGE` without the `package` library.
   * @example ctx.add_search_path('./scripts/?.lua');
   */
  add_search_path(path: string): void;
  /**
   * Makes `dofile` and `loadfile` resolve every path through `reader` alone
   * (no disk fallback), loading its answer as text only; `null` sets both
   * back to nil. Kept across `reset()`.
   * @throws {TypeError} `LUA_INVALID_ARGUMENT` for anything but a function or `null`.
   * @example ctx.set_file_reader((path) => files.get(path) ?? null);
   */
  set_file_reader(reader: LuaFileReader | null): void;
  /**
   * Makes `require(name)` return a table built from `module`.
   * @throws {LuaError} `LUA_PACKAGE` without the `package` library; `LUA_CONVERSION`.
   * @example ctx.register_module('util', { clamp: (x: number) => Math.min(1, Math.max(0, x)) });
   */
  register_module(name: string, module: object): void;
  /**
   * Compiles (does not run) source to bytecode (a `Buffer` under Node.js).
   * @throws {LuaError} `LUA_SYNTAX`, `LUA_MEMORY`.
   * @example const bytes = ctx.compile('return 1', { stripDebug: true });
   */
  compile(script: string, options?: CompileOptions): Uint8Array;
  /**
   * Compiles (does not run) a Lua file to bytecode (a `Buffer` under Node.js).
   * @throws {LuaError} `LUA_FILE`, `LUA_SYNTAX`, `LUA_MEMORY`.
   * @example fs.writeFileSync('init.luac', ctx.compile_file('init.lua'));
   */
  compile_file(filepath: string, options?: CompileOptions): Uint8Array;
  /**
   * Runs precompiled bytecode (binary chunks only).
   * @throws {LuaError} `LUA_BYTECODE_DENIED` under `allowBytecode: false`; `LUA_SYNTAX` for text or a bad chunk; otherwise as a run.
   * @example const one = ctx.load_bytecode<number>(ctx.compile('return 1'));
   */
  load_bytecode<T = never>(bytecode: Uint8Array, chunkName?: string): LuaResult<T>;
  /**
   * Bytes the state holds, as its allocator counts them.
   * @throws {LuaError} `LUA_DISPOSED`, `LUA_BUSY` only.
   * @example console.log(ctx.get_memory_usage());
   */
  get_memory_usage(): number;
  /**
   * The frames of the Lua code that called into JavaScript (from a callback,
   * metamethod, hook or finalizer), innermost first, at most `maxLevels`
   * (default 200); `[]` when nothing is executing. Read-only.
   * @throws {RangeError} `LUA_INVALID_ARGUMENT`: `maxLevels must be a non-negative integer` (a TypeError for a non-number).
   * @example ctx.set_global('where', () => ctx.get_stack({ maxLevels: 2 })[1]?.currentLine);
   */
  get_stack(options?: { maxLevels?: number }): LuaStackFrame[];
  /**
   * The named locals of the frame at `level` (temporaries skipped).
   * @throws {RangeError} `LUA_INVALID_ARGUMENT`: `no stack frame at level <n>; call get_stack() to see which levels exist`.
   * @example ctx.set_global('dump', () => console.log(ctx.get_locals(1)));
   */
  get_locals(level: number): { name: string; value: LuaValue }[];
  /**
   * Sets the debug hook (one per context); limits stay in force.
   * @throws {TypeError} `LUA_INVALID_ARGUMENT` for a callback or options of the wrong type.
   * @example ctx.set_hook((event, line) => console.log(event, line), { line: true });
   */
  set_hook(callback: LuaHookCallback, options: HookOptions): void;
  /**
   * Removes the debug hook `set_hook` set (Lua's own `debug.sethook` hooks stay).
   * @throws {LuaError} `LUA_DISPOSED`, `LUA_BUSY` only.
   * @example ctx.remove_hook();
   */
  remove_hook(): void;
  /**
   * Runs a garbage-collector command (`collectgarbage`): `collect`, `stop`, `restart`.
   * @throws {RangeError} `LUA_INVALID_ARGUMENT`: `Unknown GC command: '<c>'`.
   * @throws {LuaError} `LUA_GC_BUSY` while a collection is in progress (from a finalizer).
   * @example ctx.gc('collect');
   */
  gc(command: 'collect' | 'stop' | 'restart'): void;
  /**
   * The memory in use, in kilobytes.
   * @throws {LuaError} `LUA_GC_BUSY` as the other commands.
   * @example const kb = ctx.gc('count');
   */
  gc(command: 'count'): number;
  /**
   * Whether the collector runs.
   * @throws {LuaError} `LUA_GC_BUSY` as the other commands.
   * @example if (!ctx.gc('isrunning')) ctx.gc('restart');
   */
  gc(command: 'isrunning'): boolean;
  /**
   * One collection step (`stepSize` in KB, 0 a basic step); whether a cycle finished.
   * @throws {RangeError} `LUA_INVALID_ARGUMENT`: `gc('step', stepSize): stepSize must be non-negative`.
   * @example while (!ctx.gc('step', 64)) {}
   */
  gc(command: 'step', stepSize?: number): boolean;
  /**
   * Switches the collector's mode; gives the previous one.
   * @throws {LuaError} `LUA_GC_BUSY` as the other commands.
   * @example const before = ctx.gc('generational');
   */
  gc(command: 'incremental' | 'generational'): LuaGCMode;
  /**
   * Reads a collector parameter, and sets it when `value` is given; gives the previous value.
   * @throws {RangeError} `LUA_INVALID_ARGUMENT`: `Unknown GC parameter: '<p>'`.
   * @example ctx.gc('param', 'pause', 200);
   */
  gc(command: 'param', name: LuaGCParam, value?: number): number;
  /**
   * Sends `print` and `io.write` output to `handler` instead of stdout;
   * `null` puts back the functions that were there. Output of a worker run
   * (`execute_script_async`) is dropped.
   * @throws {TypeError} `LUA_INVALID_ARGUMENT`: `set_print_handler(fn) requires a function or null`.
   * @example ctx.set_print_handler((text) => logs.push(text));
   */
  set_print_handler(handler: LuaPrintHandler | null): void;
  /**
   * Makes `io.read` ask `handler`, once per format. Without an `io` library a
   * minimal `io = { read }` is made (`null` removes exactly that table).
   * Returns `false`, keeping nothing, when the global `io` is not a table.
   * @throws {TypeError} `LUA_INVALID_ARGUMENT`: `set_read_handler(fn) requires a function or null`.
   * @example ctx.set_read_handler((format) => (format === 'n' ? '42' : lines.shift()));
   */
  set_read_handler(handler: LuaReadHandler | null): boolean;
  /**
   * Appends a module searcher to `package.searchers` (needs the `package` library).
   * @throws {TypeError} `LUA_INVALID_ARGUMENT`: `add_searcher(fn) requires a function`.
   * @throws {LuaError} `LUA_PACKAGE` without the `package` library or `package.searchers`.
   * @example ctx.add_searcher((name) => modules[name] ?? null);
   */
  add_searcher(searcher: LuaSearcher): void;
  /**
   * A fresh state with the same options; search paths, searchers, constructor
   * callbacks, print and read handlers, hook and shared tables are replayed.
   * @throws {LuaError} `LUA_BUSY` from inside the state; `LUA_RESET_FAILED` (the old state stays).
   * @example ctx.reset();
   */
  reset(): void;
  /**
   * Version, memory, limits, libraries and what the binding holds.
   * @throws {LuaError} `LUA_DISPOSED`, `LUA_BUSY` only.
   * @example const { memoryBytes, libraries } = ctx.info();
   */
  info(): LuaStateInfo;
  /**
   * Closes the state now; every later call and every handle refuses. During
   * an async run it cancels the run, whose promise rejects with
   * `the Lua context has been closed` (`LUA_DISPOSED`), and the state closes
   * as soon as the worker lets go (a driven run at an await lets go at
   * once; from inside one of its steps dispose() is refused as busy).
   * Idempotent.
   * @throws {LuaError} `LUA_BUSY` from inside the state (a callback, hook or finalizer).
   * @example try { ctx.execute_script(src); } finally { ctx.dispose(); }
   */
  dispose(): void;
  /**
   * `dispose()`, for `using ctx = new init()` (TypeScript 5.2+, `esnext.disposable`);
   * present at run time where Node.js has `Symbol.dispose`.
   * @throws {LuaError} as `dispose()`.
   * @example { using ctx = new init(); ctx.execute_script('return 1'); } // disposed here
   */
  [Symbol.dispose](): void;
}

export interface LuaContextConstructor {
  /**
   * A new, independent Lua state: `callbacks`' functions become callable
   * globals, its other values global values; `options` as `LuaInitOptions`
   * (without `libraries` the state is bare).
   * @throws {TypeError} `LUA_INVALID_ARGUMENT` for callbacks or an option of the wrong type, and for an
   *   unknown option (`new init(): unknown option 'maxMemroy' (did you mean 'maxMemory'?); ...`).
   * @throws {RangeError} `LUA_INVALID_ARGUMENT` for a negative or non-finite limit.
   * @throws {LuaError} `LUA_INVALID_ARGUMENT`: `Unknown Lua library: '<name>'`; `LUA_MEMORY`, `LUA_CONVERSION`.
   * @example const ctx = new init({ log: (s: string) => console.log(s) }, { libraries: 'safe', timeout: 100 });
   */
  new (callbacks?: LuaCallbacks, options?: LuaInitOptions): LuaContext;
  readonly prototype: LuaContext;
}

export interface LuaNative {
  init: LuaContextConstructor;
  /**
   * A value to publish to several contexts through their `shared` option.
   * @throws {TypeError} `LUA_INVALID_ARGUMENT`: `createSharedTable(initial) requires an object` (an array is one).
   * @example const cfg = createSharedTable({ level: 1 }); new init({}, { shared: { cfg } });
   */
  createSharedTable(initial?: Record<string, unknown> | unknown[]): SharedTable;
}

/** The context class (`new init(callbacks?, options?)`); see `LuaContextConstructor`. */
export declare const init: LuaContextConstructor;
/**
 * A value to publish to several contexts through their `shared` option.
 * @throws {TypeError} `LUA_INVALID_ARGUMENT`: `createSharedTable(initial) requires an object` (an array is one).
 * @example const cfg = createSharedTable({ level: 1 }); new init({}, { shared: { cfg } });
 */
export declare function createSharedTable(initial?: Record<string, unknown> | unknown[]): SharedTable;
declare const lua_native: LuaNative;
export default lua_native;
