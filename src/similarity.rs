//! Cosine similarity (pairwise and batched over an item matrix) and bounded-heap top-k selection.
//!
//! [`cosine_batch`] scores one query against every row of an `n × d` matrix with one matrix–vector product
//! (`O(n·d)`, no per-item loop of calls); [`top_k`] / [`top_k_filtered`] / [`top_k_by_id`] pick the best `k`
//! in `O(n log k)` with a bounded heap and a deterministic tie-break (lower index / id first), never sorting
//! the whole catalogue.
//!
//! # Deviation from the original design
//!
//! The paper this product started from defines `sim(i, j) = cos(u_i, v_j) / sqrt(‖u_i‖·‖v_j‖)`. That divides by
//! the norms twice (cosine is already `u·v / (‖u‖‖v‖)`), so the result depends on vector length and is not
//! bounded by `[-1, 1]`, and the paper's own worked example does not follow it. alsobuy implements true cosine,
//! `u·v / (‖u‖‖v‖)`, and defines the similarity of a zero vector to anything as `0` (never NaN).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use ndarray::{Array1, ArrayView1, ArrayView2, Axis};

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

/// The L2 norm of every row of `items` (`n × d`). `O(n · d)`, never panics.
pub fn row_norms(items: ArrayView2<f32>) -> Array1<f32> {
    items.map_axis(Axis(1), |r| r.dot(&r).sqrt())
}

/// Cosine of `query` against every row of `items`, by one matrix–vector product.
///
/// `norms` are the rows' L2 norms (from [`row_norms`], computed once per catalogue). Rows or queries with zero
/// norm get similarity `0.0`; results are clamped into `[-1, 1]`.
///
/// Complexity `O(n · d)`. Errors: [`Error::DimensionMismatch`] if `query.len() != d` or `norms.len() != n`;
/// [`Error::NotFinite`] if the query holds NaN/∞. Never panics.
pub fn cosine_batch(
    items: ArrayView2<f32>,
    norms: ArrayView1<f32>,
    query: ArrayView1<f32>,
) -> Result<Array1<f32>> {
    if query.len() != items.ncols() {
        return Err(Error::DimensionMismatch {
            what: "query",
            got: query.len(),
            expected: items.ncols(),
        });
    }
    if norms.len() != items.nrows() {
        return Err(Error::DimensionMismatch {
            what: "norms",
            got: norms.len(),
            expected: items.nrows(),
        });
    }
    if let Some(&x) = query.iter().find(|x| !x.is_finite()) {
        return Err(Error::NotFinite {
            field: "query",
            value: f64::from(x),
        });
    }
    let qn = query.dot(&query).sqrt();
    // Row-by-row dot products with four accumulators ([`dot`], vectorised, SIMD128 in the browser):
    // ndarray's generic matrix–vector product has no fast path without BLAS and dominated also-buy calls.
    let mut dots = match (items.as_slice(), query.as_slice()) {
        (Some(flat), Some(q)) if !q.is_empty() => {
            Array1::from_iter(flat.chunks_exact(q.len()).map(|row| dot(row, q)))
        }
        _ => items.dot(&query),
    };
    if qn == 0.0 || !qn.is_finite() {
        dots.fill(0.0);
        return Ok(dots);
    }
    dots.zip_mut_with(&norms, |d, &n| {
        let s = *d / (n * qn);
        *d = if n > 0.0 && s.is_finite() {
            s.clamp(-1.0, 1.0)
        } else {
            0.0
        };
    });
    Ok(dots)
}

/// A (score, index) pair ordered so that the *worst* entry is the heap's maximum: lower score is worse, and
/// among equal scores the higher index is worse.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Worst(f32, usize);

impl Eq for Worst {}

impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .0
            .total_cmp(&self.0)
            .then_with(|| self.1.cmp(&other.1))
    }
}

impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The `k` best `(index, score)` pairs of `scores`, best first; ties go to the lower index. NaN scores are
/// skipped.
///
/// Complexity `O(n log k)` time, `O(k)` extra space (a bounded heap; the whole slice is never sorted).
pub fn top_k(scores: &[f32], k: usize) -> Vec<(usize, f32)> {
    top_k_filtered(scores, k, |_| true)
}

/// Like [`top_k`], considering only indices where `keep(index)` is true.
pub fn top_k_filtered(
    scores: &[f32],
    k: usize,
    mut keep: impl FnMut(usize) -> bool,
) -> Vec<(usize, f32)> {
    if k == 0 {
        return Vec::new();
    }
    let mut heap: BinaryHeap<Worst> = BinaryHeap::with_capacity(k.min(scores.len()) + 1);
    for (i, &s) in scores.iter().enumerate() {
        if s.is_nan() {
            continue;
        }
        if heap.len() == k {
            match heap.peek() {
                Some(w) if Worst(s, i) < *w => {}
                _ => continue,
            }
        }
        if !keep(i) {
            continue;
        }
        heap.push(Worst(s, i));
        if heap.len() > k {
            heap.pop();
        }
    }
    // `Worst`'s order is total (score descending, then index ascending), so the heap's own ascending sort is
    // the best-first order; it reuses the heap's sift code instead of instantiating another sort (wasm size).
    heap.into_sorted_vec()
        .into_iter()
        .map(|Worst(s, i)| (i, s))
        .collect()
}

/// The `k` best `(id, score)` pairs of `pairs`, best first; ties go to the lower id, so the result does not
/// depend on the order the pairs arrive in (e.g. hash-map order). NaN scores are skipped.
///
/// Complexity `O(n log k)` time, `O(k)` extra space.
pub fn top_k_by_id(pairs: impl IntoIterator<Item = (u32, f32)>, k: usize) -> Vec<(u32, f32)> {
    if k == 0 {
        return Vec::new();
    }
    let mut heap: BinaryHeap<Worst> = BinaryHeap::with_capacity(k + 1);
    for (id, s) in pairs {
        if s.is_nan() {
            continue;
        }
        let cand = Worst(s, id as usize);
        if heap.len() == k {
            match heap.peek() {
                Some(w) if cand < *w => {}
                _ => continue,
            }
        }
        heap.push(cand);
        if heap.len() > k {
            heap.pop();
        }
    }
    // Best first, as in `top_k_filtered`: one sort for every caller's iterator type.
    heap.into_sorted_vec()
        .into_iter()
        .map(|Worst(s, i)| (i as u32, s))
        .collect()
}

/// Dot product of two slices (the shorter length). `O(n)`; four accumulators so it vectorises.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (a.get(..n).unwrap_or(&[]), b.get(..n).unwrap_or(&[]));
    let mut acc = [0.0f32; 4];
    let (mut ca, mut cb) = (a.chunks_exact(4), b.chunks_exact(4));
    for (x, y) in (&mut ca).zip(&mut cb) {
        for ((s, p), q) in acc.iter_mut().zip(x).zip(y) {
            *s += p * q;
        }
    }
    let mut sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (p, q) in ca.remainder().iter().zip(cb.remainder()) {
        sum += p * q;
    }
    sum
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

    #[test]
    fn batch_matches_pairwise_cosine() {
        let items = ndarray::array![
            [1.0f32, 0.0, 0.0],
            [1.0, 1.0, 0.0],
            [0.0, 0.0, 0.0],
            [-2.0, 0.0, 0.0]
        ];
        let q = ndarray::array![2.0f32, 1.0, 0.0];
        let norms = row_norms(items.view());
        let got = cosine_batch(items.view(), norms.view(), q.view()).unwrap();
        for (row, g) in items.rows().into_iter().zip(got.iter()) {
            let want = cosine(row.as_slice().unwrap(), q.as_slice().unwrap()).unwrap();
            assert_relative_eq!(*g, want, epsilon = 1e-6);
        }
        let zero = cosine_batch(
            items.view(),
            norms.view(),
            ndarray::array![0.0f32, 0.0, 0.0].view(),
        )
        .unwrap();
        assert!(zero.iter().all(|x| *x == 0.0));
        assert!(cosine_batch(items.view(), norms.view(), ndarray::array![1.0f32].view()).is_err());
        assert!(cosine_batch(
            items.view(),
            norms.view(),
            ndarray::array![f32::NAN, 0.0, 0.0].view()
        )
        .is_err());
    }

    #[test]
    fn top_k_is_ordered_with_index_tie_break() {
        let s = [0.5, 0.9, 0.5, f32::NAN, 0.1, 0.9];
        assert_eq!(top_k(&s, 3), vec![(1, 0.9), (5, 0.9), (0, 0.5)]);
        assert_eq!(top_k(&s, 0), vec![]);
        assert_eq!(top_k(&s, 10).len(), 5);
        assert_eq!(top_k_filtered(&s, 2, |i| i != 1), vec![(5, 0.9), (0, 0.5)]);
    }

    #[test]
    fn top_k_by_id_ignores_arrival_order() {
        let a = [(7u32, 0.5f32), (3, 0.5), (9, 0.9), (1, f32::NAN), (2, 0.1)];
        let mut b = a;
        b.reverse();
        assert_eq!(top_k_by_id(a, 3), vec![(9, 0.9), (3, 0.5), (7, 0.5)]);
        assert_eq!(top_k_by_id(b, 3), top_k_by_id(a, 3));
        assert_eq!(top_k_by_id(a, 0), vec![]);
    }

    #[test]
    fn dot_matches_naive() {
        let a: Vec<f32> = (0..11).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..11).map(|i| 3.0 - i as f32).collect();
        let want: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert_relative_eq!(dot(&a, &b), want, epsilon = 1e-4);
        assert_eq!(dot(&[], &[1.0]), 0.0);
    }

    #[test]
    fn top_k_agrees_with_a_full_sort() {
        let s: Vec<f32> = (0..200).map(|i| ((i * 37) % 23) as f32).collect();
        let mut all: Vec<(usize, f32)> = s.iter().copied().enumerate().collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        assert_eq!(top_k(&s, 17), all[..17].to_vec());
    }
}
