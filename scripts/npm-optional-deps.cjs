'use strict';
// Writes the platform packages into a package.json's optionalDependencies,
// at the package's own version: `node scripts/npm-optional-deps.cjs <package.json>`.
// The repository's package.json leaves them out, as napi-rs projects do
// (`napi pre-publish` adds them): they exist on the registry only once
// published, and until then `npm ci` refuses a lock file that cannot hold
// them. scripts/package-npm.sh runs this on the staged copy it packs, the
// release workflow on the checkout it publishes from; the main package's
// prepublishOnly (scripts/prepublish-check.cjs) refuses a package without them.
const fs = require('node:fs');
const path = require('node:path');
const { TARGETS, packageName } = require('../native-target.cjs');

const file = path.resolve(process.argv[2] || path.join(__dirname, '..', 'package.json'));
const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
pkg.optionalDependencies = Object.fromEntries(Object.keys(TARGETS).map((key) => [packageName(key), pkg.version]));
fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
