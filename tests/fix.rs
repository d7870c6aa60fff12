//! `kure fix` and `kure lint --fix`: golden texts for every fix (comments, flow and block
//! styles, CRLF, BOM, several documents, lists), the command-line contract, and safe writes.

mod common;
use common::*;

/// What `kure fix` makes of `input` (through standard input, as an editor does).
fn fixed(input: &str, extra: &[&str]) -> String {
    let mut args = vec!["fix"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--stdin-filename", "in.yaml", "-"]);
    let r = run_stdin(&args, input.as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

/// A DaemonSet made from a `kubectl get deploy -o yaml` dump, with comments everywhere.
const RNG: &str = "\
# rng: one per node
apiVersion: apps/v1
kind: DaemonSet
metadata:
  creationTimestamp: \"2026-11-02T09:12:44Z\"
  labels:
    app: rng
  name: rng
  resourceVersion: \"48211\"   # from the dump
spec:
  # how many pods
  replicas: 1  # ignored by a DaemonSet
  revisionHistoryLimit: 10
  selector:
    matchLabels:
      app: rng
  strategy:
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 25%
    type: RollingUpdate
  template:
    metadata:
      creationTimestamp: null
      labels:
        app: rng
    spec:
      containers:
      - image: dockercoins/rng:v0.1
        name: rng
status:
  # written by the controller
  numberReady: 3
";

#[test]
fn safe_fixes_remove_leftovers_with_their_own_comments_only() {
    let out = fixed(RNG, &[]);
    assert_eq!(
        out,
        "\
# rng: one per node
apiVersion: apps/v1
kind: DaemonSet
metadata:
  labels:
    app: rng
  name: rng
spec:
  # how many pods
  revisionHistoryLimit: 10
  selector:
    matchLabels:
      app: rng
  strategy:
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 25%
    type: RollingUpdate
  template:
    metadata:
      labels:
        app: rng
    spec:
      containers:
      - image: dockercoins/rng:v0.1
        name: rng
"
    );
}

#[test]
fn unsafe_fixes_also_remove_the_default_deployment_strategy() {
    let out = fixed(RNG, &["--unsafe-fixes"]);
    assert!(!out.contains("strategy"), "{out}");
    assert!(
        out.contains("  revisionHistoryLimit: 10\n  selector:\n"),
        "{out}"
    );
    // and the result is clean of every fixable finding
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "rng.yaml", &out);
    let (code, v) = lint_json(&["rng.yaml"], &[], Some(dir.path()));
    assert_eq!(code, 0, "{v}");
    assert!(findings(&v).is_empty(), "{v}");
}

#[test]
fn strategy_becomes_update_strategy_keeping_max_unavailable() {
    let input = "\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 2 # surge
      maxUnavailable: 3
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers: [{name: a, image: a}]
";
    assert_eq!(fixed(input, &[]), input, "strategy is an unsafe fix");
    let out = fixed(input, &["--unsafe-fixes"]);
    assert_eq!(
        out,
        input
            .replace("  strategy:", "  updateStrategy:")
            .replace("      maxSurge: 2 # surge\n", "")
    );
    // maxUnavailable: 0 next to a surge is a valid DaemonSet rollout: both stay
    let zero = input.replace("maxUnavailable: 3", "maxUnavailable: 0");
    assert_eq!(
        fixed(&zero, &["--unsafe-fixes"]),
        zero.replace("  strategy:", "  updateStrategy:")
    );
    // a Deployment's `maxUnavailable: 0` surged by its default; a DaemonSet would reject
    // both zero, and inventing a maxSurge is not a fix
    let no_surge = input
        .replace("      maxSurge: 2 # surge\n", "")
        .replace("maxUnavailable: 3", "maxUnavailable: 0");
    assert_eq!(fixed(&no_surge, &["--unsafe-fixes"]), no_surge);
    // Recreate has no DaemonSet equivalent: no fix
    let recreate = input.replace(
        "    type: RollingUpdate\n    rollingUpdate:\n      maxSurge: 2 # surge\n      maxUnavailable: 3\n",
        "    type: Recreate\n",
    );
    assert_eq!(fixed(&recreate, &["--unsafe-fixes"]), recreate);
}

#[test]
fn quoting_in_block_and_flow_styles_values_and_keys() {
    let input = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: flags
  labels: {enabled: on, tier: web}   # flow
  annotations:
    y: 'fine'
data:
  mode: 0777
  ratio: 1.0
  plain: text
";
    let out = fixed(input, &[]);
    assert_eq!(
        out,
        "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: flags
  labels: {enabled: \"on\", tier: web}   # flow
  annotations:
    \"y\": 'fine'
data:
  mode: \"0777\"
  ratio: \"1.0\"
  plain: text
"
    );
}

#[test]
fn several_documents_and_lists() {
    let input = "\
---
apiVersion: v1
kind: List
items:
- status: {}
  apiVersion: v1
  kind: ConfigMap
  metadata:
    name: a
  data:
    on: x
---
# second
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: b
spec:
  paused: false
  selector:
    matchLabels:
      app: b
  template:
    metadata:
      labels:
        app: b
    spec:
      containers:
      - name: b
        image: b
...
";
    let out = fixed(input, &[]);
    assert_eq!(
        out,
        "\
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: a
  data:
    \"on\": x
---
# second
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: b
spec:
  selector:
    matchLabels:
      app: b
  template:
    metadata:
      labels:
        app: b
    spec:
      containers:
      - name: b
        image: b
...
"
    );
}

#[test]
fn crlf_and_bom_survive() {
    let input = "\u{feff}status: {}\r\napiVersion: apps/v1\r\nkind: Deployment\r\nmetadata:\r\n  name: w\r\nspec:\r\n  template:\r\n    metadata:\r\n      labels:\r\n        app: w\r\n    spec:\r\n      containers:\r\n      - name: w\r\n        image: w\r\n";
    let out = fixed(input, &["--unsafe-fixes"]);
    assert_eq!(
        out,
        "\u{feff}apiVersion: apps/v1\r\nkind: Deployment\r\nmetadata:\r\n  name: w\r\nspec:\r\n  selector:\r\n    matchLabels:\r\n      app: w\r\n  template:\r\n    metadata:\r\n      labels:\r\n        app: w\r\n    spec:\r\n      containers:\r\n      - name: w\r\n        image: w\r\n"
    );
}

#[test]
fn json_files_lose_entries_with_their_commas() {
    let input = r#"{
  "apiVersion": "apps/v1",
  "kind": "DaemonSet",
  "metadata": {"uid": "1", "name": "j", "generation": 4},
  "spec": {
    "replicas": 1,
    "selector": {"matchLabels": {"app": "j"}},
    "template": {"metadata": {"labels": {"app": "j"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}},
    "progressDeadlineSeconds": 600
  }
}
"#;
    let out = fixed(input, &[]);
    assert_eq!(
        out,
        r#"{
  "apiVersion": "apps/v1",
  "kind": "DaemonSet",
  "metadata": {"name": "j"},
  "spec": {
    "selector": {"matchLabels": {"app": "j"}},
    "template": {"metadata": {"labels": {"app": "j"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}
  }
}
"#
    );
}

#[test]
fn duplicate_key_keeps_the_value_kubernetes_keeps() {
    let input = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  mode: fast  # old\n  other: x\n  mode: safe\n";
    assert_eq!(fixed(input, &[]), input);
    assert_eq!(
        fixed(input, &["--unsafe-fixes"]),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  other: x\n  mode: safe\n"
    );
}

#[test]
fn an_anchor_used_elsewhere_is_refused_and_reported() {
    let input = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: batch
  labels:
    frozen: &f yes
    a: on
spec:
  paused: *f
  selector:
    matchLabels: {app: batch}
  template:
    metadata:
      labels: {app: batch, b: no, c: 1.10, d: yes}
    spec:
      containers: [{name: b, image: b}]
";
    let r = run_stdin(
        &["fix", "--stdin-filename", "in.yaml", "-"],
        input.as_bytes(),
    );
    assert_eq!(r.code, 0);
    // the other fixes in the document still apply
    assert_eq!(
        r.stdout,
        input.replace("a: on", "a: \"on\"").replace(
            "b: no, c: 1.10, d: yes",
            "b: \"no\", c: \"1.10\", d: \"yes\""
        )
    );
    assert!(
        r.stderr.contains("4 fixes applied in 1 file, 1 refused"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("in.yaml:6:16: warning[fix-refused] `non-string-value` fix not applied (quote `yes` as \"yes\"): it would also change `spec.paused`"),
        "{}",
        r.stderr
    );
}

#[test]
fn files_that_do_not_parse_are_not_touched() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {a: yes\nstatus: {}\n";
    let p = write(dir.path(), "broken.yaml", text);
    let r = run(&["fix", "."], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(p).unwrap(), text);
    // and lint does not offer fixes it will not apply
    let (_, v) = lint_json(&["."], &[], Some(dir.path()));
    assert!(
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["fix"].is_null()),
        "{v}"
    );
    assert_eq!(v["summary"]["fixes"]["available"], 0);
}

#[test]
fn check_diff_and_write() {
    let dir = tempfile::tempdir().unwrap();
    let bad =
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  selector:\n    on: yes\n";
    let clean = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
    let p = write(dir.path(), "svc.yaml", bad);
    write(dir.path(), "cm.yaml", clean);

    let r = run(&["fix", "--check", "."], Some(dir.path()));
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "would fix ./svc.yaml: 2 findings\n");
    assert_eq!(std::fs::read_to_string(&p).unwrap(), bad);

    let r = run(&["fix", "--diff", "."], Some(dir.path()));
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("--- ./svc.yaml\n+++ ./svc.yaml\n@@ -4,4 +4,4 @@\n   name: s\n spec:\n   selector:\n-    on: yes\n+    \"on\": \"yes\"\n"),
        "{}",
        r.stdout
    );
    assert_eq!(std::fs::read_to_string(&p).unwrap(), bad);

    let r = run(&["fix", "."], Some(dir.path()));
    assert_eq!(r.code, 0);
    assert!(
        r.stderr
            .contains("2 files: 2 fixes applied in 1 file; 1 finding left"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&p).unwrap(),
        bad.replace("on: yes", "\"on\": \"yes\"")
    );

    // idempotent, and --check is now quiet whatever findings remain (the selector matches nothing)
    let r = run(&["fix", "--check", "."], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.stdout, "");
}

#[test]
fn lint_fix_writes_then_reports_what_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "rng.yaml", RNG);
    let (code, v) = lint_json(&["."], &["--fix"], Some(dir.path()));
    assert_eq!(code, 1, "the strategy is left: {v}");
    assert_eq!(
        findings(&v),
        vec![("field-not-for-kind".to_string(), 14, 3)]
    );
    let d = &v["diagnostics"][0];
    assert_eq!(d["fix"]["applicability"], "unsafe");
    assert_eq!(v["summary"]["fixes"]["applied"], 5);
    assert_eq!(v["summary"]["fixes"]["files_changed"], 1);
    assert_eq!(v["summary"]["fixes"]["available"], 1);
    assert_eq!(v["summary"]["fixes"]["refused"], 0);
    assert_eq!(
        v["summary"]["fixes"]["rules"]["server-populated-field"][0],
        4
    );
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(!text.contains("status") && !text.contains("replicas"));

    let (code, _) = lint_json(&["."], &["--fix", "--unsafe-fixes"], Some(dir.path()));
    assert_eq!(code, 0);
}

#[test]
fn json_output_carries_each_fix_as_byte_edits() {
    let dir = tempfile::tempdir().unwrap();
    let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  selector:\n    active: yes\n";
    write(dir.path(), "s.yaml", text);
    let (_, v) = lint_json(&["s.yaml"], &[], Some(dir.path()));
    let fix = &v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "non-string-value")
        .unwrap()["fix"];
    assert_eq!(fix["applicability"], "safe");
    assert_eq!(fix["message"], "quote `yes` as \"yes\"");
    let start = text.find("yes").unwrap();
    assert_eq!(
        fix["edits"],
        serde_json::json!([{"start": start, "end": start + 3, "content": "\"yes\""}])
    );
    assert_eq!(v["summary"]["fixes"]["available"], 1);
}

#[test]
fn stdin_passes_text_through_when_nothing_applies() {
    let text =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n# trailing comment, no newline";
    assert_eq!(fixed(text, &[]), text);
    // not Kubernetes at all
    assert_eq!(fixed("just: data\n", &[]), "just: data\n");
    // undecodable input: an error, nothing on stdout for an editor to paste
    let r = run_stdin(&["fix", "-"], b"a: \xff\n");
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert!(r.stderr.contains("-: error: not UTF-8"), "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn permissions_are_kept_and_links_written_through() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "real.yaml", RNG);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink("real.yaml", dir.path().join("link.yaml")).unwrap();
    let r = run(&["fix", "link.yaml"], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let meta = std::fs::symlink_metadata(dir.path().join("link.yaml")).unwrap();
    assert!(meta.file_type().is_symlink());
    assert_ne!(std::fs::read_to_string(&p).unwrap(), RNG);
    assert_eq!(
        std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
        0o640
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".kure-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
#[cfg_attr(
    not(feature = "test-hooks"),
    ignore = "needs the write hooks: cargo test --features test-hooks"
)]
fn a_write_interrupted_before_the_rename_leaves_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "rng.yaml", RNG);
    let out = kure()
        .args(["fix", "rng.yaml"])
        .current_dir(dir.path())
        .env("KURE_TEST_CRASH_BEFORE_RENAME", "1")
        .output()
        .unwrap();
    assert!(!out.status.success(), "the process was killed");
    assert_eq!(std::fs::read_to_string(&p).unwrap(), RNG);
    // the fixed text had been written, to a temporary file beside it
    let temps: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".kure-"))
        .collect();
    assert_eq!(temps.len(), 1, "{temps:?}");
    // a later run does not lint it, fixes the file, and removes what the killed run left
    let r = run(&["fix", "."], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_ne!(std::fs::read_to_string(&p).unwrap(), RNG);
    let temps: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".kure-"))
        .collect();
    assert!(temps.is_empty(), "{temps:?}");
}

#[test]
fn usage_errors() {
    let r = run(&["lint", "--fix", "-"], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("kure fix -"), "{}", r.stderr);
    let r = run(&["fix", "-", "x.yaml"], None);
    assert_eq!(r.code, 2);
    let r = run(&["lint", "--unsafe-fixes", "."], None);
    assert_eq!(r.code, 2, "--unsafe-fixes needs --fix");
}

#[test]
fn removals_leave_no_blank_hole() {
    let input = "\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: x
spec:
  replicas: 1

  minReadySeconds: 3

  paused: false

  selector:
    matchLabels: {app: x}
  template:
    metadata: {labels: {app: x}}
    spec: {containers: [{name: c, image: i}]}
";
    assert_eq!(
        fixed(input, &[]),
        "\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: x
spec:
  minReadySeconds: 3

  selector:
    matchLabels: {app: x}
  template:
    metadata: {labels: {app: x}}
    spec: {containers: [{name: c, image: i}]}
"
    );
}

#[test]
fn an_added_selector_leaves_the_comments_above_template_with_it() {
    let input = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\nspec:\n  replicas: 1 # one\n  # the pods\n  template:\n    metadata:\n      labels:\n        app: w\n        \"tier\": 'web'\n    spec:\n      containers:\n      - name: w\n        image: w\n";
    assert_eq!(
        fixed(input, &["--unsafe-fixes"]),
        input.replace(
            "  # the pods\n",
            "  selector:\n    matchLabels:\n      app: w\n      \"tier\": 'web'\n  # the pods\n"
        )
    );
}

/// `kure fix --diff` is a patch: applied with `patch -p0`, it gives what `kure fix` writes.
#[test]
fn the_diff_applies_as_a_patch() {
    let Ok(status) = std::process::Command::new("patch")
        .arg("--version")
        .output()
    else {
        common::skip("no `patch` on this machine");
        return;
    };
    assert!(status.status.success());
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for d in [a.path(), b.path()] {
        write(d, "dockercoins/rng.yaml", RNG);
        write(
            d,
            "dockercoins/svc.yaml",
            "apiVersion: v1\r\nkind: Service\r\nmetadata:\r\n  name: s\r\nspec:\r\n  selector:\r\n    on: yes\r\n",
        );
    }
    let diff = run(&["fix", "--diff", "--unsafe-fixes", "."], Some(a.path()));
    assert_eq!(diff.code, 1);
    let mut child = std::process::Command::new("patch")
        .args(["-p0", "--binary", "--quiet"])
        .current_dir(a.path())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(diff.stdout.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    let r = run(&["fix", "--unsafe-fixes", "."], Some(b.path()));
    assert_eq!(r.code, 0);
    for f in ["dockercoins/rng.yaml", "dockercoins/svc.yaml"] {
        assert_eq!(
            std::fs::read(a.path().join(f)).unwrap(),
            std::fs::read(b.path().join(f)).unwrap(),
            "{f}"
        );
    }
}
