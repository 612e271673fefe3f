//! JS binding of [`crate::recommend::Recommender`]: the class `Recommender`.
//!
//! A thin newtype: converts the DTOs of [`super::dto`], delegates to the core, converts back. It adds only what
//! belongs to the browser: a default session per page load, `Date.now()` timestamps, and persistence of the
//! shopper's events in IndexedDB through the [`super::journal`], and of the shopper's re-ranker model (the
//! `"model"` state blob; training from scratch is bound in `super::training`, cargo feature `models`).
//!
//! The core recommender sits in an `Rc<RefCell<…>>` so a training run (a Promise that yields to the event loop
//! between slices) can install its model when it ends while `alsoBuy` keeps answering meanwhile; no borrow is
//! ever held across an `await`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

use super::dto::{self, from_js, to_js};
use super::journal::Journal;
use super::storage::{self, Store};
use super::to_js_error;
use crate::catalog::Item;
use crate::events::{Event, EventKind};
use crate::recommend::{
    CategoryFilter, ModelStats, Query, ReasonKind, Recommender, RecommenderConfig,
};

const DEFAULT_NAMESPACE: &str = "default";

/// The event records read back from IndexedDB: each record's key and its bytes (`None`: not bytes).
type StoredEvents = Vec<(f64, Option<Vec<u8>>)>;

/// "Customers also bought" suggestions for one shopper, computed in this page.
///
/// Create it empty (`new Recommender()`), from the shop's aggregated pack (`Recommender.fromPack(bytes)`), or
/// with this shopper's saved events (`await Recommender.open({ pack, namespace })`).
#[wasm_bindgen(js_name = Recommender)]
pub struct JsRecommender {
    pub(super) inner: Rc<RefCell<Recommender>>,
    session: String,
    namespace: String,
    pub(super) journal: Option<Rc<Journal>>,
    storage_note: Option<String>,
    /// CRC-32 of the model blob last loaded from or saved to IndexedDB (0: none).
    pub(super) saved_model: Rc<Cell<u32>>,
}

/// `stats().model` from the core's statistics.
pub(super) fn model_info(stats: Option<&ModelStats>, personal: bool) -> dto::ModelInfo {
    let clamp = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
    match stats {
        None => dto::ModelInfo::default(),
        Some(m) => dto::ModelInfo {
            loaded: true,
            personal,
            parameters: clamp(m.parameters),
            epochs: clamp(m.epochs),
            examples: clamp(m.examples),
            loss: m.loss,
            validation_loss: m.validation_loss,
            online_updates: u32::try_from(m.online_updates).unwrap_or(u32::MAX),
        },
    }
}

/// The name of the state blob holding the shopper's re-ranker model.
pub(super) const MODEL_BLOB: &str = "model";

/// Saves the current model to the `"model"` blob when it differs from the one last saved, covering the
/// events up to `covers` (those already learned from). Resolves at once without a model.
pub(super) async fn save_model(
    store: &Store,
    inner: &Rc<RefCell<Recommender>>,
    saved: &Rc<Cell<u32>>,
    covers: f64,
) -> Result<(), storage::StorageError> {
    let bytes = match inner.borrow().model_bytes() {
        Ok(Some(b)) => b,
        _ => return Ok(()),
    };
    let crc = crate::crc32::hash(&bytes);
    if crc == saved.get() {
        return Ok(());
    }
    let blob = storage::Blob {
        bytes,
        covers_events_up_to: covers,
    };
    store.put_blob(MODEL_BLOB, &blob).await?;
    saved.set(crc);
    Ok(())
}

fn new_session_id() -> String {
    // Not a secret and not randomness the model uses: a per-page-load label for grouping events.
    let now = js_sys::Date::now() as u64;
    let salt = (js_sys::Math::random() * 1e9) as u64;
    format!("s-{now:x}-{salt:x}")
}

fn wrap(inner: Recommender) -> JsRecommender {
    JsRecommender {
        inner: Rc::new(RefCell::new(inner)),
        saved_model: Rc::new(Cell::new(0)),
        session: new_session_id(),
        namespace: DEFAULT_NAMESPACE.to_owned(),
        journal: None,
        storage_note: None,
    }
}

fn event_from_dto(e: dto::ShopEvent, session: &str) -> Event {
    let kind = match e.kind {
        dto::EventKind::View => EventKind::View,
        dto::EventKind::Cart => EventKind::Cart,
        dto::EventKind::RemoveFromCart => EventKind::RemoveFromCart,
        dto::EventKind::Purchase => EventKind::Purchase,
        dto::EventKind::Search => EventKind::Search,
        dto::EventKind::Impression => EventKind::Impression,
        dto::EventKind::Click => EventKind::Click,
    };
    Event {
        kind,
        item: e.item,
        session: e.session.unwrap_or_else(|| session.to_owned()),
        timestamp_ms: e.timestamp.unwrap_or_else(js_sys::Date::now),
        query: e.query,
    }
}

fn item_from_dto(i: dto::CatalogItem) -> Item {
    Item {
        name: i.name.unwrap_or_default(),
        category: i.category.unwrap_or_default(),
        brand: i.brand,
        price: i.price,
        in_stock: i.in_stock.unwrap_or(true),
        tags: i.tags,
        id: i.id,
    }
}

fn item_to_dto(i: &Item) -> dto::CatalogItem {
    dto::CatalogItem {
        id: i.id.clone(),
        name: (!i.name.is_empty()).then(|| i.name.clone()),
        category: (!i.category.is_empty()).then(|| i.category.clone()),
        brand: i.brand.clone(),
        price: i.price,
        in_stock: Some(i.in_stock),
        tags: i.tags.clone(),
    }
}

fn reason_kind(k: ReasonKind) -> dto::ReasonKind {
    match k {
        ReasonKind::BoughtWith => dto::ReasonKind::BoughtWith,
        ReasonKind::SimilarTo => dto::ReasonKind::SimilarTo,
        ReasonKind::MatchesYourInterest => dto::ReasonKind::MatchesYourInterest,
        ReasonKind::BoughtBefore => dto::ReasonKind::BoughtBefore,
        ReasonKind::Popular => dto::ReasonKind::Popular,
        ReasonKind::Learned => dto::ReasonKind::Learned,
    }
}

fn query_from_dto(q: dto::AlsoBuyQuery) -> Query {
    let filter = (!q.include.is_empty() || !q.exclude.is_empty()).then_some(CategoryFilter {
        include: q.include,
        exclude: q.exclude,
    });
    Query {
        item: q.item,
        cart: q.cart,
        k: q.k.map_or(6, |k| k as usize),
        filter,
        min_score: q.min_score.unwrap_or(0.0),
    }
}

/// A recommender (from `pack`, or empty) under the page's own limits (`Recommender.open({ limits })`).
fn with_limits(pack: Option<&[u8]>, l: &dto::LimitOptions) -> crate::error::Result<Recommender> {
    for (field, v) in [
        ("limits.maxCatalogItems", l.max_catalog_items),
        ("limits.maxPackBytes", l.max_pack_bytes),
        ("limits.maxK", l.max_k),
        ("limits.maxCartItems", l.max_cart_items),
        ("limits.maxIdBytes", l.max_id_bytes),
        ("limits.maxEvents", l.max_events),
        ("limits.maxEventsPerSession", l.max_events_per_session),
    ] {
        if v == Some(0) {
            return Err(crate::error::Error::InvalidConfig {
                field,
                value: "0".into(),
                reason: "must be at least 1",
            });
        }
    }
    if let Some(v) = l
        .max_id_bytes
        .filter(|&v| v as usize > crate::ids::MAX_ID_LEN)
    {
        return Err(crate::error::Error::InvalidConfig {
            field: "limits.maxIdBytes",
            value: v.to_string(),
            reason: "must be at most 256",
        });
    }
    let d = RecommenderConfig::default();
    let pick = |v: Option<u32>, default: usize| v.map_or(default, |v| v as usize);
    let limits = crate::recommend::Limits {
        max_catalog_items: pick(l.max_catalog_items, d.limits.max_catalog_items),
        max_pack_bytes: pick(l.max_pack_bytes, d.limits.max_pack_bytes),
        max_k: pick(l.max_k, d.limits.max_k),
        max_cart_items: pick(l.max_cart_items, d.limits.max_cart_items),
        max_id_bytes: pick(l.max_id_bytes, d.limits.max_id_bytes),
    };
    limits.validate()?;
    let mut rec = match pack {
        Some(bytes) => Recommender::from_pack_with_limits(bytes, &limits)?,
        None => Recommender::new(RecommenderConfig::builder().limits(limits).build()?)?,
    };
    rec.set_event_caps(
        pick(l.max_events, d.cleaning.max_events),
        pick(l.max_events_per_session, d.cleaning.max_events_per_session),
    )?;
    Ok(rec)
}

#[wasm_bindgen(js_class = Recommender)]
impl JsRecommender {
    /// An empty recommender in memory (no catalogue, no events): learns everything from `record`.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<JsRecommender, JsError> {
        Recommender::new(RecommenderConfig::default())
            .map(wrap)
            .map_err(to_js_error)
    }

    /// A recommender from the shop's aggregated model pack (catalogue, co-occurrence, popularity, model
    /// weights; never an individual shopper's events). Throws on a truncated, corrupted or newer-version pack.
    #[wasm_bindgen(js_name = fromPack)]
    pub fn from_pack(bytes: &[u8]) -> Result<JsRecommender, JsError> {
        Recommender::from_pack(bytes).map(wrap).map_err(to_js_error)
    }

    /// Opens this shopper's saved state: starts from `options.pack` (if given), then replays the events saved
    /// in IndexedDB database `alsobuy:<namespace>`; every later `record` is saved too. When IndexedDB is
    /// unavailable it works in memory and says so in `stats().persistence` / `stats().storageNote`.
    pub async fn open(
        #[wasm_bindgen(unchecked_optional_param_type = "OpenOptions")] options: Option<
            js_sys::Object,
        >,
    ) -> Result<JsRecommender, JsError> {
        let mut rec = JsRecommender::from_options(options)?;
        match Store::open(&rec.namespace).await {
            Ok(store) => {
                // The shopper's model first: events it already learned from are replayed without learning.
                let blob = store.get_blob(MODEL_BLOB).await;
                let covers = rec.load_saved_model(blob);
                let records = store.events_after(0.0).await;
                let last_key = rec.replay_stored(records, covers);
                rec.journal = Some(Journal::new(store, last_key));
            }
            Err(e) => rec.storage_note = Some(e.to_string()),
        }
        Ok(rec)
    }

    /// Replaces the catalogue. Throws an `Error` naming the item, field and value of the first bad item; the
    /// previous catalogue then stays.
    #[wasm_bindgen(js_name = setCatalog)]
    pub fn set_catalog(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "CatalogItem[]")] items: JsValue,
    ) -> Result<(), JsError> {
        let items: Vec<dto::CatalogItem> = from_js("catalog", items)?;
        self.inner
            .borrow_mut()
            .set_catalog(items.into_iter().map(item_from_dto).collect())
            .map_err(to_js_error)
    }

    /// Every catalogue item.
    #[wasm_bindgen(unchecked_return_type = "CatalogItem[]")]
    pub fn catalog(&self) -> Result<JsValue, JsError> {
        let items: Vec<_> = self
            .inner
            .borrow()
            .catalog()
            .items()
            .iter()
            .map(item_to_dto)
            .collect();
        to_js(&items)
    }

    /// One catalogue item, or `undefined`.
    #[wasm_bindgen(unchecked_return_type = "CatalogItem | undefined")]
    pub fn item(&self, id: &str) -> Result<JsValue, JsError> {
        match self.inner.borrow().catalog().by_id(id) {
            Some(i) => to_js(&item_to_dto(i)),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// Records one event (saved to IndexedDB when opened with `open`). Throws on an invalid event, naming the
    /// field and value; the recommender stays usable. Returns whether the event was kept (duplicates and
    /// bursts are dropped by cleaning).
    pub fn record(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "ShopEvent")] event: JsValue,
    ) -> Result<bool, JsError> {
        let event: dto::ShopEvent = from_js("event", event)?;
        let event = event_from_dto(event, &self.session);
        let outcome = self
            .inner
            .borrow_mut()
            .record(&event)
            .map_err(to_js_error)?;
        if outcome.kept {
            self.persist(&event);
        }
        Ok(outcome.kept)
    }

    /// Records a batch, in order. Never all-or-nothing: every valid event is recorded, and each refused one
    /// (a wrong JS type or an invalid event) is counted in `rejected` and reported in `errors` with its index
    /// (`events[3]: field "item": expected a string, got number 5`). Throws only when `events` is not an array.
    #[wasm_bindgen(js_name = recordMany, unchecked_return_type = "RecordSummary")]
    pub fn record_many(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "ShopEvent[]")] events: JsValue,
    ) -> Result<JsValue, JsError> {
        const MAX_ERRORS: usize = 100;
        if !js_sys::Array::is_array(&events) {
            return Err(JsError::new(&format!(
                "alsobuy: invalid events: expected an array, got {}",
                dto::describe(&events)
            )));
        }
        let mut summary = dto::RecordSummary::default();
        let reject = |summary: &mut dto::RecordSummary, index: u32, msg: String| {
            summary.rejected += 1;
            if summary.errors.len() < MAX_ERRORS {
                summary.errors.push(format!("events[{index}]: {msg}"));
            }
        };
        for (index, value) in js_sys::Array::from(&events).iter().enumerate() {
            let index = index as u32;
            let e: dto::ShopEvent = match dto::from_js_detail(value) {
                Ok(e) => e,
                Err(msg) => {
                    reject(&mut summary, index, msg);
                    continue;
                }
            };
            let event = event_from_dto(e, &self.session);
            let recorded = self.inner.borrow_mut().record(&event);
            match recorded {
                Ok(o) if o.kept => {
                    summary.kept += 1;
                    self.persist(&event);
                }
                Ok(_) => summary.dropped += 1,
                Err(err) => reject(&mut summary, index, super::error::js_names(err).to_string()),
            }
        }
        let shown = summary.errors.len() as u32;
        if summary.rejected > shown {
            summary.errors.push(format!(
                "… and {} more rejected events",
                summary.rejected - shown
            ));
        }
        to_js(&summary)
    }

    /// Suggestions for the viewed item and/or the cart, best first, each with its reasons. Never an item of
    /// the query, never an out-of-stock item; `k` items whenever the catalogue allows.
    #[wasm_bindgen(js_name = alsoBuy, unchecked_return_type = "Suggestion[]")]
    pub fn also_buy(
        &self,
        #[wasm_bindgen(unchecked_param_type = "AlsoBuyQuery")] query: JsValue,
    ) -> Result<JsValue, JsError> {
        let query: dto::AlsoBuyQuery = from_js("query", query)?;
        let suggestions = self
            .inner
            .borrow()
            .also_buy(&query_from_dto(query))
            .map_err(to_js_error)?;
        let out: Vec<dto::Suggestion> = suggestions
            .into_iter()
            .map(|s| dto::Suggestion {
                item: s.item,
                score: s.score,
                reasons: s
                    .reasons
                    .into_iter()
                    .map(|r| dto::Reason {
                        kind: reason_kind(r.kind),
                        item: r.item,
                        share: r.share,
                    })
                    .collect(),
            })
            .collect();
        to_js(&out)
    }

    /// The aggregated pack to ship as a static file: catalogue, co-occurrence, popularity, config (and model
    /// weights) — never this shopper's events.
    #[wasm_bindgen(js_name = exportPack)]
    pub fn export_pack(&self) -> Result<Vec<u8>, JsError> {
        self.inner.borrow().export_pack().map_err(to_js_error)
    }

    /// Resolves when every recorded event is committed to IndexedDB (at once when working in memory), and
    /// the model fine-tuned from them is saved; rejects with the storage error (e.g. quota exceeded) — the
    /// events stay queued and are retried.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn flush(&self) -> Promise {
        let Some(j) = self.journal.clone() else {
            return Promise::resolve(&JsValue::UNDEFINED);
        };
        let events = j.flush();
        let inner = self.inner.clone();
        let saved = self.saved_model.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            wasm_bindgen_futures::JsFuture::from(events).await?;
            // Only when every event is committed: the blob then covers exactly what the model learned from.
            if j.pending() == 0 {
                save_model(j.store(), &inner, &saved, j.last_key())
                    .await
                    .map_err(|e| JsValue::from(JsError::new(&format!("alsobuy: {e}"))))?;
            }
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Erases this shopper's data: the in-memory events and everything learned from them, and the whole
    /// IndexedDB database of this namespace. The catalogue and the pack's aggregates stay.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn forget(&mut self) -> Promise {
        self.inner.borrow_mut().forget_personal();
        self.saved_model.set(0);
        let journal = self.journal.take();
        if let Some(j) = &journal {
            j.discard();
            j.store().close();
        }
        let namespace = self.namespace.clone();
        let reopen = journal.is_some();
        wasm_bindgen_futures::future_to_promise(async move {
            storage::delete_database(&namespace)
                .await
                .map_err(|e| JsValue::from(JsError::new(&format!("alsobuy: {e}"))))?;
            let _ = reopen;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Counts and where the data is kept.
    #[wasm_bindgen(unchecked_return_type = "Stats")]
    pub fn stats(&self) -> Result<JsValue, JsError> {
        let (s, personal) = {
            let inner = self.inner.borrow();
            (inner.stats(), inner.model_is_personal())
        };
        let note = self
            .journal
            .as_ref()
            .and_then(|j| j.last_error().map(|e| e.to_string()))
            .or_else(|| self.storage_note.clone());
        to_js(&dto::Stats {
            items: s.catalog_items as u32,
            events: s.events as u32,
            sessions: s.sessions as u32,
            persistence: if self.journal.is_some() {
                dto::Persistence::Indexeddb
            } else {
                dto::Persistence::Memory
            },
            pending_writes: self.journal.as_ref().map_or(0, |j| j.pending() as u32),
            storage_note: note,
            model: model_info(s.model.as_ref(), personal),
        })
    }

    /// The session id this instance gives events that do not name one.
    #[wasm_bindgen(getter)]
    pub fn session(&self) -> String {
        self.session.clone()
    }
}

impl JsRecommender {
    /// `open`'s synchronous start: the recommender from `options` (pack, limits) and its namespace, checked.
    #[inline(never)]
    fn from_options(options: Option<js_sys::Object>) -> Result<JsRecommender, JsError> {
        let options: dto::OpenOptions = match options {
            Some(o) if !o.is_undefined() && !o.is_null() => from_js("open options", o.into())?,
            _ => dto::OpenOptions::default(),
        };
        let mut rec = match &options.limits {
            None => match &options.pack {
                Some(bytes) => JsRecommender::from_pack(bytes)?,
                None => JsRecommender::new()?,
            },
            Some(l) => with_limits(options.pack.as_ref().map(|b| b.as_slice()), l)
                .map(wrap)
                .map_err(to_js_error)?,
        };
        let namespace = options
            .namespace
            .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
        crate::ids::validate_id("namespace", &namespace).map_err(to_js_error)?;
        rec.namespace = namespace;
        Ok(rec)
    }

    /// Installs the shopper's saved model blob (if readable); returns the events it already covers (0: none).
    #[inline(never)]
    fn load_saved_model(
        &mut self,
        blob: Result<Option<storage::Blob>, storage::StorageError>,
    ) -> f64 {
        match blob {
            Ok(Some(blob)) => {
                let loaded = self.inner.borrow_mut().load_model_bytes(&blob.bytes);
                match loaded {
                    Ok(()) => {
                        self.saved_model.set(crate::crc32::hash(&blob.bytes));
                        return blob.covers_events_up_to;
                    }
                    Err(e) => {
                        self.storage_note = Some(format!(
                            "the saved model was unreadable and was skipped: {e}"
                        ))
                    }
                }
            }
            Ok(None) => {}
            Err(e) => self.storage_note = Some(e.to_string()),
        }
        0.0
    }

    /// Replays the stored event records (those up to `covers` without learning); unreadable or refused ones are
    /// counted in the storage note. Returns the last record key.
    #[inline(never)]
    fn replay_stored(
        &mut self,
        records: Result<StoredEvents, storage::StorageError>,
        covers: f64,
    ) -> f64 {
        let mut last_key = 0.0f64;
        let (mut unreadable, mut refused) = (0usize, 0usize);
        let mut first_refusal = None;
        match records {
            Ok(records) => {
                for (key, bytes) in records {
                    last_key = last_key.max(key);
                    let event = bytes.and_then(|b| crate::codec::from_bytes::<Event>(&b).ok());
                    match event {
                        // A stored event is replayed under this page's limits: one over a limit
                        // (log full, id too long) is refused, counted and named, never a panic.
                        Some(e) => {
                            let mut inner = self.inner.borrow_mut();
                            let r = if key <= covers {
                                inner.replay(&e)
                            } else {
                                inner.record(&e)
                            };
                            if let Err(err) = r {
                                refused += 1;
                                first_refusal.get_or_insert(err);
                            }
                        }
                        None => unreadable += 1,
                    }
                }
            }
            Err(e) => self.storage_note = Some(e.to_string()),
        }
        if unreadable > 0 || refused > 0 {
            let mut note = Vec::new();
            if unreadable > 0 {
                note.push(format!(
                    "{unreadable} stored event record(s) were unreadable and were skipped"
                ));
            }
            if let Some(err) = first_refusal {
                note.push(format!(
                    "{refused} stored event(s) were refused on replay (first: {err})"
                ));
            }
            self.storage_note = Some(note.join("; "));
        }
        last_key
    }

    fn persist(&mut self, event: &Event) {
        let Some(journal) = &self.journal else { return };
        journal.push(crate::codec::to_vec(event));
    }
}
