//! Seeded train/test splits on raw (string-id) events, and their preparation into index space.
//!
//! * [`basket_holdout`] — a share of sessions (baskets) is held out; from each held-out basket with at least
//!   two distinct items one item (seeded) is the target and the rest is the context ([`Holdout::One`]), or
//!   every distinct item in turn is the target of its own case ([`Holdout::Each`]; the cases of one basket
//!   share a cluster id, for the basket-clustered bootstrap). Anonymous queries.
//! * [`leave_last_out`] — per user with at least two distinct items, the item of their last interaction (by
//!   timestamp; ties keep input order) is the target; the rest stays in training and is the query's history.
//!
//! Both return a [`RawSplit`] whose `train` can be split again the same way: that is the validation split
//! used for tuning, so the test cases are never looked at while choosing defaults.

use std::collections::HashMap;

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};

use crate::ids::Interner;
use crate::interactions::{Interactions, InteractionsBuilder, InteractionsError};

/// One interaction with string ids.
#[derive(Debug, Clone, PartialEq)]
pub struct RawEvent {
    /// The user (`None`: anonymous, the session stands for the user).
    pub user: Option<String>,
    /// The session (basket).
    pub session: String,
    /// The item.
    pub item: String,
    /// Event weight (> 0).
    pub weight: f32,
    /// Timestamp (only the order matters).
    pub timestamp: i64,
}

/// One held-out case with string ids.
#[derive(Debug, Clone, PartialEq)]
pub struct RawCase {
    /// Whose history the query carries (`None`: anonymous).
    pub user: Option<String>,
    /// The context items.
    pub context: Vec<String>,
    /// The held-out item to find.
    pub target: String,
    /// The cluster the case belongs to (its basket for [`Holdout::Each`]; its own for [`Holdout::One`] and
    /// leave-last-out): the bootstrap resamples clusters. Dense, `0..` in order of first appearance.
    pub cluster: usize,
}

/// Which items of a held-out basket become test cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Holdout {
    /// One item per basket, drawn with the split's seeded generator (the leave-one-item-out).
    #[default]
    One,
    /// Every distinct item of the basket in turn (the rest of the basket is the context): one case per
    /// distinct item, all in the basket's cluster. No random draw beyond the basket shuffle.
    Each,
}

/// Training events and held-out cases.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawSplit {
    /// Events the models may learn from.
    pub train: Vec<RawEvent>,
    /// Cases to rank.
    pub cases: Vec<RawCase>,
    /// Whether the history of a case's user is excluded from its ranking.
    pub exclude_history: bool,
}

/// Holds out `fraction` of the sessions (seeded shuffle), one random item of each as the target.
/// Held-out sessions with fewer than two distinct items are dropped (nothing to condition on).
pub fn basket_holdout(events: &[RawEvent], fraction: f64, seed: u64) -> RawSplit {
    basket_holdout_with(events, fraction, seed, Holdout::One)
}

/// [`basket_holdout`] with the choice of targets: the held-out baskets depend on `seed` only (the basket
/// shuffle is drawn before any target), so [`Holdout::One`] and [`Holdout::Each`] hold out the same baskets.
pub fn basket_holdout_with(
    events: &[RawEvent],
    fraction: f64,
    seed: u64,
    holdout: Holdout,
) -> RawSplit {
    basket_split(events, seed, holdout, |pos, n| {
        pos < ((n as f64) * fraction.clamp(0.0, 1.0)).round() as usize
    })
}

/// Fold `fold` of a `k`-fold split of the sessions (seeded shuffle; session at shuffled position `p` is in
/// fold `p mod k`): that fold is held out as in [`basket_holdout`], the rest is training. Over
/// `fold = 0..k` every session is held out exactly once, so the pooled cases are distinct baskets.
pub fn basket_kfold(events: &[RawEvent], k: usize, fold: usize, seed: u64) -> RawSplit {
    basket_kfold_with(events, k, fold, seed, Holdout::One)
}

/// [`basket_kfold`] with the choice of targets (same folds for both [`Holdout`]s).
pub fn basket_kfold_with(
    events: &[RawEvent],
    k: usize,
    fold: usize,
    seed: u64,
    holdout: Holdout,
) -> RawSplit {
    let k = k.max(1);
    basket_split(events, seed, holdout, |pos, _| pos % k == fold % k)
}

fn basket_split(
    events: &[RawEvent],
    seed: u64,
    holdout: Holdout,
    held_out: impl Fn(usize, usize) -> bool,
) -> RawSplit {
    let mut order: Vec<&str> = Vec::new();
    let mut baskets: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, e) in events.iter().enumerate() {
        baskets
            .entry(e.session.as_str())
            .or_insert_with(|| {
                order.push(e.session.as_str());
                Vec::new()
            })
            .push(i);
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut shuffled = order.clone();
    shuffled.shuffle(&mut rng);
    let n = shuffled.len();
    let test: std::collections::HashSet<&str> = shuffled
        .iter()
        .enumerate()
        .filter(|&(p, _)| held_out(p, n))
        .map(|(_, s)| *s)
        .collect();
    let mut split = RawSplit::default();
    for s in &order {
        let idx = baskets.get(s).map(Vec::as_slice).unwrap_or(&[]);
        if !test.contains(s) {
            split
                .train
                .extend(idx.iter().filter_map(|&i| events.get(i)).cloned());
            continue;
        }
        let mut items: Vec<&str> = Vec::new();
        for &i in idx {
            if let Some(e) = events.get(i) {
                if !items.contains(&e.item.as_str()) {
                    items.push(&e.item);
                }
            }
        }
        if items.len() < 2 {
            continue;
        }
        match holdout {
            Holdout::One => {
                let t = rng.random_range(0..items.len());
                let target = items.remove(t).to_owned();
                split.cases.push(RawCase {
                    user: None,
                    context: items.into_iter().map(str::to_owned).collect(),
                    target,
                    cluster: split.cases.len(),
                });
            }
            Holdout::Each => {
                let cluster = split.cases.last().map_or(0, |c| c.cluster + 1);
                for (t, target) in items.iter().enumerate() {
                    split.cases.push(RawCase {
                        user: None,
                        context: items
                            .iter()
                            .enumerate()
                            .filter(|&(j, _)| j != t)
                            .map(|(_, it)| (*it).to_owned())
                            .collect(),
                        target: (*target).to_owned(),
                        cluster,
                    });
                }
            }
        }
    }
    split
}

/// Per named user, holds out the item of their last interaction (users with fewer than two distinct items
/// keep everything in training; anonymous events always stay in training). Events of the held-out item by
/// that user are all removed from training.
pub fn leave_last_out(events: &[RawEvent]) -> RawSplit {
    let mut by_user: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut order: Vec<&str> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let Some(u) = e.user.as_deref() else {
            continue;
        };
        by_user
            .entry(u)
            .or_insert_with(|| {
                order.push(u);
                Vec::new()
            })
            .push(i);
    }
    let mut held: HashMap<&str, &str> = HashMap::new();
    let mut split = RawSplit {
        exclude_history: true,
        ..RawSplit::default()
    };
    for u in &order {
        let mut idx = by_user.get(u).cloned().unwrap_or_default();
        idx.sort_by_key(|&i| (events.get(i).map_or(0, |e| e.timestamp), i));
        let Some(last) = idx.last().and_then(|&i| events.get(i)) else {
            continue;
        };
        let distinct = idx
            .iter()
            .filter_map(|&i| events.get(i))
            .filter(|e| e.item != last.item)
            .count();
        if distinct == 0 {
            continue;
        }
        held.insert(u, last.item.as_str());
        split.cases.push(RawCase {
            user: Some((*u).to_owned()),
            context: Vec::new(),
            target: last.item.clone(),
            cluster: split.cases.len(),
        });
    }
    for e in events {
        if let Some(u) = e.user.as_deref() {
            if held.get(u) == Some(&e.item.as_str()) {
                continue;
            }
        }
        split.train.push(e.clone());
    }
    split
}

/// A held-out case in index space.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The user row whose history the query carries, if any.
    pub row: Option<usize>,
    /// Context items.
    pub context: Vec<u32>,
    /// The item to find.
    pub target: u32,
    /// The case's cluster for the bootstrap (see [`RawCase::cluster`]).
    pub cluster: usize,
}

/// A split ready to evaluate: the training matrix and the cases in its index space.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Training interactions (catalogue items interned first).
    pub train: Interactions,
    /// Cases.
    pub cases: Vec<Case>,
    /// Whether the history is excluded from rankings.
    pub exclude_history: bool,
}

impl Prepared {
    /// The cluster id of every case, in case order (for [`super::metrics::bootstrap_clustered`]).
    pub fn clusters(&self) -> Vec<usize> {
        self.cases.iter().map(|c| c.cluster).collect()
    }

    /// Number of distinct clusters (baskets for [`Holdout::Each`]). `O(cases)`.
    pub fn n_clusters(&self) -> usize {
        let mut ids = self.clusters();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    }

    /// Appends the cases of `other` (another fold), shifting its cluster ids past this split's so clusters
    /// of different folds never merge. The training matrix stays this one's.
    pub fn pool(&mut self, other: Prepared) {
        let offset = self.cases.iter().map(|c| c.cluster + 1).max().unwrap_or(0);
        self.cases.extend(other.cases.into_iter().map(|mut c| {
            c.cluster += offset;
            c
        }));
    }
}

/// Interns `catalogue` then the training events, and maps the cases into that index space (targets or
/// context items never seen anywhere are interned too, so every case can be ranked).
pub fn prepare(split: &RawSplit, catalogue: &[String]) -> Result<Prepared, InteractionsError> {
    let mut items = Interner::new();
    for c in catalogue {
        items.intern(c)?;
    }
    for c in &split.cases {
        for it in c.context.iter().chain(std::iter::once(&c.target)) {
            items.intern(it)?;
        }
    }
    let mut b = InteractionsBuilder::with_items(items);
    for e in &split.train {
        b.push(
            e.user.as_deref(),
            &e.session,
            &e.item,
            e.weight,
            e.timestamp,
        )?;
    }
    let train = b.build();
    let mut cases = Vec::with_capacity(split.cases.len());
    for c in &split.cases {
        let Some(target) = train.items().get(&c.target) else {
            continue;
        };
        cases.push(Case {
            row: c.user.as_deref().and_then(|u| train.row_of_user(u)),
            context: c
                .context
                .iter()
                .filter_map(|it| train.items().get(it))
                .collect(),
            target,
            cluster: c.cluster,
        });
    }
    Ok(Prepared {
        train,
        cases,
        exclude_history: split.exclude_history,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(user: Option<&str>, s: &str, item: &str, ts: i64) -> RawEvent {
        RawEvent {
            user: user.map(str::to_owned),
            session: s.to_owned(),
            item: item.to_owned(),
            weight: 1.0,
            timestamp: ts,
        }
    }

    #[test]
    fn basket_holdout_is_seeded_and_disjoint() {
        let events: Vec<RawEvent> = (0..100)
            .flat_map(|b| {
                let s = format!("b{b}");
                vec![
                    ev(None, &s, "x", 0),
                    ev(None, &s, "y", 0),
                    ev(None, &s, "z", 0),
                ]
            })
            .collect();
        let a = basket_holdout(&events, 0.2, 42);
        assert_eq!(a, basket_holdout(&events, 0.2, 42));
        assert_ne!(a, basket_holdout(&events, 0.2, 7));
        assert_eq!(a.cases.len(), 20);
        assert_eq!(a.train.len(), 240);
        for c in &a.cases {
            assert_eq!(c.context.len(), 2);
            assert!(!c.context.contains(&c.target));
        }
    }

    #[test]
    fn kfold_holds_out_every_basket_exactly_once() {
        let events: Vec<RawEvent> = (0..50)
            .flat_map(|b| {
                let s = format!("b{b}");
                vec![ev(None, &s, "x", 0), ev(None, &s, &format!("y{b}"), 0)]
            })
            .collect();
        let mut targets_or_contexts: Vec<String> = Vec::new();
        for f in 0..5 {
            let s = basket_kfold(&events, 5, f, 42);
            assert_eq!(s.cases.len(), 10);
            assert_eq!(s.train.len(), 80);
            for c in &s.cases {
                // the basket-specific item identifies the basket
                let own = std::iter::once(&c.target)
                    .chain(&c.context)
                    .find(|i| i.starts_with('y'))
                    .cloned()
                    .unwrap();
                targets_or_contexts.push(own);
            }
        }
        targets_or_contexts.sort();
        targets_or_contexts.dedup();
        assert_eq!(targets_or_contexts.len(), 50);
    }

    /// The basket of a case: its sorted items (context and target).
    fn basket_of(c: &RawCase) -> Vec<String> {
        let mut b: Vec<String> = c.context.iter().chain([&c.target]).cloned().collect();
        b.sort();
        b
    }

    #[test]
    fn each_holds_out_every_item_of_the_same_baskets_as_one() {
        // Basket b has items "u{b}" (identifies it), "x", and b % 4 further items; "x" twice in some
        // baskets (distinct items count once); baskets of one distinct item are dropped by both.
        let events: Vec<RawEvent> = (0..60)
            .flat_map(|b| {
                let s = format!("b{b}");
                let mut v = vec![ev(None, &s, &format!("u{b}"), 0)];
                if b % 5 != 0 {
                    v.push(ev(None, &s, "x", 0));
                }
                if b % 3 == 0 {
                    v.push(ev(None, &s, "x", 0));
                }
                for j in 0..b % 4 {
                    v.push(ev(None, &s, &format!("i{j}"), 0));
                }
                v
            })
            .collect();
        for seed in [42, 7] {
            let splits = [
                (
                    basket_holdout(&events, 0.3, seed),
                    basket_holdout_with(&events, 0.3, seed, Holdout::Each),
                ),
                (
                    basket_kfold(&events, 4, 1, seed),
                    basket_kfold_with(&events, 4, 1, seed, Holdout::Each),
                ),
            ];
            for (one, each) in splits {
                assert_eq!(one.train, each.train);
                let mut one_baskets: Vec<Vec<String>> = one.cases.iter().map(basket_of).collect();
                let mut each_baskets: Vec<Vec<String>> = each.cases.iter().map(basket_of).collect();
                each_baskets.dedup();
                assert_eq!(one_baskets, each_baskets, "same baskets, same order");
                one_baskets.sort();
                one_baskets.dedup();
                assert_eq!(one_baskets.len(), one.cases.len());
                assert!(one.cases.len() >= 10, "{}", one.cases.len());
                // One: singleton clusters 0..n.
                for (i, c) in one.cases.iter().enumerate() {
                    assert_eq!(c.cluster, i);
                }
                // Each: a basket's cases are contiguous, share its cluster (0, 1, 2, … by basket) and
                // take every distinct item as the target exactly once.
                let mut cluster = 0;
                let mut i = 0;
                while let Some(first) = each.cases.get(i) {
                    let basket = basket_of(first);
                    let cases: Vec<&RawCase> = each.cases[i..]
                        .iter()
                        .take_while(|c| basket_of(c) == basket)
                        .collect();
                    assert_eq!(cases.len(), basket.len());
                    let mut targets: Vec<String> = cases.iter().map(|c| c.target.clone()).collect();
                    targets.sort();
                    assert_eq!(targets, basket);
                    for c in &cases {
                        assert_eq!(c.cluster, cluster);
                        assert_eq!(c.context.len(), basket.len() - 1);
                        assert!(!c.context.contains(&c.target));
                    }
                    cluster += 1;
                    i += cases.len();
                }
                assert_eq!(cluster, one.cases.len());
                let distinct: usize = one.cases.iter().map(|c| c.context.len() + 1).sum();
                assert_eq!(each.cases.len(), distinct);
                assert!(each.cases.len() > 2 * one.cases.len());
            }
        }
    }

    #[test]
    fn pooled_folds_keep_clusters_apart() {
        let events: Vec<RawEvent> = (0..20)
            .flat_map(|b| {
                let s = format!("b{b}");
                vec![ev(None, &s, "x", 0), ev(None, &s, &format!("y{b}"), 0)]
            })
            .collect();
        let fold = |f| prepare(&basket_kfold_with(&events, 2, f, 3, Holdout::Each), &[]).unwrap();
        let (mut a, b) = (fold(0), fold(1));
        assert_eq!((a.n_clusters(), b.n_clusters()), (10, 10));
        assert_eq!(a.cases.len(), 20);
        a.pool(b);
        assert_eq!((a.cases.len(), a.n_clusters()), (40, 20));
        let clusters = a.clusters();
        assert_eq!(clusters[20], 10);
        assert_eq!(clusters[39], 19);
    }

    #[test]
    fn leave_last_out_holds_out_the_latest_item() {
        let events = vec![
            ev(Some("u"), "s1", "a", 1),
            ev(Some("u"), "s1", "b", 3),
            ev(Some("u"), "s2", "c", 2),
            ev(Some("v"), "s3", "a", 1),
        ];
        let s = leave_last_out(&events);
        assert!(s.exclude_history);
        assert_eq!(s.cases.len(), 1);
        assert_eq!(s.cases[0].target, "b");
        assert_eq!(s.train.len(), 3);
        let p = prepare(&s, &[]).unwrap();
        assert_eq!(p.cases[0].row, p.train.row_of_user("u"));
        assert_eq!(p.train.items().name(p.cases[0].target), Some("b"));
        assert_eq!(p.train.popularity()[p.cases[0].target as usize], 0);
    }
}
