//! Rust → Lua for containers: [`TableSerializer`] fills the table
//! [`LuaSerializer`] pushed, item by item.

use ::serde::ser::{self, Serialize};

use super::ser::LuaSerializer;
use crate::error::{Error, Result};
use crate::raw::stack::Stack;
use crate::raw::stack_value::Kind;

/// Fills the table a [`LuaSerializer`] pushed for a sequence, tuple, map or
/// struct (serde's `SerializeSeq`, `SerializeMap`, ... traits); not used
/// directly.
pub struct TableSerializer<'s, 'a> {
    pub(super) stack: &'s mut Stack<'a>,
    /// The depth of the table itself; its items are one deeper.
    pub(super) depth: usize,
    /// The next array index.
    pub(super) next: i64,
    /// For an enum variant: the name to store the table under in the outer
    /// table just below it.
    pub(super) variant: Option<&'static str>,
}

impl<'a> TableSerializer<'_, 'a> {
    fn item(&mut self) -> LuaSerializer<'_, 'a> {
        LuaSerializer { stack: &mut *self.stack, depth: self.depth + 1 }
    }

    /// With the table at -2 and an item at -1: appends the item.
    fn append<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        value.serialize(self.item())?;
        self.stack.set_index(self.next)?;
        self.next += 1;
        Ok(())
    }

    /// With the table at -2 and a value at -1: `table[name] = value`.
    fn field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) -> Result<()> {
        value.serialize(self.item())?;
        self.stack.set_field(name.as_bytes())
    }

    fn finish(self) -> Result<()> {
        match self.variant {
            Some(variant) => self.stack.set_field(variant.as_bytes()),
            None => Ok(()),
        }
    }
}

impl ser::SerializeSeq for TableSerializer<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.append(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeTuple for TableSerializer<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.append(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for TableSerializer<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.append(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for TableSerializer<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.append(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeMap for TableSerializer<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        key.serialize(self.item())
    }

    /// With the table at -3 and the key at -2, pushes the value and stores it.
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        value.serialize(self.item())?;
        {
            let key = self.stack.value(-2);
            match key.kind() {
                Kind::Nil => return Err(Error::conversion("a map key became nil, which a Lua table cannot hold")),
                Kind::Number if key.as_number().is_some_and(f64::is_nan) => {
                    return Err(Error::conversion("a map key became NaN, which a Lua table cannot hold"))
                }
                _ => {}
            }
        }
        self.stack.set_entry()
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeStruct for TableSerializer<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        self.field(key, value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for TableSerializer<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<()> {
        self.field(key, value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}
