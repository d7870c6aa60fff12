//! Suppressions: each form (comment on the line, on the line before, file-wide, object
//! annotation), used and unused, with and without a reason; a suppressed finding's fix is
//! never applied.

mod common;
use common::*;

fn found(v: &serde_json::Value) -> Vec<(String, u64)> {
    findings(v).into_iter().map(|(r, l, _)| (r, l)).collect()
}

#[test]
fn each_form_suppresses_what_it_covers() {
    let dir = tempfile::tempdir().unwrap();
    let text = "# kure: ignore-file[invalid-label] labels from the old naming scheme\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels:\n    team: -ops\nspec:\n  # kure: ignore[service-selector-no-match] the pods come from an operator\n  selector:\n    app: web\n    active: yes # kure: ignore[non-string-value] read as a string by our tooling\n  ports:\n  - port: 80\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\n  annotations:\n    kure.dev/ignore: non-string-value\n    kure.dev/ignore-reason: read by a YAML 1.2 tool\ndata:\n  flag: true\n";
    write(dir.path(), "a.yaml", text);
    let (code, v) = lint_json(&["a.yaml"], &[], Some(dir.path()));
    assert_eq!(found(&v), vec![], "{v}");
    assert_eq!(code, 0);
    // without the suppressions, each finding is there
    let bare: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("# kure"))
        .map(|l| format!("{}\n", l.split(" # kure").next().unwrap()))
        .collect::<String>()
        .replace("    kure.dev/ignore: non-string-value\n    kure.dev/ignore-reason: read by a YAML 1.2 tool\n", "");
    write(dir.path(), "a.yaml", &bare);
    let (_, v) = lint_json(&["a.yaml"], &[], Some(dir.path()));
    let rules: Vec<String> = found(&v).into_iter().map(|(r, _)| r).collect();
    for r in [
        "invalid-label",
        "service-selector-no-match",
        "non-string-value",
    ] {
        assert!(rules.iter().any(|x| x == r), "{r} not in {rules:?}");
    }
    assert_eq!(
        rules.iter().filter(|r| *r == "non-string-value").count(),
        2,
        "{rules:?}"
    );
}

#[test]
fn a_suppressed_finding_is_not_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\ndata:\n  a: true # kure: ignore[non-string-value] our reader wants a boolean\n  b: true\n";
    write(dir.path(), "cm.yaml", text);
    let r = run(&["fix", "cm.yaml"], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("cm.yaml")).unwrap(),
        text.replace("  b: true", "  b: \"true\"")
    );
}

#[test]
fn unused_and_unexplained_suppressions_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a # kure: ignore[non-string-value] was a boolean once\n  # kure: ignore[non-string-valu] misspelled\n  namespace: x\ndata:\n  b: \"true\" # kure: ignore[non-string-value]\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  annotations:\n    kure.dev/ignore: invalid-label\nspec:\n  # kure: ignore[service-selector-no-match] an operator makes the pods\n  selector:\n    app: s\n  ports:\n  - port: 80\n",
    );
    let (code, v) = lint_json(&["app.yaml"], &[], Some(dir.path()));
    assert_eq!(
        found(&v),
        vec![
            ("unused-suppression".to_string(), 4),
            ("unused-suppression".to_string(), 5),
            ("suppression-without-reason".to_string(), 8),
            ("unused-suppression".to_string(), 8),
            ("suppression-without-reason".to_string(), 15),
            ("unused-suppression".to_string(), 15),
        ],
        "{v}"
    );
    assert_eq!(code, 0, "warnings and infos only");
    let ds = v["diagnostics"].as_array().unwrap();
    let misspelled = ds.iter().find(|d| d["span"]["start"]["line"] == 5).unwrap();
    assert_eq!(
        misspelled["message"],
        "`non-string-valu` is not a rule (did you mean `non-string-value`?); this suppression suppresses nothing",
        "{misspelled}"
    );
    // an annotation gets no fix; the comments of the file's own rules have one
    let annotation = ds
        .iter()
        .find(|d| d["span"]["start"]["line"] == 15 && d["rule"] == "unused-suppression")
        .unwrap();
    assert!(annotation["fix"].is_null());
    let r = run(&["fix", "app.yaml"], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let fixed = std::fs::read_to_string(dir.path().join("app.yaml")).unwrap();
    assert!(fixed.starts_with("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: x\ndata:\n  b: \"true\"\n---\n"), "{fixed}");
}

#[test]
fn add_suppressions_writes_one_comment_per_line_and_leaves_the_repo_clean() {
    let dir = tempfile::tempdir().unwrap();
    let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  selector:\n    app: nope\n    on: yes # already commented\n  ports:\n  - port: 80\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  script: |\n    a: yes\n  f: on\n";
    write(dir.path(), "s.yaml", text);
    let r = run(
        &["lint", "--add-suppressions", "adopting kure", "s.yaml"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("3 suppressions added in 1 file"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("s.yaml")).unwrap(),
        text.replace(
            "  selector:\n",
            "  selector: # kure: ignore[service-selector-no-match] adopting kure\n"
        )
        .replace(
            "    on: yes # already commented\n",
            "    # kure: ignore[non-string-value] adopting kure\n    on: yes # already commented\n"
        )
        .replace(
            "  f: on\n",
            "  f: on # kure: ignore[non-string-value] adopting kure\n"
        )
    );
    let (code, v) = lint_json(&["s.yaml"], &[], Some(dir.path()));
    assert_eq!(findings(&v), vec![], "{v}");
    assert_eq!(code, 0);
    // nothing left to add
    let r = run(
        &["lint", "--add-suppressions", "adopting kure", "s.yaml"],
        Some(dir.path()),
    );
    assert!(
        r.stderr.contains("0 suppressions added in 0 files"),
        "{}",
        r.stderr
    );
    // a reason is required
    let r = run(
        &["lint", "--add-suppressions", " ", "s.yaml"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 2);
}

#[test]
fn an_ignore_file_comment_below_the_yaml_is_reported_not_obeyed() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n# kure: ignore-file[non-string-value] too late to count\ndata:\n  a: true\n",
    );
    let (_, v) = lint_json(&["cm.yaml"], &[], Some(dir.path()));
    let ds = v["diagnostics"].as_array().unwrap();
    let rules: Vec<&str> = ds.iter().map(|d| d["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, vec!["unused-suppression", "non-string-value"], "{v}");
    assert!(
        ds[0]["help"]
            .as_str()
            .unwrap()
            .contains("works only among the file's leading comments")
    );
    assert!(ds[0]["fix"].is_null());
}
