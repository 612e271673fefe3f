//! Ranking metrics, catalogue coverage, popularity bias and a seeded paired bootstrap.
//!
//! Ranks are 1-based. With one held-out item per case (the protocols in [`super::split`]), HR@K and recall@K
//! coincide, MRR@K = 1/rank and NDCG@K = 1/log2(rank + 1) (the ideal DCG is 1), all zero past K.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// 1 when the target's rank is within `k`, else 0.
pub fn hit(rank: Option<usize>, k: usize) -> f64 {
    match rank {
        Some(r) if r >= 1 && r <= k => 1.0,
        _ => 0.0,
    }
}

/// `1 / rank` when within `k`, else 0.
pub fn reciprocal_rank(rank: Option<usize>, k: usize) -> f64 {
    match rank {
        Some(r) if r >= 1 && r <= k => 1.0 / r as f64,
        _ => 0.0,
    }
}

/// `1 / log2(rank + 1)` when within `k`, else 0 (NDCG with a single relevant item).
pub fn ndcg_single(rank: Option<usize>, k: usize) -> f64 {
    match rank {
        Some(r) if r >= 1 && r <= k => 1.0 / ((r + 1) as f64).log2(),
        _ => 0.0,
    }
}

/// NDCG@K of a recommendation list against a set of relevant items (binary relevance). `O(k · |relevant|)`.
pub fn ndcg_at_k(recommended: &[u32], relevant: &[u32], k: usize) -> f64 {
    let dcg: f64 = recommended
        .iter()
        .take(k)
        .enumerate()
        .filter(|(_, it)| relevant.contains(it))
        .map(|(p, _)| 1.0 / ((p + 2) as f64).log2())
        .sum();
    let ideal: f64 = (0..relevant.len().min(k))
        .map(|p| 1.0 / ((p + 2) as f64).log2())
        .sum();
    if ideal == 0.0 {
        0.0
    } else {
        dcg / ideal
    }
}

/// Recall@K: the share of `relevant` items found in the first `k` recommendations (0 for no relevant item).
pub fn recall_at_k(recommended: &[u32], relevant: &[u32], k: usize) -> f64 {
    if relevant.is_empty() {
        return 0.0;
    }
    let found = recommended
        .iter()
        .take(k)
        .filter(|it| relevant.contains(it))
        .count();
    found as f64 / relevant.len() as f64
}

/// Catalogue coverage: the share of the `n_items` catalogue that appears in at least one list.
pub fn coverage<'a>(lists: impl IntoIterator<Item = &'a [u32]>, n_items: usize) -> f64 {
    if n_items == 0 {
        return 0.0;
    }
    let mut seen = vec![false; n_items];
    for list in lists {
        for &i in list {
            if let Some(s) = seen.get_mut(i as usize) {
                *s = true;
            }
        }
    }
    seen.iter().filter(|&&s| s).count() as f64 / n_items as f64
}

/// Per item, its popularity percentile in `[0, 1]`: the share of items strictly less popular plus half the
/// share of the other items equally popular (mid-rank). The most popular item of a catalogue without ties is
/// `(n − 1)/n`. `O(n log n)`.
pub fn popularity_percentiles(popularity: &[f32]) -> Vec<f64> {
    let n = popularity.len();
    let mut sorted: Vec<f32> = popularity.to_vec();
    sorted.sort_by(f32::total_cmp);
    popularity
        .iter()
        .map(|p| {
            let below = sorted.partition_point(|x| x.total_cmp(p).is_lt());
            let upto = sorted.partition_point(|x| x.total_cmp(p).is_le());
            let equal_others = upto - below - 1;
            (below as f64 + equal_others as f64 / 2.0) / n as f64
        })
        .collect()
}

/// A bootstrap estimate: the observed mean and a percentile confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Mean over the cases.
    pub mean: f64,
    /// Lower end of the interval.
    pub lo: f64,
    /// Upper end of the interval.
    pub hi: f64,
}

/// Mean of `a` with a percentile bootstrap interval at `level` (e.g. 0.95) from `resamples` resamples of the
/// cases, seeded. Equal-length `b` turns it into the paired difference `a − b` (resampling the same cases for
/// both, which is what makes a model comparison tight). `O(resamples · n)`.
///
/// An empty input gives an all-zero estimate; mismatched lengths use the common prefix.
pub fn bootstrap(
    a: &[f64],
    b: Option<&[f64]>,
    resamples: usize,
    level: f64,
    seed: u64,
) -> Estimate {
    let diffs: Vec<f64> = match b {
        Some(b) => a.iter().zip(b).map(|(x, y)| x - y).collect(),
        None => a.to_vec(),
    };
    let n = diffs.len();
    if n == 0 {
        return Estimate {
            mean: 0.0,
            lo: 0.0,
            hi: 0.0,
        };
    }
    let mean = diffs.iter().sum::<f64>() / n as f64;
    let resamples = resamples.max(1);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut means: Vec<f64> = (0..resamples)
        .map(|_| {
            let mut s = 0.0;
            for _ in 0..n {
                s += diffs.get(rng.random_range(0..n)).copied().unwrap_or(0.0);
            }
            s / n as f64
        })
        .collect();
    means.sort_by(f64::total_cmp);
    let alpha = ((1.0 - level) / 2.0).clamp(0.0, 0.5);
    let at = |q: f64| {
        let i = ((q * (resamples - 1) as f64).round() as usize).min(resamples - 1);
        means.get(i).copied().unwrap_or(mean)
    };
    Estimate {
        mean,
        lo: at(alpha),
        hi: at(1.0 - alpha),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn single_target_metrics_by_hand() {
        assert_eq!(hit(Some(10), 10), 1.0);
        assert_eq!(hit(Some(11), 10), 0.0);
        assert_eq!(hit(None, 10), 0.0);
        assert_abs_diff_eq!(reciprocal_rank(Some(4), 10), 0.25);
        assert_eq!(reciprocal_rank(Some(0), 10), 0.0);
        assert_abs_diff_eq!(ndcg_single(Some(1), 10), 1.0);
        assert_abs_diff_eq!(ndcg_single(Some(3), 10), 0.5);
        assert_abs_diff_eq!(ndcg_single(Some(7), 10), 1.0 / 3.0);
        assert_eq!(ndcg_single(Some(11), 10), 0.0);
    }

    #[test]
    fn list_metrics_by_hand() {
        // Relevant {5, 9}; list [5, 1, 9]: DCG = 1 + 1/2 = 1.5; IDCG = 1 + 1/log2(3) = 1.6309…
        let ndcg = ndcg_at_k(&[5, 1, 9], &[5, 9], 3);
        assert_abs_diff_eq!(ndcg, 1.5 / (1.0 + 1.0 / 3f64.log2()), epsilon = 1e-12);
        assert_abs_diff_eq!(
            ndcg_at_k(&[5, 1, 9], &[5, 9], 2),
            1.0 / (1.0 + 1.0 / 3f64.log2())
        );
        assert_eq!(ndcg_at_k(&[1], &[], 3), 0.0);
        assert_abs_diff_eq!(recall_at_k(&[5, 1, 9], &[5, 9, 7, 8], 3), 0.5);
        assert_abs_diff_eq!(recall_at_k(&[5, 1, 9], &[5, 9], 2), 0.5);
        // Single-target NDCG agrees with the list form.
        assert_abs_diff_eq!(ndcg_at_k(&[1, 2, 3], &[3], 10), ndcg_single(Some(3), 10));
    }

    #[test]
    fn coverage_and_popularity_percentiles() {
        let a = [0u32, 1];
        let b = [1u32, 2];
        assert_abs_diff_eq!(coverage([&a[..], &b[..]], 6), 0.5);
        assert_eq!(coverage([&a[..]], 0), 0.0);
        let p = popularity_percentiles(&[10.0, 1.0, 5.0, 5.0]);
        assert_abs_diff_eq!(p[0], 0.75);
        assert_abs_diff_eq!(p[1], 0.0);
        assert_abs_diff_eq!(p[2], 0.375);
        assert_abs_diff_eq!(p[3], 0.375);
    }

    #[test]
    fn bootstrap_is_seeded_and_brackets_the_mean() {
        let a: Vec<f64> = (0..200).map(|i| (i % 2) as f64).collect();
        let e = bootstrap(&a, None, 500, 0.95, 42);
        assert_abs_diff_eq!(e.mean, 0.5);
        assert!(e.lo < 0.5 && e.hi > 0.5 && e.lo > 0.35 && e.hi < 0.65);
        assert_eq!(e, bootstrap(&a, None, 500, 0.95, 42));
        // Paired: a constant difference has a zero-width interval.
        let b: Vec<f64> = a.iter().map(|x| x - 0.1).collect();
        let d = bootstrap(&a, Some(&b), 200, 0.95, 1);
        assert_abs_diff_eq!(d.mean, 0.1, epsilon = 1e-12);
        assert_abs_diff_eq!(d.lo, 0.1, epsilon = 1e-12);
        assert_abs_diff_eq!(d.hi, 0.1, epsilon = 1e-12);
        assert_eq!(bootstrap(&[], None, 10, 0.95, 0).mean, 0.0);
    }
}
