'use strict';
// `prepublishOnly` of the main package: refuses to publish lua-native unless
// every platform package it lists is ready beside it, with its binary, at the
// same version. The main package carries no binary of its own (users get
// theirs from the platform package npm picks, or build from source), so a
// main package published without them installs nothing that loads. The
// release workflow (.github/workflows/release.yml) puts each target's binary
// into npm/<target>/ before publishing; each platform package's own
// prepublishOnly refuses to go out without its binary.
const fs = require('node:fs');
const path = require('node:path');
const { TARGETS, packageName, binaryName } = require('../native-target.cjs');

const root = path.resolve(__dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const problems = [];
for (const key of Object.keys(TARGETS)) {
  const dir = path.join(root, 'npm', key);
  const name = packageName(key);
  const file = path.join(dir, binaryName(key));
  if (!fs.existsSync(file) || fs.statSync(file).size === 0) problems.push(`${path.relative(root, file)} is missing`);
  const sub = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  if (sub.version !== pkg.version) problems.push(`${name} is version ${sub.version}, not ${pkg.version}`);
  if (pkg.optionalDependencies?.[name] !== pkg.version) problems.push(`optionalDependencies does not list ${name}@${pkg.version}`);
}
if (problems.length > 0) {
  console.error(`prepublishOnly: refusing to publish ${pkg.name}@${pkg.version} without its binaries:\n  ${problems.join('\n  ')}`);
  console.error('Build them with the release workflow (.github/workflows/release.yml); see README "Platforms".');
  process.exit(1);
}
