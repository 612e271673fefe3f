//! Deterministic scalar maths for the model: `exp`, sigmoid and the softplus term of the loss.
//!
//! `f32::exp` and `f64::ln_1p` call the platform's libm (glibc natively, a Rust port of musl in wasm32),
//! whose last bits may differ. These functions use only IEEE-754 `+ − × ÷` and `floor` (all exactly or
//! correctly rounded everywhere), so a model's outputs and gradients are bit-identical natively and in the
//! browser. They compute in `f64` and are accurate to well under one `f32` ulp.

/// `ln 2` split for Cody–Waite range reduction: `LN2_HI` has trailing zero bits so `k · LN2_HI` is exact.
/// (fdlibm's `ln2_hi` / `ln2_lo`, given by their bit patterns so no decimal rounding is involved.)
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);

/// `1 / i!` for `i = 0..=13`, evaluated at compile time (IEEE arithmetic, the same bits everywhere).
const INV_FACTORIAL: [f64; 14] = {
    let mut t = [0.0f64; 14];
    let mut f = 1.0f64;
    let mut i = 0;
    while i < 14 {
        if i > 0 {
            f *= i as f64;
        }
        t[i] = 1.0 / f;
        i += 1;
    }
    t
};

/// `1 / (2i + 1)` for the atanh series of [`log1p_exp_neg_abs`].
const INV_ODD: [f64; 20] = {
    let mut t = [0.0f64; 20];
    let mut i = 0;
    while i < 20 {
        t[i] = 1.0 / (2 * i + 1) as f64;
        i += 1;
    }
    t
};

/// `e^x` for `x ≤ 0` (larger inputs are clamped to 0, giving 1). NaN gives NaN.
///
/// Range reduction `x = k·ln2 + r`, `|r| ≤ ln2/2`, then a degree-13 Taylor polynomial (truncation error
/// below 1e-17), then scaling by `2^k` built from its bit pattern.
pub(crate) fn exp_nonpositive(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    let x = x.min(0.0);
    if x < -745.0 {
        return 0.0;
    }
    let k = (x * std::f64::consts::LOG2_E + 0.5).floor();
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // Horner form of Σ r^i / i!, i = 0..=13.
    let mut p = INV_FACTORIAL[13];
    for c in INV_FACTORIAL[..13].iter().rev() {
        p = p * r + c;
    }
    // k is an integer in [-1075, 0].
    let k = k as i64;
    if k >= -1022 {
        p * f64::from_bits(((k + 1023) as u64) << 52)
    } else {
        // Two steps so neither scale factor is subnormal.
        p * f64::from_bits(((k + 600 + 1023) as u64) << 52)
            * f64::from_bits(((1023 - 600) as u64) << 52)
    }
}

/// The logistic function `1 / (1 + e^{-z})`, computed without overflow for any finite `z`.
pub(crate) fn sigmoid(z: f32) -> f32 {
    let e = exp_nonpositive(-f64::from(z).abs());
    let s = if z >= 0.0 {
        1.0 / (1.0 + e)
    } else {
        e / (1.0 + e)
    };
    s as f32
}

/// `ln(1 + e^{-|z|})`, the softplus tail that makes binary cross-entropy from logits stable.
///
/// With `t = e^{-|z|} ∈ (0, 1]` and `s = t / (2 + t) ∈ (0, 1/3]`, `ln(1 + t) = 2·atanh(s)
/// = 2·(s + s³/3 + s⁵/5 + …)`; 20 terms reach double precision.
pub(crate) fn log1p_exp_neg_abs(z: f32) -> f64 {
    let t = exp_nonpositive(-f64::from(z).abs());
    let s = t / (2.0 + t);
    let s2 = s * s;
    let mut term = s;
    let mut sum = 0.0f64;
    for inv in INV_ODD {
        sum += term * inv;
        term *= s2;
    }
    2.0 * sum
}

/// `ln x` for finite `x > 0` (0 for anything else), with IEEE-754 `+ − × ÷` and bit operations only.
///
/// `x = m · 2^e` with `m ∈ [√½, √2)` (exact, from the bit pattern), `ln m = 2·atanh(s)`, `s = (m−1)/(m+1)`,
/// `|s| < 0.172`, 20 series terms; then `e · ln 2` added in two parts (Cody–Waite).
pub(crate) fn ln_positive(x: f64) -> f64 {
    if !(x.is_finite() && x > 0.0) {
        return 0.0;
    }
    // Scale subnormals into the normal range (exact).
    let (x, bias) = if x < f64::MIN_POSITIVE {
        (x * f64::from_bits((1023u64 + 54) << 52), -54i64)
    } else {
        (x, 0)
    };
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023 + bias;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | (1023u64 << 52));
    if m > std::f64::consts::SQRT_2 {
        m *= 0.5;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut term = s;
    let mut sum = 0.0f64;
    for inv in INV_ODD {
        sum += term * inv;
        term *= s2;
    }
    let e = e as f64;
    e * LN2_HI + (e * LN2_LO + 2.0 * sum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn ln_matches_std_closely() {
        for x in [
            1e-300, 1e-9, 0.3, 0.5, 0.999, 1.0, 1.5, 2.0, 7.25, 1e6, 1e300, 5e-324,
        ] {
            let (got, want) = (ln_positive(x), x.ln());
            assert!(
                (got - want).abs() <= 1e-15 * want.abs().max(1.0),
                "{x}: {got} vs {want}"
            );
        }
        assert_eq!(ln_positive(1.0), 0.0);
        assert_eq!(ln_positive(0.0), 0.0);
        assert_eq!(ln_positive(-1.0), 0.0);
        assert_eq!(ln_positive(f64::NAN), 0.0);
    }

    #[test]
    fn exp_matches_std_closely() {
        let mut x = 0.0f64;
        while x > -740.0 {
            let want = x.exp();
            let got = exp_nonpositive(x);
            assert_relative_eq!(got, want, max_relative = 1e-14);
            x -= 0.137;
        }
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert_eq!(exp_nonpositive(-1e9), 0.0);
        assert!(exp_nonpositive(f64::NAN).is_nan());
    }

    #[test]
    fn sigmoid_is_accurate_and_saturates_without_nan() {
        for &z in &[-90.0f32, -20.0, -3.5, -1e-3, 0.0, 1e-3, 2.0, 17.0, 90.0] {
            let want = 1.0 / (1.0 + (-f64::from(z)).exp());
            assert_relative_eq!(f64::from(sigmoid(z)), want, max_relative = 1e-6);
        }
        assert_eq!(sigmoid(0.0), 0.5);
        assert_eq!(sigmoid(1e30), 1.0);
        assert_eq!(sigmoid(-1e30), 0.0);
    }

    #[test]
    fn softplus_tail_matches_std() {
        for &z in &[0.0f32, 1e-4, 0.5, -2.0, 10.0, -40.0, 100.0] {
            let want = (-f64::from(z).abs()).exp().ln_1p();
            assert_relative_eq!(log1p_exp_neg_abs(z), want, max_relative = 1e-13);
        }
    }
}
