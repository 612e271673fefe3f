//! Core errors → JS `Error` objects whose message names the field and value.

use wasm_bindgen::prelude::*;

/// Converts a core [`crate::Error`] into a JS `Error` (thrown by the calling binding).
///
/// Core field names are renamed to the JS API's where they differ (the event's `timestamp_ms` is the JS
/// `timestamp`, the query's `min_score` is `minScore`).
#[cold]
#[inline(never)]
pub fn to_js_error(e: crate::Error) -> JsError {
    JsError::new(&format!("alsobuy: {}", js_names(e)))
}

/// The core error with its field named as in the JS API.
pub fn js_names(mut e: crate::Error) -> crate::Error {
    match &mut e {
        crate::Error::InvalidTimestamp { field, .. } if *field == "timestamp_ms" => {
            *field = "timestamp";
        }
        crate::Error::NotFinite { field, .. } if *field == "min_score" => *field = "minScore",
        _ => {}
    }
    e
}
