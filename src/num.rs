//! A small number formatter for error messages: [`F64`] and [`F32`] print a float the way core's `Display` does
//! for the values messages meet (`-3`, `2.5`, `0.001`, `NaN`, `inf`, `-inf`, `-0`), in much less code.
//!
//! Why not `{}` of the float: core's float printing (Grisu with a Dragon fallback, ~20 KB of wasm) stays linked
//! into the browser download as long as *any* path formats a float, and error messages are the only such paths.
//! These print 15 significant digits of an `f64` and 7 of an `f32` (trailing zeros dropped), not the shortest
//! round-trip form: an `f64` that needs 16–17 digits comes back within 1e-14 relative, an `f32` within 1e-6
//! (the proptests in this file check both). Magnitudes from 1e-5 to below 1e16 print in positional notation
//! (whole numbers exactly, as core does), others as `1.5e-7` / `2e300` (core writes all the digits out).

use std::fmt;

/// An `f64` that displays with 15 significant digits (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct F64(pub f64);

/// An `f32` that displays with 7 significant digits (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct F32(pub f32);

impl fmt::Display for F64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_float(self.0, 15))
    }
}

impl fmt::Display for F32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_float(f64::from(self.0), 7))
    }
}

/// `10^k` for `0 <= k <= 22` exactly (every such power is an `f64`), larger `k` with one rounding per 10^22.
#[inline(never)]
fn pow10(mut k: u32) -> f64 {
    let mut p = 1.0f64;
    while k > 22 {
        p *= 1e22;
        k -= 22;
    }
    let mut q = 1.0f64;
    for _ in 0..k {
        q *= 10.0;
    }
    p * q
}

/// `x · 10^s`, rounded to a whole number (one function, not inlined per use: code size).
#[inline(never)]
fn scaled_round(x: f64, s: i32) -> f64 {
    let r = if s > 300 {
        // Subnormals: two steps so the power stays finite.
        x * pow10(300) * pow10((s - 300) as u32)
    } else if s >= 0 {
        x * pow10(s as u32)
    } else {
        x / pow10((-s) as u32)
    };
    r.round()
}

/// `x` (finite, > 0) scaled to `[10^(digits-1), 10^digits)` and rounded: the decimal digits and the exponent `e`
/// of the leading digit (`x ≈ m · 10^(e - digits + 1)`).
fn digits_of(x: f64, digits: u32) -> (u64, i32) {
    // The decimal exponent from the binary one: x in [2^b, 2^(b+1)) has its leading digit at
    // floor(b·log10 2) or one above (corrected below). Subnormals are scaled up first so `b` is exact.
    let (y, shift) = if x < 1e-300 { (x * 1e300, 300) } else { (x, 0) };
    let bexp = ((y.to_bits() >> 52) & 0x7ff) as i32 - 1023;
    let mut e = ((bexp as f64) * std::f64::consts::LOG10_2).floor() as i32 - shift;
    let scale = |e: i32| scaled_round(x, digits as i32 - 1 - e);
    let lo = pow10(digits - 1);
    let hi = pow10(digits);
    let mut m = scale(e);
    if m >= hi {
        e += 1;
        m = scale(e);
    } else if m < lo {
        e -= 1;
        m = scale(e);
    }
    // Rounding up may carry into a new digit (9.999… → 10.00…).
    if m >= hi {
        m /= 10.0;
        e += 1;
    }
    (m as u64, e)
}

/// `x` with at most `digits` significant digits (1..=15), trailing zeros dropped; `NaN`, `inf`, `-inf`.
pub fn format_float(x: f64, digits: u32) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    let mut out = String::new();
    if x.is_sign_negative() {
        out.push('-');
    }
    let a = x.abs();
    if a.is_infinite() {
        out.push_str("inf");
        return out;
    }
    // Whole numbers below 10^16 (and zero) print exactly, every digit, as core does.
    if a < 1e16 && a.fract() == 0.0 {
        out.push_str(&(a as u64).to_string());
        return out;
    }
    let (m, e) = digits_of(a, digits);
    // The significant digits, trailing zeros dropped (`m` has no more than 15 digits and is not 0).
    let mut text = m.to_string();
    text.truncate(text.trim_end_matches('0').len());
    let ds = text.as_bytes();
    let digit = |i: usize| char::from(ds.get(i).copied().unwrap_or(b'0'));
    if (-5..16).contains(&e) {
        if e < 0 {
            out.push_str("0.");
            for _ in 0..(-e - 1) {
                out.push('0');
            }
            out.push_str(&text);
        } else {
            // Leading digit at 10^e: the integer part is `e + 1` digits (zero-padded), then the rest.
            let int = e as usize + 1;
            for i in 0..int.max(ds.len()) {
                if i == int {
                    out.push('.');
                }
                out.push(digit(i));
            }
        }
    } else {
        out.push(digit(0));
        if ds.len() > 1 {
            out.push('.');
            out.push_str(&text[1..]);
        }
        out.push('e');
        out.push_str(&e.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_what_messages_meet_as_core_does() {
        for x in [
            0.0,
            -0.0,
            1.0,
            -3.0,
            2.5,
            1.5,
            -1.0,
            5.0,
            0.001,
            0.1,
            0.25,
            1000.0,
            1e15,
            123.456,
            -0.5,
            0.3,
            1_733_000_000_000.0,
            1_733_000_000_000.5,
            0.00012,
            4_294_967_296.0,
            9.5,
            99.99,
        ] {
            assert_eq!(F64(x).to_string(), x.to_string(), "{x:?}");
        }
        for x in [
            0.0f32, 1.0, -3.0, 2.5, 0.001, 0.1, 0.25, 0.9, 1e-4, 3.25, 12.375, 65504.0, 0.01,
        ] {
            assert_eq!(F32(x).to_string(), x.to_string(), "{x:?}");
        }
        assert_eq!(F64(f64::NAN).to_string(), "NaN");
        assert_eq!(F64(f64::INFINITY).to_string(), "inf");
        assert_eq!(F64(f64::NEG_INFINITY).to_string(), "-inf");
        assert_eq!(F32(f32::NEG_INFINITY).to_string(), "-inf");
        assert_eq!(F32(f32::NAN).to_string(), "NaN");
    }

    #[test]
    fn outside_the_positional_range_it_writes_an_exponent() {
        assert_eq!(F64(1.5e-7).to_string(), "1.5e-7");
        assert_eq!(F64(2e300).to_string(), "2e300");
        assert_eq!(F64(-2e16).to_string(), "-2e16");
        assert_eq!(F64(9_007_199_254_740_993.0).to_string(), "9007199254740992");
        assert_eq!(F64(f64::MAX).to_string(), "1.79769313486232e308");
        assert_eq!(F64(5e-324).to_string(), "4.94065645841247e-324");
        assert_eq!(F32(f32::MAX).to_string(), "3.402823e38");
        // Rounding that carries into a new digit.
        assert_eq!(format_float(9.999_999_99, 7), "10");
        assert_eq!(format_float(0.000_099_999_999_9, 7), "0.0001");
        assert_eq!(format_float(-9.999_999_99e20, 7), "-1e21");
        assert_eq!(F64(0.099_999_999_999_999_99).to_string(), "0.1");
        assert_eq!(F32(0.1).to_string(), "0.1");
        assert_eq!(F64(f64::from(0.1f32)).to_string(), "0.100000001490116");
    }

    #[test]
    fn sampled_values_parse_back() {
        // Deterministic sweep (the proptests in tests/properties_core.rs draw arbitrary bit patterns).
        let mut bits = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            bits ^= bits << 13;
            bits ^= bits >> 7;
            bits ^= bits << 17;
            check(f64::from_bits(bits), 15, 1e-14);
            check(f64::from(f32::from_bits(bits as u32)), 7, 1e-6);
        }
    }

    fn check(x: f64, digits: u32, tol: f64) {
        let s = format_float(x, digits);
        let back: f64 = s.parse().unwrap_or(f64::NAN);
        if x.is_nan() {
            assert!(back.is_nan(), "{x:?} -> {s}");
        } else if x.is_infinite() || x == 0.0 {
            assert_eq!(back.to_bits(), x.to_bits(), "{x:?} -> {s}");
        } else {
            assert!(((back - x) / x).abs() <= tol, "{x:?} -> {s} -> {back:?}");
            assert_eq!(
                back.is_sign_negative(),
                x.is_sign_negative(),
                "{x:?} -> {s}"
            );
        }
    }
}
