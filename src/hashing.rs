//! Deterministic hashing: FNV-1a for feature hashing (stable across native and wasm32, across runs) and a
//! fast, seedless hasher for the `u32`-keyed maps in the hot paths.
//!
//! `std`'s default `RandomState` seeds itself from OS entropy natively; alsobuy's maps never depend on it, so
//! the same inputs give the same state (and the same tie-breaks) natively and in the browser.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// SplitMix64 of `seed` salted with `salt`: independent-looking 64-bit seeds (per epoch, per case, per ensemble
/// member) derived from one configured seed. Same bits natively and in wasm. `O(1)`, never panics.
pub fn splitmix(seed: u64, salt: u64) -> u64 {
    let mut z = seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// 64-bit FNV-1a of `bytes`, continuing from `seed` (use [`FNV_OFFSET`] to start).
///
/// Complexity `O(len)`. Never panics.
pub fn fnv1a(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = seed;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// FNV-1a's offset basis.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// A multiplicative hasher for small integer keys (the "Fx" hash of rustc). Not DoS-resistant, which is fine
/// for keys that are dense indices alsobuy assigned itself.
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            if let Some(dst) = w.get_mut(..rest.len()) {
                dst.copy_from_slice(rest);
            }
            self.write_u64(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(SEED);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
}

/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;
/// A `HashSet` with [`FastHasher`].
pub type FastSet<K> = HashSet<K, BuildHasherDefault<FastHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // SplitMix64 from state 0: first output 0xE220A8397B1DCDAF (Steele, Lea & Flood 2014 reference code).
        assert_eq!(splitmix(0, 0), 0xE220_A839_7B1D_CDAF);
        assert_ne!(splitmix(42, 1), splitmix(42, 2));
    }

    #[test]
    fn fnv_matches_reference_values() {
        // Reference vectors of 64-bit FNV-1a.
        assert_eq!(fnv1a(FNV_OFFSET, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(FNV_OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(FNV_OFFSET, b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn fast_hasher_separates_strings() {
        use std::hash::{BuildHasher, BuildHasherDefault};
        let b = BuildHasherDefault::<FastHasher>::default();
        let h = |s: &str| b.hash_one(s);
        assert_ne!(h("item-1"), h("item-2"));
        assert_ne!(h("a"), h("a\0"));
        assert_ne!(h("abcdefgh1"), h("abcdefgh2"));
        assert_eq!(h("milk"), h("milk"));
    }

    #[test]
    fn fast_map_works() {
        let mut m: FastMap<u32, f32> = FastMap::default();
        for i in 0..1000 {
            m.insert(i, i as f32);
        }
        assert_eq!(m.len(), 1000);
        assert_eq!(m.get(&999), Some(&999.0));
    }
}
