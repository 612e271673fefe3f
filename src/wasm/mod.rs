//! The only door to JavaScript. Each file binds one core area with thin newtypes and functions that convert
//! arguments, delegate to the core, and convert results back; errors cross as JS `Error`s.
//!
//! Two wasm modules are built from this crate (scripts/build-pkg.sh). The widget's (`alsobuy`, no feature) is
//! what a shop page downloads on its critical path: `Recommender` (record, suggest, feedback with the online
//! fine-tune, storage, stats) and `cosine`. The cargo feature `models` adds what a page loads lazily, in a worker
//! or on demand (`alsobuy/models`): training from scratch (`Recommender.train`, `training`), the ML primitives
//! `Mlp` (`model`) and `VectorIndex`/`TopK` (`index`), and the offline models' class `Model` (`models`).
//! Core code reachable only from these bindings is then not linked into the widget's module.

pub mod dto;
mod error;
#[cfg(feature = "models")]
pub mod index;
pub mod journal;
#[cfg(feature = "models")]
pub mod model;
#[cfg(feature = "models")]
pub mod models;
pub mod recommender;
pub mod similarity;
pub mod storage;
#[cfg(feature = "models")]
pub mod training;

pub use error::to_js_error;
