//! The constructor's options: libraries and limits, with the spec's texts.

use std::time::Duration;

use lua_core::{Filesystem, LuaOptions, Preset, Seal, StdLib};
use napi::sys::ValueType;

use crate::convert::Modes;
use crate::error::JsError;
use crate::js::{Env, Raw};
use crate::option_reader::{Read, Slot};

const LIBRARIES_TYPE: &str = "libraries must be 'all', 'safe', 'sandbox', or an array of library names";

/// Reads `{ binaryStrings, strictConversion, tableAs }`: the conversion
/// modes, which the binding keeps (not the Lua state).
pub fn modes(env: Env, options: &Read) -> Result<Modes, JsError> {
    let mut m = Modes::default();
    // A non-boolean `binaryStrings` is ignored (B12), unlike the others.
    let binary = options.get(Slot::BinaryStrings);
    m.binary_strings = env.type_of(binary) == ValueType::napi_boolean && env.get_bool(binary);
    let strict = options.get(Slot::StrictConversion);
    match env.type_of(strict) {
        ValueType::napi_undefined => {}
        ValueType::napi_boolean => m.strict = env.get_bool(strict),
        _ => return Err(JsError::type_error("strictConversion must be a boolean")),
    }
    let table_as = options.get(Slot::TableAs);
    match env.type_of(table_as) {
        ValueType::napi_undefined => {}
        ValueType::napi_string => match env.string_value(table_as)?.as_str() {
            "object" => {}
            "map" => m.table_as_map = true,
            other => return Err(JsError::type_error(format!("tableAs must be 'object' or 'map', got '{other}'"))),
        },
        _ => return Err(JsError::type_error("tableAs must be 'object' or 'map'")),
    }
    Ok(m)
}

/// Reads `{ libraries, maxMemory, maxInstructions, timeout }`; also returns
/// the library names when they were given as a list.
pub fn parse(env: Env, options: &Read) -> Result<(LuaOptions, Option<Vec<String>>), JsError> {
    let mut o = LuaOptions::default();
    let mut names = None;
    if options.has_libraries() {
        let (libraries, seal, given) = libraries(env, options.get(Slot::Libraries))?;
        o.libraries = libraries;
        o.seal = seal;
        names = given;
    }
    o.memory_limit = limit(env, options, Slot::MaxMemory)?.map_or(0, |n| n as usize);
    o.max_instructions = limit(env, options, Slot::MaxInstructions)?.map_or(0, |n| n as u64);
    o.timeout = limit(env, options, Slot::Timeout)?.filter(|&ms| ms >= 1.0).map(|ms| Duration::from_millis(ms as u64));
    doors(env, options, &mut o)?;
    Ok((o, names))
}

/// Reads `{ allowBytecode, filesystem }` (EVOLUTION B7, B19); what they
/// close is lua-core's (`LuaOptions::allow_bytecode`, `Filesystem`).
fn doors(env: Env, options: &Read, o: &mut LuaOptions) -> Result<(), JsError> {
    let allow = options.get(Slot::AllowBytecode);
    match env.type_of(allow) {
        ValueType::napi_undefined => {}
        ValueType::napi_boolean => o.allow_bytecode = Some(env.get_bool(allow)),
        _ => return Err(JsError::type_error("allowBytecode must be a boolean")),
    }
    let fs = options.get(Slot::Filesystem);
    match env.type_of(fs) {
        ValueType::napi_undefined => {}
        ValueType::napi_string => match env.string_value(fs)?.as_str() {
            "allow" => o.filesystem = Filesystem::Allow,
            "deny" => o.filesystem = Filesystem::Deny,
            other => return Err(JsError::type_error(format!("filesystem must be 'allow' or 'deny', got '{other}'"))),
        },
        _ => return Err(JsError::type_error("filesystem must be 'allow' or 'deny'")),
    }
    Ok(())
}

/// The libraries, their seal, and the names as given when they were a list
/// (`info()` reports a list verbatim).
pub fn libraries(env: Env, value: Raw) -> Result<(StdLib, Seal, Option<Vec<String>>), JsError> {
    if env.is_array(value) {
        let len = env.array_len(value)?;
        let mut names = Vec::with_capacity(len as usize);
        for i in 0..len {
            let item = env.get_element(value, i)?;
            if env.type_of(item) != ValueType::napi_string {
                return Err(JsError::type_error("libraries array must contain only strings"));
            }
            names.push(env.string_value(item)?);
        }
        let mut libs = StdLib::NONE;
        for name in &names {
            libs |= StdLib::from_name(name).ok_or_else(|| JsError::error(format!("Unknown Lua library: '{name}'"), "LUA_INVALID_ARGUMENT"))?;
        }
        return Ok((libs, Seal::Open, Some(names)));
    }
    if env.type_of(value) == ValueType::napi_string {
        let preset = Preset::from_name(&env.string_value(value)?).ok_or_else(|| JsError::type_error(LIBRARIES_TYPE))?;
        return Ok((preset.libraries(), preset.seal(), None));
    }
    Err(JsError::type_error(LIBRARIES_TYPE))
}

/// A numeric limit: absent, `undefined` or `null` → None; a number must be
/// finite and non-negative (fractions are cut off).
fn limit(env: Env, options: &Read, slot: Slot) -> Result<Option<f64>, JsError> {
    let label = slot.name();
    let v = options.get(slot);
    match env.type_of(v) {
        ValueType::napi_undefined | ValueType::napi_null => Ok(None),
        ValueType::napi_number => {
            let n = env.get_number(v);
            if n.is_nan() || n.is_infinite() {
                Err(JsError::range_error(format!("{label} must be a finite number")))
            } else if n < 0.0 {
                Err(JsError::range_error(format!("{label} must be a non-negative number")))
            } else {
                Ok(Some(n.trunc()))
            }
        }
        _ => Err(JsError::type_error(format!("{label} must be a number"))),
    }
}

/// The options each door knows, by the name its messages use.
const KNOWN: &[(&str, &[&str])] = &[
    ("new init()", &[
        "libraries", "maxMemory", "maxInstructions", "timeout", "shared", "binaryStrings", "strictConversion", "tableAs",
        "allowBytecode", "filesystem", "print",
    ]),
    ("execute_script()", &["chunkName"]),
    ("execute_script_async()", &["chunkName", "signal"]),
    ("execute_file_async()", &["signal"]),
    ("execute_async()", &["chunkName", "signal"]),
    ("execute_script_in()", &["chunkName"]),
    ("create_coroutine()", &["chunkName"]),
    ("compile()", &["chunkName", "stripDebug"]),
    ("compile_file()", &["chunkName", "stripDebug"]),
    ("create_environment()", &["whitelist", "inherit"]),
    ("get_stack()", &["maxLevels"]),
    ("set_hook()", &["call", "return", "line", "count"]),
    ("set_userdata()", &["readable", "writable", "methods"]),
    ("register_class()", &["construct", "extends", "methods", "metamethods", "properties", "statics", "readable", "writable"]),
    ("register_class() property", &["get", "set"]),
];

/// Refuses an options object with a key `op` does not know: a misspelt
/// option (`maxMemroy`) would otherwise be silently no option at all.
/// Every enumerable string key counts, inherited ones too (what a read of
/// the option would see). Doors not listed check nothing.
pub fn check_keys(env: Env, options: Raw, op: &str) -> Result<(), JsError> {
    let known = known(op);
    if known.is_empty() {
        return Ok(());
    }
    let names = env.property_names(options)?;
    for i in 0..env.array_len(names)? {
        let key = env.get_element(names, i)?;
        let key = env.with_string(key, |b| String::from_utf8_lossy(b).into_owned())?;
        if !known.contains(&key.as_str()) {
            return Err(unknown_option(op, &key));
        }
    }
    Ok(())
}

/// The options `op` knows (none for a door not listed).
pub fn known(op: &str) -> &'static [&'static str] {
    KNOWN.iter().find(|(name, _)| *name == op).map_or(&[], |&(_, known)| known)
}

/// The TypeError for `key`, an option `op` does not know.
pub fn unknown_option(op: &str, key: &str) -> JsError {
    let known = known(op);
    let nearest = known.iter().filter_map(|k| distance(k, key).map(|d| (d, *k))).min();
    let hint = nearest.map(|(_, k)| format!(" (did you mean '{k}'?)")).unwrap_or_default();
    let listed = known.iter().map(|k| format!("'{k}'")).collect::<Vec<_>>().join(", ");
    JsError::type_error(format!("{op}: unknown option '{key}'{hint}; known options: {listed}"))
}

/// How far `given` is from `known` when it looks like a slip for it: 0 for
/// the same letters in another case, else the edit distance if at most 2.
fn distance(known: &str, given: &str) -> Option<usize> {
    if known.eq_ignore_ascii_case(given) {
        return Some(0);
    }
    let (a, b): (Vec<char>, Vec<char>) = (known.chars().collect(), given.chars().collect());
    if a.len().abs_diff(b.len()) > 2 || b.len() > 64 {
        return None;
    }
    // Damerau-Levenshtein (optimal string alignment), two rows back.
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1).min(rows[i][j - 1] + 1).min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    let d = rows[a.len()][b.len()];
    (d <= 2).then_some(d)
}
