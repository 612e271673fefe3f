//! Core engine benchmarks on seeded synthetic data.
//!
//! - `ingest_1m_events_50k_items`: `record_many` of 1,000,000 events (60% view, 25% cart, 15% purchase;
//!   sessions of 2–14 events; items drawn with a skewed, long-tail distribution) into a recommender holding a
//!   50,000-item catalogue. Target: under 2 s.
//! - `also_buy_10k_catalogue`: one `also_buy` (k = 10) on a 10,000-item catalogue after 100,000 events, with a
//!   varied viewed item + cart of 0–4 items per call. Target: p99 under 2 ms. Criterion reports the mean;
//!   the percentiles over 2,000 calls are printed first (`also_buy latency: p50 … p99 …`).
//!
//! Run: `cargo bench --bench core` (or `-- --quick` for a quick number).

use std::hint::black_box;
use std::time::Instant;

use alsobuy::catalog::Item;
use alsobuy::events::{CleaningConfig, Event, EventKind};
use alsobuy::recommend::{Query, Recommender, RecommenderConfig};
use criterion::{BatchSize, Criterion};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

fn catalogue(n: usize, rng: &mut StdRng) -> Vec<Item> {
    (0..n)
        .map(|i| {
            let top = i % 20;
            let sub = (i / 20) % 15;
            let mut it = Item::new(&format!("item-{i}"), &format!("dept{top}/aisle{sub}"));
            it.brand = Some(format!("brand{}", rng.random_range(0..300u32)));
            it.price = Some(f64::from(rng.random_range(50..50_000u32)) / 100.0);
            it.in_stock = rng.random_bool(0.97);
            it
        })
        .collect()
}

/// A skewed item index: a quarter of the draws from the 2% head, the rest spread over the catalogue.
fn skewed(rng: &mut StdRng, n: usize) -> usize {
    let u: f64 = rng.random();
    let idx = if rng.random_bool(0.25) {
        u * (n as f64) * 0.02
    } else {
        u * u * (n as f64)
    };
    (idx as usize).min(n - 1)
}

fn events(n_events: usize, n_items: usize, seed: u64) -> Vec<Event> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(n_events);
    let mut session = 0u64;
    let mut t = 1_700_000_000_000.0;
    while out.len() < n_events {
        session += 1;
        let len = rng.random_range(2..15usize);
        let sid = format!("session-{session}");
        for _ in 0..len.min(n_events - out.len()) {
            let r: f64 = rng.random();
            let kind = if r < 0.6 {
                EventKind::View
            } else if r < 0.85 {
                EventKind::Cart
            } else {
                EventKind::Purchase
            };
            t += f64::from(rng.random_range(1_000..60_000u32));
            let item = format!("item-{}", skewed(&mut rng, n_items));
            out.push(Event::new(kind, &item, &sid, t));
        }
    }
    out
}

fn config() -> RecommenderConfig {
    let cleaning = CleaningConfig::builder()
        .max_events(2_000_000)
        .build()
        .expect("valid cleaning config");
    RecommenderConfig::builder()
        .cleaning(cleaning)
        .build()
        .expect("valid config")
}

fn recommender(n_items: usize, seed: u64) -> Recommender {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut r = Recommender::new(config()).expect("recommender");
    r.set_catalog(catalogue(n_items, &mut rng))
        .expect("catalogue");
    r
}

fn queries(n: usize, n_items: usize, seed: u64) -> Vec<Query> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let cart_len = rng.random_range(0..5usize);
            let cart: Vec<String> = (0..cart_len)
                .map(|_| format!("item-{}", skewed(&mut rng, n_items)))
                .collect();
            let mut q = Query::for_cart(&cart, 10);
            q.item = Some(format!("item-{}", skewed(&mut rng, n_items)));
            q
        })
        .collect()
}

/// CPU time of this thread in seconds (Linux `/proc/thread-self/schedstat`), to report alongside wall time
/// on a shared machine; `None` elsewhere.
fn thread_cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn latency_percentiles() {
    let mut r = recommender(10_000, 1);
    let report = r.record_many(&events(100_000, 10_000, 2));
    let qs = queries(2_000, 10_000, 3);
    for q in qs.iter().take(100) {
        black_box(r.also_buy(q).expect("also_buy"));
    }
    let cpu0 = thread_cpu_s();
    let mut ms: Vec<f64> = qs
        .iter()
        .map(|q| {
            let t = Instant::now();
            black_box(r.also_buy(q).expect("also_buy"));
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    if let (Some(c0), Some(c1)) = (cpu0, thread_cpu_s()) {
        println!(
            "also_buy mean thread CPU time per call: {:.3} ms",
            (c1 - c0) * 1e3 / qs.len() as f64
        );
    }
    // On a shared machine a call can be pre-empted; the per-query minimum over three passes estimates the
    // latency without pre-emption. Both are printed.
    let mut best = ms.clone();
    for _ in 0..2 {
        for (q, b) in qs.iter().zip(best.iter_mut()) {
            let t = Instant::now();
            black_box(r.also_buy(q).expect("also_buy"));
            *b = b.min(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    best.sort_by(f64::total_cmp);
    let pct = |v: &[f64], p: f64| v[((v.len() - 1) as f64 * p) as usize];
    println!(
        "also_buy per-query best of 3 passes: p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        pct(&best, 0.5),
        pct(&best, 0.99),
        pct(&best, 1.0)
    );
    ms.sort_by(f64::total_cmp);
    let at = |p: f64| ms[((ms.len() - 1) as f64 * p) as usize];
    println!(
        "also_buy latency (first pass, wall), 10,000 items, {} kept events, k=10, {} calls: p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        report.kept,
        ms.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
}

fn ingest_once() {
    let base = recommender(50_000, 4);
    let evs = events(1_000_000, 50_000, 5);
    let mut r = base.clone();
    let cpu0 = thread_cpu_s();
    let t = Instant::now();
    let report = r.record_many(&evs);
    let wall = t.elapsed().as_secs_f64();
    let cpu = cpu0
        .and_then(|c0| Some(thread_cpu_s()? - c0))
        .unwrap_or(f64::NAN);
    println!(
        "ingest: 1,000,000 events on 50,000 items in {wall:.3} s wall, {cpu:.3} s thread CPU ({} kept, {} dropped, {} rejected)",
        report.kept,
        report.duplicates + report.bursts + report.over_session_cap,
        report.rejected.len()
    );
}

fn bench_ingest(c: &mut Criterion) {
    let base = recommender(50_000, 4);
    let evs = events(1_000_000, 50_000, 5);
    let mut g = c.benchmark_group("ingest");
    g.sample_size(10);
    g.bench_function("ingest_1m_events_50k_items", |b| {
        b.iter_batched(
            || base.clone(),
            |mut r| black_box(r.record_many(&evs)),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn bench_also_buy(c: &mut Criterion) {
    let mut r = recommender(10_000, 1);
    r.record_many(&events(100_000, 10_000, 2));
    let qs = queries(1_000, 10_000, 3);
    let mut i = 0usize;
    c.bench_function("also_buy_10k_catalogue", |b| {
        b.iter(|| {
            i = (i + 1) % qs.len();
            black_box(r.also_buy(&qs[i]).expect("also_buy"))
        })
    });
}

fn main() {
    // Set ALSOBUY_BENCH_NO_SUMMARY=1 to run only the criterion groups (e.g. under a profiler).
    if std::env::var_os("ALSOBUY_BENCH_NO_SUMMARY").is_none() {
        latency_percentiles();
        ingest_once();
    }
    let mut c = Criterion::default().configure_from_args();
    bench_ingest(&mut c);
    bench_also_buy(&mut c);
    c.final_summary();
}
