//! The crate's error type. Every fallible public function returns [`Result`]; bad input never panics.

use thiserror::Error;

/// Everything that can go wrong in alsobuy's core, each variant naming the offending field and value.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// Two vectors that must have the same length do not.
    #[error("dimension mismatch: {what} has length {got}, expected {expected}")]
    DimensionMismatch {
        /// Which argument was wrong.
        what: &'static str,
        /// Its length.
        got: usize,
        /// The length it should have had.
        expected: usize,
    },
    /// A number that must be finite is NaN or infinite.
    #[error("{field} must be a finite number, got {value}")]
    NotFinite {
        /// Which field.
        field: &'static str,
        /// The value found.
        value: f64,
    },
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
