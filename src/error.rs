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
    #[error("{field} must be a finite number, got {}", crate::num::F64(*.value))]
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
    /// An id longer than the configured `limits.max_id_bytes`.
    #[error("invalid {field} {value:?}: {len} bytes is longer than limits.max_id_bytes ({limit})")]
    IdTooLong {
        /// Which field held the id.
        field: &'static str,
        /// The id (shortened to 40 characters).
        value: String,
        /// Its length in bytes.
        len: usize,
        /// The configured limit.
        limit: usize,
    },
    /// An event kind name that alsobuy does not know.
    #[error("unknown event kind {value:?} (expected one of view, cart, remove_from_cart, purchase, search, impression, click)")]
    UnknownEventKind {
        /// The name found.
        value: String,
    },
    /// A timestamp that is NaN, infinite or negative.
    #[error("invalid {field} {}: {reason}", crate::num::F64(*.value))]
    InvalidTimestamp {
        /// Which field held it.
        field: &'static str,
        /// The value found.
        value: f64,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A field that this kind of record needs is missing or empty.
    #[error("missing {field} for a {context}")]
    MissingField {
        /// The missing field.
        field: &'static str,
        /// The record it is missing from (e.g. `view event`).
        context: String,
    },
    /// A price that is NaN, infinite or negative.
    #[error("invalid price {} for item {item:?}: {reason}", crate::num::F64(*.value))]
    InvalidPrice {
        /// The item's id.
        item: String,
        /// The price found.
        value: f64,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The same id appears twice where ids must be unique.
    #[error("duplicate {field} {value:?}")]
    DuplicateId {
        /// Which field.
        field: &'static str,
        /// The repeated id.
        value: String,
    },
    /// A configuration or query value outside its allowed range.
    #[error("invalid {field} {value}: {reason}")]
    InvalidConfig {
        /// Which setting.
        field: &'static str,
        /// The value found, formatted.
        value: String,
        /// What is allowed.
        reason: &'static str,
    },
    /// A pack/snapshot is shorter than its header or its declared payload.
    #[error("pack is truncated: {len} bytes, needed {needed}")]
    PackTruncated {
        /// Bytes given.
        len: usize,
        /// Bytes needed.
        needed: usize,
    },
    /// The bytes do not start with alsobuy's magic number.
    #[error("not an alsobuy pack: the first bytes are {found:02x?}")]
    BadMagic {
        /// The first bytes found (at most 8).
        found: Vec<u8>,
    },
    /// A pack written by a newer (or unknown) format version.
    #[error("pack format version {found} is not supported (this build reads versions up to {supported})")]
    UnsupportedPackVersion {
        /// The version in the header.
        found: u16,
        /// The newest version this build reads.
        supported: u16,
    },
    /// A pack of the wrong kind (e.g. a full snapshot where an aggregate pack was expected).
    #[error("wrong pack kind: expected {expected}, found {found}")]
    WrongPackKind {
        /// The kind expected.
        expected: &'static str,
        /// The kind found.
        found: String,
    },
    /// The payload's checksum does not match the header.
    #[error("pack checksum mismatch: header says {stored:08x}, payload hashes to {computed:08x}")]
    ChecksumMismatch {
        /// CRC-32 stored in the header.
        stored: u32,
        /// CRC-32 of the payload found.
        computed: u32,
    },
    /// The payload could not be decoded, or decoded to inconsistent state.
    #[error("corrupt pack: {message}")]
    PackDecode {
        /// What went wrong.
        message: String,
    },
    /// A configured or built-in limit was reached.
    #[error("too many {what}: the limit is {limit}")]
    CapacityExceeded {
        /// What overflowed.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// The neural re-ranker or its kernels refused their input (the message names field and value).
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
}

/// `Result` with [`enum@Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
