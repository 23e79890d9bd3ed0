// DECISIONS 11 through register_class (EVOLUTION B4): a limit that trips while
// Lua code runs under a class's method, getter, setter, metamethod or
// constructor (the JS side calling back a Lua function it was given) ends the
// whole run with the limit's error, even when the JS side catches it and
// returns normally; the context stays usable and the class keeps working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lua_native from './load.mjs';
import { throwsExactly, assertUsable } from './helpers.mjs';

const LIMITS = {
  LUA_INSTRUCTION_LIMIT: [{ maxInstructions: 200_000 }, /instruction limit exceeded$/],
  LUA_TIMEOUT: [{ timeout: 100 }, /execution timeout$/],
};

/** A class whose every entry calls back the Lua function `f` it is handed, catching or not. */
function spinner(catching) {
  const call = (f) => {
    if (!catching) return f();
    try {
      return f();
    } catch {
      return 1; // swallowed on the JS side: the run must still stop
    }
  };
  return {
    construct: (f) => ({ f: call(f) }),
    methods: { run: (self, f) => call(f) },
    metamethods: { __add: (a, f) => call(f), __call: (self, f) => call(f) },
    properties: { spin: { get: () => call(globalThis.__spinFn), set: (self, f) => call(f) } },
  };
}

const SPIN = 'function() while true do end end';
const ENTRIES = {
  'a method': `S.new(function() return 1 end):run(${SPIN})`,
  'the constructor': `S.new(${SPIN})`,
  'a metamethod (__add)': `local s = S.new(function() return 1 end) local x = s + (${SPIN})`,
  'a metamethod (__call)': `local s = S.new(function() return 1 end) s(${SPIN})`,
  'a setter': `local s = S.new(function() return 1 end) s.spin = ${SPIN}`,
  'a getter': `local s = S.new(function() return 1 end) local x = s.spin`,
};

for (const [code, [options, text]] of Object.entries(LIMITS)) {
  for (const catching of [false, true]) {
    for (const [where, script] of Object.entries(ENTRIES)) {
      test(`${code} trips inside ${where} of a registered class${catching ? ', caught in JS' : ''}: the run ends with it`, () => {
        const c = new lua_native.init({}, { libraries: 'safe', ...options });
        c.register_class('S', spinner(catching));
        // The getter has no argument to receive the Lua function: it calls a global one.
        globalThis.__spinFn = c.execute_script(`return ${SPIN}`);
        try {
          throwsExactly(() => c.execute_script(script), Error, text, code);
          // Nor can the script's own pcall around the class call keep it running.
          throwsExactly(() => c.execute_script(`pcall(function() ${script} end) return 'ran on'`), Error, text, code);
          assertUsable(c);
          assert.equal(c.execute_script('return S.new(function() return 7 end):run(function() return 42 end)'), 42);
        } finally {
          delete globalThis.__spinFn;
          c.dispose();
        }
      });
    }
  }
}

test('cancel() from a class method stops the run once control is back in Lua, even if the method swallows nothing', () => {
  const c = new lua_native.init({}, { libraries: 'safe' });
  c.register_class('Stopper', {
    construct: () => ({}),
    methods: { stop: () => { c.cancel(); return true; } },
  });
  throwsExactly(
    () => c.execute_script('local s = Stopper.new() s:stop() while true do pcall(error, "caught?") end'),
    Error,
    /execution cancelled$/,
    'LUA_CANCELLED',
  );
  assertUsable(c);
  c.dispose();
});
