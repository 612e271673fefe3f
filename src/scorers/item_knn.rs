//! Item-based k-nearest-neighbours with cosine similarity (Sarwar et al. 2001; Deshpande & Karypis 2004).
//!
//! On the binary user × item matrix `X`, `sim(i, j) = c_ij / (sqrt(n_i · n_j) + shrink)` where `c_ij` counts
//! users who touched both items and `n_i` users who touched `i`. The shrinkage term damps similarities
//! resting on few co-occurrences. Each item keeps its `neighbours` most similar items; a query scores item
//! `j` as `Σ_i w_i · sim(i, j)` over its input items `i` (history and context, weight 1 each).
//!
//! Fitting is sparse: `O(Σ_u min(len_u, max_row_len)²)` time, `O(items · neighbours)` memory for the model
//! plus one `O(items)` accumulator, so it scales to large catalogues where a dense model cannot.

use super::neighbours::NeighbourLists;
use super::{check_len, ensure, top_k, Query, Scorer, ScorerError};
use crate::interactions::{Csr, Interactions};

/// Config of [`ItemKnn`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemKnnConfig {
    neighbours: usize,
    shrink: f32,
    max_row_len: usize,
}

impl Default for ItemKnnConfig {
    fn default() -> Self {
        Self {
            neighbours: 50,
            shrink: 10.0,
            max_row_len: 1000,
        }
    }
}

impl ItemKnnConfig {
    /// Neighbours kept per item (default 50, at least 1).
    pub fn neighbours(mut self, n: usize) -> Self {
        self.neighbours = n;
        self
    }

    /// Shrinkage added to the cosine denominator (default 10, finite and ≥ 0).
    pub fn shrink(mut self, s: f32) -> Self {
        self.shrink = s;
        self
    }

    /// Only a user's `n` most recent items count towards co-occurrence (default 1000, at least 2); bounds the
    /// fitting cost of very long histories.
    pub fn max_row_len(mut self, n: usize) -> Self {
        self.max_row_len = n;
        self
    }

    fn validate(&self) -> Result<(), ScorerError> {
        ensure(
            self.neighbours >= 1,
            "knn",
            "neighbours",
            self.neighbours as f64,
            "must be at least 1",
        )?;
        ensure(
            self.shrink.is_finite() && self.shrink >= 0.0,
            "knn",
            "shrink",
            f64::from(self.shrink),
            "must be finite and >= 0",
        )?;
        ensure(
            self.max_row_len >= 2,
            "knn",
            "max_row_len",
            self.max_row_len as f64,
            "must be at least 2",
        )
    }

    /// Fits the neighbour lists on `data`'s user rows.
    pub fn fit(&self, data: &Interactions) -> Result<ItemKnn, ScorerError> {
        self.validate()?;
        Ok(self.fit_matrix(data.user_matrix(), data.n_items()))
    }

    /// Fits on any row × item matrix (e.g. session baskets); values are ignored (binary).
    pub(crate) fn fit_matrix(&self, x: &Csr, n_items: usize) -> ItemKnn {
        // Rows capped to their most recent `max_row_len` items.
        let capped: Vec<Vec<(u32, f32)>> = (0..x.n_rows())
            .map(|r| {
                let (cols, _) = x.row(r);
                let from = cols.len().saturating_sub(self.max_row_len);
                cols.get(from..)
                    .unwrap_or(&[])
                    .iter()
                    .map(|&c| (c, 1.0))
                    .collect()
            })
            .collect();
        let x = Csr::from_rows(&capped);
        let xt = x.transpose(n_items);
        let counts: Vec<f32> = (0..n_items).map(|i| xt.row(i).0.len() as f32).collect();
        let mut acc = vec![0f32; n_items];
        let mut touched: Vec<u32> = Vec::new();
        let mut sims = vec![0f32; n_items];
        let mut lists = NeighbourLists::with_capacity(n_items);
        let mut neighbours: Vec<(u32, f32)> = Vec::new();
        for i in 0..n_items {
            for &r in xt.row(i).0 {
                for &j in x.row(r as usize).0 {
                    if let Some(a) = acc.get_mut(j as usize) {
                        if *a == 0.0 {
                            touched.push(j);
                        }
                        *a += 1.0;
                    }
                }
            }
            let ni = counts.get(i).copied().unwrap_or(0.0);
            for &j in &touched {
                let j = j as usize;
                if j == i {
                    continue;
                }
                let (Some(&c), Some(&nj)) = (acc.get(j), counts.get(j)) else {
                    continue;
                };
                if let Some(s) = sims.get_mut(j) {
                    *s = c / ((ni * nj).sqrt() + self.shrink);
                }
            }
            // Select among touched items only (others have similarity 0).
            let cand: Vec<f32> = touched
                .iter()
                .map(|&j| {
                    if j as usize == i {
                        f32::NAN
                    } else {
                        sims.get(j as usize).copied().unwrap_or(0.0)
                    }
                })
                .collect();
            let best = top_k(&cand, &[], self.neighbours, |p| {
                cand.get(p as usize).is_none_or(|&s| s <= 0.0)
            });
            for (p, s) in best {
                if let Some(&j) = touched.get(p as usize) {
                    neighbours.push((j, s));
                }
            }
            lists.push_item(neighbours.drain(..));
            for &j in &touched {
                if let Some(a) = acc.get_mut(j as usize) {
                    *a = 0.0;
                }
                if let Some(s) = sims.get_mut(j as usize) {
                    *s = 0.0;
                }
            }
            touched.clear();
        }
        ItemKnn { n_items, lists }
    }
}

/// Fitted item-kNN model: per item, its neighbours and similarities (best first).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemKnn {
    n_items: usize,
    lists: NeighbourLists,
}

impl ItemKnn {
    /// The neighbours of `item` with their similarity, best first (empty for an unknown item).
    pub fn neighbours(&self, item: u32) -> &[(u32, f32)] {
        self.lists.of(item)
    }

    /// Adds `Σ_i w_i · sim(i, ·)` for the weighted `inputs` into `out` (length must be `n_items`).
    pub fn accumulate(&self, inputs: &[(u32, f32)], out: &mut [f32]) {
        self.lists.accumulate(inputs, out);
    }
}

impl Scorer for ItemKnn {
    fn name(&self) -> &'static str {
        "knn"
    }

    fn n_items(&self) -> usize {
        self.n_items
    }

    fn score_into(&self, query: &Query<'_>, out: &mut [f32]) -> Result<(), ScorerError> {
        check_len(out, self.n_items)?;
        out.iter_mut().for_each(|x| *x = 0.0);
        let inputs: Vec<(u32, f32)> = query
            .history
            .iter()
            .map(|&(i, _)| (i, 1.0))
            .chain(query.context.iter().map(|&i| (i, 1.0)))
            .collect();
        self.accumulate(&inputs, out);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interactions::InteractionsBuilder;
    use approx::assert_relative_eq;

    fn data() -> Interactions {
        // a,b together in 2 baskets; a,c in 1; c alone in 1.
        let mut b = InteractionsBuilder::new();
        for (s, items) in [("1", "a b"), ("2", "a b"), ("3", "a c"), ("4", "c")] {
            for it in items.split(' ') {
                b.push(None, s, it, 1.0, 0).unwrap();
            }
        }
        b.build()
    }

    #[test]
    fn similarities_match_the_formula() {
        let x = data();
        let m = ItemKnnConfig::default().shrink(1.0).fit(&x).unwrap();
        let (a, b, c) = (0, 1, 2);
        let na = m.neighbours(a);
        assert_eq!(na.len(), 2);
        assert_eq!(na[0].0, b);
        assert_relative_eq!(na[0].1, 2.0 / ((3.0f32 * 2.0).sqrt() + 1.0));
        assert_eq!(na[1].0, c);
        assert_relative_eq!(na[1].1, 1.0 / ((3.0f32 * 2.0).sqrt() + 1.0));
        assert_eq!(m.neighbours(b).len(), 1);
        let mut out = vec![0.0; 3];
        m.score_into(
            &Query {
                history: &[],
                context: &[b],
            },
            &mut out,
        )
        .unwrap();
        assert!(out[a as usize] > 0.0 && out[c as usize] == 0.0);
    }

    #[test]
    fn neighbour_count_is_capped_and_config_validated() {
        let m = ItemKnnConfig::default().neighbours(1).fit(&data()).unwrap();
        assert_eq!(m.neighbours(0).len(), 1);
        assert!(ItemKnnConfig::default().neighbours(0).fit(&data()).is_err());
        let e = ItemKnnConfig::default()
            .shrink(-1.0)
            .fit(&data())
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid knn config: shrink = -1 (must be finite and >= 0)"
        );
    }
}
