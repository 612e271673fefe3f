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
