//! [`Serde`], the typed wrapper that lets serde types go wherever
//! [`IntoLua`] / [`FromLua`] do.

use ::serde::de::DeserializeOwned;
use ::serde::ser::Serialize;

use crate::convert::{FromLua, IntoLua};
use crate::error::Result;
use crate::raw::stack::Stack;
use crate::raw::stack_value::StackValue;

/// Moves any serde type in and out of Lua as a typed value: `Serde<T>`
/// is [`IntoLua`] when `T: Serialize` and [`FromLua`] when
/// `T: DeserializeOwned`, so it works wherever those traits do (globals,
/// arguments, results), converting straight on the stack.
///
/// ```
/// use lua_core::{Lua, Serde};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Debug, PartialEq)]
/// enum Shape { Circle { r: f64 }, Square(f64) }
///
/// let lua = Lua::new();
/// lua.set_global("shape", Serde(Shape::Circle { r: 2.0 }))?;
/// assert_eq!(lua.exec::<f64>("return shape.Circle.r")?, 2.0);
/// let Serde(back): Serde<Shape> = lua.exec("return { Square = 1.5 }")?;
/// assert_eq!(back, Shape::Square(1.5));
/// # Ok::<(), lua_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Serde<T>(pub T);

impl<T: Serialize> IntoLua for Serde<T> {
    fn push_into(self, stack: &mut Stack<'_>) -> Result<()> {
        stack.push_serialize(&self.0)
    }
}

impl<T: DeserializeOwned> FromLua for Serde<T> {
    fn from_lua(value: StackValue<'_>) -> Result<Self> {
        value.deserialize().map(Serde)
    }
}
