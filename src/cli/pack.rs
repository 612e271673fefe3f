//! `alsobuy pack`: build the aggregated model pack a shop ships to its shoppers' browsers.
//!
//! Input: the shop's history, either as contract events (`--events train.csv`: `user,session,item,event,
//! timestamp`) or as baskets (`--baskets baskets.csv`: `basket_id,item`, every row a purchase in that basket,
//! the shape of a point-of-sale export such as the Groceries data); and the catalogue, either as
//! `--items items.csv` (`item,category,brand,price`) or `--catalog catalog.json` (an array of the JS
//! `CatalogItem` objects: `id, name, category, brand, price, inStock, tags`).
//!
//! Output: an aggregate pack (see [`crate::pack`]): catalogue, co-occurrence counts and popularity, and with
//! `--train-epochs N` the population re-ranker (an MLP trained on the history's sessions, see
//! [`crate::recommend::rerank`]); no event, session or shopper survives into it. Written to a temporary file and renamed, so a failed run leaves
//! `--out` untouched. Exit code 2 with file, line and field on bad input.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::Deserialize;

use super::input::CsvFile;
use super::CliError;
use crate::catalog::Item;
use crate::events::{Event, EventKind};
use crate::recommend::{Recommender, RecommenderConfig};

/// Arguments of `alsobuy pack`.
#[derive(Debug, Clone, Args)]
pub struct PackArgs {
    /// History as contract events CSV: user,session,item,event,timestamp (seconds).
    #[arg(long, conflicts_with = "baskets", required_unless_present = "baskets")]
    pub events: Option<PathBuf>,
    /// History as baskets CSV: basket_id,item (each row a purchase in that basket).
    #[arg(long)]
    pub baskets: Option<PathBuf>,
    /// Catalogue CSV: item,category,brand,price.
    #[arg(long, conflicts_with = "catalog")]
    pub items: Option<PathBuf>,
    /// Catalogue JSON: [{id, name, category, brand, price, inStock, tags}].
    #[arg(long)]
    pub catalog: Option<PathBuf>,
    /// Where to write the pack.
    #[arg(long)]
    pub out: PathBuf,
    /// Train the population re-ranker for up to this many epochs and ship it in the pack (0: no model).
    #[arg(long, default_value_t = 0)]
    pub train_epochs: usize,
    /// Most positive examples the training reads from the history (the first ones, in file order).
    #[arg(long, default_value_t = 20_000)]
    pub train_max_examples: usize,
    /// Seed of the re-ranker's initial weights, shuffling and negative sampling.
    #[arg(long, default_value_t = 42)]
    pub train_seed: u64,
}

/// A catalogue item as the JS API spells it (camelCase).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonItem {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    brand: Option<String>,
    #[serde(default)]
    price: Option<f64>,
    #[serde(default)]
    in_stock: Option<bool>,
    #[serde(default)]
    tags: Vec<String>,
}

fn read_catalog_json(path: &Path) -> Result<Vec<Item>, CliError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| CliError::Io {
        file: file.clone(),
        message: e.to_string(),
    })?;
    let items: Vec<JsonItem> = serde_json::from_str(&text).map_err(|e| CliError::BadInput {
        file,
        line: e.line() as u64,
        field: "catalog".into(),
        message: e.to_string(),
    })?;
    Ok(items
        .into_iter()
        .map(|i| Item {
            id: i.id,
            name: i.name.unwrap_or_default(),
            category: i.category.unwrap_or_default(),
            brand: i.brand,
            price: i.price,
            in_stock: i.in_stock.unwrap_or(true),
            tags: i.tags,
        })
        .collect())
}

fn read_items_csv(path: &Path) -> Result<Vec<Item>, CliError> {
    let mut f = CsvFile::open(path, &["item", "category", "brand", "price"])?;
    let mut out = Vec::new();
    while let Some(row) = f.next_row() {
        let row = row?;
        let id = f.get(&row, "item")?;
        let brand = f.get(&row, "brand")?;
        let price = f.get(&row, "price")?;
        let price = if price.is_empty() {
            None
        } else {
            Some(
                price
                    .parse::<f64>()
                    .map_err(|_| f.error(&row, "price", format!("not a number: {price:?}")))?,
            )
        };
        out.push(Item {
            id: id.to_owned(),
            name: String::new(),
            category: f.get(&row, "category")?.to_owned(),
            brand: (!brand.is_empty()).then(|| brand.to_owned()),
            price,
            in_stock: true,
            tags: Vec::new(),
        });
    }
    Ok(out)
}

/// Streams the history into `rec`; returns how many events were kept.
fn record_history(args: &PackArgs, rec: &mut Recommender) -> Result<usize, CliError> {
    let mut kept = 0usize;
    if let Some(path) = &args.baskets {
        let mut f = CsvFile::open(path, &["basket_id", "item"])?;
        while let Some(row) = f.next_row() {
            let row = row?;
            let basket = f.get(&row, "basket_id")?;
            let item = f.get(&row, "item")?;
            let e = Event::new(EventKind::Purchase, item, basket, 0.0);
            let outcome = rec
                .record(&e)
                .map_err(|err| f.error(&row, "item", err.to_string()))?;
            kept += usize::from(outcome.kept);
        }
    } else if let Some(path) = &args.events {
        let mut f = CsvFile::open(path, &["user", "session", "item", "event", "timestamp"])?;
        while let Some(row) = f.next_row() {
            let row = row?;
            let kind = match f.get(&row, "event")? {
                "view" => EventKind::View,
                "cart" => EventKind::Cart,
                "purchase" => EventKind::Purchase,
                other => {
                    return Err(f.error(
                        &row,
                        "event",
                        format!("unknown event {other:?} (view, cart, purchase)"),
                    ))
                }
            };
            let ts = f.get(&row, "timestamp")?;
            let secs: i64 = ts
                .parse()
                .map_err(|_| f.error(&row, "timestamp", format!("not an integer: {ts:?}")))?;
            let e = Event::new(
                kind,
                f.get(&row, "item")?,
                f.get(&row, "session")?,
                secs as f64 * 1000.0,
            );
            let outcome = rec
                .record(&e)
                .map_err(|err| f.error(&row, "item", err.to_string()))?;
            kept += usize::from(outcome.kept);
        }
    }
    Ok(kept)
}

/// Runs `alsobuy pack`.
pub fn run(args: &PackArgs) -> Result<(), CliError> {
    // The pack carries the config its builder used, and the browser applies it to the shopper: build with
    // the defaults (the same cleaning applies to the history: exact duplicates within a basket count once).
    let mut config = RecommenderConfig::default();
    config.rerank.max_examples = args.train_max_examples;
    config.rerank.seed = args.train_seed;
    let mut rec = Recommender::new(config).map_err(|e| CliError::Usage(e.to_string()))?;
    let items = match (&args.catalog, &args.items) {
        (Some(p), _) => Some(read_catalog_json(p)?),
        (None, Some(p)) => Some(read_items_csv(p)?),
        (None, None) => None,
    };
    if let Some(items) = items {
        let file = args.catalog.as_ref().or(args.items.as_ref());
        rec.set_catalog(items).map_err(|e| CliError::BadInput {
            file: file.map(|p| p.display().to_string()).unwrap_or_default(),
            line: 0,
            field: "catalog".into(),
            message: e.to_string(),
        })?;
    }
    let kept = record_history(args, &mut rec)?;
    if args.train_epochs > 0 {
        let m = rec
            .train(args.train_epochs)
            .map_err(|e| CliError::Usage(format!("--train-epochs: {e}")))?;
        eprintln!(
            "alsobuy pack: re-ranker trained on {} examples, {} epochs, loss {:.4}{}",
            m.examples,
            m.epochs,
            m.loss.unwrap_or(f32::NAN),
            m.validation_loss
                .map(|v| format!(" (validation {v:.4})"))
                .unwrap_or_default()
        );
    }
    let bytes = rec
        .export_pack()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    write_atomically(&args.out, &bytes)?;
    let s = rec.stats();
    eprintln!(
        "alsobuy pack: {} events → {} items, {} co-occurring pairs, {} bytes → {}",
        kept,
        s.catalog_items.max(s.known_items),
        s.cooccurring_pairs,
        bytes.len(),
        args.out.display()
    );
    Ok(())
}

fn write_atomically(out: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let err = |e: std::io::Error| CliError::Output {
        file: out.display().to_string(),
        message: e.to_string(),
    };
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A static file to be served: readable by the web server, like any other build output.
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
            .map_err(err)?;
    }
    tmp.persist(out).map_err(|e| err(e.error))?;
    Ok(())
}
