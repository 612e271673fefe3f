//! The bad-input table of `docs/bad-input.md`, native rows: every public entry point of the Rust core and the
//! CLI against each kind of bad input, with the exact typed error (message) it must give. One table row here
//! per row there, same ids (`N…` core, `C…` CLI); `the_doc_lists_exactly_these_rows` keeps them in step (and
//! the JS rows `J…` of `tests/wasm_bad_input/mod.rs`).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use alsobuy::catalog::Item;
use alsobuy::events::{CleaningConfig, Event, EventKind};
use alsobuy::recommend::{Limits, Query, RecommenderConfig};
use alsobuy::{Error, Recommender};

/// What a row produced: `Ok` with a description of the accepted outcome, or the error's message.
type Outcome = Result<String, String>;

struct Row {
    id: &'static str,
    run: fn() -> Outcome,
    /// `Ok(..)`: the accepted outcome; `Err(..)`: the exact error message (`Display` of the typed error).
    want: Result<&'static str, &'static str>,
}
fn msg<T>(r: Result<T, Error>) -> Result<T, String> {
    r.map_err(|e| e.to_string())
}

fn shop() -> Recommender {
    let mut r = Recommender::new(RecommenderConfig::default()).unwrap();
    r.set_catalog(vec![
        Item::new("milk", "dairy/milk"),
        Item::new("butter", "dairy/butter"),
        Item::new("bread", "bakery"),
        Item::new("jam", "pantry"),
    ])
    .unwrap();
    for (s, basket) in [("b1", ["milk", "bread"]), ("b2", ["milk", "butter"])] {
        for it in basket {
            r.record(&Event::new(EventKind::Purchase, it, s, 1000.0))
                .unwrap();
        }
    }
    r
}

fn catalog_with(item: Item) -> Outcome {
    let mut r = shop();
    msg(r.set_catalog(vec![Item::new("ok", "x"), item]))?;
    Ok(format!("{} items", r.catalog().len()))
}

fn priced(p: f64) -> Outcome {
    let mut it = Item::new("x", "dairy");
    it.price = Some(p);
    catalog_with(it)
}

fn record(e: Event) -> Outcome {
    let mut r = shop();
    let o = msg(r.record(&e))?;
    Ok(match o.dropped {
        None => "kept".into(),
        Some(d) => format!("dropped: {d:?}"),
    })
}

fn view(item: &str, session: &str, ts: f64) -> Event {
    Event::new(EventKind::View, item, session, ts)
}

fn ask(q: Query) -> Outcome {
    let out = msg(shop().also_buy(&q))?;
    Ok(format!("{} suggestions", out.len()))
}

fn pack() -> Vec<u8> {
    shop().export_pack().unwrap()
}

fn load(bytes: &[u8]) -> Outcome {
    msg(Recommender::from_pack(bytes)).map(|r| format!("{} items", r.catalog().len()))
}

fn long(n: usize) -> String {
    "a".repeat(n)
}

const ROWS: &[Row] = &[
    // ----- Recommender::set_catalog -----
    Row {
        id: "N01",
        run: || {
            let mut r = shop();
            msg(r.set_catalog(vec![]))?;
            Ok(format!("{} items", r.catalog().len()))
        },
        want: Ok("0 items"),
    },
    Row {
        id: "N02",
        run: || catalog_with(Item::new("", "x")),
        want: Err(r#"invalid item id "": is empty"#),
    },
    Row {
        id: "N03",
        run: || catalog_with(Item::new(&long(300), "x")),
        want: Err(
            r#"invalid item id "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…": is longer than 256 bytes"#,
        ),
    },
    Row {
        id: "N04",
        run: || {
            let c = RecommenderConfig::builder()
                .max_id_bytes(16)
                .build()
                .unwrap();
            let mut r = Recommender::new(c).unwrap();
            msg(r.set_catalog(vec![Item::new(&long(20), "x")])).map(|_| String::new())
        },
        want: Err(
            r#"invalid item id "aaaaaaaaaaaaaaaaaaaa": 20 bytes is longer than limits.max_id_bytes (16)"#,
        ),
    },
    Row {
        id: "N05",
        run: || priced(f64::NAN),
        want: Err(r#"invalid price NaN for item "x": must be a finite number"#),
    },
    Row {
        id: "N06",
        run: || priced(f64::INFINITY),
        want: Err(r#"invalid price inf for item "x": must be a finite number"#),
    },
    Row {
        id: "N07",
        run: || priced(-3.0),
        want: Err(r#"invalid price -3 for item "x": must not be negative"#),
    },
    Row {
        id: "N08",
        run: || catalog_with(Item::new("ok", "y")),
        want: Err(r#"duplicate item id "ok""#),
    },
    Row {
        id: "N09",
        run: || {
            let c = RecommenderConfig::builder()
                .max_catalog_items(2)
                .build()
                .unwrap();
            let mut r = Recommender::new(c).unwrap();
            msg(r.set_catalog(vec![
                Item::new("a", ""),
                Item::new("b", ""),
                Item::new("c", ""),
            ]))
            .map(|_| String::new())
        },
        want: Err("too many catalogue items: the limit is 2"),
    },
    Row {
        id: "N10",
        run: || {
            let mut it = Item::new("x", "");
            it.tags = vec!["t".into(); 65];
            catalog_with(it)
        },
        want: Err("too many tags on one item: the limit is 64"),
    },
    Row {
        id: "N11",
        run: || {
            let mut it = Item::new("x", "");
            it.name = long(2000);
            catalog_with(it)
        },
        want: Err(
            r#"invalid name "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…": is longer than 1024 bytes"#,
        ),
    },
    Row {
        id: "N12",
        run: || catalog_with(Item::new("bad\u{7}id", "x")),
        want: Err(r#"invalid item id "bad\u{7}id": contains a control character"#),
    },
    // ----- Recommender::record -----
    Row {
        id: "N13",
        run: || record(view("", "s", 1.0)),
        want: Err(r#"invalid item "": is empty"#),
    },
    Row {
        id: "N14",
        run: || record(view("milk", "s\u{0}", 1.0)),
        want: Err(r#"invalid session "s\0": contains a control character"#),
    },
    Row {
        id: "N15",
        run: || record(view(&long(300), "s", 1.0)),
        want: Err(
            r#"invalid item "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…": is longer than 256 bytes"#,
        ),
    },
    Row {
        id: "N16",
        run: || record(view("milk", "s", f64::NAN)),
        want: Err("invalid timestamp_ms NaN: must be a finite number"),
    },
    Row {
        id: "N17",
        run: || record(view("milk", "s", f64::INFINITY)),
        want: Err("invalid timestamp_ms inf: must be a finite number"),
    },
    Row {
        id: "N18",
        run: || record(view("milk", "s", -5.0)),
        want: Err("invalid timestamp_ms -5: must not be negative"),
    },
    Row {
        id: "N19",
        run: || {
            let mut r = shop();
            r.record(&view("jam", "s", 5000.0)).unwrap();
            let o = msg(r.record(&view("bread", "s", 10.0)))?;
            Ok(format!("kept: {}", o.kept))
        },
        want: Ok("kept: true"),
    },
    Row {
        id: "N20",
        run: || {
            let mut e = view("milk", "s", 1.0);
            e.item = None;
            record(e)
        },
        want: Err("missing item for a view event"),
    },
    Row {
        id: "N21",
        run: || record(Event::search("  ", "s", 1.0)),
        want: Err("missing query for a search event"),
    },
    Row {
        id: "N22",
        run: || record(Event::search(&long(600), "s", 1.0)),
        want: Err(
            r#"invalid query "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…": is longer than 512 bytes"#,
        ),
    },
    Row {
        id: "N23",
        run: || record(view("not-in-the-catalogue", "s", 1.0)),
        want: Ok("kept"),
    },
    Row {
        id: "N24",
        run: || {
            let c = RecommenderConfig::builder().max_events(4).build().unwrap();
            let mut r = Recommender::new(c).unwrap();
            for i in 0..4 {
                r.record(&view("a", "s", f64::from(i) * 1e4)).unwrap();
            }
            msg(r.record(&view("b", "s", 1.0))).map(|_| String::new())
        },
        want: Err("too many events in the log: the limit is 4"),
    },
    Row {
        id: "N25",
        run: || {
            let c = RecommenderConfig::builder()
                .max_events_per_session(2)
                .build()
                .unwrap();
            let mut r = Recommender::new(c).unwrap();
            r.record(&view("a", "s", 0.0)).unwrap();
            r.record(&view("b", "s", 0.0)).unwrap();
            let o = msg(r.record(&view("c", "s", 0.0)))?;
            Ok(format!("dropped: {:?}", o.dropped))
        },
        want: Ok("dropped: Some(SessionCap)"),
    },
    Row {
        id: "N26",
        run: || {
            let mut r = shop();
            r.record(&view("jam", "s", 1.0)).unwrap();
            let o = msg(r.record(&view("jam", "s", 1.0)))?;
            Ok(format!("dropped: {:?}", o.dropped))
        },
        want: Ok("dropped: Some(Duplicate)"),
    },
    Row {
        id: "N27",
        run: || msg(EventKind::parse("teleport")).map(|k| k.as_str().to_owned()),
        want: Err(
            r#"unknown event kind "teleport" (expected one of view, cart, remove_from_cart, purchase, search, impression, click)"#,
        ),
    },
    // ----- Recommender::record_many -----
    Row {
        id: "N28",
        run: || {
            let mut r = shop();
            let rep = r.record_many(&[
                view("jam", "s", 1.0),
                view("", "s", 2.0),
                view("bread", "s", 3.0),
            ]);
            Ok(format!(
                "kept {}, rejected {:?}",
                rep.kept,
                rep.rejected
                    .iter()
                    .map(|x| format!("{}: {}", x.index, x.error))
                    .collect::<Vec<_>>()
            ))
        },
        want: Ok(r#"kept 2, rejected ["1: invalid item \"\": is empty"]"#),
    },
    // ----- Recommender::also_buy -----
    Row {
        id: "N29",
        run: || ask(Query::for_item("milk", 201)),
        want: Err("invalid k 201: is above limits.max_k"),
    },
    Row {
        id: "N30",
        run: || ask(Query::for_cart(&vec!["milk"; 501], 3)),
        want: Err("too many cart items in a query: the limit is 500"),
    },
    Row {
        id: "N31",
        run: || {
            ask(Query {
                min_score: f32::NAN,
                ..Query::for_item("milk", 3)
            })
        },
        want: Err("min_score must be a finite number, got NaN"),
    },
    Row {
        id: "N32",
        run: || ask(Query::for_item("no-such-item", 3)),
        want: Ok("3 suggestions"),
    },
    Row {
        id: "N33",
        run: || ask(Query::for_cart(&["milk", ""], 3)),
        want: Err(r#"invalid cart item "": is empty"#),
    },
    Row {
        id: "N34",
        run: || ask(Query::for_item(&long(300), 3)),
        want: Err(
            r#"invalid item "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…": is longer than 256 bytes"#,
        ),
    },
    Row {
        id: "N35",
        run: || ask(Query::for_item("milk", 0)),
        want: Ok("0 suggestions"),
    },
    Row {
        id: "N36",
        run: || {
            msg(Recommender::new(RecommenderConfig::default())
                .unwrap()
                .also_buy(&Query::default()))
            .map(|s| format!("{} suggestions", s.len()))
        },
        want: Ok("0 suggestions"),
    },
    // ----- Recommender::from_pack / from_bytes -----
    Row {
        id: "N37",
        run: || load(&[]),
        want: Err("pack is truncated: 0 bytes, needed 20"),
    },
    Row {
        id: "N38",
        run: || load(b"hello world, not a pack"),
        want: Err("not an alsobuy pack: the first bytes are [68, 65, 6c, 6c, 6f, 20, 77, 6f]"),
    },
    Row {
        id: "N39",
        run: || {
            let p = pack();
            load(&p[..p.len() / 2]).map_err(|e| e.split(':').next().unwrap_or("").to_owned())
        },
        want: Err("pack is truncated"),
    },
    Row {
        id: "N40",
        run: || {
            let mut p = pack();
            p[8] = 3;
            load(&p)
        },
        want: Err("pack format version 3 is not supported (this build reads versions up to 2)"),
    },
    Row {
        id: "N41",
        run: || load(&shop().to_bytes().unwrap()),
        want: Err("wrong pack kind: expected aggregate pack, found snapshot"),
    },
    Row {
        id: "N42",
        run: || {
            let mut p = pack();
            let n = p.len() - 3;
            p[n] ^= 0x55;
            load(&p).map_err(|e| e.split(':').next().unwrap_or("").to_owned())
        },
        want: Err("pack checksum mismatch"),
    },
    Row {
        id: "N43",
        run: || {
            let payload = [0xffu8; 32];
            let mut p = b"ALSOBUY\0".to_vec();
            p.extend_from_slice(&1u16.to_le_bytes());
            p.extend_from_slice(&[2, 0]);
            p.extend_from_slice(&32u32.to_le_bytes());
            p.extend_from_slice(&alsobuy::crc32::hash(&payload).to_le_bytes());
            p.extend_from_slice(&payload);
            load(&p)
        },
        want: Err(
            "corrupt pack: Found a varint that didn't terminate. Is the usize too big for this platform?",
        ),
    },
    Row {
        id: "N44",
        run: || msg(Recommender::from_pack_with_limit(&pack(), 100)).map(|_| String::new()),
        want: Err("too many pack bytes: the limit is 100"),
    },
    Row {
        id: "N45",
        run: || {
            msg(Recommender::from_pack_with_limits(
                &pack(),
                &Limits {
                    max_catalog_items: 2,
                    ..Limits::default()
                },
            ))
            .map(|_| String::new())
        },
        want: Err("too many catalogue items: the limit is 2"),
    },
    Row {
        id: "N46",
        run: || msg(Recommender::from_bytes(&pack())).map(|_| String::new()),
        want: Err("wrong pack kind: expected snapshot, found aggregate pack"),
    },
    Row {
        id: "N47",
        run: || {
            let mut p = pack();
            p.push(0);
            load(&p)
        },
        want: Err("corrupt pack: 1 unexpected bytes after the payload"),
    },
    // ----- configuration builders -----
    Row {
        id: "N48",
        run: || {
            msg(RecommenderConfig::builder().max_catalog_items(0).build()).map(|_| String::new())
        },
        want: Err("invalid limits.max_catalog_items 0: must be at least 1"),
    },
    Row {
        id: "N49",
        run: || msg(RecommenderConfig::builder().max_id_bytes(300).build()).map(|_| String::new()),
        want: Err("invalid limits.max_id_bytes 300: must be at most 256"),
    },
    Row {
        id: "N50",
        run: || {
            msg(CleaningConfig::builder().max_events_per_session(0).build()).map(|_| String::new())
        },
        want: Err("invalid max_events_per_session 0: must be at least 1"),
    },
    Row {
        id: "N51",
        run: || {
            msg(RecommenderConfig::builder()
                .half_life_ms(Some(f64::NAN))
                .build())
            .map(|_| String::new())
        },
        want: Err("invalid half_life_ms NaN: must be a finite number above 0"),
    },
];

#[test]
fn every_core_row_gives_its_documented_outcome() {
    let mut failures = Vec::new();
    for row in ROWS {
        let got = std::panic::catch_unwind(row.run).unwrap_or_else(|_| Err("PANICKED".into()));
        let want = row.want.map(str::to_owned).map_err(str::to_owned);
        if got != want {
            failures.push(format!("{}: got {got:?}\n      want {want:?}", row.id));
        }
    }
    assert!(
        failures.is_empty(),
        "rows that differ:\n{}",
        failures.join("\n")
    );
}

// ----- the CLI: exit code 2, stderr naming file, line and field -----

struct CliRow {
    id: &'static str,
    /// (file name, content) pairs written to a temp dir.
    files: &'static [(&'static str, &'static str)],
    /// Arguments; `{dir}` is the temp dir.
    args: &'static [&'static str],
    /// Substring of stderr (exit code must be 2).
    stderr: &'static str,
}

const TRAIN_OK: &str =
    "user,session,item,event,timestamp\nu1,s1,milk,purchase,10\nu1,s1,bread,purchase,10\n";
const QUERIES_OK: &str = "query,user,context\nq1,u1,milk\n";
const ITEMS_HDR: &str = "item,category,brand,price\n";

const CLI_ROWS: &[CliRow] = &[
    CliRow { id: "C01", files: &[("train.csv", "user,session,item,event,timestamp\nu1,s1,milk,teleport,10\n"), ("q.csv", QUERIES_OK)],
        args: &["recommend", "--events", "{dir}/train.csv", "--queries", "{dir}/q.csv", "--out", "{dir}/out.csv"],
        stderr: "train.csv: line 2, field `event`: unknown event \"teleport\" (expected view, cart or purchase)" },
    CliRow { id: "C02", files: &[("train.csv", "user,session,item,event,timestamp\nu1,s1,milk,view,yesterday\n"), ("q.csv", QUERIES_OK)],
        args: &["recommend", "--events", "{dir}/train.csv", "--queries", "{dir}/q.csv", "--out", "{dir}/out.csv"],
        stderr: "train.csv: line 2, field `timestamp`: not an integer number of seconds: \"yesterday\"" },
    CliRow { id: "C03", files: &[("train.csv", TRAIN_OK), ("items.csv", "item,category,brand,price\nmilk,dairy,,-3\n"), ("q.csv", QUERIES_OK)],
        args: &["recommend", "--events", "{dir}/train.csv", "--items", "{dir}/items.csv", "--queries", "{dir}/q.csv", "--out", "{dir}/out.csv"],
        stderr: "items.csv: line 2, field `price`: not a finite non-negative number: \"-3\"" },
    CliRow { id: "C04", files: &[("train.csv", "user,session,item,event\nu1,s1,milk,view\n"), ("q.csv", QUERIES_OK)],
        args: &["recommend", "--events", "{dir}/train.csv", "--queries", "{dir}/q.csv", "--out", "{dir}/out.csv"],
        stderr: "train.csv: line 1, field `timestamp`: missing column \"timestamp\"" },
    CliRow { id: "C05", files: &[("train.csv", "user,session,item,event,timestamp\nu1,s1,,view,1\n"), ("q.csv", QUERIES_OK)],
        args: &["recommend", "--events", "{dir}/train.csv", "--queries", "{dir}/q.csv", "--out", "{dir}/out.csv"],
        stderr: "train.csv: line 2, field `item`: invalid item \"\": is empty" },
    CliRow { id: "C06", files: &[("train.csv", TRAIN_OK), ("q.csv", "query,user,context\nq1,u1,milk\nq1,u1,bread\n")],
        args: &["recommend", "--events", "{dir}/train.csv", "--queries", "{dir}/q.csv", "--out", "{dir}/out.csv"],
        stderr: "q.csv: line 3, field `query`: duplicate query id \"q1\"" },
    CliRow { id: "C07", files: &[("baskets.csv", "basket_id,item\n1,milk\n1,\n")],
        args: &["pack", "--baskets", "{dir}/baskets.csv", "--out", "{dir}/shop.pack"],
        stderr: "baskets.csv: line 3, field `item`: invalid item \"\": is empty" },
    CliRow { id: "C08", files: &[("baskets.csv", "basket_id,item\n1,milk\n\u{1},bread\n")],
        args: &["pack", "--baskets", "{dir}/baskets.csv", "--out", "{dir}/shop.pack"],
        stderr: r#"baskets.csv: line 3, field `basket_id`: invalid session "\u{1}": contains a control character"# },
    CliRow { id: "C09", files: &[("train.csv", "user,session,item,event,timestamp\nu1,s1,milk,view,10\nu1,s1,milk,view,-5\n")],
        args: &["pack", "--events", "{dir}/train.csv", "--out", "{dir}/shop.pack"],
        stderr: "train.csv: line 3, field `timestamp`: invalid timestamp_ms -5000: must not be negative" },
    CliRow { id: "C10", files: &[("train.csv", "user,session,item,event,timestamp\nu1,s1,milk,teleport,10\n")],
        args: &["pack", "--events", "{dir}/train.csv", "--out", "{dir}/shop.pack"],
        stderr: "train.csv: line 2, field `event`: unknown event \"teleport\" (view, cart, purchase)" },
    CliRow { id: "C11", files: &[("baskets.csv", "basket_id,item\n1,milk\n"), ("items.csv", "item,category,brand,price\nmilk,dairy,,1\nbread,bakery,,NaN\n")],
        args: &["pack", "--baskets", "{dir}/baskets.csv", "--items", "{dir}/items.csv", "--out", "{dir}/shop.pack"],
        stderr: "items.csv: line 3, field `price`: invalid price NaN for item \"bread\": must be a finite number" },
    CliRow { id: "C12", files: &[("baskets.csv", "basket_id,item\n1,milk\n"), ("items.csv", "item,category,brand,price\nmilk,dairy,,1\nbread,bakery,,\nmilk,dairy,,2\n")],
        args: &["pack", "--baskets", "{dir}/baskets.csv", "--items", "{dir}/items.csv", "--out", "{dir}/shop.pack"],
        stderr: "items.csv: line 4, field `item`: duplicate item id \"milk\"" },
    CliRow { id: "C13", files: &[("baskets.csv", "basket_id,item\n1,milk\n"), ("catalog.json", "[\n  {\"id\": \"milk\", \"price\": 1},\n  {\"id\": \"bread\",\n   \"price\": -3}\n]\n")],
        args: &["pack", "--baskets", "{dir}/baskets.csv", "--catalog", "{dir}/catalog.json", "--out", "{dir}/shop.pack"],
        stderr: "catalog.json: line 3, field `[1].price`: invalid price -3 for item \"bread\": must not be negative" },
    CliRow { id: "C14", files: &[("baskets.csv", "basket_id,item\n1,milk\n"), ("catalog.json", "[\n  {\"id\": \"milk\"},\n  {\"id\": \"bread\", \"price\": \"cheap\"}\n]\n")],
        args: &["pack", "--baskets", "{dir}/baskets.csv", "--catalog", "{dir}/catalog.json", "--out", "{dir}/shop.pack"],
        stderr: "catalog.json: line 3, field `[1].price`: invalid type: string \"cheap\", expected f64" },
    CliRow { id: "C15", files: &[("baskets.csv", "basket_id,item\n1,milk\n"), ("catalog.json", "[{\"id\": \"milk\"}, {\"name\": \"no id\"}]")],
        args: &["pack", "--baskets", "{dir}/baskets.csv", "--catalog", "{dir}/catalog.json", "--out", "{dir}/shop.pack"],
        stderr: "catalog.json: line 1, field `[1]`: missing field `id`" },
    CliRow { id: "C16", files: &[("baskets.csv", "basket_id,item\n1,milk\n"), ("items.csv", ITEMS_HDR)],
        args: &["pack", "--baskets", "{dir}/baskets.csv", "--items", "{dir}/items.csv", "--out", "{dir}/shop.pack"],
        stderr: "" },
    CliRow { id: "C17", files: &[("baskets.csv", "")],
        args: &["pack", "--baskets", "{dir}/baskets.csv", "--out", "{dir}/shop.pack"],
        stderr: "baskets.csv: line 1, field `basket_id`: missing column \"basket_id\"" },
];

#[test]
fn every_cli_row_exits_2_naming_file_line_and_field() {
    let mut failures = Vec::new();
    for row in CLI_ROWS {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        for (name, content) in row.files {
            std::fs::write(dir.path().join(name), content).unwrap();
        }
        let args: Vec<String> = row.args.iter().map(|a| a.replace("{dir}", &d)).collect();
        let out = Command::new(env!("CARGO_BIN_EXE_alsobuy"))
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let out_file = args.last().unwrap();
        if row.stderr.is_empty() {
            // Accepted: an empty catalogue file is no catalogue.
            if !out.status.success() {
                failures.push(format!("{}: expected success, got {stderr}", row.id));
            }
            continue;
        }
        if out.status.code() != Some(2) || !stderr.contains(row.stderr) {
            failures.push(format!(
                "{}: exit {:?}, stderr {stderr:?}\n      want {:?}",
                row.id,
                out.status.code(),
                row.stderr
            ));
        }
        if Path::new(out_file).exists() {
            failures.push(format!("{}: a failed run left {out_file}", row.id));
        }
    }
    assert!(
        failures.is_empty(),
        "CLI rows that differ:\n{}",
        failures.join("\n")
    );
}

// ----- the doc and the tests name the same rows -----

fn ids_in(text: &str, prefix: char) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let b = text.as_bytes();
    for (i, _) in text.match_indices(prefix) {
        let digits = b.get(i + 1..i + 3).unwrap_or(&[]);
        let before_ok = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        let after_ok = b.get(i + 3).is_none_or(|c| !c.is_ascii_alphanumeric());
        if digits.len() == 2 && digits.iter().all(u8::is_ascii_digit) && before_ok && after_ok {
            out.insert(text[i..i + 3].to_owned());
        }
    }
    out
}

#[test]
fn the_doc_lists_exactly_these_rows() {
    let doc = include_str!("../docs/bad-input.md");
    let table_rows: String = doc
        .lines()
        .filter(|l| l.starts_with("| "))
        .collect::<Vec<_>>()
        .join("\n");
    let native: BTreeSet<String> = ROWS.iter().map(|r| r.id.to_owned()).collect();
    assert_eq!(
        ids_in(&table_rows, 'N'),
        native,
        "N rows: docs/bad-input.md vs tests/bad_input.rs"
    );
    let cli: BTreeSet<String> = CLI_ROWS.iter().map(|r| r.id.to_owned()).collect();
    assert_eq!(
        ids_in(&table_rows, 'C'),
        cli,
        "C rows: docs/bad-input.md vs tests/bad_input.rs"
    );
    // The `Model` rows (feature `models`) live beside their cross-check in tests/wasm_models/.
    let js_src = [
        include_str!("wasm_bad_input/mod.rs"),
        include_str!("wasm_models/mod.rs"),
    ]
    .concat();
    let js: BTreeSet<String> = js_src
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("id: \"")
                .and_then(|r| r.get(..3))
                .map(str::to_owned)
        })
        .collect();
    assert!(!js.is_empty());
    assert_eq!(
        ids_in(&table_rows, 'J'),
        js,
        "J rows: docs/bad-input.md vs tests/wasm_bad_input/mod.rs + tests/wasm_models/mod.rs"
    );
}
