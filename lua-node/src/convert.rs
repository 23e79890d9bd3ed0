//! Per-context conversion settings (EVOLUTION B3, B10, B12, B16, B18): the
//! modes chosen in the constructor (`binaryStrings`, `strictConversion`,
//! `tableAs`), the converters registered with `register_type_converter` and
//! `register_from_lua_converter`, and the JavaScript built-ins the
//! conversions compare against. All of it lives on the `Context`, not in
//! the Lua state, so `reset()` keeps it.

use std::rc::Rc;

use napi::sys;
use napi::sys::ValueType;

use crate::context::Context;
use crate::error::JsError;
use crate::glue::Args;
use crate::js::{Env, Raw};

/// The conversion modes of one context (constructor options).
#[derive(Clone, Copy, Default, Debug)]
pub struct Modes {
    /// `binaryStrings: true`: Lua string values come out as `Uint8Array`s.
    pub binary_strings: bool,
    /// `strictConversion: true`: silent losses become errors.
    pub strict: bool,
    /// `tableAs: 'map'`: plain tables come out as `Map`s with typed keys,
    /// and JavaScript `Map`s go in with their key types.
    pub table_as_map: bool,
}

/// Every strict-conversion error starts with this.
pub const STRICT: &str = "strict conversion: ";

/// A `(match, convert)` pair, held strongly until the context goes.
pub struct Converter {
    env: Env,
    matcher: sys::napi_ref,
    convert: sys::napi_ref,
}

impl Converter {
    /// The two functions.
    pub fn parts(&self) -> Result<(Raw, Raw), JsError> {
        Ok((self.env.deref(self.matcher)?, self.env.deref(self.convert)?))
    }
}

impl Drop for Converter {
    fn drop(&mut self) {
        // SAFETY: both references were made by `add` and are deleted once.
        unsafe {
            sys::napi_delete_reference(self.env.0, self.matcher);
            sys::napi_delete_reference(self.env.0, self.convert);
        }
    }
}

/// An ordered list of converters. Registering replaces the list (copy on
/// write), so a conversion in progress keeps iterating the list it started
/// with even if a converter registers another one.
pub type Converters = Rc<Vec<Rc<Converter>>>;

/// Appends a converter to `list`.
fn add(env: Env, list: &std::cell::RefCell<Converters>, matcher: Raw, convert: Raw) -> Result<(), JsError> {
    let matcher = env.reference(matcher)?;
    let convert = match env.reference(convert) {
        Ok(r) => r,
        Err(e) => {
            // SAFETY: made just above, deleted once.
            unsafe { sys::napi_delete_reference(env.0, matcher) };
            return Err(e);
        }
    };
    let converter = Rc::new(Converter { env, matcher, convert });
    let mut list = list.borrow_mut();
    let mut next: Vec<Rc<Converter>> = list.iter().cloned().collect();
    next.push(converter);
    *list = Rc::new(next);
    Ok(())
}

/// The list as it is now, or None when it is empty (the one check a
/// conversion pays when no converter is registered).
pub fn snapshot(list: &std::cell::RefCell<Converters>) -> Option<Converters> {
    let list = list.borrow();
    (!list.is_empty()).then(|| list.clone())
}

fn two_functions(cx: &Rc<Context>, args: &Args, message: &str) -> Result<(Raw, Raw), JsError> {
    let env = cx.env;
    let (m, f) = (args.get(env, 0), args.get(env, 1));
    if env.type_of(m) != ValueType::napi_function || env.type_of(f) != ValueType::napi_function {
        return Err(JsError::type_error(message));
    }
    Ok((m, f))
}

/// `register_type_converter(match, convert)`: JavaScript → Lua.
pub fn register_type_converter(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let (m, f) = two_functions(cx, args, "register_type_converter(match, convert) requires two functions")?;
    add(cx.env, &cx.type_converters, m, f)?;
    Ok(cx.env.undefined())
}

/// `register_from_lua_converter(match, convert)`: Lua → JavaScript.
pub fn register_from_lua_converter(cx: &Rc<Context>, args: &Args) -> Result<Raw, JsError> {
    cx.check_busy()?;
    let (m, f) = two_functions(cx, args, "register_from_lua_converter(match, convert) requires two functions")?;
    add(cx.env, &cx.from_lua_converters, m, f)?;
    Ok(cx.env.undefined())
}

/// Runs the converters on `v`: the first whose `match(v)` is truthy gives
/// `convert(v)`; None when none matched.
pub fn apply(env: Env, list: &Converters, v: Raw) -> Result<Option<Raw>, JsError> {
    let undefined = env.undefined();
    for c in list.iter() {
        let (matcher, convert) = c.parts()?;
        if env.truthy(env.call(matcher, undefined, &[v])?)? {
            return env.call(convert, undefined, &[v]).map(Some);
        }
    }
    Ok(None)
}

/// Classifies an object with an unusual prototype: `[0, [k, v, ...]]` for a
/// Map (keys given as `String(k)` unless `typed`), `[1, [values]]` for a
/// Set, `[2, source]` for a RegExp, `undefined` otherwise. The checks use
/// the built-ins' own methods, captured when the helper is made (a Map whose
/// `forEach` was replaced still gives its real entries), and their brand checks: a Proxy of a Map, or an
/// object that only inherits from `Map.prototype`, is not a Map.
const CLASSIFY: &str = r#"(() => {
  const mapSize = Object.getOwnPropertyDescriptor(Map.prototype, 'size').get;
  const setSize = Object.getOwnPropertyDescriptor(Set.prototype, 'size').get;
  const mapForEach = Map.prototype.forEach;
  const setForEach = Set.prototype.forEach;
  const source = Object.getOwnPropertyDescriptor(RegExp.prototype, 'source').get;
  const S = String;
  const push = Array.prototype.push;
  const isArray = Array.isArray;
  const slice = Array.prototype.slice;
  const is = (brand, v) => { try { brand.call(v); return true; } catch { return false; } };
  return (v, typed) => {
    if (v instanceof Map && is(mapSize, v)) {
      const out = [];
      mapForEach.call(v, (x, k) => { push.call(out, typed ? k : S(k), x); });
      return [0, out];
    }
    if (v instanceof Set && is(setSize, v)) {
      const out = [];
      setForEach.call(v, (x) => { push.call(out, x); });
      return [1, out];
    }
    if (v instanceof RegExp && is(source, v)) return [2, source.call(v)];
    // A Proxy of an array (Node-API sees no array through a Proxy); a long
    // one is left to the key walk, as a long array is.
    if (isArray(v) && v.length <= 1048576) return [3, slice.call(v)];
    return undefined;
  };
})()"#;

/// The built-ins conversions need, made once per context.
#[derive(Clone, Copy)]
pub struct Builtins {
    /// `Object.prototype`, `CLASSIFY`'s function, `Map`, `Map.prototype.set`.
    refs: [sys::napi_ref; 4],
}

impl Builtins {
    fn make(env: Env) -> Result<Builtins, JsError> {
        let object = env.run_script("Object.prototype")?;
        let classify = env.run_script(CLASSIFY)?;
        let map = env.run_script("Map")?;
        let map_set = env.run_script("Map.prototype.set")?;
        let mut refs = [std::ptr::null_mut(); 4];
        for (slot, v) in refs.iter_mut().zip([object, classify, map, map_set]) {
            match env.reference(v) {
                Ok(r) => *slot = r,
                Err(e) => {
                    Builtins { refs }.delete(env);
                    return Err(e);
                }
            }
        }
        Ok(Builtins { refs })
    }

    /// Deletes the references (the context is going).
    pub fn delete(self, env: Env) {
        for r in self.refs {
            if !r.is_null() {
                // SAFETY: made by `make`, deleted once.
                unsafe { sys::napi_delete_reference(env.0, r) };
            }
        }
    }

    pub fn object_prototype(&self, env: Env) -> Result<Raw, JsError> {
        env.deref(self.refs[0])
    }

    pub fn classify(&self, env: Env) -> Result<Raw, JsError> {
        env.deref(self.refs[1])
    }

    /// `Map` and `Map.prototype.set`.
    pub fn map(&self, env: Env) -> Result<(Raw, Raw), JsError> {
        Ok((env.deref(self.refs[2])?, env.deref(self.refs[3])?))
    }
}

impl Context {
    /// The built-ins, made on first use.
    pub fn builtins(&self) -> Result<Builtins, JsError> {
        if let Some(b) = self.builtins.get() {
            return Ok(b);
        }
        let b = Builtins::make(self.env)?;
        self.builtins.set(Some(b));
        Ok(b)
    }
}

/// `new Map()`.
pub fn new_map(env: Env, ctor: Raw) -> Result<Raw, JsError> {
    let mut out = std::ptr::null_mut();
    // SAFETY: valid env; a constructor called with no arguments.
    env.check(unsafe { sys::napi_new_instance(env.0, ctor, 0, std::ptr::null(), &mut out) })?;
    Ok(out)
}
