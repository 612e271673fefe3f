//! The only door to JavaScript. Each file binds one core area with thin newtypes and functions that convert
//! arguments, delegate to the core, and convert results back; errors cross as JS `Error`s.

mod error;
pub mod similarity;
pub mod dto;
pub mod journal;
pub mod storage;

pub use error::to_js_error;
