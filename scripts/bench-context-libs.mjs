// What each standard library adds to a new context (issue 18, scope 3):
//   node scripts/bench-context-libs.mjs
// times `new init({}, { libraries: X }).dispose()` for no library, every
// library, and each library alone (8000 contexts per batch, median of 7
// batches), and reads info().memoryBytes of each; a library's figure is its
// context's minus the no-library one. Compare with `lua-floor --newstate`.
import lua from '../index.mjs';

const LIBS = ['base', 'package', 'coroutine', 'table', 'io', 'os', 'string', 'math', 'utf8', 'debug'];
const time = (opts, n = 8000) => {
  const r = [];
  for (let k = 0; k < 7; k++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) new lua.init({}, opts).dispose();
    r.push(Number(process.hrtime.bigint() - t0) / n);
  }
  return r.sort((a, b) => a - b)[3];
};
const bytes = (opts) => {
  const c = new lua.init({}, opts);
  const m = c.info().memoryBytes;
  c.dispose();
  return m;
};
time({ libraries: 'all' }, 2000);
const none = time({ libraries: [] });
const noneBytes = bytes({ libraries: [] });
console.log(`no library:    ${(none / 1e3).toFixed(2)} us  ${noneBytes} bytes`);
console.log(`every library: ${(time({ libraries: 'all' }) / 1e3).toFixed(2)} us  ${bytes({ libraries: 'all' })} bytes`);
for (const lib of LIBS) {
  const us = (time({ libraries: [lib] }) - none) / 1e3;
  console.log(`  + ${lib.padEnd(10)} ${us.toFixed(2)} us  ${bytes({ libraries: [lib] }) - noneBytes} bytes`);
}
