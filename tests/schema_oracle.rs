//! The schema rules against kubernetes-validate's strict schemas on ../shared/corpus, both
//! ways: every field it rejects (unknown, wrong type, required and absent) kure reports at
//! that path, and every schema finding kure makes it makes too, except the disagreements
//! listed with their reasons in `tests/schema_oracle.expected` (the hand-kept rules of
//! `model/api_rules.rs`, kustomize patches, Helm and ytt templates, YAML read two ways).
//! kubernetes-validate stops at an object's first error; `tests/support/kv_all.py` asks its
//! validator for every error, as kure reports every one.

mod common;
use common::*;
use std::collections::{BTreeMap, BTreeSet};

/// (file, kind, name) of an object.
type Key = (String, String, String);

fn key_of(file: &str, kind: Option<&str>, name: Option<&str>) -> Key {
    (
        file.to_string(),
        kind.unwrap_or("").to_string(),
        name.unwrap_or("").to_string(),
    )
}

const SCHEMA_RULES: &[&str] = &[
    "unknown-field",
    "wrong-type",
    "missing-required-field",
    "invalid-enum-value",
];

/// Whether a kure finding is the one kubernetes-validate's error `(category, path)` asks for.
fn answers(category: &str, path: &str, rule: &str, message: &str) -> bool {
    match category {
        "unknown" => {
            (rule == "unknown-field" && message.contains(&format!("\"{path}\"")))
                || rule == "field-not-for-kind"
                || (rule == "server-populated-field" && path.starts_with("status"))
        }
        "required" => {
            (rule == "missing-required-field" && message.starts_with(&format!("{path}:")))
                || (rule == "selector-template-mismatch" && path.ends_with("selector"))
        }
        "type" => {
            (matches!(rule, "wrong-type" | "missing-required-field")
                && message.starts_with(&format!("{path}:")))
                || rule == "non-string-value"
        }
        _ => false,
    }
}

#[test]
#[cfg_attr(
    any(kure_no_shared, kure_no_peers),
    ignore = "needs ../shared/corpus and the peer tools (../shared/tools/install-peers.sh)"
)]
fn kure_and_kubernetes_validate_agree_on_the_corpus() {
    let Some(corpus) = require_corpus() else {
        return;
    };
    let Some(python) = kubernetes_validate_python() else {
        return;
    };
    let paths = manifest_paths(&corpus);
    let out = std::process::Command::new(&python)
        .arg(repo_root().join("tests/support/kv_all.py"))
        .arg("37")
        .args(&paths)
        .current_dir(&corpus)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut theirs: BTreeMap<Key, Vec<(String, String)>> = BTreeMap::new();
    let mut checked = 0;
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let o: serde_json::Value = serde_json::from_str(line).unwrap();
        checked += 1;
        let k = key_of(
            o["file"].as_str().unwrap(),
            o["kind"].as_str(),
            o["name"].as_str(),
        );
        let e = theirs.entry(k).or_default();
        for err in o["errors"].as_array().unwrap() {
            e.push((
                err[0].as_str().unwrap().to_string(),
                err[1].as_str().unwrap().to_string(),
            ));
        }
    }
    let (_, v) = lint_json(&["."], &["--kubernetes-version", "1.37"], Some(&corpus));
    let mut ours: BTreeMap<Key, Vec<(String, String)>> = BTreeMap::new();
    for d in v["diagnostics"].as_array().unwrap() {
        let o = &d["object"];
        let file = d["path"].as_str().unwrap().trim_start_matches("./");
        ours.entry(key_of(file, o["kind"].as_str(), o["name"].as_str()))
            .or_default()
            .push((
                d["rule"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            ));
    }
    let mut disagreements = BTreeSet::new();
    let (mut theirs_found, mut theirs_total) = (0, 0);
    for (k, errs) in &theirs {
        let mine = ours.get(k).map(Vec::as_slice).unwrap_or_default();
        for (cat, path) in errs {
            theirs_total += 1;
            if mine.iter().any(|(r, m)| answers(cat, path, r, m)) {
                theirs_found += 1;
            } else {
                disagreements.insert(format!("missed\t{}\t{}\t{}\t{cat}\t{path}", k.0, k.1, k.2));
            }
        }
    }
    let (mut ours_found, mut ours_total) = (0, 0);
    let mut unchecked_by_them = 0;
    for (k, findings) in &ours {
        // an object kubernetes-validate has no schema for (a custom resource) or cannot
        // read (a file PyYAML refuses) gets no verdict from it
        let Some(errs) = theirs.get(k) else {
            unchecked_by_them += findings
                .iter()
                .filter(|(r, _)| SCHEMA_RULES.contains(&r.as_str()))
                .count();
            continue;
        };
        for (rule, message) in findings {
            if !SCHEMA_RULES.contains(&rule.as_str()) {
                continue;
            }
            ours_total += 1;
            if errs.iter().any(|(c, p)| answers(c, p, rule, message)) {
                ours_found += 1;
            } else {
                let head = message.split(':').next().unwrap_or_default();
                disagreements.insert(format!("extra\t{}\t{}\t{}\t{rule}\t{head}", k.0, k.1, k.2));
            }
        }
    }
    eprintln!(
        "schema oracle: {checked} objects checked by kubernetes-validate; of its {theirs_total} errors kure reports {theirs_found}; of kure's {ours_total} schema findings on those objects it makes {ours_found}; {unchecked_by_them} more kure findings on objects it cannot check (custom resources, files PyYAML refuses)"
    );
    hold_to_expected(&disagreements, "schema_oracle.expected");
}
