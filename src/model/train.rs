//! Training: the [`TrainConfig`] builder, data sets, Adam/SGD with L2 weight decay, seeded mini-batches,
//! early stopping, a step-wise API for Web Workers, and bounded online fine-tuning.
//!
//! Everything here is deterministic: shuffling uses explicit seeds (never OS entropy) and only `u32`
//! index sampling (identical on 32- and 64-bit targets), and every floating-point operation is one whose
//! result IEEE-754 fixes. Same seed + same data ⇒ the same weights, bit for bit, natively and in wasm32.

use crate::hashing::splitmix;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

use super::error::{ModelError, ModelResult};
use super::loss::Loss;
use super::mlp::{check_finite, row_major, DenseGradient, Mlp};
use super::LISTWISE;

/// The optimiser and its hyper-parameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Optimizer {
    /// Adam (Kingma & Ba 2015) with bias correction.
    Adam {
        /// First-moment decay, in `[0, 1)`. Default 0.9.
        beta1: f32,
        /// Second-moment decay, in `[0, 1)`. Default 0.999.
        beta2: f32,
        /// Denominator guard, `> 0`. Default 1e-7 (as Keras, which the original design used).
        epsilon: f32,
    },
    /// Stochastic gradient descent with optional (heavy-ball) momentum in `[0, 1)`.
    Sgd {
        /// Momentum; 0 is plain SGD.
        momentum: f32,
    },
}

impl Optimizer {
    /// Adam with the defaults `beta1 = 0.9`, `beta2 = 0.999`, `epsilon = 1e-7`.
    pub const fn adam() -> Self {
        Optimizer::Adam {
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-7,
        }
    }
    /// Plain SGD (no momentum).
    pub const fn sgd() -> Self {
        Optimizer::Sgd { momentum: 0.0 }
    }
}

impl Default for Optimizer {
    fn default() -> Self {
        Self::adam()
    }
}

/// Training settings, a builder with defaults; checked by [`TrainConfig::validate`] when a
/// [`Trainer`] is created from it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    loss: Loss,
    optimizer: Optimizer,
    learning_rate: f32,
    weight_decay: f32,
    batch_size: usize,
    epochs: usize,
    seed: u64,
    validation_fraction: f32,
    patience: Option<usize>,
    min_delta: f32,
    fine_tune_learning_rate: Option<f32>,
    fine_tune_max_rows: usize,
    fine_tune_max_steps: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            loss: Loss::default(),
            optimizer: Optimizer::default(),
            learning_rate: 1e-3,
            weight_decay: 0.0,
            batch_size: 64,
            epochs: 20,
            seed: 0,
            validation_fraction: 0.1,
            patience: Some(3),
            min_delta: 1e-4,
            fine_tune_learning_rate: None,
            fine_tune_max_rows: 256,
            fine_tune_max_steps: 32,
        }
    }
}

macro_rules! setter {
    ($(#[$doc:meta])* $name:ident: $ty:ty) => {
        $(#[$doc])*
        pub fn $name(mut self, value: $ty) -> Self {
            self.$name = value;
            self
        }
    };
}

impl TrainConfig {
    /// The defaults: BCE, Adam, lr 1e-3, no weight decay, batch 64, 20 epochs, seed 0, 10 % validation,
    /// patience 3 epochs (min improvement 1e-4), fine-tuning ≤ 256 rows × ≤ 32 steps at the training lr.
    pub fn new() -> Self {
        Self::default()
    }

    setter!(
        /// The loss (default binary cross-entropy).
        loss: Loss
    );
    setter!(
        /// The optimiser (default Adam).
        optimizer: Optimizer
    );
    setter!(
        /// Step size, finite and in `(0, 10]`. Default 1e-3.
        learning_rate: f32
    );
    setter!(
        /// L2 penalty `λ` on weights (not biases): adds `λ·W` to their gradient. Finite, `≥ 0`. Default 0.
        weight_decay: f32
    );
    setter!(
        /// Examples per mini-batch, `1..=1_048_576`. Default 64.
        batch_size: usize
    );
    setter!(
        /// Maximum number of epochs for [`Trainer::fit`], `1..=1_000_000`. Default 20.
        epochs: usize
    );
    setter!(
        /// Seed of shuffling and of the validation split.
        seed: u64
    );
    setter!(
        /// Share of examples held out for early stopping, in `[0, 0.9]`; 0 disables the split. Default 0.1.
        validation_fraction: f32
    );
    setter!(
        /// Epochs without validation improvement before stopping; `None` never stops early. Default 3.
        patience: Option<usize>
    );
    setter!(
        /// Smallest validation-loss decrease that counts as an improvement, finite, `≥ 0`. Default 1e-4.
        min_delta: f32
    );
    setter!(
        /// Learning rate of [`Trainer::fine_tune`]; `None` uses `learning_rate`.
        fine_tune_learning_rate: Option<f32>
    );
    setter!(
        /// Most examples one [`Trainer::fine_tune`] call accepts, `≥ 1`. Default 256.
        fine_tune_max_rows: usize
    );
    setter!(
        /// Most optimiser steps one [`Trainer::fine_tune`] call accepts, `≥ 1`. Default 32.
        fine_tune_max_steps: usize
    );

    /// The configured loss.
    pub fn get_loss(&self) -> Loss {
        self.loss
    }

    /// The configured batch size.
    pub fn get_batch_size(&self) -> usize {
        self.batch_size
    }

    /// Checks every field. Errors: [`ModelError::InvalidConfig`] naming the first bad field and its value.
    pub fn validate(&self) -> ModelResult<()> {
        fn bad(field: &'static str, value: impl ToString, reason: &'static str) -> ModelResult<()> {
            Err(ModelError::InvalidConfig {
                field,
                value: value.to_string(),
                reason,
            })
        }
        let lr_ok = |v: f32| v.is_finite() && v > 0.0 && v <= 10.0;
        if !lr_ok(self.learning_rate) {
            return bad(
                "learning_rate",
                crate::num::F32(self.learning_rate),
                "must be finite and in (0, 10]",
            );
        }
        if let Some(v) = self.fine_tune_learning_rate {
            if !lr_ok(v) {
                return bad(
                    "fine_tune_learning_rate",
                    crate::num::F32(v),
                    "must be finite and in (0, 10]",
                );
            }
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return bad(
                "weight_decay",
                crate::num::F32(self.weight_decay),
                "must be finite and >= 0",
            );
        }
        if self.batch_size == 0 || self.batch_size > 1 << 20 {
            return bad(
                "batch_size",
                self.batch_size,
                "must be between 1 and 1048576",
            );
        }
        if self.epochs == 0 || self.epochs > 1_000_000 {
            return bad("epochs", self.epochs, "must be between 1 and 1000000");
        }
        if !(self.validation_fraction.is_finite()
            && (0.0..=0.9).contains(&self.validation_fraction))
        {
            return bad(
                "validation_fraction",
                crate::num::F32(self.validation_fraction),
                "must be in [0, 0.9]",
            );
        }
        if !(self.min_delta.is_finite() && self.min_delta >= 0.0) {
            return bad(
                "min_delta",
                crate::num::F32(self.min_delta),
                "must be finite and >= 0",
            );
        }
        if !LISTWISE && self.loss.is_listwise() {
            return bad(
                "loss",
                self.loss.name(),
                "is not built into this module (wasm32 without the models feature)",
            );
        }
        if self.fine_tune_max_rows == 0 {
            return bad("fine_tune_max_rows", 0, "must be at least 1");
        }
        if self.fine_tune_max_steps == 0 {
            return bad("fine_tune_max_steps", 0, "must be at least 1");
        }
        let unit = |v: f32| v.is_finite() && (0.0..1.0).contains(&v);
        match self.optimizer {
            Optimizer::Adam {
                beta1,
                beta2,
                epsilon,
            } => {
                if !unit(beta1) {
                    return bad(
                        "optimizer.beta1",
                        crate::num::F32(beta1),
                        "must be in [0, 1)",
                    );
                }
                if !unit(beta2) {
                    return bad(
                        "optimizer.beta2",
                        crate::num::F32(beta2),
                        "must be in [0, 1)",
                    );
                }
                if !(epsilon.is_finite() && epsilon > 0.0) {
                    return bad(
                        "optimizer.epsilon",
                        crate::num::F32(epsilon),
                        "must be finite and > 0",
                    );
                }
            }
            Optimizer::Sgd { momentum } => {
                if !unit(momentum) {
                    return bad(
                        "optimizer.momentum",
                        crate::num::F32(momentum),
                        "must be in [0, 1)",
                    );
                }
            }
        }
        Ok(())
    }
}

/// A validated training set: `x` (`rows × dim`, finite) and labels `y` (`rows`, finite), optionally cut
/// into groups of consecutive rows ([`Dataset::with_groups`], e.g. one query's candidates each).
///
/// On grouped data training works in whole groups: the validation split holds out whole groups, each
/// epoch shuffles the groups (seeded), a mini-batch is `batch_size / ⌈mean group size⌉` groups (at least
/// one), and a listwise loss ([`Loss::ListwiseSoftmax`]) is computed per group.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    x: Vec<f32>,
    y: Vec<f32>,
    dim: usize,
    /// Start row of every group plus a final `rows`; empty when the data are not grouped.
    starts: Vec<usize>,
}

impl Dataset {
    /// Copies and checks `x` and `y`.
    ///
    /// Errors: [`ModelError::ShapeMismatch`] when `y.len() != x.nrows()`, [`ModelError::NotFinite`] naming
    /// the first NaN/∞ (its row and column), [`ModelError::EmptyTrainingSet`] when there are no rows or
    /// `x` has no columns. Labels are checked against the loss when training starts.
    pub fn new(x: ArrayView2<'_, f32>, y: ArrayView1<'_, f32>) -> ModelResult<Self> {
        let (rows, dim) = x.dim();
        if rows == 0 || dim == 0 {
            return Err(ModelError::EmptyTrainingSet {
                what: "training set",
            });
        }
        if y.len() != rows {
            return Err(ModelError::ShapeMismatch {
                what: "y",
                got: vec![y.len()],
                expected: vec![rows],
            });
        }
        let x = row_major(&x).into_owned();
        check_finite("x", &x, dim)?;
        let y: Vec<f32> = y.iter().copied().collect();
        check_finite("y", &y, 1)?;
        Ok(Self {
            x,
            y,
            dim,
            starts: Vec::new(),
        })
    }

    /// Cuts the rows into consecutive groups of the given sizes (in row order).
    ///
    /// Errors: [`ModelError::ShapeMismatch`] when the sizes do not add up to the number of rows,
    /// [`ModelError::InvalidConfig`] naming the first empty group.
    pub fn with_groups(mut self, sizes: &[usize]) -> ModelResult<Self> {
        if !LISTWISE {
            return Err(ModelError::InvalidConfig {
                field: "group_sizes",
                value: sizes.len().to_string(),
                reason: "grouped training is not built into this module (wasm32 without the models feature)",
            });
        }
        if let Some(g) = sizes.iter().position(|&n| n == 0) {
            return Err(ModelError::InvalidConfig {
                field: "group_sizes",
                value: format!("0 at group {g}"),
                reason: "every group needs at least one row",
            });
        }
        let total = sizes.iter().try_fold(0usize, |a, &n| a.checked_add(n));
        if total != Some(self.len()) {
            return Err(ModelError::ShapeMismatch {
                what: "group sizes (their sum)",
                got: vec![total.unwrap_or(usize::MAX)],
                expected: vec![self.len()],
            });
        }
        let mut starts = Vec::with_capacity(sizes.len() + 1);
        let mut at = 0usize;
        starts.push(0);
        for &n in sizes {
            at += n;
            starts.push(at);
        }
        self.starts = starts;
        Ok(self)
    }

    /// True when the rows are cut into groups (never where [`LISTWISE`] is off: the optimiser then drops
    /// every grouped code path).
    fn grouped(&self) -> bool {
        LISTWISE && !self.starts.is_empty()
    }

    /// The group sizes, or `None` when the data are not grouped.
    pub fn group_sizes(&self) -> Option<Vec<usize>> {
        if !self.grouped() {
            None
        } else {
            Some(self.starts.windows(2).map(|w| w[1] - w[0]).collect())
        }
    }

    /// Units shuffled and batched by training: groups when grouped, otherwise rows.
    fn units(&self) -> usize {
        if !self.grouped() {
            self.len()
        } else {
            self.starts.len() - 1
        }
    }

    /// Units per mini-batch of (at most about) `batch_size` rows: `batch_size` rows, or
    /// `batch_size / ⌈mean group size⌉` groups (at least one).
    fn units_per_batch(&self, batch_size: usize) -> usize {
        let groups = self.units();
        if !self.grouped() || groups == 0 {
            return batch_size;
        }
        (batch_size / self.len().div_ceil(groups).max(1)).max(1)
    }

    /// The rows of group `g` (empty for an unknown group).
    fn group_rows(&self, g: usize) -> std::ops::Range<usize> {
        match (self.starts.get(g), self.starts.get(g + 1)) {
            (Some(&a), Some(&b)) => a..b,
            _ => 0..0,
        }
    }

    /// The mean `loss` of `logits` (one per row) on these labels, per group when grouped.
    fn mean_loss(&self, loss: Loss, logits: &[f32]) -> f32 {
        match self.group_sizes() {
            Some(sizes) => loss.mean_grouped(logits, &self.y, &sizes),
            None => loss.mean(logits, &self.y),
        }
    }

    /// Number of examples.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Always false: an empty data set cannot be built.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Feature width.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The features as an array (a copy).
    pub fn x(&self) -> Array2<f32> {
        Array2::from_shape_vec((self.len(), self.dim), self.x.clone()).unwrap_or_default()
    }

    /// The labels as an array (a copy).
    pub fn y(&self) -> Array1<f32> {
        Array1::from(self.y.clone())
    }

    fn subset(&self, idx: &[u32]) -> Self {
        let mut x = Vec::with_capacity(idx.len() * self.dim);
        let mut y = Vec::with_capacity(idx.len());
        for &i in idx {
            let i = i as usize;
            if let (Some(row), Some(&label)) =
                (self.x.get(i * self.dim..(i + 1) * self.dim), self.y.get(i))
            {
                x.extend_from_slice(row);
                y.push(label);
            }
        }
        Self {
            x,
            y,
            dim: self.dim,
            starts: Vec::new(),
        }
    }

    /// The groups `idx` (in that order), still grouped.
    fn subset_groups(&self, idx: &[u32]) -> Self {
        let mut rows = Vec::new();
        let mut sizes = Vec::with_capacity(idx.len());
        for &g in idx {
            let r = self.group_rows(g as usize);
            sizes.push(r.len());
            rows.extend(r.map(|i| i as u32));
        }
        let mut out = self.subset(&rows);
        let mut at = 0usize;
        out.starts = std::iter::once(0)
            .chain(sizes.iter().map(|&n| {
                at += n;
                at
            }))
            .collect();
        out
    }

    /// Splits off `fraction` of the rows (seeded shuffle) as a validation set: `(train, validation)`. On
    /// grouped data, `fraction` of the groups (whole groups, both sides stay grouped).
    ///
    /// Errors: [`ModelError::InvalidConfig`] for a fraction outside `[0, 0.9]`; [`ModelError::EmptyTrainingSet`]
    /// when a positive fraction leaves the validation split empty.
    pub fn split(&self, fraction: f32, seed: u64) -> ModelResult<(Dataset, Option<Dataset>)> {
        if !(fraction.is_finite() && (0.0..=0.9).contains(&fraction)) {
            return Err(ModelError::InvalidConfig {
                field: "validation_fraction",
                value: crate::num::F32(fraction).to_string(),
                reason: "must be in [0, 0.9]",
            });
        }
        if fraction == 0.0 {
            return Ok((self.clone(), None));
        }
        let n_val = (self.units() as f64 * f64::from(fraction)).floor() as usize;
        if n_val == 0 {
            return Err(ModelError::EmptyTrainingSet {
                what: "validation split",
            });
        }
        let order = shuffled_indices(self.units(), seed)?;
        let (val_idx, train_idx) = order.split_at(n_val.min(order.len()));
        if !self.grouped() {
            Ok((self.subset(train_idx), Some(self.subset(val_idx))))
        } else {
            Ok((
                self.subset_groups(train_idx),
                Some(self.subset_groups(val_idx)),
            ))
        }
    }
}

/// `0..n` shuffled by Fisher–Yates from `seed`, drawing only `u32` indices (portable across targets).
fn shuffled_indices(n: usize, seed: u64) -> ModelResult<Vec<u32>> {
    let n32 = u32::try_from(n).map_err(|_| ModelError::InvalidConfig {
        field: "rows",
        value: n.to_string(),
        reason: "at most 4294967295 examples",
    })?;
    let mut order: Vec<u32> = (0..n32).collect();
    let mut rng = StdRng::seed_from_u64(seed);
    for i in (1..order.len()).rev() {
        let j = rng.random_range(0..=i as u32) as usize;
        order.swap(i, j);
    }
    Ok(order)
}

/// Optimiser moments for one layer (same layouts as the layer). SGD uses only the first moments.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Moments {
    m_w: Vec<f32>,
    v_w: Vec<f32>,
    m_b: Vec<f32>,
    v_b: Vec<f32>,
}

/// Reusable buffers of one training step (not serialised).
#[derive(Clone, Debug, Default)]
struct Workspace {
    batch_x: Vec<f32>,
    batch_y: Vec<f32>,
    batch_groups: Vec<usize>,
    acts: Vec<Vec<f32>>,
    dlogits: Vec<f32>,
    grads: Vec<DenseGradient>,
    deltas: (Vec<f32>, Vec<f32>),
}

/// Optimiser state and counters for training one [`Mlp`]: serialisable (so a worker can persist it
/// between sessions and fine-tuning keeps its Adam moments), and checked against the model on every call.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Trainer {
    config: TrainConfig,
    moments: Vec<Moments>,
    /// Optimiser steps taken.
    steps: u64,
    /// `beta1^steps`, `beta2^steps`, kept as running products (no `powi`, same bits everywhere).
    beta_pow: (f32, f32),
    /// Epochs run by [`Trainer::train_epoch`] (salts the shuffling seed).
    epochs_run: u64,
    #[serde(skip)]
    work: Workspace,
}

impl PartialEq for Trainer {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config
            && self.moments == other.moments
            && self.steps == other.steps
            && self.beta_pow == other.beta_pow
            && self.epochs_run == other.epochs_run
    }
}

/// What one call of [`Fit::advance`] achieved.
#[derive(Clone, Debug, PartialEq)]
pub struct FitProgress {
    /// Epochs completed so far.
    pub epoch: usize,
    /// The configured maximum number of epochs.
    pub epochs: usize,
    /// Batches done in the current epoch.
    pub batch: usize,
    /// Batches per epoch.
    pub batches_per_epoch: usize,
    /// Loss of the last batch trained (before its update), if any.
    pub batch_loss: Option<f32>,
    /// Mean training loss of the last completed epoch.
    pub train_loss: Option<f32>,
    /// Validation loss after the last completed epoch (when there is a validation split).
    pub validation_loss: Option<f32>,
    /// True once training has finished (all epochs run or stopped early); the best weights are restored.
    pub done: bool,
}

/// The outcome of a finished [`Trainer::fit`].
#[derive(Clone, Debug, PartialEq)]
pub struct FitReport {
    /// Mean training loss per completed epoch.
    pub train_losses: Vec<f32>,
    /// Validation loss per completed epoch (empty without a validation split).
    pub validation_losses: Vec<f32>,
    /// The epoch (0-based) whose weights were kept.
    pub best_epoch: usize,
    /// True when early stopping ended training before the configured epochs.
    pub stopped_early: bool,
}

/// A training run in progress, advanced a few batches at a time by [`Fit::advance`] — the shape a Web
/// Worker needs to train in slices and post progress between them.
#[derive(Clone, Debug)]
pub struct Fit {
    train: Dataset,
    validation: Option<Dataset>,
    order: Vec<u32>,
    cursor: usize,
    epoch: usize,
    loss_sum: f64,
    seen: usize,
    best: Option<(f32, usize, Mlp)>,
    bad_epochs: usize,
    report: FitReport,
    done: bool,
}

impl Fit {
    /// Runs up to `max_batches` mini-batches (at least one), finishing epochs, evaluating validation loss
    /// and applying early stopping along the way. Once done, `mlp` holds the best weights seen (by
    /// validation loss; the last weights without a validation split) and further calls do nothing.
    ///
    /// Errors: as [`Trainer::train_step`]; [`ModelError::ShapeMismatch`] when `mlp` is not the network
    /// the fit started with.
    pub fn advance(
        &mut self,
        trainer: &mut Trainer,
        mlp: &mut Mlp,
        max_batches: usize,
    ) -> ModelResult<FitProgress> {
        let batch = self.train.units_per_batch(trainer.config.batch_size);
        let mut last_loss = None;
        let mut budget = max_batches.max(1);
        while !self.done && budget > 0 {
            if self.cursor == 0 && self.order.is_empty() {
                self.order = shuffled_indices(
                    self.train.units(),
                    splitmix(trainer.config.seed, self.epoch as u64 + 1),
                )?;
            }
            let end = (self.cursor + batch).min(self.order.len());
            let idx = self.order.get(self.cursor..end).unwrap_or(&[]);
            let loss = trainer.step_indices(mlp, &self.train, idx)?;
            self.loss_sum += f64::from(loss) * idx.len() as f64;
            self.seen += idx.len();
            last_loss = Some(loss);
            self.cursor = end;
            budget -= 1;
            if self.cursor >= self.order.len() {
                self.end_epoch(trainer, mlp)?;
            }
        }
        let batches_per_epoch = self.train.units().div_ceil(batch);
        Ok(FitProgress {
            epoch: self.epoch,
            epochs: trainer.config.epochs,
            batch: self.cursor.div_ceil(batch),
            batches_per_epoch,
            batch_loss: last_loss,
            train_loss: self.report.train_losses.last().copied(),
            validation_loss: self.report.validation_losses.last().copied(),
            done: self.done,
        })
    }

    fn end_epoch(&mut self, trainer: &mut Trainer, mlp: &mut Mlp) -> ModelResult<()> {
        let train_loss = if self.seen == 0 {
            0.0
        } else {
            (self.loss_sum / self.seen as f64) as f32
        };
        self.report.train_losses.push(train_loss);
        self.loss_sum = 0.0;
        self.seen = 0;
        self.cursor = 0;
        self.order.clear();
        let epoch = self.epoch;
        self.epoch += 1;
        trainer.epochs_run += 1;
        let cfg = &trainer.config;
        if let Some(val) = &self.validation {
            let logits = mlp.logits_slice(&val.x, val.len())?;
            let vl = val.mean_loss(cfg.loss, &logits);
            self.report.validation_losses.push(vl);
            let improved = match &self.best {
                None => true,
                Some((best, _, _)) => vl < *best - cfg.min_delta,
            };
            if improved {
                self.best = Some((vl, epoch, mlp.clone()));
                self.bad_epochs = 0;
            } else {
                self.bad_epochs += 1;
                if cfg.patience.is_some_and(|p| self.bad_epochs > p) {
                    self.report.stopped_early = true;
                    self.done = true;
                }
            }
        }
        if self.epoch >= cfg.epochs {
            self.done = true;
        }
        if self.done {
            match self.best.take() {
                Some((_, best_epoch, best)) => {
                    *mlp = best;
                    self.report.best_epoch = best_epoch;
                }
                None => self.report.best_epoch = epoch,
            }
        }
        Ok(())
    }

    /// True once training has finished.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// The losses so far (complete once [`Fit::is_done`]).
    pub fn report(&self) -> &FitReport {
        &self.report
    }
}

impl Trainer {
    /// A trainer for `mlp` with fresh (zero) optimiser state.
    ///
    /// Errors: [`ModelError::InvalidConfig`] from [`TrainConfig::validate`].
    pub fn new(mlp: &Mlp, config: TrainConfig) -> ModelResult<Self> {
        config.validate()?;
        let moments = mlp
            .layers()
            .iter()
            .map(|l| {
                let (w, b) = (l.weights().len(), l.bias().len());
                let second = matches!(config.optimizer, Optimizer::Adam { .. });
                Moments {
                    m_w: vec![0.0; w],
                    v_w: if second { vec![0.0; w] } else { Vec::new() },
                    m_b: vec![0.0; b],
                    v_b: if second { vec![0.0; b] } else { Vec::new() },
                }
            })
            .collect();
        Ok(Self {
            config,
            moments,
            steps: 0,
            beta_pow: (1.0, 1.0),
            epochs_run: 0,
            work: Workspace::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Optimiser steps taken so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    fn check_model(&self, mlp: &Mlp) -> ModelResult<()> {
        let adam = matches!(self.config.optimizer, Optimizer::Adam { .. });
        let ok = self.moments.len() == mlp.layers().len()
            && self.moments.iter().zip(mlp.layers()).all(|(m, l)| {
                m.m_w.len() == l.weights().len()
                    && m.m_b.len() == l.bias().len()
                    && (!adam
                        || (m.v_w.len() == l.weights().len() && m.v_b.len() == l.bias().len()))
            });
        if ok {
            Ok(())
        } else {
            Err(ModelError::ShapeMismatch {
                what: "optimizer state",
                got: self.moments.iter().map(|m| m.m_w.len()).collect(),
                expected: mlp.layers().iter().map(|l| l.weights().len()).collect(),
            })
        }
    }

    /// One optimiser step on the mini-batch `(x, y)`; returns the batch's mean loss *before* the update.
    ///
    /// Complexity: about three forward passes of the batch plus `O(parameters)`.
    /// Errors (all before any weight changes): [`ModelError::EmptyTrainingSet`] for zero rows,
    /// [`ModelError::ShapeMismatch`] for a wrong width, label count or optimiser state,
    /// [`ModelError::NotFinite`] naming the first NaN/∞ input, [`ModelError::LabelOutOfRange`].
    pub fn train_step(
        &mut self,
        mlp: &mut Mlp,
        x: ArrayView2<'_, f32>,
        y: ArrayView1<'_, f32>,
    ) -> ModelResult<f32> {
        let lr = self.config.learning_rate;
        self.checked_step(mlp, x, y, lr)
    }

    fn checked_step(
        &mut self,
        mlp: &mut Mlp,
        x: ArrayView2<'_, f32>,
        y: ArrayView1<'_, f32>,
        lr: f32,
    ) -> ModelResult<f32> {
        let (rows, cols) = x.dim();
        if rows == 0 {
            return Err(ModelError::EmptyTrainingSet { what: "x" });
        }
        if cols != mlp.input_dim() || y.len() != rows {
            return Err(ModelError::ShapeMismatch {
                what: if cols != mlp.input_dim() { "x" } else { "y" },
                got: vec![rows, cols, y.len()],
                expected: vec![rows, mlp.input_dim(), rows],
            });
        }
        self.check_model(mlp)?;
        let xs = row_major(&x);
        check_finite("x", &xs, cols)?;
        let ys: Vec<f32> = y.iter().copied().collect();
        self.config.loss.check_labels(&ys)?;
        let mut work = std::mem::take(&mut self.work);
        let result = self.step_unchecked(mlp, &xs, &ys, rows, lr, None, &mut work);
        self.work = work;
        result
    }

    /// A step on units `idx` of `data` (already validated): its rows, or on grouped data its groups.
    fn step_indices(&mut self, mlp: &mut Mlp, data: &Dataset, idx: &[u32]) -> ModelResult<f32> {
        let mut work = std::mem::take(&mut self.work);
        work.batch_x.clear();
        work.batch_y.clear();
        work.batch_groups.clear();
        let dim = data.dim;
        let push = |i: usize, work: &mut Workspace| {
            if let (Some(row), Some(&label)) = (data.x.get(i * dim..(i + 1) * dim), data.y.get(i)) {
                work.batch_x.extend_from_slice(row);
                work.batch_y.push(label);
            }
        };
        if !data.grouped() {
            for &i in idx {
                push(i as usize, &mut work);
            }
        } else {
            for &g in idx {
                let rows = data.group_rows(g as usize);
                work.batch_groups.push(rows.len());
                for i in rows {
                    push(i, &mut work);
                }
            }
        }
        let bx = std::mem::take(&mut work.batch_x);
        let by = std::mem::take(&mut work.batch_y);
        let bg = std::mem::take(&mut work.batch_groups);
        let lr = self.config.learning_rate;
        let groups = if !data.grouped() { None } else { Some(&bg[..]) };
        let result = self.step_unchecked(mlp, &bx, &by, by.len(), lr, groups, &mut work);
        work.batch_x = bx;
        work.batch_y = by;
        work.batch_groups = bg;
        self.work = work;
        result
    }

    /// One step on the batch `(x, y)`; `groups` are the sizes of its consecutive groups (`None`: one list
    /// for a listwise loss, and the pointwise losses never look at them).
    #[allow(clippy::too_many_arguments)]
    fn step_unchecked(
        &mut self,
        mlp: &mut Mlp,
        x: &[f32],
        y: &[f32],
        rows: usize,
        lr: f32,
        groups: Option<&[usize]>,
        work: &mut Workspace,
    ) -> ModelResult<f32> {
        if rows == 0 {
            return Err(ModelError::EmptyTrainingSet { what: "batch" });
        }
        mlp.forward_unchecked(x, rows, &mut work.acts)?;
        let logits = work.acts.last().map_or(&[][..], |v| v);
        work.dlogits.clear();
        work.dlogits.resize(rows, 0.0);
        let loss = match groups {
            Some(sizes) => self.config.loss.mean_and_gradient_grouped(
                logits,
                y,
                sizes,
                Some(&mut work.dlogits),
            ),
            None => self
                .config
                .loss
                .mean_and_gradient(logits, y, Some(&mut work.dlogits)),
        };
        mlp.backward_unchecked(
            x,
            rows,
            &work.acts,
            &work.dlogits,
            &mut work.grads,
            &mut work.deltas,
        )?;
        self.apply(mlp, &work.grads, lr);
        Ok(loss)
    }

    /// Applies one optimiser update with gradients `grads` (shapes checked by the callers).
    fn apply(&mut self, mlp: &mut Mlp, grads: &[DenseGradient], lr: f32) {
        self.steps += 1;
        let wd = self.config.weight_decay;
        match self.config.optimizer {
            Optimizer::Adam {
                beta1,
                beta2,
                epsilon,
            } => {
                self.beta_pow = (self.beta_pow.0 * beta1, self.beta_pow.1 * beta2);
                let (c1, c2) = (1.0 - self.beta_pow.0, 1.0 - self.beta_pow.1);
                let adam = |p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32], decay: f32| {
                    for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut())
                    {
                        let g = g + decay * *p;
                        *m = beta1 * *m + (1.0 - beta1) * g;
                        *v = beta2 * *v + (1.0 - beta2) * g * g;
                        let m_hat = *m / c1;
                        let v_hat = *v / c2;
                        *p -= lr * m_hat / (v_hat.sqrt() + epsilon);
                    }
                };
                for ((layer, g), mo) in mlp
                    .layers_mut()
                    .iter_mut()
                    .zip(grads)
                    .zip(&mut self.moments)
                {
                    let (w, b) = layer.params_mut();
                    adam(w, &g.weights, &mut mo.m_w, &mut mo.v_w, wd);
                    adam(b, &g.bias, &mut mo.m_b, &mut mo.v_b, 0.0);
                }
            }
            Optimizer::Sgd { momentum } => {
                let sgd = |p: &mut [f32], g: &[f32], vel: &mut [f32], decay: f32| {
                    for ((p, &g), vel) in p.iter_mut().zip(g).zip(vel.iter_mut()) {
                        let g = g + decay * *p;
                        *vel = momentum * *vel + g;
                        *p -= lr * *vel;
                    }
                };
                for ((layer, g), mo) in mlp
                    .layers_mut()
                    .iter_mut()
                    .zip(grads)
                    .zip(&mut self.moments)
                {
                    let (w, b) = layer.params_mut();
                    sgd(w, &g.weights, &mut mo.m_w, wd);
                    sgd(b, &g.bias, &mut mo.m_b, 0.0);
                }
            }
        }
    }

    fn check_dataset(&self, mlp: &Mlp, data: &Dataset) -> ModelResult<()> {
        if data.dim != mlp.input_dim() {
            return Err(ModelError::ShapeMismatch {
                what: "x",
                got: vec![data.len(), data.dim],
                expected: vec![data.len(), mlp.input_dim()],
            });
        }
        self.check_model(mlp)?;
        self.config.loss.check_labels(&data.y)
    }

    /// One pass over `data` in seeded random mini-batches (of whole groups on grouped data); returns the
    /// mean training loss (each batch's loss before its update, weighted by its rows, or groups). Epoch `e` of this trainer shuffles with a seed
    /// derived from `(seed, e)`.
    ///
    /// Complexity `O(len · forward cost · 3)`. Errors: as [`Trainer::train_step`].
    pub fn train_epoch(&mut self, mlp: &mut Mlp, data: &Dataset) -> ModelResult<f32> {
        self.check_dataset(mlp, data)?;
        let order = shuffled_indices(
            data.units(),
            splitmix(self.config.seed, self.epochs_run + 1),
        )?;
        let (mut sum, mut seen) = (0.0f64, 0usize);
        for idx in order.chunks(data.units_per_batch(self.config.batch_size)) {
            let loss = self.step_indices(mlp, data, idx)?;
            sum += f64::from(loss) * idx.len() as f64;
            seen += idx.len();
        }
        self.epochs_run += 1;
        Ok((sum / seen.max(1) as f64) as f32)
    }

    /// Starts a step-wise training run over `data`: splits off the validation set (seeded), to be driven
    /// by [`Fit::advance`].
    ///
    /// Errors: [`ModelError::EmptyTrainingSet`] when the validation split would be empty,
    /// [`ModelError::ShapeMismatch`] / [`ModelError::LabelOutOfRange`] as for training.
    pub fn start_fit(&self, mlp: &Mlp, data: &Dataset) -> ModelResult<Fit> {
        self.check_dataset(mlp, data)?;
        let (train, validation) = data.split(self.config.validation_fraction, self.config.seed)?;
        if train.is_empty() {
            return Err(ModelError::EmptyTrainingSet {
                what: "training split",
            });
        }
        Ok(Fit {
            train,
            validation,
            order: Vec::new(),
            cursor: 0,
            epoch: 0,
            loss_sum: 0.0,
            seen: 0,
            best: None,
            bad_epochs: 0,
            report: FitReport {
                train_losses: Vec::new(),
                validation_losses: Vec::new(),
                best_epoch: 0,
                stopped_early: false,
            },
            done: false,
        })
    }

    /// Trains for up to the configured epochs with early stopping on the validation split, leaving the
    /// best weights in `mlp`. Equivalent to [`Trainer::start_fit`] then [`Fit::advance`] until done.
    pub fn fit(&mut self, mlp: &mut Mlp, data: &Dataset) -> ModelResult<FitReport> {
        let mut fit = self.start_fit(mlp, data)?;
        while !fit.is_done() {
            fit.advance(self, mlp, usize::MAX)?;
        }
        Ok(fit.report)
    }

    /// Online learning: `steps` optimiser steps on the small batch `(x, y)` (e.g. a suggestion the shopper
    /// clicked, label 1, and ones they ignored, label 0), at the fine-tuning learning rate, keeping the
    /// optimiser moments. Returns the batch loss after the last step.
    ///
    /// Cost is bounded by the config: at most `fine_tune_max_rows` rows × `fine_tune_max_steps` steps,
    /// i.e. `O(rows · steps · parameters)`. Errors: [`ModelError::BudgetExceeded`] beyond those limits,
    /// otherwise as [`Trainer::train_step`]; nothing changes when an error is returned.
    pub fn fine_tune(
        &mut self,
        mlp: &mut Mlp,
        x: ArrayView2<'_, f32>,
        y: ArrayView1<'_, f32>,
        steps: usize,
    ) -> ModelResult<f32> {
        if x.nrows() > self.config.fine_tune_max_rows {
            return Err(ModelError::BudgetExceeded {
                what: "fine_tune rows",
                got: x.nrows(),
                limit: self.config.fine_tune_max_rows,
            });
        }
        if steps > self.config.fine_tune_max_steps {
            return Err(ModelError::BudgetExceeded {
                what: "fine_tune steps",
                got: steps,
                limit: self.config.fine_tune_max_steps,
            });
        }
        let lr = self
            .config
            .fine_tune_learning_rate
            .unwrap_or(self.config.learning_rate);
        for _ in 0..steps {
            self.checked_step(mlp, x, y, lr)?;
        }
        mlp.loss(x, y, self.config.loss)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::mlp::MlpConfig;
    use ndarray::Array2;

    /// Points in `[-1, 1]^dim`; label 1 when `w·x > 0` for a fixed `w` (linearly separable).
    fn linear_task(rows: usize, dim: usize, seed: u64) -> Dataset {
        let mut rng = StdRng::seed_from_u64(seed);
        let x = Array2::from_shape_fn((rows, dim), |_| rng.random_range(-1.0f32..1.0));
        let y = x
            .rows()
            .into_iter()
            .map(|r| {
                let s: f32 = r
                    .iter()
                    .enumerate()
                    .map(|(i, v)| v * (i as f32 - 3.5))
                    .sum();
                if s > 0.0 {
                    1.0
                } else {
                    0.0
                }
            })
            .collect::<Array1<f32>>();
        Dataset::new(x.view(), y.view()).unwrap()
    }

    /// XOR of signs: label 1 when `x0·x1 > 0` — not linearly separable.
    fn xor_task(rows: usize, seed: u64) -> Dataset {
        let mut rng = StdRng::seed_from_u64(seed);
        let x = Array2::from_shape_fn((rows, 2), |_| rng.random_range(-1.0f32..1.0));
        let y = x
            .rows()
            .into_iter()
            .map(|r| if r[0] * r[1] > 0.0 { 1.0 } else { 0.0 })
            .collect::<Array1<f32>>();
        Dataset::new(x.view(), y.view()).unwrap()
    }

    fn accuracy(mlp: &Mlp, data: &Dataset) -> f32 {
        let p = mlp.predict(data.x().view()).unwrap();
        let hits = p
            .iter()
            .zip(data.y())
            .filter(|(p, y)| (**p > 0.5) == (*y > 0.5))
            .count();
        hits as f32 / data.len() as f32
    }

    #[test]
    fn learns_a_separable_task_to_97_percent() {
        let data = linear_task(2000, 8, 1);
        let test = linear_task(500, 8, 2);
        let mut mlp = MlpConfig::new().hidden(&[16, 8]).seed(3).build(8).unwrap();
        let cfg = TrainConfig::new()
            .learning_rate(1e-2)
            .epochs(30)
            .batch_size(32)
            .seed(4);
        let mut trainer = Trainer::new(&mlp, cfg).unwrap();
        let before = mlp
            .loss(data.x().view(), data.y().view(), Loss::default())
            .unwrap();
        let report = trainer.fit(&mut mlp, &data).unwrap();
        let after = mlp
            .loss(data.x().view(), data.y().view(), Loss::default())
            .unwrap();
        assert!(after < before * 0.3, "loss {before} -> {after}");
        assert!(report.train_losses.first() > report.train_losses.last());
        let acc = accuracy(&mlp, &test);
        assert!(acc >= 0.97, "held-out accuracy {acc}");
    }

    #[test]
    fn learns_xor_which_a_linear_model_cannot() {
        let data = xor_task(2000, 5);
        let test = xor_task(500, 6);
        let cfg = TrainConfig::new()
            .learning_rate(1e-2)
            .epochs(60)
            .batch_size(32)
            .patience(None)
            .validation_fraction(0.0);
        let mut mlp = MlpConfig::new().hidden(&[16, 8]).seed(7).build(2).unwrap();
        Trainer::new(&mlp, cfg.clone())
            .unwrap()
            .fit(&mut mlp, &data)
            .unwrap();
        let acc = accuracy(&mlp, &test);
        assert!(acc >= 0.95, "MLP accuracy on XOR {acc}");

        let mut linear = MlpConfig::new().hidden(&[]).seed(7).build(2).unwrap();
        Trainer::new(&linear, cfg)
            .unwrap()
            .fit(&mut linear, &data)
            .unwrap();
        let lin_acc = accuracy(&linear, &test);
        assert!(
            lin_acc <= 0.70,
            "a linear model should not learn XOR, got {lin_acc}"
        );
    }

    #[test]
    fn mse_and_sgd_learn_too() {
        let data = linear_task(1000, 8, 11);
        let mut mlp = MlpConfig::new().hidden(&[16]).seed(12).build(8).unwrap();
        let cfg = TrainConfig::new()
            .loss(Loss::MeanSquaredError)
            .optimizer(Optimizer::Sgd { momentum: 0.9 })
            .learning_rate(0.1)
            .epochs(40)
            .batch_size(16)
            .validation_fraction(0.0);
        Trainer::new(&mlp, cfg)
            .unwrap()
            .fit(&mut mlp, &data)
            .unwrap();
        let acc = accuracy(&mlp, &data);
        assert!(acc >= 0.95, "accuracy {acc}");
    }

    #[test]
    fn nan_and_inf_are_rejected_before_training() {
        let mut x = Array2::<f32>::zeros((3, 2));
        x[[1, 0]] = f32::NAN;
        let y = Array1::from(vec![0.0f32, 1.0, 0.0]);
        let err = Dataset::new(x.view(), y.view()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x must be finite, got NaN at row 1, column 0",
            "the message names the place"
        );
        let mut mlp = MlpConfig::new().hidden(&[4]).seed(1).build(2).unwrap();
        let before = mlp.clone();
        let mut trainer = Trainer::new(&mlp, TrainConfig::new()).unwrap();
        let err = trainer
            .train_step(&mut mlp, x.view(), y.view())
            .unwrap_err();
        assert!(matches!(
            err,
            ModelError::NotFinite {
                what: "x",
                row: 1,
                column: 0,
                ..
            }
        ));
        let mut y_inf = y.clone();
        y_inf[2] = f32::INFINITY;
        let err = trainer
            .train_step(&mut mlp, Array2::zeros((3, 2)).view(), y_inf.view())
            .unwrap_err();
        assert!(
            matches!(
                err,
                ModelError::NotFinite {
                    what: "y",
                    row: 2,
                    ..
                }
            ),
            "{err}"
        );
        let err = trainer
            .train_step(
                &mut mlp,
                Array2::zeros((3, 2)).view(),
                Array1::from(vec![0.0, 2.0, 0.0]).view(),
            )
            .unwrap_err();
        assert!(
            matches!(err, ModelError::LabelOutOfRange { row: 1, .. }),
            "{err}"
        );
        assert_eq!(mlp, before, "no weight changed");
        assert_eq!(trainer.steps(), 0);
    }

    #[test]
    fn empty_training_sets_are_errors() {
        let err = Dataset::new(
            Array2::<f32>::zeros((0, 3)).view(),
            Array1::<f32>::zeros(0).view(),
        )
        .unwrap_err();
        assert_eq!(
            err,
            ModelError::EmptyTrainingSet {
                what: "training set"
            }
        );
        let mut mlp = MlpConfig::new().build(3).unwrap();
        let mut trainer = Trainer::new(&mlp, TrainConfig::new()).unwrap();
        let err = trainer
            .train_step(
                &mut mlp,
                Array2::<f32>::zeros((0, 3)).view(),
                Array1::<f32>::zeros(0).view(),
            )
            .unwrap_err();
        assert!(matches!(err, ModelError::EmptyTrainingSet { .. }));
        // A one-row set cannot give a 10 % validation split.
        let one = Dataset::new(
            Array2::<f32>::zeros((1, 3)).view(),
            Array1::<f32>::zeros(1).view(),
        )
        .unwrap();
        let err = trainer.fit(&mut mlp, &one).unwrap_err();
        assert_eq!(
            err,
            ModelError::EmptyTrainingSet {
                what: "validation split"
            }
        );
    }

    #[test]
    fn invalid_config_names_the_field() {
        let mlp = MlpConfig::new().build(3).unwrap();
        let cases: Vec<(TrainConfig, &str)> = vec![
            (TrainConfig::new().learning_rate(f32::NAN), "learning_rate"),
            (TrainConfig::new().learning_rate(0.0), "learning_rate"),
            (TrainConfig::new().batch_size(0), "batch_size"),
            (TrainConfig::new().epochs(0), "epochs"),
            (TrainConfig::new().weight_decay(-1.0), "weight_decay"),
            (
                TrainConfig::new().validation_fraction(0.95),
                "validation_fraction",
            ),
            (TrainConfig::new().min_delta(f32::INFINITY), "min_delta"),
            (
                TrainConfig::new().fine_tune_max_steps(0),
                "fine_tune_max_steps",
            ),
            (
                TrainConfig::new().fine_tune_learning_rate(Some(-1.0)),
                "fine_tune_learning_rate",
            ),
            (
                TrainConfig::new().optimizer(Optimizer::Adam {
                    beta1: 1.0,
                    beta2: 0.999,
                    epsilon: 1e-7,
                }),
                "optimizer.beta1",
            ),
            (
                TrainConfig::new().optimizer(Optimizer::Sgd { momentum: -0.5 }),
                "optimizer.momentum",
            ),
        ];
        for (cfg, field) in cases {
            match Trainer::new(&mlp, cfg) {
                Err(ModelError::InvalidConfig { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: expected InvalidConfig, got {other:?}"),
            }
        }
    }

    #[test]
    fn same_seed_and_data_give_identical_weights() {
        let data = linear_task(600, 8, 21);
        let run = |seed: u64| {
            let mut mlp = MlpConfig::new()
                .hidden(&[8, 4])
                .seed(seed)
                .build(8)
                .unwrap();
            let cfg = TrainConfig::new().epochs(3).seed(seed).batch_size(50);
            Trainer::new(&mlp, cfg)
                .unwrap()
                .fit(&mut mlp, &data)
                .unwrap();
            mlp
        };
        let (a, b, c) = (run(1), run(1), run(2));
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn fit_in_slices_equals_fit_at_once() {
        let data = linear_task(500, 8, 31);
        let cfg = TrainConfig::new().epochs(4).batch_size(32).seed(9);
        let base = MlpConfig::new().hidden(&[8]).seed(2).build(8).unwrap();

        let mut whole = base.clone();
        let mut t1 = Trainer::new(&whole, cfg.clone()).unwrap();
        let report = t1.fit(&mut whole, &data).unwrap();

        let mut sliced = base.clone();
        let mut t2 = Trainer::new(&sliced, cfg).unwrap();
        let mut fit = t2.start_fit(&sliced, &data).unwrap();
        let mut calls = 0;
        loop {
            let p = fit.advance(&mut t2, &mut sliced, 3).unwrap();
            calls += 1;
            assert!(p.batch <= p.batches_per_epoch);
            if p.done {
                break;
            }
        }
        assert!(calls > 4, "progress was reported between slices");
        assert_eq!(whole, sliced);
        assert_eq!(&report, fit.report());
        assert_eq!(t1, t2);
    }

    #[test]
    fn early_stopping_restores_the_best_weights() {
        // Random labels: nothing to learn, so validation loss soon rises while training loss falls.
        let mut rng = StdRng::seed_from_u64(41);
        let x = Array2::from_shape_fn((200, 8), |_| rng.random_range(-1.0f32..1.0));
        let y = Array1::from_shape_fn(200, |_| if rng.random::<bool>() { 1.0f32 } else { 0.0 });
        let data = Dataset::new(x.view(), y.view()).unwrap();
        let mut mlp = MlpConfig::new()
            .hidden(&[32, 16])
            .seed(42)
            .build(8)
            .unwrap();
        let cfg = TrainConfig::new()
            .learning_rate(0.01)
            .epochs(200)
            .batch_size(16)
            .validation_fraction(0.3)
            .patience(Some(2))
            .seed(43);
        let mut trainer = Trainer::new(&mlp, cfg).unwrap();
        let report = trainer.fit(&mut mlp, &data).unwrap();
        assert!(report.stopped_early, "{report:?}");
        assert!(report.train_losses.len() < 200);
        let best = report.validation_losses[report.best_epoch];
        let min = report
            .validation_losses
            .iter()
            .copied()
            .fold(f32::INFINITY, f32::min);
        assert_eq!(best, min);
        let (_, val) = data.split(0.3, 43).unwrap();
        let val = val.unwrap();
        let now = mlp
            .loss(val.x().view(), val.y().view(), Loss::default())
            .unwrap();
        assert_eq!(now, best, "the kept weights are the best epoch's");
    }

    #[test]
    fn weight_decay_shrinks_weights() {
        let data = linear_task(300, 8, 51);
        let norm = |m: &Mlp| -> f32 {
            m.layers()
                .iter()
                .flat_map(|l| l.weights())
                .map(|w| w * w)
                .sum()
        };
        let train = |wd: f32| {
            let mut mlp = MlpConfig::new().hidden(&[8]).seed(5).build(8).unwrap();
            let cfg = TrainConfig::new()
                .weight_decay(wd)
                .epochs(20)
                .learning_rate(1e-2)
                .validation_fraction(0.0);
            Trainer::new(&mlp, cfg)
                .unwrap()
                .fit(&mut mlp, &data)
                .unwrap();
            norm(&mlp)
        };
        assert!(train(0.1) < 0.5 * train(0.0));
    }

    #[test]
    fn fine_tune_raises_a_clicked_items_score_within_budget() {
        let data = linear_task(500, 8, 61);
        let mut mlp = MlpConfig::new().hidden(&[16, 8]).seed(62).build(8).unwrap();
        let cfg = TrainConfig::new()
            .epochs(5)
            .fine_tune_learning_rate(Some(1e-2))
            .fine_tune_max_rows(4)
            .fine_tune_max_steps(10);
        let mut trainer = Trainer::new(&mlp, cfg).unwrap();
        trainer.fit(&mut mlp, &data).unwrap();
        // A negative-looking example the shopper clicked anyway.
        let x = Array2::from_shape_vec((1, 8), vec![1.0, 0.8, 0.6, 0.4, -0.4, -0.6, -0.8, -1.0])
            .unwrap();
        let y = Array1::from(vec![1.0f32]);
        let before = mlp.predict(x.view()).unwrap()[0];
        trainer.fine_tune(&mut mlp, x.view(), y.view(), 5).unwrap();
        let after = mlp.predict(x.view()).unwrap()[0];
        assert!(after > before + 0.05, "score {before} -> {after}");

        let snapshot = mlp.clone();
        let err = trainer
            .fine_tune(&mut mlp, x.view(), y.view(), 11)
            .unwrap_err();
        assert!(matches!(err, ModelError::BudgetExceeded { limit: 10, .. }));
        let big = Array2::<f32>::zeros((5, 8));
        let err = trainer
            .fine_tune(&mut mlp, big.view(), Array1::zeros(5).view(), 1)
            .unwrap_err();
        assert!(matches!(err, ModelError::BudgetExceeded { limit: 4, .. }));
        assert_eq!(mlp, snapshot);
    }

    #[test]
    fn trainer_state_round_trips_and_continues_identically() {
        let data = linear_task(300, 8, 71);
        let mut mlp = MlpConfig::new().hidden(&[8]).seed(72).build(8).unwrap();
        let mut trainer = Trainer::new(&mlp, TrainConfig::new().batch_size(30)).unwrap();
        trainer.train_epoch(&mut mlp, &data).unwrap();
        let bytes = postcard::to_allocvec(&(&mlp, &trainer)).unwrap();
        let (mut mlp2, mut trainer2): (Mlp, Trainer) = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(
            mlp2.predict(data.x().view()).unwrap(),
            mlp.predict(data.x().view()).unwrap()
        );
        let l1 = trainer.train_epoch(&mut mlp, &data).unwrap();
        let l2 = trainer2.train_epoch(&mut mlp2, &data).unwrap();
        assert_eq!(l1, l2);
        assert_eq!(mlp, mlp2);
    }

    /// Groups of `size` rows in `[-1, 1]^dim`; in each, the one row with the largest `w·x` is the positive.
    fn ranking_task(groups: usize, size: usize, dim: usize, seed: u64) -> Dataset {
        let mut rng = StdRng::seed_from_u64(seed);
        let rows = groups * size;
        let x = Array2::from_shape_fn((rows, dim), |_| rng.random_range(-1.0f32..1.0));
        let score = |r: usize| -> f32 { (0..dim).map(|c| x[[r, c]] * (c as f32 - 1.5)).sum() };
        let mut y = Array1::<f32>::zeros(rows);
        for g in 0..groups {
            let best = (g * size..(g + 1) * size)
                .max_by(|&a, &b| score(a).total_cmp(&score(b)))
                .unwrap();
            y[best] = 1.0;
        }
        Dataset::new(x.view(), y.view())
            .unwrap()
            .with_groups(&vec![size; groups])
            .unwrap()
    }

    /// Share of groups whose positive gets the group's highest score.
    fn top1(mlp: &Mlp, data: &Dataset) -> f32 {
        let p = mlp.logits_slice(&data.x, data.len()).unwrap();
        let sizes = data.group_sizes().unwrap();
        let (mut at, mut hits) = (0usize, 0usize);
        for &n in &sizes {
            let best = (at..at + n).max_by(|&a, &b| p[a].total_cmp(&p[b])).unwrap();
            hits += usize::from(data.y[best] == 1.0);
            at += n;
        }
        hits as f32 / sizes.len() as f32
    }

    #[test]
    fn listwise_learns_to_put_the_positive_first() {
        let data = ranking_task(300, 10, 4, 81);
        let test = ranking_task(200, 10, 4, 82);
        let mut mlp = MlpConfig::new().hidden(&[8]).seed(83).build(4).unwrap();
        let before = top1(&mlp, &test);
        let cfg = TrainConfig::new()
            .loss(Loss::ListwiseSoftmax)
            .learning_rate(1e-2)
            .epochs(40)
            .batch_size(50)
            .seed(84);
        let report = Trainer::new(&mlp, cfg)
            .unwrap()
            .fit(&mut mlp, &data)
            .unwrap();
        let after = top1(&mlp, &test);
        assert!(before < 0.5, "untrained top-1 {before}");
        assert!(after >= 0.85, "top-1 {before} -> {after}");
        assert!(report.train_losses.first() > report.train_losses.last());
        // ln 10 ≈ 2.30 is the loss of a uniform softmax over 10 rows.
        assert!(
            report.validation_losses[report.best_epoch] < 1.0,
            "{report:?}"
        );
    }

    #[test]
    fn groups_are_checked_and_split_whole() {
        let x = Array2::<f32>::zeros((6, 2));
        let y = Array1::from(vec![1.0f32, 0.0, 0.0, 1.0, 0.0, 0.0]);
        let d = Dataset::new(x.view(), y.view()).unwrap();
        assert_eq!(d.group_sizes(), None);
        let err = d.clone().with_groups(&[3, 2]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "shape mismatch: group sizes (their sum) has shape [5], expected [6]"
        );
        let err = d.clone().with_groups(&[3, 0, 3]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid config value group_sizes = 0 at group 1: every group needs at least one row"
        );
        let data = ranking_task(40, 7, 3, 91);
        let (train, val) = data.split(0.25, 92).unwrap();
        let val = val.unwrap();
        assert_eq!(val.group_sizes().unwrap(), vec![7; 10]);
        assert_eq!(train.group_sizes().unwrap(), vec![7; 30]);
        // Every held-out group keeps its single positive, so each side has one per group.
        assert_eq!(val.y().sum(), 10.0);
        assert_eq!(train.y().sum(), 30.0);
        // 256-row batches of 7-row groups: 36 groups each.
        assert_eq!(data.units_per_batch(256), 36);
        assert_eq!(data.units_per_batch(3), 1);
        // A quarter of 3 groups is no group: the split counts groups, not rows.
        let err = ranking_task(3, 7, 3, 93).split(0.25, 1).unwrap_err();
        assert_eq!(
            err,
            ModelError::EmptyTrainingSet {
                what: "validation split"
            }
        );
    }

    #[test]
    fn grouped_fit_in_slices_equals_fit_at_once_and_is_seeded() {
        let data = ranking_task(120, 9, 4, 101);
        let cfg = TrainConfig::new()
            .loss(Loss::ListwiseSoftmax)
            .epochs(4)
            .batch_size(40)
            .seed(102);
        let base = MlpConfig::new().hidden(&[8]).seed(103).build(4).unwrap();
        let mut whole = base.clone();
        let mut t1 = Trainer::new(&whole, cfg.clone()).unwrap();
        let report = t1.fit(&mut whole, &data).unwrap();
        let mut sliced = base.clone();
        let mut t2 = Trainer::new(&sliced, cfg.clone()).unwrap();
        let mut fit = t2.start_fit(&sliced, &data).unwrap();
        let mut first = None;
        loop {
            let p = fit.advance(&mut t2, &mut sliced, 5).unwrap();
            first.get_or_insert(p.clone());
            if p.done {
                break;
            }
        }
        // 108 training groups of 9 rows, 4 per batch.
        assert_eq!(first.unwrap().batches_per_epoch, 27);
        assert_eq!(whole, sliced);
        assert_eq!(&report, fit.report());
        assert_eq!(t1, t2);
        let mut other = base.clone();
        Trainer::new(&other, cfg.seed(104))
            .unwrap()
            .fit(&mut other, &data)
            .unwrap();
        assert_ne!(whole, other);
        // The groups matter: the same rows ungrouped train differently under the listwise loss.
        let flat = Dataset::new(data.x().view(), data.y().view()).unwrap();
        let mut ungrouped = base.clone();
        Trainer::new(
            &ungrouped,
            TrainConfig::new()
                .loss(Loss::ListwiseSoftmax)
                .epochs(4)
                .batch_size(40)
                .seed(102),
        )
        .unwrap()
        .fit(&mut ungrouped, &flat)
        .unwrap();
        assert_ne!(whole, ungrouped);
    }

    #[test]
    fn a_trainer_for_another_network_is_refused() {
        let small = MlpConfig::new().hidden(&[4]).build(3).unwrap();
        let mut big = MlpConfig::new().hidden(&[5]).build(3).unwrap();
        let mut trainer = Trainer::new(&small, TrainConfig::new()).unwrap();
        let err = trainer
            .train_step(
                &mut big,
                Array2::zeros((2, 3)).view(),
                Array1::zeros(2).view(),
            )
            .unwrap_err();
        assert!(matches!(
            err,
            ModelError::ShapeMismatch {
                what: "optimizer state",
                ..
            }
        ));
    }
}
