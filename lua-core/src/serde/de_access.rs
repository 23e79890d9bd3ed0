//! serde's access traits over a table on the stack: items of a sequence,
//! entries of a map, an enum's variant and value.

use std::ffi::c_int;

use ::serde::de::{self, DeserializeSeed, Unexpected};

use super::de::LuaDeserializer;
use crate::raw::serde_stack as raw;
use crate::error::{Error, Result};

/// The items `next..=len` of a table, read with `lua_rawgeti`.
pub(super) struct TableSeq<'a> {
    pub(super) table: LuaDeserializer<'a>,
    pub(super) next: usize,
    pub(super) len: usize,
}

impl<'de> de::SeqAccess<'de> for TableSeq<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.next > self.len {
            return Ok(None);
        }
        let top = self.table.top();
        raw::push_item(self.table.value, self.next);
        self.next += 1;
        let item = seed.deserialize(self.table.at(top + 1, false));
        self.table.restore(top);
        item.map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.len + 1 - self.next)
    }
}

/// A table's entries in `lua_next` order. The traversal key stays at index
/// `key`; while a value is pending it sits just above.
pub(super) struct TableMap<'a> {
    pub(super) table: LuaDeserializer<'a>,
    pub(super) key: c_int,
    pub(super) pending: bool,
    pub(super) done: bool,
    pub(super) strings_only: bool,
}

impl<'de> de::MapAccess<'de> for TableMap<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if self.done {
            return Ok(None);
        }
        match raw::next_entry(self.table.value, self.key, self.strings_only) {
            Ok(true) => {}
            Ok(false) => {
                self.done = true;
                self.pending = false;
                return Ok(None);
            }
            Err(e) => {
                self.done = true;
                return Err(e);
            }
        }
        self.pending = true;
        seed.deserialize(self.table.at(self.key, true)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        if !self.pending {
            return Err(Error::conversion("a map value was asked for before its key"));
        }
        self.pending = false;
        let value = seed.deserialize(self.table.at(self.key + 1, false));
        self.table.restore(self.key);
        value
    }
}

/// An enum: the variant name, and for a table `{ Name = value }` the value.
pub(super) struct EnumAccess<'a> {
    pub(super) variant: LuaDeserializer<'a>,
    pub(super) value: Option<LuaDeserializer<'a>>,
}

impl<'de, 'a> de::EnumAccess<'de> for EnumAccess<'a> {
    type Error = Error;
    type Variant = VariantAccess<'a>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, VariantAccess<'a>)> {
        let variant = seed.deserialize(self.variant)?;
        Ok((variant, VariantAccess { value: self.value }))
    }
}

pub(super) struct VariantAccess<'a> {
    value: Option<LuaDeserializer<'a>>,
}

impl VariantAccess<'_> {
    fn unit(expected: &str) -> Error {
        de::Error::invalid_type(Unexpected::UnitVariant, &expected)
    }
}

impl<'de> de::VariantAccess<'de> for VariantAccess<'_> {
    type Error = Error;

    /// A unit variant: its name alone, or a table `{ Name = anything }`
    /// (the value is ignored: a table cannot hold `{ Name = nil }`).
    fn unit_variant(self) -> Result<()> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        match self.value {
            Some(value) => seed.deserialize(value),
            None => Err(Self::unit("newtype variant")),
        }
    }

    fn tuple_variant<V: de::Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        match self.value {
            Some(value) => de::Deserializer::deserialize_tuple(value, len, visitor),
            None => Err(Self::unit("tuple variant")),
        }
    }

    fn struct_variant<V: de::Visitor<'de>>(self, fields: &'static [&'static str], visitor: V) -> Result<V::Value> {
        match self.value {
            Some(value) => de::Deserializer::deserialize_struct(value, "", fields, visitor),
            None => Err(Self::unit("struct variant")),
        }
    }
}
