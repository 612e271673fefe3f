//! Arbitrary bytes into the pack and snapshot decoders: a typed error or a working recommender, never a
//! panic; a loaded state answers queries and re-encodes to bytes that load to the same state.
#![no_main]

use alsobuy::recommend::{Limits, Query};
use alsobuy::Recommender;
use libfuzzer_sys::fuzz_target;

fn exercise(r: &Recommender) {
    let first = r.catalog().items().first().map(|i| i.id.clone());
    let q = Query {
        item: first,
        k: 5,
        ..Query::default()
    };
    let _ = r.also_buy(&q);
    let snap = r.to_bytes().expect("a loaded state re-encodes");
    let back = Recommender::from_bytes(&snap).expect("a re-encoded snapshot loads");
    assert_eq!(back.to_bytes().expect("re-encodes again"), snap);
}

fuzz_target!(|data: &[u8]| {
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
