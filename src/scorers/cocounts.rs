//! Sparse item co-occurrence counts and the "which item completes this basket" log-likelihood built on them.
//!
//! For a query with weighted input items `i` (context, history), the naive-Bayes completion score of a
//! candidate `j` is
//!
//! `Σ_i w_i · [ log(c_ij + β·p_i) − log(n_j + β) ]`
//!
//! with `c_ij` rows containing both items, `n_j` rows containing `j`, `p_i = n_i / rows`: the log of the
//! smoothed `P(i | j)`, shrunk towards the base rate `p_i` with strength `β` (a pseudo-count). Adding
//! `log n_j` (the prior) gives `log P(j) + Σ log P(i | j)`, the posterior of `j` being the missing item under
//! conditional independence; the hybrid blends the prior in separately, through its popularity signal.
//!
//! Each item keeps at most `max_pairs` partners (its most frequent); missing pairs count as `c = 0`.
//! Fitting: `O(Σ_r min(len_r, max_row_len)²)`; a query: `O(n + Σ_i partners(i))`.

use super::detmath::ln32;
use crate::interactions::Csr;

/// Sparse per-item partner counts.
#[derive(Debug, Clone, PartialEq)]
pub struct CoCounts {
    rows: f32,
    counts: Vec<f32>,
    offsets: Vec<usize>,
    pairs: Vec<(u32, f32)>,
}

impl CoCounts {
    /// Counts co-occurrences in the binary pattern of `x` (`n_items` columns), keeping each item's
    /// `max_pairs` most frequent partners and each row's `max_row_len` most recent items.
    pub fn fit(x: &Csr, n_items: usize, max_pairs: usize, max_row_len: usize) -> Self {
        let capped: Vec<Vec<(u32, f32)>> = (0..x.n_rows())
            .map(|r| {
                let cols = x.row(r).0;
                let from = cols.len().saturating_sub(max_row_len);
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
        let mut offsets = Vec::with_capacity(n_items + 1);
        offsets.push(0);
        let mut pairs = Vec::new();
        for i in 0..n_items {
            for &r in xt.row(i).0 {
                for &j in x.row(r as usize).0 {
                    if j as usize == i {
                        continue;
                    }
                    if let Some(a) = acc.get_mut(j as usize) {
                        if *a == 0.0 {
                            touched.push(j);
                        }
                        *a += 1.0;
                    }
                }
            }
            let mut list: Vec<(u32, f32)> = touched
                .iter()
                .map(|&j| (j, acc.get(j as usize).copied().unwrap_or(0.0)))
                .collect();
            if list.len() > max_pairs {
                list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                list.truncate(max_pairs);
            }
            pairs.extend(list);
            offsets.push(pairs.len());
            for &j in &touched {
                if let Some(a) = acc.get_mut(j as usize) {
                    *a = 0.0;
                }
            }
            touched.clear();
        }
        Self {
            rows: x.n_rows().max(1) as f32,
            counts,
            offsets,
            pairs,
        }
    }

    /// Rows containing `item`.
    pub fn count(&self, item: u32) -> f32 {
        self.counts.get(item as usize).copied().unwrap_or(0.0)
    }

    /// The stored partners of `item` with their co-occurrence counts.
    pub fn partners(&self, item: u32) -> &[(u32, f32)] {
        let i = item as usize;
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => self.pairs.get(a..b).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Writes the completion log-likelihood of every item for the weighted `inputs` into `out` (overwrites).
    /// `beta > 0` is the smoothing pseudo-count. Items of `inputs` outside the catalogue are ignored.
    pub fn log_likelihood(&self, inputs: &[(u32, f32)], beta: f32, out: &mut [f32]) {
        let mut total_w = 0.0f32;
        let mut base = 0.0f32;
        for &(i, w) in inputs {
            if (i as usize) >= self.counts.len() {
                continue;
            }
            let p = (self.count(i) + 0.5) / (self.rows + 1.0);
            total_w += w;
            base += w * ln32(beta * p);
        }
        for (j, o) in out.iter_mut().enumerate() {
            let nj = self.counts.get(j).copied().unwrap_or(0.0);
            *o = base - total_w * ln32(nj + beta);
        }
        for &(i, w) in inputs {
            if (i as usize) >= self.counts.len() {
                continue;
            }
            let bp = beta * (self.count(i) + 0.5) / (self.rows + 1.0);
            for &(j, c) in self.partners(i) {
                if let Some(o) = out.get_mut(j as usize) {
                    *o += w * (ln32(c + bp) - ln32(bp));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn counts_and_likelihood_match_the_formula() {
        // rows {0,1}, {0,1}, {0,2}
        let x = Csr::from_rows(&[
            vec![(0, 1.0), (1, 1.0)],
            vec![(0, 1.0), (1, 1.0)],
            vec![(0, 1.0), (2, 1.0)],
        ]);
        let c = CoCounts::fit(&x, 3, 10, 100);
        assert_eq!(c.partners(0), &[(1, 2.0), (2, 1.0)]);
        assert_eq!(c.count(0), 3.0);
        let mut out = vec![0.0; 3];
        c.log_likelihood(&[(0, 1.0)], 1.0, &mut out);
        let p0 = 3.5f32 / 4.0;
        assert_abs_diff_eq!(
            out[1],
            (2.0 + p0).ln() - (2.0f32 + 1.0).ln(),
            epsilon = 1e-5
        );
        assert_abs_diff_eq!(
            out[2],
            (1.0 + p0).ln() - (1.0f32 + 1.0).ln(),
            epsilon = 1e-5
        );
        let capped = CoCounts::fit(&x, 3, 1, 100);
        assert_eq!(capped.partners(0), &[(1, 2.0)]);
    }
}
