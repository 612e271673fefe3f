//! "Bought together": session co-occurrence normalised by the asymmetric cosine of [`crate::cooccur`]
//! (Aiolli 2013, `c_ij / (o_i^(1−α) o_j^α)` with shrinkage `c / (c + β)`; defaults α = 0.7, β = 25, the
//! same as the browser recommender's bought-together signal).
//!
//! Counts come from the **session** baskets (items bought together), not from whole user histories. Each
//! item keeps its `neighbours` strongest partners. A query scores item `j` as
//! `Σ_i s(i, j) / max_k s(i, k)` over its input items `i` (history and context): every input item has an
//! equal say, however many partners it has, which is how the recommender blends its per-context-item lists.
//!
//! Fitting: `O(Σ_s len_s²)` for the counts plus `O(pairs · log neighbours)`; memory `O(items · neighbours)`
//! for the model. A query: `O(|input| · neighbours)` plus `O(n)` to clear the output.

use super::neighbours::NeighbourLists;
use super::{check_len, ensure, Query, Scorer, ScorerError};
use crate::cooccur::{CoOccurrence, CooccurConfig, Layers, Normalisation};
use crate::interactions::Interactions;

/// Config of [`Cooccur`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CooccurScorerConfig {
    /// Asymmetric-cosine exponent α in `[0, 1]` (default 0.7).
    pub alpha: f32,
    /// Shrinkage β ≥ 0 in pair-weight units (default 25).
    pub shrinkage: f32,
    /// Partners kept per item (default 200, at least 1).
    pub neighbours: usize,
}

impl Default for CooccurScorerConfig {
    fn default() -> Self {
        Self {
            alpha: 0.7,
            shrinkage: 25.0,
            neighbours: 200,
        }
    }
}

impl CooccurScorerConfig {
    fn validate(&self) -> Result<(), ScorerError> {
        let m = "cooccur";
        ensure(
            (0.0..=1.0).contains(&self.alpha),
            m,
            "alpha",
            f64::from(self.alpha),
            "must be in [0, 1]",
        )?;
        ensure(
            self.shrinkage.is_finite() && self.shrinkage >= 0.0,
            m,
            "shrinkage",
            f64::from(self.shrinkage),
            "must be finite and >= 0",
        )?;
        ensure(
            self.neighbours >= 1,
            m,
            "neighbours",
            self.neighbours as f64,
            "must be at least 1",
        )
    }

    /// Counts the session baskets of `data` and keeps each item's strongest partners.
    pub fn fit(&self, data: &Interactions) -> Result<Cooccur, ScorerError> {
        self.validate()?;
        let n = data.n_items();
        let sessions = data.session_matrix();
        let baskets: Vec<Vec<(u32, f32)>> = (0..sessions.n_rows())
            .map(|r| {
                let (c, w) = sessions.row(r);
                c.iter().copied().zip(w.iter().copied()).collect()
            })
            .collect();
        let counts = CoOccurrence::from_baskets(
            baskets
                .iter()
                .enumerate()
                .map(|(s, b)| (s as u32, b.as_slice())),
        )
        .without_sessions();
        let config = CooccurConfig {
            normalisation: Normalisation::AsymmetricCosine { alpha: self.alpha },
            shrinkage: self.shrinkage,
        };
        let layers = [&counts];
        let view = Layers {
            layers: &layers,
            config,
        };
        let mut lists = NeighbourLists::with_capacity(n);
        for i in 0..n {
            let mut nb = view.neighbours(i as u32, self.neighbours);
            let top = nb.first().map_or(0.0, |e| e.1);
            if top > 0.0 {
                nb.iter_mut().for_each(|e| e.1 /= top);
            } else {
                nb.clear();
            }
            lists.push_item(nb);
        }
        Ok(Cooccur { n_items: n, lists })
    }
}

/// Fitted co-occurrence model: per item, its partners with scores scaled so the strongest is 1.
#[derive(Debug, Clone, PartialEq)]
pub struct Cooccur {
    n_items: usize,
    lists: NeighbourLists,
}

impl Cooccur {
    /// The partners of `item`, strongest first, scaled to a maximum of 1 (empty for an unknown item).
    pub fn partners(&self, item: u32) -> &[(u32, f32)] {
        self.lists.of(item)
    }

    /// Adds `Σ_i w_i · s(i, ·)` for the weighted `inputs` into `out`.
    pub fn accumulate(&self, inputs: &[(u32, f32)], out: &mut [f32]) {
        self.lists.accumulate(inputs, out);
    }
}

impl Scorer for Cooccur {
    fn name(&self) -> &'static str {
        "cooccur"
    }

    fn n_items(&self) -> usize {
        self.n_items
    }

    fn score_into(&self, query: &Query<'_>, out: &mut [f32]) -> Result<(), ScorerError> {
        check_len(out, self.n_items)?;
        out.iter_mut().for_each(|x| *x = 0.0);
        let inputs = super::unit_inputs(query);
        self.accumulate(&inputs, out);
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
            ("5", "b"),
        ] {
            for it in items.split(' ') {
                b.push(Some("u"), s, it, 1.0, 0).unwrap();
            }
        }
        b.build()
    }

    #[test]
    fn partners_come_from_sessions_and_are_scaled_to_one() {
        // One user row holds everything, so only session baskets can tell a–b from c–d.
        let x = data();
        let m = CooccurScorerConfig::default().fit(&x).unwrap();
        let id = |s: &str| x.items().get(s).unwrap();
        let pa = m.partners(id("a"));
        assert_eq!(pa.first().map(|e| e.0), Some(id("b")));
        assert_eq!(pa.first().map(|e| e.1), Some(1.0));
        assert!(pa.iter().all(|e| e.0 != id("d")));
        let mut out = vec![0.0; 4];
        m.score_into(
            &Query {
                history: &[],
                context: &[id("d")],
            },
            &mut out,
        )
        .unwrap();
        assert_eq!(out[id("c") as usize], 1.0);
        assert_eq!(out[id("b") as usize], 0.0);
    }

    #[test]
    fn config_is_validated() {
        let c = CooccurScorerConfig {
            alpha: 1.5,
            ..Default::default()
        };
        assert!(c.fit(&data()).unwrap_err().to_string().contains("alpha"));
        let c = CooccurScorerConfig {
            neighbours: 0,
            ..Default::default()
        };
        assert!(c.fit(&data()).is_err());
    }
}
