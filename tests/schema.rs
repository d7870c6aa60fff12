//! Schema validation end to end: `unknown-field`, `wrong-type`, `missing-required-field`,
//! `invalid-enum-value` (and `non-string-value` for schema string fields) with line and
//! column, every error of an object at once, the file's reader, nulls, SOPS files, versions,
//! kustomize patches, and the types a repository's CRDs declare.

mod common;
use common::*;
use std::path::Path;

fn lint_in(dir: &Path, paths: &[&str], extra: &[&str]) -> (i32, serde_json::Value) {
    lint_json(paths, extra, Some(dir))
}

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: nginx:1.27
    imagePullPolice: Always
    imagePullPolicy: always
    ports:
    - containerPort: \"80\"
      protocol: tcp
    env:
      FOO: bar
  - name: sidecar
  volumes:
  - emptyDir: {}
";

#[test]
fn every_error_of_an_object_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pod.yaml", POD);
    let (code, v) = lint_in(dir.path(), &["pod.yaml"], &[]);
    assert_eq!(code, 1);
    let got = findings_with_messages(&v);
    let expect = [
        (
            "unknown-field",
            9,
            5,
            "unknown field \"spec.containers[0].imagePullPolice\"",
        ),
        (
            "invalid-enum-value",
            10,
            22,
            "spec.containers[0].imagePullPolicy: Unsupported value: \"always\": supported values: \"Always\", \"IfNotPresent\", \"Never\"",
        ),
        (
            "wrong-type",
            12,
            22,
            "spec.containers[0].ports[0].containerPort: expected an integer, got a string (\"80\")",
        ),
        (
            "invalid-enum-value",
            13,
            17,
            "spec.containers[0].ports[0].protocol: Unsupported value: \"tcp\": supported values: \"TCP\", \"UDP\", \"SCTP\"",
        ),
        (
            "wrong-type",
            15,
            7,
            "spec.containers[0].env: expected a list, got a mapping",
        ),
        (
            "missing-required-field",
            16,
            5,
            "spec.containers[1].image: Required value: `image` is missing",
        ),
        (
            "missing-required-field",
            18,
            5,
            "spec.volumes[0].name: Required value: `name` is missing",
        ),
    ];
    let expect: Vec<(String, u64, u64, String)> = expect
        .iter()
        .map(|(r, l, c, m)| (r.to_string(), *l, *c, m.to_string()))
        .collect();
    assert_eq!(got, expect, "{v}");
    // the suggestion names the field the key most likely meant
    let d = &v["diagnostics"][0];
    assert_eq!(d["help"], "did you mean `imagePullPolicy`?");
    // but a rename onto a field the mapping has already would lose one: no fix
    assert!(d["fix"].is_null(), "{d}");

    // kure fix: the safe fix recases; --unsafe-fixes unquotes
    let r = run(&["fix", "pod.yaml"], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let fixed = std::fs::read_to_string(dir.path().join("pod.yaml")).unwrap();
    assert!(fixed.contains("imagePullPolicy: Always\n"), "{fixed}");
    assert!(fixed.contains("protocol: TCP\n"), "{fixed}");
    assert!(fixed.contains("containerPort: \"80\"\n"), "{fixed}");
    let r = run(&["fix", "--unsafe-fixes", "pod.yaml"], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let fixed = std::fs::read_to_string(dir.path().join("pod.yaml")).unwrap();
    assert!(fixed.contains("containerPort: 80\n"), "{fixed}");
}

#[test]
fn a_misspelled_field_is_renamed_by_the_unsafe_fix() {
    let dir = tempfile::tempdir().unwrap();
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replica: 2 # two for now\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        hostnames: [a]\n";
    write(dir.path(), "d.yaml", text);
    let (_, v) = lint_in(dir.path(), &["d.yaml"], &[]);
    let got = findings_with_messages(&v);
    assert_eq!(got[0].0, "unknown-field");
    assert_eq!((got[0].1, got[0].2), (6, 3));
    assert_eq!(v["diagnostics"][0]["help"], "did you mean `replicas`?");
    // `hostnames` is close to a Pod's `hostname`, but a list cannot be a hostname: no
    // suggestion where the value would not fit
    assert_eq!(
        got[1].3,
        "unknown field \"spec.template.spec.containers[0].hostnames\""
    );
    assert!(v["diagnostics"][1]["fix"].is_null());
    let r = run(&["fix", "--unsafe-fixes", "d.yaml"], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let fixed = std::fs::read_to_string(dir.path().join("d.yaml")).unwrap();
    assert_eq!(fixed, text.replace("  replica: 2", "  replicas: 2"));
}

#[test]
fn values_are_typed_as_kubernetes_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    // nulls the decoder accepts, a date that is a string to Kubernetes, an int-or-string
    // name, a number as a quantity, a YAML 1.1 boolean in a boolean field
    let ok = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  creationTimestamp: null\nspec:\n  hostNetwork: yes\n  containers:\n  - name: c\n    image: c:1\n    env:\n    - name: SINCE\n      value: 2024-01-01\n    resources:\n      limits: {cpu: 1, memory: null}\n    ports: [{name: http, containerPort: 80}]\n    readinessProbe:\n      httpGet: {port: http}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  ports:\n  - port: 80\n    targetPort: null\n";
    write(dir.path(), "ok.yaml", ok);
    let (code, v) = lint_in(
        dir.path(),
        &["ok.yaml"],
        &[
            "--ignore",
            "service-selector-no-match,server-populated-field",
        ],
    );
    assert_eq!(findings_with_messages(&v), vec![], "{v}");
    assert_eq!(code, 0);
    // a plain scalar that YAML 1.1 types as a number, in a string field: non-string-value,
    // with the field's path, and no second finding from wrong-type
    let bad = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: 1.0\n    workingDir: yes\n";
    write(dir.path(), "bad.yaml", bad);
    let (_, v) = lint_in(dir.path(), &["bad.yaml"], &[]);
    let got: Vec<(String, u64, u64)> = findings(&v);
    assert_eq!(
        got,
        vec![
            ("non-string-value".to_string(), 8, 12),
            ("non-string-value".to_string(), 9, 17)
        ]
    );
    assert!(
        v["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`spec.containers[0].image` needs a string"),
        "{v}"
    );
    // in a file kustomize reads (YAML 1.2), `yes` is a string: in a boolean field it is
    // the wrong type
    write(
        dir.path(),
        "k/kustomization.yaml",
        "resources:\n- pod.yaml\n",
    );
    write(
        dir.path(),
        "k/pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: yes\n  containers:\n  - name: c\n    image: c:1\n",
    );
    let (_, v) = lint_in(dir.path(), &["k"], &[]);
    let got: Vec<(String, u64, u64)> = findings(&v);
    assert_eq!(got, vec![("wrong-type".to_string(), 6, 16)], "{v}");
}

#[test]
fn required_fields_patches_and_null() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "base/svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  selector: {app: a}\n  ports:\n  - name: http\n    targetPort: 8080\n",
    );
    write(
        dir.path(),
        "base/kustomization.yaml",
        "resources:\n- svc.yaml\npatches:\n- path: patch.yaml\n",
    );
    // a patch holds only what it changes: nothing required is missing there
    write(
        dir.path(),
        "base/patch.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  template:\n    spec:\n      containers:\n      - name: a\n        imagePullPolice: Always\n",
    );
    write(
        dir.path(),
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name:\n    image: c:1\n",
    );
    let (_, v) = lint_in(
        dir.path(),
        &["."],
        &["--ignore", "service-selector-no-match"],
    );
    let got: Vec<(String, String, u64, u64)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("./")
                    .to_string(),
                d["message"].as_str().unwrap().to_string(),
                d["span"]["start"]["line"].as_u64().unwrap(),
                d["span"]["start"]["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "base/patch.yaml".to_string(),
                "unknown field \"spec.template.spec.containers[0].imagePullPolice\"".to_string(),
                10,
                9
            ),
            (
                "base/svc.yaml".to_string(),
                "spec.ports[0].port: Required value: `port` is missing".to_string(),
                8,
                5
            ),
            (
                "pod.yaml".to_string(),
                "spec.containers[0].name: Required value: `name` is null".to_string(),
                7,
                5
            ),
        ],
        "{v}"
    );
}

#[test]
fn sops_files_and_versions() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "secret.enc.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  replicas: ENC[AES256_GCM,data:Mw==,iv:x,tag:y,type:int]\n  selector: {matchLabels: {app: a}}\n  template:\n    metadata: {labels: {app: a}}\n    spec:\n      containers: [{name: a, image: a}]\nsops:\n  mac: ENC[AES256_GCM,data:x]\n  version: 3.8.1\n",
    );
    let (code, v) = lint_in(dir.path(), &["secret.enc.yaml"], &[]);
    assert_eq!((code, findings_with_messages(&v)), (0, vec![]), "{v}");
    // a field Kubernetes 1.37 has and 1.25 did not
    write(
        dir.path(),
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  schedulingGates:\n  - name: wait\n  containers:\n  - name: c\n    image: c:1\n",
    );
    let (code, _) = lint_in(dir.path(), &["pod.yaml"], &[]);
    assert_eq!(code, 0);
    let (code, v) = lint_in(dir.path(), &["pod.yaml"], &["--kubernetes-version", "1.25"]);
    assert_eq!(code, 1);
    assert_eq!(
        findings_with_messages(&v)[0].3,
        "unknown field \"spec.schedulingGates\"",
        "{v}"
    );
}

const CRD: &str = "apiVersion: apiextensions.k8s.io/v1
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
            required: [size]
            properties:
              size: {type: integer}
              mode: {type: string, enum: [fast, slow]}
              rules:
                type: array
                items:
                  type: object
                  properties:
                    hosts: {type: array, items: {type: string}}
              extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
";

const WIDGET: &str = "apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  mode: Fast
  rules:
  - hosts: [a]
    host: b
  extra:
    anything: [1, 2]
";

#[test]
fn custom_resources_are_checked_against_their_crds() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/widget.yaml", WIDGET);
    // no CRD: counted, not reported (unless asked)
    let (code, v) = lint_in(dir.path(), &["app"], &[]);
    assert_eq!((code, findings_with_messages(&v)), (0, vec![]), "{v}");
    assert_eq!(v["summary"]["objects_without_schema"], 1);
    let (_, v) = lint_in(dir.path(), &["app"], &["--require-schemas"]);
    let got: Vec<(String, u64, u64)> = findings(&v);
    assert_eq!(got, vec![("missing-schema".to_string(), 2, 1)], "{v}");
    let r = run(&["lint", "app"], Some(dir.path()));
    assert!(
        r.stderr.contains("1 object (1 without a schema)"),
        "{}",
        r.stderr
    );

    // the CRD from outside the linted files
    write(dir.path(), "crds/widget.yaml", CRD);
    let expect = vec![
        (
            "missing-required-field".to_string(),
            5,
            1,
            "spec.size: Required value: `size` is missing".to_string(),
        ),
        (
            "invalid-enum-value".to_string(),
            6,
            9,
            "spec.mode: Unsupported value: \"Fast\": supported values: \"fast\", \"slow\""
                .to_string(),
        ),
        (
            "unknown-field".to_string(),
            9,
            5,
            "unknown field \"spec.rules[0].host\"".to_string(),
        ),
    ];
    let (code, v) = lint_in(dir.path(), &["app"], &["--schema", "crds"]);
    assert_eq!(code, 1);
    assert_eq!(findings_with_messages(&v), expect, "{v}");
    assert_eq!(v["summary"]["objects_without_schema"], 0);
    assert_eq!(v["summary"]["custom_resources_checked"], 1);
    // the same from `schemas:` in .kure.yaml
    write(dir.path(), ".kure.yaml", "schemas: [crds]\n");
    let (_, v) = lint_in(dir.path(), &["app"], &[]);
    assert_eq!(findings_with_messages(&v), expect, "{v}");
    // and from a CRD among the linted files
    std::fs::remove_file(dir.path().join(".kure.yaml")).unwrap();
    write(dir.path(), "app/crd.yaml", CRD);
    let (_, v) = lint_in(dir.path(), &["app"], &[]);
    let got: Vec<_> = findings_with_messages(&v)
        .into_iter()
        .filter(|d| d.0 != "missing-schema")
        .collect();
    assert_eq!(got, expect, "{v}");
    // kure fix knows the CRDs before it edits: the enum's case is fixed
    let r = run(&["fix", "app"], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let fixed = std::fs::read_to_string(dir.path().join("app/widget.yaml")).unwrap();
    assert_eq!(fixed, WIDGET.replace("mode: Fast", "mode: fast"));
    // a missing --schema path is an error of the run
    let r = run(&["lint", "--schema", "nowhere", "app"], Some(dir.path()));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("nowhere"), "{}", r.stderr);
}
