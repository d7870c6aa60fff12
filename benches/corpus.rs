//! `cargo bench`: kure's lint pipeline against a parse-only pass over the same files, and
//! fixing (every fix computed, applied and verified in memory) against linting.
//! Corpus: `KURE_BENCH_CORPUS`, default ../shared/corpus. Best of 5 runs each.

use std::path::PathBuf;
use std::time::{Duration, Instant};

fn best<F: FnMut()>(mut f: F) -> Duration {
    (0..5)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let corpus = std::env::var_os("KURE_BENCH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if !corpus.is_dir() {
        println!("skipped: no corpus at {}", corpus.display());
        return;
    }
    let opts = kure::walk::WalkOptions {
        exclude: &[],
        no_ignore: false,
        stdin_filename: None,
    };
    let (inputs, _) = kure::walk::discover(std::slice::from_ref(&corpus), &opts);
    let files: Vec<PathBuf> = inputs
        .into_iter()
        .filter_map(|i| match i {
            kure::walk::Input::File(p) => Some(p),
            kure::walk::Input::Stdin(_) => None,
        })
        .collect();
    let parse_only = best(|| {
        use rayon::prelude::*;
        let docs: usize = files
            .par_iter()
            .map(|p| {
                let Some(text) = std::fs::read(p).ok().and_then(|b| kure::decode(b).ok()) else {
                    return 0;
                };
                kure::yaml::parse(&text, kure::yaml::Limits::default())
                    .documents
                    .len()
            })
            .sum();
        std::hint::black_box(docs);
    });
    let lint = best(|| {
        let r = kure::lint(&kure::LintOptions {
            paths: vec![corpus.clone()],
            ..Default::default()
        });
        std::hint::black_box(r.map(|r| r.diagnostics.len()).unwrap_or(0));
    });
    let fix = best(|| {
        let r = kure::lint(&kure::LintOptions {
            paths: vec![corpus.clone()],
            fix: Some(kure::FixOptions {
                unsafe_fixes: true,
                write: false,
                only: None,
            }),
            ..Default::default()
        });
        std::hint::black_box(r.map(|r| r.changes.len()).unwrap_or(0));
    });
    let one = corpus.join("jpetazzo__container.training/k8s/dockercoins.yaml");
    let small = best(|| {
        let r = kure::lint(&kure::LintOptions {
            paths: vec![one.clone()],
            ..Default::default()
        });
        std::hint::black_box(r.map(|r| r.diagnostics.len()).unwrap_or(0));
    });
    println!("files: {}", files.len());
    println!(
        "parse only (read + parse, parallel): {:>8.1} ms",
        parse_only.as_secs_f64() * 1e3
    );
    println!(
        "lint, all rules:                     {:>8.1} ms  ({:.2}x parse-only)",
        lint.as_secs_f64() * 1e3,
        lint.as_secs_f64() / parse_only.as_secs_f64()
    );
    println!(
        "fix --unsafe-fixes, in memory:       {:>8.1} ms  ({:.2}x lint)",
        fix.as_secs_f64() * 1e3,
        fix.as_secs_f64() / lint.as_secs_f64()
    );
    println!(
        "lint one small file (dockercoins):   {:>8.2} ms",
        small.as_secs_f64() * 1e3
    );
}
