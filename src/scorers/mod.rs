//! Offline scorers: models that give every catalogue item a score for a shopper's query.
//!
//! Each model has a config builder (defaults, validated in `fit`) whose `fit(&Interactions)` returns the
//! fitted model; every fitted model implements [`Scorer`]. Scores are "higher is better" and only comparable
//! within one query. The query's item indices are those of the [`Interactions`] the model was fitted on;
//! indices outside the catalogue are ignored.
//!
//! | model | file | idea |
//! |---|---|---|
//! | `popular` | [`popular`] | distinct buyers per item |
//! | `cooccur` | [`cooccur`] | bought together in a session, asymmetric cosine (the browser's signal) |
//! | `content` | [`content`] | attribute similarity (category, brand, tags, price) through the item encoder |
//! | `knn` | [`item_knn`] | item–item cosine with shrinkage, top-N neighbours |
//! | `ease` | [`ease`] | EASE^R (Steck 2019), closed form, dense |
//! | `blend` | [`hybrid`] | recency-weighted EASE + kNN + popularity + repeat, normalised linear blend |
//! | `mlp` | [`mlp`] | the MLP re-ranker over the blend's candidates, trained on internal folds (per-row BCE) |
//! | `hybrid` | [`mlp`] | the default: the re-ranker trained listwise, its score fused with the blend's (`z + 0.5·z`) |

pub mod cocounts;
pub mod content;
pub mod cooccur;
pub(crate) mod detmath;
pub mod ease;
pub mod fitted;
pub mod hybrid;
pub mod item_knn;
pub mod mlp;
pub mod neighbours;
pub mod popular;

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use thiserror::Error;

use crate::interactions::Interactions;

pub use content::{Content, ContentConfig};
pub use cooccur::{Cooccur, CooccurScorerConfig};
pub use ease::{Ease, EaseConfig};
pub use fitted::{FittedModel, ModelLimits, TrainEventKind, TrainingData};
pub use hybrid::{Hybrid, HybridConfig};
pub use item_knn::{ItemKnn, ItemKnnConfig};
pub use mlp::{MlpRerank, MlpRerankConfig};
pub use popular::{Popular, PopularConfig};

/// What can go wrong while configuring, fitting or querying a scorer.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum ScorerError {
    /// A configuration value is out of its range.
    #[error("invalid {model} config: {field} = {value} ({reason})")]
    InvalidConfig {
        /// Which model.
        model: &'static str,
        /// Which field.
        field: &'static str,
        /// The value given.
        value: f64,
        /// What is allowed.
        reason: &'static str,
    },
    /// The catalogue is too large for a dense model.
    #[error("{model} needs a dense {n}×{n} matrix: the catalogue has {n} items, the limit is {limit}; use `knn` or `hybrid` (which falls back to kNN)")]
    CatalogueTooLarge {
        /// Which model.
        model: &'static str,
        /// Items in the catalogue.
        n: usize,
        /// The largest catalogue the model accepts.
        limit: usize,
    },
    /// The Gram matrix could not be factorised (not positive definite; λ too small for the data).
    #[error(
        "{model}: matrix not positive definite at pivot {pivot} (value {value}); raise lambda"
    )]
    NotPositiveDefinite {
        /// Which model.
        model: &'static str,
        /// Pivot row where the factorisation broke down.
        pivot: usize,
        /// The pivot value found.
        value: f64,
    },
    /// Training the MLP re-ranker failed.
    #[error("{model}: training the re-ranker failed: {source}")]
    Model {
        /// Which model.
        model: &'static str,
        /// What the network reported.
        source: crate::model::ModelError,
    },
    /// The output buffer length differs from the number of items.
    #[error("score buffer has length {got}, the model has {expected} items")]
    BufferLength {
        /// Length given.
        got: usize,
        /// Items in the model.
        expected: usize,
    },
}

/// One shopper's query: their history and the current context.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<'a> {
    /// The shopper's past items with weights, ordered by last interaction, oldest first
    /// (see [`Interactions::history`]). Empty for an anonymous shopper.
    pub history: &'a [(u32, f32)],
    /// Items in the cart or being viewed now.
    pub context: &'a [u32],
}

/// A fitted model that scores every item for a query.
pub trait Scorer {
    /// The model's name as the CLI spells it.
    fn name(&self) -> &'static str;
    /// Number of items scored (the length `out` must have).
    fn n_items(&self) -> usize;
    /// Writes one score per item into `out` (higher is better). Errors with [`ScorerError::BufferLength`]
    /// when `out.len() != self.n_items()`.
    fn score_into(&self, query: &Query<'_>, out: &mut [f32]) -> Result<(), ScorerError>;
}

/// Checks the buffer length; shared by the scorers.
pub(crate) fn check_len(out: &[f32], n: usize) -> Result<(), ScorerError> {
    if out.len() == n {
        Ok(())
    } else {
        Err(ScorerError::BufferLength {
            got: out.len(),
            expected: n,
        })
    }
}

/// Validation helper: `Ok` when `ok`, else an [`ScorerError::InvalidConfig`].
pub(crate) fn ensure(
    ok: bool,
    model: &'static str,
    field: &'static str,
    value: f64,
    reason: &'static str,
) -> Result<(), ScorerError> {
    if ok {
        Ok(())
    } else {
        Err(ScorerError::InvalidConfig {
            model,
            field,
            value,
            reason,
        })
    }
}

#[derive(PartialEq)]
struct Entry {
    score: f32,
    tie: f32,
    item: u32,
}

impl Eq for Entry {}

impl Ord for Entry {
    // "Greater" = better: higher score, then higher tie-break, then lower index. The heap keeps the worst on
    // top (reversed), so this order is inverted there.
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then(self.tie.total_cmp(&other.tie))
            .then(other.item.cmp(&self.item))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The `k` best items by `scores`, best first, skipping items where `skip(item)` is true and NaN scores.
/// Ties break by `tie` (higher first; e.g. popularity), then by lower index, so the result is deterministic.
///
/// Complexity: `O(n log k)`; never sorts the whole catalogue.
pub fn top_k(
    scores: &[f32],
    tie: &[f32],
    k: usize,
    mut skip: impl FnMut(u32) -> bool,
) -> Vec<(u32, f32)> {
    if k == 0 {
        return Vec::new();
    }
    let mut heap: BinaryHeap<std::cmp::Reverse<Entry>> = BinaryHeap::with_capacity(k + 1);
    for (i, &s) in scores.iter().enumerate() {
        let item = i as u32;
        if s.is_nan() || skip(item) {
            continue;
        }
        let e = Entry {
            score: s,
            tie: tie.get(i).copied().unwrap_or(0.0),
            item,
        };
        if heap.len() < k {
            heap.push(std::cmp::Reverse(e));
        } else if let Some(worst) = heap.peek() {
            if e > worst.0 {
                heap.pop();
                heap.push(std::cmp::Reverse(e));
            }
        }
    }
    // `Entry`'s order is total, so the heap's ascending sort of `Reverse<Entry>` is best first (no extra sort
    // instantiated: wasm size).
    heap.into_sorted_vec()
        .into_iter()
        .map(|r| (r.0.item, r.0.score))
        .collect()
}

/// The rank (1-based) `target` would get in the full ranking of `scores` (same order as [`top_k`]), skipping
/// `skip`ped items; `None` when the target is skipped or out of range. `O(n)`.
pub fn rank_of(
    scores: &[f32],
    tie: &[f32],
    target: u32,
    mut skip: impl FnMut(u32) -> bool,
) -> Option<usize> {
    let t = target as usize;
    let ts = *scores.get(t)?;
    if skip(target) || ts.is_nan() {
        return None;
    }
    let te = Entry {
        score: ts,
        tie: tie.get(t).copied().unwrap_or(0.0),
        item: target,
    };
    let mut better = 0;
    for (i, &s) in scores.iter().enumerate() {
        if i == t || s.is_nan() || skip(i as u32) {
            continue;
        }
        let e = Entry {
            score: s,
            tie: tie.get(i).copied().unwrap_or(0.0),
            item: i as u32,
        };
        if e > te {
            better += 1;
        }
    }
    Some(better + 1)
}

/// The query's items with weight 1 each (history then context, context items already in the history once).
pub(crate) fn unit_inputs(query: &Query<'_>) -> Vec<(u32, f32)> {
    let mut inputs: Vec<(u32, f32)> = query.history.iter().map(|&(i, _)| (i, 1.0)).collect();
    for &c in query.context {
        if !query.history.iter().any(|&(i, _)| i == c) {
            inputs.push((c, 1.0));
        }
    }
    inputs
}

/// Fits the named model with its default config and no item attributes (see [`fit_with_catalogue`]).
pub fn fit_default(name: &str, data: &Interactions) -> Result<Box<dyn Scorer>, FitError> {
    fit_with_catalogue(name, data, &[], 42)
}

/// Fits the named model with its default config: the registry the CLI and the evaluation share.
/// `catalogue` gives item attributes (used by `content` and, as features, by `mlp`; may be empty);
/// `seed` drives the models with randomness (`mlp`: internal split, negatives, initialisation, batches).
///
/// Adding a model is one match arm here (and one in [`MODEL_NAMES`]).
pub fn fit_with_catalogue(
    name: &str,
    data: &Interactions,
    catalogue: &[crate::catalog::Item],
    seed: u64,
) -> Result<Box<dyn Scorer>, FitError> {
    Ok(match name {
        "popular" => Box::new(PopularConfig::default().fit(data)?),
        "cooccur" => Box::new(CooccurScorerConfig::default().fit(data)?),
        "content" => Box::new(ContentConfig::default().fit(data, catalogue)?),
        "knn" => Box::new(ItemKnnConfig::default().fit(data)?),
        "ease" => Box::new(EaseConfig::default().fit(data)?),
        "blend" => Box::new(HybridConfig::default().fit(data)?),
        "mlp" => Box::new(MlpRerankConfig::default().seed(seed).fit(data, catalogue)?),
        "hybrid" => Box::new(
            MlpRerankConfig::hybrid_default()
                .seed(seed)
                .fit(data, catalogue)?,
        ),
        other => return Err(FitError::UnknownModel(other.to_owned())),
    })
}

/// The model names [`fit_default`] knows (available or announced).
pub const MODEL_NAMES: &[&str] = &[
    "popular", "cooccur", "content", "knn", "ease", "blend", "mlp", "hybrid",
];

/// Why [`fit_default`] could not produce a model.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum FitError {
    /// The name is not a model.
    #[error(
        "unknown model {0:?}: expected one of popular, cooccur, content, knn, ease, blend, mlp, hybrid"
    )]
    UnknownModel(String),
    /// There is nothing to fit on.
    #[error("no events to fit on: the events are empty")]
    NoEvents,
    /// Fitting failed.
    #[error(transparent)]
    Scorer(#[from] ScorerError),
}

/// Scales `v` in place to zero mean and unit standard deviation over all entries (a constant vector becomes
/// all zeros). `O(n)`.
pub(crate) fn standardise(v: &mut [f32]) {
    let n = v.len();
    if n == 0 {
        return;
    }
    let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / n as f64;
    let var = v
        .iter()
        .map(|&x| {
            let d = f64::from(x) - mean;
            d * d
        })
        .sum::<f64>()
        / n as f64;
    let sd = var.sqrt();
    if sd <= 1e-12 || !sd.is_finite() {
        v.iter_mut().for_each(|x| *x = 0.0);
        return;
    }
    for x in v.iter_mut() {
        *x = ((f64::from(*x) - mean) / sd) as f32;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_orders_and_breaks_ties_by_tie_then_index() {
        let s = [0.5, 0.9, 0.5, 0.1, 0.5];
        let t = [0.0, 0.0, 1.0, 0.0, 0.0];
        let got = top_k(&s, &t, 3, |_| false);
        assert_eq!(got.iter().map(|e| e.0).collect::<Vec<_>>(), [1, 2, 0]);
        let got = top_k(&s, &t, 10, |i| i == 1);
        assert_eq!(got.iter().map(|e| e.0).collect::<Vec<_>>(), [2, 0, 4, 3]);
        assert!(top_k(&s, &t, 0, |_| false).is_empty());
    }

    #[test]
    fn rank_of_agrees_with_top_k() {
        let s = [0.5, 0.9, 0.5, 0.1, 0.5, f32::NAN];
        let t = [0.0, 0.0, 1.0, 0.0, 0.0, 0.0];
        let full = top_k(&s, &t, 6, |i| i == 4);
        for (pos, &(item, _)) in full.iter().enumerate() {
            assert_eq!(rank_of(&s, &t, item, |i| i == 4), Some(pos + 1));
        }
        assert_eq!(rank_of(&s, &t, 4, |i| i == 4), None);
        assert_eq!(rank_of(&s, &t, 5, |_| false), None);
        assert_eq!(rank_of(&s, &t, 9, |_| false), None);
    }

    #[test]
    fn standardise_gives_zero_mean_unit_sd() {
        let mut v = [1.0, 2.0, 3.0, 4.0];
        standardise(&mut v);
        let mean: f32 = v.iter().sum::<f32>() / 4.0;
        let var: f32 = v.iter().map(|x| x * x).sum::<f32>() / 4.0;
        approx::assert_abs_diff_eq!(mean, 0.0, epsilon = 1e-6);
        approx::assert_abs_diff_eq!(var, 1.0, epsilon = 1e-5);
        let mut c = [2.0; 3];
        standardise(&mut c);
        assert_eq!(c, [0.0; 3]);
    }
}
