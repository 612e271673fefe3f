//! The recommender's configuration: blend weights, candidate pool sizes, limits, and the sub-configs of the
//! modules it drives. Build with [`RecommenderConfig::builder`]; every value is validated on `build()` and
//! again when a recommender is made from it (a config can also arrive deserialised from a pack).

use serde::{Deserialize, Serialize};

use crate::cooccur::CooccurConfig;
use crate::encoding::EncoderConfig;
use crate::error::{Error, Result};
use crate::events::{CleaningConfig, Decay, EventWeights};

pub use super::rerank::RerankConfig;

/// How much each candidate source counts in the blended score. Each source's scores are first scaled so its
/// best candidate in this query scores 1, then `score = Σ weight · scaled`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BlendWeights {
    /// Co-occurrence with the context ("bought with", default 1.0).
    pub bought_with: f32,
    /// Content similarity to the context ("similar to", default 0.25).
    pub similar_to: f32,
    /// Similarity to the shopper's profile ("matches your interest", default 0.35).
    pub matches_your_interest: f32,
    /// The shopper bought it before ("bought before", default 0.3).
    pub bought_before: f32,
    /// Decayed popularity ("popular", default 0.15).
    pub popular: f32,
}

impl Default for BlendWeights {
    fn default() -> Self {
        BlendWeights {
            bought_with: 1.0,
            similar_to: 0.25,
            matches_your_interest: 0.35,
            bought_before: 0.3,
            popular: 0.15,
        }
    }
}

impl BlendWeights {
    fn validate(&self) -> Result<()> {
        for (field, w) in [
            ("blend.bought_with", self.bought_with),
            ("blend.similar_to", self.similar_to),
            ("blend.matches_your_interest", self.matches_your_interest),
            ("blend.bought_before", self.bought_before),
            ("blend.popular", self.popular),
        ] {
            if !(w.is_finite() && w >= 0.0) {
                return Err(Error::InvalidConfig {
                    field,
                    value: crate::num::F32(w).to_string(),
                    reason: "must be a finite number >= 0",
                });
            }
        }
        Ok(())
    }
}

/// Limits that protect the page. Every path that brings data in enforces them: `set_catalog`, `record`,
/// queries, and loading a pack or snapshot (where the *loader's* limits apply, whatever the pack declares; see
/// [`Recommender::from_pack_with_limits`](crate::Recommender::from_pack_with_limits)). The event limits
/// (events in the log, events per session) live in [`CleaningConfig`]. The full table: `docs/bad-input.md`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Most catalogue items; for a pack, most entries in its item table (default 200,000).
    pub max_catalog_items: usize,
    /// Largest snapshot/pack accepted or written, in bytes (default 64 MiB).
    pub max_pack_bytes: usize,
    /// Largest `k` in a query (default 200).
    pub max_k: usize,
    /// Most item ids in a query's cart (default 500).
    pub max_cart_items: usize,
    /// Longest item/session id accepted, in bytes of UTF-8, at most [`crate::ids::MAX_ID_LEN`] (default 256).
    /// Not stored in packs (the pack formats are unchanged by it): a loaded recommender gets the loader's value.
    #[serde(skip)]
    pub max_id_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_catalog_items: 200_000,
            max_pack_bytes: 64 << 20,
            max_k: 200,
            max_cart_items: 500,
            max_id_bytes: crate::ids::MAX_ID_LEN,
        }
    }
}

impl Limits {
    /// The tighter of `self` and `other`, limit by limit (what a loaded pack gets: its own limits can only
    /// lower the loader's).
    pub fn min(&self, other: &Limits) -> Limits {
        Limits {
            max_catalog_items: self.max_catalog_items.min(other.max_catalog_items),
            max_pack_bytes: self.max_pack_bytes.min(other.max_pack_bytes),
            max_k: self.max_k.min(other.max_k),
            max_cart_items: self.max_cart_items.min(other.max_cart_items),
            max_id_bytes: self.max_id_bytes.min(other.max_id_bytes),
        }
    }

    /// Checks that every limit is at least 1 (and `max_id_bytes` at most [`crate::ids::MAX_ID_LEN`]).
    pub fn validate(&self) -> Result<()> {
        for (field, v) in [
            ("limits.max_catalog_items", self.max_catalog_items),
            ("limits.max_pack_bytes", self.max_pack_bytes),
            ("limits.max_k", self.max_k),
            ("limits.max_id_bytes", self.max_id_bytes),
        ] {
            if v == 0 {
                return Err(Error::InvalidConfig {
                    field,
                    value: "0".into(),
                    reason: "must be at least 1",
                });
            }
        }
        if self.max_id_bytes > crate::ids::MAX_ID_LEN {
            return Err(Error::InvalidConfig {
                field: "limits.max_id_bytes",
                value: self.max_id_bytes.to_string(),
                reason: "must be at most 256",
            });
        }
        Ok(())
    }

    /// Checks an id against [`Limits::max_id_bytes`] (on top of [`crate::ids::validate_id`]).
    pub fn check_id(&self, field: &'static str, id: &str) -> Result<()> {
        if id.len() > self.max_id_bytes {
            return Err(Error::IdTooLong {
                field,
                value: crate::ids::shorten(id),
                len: id.len(),
                limit: self.max_id_bytes,
            });
        }
        Ok(())
    }
}

/// Everything a [`crate::recommend::Recommender`] is configured with.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecommenderConfig {
    /// Item/profile encoding.
    pub encoder: EncoderConfig,
    /// Event cleaning and log limits.
    pub cleaning: CleaningConfig,
    /// Event weights (profile, co-occurrence, popularity).
    pub weights: EventWeights,
    /// Time decay of the profile, popularity and rebuy scores.
    pub decay: Decay,
    /// Co-occurrence normalisation.
    pub cooccur: CooccurConfig,
    /// Blend weights of the candidate sources.
    pub blend: BlendWeights,
    /// Candidates taken from each source (default 50; at least `k` are always taken from popularity).
    pub candidates_per_source: usize,
    /// Weight of the viewed item relative to each cart item in the context (default 2).
    pub item_context_weight: f32,
    /// Suggest items this shopper bought before (default on; shops of durable goods turn it off).
    pub rebuy: bool,
    /// Limits that protect the page.
    pub limits: Limits,
    /// The neural re-ranker: on/off, blend weight, training and online-learning settings. Not part of the
    /// config's own serialisation (version-1 packs predate it): packs of version 2 store it beside the model.
    #[serde(skip)]
    pub rerank: RerankConfig,
}

impl Default for RecommenderConfig {
    fn default() -> Self {
        RecommenderConfig {
            encoder: EncoderConfig::default(),
            cleaning: CleaningConfig::default(),
            weights: EventWeights::default(),
            decay: Decay::default(),
            cooccur: CooccurConfig::default(),
            blend: BlendWeights::default(),
            candidates_per_source: 50,
            item_context_weight: 2.0,
            rebuy: true,
            limits: Limits::default(),
            rerank: RerankConfig::default(),
        }
    }
}

impl RecommenderConfig {
    /// A builder from the defaults.
    pub fn builder() -> RecommenderConfigBuilder {
        RecommenderConfigBuilder(RecommenderConfig::default())
    }

    /// Checks every value (and the sub-configs').
    pub fn validate(&self) -> Result<()> {
        self.encoder.validate()?;
        self.cleaning.validate()?;
        self.weights.validate()?;
        self.decay.validate()?;
        self.cooccur.validate()?;
        self.blend.validate()?;
        self.rerank.validate()?;
        if !(1..=10_000).contains(&self.candidates_per_source) {
            return Err(Error::InvalidConfig {
                field: "candidates_per_source",
                value: self.candidates_per_source.to_string(),
                reason: "must be between 1 and 10000",
            });
        }
        if !(self.item_context_weight.is_finite() && self.item_context_weight >= 0.0) {
            return Err(Error::InvalidConfig {
                field: "item_context_weight",
                value: crate::num::F32(self.item_context_weight).to_string(),
                reason: "must be a finite number >= 0",
            });
        }
        self.limits.validate()
    }
}

/// Builder for [`RecommenderConfig`]; [`RecommenderConfigBuilder::build`] validates.
#[derive(Debug, Clone)]
pub struct RecommenderConfigBuilder(RecommenderConfig);

impl RecommenderConfigBuilder {
    /// See [`RecommenderConfig::encoder`].
    pub fn encoder(mut self, c: EncoderConfig) -> Self {
        self.0.encoder = c;
        self
    }
    /// Shortcut for the encoder's dimension.
    pub fn dim(mut self, dim: usize) -> Self {
        self.0.encoder.dim = dim;
        self
    }
    /// See [`RecommenderConfig::cleaning`].
    pub fn cleaning(mut self, c: CleaningConfig) -> Self {
        self.0.cleaning = c;
        self
    }
    /// See [`RecommenderConfig::weights`].
    pub fn weights(mut self, w: EventWeights) -> Self {
        self.0.weights = w;
        self
    }
    /// See [`RecommenderConfig::decay`]; `None` turns decay off.
    pub fn half_life_ms(mut self, half_life_ms: Option<f64>) -> Self {
        self.0.decay = Decay { half_life_ms };
        self
    }
    /// See [`RecommenderConfig::cooccur`].
    pub fn cooccur(mut self, c: CooccurConfig) -> Self {
        self.0.cooccur = c;
        self
    }
    /// See [`RecommenderConfig::blend`].
    pub fn blend(mut self, b: BlendWeights) -> Self {
        self.0.blend = b;
        self
    }
    /// See [`RecommenderConfig::candidates_per_source`].
    pub fn candidates_per_source(mut self, n: usize) -> Self {
        self.0.candidates_per_source = n;
        self
    }
    /// See [`RecommenderConfig::item_context_weight`].
    pub fn item_context_weight(mut self, w: f32) -> Self {
        self.0.item_context_weight = w;
        self
    }
    /// See [`RecommenderConfig::rebuy`].
    pub fn rebuy(mut self, on: bool) -> Self {
        self.0.rebuy = on;
        self
    }
    /// See [`RecommenderConfig::limits`].
    pub fn limits(mut self, l: Limits) -> Self {
        self.0.limits = l;
        self
    }
    /// See [`Limits::max_catalog_items`].
    pub fn max_catalog_items(mut self, n: usize) -> Self {
        self.0.limits.max_catalog_items = n;
        self
    }
    /// See [`Limits::max_pack_bytes`].
    pub fn max_pack_bytes(mut self, n: usize) -> Self {
        self.0.limits.max_pack_bytes = n;
        self
    }
    /// See [`Limits::max_id_bytes`].
    pub fn max_id_bytes(mut self, n: usize) -> Self {
        self.0.limits.max_id_bytes = n;
        self
    }
    /// See [`CleaningConfig::max_events_per_session`] (later events of a full session are dropped, counted).
    pub fn max_events_per_session(mut self, n: usize) -> Self {
        self.0.cleaning.max_events_per_session = n;
        self
    }
    /// See [`CleaningConfig::max_events`] (recording past it is [`Error::CapacityExceeded`]).
    pub fn max_events(mut self, n: usize) -> Self {
        self.0.cleaning.max_events = n;
        self
    }
    /// See [`RecommenderConfig::rerank`].
    pub fn rerank(mut self, r: RerankConfig) -> Self {
        self.0.rerank = r;
        self
    }
    /// Turns the re-ranker on or off (see [`RerankConfig::enabled`]).
    pub fn rerank_enabled(mut self, on: bool) -> Self {
        self.0.rerank.enabled = on;
        self
    }
    /// The learned score's blend weight (see [`RerankConfig::weight`]).
    pub fn rerank_weight(mut self, w: f32) -> Self {
        self.0.rerank.weight = w;
        self
    }
    /// Turns online learning from feedback on or off (see [`RerankConfig::online`]).
    pub fn online_learning(mut self, on: bool) -> Self {
        self.0.rerank.online = on;
        self
    }
    /// The validated config.
    pub fn build(self) -> Result<RecommenderConfig> {
        self.0.validate()?;
        Ok(self.0)
    }
}

crate::codec::codec_struct!(BlendWeights {
    bought_with,
    similar_to,
    matches_your_interest,
    bought_before,
    popular
});
crate::codec::codec_struct!(Limits {
    max_catalog_items,
    max_pack_bytes,
    max_k,
    max_cart_items
} skip {
    max_id_bytes: Limits::default().max_id_bytes
});
crate::codec::codec_struct!(RecommenderConfig {
    encoder,
    cleaning,
    weights,
    decay,
    cooccur,
    blend,
    candidates_per_source,
    item_context_weight,
    rebuy,
    limits
} skip {
    rerank: RerankConfig::default()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_named() {
        assert!(RecommenderConfig::builder().build().is_ok());
        let e = RecommenderConfig::builder()
            .candidates_per_source(0)
            .build()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid candidates_per_source 0: must be between 1 and 10000"
        );
        let b = BlendWeights {
            popular: -1.0,
            ..BlendWeights::default()
        };
        assert!(matches!(
            RecommenderConfig::builder().blend(b).build(),
            Err(Error::InvalidConfig {
                field: "blend.popular",
                ..
            })
        ));
        assert!(RecommenderConfig::builder().dim(1).build().is_err());
        assert!(RecommenderConfig::builder()
            .half_life_ms(Some(-1.0))
            .build()
            .is_err());
    }

    #[test]
    fn config_survives_postcard_and_keeps_defaults() {
        let c = RecommenderConfig::builder()
            .rebuy(false)
            .dim(32)
            .build()
            .unwrap();
        let bytes = postcard::to_stdvec(&c).unwrap();
        let back: RecommenderConfig = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, c);
    }
}
