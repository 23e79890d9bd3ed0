//! Compiles the vendored Lua 5.5 sources with `cc` and generates the FFI with
//! `bindgen`. Lua is always built with release-grade optimisation, even in a
//! debug build of the Rust code, so that pure-Lua work costs the same in tests,
//! benchmarks and production.
//!
//! Every C file is compiled from a copy in OUT_DIR: the files lua-sys changes
//! get their patch (patches_libs.rs, patches_core.rs), and every copy starts
//! with the include of the header that makes lua-sys's Lua private
//! (prefix.rs). `vendor/` itself is never modified.

mod patches_core;
mod patches_libs;
mod patches_vm;
mod prefix;

use std::collections::BTreeSet;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};

type Patch = &'static [(&'static str, &'static str, usize)];

/// The Lua files lua-sys compiles changed, each with its patch.
const PATCHED: &[(&str, Patch)] = &[
    ("lstrlib.c", patches_libs::LSTRLIB_PATCH),
    ("ltablib.c", patches_libs::LTABLIB_PATCH),
    ("lutf8lib.c", patches_libs::LUTF8LIB_PATCH),
    ("lbaselib.c", patches_libs::LBASELIB_PATCH),
    ("ldebug.c", patches_core::LDEBUG_PATCH),
    ("ldblib.c", patches_core::LDBLIB_PATCH),
    ("lgc.c", patches_core::LGC_PATCH),
    ("lvm.c", patches_vm::LVM_PATCH),
    ("ldo.c", patches_core::LDO_PATCH),
    ("ltable.c", patches_core::LTABLE_PATCH),
    ("lapi.c", patches_core::LAPI_PATCH),
    ("lcorolib.c", patches_core::LCOROLIB_PATCH),
    ("lauxlib.c", patches_core::LAUXLIB_PATCH),
    ("ltm.c", patches_core::LTM_PATCH),
    ("llex.c", patches_core::LLEX_PATCH),
    ("lstring.c", patches_core::LSTRING_PATCH),
];

/// The stand-alone interpreter and compiler have their own main(), and
/// onelua.c includes all the others.
const NOT_COMPILED: &[&str] = &["lua.c", "luac.c", "onelua.c"];

/// The name of the static library: not Lua's usual `lua5.5`, which the
/// `lua-src` crate (mlua's vendored Lua) also builds.
const LIBRARY: &str = "luanative55";

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let lua_dir = find_lua(&manifest);
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();

    let names = compile_lua(&manifest, &lua_dir, &out, &target_os);
    generate_bindings(&manifest, &lua_dir, &out, names);
    write_version(&lua_dir, &out);

    println!("cargo:rerun-if-changed={}", lua_dir.display());
    println!("cargo:rerun-if-changed=build");
    // Lets dependents (and their build scripts) find the headers; C code that
    // calls this Lua must include the prefix header first (`DEP_LUANATIVE_PREFIX_HEADER`).
    println!("cargo:include={}", lua_dir.display());
    println!("cargo:prefix_header={}", out.join("lua-src").join(prefix::HEADER).display());
    println!("cargo:symbol_prefix={}", prefix::PREFIX);
}

/// Lua's sources: `vendor/lua` inside the package (what a published crate
/// holds; in the workspace, `lua-sys/vendor` is a symlink to the root's
/// `vendor/`), else the workspace's own `vendor/` (a checkout where the
/// symlink did not survive, as on Windows without symlink support).
fn find_lua(manifest: &Path) -> PathBuf {
    [manifest.join("vendor/lua"), manifest.join("../vendor/lua")]
        .into_iter()
        .find(|d| d.join("lua.h").is_file())
        .expect("vendor/lua is missing: run scripts/vendor-lua.sh")
        .canonicalize()
        .unwrap()
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

/// Opt-in AddressSanitizer for Lua's C code (scripts/asan.sh), never on by
/// default: `LUA_NATIVE_SANITIZE=address` compiles every C file of the build
/// (the copies of vendor/'s and csrc/'s) with `-fsanitize=address` and links the
/// ASan runtime into whatever links lua-sys. Rust code stays uninstrumented
/// (that needs nightly). Unset or empty changes nothing.
fn sanitize(build: &mut cc::Build) {
    println!("cargo:rerun-if-env-changed=LUA_NATIVE_SANITIZE");
    // `lua_sys::ADDRESS_SANITIZER` says so to the crates above (lua-core's
    // allocator then gives every block its own malloc, which ASan watches).
    println!("cargo::rustc-check-cfg=cfg(lua_native_asan)");
    match env::var("LUA_NATIVE_SANITIZE").as_deref() {
        Err(_) | Ok("") => {}
        Ok("address") => {
            // Still -O2 (the shipped code paths); -g and frame pointers give
            // readable ASan stacks.
            build
                .flag("-fsanitize=address")
                .flag("-fno-omit-frame-pointer")
                .flag("-g");
            // Printed before dl/m so that libasan comes first among the test
            // binaries' shared libraries, as ASan requires. A host that only
            // dlopens the result (node) must LD_PRELOAD libasan instead.
            println!("cargo:rustc-link-lib=dylib=asan");
            println!("cargo:rustc-cfg=lua_native_asan");
        }
        Ok(other) => panic!("LUA_NATIVE_SANITIZE={other:?}: only \"address\" is supported"),
    }
}

/// Writes `text` with `patch` applied, and the include of the prefix header
/// first, as `dir/file`, and returns its path.
fn copied(dir: &Path, file: &str, mut text: String, patch: Patch) -> PathBuf {
    for (anchor, replacement, count) in patch {
        assert_eq!(
            text.matches(anchor).count(),
            *count,
            "{file} changed: a lua-sys patch anchor is not found {count} time(s): {:?}",
            &anchor[..anchor.len().min(80)]
        );
        text = text.replace(anchor, replacement);
    }
    let path = dir.join(file);
    fs::write(&path, format!("#include \"{}\"  /* lua-sys: a private Lua */\n{text}", prefix::HEADER)).unwrap();
    path
}

/// Compiles Lua and csrc/, and returns the names the prefix header renames.
fn compile_lua(manifest: &Path, lua_dir: &Path, out: &Path, target_os: &str) -> BTreeSet<String> {
    let csrc = manifest.join("csrc");
    let dir = out.join("lua-src");
    fs::create_dir_all(&dir).unwrap();
    let mut build = cc::Build::new();
    build
        .include(lua_dir)
        .include(&csrc)
        .opt_level(2)
        .warnings(false);
    // Aligning functions makes the VM's speed independent of where the
    // linker happens to place `luaV_execute` in a given binary (measured:
    // up to 12% on fib(30) between two otherwise identical builds).
    build.flag_if_supported("-falign-functions=64");
    build.define("LUA_USER_H", Some("\"lua_native_user.h\""));
    sanitize(&mut build);
    if let Some(define) = platform_define(target_os) {
        build.define(define, None);
    }
    if target_os == "linux" {
        // LUA_USE_LINUX turns on dlopen for package.loadlib; link libdl for older glibc.
        println!("cargo:rustc-link-lib=dl");
        println!("cargo:rustc-link-lib=m");
    }

    let read = |p: &Path| fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut headers: Vec<String> = Vec::new();
    let mut sources: Vec<PathBuf> = Vec::new();
    for dir_in in [lua_dir, csrc.as_path()] {
        let mut files: Vec<PathBuf> = fs::read_dir(dir_in).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for path in files {
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            match path.extension().and_then(|e| e.to_str()) {
                Some("h") => headers.push(read(&path)),
                Some("c") if !NOT_COMPILED.contains(&name.as_str()) => {
                    let patch = PATCHED.iter().find(|(f, _)| *f == name).map_or(&[][..], |(_, p)| *p);
                    sources.push(copied(&dir, &name, read(&path), patch));
                }
                _ => {}
            }
        }
    }
    for (file, _) in PATCHED {
        assert!(sources.iter().any(|s| s.ends_with(file)), "{file} is patched but not compiled");
    }
    let compiled: Vec<String> = sources.iter().map(|p| read(p)).collect();
    let names = prefix::external_names(headers.iter().chain(&compiled).map(String::as_str));
    fs::write(dir.join(prefix::HEADER), prefix::header(&names)).unwrap();

    println!("cargo:rerun-if-changed={}", csrc.display());
    build.files(&sources).compile(LIBRARY);
    // The static library's path, for lua-sys's own test of the prefix.
    let file = match env::var("CARGO_CFG_TARGET_ENV").as_deref() {
        Ok("msvc") => format!("{LIBRARY}.lib"),
        _ => format!("lib{LIBRARY}.a"),
    };
    println!("cargo:rustc-env=LUA_SYS_STATIC_LIB={}", out.join(file).display());
    names
}

fn generate_bindings(manifest: &Path, lua_dir: &Path, out: &Path, names: BTreeSet<String>) {
    // Read through the prefix header, as the C code is compiled: bindgen sees
    // the prefixed names, and `Unprefix` gives the Rust items Lua's names.
    let bindings = bindgen::Builder::default()
        .header_contents(
            "wrapper.h",
            &format!(
                "#include \"{}\"\n\
                 #include \"lua.h\"\n#include \"lauxlib.h\"\n#include \"lualib.h\"\n\
                 #include \"lua_native_user.h\"\n\
                 extern void (*lua_native_resume_hook)(lua_State *L);\n\
                 extern void (*lua_native_match_hook)(lua_State *L);\n\
                 extern int (*lua_native_handlers_hook)(lua_State *L);\n\
                 extern void (*lua_native_thread_hook)(lua_State *L, lua_State *L1, int alive);\n\
                 extern const char *(*lua_native_steps_hook)(lua_State *L);\n\
                 extern void (*lua_native_host_hook)(lua_State *L, lua_Debug *ar);\n\
                 extern int (*lua_native_internal_hook)(lua_State *L, lua_Debug *ar);\n\
                 extern int (*lua_native_internal_fn)(lua_CFunction f);\n\
                 extern void (*lua_native_charge_hook)(lua_State *L, size_t units, int may_raise);\n",
                prefix::HEADER
            ),
        )
        .clang_arg(format!("-I{}", out.join("lua-src").display()))
        .clang_arg(format!("-I{}", lua_dir.display()))
        .clang_arg(format!("-I{}", manifest.join("csrc").display()))
        .parse_callbacks(Box::new(prefix::Unprefix(names)))
        .allowlist_function("lua_.*|luaL_.*|luaopen_.*")
        .allowlist_type("lua_.*|luaL_.*")
        .allowlist_var("LUA_.*|LUAL_.*|lua_native_.*")
        // `luaL_Stream` drags in the C library's FILE, whose fields differ
        // between libc versions (glibc 2.17's headers, which the prebuilt
        // binary is built against, add a bitfield). Nothing here reads FILE's
        // fields, so it stays an opaque blob: the same bindings everywhere.
        .opaque_type("_IO_FILE")
        .layout_tests(false)
        .generate_comments(false)
        .generate()
        .expect("bindgen could not read the Lua headers");
    bindings.write_to_file(out.join("bindings.rs")).unwrap();
    generate_layout(manifest, lua_dir, out);
}

/// The few facts of Lua's internal layout that lua-sys's inline fast paths
/// (src/fast.rs) need, as the C compiler computes them for this target:
/// where a thread keeps its top and its current call, where a call keeps
/// its function and top, a stack slot's size, and the tags of the two
/// number variants. A bindgen pass of its own over `lstate.h`, so that
/// nothing of Lua's internals reaches the public bindings.
fn generate_layout(manifest: &Path, lua_dir: &Path, out: &Path) {
    let layout = bindgen::Builder::default()
        .header_contents(
            "layout.h",
            &format!(
                "#include \"{}\"\n#include <stddef.h>\n#include \"lstate.h\"\n\
                 enum lua_native_layout {{\n\
                   lua_native_off_top = offsetof(struct lua_State, top),\n\
                   lua_native_off_ci = offsetof(struct lua_State, ci),\n\
                   lua_native_off_ci_func = offsetof(struct CallInfo, func),\n\
                   lua_native_off_ci_top = offsetof(struct CallInfo, top),\n\
                   lua_native_off_tt = offsetof(TValue, tt_),\n\
                   lua_native_stack_value_size = sizeof(StackValue),\n\
                   lua_native_tag_int = LUA_VNUMINT,\n\
                   lua_native_tag_float = LUA_VNUMFLT\n\
                 }};\n",
                prefix::HEADER
            ),
        )
        .clang_arg(format!("-I{}", out.join("lua-src").display()))
        .clang_arg(format!("-I{}", lua_dir.display()))
        .clang_arg(format!("-I{}", manifest.join("csrc").display()))
        .clang_arg("-DLUA_USER_H=\"lua_native_user.h\"")
        .allowlist_type("lua_native_layout")
        .constified_enum_module("lua_native_layout")
        .layout_tests(false)
        .generate_comments(false)
        .generate()
        .expect("bindgen could not read Lua's internal layout");
    layout.write_to_file(out.join("layout.rs")).unwrap();
}

/// `LUA_VERSION` and `LUA_RELEASE` are built by function-like macros that
/// bindgen cannot expand, so they are rebuilt here from the numeric parts.
fn write_version(lua_dir: &Path, out: &Path) {
    let header = fs::read_to_string(lua_dir.join("lua.h")).unwrap();
    let number = |name: &str| -> String {
        header
            .lines()
            .find_map(|l| {
                l.strip_prefix("#define ")
                    .and_then(|r| r.strip_prefix(name))
                    .map(|v| v.trim().to_string())
            })
            .unwrap_or_else(|| panic!("{name} not found in lua.h"))
    };
    let (major, minor, release) = (
        number("LUA_VERSION_MAJOR_N"),
        number("LUA_VERSION_MINOR_N"),
        number("LUA_VERSION_RELEASE_N"),
    );
    fs::write(
        out.join("version.rs"),
        format!(
            "/// `LUA_VERSION` from lua.h.\npub const LUA_VERSION: &str = \"Lua {major}.{minor}\";\n\
             /// `LUA_RELEASE` from lua.h.\npub const LUA_RELEASE: &str = \"Lua {major}.{minor}.{release}\";\n"
        ),
    )
    .unwrap();
}
