//! The bad-input table of `docs/bad-input.md`, JS rows (`J…`): each JS API method against each kind of bad
//! input, called the way a page calls it (JS values built by JS), with the exact `Error.message` it must
//! throw or the accepted outcome. Run by `tests/node.rs` (and `tests/web.rs`); the row ids match the doc's
//! (checked natively by `tests/bad_input.rs`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use crate::wasm_support::{js, message};
use alsobuy::wasm::recommender::JsRecommender;
use wasm_bindgen::JsValue;

fn json(v: &JsValue) -> String {
    String::from(js_sys::JSON::stringify(v).unwrap())
}

const CATALOG: &str = r#"[{id: "milk", category: "dairy/milk", price: 1.1},
  {id: "butter", category: "dairy/butter"}, {id: "bread", category: "bakery"}, {id: "jam"}]"#;

fn shop() -> JsRecommender {
    let mut r = JsRecommender::new().unwrap();
    r.set_catalog(js(CATALOG)).unwrap();
    r.record_many(js(
        r#"[{kind: "purchase", item: "milk", session: "b1", timestamp: 1},
        {kind: "purchase", item: "bread", session: "b1", timestamp: 1},
        {kind: "purchase", item: "milk", session: "b2", timestamp: 2},
        {kind: "purchase", item: "butter", session: "b2", timestamp: 2}]"#,
    ))
    .unwrap();
    r
}

type Outcome = Result<String, String>;

fn set_catalog(items: &str) -> Outcome {
    let mut r = shop();
    r.set_catalog(js(items)).map_err(message)?;
    Ok(format!(
        "{} items",
        json(&r.stats().unwrap())
            .split(r#""items":"#)
            .nth(1)
            .and_then(|s| s.split(',').next())
            .unwrap_or("?")
    ))
}

fn record(event: &str) -> Outcome {
    let mut r = shop();
    let kept = r.record(js(event)).map_err(message)?;
    Ok(format!("kept: {kept}"))
}

fn record_many(events: &str) -> Outcome {
    let mut r = shop();
    let summary = r.record_many(js(events)).map_err(message)?;
    Ok(json(&summary))
}

fn also_buy(query: &str) -> Outcome {
    let r = shop();
    let out = r.also_buy(js(query)).map_err(message)?;
    Ok(format!(
        "{} suggestions",
        js_sys::Array::from(&out).length()
    ))
}

fn pack() -> Vec<u8> {
    shop().export_pack().unwrap()
}

fn from_pack(bytes: &[u8]) -> Outcome {
    let r = JsRecommender::from_pack(bytes).map_err(message)?;
    Ok(format!("stats {}", json(&r.stats().unwrap())))
}

/// One row: id, the call, and the exact outcome (`Ok`: accepted, described; `Err`: the `Error.message`).
pub struct JsRow {
    pub id: &'static str,
    pub run: fn() -> Outcome,
    pub want: Result<&'static str, &'static str>,
}

pub const ROWS: &[JsRow] = &[
    // ----- setCatalog(items) -----
    JsRow {
        id: "J01",
        run: || set_catalog("5"),
        want: Err("alsobuy: invalid catalog: expected an array, got number 5"),
    },
    JsRow {
        id: "J02",
        run: || set_catalog(r#"[{id: 5}]"#),
        want: Err(r#"alsobuy: invalid catalog: field "[0].id": expected a string, got number 5"#),
    },
    JsRow {
        id: "J03",
        run: || set_catalog(r#"[{id: "x", price: "cheap"}]"#),
        want: Err(
            r#"alsobuy: invalid catalog: field "[0].price": expected a number, got string "cheap""#,
        ),
    },
    JsRow {
        id: "J04",
        run: || set_catalog(r#"[{id: "x", price: NaN}]"#),
        want: Err(r#"alsobuy: invalid price NaN for item "x": must be a finite number"#),
    },
    JsRow {
        id: "J05",
        run: || set_catalog(r#"[{id: "x", price: -Infinity}]"#),
        want: Err(r#"alsobuy: invalid price -inf for item "x": must be a finite number"#),
    },
    JsRow {
        id: "J06",
        run: || set_catalog(r#"[{id: "x", price: -3}]"#),
        want: Err(r#"alsobuy: invalid price -3 for item "x": must not be negative"#),
    },
    JsRow {
        id: "J07",
        run: || set_catalog(r#"[{id: "a"}, {id: "a"}]"#),
        want: Err(r#"alsobuy: duplicate item id "a""#),
    },
    JsRow {
        id: "J08",
        run: || set_catalog(r#"[{id: ""}]"#),
        want: Err(r#"alsobuy: invalid item id "": is empty"#),
    },
    JsRow {
        id: "J09",
        run: || set_catalog(r#"[{id: "a".repeat(300)}]"#),
        want: Err(
            r#"alsobuy: invalid item id "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…": is longer than 256 bytes"#,
        ),
    },
    JsRow {
        id: "J10",
        run: || set_catalog(r#"[{id: "x", inStock: "yes"}]"#),
        want: Err(
            r#"alsobuy: invalid catalog: field "[0].inStock": expected a boolean, got string "yes""#,
        ),
    },
    JsRow {
        id: "J11",
        run: || set_catalog("[]"),
        want: Ok("0 items"),
    },
    // ----- record(event) -----
    JsRow {
        id: "J12",
        run: || record("5"),
        want: Err("alsobuy: invalid event: expected an object, got number 5"),
    },
    JsRow {
        id: "J13",
        run: || record(r#"{kind: "view", item: 5}"#),
        want: Err(r#"alsobuy: invalid event: field "item": expected a string, got number 5"#),
    },
    JsRow {
        id: "J14",
        run: || record(r#"{kind: "teleport", item: "milk"}"#),
        want: Err(
            r#"alsobuy: invalid event: field "kind": unknown variant `teleport`, expected one of `view`, `cart`, `remove_from_cart`, `purchase`, `search`, `impression`, `click`"#,
        ),
    },
    JsRow {
        id: "J15",
        run: || record(r#"{item: "milk"}"#),
        want: Err("alsobuy: invalid event: missing field `kind`"),
    },
    JsRow {
        id: "J16",
        run: || record(r#"{kind: "view", item: "milk", timestamp: -5}"#),
        want: Err("alsobuy: invalid timestamp -5: must not be negative"),
    },
    JsRow {
        id: "J17",
        run: || record(r#"{kind: "view", item: "milk", timestamp: NaN}"#),
        want: Err("alsobuy: invalid timestamp NaN: must be a finite number"),
    },
    JsRow {
        id: "J18",
        run: || record(r#"{kind: "view", item: "milk", timestamp: "2024-01-01"}"#),
        want: Err(
            r#"alsobuy: invalid event: field "timestamp": expected a number, got string "2024-01-01""#,
        ),
    },
    JsRow {
        id: "J19",
        run: || record(r#"{kind: "view"}"#),
        want: Err("alsobuy: missing item for a view event"),
    },
    JsRow {
        id: "J20",
        run: || record(r#"{kind: "search", query: ""}"#),
        want: Err("alsobuy: missing query for a search event"),
    },
    JsRow {
        id: "J21",
        run: || record(r#"{kind: "view", item: "x".repeat(300)}"#),
        want: Err(
            r#"alsobuy: invalid item "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…": is longer than 256 bytes"#,
        ),
    },
    JsRow {
        id: "J22",
        run: || {
            let mut r = shop();
            r.record(js(
                r#"{kind: "view", item: "jam", session: "s", timestamp: 9000}"#,
            ))
            .map_err(message)?;
            let kept = r
                .record(js(
                    r#"{kind: "view", item: "bread", session: "s", timestamp: 10}"#,
                ))
                .map_err(message)?;
            Ok(format!("kept: {kept}"))
        },
        want: Ok("kept: true"),
    },
    JsRow {
        id: "J23",
        run: || {
            record(
                r#"{kind: "view", item: "milk", session: "s", timestamp: 5, extra: {any: "thing"}}"#,
            )
        },
        want: Ok("kept: true"),
    },
    // ----- recordMany(events) -----
    JsRow {
        id: "J24",
        run: || record_many(r#""not an array""#),
        want: Err(r#"alsobuy: invalid events: expected an array, got string "not an array""#),
    },
    JsRow {
        id: "J25",
        run: || {
            record_many(
                r#"[{kind: "view", item: "jam", session: "s", timestamp: 1},
            {kind: "view", item: 5, session: "s", timestamp: 2},
            {kind: "view", item: "bread", session: "s", timestamp: 3}]"#,
            )
        },
        want: Ok(
            r#"{"kept":2,"dropped":0,"rejected":1,"errors":["events[1]: field \"item\": expected a string, got number 5"]}"#,
        ),
    },
    JsRow {
        id: "J26",
        run: || {
            record_many(
                r#"[{kind: "view", item: "jam", timestamp: -1}, null, {kind: "view", item: "jam", session: "s", timestamp: 1}, {kind: "view", item: "jam", session: "s", timestamp: 1}]"#,
            )
        },
        want: Ok(
            r#"{"kept":1,"dropped":1,"rejected":2,"errors":["events[0]: invalid timestamp -1: must not be negative","events[1]: expected an object, got null"]}"#,
        ),
    },
    JsRow {
        id: "J27",
        run: || {
            record_many(r#"Array.from({length: 150}, (_, i) => ({kind: "view", item: i}))"#).map(
                |s| {
                    s.split(r#""errors":"#).next().unwrap_or("").to_owned()
                        + &format!("… {}", s.contains("and 50 more rejected events"))
                },
            )
        },
        want: Ok(r#"{"kept":0,"dropped":0,"rejected":150,… true"#),
    },
    // ----- alsoBuy(query) -----
    JsRow {
        id: "J28",
        run: || also_buy("null"),
        want: Err("alsobuy: invalid query: expected an object, got null"),
    },
    JsRow {
        id: "J29",
        run: || also_buy(r#"{cart: ["milk", 7]}"#),
        want: Err(r#"alsobuy: invalid query: field "cart[1]": expected a string, got number 7"#),
    },
    JsRow {
        id: "J30",
        run: || also_buy("{k: -1}"),
        want: Err(
            r#"alsobuy: invalid query: field "k": expected a whole number >= 0, got number -1"#,
        ),
    },
    JsRow {
        id: "J31",
        run: || also_buy("{k: 2.5}"),
        want: Err(
            r#"alsobuy: invalid query: field "k": expected a whole number >= 0, got number 2.5"#,
        ),
    },
    JsRow {
        id: "J32",
        run: || also_buy("{k: 1000}"),
        want: Err("alsobuy: invalid k 1000: is above limits.max_k"),
    },
    JsRow {
        id: "J33",
        run: || also_buy(r#"{item: "milk", minScore: NaN}"#),
        want: Err("alsobuy: minScore must be a finite number, got NaN"),
    },
    JsRow {
        id: "J34",
        run: || also_buy(r#"{item: "m".repeat(300)}"#),
        want: Err(
            r#"alsobuy: invalid item "mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm…": is longer than 256 bytes"#,
        ),
    },
    JsRow {
        id: "J35",
        run: || also_buy(r#"{cart: "milk"}"#),
        want: Err(r#"alsobuy: invalid query: field "cart": expected an array, got string "milk""#),
    },
    JsRow {
        id: "J36",
        run: || also_buy(r#"{item: "no-such-item", k: 3}"#),
        want: Ok("3 suggestions"),
    },
    JsRow {
        id: "J37",
        run: || also_buy("{}"),
        want: Ok("4 suggestions"),
    },
    // ----- Recommender.fromPack(bytes) -----
    JsRow {
        id: "J38",
        run: || from_pack(&[]),
        want: Err("alsobuy: pack is truncated: 0 bytes, needed 20"),
    },
    JsRow {
        id: "J39",
        run: || from_pack(b"<!doctype html><html>404</html>"),
        want: Err(
            "alsobuy: not an alsobuy pack: the first bytes are [3c, 21, 64, 6f, 63, 74, 79, 70]",
        ),
    },
    JsRow {
        id: "J40",
        run: || {
            let p = pack();
            from_pack(&p[..p.len() / 2])
                .map_err(|e| e.split(':').take(2).collect::<Vec<_>>().join(":"))
        },
        want: Err("alsobuy: pack is truncated"),
    },
    JsRow {
        id: "J41",
        run: || {
            let mut p = pack();
            p[8] = 9;
            from_pack(&p)
        },
        want: Err(
            "alsobuy: pack format version 9 is not supported (this build reads versions up to 2)",
        ),
    },
    JsRow {
        id: "J42",
        run: || {
            let mut p = pack();
            let n = p.len() - 2;
            p[n] ^= 1;
            from_pack(&p).map_err(|e| e.split(':').take(2).collect::<Vec<_>>().join(":"))
        },
        want: Err("alsobuy: pack checksum mismatch"),
    },
];

/// A row of `Recommender.open(options)` (async): the options object and the exact `Error.message`.
pub struct JsOpenRow {
    pub id: &'static str,
    pub options: &'static str,
    pub want: &'static str,
}

pub const OPEN_ROWS: &[JsOpenRow] = &[
    JsOpenRow {
        id: "J43",
        options: "{namespace: 5}",
        want: r#"alsobuy: invalid open options: field "namespace": expected a string, got number 5"#,
    },
    JsOpenRow {
        id: "J44",
        options: r#"{namespace: ""}"#,
        want: r#"alsobuy: invalid namespace "": is empty"#,
    },
    JsOpenRow {
        id: "J45",
        options: "{pack: new Uint8Array([1, 2, 3])}",
        want: "alsobuy: not an alsobuy pack: the first bytes are [01, 02, 03]",
    },
    JsOpenRow {
        id: "J46",
        options: "{pack: 42}",
        want: r#"alsobuy: invalid open options: field "pack": expected a Uint8Array, got number 42"#,
    },
    JsOpenRow {
        id: "J47",
        options: "{limits: {maxCatalogItems: 0}}",
        want: "alsobuy: invalid limits.maxCatalogItems 0: must be at least 1",
    },
    JsOpenRow {
        id: "J48",
        options: r#"{limits: {maxK: "many"}}"#,
        want: r#"alsobuy: invalid open options: field "limits.maxK": expected a whole number >= 0, got string "many""#,
    },
    JsOpenRow {
        id: "J49",
        options: "{limits: {maxIdBytes: 300}}",
        want: "alsobuy: invalid limits.maxIdBytes 300: must be at most 256",
    },
];

/// `Recommender.open({ limits })` applies the page's limits: a catalogue over `maxCatalogItems` and a query
/// over `maxK` throw naming the limit, and the instance stays usable within them.
pub async fn open_applies_the_pages_limits() {
    use wasm_bindgen::JsCast;
    let options = js(r#"{namespace: "limits-test", limits: {maxCatalogItems: 3, maxK: 2}}"#);
    let mut r = JsRecommender::open(Some(options.unchecked_into()))
        .await
        .expect("open with limits");
    let err = r.set_catalog(js(CATALOG)).map_err(message).unwrap_err();
    assert!(err.contains("the limit is 3"), "{err}");
    r.set_catalog(js(r#"[{id: "milk"}, {id: "bread"}, {id: "jam"}]"#))
        .expect("a catalogue within the limit");
    let err = r
        .also_buy(js(r#"{item: "milk", k: 3}"#))
        .map_err(message)
        .unwrap_err();
    assert!(err.contains("max_k") || err.contains("maxK"), "{err}");
    assert!(r.also_buy(js(r#"{item: "milk", k: 2}"#)).is_ok());
    // Erases the test's database in a browser; in Node (no IndexedDB) it reports working in memory.
    let _ = wasm_bindgen_futures::JsFuture::from(r.forget()).await;
}

/// Runs every `open` row (each must reject before touching storage).
pub async fn every_open_row_gives_its_documented_outcome() {
    use wasm_bindgen::JsCast;
    let mut failures = Vec::new();
    for row in OPEN_ROWS {
        let got = JsRecommender::open(Some(js(row.options).unchecked_into()))
            .await
            .map(|_| "opened".to_owned())
            .map_err(message);
        if got != Err(row.want.to_owned()) {
            failures.push(format!(
                "{}: got {got:?}\n      want {:?}",
                row.id, row.want
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "open rows that differ:\n{}",
        failures.join("\n")
    );
}

/// Runs every row, then checks the instance a bad call was made on still answers.
pub fn every_js_row_gives_its_documented_outcome() {
    let mut failures = Vec::new();
    for row in ROWS {
        let got = (row.run)();
        let want = row.want.map(str::to_owned).map_err(str::to_owned);
        if got != want {
            failures.push(format!("{}: got {got:?}\n      want {want:?}", row.id));
        }
    }
    assert!(
        failures.is_empty(),
        "JS rows that differ:\n{}",
        failures.join("\n")
    );
    // After every kind of bad call, the same instance still works.
    let mut r = shop();
    for row in [
        "5",
        r#"{kind: "view", item: 5}"#,
        r#"{kind: "view", item: "m", timestamp: NaN}"#,
    ] {
        assert!(r.record(js(row)).is_err());
    }
    assert!(r.set_catalog(js(r#"[{id: "x", price: -1}]"#)).is_err());
    assert!(r.record(js(r#"{kind: "view", item: "jam"}"#)).unwrap());
    let out = r.also_buy(js(r#"{item: "milk", k: 2}"#)).unwrap();
    assert_eq!(js_sys::Array::from(&out).length(), 2);
    assert!(json(&r.stats().unwrap()).contains(r#""items":4"#));
}
