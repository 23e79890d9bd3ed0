//! How the typed methods read their arguments and `self`, and how they say
//! what is wrong with them: in Lua's own words (`bad argument #1 to 'add'
//! (number expected, got string)`, `calling 'add' on bad self (...)`), with
//! the argument counted as Lua counts it (see `raw::argerror`).

use std::cell::{Ref, RefCell, RefMut};
use std::rc::Rc;

use crate::convert::{mismatch_parts, FromLua, FromLuaMulti};
use crate::error::{Error, Result};
use crate::raw::argerror;
use crate::raw::callback::CallContext;
use crate::raw::userdata::{self_value, SelfValue};

/// The arguments of `call` from the 0-based position `skip` on, as `A`; a
/// value that does not convert fails the call with Lua's bad-argument text
/// (`name` stands in where Lua knows no name for the function).
pub(crate) fn read<A: FromLuaMulti>(call: &CallContext<'_>, skip: usize, name: &str) -> Result<A> {
    A::from_args(argerror::args_from(call, skip)).map_err(|(at, e)| match at {
        Some(i) => bad_argument(call, skip + i + 1, name, e),
        None => e,
    })
}

/// The error for argument `arg` (1-based stack position) failing to
/// convert with `e`. Only a conversion failure is the argument's fault: any
/// other error (Lua running out of memory while making a handle) stays as
/// it is.
fn bad_argument(call: &CallContext<'_>, arg: usize, name: &str, e: Error) -> Error {
    match e {
        Error::Conversion { message } => {
            let detail = detail(call, arg, &message);
            Error::runtime(argerror::bad_argument(call, arg, name, &detail))
        }
        e => e,
    }
}

/// What goes in the parentheses: `<expected> expected, got <type>` (the
/// type as `luaL_typeerror` names it: `no value`, a `__name`, ...) for a
/// value of the wrong type, Lua's `number has no integer representation`
/// for a float where an integer belongs, the conversion's own text otherwise.
fn detail(call: &CallContext<'_>, arg: usize, message: &str) -> String {
    match mismatch_parts(message) {
        Some(("integer", "number")) => "number has no integer representation".to_string(),
        Some((expected, _)) => format!("{expected} expected, got {}", argerror::type_name_of(call, arg)),
        None => message.to_string(),
    }
}

/// The `T` that is `self` (argument 1) of the method `name`, its count held
/// for the call.
pub(super) fn self_cell<T: 'static>(call: &CallContext<'_>, name: &str) -> Result<Rc<RefCell<T>>> {
    let ty = super::short_type_name::<T>();
    let detail = match self_value::<T>(call.arg(0)) {
        SelfValue::Live(cell) => return Ok(cell),
        SelfValue::Finalized => match argerror::type_name_of(call, 1) {
            got if got == ty => format!("{ty} has been finalized"),
            got => format!("{ty} expected, got finalized {got}"),
        },
        SelfValue::Other => format!("{ty} expected, got {}", argerror::type_name_of(call, 1)),
    };
    Err(Error::runtime(argerror::bad_argument(call, 1, name, &detail)))
}

/// The `T` behind a field getter's or setter's `self` (argument 1). A
/// finalized one fails with `Player has been finalized`, placed at the
/// access; anything else (only a script calling the function itself gets
/// here) as a bad argument.
pub(super) fn field_self<T: 'static>(call: &CallContext<'_>, field: &str) -> Result<Rc<RefCell<T>>> {
    if let SelfValue::Finalized = self_value::<T>(call.arg(0)) {
        let ty = super::short_type_name::<T>();
        // Level 2: called by `__index` / `__newindex`, called by Lua code.
        return Err(Error::runtime(argerror::located_at(call, 2, &format!("{ty} has been finalized"))));
    }
    self_cell::<T>(call, field)
}

/// The value for the field `field` of a `T` (argument 2 of its setter); a
/// value that does not convert fails with `bad value for field 'hp' of
/// Player (integer expected, got string)`, placed at the assignment.
pub(super) fn field_value<T: 'static, V: FromLua>(call: &CallContext<'_>, field: &str) -> Result<V> {
    V::from_lua(call.arg(1)).map_err(|e| match e {
        Error::Conversion { message } => {
            let detail = detail(call, 2, &message);
            let ty = super::short_type_name::<T>();
            // Level 2: the setter is called by `__newindex`, called by the
            // Lua code that assigned.
            Error::runtime(argerror::located_at(call, 2, &format!("bad value for field '{field}' of {ty} ({detail})")))
        }
        e => e,
    })
}

/// The text of a refused shared borrow.
pub(crate) const BORROWED_MUTABLY: &str = "userdata is already borrowed mutably";
/// The text of a refused exclusive borrow.
pub(crate) const BORROWED: &str = "userdata is already borrowed";

/// `&T` for a call (the method of a value that one running call already
/// borrows mutably fails).
pub(super) fn borrow<T>(cell: &RefCell<T>) -> Result<Ref<'_, T>> {
    cell.try_borrow().map_err(|_| Error::runtime(BORROWED_MUTABLY))
}

/// `&mut T` for a call (fails while any other call borrows the value).
pub(super) fn borrow_mut<T>(cell: &RefCell<T>) -> Result<RefMut<'_, T>> {
    cell.try_borrow_mut().map_err(|_| Error::runtime(BORROWED))
}
