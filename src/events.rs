//! Shopper behaviour events, their validation, cleaning, weights and time decay.
//!
//! An [`Event`] is what a page reports (strings and a millisecond timestamp). [`EventLog::record`] validates
//! it (typed errors naming the field and value), cleans it (exact duplicates, view bursts, a per-session cap)
//! and appends the survivors as compact [`LoggedEvent`]s with interned ids.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::hashing::{fnv1a, FastMap, FNV_OFFSET};
use crate::ids::{shorten, validate_id, Interner};

/// Longest search query accepted (bytes of UTF-8).
pub const MAX_QUERY_LEN: usize = 512;

/// What the shopper did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Looked at a product page.
    View,
    /// Put the item in the cart.
    Cart,
    /// Took the item out of the cart.
    RemoveFromCart,
    /// Bought the item.
    Purchase,
    /// Searched (the event carries the query text; the item is optional).
    Search,
    /// A suggestion of this item was shown (feedback for the re-ranker).
    Impression,
    /// A suggestion of this item was clicked (feedback for the re-ranker).
    Click,
}

impl EventKind {
    /// Every kind, in declaration order.
    pub const ALL: [EventKind; 7] = [
        EventKind::View,
        EventKind::Cart,
        EventKind::RemoveFromCart,
        EventKind::Purchase,
        EventKind::Search,
        EventKind::Impression,
        EventKind::Click,
    ];

    /// The snake_case name (`"remove_from_cart"`…), as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::View => "view",
            EventKind::Cart => "cart",
            EventKind::RemoveFromCart => "remove_from_cart",
            EventKind::Purchase => "purchase",
            EventKind::Search => "search",
            EventKind::Impression => "impression",
            EventKind::Click => "click",
        }
    }

    /// Parses a snake_case name. Errors with [`Error::UnknownEventKind`] naming the value.
    pub fn parse(name: &str) -> Result<Self> {
        EventKind::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or_else(|| Error::UnknownEventKind {
                value: shorten(name),
            })
    }

    /// Whether this kind needs an item id (every kind but `search`).
    pub fn needs_item(self) -> bool {
        self != EventKind::Search
    }

    /// Whether this kind puts its item in the session's basket for co-occurrence ("bought together"):
    /// view, cart, purchase and click do; remove_from_cart, search and impression do not.
    pub fn is_basket(self) -> bool {
        matches!(
            self,
            EventKind::View | EventKind::Cart | EventKind::Purchase | EventKind::Click
        )
    }

    fn code(self) -> u8 {
        self as u8
    }
}

/// One behaviour event as a page reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// What happened.
    pub kind: EventKind,
    /// The item (required for every kind but `search`).
    #[serde(default)]
    pub item: Option<String>,
    /// The session (a visit, or a basket).
    pub session: String,
    /// When, in milliseconds since the Unix epoch (any non-negative finite number).
    pub timestamp_ms: f64,
    /// The query text of a `search` event.
    #[serde(default)]
    pub query: Option<String>,
}

impl Event {
    /// An event on an item.
    pub fn new(kind: EventKind, item: &str, session: &str, timestamp_ms: f64) -> Self {
        Event {
            kind,
            item: Some(item.to_owned()),
            session: session.to_owned(),
            timestamp_ms,
            query: None,
        }
    }

    /// A `search` event with its query text.
    pub fn search(query: &str, session: &str, timestamp_ms: f64) -> Self {
        Event {
            kind: EventKind::Search,
            item: None,
            session: session.to_owned(),
            timestamp_ms,
            query: Some(query.to_owned()),
        }
    }

    /// Checks every field; the error names the field and the value.
    pub fn validate(&self) -> Result<()> {
        validate_id("session", &self.session)?;
        validate_timestamp("timestamp_ms", self.timestamp_ms)?;
        match (&self.item, self.kind.needs_item()) {
            (Some(item), _) => validate_id("item", item)?,
            (None, true) => {
                return Err(Error::MissingField {
                    field: "item",
                    context: format!("{} event", self.kind.as_str()),
                })
            }
            (None, false) => {}
        }
        if self.kind == EventKind::Search {
            let q = self.query.as_deref().unwrap_or("");
            if q.trim().is_empty() {
                return Err(Error::MissingField {
                    field: "query",
                    context: "search event".to_owned(),
                });
            }
            if q.len() > MAX_QUERY_LEN {
                return Err(Error::InvalidId {
                    field: "query",
                    value: shorten(q),
                    reason: "is longer than 512 bytes",
                });
            }
        }
        Ok(())
    }
}

/// Checks that a timestamp is finite and non-negative.
pub fn validate_timestamp(field: &'static str, value: f64) -> Result<()> {
    let reason = if !value.is_finite() {
        "must be a finite number"
    } else if value < 0.0 {
        "must not be negative"
    } else {
        return Ok(());
    };
    Err(Error::InvalidTimestamp {
        field,
        value,
        reason,
    })
}

/// How much each kind of event says about interest. Used by the profile, co-occurrence and popularity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventWeights {
    /// Weight of a view (default 1).
    pub view: f32,
    /// Weight of an add-to-cart (default 3).
    pub cart: f32,
    /// Weight of a removal from the cart (default -1: mild negative interest in the profile).
    pub remove_from_cart: f32,
    /// Weight of a purchase (default 5).
    pub purchase: f32,
    /// Weight of a search query's tokens in the profile (default 1).
    pub search: f32,
    /// Weight of an impression (default 0: being shown says nothing about interest).
    pub impression: f32,
    /// Weight of a click on a suggestion (default 2).
    pub click: f32,
}

impl Default for EventWeights {
    fn default() -> Self {
        EventWeights {
            view: 1.0,
            cart: 3.0,
            remove_from_cart: -1.0,
            purchase: 5.0,
            search: 1.0,
            impression: 0.0,
            click: 2.0,
        }
    }
}

impl EventWeights {
    /// The weight of `kind`.
    pub fn of(&self, kind: EventKind) -> f32 {
        match kind {
            EventKind::View => self.view,
            EventKind::Cart => self.cart,
            EventKind::RemoveFromCart => self.remove_from_cart,
            EventKind::Purchase => self.purchase,
            EventKind::Search => self.search,
            EventKind::Impression => self.impression,
            EventKind::Click => self.click,
        }
    }

    /// Checks that every weight is finite.
    pub fn validate(&self) -> Result<()> {
        for k in EventKind::ALL {
            let w = self.of(k);
            if !w.is_finite() {
                return Err(Error::NotFinite {
                    field: "event weight",
                    value: f64::from(w),
                });
            }
        }
        Ok(())
    }
}

/// Exponential time decay with a half-life; `None` means no decay.
///
/// `factor(age) = 0.5^(age / half_life)`; ages below zero (events from the future of the reference) count 1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Decay {
    /// Half-life in milliseconds, or `None` for no decay.
    pub half_life_ms: Option<f64>,
}

impl Default for Decay {
    /// 30 days.
    fn default() -> Self {
        Decay {
            half_life_ms: Some(30.0 * 24.0 * 3600.0 * 1000.0),
        }
    }
}

impl Decay {
    /// No decay.
    pub const NONE: Decay = Decay { half_life_ms: None };

    /// The weight left after `age_ms`, in `(0, 1]`. `O(1)`, never NaN for finite ages.
    pub fn factor(&self, age_ms: f64) -> f64 {
        match self.half_life_ms {
            Some(h) if age_ms > 0.0 => (-age_ms / h * std::f64::consts::LN_2).exp(),
            _ => 1.0,
        }
    }

    /// Checks that the half-life, when set, is finite and positive.
    pub fn validate(&self) -> Result<()> {
        match self.half_life_ms {
            Some(h) if !(h.is_finite() && h > 0.0) => Err(Error::InvalidConfig {
                field: "half_life_ms",
                value: crate::num::F64(h).to_string(),
                reason: "must be a finite number above 0",
            }),
            _ => Ok(()),
        }
    }
}

/// How the log cleans incoming events. Build with [`CleaningConfig::builder`]; defaults in `Default`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CleaningConfig {
    /// Drop an event identical (kind, item or query, session, timestamp) to the last kept one of its kind on
    /// that item in that session (default on).
    pub drop_duplicates: bool,
    /// Drop a view of an item viewed (and kept) in the same session less than this many ms earlier
    /// (default 2,000 ms; 0 turns burst removal off).
    pub burst_window_ms: f64,
    /// Keep at most this many events per session; later ones are dropped (default 500).
    pub max_events_per_session: usize,
    /// Keep at most this many events in the log; recording more is an [`Error::CapacityExceeded`]
    /// (default 1,000,000).
    pub max_events: usize,
}

impl Default for CleaningConfig {
    fn default() -> Self {
        CleaningConfig {
            drop_duplicates: true,
            burst_window_ms: 2_000.0,
            max_events_per_session: 500,
            max_events: 1_000_000,
        }
    }
}

impl CleaningConfig {
    /// A builder starting from the defaults.
    pub fn builder() -> CleaningConfigBuilder {
        CleaningConfigBuilder(CleaningConfig::default())
    }

    /// Checks the values.
    pub fn validate(&self) -> Result<()> {
        if !(self.burst_window_ms.is_finite() && self.burst_window_ms >= 0.0) {
            return Err(Error::InvalidConfig {
                field: "burst_window_ms",
                value: crate::num::F64(self.burst_window_ms).to_string(),
                reason: "must be a finite number >= 0",
            });
        }
        if self.max_events_per_session == 0 {
            return Err(Error::InvalidConfig {
                field: "max_events_per_session",
                value: "0".into(),
                reason: "must be at least 1",
            });
        }
        Ok(())
    }
}

/// Builder for [`CleaningConfig`]; [`CleaningConfigBuilder::build`] validates.
#[derive(Debug, Clone)]
pub struct CleaningConfigBuilder(CleaningConfig);

impl CleaningConfigBuilder {
    /// See [`CleaningConfig::drop_duplicates`].
    pub fn drop_duplicates(mut self, on: bool) -> Self {
        self.0.drop_duplicates = on;
        self
    }
    /// See [`CleaningConfig::burst_window_ms`].
    pub fn burst_window_ms(mut self, ms: f64) -> Self {
        self.0.burst_window_ms = ms;
        self
    }
    /// See [`CleaningConfig::max_events_per_session`].
    pub fn max_events_per_session(mut self, n: usize) -> Self {
        self.0.max_events_per_session = n;
        self
    }
    /// See [`CleaningConfig::max_events`].
    pub fn max_events(mut self, n: usize) -> Self {
        self.0.max_events = n;
        self
    }
    /// The validated config.
    pub fn build(self) -> Result<CleaningConfig> {
        self.0.validate()?;
        Ok(self.0)
    }
}

/// Why a valid event was not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Identical to an event already kept.
    Duplicate,
    /// A repeated view inside the burst window.
    Burst,
    /// The session already holds `max_events_per_session` events.
    SessionCap,
}

/// What [`EventLog::record`] did with a valid event.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    /// Appended; the compact form is returned.
    Kept(LoggedEvent),
    /// Not appended, for this reason.
    Dropped(DropReason),
}

/// A kept event in compact form: interned item and session indices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedEvent {
    /// What happened.
    pub kind: EventKind,
    /// Interned item index (in the item interner passed to [`EventLog::record`]), if the event has an item.
    pub item: Option<u32>,
    /// Interned session index (in [`EventLog::sessions`]).
    pub session: u32,
    /// Milliseconds since the epoch.
    pub timestamp_ms: f64,
    /// The query text of a search.
    pub query: Option<String>,
}

/// The append-only, cleaned event log.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventLog {
    events: Vec<LoggedEvent>,
    sessions: Interner,
    #[serde(skip)]
    index: CleaningIndex,
}

/// Per-(session, kind, item-or-query) last kept timestamp, and per-session counts: what cleaning looks at.
#[derive(Debug, Clone, Default, PartialEq)]
struct CleaningIndex {
    last: FastMap<(u32, u8, u64), f64>,
    per_session: Vec<u32>,
    /// The session of the latest kept event (events of a session usually arrive together).
    recent_session: Option<(String, u32)>,
}

impl EventLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Validates, cleans and (if kept) appends `event`, interning its item into `items`.
    ///
    /// Errors: the validation errors of [`Event::validate`]; [`Error::CapacityExceeded`] when the log holds
    /// `config.max_events`. Amortised `O(1)` plus the id lengths.
    pub fn record(
        &mut self,
        event: &Event,
        items: &mut Interner,
        config: &CleaningConfig,
    ) -> Result<Recorded> {
        event.validate()?;
        if self.events.len() >= config.max_events {
            return Err(Error::CapacityExceeded {
                what: "events in the log",
                limit: config.max_events,
            });
        }
        let session = match &self.index.recent_session {
            Some((name, i)) if *name == event.session => *i,
            _ => self.sessions.intern(&event.session)?,
        };
        let count = self
            .index
            .per_session
            .get(session as usize)
            .copied()
            .unwrap_or(0);
        if count as usize >= config.max_events_per_session {
            return Ok(Recorded::Dropped(DropReason::SessionCap));
        }
        let item = match &event.item {
            Some(id) => Some(items.intern(id)?),
            None => None,
        };
        let key = (
            session,
            event.kind.code(),
            target_key(item, event.query.as_deref()),
        );
        if let Some(&last) = self.index.last.get(&key) {
            let t = event.timestamp_ms;
            if config.drop_duplicates && last == t {
                return Ok(Recorded::Dropped(DropReason::Duplicate));
            }
            if event.kind == EventKind::View
                && config.burst_window_ms > 0.0
                && t >= last
                && t - last < config.burst_window_ms
            {
                return Ok(Recorded::Dropped(DropReason::Burst));
            }
        }
        let logged = LoggedEvent {
            kind: event.kind,
            item,
            session,
            timestamp_ms: event.timestamp_ms,
            query: event
                .query
                .clone()
                .filter(|_| event.kind == EventKind::Search),
        };
        self.index_event(&logged);
        self.events.push(logged.clone());
        Ok(Recorded::Kept(logged))
    }

    fn index_event(&mut self, e: &LoggedEvent) {
        if self.index.recent_session.as_ref().map(|r| r.1) != Some(e.session) {
            self.index.recent_session = self
                .sessions
                .name(e.session)
                .map(|n| (n.to_owned(), e.session));
        }
        let key = (
            e.session,
            e.kind.code(),
            target_key(e.item, e.query.as_deref()),
        );
        self.index.last.insert(key, e.timestamp_ms);
        let s = e.session as usize;
        if self.index.per_session.len() <= s {
            self.index.per_session.resize(s + 1, 0);
        }
        if let Some(c) = self.index.per_session.get_mut(s) {
            *c += 1;
        }
    }

    /// Rebuilds the cleaning index after deserialisation. `O(len)`.
    pub fn rebuild_index(&mut self) {
        self.index = CleaningIndex::default();
        let events = std::mem::take(&mut self.events);
        for e in &events {
            self.index_event(e);
        }
        self.events = events;
    }

    /// Reserves room for `additional` more events.
    pub fn reserve(&mut self, additional: usize) {
        self.events.reserve(additional);
    }

    /// The kept events, in arrival order.
    pub fn events(&self) -> &[LoggedEvent] {
        &self.events
    }

    /// The session interner.
    pub fn sessions(&self) -> &Interner {
        &self.sessions
    }

    /// How many events are kept.
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether the log is empty.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

fn target_key(item: Option<u32>, query: Option<&str>) -> u64 {
    match item {
        Some(i) => u64::from(i),
        None => fnv1a(FNV_OFFSET, query.unwrap_or("").as_bytes()) | (1 << 63),
    }
}

// Wire index = position in `EventKind::ALL` (declaration order, as serde numbers the variants).
crate::codec::codec_unit_enum!(EventKind, EventKind::ALL);
crate::codec::codec_struct!(Event {
    kind,
    item,
    session,
    timestamp_ms,
    query
});
crate::codec::codec_struct!(EventWeights {
    view,
    cart,
    remove_from_cart,
    purchase,
    search,
    impression,
    click
});
crate::codec::codec_struct!(Decay { half_life_ms });
crate::codec::codec_struct!(CleaningConfig {
    drop_duplicates,
    burst_window_ms,
    max_events_per_session,
    max_events
});
crate::codec::codec_struct!(LoggedEvent {
    kind,
    item,
    session,
    timestamp_ms,
    query
});
crate::codec::codec_struct!(EventLog { events, sessions } skip { index: CleaningIndex::default() });

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn rec(log: &mut EventLog, items: &mut Interner, cfg: &CleaningConfig, e: Event) -> Recorded {
        log.record(&e, items, cfg).unwrap()
    }

    #[test]
    fn kinds_round_trip_by_name_and_serde() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()).unwrap(), k);
            let json = format!("\"{}\"", k.as_str());
            let bytes = postcard::to_stdvec(&k).unwrap();
            assert_eq!(postcard::from_bytes::<EventKind>(&bytes).unwrap(), k);
            assert!(json.contains(k.as_str()));
        }
        assert_eq!(
            EventKind::parse("buy").unwrap_err().to_string(),
            "unknown event kind \"buy\" (expected one of view, cart, remove_from_cart, purchase, search, impression, click)"
        );
    }

    #[test]
    fn validation_names_field_and_value() {
        let e = Event::new(EventKind::View, "milk", "s1", f64::NAN);
        assert!(matches!(
            e.validate(),
            Err(Error::InvalidTimestamp {
                field: "timestamp_ms",
                ..
            })
        ));
        let e = Event::new(EventKind::View, "milk", "s1", -5.0);
        assert_eq!(
            e.validate().unwrap_err().to_string(),
            "invalid timestamp_ms -5: must not be negative"
        );
        let e = Event::new(EventKind::View, "", "s1", 1.0);
        assert!(matches!(
            e.validate(),
            Err(Error::InvalidId { field: "item", .. })
        ));
        let e = Event::new(EventKind::View, "milk", "", 1.0);
        assert!(matches!(
            e.validate(),
            Err(Error::InvalidId {
                field: "session",
                ..
            })
        ));
        let mut e = Event::new(EventKind::Cart, "milk", "s", 1.0);
        e.item = None;
        assert_eq!(
            e.validate().unwrap_err().to_string(),
            "missing item for a cart event"
        );
        assert!(Event::search("  ", "s", 1.0).validate().is_err());
        assert!(Event::search("milk", "s", 1.0).validate().is_ok());
    }

    #[test]
    fn cleaning_drops_duplicates_bursts_and_overflow() {
        let cfg = CleaningConfig::builder()
            .burst_window_ms(1000.0)
            .max_events_per_session(4)
            .build()
            .unwrap();
        let mut log = EventLog::new();
        let mut items = Interner::new();
        let v = |t| Event::new(EventKind::View, "milk", "s", t);
        assert!(matches!(
            rec(&mut log, &mut items, &cfg, v(0.0)),
            Recorded::Kept(_)
        ));
        assert_eq!(
            rec(&mut log, &mut items, &cfg, v(0.0)),
            Recorded::Dropped(DropReason::Duplicate)
        );
        assert_eq!(
            rec(&mut log, &mut items, &cfg, v(500.0)),
            Recorded::Dropped(DropReason::Burst)
        );
        assert!(matches!(
            rec(&mut log, &mut items, &cfg, v(1500.0)),
            Recorded::Kept(_)
        ));
        // A cart right after a view is not a burst.
        let c = Event::new(EventKind::Cart, "milk", "s", 1600.0);
        assert!(matches!(
            rec(&mut log, &mut items, &cfg, c),
            Recorded::Kept(_)
        ));
        let q = Event::search("milk", "s", 1700.0);
        assert!(matches!(
            rec(&mut log, &mut items, &cfg, q),
            Recorded::Kept(_)
        ));
        let p = Event::new(EventKind::Purchase, "milk", "s", 1800.0);
        assert_eq!(
            rec(&mut log, &mut items, &cfg, p),
            Recorded::Dropped(DropReason::SessionCap)
        );
        // Another session is not capped.
        let p = Event::new(EventKind::Purchase, "milk", "t", 1800.0);
        assert!(matches!(
            rec(&mut log, &mut items, &cfg, p),
            Recorded::Kept(_)
        ));
        assert_eq!(log.len(), 5);
        assert_eq!(log.sessions().len(), 2);
    }

    #[test]
    fn log_capacity_is_a_typed_error() {
        let cfg = CleaningConfig::builder().max_events(1).build().unwrap();
        let mut log = EventLog::new();
        let mut items = Interner::new();
        log.record(
            &Event::new(EventKind::View, "a", "s", 0.0),
            &mut items,
            &cfg,
        )
        .unwrap();
        assert!(matches!(
            log.record(
                &Event::new(EventKind::View, "b", "s", 0.0),
                &mut items,
                &cfg
            ),
            Err(Error::CapacityExceeded { limit: 1, .. })
        ));
    }

    #[test]
    fn rebuilt_index_cleans_the_same() {
        let cfg = CleaningConfig::default();
        let mut log = EventLog::new();
        let mut items = Interner::new();
        rec(
            &mut log,
            &mut items,
            &cfg,
            Event::new(EventKind::View, "a", "s", 0.0),
        );
        let bytes = postcard::to_stdvec(&log).unwrap();
        let mut back: EventLog = postcard::from_bytes(&bytes).unwrap();
        back.rebuild_index();
        assert_eq!(back, log);
        assert_eq!(
            rec(
                &mut back,
                &mut items,
                &cfg,
                Event::new(EventKind::View, "a", "s", 0.0)
            ),
            Recorded::Dropped(DropReason::Duplicate)
        );
    }

    #[test]
    fn weights_and_decay() {
        let w = EventWeights::default();
        assert_eq!(w.of(EventKind::Purchase), 5.0);
        assert_eq!(w.of(EventKind::View), 1.0);
        let d = Decay {
            half_life_ms: Some(10.0),
        };
        assert_relative_eq!(d.factor(10.0), 0.5, epsilon = 1e-12);
        assert_relative_eq!(d.factor(20.0), 0.25, epsilon = 1e-12);
        assert_eq!(d.factor(-3.0), 1.0);
        assert_eq!(Decay::NONE.factor(1e12), 1.0);
        assert!(Decay {
            half_life_ms: Some(0.0)
        }
        .validate()
        .is_err());
        assert!(CleaningConfig::builder()
            .burst_window_ms(f64::NAN)
            .build()
            .is_err());
    }
}
