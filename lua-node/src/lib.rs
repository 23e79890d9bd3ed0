//! The Node.js addon: a thin N-API layer over `lua-core`. It checks
//! JavaScript arguments, moves values between JavaScript and the Lua stack,
//! and turns errors into JavaScript exceptions; every Lua rule lives in
//! lua-core.

mod async_run;
mod await_run;
mod await_settle;
mod bytecode;
mod callbacks;
mod chunk;
mod classes;
mod cancel;
mod context;
mod control;
mod convert;
mod environments;
mod error;
mod fault;
mod file_reader;
mod from_js;
mod glue;
mod handles;
mod hooks;
mod inspect;
mod introspect;
mod io_handlers;
mod js;
mod js_errors;
mod lua_function;
mod metatables;
mod methods;
mod option_reader;
mod options;
mod pcall;
mod modules;
mod coroutines;
mod coroutine_iter;
mod proxy;
mod release;
mod shared;
mod table_handle;
mod table_iter;
mod table_key;
mod to_js;
mod userdata;
mod userdata_methods;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use napi::bindgen_prelude::Object;
use napi::JsValue;
use napi::sys;
use napi_derive::napi;

use crate::error::JsError;
use crate::glue::{finish, read_args};
use crate::js::Env;

method!(execute_script, methods::execute_script);
method!(execute_file, methods::execute_file);
method!(set_global, methods::set_global);
method!(get_global, methods::get_global);
method!(set_userdata, userdata::set_userdata);
method!(set_metatable, metatables::set_metatable);
method!(create_coroutine, coroutines::create_coroutine);
method!(resume, coroutines::resume);
method!(execute_script_async, async_run::execute_script_async);
method!(execute_file_async, async_run::execute_file_async);
method!(is_busy, async_run::is_busy);
method!(cancel, cancel::cancel);
method!(add_search_path, modules::add_search_path);
method!(register_module, modules::register_module);
method!(compile, bytecode::compile);
method!(compile_file, bytecode::compile_file);
method!(load_bytecode, bytecode::load_bytecode);
method!(get_memory_usage, methods::get_memory_usage);
method!(set_hook, hooks::set_hook);
method!(remove_hook, hooks::remove_hook);
method!(gc, control::gc);
method!(reset, control::reset);
method!(info, control::info);
method!(dispose, control::dispose);
method!(register_type_converter, convert::register_type_converter);
method!(register_from_lua_converter, convert::register_from_lua_converter);
method!(create_table, table_handle::create_table);
method!(get_global_ref, table_handle::get_global_ref);
method!(release, release::release);
method!(call, lua_function::call_global);
method!(get_stack, introspect::get_stack);
method!(get_locals, introspect::get_locals);
method!(pcall, pcall::pcall);
method!(create_environment, environments::create_environment);
method!(execute_script_in, environments::execute_script_in);
method!(register_class, classes::register_class);
method!(set_file_reader, file_reader::set_file_reader);
method!(set_print_handler, io_handlers::set_print_handler);
method!(set_read_handler, io_handlers::set_read_handler);
method!(add_searcher, io_handlers::add_searcher);
method!(execute_async, await_run::execute_async);
method!(call_async, await_run::call_async);
method!(resume_async, await_run::resume_async);
method!(close, coroutines::close);

type Method = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// The prototype of `LuaContext`, in the order the spec lists the methods.
const METHODS: &[(&std::ffi::CStr, Method)] = &[
    (c"execute_script", execute_script),
    (c"execute_file", execute_file),
    (c"set_global", set_global),
    (c"get_global", get_global),
    (c"set_userdata", set_userdata),
    (c"set_metatable", set_metatable),
    (c"create_coroutine", create_coroutine),
    (c"resume", resume),
    (c"execute_script_async", execute_script_async),
    (c"execute_file_async", execute_file_async),
    (c"is_busy", is_busy),
    (c"cancel", cancel),
    (c"add_search_path", add_search_path),
    (c"register_module", register_module),
    (c"compile", compile),
    (c"compile_file", compile_file),
    (c"load_bytecode", load_bytecode),
    (c"get_memory_usage", get_memory_usage),
    (c"set_hook", set_hook),
    (c"remove_hook", remove_hook),
    (c"gc", gc),
    (c"reset", reset),
    (c"info", info),
    (c"dispose", dispose),
    (c"register_type_converter", register_type_converter),
    (c"register_from_lua_converter", register_from_lua_converter),
    (c"create_table", create_table),
    (c"get_global_ref", get_global_ref),
    (c"release", release),
    (c"call", call),
    (c"get_stack", get_stack),
    (c"get_locals", get_locals),
    (c"pcall", pcall),
    (c"create_environment", create_environment),
    (c"execute_script_in", execute_script_in),
    (c"register_class", register_class),
    (c"set_file_reader", set_file_reader),
    (c"set_print_handler", set_print_handler),
    (c"set_read_handler", set_read_handler),
    (c"add_searcher", add_searcher),
    (c"execute_async", execute_async),
    (c"call_async", call_async),
    (c"resume_async", resume_async),
    (c"close", close),
];

unsafe extern "C" fn construct(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    let env = Env(env);
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut new_target = ptr::null_mut();
        // SAFETY: valid env and callback info.
        env.check(unsafe { sys::napi_get_new_target(env.0, info, &mut new_target) })?;
        if new_target.is_null() {
            return Err(JsError::type_error("Class constructors cannot be invoked without 'new'"));
        }
        let (args, _) = read_args(env, info)?;
        let cx = methods::construct(env, &args)?;
        glue::wrap_context(env, args.this, &cx)?;
        // Shared tables come last, once `this` is a context they can push to.
        if let [_, options, ..] = args.argv() {
            if env.is_object(*options) {
                shared::subscribe_all(&cx, args.this, *options)?;
            }
        }
        Ok(args.this)
    }));
    finish(env, result)
}

#[napi(module_exports)]
pub fn module_init(exports: Object, env: napi::Env) -> napi::Result<()> {
    let env = Env(env.raw());
    let props: Vec<sys::napi_property_descriptor> = METHODS
        .iter()
        .map(|(name, f)| sys::napi_property_descriptor {
            utf8name: name.as_ptr(),
            name: ptr::null_mut(),
            method: Some(*f),
            getter: None,
            setter: None,
            value: ptr::null_mut(),
            attributes: sys::PropertyAttributes::writable | sys::PropertyAttributes::configurable,
            data: ptr::null_mut(),
        })
        .collect();
    let mut class = ptr::null_mut();
    let name = "LuaContext";
    // SAFETY: valid env; the descriptors live until the call returns.
    let status = unsafe {
        sys::napi_define_class(env.0, name.as_ptr() as *const _, name.len() as isize, Some(construct), ptr::null_mut(), props.len(), props.as_ptr(), &mut class)
    };
    if status != sys::Status::napi_ok {
        return Err(napi::Error::from_reason("could not define LuaContext"));
    }
    cancel::install_cleanup_hook(env);
    table_handle::define(env).map_err(|_| napi::Error::from_reason("could not define LuaTableHandle"))?;
    fault::install(env, class).map_err(|_| napi::Error::from_reason("could not install the fault-injection methods"))?;
    let mut create = ptr::null_mut();
    let name = "createSharedTable";
    // SAFETY: valid env; a plain function with no data.
    let status = unsafe { sys::napi_create_function(env.0, name.as_ptr() as *const _, name.len() as isize, Some(shared::create), ptr::null_mut(), &mut create) };
    if status != sys::Status::napi_ok {
        return Err(napi::Error::from_reason("could not define createSharedTable"));
    }
    let exported = env.set_named(exports.raw(), c"init", class).and_then(|_| env.set_named(exports.raw(), c"createSharedTable", create));
    exported.map_err(|_| napi::Error::from_reason("could not export init"))
}
