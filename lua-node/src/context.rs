//! The state behind one JavaScript `LuaContext` object.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use lua_core::host::HostClass;
use lua_core::{Access, Lua, Stack};
use napi::sys;

use crate::callbacks::JsFunctionSlot;
use crate::error::{JsError, BUSY, BUSY_MESSAGE, CLOSED_MESSAGE, DISPOSED, STALE};
use crate::js::{Env, Raw};

/// A state taken out of service by `replace_state`, with what belonged to it.
pub struct Retired {
    lua: Lua,
    named: HashMap<Vec<u8>, Rc<JsFunctionSlot>>,
    objects: HashMap<u64, HeldObject>,
}

pub struct Context {
    /// The current state; `reset()` replaces it.
    state: RefCell<Lua>,
    pub env: Env,
    /// Named registrations (constructor callbacks, `set_global` functions):
    /// every Lua function made for a name calls the newest JS function
    /// registered under it.
    named: RefCell<HashMap<Vec<u8>, Rc<JsFunctionSlot>>>,
    /// Numbers the names of functions met inside converted values.
    nested: Cell<u64>,
    /// What gives coroutine objects their `Symbol.iterator`, made on first use.
    pub coroutine_install: Cell<Option<sys::napi_ref>>,
    /// The global `Proxy` constructor and the trap handler, made on first use.
    /// ... and what makes `util.inspect` show a Proxy's table: the
    /// `nodejs.util.inspect.custom` symbol and the native inspector.
    proxy: Cell<Option<[sys::napi_ref; 4]>>,
    /// Objects given to `set_userdata`, by id, with the access Lua has.
    objects: RefCell<HashMap<u64, HeldObject>>,
    next_object: Cell<u64>,
    /// A WeakMap from those objects to their newest id, and its get/set.
    object_ids: Cell<Option<[sys::napi_ref; 3]>>,
    /// Counters naming metatable and module functions (`__mt_<n>_<key>`, `__module_<n>_<key>`).
    pub metatable_calls: Cell<u64>,
    /// Numbers the JS objects callbacks threw (`__jsErrorId`, from 1; see `js_errors`).
    pub js_error_ids: Cell<u64>,
    pub module_calls: Cell<u64>,
    /// Set when a callback's thrown object is staged (`js_errors::stage`),
    /// cleared when the staged objects are let go: the outermost calls of
    /// a context that staged none skip the thread's map (issue 18).
    pub staged: Cell<bool>,
    /// Set by `dispose()`: the state is closed and every call refuses.
    pub disposed: Cell<bool>,
    /// What `reset()` replays: the options, the constructor's callbacks
    /// object, search paths, the debug hook, shared-table subscriptions.
    pub replay: RefCell<Replay>,
    /// The conversion modes (constructor options; kept across `reset()`).
    pub modes: Cell<crate::convert::Modes>,
    /// `register_type_converter` and `register_from_lua_converter`, in order.
    pub type_converters: RefCell<crate::convert::Converters>,
    pub from_lua_converters: RefCell<crate::convert::Converters>,
    /// `Object.prototype`, `Map` and the helpers conversions use, made on first use.
    pub builtins: Cell<Option<crate::convert::Builtins>>,
}

/// An object given to `set_userdata` (or made by a `register_class`
/// constructor): a strong reference, the access Lua has, how many methods
/// it was given, and its class.
pub struct HeldObject {
    r: sys::napi_ref,
    access: Access,
    methods: usize,
    class: Option<HostClass>,
}

/// What Lua needs to push a held object again.
#[derive(Clone, Copy)]
pub struct Held {
    pub id: u64,
    pub access: Access,
    pub class: Option<HostClass>,
}

impl Held {
    /// Pushes the object's userdata (the live one, or a new one of its kind).
    pub fn push(self, stack: &Stack<'_>) -> lua_core::Result<()> {
        match self.class {
            Some(class) => stack.push_host_instance(self.id, self.access, class),
            None => stack.push_host_object(self.id, self.access),
        }
    }
}

#[derive(Default)]
pub struct Replay {
    pub options: lua_core::LuaOptions,
    /// The library names as the constructor was given them, when a list.
    pub library_names: Option<Vec<String>>,
    pub callbacks: Option<sys::napi_ref>,
    pub search_paths: Vec<Vec<u8>>,
    pub hook: Option<(Rc<JsFunctionSlot>, lua_core::HookMask)>,
    /// `set_file_reader`'s function.
    pub file_reader: Option<Rc<JsFunctionSlot>>,
    /// (global name, the SharedTable object, strongly held).
    pub shared: Vec<(Vec<u8>, sys::napi_ref)>,
    /// `set_print_handler` / the `print` option, `set_read_handler`,
    /// `add_searcher` (in order); see `io_handlers`.
    pub print: Option<Rc<JsFunctionSlot>>,
    pub read: Option<Rc<JsFunctionSlot>>,
    pub searchers: Vec<Rc<JsFunctionSlot>>,
}

impl Context {
    pub fn new(lua: Lua, env: Env) -> Rc<Context> {
        let cx = Rc::new(Context {
            state: RefCell::new(lua),
            env,
            named: RefCell::new(HashMap::new()),
            nested: Cell::new(0),
            coroutine_install: Cell::new(None),
            proxy: Cell::new(None),
            objects: RefCell::new(HashMap::new()),
            next_object: Cell::new(0),
            object_ids: Cell::new(None),
            metatable_calls: Cell::new(0),
            js_error_ids: Cell::new(0),
            module_calls: Cell::new(0),
            staged: Cell::new(false),
            disposed: Cell::new(false),
            replay: RefCell::new(Replay::default()),
            modes: Cell::new(crate::convert::Modes::default()),
            type_converters: RefCell::new(Rc::default()),
            from_lua_converters: RefCell::new(Rc::default()),
            builtins: Cell::new(None),
        });
        cx.lua().set_host_objects(Rc::new(crate::userdata::NodeObjects { cx: Rc::downgrade(&cx) }));
        cx
    }

    /// The current Lua state (a handle; `reset()` may replace it later).
    pub fn lua(&self) -> Lua {
        self.state.borrow().clone()
    }

    /// The spec's busy check, first thing in every method but `is_busy`;
    /// after `dispose()` it refuses too.
    pub fn check_busy(&self) -> Result<(), JsError> {
        if self.disposed.get() {
            return Err(JsError::error(CLOSED_MESSAGE, DISPOSED));
        }
        if self.is_busy() {
            return Err(JsError::error(BUSY_MESSAGE, BUSY));
        }
        Ok(())
    }

    /// Asks the run in flight in the current state to stop (lua-core's
    /// `CancelHandle`: atomics only, so also while the state is lent to a
    /// worker); does nothing when none is. Borrows the state without cloning
    /// the handle, whose count the worker's run may be using.
    pub fn cancel_run(&self) -> bool {
        self.state.borrow().cancel()
    }

    /// A handle that cancels the current state's run in flight (see `cancel_run`).
    pub fn canceller(&self) -> lua_core::CancelHandle {
        self.state.borrow().canceller()
    }

    /// Whether an async run holds the state: lent to a worker, or a driven
    /// run (`execute_async` and friends) in flight (lua-core's occupancy
    /// says so).
    pub fn is_busy(&self) -> bool {
        let lua = self.state.borrow();
        lua.is_off_thread() || lua.is_driving()
    }

    /// Refuses a handle (`what`: "Lua function", "table handle", ...) whose
    /// value lives in a state this context no longer has.
    pub fn check_handle(&self, value_lua: &Lua, what: &str) -> Result<(), JsError> {
        if self.disposed.get() {
            return Err(closed_handle(what));
        }
        if !value_lua.ptr_eq(&self.state.borrow()) {
            return Err(stale_handle(what));
        }
        self.check_busy()
    }

    /// What a call through a handle does first, with one look at the
    /// state: `check_handle`'s refusals, in its order, then the outermost
    /// entry's letting go of staged objects (`glue::outermost_entry`).
    #[inline(always)]
    pub fn enter_handle(&self, value_lua: &Lua, what: &str) -> Result<(), JsError> {
        // The common case, an outermost call through a handle of the
        // current state, in one test (issue 18); everything else below.
        if !self.disposed.get() {
            let state = self.state.borrow();
            if value_lua.ptr_eq(&state) && state.is_idle() {
                state.forget_raised_value();
                drop(state);
                crate::js_errors::clear_staged(self);
                return Ok(());
            }
        }
        self.enter_handle_otherwise(value_lua, what)
    }

    /// `enter_handle` when the context is disposed, the handle stale, or
    /// the state not idle.
    #[inline(never)]
    fn enter_handle_otherwise(&self, value_lua: &Lua, what: &str) -> Result<(), JsError> {
        if self.disposed.get() {
            return Err(closed_handle(what));
        }
        let state = self.state.borrow();
        if !value_lua.ptr_eq(&state) {
            return Err(stale_handle(what));
        }
        if state.is_off_thread() || state.is_driving() {
            return Err(JsError::error(BUSY_MESSAGE, BUSY));
        }
        if !state.is_executing() {
            state.forget_raised_value();
            drop(state);
            crate::js_errors::clear_staged(self);
        }
        Ok(())
    }

    /// At an outermost call into this context (none is running in its
    /// state, and no worker holds it: the method will refuse then), the JS
    /// objects staged by earlier calls are let go (EVOLUTION B6).
    #[inline]
    pub fn outermost_entry(&self) {
        let state = self.state.borrow();
        if state.is_off_thread() || state.is_driving() || state.is_executing() {
            return;
        }
        state.forget_raised_value();
        drop(state);
        crate::js_errors::clear_staged(self);
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
    pub fn proxy_parts(&self) -> Result<[Raw; 4], JsError> {
        let env = self.env;
        if let Some(refs) = self.proxy.get() {
            return Ok([env.deref(refs[0])?, env.deref(refs[1])?, env.deref(refs[2])?, env.deref(refs[3])?]);
        }
        let mut global = std::ptr::null_mut();
        // SAFETY: valid env and out pointer.
        env.check(unsafe { sys::napi_get_global(env.0, &mut global) })?;
        let ctor = env.get_named(global, c"Proxy")?;
        let handler = crate::proxy::make_handler(env)?;
        let (symbol, inspector) = crate::inspect::proxy_inspector(env)?;
        let parts = [ctor, handler, symbol, inspector];
        let refs = [env.reference(ctor)?, env.reference(handler)?, env.reference(symbol)?, env.reference(inspector)?];
        self.proxy.set(Some(refs));
        Ok(parts)
    }
}

impl Context {
    /// The WeakMap and its `get` and `set`, made on first use.
    fn object_id_map(&self) -> Result<[Raw; 3], JsError> {
        let env = self.env;
        if let Some(refs) = self.object_ids.get() {
            return Ok([env.deref(refs[0])?, env.deref(refs[1])?, env.deref(refs[2])?]);
        }
        let mut global = std::ptr::null_mut();
        let mut map = std::ptr::null_mut();
        // SAFETY: valid env; `new WeakMap()` with no arguments.
        unsafe {
            env.check(sys::napi_get_global(env.0, &mut global))?;
            let ctor = env.get_named(global, c"WeakMap")?;
            env.check(sys::napi_new_instance(env.0, ctor, 0, std::ptr::null(), &mut map))?;
        }
        let get = env.get_named(map, c"get")?;
        let set = env.get_named(map, c"set")?;
        self.object_ids.set(Some([env.reference(map)?, env.reference(get)?, env.reference(set)?]));
        Ok([map, get, set])
    }

    /// Keeps `obj` (given `methods` methods, of `class`) under a new id and returns it.
    pub fn register_object(&self, obj: Raw, access: Access, methods: usize, class: Option<HostClass>) -> Result<u64, JsError> {
        let env = self.env;
        let id = self.next_object.get() + 1;
        self.next_object.set(id);
        let [map, _, set] = self.object_id_map()?;
        env.call(set, map, &[obj, env.number(id as f64)?])?;
        let r = env.reference(obj)?;
        self.objects.borrow_mut().insert(id, HeldObject { r, access, methods, class });
        Ok(id)
    }

    /// How Lua holds `obj`, if it was given to `set_userdata` or made by a
    /// class constructor and Lua has not let it go.
    pub fn object_id(&self, obj: Raw) -> Result<Option<Held>, JsError> {
        if self.objects.borrow().is_empty() {
            return Ok(None);
        }
        let env = self.env;
        let [map, get, _] = self.object_id_map()?;
        let id = env.call(get, map, &[obj])?;
        if env.type_of(id) != sys::ValueType::napi_number {
            return Ok(None);
        }
        let id = env.get_number(id) as u64;
        Ok(self.objects.borrow().get(&id).map(|held| Held { id, access: held.access, class: held.class }))
    }

    /// The object registered under `id`, unless it was released.
    pub fn object_value(&self, id: u64) -> Option<Raw> {
        let r = self.objects.borrow().get(&id).map(|held| held.r)?;
        self.env.deref(r).ok()
    }

    /// Lets the object under `id` go (Lua collected its last userdata).
    pub fn release_object(&self, id: u64) {
        if let Some(held) = self.objects.borrow_mut().remove(&id) {
            // SAFETY: the reference was made by register_object, deleted once.
            unsafe { sys::napi_delete_reference(self.env.0, held.r) };
        }
    }
}

impl Context {
    /// Swaps in a new state (for `reset()`). The old one and the
    /// registrations that belonged to it are handed back, so that a reset
    /// whose replay fails can put them back (`restore_state`); otherwise
    /// `retire` lets them go.
    pub fn replace_state(self: &Rc<Self>, lua: Lua) -> Retired {
        lua.set_host_objects(Rc::new(crate::userdata::NodeObjects { cx: Rc::downgrade(self) }));
        let old = self.state.replace(lua);
        let named = std::mem::take(&mut *self.named.borrow_mut());
        let objects = std::mem::take(&mut *self.objects.borrow_mut());
        Retired { lua: old, named, objects }
    }

    /// Lets a replaced state go; it closes when its last handle goes.
    pub fn retire(&self, retired: Retired) {
        self.delete_object_refs(retired.objects);
        drop(retired.named);
        drop(retired.lua);
    }

    /// Puts a replaced state back in place of the current one, which is
    /// dropped with whatever was registered into it.
    pub fn restore_state(&self, retired: Retired) {
        let failed = self.state.replace(retired.lua);
        let failed_named = std::mem::replace(&mut *self.named.borrow_mut(), retired.named);
        let failed_objects = std::mem::replace(&mut *self.objects.borrow_mut(), retired.objects);
        self.delete_object_refs(failed_objects);
        drop(failed_named);
        drop(failed);
    }

    fn delete_object_refs(&self, objects: HashMap<u64, HeldObject>) {
        for (_, held) in objects {
            // SAFETY: made by register_object, deleted once (the map owned it).
            unsafe { sys::napi_delete_reference(self.env.0, held.r) };
        }
    }

    /// Closes the state now and forgets every registration (`dispose()`);
    /// refused while anything is inside the state (lua-core decides).
    pub fn close(&self) -> Result<(), lua_core::Error> {
        self.state.borrow().close()?;
        self.disposed.set(true);
        self.named.borrow_mut().clear();
        // A conversion still running holds its own snapshot of the lists.
        *self.type_converters.borrow_mut() = Rc::default();
        *self.from_lua_converters.borrow_mut() = Rc::default();
        for (_, held) in self.objects.borrow_mut().drain() {
            // SAFETY: made by register_object, deleted once.
            unsafe { sys::napi_delete_reference(self.env.0, held.r) };
        }
        let mut replay = self.replay.borrow_mut();
        replay.hook = None;
        replay.file_reader = None;
        replay.print = None;
        replay.read = None;
        replay.searchers.clear();
        for (_, r) in replay.shared.drain(..) {
            // SAFETY: made when subscribing, deleted once.
            unsafe { sys::napi_delete_reference(self.env.0, r) };
        }
        if let Some(r) = replay.callbacks.take() {
            // SAFETY: made by the constructor, deleted once.
            unsafe { sys::napi_delete_reference(self.env.0, r) };
        }
        Ok(())
    }
}

impl Context {
    /// What the binding holds on the JavaScript side, by kind (for `info()`).
    pub fn binding_refs(&self) -> Vec<(&'static std::ffi::CStr, usize)> {
        let replay = self.replay.borrow();
        vec![
            (c"callbacks", self.named.borrow().len()),
            (c"userdata", self.objects.borrow().len()),
            // Objects (not method entries) given methods, still held.
            (c"userdataMethods", self.objects.borrow().values().filter(|held| held.methods > 0).count()),
            (c"sharedTables", replay.shared.len()),
            (c"handlers", replay.hook.is_some() as usize + replay.file_reader.is_some() as usize + replay.print.is_some() as usize + replay.read.is_some() as usize),
            (c"searchers", replay.searchers.len()),
            (c"callbacksObject", replay.callbacks.is_some() as usize),
            (c"typeConverters", self.type_converters.borrow().len()),
            (c"fromLuaConverters", self.from_lua_converters.borrow().len()),
            (c"errorRegistry", crate::js_errors::count(self)),
        ]
    }
}

#[cold]
fn closed_handle(what: &str) -> JsError {
    JsError::error(format!("{what} is not usable: its Lua context has been closed"), DISPOSED)
}

#[cold]
fn stale_handle(what: &str) -> JsError {
    JsError::error(format!("{what} is not usable: its Lua state was replaced by reset(); acquire a new handle"), STALE)
}

impl Drop for Context {
    fn drop(&mut self) {
        crate::js_errors::clear(self);
        let replay = self.replay.get_mut();
        for (_, r) in replay.shared.drain(..) {
            // SAFETY: made when subscribing, deleted once.
            unsafe { sys::napi_delete_reference(self.env.0, r) };
        }
        if let Some(r) = replay.callbacks.take() {
            // SAFETY: made by the constructor, deleted once.
            unsafe { sys::napi_delete_reference(self.env.0, r) };
        }
        for (_, held) in self.objects.get_mut().drain() {
            // SAFETY: each reference was made by register_object, deleted once.
            unsafe { sys::napi_delete_reference(self.env.0, held.r) };
        }
        if let Some(refs) = self.object_ids.take() {
            for r in refs {
                // SAFETY: made by object_id_map, deleted once.
                unsafe { sys::napi_delete_reference(self.env.0, r) };
            }
        }
        if let Some(r) = self.coroutine_install.take() {
            // SAFETY: made by coroutine_iter::install, deleted once.
            unsafe { sys::napi_delete_reference(self.env.0, r) };
        }
        if let Some(b) = self.builtins.take() {
            b.delete(self.env);
        }
        if let Some(refs) = self.proxy.take() {
            for r in refs {
                // SAFETY: made by proxy_parts and deleted once.
                unsafe { sys::napi_delete_reference(self.env.0, r) };
            }
        }
    }
}
