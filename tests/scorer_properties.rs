//! Property tests of the offline scorers, the top-k selection and the evaluation metrics.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)]

use alsobuy::eval::metrics::{bootstrap, bootstrap_clustered, ndcg_at_k, ndcg_single};
use alsobuy::interactions::{Interactions, InteractionsBuilder};
use alsobuy::scorers::{
    fit_with_catalogue, rank_of, top_k, ContentConfig, CooccurScorerConfig, EaseConfig,
    HybridConfig, ItemKnnConfig, MlpRerankConfig, PopularConfig, Query, Scorer,
};
use alsobuy::Item;
use proptest::prelude::*;

fn build(baskets: &[Vec<u8>]) -> Interactions {
    let mut b = InteractionsBuilder::new();
    for (s, items) in baskets.iter().enumerate() {
        for (t, it) in items.iter().enumerate() {
            let user = format!("u{}", s % 7);
            b.push(
                Some(&user),
                &format!("s{s}"),
                &format!("i{it}"),
                1.0,
                t as i64,
            )
            .unwrap();
        }
    }
    b.build()
}

/// Attributes for the even items (odd ones have no catalogue row).
fn catalogue() -> Vec<Item> {
    (0..30)
        .step_by(2)
        .map(|i| Item::new(&format!("i{i}"), &format!("dept{}/aisle{}", i % 3, i % 5)))
        .collect()
}

#[test]
fn every_registered_model_fits_and_unknown_names_are_refused() {
    let data = build(&[vec![1, 2, 3], vec![2, 3], vec![4, 5]]);
    for name in alsobuy::scorers::MODEL_NAMES {
        let m = fit_with_catalogue(name, &data, &catalogue(), 1).unwrap();
        assert_eq!(m.name(), *name);
        assert_eq!(m.n_items(), data.n_items());
    }
    assert!(fit_with_catalogue("magic", &data, &[], 1).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn top_k_is_the_prefix_of_the_full_order(
        scores in prop::collection::vec(-5.0f32..5.0, 0..60),
        k in 0usize..20,
        skip_mod in 2u32..6,
    ) {
        let tie: Vec<f32> = (0..scores.len()).map(|i| (i % 3) as f32).collect();
        let skip = |i: u32| i % skip_mod == 0;
        let got = top_k(&scores, &tie, k, skip);
        let allowed = (0..scores.len() as u32).filter(|&i| !skip(i)).count();
        prop_assert_eq!(got.len(), k.min(allowed));
        for w in got.windows(2) {
            prop_assert!(w[0].1 >= w[1].1);
        }
        for (pos, &(item, _)) in got.iter().enumerate() {
            prop_assert!(!skip(item));
            prop_assert_eq!(rank_of(&scores, &tie, item, skip), Some(pos + 1));
        }
    }

    #[test]
    fn every_model_scores_finitely_and_top_k_never_returns_the_context(
        baskets in prop::collection::vec(prop::collection::vec(0u8..30, 1..8), 1..40),
        context in prop::collection::vec(0u32..35, 0..4),
        user in 0usize..8,
    ) {
        let data = build(&baskets);
        let n = data.n_items();
        let history = data.row_of_user(&format!("u{user}")).map(|r| data.history(r)).unwrap_or_default();
        let query = Query { history: &history, context: &context };
        let models: Vec<Box<dyn Scorer>> = vec![
            Box::new(PopularConfig::default().fit(&data).unwrap()),
            Box::new(ItemKnnConfig::default().fit(&data).unwrap()),
            Box::new(EaseConfig::default().fit(&data).unwrap()),
            Box::new(HybridConfig::default().fit(&data).unwrap()),
            Box::new(HybridConfig { w_nb: 0.5, w_co: 0.5, ..HybridConfig::default() }.fit(&data).unwrap()),
            Box::new(CooccurScorerConfig::default().fit(&data).unwrap()),
            Box::new(ContentConfig::default().fit(&data, &catalogue()).unwrap()),
            Box::new(MlpRerankConfig { epochs: 2, ..MlpRerankConfig::default() }.fit(&data, &catalogue()).unwrap()),
        ];
        for m in &models {
            let mut out = vec![0.0; n];
            m.score_into(&query, &mut out).unwrap();
            prop_assert!(out.iter().all(|v| v.is_finite()), "{} gave a non-finite score", m.name());
            let best = top_k(&out, &[], 5, |i| context.contains(&i));
            let allowed = (0..n as u32).filter(|i| !context.contains(i)).count();
            prop_assert_eq!(best.len(), 5.min(allowed));
            prop_assert!(best.iter().all(|(i, _)| !context.contains(i)));
        }
    }

    #[test]
    fn without_removes_exactly_the_given_entries(
        baskets in prop::collection::vec(prop::collection::vec(0u8..20, 1..8), 1..30),
        picks in prop::collection::vec((0usize..40, 0usize..8), 0..10),
    ) {
        let data = build(&baskets);
        let mut removed: Vec<(usize, u32)> = Vec::new();
        for (r, k) in picks {
            let h = data.history(r % data.n_rows());
            if let Some(&(i, _)) = h.get(k % h.len().max(1)) {
                removed.push((r % data.n_rows(), i));
            }
        }
        let y = data.without(&removed);
        let mut distinct = removed.clone();
        distinct.sort_unstable();
        distinct.dedup();
        prop_assert_eq!(y.nnz(), data.nnz() - distinct.len());
        for r in 0..data.n_rows() {
            let kept: Vec<u32> = data.history(r).iter().map(|e| e.0).filter(|&i| !distinct.contains(&(r, i))).collect();
            prop_assert_eq!(y.history(r).iter().map(|e| e.0).collect::<Vec<_>>(), kept);
        }
        let mut pop = vec![0u32; y.n_items()];
        for r in 0..y.n_rows() {
            for (i, _) in y.history(r) {
                pop[i as usize] += 1;
            }
        }
        prop_assert_eq!(pop.as_slice(), y.popularity());
    }

    #[test]
    fn history_rows_are_distinct_and_popularity_counts_rows(
        baskets in prop::collection::vec(prop::collection::vec(0u8..20, 1..8), 1..30),
    ) {
        let data = build(&baskets);
        let mut pop = vec![0u32; data.n_items()];
        for r in 0..data.n_rows() {
            let h = data.history(r);
            let mut items: Vec<u32> = h.iter().map(|e| e.0).collect();
            items.sort_unstable();
            items.dedup();
            prop_assert_eq!(items.len(), h.len());
            let ts = data.history_timestamps(r);
            prop_assert!(ts.windows(2).all(|w| w[0] <= w[1]));
            for i in items {
                pop[i as usize] += 1;
            }
        }
        prop_assert_eq!(pop.as_slice(), data.popularity());
    }

    #[test]
    fn metrics_stay_in_range_and_bootstrap_stays_within_the_data(
        values in prop::collection::vec(0.0f64..1.0, 1..80),
        rank in 1usize..30,
        seed in any::<u64>(),
    ) {
        let e = bootstrap(&values, None, 100, 0.95, seed);
        let (lo, hi) = values.iter().fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        prop_assert!(e.lo <= e.hi);
        prop_assert!(e.lo >= lo - 1e-12 && e.hi <= hi + 1e-12);
        prop_assert!(e.mean >= lo - 1e-12 && e.mean <= hi + 1e-12);
        // Clustered (four clusters, the assignment shifted by the seed): same mean, still within the data.
        let ids: Vec<usize> = (0..values.len()).map(|i| (i * 7 + seed as usize % 5) % 4).collect();
        let c = bootstrap_clustered(&values, None, &ids, 100, 0.95, seed);
        prop_assert!((c.mean - e.mean).abs() < 1e-12);
        prop_assert!(c.lo <= c.hi);
        prop_assert!(c.lo >= lo - 1e-12 && c.hi <= hi + 1e-12);
        let n = ndcg_single(Some(rank), 10);
        prop_assert!((0.0..=1.0).contains(&n));
        let list: Vec<u32> = (1..=30).collect();
        prop_assert!((ndcg_at_k(&list, &[rank as u32], 10) - n).abs() < 1e-12);
    }
}
