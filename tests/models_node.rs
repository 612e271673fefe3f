//! The module alsobuy/models (cargo feature `models`): the JS class `Model`, `Mlp`, `VectorIndex` and
//! `Recommender.train`, in Node:
//! `wasm-pack test --node --features models --test models_node`.
#![cfg(all(target_arch = "wasm32", feature = "models"))]
#![allow(clippy::unwrap_used)]

mod wasm_common;
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

// The ML primitives and training from scratch: in this module (alsobuy/models), not in the widget's.

/// `VectorIndex` / `TopK` through the boundary.
#[wasm_bindgen_test]
fn vector_index_finds_the_nearest_rows() {
    wasm_common::vector_index_finds_the_nearest_rows();
}

/// `Mlp` through the boundary.
#[wasm_bindgen_test]
fn mlp_learns_xor_through_the_boundary() {
    wasm_common::mlp_learns_xor_through_the_boundary();
}

/// `Recommender.train`: progress in slices, the model installed; bad options reject naming the problem.
#[wasm_bindgen_test]
async fn train_resolves_with_progress_and_installs_the_model() {
    wasm_common::train_resolves_with_progress_and_installs_the_model().await;
}
