//! The constructor's options read in one call into JavaScript (issue 18).
//! Read one by one from Rust, each option was a Node-API call with its own
//! exception scope and name conversion, ~80-100 ns each, 14 of them: a
//! third of what lua-node adds to a new context. A function compiled once
//! per environment does the same reads, in the same order, and hands back
//! what it found: the for-in walk `check_keys` does (an unknown key stops
//! it before any option is read), `'libraries' in o` and then `o.libraries`,
//! and `o.maxMemory`, `o.maxInstructions`, `o.timeout`, `o.allowBytecode`,
//! `o.filesystem`, `o.print`, `o.binaryStrings`, `o.strictConversion`,
//! `o.tableAs`, each once. Validation then runs in Rust on the values, in
//! the same order as before, with the same texts.

use crate::error::JsError;
use crate::js::{Env, Raw};

/// What a read found, by slot (`READS` order; undefined where absent).
pub struct Read {
    has_libraries: bool,
    values: [Raw; READS.len()],
}

/// The slots after `'libraries' in o` (slot 0, a boolean).
const READS: [&str; 11] = [
    "",
    "libraries",
    "maxMemory",
    "maxInstructions",
    "timeout",
    "allowBytecode",
    "filesystem",
    "print",
    "binaryStrings",
    "strictConversion",
    "tableAs",
];

#[derive(Clone, Copy)]
/// A read option's slot (slot 0 is `'libraries' in o`, kept as a flag).
pub enum Slot {
    Libraries = 1,
    MaxMemory = 2,
    MaxInstructions = 3,
    Timeout = 4,
    AllowBytecode = 5,
    Filesystem = 6,
    Print = 7,
    BinaryStrings = 8,
    StrictConversion = 9,
    TableAs = 10,
}

impl Slot {
    /// The option's name, as messages spell it.
    pub fn name(self) -> &'static str {
        READS[self as usize]
    }
}

impl Read {
    pub fn get(&self, slot: Slot) -> Raw {
        self.values[slot as usize]
    }

    pub fn has_libraries(&self) -> bool {
        self.has_libraries
    }
}

/// The reader's source: `read(o)` gives `[0, mask, ...]` (bit j of `mask`
/// set when slot j is not undefined, slot j at index 2 + j), `[2, key]` for
/// a key not in `known`, or `[1, slot, thrown]` when a read threw (slot -1:
/// the walk over the keys). Its state is its own call's (a getter may make
/// another context, and read with it, in the middle of a read).
fn source(known: &[&str]) -> String {
    // Nothing a script can replace is used when reading: no method of a
    // built-in (a null-prototype object for the names, `in` and `for-in`,
    // property reads into locals, one array literal at the end, which
    // defines its elements rather than setting them).
    let known = known.iter().map(|k| format!("{k:?}: true")).collect::<Vec<_>>().join(", ");
    let reads: String = READS[1..]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let slot = i + 1;
            let read = if *name == "libraries" { "s0 ? o.libraries : undefined".to_string() } else { format!("o.{name}") };
            format!(" step = {slot}; const s{slot} = {read}; if (s{slot} !== undefined) mask |= {bit};", bit = 1u32 << slot)
        })
        .collect();
    let slots = (0..READS.len()).map(|i| format!("s{i}")).collect::<Vec<_>>().join(", ");
    format!(
        "(function () {{ 'use strict'; const KNOWN = {{ __proto__: null, {known} }};\n\
         return function read(o) {{ let step = -1; try {{\n\
         for (const k in o) if (KNOWN[k] !== true) return [2, k];\n\
         let mask = 0;\n\
         step = 0; const s0 = 'libraries' in o; if (s0) mask |= 1;{reads}\n\
         return [0, mask, {slots}]; }} catch (e) {{ return [1, step, e]; }} }}; }})()"
    )
}

/// Makes this environment's reader, kept by the caller.
pub fn make(env: Env, known: &[&str]) -> Result<Raw, JsError> {
    env.run_script(&source(known))
}

/// Reads the constructor's `options` (an object).
pub fn read(env: Env, options: Raw, op: &str) -> Result<Read, JsError> {
    let f = crate::table_handle::option_reader(env)?;
    let r = env.call(f, env.undefined(), &[options])?;
    let status = env.get_number(env.get_element(r, 0)?);
    if status == 2.0 {
        let key = env.get_element(r, 1)?;
        let key = env.with_string(key, |b| String::from_utf8_lossy(b).into_owned())?;
        return Err(crate::options::unknown_option(op, &key));
    }
    if status == 1.0 {
        let slot = env.get_number(env.get_element(r, 1)?);
        return Err(thrown(env, slot, env.get_element(r, 2)?));
    }
    let mask = env.get_number(env.get_element(r, 1)?) as u32;
    let undefined = env.undefined();
    let mut values = [undefined; READS.len()];
    // Slot 0, `'libraries' in o`, is its mask bit alone.
    for (slot, value) in values.iter_mut().enumerate().skip(1) {
        if mask & (1 << slot) != 0 {
            *value = env.get_element(r, 2 + slot as u32)?;
        }
    }
    Ok(Read { has_libraries: mask & 1 != 0, values })
}

/// The error for a read that threw, as the reads one by one gave it: a
/// limit option's settled into `LUA_INVALID_ARGUMENT` with its message, any
/// other thrown again as it is.
#[cold]
fn thrown(env: Env, slot: f64, e: Raw) -> JsError {
    let limit = [Slot::MaxMemory, Slot::MaxInstructions, Slot::Timeout].iter().any(|s| *s as usize as f64 == slot);
    if limit {
        return JsError::error(env.exception_message(e), "LUA_INVALID_ARGUMENT");
    }
    env.rethrow(e)
}
