//! CRC-32 (IEEE 802.3, reflected polynomial `0xEDB88320`, init and final XOR `0xFFFFFFFF`): the checksum of
//! the pack format ([`crate::pack`]); the same values as zlib's `crc32` and the `crc32fast` crate.
//!
//! One 256-entry table (1 KiB) built at compile time, one table lookup per byte. Replaces `crc32fast`, whose
//! slice-by-16 tables (16 KiB) cost more in the wasm download than the checksum is worth: packs are
//! checked once per page load, at a few hundred MB/s even with this byte-at-a-time loop.

const POLY: u32 = 0xEDB8_8320;

const fn make_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut bit = 0;
        while bit < 8 {
            c = if c & 1 != 0 { POLY ^ (c >> 1) } else { c >> 1 };
            bit += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
}

static TABLE: [u32; 256] = make_table();

/// The CRC-32 of `bytes`. `O(len)`, no allocation, never panics.
pub fn hash(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        let i = usize::from((crc as u8) ^ b);
        crc = TABLE.get(i).copied().unwrap_or(0) ^ (crc >> 8);
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::hash;

    #[test]
    fn known_vectors() {
        assert_eq!(hash(b""), 0);
        assert_eq!(hash(b"a"), 0xE8B7_BE43);
        assert_eq!(hash(b"123456789"), 0xCBF4_3926);
        assert_eq!(
            hash(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
        assert_eq!(hash(&[0u8; 32]), 0x190A_55AD);
        assert_eq!(hash(&[0xFFu8; 32]), 0xFF6C_AB0B);
    }
}
