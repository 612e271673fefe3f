//! JS binding of [`crate::model`]: the class `Mlp` (train and run the re-ranker network on its own).

use ndarray::{ArrayView1, ArrayView2};
use serde::Deserialize;
use tsify::Tsify;
use wasm_bindgen::prelude::*;

use super::dto::from_js;
use super::to_js_error;
use crate::model::{Dataset, Mlp, MlpConfig, TrainConfig, Trainer};

/// Options of `new Mlp(options)`.
#[derive(Debug, Clone, Deserialize, Tsify)]
#[serde(rename_all = "camelCase")]
pub struct MlpOptions {
    /// Input width.
    pub inputs: usize,
    /// Hidden layer widths (default `[64, 32]`).
    #[serde(default)]
    #[tsify(optional)]
    pub hidden: Option<Vec<usize>>,
    /// Seed of the initialisation and of shuffling (default 0).
    #[serde(default)]
    #[tsify(optional)]
    pub seed: Option<u64>,
    /// Adam step size (default 1e-3).
    #[serde(default)]
    #[tsify(optional)]
    pub learning_rate: Option<f32>,
    /// Examples per mini-batch (default 64).
    #[serde(default)]
    #[tsify(optional)]
    pub batch_size: Option<usize>,
    /// L2 weight decay (default 0).
    #[serde(default)]
    #[tsify(optional)]
    pub l2: Option<f32>,
}

/// A small MLP: Dense(hidden…, ReLU) → Dense(1, sigmoid), binary cross-entropy from logits, Adam.
/// Deterministic for a given seed, natively and in the browser.
#[wasm_bindgen(js_name = Mlp)]
pub struct JsMlp {
    mlp: Mlp,
    trainer: Trainer,
}

fn rows(what: &'static str, len: usize, width: usize) -> Result<usize, JsError> {
    if width == 0 || len % width != 0 {
        return Err(JsError::new(&format!(
            "alsobuy: {what} has {len} values, not a multiple of the input width {width}"
        )));
    }
    Ok(len / width)
}

impl JsMlp {
    fn dataset(&self, x: &[f32], y: &[f32]) -> Result<Dataset, JsError> {
        let width = self.mlp.input_dim();
        let n = rows("x", x.len(), width)?;
        let xv = ArrayView2::from_shape((n, width), x).map_err(|e| JsError::new(&e.to_string()))?;
        Dataset::new(xv, ArrayView1::from(y)).map_err(|e| to_js_error(e.into()))
    }
}

#[wasm_bindgen(js_class = Mlp)]
impl JsMlp {
    /// A freshly initialised network. Throws on a bad option, naming it and its value.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "MlpOptions")] options: JsValue,
    ) -> Result<JsMlp, JsError> {
        let o: MlpOptions = from_js("Mlp options", options)?;
        let mut config = MlpConfig::new().seed(o.seed.unwrap_or(0));
        if let Some(h) = &o.hidden {
            config = config.hidden(h);
        }
        let mlp = config.build(o.inputs).map_err(|e| to_js_error(e.into()))?;
        let mut train = TrainConfig::new()
            .seed(o.seed.unwrap_or(0))
            .weight_decay(o.l2.unwrap_or(0.0))
            .validation_fraction(0.0)
            .patience(None);
        if let Some(lr) = o.learning_rate {
            train = train.learning_rate(lr);
        }
        if let Some(b) = o.batch_size {
            train = train.batch_size(b);
        }
        let trainer = Trainer::new(&mlp, train).map_err(|e| to_js_error(e.into()))?;
        Ok(JsMlp { mlp, trainer })
    }

    /// Input width.
    #[wasm_bindgen(getter)]
    pub fn inputs(&self) -> usize {
        self.mlp.input_dim()
    }

    /// One pass over `(x, y)` in seeded mini-batches (`x` row-major `n × inputs`, `y` in `[0, 1]`); returns the
    /// epoch's mean loss. Call repeatedly to train in slices (e.g. from a Web Worker, reporting progress).
    #[wasm_bindgen(js_name = trainEpoch)]
    pub fn train_epoch(&mut self, x: &[f32], y: &[f32]) -> Result<f32, JsError> {
        let data = self.dataset(x, y)?;
        self.trainer
            .train_epoch(&mut self.mlp, &data)
            .map_err(|e| to_js_error(e.into()))
    }

    /// `epochs` passes over `(x, y)`; returns the last epoch's mean loss.
    pub fn fit(&mut self, x: &[f32], y: &[f32], epochs: u32) -> Result<f32, JsError> {
        let data = self.dataset(x, y)?;
        let mut loss = f32::NAN;
        for _ in 0..epochs {
            loss = self
                .trainer
                .train_epoch(&mut self.mlp, &data)
                .map_err(|e| to_js_error(e.into()))?;
        }
        Ok(loss)
    }

    /// Probabilities, one per row of `x` (row-major `n × inputs`).
    pub fn predict(&self, x: &[f32]) -> Result<Vec<f32>, JsError> {
        let n = rows("x", x.len(), self.mlp.input_dim())?;
        self.mlp
            .predict_slice(x, n)
            .map_err(|e| to_js_error(e.into()))
    }
}
