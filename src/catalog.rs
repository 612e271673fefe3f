//! The shop's catalogue: items with their attributes, string ids interned to dense indices.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::{shorten, validate_id, Interner};

/// Longest name, category path, brand or tag accepted (bytes of UTF-8).
pub const MAX_TEXT_LEN: usize = 1024;
/// Most tags accepted on one item.
pub const MAX_TAGS: usize = 64;

/// One product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Unique id (see [`crate::ids::validate_id`]).
    pub id: String,
    /// Display name (may be empty).
    #[serde(default)]
    pub name: String,
    /// Category path, general to specific, separated by `/`: `"dairy/milk"` (may be empty).
    #[serde(default)]
    pub category: String,
    /// Brand, if known.
    #[serde(default)]
    pub brand: Option<String>,
    /// Price (finite, ≥ 0), if known.
    #[serde(default)]
    pub price: Option<f64>,
    /// Whether it can be bought now (default `true`); out-of-stock items are never suggested.
    #[serde(default = "default_true")]
    pub in_stock: bool,
    /// Free-form tags.
    #[serde(default)]
    pub tags: Vec<String>,
}

fn default_true() -> bool {
    true
}

impl Item {
    /// An in-stock item with only an id and a category path.
    pub fn new(id: &str, category: &str) -> Self {
        Item {
            id: id.to_owned(),
            name: id.to_owned(),
            category: category.to_owned(),
            brand: None,
            price: None,
            in_stock: true,
            tags: Vec::new(),
        }
    }

    /// The non-empty levels of the category path, trimmed: `"dairy / milk"` → `["dairy", "milk"]`.
    pub fn category_levels(&self) -> impl Iterator<Item = &str> {
        category_levels(&self.category)
    }

    /// Checks id, price and text lengths; errors name the field and value.
    pub fn validate(&self) -> Result<()> {
        validate_id("item id", &self.id)?;
        if let Some(p) = self.price {
            let reason = if !p.is_finite() {
                Some("must be a finite number")
            } else if p < 0.0 {
                Some("must not be negative")
            } else {
                None
            };
            if let Some(reason) = reason {
                return Err(Error::InvalidPrice {
                    item: shorten(&self.id),
                    value: p,
                    reason,
                });
            }
        }
        let texts = [
            ("name", self.name.as_str()),
            ("category", self.category.as_str()),
            ("brand", self.brand.as_deref().unwrap_or("")),
        ];
        for (field, t) in texts
            .into_iter()
            .chain(self.tags.iter().map(|t| ("tag", t.as_str())))
        {
            if t.len() > MAX_TEXT_LEN {
                return Err(Error::InvalidId {
                    field,
                    value: shorten(t),
                    reason: "is longer than 1024 bytes",
                });
            }
        }
        if self.tags.len() > MAX_TAGS {
            return Err(Error::CapacityExceeded {
                what: "tags on one item",
                limit: MAX_TAGS,
            });
        }
        Ok(())
    }
}

/// Validates every item and interns the ids; the error carries the item's position.
fn index_items(items: &[Item]) -> std::result::Result<Interner, (usize, Error)> {
    let mut ids = Interner::new();
    for (i, it) in items.iter().enumerate() {
        it.validate().map_err(|e| (i, e))?;
        let before = ids.len();
        ids.intern(&it.id).map_err(|e| (i, e))?;
        if ids.len() == before {
            return Err((
                i,
                Error::DuplicateId {
                    field: "item id",
                    value: shorten(&it.id),
                },
            ));
        }
    }
    Ok(ids)
}

/// The non-empty, trimmed levels of a `/`-separated category path.
pub fn category_levels(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').map(str::trim).filter(|s| !s.is_empty())
}

/// Whether `path` lies at or under `prefix`, level by level (`"dairy/milk"` is under `"dairy"`, not under
/// `"dai"`). An empty prefix matches everything.
pub fn category_under(path: &str, prefix: &str) -> bool {
    let mut p = category_levels(path);
    category_levels(prefix).all(|level| p.next() == Some(level))
}

/// A validated catalogue: items by dense index `0..len()`, ids interned.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    items: Vec<Item>,
    #[serde(skip)]
    ids: Interner,
}

impl Catalog {
    /// Validates `items` and builds the catalogue.
    ///
    /// Errors: an item's own validation error, [`Error::DuplicateId`] for a repeated id,
    /// [`Error::CapacityExceeded`] for more than `max_items` items. `O(n)`.
    pub fn new(items: Vec<Item>, max_items: usize) -> Result<Self> {
        if items.len() > max_items {
            return Err(Error::CapacityExceeded {
                what: "catalogue items",
                limit: max_items,
            });
        }
        let ids = index_items(&items).map_err(|(_, e)| e)?;
        Ok(Catalog { items, ids })
    }

    /// The position and error of the first item [`Catalog::new`] would refuse (its own validation error or
    /// [`Error::DuplicateId`]), for callers that report where the bad item is (`catalog[3]`, a file line).
    pub fn first_invalid(items: &[Item]) -> Option<(usize, Error)> {
        index_items(items).err()
    }

    /// Re-validates and re-indexes after deserialisation.
    pub fn reindexed(self) -> Result<Self> {
        Catalog::new(self.items, usize::MAX)
    }

    /// The dense index of `id`.
    pub fn index_of(&self, id: &str) -> Option<u32> {
        self.ids.get(id)
    }

    /// The item at `index`.
    pub fn get(&self, index: u32) -> Option<&Item> {
        self.items.get(index as usize)
    }

    /// The item with `id`.
    pub fn by_id(&self, id: &str) -> Option<&Item> {
        self.index_of(id).and_then(|i| self.get(i))
    }

    /// All items in index order.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// Number of items.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

crate::codec::codec_struct!(Item {
    id,
    name,
    category,
    brand,
    price,
    in_stock,
    tags
});
crate::codec::codec_struct!(Catalog { items } skip { ids: Interner::default() });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_looks_up() {
        let c = Catalog::new(
            vec![
                Item::new("milk", "dairy/milk"),
                Item::new("bread", "bakery"),
            ],
            10,
        )
        .unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c.index_of("bread"), Some(1));
        assert_eq!(
            c.by_id("milk").map(|i| i.category.as_str()),
            Some("dairy/milk")
        );
        assert_eq!(c.get(7), None);
        let levels: Vec<_> = c.items()[0].category_levels().collect();
        assert_eq!(levels, ["dairy", "milk"]);
    }

    #[test]
    fn rejects_bad_items_with_typed_errors() {
        let mut bad = Item::new("milk", "dairy");
        bad.price = Some(f64::NAN);
        assert!(matches!(
            Catalog::new(vec![bad.clone()], 10),
            Err(Error::InvalidPrice { .. })
        ));
        bad.price = Some(-1.0);
        assert_eq!(
            Catalog::new(vec![bad.clone()], 10).unwrap_err().to_string(),
            "invalid price -1 for item \"milk\": must not be negative"
        );
        bad.price = Some(f64::INFINITY);
        assert!(Catalog::new(vec![bad], 10).is_err());
        assert_eq!(
            Catalog::new(vec![Item::new("a", ""), Item::new("a", "")], 10).unwrap_err(),
            Error::DuplicateId {
                field: "item id",
                value: "a".into()
            }
        );
        assert!(matches!(
            Catalog::new(vec![Item::new("", "")], 10),
            Err(Error::InvalidId { .. })
        ));
        assert!(matches!(
            Catalog::new(vec![Item::new("a", ""), Item::new("b", "")], 1),
            Err(Error::CapacityExceeded { limit: 1, .. })
        ));
    }

    #[test]
    fn category_prefixes_match_by_level() {
        assert!(category_under("dairy/milk", "dairy"));
        assert!(category_under("dairy/milk", "dairy / milk"));
        assert!(!category_under("dairy/milk", "dai"));
        assert!(!category_under("dairy", "dairy/milk"));
        assert!(category_under("x", ""));
    }

    #[test]
    fn serde_round_trip_reindexes() {
        let c = Catalog::new(vec![Item::new("milk", "dairy")], 10).unwrap();
        let bytes = postcard::to_stdvec(&c).unwrap();
        let back: Catalog = postcard::from_bytes(&bytes).unwrap();
        let back = back.reindexed().unwrap();
        assert_eq!(back, c);
        assert_eq!(back.index_of("milk"), Some(0));
    }
}
