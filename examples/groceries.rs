//! "Customers also bought" on the Groceries dataset (9,835 real baskets, 169 items; Hahsler, Hornik &
//! Reutterer 2006, from the R package arules).
//!
//! ```text
//! cargo run --release --example groceries                 # also-buy lists with reasons
//! cargo run --release --example groceries -- --compare    # + co-occurrence normalisations measured
//! cargo run --release --example groceries -- path/to/groceries [--compare]
//! ```
//!
//! The shop side records every basket as purchase events (one session per basket) and exports an aggregate
//! pack; the shopper side loads the pack (no individual's events) and asks for suggestions, then records a
//! few events of its own to show personalisation.

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::path::{Path, PathBuf};

use alsobuy::catalog::Item;
use alsobuy::cooccur::{CoOccurrence, CooccurConfig, Layers, Normalisation};
use alsobuy::events::{Event, EventKind};
use alsobuy::recommend::{Query, Recommender, RecommenderConfig, Suggestion};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

type Res<T> = Result<T, Box<dyn StdError>>;

/// Splits one CSV line with optional double quotes (no embedded newlines in this dataset).
fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn load(dir: &Path) -> Res<(Vec<Item>, Vec<Vec<String>>)> {
    let items_csv = std::fs::read_to_string(dir.join("groceries_items.csv"))?;
    let mut items = Vec::new();
    for line in items_csv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f = fields(line);
        let (Some(name), Some(l2), Some(l1)) = (f.first(), f.get(1), f.get(2)) else {
            return Err(format!("bad items line: {line}").into());
        };
        items.push(Item::new(name, &format!("{l1}/{l2}")));
    }
    let baskets_csv = std::fs::read_to_string(dir.join("groceries_baskets.csv"))?;
    let mut baskets: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for line in baskets_csv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let f = fields(line);
        let (Some(id), Some(item)) = (f.first(), f.get(1)) else {
            return Err(format!("bad baskets line: {line}").into());
        };
        baskets.entry(id.parse()?).or_default().push(item.clone());
    }
    Ok((items, baskets.into_values().collect()))
}

fn shop_recommender(items: &[Item], baskets: &[&Vec<String>]) -> Res<Recommender> {
    let mut r = Recommender::new(RecommenderConfig::default())?;
    r.set_catalog(items.to_vec())?;
    let events: Vec<Event> = baskets
        .iter()
        .enumerate()
        .flat_map(|(b, basket)| {
            basket
                .iter()
                .map(move |it| Event::new(EventKind::Purchase, it, &format!("basket-{b}"), 0.0))
        })
        .collect();
    let report = r.record_many(&events);
    if !report.rejected.is_empty() {
        return Err(format!("rejected events: {:?}", report.rejected.first()).into());
    }
    Ok(r)
}

fn print(title: &str, out: &[Suggestion]) {
    println!("{title}");
    for (rank, s) in out.iter().enumerate() {
        let why: Vec<String> = s
            .reasons
            .iter()
            .map(|r| {
                let kind = serde_kind(r.kind);
                match &r.item {
                    Some(i) => format!("{kind} {i} {:.0}%", r.share * 100.0),
                    None => format!("{kind} {:.0}%", r.share * 100.0),
                }
            })
            .collect();
        println!(
            "  {:>2}. {:<24} {:.3}  {}",
            rank + 1,
            s.item,
            s.score,
            why.join(", ")
        );
    }
}

fn serde_kind(k: alsobuy::recommend::ReasonKind) -> &'static str {
    use alsobuy::recommend::ReasonKind::*;
    match k {
        BoughtWith => "bought with",
        SimilarTo => "similar to",
        MatchesYourInterest => "matches your interest",
        BoughtBefore => "bought before",
        Popular => "popular",
        Learned => "picked for you",
    }
}

/// Leave-one-item-out on 20% held-out baskets (seed 42): HR@10, MRR@10 and the mean basket share of the
/// suggested items (best-seller bias), for several ways to rank.
fn compare(items: &[Item], baskets: &[Vec<String>]) -> Res<()> {
    let mut rng = StdRng::seed_from_u64(42);
    let mut train = Vec::new();
    let mut test = Vec::new();
    for b in baskets {
        if rng.random_bool(0.2) && b.len() >= 2 {
            let held = rng.random_range(0..b.len());
            test.push((b, held));
        } else {
            train.push(b);
        }
    }
    pick_rerank_weight(items, &train)?;
    let shop = shop_recommender(items, &train)?;
    let pack = shop.export_pack()?;
    let browser = Recommender::from_pack(&pack)?;
    // The same pack with the population re-ranker trained on the training baskets (as `--train-epochs 3`).
    let mut trained_shop = shop;
    let m = trained_shop.train(3)?;
    eprintln!(
        "re-ranker: {} examples, {} epochs, loss {:?}, validation {:?}",
        m.examples, m.epochs, m.loss, m.validation_loss
    );
    let reranked = Recommender::from_pack(&trained_shop.export_pack()?)?;
    let mut reranked_01 = reranked.clone();
    reranked_01.set_rerank_weight(0.1)?;
    let mut reranked_05 = reranked.clone();
    reranked_05.set_rerank_weight(0.5)?;
    let mut reranked_03 = reranked.clone();
    reranked_03.set_rerank_weight(0.3)?;
    let mut reranked_02 = reranked.clone();
    reranked_02.set_rerank_weight(0.2)?;
    let mut reranked_1 = reranked.clone();
    reranked_1.set_rerank_weight(1.0)?;
    // Basket share of each item in the training baskets.
    let mut freq: BTreeMap<&str, f64> = BTreeMap::new();
    for b in &train {
        for it in b.iter() {
            *freq.entry(it.as_str()).or_default() += 1.0 / train.len() as f64;
        }
    }
    // Raw co-occurrence from the training baskets, in the item order of the catalogue.
    let index: BTreeMap<&str, u32> = items
        .iter()
        .enumerate()
        .map(|(i, it)| (it.id.as_str(), i as u32))
        .collect();
    let baskets_idx: Vec<(u32, Vec<(u32, f32)>)> = train
        .iter()
        .enumerate()
        .map(|(s, b)| {
            let v = b
                .iter()
                .filter_map(|it| index.get(it.as_str()).map(|&i| (i, 5.0)))
                .collect();
            (s as u32, v)
        })
        .collect();
    let counts = CoOccurrence::from_baskets(baskets_idx.iter().map(|(s, b)| (*s, b.as_slice())));
    println!(
        "\nLeave-one-item-out on {} held-out baskets (train {}), seed 42",
        test.len(),
        train.len()
    );
    let mut by_freq: Vec<(&str, f64)> = freq.iter().map(|(k, v)| (*k, *v)).collect();
    by_freq.sort_by(|a, b| b.1.total_cmp(&a.1));
    let top10: Vec<&str> = by_freq.iter().take(10).map(|x| x.0).collect();
    println!(
        "{:<34} {:>7} {:>8} {:>8} {:>10} {:>9}",
        "ranking", "HR@10", "MRR@10", "pop", "top-10 %", "coverage"
    );
    let variants = [
        ("co-occurrence raw", Normalisation::Raw, 0.0),
        ("co-occurrence cosine β=0", Normalisation::Cosine, 0.0),
        ("co-occurrence cosine β=5", Normalisation::Cosine, 5.0),
        ("co-occurrence cosine β=25", Normalisation::Cosine, 25.0),
        ("co-occurrence lift β=0", Normalisation::Lift, 0.0),
        ("co-occurrence lift β=5", Normalisation::Lift, 5.0),
        ("co-occurrence lift β=100", Normalisation::Lift, 100.0),
        (
            "asym. cosine α=0.6 β=25",
            Normalisation::AsymmetricCosine { alpha: 0.6 },
            25.0,
        ),
        (
            "asym. cosine α=0.7 β=25 (default)",
            Normalisation::AsymmetricCosine { alpha: 0.7 },
            25.0,
        ),
        (
            "asym. cosine α=0.8 β=25",
            Normalisation::AsymmetricCosine { alpha: 0.8 },
            25.0,
        ),
        (
            "asym. cosine α=0.7 β=50",
            Normalisation::AsymmetricCosine { alpha: 0.7 },
            50.0,
        ),
    ];
    let names: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    for (label, normalisation, shrinkage) in variants {
        let layers = [&counts];
        let view = Layers {
            layers: &layers,
            config: CooccurConfig {
                normalisation,
                shrinkage,
            },
        };
        let mut t = Tally::default();
        for (b, held) in &test {
            let context: Vec<u32> = b
                .iter()
                .enumerate()
                .filter(|(i, _)| i != held)
                .filter_map(|(_, it)| index.get(it.as_str()).copied())
                .collect();
            let mut score = vec![0.0f32; items.len()];
            for &c in &context {
                let list = view.neighbours(c, 200);
                let top = list
                    .first()
                    .map(|x| x.1)
                    .unwrap_or(1.0)
                    .max(f32::MIN_POSITIVE);
                for (j, s) in list {
                    if let Some(x) = score.get_mut(j as usize) {
                        *x += s / top;
                    }
                }
            }
            let ranked = alsobuy::similarity::top_k_filtered(&score, 10, |i| {
                !context.contains(&(i as u32)) && score.get(i).is_some_and(|s| *s > 0.0)
            });
            let ranked: Vec<&str> = ranked
                .iter()
                .filter_map(|(i, _)| names.get(*i).copied())
                .collect();
            tally(&ranked, &b[*held], &freq, &top10, &mut t);
        }
        row(label, &t, test.len(), items.len());
    }
    for (label, blend_only_pop, browser) in [
        ("popularity", true, &browser),
        ("recommender default blend (pack)", false, &browser),
        ("+ MLP re-ranker, weight 0.1", false, &reranked_01),
        ("+ MLP re-ranker, weight 0.2", false, &reranked_02),
        ("+ MLP re-ranker, weight 0.3 (default)", false, &reranked_03),
        ("+ MLP re-ranker, weight 0.5", false, &reranked_05),
        ("+ MLP re-ranker, weight 1.0", false, &reranked_1),
    ] {
        let mut t = Tally::default();
        for (b, held) in &test {
            let cart: Vec<String> = b
                .iter()
                .enumerate()
                .filter(|(i, _)| i != held)
                .map(|(_, it)| it.clone())
                .collect();
            let out = if blend_only_pop {
                browser
                    .also_buy(&Query::for_cart::<String>(&[], 10 + cart.len()))?
                    .into_iter()
                    .filter(|s| !cart.contains(&s.item))
                    .take(10)
                    .collect()
            } else {
                browser.also_buy(&Query::for_cart(&cart, 10))?
            };
            let ranked: Vec<&str> = out
                .iter()
                .filter_map(|s| names.iter().find(|n| **n == s.item).copied())
                .collect();
            tally(&ranked, &b[*held], &freq, &top10, &mut t);
        }
        row(label, &t, test.len(), items.len());
    }
    Ok(())
}

/// Chooses the re-ranker's blend weight on a validation split carved from the **training** baskets (never
/// the test cases): 10 % of them (seed 7) held out leave-one-item-out, the rest recorded and trained on as
/// in the comparison; prints HR@10 and MRR@10 per weight.
fn pick_rerank_weight(items: &[Item], train: &[&Vec<String>]) -> Res<()> {
    let mut rng = StdRng::seed_from_u64(7);
    let mut fit = Vec::new();
    let mut valid = Vec::new();
    for b in train {
        if rng.random_bool(0.1) && b.len() >= 2 {
            valid.push((*b, rng.random_range(0..b.len())));
        } else {
            fit.push(*b);
        }
    }
    let mut shop = shop_recommender(items, &fit)?;
    let base = Recommender::from_pack(&shop.export_pack()?)?;
    shop.train(3)?;
    let model = Recommender::from_pack(&shop.export_pack()?)?;
    println!(
        "\nRe-ranker weight on a validation split of the training baskets ({} cases, fit on {})",
        valid.len(),
        fit.len()
    );
    println!("{:<34} {:>7} {:>8}", "weight", "HR@10", "MRR@10");
    let mut runs = vec![("no model".to_owned(), base)];
    for w in [0.05f32, 0.1, 0.2, 0.3, 0.5, 1.0] {
        let mut r = model.clone();
        r.set_rerank_weight(w)?;
        runs.push((format!("{w}"), r));
    }
    for (label, r) in &runs {
        let (mut hr, mut mrr) = (0.0f64, 0.0f64);
        for (b, held) in &valid {
            let cart: Vec<String> = b
                .iter()
                .enumerate()
                .filter(|(i, _)| i != held)
                .map(|(_, it)| it.clone())
                .collect();
            let out = r.also_buy(&Query::for_cart(&cart, 10))?;
            if let Some(rank) = out.iter().position(|s| s.item == b[*held]) {
                hr += 1.0;
                mrr += 1.0 / (rank + 1) as f64;
            }
        }
        let n = valid.len().max(1) as f64;
        println!("{label:<34} {:>7.3} {:>8.3}", hr / n, mrr / n);
    }
    Ok(())
}

#[derive(Default)]
struct Tally<'a> {
    hr: f64,
    mrr: f64,
    pop: f64,
    n: f64,
    best_sellers: f64,
    seen: std::collections::BTreeSet<&'a str>,
}

fn tally<'a>(
    ranked: &[&'a str],
    held: &str,
    freq: &BTreeMap<&str, f64>,
    top10: &[&str],
    t: &mut Tally<'a>,
) {
    let (hr, mrr, pop, npop) = (&mut t.hr, &mut t.mrr, &mut t.pop, &mut t.n);
    for x in ranked {
        t.seen.insert(x);
        if top10.contains(x) {
            t.best_sellers += 1.0;
        }
    }
    if let Some(p) = ranked.iter().position(|x| *x == held) {
        *hr += 1.0;
        *mrr += 1.0 / (p + 1) as f64;
    }
    for x in ranked {
        *pop += freq.get(x).copied().unwrap_or(0.0);
        *npop += 1.0;
    }
}

fn row(label: &str, t: &Tally, n: usize, catalogue: usize) {
    let n = n.max(1) as f64;
    println!(
        "{label:<34} {:>7.3} {:>8.3} {:>8.3} {:>10.3} {:>9.3}",
        t.hr / n,
        t.mrr / n,
        t.pop / t.n.max(1.0),
        t.best_sellers / t.n.max(1.0),
        t.seen.len() as f64 / catalogue.max(1) as f64
    );
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/data/groceries"));
    let (items, baskets) = load(&dir)?;
    println!(
        "Groceries: {} items, {} baskets (Hahsler, Hornik & Reutterer 2006; R package arules)",
        items.len(),
        baskets.len()
    );
    let all: Vec<&Vec<String>> = baskets.iter().collect();
    let shop = shop_recommender(&items, &all)?;
    let pack = shop.export_pack()?;
    println!(
        "shop: {} events → aggregate pack of {} bytes",
        shop.stats().events,
        pack.len()
    );
    let mut shopper = Recommender::from_pack(&pack)?;
    for it in ["whole milk", "rolls/buns", "canned beer"] {
        print(
            &format!("\nCustomers who buy {it:?} also buy:"),
            &shopper.also_buy(&Query::for_item(it, 6))?,
        );
    }
    print(
        "\nCart [\"pasta\", \"beef\"]:",
        &shopper.also_buy(&Query::for_cart(&["pasta", "beef"], 6))?,
    );
    // The shopper's own behaviour on top of the pack.
    let t0 = 1_700_000_000_000.0;
    for (i, it) in ["red/blush wine", "white wine", "specialty cheese"]
        .iter()
        .enumerate()
    {
        shopper.record(&Event::new(
            EventKind::Purchase,
            it,
            "last-week",
            t0 + i as f64,
        ))?;
    }
    shopper.record(&Event::search("cheese", "today", t0 + 86_400_000.0))?;
    print(
        "\nSame \"canned beer\" page, for a shopper who bought wine and cheese last week and searched \"cheese\":",
        &shopper.also_buy(&Query::for_item("canned beer", 6))?,
    );
    if args.iter().any(|a| a == "--compare") {
        compare(&items, &baskets)?;
    }
    Ok(())
}
