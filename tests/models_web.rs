//! The module alsobuy/models (cargo feature `models`): the JS class `Model`, `Mlp`, `VectorIndex` and
//! `Recommender.train`, in headless Chromium:
//! `wasm-pack test --headless --chrome --features models --test models_web`.
#![cfg(all(target_arch = "wasm32", feature = "models"))]
#![allow(clippy::unwrap_used)]

mod wasm_common;
mod wasm_models;
mod wasm_support;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

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

/// A model trained here is saved in IndexedDB; the next `open` (as the widget's module does in the page) loads it.
mod persistence {
    use crate::wasm_common::{js, json, open_with_catalog};
    use alsobuy::wasm::storage::delete_database;
    use wasm_bindgen_futures::JsFuture;
    use wasm_bindgen_test::*;

    #[wasm_bindgen_test]
    async fn a_trained_model_is_saved_and_loaded_by_the_next_open_and_forgotten() {
        let ns = "test-model";
        let _ = delete_database(ns).await;
        let mut first = open_with_catalog(ns).await;
        for (s, basket) in [
            ("b1", ["milk", "bread", "butter"]),
            ("b2", ["milk", "bread", "jam"]),
            ("b3", ["beer", "soda", "bread"]),
        ] {
            for item in basket {
                first
                    .record(js(&format!(
                        r#"{{"kind": "purchase", "item": "{item}", "session": "{s}"}}"#
                    )))
                    .unwrap();
            }
        }
        let info = JsFuture::from(first.train(Some(js(r#"{"epochs": 5}"#).into())))
            .await
            .unwrap();
        assert!(
            json(&info).contains(r#""personal":true"#),
            "{}",
            json(&info)
        );
        let q = js(r#"{"item": "milk", "k": 4}"#);
        let before = json(&first.also_buy(q.clone()).unwrap());
        assert!(before.contains("learned"), "{before}");

        let mut second = open_with_catalog(ns).await;
        let stats = json(&second.stats().unwrap());
        assert!(
            stats.contains(r#""personal":true"#) && stats.contains(r#""epochs":5"#),
            "the saved model is loaded: {stats}"
        );
        assert_eq!(json(&second.also_buy(q.clone()).unwrap()), before);
        JsFuture::from(second.forget()).await.unwrap();
        let stats = json(&second.stats().unwrap());
        assert!(stats.contains(r#""loaded":false"#), "{stats}");
        let third = open_with_catalog(ns).await;
        assert!(json(&third.stats().unwrap()).contains(r#""loaded":false"#));
        delete_database(ns).await.unwrap();
    }
}
