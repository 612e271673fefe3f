//! JS binding for [`crate::similarity`]: `cosine` (in the widget's module; `VectorIndex` is in `super::index`).

use wasm_bindgen::prelude::*;

use super::to_js_error;

/// True cosine similarity of two equally long vectors, in `[-1, 1]` (`0` when either is all zeros).
///
/// Throws an `AlsobuyError` when the lengths differ or an element is NaN/±∞.
#[wasm_bindgen(js_name = cosine)]
pub fn cosine(a: &[f32], b: &[f32]) -> Result<f32, JsError> {
    crate::similarity::cosine(a, b).map_err(to_js_error)
}
