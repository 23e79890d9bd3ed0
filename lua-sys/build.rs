//! Compiles the vendored Lua 5.5 sources with `cc` and generates the FFI with
//! `bindgen`. Lua is always built with release-grade optimisation, even in a
//! debug build of the Rust code, so that pure-Lua work costs the same in tests,
//! benchmarks and production.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let lua_dir = manifest
        .join("../vendor/lua")
        .canonicalize()
        .expect("vendor/lua is missing: run scripts/vendor-lua.sh");
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

/// Library code that can run for minutes inside C without executing a VM
/// instruction, so that no hook fires and no limit could stop it. Each place
/// gets a call to `lua_native_match_step`, which lets the embedding check its
/// limits every 1024 steps (csrc/lua_native_hooks.c):
/// * the pattern matcher: every pass through `match()` (its `goto init` loop
///   included) and every character `%b` scans
///   (`string.find(("a"):rep(1e4), ".-.-.-.-b")`);
/// * the plain search, quadratic in the worst case, goes to
///   `lua_native_lmemfind`, the same algorithm with a charge per comparison
///   (`string.find(("a"):rep(4e6), ("a"):rep(2e6) .. "b", 1, true)`);
/// * the element loops of `table.move`, `table.insert` and `table.remove`
///   (`table.move({}, 1, 1e12, 2)`).
///
/// Each anchor must match exactly the given number of times, or the build
/// stops: a new Lua release is then checked by hand rather than patched blindly.
const LSTRLIB_PATCH: &[(&str, &str, usize)] = &[
    (
        "  init: /* using goto to optimize tail recursion */\n",
        "  init: /* using goto to optimize tail recursion */\n  lua_native_match_step(ms->L);  /* lua-sys: let limits interrupt matching */\n",
        1,
    ),
    (
        "    while (++s < ms->src_end) {\n      if (*s == e) {",
        "    while (++s < ms->src_end) {\n      lua_native_match_step(ms->L);  /* lua-sys: interruptible */\n      if (*s == e) {",
        1,
    ),
    (
        "    const char *s2 = lmemfind(s + init, ls - init, p, lp);",
        "    const char *s2 = lua_native_lmemfind(L, s + init, ls - init, p, lp);  /* lua-sys: interruptible */",
        1,
    ),
];
const LTABLIB_PATCH: &[(&str, &str, usize)] = &[
    (
        "        lua_geti(L, 1, i - 1);\n        lua_seti(L, 1, i);  /* t[i] = t[i - 1] */",
        "        lua_native_match_step(L);  /* lua-sys: interruptible */\n        lua_geti(L, 1, i - 1);\n        lua_seti(L, 1, i);  /* t[i] = t[i - 1] */",
        1,
    ),
    (
        "    lua_geti(L, 1, pos + 1);\n    lua_seti(L, 1, pos);  /* t[pos] = t[pos + 1] */",
        "    lua_native_match_step(L);  /* lua-sys: interruptible */\n    lua_geti(L, 1, pos + 1);\n    lua_seti(L, 1, pos);  /* t[pos] = t[pos + 1] */",
        1,
    ),
    (
        "        lua_geti(L, 1, f + i);\n        lua_seti(L, tt, t + i);",
        "        lua_native_match_step(L);  /* lua-sys: interruptible */\n        lua_geti(L, 1, f + i);\n        lua_seti(L, tt, t + i);",
        2,
    ),
];

/// Once a limit has tripped, no `xpcall` message handler runs (`luaG_errormsg`
/// in ldebug.c asks first): the limit's error goes straight to the enclosing
/// `pcall`, so a handler cannot keep the script running. (Limits need no
/// debug hook: the VM's step counter below reaches every Lua instruction,
/// those of hook functions and finalizers included, where stock Lua turns
/// hooks off.)
const LDEBUG_PATCH: &[(&str, &str, usize)] = &[(
    "  if (L->errfunc != 0) {  /* is there an error handling function? */",
    "  if (L->errfunc != 0 && !lua_native_handlers_blocked(L)) {  /* lua-sys: no handlers after a limit tripped */",
    1,
)];
/// `debug.sethook` / `debug.gethook` (ldblib.c) keep and report the hook Lua
/// code sets on a thread through lua-sys (csrc/lua_native_hooks.c), which
/// shares the thread's one hook slot between it and the host's hook; Lua
/// code sees exactly the hooks it set, as in stock Lua.
/// `debug.setlocal` on a C function's frame writes its "(C temporary)"
/// slots, which reach into the frame of a vararg function it called (where
/// Lua keeps that function and its varargs): stock Lua then segfaults at the
/// function's return (`pcall(function(...) debug.setlocal(2, 2, 'x') end)`
/// under a return hook). The patch leaves C frames alone (nil, as for a
/// local that does not exist); reading them is unchanged.
/// Stock ldblib.c also trusts `registry._HOOKKEY` to be a table, which
/// `debug.getregistry()._HOOKKEY = nil` breaks (a segfault at the next hook
/// event in stock Lua): the hook then finds no function, and `gethook`
/// makes the table anew, as `sethook` does.
const LDBLIB_PATCH: &[(&str, &str, usize)] = &[
    (
        "  lua_settop(L, arg+3);\n  checkstack(L, L1, 1);\n  lua_xmove(L, L1, 1);\n  name = lua_setlocal(L1, &ar, nvar);",
        "  lua_settop(L, arg+3);\n  if (lua_getinfo(L1, \"S\", &ar) && *ar.what == 'C') {  /* lua-sys: not a C frame's slots */\n    lua_pushnil(L);\n    return 1;\n  }\n  checkstack(L, L1, 1);\n  lua_xmove(L, L1, 1);\n  name = lua_setlocal(L1, &ar, nvar);",
        1,
    ),
    (
        "  lua_getfield(L, LUA_REGISTRYINDEX, HOOKKEY);\n  lua_pushthread(L);",
        "  if (lua_getfield(L, LUA_REGISTRYINDEX, HOOKKEY) != LUA_TTABLE) return;  /* lua-sys: no hook table */\n  lua_pushthread(L);",
        1,
    ),
    (
        "    lua_getfield(L, LUA_REGISTRYINDEX, HOOKKEY);\n    checkstack(L, L1, 1);",
        "    luaL_getsubtable(L, LUA_REGISTRYINDEX, HOOKKEY);  /* lua-sys: never trust it is a table */\n    checkstack(L, L1, 1);",
        1,
    ),
    ("  lua_sethook(L1, func, mask, count);", "  lua_native_sethook(L1, func, mask, count);  /* lua-sys */", 1),
    ("  int mask = lua_gethookmask(L1);\n  lua_Hook hook = lua_gethook(L1);", "  int mask = lua_native_gethookmask(L1);  /* lua-sys */\n  lua_Hook hook = lua_native_gethook(L1);", 1),
    ("lua_pushinteger(L, lua_gethookcount(L1));", "lua_pushinteger(L, lua_native_gethookcount(L1));  /* lua-sys */", 1),
];
/// Counting instructions with a count hook costs about 2x on pure-Lua work:
/// any hook sends the VM through `luaG_traceexec` on every instruction. The
/// patch counts in the VM instead, one decrement of a per-thread counter in
/// the extra space per instruction; when it runs out, the embedding charges
/// the budget and, once it is spent, sets the count hook that raises.
const LVM_PATCH: &[(&str, &str, usize)] = &[(
    "#define vmfetch()\t{ \\\n  if (l_unlikely(trap)) {",
    "#define vmfetch()\t{ \\\n  if (l_unlikely(--lua_native_steps(L) <= 0)) {  /* lua-sys: instruction budget */ \\\n    savepc(ci); lua_native_steps_out(L); trap = ci->u.l.trap; \\\n  } \\\n  if (l_unlikely(trap)) {",
    1,
)];
/// After every C function returns, the flag a watchdog thread may set (see
/// `lua_native_after_c` in csrc/lua_native_user.h): a loop whose time goes
/// into long C calls (full collections, sorts) notices a passed deadline at
/// the next call instead of a thousand instructions later.
const LDO_PATCH: &[(&str, &str, usize)] = &[(
    "  n = (*f)(L);  /* do the actual call */\n",
    "  n = (*f)(L);  /* do the actual call */\n  lua_native_after_c(L);  /* lua-sys: a watchdog's flag */\n",
    1,
)];

/// Two places where stock Lua trusts registry slots that the `debug` library
/// lets a script overwrite (`debug.getregistry()[2] = nil`), with undefined
/// behaviour as the result:
/// * `getGlobalTable` (lapi.c) leaves its output uninitialised when the
///   globals slot is empty, and `lua_load` then stores that garbage as the
///   chunk's `_ENV` (a later collection follows it). The patch makes it nil,
///   so such a chunk fails with Lua's usual "attempt to index a nil value".
/// * `coroutine.close` of the running coroutine (lcorolib.c) tells the main
///   thread by the registry's main-thread slot; without it, the main thread
///   closes itself and unwinds into nowhere. The patch asks `lua_pushthread`,
///   which knows.
/// * `lua_setmetatable` (lapi.c) with a non-table takes it for a table; the
///   standard libraries hand it whatever the registry holds under a type
///   name (`luaL_setmetatable`), which a script can replace
///   (`debug.getregistry()["_UBOX*"] = 42`). The patch sets no metatable
///   then, and `luaL_newmetatable` and the buffer boxes' metatable
///   (lauxlib.c) are made anew in place of a non-table, as
///   `luaL_getsubtable` does.
const LAUXLIB_PATCH: &[(&str, &str, usize)] = &[
    (
        "  if (luaL_getmetatable(L, tname) != LUA_TNIL)  /* name already in use? */",
        "  if (luaL_getmetatable(L, tname) == LUA_TTABLE)  /* lua-sys: in use by a table (anything else is replaced) */",
        1,
    ),
    (
        "  if (luaL_getmetatable(L, BOXMT) == LUA_TNIL) {  /* MT not created yet? */",
        "  if (luaL_getmetatable(L, BOXMT) != LUA_TTABLE) {  /* lua-sys: not created yet, or replaced by a non-table */",
        1,
    ),
];
const LAPI_PATCH: &[(&str, &str, usize)] = &[
    (
        "  if (ttisnil(s2v(L->top.p - 1)))\n    mt = NULL;",
        "  if (!ttistable(s2v(L->top.p - 1)))  /* lua-sys: not a table: none */\n    mt = NULL;",
        1,
    ),
    (
        "  lu_byte tag = luaH_getint(registry, LUA_RIDX_GLOBALS, gt);
  (void)tag;",
        "  lu_byte tag = luaH_getint(registry, LUA_RIDX_GLOBALS, gt);
  if (tagisempty(tag)) setnilvalue(gt);  /* lua-sys: never uninitialised */
  (void)tag;",
        1,
    ),
];
const LCOROLIB_PATCH: &[(&str, &str, usize)] = &[(
    "      lua_geti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);  /* get main */
      if (lua_tothread(L, -1) == co)",
    "      if (lua_pushthread(co))  /* lua-sys: is it the main thread? (not the registry's word) */",
    1,
)];

/// Opt-in AddressSanitizer for Lua's C code (scripts/asan.sh), never on by
/// default: `LUA_NATIVE_SANITIZE=address` compiles every C file of the build
/// (vendor/, the patched copies, csrc/) with `-fsanitize=address` and links the
/// ASan runtime into whatever links lua-sys. Rust code stays uninstrumented
/// (that needs nightly). Unset or empty changes nothing.
fn sanitize(build: &mut cc::Build) {
    println!("cargo:rerun-if-env-changed=LUA_NATIVE_SANITIZE");
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
        }
        Ok(other) => panic!("LUA_NATIVE_SANITIZE={other:?}: only \"address\" is supported"),
    }
}

/// Writes `file` from `vendor/` with `patch` applied into `out`, and returns its path.
fn patched(lua_dir: &Path, out: &Path, file: &str, patch: &[(&str, &str, usize)]) -> PathBuf {
    let mut text = fs::read_to_string(lua_dir.join(file)).unwrap();
    for (anchor, replacement, count) in patch {
        assert_eq!(
            text.matches(anchor).count(),
            *count,
            "{file} changed: a lua-sys patch anchor is not found {count} time(s)"
        );
        text = text.replace(anchor, replacement);
    }
    let path = out.join(file);
    fs::write(&path, text).unwrap();
    path
}

fn compile_lua(lua_dir: &Path, target_os: &str) {
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let csrc = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("csrc");
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
    let mut sources: Vec<PathBuf> = fs::read_dir(lua_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        // The stand-alone interpreter and compiler have their own main().
        .filter(|p| {
            !matches!(
                p.file_name().and_then(|n| n.to_str()),
                Some(
                    "lua.c"
                        | "luac.c"
                        | "onelua.c"
                        | "lstrlib.c"
                        | "ltablib.c"
                        | "ldebug.c"
                        | "ldblib.c"
                        | "lvm.c"
                        | "ldo.c"
                        | "lapi.c"
                        | "lcorolib.c"
                        | "lauxlib.c"
                )
            )
        })
        .collect();
    sources.sort();
    sources.push(patched(lua_dir, &out, "lstrlib.c", LSTRLIB_PATCH));
    sources.push(patched(lua_dir, &out, "ltablib.c", LTABLIB_PATCH));
    sources.push(patched(lua_dir, &out, "ldebug.c", LDEBUG_PATCH));
    sources.push(patched(lua_dir, &out, "ldblib.c", LDBLIB_PATCH));
    sources.push(patched(lua_dir, &out, "lvm.c", LVM_PATCH));
    sources.push(patched(lua_dir, &out, "ldo.c", LDO_PATCH));
    sources.push(patched(lua_dir, &out, "lapi.c", LAPI_PATCH));
    sources.push(patched(lua_dir, &out, "lcorolib.c", LCOROLIB_PATCH));
    sources.push(patched(lua_dir, &out, "lauxlib.c", LAUXLIB_PATCH));
    sources.push(csrc.join("lua_native_hooks.c"));
    println!("cargo:rerun-if-changed={}", csrc.display());
    build.files(&sources).compile("lua5.5");
}

fn generate_bindings(lua_dir: &Path, out: &Path) {
    let bindings = bindgen::Builder::default()
        .header_contents(
            "wrapper.h",
            "#include \"lua.h\"\n#include \"lauxlib.h\"\n#include \"lualib.h\"\n",
        )
        .clang_arg(format!("-I{}", lua_dir.display()))
        .clang_arg(format!("-I{}", manifest_dir().join("csrc").display()))
        .header_contents(
            "hooks.h",
            "#include \"lua.h\"\n#include \"lua_native_user.h\"\n\
             extern void (*lua_native_resume_hook)(lua_State *L);\n\
             extern void (*lua_native_match_hook)(lua_State *L);\n\
             extern int (*lua_native_handlers_hook)(lua_State *L);\n\
             extern void (*lua_native_thread_hook)(lua_State *L, lua_State *L1, int alive);\n\
             extern const char *(*lua_native_steps_hook)(lua_State *L);\n\
             extern void (*lua_native_host_hook)(lua_State *L, lua_Debug *ar);\n\
             extern int (*lua_native_internal_hook)(lua_State *L, lua_Debug *ar);\n\
             extern int (*lua_native_internal_fn)(lua_CFunction f);\n",
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

fn manifest_dir() -> PathBuf {
    PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap())
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
