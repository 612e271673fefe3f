//! `alsobuy evaluate`: every model on a public dataset, a Markdown table with bootstrap CIs.
//!
//! Protocols (see [`crate::eval::split`]): Groceries — 20% of baskets held out (seeded), one item per basket
//! left out, the rest is the context, anonymous queries; MovieLens-100K — leave-last-out by timestamp, the
//! user's history is the query and is excluded from the ranking. Both rank the full catalogue.
//! `--validation` (or `--validation-seed N`) evaluates instead on a split of the *training* part made the same
//! way (Groceries: seed + 1, or N), which is what tuning uses; the test cases stay unseen.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};

use super::datasets::{default_groceries_dir, default_ml100k_dir, load_groceries, load_ml100k};
use super::CliError;
use crate::catalog::Item;
use crate::eval::metrics::bootstrap;
use crate::eval::split::{
    basket_holdout, basket_kfold, leave_last_out, prepare, Prepared, RawEvent, RawSplit,
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
    /// Split seed (Groceries) and bootstrap seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
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
    /// Print only one TSV line per model (name, HR, MRR, NDCG) — for tuning scripts.
    #[arg(long)]
    pub tsv: bool,
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
) -> Result<Box<dyn Scorer>, CliError> {
    let usage = |e: crate::scorers::ScorerError| CliError::Usage(format!("{name}: {e}"));
    Ok(match name {
        "blend" => Box::new(hybrid_config(&a.overrides)?.fit(data).map_err(usage)?),
        "mlp" => Box::new(
            mlp_config(&a.overrides, a.seed, MlpRerankConfig::default())?
                .fit(data, attrs)
                .map_err(usage)?,
        ),
        "hybrid" => Box::new(
            mlp_config(&a.overrides, a.seed, MlpRerankConfig::hybrid_default())?
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
            let mut c = mlp_config(&a.overrides, a.seed, base)?;
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
        other => fit_with_catalogue(other, data, attrs, a.seed)
            .map_err(|e: FitError| CliError::Usage(e.to_string()))?,
    })
}

fn split(dataset: Dataset, events: &[RawEvent], seed: u64) -> RawSplit {
    match dataset {
        Dataset::Groceries => basket_holdout(events, 0.2, seed),
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
    let (events, catalogue, attrs) = match a.dataset {
        Dataset::Groceries => {
            load_groceries(&a.data_dir.clone().unwrap_or_else(default_groceries_dir))?
        }
        Dataset::Ml100k => load_ml100k(&a.data_dir.clone().unwrap_or_else(default_ml100k_dir))?,
    };
    let splits: Vec<RawSplit> = match a.folds {
        Some(k) if k >= 2 && a.dataset == Dataset::Groceries => (0..k)
            .map(|f| basket_kfold(&events, k, f, a.seed))
            .collect(),
        Some(_) => {
            return Err(CliError::Usage(
                "--folds needs K >= 2 and --dataset groceries".into(),
            ))
        }
        None => {
            let mut s = split(a.dataset, &events, a.seed);
            if let Some(v) = validation_seed(a) {
                s = split(a.dataset, &s.train, v);
            }
            vec![s]
        }
    };
    let mut runs: Vec<(ModelRun, f64)> = Vec::new();
    let mut pooled: Option<Prepared> = None;
    for s in &splits {
        let data: Prepared = prepare(s, &catalogue).map_err(|e| CliError::Usage(e.to_string()))?;
        for (m, name) in a.models.iter().enumerate() {
            let t = Instant::now();
            let model = fit(name, &data.train, &attrs, a)?;
            let fit_s = t.elapsed().as_secs_f64();
            let r = run_model(model.as_ref(), &data, a.k)
                .map_err(|e| CliError::Usage(e.to_string()))?;
            match runs.get_mut(m) {
                Some((run, secs)) => {
                    run.ranks.extend(r.ranks);
                    run.lists.extend(r.lists);
                    *secs += fit_s;
                }
                None => runs.push((r, fit_s)),
            }
        }
        match &mut pooled {
            Some(p) => p.cases.extend(data.cases),
            None => pooled = Some(data),
        }
    }
    let Some(data) = pooled else {
        return Err(CliError::Usage("no split to evaluate".into()));
    };
    let pop: Vec<f32> = data.train.popularity().iter().map(|&c| c as f32).collect();
    if a.tsv {
        for (r, _) in &runs {
            let m = |v: Vec<f64>| v.iter().sum::<f64>() / v.len().max(1) as f64;
            println!(
                "{}\t{:.5}\t{:.5}\t{:.5}",
                r.model,
                m(r.hits(a.k)),
                m(r.rr(a.k)),
                m(r.ndcg(a.k))
            );
        }
        return Ok(());
    }
    print!("{}", table(a, &data, &runs, &pop));
    Ok(())
}

fn table(a: &EvaluateArgs, data: &Prepared, runs: &[(ModelRun, f64)], pop: &[f32]) -> String {
    let k = a.k;
    let mut out = String::new();
    let name = match a.dataset {
        Dataset::Groceries if a.folds.is_some() => {
            "Groceries (K-fold over baskets, every basket held out once, leave-one-item-out)"
        }
        Dataset::Groceries => "Groceries (20% held-out baskets, leave-one-item-out)",
        Dataset::Ml100k => "MovieLens-100K (leave-last-out by timestamp, history excluded)",
    };
    let _ = writeln!(
        out,
        "### {name}{}\n\n{} cases, {} items, {} training rows (users or baskets) with {} interactions; full-catalogue ranking; seed {}; 95% bootstrap CIs ({} resamples)\n",
        match validation_seed(a) {
            Some(v) => format!(" — VALIDATION split (seed {v})"),
            None => String::new(),
        },
        data.cases.len(),
        data.train.n_items(),
        data.train.n_rows(),
        data.train.nnz(),
        a.seed,
        a.resamples
    );
    let _ = writeln!(
        out,
        "| model | HR@{k} | MRR@{k} | NDCG@{k} | coverage | pop. percentile | fit s |\n|---|---|---|---|---|---|---|"
    );
    for (r, fit_s) in runs {
        let s = r.summary(k, pop, a.resamples, a.seed);
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
                let e = bootstrap(&x, Some(&y), a.resamples, 0.95, a.seed);
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
    }
}
