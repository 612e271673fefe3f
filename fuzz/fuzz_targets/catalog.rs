//! Arbitrary catalogues: `set_catalog` accepts exactly what `Catalog::first_invalid` accepts, keeps the
//! previous catalogue on error, and a new catalogue answers queries within the contract.
#![no_main]

#[path = "common.rs"]
mod common;

use alsobuy::catalog::Catalog;
use alsobuy::recommend::RecommenderConfig;
use alsobuy::Recommender;
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    items: Vec<common::ArbItem>,
    max_items: u8,
    events: Vec<common::ArbEvent>,
    query: common::ArbQuery,
}

fuzz_target!(|input: Input| {
    let config = RecommenderConfig::builder()
        .max_catalog_items(usize::from(input.max_items) + 1)
        .build()
        .expect("valid config");
    let mut r = Recommender::new(config).expect("recommender");
    let events: Vec<_> = input.events.iter().map(common::ArbEvent::get).collect();
    r.record_many(&events);
    let before = r.clone();
    let items: Vec<_> = input.items.iter().map(common::ArbItem::get).collect();
    let first_invalid = Catalog::first_invalid(&items);
    match r.set_catalog(items.clone()) {
        Ok(()) => {
            assert!(first_invalid.is_none(), "{first_invalid:?}");
            assert_eq!(r.catalog().len(), items.len());
        }
        Err(e) => {
            assert!(r == before, "a refused catalogue changed the state");
            if items.len() <= config.limits.max_catalog_items {
                let _ = e; // an id over max_id_bytes is caught after first_invalid
            }
        }
    }
    let q = input.query.get();
    if let Ok(out) = r.also_buy(&q) {
        common::check_answer(&q, &out);
        for s in &out {
            if let Some(it) = r.catalog().by_id(&s.item) {
                assert!(it.in_stock, "suggested out-of-stock {:?}", s.item);
            }
        }
    }
});
