// Soak: operational control under churn (EVOLUTION A3 gc, A4 reset, A9 shared tables, B22
// dispose; DECISIONS 8 and 10). Each round builds 1,000 contexts that carry JS callbacks and a
// shared table, hands some Lua functions and proxies to JS, and then alternates scripts,
// reset(), gc('collect') and dispose() over them while the shared tables keep publishing.
// Afterwards everything is dropped and both garbage collectors run.
//
// Tolerances (stated here and in the test name), measured against the level after one
// warm-up round (so one-time allocations, JIT code and allocator arenas do not count):
//   * process RSS:   back within +40 MB of the start;
//   * V8 heapUsed:   back within +8 MB of the start.
// Five measured rounds follow the warm-up; a real leak of the contexts (1,000 Lua states of
// ~50 KB each, plus their callbacks and handles) grows with every round and fails the checks.
// Run with `node --expose-gc`; without it the test is skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';

const gc = globalThis.gc;
const CONTEXTS = 1_000;
const SHARED_TABLES = 10;
const ROUNDS = 5;
const RSS_SLACK = 40 * 1024 * 1024;
const HEAP_SLACK = 8 * 1024 * 1024;
const MB = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;

async function settle(rounds = 8) {
  for (let i = 0; i < rounds; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage();
}

const SCRIPT = `
  local parts = {}
  for i = 1, 50 do parts[i] = tostring(i * seed) end
  local s = table.concat(parts, ",")
  junk = {}
  for i = 1, 100 do junk[i] = { i, s:sub(i, i + 5) } end
  blob = string.rep(s:sub(1, 16), 2048) -- ~32 KB per context, so a leaked context shows
  return add(#s, S.version or 0), note(s:sub(1, 8))
`;

/** WeakRefs to a sample of each round's contexts, shared tables and handles. */
const samples = [];

/** One round: build the contexts, churn them, and return nothing that keeps them. */
async function round(roundNo) {
  let notes = 0;
  const tables = [];
  for (let t = 0; t < SHARED_TABLES; t++) {
    tables.push(lua_native.createSharedTable({ version: 1, name: `table-${t}`, fn: (x) => x + t, list: [1, 2, 3] }));
  }
  let contexts = [];
  let handed = []; // Lua functions and proxies handed to JS
  for (let i = 0; i < CONTEXTS; i++) {
    const c = new lua_native.init(
      { add: (a, b) => a + b, note: () => { notes++; return notes; }, seed: i + 1 },
      { libraries: ['base', 'string', 'table'], shared: { S: tables[i % SHARED_TABLES] } },
    );
    const [len] = c.execute_script(SCRIPT);
    assert.ok(len > 0);
    if (i % 5 === 0) {
      const fn = c.execute_script('return function(x) return S.fn(x) + #junk end');
      const proxy = c.execute_script('return setmetatable({ id = seed }, { __index = function(_, k) return k .. seed end })');
      assert.equal(fn(1), 1 + (i % SHARED_TABLES) + 100);
      assert.equal(proxy.id, i + 1);
      assert.equal(proxy.zz, `zz${i + 1}`);
      handed.push(fn, proxy);
    }
    contexts.push(c);
    if (i % 25 === 0) samples.push(new WeakRef(c)); // 25 = 1 (mod 4): every kind of churn is sampled
  }
  for (let k = 0; k < handed.length; k += 40) samples.push(new WeakRef(handed[k]));
  samples.push(new WeakRef(tables[0]));
  // Publish while every context is live.
  for (const t of tables) t.set('version', 2);

  // Alternate the operations over the contexts.
  for (let i = 0; i < CONTEXTS; i++) {
    const c = contexts[i];
    switch (i % 4) {
      case 0:
        c.reset();
        c.execute_script(SCRIPT);
        assert.equal(c.get_global('S.version'), 2, 'shared table re-published by reset()');
        break;
      case 1:
        c.execute_script('junk = nil');
        assert.equal(c.gc('collect'), undefined);
        c.execute_script(SCRIPT);
        break;
      case 2:
        c.dispose();
        break;
      default:
        c.reset();
        c.gc('collect');
        c.execute_script(SCRIPT);
        c.dispose();
    }
  }
  // Publish again: disposed subscribers are dropped silently, live ones updated.
  for (const t of tables) t.set('version', 3);
  assert.equal(contexts[1].get_global('S.version'), 3);
  // Handles from contexts that were reset or disposed refuse; the others still work.
  let refused = 0;
  for (const h of handed) {
    try {
      if (typeof h === 'function') h(1);
      else void h.id;
    } catch (e) {
      assert.match(e.code, /^LUA_(STALE_HANDLE|DISPOSED)$/);
      refused++;
    }
  }
  assert.ok(refused > 0 && refused <= handed.length);
  // Let the remaining live contexts go without dispose() half of the time.
  if (roundNo % 2 === 0) for (let i = 1; i < CONTEXTS; i += 4) contexts[i].dispose();
  assert.ok(notes >= CONTEXTS);
  contexts = null;
  handed = null;
  await new Promise((r) => setImmediate(r));
}

test(`soak: ${CONTEXTS} contexts x ${ROUNDS} rounds of scripts, reset(), gc('collect'), dispose() with callbacks and shared tables; RSS within +40 MB and heapUsed within +8 MB of the start after a warm-up round`, { skip: !gc && 'needs --expose-gc', timeout: 60_000 }, async () => {
  const started = Date.now();
  await round(0); // warm-up
  const start = await settle();
  const levels = [];
  for (let r = 1; r <= ROUNDS; r++) {
    await round(r);
    const now = await settle();
    levels.push(`round ${r}: rss ${MB(now.rss)}, heapUsed ${MB(now.heapUsed)}`);
  }
  const end = await settle(12);
  const alive = samples.filter((r) => r.deref() !== undefined).length;
  assert.equal(alive, 0, `${alive} of ${samples.length} sampled contexts, handles and shared tables were never collected`);
  const detail = `start rss ${MB(start.rss)}, heapUsed ${MB(start.heapUsed)}; ${levels.join('; ')}; end rss ${MB(end.rss)}, heapUsed ${MB(end.heapUsed)}; ${((Date.now() - started) / 1000).toFixed(1)} s`;
  assert.ok(end.rss - start.rss < RSS_SLACK, `RSS grew by ${MB(end.rss - start.rss)} (limit 40 MB): ${detail}`);
  assert.ok(end.heapUsed - start.heapUsed < HEAP_SLACK, `heapUsed grew by ${MB(end.heapUsed - start.heapUsed)} (limit 8 MB): ${detail}`);
  assert.ok(Date.now() - started < 50_000, `took too long: ${detail}`);
  console.log(`# soak: ${detail}`);
});
