//! `also_buy` over arbitrary contexts (viewed item, cart, k, filters, min_score) on a recommender with a
//! catalogue, baskets and a shopper history: a typed error or an answer within the contract.
#![no_main]

#[path = "common.rs"]
mod common;

use std::sync::OnceLock;

use alsobuy::events::{Event, EventKind};
use alsobuy::recommend::RecommenderConfig;
use alsobuy::Recommender;
use libfuzzer_sys::fuzz_target;

fn shop() -> &'static Recommender {
    static SHOP: OnceLock<Recommender> = OnceLock::new();
    SHOP.get_or_init(|| {
        let mut r = Recommender::new(RecommenderConfig::default()).expect("recommender");
        r.set_catalog(common::catalog()).expect("catalogue");
        let baskets = [
            ["milk", "bread", "butter"],
            ["milk", "bread", "jam"],
            ["beer", "chips", "soda"],
            ["milk", "butter", "jam"],
        ];
        for (s, basket) in baskets.iter().enumerate() {
            for (i, item) in basket.iter().enumerate() {
                let e = Event::new(
                    EventKind::Purchase,
                    item,
                    &format!("b{s}"),
                    (s * 10 + i) as f64,
                );
                r.record(&e).expect("event");
            }
        }
        r.record(&Event::search("milk", "b9", 99.0))
            .expect("search");
        r.record(&Event::new(EventKind::View, "not in the shop", "b9", 100.0))
            .expect("view");
        r
    })
}

fuzz_target!(|q: common::ArbQuery| {
    let q = q.get();
    let r = shop();
    match r.also_buy(&q) {
        Ok(out) => {
            common::check_answer(&q, &out);
            for s in &out {
                if let Some(it) = r.catalog().by_id(&s.item) {
                    assert!(it.in_stock, "suggested out-of-stock {:?}", s.item);
                }
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
