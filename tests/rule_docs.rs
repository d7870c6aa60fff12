//! Every rule doc is executed: `bad` must fire its rule, `good` must not, and every rule has
//! a doc with the sections users rely on.

mod common;
use common::*;
use std::collections::BTreeSet;

struct Doc {
    id: String,
    front: String,
    blocks: Vec<(String, String)>,
}

impl Doc {
    /// Arguments every example runs with (front matter `args:`, such as the Kubernetes
    /// version a rule needs to fire).
    fn args(&self) -> Vec<&str> {
        self.front
            .lines()
            .find_map(|l| l.strip_prefix("args:"))
            .map(|a| a.split_whitespace().collect())
            .unwrap_or_default()
    }
}

fn read_docs() -> Vec<Doc> {
    let mut out = Vec::new();
    let dir = repo_root().join("rules");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        let text = std::fs::read_to_string(&p).unwrap();
        let id = p.file_stem().unwrap().to_str().unwrap().to_string();
        let rest = text.strip_prefix("---\n").expect("front matter");
        let (front, body) = rest.split_once("\n---\n").expect("front matter end");
        let mut blocks = Vec::new();
        let mut lines = body.lines();
        while let Some(line) = lines.next() {
            if let Some(info) = line.strip_prefix("```yaml ") {
                let mut code = String::new();
                for l in lines.by_ref() {
                    if l == "```" {
                        break;
                    }
                    code.push_str(l);
                    code.push('\n');
                }
                blocks.push((info.trim().to_string(), code));
            }
        }
        out.push(Doc {
            id,
            front: front.to_string(),
            blocks,
        });
    }
    out
}

#[test]
fn every_rule_has_a_doc_and_every_doc_a_rule() {
    let docs: BTreeSet<String> = read_docs().into_iter().map(|d| d.id).collect();
    let r = run(&["rules", "--format", "json"], None);
    assert_eq!(r.code, 0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let rules: BTreeSet<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(docs, rules);
}

#[test]
fn front_matter_agrees_with_the_registry() {
    let r = run(&["rules", "--format", "json"], None);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    for doc in read_docs() {
        let rule = v
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == doc.id.as_str())
            .unwrap();
        assert!(doc.front.contains(&format!("id: {}", doc.id)), "{}", doc.id);
        assert!(
            doc.front
                .contains(&format!("severity: {}", rule["severity"].as_str().unwrap())),
            "{}",
            doc.id
        );
        assert!(
            doc.front
                .contains(&format!("fix: {}", rule["fix"].as_str().unwrap())),
            "{}",
            doc.id
        );
    }
}

/// The rules that fire on `code` (written as `example.yaml` beside the doc's context blocks),
/// after `extra` arguments. A doc with a `base` block is about a change: the base is
/// committed first (with the context), and `code` is the work tree, linted with
/// `--base HEAD`.
fn fired(doc: &Doc, code: &str, args: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let base = doc.blocks.iter().find(|(k, _)| k == "base");
    write(dir.path(), "example.yaml", base.map_or(code, |(_, b)| b));
    for (i, (_, ctx)) in doc
        .blocks
        .iter()
        .filter(|(k, _)| k == "context")
        .enumerate()
    {
        write(dir.path(), &format!("context-{i}.yaml"), ctx);
    }
    let mut all = doc.args();
    all.extend_from_slice(args);
    // a doc with a `baseline` block lints with it as the baseline
    if let Some((_, b)) = doc.blocks.iter().find(|(k, _)| k == "baseline") {
        write(dir.path(), "kure-baseline.json", b);
        all.extend_from_slice(&["--baseline", "kure-baseline.json"]);
    }
    if base.is_some() {
        git(dir.path(), &["init", "-q"]);
        git(dir.path(), &["add", "."]);
        git(dir.path(), &["commit", "-qm", "base"]);
        write(dir.path(), "example.yaml", code);
        all.extend_from_slice(&["--base", "HEAD"]);
    }
    let (_, v) = lint_json(&["."], &all, Some(dir.path()));
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| {
            let p = d["path"].as_str().unwrap();
            p.ends_with("example.yaml") || p.ends_with("kure-baseline.json")
        })
        .map(|d| d["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn bad_examples_fire_and_good_examples_do_not() {
    for doc in read_docs() {
        let bads: Vec<&String> = doc
            .blocks
            .iter()
            .filter(|(k, _)| k == "bad")
            .map(|(_, c)| c)
            .collect();
        assert!(!bads.is_empty(), "{}: no bad block", doc.id);
        let good = doc
            .blocks
            .iter()
            .find(|(k, _)| k == "good")
            .unwrap_or_else(|| panic!("{}: no good block", doc.id));
        // a refused fix only shows while fixing
        let fixing: &[&str] = if doc.id == "fix-refused" {
            &["--fix", "--unsafe-fixes"]
        } else {
            &[]
        };
        for bad in bads {
            let fired = fired(&doc, bad, fixing);
            if doc.id == "fix-refused" {
                assert_eq!(
                    fired.iter().filter(|r| **r == doc.id).count(),
                    1,
                    "{}: {fired:?}",
                    doc.id
                );
            } else {
                assert_eq!(
                    fired,
                    vec![doc.id.clone()],
                    "{}: `bad` should give exactly one finding of this rule and nothing else",
                    doc.id
                );
            }
        }
        let fired = fired(&doc, &good.1, fixing);
        assert!(
            fired.is_empty(),
            "{}: `good` should be clean: {fired:?}",
            doc.id
        );
    }
}

/// Every `fixed` block is what `kure fix --unsafe-fixes` makes of the `bad` block before it,
/// byte for byte, and it no longer has a finding of the rule.
#[test]
fn fixed_examples_are_what_the_fix_writes() {
    let mut fixable = 0;
    for doc in read_docs() {
        let mut pairs = Vec::new();
        for (i, (kind, code)) in doc.blocks.iter().enumerate() {
            if kind == "fixed" {
                let bad = doc.blocks[..i]
                    .iter()
                    .rev()
                    .find(|(k, _)| k == "bad")
                    .unwrap_or_else(|| panic!("{}: `fixed` with no `bad` before it", doc.id));
                pairs.push((bad.1.clone(), code.clone()));
            }
        }
        let declared = !doc.front.contains("fix: none");
        assert_eq!(
            declared,
            !pairs.is_empty(),
            "{}: front matter `fix:` and `fixed` blocks disagree",
            doc.id
        );
        assert_eq!(
            declared,
            read_section(&doc.id, "## Fix safety"),
            "{}: a fixable rule's doc says why its fix is safe or not",
            doc.id
        );
        for (bad, fixed) in pairs {
            fixable += 1;
            let mut argv = vec![
                "fix",
                "--unsafe-fixes",
                "--select",
                &doc.id,
                "--stdin-filename",
                "example.yaml",
            ];
            argv.extend(doc.args());
            argv.push("-");
            let r = run_stdin(&argv, bad.as_bytes());
            assert_eq!(r.code, 0, "{}: {}", doc.id, r.stderr);
            assert_eq!(r.stdout, fixed, "{}: fix(bad) != fixed", doc.id);
            let left = fired(&doc, &fixed, &[]);
            assert!(
                !left.contains(&doc.id),
                "{}: `fixed` still has findings: {left:?}",
                doc.id
            );
        }
    }
    assert!(fixable >= 5);
}

fn read_section(id: &str, heading: &str) -> bool {
    let text = std::fs::read_to_string(repo_root().join("rules").join(format!("{id}.md"))).unwrap();
    text.lines().any(|l| l == heading)
}

#[test]
fn explain_prints_the_doc() {
    for doc in read_docs() {
        let r = run(&["explain", &doc.id], None);
        assert_eq!(r.code, 0);
        assert!(r.stdout.contains(&format!("# {}", doc.id)));
        // the front matter is for tools, not for people
        assert!(!r.stdout.starts_with("---"), "{}", r.stdout);
        assert!(!r.stdout.contains("\nseverity: "), "{}", r.stdout);
        assert!(r.stdout.contains("## Why it matters"));
    }
    let r = run(&["explain", "no-such-rule"], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown rule"));
}

/// The README's rule table is the registry's (`kure rules --format json`), row for row, so
/// adding or changing a rule cannot leave it behind.
#[test]
fn readme_rule_table_matches_the_registry() {
    let r = run(&["rules", "--format", "json"], None);
    assert_eq!(r.code, 0);
    let rules: Vec<serde_json::Value> = serde_json::from_str(&r.stdout).unwrap();
    let mut expected = vec![
        "| id | severity | fix | finds |".to_string(),
        "| --- | --- | --- | --- |".to_string(),
    ];
    for rule in &rules {
        let fix = match rule["fix"].as_str().unwrap() {
            "none" => "",
            other => other,
        };
        expected.push(format!(
            "| `{}` | {} | {fix} | {} |",
            rule["id"].as_str().unwrap(),
            rule["severity"].as_str().unwrap(),
            rule["summary"].as_str().unwrap()
        ));
    }
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let table: Vec<String> = readme
        .lines()
        .skip_while(|l| *l != "| id | severity | fix | finds |")
        .take_while(|l| l.starts_with('|'))
        .map(str::to_string)
        .collect();
    assert_eq!(
        table, expected,
        "regenerate the README's rule table from `kure rules --format json`"
    );
}
