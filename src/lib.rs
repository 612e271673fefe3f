#![doc = include_str!("../README.md")]
//!
//! # Layout
//!
//! The core (every module but `wasm`) is plain Rust and builds and tests natively; `src/wasm/` is the only
//! door to JavaScript and the only place that imports `wasm-bindgen`, `js-sys`, `web-sys` and
//! `serde-wasm-bindgen`.
//!
//! # Unsafe code
//!
//! `unsafe_code` is denied crate-wide (`Cargo.toml`) and **forbidden** (no `allow` can re-enable it) in every
//! module but `model`, whose only exception is the SIMD128 kernel module `model::kernels::simd128` (wasm32
//! `core::arch` intrinsics reading packed panels; bounds checked once per call). A crate-level `forbid` cannot
//! be scoped around one module, so it is put on each `mod` declaration instead; `tests/unsafe_free.rs` fails if
//! `unsafe` appears anywhere in `src/` outside `src/model/kernels.rs`.

#[forbid(unsafe_code)]
pub mod catalog;
#[forbid(unsafe_code)]
pub mod codec;
#[forbid(unsafe_code)]
pub mod cooccur;
#[forbid(unsafe_code)]
pub mod crc32;
#[forbid(unsafe_code)]
pub mod encoding;
#[forbid(unsafe_code)]
pub mod error;
#[forbid(unsafe_code)]
pub mod eval;
#[forbid(unsafe_code)]
pub mod events;
#[forbid(unsafe_code)]
pub mod hashing;
#[forbid(unsafe_code)]
pub mod ids;
#[forbid(unsafe_code)]
pub mod index;
#[forbid(unsafe_code)]
pub mod interactions;
pub mod model;
#[forbid(unsafe_code)]
pub mod num;
#[forbid(unsafe_code)]
pub mod pack;
#[forbid(unsafe_code)]
pub mod recommend;
#[forbid(unsafe_code)]
pub mod scorers;
#[forbid(unsafe_code)]
pub mod similarity;

#[cfg(not(target_arch = "wasm32"))]
#[forbid(unsafe_code)]
pub mod cli;

#[cfg(target_arch = "wasm32")]
#[forbid(unsafe_code)]
pub mod wasm;

pub use catalog::{Catalog, Item};
pub use error::{Error, Result};
pub use events::{Event, EventKind};
pub use recommend::{
    Candidate, CategoryFilter, Query, Reason, ReasonKind, Recommender, RecommenderConfig,
    RecordOutcome, RecordReport, Stats, Suggestion,
};
