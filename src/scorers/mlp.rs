//! `mlp`: the MLP re-ranker ([`crate::model`]) over the hybrid's candidates, trained on the training data.
//!
//! **Training** (inside `fit`, never on anything the caller holds out):
//! 1. internal splits of the training interactions: the user rows with at least two items (a seeded sample
//!    of at most `max_cases`) each lose one item — a named user's most recent item (their earlier items are
//!    the query's history), an anonymous basket's random item (the rest is the context) — and are dealt
//!    into `folds` folds; with `cases_per_row` = N (the default `hybrid`: 3) a row gives up to N cases,
//!    its N most recent items (each with the history before it) or N distinct random items of a basket;
//! 2. per fold, the hybrid (and the `cooccur` / `content` signals) are fitted without that fold's items;
//! 3. for each held-out case the hybrid's top `candidates` (never an input item) become rows: the held-out
//!    item is the positive (cases whose item is not among the candidates are skipped: the re-ranker can't
//!    fix them), every other candidate a hard negative, plus `pop_negatives` items drawn from the whole
//!    catalogue with probability ∝ popularity^0.75 ([`crate::model::features::sample_negatives`]);
//! 4. the [`Mlp`] (hidden 32-16, Adam) learns to tell them apart: `mlp` with binary cross-entropy per row
//!    (early stopping on 10% of the rows), the default `hybrid` with the listwise softmax cross-entropy of
//!    each case's positive over the case's rows ([`Loss::ListwiseSoftmax`]; batches of whole cases, early
//!    stopping on 10% of the cases); columns are standardised with the training rows' mean and SD;
//! 5. the signals are refitted on all the data.
//!
//! **Features** of a (query, candidate) pair: the six [`CrossFeatures`] of [`crate::model::features`]
//! (content cosine with the history profile, bought-together score with the inputs in `[0, 1]`, content
//! cosine with the context, log popularity, log price ratio to the context, bought before), then the
//! hybrid's blended score and its EASE and kNN components (per-query z-scores), the reciprocal log of the
//! hybrid rank, the gap to the hybrid's best candidate, and `ln(1 + inputs)`.
//!
//! **Scoring**: candidates get the network's logit; every other item keeps the hybrid's order below them.
//! History items are never candidates (the training targets never are), so with history allowed in the
//! output they come after the candidates. Cost per query: the hybrid's plus `O(candidates · width · 32)`.
//! Falls back to the plain hybrid when the internal split yields no training rows (tiny data).

use crate::hashing::splitmix;
use ndarray::{ArrayView1, ArrayView2};

use super::content::{Content, ContentConfig};
use super::cooccur::{Cooccur, CooccurScorerConfig};
use super::hybrid::{Hybrid, HybridConfig};
use super::{check_len, ensure, top_k, unit_inputs, Query, Scorer, ScorerError};
use crate::catalog::Item;
use crate::interactions::{Interactions, RowOwner};
use crate::model::features::{popularity_feature, price_ratio_feature, sample_negatives};
use crate::model::{
    CrossFeatures, Dataset, Loss, Mlp, MlpConfig, ModelError, TrainConfig, Trainer,
};

/// Number of feature columns (without [`MlpRerankConfig::basket_features`]).
pub const WIDTH: usize = CrossFeatures::LEN + 6;

/// Feature columns added by [`MlpRerankConfig::basket_features`].
pub const BASKET_WIDTH: usize = 2;

/// Config of [`MlpRerank`].
#[derive(Debug, Clone, PartialEq)]
pub struct MlpRerankConfig {
    /// The candidate generator.
    pub hybrid: HybridConfig,
    /// Candidates re-ranked per query (≥ 1).
    pub candidates: usize,
    /// Internal folds (≥ 2): the rows with at least two items are dealt into this many folds; each fold's
    /// cases are scored by signals fitted without them, so every such row can give a training case.
    pub folds: usize,
    /// Most internal rows (bounds the training time on large data; ≥ 1); each gives up to
    /// `cases_per_row` cases.
    pub max_cases: usize,
    /// Training cases per internal row (1..=16; default 1): a named user's `cases_per_row` most recent items,
    /// each with the history before it, and an anonymous basket's `cases_per_row` seeded items (at most all
    /// of them), each with the rest of the basket as context. All of a row's targets are removed from its
    /// fold's signals. More cases give the listwise objective (one example per ~60 rows) more examples, at
    /// about `cases_per_row` times the feature and network training cost.
    pub cases_per_row: usize,
    /// Two more features for basket completion (default off): the candidate's *coverage* of the inputs
    /// (the share of input items that list it among their bought-together partners) and its *category
    /// share* (the share of input items with exactly its category path; 0 without a catalogue).
    pub basket_features: bool,
    /// Also train one network with the *other* objective (BCE for a listwise model, listwise for a BCE one;
    /// default off) on the same rows with the same seed: a candidate's network score is then the mean of
    /// the two objectives' logits, each standardised over the query's candidates. About twice the training.
    pub partner: bool,
    /// Popularity-sampled negatives per case, on top of the candidate negatives.
    pub pop_negatives: usize,
    /// Hidden layer widths.
    pub hidden: Vec<usize>,
    /// Most training epochs (≥ 1; early stopping usually ends sooner).
    pub epochs: usize,
    /// Seed of the internal split, the negatives, the initialisation and the batches.
    pub seed: u64,
    /// The model's name (`mlp`; `hybrid` for the default model, see [`MlpRerankConfig::hybrid_default`]).
    pub name: &'static str,
    /// Weight of the hybrid's blended score in a candidate's final score (≥ 0): candidates score
    /// `z(logit) + blend · z(hybrid)`, both standardised over the query's candidates. 0 = the network alone.
    pub blend: f32,
    /// Networks trained on the same rows with different seeds (initialisation, batches, early-stopping
    /// split) whose logits are averaged (1..=16; default 1): variance reduction, at `ensemble` times the
    /// training and network-inference cost (the features are built once). Off by default: 5 networks did
    /// not beat one on the Groceries validation splits (docs/EVALUATION.md).
    pub ensemble: usize,
    /// The training objective: [`Loss::BinaryCrossEntropy`] per row (the default, and `mlp`'s), or
    /// [`Loss::ListwiseSoftmax`] — per training case, the softmax cross-entropy of the held-out item over
    /// that case's rows (its candidates and popularity negatives), trained in batches of whole cases with
    /// early stopping on held-out cases (the default model `hybrid`'s, see
    /// [`MlpRerankConfig::hybrid_default`]).
    pub loss: Loss,
}

impl Default for MlpRerankConfig {
    fn default() -> Self {
        Self {
            hybrid: HybridConfig::default(),
            candidates: 50,
            folds: 5,
            max_cases: 5_000,
            cases_per_row: 1,
            basket_features: false,
            partner: false,
            pop_negatives: 10,
            hidden: vec![32, 16],
            epochs: 30,
            seed: 42,
            name: "mlp",
            blend: 0.0,
            ensemble: 1,
            loss: Loss::BinaryCrossEntropy,
        }
    }
}

/// Weight of the linear blend in the default model (chosen on validation splits of both datasets, see
/// docs/EVALUATION.md).
pub const HYBRID_BLEND: f32 = 0.5;

/// Training cases per internal row of the default model ([`MlpRerankConfig::cases_per_row`]; chosen on
/// validation splits of both datasets, see docs/EVALUATION.md).
pub const HYBRID_CASES_PER_ROW: usize = 3;

impl MlpRerankConfig {
    /// The default model, `hybrid`: the re-ranker trained listwise ([`Loss::ListwiseSoftmax`] over each
    /// training case's candidates and negatives) on 3 cases per internal row ([`HYBRID_CASES_PER_ROW`]) and
    /// fused with the linear blend (`z(logit) + 0.5 · z(blend)` over the candidates). Listwise, the cases
    /// and the weight were chosen on the validation splits of both datasets (docs/EVALUATION.md).
    pub fn hybrid_default() -> Self {
        Self {
            name: "hybrid",
            blend: HYBRID_BLEND,
            loss: Loss::ListwiseSoftmax,
            cases_per_row: HYBRID_CASES_PER_ROW,
            ..Self::default()
        }
    }
}

fn model_err(source: ModelError) -> ScorerError {
    ScorerError::Model {
        model: "mlp",
        source,
    }
}

/// One internal fold: its cases and the `(user row, item)` entries its signals are fitted without.
type Fold = (Vec<Case>, Vec<(usize, u32)>);

/// A query's candidates, the blend's scores of every item, and the candidates' feature rows (row-major).
type Candidates = (Vec<u32>, Vec<f32>, Vec<f32>);

/// One internal training case.
struct Case {
    history: Vec<(u32, f32)>,
    context: Vec<u32>,
    target: u32,
}

/// The internal split: seeded rows (at most `max_cases`), up to `per_row` items each (see the module docs
/// and [`MlpRerankConfig::cases_per_row`]), dealt into `folds` folds; per fold its cases and the entries to
/// remove. With `per_row = 1` a basket's target is the item at `(h >> 11) mod len` (`h` the row's seeded
/// hash); further targets are drawn from the remaining items by seeded swaps.
fn internal_folds(
    data: &Interactions,
    folds: usize,
    max_cases: usize,
    per_row: usize,
    seed: u64,
) -> Vec<Fold> {
    let mut rows: Vec<(u64, usize)> = (0..data.n_rows())
        .filter(|&r| data.user_matrix().row(r).0.len() >= 2)
        .map(|r| (splitmix(seed, r as u64), r))
        .collect();
    rows.sort_unstable();
    let eligible = rows.len();
    rows.truncate(max_cases);
    // Each fold removes at most a fifth of the eligible rows' items; on large data fewer folds suffice.
    let per_fold = (eligible / 5).max(1);
    let folds = rows.len().div_ceil(per_fold).clamp(1, folds.max(1));
    let per_row = per_row.max(1);
    let mut out: Vec<Fold> = (0..folds).map(|_| (Vec::new(), Vec::new())).collect();
    for (k, &(h, r)) in rows.iter().enumerate() {
        let Some((cases, removed)) = out.get_mut(k % folds.max(1)) else {
            continue;
        };
        let items = data.history(r);
        match data.row_owner(r) {
            Some(RowOwner::User(_)) => {
                // The most recent items, each with the (non-empty) history before it.
                for back in 1..=per_row.min(items.len().saturating_sub(1)) {
                    let cut = items.len() - back;
                    let (Some(history), Some(&(target, _))) = (items.get(..cut), items.get(cut))
                    else {
                        continue;
                    };
                    removed.push((r, target));
                    cases.push(Case {
                        history: history.to_vec(),
                        context: Vec::new(),
                        target,
                    });
                }
            }
            _ => {
                let mut order: Vec<u32> = items.iter().map(|e| e.0).collect();
                let len = order.len();
                for j in 0..per_row.min(len) {
                    // Reduced in u64: `as usize` first would keep only 32 bits on wasm32 and pick another
                    // target. Position j swaps with a seeded pick among positions j..len.
                    let draw = if j == 0 { h } else { splitmix(h, j as u64) };
                    let t = j + ((draw >> 11) % (len - j) as u64) as usize;
                    order.swap(j, t);
                    let Some(&target) = order.get(j) else {
                        continue;
                    };
                    removed.push((r, target));
                    cases.push(Case {
                        history: Vec::new(),
                        // In the row's order (as with one case per row: same input, same sums).
                        context: items.iter().map(|e| e.0).filter(|&i| i != target).collect(),
                        target,
                    });
                }
            }
        }
    }
    out
}

/// The signals the features are computed from, fitted on one data set.
#[derive(Debug, Clone)]
struct Signals {
    hybrid: Hybrid,
    cooccur: Cooccur,
    content: Option<Content>,
    popularity: Vec<f32>,
    max_popularity: f32,
    prices: Vec<Option<f32>>,
    /// Per item, its category's index (`u32::MAX`: none), when the basket features are on.
    categories: Option<Vec<u32>>,
}

impl Signals {
    fn fit(
        data: &Interactions,
        catalogue: &[Item],
        config: &MlpRerankConfig,
    ) -> Result<Self, ScorerError> {
        let content = if catalogue.is_empty() {
            None
        } else {
            Some(ContentConfig::default().fit(data, catalogue)?)
        };
        let mut prices = vec![None; data.n_items()];
        for it in catalogue {
            if let (Some(i), Some(p)) = (data.items().get(&it.id), it.price) {
                if let Some(slot) = prices.get_mut(i as usize) {
                    *slot = Some(p as f32);
                }
            }
        }
        let popularity: Vec<f32> = data.popularity().iter().map(|&c| c as f32).collect();
        let max_popularity = popularity.iter().copied().fold(0.0, f32::max);
        let categories = config.basket_features.then(|| {
            let mut names: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
            let mut out = vec![u32::MAX; data.n_items()];
            for it in catalogue.iter().filter(|it| !it.category.is_empty()) {
                let next = names.len() as u32;
                let c = *names.entry(it.category.as_str()).or_insert(next);
                if let Some(slot) = data
                    .items()
                    .get(&it.id)
                    .and_then(|i| out.get_mut(i as usize))
                {
                    *slot = c;
                }
            }
            out
        });
        Ok(Self {
            hybrid: config.hybrid.fit(data)?,
            cooccur: CooccurScorerConfig::default().fit(data)?,
            content,
            popularity,
            max_popularity,
            prices,
            categories,
        })
    }

    /// Feature columns per row.
    fn width(&self) -> usize {
        WIDTH
            + if self.categories.is_some() {
                BASKET_WIDTH
            } else {
                0
            }
    }

    /// The hybrid's candidates for `query` (never an input item) and their feature rows, plus the feature
    /// rows of the `extra` items (ranked after the candidates). Returns `(candidates, blend, rows)`.
    fn features(
        &self,
        query: &Query<'_>,
        n_candidates: usize,
        extra: &[u32],
    ) -> Result<Candidates, ScorerError> {
        let n = self.popularity.len();
        let mut blend = vec![0f32; n];
        self.hybrid.score_into(query, &mut blend)?;
        let inputs = self.hybrid.inputs(query);
        let (ease, knn) = self.hybrid.components(&inputs);
        let unit = unit_inputs(query);
        let mut co = vec![0f32; n];
        self.cooccur.accumulate(&unit, &mut co);
        let scale = 1.0 / unit.len().max(1) as f32;
        let mut excluded = vec![false; n];
        for &(i, _) in &unit {
            if let Some(e) = excluded.get_mut(i as usize) {
                *e = true;
            }
        }
        let candidates: Vec<u32> = top_k(&blend, &self.popularity, n_candidates, |i| {
            excluded.get(i as usize).copied().unwrap_or(true)
        })
        .into_iter()
        .map(|e| e.0)
        .collect();
        let unit_profile = |items: &mut dyn Iterator<Item = u32>| -> Option<Vec<f32>> {
            let c = self.content.as_ref()?;
            let inputs: Vec<(u32, f32)> = items.map(|i| (i, 1.0)).collect();
            let mut p = c.profile(&inputs);
            crate::encoding::item::normalise(&mut p);
            Some(p)
        };
        let hist_profile = unit_profile(&mut query.history.iter().map(|e| e.0));
        let ctx_profile = unit_profile(&mut query.context.iter().copied());
        // Content cosines only for the rows built (a catalogue-wide product would cost O(n · dim) per query).
        let cosine = |p: &Option<Vec<f32>>, j: u32| -> f32 {
            match (&self.content, p) {
                (Some(c), Some(p)) => c.dot_one(j, p),
                _ => 0.0,
            }
        };
        let ctx_prices: Vec<f32> = query
            .context
            .iter()
            .filter_map(|&i| self.prices.get(i as usize).copied().flatten())
            .collect();
        let best = candidates
            .first()
            .and_then(|&i| blend.get(i as usize))
            .copied()
            .unwrap_or(0.0);
        let n_inputs = super::detmath::ln32(1.0 + unit.len() as f32);
        // Basket features: per item, how many input items list it as a partner; the inputs' categories.
        let (cover, input_categories) = match &self.categories {
            Some(cats) => {
                let mut cover = vec![0u32; n];
                for &(i, _) in &unit {
                    for &(j, _) in self.cooccur.partners(i) {
                        if let Some(c) = cover.get_mut(j as usize) {
                            *c += 1;
                        }
                    }
                }
                let ic: Vec<u32> = unit
                    .iter()
                    .filter_map(|&(i, _)| cats.get(i as usize).copied())
                    .collect();
                (cover, ic)
            }
            None => (Vec::new(), Vec::new()),
        };
        let mut rows = Vec::with_capacity((candidates.len() + extra.len()) * self.width());
        for (rank, &j) in candidates.iter().chain(extra).enumerate() {
            let ju = j as usize;
            let get = |v: &[f32]| v.get(ju).copied().unwrap_or(0.0);
            let cross = CrossFeatures {
                profile_cosine: cosine(&hist_profile, j),
                cooccurrence: (get(&co) * scale).clamp(0.0, 1.0),
                context_similarity: cosine(&ctx_profile, j),
                popularity: popularity_feature(get(&self.popularity), self.max_popularity),
                log_price_ratio: price_ratio_feature(
                    self.prices.get(ju).copied().flatten(),
                    &ctx_prices,
                ),
                bought_before: if query.history.iter().any(|e| e.0 == j) {
                    1.0
                } else {
                    0.0
                },
            };
            rows.extend_from_slice(&cross.to_array());
            rows.extend_from_slice(&[
                get(&blend),
                get(&ease),
                get(&knn),
                1.0 / super::detmath::ln32(2.0 + rank as f32),
                get(&blend) - best,
                n_inputs,
            ]);
            if let Some(cats) = &self.categories {
                let c = cats.get(ju).copied().unwrap_or(u32::MAX);
                let same = if c == u32::MAX {
                    0
                } else {
                    input_categories.iter().filter(|&&k| k == c).count()
                };
                rows.extend_from_slice(&[
                    cover.get(ju).copied().unwrap_or(0) as f32 * scale,
                    same as f32 * scale,
                ]);
            }
        }
        Ok((candidates, blend, rows))
    }
}

impl MlpRerankConfig {
    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    fn validate(&self) -> Result<(), ScorerError> {
        let m = "mlp";
        ensure(
            self.candidates >= 1,
            m,
            "candidates",
            self.candidates as f64,
            "must be at least 1",
        )?;
        ensure(
            (2..=100).contains(&self.folds),
            m,
            "folds",
            self.folds as f64,
            "must be in 2..=100",
        )?;
        ensure(
            self.max_cases >= 1,
            m,
            "max_cases",
            self.max_cases as f64,
            "must be at least 1",
        )?;
        ensure(
            self.blend.is_finite() && self.blend >= 0.0,
            m,
            "blend",
            f64::from(self.blend),
            "must be finite and >= 0",
        )?;
        ensure(
            (1..=16).contains(&self.cases_per_row),
            m,
            "cases_per_row",
            self.cases_per_row as f64,
            "must be in 1..=16",
        )?;
        ensure(
            (1..=16).contains(&self.ensemble),
            m,
            "ensemble",
            self.ensemble as f64,
            "must be in 1..=16",
        )?;
        ensure(
            self.epochs >= 1,
            m,
            "epochs",
            self.epochs as f64,
            "must be at least 1",
        )
    }

    /// Trains the re-ranker on an internal split of `data` and refits its signals on all of `data`.
    /// `catalogue` (may be empty) gives item attributes for the content and price features.
    pub fn fit(&self, data: &Interactions, catalogue: &[Item]) -> Result<MlpRerank, ScorerError> {
        self.validate()?;
        let mut x: Vec<f32> = Vec::new();
        let mut y: Vec<f32> = Vec::new();
        let mut sizes: Vec<usize> = Vec::new();
        for (fold, (cases, removed)) in internal_folds(
            data,
            self.folds,
            self.max_cases,
            self.cases_per_row,
            self.seed,
        )
        .into_iter()
        .enumerate()
        {
            if cases.is_empty() {
                continue;
            }
            let reduced = data.without(&removed);
            let sub = Signals::fit(&reduced, catalogue, self)?;
            for (k, case) in cases.iter().enumerate() {
                let query = Query {
                    history: &case.history,
                    context: &case.context,
                };
                let mut exclude: Vec<usize> = case.context.iter().map(|&i| i as usize).collect();
                exclude.extend(case.history.iter().map(|e| e.0 as usize));
                exclude.push(case.target as usize);
                let negatives: Vec<u32> = sample_negatives(
                    &sub.popularity,
                    &exclude,
                    self.pop_negatives,
                    0.75,
                    splitmix(self.seed, ((fold as u64) << 32) + k as u64 + 1),
                )
                .map_err(model_err)?
                .into_iter()
                .map(|i| i as u32)
                .collect();
                let (cands, _, rows) = sub.features(&query, self.candidates, &negatives)?;
                if !cands.contains(&case.target) {
                    continue;
                }
                for j in cands.iter().chain(&negatives) {
                    y.push(if *j == case.target { 1.0 } else { 0.0 });
                }
                sizes.push(cands.len() + negatives.len());
                x.extend_from_slice(&rows);
            }
        }
        let signals = Signals::fit(data, catalogue, self)?;
        if y.is_empty() {
            return Ok(MlpRerank {
                config: self.clone(),
                signals,
                net: None,
                training_rows: 0,
            });
        }
        let width = signals.width();
        let (mean, sd) = column_stats(&x, width);
        standardise_rows(&mut x, &mean, &sd);
        let xs = ArrayView2::from_shape((y.len(), width), &x).map_err(|_| {
            model_err(ModelError::ShapeMismatch {
                what: "features",
                got: vec![x.len()],
                expected: vec![y.len(), width],
            })
        })?;
        let plain = Dataset::new(xs, ArrayView1::from(&y)).map_err(model_err)?;
        // Listwise: one group per case (batches and the early-stopping split of whole cases); the pointwise
        // losses keep the ungrouped rows (their batches and split are unchanged).
        let other = match self.loss {
            Loss::ListwiseSoftmax => Loss::BinaryCrossEntropy,
            _ => Loss::ListwiseSoftmax,
        };
        let mut runs: Vec<(u64, Loss)> = (0..self.ensemble)
            .map(|m| {
                // The first network keeps the configured seed, so `ensemble = 1` is the single re-ranker.
                let seed = if m == 0 {
                    self.seed
                } else {
                    splitmix(self.seed, 0xE45E_0000 + m as u64)
                };
                (seed, self.loss)
            })
            .collect();
        if self.partner {
            runs.push((self.seed, other));
        }
        // Grouped only when a listwise network is trained (wasm32 without `models` has no grouped training).
        let grouped = if runs.iter().any(|r| r.1.is_listwise()) {
            Some(plain.clone().with_groups(&sizes).map_err(model_err)?)
        } else {
            None
        };
        let mut nets = Vec::with_capacity(runs.len());
        for (seed, loss) in runs {
            let listwise = loss.is_listwise();
            let dataset = match &grouped {
                Some(g) if listwise => g,
                _ => &plain,
            };
            let validate = if listwise {
                sizes.len() >= 10
            } else {
                y.len() >= 100
            };
            let mut mlp = MlpConfig::new()
                .hidden(&self.hidden)
                .seed(seed)
                .build(width)
                .map_err(model_err)?;
            let train = TrainConfig::new()
                .epochs(self.epochs)
                .batch_size(256)
                .learning_rate(1e-3)
                .weight_decay(1e-5)
                .seed(seed)
                .loss(loss)
                .validation_fraction(if validate { 0.1 } else { 0.0 })
                .patience(Some(3));
            Trainer::new(&mlp, train)
                .map_err(model_err)?
                .fit(&mut mlp, dataset)
                .map_err(model_err)?;
            nets.push(mlp);
        }
        Ok(MlpRerank {
            config: self.clone(),
            signals,
            net: Some((nets, mean, sd)),
            training_rows: y.len(),
        })
    }
}

/// Per-column mean and SD (SD 1 for a constant column).
fn column_stats(x: &[f32], width: usize) -> (Vec<f32>, Vec<f32>) {
    let rows = (x.len() / width).max(1) as f64;
    let mut mean = vec![0f64; width];
    for row in x.chunks_exact(width) {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += f64::from(v);
        }
    }
    mean.iter_mut().for_each(|m| *m /= rows);
    let mut var = vec![0f64; width];
    for row in x.chunks_exact(width) {
        for ((s, &v), m) in var.iter_mut().zip(row).zip(&mean) {
            *s += (f64::from(v) - m).powi(2);
        }
    }
    let sd = var
        .iter()
        .map(|v| {
            let s = (v / rows).sqrt();
            if s > 1e-9 && s.is_finite() {
                s as f32
            } else {
                1.0
            }
        })
        .collect();
    (mean.into_iter().map(|m| m as f32).collect(), sd)
}

fn standardise_rows(x: &mut [f32], mean: &[f32], sd: &[f32]) {
    for row in x.chunks_exact_mut(mean.len()) {
        for ((v, m), s) in row.iter_mut().zip(mean).zip(sd) {
            *v = (*v - m) / s;
        }
    }
}

/// Fitted re-ranker: the signals, and the network with its column mean and SD.
#[derive(Debug, Clone)]
pub struct MlpRerank {
    config: MlpRerankConfig,
    signals: Signals,
    net: Option<(Vec<Mlp>, Vec<f32>, Vec<f32>)>,
    training_rows: usize,
}

impl MlpRerank {
    /// Rows the network was trained on (0: it fell back to the hybrid).
    pub fn training_rows(&self) -> usize {
        self.training_rows
    }
}

impl Scorer for MlpRerank {
    fn name(&self) -> &'static str {
        self.config.name
    }

    fn n_items(&self) -> usize {
        self.signals.popularity.len()
    }

    fn score_into(&self, query: &Query<'_>, out: &mut [f32]) -> Result<(), ScorerError> {
        check_len(out, self.n_items())?;
        let Some((nets, mean, sd)) = &self.net else {
            return self.signals.hybrid.score_into(query, out);
        };
        let (cands, blend, mut rows) = self.signals.features(query, self.config.candidates, &[])?;
        if cands.is_empty() {
            // Every item is an input: nothing to re-rank.
            out.copy_from_slice(&blend);
            return Ok(());
        }
        standardise_rows(&mut rows, mean, sd);
        let finite = |z: f32| {
            if z.is_finite() {
                z.clamp(-1e4, 1e4)
            } else {
                -1e4
            }
        };
        // The ensemble's networks first, then (with `partner`) the other objective's network.
        let (members, partner) = match nets.split_last() {
            Some((last, rest)) if self.config.partner => (rest, Some(last)),
            _ => (&nets[..], None),
        };
        let mut logits = vec![0f32; cands.len()];
        for mlp in members {
            let l = mlp.logits_slice(&rows, cands.len()).map_err(model_err)?;
            for (s, z) in logits.iter_mut().zip(l) {
                *s += z;
            }
        }
        let share = 1.0 / members.len().max(1) as f32;
        let mut logits: Vec<f32> = logits.into_iter().map(|z| finite(z * share)).collect();
        if let Some(p) = partner {
            let mut other: Vec<f32> = p
                .logits_slice(&rows, cands.len())
                .map_err(model_err)?
                .into_iter()
                .map(finite)
                .collect();
            super::standardise(&mut logits);
            super::standardise(&mut other);
            for (z, o) in logits.iter_mut().zip(&other) {
                *z = 0.5 * (*z + o);
            }
        }
        if self.config.blend > 0.0 {
            let mut b: Vec<f32> = cands
                .iter()
                .map(|&j| blend.get(j as usize).copied().unwrap_or(0.0))
                .collect();
            super::standardise(&mut b);
            super::standardise(&mut logits);
            for (z, v) in logits.iter_mut().zip(&b) {
                *z += self.config.blend * v;
            }
        }
        let low = logits.iter().copied().fold(f32::INFINITY, f32::min);
        let low = if low.is_finite() { low } else { 0.0 };
        let top = blend.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        for (o, &b) in out.iter_mut().zip(&blend) {
            *o = low - 1.0 - (top - b);
        }
        for (&j, &z) in cands.iter().zip(&logits) {
            if let Some(o) = out.get_mut(j as usize) {
                *o = z;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interactions::InteractionsBuilder;

    /// Baskets where `a` goes with `b` and `c` with `d`, plus noise items.
    fn data(n: usize) -> Interactions {
        let mut b = InteractionsBuilder::new();
        for s in 0..n {
            let name = format!("s{s}");
            let (x, y) = if s % 2 == 0 { ("a", "b") } else { ("c", "d") };
            for it in [x, y, &format!("n{}", s % 7)] {
                b.push(None, &name, it, 1.0, 0).unwrap();
            }
        }
        b.build()
    }

    /// The model's scores of every item for an anonymous query with `context`.
    fn scores(m: &MlpRerank, n_items: usize, context: &[u32]) -> Vec<f32> {
        let mut out = vec![0.0; n_items];
        m.score_into(
            &Query {
                history: &[],
                context,
            },
            &mut out,
        )
        .unwrap();
        out
    }

    #[test]
    fn learns_to_complete_baskets_and_is_seeded() {
        let x = data(300);
        let m = MlpRerankConfig::default().fit(&x, &[]).unwrap();
        assert!(m.training_rows() > 0);
        let id = |s: &str| x.items().get(s).unwrap();
        let mut out = scores(&m, x.n_items(), &[id("a")]);
        let best = top_k(&out, &[], 1, |i| i == id("a"))[0].0;
        assert_eq!(best, id("b"));
        assert!(out.iter().all(|v| v.is_finite()));
        let again = MlpRerankConfig::default().fit(&x, &[]).unwrap();
        assert_eq!(out, scores(&again, x.n_items(), &[id("a")]));
        // A query whose inputs are the whole catalogue leaves no candidate and still scores every item.
        let all: Vec<u32> = (0..x.n_items() as u32).collect();
        m.score_into(
            &Query {
                history: &[],
                context: &all,
            },
            &mut out,
        )
        .unwrap();
        assert!(out.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn ensemble_averages_seeded_networks() {
        let x = data(200);
        let id = |s: &str| x.items().get(s).unwrap();
        let score = |c: &MlpRerankConfig| {
            let m = c.fit(&x, &[]).unwrap();
            scores(&m, x.n_items(), &[id("c")])
        };
        // Few epochs keep the test fast; the basket pairs are learnt within them.
        let single = MlpRerankConfig {
            epochs: 4,
            ..MlpRerankConfig::default()
        };
        let three = MlpRerankConfig {
            ensemble: 3,
            ..single.clone()
        };
        let a = score(&three);
        // Seeded: the same config gives the same scores; more networks give different ones.
        assert_eq!(a, score(&three));
        assert_ne!(a, score(&single));
        let best = top_k(&a, &[], 1, |i| i == id("c"))[0].0;
        assert_eq!(best, id("d"));
        assert!(a.iter().all(|v| v.is_finite()));
        // One network unless asked: `ensemble = 1` is the single re-ranker.
        assert_eq!(MlpRerankConfig::default().ensemble, 1);
        assert_eq!(MlpRerankConfig::hybrid_default().ensemble, 1);
        for bad in [0, 17] {
            let c = MlpRerankConfig {
                ensemble: bad,
                ..MlpRerankConfig::default()
            };
            assert!(c.fit(&x, &[]).unwrap_err().to_string().contains("ensemble"));
        }
    }

    #[test]
    fn listwise_training_learns_baskets_too_and_is_seeded() {
        let x = data(300);
        let id = |s: &str| x.items().get(s).unwrap();
        let query = [id("c")];
        let score = |c: &MlpRerankConfig| {
            let m = c.fit(&x, &[]).unwrap();
            (m.training_rows(), scores(&m, x.n_items(), &query))
        };
        let listwise = MlpRerankConfig {
            loss: Loss::ListwiseSoftmax,
            ..MlpRerankConfig::default()
        };
        let (rows, a) = score(&listwise);
        assert!(rows > 0);
        assert_eq!(top_k(&a, &[], 1, |i| i == id("c"))[0].0, id("d"));
        assert!(a.iter().all(|v| v.is_finite()));
        assert_eq!((rows, a.clone()), score(&listwise), "seeded");
        let (bce_rows, bce) = score(&MlpRerankConfig::default());
        assert_eq!(bce_rows, rows, "the same training rows, another objective");
        assert_ne!(a, bce);
        // `mlp` is the BCE re-ranker; the default `hybrid` trains listwise.
        assert_eq!(MlpRerankConfig::default().loss, Loss::BinaryCrossEntropy);
        assert_eq!(
            MlpRerankConfig::hybrid_default().loss,
            Loss::ListwiseSoftmax
        );
    }

    #[test]
    fn several_cases_per_row_hold_out_distinct_items_and_one_is_the_single_case() {
        // Anonymous baskets of 3 items and named users with 4 items in time order.
        let mut b = InteractionsBuilder::new();
        for s in 0..40 {
            for (t, it) in ["a", "b", &format!("n{}", s % 5)].into_iter().enumerate() {
                b.push(None, &format!("s{s}"), it, 1.0, t as i64).unwrap();
            }
        }
        for u in 0..10 {
            for t in 0..4 {
                let name = format!("u{u}");
                b.push(
                    Some(&name),
                    &name,
                    &format!("m{}", (u + t) % 6),
                    1.0,
                    t as i64,
                )
                .unwrap();
            }
        }
        let x = b.build();
        let cases = |per_row: usize| -> Vec<Fold> { internal_folds(&x, 5, 5_000, per_row, 7) };
        let one = cases(1);
        let three = cases(3);
        let five = cases(5);
        let count = |f: &[Fold]| f.iter().map(|c| c.0.len()).sum::<usize>();
        // One case per row; 3 per row; at most all of a basket's items and a user's items but the first.
        assert_eq!(count(&one), 50);
        assert_eq!(count(&three), 40 * 3 + 10 * 3);
        assert_eq!(count(&five), 40 * 3 + 10 * 3);
        for (f1, f3) in one.iter().zip(&three) {
            // The first case of each row is the single-case split's (same target, same input).
            let firsts: Vec<(u32, &[u32], usize)> =
                f3.0.iter()
                    .zip(&f3.1)
                    .filter(|(_, (r, _))| f3.1.iter().position(|e| e.0 == *r).is_some())
                    .map(|(c, _)| (c.target, &c.context[..], c.history.len()))
                    .collect();
            for c in &f1.0 {
                assert!(firsts.contains(&(c.target, &c.context[..], c.history.len())));
            }
            for (c, &(r, t)) in f3.0.iter().zip(&f3.1) {
                assert_eq!(c.target, t, "every target is removed from its fold");
                let row: Vec<u32> = x.history(r).iter().map(|e| e.0).collect();
                if c.history.is_empty() {
                    // A basket case: the rest of the basket, in its order, is the context.
                    let rest: Vec<u32> = row.iter().copied().filter(|&i| i != t).collect();
                    assert_eq!(c.context, rest);
                } else {
                    // A user case: the history before the target.
                    let at = row.iter().position(|&i| i == t).unwrap();
                    assert!(at >= 1 && at + 3 >= row.len());
                    let before: Vec<u32> = c.history.iter().map(|e| e.0).collect();
                    assert_eq!(before, row[..at]);
                }
            }
            // A row's targets are distinct.
            let mut removed = f3.1.clone();
            removed.sort_unstable();
            removed.dedup();
            assert_eq!(removed.len(), f3.1.len());
        }
        assert_eq!(three.len(), one.len());
        // The model trains on them, seeded; the knob is checked.
        let c = MlpRerankConfig {
            cases_per_row: 3,
            epochs: 4,
            ..MlpRerankConfig::hybrid_default()
        };
        let m = c.fit(&x, &[]).unwrap();
        let single = MlpRerankConfig {
            cases_per_row: 1,
            ..c.clone()
        }
        .fit(&x, &[])
        .unwrap();
        assert!(m.training_rows() > single.training_rows());
        let id = |s: &str| x.items().get(s).unwrap();
        let a = scores(&m, x.n_items(), &[id("a")]);
        assert!(a.iter().all(|v| v.is_finite()));
        assert_eq!(a, scores(&c.fit(&x, &[]).unwrap(), x.n_items(), &[id("a")]));
        // `mlp` keeps one case per row; the default `hybrid` trains on three.
        assert_eq!(MlpRerankConfig::default().cases_per_row, 1);
        assert_eq!(MlpRerankConfig::hybrid_default().cases_per_row, 3);
        for bad in [0, 17] {
            let c = MlpRerankConfig {
                cases_per_row: bad,
                ..MlpRerankConfig::default()
            };
            let e = c.fit(&x, &[]).unwrap_err().to_string();
            assert!(
                e.contains("cases_per_row") && e.contains(&bad.to_string()),
                "{e}"
            );
        }
    }

    #[test]
    fn basket_features_count_covering_inputs_and_shared_categories() {
        let x = data(300);
        let id = |s: &str| x.items().get(s).unwrap();
        let item = Item::new;
        let catalogue = vec![
            item("a", "x/1"),
            item("b", "x/1"),
            item("c", "y"),
            item("n1", "y"),
        ];
        let on = MlpRerankConfig {
            basket_features: true,
            ..MlpRerankConfig::hybrid_default()
        };
        let signals = Signals::fit(&x, &catalogue, &on).unwrap();
        assert_eq!(signals.width(), WIDTH + BASKET_WIDTH);
        let query = Query {
            history: &[],
            context: &[id("a"), id("c")],
        };
        let (cands, _, rows) = signals.features(&query, 50, &[]).unwrap();
        assert_eq!(rows.len(), cands.len() * signals.width());
        let row = |j: u32| {
            let k = cands.iter().position(|&c| c == j).unwrap();
            &rows[k * signals.width()..(k + 1) * signals.width()]
        };
        // b goes with a only (half the inputs), and shares a's category; n1 shares c's.
        assert_eq!(row(id("b"))[WIDTH..], [0.5, 0.5]);
        assert_eq!(row(id("n1"))[WIDTH + 1], 0.5);
        assert!(rows.iter().all(|v| v.is_finite()));
        // Off by default: the usual width; the model trains and scores with them, seeded.
        assert!(!MlpRerankConfig::hybrid_default().basket_features);
        let off = Signals::fit(&x, &catalogue, &MlpRerankConfig::hybrid_default()).unwrap();
        assert_eq!(off.width(), WIDTH);
        let m = on.fit(&x, &catalogue).unwrap();
        let a = scores(&m, x.n_items(), &[id("c")]);
        assert_eq!(top_k(&a, &[], 1, |i| i == id("c"))[0].0, id("d"));
        assert_eq!(
            a,
            scores(&on.fit(&x, &catalogue).unwrap(), x.n_items(), &[id("c")])
        );
        // Without a catalogue the category share is 0, and the features stay finite.
        let bare = Signals::fit(&x, &[], &on).unwrap();
        let (_, _, rows) = bare.features(&query, 50, &[]).unwrap();
        assert!(rows.chunks(bare.width()).all(|r| r[WIDTH + 1] == 0.0));
    }

    #[test]
    fn a_partner_network_with_the_other_objective_joins_the_score() {
        let x = data(300);
        let id = |s: &str| x.items().get(s).unwrap();
        let fit = |c: &MlpRerankConfig| c.fit(&x, &[]).unwrap();
        for base in [
            MlpRerankConfig::hybrid_default(),
            MlpRerankConfig::default(),
        ] {
            let with = MlpRerankConfig {
                partner: true,
                epochs: 4,
                ..base.clone()
            };
            let without = MlpRerankConfig {
                partner: false,
                ..with.clone()
            };
            let m = fit(&with);
            let nets = m.net.as_ref().map_or(0, |n| n.0.len());
            assert_eq!(nets, 2, "the configured network and its partner");
            // The partner is exactly the other objective's network (same rows, same seed).
            let other = fit(&MlpRerankConfig {
                loss: match base.loss {
                    Loss::ListwiseSoftmax => Loss::BinaryCrossEntropy,
                    _ => Loss::ListwiseSoftmax,
                },
                ..without.clone()
            });
            assert_eq!(
                m.net.as_ref().map(|n| &n.0[1]),
                other.net.as_ref().map(|n| &n.0[0])
            );
            let a = scores(&m, x.n_items(), &[id("c")]);
            assert!(a.iter().all(|v| v.is_finite()));
            assert_eq!(top_k(&a, &[], 1, |i| i == id("c"))[0].0, id("d"));
            assert_eq!(a, scores(&fit(&with), x.n_items(), &[id("c")]), "seeded");
            assert_ne!(a, scores(&fit(&without), x.n_items(), &[id("c")]));
        }
        assert!(!MlpRerankConfig::hybrid_default().partner);
    }

    #[test]
    fn tiny_data_falls_back_to_the_hybrid_and_config_is_checked() {
        let mut b = InteractionsBuilder::new();
        for s in ["1", "2", "3"] {
            b.push(None, s, &format!("i{s}"), 1.0, 0).unwrap();
        }
        let x = b.build();
        let m = MlpRerankConfig::default().fit(&x, &[]).unwrap();
        assert_eq!(m.training_rows(), 0);
        let mut out = vec![0.0; x.n_items()];
        m.score_into(&Query::default(), &mut out).unwrap();
        assert!(out.iter().all(|v| v.is_finite()));
        let bad = MlpRerankConfig {
            folds: 1,
            ..Default::default()
        };
        assert!(bad.fit(&x, &[]).unwrap_err().to_string().contains("folds"));
    }
}
