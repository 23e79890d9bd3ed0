//! Conversions between Rust types and Lua values, for Rust programs that use
//! this crate directly. Both directions go straight through the stack.

use std::collections::HashMap;
use std::hash::Hash;

use crate::error::{Error, Result};
use crate::raw::lua::Results;
use crate::raw::stack::Stack;
use crate::raw::stack_value::{Kind, StackValue};
use crate::raw::value::{AnyUserData, Function, Table, Thread, Value};

/// A Rust value that can become one Lua value.
pub trait IntoLua {
    /// Pushes exactly one value.
    fn push_into(self, stack: &mut Stack<'_>) -> Result<()>;
}

/// A Rust value that can be read from one Lua value.
pub trait FromLua: Sized {
    /// Reads the value in place (it stays on the stack).
    fn from_lua(value: StackValue<'_>) -> Result<Self>;
}

/// Any number of Lua values going in (arguments, results of a Rust function).
pub trait IntoLuaMulti {
    /// Pushes the values and returns how many.
    fn push_multi(self, stack: &mut Stack<'_>) -> Result<usize>;
}

/// Any number of Lua values coming out: the results of a call, or the
/// arguments of a userdata method ([`UserDataMethods`](crate::UserDataMethods)).
///
/// Implemented for one [`FromLua`] value (the first, nil when there is
/// none), for tuples of up to 12 of them (missing values read as nil, so an
/// `Option` accepts an absent one; extra values are ignored), for `()`
/// (nothing is read) and for [`MultiValue`] (all of them).
///
/// ```
/// let lua = lua_core::Lua::new();
/// let (n, s, missing): (i64, String, Option<bool>) = lua.exec("return 1, 'two'")?;
/// assert_eq!((n, s.as_str(), missing), (1, "two", None));
/// # Ok::<(), lua_core::Error>(())
/// ```
pub trait FromLuaMulti: Sized {
    /// Reads the values a call returned.
    fn from_results(results: Results<'_>) -> Result<Self>;

    /// Reads the values as a function's arguments. On failure it also says
    /// which value (0-based) did not convert, if one value is to blame, so
    /// that the error can name the argument as Lua does (`bad argument #2
    /// to 'f' (number expected, got string)`). The default reads them with
    /// [`from_results`](Self::from_results) and blames none.
    ///
    /// ```
    /// use lua_core::FromLuaMulti;
    /// let lua = lua_core::Lua::new();
    /// let blamed = lua.exec_source_with(c"return 1, 'x'", |values| <(i64, i64)>::from_args(values).map_err(|(at, _)| at))?;
    /// assert_eq!(blamed.unwrap_err(), Some(1));
    /// # Ok::<(), lua_core::Error>(())
    /// ```
    fn from_args(values: Results<'_>) -> std::result::Result<Self, (Option<usize>, Error)> {
        Self::from_results(values).map_err(|e| (None, e))
    }
}

/// The conversion error for a value of the wrong type: `expected <what>,
/// got <type>`. [`mismatch_parts`] takes it apart again.
pub(crate) fn mismatch(expected: &str, value: &StackValue<'_>) -> Error {
    Error::conversion(format!("expected {expected}, got {}", value.kind().name()))
}

/// What a [`mismatch`] message says was expected, and what it got.
pub(crate) fn mismatch_parts(message: &str) -> Option<(&str, &str)> {
    message.strip_prefix("expected ")?.split_once(", got ")
}

impl IntoLua for Value {
    fn push_into(self, stack: &mut Stack<'_>) -> Result<()> {
        match self {
            Value::Nil => stack.push_nil(),
            Value::Boolean(b) => stack.push_boolean(b),
            Value::Integer(i) => stack.push_integer(i),
            Value::Number(n) => stack.push_number(n),
            Value::String(s) => stack.push_bytes(&s),
            Value::Table(t) => stack.push_ref(&t.0),
            Value::Function(f) => stack.push_ref(&f.0),
            Value::Thread(t) => stack.push_ref(&t.0),
            Value::UserData(u) => stack.push_ref(&u.0),
            Value::LightUserData(p) => stack.push_light_userdata(p),
        }
    }
}

impl FromLua for Value {
    fn from_lua(v: StackValue<'_>) -> Result<Self> {
        Ok(match v.kind() {
            Kind::Nil => Value::Nil,
            Kind::Boolean => Value::Boolean(v.as_boolean()),
            Kind::Number => match v.as_integer() {
                Some(i) => Value::Integer(i),
                None => Value::Number(v.as_number().unwrap_or(f64::NAN)),
            },
            Kind::String => Value::String(v.as_bytes().unwrap_or_default().to_vec()),
            Kind::Table => Value::Table(Table(v.to_ref()?)),
            Kind::Function => Value::Function(Function(v.to_ref()?)),
            Kind::Thread => Value::Thread(Thread(v.to_ref()?)),
            Kind::UserData => Value::UserData(AnyUserData(v.to_ref()?)),
            // SAFETY: reading a light userdata pointer never fails.
            Kind::LightUserData => Value::LightUserData(v.as_light_userdata().unwrap_or(std::ptr::null_mut())),
        })
    }
}

/// An integer from a value that is not one: an integral float within
/// i64's range (a cast would saturate 1e300 to i64::MAX), else a mismatch.
/// Out of the integer conversions' own path, which an integer takes.
#[cold]
#[inline(never)]
fn integer_from_other(v: &StackValue<'_>) -> Result<i64> {
    match v.as_number().and_then(|n| Value::Number(n).as_integer()) {
        Some(i) => Ok(i),
        None => Err(mismatch("integer", v)),
    }
}

#[cold]
#[inline(never)]
fn integer_out_of_range(i: i64, to: &str) -> Error {
    Error::conversion(format!("integer {i} out of range for {to}"))
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl IntoLua for $t {
            #[inline]
            fn push_into(self, stack: &mut Stack<'_>) -> Result<()> {
                stack.push_integer(i64::try_from(self).map_err(|_| Error::conversion("integer out of range"))?)
            }
        }
        impl FromLua for $t {
            #[inline]
            fn from_lua(v: StackValue<'_>) -> Result<Self> {
                let i = match v.as_integer() {
                    Some(i) => i,
                    None => integer_from_other(&v)?,
                };
                <$t>::try_from(i).map_err(|_| integer_out_of_range(i, stringify!($t)))
            }
        }
    )*};
}
integers!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl IntoLua for f64 {
    fn push_into(self, stack: &mut Stack<'_>) -> Result<()> {
        stack.push_number(self)
    }
}

impl FromLua for f64 {
    fn from_lua(v: StackValue<'_>) -> Result<Self> {
        v.as_number().ok_or_else(|| mismatch("number", &v))
    }
}

impl IntoLua for f32 {
    fn push_into(self, stack: &mut Stack<'_>) -> Result<()> {
        (self as f64).push_into(stack)
    }
}

impl FromLua for f32 {
    fn from_lua(v: StackValue<'_>) -> Result<Self> {
        f64::from_lua(v).map(|n| n as f32)
    }
}

impl IntoLua for bool {
    fn push_into(self, stack: &mut Stack<'_>) -> Result<()> {
        stack.push_boolean(self)
    }
}

impl FromLua for bool {
    /// Lua truthiness: only nil and false are false.
    fn from_lua(v: StackValue<'_>) -> Result<Self> {
        Ok(v.as_boolean())
    }
}

impl IntoLua for &str {
    fn push_into(self, stack: &mut Stack<'_>) -> Result<()> {
        stack.reserve(1)?;
        stack.push_bytes(self.as_bytes())
    }
}

impl IntoLua for String {
    fn push_into(self, stack: &mut Stack<'_>) -> Result<()> {
        self.as_str().push_into(stack)
    }
}

impl IntoLua for &[u8] {
    fn push_into(self, stack: &mut Stack<'_>) -> Result<()> {
        stack.reserve(1)?;
        stack.push_bytes(self)
    }
}

impl FromLua for String {
    /// A string value (numbers are formatted as Lua would), decoded as UTF-8
    /// with invalid bytes replaced.
    fn from_lua(v: StackValue<'_>) -> Result<Self> {
        match v.kind() {
            Kind::String => Ok(String::from_utf8_lossy(v.as_bytes().unwrap_or_default()).into_owned()),
            Kind::Number => Ok(match v.as_integer() {
                Some(i) => i.to_string(),
                None => v.number_text().unwrap_or_default(),
            }),
            _ => Err(mismatch("string", &v)),
        }
    }
}

/// Nothing: no value at all as results, nil where exactly one value is needed.
impl IntoLuaMulti for () {
    fn push_multi(self, _stack: &mut Stack<'_>) -> Result<usize> {
        Ok(0)
    }
}

impl FromLuaMulti for () {
    fn from_results(_results: Results<'_>) -> Result<Self> {
        Ok(())
    }
}

impl<T: IntoLua> IntoLua for Option<T> {
    fn push_into(self, stack: &mut Stack<'_>) -> Result<()> {
        match self {
            Some(v) => v.push_into(stack),
            None => {
                stack.push_nil()
            }
        }
    }
}

impl<T: FromLua> FromLua for Option<T> {
    fn from_lua(v: StackValue<'_>) -> Result<Self> {
        if v.kind() == Kind::Nil {
            Ok(None)
        } else {
            T::from_lua(v).map(Some)
        }
    }
}

impl<T: IntoLua> IntoLua for Vec<T> {
    fn push_into(self, stack: &mut Stack<'_>) -> Result<()> {
        stack.reserve(2)?;
        stack.push_table(self.len(), 0)?;
        for (i, item) in self.into_iter().enumerate() {
            item.push_into(stack)?;
            stack.set_index(i as i64 + 1)?;
        }
        Ok(())
    }
}

impl<T: FromLua> FromLua for Vec<T> {
    /// The items `1..#t` of a table (raw reads).
    fn from_lua(v: StackValue<'_>) -> Result<Self> {
        if v.kind() != Kind::Table {
            return Err(mismatch("table", &v));
        }
        let mut out = Vec::with_capacity(v.raw_len().min(1 << 20));
        v.for_each_item(|item| {
            out.push(T::from_lua(item)?);
            Ok(())
        })?;
        Ok(out)
    }
}

impl<K: IntoLua, V: IntoLua> IntoLua for HashMap<K, V> {
    fn push_into(self, stack: &mut Stack<'_>) -> Result<()> {
        stack.reserve(3)?;
        stack.push_table(0, self.len())?;
        for (k, v) in self {
            k.push_into(stack)?;
            v.push_into(stack)?;
            stack.set_entry()?;
        }
        Ok(())
    }
}

impl<K: FromLua + Eq + Hash, V: FromLua> FromLua for HashMap<K, V> {
    fn from_lua(v: StackValue<'_>) -> Result<Self> {
        if v.kind() != Kind::Table {
            return Err(mismatch("table", &v));
        }
        let mut out = HashMap::new();
        v.for_each_pair(|key, value| {
            out.insert(K::from_lua(key)?, V::from_lua(value)?);
            Ok(())
        })?;
        Ok(out)
    }
}

macro_rules! handles {
    ($($t:ident),*) => {$(
        impl IntoLua for $t {
            fn push_into(self, stack: &mut Stack<'_>) -> Result<()> {
                stack.reserve(1)?;
                stack.push_ref(&self.0)
            }
        }
        impl IntoLua for &$t {
            fn push_into(self, stack: &mut Stack<'_>) -> Result<()> {
                stack.reserve(1)?;
                stack.push_ref(&self.0)
            }
        }
        impl FromLua for $t {
            #[inline]
            fn from_lua(v: StackValue<'_>) -> Result<Self> {
                match Value::from_lua(v)? {
                    Value::$t(h) => Ok(h),
                    _ => Err(mismatch(&stringify!($t).to_ascii_lowercase(), &v)),
                }
            }
        }
    )*};
}
handles!(Table, Function, Thread);

impl IntoLua for AnyUserData {
    fn push_into(self, stack: &mut Stack<'_>) -> Result<()> {
        stack.reserve(1)?;
        stack.push_ref(&self.0)
    }
}

impl IntoLua for &AnyUserData {
    fn push_into(self, stack: &mut Stack<'_>) -> Result<()> {
        stack.reserve(1)?;
        stack.push_ref(&self.0)
    }
}

impl FromLua for AnyUserData {
    fn from_lua(v: StackValue<'_>) -> Result<Self> {
        match Value::from_lua(v)? {
            Value::UserData(u) => Ok(u),
            _ => Err(mismatch("userdata", &v)),
        }
    }
}

impl<T: IntoLua> IntoLuaMulti for T {
    fn push_multi(self, stack: &mut Stack<'_>) -> Result<usize> {
        self.push_into(stack).map(|_| 1)
    }
}

/// Several values at once (a variable number of results or arguments).
#[derive(Debug, Clone, Default)]
pub struct MultiValue(pub Vec<Value>);

impl IntoLuaMulti for MultiValue {
    fn push_multi(self, stack: &mut Stack<'_>) -> Result<usize> {
        stack.reserve(self.0.len())?;
        let n = self.0.len();
        for v in self.0 {
            v.push_into(stack)?;
        }
        Ok(n)
    }
}

impl FromLuaMulti for MultiValue {
    fn from_results(results: Results<'_>) -> Result<Self> {
        results.iter().map(Value::from_lua).collect::<Result<Vec<_>>>().map(MultiValue)
    }
}

impl<T: FromLua> FromLuaMulti for T {
    /// The first result (nil when there is none).
    fn from_results(results: Results<'_>) -> Result<Self> {
        T::from_lua(results.get_or_nil(0))
    }

    fn from_args(values: Results<'_>) -> std::result::Result<Self, (Option<usize>, Error)> {
        T::from_lua(values.get_or_nil(0)).map_err(|e| (Some(0), e))
    }
}

macro_rules! tuples {
    ($(($($name:ident $i:tt),+)),*) => {$(
        impl<$($name: IntoLua),+> IntoLuaMulti for ($($name,)+) {
            #[allow(non_snake_case)]
            fn push_multi(self, stack: &mut Stack<'_>) -> Result<usize> {
                let ($($name,)+) = self;
                let mut n = 0;
                $( $name.push_into(stack)?; n += 1; )+
                Ok(n)
            }
        }
        impl<$($name: FromLua),+> FromLuaMulti for ($($name,)+) {
            /// One result per element (nil where there are fewer).
            fn from_results(results: Results<'_>) -> Result<Self> {
                Self::from_args(results).map_err(|(_, e)| e)
            }

            /// Converted straight from the stack, in order; the first value
            /// that does not convert is blamed.
            fn from_args(values: Results<'_>) -> std::result::Result<Self, (Option<usize>, Error)> {
                Ok(($($name::from_lua(values.get_or_nil($i)).map_err(|e| (Some($i), e))?,)+))
            }
        }
    )*};
}
tuples!(
    (A 0),
    (A 0, B 1),
    (A 0, B 1, C 2),
    (A 0, B 1, C 2, D 3),
    (A 0, B 1, C 2, D 3, E 4),
    (A 0, B 1, C 2, D 3, E 4, F 5),
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6),
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7),
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8),
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9),
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10),
    (A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11)
);
