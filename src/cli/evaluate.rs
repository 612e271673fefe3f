//! `alsobuy evaluate`: every model on a public dataset, a Markdown table with bootstrap CIs.
//!
//! Protocols (see [`crate::eval::split`]): Groceries — 20% of baskets held out (seeded), one item per basket
//! left out, the rest is the context, anonymous queries; MovieLens-100K — leave-last-out by timestamp, the
//! user's history is the query and is excluded from the ranking. Both rank the full catalogue.
//! `--validation` (or `--validation-seed N`) evaluates instead on a split of the *training* part made the same
//! way (Groceries: seed + 1, or N), which is what tuning uses; the test cases stay unseen.
//! `--model-seeds LIST` fits every seeded model once per model seed (the split and the bootstrap stay on
//! `--seed`) and adds the over-seeds summaries of [`crate::eval::seeds`].
//! `--holdout each` (Groceries) makes every distinct item of each held-out basket a case in turn (same
//! baskets as `one`); the bootstrap then resamples baskets ([`crate::eval::metrics::bootstrap_clustered`]).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};

use super::datasets::{default_groceries_dir, default_ml100k_dir, load_groceries, load_ml100k};
use super::CliError;
use crate::catalog::Item;
use crate::eval::metrics::{bootstrap_clustered, Estimate};
use crate::eval::seeds::{mean_per_case, over_seeds, OverSeeds};
use crate::eval::split::{
    basket_holdout_with, basket_kfold_with, leave_last_out, prepare, Holdout as SplitHoldout,
    Prepared, RawEvent, RawSplit,
};
use crate::eval::{run as run_model, ModelRun};
use crate::interactions::Interactions;
use crate::model::Loss;
use crate::scorers::{
    fit_with_catalogue, EaseConfig, FitError, HybridConfig, ItemKnnConfig, MlpRerankConfig, Scorer,
};

/// The datasets `evaluate` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Dataset {
    /// Groceries (arules): 9,835 baskets, 169 items.
    Groceries,
    /// MovieLens-100K (fetch with scripts/fetch-movielens.sh).
    Ml100k,
}

/// Which items of a held-out basket are test cases (`--holdout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Holdout {
    /// One seeded random item per held-out basket (the protocol; one case per basket).
    #[default]
    One,
    /// Every distinct item of each held-out basket in turn, the rest of the basket as context (Groceries
    /// only); the bootstrap resamples baskets.
    Each,
}

impl From<Holdout> for SplitHoldout {
    fn from(h: Holdout) -> Self {
        match h {
            Holdout::One => SplitHoldout::One,
            Holdout::Each => SplitHoldout::Each,
        }
    }
}

/// Arguments of `alsobuy evaluate`.
#[derive(Debug, Clone, Args)]
pub struct EvaluateArgs {
    /// Which dataset.
    #[arg(long, value_enum)]
    pub dataset: Dataset,
    /// Directory of the dataset files (defaults: ../shared/data/groceries, data-cache/ml-100k).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Cut-off K.
    #[arg(long, default_value_t = 10)]
    pub k: usize,
    /// Split seed (Groceries) and bootstrap seed; also the model seed without `--model-seeds`.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Model seeds, e.g. `1,2,3` or `1-10` (inclusive ranges; comma-separated, distinct, at most 100). Every
    /// model whose fit is seeded (`mlp`, `hybrid` and their `-bce` / `-listwise` variants: the re-ranker's
    /// internal split, negatives, initialisation and batches) is fitted once per model seed; the others are
    /// deterministic and fitted once. The split and the bootstrap stay on `--seed`. The table then shows
    /// seed-averaged metrics with bootstrap CIs of the seed-averaged per-case metric, the paired bootstrap of
    /// that metric (first − other), and per model seed the paired Δ NDCG@K and Δ HR@K of the first model with
    /// their mean, sample sd, 95% Student-t interval over seeds and "ahead on n of m". With `--tsv`: the
    /// seed-averaged line per model, then one `model@seed` line per seeded model and seed. Progress on stderr.
    #[arg(long, value_parser = parse_model_seeds)]
    pub model_seeds: Option<ModelSeeds>,
    /// Comma-separated models; the first is compared against all others. Besides the model names, the
    /// evaluation-only variants `mlp-bce`, `mlp-listwise`, `hybrid-bce`, `hybrid-listwise` fix the
    /// re-ranker's training objective (binary cross-entropy or listwise softmax).
    #[arg(
        long,
        default_value = "hybrid,blend,mlp,ease,knn,cooccur,content,popular",
        value_delimiter = ','
    )]
    pub models: Vec<String>,
    /// Evaluate on the validation split carved from the training data (for tuning) instead of the test split
    /// (split seed: `--seed` + 1).
    #[arg(long)]
    pub validation: bool,
    /// Evaluate on a validation split carved from the training data with this split seed (implies
    /// `--validation`; Groceries: which training baskets are held out — MovieLens' leave-last-out is fixed).
    #[arg(long)]
    pub validation_seed: Option<u64>,
    /// Groceries only: pool the cases of a `K`-fold split of the baskets (every basket held out once, seeded
    /// by `--seed`) instead of the single 20% hold-out; for a larger, independent test set.
    #[arg(long)]
    pub folds: Option<usize>,
    /// Groceries: `one` item of each held-out basket is the target (seeded), or `each` distinct item in turn
    /// (the same held-out baskets for the same `--seed`; about 4× the cases). With `each` the bootstrap
    /// resamples baskets, not cases (a basket's cases are correlated). MovieLens' leave-last-out has one
    /// case per user: `each` is refused there.
    #[arg(long, value_enum, default_value_t = Holdout::One)]
    pub holdout: Holdout,
    /// Bootstrap resamples for the confidence intervals.
    #[arg(long, default_value_t = 2000)]
    pub resamples: usize,
    /// Overrides of the blend (also inside `hybrid` and `mlp`), e.g. `--set half_life=5 --set w_knn=0.3`, and
    /// of the re-ranker (`mlp_blend`, `mlp_candidates`, `mlp_folds`, `mlp_listwise=1`, …); for tuning, defaults
    /// otherwise.
    #[arg(long = "set")]
    pub overrides: Vec<String>,
    /// EASE λ of the `ease` baseline (default: the model default).
    #[arg(long)]
    pub ease_lambda: Option<f64>,
    /// Neighbours of the `knn` baseline.
    #[arg(long)]
    pub knn_neighbours: Option<usize>,
    /// Shrinkage of the `knn` baseline.
    #[arg(long)]
    pub knn_shrink: Option<f32>,
    /// Print only one TSV line per model (name, HR, MRR, NDCG) — for tuning scripts (with `--model-seeds`,
    /// also `model@seed` lines).
    #[arg(long)]
    pub tsv: bool,
}

/// The model seeds of `--model-seeds`, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSeeds(pub Vec<u64>);

/// The most model seeds `--model-seeds` accepts.
const MAX_MODEL_SEEDS: usize = 100;

/// Parses `--model-seeds`: comma-separated seeds or inclusive ranges `A-B`, distinct, 1 to 100 of them.
fn parse_model_seeds(s: &str) -> Result<ModelSeeds, String> {
    let mut seeds: Vec<u64> = Vec::new();
    for part in s.split(',').map(str::trim) {
        let num = |x: &str| {
            x.trim()
                .parse::<u64>()
                .map_err(|_| format!("not a seed: {x:?} (expected a non-negative integer)"))
        };
        let (lo, hi) = match part.split_once('-') {
            Some((a, b)) => (num(a)?, num(b)?),
            None => {
                let v = num(part)?;
                (v, v)
            }
        };
        if lo > hi {
            return Err(format!("empty range {part:?}: {lo} > {hi}"));
        }
        if hi - lo >= MAX_MODEL_SEEDS as u64 || seeds.len() + (hi - lo) as usize >= MAX_MODEL_SEEDS
        {
            return Err(format!(
                "too many seeds in {s:?}: at most {MAX_MODEL_SEEDS}"
            ));
        }
        for v in lo..=hi {
            if seeds.contains(&v) {
                return Err(format!("seed {v} given twice in {s:?}"));
            }
            seeds.push(v);
        }
    }
    Ok(ModelSeeds(seeds))
}

/// Whether fitting the model `name` (as [`fit`] does it) depends on the seed. Checked against the scorers:
/// only the re-ranker (`src/scorers/mlp.rs`) draws random numbers; the unit test below fits every model with
/// two seeds to keep this list honest.
fn is_seeded(name: &str) -> bool {
    matches!(
        name,
        "mlp" | "hybrid" | "mlp-bce" | "mlp-listwise" | "hybrid-bce" | "hybrid-listwise"
    )
}

fn hybrid_config(overrides: &[String]) -> Result<HybridConfig, CliError> {
    let mut c = HybridConfig::default();
    for o in overrides {
        let (key, value) = o
            .split_once('=')
            .ok_or_else(|| CliError::Usage(format!("--set {o:?}: expected key=value")))?;
        let v: f64 = value
            .parse()
            .map_err(|_| CliError::Usage(format!("--set {key}: not a number: {value:?}")))?;
        let f = v as f32;
        match key {
            "lambda" => c.lambda = v,
            "dropout" => c.dropout = v,
            "row_norm" => c.row_norm = v,
            "half_life" => c.half_life = f,
            "floor" => c.floor = f,
            "max_history" => c.max_history = v as usize,
            "context_weight" => c.context_weight = f,
            "w_ease" => c.w_ease = f,
            "w_knn" => c.w_knn = f,
            "w_pop" => c.w_pop = f,
            "w_nb" => c.w_nb = f,
            "w_co" => c.w_co = f,
            "nb_beta" => c.nb_beta = f,
            "nb_prior" => c.nb_prior = f,
            "w_repeat" => c.w_repeat = f,
            "knn_neighbours" => c.knn = c.knn.neighbours(v as usize),
            "knn_shrink" => c.knn = c.knn.shrink(f),
            k if k.starts_with("mlp_") => {}
            _ => return Err(CliError::Usage(format!("--set: unknown key {key:?}"))),
        }
    }
    Ok(c)
}

fn mlp_config(
    overrides: &[String],
    seed: u64,
    base: MlpRerankConfig,
) -> Result<MlpRerankConfig, CliError> {
    let mut c = MlpRerankConfig {
        hybrid: hybrid_config(overrides)?,
        ..base
    }
    .seed(seed);
    for o in overrides {
        let Some((key, value)) = o.split_once('=') else {
            continue;
        };
        let v: f64 = value
            .parse()
            .map_err(|_| CliError::Usage(format!("--set {key}: not a number: {value:?}")))?;
        match key {
            "mlp_candidates" => c.candidates = v as usize,
            "mlp_folds" => c.folds = v as usize,
            "mlp_pop_negatives" => c.pop_negatives = v as usize,
            "mlp_epochs" => c.epochs = v as usize,
            "mlp_max_cases" => c.max_cases = v as usize,
            "mlp_cases_per_row" => c.cases_per_row = v as usize,
            "mlp_basket_features" => c.basket_features = v != 0.0,
            "mlp_partner" => c.partner = v != 0.0,
            "mlp_blend" => c.blend = v as f32,
            "mlp_ensemble" => c.ensemble = v as usize,
            "mlp_listwise" => {
                c.loss = if v == 0.0 {
                    Loss::BinaryCrossEntropy
                } else {
                    Loss::ListwiseSoftmax
                }
            }
            "mlp_hidden" => c.hidden = vec![v as usize, (v as usize / 2).max(1)],
            _ => {}
        }
    }
    Ok(c)
}

fn fit(
    name: &str,
    data: &Interactions,
    attrs: &[Item],
    a: &EvaluateArgs,
    seed: u64,
) -> Result<Box<dyn Scorer>, CliError> {
    let usage = |e: crate::scorers::ScorerError| CliError::Usage(format!("{name}: {e}"));
    Ok(match name {
        "blend" => Box::new(hybrid_config(&a.overrides)?.fit(data).map_err(usage)?),
        "mlp" => Box::new(
            mlp_config(&a.overrides, seed, MlpRerankConfig::default())?
                .fit(data, attrs)
                .map_err(usage)?,
        ),
        "hybrid" => Box::new(
            mlp_config(&a.overrides, seed, MlpRerankConfig::hybrid_default())?
                .fit(data, attrs)
                .map_err(usage)?,
        ),
        // Evaluation-only variants: the re-ranker models with their training objective fixed (after the
        // `--set` overrides), so one run compares both objectives on the same cases, paired.
        "mlp-bce" | "mlp-listwise" | "hybrid-bce" | "hybrid-listwise" => {
            let (base, name) = match name {
                "mlp-bce" => (MlpRerankConfig::default(), "mlp-bce"),
                "mlp-listwise" => (MlpRerankConfig::default(), "mlp-listwise"),
                "hybrid-bce" => (MlpRerankConfig::hybrid_default(), "hybrid-bce"),
                _ => (MlpRerankConfig::hybrid_default(), "hybrid-listwise"),
            };
            let mut c = mlp_config(&a.overrides, seed, base)?;
            c.name = name;
            c.loss = if name.ends_with("-bce") {
                Loss::BinaryCrossEntropy
            } else {
                Loss::ListwiseSoftmax
            };
            Box::new(c.fit(data, attrs).map_err(usage)?)
        }
        "ease" => {
            let mut c = EaseConfig::default();
            if let Some(l) = a.ease_lambda {
                c = c.lambda(l);
            }
            Box::new(c.fit(data).map_err(usage)?)
        }
        "knn" => {
            let mut c = ItemKnnConfig::default();
            if let Some(n) = a.knn_neighbours {
                c = c.neighbours(n);
            }
            if let Some(s) = a.knn_shrink {
                c = c.shrink(s);
            }
            Box::new(c.fit(data).map_err(usage)?)
        }
        other => fit_with_catalogue(other, data, attrs, seed)
            .map_err(|e: FitError| CliError::Usage(e.to_string()))?,
    })
}

fn split(dataset: Dataset, events: &[RawEvent], seed: u64, holdout: Holdout) -> RawSplit {
    match dataset {
        Dataset::Groceries => basket_holdout_with(events, 0.2, seed, holdout.into()),
        Dataset::Ml100k => leave_last_out(events),
    }
}

/// The validation split seed, when evaluating on validation.
fn validation_seed(a: &EvaluateArgs) -> Option<u64> {
    a.validation_seed
        .or_else(|| a.validation.then(|| a.seed.wrapping_add(1)))
}

/// Runs `alsobuy evaluate` and prints the table to stdout.
pub fn run(a: &EvaluateArgs) -> Result<(), CliError> {
    if a.k == 0 {
        return Err(CliError::Usage("--k must be at least 1".into()));
    }
    if a.holdout == Holdout::Each && a.dataset != Dataset::Groceries {
        return Err(CliError::Usage(
            "--holdout each needs --dataset groceries (MovieLens' leave-last-out has one case per user)"
                .into(),
        ));
    }
    let (events, catalogue, attrs) = match a.dataset {
        Dataset::Groceries => {
            load_groceries(&a.data_dir.clone().unwrap_or_else(default_groceries_dir))?
        }
        Dataset::Ml100k => load_ml100k(&a.data_dir.clone().unwrap_or_else(default_ml100k_dir))?,
    };
    let splits: Vec<RawSplit> = match a.folds {
        Some(k) if k >= 2 && a.dataset == Dataset::Groceries => (0..k)
            .map(|f| basket_kfold_with(&events, k, f, a.seed, a.holdout.into()))
            .collect(),
        Some(_) => {
            return Err(CliError::Usage(
                "--folds needs K >= 2 and --dataset groceries".into(),
            ))
        }
        None => {
            let mut s = split(a.dataset, &events, a.seed, a.holdout);
            if let Some(v) = validation_seed(a) {
                s = split(a.dataset, &s.train, v, a.holdout);
            }
            vec![s]
        }
    };
    let model_seeds: Vec<u64> = match &a.model_seeds {
        Some(ModelSeeds(v)) if !v.is_empty() => v.clone(),
        _ => vec![a.seed],
    };
    let progress = a.model_seeds.is_some();
    let mut runs: Vec<Runs> = Vec::new();
    let mut pooled: Option<Prepared> = None;
    for (f, s) in splits.iter().enumerate() {
        let data: Prepared = prepare(s, &catalogue).map_err(|e| CliError::Usage(e.to_string()))?;
        for (m, name) in a.models.iter().enumerate() {
            let seeds: &[u64] = if is_seeded(name) {
                &model_seeds
            } else {
                &model_seeds[..1]
            };
            for (si, &seed) in seeds.iter().enumerate() {
                let t = Instant::now();
                let model = fit(name, &data.train, &attrs, a, seed)?;
                let fit_s = t.elapsed().as_secs_f64();
                let r = run_model(model.as_ref(), &data, a.k)
                    .map_err(|e| CliError::Usage(e.to_string()))?;
                if progress {
                    eprintln!(
                        "split {}/{}: {name}{} fitted in {fit_s:.1} s, ranked in {:.1} s",
                        f + 1,
                        splits.len(),
                        if is_seeded(name) {
                            format!(" (model seed {seed}, {}/{})", si + 1, seeds.len())
                        } else {
                            String::new()
                        },
                        t.elapsed().as_secs_f64() - fit_s
                    );
                }
                if runs.len() <= m {
                    runs.push(Runs {
                        seeds: Vec::new(),
                        runs: Vec::new(),
                        fit_s: 0.0,
                        fits: 0,
                    });
                }
                let Some(entry) = runs.get_mut(m) else {
                    continue;
                };
                entry.fit_s += fit_s;
                entry.fits += 1;
                match entry.runs.get_mut(si) {
                    Some(run) => {
                        run.ranks.extend(r.ranks);
                        run.lists.extend(r.lists);
                    }
                    None => {
                        entry.seeds.push(seed);
                        entry.runs.push(r);
                    }
                }
            }
        }
        match &mut pooled {
            Some(p) => p.pool(data),
            None => pooled = Some(data),
        }
    }
    let Some(data) = pooled else {
        return Err(CliError::Usage("no split to evaluate".into()));
    };
    let pop: Vec<f32> = data.train.popularity().iter().map(|&c| c as f32).collect();
    if a.tsv {
        let line = |name: &str, hits: &[f64], rr: &[f64], ndcg: &[f64]| {
            let m = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
            println!("{name}\t{:.5}\t{:.5}\t{:.5}", m(hits), m(rr), m(ndcg));
        };
        for r in &runs {
            line(
                r.name(),
                &r.averaged(|x| x.hits(a.k)),
                &r.averaged(|x| x.rr(a.k)),
                &r.averaged(|x| x.ndcg(a.k)),
            );
        }
        if a.model_seeds.is_some() {
            for r in runs.iter().filter(|r| is_seeded(r.name())) {
                for (seed, x) in r.seeds.iter().zip(&r.runs) {
                    let name = format!("{}@{seed}", r.name());
                    line(&name, &x.hits(a.k), &x.rr(a.k), &x.ndcg(a.k));
                }
            }
        }
        return Ok(());
    }
    if a.model_seeds.is_some() {
        print!("{}", seeds_table(a, &data, &runs, &pop, &model_seeds));
    } else {
        let single: Vec<(ModelRun, f64)> = runs
            .into_iter()
            .filter_map(|r| {
                let fit_s = r.fit_s;
                r.runs.into_iter().next().map(|x| (x, fit_s))
            })
            .collect();
        print!("{}", table(a, &data, &single, &pop));
    }
    Ok(())
}

/// One model's runs: one per model seed for a seeded model, one for a deterministic model (pooled over folds).
struct Runs {
    /// The model seed of each run.
    seeds: Vec<u64>,
    /// The runs, in `seeds` order.
    runs: Vec<ModelRun>,
    /// Total fit time, seconds.
    fit_s: f64,
    /// Number of fits (seeds × folds).
    fits: usize,
}

impl Runs {
    fn name(&self) -> &str {
        self.runs.first().map_or("", |r| r.model.as_str())
    }

    /// The run of model-seed index `s` (a deterministic model's only run for every `s`).
    fn at(&self, s: usize) -> Option<&ModelRun> {
        match self.runs.as_slice() {
            [only] => Some(only),
            all => all.get(s),
        }
    }

    /// The per-case metric averaged over the seeds.
    fn averaged(&self, metric: impl Fn(&ModelRun) -> Vec<f64>) -> Vec<f64> {
        mean_per_case(&self.runs.iter().map(metric).collect::<Vec<_>>())
    }
}

fn dataset_title(a: &EvaluateArgs) -> &'static str {
    match (a.dataset, a.holdout) {
        (Dataset::Groceries, Holdout::One) if a.folds.is_some() => {
            "Groceries (K-fold over baskets, every basket held out once, leave-one-item-out)"
        }
        (Dataset::Groceries, Holdout::One) => {
            "Groceries (20% held-out baskets, leave-one-item-out)"
        }
        (Dataset::Groceries, Holdout::Each) if a.folds.is_some() => {
            "Groceries (K-fold over baskets, every basket held out once, each item in turn)"
        }
        (Dataset::Groceries, Holdout::Each) => {
            "Groceries (20% held-out baskets, each item in turn)"
        }
        (Dataset::Ml100k, _) => "MovieLens-100K (leave-last-out by timestamp, history excluded)",
    }
}

/// What the bootstrap resamples: `cases`, or with `--holdout each` baskets.
fn resampled_unit(a: &EvaluateArgs) -> &'static str {
    match a.holdout {
        Holdout::One => "cases",
        Holdout::Each => "baskets",
    }
}

/// `N cases`, and with `--holdout each` the baskets they come from and that the bootstrap resamples them.
fn cases_note(a: &EvaluateArgs, data: &Prepared) -> String {
    match a.holdout {
        Holdout::One => format!("{} cases", data.cases.len()),
        Holdout::Each => format!(
            "{} cases (every distinct item of {} held-out baskets in turn, the rest of the basket as context; the bootstrap resamples baskets, a drawn basket brings all its cases)",
            data.cases.len(),
            data.n_clusters()
        ),
    }
}

fn validation_note(a: &EvaluateArgs) -> String {
    match validation_seed(a) {
        Some(v) => format!(" — VALIDATION split (seed {v})"),
        None => String::new(),
    }
}

/// `mean [lo, hi]` of a bootstrap estimate (`signed`: with a sign).
fn est(e: Estimate, signed: bool) -> String {
    if signed {
        format!("{:+.4} [{:+.4}, {:+.4}]", e.mean, e.lo, e.hi)
    } else {
        format!("{:.4} [{:.4}, {:.4}]", e.mean, e.lo, e.hi)
    }
}

/// Compact list of seeds: runs of consecutive seeds as `a–b`.
fn seed_list(seeds: &[u64]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while let Some(&start) = seeds.get(i) {
        let mut j = i;
        while seeds.get(j + 1) == seeds.get(j).map(|v| v + 1).as_ref() {
            j += 1;
        }
        let end = seeds.get(j).copied().unwrap_or(start);
        parts.push(if j > i + 1 {
            format!("{start}–{end}")
        } else if j == i + 1 {
            format!("{start}, {end}")
        } else {
            start.to_string()
        });
        i = j + 1;
    }
    parts.join(", ")
}

/// The `--model-seeds` report: seed-averaged metrics, the paired bootstrap of the seed-averaged per-case
/// metric, and per-seed paired differences summarised over the seeds.
fn seeds_table(
    a: &EvaluateArgs,
    data: &Prepared,
    runs: &[Runs],
    pop: &[f32],
    model_seeds: &[u64],
) -> String {
    let k = a.k;
    let clusters = data.clusters();
    let mut out = String::new();
    let seeded: Vec<&str> = runs
        .iter()
        .map(Runs::name)
        .filter(|n| is_seeded(n))
        .collect();
    let _ = writeln!(
        out,
        "### {}{} — {} model seeds\n\n{}, {} items, {} training rows (users or baskets) with {} interactions; full-catalogue ranking; split and bootstrap seed {}; model seeds {} (seeded models: {}; the others are deterministic and fitted once); metrics averaged over the model seeds per case, 95% bootstrap CIs over {} ({} resamples)\n",
        dataset_title(a),
        validation_note(a),
        model_seeds.len(),
        cases_note(a, data),
        data.train.n_items(),
        data.train.n_rows(),
        data.train.nnz(),
        a.seed,
        seed_list(model_seeds),
        if seeded.is_empty() { "none".to_owned() } else { seeded.join(", ") },
        resampled_unit(a),
        a.resamples
    );
    let _ = writeln!(
        out,
        "| model | HR@{k} | MRR@{k} | NDCG@{k} | coverage | pop. percentile | fit s (mean per fit) |\n|---|---|---|---|---|---|---|"
    );
    for r in runs {
        let b = |v: Vec<f64>| {
            est(
                bootstrap_clustered(&v, None, &clusters, a.resamples, 0.95, a.seed),
                false,
            )
        };
        let stats: Vec<(f64, f64)> = r.runs.iter().map(|x| x.list_stats(pop)).collect();
        let n = stats.len().max(1) as f64;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.3} | {:.3} | {:.2} |",
            r.name(),
            b(r.averaged(|x| x.hits(k))),
            b(r.averaged(|x| x.rr(k))),
            b(r.averaged(|x| x.ndcg(k))),
            stats.iter().map(|s| s.0).sum::<f64>() / n,
            stats.iter().map(|s| s.1).sum::<f64>() / n,
            r.fit_s / r.fits.max(1) as f64
        );
    }
    let Some((first, others)) = runs.split_first() else {
        return out;
    };
    let fname = first.name();
    let _ = writeln!(
        out,
        "\nPaired bootstrap over {} of the seed-averaged per-case metric, {fname} − other (mean [95% CI]); covers {} sampling for the method trained with an arbitrary seed, averaged over these seeds:\n\n| other | ΔHR@{k} | ΔNDCG@{k} | ΔMRR@{k} |\n|---|---|---|---|",
        resampled_unit(a),
        match a.holdout {
            Holdout::One => "case",
            Holdout::Each => "basket",
        }
    );
    for r in others {
        let d = |f: &dyn Fn(&ModelRun) -> Vec<f64>| {
            est(
                bootstrap_clustered(
                    &first.averaged(f),
                    Some(&r.averaged(f)),
                    &clusters,
                    a.resamples,
                    0.95,
                    a.seed,
                ),
                true,
            )
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            r.name(),
            d(&|x| x.hits(k)),
            d(&|x| x.ndcg(k)),
            d(&|x| x.rr(k))
        );
    }
    let per_seed = |metric: &dyn Fn(&ModelRun) -> Vec<f64>, label: &str| {
        let mean = |v: Vec<f64>| v.iter().sum::<f64>() / v.len().max(1) as f64;
        // deltas[o][s]: first − other o with model seed s.
        let deltas: Vec<Vec<f64>> = others
            .iter()
            .map(|r| {
                (0..model_seeds.len())
                    .filter_map(|s| Some(mean(metric(first.at(s)?)) - mean(metric(r.at(s)?))))
                    .collect()
            })
            .collect();
        let mut t = String::new();
        let _ = writeln!(
            t,
            "\nPer model seed, Δ{label}@{k} = {fname} − other (each seeded model fitted with that seed); over the seeds: mean, sample sd, 95% Student-t interval (covers training randomness only, the cases fixed) and the seeds on which {fname} is ahead:\n"
        );
        let _ = writeln!(
            t,
            "| model seed | {} |\n|---|{}",
            others
                .iter()
                .map(Runs::name)
                .collect::<Vec<_>>()
                .join(" | "),
            "---|".repeat(others.len())
        );
        for (s, seed) in model_seeds.iter().enumerate() {
            let cells: Vec<String> = deltas
                .iter()
                .map(|d| d.get(s).map_or("—".to_owned(), |v| format!("{v:+.4}")))
                .collect();
            let _ = writeln!(t, "| {seed} | {} |", cells.join(" | "));
        }
        let sums: Vec<OverSeeds> = deltas.iter().map(|d| over_seeds(d, 0.95)).collect();
        let row = |name: &str, f: &dyn Fn(&OverSeeds) -> String| {
            format!(
                "| {name} | {} |\n",
                sums.iter().map(f).collect::<Vec<_>>().join(" | ")
            )
        };
        t += &row("**mean**", &|o| format!("**{:+.4}**", o.mean));
        t += &row("sd", &|o| {
            o.sd.map_or("—".to_owned(), |v| format!("{v:.4}"))
        });
        t += &row("95% t-interval", &|o| {
            o.interval
                .map_or("—".to_owned(), |(lo, hi)| format!("[{lo:+.4}, {hi:+.4}]"))
        });
        t += &row("ahead", &|o| format!("{} of {}", o.ahead, o.n));
        t
    };
    out += &per_seed(&|x| x.ndcg(k), "NDCG");
    out += &per_seed(&|x| x.hits(k), "HR");
    if !seeded.is_empty() {
        let _ = writeln!(
            out,
            "\nPer model seed, NDCG@{k} of the seeded models:\n\n| model seed | {} |\n|---|{}",
            seeded.join(" | "),
            "---|".repeat(seeded.len())
        );
        for (s, seed) in model_seeds.iter().enumerate() {
            let cells: Vec<String> = runs
                .iter()
                .filter(|r| is_seeded(r.name()))
                .map(|r| {
                    r.runs.get(s).map_or("—".to_owned(), |x| {
                        let v = x.ndcg(k);
                        format!("{:.4}", v.iter().sum::<f64>() / v.len().max(1) as f64)
                    })
                })
                .collect();
            let _ = writeln!(out, "| {seed} | {} |", cells.join(" | "));
        }
    }
    out
}

fn table(a: &EvaluateArgs, data: &Prepared, runs: &[(ModelRun, f64)], pop: &[f32]) -> String {
    let k = a.k;
    let clusters = data.clusters();
    let mut out = String::new();
    let name = dataset_title(a);
    let _ = writeln!(
        out,
        "### {name}{}\n\n{}, {} items, {} training rows (users or baskets) with {} interactions; full-catalogue ranking; seed {}; 95% bootstrap CIs{} ({} resamples)\n",
        validation_note(a),
        cases_note(a, data),
        data.train.n_items(),
        data.train.n_rows(),
        data.train.nnz(),
        a.seed,
        match a.holdout {
            Holdout::One => "",
            Holdout::Each => " over baskets",
        },
        a.resamples
    );
    let _ = writeln!(
        out,
        "| model | HR@{k} | MRR@{k} | NDCG@{k} | coverage | pop. percentile | fit s |\n|---|---|---|---|---|---|---|"
    );
    for (r, fit_s) in runs {
        let s = r.summary(k, pop, &clusters, a.resamples, a.seed);
        let f =
            |e: crate::eval::metrics::Estimate| format!("{:.4} [{:.4}, {:.4}]", e.mean, e.lo, e.hi);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.3} | {:.3} | {:.2} |",
            r.model,
            f(s.hr),
            f(s.mrr),
            f(s.ndcg),
            s.coverage,
            s.pop_percentile,
            fit_s
        );
    }
    if let Some((first, _)) = runs.first() {
        let _ = writeln!(
            out,
            "\nPaired differences, {} − other (mean [95% CI]); an interval above 0 means {} is better beyond resampling noise:\n\n| other | ΔHR@{k} | ΔNDCG@{k} | ΔMRR@{k} |\n|---|---|---|---|",
            first.model, first.model
        );
        for (r, _) in runs.iter().skip(1) {
            let d = |x: Vec<f64>, y: Vec<f64>| {
                let e = bootstrap_clustered(&x, Some(&y), &clusters, a.resamples, 0.95, a.seed);
                format!("{:+.4} [{:+.4}, {:+.4}]", e.mean, e.lo, e.hi)
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                r.model,
                d(first.hits(k), r.hits(k)),
                d(first.ndcg(k), r.ndcg(k)),
                d(first.rr(k), r.rr(k))
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interactions::InteractionsBuilder;
    use crate::scorers::Query;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        a: EvaluateArgs,
    }

    #[test]
    fn model_seeds_parse_lists_and_ranges() {
        let p = |s: &str| parse_model_seeds(s).map(|m| m.0);
        assert_eq!(p("1,2,3"), Ok(vec![1, 2, 3]));
        assert_eq!(p("1-10").unwrap(), (1..=10).collect::<Vec<u64>>());
        assert_eq!(p(" 7 , 1-3,42"), Ok(vec![7, 1, 2, 3, 42]));
        assert_eq!(p("5-5"), Ok(vec![5]));
        assert_eq!(p("1-100").map(|v| v.len()), Ok(100));
        assert_eq!(
            p("1-101"),
            Err("too many seeds in \"1-101\": at most 100".to_owned())
        );
        assert_eq!(
            p("0-18446744073709551615"),
            Err("too many seeds in \"0-18446744073709551615\": at most 100".to_owned())
        );
        assert_eq!(p("3-1"), Err("empty range \"3-1\": 3 > 1".to_owned()));
        assert_eq!(
            p("1,2,1"),
            Err("seed 1 given twice in \"1,2,1\"".to_owned())
        );
        assert_eq!(
            p("1,x"),
            Err("not a seed: \"x\" (expected a non-negative integer)".to_owned())
        );
        assert_eq!(
            p(""),
            Err("not a seed: \"\" (expected a non-negative integer)".to_owned())
        );
        assert!(p("-1").is_err());
        let cli =
            Cli::try_parse_from(["t", "--dataset", "ml100k", "--model-seeds", "1-3,9"]).unwrap();
        assert_eq!(cli.a.model_seeds, Some(ModelSeeds(vec![1, 2, 3, 9])));
        let err = Cli::try_parse_from(["t", "--dataset", "ml100k", "--model-seeds", "2,2"])
            .err()
            .unwrap();
        assert!(err.to_string().contains("seed 2 given twice"), "{err}");
        assert_eq!(seed_list(&[1, 2, 3, 4, 7, 9, 10, 42]), "1–4, 7, 9, 10, 42");
        assert_eq!(seed_list(&[]), "");
    }

    /// Keeps [`is_seeded`] honest: every model `evaluate` knows is fitted with two seeds; the scores differ
    /// exactly for the seeded ones.
    #[test]
    fn exactly_the_seeded_models_depend_on_the_seed() {
        let mut b = InteractionsBuilder::new();
        for s in 0..80 {
            let name = format!("s{s}");
            let (x, y) = if s % 2 == 0 { ("a", "b") } else { ("c", "d") };
            for it in [x, y, &format!("n{}", s % 7)] {
                b.push(None, &name, it, 1.0, 0).unwrap();
            }
        }
        let data = b.build();
        // Two epochs keep the debug-build test short; the seed still drives the split and initialisation.
        let a = Cli::try_parse_from(["t", "--dataset", "groceries", "--set", "mlp_epochs=2"])
            .unwrap()
            .a;
        let context = [data.items().get("a").unwrap()];
        let scores = |name: &str, seed: u64| {
            let m = fit(name, &data, &[], &a, seed).map_err(|e| e.to_string())?;
            let mut out = vec![0f32; data.n_items()];
            m.score_into(
                &Query {
                    history: &[],
                    context: &context,
                },
                &mut out,
            )
            .map_err(|e| e.to_string())?;
            Ok::<_, String>(out)
        };
        let names = [
            "popular",
            "cooccur",
            "content",
            "knn",
            "ease",
            "blend",
            "mlp",
            "hybrid",
            "mlp-bce",
            "mlp-listwise",
            "hybrid-bce",
            "hybrid-listwise",
        ];
        for name in names {
            let (one, two) = (scores(name, 1), scores(name, 2));
            assert!(one.is_ok(), "{name}: {one:?}");
            assert_eq!(one != two, is_seeded(name), "{name}");
            assert_eq!(one, scores(name, 1), "{name}: same seed, same scores");
        }
        assert!(!is_seeded("unknown"));
    }

    #[test]
    fn holdout_defaults_to_one_and_each_is_refused_on_movielens() {
        let parse = |v: &[&str]| Cli::try_parse_from(v).map(|c| c.a);
        let a = parse(&["t", "--dataset", "groceries"]).unwrap();
        assert_eq!(a.holdout, Holdout::One);
        let a = parse(&["t", "--dataset", "groceries", "--holdout", "each"]).unwrap();
        assert_eq!(a.holdout, Holdout::Each);
        assert!(parse(&["t", "--dataset", "groceries", "--holdout", "all"]).is_err());
        // Refused before any data is read (the directory does not exist).
        let a = parse(&[
            "t",
            "--dataset",
            "ml100k",
            "--holdout",
            "each",
            "--data-dir",
            "/nonexistent/alsobuy-test",
        ])
        .unwrap();
        assert_eq!(
            run(&a).unwrap_err().to_string(),
            "--holdout each needs --dataset groceries (MovieLens' leave-last-out has one case per user)"
        );
    }

    #[test]
    fn mlp_listwise_override_switches_the_objective() {
        let set = |v: &[&str]| v.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
        let base = MlpRerankConfig::hybrid_default;
        assert_eq!(
            mlp_config(&[], 42, MlpRerankConfig::default())
                .unwrap()
                .loss,
            Loss::BinaryCrossEntropy
        );
        assert_eq!(
            mlp_config(&[], 42, base()).unwrap().loss,
            Loss::ListwiseSoftmax
        );
        let on = mlp_config(&set(&["mlp_listwise=1", "mlp_blend=0.25"]), 7, base()).unwrap();
        assert_eq!(on.loss, Loss::ListwiseSoftmax);
        assert_eq!((on.blend, on.seed, on.name), (0.25, 7, "hybrid"));
        let off = mlp_config(&set(&["mlp_listwise=0"]), 42, base()).unwrap();
        assert_eq!(off.loss, Loss::BinaryCrossEntropy);
        let err = mlp_config(&set(&["mlp_listwise=yes"]), 42, base()).unwrap_err();
        assert!(err.to_string().contains("mlp_listwise"), "{err}");
        // The issue #7 knobs (docs/EVALUATION.md, "How the defaults were chosen").
        let knobs = [
            "mlp_cases_per_row=3",
            "mlp_basket_features=1",
            "mlp_partner=1",
        ];
        let c = mlp_config(&set(&knobs), 42, base()).unwrap();
        assert_eq!(
            (c.cases_per_row, c.basket_features, c.partner),
            (3, true, true)
        );
    }
}
