//! `alsobuy recommend`: the CSV contract.
//!
//! * `--events train.csv`: header `user,session,item,event,timestamp`; `event` ∈ `view`, `cart`, `purchase`
//!   (weights 1, 3, 5); `timestamp` integer seconds.
//! * `--items items.csv` (optional): header `item,category,brand,price`; brand and price may be empty; items
//!   listed here are recommendable even without events. A repeated item row keeps the first.
//! * `--queries queries.csv`: header `query,user,context`; `user` empty = anonymous (an unknown user is also
//!   treated as anonymous); `context` = space-separated item ids.
//! * `--out recs.csv`: header `query,rank,item,score`, ranks `1..=K`, exactly `K` rows per query when the
//!   catalogue (items in events or items.csv, minus exclusions) allows; never a context item; with
//!   `--exclude-history`, never an item of the user's history.
//!
//! Bad input exits with code 2 and a message naming file, line and field. The output is written to a
//! temporary file in the same directory and renamed over `--out` only when everything succeeded, so a
//! failed run leaves `--out` untouched. Memory: `O(events + catalogue + query ids)`; queries stream.

use std::collections::HashSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use super::input::{CsvFile, CsvRow};
use super::CliError;
use crate::ids::validate_id;
use crate::scorers::fitted::{DataError, ModelLimits, QueryBuffers, TrainEventKind, TrainingData};
use crate::scorers::FitError;

/// Arguments of `alsobuy recommend`.
#[derive(Debug, Clone, Args)]
pub struct RecommendArgs {
    /// Training events CSV: user,session,item,event,timestamp.
    #[arg(long)]
    pub events: PathBuf,
    /// Optional catalogue CSV: item,category,brand,price.
    #[arg(long)]
    pub items: Option<PathBuf>,
    /// Queries CSV: query,user,context.
    #[arg(long)]
    pub queries: PathBuf,
    /// Recommendations per query.
    #[arg(long, default_value_t = 10)]
    pub k: usize,
    /// Output CSV: query,rank,item,score.
    #[arg(long)]
    pub out: PathBuf,
    /// Never recommend an item from the user's history.
    #[arg(long)]
    pub exclude_history: bool,
    /// Model: popular, cooccur, content, knn, ease, blend, mlp, hybrid (default; see `alsobuy evaluate`).
    #[arg(long, default_value = "hybrid")]
    pub model: String,
    /// Seed of the models with randomness (`mlp`: its internal split, negatives and training); the others
    /// are deterministic.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// Event weight of an event kind, `None` for an unknown kind (see [`TrainEventKind`]).
pub fn event_weight(kind: &str) -> Option<f32> {
    TrainEventKind::parse(kind).ok().map(TrainEventKind::weight)
}

/// A core data error at `row` of `f`, in the field the error names.
fn row_error(f: &CsvFile, row: &CsvRow, e: &DataError) -> CliError {
    f.error(row, e.field(), e.to_string())
}

/// Reads `items.csv` into `data` (catalogue order; the first row of a repeated item), validating ids and
/// prices.
pub fn read_items(path: &Path, data: &mut TrainingData) -> Result<(), CliError> {
    let mut f = CsvFile::open(path, &["item", "category", "brand", "price"])?;
    while let Some(row) = f.next_row() {
        let row = row?;
        let item = f.get(&row, "item")?;
        let price = f.get(&row, "price")?;
        let bad_price = || {
            f.error(
                &row,
                "price",
                format!("not a finite non-negative number: {price:?}"),
            )
        };
        // Unparsable is NaN, which the core refuses (after the id, as for any bad price).
        let parsed = (!price.is_empty()).then(|| price.parse::<f64>().unwrap_or(f64::NAN));
        let category = f.get(&row, "category")?;
        let brand = f.get(&row, "brand")?;
        data.add_item(item, category, Some(brand), parsed)
            .map_err(|e| match e {
                DataError::BadPrice(_) => bad_price(),
                e => row_error(&f, &row, &e),
            })?;
    }
    Ok(())
}

/// Reads `train.csv` into `data` (after its catalogue rows, if any).
pub fn read_events(path: &Path, data: &mut TrainingData) -> Result<(), CliError> {
    let mut f = CsvFile::open(path, &["user", "session", "item", "event", "timestamp"])?;
    while let Some(row) = f.next_row() {
        let row = row?;
        let user = f.get(&row, "user")?;
        let session = f.get(&row, "session")?;
        let item = f.get(&row, "item")?;
        let event = f.get(&row, "event")?;
        let ts = f.get(&row, "timestamp")?;
        let kind = TrainEventKind::parse(event).map_err(|e| row_error(&f, &row, &e))?;
        let timestamp: i64 = ts.parse().map_err(|_| {
            f.error(
                &row,
                "timestamp",
                format!("not an integer number of seconds: {ts:?}"),
            )
        })?;
        data.add_event(Some(user), Some(session), item, kind, timestamp)
            .map_err(|e| row_error(&f, &row, &e))?;
    }
    Ok(())
}

/// Runs `alsobuy recommend`.
pub fn run(args: &RecommendArgs) -> Result<(), CliError> {
    if args.k == 0 {
        return Err(CliError::Usage("--k must be at least 1".into()));
    }
    let mut data = TrainingData::with_limits(ModelLimits::unlimited())
        .map_err(|e| CliError::Usage(e.to_string()))?;
    if let Some(p) = &args.items {
        read_items(p, &mut data)?;
    }
    read_events(&args.events, &mut data)?;
    let model = data.fit(&args.model, args.seed).map_err(|e| match e {
        FitError::NoEvents => CliError::Usage(format!("{}: {e}", args.events.display())),
        e => CliError::Usage(format!("--model: {e}")),
    })?;

    let out_dir = match args.out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let out_name = args.out.display().to_string();
    let io_err = |e: std::io::Error| CliError::Output {
        file: out_name.clone(),
        message: e.to_string(),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".alsobuy-recs-")
        .tempfile_in(&out_dir)
        .map_err(io_err)?;
    let csv_err = |e: csv::Error| CliError::Output {
        file: out_name.clone(),
        message: e.to_string(),
    };
    let mut w = csv::Writer::from_writer(BufWriter::new(tmp.as_file()));
    w.write_record(["query", "rank", "item", "score"])
        .map_err(csv_err)?;

    let mut q = CsvFile::open(&args.queries, &["query", "user", "context"])?;
    let mut seen: HashSet<String> = HashSet::new();
    let mut buffers = QueryBuffers::default();
    while let Some(row) = q.next_row() {
        let row = row?;
        let id = q.get(&row, "query")?;
        validate_id("query", id).map_err(|e| q.error(&row, "query", e.to_string()))?;
        if !seen.insert(id.to_owned()) {
            return Err(q.error(&row, "query", format!("duplicate query id {id:?}")));
        }
        let user = q.get(&row, "user")?;
        let ctx = q.get(&row, "context")?;
        let best = model
            .recommend_with(
                Some(user),
                ctx.split_whitespace(),
                args.k,
                args.exclude_history,
                &mut buffers,
            )
            .map_err(|e| CliError::Usage(e.to_string()))?;
        for (rank, (item, score)) in best.into_iter().enumerate() {
            let name = model.item_id(item).unwrap_or_default();
            w.write_record([id, &(rank + 1).to_string(), name, &format!("{score:.6}")])
                .map_err(csv_err)?;
        }
    }
    let mut inner = w
        .into_inner()
        .map_err(|e| io_err(std::io::Error::other(e.to_string())))?;
    inner.flush().map_err(io_err)?;
    drop(inner);
    tmp.as_file().sync_all().map_err(io_err)?;
    tmp.persist(&args.out).map_err(|e| io_err(e.error))?;
    Ok(())
}
