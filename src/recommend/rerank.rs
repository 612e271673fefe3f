//! The learned re-ranker: the blended candidates re-scored by a small MLP ([`crate::model`]) trained on the
//! recorded events, and fine-tuned online from the shopper's feedback.
//!
//! # Features
//!
//! One row per candidate, laid out by [`FeatureLayout`] (the column table lives in [`crate::model::features`]):
//! the normalised shopper profile, the item's vector, and six [`CrossFeatures`] taken from the candidate's
//! [`super::Components`] — cosine with the profile (`matches_your_interest`), co-occurrence with the context
//! (`bought_with`, capped at 1), cosine with the context (`similar_to`), popularity on a log scale relative to
//! the shop's most popular item, the log price ratio to the context's mean price, and whether this shopper
//! bought the item before. Every feature is computed with IEEE-exact operations (see `model::math`), so a
//! model gives bit-identical scores natively and in wasm.
//!
//! # Blend and reasons
//!
//! All candidates of a query go through the network in **one** matrix (`candidates × width`). With `p` the
//! predicted probability and `p̄` its mean over the query's candidates, a candidate's score becomes
//! `base + weight · (p − p̄)`: the model moves items relative to each other, never the whole list. When the
//! model moved an item **up** (`p > p̄`), a [`super::ReasonKind::Learned`] reason carries that share of the
//! score; when it moved it down, the remaining score keeps the base reasons' shares (they still sum to 1).
//! Without a model (no trained weights in the pack, never trained here) or with re-ranking off, scores are
//! exactly the blend's.
//!
//! # Training data (from the event log)
//!
//! Sessions are read in order. Each `cart` or `purchase` of a candidate-space item that follows another event
//! of the same session is a **positive**: its context is the session's last [`CONTEXT_ITEMS`] distinct
//! earlier items (views, carts, purchases, clicks; the most recent weighted like a viewed item, the rest like
//! cart items) and its profile the event-weighted sum of those earlier items' vectors. Its **negatives**
//! ([`TrainingData`]) are mainly hard ones: [`TrainingData::candidates`] (default 6) drawn from the best
//! [`TrainingData::pool`] (default 30) candidates of the recommender's own base ranking (the blend without
//! the model) for that context — what it would have shown instead — plus [`TrainingData::popular`]
//! (default 2) drawn ∝ popularity^0.75; never an item the session touched. So the model learns *which of
//! the shown candidates gets bought*, not *popular versus random*. With probability
//! [`TrainingData::profile_dropout`] (default 0.5) an example is built without the session profile, as for
//! a shopper whose cart is only in the query. At most [`RerankConfig::max_examples`] positives (the first
//! ones) are used. Training starts from the loaded model (the pack's population model, or the last one
//! trained here) or a fresh network seeded by [`RerankConfig::seed`], which also seeds the sampling.
//!
//! # Online learning
//!
//! With a model loaded and [`RerankConfig::online`] on, feedback on suggestions becomes labelled examples the
//! moment it is recorded: a `click` (label 1), a `cart` of an item shown earlier in the session (label 1,
//! an `impression` before it), an `impression` (label 0). A positive also gets the configured negatives. Then
//! [`RerankConfig::online_steps`] Adam steps fine-tune the model in place. Cost per event is bounded: a scan
//! of at most [`ONLINE_LOOKBACK`] logged events, one pass over the candidate space (popularity and the
//! negative sampler), at most `1 + negatives_per_positive ≤ 21` rows, at most 32 steps —
//! `O(lookback + n + steps · rows · parameters)`; with the defaults (4 rows, 4 steps, ≈ 4,900 parameters)
//! about 0.5 million floating-point operations of network work.

use ndarray::{Array2, ArrayView2};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

use super::{Candidate, ContextItem, Query, Recommender, NONE};
use crate::error::{Error, Result};
use crate::events::{EventKind, LoggedEvent};
use crate::hashing::FastMap;
use crate::model::features::{popularity_feature, price_ratio_feature, sample_negatives};
use crate::model::{
    CrossFeatures, Dataset, FeatureLayout, Fit, Mlp, MlpConfig, ModelError, TrainConfig, Trainer,
};

/// Most recent distinct session items forming a training or feedback example's context.
pub const CONTEXT_ITEMS: usize = 4;
/// Most logged events looked back over to find a feedback event's session history.
pub const ONLINE_LOOKBACK: usize = 256;
/// Most epochs one training run accepts.
pub const MAX_EPOCHS: usize = 1000;
/// Popularity exponent of negative sampling (word2vec's 0.75).
const NEGATIVE_EXPONENT: f32 = 0.75;

/// The re-ranker's settings (part of [`super::RecommenderConfig`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RerankConfig {
    /// Re-rank when a model is loaded (default on). Off: scores are exactly the blend's.
    pub enabled: bool,
    /// Blend weight of the learned score, finite in `[0, 10]` (default 0.3, chosen on a validation split of
    /// Groceries' training baskets — see docs/EVALUATION.md; the base score's sources sum to about 2 at
    /// most).
    pub weight: f32,
    /// Fine-tune from feedback events as they are recorded (default on).
    pub online: bool,
    /// Adam steps per feedback event, `1..=32` (default 4).
    pub online_steps: usize,
    /// Popularity-sampled negatives per positive of **online** fine-tuning, `0..=20` (default 3); training
    /// runs take theirs from [`TrainingData`].
    pub negatives_per_positive: usize,
    /// Hidden layer widths of a fresh network, each `1..=1024` (default 32, 16).
    pub hidden: [usize; 2],
    /// Adam step size of training and fine-tuning, finite in `(0, 1]` (default 0.003).
    pub learning_rate: f32,
    /// Examples per mini-batch, `1..=4096` (default 64).
    pub batch_size: usize,
    /// Most positive examples one training run reads from the log, `1..=1,000,000` (default 20,000).
    pub max_examples: usize,
    /// Seed of a fresh network's weights, of shuffling and of negative sampling (default 42).
    pub seed: u64,
}

impl Default for RerankConfig {
    fn default() -> Self {
        RerankConfig {
            enabled: true,
            weight: 0.3,
            online: true,
            online_steps: 4,
            negatives_per_positive: 3,
            hidden: [32, 16],
            learning_rate: 3e-3,
            batch_size: 64,
            max_examples: 20_000,
            seed: 42,
        }
    }
}

impl RerankConfig {
    /// Checks every value; the error names the field and value.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &'static str, value: String, reason: &'static str| {
            Err(Error::InvalidConfig {
                field,
                value,
                reason,
            })
        };
        if !(self.weight.is_finite() && (0.0..=10.0).contains(&self.weight)) {
            return bad(
                "rerank.weight",
                crate::num::F32(self.weight).to_string(),
                "must be a finite number in [0, 10]",
            );
        }
        if !(1..=32).contains(&self.online_steps) {
            return bad(
                "rerank.online_steps",
                self.online_steps.to_string(),
                "must be between 1 and 32",
            );
        }
        if self.negatives_per_positive > 20 {
            return bad(
                "rerank.negatives_per_positive",
                self.negatives_per_positive.to_string(),
                "must be at most 20",
            );
        }
        if self.hidden.iter().any(|h| !(1..=1024).contains(h)) {
            return bad(
                "rerank.hidden",
                format!("{:?}", self.hidden),
                "each width must be between 1 and 1024",
            );
        }
        if !(self.learning_rate.is_finite()
            && self.learning_rate > 0.0
            && self.learning_rate <= 1.0)
        {
            return bad(
                "rerank.learning_rate",
                crate::num::F32(self.learning_rate).to_string(),
                "must be a finite number in (0, 1]",
            );
        }
        if !(1..=4096).contains(&self.batch_size) {
            return bad(
                "rerank.batch_size",
                self.batch_size.to_string(),
                "must be between 1 and 4096",
            );
        }
        if !(1..=1_000_000).contains(&self.max_examples) {
            return bad(
                "rerank.max_examples",
                self.max_examples.to_string(),
                "must be between 1 and 1000000",
            );
        }
        Ok(())
    }

    fn train_config(&self, epochs: usize, rows: usize) -> TrainConfig {
        let validation = if rows >= 200 { 0.1 } else { 0.0 };
        TrainConfig::new()
            .learning_rate(self.learning_rate)
            .batch_size(self.batch_size)
            .epochs(epochs)
            .seed(self.seed)
            .validation_fraction(validation)
            .patience((validation > 0.0).then_some(3))
            .fine_tune_learning_rate(Some(self.learning_rate))
            .fine_tune_max_rows(64)
            .fine_tune_max_steps(32)
    }
}

/// How a training run builds its examples from the event log (see the module docs): per positive, up to
/// [`TrainingData::candidates`] **hard negatives** drawn (seeded by [`RerankConfig::seed`]) from the best
/// [`TrainingData::pool`] items of the recommender's own base ranking for that context (what it would have
/// shown, minus anything the session touched), plus [`TrainingData::popular`] items drawn ∝ popularity^0.75;
/// and with probability [`TrainingData::profile_dropout`] a positive and its negatives are built without
/// the session profile (as for a shopper whose cart is only in the query). Not stored in packs: it only
/// shapes a training run. Build with [`TrainingData::new`] and the setters;
/// [`Recommender::start_training_with`] validates it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainingData {
    /// Hard negatives per positive from the base ranking's candidates, `0..=50` (default 6).
    pub candidates: usize,
    /// How many of the base ranking's best candidates hard negatives are drawn from, `1..=200`, at least
    /// `candidates` (default 30).
    pub pool: usize,
    /// Popularity-weighted negatives per positive, `0..=20` (default 2).
    pub popular: usize,
    /// Probability in `[0, 1]` of building an example without the session profile (default 0.5).
    pub profile_dropout: f32,
}

impl Default for TrainingData {
    fn default() -> Self {
        TrainingData {
            candidates: 6,
            pool: 30,
            popular: 2,
            profile_dropout: 0.5,
        }
    }
}

impl TrainingData {
    /// The defaults (6 hard negatives from the top 30, 2 popularity-weighted, profile dropout 0.5).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the hard negatives per positive.
    pub fn candidates(mut self, n: usize) -> Self {
        self.candidates = n;
        self
    }

    /// Sets the size of the base ranking's top the hard negatives are drawn from.
    pub fn pool(mut self, n: usize) -> Self {
        self.pool = n;
        self
    }

    /// Sets the popularity-weighted negatives per positive.
    pub fn popular(mut self, n: usize) -> Self {
        self.popular = n;
        self
    }

    /// Sets the probability of building an example without the session profile.
    pub fn profile_dropout(mut self, p: f32) -> Self {
        self.profile_dropout = p;
        self
    }

    /// Checks every value; the error ([`Error::InvalidConfig`]) names the field and value.
    pub fn validate(&self) -> Result<()> {
        if !(self.profile_dropout.is_finite() && (0.0..=1.0).contains(&self.profile_dropout)) {
            return Err(Error::InvalidConfig {
                field: "training.profile_dropout",
                value: crate::num::F32(self.profile_dropout).to_string(),
                reason: "must be a finite number in [0, 1]",
            });
        }
        let bad = |field: &'static str, value: usize, reason: &'static str| {
            Err(Error::InvalidConfig {
                field,
                value: value.to_string(),
                reason,
            })
        };
        if self.candidates > 50 {
            return bad("training.candidates", self.candidates, "must be at most 50");
        }
        if !(1..=200).contains(&self.pool) {
            return bad("training.pool", self.pool, "must be between 1 and 200");
        }
        if self.pool < self.candidates {
            return bad(
                "training.pool",
                self.pool,
                "must be at least training.candidates",
            );
        }
        if self.popular > 20 {
            return bad("training.popular", self.popular, "must be at most 20");
        }
        if self.candidates + self.popular == 0 {
            return bad(
                "training.candidates",
                self.candidates,
                "and training.popular must not both be 0",
            );
        }
        Ok(())
    }
}

/// What is known about the loaded model.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelStats {
    /// Trainable parameters.
    pub parameters: usize,
    /// Examples (positives and negatives) of the last training run.
    pub examples: usize,
    /// Epochs trained, over all runs.
    pub epochs: usize,
    /// Mean training loss of the last epoch (binary cross-entropy), or of the last online update.
    pub loss: Option<f32>,
    /// Validation loss of the kept epoch of the last run, when it had a validation split.
    pub validation_loss: Option<f32>,
    /// Online fine-tuning updates since the last training run.
    pub online_updates: u64,
}

/// A trained re-ranker: the feature layout, the network, its optimiser state and statistics.
///
/// Stored (packs, snapshots, model blobs) as flat arrays — layer widths and parameters — which keeps packs
/// small and the decoder tiny in wasm. The Adam moments are not stored: after a load, fine-tuning starts
/// from fresh moments, and equality compares layout, weights, learning rate and statistics only.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(into = "RerankerBlob", try_from = "RerankerBlob")]
pub struct Reranker {
    layout: FeatureLayout,
    mlp: Mlp,
    trainer: Trainer,
    learning_rate: f32,
    stats: ModelStats,
}

impl PartialEq for Reranker {
    fn eq(&self, other: &Self) -> bool {
        self.layout == other.layout
            && self.mlp == other.mlp
            && self.learning_rate.to_bits() == other.learning_rate.to_bits()
            && self.stats == other.stats
    }
}

/// The stored form of a [`Reranker`].
#[derive(Serialize, Deserialize)]
struct RerankerBlob {
    profile_dim: u32,
    item_dim: u32,
    /// Hidden layer widths (the input width follows from the layout, the output is 1).
    hidden: Vec<u32>,
    /// Per layer, input side first: weights (`inputs × outputs`, row-major), then biases.
    params: Vec<f32>,
    learning_rate: f32,
    examples: u64,
    epochs: u64,
    loss: Option<f32>,
    validation_loss: Option<f32>,
    online_updates: u64,
}

impl From<Reranker> for RerankerBlob {
    fn from(r: Reranker) -> Self {
        RerankerBlob::from(&r)
    }
}

impl From<&Reranker> for RerankerBlob {
    fn from(r: &Reranker) -> Self {
        let layers = r.mlp.layers();
        let hidden = layers
            .iter()
            .take(layers.len().saturating_sub(1))
            .map(|l| l.outputs() as u32)
            .collect();
        let mut params = Vec::with_capacity(r.mlp.param_count());
        for l in layers {
            params.extend_from_slice(l.weights());
            params.extend_from_slice(l.bias());
        }
        RerankerBlob {
            profile_dim: r.layout.profile_dim as u32,
            item_dim: r.layout.item_dim as u32,
            hidden,
            params,
            learning_rate: r.learning_rate,
            examples: r.stats.examples as u64,
            epochs: r.stats.epochs as u64,
            loss: r.stats.loss,
            validation_loss: r.stats.validation_loss,
            online_updates: r.stats.online_updates,
        }
    }
}

impl TryFrom<RerankerBlob> for Reranker {
    type Error = ModelError;

    fn try_from(b: RerankerBlob) -> std::result::Result<Self, ModelError> {
        let layout = FeatureLayout::new(b.profile_dim as usize, b.item_dim as usize);
        let hidden: Vec<usize> = b.hidden.iter().map(|&h| h as usize).collect();
        // The parameter count the shape implies, checked before anything is allocated for it.
        let widths: Vec<usize> = std::iter::once(layout.width())
            .chain(hidden.iter().copied())
            .chain(std::iter::once(1))
            .collect();
        let needed = widths.windows(2).try_fold(0usize, |acc, w| {
            w[0].checked_mul(w[1])?.checked_add(w[1])?.checked_add(acc)
        });
        if needed != Some(b.params.len()) || hidden.len() > 16 {
            return Err(ModelError::Corrupt(format!(
                "the model has {} parameters, its shape {widths:?} needs {needed:?}",
                b.params.len()
            )));
        }
        // A network of the stored shape (its initial weights are all overwritten below).
        let mut mlp = MlpConfig::new().hidden(&hidden).build(layout.width())?;
        if mlp.param_count() != b.params.len() {
            return Err(ModelError::Corrupt(format!(
                "the model has {} parameters, its shape needs {}",
                b.params.len(),
                mlp.param_count()
            )));
        }
        if let Some(v) = b.params.iter().find(|v| !v.is_finite()) {
            return Err(ModelError::Corrupt(format!(
                "non-finite parameter {}",
                crate::num::F32(*v)
            )));
        }
        let mut rest = b.params.as_slice();
        for layer in mlp.layers_mut() {
            let (w, bias) = layer.params_mut();
            let (head, tail) = rest.split_at(w.len().min(rest.len()));
            w.copy_from_slice(head);
            let (head, tail) = tail.split_at(bias.len().min(tail.len()));
            bias.copy_from_slice(head);
            rest = tail;
        }
        let cfg = RerankConfig {
            learning_rate: b.learning_rate,
            ..RerankConfig::default()
        };
        if cfg.validate().is_err() {
            return Err(ModelError::Corrupt(format!(
                "learning rate {} out of range",
                crate::num::F32(b.learning_rate)
            )));
        }
        let trainer = Trainer::new(&mlp, cfg.train_config(1, 0))?;
        Ok(Reranker {
            layout,
            stats: ModelStats {
                parameters: mlp.param_count(),
                examples: b.examples as usize,
                epochs: b.epochs as usize,
                loss: b.loss,
                validation_loss: b.validation_loss,
                online_updates: b.online_updates,
            },
            mlp,
            trainer,
            learning_rate: b.learning_rate,
        })
    }
}

impl Reranker {
    /// The network.
    pub fn mlp(&self) -> &Mlp {
        &self.mlp
    }

    /// The input layout.
    pub fn layout(&self) -> FeatureLayout {
        self.layout
    }

    /// Its statistics.
    pub fn stats(&self) -> ModelStats {
        self.stats
    }

    /// Checks that the model fits `layout` (e.g. after loading it from bytes).
    pub(crate) fn check(&self, layout: FeatureLayout) -> Result<()> {
        if self.layout != layout || self.mlp.input_dim() != layout.width() {
            return Err(Error::PackDecode {
                message: format!(
                    "the model takes {} inputs, this recommender's features are {} wide",
                    self.mlp.input_dim(),
                    layout.width()
                ),
            });
        }
        Ok(())
    }
}

/// Progress of a [`TrainingRun`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainProgress {
    /// Epochs completed.
    pub epoch: usize,
    /// Epochs planned.
    pub epochs: usize,
    /// Share of the planned work done, in `[0, 1]` (1 once done, also after early stopping).
    pub fraction: f32,
    /// Mean training loss of the last completed epoch, or of the last batch before the first epoch ends.
    pub loss: Option<f32>,
    /// Validation loss of the last completed epoch, when there is a validation split.
    pub validation_loss: Option<f32>,
    /// Whether training has finished.
    pub done: bool,
}

/// A training run in progress, advanced in slices ([`TrainingRun::step`]) so a page or worker stays
/// responsive; install the result with [`Recommender::finish_training`]. The recommender keeps answering
/// with its previous model meanwhile.
#[derive(Debug, Clone)]
pub struct TrainingRun {
    layout: FeatureLayout,
    mlp: Mlp,
    trainer: Trainer,
    fit: Fit,
    examples: usize,
    epochs: usize,
    previous: ModelStats,
    progress: TrainProgress,
}

impl TrainingRun {
    /// Runs up to `max_batches` mini-batches (at least one) and reports progress. Once done, further calls
    /// do nothing. Errors: [`Error::Model`] (a numerical problem in training).
    pub fn step(&mut self, max_batches: usize) -> Result<TrainProgress> {
        if self.progress.done {
            return Ok(self.progress);
        }
        let p = self
            .fit
            .advance(&mut self.trainer, &mut self.mlp, max_batches)?;
        let total = (p.epochs * p.batches_per_epoch).max(1);
        let done_batches = p.epoch * p.batches_per_epoch + p.batch;
        self.progress = TrainProgress {
            epoch: p.epoch,
            epochs: p.epochs,
            fraction: if p.done {
                1.0
            } else {
                (done_batches as f32 / total as f32).min(1.0)
            },
            loss: p.train_loss.or(p.batch_loss),
            validation_loss: p.validation_loss,
            done: p.done,
        };
        Ok(self.progress)
    }

    /// The progress so far.
    pub fn progress(&self) -> TrainProgress {
        self.progress
    }

    /// Whether training has finished.
    pub fn is_done(&self) -> bool {
        self.progress.done
    }

    /// Examples (positives and negatives) in this run.
    pub fn examples(&self) -> usize {
        self.examples
    }
}

/// A session's history before an event: what an example's features are computed from.
#[derive(Debug, Clone)]
struct History {
    /// Most recent first, distinct, at most [`CONTEXT_ITEMS`].
    context: Vec<ContextItem>,
    /// Event-weighted sum of the earlier items' vectors (normalised when features are built).
    profile: Vec<f32>,
    /// Candidate-space indices the session touched (never negatives).
    touched: Vec<usize>,
}

impl History {
    fn new(dim: usize) -> Self {
        History {
            context: Vec::new(),
            profile: vec![0.0; dim],
            touched: Vec::new(),
        }
    }

    fn without(&self, item: u32) -> History {
        let mut h = self.clone();
        h.context.retain(|c| c.item != item);
        h
    }
}

fn normalised(v: &[f32]) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 && norm.is_finite() {
        v.iter().map(|x| x / norm).collect()
    } else {
        vec![0.0; v.len()]
    }
}

fn cosine(a: &[f32], norm_a: f32, b: &[f32], norm_b: f32) -> f32 {
    if norm_a > 0.0 && norm_b > 0.0 {
        crate::similarity::dot(a, b) / (norm_a * norm_b)
    } else {
        0.0
    }
}

/// Builds feature rows for arbitrary (history, item) pairs, caching neighbour lists and popularity.
struct Featurizer<'a> {
    rec: &'a Recommender,
    pop: &'a [f32],
    pop_max: f32,
    neighbours: FastMap<u32, (super::memo::Neighbours, f32)>,
    /// The last history's context and raw profile, and its prepared parts.
    last: Option<(Vec<ContextItem>, Vec<f32>, Prepared)>,
}

impl<'a> Featurizer<'a> {
    fn new(rec: &'a Recommender) -> Self {
        let pop = rec.popularity();
        let pop_max = pop.iter().copied().fold(0.0f32, f32::max);
        Featurizer {
            rec,
            pop,
            pop_max,
            neighbours: FastMap::default(),
            last: None,
        }
    }

    /// Appends `profile ++ item ++ cross` for candidate-space item `s` to `out`.
    fn row(&mut self, h: &History, s: u32, bought_before: bool, out: &mut Vec<f32>) {
        let rec = self.rec;
        let dim = rec.encoder.dim();
        let total_w: f32 = h.context.iter().map(|c| c.weight).sum();
        let j = rec.to_item(s);
        let mut bought_with = 0.0f32;
        if total_w > 0.0 {
            for c in &h.context {
                let (list, scale) = self
                    .neighbours
                    .entry(c.item)
                    .or_insert_with(|| rec.scaled_neighbours(c.item));
                if let Some(&(_, v)) = list.iter().find(|(n, _)| *n == j) {
                    bought_with += c.weight * v * *scale / total_w;
                }
            }
        }
        let zeros = vec![0.0f32; dim];
        let row: Vec<f32> = if (s as usize) < rec.vectors.nrows() {
            rec.vectors.row(s as usize).to_vec()
        } else {
            zeros
        };
        let row_norm = rec.norms.get(s as usize).copied().unwrap_or(0.0);
        let same = self.last.as_ref().is_some_and(|(ctx, raw, _)| {
            raw == &h.profile
                && ctx.len() == h.context.len()
                && ctx
                    .iter()
                    .zip(&h.context)
                    .all(|(a, b)| a.item == b.item && a.weight.to_bits() == b.weight.to_bits())
        });
        if !same {
            self.last = Some((h.context.clone(), h.profile.clone(), prepare(rec, h)));
        }
        let Some((_, _, p)) = self.last.as_ref() else {
            return;
        };
        let (ctx_vec, ctx_norm, profile, profile_norm, prices) = (
            &p.ctx_vec,
            p.ctx_norm,
            &p.profile,
            p.profile_norm,
            &p.prices,
        );
        let cross = CrossFeatures {
            profile_cosine: cosine(&row, row_norm, profile, profile_norm).max(0.0),
            cooccurrence: bought_with.min(1.0),
            context_similarity: cosine(&row, row_norm, ctx_vec, ctx_norm).max(0.0),
            popularity: popularity_feature(
                self.pop.get(s as usize).copied().unwrap_or(0.0),
                self.pop_max,
            ),
            log_price_ratio: price_ratio_feature(rec.space_price(s), prices),
            bought_before: if bought_before { 1.0 } else { 0.0 },
        };
        out.extend_from_slice(profile);
        out.extend_from_slice(&row);
        out.extend_from_slice(&cross.to_array());
    }
}

/// The per-history parts of a feature row (computed once per history, not per candidate).
struct Prepared {
    ctx_vec: Vec<f32>,
    ctx_norm: f32,
    profile: Vec<f32>,
    profile_norm: f32,
    prices: Vec<f32>,
}

fn prepare(rec: &Recommender, h: &History) -> Prepared {
    let mut ctx_vec = vec![0.0f32; rec.encoder.dim()];
    for c in &h.context {
        if let Some(r) = rec.catalog_row(c.item) {
            for (a, b) in ctx_vec.iter_mut().zip(r.iter()) {
                *a += c.weight * b;
            }
        }
    }
    let ctx_norm = ctx_vec.iter().map(|x| x * x).sum::<f32>().sqrt();
    let profile = normalised(&h.profile);
    let profile_norm = if profile.iter().any(|x| *x != 0.0) {
        1.0
    } else {
        0.0
    };
    Prepared {
        ctx_vec,
        ctx_norm,
        profile,
        profile_norm,
        prices: rec.context_prices(&h.context),
    }
}

/// Feature rows and labels.
#[derive(Debug, Default)]
struct Examples {
    x: Vec<f32>,
    y: Vec<f32>,
}

fn mix(seed: u64, salt: u64) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(salt.wrapping_mul(0xBF58_476D_1CE4_E5B9))
        .rotate_left(17)
}

impl Recommender {
    /// The re-ranker's input layout for this recommender (profile and item vectors of the encoder's
    /// dimension, then the cross features).
    pub fn feature_layout(&self) -> FeatureLayout {
        FeatureLayout::new(self.encoder.dim(), self.encoder.dim())
    }

    /// The loaded re-ranker, if any.
    pub fn model(&self) -> Option<&Reranker> {
        self.model.as_ref()
    }

    /// Whether the current model was trained or fine-tuned here (it differs from the pack's).
    pub fn model_is_personal(&self) -> bool {
        self.model.is_some() && self.model != self.pack_model
    }

    /// Co-occurrence neighbours of universe item `item` (universe index, score), best first, and the scale
    /// the candidate source applies to their scores.
    pub(super) fn scaled_neighbours(&self, item: u32) -> (super::memo::Neighbours, f32) {
        let layers_vec: Vec<&crate::cooccur::CoOccurrence> =
            [&self.base.cooccur, &self.local.cooccur]
                .into_iter()
                .filter(|c| c.pair_count() > 0)
                .collect();
        if layers_vec.is_empty() {
            return (std::sync::Arc::new(Vec::new()), 0.0);
        }
        let layers = crate::cooccur::Layers {
            layers: &layers_vec,
            config: self.config.cooccur,
        };
        let neigh = self.memo.neighbours(item, || {
            layers.neighbours(item, self.config.candidates_per_source)
        });
        let top = neigh.first().map(|x| x.1).unwrap_or(0.0);
        let scale = match self.config.cooccur.normalisation {
            crate::cooccur::Normalisation::Cosine => 1.0,
            _ if top > 0.0 => 1.0 / top,
            _ => 0.0,
        };
        (neigh, scale)
    }

    /// The price of candidate-space item `s`, if the catalogue knows it.
    fn space_price(&self, s: u32) -> Option<f32> {
        if self.catalog.is_empty() {
            return None;
        }
        self.catalog.get(s).and_then(|i| i.price).map(|p| p as f32)
    }

    fn context_prices(&self, context: &[ContextItem]) -> Vec<f32> {
        context
            .iter()
            .filter_map(|c| {
                let idx = self.item_to_catalog.get(c.item as usize).copied()?;
                (idx != NONE)
                    .then(|| self.catalog.get(idx)?.price)
                    .flatten()
                    .map(|p| p as f32)
            })
            .collect()
    }

    /// The model's probabilities for the candidates of `query`, in their order, from one forward pass over
    /// one `candidates × width` matrix. `None` without a model, with re-ranking off, or for no candidates.
    pub(super) fn learned_scores(
        &self,
        query: &Query,
        candidates: &[Candidate],
    ) -> Option<Vec<f32>> {
        let model = self.model.as_ref()?;
        if !self.config.rerank.enabled || candidates.is_empty() {
            return None;
        }
        let context = self.context(query);
        let ctx_prices = self.context_prices(&context);
        let pop_max = self.popularity().iter().copied().fold(0.0f32, f32::max);
        let dim = self.encoder.dim();
        let mut items = Array2::<f32>::zeros((candidates.len(), dim));
        let mut cross = Vec::with_capacity(candidates.len());
        for (r, c) in candidates.iter().enumerate() {
            let s = c
                .catalog_index
                .or_else(|| self.items.get(&c.item).and_then(|u| self.to_space(u)));
            if let Some(s) = s.filter(|&s| (s as usize) < self.vectors.nrows()) {
                items.row_mut(r).assign(&self.vectors.row(s as usize));
            }
            let universe = self.items.get(&c.item);
            let comp = &c.components;
            cross.push(CrossFeatures {
                profile_cosine: comp.matches_your_interest,
                cooccurrence: comp.bought_with.min(1.0),
                context_similarity: comp.similar_to,
                popularity: popularity_feature(comp.popular, pop_max),
                log_price_ratio: price_ratio_feature(
                    s.and_then(|s| self.space_price(s)),
                    &ctx_prices,
                ),
                bought_before: if universe.is_some_and(|u| self.bought.contains_key(&u)) {
                    1.0
                } else {
                    0.0
                },
            });
        }
        let profile: Vec<f32> = self.profile.vector().iter().copied().collect();
        let x = model
            .layout
            .build(&normalised(&profile), items.view(), &cross)
            .ok()?;
        model.mlp.predict(x.view()).ok().map(|p| p.to_vec())
    }

    /// Adds an event to a session history (views, carts, purchases and clicks of known items).
    fn extend_history(&self, h: &mut History, e: &LoggedEvent) {
        let Some(item) = e.item else { return };
        if !matches!(
            e.kind,
            EventKind::View | EventKind::Cart | EventKind::Purchase | EventKind::Click
        ) {
            return;
        }
        h.context.retain(|c| c.item != item);
        for c in &mut h.context {
            c.weight = 1.0;
        }
        h.context.insert(
            0,
            ContextItem {
                item,
                weight: self.config.item_context_weight,
            },
        );
        h.context.truncate(CONTEXT_ITEMS);
        let w = self.config.weights.of(e.kind).max(0.0);
        if let Some(r) = self.catalog_row(item) {
            for (a, b) in h.profile.iter_mut().zip(r.iter()) {
                *a += w * b;
            }
        }
        if let Some(s) = self.to_space(item) {
            if !h.touched.contains(&(s as usize)) {
                h.touched.push(s as usize);
            }
        }
    }

    /// Positive and negative examples from the whole event log (see the module docs).
    fn training_examples(&self, negatives: TrainingData) -> Result<Examples> {
        let cfg = self.config.rerank;
        let events = self.log.events();
        let mut by_session: Vec<Vec<usize>> = vec![Vec::new(); self.log.sessions().len()];
        let mut first_purchase: FastMap<u32, usize> = FastMap::default();
        for (i, e) in events.iter().enumerate() {
            if let Some(list) = by_session.get_mut(e.session as usize) {
                list.push(i);
            }
            if let (EventKind::Purchase, Some(item)) = (e.kind, e.item) {
                first_purchase.entry(item).or_insert(i);
            }
        }
        let mut fz = Featurizer::new(self);
        let mut out = Examples::default();
        let mut positives = 0usize;
        let mut rng = StdRng::seed_from_u64(mix(cfg.seed, 0x4E45_4741));
        for (session, idx) in by_session.iter().enumerate() {
            if positives >= cfg.max_examples {
                break;
            }
            let mut h = History::new(self.encoder.dim());
            let mut pos: Vec<(History, u32)> = Vec::new();
            for &i in idx {
                let Some(e) = events.get(i) else { continue };
                if let (EventKind::Cart | EventKind::Purchase, Some(item)) = (e.kind, e.item) {
                    if let Some(s) = self.to_space(item) {
                        let mut hist = h.without(item);
                        if !hist.context.is_empty() && positives < cfg.max_examples {
                            if negatives.profile_dropout > 0.0
                                && rng.random_bool(f64::from(negatives.profile_dropout))
                            {
                                hist.profile.iter_mut().for_each(|x| *x = 0.0);
                            }
                            let before = first_purchase.get(&item).is_some_and(|&f| f < i);
                            fz.row(&hist, s, before, &mut out.x);
                            out.y.push(1.0);
                            positives += 1;
                            pos.push((hist, s));
                        }
                    }
                }
                self.extend_history(&mut h, e);
            }
            if pos.is_empty() {
                continue;
            }
            // Hard negatives: what the base ranking would have shown for that context, never the session's
            // own items (the whole session's, so a later purchase is never a negative).
            if negatives.candidates > 0 {
                for (hist, _) in &pos {
                    let mut pool = self.base_top(&hist.context, negatives.pool);
                    pool.retain(|s| !h.touched.contains(&(*s as usize)));
                    let take = negatives.candidates.min(pool.len());
                    for k in 0..take {
                        let pick = rng.random_range(k..pool.len());
                        pool.swap(k, pick);
                    }
                    for &s in pool.iter().take(take) {
                        let u = self.to_item(s);
                        fz.row(hist, s, first_purchase.contains_key(&u), &mut out.x);
                        out.y.push(0.0);
                    }
                }
            }
            let wanted = pos.len() * negatives.popular;
            if wanted == 0 {
                continue;
            }
            let sampled = sample_negatives(
                fz.pop,
                &h.touched,
                wanted,
                NEGATIVE_EXPONENT,
                mix(cfg.seed, session as u64),
            )?;
            for (k, s) in sampled.into_iter().enumerate() {
                let Some((hist, _)) = pos.get(k / negatives.popular.max(1)) else {
                    continue;
                };
                let u = self.to_item(s as u32);
                fz.row(hist, s as u32, first_purchase.contains_key(&u), &mut out.x);
                out.y.push(0.0);
            }
        }
        Ok(out)
    }

    /// The candidate-space indices of the base ranking's (the blend without the model) best `n` candidates
    /// for `context` (most recent item first, as [`History::context`]), best first. Empty when the context
    /// has no known name or the query is refused.
    fn base_top(&self, context: &[ContextItem], n: usize) -> Vec<u32> {
        let mut names = context.iter().filter_map(|c| self.items.name(c.item));
        let Some(first) = names.next() else {
            return Vec::new();
        };
        let query = Query {
            item: Some(first.to_owned()),
            cart: names.map(str::to_owned).collect(),
            k: n,
            ..Query::default()
        };
        let Ok(candidates) = self.candidates(&query) else {
            return Vec::new();
        };
        let w = self.config.blend;
        let max = |f: fn(&super::Components) -> f32| {
            candidates
                .iter()
                .map(|c| f(&c.components))
                .fold(0.0f32, f32::max)
        };
        let inv = |m: f32| if m > 0.0 { 1.0 / m } else { 0.0 };
        let s_bw = inv(max(|c| c.bought_with)) * w.bought_with;
        let s_sim = inv(max(|c| c.similar_to)) * w.similar_to;
        let s_int = inv(max(|c| c.matches_your_interest)) * w.matches_your_interest;
        let s_reb = inv(max(|c| c.bought_before)) * w.bought_before;
        let s_pop = inv(max(|c| c.popular)) * w.popular;
        let scored: Vec<(f32, u32)> = candidates
            .iter()
            .filter_map(|c| {
                let s = c
                    .catalog_index
                    .or_else(|| self.items.get(&c.item).and_then(|u| self.to_space(u)))?;
                let p = &c.components;
                let score = p.bought_with * s_bw
                    + p.similar_to * s_sim
                    + p.matches_your_interest * s_int
                    + p.bought_before * s_reb
                    + p.popular * s_pop;
                score.is_finite().then_some((score, s))
            })
            .collect();
        // Score descending, then index ascending: the shared heap sort (no stable sort in the wasm for this).
        super::sort_best_first(scored, n, |&(score, s)| (score, s as usize))
            .into_iter()
            .map(|x| x.1)
            .collect()
    }

    fn fresh_model(&self, layout: FeatureLayout) -> Result<(Mlp, ModelStats)> {
        let cfg = self.config.rerank;
        let mlp = MlpConfig::new()
            .hidden(&cfg.hidden)
            .seed(cfg.seed)
            .build(layout.width())?;
        Ok((mlp, ModelStats::default()))
    }

    /// Starts training the re-ranker on the recorded events for up to `epochs` epochs (early stopping on a
    /// 10 % validation split when there are at least 200 examples), from the loaded model or a fresh one.
    /// Builds the examples now (`O(positives · (context · neighbours + dim))`); advance with
    /// [`TrainingRun::step`], install with [`Recommender::finish_training`].
    ///
    /// Errors: [`Error::InvalidConfig`] for `epochs` outside `1..=1000`; [`Error::Model`] with
    /// [`ModelError::EmptyTrainingSet`] when the log has no positive example (a cart or purchase after
    /// another event of the same session).
    pub fn start_training(&self, epochs: usize) -> Result<TrainingRun> {
        self.start_training_with(epochs, TrainingData::default())
    }

    /// [`Recommender::start_training`] with explicit example building ([`TrainingData`]). Errors as there,
    /// and [`Error::InvalidConfig`] naming the field of an invalid `data`.
    pub fn start_training_with(&self, epochs: usize, data: TrainingData) -> Result<TrainingRun> {
        data.validate()?;
        if !(1..=MAX_EPOCHS).contains(&epochs) {
            return Err(Error::InvalidConfig {
                field: "epochs",
                value: epochs.to_string(),
                reason: "must be between 1 and 1000",
            });
        }
        let layout = self.feature_layout();
        let examples = self.training_examples(data)?;
        let rows = examples.y.len();
        if rows == 0 {
            return Err(ModelError::EmptyTrainingSet {
                what: "the event log (no cart or purchase follows another event of its session)",
            }
            .into());
        }
        let (mlp, previous) = match &self.model {
            Some(m) if m.check(layout).is_ok() => (m.mlp.clone(), m.stats),
            _ => self.fresh_model(layout)?,
        };
        let x = ArrayView2::from_shape((rows, layout.width()), &examples.x).map_err(|_| {
            ModelError::ShapeMismatch {
                what: "training examples",
                got: vec![examples.x.len()],
                expected: vec![rows, layout.width()],
            }
        })?;
        let data = Dataset::new(x, ndarray::ArrayView1::from(&examples.y))?;
        let trainer = Trainer::new(&mlp, self.config.rerank.train_config(epochs, rows))?;
        let fit = trainer.start_fit(&mlp, &data)?;
        Ok(TrainingRun {
            layout,
            mlp,
            trainer,
            fit,
            examples: rows,
            epochs,
            previous,
            progress: TrainProgress {
                epochs,
                ..TrainProgress::default()
            },
        })
    }

    /// Finishes `run` (training what is left) and installs its model; returns the model's statistics.
    /// Errors: as [`TrainingRun::step`]; [`Error::PackDecode`] when the run was started on a recommender
    /// with another feature layout.
    pub fn finish_training(&mut self, mut run: TrainingRun) -> Result<ModelStats> {
        while !run.is_done() {
            run.step(usize::MAX)?;
        }
        if run.layout != self.feature_layout() {
            return Err(Error::PackDecode {
                message: "the training run belongs to a recommender with another feature layout"
                    .into(),
            });
        }
        let report = run.fit.report();
        let stats = ModelStats {
            parameters: run.mlp.param_count(),
            examples: run.examples,
            epochs: run.previous.epochs + report.train_losses.len(),
            loss: report.train_losses.last().copied(),
            validation_loss: report.validation_losses.get(report.best_epoch).copied(),
            online_updates: 0,
        };
        let _ = run.epochs;
        self.model = Some(Reranker {
            layout: run.layout,
            mlp: run.mlp,
            trainer: run.trainer,
            learning_rate: self.config.rerank.learning_rate,
            stats,
        });
        Ok(stats)
    }

    /// Trains the re-ranker on the recorded events for up to `epochs` epochs and installs it: a
    /// [`Recommender::start_training`] run driven to the end. Same errors.
    pub fn train(&mut self, epochs: usize) -> Result<ModelStats> {
        let run = self.start_training(epochs)?;
        self.finish_training(run)
    }

    /// Online learning from the event just appended to the log (see the module docs). Never fails: a
    /// numerical problem skips the update.
    pub(super) fn learn_online(&mut self, e: &LoggedEvent) {
        let cfg = self.config.rerank;
        if !(cfg.enabled && cfg.online) || self.model.is_none() {
            return;
        }
        let Some(item) = e.item else { return };
        let Some(s) = self.to_space(item) else { return };
        let events = self.log.events();
        let earlier = events.len().saturating_sub(1);
        let start = earlier.saturating_sub(ONLINE_LOOKBACK);
        let prior: Vec<&LoggedEvent> = events
            .get(start..earlier)
            .unwrap_or(&[])
            .iter()
            .filter(|x| x.session == e.session)
            .collect();
        let label = match e.kind {
            EventKind::Click => 1.0,
            EventKind::Impression => 0.0,
            EventKind::Cart
                if prior
                    .iter()
                    .any(|x| x.kind == EventKind::Impression && x.item == Some(item)) =>
            {
                1.0
            }
            _ => return,
        };
        let mut h = History::new(self.encoder.dim());
        for x in &prior {
            self.extend_history(&mut h, x);
        }
        let hist = h.without(item);
        if hist.context.is_empty() {
            return;
        }
        let mut fz = Featurizer::new(self);
        let mut ex = Examples::default();
        let bought = |u: u32| self.bought.contains_key(&u);
        fz.row(&hist, s, bought(item), &mut ex.x);
        ex.y.push(label);
        if label > 0.0 && cfg.negatives_per_positive > 0 {
            let mut exclude = hist.touched.clone();
            exclude.push(s as usize);
            let seed = mix(cfg.seed, events.len() as u64);
            if let Ok(neg) = sample_negatives(
                fz.pop,
                &exclude,
                cfg.negatives_per_positive,
                NEGATIVE_EXPONENT,
                seed,
            ) {
                for n in neg {
                    fz.row(&hist, n as u32, bought(self.to_item(n as u32)), &mut ex.x);
                    ex.y.push(0.0);
                }
            }
        }
        let rows = ex.y.len();
        let Some(model) = self.model.as_mut() else {
            return;
        };
        let width = model.layout.width();
        let Ok(x) = ArrayView2::from_shape((rows, width), &ex.x) else {
            return;
        };
        if let Ok(loss) = model.trainer.fine_tune(
            &mut model.mlp,
            x,
            ndarray::ArrayView1::from(&ex.y),
            cfg.online_steps,
        ) {
            model.stats.online_updates += 1;
            model.stats.loss = Some(loss);
        }
    }

    /// Installs `model` (checked against the feature layout) as the pack's population model and the
    /// current one.
    pub(crate) fn install_models(
        &mut self,
        model: Option<Reranker>,
        pack_model: Option<Reranker>,
    ) -> Result<()> {
        let layout = self.feature_layout();
        for m in model.iter().chain(pack_model.iter()) {
            m.check(layout)?;
        }
        self.model = model;
        self.pack_model = pack_model;
        Ok(())
    }

    /// Turns re-ranking on or off (see [`RerankConfig::enabled`]); the model stays loaded.
    pub fn set_rerank_enabled(&mut self, on: bool) {
        self.config.rerank.enabled = on;
    }

    /// Sets the learned score's blend weight (see [`RerankConfig::weight`]). Errors: [`Error::InvalidConfig`]
    /// naming `rerank.weight` and the value; nothing changes then.
    pub fn set_rerank_weight(&mut self, weight: f32) -> Result<()> {
        let cfg = RerankConfig {
            weight,
            ..self.config.rerank
        };
        cfg.validate()?;
        self.config.rerank = cfg;
        Ok(())
    }

    /// Turns online learning from feedback on or off (see [`RerankConfig::online`]).
    pub fn set_online_learning(&mut self, on: bool) {
        self.config.rerank.online = on;
    }

    /// Replaces the current model with `model` (e.g. one saved in the browser), checked against the layout.
    pub fn set_model(&mut self, model: Reranker) -> Result<()> {
        model.check(self.feature_layout())?;
        self.model = Some(model);
        Ok(())
    }
}

crate::codec::codec_struct!(RerankConfig {
    enabled,
    weight,
    online,
    online_steps,
    negatives_per_positive,
    hidden,
    learning_rate,
    batch_size,
    max_examples,
    seed
});
crate::codec::codec_struct!(RerankerBlob {
    profile_dim,
    item_dim,
    hidden,
    params,
    learning_rate,
    examples,
    epochs,
    loss,
    validation_loss,
    online_updates
});

impl crate::codec::Encode for Reranker {
    /// As its [`RerankerBlob`] (what serde writes through `into = "RerankerBlob"`).
    fn encode(&self, out: &mut Vec<u8>) {
        RerankerBlob::from(self).encode(out);
    }
}

impl crate::codec::Decode for Reranker {
    fn decode(
        r: &mut crate::codec::Reader<'_>,
    ) -> std::result::Result<Self, crate::codec::DecodeError> {
        let blob = RerankerBlob::decode(r)?;
        Reranker::try_from(blob)
            .map_err(|e| crate::codec::DecodeError::Invalid(format!("invalid model: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Item;
    use crate::events::Event;
    use crate::recommend::{ReasonKind, RecommenderConfig};

    fn shop(config: RecommenderConfig) -> Recommender {
        let mut r = Recommender::new(config).unwrap();
        let cats = ["dairy", "bakery", "drinks", "snacks"];
        r.set_catalog(
            (0..16)
                .map(|i| {
                    let mut it = Item::new(&format!("i{i}"), cats[i % 4]);
                    it.price = Some(1.0 + i as f64 * 0.5);
                    it
                })
                .collect(),
        )
        .unwrap();
        // Pairs (i, i+1) for even i are bought together.
        for b in 0..120u32 {
            let a = (b * 2) % 16;
            for (k, it) in [a, a + 1].iter().enumerate() {
                r.record(&Event::new(
                    EventKind::Purchase,
                    &format!("i{it}"),
                    &format!("b{b}"),
                    f64::from(b) * 10.0 + k as f64,
                ))
                .unwrap();
            }
        }
        r
    }

    #[test]
    fn config_values_are_validated_and_named() {
        assert!(RerankConfig::default().validate().is_ok());
        for (cfg, field) in [
            (
                RerankConfig {
                    weight: f32::NAN,
                    ..RerankConfig::default()
                },
                "rerank.weight",
            ),
            (
                RerankConfig {
                    online_steps: 0,
                    ..RerankConfig::default()
                },
                "rerank.online_steps",
            ),
            (
                RerankConfig {
                    hidden: [0, 4],
                    ..RerankConfig::default()
                },
                "rerank.hidden",
            ),
            (
                RerankConfig {
                    learning_rate: 0.0,
                    ..RerankConfig::default()
                },
                "rerank.learning_rate",
            ),
        ] {
            let err = RecommenderConfig::builder()
                .rerank(cfg)
                .build()
                .unwrap_err();
            assert!(
                matches!(err, Error::InvalidConfig { field: f, .. } if f == field),
                "{err}"
            );
        }
        let e = RecommenderConfig::builder()
            .rerank_weight(-1.0)
            .build()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid rerank.weight -1: must be a finite number in [0, 10]"
        );
    }

    #[test]
    fn examples_have_positives_and_sampled_negatives_of_the_layout_width() {
        let r = shop(RecommenderConfig::default());
        let ex = r.training_examples(TrainingData::default()).unwrap();
        let width = r.feature_layout().width();
        assert_eq!(ex.x.len(), ex.y.len() * width);
        let pos = ex.y.iter().filter(|y| **y == 1.0).count();
        assert_eq!(pos, 120, "one positive per basket (the second item)");
        // Up to 6 hard negatives from the base ranking plus 2 popularity-weighted ones per positive.
        let neg = ex.y.len() - pos;
        assert!(neg > 2 * 120 && neg <= 8 * 120, "{neg}");
        // A positive's co-occurrence feature is high; cross features are at the end of each row.
        let cooc = |row: usize| ex.x[row * width + 2 * r.encoder.dim() + 1];
        assert!(cooc(0) > 0.5, "{}", cooc(0));
        assert!(ex.x.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn training_data_is_validated_and_hard_negatives_come_from_the_base_ranking() {
        assert!(TrainingData::new().validate().is_ok());
        for (data, field) in [
            (
                TrainingData::new().candidates(51).pool(60),
                "training.candidates",
            ),
            (TrainingData::new().pool(0).candidates(0), "training.pool"),
            (TrainingData::new().candidates(8).pool(4), "training.pool"),
            (TrainingData::new().popular(21), "training.popular"),
            (
                TrainingData::new().candidates(0).popular(0),
                "training.candidates",
            ),
            (
                TrainingData::new().profile_dropout(1.5),
                "training.profile_dropout",
            ),
        ] {
            let r = shop(RecommenderConfig::default());
            let err = r.start_training_with(1, data).unwrap_err();
            assert!(
                matches!(err, Error::InvalidConfig { field: f, .. } if f == field),
                "{err}"
            );
        }
        let r = shop(RecommenderConfig::default());
        let data = TrainingData::new().candidates(2).pool(3).popular(0);
        let ex = r.training_examples(data).unwrap();
        let width = r.feature_layout().width();
        let pos = ex.y.iter().filter(|y| **y == 1.0).count();
        assert_eq!(ex.y.len() - pos, 2 * pos, "two hard negatives per positive");
        // Hard negatives are candidates the blend ranks high: they share the context's category or are
        // popular, never the bought partner (whose co-occurrence feature is the highest).
        let cooc = |row: usize| ex.x[row * width + 2 * r.encoder.dim() + 1];
        for (row, y) in ex.y.iter().enumerate() {
            if *y == 0.0 {
                assert!(cooc(row) < 0.5, "row {row}: {}", cooc(row));
            }
        }
        let a = r.training_examples(data).unwrap();
        assert_eq!(a.x, ex.x, "seeded");
    }

    #[test]
    fn training_lowers_the_loss_is_seeded_and_rerank_reasons_sum_to_one() {
        let mut a = shop(RecommenderConfig::default());
        let q = Query::for_item("i4", 5);
        let before = a.also_buy(&q).unwrap();
        assert!(before
            .iter()
            .all(|s| s.reasons.iter().all(|r| r.kind != ReasonKind::Learned)));
        let mut run = a.start_training(5).unwrap();
        let first = run.step(1).unwrap();
        assert!(first.fraction > 0.0 && first.fraction < 1.0, "{first:?}");
        let stats = a.finish_training(run).unwrap();
        assert_eq!(stats.epochs, 5);
        let mut b = shop(RecommenderConfig::default());
        b.train(5).unwrap();
        assert_eq!(a.model(), b.model(), "same seed and data, same weights");
        let after = a.also_buy(&q).unwrap();
        assert_eq!(after[0].item, "i5", "the bought-with partner stays first");
        assert!(after
            .iter()
            .any(|s| s.reasons.iter().any(|r| r.kind == ReasonKind::Learned)));
        for s in &after {
            let sum: f32 = s.reasons.iter().map(|r| r.share).sum();
            assert!((sum - 1.0).abs() < 1e-4, "{s:?}");
        }
        // Re-ranking off gives exactly the blend.
        let mut off = a.clone();
        off.config.rerank.enabled = false;
        assert_eq!(off.also_buy(&q).unwrap(), before);
    }

    #[test]
    fn a_stored_model_is_checked_before_it_is_used() {
        let mut r = shop(RecommenderConfig::default());
        r.train(1).unwrap();
        let model = r.model().cloned().unwrap();
        let blob = RerankerBlob::from(model.clone());
        let back = Reranker::try_from(RerankerBlob::from(model.clone())).unwrap();
        assert_eq!(back, model);
        let mut short = RerankerBlob::from(model.clone());
        short.params.pop();
        assert!(matches!(
            Reranker::try_from(short),
            Err(ModelError::Corrupt(_))
        ));
        let mut nan = RerankerBlob::from(model.clone());
        nan.params[3] = f32::NAN;
        assert!(matches!(
            Reranker::try_from(nan),
            Err(ModelError::Corrupt(_))
        ));
        // An absurd shape is refused before anything is allocated for it.
        let huge = RerankerBlob {
            hidden: vec![u32::MAX; 3],
            ..blob
        };
        assert!(matches!(
            Reranker::try_from(huge),
            Err(ModelError::Corrupt(_))
        ));
    }

    #[test]
    fn no_positive_examples_is_a_typed_error_and_bad_epochs_are_named() {
        let mut r = Recommender::new(RecommenderConfig::default()).unwrap();
        assert!(matches!(
            r.train(3),
            Err(Error::Model(ModelError::EmptyTrainingSet { .. }))
        ));
        let r2 = shop(RecommenderConfig::default());
        assert!(matches!(
            r2.start_training(0),
            Err(Error::InvalidConfig {
                field: "epochs",
                ..
            })
        ));
    }
}
