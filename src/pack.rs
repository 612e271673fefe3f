//! Snapshots and aggregate packs: a recommender's state to bytes and back.
//!
//! # Format (version 2)
//!
//! ```text
//! offset  size  field
//! 0       8     magic "ALSOBUY\0"
//! 8       2     format version, u16 little-endian (this build writes 2 and reads 1 and 2)
//! 10      1     kind: 1 = snapshot (whole state), 2 = aggregate pack (no personal data), 3 = model
//! 11      1     reserved, 0
//! 12      4     payload length, u32 little-endian
//! 16      4     CRC-32 (IEEE) of the payload, u32 little-endian
//! 20      n     payload: the structure of that kind and version in postcard's wire format
//! ```
//!
//! A **snapshot** ([`Recommender::to_bytes`]) holds the config, catalogue, item ids, the shopper's event log,
//! pack aggregates and drop counters; everything derived (item vectors, profile, personal co-occurrence) is
//! rebuilt from them on load, so it cannot disagree with them.
//!
//! An **aggregate pack** ([`Recommender::export_pack`]) holds the config, catalogue, item ids and
//! co-occurrence counts and popularity only — no event, no session, no profile. A shop builds it from its
//! order history and ships it as a static file; [`Recommender::from_pack`] loads it in the shopper's browser,
//! where the shopper's own events are then recorded on top (and [`Recommender::forget_personal`] removes
//! exactly those again). Note that the counts in a pack include those of every event recorded into the
//! recommender that exports it: export packs from the shop's data, not from a shopper's browser.
//!
//! **Version 2** appends the re-ranker to both payloads: its [`RerankConfig`] and the trained model
//! ([`Reranker`]: feature layout, MLP weights, Adam state and statistics), or none; a snapshot also keeps the
//! pack's population model apart from the fine-tuned one. Version-1 payloads (no model) still load, with
//! the default re-ranker settings. A **model** blob ([`Recommender::model_bytes`]) holds a `Reranker` alone:
//! the browser saves the shopper's fine-tuned model in it.
//!
//! The payload is postcard's wire format (varints, little-endian floats, length-prefixed sequences, fields in
//! order): the format packs have had since version 1, written and read by the hand-written codec of
//! [`crate::codec`] so that the widget ships neither postcard nor serde code for these types. The payload
//! fields, in order, are those of the `SnapshotOut`/`AggregateOut` writers below.
//!
//! Loading never panics: short or garbage input, an unknown or newer version, a checksum mismatch, an
//! undecodable or inconsistent payload each give a typed [`Error`].

use serde::{Deserialize, Serialize};

use crate::catalog::Catalog;
use crate::codec::{Decode, DecodeError, Encode, Reader};
use crate::error::{Error, Result};
use crate::events::EventLog;
use crate::ids::Interner;
use crate::recommend::config::Limits;
use crate::recommend::{
    Aggregates, DropCounts, Recommender, RecommenderConfig, RerankConfig, Reranker,
};

/// The first 8 bytes of every pack.
pub const MAGIC: [u8; 8] = *b"ALSOBUY\0";
/// The format version this build writes (and the newest it reads).
pub const FORMAT_VERSION: u16 = 2;
/// Header length in bytes.
pub const HEADER_LEN: usize = 20;

/// What a pack holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PackKind {
    /// The whole state, personal events included.
    Snapshot,
    /// Population aggregates only.
    Aggregate,
    /// A re-ranker model alone.
    Model,
}

impl PackKind {
    fn code(self) -> u8 {
        match self {
            PackKind::Snapshot => 1,
            PackKind::Aggregate => 2,
            PackKind::Model => 3,
        }
    }

    fn name(self) -> &'static str {
        match self {
            PackKind::Snapshot => "snapshot",
            PackKind::Aggregate => "aggregate pack",
            PackKind::Model => "model",
        }
    }
}

/// Wraps `payload` in a header.
fn frame(kind: PackKind, payload: &[u8], max_bytes: usize) -> Result<Vec<u8>> {
    let total = HEADER_LEN + payload.len();
    let len = u32::try_from(payload.len())
        .ok()
        .filter(|_| total <= max_bytes);
    let Some(len) = len else {
        return Err(Error::CapacityExceeded {
            what: "pack bytes",
            limit: max_bytes,
        });
    };
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.push(kind.code());
    out.push(0);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&crate::crc32::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    Ok(out)
}

/// Checks the header and checksum and returns the payload and its format version.
fn unframe(bytes: &[u8], kind: PackKind, max_bytes: usize) -> Result<(&[u8], u16)> {
    if bytes.len() > max_bytes {
        return Err(Error::CapacityExceeded {
            what: "pack bytes",
            limit: max_bytes,
        });
    }
    let (Some(magic), Some(header)) = (bytes.get(..MAGIC.len()), bytes.get(..HEADER_LEN)) else {
        if let Some(prefix) = bytes.get(..MAGIC.len().min(bytes.len())) {
            if !MAGIC.starts_with(prefix) {
                return Err(Error::BadMagic {
                    found: prefix.to_vec(),
                });
            }
        }
        return Err(Error::PackTruncated {
            len: bytes.len(),
            needed: HEADER_LEN,
        });
    };
    if magic != MAGIC {
        return Err(Error::BadMagic {
            found: magic.to_vec(),
        });
    }
    let u16_at = |i: usize| {
        header
            .get(i..i + 2)
            .and_then(|b| b.try_into().ok())
            .map(u16::from_le_bytes)
    };
    let u32_at = |i: usize| {
        header
            .get(i..i + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
    };
    let version = u16_at(8).unwrap_or(0);
    if version == 0 || version > FORMAT_VERSION {
        return Err(Error::UnsupportedPackVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let found_kind = header.get(10).copied().unwrap_or(0);
    if found_kind != kind.code() {
        let found = match found_kind {
            1 => PackKind::Snapshot.name().to_owned(),
            2 => PackKind::Aggregate.name().to_owned(),
            3 => PackKind::Model.name().to_owned(),
            other => format!("unknown kind {other}"),
        };
        return Err(Error::WrongPackKind {
            expected: kind.name(),
            found,
        });
    }
    let len = u32_at(12).unwrap_or(0) as usize;
    let stored = u32_at(16).unwrap_or(0);
    let needed = HEADER_LEN.saturating_add(len);
    let Some(payload) = bytes.get(HEADER_LEN..needed) else {
        return Err(Error::PackTruncated {
            len: bytes.len(),
            needed,
        });
    };
    if bytes.len() > needed {
        return Err(Error::PackDecode {
            message: format!(
                "{} unexpected bytes after the payload",
                bytes.len() - needed
            ),
        });
    }
    let computed = crate::crc32::hash(payload);
    if computed != stored {
        return Err(Error::ChecksumMismatch { stored, computed });
    }
    Ok((payload, version))
}

fn decode<T: Decode>(payload: &[u8]) -> Result<T> {
    decode_with(payload, T::decode)
}

/// Reads the front of `payload` with `read` (trailing bytes are ignored, as postcard's `from_bytes` does;
/// [`unframe`] has already refused bytes after the payload).
fn decode_with<T>(
    payload: &[u8],
    read: impl FnOnce(&mut Reader<'_>) -> std::result::Result<T, DecodeError>,
) -> Result<T> {
    read(&mut Reader::new(payload)).map_err(|e| Error::PackDecode {
        message: e.to_string(),
    })
}

/// Both payload kinds start with the config and then the catalogue (a postcard sequence: its length first).
/// Reads that length and refuses a catalogue over `limits.max_catalog_items` before decoding (and
/// allocating) it.
fn precheck(payload: &[u8], limits: &Limits) -> Result<()> {
    let Ok((_, rest)) = crate::codec::take_from_bytes::<RecommenderConfig>(payload) else {
        return Ok(()); // the full decode reports the error
    };
    if let Ok((n, _)) = crate::codec::take_from_bytes::<u64>(rest) {
        if n > limits.max_catalog_items as u64 {
            return Err(Error::CapacityExceeded {
                what: "catalogue items",
                limit: limits.max_catalog_items,
            });
        }
    }
    Ok(())
}

/// A pack must fit its own declared `limits.max_pack_bytes` too (the loaded state keeps the tighter limit; a
/// state that loads but could never be saved again would be a trap). Found by the `pack_decode` fuzz target.
fn fits_own_limit(bytes: &[u8], config: &RecommenderConfig) -> Result<()> {
    let limit = config.limits.max_pack_bytes;
    if bytes.len() > limit {
        return Err(Error::CapacityExceeded {
            what: "pack bytes (over the pack's own limits.max_pack_bytes)",
            limit,
        });
    }
    Ok(())
}

fn encode<T: Encode>(value: &T) -> Vec<u8> {
    crate::codec::to_vec(value)
}

/// Writes the fields of a borrowed payload in order.
macro_rules! encode_fields {
    ($t:ident { $($f:ident),* $(,)? }) => {
        impl Encode for $t<'_> {
            fn encode(&self, out: &mut Vec<u8>) {
                $( self.$f.encode(out); )*
            }
        }
    };
}

/// A version-2 snapshot payload, as written. `Serialize` for the tests' comparison with postcard only.
#[cfg_attr(test, derive(Serialize))]
struct SnapshotOut<'a> {
    config: &'a RecommenderConfig,
    catalog: &'a Catalog,
    items: &'a Interner,
    log: &'a EventLog,
    base: &'a Aggregates,
    pack_items: Option<usize>,
    drops: &'a DropCounts,
    rerank: &'a RerankConfig,
    model: &'a Option<Reranker>,
    pack_model: &'a Option<Reranker>,
}

encode_fields!(SnapshotOut {
    config,
    catalog,
    items,
    log,
    base,
    pack_items,
    drops,
    rerank,
    model,
    pack_model
});

/// A version-1 snapshot payload, as postcard reads it: the tests' reference only (ours reads both versions with
/// [`SnapshotIn::read`]).
#[cfg(test)]
#[derive(Deserialize, Debug)]
struct SnapshotInV1 {
    config: RecommenderConfig,
    catalog: Catalog,
    items: Interner,
    log: EventLog,
    base: Aggregates,
    pack_items: Option<usize>,
    drops: DropCounts,
}

#[cfg_attr(test, derive(Deserialize, Debug))]
struct SnapshotIn {
    config: RecommenderConfig,
    catalog: Catalog,
    items: Interner,
    log: EventLog,
    base: Aggregates,
    pack_items: Option<usize>,
    drops: DropCounts,
    rerank: RerankConfig,
    model: Option<Reranker>,
    pack_model: Option<Reranker>,
}

impl SnapshotIn {
    /// Reads a payload of `version`: version 1 ends after the drop counters (default re-ranker settings, no
    /// model). One reader for both versions: a second copy would only grow the wasm.
    fn read(r: &mut Reader<'_>, version: u16) -> std::result::Result<Self, DecodeError> {
        let config = Decode::decode(r)?;
        let catalog = Decode::decode(r)?;
        let items = Decode::decode(r)?;
        let log = Decode::decode(r)?;
        let base = Decode::decode(r)?;
        let pack_items = Decode::decode(r)?;
        let drops = Decode::decode(r)?;
        let (rerank, model, pack_model) = if version >= 2 {
            let rerank = Decode::decode(r)?;
            let model = Decode::decode(r)?;
            (rerank, model, Decode::decode(r)?)
        } else {
            (RerankConfig::default(), None, None)
        };
        Ok(SnapshotIn {
            config,
            catalog,
            items,
            log,
            base,
            pack_items,
            drops,
            rerank,
            model,
            pack_model,
        })
    }
}

#[cfg_attr(test, derive(Serialize))]
struct AggregateOut<'a> {
    config: &'a RecommenderConfig,
    catalog: &'a Catalog,
    items: &'a Interner,
    aggregates: &'a Aggregates,
    rerank: &'a RerankConfig,
    model: &'a Option<Reranker>,
}

encode_fields!(AggregateOut {
    config,
    catalog,
    items,
    aggregates,
    rerank,
    model
});

/// A version-1 aggregate pack payload, as postcard reads it: the tests' reference only (ours reads both
/// versions with [`AggregateIn::read`]).
#[cfg(test)]
#[derive(Deserialize, Debug)]
struct AggregateInV1 {
    config: RecommenderConfig,
    catalog: Catalog,
    items: Interner,
    aggregates: Aggregates,
}

#[cfg_attr(test, derive(Deserialize, Debug))]
struct AggregateIn {
    config: RecommenderConfig,
    catalog: Catalog,
    items: Interner,
    aggregates: Aggregates,
    rerank: RerankConfig,
    model: Option<Reranker>,
}

impl AggregateIn {
    /// Reads a payload of `version`: version 1 ends after the aggregates (default re-ranker settings, no
    /// model).
    fn read(r: &mut Reader<'_>, version: u16) -> std::result::Result<Self, DecodeError> {
        let config = Decode::decode(r)?;
        let catalog = Decode::decode(r)?;
        let items = Decode::decode(r)?;
        let aggregates = Decode::decode(r)?;
        let (rerank, model) = if version >= 2 {
            let rerank = Decode::decode(r)?;
            (rerank, Decode::decode(r)?)
        } else {
            (RerankConfig::default(), None)
        };
        Ok(AggregateIn {
            config,
            catalog,
            items,
            aggregates,
            rerank,
            model,
        })
    }
}

impl Recommender {
    /// The whole state as a snapshot (see the [format](crate::pack)).
    ///
    /// Errors: [`Error::CapacityExceeded`] when it would exceed `limits.max_pack_bytes`.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let payload = encode(&SnapshotOut {
            config: &self.config,
            catalog: &self.catalog,
            items: &self.items,
            log: &self.log,
            base: &self.base,
            pack_items: self.pack_items,
            drops: &self.drops,
            rerank: &self.config.rerank,
            model: &self.model,
            pack_model: &self.pack_model,
        });
        frame(
            PackKind::Snapshot,
            &payload,
            self.config.limits.max_pack_bytes,
        )
    }

    /// Loads a snapshot written by [`Recommender::to_bytes`] under the default [`Limits`] (64 MiB, 200,000
    /// items…). Never panics; every failure is a typed error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::from_bytes_with_limits(bytes, &Limits::default())
    }

    /// [`Recommender::from_bytes`] with an explicit size limit (other limits: the defaults).
    pub fn from_bytes_with_limit(bytes: &[u8], max_bytes: usize) -> Result<Self> {
        let limits = Limits {
            max_pack_bytes: max_bytes,
            ..Limits::default()
        };
        Self::from_bytes_with_limits(bytes, &limits)
    }

    /// [`Recommender::from_bytes`] enforcing the caller's `limits` (pack bytes, catalogue/item-table size, id
    /// length) whatever the snapshot's own config says; the result keeps the tighter of the two.
    pub fn from_bytes_with_limits(bytes: &[u8], limits: &Limits) -> Result<Self> {
        let (payload, version) = unframe(bytes, PackKind::Snapshot, limits.max_pack_bytes)?;
        precheck(payload, limits)?;
        let mut s = decode_with(payload, |r| SnapshotIn::read(r, version))?;
        s.config.rerank = s.rerank;
        fits_own_limit(bytes, &s.config)?;
        Recommender::restore(
            limits,
            s.config,
            s.catalog,
            s.items,
            s.log,
            s.base,
            s.pack_items,
            s.drops,
            (s.model, s.pack_model),
        )
    }

    /// The aggregate pack: config, catalogue, co-occurrence counts and popularity (pack + recorded events,
    /// sessions stripped), the re-ranker settings and the current model; no event log and no profile.
    pub fn export_pack(&self) -> Result<Vec<u8>> {
        let aggregates = self.merged_aggregates();
        let payload = encode(&AggregateOut {
            config: &self.config,
            catalog: &self.catalog,
            items: &self.items,
            aggregates: &aggregates,
            rerank: &self.config.rerank,
            model: &self.model,
        });
        frame(
            PackKind::Aggregate,
            &payload,
            self.config.limits.max_pack_bytes,
        )
    }

    /// Loads an aggregate pack as the population layer of a fresh recommender with no personal events;
    /// record the shopper's events on top. Enforces the default [`Limits`]. Never panics; every failure is
    /// a typed error.
    pub fn from_pack(bytes: &[u8]) -> Result<Self> {
        Self::from_pack_with_limits(bytes, &Limits::default())
    }

    /// [`Recommender::from_pack`] with an explicit size limit (other limits: the defaults).
    pub fn from_pack_with_limit(bytes: &[u8], max_bytes: usize) -> Result<Self> {
        let limits = Limits {
            max_pack_bytes: max_bytes,
            ..Limits::default()
        };
        Self::from_pack_with_limits(bytes, &limits)
    }

    /// [`Recommender::from_pack`] enforcing the caller's `limits` — pack bytes before anything is decoded,
    /// the catalogue length before the catalogue is decoded, then the item table and id lengths — whatever
    /// the pack's own config declares; the result keeps the tighter of the two. An oversized pack is an
    /// [`Error::CapacityExceeded`] naming the limit.
    pub fn from_pack_with_limits(bytes: &[u8], limits: &Limits) -> Result<Self> {
        let (payload, version) = unframe(bytes, PackKind::Aggregate, limits.max_pack_bytes)?;
        precheck(payload, limits)?;
        let mut a = decode_with(payload, |r| AggregateIn::read(r, version))?;
        a.config.rerank = a.rerank;
        fits_own_limit(bytes, &a.config)?;
        let pack_items = Some(a.items.len());
        let model = a.model;
        Recommender::restore(
            limits,
            a.config,
            a.catalog,
            a.items,
            EventLog::new(),
            a.aggregates,
            pack_items,
            DropCounts::default(),
            (model.clone(), model),
        )
    }

    /// The current re-ranker model alone as a framed blob (kind "model"), or `None` without a model. The
    /// browser saves the shopper's fine-tuned model in it.
    pub fn model_bytes(&self) -> Result<Option<Vec<u8>>> {
        let Some(model) = &self.model else {
            return Ok(None);
        };
        let payload = encode(model);
        frame(PackKind::Model, &payload, self.config.limits.max_pack_bytes).map(Some)
    }

    /// Installs a model blob written by [`Recommender::model_bytes`]. Errors (nothing changes): every pack
    /// error, and [`Error::PackDecode`] when the model does not fit this recommender's feature layout.
    pub fn load_model_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let (payload, _) = unframe(bytes, PackKind::Model, self.config.limits.max_pack_bytes)?;
        let model: Reranker = decode(payload)?;
        self.set_model(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Item;
    use crate::events::{Event, EventKind};
    use crate::recommend::Query;

    fn sample() -> Recommender {
        let mut r = Recommender::new(RecommenderConfig::default()).unwrap();
        r.set_catalog(vec![
            Item::new("milk", "dairy/milk"),
            Item::new("butter", "dairy/butter"),
            Item::new("bread", "bakery/bread"),
        ])
        .unwrap();
        for (s, items) in [
            ("session-alpha", ["milk", "butter"]),
            ("session-beta", ["milk", "bread"]),
        ] {
            for it in items {
                r.record(&Event::new(EventKind::Purchase, it, s, 1000.0))
                    .unwrap();
            }
        }
        r.record(&Event::search("butter", "session-alpha", 2000.0))
            .unwrap();
        r
    }

    #[test]
    fn snapshot_round_trips() {
        let r = sample();
        let bytes = r.to_bytes().unwrap();
        assert_eq!(&bytes[..8], b"ALSOBUY\0");
        let back = Recommender::from_bytes(&bytes).unwrap();
        assert_eq!(back, r);
        assert_eq!(back.to_bytes().unwrap().len(), bytes.len());
        let q = Query::for_item("milk", 2);
        assert_eq!(back.also_buy(&q).unwrap(), r.also_buy(&q).unwrap());
    }

    #[test]
    fn aggregate_pack_has_no_personal_data() {
        let r = sample();
        let pack = r.export_pack().unwrap();
        let p = Recommender::from_pack(&pack).unwrap();
        assert_eq!(p.log().len(), 0);
        assert!(p.profile().is_zero());
        let st = p.stats();
        assert!(st.has_pack);
        assert_eq!(st.events, 0);
        assert_eq!(st.cooccurring_pairs, 2);
        // Session names never appear in the pack.
        assert!(!pack.windows(13).any(|w| w == b"session-alpha"));
        assert!(r
            .to_bytes()
            .unwrap()
            .windows(13)
            .any(|w| w == b"session-alpha"));
        assert!(Recommender::from_bytes(&pack).is_err());
        assert!(Recommender::from_pack(&r.to_bytes().unwrap()).is_err());
        // Personal events on top, then forgotten exactly.
        let mut p2 = p.clone();
        p2.record(&Event::new(EventKind::Purchase, "bread", "me", 5.0))
            .unwrap();
        p2.record(&Event::new(EventKind::Purchase, "butter", "me", 6.0))
            .unwrap();
        assert_eq!(p2.stats().cooccurring_pairs, 3);
        p2.record(&Event::new(EventKind::View, "not-in-the-shop", "me", 7.0))
            .unwrap();
        assert_eq!(p2.stats().known_items, 4);
        assert_eq!(p2.stats().cooccurring_pairs, 5);
        // A snapshot of pack + personal events round-trips too.
        let snap = Recommender::from_bytes(&p2.to_bytes().unwrap()).unwrap();
        assert_eq!(snap, p2);
        let q = Query::for_cart(&["milk"], 3);
        assert_eq!(snap.also_buy(&q).unwrap(), p2.also_buy(&q).unwrap());
        p2.forget_personal();
        assert_eq!(p2, p);
        // Loading the same pack twice gives identical answers.
        let again = Recommender::from_pack(&pack).unwrap();
        assert_eq!(again.also_buy(&q).unwrap(), p.also_buy(&q).unwrap());
    }

    #[test]
    fn header_errors_are_typed() {
        let bytes = sample().to_bytes().unwrap();
        assert!(matches!(
            Recommender::from_bytes(b"hello"),
            Err(Error::BadMagic { .. })
        ));
        assert!(matches!(
            Recommender::from_bytes(&bytes[..10]),
            Err(Error::PackTruncated { .. })
        ));
        assert!(matches!(
            Recommender::from_bytes(&bytes[..bytes.len() - 1]),
            Err(Error::PackTruncated { .. })
        ));
        let mut newer = bytes.clone();
        newer[8] = 3;
        assert_eq!(
            Recommender::from_bytes(&newer).unwrap_err(),
            Error::UnsupportedPackVersion {
                found: 3,
                supported: 2
            }
        );
        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0xff;
        assert!(matches!(
            Recommender::from_bytes(&flipped),
            Err(Error::ChecksumMismatch { .. })
        ));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            Recommender::from_bytes(&longer),
            Err(Error::PackDecode { .. })
        ));
        assert!(matches!(
            Recommender::from_bytes_with_limit(&bytes, 10),
            Err(Error::CapacityExceeded { .. })
        ));
    }

    #[test]
    fn the_loaders_limits_apply_whatever_the_pack_declares() {
        let big = Limits {
            max_catalog_items: 1_000_000,
            ..Limits::default()
        };
        let mut r =
            Recommender::new(RecommenderConfig::builder().limits(big).build().unwrap()).unwrap();
        r.set_catalog(vec![
            Item::new("milk", "dairy/milk"),
            Item::new("butter", "dairy/butter"),
            Item::new("bread", "bakery/bread"),
        ])
        .unwrap();
        let pack = r.export_pack().unwrap();
        let tight = Limits {
            max_catalog_items: 2,
            ..Limits::default()
        };
        // Refused before the catalogue is decoded.
        let (payload, _) = unframe(&pack, PackKind::Aggregate, tight.max_pack_bytes).unwrap();
        assert_eq!(
            precheck(payload, &tight).unwrap_err(),
            Error::CapacityExceeded {
                what: "catalogue items",
                limit: 2
            }
        );
        assert!(matches!(
            Recommender::from_pack_with_limits(&pack, &tight),
            Err(Error::CapacityExceeded { limit: 2, .. })
        ));
        let snap = r.to_bytes().unwrap();
        assert!(matches!(
            Recommender::from_bytes_with_limits(&snap, &tight),
            Err(Error::CapacityExceeded { limit: 2, .. })
        ));
        // Within the loader's limits: loads, and keeps the tighter limits.
        let ok = Recommender::from_pack(&pack).unwrap();
        assert_eq!(ok.config().limits.max_catalog_items, 200_000);
        let short_ids = Limits {
            max_id_bytes: 4,
            ..Limits::default()
        };
        assert!(matches!(
            Recommender::from_pack_with_limits(&pack, &short_ids),
            Err(Error::IdTooLong { limit: 4, .. })
        ));
    }

    #[test]
    fn a_pack_over_its_own_size_limit_is_refused() {
        let small = Limits {
            max_pack_bytes: 1000,
            ..Limits::default()
        };
        let mut r =
            Recommender::new(RecommenderConfig::builder().limits(small).build().unwrap()).unwrap();
        r.set_catalog(vec![Item::new("milk", "dairy/milk")])
            .unwrap();
        let pack = r.export_pack().unwrap();
        assert!(pack.len() <= 1000);
        assert!(Recommender::from_pack(&pack).is_ok());
        // The same state with a longer catalogue, declared limit unchanged, encoded without the writer's check.
        let mut big = Recommender::new(RecommenderConfig::default()).unwrap();
        big.set_catalog(
            (0..60)
                .map(|i| Item::new(&format!("item-{i}"), "x"))
                .collect(),
        )
        .unwrap();
        big.config.limits.max_pack_bytes = 1000;
        let payload = encode(&AggregateOut {
            config: &big.config,
            catalog: &big.catalog,
            items: &big.items,
            aggregates: &big.merged_aggregates(),
            rerank: &big.config.rerank,
            model: &None,
        });
        let framed = frame(PackKind::Aggregate, &payload, usize::MAX).unwrap();
        assert!(matches!(
            Recommender::from_pack(&framed),
            Err(Error::CapacityExceeded { limit: 1000, .. })
        ));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = sample().to_bytes().unwrap();
        for n in 0..bytes.len() {
            assert!(Recommender::from_bytes(&bytes[..n]).is_err(), "length {n}");
        }
    }

    /// The payload re-encoded by the writers (a decoded version-2 aggregate pack).
    fn reencode_aggregate(a: &AggregateIn) -> Vec<u8> {
        encode(&AggregateOut {
            config: &a.config,
            catalog: &a.catalog,
            items: &a.items,
            aggregates: &a.aggregates,
            rerank: &a.rerank,
            model: &a.model,
        })
    }

    fn reencode_snapshot(s: &SnapshotIn) -> Vec<u8> {
        encode(&SnapshotOut {
            config: &s.config,
            catalog: &s.catalog,
            items: &s.items,
            log: &s.log,
            base: &s.base,
            pack_items: s.pack_items,
            drops: &s.drops,
            rerank: &s.rerank,
            model: &s.model,
            pack_model: &s.pack_model,
        })
    }

    /// Both decoders accept `payload` — ours with `read`, postcard as a `B` — to states that re-encode alike,
    /// or both refuse it.
    fn agree<A, B: for<'de> Deserialize<'de>>(
        payload: &[u8],
        read: impl FnOnce(&mut Reader<'_>) -> std::result::Result<A, DecodeError>,
        ours: impl Fn(&A) -> Vec<u8>,
        theirs: impl Fn(B) -> Vec<u8>,
    ) {
        match (
            decode_with(payload, read),
            postcard::from_bytes::<B>(payload),
        ) {
            (Ok(a), Ok(b)) => assert!(
                ours(&a) == theirs(b),
                "decoded differently ({} bytes)",
                payload.len()
            ),
            (Err(_), Err(_)) => {}
            (a, b) => panic!(
                "ours {:?}, postcard {:?} on {} bytes",
                a.err(),
                b.err(),
                payload.len()
            ),
        }
    }

    /// `payload` read as a snapshot of version 2 and of version 1, by both.
    fn snapshots_agree(payload: &[u8]) {
        agree(
            payload,
            |r| SnapshotIn::read(r, 2),
            reencode_snapshot,
            |b: SnapshotIn| reencode_snapshot(&b),
        );
        agree(
            payload,
            |r| SnapshotIn::read(r, 1),
            reencode_snapshot,
            |v1: SnapshotInV1| {
                reencode_snapshot(&SnapshotIn {
                    config: v1.config,
                    catalog: v1.catalog,
                    items: v1.items,
                    log: v1.log,
                    base: v1.base,
                    pack_items: v1.pack_items,
                    drops: v1.drops,
                    rerank: RerankConfig::default(),
                    model: None,
                    pack_model: None,
                })
            },
        );
    }

    /// `payload` read as an aggregate pack of version 2 and of version 1, by both.
    fn aggregates_agree(payload: &[u8]) {
        agree(
            payload,
            |r| AggregateIn::read(r, 2),
            reencode_aggregate,
            |b: AggregateIn| reencode_aggregate(&b),
        );
        agree(
            payload,
            |r| AggregateIn::read(r, 1),
            reencode_aggregate,
            |v1: AggregateInV1| {
                reencode_aggregate(&AggregateIn {
                    config: v1.config,
                    catalog: v1.catalog,
                    items: v1.items,
                    aggregates: v1.aggregates,
                    rerank: RerankConfig::default(),
                    model: None,
                })
            },
        );
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    /// The committed packs (format 1, and format 2 with a trained model) decode alike with ours and with
    /// postcard. (That our writer gives back a pack byte for byte: tests/pack_fixture.rs, which rebuilds
    /// shop-v2.pack; a decoded state does not always re-encode to its input, as a hash map's iteration order
    /// may depend on its insertion order — with postcard's decoding as with ours.)
    #[test]
    fn fixtures_decode_as_with_postcard() {
        let v2 = fixture("shop-v2.pack");
        let (payload, version) = unframe(&v2, PackKind::Aggregate, usize::MAX).unwrap();
        assert_eq!(version, 2);
        let ours = decode_with(payload, |r| AggregateIn::read(r, 2)).unwrap();
        assert!(ours.model.is_some());
        assert_eq!(reencode_aggregate(&ours).len(), payload.len());
        aggregates_agree(payload);
        let v1 = fixture("shop-v1.pack");
        let (payload, version) = unframe(&v1, PackKind::Aggregate, usize::MAX).unwrap();
        assert_eq!(version, 1);
        let ours = decode_with(payload, |r| AggregateIn::read(r, 1)).unwrap();
        assert!(ours.model.is_none());
        assert!(postcard::from_bytes::<AggregateInV1>(payload).is_ok());
        aggregates_agree(payload);
    }

    /// A snapshot with a model, events and personal co-occurrence: our bytes are postcard's, and every
    /// truncation and many single-byte edits of the payload decode alike (both refuse, or both accept the same
    /// state), read as either version and either kind.
    #[test]
    fn snapshot_payloads_are_postcards_and_mutations_decode_alike() {
        let mut r = Recommender::from_pack(&fixture("shop-v2.pack")).unwrap();
        for (i, s) in ["s1", "s1", "s2", "s3"].iter().enumerate() {
            r.record(&Event::new(
                EventKind::Purchase,
                &format!("p{:02}", i * 3),
                s,
                1e12 + i as f64,
            ))
            .unwrap();
        }
        r.record(&Event::search("cheese", "s2", 1.1e12)).unwrap();
        let out = SnapshotOut {
            config: &r.config,
            catalog: &r.catalog,
            items: &r.items,
            log: &r.log,
            base: &r.base,
            pack_items: r.pack_items,
            drops: &r.drops,
            rerank: &r.config.rerank,
            model: &r.model,
            pack_model: &r.pack_model,
        };
        let payload = encode(&out);
        assert_eq!(payload, postcard::to_stdvec(&out).unwrap());
        let bytes = r.to_bytes().unwrap();
        assert_eq!(&bytes[HEADER_LEN..], payload.as_slice());
        let back = decode_with(&payload, |r| SnapshotIn::read(r, 2)).unwrap();
        assert!(back.model.is_some() && back.pack_model.is_some());
        snapshots_agree(&payload);
        let aggregate = r.export_pack().unwrap();
        let (pack_payload, _) = unframe(&aggregate, PackKind::Aggregate, usize::MAX).unwrap();
        let merged = r.merged_aggregates();
        let pack_out = AggregateOut {
            config: &r.config,
            catalog: &r.catalog,
            items: &r.items,
            aggregates: &merged,
            rerank: &r.config.rerank,
            model: &r.model,
        };
        assert_eq!(pack_payload, postcard::to_stdvec(&pack_out).unwrap());
        aggregates_agree(pack_payload);
        // Truncations at every length into the catalogue, then every 211th; byte edits on a seeded walk.
        for n in (0..payload.len()).filter(|&n| n < 300 || n % 211 == 0) {
            snapshots_agree(&payload[..n]);
        }
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..300 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut p = payload.clone();
            let i = (state % p.len() as u64) as usize;
            p[i] = match (state >> 32) % 4 {
                0 => 0,
                1 => 0xff,
                2 => p[i].wrapping_add(1),
                _ => (state >> 40) as u8,
            };
            snapshots_agree(&p);
            aggregates_agree(&p);
        }
    }

    #[test]
    fn valid_checksum_over_garbage_is_a_decode_error() {
        let payload = [0xffu8; 40];
        let framed = frame(PackKind::Snapshot, &payload, 1 << 20).unwrap();
        assert!(matches!(
            Recommender::from_bytes(&framed),
            Err(Error::PackDecode { .. })
        ));
    }
}
