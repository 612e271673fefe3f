//! Item vectors by feature hashing.
//!
//! Each feature (a category prefix, the brand, a tag, a word of the name or category, a price bucket) is
//! hashed (64-bit FNV-1a, stable across platforms) to one of `dim` slots with a hashed sign ±1, and added with
//! its block weight. Collisions only add a little noise, and the signed hash keeps them unbiased. The vector is
//! then L2-normalised; an item with no attributes encodes to all zeros (never NaN).
//!
//! - category: every prefix of the path (`dairy`, `dairy/milk`), deeper prefixes weighted more, so siblings
//!   share the parent's features and are similar but not identical;
//! - brand and tags: one feature each;
//! - words (lower-cased alphanumeric runs of the name and category levels): the bridge to search queries;
//!   lower-casing is [`fold_case`], std's `to_lowercase` on the scripts a catalogue is written in without its
//!   10 KiB Unicode tables (see there for the characters it leaves as they are);
//! - price: a bucket of `log2(1 + price)` in half-octaves, with the two neighbouring buckets at half weight
//!   so close prices are similar.

use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use crate::catalog::Item;
use crate::error::{Error, Result};
use crate::hashing::{fnv1a, FNV_OFFSET};

/// Encoder settings. Build with [`EncoderConfig::builder`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EncoderConfig {
    /// Vector dimension (default 64; 4..=4096).
    pub dim: usize,
    /// Weight of the category block (default 1.0).
    pub category_weight: f32,
    /// Weight of the brand feature (default 0.5).
    pub brand_weight: f32,
    /// Weight of the tag features (default 0.4).
    pub tag_weight: f32,
    /// Weight of the word features (default 0.3).
    pub word_weight: f32,
    /// Weight of the price features (default 0.3).
    pub price_weight: f32,
}

impl Default for EncoderConfig {
    fn default() -> Self {
        EncoderConfig {
            dim: 64,
            category_weight: 1.0,
            brand_weight: 0.5,
            tag_weight: 0.4,
            word_weight: 0.3,
            price_weight: 0.3,
        }
    }
}

impl EncoderConfig {
    /// A builder starting from the defaults.
    pub fn builder() -> EncoderConfigBuilder {
        EncoderConfigBuilder(EncoderConfig::default())
    }

    /// Checks the values.
    pub fn validate(&self) -> Result<()> {
        if !(4..=4096).contains(&self.dim) {
            return Err(Error::InvalidConfig {
                field: "dim",
                value: self.dim.to_string(),
                reason: "must be between 4 and 4096",
            });
        }
        for (field, w) in [
            ("category_weight", self.category_weight),
            ("brand_weight", self.brand_weight),
            ("tag_weight", self.tag_weight),
            ("word_weight", self.word_weight),
            ("price_weight", self.price_weight),
        ] {
            if !(w.is_finite() && w >= 0.0) {
                return Err(Error::InvalidConfig {
                    field,
                    value: crate::num::F32(w).to_string(),
                    reason: "must be a finite number >= 0",
                });
            }
        }
        Ok(())
    }
}

/// Builder for [`EncoderConfig`].
#[derive(Debug, Clone)]
pub struct EncoderConfigBuilder(EncoderConfig);

impl EncoderConfigBuilder {
    /// See [`EncoderConfig::dim`].
    pub fn dim(mut self, dim: usize) -> Self {
        self.0.dim = dim;
        self
    }
    /// See [`EncoderConfig::category_weight`].
    pub fn category_weight(mut self, w: f32) -> Self {
        self.0.category_weight = w;
        self
    }
    /// See [`EncoderConfig::brand_weight`].
    pub fn brand_weight(mut self, w: f32) -> Self {
        self.0.brand_weight = w;
        self
    }
    /// See [`EncoderConfig::tag_weight`].
    pub fn tag_weight(mut self, w: f32) -> Self {
        self.0.tag_weight = w;
        self
    }
    /// See [`EncoderConfig::word_weight`].
    pub fn word_weight(mut self, w: f32) -> Self {
        self.0.word_weight = w;
        self
    }
    /// See [`EncoderConfig::price_weight`].
    pub fn price_weight(mut self, w: f32) -> Self {
        self.0.price_weight = w;
        self
    }
    /// The validated config.
    pub fn build(self) -> Result<EncoderConfig> {
        self.0.validate()?;
        Ok(self.0)
    }
}

/// Encodes items (and search text) into vectors. Cheap to copy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItemEncoder {
    config: EncoderConfig,
}

impl ItemEncoder {
    /// An encoder; validates `config`.
    pub fn new(config: EncoderConfig) -> Result<Self> {
        config.validate()?;
        Ok(ItemEncoder { config })
    }

    /// The vector dimension.
    pub fn dim(&self) -> usize {
        self.config.dim
    }

    fn add(&self, v: &mut [f32], namespace: &str, feature: &str, weight: f32) {
        let h = fnv1a(fnv1a(FNV_OFFSET, namespace.as_bytes()), feature.as_bytes());
        // Mix the high bits down before taking the slot (FNV's low bits are the weakest).
        let mixed = h ^ (h >> 29);
        let slot = (mixed % v.len() as u64) as usize;
        let sign = if h >> 63 == 0 { 1.0 } else { -1.0 };
        if let Some(x) = v.get_mut(slot) {
            *x += sign * weight;
        }
    }

    /// Adds the hashed words of `text` to `v` with `weight` (shared by item names and search queries).
    fn add_words(&self, v: &mut [f32], text: &str, weight: f32) {
        for w in words(text) {
            self.add(v, "w", &w, weight);
        }
    }

    /// The L2-normalised vector of `item` (all zeros if it has no attributes). `O(dim + attribute text)`.
    pub fn encode(&self, item: &Item) -> Array1<f32> {
        let c = &self.config;
        let mut v = vec![0.0f32; c.dim];
        let levels: Vec<&str> = item.category_levels().collect();
        let mut prefix = String::new();
        for (depth, level) in levels.iter().enumerate() {
            if depth > 0 {
                prefix.push('/');
            }
            prefix.push_str(&fold_case(level));
            let w = c.category_weight * (1.0 + depth as f32) / levels.len() as f32;
            self.add(&mut v, "c", &prefix, w);
        }
        if let Some(b) = item
            .brand
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty())
        {
            self.add(&mut v, "b", &fold_case(b), c.brand_weight);
        }
        for t in item.tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
            self.add(&mut v, "t", &fold_case(t), c.tag_weight);
        }
        self.add_words(&mut v, &item.name, c.word_weight);
        for level in &levels {
            self.add_words(&mut v, level, c.word_weight);
        }
        if let Some(p) = item.price.filter(|p| p.is_finite() && *p >= 0.0) {
            let bucket = ((1.0 + p).log2() * 2.0).floor() as i64;
            self.add(&mut v, "p", &bucket.to_string(), c.price_weight);
            self.add(&mut v, "p", &(bucket - 1).to_string(), c.price_weight * 0.5);
            self.add(&mut v, "p", &(bucket + 1).to_string(), c.price_weight * 0.5);
        }
        normalise(&mut v);
        Array1::from(v)
    }

    /// The L2-normalised vector of search text: its hashed words, in the same space as item words.
    pub fn encode_query(&self, text: &str) -> Array1<f32> {
        let mut v = vec![0.0f32; self.config.dim];
        self.add_words(&mut v, text, 1.0);
        normalise(&mut v);
        Array1::from(v)
    }

    /// Every item's vector as the rows of an `n × dim` matrix. `O(n · dim)`.
    pub fn encode_all(&self, items: &[Item]) -> Array2<f32> {
        let mut m = Array2::<f32>::zeros((items.len(), self.config.dim));
        for (mut row, item) in m.rows_mut().into_iter().zip(items) {
            row.assign(&self.encode(item));
        }
        m
    }
}

/// Lower-cased alphanumeric runs of `text`, at most 32 of them.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(32)
        .map(fold_case)
}

/// `text` lower-cased: the same as [`str::to_lowercase`] for ASCII, Latin-1, Latin Extended-A and Additional,
/// Greek (final sigma included), Cyrillic, Armenian and full-width Latin, without pulling std's Unicode case
/// tables (~10 KiB) into the browser download. Other upper-case letters (Latin Extended-B's irregular ones,
/// polytonic Greek, Georgian, Cherokee, Deseret, Adlam…) are left as they are, so such a letter and its
/// lower-case form hash as different words. A test checks every `char` against std.
pub fn fold_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev_alpha = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            '\0'..='\u{7f}' => out.push(c),
            // İ: std writes `i` and a combining dot above.
            '\u{130}' => out.push_str("i\u{307}"),
            // Σ: ς at the end of a word (after a letter and not before one), as std does; else σ.
            '\u{3a3}' => out.push(
                if prev_alpha && !chars.peek().is_some_and(|n| n.is_alphabetic()) {
                    '\u{3c2}'
                } else {
                    '\u{3c3}'
                },
            ),
            _ => out.push(char::from_u32(lower(c as u32)).unwrap_or(c)),
        }
        prev_alpha = c.is_alphabetic();
    }
    out
}

/// The lower-case code point of `u` (`u` itself where [`fold_case`] does not fold).
fn lower(u: u32) -> u32 {
    let even = u % 2 == 0;
    match u {
        0xc0..=0xd6
        | 0xd8..=0xde
        | 0x391..=0x3a1
        | 0x3a3..=0x3ab
        | 0x410..=0x42f
        | 0xff21..=0xff3a => u + 0x20,
        0x100..=0x12f
        | 0x132..=0x137
        | 0x14a..=0x177
        | 0x1de..=0x1ef
        | 0x1f8..=0x21f
        | 0x222..=0x233
        | 0x246..=0x24f
        | 0x370..=0x373
        | 0x3d8..=0x3ef
        | 0x460..=0x481
        | 0x48a..=0x4bf
        | 0x4d0..=0x52f
        | 0x1e00..=0x1e95
        | 0x1ea0..=0x1eff
            if even =>
        {
            u + 1
        }
        0x139..=0x148 | 0x179..=0x17e | 0x1cd..=0x1dc | 0x4c1..=0x4ce if !even => u + 1,
        0x178 => 0xff,
        0x1c4 | 0x1c7 | 0x1ca | 0x1f1 => u + 2,
        0x1c5 | 0x1c8 | 0x1cb | 0x1f2 | 0x1f4 | 0x376 | 0x3f7 | 0x3fa => u + 1,
        0x37f => 0x3f3,
        0x386 => 0x3ac,
        0x388..=0x38a => u + 0x25,
        0x38c => 0x3cc,
        0x38e..=0x38f => u + 0x3f,
        0x3cf => 0x3d7,
        0x3f4 => 0x3b8,
        0x3f9 => 0x3f2,
        0x3fd..=0x3ff => u - 0x82,
        0x400..=0x40f => u + 0x50,
        0x4c0 => 0x4cf,
        0x531..=0x556 => u + 0x30,
        0x1e9e => 0xdf,
        _ => u,
    }
}

/// Scales `v` to unit L2 norm in place; leaves a zero (or non-finite-norm) vector as zeros.
pub fn normalise(v: &mut [f32]) {
    let n = v
        .iter()
        .map(|x| f64::from(*x) * f64::from(*x))
        .sum::<f64>()
        .sqrt();
    if n > 0.0 && n.is_finite() {
        for x in v.iter_mut() {
            *x = (f64::from(*x) / n) as f32;
        }
    } else {
        v.iter_mut().for_each(|x| *x = 0.0);
    }
}

crate::codec::codec_struct!(EncoderConfig {
    dim,
    category_weight,
    brand_weight,
    tag_weight,
    word_weight,
    price_weight
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::similarity::cosine;
    use approx::assert_relative_eq;

    fn enc() -> ItemEncoder {
        ItemEncoder::new(EncoderConfig::default()).unwrap()
    }

    fn norm(v: &Array1<f32>) -> f32 {
        v.dot(v).sqrt()
    }

    #[test]
    fn vectors_are_unit_or_zero() {
        let e = enc();
        let mut it = Item::new("x", "dairy/milk");
        it.brand = Some("Acme".into());
        it.price = Some(1.29);
        assert_relative_eq!(norm(&e.encode(&it)), 1.0, epsilon = 1e-5);
        let mut empty = Item::new("y", "");
        empty.name.clear();
        let z = e.encode(&empty);
        assert!(z.iter().all(|x| *x == 0.0));
        assert_eq!(z.len(), 64);
    }

    #[test]
    fn siblings_are_closer_than_strangers() {
        let e = enc();
        let milk = e.encode(&Item::new("a", "dairy/milk"));
        let cream = e.encode(&Item::new("b", "dairy/cream"));
        let beer = e.encode(&Item::new("c", "drinks/beer"));
        let s_sib = cosine(milk.as_slice().unwrap(), cream.as_slice().unwrap()).unwrap();
        let s_far = cosine(milk.as_slice().unwrap(), beer.as_slice().unwrap()).unwrap();
        assert!(s_sib > s_far + 0.2, "{s_sib} vs {s_far}");
    }

    #[test]
    fn search_words_point_at_matching_items() {
        let e = enc();
        let q = e.encode_query("Milk");
        let milk = e.encode(&Item::new("whole milk", "dairy/milk"));
        let beer = e.encode(&Item::new("canned beer", "drinks/beer"));
        assert!(q.dot(&milk) > q.dot(&beer) + 0.1);
    }

    #[test]
    fn close_prices_are_more_similar() {
        let e =
            ItemEncoder::new(EncoderConfig::builder().price_weight(1.0).build().unwrap()).unwrap();
        let at = |p: f64| {
            let mut i = Item::new("i", "");
            i.name.clear();
            i.price = Some(p);
            e.encode(&i)
        };
        assert!(at(10.0).dot(&at(11.0)) > at(10.0).dot(&at(200.0)));
    }

    #[test]
    fn config_is_validated() {
        assert!(EncoderConfig::builder().dim(2).build().is_err());
        assert!(EncoderConfig::builder()
            .brand_weight(f32::NAN)
            .build()
            .is_err());
        assert_eq!(e_all_rows(), 3);
    }

    fn e_all_rows() -> usize {
        let items = vec![
            Item::new("a", "x"),
            Item::new("b", "y"),
            Item::new("c", "z"),
        ];
        enc().encode_all(&items).nrows()
    }

    /// Every `char` folds as std's `to_lowercase` or, outside the scripts `fold_case` covers, stays as it is;
    /// inside them (ASCII … full-width Latin) it always agrees with std.
    #[test]
    fn fold_case_agrees_with_std_and_never_invents_a_letter() {
        let covered = |u: u32| matches!(u, 0..=0x17f | 0x370..=0x3ff | 0x400..=0x58f | 0x1e00..=0x1eff | 0xff00..=0xffef);
        let mut folded = 0;
        for c in (0..=0x10ffff_u32).filter_map(char::from_u32) {
            let s = c.to_string();
            let (ours, std) = (fold_case(&s), s.to_lowercase());
            if covered(c as u32) {
                assert_eq!(ours, std, "U+{:04X}", c as u32);
            } else {
                assert!(ours == std || ours == s, "U+{:04X}: {ours:?}", c as u32);
            }
            folded += usize::from(ours != s);
        }
        assert!(folded >= 570, "{folded}");
    }

    #[test]
    fn fold_case_examples_and_documented_differences() {
        for s in [
            "Dairy/Milk",
            "ÉCLAIR Crème BRÛLÉE",
            "ŁÓDŹ",
            "İstanbul",
            "ΟΔΟΣ ΣΟΦΊΑ Σ ΑΣ1",
            "МОЛОКО Ёлка",
            "ՀԱՑ",
            "ＭＩＬＫ",
            "Straße ẞ",
            "",
        ] {
            assert_eq!(fold_case(s), s.to_lowercase(), "{s}");
        }
        // Left as they are (std folds them): Latin Extended-B's irregular letters, polytonic Greek, Georgian.
        for s in ["Ɓ", "Ἀ", "Ა"] {
            assert_eq!(fold_case(s), s);
            assert_ne!(s.to_lowercase(), s);
        }
        // Words are folded the same way, so "MILK" in a query matches "milk" in a name.
        assert_eq!(
            words("Ÿogurt, MILK!").collect::<Vec<_>>(),
            ["ÿogurt", "milk"]
        );
    }
}
