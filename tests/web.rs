//! The JS boundary in headless Chromium, run by `wasm-pack test --headless --chrome`.
#![cfg(target_arch = "wasm32")]

mod wasm_common;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn cosine_crosses_the_boundary() {
    wasm_common::cosine_crosses_the_boundary();
}

#[wasm_bindgen_test]
fn bad_input_throws_an_error_naming_the_problem() {
    wasm_common::bad_input_throws_an_error_naming_the_problem();
}
