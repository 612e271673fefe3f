//! The only door to JavaScript. Each file binds one core area with thin newtypes and functions that convert
//! arguments, delegate to the core, and convert results back; errors cross as JS `Error`s.

pub mod dto;
mod error;
pub mod journal;
pub mod model;
#[cfg(feature = "models")]
pub mod models;
pub mod recommender;
pub mod similarity;
pub mod storage;
pub mod training;

pub use error::to_js_error;
