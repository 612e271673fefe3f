//! A fixed training scenario whose result bits are pinned in both the native and the wasm32 test suites,
//! proving that training and inference are bit-identical across targets.
#![allow(clippy::unwrap_used)]

use alsobuy::model::{Dataset, MlpConfig, TrainConfig, Trainer};
use ndarray::{Array1, Array2};

/// FNV-1a over the bit patterns of `values`.
pub fn fnv(values: impl IntoIterator<Item = f32>) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for v in values {
        for b in v.to_bits().to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// A tiny deterministic generator (no `rand` needed): values in [-1, 1).
pub fn lcg_values(n: usize, seed: u64) -> Vec<f32> {
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

/// Trains a 37-24-9-1 network (awkward widths: full SIMD tiles and scalar edges) for 3 epochs with early
/// stopping bookkeeping, then scores 257 rows. Returns `(hash of all weights, hash of the scores)`.
pub fn scenario() -> (u64, u64) {
    let (rows, dim) = (403, 37);
    let x = Array2::from_shape_vec((rows, dim), lcg_values(rows * dim, 1)).unwrap();
    let y: Array1<f32> = x
        .rows()
        .into_iter()
        .map(|r| {
            if r[0] * r[1] + 0.3 * r[2] > 0.0 {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    let data = Dataset::new(x.view(), y.view()).unwrap();
    let mut mlp = MlpConfig::new()
        .hidden(&[24, 9])
        .seed(42)
        .build(dim)
        .unwrap();
    let cfg = TrainConfig::new()
        .epochs(3)
        .batch_size(50)
        .learning_rate(5e-3)
        .weight_decay(1e-4)
        .seed(7);
    let mut trainer = Trainer::new(&mlp, cfg).unwrap();
    trainer.fit(&mut mlp, &data).unwrap();
    let weights = fnv(mlp
        .layers()
        .iter()
        .flat_map(|l| l.weights().iter().chain(l.bias()).copied()));
    let queries = Array2::from_shape_vec((257, dim), lcg_values(257 * dim, 2)).unwrap();
    let scores = mlp.predict(queries.view()).unwrap();
    (weights, fnv(scores.iter().copied()))
}

/// The values `scenario()` returns, computed natively (x86-64) and required of every target.
pub const EXPECTED: (u64, u64) = (0x94af_e0b6_d884_741a, 0x5f11_084b_8061_db9b);
