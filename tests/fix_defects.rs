//! Fixes that would lose data are refused: each case here once changed a file in a way
//! kubectl or kustomize reads differently from what the fix said.

mod common;
use common::*;

/// `kure fix` on a file in `dir`; the text afterwards, the exit code and stderr.
fn fix_file(dir: &std::path::Path, name: &str, text: &str, extra: &[&str]) -> (String, Run) {
    let p = write(dir, name, text);
    let mut args = vec!["fix"];
    args.extend_from_slice(extra);
    args.push(name);
    let r = run(&args, Some(dir));
    (std::fs::read_to_string(p).unwrap(), r)
}

/// Defect 1: in a file kustomize reads, `on` is the string "on", not `true`: `on` and
/// `"true"` are two keys, not a duplicate, and no fix removes either.
#[test]
fn kustomize_read_keys_are_named_by_kustomize() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "kustomization.yaml", "resources:\n- cm.yaml\n");
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\ndata: {on: \"enabled\", \"true\": \"yes-value\"}\n";
    let (after, r) = fix_file(dir.path(), "cm.yaml", cm, &["--unsafe-fixes"]);
    // both keys stay; `on` is quoted (the safe non-string-value fix: kubectl -f would read it
    // as `true`), which kustomize reads the same
    assert_eq!(after, cm.replace("{on:", "{\"on\":"), "{}", r.stderr);
    let (_, v) = lint_json(
        &["cm.yaml"],
        &["--select", "duplicate-key"],
        Some(dir.path()),
    );
    assert!(findings(&v).is_empty(), "{v}");
    // the same file outside a kustomization is read by kubectl: there it is a duplicate
    let plain = tempfile::tempdir().unwrap();
    write(plain.path(), "cm.yaml", cm);
    let (_, v) = lint_json(
        &["cm.yaml"],
        &["--select", "duplicate-key"],
        Some(plain.path()),
    );
    assert_eq!(
        findings(&v),
        vec![("duplicate-key".to_string(), 5, 23)],
        "{v}"
    );
}

/// Defect 2: kubectl names a float key `1e+06`, so `1e6` and `1000000` are two keys.
#[test]
fn float_keys_are_named_as_kubectl_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: n\ndata:\n  1e6: a\n  \"1000000\": b\n  1e-7: c\n  \"1e-07\": d\n";
    write(dir.path(), "cm.yaml", cm);
    let (_, v) = lint_json(&["cm.yaml"], &[], Some(dir.path()));
    let dups: Vec<_> = findings(&v)
        .into_iter()
        .filter(|f| f.0 == "duplicate-key")
        .collect();
    // `1e-7` and `"1e-07"` are the same key for kubectl; `1e6` and `"1000000"` are not
    assert_eq!(dups, vec![("duplicate-key".to_string(), 9, 3)], "{v}");
    let msg = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "non-string-value" && d["span"]["start"]["line"] == 6)
        .map(|d| d["message"].as_str().unwrap().to_string())
        .unwrap();
    assert!(msg.contains("becomes `\"1e+06\"`"), "{msg}");
}

/// Defect 4: removing `spec.replicas` from a DaemonSet whose `<<` merge also sets it would
/// reveal the merged value; the removal is refused, and says why.
#[test]
fn a_removal_that_reveals_a_merged_value_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ds = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: d\nspec: {<<: {replicas: 2}, replicas: 3, selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: i}]}}}\n";
    let (after, r) = fix_file(dir.path(), "ds.yaml", ds, &[]);
    assert_eq!(after, ds, "{}", r.stderr);
    assert!(
        r.stderr.contains("fix-refused") && r.stderr.contains("`spec.replicas` would still be set"),
        "{}",
        r.stderr
    );
    // a status written twice: removing the last one reveals the first
    let twice = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\nstatus: {a: 1}\ndata: {}\nstatus: {b: 2}\n";
    let (after, r) = fix_file(dir.path(), "twice.yaml", twice, &[]);
    assert_eq!(after, twice, "{}", r.stderr);
    assert!(
        r.stderr.contains("`status` would still be set"),
        "{}",
        r.stderr
    );
    // `metadata.uid` under `<<`
    let uid =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  <<: {uid: abc}\n  uid: def\n  name: c\n";
    let (after, r) = fix_file(dir.path(), "uid.yaml", uid, &[]);
    assert_eq!(after, uid, "{}", r.stderr);
    assert!(
        r.stderr.contains("`metadata.uid` would still be set"),
        "{}",
        r.stderr
    );
}

/// Defect 5: quoting the key `yes` when `"true"` is also written would hand `"true"` the
/// other value: refused.
#[test]
fn quoting_a_key_that_would_change_another_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let cm =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  \"true\": a\n  yes: b\n";
    let (after, r) = fix_file(dir.path(), "cm.yaml", cm, &[]);
    assert_eq!(after, cm, "{}", r.stderr);
    assert!(r.stderr.contains("fix-refused"), "{}", r.stderr);
    assert!(r.stderr.contains("`data.true`"), "{}", r.stderr);
}
