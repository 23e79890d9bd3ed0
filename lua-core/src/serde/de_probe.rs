//! [`ShapeProbe`]: asks the crate's array rule what shape a table has,
//! for `deserialize_any`.

use std::ffi::c_void;

use crate::error::Error;
use crate::raw::visit::Visitor;
use crate::raw::value::{AnyUserData, Function, Table, Thread};

/// The answer of [`ShapeProbe`]: carried as the "error" that stops the walk
/// as soon as the table's shape is known.
pub(super) enum Probe {
    Array(usize),
    Object,
    Failed(Error),
}

impl From<Error> for Probe {
    fn from(e: Error) -> Self {
        Probe::Failed(e)
    }
}

/// A [`Visitor`] that lets [`StackValue::visit`](crate::StackValue::visit)
/// decide, by the crate's one array rule, whether a table (without a
/// metatable) is an array and how long, and stops it there: nothing is
/// converted.
pub(super) struct ShapeProbe;

impl ShapeProbe {
    fn not_a_table() -> Probe {
        Probe::Failed(Error::conversion("expected a table"))
    }
}

impl Visitor for ShapeProbe {
    type Value = ();
    type Error = Probe;

    fn nil(&mut self) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn boolean(&mut self, _b: bool) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn integer(&mut self, _i: i64) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn number(&mut self, _n: f64) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn string(&mut self, _s: &[u8]) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn new_array(&mut self, len: usize) -> Result<(), Probe> {
        Err(Probe::Array(len))
    }
    fn array_set(&mut self, _array: &(), _index: usize, _value: ()) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn new_object(&mut self) -> Result<(), Probe> {
        Err(Probe::Object)
    }
    fn object_set(&mut self, _object: &(), _key: &[u8], _value: (), _may_repeat: bool) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn table_ref(&mut self, _table: Table) -> Result<(), Probe> {
        Err(Probe::Object)
    }
    fn function(&mut self, _f: Function) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn thread(&mut self, _t: Thread) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn host_object(&mut self, _id: u64, _access: crate::Access) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn userdata(&mut self, _u: AnyUserData) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
    fn light_userdata(&mut self, _p: *mut c_void) -> Result<(), Probe> {
        Err(Self::not_a_table())
    }
}
