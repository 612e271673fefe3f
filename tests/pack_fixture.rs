//! The committed pack fixture (`tests/fixtures/shop-v1.pack`) and its expected suggestions: rebuilt natively
//! here and compared byte for byte, so the fixture the wasm suites load (tests/wasm_common) is exactly what
//! this build writes. Regenerate after a deliberate format or model change with
//! `ALSOBUY_UPDATE_FIXTURES=1 cargo test --test pack_fixture`.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use alsobuy::catalog::Item;
use alsobuy::events::{Event, EventKind};
use alsobuy::recommend::{Query, Recommender, RecommenderConfig};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{json, Value};

const PACK: &str = "tests/fixtures/shop-v1.pack";
const EXPECTED: &str = "tests/fixtures/shop-v1.expected.json";

fn shop() -> Recommender {
    let cats = [
        "dairy/milk",
        "dairy/cheese",
        "bakery/bread",
        "drinks/beer",
        "drinks/soda",
        "snacks/chips",
    ];
    let items: Vec<Item> = (0..36)
        .map(|i| {
            let mut it = Item::new(&format!("p{i:02}"), cats[i % cats.len()]);
            it.name = format!("Product {i}");
            it.brand = (i % 4 == 0).then(|| format!("brand{}", i % 3));
            it.price = Some(0.5 + (i as f64) * 0.37);
            it.in_stock = i % 11 != 5;
            it
        })
        .collect();
    let mut r = Recommender::new(RecommenderConfig::default()).unwrap();
    r.set_catalog(items).unwrap();
    let mut rng = StdRng::seed_from_u64(2026);
    for b in 0..400u32 {
        let anchor = rng.random_range(0..36u32);
        let len = rng.random_range(2..6u32);
        for j in 0..len {
            // items near the anchor co-occur: a learnable structure
            let item = (anchor + j * rng.random_range(1..4u32)) % 36;
            let e = Event::new(
                EventKind::Purchase,
                &format!("p{item:02}"),
                &format!("b{b}"),
                f64::from(b),
            );
            r.record(&e).unwrap();
        }
    }
    r
}

fn queries() -> Vec<Value> {
    vec![
        json!({"item": "p00", "k": 5}),
        json!({"item": "p07", "k": 8}),
        json!({"cart": ["p01", "p02"], "k": 6}),
        json!({"item": "p30", "cart": ["p31"], "k": 4}),
        json!({"k": 3}),
    ]
}

fn answer(r: &Recommender, q: &Value) -> Value {
    let query = Query {
        item: q["item"].as_str().map(str::to_owned),
        cart: q["cart"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        k: q["k"].as_u64().unwrap() as usize,
        ..Query::default()
    };
    let out = r.also_buy(&query).unwrap();
    json!(out
        .iter()
        .map(|s| json!({"item": s.item, "score": s.score}))
        .collect::<Vec<_>>())
}

#[test]
fn the_committed_pack_fixture_is_what_this_build_writes() {
    let pack = shop().export_pack().unwrap();
    let browser = Recommender::from_pack(&pack).unwrap();
    let expected: Vec<Value> = queries()
        .iter()
        .map(|q| json!({"query": q, "suggestions": answer(&browser, q)}))
        .collect();
    let expected = serde_json::to_string_pretty(&expected).unwrap();
    if std::env::var_os("ALSOBUY_UPDATE_FIXTURES").is_some() {
        std::fs::write(PACK, &pack).unwrap();
        std::fs::write(EXPECTED, &expected).unwrap();
    }
    let committed =
        std::fs::read(PACK).expect("fixture missing: run with ALSOBUY_UPDATE_FIXTURES=1");
    assert!(
        committed == pack,
        "{PACK} is stale: regenerate it (see the file's doc)"
    );
    assert_eq!(
        std::fs::read_to_string(EXPECTED).unwrap(),
        expected,
        "{EXPECTED} is stale"
    );
    // The fixture exercises the rules: an out-of-stock item exists and is never suggested.
    assert!(!expected.contains("\"p05\""));
}
