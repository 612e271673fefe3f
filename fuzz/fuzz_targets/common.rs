//! Structured fuzz inputs shared by the targets: ids drawn mostly from a small set (so events, carts and
//! catalogues collide) and sometimes arbitrary; timestamps mostly plausible and sometimes any f64.
#![allow(dead_code)]

use alsobuy::catalog::Item;
use alsobuy::events::{Event, EventKind};
use alsobuy::recommend::{CategoryFilter, Query};
use arbitrary::Arbitrary;

const IDS: [&str; 8] = [
    "milk",
    "butter",
    "bread",
    "jam",
    "beer",
    "chips",
    "soda",
    "ünïcode ✓",
];
const CATS: [&str; 6] = [
    "dairy/milk",
    "dairy/butter",
    "bakery",
    "drinks/beer",
    "",
    " / /x",
];

/// An id: usually one of a few known ones, sometimes anything.
#[derive(Debug, Arbitrary)]
pub enum Id {
    /// One of [`IDS`].
    Known(u8),
    /// Any string (empty, long, control characters…).
    Any(String),
}

impl Id {
    pub fn get(&self) -> String {
        match self {
            Id::Known(i) => IDS[*i as usize % IDS.len()].to_owned(),
            Id::Any(s) => s.clone(),
        }
    }
}

/// A timestamp: usually a plausible millisecond count, sometimes any f64 (NaN, ∞, negative).
#[derive(Debug, Arbitrary)]
pub enum Ts {
    Ms(u32),
    Raw(f64),
}

impl Ts {
    pub fn get(&self) -> f64 {
        match self {
            Ts::Ms(m) => f64::from(*m),
            Ts::Raw(f) => *f,
        }
    }
}

#[derive(Debug, Arbitrary)]
pub struct ArbEvent {
    kind: u8,
    item: Option<Id>,
    session: Id,
    timestamp: Ts,
    query: Option<String>,
}

impl ArbEvent {
    pub fn get(&self) -> Event {
        Event {
            kind: EventKind::ALL[self.kind as usize % EventKind::ALL.len()],
            item: self.item.as_ref().map(Id::get),
            session: self.session.get(),
            timestamp_ms: self.timestamp.get(),
            query: self.query.clone(),
        }
    }
}

#[derive(Debug, Arbitrary)]
pub struct ArbItem {
    id: Id,
    name: String,
    category: u8,
    any_category: Option<String>,
    brand: Option<String>,
    price: Option<f64>,
    in_stock: bool,
    tags: Vec<String>,
}

impl ArbItem {
    pub fn get(&self) -> Item {
        Item {
            id: self.id.get(),
            name: self.name.clone(),
            category: self
                .any_category
                .clone()
                .unwrap_or_else(|| CATS[self.category as usize % CATS.len()].to_owned()),
            brand: self.brand.clone(),
            price: self.price,
            in_stock: self.in_stock,
            tags: self.tags.clone(),
        }
    }
}

#[derive(Debug, Arbitrary)]
pub struct ArbQuery {
    item: Option<Id>,
    cart: Vec<Id>,
    k: u16,
    include: Vec<String>,
    exclude: Vec<String>,
    filter: bool,
    min_score: f32,
}

impl ArbQuery {
    pub fn get(&self) -> Query {
        Query {
            item: self.item.as_ref().map(Id::get),
            cart: self.cart.iter().map(Id::get).collect(),
            k: usize::from(self.k),
            filter: self.filter.then(|| CategoryFilter {
                include: self.include.clone(),
                exclude: self.exclude.clone(),
            }),
            min_score: self.min_score,
        }
    }
}

/// A small valid catalogue (one item out of stock).
pub fn catalog() -> Vec<Item> {
    IDS.iter()
        .enumerate()
        .map(|(i, id)| {
            let mut it = Item::new(id, CATS[i % CATS.len()]);
            it.price = Some(i as f64 * 0.5);
            it.in_stock = i != 5;
            it.brand = (i % 2 == 0).then(|| "acme".to_owned());
            it
        })
        .collect()
}

/// Checks the answer's contract: at most `k`, never a context item, no duplicates, finite scores, reason
/// shares in [0, 1] summing to 1.
pub fn check_answer(q: &Query, out: &[alsobuy::Suggestion]) {
    assert!(
        out.len() <= q.k,
        "{} suggestions for k = {}",
        out.len(),
        q.k
    );
    for (i, s) in out.iter().enumerate() {
        assert!(
            q.item.as_deref() != Some(s.item.as_str()),
            "suggested the viewed item {:?}",
            s.item
        );
        assert!(
            !q.cart.contains(&s.item),
            "suggested a cart item {:?}",
            s.item
        );
        assert!(
            out[..i].iter().all(|o| o.item != s.item),
            "duplicate {:?}",
            s.item
        );
        assert!(s.score.is_finite(), "score {}", s.score);
        if !s.reasons.is_empty() {
            let sum: f32 = s.reasons.iter().map(|r| r.share).sum();
            assert!((sum - 1.0).abs() < 1e-3, "shares sum to {sum}");
            assert!(s
                .reasons
                .iter()
                .all(|r| (0.0..=1.0 + 1e-6).contains(&r.share)));
        }
    }
}
