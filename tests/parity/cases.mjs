// The corpus: every case file, in a fixed order. Ids are unique and stable: add new cases
// freely, but never rename an id without regenerating expected.jsonl (see README.md).
//
// A case is { id, area, run(lua_native, env), differs?, evolution?, timeout? }:
//   run       returns a value (or a Promise) or throws; the runner encodes either outcome.
//   differs   where this project deliberately differs from the original (a DECISIONS.md
//             item, an API-SEED Appendix B number, ...); diff.mjs skips these unless --all.
//   evolution the EVOLUTION.md section a case relies on (features the seed lacked).
import construction from './cases/construction.mjs';
import values from './cases/values.mjs';
import tables from './cases/tables.mjs';
import errors from './cases/errors.mjs';
import globalsUserdata from './cases/globals-userdata.mjs';
import meta from './cases/meta.mjs';
import filesModulesBytecode from './cases/files-modules-bytecode.mjs';
import asyncLimits from './cases/async-limits.mjs';
import operations from './cases/operations.mjs';

export default [...construction, ...values, ...tables, ...errors, ...globalsUserdata, ...meta, ...filesModulesBytecode, ...asyncLimits, ...operations];
