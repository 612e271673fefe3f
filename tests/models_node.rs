//! The JS class `Model` (cargo feature `models`) in Node:
//! `wasm-pack test --node --features models --test models_node`.
#![cfg(all(target_arch = "wasm32", feature = "models"))]
#![allow(clippy::unwrap_used)]

mod wasm_models;
mod wasm_support;

use wasm_bindgen_test::*;

/// Every model name: the native build's items and scores (tests/fixtures/models.json).
#[wasm_bindgen_test]
fn every_model_matches_the_native_rankings() {
    wasm_models::every_model_matches_the_native_rankings();
}

/// Defaults, context and history exclusion, limits.
#[wasm_bindgen_test]
fn model_defaults_and_semantics() {
    wasm_models::model_defaults_and_semantics();
}

/// The `Model` rows (`J50`…) of docs/bad-input.md.
#[wasm_bindgen_test]
fn every_model_row_of_the_bad_input_table() {
    wasm_models::every_model_row_gives_its_documented_outcome();
}
