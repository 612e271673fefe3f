//! The reference workloads W1 (training) and W2 (scoring) of the benchmark issue, shared by the native
//! criterion bench (`benches/mlp.rs`) and the wasm32 timing run (`tests/wasm_speed.rs`) so both measure
//! exactly the same thing.
#![allow(clippy::unwrap_used, dead_code)]

use alsobuy::model::{Dataset, Mlp, MlpConfig, TrainConfig, Trainer};
use ndarray::{Array1, Array2};

/// Input width: shopper 64 ++ item 64.
pub const INPUT: usize = 128;
/// W1 examples.
pub const EXAMPLES: usize = 20_000;
/// W1 epochs.
pub const EPOCHS: usize = 5;
/// W2 pairs.
pub const PAIRS: usize = 100_000;

/// Seeded values in [-1, 1) from a 64-bit LCG (identical on every target).
pub fn values(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// W1's data: label 1 when the shopper and item halves point the same way (plus a nonlinear term).
pub fn w1_data() -> Dataset {
    let x = Array2::from_shape_vec((EXAMPLES, INPUT), values(EXAMPLES * INPUT, 1)).unwrap();
    let y: Array1<f32> = x
        .rows()
        .into_iter()
        .map(|r| {
            let dot: f32 = (0..64).map(|i| r[i] * r[64 + i]).sum();
            if dot + 0.5 * r[0] * r[1] > 0.0 {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    Dataset::new(x.view(), y.view()).unwrap()
}

/// W1's settings: BCE, Adam lr 1e-3, batch 256, 5 epochs, no validation split, seed 42.
pub fn w1_config() -> TrainConfig {
    TrainConfig::new()
        .learning_rate(1e-3)
        .batch_size(256)
        .epochs(EPOCHS)
        .validation_fraction(0.0)
        .patience(None)
        .seed(42)
}

/// Runs W1 from a fresh 128-64-32-1 network; returns the model and the last epoch's training loss.
pub fn w1_run(data: &Dataset) -> (Mlp, f32) {
    let mut mlp = MlpConfig::new()
        .hidden(&[64, 32])
        .seed(42)
        .build(INPUT)
        .unwrap();
    let mut trainer = Trainer::new(&mlp, w1_config()).unwrap();
    let report = trainer.fit(&mut mlp, data).unwrap();
    (mlp, report.train_losses.last().copied().unwrap_or(f32::NAN))
}

/// W2's inputs: 100,000 pairs × 128.
pub fn w2_pairs() -> Array2<f32> {
    Array2::from_shape_vec((PAIRS, INPUT), values(PAIRS * INPUT, 2)).unwrap()
}
