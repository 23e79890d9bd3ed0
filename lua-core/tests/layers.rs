//! The crate's two layers stay apart (docs/ARCHITECTURE.md, "lua-core
//! inside"): only `src/raw/` may call Lua's C API or write `unsafe`, the raw
//! layer never reaches up into the safe layer, and the safe layer's modules
//! import each other without a cycle. The compiler enforces the first rule
//! through `#![deny(unsafe_code)]`; this test keeps the door it leaves open
//! (`#[allow(unsafe_code)]`) to the one module it was made for.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The safe layer's modules (files or folders directly under `src/`).
const SAFE: &[&str] = &["api", "awaiting", "builder", "chunk", "control", "convert", "doors", "error", "external", "host", "serde", "string", "table", "table_iter", "userdata"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its comments (line comments, doc comments
/// included), so that prose may name what code may not use.
fn code(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module of the safe layer a path is in (`src/serde/de.rs` → `serde`).
fn module_of(src: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str().to_string_lossy().into_owned();
    first.trim_end_matches(".rs").to_string()
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn only_the_raw_layer_touches_the_c_api() {
    let src = src();
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut offenders = Vec::new();
    let mut allows = Vec::new();
    for path in &files {
        let text = code(path);
        let in_raw = path.starts_with(src.join("raw"));
        if text.contains("allow(unsafe_code)") {
            allows.push(path.clone());
        }
        if !in_raw {
            for word in ["lua_sys", "unsafe {", "unsafe fn", "unsafe impl", "unsafe extern"] {
                if text.contains(word) {
                    offenders.push(format!("{}: {word}", path.display()));
                }
            }
        }
    }
    assert!(offenders.is_empty(), "the safe layer uses the C API or unsafe: {offenders:#?}");
    assert_eq!(allows, vec![src.join("lib.rs")], "allow(unsafe_code) outside lib.rs's `mod raw`");
    let lib = code(&src.join("lib.rs"));
    assert!(lib.contains("#![deny(unsafe_code)]"));
    assert!(lib.contains("#[allow(unsafe_code)]\nmod raw;"), "the one allow must be on `mod raw`");
}

#[test]
fn the_raw_layer_never_reaches_up() {
    let src = src();
    let mut files = Vec::new();
    sources(&src.join("raw"), &mut files);
    let mut offenders = Vec::new();
    for path in &files {
        let text = code(path);
        for m in SAFE.iter().filter(|m| **m != "error") {
            if text.contains(&format!("crate::{m}::")) || text.contains(&format!("crate::{m};")) {
                offenders.push(format!("{} imports crate::{m}", path.display()));
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
}

#[test]
fn the_safe_layer_has_no_import_cycle() {
    let src = src();
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = SAFE.iter().map(|m| (m.to_string(), BTreeSet::new())).collect();
    for path in files.iter().filter(|p| !p.starts_with(src.join("raw")) && !p.ends_with("lib.rs")) {
        let from = module_of(&src, path);
        let text = code(path);
        for to in SAFE.iter().filter(|m| **m != from) {
            if text.contains(&format!("crate::{to}::")) || text.contains(&format!("crate::{to};")) {
                edges.get_mut(&from).unwrap_or_else(|| panic!("{from} is not listed in SAFE")).insert(to.to_string());
            }
        }
    }
    // Kahn's algorithm: every module must come out.
    let mut indegree: BTreeMap<&String, usize> = edges.keys().map(|k| (k, 0)).collect();
    for tos in edges.values() {
        for to in tos {
            *indegree.get_mut(to).unwrap() += 1;
        }
    }
    let mut ready: Vec<&String> = indegree.iter().filter(|(_, d)| **d == 0).map(|(k, _)| *k).collect();
    let mut order = Vec::new();
    while let Some(m) = ready.pop() {
        order.push(m.clone());
        for to in &edges[m] {
            let d = indegree.get_mut(to).unwrap();
            *d -= 1;
            if *d == 0 {
                ready.push(to);
            }
        }
    }
    assert_eq!(order.len(), edges.len(), "a cycle among {edges:#?}");
}
