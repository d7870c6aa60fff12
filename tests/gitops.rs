//! GitOps repositories as Flux applies them: `${VAR}` placeholders read as Flux's
//! post-build substitution reads them, the namespace a Flux Kustomization's
//! `targetNamespace` gives, and references to what a Helm release, the cluster's installer
//! or Flux itself makes.

mod common;
use common::*;
use std::path::Path;

/// A Flux repository: `clusters/ks.yaml` applies `apps/web` into namespace `web` with
/// `postBuild.substitute`, and `apps/plain` without `postBuild`.
fn repo(dir: &Path, web_files: &[(&str, &str)]) {
    write(
        dir,
        "clusters/ks.yaml",
        "\
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1h
  url: https://example.com/repo
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: web
  namespace: flux-system
spec:
  interval: 1h
  path: ./apps/web
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  targetNamespace: web
  postBuild:
    substitute:
      APP: web
      REPLICAS: \"three\"
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: plain
  namespace: flux-system
spec:
  interval: 1h
  path: ./apps/plain
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
",
    );
    for (name, text) in web_files {
        write(dir, &format!("apps/web/{name}"), text);
    }
}

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${APP}
spec:
  replicas: ${MIN_REPLICAS:=1}
  selector:
    matchLabels:
      app: ${APP}
  template:
    metadata:
      labels:
        app: ${APP}
    spec:
      containers:
        - name: app
          image: nginx
          imagePullPolicy: ${PULL:=IfNotPresent}
";

#[test]
fn placeholders_are_read_as_flux_substitutes_them() {
    let dir = tempfile::tempdir().unwrap();
    repo(
        dir.path(),
        &[
            ("deployment.yaml", DEPLOYMENT),
            (
                "pvc.yaml",
                "\
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: ${APP}-data
spec:
  accessModes: [\"${ACCESSMODES:=ReadWriteOnce}\"]
  resources:
    requests:
      storage: ${CAPACITY:=5Gi}
",
            ),
        ],
    );
    // defaults and inline values are judged as the values they give; nothing else is
    let (code, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(findings(&v), vec![]);

    // an inline value is substituted before the rules look, and judged where written
    write(
        dir.path(),
        "apps/web/deployment.yaml",
        &DEPLOYMENT.replace("${MIN_REPLICAS:=1}", "${REPLICAS}"),
    );
    // a default is judged as the value it gives
    write(
        dir.path(),
        "apps/web/pvc.yaml",
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: ${APP}-data\nspec:\n  accessModes: [\"${ACCESSMODES:=ReadWriteOne}\"]\n  resources:\n    requests:\n      storage: 1Gi\n",
    );
    let (code, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(code, 1);
    assert_eq!(
        findings_with_messages(&v),
        vec![
            (
                "wrong-type".to_string(),
                6,
                13,
                "spec.replicas: expected an integer, got a string (\"three\")".to_string()
            ),
            (
                "invalid-enum-value".to_string(),
                6,
                17,
                "spec.accessModes[0]: Unsupported value: \"ReadWriteOne\": supported values: \"ReadWriteOnce\", \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOncePod\"".to_string()
            ),
        ]
    );
    // no fix edits a placeholder: the file stays as written
    let before = std::fs::read_to_string(dir.path().join("apps/web/pvc.yaml")).unwrap();
    let r = run(&["fix", "--unsafe-fixes", "."], Some(dir.path()));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("apps/web/pvc.yaml")).unwrap(),
        before,
        "{}",
        r.stderr
    );
}

#[test]
fn without_post_build_a_placeholder_stays_as_written() {
    let dir = tempfile::tempdir().unwrap();
    repo(dir.path(), &[]);
    write(
        dir.path(),
        "apps/plain/deployment.yaml",
        &DEPLOYMENT.replace("${APP}", "plain"),
    );
    let (code, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(code, 1);
    let found = findings_with_messages(&v);
    assert!(
        found.contains(&(
            "wrong-type".to_string(),
            6,
            13,
            "spec.replicas: expected an integer, got a string (\"${MIN_REPLICAS:=1}\")".to_string()
        )),
        "{found:#?}"
    );
    // an object can turn substitution off for itself
    let dir = tempfile::tempdir().unwrap();
    repo(
        dir.path(),
        &[(
            "deployment.yaml",
            &DEPLOYMENT.replace(
                "  name: ${APP}\n",
                "  name: web\n  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\n",
            ),
        )],
    );
    let (_, v) = lint_json(&["."], &["--select", "wrong-type"], Some(dir.path()));
    assert_eq!(findings(&v), vec![("wrong-type".to_string(), 8, 13)]);
}

#[test]
fn outside_flux_a_placeholder_without_default_is_not_judged() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "hpa.yaml",
        "\
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: ${APP}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: ${CONTROLLER:=Deployment}
    name: ${APP}
  minReplicas: ${MIN:=1}
  maxReplicas: ${MAX}
",
    );
    let (code, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(findings(&v), vec![]);
}

const ROUTE: &str = "\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
spec:
  parentRefs:
    - name: gateway
  rules:
    - backendRefs:
        - name: web
          port: 80
";

const RELEASE: &str = "\
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
spec:
  interval: 1h
  chart:
    spec:
      chart: app-template
      sourceRef:
        kind: HelmRepository
        name: charts
";

#[test]
fn a_service_that_a_helm_release_installs_is_not_dangling() {
    let dir = tempfile::tempdir().unwrap();
    repo(
        dir.path(),
        &[("httproute.yaml", ROUTE), ("helmrelease.yaml", RELEASE)],
    );
    let (code, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(code, 0);
    assert_eq!(findings(&v), vec![]);

    // --strict-references reports it, naming the release
    let (_, v) = lint_json(&["."], &["--strict-references"], Some(dir.path()));
    assert_eq!(
        findings(&v),
        vec![("ingress-backend-not-found".to_string(), 10, 17)]
    );
    let help = v["diagnostics"][0]["help"].as_str().unwrap();
    assert!(
        help.starts_with("`HelmRelease/web` install objects kure cannot see in this namespace"),
        "{help}"
    );
    // and so does `strict-references: true`
    write(dir.path(), ".kure.yaml", "strict-references: true\n");
    let (_, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 1);
    std::fs::remove_file(dir.path().join(".kure.yaml")).unwrap();

    // a release in another namespace provides nothing here
    let dir = tempfile::tempdir().unwrap();
    repo(
        dir.path(),
        &[(
            "httproute.yaml",
            &ROUTE.replace(
                "  name: web\nspec:",
                "  name: web\n  namespace: shop\nspec:",
            ),
        )],
    );
    write(
        dir.path(),
        "apps/other/helmrelease.yaml",
        &RELEASE.replace("  name: web\n", "  name: web\n  namespace: elsewhere\n"),
    );
    let (_, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(
        findings(&v),
        vec![("ingress-backend-not-found".to_string(), 11, 17)]
    );
}

#[test]
fn what_the_cluster_and_flux_make_is_present() {
    let dir = tempfile::tempdir().unwrap();
    repo(dir.path(), &[]);
    let svc = |ns: &str| {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: apiserver\n  namespace: {ns}\nspec:\n  selector:\n    k8s-app: kube-apiserver\n    tier: control-plane\n  ports:\n    - port: 6443\n"
        )
    };
    write(dir.path(), "infra/apiserver.yaml", &svc("kube-system"));
    write(
        dir.path(),
        "infra/receiver.yaml",
        "\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: receiver
  namespace: flux-system
spec:
  rules:
    - backendRefs:
        - name: webhook-receiver
          port: 80
---
apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata:
  name: flux
  namespace: flux-system
spec:
  selector:
    matchExpressions:
      - key: app.kubernetes.io/component
        operator: In
        values: [helm-controller, source-controller]
  podMetricsEndpoints:
    - port: http-prom
",
    );
    let (code, v) = lint_json(&["."], &["--strict-references"], Some(dir.path()));
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(findings(&v), vec![]);
    // the same selector outside kube-system selects nothing
    write(dir.path(), "infra/apiserver.yaml", &svc("web"));
    let (_, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(
        findings(&v),
        vec![("service-selector-no-match".to_string(), 7, 3)]
    );
}

#[test]
#[cfg_attr(kure_no_shared, ignore = "../shared/gitops is absent")]
fn the_gitops_repository_has_no_error_and_one_catalog_warning() {
    let Some(corpus) = require_corpus() else {
        return;
    };
    let repo = corpus.join("../gitops/onedr0p__home-ops");
    let (code, v) = lint_json(&[repo.to_str().unwrap()], &[], None);
    assert_eq!(code, 0, "{:#?}", findings_with_messages(&v));
    // the one finding: a field of a prometheus-operator release newer than the embedded
    // catalog's AlertmanagerConfig, a warning that says so
    let d = &v["diagnostics"][0];
    assert_eq!(
        findings(&v),
        vec![("unknown-field".to_string(), 83, 11)],
        "{v:#}"
    );
    assert_eq!(d["severity"], "warning");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .ends_with("pushoverConfigs[0].monospace\""),
        "{d}"
    );
    assert_eq!(v["summary"]["objects_without_schema"], 10, "{v:#}");
    assert_eq!(v["summary"]["checked_by"]["catalog"], 337, "{v:#}");
    // with --strict-references, only what a release might provide is reported besides
    let (_, v) = lint_json(&[repo.to_str().unwrap()], &["--strict-references"], None);
    let found: Vec<_> = findings_with_messages(&v)
        .into_iter()
        .filter(|f| f.0 != "unknown-field")
        .collect();
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found.iter().all(|f| f.0.ends_with("-no-match")),
        "{found:#?}"
    );
}

#[test]
fn a_service_over_an_operators_pods_finds_them() {
    let dir = tempfile::tempdir().unwrap();
    let svc = |selector: &str| {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: db\nspec:\n  selector:\n{selector}  ports:\n    - port: 5432\n"
        )
    };
    write(
        dir.path(),
        "cluster.yaml",
        "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata:\n  name: postgres\nspec:\n  instances: 3\n  storage:\n    size: 1Gi\n",
    );
    write(
        dir.path(),
        "svc.yaml",
        &svc("    cnpg.io/cluster: postgres\n    role: primary\n"),
    );
    let (code, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(findings(&v), vec![]);
    // another cluster's name, or a role CloudNativePG never gives, selects nothing
    for selector in [
        "    cnpg.io/cluster: postgres-16\n    role: primary\n",
        "    cnpg.io/cluster: postgres\n    role: leader\n",
    ] {
        write(dir.path(), "svc.yaml", &svc(selector));
        let (_, v) = lint_json(&["."], &[], Some(dir.path()));
        assert_eq!(
            findings(&v),
            vec![("service-selector-no-match".to_string(), 6, 3)],
            "{selector}"
        );
    }
}

#[test]
fn a_repositorys_own_operator_names_its_pods_labels() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".kure.yaml",
        "workloads:\n  - api-version: example.com/v1\n    kind: Cache\n    selector: none\n    template: spec.pod\n    pod-labels: [\"example.com/cache={name}\", \"tier=leader|follower\", shard]\n",
    );
    write(
        dir.path(),
        "cache.yaml",
        "apiVersion: example.com/v1\nkind: Cache\nmetadata:\n  name: sessions\nspec: {}\n",
    );
    let svc = |value: &str| {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: cache\nspec:\n  selector:\n    example.com/cache: {value}\n    tier: leader\n    shard: \"3\"\n  ports:\n    - port: 6379\n"
        )
    };
    write(dir.path(), "svc.yaml", &svc("sessions"));
    let (code, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(code, 0, "{v:#}");
    write(dir.path(), "svc.yaml", &svc("carts"));
    let (_, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(
        findings(&v),
        vec![("service-selector-no-match".to_string(), 6, 3)]
    );
}

#[test]
fn alternative_bundles_beside_kustomizations_are_not_one_group() {
    let dir = tempfile::tempdir().unwrap();
    let sa =
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: controller\n  namespace: tools\n";
    // generated bundles beside the kustomizations they are built from
    write(dir.path(), "manifests/install.yaml", sa);
    write(dir.path(), "manifests/namespace-install.yaml", sa);
    write(dir.path(), "manifests/base/sa.yaml", sa);
    write(
        dir.path(),
        "manifests/base/kustomization.yaml",
        "resources:\n  - sa.yaml\n",
    );
    let (_, v) = lint_json(&["."], &["--select", "duplicate-object"], Some(dir.path()));
    assert_eq!(findings(&v), vec![]);
    // what one kustomization applies twice is still a duplicate
    write(dir.path(), "manifests/base/again.yaml", sa);
    write(
        dir.path(),
        "manifests/base/kustomization.yaml",
        "resources:\n  - sa.yaml\n  - again.yaml\n",
    );
    let (_, v) = lint_json(&["."], &["--select", "duplicate-object"], Some(dir.path()));
    assert_eq!(
        findings_with_messages(&v),
        vec![(
            "duplicate-object".to_string(),
            4,
            3,
            "ServiceAccount `tools/controller` is defined twice in the same kustomization (first at ./manifests/base/again.yaml:4:3)".to_string()
        )]
    );
    // and so are two files of a directory without definitions
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/a.yaml", sa);
    write(dir.path(), "app/b.yaml", sa);
    let (_, v) = lint_json(&["."], &["--select", "duplicate-object"], Some(dir.path()));
    assert_eq!(findings(&v), vec![("duplicate-object".to_string(), 4, 3)]);
}

/// A base (a Deployment and the Service selecting its pods) and an overlay patching the
/// Deployment's pod labels.
fn overlay(dir: &Path, patch_labels: &str) {
    write(
        dir,
        "base/app.yaml",
        "\
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
    spec:
      containers:
        - name: web
          image: nginx
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
    track: stable
  ports:
    - port: 80
",
    );
    write(dir, "base/kustomization.yaml", "resources:\n  - app.yaml\n");
    write(
        dir,
        "prod/kustomization.yaml",
        &format!(
            "namePrefix: prod-\nresources:\n  - ../base\npatches:\n  - patch: |-\n      apiVersion: apps/v1\n      kind: Deployment\n      metadata:\n        name: web\n      spec:\n        template:\n          metadata:\n            labels:\n{patch_labels}"
        ),
    );
}

#[test]
fn a_services_selector_is_matched_against_what_the_overlay_makes_of_the_pods() {
    // the overlay's patch gives the pods the label the base's Service selects
    let dir = tempfile::tempdir().unwrap();
    overlay(dir.path(), "              track: stable\n");
    let (code, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(code, 0, "{:#?}", findings_with_messages(&v));
    assert_eq!(findings(&v), vec![]);
    // a patch that gives them another value leaves the Service without pods, reported at
    // the selector in the base
    let dir = tempfile::tempdir().unwrap();
    overlay(dir.path(), "              track: canary\n");
    let (_, v) = lint_json(&["."], &[], Some(dir.path()));
    let found = findings_with_messages(&v);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].0.as_str(), found[0].1, found[0].2),
        ("service-selector-no-match", 23, 3)
    );
    assert_eq!(path_of(&v["diagnostics"][0]), "base/app.yaml");
    assert!(
        found[0].3.contains("`track=stable` matches none"),
        "{}",
        found[0].3
    );
    // the pods' labels are shown where the overlay's patch sets them
    let related = &v["diagnostics"][0]["related"][0];
    assert_eq!(path_of(related), "prod/kustomization.yaml");
    assert_eq!(related["span"]["start"]["line"], 5);
    assert_eq!(
        related["message"],
        "closest pod template, Deployment/prod-web: `track` is `canary`"
    );
    // and the overlay it holds in
    let related = &v["diagnostics"][0]["related"][1];
    assert_eq!(path_of(related), "prod/kustomization.yaml");
    assert_eq!(related["message"], "as prod/kustomization.yaml renders it");
    // the same for the files named one by one
    let (_, w) = lint_json(
        &["base/app.yaml", "prod/kustomization.yaml"],
        &[],
        Some(dir.path()),
    );
    assert_eq!(findings(&w), findings(&v));
}

#[test]
fn pod_labels_an_overlays_labels_entry_sets_are_shown_at_the_entry() {
    // the overlay labels the pods `track: canary` (not through a patch: a `labels:` entry
    // with `includeTemplates`), and the base's Service selects `track: stable`
    let dir = tempfile::tempdir().unwrap();
    overlay(dir.path(), "              app: web\n");
    write(
        dir.path(),
        "prod/kustomization.yaml",
        "resources:\n  - ../base\nlabels:\n  - pairs:\n      team: shop\n  - pairs:\n      track: canary\n    includeTemplates: true\n",
    );
    let (_, v) = lint_json(&["."], &[], Some(dir.path()));
    let found = findings_with_messages(&v);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].0.as_str(), found[0].1, found[0].2),
        ("service-selector-no-match", 23, 3)
    );
    let related = &v["diagnostics"][0]["related"][0];
    assert_eq!(path_of(related), "prod/kustomization.yaml");
    // the second entry, the one that reaches the pod templates
    assert_eq!(related["span"]["start"]["line"], 6, "{related}");
    assert_eq!(
        related["message"],
        "closest pod template, Deployment/web: `track` is `canary`"
    );
}

#[test]
fn an_argo_cd_application_applies_its_path_into_its_namespace() {
    let dir = tempfile::tempdir().unwrap();
    let app = |name: &str, ns: &str| {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://example.com/repo.git\n    path: apps/{name}\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: {ns}\n"
        )
    };
    write(dir.path(), "argocd/web.yaml", &app("web", "shop"));
    write(dir.path(), "argocd/api.yaml", &app("api", "backend"));
    write(
        dir.path(),
        "apps/web/ingress.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  defaultBackend:\n    service:\n      name: api\n      port:\n        number: 80\n",
    );
    write(
        dir.path(),
        "apps/api/service.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  type: ExternalName\n  externalName: api.example.com\n",
    );
    // the Service is applied into `backend`, the Ingress into `shop`
    let (_, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(
        findings_with_messages(&v),
        vec![(
            "ingress-backend-not-found".to_string(),
            8,
            13,
            "backend Service `api` is not in the linted files".to_string()
        )]
    );
    // applied into the same namespace, it is found
    write(dir.path(), "argocd/api.yaml", &app("api", "shop"));
    let (_, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(findings(&v), vec![]);
}

#[test]
fn a_base_that_two_overlays_render_alike_gives_one_finding_naming_both() {
    let dir = tempfile::tempdir().unwrap();
    overlay(dir.path(), "              track: canary\n");
    let prod = std::fs::read_to_string(dir.path().join("prod/kustomization.yaml")).unwrap();
    write(
        dir.path(),
        "staging/kustomization.yaml",
        &prod.replace("prod-", "staging-"),
    );
    let (_, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(
        findings(&v),
        vec![("service-selector-no-match".to_string(), 23, 3)]
    );
    let named: Vec<&str> = v["diagnostics"][0]["related"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["message"].as_str())
        .filter(|m| m.ends_with("renders it"))
        .collect();
    assert_eq!(
        named,
        [
            "as prod/kustomization.yaml renders it",
            "as staging/kustomization.yaml renders it"
        ]
    );
}
