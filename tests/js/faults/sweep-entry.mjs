// Runs the allocation-failure sweeps of ONE entry point (entries.mjs) in this
// process: `node sweep-entry.mjs <index> [mode ...]` (default: the entry's
// modes, or all three), with
// LUA_NATIVE_FAULT_INJECTION=1 in the environment. alloc-failure.test.mjs
// starts one per entry point, so an abort is reported against the entry and
// the step it happened at (each step is announced, synchronously, before it
// runs) instead of killing the test runner.
//
// For N = 1, 2, 3, ... a fresh setup is made without a fault, then the call
// runs with the N-th growth request of its Lua state refused (mode `once`:
// that one only, which Lua absorbs with an emergency collection; `double`: it
// and the next, so the one allocation really fails; `persistent`: every one
// from there on). The sweep ends at the first N the fault does not reach.
// Each step must end cleanly: success (checked where the entry says how), or
// an Error with a string `code` that is the call's own unfaulted failure,
// LUA_MEMORY 'not enough memory', or one of the entry's alternatives; and
// then, with the fault off, the context must still work.
//
// Prints one line `RESULT {json}` per mode; exits 1 when there were problems.
import fs from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import lua_native from '../load.mjs';
import { assertUsable } from '../helpers.mjs';
import { entries, CALLBACKS } from './entries.mjs';

const { init } = lua_native;
const [index, ...requested] = process.argv.slice(2);
const entry = entries[Number(index)];
const ALL_MODES = { once: 1, double: 2, persistent: Infinity };
const modes = requested.length ? requested : (entry?.modes ?? Object.keys(ALL_MODES));
const MAX_STEPS = Number(process.env.LUA_NATIVE_FAULT_MAX_STEPS || 20000);
// Lua's own text, and lua-core's when the state itself cannot be made.
const MEMORY = /^(not enough memory|Failed to create Lua state)$/;

if (!entry || !modes.every((m) => m in ALL_MODES)) throw new Error(`usage: sweep-entry.mjs <0..${entries.length - 1}> [once|double|persistent ...]`);
if (typeof init.__fail_next_state_allocation !== 'function') throw new Error('fault injection is off: set LUA_NATIVE_FAULT_INJECTION=1');

// Each step is announced before it runs, synchronously, so that the step an
// abort happened at is known: into the file the parent names (a pipe can
// refuse a synchronous write with EAGAIN when its reader is slow), else stderr.
const progressFd = process.env.LUA_NATIVE_FAULT_PROGRESS ? fs.openSync(process.env.LUA_NATIVE_FAULT_PROGRESS, 'w') : 2;
function progress(line) {
  for (;;) {
    try {
      fs.writeSync(progressFd, line);
      return;
    } catch (e) {
      if (e.code !== 'EAGAIN') throw e;
    }
  }
}

const problems = [];
const problem = (n, text) => {
  if (problems.length < 20) problems.push(`N=${n}: ${text}`);
};
const describe = (e) => (e instanceof Error ? `${e.constructor.name} ${e.code}: ${e.message}` : `a non-Error: ${String(e)}`);

async function attempt(fn) {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

const setup = entry.setup ?? (() => ({ c: new init(CALLBACKS, { libraries: 'all' }) }));
const arm = entry.arm ?? 'context';

/** The `{ status, values, error? }` objects of resume() calls in a value. */
function resumes(v) {
  if (Array.isArray(v)) return v.flatMap(resumes);
  if (v && typeof v === 'object' && !(v instanceof init) && typeof v.status === 'string' && Array.isArray(v.values)) return [v];
  return [];
}

/** The context a step leaves behind (the constructor's result, or setup's). */
const contextOf = (s, out) => s.c ?? (out.ok && out.value instanceof init ? out.value : null);

// The call without a fault: its own outcome is always an acceptable one.
const reference = await attempt(() => entry.run(setup()));
if (!reference.ok && !(reference.error instanceof Error && typeof reference.error.code === 'string')) {
  problem(0, `the unfaulted call fails uncleanly: ${describe(reference.error)}`);
}
// What the unfaulted call must do, where the entry says.
if (entry.expect) {
  const e = reference.error;
  if (reference.ok || e?.code !== entry.expect.code || !entry.expect.message.test(e.message)) {
    problem(0, `the unfaulted call should fail with ${entry.expect.code} ${entry.expect.message}, got ${reference.ok ? 'a success' : describe(e)}`);
  }
}
if (entry.expectResume) {
  const errors = reference.ok ? resumes(reference.value).map((r) => r.error) : [];
  if (!errors.length || !errors.every((e) => entry.expectResume.test(e))) problem(0, `the unfaulted resume should report ${entry.expectResume}, got ${JSON.stringify(errors)}`);
}
const refResumeErrors = new Set(reference.ok ? resumes(reference.value).map((r) => r.error).filter((e) => e !== undefined) : []);

async function sweep(mode) {
  const REFUSALS = ALL_MODES[mode];
  const outcomes = {};
  let steps = 0;
  let fired = 0;
  const started = Date.now();
  for (let n = 1; ; n++) {
    if (n > MAX_STEPS) {
      problem(n, `the sweep did not finish within ${MAX_STEPS} steps`);
      break;
    }
    progress(`@ mode ${mode}, N=${n}\n`);
    const s = setup();
    const before = init.__injected_allocation_faults();
    if (arm === 'next-state') init.__fail_next_state_allocation(n, REFUSALS);
    else s.c.__fail_allocation(n, REFUSALS);
    const out = await attempt(() => entry.run(s));
    // Off everywhere: for the next state, and on whatever state took it.
    init.__fail_next_state_allocation(null);
    const c = contextOf(s, out);
    if (c) {
      try {
        c.__fail_allocation(null);
      } catch {
        // disposed: nothing to disarm
      }
    }
    const hits = init.__injected_allocation_faults() - before;
    steps++;
    fired += hits;

    let key;
    if (out.ok) {
      key = 'success';
      const strict = hits === 0 || !entry.catches;
      if (entry.check && strict) {
        try {
          entry.check(out.value, s);
        } catch (e) {
          problem(n, `succeeded with a wrong result: ${e.message}`);
        }
      }
      for (const r of resumes(out.value)) {
        if (r.error === undefined || refResumeErrors.has(r.error) || MEMORY.test(r.error) || entry.resumeErrors?.test(r.error)) continue;
        problem(n, `resume() reported an unexpected error: ${JSON.stringify(r.error)}`);
      }
      if (resumes(out.value).some((r) => r.error !== undefined)) key = `resume error: ${resumes(out.value).map((r) => r.error).filter(Boolean).join(' | ')}`;
    } else {
      const e = out.error;
      key = describe(e);
      const own = !reference.ok && reference.error.code === e?.code && reference.error.message === e?.message;
      const memory = e?.code === 'LUA_MEMORY' && MEMORY.test(e.message);
      const alternative = (entry.alternatives ?? []).some((a) => a.code === e?.code && a.message.test(e.message));
      if (!(e instanceof Error) || typeof e.code !== 'string') problem(n, `threw ${describe(e)} without a string code`);
      else if (!(own || memory || alternative)) problem(n, `threw an unexpected ${describe(e)}`);
    }
    outcomes[key] = (outcomes[key] ?? 0) + 1;

    // With the fault off, the context works.
    try {
      if (entry.after) entry.after(s, out);
      else if (c) assertUsable(c);
    } catch (e) {
      problem(n, `the context is not usable afterwards: ${e.message}`);
    }
    try {
      c?.dispose();
    } catch {
      // already disposed
    }

    if (hits === 0) {
      // The call needs fewer than N growth requests: the sweep is complete.
      // Its outcome must then be the unfaulted one.
      if (out.ok !== reference.ok) problem(n, `without a fault firing the call ${out.ok ? 'succeeded' : `failed (${describe(out.error)})`}, unlike the unfaulted call`);
      break;
    }
    if (problems.length >= 20) break;
  }

  const result = { entry: entry.name, mode, steps, fired, ms: Date.now() - started, outcomes, problems: problems.splice(0) };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  return result;
}

const unfaulted = problems.splice(0);
let failed = unfaulted.length > 0;
if (failed) process.stdout.write(`RESULT ${JSON.stringify({ entry: entry.name, mode: 'unfaulted', steps: 0, fired: 0, ms: 0, outcomes: {}, problems: unfaulted })}\n`);
for (const mode of modes) {
  const result = await sweep(mode);
  failed ||= result.problems.length > 0;
}
process.exitCode = failed ? 1 : 0;
