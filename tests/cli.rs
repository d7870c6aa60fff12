//! End-to-end: the binary on fixtures, asserting rule, line, column and exit code.

mod common;
use common::*;

fn has(v: &serde_json::Value, rule: &str, line: u64, col: u64) -> bool {
    findings(v)
        .iter()
        .any(|(r, l, c)| r == rule && *l == line && *c == col)
}

fn rules_of(v: &serde_json::Value) -> Vec<String> {
    findings(v).into_iter().map(|(r, _, _)| r).collect()
}

#[test]
fn example_repo_findings_and_exit_code() {
    let (code, v) = lint_json(&["testdata/example"], &[], Some(&repo_root()));
    assert_eq!(code, 1);
    let got = findings_by_path(&v);
    let p = |f: &str| format!("testdata/example/dockercoins/{f}");
    let mut want = vec![
        (
            p("hasher.yaml"),
            "selector-template-mismatch".to_string(),
            10,
            3,
        ),
        (
            p("rng-service.yaml"),
            "non-string-value".to_string(),
            10,
            13,
        ),
        (p("rng.yaml"), "server-populated-field".to_string(), 7, 5),
        (p("rng.yaml"), "server-populated-field".to_string(), 8, 3),
        (p("rng.yaml"), "server-populated-field".to_string(), 9, 3),
        (p("rng.yaml"), "server-populated-field".to_string(), 14, 3),
        (p("rng.yaml"), "server-populated-field".to_string(), 15, 3),
        (p("rng.yaml"), "field-not-for-kind".to_string(), 17, 3),
        (p("rng.yaml"), "field-not-for-kind".to_string(), 18, 3),
        (p("rng.yaml"), "field-not-for-kind".to_string(), 23, 3),
        (p("rng.yaml"), "server-populated-field".to_string(), 39, 1),
        (
            p("webui-service.yaml"),
            "service-selector-no-match".to_string(),
            8,
            3,
        ),
    ];
    want.sort();
    assert_eq!(got, want);
    let s = &v["summary"];
    assert_eq!(s["files"], 16);
    assert_eq!(s["linted"], 10);
    assert_eq!(s["skipped"].as_array().unwrap().len(), 6);
    assert_eq!(s["findings"]["error"], 6);
    assert_eq!(s["findings"]["warning"], 6);
    let skipped: Vec<&str> = s["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["reason"].as_str().unwrap())
        .collect();
    assert!(skipped.contains(&"helm-template"));
}

#[test]
fn json_shape_follows_the_contract() {
    let (_, v) = lint_json(&["testdata/example/dockercoins"], &[], Some(&repo_root()));
    assert_eq!(v["version"], 1);
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "service-selector-no-match")
        .unwrap();
    assert_eq!(d["severity"], "error");
    assert_eq!(d["object"]["kind"], "Service");
    assert_eq!(d["object"]["apiVersion"], "v1");
    assert_eq!(d["object"]["namespace"], "dockercoins");
    assert_eq!(d["object"]["name"], "webui");
    assert!(d["fix"].is_null());
    let span = &d["span"];
    assert_eq!(span["start"]["line"], 8);
    assert_eq!(span["end"]["line"], 9);
    let rel = &d["related"][0];
    assert_eq!(rel["path"], "testdata/example/dockercoins/webui.yaml");
    assert_eq!(rel["span"]["start"]["line"], 12);
    assert!(
        rel["message"]
            .as_str()
            .unwrap()
            .contains("has `app: webui`")
    );
    for key in [
        "files", "linted", "objects", "skipped", "errors", "findings", "fixes",
    ] {
        assert!(!v["summary"][key].is_null(), "summary.{key}");
    }
    assert_eq!(v["summary"]["fixes"]["applied"], 0);
}

#[test]
fn concise_format_and_summary_line() {
    let r = run(
        &[
            "lint",
            "--format",
            "concise",
            // the files alone, not with the rest of kure's own repository as context
            "--isolated",
            "testdata/example/dockercoins/rng-service.yaml",
            "testdata/example/dockercoins/rng.yaml",
        ],
        Some(&repo_root()),
    );
    assert_eq!(r.code, 1);
    assert!(r.stdout.lines().any(|l| l == "testdata/example/dockercoins/rng-service.yaml:10:13: error[non-string-value] `yes` is read as boolean true; selectors need a string [*]"), "{}", r.stdout);
    assert!(
        r.stdout.lines().any(|l| l.starts_with(
            "testdata/example/dockercoins/rng.yaml:23:3: error[field-not-for-kind] `spec.strategy`"
        ) && l.ends_with(" [~]")),
        "{}",
        r.stdout
    );
    assert!(
        r.stderr.contains(
            "2 files: 2 linted, 0 skipped, 0 unreadable; 2 objects; 4 errors, 6 warnings, 0 infos; 9 fixable with `kure fix`, 1 with `kure fix --unsafe-fixes`"
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn human_format_shows_snippet_and_help() {
    let r = run(
        &[
            "lint",
            "testdata/example/dockercoins/rng-service.yaml",
            "testdata/example/dockercoins/rng.yaml",
        ],
        Some(&repo_root()),
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("rng-service.yaml:10:13: `yes` is read as boolean true")
    );
    assert!(r.stdout.contains("10 │     active: yes"));
    assert!(r.stdout.contains("help: quote it: `\"yes\"`"));
    assert!(
        !r.stdout.contains("\u{1b}["),
        "no colour when NO_COLOR is set or not a terminal"
    );
}

/// The snippet header counts columns in characters, as the message line does, after
/// multi-byte text earlier on the line; CRLF and a BOM do not shift it either.
#[test]
fn human_snippet_header_counts_characters() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "mb.yaml",
        "\u{feff}apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: c\r\n  annotations: {ünïcödé: \"x\", a: yes}\r\n",
    );
    let r = run(&["lint", "mb.yaml"], Some(dir.path()));
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("mb.yaml:5:34: `yes` is read as boolean true"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("╭─[mb.yaml:5:34]"), "{}", r.stdout);
    assert!(r.stdout.contains("╭─[mb.yaml:5:17]"), "{}", r.stdout);
    assert!(
        r.stdout.contains(" 5 │   annotations: {ünïcödé"),
        "{}",
        r.stdout
    );
}

#[test]
fn format_to_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.json");
    let spec = format!("json={}", out.display());
    let r = run(
        &[
            "lint",
            "--format",
            "concise",
            "--format",
            &spec,
            "testdata/example/dockercoins/hasher.yaml",
        ],
        Some(&repo_root()),
    );
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("error[selector-template-mismatch]"));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    assert_eq!(v["diagnostics"][0]["rule"], "selector-template-mismatch");
    let r = run(&["lint", "--format", "xml", "."], None);
    assert_eq!(r.code, 2);
}

#[test]
fn clean_files_exit_zero_and_missing_paths_exit_two() {
    let (code, v) = lint_json(&["testdata/example/redis"], &[], Some(&repo_root()));
    assert_eq!(code, 0, "{v}");
    assert_eq!(findings(&v), vec![]);
    let r = run(&["lint", "does/not/exist.yaml"], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("does/not/exist.yaml: error:"),
        "{}",
        r.stderr
    );
}

#[test]
fn select_and_ignore() {
    let (_, v) = lint_json(
        &["testdata/example/dockercoins/rng.yaml"],
        &["--select", "field-not-for-kind"],
        Some(&repo_root()),
    );
    assert!(rules_of(&v).iter().all(|r| r == "field-not-for-kind"));
    assert_eq!(rules_of(&v).len(), 3);
    let (code, v) = lint_json(
        &["testdata/example/dockercoins/rng.yaml"],
        &["--ignore", "field-not-for-kind,server-populated-field"],
        Some(&repo_root()),
    );
    assert_eq!(code, 0);
    assert!(rules_of(&v).is_empty());
    let r = run(&["lint", "--select", "nope", "."], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown rule `nope`"));
}

#[test]
fn stdin_with_a_name() {
    let text = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    on: yes\n";
    let r = run_stdin(
        &[
            "lint",
            "--format",
            "concise",
            "--stdin-filename",
            "k8s/cm.yaml",
            "-",
        ],
        text,
    );
    assert_eq!(r.code, 1);
    assert!(r.stdout.contains("k8s/cm.yaml:6:5: error[non-string-value] key `on` is read as boolean true and becomes `\"true\"`"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("k8s/cm.yaml:6:9: error[non-string-value] `yes`"),
        "{}",
        r.stdout
    );
    let r = run_stdin(&["lint", "--stdin-filename", "k8s/cm.yaml", "-"], text);
    assert!(r.stdout.contains("6 │     on: yes"), "{}", r.stdout);
}

#[test]
fn spans_are_exact_with_bom_crlf_and_multibyte_text() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\u{feff}apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: x\r\n  annotations:\r\n    note: \"héllo wörld ✓\"\r\n    a: on\r\n";
    write(dir.path(), "cm.yaml", text);
    let (_, v) = lint_json(&["cm.yaml"], &[], Some(dir.path()));
    assert_eq!(findings(&v), vec![("non-string-value".to_string(), 7, 8)]);
    let d = &v["diagnostics"][0];
    let off = d["span"]["start"]["offset"].as_u64().unwrap() as usize;
    assert_eq!(&text[off..off + 2], "on");
    assert_eq!(d["span"]["end"]["column"], 10);
    // a multi-byte value before the finding on the same line
    let text =
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, annotations: {é: \"ü\", b: 0777}}\n";
    write(dir.path(), "cm.yaml", text);
    let (_, v) = lint_json(&["cm.yaml"], &[], Some(dir.path()));
    // `é` is not a valid annotation key (ASCII only), and `0777` is an integer
    assert_eq!(
        findings(&v),
        vec![
            ("invalid-label".to_string(), 3, 35),
            ("non-string-value".to_string(), 3, 46)
        ]
    );
    assert!(
        v["diagnostics"][1]["message"]
            .as_str()
            .unwrap()
            .contains("integer 511")
    );
}

#[test]
fn parse_error_position_and_later_documents_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "f.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata: [x, y\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n  labels: {k: off}\n",
    );
    let (code, v) = lint_json(&["f.yaml"], &[], Some(dir.path()));
    assert_eq!(code, 1);
    let f = findings(&v);
    assert_eq!(f[0].0, "parse-error");
    assert_eq!(f[0].1, 5);
    assert!(has(&v, "non-string-value", 11, 15), "{f:?}");
}

#[test]
fn kustomize_read_files_get_a_warning_for_yaml11_only_booleans() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "kustomization.yaml", "resources:\n- cm.yaml\n");
    write(
        dir.path(),
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    a: yes\n    b: true\n",
    );
    let (code, v) = lint_json(&["."], &[], Some(dir.path()));
    let sev: Vec<(u64, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["span"]["start"]["line"].as_u64().unwrap(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        sev,
        vec![(6, "warning".to_string()), (7, "error".to_string())]
    );
    assert_eq!(code, 1);
    // the same file outside any kustomization: both are errors
    let other = tempfile::tempdir().unwrap();
    write(
        other.path(),
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    a: yes\n    b: true\n",
    );
    let (_, v) = lint_json(&["."], &[], Some(other.path()));
    assert!(
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["severity"] == "error")
    );
}

const DEPLOY_NS_B: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: b\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers: [{name: web, image: nginx}]\n";

#[test]
fn services_select_only_in_their_namespace() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "deploy.yaml", DEPLOY_NS_B);
    write(
        dir.path(),
        "svc-a.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web-a\n  namespace: a\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n",
    );
    write(
        dir.path(),
        "svc-b.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web-b\n  namespace: b\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n",
    );
    write(
        dir.path(),
        "svc-any.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web-any\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n",
    );
    let (_, v) = lint_json(&["."], &[], Some(dir.path()));
    let paths: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, vec!["./svc-a.yaml"]);
}

#[test]
fn services_that_are_not_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: ext}\nspec:\n  type: ExternalName\n  externalName: db.example.com\n  selector: {app: nothing}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: manual}\nspec:\n  ports: [{port: 80}]\n---\napiVersion: v1\nkind: Service\nmetadata: {name: quoted}\nspec:\n  selector: {app: \"web\"}\n",
    );
    write(dir.path(), "deploy.yaml", DEPLOY_NS_B);
    let (code, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(findings(&v), vec![]);
    assert_eq!(code, 0);
}

#[test]
fn controller_and_operator_labels_are_selectable() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "sts.yaml",
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: redis}\nspec:\n  replicas: 3\n  serviceName: redis\n  selector: {matchLabels: {app: redis}}\n  template:\n    metadata: {labels: {app: redis}}\n    spec: {containers: [{name: r, image: redis}]}\n",
    );
    write(
        dir.path(),
        "svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: redis-2}\nspec:\n  selector: {statefulset.kubernetes.io/pod-name: redis-2}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: redis-3}\nspec:\n  selector: {statefulset.kubernetes.io/pod-name: redis-3}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: prom}\nspec:\n  selector: {app.kubernetes.io/name: prometheus, prometheus: k8s}\n",
    );
    write(
        dir.path(),
        "prom.yaml",
        "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s}\nspec:\n  podMetadata:\n    labels: {app.kubernetes.io/component: prometheus}\n",
    );
    // (the StatefulSet's missing headless Service is another rule's)
    let (_, v) = lint_json(
        &["."],
        &["--ignore", "statefulset-service-not-found"],
        Some(dir.path()),
    );
    assert_eq!(
        findings(&v),
        vec![("service-selector-no-match".to_string(), 11, 3)]
    );
    assert!(
        v["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("redis-3")
    );
}

#[test]
fn workload_selector_cases() {
    let dir = tempfile::tempdir().unwrap();
    let cases = "\
apiVersion: v1
kind: ReplicationController
metadata: {name: rc-defaulted}
spec:
  template:
    metadata: {labels: {app: a}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: rc-bad}
spec:
  selector: {app: b}
  template:
    metadata: {labels: {app: a}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: job-selector}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec: {restartPolicy: Never, containers: [{name: c, image: i}]}
---
apiVersion: batch/v1
kind: Job
metadata: {name: job-manual}
spec:
  manualSelector: true
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec: {restartPolicy: Never, containers: [{name: c, image: i}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: empty}
spec:
  selector: {}
  template:
    metadata: {labels: {app: a}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: none}
spec:
  template:
    metadata: {labels: {app: a}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: expressions}
spec:
  selector:
    matchExpressions:
    - {key: app, operator: In, values: [a, b]}
    - {key: track, operator: NotIn, values: [canary]}
  template:
    metadata: {labels: {app: a}}
    spec: {containers: [{name: c, image: i}]}
";
    write(dir.path(), "w.yaml", cases);
    let (_, v) = lint_json(
        &["w.yaml"],
        &["--select", "selector-template-mismatch"],
        Some(dir.path()),
    );
    let lines: Vec<u64> = findings(&v).iter().map(|f| f.1).collect();
    assert_eq!(lines, vec![13, 22, 41, 49], "{v}");
    let msgs: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert!(msgs[1].contains("not auto-generated"));
    assert!(msgs[2].contains("empty selector is invalid for deployment"));
    assert!(msgs[3].contains("Required value"));
}

#[test]
fn duplicate_keys_and_merge_overrides() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "d.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels: &l\n    a: b\ndata:\n  <<: {k: v}\n  k: override\n  z: 1\n  z: 2\n",
    );
    let (_, v) = lint_json(
        &["d.yaml"],
        &["--select", "duplicate-key"],
        Some(dir.path()),
    );
    assert_eq!(findings(&v), vec![("duplicate-key".to_string(), 11, 3)]);
    assert_eq!(
        v["diagnostics"][0]["related"][0]["span"]["start"]["line"],
        10
    );
}

#[test]
fn duplicate_objects_follow_apply_groups() {
    let dir = tempfile::tempdir().unwrap();
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n";
    write(
        dir.path(),
        "base/kustomization.yaml",
        "resources: [cm.yaml]\n",
    );
    write(dir.path(), "base/cm.yaml", cm);
    write(
        dir.path(),
        "overlays/a/kustomization.yaml",
        "namespace: a\nresources: [../../base]\n",
    );
    write(
        dir.path(),
        "overlays/b/kustomization.yaml",
        "namespace: b\nresources: [../../base]\n",
    );
    write(dir.path(), "plain/one.yaml", cm);
    write(dir.path(), "plain/two.yaml", cm);
    let (_, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(findings(&v), vec![("duplicate-object".to_string(), 4, 3)]);
    assert_eq!(v["diagnostics"][0]["path"], "./plain/two.yaml");
    assert_eq!(
        v["diagnostics"][0]["related"][0]["path"],
        "./plain/one.yaml"
    );
}

/// Two files that share several objects are one finding; a duplicate within a file, or a
/// single object shared by two files, is one finding each.
#[test]
fn files_that_share_objects_are_one_finding() {
    let dir = tempfile::tempdir().unwrap();
    let cm = |name: &str| format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n");
    let install = [cm("a"), cm("b"), cm("c")].join("---\n");
    write(dir.path(), "install.yaml", &install);
    write(
        dir.path(),
        "namespace-install.yaml",
        &[cm("x"), cm("a"), cm("b"), cm("c")].join("---\n"),
    );
    write(dir.path(), "other.yaml", &[cm("z"), cm("z")].join("---\n"));
    let r = run(
        &["lint", "--format", "concise", "-q", "."],
        Some(dir.path()),
    );
    assert_eq!(
        r.stdout,
        "./namespace-install.yaml:9:3: error[duplicate-object] 3 objects here are also defined in `./install.yaml`, in the same directory; the first, ConfigMap `a`, at ./install.yaml:4:3\n\
         ./other.yaml:9:3: error[duplicate-object] ConfigMap `z` is defined twice in the same directory (first at ./other.yaml:4:3)\n"
    );
}

#[test]
fn patches_are_partial_objects() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "kustomization.yaml",
        "resources: [deploy.yaml]\npatches:\n- path: patch.yaml\n",
    );
    write(dir.path(), "deploy.yaml", DEPLOY_NS_B);
    write(
        dir.path(),
        "patch.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: b\nspec:\n  replicas: 2\n  template:\n    metadata:\n      labels: {version: v2}\n",
    );
    write(
        dir.path(),
        "svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: b}\nspec:\n  selector: {app: web, version: v2}\n",
    );
    let (code, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(findings(&v), vec![]);
    assert_eq!(code, 0);
}

#[test]
fn lists_json_and_file_classes() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "list.yaml",
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a, labels: {x: 1.0}}\n",
    );
    write(
        dir.path(),
        "cm.json",
        "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"j\", \"labels\": {\"ok\": true}}}\n",
    );
    write(dir.path(), "empty.yaml", "");
    write(dir.path(), "comments.yaml", "# nothing\n---\n");
    write(dir.path(), "values.yaml", "replicas: 1\n");
    write(
        dir.path(),
        "tpl.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Name }}\n{{- if .X }}\n  - bad\n{{ end }}\n",
    );
    write(
        dir.path(),
        "alert.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: alerts}\ndata:\n  rule: \"{{ $labels.instance }} is down\"\n",
    );
    write(dir.path(), "notes.txt", "not yaml\n");
    let (_, v) = lint_json(&["."], &[], Some(dir.path()));
    assert!(has(&v, "non-string-value", 6, 35), "{v}");
    assert!(has(&v, "non-string-value", 1, 86), "{v}");
    let s = &v["summary"];
    assert_eq!(s["files"], 7);
    assert_eq!(s["linted"], 3);
    let mut reasons: Vec<(String, String)> = s["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["path"].as_str().unwrap().to_string(),
                x["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    reasons.sort();
    assert_eq!(
        reasons,
        vec![
            ("./comments.yaml".to_string(), "empty".to_string()),
            ("./empty.yaml".to_string(), "empty".to_string()),
            ("./tpl.yaml".to_string(), "go-template".to_string()),
            ("./values.yaml".to_string(), "not-kubernetes".to_string()),
        ]
    );
}

#[test]
fn ignore_files_exclude_and_no_ignore() {
    let dir = tempfile::tempdir().unwrap();
    let bad = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, labels: {a: yes}}\n";
    write(dir.path(), ".gitignore", "generated/\n");
    write(dir.path(), "generated/cm.yaml", bad);
    write(dir.path(), "vendor/cm.yaml", bad);
    write(dir.path(), "app/cm.yaml", bad);
    let (_, v) = lint_json(&["."], &["--exclude", "vendor/**"], Some(dir.path()));
    assert_eq!(v["summary"]["files"], 1);
    let (_, v) = lint_json(&["."], &["--no-ignore"], Some(dir.path()));
    assert_eq!(v["summary"]["files"], 3);
    // a file named explicitly is always read
    let (_, v) = lint_json(&["generated/cm.yaml"], &[], Some(dir.path()));
    assert_eq!(v["summary"]["linted"], 1);
}

#[test]
fn output_order_is_deterministic() {
    let a = run(
        &["lint", "--format", "concise", "testdata/example"],
        Some(&repo_root()),
    );
    for _ in 0..3 {
        let b = run(
            &["lint", "--format", "concise", "testdata/example"],
            Some(&repo_root()),
        );
        assert_eq!(a.stdout, b.stdout);
    }
    let mut sorted: Vec<&str> = a.stdout.lines().collect();
    let orig = sorted.clone();
    sorted.sort_by_key(|l| {
        let mut it = l.splitn(3, ':');
        (
            it.next().unwrap().to_string(),
            it.next().unwrap().parse::<u64>().unwrap(),
        )
    });
    assert_eq!(orig, sorted);
}

#[test]
fn rules_listing() {
    let r = run(&["rules"], None);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .lines()
            .next()
            .unwrap()
            .starts_with("service-selector-no-match")
    );
    assert_eq!(r.stdout.lines().count(), 38);
    assert!(r.stdout.contains("unknown-field "), "{}", r.stdout);
    // `*` marks the rules that can fix what they find
    let line = |id: &str| {
        r.stdout
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap()
            .to_string()
    };
    assert!(line("non-string-value ").contains(" error    * "));
    assert!(line("service-selector-no-match ").contains(" error      "));
    assert!(line("deprecated-api-version ").contains(" warning  * "));
}

#[test]
fn rollout_pod_groups_with_their_own_labels_are_selectable() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "rollout.yaml",
        "\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: web:1
  strategy:
    canary:
      canaryMetadata:
        labels:
          role: canary
      steps:
      - experiment:
          templates:
          - name: preview
            specRef: canary
            selector:
              matchLabels:
                app: web-preview
            metadata:
              labels:
                app: web-preview
---
apiVersion: v1
kind: Service
metadata:
  name: preview
spec:
  selector:
    app: web-preview
---
apiVersion: v1
kind: Service
metadata:
  name: canary
spec:
  selector:
    app: web
    role: canary
---
apiVersion: v1
kind: Service
metadata:
  name: typo
spec:
  selector:
    app: web-previews
",
    );
    let (_, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(
        findings(&v),
        vec![("service-selector-no-match".to_string(), 56, 3)],
        "{v}"
    );
    assert_eq!(
        v["diagnostics"][0]["related"][0]["message"],
        "closest pod template, Rollout/web: `app` is one of `web`, `web-preview`"
    );
}

/// `creationTimestamp: null` and `status: {}` come from `kubectl create --dry-run -o yaml`,
/// not from a dump, and the messages say so; a real dump's fields keep theirs.
#[test]
fn dry_run_artefacts_are_named_as_such() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "dry.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  creationTimestamp: null\n  name: c\nstatus: {}\n",
    );
    write(
        dir.path(),
        "dump.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  creationTimestamp: \"2024-01-01T00:00:00Z\"\n  name: d\nstatus:\n  phase: x\n",
    );
    let r = run(
        &["lint", "-q", "--format", "concise", "."],
        Some(dir.path()),
    );
    assert_eq!(
        r.stdout,
        "./dry.yaml:4:3: warning[server-populated-field] `metadata.creationTimestamp: null` is left by `kubectl create --dry-run -o yaml`; the server writes this field [*]\n\
         ./dry.yaml:6:1: warning[server-populated-field] `status: {}` is left by `kubectl create --dry-run -o yaml`; the server writes `status` [*]\n\
         ./dump.yaml:4:3: warning[server-populated-field] `metadata.creationTimestamp` is written by the server [*]\n\
         ./dump.yaml:6:1: warning[server-populated-field] `status` is written by the server; a `kubectl get -o yaml` dump left it here [*]\n"
    );
}

/// The nearest miss of a Service that selects nothing is not a workload another Service
/// already selects; when it is the only near one, the finding says whose it is.
#[test]
fn nearest_miss_is_not_another_services_workload() {
    let dir = tempfile::tempdir().unwrap();
    let deploy = |name: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers: [{{name: c, image: i}}]\n"
        )
    };
    let svc = |name: &str, app: &str| {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector: {{app: {app}}}\n  ports: [{{port: 80}}]\n"
        )
    };
    write(dir.path(), "web.yaml", &deploy("web"));
    write(dir.path(), "web-svc.yaml", &svc("web", "web"));
    write(dir.path(), "typo-svc.yaml", &svc("typo", "wbe"));
    let (_, v) = lint_json(
        &["."],
        &["--select", "service-selector-no-match"],
        Some(dir.path()),
    );
    let d = &v["diagnostics"][0];
    assert_eq!(d["path"], "./typo-svc.yaml", "{v}");
    // `wbe` is a slip for `web`, even though Service/web selects those pods already
    assert_eq!(
        d["related"][0]["message"],
        "the pod template of Deployment/web has `app: web`"
    );
    assert_eq!(
        d["help"],
        "did you mean `app: web`? with it the selector matches Deployment/web"
    );
    // a second slip as near, whose pods no Service selects yet, is the one pointed at
    write(dir.path(), "wbe2.yaml", &deploy("wbe2"));
    let (_, v) = lint_json(
        &["."],
        &["--select", "service-selector-no-match"],
        Some(dir.path()),
    );
    let related = v["diagnostics"][0]["related"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        related, "the pod template of Deployment/wbe2 has `app: wbe2`",
        "{v}"
    );
}

/// Hidden files and directories are walked (`.archive/`, `.github/`); `.git/` is not.
#[test]
fn hidden_directories_are_walked_but_not_git() {
    let dir = tempfile::tempdir().unwrap();
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {on: yes}\n";
    write(dir.path(), ".archive/old.yaml", cm);
    write(
        dir.path(),
        ".github/workflows/ci.yaml",
        "on: push\njobs: {}\n",
    );
    write(dir.path(), ".git/config.yaml", cm);
    write(dir.path(), ".hidden.yaml", cm);
    let (_, v) = lint_json(&["."], &["--select", "non-string-value"], Some(dir.path()));
    let mut paths: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    paths.dedup();
    assert_eq!(paths, ["./.archive/old.yaml", "./.hidden.yaml"], "{v}");
    assert_eq!(v["summary"]["files"], 3, "{v}");
}

/// Annotations that are all the server's go with their `annotations:` key; one the user wrote
/// keeps the map.
#[test]
fn server_annotations_leave_no_empty_map() {
    let head = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n";
    let tail = "spec:\n  selector: {matchLabels: {app: x}}\n  template:\n    metadata: {labels: {app: x}}\n    spec: {containers: [{name: c, image: i}]}\n";
    let server = "  annotations:\n    deployment.kubernetes.io/revision: \"1\"\n    kubectl.kubernetes.io/last-applied-configuration: \"{}\"\n";
    let r = run_stdin(
        &["fix", "--stdin-filename", "d.yaml", "-"],
        format!("{head}{server}{tail}").as_bytes(),
    );
    assert_eq!(r.stdout, format!("{head}{tail}"), "{}", r.stderr);
    let mine = format!("{server}    team: web\n");
    let r = run_stdin(
        &["fix", "--stdin-filename", "d.yaml", "-"],
        format!("{head}{mine}{tail}").as_bytes(),
    );
    assert_eq!(
        r.stdout,
        format!("{head}  annotations:\n    team: web\n{tail}"),
        "{}",
        r.stderr
    );
}

/// A tool on the PATH, or a skip (a failure under CI).
fn system_tool(name: &str) -> Option<std::path::PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        skip(&format!("`{name}` is not on the PATH"));
    }
    found
}

#[test]
fn completions_for_every_shell_name_the_commands_and_their_flags() {
    for shell in ["bash", "elvish", "fish", "powershell", "zsh"] {
        let r = run(&["completions", shell], None);
        assert_eq!(r.code, 0, "{shell}: {}", r.stderr);
        for word in ["lint", "migrate", "no-catalog", "strict-references"] {
            assert!(r.stdout.contains(word), "{shell} completions lack {word}");
        }
    }
    let r = run(&["completions", "tcsh"], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("bash"), "{}", r.stderr);
}

#[test]
fn the_bash_completion_script_loads_and_completes_a_command() {
    let Some(bash) = system_tool("bash") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let script = write(
        dir.path(),
        "kure.bash",
        &run(&["completions", "bash"], None).stdout,
    );
    // the completion function bash would call for `kure mig<TAB>`
    let out = std::process::Command::new(bash)
        .arg("-c")
        .arg(format!(
            "set -e; source '{}'; complete -p kure; COMP_WORDS=(kure mig); COMP_CWORD=1; _kure kure mig kure; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        ))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("-F _kure kure"), "{stdout}");
    assert!(stdout.lines().any(|l| l == "migrate"), "{stdout}");
}

#[test]
fn man_pages_render_without_warnings() {
    let Some(groff) = system_tool("groff") else {
        return;
    };
    for page in [
        None,
        Some("lint"),
        Some("fix"),
        Some("migrate"),
        Some("render"),
    ] {
        let args: Vec<&str> = std::iter::once("man").chain(page).collect();
        let r = run(&args, None);
        assert_eq!(r.code, 0, "{page:?}: {}", r.stderr);
        let title = match page {
            None => ".TH kure 1".to_string(),
            Some(c) => format!(".TH kure-{c} 1"),
        };
        assert!(r.stdout.contains(&title), "{page:?}: {}", r.stdout);
        // `groff -ww` warns about anything malformed; -z renders to nowhere
        let mut child = std::process::Command::new(&groff)
            .args(["-man", "-ww", "-z"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(r.stdout.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{page:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{page:?}");
    }
    // a command's page says how it is called, and what it takes
    let lint = run(&["man", "lint"], None).stdout;
    assert!(lint.contains("kure lint"), "{lint}");
    assert!(lint.contains("no\\-catalog"), "{lint}");
    let r = run(&["man", "nope"], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no command `nope`"), "{}", r.stderr);
    assert!(r.stderr.contains("lint, fix"), "{}", r.stderr);
}

#[test]
fn kubectls_dash_f_is_answered_with_the_command_line_kure_takes() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "x.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    );
    for (args, line) in [
        (vec!["lint", "-f", "x.yaml"], "`kure lint x.yaml`"),
        (
            vec!["fix", "--filename=x.yaml", "-q"],
            "`kure fix x.yaml -q`",
        ),
        (vec!["lint", "-fx.yaml"], "`kure lint x.yaml`"),
    ] {
        let r = run(&args, Some(dir.path()));
        assert_eq!(r.code, 2, "{args:?}");
        assert!(
            r.stderr
                .contains(&format!("kure takes files and directories as they are, without -f (`-` is standard input): {line}")),
            "{args:?}: {}",
            r.stderr
        );
    }
    // what it suggests works
    assert_eq!(run(&["lint", "x.yaml"], Some(dir.path())).code, 0);
    // other unknown flags keep clap's own words
    let r = run(&["lint", "--bogus"], Some(dir.path()));
    assert_eq!(r.code, 2);
    assert!(!r.stderr.contains("without -f"), "{}", r.stderr);
}

#[test]
fn skipped_helm_templates_say_how_to_lint_the_rendered_chart() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "chart/Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 0.1.0\n",
    );
    write(
        dir.path(),
        "chart/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
    );
    write(
        dir.path(),
        "chart/templates/svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n",
    );
    let r = run(&["lint", "chart"], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.ends_with(
            "hint: 2 Helm chart templates were skipped; lint what a chart renders: `helm template chart | kure lint -`\n"
        ),
        "{}",
        r.stderr
    );
    // quiet, and machine formats, print no hint
    let r = run(&["lint", "-q", "chart"], Some(dir.path()));
    assert!(!r.stderr.contains("hint:"), "{}", r.stderr);
    // a run without templates has none
    write(
        dir.path(),
        "plain/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    );
    let r = run(&["lint", "plain"], Some(dir.path()));
    assert!(!r.stderr.contains("hint:"), "{}", r.stderr);
}

#[test]
fn fix_reports_the_findings_it_leaves_in_the_format_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  uid: 0b5d\n  labels:\n    a: yes\n    x: \"50%\"\n";
    write(dir.path(), "w.yaml", text);
    let r = run(&["fix", "--format", "concise", "w.yaml"], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    // the uid removed and `yes` quoted; the label value no fix can choose is left and reported
    assert_eq!(
        std::fs::read_to_string(dir.path().join("w.yaml")).unwrap(),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    a: \"yes\"\n    x: \"50%\"\n"
    );
    assert!(
        r.stdout.starts_with(
            "w.yaml:7:8: error[invalid-label] metadata.labels: Invalid value: \"50%\""
        ),
        "{}",
        r.stdout
    );
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(
        r.stderr.contains("2 fixes applied in 1 file"),
        "{}",
        r.stderr
    );
    // quiet, to a file
    write(dir.path(), "w.yaml", text);
    let r = run(
        &["fix", "-q", "--format", "json=out.json", "w.yaml"],
        Some(dir.path()),
    );
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.json")).unwrap())
            .unwrap();
    assert_eq!(findings(&v), vec![("invalid-label".to_string(), 7, 8)]);
    // standard input keeps its own contract; --diff owns standard output
    let r = run_stdin(&["fix", "--format", "json", "-"], text.as_bytes());
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--format is for files"), "{}", r.stderr);
    let r = run(
        &["fix", "--diff", "--format", "json", "w.yaml"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 2);
}

#[test]
fn the_file_size_limit_is_32_mib_and_settable() {
    let dir = tempfile::tempdir().unwrap();
    // a ConfigMap of 2.3 MiB
    let mut text = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n");
    for i in 0..100_000 {
        text.push_str(&format!("  k{i}: \"xxxxxxxxxx\"\n"));
    }
    write(dir.path(), "big.yaml", &text);
    let too_large = "big.yaml: error: file is 2 MiB, over kure's 1 MiB limit for one manifest (`--max-file-size` or `max-file-size:` raises it)";
    let r = run(
        &["lint", "--max-file-size", "1", "big.yaml"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(too_large), "{}", r.stderr);
    // standard input, whose size is known once read
    // (from a file: kure stops reading at the limit)
    let out = kure()
        .args(["lint", "--max-file-size", "1", "-"])
        .stdin(std::fs::File::open(dir.path().join("big.yaml")).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("over kure's 1 MiB limit"), "{stderr}");
    assert_eq!(
        run(
            &["lint", "--max-file-size", "3", "big.yaml"],
            Some(dir.path())
        )
        .code,
        0
    );
    // the config sets it; the flag wins over the config
    write(dir.path(), ".kure.yaml", "max-file-size: 1\n");
    let r = run(&["lint", "big.yaml"], Some(dir.path()));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(too_large), "{}", r.stderr);
    assert_eq!(
        run(
            &["lint", "--max-file-size", "3", "big.yaml"],
            Some(dir.path())
        )
        .code,
        0
    );
    std::fs::remove_file(dir.path().join(".kure.yaml")).unwrap();
    for bad in ["0", "4096"] {
        let r = run(
            &["lint", "--max-file-size", bad, "big.yaml"],
            Some(dir.path()),
        );
        assert_eq!(r.code, 2);
        assert!(
            r.stderr.contains(&format!(
                "the file size limit is {bad} MiB; it must be from 1 to 2048 MiB"
            )),
            "{}",
            r.stderr
        );
    }
    // 32 MiB by default
    let huge = "#".repeat(33 * 1024 * 1024);
    write(dir.path(), "huge.yaml", &huge);
    let r = run(&["lint", "huge.yaml"], Some(dir.path()));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("file is 33 MiB, over kure's 32 MiB limit"),
        "{}",
        r.stderr
    );
    assert_eq!(
        run(
            &["lint", "--max-file-size", "40", "huge.yaml"],
            Some(dir.path())
        )
        .code,
        0
    );
}

#[test]
fn show_files_lists_what_a_run_lints_and_why_it_skips_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "k8s/app.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    );
    write(
        d,
        "chart/Chart.yaml",
        "apiVersion: v2\nname: c\nversion: 1.0.0\n",
    );
    write(
        d,
        "chart/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
    );
    std::fs::write(d.join("k8s/blob.yaml"), b"a: \0\n").unwrap();
    write(d, ".ignore", "vendor/\n");
    write(
        d,
        "vendor/x.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: v\n",
    );
    let r = run(&["lint", "--show-files", "."], Some(d));
    assert_eq!(r.code, 2, "an unreadable file: {}", r.stderr);
    assert_eq!(
        r.stdout,
        "chart/Chart.yaml  skipped: not-kubernetes\n\
         chart/templates/cm.yaml  skipped: helm-template\n\
         k8s/app.yaml\n\
         k8s/blob.yaml  unreadable: binary file: NUL byte at line 1 (byte 3)\n"
    );
    // the findings are not reported
    assert!(!r.stderr.contains("linted"), "{}", r.stderr);
}
