// Type-checks every `@example` of index.d.ts: each becomes a block of one
// generated file (under target/, inside the package, so `lua-native` resolves
// to the declarations themselves), with the free names the examples use
// declared below. An example that stops compiling fails the test command.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const lines = fs.readFileSync(path.join(root, 'index.d.ts'), 'utf8').split('\n');

const examples = [];
for (let i = 0; i < lines.length; i++) {
  const m = /^\s*\*\s*@example\s*(.*)$/.exec(lines[i]);
  if (!m) continue;
  const body = m[1].trim() ? [m[1]] : [];
  let j = i + 1;
  // The example runs to the next tag or the end of the comment.
  while (j < lines.length && !/^\s*\*\//.test(lines[j]) && !/^\s*\*\s*@/.test(lines[j])) {
    body.push(lines[j].replace(/^\s*\*\s?/, ''));
    j++;
  }
  examples.push({ line: i + 1, body: body.join('\n') });
  i = j - 1;
}
if (examples.length < 60) throw new Error(`only ${examples.length} @example blocks found in index.d.ts`);

const preamble = `import { init, createSharedTable, type LuaContext, type LuaFunction, type LuaTableHandle, type LuaCoroutine, type LuaEnvironment, type SharedTable } from 'lua-native';
import fs from 'node:fs';
declare const ctx: LuaContext, h: LuaTableHandle, config: LuaTableHandle, handle: LuaTableHandle, co: LuaCoroutine;
declare const f: LuaFunction, env: LuaEnvironment, shared: SharedTable, player: { hp: number }, src: string;
declare const files: Map<string, string>, lines: string[], modules: Record<string, string>, logs: string[];
void [init, createSharedTable, fs];
`;
const text = preamble + examples.map((e) => `export async function example_${e.line}() {\n// index.d.ts:${e.line}\n${e.body}\n}\n`).join('');
const dir = path.join(root, 'target', 'types-examples');
fs.mkdirSync(dir, { recursive: true });
const file = path.join(dir, 'examples.ts');
fs.writeFileSync(file, text);
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const args = ['--noEmit', '--strict', '--skipLibCheck', 'false', '--target', 'ES2022', '--lib', 'ES2022,DOM,esnext.disposable', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--types', 'node', file];
const r = spawnSync(process.execPath, [tsc, ...args], { cwd: root, encoding: 'utf8' });
if (r.status !== 0) {
  process.stderr.write(`${r.stdout}${r.stderr}`);
  process.exit(1);
}
console.log(`${examples.length} @example blocks of index.d.ts compile`);
