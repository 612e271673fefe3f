//! The `alsobuy recommend` CSV contract, exercised through the built binary on small temporary files.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TRAIN: &str = "user,session,item,event,timestamp
u1,s1,milk,purchase,10
u1,s1,bread,purchase,10
u1,s2,butter,cart,20
u2,s3,milk,view,5
u2,s3,eggs,purchase,6
,s4,bread,purchase,0
,s4,jam,purchase,0
u3,s5,milk,purchase,1
u3,s5,bread,view,2
u3,s5,jam,cart,3
";

const ITEMS: &str = "item,category,brand,price
milk,dairy/milk,Acme,1.10
bread,bakery,,2
cheese,dairy/cheese,,
";

const QUERIES: &str = "query,user,context
q1,u1,milk
q2,,bread jam
q3,u2,
q4,unknown-user,milk eggs
q5,,
";

struct Dir {
    dir: tempfile::TempDir,
}

impl Dir {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    fn file(&self, name: &str, content: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        fs::write(&p, content).unwrap();
        p
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn entries(&self) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

fn recommend(args: &[&str], train: &Path, queries: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_alsobuy"))
        .arg("recommend")
        .arg("--events")
        .arg(train)
        .arg("--queries")
        .arg(queries)
        .arg("--out")
        .arg(out)
        .args(args)
        .output()
        .unwrap()
}

/// Parses recs.csv into (query, rank, item, score) rows after checking the header.
fn read_recs(path: &Path) -> Vec<(String, usize, String, f32)> {
    let text = fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("query,rank,item,score"));
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            assert_eq!(f.len(), 4, "row {l:?}");
            (
                f[0].to_owned(),
                f[1].parse().unwrap(),
                f[2].to_owned(),
                f[3].parse().unwrap(),
            )
        })
        .collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn every_model_returns_exactly_k_rows_ranked_and_never_a_context_item() {
    let d = Dir::new();
    let (t, q, i) = (
        d.file("train.csv", TRAIN),
        d.file("queries.csv", QUERIES),
        d.file("items.csv", ITEMS),
    );
    for model in [
        "hybrid", "popular", "cooccur", "content", "knn", "ease", "blend", "mlp",
    ] {
        let out = d.path(&format!("recs-{model}.csv"));
        let o = recommend(
            &["--items", i.to_str().unwrap(), "--k", "3", "--model", model],
            &t,
            &q,
            &out,
        );
        assert!(o.status.success(), "{model}: {}", stderr(&o));
        let recs = read_recs(&out);
        let contexts = [
            ("q1", vec!["milk"]),
            ("q2", vec!["bread", "jam"]),
            ("q3", vec![]),
            ("q4", vec!["milk", "eggs"]),
            ("q5", vec![]),
        ];
        for (qid, ctx) in contexts {
            let rows: Vec<_> = recs.iter().filter(|r| r.0 == qid).collect();
            assert_eq!(rows.len(), 3, "{model} {qid}");
            assert_eq!(
                rows.iter().map(|r| r.1).collect::<Vec<_>>(),
                [1, 2, 3],
                "{model} {qid}"
            );
            for r in &rows {
                assert!(
                    !ctx.contains(&r.2.as_str()),
                    "{model} {qid} recommended context {}",
                    r.2
                );
                assert!(r.3.is_finite());
            }
            let mut items: Vec<_> = rows.iter().map(|r| &r.2).collect();
            items.dedup();
            assert_eq!(items.len(), 3, "{model} {qid}: duplicate items");
            assert!(
                rows.windows(2).all(|w| w[0].3 >= w[1].3),
                "{model} {qid}: not sorted"
            );
        }
        // Queries keep their input order.
        let order: Vec<_> = recs.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(order.first(), Some(&"q1"));
        assert_eq!(order.last(), Some(&"q5"));
    }
}

#[test]
fn items_without_a_catalogue_row_and_catalogue_only_items_are_both_recommendable() {
    let d = Dir::new();
    let (t, i) = (d.file("train.csv", TRAIN), d.file("items.csv", ITEMS));
    // Catalogue: 6 distinct items (milk, bread, cheese from items.csv; butter, eggs, jam only in train).
    let q = d.file("queries.csv", "query,user,context\nq,,milk\n");
    let out = d.path("recs.csv");
    let o = recommend(&["--items", i.to_str().unwrap(), "--k", "5"], &t, &q, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let items: Vec<String> = read_recs(&out).into_iter().map(|r| r.2).collect();
    let mut sorted = items.clone();
    sorted.sort();
    assert_eq!(sorted, ["bread", "butter", "cheese", "eggs", "jam"]);
}

#[test]
fn fewer_rows_only_when_the_catalogue_runs_out() {
    let d = Dir::new();
    let t = d.file("train.csv", TRAIN);
    let q = d.file("queries.csv", "query,user,context\nq,,milk bread\n");
    let out = d.path("recs.csv");
    let o = recommend(&["--k", "50"], &t, &q, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    // 5 items in train, 2 in context → 3 left.
    assert_eq!(read_recs(&out).len(), 3);
}

#[test]
fn exclude_history_removes_the_users_items() {
    let d = Dir::new();
    let t = d.file("train.csv", TRAIN);
    let q = d.file("queries.csv", "query,user,context\nq,u1,\n");
    let out = d.path("recs.csv");
    for model in [
        "hybrid", "popular", "cooccur", "content", "knn", "ease", "blend", "mlp",
    ] {
        let o = recommend(
            &["--k", "2", "--exclude-history", "--model", model],
            &t,
            &q,
            &out,
        );
        assert!(o.status.success(), "{model}: {}", stderr(&o));
        let items: Vec<String> = read_recs(&out).into_iter().map(|r| r.2).collect();
        assert_eq!(items.len(), 2, "{model}");
        for h in ["milk", "bread", "butter"] {
            assert!(
                !items.contains(&h.to_owned()),
                "{model}: history item {h} recommended"
            );
        }
    }
    // Without the flag, a history item may come back (rebuying): the flag is what removes them.
    let o = recommend(&["--k", "5"], &t, &q, &out);
    assert!(o.status.success());
    let items: Vec<String> = read_recs(&out).into_iter().map(|r| r.2).collect();
    assert!(items
        .iter()
        .any(|i| ["milk", "bread", "butter"].contains(&i.as_str())));
}

fn assert_bad_input(o: &Output, file: &str, line: &str, field: &str) {
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(o));
    let e = stderr(o);
    assert!(e.contains(file), "{e}");
    assert!(e.contains(line), "{e}");
    assert!(e.contains(field), "{e}");
}

#[test]
fn bad_input_exits_2_naming_file_line_field_and_leaves_out_untouched() {
    let d = Dir::new();
    let q = d.file("queries.csv", QUERIES);
    let out = d.file("recs.csv", "previous content\n");
    let cases = [
        (
            TRAIN.replace("u2,s3,eggs,purchase,6", "u2,s3,eggs,click,6"),
            "line 6",
            "`event`",
            "click",
        ),
        (
            TRAIN.replace("u2,s3,eggs,purchase,6", "u2,s3,eggs,purchase,6.5"),
            "line 6",
            "`timestamp`",
            "6.5",
        ),
        (
            TRAIN.replace("u1,s1,milk,purchase,10", "u1,s1,milk,purchase,yesterday"),
            "line 2",
            "`timestamp`",
            "yesterday",
        ),
        (
            TRAIN.replacen(
                "user,session,item,event,timestamp",
                "user,session,item,timestamp",
                1,
            ),
            "line 1",
            "`event`",
            "missing column",
        ),
    ];
    for (train, line, field, value) in cases {
        let t = d.file("train.csv", &train);
        let o = recommend(&[], &t, &q, &out);
        assert_bad_input(&o, "train.csv", line, field);
        assert!(stderr(&o).contains(value), "{}", stderr(&o));
        assert_eq!(fs::read_to_string(&out).unwrap(), "previous content\n");
    }
    assert_eq!(d.entries(), ["queries.csv", "recs.csv", "train.csv"]);
}

#[test]
fn duplicate_query_id_fails_without_partial_output() {
    let d = Dir::new();
    let t = d.file("train.csv", TRAIN);
    let q = d.file(
        "queries.csv",
        "query,user,context\nq1,,milk\nq2,,\nq1,u1,\n",
    );
    let out = d.path("recs.csv");
    let o = recommend(&[], &t, &q, &out);
    assert_bad_input(&o, "queries.csv", "line 4", "`query`");
    assert!(stderr(&o).contains("duplicate"));
    assert!(!out.exists(), "partial output written");
    assert_eq!(
        d.entries(),
        ["queries.csv", "train.csv"],
        "temp file left behind"
    );
}

#[test]
fn bad_queries_and_items_files_are_reported() {
    let d = Dir::new();
    let t = d.file("train.csv", TRAIN);
    let out = d.path("recs.csv");
    let q = d.file("queries.csv", "query,context\nq1,milk\n");
    assert_bad_input(
        &recommend(&[], &t, &q, &out),
        "queries.csv",
        "line 1",
        "`user`",
    );
    let q = d.file("queries.csv", QUERIES);
    let i = d.file(
        "items.csv",
        "item,category,brand,price\nmilk,dairy,,cheap\n",
    );
    let o = recommend(&["--items", i.to_str().unwrap()], &t, &q, &out);
    assert_bad_input(&o, "items.csv", "line 2", "`price`");
    let o = recommend(&[], &d.path("missing.csv"), &q, &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.csv"));
    assert!(!out.exists());
}

#[test]
fn unknown_models_exit_2_naming_the_choices() {
    let d = Dir::new();
    let (t, q) = (d.file("train.csv", TRAIN), d.file("queries.csv", QUERIES));
    let out = d.path("recs.csv");
    let o = recommend(&["--model", "magic"], &t, &q, &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown model \"magic\""),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("popular, cooccur, content, knn, ease, blend, mlp, hybrid"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

#[test]
fn seed_is_accepted_and_output_is_deterministic() {
    let d = Dir::new();
    let (t, q) = (d.file("train.csv", TRAIN), d.file("queries.csv", QUERIES));
    let (a, b) = (d.path("a.csv"), d.path("b.csv"));
    assert!(recommend(&["--seed", "7"], &t, &q, &a).status.success());
    assert!(recommend(&["--seed", "7"], &t, &q, &b).status.success());
    assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
}

#[test]
fn ease_refuses_catalogues_over_5000_items_and_hybrid_falls_back() {
    let d = Dir::new();
    let mut items = String::from("item,category,brand,price\n");
    for i in 0..5001 {
        items.push_str(&format!("p{i},c,,\n"));
    }
    let (t, q, i) = (
        d.file("train.csv", TRAIN),
        d.file("queries.csv", QUERIES),
        d.file("items.csv", &items),
    );
    let out = d.path("recs.csv");
    let o = recommend(
        &["--items", i.to_str().unwrap(), "--model", "ease"],
        &t,
        &q,
        &out,
    );
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("5006 items") && e.contains("5000"), "{e}");
    assert!(!out.exists());
    let o = recommend(&["--items", i.to_str().unwrap(), "--k", "4"], &t, &q, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(read_recs(&out).len(), 5 * 4);
}
