//! The JS boundary in headless Chromium, run by `wasm-pack test --headless --chrome`.
#![cfg(target_arch = "wasm32")]
// wasm_bindgen_test functions are not `#[test]`s to clippy; unwrapping is how these tests fail.
#![allow(clippy::unwrap_used)]

mod wasm_bad_input;
mod wasm_common;
mod wasm_support;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

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

mod storage {
    use alsobuy::wasm::storage::{database_names, delete_database, Blob, Store};
    use wasm_bindgen_test::*;

    #[wasm_bindgen_test]
    async fn events_append_and_read_back_in_order() {
        let ns = "test-events";
        let _ = delete_database(ns).await;
        let store = Store::open(ns).await.unwrap();
        let keys = store.append_events(&[vec![1, 2], vec![3]]).await.unwrap();
        assert_eq!(keys.len(), 2);
        let more = store.append_events(&[vec![4, 5, 6]]).await.unwrap();
        let all = store.events_after(0.0).await.unwrap();
        let bytes: Vec<_> = all.iter().map(|(_, b)| b.clone().unwrap()).collect();
        assert_eq!(bytes, vec![vec![1, 2], vec![3], vec![4, 5, 6]]);
        let after = store.events_after(keys[1]).await.unwrap();
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].0, more[0]);
        store.close();
        delete_database(ns).await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn blobs_survive_a_reopen_and_forget_leaves_no_database() {
        let ns = "test-blobs";
        let _ = delete_database(ns).await;
        let store = Store::open(ns).await.unwrap();
        assert_eq!(store.get_blob("snapshot").await.unwrap(), None);
        let blob = Blob {
            bytes: vec![9, 8, 7],
            covers_events_up_to: 3.0,
        };
        store.put_blob("snapshot", &blob).await.unwrap();
        store.close();
        let again = Store::open(ns).await.unwrap();
        assert_eq!(again.get_blob("snapshot").await.unwrap(), Some(blob));
        again.clear().await.unwrap();
        assert_eq!(again.get_blob("snapshot").await.unwrap(), None);
        again.close();
        assert!(database_names()
            .await
            .unwrap()
            .contains(&"alsobuy:test-blobs".to_string()));
        delete_database(ns).await.unwrap();
        assert!(!database_names()
            .await
            .unwrap()
            .contains(&"alsobuy:test-blobs".to_string()));
    }
}

mod persistence {
    use crate::wasm_common::{js, json, open_with_catalog};
    use alsobuy::wasm::storage::{database_names, delete_database, Store};
    use wasm_bindgen_futures::JsFuture;
    use wasm_bindgen_test::*;

    #[wasm_bindgen_test]
    async fn a_new_instance_loads_the_saved_events_and_gives_the_same_suggestions() {
        let ns = "test-reload";
        let _ = delete_database(ns).await;
        let mut first = open_with_catalog(ns).await;
        assert!(json(&first.stats().unwrap()).contains(r#""persistence":"indexeddb""#));
        for item in ["milk", "bread", "butter"] {
            first
                .record(js(&format!(r#"{{"kind": "purchase", "item": "{item}"}}"#)))
                .unwrap();
        }
        JsFuture::from(first.flush()).await.unwrap();
        let q = js(r#"{"item": "milk", "k": 4}"#);
        let before = json(&first.also_buy(q.clone()).unwrap());

        let second = open_with_catalog(ns).await;
        let stats = json(&second.stats().unwrap());
        assert!(stats.contains(r#""events":3"#), "{stats}");
        assert_eq!(json(&second.also_buy(q).unwrap()), before);
        delete_database(ns).await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn a_corrupted_record_is_reported_and_skipped() {
        let ns = "test-corrupt";
        let _ = delete_database(ns).await;
        let mut r = open_with_catalog(ns).await;
        r.record(js(r#"{"kind": "view", "item": "jam"}"#)).unwrap();
        JsFuture::from(r.flush()).await.unwrap();
        let store = Store::open(ns).await.unwrap();
        store
            .append_events(&[vec![0xff, 0x00, 0x13]])
            .await
            .unwrap();
        store.close();

        let again = open_with_catalog(ns).await;
        let stats = json(&again.stats().unwrap());
        assert!(stats.contains(r#""events":1"#), "{stats}");
        assert!(stats.contains("unreadable"), "{stats}");
        delete_database(ns).await.unwrap();
    }

    #[wasm_bindgen_test]
    async fn forget_erases_the_database() {
        let ns = "test-forget";
        let mut r = open_with_catalog(ns).await;
        r.record(js(r#"{"kind": "cart", "item": "milk"}"#)).unwrap();
        JsFuture::from(r.flush()).await.unwrap();
        assert!(database_names()
            .await
            .unwrap()
            .contains(&format!("alsobuy:{ns}")));
        JsFuture::from(r.forget()).await.unwrap();
        assert!(!database_names()
            .await
            .unwrap()
            .contains(&format!("alsobuy:{ns}")));
        let stats = json(&r.stats().unwrap());
        assert!(stats.contains(r#""events":0"#), "{stats}");
        assert!(stats.contains(r#""persistence":"memory""#), "{stats}");
        // Still usable after forgetting.
        let out = r.also_buy(js(r#"{"item": "milk", "k": 2}"#)).unwrap();
        assert_eq!(js_sys::Array::from(&out).length(), 2);
    }
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

// `Mlp`, `VectorIndex` and `Recommender.train` (and the saved trained model read back by `open`) are in the
// module `alsobuy/models` (cargo feature `models`): tests/models_web.rs.
