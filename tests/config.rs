//! `.kure.yaml`: discovery (the nearest wins whole), each key, precedence of the command
//! line, per-file and per-object overrides, and mistakes reported with file, line and
//! column.

mod common;
use common::*;
use std::path::Path;

/// A Service selector with `active: yes` (non-string-value, fixable) and an invalid label.
const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels:\n    team: -ops\nspec:\n  selector:\n    app: web\n    active: yes\n  ports:\n  - port: 80\n";

fn rules_of(v: &serde_json::Value) -> Vec<(String, String)> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn setup(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".kure.yaml", config);
    write(dir.path(), "app/service.yaml", SERVICE);
    dir
}

fn lint(dir: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let mut a = vec!["--select", "non-string-value,invalid-label"];
    a.extend_from_slice(args);
    lint_json(&["app"], &a, Some(dir))
}

#[test]
fn rules_turned_off_or_reclassed() {
    let dir = setup("rules:\n  non-string-value: off\n  invalid-label: warning\n");
    let (code, v) = lint_json(&["app"], &[], Some(dir.path()));
    let rules = rules_of(&v);
    assert!(
        !rules.iter().any(|(r, _)| r == "non-string-value"),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("invalid-label".to_string(), "warning".to_string())),
        "{rules:?}"
    );
    // only a warning (and the dangling Service) left
    assert_eq!(code, 1);
    // a rule turned off never fixes
    let r = run(&["fix", "app"], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app/service.yaml")).unwrap(),
        SERVICE
    );
    // the command line names it: it runs
    let (_, v) = lint_json(
        &["app"],
        &["--select", "non-string-value"],
        Some(dir.path()),
    );
    assert_eq!(
        rules_of(&v),
        vec![("non-string-value".to_string(), "error".to_string())]
    );
    // --isolated reads no config
    let (_, v) = lint(dir.path(), &["--isolated"]);
    assert!(rules_of(&v).contains(&("invalid-label".to_string(), "error".to_string())));
}

#[test]
fn the_nearest_config_wins_whole_and_config_replaces_it() {
    let dir = setup("rules:\n  non-string-value: off\n");
    // a nearer config, empty: the parent's `off` does not apply
    write(dir.path(), "app/.kure.yaml", "exclude: []\n");
    let (_, v) = lint(dir.path(), &[]);
    assert!(
        rules_of(&v).iter().any(|(r, _)| r == "non-string-value"),
        "{v}"
    );
    // --config names another
    write(dir.path(), "strict.yaml", "rules:\n  invalid-label: info\n");
    let (_, v) = lint(dir.path(), &["--config", "strict.yaml"]);
    assert!(
        rules_of(&v).contains(&("invalid-label".to_string(), "info".to_string())),
        "{v}"
    );
}

/// `(path, rule, severity)` of every diagnostic.
fn by_file(v: &serde_json::Value) -> Vec<(String, String, String)> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                path_of(d),
                d["rule"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn each_file_is_governed_by_its_own_nearest_config() {
    // one run over a monorepo: the root's config for `app/`, the team's for `team/`
    let dir = setup("rules:\n  non-string-value: off\n  invalid-label: warning\n");
    write(dir.path(), ".git/HEAD", "ref: refs/heads/main\n");
    write(
        dir.path(),
        "team/.kure.yaml",
        "rules:\n  service-selector-no-match: info\nexclude: [legacy/**]\n",
    );
    write(dir.path(), "team/service.yaml", SERVICE);
    write(dir.path(), "team/legacy/old.yaml", SERVICE);
    let (code, v) = lint_json(&["."], &[], Some(dir.path()));
    let mut got = by_file(&v);
    got.sort();
    let s = |p: &str, r: &str, l: &str| (p.to_string(), r.to_string(), l.to_string());
    assert_eq!(
        got,
        vec![
            s("app/service.yaml", "invalid-label", "warning"),
            s("app/service.yaml", "service-selector-no-match", "error"),
            // the team's config wins whole: the root's `off` and `warning` do not reach here
            s("team/service.yaml", "invalid-label", "error"),
            s("team/service.yaml", "non-string-value", "error"),
            // a cross-file finding judged by its own file's config
            s("team/service.yaml", "service-selector-no-match", "info"),
        ],
        "{v}"
    );
    assert_eq!(code, 1);
    // the team's `exclude`, relative to its directory, holds in a run from the root
    assert_eq!(v["summary"]["linted"], 2, "{v}");
    // and for kure label (and convert): the excluded file is left alone
    let r = run(
        &["label", "-f", ".", "owner=web", "--diff"],
        Some(dir.path()),
    );
    assert!(r.stdout.contains("team/service.yaml"), "{}", r.stdout);
    assert!(!r.stdout.contains("legacy/old.yaml"), "{}", r.stdout);
    // a fix follows each file's config: the root's file keeps its `active: yes`
    let r = run(&["fix", "."], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app/service.yaml")).unwrap(),
        SERVICE
    );
    let team = std::fs::read_to_string(dir.path().join("team/service.yaml")).unwrap();
    assert!(team.contains("active: \"yes\""), "{team}");
    // a mistake in the nested config is a usage error naming it
    write(dir.path(), "team/.kure.yaml", "rulez: {}\n");
    let r = run(&["lint", "."], Some(dir.path()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("team/.kure.yaml:1:1"), "{}", r.stderr);
}

#[test]
fn overrides_by_file_and_by_object() {
    let dir = setup(
        "overrides:\n- files: [\"app/legacy/**\"]\n  rules: {non-string-value: off}\n- kind: Service\n  name: vendor-*\n  rules: {invalid-label: off}\n",
    );
    write(dir.path(), "app/legacy/service.yaml", SERVICE);
    write(
        dir.path(),
        "app/vendor.yaml",
        &SERVICE.replace("name: web", "name: vendor-web"),
    );
    let (_, v) = lint_json(
        &["app"],
        &["--select", "non-string-value,invalid-label"],
        Some(dir.path()),
    );
    let by_file: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has = |p: &str, r: &str| by_file.contains(&(p.to_string(), r.to_string()));
    assert!(
        has("app/service.yaml", "non-string-value") && has("app/service.yaml", "invalid-label"),
        "{by_file:?}"
    );
    assert!(
        !has("app/legacy/service.yaml", "non-string-value"),
        "{by_file:?}"
    );
    assert!(
        has("app/legacy/service.yaml", "invalid-label"),
        "{by_file:?}"
    );
    assert!(!has("app/vendor.yaml", "invalid-label"), "{by_file:?}");
    assert!(has("app/vendor.yaml", "non-string-value"), "{by_file:?}");
    // the legacy file's fix is not applied; the others are
    let r = run(&["fix", "app"], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("app/legacy/service.yaml")).unwrap(),
        SERVICE
    );
    assert!(
        std::fs::read_to_string(dir.path().join("app/service.yaml"))
            .unwrap()
            .contains("active: \"yes\"")
    );
}

#[test]
fn exclude_fail_on_and_kubernetes_version() {
    let dir = setup("exclude: [\"vendor/**\"]\nfail-on: warning\nkubernetes-version: \"1.33\"\n");
    write(dir.path(), "vendor/bad.yaml", SERVICE);
    write(
        dir.path(),
        "app/cronjob.yaml",
        "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata:\n  name: backup\nspec:\n  schedule: \"0 3 * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers:\n          - name: backup\n            image: backup:1.4\n",
    );
    let (_, v) = lint_json(
        &["."],
        &["--select", "non-string-value,removed-api-version"],
        Some(dir.path()),
    );
    assert!(
        !v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["path"].as_str().unwrap().contains("vendor")),
        "{v}"
    );
    // the config chose the version: the migration is a safe fix
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "removed-api-version")
        .unwrap();
    assert_eq!(d["fix"]["applicability"], "safe");
    assert!(d["message"].as_str().unwrap().contains("(target 1.33)"));
    // fail-on: warning makes a warning fail the run
    write(
        dir.path(),
        "app/service.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  uid: 1\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n",
    );
    let r = run(
        &[
            "lint",
            "--select",
            "server-populated-field",
            "app/service.yaml",
        ],
        Some(dir.path()),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let r = run(
        &[
            "lint",
            "--select",
            "server-populated-field",
            "--fail-on",
            "error",
            "app/service.yaml",
        ],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // convert and label walk with the same exclusions
    write(
        dir.path(),
        "vendor/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: v\nspec:\n  selector:\n    matchLabels:\n      app: v\n  template:\n    metadata:\n      labels:\n        app: v\n    spec:\n      containers:\n      - name: v\n        image: v:1\n",
    );
    let r = run(
        &["convert", "--to", "daemonset", "--check", "."],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&["label", "-f", ".", "--check", "team=x"], Some(dir.path()));
    assert!(!r.stdout.contains("vendor"), "{}", r.stdout);
}

#[test]
fn mistakes_are_usage_errors_with_a_place() {
    let cases: &[(&str, &str)] = &[
        (
            "rules:\n  non-string-value: off\nexlude: [x]\n",
            ".kure.yaml:3:1: unknown field `exlude`, expected one of rules, select, ignore, exclude, fail-on, kubernetes-version, overrides, workloads, string-fields, schemas, catalog, schema-catalog, strict-references, max-file-size, baseline, extend (did you mean `exclude`?)",
        ),
        (
            "rules:\n  non-string-valu: off\n",
            ".kure.yaml: unknown rule `non-string-valu` (did you mean `non-string-value`?)",
        ),
        (
            "rules:\n  invalid-label: loud\n",
            ".kure.yaml:2:18: unknown variant `loud`, expected one of off, info, warning, error",
        ),
        (
            "kubernetes-version: \"1.20\"\n",
            ".kure.yaml: kubernetes-version: Kubernetes version 1.20 is out of range: kure knows Kubernetes 1.25 to 1.37",
        ),
        (
            "overrides:\n- rules: {invalid-label: off}\n",
            ".kure.yaml: an override needs `files`, or an object's `kind`, `namespace` or `name`",
        ),
    ];
    for (config, error) in cases {
        let dir = setup(config);
        let r = run(&["lint", "app"], Some(dir.path()));
        assert_eq!(r.code, 2, "{config}: {}", r.stderr);
        assert_eq!(r.stderr.trim(), format!("kure: error: {error}"), "{config}");
    }
    let dir = setup("{}\n");
    let r = run(
        &["lint", "--select", "invalid-labels", "app"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("unknown rule `invalid-labels` (did you mean `invalid-label`?)"),
        "{}",
        r.stderr
    );
}

/// The example in the README is a config kure accepts.
#[test]
fn the_readme_example_is_a_valid_config() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let at = readme
        .find("### Configuration: `.kure.yaml`")
        .expect("README section");
    let start = readme[at..].find("```yaml\n").unwrap() + at + "```yaml\n".len();
    let end = readme[start..].find("```").unwrap() + start;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".kure.yaml", &readme[start..end]);
    write(dir.path(), "app/service.yaml", SERVICE);
    // the CRDs it names (`schemas:`)
    std::fs::create_dir_all(dir.path().join("vendor/crds")).unwrap();
    // and the catalog directory (`schema-catalog:`), and the baseline (`baseline:`)
    std::fs::create_dir_all(dir.path().join("crd-schemas")).unwrap();
    write(
        dir.path(),
        "kure-baseline.json",
        "{\"version\": 1, \"findings\": []}\n",
    );
    let r = run(&["lint", "app"], Some(dir.path()));
    assert_ne!(r.code, 2, "{}", r.stderr);
    // its `fail-on: warning` and severities took effect
    assert!(r.stderr.contains("1 file: 1 linted"), "{}", r.stderr);
}

/// An OpenKruise CloneSet serving a Service, its selector off its template, and a custom
/// resource with a string field holding `on`.
const CUSTOM: &str = "apiVersion: apps.kruise.io/v1alpha1\nkind: CloneSet\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n      tier: front\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: web:1\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n---\napiVersion: example.com/v1\nkind: Feature\nmetadata:\n  name: f\nspec:\n  flags:\n    beta: on\n  owners:\n  - name: no\n";

#[test]
fn a_repository_adds_workload_kinds_and_string_fields() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/all.yaml", CUSTOM);
    // without the config: the CloneSet is unknown, the Service serves nothing
    let (_, v) = lint_json(&["app"], &[], Some(dir.path()));
    let rules: Vec<_> = findings(&v).into_iter().map(|f| f.0).collect();
    assert_eq!(rules, vec!["service-selector-no-match"], "{v}");
    write(
        dir.path(),
        ".kure.yaml",
        "workloads:\n- api-version: apps.kruise.io/v1alpha1\n  kind: CloneSet\n  pod-labels: [controller-revision-hash]\nstring-fields:\n- api-version: example.com/v1\n  kind: Feature\n  paths: [spec.flags.*, \"spec.owners[].name\"]\n",
    );
    let (code, v) = lint_json(&["app"], &[], Some(dir.path()));
    let got = findings(&v);
    assert_eq!(
        got,
        vec![
            // the CloneSet's selector is checked against its own template
            ("selector-template-mismatch".to_string(), 7, 3),
            // the Service finds the CloneSet's pods: no dangling-selector finding
            ("non-string-value".to_string(), 36, 11),
            ("non-string-value".to_string(), 38, 11),
        ],
        "{v}"
    );
    assert_eq!(code, 1);
    // `kure label` labels the CloneSet's pod template too
    let r = run(
        &[
            "label",
            "--pod-templates",
            "-f",
            "app/all.yaml",
            "team=web",
            "--diff",
        ],
        Some(dir.path()),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("+        team: web"), "{}", r.stdout);
    // a kind kure knows cannot be redefined
    write(
        dir.path(),
        ".kure.yaml",
        "workloads:\n- api-version: apps/v1\n  kind: Deployment\n",
    );
    let r = run(&["lint", "app"], Some(dir.path()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("kure knows `Deployment` already"),
        "{}",
        r.stderr
    );
}

#[test]
fn config_show_names_the_config_of_a_file_and_where_each_setting_comes_from() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        ".kure.yaml",
        "rules:\n  duplicate-object: off\nfail-on: warning\nkubernetes-version: \"1.33\"\n",
    );
    write(
        d,
        "team/.kure.yaml",
        "rules:\n  server-populated-field: error\noverrides:\n- files: [\"legacy/**\"]\n  rules: { removed-api-version: off }\n",
    );
    write(d, "team/legacy/a.yaml", SERVICE);
    write(d, "b.yaml", SERVICE);
    let r = run(&["config", "--show", "team/legacy/a.yaml"], Some(d));
    assert_eq!(r.code, 0, "{}", r.stderr);
    // the nearest config wins whole: the root's fail-on does not reach the team's files
    assert!(
        r.stdout
            .starts_with("file: team/legacy/a.yaml\nconfig: team/.kure.yaml\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("rules: [server-populated-field: error]  # team/.kure.yaml\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("fail-on: error  # default\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("overrides for this file: [removed-api-version: off]  # team/.kure.yaml"),
        "{}",
        r.stdout
    );
    let r = run(&["config", "--show", "b.yaml"], Some(d));
    assert!(r.stdout.contains("config: .kure.yaml\n"), "{}", r.stdout);
    assert!(
        r.stdout.contains("fail-on: warning  # .kure.yaml\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("kubernetes-version: 1.33  # .kure.yaml\n"),
        "{}",
        r.stdout
    );
    // --config names one for every file; a path that is not there is a usage error
    let r = run(
        &[
            "config",
            "--show",
            "team/legacy/a.yaml",
            "--config",
            ".kure.yaml",
        ],
        Some(d),
    );
    assert!(r.stdout.contains("config: .kure.yaml\n"), "{}", r.stdout);
    let r = run(&["config", "--show", "nope.yaml"], Some(d));
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr.trim(),
        "kure: error: nope.yaml: no such file or directory"
    );
}

/// A Service that selects no pod template, and has no other defect.
const CLEAN_SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n";

#[test]
fn extend_chains_inherit_what_the_nearer_config_does_not_set() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // the root: a rule off, a rule down to a warning, exclusions, and an override for a
    // directory below
    write(
        d,
        ".kure.yaml",
        "rules:\n  service-selector-no-match: warning\nfail-on: warning\nexclude: [\"team/app/gen/**\", \"**/tmp/**\"]\noverrides:\n- files: [\"team/app/legacy/**\"]\n  rules: { service-selector-no-match: off }\n",
    );
    // the middle sets nothing but what it extends; the team's extends it and sets fail-on
    write(d, "team/.kure.yaml", "extend: ../.kure.yaml\n");
    write(
        d,
        "team/app/.kure.yaml",
        "extend: ../.kure.yaml\nfail-on: error\n",
    );
    write(d, "team/app/svc.yaml", CLEAN_SERVICE);
    write(d, "team/app/gen/svc.yaml", CLEAN_SERVICE);
    write(d, "team/app/tmp/svc.yaml", CLEAN_SERVICE);
    write(d, "team/app/legacy/svc.yaml", CLEAN_SERVICE);
    let (code, v) = lint_json(&["team/app"], &[], Some(d));
    // the Service selects nothing: a warning by the root's rules, which the team's fail-on
    // (error) does not fail on; gen/, tmp/ excluded; legacy/ turned off by the override
    let found = findings(&v);
    assert_eq!(code, 0, "{v}");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(v["diagnostics"][0]["rule"], "service-selector-no-match");
    assert_eq!(v["diagnostics"][0]["severity"], "warning");
    assert!(
        v["diagnostics"][0]["path"]
            .as_str()
            .unwrap()
            .ends_with("team/app/svc.yaml")
    );
    let r = run(&["config", "--show", "team/app/svc.yaml"], Some(d));
    assert!(
        r.stdout
            .contains("config: team/app/.kure.yaml (extends .kure.yaml)\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("fail-on: error  # team/app/.kure.yaml\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("rules: [service-selector-no-match: warning]  # .kure.yaml\n"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("exclude: [gen/**, **/tmp/**]  # .kure.yaml\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn extend_that_cycles_or_names_nothing_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, ".kure.yaml", "extend: team/.kure.yaml\n");
    write(d, "team/.kure.yaml", "extend: ../.kure.yaml\n");
    write(d, "team/svc.yaml", SERVICE);
    let r = run(&["lint", "team"], Some(d));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("extends it in turn (a cycle)"),
        "{}",
        r.stderr
    );
    write(d, "team/.kure.yaml", "extend: ../missing.yaml\n");
    let r = run(&["lint", "team"], Some(d));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("missing.yaml: cannot read it"),
        "{}",
        r.stderr
    );
}
