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

/// Defect 3: a file saved by someone else between kure's read and its write is not
/// overwritten: nothing is written for it, the run says so and exits 2.
#[test]
#[cfg_attr(
    not(feature = "test-hooks"),
    ignore = "needs the write hooks: cargo test --features test-hooks"
)]
fn a_file_changed_while_fixing_is_not_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    on: yes\n",
    );
    let child = kure()
        .args(["fix", "cm.yaml"])
        .current_dir(dir.path())
        .env("KURE_TEST_PAUSE_BEFORE_RENAME", "1500")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    let theirs = "# saved by an editor\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
    std::fs::write(&p, theirs).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(std::fs::read_to_string(&p).unwrap(), theirs, "{stderr}");
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cm.yaml: error: the file changed while kure was fixing it"),
        "{stderr}"
    );
    // no temporary file is left behind
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// `kure lint --fix --format json FILE` as a user who cannot write in `dir` (kure cannot
/// create its temporary file there): the exit code and the report.
#[cfg(unix)]
fn lint_fix_unwritable(dir: &std::path::Path, file: &str) -> (Option<i32>, serde_json::Value) {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(file);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o666)).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    let out = kure_unprivileged()
        .args(["lint", "--fix", "--format", "json", file])
        .current_dir(dir)
        .output()
        .unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), v)
}

/// Defect 6: when `lint --fix` cannot write a file, its findings are still reported, the
/// file counts once (among the errors), no fix counts as applied, and the exit code is 2.
#[cfg(unix)]
#[test]
fn lint_fix_after_a_failed_write_reports_the_findings() {
    let dir = tempfile::tempdir().unwrap();
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    on: yes\n";
    let p = write(dir.path(), "cm.yaml", text);
    let (code, v) = lint_fix_unwritable(dir.path(), "cm.yaml");
    assert_eq!(std::fs::read_to_string(&p).unwrap(), text);
    assert_eq!(code, Some(2), "{v}");
    let s = &v["summary"];
    assert_eq!(s["files"], 1, "{v}");
    assert_eq!(s["linted"], 0, "{v}");
    assert_eq!(s["errors"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(s["fixes"]["applied"], 0, "{v}");
    assert_eq!(s["fixes"]["files_changed"], 0, "{v}");
    assert_eq!(s["fixes"]["rules"]["non-string-value"][0], 0, "{v}");
    // the two findings of the text as read, each still with its fix
    let f = findings(&v);
    assert_eq!(
        f,
        vec![
            ("non-string-value".to_string(), 6, 5),
            ("non-string-value".to_string(), 6, 9)
        ],
        "{v}"
    );
    assert_eq!(s["fixes"]["available"], 2, "{v}");
}

/// Defect 13: a file without a final newline keeps not having one when its last entry goes.
#[test]
fn removing_the_last_entry_adds_no_final_newline() {
    let out = run_stdin(
        &["fix", "--stdin-filename", "cm.yaml", "-"],
        b"apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: c\r\nstatus: {}",
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: c"
    );
}

/// A file of several documents, fixed one document at a time (defect 9: memory). Fixes in
/// the first documents change the length of what follows; unsafe fixes and findings without
/// a fix are left in the later ones. `documents()` puts a large ConfigMap before them, so the
/// file is over the size from which kure fixes one document at a time.
const DOCUMENTS: &str = "\
# leading comment
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: one
spec:
  replicas: 3
  selector:
    matchLabels: {app: one}
  template:
    metadata:
      labels: {app: one, on: yes}
    spec:
      containers: [{name: c, image: i}]
status:
  numberReady: 1
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: two
  labels:
    ok: \"true\"
    ok: \"false\"
data:
  count: 0777
---
apiVersion: v1
kind: Service
metadata:
  name: three
spec:
  selector: {app: nowhere}
  ports: [{port: 80}]
";

/// A ConfigMap of over 1 MiB (`kure fix` fixes files from that size one document at a time).
fn large_configmap() -> String {
    let mut s =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: large\ndata:\n  blob: |\n".to_string();
    for i in 0..12_000 {
        s.push_str(&format!("    line {i:>6} {}\n", "x".repeat(80)));
    }
    s
}

fn documents() -> String {
    format!("{}{DOCUMENTS}", large_configmap())
}

fn diagnostics(v: &serde_json::Value) -> &Vec<serde_json::Value> {
    v["diagnostics"].as_array().unwrap()
}

#[test]
fn documents_fixed_one_at_a_time_are_reported_where_they_end_up() {
    let dir = tempfile::tempdir().unwrap();
    let documents = documents();
    assert!(documents.len() > 1024 * 1024);
    write(dir.path(), "all.yaml", &documents);
    let (code, fixed) = lint_json(&["all.yaml"], &["--fix"], Some(dir.path()));
    assert_eq!(code, 1, "{fixed}");
    let after = std::fs::read_to_string(dir.path().join("all.yaml")).unwrap();
    assert_ne!(after, documents);
    assert!(
        !after.contains("replicas") && !after.contains("status"),
        "{after}"
    );
    assert!(
        after.contains("on\": \"yes\"") || after.contains("\"on\": \"yes\""),
        "{after}"
    );
    // what `lint --fix` reports on the text it wrote is what `lint` reports on that text:
    // positions, spans, and the edits of the fixes left, all in the whole file's terms
    let (_, relinted) = lint_json(&["all.yaml"], &[], Some(dir.path()));
    let rules: Vec<&str> = diagnostics(&relinted)
        .iter()
        .map(|d| d["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["duplicate-key", "service-selector-no-match"],
        "{relinted}"
    );
    assert_eq!(diagnostics(&fixed), diagnostics(&relinted));
    // the fixes left apply where they say: `kure fix --unsafe-fixes` and the JSON edits agree
    let mut text = after.clone();
    let mut edits: Vec<(usize, usize, String)> = diagnostics(&relinted)
        .iter()
        .filter(|d| !d["fix"].is_null())
        .flat_map(|d| d["fix"]["edits"].as_array().unwrap().clone())
        .map(|e| {
            let n = |k: &str| e[k].as_u64().unwrap() as usize;
            (
                n("start"),
                n("end"),
                e["content"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(!edits.is_empty(), "{relinted}");
    edits.sort();
    for (s, e, c) in edits.into_iter().rev() {
        text.replace_range(s..e, &c);
    }
    let (all_fixed, r) = fix_file(dir.path(), "all.yaml", &after, &["--unsafe-fixes"]);
    assert_eq!(text, all_fixed, "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn findings_as_read_of_a_file_of_documents_are_where_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let documents = documents();
    let p = write(dir.path(), "all.yaml", &documents);
    let (_, as_read) = lint_json(&["all.yaml"], &[], Some(dir.path()));
    let (code, v) = lint_fix_unwritable(dir.path(), "all.yaml");
    assert_eq!(code, Some(2), "{v}");
    assert_eq!(std::fs::read_to_string(&p).unwrap(), documents);
    assert_eq!(diagnostics(&v), diagnostics(&as_read));
}

/// Files whose documents cannot be fixed apart are fixed as a whole, with the same result.
#[test]
fn files_with_directives_or_end_markers_are_fixed_whole() {
    let dir = tempfile::tempdir().unwrap();
    let doc = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: NAME\n  labels:\n    a: yes\n";
    let cases = [
        // a directive before the first document makes kubectl refuse the file (tests/trust.rs);
        // after an end marker it is read
        format!(
            "{}...\n%YAML 1.1\n---\n{}",
            doc.replace("NAME", "a"),
            doc.replace("NAME", "b")
        ),
        format!(
            "{}...\n{}",
            doc.replace("NAME", "a"),
            doc.replace("NAME", "b")
        ),
        format!(
            "{}---\n{}",
            doc.replace("NAME", "a"),
            doc.replace("NAME", "b")
        ),
    ];
    for (i, text) in cases.iter().enumerate() {
        let (after, r) = fix_file(dir.path(), &format!("f{i}.yaml"), text, &[]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(after, text.replace("a: yes", "a: \"yes\""), "{}", r.stderr);
    }
}
