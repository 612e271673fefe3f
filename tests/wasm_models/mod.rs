//! The JS class `Model` (cargo feature `models`): the cross-check against the native build
//! (`tests/fixtures/models.json`, kept current by `tests/models_fixture.rs`) and the `Model` rows of the
//! bad-input table (`J50`…, docs/bad-input.md; the row ids are checked against the doc by
//! `tests/bad_input.rs`). Run by `tests/models_node.rs` (Node) and `tests/models_web.rs` (Chromium):
//! `wasm-pack test --node --features models --test models_node`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use crate::wasm_support::{js, message};
use alsobuy::wasm::models::JsModel;
use wasm_bindgen::JsValue;

fn get(o: &JsValue, k: &str) -> JsValue {
    js_sys::Reflect::get(o, &k.into()).unwrap()
}

/// Distance in ULPs between two finite f32 of the same sign.
fn ulps(a: f32, b: f32) -> u32 {
    (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs() as u32
}

/// For every model name, `Model.fit` on the fixture's rows answers every fixture query with the native
/// build's items, in order, and bit-identical f32 scores (a mismatch reports how many ULPs apart).
pub fn every_model_matches_the_native_rankings() {
    let fixture = js_sys::JSON::parse(include_str!("../fixtures/models.json")).unwrap();
    let names: Vec<String> = JsModel::model_names();
    assert_eq!(names.len(), 8);
    let queries = js_sys::Array::from(&get(&fixture, "queries"));
    assert!(queries.length() >= 5);
    let mut failures = Vec::new();
    for name in &names {
        js_sys::Reflect::set(&fixture, &"model".into(), &name.into()).unwrap();
        let model = JsModel::fit(fixture.clone()).map_err(message).unwrap();
        assert_eq!(&model.name(), name);
        let expected = js_sys::Array::from(&get(&get(&fixture, "expected"), name));
        assert_eq!(expected.length(), queries.length(), "{name}");
        let (mut compared, mut items_differ, mut max_ulps) = (0, 0, 0);
        for (qi, q) in queries.iter().enumerate() {
            let got = js_sys::Array::from(&model.recommend(q).map_err(message).unwrap());
            let want = js_sys::Array::from(&expected.get(qi as u32));
            assert!(want.length() > 0, "{name} query {qi}");
            assert_eq!(got.length(), want.length(), "{name} query {qi}");
            for (g, w) in got.iter().zip(want.iter()) {
                compared += 1;
                if get(&g, "item").as_string() != get(&w, "item").as_string() {
                    items_differ += 1;
                }
                let score = get(&g, "score").as_f64().unwrap();
                // An f32 widened to a JS number: narrowing back is exact.
                assert_eq!(f64::from(score as f32), score);
                let want_score = f32::from_bits(get(&w, "bits").as_f64().unwrap() as u32);
                max_ulps = max_ulps.max(ulps(score as f32, want_score));
            }
        }
        if items_differ > 0 || max_ulps > 0 {
            failures.push(format!(
                "{name}: {items_differ} of {compared} items differ, scores up to {max_ulps} ULPs apart"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `fit` with defaults (`hybrid`, seed 42) and the query defaults (`k` 10); the result's shape; the context
/// is never suggested; `excludeHistory` removes the user's items; limits apply.
pub fn model_defaults_and_semantics() {
    let options = js(r#"{events: [
        {user: "u1", session: "a", item: "milk", kind: "purchase", timestamp: 1},
        {user: "u1", session: "a", item: "bread", kind: "purchase", timestamp: 2},
        {session: "b", item: "milk", kind: "cart", timestamp: 3},
        {session: "b", item: "butter", kind: "purchase", timestamp: 4},
        {user: "u2", item: "jam", kind: "view", timestamp: 5}],
        items: [{item: "tea", category: "drinks", price: 2}]}"#);
    let m = JsModel::fit(options).map_err(message).unwrap();
    assert_eq!(m.name(), "hybrid");
    // A 64-bit field also takes a BigInt in range, as serde-wasm-bindgen's reader did; a negative one is named.
    let one = r#"events: [{session: "a", item: "milk", kind: "view", timestamp: 1}]"#;
    let big = JsModel::fit(js(&format!("{{model: \"popular\", {one}, seed: 7n}}")));
    assert!(big.is_ok(), "seed 7n: {:?}", big.err().map(message));
    let negative = JsModel::fit(js(&format!("{{model: \"popular\", {one}, seed: -1n}}")));
    assert_eq!(
        negative.err().map(message).as_deref(),
        Some("alsobuy: invalid fit options: field \"seed\": expected a whole number >= 0, got a bigint")
    );
    assert_eq!(m.item_count(), 5);
    let all = js_sys::Array::from(&m.recommend(js(r#"{context: ["milk"]}"#)).unwrap());
    assert_eq!(
        all.length(),
        4,
        "k defaults to 10; the catalogue has 4 other items"
    );
    let items: Vec<String> = all
        .iter()
        .map(|r| get(&r, "item").as_string().unwrap())
        .collect();
    assert!(!items.contains(&"milk".to_owned()), "{items:?}");
    let excl = js_sys::Array::from(
        &m.recommend(js(
            r#"{user: "u1", context: ["jam"], excludeHistory: true}"#,
        ))
        .unwrap(),
    );
    let items: Vec<String> = excl
        .iter()
        .map(|r| get(&r, "item").as_string().unwrap())
        .collect();
    assert_eq!(items.len(), 2, "{items:?}");
    for h in ["milk", "bread", "jam"] {
        assert!(!items.contains(&h.to_owned()), "{items:?}");
    }
    let limited = JsModel::fit(js(r#"{model: "popular", limits: {maxK: 2, maxItems: 2},
        events: [{session: "a", item: "x", kind: "view", timestamp: 1},
                 {session: "a", item: "y", kind: "view", timestamp: 2}]}"#))
    .map_err(message)
    .unwrap();
    assert_eq!(
        js_sys::Array::from(&limited.recommend(js("{k: 2}")).unwrap()).length(),
        2
    );
    assert_eq!(
        limited
            .recommend(js("{k: 3}"))
            .map_err(message)
            .unwrap_err(),
        "alsobuy: invalid k 3: is above limits.maxK"
    );
}

type Outcome = Result<String, String>;

fn fit(options: &str) -> Outcome {
    let m = JsModel::fit(js(options)).map_err(message)?;
    Ok(format!("fitted {}", m.name()))
}

const EVENTS: &str = r#"[{session: "a", item: "milk", kind: "purchase", timestamp: 1},
    {session: "a", item: "bread", kind: "purchase", timestamp: 2},
    {session: "b", item: "milk", kind: "purchase", timestamp: 3},
    {session: "b", item: "jam", kind: "purchase", timestamp: 4}]"#;

fn recommend(query: &str) -> Outcome {
    let m = JsModel::fit(js(&format!("{{model: \"cooccur\", events: {EVENTS}}}"))).unwrap();
    let out = m.recommend(js(query)).map_err(message)?;
    Ok(format!("{} items", js_sys::Array::from(&out).length()))
}

/// One row: id, the call, and the exact outcome (`Ok`: accepted, described; `Err`: the `Error.message`).
pub struct ModelRow {
    pub id: &'static str,
    pub run: fn() -> Outcome,
    pub want: Result<&'static str, &'static str>,
}

pub const ROWS: &[ModelRow] = &[
    // ----- Model.fit(options) -----
    ModelRow {
        id: "J50",
        run: || fit(&format!("{{model: \"magic\", events: {EVENTS}}}")),
        want: Err("alsobuy: unknown model \"magic\": expected one of popular, cooccur, content, knn, ease, blend, mlp, hybrid"),
    },
    ModelRow {
        id: "J51",
        run: || fit(r#"{model: "popular", events: []}"#),
        want: Err("alsobuy: no events to fit on: the events are empty"),
    },
    ModelRow {
        id: "J52",
        run: || {
            fit(&format!(
                "{{model: \"ease\", events: {EVENTS}, items: Array.from({{length: 5001}}, (_, i) => ({{item: 'i' + i}}))}}"
            ))
        },
        want: Err("alsobuy: ease needs a dense 5004×5004 matrix: the catalogue has 5004 items, the limit is 5000; use `knn` or `hybrid` (which falls back to kNN)"),
    },
    ModelRow {
        id: "J53",
        run: || fit(r#"{model: "popular", events: "milk"}"#),
        want: Err(r#"alsobuy: invalid fit options: field "events": expected an array, got string "milk""#),
    },
    ModelRow {
        id: "J54",
        run: || fit(r#"{model: "popular"}"#),
        want: Err("alsobuy: invalid fit options: missing field `events`"),
    },
    ModelRow {
        id: "J55",
        run: || fit(r#"{events: [{session: "a", item: "milk", kind: "teleport", timestamp: 1}]}"#),
        want: Err(r#"alsobuy: events[0].kind: unknown event "teleport" (expected view, cart or purchase)"#),
    },
    ModelRow {
        id: "J56",
        run: || fit(r#"{events: [{session: "a", item: "milk", kind: "view", timestamp: 1.5}]}"#),
        want: Err("alsobuy: events[0].timestamp: not an integer number of seconds: 1.5"),
    },
    ModelRow {
        id: "J57",
        run: || fit(r#"{events: [{session: "a", item: "milk", kind: "view"}]}"#),
        want: Err(r#"alsobuy: invalid fit options: field "events[0]": missing field `timestamp`"#),
    },
    ModelRow {
        id: "J58",
        run: || fit(r#"{events: [{item: "milk", kind: "view", timestamp: 1}]}"#),
        want: Err("alsobuy: events[0].session: empty session and empty user: the row belongs to no one"),
    },
    ModelRow {
        id: "J59",
        run: || fit(r#"{events: [{session: "a", item: "milk", kind: "view", timestamp: 1}, {session: "a", item: "", kind: "view", timestamp: 2}]}"#),
        want: Err(r#"alsobuy: events[1].item: invalid item "": is empty"#),
    },
    ModelRow {
        id: "J60",
        run: || fit(&format!("{{events: {EVENTS}, items: [{{item: \"milk\", price: -3}}]}}")),
        want: Err("alsobuy: items[0].price: not a finite non-negative number: -3"),
    },
    ModelRow {
        id: "J61",
        run: || fit(&format!("{{model: \"popular\", events: {EVENTS}, limits: {{maxEvents: 3}}}}")),
        want: Err("alsobuy: events[3]: too many events: the limit is 3"),
    },
    ModelRow {
        id: "J62",
        run: || fit(&format!("{{model: \"popular\", events: {EVENTS}, limits: {{maxItems: 2}}}}")),
        want: Err("alsobuy: events[3]: too many items: the limit is 2"),
    },
    ModelRow {
        id: "J63",
        run: || fit(&format!("{{model: \"popular\", events: {EVENTS}, limits: {{maxK: 0}}}}")),
        want: Err("alsobuy: invalid limits.maxK 0: must be at least 1"),
    },
    ModelRow {
        id: "J64",
        run: || fit(&format!("{{model: \"knn\", events: {EVENTS}, seed: -1}}")),
        want: Err("alsobuy: invalid fit options: field \"seed\": expected a whole number >= 0, got number -1"),
    },
    // ----- model.recommend(query) -----
    ModelRow {
        id: "J65",
        run: || recommend("{k: 0}"),
        want: Err("alsobuy: invalid k 0: must be at least 1"),
    },
    ModelRow {
        id: "J66",
        run: || recommend("{k: 1000}"),
        want: Err("alsobuy: invalid k 1000: is above limits.maxK"),
    },
    ModelRow {
        id: "J67",
        run: || recommend(r#"{context: "milk"}"#),
        want: Err(r#"alsobuy: invalid query: field "context": expected an array, got string "milk""#),
    },
    ModelRow {
        id: "J68",
        run: || recommend("{context: Array.from({length: 501}, (_, i) => 'x' + i)}"),
        want: Err("alsobuy: too many context items in a query: the limit is 500"),
    },
    ModelRow {
        id: "J69",
        run: || recommend(r#"{user: "nobody", context: ["no-such-item"], k: 5}"#),
        want: Ok("3 items"),
    },
];

/// Runs every `Model` row and reports all mismatches at once.
pub fn every_model_row_gives_its_documented_outcome() {
    let mut failures = Vec::new();
    for row in ROWS {
        let got = (row.run)();
        let want = row.want.map(str::to_owned).map_err(str::to_owned);
        if got != want {
            failures.push(format!("{}: got {got:?}, want {want:?}", row.id));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
