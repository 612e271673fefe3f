//! Feature encoding: items and shoppers as vectors in one hashed feature space.
//!
//! [`item::ItemEncoder`] turns an item's category path, brand, tags, name words and price into a fixed-size,
//! L2-normalised vector by feature hashing; [`profile::Profile`] accumulates a shopper's time-decayed,
//! event-weighted sum of the item vectors they touched plus their hashed search words, in the same space, so a
//! search for "milk" and a view of `dairy/milk` point the same way.

pub mod item;
pub mod profile;

pub use item::{EncoderConfig, ItemEncoder};
pub use profile::Profile;
