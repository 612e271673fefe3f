//! Arbitrary event batches into a recommender with a catalogue: every event is kept, dropped (counted) or
//! rejected with its index, never a panic; the log never passes its limits; the state survives a snapshot
//! round trip and `forget_personal` returns to the state before the events.
#![no_main]

#[path = "common.rs"]
mod common;

use alsobuy::recommend::{Query, RecommenderConfig};
use alsobuy::Recommender;
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input {
    events: Vec<common::ArbEvent>,
    max_per_session: u8,
    max_events: u8,
    burst_ms: u16,
    max_id_bytes: u8,
    query: common::ArbQuery,
}

fuzz_target!(|input: Input| {
    let cleaning = alsobuy::events::CleaningConfig::builder()
        .burst_window_ms(f64::from(input.burst_ms))
        .max_events_per_session(usize::from(input.max_per_session) + 1)
        .max_events(usize::from(input.max_events) + 1)
        .build()
        .expect("valid cleaning config");
    let config = RecommenderConfig::builder()
        .cleaning(cleaning)
        .max_id_bytes(usize::from(input.max_id_bytes) % 256 + 1)
        .build()
        .expect("valid config");
    let mut r = Recommender::new(config).expect("recommender");
    let _ = r.set_catalog(common::catalog());
    let before = r.clone();
    let events: Vec<_> = input.events.iter().map(common::ArbEvent::get).collect();
    let report = r.record_many(&events);
    let accounted = report.kept
        + report.duplicates
        + report.bursts
        + report.over_session_cap
        + report.rejected.len();
    assert_eq!(accounted, events.len());
    assert_eq!(r.log().len(), report.kept);
    assert!(r.log().len() <= config.cleaning.max_events);
    assert!(report.rejected.windows(2).all(|w| w[0].index < w[1].index));

    let q: Query = input.query.get();
    if let Ok(out) = r.also_buy(&q) {
        common::check_answer(&q, &out);
    }
    let bytes = r.to_bytes().expect("snapshot");
    // `limits.max_id_bytes` is not in the pack format (v1): the loader passes its limits.
    let back = Recommender::from_bytes_with_limits(&bytes, &config.limits).expect("snapshot loads");
    assert!(back == r, "a snapshot round trip changed the state");
    r.forget_personal();
    assert!(
        r == before,
        "forget_personal did not return to the state before the events"
    );
});
