//! Compiles the vendored Lua 5.5 sources with `cc` and generates the FFI with
//! `bindgen`. Lua is always built with release-grade optimisation, even in a
//! debug build of the Rust code, so that pure-Lua work costs the same in tests,
//! benchmarks and production.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let lua_dir = manifest.join("../vendor/lua").canonicalize().expect("vendor/lua is missing: run scripts/vendor-lua.sh");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();

    compile_lua(&lua_dir, &target_os);
    generate_bindings(&lua_dir, &out);
    write_version(&lua_dir, &out);

    println!("cargo:rerun-if-changed={}", lua_dir.display());
    println!("cargo:rerun-if-changed=build.rs");
    // Lets dependents (and their build scripts) find the headers.
    println!("cargo:include={}", lua_dir.display());
}

fn platform_define(target_os: &str) -> Option<&'static str> {
    match target_os {
        "linux" | "android" => Some("LUA_USE_LINUX"),
        "macos" => Some("LUA_USE_MACOSX"),
        "ios" => Some("LUA_USE_IOS"),
        "windows" => Some("LUA_USE_WINDOWS"),
        "freebsd" | "netbsd" | "openbsd" | "dragonfly" => Some("LUA_USE_POSIX"),
        _ => None,
    }
}

/// The one library file lua-sys compiles from a patched copy, and why: the
/// string library can run for minutes inside C without executing a VM
/// instruction, so no hook fires and no timeout could stop it. Two places:
/// the pattern matcher (`string.find(("a"):rep(1e4), ".-.-.-.-b")`), and the
/// plain search, which is quadratic in the worst case
/// (`string.find(("a"):rep(4e6), ("a"):rep(2e6) .. "b", 1, true)`). The
/// patch adds one call at the top of `match()`, and sends the plain search to
/// `lua_native_lmemfind` (csrc/lua_native_hooks.c, the same algorithm with a
/// work charge per comparison); both let the embedding check its limits.
/// Each anchor must match exactly once, or the build stops: a new Lua release
/// is then checked by hand rather than patched blindly.
const LSTRLIB_PATCH: &[(&str, &str)] = &[
    (
        "  if (l_unlikely(ms->matchdepth-- == 0))\n    luaL_error(ms->L, \"pattern too complex\");\n  init:",
        "  if (l_unlikely(ms->matchdepth-- == 0))\n    luaL_error(ms->L, \"pattern too complex\");\n  lua_native_match_step(ms->L);  /* lua-sys: let limits interrupt matching */\n  init:",
    ),
    (
        "    const char *s2 = lmemfind(s + init, ls - init, p, lp);",
        "    const char *s2 = lua_native_lmemfind(L, s + init, ls - init, p, lp);  /* lua-sys: interruptible */",
    ),
];

/// Two places where stock Lua runs Lua code with debug hooks switched off, so
/// that no instruction limit or timeout could stop a script there:
/// * `luaG_errormsg` (ldebug.c) calls an `xpcall` message handler with hooks
///   still off when the error was raised by a hook, so a handler that loops
///   would run for ever. Once a limit has tripped, the patch skips message
///   handlers: the limit's error goes straight to the enclosing `pcall`.
/// * `GCTM` (lgc.c) turns hooks off while a `__gc` finalizer runs. The patch
///   leaves them on, so the limits reach finalizers too (an error there is a
///   warning, as for any failing finalizer).
const LDEBUG_PATCH: &[(&str, &str)] = &[(
    "  if (L->errfunc != 0) {  /* is there an error handling function? */",
    "  if (L->errfunc != 0 && !lua_native_handlers_blocked(L)) {  /* lua-sys: no handlers after a limit tripped */",
)];
const LGC_PATCH: &[(&str, &str)] = &[(
    "    L->allowhook = 0;  /* stop debug hooks during GC metamethod */",
    "    /* lua-sys: debug hooks stay on during GC metamethods, so that limits can stop a finalizer */",
)];

/// Writes `file` from `vendor/` with `patch` applied into `out`, and returns its path.
fn patched(lua_dir: &Path, out: &Path, file: &str, patch: &[(&str, &str)]) -> PathBuf {
    let mut text = fs::read_to_string(lua_dir.join(file)).unwrap();
    for (anchor, replacement) in patch {
        assert_eq!(text.matches(anchor).count(), 1, "{file} changed: a lua-sys patch anchor is not found exactly once");
        text = text.replacen(anchor, replacement, 1);
    }
    let path = out.join(file);
    fs::write(&path, text).unwrap();
    path
}

fn compile_lua(lua_dir: &Path, target_os: &str) {
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let csrc = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("csrc");
    let mut build = cc::Build::new();
    build.include(lua_dir).include(&csrc).opt_level(2).warnings(false);
    build.define("LUA_USER_H", Some("\"lua_native_user.h\""));
    if let Some(define) = platform_define(target_os) {
        build.define(define, None);
    }
    if target_os == "linux" {
        // LUA_USE_LINUX turns on dlopen for package.loadlib; link libdl for older glibc.
        println!("cargo:rustc-link-lib=dl");
        println!("cargo:rustc-link-lib=m");
    }
    let mut sources: Vec<PathBuf> = fs::read_dir(lua_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        // The stand-alone interpreter and compiler have their own main().
        .filter(|p| !matches!(p.file_name().and_then(|n| n.to_str()), Some("lua.c" | "luac.c" | "onelua.c" | "lstrlib.c" | "ldebug.c" | "lgc.c")))
        .collect();
    sources.sort();
    sources.push(patched(lua_dir, &out, "lstrlib.c", LSTRLIB_PATCH));
    sources.push(patched(lua_dir, &out, "ldebug.c", LDEBUG_PATCH));
    sources.push(patched(lua_dir, &out, "lgc.c", LGC_PATCH));
    sources.push(csrc.join("lua_native_hooks.c"));
    println!("cargo:rerun-if-changed={}", csrc.display());
    build.files(&sources).compile("lua5.5");
}

fn generate_bindings(lua_dir: &Path, out: &Path) {
    let bindings = bindgen::Builder::default()
        .header_contents("wrapper.h", "#include \"lua.h\"\n#include \"lauxlib.h\"\n#include \"lualib.h\"\n")
        .clang_arg(format!("-I{}", lua_dir.display()))
        .header_contents(
            "hooks.h",
            "#include \"lua.h\"\nextern void (*lua_native_resume_hook)(lua_State *L);\nextern void (*lua_native_match_hook)(lua_State *L);\nextern int (*lua_native_handlers_hook)(lua_State *L);\n",
        )
        .allowlist_function("lua_.*|luaL_.*|luaopen_.*")
        .allowlist_type("lua_.*|luaL_.*")
        .allowlist_var("LUA_.*|LUAL_.*|lua_native_.*")
        .layout_tests(false)
        .generate_comments(false)
        .generate()
        .expect("bindgen could not read the Lua headers");
    bindings.write_to_file(out.join("bindings.rs")).unwrap();
}

/// `LUA_VERSION` and `LUA_RELEASE` are built by function-like macros that
/// bindgen cannot expand, so they are rebuilt here from the numeric parts.
fn write_version(lua_dir: &Path, out: &Path) {
    let header = fs::read_to_string(lua_dir.join("lua.h")).unwrap();
    let number = |name: &str| -> String {
        header
            .lines()
            .find_map(|l| l.strip_prefix("#define ").and_then(|r| r.strip_prefix(name)).map(|v| v.trim().to_string()))
            .unwrap_or_else(|| panic!("{name} not found in lua.h"))
    };
    let (major, minor, release) =
        (number("LUA_VERSION_MAJOR_N"), number("LUA_VERSION_MINOR_N"), number("LUA_VERSION_RELEASE_N"));
    fs::write(
        out.join("version.rs"),
        format!(
            "/// `LUA_VERSION` from lua.h.\npub const LUA_VERSION: &str = \"Lua {major}.{minor}\";\n\
             /// `LUA_RELEASE` from lua.h.\npub const LUA_RELEASE: &str = \"Lua {major}.{minor}.{release}\";\n"
        ),
    )
    .unwrap();
}
