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

use super::input::CsvFile;
use super::CliError;
use crate::catalog::Item;
use crate::ids::{validate_id, Interner};
use crate::interactions::{Interactions, InteractionsBuilder};
use crate::scorers::{fit_with_catalogue, top_k, Query};

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

/// Event weight of an event kind, `None` for an unknown kind.
pub fn event_weight(kind: &str) -> Option<f32> {
    match kind {
        "view" => Some(1.0),
        "cart" => Some(3.0),
        "purchase" => Some(5.0),
        _ => None,
    }
}

/// Reads `items.csv` into an interner (catalogue order) and the items' attributes (the first row of a
/// repeated item), validating ids and prices.
pub fn read_items(path: &Path) -> Result<(Interner, Vec<Item>), CliError> {
    let mut f = CsvFile::open(path, &["item", "category", "brand", "price"])?;
    let mut items = Interner::new();
    let mut attrs = Vec::new();
    while let Some(row) = f.next_row() {
        let row = row?;
        let item = f.get(&row, "item")?;
        validate_id("item", item).map_err(|e| f.error(&row, "item", e.to_string()))?;
        let price = f.get(&row, "price")?;
        let mut parsed = None;
        if !price.is_empty() {
            match price.parse::<f64>() {
                Ok(p) if p.is_finite() && p >= 0.0 => parsed = Some(p),
                _ => {
                    return Err(f.error(
                        &row,
                        "price",
                        format!("not a finite non-negative number: {price:?}"),
                    ))
                }
            }
        }
        let category = f.get(&row, "category")?;
        let brand = f.get(&row, "brand")?;
        let before = items.len();
        items
            .intern(item)
            .map_err(|e| f.error(&row, "item", e.to_string()))?;
        if items.len() > before {
            let mut it = Item::new(item, category);
            it.brand = (!brand.is_empty()).then(|| brand.to_owned());
            it.price = parsed;
            attrs.push(it);
        }
    }
    Ok((items, attrs))
}

/// Reads `train.csv` into an interaction matrix whose item index starts with `items`.
pub fn read_events(path: &Path, items: Interner) -> Result<Interactions, CliError> {
    let mut f = CsvFile::open(path, &["user", "session", "item", "event", "timestamp"])?;
    let mut b = InteractionsBuilder::with_items(items);
    let mut fallback_session = String::new();
    while let Some(row) = f.next_row() {
        let row = row?;
        let user = f.get(&row, "user")?;
        let session = f.get(&row, "session")?;
        let item = f.get(&row, "item")?;
        let event = f.get(&row, "event")?;
        let ts = f.get(&row, "timestamp")?;
        let weight = event_weight(event).ok_or_else(|| {
            f.error(
                &row,
                "event",
                format!("unknown event {event:?} (expected view, cart or purchase)"),
            )
        })?;
        let timestamp: i64 = ts.parse().map_err(|_| {
            f.error(
                &row,
                "timestamp",
                format!("not an integer number of seconds: {ts:?}"),
            )
        })?;
        if !user.is_empty() {
            validate_id("user", user).map_err(|e| f.error(&row, "user", e.to_string()))?;
        }
        validate_id("item", item).map_err(|e| f.error(&row, "item", e.to_string()))?;
        let session = if session.is_empty() {
            if user.is_empty() {
                return Err(f.error(
                    &row,
                    "session",
                    "empty session and empty user: the row belongs to no one".into(),
                ));
            }
            // No session given: the user's events form one basket.
            fallback_session.clear();
            fallback_session.push_str("user:");
            fallback_session.push_str(user);
            fallback_session.as_str()
        } else {
            validate_id("session", session).map_err(|e| f.error(&row, "session", e.to_string()))?;
            session
        };
        let user = (!user.is_empty()).then_some(user);
        b.push(user, session, item, weight, timestamp)
            .map_err(|e| f.error(&row, "row", e.to_string()))?;
    }
    Ok(b.build())
}

/// Runs `alsobuy recommend`.
pub fn run(args: &RecommendArgs) -> Result<(), CliError> {
    if args.k == 0 {
        return Err(CliError::Usage("--k must be at least 1".into()));
    }
    let (items, attrs) = match &args.items {
        Some(p) => read_items(p)?,
        None => (Interner::new(), Vec::new()),
    };
    let data = read_events(&args.events, items)?;
    let model = fit_with_catalogue(&args.model, &data, &attrs, args.seed)
        .map_err(|e| CliError::Usage(format!("--model: {e}")))?;
    let n = data.n_items();
    let tie: Vec<f32> = data.popularity().iter().map(|&c| c as f32).collect();

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
    let mut scores = vec![0f32; n];
    let mut excluded = vec![false; n];
    let mut marked: Vec<u32> = Vec::new();
    let mut context: Vec<u32> = Vec::new();
    while let Some(row) = q.next_row() {
        let row = row?;
        let id = q.get(&row, "query")?;
        validate_id("query", id).map_err(|e| q.error(&row, "query", e.to_string()))?;
        if !seen.insert(id.to_owned()) {
            return Err(q.error(&row, "query", format!("duplicate query id {id:?}")));
        }
        let user = q.get(&row, "user")?;
        let ctx = q.get(&row, "context")?;
        context.clear();
        for it in ctx.split_whitespace() {
            if let Some(i) = data.items().get(it) {
                if !context.contains(&i) {
                    context.push(i);
                }
            }
        }
        let history = if user.is_empty() {
            Vec::new()
        } else {
            data.row_of_user(user)
                .map(|r| data.history(r))
                .unwrap_or_default()
        };
        model
            .score_into(
                &Query {
                    history: &history,
                    context: &context,
                },
                &mut scores,
            )
            .map_err(|e| CliError::Usage(e.to_string()))?;
        marked.clear();
        marked.extend_from_slice(&context);
        if args.exclude_history {
            marked.extend(history.iter().map(|&(i, _)| i));
        }
        for &i in &marked {
            if let Some(e) = excluded.get_mut(i as usize) {
                *e = true;
            }
        }
        let best = top_k(&scores, &tie, args.k, |i| {
            excluded.get(i as usize).copied().unwrap_or(true)
        });
        for &i in &marked {
            if let Some(e) = excluded.get_mut(i as usize) {
                *e = false;
            }
        }
        for (rank, (item, score)) in best.into_iter().enumerate() {
            let name = data.items().name(item).unwrap_or_default();
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
