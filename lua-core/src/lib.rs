pub use lua_sys as ffi;
