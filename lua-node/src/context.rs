//! The state behind one JavaScript `LuaContext` object.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use lua_core::{Lua, Stack};
use napi::sys;

use crate::callbacks::JsFunctionSlot;
use crate::error::{JsError, BUSY, BUSY_MESSAGE};
use crate::js::{Env, Raw};

pub struct Context {
    pub lua: Lua,
    pub env: Env,
    /// Named registrations (constructor callbacks, `set_global` functions):
    /// every Lua function made for a name calls the newest JS function
    /// registered under it.
    named: RefCell<HashMap<Vec<u8>, Rc<JsFunctionSlot>>>,
    /// Numbers the names of functions met inside converted values.
    nested: Cell<u64>,
    /// Set while an async run owns the Lua state.
    pub busy: Cell<bool>,
    /// The global `Proxy` constructor and the trap handler, made on first use.
    proxy: Cell<Option<(sys::napi_ref, sys::napi_ref)>>,
}

impl Context {
    pub fn new(lua: Lua, env: Env) -> Rc<Context> {
        Rc::new(Context { lua, env, named: RefCell::new(HashMap::new()), nested: Cell::new(0), busy: Cell::new(false), proxy: Cell::new(None) })
    }

    /// The spec's busy check, first thing in every method but `is_busy`.
    pub fn check_busy(&self) -> Result<(), JsError> {
        if self.busy.get() {
            return Err(JsError::error(BUSY_MESSAGE, BUSY));
        }
        Ok(())
    }

    /// Pushes a Lua function that calls the JS function registered as `name`,
    /// registering `f` under that name first (replacing an earlier one).
    pub fn push_named_function(self: &Rc<Self>, stack: &Stack<'_>, name: &[u8], f: Raw) -> Result<(), JsError> {
        let slot = {
            let mut named = self.named.borrow_mut();
            match named.get(name) {
                Some(slot) => {
                    slot.replace(f)?;
                    slot.clone()
                }
                None => {
                    let slot = Rc::new(JsFunctionSlot::new(self.env, String::from_utf8_lossy(name).into_owned(), f)?);
                    named.insert(name.to_vec(), slot.clone());
                    slot
                }
            }
        };
        crate::callbacks::push_js_function(self, stack, slot)
    }

    /// The name a function found inside a converted value is known by in
    /// error messages; it is not a global (DECISIONS 6).
    pub fn next_nested_name(&self) -> String {
        let n = self.nested.get() + 1;
        self.nested.set(n);
        format!("__js_callback_{n}")
    }
}

impl Context {
    /// The `Proxy` constructor and the shared trap handler.
    pub fn proxy_parts(&self) -> Result<(Raw, Raw), JsError> {
        let env = self.env;
        if let Some((ctor, handler)) = self.proxy.get() {
            return Ok((env.deref(ctor)?, env.deref(handler)?));
        }
        let mut global = std::ptr::null_mut();
        // SAFETY: valid env and out pointer.
        env.check(unsafe { sys::napi_get_global(env.0, &mut global) })?;
        let ctor = env.get_named(global, c"Proxy")?;
        let handler = crate::proxy::make_handler(env)?;
        self.proxy.set(Some((env.reference(ctor)?, env.reference(handler)?)));
        Ok((ctor, handler))
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        if let Some((ctor, handler)) = self.proxy.take() {
            // SAFETY: both references were made by proxy_parts and are deleted once.
            unsafe {
                sys::napi_delete_reference(self.env.0, ctor);
                sys::napi_delete_reference(self.env.0, handler);
            }
        }
    }
}
