// Runs one file of the official Lua 5.5 test suite (argv[2], e.g. 'db.lua')
// through the addon's own API, in "user mode", the way the suite's own
// all.lua would: a fresh context with every library, the suite's control
// globals set first, the suite folder as the working directory. Prints
// 'lua-suite: OK' once the file ran to completion; a Lua error goes to
// stderr (message and traceback) with exit code 1. Spawned by
// ../lua-suite.test.mjs; not a test file itself.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import lua_native from '../load.mjs';

const suite = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'lua-5.5-tests');
const file = process.argv[2];

process.chdir(suite);
// LUA_SUITE_LIMITS=1: with an instruction limit and a timeout that never
// trip, so the work budget's charges, the allocator's checks and the
// watchdog run under every file (they must not change what Lua does).
const limits = process.env.LUA_SUITE_LIMITS === '1' ? { maxInstructions: 1e15, timeout: 600_000 } : {};
const c = new lua_native.init({}, { libraries: 'all', ...limits });
c.execute_script('_U = true; _soft = true; _port = true; _nomsg = true; arg = {[0] = "all.lua"}; T = nil');
try {
  c.execute_file(file);
} catch (e) {
  process.stderr.write(`${e.code ?? ''} ${e.message}\n${e.luaTraceback ?? ''}\n`);
  process.exit(1);
}
process.stdout.write('\nlua-suite: OK\n');
