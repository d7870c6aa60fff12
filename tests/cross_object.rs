//! The reference rules of round 2, so far the ones within an object: `duplicate-env`,
//! `probe-port-not-found`, `invalid-port`, with line and column, related spans, fixes and
//! the quiet cases.

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
    let got: Vec<(String, u64, u64)> = findings_with_messages(&v)
        .into_iter()
        .map(|d| (d.0, d.1, d.2))
        .collect();
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
    let got: Vec<(String, u64, u64, String)> = v["diagnostics"]
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
                d["span"]["start"]["line"].as_u64().unwrap(),
                d["span"]["start"]["column"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
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
    assert_eq!(
        v["diagnostics"][0]["related"][0]["path"]
            .as_str()
            .unwrap()
            .trim_start_matches("./"),
        "b-svc.yaml"
    );
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
    let got: Vec<(String, String, u64, u64)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                path_of(d),
                d["rule"].as_str().unwrap().to_string(),
                d["span"]["start"]["line"].as_u64().unwrap(),
                d["span"]["start"]["column"].as_u64().unwrap(),
            )
        })
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
