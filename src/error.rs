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
    /// An id (item, session, shopper…) is unusable.
    #[error("invalid {field} {value:?}: {reason}")]
    InvalidId {
        /// Which field held the id.
        field: &'static str,
        /// The id (shortened to 40 characters).
        value: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A configured or built-in limit was reached.
    #[error("too many {what}: the limit is {limit}")]
    CapacityExceeded {
        /// What overflowed.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
