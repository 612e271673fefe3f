//! EASE^R (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"), closed form.
//!
//! With the binary user × item matrix `X` and Gram matrix `G = XᵀX`:
//! `P = (G + λI)⁻¹`, `B = I − P · diagMat(1 / diag(P))`, i.e. `B_ij = −P_ij / P_jj` and `B_ii = 0`.
//! A query with input vector `x` (history and context items, weight 1) scores items as `x · B`.
//!
//! The inverse is computed here, in pure Rust on `ndarray` (no BLAS/LAPACK), by a Cholesky factorisation:
//! `G + λI = L Lᵀ`, `L⁻¹` by forward substitution, `P = L⁻ᵀ L⁻¹`. Each step is about `n³/6` multiply–adds in
//! `f64`, `n³/2` in all, and `8n²` bytes per matrix — so catalogues over [`EaseConfig::max_items`] (default
//! 5,000) are refused with [`ScorerError::CatalogueTooLarge`].

use ndarray::{Array2, ArrayView2};

use super::{check_len, ensure, Query, Scorer, ScorerError};
use crate::interactions::{Csr, Interactions};

/// The largest catalogue EASE accepts by default.
pub const DEFAULT_MAX_ITEMS: usize = 5_000;

/// Config of [`Ease`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EaseConfig {
    lambda: f64,
    dropout: f64,
    row_norm: f64,
    max_items: usize,
}

impl Default for EaseConfig {
    fn default() -> Self {
        Self {
            lambda: 100.0,
            dropout: 0.0,
            row_norm: 0.0,
            max_items: DEFAULT_MAX_ITEMS,
        }
    }
}

impl EaseConfig {
    /// L2 regularisation λ added to the Gram diagonal (default 100; finite and > 0).
    pub fn lambda(mut self, lambda: f64) -> Self {
        self.lambda = lambda;
        self
    }

    /// Emphasised-dropout regularisation `p ∈ [0, 1)` (Steck 2020, "Autoencoders that don't overfit towards
    /// the identity", the DLAE closed form): the diagonal gets `λ + p/(1 − p) · G_ii`, so popular items are
    /// regularised in proportion to their count. Default 0 (plain EASE^R).
    pub fn dropout(mut self, p: f64) -> Self {
        self.dropout = p;
        self
    }

    /// Row weighting exponent `γ ≥ 0`: each row enters the Gram matrix with weight `1 / len^γ`, so long
    /// histories or big baskets count less per pair (as in random-walk models such as RP3β); λ is then
    /// multiplied by the mean row weight, so it keeps its meaning. Default 0.
    pub fn row_norm(mut self, g: f64) -> Self {
        self.row_norm = g;
        self
    }

    /// Largest catalogue accepted (default 5,000; at most 5,000, the dense-matrix budget).
    pub fn max_items(mut self, n: usize) -> Self {
        self.max_items = n;
        self
    }

    /// The configured λ.
    pub fn get_lambda(&self) -> f64 {
        self.lambda
    }

    fn validate(&self) -> Result<(), ScorerError> {
        ensure(
            self.lambda.is_finite() && self.lambda > 0.0,
            "ease",
            "lambda",
            self.lambda,
            "must be finite and > 0",
        )?;
        ensure(
            self.row_norm.is_finite() && self.row_norm >= 0.0,
            "ease",
            "row_norm",
            self.row_norm,
            "must be finite and >= 0",
        )?;
        ensure(
            (0.0..1.0).contains(&self.dropout),
            "ease",
            "dropout",
            self.dropout,
            "must be in [0, 1)",
        )?;
        ensure(
            (1..=DEFAULT_MAX_ITEMS).contains(&self.max_items),
            "ease",
            "max_items",
            self.max_items as f64,
            "must be in 1..=5000",
        )
    }

    /// Fits on `data`'s user rows (binary). Errors: [`ScorerError::CatalogueTooLarge`] above `max_items`.
    pub fn fit(&self, data: &Interactions) -> Result<Ease, ScorerError> {
        self.fit_matrix(data.user_matrix(), data.n_items())
    }

    /// Fits on any row × item matrix (values ignored: binary).
    pub(crate) fn fit_matrix(&self, x: &Csr, n: usize) -> Result<Ease, ScorerError> {
        self.validate()?;
        if n > self.max_items {
            return Err(ScorerError::CatalogueTooLarge {
                model: "ease",
                n,
                limit: self.max_items,
            });
        }
        let mut g = gram(x, n, self.row_norm);
        let emphasis = self.dropout / (1.0 - self.dropout);
        // λ is in units of an average row, so weighting rows does not silently change the regularisation.
        let lambda = self.lambda * mean_row_weight(x, self.row_norm);
        for i in 0..n {
            g[[i, i]] += lambda + emphasis * g[[i, i]];
        }
        let p = spd_inverse(g.view())?;
        let mut b = Array2::<f32>::zeros((n, n));
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    b[[i, j]] = (-p[[i, j]] / p[[j, j]]) as f32;
                }
            }
        }
        Ok(Ease { b })
    }
}

/// Mean over non-empty rows of `1 / len^row_norm` (1 when there are none).
fn mean_row_weight(x: &Csr, row_norm: f64) -> f64 {
    let (mut s, mut c) = (0.0, 0usize);
    for r in 0..x.n_rows() {
        let len = x.row(r).0.len();
        if len > 0 {
            s += super::detmath::pow64(len as f64, -row_norm);
            c += 1;
        }
    }
    if c == 0 {
        1.0
    } else {
        s / c as f64
    }
}

/// `XᵀDX` of the binary pattern of `x` with row weights `D_rr = 1 / len_r^row_norm` (`n` columns; larger
/// column indices are ignored; `row_norm = 0` gives the plain Gram matrix `XᵀX`). `O(Σ_r len_r²)`.
pub fn gram(x: &Csr, n: usize, row_norm: f64) -> Array2<f64> {
    let mut g = Array2::<f64>::zeros((n, n));
    for r in 0..x.n_rows() {
        let cols = x.row(r).0;
        let w = if row_norm == 0.0 {
            1.0
        } else {
            super::detmath::pow64(cols.len().max(1) as f64, -row_norm)
        };
        for &i in cols {
            for &j in cols {
                if let Some(v) = g.get_mut((i as usize, j as usize)) {
                    *v += w;
                }
            }
        }
    }
    g
}

/// The inverse of a symmetric positive definite matrix by Cholesky factorisation (`A = L Lᵀ`,
/// `A⁻¹ = L⁻ᵀ L⁻¹`). Only the lower triangle of `a` is read.
///
/// Complexity: about `n³/2` multiply–adds, `O(n²)` memory. Errors: [`ScorerError::NotPositiveDefinite`]
/// when a pivot is not positive (or not finite), [`ScorerError::BufferLength`] when `a` is not square.
pub fn spd_inverse(a: ArrayView2<'_, f64>) -> Result<Array2<f64>, ScorerError> {
    let (n, m) = a.dim();
    if n != m {
        return Err(ScorerError::BufferLength {
            got: m,
            expected: n,
        });
    }
    // Row-major lower-triangular factor.
    let mut l = vec![0f64; n * n];
    for j in 0..n {
        let row_j = &mut l[j * n..(j + 1) * n];
        // Diagonal.
        let d = a[[j, j]] - row_j[..j].iter().map(|x| x * x).sum::<f64>();
        if !(d > 0.0 && d.is_finite()) {
            return Err(ScorerError::NotPositiveDefinite {
                model: "ease",
                pivot: j,
                value: d,
            });
        }
        let djj = d.sqrt();
        row_j[j] = djj;
        // Below the diagonal: L[i][j] = (A[i][j] - <L[i][..j], L[j][..j]>) / L[j][j].
        let lj: Vec<f64> = row_j[..j].to_vec();
        for i in (j + 1)..n {
            let row_i = &mut l[i * n..i * n + j + 1];
            let dot: f64 = row_i[..j].iter().zip(&lj).map(|(x, y)| x * y).sum();
            row_i[j] = (a[[i, j]] - dot) / djj;
        }
    }
    // L⁻¹, row by row: row i = (e_i − Σ_{k<i} L[i][k] · Linv[k]) / L[i][i].
    let mut linv = vec![0f64; n * n];
    for i in 0..n {
        let (done, rest) = linv.split_at_mut(i * n);
        let row_i = &mut rest[..n];
        for k in 0..i {
            let c = l[i * n + k];
            if c != 0.0 {
                let row_k = &done[k * n..k * n + k + 1];
                for (x, y) in row_i[..=k].iter_mut().zip(row_k) {
                    *x -= c * y;
                }
            }
        }
        row_i[i] += 1.0;
        let inv = 1.0 / l[i * n + i];
        row_i[..=i].iter_mut().for_each(|x| *x *= inv);
    }
    // P = L⁻ᵀ L⁻¹ = Σ_k Linv[k]ᵀ Linv[k]  (row k nonzero on 0..=k); fill the lower triangle, mirror.
    let mut p = vec![0f64; n * n];
    for k in 0..n {
        let row_k = &linv[k * n..k * n + k + 1];
        for (i, &ri) in row_k.iter().enumerate() {
            if ri == 0.0 {
                continue;
            }
            let out = &mut p[i * n..i * n + i + 1];
            for (o, &rj) in out.iter_mut().zip(&row_k[..=i]) {
                *o += ri * rj;
            }
        }
    }
    for i in 0..n {
        for j in 0..i {
            p[j * n + i] = p[i * n + j];
        }
    }
    Array2::from_shape_vec((n, n), p).map_err(|_| ScorerError::BufferLength {
        got: 0,
        expected: n * n,
    })
}

/// Fitted EASE model: the dense `n × n` weight matrix `B` (zero diagonal).
#[derive(Debug, Clone, PartialEq)]
pub struct Ease {
    b: Array2<f32>,
}

impl Ease {
    /// The item–item weight matrix `B`.
    pub fn weights(&self) -> ArrayView2<'_, f32> {
        self.b.view()
    }

    /// Adds `Σ_i w_i · B[i, ·]` for the weighted `inputs` into `out` (indices past the catalogue ignored).
    pub fn accumulate(&self, inputs: &[(u32, f32)], out: &mut [f32]) {
        for &(i, w) in inputs {
            if (i as usize) < self.b.nrows() {
                let row = self.b.row(i as usize);
                for (o, &v) in out.iter_mut().zip(row.iter()) {
                    *o += w * v;
                }
            }
        }
    }
}

impl Scorer for Ease {
    fn name(&self) -> &'static str {
        "ease"
    }

    fn n_items(&self) -> usize {
        self.b.nrows()
    }

    fn score_into(&self, query: &Query<'_>, out: &mut [f32]) -> Result<(), ScorerError> {
        check_len(out, self.b.nrows())?;
        out.iter_mut().for_each(|x| *x = 0.0);
        let mut inputs: Vec<(u32, f32)> = query.history.iter().map(|&(i, _)| (i, 1.0)).collect();
        for &c in query.context {
            if !inputs.iter().any(|&(i, _)| i == c) {
                inputs.push((c, 1.0));
            }
        }
        self.accumulate(&inputs, out);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interactions::InteractionsBuilder;
    use approx::assert_abs_diff_eq;
    use ndarray::array;

    #[test]
    fn inverse_of_a_known_matrix() {
        let a = array![[4.0, 2.0, 0.6], [2.0, 2.0, 0.5], [0.6, 0.5, 3.0]];
        let p = spd_inverse(a.view()).unwrap();
        let id = a.dot(&p);
        for i in 0..3 {
            for j in 0..3 {
                assert_abs_diff_eq!(id[[i, j]], if i == j { 1.0 } else { 0.0 }, epsilon = 1e-12);
            }
        }
        assert!(matches!(
            spd_inverse(array![[1.0, 2.0], [2.0, 1.0]].view()),
            Err(ScorerError::NotPositiveDefinite { pivot: 1, .. })
        ));
    }

    #[test]
    fn ease_on_a_tiny_matrix_matches_the_closed_form() {
        // X rows: {a,b}, {a,b}, {a,c}. G = [[3,2,1],[2,2,0],[1,0,1]], λ = 1 → G+λI = [[4,2,1],[2,3,0],[1,0,2]].
        // det = 4·6 − 2·4 + 1·(−3) = 13; P = adj/13:
        // P = [[6,−4,−3],[−4,7,2],[−3,2,8]] / 13. B_ij = −P_ij / P_jj.
        let mut b = InteractionsBuilder::new();
        for (s, items) in [("1", "a b"), ("2", "a b"), ("3", "a c")] {
            for it in items.split(' ') {
                b.push(None, s, it, 1.0, 0).unwrap();
            }
        }
        let m = EaseConfig::default().lambda(1.0).fit(&b.build()).unwrap();
        let w = m.weights();
        let expect = [
            [0.0, 4.0 / 7.0, 3.0 / 8.0],
            [4.0 / 6.0, 0.0, -2.0 / 8.0],
            [3.0 / 6.0, -2.0 / 7.0, 0.0],
        ];
        for i in 0..3 {
            for j in 0..3 {
                assert_abs_diff_eq!(w[[i, j]], expect[i][j] as f32, epsilon = 1e-6);
            }
        }
        let mut out = vec![0.0; 3];
        m.score_into(
            &Query {
                history: &[(1, 1.0)],
                context: &[2],
            },
            &mut out,
        )
        .unwrap();
        assert_abs_diff_eq!(out[0], (4.0 / 6.0 + 3.0 / 6.0) as f32, epsilon = 1e-6);
    }

    #[test]
    fn row_weighting_scales_each_rows_pairs() {
        // Rows {0,1} (len 2) and {0,1,2,3} (len 4); γ = 1 → weights 1/2 and 1/4.
        let x = Csr::from_rows(&[
            vec![(0, 1.0), (1, 1.0)],
            vec![(0, 1.0), (1, 1.0), (2, 1.0), (3, 1.0)],
        ]);
        let g = gram(&x, 4, 1.0);
        assert_abs_diff_eq!(g[[0, 1]], 0.75);
        assert_abs_diff_eq!(g[[2, 3]], 0.25);
        assert_abs_diff_eq!(gram(&x, 4, 0.0)[[0, 1]], 2.0);
        assert_abs_diff_eq!(mean_row_weight(&x, 1.0), 0.375);
    }

    #[test]
    fn large_catalogues_are_refused_by_name_and_size() {
        let mut b = InteractionsBuilder::new();
        for i in 0..11 {
            b.push(None, "s", &format!("i{i}"), 1.0, 0).unwrap();
        }
        let e = EaseConfig::default()
            .max_items(10)
            .fit(&b.build())
            .unwrap_err();
        assert_eq!(
            e,
            ScorerError::CatalogueTooLarge {
                model: "ease",
                n: 11,
                limit: 10
            }
        );
        assert!(e.to_string().contains("11 items"));
        assert!(EaseConfig::default().lambda(0.0).validate().is_err());
        assert!(EaseConfig::default().max_items(5001).validate().is_err());
    }
}
