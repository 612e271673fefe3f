//! The JS boundary, run in Node by `wasm-pack test --node`.
#![cfg(target_arch = "wasm32")]
// wasm_bindgen_test functions are not `#[test]`s to clippy; unwrapping is how these tests fail.
#![allow(clippy::unwrap_used)]

mod wasm_bad_input;
mod wasm_common;
mod wasm_support;

use wasm_bindgen_test::*;

/// The JS rows (`J…`) of docs/bad-input.md.
#[wasm_bindgen_test]
fn every_js_row_of_the_bad_input_table() {
    wasm_bad_input::every_js_row_gives_its_documented_outcome();
}

/// The `Recommender.open` rows (`J43`…) of docs/bad-input.md.
#[wasm_bindgen_test]
async fn every_open_row_of_the_bad_input_table() {
    wasm_bad_input::every_open_row_gives_its_documented_outcome().await;
}

/// `Recommender.open({ limits })` applies the page's limits.
#[wasm_bindgen_test]
async fn open_applies_the_pages_limits() {
    wasm_bad_input::open_applies_the_pages_limits().await;
}

#[wasm_bindgen_test]
fn cosine_crosses_the_boundary() {
    wasm_common::cosine_crosses_the_boundary();
}

#[wasm_bindgen_test]
fn bad_input_throws_an_error_naming_the_problem() {
    wasm_common::bad_input_throws_an_error_naming_the_problem();
}

#[wasm_bindgen_test]
fn also_buy_suggests_with_reasons_and_never_the_cart() {
    wasm_common::also_buy_suggests_with_reasons_and_never_the_cart();
}

#[wasm_bindgen_test]
fn iterables_read_like_arrays_and_paths_name_every_step() {
    wasm_common::iterables_read_like_arrays_and_paths_name_every_step();
}

#[wasm_bindgen_test]
fn errors_name_field_and_value_and_the_instance_survives() {
    wasm_common::errors_name_field_and_value_and_the_instance_survives();
}

#[wasm_bindgen_test]
fn packs_round_trip_and_corruption_is_an_error() {
    wasm_common::packs_round_trip_and_corruption_is_an_error();
}

#[wasm_bindgen_test]
fn a_native_pack_gives_identical_suggestions() {
    wasm_common::a_native_pack_gives_identical_suggestions();
}

/// The online fine-tune from feedback is in the widget's module (training from scratch is not).
#[wasm_bindgen_test]
fn feedback_fine_tunes_the_packs_model_online() {
    wasm_common::feedback_fine_tunes_the_packs_model_online();
}

#[wasm_bindgen_test]
fn a_native_trained_pack_gives_identical_reranked_scores_and_training() {
    wasm_common::a_native_trained_pack_gives_identical_reranked_scores_and_training();
}

// `Mlp`, `VectorIndex` and `Recommender.train` are in the module `alsobuy/models` (cargo feature `models`):
// their checks run in tests/models_node.rs and tests/models_web.rs.
