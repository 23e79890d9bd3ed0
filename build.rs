//! The root package's build script guards `vendor/`: it recomputes the SHA-256
//! of every vendored Lua file and refuses to build when one differs from
//! `vendor/SHA256SUMS` (or a file is missing or extra). The Lua sources must stay
//! exactly as `scripts/vendor-lua.sh` fetched them; a needed patch belongs in
//! `lua-sys`, next to its reason.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

fn main() {
    let vendor = Path::new("vendor");
    println!("cargo:rerun-if-changed=vendor");
    let listed = fs::read_to_string(vendor.join("SHA256SUMS")).expect("vendor/SHA256SUMS is missing");
    let mut expected = BTreeMap::new();
    for line in listed.lines().filter(|l| !l.trim().is_empty()) {
        let (sum, file) = line.split_once("  ").expect("SHA256SUMS lines are '<sum>  <file>'");
        expected.insert(file.to_string(), sum.to_string());
    }

    let mut problems = Vec::new();
    let mut present = BTreeMap::new();
    for entry in fs::read_dir(vendor.join("lua")).expect("vendor/lua is missing") {
        let path = entry.unwrap().path();
        let name = format!("lua/{}", path.file_name().unwrap().to_string_lossy());
        let digest = Sha256::digest(fs::read(&path).unwrap());
        present.insert(name, digest.iter().map(|b| format!("{b:02x}")).collect::<String>());
    }
    for (file, sum) in &expected {
        match present.get(file) {
            None => problems.push(format!("{file} is missing")),
            Some(actual) if actual != sum => problems.push(format!("{file} was modified")),
            _ => {}
        }
    }
    for file in present.keys().filter(|f| !expected.contains_key(*f)) {
        problems.push(format!("{file} is not part of the vendored release"));
    }
    if !problems.is_empty() {
        panic!("vendor/ no longer matches vendor/SHA256SUMS:\n  {}\nRun scripts/vendor-lua.sh to restore it.", problems.join("\n  "));
    }
    println!("cargo:rustc-env=LUA_NATIVE_VENDOR_FILES={}", expected.len());
}
