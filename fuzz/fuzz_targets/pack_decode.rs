//! Arbitrary bytes into the pack and snapshot decoders: a typed error or a working recommender, never a
//! panic; a loaded state answers queries and re-encodes to a snapshot that loads to the same state.
#![no_main]

use alsobuy::pack::{FORMAT_VERSION, HEADER_LEN, MAGIC};
use alsobuy::recommend::{Limits, Query};
use alsobuy::{Error, Recommender};
use libfuzzer_sys::fuzz_target;

fn exercise(r: &Recommender) {
    let first = r.catalog().items().first().map(|i| i.id.clone());
    let q = Query {
        item: first,
        k: 5,
        ..Query::default()
    };
    let _ = r.also_buy(&q);
    let _ = r.export_pack();
    // A snapshot holds a little more than the pack: it may hit the (loaded) size limit, typed; otherwise it
    // loads back to the same state.
    let snap = match r.to_bytes() {
        Ok(s) => s,
        Err(Error::CapacityExceeded { .. }) => return,
        Err(e) => panic!("a loaded state does not re-encode: {e}"),
    };
    let back = Recommender::from_bytes_with_limits(&snap, &r.config().limits)
        .expect("a re-encoded snapshot loads");
    // Equal state (the bytes may differ: hash-map order is not part of the format).
    assert!(back == *r, "a snapshot round trip changed the state");
}

/// Re-frames `data`'s payload with a correct length and CRC-32, so mutations reach the payload decoder and
/// the consistency checks instead of stopping at the checksum.
fn reframed(data: &[u8]) -> Option<Vec<u8>> {
    let payload = data.get(HEADER_LEN..)?;
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.push(data.get(10).copied().unwrap_or(2));
    out.push(0);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&alsobuy::crc32::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    Some(out)
}

fuzz_target!(|data: &[u8]| {
    if let Some(fixed) = reframed(data) {
        if let Ok(r) = Recommender::from_pack(&fixed) {
            exercise(&r);
        }
        if let Ok(r) = Recommender::from_bytes(&fixed) {
            exercise(&r);
        }
    }
    if let Ok(r) = Recommender::from_pack(data) {
        exercise(&r);
    }
    if let Ok(r) = Recommender::from_bytes(data) {
        exercise(&r);
    }
    let tight = Limits {
        max_catalog_items: 3,
        max_id_bytes: 8,
        ..Limits::default()
    };
    if let Ok(r) = Recommender::from_pack_with_limits(data, &tight) {
        assert!(r.catalog().len() <= 3);
    }
});
