//! No `unsafe` outside the SIMD kernels: scans every `.rs` file under `src/` and fails if the keyword `unsafe`
//! (or an `allow(unsafe_code)`) appears anywhere but in `src/model/kernels.rs`, and there only inside the
//! `simd128` module. The compiler enforces the same (`unsafe_code` denied crate-wide, forbidden per module in
//! `src/lib.rs` and `src/model/mod.rs`); this test also catches a new module declared without the `forbid`.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

const ALLOWED: &str = "src/model/kernels.rs";

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a line: without its `//` comment (a `//` inside a string literal is rare enough in this crate
/// to be treated as a comment; that can only hide code, and the compiler's lint still sees it).
fn code(line: &str) -> &str {
    line.split("//").next().unwrap_or("")
}

/// Whether `text` holds the keyword `unsafe` (not `unsafe_code`, not part of another word).
fn has_unsafe_keyword(text: &str) -> bool {
    text.match_indices("unsafe").any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + 6..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !word(before) && !word(after)
    })
}

#[test]
fn unsafe_appears_only_in_the_simd_kernels() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(files.len() > 20, "found only {} files", files.len());
    let mut offences = Vec::new();
    let mut kernel_unsafe = 0;
    for f in &files {
        let rel = f
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = fs::read_to_string(f).unwrap();
        let mut in_simd = false;
        for (n, line) in text.lines().enumerate() {
            let c = code(line);
            if rel == ALLOWED && c.trim_start().starts_with("pub mod simd128") {
                in_simd = true;
            }
            let allow = c.contains("allow(unsafe_code)");
            if has_unsafe_keyword(c) || allow {
                if rel == ALLOWED && (in_simd || allow) {
                    kernel_unsafe += 1;
                } else {
                    offences.push(format!("{rel}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        offences.is_empty(),
        "unsafe outside {ALLOWED}'s simd128 module:\n{}",
        offences.join("\n")
    );
    assert!(
        kernel_unsafe > 0,
        "the scan found no unsafe in the kernels: is the scanner broken?"
    );
}

#[test]
fn the_scanner_sees_unsafe_and_ignores_lookalikes() {
    assert!(has_unsafe_keyword("let x = unsafe { f() };"));
    assert!(has_unsafe_keyword("unsafe fn f()"));
    assert!(!has_unsafe_keyword("#[forbid(unsafe_code)]"));
    assert!(!has_unsafe_keyword("let not_unsafe = 1;"));
    assert!(!has_unsafe_keyword(code(
        "let x = 1; // unsafe is not used here"
    )));
}

#[test]
fn every_module_but_model_forbids_unsafe_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (file, exempt) in [("src/lib.rs", "model"), ("src/model/mod.rs", "kernels")] {
        let text = fs::read_to_string(root.join(file)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            let t = l.trim_start();
            let decl = t
                .strip_prefix("pub mod ")
                .or_else(|| t.strip_prefix("mod "));
            let Some(name) = decl.and_then(|d| d.strip_suffix(';')) else {
                continue;
            };
            if name == exempt {
                continue;
            }
            let attrs = lines[..i]
                .iter()
                .rev()
                .take_while(|p| p.trim_start().starts_with("#["));
            let forbidden = attrs.into_iter().any(|a| a.contains("forbid(unsafe_code)"));
            assert!(
                forbidden,
                "{file}: `mod {name};` has no #[forbid(unsafe_code)]"
            );
        }
    }
}
