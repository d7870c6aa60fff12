//! `kure fix --unsafe-fixes` on a copy of ../shared/corpus: every changed file still parses, a
//! second run changes nothing, only the lines the fixes touch change, and no fixable finding is
//! left. Skipped (with a message) when the corpus is absent.

mod common;
use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// 0-based line of a byte offset.
fn line_of(text: &[u8], offset: usize) -> usize {
    text[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

#[test]
#[cfg_attr(kure_no_shared, ignore = "../shared/corpus is absent")]
fn fixing_the_corpus_changes_only_what_the_fixes_mean_to() {
    let Some(src) = common::require_corpus() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("corpus");
    std::fs::create_dir_all(&root).unwrap();
    copy_tree(&src, &root);
    let (changed, fixable, rules) = fix_and_check(&root);
    println!(
        "corpus: {changed} files changed; fixable findings before: {fixable:?}; applied/refused per rule: {rules}"
    );
}

/// Every Deployment of the corpus turned into a DaemonSet by editing `kind:` (the rng story),
/// with comment lines, blank lines and trailing comments sprinkled in, a third of the files
/// in CRLF and a fifth with a BOM: the same guarantees hold.
#[test]
#[cfg_attr(kure_no_shared, ignore = "../shared/corpus is absent")]
fn fixing_deployments_turned_daemonsets() {
    let Some(src) = common::require_corpus() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("daemonsets");
    let n = daemonset_corpus(&src, &root);
    assert!(n > 100, "{n}");
    let (changed, fixable, rules) = fix_and_check(&root);
    println!(
        "daemonsets: {n} files, {changed} changed; fixable findings before: {fixable:?}; applied/refused per rule: {rules}"
    );
    assert!(fixable["field-not-for-kind"] > 100);
}

/// Runs `kure lint --fix --unsafe-fixes` on `root` and checks what it did: only lines inside
/// the fixes' edits change, no file is created or removed, BOM and CRLF survive, nothing stops
/// parsing, no fixable finding is left, and a second run changes nothing. Returns the number
/// of files changed, the fixable findings before, and the per-rule counts.
fn fix_and_check(root: &Path) -> (usize, BTreeMap<String, usize>, serde_json::Value) {
    let root = root.to_path_buf();
    let before = files(&root);

    // the findings that carry a fix, and the lines their edits cover, per file
    let (_, v) = lint_json(&["."], &[], Some(&root));
    let mut allowed: BTreeMap<PathBuf, BTreeSet<usize>> = BTreeMap::new();
    let mut fixable: BTreeMap<String, usize> = BTreeMap::new();
    let parse_errors_before: BTreeSet<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "parse-error")
        .map(|d| d["path"].as_str().unwrap().to_string())
        .collect();
    for d in v["diagnostics"].as_array().unwrap() {
        if d["fix"].is_null() {
            continue;
        }
        *fixable
            .entry(d["rule"].as_str().unwrap().to_string())
            .or_default() += 1;
        let path = PathBuf::from(d["path"].as_str().unwrap().trim_start_matches("./"));
        let text = &before[&path];
        let lines = allowed.entry(path.clone()).or_default();
        for e in d["fix"]["edits"].as_array().unwrap() {
            let start = e["start"].as_u64().unwrap() as usize;
            let end = e["end"].as_u64().unwrap() as usize;
            let first = line_of(text, start);
            let last = line_of(text, end.saturating_sub(1)).max(first);
            // the line before a removed block holds its parent key, which becomes `key: {}`
            // when the block was the mapping's last entry
            lines.extend(first.saturating_sub(1)..=last);
        }
    }
    assert!(!fixable.is_empty());

    let (_, fixed) = lint_json(&["."], &["--fix", "--unsafe-fixes"], Some(&root));
    let after = files(&root);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "no file is created or removed (no temporary file is left)"
    );

    let mut changed = 0;
    for (path, old) in &before {
        let new = &after[path];
        if old == new {
            continue;
        }
        changed += 1;
        let lines = allowed
            .get(path)
            .unwrap_or_else(|| panic!("{} changed without a fixable finding", path.display()));
        let old_text = std::str::from_utf8(old).unwrap();
        let new_text = std::str::from_utf8(new).unwrap();
        // every line outside the fixes' edits survives, byte for byte and in order (a
        // subsequence check: a line diff could align repeated text either way)
        let mut out_lines = new_text.split_inclusive('\n');
        for (l, line) in old_text.split_inclusive('\n').enumerate() {
            if lines.contains(&l) {
                continue;
            }
            assert!(
                out_lines.any(|o| o == line),
                "{}: line {} changed outside the fixes' edits\n{}",
                path.display(),
                l + 1,
                similar::TextDiff::from_lines(old_text, new_text)
                    .unified_diff()
                    .header("before", "after")
            );
        }
        // a BOM and the line ending style survive
        assert_eq!(
            old.starts_with(b"\xef\xbb\xbf"),
            new.starts_with(b"\xef\xbb\xbf")
        );
        assert_eq!(
            old_text.contains("\r\n"),
            new_text.contains("\r\n"),
            "{}",
            path.display()
        );
    }
    let s = &fixed["summary"]["fixes"];
    assert_eq!(s["files_changed"].as_u64().unwrap(), changed as u64);
    assert!(changed > 0);

    // every changed file still parses, and no fixable finding is left
    let (_, v) = lint_json(&["."], &[], Some(&root));
    for d in v["diagnostics"].as_array().unwrap() {
        if d["rule"] == "parse-error" {
            assert!(
                parse_errors_before.contains(d["path"].as_str().unwrap()),
                "a fix broke {}",
                d["path"]
            );
        }
    }
    let left: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| !d["fix"].is_null())
        .map(|d| format!("{}:{} {}", d["path"], d["span"]["start"]["line"], d["rule"]))
        .collect();
    let refused = s["refused"].as_u64().unwrap() as usize;
    assert!(
        left.len() <= refused,
        "fixable findings left after fixing: {left:?}"
    );

    // a second run changes nothing
    let r = run(&["fix", "--check", "--unsafe-fixes", "."], Some(&root));
    assert_eq!(r.code, 0, "not idempotent: {}", r.stdout);
    (changed, fixable, s["rules"].clone())
}
