//! Unit tests of the recommender.

use super::*;
use approx::assert_relative_eq;

fn item(id: &str, cat: &str) -> Item {
    Item::new(id, cat)
}

fn shop() -> Recommender {
    let mut r = Recommender::new(RecommenderConfig::default()).unwrap();
    let mut sold_out = item("caviar", "deli/fish");
    sold_out.in_stock = false;
    r.set_catalog(vec![
        item("milk", "dairy/milk"),
        item("butter", "dairy/butter"),
        item("bread", "bakery/bread"),
        item("jam", "pantry/spreads"),
        item("beer", "drinks/beer"),
        item("chips", "snacks/chips"),
        item("cheese", "dairy/cheese"),
        sold_out,
    ])
    .unwrap();
    r
}

fn basket(r: &mut Recommender, session: &str, items: &[&str], t: f64) {
    for it in items {
        r.record(&Event::new(EventKind::Purchase, it, session, t))
            .unwrap();
    }
}

fn populated() -> Recommender {
    let mut r = shop();
    for s in 0..6 {
        basket(
            &mut r,
            &format!("b{s}"),
            &["bread", "jam", "butter"],
            1000.0,
        );
        basket(
            &mut r,
            &format!("c{s}"),
            &["beer", "chips", "caviar"],
            1000.0,
        );
    }
    for s in 0..10 {
        basket(&mut r, &format!("m{s}"), &["milk"], 1000.0);
    }
    r
}

fn shares_sum_to_one(s: &[Suggestion]) {
    for x in s {
        let total: f32 = x.reasons.iter().map(|r| r.share).sum();
        assert_relative_eq!(total, 1.0, epsilon = 1e-4);
        assert!(x.reasons.iter().all(|r| r.share > 0.0));
    }
}

#[test]
fn bought_with_comes_first_with_its_reason() {
    let r = populated();
    let out = r.also_buy(&Query::for_item("bread", 3)).unwrap();
    assert_eq!(out.len(), 3);
    let ids: Vec<&str> = out.iter().map(|s| s.item.as_str()).collect();
    assert!(
        ids[..2].contains(&"jam") && ids[..2].contains(&"butter"),
        "{ids:?}"
    );
    let top = &out[0];
    assert_eq!(top.reasons[0].kind, ReasonKind::BoughtWith);
    assert_eq!(top.reasons[0].item.as_deref(), Some("bread"));
    shares_sum_to_one(&out);
}

#[test]
fn never_context_cart_or_out_of_stock_and_always_k() {
    let r = populated();
    let q = Query {
        item: Some("beer".into()),
        cart: vec!["chips".into(), "milk".into()],
        k: 3,
        ..Query::default()
    };
    let out = r.also_buy(&q).unwrap();
    assert_eq!(out.len(), 3);
    for s in &out {
        assert!(!["beer", "chips", "milk", "caviar"].contains(&s.item.as_str()));
    }
    // 8 items − 3 in the context − 1 out of stock = 4 eligible.
    let q = Query { k: 50, ..q };
    let all = r.also_buy(&q).unwrap();
    assert_eq!(all.len(), 4);
    assert!(all
        .iter()
        .all(|s| !["beer", "chips", "milk", "caviar"].contains(&s.item.as_str())));
}

#[test]
fn brand_new_shopper_with_no_events_gets_k_items() {
    let r = shop();
    let out = r.also_buy(&Query::for_item("milk", 4)).unwrap();
    assert_eq!(out.len(), 4);
    // Content similarity puts the dairy siblings first.
    assert!(
        ["butter", "cheese"].contains(&out[0].item.as_str()),
        "{out:?}"
    );
    assert_eq!(out[0].reasons[0].kind, ReasonKind::SimilarTo);
    shares_sum_to_one(&out);
    let none = r.also_buy(&Query::default()).unwrap();
    assert_eq!(none.len(), 6);
    shares_sum_to_one(&none);
}

#[test]
fn category_filter_and_threshold() {
    let r = populated();
    let mut q = Query::for_item("bread", 10);
    q.filter = Some(CategoryFilter {
        include: vec!["dairy".into()],
        exclude: vec!["dairy/cheese".into()],
    });
    let out = r.also_buy(&q).unwrap();
    let ids: Vec<&str> = out.iter().map(|s| s.item.as_str()).collect();
    assert_eq!(ids, ["butter", "milk"]);
    q.filter = None;
    q.min_score = 0.9;
    let out = r.also_buy(&q).unwrap();
    assert!(!out.is_empty() && out.iter().all(|s| s.score >= 0.9));
}

#[test]
fn rebuy_can_be_switched_off() {
    let mut r = shop();
    basket(&mut r, "past", &["cheese"], 0.0);
    r.record(&Event::new(EventKind::View, "milk", "now", 10.0))
        .unwrap();
    let out = r.also_buy(&Query::for_item("beer", 7)).unwrap();
    let cheese = out.iter().find(|s| s.item == "cheese").unwrap();
    assert!(cheese
        .reasons
        .iter()
        .any(|x| x.kind == ReasonKind::BoughtBefore));
    let mut cfg = *r.config();
    cfg.rebuy = false;
    let mut off = Recommender::new(cfg).unwrap();
    off.set_catalog(r.catalog().items().to_vec()).unwrap();
    basket(&mut off, "past", &["cheese"], 0.0);
    let out = off.also_buy(&Query::for_item("beer", 7)).unwrap();
    assert!(out
        .iter()
        .all(|s| s.reasons.iter().all(|x| x.kind != ReasonKind::BoughtBefore)));
}

#[test]
fn profile_and_search_shape_interest() {
    let mut r = shop();
    r.record(&Event::search("cheese", "s", 1.0)).unwrap();
    let out = r.also_buy(&Query::for_cart(&["beer"], 3)).unwrap();
    assert!(out.iter().any(|s| s.item == "cheese"
        && s.reasons
            .iter()
            .any(|x| x.kind == ReasonKind::MatchesYourInterest)));
}

#[test]
fn candidates_carry_components() {
    let r = populated();
    let c = r.candidates(&Query::for_item("bread", 3)).unwrap();
    let jam = c.iter().find(|c| c.item == "jam").unwrap();
    assert!(jam.components.bought_with > 0.0);
    assert!(jam.components.popular > 0.0);
    assert_eq!(jam.bought_with[0].item, "bread");
    assert!(c.iter().all(|c| c.item != "bread" && c.item != "caviar"));
}

#[test]
fn record_many_reports_and_keeps_going() {
    let mut r = shop();
    let evs = vec![
        Event::new(EventKind::View, "milk", "s", 0.0),
        Event::new(EventKind::View, "milk", "s", 0.0),
        Event::new(EventKind::View, "milk", "s", 10.0),
        Event::new(EventKind::View, "", "s", 0.0),
        Event::new(EventKind::View, "unknown-item", "s", f64::NAN),
        Event::new(EventKind::Cart, "not-in-catalogue", "s", 20.0),
    ];
    let rep = r.record_many(&evs);
    assert_eq!(rep.kept, 2);
    assert_eq!(rep.duplicates, 1);
    assert_eq!(rep.bursts, 1);
    assert_eq!(rep.rejected.len(), 2);
    assert_eq!(rep.rejected[0].index, 3);
    assert!(rep.rejected[1].error.contains("timestamp_ms"));
    let st = r.stats();
    assert_eq!(st.events, 2);
    assert_eq!(st.events_dropped, 2);
    assert_eq!(st.known_items, 9);
    assert_eq!(st.cooccurring_pairs, 1);
}

#[test]
fn works_from_events_alone() {
    let mut r = Recommender::new(RecommenderConfig::default()).unwrap();
    for s in 0..3 {
        basket(&mut r, &format!("s{s}"), &["x", "y"], 0.0);
    }
    basket(&mut r, "t", &["z"], 0.0);
    let out = r.also_buy(&Query::for_item("x", 2)).unwrap();
    assert_eq!(out[0].item, "y");
    assert_eq!(out.len(), 2);
    let mut q = Query::for_item("x", 2);
    q.filter = Some(CategoryFilter {
        include: vec!["a".into()],
        exclude: vec![],
    });
    assert!(r.also_buy(&q).unwrap().is_empty());
}

#[test]
fn bad_queries_are_typed_errors() {
    let r = shop();
    let q = Query::for_item("milk", 10_000);
    assert!(matches!(
        r.also_buy(&q),
        Err(Error::InvalidConfig { field: "k", .. })
    ));
    let mut q = Query::for_item("", 3);
    assert!(matches!(r.also_buy(&q), Err(Error::InvalidId { .. })));
    q.item = None;
    q.min_score = f32::NAN;
    assert!(r.also_buy(&q).is_err());
    assert!(r.also_buy(&Query::for_item("never-seen", 3)).unwrap().len() == 3);
}

#[test]
fn catalogue_change_keeps_state_consistent() {
    let mut r = populated();
    let before = r.stats().events;
    r.set_catalog(vec![item("jam", "pantry"), item("new", "x")])
        .unwrap();
    assert_eq!(r.stats().events, before);
    let out = r.also_buy(&Query::for_item("bread", 5)).unwrap();
    let ids: Vec<&str> = out.iter().map(|s| s.item.as_str()).collect();
    assert_eq!(ids, ["jam", "new"]);
    assert!(r.set_catalog(vec![item("a", ""), item("a", "")]).is_err());
    assert_eq!(r.catalog().len(), 2);
}

#[test]
fn forgetting_erases_personal_item_ids_too() {
    let fresh = shop();
    let mut r = shop();
    basket(&mut r, "s", &["milk", "secret-item"], 1.0);
    r.record(&Event::search("private words", "s", 2.0)).unwrap();
    assert_eq!(r.stats().known_items, 9);
    r.forget_personal();
    assert_eq!(r, fresh);
    assert_eq!(
        r.also_buy(&Query::for_item("milk", 3)).unwrap(),
        fresh.also_buy(&Query::for_item("milk", 3)).unwrap()
    );
}

#[test]
fn event_caps_set_after_construction_apply_to_later_events() {
    let mut r = Recommender::new(RecommenderConfig::default()).unwrap();
    assert!(matches!(
        r.set_event_caps(0, 10),
        Err(Error::InvalidConfig {
            field: "max_events",
            ..
        })
    ));
    assert!(matches!(
        r.set_event_caps(10, 0),
        Err(Error::InvalidConfig {
            field: "max_events_per_session",
            ..
        })
    ));
    r.set_event_caps(2, 500).unwrap();
    r.record(&Event::new(EventKind::View, "a", "s", 1.0))
        .unwrap();
    r.record(&Event::new(EventKind::View, "b", "s", 2.0))
        .unwrap();
    assert!(matches!(
        r.record(&Event::new(EventKind::View, "c", "s", 3.0)),
        Err(Error::CapacityExceeded { limit: 2, .. })
    ));
    assert_eq!(r.log().len(), 2);
}
