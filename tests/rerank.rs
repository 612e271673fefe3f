//! The neural re-ranker end to end (native): training from the event log, re-ranked answers with truthful
//! reasons, online fine-tuning from feedback, persistence in snapshots, packs and model blobs, and "forget me".
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use alsobuy::catalog::Item;
use alsobuy::events::{Event, EventKind};
use alsobuy::recommend::{Query, ReasonKind, Recommender, RecommenderConfig};
use alsobuy::Error;

/// 24 items in 4 categories; baskets pair item `i` with `i + 1` (even `i`) and sometimes `i + 2`.
fn shop(config: RecommenderConfig) -> Recommender {
    let cats = ["dairy/milk", "bakery/bread", "drinks/soda", "snacks/chips"];
    let mut r = Recommender::new(config).unwrap();
    r.set_catalog(
        (0..24)
            .map(|i| {
                let mut it = Item::new(&format!("i{i:02}"), cats[i % 4]);
                it.price = Some(1.0 + (i % 7) as f64);
                it
            })
            .collect(),
    )
    .unwrap();
    for b in 0..300u32 {
        let a = (b * 2) % 24;
        let mut basket = vec![a, a + 1];
        if b % 3 == 0 {
            basket.push((a + 2) % 24);
        }
        for (k, it) in basket.iter().enumerate() {
            let e = Event::new(
                EventKind::Purchase,
                &format!("i{it:02}"),
                &format!("b{b}"),
                f64::from(b) * 100.0 + k as f64,
            );
            r.record(&e).unwrap();
        }
    }
    r
}

/// A shopper's recommender from a pack whose population model was trained on the shop's history.
fn trained() -> Recommender {
    let mut s = shop(RecommenderConfig::default());
    s.train(4).unwrap();
    let r = Recommender::from_pack(&s.export_pack().unwrap()).unwrap();
    assert!(r.model().is_some());
    r
}

fn rank(r: &Recommender, q: &Query, item: &str) -> Option<usize> {
    r.also_buy(q).unwrap().iter().position(|s| s.item == item)
}

fn ev(kind: EventKind, item: &str, t: f64) -> Event {
    Event::new(kind, item, "shopper", t)
}

#[test]
fn training_is_deterministic_and_lowers_the_loss() {
    let mut a = shop(RecommenderConfig::default());
    let mut b = shop(RecommenderConfig::default());
    let sa = a.train(3).unwrap();
    let sb = b.train(3).unwrap();
    assert_eq!(sa, sb);
    assert_eq!(a.model_bytes().unwrap(), b.model_bytes().unwrap());
    assert!(sa.examples > 1000, "{sa:?}");
    // Better than chance (ln 2 = 0.693) on a task with structure.
    assert!(sa.loss.unwrap() < 0.5, "{sa:?}");
    // Another seed gives other weights.
    let mut cfg = RecommenderConfig::default();
    cfg.rerank.seed = 7;
    let mut c = shop(cfg);
    c.train(3).unwrap();
    assert_ne!(c.model_bytes().unwrap(), a.model_bytes().unwrap());
}

#[test]
fn reranked_answers_keep_the_rules_and_reasons_sum_to_one() {
    let r = trained();
    for q in [
        Query::for_item("i04", 6),
        Query::for_cart(&["i10", "i11"], 8),
        Query::default(),
    ] {
        let out = r.also_buy(&q).unwrap();
        assert_eq!(out.len(), q.k);
        for s in &out {
            assert!(Some(&s.item) != q.item.as_ref() && !q.cart.contains(&s.item));
            let sum: f32 = s.reasons.iter().map(|x| x.share).sum();
            assert!((sum - 1.0).abs() < 1e-4, "{s:?}");
            assert!(s.reasons.iter().all(|x| x.share > 0.0 && x.share <= 1.0));
        }
        assert!(out.windows(2).all(|w| w[0].score >= w[1].score));
    }
    let out = r.also_buy(&Query::for_item("i04", 6)).unwrap();
    assert_eq!(
        out[0].item, "i05",
        "the strongest bought-with partner stays first"
    );
    assert!(
        out.iter()
            .any(|s| s.reasons.iter().any(|x| x.kind == ReasonKind::Learned)),
        "the model moves some items up and says so: {out:?}"
    );
    // Re-ranking off, or a zero weight, gives exactly the blend of a model-free recommender.
    let plain =
        Recommender::from_pack(&shop(RecommenderConfig::default()).export_pack().unwrap()).unwrap();
    let q = Query::for_item("i04", 6);
    let mut off = r.clone();
    off.set_rerank_enabled(false);
    assert_eq!(off.also_buy(&q).unwrap(), plain.also_buy(&q).unwrap());
    let mut zero = r.clone();
    zero.set_rerank_weight(0.0).unwrap();
    let scores = |out: Vec<alsobuy::Suggestion>| out.iter().map(|s| s.score).collect::<Vec<_>>();
    assert_eq!(
        scores(zero.also_buy(&q).unwrap()),
        scores(plain.also_buy(&q).unwrap())
    );
    assert!(matches!(
        zero.set_rerank_weight(f32::INFINITY),
        Err(Error::InvalidConfig {
            field: "rerank.weight",
            ..
        })
    ));
    assert_ne!(r.also_buy(&q).unwrap(), plain.also_buy(&q).unwrap());
}

#[test]
fn online_fine_tuning_moves_the_clicked_item_up() {
    let r = trained();
    let q = Query::for_item("i04", 8);
    let before = r.also_buy(&q).unwrap();
    let target = before.last().unwrap().item.clone();
    let learned_before = |r: &Recommender| {
        r.also_buy(&q)
            .unwrap()
            .into_iter()
            .find(|s| s.item == target)
            .map(|s| s.score)
    };
    let mut online = r.clone();
    let mut offline = r.clone();
    offline.set_online_learning(false);
    let start = learned_before(&online).unwrap();
    let mut t = 1e6;
    for rec in [&mut online, &mut offline] {
        rec.record(&ev(EventKind::View, "i04", t)).unwrap();
        for _ in 0..3 {
            for s in &before {
                t += 1.0;
                // Every shown suggestion gets an impression; the shopper picks the last one each time.
                rec.record(&ev(EventKind::Impression, &s.item, t)).unwrap();
            }
            t += 1.0;
            rec.record(&ev(EventKind::Click, &target, t)).unwrap();
            t += 1.0;
            rec.record(&ev(EventKind::Cart, &target, t)).unwrap();
            t += 1.0;
            rec.record(&ev(EventKind::RemoveFromCart, &target, t))
                .unwrap();
        }
    }
    let m = online.stats().model.unwrap();
    assert!(m.online_updates >= 3 * (8 + 2), "{m:?}");
    assert_eq!(offline.stats().model.unwrap().online_updates, 0);
    let (on, off) = (
        rank(&online, &q, &target).unwrap_or(usize::MAX),
        rank(&offline, &q, &target).unwrap_or(usize::MAX),
    );
    assert!(
        on <= off,
        "the clicked item ranks at least as high with online learning ({on}) as without ({off})"
    );
    // The feedback also changes the base sources (profile, personal co-occurrence); the model's part is
    // what online learning adds on top of them.
    let score = |r: &Recommender| {
        r.also_buy(&q)
            .unwrap()
            .into_iter()
            .find(|s| s.item == target)
            .map(|s| s.score)
            .unwrap()
    };
    assert!(
        score(&online) > score(&offline) + 0.05,
        "online {} vs offline {}",
        score(&online),
        score(&offline)
    );
    assert!(
        on < before.len() - 1,
        "it moved up from the last place: {on}"
    );
    let after = learned_before(&online).unwrap();
    assert!(after > start, "its score rose: {start} → {after}");
    let top = online
        .also_buy(&q)
        .unwrap()
        .into_iter()
        .find(|s| s.item == target)
        .unwrap();
    assert!(
        top.reasons.iter().any(|x| x.kind == ReasonKind::Learned),
        "{top:?}"
    );
    // Replaying the same events (e.g. from storage on reload) does not learn twice.
    let mut replayed = r.clone();
    replayed
        .replay(&ev(EventKind::View, "i04", 5e6 - 1.0))
        .unwrap();
    replayed
        .replay(&ev(EventKind::Click, &target, 5e6))
        .unwrap();
    assert_eq!(replayed.model(), r.model());
}

#[test]
fn models_survive_snapshots_packs_and_blobs_and_forget_restores_the_pack_model() {
    let r = trained();
    let pack_model = r.model().cloned().unwrap();
    let mut me = r.clone();
    me.record(&ev(EventKind::View, "i06", 1.0)).unwrap();
    me.record(&ev(EventKind::Cart, "i07", 2.0)).unwrap();
    me.record(&ev(EventKind::View, "i08", 3.0)).unwrap();
    me.record(&ev(EventKind::Purchase, "i09", 4.0)).unwrap();
    me.train(2).unwrap();
    assert_ne!(me.model(), Some(&pack_model));
    // Snapshot: both models round-trip.
    let snap = Recommender::from_bytes(&me.to_bytes().unwrap()).unwrap();
    assert_eq!(snap, me);
    // Model blob onto a fresh pack recommender.
    let blob = me.model_bytes().unwrap().unwrap();
    let mut other = r.clone();
    other.load_model_bytes(&blob).unwrap();
    assert_eq!(other.model(), me.model());
    let q = Query::for_cart(&["i06"], 5);
    assert_eq!(other.also_buy(&q).unwrap().len(), 5);
    // A blob for another feature width is refused, naming the problem; nothing changes.
    let mut narrow =
        Recommender::new(RecommenderConfig::builder().dim(16).build().unwrap()).unwrap();
    let err = narrow.load_model_bytes(&blob).unwrap_err();
    assert!(matches!(err, Error::PackDecode { .. }), "{err}");
    assert!(err.to_string().contains("inputs"), "{err}");
    assert!(narrow.model().is_none());
    assert!(other.load_model_bytes(&blob[..blob.len() - 3]).is_err());
    assert!(other.load_model_bytes(&r.export_pack().unwrap()).is_err());
    // Forget me: back to the pack's population model.
    me.forget_personal();
    assert_eq!(me.model(), Some(&pack_model));
    assert_eq!(me, r);
}

#[test]
fn the_cli_trains_the_population_model_into_the_pack() {
    let dir = tempfile::tempdir().unwrap();
    let baskets = dir.path().join("baskets.csv");
    let mut csv = String::from("basket_id,item\n");
    for b in 0..200 {
        let a = (b * 2) % 20;
        csv.push_str(&format!("{b},i{a}\n{b},i{}\n", a + 1));
    }
    std::fs::write(&baskets, csv).unwrap();
    let run = |out: &str, extra: &[&str]| {
        let out = dir.path().join(out);
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_alsobuy"))
            .args(["pack", "--baskets"])
            .arg(&baskets)
            .arg("--out")
            .arg(&out)
            .args(extra)
            .output()
            .unwrap();
        assert!(status.status.success(), "{status:?}");
        (std::fs::read(&out).unwrap(), status)
    };
    let (plain, _) = run("plain.pack", &[]);
    assert!(Recommender::from_pack(&plain).unwrap().model().is_none());
    let (trained, out) = run(
        "trained.pack",
        &["--train-epochs", "3", "--train-seed", "5"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("re-ranker trained on"), "{stderr}");
    let r = Recommender::from_pack(&trained).unwrap();
    let m = r.stats().model.unwrap();
    // One positive per basket, 6 hard negatives from the base ranking and 2 popularity-weighted ones.
    assert_eq!((m.epochs, m.examples), (3, 200 * 9), "{m:?}");
    let (again, _) = run("again.pack", &["--train-epochs", "3", "--train-seed", "5"]);
    assert_eq!(again, trained, "same seed and data, same bytes");
    // No positive example (single-item baskets) is an error naming the flag, and no file is written.
    std::fs::write(&baskets, "basket_id,item\n1,a\n2,b\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_alsobuy"))
        .args(["pack", "--train-epochs", "2", "--baskets"])
        .arg(&baskets)
        .arg("--out")
        .arg(dir.path().join("none.pack"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--train-epochs"));
    assert!(!dir.path().join("none.pack").exists());
}
