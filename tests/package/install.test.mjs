// The package as a user gets it: the packed main package and this machine's
// platform package installed into a scratch app with no Rust on the PATH,
// then loaded from CommonJS, ESM and TypeScript (tsc --strict, node16 and
// bundler resolution); and @arethetypeswrong/cli's verdict on the tarball.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { nativeTarget, npmInstall, output, pathWithoutRust, root, run, scratchApp, tarballs } from './helpers.mjs';

const SCRIPT = `return _VERSION .. ' ' .. tostring(6 * 7)`;
const EXPECTED = 'Lua 5.5 42';

const FILES = {
  'use.cjs': `
const lua = require('lua-native');
const { init, createSharedTable } = require('lua-native');
const ctx = new init({}, { libraries: ['base'] });
const shared = createSharedTable({ n: 1 });
console.log(JSON.stringify({
  result: ctx.execute_script(${JSON.stringify(SCRIPT)}),
  same: lua.init === init && lua.default.init === init,
  shared: typeof shared.get,
  resolved: require.resolve('lua-native'),
}));
`,
  'use.mjs': `
import lua, { init, createSharedTable } from 'lua-native';
import pkg from 'lua-native/package.json' with { type: 'json' };
const ctx = new lua.init({}, { libraries: ['base'] });
console.log(JSON.stringify({
  result: ctx.execute_script(${JSON.stringify(SCRIPT)}),
  same: lua.init === init && lua.createSharedTable === createSharedTable,
  noDefaultDefault: lua.default === undefined,
  version: pkg.version,
}));
`,
  // node16: .mts is ESM, .cts is CommonJS; each is compiled and run.
  'ts/use.mts': `
import lua, { init, type LuaContext, type LuaError } from 'lua-native';
const ctx: LuaContext = new lua.init({ twice: (n: number) => n * 2 }, { libraries: ['base'] });
const same: boolean = lua.init === init;
// @ts-expect-error under ESM the default export is the API object itself, with no .default
void lua.default;
try {
  ctx.execute_script('error("boom")');
} catch (e) {
  void (e as LuaError).code;
  // @ts-expect-error the codes are a closed union: a misspelt one does not compile
  void ((e as LuaError).code === 'LUA_TIMOUT');
}
// @ts-expect-error a result is a LuaValue unless the caller names its type
const notInferred: string = ctx.execute_script('return "x"');
void notInferred;
console.log(JSON.stringify({ result: ctx.execute_script<string>(${JSON.stringify(SCRIPT)}), same }));
`,
  'ts/use.cts': `
import lua = require('lua-native');
const ctx: lua.LuaContext = new lua.init({}, { libraries: ['base'] });
console.log(JSON.stringify({ result: ctx.execute_script<string>(${JSON.stringify(SCRIPT)}), same: lua.default.init === lua.init }));
`,
  'bundler/use.ts': `
import lua, { init, createSharedTable, type LuaInitOptions } from 'lua-native';
const options: LuaInitOptions = { libraries: 'safe' };
const ctx = new init({}, options);
// @ts-expect-error not a method of a context
ctx.no_such_method();
export const out: unknown[] = [lua.init === init, createSharedTable, ctx];
`,
};

// The repository's TypeScript, and no @types/node: the declarations need
// none (bytes are Uint8Array, the signal is described structurally), so the
// configs load no ambient types at all.
const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const TSCONFIGS = {
  'tsconfig.node16.json': {
    compilerOptions: {
      strict: true, target: 'ES2022', module: 'node16', moduleResolution: 'node16',
      outDir: 'out', types: [], skipLibCheck: false,
    },
    files: ['ts/use.mts', 'ts/use.cts'],
  },
  'tsconfig.bundler.json': {
    compilerOptions: {
      strict: true, target: 'ES2022', module: 'esnext', moduleResolution: 'bundler',
      noEmit: true, types: [], skipLibCheck: false,
    },
    files: ['bundler/use.ts'],
  },
};

function writeApp(dir) {
  for (const [file, text] of Object.entries({ ...FILES, ...Object.fromEntries(Object.entries(TSCONFIGS).map(([f, j]) => [f, JSON.stringify(j)])) })) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
}

function runJson(dir, file, env) {
  const r = run(process.execPath, [file], { cwd: dir, env });
  assert.equal(r.status, 0, `${file}:\n${output(r)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

test('the packed package installs with no Rust on the PATH and loads from CommonJS, ESM and TypeScript', { timeout: 300_000 }, (t) => {
  const { main, platform } = tarballs();
  const app = scratchApp(t, 'install');
  const env = { ...process.env, PATH: pathWithoutRust() };
  assert.notEqual(run('cargo', ['--version'], { env }).status, 0, 'cargo must not be reachable');

  const r = npmInstall(app, [main, platform], { env });
  assert.equal(r.status, 0, output(r));
  const installed = path.join(app, 'node_modules', 'lua-native');
  const key = nativeTarget.currentTarget().key;
  const platformDir = path.join(app, 'node_modules', nativeTarget.packageName(key));
  assert.ok(fs.existsSync(path.join(platformDir, nativeTarget.binaryName(key))), 'the platform package holds its binary');
  assert.ok(fs.existsSync(path.join(platformDir, 'LICENSE')), 'the platform package holds the license');
  // The install script saw the prebuilt load and built nothing.
  assert.ok(!fs.existsSync(path.join(installed, 'lua-native.node')), 'no source build with a prebuilt present');
  assert.ok(!fs.existsSync(path.join(installed, 'target')));
  assert.doesNotMatch(output(r), /building the addon from source/);
  // The packed manifest lists every platform package, at its own version.
  const manifest = JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8'));
  assert.deepEqual(
    manifest.optionalDependencies,
    Object.fromEntries(Object.keys(nativeTarget.TARGETS).map((k) => [nativeTarget.packageName(k), manifest.version]))
  );

  writeApp(app);
  const cjs = runJson(app, 'use.cjs', env);
  assert.deepEqual(cjs, { result: EXPECTED, same: true, shared: 'function', resolved: path.join(fs.realpathSync(installed), 'index.cjs') });
  assert.deepEqual(runJson(app, 'use.mjs', env), { result: EXPECTED, same: true, noDefaultDefault: true, version: JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')).version });

  for (const config of Object.keys(TSCONFIGS)) {
    const c = run(process.execPath, [tsc, '-p', config], { cwd: app, env });
    assert.equal(c.status, 0, `tsc -p ${config}:\n${output(c)}`);
  }
  assert.deepEqual(runJson(app, 'out/use.mjs', env), { result: EXPECTED, same: true });
  assert.deepEqual(runJson(app, 'out/use.cjs', env), { result: EXPECTED, same: true });
});

test('@arethetypeswrong/cli finds no problem in any resolution mode', { timeout: 300_000 }, () => {
  const { main } = tarballs();
  const attw = path.join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
  const r = run(process.execPath, [attw, '--format', 'json', main], { cwd: root });
  assert.equal(r.status, 0, output(r));
  const { analysis } = JSON.parse(r.stdout);
  assert.deepEqual(analysis.problems, []);
  const modes = Object.values(analysis.entrypoints['.'].resolutions).map((res) => res.resolutionKind);
  assert.deepEqual(modes.sort(), ['bundler', 'node10', 'node16-cjs', 'node16-esm']);
  // Under node16 from ESM the types are the ESM declarations (no CommonJS masquerade).
  const esm = analysis.entrypoints['.'].resolutions['node16-esm'];
  assert.match(esm.resolution.fileName, /index\.d\.mts$/);
});
