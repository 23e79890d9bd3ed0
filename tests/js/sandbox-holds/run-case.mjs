// Runs one case of cases.mjs (by name, argv[2]) in this process and prints
// "OK" when it passes. Spawned by sandbox-holds.test.mjs; not a test file.
import { cases } from './cases.mjs';

const name = process.argv[2];
if (!(name in cases)) {
  console.error(`no case named ${name}`);
  process.exit(2);
}
await cases[name]();
console.log('OK');
