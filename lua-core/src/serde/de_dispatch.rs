//! Which reading each of serde's `deserialize_*` requests gets.

use ::serde::de::{self, Unexpected};

use super::de::LuaDeserializer;
use super::de_access::EnumAccess;
use crate::raw::serde_stack as raw;
use crate::error::{Error, Result};
use crate::raw::stack_value::Kind;

impl<'de> de::Deserializer<'de> for LuaDeserializer<'_> {
    type Error = Error;

    fn deserialize_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.enter()?;
        let v = self.value;
        match v.kind() {
            Kind::Nil => visitor.visit_unit(),
            Kind::Boolean => visitor.visit_bool(v.as_boolean()),
            Kind::Number => match v.as_integer() {
                Some(i) => visitor.visit_i64(i),
                None => visitor.visit_f64(v.as_number().unwrap_or(f64::NAN)),
            },
            Kind::String => self.visit_string(visitor),
            Kind::Table => match self.array_len()? {
                Some(len) => self.visit_table_seq(len, visitor),
                None => self.visit_table_map(false, visitor),
            },
            _ => Err(de::Error::invalid_type(self.unexpected(), &visitor)),
        }
    }

    fn deserialize_i8<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_integer(visitor)
    }

    fn deserialize_i16<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_integer(visitor)
    }

    fn deserialize_i32<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_integer(visitor)
    }

    fn deserialize_i64<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_integer(visitor)
    }

    fn deserialize_i128<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_integer(visitor)
    }

    fn deserialize_u8<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_integer(visitor)
    }

    fn deserialize_u16<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_integer(visitor)
    }

    fn deserialize_u32<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_integer(visitor)
    }

    fn deserialize_u64<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_integer(visitor)
    }

    fn deserialize_u128<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_integer(visitor)
    }

    fn deserialize_str<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.value.kind() {
            Kind::String => {
                self.enter()?;
                self.visit_string(visitor)
            }
            Kind::Number if self.key => {
                self.enter()?;
                visitor.visit_string(self.number_text())
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_string<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.value.as_bytes() {
            Some(bytes) => {
                self.enter()?;
                visitor.visit_bytes(bytes)
            }
            None => self.deserialize_any(visitor),
        }
    }

    fn deserialize_byte_buf<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.enter()?;
        match self.value.kind() {
            Kind::Nil => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.value.kind() {
            Kind::Nil => {
                self.enter()?;
                visitor.visit_unit()
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_unit_struct<V: de::Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: de::Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.value.kind() != Kind::Table {
            return self.deserialize_any(visitor);
        }
        self.enter()?;
        match self.sequence_len() {
            Some(len) => self.visit_table_seq(len, visitor),
            None => Err(de::Error::invalid_type(Unexpected::Map, &visitor)),
        }
    }

    /// Reads `len` items; a shorter sequence reads the missing items as nil
    /// (they were trailing `None`s), a longer one is an error.
    fn deserialize_tuple<V: de::Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        if self.value.kind() != Kind::Table {
            return self.deserialize_any(visitor);
        }
        self.enter()?;
        match self.sequence_len() {
            Some(n) if n > len => Err(de::Error::invalid_length(n, &visitor)),
            Some(_) => self.visit_table_seq(len, visitor),
            None => Err(de::Error::invalid_type(Unexpected::Map, &visitor)),
        }
    }

    fn deserialize_tuple_struct<V: de::Visitor<'de>>(self, _name: &'static str, len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.value.kind() != Kind::Table {
            return self.deserialize_any(visitor);
        }
        self.enter()?;
        self.visit_table_map(false, visitor)
    }

    fn deserialize_struct<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        if self.value.kind() != Kind::Table {
            return self.deserialize_any(visitor);
        }
        self.enter()?;
        self.visit_table_map(true, visitor)
    }

    fn deserialize_enum<V: de::Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.enter()?;
        match self.value.kind() {
            Kind::String => visitor.visit_enum(EnumAccess { variant: self, value: None }),
            Kind::Table => {
                let top = self.top();
                let entries = raw::push_first_entries(self.value);
                if entries != 1 {
                    self.restore(top);
                    let what = if entries == 0 { "an empty table" } else { "a table with more than one key" };
                    return Err(Error::conversion(format!(
                        "expected an enum (a variant name, or a table with one key: the variant name), got {what}"
                    )));
                }
                let result = visitor.visit_enum(EnumAccess { variant: self.at(top + 1, true), value: Some(self.at(top + 2, false)) });
                self.restore(top);
                result
            }
            _ => Err(de::Error::invalid_type(self.unexpected(), &"an enum (a string or a table with one key)")),
        }
    }

    fn deserialize_ignored_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    ::serde::forward_to_deserialize_any! { bool f32 f64 char }
}
