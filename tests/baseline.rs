//! A baseline: `kure lint --write-baseline FILE` records today's findings, `--baseline FILE`
//! (or `baseline:` in `.kure.yaml`) reports only new ones and the entries nothing matches.

mod common;
use common::*;

/// A Deployment with two findings: `imagePullPolicy: always` (invalid-enum-value) and
/// `active: yes` as a label value (non-string-value).
const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
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
        active: yes
    spec:
      containers:
      - name: web
        image: nginx:1.27
        imagePullPolicy: always
";

fn rules(v: &serde_json::Value) -> Vec<(String, String, u64, u64)> {
    findings_by_path(v)
}

#[test]
fn a_baseline_round_trip_reports_only_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(&d.join("k8s"), "web.yaml", DEPLOYMENT);
    // written: every finding recorded, nothing reported, exit 0
    let r = run(
        &["lint", "--write-baseline", "kure-baseline.json", "k8s"],
        Some(d),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("2 findings written to kure-baseline.json"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let text = std::fs::read_to_string(d.join("kure-baseline.json")).unwrap();
    assert_eq!(text.lines().count(), 4, "one entry per line: {text}");
    assert!(
        text.contains(
            r#""rule":"invalid-enum-value","path":"k8s/web.yaml","object":"Deployment web""#
        ),
        "{text}"
    );
    // read back: no findings, and the summary says what it held back
    let (code, v) = lint_json(&["k8s"], &["--baseline", "kure-baseline.json"], Some(d));
    assert_eq!((code, rules(&v)), (0, vec![]));
    assert_eq!(v["summary"]["baselined"], 2);
    let r = run(
        &["lint", "--baseline", "kure-baseline.json", "k8s"],
        Some(d),
    );
    assert!(
        r.stderr
            .contains("0 errors, 0 warnings, 0 infos (2 in the baseline)"),
        "{}",
        r.stderr
    );
    // lines added above the findings: still matched
    let moved = DEPLOYMENT.replace(
        "kind: Deployment\n",
        "kind: Deployment\n# the web tier\n# served by nginx\n",
    );
    write(&d.join("k8s"), "web.yaml", &moved);
    let (code, v) = lint_json(&["k8s"], &["--baseline", "kure-baseline.json"], Some(d));
    assert_eq!((code, rules(&v)), (0, vec![]));
    // a new defect: one finding
    let worse = moved.replace(
        "image: nginx:1.27",
        "image: nginx:1.27\n        ports:\n        - containerPort: 70000",
    );
    write(&d.join("k8s"), "web.yaml", &worse);
    let (code, v) = lint_json(&["k8s"], &["--baseline", "kure-baseline.json"], Some(d));
    assert_eq!(code, 1);
    let found = rules(&v);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "invalid-port");
    // an old one fixed: its entry is stale, reported at its line of the baseline
    let fixed = worse
        .replace("imagePullPolicy: always", "imagePullPolicy: Always")
        .replace(
            "        - containerPort: 70000",
            "        - containerPort: 80",
        );
    write(&d.join("k8s"), "web.yaml", &fixed);
    let (code, v) = lint_json(&["k8s"], &["--baseline", "kure-baseline.json"], Some(d));
    assert_eq!(code, 0, "an info does not fail the run");
    let line = text
        .lines()
        .position(|l| l.contains("invalid-enum-value"))
        .unwrap() as u64
        + 1;
    assert_eq!(
        rules(&v),
        vec![(
            "kure-baseline.json".to_string(),
            "unused-baseline-entry".to_string(),
            line,
            1
        )]
    );
    assert_eq!(
        v["diagnostics"][0]["message"],
        "the baseline's `invalid-enum-value` finding in k8s/web.yaml on Deployment web matches no finding"
    );
}

#[test]
fn a_baseline_from_the_config_is_read_relative_to_it_from_any_directory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(&d.join("k8s"), "web.yaml", DEPLOYMENT);
    let r = run(
        &["lint", "--write-baseline", "ci/baseline.json", "k8s"],
        Some(d),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    write(d, ".kure.yaml", "baseline: ci/baseline.json\n");
    let (code, v) = lint_json(&["k8s"], &[], Some(d));
    assert_eq!((code, rules(&v)), (0, vec![]));
    // from a subdirectory: paths resolve through the baseline's own directory
    let (code, v) = lint_json(&["."], &[], Some(&d.join("k8s")));
    assert_eq!((code, rules(&v)), (0, vec![]));
    // without it, the findings are back
    let (code, _) = lint_json(&["k8s"], &["--isolated"], Some(d));
    assert_eq!(code, 1);
}

#[test]
fn a_baseline_that_cannot_be_read_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(&d.join("k8s"), "web.yaml", DEPLOYMENT);
    let r = run(&["lint", "--baseline", "missing.json", "k8s"], Some(d));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .starts_with("kure: error: --baseline missing.json: "),
        "{}",
        r.stderr
    );
    write(
        d,
        "bad.json",
        "{\"version\": 1, \"findings\": [\n{\"rule\": 3}\n]}\n",
    );
    let r = run(&["lint", "--baseline", "bad.json", "k8s"], Some(d));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--baseline bad.json:2:"), "{}", r.stderr);
    assert!(r.stderr.contains("not a kure baseline"), "{}", r.stderr);
    let r = run(
        &[
            "lint",
            "--baseline",
            "bad.json",
            "--write-baseline",
            "x.json",
            "k8s",
        ],
        Some(d),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
}
