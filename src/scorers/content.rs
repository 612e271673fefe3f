//! Content-based: items whose attributes (category path, brand, tags, price band, name words) resemble the
//! query's items, through the same hashed item encoder the browser uses ([`crate::encoding::ItemEncoder`]).
//!
//! Each catalogue item gets its L2-normalised vector `v_j`; the query profile is `q = Σ_i v_i` over its input
//! items (history and context, weight 1 each) and item `j` scores `v_j · q` (the sum of its cosines with the
//! input items). Items without attributes (no catalogue row) have a zero vector and score 0; ties break by
//! popularity in [`super::top_k`], so with no catalogue at all the model falls back to the best-sellers.
//!
//! Fitting: `O(n · dim)`; memory `n · dim` floats (dim 64). A query: `O(n · dim)`.

use ndarray::Array2;

use super::{check_len, Query, Scorer, ScorerError};
use crate::catalog::Item;
use crate::encoding::item::{EncoderConfig, ItemEncoder};
use crate::interactions::Interactions;

/// Config of [`Content`] (the encoder's defaults).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ContentConfig {}

impl ContentConfig {
    /// Encodes every item of `data` that has a row in `catalogue` (matched by id; unknown ids are ignored).
    pub fn fit(&self, data: &Interactions, catalogue: &[Item]) -> Result<Content, ScorerError> {
        let encoder =
            ItemEncoder::new(EncoderConfig::default()).map_err(|_| ScorerError::InvalidConfig {
                model: "content",
                field: "encoder",
                value: 0.0,
                reason: "the default encoder config is invalid",
            })?;
        let n = data.n_items();
        let dim = encoder.dim();
        let mut vectors = Array2::<f32>::zeros((n, dim));
        let mut known = 0usize;
        for item in catalogue {
            if let Some(i) = data.items().get(&item.id) {
                if let Some(mut row) = vectors.rows_mut().into_iter().nth(i as usize) {
                    row.assign(&encoder.encode(item));
                    known += 1;
                }
            }
        }
        Ok(Content {
            n_items: n,
            dim,
            vectors,
            known,
        })
    }
}

/// Fitted content model: one attribute vector per item.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    n_items: usize,
    dim: usize,
    vectors: Array2<f32>,
    known: usize,
}

impl Content {
    /// How many items have attributes (a catalogue row).
    pub fn items_with_attributes(&self) -> usize {
        self.known
    }

    /// The profile `Σ_i w_i v_i` of weighted inputs.
    pub fn profile(&self, inputs: &[(u32, f32)]) -> Vec<f32> {
        let mut q = vec![0f32; self.dim];
        for &(i, w) in inputs {
            if (i as usize) < self.n_items {
                for (a, &v) in q.iter_mut().zip(self.vectors.row(i as usize).iter()) {
                    *a += w * v;
                }
            }
        }
        q
    }

    /// `v_j · profile` for one item (0 outside the catalogue).
    pub fn dot_one(&self, j: u32, profile: &[f32]) -> f32 {
        if (j as usize) >= self.n_items {
            return 0.0;
        }
        self.vectors
            .row(j as usize)
            .iter()
            .zip(profile)
            .map(|(a, b)| a * b)
            .sum()
    }

    /// Writes `v_j · profile` for every item into `out` (length `n_items`).
    pub fn dot_all(&self, profile: &[f32], out: &mut [f32]) {
        for (o, row) in out.iter_mut().zip(self.vectors.rows()) {
            *o = row.iter().zip(profile).map(|(a, b)| a * b).sum();
        }
    }
}

impl Scorer for Content {
    fn name(&self) -> &'static str {
        "content"
    }

    fn n_items(&self) -> usize {
        self.n_items
    }

    fn score_into(&self, query: &Query<'_>, out: &mut [f32]) -> Result<(), ScorerError> {
        check_len(out, self.n_items)?;
        let q = self.profile(&super::unit_inputs(query));
        self.dot_all(&q, out);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interactions::InteractionsBuilder;

    #[test]
    fn similar_categories_score_higher() {
        let mut b = InteractionsBuilder::new();
        for (s, it) in [
            ("1", "milk"),
            ("2", "yogurt"),
            ("3", "beer"),
            ("4", "nails"),
        ] {
            b.push(None, s, it, 1.0, 0).unwrap();
        }
        let x = b.build();
        let cat = vec![
            Item::new("milk", "dairy/milk"),
            Item::new("yogurt", "dairy/yogurt"),
            Item::new("beer", "drinks/beer"),
            Item::new("not-in-data", "dairy/cheese"),
        ];
        let m = ContentConfig::default().fit(&x, &cat).unwrap();
        assert_eq!(m.items_with_attributes(), 3);
        let id = |s: &str| x.items().get(s).unwrap() as usize;
        let mut out = vec![0.0; 4];
        m.score_into(
            &Query {
                history: &[],
                context: &[id("milk") as u32],
            },
            &mut out,
        )
        .unwrap();
        assert!(out[id("yogurt")] > out[id("beer")], "{out:?}");
        assert_eq!(out[id("nails")], 0.0);
        assert!(m.score_into(&Query::default(), &mut [0.0; 2]).is_err());
    }
}
