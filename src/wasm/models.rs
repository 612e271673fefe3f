//! JS binding of [`crate::scorers::fitted`]: the class `Model` (cargo feature `models`), every offline model
//! of the CLI — `popular`, `cooccur`, `content`, `knn`, `ease`, `blend`, `mlp`, `hybrid` — fitted in the page
//! from events and catalogue rows, answering `recommend` exactly as `alsobuy recommend` does.
//!
//! A thin newtype over [`FittedModel`]: it converts the DTOs below, feeds [`TrainingData`] row by row (naming
//! the row and field of a refused one), and converts the ranked items back. Not part of the widget's wasm:
//! the package ships it as a second module, `alsobuy/models` (scripts/build-pkg.sh).

use serde::{Deserialize, Serialize};
use tsify::Tsify;
use wasm_bindgen::prelude::*;

use super::dto::{from_js, to_js};
use super::error::js_names;
use crate::scorers::fitted::{
    seconds_from_f64, DataError, FittedModel, ModelLimits, TrainEventKind, TrainingData,
};
use crate::scorers::MODEL_NAMES;

/// One training event (a row of the CLI's `train.csv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct TrainingEvent {
    /// The shopper (empty or absent: anonymous, the session is the shopper).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub user: Option<String>,
    /// The session, i.e. the basket (empty or absent: all of the user's events form one basket).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub session: Option<String>,
    /// The product.
    pub item: String,
    /// What happened: `view` (weight 1), `cart` (3) or `purchase` (5).
    #[tsify(type = "'view' | 'cart' | 'purchase'")]
    pub kind: String,
    /// Whole seconds (any epoch: only the order matters).
    pub timestamp: f64,
}

/// One catalogue row (a row of the CLI's `items.csv`): recommendable even without events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct TrainingItem {
    /// The product id.
    pub item: String,
    /// Category (used by `content` and as an `mlp`/`hybrid` feature).
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
}

/// Limits of one `Model` (every field optional, each at least 1).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ModelLimitOptions {
    /// Most distinct items, catalogue rows and event items together (default 200,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub max_items: Option<u32>,
    /// Most events (default 1,000,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub max_events: Option<u32>,
    /// Largest `k` of a query (default 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub max_k: Option<u32>,
    /// Most context ids in a query (default 500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub max_context_items: Option<u32>,
}

/// Options of `Model.fit`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ModelFitOptions {
    /// Which model (default `"hybrid"`); `Model.modelNames()` lists them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(
        optional,
        type = "'popular' | 'cooccur' | 'content' | 'knn' | 'ease' | 'blend' | 'mlp' | 'hybrid'"
    )]
    pub model: Option<String>,
    /// The training events.
    pub events: Vec<TrainingEvent>,
    /// The catalogue (optional).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[tsify(optional)]
    pub items: Vec<TrainingItem>,
    /// Seed of the models with randomness (`mlp`, `hybrid`; default 42, as the CLI's `--seed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub seed: Option<u64>,
    /// Limits that protect the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub limits: Option<ModelLimitOptions>,
}

/// A query of `model.recommend`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ModelQuery {
    /// The shopper (absent, empty or unknown: anonymous).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub user: Option<String>,
    /// Items in the cart or being viewed: never suggested. Unknown ids are ignored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[tsify(optional)]
    pub context: Vec<String>,
    /// How many items (default 10, as the CLI's `--k`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub k: Option<u32>,
    /// Never suggest an item of the user's history (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[tsify(optional)]
    pub exclude_history: Option<bool>,
}

/// One recommended item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct ScoredItem {
    /// The product id.
    pub item: String,
    /// The model's score (higher is better; comparable only within one query).
    pub score: f32,
}

fn js_error(message: impl std::fmt::Display) -> JsError {
    JsError::new(&format!("alsobuy: {message}"))
}

/// A core error with the limits named as the JS option (`limits.maxK`).
fn core_error(e: crate::Error) -> JsError {
    let mut e = js_names(e);
    if let crate::Error::InvalidConfig { field, reason, .. } = &mut e {
        if *reason == "is above limits.max_k" {
            *reason = "is above limits.maxK";
        }
        *field = match *field {
            "limits.max_items" => "limits.maxItems",
            "limits.max_events" => "limits.maxEvents",
            "limits.max_k" => "limits.maxK",
            "limits.max_context_items" => "limits.maxContextItems",
            other => other,
        };
    }
    js_error(e)
}

/// A refused row: `events[3].item: invalid item "": is empty`.
fn row_error(list: &str, index: usize, e: &DataError) -> JsError {
    match e.field() {
        "row" => js_error(format_args!("{list}[{index}]: {e}")),
        "event" => js_error(format_args!("{list}[{index}].kind: {e}")),
        field => js_error(format_args!("{list}[{index}].{field}: {e}")),
    }
}

fn limits_from(l: &ModelLimitOptions) -> ModelLimits {
    let d = ModelLimits::default();
    let pick = |v: Option<u32>, default: usize| v.map_or(default, |v| v as usize);
    ModelLimits {
        max_items: pick(l.max_items, d.max_items),
        max_events: pick(l.max_events, d.max_events),
        max_k: pick(l.max_k, d.max_k),
        max_context_items: pick(l.max_context_items, d.max_context_items),
    }
}

/// An offline model fitted in this page: the same models, validation and ranking as `alsobuy recommend`.
///
/// `mlp` and `hybrid` train a network: seconds on tens of thousands of events, blocking the thread they run
/// on — fit them in a Web Worker. The others fit in milliseconds to a second.
#[wasm_bindgen(js_name = Model)]
pub struct JsModel {
    inner: FittedModel,
}

#[wasm_bindgen(js_class = Model)]
impl JsModel {
    /// Fits `model` (default `"hybrid"`) on `events` and the optional catalogue `items` with `seed`
    /// (default 42). Throws naming the bad value: an unknown model, a refused row (`events[3].item: …`), a
    /// limit, no events, or the model's own refusal (EASE over 5,000 items).
    pub fn fit(
        #[wasm_bindgen(unchecked_param_type = "ModelFitOptions")] options: JsValue,
    ) -> Result<JsModel, JsError> {
        let o: ModelFitOptions = from_js("fit options", options)?;
        let limits = o.limits.as_ref().map(limits_from).unwrap_or_default();
        let mut data = TrainingData::with_limits(limits).map_err(core_error)?;
        let name = o.model.as_deref().unwrap_or("hybrid");
        if !MODEL_NAMES.contains(&name) {
            // Before reading the rows: a typo is reported first, and fast.
            return Err(js_error(crate::scorers::FitError::UnknownModel(
                name.to_owned(),
            )));
        }
        for (i, it) in o.items.iter().enumerate() {
            data.add_item(
                &it.item,
                it.category.as_deref().unwrap_or(""),
                it.brand.as_deref(),
                it.price,
            )
            .map_err(|e| row_error("items", i, &e))?;
        }
        for (i, ev) in o.events.iter().enumerate() {
            let row = |e: DataError| row_error("events", i, &e);
            let kind = TrainEventKind::parse(&ev.kind).map_err(row)?;
            let timestamp = seconds_from_f64(ev.timestamp).map_err(row)?;
            data.add_event(
                ev.user.as_deref(),
                ev.session.as_deref(),
                &ev.item,
                kind,
                timestamp,
            )
            .map_err(row)?;
        }
        let inner = data.fit(name, o.seed.unwrap_or(42)).map_err(js_error)?;
        Ok(JsModel { inner })
    }

    /// The names `fit` accepts, in the CLI's order.
    #[wasm_bindgen(js_name = modelNames)]
    pub fn model_names() -> Vec<String> {
        MODEL_NAMES.iter().map(|&n| n.to_owned()).collect()
    }

    /// The model's name.
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.inner.name().to_owned()
    }

    /// Items known to the model (catalogue rows and event items).
    #[wasm_bindgen(getter, js_name = itemCount)]
    pub fn item_count(&self) -> u32 {
        self.inner.data().n_items() as u32
    }

    /// The `k` (default 10) best items for `user` with `context` in the cart or being viewed, best first:
    /// never a context item; with `excludeHistory`, never an item of the user's history; ties broken by
    /// popularity, then catalogue order — exactly the rows `alsobuy recommend` writes.
    #[wasm_bindgen(unchecked_return_type = "ScoredItem[]")]
    pub fn recommend(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ModelQuery")] query: JsValue,
    ) -> Result<JsValue, JsError> {
        let q: ModelQuery = from_js("query", query)?;
        let best = self
            .inner
            .recommend(
                q.user.as_deref(),
                q.context.iter().map(String::as_str),
                q.k.map_or(10, |k| k as usize),
                q.exclude_history.unwrap_or(false),
            )
            .map_err(core_error)?;
        let out: Vec<ScoredItem> = best
            .into_iter()
            .map(|(i, score)| ScoredItem {
                item: self.inner.item_id(i).unwrap_or_default().to_owned(),
                score,
            })
            .collect();
        to_js(&out)
    }
}
