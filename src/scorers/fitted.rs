//! One entry for every front end of the offline models: training rows in, a fitted model by name out, and
//! `recommend(user, context, k, exclude_history)` with the CLI's exact semantics.
//!
//! `alsobuy recommend` (src/cli/recommend.rs) and the browser's `Model` class (src/wasm/models.rs, cargo
//! feature `models`) both go through [`TrainingData`] and [`FittedModel`], so a CSV row and a JS event are
//! validated alike, fitted alike and ranked alike:
//!
//! 1. [`TrainingData::add_item`] each catalogue row (optional, **first**: catalogue items take the first
//!    indices, which decide ties), then [`TrainingData::add_event`] each event;
//! 2. [`TrainingData::fit`]`(model, seed)` → [`FittedModel`] (the model registry is
//!    [`fit_with_catalogue`](super::fit_with_catalogue));
//! 3. [`FittedModel::recommend`]: context items are never suggested, the user's history is excluded on
//!    request, unknown context ids and unknown users are ignored (an unknown user is anonymous), and ties
//!    break by popularity (distinct buyers), then by lower item index ([`top_k`]).
//!
//! [`ModelLimits`] bound what a page may hand in (catalogue items, events, `k`, context ids); the CLI runs
//! [`ModelLimits::unlimited`].

use thiserror::Error;

use super::{fit_with_catalogue, top_k, FitError, Query, Scorer, MODEL_NAMES};
use crate::catalog::Item;
use crate::error::Error as CoreError;
use crate::ids::validate_id;
use crate::interactions::{Interactions, InteractionsBuilder, InteractionsError};

/// Limits on what one fit and one query may hold. Defaults suit a browser tab; every limit is at least 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelLimits {
    /// Most distinct items (catalogue rows plus items seen only in events; default 200,000).
    pub max_items: usize,
    /// Most events (default 1,000,000).
    pub max_events: usize,
    /// Largest `k` of a query (default 200).
    pub max_k: usize,
    /// Most context ids in a query (default 500).
    pub max_context_items: usize,
}

impl Default for ModelLimits {
    fn default() -> Self {
        ModelLimits {
            max_items: 200_000,
            max_events: 1_000_000,
            max_k: 200,
            max_context_items: 500,
        }
    }
}

impl ModelLimits {
    /// No limits but the index types' (what the CLI runs with).
    pub fn unlimited() -> Self {
        ModelLimits {
            max_items: usize::MAX,
            max_events: usize::MAX,
            max_k: usize::MAX,
            max_context_items: usize::MAX,
        }
    }

    /// Checks that every limit is at least 1; the error names the field (`limits.max_k`).
    pub fn validate(&self) -> Result<(), CoreError> {
        for (field, v) in [
            ("limits.max_items", self.max_items),
            ("limits.max_events", self.max_events),
            ("limits.max_k", self.max_k),
            ("limits.max_context_items", self.max_context_items),
        ] {
            if v == 0 {
                return Err(CoreError::InvalidConfig {
                    field,
                    value: "0".into(),
                    reason: "must be at least 1",
                });
            }
        }
        Ok(())
    }
}

/// The kind of a training event and its weight: `view` 1, `cart` 3, `purchase` 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrainEventKind {
    /// Looked at the item (weight 1).
    View,
    /// Put it in the cart (weight 3).
    Cart,
    /// Bought it (weight 5).
    Purchase,
}

impl TrainEventKind {
    /// The kind named `name` (`view`, `cart`, `purchase`); [`DataError::UnknownEvent`] otherwise.
    pub fn parse(name: &str) -> Result<Self, DataError> {
        match name {
            "view" => Ok(TrainEventKind::View),
            "cart" => Ok(TrainEventKind::Cart),
            "purchase" => Ok(TrainEventKind::Purchase),
            other => Err(DataError::UnknownEvent(other.to_owned())),
        }
    }

    /// The interaction weight.
    pub fn weight(self) -> f32 {
        match self {
            TrainEventKind::View => 1.0,
            TrainEventKind::Cart => 3.0,
            TrainEventKind::Purchase => 5.0,
        }
    }
}

/// Whole seconds from a number (as JS passes them): finite and integral, else [`DataError::BadTimestamp`].
pub fn seconds_from_f64(t: f64) -> Result<i64, DataError> {
    // 2^63 is exactly representable; every integral value below it converts without loss of meaning.
    if t.is_finite() && t.fract() == 0.0 && t.abs() < 9.223_372_036_854_776e18 {
        Ok(t as i64)
    } else {
        Err(DataError::BadTimestamp(t))
    }
}

/// Why a training row was refused. [`DataError::field`] names the column (`user`, `session`, `item`,
/// `event`, `timestamp`, `price`, `row`).
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum DataError {
    /// An id is empty, too long or contains control characters (the error names which id).
    #[error(transparent)]
    Id(CoreError),
    /// An event kind other than view, cart, purchase.
    #[error("unknown event {0:?} (expected view, cart or purchase)")]
    UnknownEvent(String),
    /// A timestamp that is not a whole number of seconds.
    #[error("not an integer number of seconds: {0}")]
    BadTimestamp(f64),
    /// Neither a session nor a user.
    #[error("empty session and empty user: the row belongs to no one")]
    NoOwner,
    /// A price that is NaN, infinite or negative.
    #[error("not a finite non-negative number: {0}")]
    BadPrice(f64),
    /// More items or events than [`ModelLimits`] allow.
    #[error("too many {what}: the limit is {limit}")]
    TooMany {
        /// `items` or `events`.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// The interaction matrix refused the row.
    #[error(transparent)]
    Row(InteractionsError),
}

impl DataError {
    /// The column the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            DataError::Id(
                CoreError::InvalidId { field, .. } | CoreError::IdTooLong { field, .. },
            ) => field,
            DataError::UnknownEvent(_) => "event",
            DataError::BadTimestamp(_) => "timestamp",
            DataError::NoOwner => "session",
            DataError::BadPrice(_) => "price",
            _ => "row",
        }
    }
}

/// Training rows being collected: catalogue rows first, then events. See the [module docs](self).
#[derive(Debug, Clone, Default)]
pub struct TrainingData {
    builder: InteractionsBuilder,
    catalogue: Vec<Item>,
    events: usize,
    limits: ModelLimits,
    fallback_session: String,
}

impl TrainingData {
    /// Empty, under the default [`ModelLimits`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Empty, under `limits` (checked with [`ModelLimits::validate`]).
    pub fn with_limits(limits: ModelLimits) -> Result<Self, CoreError> {
        limits.validate()?;
        Ok(TrainingData {
            limits,
            ..Self::default()
        })
    }

    /// Adds a catalogue row: the item becomes recommendable even without events, and its attributes feed
    /// `content` and the `mlp`/`hybrid` features. A repeated item keeps its first row. `brand` empty = none;
    /// `price` finite and ≥ 0.
    pub fn add_item(
        &mut self,
        item: &str,
        category: &str,
        brand: Option<&str>,
        price: Option<f64>,
    ) -> Result<(), DataError> {
        validate_id("item", item).map_err(DataError::Id)?;
        if let Some(p) = price {
            if !(p.is_finite() && p >= 0.0) {
                return Err(DataError::BadPrice(p));
            }
        }
        let before = self.builder.n_items();
        self.intern_item(item)?;
        if self.builder.n_items() > before {
            let mut it = Item::new(item, category);
            it.brand = brand.filter(|b| !b.is_empty()).map(str::to_owned);
            it.price = price;
            self.catalogue.push(it);
        }
        Ok(())
    }

    fn intern_item(&mut self, item: &str) -> Result<u32, DataError> {
        let before = self.builder.n_items();
        if before >= self.limits.max_items && !self.builder.has_item(item) {
            return Err(DataError::TooMany {
                what: "items",
                limit: self.limits.max_items,
            });
        }
        self.builder.item(item).map_err(|e| match e {
            InteractionsError::InvalidId(e) => DataError::Id(e),
            other => DataError::Row(other),
        })
    }

    /// Adds one event. `user` empty or `None` = anonymous (the session is the shopper); `session` empty or
    /// `None` = the user's events form one basket (`user:<user>`); one of the two is required. `timestamp`:
    /// any unit, only the order matters.
    pub fn add_event(
        &mut self,
        user: Option<&str>,
        session: Option<&str>,
        item: &str,
        kind: TrainEventKind,
        timestamp: i64,
    ) -> Result<(), DataError> {
        let user = user.filter(|u| !u.is_empty());
        let session = session.filter(|s| !s.is_empty());
        if let Some(u) = user {
            validate_id("user", u).map_err(DataError::Id)?;
        }
        validate_id("item", item).map_err(DataError::Id)?;
        let session = match session {
            Some(s) => {
                validate_id("session", s).map_err(DataError::Id)?;
                s
            }
            None => {
                let Some(u) = user else {
                    return Err(DataError::NoOwner);
                };
                self.fallback_session.clear();
                self.fallback_session.push_str("user:");
                self.fallback_session.push_str(u);
                self.fallback_session.as_str()
            }
        };
        if self.events >= self.limits.max_events {
            return Err(DataError::TooMany {
                what: "events",
                limit: self.limits.max_events,
            });
        }
        if self.builder.n_items() >= self.limits.max_items && !self.builder.has_item(item) {
            return Err(DataError::TooMany {
                what: "items",
                limit: self.limits.max_items,
            });
        }
        let session = session.to_owned();
        self.builder
            .push(user, &session, item, kind.weight(), timestamp)
            .map_err(|e| match e {
                InteractionsError::InvalidId(e) => DataError::Id(e),
                other => DataError::Row(other),
            })?;
        self.events += 1;
        Ok(())
    }

    /// Events added so far.
    pub fn n_events(&self) -> usize {
        self.events
    }

    /// Distinct items so far (catalogue and events).
    pub fn n_items(&self) -> usize {
        self.builder.n_items()
    }

    /// Fits the model `name` (one of [`MODEL_NAMES`], default config) with `seed`. Errors: an unknown name
    /// ([`FitError::UnknownModel`], checked first), no events ([`FitError::NoEvents`]), or the model's own
    /// refusal (EASE over its item limit…). `mlp` and `hybrid` train for seconds on large data.
    pub fn fit(self, name: &str, seed: u64) -> Result<FittedModel, FitError> {
        if !MODEL_NAMES.contains(&name) {
            return Err(FitError::UnknownModel(name.to_owned()));
        }
        if self.events == 0 {
            return Err(FitError::NoEvents);
        }
        let data = self.builder.build();
        let scorer = fit_with_catalogue(name, &data, &self.catalogue, seed)?;
        let tie = data.popularity().iter().map(|&c| c as f32).collect();
        Ok(FittedModel {
            data,
            scorer,
            tie,
            limits: self.limits,
        })
    }
}

/// Reusable per-query buffers (one score and one flag per item), so a stream of queries allocates once.
#[derive(Debug, Clone, Default)]
pub struct QueryBuffers {
    scores: Vec<f32>,
    excluded: Vec<bool>,
    marked: Vec<u32>,
    context: Vec<u32>,
}

/// A fitted model with its training data: answers queries by item id.
pub struct FittedModel {
    data: Interactions,
    scorer: Box<dyn Scorer>,
    tie: Vec<f32>,
    limits: ModelLimits,
}

impl std::fmt::Debug for FittedModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FittedModel")
            .field("model", &self.scorer.name())
            .field("items", &self.data.n_items())
            .finish_non_exhaustive()
    }
}

impl FittedModel {
    /// The model's name (`hybrid`, `knn`…).
    pub fn name(&self) -> &'static str {
        self.scorer.name()
    }

    /// The training data (item ids, users, popularity).
    pub fn data(&self) -> &Interactions {
        &self.data
    }

    /// The id of item index `item` (as returned by [`FittedModel::recommend`]).
    pub fn item_id(&self, item: u32) -> Option<&str> {
        self.data.items().name(item)
    }

    /// The `k` best items for `user` (`None`, empty or unknown: anonymous) with `context` in the cart or
    /// being viewed, best first, as `(item index, score)`. Never a context item; with `exclude_history`,
    /// never an item of the user's history. Context ids not in the training data are ignored, repeats count
    /// once. Fewer than `k` only when the catalogue runs out. Errors: `k` 0 or above `limits.max_k`, more
    /// context ids than `limits.max_context_items`.
    pub fn recommend<'a>(
        &self,
        user: Option<&str>,
        context: impl IntoIterator<Item = &'a str>,
        k: usize,
        exclude_history: bool,
    ) -> Result<Vec<(u32, f32)>, CoreError> {
        self.recommend_with(
            user,
            context,
            k,
            exclude_history,
            &mut QueryBuffers::default(),
        )
    }

    /// [`FittedModel::recommend`] reusing `buf` between queries.
    pub fn recommend_with<'a>(
        &self,
        user: Option<&str>,
        context: impl IntoIterator<Item = &'a str>,
        k: usize,
        exclude_history: bool,
        buf: &mut QueryBuffers,
    ) -> Result<Vec<(u32, f32)>, CoreError> {
        if k == 0 {
            return Err(CoreError::InvalidConfig {
                field: "k",
                value: "0".into(),
                reason: "must be at least 1",
            });
        }
        if k > self.limits.max_k {
            return Err(CoreError::InvalidConfig {
                field: "k",
                value: k.to_string(),
                reason: "is above limits.max_k",
            });
        }
        let n = self.data.n_items();
        buf.scores.resize(n, 0.0);
        buf.excluded.clear();
        buf.excluded.resize(n, false);
        buf.context.clear();
        for (seen, id) in context.into_iter().enumerate() {
            if seen >= self.limits.max_context_items {
                return Err(CoreError::CapacityExceeded {
                    what: "context items in a query",
                    limit: self.limits.max_context_items,
                });
            }
            if let Some(i) = self.data.items().get(id) {
                if !buf.context.contains(&i) {
                    buf.context.push(i);
                }
            }
        }
        let history = match user.filter(|u| !u.is_empty()) {
            Some(u) => self
                .data
                .row_of_user(u)
                .map(|r| self.data.history(r))
                .unwrap_or_default(),
            None => Vec::new(),
        };
        self.scorer
            .score_into(
                &Query {
                    history: &history,
                    context: &buf.context,
                },
                &mut buf.scores,
            )
            // The only error of `score_into` is a buffer of the wrong length, which `resize` rules out.
            .map_err(|_| CoreError::DimensionMismatch {
                what: "score buffer",
                got: buf.scores.len(),
                expected: n,
            })?;
        buf.marked.clear();
        buf.marked.extend_from_slice(&buf.context);
        if exclude_history {
            buf.marked.extend(history.iter().map(|&(i, _)| i));
        }
        for &i in &buf.marked {
            if let Some(e) = buf.excluded.get_mut(i as usize) {
                *e = true;
            }
        }
        let excluded = &buf.excluded;
        Ok(top_k(&buf.scores, &self.tie, k, |i| {
            excluded.get(i as usize).copied().unwrap_or(true)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two baskets of milk+bread, one of milk+butter, a user u1 who bought jam; a catalogue with tea.
    fn shop() -> TrainingData {
        let mut d = TrainingData::new();
        d.add_item("tea", "drinks", None, Some(2.0)).unwrap();
        for (user, session, item, ts) in [
            (Some("u1"), "s1", "milk", 1),
            (Some("u1"), "s1", "bread", 2),
            (None, "s2", "milk", 3),
            (None, "s2", "bread", 4),
            (None, "s3", "milk", 5),
            (None, "s3", "butter", 6),
            (Some("u1"), "s4", "jam", 7),
        ] {
            d.add_event(user, Some(session), item, TrainEventKind::Purchase, ts)
                .unwrap();
        }
        d
    }

    fn ids(m: &FittedModel, recs: &[(u32, f32)]) -> Vec<String> {
        recs.iter()
            .map(|&(i, _)| m.item_id(i).unwrap().to_owned())
            .collect()
    }

    #[test]
    fn every_model_fits_and_never_suggests_the_context() {
        for &name in MODEL_NAMES {
            let m = shop().fit(name, 7).unwrap();
            assert_eq!(m.name(), name);
            let recs = m
                .recommend(None, ["milk", "milk", "nope"], 10, false)
                .unwrap();
            let got = ids(&m, &recs);
            assert!(!got.contains(&"milk".to_owned()), "{name}: {got:?}");
            // Every other item of the 5 (tea from the catalogue included) is ranked.
            assert_eq!(got.len(), 4, "{name}: {got:?}");
            assert!(recs.windows(2).all(|w| w[0].1 >= w[1].1), "{name}");
        }
    }

    #[test]
    fn cooccur_puts_the_bought_with_item_first_and_history_is_excluded_on_request() {
        let m = shop().fit("cooccur", 42).unwrap();
        let recs = m.recommend(None, ["milk"], 1, false).unwrap();
        assert_eq!(ids(&m, &recs), ["bread"]);
        let all = m.recommend(Some("u1"), ["butter"], 10, true).unwrap();
        let got = ids(&m, &all);
        for h in ["milk", "bread", "jam", "butter"] {
            assert!(!got.contains(&h.to_owned()), "{got:?}");
        }
        assert_eq!(got, ["tea"]);
        // An unknown user is anonymous: nothing excluded but the context.
        assert_eq!(
            m.recommend(Some("ghost"), ["butter"], 10, true)
                .unwrap()
                .len(),
            4
        );
    }

    #[test]
    fn ties_break_by_popularity_then_index() {
        let m = shop().fit("popular", 1).unwrap();
        let recs = m.recommend(None, [], 5, false).unwrap();
        // milk has 3 buyers, bread 2, butter and jam 1 (butter interned first), tea none.
        assert_eq!(ids(&m, &recs), ["milk", "bread", "butter", "jam", "tea"]);
    }

    #[test]
    fn bad_rows_and_queries_are_refused_naming_the_field() {
        let mut d = TrainingData::new();
        let e = d
            .add_event(None, None, "milk", TrainEventKind::View, 1)
            .unwrap_err();
        assert_eq!(e.field(), "session");
        let e = d
            .add_event(Some("u\u{1}"), None, "milk", TrainEventKind::View, 1)
            .unwrap_err();
        assert_eq!(e.field(), "user");
        assert_eq!(
            e.to_string(),
            "invalid user \"u\\u{1}\": contains a control character"
        );
        let e = d.add_item("x", "", None, Some(-3.0)).unwrap_err();
        assert_eq!(
            (e.field(), e.to_string()),
            ("price", "not a finite non-negative number: -3".into())
        );
        assert_eq!(
            TrainEventKind::parse("teleport").unwrap_err().to_string(),
            "unknown event \"teleport\" (expected view, cart or purchase)"
        );
        assert_eq!(
            seconds_from_f64(1.5).unwrap_err().to_string(),
            "not an integer number of seconds: 1.5"
        );
        assert_eq!(seconds_from_f64(-7.0).unwrap(), -7);
        assert!(seconds_from_f64(f64::NAN).is_err());
        // Nothing was added by the refused rows.
        assert_eq!((d.n_events(), d.n_items()), (0, 0));
        assert_eq!(
            TrainingData::new().fit("ease", 1).unwrap_err().to_string(),
            "no events to fit on: the events are empty"
        );
        assert_eq!(
            shop().fit("magic", 1).unwrap_err().to_string(),
            "unknown model \"magic\": expected one of popular, cooccur, content, knn, ease, blend, mlp, hybrid"
        );
        let m = shop().fit("popular", 1).unwrap();
        assert_eq!(
            m.recommend(None, [], 0, false).unwrap_err().to_string(),
            "invalid k 0: must be at least 1"
        );
        assert_eq!(
            m.recommend(None, [], 201, false).unwrap_err().to_string(),
            "invalid k 201: is above limits.max_k"
        );
        let many: Vec<String> = (0..501).map(|i| format!("i{i}")).collect();
        assert_eq!(
            m.recommend(None, many.iter().map(String::as_str), 1, false)
                .unwrap_err()
                .to_string(),
            "too many context items in a query: the limit is 500"
        );
    }

    #[test]
    fn limits_bound_items_and_events_and_are_validated() {
        let limits = ModelLimits {
            max_items: 2,
            max_events: 3,
            ..ModelLimits::default()
        };
        let mut d = TrainingData::with_limits(limits).unwrap();
        d.add_item("a", "", None, None).unwrap();
        d.add_item("b", "", None, None).unwrap();
        d.add_item("a", "", None, None).unwrap(); // a repeat: no new item
        assert_eq!(
            d.add_item("c", "", None, None).unwrap_err().to_string(),
            "too many items: the limit is 2"
        );
        let e = d
            .add_event(None, Some("s"), "c", TrainEventKind::View, 1)
            .unwrap_err();
        assert_eq!(e.to_string(), "too many items: the limit is 2");
        for t in 0..3 {
            d.add_event(None, Some("s"), "a", TrainEventKind::View, t)
                .unwrap();
        }
        assert_eq!(
            d.add_event(None, Some("s"), "a", TrainEventKind::View, 9)
                .unwrap_err()
                .to_string(),
            "too many events: the limit is 3"
        );
        let bad = ModelLimits {
            max_k: 0,
            ..ModelLimits::default()
        };
        assert_eq!(
            TrainingData::with_limits(bad).unwrap_err().to_string(),
            "invalid limits.max_k 0: must be at least 1"
        );
    }

    #[test]
    fn ease_over_its_item_limit_is_refused_with_its_message() {
        let mut d = TrainingData::new();
        for i in 0..5001 {
            d.add_item(&format!("i{i}"), "", None, None).unwrap();
        }
        d.add_event(Some("u"), None, "i0", TrainEventKind::Cart, 1)
            .unwrap();
        assert_eq!(
            d.fit("ease", 1).unwrap_err().to_string(),
            "ease needs a dense 5001×5001 matrix: the catalogue has 5001 items, the limit is 5000; use `knn` or `hybrid` (which falls back to kNN)"
        );
    }
}
