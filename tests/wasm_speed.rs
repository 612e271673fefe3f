//! Times W1 and W2 in wasm32 (Node) — a measurement, not a test: it asserts nothing about speed and is
//! `#[ignore]`d so the normal suites skip it. Run it in release mode:
//!
//! `cargo test --release --target wasm32-unknown-unknown --test wasm_speed -- --include-ignored`
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

mod common {
    pub mod workloads;
}

use alsobuy::model::kernels;
use common::workloads::{values, w1_data, w1_run, w2_pairs, EPOCHS, EXAMPLES, PAIRS};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

/// Process CPU time (user + system) in ms from Node's `process.cpuUsage()`: unlike wall-clock time it
/// does not count the time this process waited for a core on a shared machine. Falls back to wall time.
fn now_ms() -> f64 {
    use js_sys::{Function, Reflect};
    let cpu = (|| {
        let process = Reflect::get(&js_sys::global(), &"process".into()).ok()?;
        let f: Function = Reflect::get(&process, &"cpuUsage".into())
            .ok()?
            .dyn_into()
            .ok()?;
        let u = f.call0(&process).ok()?;
        let user = Reflect::get(&u, &"user".into()).ok()?.as_f64()?;
        let system = Reflect::get(&u, &"system".into()).ok()?.as_f64()?;
        Some((user + system) / 1e3)
    })();
    cpu.unwrap_or_else(js_sys::Date::now)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[wasm_bindgen_test]
#[ignore]
fn time_w1_w2_and_kernels() {
    console_log!(
        "kernel: {} (times are process CPU ms)",
        kernels::active_kernel()
    );
    let data = w1_data();
    let (model, loss) = w1_run(&data); // warm-up
    let mut w1 = Vec::new();
    for _ in 0..3 {
        let t = now_ms();
        std::hint::black_box(w1_run(&data));
        w1.push(now_ms() - t);
    }
    let w1_ms = median(w1.clone());
    console_log!(
        "W1: median {:.0} ms of {:?} → {:.0} examples/s, final loss {:.4}",
        w1_ms,
        w1,
        (EXAMPLES * EPOCHS) as f64 / (w1_ms / 1e3),
        loss
    );
    let pairs = w2_pairs();
    std::hint::black_box(model.predict(pairs.view()).unwrap());
    let mut w2 = Vec::new();
    for _ in 0..3 {
        let t = now_ms();
        std::hint::black_box(model.predict(pairs.view()).unwrap());
        w2.push(now_ms() - t);
    }
    let w2_ms = median(w2.clone());
    console_log!(
        "W2: median {:.0} ms of {:?} → {:.0} pairs/s",
        w2_ms,
        w2,
        PAIRS as f64 / (w2_ms / 1e3)
    );
    for &(name, m, k, n) in &[
        ("AB 256x128x64", 256usize, 128usize, 64usize),
        ("AB 256x64x32", 256, 64, 32),
        ("AtB 128x256x64", 128, 256, 64),
        ("ABt 256x64x128", 256, 64, 128),
    ] {
        let a = values(m * k, 3);
        let b = values(k * n, 4);
        let mut c = vec![0.0f32; m * n];
        let reps = 200;
        let t = now_ms();
        for _ in 0..reps {
            match &name[..3] {
                "AtB" => kernels::matmul_at_b(&a, &b, &mut c, m, k, n),
                "ABt" => kernels::matmul_a_bt(&a, &b, &mut c, m, k, n),
                _ => kernels::matmul(&a, &b, &mut c, m, k, n),
            }
            .unwrap();
            std::hint::black_box(&c);
        }
        let secs = (now_ms() - t) / 1e3;
        console_log!(
            "{name}: {:.1} GFLOP/s",
            (2 * m * k * n * reps) as f64 / secs / 1e9
        );
    }
    // W3's kernel: 100 single queries against 50,000 packed rows of 64 (top-10 fused), and the same rows
    // read once per query without arithmetic (a streaming sum): the memory-bound floor of one query.
    let (rows, dim, queries) = (50_000usize, 64usize, 100usize);
    let items = values(rows * dim, 5);
    let packed = kernels::PackedBt::new(&items, rows, dim).unwrap();
    let qs = values(queries * dim, 6);
    let int8 = kernels::PackedI8::new(&items, rows, dim).unwrap();
    let rescored = kernels::prefilter_rescored(&qs, &items, &int8, queries, 10).unwrap();
    console_log!(
        "W3 int8 prefilter: {:.1} rows rescored per query (of {rows})",
        rescored as f64 / queries as f64
    );
    // Forms: (name, batch?) — alternated, 7 rounds, medians (the machine is shared).
    let forms = [
        ("f32 packed", 0usize),
        ("int8 prefilter, 1 query per call", 1),
        ("int8 prefilter, 100 queries per call", 2),
    ];
    let run = |form: usize| match form {
        0 => qs.chunks_exact(dim).for_each(|q| {
            std::hint::black_box(kernels::top_k_a_packed_bt(q, &packed, 1, 10).unwrap());
        }),
        1 => qs.chunks_exact(dim).for_each(|q| {
            std::hint::black_box(kernels::top_k_a_bt_prefiltered(q, &items, &int8, 1, 10).unwrap());
        }),
        _ => {
            std::hint::black_box(
                kernels::top_k_a_bt_prefiltered(&qs, &items, &int8, queries, 10).unwrap(),
            );
        }
    };
    let mut times = vec![Vec::new(); forms.len()];
    for (f, _) in forms.iter().enumerate() {
        run(f);
    }
    for _ in 0..7 {
        for (f, t) in times.iter_mut().enumerate() {
            let t0 = now_ms();
            run(f);
            t.push((now_ms() - t0) / 1e3);
        }
    }
    for ((name, _), t) in forms.iter().zip(&mut times) {
        t.sort_by(f64::total_cmp);
        let secs = t[t.len() / 2];
        console_log!(
            "W3 top-10 ({name}), 100 queries × 50,000 × 64, median of 7: {:.0} queries/s, {:.1} GFLOP/s (nominal)",
            queries as f64 / secs,
            (2 * rows * dim * queries) as f64 / secs / 1e9
        );
    }
    let t = now_ms();
    for _ in 0..queries {
        let lanes = items.chunks_exact(16).fold([0.0f32; 16], |mut acc, c| {
            for (a, v) in acc.iter_mut().zip(c) {
                *a += v;
            }
            acc
        });
        std::hint::black_box(lanes);
    }
    let secs = (now_ms() - t) / 1e3;
    console_log!(
        "streaming read of the 12.8 MB item matrix: {:.1} GB/s",
        (rows * dim * 4 * queries) as f64 / secs / 1e9
    );
}
