//! Property tests of the model module and the native half of the cross-target golden test.
#![cfg(not(target_arch = "wasm32"))]

mod common {
    pub mod golden;
}

use alsobuy::model::kernels;
use alsobuy::model::{Dataset, MlpConfig, ModelError};
use ndarray::{Array1, Array2};
use proptest::prelude::*;

#[test]
fn golden_scenario_matches_the_pinned_bits() {
    let got = common::golden::scenario();
    assert_eq!(got, common::golden::EXPECTED, "got {got:#x?}");
}

fn naive(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
    let mut c = vec![0.0f32; m * n];
    for i in 0..m {
        for j in 0..n {
            let mut s = 0.0f32;
            for p in 0..k {
                s += a[i * k + p] * b[p * n + j];
            }
            c[i * n + j] = s;
        }
    }
    c
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn matmul_equals_the_naive_order(m in 1usize..40, k in 1usize..70, n in 1usize..40, seed in any::<u64>()) {
        let a = common::golden::lcg_values(m * k, seed);
        let b = common::golden::lcg_values(k * n, seed ^ 1);
        let mut c = vec![0.0; m * n];
        kernels::matmul(&a, &b, &mut c, m, k, n).unwrap();
        prop_assert_eq!(c, naive(&a, &b, m, k, n));
    }

    #[test]
    fn predictions_are_probabilities_and_rowwise_consistent(
        rows in 1usize..20, dim in 1usize..12, seed in any::<u64>(), scale in 0.1f32..100.0
    ) {
        let mlp = MlpConfig::new().hidden(&[5, 3]).seed(seed).build(dim).unwrap();
        let x: Vec<f32> = common::golden::lcg_values(rows * dim, seed).iter().map(|v| v * scale).collect();
        let x = Array2::from_shape_vec((rows, dim), x).unwrap();
        let p = mlp.predict(x.view()).unwrap();
        prop_assert!(p.iter().all(|v| (0.0..=1.0).contains(v)));
        for (r, row) in x.rows().into_iter().enumerate() {
            prop_assert_eq!(mlp.predict_one(row).unwrap(), p[r]);
        }
    }

    #[test]
    fn any_non_finite_cell_is_reported_where_it_is(
        rows in 1usize..10, dim in 1usize..10, pick in any::<prop::sample::Index>(),
        bad in prop_oneof![Just(f32::NAN), Just(f32::INFINITY), Just(f32::NEG_INFINITY)]
    ) {
        let mut x = Array2::<f32>::zeros((rows, dim));
        let i = pick.index(rows * dim);
        x[[i / dim, i % dim]] = bad;
        let err = Dataset::new(x.view(), Array1::zeros(rows).view()).unwrap_err();
        match err {
            ModelError::NotFinite { what, row, column, .. } => {
                prop_assert_eq!(what, "x");
                prop_assert_eq!((row, column), (i / dim, i % dim));
            }
            other => prop_assert!(false, "unexpected {:?}", other),
        }
    }

    #[test]
    fn model_bytes_never_panic_the_decoder(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = postcard::from_bytes::<alsobuy::model::Mlp>(&bytes);
    }
}
