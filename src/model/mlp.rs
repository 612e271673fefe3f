//! The re-ranker network: a multi-layer perceptron with ReLU hidden layers and one sigmoid output.
//!
//! `r̂ = σ(f_θ(x))`, `f_θ = W_L·relu(…relu(W_1·x + b_1)…) + b_L`. Weights are stored `inputs × outputs`,
//! row-major, so a batch `X` (`rows × inputs`) goes forward as `Z = X·W + b` — one matrix product per layer
//! through [`super::kernels`], never a per-example loop. Gradients are derived by hand (see [`Mlp::gradients`]).

use ndarray::{Array1, ArrayView1, ArrayView2};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

use super::error::{ModelError, ModelResult};
use super::kernels;
use super::loss::Loss;
use super::math::sigmoid;

/// Largest accepted layer width (a guard against absurd allocations from a bad config or pack).
pub const MAX_WIDTH: usize = 1 << 14;
/// Largest accepted number of hidden layers.
pub const MAX_HIDDEN_LAYERS: usize = 16;
/// Rows per forward chunk in [`Mlp::predict`]: keeps activations in cache for large inputs.
const PREDICT_CHUNK: usize = 256;

/// Builder for an [`Mlp`]; validated by [`MlpConfig::build`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MlpConfig {
    hidden: Vec<usize>,
    seed: u64,
}

impl Default for MlpConfig {
    fn default() -> Self {
        Self {
            hidden: vec![64, 32],
            seed: 0,
        }
    }
}

impl MlpConfig {
    /// The defaults: hidden layers 64-32, seed 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Hidden layer widths, input side first (may be empty: a logistic regression).
    pub fn hidden(mut self, widths: &[usize]) -> Self {
        self.hidden = widths.to_vec();
        self
    }

    /// The seed of the weight initialisation.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Builds a freshly initialised network for inputs of width `input_dim`.
    ///
    /// Initialisation: He-uniform `U(±√(6/fan_in))` for ReLU layers, Xavier/Glorot-uniform
    /// `U(±√(6/(fan_in+fan_out)))` for the output layer, biases zero, drawn from `StdRng::seed_from_u64(seed)`.
    ///
    /// Errors: [`ModelError::InvalidConfig`] naming `input_dim` or `hidden` when a width is 0 or larger than
    /// [`MAX_WIDTH`], or there are more than [`MAX_HIDDEN_LAYERS`] hidden layers.
    pub fn build(&self, input_dim: usize) -> ModelResult<Mlp> {
        if input_dim == 0 || input_dim > MAX_WIDTH {
            return Err(ModelError::InvalidConfig {
                field: "input_dim",
                value: input_dim.to_string(),
                reason: "must be between 1 and 16384",
            });
        }
        if self.hidden.len() > MAX_HIDDEN_LAYERS
            || self.hidden.iter().any(|&w| w == 0 || w > MAX_WIDTH)
        {
            return Err(ModelError::InvalidConfig {
                field: "hidden",
                value: format!("{:?}", self.hidden),
                reason: "at most 16 layers, each between 1 and 16384 wide",
            });
        }
        let mut rng = StdRng::seed_from_u64(self.seed);
        let mut widths = Vec::with_capacity(self.hidden.len() + 2);
        widths.push(input_dim);
        widths.extend_from_slice(&self.hidden);
        widths.push(1);
        let last = widths.len() - 2;
        let layers = widths
            .windows(2)
            .enumerate()
            .map(|(l, w)| {
                let (fan_in, fan_out) = (w[0], w[1]);
                let limit = if l == last {
                    (6.0 / (fan_in + fan_out) as f32).sqrt()
                } else {
                    (6.0 / fan_in as f32).sqrt()
                };
                let weights = (0..fan_in * fan_out)
                    .map(|_| rng.random_range(-limit..limit))
                    .collect();
                Dense {
                    inputs: fan_in,
                    outputs: fan_out,
                    weights,
                    bias: vec![0.0; fan_out],
                }
            })
            .collect();
        Ok(Mlp { layers })
    }
}

/// One fully connected layer: `z = x·W + b` with `W` stored `inputs × outputs`, row-major.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DenseState")]
pub struct Dense {
    inputs: usize,
    outputs: usize,
    weights: Vec<f32>,
    bias: Vec<f32>,
}

/// The serialised form of [`Dense`], checked before it becomes one.
#[derive(Deserialize)]
struct DenseState {
    inputs: usize,
    outputs: usize,
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl TryFrom<DenseState> for Dense {
    type Error = ModelError;

    fn try_from(s: DenseState) -> ModelResult<Self> {
        let expected = s.inputs.checked_mul(s.outputs);
        if s.inputs == 0
            || s.outputs == 0
            || expected != Some(s.weights.len())
            || s.bias.len() != s.outputs
        {
            return Err(ModelError::Corrupt(format!(
                "dense layer {}×{} has {} weights and {} biases",
                s.inputs,
                s.outputs,
                s.weights.len(),
                s.bias.len()
            )));
        }
        if let Some(v) = s.weights.iter().chain(&s.bias).find(|v| !v.is_finite()) {
            return Err(ModelError::Corrupt(format!(
                "non-finite parameter {}",
                crate::num::F32(*v)
            )));
        }
        Ok(Dense {
            inputs: s.inputs,
            outputs: s.outputs,
            weights: s.weights,
            bias: s.bias,
        })
    }
}

impl Dense {
    /// Input width.
    pub fn inputs(&self) -> usize {
        self.inputs
    }
    /// Output width.
    pub fn outputs(&self) -> usize {
        self.outputs
    }
    /// The weights, `inputs × outputs`, row-major.
    pub fn weights(&self) -> &[f32] {
        &self.weights
    }
    /// The biases, one per output.
    pub fn bias(&self) -> &[f32] {
        &self.bias
    }
    pub(crate) fn params_mut(&mut self) -> (&mut [f32], &mut [f32]) {
        (&mut self.weights, &mut self.bias)
    }
}

/// Gradients of the mean loss with respect to one [`Dense`] layer's parameters (same layouts).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DenseGradient {
    /// `∂L/∂W`, `inputs × outputs`, row-major.
    pub weights: Vec<f32>,
    /// `∂L/∂b`.
    pub bias: Vec<f32>,
}

/// The multi-layer perceptron. Build one with [`MlpConfig`]; train it with [`super::train::Trainer`].
///
/// Serialises (serde) to its layer list; deserialising checks every shape, so a corrupted pack yields an
/// error rather than a network that panics later.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "MlpState")]
pub struct Mlp {
    layers: Vec<Dense>,
}

#[derive(Deserialize)]
struct MlpState {
    layers: Vec<Dense>,
}

impl TryFrom<MlpState> for Mlp {
    type Error = ModelError;

    fn try_from(s: MlpState) -> ModelResult<Self> {
        let Some(last) = s.layers.last() else {
            return Err(ModelError::Corrupt("network has no layers".into()));
        };
        if last.outputs != 1 {
            return Err(ModelError::Corrupt(format!(
                "output layer has {} outputs, expected 1",
                last.outputs
            )));
        }
        for (l, pair) in s.layers.windows(2).enumerate() {
            if pair[0].outputs != pair[1].inputs {
                return Err(ModelError::Corrupt(format!(
                    "layer {l} outputs {} but layer {} takes {}",
                    pair[0].outputs,
                    l + 1,
                    pair[1].inputs
                )));
            }
        }
        Ok(Mlp { layers: s.layers })
    }
}

/// Returns the first non-finite element of a row-major matrix as an error naming its row and column.
pub(crate) fn check_finite(what: &'static str, data: &[f32], cols: usize) -> ModelResult<()> {
    // Branch-free scan per block (vectorises), then locate the culprit only if there is one.
    let all_finite = data
        .chunks(256)
        .all(|block| block.iter().fold(true, |ok, v| ok & v.is_finite()));
    if all_finite {
        return Ok(());
    }
    match data.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(ModelError::NotFinite {
            what,
            row: i / cols.max(1),
            column: i % cols.max(1),
            value: data.get(i).copied().unwrap_or(f32::NAN),
        }),
    }
}

/// A view's elements in row-major order (borrowed when the view is already standard-layout).
pub(crate) fn row_major<'a>(x: &'a ArrayView2<'_, f32>) -> std::borrow::Cow<'a, [f32]> {
    match x.as_slice() {
        Some(s) => std::borrow::Cow::Borrowed(s),
        None => std::borrow::Cow::Owned(x.iter().copied().collect()),
    }
}

impl Mlp {
    /// The input width.
    pub fn input_dim(&self) -> usize {
        self.layers.first().map_or(0, |l| l.inputs)
    }

    /// The layers, input side first.
    pub fn layers(&self) -> &[Dense] {
        &self.layers
    }

    pub(crate) fn layers_mut(&mut self) -> &mut [Dense] {
        &mut self.layers
    }

    /// Total number of trainable parameters.
    pub fn param_count(&self) -> usize {
        self.layers
            .iter()
            .map(|l| l.weights.len() + l.bias.len())
            .sum()
    }

    /// Multiply–add operations of one example's forward pass (for GFLOP/s reports: FLOPs = 2 × this).
    pub fn forward_macs(&self) -> usize {
        self.layers.iter().map(|l| l.weights.len()).sum()
    }

    fn check_input(&self, x: &[f32], rows: usize) -> ModelResult<()> {
        let dim = self.input_dim();
        if rows.checked_mul(dim) != Some(x.len()) {
            return Err(ModelError::ShapeMismatch {
                what: "x",
                got: vec![x.len()],
                expected: vec![rows, dim],
            });
        }
        check_finite("x", x, dim)
    }

    /// Predicted probabilities `σ(f(x))` for each row of `x` (`rows × input_dim`).
    ///
    /// Complexity `O(rows · Σ inputs·outputs)`, in chunks of 256 rows. Errors: [`ModelError::ShapeMismatch`]
    /// when `x` has the wrong width, [`ModelError::NotFinite`] naming the first NaN/∞ element.
    pub fn predict(&self, x: ArrayView2<'_, f32>) -> ModelResult<Array1<f32>> {
        let (rows, cols) = x.dim();
        if cols != self.input_dim() {
            return Err(ModelError::ShapeMismatch {
                what: "x",
                got: vec![rows, cols],
                expected: vec![rows, self.input_dim()],
            });
        }
        let data = row_major(&x);
        self.predict_slice(&data, rows).map(Array1::from)
    }

    /// [`Mlp::predict`] on a row-major slice of `rows × input_dim` values.
    pub fn predict_slice(&self, x: &[f32], rows: usize) -> ModelResult<Vec<f32>> {
        let mut logits = self.logits_slice(x, rows)?;
        for v in &mut logits {
            *v = sigmoid(*v);
        }
        Ok(logits)
    }

    /// The output logits `f(x)` (before the sigmoid) for each row; same contract as [`Mlp::predict_slice`].
    ///
    /// The weights are packed once per call; the input goes forward in chunks of 256 rows,
    /// each checked for NaN/∞ just before its first layer reads it (so it is read from cache), and the last
    /// layer writes straight into the result. Bit-identical to the training forward pass.
    pub fn logits_slice(&self, x: &[f32], rows: usize) -> ModelResult<Vec<f32>> {
        let dim = self.input_dim();
        if rows.checked_mul(dim) != Some(x.len()) {
            return Err(ModelError::ShapeMismatch {
                what: "x",
                got: vec![x.len()],
                expected: vec![rows, dim],
            });
        }
        let packed = self
            .layers
            .iter()
            .map(|l| kernels::PackedB::new(&l.weights, l.inputs, l.outputs))
            .collect::<ModelResult<Vec<_>>>()?;
        let Some(out_width) = self.layers.last().map(|l| l.outputs) else {
            return Ok(Vec::new());
        };
        let mut out = vec![0.0f32; rows * out_width];
        let mut hidden: Vec<Vec<f32>> = vec![Vec::new(); self.layers.len() - 1];
        let step = PREDICT_CHUNK * dim.max(1);
        for ((c, chunk), dst) in x
            .chunks(step)
            .enumerate()
            .zip(out.chunks_mut(PREDICT_CHUNK * out_width))
        {
            let n = chunk.len() / dim.max(1);
            check_finite("x", chunk, dim).map_err(|e| match e {
                ModelError::NotFinite {
                    what,
                    row,
                    column,
                    value,
                } => ModelError::NotFinite {
                    what,
                    row: row + c * PREDICT_CHUNK,
                    column,
                    value,
                },
                other => other,
            })?;
            self.forward_packed(chunk, n, &packed, &mut hidden, dst)?;
        }
        Ok(out)
    }

    /// Forward pass of `n` rows through layers packed by [`kernels::PackedB`]: hidden activations in
    /// `hidden` (one buffer per hidden layer, resized as needed), the last layer's output in `out`.
    fn forward_packed(
        &self,
        x: &[f32],
        n: usize,
        packed: &[kernels::PackedB],
        hidden: &mut [Vec<f32>],
        out: &mut [f32],
    ) -> ModelResult<()> {
        let mut input = x;
        let layers = self.layers.iter().zip(packed);
        let (Some((last, last_w)), hidden_layers) = (
            layers.clone().next_back(),
            layers.take(self.layers.len().saturating_sub(1)),
        ) else {
            return Ok(());
        };
        for ((layer, w), buf) in hidden_layers.zip(hidden.iter_mut()) {
            buf.resize(n * layer.outputs, 0.0);
            kernels::matmul_bias_packed(input, w, &layer.bias, true, buf, n)?;
            input = buf;
        }
        kernels::matmul_bias_packed(input, last_w, &last.bias, false, out, n)
    }

    /// One example's probability (`x.len() == input_dim`).
    pub fn predict_one(&self, x: ArrayView1<'_, f32>) -> ModelResult<f32> {
        let data: Vec<f32> = x.iter().copied().collect();
        let p = self.predict_slice(&data, 1)?;
        p.first()
            .copied()
            .ok_or(ModelError::EmptyTrainingSet { what: "x" })
    }

    /// Forward pass of `rows` examples (shape-checked by the caller); `acts[l]` receives layer `l`'s
    /// output (`rows × outputs`, ReLU applied on hidden layers, the raw logit on the last).
    pub(crate) fn forward_unchecked(
        &self,
        x: &[f32],
        rows: usize,
        acts: &mut Vec<Vec<f32>>,
    ) -> ModelResult<()> {
        acts.resize_with(self.layers.len(), Vec::new);
        let last = self.layers.len().saturating_sub(1);
        for (l, layer) in self.layers.iter().enumerate() {
            let (before, rest) = acts.split_at_mut(l);
            let input: &[f32] = if l == 0 {
                x
            } else {
                before.last().map_or(&[], |v| v)
            };
            let Some(out) = rest.first_mut() else {
                break;
            };
            out.resize(rows * layer.outputs, 0.0);
            kernels::matmul_bias(
                input,
                &layer.weights,
                &layer.bias,
                l != last,
                out,
                rows,
                layer.inputs,
                layer.outputs,
            )?;
        }
        Ok(())
    }

    /// Backward pass: from the forward activations `acts` of input `x` and `∂L/∂logit` (`dlogits`), writes
    /// every layer's gradient into `grads`. `scratch` holds the two alternating delta buffers.
    pub(crate) fn backward_unchecked(
        &self,
        x: &[f32],
        rows: usize,
        acts: &[Vec<f32>],
        dlogits: &[f32],
        grads: &mut Vec<DenseGradient>,
        scratch: &mut (Vec<f32>, Vec<f32>),
    ) -> ModelResult<()> {
        grads.resize_with(self.layers.len(), DenseGradient::default);
        let (delta, next) = scratch;
        delta.clear();
        delta.extend_from_slice(dlogits);
        for l in (0..self.layers.len()).rev() {
            let (Some(layer), Some(g)) = (self.layers.get(l), grads.get_mut(l)) else {
                break;
            };
            let input: &[f32] = if l == 0 {
                x
            } else {
                acts.get(l - 1).map_or(&[], |v| v)
            };
            // dW = inputᵀ · delta  (inputs × outputs)
            g.weights.clear();
            g.weights.resize(layer.inputs * layer.outputs, 0.0);
            kernels::matmul_at_b(
                input,
                delta,
                &mut g.weights,
                layer.inputs,
                rows,
                layer.outputs,
            )?;
            // db = column sums of delta, rows in order.
            g.bias.clear();
            g.bias.resize(layer.outputs, 0.0);
            for row in delta.chunks_exact(layer.outputs) {
                for (s, &d) in g.bias.iter_mut().zip(row) {
                    *s += d;
                }
            }
            if l > 0 {
                // d(input) = delta · Wᵀ, then through the ReLU of the previous layer.
                next.clear();
                next.resize(rows * layer.inputs, 0.0);
                kernels::matmul_a_bt(
                    delta,
                    &layer.weights,
                    next,
                    rows,
                    layer.outputs,
                    layer.inputs,
                )?;
                for (d, &a) in next.iter_mut().zip(input) {
                    if a <= 0.0 {
                        *d = 0.0;
                    }
                }
                std::mem::swap(delta, next);
            }
        }
        Ok(())
    }

    /// The mean `loss` of the batch `(x, y)` and its gradient for every layer (input side first).
    ///
    /// Hand-derived: `δ_L = ∂L/∂z_L` from the loss; for each layer `∂L/∂W = a_{l−1}ᵀ·δ_l`,
    /// `∂L/∂b = Σ_rows δ_l`, `δ_{l−1} = (δ_l·W_lᵀ) ⊙ [z_{l−1} > 0]`. Complexity: about twice a forward pass.
    ///
    /// Errors: [`ModelError::ShapeMismatch`], [`ModelError::NotFinite`], [`ModelError::LabelOutOfRange`],
    /// [`ModelError::EmptyTrainingSet`] when `x` has no rows.
    pub fn gradients(
        &self,
        x: ArrayView2<'_, f32>,
        y: ArrayView1<'_, f32>,
        loss: Loss,
    ) -> ModelResult<(f32, Vec<DenseGradient>)> {
        let rows = x.nrows();
        if rows == 0 {
            return Err(ModelError::EmptyTrainingSet { what: "x" });
        }
        if y.len() != rows {
            return Err(ModelError::ShapeMismatch {
                what: "y",
                got: vec![y.len()],
                expected: vec![rows],
            });
        }
        let xs = row_major(&x);
        self.check_input(&xs, rows)?;
        let ys: Vec<f32> = y.iter().copied().collect();
        loss.check_labels(&ys)?;
        let mut acts = Vec::new();
        self.forward_unchecked(&xs, rows, &mut acts)?;
        let logits = acts.last().map_or(&[][..], |v| v);
        let mut dlogits = vec![0.0f32; rows];
        let value = loss.mean_and_gradient(logits, &ys, Some(&mut dlogits));
        let mut grads = Vec::new();
        self.backward_unchecked(
            &xs,
            rows,
            &acts,
            &dlogits,
            &mut grads,
            &mut (Vec::new(), Vec::new()),
        )?;
        Ok((value, grads))
    }

    /// The mean `loss` on `(x, y)` without gradients. Same errors as [`Mlp::gradients`].
    pub fn loss(
        &self,
        x: ArrayView2<'_, f32>,
        y: ArrayView1<'_, f32>,
        loss: Loss,
    ) -> ModelResult<f32> {
        if y.len() != x.nrows() {
            return Err(ModelError::ShapeMismatch {
                what: "y",
                got: vec![y.len()],
                expected: vec![x.nrows()],
            });
        }
        let ys: Vec<f32> = y.iter().copied().collect();
        loss.check_labels(&ys)?;
        let xs = row_major(&x);
        let logits = self.logits_slice(&xs, x.nrows())?;
        Ok(loss.mean(&logits, &ys))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn random_data(rows: usize, cols: usize, seed: u64) -> (Array2<f32>, Array1<f32>) {
        let mut rng = StdRng::seed_from_u64(seed);
        let x = Array2::from_shape_fn((rows, cols), |_| rng.random_range(-1.0f32..1.0));
        let y = Array1::from_shape_fn(rows, |_| rng.random_range(0.0f32..1.0));
        (x, y)
    }

    #[test]
    fn default_shape_is_64_32_1() {
        let mlp = MlpConfig::new().seed(1).build(128).unwrap();
        let shapes: Vec<_> = mlp
            .layers()
            .iter()
            .map(|l| (l.inputs(), l.outputs()))
            .collect();
        assert_eq!(shapes, vec![(128, 64), (64, 32), (32, 1)]);
        assert_eq!(mlp.param_count(), 128 * 64 + 64 + 64 * 32 + 32 + 32 + 1);
        assert_eq!(mlp.forward_macs(), 128 * 64 + 64 * 32 + 32);
    }

    #[test]
    fn init_respects_he_and_xavier_limits_and_is_seeded() {
        let a = MlpConfig::new().seed(5).build(10).unwrap();
        let b = MlpConfig::new().seed(5).build(10).unwrap();
        let c = MlpConfig::new().seed(6).build(10).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let he = (6.0f32 / 10.0).sqrt();
        assert!(a.layers()[0].weights().iter().all(|w| w.abs() <= he));
        let xavier = (6.0f32 / 33.0).sqrt();
        assert!(a.layers()[2].weights().iter().all(|w| w.abs() <= xavier));
        assert!(a.layers()[0].weights().iter().any(|w| w.abs() > he * 0.5));
    }

    #[test]
    fn bad_configs_name_the_field() {
        let err = MlpConfig::new().build(0).unwrap_err();
        assert!(matches!(
            err,
            ModelError::InvalidConfig {
                field: "input_dim",
                ..
            }
        ));
        let err = MlpConfig::new().hidden(&[8, 0]).build(3).unwrap_err();
        assert!(
            matches!(
                err,
                ModelError::InvalidConfig {
                    field: "hidden",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn batched_forward_equals_row_by_row() {
        let mlp = MlpConfig::new().hidden(&[7, 5]).seed(3).build(9).unwrap();
        let (x, _) = random_data(300, 9, 4);
        let batch = mlp.predict(x.view()).unwrap();
        for (r, row) in x.rows().into_iter().enumerate() {
            assert_eq!(mlp.predict_one(row).unwrap(), batch[r]);
        }
        // Column-major input gives the same answer.
        let xt = x.t().to_owned();
        let again = mlp.predict(xt.t()).unwrap();
        assert_eq!(again, batch);
        assert!(batch.iter().all(|p| (0.0..=1.0).contains(p)));
    }

    #[test]
    fn nan_and_wrong_width_are_typed_errors() {
        let mlp = MlpConfig::new().hidden(&[4]).build(3).unwrap();
        let mut x = Array2::<f32>::zeros((4, 3));
        x[[2, 1]] = f32::INFINITY;
        let err = mlp.predict(x.view()).unwrap_err();
        assert!(
            matches!(
                err,
                ModelError::NotFinite {
                    what: "x",
                    row: 2,
                    column: 1,
                    ..
                }
            ),
            "{err}"
        );
        let err = mlp
            .predict(Array2::<f32>::zeros((2, 4)).view())
            .unwrap_err();
        assert!(
            matches!(err, ModelError::ShapeMismatch { what: "x", .. }),
            "{err}"
        );
        assert!(mlp
            .predict(Array2::<f32>::zeros((0, 3)).view())
            .unwrap()
            .is_empty());
    }

    #[test]
    fn chunked_prediction_names_the_global_row_and_matches_the_training_forward_pass() {
        let mlp = MlpConfig::new().hidden(&[9, 5]).seed(31).build(7).unwrap();
        let rows = 2 * PREDICT_CHUNK + 37;
        let (mut x, _) = random_data(rows, 7, 32);
        // The logits equal the unchunked, unpacked forward pass that training uses, bit for bit.
        let data = row_major(&x.view()).into_owned();
        let mut acts = Vec::new();
        mlp.forward_unchecked(&data, rows, &mut acts).unwrap();
        let logits = mlp.logits_slice(&data, rows).unwrap();
        assert_eq!(Some(&logits), acts.last());
        // A NaN in the third chunk is reported at its row in the whole input, not in its chunk.
        x[[2 * PREDICT_CHUNK + 5, 3]] = f32::NAN;
        x[[rows - 1, 0]] = f32::INFINITY;
        let err = mlp.predict(x.view()).unwrap_err();
        assert!(
            matches!(
                err,
                ModelError::NotFinite { what: "x", row, column: 3, .. } if row == 2 * PREDICT_CHUNK + 5
            ),
            "{err}"
        );
    }

    /// Central finite differences against the hand-derived gradient, for every parameter of every layer.
    #[allow(clippy::needless_range_loop)]
    fn gradient_check(loss: Loss) {
        let mlp = MlpConfig::new().hidden(&[6, 4]).seed(21).build(5).unwrap();
        let (x, mut y) = random_data(12, 5, 22);
        if loss == Loss::BinaryCrossEntropy {
            y.mapv_inplace(|v| if v > 0.5 { 1.0 } else { 0.0 });
        }
        let (_, grads) = mlp.gradients(x.view(), y.view(), loss).unwrap();
        let h = 1e-3f32;
        let mut checked = 0;
        for l in 0..mlp.layers().len() {
            for is_bias in [false, true] {
                let count = if is_bias {
                    mlp.layers()[l].bias().len()
                } else {
                    mlp.layers()[l].weights().len()
                };
                for i in 0..count {
                    let eval = |delta: f32| {
                        let mut m = mlp.clone();
                        let (w, b) = m.layers_mut()[l].params_mut();
                        if is_bias {
                            b[i] += delta;
                        } else {
                            w[i] += delta;
                        }
                        f64::from(m.loss(x.view(), y.view(), loss).unwrap())
                    };
                    let numeric = (eval(h) - eval(-h)) / (2.0 * f64::from(h));
                    let analytic = if is_bias {
                        grads[l].bias[i]
                    } else {
                        grads[l].weights[i]
                    };
                    let analytic = f64::from(analytic);
                    assert!(
                        (numeric - analytic).abs() <= 2e-3 + 2e-2 * analytic.abs(),
                        "{loss:?} layer {l} {} {i}: numeric {numeric} vs analytic {analytic}",
                        if is_bias { "bias" } else { "weight" }
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, mlp.param_count());
    }

    #[test]
    fn gradients_match_finite_differences_for_bce() {
        gradient_check(Loss::BinaryCrossEntropy);
    }

    #[test]
    fn gradients_match_finite_differences_for_mse() {
        gradient_check(Loss::MeanSquaredError);
    }

    #[test]
    fn gradients_match_finite_differences_for_listwise() {
        // The whole batch is one list; its soft labels are normalised to a target distribution.
        gradient_check(Loss::ListwiseSoftmax);
    }

    #[test]
    fn gradient_of_a_nonzero_example_is_nonzero() {
        // Guards the gradient check against passing vacuously.
        let mlp = MlpConfig::new().hidden(&[6, 4]).seed(21).build(5).unwrap();
        let (x, y) = random_data(12, 5, 22);
        let (_, grads) = mlp
            .gradients(x.view(), y.view(), Loss::BinaryCrossEntropy)
            .unwrap();
        for g in &grads {
            assert!(g.weights.iter().any(|v| v.abs() > 1e-6));
        }
    }

    #[test]
    fn serde_round_trip_keeps_predictions_and_rejects_corruption() {
        let mlp = MlpConfig::new().seed(8).build(12).unwrap();
        let bytes = postcard::to_allocvec(&mlp).unwrap();
        let back: Mlp = postcard::from_bytes(&bytes).unwrap();
        let (x, _) = random_data(50, 12, 9);
        assert_eq!(
            mlp.predict(x.view()).unwrap(),
            back.predict(x.view()).unwrap()
        );

        let mut broken = mlp.clone();
        broken.layers[1].bias.pop();
        let bytes = postcard::to_allocvec(&broken).unwrap();
        assert!(postcard::from_bytes::<Mlp>(&bytes).is_err());
        let mut chain = mlp.clone();
        chain.layers.remove(1);
        let bytes = postcard::to_allocvec(&chain).unwrap();
        assert!(postcard::from_bytes::<Mlp>(&bytes).is_err());
    }
}
