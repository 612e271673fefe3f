#![doc = include_str!("../README.md")]
//!
//! # Layout
//!
//! The core (every module but [`wasm`]) is plain Rust and builds and tests natively; `src/wasm/` is the only
//! door to JavaScript and the only place that imports `wasm-bindgen`, `js-sys`, `web-sys` and
//! `serde-wasm-bindgen`.

pub mod error;
pub mod ids;
pub mod model;
pub mod similarity;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::{Error, Result};
