//! The committed pack fixtures and their expected suggestions. `shop-v2.pack` (format 2, with a re-ranker
//! trained natively on the shop's history) is rebuilt here and compared byte for byte, so the fixture the wasm
//! suites load (tests/wasm_common) is exactly what this build writes; its expected JSON holds the re-ranked
//! scores and the checksum of a model trained further from it (Node and Chromium must reproduce both bit for
//! bit). `shop-v1.pack` (format 1, written by the previous release) must keep loading with exactly its
//! committed suggestions. Regenerate the v2 fixture after a deliberate format or model change with
//! `ALSOBUY_UPDATE_FIXTURES=1 cargo test --test pack_fixture`.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use alsobuy::catalog::Item;
use alsobuy::events::{Event, EventKind};
use alsobuy::recommend::{Query, Recommender, RecommenderConfig};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{json, Value};

const PACK_V1: &str = "tests/fixtures/shop-v1.pack";
const EXPECTED_V1: &str = "tests/fixtures/shop-v1.expected.json";
const PACK: &str = "tests/fixtures/shop-v2.pack";
const EXPECTED: &str = "tests/fixtures/shop-v2.expected.json";
/// Epochs of the population model in the v2 fixture.
const EPOCHS: usize = 4;

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
    answer_with(r, q, false)
}

fn answer_with(r: &Recommender, q: &Value, reasons: bool) -> Value {
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
        .map(|s| {
            if reasons {
                let kinds: Vec<Value> = s.reasons.iter().map(|r| json!(r.kind)).collect();
                json!({"item": s.item, "score": s.score, "reasons": kinds})
            } else {
                json!({"item": s.item, "score": s.score})
            }
        })
        .collect::<Vec<_>>())
}

/// The shopper's events the wasm suites replay on top of the v2 pack before training further.
pub const SHOPPER: [(&str, &str); 6] = [
    ("view", "p00"),
    ("cart", "p01"),
    ("view", "p07"),
    ("cart", "p08"),
    ("view", "p12"),
    ("purchase", "p13"),
];

/// Trains 2 more epochs on the v2 pack + [`SHOPPER`]; returns the CRC-32 of the resulting model blob.
fn trained_further(pack: &[u8]) -> u32 {
    let mut r = Recommender::from_pack(pack).unwrap();
    for (i, (kind, item)) in SHOPPER.iter().enumerate() {
        let e = Event::new(
            EventKind::parse(kind).unwrap(),
            item,
            "me",
            1000.0 + i as f64,
        );
        r.record(&e).unwrap();
    }
    r.train(2).unwrap();
    crc32fast::hash(&r.model_bytes().unwrap().unwrap())
}

#[test]
fn the_v1_fixture_still_loads_with_its_committed_suggestions() {
    let v1 = std::fs::read(PACK_V1).unwrap();
    assert_eq!(
        u16::from_le_bytes([v1[8], v1[9]]),
        1,
        "{PACK_V1} is format 1"
    );
    let old = Recommender::from_pack(&v1).unwrap();
    assert!(old.model().is_none());
    let expected: Vec<Value> = queries()
        .iter()
        .map(|q| json!({"query": q, "suggestions": answer(&old, q)}))
        .collect();
    assert_eq!(
        std::fs::read_to_string(EXPECTED_V1).unwrap(),
        serde_json::to_string_pretty(&expected).unwrap(),
        "a v1 pack must give exactly the suggestions it gave before"
    );
    // The same shop exported by this build (format 2, no model) decodes to the same recommender.
    let v2 = shop().export_pack().unwrap();
    assert_eq!(u16::from_le_bytes([v2[8], v2[9]]), 2);
    assert_eq!(Recommender::from_pack(&v2).unwrap(), old);
}

#[test]
fn the_committed_v2_pack_fixture_is_what_this_build_writes() {
    let mut shop = shop();
    let stats = shop.train(EPOCHS).unwrap();
    assert!(stats.loss.is_some_and(|l| l < 0.6), "{stats:?}");
    let pack = shop.export_pack().unwrap();
    let browser = Recommender::from_pack(&pack).unwrap();
    assert!(browser.model().is_some());
    let cases: Vec<Value> = queries()
        .iter()
        .map(|q| json!({"query": q, "suggestions": answer_with(&browser, q, true)}))
        .collect();
    let expected = json!({
        "cases": cases,
        "shopper": SHOPPER.iter().map(|(k, i)| json!({"kind": k, "item": i})).collect::<Vec<_>>(),
        "trained_further_crc32": trained_further(&pack),
    });
    let expected = serde_json::to_string_pretty(&expected).unwrap();
    // The re-ranker moves at least one suggestion, and says so.
    assert!(expected.contains("\"learned\""), "{expected}");
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
