#![doc = include_str!("../README.md")]
//!
//! # Layout
//!
//! The core (every module but `wasm`) is plain Rust and builds and tests natively; `src/wasm/` is the only
//! door to JavaScript and the only place that imports `wasm-bindgen`, `js-sys`, `web-sys` and
//! `serde-wasm-bindgen`.

pub mod catalog;
pub mod cooccur;
pub mod crc32;
pub mod encoding;
pub mod error;
pub mod eval;
pub mod events;
pub mod hashing;
pub mod ids;
pub mod index;
pub mod interactions;
pub mod model;
pub mod pack;
pub mod recommend;
pub mod scorers;
pub mod similarity;

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use catalog::{Catalog, Item};
pub use error::{Error, Result};
pub use events::{Event, EventKind};
pub use recommend::{
    Candidate, CategoryFilter, Query, Reason, ReasonKind, Recommender, RecommenderConfig,
    RecordOutcome, RecordReport, Stats, Suggestion,
};
