//! Lua values to JavaScript, built directly while lua-core walks the stack.

use std::ffi::c_void;
use std::rc::Rc;

use lua_core::{AnyUserData, Function, Results, Table, Thread, Visitor};

use crate::context::Context;
use crate::error::JsError;
use crate::js::{Env, Raw};

pub struct ToJs<'a> {
    cx: &'a Rc<Context>,
    env: Env,
}

impl<'a> ToJs<'a> {
    pub fn new(cx: &'a Rc<Context>) -> ToJs<'a> {
        ToJs { cx, env: cx.env }
    }
}

impl Visitor for ToJs<'_> {
    type Value = Raw;
    type Error = JsError;

    fn nil(&mut self) -> Result<Raw, JsError> {
        Ok(self.env.null())
    }

    fn boolean(&mut self, b: bool) -> Result<Raw, JsError> {
        Ok(self.env.boolean(b))
    }

    fn integer(&mut self, i: i64) -> Result<Raw, JsError> {
        self.env.number(i as f64)
    }

    fn number(&mut self, n: f64) -> Result<Raw, JsError> {
        self.env.number(n)
    }

    fn string(&mut self, s: &[u8]) -> Result<Raw, JsError> {
        self.env.string(s)
    }

    fn new_array(&mut self, len: usize) -> Result<Raw, JsError> {
        self.env.array(len)
    }

    fn array_set(&mut self, array: &Raw, index: usize, value: Raw) -> Result<(), JsError> {
        self.env.set_element(*array, index as u32, value)
    }

    fn new_object(&mut self) -> Result<Raw, JsError> {
        self.env.object()
    }

    fn object_set(&mut self, object: &Raw, key: &[u8], value: Raw, may_repeat: bool) -> Result<(), JsError> {
        // Property names stop at a NUL, as C strings do in the original.
        let key = match key.iter().position(|&b| b == 0) {
            Some(end) => &key[..end],
            None => key,
        };
        let key = self.env.string(key)?;
        if may_repeat && self.env.has_own(*object, key)? {
            return Ok(()); // the first key met keeps its value
        }
        // A `__proto__` key sets the object's prototype, as in the original
        // (parity: tables.proto-key-object); a Proxy prototype then runs Lua
        // for later keys, which lua-core's table walk survives.
        self.env.set_property(*object, key, value)
    }

    fn table_ref(&mut self, table: Table) -> Result<Raw, JsError> {
        crate::proxy::make_proxy(self.cx, table)
    }

    fn function(&mut self, f: Function) -> Result<Raw, JsError> {
        crate::lua_function::wrap(self.cx, f)
    }

    fn thread(&mut self, t: Thread) -> Result<Raw, JsError> {
        crate::handles::coroutine_object(self.cx, t)
    }

    fn host_object(&mut self, id: u64, _access: lua_core::Access) -> Result<Raw, JsError> {
        Ok(self.cx.object_value(id).unwrap_or_else(|| self.env.null()))
    }

    fn userdata(&mut self, u: AnyUserData) -> Result<Raw, JsError> {
        crate::handles::userdata_object(self.cx, u)
    }

    fn light_userdata(&mut self, _p: *mut c_void) -> Result<Raw, JsError> {
        Ok(self.env.null())
    }
}

/// The spec's result shaping: no value → `undefined`, one → that value,
/// several → an array of them.
pub fn shape(cx: &Rc<Context>, results: Results<'_>) -> Result<Raw, JsError> {
    let mut to_js = ToJs::new(cx);
    match results.len() {
        0 => Ok(cx.env.undefined()),
        1 => results.get(0).visit(&mut to_js),
        n => {
            let array = cx.env.array(n)?;
            for (i, v) in results.iter().enumerate() {
                let item = v.visit(&mut to_js)?;
                cx.env.set_element(array, i as u32, item)?;
            }
            Ok(array)
        }
    }
}
