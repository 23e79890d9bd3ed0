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

fn compile_lua(lua_dir: &Path, target_os: &str) {
    let mut build = cc::Build::new();
    build.include(lua_dir).opt_level(2).warnings(false);
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
        .filter(|p| !matches!(p.file_name().and_then(|n| n.to_str()), Some("lua.c" | "luac.c" | "onelua.c")))
        .collect();
    sources.sort();
    build.files(&sources).compile("lua5.5");
}

fn generate_bindings(lua_dir: &Path, out: &Path) {
    let bindings = bindgen::Builder::default()
        .header_contents("wrapper.h", "#include \"lua.h\"\n#include \"lauxlib.h\"\n#include \"lualib.h\"\n")
        .clang_arg(format!("-I{}", lua_dir.display()))
        .allowlist_function("lua_.*|luaL_.*|luaopen_.*")
        .allowlist_type("lua_.*|luaL_.*")
        .allowlist_var("LUA_.*|LUAL_.*")
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
