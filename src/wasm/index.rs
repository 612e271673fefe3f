//! JS binding for [`crate::index`]: the classes `VectorIndex` and `TopK` (cargo feature `models`: an ML
//! primitive, in the lazily loaded module `alsobuy/models`, not in the widget's).

use wasm_bindgen::prelude::*;

use super::to_js_error;

/// Exact cosine top-k over a dense row-major matrix (`n × dim`), rows normalised once at construction.
#[wasm_bindgen(js_name = VectorIndex)]
pub struct JsVectorIndex(crate::index::VectorIndex);

/// The answer of `VectorIndex.topK`: row indices and cosines, best first (ties to the lower index).
#[wasm_bindgen(js_name = TopK)]
pub struct JsTopK {
    indices: Vec<u32>,
    scores: Vec<f32>,
}

#[wasm_bindgen(js_class = TopK)]
impl JsTopK {
    /// Row indices, best first.
    #[wasm_bindgen(getter)]
    pub fn indices(&self) -> Vec<u32> {
        self.indices.clone()
    }

    /// Cosines, aligned with `indices`.
    #[wasm_bindgen(getter)]
    pub fn scores(&self) -> Vec<f32> {
        self.scores.clone()
    }
}

fn flatten(hits: Vec<crate::index::Hits>) -> JsTopK {
    let (indices, scores) = hits.into_iter().flatten().unzip();
    JsTopK { indices, scores }
}

#[wasm_bindgen(js_class = VectorIndex)]
impl JsVectorIndex {
    /// Copies and normalises `matrix` (row-major, `matrix.length / dim` rows). Throws when `dim` does not
    /// divide the length or a value is NaN/±∞.
    #[wasm_bindgen(constructor)]
    pub fn new(matrix: &[f32], dim: usize) -> Result<JsVectorIndex, JsError> {
        crate::index::VectorIndex::new(matrix, dim)
            .map(JsVectorIndex)
            .map_err(to_js_error)
    }

    /// Number of rows.
    #[wasm_bindgen(getter)]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no rows.
    #[wasm_bindgen(js_name = isEmpty)]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Vector width.
    #[wasm_bindgen(getter)]
    pub fn dim(&self) -> usize {
        self.0.dim()
    }

    /// The `k` rows most similar to `query` (exact).
    #[wasm_bindgen(js_name = topK)]
    pub fn top_k(&self, query: &[f32], k: usize) -> Result<JsTopK, JsError> {
        self.0
            .top_k(query, k)
            .map(|h| flatten(vec![h]))
            .map_err(to_js_error)
    }

    /// The `k` best rows for each of the queries in the row-major matrix `queries` (`m × dim`), concatenated:
    /// query `q`'s hits are `indices[q*k .. (q+1)*k]` (fewer when the index has fewer than `k` rows).
    /// Scores several queries with one blocked matrix product: much faster than `topK` in a loop.
    #[wasm_bindgen(js_name = topKBatch)]
    pub fn top_k_batch(&self, queries: &[f32], k: usize) -> Result<JsTopK, JsError> {
        self.0
            .top_k_batch(queries, k)
            .map(flatten)
            .map_err(to_js_error)
    }
}
