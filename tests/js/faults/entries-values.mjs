// Allocation-failure entries for the issue 13/14 surface: table handles,
// release, call, pcall, converters and the conversion modes, stack
// introspection, environments and classes. Same shape as entries.mjs (which spreads
// these into its list).
import assert from 'node:assert/strict';
import lua_native from '../load.mjs';

const { init } = lua_native;
const all = (options = {}) => ({ c: new init({ echo: (...a) => a }, { libraries: 'all', ...options }) });

export const valueEntries = [
  {
    name: 'table handle: create_table and every method',
    run: (s) => {
      const h = s.c.create_table({ a: 1, list: [1, 2, { x: 'y' }], n: { m: true } });
      h.set('b', [3, 4]);
      h.set(true, 'yes');
      const out = [h.get('a'), h.get('list'), h.has('b'), h.length(), h.pairs().length, h.ipairs().length, h.keys().length];
      const inner = h.get_ref('n');
      out.push(inner.get('m'), [...h].length);
      h.release();
      return out;
    },
  },
  {
    name: 'table handle: get_global_ref and a handle passed back into Lua',
    setup: () => {
      const s = all();
      s.c.execute_script("T = setmetatable({ 1, 2, 3 }, { __len = function() return 42 end, __index = function(t, k) return k end })");
      return s;
    },
    run: (s) => {
      const h = s.c.get_global_ref('T');
      s.c.set_global('again', h);
      return [h.length(), h.get('zz'), s.c.execute_script('return rawequal(again, T)')];
    },
  },
  {
    name: 'release, call and pcall',
    setup: () => {
      const s = all();
      s.c.execute_script('function twice(x) return x * 2, { x } end');
      s.fn = s.c.execute_script('return function(x) if x then error({ code = x }) end return "ok" end');
      return s;
    },
    run: (s) => {
      const out = [s.c.call('twice', 21), s.c.pcall(s.fn), s.c.pcall(s.fn, 'boom').ok];
      s.c.release(s.fn);
      return out;
    },
    catches: true,
  },
  {
    name: 'converters and the conversion modes',
    setup: () => {
      const s = all({ binaryStrings: true, tableAs: 'map' });
      s.c.register_type_converter((v) => v instanceof URL, (u) => ({ href: u.href }));
      s.c.register_from_lua_converter((v) => v instanceof Map && v.has('href'), (m) => new URL(Buffer.from(m.get('href')).toString()));
      return s;
    },
    run: (s) => {
      s.c.set_global('u', new URL('https://example.org/x'));
      s.c.set_global('m', new Map([[1, 'int'], ['1', 'str'], [true, new Set([1, 2])], ['d', new Date(0)], ['b', 10n ** 15n]]));
      return [s.c.get_global('u'), s.c.get_global('m'), s.c.execute_script('return math.maxinteger, "bytes\\0here"')];
    },
    // Strings come out as bytes in this context, so usable is checked with numbers.
    after: (s) => assert.equal(s.c.execute_script('local t = {} for i = 1, 100 do t[i] = i end return #t'), 100),
  },
  {
    name: 'strictConversion on both directions',
    setup: () => all({ strictConversion: true }),
    run: (s) => {
      s.c.set_global('ok', { a: [1, 2, 3], b: { c: 'd' } });
      return s.c.execute_script('return { x = 1, y = { 1, 2 } }');
    },
  },
  {
    name: 'get_stack and get_locals from a callback',
    setup: () => {
      const s = {};
      s.c = new init({ probe: () => [s.c.get_stack().length, s.c.get_locals(1)] }, { libraries: 'all' });
      return s;
    },
    run: (s) => s.c.execute_script('local a, b = { 1, 2 }, "text" return probe()'),
  },
  {
    name: 'create_environment and execute_script_in',
    run: (s) => {
      const env = s.c.create_environment({ whitelist: ['string', 'math', 'print'], inherit: false });
      const out = s.c.execute_script_in(env, 'x = string.rep("a", 3) return x, math.max(1, 2)');
      const open = s.c.create_environment({ inherit: true });
      out.push(s.c.execute_script_in(open, 'y = 1 return type(string), y'));
      return out;
    },
  },
  {
    name: 'register_class: definition, extends, instances, members and metamethods',
    run: (s) => {
      class P { constructor(x) { this.x = x; } }
      s.c.register_class('P', {
        construct: (x) => new P(x),
        methods: { double: (self) => self.x * 2 },
        metamethods: { __add: (a, b) => a.x + b.x, __tostring: (v) => `P(${v.x})` },
        properties: { x2: { get: (self) => self.x * 2, set: (self, v) => { self.x = v / 2; } } },
        statics: { ORIGIN: [0, 0], describe: () => 'point' },
        readable: true,
      });
      s.c.register_class('Q', { extends: 'P', construct: (x) => new P(x + 1), methods: { triple: (self) => self.x * 3 } });
      return s.c.execute_script(`
        local p, q = P.new(2), Q.new(2)
        q.x2 = 10
        return p:double(), q:triple(), p + q, tostring(q), p.x2, P.ORIGIN[2], P.describe(), q.x`);
    },
  },
];
