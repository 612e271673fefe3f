//! Arbitrary file contents into the CLI readers (`recommend`'s items and events CSV; `pack`'s baskets,
//! events, items CSV and catalogue JSON): a `CliError` naming file, line and field, or success, never a
//! panic; a pack the CLI writes always loads.
//!
//! The first byte picks the reader; the rest is the file.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use alsobuy::cli::pack::{self, PackArgs};
use alsobuy::cli::recommend::{read_events, read_items};
use alsobuy::cli::CliError;
use alsobuy::scorers::{ModelLimits, TrainingData};
use alsobuy::Recommender;
use libfuzzer_sys::fuzz_target;

struct Paths {
    input: PathBuf,
    baskets: PathBuf,
    out: PathBuf,
}

fn paths() -> &'static Paths {
    static P: OnceLock<Paths> = OnceLock::new();
    P.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("alsobuy-fuzz-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let baskets = dir.join("baskets.csv");
        std::fs::write(
            &baskets,
            "basket_id,item\n1,milk\n1,bread\n2,milk\n2,butter\n",
        )
        .expect("baskets");
        Paths {
            input: dir.join("input"),
            baskets,
            out: dir.join("out.pack"),
        }
    })
}

fn check(r: Result<(), CliError>) {
    if let Err(e) = r {
        let msg = e.to_string();
        assert!(!msg.is_empty());
        assert!(
            matches!(
                e,
                CliError::BadInput { .. } | CliError::Io { .. } | CliError::Usage(_)
            ),
            "{msg}"
        );
    }
}

/// What `alsobuy recommend` reads its files into (no limits, as the CLI).
fn fresh() -> TrainingData {
    TrainingData::with_limits(ModelLimits::unlimited()).expect("unlimited limits are valid")
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, content)) = data.split_first() else {
        return;
    };
    let p = paths();
    std::fs::write(&p.input, content).expect("write input");
    let _ = std::fs::remove_file(&p.out);
    let args = |events: bool, baskets: bool, items: bool, catalog: bool| PackArgs {
        events: events.then(|| p.input.clone()),
        baskets: if baskets {
            Some(p.input.clone())
        } else if events {
            None
        } else {
            Some(p.baskets.clone())
        },
        items: items.then(|| p.input.clone()),
        catalog: catalog.then(|| p.input.clone()),
        out: p.out.clone(),
        train_epochs: 0,
        train_max_examples: 20_000,
        train_seed: 42,
    };
    match mode % 6 {
        0 => check(read_items(&p.input, &mut fresh())),
        1 => check(read_events(&p.input, &mut fresh())),
        2 => check(pack::run(&args(false, true, false, false))),
        3 => check(pack::run(&args(true, false, false, false))),
        4 => check(pack::run(&args(false, false, true, false))),
        _ => check(pack::run(&args(false, false, false, true))),
    }
    if mode % 6 >= 2 {
        if let Ok(bytes) = std::fs::read(&p.out) {
            Recommender::from_pack(&bytes).expect("a pack the CLI wrote loads");
        }
    }
});
