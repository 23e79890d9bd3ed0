// The main job: run scripts written by untrusted users in a sandboxed
// context, and show that the hostile ones end in clean errors while the
// host, and the same context, carry on.
import lua_native from '../index.mjs';

const limits = { maxMemory: 16 * 1024 * 1024, maxInstructions: 20_000_000, timeout: 250 };
const logs = [];
const ctx = new lua_native.init(
  { log: (msg) => { logs.push(String(msg)); } },     // the only capability scripts get
  { libraries: 'sandbox', ...limits },
);
ctx.set_global('order', { items: [{ price: 12.5, qty: 2 }, { price: 3, qty: 10 }], coupon: 'SAVE10' });

const scripts = [
  ['a well-behaved pricing rule', `
    local total = 0
    for _, item in ipairs(order.items) do total = total + item.price * item.qty end
    if order.coupon == 'SAVE10' then total = total * 0.9 end
    log(('total: %.2f'):format(total))
    return total`],
  ['a memory bomb', `local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(1024) end`],
  ['a string bomb', `local s = 'x' while true do s = s .. s end`],
  ['an endless loop', `while true do end`],
  ['an endless loop hiding behind pcall', `while true do pcall(function() while true do end end) end`],
  ['a loop in an error handler', `xpcall(error, function() while true do end end)`],
  ['a pattern-matching bomb (runs inside C)', `return string.find(string.rep('a', 10000), '.-.-.-.-b')`],
  ['deep recursion', `local function f(n) return f(n + 1) + 1 end return f(1)`],
  ['reaching for the filesystem', `return io.open('/etc/passwd'):read('a')`],
  ['reaching for native code', `return package.loadlib('libc.so.6', 'system')`],
  ['loading a binary chunk', `return load(string.dump(function() return 1 end))()`],
  ['the same context afterwards', `log('still fine') return 6 * 7`],
];

const pad = (s, n) => (s.length > n ? s.slice(0, n - 1) + '…' : s.padEnd(n));
console.log(`lua-native demo: untrusted scripts in one sandboxed context`);
console.log(`libraries 'sandbox', maxMemory ${limits.maxMemory / 1048576} MB, maxInstructions ${limits.maxInstructions.toLocaleString('en')}, timeout ${limits.timeout} ms\n`);
console.log(`${pad('script', 44)} ${pad('outcome', 24)} ${pad('detail', 60)} time`);
for (const [name, source] of scripts) {
  const start = process.hrtime.bigint();
  let outcome;
  let detail;
  try {
    const value = ctx.execute_script(source);
    outcome = 'ok';
    detail = JSON.stringify(value) ?? 'undefined';
  } catch (e) {
    outcome = e.code ?? e.constructor.name;
    detail = e.message;
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`${pad(name, 44)} ${pad(outcome, 24)} ${pad(detail.replace(/\s+/g, ' '), 60)} ${ms.toFixed(1)} ms`);
}
console.log(`\nlog() calls from Lua: ${JSON.stringify(logs)}`);
console.log(`memory held by the context now: ${(ctx.get_memory_usage() / 1024).toFixed(1)} KB (limit ${limits.maxMemory / 1024} KB)`);
