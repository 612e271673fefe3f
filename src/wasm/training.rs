//! JS binding of the re-ranker's training ([`crate::recommend::rerank`]): `recommender.train(options)`.
//!
//! Cargo feature `models`: training from scratch is in the lazily loaded module `alsobuy/models` (a page trains
//! in a Web Worker that imports it), not in the widget's; the widget's `Recommender.open` loads the saved model.
//!
//! `train` returns a Promise and trains in slices of at most about `sliceMs` milliseconds (default 8) and at
//! most one epoch, calling
//! `onProgress` and yielding to the event loop (`setTimeout(0)`) between slices, so the page or worker stays
//! responsive and `alsoBuy` keeps answering — with the previous model — until training ends. Then the new
//! model is installed and, when the recommender was opened with `Recommender.open`, saved in IndexedDB (the
//! `"model"` state blob), so the next `open` in any tab or worker of this origin uses it.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::dto::{self, from_js, to_js};
use super::recommender::{model_info, save_model, JsRecommender};
use super::to_js_error;
use crate::recommend::{ModelStats, Recommender, TrainProgress, TrainingRun};

#[wasm_bindgen(typescript_custom_section)]
const TRAIN_OPTIONS_TS: &'static str = r#"
/** Options of `Recommender.train`. */
export interface TrainOptions {
    /** Most epochs (1..=1000, default 5); training stops early when the validation loss stops improving. */
    epochs?: number;
    /** Milliseconds of work between two yields to the event loop (1..=1000, default 8). */
    sliceMs?: number;
    /** Called after every slice (at least once per epoch); the last call has `done: true` and `fraction: 1`. */
    onProgress?: (progress: TrainProgress) => void;
}
"#;

/// The numeric part of `TrainOptions` (`onProgress` is read separately: a function is not data).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TrainSettings {
    #[serde(default)]
    epochs: Option<u32>,
    #[serde(default)]
    slice_ms: Option<f64>,
}

fn progress_dto(p: TrainProgress) -> dto::TrainProgress {
    dto::TrainProgress {
        epoch: u32::try_from(p.epoch).unwrap_or(u32::MAX),
        epochs: u32::try_from(p.epochs).unwrap_or(u32::MAX),
        fraction: p.fraction,
        loss: p.loss,
        validation_loss: p.validation_loss,
        done: p.done,
    }
}

/// Resolves on the next macrotask (`setTimeout(0)` where the global has it, else a resolved promise).
async fn yield_now() {
    let promise = Promise::new(&mut |resolve: Function, _reject: Function| {
        let global = js_sys::global();
        let timer = Reflect::get(&global, &"setTimeout".into())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok());
        let scheduled = timer
            .map(|f| f.call2(&global, &resolve, &JsValue::from(0)).is_ok())
            .unwrap_or(false);
        if !scheduled {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = JsFuture::from(promise).await;
}

fn err(message: String) -> JsValue {
    JsError::new(&message).into()
}

/// Steps `run` in slices of `slice_ms`, reporting progress and yielding between slices; installs the model.
async fn drive(
    inner: Rc<RefCell<Recommender>>,
    mut run: TrainingRun,
    slice_ms: f64,
    on_progress: Option<Function>,
) -> Result<ModelStats, JsValue> {
    loop {
        let start = js_sys::Date::now();
        let mut progress = run.progress();
        let epoch = progress.epoch;
        // A slice ends after `slice_ms` or at the end of an epoch, whichever comes first.
        while !progress.done && progress.epoch == epoch && js_sys::Date::now() - start < slice_ms {
            progress = run
                .step(1)
                .map_err(|e| err(format!("alsobuy: training failed: {e}")))?;
        }
        if let Some(f) = &on_progress {
            let value = to_js(&progress_dto(progress))?;
            f.call1(&JsValue::NULL, &value)?;
        }
        if progress.done {
            break;
        }
        yield_now().await;
    }
    let stats = inner
        .borrow_mut()
        .finish_training(run)
        .map_err(|e| JsValue::from(to_js_error(e)))?;
    Ok(stats)
}

#[wasm_bindgen(js_class = Recommender)]
impl JsRecommender {
    /// Trains the re-ranker on this shopper's recorded events (starting from the pack's model, if any) and
    /// resolves with `stats().model` once the new model is installed and saved. Yields to the event loop
    /// between slices of about `sliceMs`, calling `onProgress`; `alsoBuy` answers meanwhile with the previous
    /// model. Rejects with an `Error` naming the problem: a bad option (`epochs`, `sliceMs`, `onProgress`),
    /// no positive example in the events (a cart or purchase after another event of its session), an
    /// exception thrown by `onProgress`, or a storage failure while saving (the model is installed anyway).
    #[wasm_bindgen(unchecked_return_type = "Promise<ModelInfo>")]
    pub fn train(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "TrainOptions")] options: Option<
            js_sys::Object,
        >,
    ) -> Promise {
        match self.start(options) {
            Ok(promise) => promise,
            Err(e) => Promise::reject(&e),
        }
    }
}

impl JsRecommender {
    fn start(&self, options: Option<js_sys::Object>) -> Result<Promise, JsValue> {
        let (settings, on_progress) = match options {
            Some(o) if !o.is_undefined() && !o.is_null() => {
                let callback = Reflect::get(&o, &"onProgress".into())?;
                let on_progress = if callback.is_undefined() || callback.is_null() {
                    None
                } else {
                    Some(callback.dyn_into::<Function>().map_err(|v| {
                        err(format!(
                            "alsobuy: invalid train options: onProgress: expected a function, got {}",
                            js_sys::JSON::stringify(&v)
                                .ok()
                                .and_then(|s| s.as_string())
                                .unwrap_or_else(|| "a non-function".into())
                        ))
                    })?)
                };
                let plain = js_sys::Object::assign(&js_sys::Object::new(), &o);
                let _ = Reflect::delete_property(&plain, &"onProgress".into());
                let settings: TrainSettings =
                    from_js("train options", plain.into()).map_err(JsValue::from)?;
                (settings, on_progress)
            }
            _ => (TrainSettings::default(), None),
        };
        let slice_ms = settings.slice_ms.unwrap_or(8.0);
        if !(slice_ms.is_finite() && (1.0..=1000.0).contains(&slice_ms)) {
            return Err(err(format!(
                "alsobuy: invalid train options: sliceMs {slice_ms}: must be between 1 and 1000"
            )));
        }
        let epochs = settings.epochs.unwrap_or(5) as usize;
        let run = self
            .inner
            .borrow()
            .start_training(epochs)
            .map_err(|e| JsValue::from(to_js_error(e)))?;
        let inner = self.inner.clone();
        let journal = self.journal.clone();
        let saved = self.saved_model.clone();
        Ok(wasm_bindgen_futures::future_to_promise(async move {
            let stats = drive(inner.clone(), run, slice_ms, on_progress).await?;
            if let Some(j) = journal {
                // The model learned from every event recorded so far; it covers the committed ones.
                JsFuture::from(j.flush()).await?;
                save_model(j.store(), &inner, &saved, j.last_key())
                    .await
                    .map_err(|e| {
                        err(format!("alsobuy: the model was trained but not saved: {e}"))
                    })?;
            }
            let personal = inner.borrow().model_is_personal();
            to_js(&model_info(Some(&stats), personal)).map_err(JsValue::from)
        }))
    }
}
