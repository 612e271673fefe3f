//! Property tests of the core engine's invariants.
#![cfg(not(target_arch = "wasm32"))]

use alsobuy::catalog::Item;
use alsobuy::cooccur::CoOccurrence;
use alsobuy::encoding::{EncoderConfig, ItemEncoder};
use alsobuy::events::{Event, EventKind};
use alsobuy::index::VectorIndex;
use alsobuy::model::kernels;
use alsobuy::recommend::{CategoryFilter, Query, Recommender, RecommenderConfig};
use alsobuy::similarity::{cosine, top_k};
use approx::assert_relative_eq;
use proptest::prelude::*;

fn vec_pair() -> impl Strategy<Value = (Vec<f32>, Vec<f32>)> {
    (0usize..24).prop_flat_map(|n| {
        (
            prop::collection::vec(-1e6f32..1e6, n),
            prop::collection::vec(-1e6f32..1e6, n),
        )
    })
}

fn arb_item() -> impl Strategy<Value = Item> {
    (
        "[a-z]{1,6}",
        ".{0,20}",
        "[a-z /]{0,20}",
        prop::option::of(".{0,8}"),
        prop::option::of(prop_oneof![
            0.0f64..1e6,
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(-3.0),
            Just(0.0)
        ]),
        any::<bool>(),
        prop::collection::vec(".{0,6}", 0..4),
    )
        .prop_map(|(id, name, category, brand, price, in_stock, tags)| Item {
            id,
            name,
            category,
            brand,
            price,
            in_stock,
            tags,
        })
}

const IDS: [&str; 10] = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
const CATS: [&str; 3] = ["dairy/milk", "dairy/cheese", "drinks"];

fn catalogue(stock: &[bool]) -> Vec<Item> {
    IDS.iter()
        .zip(stock)
        .enumerate()
        .map(|(i, (id, s))| {
            let mut it = Item::new(id, CATS[i % 3]);
            it.in_stock = *s;
            it.price = Some(i as f64);
            it
        })
        .collect()
}

fn arb_events() -> impl Strategy<Value = Vec<Event>> {
    prop::collection::vec((0usize..7, 0usize..12, 0u8..4, 0u32..50), 0..60).prop_map(|v| {
        v.into_iter()
            .map(|(k, item, session, t)| {
                let kind = EventKind::ALL[k];
                let session = format!("s{session}");
                let t = f64::from(t) * 1000.0;
                if kind == EventKind::Search {
                    Event::search(IDS.get(item).copied().unwrap_or("zz"), &session, t)
                } else {
                    // Ids 10 and 11 are not in the catalogue.
                    let id = IDS
                        .get(item)
                        .map_or(format!("unknown{item}"), |s| (*s).to_owned());
                    Event::new(kind, &id, &session, t)
                }
            })
            .collect()
    })
}

/// `VectorIndex`'s normalisation (f64 norm, one f32 reciprocal), for the brute-force reference.
fn normalised(v: &[f32]) -> Vec<f32> {
    let n = v
        .iter()
        .map(|x| f64::from(*x) * f64::from(*x))
        .sum::<f64>()
        .sqrt();
    if n > 0.0 && n.is_finite() {
        let inv = (1.0 / n) as f32;
        v.iter().map(|x| x * inv).collect()
    } else {
        vec![0.0; v.len()]
    }
}

/// Finite floats of every kind: any normal or subnormal value, zeros, and small integers (exact ties).
fn finite() -> impl Strategy<Value = f32> {
    prop_oneof![
        prop::num::f32::NORMAL | prop::num::f32::SUBNORMAL | prop::num::f32::ZERO,
        (-3i32..=3).prop_map(|x| x as f32),
        -1.0f32..1.0,
    ]
}

fn index_case() -> impl Strategy<Value = (usize, Vec<f32>, Vec<f32>, usize)> {
    (1usize..20, 0usize..40, 1usize..4, 0usize..12).prop_flat_map(|(dim, n, m, k)| {
        (
            Just(dim),
            prop::collection::vec(finite(), n * dim),
            prop::collection::vec(finite(), m * dim),
            Just(k),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn cosine_is_symmetric_and_bounded((a, b) in vec_pair()) {
        let ab = cosine(&a, &b).unwrap();
        let ba = cosine(&b, &a).unwrap();
        prop_assert_eq!(ab, ba);
        prop_assert!((-1.0..=1.0).contains(&ab));
    }

    #[test]
    fn encoding_is_finite_and_unit_or_zero(item in arb_item(), dim in 4usize..80) {
        let enc = ItemEncoder::new(EncoderConfig::builder().dim(dim).build().unwrap()).unwrap();
        let v = enc.encode(&item);
        prop_assert_eq!(v.len(), dim);
        prop_assert!(v.iter().all(|x| x.is_finite()));
        let n = v.dot(&v).sqrt();
        prop_assert!(n == 0.0 || (n - 1.0).abs() < 1e-4, "norm {}", n);
        let q = enc.encode_query(&item.name);
        prop_assert!(q.iter().all(|x| x.is_finite()));
    }

    #[test]
    fn vector_index_equals_brute_force((dim, matrix, queries, k) in index_case()) {
        let idx = VectorIndex::new(&matrix, dim).unwrap();
        let n = matrix.len() / dim;
        let rows: Vec<f32> = matrix.chunks_exact(dim).flat_map(normalised).collect();
        let got = idx.top_k_batch(&queries, k).unwrap();
        for (q, hits) in queries.chunks_exact(dim).zip(&got) {
            let q = normalised(q);
            let mut scores = vec![0.0; n];
            kernels::matmul_a_bt(&q, &rows, &mut scores, 1, dim, n).unwrap();
            let want: Vec<(u32, f32)> = top_k(&scores, k)
                .into_iter()
                .map(|(i, s)| (i as u32, s.clamp(-1.0, 1.0)))
                .collect();
            prop_assert_eq!(hits, &want);
        }
    }

    #[test]
    fn top_k_equals_a_full_sort(scores in prop::collection::vec(-5i32..5, 0..80), k in 0usize..20) {
        let s: Vec<f32> = scores.iter().map(|x| *x as f32).collect();
        let mut all: Vec<(usize, f32)> = s.iter().copied().enumerate().collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        all.truncate(k);
        prop_assert_eq!(top_k(&s, k), all);
    }

    #[test]
    fn cooccurrence_incremental_equals_batch(
        events in prop::collection::vec((0u32..6, 0u32..12, prop_oneof![Just(1.0f32), Just(3.0), Just(5.0)]), 0..80)
    ) {
        let mut inc = CoOccurrence::new();
        let mut baskets: std::collections::BTreeMap<u32, Vec<(u32, f32)>> = Default::default();
        for &(s, i, w) in &events {
            inc.add(s, i, w);
            baskets.entry(s).or_default().push((i, w));
        }
        let batch = CoOccurrence::from_baskets(baskets.iter().map(|(s, b)| (*s, b.as_slice())));
        for i in 0..12 {
            assert_relative_eq!(inc.occurrence(i), batch.occurrence(i), epsilon = 1e-6);
            for j in 0..12 {
                assert_relative_eq!(inc.count(i, j), batch.count(i, j), epsilon = 1e-4);
            }
        }
        prop_assert_eq!(inc.pair_count(), batch.pair_count());
    }

    #[test]
    fn recommender_respects_the_rules(
        stock in prop::collection::vec(any::<bool>(), 10),
        events in arb_events(),
        item in prop::option::of(0usize..12),
        cart in prop::collection::vec(0usize..12, 0..4),
        k in 0usize..12,
        filtered in any::<bool>(),
    ) {
        let mut r = Recommender::new(RecommenderConfig::default()).unwrap();
        r.set_catalog(catalogue(&stock)).unwrap();
        let report = r.record_many(&events);
        prop_assert!(report.rejected.is_empty());
        let name = |i: usize| IDS.get(i).map_or(format!("unknown{i}"), |s| (*s).to_owned());
        let q = Query {
            item: item.map(name),
            cart: cart.iter().map(|&i| name(i)).collect(),
            k,
            filter: filtered.then(|| CategoryFilter { include: vec!["dairy".into()], exclude: vec![] }),
            min_score: 0.0,
        };
        let out = r.also_buy(&q).unwrap();
        prop_assert!(out.len() <= k);
        let context: Vec<String> = q.item.iter().cloned().chain(q.cart.iter().cloned()).collect();
        let mut eligible = 0;
        for (i, id) in IDS.iter().enumerate() {
            let in_filter = !filtered || CATS[i % 3].starts_with("dairy");
            if stock[i] && in_filter && !context.iter().any(|c| c == id) {
                eligible += 1;
            }
        }
        prop_assert_eq!(out.len(), k.min(eligible));
        let mut seen = std::collections::BTreeSet::new();
        for s in &out {
            prop_assert!(!context.contains(&s.item), "context item {} suggested", s.item);
            let idx = IDS.iter().position(|x| *x == s.item).unwrap();
            prop_assert!(stock[idx], "out-of-stock {} suggested", s.item);
            prop_assert!(seen.insert(s.item.clone()), "duplicate {}", s.item);
            let total: f32 = s.reasons.iter().map(|r| r.share).sum();
            prop_assert!((total - 1.0).abs() < 1e-3);
        }
    }

    #[test]
    fn snapshot_round_trip_is_equal(stock in prop::collection::vec(any::<bool>(), 10), events in arb_events()) {
        let mut r = Recommender::new(RecommenderConfig::default()).unwrap();
        r.set_catalog(catalogue(&stock)).unwrap();
        r.record_many(&events);
        let bytes = r.to_bytes().unwrap();
        let back = Recommender::from_bytes(&bytes).unwrap();
        prop_assert_eq!(&back, &r);
        let q = Query::for_cart(&["a", "b"], 5);
        prop_assert_eq!(back.also_buy(&q).unwrap(), r.also_buy(&q).unwrap());
        let pack = r.export_pack().unwrap();
        let p = Recommender::from_pack(&pack).unwrap();
        prop_assert_eq!(p.log().len(), 0);
        prop_assert_eq!(p.stats().cooccurring_pairs, r.stats().cooccurring_pairs);
    }

    #[test]
    fn loaders_never_panic_on_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        prop_assert!(Recommender::from_bytes(&bytes).is_err());
        prop_assert!(Recommender::from_pack(&bytes).is_err());
        // Random payloads behind a valid header and checksum reach the decoder.
        let mut framed = b"ALSOBUY\0".to_vec();
        framed.extend_from_slice(&1u16.to_le_bytes());
        framed.push(1);
        framed.push(0);
        framed.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        framed.extend_from_slice(&alsobuy::crc32::hash(&bytes).to_le_bytes());
        framed.extend_from_slice(&bytes);
        let _ = Recommender::from_bytes(&framed);
        framed[10] = 2;
        let _ = Recommender::from_pack(&framed);
    }

    #[test]
    fn corrupted_snapshots_never_panic(flip in 0usize..4096, value in any::<u8>(), events in arb_events()) {
        let mut r = Recommender::new(RecommenderConfig::default()).unwrap();
        r.set_catalog(catalogue(&[true; 10])).unwrap();
        r.record_many(&events);
        let mut bytes = r.to_bytes().unwrap();
        let i = flip % bytes.len();
        bytes[i] = value;
        // Re-seal the checksum so the corruption reaches the decoder and the consistency checks.
        let crc = alsobuy::crc32::hash(&bytes[20..]);
        bytes[16..20].copy_from_slice(&crc.to_le_bytes());
        let _ = Recommender::from_bytes(&bytes);
        for n in (0..bytes.len()).step_by(7) {
            prop_assert!(Recommender::from_bytes(&bytes[..n]).is_err());
        }
    }
}

/// `alsobuy::num`'s message formatter: whatever the bits, the text parses back to the value (15 significant
/// digits of an f64 within 1e-14 relative, 7 of an f32 within 1e-6), with its sign; NaN and ±inf by name.
fn parses_back(x: f64, text: &str, tol: f64) -> Result<(), TestCaseError> {
    let back: f64 = match text {
        "NaN" => f64::NAN,
        "inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        t => t
            .parse()
            .map_err(|e| TestCaseError::fail(format!("{x:?} -> {t:?}: {e}")))?,
    };
    if x.is_nan() {
        prop_assert!(back.is_nan(), "{x:?} -> {text}");
    } else if x.is_infinite() || x == 0.0 {
        prop_assert_eq!(back.to_bits(), x.to_bits(), "{:?} -> {}", x, text);
    } else {
        prop_assert!(((back - x) / x).abs() <= tol, "{x:?} -> {text} -> {back:?}");
        prop_assert_eq!(back.is_sign_negative(), x.is_sign_negative());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4096))]

    #[test]
    fn message_floats_parse_back(bits in any::<u64>(), bits32 in any::<u32>(), x in -1e18f64..1e18) {
        let f = f64::from_bits(bits);
        parses_back(f, &alsobuy::num::F64(f).to_string(), 1e-14)?;
        let g = f32::from_bits(bits32);
        parses_back(f64::from(g), &alsobuy::num::F32(g).to_string(), 1e-6)?;
        parses_back(x, &alsobuy::num::F64(x).to_string(), 1e-14)?;
    }
}
