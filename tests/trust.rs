//! Writes that must keep the data, and commands that must never quietly do nothing: each
//! test is a reproducer a user or a fuzzer met, with what the user must see instead.

mod common;
use common::*;
use std::fs;
use std::path::Path;

const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: rng
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
        image: rng
";

const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b\n";

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

#[test]
fn convert_gives_standard_input_back_when_nothing_converts() {
    // a ConfigMap, an object already of the kind, one the name filter leaves out
    for (args, input) in [
        (vec!["convert", "--to", "daemonset", "-"], CONFIGMAP),
        (vec!["convert", "--to", "deployment", "-"], DEPLOYMENT),
        (
            vec!["convert", "--to", "daemonset", "--name", "other", "-"],
            DEPLOYMENT,
        ),
    ] {
        let r = run_stdin(&args, input.as_bytes());
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert_eq!(r.stdout, input, "{args:?} must print its input unchanged");
        assert!(r.stderr.contains("0 objects converted"), "{}", r.stderr);
    }
}

#[test]
fn convert_to_statefulset_reads_standard_input_once() {
    // looking for a headless Service read standard input before the conversion did
    let r = run_stdin(
        &["convert", "--to", "statefulset", "--stdin-filename", "rng.yaml", "-"],
        DEPLOYMENT.as_bytes(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, DEPLOYMENT.replace("kind: Deployment", "kind: StatefulSet"));
    assert!(r.stderr.contains("rng.yaml: Deployment/rng converted to StatefulSet"), "{}", r.stderr);
}

#[test]
fn a_refused_conversion_gives_standard_input_back() {
    let mounted = DEPLOYMENT.replace(
        "        image: rng\n",
        "        image: rng\n        volumeMounts:\n        - {name: data, mountPath: /d}\n",
    );
    let sts = mounted.replace("kind: Deployment", "kind: StatefulSet").replace(
        "  replicas: 1\n",
        "  serviceName: rng\n  volumeClaimTemplates:\n  - metadata: {name: data}\n    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n",
    );
    let r = run_stdin(&["convert", "--to", "deployment", "-"], sts.as_bytes());
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("refused: no file changed"), "{}", r.stderr);
    assert_eq!(r.stdout, sts);
}
