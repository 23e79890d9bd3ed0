//! [`LuaString`](crate::LuaString)'s conversions: read in place from the
//! stack (the type and its pinning live in `raw::string`).

use crate::convert::{mismatch, FromLua, IntoLua};
use crate::error::Result;
use crate::raw::stack::Stack;
use crate::raw::stack_value::StackValue;
use crate::raw::string::LuaString;

impl FromLua for LuaString {
    /// A string (read in place), or a number's text; anything else is a
    /// conversion error (`string expected, got table` as an argument).
    fn from_lua(v: StackValue<'_>) -> Result<Self> {
        LuaString::read(v)?.ok_or_else(|| mismatch("string", &v))
    }
}

impl IntoLua for LuaString {
    fn push_into(self, stack: &mut Stack<'_>) -> Result<()> {
        self.push(stack)
    }
}

impl IntoLua for &LuaString {
    fn push_into(self, stack: &mut Stack<'_>) -> Result<()> {
        self.push(stack)
    }
}
