//! Writes the fuzz seed corpus (`fuzz/corpus/<target>/seed-*`) from real data: the committed pack fixture, a
//! snapshot and a pack built here, and the first rows of the Groceries files (`../shared/data/groceries`, or
//! `GROCERIES_DIR`; skipped when missing). Deterministic; small (a few KB per target).
//!
//! Run: `cargo run --example fuzz_seeds` (scripts/fuzz.sh does it when the corpus is missing).

use std::fs;
use std::path::{Path, PathBuf};

use alsobuy::catalog::Item;
use alsobuy::events::{Event, EventKind};
use alsobuy::recommend::RecommenderConfig;
use alsobuy::Recommender;

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    fs::create_dir_all(&dir).expect("corpus dir");
    fs::write(dir.join(format!("seed-{name}")), bytes).expect("seed");
}

/// Seeded pseudo-random bytes (an LCG), for the structured targets.
fn lcg_bytes(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 56) as u8
        })
        .collect()
}

fn head(path: &Path, lines: usize) -> Option<String> {
    let text = fs::read_to_string(path).ok()?;
    Some(text.lines().take(lines).collect::<Vec<_>>().join("\n") + "\n")
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // pack_decode: real packs and a snapshot.
    if let Ok(p) = fs::read(root.join("tests/fixtures/shop-v1.pack")) {
        write("pack_decode", "fixture-pack", &p);
    }
    let mut r = Recommender::new(RecommenderConfig::default()).expect("recommender");
    r.set_catalog(vec![
        Item::new("milk", "dairy/milk"),
        Item::new("butter", "dairy/butter"),
        Item::new("bread", "bakery"),
    ])
    .expect("catalogue");
    for (s, basket) in [("a", ["milk", "butter"]), ("b", ["milk", "bread"])] {
        for (i, it) in basket.iter().enumerate() {
            r.record(&Event::new(EventKind::Purchase, it, s, i as f64))
                .expect("event");
        }
    }
    r.record(&Event::search("milk", "a", 5.0)).expect("search");
    write("pack_decode", "small-pack", &r.export_pack().expect("pack"));
    write(
        "pack_decode",
        "small-snapshot",
        &r.to_bytes().expect("snapshot"),
    );

    // cli_csv: the first byte picks the reader (0 recommend items, 1 recommend events, 2 pack baskets,
    // 3 pack events, 4 pack items, 5 pack catalogue JSON).
    let groceries = std::env::var_os("GROCERIES_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/data/groceries"));
    let with_mode = |mode: u8, text: &str| [&[mode][..], text.as_bytes()].concat();
    if let Some(b) = head(&groceries.join("groceries_baskets.csv"), 40) {
        write("cli_csv", "groceries-baskets", &with_mode(2, &b));
    }
    if let Some(items) = head(&groceries.join("groceries_items.csv"), 30) {
        let mut csv = String::from("item,category,brand,price\n");
        for line in items.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            if f.len() == 3 {
                csv.push_str(&format!(
                    "{},{}/{},,1.5\n",
                    f[0],
                    f[2].trim_matches('"'),
                    f[1].trim_matches('"')
                ));
            }
        }
        write("cli_csv", "groceries-items-recommend", &with_mode(0, &csv));
        write("cli_csv", "groceries-items-pack", &with_mode(4, &csv));
    }
    let events = "user,session,item,event,timestamp\nu1,s1,milk,view,100\nu1,s1,milk,cart,101\nu1,s1,milk,purchase,102\nu2,,bread,view,50\n";
    write("cli_csv", "events-recommend", &with_mode(1, events));
    write("cli_csv", "events-pack", &with_mode(3, events));
    let catalog = r#"[{"id":"milk","name":"Whole milk","category":"dairy/milk","price":1.1,"tags":["fresh"]},{"id":"bread","inStock":false}]"#;
    write("cli_csv", "catalog-json", &with_mode(5, catalog));

    // Structured targets (arbitrary): seeded bytes of a few lengths.
    for target in ["events", "catalog", "also_buy"] {
        for (i, n) in [16usize, 64, 256, 1024].into_iter().enumerate() {
            write(target, &format!("lcg-{n}"), &lcg_bytes(42 + i as u64, n));
        }
    }
    println!("fuzz seeds written to fuzz/corpus/");
}
