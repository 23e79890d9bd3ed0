// EVOLUTION.md B7 (set_print_handler, the `print` option, add_searcher) and
// B15 (set_read_handler): output, input and modules under the host's control.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { ctx, throwsExactly, assertUsable, rejection } from './helpers.mjs';

const { init } = lua_native;
const BUSY_RESET = 'reset() cannot be called while Lua is executing (from inside a host callback, metamethod, or __gc finalizer)';
const BUSY_DISPOSE = 'dispose() cannot be called while Lua is executing (from inside a host callback, metamethod, or __gc finalizer)';
const NO_PACKAGE = "Cannot add searcher: the 'package' library is not loaded. Include 'package' in the libraries option.";

function capture(c) {
  const seen = [];
  c.set_print_handler((text) => seen.push(text));
  return seen;
}

// ---------------------------------------------------------------- print

test('B7 print: tab-separated, tostring of each value (__tostring, __name), newline appended', () => {
  const c = ctx('all');
  const seen = capture(c);
  c.execute_script(`print('a', 1, 2.5, nil, true, 1e100, -0.0, math.maxinteger,
    setmetatable({}, { __tostring = function() return 'T!' end }),
    setmetatable({}, { __name = 'MyType' }) ~= nil)`);
  c.execute_script('print() print("")');
  assert.deepEqual(seen, ['a\t1\t2.5\tnil\ttrue\t1e+100\t-0.0\t9223372036854775807\tT!\ttrue\n', '\n', '\n']);
  seen.length = 0;
  c.execute_script("print((tostring(setmetatable({}, { __name = 'MyType' })):gsub('0x%x+', 'P')))");
  assert.deepEqual(seen, ['MyType: P\n']);
});

test('B7 io.write: the text as stock io.write makes it, no newline; returns the default output file', () => {
  const c = ctx('all');
  const seen = capture(c);
  assert.equal(c.execute_script("return io.type(io.write('x', 7, 0.5, 2.0, -3, 'y\\n'))"), 'file');
  c.execute_script('io.write() io.write("")');
  assert.deepEqual(seen, ['x70.52.0-3y\n', '', '']);
});

test('B7 stock argument errors stay stock: io.write of a table, __tostring returning a table', () => {
  const c = ctx('all');
  const seen = capture(c);
  throwsExactly(() => c.execute_script('io.write("a", {})'), Error, `[string "io.write("a", {})"]:1: bad argument #2 to 'write' (string expected, got table)`, 'LUA_RUNTIME');
  throwsExactly(
    () => c.execute_script('print(setmetatable({}, { __tostring = function() return {} end }))'),
    Error,
    /'__tostring' must return a string$/,
    'LUA_RUNTIME',
  );
  assert.deepEqual(seen, []);
  assertUsable(c);
});

test('B7 null restores the stock functions (stdout); setting twice keeps the first original', () => {
  const c = ctx('all');
  c.execute_script('ORIG_PRINT, ORIG_WRITE = print, io.write');
  c.set_print_handler(() => {});
  c.set_print_handler(() => {});
  assert.equal(c.execute_script('return print == ORIG_PRINT or io.write == ORIG_WRITE'), false);
  c.set_print_handler(null);
  assert.equal(c.execute_script('return print == ORIG_PRINT and io.write == ORIG_WRITE'), true);
  c.set_print_handler(undefined);
  assert.equal(c.execute_script('return print == ORIG_PRINT'), true);
});

test('B7 the print option wins over a print in the callbacks object; bad values are TypeErrors', () => {
  const fromOption = [];
  const fromCallbacks = [];
  const c = new init({ print: (s) => fromCallbacks.push(s) }, { libraries: 'all', print: (s) => fromOption.push(s) });
  c.execute_script('print("hi")');
  assert.deepEqual([fromOption, fromCallbacks], [['hi\n'], []]);
  throwsExactly(() => new init({}, { libraries: 'all', print: 'no' }), TypeError, 'print must be a function');
  assert.equal(new init({}, { libraries: 'all', print: null }).execute_script('return type(print)'), 'function');
  throwsExactly(() => c.set_print_handler(5), TypeError, 'set_print_handler(fn) requires a function or null');
  throwsExactly(() => c.set_print_handler(), TypeError, 'set_print_handler(fn) requires a function or null');
});

test('B7 the print option is read once: what was checked is what is applied', () => {
  // A getter that gives a function on its first read and a non-function
  // after: reading it twice checked one value and applied another.
  const seen = [];
  let reads = 0;
  const options = {
    libraries: 'all',
    get print() {
      reads += 1;
      return reads === 1 ? (s) => seen.push(s) : 'not a function';
    },
  };
  const c = new init({}, options);
  assert.equal(reads, 1);
  c.execute_script('print("once")');
  assert.deepEqual(seen, ['once\n']);
  c.dispose();
});

test('B7 a throwing handler is swallowed: the script goes on', () => {
  const c = ctx('all');
  c.set_print_handler(() => {
    throw new Error('handler broke');
  });
  assert.equal(c.execute_script('print("x") io.write("y") return "after"'), 'after');
  c.set_print_handler(() => {
    throw 'a string';
  });
  assert.equal(c.execute_script('print("x") return "after"'), 'after');
});

test('B7 without the base library print is still set; null puts back nil; io.write only where it exists', () => {
  const c = ctx();
  const seen = capture(c);
  c.execute_script('print("bare", 1)');
  assert.deepEqual(seen, ['bare\t1\n']);
  assert.equal(c.execute_script('return io'), null);
  c.set_print_handler(null);
  assert.equal(c.execute_script('return print'), null);
});

test('B7 a script that replaced print or io keeps its own; a new handler replaces them again', () => {
  const c = ctx('all');
  const seen = capture(c);
  c.execute_script('print = function() end io = { write = function() end }');
  c.execute_script('print("lost") io.write("lost")');
  assert.deepEqual(seen, []);
  c.set_print_handler(null); // leaves the script's own functions alone
  assert.equal(c.execute_script('return type(print), type(io.write)').join(), 'function,function');
  const again = capture(c);
  c.execute_script('print("p") io.write("w")');
  assert.deepEqual(again, ['p\n', 'w']);
  c.execute_script('io = 5');
  c.set_print_handler(() => {}); // no io table: only print
  assert.equal(c.execute_script('return io'), 5);
});

test('B7 the handler may call back into the context; reset() and dispose() from inside are refused', () => {
  const c = ctx('all');
  const seen = [];
  const errors = [];
  c.set_print_handler((text) => {
    seen.push(text);
    if (text === 'outer\n') seen.push(c.execute_script('print("inner") return 7'));
    try {
      c.reset();
    } catch (e) {
      errors.push([e.message, e.code]);
    }
    try {
      c.dispose();
    } catch (e) {
      errors.push([e.message, e.code]);
    }
  });
  c.execute_script('print("outer")');
  assert.deepEqual(seen, ['outer\n', 'inner\n', 7]);
  assert.deepEqual(errors[0], [BUSY_RESET, 'LUA_BUSY']);
  assert.deepEqual(errors[1], [BUSY_DISPOSE, 'LUA_BUSY']);
  assertUsable(c);
});

test('B7 the handler may remove itself while it runs', () => {
  const c = ctx('all');
  const seen = [];
  c.set_print_handler((text) => {
    seen.push(text);
    c.set_print_handler(null);
  });
  c.execute_script('print(1) ORIG_GONE = true');
  assert.deepEqual(seen, ['1\n']);
  assert.equal(c.execute_script('return debug.getinfo(print).what'), 'C');
});

test('B7 print from a __gc finalizer and from a debug.sethook hook reaches the handler', () => {
  const c = ctx('all');
  const seen = capture(c);
  c.execute_script('setmetatable({}, { __gc = function() print("gc") end }) collectgarbage() collectgarbage()');
  c.execute_script('debug.sethook(function() print("hook") debug.sethook() end, "l")\nlocal x = 1\n');
  assert.ok(seen.includes('gc\n'));
  assert.ok(seen.includes('hook\n'));
});

test('B7 limits hold while handlers run: instructions, timeout, memory', () => {
  const c = new init({}, { libraries: 'all', maxInstructions: 100000 });
  let calls = 0;
  c.set_print_handler(() => {
    calls += 1;
  });
  throwsExactly(() => c.execute_script('while true do print(1) end'), Error, /instruction limit exceeded$/, 'LUA_INSTRUCTION_LIMIT');
  assert.ok(calls > 0);
  // A long string costs bytes/16 per print: far fewer prints fit in the budget.
  calls = 0;
  assert.throws(() => c.execute_script("local s = string.rep('x', 1e6) for i = 1, 1e9 do print(s) end"), { code: 'LUA_INSTRUCTION_LIMIT' });
  assert.ok(calls < 5, `prints of 1 MB within 100000 units: ${calls}`);
  const t = new init({}, { libraries: 'all', timeout: 50 });
  t.set_print_handler(() => {
    const until = Date.now() + 20;
    while (Date.now() < until);
  });
  assert.throws(() => t.execute_script('while true do print(1) end'), { code: 'LUA_TIMEOUT' });
  const m = new init({}, { libraries: 'all', maxMemory: 4 * 1024 * 1024 });
  m.set_print_handler(() => {});
  assert.throws(() => m.execute_script("local s = string.rep('x', 1.5e6) print(s, s, s)"), { code: 'LUA_MEMORY' });
  assertUsable(m);
});

test('B7 output is dropped on the worker thread (execute_script_async); the handler is not called', async () => {
  const c = ctx('all');
  const seen = capture(c);
  assert.equal(await c.execute_script_async('print("async") io.write("w") return "done"'), 'done');
  assert.deepEqual(seen, []);
  c.execute_script('print("sync")');
  assert.deepEqual(seen, ['sync\n']);
});

test('B7 binaryStrings: the handler still gets a string', () => {
  const c = new init({}, { libraries: 'all', binaryStrings: true });
  const seen = capture(c);
  c.execute_script('print("text")');
  assert.deepEqual(seen, ['text\n']);
});

test('B7 reset() replays the print handler, from the option and from the setter', () => {
  const fromOption = [];
  const c = new init({}, { libraries: 'all', print: (s) => fromOption.push(s) });
  c.reset();
  c.execute_script('print("after reset")');
  assert.deepEqual(fromOption, ['after reset\n']);
  const seen = capture(c);
  c.reset();
  c.execute_script('io.write("again")');
  assert.deepEqual(seen, ['again']);
  c.set_print_handler(null);
  c.reset();
  c.execute_script('print("to stdout")');
  assert.deepEqual(seen, ['again']);
});

// ---------------------------------------------------------------- io.read

test('B15 set_read_handler: formats l, L, a, n and counts; a leading * stripped; once per format', () => {
  const c = ctx('all');
  const asked = [];
  assert.equal(
    c.set_read_handler((f) => {
      asked.push(f);
      return f === 'n' ? '42' : `<${f}>`;
    }),
    true,
  );
  assert.deepEqual(c.execute_script("return io.read('l', '*L', 'a', 'n', 5, 0, '*number', 'line')"), ['<l>', '<L>', '<a>', 42, '<5>', '<0>', 42, '<l>']);
  assert.deepEqual(asked, ['l', 'L', 'a', 'n', 5, 0, 'n', 'l']);
  asked.length = 0;
  assert.equal(c.execute_script('return io.read()'), '<l>');
  assert.deepEqual(asked, ['l']);
});

test('B15 return values: text, "" is an empty line, null/undefined/boolean are EOF (reading stops), Uint8Array bytes', () => {
  const c = ctx('all');
  const answers = ['', 'line', null];
  c.set_read_handler(() => answers.shift());
  assert.deepEqual(c.execute_script("return select('#', io.read('l', 'l', 'l', 'l')), io.read('l', 'l')"), [3, null]);
  for (const eof of [undefined, false, true]) {
    c.set_read_handler(() => eof);
    assert.equal(c.execute_script('return io.read() == nil'), true);
  }
  c.set_read_handler(() => new Uint8Array([0xff, 0, 0x41]));
  assert.deepEqual(c.execute_script('local s = io.read(3) return #s, s:byte(1, -1)'), [3, 255, 0, 65]);
  c.set_read_handler(() => 5);
  throwsExactly(
    () => c.execute_script('io.read()'),
    Error,
    '[string "io.read()"]:1: io.read handler failed: the handler must return a string, a Uint8Array, null or undefined',
    'LUA_RUNTIME',
  );
});

test("B15 'n': the text is parsed as a Lua number, else nil", () => {
  const c = ctx('all');
  const texts = [' 12 ', '3.5', '0x10', '1e2', 'abc', ''];
  c.set_read_handler(() => texts.shift());
  assert.deepEqual(
    c.execute_script("local r = {} for i = 1, 6 do local v = io.read('n') r[i] = v == nil and 'nil' or math.type(v) .. ':' .. v end return table.concat(r, ' ')"),
    'integer:12 float:3.5 integer:16 float:100.0 nil nil',
  );
});

test('B15 stock format errors; a throwing handler surfaces as "io.read handler failed: …"', () => {
  const c = ctx('all');
  c.set_read_handler(() => 'x');
  throwsExactly(() => c.execute_script("io.read('x')"), Error, `[string "io.read('x')"]:1: bad argument #1 to 'read' (invalid format)`, 'LUA_RUNTIME');
  throwsExactly(() => c.execute_script("io.read('l', {})"), Error, `[string "io.read('l', {})"]:1: bad argument #2 to 'read' (string expected, got table)`);
  c.set_read_handler(() => {
    throw new Error('boom');
  });
  throwsExactly(() => c.execute_script('return io.read()'), Error, '[string "return io.read()"]:1: io.read handler failed: boom', 'LUA_RUNTIME');
  assert.deepEqual(c.execute_script('return pcall(io.read)'), [false, 'io.read handler failed: boom']);
  c.set_read_handler(() => {
    throw 'plain';
  });
  assert.deepEqual(c.execute_script('return pcall(io.read)'), [false, 'io.read handler failed: plain']);
  assertUsable(c);
});

test('B15 without io: a minimal io = {read} is made; null removes exactly that table', () => {
  for (const libs of [undefined, 'sandbox', ['base']]) {
    const c = ctx(libs);
    assert.equal(c.set_read_handler(() => 'in'), true);
    assert.deepEqual(Object.keys(c.execute_script('return io')), ['read']);
    assert.equal(c.execute_script('return io.read()'), 'in');
    c.set_read_handler(null);
    assert.equal(c.execute_script('return io'), null);
  }
  const c = ctx('sandbox');
  c.set_read_handler(() => 'in');
  c.execute_script('io = { mine = true, read = io.read }');
  c.set_read_handler(null);
  assert.equal(c.execute_script('return io.mine'), true);
});

test('B15 with the io library: null restores the stock io.read', () => {
  const c = ctx('all');
  c.execute_script('ORIG_READ = io.read');
  c.set_read_handler(() => 'a');
  c.set_read_handler(() => 'b');
  assert.equal(c.execute_script('return io.read()'), 'b');
  c.set_read_handler(null);
  assert.equal(c.execute_script('return io.read == ORIG_READ'), true);
});

test('B15 false when io is not a table: the handler is not retained', () => {
  const c = ctx('all');
  c.execute_script('io = 5');
  const before = c.info().bindingRefs.handlers;
  assert.equal(c.set_read_handler(() => 'x'), false);
  assert.equal(c.info().bindingRefs.handlers, before);
  assert.equal(c.execute_script('return io'), 5);
  throwsExactly(() => c.set_read_handler('x'), TypeError, 'set_read_handler(fn) requires a function or null');
});

test('B15 the format is a string or a number even under binaryStrings', () => {
  const c = new init({}, { libraries: 'all', binaryStrings: true });
  const asked = [];
  c.set_read_handler((f) => {
    asked.push(f);
    return 'v';
  });
  c.execute_script("io.read('l', 2)");
  assert.deepEqual(asked, ['l', 2]);
});

test('B15 replayed across reset(); unavailable on the worker thread', async () => {
  const c = ctx('sandbox');
  c.set_read_handler(() => 'again');
  c.reset();
  assert.equal(c.execute_script('return io.read()'), 'again');
  const e = await rejection(c.execute_script_async('return io.read()'));
  assert.equal(e.message, '[string "return io.read()"]:1: io.read handler failed: JS read handlers are not available in async mode');
  assertUsable(c);
});

test('B15 re-entrancy: the handler may run scripts; reset() from inside is refused', () => {
  const c = ctx('all');
  let refused;
  c.set_read_handler(() => {
    try {
      c.reset();
    } catch (e) {
      refused = e.code;
    }
    return String(c.execute_script('return 20 + 1'));
  });
  assert.equal(c.execute_script("return io.read('n')"), 21);
  assert.equal(refused, 'LUA_BUSY');
});

// ---------------------------------------------------------------- add_searcher

test('B7 add_searcher: appended to package.searchers; source loaded; null/undefined pass', () => {
  const c = ctx('all');
  const asked = [];
  const before = c.execute_script('return #package.searchers');
  c.add_searcher((name) => {
    asked.push(name);
    return name === 'greet' ? 'local name = ... return { hello = "hi from " .. name }' : name === 'undef' ? undefined : null;
  });
  assert.equal(c.execute_script('return #package.searchers'), before + 1);
  assert.equal(c.execute_script("return require('greet').hello"), 'hi from greet');
  assert.equal(c.execute_script("return require('greet') == require('greet')"), true);
  assert.throws(() => c.execute_script("require('undef')"), /module 'undef' not found:\n\tno field package.preload\['undef'\]/);
  assert.deepEqual(asked, ['greet', 'undef']);
  assert.equal(c.info().bindingRefs.searchers, 1);
});

test('B7 add_searcher: text only, syntax errors, runtime errors keep the module name', () => {
  const c = ctx('all');
  c.add_searcher((name) => ({ bin: '\x1bLua', bad: 'return +', boom: 'error("inside")' })[name] ?? null);
  throwsExactly(() => c.execute_script("require('bin')"), Error, /^error loading module 'bin' from host searcher:\n\tattempt to load a binary chunk \(mode is 't'\)$/);
  throwsExactly(() => c.execute_script("require('bad')"), Error, /^error loading module 'bad' from host searcher:\n\tbad:1: unexpected symbol near '\+'$/);
  throwsExactly(() => c.execute_script("require('boom')"), Error, /^boom:1: inside$/);
});

test('B7 add_searcher: must be synchronous (a Promise is refused); a throw becomes a Lua error', () => {
  const c = ctx('all');
  c.add_searcher(async () => 'return 1');
  throwsExactly(() => c.execute_script("require('p')"), Error, "JS searcher for module 'p' returned a Promise; searchers must be synchronous", 'LUA_RUNTIME');
  const d = ctx('all');
  d.add_searcher(() => {
    throw new Error('nope');
  });
  throwsExactly(() => d.execute_script("require('t')"), Error, "JS searcher for module 't' threw an exception: nope", 'LUA_RUNTIME');
  const e = ctx('all');
  e.add_searcher(() => 42);
  throwsExactly(() => e.execute_script("require('n')"), Error, "JS searcher for module 'n' must return a string of Lua source, null or undefined");
  assertUsable(e);
});

test('B7 add_searcher: requires a function and the package library', () => {
  const c = ctx('all');
  for (const bad of [undefined, null, 'src', {}]) throwsExactly(() => c.add_searcher(bad), TypeError, 'add_searcher(fn) requires a function');
  for (const libs of [undefined, 'sandbox', ['base']]) throwsExactly(() => ctx(libs).add_searcher(() => null), Error, NO_PACKAGE, 'LUA_PACKAGE');
  c.execute_script('package.searchers = 5');
  throwsExactly(() => c.add_searcher(() => null), Error, 'Cannot add searcher: package.searchers is not a table.', 'LUA_PACKAGE');
  c.execute_script('package.searchers = {}');
  c.add_searcher(() => 'return "only"');
  assert.equal(c.execute_script("return (require('anything'))"), 'only');
});

test("B7 add_searcher: 'safe' keeps working; require returns the module and the name (the loader data)", () => {
  const c = ctx('safe');
  c.add_searcher((name) => `return '${name}'`);
  assert.deepEqual(c.execute_script("return require('mod')"), ['mod', 'mod']);
});

test('B7 add_searcher: not available on the worker thread', async () => {
  const c = ctx('all');
  c.add_searcher(() => 'return 1');
  const e = await rejection(c.execute_script_async("return require('w')"));
  assert.equal(e.message, 'JS searchers are not available in async mode');
  assert.equal(c.execute_script("return (require('w'))"), 1);
});

test('B7 add_searcher: replayed across reset() (with the handlers, in constructor order)', () => {
  const c = ctx('all');
  c.add_searcher((name) => (name === 'a' ? 'return "A"' : null));
  c.add_searcher((name) => (name === 'b' ? 'return "B"' : null));
  const refs = c.info().bindingRefs;
  c.reset();
  assert.deepEqual(c.execute_script("return require('a'), require('b'), #package.searchers"), ['A', 'B', 6]);
  assert.deepEqual(c.info().bindingRefs, refs);
});

test('B7 add_searcher: the searcher may call back into the context', () => {
  const c = ctx('all');
  c.add_searcher((name) => `return ${c.execute_script(`return #'${name}'`)}`);
  assert.equal(c.execute_script("return (require('four'))"), 4);
});

test('info().bindingRefs: handlers counts print and read handlers and the hook; dispose() clears them', () => {
  const c = ctx('all');
  assert.equal(c.info().bindingRefs.handlers, 0);
  c.set_print_handler(() => {});
  c.set_read_handler(() => null);
  c.set_hook(() => {}, { count: 1000 });
  assert.equal(c.info().bindingRefs.handlers, 3);
  c.set_print_handler(null);
  c.set_read_handler(null);
  assert.equal(c.info().bindingRefs.handlers, 1);
  c.dispose();
  throwsExactly(() => c.set_print_handler(() => {}), Error, /closed/, 'LUA_DISPOSED');
});

test('limits hold through the read handler and the searcher: huge answers, slow handlers, served code', () => {
  const m = new init({}, { libraries: 'all', maxMemory: 2 * 1024 * 1024 });
  m.set_read_handler(() => 'x'.repeat(4 * 1024 * 1024));
  throwsExactly(() => m.execute_script('return io.read()'), Error, 'not enough memory', 'LUA_MEMORY');
  m.add_searcher(() => `return "${'y'.repeat(4 * 1024 * 1024)}"`);
  assert.throws(() => m.execute_script("return require('huge')"), { code: 'LUA_MEMORY' });
  assertUsable(m);
  const t = new init({}, { libraries: 'all', timeout: 50 });
  t.set_read_handler(() => {
    const until = Date.now() + 20;
    while (Date.now() < until);
    return 'slow';
  });
  assert.throws(() => t.execute_script('while true do io.read() end'), { code: 'LUA_TIMEOUT' });
  const b = new init({}, { libraries: 'all', maxInstructions: 10000 });
  b.add_searcher(() => 'while true do end');
  throwsExactly(() => b.execute_script("require('spin')"), Error, /instruction limit exceeded$/, 'LUA_INSTRUCTION_LIMIT');
  assertUsable(b);
});
