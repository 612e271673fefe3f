//! `blend`: the linear blend that generates the default model's candidates (the default `hybrid` re-ranks
//! them with the MLP, [`super::mlp`]) — a normalised blend of EASE (with emphasised-dropout regularisation), item-kNN and
//! popularity over a **recency-weighted** input, plus a repeat-purchase signal.
//!
//! For a query, the input vector weights each item by how recently the shopper touched it: the item `a`
//! positions back from the most recent one in the history gets `floor + (1 − floor) · 0.5^(a / half_life)`,
//! and context items (what is in the cart or on screen now) get `context_weight`. Then:
//!
//! * `ease` = input · B, B from EASE^R with the DLAE diagonal `λ + p/(1−p)·G_ii` (Steck 2020; `lambda`,
//!   `dropout`), which regularises popular items in proportion to their count, on a Gram matrix whose rows
//!   are weighted `1/len^γ` (`row_norm`: a pair seen in a 3-item basket says more than one in a 40-item
//!   basket, as in random-walk models such as RP3β). Above the EASE catalogue limit
//!   (5,000 items) this signal is replaced by the kNN one, so the model degrades gracefully on large shops;
//! * `knn`  = input · S (item-kNN cosine with shrinkage);
//! * `nb`   = an optional naive-Bayes completion log-likelihood ([`super::cocounts`]; weight 0 by default);
//! * `pop`  = log(1 + distinct buyers), weighted `w_pop / √(1 + W)` where `W` is the input's total weight:
//!   the less the query says, the more the prior counts;
//!
//! each standardised per query (zero mean, unit SD over the catalogue) and summed with their weights; history
//! items additionally get `w_repeat ·` their recency weight (rebuying; only visible when the caller does not
//! exclude history).
//!
//! Why these signals: on MovieLens the recency weighting carries most of the gain (the next film follows the
//! last few), on Groceries (anonymous baskets, no order) the row weighting and the dropout regularisation do.
//! The defaults were chosen on validation splits of Groceries and MovieLens-100K jointly (never the test
//! split), with `scripts/tune-hybrid.sh`.
//!
//! Cost per query: `O(|input| · n)` for EASE, `O(|input| · neighbours)` for kNN, `O(n)` for the rest.

use super::cocounts::CoCounts;
use super::cooccur::{Cooccur, CooccurScorerConfig};
use super::ease::{Ease, EaseConfig, DEFAULT_MAX_ITEMS};
use super::item_knn::{ItemKnn, ItemKnnConfig};
use super::{check_len, ensure, standardise, Query, Scorer, ScorerError};
use crate::interactions::Interactions;

/// Config of [`Hybrid`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HybridConfig {
    /// EASE λ.
    pub lambda: f64,
    /// EASE emphasised-dropout `p` (see [`EaseConfig::dropout`]).
    pub dropout: f64,
    /// EASE row weighting exponent (see [`EaseConfig::row_norm`]).
    pub row_norm: f64,
    /// Item-kNN config.
    pub knn: ItemKnnConfig,
    /// Recency half-life, in history positions (> 0).
    pub half_life: f32,
    /// Only the `max_history` most recent history items enter the input (≥ 1): bounds a query's cost at
    /// `O(max_history · n)` for shoppers with very long histories.
    pub max_history: usize,
    /// Weight floor of old history items, in `[0, 1]`.
    pub floor: f32,
    /// Input weight of context items (≥ 0).
    pub context_weight: f32,
    /// Blend weight of the EASE signal (≥ 0).
    pub w_ease: f32,
    /// Blend weight of the kNN signal (≥ 0).
    pub w_knn: f32,
    /// Blend weight of the naive-Bayes completion signal (≥ 0; see [`super::cocounts`]).
    pub w_nb: f32,
    /// Blend weight of the session co-occurrence signal (≥ 0; see [`super::cooccur`]).
    pub w_co: f32,
    /// Smoothing pseudo-count β of the completion signal (> 0).
    pub nb_beta: f32,
    /// Weight of the prior `log(1 + n_j)` inside the completion signal (≥ 0; 1 = the Bayes posterior).
    pub nb_prior: f32,
    /// Blend weight of the popularity signal (≥ 0).
    pub w_pop: f32,
    /// Bonus (in standard deviations) for rebuying a history item, times its recency weight (≥ 0).
    pub w_repeat: f32,
}

impl Default for HybridConfig {
    /// Chosen on the validation splits of Groceries and MovieLens-100K jointly (`scripts/tune-hybrid.sh`);
    /// `w_repeat` is not validated there (both protocols exclude or lack history) and `w_nb` measured no gain.
    fn default() -> Self {
        Self {
            lambda: 100.0,
            dropout: 0.5,
            row_norm: 0.75,
            knn: ItemKnnConfig::default(),
            half_life: 5.0,
            max_history: 200,
            floor: 0.05,
            context_weight: 1.0,
            w_ease: 1.0,
            w_knn: 0.25,
            w_nb: 0.0,
            w_co: 0.0,
            nb_beta: 10.0,
            nb_prior: 1.0,
            w_pop: 0.5,
            w_repeat: 0.5,
        }
    }
}

impl HybridConfig {
    /// Sets EASE λ.
    pub fn lambda(mut self, v: f64) -> Self {
        self.lambda = v;
        self
    }
    /// Sets the recency half-life (history positions).
    pub fn half_life(mut self, v: f32) -> Self {
        self.half_life = v;
        self
    }
    /// Sets the weight floor of old history items.
    pub fn floor(mut self, v: f32) -> Self {
        self.floor = v;
        self
    }
    /// Sets the context items' input weight.
    pub fn context_weight(mut self, v: f32) -> Self {
        self.context_weight = v;
        self
    }
    /// Sets the blend weights `(ease, knn, pop)`.
    pub fn weights(mut self, ease: f32, knn: f32, pop: f32) -> Self {
        self.w_ease = ease;
        self.w_knn = knn;
        self.w_pop = pop;
        self
    }
    /// Sets the repeat-purchase bonus.
    pub fn repeat(mut self, v: f32) -> Self {
        self.w_repeat = v;
        self
    }
    /// Sets the item-kNN config.
    pub fn knn(mut self, knn: ItemKnnConfig) -> Self {
        self.knn = knn;
        self
    }

    fn validate(&self) -> Result<(), ScorerError> {
        let m = "hybrid";
        ensure(
            self.half_life.is_finite() && self.half_life > 0.0,
            m,
            "half_life",
            f64::from(self.half_life),
            "must be finite and > 0",
        )?;
        ensure(
            self.max_history >= 1,
            m,
            "max_history",
            self.max_history as f64,
            "must be at least 1",
        )?;
        ensure(
            (0.0..=1.0).contains(&self.floor),
            m,
            "floor",
            f64::from(self.floor),
            "must be in [0, 1]",
        )?;
        for (field, v) in [
            ("context_weight", self.context_weight),
            ("w_ease", self.w_ease),
            ("w_knn", self.w_knn),
            ("w_nb", self.w_nb),
            ("w_co", self.w_co),
            ("nb_prior", self.nb_prior),
            ("w_pop", self.w_pop),
            ("w_repeat", self.w_repeat),
        ] {
            ensure(
                v.is_finite() && v >= 0.0,
                m,
                field,
                f64::from(v),
                "must be finite and >= 0",
            )?;
        }
        ensure(
            self.nb_beta.is_finite() && self.nb_beta > 0.0,
            m,
            "nb_beta",
            f64::from(self.nb_beta),
            "must be finite and > 0",
        )?;
        Ok(())
    }

    /// Fits EASE (when the catalogue allows and `w_ease > 0`), item-kNN and popularity on `data`.
    pub fn fit(&self, data: &Interactions) -> Result<Hybrid, ScorerError> {
        self.validate()?;
        let n = data.n_items();
        let ease = if self.w_ease > 0.0 && n <= DEFAULT_MAX_ITEMS {
            Some(
                EaseConfig::default()
                    .lambda(self.lambda)
                    .dropout(self.dropout)
                    .row_norm(self.row_norm)
                    .fit(data)?,
            )
        } else {
            None
        };
        let knn = self.knn.fit(data)?;
        let nb = (self.w_nb > 0.0).then(|| CoCounts::fit(data.user_matrix(), n, 2_000, 1_000));
        let co = if self.w_co > 0.0 {
            Some(CooccurScorerConfig::default().fit(data)?)
        } else {
            None
        };
        let mut pop: Vec<f32> = data
            .popularity()
            .iter()
            .map(|&c| super::detmath::ln32(1.0 + c as f32))
            .collect();
        standardise(&mut pop);
        Ok(Hybrid {
            config: *self,
            n_items: n,
            ease,
            knn,
            nb,
            co,
            pop,
        })
    }
}

/// The last `n` entries of `history` (its most recent items).
fn recent(history: &[(u32, f32)], n: usize) -> &[(u32, f32)] {
    history
        .get(history.len().saturating_sub(n)..)
        .unwrap_or(history)
}

/// Fitted hybrid model.
#[derive(Debug, Clone)]
pub struct Hybrid {
    config: HybridConfig,
    n_items: usize,
    ease: Option<Ease>,
    knn: ItemKnn,
    nb: Option<CoCounts>,
    co: Option<Cooccur>,
    pop: Vec<f32>,
}

impl Hybrid {
    /// The config it was fitted with.
    pub fn config(&self) -> &HybridConfig {
        &self.config
    }

    /// Whether the EASE signal is in use (false above the EASE catalogue limit: kNN stands in).
    pub fn uses_ease(&self) -> bool {
        self.ease.is_some()
    }

    /// The EASE and kNN signals of a weighted input (from [`Hybrid::inputs`]), each standardised over the
    /// catalogue (zero mean, unit SD); above the EASE limit the first is a copy of the second.
    pub fn components(&self, inputs: &[(u32, f32)]) -> (Vec<f32>, Vec<f32>) {
        let mut knn = vec![0f32; self.n_items];
        self.knn.accumulate(inputs, &mut knn);
        standardise(&mut knn);
        let mut ease = vec![0f32; self.n_items];
        match &self.ease {
            Some(e) => {
                e.accumulate(inputs, &mut ease);
                standardise(&mut ease);
            }
            None => ease.copy_from_slice(&knn),
        }
        (ease, knn)
    }

    /// The recency-weighted input vector of a query (history then context; a context item also in the
    /// history keeps the larger weight).
    pub fn inputs(&self, query: &Query<'_>) -> Vec<(u32, f32)> {
        let c = &self.config;
        let history = recent(query.history, c.max_history);
        let len = history.len();
        let mut out: Vec<(u32, f32)> = history
            .iter()
            .enumerate()
            .map(|(p, &(i, _))| {
                let age = (len - 1 - p) as f32;
                (
                    i,
                    c.floor + (1.0 - c.floor) * super::detmath::pow32(0.5, age / c.half_life),
                )
            })
            .collect();
        for &i in query.context {
            match out.iter_mut().find(|e| e.0 == i) {
                Some(e) => e.1 = e.1.max(c.context_weight),
                None => out.push((i, c.context_weight)),
            }
        }
        out
    }
}

impl Scorer for Hybrid {
    fn name(&self) -> &'static str {
        "blend"
    }

    fn n_items(&self) -> usize {
        self.n_items
    }

    fn score_into(&self, query: &Query<'_>, out: &mut [f32]) -> Result<(), ScorerError> {
        check_len(out, self.n_items)?;
        let c = &self.config;
        let inputs = self.inputs(query);
        let (ease, knn) = self.components(&inputs);
        let mut nb = vec![0f32; self.n_items];
        if let Some(cc) = &self.nb {
            cc.log_likelihood(&inputs, c.nb_beta, &mut nb);
            for (j, v) in nb.iter_mut().enumerate() {
                *v += c.nb_prior * super::detmath::ln32(1.0 + cc.count(j as u32));
            }
            standardise(&mut nb);
        }
        let mut co = vec![0f32; self.n_items];
        if let Some(m) = &self.co {
            m.accumulate(&inputs, &mut co);
            standardise(&mut co);
        }
        // Less evidence, more prior: the popularity weight shrinks with the input's total weight W as 1/√(1+W).
        let evidence: f32 = inputs.iter().map(|e| e.1).sum();
        let w_pop = c.w_pop / (1.0 + evidence).sqrt();
        for (j, o) in out.iter_mut().enumerate() {
            let b = nb.get(j).copied().unwrap_or(0.0);
            let (e, k, p) = (
                ease.get(j).copied().unwrap_or(0.0),
                knn.get(j).copied().unwrap_or(0.0),
                self.pop.get(j).copied().unwrap_or(0.0),
            );
            let q = co.get(j).copied().unwrap_or(0.0);
            *o = c.w_ease * e + c.w_knn * k + c.w_nb * b + c.w_co * q + w_pop * p;
        }
        if c.w_repeat > 0.0 {
            let history = recent(query.history, c.max_history);
            let len = history.len();
            for (p, &(i, _)) in history.iter().enumerate() {
                let age = (len - 1 - p) as f32;
                let r = c.floor + (1.0 - c.floor) * super::detmath::pow32(0.5, age / c.half_life);
                if let Some(o) = out.get_mut(i as usize) {
                    *o += c.w_repeat * r;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interactions::InteractionsBuilder;

    fn data() -> Interactions {
        let mut b = InteractionsBuilder::new();
        for (s, items) in [
            ("1", "a b"),
            ("2", "a b"),
            ("3", "a c"),
            ("4", "c d"),
            ("5", "c d"),
        ] {
            for it in items.split(' ') {
                b.push(None, s, it, 1.0, 0).unwrap();
            }
        }
        b.build()
    }

    #[test]
    fn recent_items_weigh_more() {
        let m = HybridConfig::default()
            .half_life(1.0)
            .floor(0.0)
            .fit(&data())
            .unwrap();
        let inputs = m.inputs(&Query {
            history: &[(0, 1.0), (1, 1.0)],
            context: &[2],
        });
        assert_eq!(inputs, [(0, 0.5), (1, 1.0), (2, 1.0)]);
    }

    #[test]
    fn context_drives_the_ranking() {
        let x = data();
        let m = HybridConfig::default().fit(&x).unwrap();
        let mut out = vec![0.0; 4];
        let d = x.items().get("d").unwrap();
        m.score_into(
            &Query {
                history: &[],
                context: &[d],
            },
            &mut out,
        )
        .unwrap();
        let c = x.items().get("c").unwrap() as usize;
        let best = super::super::top_k(&out, &[], 1, |i| i == d)[0].0 as usize;
        assert_eq!(best, c);
        assert!(out.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn config_is_validated() {
        let e = HybridConfig::default().floor(2.0).fit(&data()).unwrap_err();
        assert!(e.to_string().contains("floor = 2"));
        assert!(HybridConfig::default()
            .weights(-1.0, 0.0, 0.0)
            .fit(&data())
            .is_err());
    }
}
