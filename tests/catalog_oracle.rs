//! kure's schema rules on catalog schemas against an independent validator: every custom
//! resource of ../shared/corpus and ../shared/gitops that kure checks by the embedded
//! catalog is validated by Python's `jsonschema` against the catalog's own JSON Schema for
//! its kind (`tests/support/catalog_all.py`), and the two are held to each other both
//! ways: every error it finds (unknown field, wrong type, required and absent, value
//! outside an enum) kure reports at that path, and every schema finding kure makes it makes
//! too, except the disagreements listed with their reasons in
//! `tests/catalog_oracle.expected`.

mod common;
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// (repository-relative file, kind, name) of an object.
type Key = (String, String, String);

const SCHEMA_RULES: &[&str] = &[
    "unknown-field",
    "wrong-type",
    "missing-required-field",
    "invalid-enum-value",
];

/// Whether a kure finding is the one the validator's error `(category, path)` asks for.
fn answers(category: &str, path: &str, rule: &str, message: &str) -> bool {
    match category {
        "unknown" => rule == "unknown-field" && message.contains(&format!("\"{path}\"")),
        "required" => rule == "missing-required-field" && message.starts_with(&format!("{path}:")),
        "type" => {
            (matches!(rule, "wrong-type" | "missing-required-field")
                && message.starts_with(&format!("{path}:")))
                || (rule == "non-string-value" && message.contains(&format!("`{path}`")))
        }
        "enum" => rule == "invalid-enum-value" && message.starts_with(&format!("{path}:")),
        _ => false,
    }
}

/// The validator's verdicts on the custom resources of the manifests under `root`.
fn theirs(python: &Path, catalog: &Path, root: &Path) -> BTreeMap<Key, Vec<(String, String)>> {
    let paths = manifest_paths(root);
    let out = std::process::Command::new(python)
        .arg(repo_root().join("tests/support/catalog_all.py"))
        .arg(catalog)
        .args(&paths)
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut found: BTreeMap<Key, Vec<(String, String)>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let o: serde_json::Value = serde_json::from_str(line).unwrap();
        let k = (
            o["file"].as_str().unwrap().to_string(),
            o["kind"].as_str().unwrap_or("").to_string(),
            o["name"].as_str().unwrap_or("").to_string(),
        );
        let e = found.entry(k).or_default();
        for err in o["errors"].as_array().unwrap() {
            e.push((
                err[0].as_str().unwrap().to_string(),
                err[1].as_str().unwrap().to_string(),
            ));
        }
    }
    found
}

/// kure's findings on the objects under `root`, by object.
fn ours(root: &Path) -> BTreeMap<Key, Vec<(String, String)>> {
    let (_, v) = lint_json(&["."], &[], Some(root));
    let mut found: BTreeMap<Key, Vec<(String, String)>> = BTreeMap::new();
    for d in v["diagnostics"].as_array().unwrap() {
        let o = &d["object"];
        let file = d["path"].as_str().unwrap().trim_start_matches("./");
        found
            .entry((
                file.to_string(),
                o["kind"].as_str().unwrap_or("").to_string(),
                o["name"].as_str().unwrap_or("").to_string(),
            ))
            .or_default()
            .push((
                d["rule"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            ));
    }
    found
}

#[test]
#[cfg_attr(
    any(kure_no_shared, kure_no_peers),
    ignore = "needs ../shared (corpus, gitops, crd-catalog) and the peer tools (../shared/tools/install-peers.sh)"
)]
fn kure_and_jsonschema_agree_on_catalog_schemas() {
    let Some(corpus) = require_corpus() else {
        return;
    };
    let Some(archive) = catalog_archive() else {
        return;
    };
    let Some(python) = kubernetes_validate_python() else {
        return;
    };
    let catalog = tempfile::tempdir().unwrap();
    assert_eq!(extract_catalog(&archive, catalog.path()), 4234);
    let gitops = corpus.join("../gitops");
    let mut disagreements = BTreeSet::new();
    let (mut checked, mut theirs_total, mut theirs_found, mut ours_total, mut ours_found) =
        (0, 0, 0, 0, 0);
    for (name, root) in [("corpus", &corpus), ("gitops", &gitops)] {
        let theirs = theirs(&python, catalog.path(), root);
        let ours = ours(root);
        checked += theirs.len();
        for (k, errs) in &theirs {
            let mine = ours.get(k).map(Vec::as_slice).unwrap_or_default();
            for (cat, path) in errs {
                theirs_total += 1;
                if mine.iter().any(|(r, m)| answers(cat, path, r, m)) {
                    theirs_found += 1;
                } else {
                    disagreements.insert(format!(
                        "missed\t{name}/{}\t{}\t{}\t{cat}\t{path}",
                        k.0, k.1, k.2
                    ));
                }
            }
            for (rule, message) in ours.get(k).map(Vec::as_slice).unwrap_or_default() {
                if !SCHEMA_RULES.contains(&rule.as_str()) {
                    continue;
                }
                ours_total += 1;
                if errs.iter().any(|(c, p)| answers(c, p, rule, message)) {
                    ours_found += 1;
                } else {
                    let head = message.split(": ").next().unwrap_or_default();
                    disagreements.insert(format!(
                        "extra\t{name}/{}\t{}\t{}\t{rule}\t{head}",
                        k.0, k.1, k.2
                    ));
                }
            }
        }
    }
    eprintln!(
        "catalog oracle: {checked} custom resources validated by jsonschema against the catalog; of its {theirs_total} errors kure reports {theirs_found}; of kure's {ours_total} schema findings on them it makes {ours_found}"
    );
    assert!(checked > 350, "{checked}");
    hold_to_expected(&disagreements, "catalog_oracle.expected");
}
