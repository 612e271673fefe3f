//! postcard's wire format (1.x), written and read by hand for the types stored in packs, snapshots, model
//! blobs and the browser's IndexedDB event journal.
//!
//! The bytes are exactly what `postcard::to_stdvec` writes for the serde derives of the same types, and
//! [`from_bytes`] accepts exactly what `postcard::from_bytes` accepts (trailing bytes are ignored, as
//! postcard does); tests/properties_codec.rs and the unit tests of src/pack.rs check both against postcard,
//! which is only a dev-dependency. It exists to keep postcard and the serde code of these types out of the
//! widget's download. The rules:
//!
//! - `u8`: one byte; `bool`: one byte, 0 or 1; `f32`/`f64`: IEEE-754 little-endian.
//! - `u16`/`u32`/`u64`/`usize` (serde writes `usize` as `u64`): unsigned LEB128 varint, at most 3/5/10
//!   bytes, the last byte bounded so the value fits (non-minimal encodings are accepted, as postcard does).
//!   Signed integers (zigzag) do not occur in these types.
//! - `Option`: a byte 0 (none) or 1 (some, then the value).
//! - `String`, `Vec`, maps: the length as a varint of the platform's `usize` width, then the UTF-8 bytes or
//!   the elements (map entries as key, value), in iteration order.
//! - structs, tuples and arrays: their fields in order, with no length; a field serde skips is not written
//!   and is read back as its default.
//! - enums: the variant index as a `u32` varint, then the variant's fields.
//!
//! Hostile input: a length is never trusted for an allocation — at most as many elements as there are bytes
//! left, and at most 1 MiB, are reserved up front (every element of these types takes at least one byte).
//! The types nest to a fixed depth (no recursive type is stored), so decoding needs no depth limit. Every
//! failure is a [`DecodeError`]; postcard's wording is kept for the errors it shares.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};

/// Why bytes do not decode. The messages of the first five are postcard's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The bytes ended inside a value.
    #[error("Hit the end of buffer, expected more data")]
    UnexpectedEnd,
    /// A varint longer than its type allows, or whose last byte overflows it.
    #[error("Found a varint that didn't terminate. Is the usize too big for this platform?")]
    BadVarint,
    /// A `bool` byte other than 0 or 1.
    #[error("Found a bool that wasn't 0 or 1")]
    BadBool,
    /// A string that is not UTF-8.
    #[error("Tried to parse invalid utf-8")]
    BadUtf8,
    /// An `Option` byte other than 0 or 1.
    #[error("Found an Option discriminant that wasn't 0 or 1")]
    BadOption,
    /// Well-formed bytes of a value the type refuses (an unknown enum variant, an inconsistent model…).
    #[error("{0}")]
    Invalid(String),
}

/// A value that writes itself in postcard's wire format.
pub trait Encode {
    /// Appends the encoding of `self` to `out`.
    fn encode(&self, out: &mut Vec<u8>);
}

/// A value that reads itself from postcard's wire format.
pub trait Decode: Sized {
    /// Reads one value from the front of `r`.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError>;
}

/// The encoding of `value`.
pub fn to_vec<T: Encode + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    value.encode(&mut out);
    out
}

/// Decodes a `T` from the front of `bytes` (trailing bytes are ignored, as `postcard::from_bytes` does).
pub fn from_bytes<T: Decode>(bytes: &[u8]) -> Result<T, DecodeError> {
    T::decode(&mut Reader::new(bytes))
}

/// Decodes a `T` from the front of `bytes` and returns it with the bytes after it (`postcard::take_from_bytes`).
pub fn take_from_bytes<T: Decode>(bytes: &[u8]) -> Result<(T, &[u8]), DecodeError> {
    let mut r = Reader::new(bytes);
    let v = T::decode(&mut r)?;
    Ok((v, r.rest))
}

/// The unread rest of the input.
#[derive(Debug)]
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { rest: bytes }
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.rest.len() {
            return Err(DecodeError::UnexpectedEnd);
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    /// The next byte.
    pub fn byte(&mut self) -> Result<u8, DecodeError> {
        let (&b, tail) = self.rest.split_first().ok_or(DecodeError::UnexpectedEnd)?;
        self.rest = tail;
        Ok(b)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    /// A varint of a `bits`-wide unsigned integer (postcard's `try_take_varint_*`).
    fn varint(&mut self, bits: u32) -> Result<u64, DecodeError> {
        let max_bytes = bits.div_ceil(7);
        // The last byte may only carry the bits left: 1 for u64 (10 × 7 = 70), 15 for u32, 3 for u16.
        let last_max = (1u32 << (bits - (max_bytes - 1) * 7)) - 1;
        let mut out = 0u64;
        for i in 0..max_bytes {
            let b = self.byte()?;
            out |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                if i == max_bytes - 1 && u32::from(b) > last_max {
                    return Err(DecodeError::BadVarint);
                }
                return Ok(out);
            }
        }
        Err(DecodeError::BadVarint)
    }

    /// A length prefix (a varint of the platform's `usize` width).
    pub fn length(&mut self) -> Result<usize, DecodeError> {
        let v = self.varint(usize::BITS)?;
        usize::try_from(v).map_err(|_| DecodeError::BadVarint)
    }

    /// An enum's variant index.
    pub fn variant(&mut self) -> Result<u32, DecodeError> {
        let v = self.varint(32)?;
        u32::try_from(v).map_err(|_| DecodeError::BadVarint)
    }

    /// How many elements of `len` to reserve up front: no more than there are bytes left (each element
    /// takes at least one) and no more than 1 MiB.
    fn cautious<T>(&self, len: usize) -> usize {
        let size = std::mem::size_of::<T>().max(1);
        len.min(self.rest.len()).min((1 << 20) / size)
    }
}

/// Appends `v` as a varint.
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends an enum's variant index.
pub fn put_variant(out: &mut Vec<u8>, index: u32) {
    put_varint(out, u64::from(index));
}

/// Appends a length prefix.
pub fn put_len(out: &mut Vec<u8>, len: usize) {
    put_varint(out, len as u64);
}

/// The error of an unknown variant index.
pub fn bad_variant(ty: &str, index: u32) -> DecodeError {
    DecodeError::Invalid(format!("unknown {ty} variant index {index}"))
}

impl Encode for u8 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(*self);
    }
}

impl Decode for u8 {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.byte()
    }
}

macro_rules! varint_codec {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                put_varint(out, *self as u64);
            }
        }
    )*};
}
varint_codec!(u16, u32, u64, usize);

impl Decode for u16 {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        u16::try_from(r.varint(16)?).map_err(|_| DecodeError::BadVarint)
    }
}

impl Decode for u32 {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        u32::try_from(r.varint(32)?).map_err(|_| DecodeError::BadVarint)
    }
}

impl Decode for u64 {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        r.varint(64)
    }
}

impl Decode for usize {
    /// A `u64` that must fit this platform's `usize` (serde's rule).
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let v = r.varint(64)?;
        usize::try_from(v)
            .map_err(|_| DecodeError::Invalid(format!("{v} does not fit a usize on this platform")))
    }
}

impl Encode for bool {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
}

impl Decode for bool {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match r.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(DecodeError::BadBool),
        }
    }
}

impl Encode for f32 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

impl Decode for f32 {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(f32::from_le_bytes(r.array()?))
    }
}

impl Encode for f64 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

impl Decode for f64 {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(f64::from_le_bytes(r.array()?))
    }
}

impl Encode for str {
    fn encode(&self, out: &mut Vec<u8>) {
        put_len(out, self.len());
        out.extend_from_slice(self.as_bytes());
    }
}

impl Encode for String {
    fn encode(&self, out: &mut Vec<u8>) {
        self.as_str().encode(out);
    }
}

impl Decode for String {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.length()?;
        let bytes = r.take(n)?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| DecodeError::BadUtf8)
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.encode(out);
            }
        }
    }
}

impl<T: Decode> Decode for Option<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        match r.byte()? {
            0 => Ok(None),
            1 => T::decode(r).map(Some),
            _ => Err(DecodeError::BadOption),
        }
    }
}

impl<T: Encode> Encode for [T] {
    fn encode(&self, out: &mut Vec<u8>) {
        put_len(out, self.len());
        for v in self {
            v.encode(out);
        }
    }
}

impl<T: Encode> Encode for Vec<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.as_slice().encode(out);
    }
}

impl<T: Decode> Decode for Vec<T> {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.length()?;
        let mut v = Vec::with_capacity(r.cautious::<T>(n));
        for _ in 0..n {
            v.push(T::decode(r)?);
        }
        Ok(v)
    }
}

impl<T: Encode, const N: usize> Encode for [T; N] {
    fn encode(&self, out: &mut Vec<u8>) {
        for v in self {
            v.encode(out);
        }
    }
}

impl<T: Decode + Copy + Default, const N: usize> Decode for [T; N] {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut a = [T::default(); N];
        for v in &mut a {
            *v = T::decode(r)?;
        }
        Ok(a)
    }
}

impl<A: Encode, B: Encode> Encode for (A, B) {
    fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
        self.1.encode(out);
    }
}

impl<A: Decode, B: Decode> Decode for (A, B) {
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let a = A::decode(r)?;
        Ok((a, B::decode(r)?))
    }
}

impl<K: Encode, V: Encode, S> Encode for HashMap<K, V, S> {
    /// In iteration order, as serde does.
    fn encode(&self, out: &mut Vec<u8>) {
        put_len(out, self.len());
        for (k, v) in self {
            k.encode(out);
            v.encode(out);
        }
    }
}

impl<K: Decode + Eq + Hash, V: Decode, S: BuildHasher + Default> Decode for HashMap<K, V, S> {
    /// Later duplicates replace earlier ones, as serde does; the capacity reserved up front is serde's too (at
    /// most 1 MiB), so a decoded map iterates — and re-encodes — as postcard's would.
    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let n = r.length()?;
        if n > r.remaining() {
            return Err(DecodeError::UnexpectedEnd); // every entry takes at least two bytes
        }
        let cap = n.min((1 << 20) / std::mem::size_of::<(K, V)>().max(1));
        let mut m = HashMap::with_capacity_and_hasher(cap, S::default());
        for _ in 0..n {
            let k = K::decode(r)?;
            let v = V::decode(r)?;
            m.insert(k, v);
        }
        Ok(m)
    }
}

/// [`Encode`] and [`Decode`] for a struct: the listed fields in order; the fields after `skip` are not
/// stored and decode as the given expressions.
macro_rules! codec_struct {
    ($t:ident { $($f:ident),* $(,)? } $(skip { $($s:ident: $e:expr),* $(,)? })?) => {
        impl $crate::codec::Encode for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                $( $crate::codec::Encode::encode(&self.$f, out); )*
            }
        }
        impl $crate::codec::Decode for $t {
            fn decode(r: &mut $crate::codec::Reader<'_>) -> Result<Self, $crate::codec::DecodeError> {
                Ok($t {
                    $( $f: $crate::codec::Decode::decode(r)?, )*
                    $($( $s: $e, )*)?
                })
            }
        }
    };
}

/// [`Encode`] and [`Decode`] for a fieldless enum; `$all` lists every variant in declaration order (the variant
/// index postcard writes).
macro_rules! codec_unit_enum {
    ($t:ident, $all:expr) => {
        impl $crate::codec::Encode for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                let i = $all.iter().position(|v| v == self).unwrap_or(0);
                $crate::codec::put_variant(out, i as u32);
            }
        }
        impl $crate::codec::Decode for $t {
            fn decode(
                r: &mut $crate::codec::Reader<'_>,
            ) -> Result<Self, $crate::codec::DecodeError> {
                let i = r.variant()?;
                $all.get(i as usize)
                    .copied()
                    .ok_or_else(|| $crate::codec::bad_variant(stringify!($t), i))
            }
        }
    };
}

pub(crate) use {codec_struct, codec_unit_enum};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_follow_postcard() {
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            assert_eq!(to_vec(&v), postcard::to_stdvec(&v).unwrap(), "{v}");
            assert_eq!(from_bytes::<u64>(&to_vec(&v)), Ok(v));
        }
        // Eleven bytes, or a tenth byte above 1: too long for a u64.
        assert_eq!(from_bytes::<u64>(&[0xff; 11]), Err(DecodeError::BadVarint));
        let mut ten = vec![0xffu8; 9];
        ten.push(2);
        assert_eq!(from_bytes::<u64>(&ten), Err(DecodeError::BadVarint));
        assert!(postcard::from_bytes::<u64>(&ten).is_err());
        // A u32's fifth byte carries 4 bits at most.
        assert_eq!(
            from_bytes::<u32>(&[0xff, 0xff, 0xff, 0xff, 0x0f]),
            Ok(u32::MAX)
        );
        assert_eq!(
            from_bytes::<u32>(&[0xff, 0xff, 0xff, 0xff, 0x10]),
            Err(DecodeError::BadVarint)
        );
        // Non-minimal encodings are accepted, as postcard accepts them.
        assert_eq!(from_bytes::<u32>(&[0x80, 0x00]), Ok(0));
        assert_eq!(postcard::from_bytes::<u32>(&[0x80, 0x00]), Ok(0));
    }

    #[test]
    fn a_huge_length_allocates_nothing_and_fails() {
        let mut bytes = Vec::new();
        put_len(&mut bytes, usize::MAX / 2);
        assert_eq!(
            from_bytes::<Vec<f64>>(&bytes),
            Err(DecodeError::UnexpectedEnd)
        );
        assert_eq!(
            from_bytes::<HashMap<u32, f32>>(&bytes),
            Err(DecodeError::UnexpectedEnd)
        );
        assert_eq!(
            from_bytes::<String>(&bytes),
            Err(DecodeError::UnexpectedEnd)
        );
    }

    #[test]
    fn bad_tags_are_postcards_errors() {
        assert_eq!(from_bytes::<bool>(&[2]), Err(DecodeError::BadBool));
        assert_eq!(from_bytes::<Option<u8>>(&[2]), Err(DecodeError::BadOption));
        assert_eq!(from_bytes::<String>(&[1, 0xff]), Err(DecodeError::BadUtf8));
        assert_eq!(
            from_bytes::<f32>(&[0, 0, 0]),
            Err(DecodeError::UnexpectedEnd)
        );
        let pc = postcard::from_bytes::<bool>(&[2]).unwrap_err().to_string();
        assert_eq!(DecodeError::BadBool.to_string(), pc);
    }
}
