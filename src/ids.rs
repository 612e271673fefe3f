//! String ids interned to dense `u32` indices.
//!
//! Shops name items, sessions and shoppers with strings; the maths wants dense indices into arrays. An
//! [`Interner`] maps each distinct string to the next free index, once, and back.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::hashing::FastMap;

/// Longest id accepted anywhere (bytes of UTF-8). Longer ids are rejected with [`Error::InvalidId`].
pub const MAX_ID_LEN: usize = 256;

/// Checks that `id` is usable as an id: not empty (after trimming), at most [`MAX_ID_LEN`] bytes, no control
/// characters. `field` names the field in the error.
pub fn validate_id(field: &'static str, id: &str) -> Result<()> {
    let reason = if id.trim().is_empty() {
        "is empty"
    } else if id.len() > MAX_ID_LEN {
        "is longer than 256 bytes"
    } else if id.chars().any(char::is_control) {
        "contains a control character"
    } else {
        return Ok(());
    };
    Err(Error::InvalidId {
        field,
        value: shorten(id),
        reason,
    })
}

/// The first 40 characters of `s` (with `…` when cut), for error messages.
pub fn shorten(s: &str) -> String {
    const KEEP: usize = 40;
    if s.chars().count() <= KEEP {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(KEEP).collect();
        out.push('…');
        out
    }
}

/// A two-way map between string ids and dense indices `0..len()`.
///
/// Indices are assigned in first-seen order and never change, so arrays indexed by them stay valid as the
/// interner grows. Serialises as the list of strings in index order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<String>", into = "Vec<String>")]
pub struct Interner {
    names: Vec<String>,
    index: FastMap<String, u32>,
}

impl Interner {
    /// An empty interner.
    pub fn new() -> Self {
        Self::default()
    }

    /// The index of `name`, adding it if it is new. Errors with [`Error::CapacityExceeded`] past `u32::MAX`
    /// names. Does not validate `name`; see [`validate_id`].
    pub fn intern(&mut self, name: &str) -> Result<u32> {
        if let Some(&i) = self.index.get(name) {
            return Ok(i);
        }
        let i = u32::try_from(self.names.len()).map_err(|_| Error::CapacityExceeded {
            what: "interned ids",
            limit: u32::MAX as usize,
        })?;
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), i);
        Ok(i)
    }

    /// The index of `name`, if it was interned.
    pub fn get(&self, name: &str) -> Option<u32> {
        self.index.get(name).copied()
    }

    /// The name at `index`, if there is one.
    pub fn name(&self, index: u32) -> Option<&str> {
        self.names.get(index as usize).map(String::as_str)
    }

    /// How many names are interned.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no name is interned.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The names in index order.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

impl From<Vec<String>> for Interner {
    fn from(names: Vec<String>) -> Self {
        // Duplicates (only possible in hand-made input) keep their first index.
        let mut out = Interner::new();
        for n in names {
            if out.index.contains_key(&n) {
                continue;
            }
            out.index.insert(n.clone(), out.names.len() as u32);
            out.names.push(n);
        }
        out
    }
}

impl From<Interner> for Vec<String> {
    fn from(i: Interner) -> Self {
        i.names
    }
}

impl crate::codec::Encode for Interner {
    /// The names in index order (what serde writes through `into = "Vec<String>"`).
    fn encode(&self, out: &mut Vec<u8>) {
        self.names.encode(out);
    }
}

impl crate::codec::Decode for Interner {
    fn decode(
        r: &mut crate::codec::Reader<'_>,
    ) -> std::result::Result<Self, crate::codec::DecodeError> {
        Vec::<String>::decode(r).map(Interner::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_stable_and_two_way() {
        let mut i = Interner::new();
        assert_eq!(i.intern("milk").unwrap(), 0);
        assert_eq!(i.intern("bread").unwrap(), 1);
        assert_eq!(i.intern("milk").unwrap(), 0);
        assert_eq!(i.get("bread"), Some(1));
        assert_eq!(i.get("eggs"), None);
        assert_eq!(i.name(1), Some("bread"));
        assert_eq!(i.name(9), None);
        assert_eq!(i.len(), 2);
    }

    #[test]
    fn serde_round_trip() {
        let mut i = Interner::new();
        i.intern("a").unwrap();
        i.intern("b").unwrap();
        let bytes = postcard::to_stdvec(&i).unwrap();
        let back: Interner = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, i);
    }

    #[test]
    fn ids_are_validated() {
        assert!(validate_id("item", "whole milk").is_ok());
        let e = validate_id("item", "  ").unwrap_err();
        assert_eq!(e.to_string(), "invalid item \"  \": is empty");
        let long = "x".repeat(300);
        assert!(matches!(
            validate_id("item", &long),
            Err(Error::InvalidId {
                reason: "is longer than 256 bytes",
                ..
            })
        ));
        assert!(validate_id("session", "a\u{0}b").is_err());
    }
}
