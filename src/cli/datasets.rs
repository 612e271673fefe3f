//! Loaders of the public evaluation datasets into raw events.
//!
//! * **Groceries** (Hahsler, Hornik & Reutterer 2006, from the R package arules; GPL-3): 9,835 point-of-sale
//!   baskets, 169 items. `groceries_baskets.csv` (`basket_id,item`), `groceries_items.csv` (`item,…`). Each
//!   basket is an anonymous session.
//! * **MovieLens-100K** (Harper & Konstan 2015): 100,000 ratings by 943 users of 1,682 films, from the RecBole
//!   1.2.1 wheel (`scripts/fetch-movielens.sh`). Every rating is an implicit interaction (weight 1); a user's
//!   ratings on one calendar day (UTC) form a session.

use std::path::{Path, PathBuf};

use super::input::CsvFile;
use super::CliError;
use crate::catalog::Item;
use crate::eval::split::RawEvent;

/// A dataset as raw events, the catalogue's ids (file order) and the items' attributes.
pub type Loaded = (Vec<RawEvent>, Vec<String>, Vec<Item>);

/// Default Groceries directory: `../shared/data/groceries` next to the repository.
pub fn default_groceries_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/groceries")
}

/// Default MovieLens-100K directory: `data-cache/ml-100k` in the repository.
pub fn default_ml100k_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data-cache/ml-100k")
}

fn require(path: &Path, hint: &str) -> Result<(), CliError> {
    if path.is_file() {
        Ok(())
    } else {
        Err(CliError::Io {
            file: path.display().to_string(),
            message: format!("not found; {hint}"),
        })
    }
}

/// Groceries baskets as events, the catalogue (items file order) and its attributes (category
/// `level1/level2`).
pub fn load_groceries(dir: &Path) -> Result<Loaded, CliError> {
    let baskets = dir.join("groceries_baskets.csv");
    let items = dir.join("groceries_items.csv");
    require(&baskets, "pass --data-dir with the Groceries CSV files")?;
    let mut f = CsvFile::open(&baskets, &["basket_id", "item"])?;
    let mut events = Vec::new();
    while let Some(row) = f.next_row() {
        let row = row?;
        events.push(RawEvent {
            user: None,
            session: f.get(&row, "basket_id")?.to_owned(),
            item: f.get(&row, "item")?.to_owned(),
            weight: 1.0,
            timestamp: 0,
        });
    }
    let mut catalogue = Vec::new();
    let mut attrs = Vec::new();
    if items.is_file() {
        let mut f = CsvFile::open(&items, &["item"])?;
        let has_levels = f.has_column("level1") && f.has_column("level2");
        while let Some(row) = f.next_row() {
            let row = row?;
            let id = f.get(&row, "item")?.to_owned();
            let category = if has_levels {
                format!("{}/{}", f.get(&row, "level1")?, f.get(&row, "level2")?)
            } else {
                String::new()
            };
            attrs.push(Item::new(&id, &category));
            catalogue.push(id);
        }
    }
    Ok((events, catalogue, attrs))
}

/// MovieLens-100K ratings as events (all ratings, implicit), the film catalogue and its attributes (the
/// genres as tags, the release year as the category).
pub fn load_ml100k(dir: &Path) -> Result<Loaded, CliError> {
    let inter = dir.join("ml-100k.inter");
    require(
        &inter,
        "run scripts/fetch-movielens.sh first (or pass --data-dir)",
    )?;
    let open = |p: &Path| -> Result<csv::Reader<std::fs::File>, CliError> {
        csv::ReaderBuilder::new()
            .delimiter(b'\t')
            .has_headers(true)
            .flexible(true)
            .from_path(p)
            .map_err(|e| CliError::Io {
                file: p.display().to_string(),
                message: e.to_string(),
            })
    };
    let name = inter.display().to_string();
    let bad = |line: u64, field: &str, message: String| CliError::BadInput {
        file: name.clone(),
        line,
        field: field.into(),
        message,
    };
    let mut events = Vec::new();
    for (i, rec) in open(&inter)?.records().enumerate() {
        let line = i as u64 + 2;
        let rec = rec.map_err(|e| bad(line, "row", e.to_string()))?;
        let (Some(u), Some(it), Some(ts)) = (rec.get(0), rec.get(1), rec.get(3)) else {
            return Err(bad(line, "row", "expected 4 tab-separated fields".into()));
        };
        let ts: f64 = ts
            .trim()
            .parse()
            .map_err(|_| bad(line, "timestamp", format!("not a number: {ts:?}")))?;
        let ts = ts as i64;
        events.push(RawEvent {
            user: Some(u.to_owned()),
            session: format!("{u}:{}", ts.div_euclid(86_400)),
            item: it.to_owned(),
            weight: 1.0,
            timestamp: ts,
        });
    }
    let mut catalogue = Vec::new();
    let mut attrs = Vec::new();
    let item_file = dir.join("ml-100k.item");
    if item_file.is_file() {
        for rec in open(&item_file)?.records() {
            let rec = rec.map_err(|e| CliError::Io {
                file: item_file.display().to_string(),
                message: e.to_string(),
            })?;
            if let Some(id) = rec.get(0) {
                let mut item = Item::new(id, rec.get(2).unwrap_or("").trim());
                item.name = String::new();
                item.tags = rec
                    .get(3)
                    .unwrap_or("")
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect();
                attrs.push(item);
                catalogue.push(id.to_owned());
            }
        }
    }
    Ok((events, catalogue, attrs))
}
