//! The JS-facing data types. TypeScript definitions are generated from these by tsify; fields are camelCase.
//!
//! Values cross the boundary through [`from_js`] / [`to_js`] (serde-wasm-bindgen), so a wrong JS type is an
//! error that names the field path (`cart[2]: invalid type: number 7, expected a string`), never a panic.
//! Fields a type does not know are ignored, so a shop can pass its own product objects as catalogue items.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tsify::Tsify;
use wasm_bindgen::prelude::*;

/// Reads a JS value into `T`; the error names `what` and the path of the offending field.
pub fn from_js<T: DeserializeOwned>(what: &str, value: JsValue) -> Result<T, JsError> {
    let de = serde_wasm_bindgen::Deserializer::from(value);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            JsError::new(&format!("alsobuy: invalid {what}: {inner}"))
        } else {
            JsError::new(&format!("alsobuy: invalid {what}: {path}: {inner}"))
        }
    })
}

/// Writes `T` as a plain JS value (objects, not Maps; absent options left out).
pub fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let ser = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value
        .serialize(&ser)
        .map_err(|e| JsError::new(&format!("alsobuy: cannot convert a result to JS: {e}")))
}

/// A product in the shop's catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct CatalogItem {
    /// Unique id, 1..256 bytes, no control characters.
    pub id: String,
    /// Display name (defaults to the id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub name: Option<String>,
    /// Category path, general to specific, separated by `/` (`"dairy/milk"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub category: Option<String>,
    /// Brand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub brand: Option<String>,
    /// Price, finite and ≥ 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub price: Option<f64>,
    /// Whether it can be bought now (default true). Out-of-stock items are never suggested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub in_stock: Option<bool>,
    /// Free-form tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[tsify(optional)]
    pub tags: Vec<String>,
}

/// What the shopper did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Looked at a product.
    View,
    /// Put a product in the cart.
    Cart,
    /// Took a product out of the cart.
    RemoveFromCart,
    /// Bought a product.
    Purchase,
    /// Searched (`query` carries the text).
    Search,
    /// A suggestion was shown.
    Impression,
    /// A suggestion was clicked.
    Click,
}

/// One behaviour event as the page reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ShopEvent {
    /// What happened.
    pub kind: EventKind,
    /// The product (required for every kind but `search`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub item: Option<String>,
    /// The search text (required for `search`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub query: Option<String>,
    /// The session (default: one per `Recommender` instance, i.e. per page load).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub session: Option<String>,
    /// Milliseconds since the Unix epoch (default `Date.now()`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub timestamp: Option<f64>,
}

/// A request for suggestions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct AlsoBuyQuery {
    /// The product being viewed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub item: Option<String>,
    /// What is in the cart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[tsify(optional)]
    pub cart: Vec<String>,
    /// How many suggestions (default 6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub k: Option<u32>,
    /// Only categories starting with one of these paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[tsify(optional)]
    pub include: Vec<String>,
    /// Never categories starting with one of these paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[tsify(optional)]
    pub exclude: Vec<String>,
    /// Drop suggestions scoring below this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub min_score: Option<f32>,
}

/// Why an item is suggested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    /// Often bought together with `item` (in the cart or being viewed).
    BoughtWith,
    /// Similar to `item` (category, brand, price).
    SimilarTo,
    /// Matches what this shopper looked at and bought.
    MatchesYourInterest,
    /// This shopper bought it before.
    BoughtBefore,
    /// Popular in the shop.
    Popular,
    /// Moved up by the model fine-tuned on this shopper's feedback.
    Learned,
}

/// One reason and its share of a suggestion's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Reason {
    /// What kind of reason.
    pub kind: ReasonKind,
    /// The context item it refers to, where there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub item: Option<String>,
    /// Share of the score in `[0, 1]`; the shares of one suggestion sum to 1.
    pub share: f32,
}

/// One suggested product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    /// The product id.
    pub item: String,
    /// Its blended score (higher is better).
    pub score: f32,
    /// Why, strongest first.
    pub reasons: Vec<Reason>,
}

/// What `recordMany` kept and dropped.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct RecordSummary {
    /// Events appended to the log.
    pub kept: u32,
    /// Valid events dropped by cleaning (duplicates, bursts, per-session cap).
    pub dropped: u32,
    /// Invalid events, one message each (index, field and value).
    pub errors: Vec<String>,
}

/// Where the shopper's data is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "snake_case")]
pub enum Persistence {
    /// IndexedDB in this browser.
    Indexeddb,
    /// Memory only: lost on reload (IndexedDB unavailable, or not opened with `Recommender.open`).
    Memory,
}

/// Counts and state, for display and debugging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Products in the catalogue.
    pub items: u32,
    /// This shopper's events in the log.
    pub events: u32,
    /// This shopper's sessions.
    pub sessions: u32,
    /// Where the shopper's data is kept.
    pub persistence: Persistence,
    /// Events recorded but not yet written to IndexedDB.
    pub pending_writes: u32,
    /// Why storage is limited, when it is (unavailable, quota exceeded, a corrupted record dropped…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub storage_note: Option<String>,
    /// The re-ranker model.
    pub model: ModelInfo,
}

/// The state of the re-ranker (the small neural network that re-scores suggestions).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ModelInfo {
    /// Whether a model is loaded (from the pack or trained here). Without one, suggestions are the blend.
    pub loaded: bool,
    /// Whether it was trained or fine-tuned in this browser (otherwise it is the pack's, or there is none).
    pub personal: bool,
    /// Trainable parameters.
    pub parameters: u32,
    /// Epochs trained, over all runs.
    pub epochs: u32,
    /// Examples of the last training run.
    pub examples: u32,
    /// Training loss (binary cross-entropy) of the last epoch or online update.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub loss: Option<f32>,
    /// Validation loss of the kept epoch of the last run, when it had a validation split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub validation_loss: Option<f32>,
    /// Online updates from feedback (impressions, clicks, carts of suggestions) since the last run.
    pub online_updates: u32,
}

/// Progress of `train()`, passed to `onProgress` after every slice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct TrainProgress {
    /// Epochs completed.
    pub epoch: u32,
    /// Epochs planned.
    pub epochs: u32,
    /// Share of the work done, in `[0, 1]`; 1 at the end (also after early stopping).
    pub fraction: f32,
    /// Latest training loss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub loss: Option<f32>,
    /// Latest validation loss, when there is a validation split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub validation_loss: Option<f32>,
    /// Whether training has finished.
    pub done: bool,
}

/// Options of `Recommender.open`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct OpenOptions {
    /// The shop's aggregated model pack (bytes of a `.pack` file); without it the recommender starts empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional, type = "Uint8Array")]
    pub pack: Option<serde_bytes::ByteBuf>,
    /// Separates several recommenders on one origin (database `alsobuy:<namespace>`; default `"default"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub namespace: Option<String>,
}
