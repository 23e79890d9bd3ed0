// Runs one hostile case (by id, argv[2]) in this process and prints one line
// of JSON: how the call ended, how long it took, the peak RSS growth, and
// whether the same context then still runs normal code. Spawned by
// sandbox-corpus.test.mjs; not a test file itself.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import lua_native from '../load.mjs';
import { findCase } from './cases.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const c0 = findCase(process.argv[2]);
const file = path.join(here, c0.file);
const src = fs.readFileSync(file, 'utf8');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lua-native-hostile-'));

function describe(e) {
  if (!(e instanceof Error)) return { ctor: typeof e, message: String(e) };
  return { ctor: e.constructor.name, message: e.message, code: e.code };
}

function plain(v) {
  try {
    return JSON.parse(JSON.stringify(v ?? null));
  } catch {
    return String(v);
  }
}

async function collect() {
  for (let i = 0; i < 5; i++) {
    global.gc();
    await new Promise((r) => setTimeout(r, 5));
  }
  return 'collected';
}

const POST = ['gc', 'next', 'reset', 'dispose', 'jsgc'];
let current = null;

async function call() {
  const c = current;
  switch (c0.via) {
    case 'script':
      return c.execute_script(src);
    case 'file':
      return c.execute_file(file);
    case 'async':
      return await c.execute_script_async(src);
    case 'file_async':
      return await c.execute_file_async(file);
    case 'bytecode':
      return c.load_bytecode(c.compile(src));
    case 'function': {
      const f = c.execute_script(`return function()\n${src}\nend`);
      return f();
    }
    case 'resume': {
      const co = c.create_coroutine(`return function()\n${src}\nend`);
      return c.resume(co);
    }
    case 'proxy': {
      const p = c.execute_script(src);
      return p.x;
    }
    // The script runs first (outside the timing); what comes after it is the timed call.
    case 'gc':
      return c.gc('collect');
    case 'next':
      return c.execute_script('local t = {} for i = 1, 2e5 do t[i] = {} end return #t');
    case 'reset':
      return c.reset();
    case 'dispose':
      return c.dispose();
    case 'jsgc': {
      current = null; // the last reference: `c` above is only this function's copy
      return collect();
    }
    default:
      throw new Error(`unknown door ${c0.via}`);
  }
}

const out = { id: c0.id };
let c;
try {
  c = new lua_native.init(c0.callbacks ? c0.callbacks(() => current) : {}, c0.options);
  if (c0.setup) await c0.setup(c, { lua_native, tmp });
  if (POST.includes(c0.via)) out.first = plain(c.execute_script(src));
  current = c;
  if (global.gc) global.gc();
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  try {
    c = null;
    out.value = plain(await call());
    out.outcome = 'returned';
  } catch (e) {
    out.outcome = 'threw';
    out.error = describe(e);
  }
  out.ms = performance.now() - t0;
  c = current;
  out.rssGrowthMB = (process.resourceUsage().maxRSS * 1024 - rssBefore) / (1024 * 1024);
  // The same context must still run normal code, and the host's bytecode door must still work
  // (a fresh one after dispose() or JS garbage collection).
  if (!c || c0.via === 'dispose') c = new lua_native.init({}, c0.options);
  try {
    out.after = c.execute_script('return 1 + 1');
    out.afterLoop = c.execute_script('local s = 0 for i = 1, 10000 do s = s + i end return s');
    // Under 'sandbox' the host's door is closed by default (allowBytecode, EVOLUTION B7):
    // there it must still refuse, cleanly.
    const bytecodeAllowed = c0.options?.allowBytecode ?? c0.options?.libraries !== 'sandbox';
    if (bytecodeAllowed) out.afterBytecode = c.load_bytecode(c.compile('return 40 + 2'));
    else {
      try {
        c.load_bytecode(c.compile('return 40 + 2'));
        out.afterBytecode = 'accepted under allowBytecode: false';
      } catch (e) {
        out.afterBytecode = e.code === 'LUA_BYTECODE_DENIED' ? 42 : describe(e);
      }
    }
    out.afterAlloc = c.execute_script("return #string.rep('x', 100000)");
  } catch (e) {
    out.afterError = describe(e);
  }
} catch (e) {
  out.outcome = 'harness';
  out.error = describe(e);
  out.stack = e && e.stack;
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
process.stdout.write(`\nRESULT ${JSON.stringify(out)}\n`);
