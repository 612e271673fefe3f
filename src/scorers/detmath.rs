//! Platform-independent `ln`, `exp` and `pow` for the scorers, so every model ranks with the same f32 bits
//! natively and in the browser.
//!
//! `f32::ln`, `f32::powf` and `f64::powf` call the platform's libm (glibc natively, a Rust port of musl in
//! wasm32), whose last bits may differ; through standardisation, blending and the `mlp` re-ranker's training
//! one differing bit grows into different scores and rankings (measured before this module: `blend` 32 ULPs
//! apart, `mlp` and `hybrid` ranking different items). These wrappers use [`crate::model::math`]'s
//! `ln_positive` / `exp_nonpositive` (IEEE `+ − × ÷` and bit operations only; accurate to well under an f32
//! ulp) and keep std's results at the edges the scorers can reach (`ln 0 = −∞`, `0^e`).

use crate::model::math::{exp_nonpositive, ln_positive};

/// `ln x` in f64: `−∞` at 0, NaN below 0 or for NaN, `∞` at `∞`.
pub(crate) fn ln64(x: f64) -> f64 {
    if x == 0.0 {
        f64::NEG_INFINITY
    } else if x.is_nan() || x < 0.0 {
        f64::NAN
    } else if x.is_infinite() {
        f64::INFINITY
    } else {
        ln_positive(x)
    }
}

/// `ln x` in f32 (computed in f64, rounded once).
pub(crate) fn ln32(x: f32) -> f32 {
    ln64(f64::from(x)) as f32
}

/// `e^x` in f64 for any `x` (`e^x = 1 / e^{−x}` above 0; overflows to `∞`).
pub(crate) fn exp64(x: f64) -> f64 {
    if x.is_nan() {
        x
    } else if x <= 0.0 {
        exp_nonpositive(x)
    } else {
        1.0 / exp_nonpositive(-x)
    }
}

/// `b^e` in f64 for `b ≥ 0` (`e^{e·ln b}`; `0^e` is 0, 1 or `∞` as in std; NaN for `b < 0`).
pub(crate) fn pow64(b: f64, e: f64) -> f64 {
    if e == 0.0 {
        1.0
    } else if b == 0.0 {
        if e > 0.0 {
            0.0
        } else {
            f64::INFINITY
        }
    } else if b == 1.0 {
        1.0
    } else {
        exp64(e * ln64(b))
    }
}

/// `b^e` in f32 for `b ≥ 0` (computed in f64, rounded once).
pub(crate) fn pow32(b: f32, e: f32) -> f32 {
    pow64(f64::from(b), f64::from(e)) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_std_within_an_ulp_and_at_the_edges() {
        for &x in &[1e-30f64, 1e-3, 0.5, 1.0, 1.5, 2.0, 10.0, 12345.678, 1e30] {
            approx::assert_relative_eq!(ln64(x), x.ln(), max_relative = 1e-14);
            approx::assert_relative_eq!(ln32(x as f32), (x as f32).ln(), max_relative = 2e-7);
            for &e in &[-2.5f64, -0.5, 0.3, 1.0, 3.0] {
                approx::assert_relative_eq!(pow64(x, e), x.powf(e), max_relative = 1e-12);
            }
        }
        for &x in &[-700.0f64, -3.0, -1e-9, 0.0, 1e-9, 3.0, 700.0] {
            approx::assert_relative_eq!(exp64(x), x.exp(), max_relative = 1e-14);
        }
        assert_eq!(ln64(0.0), f64::NEG_INFINITY);
        assert!(ln64(-1.0).is_nan() && ln32(f32::NAN).is_nan());
        assert_eq!(ln32(f32::INFINITY), f32::INFINITY);
        assert_eq!(exp64(800.0), f64::INFINITY);
        assert_eq!(pow64(0.0, 2.0), 0.0);
        assert_eq!(pow64(0.0, -1.0), f64::INFINITY);
        assert_eq!(pow64(5.0, 0.0), 1.0);
        assert_eq!(pow32(0.5, 0.0), 1.0);
        assert_eq!(pow32(0.5, 1.0), 0.5);
        assert_eq!(pow32(0.5, 2.0), 0.25);
    }
}
