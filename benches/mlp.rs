//! Native criterion suite for the MLP re-ranker (issue 4/8 workloads).
//!
//! - **W1** training: input 128, hidden 64-32, output 1, BCE, Adam lr 1e-3, batch 256, 20,000 seeded
//!   synthetic examples, 5 epochs. Throughput = examples processed (100,000 per iteration); the final
//!   training loss is printed once.
//! - **W2** inference: score 100,000 pairs with the W1 model. Throughput = pairs.
//! - The three kernels at W1's shapes (throughput = FLOPs, so criterion's "elem/s" reads as FLOP/s), next to
//!   `ndarray`'s `dot` (matrixmultiply) for reference.
//!
//! - **W3** kernels: one query against 50,000 × 64 rows, top-10, exact: the f32 packed kernel with the
//!   fused selection, and the int8 prefilter + exact rescoring that `VectorIndex` uses (throughput =
//!   nominal FLOPs, 2 · 64 · 50,000 per query).
//!
//! Run: `cargo bench --bench mlp`. Timing only — nothing here asserts a speed.

#[path = "../tests/common/workloads.rs"]
mod workloads;

use alsobuy::model::kernels;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ndarray::Array2;
use std::hint::black_box;
use workloads::{values, w1_data, w1_run, w2_pairs, EPOCHS, EXAMPLES, PAIRS};

fn workloads(c: &mut Criterion) {
    let data = w1_data();
    let (model, final_loss) = w1_run(&data);
    println!(
        "W1 final training loss after {EPOCHS} epochs: {final_loss:.4}; kernel: {}",
        kernels::active_kernel()
    );

    let mut g = c.benchmark_group("W1_train");
    g.sample_size(10);
    g.throughput(Throughput::Elements((EXAMPLES * EPOCHS) as u64));
    g.bench_function("128-64-32-1_adam_b256_20k_x5", |b| {
        b.iter(|| black_box(w1_run(&data).1))
    });
    g.finish();

    let pairs = w2_pairs();
    let mut g = c.benchmark_group("W2_score");
    g.sample_size(10);
    g.throughput(Throughput::Elements(PAIRS as u64));
    g.bench_function("100k_pairs", |b| {
        b.iter(|| black_box(model.predict(pairs.view()).expect("predict")))
    });
    g.finish();
}

fn kernel_shapes(c: &mut Criterion) {
    let mut g = c.benchmark_group("kernels");
    // (name, m, k, n) for the forward product of each W1 layer and the first layer's weight gradient.
    for &(name, m, k, n) in &[
        ("AB_256x128x64", 256, 128, 64),
        ("AB_256x64x32", 256, 64, 32),
        ("AtB_128x256x64", 128, 256, 64),
        ("ABt_256x64x128", 256, 64, 128),
    ] {
        let a = values(m * k, 3);
        let b = values(k * n, 4);
        let mut out = vec![0.0f32; m * n];
        g.throughput(Throughput::Elements((2 * m * k * n) as u64));
        g.bench_with_input(BenchmarkId::new("alsobuy", name), &(), |bench, _| {
            bench.iter(|| {
                match &name[..3] {
                    "AtB" => kernels::matmul_at_b(&a, &b, &mut out, m, k, n),
                    "ABt" => kernels::matmul_a_bt(&a, &b, &mut out, m, k, n),
                    _ => kernels::matmul(&a, &b, &mut out, m, k, n),
                }
                .expect("shapes");
                black_box(&out);
            })
        });
        if name.starts_with("AB_") {
            // The forward layer as W2's predict runs it: weights packed once, bias + ReLU fused.
            let packed = kernels::PackedB::new(&b, k, n).expect("shape");
            let bias = values(n, 5);
            g.bench_with_input(
                BenchmarkId::new("alsobuy_bias_relu_prepacked", name),
                &(),
                |bench, _| {
                    bench.iter(|| {
                        kernels::matmul_bias_packed(&a, &packed, &bias, true, &mut out, m)
                            .expect("shapes");
                        black_box(&out);
                    })
                },
            );
            let a2 = Array2::from_shape_vec((m, k), a.clone()).expect("shape");
            let b2 = Array2::from_shape_vec((k, n), b.clone()).expect("shape");
            g.bench_with_input(BenchmarkId::new("ndarray_dot", name), &(), |bench, _| {
                bench.iter(|| black_box(a2.dot(&b2)))
            });
        }
    }
    g.finish();
}

fn w3_kernels(c: &mut Criterion) {
    let (rows, dim) = (50_000usize, 64usize);
    let items = values(rows * dim, 5);
    let query = values(dim, 6);
    let packed = kernels::PackedBt::new(&items, rows, dim).expect("shape");
    let approx = kernels::PackedI8::new(&items, rows, dim).expect("shape");
    let mut g = c.benchmark_group("W3_top10_50k_x64");
    g.throughput(Throughput::Elements((2 * rows * dim) as u64));
    g.bench_function("f32_packed_fused_top_k", |b| {
        b.iter(|| black_box(kernels::top_k_a_packed_bt(&query, &packed, 1, 10).expect("shape")))
    });
    g.bench_function("int8_prefilter_exact_rescore", |b| {
        b.iter(|| {
            black_box(
                kernels::top_k_a_bt_prefiltered(&query, &items, &approx, 1, 10).expect("shape"),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, workloads, kernel_shapes, w3_kernels);
criterion_main!(benches);
