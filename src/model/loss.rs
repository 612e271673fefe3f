//! Training losses, evaluated from the network's output logit.

use serde::{Deserialize, Serialize};

use super::error::{ModelError, ModelResult};
use super::math::{exp_nonpositive, ln_positive, log1p_exp_neg_abs, sigmoid};
use super::LISTWISE;

/// The loss a model is trained on. The pointwise losses compare the predicted probability `p = σ(z)` with a
/// label in `[0, 1]` row by row; [`Loss::ListwiseSoftmax`] compares a whole list (group) of rows at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Loss {
    /// Binary cross-entropy `−y·ln p − (1−y)·ln(1−p)`, computed from the logit `z` as
    /// `max(z, 0) − z·y + ln(1 + e^{−|z|})`, which never overflows or takes `ln 0`. Gradient `∂/∂z = p − y`.
    #[default]
    BinaryCrossEntropy,
    /// Squared error on the probability, `(p − y)²` — the original design's formula. Gradient
    /// `∂/∂z = 2(p − y)·p(1 − p)`.
    MeanSquaredError,
    /// Listwise softmax cross-entropy (ListNet with one relevant item; "sampled softmax" with the list as the
    /// sample): per group of rows (e.g. one query's candidates), the labels normalised to a distribution
    /// `t = y / Σy` against the softmax of the group's logits, `ln Σ_j e^{z_j} − Σ_i t_i·z_i`. Gradient
    /// `∂/∂z_i = softmax(z)_i − t_i`. The mean is over the groups holding a positive label; a group whose
    /// labels are all 0 has no target and contributes neither loss nor gradient. Without group boundaries
    /// (e.g. [`Loss::mean`], [`crate::model::Trainer::train_step`]) the whole batch is one list.
    ListwiseSoftmax,
}

impl Loss {
    /// A short name for messages (`"binary cross-entropy"`, `"mean squared error"`).
    pub fn name(self) -> &'static str {
        match self {
            Loss::BinaryCrossEntropy => "binary cross-entropy",
            Loss::MeanSquaredError => "mean squared error",
            Loss::ListwiseSoftmax => "listwise softmax cross-entropy",
        }
    }

    /// True for [`Loss::ListwiseSoftmax`], whose value depends on a row's group and not on the row alone.
    pub fn is_listwise(self) -> bool {
        matches!(self, Loss::ListwiseSoftmax)
    }

    /// Checks that every label is finite and in `[0, 1]`.
    ///
    /// Errors: [`ModelError::NotFinite`] or [`ModelError::LabelOutOfRange`] naming the first bad label.
    pub fn check_labels(self, y: &[f32]) -> ModelResult<()> {
        for (row, &v) in y.iter().enumerate() {
            if !v.is_finite() {
                return Err(ModelError::NotFinite {
                    what: "y",
                    row,
                    column: 0,
                    value: v,
                });
            }
            if !(0.0..=1.0).contains(&v) {
                return Err(ModelError::LabelOutOfRange {
                    row,
                    value: v,
                    loss: self.name(),
                });
            }
        }
        Ok(())
    }

    /// Mean loss of `logits` against labels `y` (equal lengths; extra elements of the longer are ignored).
    /// Complexity `O(n)`. Returns `0.0` for empty input. A listwise loss treats all rows as one list.
    pub fn mean(self, logits: &[f32], y: &[f32]) -> f32 {
        self.mean_and_gradient(logits, y, None)
    }

    /// Mean loss of `logits` against `y` where consecutive rows form groups of the given `sizes` (a listwise
    /// loss is computed per group; the pointwise losses ignore the groups and equal [`Loss::mean`]).
    /// Rows beyond `Σ sizes` are ignored. Complexity `O(n)`.
    pub fn mean_grouped(self, logits: &[f32], y: &[f32], sizes: &[usize]) -> f32 {
        self.mean_and_gradient_grouped(logits, y, sizes, None)
    }

    /// As [`Loss::mean_and_gradient`], with group boundaries for a listwise loss (pointwise losses: the very
    /// same computation as without groups). Gradient entries of rows outside every group are set to 0.
    pub(crate) fn mean_and_gradient_grouped(
        self,
        logits: &[f32],
        y: &[f32],
        sizes: &[usize],
        mut grad: Option<&mut [f32]>,
    ) -> f32 {
        if !(LISTWISE && self.is_listwise()) {
            return self.mean_and_gradient(logits, y, grad);
        }
        let n = logits.len().min(y.len());
        if let Some(g) = grad.as_deref_mut() {
            g.iter_mut().for_each(|v| *v = 0.0);
        }
        let mut groups: Vec<(usize, usize)> = Vec::with_capacity(sizes.len());
        let mut start = 0usize;
        for &len in sizes {
            let end = start.saturating_add(len).min(n);
            if end > start {
                groups.push((start, end));
            }
            start = end;
        }
        let with_target = groups
            .iter()
            .filter(|&&(a, b)| y.get(a..b).is_some_and(|t| t.iter().any(|&v| v > 0.0)))
            .count();
        if with_target == 0 {
            return 0.0;
        }
        let inv = 1.0 / with_target as f64;
        let mut total = 0.0f64;
        for (a, b) in groups {
            let (Some(z), Some(t)) = (logits.get(a..b), y.get(a..b)) else {
                continue;
            };
            let mass: f64 = t.iter().map(|&v| f64::from(v)).sum();
            if mass <= 0.0 {
                continue;
            }
            let top = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let top = f64::from(top);
            // Deterministic exp / ln (IEEE operations only): the same bits natively and in wasm32.
            let sum_exp: f64 = z.iter().map(|&v| exp_nonpositive(f64::from(v) - top)).sum();
            let log_z = top + ln_positive(sum_exp);
            let dot: f64 = z
                .iter()
                .zip(t)
                .map(|(&v, &w)| f64::from(v) * f64::from(w))
                .sum();
            total += log_z - dot / mass;
            if let Some(g) = grad.as_deref_mut() {
                for (i, (&v, &w)) in z.iter().zip(t).enumerate() {
                    if let Some(slot) = g.get_mut(a + i) {
                        let soft = exp_nonpositive(f64::from(v) - log_z);
                        *slot = ((soft - f64::from(w) / mass) * inv) as f32;
                    }
                }
            }
        }
        (total * inv) as f32
    }

    /// Mean loss, and when `grad` is given, `∂(mean loss)/∂logit` for each example written into it.
    pub(crate) fn mean_and_gradient(
        self,
        logits: &[f32],
        y: &[f32],
        mut grad: Option<&mut [f32]>,
    ) -> f32 {
        if LISTWISE && self.is_listwise() {
            let n = logits.len().min(y.len());
            return self.mean_and_gradient_grouped(logits, y, &[n], grad);
        }
        let n = logits.len().min(y.len());
        if n == 0 {
            return 0.0;
        }
        let inv_n = 1.0 / n as f32;
        let mut total = 0.0f64;
        for (i, (&z, &t)) in logits.iter().zip(y).enumerate() {
            let p = sigmoid(z);
            let (value, dz) = match self {
                Loss::BinaryCrossEntropy => {
                    let zf = f64::from(z);
                    let v = zf.max(0.0) - zf * f64::from(t) + log1p_exp_neg_abs(z);
                    (v, (p - t) * inv_n)
                }
                Loss::MeanSquaredError => {
                    let d = p - t;
                    (f64::from(d) * f64::from(d), 2.0 * d * p * (1.0 - p) * inv_n)
                }
                // Returned above where listwise training is built in ([`LISTWISE`]); elsewhere
                // `TrainConfig::validate` refuses this loss before any training.
                Loss::ListwiseSoftmax => (0.0, 0.0),
            };
            total += value;
            if let Some(g) = grad.as_deref_mut() {
                if let Some(slot) = g.get_mut(i) {
                    *slot = dz;
                }
            }
        }
        (total / n as f64) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn bce_matches_the_textbook_formula_and_is_stable() {
        let z = [-3.0f32, 0.0, 2.5];
        let y = [0.0f32, 1.0, 1.0];
        let want: f64 = z
            .iter()
            .zip(&y)
            .map(|(&z, &y)| {
                let p = 1.0 / (1.0 + (-f64::from(z)).exp());
                -(f64::from(y) * p.ln() + (1.0 - f64::from(y)) * (1.0 - p).ln())
            })
            .sum::<f64>()
            / 3.0;
        assert_relative_eq!(
            f64::from(Loss::BinaryCrossEntropy.mean(&z, &y)),
            want,
            max_relative = 1e-6
        );
        // Extreme logits: finite, and ≈ |z| when confidently wrong.
        let big = Loss::BinaryCrossEntropy.mean(&[1000.0], &[0.0]);
        assert_relative_eq!(big, 1000.0);
        assert_eq!(Loss::BinaryCrossEntropy.mean(&[-1000.0], &[0.0]), 0.0);
    }

    #[test]
    fn mse_is_squared_probability_error() {
        let l = Loss::MeanSquaredError.mean(&[0.0, 0.0], &[1.0, 0.0]);
        assert_relative_eq!(l, 0.25);
        assert_eq!(Loss::MeanSquaredError.mean(&[], &[]), 0.0);
    }

    #[test]
    fn listwise_is_the_softmax_cross_entropy_of_each_group() {
        let z = [0.5f32, -1.0, 2.0, 0.0, 1.0];
        let y = [0.0f32, 1.0, 0.0, 1.0, 0.0];
        let ln_softmax = |zs: &[f32], i: usize| {
            let sum: f64 = zs.iter().map(|&v| f64::from(v).exp()).sum();
            f64::from(zs[i]) - sum.ln()
        };
        // Groups [0..3) (positive at 1) and [3..5) (positive at 3): the mean of −ln softmax of the positives.
        let want = -(ln_softmax(&z[..3], 1) + ln_softmax(&z[3..], 0)) / 2.0;
        let got = Loss::ListwiseSoftmax.mean_grouped(&z, &y, &[3, 2]);
        assert_relative_eq!(f64::from(got), want, max_relative = 1e-6);
        // Without boundaries the whole slice is one list (two positives: target ½ each).
        let one = -(ln_softmax(&z, 1) + ln_softmax(&z, 3)) / 2.0;
        assert_relative_eq!(
            f64::from(Loss::ListwiseSoftmax.mean(&z, &y)),
            one,
            max_relative = 1e-6
        );
        // A group without a positive adds nothing and is not counted; so is a group of zero rows.
        let more = Loss::ListwiseSoftmax.mean_grouped(
            &[0.5, -1.0, 2.0, 3.0, 4.0],
            &[0.0, 1.0, 0.0, 0.0, 0.0],
            &[3, 0, 2],
        );
        assert_relative_eq!(
            f64::from(more),
            -ln_softmax(&z[..3], 1),
            max_relative = 1e-6
        );
        assert_eq!(Loss::ListwiseSoftmax.mean_grouped(&z, &[0.0; 5], &[5]), 0.0);
        assert_eq!(Loss::ListwiseSoftmax.mean(&[], &[]), 0.0);
        // Extreme logits stay finite: ≈ the gap when confidently wrong, 0 when confidently right.
        let wrong = Loss::ListwiseSoftmax.mean(&[1000.0, -1000.0], &[0.0, 1.0]);
        assert_relative_eq!(wrong, 2000.0);
        assert_eq!(
            Loss::ListwiseSoftmax.mean(&[1000.0, -1000.0], &[1.0, 0.0]),
            0.0
        );
    }

    /// Central finite differences of the grouped loss against its analytic gradient, soft labels included.
    #[test]
    fn listwise_gradient_matches_finite_differences() {
        let z = [0.3f32, -0.7, 1.2, 0.1, -0.4, 0.9, 0.0, 2.0, -1.5];
        let y = [0.0f32, 1.0, 0.0, 0.25, 0.75, 0.0, 0.0, 0.0, 0.0];
        let sizes = [3, 3, 3]; // the third group has no positive: zero gradient
        let mut grad = [f32::NAN; 9];
        Loss::ListwiseSoftmax.mean_and_gradient_grouped(&z, &y, &sizes, Some(&mut grad));
        let h = 1e-2f32;
        for i in 0..z.len() {
            let at = |d: f32| {
                let mut zz = z;
                zz[i] += d;
                f64::from(Loss::ListwiseSoftmax.mean_grouped(&zz, &y, &sizes))
            };
            let numeric = (at(h) - at(-h)) / (2.0 * f64::from(h));
            assert!(
                (numeric - f64::from(grad[i])).abs() < 1e-4,
                "row {i}: numeric {numeric} vs analytic {}",
                grad[i]
            );
        }
        assert!(grad[..6].iter().all(|g| g.abs() > 1e-3), "{grad:?}");
        assert_eq!(&grad[6..], &[0.0; 3]);
        // Per group the gradient sums to 0 (softmax and target are both distributions).
        for g in grad.chunks(3) {
            assert!(g.iter().sum::<f32>().abs() < 1e-6);
        }
    }

    #[test]
    fn pointwise_losses_ignore_groups() {
        let z = [0.3f32, -0.7, 1.2, 0.1];
        let y = [0.0f32, 1.0, 0.0, 1.0];
        for loss in [Loss::BinaryCrossEntropy, Loss::MeanSquaredError] {
            let (mut g1, mut g2) = ([0f32; 4], [0f32; 4]);
            let a = loss.mean_and_gradient(&z, &y, Some(&mut g1));
            let b = loss.mean_and_gradient_grouped(&z, &y, &[1, 3], Some(&mut g2));
            assert_eq!(a.to_bits(), b.to_bits());
            assert_eq!(g1, g2);
            assert!(!loss.is_listwise());
        }
        assert!(Loss::ListwiseSoftmax.is_listwise());
    }

    #[test]
    fn labels_are_checked() {
        assert!(Loss::BinaryCrossEntropy
            .check_labels(&[0.0, 1.0, 0.5])
            .is_ok());
        let err = Loss::BinaryCrossEntropy
            .check_labels(&[0.0, 1.5])
            .unwrap_err();
        assert_eq!(
            err,
            ModelError::LabelOutOfRange {
                row: 1,
                value: 1.5,
                loss: "binary cross-entropy"
            }
        );
        let err = Loss::MeanSquaredError
            .check_labels(&[f32::NAN])
            .unwrap_err();
        assert!(matches!(
            err,
            ModelError::NotFinite {
                what: "y",
                row: 0,
                ..
            }
        ));
    }
}
