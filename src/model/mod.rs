//! The neural re-ranker: a small MLP that scores (shopper, candidate item) pairs, trained and run in the
//! browser, and fine-tuned online from the shopper's feedback.
//!
//! - [`features`] — the re-ranker's input layout (documented in one place) and the feature builder.
//! - [`mlp`] — the network: [`Mlp`], [`MlpConfig`], forward and hand-derived backward passes.
//! - [`train`] — [`TrainConfig`], [`Trainer`] (Adam/SGD, L2, mini-batches, early stopping, `train_step`,
//!   `train_epoch`, step-wise [`Fit`], bounded `fine_tune`).
//! - [`loss`] — binary cross-entropy from logits (default), squared error, and a listwise softmax
//!   cross-entropy over groups of rows (one query's candidates).
//! - [`kernels`] — the hot matrix products: scalar and wasm32 SIMD128, with one summation order.
//! - [`error`] — [`ModelError`].
//!
//! # Determinism and native ⇄ wasm equality
//! Same seed + same data ⇒ the same weights. Every kernel sums each output element's terms in the same
//! order (see [`kernels`]), `exp`/sigmoid/softplus are computed with IEEE-exact operations only (no libm),
//! Adam's bias corrections use running products (no `powi`), and shuffling draws `u32` indices from a
//! seeded `StdRng`. So a model trained natively and loaded in the browser gives **bit-identical** scores for
//! the same inputs, and training itself is bit-identical across the two (tested: `tests/wasm_kernels.rs`
//! checks golden values computed natively).

#[forbid(unsafe_code)]
pub mod error;
#[forbid(unsafe_code)]
pub mod features;
pub mod kernels;
#[forbid(unsafe_code)]
pub mod loss;
#[forbid(unsafe_code)]
pub(crate) mod math;
#[forbid(unsafe_code)]
pub mod mlp;
#[forbid(unsafe_code)]
pub mod train;

pub use error::{ModelError, ModelResult};

/// Whether the listwise objective and grouped training are compiled in: natively, and on wasm32 with the
/// `models` feature (the `hybrid` model). The widget module (wasm32 without `models`) only trains pointwise,
/// so it leaves them out to keep its download small; there [`TrainConfig::validate`] refuses
/// [`Loss::ListwiseSoftmax`] and [`Dataset::with_groups`] refuses groups. A constant, so the optimiser
/// drops the unused code.
pub const LISTWISE: bool = cfg!(any(not(target_arch = "wasm32"), feature = "models"));
pub use features::{CrossFeatures, FeatureLayout};
pub use loss::Loss;
pub use mlp::{Dense, Mlp, MlpConfig};
pub use train::{Dataset, Fit, FitProgress, FitReport, Optimizer, TrainConfig, Trainer};
