// Locates and loads the package under test. LUA_NATIVE_PACKAGE may name a directory
// (its package.json decides the entry: exports["."].import / .default / .require,
// then "module", then "main"; else index.mjs, index.js, index.cjs) or an entry file.
// Default: this repository's root.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..', '..');

/** The absolute path named by LUA_NATIVE_PACKAGE (or the repository root). */
export function packageTarget(env = process.env) {
  return env.LUA_NATIVE_PACKAGE ? path.resolve(env.LUA_NATIVE_PACKAGE) : repoRoot;
}

function pickExport(exp) {
  if (typeof exp === 'string') return exp;
  if (exp && typeof exp === 'object') {
    const dot = exp['.'] ?? exp;
    if (typeof dot === 'string') return dot;
    if (dot && typeof dot === 'object') {
      for (const k of ['import', 'node', 'default', 'require']) {
        const v = pickExport(dot[k]);
        if (v) return v;
      }
    }
  }
  return null;
}

/** Resolves a directory or file to the entry file to import. */
export function resolveEntry(target) {
  if (!fs.statSync(target).isDirectory()) return target;
  const candidates = [];
  const pj = path.join(target, 'package.json');
  if (fs.existsSync(pj)) {
    try {
      const meta = JSON.parse(fs.readFileSync(pj, 'utf8'));
      for (const c of [pickExport(meta.exports), meta.module, meta.main]) if (typeof c === 'string') candidates.push(c);
    } catch {
      // an unreadable package.json: fall back to the usual names
    }
  }
  candidates.push('index.mjs', 'index.js', 'index.cjs');
  for (const c of candidates) {
    const p = path.resolve(target, c);
    if (fs.existsSync(p) && fs.statSync(p).isFile()) return p;
  }
  throw new Error(`no entry file found in ${target} (tried ${candidates.join(', ')})`);
}

export async function loadPackage(target = packageTarget()) {
  const entry = resolveEntry(target);
  const mod = await import(pathToFileURL(entry).href);
  return { lua_native: mod.default ?? mod, entry };
}
