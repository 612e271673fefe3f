//! Checks shared by the Node (`tests/node.rs`) and browser (`tests/web.rs`) suites.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use alsobuy::wasm::recommender::JsRecommender;
use alsobuy::wasm::similarity::cosine;
use wasm_bindgen::{JsError, JsValue};

/// A JS value from JSON text.
pub fn js(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("test JSON")
}

/// The message of a thrown error.
pub fn message(e: JsError) -> String {
    let v: JsValue = e.into();
    let e: js_sys::Error = v.into();
    String::from(e.message())
}

/// Reads a returned JS value as JSON text.
pub fn json(v: &JsValue) -> String {
    String::from(js_sys::JSON::stringify(v).unwrap())
}

/// A recommender opened with IndexedDB persistence in namespace `ns`, with [`CATALOG`] set.
pub async fn open_with_catalog(ns: &str) -> JsRecommender {
    let mut r = JsRecommender::open(Some(js(&format!(r#"{{"namespace": "{ns}"}}"#)).into()))
        .await
        .unwrap();
    r.set_catalog(js(CATALOG)).unwrap();
    r
}

pub const CATALOG: &str = r#"[
  {"id": "milk", "name": "Whole milk", "category": "dairy/milk", "price": 1.1},
  {"id": "butter", "name": "Butter", "category": "dairy/butter", "price": 2.5},
  {"id": "bread", "name": "Bread", "category": "bakery/bread", "price": 1.9},
  {"id": "jam", "name": "Jam", "category": "pantry/spreads", "price": 3.2},
  {"id": "beer", "name": "Beer", "category": "drinks/beer", "price": 0.9},
  {"id": "chips", "name": "Chips", "category": "snacks/chips", "price": 1.5, "inStock": false},
  {"id": "soda", "name": "Soda", "category": "drinks/soda", "price": 0.7}
]"#;

/// A recommender with the small catalogue and a few baskets.
pub fn shop() -> JsRecommender {
    let mut r = JsRecommender::new().unwrap();
    r.set_catalog(js(CATALOG)).unwrap();
    let mut events = Vec::new();
    for (s, basket) in [
        ("b1", ["milk", "bread", "butter"]),
        ("b2", ["milk", "bread", "jam"]),
        ("b3", ["beer", "chips", "soda"]),
        ("b4", ["milk", "butter", "jam"]),
    ] {
        for (i, item) in basket.iter().enumerate() {
            events.push(format!(
                r#"{{"kind":"purchase","item":"{item}","session":"{s}","timestamp":{}}}"#,
                1_000 + i
            ));
        }
    }
    let summary = r
        .record_many(js(&format!("[{}]", events.join(","))))
        .unwrap();
    assert!(
        json(&summary).contains(r#""kept":12"#),
        "{}",
        json(&summary)
    );
    r
}

pub fn cosine_crosses_the_boundary() {
    let s = cosine(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]).unwrap();
    assert!((s - 1.0).abs() < 1e-6, "got {s}");
    assert_eq!(cosine(&[0.0, 0.0], &[1.0, 1.0]).unwrap(), 0.0);
}

pub fn bad_input_throws_an_error_naming_the_problem() {
    let err = cosine(&[1.0], &[1.0, 2.0]).unwrap_err();
    let msg = message(err);
    assert!(msg.contains("dimension mismatch"), "{msg}");
    assert!(msg.contains("length 2"), "{msg}");
}

pub fn also_buy_suggests_with_reasons_and_never_the_cart() {
    let r = shop();
    let out = r.also_buy(js(r#"{"cart": ["milk"], "k": 3}"#)).unwrap();
    let text = json(&out);
    let list: Vec<serde_json_like::Suggestion> = serde_wasm_bindgen::from_value(out).unwrap();
    assert_eq!(list.len(), 3, "{text}");
    assert!(list.iter().all(|s| s.item != "milk"), "{text}");
    assert!(
        list.iter().all(|s| s.item != "chips"),
        "out of stock: {text}"
    );
    assert!(list.iter().all(|s| !s.reasons.is_empty()), "{text}");
    // bread and butter are each bought with milk twice, jam once: bought_with leads the list.
    assert!(
        ["bread", "butter"].contains(&list[0].item.as_str()),
        "{text}"
    );
    assert_eq!(list[0].reasons[0].kind, "bought_with", "{text}");
    assert_eq!(list[0].reasons[0].item.as_deref(), Some("milk"), "{text}");
}

pub fn errors_name_field_and_value_and_the_instance_survives() {
    let mut r = shop();
    let bad_price = r
        .set_catalog(js(r#"[{"id": "x", "price": -3}]"#))
        .unwrap_err();
    let msg = message(bad_price);
    assert!(msg.contains("price") && msg.contains("-3"), "{msg}");

    let bad_kind = r
        .record(js(r#"{"kind": "teleport", "item": "milk"}"#))
        .unwrap_err();
    let msg = message(bad_kind);
    assert!(msg.contains("kind") && msg.contains("teleport"), "{msg}");

    let wrong_type = r.also_buy(js(r#"{"cart": ["milk", 7]}"#)).unwrap_err();
    let msg = message(wrong_type);
    assert!(msg.contains("cart[1]"), "{msg}");

    let missing_id = r.record(js(r#"{"kind": "view"}"#)).unwrap_err();
    let msg = message(missing_id);
    assert!(msg.contains("item"), "{msg}");

    // Still usable, catalogue unchanged.
    assert!(r.record(js(r#"{"kind": "view", "item": "jam"}"#)).unwrap());
    let out = r.also_buy(js(r#"{"item": "bread", "k": 2}"#)).unwrap();
    assert_eq!(js_sys::Array::from(&out).length(), 2);
    assert!(r.item("milk").unwrap().is_object());
    assert!(r.item("nope").unwrap().is_undefined());
}

/// A JS iterable that is not an array (a `Set`) is read like an array, as serde-wasm-bindgen reads it, and the
/// path in an error names every step down to the bad element (src/wasm/dto.rs tracks it).
pub fn iterables_read_like_arrays_and_paths_name_every_step() {
    let mut r = shop();
    let query = |cart: &str| {
        let q = js_sys::Object::new();
        let set = js_sys::Set::new(&js(cart));
        js_sys::Reflect::set(&q, &"cart".into(), &set).unwrap();
        js_sys::Reflect::set(&q, &"k".into(), &3.into()).unwrap();
        JsValue::from(q)
    };
    let from_set = r.also_buy(query(r#"["bread"]"#)).unwrap();
    let from_array = r.also_buy(js(r#"{"cart": ["bread"], "k": 3}"#)).unwrap();
    let json = |v: &JsValue| String::from(js_sys::JSON::stringify(v).unwrap());
    assert_eq!(json(&from_set), json(&from_array));
    assert_eq!(js_sys::Array::from(&from_set).length(), 3);

    let msg = message(r.also_buy(query(r#"["bread", 7]"#)).unwrap_err());
    assert_eq!(
        msg,
        r#"alsobuy: invalid query: field "cart[1]": expected a string, got number 7"#
    );
    let msg = message(
        r.set_catalog(js(r#"[{"id": "a"}, {"id": "b", "tags": ["x", 5]}]"#))
            .unwrap_err(),
    );
    assert_eq!(
        msg,
        r#"alsobuy: invalid catalog: field "[1].tags[1]": expected a string, got number 5"#
    );
    // An object where an array belongs; an array where an item belongs is read as an object without an id.
    let msg = message(r.set_catalog(js(r#"{"id": "a"}"#)).unwrap_err());
    assert_eq!(
        msg,
        "alsobuy: invalid catalog: expected an array, got an object"
    );
    let msg = message(r.set_catalog(js(r#"[["a"]]"#)).unwrap_err());
    assert_eq!(
        msg,
        r#"alsobuy: invalid catalog: field "[0]": missing field `id`"#
    );
    assert!(r.item("milk").unwrap().is_object());
}

pub fn packs_round_trip_and_corruption_is_an_error() {
    let r = shop();
    let pack = r.export_pack().unwrap();
    let back = JsRecommender::from_pack(&pack).unwrap();
    let q = r#"{"cart": ["bread"], "k": 4}"#;
    // The pack carries aggregates, not the shopper's events: the population part of the answer is the same.
    let a: Vec<serde_json_like::Suggestion> =
        serde_wasm_bindgen::from_value(r.also_buy(js(q)).unwrap()).unwrap();
    let b: Vec<serde_json_like::Suggestion> =
        serde_wasm_bindgen::from_value(back.also_buy(js(q)).unwrap()).unwrap();
    assert_eq!(a.len(), b.len());
    assert_eq!(a[0].item, b[0].item);
    let stats = json(&back.stats().unwrap());
    assert!(
        stats.contains(r#""events":0"#),
        "a pack never carries the shopper's events: {stats}"
    );

    let mut truncated = pack.clone();
    truncated.truncate(pack.len() / 2);
    assert!(JsRecommender::from_pack(&truncated).is_err());
    let mut flipped = pack.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0xff;
    let msg = message(
        JsRecommender::from_pack(&flipped)
            .err()
            .expect("corrupted pack must fail"),
    );
    assert!(!msg.is_empty());
    assert!(JsRecommender::from_pack(b"garbage").is_err());
}

/// Plain mirrors of the JS results, for reading them back in tests.
pub mod serde_json_like {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    pub struct Reason {
        pub kind: String,
        pub item: Option<String>,
        pub share: f32,
    }

    #[derive(Debug, Deserialize)]
    pub struct Suggestion {
        pub item: String,
        pub score: f32,
        pub reasons: Vec<Reason>,
    }
}

#[cfg(feature = "models")] // `VectorIndex`, `Mlp`: the module alsobuy/models
pub fn vector_index_finds_the_nearest_rows() {
    use alsobuy::wasm::index::JsVectorIndex;
    // rows: e0, e1, (1,1)/√2, zero
    let idx = JsVectorIndex::new(&[1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0], 2).unwrap();
    assert_eq!(idx.len(), 4);
    let hits = idx.top_k(&[2.0, 0.1], 2).unwrap();
    assert_eq!(hits.indices(), vec![0, 2]);
    assert!(
        (hits.scores()[0] - 0.99875).abs() < 1e-3,
        "{:?}",
        hits.scores()
    );
    let batch = idx.top_k_batch(&[0.0, 1.0, 1.0, 1.0], 1).unwrap();
    assert_eq!(batch.indices(), vec![1, 2]);
    assert!(message(JsVectorIndex::new(&[1.0, 2.0, 3.0], 2).err().unwrap()).contains("matrix"));
    assert!(message(idx.top_k(&[f32::NAN, 1.0], 1).err().unwrap()).contains("NaN"));
}

#[cfg(feature = "models")]
pub fn mlp_learns_xor_through_the_boundary() {
    use alsobuy::wasm::model::JsMlp;
    let mut mlp = JsMlp::new(js(
        r#"{"inputs": 2, "hidden": [8, 8], "seed": 7, "learningRate": 0.05, "batchSize": 4}"#,
    ))
    .unwrap();
    let x: Vec<f32> = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
        .iter()
        .cycle()
        .take(64)
        .flatten()
        .copied()
        .collect();
    let y: Vec<f32> = [0.0, 1.0, 1.0, 0.0]
        .iter()
        .cycle()
        .take(64)
        .copied()
        .collect();
    let first = mlp.train_epoch(&x, &y).unwrap();
    let last = mlp.fit(&x, &y, 150).unwrap();
    assert!(last < first * 0.5, "loss {first} → {last}");
    let p = mlp
        .predict(&[0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0])
        .unwrap();
    assert!(
        p[0] < 0.5 && p[1] > 0.5 && p[2] > 0.5 && p[3] < 0.5,
        "{p:?}"
    );
    assert!(message(mlp.predict(&[1.0, 2.0, 3.0]).err().unwrap()).contains("multiple"));
    let bad = JsMlp::new(js(r#"{"inputs": 0}"#)).err().unwrap();
    assert!(message(bad).contains("input_dim"));
    let nan = mlp.train_epoch(&[f32::NAN, 0.0], &[1.0]).err().unwrap();
    assert!(message(nan).contains("finite"));
}

/// A pack written natively (tests/pack_fixture.rs keeps it current) gives, in wasm, exactly the suggestions
/// and the bit-identical scores the native build computed.
pub fn a_native_pack_gives_identical_suggestions() {
    let pack = include_bytes!("../fixtures/shop-v1.pack");
    let expected = js(include_str!("../fixtures/shop-v1.expected.json"));
    let rec = JsRecommender::from_pack(pack).unwrap();
    let cases = js_sys::Array::from(&expected);
    assert_eq!(cases.length(), 5);
    for case in cases.iter() {
        let get = |o: &JsValue, k: &str| js_sys::Reflect::get(o, &k.into()).unwrap();
        let query = get(&case, "query");
        let want = js_sys::Array::from(&get(&case, "suggestions"));
        let got = js_sys::Array::from(&rec.also_buy(query.clone()).unwrap());
        assert_eq!(got.length(), want.length(), "{}", json(&query));
        for (g, w) in got.iter().zip(want.iter()) {
            assert_eq!(
                get(&g, "item").as_string(),
                get(&w, "item").as_string(),
                "{}",
                json(&query)
            );
            let (gs, ws) = (
                get(&g, "score").as_f64().unwrap(),
                get(&w, "score").as_f64().unwrap(),
            );
            assert_eq!(
                gs.to_bits(),
                ws.to_bits(),
                "score of {:?} for {}",
                get(&g, "item"),
                json(&query)
            );
        }
    }
}

/// The v2 fixture (a pack with a re-ranker trained natively, tests/pack_fixture.rs): the re-ranked
/// suggestions, their reason kinds and bit-identical scores as natively; and training further in wasm from
/// the same pack and events gives, bit for bit, the model native training gave (its blob's CRC-32).
pub fn a_native_trained_pack_gives_identical_reranked_scores_and_training() {
    use alsobuy::events::{Event, EventKind};
    use alsobuy::recommend::Recommender;
    let pack: &[u8] = include_bytes!("../fixtures/shop-v2.pack");
    let expected = js(include_str!("../fixtures/shop-v2.expected.json"));
    let get = |o: &JsValue, k: &str| js_sys::Reflect::get(o, &k.into()).unwrap();
    let rec = JsRecommender::from_pack(pack).unwrap();
    let stats = json(&rec.stats().unwrap());
    assert!(
        stats.contains(r#""loaded":true"#) && stats.contains(r#""personal":false"#),
        "{stats}"
    );
    let cases = js_sys::Array::from(&get(&expected, "cases"));
    assert_eq!(cases.length(), 5);
    let mut learned = 0;
    for case in cases.iter() {
        let query = get(&case, "query");
        let want = js_sys::Array::from(&get(&case, "suggestions"));
        let got = js_sys::Array::from(&rec.also_buy(query.clone()).unwrap());
        assert_eq!(got.length(), want.length(), "{}", json(&query));
        for (g, w) in got.iter().zip(want.iter()) {
            assert_eq!(get(&g, "item").as_string(), get(&w, "item").as_string());
            let (gs, ws) = (
                get(&g, "score").as_f64().unwrap(),
                get(&w, "score").as_f64().unwrap(),
            );
            assert_eq!(gs.to_bits(), ws.to_bits(), "score of {:?}", get(&g, "item"));
            let kinds: Vec<String> = js_sys::Array::from(&get(&g, "reasons"))
                .iter()
                .map(|r| get(&r, "kind").as_string().unwrap())
                .collect();
            let want_kinds: Vec<String> = js_sys::Array::from(&get(&w, "reasons"))
                .iter()
                .map(|k| k.as_string().unwrap())
                .collect();
            assert_eq!(kinds, want_kinds);
            learned += kinds.iter().filter(|k| *k == "learned").count();
        }
    }
    assert!(learned > 0, "the model moved some suggestions up");

    let mut r = Recommender::from_pack(pack).unwrap();
    for (i, e) in js_sys::Array::from(&get(&expected, "shopper"))
        .iter()
        .enumerate()
    {
        let kind = EventKind::parse(&get(&e, "kind").as_string().unwrap()).unwrap();
        let item = get(&e, "item").as_string().unwrap();
        r.record(&Event::new(kind, &item, "me", 1000.0 + i as f64))
            .unwrap();
    }
    r.train(2).unwrap();
    let crc = alsobuy::crc32::hash(&r.model_bytes().unwrap().unwrap());
    let want = get(&expected, "trained_further_crc32").as_f64().unwrap() as u32;
    assert_eq!(
        crc, want,
        "training in wasm gives the natively trained weights"
    );
}

/// `train()` (cargo feature `models`: the module alsobuy/models) through the boundary: a Promise, progress reported in slices, the model installed and
/// reported by `stats().model`; bad options and no training data reject with errors naming the problem.
#[cfg(feature = "models")]
pub async fn train_resolves_with_progress_and_installs_the_model() {
    use std::cell::RefCell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    let r = shop();
    assert!(json(&r.stats().unwrap()).contains(r#""loaded":false"#));
    let seen: Rc<RefCell<Vec<String>>> = Rc::default();
    let sink = seen.clone();
    let cb = Closure::<dyn FnMut(JsValue)>::new(move |p: JsValue| sink.borrow_mut().push(json(&p)));
    let options = js(r#"{"epochs": 40, "sliceMs": 1}"#);
    js_sys::Reflect::set(&options, &"onProgress".into(), cb.as_ref().unchecked_ref()).unwrap();
    let info = JsFuture::from(r.train(Some(options.into()))).await.unwrap();
    let info = json(&info);
    assert!(
        info.contains(r#""loaded":true"#) && info.contains(r#""personal":true"#),
        "{info}"
    );
    assert!(info.contains(r#""epochs":40"#), "{info}");
    let seen = seen.borrow().clone();
    assert!(seen.len() >= 2, "progress in slices: {seen:?}");
    assert!(seen.last().unwrap().contains(r#""done":true"#), "{seen:?}");
    assert!(seen.last().unwrap().contains(r#""fraction":1"#), "{seen:?}");
    assert!(seen[0].contains(r#""done":false"#), "{seen:?}");
    let stats = json(&r.stats().unwrap());
    assert!(stats.contains(r#""loss":"#), "{stats}");
    // Still answers, with reasons summing to 1.
    let out: Vec<serde_json_like::Suggestion> =
        serde_wasm_bindgen::from_value(r.also_buy(js(r#"{"item": "milk", "k": 4}"#)).unwrap())
            .unwrap();
    assert_eq!(out.len(), 4);
    for s in &out {
        let sum: f32 = s.reasons.iter().map(|x| x.share).sum();
        assert!((sum - 1.0).abs() < 1e-4, "{s:?}");
    }

    let reject = |v: JsValue| async move {
        let e = JsFuture::from(r_train(v)).await.unwrap_err();
        String::from(e.unchecked_into::<js_sys::Error>().message())
    };
    fn r_train(v: JsValue) -> js_sys::Promise {
        shop().train(Some(v.into()))
    }
    let msg = reject(js(r#"{"epochs": 0}"#)).await;
    assert!(msg.contains("epochs") && msg.contains('0'), "{msg}");
    let msg = reject(js(r#"{"epochs": "many"}"#)).await;
    assert!(msg.contains("epochs"), "{msg}");
    let msg = reject(js(r#"{"onProgress": 5}"#)).await;
    assert!(msg.contains("onProgress"), "{msg}");
    let msg = reject(js(r#"{"sliceMs": 0}"#)).await;
    assert!(msg.contains("sliceMs"), "{msg}");
    let empty = JsRecommender::new().unwrap();
    let e = JsFuture::from(empty.train(None)).await.unwrap_err();
    let msg = String::from(e.unchecked_into::<js_sys::Error>().message());
    assert!(msg.contains("empty training set"), "{msg}");
}

/// The widget's module keeps the online fine-tune (no `train` needed): with the pack's model loaded, an
/// impression and a click of a suggestion after a view in the same session update the model in place.
pub fn feedback_fine_tunes_the_packs_model_online() {
    let get = |o: &JsValue, k: &str| js_sys::Reflect::get(o, &k.into()).unwrap();
    let updates = |r: &JsRecommender| {
        get(&get(&r.stats().unwrap(), "model"), "onlineUpdates")
            .as_f64()
            .unwrap()
    };
    let mut rec = JsRecommender::from_pack(include_bytes!("../fixtures/shop-v2.pack")).unwrap();
    assert_eq!(updates(&rec), 0.0);
    let top = js_sys::Array::from(&rec.also_buy(js(r#"{"k": 2}"#)).unwrap());
    let item = |i: u32| get(&top.get(i), "item").as_string().unwrap();
    let (seen, suggested) = (item(0), item(1));
    for (kind, id) in [
        ("view", &seen),
        ("impression", &suggested),
        ("click", &suggested),
    ] {
        let event = format!(r#"{{"kind": "{kind}", "item": "{id}", "session": "s"}}"#);
        assert!(rec.record(js(&event)).unwrap(), "{event} kept");
    }
    assert_eq!(
        updates(&rec),
        2.0,
        "the impression and the click each fine-tuned the model"
    );
    let stats = json(&rec.stats().unwrap());
    assert!(stats.contains(r#""personal":true"#), "{stats}");
}
