// EVOLUTION.md B7 (allowBytecode), B19 (filesystem: 'allow' | 'deny') and
// B15's second half (set_file_reader), with DECISIONS 9 over B7: under
// 'safe' and 'sandbox' scripts read text only whatever allowBytecode says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lua_native from './load.mjs';
import { throwsExactly, assertUsable, rejection } from './helpers.mjs';

const BYTECODE_DENIED = 'bytecode loading is disabled in this context';
const BINARY = "attempt to load a binary chunk (mode is 't')";
const denied = (name) => `${name} is unavailable: this Lua context was created with filesystem access denied`;
const SEARCH_PATH_DENIED =
  'Cannot add search path: this Lua context was created with filesystem access denied, so require() never consults package.path. Use register_module() or add_searcher() to serve modules from the host.';
const EXECUTING = 'reset() cannot be called while Lua is executing (from inside a host callback, metamethod, or __gc finalizer)';
const BUSY = 'Lua context is busy with an async operation';

const make = (options, callbacks = {}) => new lua_native.init(callbacks, options);

function scratch() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lua-native-doors-'));
}

/** A directory with `mod.lua` holding bytecode and `src.lua` holding source. */
function files(bytecode) {
  const dir = scratch();
  fs.writeFileSync(path.join(dir, 'mod.lua'), bytecode);
  fs.writeFileSync(path.join(dir, 'src.lua'), 'return "source"');
  return { dir, bin: path.join(dir, 'mod.lua'), src: path.join(dir, 'src.lua'), done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

// ---- B7: allowBytecode

test('B7 allowBytecode: default true, except under sandbox; an explicit value wins', () => {
  const bytecode = make({}).compile('return 42');
  for (const [options, allowed] of [
    [{}, true],
    [{ libraries: 'all' }, true],
    [{ libraries: 'safe' }, true],
    [{ libraries: ['base'] }, true],
    [{ libraries: 'sandbox' }, false],
    [{ libraries: 'sandbox', allowBytecode: true }, true],
    [{ libraries: 'all', allowBytecode: false }, false],
    [{ libraries: 'safe', allowBytecode: false }, false],
    [{ allowBytecode: undefined }, true],
  ]) {
    const c = make(options);
    if (allowed) assert.equal(c.load_bytecode(bytecode), 42, JSON.stringify(options));
    else throwsExactly(() => c.load_bytecode(bytecode), Error, BYTECODE_DENIED, 'LUA_BYTECODE_DENIED');
    assertUsable(c);
  }
});

test('B7 allowBytecode must be a boolean', () => {
  for (const v of [1, 'false', null, {}]) {
    throwsExactly(() => make({ allowBytecode: v }), TypeError, 'allowBytecode must be a boolean');
  }
});

test('B7 allowBytecode: false closes all the doors, host and Lua', async () => {
  const c = make({ libraries: 'all', allowBytecode: false });
  const bytecode = c.compile('return "from bytecode"');
  const f = files(bytecode);
  try {
    // Host doors. Argument errors still come first.
    throwsExactly(() => c.load_bytecode('x'), TypeError, 'Expected Buffer argument');
    throwsExactly(() => c.load_bytecode(Buffer.alloc(0)), Error, 'Bytecode cannot be empty');
    throwsExactly(() => c.load_bytecode(bytecode), Error, BYTECODE_DENIED, 'LUA_BYTECODE_DENIED');
    throwsExactly(() => c.execute_file(f.bin), Error, BINARY, 'LUA_SYNTAX');
    throwsExactly(() => c.compile_file(f.bin), Error, BINARY, 'LUA_SYNTAX');
    assert.equal((await rejection(c.execute_file_async(f.bin))).message, BINARY);
    // Source is fine everywhere, and compiling is not loading.
    assert.equal(c.execute_file(f.src), 'source');
    assert.equal(await c.execute_file_async(f.src), 'source');
    assert.equal(c.compile_file(f.src)[0], 0x1b);
    // Lua doors: load (string and reader function, any mode), loadfile,
    // dofile, require through package.path and add_search_path.
    c.set_global('BIN', new Uint8Array(bytecode));
    c.set_global('FILE', f.bin);
    c.add_search_path(path.join(f.dir, '?.lua'));
    const r = c.execute_script(`
      local out = {}
      out[1] = select(2, load(BIN))
      out[2] = select(2, load(BIN, 'x', 'b'))
      out[3] = select(2, load(string.dump(function() return 1 end)))
      local once = BIN
      out[4] = select(2, load(function() local s = once once = nil return s end))
      out[5] = select(2, loadfile(FILE))
      out[6] = select(2, loadfile(FILE, 'b'))
      out[7] = select(2, pcall(dofile, FILE))
      out[8] = select(2, pcall(require, 'mod'))
      out[9] = select(2, _G.load(BIN))
      out[10] = select(2, package.loaded._G.load(BIN))
      out[11] = tostring((debug.getupvalue(load, 1)))
      return out`);
    for (let i = 0; i < 7; i++) assert.equal(r[i], BINARY, `door ${i + 1}`);
    assert.equal(r[7], `error loading module 'mod' from file '${f.bin}':\n\t${BINARY}`);
    assert.equal(r[8], BINARY);
    assert.equal(r[9], BINARY);
    assert.equal(r[10], 'nil', 'load keeps no original in an upvalue');
    // The file reader is text-only always.
    c.set_file_reader(() => bytecode);
    assert.equal(c.execute_script('return select(2, loadfile("any"))'), BINARY);
    assertUsable(c);
  } finally {
    f.done();
  }
});

test('B7 with DECISIONS 9: under safe and sandbox, allowBytecode: true opens the host door only', () => {
  for (const libraries of ['safe', 'sandbox']) {
    const c = make({ libraries, allowBytecode: true });
    const bytecode = c.compile('return 7');
    assert.equal(c.load_bytecode(bytecode), 7, libraries);
    c.set_global('BIN', new Uint8Array(bytecode));
    assert.equal(c.execute_script('return select(2, load(BIN))'), BINARY, libraries);
    assert.equal(c.execute_script('return select(2, load(string.dump(function() end), nil, "b"))'), BINARY, libraries);
  }
});

test('B7 allowBytecode survives reset()', () => {
  const c = make({ libraries: 'all', allowBytecode: false });
  const bytecode = c.compile('return 1');
  c.reset();
  throwsExactly(() => c.load_bytecode(bytecode), Error, BYTECODE_DENIED, 'LUA_BYTECODE_DENIED');
  assert.equal(c.execute_script('return select(2, load(string.dump(function() end)))'), BINARY);
  const s = make({ libraries: 'sandbox', allowBytecode: true });
  s.reset();
  assert.equal(s.load_bytecode(bytecode), 1);
});

test('B7 capability matrix: a bytecode door refuses iff allowBytecode is off (Lua doors: also under a seal)', () => {
  const bytecode = make({}).compile('return 5');
  const f = files(bytecode);
  try {
    const configs = {
      all: { libraries: 'all' },
      'all-nobytecode': { libraries: 'all', allowBytecode: false },
      safe: { libraries: 'safe' },
      'safe-nobytecode': { libraries: 'safe', allowBytecode: false },
      sandbox: { libraries: 'sandbox' },
      'sandbox+bytecode': { libraries: 'sandbox', allowBytecode: true },
      'base-only': { libraries: ['base'] },
      'base-nobytecode': { libraries: ['base'], allowBytecode: false },
      'all-nofs': { libraries: 'all', filesystem: 'deny' },
    };
    const doors = {
      load_bytecode: (c) => c.load_bytecode(bytecode),
      execute_file: (c) => c.execute_file(f.bin),
      compile_file: (c) => (c.compile_file(f.bin), 5),
      load: (c) => c.execute_script('local f, e = load(BIN) if not f then error(e, 0) end return f()'),
      loadfile: (c) => c.execute_script('local f, e = loadfile(FILE) if not f then error(e, 0) end return f()'),
      dofile: (c) => c.execute_script('return dofile(FILE)'),
      file_reader: (c) => (c.set_file_reader(() => bytecode), c.execute_script('return dofile("x")')),
    };
    const host = new Set(['load_bytecode', 'execute_file', 'compile_file']);
    const ledger = [];
    for (const [name, options] of Object.entries(configs)) {
      for (const [door, run] of Object.entries(doors)) {
        const c = make(options);
        c.set_global('BIN', new Uint8Array(bytecode));
        c.set_global('FILE', f.bin);
        const hasBase = options.libraries !== undefined;
        const sealed = options.libraries === 'safe' || options.libraries === 'sandbox';
        const allowed = options.allowBytecode ?? options.libraries !== 'sandbox';
        let outcome;
        try {
          outcome = run(c) === 5 ? 'works' : 'wrong';
        } catch (e) {
          outcome = e.message;
        }
        let expected;
        if (door === 'file_reader') expected = BINARY; // always text-only
        else if (host.has(door)) expected = allowed ? 'works' : door === 'load_bytecode' ? BYTECODE_DENIED : BINARY;
        else if (!hasBase) expected = 'absent';
        else if ((door === 'loadfile' || door === 'dofile') && options.libraries === 'sandbox') expected = 'absent';
        else if ((door === 'loadfile' || door === 'dofile') && options.filesystem === 'deny') expected = denied(door);
        else expected = allowed && !sealed ? 'works' : BINARY;
        if (expected === 'absent') assert.match(outcome, /attempt to call a nil value/, `${name} / ${door}`);
        else assert.equal(outcome, expected, `${name} / ${door}`);
        ledger.push(`${name} / ${door}: ${outcome === 'works' ? 'works' : 'refuses'}`);
      }
    }
    // Positive entries the matrix must hold.
    assert.ok(ledger.includes('sandbox+bytecode / load_bytecode: works'));
    assert.ok(ledger.includes('sandbox / file_reader: refuses'));
    assert.ok(ledger.includes('all / load: works'));
    assert.ok(ledger.includes('safe / load: refuses'));
  } finally {
    f.done();
  }
});

// ---- B19: filesystem

test("B19 filesystem: 'deny' closes each Lua door in its own idiom", () => {
  const c = make({ libraries: 'all', filesystem: 'deny' });
  const fails = {
    loadfile: "loadfile('x')",
    'io.open': "io.open('x')",
    'os.remove': "os.remove('x')",
    'os.rename': "os.rename('x', 'y')",
    'package.loadlib': "package.loadlib('x', 'y')",
    'package.searchpath': "package.searchpath('x', '?')",
  };
  for (const [name, call] of Object.entries(fails)) {
    assert.deepEqual(c.execute_script(`return ${call}`), [null, denied(name)], name);
  }
  const raises = { dofile: "dofile('x')", 'io.lines': "io.lines('x')", 'io.input': "io.input('x')", 'io.output': "io.output('x')", 'os.tmpname': 'os.tmpname()' };
  for (const [name, call] of Object.entries(raises)) {
    throwsExactly(() => c.execute_script(call), Error, denied(name), 'LUA_RUNTIME');
  }
  for (const i of [2, 3, 4]) {
    assert.equal(c.execute_script(`return package.searchers[${i}]('x')`), denied(`package.searchers[${i}]`));
  }
  // require still works through register_module, and reports the closed doors.
  c.register_module('host', { answer: 42 });
  assert.equal(c.execute_script("return require('host').answer"), 42);
  const e = throwsExactly(() => c.execute_script("require('nope')"), Error, /module 'nope' not found/);
  assert.ok(e.message.includes(denied('package.searchers[2]')), e.message);
  // Untouched.
  assert.equal(c.execute_script('return type(os.execute), type(io.popen), type(io.write)').join(), 'function,function,function');
  // Aliases are the same replaced functions.
  assert.deepEqual(c.execute_script("return package.loaded.io.open('x')"), [null, denied('io.open')]);
  assert.equal(c.execute_script('return debug.getupvalue(io.open, 2)'), undefined, 'no original kept');
  assertUsable(c);
});

test("B19 add_search_path under 'deny' throws; host doors still work", () => {
  const dir = scratch();
  try {
    const file = path.join(dir, 'f.lua');
    fs.writeFileSync(file, 'return "host read it"');
    for (const libraries of ['all', 'safe', 'sandbox']) {
      const c = make({ libraries, filesystem: 'deny' });
      throwsExactly(() => c.add_search_path('./?.lua'), Error, SEARCH_PATH_DENIED, 'LUA_FILESYSTEM_DENIED');
      // The placeholder check comes first, as before.
      throwsExactly(() => c.add_search_path('./x.lua'), Error, /must contain a '\?' placeholder/);
      assert.equal(c.execute_file(file), 'host read it', libraries);
      const bytecode = c.compile_file(file);
      if (libraries === 'sandbox') throwsExactly(() => c.load_bytecode(bytecode), Error, BYTECODE_DENIED);
      else assert.equal(c.load_bytecode(bytecode), 'host read it', libraries);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("B19 the file reader works under 'deny' and 'sandbox'", () => {
  for (const libraries of ['all', 'sandbox']) {
    const c = make({ libraries, filesystem: 'deny' });
    c.set_file_reader((p) => `return 'virtual ' .. ${JSON.stringify(p)}`);
    assert.equal(c.execute_script("return dofile('a.lua')"), 'virtual a.lua');
    assert.equal(c.execute_script("return loadfile('b.lua')()"), 'virtual b.lua');
  }
});

test("B19 'deny' is re-applied on reset(), and 'allow' is the default", () => {
  const c = make({ libraries: 'all', filesystem: 'deny' });
  c.execute_script('io.open = nil');
  c.reset();
  assert.deepEqual(c.execute_script("return io.open('x')"), [null, denied('io.open')]);
  throwsExactly(() => c.add_search_path('./?.lua'), Error, SEARCH_PATH_DENIED);
  const open = make({ libraries: 'all', filesystem: 'allow' });
  assert.equal(open.execute_script("return type(io.open(os.tmpname(), 'w'))"), 'userdata');
  assert.equal(make({ libraries: 'all' }).execute_script('return select("#", package.searchpath("zz_none", "?"))'), 2);
});

test('B19 option errors', () => {
  throwsExactly(() => make({ filesystem: 'none' }), TypeError, "filesystem must be 'allow' or 'deny', got 'none'");
  throwsExactly(() => make({ filesystem: 'Deny' }), TypeError, "filesystem must be 'allow' or 'deny', got 'Deny'");
  for (const v of [true, 0, null, {}]) throwsExactly(() => make({ filesystem: v }), TypeError, "filesystem must be 'allow' or 'deny'");
});

// ---- B15: set_file_reader

test('B15 set_file_reader: dofile and loadfile resolve only through fn(path)', () => {
  const dir = scratch();
  try {
    const real = path.join(dir, 'real.lua');
    fs.writeFileSync(real, 'return "from disk"');
    const c = make({ libraries: 'all' });
    const seen = [];
    assert.equal(
      c.set_file_reader((p) => {
        seen.push(p);
        if (p === 'cfg.lua') return 'local x = ... return { debug = true, x = x }';
        if (p === 'bytes.lua') return new TextEncoder().encode('return "bytes"');
        if (p === 'shebang.lua') return '#!/usr/bin/env lua\n\nerror("line three")';
        return null;
      }),
      undefined,
    );
    assert.deepEqual(c.execute_script("return dofile('cfg.lua')"), { debug: true });
    assert.equal(c.execute_script("return dofile('bytes.lua')"), 'bytes');
    throwsExactly(() => c.execute_script("dofile('shebang.lua')"), Error, 'shebang.lua:3: line three');
    // No disk fallback, even for a file that exists.
    c.set_global('REAL', real);
    assert.deepEqual(c.execute_script('return loadfile(REAL)'), [null, `cannot open ${real}`]);
    throwsExactly(() => c.execute_script('dofile(REAL)'), Error, `cannot open ${real}`);
    assert.deepEqual(seen, ['cfg.lua', 'bytes.lua', 'shebang.lua', real, real]);
    // loadfile's env argument, and its mode ignored (text only).
    assert.equal(c.execute_script("return loadfile('cfg.lua', 'bt', { })().debug"), true);
    c.set_file_reader(() => '\x1bLua\x55');
    assert.deepEqual(c.execute_script("return loadfile('bin', 'b')"), [null, BINARY]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('B15 set_file_reader(null) clears both functions back to nil; bad arguments are TypeErrors', () => {
  const c = make({ libraries: 'all' });
  c.set_file_reader(() => 'return 1');
  assert.equal(c.set_file_reader(null), undefined);
  assert.deepEqual(c.execute_script('return dofile == nil, loadfile == nil'), [true, true]);
  for (const v of [undefined, 'f', 1, {}]) {
    throwsExactly(() => c.set_file_reader(v), TypeError, 'set_file_reader(fn) requires a function or null');
  }
  throwsExactly(() => c.set_file_reader(), TypeError, 'set_file_reader(fn) requires a function or null');
  // A bare state gets them too: the reader works or refuses, never accepts silently.
  const bare = make({});
  bare.set_file_reader(() => 'return 3');
  assert.equal(bare.execute_script("return dofile('x')"), 3);
});

test('B15 a reader that throws: the error reaches the caller as itself; a wrong return type is an error', () => {
  const c = make({ libraries: 'all' });
  const boom = new Error('reader boom');
  c.set_file_reader(() => {
    throw boom;
  });
  assert.equal(
    (() => {
      try {
        c.execute_script("dofile('x')");
      } catch (e) {
        return e;
      }
    })(),
    boom,
  );
  assert.equal(c.execute_script("local ok, e = pcall(loadfile, 'x') return ok, type(e)").join(), 'false,table');
  c.set_file_reader(() => 42);
  throwsExactly(() => c.execute_script("dofile('x')"), Error, /the file reader must return a string, a Uint8Array, or null/);
  assertUsable(c);
});

test('B15 a reader may call back into the context; reset() and dispose() from inside are refused', () => {
  const c = make({ libraries: 'all' });
  const refused = [];
  c.set_file_reader((p) => {
    const n = c.execute_script('return 20 + 1');
    try {
      c.reset();
    } catch (e) {
      refused.push(e.message);
    }
    try {
      c.dispose();
    } catch (e) {
      refused.push(e.message.split(' (')[0]);
    }
    return `return ${n}, ${JSON.stringify(p)}`;
  });
  assert.deepEqual(c.execute_script("return dofile('p')"), [21, 'p']);
  assert.deepEqual(refused, [EXECUTING, 'dispose() cannot be called while Lua is executing']);
  // A reader that sets another reader, or clears itself, mid-read.
  c.set_file_reader(() => {
    c.set_file_reader(null);
    return 'return "last"';
  });
  assert.equal(c.execute_script("return dofile('x')"), 'last');
  assert.equal(c.execute_script('return dofile'), null);
  assertUsable(c);
});

test('B15 the file reader is replayed across reset() and counted in bindingRefs.handlers', () => {
  const c = make({ libraries: 'sandbox', binaryStrings: true });
  const before = c.info().bindingRefs.handlers;
  const paths = [];
  c.set_file_reader((p) => (paths.push(p), 'return "ok"'));
  assert.equal(c.info().bindingRefs.handlers, before + 1);
  c.reset();
  assert.equal(c.execute_script("return dofile('after-reset')") instanceof Uint8Array, true);
  assert.deepEqual(paths, ['after-reset'], 'the path is a string even under binaryStrings');
  c.set_file_reader(null);
  assert.equal(c.info().bindingRefs.handlers, before);
  c.reset();
  assert.equal(c.execute_script('return dofile'), null);
});

test('B15 set_file_reader: busy while a worker run is in flight; unusable from a worker', async () => {
  const c = make({ libraries: 'all' });
  c.set_file_reader(() => 'return 1');
  const run = c.execute_script_async('local x = 0 for i = 1, 3e6 do x = x + 1 end return x');
  throwsExactly(() => c.set_file_reader(null), Error, BUSY, 'LUA_BUSY');
  await run;
  const e = await rejection(c.execute_script_async("return dofile('x')"));
  assert.match(e.message, /JS callbacks are not available in async mode \(called 'file reader'\)$/);
  assert.equal(c.execute_script("return dofile('x')"), 1);
});

test('B15 after dispose(), set_file_reader refuses', () => {
  const c = make({ libraries: 'all' });
  c.set_file_reader(() => 'return 1');
  c.dispose();
  throwsExactly(() => c.set_file_reader(null), Error, 'the Lua context has been closed', 'LUA_DISPOSED');
});

test('capability matrix: host entry points work or refuse loudly, never accept and retain silently', () => {
  const configs = {
    all: { libraries: 'all' },
    safe: { libraries: 'safe' },
    sandbox: { libraries: 'sandbox' },
    bare: {},
    'base-only': { libraries: ['base'] },
    'all-nobytecode': { libraries: 'all', allowBytecode: false },
    'all-nofs': { libraries: 'all', filesystem: 'deny' },
    'sandbox+bytecode': { libraries: 'sandbox', allowBytecode: true },
  };
  const dir = scratch();
  fs.writeFileSync(path.join(dir, 'pathmod.lua'), 'return "from path"');
  // Each entry: [register, probe]: probe says whether the registration took effect.
  const entries = {
    register_module: [(c) => c.register_module('m', { v: 1 }), (c) => c.execute_script("return (require('m')).v") === 1],
    add_search_path: [(c) => c.add_search_path(path.join(dir, '?.lua')), (c) => c.execute_script("return (require('pathmod'))") === 'from path'],
    set_file_reader: [(c) => c.set_file_reader(() => 'return "virtual"'), (c) => c.execute_script("return dofile('v')") === 'virtual'],
    set_global: [(c) => c.set_global('g', 5), (c) => c.execute_script('return g') === 5],
  };
  const ledger = [];
  try {
    for (const [name, options] of Object.entries(configs)) {
      for (const [entry, [register, probe]] of Object.entries(entries)) {
        const c = make(options);
        let threw = null;
        try {
          register(c);
        } catch (e) {
          threw = e;
        }
        if (threw) {
          assert.equal(typeof threw.code, 'string', `${name} / ${entry}: a refusal carries a code`);
          ledger.push(`${name} / ${entry}: refuses (${threw.code})`);
        } else {
          let works;
          try {
            works = probe(c);
          } catch (e) {
            works = false;
          }
          assert.equal(works, true, `${name} / ${entry}: accepted, so it must work`);
          ledger.push(`${name} / ${entry}: works`);
        }
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const line of [
    'sandbox / set_file_reader: works',
    'bare / set_file_reader: works',
    'all-nofs / set_file_reader: works',
    'all-nofs / add_search_path: refuses (LUA_FILESYSTEM_DENIED)',
    'sandbox / add_search_path: refuses (LUA_PACKAGE)',
    'safe / add_search_path: works',
    'all-nobytecode / add_search_path: works',
  ]) {
    assert.ok(ledger.includes(line), line);
  }
});
