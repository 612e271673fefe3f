//! The re-ranker's input: **the one place the feature layout is defined.**
//!
//! One row per (shopper, candidate item) pair, `FeatureLayout::width()` columns:
//!
//! | columns | name | meaning | range |
//! |---|---|---|---|
//! | `0 .. P` | `profile[i]` | the shopper profile vector (time-decayed, event-weighted sum of touched item vectors, L2-normalised) | `[-1, 1]` |
//! | `P .. P+I` | `item[i]` | the candidate item's feature vector (category, brand, tags, price; L2-normalised) | `[-1, 1]` |
//! | `P+I+0` | `cross.profile_cosine` | cosine(profile, item) | `[-1, 1]` |
//! | `P+I+1` | `cross.cooccurrence` | normalised bought-together score of the item with the context (cart/viewed items) | `[0, 1]` |
//! | `P+I+2` | `cross.context_similarity` | content cosine of the item with the context items' mean vector | `[-1, 1]` |
//! | `P+I+3` | `cross.popularity` | `ln(1 + count) / ln(1 + max count)`, see [`popularity_feature`] | `[0, 1]` |
//! | `P+I+4` | `cross.log_price_ratio` | `ln(item price / mean context price)`, clipped, 0 when unknown; see [`price_ratio_feature`] | `[-3, 3]` |
//! | `P+I+5` | `cross.bought_before` | 1 if this shopper bought the item before, else 0 | `{0, 1}` |
//!
//! `P` = [`FeatureLayout::profile_dim`], `I` = [`FeatureLayout::item_dim`]. The benchmark workload W1 uses
//! `P = I = 64` without cross features (input 128) to match the reference TF.js model; the recommender uses
//! this full layout. Changing it changes the model's input width, so a pack stores the layout with the
//! weights.
//!
//! Everything here takes plain slices and views, so it does not depend on the engine's types.

use ndarray::{Array2, ArrayView2};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde::{Deserialize, Serialize};

use super::error::{ModelError, ModelResult};
use super::math::ln_positive;
use super::mlp::check_finite;

/// The cross features of one (shopper, candidate) pair, in layout order (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CrossFeatures {
    /// cosine(profile, item), `[-1, 1]`.
    pub profile_cosine: f32,
    /// Normalised bought-together score with the context, `[0, 1]`.
    pub cooccurrence: f32,
    /// Content cosine with the context items' mean vector, `[-1, 1]`.
    pub context_similarity: f32,
    /// Normalised popularity, `[0, 1]` ([`popularity_feature`]).
    pub popularity: f32,
    /// Log price ratio to the context, `[-3, 3]` ([`price_ratio_feature`]).
    pub log_price_ratio: f32,
    /// 1 when the shopper bought the item before, else 0.
    pub bought_before: f32,
}

impl CrossFeatures {
    /// Number of cross features.
    pub const LEN: usize = 6;
    /// Their column names, in layout order.
    pub const NAMES: [&'static str; Self::LEN] = [
        "cross.profile_cosine",
        "cross.cooccurrence",
        "cross.context_similarity",
        "cross.popularity",
        "cross.log_price_ratio",
        "cross.bought_before",
    ];

    /// The values in layout order.
    pub fn to_array(&self) -> [f32; Self::LEN] {
        [
            self.profile_cosine,
            self.cooccurrence,
            self.context_similarity,
            self.popularity,
            self.log_price_ratio,
            self.bought_before,
        ]
    }
}

/// `ln(1 + count) / ln(1 + max_count)` in `[0, 1]`: popularity on a log scale so best-sellers do not
/// dominate. Non-finite or non-positive inputs give 0.
pub fn popularity_feature(count: f32, max_count: f32) -> f32 {
    if !(count.is_finite() && max_count.is_finite()) || count <= 0.0 || max_count <= 0.0 {
        return 0.0;
    }
    // ln(1 + c) with the crate's deterministic ln (bit-identical natively and in wasm).
    let ln1p = |c: f32| ln_positive(1.0 + f64::from(c));
    ((ln1p(count) / ln1p(max_count)) as f32).clamp(0.0, 1.0)
}

/// `ln(item_price / mean(context_prices))` clipped to `[-3, 3]`; 0 when the item's price is unknown or
/// not positive, or no context price is positive and finite (those are skipped).
pub fn price_ratio_feature(item_price: Option<f32>, context_prices: &[f32]) -> f32 {
    let Some(p) = item_price.filter(|p| p.is_finite() && *p > 0.0) else {
        return 0.0;
    };
    let (sum, n) = context_prices
        .iter()
        .filter(|c| c.is_finite() && **c > 0.0)
        .fold((0.0f64, 0usize), |(s, n), &c| (s + f64::from(c), n + 1));
    if n == 0 {
        return 0.0;
    }
    let mean = sum / n as f64;
    (ln_positive(f64::from(p) / mean).clamp(-3.0, 3.0)) as f32
}

/// The widths of the re-ranker input (see the module docs for the column list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureLayout {
    /// Length of the shopper profile vector.
    pub profile_dim: usize,
    /// Length of an item vector.
    pub item_dim: usize,
}

impl FeatureLayout {
    /// A layout for profile vectors of `profile_dim` and item vectors of `item_dim` values.
    pub fn new(profile_dim: usize, item_dim: usize) -> Self {
        Self {
            profile_dim,
            item_dim,
        }
    }

    /// Total input width: `profile_dim + item_dim + CrossFeatures::LEN`.
    pub fn width(&self) -> usize {
        self.profile_dim + self.item_dim + CrossFeatures::LEN
    }

    /// Every column's name, in order (`profile[0]`, …, `item[0]`, …, `cross.…`).
    pub fn names(&self) -> Vec<String> {
        (0..self.profile_dim)
            .map(|i| format!("profile[{i}]"))
            .chain((0..self.item_dim).map(|i| format!("item[{i}]")))
            .chain(CrossFeatures::NAMES.iter().map(|s| (*s).to_string()))
            .collect()
    }

    /// The feature matrix for one shopper and `items.nrows()` candidates: row `r` is
    /// `profile ++ items[r] ++ cross[r]`.
    ///
    /// Complexity `O(rows · width)`. Errors: [`ModelError::ShapeMismatch`] when `profile`, `items` or
    /// `cross` do not fit the layout or each other; [`ModelError::NotFinite`] naming the first NaN/∞
    /// (`what` = `"profile"`, `"items"` or `"cross"`, with its row and column).
    pub fn build(
        &self,
        profile: &[f32],
        items: ArrayView2<'_, f32>,
        cross: &[CrossFeatures],
    ) -> ModelResult<Array2<f32>> {
        if profile.len() != self.profile_dim {
            return Err(ModelError::ShapeMismatch {
                what: "profile",
                got: vec![profile.len()],
                expected: vec![self.profile_dim],
            });
        }
        check_finite("profile", profile, self.profile_dim.max(1))?;
        let rows = items.nrows();
        let profiles = std::iter::repeat_n(profile, rows);
        self.assemble(profiles, items, cross)
    }

    /// The feature matrix for training: one profile per row (`profiles.nrows() == items.nrows()`).
    /// Same contract as [`FeatureLayout::build`].
    pub fn build_rows(
        &self,
        profiles: ArrayView2<'_, f32>,
        items: ArrayView2<'_, f32>,
        cross: &[CrossFeatures],
    ) -> ModelResult<Array2<f32>> {
        if profiles.ncols() != self.profile_dim || profiles.nrows() != items.nrows() {
            return Err(ModelError::ShapeMismatch {
                what: "profiles",
                got: vec![profiles.nrows(), profiles.ncols()],
                expected: vec![items.nrows(), self.profile_dim],
            });
        }
        let rows: Vec<Vec<f32>> = profiles.rows().into_iter().map(|r| r.to_vec()).collect();
        for (r, row) in rows.iter().enumerate() {
            if let Some((c, &v)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(ModelError::NotFinite {
                    what: "profiles",
                    row: r,
                    column: c,
                    value: v,
                });
            }
        }
        self.assemble(rows.iter().map(|r| r.as_slice()), items, cross)
    }

    fn assemble<'p>(
        &self,
        profiles: impl Iterator<Item = &'p [f32]>,
        items: ArrayView2<'_, f32>,
        cross: &[CrossFeatures],
    ) -> ModelResult<Array2<f32>> {
        let rows = items.nrows();
        if items.ncols() != self.item_dim {
            return Err(ModelError::ShapeMismatch {
                what: "items",
                got: vec![rows, items.ncols()],
                expected: vec![rows, self.item_dim],
            });
        }
        if cross.len() != rows {
            return Err(ModelError::ShapeMismatch {
                what: "cross",
                got: vec![cross.len()],
                expected: vec![rows],
            });
        }
        let width = self.width();
        let mut out = Vec::with_capacity(rows * width);
        for (r, ((profile, item), cf)) in profiles.zip(items.rows()).zip(cross).enumerate() {
            out.extend_from_slice(profile);
            for (c, &v) in item.iter().enumerate() {
                if !v.is_finite() {
                    return Err(ModelError::NotFinite {
                        what: "items",
                        row: r,
                        column: c,
                        value: v,
                    });
                }
                out.push(v);
            }
            for (c, v) in cf.to_array().into_iter().enumerate() {
                if !v.is_finite() {
                    return Err(ModelError::NotFinite {
                        what: "cross",
                        row: r,
                        column: c,
                        value: v,
                    });
                }
                out.push(v);
            }
        }
        Array2::from_shape_vec((rows, width), out).map_err(|_| ModelError::ShapeMismatch {
            what: "features",
            got: vec![rows],
            expected: vec![rows, width],
        })
    }
}

/// Draws `count` negative examples: item indices sampled with probability ∝ `popularity[i]^exponent`
/// (with replacement), skipping every index in `exclude` (the items the shopper touched). Seeded.
///
/// `exponent` 1 samples by popularity, 0 uniformly; 0.75 (word2vec's choice) is a good default. Returns
/// fewer than `count` (possibly none) when no item is eligible. Complexity `O(n + count · log n)`.
/// Errors: [`ModelError::NotFinite`] for a NaN/∞ popularity or exponent; [`ModelError::InvalidConfig`]
/// for a negative popularity or exponent.
pub fn sample_negatives(
    popularity: &[f32],
    exclude: &[usize],
    count: usize,
    exponent: f32,
    seed: u64,
) -> ModelResult<Vec<usize>> {
    if !exponent.is_finite() || exponent < 0.0 {
        return Err(ModelError::InvalidConfig {
            field: "exponent",
            value: crate::num::F32(exponent).to_string(),
            reason: "must be finite and >= 0",
        });
    }
    check_finite("popularity", popularity, 1)?;
    if let Some((i, &v)) = popularity.iter().enumerate().find(|(_, v)| **v < 0.0) {
        return Err(ModelError::InvalidConfig {
            field: "popularity",
            value: format!("{} at index {i}", crate::num::F32(v)),
            reason: "must be >= 0",
        });
    }
    let mut excluded = vec![false; popularity.len()];
    for &e in exclude {
        if let Some(slot) = excluded.get_mut(e) {
            *slot = true;
        }
    }
    // Cumulative weights over eligible items (a tiny floor keeps never-bought items reachable).
    let mut cumulative = Vec::with_capacity(popularity.len());
    let mut total = 0.0f64;
    for (&p, &ex) in popularity.iter().zip(&excluded) {
        if !ex {
            total += f64::from(p).max(1e-6).powf(f64::from(exponent));
        }
        cumulative.push(total);
    }
    if total <= 0.0 {
        return Ok(Vec::new());
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let u = rng.random::<f64>() * total;
        let i = cumulative
            .partition_point(|&c| c <= u)
            .min(popularity.len().saturating_sub(1));
        // Land on the eligible item whose interval contains u (excluded items have empty intervals).
        let mut j = i;
        while excluded.get(j).copied().unwrap_or(false) && j + 1 < popularity.len() {
            j += 1;
        }
        if !excluded.get(j).copied().unwrap_or(true) {
            out.push(j);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn layout_concatenates_profile_item_and_cross_features() {
        let layout = FeatureLayout::new(2, 3);
        assert_eq!(layout.width(), 2 + 3 + CrossFeatures::LEN);
        assert_eq!(layout.names().len(), layout.width());
        assert_eq!(layout.names()[2], "item[0]");
        let items = array![[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
        let cross = [
            CrossFeatures {
                profile_cosine: 0.5,
                bought_before: 1.0,
                ..Default::default()
            },
            CrossFeatures::default(),
        ];
        let m = layout.build(&[0.1, 0.2], items.view(), &cross).unwrap();
        assert_eq!(m.dim(), (2, 11));
        assert_eq!(
            m.row(0).to_vec(),
            vec![0.1, 0.2, 1.0, 2.0, 3.0, 0.5, 0.0, 0.0, 0.0, 0.0, 1.0]
        );
        assert_eq!(m.row(1).to_vec()[..5], [0.1, 0.2, 4.0, 5.0, 6.0]);

        let per_row = layout
            .build_rows(
                array![[0.1f32, 0.2], [0.3, 0.4]].view(),
                items.view(),
                &cross,
            )
            .unwrap();
        assert_eq!(per_row.row(1).to_vec()[..2], [0.3, 0.4]);
    }

    #[test]
    fn bad_shapes_and_values_are_named() {
        let layout = FeatureLayout::new(2, 1);
        let items = array![[1.0f32], [f32::NAN]];
        let cross = [CrossFeatures::default(); 2];
        let err = layout.build(&[0.0, 0.0], items.view(), &cross).unwrap_err();
        assert!(
            matches!(
                err,
                ModelError::NotFinite {
                    what: "items",
                    row: 1,
                    column: 0,
                    ..
                }
            ),
            "{err}"
        );
        let err = layout.build(&[0.0], items.view(), &cross).unwrap_err();
        assert!(matches!(
            err,
            ModelError::ShapeMismatch {
                what: "profile",
                ..
            }
        ));
        let err = layout
            .build(&[0.0, 0.0], items.view(), &cross[..1])
            .unwrap_err();
        assert!(matches!(
            err,
            ModelError::ShapeMismatch { what: "cross", .. }
        ));
        let bad_cross = [CrossFeatures {
            popularity: f32::INFINITY,
            ..Default::default()
        }];
        let err = layout
            .build(&[0.0, 0.0], array![[1.0f32]].view(), &bad_cross)
            .unwrap_err();
        assert!(
            matches!(
                err,
                ModelError::NotFinite {
                    what: "cross",
                    row: 0,
                    column: 3,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn scalar_features_are_bounded_and_never_nan() {
        assert_eq!(popularity_feature(0.0, 10.0), 0.0);
        assert_eq!(popularity_feature(10.0, 10.0), 1.0);
        assert!(popularity_feature(3.0, 10.0) > 0.0);
        assert_eq!(popularity_feature(f32::NAN, 10.0), 0.0);
        assert_eq!(price_ratio_feature(None, &[1.0]), 0.0);
        assert_eq!(price_ratio_feature(Some(2.0), &[]), 0.0);
        assert!((price_ratio_feature(Some(2.0), &[1.0, 1.0]) - 2.0f32.ln()).abs() < 1e-6);
        assert_eq!(price_ratio_feature(Some(1e30), &[1e-30]), 3.0);
        assert_eq!(price_ratio_feature(Some(2.0), &[f32::NAN, -1.0]), 0.0);
    }

    #[test]
    fn negatives_follow_popularity_and_skip_excluded_items() {
        let pop = [100.0f32, 1.0, 0.0, 50.0];
        let s = sample_negatives(&pop, &[3], 2000, 1.0, 9).unwrap();
        assert_eq!(s.len(), 2000);
        assert!(s.iter().all(|&i| i != 3));
        let zeros = s.iter().filter(|&&i| i == 0).count();
        assert!(zeros > 1800, "popular item drawn {zeros} times");
        assert_eq!(s, sample_negatives(&pop, &[3], 2000, 1.0, 9).unwrap());
        assert!(sample_negatives(&pop, &[0, 1, 2, 3], 5, 1.0, 9)
            .unwrap()
            .is_empty());
        assert!(sample_negatives(&[], &[], 5, 1.0, 9).unwrap().is_empty());
        assert!(sample_negatives(&[f32::NAN], &[], 1, 1.0, 9).is_err());
        assert!(sample_negatives(&[1.0], &[], 1, -1.0, 9).is_err());
    }
}
