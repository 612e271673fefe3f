//! Training losses, evaluated from the network's output logit.

use serde::{Deserialize, Serialize};

use super::error::{ModelError, ModelResult};
use super::math::{log1p_exp_neg_abs, sigmoid};

/// The loss a model is trained on. Both compare the predicted probability `p = σ(z)` with a label in `[0, 1]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Loss {
    /// Binary cross-entropy `−y·ln p − (1−y)·ln(1−p)`, computed from the logit `z` as
    /// `max(z, 0) − z·y + ln(1 + e^{−|z|})`, which never overflows or takes `ln 0`. Gradient `∂/∂z = p − y`.
    #[default]
    BinaryCrossEntropy,
    /// Squared error on the probability, `(p − y)²` — the original design's formula. Gradient
    /// `∂/∂z = 2(p − y)·p(1 − p)`.
    MeanSquaredError,
}

impl Loss {
    /// A short name for messages (`"binary cross-entropy"`, `"mean squared error"`).
    pub fn name(self) -> &'static str {
        match self {
            Loss::BinaryCrossEntropy => "binary cross-entropy",
            Loss::MeanSquaredError => "mean squared error",
        }
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
    /// Complexity `O(n)`. Returns `0.0` for empty input.
    pub fn mean(self, logits: &[f32], y: &[f32]) -> f32 {
        self.mean_and_gradient(logits, y, None)
    }

    /// Mean loss, and when `grad` is given, `∂(mean loss)/∂logit` for each example written into it.
    pub(crate) fn mean_and_gradient(
        self,
        logits: &[f32],
        y: &[f32],
        mut grad: Option<&mut [f32]>,
    ) -> f32 {
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
