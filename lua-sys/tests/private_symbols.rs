//! lua-sys's Lua is private: every symbol its static library defines for the
//! linker carries lua-sys's prefix (build/prefix.rs), so that no other Lua
//! linked into the same program can replace one of its functions.
#![cfg(unix)]

use std::process::Command;

const PREFIX: &str = "luanative_";

/// The globally visible symbols the library defines, or `None` without `nm`.
fn defined_globals(lib: &str) -> Option<Vec<String>> {
    // POSIX output (-P): "name type value size", one symbol per line; a
    // member's header line ("lib.a[x.o]:") has no type letter.
    let out = match Command::new("nm").args(["-g", "-P", lib]).output() {
        Ok(out) => out,
        Err(e) => {
            println!("skipped: `nm` cannot run ({e})");
            return None;
        }
    };
    assert!(out.status.success(), "nm failed: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut names = Vec::new();
    for line in text.lines() {
        let mut fields = line.split_whitespace();
        let (Some(name), Some(kind)) = (fields.next(), fields.next()) else { continue };
        // Undefined (U), weak undefined (w/v) and common-but-absent names are
        // other libraries' symbols that this one only uses.
        if kind.len() == 1 && !matches!(kind, "U" | "w" | "v") && !name.ends_with(':') {
            // Mach-O puts an underscore before every C name.
            let name = if cfg!(target_vendor = "apple") { name.strip_prefix('_').unwrap_or(name) } else { name };
            names.push(name.to_string());
        }
    }
    Some(names)
}

#[test]
fn every_defined_symbol_has_the_prefix() {
    let lib = env!("LUA_SYS_STATIC_LIB");
    let Some(names) = defined_globals(lib) else { return };
    // Lua 5.5 defines a few hundred; far fewer means nm read something else.
    assert!(names.len() > 300, "only {} symbols in {lib}", names.len());
    // Under AddressSanitizer each global gets an ODR indicator named after
    // it ("__odr_asan." + the prefixed name): ASan's, not a Lua symbol.
    let public: Vec<&String> = names.iter().filter(|n| !n.strip_prefix("__odr_asan.").unwrap_or(n).starts_with(PREFIX)).collect();
    assert!(public.is_empty(), "{lib} defines symbols without the {PREFIX} prefix: {public:?}");
    for expected in ["lua_pcallk", "luaL_newstate", "luaopen_base", "luaV_execute", "lua_ident", "lua_native_steps_out"] {
        assert!(names.contains(&format!("{PREFIX}{expected}")), "{PREFIX}{expected} missing from {lib}");
    }
}

#[test]
fn rust_names_stay_luas_and_link_to_the_prefixed_symbols() {
    // The Rust items keep Lua's names; calling them reaches the prefixed C
    // functions (a wrong link name would not have linked).
    // SAFETY: a fresh state, used only here and closed at the end.
    unsafe {
        let l = lua_sys::luaL_newstate();
        assert!(!l.is_null());
        lua_sys::luaL_openselectedlibs(l, !0, 0);
        assert_eq!(lua_sys::luaL_dostring(l, c"return _VERSION".as_ptr()), lua_sys::LUA_OK as i32);
        let version = std::ffi::CStr::from_ptr(lua_sys::lua_tostring(l, -1)).to_str().unwrap();
        assert_eq!(version, lua_sys::LUA_VERSION);
        lua_sys::lua_close(l);
    }
}
