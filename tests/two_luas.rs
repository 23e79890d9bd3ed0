//! lua-core and mlua (its own vendored Lua 5.5) in one process. Both compile
//! Lua's C API; if lua-sys exported Lua's names unchanged, the linker would
//! keep one copy of `lua_*` for both crates, and lua-core's states would run
//! on a VM without its patches (no step counter, no work budget): the
//! instruction limit would never trip and `while true do end` would spin
//! forever. lua-sys prefixes every symbol of its Lua (see its build script),
//! so each crate keeps the Lua it was built with. (Built against lua-sys
//! before the prefix, the first test saw one `lua_newstate` for both crates
//! and the second crashed with SIGSEGV in `luaS_clearcache`, inside
//! lua-core's first state: the linker had mixed the two Luas.)
//!
//! Every check runs on a worker thread that the test waits for with a
//! deadline, so a wrong link fails the test instead of hanging it.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

fn within<F: FnOnce() + Send + 'static>(what: &str, limit: Duration, f: F) {
    let (done, finished) = mpsc::channel();
    thread::spawn(move || {
        f();
        let _ = done.send(());
    });
    match finished.recv_timeout(limit) {
        Ok(()) => {}
        // The worker panicked: the assertion's message is already printed.
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what}: a check failed (see above)"),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: no answer after {limit:?} (lua-core's limits are not running on its own Lua)")
        }
    }
}

#[test]
fn each_crate_calls_its_own_lua() {
    // Function addresses, not names: the same address would mean one copy.
    assert_ne!(
        lua_sys::lua_newstate as *const () as usize,
        mlua::ffi::lua_newstate as *const () as usize,
        "lua-sys and mlua resolve lua_newstate to the same function"
    );
    assert_ne!(lua_sys::lua_pcallk as *const () as usize, mlua::ffi::lua_pcallk as *const () as usize);
}

#[test]
fn limits_hold_in_lua_core_while_mlua_keeps_working() {
    within("lua-core and mlua side by side", Duration::from_secs(60), || {
        let m = mlua::Lua::new();
        assert_eq!(m.load("return _VERSION").eval::<String>().unwrap(), "Lua 5.5");
        m.load("function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end").exec().unwrap();
        assert_eq!(m.load("return fib(20)").eval::<i64>().unwrap(), 6765);

        let lua = lua_core::Lua::builder()
            .preset(lua_core::Preset::Safe)
            .instruction_limit(200_000)
            .memory_limit(4 << 20)
            .build()
            .unwrap();
        assert_eq!(lua.exec::<i64>("local s = 0 for i = 1, 100 do s = s + i end return s").unwrap(), 5050);

        let e = lua.exec::<()>("while true do end").unwrap_err();
        assert_eq!(e.code(), "LUA_INSTRUCTION_LIMIT", "{}", e.message());
        assert!(e.message().ends_with("instruction limit exceeded"), "{}", e.message());
        // Library work is charged too (the patched lstrlib.c): a pattern that
        // backtracks for minutes in C stops as well.
        let e = lua.exec::<()>("return string.find(string.rep('a', 10000), '.-.-.-.-b')").unwrap_err();
        assert_eq!(e.code(), "LUA_INSTRUCTION_LIMIT", "{}", e.message());

        let e = lua.exec::<()>("local s = string.rep('x', 1 << 24)").unwrap_err();
        assert_eq!(e.code(), "LUA_MEMORY", "{}", e.message());
        assert!(lua.memory_used() <= lua.memory_limit());
        assert_eq!(lua.exec::<i64>("return 6 * 7").unwrap(), 42);

        // mlua's Lua has neither limit and never heard of lua-core's.
        assert_eq!(m.load("return fib(22)").eval::<i64>().unwrap(), 17711);
        let n: i64 = m.load("local n = 0 for i = 1, 3000000 do n = n + 1 end return n").eval().unwrap();
        assert_eq!(n, 3_000_000);
        assert_eq!(m.load("return #string.rep('x', 1 << 24)").eval::<i64>().unwrap(), 1 << 24);
        let f = m.create_function(|_, (a, b): (i64, i64)| Ok(a * b)).unwrap();
        m.globals().set("mul", f).unwrap();
        assert_eq!(m.load("return mul(6, 7)").eval::<i64>().unwrap(), 42);
    });
}
