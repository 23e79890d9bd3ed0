//! JavaScript values to Lua, pushed straight onto the Lua stack.
//!
//! One walk per top-level value ([`push_value`]). Objects are tried in the
//! spec's order (B3): the binding's own round-trip markers (a Proxy's
//! `_tableRef`, a `_userdata` handle, an object given to `set_userdata`),
//! then the converters of `register_type_converter`, then arrays, plain
//! objects (one prototype comparison), and only for other prototypes the
//! built-ins (`builtins`): byte views, `Date`, `Map`, `Set`, `RegExp`.

mod builtins;

use std::rc::Rc;

use lua_core::{Stack, MAX_DEPTH};
use napi::sys::ValueType;

use crate::context::Context;
use crate::convert::{Converters, Modes, STRICT};
use crate::error::JsError;
use crate::handles::MarkerKeys;
use crate::js::{Env, Raw};

/// A `Symbol` anywhere in a value.
const SYMBOL: &str = "Cannot convert a JavaScript Symbol to a Lua value";
/// A `BigInt` outside the 64-bit range.
const BIGINT_RANGE: &str = "BigInt value is out of range for a 64-bit Lua integer";
/// A value that contains itself.
const CIRCULAR: &str = "Value contains a circular reference, which Lua tables cannot represent; break the cycle before passing it in";

/// Pushes exactly one Lua value for `v`, which sits at `depth` (the top value
/// is depth 0; the spec's limit of 100 applies to every value).
pub fn push_value(cx: &Rc<Context>, stack: &mut Stack<'_>, v: Raw, depth: usize) -> Result<(), JsError> {
    FromJs::new(cx).push(stack, v, depth)
}

/// Pushes the JavaScript number `n` as one top-level value (what
/// `push_value` does for a number, for a caller that has read it already).
#[inline]
pub fn push_number(stack: &mut Stack<'_>, n: f64) -> Result<(), JsError> {
    stack.push_converted_number(0, n)?;
    Ok(())
}

/// Pushes one Lua value for each of `values` (arguments), as one conversion.
pub fn push_values(cx: &Rc<Context>, stack: &mut Stack<'_>, values: &[Raw]) -> Result<(), JsError> {
    // Numbers go in without the conversion's set-up, made only for the
    // first value that is not one (issue 18).
    let mut from: Option<FromJs<'_>> = None;
    for &v in values {
        match cx.env.try_number(v) {
            Some(n) => push_number(stack, n)?,
            None => {
                let from = from.get_or_insert_with(|| FromJs::new(cx));
                let t = from.env.type_of(v);
                from.push_typed(stack, v, t, 0)?;
            }
        }
    }
    Ok(())
}

/// One conversion: the context's modes and converters as they were when it
/// started, and the chain of containers being converted (for telling a
/// cycle from a value that is only deep).
struct FromJs<'a> {
    cx: &'a Rc<Context>,
    env: Env,
    modes: Modes,
    converters: Option<Converters>,
    /// The arrays, objects, Maps and Sets from the top value down to the one
    /// being converted.
    ancestors: Vec<Raw>,
    /// `Object.prototype`, read once per conversion.
    object_prototype: Option<Raw>,
    /// The marker property names, made once per conversion.
    marker_keys: Option<MarkerKeys>,
}

impl<'a> FromJs<'a> {
    fn new(cx: &'a Rc<Context>) -> FromJs<'a> {
        FromJs {
            cx,
            env: cx.env,
            modes: cx.modes.get(),
            converters: crate::convert::snapshot(&cx.type_converters),
            ancestors: Vec::new(),
            object_prototype: None,
            marker_keys: None,
        }
    }

    /// Pushes `v`. A number is asked for its value first, with no type
    /// check (issue 18: one N-API call less for the commonest value).
    #[inline]
    fn push(&mut self, stack: &mut Stack<'_>, v: Raw, depth: usize) -> Result<(), JsError> {
        match self.env.try_number(v) {
            Some(n) => self.push_number(stack, n, depth),
            None => self.push_typed(stack, v, self.env.type_of(v), depth),
        }
    }

    /// The checks before any value at `depth` is pushed.
    #[inline]
    fn enter(&self, stack: &Stack<'_>, depth: usize) -> Result<(), JsError> {
        if depth > MAX_DEPTH {
            return Err(self.too_deep());
        }
        stack.enter(depth)?;
        Ok(())
    }

    #[inline]
    fn push_number(&mut self, stack: &mut Stack<'_>, n: f64, depth: usize) -> Result<(), JsError> {
        if depth > MAX_DEPTH {
            return Err(self.too_deep());
        }
        stack.push_converted_number(depth, n)?;
        Ok(())
    }

    /// Pushes `v`, whose type is `t`.
    fn push_typed(&mut self, stack: &mut Stack<'_>, v: Raw, t: napi::sys::napi_valuetype, depth: usize) -> Result<(), JsError> {
        self.enter(stack, depth)?;
        let env = self.env;
        match t {
            ValueType::napi_boolean => stack.push_boolean(env.get_bool(v))?,
            ValueType::napi_number => stack.push_number_normalized(env.get_number(v))?,
            ValueType::napi_string => env.with_string(v, |bytes| stack.push_bytes(bytes))??,
            ValueType::napi_function => self.push_function(stack, v)?,
            ValueType::napi_object => self.push_object(stack, v, depth)?,
            ValueType::napi_bigint => match env.bigint_i64(v)? {
                Some(i) => stack.push_integer(i)?,
                None => return Err(JsError::range_error(BIGINT_RANGE)),
            },
            ValueType::napi_symbol => return Err(JsError::error(SYMBOL, "LUA_CONVERSION")),
            // undefined, null, external
            _ => stack.push_nil()?,
        }
        Ok(())
    }

    /// The error for going past the depth limit: a cycle when a container
    /// repeats in the chain that led here, else the depth error. Checked only
    /// here, so values that are not too deep never pay for it.
    fn too_deep(&self) -> JsError {
        let chain = &self.ancestors;
        for (i, &a) in chain.iter().enumerate() {
            if chain[i + 1..].iter().any(|&b| self.env.strict_equals(a, b)) {
                return JsError::error(CIRCULAR, "LUA_CONVERSION");
            }
        }
        lua_core::Error::depth().into()
    }

    /// A Lua function wrapper of this context goes back as the very same Lua
    /// function; any other function becomes a new Lua function calling it.
    fn push_function(&mut self, stack: &mut Stack<'_>, f: Raw) -> Result<(), JsError> {
        let cx = self.cx;
        if let Some(func) = crate::lua_function::unwrap_for(cx, f)? {
            return stack.push_ref(func.registry_ref()).map_err(JsError::from);
        }
        let slot = Rc::new(crate::callbacks::JsFunctionSlot::new(cx.env, cx.next_nested_name(), f)?);
        crate::callbacks::push_js_function(cx, stack, slot)
    }

    fn push_object(&mut self, stack: &mut Stack<'_>, v: Raw, depth: usize) -> Result<(), JsError> {
        let (cx, env) = (self.cx, self.env);
        // The prototype says which markers to look for: Proxies and
        // `_userdata` handles have `Object.prototype`, table handles their
        // class's (one lookup each way, not three).
        let proto = self.prototype_kind(v)?;
        let plain = proto != Proto::Other;
        let marker = if plain {
            if self.marker_keys.is_none() {
                self.marker_keys = Some(MarkerKeys::new(env)?);
            }
            crate::handles::plain_lua_ref_of(cx, v, self.marker_keys.as_ref().expect("made above"))?
        } else {
            crate::table_handle::table_of(cx, v)?
        };
        if let Some(r) = marker {
            return stack.push_ref(r).map_err(JsError::from);
        }
        if let Some(held) = cx.object_id(v)? {
            return held.push(stack).map_err(JsError::from);
        }
        if let Some(list) = &self.converters {
            let list = list.clone();
            if let Some(converted) = crate::convert::apply(env, &list, v)? {
                // Converted again, one level deeper: a converter that returns
                // its input ends at the depth limit instead of looping.
                return self.push(stack, converted, depth + 1);
            }
        }
        if env.is_array(v) {
            return self.push_array(stack, v, v, depth);
        }
        if proto == Proto::Object {
            return self.push_plain(stack, v, depth);
        }
        // Other prototypes, and none as read without traps (a Proxy, whose
        // target may be an array, or `Object.create(null)`): the built-ins.
        if self.push_builtin(stack, v, depth)? {
            return Ok(());
        }
        self.push_plain(stack, v, depth)
    }

    /// What `v`'s prototype is. Node-API reads a Proxy's prototype without
    /// running a trap and gets null, so the library's Proxies (and
    /// `Object.create(null)` objects) come as `Null`, its `_userdata`
    /// handles as `Object`.
    fn prototype_kind(&mut self, v: Raw) -> Result<Proto, JsError> {
        let object = match self.object_prototype {
            Some(p) => p,
            None => {
                let p = self.cx.builtins()?.object_prototype(self.env)?;
                self.object_prototype = Some(p);
                p
            }
        };
        let proto = self.env.prototype(v)?;
        Ok(if self.env.strict_equals(proto, object) {
            Proto::Object
        } else if self.env.type_of(proto) == ValueType::napi_null {
            Proto::Null
        } else {
            Proto::Other
        })
    }

    /// Runs `f` with `container` on the chain of ancestors.
    fn nested<R>(&mut self, container: Raw, f: impl FnOnce(&mut Self) -> Result<R, JsError>) -> Result<R, JsError> {
        self.ancestors.push(container);
        let r = f(self);
        self.ancestors.pop();
        r
    }

    /// An array (or a Set's values): `t[i + 1] = items[i]`, skipping holes.
    fn push_array(&mut self, stack: &mut Stack<'_>, container: Raw, items: Raw, depth: usize) -> Result<(), JsError> {
        let len = self.env.array_len(items)?;
        self.nested(container, |w| {
            if len > DENSE_ARRAY_LIMIT {
                return w.push_long_array(stack, items, len, depth);
            }
            stack.push_table(len as usize, 0)?;
            for i in 0..len {
                w.push_element(stack, items, i, depth)?;
            }
            Ok(())
        })
    }

    /// Sets `t[i + 1] = v[i]` on the table at the top, skipping holes.
    fn push_element(&mut self, stack: &mut Stack<'_>, v: Raw, i: u32, depth: usize) -> Result<(), JsError> {
        let env = self.env;
        let item = env.get_element(v, i)?;
        // A number first (the commonest element), with no type check; any
        // other value's type is read once, for the hole test and the push.
        if let Some(n) = env.try_number(item) {
            self.push_number(stack, n, depth + 1)?;
        } else {
            let t = env.type_of(item);
            if is_nullish_type(t) {
                if self.modes.strict {
                    return Err(strict(format!(
                        "null/undefined at array index {i} becomes a Lua nil, which ends the sequence there — #t and ipairs would stop before the later elements. Filter the array, or use false as a present placeholder."
                    )));
                }
                return Ok(()); // a hole
            }
            self.push_typed(stack, item, t, depth + 1)?;
        }
        stack.set_index(i as i64 + 1)?;
        Ok(())
    }

    /// A long array, by the indices it really has: the same table the index
    /// walk gives, in time proportional to the elements present.
    fn push_long_array(&mut self, stack: &mut Stack<'_>, v: Raw, len: u32, depth: usize) -> Result<(), JsError> {
        let env = self.env;
        let names = env.property_names(v)?;
        let count = env.array_len(names)?;
        stack.push_table(count as usize, 0)?;
        for k in 0..count {
            let key = env.get_element(names, k)?;
            if env.type_of(key) != ValueType::napi_string {
                continue;
            }
            // Only canonical indices ("7", not "07" or "foo"), as the index walk sees.
            let index = env.with_string(key, |b| {
                std::str::from_utf8(b).ok().filter(|s| s == &"0" || !s.starts_with('0')).and_then(|s| s.parse::<u32>().ok())
            })?;
            if let Some(i) = index.filter(|&i| i < len) {
                self.push_element(stack, v, i, depth)?;
            }
        }
        Ok(())
    }

    /// An object's enumerable string keys (inherited ones too, for-in order).
    fn push_plain(&mut self, stack: &mut Stack<'_>, v: Raw, depth: usize) -> Result<(), JsError> {
        let env = self.env;
        let names = env.property_names(v)?;
        let count = env.array_len(names)?;
        self.nested(v, |w| {
            stack.push_table(0, count as usize)?;
            for i in 0..count {
                let key = env.get_element(names, i)?;
                let item = env.get_property(v, key)?;
                // As `push_element`: a number's value first, else the type once.
                let number = env.try_number(item);
                let t = if number.is_some() { ValueType::napi_number } else { env.type_of(item) };
                if is_nullish_type(t) {
                    if w.modes.strict {
                        return Err(null_at_key(env, key));
                    }
                    continue;
                }
                env.with_string(key, |bytes| stack.push_bytes(bytes))??;
                match number {
                    Some(n) => w.push_number(stack, n, depth + 1)?,
                    None => w.push_typed(stack, item, t, depth + 1)?,
                }
                stack.set_entry()?;
            }
            Ok(())
        })
    }
}

/// An object's prototype, as far as the conversion cares.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Proto {
    /// `Object.prototype`: a plain object (or a `_userdata` handle).
    Object,
    /// None, as Node-API reads it: a Proxy or an `Object.create(null)` object.
    Null,
    /// Anything else: an array, a built-in, a class instance, a table handle.
    Other,
}

/// Arrays longer than this are walked by their keys, not by index: `[]` with
/// `length = 2 ** 32 - 1` would otherwise cost four billion lookups of holes.
const DENSE_ARRAY_LIMIT: u32 = 1 << 20;

fn is_nullish(env: Env, v: Raw) -> bool {
    is_nullish_type(env.type_of(v))
}

fn is_nullish_type(t: napi::sys::napi_valuetype) -> bool {
    matches!(t, ValueType::napi_undefined | ValueType::napi_null)
}

/// A strict-conversion error (B16).
fn strict(rest: String) -> JsError {
    JsError::error(format!("{STRICT}{rest}"), "LUA_CONVERSION")
}

/// The strict error for a null/undefined object value under the string `key`.
fn null_at_key(env: Env, key: Raw) -> JsError {
    let key = env.string_value(key).unwrap_or_default();
    strict(format!(
        "null/undefined at key \"{key}\" becomes a Lua nil, which removes the key rather than storing a value — the key would be absent, not nil. Omit it, or use false."
    ))
}
