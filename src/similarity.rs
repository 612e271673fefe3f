//! Cosine similarity.
//!
//! # Deviation from the original design
//!
//! The paper this product started from defines `sim(i, j) = cos(u_i, v_j) / sqrt(‖u_i‖·‖v_j‖)`. That divides by
//! the norms twice (cosine is already `u·v / (‖u‖‖v‖)`), so the result depends on vector length and is not
//! bounded by `[-1, 1]`, and the paper's own worked example does not follow it. alsobuy implements true cosine,
//! `u·v / (‖u‖‖v‖)`, and defines the similarity of a zero vector to anything as `0` (never NaN).

use crate::error::{Error, Result};

/// True cosine similarity of two equally long vectors, in `[-1, 1]`.
///
/// A zero vector (or a vector whose norm underflows to zero) has similarity `0.0` with everything.
/// Accumulates in `f64`, so the result is symmetric and clamped into `[-1, 1]` against rounding.
///
/// Complexity: `O(n)`. Errors: [`Error::DimensionMismatch`] when the lengths differ,
/// [`Error::NotFinite`] when an element is NaN or infinite. Never panics.
pub fn cosine(a: &[f32], b: &[f32]) -> Result<f32> {
    if a.len() != b.len() {
        return Err(Error::DimensionMismatch {
            what: "b",
            got: b.len(),
            expected: a.len(),
        });
    }
    let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
    for (&x, &y) in a.iter().zip(b) {
        if !x.is_finite() {
            return Err(Error::NotFinite {
                field: "a",
                value: f64::from(x),
            });
        }
        if !y.is_finite() {
            return Err(Error::NotFinite {
                field: "b",
                value: f64::from(y),
            });
        }
        let (x, y) = (f64::from(x), f64::from(y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    let denom = (na * nb).sqrt();
    if denom == 0.0 || !denom.is_finite() {
        return Ok(0.0);
    }
    Ok((dot / denom).clamp(-1.0, 1.0) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn parallel_vectors_have_similarity_one() {
        assert_relative_eq!(
            cosine(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]).unwrap(),
            1.0,
            epsilon = 1e-6
        );
    }

    #[test]
    fn orthogonal_and_opposite() {
        assert_relative_eq!(cosine(&[1.0, 0.0], &[0.0, 5.0]).unwrap(), 0.0);
        assert_relative_eq!(
            cosine(&[1.0, 1.0], &[-2.0, -2.0]).unwrap(),
            -1.0,
            epsilon = 1e-6
        );
    }

    #[test]
    fn zero_vector_gives_zero_not_nan() {
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 2.0]).unwrap(), 0.0);
        assert_eq!(cosine(&[], &[]).unwrap(), 0.0);
    }

    #[test]
    fn the_papers_double_normalisation_is_not_used() {
        // cos = 1 here; the paper's formula would give 1 / sqrt(‖u‖‖v‖) = 1 / sqrt(5 * 10) ≈ 0.141.
        let s = cosine(&[3.0, 4.0], &[6.0, 8.0]).unwrap();
        assert_relative_eq!(s, 1.0, epsilon = 1e-6);
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        assert_eq!(
            cosine(&[1.0], &[1.0, 2.0]),
            Err(Error::DimensionMismatch {
                what: "b",
                got: 2,
                expected: 1
            })
        );
        assert!(matches!(
            cosine(&[f32::NAN], &[1.0]),
            Err(Error::NotFinite { field: "a", .. })
        ));
        assert!(matches!(
            cosine(&[1.0], &[f32::INFINITY]),
            Err(Error::NotFinite { field: "b", .. })
        ));
    }
}
