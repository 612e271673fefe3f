//! Offline evaluation: seeded splits ([`split`]), metrics ([`metrics`]) and the loop that ranks every held-out
//! case with a [`Scorer`] over the full catalogue (no negative sampling).

pub mod metrics;
pub mod seeds;
pub mod split;

use crate::scorers::{rank_of, top_k, Scorer, ScorerError};
use split::Prepared;

/// Per-case results of one model on one split.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRun {
    /// Model name.
    pub model: String,
    /// Per case: 1-based rank of the target in the full ranking (`None`: excluded or unscorable).
    pub ranks: Vec<Option<usize>>,
    /// Per case: the top-`k` list.
    pub lists: Vec<Vec<u32>>,
}

/// Summary metrics of a [`ModelRun`] at cut-off `k`.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Hit rate (= recall with one target) with its bootstrap CI.
    pub hr: metrics::Estimate,
    /// Mean reciprocal rank with its CI.
    pub mrr: metrics::Estimate,
    /// NDCG with its CI.
    pub ndcg: metrics::Estimate,
    /// Share of the catalogue recommended at least once.
    pub coverage: f64,
    /// Mean popularity percentile of recommended items (0 = least popular, 1 = most).
    pub pop_percentile: f64,
}

/// Ranks every case of `data` with `model`: excludes the context (and the history when the split says so),
/// ties broken by popularity. `O(cases · items)`.
pub fn run(model: &dyn Scorer, data: &Prepared, k: usize) -> Result<ModelRun, ScorerError> {
    let n = model.n_items();
    let tie: Vec<f32> = data.train.popularity().iter().map(|&c| c as f32).collect();
    let mut scores = vec![0f32; n];
    let mut excluded = vec![false; n];
    let mut ranks = Vec::with_capacity(data.cases.len());
    let mut lists = Vec::with_capacity(data.cases.len());
    for case in &data.cases {
        let history = case.row.map(|r| data.train.history(r)).unwrap_or_default();
        let query = crate::scorers::Query {
            history: &history,
            context: &case.context,
        };
        model.score_into(&query, &mut scores)?;
        let mut marked: Vec<u32> = case.context.clone();
        if data.exclude_history {
            marked.extend(history.iter().map(|&(i, _)| i));
        }
        for &i in &marked {
            if let Some(e) = excluded.get_mut(i as usize) {
                *e = true;
            }
        }
        let skip = |i: u32| excluded.get(i as usize).copied().unwrap_or(true);
        ranks.push(rank_of(&scores, &tie, case.target, skip));
        lists.push(
            top_k(&scores, &tie, k, skip)
                .into_iter()
                .map(|e| e.0)
                .collect(),
        );
        for &i in &marked {
            if let Some(e) = excluded.get_mut(i as usize) {
                *e = false;
            }
        }
    }
    Ok(ModelRun {
        model: model.name().to_owned(),
        ranks,
        lists,
    })
}

impl ModelRun {
    /// Per-case NDCG@k.
    pub fn ndcg(&self, k: usize) -> Vec<f64> {
        self.ranks
            .iter()
            .map(|&r| metrics::ndcg_single(r, k))
            .collect()
    }

    /// Per-case hit@k.
    pub fn hits(&self, k: usize) -> Vec<f64> {
        self.ranks.iter().map(|&r| metrics::hit(r, k)).collect()
    }

    /// Per-case reciprocal rank@k.
    pub fn rr(&self, k: usize) -> Vec<f64> {
        self.ranks
            .iter()
            .map(|&r| metrics::reciprocal_rank(r, k))
            .collect()
    }

    /// Summarises at `k` with seeded bootstrap CIs (`resamples`, 95%) that resample the cases' `clusters`
    /// (one id per case, [`split::Prepared::clusters`]; distinct ids give the plain case bootstrap), given
    /// item popularity.
    pub fn summary(
        &self,
        k: usize,
        popularity: &[f32],
        clusters: &[usize],
        resamples: usize,
        seed: u64,
    ) -> Summary {
        let (coverage, pop_percentile) = self.list_stats(popularity);
        let ci =
            |v: Vec<f64>| metrics::bootstrap_clustered(&v, None, clusters, resamples, 0.95, seed);
        Summary {
            hr: ci(self.hits(k)),
            mrr: ci(self.rr(k)),
            ndcg: ci(self.ndcg(k)),
            coverage,
            pop_percentile,
        }
    }

    /// Catalogue coverage of the top-`k` lists and the mean popularity percentile of their items (see
    /// [`Summary`]), given item popularity.
    pub fn list_stats(&self, popularity: &[f32]) -> (f64, f64) {
        let pct = metrics::popularity_percentiles(popularity);
        let (mut s, mut c) = (0.0, 0usize);
        for l in &self.lists {
            for &i in l {
                s += pct.get(i as usize).copied().unwrap_or(0.0);
                c += 1;
            }
        }
        (
            metrics::coverage(self.lists.iter().map(Vec::as_slice), popularity.len()),
            if c == 0 { 0.0 } else { s / c as f64 },
        )
    }
}
