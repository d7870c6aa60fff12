//! `kure render` against `kubectl kustomize` (the kustomize inside kubectl 1.37 from
//! ../shared/tools/install-peers.sh): every kustomization directory of ../shared/corpus and
//! ../shared/gitops that kubectl renders offline gives the same objects in the same order
//! (both outputs read by the same YAML reader and compared as JSON), and every one it does
//! not render is an error of kure's too. The directories kure does not render yet, and the
//! ones whose output differs, are listed with the reason in `tests/render_oracle.expected`.

mod common;
use common::*;
use kure::render::value::{V, write_json};
use std::path::{Path, PathBuf};

/// The objects of a YAML stream, as JSON values (mapping order ignored).
fn objects(text: &str) -> Vec<serde_json::Value> {
    let stream = kure::yaml::parse(text, kure::yaml::Limits::default());
    assert!(stream.errors.is_empty(), "{:?}", stream.errors.first());
    stream
        .documents
        .iter()
        .filter_map(|d| d.root.map(|r| V::from_doc(d, r)))
        .filter(|v| !matches!(v, V::Null))
        .map(|v| {
            let mut s = String::new();
            write_json(&mut s, &v);
            serde_json::from_str(&s).unwrap()
        })
        .collect()
}

fn kustomization_dirs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if matches!(
                p.file_name().and_then(|n| n.to_str()),
                Some("kustomization.yaml" | "kustomization.yml" | "Kustomization")
            ) {
                out.push(d.clone());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[test]
#[cfg_attr(
    any(kure_no_shared, kure_no_peers),
    ignore = "needs ../shared/corpus, ../shared/gitops and the peer tools (../shared/tools/install-peers.sh)"
)]
fn kure_renders_what_kubectl_kustomize_renders() {
    let Some(kubectl) = require_kubectl() else {
        return;
    };
    let Some(corpus) = require_corpus() else {
        return;
    };
    let shared = corpus.parent().unwrap().to_path_buf();
    let expected_text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/render_oracle.expected"),
    )
    .unwrap();
    let expected: Vec<(&str, &str)> = expected_text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (dir, why) = l.split_once('\t').unwrap();
            (dir, why)
        })
        .collect();
    let home = tempfile::tempdir().unwrap();
    let (mut same, mut both_refuse, mut listed) = (0, 0, 0);
    let mut unexplained = Vec::new();
    let mut seen = Vec::new();
    for top in ["corpus", "gitops"] {
        for dir in kustomization_dirs(&shared.join(top)) {
            let rel = dir.strip_prefix(&shared).unwrap().display().to_string();
            let want = std::process::Command::new(&kubectl)
                .env_clear()
                .env("HOME", home.path())
                .args(["kustomize"])
                .arg(&dir)
                .output()
                .unwrap();
            let got = run(&["render", dir.to_str().unwrap()], None);
            let verdict = match (want.status.success(), got.code) {
                (true, 0) => {
                    if objects(&String::from_utf8_lossy(&want.stdout)) == objects(&got.stdout) {
                        same += 1;
                        continue;
                    }
                    "differs"
                }
                (true, _) => "kure refuses",
                (false, 0) => "kubectl refuses, kure renders",
                (false, _) => {
                    // both refuse: kure's error names the file
                    assert!(
                        got.stderr.starts_with("kure: error: ") && got.stderr.contains(".y"),
                        "{rel}: {}",
                        got.stderr
                    );
                    both_refuse += 1;
                    continue;
                }
            };
            seen.push(rel.clone());
            if expected.iter().any(|(d, _)| *d == rel) {
                listed += 1;
            } else {
                unexplained.push(format!("{verdict}\t{rel}\t{}", got.stderr.trim()));
            }
        }
    }
    let stale: Vec<&&str> = expected
        .iter()
        .map(|(d, _)| d)
        .filter(|d| !seen.iter().any(|s| s == **d))
        .collect();
    println!(
        "{same} rendered alike, {both_refuse} refused by both, {listed} listed in render_oracle.expected"
    );
    assert!(
        unexplained.is_empty() && stale.is_empty(),
        "unexplained (fix kure, or list each with its reason in tests/render_oracle.expected):\n{}\nlisted but no longer seen:\n{stale:#?}",
        unexplained.join("\n")
    );
    assert!(same > 100, "{same}");
}
