//! The offline models' cross-check fixture, `tests/fixtures/models.json`: a small shop (events, catalogue,
//! queries) and, for every model name, the items and the f32 score bits the native build ranks. The wasm suites
//! (`tests/models_node.rs`, `tests/models_web.rs`, feature `models`) fit the JS `Model` on the same rows and
//! must return the same items with bit-identical scores; here the fixture is recomputed natively through the
//! core entry (`TrainingData` → `FittedModel`) and compared, and `alsobuy recommend` on the same rows as CSV
//! must write the same items and scores (to its 6 decimals).
//!
//! After a deliberate model change, regenerate with
//! `ALSOBUY_UPDATE_FIXTURES=1 cargo test --test models_fixture`.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use alsobuy::scorers::fitted::{seconds_from_f64, TrainEventKind, TrainingData};
use alsobuy::scorers::MODEL_NAMES;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{json, Value};

const FIXTURE: &str = "tests/fixtures/models.json";
const SEED: u64 = 42;

/// The shop: 40 products (36 in the catalogue, plus 2 catalogue-only ones), 30 users, 100 baskets with
/// co-occurring neighbours, some anonymous and some without a session id.
fn input() -> Value {
    let cats = ["dairy", "bakery", "drinks", "snacks", "fruit"];
    let mut items = Vec::new();
    for i in 0..38u32 {
        if (36..38).contains(&i) || i % 10 != 9 {
            let mut it =
                json!({"item": format!("p{i:02}"), "category": cats[i as usize % cats.len()]});
            if i % 3 == 0 {
                it["brand"] = json!(format!("b{}", i % 4));
            }
            if i % 5 != 4 {
                it["price"] = json!(0.5 + f64::from(i) * 0.25);
            }
            items.push(it);
        }
    }
    let mut rng = StdRng::seed_from_u64(7);
    let kinds = ["view", "cart", "purchase"];
    let mut events = Vec::new();
    let mut t = 1_000;
    for b in 0..100u32 {
        let anchor = rng.random_range(0..40u32);
        let len = rng.random_range(2..6u32);
        let user = rng.random_range(0..40u32);
        for j in 0..len {
            let item = (anchor + j * rng.random_range(1..3u32)) % 40;
            t += rng.random_range(1..100i64);
            let mut e = json!({
                "item": format!("p{item:02}"),
                "kind": kinds[rng.random_range(0..3usize)],
                "timestamp": t,
            });
            // users 30..40 are anonymous; every 7th basket of a named user has no session id
            if user < 30 {
                e["user"] = json!(format!("u{user}"));
            }
            if user >= 30 || b % 7 != 0 {
                e["session"] = json!(format!("s{b}"));
            }
            events.push(e);
        }
    }
    let queries = json!([
        {"context": ["p00"], "k": 5},
        {"user": "u1", "context": ["p03", "p04"], "k": 6, "excludeHistory": true},
        {"user": "u2", "k": 8},
        {"user": "nobody", "context": ["p05", "no-such-item", "p05"], "k": 4},
        {"user": "u3", "context": ["p10"], "k": 50},
        {"context": [], "k": 3},
    ]);
    json!({"seed": SEED, "items": items, "events": events, "queries": queries})
}

fn s(v: &Value) -> Option<&str> {
    v.as_str()
}

/// The native answers of model `name` to every query, through the core entry the CLI and `Model` share.
fn answers(input: &Value, name: &str) -> Value {
    let mut data = TrainingData::new();
    for it in input["items"].as_array().unwrap() {
        data.add_item(
            s(&it["item"]).unwrap(),
            s(&it["category"]).unwrap_or(""),
            s(&it["brand"]),
            it["price"].as_f64(),
        )
        .unwrap();
    }
    for e in input["events"].as_array().unwrap() {
        data.add_event(
            s(&e["user"]),
            s(&e["session"]),
            s(&e["item"]).unwrap(),
            TrainEventKind::parse(s(&e["kind"]).unwrap()).unwrap(),
            seconds_from_f64(e["timestamp"].as_f64().unwrap()).unwrap(),
        )
        .unwrap();
    }
    let model = data.fit(name, SEED).unwrap();
    let per_query: Vec<Value> = input["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            let context: Vec<&str> = q["context"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let recs = model
                .recommend(
                    s(&q["user"]),
                    context,
                    q["k"].as_u64().unwrap() as usize,
                    q["excludeHistory"].as_bool().unwrap_or(false),
                )
                .unwrap();
            json!(recs
                .iter()
                .map(|&(i, score)| json!({
                    "item": model.item_id(i).unwrap(),
                    "score": score,
                    "bits": score.to_bits(),
                }))
                .collect::<Vec<_>>())
        })
        .collect();
    json!(per_query)
}

fn expected(input: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for &name in MODEL_NAMES {
        out.insert(name.to_owned(), answers(input, name));
    }
    Value::Object(out)
}

/// Per query, the (item, score bits) list: what must match exactly (the readable `score` is decimal text).
fn ranked(per_query: &Value) -> Vec<Vec<(String, u64)>> {
    per_query
        .as_array()
        .unwrap()
        .iter()
        .map(|recs| {
            recs.as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["item"].as_str().unwrap().to_owned(),
                        r["bits"].as_u64().unwrap(),
                    )
                })
                .collect()
        })
        .collect()
}

#[test]
fn the_models_fixture_is_what_this_build_ranks() {
    let mut fixture = input();
    fixture["expected"] = expected(&fixture);
    let text = serde_json::to_string_pretty(&fixture).unwrap() + "\n";
    if std::env::var_os("ALSOBUY_UPDATE_FIXTURES").is_some() {
        std::fs::write(FIXTURE, &text).unwrap();
    }
    let committed = std::fs::read_to_string(FIXTURE).unwrap();
    let committed: Value = serde_json::from_str(&committed).unwrap();
    for &name in MODEL_NAMES {
        assert_eq!(
            ranked(&committed["expected"][name]),
            ranked(&fixture["expected"][name]),
            "{FIXTURE}: model {name} ranks differently now; after a deliberate change regenerate with \
             ALSOBUY_UPDATE_FIXTURES=1 cargo test --test models_fixture"
        );
    }
    for part in ["seed", "items", "events", "queries"] {
        assert_eq!(committed[part], fixture[part], "{FIXTURE}: {part} is stale");
    }
    // Not vacuous: every query of every model ranks something, and the models disagree somewhere.
    for &name in MODEL_NAMES {
        for (q, recs) in fixture["expected"][name]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
        {
            assert!(!recs.as_array().unwrap().is_empty(), "{name} query {q}");
        }
    }
    assert_ne!(
        fixture["expected"]["popular"],
        fixture["expected"]["cooccur"]
    );
}

/// `alsobuy recommend` on the fixture's rows as CSV writes the fixture's items and scores, model by model.
#[test]
fn the_cli_writes_the_fixtures_rankings() {
    let fixture = input();
    // The committed answers (the test above checks they are current): no second native fit here.
    let committed = std::fs::read_to_string(FIXTURE).unwrap();
    let want: Value = serde_json::from_str::<Value>(&committed).unwrap()["expected"].take();
    let dir = tempfile::tempdir().unwrap();
    let mut items = String::from("item,category,brand,price\n");
    for it in fixture["items"].as_array().unwrap() {
        items += &format!(
            "{},{},{},{}\n",
            s(&it["item"]).unwrap(),
            s(&it["category"]).unwrap_or(""),
            s(&it["brand"]).unwrap_or(""),
            it["price"]
                .as_f64()
                .map(|p| p.to_string())
                .unwrap_or_default()
        );
    }
    let mut train = String::from("user,session,item,event,timestamp\n");
    for e in fixture["events"].as_array().unwrap() {
        train += &format!(
            "{},{},{},{},{}\n",
            s(&e["user"]).unwrap_or(""),
            s(&e["session"]).unwrap_or(""),
            s(&e["item"]).unwrap(),
            s(&e["kind"]).unwrap(),
            e["timestamp"]
        );
    }
    std::fs::write(dir.path().join("items.csv"), items).unwrap();
    std::fs::write(dir.path().join("train.csv"), train).unwrap();
    // One run per model and `--exclude-history` setting, all its queries at the largest k: a query's top k
    // is the first k of its ranking (a total order), so each query's expected list is a prefix.
    let queries = fixture["queries"].as_array().unwrap();
    let max_k = queries
        .iter()
        .map(|q| q["k"].as_u64().unwrap())
        .max()
        .unwrap();
    for exclude in [false, true] {
        let mut csv = String::from("query,user,context\n");
        let mut asked = Vec::new();
        for (qi, q) in queries.iter().enumerate() {
            if q["excludeHistory"].as_bool().unwrap_or(false) != exclude {
                continue;
            }
            let context: Vec<&str> = q["context"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            csv += &format!(
                "q{qi},{},{}\n",
                s(&q["user"]).unwrap_or(""),
                context.join(" ")
            );
            asked.push(qi);
        }
        std::fs::write(dir.path().join("q.csv"), csv).unwrap();
        for &name in MODEL_NAMES {
            let out = dir.path().join("out.csv");
            let mut args = vec![
                "recommend".to_owned(),
                "--events".into(),
                dir.path().join("train.csv").display().to_string(),
                "--items".into(),
                dir.path().join("items.csv").display().to_string(),
                "--queries".into(),
                dir.path().join("q.csv").display().to_string(),
                "--out".into(),
                out.display().to_string(),
                "--k".into(),
                max_k.to_string(),
                "--model".into(),
                name.into(),
                "--seed".into(),
                SEED.to_string(),
            ];
            if exclude {
                args.push("--exclude-history".into());
            }
            let run = Command::new(env!("CARGO_BIN_EXE_alsobuy"))
                .args(&args)
                .output()
                .unwrap();
            assert!(
                run.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&run.stderr)
            );
            let csv = std::fs::read_to_string(&out).unwrap();
            for &qi in &asked {
                let k = queries[qi]["k"].as_u64().unwrap() as usize;
                let got: Vec<(String, String)> = csv
                    .lines()
                    .skip(1)
                    .map(|l| l.split(',').collect::<Vec<_>>())
                    .filter(|f| f[0] == format!("q{qi}"))
                    .take(k)
                    .map(|f| (f[2].to_owned(), f[3].to_owned()))
                    .collect();
                let want: Vec<(String, String)> = want[name][qi]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| {
                        (
                            r["item"].as_str().unwrap().to_owned(),
                            format!("{:.6}", f32::from_bits(r["bits"].as_u64().unwrap() as u32)),
                        )
                    })
                    .collect();
                assert_eq!(got, want, "{name}, query {qi}");
            }
        }
    }
}
