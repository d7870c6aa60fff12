//! The reference rules of round 2 (within an object, and between objects across files),
//! with line and column, related spans, fixes and the quiet cases.

mod common;
use common::*;

fn lint_text(text: &str, rules: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "x.yaml", text);
    lint_json(&["x.yaml"], &["--select", rules], Some(dir.path())).1
}

const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      initContainers:
      - name: init
        image: busybox
        restartPolicy: Always
        startupProbe:
          tcpSocket: {port: ready}
      containers:
      - name: web
        image: nginx:1.27
        env:
        - name: LOG_LEVEL
          value: debug
        - name: MODE
          value: a
        - name: LOG_LEVEL
          value: info
        ports:
        - name: http
          containerPort: 80
        - name: metrics
          containerPort: 9090
        livenessProbe:
          httpGet: {path: /, port: http}
        readinessProbe:
          httpGet: {path: /, port: admin}
      - name: sidecar
        image: envoy
        env:
        - name: LOG_LEVEL
          value: warn
        ports:
        - name: metrics
          containerPort: 9901
        readinessProbe:
          httpGet: {path: /, port: 9902}
";

#[test]
fn duplicate_env_names_the_first_and_removes_it() {
    let v = lint_text(DEPLOY, "duplicate-env");
    // the same name in another container is that container's own
    assert_eq!(
        findings_with_messages(&v),
        vec![(
            "duplicate-env".to_string(),
            26,
            17,
            "env `LOG_LEVEL` is set twice in container `web` (first at line 22)".to_string()
        )]
    );
    let d = &v["diagnostics"][0];
    assert_eq!(d["related"][0]["span"]["start"]["line"], 22);
    assert_eq!(d["fix"]["applicability"], "unsafe");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "x.yaml", DEPLOY);
    let r = run(
        &[
            "fix",
            "--unsafe-fixes",
            "--select",
            "duplicate-env",
            "x.yaml",
        ],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let fixed = std::fs::read_to_string(dir.path().join("x.yaml")).unwrap();
    assert_eq!(
        fixed,
        DEPLOY.replace("        - name: LOG_LEVEL\n          value: debug\n", "")
    );
}

#[test]
fn a_probe_on_an_undeclared_name() {
    let v = lint_text(DEPLOY, "probe-port-not-found");
    let got: Vec<(String, u64, u64)> = findings(&v);
    // the restartable init container's probe, and the readiness probe on `admin`; a
    // declared name and a number (declared or not) are fine
    assert_eq!(
        got,
        vec![
            ("probe-port-not-found".to_string(), 17, 29),
            ("probe-port-not-found".to_string(), 36, 36),
        ],
        "{v}"
    );
    assert_eq!(
        v["diagnostics"][1]["message"],
        "readinessProbe of container `web` uses port `admin`, which the container does not declare"
    );
    assert_eq!(
        v["diagnostics"][1]["related"][0]["span"]["start"]["line"],
        28
    );
    assert!(
        v["diagnostics"][1]["help"]
            .as_str()
            .unwrap()
            .contains("`http`, `metrics`"),
        "{v}"
    );
}

#[test]
fn ports_the_api_server_rejects() {
    // two containers may both name a port `metrics`: names are unique per container
    let v = lint_text(DEPLOY, "invalid-port");
    assert_eq!(findings_with_messages(&v), vec![], "{v}");
    let bad = "apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 80
    targetPort: \"8080\"
  - port: 70000
    name: \"443\"
    targetPort: ${PORT}
---
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: c
    image: c
    ports:
    - name: admin-interface-port
      containerPort: 8080
    - name: http
      containerPort: 80
    - name: http
      containerPort: 81
      hostPort: 0
";
    let v = lint_text(bad, "invalid-port");
    let got: Vec<(u64, u64, String)> = findings_with_messages(&v)
        .into_iter()
        .map(|d| (d.1, d.2, d.3))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                7,
                5,
                "spec.ports[0].name: Required value: a Service with several ports names each"
                    .to_string()
            ),
            (
                8,
                17,
                "spec.ports[0].targetPort: Invalid value: \"8080\": must contain at least one letter (a-z) (a quoted number is a name; write the number without quotes)".to_string()
            ),
            (
                9,
                11,
                "spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive"
                    .to_string()
            ),
            (
                22,
                13,
                "spec.containers[0].ports[0].name: Invalid value: \"admin-interface-port\": must be no more than 15 characters".to_string()
            ),
            (
                26,
                13,
                "spec.containers[0].ports[2].name: Invalid value: \"http\": Duplicate value"
                    .to_string()
            ),
        ],
        "{v}"
    );
}

#[test]
fn a_named_target_port_no_selected_container_declares() {
    let svc = "apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
  - name: a
    port: 80
    targetPort: http
  - name: b
    port: 53
    targetPort: dns
    protocol: UDP
  - name: c
    port: 81
    targetPort: admin
  - name: d
    port: 82
    targetPort: 8080
  - name: e
    port: 83
    targetPort: proxy
";
    let deploy = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      initContainers:
      - name: proxy
        image: envoy
        restartPolicy: Always
        ports:
        - name: proxy
          containerPort: 15001
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - name: http
          containerPort: 80
        - name: dns
          containerPort: 53
";
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "svc.yaml", svc);
    write(dir.path(), "deploy.yaml", deploy);
    let (_, v) = lint_json(
        &["."],
        &["--select", "service-target-port-not-found"],
        Some(dir.path()),
    );
    // `http` is declared; `dns` only for TCP; `admin` nowhere; a number and a restartable
    // init container's port are fine
    let got: Vec<(u64, u64, String)> = findings_with_messages(&v)
        .into_iter()
        .map(|d| (d.1, d.2, d.3))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                14,
                17,
                "targetPort `dns` (UDP) is declared by no container of the pod template (Deployment/web) this Service selects".to_string()
            ),
            (
                18,
                17,
                "targetPort `admin` (TCP) is declared by no container of the pod template (Deployment/web) this Service selects".to_string()
            ),
        ],
        "{v}"
    );
    let d = &v["diagnostics"][1];
    assert_eq!(path_of(&v["diagnostics"][0]["related"][0]), "deploy.yaml");
    assert_eq!(d["related"][0]["span"]["start"]["line"], 22);
    assert!(d["help"].as_str().unwrap().contains("`http`, `dns`"), "{d}");
    // pods an operator makes: their ports are unknown, nothing is said
    let operator = "apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata:
  name: k8s
spec:
  podMetadata:
    labels: {app: web}
";
    std::fs::remove_file(dir.path().join("deploy.yaml")).unwrap();
    write(dir.path(), "prom.yaml", operator);
    let (_, v) = lint_json(
        &["."],
        &["--select", "service-target-port-not-found"],
        Some(dir.path()),
    );
    assert_eq!(findings_with_messages(&v), vec![], "{v}");
}

#[test]
fn a_statefulset_needs_its_headless_service() {
    let sts = |name: &str, svc: &str, ns: &str| {
        format!(
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  serviceName: {svc}\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers: [{{name: c, image: c}}]\n"
        )
    };
    let svc = |name: &str, headless: bool, ns: &str| {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n{}  selector: {{app: {name}}}\n  ports: [{{port: 80}}]\n",
            if headless { "  clusterIP: None\n" } else { "" }
        )
    };
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yaml", &sts("a", "a", "db"));
    write(dir.path(), "a-svc.yaml", &svc("a", true, "db"));
    write(dir.path(), "b.yaml", &sts("b", "b", "db"));
    write(dir.path(), "b-svc.yaml", &svc("b", false, "db"));
    // the right name in another namespace is not its Service
    write(dir.path(), "c.yaml", &sts("c", "c", "db"));
    write(dir.path(), "c-svc.yaml", &svc("c", true, "web"));
    let (code, v) = lint_json(
        &["."],
        &["--select", "statefulset-service-not-found"],
        Some(dir.path()),
    );
    assert_eq!(code, 0, "warnings only");
    let all = located(&v);
    let got: Vec<(String, u64, u64, String)> = all
        .iter()
        .map(|((p, _, l, c, m), _)| (p.clone(), *l, *c, m.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "b.yaml".to_string(),
                7,
                16,
                "serviceName `b` names a Service that is not headless".to_string()
            ),
            (
                "c.yaml".to_string(),
                7,
                16,
                "serviceName `c` names no Service in the linted files".to_string()
            ),
        ],
        "{v}"
    );
    assert_eq!(all[0].1[0].0, "b-svc.yaml");
}

#[test]
fn an_hpa_needs_a_scalable_target_in_scope() {
    let hpa = |name: &str, api: &str, kind: &str| {
        format!(
            "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: {name}\nspec:\n  scaleTargetRef:\n    apiVersion: {api}\n    kind: {kind}\n    name: {name}\n  maxReplicas: 3\n"
        )
    };
    let workload = |kind: &str, name: &str| {
        format!(
            "apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: {name}\nspec:\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers: [{{name: c, image: c}}]\n"
        )
    };
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "web.yaml", &workload("Deployment", "web"));
    write(
        dir.path(),
        "web-hpa.yaml",
        &hpa("web", "apps/v1", "Deployment"),
    );
    write(dir.path(), "agent.yaml", &workload("DaemonSet", "agent"));
    write(
        dir.path(),
        "agent-hpa.yaml",
        &hpa("agent", "apps/v1", "DaemonSet"),
    );
    write(
        dir.path(),
        "gone-hpa.yaml",
        &hpa("gone", "apps/v1", "Deployment"),
    );
    // a custom resource may be scalable: only whether it is there is judged
    write(
        dir.path(),
        "ro-hpa.yaml",
        &hpa("ro", "argoproj.io/v1alpha1", "Rollout"),
    );
    let (code, v) = lint_json(
        &["."],
        &["--select", "hpa-target-not-found,hpa-target-not-scalable"],
        Some(dir.path()),
    );
    assert_eq!(code, 1);
    let got: Vec<(String, String, u64, u64)> = located(&v)
        .into_iter()
        .map(|((p, r, l, c, _), _)| (p, r, l, c))
        .collect();
    let s = |p: &str, r: &str| (p.to_string(), r.to_string(), 6, 3);
    assert_eq!(
        got,
        vec![
            s("agent-hpa.yaml", "hpa-target-not-scalable"),
            s("gone-hpa.yaml", "hpa-target-not-found"),
            s("ro-hpa.yaml", "hpa-target-not-found"),
        ],
        "{v}"
    );
}

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> u64 {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not in text")) as u64
        + 1
}

/// The line of the first line containing `needle` after the object named `name` in `text`.
fn line_in_object(text: &str, name: &str, needle: &str) -> u64 {
    let start = line_of(text, &format!("name: {name}"));
    start
        + text
            .lines()
            .skip(start as usize)
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("`{needle}` not after `{name}`")) as u64
        + 1
}

/// `(path, rule, line, column, message)` of every diagnostic, and its related spans as
/// `(path, line, message)`.
type Finding = (String, String, u64, u64, String);
type Related = Vec<(String, u64, String)>;
fn located(v: &serde_json::Value) -> Vec<(Finding, Related)> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let related = d["related"]
                .as_array()
                .map(|r| {
                    r.iter()
                        .map(|x| {
                            (
                                path_of(x),
                                x["span"]["start"]["line"].as_u64().unwrap(),
                                x["message"].as_str().unwrap().to_string(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            (
                (
                    path_of(d),
                    d["rule"].as_str().unwrap().to_string(),
                    d["span"]["start"]["line"].as_u64().unwrap(),
                    d["span"]["start"]["column"].as_u64().unwrap(),
                    d["message"].as_str().unwrap().to_string(),
                ),
                related,
            )
        })
        .collect()
}

const WEB: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
        tier: front
    spec:
      containers:
      - name: web
        image: nginx:1.27
";

#[test]
fn ingress_and_route_backends_name_services_and_ports_in_scope() {
    let svc = "\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: ext
  namespace: shop
spec:
  type: ExternalName
  externalName: api.example.com
---
# the operator makes Service prometheus-operated for it
apiVersion: monitoring.coreos.com/v1
kind: Prometheus
metadata:
  name: k8s
  namespace: shop
spec:
  replicas: 1
";
    let ingress = "\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  annotations:
    alb.ingress.kubernetes.io/actions.redirect: '{}'
spec:
  defaultBackend:
    service:
      name: web
      port:
        number: 80
  rules:
  - http:
      paths:
      - path: /a
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 8080 # the container's port, not the Service's
      - path: /b
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              name: http
      - path: /c
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              name: metrics
      - path: /d
        pathType: Prefix
        backend:
          service:
            name: gone
            port:
              number: 80
      - path: /e
        pathType: Prefix
        backend:
          service:
            name: ext
            port:
              number: 443
      - path: /f
        pathType: Prefix
        backend:
          service:
            name: redirect
            port:
              name: use-annotation
      - path: /prometheus
        pathType: Prefix
        backend:
          service:
            name: prometheus-operated
            port:
              name: web
      - path: /g
        pathType: Prefix
        backend:
          resource:
            apiGroup: k8s.example.com
            kind: Bucket
            name: assets
";
    let route = "\
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: web
  namespace: shop
spec:
  rules:
  - backendRefs:
    - name: web
      port: 80
    - name: web
      port: 9090
    - name: gone-too
      port: 80
    - name: web
      namespace: other
      port: 80
    - group: multicluster.x-k8s.io
      kind: ServiceImport
      name: remote
      port: 80
";
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "svc.yaml", svc);
    write(dir.path(), "ingress.yaml", ingress);
    write(dir.path(), "route.yaml", route);
    let (code, v) = lint_json(
        &["."],
        &[
            "--select",
            "ingress-backend-not-found,ingress-backend-port-not-found",
        ],
        Some(dir.path()),
    );
    assert_eq!(code, 1, "{v}");
    let got: Vec<(String, String, u64, u64)> = located(&v)
        .into_iter()
        .map(|((p, r, l, c, _), _)| (p, r, l, c))
        .collect();
    let at = |p: &str, r: &str, text: &str, needle: &str, col: u64| {
        (p.to_string(), r.to_string(), line_of(text, needle), col)
    };
    let nf = "ingress-backend-not-found";
    let pnf = "ingress-backend-port-not-found";
    assert_eq!(
        got,
        vec![
            at("ingress.yaml", pnf, ingress, "number: 8080", 23),
            at("ingress.yaml", pnf, ingress, "name: metrics", 21),
            at("ingress.yaml", nf, ingress, "name: gone", 19),
            at("route.yaml", pnf, route, "port: 9090", 13),
            at("route.yaml", nf, route, "name: gone-too", 13),
            // at the name, the line before the namespace it names
            (
                "route.yaml".to_string(),
                nf.to_string(),
                line_of(route, "namespace: other") - 1,
                13
            ),
        ],
        "{v}"
    );
    let all = located(&v);
    let ((_, _, _, _, msg), related) = &all[0];
    assert_eq!(msg, "backend Service `web` has no port 8080");
    assert_eq!(
        related,
        &vec![(
            "svc.yaml".to_string(),
            line_of(svc, "ports:"),
            "the ports of Service `web`".to_string()
        )]
    );
    assert_eq!(
        all[1].0.4,
        "backend Service `web` has no port named `metrics`"
    );
    assert_eq!(
        all[5].0.4,
        "backendRef Service `web` in namespace `other` is not in the linted files"
    );
    let helps: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["help"].as_str().unwrap())
        .collect();
    // the container's port named by mistake is recognised; otherwise the ports are listed
    assert_eq!(
        helps[0],
        "8080 is the container port behind Service port 80 (`http`): a backend names the Service's port"
    );
    assert_eq!(helps[1], "use one of the Service's ports: 80 (`http`)");
}

#[test]
fn disruption_budgets_select_pods_and_leave_room_to_evict() {
    let workloads = format!(
        "{WEB}---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: single
  namespace: shop
spec:
  selector:
    matchLabels:
      app: single
  template:
    metadata:
      labels:
        app: single
    spec:
      containers:
      - name: single
        image: single:1
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: scaled
  namespace: shop
spec:
  replicas: 1
  selector:
    matchLabels:
      app: scaled
  template:
    metadata:
      labels:
        app: scaled
    spec:
      containers:
      - name: scaled
        image: scaled:1
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: scaled
  namespace: shop
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: scaled
  minReplicas: 2
  maxReplicas: 4
"
    );
    let pdb = |name: &str, budget: &str, selector: &str| {
        format!(
            "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {name}\n  namespace: shop\nspec:\n  {budget}\n  selector:\n{selector}"
        )
    };
    let budgets = [
        // fine: an In expression, room for one eviction
        pdb(
            "ok",
            "maxUnavailable: 1",
            "    matchExpressions:\n    - {key: app, operator: In, values: [web, other]}\n",
        ),
        pdb("typo", "maxUnavailable: 1", "    matchLabels:\n      app: webb\n"),
        // an empty selector selects every pod of the namespace
        pdb("all", "maxUnavailable: 1", "    {}\n"),
        pdb("min", "minAvailable: 2", "    matchLabels:\n      app: web\n"),
        pdb("half", "minAvailable: 50%", "    matchLabels:\n      app: single\n"),
        pdb("zero", "maxUnavailable: 0", "    matchLabels:\n      app: web\n"),
        // an autoscaler's minimum counts: 1 of 2 leaves room, 2 of 2 does not
        pdb("hpa", "minAvailable: 1", "    matchLabels:\n      app: scaled\n"),
        pdb("hpa-min", "minAvailable: 2", "    matchLabels:\n      app: scaled\n"),
        // only NotIn and DoesNotExist: every pod source is looked at
        pdb(
            "untiered",
            "maxUnavailable: 1",
            "    matchExpressions:\n    - {key: tier, operator: NotIn, values: [front]}\n    - {key: canary, operator: DoesNotExist}\n",
        ),
        pdb(
            "ghost",
            "maxUnavailable: 1",
            "    matchExpressions:\n    - {key: app, operator: DoesNotExist}\n",
        ),
    ]
    .concat();
    let budgets = budgets.trim_start_matches("---\n");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "workloads.yaml", &workloads);
    write(dir.path(), "pdb.yaml", budgets);
    let (code, v) = lint_json(
        &["."],
        &["--select", "pdb-selector-no-match,pdb-blocks-eviction"],
        Some(dir.path()),
    );
    // warnings only: the run passes
    assert_eq!(code, 0, "{v}");
    let all = located(&v);
    let doc_line = |name: &str, needle: &str| line_in_object(budgets, name, needle);
    let got: Vec<(String, u64, u64, String)> = all
        .iter()
        .map(|((_, r, l, c, m), _)| (r.clone(), *l, *c, m.clone()))
        .collect();
    let f = |r: &str, l: u64, c: u64, m: &str| (r.to_string(), l, c, m.to_string());
    assert_eq!(
        got,
        vec![
            f(
                "pdb-selector-no-match",
                doc_line("typo", "selector:"),
                3,
                "spec.selector `app=webb` matches no pod template"
            ),
            f(
                "pdb-blocks-eviction",
                doc_line("min", "minAvailable"),
                3,
                "minAvailable 2 is not below the 2 pods it covers (Deployment/web): no pod can be evicted, so a node drain waits forever"
            ),
            f(
                "pdb-blocks-eviction",
                doc_line("half", "minAvailable"),
                3,
                "minAvailable 50% is not below the 1 pod it covers (Deployment/single): no pod can be evicted, so a node drain waits forever"
            ),
            f(
                "pdb-blocks-eviction",
                doc_line("zero", "maxUnavailable"),
                3,
                "maxUnavailable 0 lets no pod be evicted: a node drain waits forever"
            ),
            f(
                "pdb-blocks-eviction",
                doc_line("hpa-min", "minAvailable"),
                3,
                "minAvailable 2 is not below the 2 pods it covers at the autoscaler's minimum (Deployment/scaled): no pod can be evicted, so a node drain waits forever"
            ),
            f(
                "pdb-selector-no-match",
                doc_line("ghost", "selector:"),
                3,
                "spec.selector `!app` matches no pod template"
            ),
        ],
        "{v}"
    );
    // the closest template says what differs; the counted replicas are pointed at
    assert_eq!(
        all[0].1,
        vec![(
            "workloads.yaml".to_string(),
            line_of(&workloads, "labels:"),
            "closest pod template, Deployment/web: `app` is `web`".to_string()
        )]
    );
    assert_eq!(
        all[1].1,
        vec![(
            "workloads.yaml".to_string(),
            line_of(&workloads, "replicas: 2"),
            "Deployment/web runs 2 (replicas)".to_string()
        )]
    );
    assert_eq!(
        all[2].1,
        vec![(
            "workloads.yaml".to_string(),
            line_of(&workloads, "name: single"),
            "Deployment/single runs 1 (replicas defaults to 1)".to_string()
        )]
    );
    assert_eq!(
        all[4].1,
        vec![(
            "workloads.yaml".to_string(),
            // the autoscaler's name, two lines below its kind
            line_of(&workloads, "kind: HorizontalPodAutoscaler") + 2,
            "HorizontalPodAutoscaler/scaled scales Deployment/scaled down to 2 (minReplicas)"
                .to_string()
        )]
    );
}

#[test]
fn network_policies_select_pods_of_their_namespace() {
    let policies = "\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: web
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: web
  ingress:
  - from:
    - podSelector:
        matchLabels:
          app: checkout
    - namespaceSelector:
        matchLabels:
          team: payments
      podSelector:
        matchLabels:
          app: anything
    - podSelector: {}
    - ipBlock:
        cidr: 10.0.0.0/8
  egress:
  - to:
    - podSelector:
        matchExpressions:
        - {key: tier, operator: In, values: [front, back]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: shop
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: ghost
  namespace: shop
spec:
  podSelector:
    matchLabels:
      app: ghost
";
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "web.yaml", WEB);
    write(dir.path(), "netpol.yaml", policies);
    let (code, v) = lint_json(
        &["."],
        &["--select", "networkpolicy-selector-no-match"],
        Some(dir.path()),
    );
    assert_eq!(code, 0, "{v}");
    let got: Vec<(u64, u64, String)> = located(&v)
        .into_iter()
        .map(|((_, _, l, c, m), _)| (l, c, m))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                line_of(policies, "- podSelector:"),
                7,
                "spec.ingress[0].from[0].podSelector `app=checkout` matches no pod template"
                    .to_string()
            ),
            (
                line_of(policies, "app: ghost") - 2,
                3,
                "spec.podSelector `app=ghost` matches no pod template".to_string()
            ),
        ],
        "{v}"
    );
}

#[test]
fn monitors_select_services_by_their_own_labels() {
    let svc = "\
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
  labels:
    app.kubernetes.io/name: web
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
";
    let monitor = |name: &str, ns: &str, spec: &str| {
        format!(
            "---\napiVersion: monitoring.coreos.com/v1\nkind: {}\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n{spec}",
            if name.starts_with("pm-") {
                "PodMonitor"
            } else {
                "ServiceMonitor"
            }
        )
    };
    let monitors = [
        monitor(
            "ok",
            "shop",
            "  selector:\n    matchLabels:\n      app.kubernetes.io/name: web\n",
        ),
        // the Service's selector, not its labels
        monitor("slip", "shop", "  selector:\n    matchLabels:\n      app: web\n"),
        // a Service the cluster makes
        monitor(
            "dns",
            "monitoring",
            "  namespaceSelector:\n    matchNames: [kube-system]\n  selector:\n    matchLabels:\n      k8s-app: kube-dns\n",
        ),
        monitor(
            "elsewhere",
            "monitoring",
            "  namespaceSelector:\n    matchNames: [other]\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: web\n",
        ),
        monitor(
            "anywhere",
            "monitoring",
            "  namespaceSelector:\n    any: true\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: web\n",
        ),
        monitor("every", "shop", "  selector: {}\n"),
        // the Service the operator makes for a Prometheus object
        monitor(
            "operated",
            "shop",
            "  selector:\n    matchLabels:\n      operated-prometheus: \"true\"\n",
        ),
        monitor("pm-ok", "shop", "  selector:\n    matchLabels:\n      app: web\n"),
        monitor("pm-ghost", "shop", "  selector:\n    matchLabels:\n      app: ghost\n"),
    ]
    .concat();
    let monitors = monitors.trim_start_matches("---\n");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "web.yaml", WEB);
    write(dir.path(), "svc.yaml", svc);
    write(
        dir.path(),
        "prometheus.yaml",
        "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata:\n  name: k8s\n  namespace: shop\n",
    );
    write(dir.path(), "monitors.yaml", monitors);
    let (_, v) = lint_json(
        &["."],
        &["--select", "servicemonitor-selector-no-match"],
        Some(dir.path()),
    );
    let all = located(&v);
    let after = |name: &str| line_in_object(monitors, name, "  selector:");
    let got: Vec<(u64, String)> = all
        .iter()
        .map(|((_, _, l, _, m), _)| (*l, m.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                after("slip"),
                "spec.selector `app=web` matches no Service in namespace `shop`".to_string()
            ),
            (
                after("elsewhere"),
                "spec.selector `app.kubernetes.io/name=web` matches no Service in namespace `other`"
                    .to_string()
            ),
            (
                after("pm-ghost"),
                "spec.selector `app=ghost` matches no pod template".to_string()
            ),
        ],
        "{v}"
    );
    // the slip is named: the Service selects pods with those labels
    assert_eq!(
        all[0].1,
        vec![(
            "svc.yaml".to_string(),
            line_of(svc, "selector:"),
            "Service `web` selects pods with these labels, but does not carry them".to_string()
        )]
    );
}

#[test]
fn workloads_applied_together_must_not_select_each_others_pods() {
    let deployment = |name: &str, ns: Option<&str>, labels: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n{}spec:\n  selector:\n    matchLabels: {labels}\n  template:\n    metadata:\n      labels: {labels}\n    spec:\n      containers: [{{name: c, image: c}}]\n",
            ns.map(|n| format!("  namespace: {n}\n"))
                .unwrap_or_default()
        )
    };
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/api.yaml",
        &deployment("api", None, "{app: shop}"),
    );
    let worker = deployment("worker", None, "{app: shop}");
    write(dir.path(), "app/worker.yaml", &worker);
    // one-sided: the api selects the canary's pods, the canary's selector not the api's
    write(
        dir.path(),
        "app/canary.yaml",
        &deployment("canary", None, "{app: shop, track: canary}"),
    );
    // another namespace, another directory: never applied with the api
    write(
        dir.path(),
        "app/other-ns.yaml",
        &deployment("elsewhere", Some("other"), "{app: shop}"),
    );
    write(
        dir.path(),
        "copy/api.yaml",
        &deployment("api-copy", None, "{app: shop}"),
    );
    // a Rollout and the Deployment whose template it uses
    write(
        dir.path(),
        "rollout/all.yaml",
        &format!(
            "{}---\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {{app: web}}\n  workloadRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n",
            deployment("web", None, "{app: web}")
        ),
    );
    let (code, v) = lint_json(
        &["."],
        &["--select", "overlapping-selector"],
        Some(dir.path()),
    );
    assert_eq!(code, 1, "{v}");
    let all = located(&v);
    assert_eq!(all.len(), 1, "{v}");
    let ((path, _, line, col, message), related) = &all[0];
    assert_eq!(
        (path.as_str(), *line, *col),
        ("app/worker.yaml", line_of(&worker, "selector:"), 3)
    );
    assert_eq!(
        message,
        "selector `app=shop` also selects the pods of Deployment/api, whose selector `app=shop` selects these pods: the controllers fight over them"
    );
    assert_eq!(
        related,
        &vec![(
            "app/api.yaml".to_string(),
            6,
            "the selector of Deployment/api".to_string()
        )]
    );
}

#[test]
fn kustomize_replicas_patches_and_labels_are_taken_into_account() {
    let deployment = |name: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers: [{{name: c, image: c}}]\n"
        )
    };
    let pdb = |name: &str| {
        format!(
            "---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: {name}\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels: {{app: {name}}}\n"
        )
    };
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "kustomization.yaml",
        "resources: [workloads.yaml, budgets.yaml, svc.yaml, monitor.yaml]\npatches:\n- path: db-replicas.yaml\nreplicas:\n- name: web\n  count: 3\ncommonLabels:\n  team: shop\nlabels:\n- pairs:\n    tier: backend\n",
    );
    write(
        dir.path(),
        "workloads.yaml",
        &[deployment("web"), deployment("db"), deployment("solo")].join("---\n"),
    );
    write(
        dir.path(),
        "db-replicas.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: db\nspec:\n  replicas: 3\n",
    );
    let budgets = [pdb("web"), pdb("db"), pdb("solo")].concat();
    let budgets = budgets.trim_start_matches("---\n");
    write(dir.path(), "budgets.yaml", budgets);
    write(
        dir.path(),
        "svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n",
    );
    // selects the labels kustomize adds to the Service's metadata
    write(
        dir.path(),
        "monitor.yaml",
        "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {team: shop, tier: backend}\n  endpoints: [{port: http}]\n",
    );
    let (_, v) = lint_json(
        &["."],
        &[
            "--select",
            "pdb-blocks-eviction,servicemonitor-selector-no-match",
        ],
        Some(dir.path()),
    );
    // only the budget whose workload's count kustomize leaves alone
    let got: Vec<(String, u64)> = located(&v)
        .into_iter()
        .map(|((p, _, l, _, _), _)| (p, l))
        .collect();
    let solo = line_of(budgets, "name: solo") + 2;
    assert_eq!(got, vec![("budgets.yaml".to_string(), solo)], "{v}");
}

#[test]
fn a_misspelt_reference_names_the_object_it_likely_meant() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/web.yaml", WEB);
    write(
        dir.path(),
        "app/svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  clusterIP: None\n  selector: {app: web}\n  ports: [{name: http, port: 80}]\n",
    );
    let refs = "\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
spec:
  defaultBackend:
    service:
      name: wbe
      port:
        number: 80
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: shop
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: webb
  minReplicas: 2
  maxReplicas: 4
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: shop
spec:
  serviceName: wed
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers: [{name: db, image: postgres:17}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: api
  namespace: shop
spec:
  defaultBackend:
    service:
      name: api
      port:
        number: 80
";
    write(dir.path(), "app/refs.yaml", refs);
    // in another apply group, a close name is no suggestion
    write(
        dir.path(),
        "other/ingress.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  defaultBackend:\n    service:\n      name: wbe\n      port:\n        number: 80\n",
    );
    let (_, v) = lint_json(
        &["."],
        &[
            "--select",
            "ingress-backend-not-found,hpa-target-not-found,statefulset-service-not-found",
        ],
        Some(dir.path()),
    );
    let got: Vec<(String, u64, String, Related)> = located(&v)
        .into_iter()
        .zip(v["diagnostics"].as_array().unwrap())
        .map(|(((p, _, l, _, _), rel), d)| (p, l, d["help"].as_str().unwrap().to_string(), rel))
        .collect();
    let web_name = line_of(WEB, "name: web");
    let svc_name = 4;
    let help_elsewhere = "check the name; if the Service comes from elsewhere (a Helm release, an operator), this can be ignored";
    assert_eq!(
        got,
        vec![
            (
                "app/refs.yaml".to_string(),
                line_of(refs, "name: wbe"),
                "did you mean `web`?".to_string(),
                vec![(
                    "app/svc.yaml".to_string(),
                    svc_name,
                    "Service `web`".to_string()
                )]
            ),
            (
                "app/refs.yaml".to_string(),
                line_of(refs, "scaleTargetRef:"),
                "did you mean `web`?".to_string(),
                vec![(
                    "app/web.yaml".to_string(),
                    web_name,
                    "Deployment `web`".to_string()
                )]
            ),
            (
                "app/refs.yaml".to_string(),
                line_of(refs, "serviceName: wed"),
                "did you mean `web`?".to_string(),
                vec![(
                    "app/svc.yaml".to_string(),
                    svc_name,
                    "Service `web`".to_string()
                )]
            ),
            // no Service is close to `api`
            (
                "app/refs.yaml".to_string(),
                line_of(refs, "      name: api"),
                help_elsewhere.to_string(),
                vec![]
            ),
            (
                "other/ingress.yaml".to_string(),
                9,
                help_elsewhere.to_string(),
                vec![]
            ),
        ],
        "{v}"
    );
}
