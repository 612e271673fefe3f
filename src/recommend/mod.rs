//! The also-buy recommender: candidates from several sources, a weighted blend, business rules and reasons.
//!
//! # Pipeline
//!
//! 1. **Context**: the viewed item (weight [`RecommenderConfig::item_context_weight`]) and the cart items
//!    (weight 1 each).
//! 2. **Candidates** ([`Recommender::candidates`]), each with raw per-source [`Components`]:
//!    co-occurrence neighbours of the context items, content neighbours of the context vector, profile
//!    neighbours of the shopper vector, items bought before (unless rebuy is off), and the most popular items
//!    (at least `k` of them, so an answer always has `k` items when the catalogue allows). Only eligible items
//!    become candidates: never a context item, never out of stock, always passing the category filter.
//! 3. **Blend** ([`Recommender::blend`]): each source's components are scaled so its best candidate in this
//!    query scores 1, then `score = Σ weight · scaled`. A later learned re-ranker takes the same candidates
//!    and their components as features.
//! 4. **Re-rank** ([`rerank`]): with a trained model loaded, every candidate is re-scored by the MLP in one
//!    batched forward pass and the learned score is blended in (`Learned` reasons where it moved an item up).
//! 5. **Rules and reasons**: minimum score, best `k` (ties by item order), and for each suggestion the
//!    sources' shares of its score as reasons (`bought_with` split per context item) summing to 1.
//!
//! # State
//!
//! Population aggregates (co-occurrence and popularity from a pack) are kept apart from the shopper's own
//! (the event log and what it built: personal co-occurrence sessions, popularity, profile, purchases), so
//! [`Recommender::forget_personal`] is exact and [`Recommender::export_pack`] carries no individual's events.

pub mod config;
mod memo;
pub mod rerank;
pub mod types;

use ndarray::{Array1, Array2};

pub use config::{BlendWeights, Limits, RecommenderConfig, RecommenderConfigBuilder};
pub use rerank::{ModelStats, RerankConfig, Reranker, TrainProgress, TrainingRun};
pub use types::{
    Candidate, CategoryFilter, Components, Contribution, Query, Reason, ReasonKind, RecordOutcome,
    RecordReport, Rejection, Stats, Suggestion,
};

use crate::catalog::{category_under, Catalog, Item};
use crate::cooccur::{CoOccurrence, Popularity};
use crate::encoding::{ItemEncoder, Profile};
use crate::error::{Error, Result};
use crate::events::{DropReason, Event, EventKind, EventLog, LoggedEvent, Recorded};
use crate::hashing::FastMap;
use crate::ids::{validate_id, Interner};
use crate::similarity::{cosine_batch, row_norms, top_k_filtered};

const NONE: u32 = u32::MAX;

/// Population-level aggregates: co-occurrence counts and popularity.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Aggregates {
    pub(crate) cooccur: CoOccurrence,
    pub(crate) popularity: Popularity,
}

/// Drop counters since creation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct DropCounts {
    pub(crate) duplicates: u64,
    pub(crate) bursts: u64,
    pub(crate) over_session_cap: u64,
}

/// The also-buy recommender. See the [module docs](self) for the pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Recommender {
    pub(crate) config: RecommenderConfig,
    encoder: ItemEncoder,
    pub(crate) catalog: Catalog,
    /// Every item id known (catalogue first-seen order mixed with event order); indices never change.
    pub(crate) items: Interner,
    /// Universe index → catalogue index (or `NONE`).
    item_to_catalog: Vec<u32>,
    /// Catalogue index → universe index.
    catalog_to_item: Vec<u32>,
    vectors: Array2<f32>,
    norms: Array1<f32>,
    pub(crate) log: EventLog,
    pub(crate) base: Aggregates,
    /// How many item ids came with the pack (`None`: no pack). Ids after these came from the catalogue or
    /// from personal events.
    pub(crate) pack_items: Option<usize>,
    /// `base.popularity` decayed to its own latest time, by universe index (the pack never changes).
    base_popularity: Vec<f32>,
    local: Aggregates,
    profile: Profile,
    /// Universe index → (decayed purchase weight, at time).
    bought: FastMap<u32, (f64, f64)>,
    pub(crate) drops: DropCounts,
    /// The re-ranker in use (the pack's, or trained / fine-tuned here).
    pub(crate) model: Option<Reranker>,
    /// The pack's population model, restored by [`Recommender::forget_personal`].
    pub(crate) pack_model: Option<Reranker>,
    /// Query-independent intermediate results; see [`memo`].
    memo: memo::Memo,
}

/// A context item with its weight.
#[derive(Debug, Clone, Copy)]
struct ContextItem {
    item: u32,
    weight: f32,
}

impl Recommender {
    /// An empty recommender (no catalogue, no events). Validates `config`.
    pub fn new(config: RecommenderConfig) -> Result<Self> {
        config.validate()?;
        let encoder = ItemEncoder::new(config.encoder)?;
        let dim = encoder.dim();
        Ok(Recommender {
            config,
            encoder,
            catalog: Catalog::default(),
            items: Interner::new(),
            item_to_catalog: Vec::new(),
            catalog_to_item: Vec::new(),
            vectors: Array2::zeros((0, dim)),
            norms: Array1::zeros(0),
            log: EventLog::new(),
            base: Aggregates::default(),
            pack_items: None,
            base_popularity: Vec::new(),
            local: Aggregates::default(),
            profile: Profile::new(dim),
            bought: FastMap::default(),
            drops: DropCounts::default(),
            model: None,
            pack_model: None,
            memo: memo::Memo::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &RecommenderConfig {
        &self.config
    }

    /// Sets the event caps of the cleaning config after construction (for a recommender loaded from a pack,
    /// whose config came with the pack): most events in the log and most events per session, each at least 1.
    /// Events already kept stay; later `record` calls are checked against the new caps. `O(1)`.
    pub fn set_event_caps(
        &mut self,
        max_events: usize,
        max_events_per_session: usize,
    ) -> Result<()> {
        if max_events == 0 {
            return Err(Error::InvalidConfig {
                field: "max_events",
                value: "0".into(),
                reason: "must be at least 1",
            });
        }
        let mut cleaning = self.config.cleaning;
        cleaning.max_events = max_events;
        cleaning.max_events_per_session = max_events_per_session;
        cleaning.validate()?;
        self.config.cleaning = cleaning;
        Ok(())
    }

    /// The catalogue.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The shopper's kept events.
    pub fn log(&self) -> &EventLog {
        &self.log
    }

    /// The shopper profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The item vectors, one row per catalogue item (`n × dim`).
    pub fn item_vectors(&self) -> ndarray::ArrayView2<'_, f32> {
        self.vectors.view()
    }

    /// Replaces the catalogue. Validates every item (typed errors: bad ids, prices, duplicates, too many
    /// items); on error the previous catalogue stays. Re-encodes the items and rebuilds the profile from the
    /// log. `O(n · dim + events · dim)`.
    pub fn set_catalog(&mut self, items: Vec<Item>) -> Result<()> {
        let catalog = Catalog::new(items, self.config.limits.max_catalog_items)?;
        for it in catalog.items() {
            self.config.limits.check_id("item id", &it.id)?;
        }
        self.install_catalog(catalog)?;
        self.rebuild_personal();
        Ok(())
    }

    fn install_catalog(&mut self, catalog: Catalog) -> Result<()> {
        self.memo.clear();
        let mut items = self.items.clone();
        let mut catalog_to_item = Vec::with_capacity(catalog.len());
        for it in catalog.items() {
            catalog_to_item.push(items.intern(&it.id)?);
        }
        let mut item_to_catalog = vec![NONE; items.len()];
        for (c, &u) in catalog_to_item.iter().enumerate() {
            if let Some(slot) = item_to_catalog.get_mut(u as usize) {
                *slot = c as u32;
            }
        }
        self.vectors = self.encoder.encode_all(catalog.items());
        self.norms = row_norms(self.vectors.view());
        self.items = items;
        self.catalog = catalog;
        self.catalog_to_item = catalog_to_item;
        self.item_to_catalog = item_to_catalog;
        Ok(())
    }

    /// Records one shopper event: validates it (typed error naming field and value), cleans it, and updates
    /// the profile, personal co-occurrence, popularity and purchases; feedback on suggestions (impression,
    /// click, cart of a shown item) also fine-tunes a loaded re-ranker (see [`rerank`], bounded cost).
    /// `O(dim + session length)`.
    pub fn record(&mut self, event: &Event) -> Result<RecordOutcome> {
        self.record_inner(event, true)
    }

    /// [`Recommender::record`] without online learning: for replaying stored events whose feedback the
    /// saved model already learned from.
    pub fn replay(&mut self, event: &Event) -> Result<RecordOutcome> {
        self.record_inner(event, false)
    }

    fn record_inner(&mut self, event: &Event, learn: bool) -> Result<RecordOutcome> {
        event.validate()?;
        let limits = &self.config.limits;
        limits.check_id("session", &event.session)?;
        if let Some(item) = &event.item {
            limits.check_id("item", item)?;
        }
        self.memo.clear();
        let r = self
            .log
            .record(event, &mut self.items, &self.config.cleaning)?;
        self.item_to_catalog.resize(self.items.len(), NONE);
        match r {
            Recorded::Kept(e) => {
                self.apply(&e);
                if learn {
                    self.learn_online(&e);
                }
                Ok(RecordOutcome {
                    kept: true,
                    dropped: None,
                })
            }
            Recorded::Dropped(reason) => {
                match reason {
                    DropReason::Duplicate => self.drops.duplicates += 1,
                    DropReason::Burst => self.drops.bursts += 1,
                    DropReason::SessionCap => self.drops.over_session_cap += 1,
                }
                Ok(RecordOutcome {
                    kept: false,
                    dropped: Some(reason),
                })
            }
        }
    }

    /// Records a batch; invalid events are reported (with their position and error) and skipped, the rest
    /// are recorded in order.
    pub fn record_many(&mut self, events: &[Event]) -> RecordReport {
        let mut report = RecordReport::default();
        self.log.reserve(
            events.len().min(
                self.config
                    .cleaning
                    .max_events
                    .saturating_sub(self.log.len()),
            ),
        );
        for (index, e) in events.iter().enumerate() {
            match self.record(e) {
                Ok(RecordOutcome { kept: true, .. }) => report.kept += 1,
                Ok(RecordOutcome {
                    dropped: Some(reason),
                    ..
                }) => match reason {
                    DropReason::Duplicate => report.duplicates += 1,
                    DropReason::Burst => report.bursts += 1,
                    DropReason::SessionCap => report.over_session_cap += 1,
                },
                Ok(_) => {}
                Err(err) => report.rejected.push(Rejection {
                    index,
                    error: err.to_string(),
                }),
            }
        }
        report
    }

    /// Applies a kept event to the personal state.
    fn apply(&mut self, e: &LoggedEvent) {
        let w = self.config.weights.of(e.kind);
        let decay = self.config.decay;
        if let Some(item) = e.item {
            if e.kind.is_basket() && w > 0.0 {
                self.local.cooccur.add(e.session, item, w);
                self.local.popularity.add(item, w, e.timestamp_ms, decay);
            }
            if w != 0.0 {
                let c = self
                    .item_to_catalog
                    .get(item as usize)
                    .copied()
                    .unwrap_or(NONE);
                if c != NONE && (c as usize) < self.vectors.nrows() {
                    let row = self.vectors.row(c as usize);
                    // Lengths match by construction; an error here could only skip the update.
                    let _ = self.profile.add(row, w, e.timestamp_ms, decay);
                }
            }
            if e.kind == EventKind::Purchase {
                let entry = self.bought.entry(item).or_insert((0.0, e.timestamp_ms));
                let (v, t) = *entry;
                *entry = if e.timestamp_ms >= t {
                    (v * decay.factor(e.timestamp_ms - t) + 1.0, e.timestamp_ms)
                } else {
                    (v + decay.factor(t - e.timestamp_ms), t)
                };
            }
        }
        if let (EventKind::Search, Some(q)) = (e.kind, e.query.as_deref()) {
            if w != 0.0 {
                let v = self.encoder.encode_query(q);
                let _ = self.profile.add(v.view(), w, e.timestamp_ms, decay);
            }
        }
    }

    /// Rebuilds everything derived from the log (after a catalogue change or a load). `O(events · dim)`.
    fn rebuild_personal(&mut self) {
        self.memo.clear();
        self.local = Aggregates::default();
        self.profile = Profile::new(self.encoder.dim());
        self.bought = FastMap::default();
        self.item_to_catalog.resize(self.items.len(), NONE);
        let log = std::mem::take(&mut self.log);
        for e in log.events() {
            self.apply(e);
        }
        self.log = log;
    }

    /// Erases every personal trace: the event log and all it built (profile, purchases, personal
    /// co-occurrence and popularity, and item ids known only from personal events). The catalogue and any
    /// pack's aggregates stay.
    pub fn forget_personal(&mut self) {
        self.memo.clear();
        self.log = EventLog::new();
        self.drops = DropCounts::default();
        let keep = self.pack_items.unwrap_or(0).min(self.items.len());
        let names = self.items.names().get(..keep).unwrap_or(&[]).to_vec();
        self.items = Interner::from(names);
        let catalog = std::mem::take(&mut self.catalog);
        // Re-installing a catalogue that was valid before cannot fail; if it did, the catalogue is dropped
        // rather than leaving a half-built state.
        if self.install_catalog(catalog).is_err() {
            self.catalog = Catalog::default();
            self.catalog_to_item.clear();
        }
        self.item_to_catalog = vec![NONE; self.items.len()];
        for (c, &u) in self.catalog_to_item.iter().enumerate() {
            if let Some(slot) = self.item_to_catalog.get_mut(u as usize) {
                *slot = c as u32;
            }
        }
        self.model = self.pack_model.clone();
        self.rebuild_personal();
    }

    /// Counts describing the state.
    pub fn stats(&self) -> Stats {
        Stats {
            catalog_items: self.catalog.len(),
            known_items: self.items.len(),
            events: self.log.len(),
            events_dropped: (self.drops.duplicates
                + self.drops.bursts
                + self.drops.over_session_cap) as usize,
            sessions: self.log.sessions().len(),
            cooccurring_pairs: self.base.cooccur.union_pair_count(&self.local.cooccur),
            has_pack: self.pack_items.is_some(),
            profile_events: self.profile.events(),
            dim: self.encoder.dim(),
            model: self.model.as_ref().map(Reranker::stats),
        }
    }

    // ----- candidate space: catalogue items, or every known item when there is no catalogue -----

    fn space_len(&self) -> usize {
        if self.catalog.is_empty() {
            self.items.len()
        } else {
            self.catalog.len()
        }
    }

    /// Universe index → space index.
    fn to_space(&self, item: u32) -> Option<u32> {
        if self.catalog.is_empty() {
            ((item as usize) < self.items.len()).then_some(item)
        } else {
            match self.item_to_catalog.get(item as usize) {
                Some(&c) if c != NONE => Some(c),
                _ => None,
            }
        }
    }

    /// Space index → universe index.
    fn to_item(&self, s: u32) -> u32 {
        if self.catalog.is_empty() {
            s
        } else {
            self.catalog_to_item
                .get(s as usize)
                .copied()
                .unwrap_or(NONE)
        }
    }

    fn space_id(&self, s: u32) -> &str {
        self.items.name(self.to_item(s)).unwrap_or("")
    }

    fn eligible(&self, s: u32, context: &[u32], filter: Option<&CategoryFilter>) -> bool {
        let u = self.to_item(s);
        if u == NONE || context.contains(&u) {
            return false;
        }
        match self.catalog.get(s).filter(|_| !self.catalog.is_empty()) {
            Some(item) => {
                if !item.in_stock {
                    return false;
                }
                if let Some(f) = filter {
                    if !f.include.is_empty()
                        && !f.include.iter().any(|p| category_under(&item.category, p))
                    {
                        return false;
                    }
                    if f.exclude.iter().any(|p| category_under(&item.category, p)) {
                        return false;
                    }
                }
                true
            }
            // No catalogue: no category to filter on, so an include filter excludes everything.
            None => filter.is_none_or(|f| f.include.is_empty()),
        }
    }

    fn validate_query(&self, q: &Query) -> Result<()> {
        if q.k > self.config.limits.max_k {
            return Err(Error::InvalidConfig {
                field: "k",
                value: q.k.to_string(),
                reason: "is above limits.max_k",
            });
        }
        if q.cart.len() > self.config.limits.max_cart_items {
            return Err(Error::CapacityExceeded {
                what: "cart items in a query",
                limit: self.config.limits.max_cart_items,
            });
        }
        if !q.min_score.is_finite() {
            return Err(Error::NotFinite {
                field: "min_score",
                value: f64::from(q.min_score),
            });
        }
        if let Some(i) = &q.item {
            validate_id("item", i)?;
            self.config.limits.check_id("item", i)?;
        }
        for c in &q.cart {
            validate_id("cart item", c)?;
            self.config.limits.check_id("cart item", c)?;
        }
        Ok(())
    }

    /// The context: known items with weights (viewed item first), deduplicated.
    fn context(&self, q: &Query) -> Vec<ContextItem> {
        let mut out: Vec<ContextItem> = Vec::new();
        let entries = q
            .item
            .iter()
            .map(|i| (i, self.config.item_context_weight))
            .chain(q.cart.iter().map(|c| (c, 1.0)));
        for (id, weight) in entries {
            if let Some(item) = self.items.get(id) {
                if !out.iter().any(|c| c.item == item) {
                    out.push(ContextItem { item, weight });
                }
            }
        }
        out
    }

    /// Popularity over the candidate space (pack + personal), decayed; memoised until the next change.
    fn popularity(&self) -> &[f32] {
        self.memo
            .popularity
            .get_or_init(|| self.compute_popularity())
    }

    /// [`Recommender::popularity`] computed. `O(space)`.
    fn compute_popularity(&self) -> Vec<f32> {
        let n_items = self.items.len();
        let base = &self.base_popularity;
        let local = if self.local.popularity.is_empty() {
            Vec::new()
        } else {
            self.local.popularity.scores(n_items, self.config.decay)
        };
        (0..self.space_len() as u32)
            .map(|s| {
                let u = self.to_item(s) as usize;
                base.get(u).copied().unwrap_or(0.0) + local.get(u).copied().unwrap_or(0.0)
            })
            .collect()
    }

    /// The eligible candidates for `query`, each with its raw per-source component scores.
    ///
    /// Errors: a query over the limits (`k`, cart size), a bad id, a non-finite `min_score`.
    /// Complexity `O(n · dim)` for the content and profile sources (one matrix–vector product each) plus
    /// `O(n)` for popularity and the neighbour lists of the context items.
    pub fn candidates(&self, query: &Query) -> Result<Vec<Candidate>> {
        self.validate_query(query)?;
        let context = self.context(query);
        let ctx_items: Vec<u32> = context.iter().map(|c| c.item).collect();
        let filter = query.filter.as_ref();
        let n = self.space_len();
        let m = self.config.candidates_per_source;
        let mut found: FastMap<u32, Candidate> = FastMap::default();
        let mut order: Vec<u32> = Vec::new();
        let mut touch = |s: u32, this: &Self, order: &mut Vec<u32>| -> bool {
            if found.contains_key(&s) {
                return true;
            }
            if !this.eligible(s, &ctx_items, filter) {
                return false;
            }
            found.insert(
                s,
                Candidate {
                    item: this.space_id(s).to_owned(),
                    catalog_index: (!this.catalog.is_empty()).then_some(s),
                    components: Components::default(),
                    bought_with: Vec::new(),
                    similar_to: None,
                },
            );
            order.push(s);
            true
        };
        let mut bought_with: FastMap<u32, Vec<(u32, f32)>> = FastMap::default();

        // 1. Co-occurrence neighbours of each context item (the same lists the re-ranker's features use).
        let total_w: f32 = context.iter().map(|c| c.weight).sum();
        if total_w > 0.0 {
            for c in &context {
                let (neigh, scale) = self.scaled_neighbours(c.item);
                for &(j, s) in neigh.iter() {
                    if let Some(sj) = self.to_space(j) {
                        if touch(sj, self, &mut order) {
                            bought_with
                                .entry(sj)
                                .or_default()
                                .push((c.item, c.weight * s * scale / total_w));
                        }
                    }
                }
            }
        }

        // 2. Content similarity to the context vector; 3. profile similarity.
        let mut content: Option<Array1<f32>> = None;
        let mut interest: Option<&Array1<f32>> = None;
        if !self.catalog.is_empty() {
            let mut ctx_vec = Array1::<f32>::zeros(self.encoder.dim());
            let mut any = false;
            for c in &context {
                if let Some(row) = self.catalog_row(c.item) {
                    ctx_vec.scaled_add(c.weight, &row);
                    any = true;
                }
            }
            if any {
                let sims = cosine_batch(self.vectors.view(), self.norms.view(), ctx_vec.view())?;
                self.take_top(sims.as_slice(), m, &mut touch, &mut order);
                content = Some(sims);
            }
            let memo = self.memo.interest.get_or_init(|| {
                if self.profile.is_zero() {
                    return Ok(None);
                }
                let sims = cosine_batch(
                    self.vectors.view(),
                    self.norms.view(),
                    self.profile.vector(),
                )?;
                let top = crate::similarity::top_k(sims.as_slice().unwrap_or(&[]), m * 2 + 8);
                Ok(Some((sims, top)))
            });
            if let Some((sims, top)) = memo.as_ref().map_err(Clone::clone)? {
                for &(s, v) in top {
                    if v <= 0.0 {
                        break;
                    }
                    touch(s as u32, self, &mut order);
                }
                interest = Some(sims);
            }
        }

        // 4. Rebuy.
        let mut rebuy: FastMap<u32, f32> = FastMap::default();
        if self.config.rebuy && !self.bought.is_empty() {
            let all = self.memo.rebuy.get_or_init(|| {
                let now = self.profile.reference_ms();
                let decay = self.config.decay;
                crate::similarity::top_k_by_id(
                    self.bought.iter().filter_map(|(&u, &(v, t))| {
                        let s = self.to_space(u)?;
                        Some((s, (v * decay.factor(now - t)) as f32))
                    }),
                    self.bought.len(),
                )
            });
            // The best `m` eligible ones: `all` is best first with ties by index, as top_k_by_id orders.
            let list = all
                .iter()
                .filter(|(s, _)| self.eligible(*s, &ctx_items, filter))
                .take(m);
            for &(s, v) in list {
                if touch(s, self, &mut order) {
                    rebuy.insert(s, v);
                }
            }
        }

        // 5. Popularity (at least k, so the answer can always be filled).
        let pop = self.popularity();
        let take = m.max(query.k);
        let eligible = |s: usize| self.eligible(s as u32, &ctx_items, filter);
        for (s, _) in top_k_filtered(pop, take, eligible) {
            touch(s as u32, self, &mut order);
        }
        let _ = n;

        // Fill every candidate's components from the full arrays.
        let mut out = Vec::with_capacity(order.len());
        for s in order {
            let Some(mut cand) = found.remove(&s) else {
                continue;
            };
            if let Some(list) = bought_with.remove(&s) {
                cand.components.bought_with = list.iter().map(|x| x.1).sum();
                cand.bought_with = list
                    .into_iter()
                    .map(|(c, v)| Contribution {
                        item: self.items.name(c).unwrap_or("").to_owned(),
                        score: v,
                    })
                    .collect();
            }
            if let Some(sims) = &content {
                cand.components.similar_to = sims.get(s as usize).copied().unwrap_or(0.0).max(0.0);
                cand.similar_to = self.most_similar_context(s, &context);
            }
            if let Some(sims) = interest {
                cand.components.matches_your_interest =
                    sims.get(s as usize).copied().unwrap_or(0.0).max(0.0);
            }
            cand.components.bought_before = rebuy.get(&s).copied().unwrap_or(0.0);
            cand.components.popular = pop.get(s as usize).copied().unwrap_or(0.0);
            out.push(cand);
        }
        Ok(out)
    }

    fn take_top(
        &self,
        scores: Option<&[f32]>,
        m: usize,
        touch: &mut impl FnMut(u32, &Self, &mut Vec<u32>) -> bool,
        order: &mut Vec<u32>,
    ) {
        let Some(scores) = scores else { return };
        // Over-fetch: some of the best may be ineligible (context, out of stock, filtered).
        for (s, v) in crate::similarity::top_k(scores, m * 2 + 8) {
            if v <= 0.0 {
                break;
            }
            touch(s as u32, self, order);
        }
    }

    fn catalog_row(&self, item: u32) -> Option<ndarray::ArrayView1<'_, f32>> {
        let c = self
            .item_to_catalog
            .get(item as usize)
            .copied()
            .unwrap_or(NONE);
        if c == NONE || c as usize >= self.vectors.nrows() {
            return None;
        }
        Some(self.vectors.row(c as usize))
    }

    fn most_similar_context(&self, s: u32, context: &[ContextItem]) -> Option<String> {
        let v = (s as usize) < self.vectors.nrows();
        if !v {
            return None;
        }
        let row = self.vectors.row(s as usize);
        let row = row.as_slice()?;
        let mut best: Option<(f32, u32)> = None;
        for c in context {
            if let Some(r) = self.catalog_row(c.item).as_ref().and_then(|r| r.as_slice()) {
                let d = crate::similarity::dot(r, row);
                if d > 0.0 && best.is_none_or(|(b, _)| d > b) {
                    best = Some((d, c.item));
                }
            }
        }
        best.and_then(|(_, u)| self.items.name(u))
            .map(str::to_owned)
    }

    /// Blends candidates into at most `query.k` suggestions with reasons, best first (ties by item order):
    /// scales each source so its best candidate scores 1, weights and sums, drops scores below
    /// `query.min_score`. Candidates are assumed eligible (as [`Recommender::candidates`] returns them).
    pub fn blend(&self, query: &Query, candidates: Vec<Candidate>) -> Vec<Suggestion> {
        let w = self.config.blend;
        let max = |f: fn(&Components) -> f32| {
            candidates
                .iter()
                .map(|c| f(&c.components))
                .fold(0.0f32, f32::max)
        };
        let inv = |m: f32| if m > 0.0 { 1.0 / m } else { 0.0 };
        let s_bw = inv(max(|c| c.bought_with));
        let s_sim = inv(max(|c| c.similar_to));
        let s_int = inv(max(|c| c.matches_your_interest));
        let s_reb = inv(max(|c| c.bought_before));
        let s_pop = inv(max(|c| c.popular));
        // The learned re-ranker: one forward pass over all candidates; it moves items relative to the mean.
        let learned = self.learned_scores(query, &candidates);
        let learned_mean = learned
            .as_ref()
            .map(|l| l.iter().sum::<f32>() / l.len().max(1) as f32)
            .unwrap_or(0.0);
        let rerank_weight = self.config.rerank.weight;
        let mut scored: Vec<(f32, usize, Suggestion)> = Vec::with_capacity(candidates.len());
        for (pos, c) in candidates.into_iter().enumerate() {
            let comp = c.components;
            let mut parts: Vec<(ReasonKind, Option<String>, f32)> = Vec::new();
            let bw_total = comp.bought_with * s_bw * w.bought_with;
            if bw_total > 0.0 && comp.bought_with > 0.0 {
                for part in &c.bought_with {
                    parts.push((
                        ReasonKind::BoughtWith,
                        Some(part.item.clone()),
                        bw_total * part.score / comp.bought_with,
                    ));
                }
            }
            parts.push((
                ReasonKind::SimilarTo,
                c.similar_to.clone(),
                comp.similar_to * s_sim * w.similar_to,
            ));
            parts.push((
                ReasonKind::MatchesYourInterest,
                None,
                comp.matches_your_interest * s_int * w.matches_your_interest,
            ));
            parts.push((
                ReasonKind::BoughtBefore,
                None,
                comp.bought_before * s_reb * w.bought_before,
            ));
            parts.push((ReasonKind::Popular, None, comp.popular * s_pop * w.popular));
            let delta = learned
                .as_ref()
                .and_then(|l| l.get(pos))
                .map_or(0.0, |p| rerank_weight * (p - learned_mean));
            if delta > 0.0 {
                parts.push((ReasonKind::Learned, None, delta));
            }
            parts.retain(|p| p.2 > 0.0 && p.2.is_finite());
            let positive: f32 = parts.iter().map(|p| p.2).sum();
            // Moved down by the model: the score loses `delta`, the remaining reasons keep their shares.
            let score = if delta < 0.0 && delta.is_finite() {
                (positive + delta).max(0.0)
            } else {
                positive
            };
            if score < query.min_score {
                continue;
            }
            let reasons = if positive > 0.0 {
                let r: Vec<Reason> = parts
                    .into_iter()
                    .map(|(kind, item, v)| Reason {
                        kind,
                        item,
                        share: v / positive,
                    })
                    .collect();
                // `ReasonKind` is field-less: its derived order is its discriminant's.
                sort_best_first(r, usize::MAX, |x| (x.share, x.kind as usize))
            } else {
                vec![Reason {
                    kind: ReasonKind::Popular,
                    item: None,
                    share: 1.0,
                }]
            };
            let key = c.catalog_index.map_or(pos, |i| i as usize);
            scored.push((
                score,
                key,
                Suggestion {
                    item: c.item,
                    score,
                    reasons,
                },
            ));
        }
        // The best `k`: one sort of the candidates' keys (not worth a selection algorithm's own code in the
        // wasm, and blending is not a hot loop).
        sort_best_first(scored, query.k, |x| (x.0, x.1))
            .into_iter()
            .map(|x| x.2)
            .collect()
    }

    /// "Customers also bought": up to `query.k` suggestions with reasons, best first.
    ///
    /// Never an item of the context or cart, never out of stock, always passing the filter; exactly `k`
    /// items whenever that many eligible items exist and no `min_score` removes them — also for a brand-new
    /// shopper with no events. Errors as [`Recommender::candidates`].
    pub fn also_buy(&self, query: &Query) -> Result<Vec<Suggestion>> {
        let candidates = self.candidates(query)?;
        Ok(self.blend(query, candidates))
    }

    // ----- snapshots and packs: see crate::pack -----

    /// Rebuilds a recommender from deserialised parts, validating them (an inconsistent payload is an
    /// [`Error::PackDecode`]) and enforcing the loader's `limits` whatever the pack's config declares (too many
    /// items or events is an [`Error::CapacityExceeded`]). The result's limits are the tighter of the two.
    #[allow(clippy::too_many_arguments)] // one per payload part; called by the pack decoders only
    pub(crate) fn restore(
        loader: &Limits,
        mut config: RecommenderConfig,
        catalog: Catalog,
        items: Interner,
        mut log: EventLog,
        base: Aggregates,
        pack_items: Option<usize>,
        drops: DropCounts,
        models: (Option<Reranker>, Option<Reranker>),
    ) -> Result<Self> {
        config.validate()?;
        loader.validate()?;
        config.limits = config.limits.min(loader);
        let limits = config.limits;
        for (what, len) in [
            ("catalogue items", catalog.len()),
            ("items in the pack's item table", items.len()),
        ] {
            if len > limits.max_catalog_items {
                return Err(Error::CapacityExceeded {
                    what,
                    limit: limits.max_catalog_items,
                });
            }
        }
        if log.len() > config.cleaning.max_events {
            return Err(Error::CapacityExceeded {
                what: "events in the log",
                limit: config.cleaning.max_events,
            });
        }
        let catalog = Catalog::new(catalog.items().to_vec(), limits.max_catalog_items)?;
        for id in items.names() {
            validate_id("item", id)?;
            limits.check_id("item", id)?;
        }
        base.cooccur.validate()?;
        base.popularity.validate()?;
        let n = items.len();
        if base.popularity.len() > n || base.cooccur.occurrence_len() > n {
            return Err(Error::PackDecode {
                message: "aggregates name more items than the pack holds".into(),
            });
        }
        for e in log.events() {
            let bad_item = e.item.is_some_and(|i| i as usize >= n);
            let bad_session = e.session as usize >= log.sessions().len();
            if bad_item || bad_session || !e.timestamp_ms.is_finite() {
                return Err(Error::PackDecode {
                    message: "an event refers to an unknown item or session".into(),
                });
            }
        }
        if pack_items.is_some_and(|p| p > n) {
            return Err(Error::PackDecode {
                message: "pack item count exceeds the item table".into(),
            });
        }
        log.rebuild_index();
        let mut r = Recommender::new(config)?;
        r.items = items;
        r.install_catalog(catalog)?;
        if r.items.len() != n {
            return Err(Error::PackDecode {
                message: "catalogue ids are missing from the item table".into(),
            });
        }
        r.log = log;
        r.base_popularity = base
            .popularity
            .scores(base.popularity.len(), r.config.decay);
        r.base = base;
        r.pack_items = pack_items;
        r.drops = drops;
        r.install_models(models.0, models.1)?;
        r.rebuild_personal();
        Ok(r)
    }

    /// Population aggregates (pack + personal, without any session) for an aggregate pack.
    pub(crate) fn merged_aggregates(&self) -> Aggregates {
        let mut cooccur = self.base.cooccur.without_sessions();
        cooccur.merge_counts(&self.local.cooccur);
        let mut popularity = self.base.popularity.clone();
        popularity.merge(&self.local.popularity, self.config.decay);
        Aggregates {
            cooccur,
            popularity,
        }
    }
}

/// The first `limit` of `items` stably sorted by `key`: score descending (`total_cmp`), then tie-break
/// ascending.
///
/// Equivalent to a stable `sort_by` on `key` and a truncation, but every caller shares one heap sort over the
/// `(score, tie, position)` keys ([`BestFirst`]) instead of instantiating the stable sort (and a selection) per
/// element type (about 5 KB of wasm each; blending is not a hot loop).
fn sort_best_first<T>(items: Vec<T>, limit: usize, key: impl Fn(&T) -> (f32, usize)) -> Vec<T> {
    let keys: Vec<BestFirst> = items
        .iter()
        .enumerate()
        .map(|(pos, x)| {
            let (s, t) = key(x);
            BestFirst(s, t, pos)
        })
        .collect();
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    sorted_keys(keys)
        .iter()
        .take(limit)
        .filter_map(|k| slots.get_mut(k.2).and_then(Option::take))
        .collect()
}

/// A `(score, tie, position)` sort key ordered best first: score descending, then tie ascending, then position
/// ascending (a total order, so any sort of it reproduces the stable sort).
struct BestFirst(f32, usize, usize);

impl PartialEq for BestFirst {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for BestFirst {}

impl Ord for BestFirst {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        other
            .0
            .total_cmp(&self.0)
            .then(self.1.cmp(&other.1))
            .then(self.2.cmp(&other.2))
    }
}

impl PartialOrd for BestFirst {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// `keys` best first: a heap sort, whose code is smaller in the wasm than the slice sorts'.
#[inline(never)]
fn sorted_keys(keys: Vec<BestFirst>) -> Vec<BestFirst> {
    std::collections::BinaryHeap::from(keys).into_sorted_vec()
}

crate::codec::codec_struct!(Aggregates {
    cooccur,
    popularity
});
crate::codec::codec_struct!(DropCounts {
    duplicates,
    bursts,
    over_session_cap
});

#[cfg(test)]
mod tests;
