//! The hand-written pack codec (src/codec.rs) against postcard, its reference: for arbitrary values of every
//! stored type the bytes are postcard's, and for arbitrary, mutated and truncated bytes both decoders agree —
//! both accept (the same value, the same bytes left over) or both refuse; ours never panics. The whole
//! payloads (snapshot, aggregate pack, fixtures with a model) are compared in src/pack.rs's unit tests.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)]

use alsobuy::catalog::{Catalog, Item};
use alsobuy::codec::{self, Decode, Encode};
use alsobuy::cooccur::{CoOccurrence, CooccurConfig, Normalisation, Popularity};
use alsobuy::encoding::EncoderConfig;
use alsobuy::events::{
    CleaningConfig, Decay, Event, EventKind, EventLog, EventWeights, LoggedEvent,
};
use alsobuy::hashing::FastMap;
use alsobuy::ids::Interner;
use alsobuy::model::FeatureLayout;
use alsobuy::recommend::config::{BlendWeights, Limits};
use alsobuy::recommend::{RecommenderConfig, RerankConfig, Reranker};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Ours writes postcard's bytes for `v`, and both read them back to the same value.
fn same_bytes<T>(v: &T) -> Result<(), TestCaseError>
where
    T: Encode + Decode + Serialize + DeserializeOwned,
{
    let ours = codec::to_vec(v);
    let theirs = postcard::to_stdvec(v).unwrap();
    prop_assert_eq!(&ours, &theirs);
    // Read back alike (compared by re-encoding, not with the input: a map's iteration order may depend on
    // its insertion order, for postcard's decoding as for ours).
    prop_assert!(codec::from_bytes::<T>(&ours).is_ok());
    agree::<T>(&ours)
}

/// Both decoders accept `bytes` as a `T` (equal values — compared by their encodings, so NaNs compare — and as
/// many bytes left over), or both refuse them.
fn agree<T>(bytes: &[u8]) -> Result<(), TestCaseError>
where
    T: Encode + Decode + Serialize + DeserializeOwned,
{
    let ours = codec::take_from_bytes::<T>(bytes);
    let theirs = postcard::take_from_bytes::<T>(bytes);
    match (ours, theirs) {
        (Ok((a, ra)), Ok((b, rb))) => {
            prop_assert_eq!(codec::to_vec(&a), postcard::to_stdvec(&b).unwrap());
            prop_assert_eq!(ra.len(), rb.len());
        }
        (Err(_), Err(_)) => {}
        (Ok(_), Err(e)) => {
            return Err(TestCaseError::fail(format!(
                "ours accepted what postcard refused ({e}): {bytes:?}"
            )))
        }
        (Err(e), Ok(_)) => {
            return Err(TestCaseError::fail(format!(
                "ours refused ({e}) what postcard accepted: {bytes:?}"
            )))
        }
    }
    Ok(())
}

/// `bytes` with some bytes overwritten, cut at `cut` (as a share of the length) and maybe extended.
fn mutate(bytes: &[u8], edits: &[(usize, u8)], cut: Option<f64>, tail: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    if !b.is_empty() {
        let n = b.len();
        for &(i, v) in edits {
            b[i % n] = v;
        }
    }
    if let Some(c) = cut {
        b.truncate((b.len() as f64 * c) as usize);
    }
    b.extend_from_slice(tail);
    b
}

/// Every mutation of a valid encoding: both decoders agree.
fn mutations_agree<T>(
    valid: &[u8],
    edits: &[(usize, u8)],
    cut: Option<f64>,
    tail: &[u8],
) -> Result<(), TestCaseError>
where
    T: Encode + Decode + Serialize + DeserializeOwned,
{
    agree::<T>(valid)?;
    for k in 0..=edits.len() {
        agree::<T>(&mutate(valid, &edits[..k], None, &[]))?;
    }
    agree::<T>(&mutate(valid, edits, cut, tail))?;
    for n in 0..valid.len().min(64) {
        agree::<T>(&valid[..n])?;
    }
    Ok(())
}

fn edits() -> impl Strategy<Value = (Vec<(usize, u8)>, Option<f64>, Vec<u8>)> {
    (
        prop::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        prop::option::of(0.0f64..1.0),
        prop::collection::vec(any::<u8>(), 0..4),
    )
}

/// Floats with the special values well represented.
fn f32s() -> BoxedStrategy<f32> {
    prop_oneof![
        any::<f32>(),
        Just(f32::NAN),
        Just(f32::INFINITY),
        Just(-0.0f32),
        -10.0f32..10.0
    ]
    .boxed()
}

fn f64s() -> BoxedStrategy<f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::NAN),
        Just(f64::NEG_INFINITY),
        0.0f64..1e13
    ]
    .boxed()
}

/// Sizes across every varint length.
fn sizes() -> BoxedStrategy<usize> {
    prop_oneof![0usize..300, any::<usize>(), Just(usize::MAX), Just(1 << 32)].boxed()
}

fn text() -> BoxedStrategy<String> {
    prop_oneof![".{0,12}", "[a-z]{0,200}"].boxed()
}

fn kind() -> impl Strategy<Value = EventKind> {
    prop::sample::select(EventKind::ALL.to_vec())
}

fn event() -> impl Strategy<Value = Event> {
    (
        kind(),
        prop::option::of(text()),
        text(),
        f64s(),
        prop::option::of(text()),
    )
        .prop_map(|(kind, item, session, timestamp_ms, query)| Event {
            kind,
            item,
            session,
            timestamp_ms,
            query,
        })
}

fn item() -> impl Strategy<Value = Item> {
    (
        text(),
        text(),
        text(),
        prop::option::of(text()),
        prop::option::of(f64s()),
        any::<bool>(),
        prop::collection::vec(text(), 0..3),
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

fn logged_event() -> impl Strategy<Value = LoggedEvent> {
    (
        kind(),
        prop::option::of(any::<u32>()),
        any::<u32>(),
        f64s(),
        prop::option::of(text()),
    )
        .prop_map(|(kind, item, session, timestamp_ms, query)| LoggedEvent {
            kind,
            item,
            session,
            timestamp_ms,
            query,
        })
}

fn normalisation() -> impl Strategy<Value = Normalisation> {
    prop_oneof![
        Just(Normalisation::Raw),
        Just(Normalisation::Cosine),
        Just(Normalisation::Lift),
        f32s().prop_map(|alpha| Normalisation::AsymmetricCosine { alpha }),
    ]
}

fn rerank_config() -> impl Strategy<Value = RerankConfig> {
    (
        (any::<bool>(), f32s(), any::<bool>(), sizes(), sizes()),
        ([sizes(), sizes()], f32s(), sizes(), sizes(), any::<u64>()),
    )
        .prop_map(
            |(
                (enabled, weight, online, online_steps, negatives_per_positive),
                (hidden, learning_rate, batch_size, max_examples, seed),
            )| RerankConfig {
                enabled,
                weight,
                online,
                online_steps,
                negatives_per_positive,
                hidden,
                learning_rate,
                batch_size,
                max_examples,
                seed,
            },
        )
}

fn config() -> BoxedStrategy<RecommenderConfig> {
    let encoder =
        (sizes(), [f32s(), f32s(), f32s(), f32s(), f32s()]).prop_map(|(dim, w)| EncoderConfig {
            dim,
            category_weight: w[0],
            brand_weight: w[1],
            tag_weight: w[2],
            word_weight: w[3],
            price_weight: w[4],
        });
    let cleaning =
        (any::<bool>(), f64s(), sizes(), sizes()).prop_map(|(d, b, s, m)| CleaningConfig {
            drop_duplicates: d,
            burst_window_ms: b,
            max_events_per_session: s,
            max_events: m,
        });
    let weights = prop::array::uniform7(f32s())
        .prop_map(|w| EventWeights {
            view: w[0],
            cart: w[1],
            remove_from_cart: w[2],
            purchase: w[3],
            search: w[4],
            impression: w[5],
            click: w[6],
        })
        .boxed();
    let decay = prop::option::of(f64s())
        .prop_map(|half_life_ms| Decay { half_life_ms })
        .boxed();
    let cooccur = (normalisation(), f32s())
        .prop_map(|(normalisation, shrinkage)| CooccurConfig {
            normalisation,
            shrinkage,
        })
        .boxed();
    let blend = prop::array::uniform5(f32s())
        .prop_map(|w| BlendWeights {
            bought_with: w[0],
            similar_to: w[1],
            matches_your_interest: w[2],
            bought_before: w[3],
            popular: w[4],
        })
        .boxed();
    let limits = [sizes(), sizes(), sizes(), sizes()]
        .prop_map(|l| Limits {
            max_catalog_items: l[0],
            max_pack_bytes: l[1],
            max_k: l[2],
            max_cart_items: l[3],
            ..Limits::default()
        })
        .boxed();
    (
        (encoder, cleaning, weights, decay, cooccur, blend),
        (sizes(), f32s(), any::<bool>(), limits),
    )
        .prop_map(
            |(
                (encoder, cleaning, weights, decay, cooccur, blend),
                (candidates_per_source, item_context_weight, rebuy, limits),
            )| RecommenderConfig {
                encoder,
                cleaning,
                weights,
                decay,
                cooccur,
                blend,
                candidates_per_source,
                item_context_weight,
                rebuy,
                limits,
                rerank: RerankConfig::default(),
            },
        )
        .boxed()
}

type Pairs = Vec<FastMap<u32, f32>>;
type Sessions = FastMap<u32, Vec<(u32, f32)>>;

/// `CoOccurrence`'s stored fields, in order.
fn cooccurrence_fields() -> impl Strategy<Value = (Pairs, Vec<f64>, f64, Sessions)> {
    (
        prop::collection::vec(
            prop::collection::hash_map(any::<u32>(), f32s(), 0..6)
                .prop_map(|m| m.into_iter().collect::<FastMap<_, _>>()),
            0..5,
        ),
        prop::collection::vec(f64s(), 0..5),
        f64s(),
        prop::collection::hash_map(
            0u32..50,
            prop::collection::vec((any::<u32>(), f32s()), 0..4),
            0..4,
        )
        .prop_map(|m| m.into_iter().collect::<FastMap<_, _>>()),
    )
}

/// `RerankerBlob`'s fields, in order: mostly of a consistent shape (the parameter count the dims need), so
/// that a good share decode to a model; the others must be refused by both.
#[allow(clippy::type_complexity)]
fn reranker_blob() -> impl Strategy<
    Value = (
        (u32, u32, Vec<u32>, Vec<f32>, f32),
        (u64, u64, Option<f32>, Option<f32>, u64),
    ),
> {
    (
        0u32..6,
        0u32..6,
        prop::collection::vec(1u32..5, 0..3),
        any::<bool>(),
        prop_oneof![0.001f32..0.5, f32s()],
        (any::<u64>(), any::<u64>()),
        (prop::option::of(f32s()), prop::option::of(f32s())),
        any::<u64>(),
        any::<u32>(),
    )
        .prop_map(
            |(p, i, hidden, consistent, lr, (ex, ep), (l, vl), up, seed)| {
                let width = FeatureLayout::new(p as usize, i as usize).width();
                let widths: Vec<usize> = std::iter::once(width)
                    .chain(hidden.iter().map(|&h| h as usize))
                    .chain(std::iter::once(1))
                    .collect();
                let mut n: usize = widths.windows(2).map(|w| w[0] * w[1] + w[1]).sum();
                if !consistent {
                    n = (n + seed as usize % 3).saturating_sub(1);
                }
                let params = (0..n)
                    .map(|k| ((k as u32).wrapping_mul(2654435761) ^ seed) as f32 * 1e-9)
                    .collect();
                ((p, i, hidden, params, lr), (ex, ep, l, vl, up))
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn primitives_are_postcards(
        a in any::<u64>(), b in any::<u32>(), c in any::<u16>(), d in sizes(), e in any::<u8>(),
        f in f32s(), g in f64s(), h in any::<bool>(), s in text(),
        o in prop::option::of(f64s()), v in prop::collection::vec(f32s(), 0..20),
        t in prop::collection::vec((any::<u32>(), f32s()), 0..5), arr in [sizes(), sizes()],
        m in prop::collection::hash_map(any::<u32>(), f32s(), 0..20),
    ) {
        same_bytes(&a)?;
        same_bytes(&b)?;
        same_bytes(&c)?;
        same_bytes(&d)?;
        same_bytes(&e)?;
        same_bytes(&f)?;
        same_bytes(&g)?;
        same_bytes(&h)?;
        same_bytes(&s)?;
        same_bytes(&o)?;
        same_bytes(&v)?;
        same_bytes(&t)?;
        same_bytes(&arr)?;
        same_bytes(&m.into_iter().collect::<FastMap<u32, f32>>())?;
    }

    #[test]
    fn arbitrary_bytes_decode_alike(bytes in prop::collection::vec(any::<u8>(), 0..48)) {
        agree::<u8>(&bytes)?;
        agree::<u16>(&bytes)?;
        agree::<u32>(&bytes)?;
        agree::<u64>(&bytes)?;
        agree::<usize>(&bytes)?;
        agree::<bool>(&bytes)?;
        agree::<f32>(&bytes)?;
        agree::<f64>(&bytes)?;
        agree::<String>(&bytes)?;
        agree::<Option<u32>>(&bytes)?;
        agree::<Vec<u32>>(&bytes)?;
        agree::<Vec<f32>>(&bytes)?;
        agree::<[usize; 2]>(&bytes)?;
        agree::<FastMap<u32, f32>>(&bytes)?;
        agree::<EventKind>(&bytes)?;
        agree::<Normalisation>(&bytes)?;
        agree::<Event>(&bytes)?;
        agree::<Item>(&bytes)?;
        agree::<Catalog>(&bytes)?;
        agree::<Interner>(&bytes)?;
        agree::<EventLog>(&bytes)?;
        agree::<CoOccurrence>(&bytes)?;
        agree::<Popularity>(&bytes)?;
        agree::<RecommenderConfig>(&bytes)?;
        agree::<RerankConfig>(&bytes)?;
        agree::<Reranker>(&bytes)?;
    }

    /// The IndexedDB journal's records.
    #[test]
    fn events_are_postcards(e in event(), (ed, cut, tail) in edits()) {
        same_bytes(&e)?;
        mutations_agree::<Event>(&codec::to_vec(&e), &ed, cut, &tail)?;
    }

    #[test]
    fn configs_are_postcards(c in config(), r in rerank_config(), (ed, cut, tail) in edits()) {
        same_bytes(&c)?;
        same_bytes(&r)?;
        mutations_agree::<RecommenderConfig>(&codec::to_vec(&c), &ed, cut, &tail)?;
        mutations_agree::<RerankConfig>(&codec::to_vec(&r), &ed, cut, &tail)?;
    }

    /// Catalogue and item table: stored as the item list and the id list.
    #[test]
    fn catalogues_and_ids_are_postcards(
        items in prop::collection::vec(item(), 0..5),
        ids in prop::collection::vec(text(), 0..6),
        (ed, cut, tail) in edits(),
    ) {
        let bytes = postcard::to_stdvec(&items).unwrap();
        let catalog: Catalog = codec::from_bytes(&bytes).unwrap();
        same_bytes(&catalog)?;
        mutations_agree::<Catalog>(&bytes, &ed, cut, &tail)?;
        for it in &items {
            same_bytes(it)?;
        }
        let bytes = postcard::to_stdvec(&ids).unwrap();
        let interner: Interner = codec::from_bytes(&bytes).unwrap();
        same_bytes(&interner)?;
        mutations_agree::<Interner>(&bytes, &ed, cut, &tail)?;
    }

    #[test]
    fn event_logs_are_postcards(
        events in prop::collection::vec(logged_event(), 0..6),
        sessions in prop::collection::vec(text(), 0..4),
        (ed, cut, tail) in edits(),
    ) {
        let bytes = postcard::to_stdvec(&(&events, &sessions)).unwrap();
        let log: EventLog = codec::from_bytes(&bytes).unwrap();
        same_bytes(&log)?;
        mutations_agree::<EventLog>(&bytes, &ed, cut, &tail)?;
    }

    #[test]
    fn aggregates_are_postcards(
        fields in cooccurrence_fields(),
        pop in (prop::collection::vec(f64s(), 0..6), f64s(), prop::option::of(f64s())),
        (ed, cut, tail) in edits(),
    ) {
        let bytes = postcard::to_stdvec(&fields).unwrap();
        let co: CoOccurrence = codec::from_bytes(&bytes).unwrap();
        same_bytes(&co)?;
        mutations_agree::<CoOccurrence>(&bytes, &ed, cut, &tail)?;
        let bytes = postcard::to_stdvec(&pop).unwrap();
        let p: Popularity = codec::from_bytes(&bytes).unwrap();
        same_bytes(&p)?;
        mutations_agree::<Popularity>(&bytes, &ed, cut, &tail)?;
    }

    /// Models: decoding checks the shape and parameters (both refuse the same blobs), and a decoded model
    /// re-encodes to postcard's bytes.
    #[test]
    fn models_are_postcards(blob in reranker_blob(), (ed, cut, tail) in edits()) {
        let bytes = postcard::to_stdvec(&blob).unwrap();
        agree::<Reranker>(&bytes)?;
        if let Ok(model) = codec::from_bytes::<Reranker>(&bytes) {
            same_bytes(&model)?;
            prop_assert_eq!(codec::to_vec(&model), bytes.clone());
        }
        mutations_agree::<Reranker>(&bytes, &ed, cut, &tail)?;
    }
}

/// The model strategy is not vacuous: consistent blobs do decode.
#[test]
fn a_consistent_model_blob_decodes() {
    let width = FeatureLayout::new(2, 3).width();
    let n = width * 4 + 4 + 4 + 1;
    let blob = (
        (2u32, 3u32, vec![4u32], vec![0.01f32; n], 0.003f32),
        (10u64, 2u64, Some(0.5f32), None::<f32>, 7u64),
    );
    let bytes = postcard::to_stdvec(&blob).unwrap();
    let model: Reranker = codec::from_bytes(&bytes).unwrap();
    assert_eq!(codec::to_vec(&model), bytes);
    let mut bad = blob.clone();
    bad.0 .3.pop();
    let bytes = postcard::to_stdvec(&bad).unwrap();
    let err = codec::from_bytes::<Reranker>(&bytes).unwrap_err();
    assert!(err.to_string().starts_with("invalid model: "), "{err}");
    assert!(postcard::from_bytes::<Reranker>(&bytes).is_err());
}
