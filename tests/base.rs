//! `kure lint --base REF`: the seed's story as git commits, each change checked against the
//! commit before it (the running state), at the line and column a user sees.

mod common;
use common::*;
use std::path::Path;

const RNG: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: rng
  namespace: dockercoins
spec:
  replicas: 1
  selector:
    matchLabels:
      app: rng
  template:
    metadata:
      labels:
        app: rng
    spec:
      containers:
      - name: rng
        image: dockercoins/rng:v0.1
---
apiVersion: v1
kind: Service
metadata:
  name: rng
  namespace: dockercoins
spec:
  selector:
    app: rng
  ports:
  - port: 80
";

const HASHER: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: hasher
  namespace: dockercoins
spec:
  replicas: 1
  selector:
    matchLabels:
      app: hasher
  template:
    metadata:
      labels:
        app: hasher
    spec:
      containers:
      - name: hasher
        image: dockercoins/hasher:v0.1
";

const REDIS: &str = "\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: redis
  namespace: dockercoins
spec:
  serviceName: redis
  replicas: 1
  selector:
    matchLabels:
      app: redis
  template:
    metadata:
      labels:
        app: redis
    spec:
      containers:
      - name: redis
        image: redis:7
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 1Gi
---
apiVersion: v1
kind: Service
metadata:
  name: redis
  namespace: dockercoins
spec:
  clusterIP: None
  selector:
    app: redis
  ports:
  - port: 6379
";

const CLAIM: &str = "\
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: uploads
  namespace: dockercoins
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 10Gi
";

const SETTINGS: &str = "\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings-v1
  namespace: dockercoins
immutable: true
data:
  speed: fast
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: worker
  namespace: dockercoins
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: reader
subjects:
- kind: ServiceAccount
  name: worker
";

/// A repository holding the dockercoins manifests in `k8s/`, committed.
fn dockercoins() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("rng.yaml", RNG),
        ("hasher.yaml", HASHER),
        ("redis.yaml", REDIS),
        ("claim.yaml", CLAIM),
        ("settings.yaml", SETTINGS),
    ] {
        write(&dir.path().join("k8s"), name, text);
    }
    git(dir.path(), &["init", "-q"]);
    commit(dir.path(), "dockercoins");
    dir
}

fn commit(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-qm", message]);
}

/// Replaces `from` (which must be there) in a file of `k8s/`.
fn edit(dir: &Path, name: &str, from: &str, to: &str) {
    let path = dir.join("k8s").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{name} has no {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// Adds `tier: backend` to a workload's selector and to its pod template (which keeps the
/// two agreeing, and changes the selector).
fn select_tier(dir: &Path, name: &str, app: &str) {
    edit(
        dir,
        name,
        &format!("    matchLabels:\n      app: {app}\n"),
        &format!("    matchLabels:\n      app: {app}\n      tier: backend\n"),
    );
    edit(
        dir,
        name,
        &format!("      labels:\n        app: {app}\n"),
        &format!("      labels:\n        app: {app}\n        tier: backend\n"),
    );
}

/// The findings of `kure lint --base REF k8s` as (path, rule, line, column), and the exit
/// code.
fn lint_base(dir: &Path, reference: &str) -> (i32, Vec<(String, String, u64, u64)>) {
    let (code, v) = lint_json(&["k8s"], &["--base", reference], Some(dir));
    (code, findings_by_path(&v))
}

/// The line and column (1-based) where `needle` starts in a file of `k8s/`, after the first
/// occurrence of `after`.
fn position(dir: &Path, name: &str, after: &str, needle: &str) -> (u64, u64) {
    let text = std::fs::read_to_string(dir.join("k8s").join(name)).unwrap();
    let from = text.find(after).unwrap();
    let at = from + text[from..].find(needle).unwrap();
    let line = text[..at].matches('\n').count() as u64 + 1;
    let col = (at - text[..at].rfind('\n').map_or(0, |n| n + 1)) as u64 + 1;
    (line, col)
}

fn finding(
    dir: &Path,
    name: &str,
    rule: &str,
    after: &str,
    needle: &str,
) -> (String, String, u64, u64) {
    let (line, col) = position(dir, name, after, needle);
    (format!("k8s/{name}"), rule.to_string(), line, col)
}

#[test]
fn the_safe_changes_of_a_release_are_silent() {
    let repo = dockercoins();
    let dir = repo.path();
    edit(dir, "rng.yaml", "replicas: 1", "replicas: 3");
    edit(dir, "hasher.yaml", "hasher:v0.1", "hasher:v0.2");
    edit(
        dir,
        "hasher.yaml",
        "        image: dockercoins/hasher:v0.2\n",
        "        image: dockercoins/hasher:v0.2\n        resources:\n          requests:\n            cpu: 100m\n",
    );
    // comments, key order and quoting that reads the same
    edit(
        dir,
        "rng.yaml",
        "  selector:\n    app: rng\n  ports:\n  - port: 80\n",
        "  ports:\n  - port: 80 # http\n  selector:\n    app: \"rng\"\n",
    );
    // labels added to a pod template, a claim that grows, a new object
    edit(
        dir,
        "hasher.yaml",
        "      labels:\n        app: hasher\n",
        "      labels:\n        app: hasher\n        tier: backend\n",
    );
    edit(dir, "claim.yaml", "storage: 10Gi", "storage: 20Gi");
    write(
        &dir.join("k8s"),
        "worker.yaml",
        &HASHER.replace("hasher", "worker"),
    );
    let (code, found) = lint_base(dir, "HEAD");
    assert_eq!((code, found), (0, vec![]));
}

#[test]
fn rng_turned_into_a_daemonset_runs_beside_the_old_deployment() {
    let repo = dockercoins();
    let dir = repo.path();
    edit(dir, "rng.yaml", "kind: Deployment", "kind: DaemonSet");
    edit(dir, "rng.yaml", "  replicas: 1\n", "");
    let (code, found) = lint_base(dir, "HEAD");
    assert_eq!(
        found,
        vec![finding(
            dir,
            "rng.yaml",
            "workload-replaced",
            "",
            "name: rng"
        )]
    );
    // a warning: the run passes
    assert_eq!(code, 0);
    let (_, v) = lint_json(&["k8s"], &["--base", "HEAD"], Some(dir));
    let d = &v["diagnostics"][0];
    let message = d["message"].as_str().unwrap();
    assert!(
        message.starts_with("DaemonSet/rng replaces Deployment/rng (re-kinded since HEAD)"),
        "{message}"
    );
    assert!(
        d["help"]
            .as_str()
            .unwrap()
            .contains("kubectl delete deployment rng -n dockercoins"),
        "{d}"
    );
}

#[test]
fn a_selector_narrowed_with_the_labels_in_one_change_outruns_the_running_pods() {
    let repo = dockercoins();
    let dir = repo.path();
    let label_pods = |dir: &Path| {
        edit(
            dir,
            "rng.yaml",
            "      labels:\n        app: rng\n",
            "      labels:\n        app: rng\n        active: \"yes\"\n",
        )
    };
    let narrow = |dir: &Path| {
        edit(
            dir,
            "rng.yaml",
            "  selector:\n    app: rng\n",
            "  selector:\n    app: rng\n    active: \"yes\"\n",
        )
    };
    label_pods(dir);
    narrow(dir);
    let (code, found) = lint_base(dir, "HEAD");
    assert_eq!(
        found,
        vec![finding(
            dir,
            "rng.yaml",
            "selector-outruns-labels",
            "kind: Service",
            "selector:"
        )]
    );
    assert_eq!(code, 1);
    let (_, v) = lint_json(&["k8s"], &["--base", "HEAD"], Some(dir));
    let d = &v["diagnostics"][0];
    // the running template is the related span, with the label it lacks
    let related = &d["related"][0];
    assert!(
        related["message"]
            .as_str()
            .unwrap()
            .contains("running at HEAD, Deployment/rng: `active` is missing"),
        "{d}"
    );
    // the two-step order: the pods first, then the selector, each against the one before
    git(dir, &["checkout", "-q", "--", "."]);
    label_pods(dir);
    assert_eq!(lint_base(dir, "HEAD"), (0, vec![]));
    commit(dir, "rng pods labelled active");
    narrow(dir);
    assert_eq!(lint_base(dir, "HEAD"), (0, vec![]));
    commit(dir, "rng selects the active pods");
    // against the commit before both, the selector still outruns the labels
    assert_eq!(lint_base(dir, "HEAD~2").1.len(), 1);
}

#[test]
fn immutable_fields_changed_are_refused_at_the_changed_field() {
    let repo = dockercoins();
    let dir = repo.path();
    // a Deployment's selector (and its template, to keep the two agreeing)
    select_tier(dir, "hasher.yaml", "hasher");
    // a StatefulSet's claim templates
    edit(dir, "redis.yaml", "storage: 1Gi", "storage: 5Gi");
    // a claim that shrinks
    edit(dir, "claim.yaml", "storage: 10Gi", "storage: 5Gi");
    // an immutable ConfigMap's data, and a binding's role
    edit(dir, "settings.yaml", "speed: fast", "speed: slow");
    edit(dir, "settings.yaml", "name: reader", "name: writer");
    let (code, found) = lint_base(dir, "HEAD");
    assert_eq!(code, 1);
    let rule = "immutable-field-changed";
    assert_eq!(
        found,
        vec![
            finding(dir, "claim.yaml", rule, "", "storage: 5Gi"),
            finding(dir, "hasher.yaml", rule, "", "tier: backend"),
            finding(dir, "redis.yaml", rule, "", "storage: 5Gi"),
            finding(dir, "settings.yaml", rule, "", "speed: slow"),
            finding(dir, "settings.yaml", rule, "", "name: writer"),
        ]
    );
    let (_, v) = lint_json(&["k8s"], &["--base", "HEAD"], Some(dir));
    let messages: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert!(
        messages[0].contains("a PersistentVolumeClaim cannot shrink"),
        "{messages:?}"
    );
    assert!(
        messages[1].starts_with("`spec.selector.matchLabels.tier` added since HEAD (`backend`): a Deployment's `spec.selector` is immutable"),
        "{messages:?}"
    );
    assert!(
        messages[2].starts_with("`spec.volumeClaimTemplates[0].spec.resources.requests.storage` changed since HEAD (`1Gi` → `5Gi`): a StatefulSet's `spec.volumeClaimTemplates` is immutable"),
        "{messages:?}"
    );
    assert!(
        messages[4].contains("`roleRef.name` changed since HEAD (`reader` → `writer`)"),
        "{messages:?}"
    );
}

#[test]
fn a_workload_marked_to_be_replaced_may_change_its_selector() {
    let repo = dockercoins();
    let dir = repo.path();
    select_tier(dir, "hasher.yaml", "hasher");
    edit(
        dir,
        "hasher.yaml",
        "  namespace: dockercoins\n",
        "  namespace: dockercoins\n  annotations:\n    argocd.argoproj.io/sync-options: Force=true,Replace=true\n",
    );
    assert_eq!(lint_base(dir, "HEAD"), (0, vec![]));
}

#[test]
fn references_tags_commit_ids_and_a_detached_head() {
    let repo = dockercoins();
    let dir = repo.path();
    git(dir, &["tag", "v1"]);
    let id = String::from_utf8(
        std::process::Command::new("git")
            .args(["rev-parse", "HEAD"])
            .current_dir(dir)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    edit(dir, "claim.yaml", "storage: 10Gi", "storage: 5Gi");
    commit(dir, "shrink");
    git(dir, &["checkout", "-q", "--detach", "HEAD"]);
    let expected = vec![finding(
        dir,
        "claim.yaml",
        "immutable-field-changed",
        "",
        "storage: 5Gi",
    )];
    for reference in ["v1", id.trim(), &id.trim()[..10], "HEAD~1"] {
        assert_eq!(
            lint_base(dir, reference),
            (1, expected.clone()),
            "{reference}"
        );
    }
    // against itself, nothing changed
    assert_eq!(lint_base(dir, "HEAD"), (0, vec![]));
}

#[test]
fn files_moved_between_directories_are_no_change() {
    let repo = dockercoins();
    let dir = repo.path();
    std::fs::create_dir_all(dir.join("k8s/apps")).unwrap();
    std::fs::rename(dir.join("k8s/rng.yaml"), dir.join("k8s/apps/rng.yaml")).unwrap();
    std::fs::rename(dir.join("k8s/hasher.yaml"), dir.join("k8s/apps/both.yaml")).unwrap();
    // one file's objects spread over two
    let settings = std::fs::read_to_string(dir.join("k8s/settings.yaml")).unwrap();
    let (configmap, binding) = settings.split_once("---\n").unwrap();
    write(&dir.join("k8s"), "settings.yaml", configmap);
    write(&dir.join("k8s/apps"), "binding.yaml", binding);
    assert_eq!(lint_base(dir, "HEAD"), (0, vec![]));
}

#[test]
fn unstaged_changes_are_compared_as_the_work_tree_holds_them() {
    let repo = dockercoins();
    let dir = repo.path();
    edit(dir, "claim.yaml", "storage: 10Gi", "storage: 5Gi");
    let expected = vec![finding(
        dir,
        "claim.yaml",
        "immutable-field-changed",
        "",
        "storage: 5Gi",
    )];
    assert_eq!(lint_base(dir, "HEAD"), (1, expected.clone()));
    // only the changed file was read at the commit, and the summary says so
    let (_, v) = lint_json(&["k8s"], &["--base", "HEAD"], Some(dir));
    assert_eq!(
        v["summary"]["base"],
        serde_json::json!({"reference": "HEAD", "changed": 1})
    );
    let r = run(&["lint", "--base", "HEAD", "k8s"], Some(dir));
    assert!(
        r.stderr
            .contains("5 files: 5 linted, 1 changed since HEAD, 0 skipped"),
        "{}",
        r.stderr
    );
    // staged, the same
    git(dir, &["add", "-A"]);
    assert_eq!(lint_base(dir, "HEAD"), (1, expected));
}

#[test]
fn a_file_deleted_since_the_base_is_compared() {
    let repo = dockercoins();
    let dir = repo.path();
    std::fs::remove_file(dir.join("k8s/rng.yaml")).unwrap();
    // the rng pods now come from a DaemonSet in another file
    let daemonset = RNG
        .split("---\n")
        .next()
        .unwrap()
        .replace("kind: Deployment", "kind: DaemonSet")
        .replace("  replicas: 1\n", "");
    write(&dir.join("k8s"), "rng-ds.yaml", &daemonset);
    let (_, found) = lint_base(dir, "HEAD");
    assert_eq!(
        found,
        vec![finding(
            dir,
            "rng-ds.yaml",
            "workload-replaced",
            "",
            "name: rng"
        )]
    );
}

#[test]
fn a_shallow_clone_has_only_its_commits() {
    let repo = dockercoins();
    let dir = repo.path();
    edit(dir, "claim.yaml", "storage: 10Gi", "storage: 5Gi");
    commit(dir, "shrink");
    let clone = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.display());
    git(clone.path(), &["clone", "-q", "--depth", "1", &url, "c"]);
    let c = clone.path().join("c");
    assert_eq!(lint_base(&c, "HEAD"), (0, vec![]));
    let r = run(&["lint", "--base", "HEAD~1", "k8s"], Some(&c));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--base HEAD~1:"), "{}", r.stderr);
    assert!(r.stderr.contains("shallow clone"), "{}", r.stderr);
}

#[test]
fn a_reference_that_names_no_commit_or_no_repository_is_a_usage_error() {
    let repo = dockercoins();
    let r = run(
        &["lint", "--base", "no-such-branch", "k8s"],
        Some(repo.path()),
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("--base no-such-branch: no such commit in this repository"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    let plain = tempfile::tempdir().unwrap();
    write(plain.path(), "a.yaml", CLAIM);
    let r = run(&["lint", "--base", "HEAD", "."], Some(plain.path()));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("is not in a git repository"),
        "{}",
        r.stderr
    );
}

#[test]
fn without_base_the_change_rules_neither_run_nor_leave_suppressions_unused() {
    let repo = dockercoins();
    let dir = repo.path();
    edit(
        dir,
        "claim.yaml",
        "      storage: 10Gi",
        "      storage: 5Gi # kure: ignore[immutable-field-changed] a new, empty claim",
    );
    assert_eq!(lint_base(dir, "HEAD"), (0, vec![]));
    let (code, v) = lint_json(&["k8s"], &[], Some(dir));
    assert_eq!((code, findings_by_path(&v)), (0, vec![]));
    // the rules are listed, and selectable
    let (_, v) = lint_json(
        &["k8s"],
        &["--base", "HEAD", "--select", "workload-replaced"],
        Some(dir),
    );
    assert_eq!(findings_by_path(&v), vec![]);
}

/// A kustomize overlay of the rng Deployment and Service, committed.
fn overlay() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let k8s = dir.path().join("k8s");
    write(&k8s.join("base"), "rng.yaml", RNG);
    write(
        &k8s.join("base"),
        "kustomization.yaml",
        "resources:\n- rng.yaml\n",
    );
    write(
        &k8s.join("prod"),
        "kustomization.yaml",
        "resources:\n- ../base\nnamePrefix: prod-\n",
    );
    git(dir.path(), &["init", "-q"]);
    commit(dir.path(), "rng with a prod overlay");
    dir
}

#[test]
fn common_labels_leaking_into_a_selector_are_refused_at_the_kustomization() {
    let repo = overlay();
    let dir = repo.path();
    edit(
        dir,
        "prod/kustomization.yaml",
        "namePrefix: prod-\n",
        "namePrefix: prod-\ncommonLabels:\n  team: coins\n",
    );
    let (code, v) = lint_json(&["k8s"], &["--base", "HEAD"], Some(dir));
    assert_eq!(code, 1);
    let (line, col) = position(dir, "prod/kustomization.yaml", "", "commonLabels:");
    // the Deployment's selector is refused, and the Service loses its running pods
    let at = |rule: &str| {
        (
            "k8s/prod/kustomization.yaml".to_string(),
            rule.to_string(),
            line,
            col,
        )
    };
    assert_eq!(
        findings_by_path(&v),
        vec![at("immutable-field-changed"), at("selector-outruns-labels")]
    );
    assert!(
        v["diagnostics"][1]["message"]
            .as_str()
            .unwrap()
            .starts_with("Service/prod-rng as k8s/prod/kustomization.yaml renders it: spec.selector `app=rng,team=coins` selects none of the pods of HEAD, which `app=rng` selected"),
        "{v}"
    );
    let message = v["diagnostics"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Deployment/prod-rng as k8s/prod/kustomization.yaml renders it: `spec.selector.matchLabels.team` added since HEAD (`coins`)"),
        "{message}"
    );
    assert_eq!(v["summary"]["base"]["changed"], 1);
}

#[test]
fn labels_that_stay_out_of_selectors_are_silent() {
    let repo = overlay();
    let dir = repo.path();
    edit(
        dir,
        "prod/kustomization.yaml",
        "namePrefix: prod-\n",
        "namePrefix: prod-\nlabels:\n- pairs:\n    team: coins\n  includeTemplates: true\n",
    );
    assert_eq!(lint_base(dir, "HEAD"), (0, vec![]));
}

#[test]
fn a_selector_edited_in_a_base_is_reported_once_at_the_base() {
    let repo = overlay();
    let dir = repo.path();
    select_tier(dir, "base/rng.yaml", "rng");
    let (code, found) = lint_base(dir, "HEAD");
    assert_eq!(code, 1);
    assert_eq!(
        found,
        vec![finding(
            dir,
            "base/rng.yaml",
            "immutable-field-changed",
            "",
            "tier: backend"
        )]
    );
}

#[test]
fn crd_transition_rules_judge_the_change_with_the_base_as_old_self() {
    let dir = tempfile::tempdir().unwrap();
    let k8s = dir.path().join("k8s");
    // a catalog CRD: Gateway API's GatewayClass keeps its controllerName
    write(
        &k8s,
        "gatewayclass.yaml",
        "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: cilium\nspec:\n  controllerName: io.cilium/gateway-controller\n",
    );
    // a CRD of the repository whose rule lets a size only grow
    write(
        &k8s,
        "crd.yaml",
        r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: volumes.example.com
spec:
  group: example.com
  names: {kind: Volume, plural: volumes}
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
            properties:
              size:
                type: integer
                x-kubernetes-validations:
                - rule: self >= oldSelf
                  message: size may only grow
"#,
    );
    write(
        &k8s,
        "volume.yaml",
        "apiVersion: example.com/v1\nkind: Volume\nmetadata:\n  name: data\nspec:\n  size: 10\n",
    );
    git(dir.path(), &["init", "-q"]);
    commit(dir.path(), "classes and volumes");
    let d = dir.path();
    // growing is allowed; a new controller is not
    edit(d, "volume.yaml", "size: 10", "size: 20");
    edit(
        d,
        "gatewayclass.yaml",
        "io.cilium/gateway-controller",
        "example.com/other",
    );
    let (code, v) = lint_json(&["k8s"], &["--base", "HEAD"], Some(d));
    assert_eq!(code, 1);
    assert_eq!(
        findings_by_path(&v),
        vec![finding(
            d,
            "gatewayclass.yaml",
            "immutable-field-changed",
            "",
            "controllerName:"
        )]
    );
    assert_eq!(
        v["diagnostics"][0]["message"],
        "`spec.controllerName` changed since HEAD: the CRD's transition rule `self == oldSelf` refuses the update: Value is immutable"
    );
    commit(d, "grow");
    edit(d, "volume.yaml", "size: 20", "size: 5");
    let (_, v) = lint_json(&["k8s"], &["--base", "HEAD"], Some(d));
    assert_eq!(
        findings_by_path(&v),
        vec![finding(
            d,
            "volume.yaml",
            "immutable-field-changed",
            "",
            "size: 5"
        )]
    );
    assert!(
        v["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .ends_with("refuses the update: size may only grow"),
        "{v}"
    );
}

#[test]
fn a_jobs_template_and_a_services_address_are_fixed_once_created() {
    let repo = dockercoins();
    let dir = repo.path();
    write(
        &dir.join("k8s"),
        "migrate.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: migrate\n  namespace: dockercoins\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: migrate\n        image: dockercoins/migrate:v1\n",
    );
    edit(
        dir,
        "rng.yaml",
        "spec:\n  selector:\n    app: rng\n",
        "spec:\n  clusterIP: 10.96.0.10\n  selector:\n    app: rng\n",
    );
    commit(dir, "a migration job, and rng's address");
    edit(dir, "migrate.yaml", "migrate:v1", "migrate:v2");
    edit(
        dir,
        "rng.yaml",
        "clusterIP: 10.96.0.10",
        "clusterIP: 10.96.0.20",
    );
    let (code, v) = lint_json(&["k8s"], &["--base", "HEAD"], Some(dir));
    assert_eq!(code, 1);
    let rule = "immutable-field-changed";
    assert_eq!(
        findings_by_path(&v),
        vec![
            finding(
                dir,
                "migrate.yaml",
                rule,
                "",
                "image: dockercoins/migrate:v2"
            ),
            finding(dir, "rng.yaml", rule, "", "clusterIP: 10.96.0.20"),
        ]
    );
    assert!(
        v["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("`spec.template.spec.containers[0].image` changed since HEAD (`dockercoins/migrate:v1` → `dockercoins/migrate:v2`): a Job's `spec.template` is immutable"),
        "{v}"
    );
    // the CI formats carry them like any other finding
    let r = run(
        &["lint", "--base", "HEAD", "--format", "github", "k8s"],
        Some(dir),
    );
    let (line, col) = position(dir, "rng.yaml", "", "clusterIP: 10.96.0.20");
    assert!(
        r.stdout
            .contains(&format!("::error file=k8s/rng.yaml,line={line},col={col},"))
            && r.stdout.contains("title=kure (immutable-field-changed)"),
        "{}",
        r.stdout
    );
}
