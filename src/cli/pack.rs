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
//! [`crate::recommend::rerank`]); no event, session or shopper survives into it. Written to a temporary file and
//! renamed, so a failed run leaves `--out` untouched. Exit code 2 with file, line and field on bad input, as
//! `recommend`: a CSV row's line and column (`items.csv: line 4, field `price``), a JSON catalogue item's line
//! and path (`catalog.json: line 3, field `[1].price``), an event's column (`item`, `session`/`basket_id`,
//! `timestamp`).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use serde::Deserialize;

use super::input::CsvFile;
use super::CliError;
use crate::catalog::{Catalog, Item};
use crate::error::Error;
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

/// A catalogue item and where it came from (1-based line; for JSON, the line its object starts on).
type Located = (Item, u64);

fn read_catalog_json(path: &Path) -> Result<Vec<Located>, CliError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| CliError::Io {
        file: file.clone(),
        message: e.to_string(),
    })?;
    let mut de = serde_json::Deserializer::from_str(&text);
    let items: Vec<JsonItem> = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        CliError::BadInput {
            file: file.clone(),
            line: inner.line() as u64,
            field: if path == "." { "catalog".into() } else { path },
            message: inner.to_string(),
        }
    })?;
    let lines = element_lines(&text);
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, it)| {
            let item = Item {
                id: it.id,
                name: it.name.unwrap_or_default(),
                category: it.category.unwrap_or_default(),
                brand: it.brand,
                price: it.price,
                in_stock: it.in_stock.unwrap_or(true),
                tags: it.tags,
            };
            (item, lines.get(i).copied().unwrap_or(1))
        })
        .collect())
}

/// The 1-based line on which each element of the top-level JSON array starts (strings skipped).
fn element_lines(text: &str) -> Vec<u64> {
    let (mut depth, mut line, mut in_str, mut escaped) = (0usize, 1u64, false, false);
    let mut expecting = false;
    let mut out = Vec::new();
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        }
        if in_str {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        if expecting && !c.is_whitespace() && c != ']' {
            out.push(line);
            expecting = false;
        }
        match c {
            '"' => in_str = true,
            '[' | '{' => {
                depth += 1;
                if depth == 1 && c == '[' {
                    expecting = true;
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 1 => expecting = true,
            _ => {}
        }
    }
    out
}

fn read_items_csv(path: &Path) -> Result<Vec<Located>, CliError> {
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
        let item = Item {
            id: id.to_owned(),
            name: String::new(),
            category: f.get(&row, "category")?.to_owned(),
            brand: (!brand.is_empty()).then(|| brand.to_owned()),
            price,
            in_stock: true,
            tags: Vec::new(),
        };
        out.push((item, row.line()));
    }
    Ok(out)
}

/// The input column (or JSON field) a core error is about.
fn field_of(e: &Error, json: bool) -> &'static str {
    match e {
        Error::InvalidPrice { .. } => "price",
        Error::InvalidId { field, .. } | Error::IdTooLong { field, .. } => match *field {
            "item id" | "item" => {
                if json {
                    "id"
                } else {
                    "item"
                }
            }
            other => other,
        },
        Error::DuplicateId { .. } => {
            if json {
                "id"
            } else {
                "item"
            }
        }
        Error::CapacityExceeded { what, .. } if what.contains("tags") => "tags",
        Error::InvalidTimestamp { .. } => "timestamp",
        _ => "row",
    }
}

/// Installs the catalogue, reporting a refused item at its file and line, with its field.
fn install_catalog(
    rec: &mut Recommender,
    items: Vec<Located>,
    file: &Path,
    json: bool,
) -> Result<(), CliError> {
    let file = file.display().to_string();
    let max = rec.config().limits.max_catalog_items;
    if let Some((_, line)) = items.get(max) {
        return Err(CliError::BadInput {
            file,
            line: *line,
            field: "row".into(),
            message: Error::CapacityExceeded {
                what: "catalogue items",
                limit: max,
            }
            .to_string(),
        });
    }
    let (items, lines): (Vec<Item>, Vec<u64>) = items.into_iter().unzip();
    let located = |i: usize, e: Error| {
        let field = field_of(&e, json);
        CliError::BadInput {
            file: file.clone(),
            line: lines.get(i).copied().unwrap_or(0),
            field: if json {
                format!("[{i}].{field}")
            } else {
                field.into()
            },
            message: e.to_string(),
        }
    };
    if let Some((i, e)) = Catalog::first_invalid(&items) {
        return Err(located(i, e));
    }
    let limits = rec.config().limits;
    if let Some((i, e)) = items
        .iter()
        .enumerate()
        .find_map(|(i, it)| limits.check_id("item id", &it.id).err().map(|e| (i, e)))
    {
        return Err(located(i, e));
    }
    rec.set_catalog(items).map_err(|e| CliError::BadInput {
        file,
        line: 0,
        field: "catalog".into(),
        message: e.to_string(),
    })
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
            let outcome = rec.record(&e).map_err(|err| {
                let field = match field_of(&err, false) {
                    "session" => "basket_id",
                    other => other,
                };
                f.error(&row, field, err.to_string())
            })?;
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
                .map_err(|err| f.error(&row, field_of(&err, false), err.to_string()))?;
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
    match (&args.catalog, &args.items) {
        (Some(p), _) => install_catalog(&mut rec, read_catalog_json(p)?, p, true)?,
        (None, Some(p)) => install_catalog(&mut rec, read_items_csv(p)?, p, false)?,
        (None, None) => {}
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
