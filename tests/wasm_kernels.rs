//! wasm32 suite: the SIMD128 kernels against the scalar ones on seeded random shapes, and the golden
//! training scenario, whose bits must equal those pinned from the native build.
//!
//! Run: `cargo test --target wasm32-unknown-unknown --test wasm_kernels` (Node, via wasm-bindgen-test-runner).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)] // wasm_bindgen_test functions are tests; clippy does not know it

mod common {
    pub mod golden;
}

use alsobuy::model::kernels;
use common::golden::lcg_values;
use wasm_bindgen_test::*;

const SIZES: [usize; 9] = [1, 2, 3, 4, 5, 8, 17, 64, 129];

#[wasm_bindgen_test]
fn the_simd128_kernel_is_active() {
    assert_eq!(kernels::active_kernel(), "simd128");
}

#[cfg(target_feature = "simd128")]
#[wasm_bindgen_test]
fn simd_and_scalar_products_are_bit_identical() {
    let mut seed = 0u64;
    for &m in &SIZES {
        for &k in &[1usize, 3, 17, 129] {
            for &n in &SIZES {
                seed += 1;
                let a = lcg_values(m * k, seed);
                let b = lcg_values(k * n, seed + 1000);
                let mut want = vec![f32::NAN; m * n];
                let mut got = vec![f32::NAN; m * n];
                kernels::scalar::matmul(&a, &b, &mut want, m, k, n).unwrap();
                kernels::simd128::matmul(&a, &b, &mut got, m, k, n).unwrap();
                assert_eq!(got, want, "A·B {m}x{k}x{n}");
                // a as the k × m storage of Aᵀ.
                let at = lcg_values(k * m, seed + 2000);
                kernels::scalar::matmul_at_b(&at, &b, &mut want, m, k, n).unwrap();
                kernels::simd128::matmul_at_b(&at, &b, &mut got, m, k, n).unwrap();
                assert_eq!(got, want, "Aᵀ·B {m}x{k}x{n}");
                // The dispatching entry points use SIMD here.
                let bt = lcg_values(n * k, seed + 3000);
                kernels::matmul_a_bt(&a, &bt, &mut got, m, k, n).unwrap();
                let mut b_again = vec![0.0; k * n];
                for r in 0..n {
                    for c in 0..k {
                        b_again[c * n + r] = bt[r * k + c];
                    }
                }
                kernels::scalar::matmul(&a, &b_again, &mut want, m, k, n).unwrap();
                assert_eq!(got, want, "A·Bᵀ {m}x{k}x{n}");
            }
        }
    }
}

#[cfg(target_feature = "simd128")]
#[wasm_bindgen_test]
fn simd_and_scalar_packed_products_and_selections_agree() {
    let mut seed = 50_000u64;
    for &m in &[1usize, 2, 3, 5] {
        for &depth in &[0usize, 1, 3, 17, 64] {
            for &n in &[1usize, 7, 8, 9, 33, 517, 1031] {
                seed += 1;
                let a = lcg_values(m * depth, seed);
                let b = lcg_values(n * depth, seed + 1000);
                let packed = kernels::PackedBt::new(&b, n, depth).unwrap();
                let mut want = vec![f32::NAN; m * n];
                kernels::scalar::matmul_a_bt(&a, &b, &mut want, m, depth, n).unwrap();
                let mut got = vec![f32::NAN; m * n];
                kernels::simd128::matmul_a_packed_bt(&a, &packed, &mut got, m).unwrap();
                assert_eq!(got, want, "packed A·Bᵀ {m}x{depth}x{n}");
                kernels::scalar::matmul_a_packed_bt(&a, &packed, &mut got, m).unwrap();
                assert_eq!(got, want, "scalar packed A·Bᵀ {m}x{depth}x{n}");
                for k in [1usize, 10, n + 1] {
                    let tops = kernels::simd128::top_k_a_packed_bt(&a, &packed, m, k).unwrap();
                    assert_eq!(
                        tops,
                        kernels::scalar::top_k_a_packed_bt(&a, &packed, m, k).unwrap()
                    );
                    for (row, top) in want.chunks_exact(n).zip(&tops) {
                        let expect: Vec<(u32, f32)> = alsobuy::similarity::top_k(row, k)
                            .into_iter()
                            .map(|(j, v)| (j as u32, v))
                            .collect();
                        assert_eq!(top, &expect, "top-{k} {m}x{depth}x{n}");
                    }
                }
            }
        }
    }
}

#[cfg(target_feature = "simd128")]
#[wasm_bindgen_test]
fn simd_and_scalar_int8_prefilters_give_the_exact_top_k() {
    let mut seed = 95_000u64;
    for &m in &[1usize, 2, 3, 4, 5, 9] {
        for &depth in &[1usize, 3, 4, 17, 64, 130] {
            for &n in &[1usize, 9, 33, 517, 2049] {
                seed += 1;
                let a = lcg_values(m * depth, seed);
                let mut b = lcg_values(n * depth, seed + 1000);
                if seed % 2 == 0 {
                    // Many exact ties, zero rows, and rows closer together than int8 can tell apart.
                    for (j, v) in b.iter_mut().enumerate() {
                        *v = if j / depth % 5 == 0 {
                            0.0
                        } else {
                            (*v * 2.0).round() + (j / depth % 7) as f32 * 1e-5
                        };
                    }
                }
                let packed = kernels::PackedBt::new(&b, n, depth).unwrap();
                let approx = kernels::PackedI8::new(&b, n, depth).unwrap();
                for k in [0usize, 1, 10, n + 2] {
                    let want = kernels::scalar::top_k_a_packed_bt(&a, &packed, m, k).unwrap();
                    let simd =
                        kernels::simd128::top_k_a_bt_prefiltered(&a, &b, &approx, m, k).unwrap();
                    let scalar =
                        kernels::scalar::top_k_a_bt_prefiltered(&a, &b, &approx, m, k).unwrap();
                    assert_eq!(simd, want, "simd {m}x{depth}x{n} k={k}");
                    assert_eq!(scalar, want, "scalar {m}x{depth}x{n} k={k}");
                }
            }
        }
    }
}

#[cfg(target_feature = "simd128")]
#[wasm_bindgen_test]
fn simd_forward_layers_with_bias_and_relu_equal_the_scalar_steps() {
    let mut seed = 70_000u64;
    for &m in &[1usize, 4, 5, 6, 7, 13, 256] {
        for &k in &[0usize, 1, 17, 64, 128] {
            for &n in &[1usize, 8, 9, 32, 64] {
                seed += 1;
                let mut a = lcg_values(m * k, seed);
                if k > 0 && m > 2 {
                    a[k] = f32::INFINITY; // NaN sums: the ReLU maps them to +0 on both paths
                }
                let b = lcg_values(k * n, seed + 1000);
                let bias = lcg_values(n, seed + 2000);
                let mut sums = vec![0.0f32; m * n];
                kernels::scalar::matmul(&a, &b, &mut sums, m, k, n).unwrap();
                let want: Vec<u32> = sums
                    .iter()
                    .enumerate()
                    .map(|(i, &s)| {
                        let z = s + bias[i % n];
                        (if z > 0.0 { z } else { 0.0 }).to_bits()
                    })
                    .collect();
                let packed = kernels::PackedB::new(&b, k, n).unwrap();
                let mut got = vec![f32::NAN; m * n];
                kernels::matmul_bias_packed(&a, &packed, &bias, true, &mut got, m).unwrap();
                let got: Vec<u32> = got.iter().map(|v| v.to_bits()).collect();
                assert_eq!(got, want, "{m}x{k}x{n}");
            }
        }
    }
}

#[cfg(target_feature = "simd128")]
#[wasm_bindgen_test]
fn simd_kernels_reject_bad_shapes() {
    let mut c = vec![0.0f32; 4];
    assert!(kernels::simd128::matmul(&[1.0; 3], &[1.0; 4], &mut c, 2, 2, 2).is_err());
    assert!(kernels::simd128::matmul_at_b(&[1.0; 4], &[1.0; 3], &mut c, 2, 2, 2).is_err());
}

#[wasm_bindgen_test]
fn training_and_scoring_are_bit_identical_to_native() {
    assert_eq!(common::golden::scenario(), common::golden::EXPECTED);
}

/// The widget module (wasm32 without the `models` feature) leaves the listwise objective and grouped training
/// out (`alsobuy::model::LISTWISE`) and refuses them with typed errors instead of training wrongly; with
/// `models` (and natively) they are built in.
#[wasm_bindgen_test]
fn the_listwise_loss_is_refused_where_it_is_not_built_in() {
    use alsobuy::model::{Dataset, Loss, MlpConfig, TrainConfig, Trainer, LISTWISE};
    use ndarray::{Array1, Array2};
    assert_eq!(LISTWISE, cfg!(feature = "models"));
    let mlp = MlpConfig::new().hidden(&[4]).seed(1).build(3).unwrap();
    let trainer = Trainer::new(&mlp, TrainConfig::new().loss(Loss::ListwiseSoftmax));
    let data = Dataset::new(
        Array2::<f32>::zeros((4, 3)).view(),
        Array1::<f32>::zeros(4).view(),
    )
    .unwrap()
    .with_groups(&[2, 2]);
    if LISTWISE {
        assert!(trainer.is_ok() && data.is_ok());
    } else {
        assert_eq!(
            trainer.unwrap_err().to_string(),
            "invalid config value loss = listwise softmax cross-entropy: is not built into this module \
             (wasm32 without the models feature)"
        );
        assert_eq!(
            data.unwrap_err().to_string(),
            "invalid config value group_sizes = 2: grouped training is not built into this module (wasm32 \
             without the models feature)"
        );
    }
    // The pointwise default trains everywhere.
    assert!(Trainer::new(&mlp, TrainConfig::new()).is_ok());
}
