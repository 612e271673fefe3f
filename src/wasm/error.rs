//! Core errors → JS `Error` objects whose message names the field and value.

use wasm_bindgen::prelude::*;

/// Converts a core [`crate::Error`] into a JS `Error` (thrown by the calling binding).
pub fn to_js_error(e: crate::Error) -> JsError {
    JsError::new(&format!("alsobuy: {e}"))
}
