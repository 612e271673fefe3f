//! The recommender's public data types: queries, suggestions with reasons, candidates with their per-source
//! component scores, recording reports and statistics. All are serde types with snake_case fields, mirrored
//! by the JS layer.

use serde::{Deserialize, Serialize};

/// Optional category filter: keep items under any `include` path (all when empty), drop items under any
/// `exclude` path. Paths match level by level (`"dairy"` covers `"dairy/milk"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryFilter {
    /// Category paths to keep (empty = all).
    #[serde(default)]
    pub include: Vec<String>,
    /// Category paths to drop.
    #[serde(default)]
    pub exclude: Vec<String>,
}

/// What to suggest for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Query {
    /// The item being looked at, if any.
    #[serde(default)]
    pub item: Option<String>,
    /// The items in the cart.
    #[serde(default)]
    pub cart: Vec<String>,
    /// How many suggestions (default 6).
    #[serde(default = "default_k")]
    pub k: usize,
    /// Optional category filter.
    #[serde(default)]
    pub filter: Option<CategoryFilter>,
    /// Drop suggestions whose blended score is below this (default 0: keep all). A threshold above 0 can
    /// return fewer than `k` items.
    #[serde(default)]
    pub min_score: f32,
}

fn default_k() -> usize {
    6
}

impl Default for Query {
    fn default() -> Self {
        Query {
            item: None,
            cart: Vec::new(),
            k: default_k(),
            filter: None,
            min_score: 0.0,
        }
    }
}

impl Query {
    /// Suggestions for a viewed item.
    pub fn for_item(item: &str, k: usize) -> Self {
        Query {
            item: Some(item.to_owned()),
            k,
            ..Query::default()
        }
    }

    /// Suggestions for a cart.
    pub fn for_cart<S: AsRef<str>>(cart: &[S], k: usize) -> Self {
        Query {
            cart: cart.iter().map(|s| s.as_ref().to_owned()).collect(),
            k,
            ..Query::default()
        }
    }
}

/// Why an item is suggested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    /// Often bought together with a context item.
    BoughtWith,
    /// Similar (category, brand, price…) to a context item.
    SimilarTo,
    /// Matches what this shopper looked at, carted, bought or searched.
    MatchesYourInterest,
    /// This shopper bought it before.
    BoughtBefore,
    /// Popular in the shop.
    Popular,
    /// Moved up by the learned re-ranker (the MLP trained on the shop's and this shopper's behaviour):
    /// its share is the part of the score the model added above the average candidate's.
    Learned,
}

/// One reason and its share of the suggestion's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// The kind of reason.
    pub kind: ReasonKind,
    /// The context item it refers to (`bought_with`, `similar_to`), if any.
    pub item: Option<String>,
    /// Its share of the score, in `(0, 1]`; a suggestion's shares sum to 1.
    pub share: f32,
}

/// One suggested item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// The item id.
    pub item: String,
    /// The blended score (higher is better; comparable within one answer).
    pub score: f32,
    /// Why, largest share first.
    pub reasons: Vec<Reason>,
}

/// The raw per-source scores of a candidate (the re-ranker's features). Unscaled: co-occurrence in the
/// normalisation's units (weighted mean over the context), cosines clamped to `[0, 1]`, rebuy and popularity
/// as decayed weights.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Components {
    /// Co-occurrence with the context (0 beyond each context item's top neighbours).
    pub bought_with: f32,
    /// Cosine of the item's vector with the context's.
    pub similar_to: f32,
    /// Cosine of the item's vector with the shopper profile.
    pub matches_your_interest: f32,
    /// The shopper's decayed purchase weight of this item (0 with rebuy off).
    pub bought_before: f32,
    /// The item's decayed popularity.
    pub popular: f32,
}

/// One context item's contribution to a candidate's co-occurrence score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// The context item id.
    pub item: String,
    /// Its weighted association with the candidate.
    pub score: f32,
}

/// An eligible candidate (not in the context, in stock, passing the filter) before blending.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The item id.
    pub item: String,
    /// Its catalogue index (`None` when the catalogue is empty and items are known only from events).
    pub catalog_index: Option<u32>,
    /// Per-source raw scores.
    pub components: Components,
    /// Each context item's part of `components.bought_with` (they sum to it).
    pub bought_with: Vec<Contribution>,
    /// The context item it is most similar to, if content similarity applies.
    pub similar_to: Option<String>,
}

/// What happened to one recorded event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordOutcome {
    /// Whether it was kept.
    pub kept: bool,
    /// Why not, when it was dropped.
    pub dropped: Option<crate::events::DropReason>,
}

/// An event of a batch that was rejected as invalid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// Its position in the batch.
    pub index: usize,
    /// The error message (names the field and value).
    pub error: String,
}

/// What [`crate::recommend::Recommender::record_many`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordReport {
    /// Events kept.
    pub kept: usize,
    /// Exact duplicates dropped.
    pub duplicates: usize,
    /// Repeated views inside the burst window dropped.
    pub bursts: usize,
    /// Events over the per-session cap dropped.
    pub over_session_cap: usize,
    /// Invalid events, with why (the rest of the batch is still recorded).
    pub rejected: Vec<Rejection>,
}

/// Counts describing a recommender's state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Items in the catalogue.
    pub catalog_items: usize,
    /// Distinct item ids known (catalogue and events).
    pub known_items: usize,
    /// Personal events kept in the log.
    pub events: usize,
    /// Personal events dropped by cleaning since creation.
    pub events_dropped: usize,
    /// Personal sessions.
    pub sessions: usize,
    /// Distinct item pairs with a co-occurrence count (pack and personal).
    pub cooccurring_pairs: usize,
    /// Whether population aggregates from a pack are loaded.
    pub has_pack: bool,
    /// Events that shaped the shopper profile.
    pub profile_events: u64,
    /// Vector dimension.
    pub dim: usize,
    /// The re-ranker model, when one is loaded (from a pack or trained here).
    pub model: Option<super::rerank::ModelStats>,
}
