//! Ranking metrics, catalogue coverage, popularity bias and a seeded paired (optionally cluster) bootstrap.
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
/// An empty input gives an all-zero estimate; mismatched lengths use the common prefix. Every case is its
/// own cluster: this is [`bootstrap_clustered`] with singleton clusters (the same numbers for the same seed).
pub fn bootstrap(
    a: &[f64],
    b: Option<&[f64]>,
    resamples: usize,
    level: f64,
    seed: u64,
) -> Estimate {
    let n = b.map_or(a.len(), |b| a.len().min(b.len()));
    let singletons: Vec<usize> = (0..n).collect();
    bootstrap_clustered(a, b, &singletons, resamples, level, seed)
}

/// [`bootstrap`] resampling **clusters** of cases instead of cases: `clusters[i]` is the cluster id of case
/// `i` (e.g. its basket, when every item of a basket is a case). Each resample draws as many clusters as
/// there are, with replacement, and takes the mean over all cases of the drawn clusters (a ratio estimator:
/// the sum of their per-case values over the number of their cases, so a basket weighs by its cases as in
/// the observed mean). The observed mean is the plain mean over cases. Correlated cases of one cluster
/// move together, so the interval is honest where a case bootstrap would be too narrow.
///
/// Clusters are numbered in order of first appearance; with singleton clusters the draws and sums are
/// exactly [`bootstrap`]'s. Cases past the common length of `a`, `b` and `clusters` are ignored; no case
/// gives an all-zero estimate. `O(resamples · clusters + n)`.
pub fn bootstrap_clustered(
    a: &[f64],
    b: Option<&[f64]>,
    clusters: &[usize],
    resamples: usize,
    level: f64,
    seed: u64,
) -> Estimate {
    let diffs: Vec<f64> = match b {
        Some(b) => a.iter().zip(b).map(|(x, y)| x - y).collect(),
        None => a.to_vec(),
    };
    let n = diffs.len().min(clusters.len());
    if n == 0 {
        return Estimate {
            mean: 0.0,
            lo: 0.0,
            hi: 0.0,
        };
    }
    let mean = diffs.iter().take(n).sum::<f64>() / n as f64;
    // Per cluster (in order of first appearance): the sum of its values and its number of cases.
    let mut index: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    let mut sums: Vec<(f64, usize)> = Vec::new();
    for (&d, &c) in diffs.iter().zip(clusters) {
        let j = *index.entry(c).or_insert_with(|| {
            sums.push((0.0, 0));
            sums.len() - 1
        });
        if let Some(s) = sums.get_mut(j) {
            s.0 += d;
            s.1 += 1;
        }
    }
    let m = sums.len();
    let resamples = resamples.max(1);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut means: Vec<f64> = (0..resamples)
        .map(|_| {
            let (mut s, mut count) = (0.0, 0usize);
            for _ in 0..m {
                let (v, c) = sums
                    .get(rng.random_range(0..m))
                    .copied()
                    .unwrap_or((0.0, 0));
                s += v;
                count += c;
            }
            s / count.max(1) as f64
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

    /// The case bootstrap as it was before clusters existed (kept verbatim as the reference).
    fn bootstrap_by_case(
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
        let mean = diffs.iter().sum::<f64>() / n as f64;
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
        let alpha = (1.0 - level) / 2.0;
        let at = |q: f64| means[((q * (resamples - 1) as f64).round() as usize).min(resamples - 1)];
        Estimate {
            mean,
            lo: at(alpha),
            hi: at(1.0 - alpha),
        }
    }

    #[test]
    fn singleton_clusters_give_exactly_the_case_bootstrap() {
        let a: Vec<f64> = (0..300).map(|i| ((i * 37) % 11) as f64 / 10.0).collect();
        let b: Vec<f64> = (0..300).map(|i| ((i * 13) % 7) as f64 / 6.0).collect();
        // Distinct ids in any order are singletons too.
        let ids: Vec<usize> = (0..300).map(|i| 1000 - 3 * i).collect();
        for seed in [0, 42, 7] {
            for (x, y) in [(&a, None), (&a, Some(&b[..]))] {
                let reference = bootstrap_by_case(x, y, 500, 0.95, seed);
                assert_eq!(bootstrap(x, y, 500, 0.95, seed), reference);
                assert_eq!(bootstrap_clustered(x, y, &ids, 500, 0.95, seed), reference);
            }
        }
    }

    #[test]
    fn duplicated_cases_clustered_match_the_originals_and_a_case_bootstrap_is_too_narrow() {
        // 40 cases, each duplicated 5 times (perfectly correlated): clustering by original gives the
        // interval of the 40 originals; resampling the 200 copies as independent shrinks it by about √5.
        let orig: Vec<f64> = (0..40).map(|i| ((i * 7) % 5) as f64 / 4.0).collect();
        let dup: Vec<f64> = orig.iter().flat_map(|&v| [v; 5]).collect();
        let ids: Vec<usize> = (0..200).map(|i| i / 5).collect();
        let base = bootstrap(&orig, None, 2000, 0.95, 9);
        let clustered = bootstrap_clustered(&dup, None, &ids, 2000, 0.95, 9);
        assert_abs_diff_eq!(clustered.mean, base.mean, epsilon = 1e-12);
        assert_abs_diff_eq!(clustered.lo, base.lo, epsilon = 1e-12);
        assert_abs_diff_eq!(clustered.hi, base.hi, epsilon = 1e-12);
        let naive = bootstrap(&dup, None, 2000, 0.95, 9);
        let (wc, wn) = (clustered.hi - clustered.lo, naive.hi - naive.lo);
        assert!(wc > 1.8 * wn && wc < 2.8 * wn, "clustered {wc}, naive {wn}");
        // Paired: the same holds for a difference.
        let other: Vec<f64> = dup.iter().map(|v| v * 0.5).collect();
        let dc = bootstrap_clustered(&dup, Some(&other), &ids, 2000, 0.95, 9);
        let dn = bootstrap(&dup, Some(&other), 2000, 0.95, 9);
        assert!(dc.hi - dc.lo > 1.8 * (dn.hi - dn.lo));
    }

    #[test]
    fn cluster_bootstrap_is_a_ratio_estimator_by_hand() {
        // Clusters A = {1, 1} (two cases) and B = {0}: the observed mean is over cases, 2/3 (not the mean
        // of cluster means, 1/2). A resample of two clusters is AA → 1, AB or BA → 2/3 (ratio: 2 of 3
        // cases; a mean of cluster means would give 1/2), BB → 0, with probabilities 1/4, 1/2, 1/4.
        let v = [1.0, 0.0, 1.0];
        let ids = [5, 9, 5];
        let e = bootstrap_clustered(&v, None, &ids, 4000, 0.95, 3);
        assert_abs_diff_eq!(e.mean, 2.0 / 3.0, epsilon = 1e-15);
        assert_eq!((e.lo, e.hi), (0.0, 1.0));
        // The 30% and 70% quantiles both fall in the mixed draws.
        let mid = bootstrap_clustered(&v, None, &ids, 4000, 0.4, 3);
        assert_abs_diff_eq!(mid.lo, 2.0 / 3.0, epsilon = 1e-15);
        assert_abs_diff_eq!(mid.hi, 2.0 / 3.0, epsilon = 1e-15);
        // One resample replayed by hand with the same generator: cluster A is index 0, B index 1.
        let mut rng = StdRng::seed_from_u64(11);
        let (s, c) = (0..2).fold((0.0, 0), |(s, c), _| match rng.random_range(0..2usize) {
            0 => (s + 2.0, c + 2),
            _ => (s, c + 1),
        });
        let one = bootstrap_clustered(&v, None, &ids, 1, 0.95, 11);
        assert_eq!((one.lo, one.hi), (s / c as f64, s / c as f64));
        // No case, or no cluster ids: zeros; extra ids are ignored.
        assert_eq!(bootstrap_clustered(&v, None, &[], 10, 0.95, 0).mean, 0.0);
        assert_eq!(bootstrap_clustered(&[], None, &ids, 10, 0.95, 0).hi, 0.0);
        let extra = bootstrap_clustered(&v, None, &[5, 9, 5, 7, 7], 50, 0.95, 1);
        assert_eq!(extra, bootstrap_clustered(&v, None, &ids, 50, 0.95, 1));
    }
}
