//! The model module's error type: every failure names the offending field, shape or value.

use thiserror::Error;

/// Everything that can go wrong while building, training or running the re-ranker.
///
/// The integrator wraps this in the crate-wide [`crate::Error`]; inside `model` it stays local so the module
/// builds and tests on its own.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum ModelError {
    /// An input value is NaN or infinite.
    #[error("{what} must be finite, got {} at row {row}, column {column}", crate::num::F32(*.value))]
    NotFinite {
        /// Which argument held it (`"x"`, `"y"`, `"profile"`, …).
        what: &'static str,
        /// Its row (0 for vectors).
        row: usize,
        /// Its column (the element index for vectors).
        column: usize,
        /// The value found.
        value: f32,
    },
    /// Two shapes that must agree do not.
    #[error("shape mismatch: {what} has shape {got:?}, expected {expected:?}")]
    ShapeMismatch {
        /// Which argument was wrong.
        what: &'static str,
        /// The shape it had (`[rows, columns]`, or `[len]`).
        got: Vec<usize>,
        /// The shape it should have had (`usize::MAX` where any size is fine).
        expected: Vec<usize>,
    },
    /// Training was asked to learn from zero examples.
    #[error("empty training set: {what} has no rows")]
    EmptyTrainingSet {
        /// Which data set was empty (`"training set"`, `"validation split"`, …).
        what: &'static str,
    },
    /// A configuration value is out of its allowed range.
    #[error("invalid config value {field} = {value}: {reason}")]
    InvalidConfig {
        /// The builder field.
        field: &'static str,
        /// The value given, as text.
        value: String,
        /// What the field accepts.
        reason: &'static str,
    },
    /// A label is outside what the loss accepts (binary cross-entropy needs labels in `[0, 1]`).
    #[error("label y[{row}] = {} is outside [0, 1], which the {loss} loss requires", crate::num::F32(*.value))]
    LabelOutOfRange {
        /// The example's index.
        row: usize,
        /// The label found.
        value: f32,
        /// The loss that rejected it.
        loss: &'static str,
    },
    /// A bounded operation (e.g. online fine-tuning) was asked to do more than its configured budget.
    #[error("{what} = {got} exceeds the configured limit {limit}")]
    BudgetExceeded {
        /// What was too large.
        what: &'static str,
        /// The requested amount.
        got: usize,
        /// The limit.
        limit: usize,
    },
    /// Stored model state does not describe a consistent network (e.g. a corrupted or hand-edited pack).
    #[error("inconsistent model state: {0}")]
    Corrupt(String),
}

/// `Result` with [`ModelError`].
pub type ModelResult<T> = std::result::Result<T, ModelError>;
