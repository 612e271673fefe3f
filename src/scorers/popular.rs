//! The popularity baseline: every query gets the best-sellers (distinct buyers per item).

use super::{check_len, Query, Scorer, ScorerError};
use crate::interactions::Interactions;

/// Config of [`Popular`] (no knobs; a builder for symmetry with the other models).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PopularConfig {}

impl PopularConfig {
    /// Fits the model: `O(items)`.
    pub fn fit(&self, data: &Interactions) -> Result<Popular, ScorerError> {
        Ok(Popular {
            scores: data.popularity().iter().map(|&c| c as f32).collect(),
        })
    }
}

/// Fitted popularity model.
#[derive(Debug, Clone, PartialEq)]
pub struct Popular {
    scores: Vec<f32>,
}

impl Popular {
    /// Per item, its number of distinct buyers.
    pub fn counts(&self) -> &[f32] {
        &self.scores
    }
}

impl Scorer for Popular {
    fn name(&self) -> &'static str {
        "popular"
    }

    fn n_items(&self) -> usize {
        self.scores.len()
    }

    fn score_into(&self, _query: &Query<'_>, out: &mut [f32]) -> Result<(), ScorerError> {
        check_len(out, self.scores.len())?;
        out.copy_from_slice(&self.scores);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interactions::InteractionsBuilder;

    #[test]
    fn scores_are_distinct_buyer_counts() {
        let mut b = InteractionsBuilder::new();
        b.push(None, "a", "x", 1.0, 0).unwrap();
        b.push(None, "a", "x", 1.0, 0).unwrap();
        b.push(None, "b", "x", 1.0, 0).unwrap();
        b.push(None, "b", "y", 1.0, 0).unwrap();
        let m = PopularConfig::default().fit(&b.build()).unwrap();
        let mut out = vec![0.0; 2];
        m.score_into(&Query::default(), &mut out).unwrap();
        assert_eq!(out, [2.0, 1.0]);
        assert!(m.score_into(&Query::default(), &mut [0.0; 3]).is_err());
    }
}
