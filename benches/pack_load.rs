//! Pack load and write time: `Recommender::from_pack` and `export_pack` on a synthetic 10,000-item pack
//! (100,000 seeded events: co-occurrence and popularity of that size, no model) and on the demo's
//! www/data/groceries.pack (169 items with a trained population re-ranker; built by
//! `bash scripts/build-pkg.sh`, skipped when absent). Prints the median, min and max of 31 runs each, wall
//! time. Written to compare the pack codec before and after branch `codec` (postcard → src/codec.rs): run it
//! on both commits on the same machine, back to back.
//!
//! Run: `cargo bench --bench pack_load`.

use std::hint::black_box;
use std::time::Instant;

use alsobuy::catalog::Item;
use alsobuy::events::{Event, EventKind};
use alsobuy::recommend::Recommender;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

const RUNS: usize = 31;

fn synthetic(n_items: usize, n_events: usize, seed: u64) -> Recommender {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut r = Recommender::new(Default::default()).expect("recommender");
    let items = (0..n_items)
        .map(|i| {
            let mut it = Item::new(
                &format!("item-{i}"),
                &format!("dept{}/aisle{}", i % 20, (i / 20) % 15),
            );
            it.brand = Some(format!("brand{}", rng.random_range(0..300u32)));
            it.price = Some(f64::from(rng.random_range(50..50_000u32)) / 100.0);
            it
        })
        .collect();
    r.set_catalog(items).expect("catalogue");
    let mut t = 1_700_000_000_000.0;
    let mut events = Vec::with_capacity(n_events);
    let mut session = 0u64;
    while events.len() < n_events {
        session += 1;
        let sid = format!("session-{session}");
        for _ in 0..rng.random_range(2..10usize) {
            let u: f64 = rng.random();
            let item = ((u * u) * n_items as f64) as usize % n_items;
            let kind = if rng.random_bool(0.7) {
                EventKind::View
            } else {
                EventKind::Purchase
            };
            t += 1000.0;
            events.push(Event::new(kind, &format!("item-{item}"), &sid, t));
        }
    }
    r.record_many(&events);
    r
}

/// Median, min and max of `RUNS` timings of `f`, in milliseconds.
fn time(mut f: impl FnMut()) -> (f64, f64, f64) {
    f(); // warm-up
    let mut ms: Vec<f64> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    (ms[RUNS / 2], ms[0], ms[RUNS - 1])
}

fn report(name: &str, pack: &[u8]) {
    let (med, lo, hi) = time(|| {
        black_box(Recommender::from_pack(black_box(pack)).expect("from_pack"));
    });
    println!(
        "{name}: from_pack of {} bytes: median {med:.3} ms (min {lo:.3}, max {hi:.3}, {RUNS} runs)",
        pack.len()
    );
    let r = Recommender::from_pack(pack).expect("from_pack");
    let (med, lo, hi) = time(|| {
        black_box(r.export_pack().expect("export_pack"));
    });
    println!("{name}: export_pack: median {med:.3} ms (min {lo:.3}, max {hi:.3}, {RUNS} runs)");
}

fn main() {
    let pack = synthetic(10_000, 100_000, 7)
        .export_pack()
        .expect("export_pack");
    report("synthetic 10,000 items", &pack);
    match std::fs::read("www/data/groceries.pack") {
        Ok(demo) => report("demo groceries.pack", &demo),
        Err(e) => println!("demo groceries.pack: skipped ({e}; run scripts/build-pkg.sh first)"),
    }
}
