//! The embedded CRD catalog: custom resources whose CRDs are not in the repository are
//! checked against the public catalog's schemas, offline; a repository's CRD, `--schema`
//! and `--schema-catalog DIR` come before it; `--no-catalog` and `catalog: false` turn it
//! off.

mod common;
use common::*;

/// A schema without its `description`s, as the generator keeps it: only the keyword, never
/// a property of that name nor anything inside `default`, `enum` or other data.
fn strip(v: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    let Value::Object(m) = v else {
        return v.clone();
    };
    let mut out = serde_json::Map::new();
    for (k, x) in m {
        let x = match (k.as_str(), x) {
            ("description", _) => continue,
            (
                "items" | "additionalProperties" | "not" | "additionalItems" | "contains",
                Value::Object(_),
            ) => strip(x),
            ("items" | "additionalItems" | "anyOf" | "oneOf" | "allOf", Value::Array(a)) => {
                Value::Array(a.iter().map(strip).collect())
            }
            (
                "properties" | "patternProperties" | "definitions" | "dependencies",
                Value::Object(p),
            ) => Value::Object(p.iter().map(|(n, s)| (n.clone(), strip(s))).collect()),
            _ => x.clone(),
        };
        out.insert(k.clone(), x);
    }
    Value::Object(out)
}

#[test]
fn the_embedded_table_holds_every_schema_of_the_archive() {
    let Some(path) = catalog_archive() else {
        return;
    };
    let source = catalog_schemas(&path);
    assert_eq!(
        source.len(),
        4234,
        "the archive's README counts 4,234 schemas"
    );
    let keys: Vec<&str> = kure::catalog::keys().collect();
    let source_keys: Vec<&str> = source.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kure::catalog::len(), source.len());
    assert_eq!(keys, source_keys);
    // a sample across the table (every 53rd, and the kinds the other tests use), each
    // decoded equal to its source less the descriptions
    let named = [
        "helm.toolkit.fluxcd.io/helmrelease_v2",
        "kustomize.toolkit.fluxcd.io/kustomization_v1",
        "gateway.networking.k8s.io/httproute_v1",
    ];
    let mut compared = 0;
    for (i, (key, bytes)) in source.iter().enumerate() {
        if i % 53 != 0 && !named.contains(&key.as_str()) {
            continue;
        }
        let want = strip(&serde_json::from_slice(bytes).unwrap());
        let got: serde_json::Value =
            serde_json::from_str(&kure::catalog::text(key).unwrap()).unwrap();
        assert_eq!(got, want, "{key}");
        compared += 1;
    }
    assert!(compared > 80, "{compared}");
}

const FLUX_KS: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  intervall: 5m
  path: ./apps
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
";

#[test]
fn a_misspelled_field_of_a_flux_kustomization_is_found_with_its_near_name() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ks.yaml", FLUX_KS);
    let (code, v) = lint_json(&["ks.yaml"], &[], Some(dir.path()));
    assert_eq!(code, 1, "{v}");
    let found = findings_with_messages(&v);
    assert!(
        found.contains(&(
            "unknown-field".into(),
            7,
            3,
            "unknown field \"spec.intervall\"".into()
        )),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.0 == "missing-required-field" && f.3.contains("interval")),
        "{found:?}"
    );
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "unknown-field")
        .unwrap();
    assert_eq!(d["severity"], "error");
    assert!(
        d["help"]
            .as_str()
            .unwrap()
            .starts_with("did you mean `interval`?"),
        "{d}"
    );
    assert_eq!(v["summary"]["checked_by"]["catalog"], 1, "{v}");
    assert_eq!(v["summary"]["objects_without_schema"], 0, "{v}");
    // the fix renames it
    let fixed = run(
        &[
            "fix",
            "--unsafe-fixes",
            "--select",
            "unknown-field",
            "ks.yaml",
        ],
        Some(dir.path()),
    );
    assert_eq!(fixed.code, 0, "{}", fixed.stderr);
    let text = std::fs::read_to_string(dir.path().join("ks.yaml")).unwrap();
    assert_eq!(text, FLUX_KS.replace("intervall:", "interval:"));
}

#[test]
fn a_helmrelease_interval_written_as_a_number_is_found() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "hr.yaml",
        "apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
spec:
  interval: 5
  timeout:
    minutes: 5
  chart:
    spec:
      chart: podinfo
      sourceRef:
        kind: HelmRepository
        name: podinfo
",
    );
    let (code, v) = lint_json(&["hr.yaml"], &[], Some(dir.path()));
    assert_eq!(code, 1);
    // a plain `5` is YAML's integer where the duration string belongs (kure's rule for a
    // scalar YAML reads as another type); a mapping there is the wrong type outright
    assert_eq!(
        findings(&v),
        vec![
            ("non-string-value".to_string(), 6, 13),
            ("wrong-type".to_string(), 8, 5)
        ],
        "{v}"
    );
    let help = v["diagnostics"][1]["help"].as_str().unwrap();
    assert!(
        help.contains(
            "checked against `helm.toolkit.fluxcd.io/helmrelease_v2` of kure's embedded CRD catalog"
        ),
        "{help}"
    );
}

#[test]
fn an_externalsecret_data_item_without_remote_ref_is_missing_a_required_field() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "es.yaml",
        "apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: db
spec:
  secretStoreRef:
    kind: ClusterSecretStore
    name: onepassword
  data:
    - secretKey: password
",
    );
    let (code, v) = lint_json(&["es.yaml"], &[], Some(dir.path()));
    assert_eq!(code, 1);
    let found = findings_with_messages(&v);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "missing-required-field");
    assert_eq!((found[0].1, found[0].2), (10, 7), "{found:?}");
    assert!(found[0].3.contains("remoteRef"), "{found:?}");
}

#[test]
fn a_field_the_catalog_does_not_know_and_nothing_near_is_a_warning_that_says_why() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "hr.yaml",
        "apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
spec:
  interval: 5m
  featureFromTheFuture: true
  chart:
    spec:
      chart: podinfo
      sourceRef:
        kind: HelmRepository
        name: podinfo
",
    );
    let (code, v) = lint_json(&["hr.yaml"], &[], Some(dir.path()));
    assert_eq!(code, 0, "a warning fails nothing by default: {v}");
    let d = &v["diagnostics"][0];
    assert_eq!(d["rule"], "unknown-field");
    assert_eq!(d["severity"], "warning");
    assert!(
        d["help"]
            .as_str()
            .unwrap()
            .contains("embedded CRD catalog, which may be older than the release you run"),
        "{d}"
    );
}

/// A CRD of helm.toolkit.fluxcd.io/v2 HelmRelease that knows one field of `spec`, `only`.
const TINY_CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: helmreleases.helm.toolkit.fluxcd.io
spec:
  group: helm.toolkit.fluxcd.io
  names: {kind: HelmRelease, plural: helmreleases}
  scope: Namespaced
  versions:
  - name: v2
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              only: {type: string}
";

const HR: &str = "apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
spec:
  interval: 5m
";

#[test]
fn a_repository_crd_comes_before_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "hr.yaml", HR);
    // the catalog's HelmRelease takes it (it lacks a chart, which its CEL rule and required
    // fields ask for)
    let (code, v) = lint_json(
        &["hr.yaml"],
        &["--ignore", "missing-required-field,cel-validation-failed"],
        Some(dir.path()),
    );
    assert_eq!((code, findings(&v)), (0, vec![]), "{v}");
    // the repository's own CRD, which does not know `interval`, is the one it is checked by
    write(dir.path(), "crd.yaml", TINY_CRD);
    let (code, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        findings(&v),
        vec![("unknown-field".to_string(), 6, 3)],
        "{v}"
    );
    assert_eq!(v["diagnostics"][0]["severity"], "error");
    assert_eq!(v["summary"]["checked_by"]["crd"], 1, "{v}");
    assert_eq!(v["summary"]["checked_by"]["catalog"], 0, "{v}");
    // the CRD named with --schema, from outside the linted files, too
    let crds = tempfile::tempdir().unwrap();
    let crd = write(crds.path(), "crd.yaml", TINY_CRD);
    std::fs::remove_file(dir.path().join("crd.yaml")).unwrap();
    let (code, v) = lint_json(
        &["hr.yaml"],
        &["--schema", crd.to_str().unwrap()],
        Some(dir.path()),
    );
    assert_eq!(code, 1);
    assert_eq!(
        findings(&v),
        vec![("unknown-field".to_string(), 6, 3)],
        "{v}"
    );
}

#[test]
fn a_schema_catalog_directory_comes_before_the_embedded_catalog() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "hr.yaml", HR);
    let catalog = tempfile::tempdir().unwrap();
    // kubeconform's layout: GROUP/KIND_VERSION.json, the kind lower-cased
    write(
        catalog.path(),
        "helm.toolkit.fluxcd.io/helmrelease_v2.json",
        r#"{"type":"object","properties":{"apiVersion":{"type":"string"},"kind":{"type":"string"},"metadata":{"type":"object"},"spec":{"type":"object","required":["release"],"properties":{"interval":{"type":"integer"},"release":{"type":"string"}},"additionalProperties":false}}}"#,
    );
    let dir_arg = catalog.path().to_str().unwrap();
    let (code, v) = lint_json(
        &["hr.yaml"],
        &["--schema-catalog", dir_arg],
        Some(dir.path()),
    );
    assert_eq!(code, 1);
    let mut rules: Vec<String> = findings(&v).into_iter().map(|f| f.0).collect();
    rules.sort();
    assert_eq!(rules, vec!["missing-required-field", "wrong-type"], "{v}");
    assert_eq!(v["summary"]["checked_by"]["schema_catalog"], 1, "{v}");
    // a kind the directory does not have falls through to the embedded catalog
    write(dir.path(), "ks.yaml", FLUX_KS);
    let (_, v) = lint_json(
        &["ks.yaml"],
        &["--schema-catalog", dir_arg],
        Some(dir.path()),
    );
    assert_eq!(v["summary"]["checked_by"]["catalog"], 1, "{v}");
    // from .kure.yaml, relative to it (without it, the embedded catalog's HelmRelease: its
    // CEL rule asks for a chart)
    let (code, _) = lint_json(
        &["hr.yaml"],
        &["--ignore", "cel-validation-failed"],
        Some(dir.path()),
    );
    assert_eq!(code, 0);
    write(
        dir.path(),
        ".kure.yaml",
        &format!("schema-catalog: {dir_arg}\n"),
    );
    let (code, v) = lint_json(&["hr.yaml"], &[], Some(dir.path()));
    assert_eq!(code, 1, "{v}");
    // a directory that is not there is a usage error
    let r = run(
        &["lint", "--schema-catalog", "nope", "hr.yaml"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("--schema-catalog nope: not a directory"),
        "{}",
        r.stderr
    );
}

#[test]
fn no_catalog_leaves_custom_resources_without_a_schema() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ks.yaml", FLUX_KS);
    let (code, v) = lint_json(&["ks.yaml"], &["--no-catalog"], Some(dir.path()));
    assert_eq!((code, findings(&v)), (0, vec![]), "{v}");
    assert_eq!(v["summary"]["objects_without_schema"], 1, "{v}");
    write(dir.path(), ".kure.yaml", "catalog: false\n");
    let (code, v) = lint_json(&["ks.yaml"], &[], Some(dir.path()));
    assert_eq!((code, findings(&v)), (0, vec![]), "{v}");
    let r = run(&["lint", "ks.yaml"], Some(dir.path()));
    assert!(
        r.stderr.contains("1 object (1 without a schema)"),
        "{}",
        r.stderr
    );
}

/// The examples Gateway API keeps to be refused (`hack/invalid-examples`), each linted
/// against the CRDs of its channel from the same repository: each is rejected by a schema
/// or CEL rule, except these, which need checks kure does not make yet.
const ACCEPTED: &[(&str, &str)] = &[
    (
        "standard/gateway/invalid-listener-name.yaml",
        "the name `bad>` fails the schema's `pattern`, which kure does not check",
    ),
    (
        "standard/gateway/invalid-listener-port.yaml",
        "the port 123456789 is above the schema's `maximum`, which kure does not check",
    ),
    (
        "standard/gatewayclass/invalid-controller.yaml",
        "`controllerName: example` fails the schema's `pattern` (a domain-prefixed path)",
    ),
    (
        "standard/httproute/duplicate-header-match.yaml",
        "two header matches with the same `name` in an `x-kubernetes-list-type: map` list: key uniqueness is not checked",
    ),
    (
        "standard/httproute/duplicate-query-match.yaml",
        "two query matches with the same `name` in an `x-kubernetes-list-type: map` list: key uniqueness is not checked",
    ),
    (
        "standard/httproute/invalid-backend-group.yaml",
        "`group: \"*\"` fails the schema's `pattern`",
    ),
    (
        "standard/httproute/invalid-backend-kind.yaml",
        "`kind: \"*\"` fails the schema's `pattern`",
    ),
    (
        "standard/httproute/invalid-backend-port.yaml",
        "the port 800080 is above the schema's `maximum`",
    ),
    (
        "standard/httproute/invalid-filter-duplicate-header.yaml",
        "a header set twice in an `x-kubernetes-list-type: map` list: key uniqueness is not checked",
    ),
    (
        "standard/httproute/invalid-header-name.yaml",
        "the header name `magic/` fails the schema's `pattern`",
    ),
    (
        "experimental/httproute/invalid-header-value.yaml",
        "a header value with CR and LF fails the schema's `pattern`",
    ),
];

#[test]
#[cfg_attr(kure_no_shared, ignore = "../shared/corpus is absent")]
fn gateway_api_invalid_examples_are_rejected_by_their_crds() {
    let Some(corpus) = require_corpus() else {
        return;
    };
    let repo = corpus.join("kubernetes-sigs__gateway-api");
    let examples = repo.join("hack/invalid-examples");
    let mut rejected = 0;
    let mut accepted = Vec::new();
    for channel in ["standard", "experimental"] {
        let crds = repo.join("config/crd").join(channel);
        let mut files: Vec<_> = files(&examples.join(channel)).into_keys().collect();
        files.sort();
        for f in files {
            let rel = format!("{channel}/{}", f.display());
            let (_, v) = lint_json(
                &[examples.join(&rel).to_str().unwrap()],
                &["--isolated", "--schema", crds.to_str().unwrap()],
                None,
            );
            let refused = v["diagnostics"].as_array().unwrap().iter().any(|d| {
                d["severity"] == "error"
                    && [
                        "cel-validation-failed",
                        "unknown-field",
                        "wrong-type",
                        "missing-required-field",
                        "invalid-enum-value",
                    ]
                    .contains(&d["rule"].as_str().unwrap())
            });
            if refused {
                rejected += 1;
            } else {
                accepted.push(rel);
            }
        }
    }
    let listed: Vec<String> = ACCEPTED.iter().map(|(f, _)| f.to_string()).collect();
    let mut accepted_sorted = accepted.clone();
    accepted_sorted.sort();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(accepted_sorted, listed_sorted);
    assert_eq!(rejected, 25);
}

#[test]
fn an_httproute_with_a_portless_service_backend_fails_its_cel_rule_with_defaults_applied() {
    // an HTTPRoute under `parent`, sending to the Service `web` with `backend` added
    let route = |parent: &str, backend: &str| {
        format!(
            "apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs:
  - name: {parent}
  rules:
  - backendRefs:
    - name: web
{backend}"
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let lint = || {
        lint_json(
            &["route.yaml"],
            &["--select", "cel-validation-failed"],
            Some(dir.path()),
        )
    };
    // `group` and `kind` are not written: the schema's defaults ("" and Service) make the
    // rule apply, as the API server defaults before it evaluates
    write(dir.path(), "route.yaml", &route("gateway", ""));
    let (code, v) = lint();
    assert_eq!(code, 1);
    assert_eq!(
        findings_with_messages(&v),
        vec![(
            "cel-validation-failed".to_string(),
            10,
            7,
            "spec.rules[0].backendRefs[0]: Invalid value: Must have port for Service reference"
                .to_string()
        )]
    );
    // a placeholder is not judged
    write(dir.path(), "route.yaml", &route("${GATEWAY}", ""));
    let (code, v) = lint();
    assert_eq!((code, findings(&v)), (0, vec![]));
    // with the port, it passes
    write(
        dir.path(),
        "route.yaml",
        &route("gateway", "      port: 80\n"),
    );
    let (code, v) = lint();
    assert_eq!((code, findings(&v)), (0, vec![]));
}

#[test]
fn a_repository_crds_cel_rules_are_evaluated() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "crd.yaml",
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - rule: self.min <= self.max
              message: min must not exceed max
            - rule: self.size == oldSelf.size
              message: size is immutable
            - rule: self.name.sortBy(x, x) == ''
              message: uses a macro kure lacks
            properties:
              min: {type: integer}
              max: {type: integer}
              size: {type: integer}
              name: {type: string}
",
    );
    write(
        dir.path(),
        "w.yaml",
        "apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  min: 5
  max: 2
  size: 1
  name: a
",
    );
    let (code, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(code, 1);
    // the transition rule (oldSelf) and the rule kure cannot evaluate are not reported
    assert_eq!(
        findings_with_messages(&v),
        vec![(
            "cel-validation-failed".to_string(),
            5,
            1,
            "spec: Invalid value: min must not exceed max".to_string()
        )]
    );
    // the rule it cannot evaluate is counted
    assert_eq!(v["summary"]["cel_rules_not_judged"], 1, "{v}");
    let r = run(&["lint", "w.yaml", "crd.yaml"], Some(dir.path()));
    assert!(
        r.stderr.contains("2 objects (1 CEL rule not judged)"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_cel_rule_reads_map_keys_and_timestamps_under_its_node_as_the_api_server_does() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "crd.yaml",
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - rule: \"'example.com/team' in self.selector\"
              message: the selector names no team
            - rule: \"!has(self.until) || self.until > timestamp('2020-01-01T00:00:00Z')\"
              message: until is before 2020
            properties:
              selector:
                type: object
                additionalProperties: {type: string}
              until: {type: string, format: date-time}
",
    );
    write(
        dir.path(),
        "w.yaml",
        "apiVersion: example.com/v1
kind: Widget
metadata:
  name: good
spec:
  selector: {example.com/team: a}
  until: 2021-01-01T00:00:00Z
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: bad
spec:
  selector: {example.com/app: b}
  until: 2019-01-01T00:00:00Z
",
    );
    let (code, v) = lint_json(
        &["."],
        &["--select", "cel-validation-failed"],
        Some(dir.path()),
    );
    assert_eq!(code, 1);
    // a map's keys are its own (not escaped as field names are); a date-time is a timestamp
    assert_eq!(
        findings_with_messages(&v),
        vec![
            (
                "cel-validation-failed".to_string(),
                13,
                1,
                "spec: Invalid value: the selector names no team".to_string()
            ),
            (
                "cel-validation-failed".to_string(),
                13,
                1,
                "spec: Invalid value: until is before 2020".to_string()
            ),
        ]
    );
    assert_eq!(v["summary"]["cel_rules_not_judged"], 0, "{v}");
}

#[test]
fn custom_resources_beside_the_crds_of_each_other_are_judged_by_them_once() {
    let dir = tempfile::tempdir().unwrap();
    let crd = |kind: &str| {
        format!(
            "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: {p}.example.com
spec:
  group: example.com
  names: {{kind: {kind}, plural: {p}}}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - rule: self.min <= self.max
              message: min must not exceed max
            properties:
              min: {{type: integer}}
              max: {{type: integer}}
",
            p = kind.to_ascii_lowercase() + "s"
        )
    };
    let cr = |kind: &str| {
        format!(
            "apiVersion: example.com/v1
kind: {kind}
metadata:
  name: x
spec:
  min: 5
  max: 2
  mni: 1
"
        )
    };
    // each file declares one kind and holds an object of the other's
    write(
        dir.path(),
        "a.yaml",
        &format!("{}---\n{}", cr("Bolt"), crd("Nut")),
    );
    write(
        dir.path(),
        "b.yaml",
        &format!("{}---\n{}", cr("Nut"), crd("Bolt")),
    );
    let (code, v) = lint_json(
        &["."],
        &["--select", "cel-validation-failed,unknown-field"],
        Some(dir.path()),
    );
    assert_eq!(code, 1);
    assert_eq!(
        findings_by_path(&v),
        vec![
            ("./a.yaml".into(), "cel-validation-failed".into(), 5, 1),
            ("./a.yaml".into(), "unknown-field".into(), 8, 3),
            ("./b.yaml".into(), "cel-validation-failed".into(), 5, 1),
            ("./b.yaml".into(), "unknown-field".into(), 8, 3),
        ]
    );
    assert_eq!(v["summary"]["checked_by"]["crd"], 2, "{v}");
}
