//! `kure label`: kubectl's arguments and errors, the seed's order (pods first, then the
//! Service selector), formatting kept, idempotence, and parity with `kubectl label --local`.

mod common;
use common::*;
use std::path::Path;

const RNG: &str = "\
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: rng
  labels:
    app: rng   # the app
spec:
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
";

const SVC: &str = "\
apiVersion: v1
kind: Service
metadata:
  name: rng
  labels: {app: rng}
spec:
  # pods of the DaemonSet
  selector:
    app: rng
  ports:
    - port: 80
";

/// The seed's command: label the pods and the Service selector together.
const SEED_LABEL: [&str; 8] = [
    "label",
    "-f",
    ".",
    "-l",
    "app=rng",
    "--pod-templates",
    "--service-selectors",
    "active=yes",
];

fn seed() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "rng.yaml", RNG);
    write(dir.path(), "svc.yaml", SVC);
    dir
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

#[test]
fn the_seed_labels_pods_first_then_the_service() {
    let dir = seed();
    // the Service alone first: its selector would then match no pod template
    let r = run(
        &[
            "label",
            "-f",
            ".",
            "--kind",
            "Service",
            "--name",
            "rng",
            "--service-selectors",
            "active=yes",
        ],
        Some(dir.path()),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("Service/rng would stop selecting the pods of DaemonSet/rng")
            && r.stderr.contains("--pod-templates"),
        "{}",
        r.stderr
    );
    assert_eq!(read(dir.path(), "rng.yaml"), RNG);
    assert_eq!(read(dir.path(), "svc.yaml"), SVC);

    // pods and Service in one command: accepted, comments and quoting of other lines kept
    let r = run(&SEED_LABEL, Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("DaemonSet/rng labeled (metadata, pod template)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("Service/rng labeled (metadata, selector)"),
        "{}",
        r.stderr
    );
    assert_eq!(
        read(dir.path(), "rng.yaml"),
        RNG.replace(
            "app: rng   # the app\n",
            "app: rng   # the app\n    active: \"yes\"\n"
        )
        .replace(
            "        app: rng\n",
            "        app: rng\n        active: \"yes\"\n"
        )
    );
    assert_eq!(
        read(dir.path(), "svc.yaml"),
        SVC.replace("{app: rng}", "{app: rng, active: \"yes\"}")
            .replace("    app: rng\n", "    app: rng\n    active: \"yes\"\n")
    );
    let (code, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(code, 0, "{v}");
    assert!(findings(&v).is_empty(), "{v}");

    // the same command again changes nothing
    let before = (read(dir.path(), "rng.yaml"), read(dir.path(), "svc.yaml"));
    let r = run(&[&SEED_LABEL[..], &["--check"]].concat(), Some(dir.path()));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stdout, "");
    let r = run(&SEED_LABEL, Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        (read(dir.path(), "rng.yaml"), read(dir.path(), "svc.yaml")),
        before
    );
}

#[test]
fn narrowing_is_refused_unless_allowed() {
    let dir = seed();
    // removing the label the Service selects on from the pod templates
    let r = run(
        &[
            "label",
            "-f",
            ".",
            "--kind",
            "DaemonSet",
            "--pod-templates",
            "tier=web",
        ],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(
        &[
            "label",
            "-f",
            ".",
            "--kind",
            "DaemonSet",
            "--pod-templates",
            "tier-",
        ],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "nothing selects on tier: {}", r.stderr);
    // the DaemonSet's own selector needs `app`: refused whatever the flags
    let r = run(
        &[
            "label",
            "-f",
            ".",
            "--kind",
            "DaemonSet",
            "--pod-templates",
            "--allow-narrowing",
            "app-",
        ],
        Some(dir.path()),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("re-create DaemonSet/rng"), "{}", r.stderr);
    // a Service selector that drops the old pods, meant: the seed's end state
    let text = read(dir.path(), "svc.yaml");
    let r = run(
        &[
            "label",
            "-f",
            ".",
            "--kind",
            "Service",
            "--service-selectors",
            "--overwrite",
            "app=rng2",
        ],
        Some(dir.path()),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("Service/rng would stop selecting the pods of DaemonSet/rng"),
        "{}",
        r.stderr
    );
    assert_eq!(read(dir.path(), "svc.yaml"), text);
    let r = run(
        &[
            "label",
            "-f",
            ".",
            "--kind",
            "Service",
            "--service-selectors",
            "--overwrite",
            "--allow-narrowing",
            "app=rng2",
        ],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(read(dir.path(), "svc.yaml").contains("  selector:\n    app: rng2\n"));
}

#[test]
fn kubectl_argument_errors() {
    let dir = seed();
    let cases: &[(&[&str], i32, &str)] = &[
        (&["a=b=c"], 2, "invalid label spec: a=b=c"),
        (
            &["x=1", "zzz"],
            2,
            "all resources must be specified before label changes: zzz",
        ),
        (&["deploy", "x=1"], 2, "reads files given with -f"),
        (
            &["x=1", "x-"],
            2,
            "can not both modify and remove a label in the same command",
        ),
        (&[], 2, "at least one label update is required"),
        (
            &["k=bad!value"],
            1,
            "invalid label value: \"k=bad!value\": a valid label must be an empty string or consist of alphanumeric characters",
        ),
        (
            &["bad key!=v"],
            1,
            "metadata.labels: Invalid value: \"bad key!\"",
        ),
        (
            &["app=web"],
            1,
            "'app' already has a value (rng), and --overwrite is false",
        ),
    ];
    for (args, code, text) in cases {
        let mut a = vec!["label", "-f", "."];
        a.extend_from_slice(args);
        let r = run(&a, Some(dir.path()));
        assert_eq!(r.code, *code, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(text), "{args:?}: {}", r.stderr);
        assert_eq!(read(dir.path(), "rng.yaml"), RNG, "{args:?}");
        assert_eq!(read(dir.path(), "svc.yaml"), SVC, "{args:?}");
    }
    let r = run(&["label", "x=1"], Some(dir.path()));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("one or more files must be specified as -f pod.yaml"),
        "{}",
        r.stderr
    );
}

/// Each shape a label map comes in, and what `kure label` makes of it.
#[test]
fn label_maps_of_every_shape() {
    let head = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";
    let cases: &[(&str, &[&str], &str)] = &[
        // no labels: a `labels` entry is added to metadata, values quoted as needed
        (
            "",
            &["a=yes", "b=1.0", "c=x"],
            "  labels:\n    a: \"yes\"\n    b: \"1.0\"\n    c: x\n",
        ),
        ("  labels: {}\n", &["a=x"], "  labels: {a: x}\n"),
        ("  labels:\n", &["a=x"], "  labels: {a: x}\n"),
        ("  labels: {b: z}\n", &["a="], "  labels: {b: z, a: \"\"}\n"),
        // the last label removed leaves an empty map
        ("  labels:\n    a: x # note\n", &["a-"], "  labels: {}\n"),
        // an existing value YAML 1.1 types otherwise is quoted when the map is touched
        (
            "  labels:\n    on: yes\n",
            &["b=x"],
            "  labels:\n    on: \"yes\"\n    b: x\n",
        ),
        // overwrite keeps the rest of the line
        (
            "  labels:\n    a: x  # keep\n",
            &["--overwrite", "a=z"],
            "  labels:\n    a: z  # keep\n",
        ),
        // an empty value (a template tool's placeholder) gets the value after its colon
        (
            "  labels:\n    a: # placeholder\n",
            &["--overwrite", "a=z"],
            "  labels:\n    a: z # placeholder\n",
        ),
        // removing a missing label is not an error, and changes nothing
        ("  labels:\n    a: x\n", &["zzz-"], "  labels:\n    a: x\n"),
    ];
    for (labels, args, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "cm.yaml",
            &format!("{head}{labels}data: {{}}\n"),
        );
        let mut a = vec!["label", "-f", "cm.yaml"];
        a.extend_from_slice(args);
        let r = run(&a, Some(dir.path()));
        assert_eq!(r.code, 0, "{labels:?} {args:?}: {}", r.stderr);
        assert_eq!(
            read(dir.path(), "cm.yaml"),
            format!("{head}{want}data: {{}}\n"),
            "{labels:?} {args:?}"
        );
    }
    // CRLF, no final newline, standard input
    let r = run_stdin(
        &["label", "-f", "-", "a=x"],
        b"apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: c\r\n  labels:\r\n    b: z",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: c\r\n  labels:\r\n    b: z\r\n    a: x"
    );
}

/// The labels kure writes are those `kubectl label --local -o json` prints, object by object,
/// over corpus files and hand-made shapes; and kubectl's error texts are kure's.
#[test]
#[cfg_attr(
    any(kure_no_shared, kure_no_peers),
    ignore = "needs ../shared/corpus and the peer tools (../shared/tools/install-peers.sh)"
)]
fn labels_agree_with_kubectl() {
    let Some(kubectl) = require_kubectl() else {
        return;
    };
    let Some(corpus) = require_corpus() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let kubectl_label = |file: &Path, args: &[&str]| {
        std::process::Command::new(&kubectl)
            .env_clear()
            .env("HOME", home.path())
            .args(["label", "--local", "-o", "json", "-f"])
            .arg(file)
            .args(args)
            .output()
            .unwrap()
    };
    // kubectl writes `labels: {}` on an object without labels when it removes a label it
    // does not have; kure leaves the object alone: the same to the API server
    let labels_of = |json: &[u8]| -> Vec<serde_json::Value> {
        serde_json::Deserializer::from_slice(json)
            .into_iter::<serde_json::Value>()
            .map(|v| match v.unwrap()["metadata"]["labels"].clone() {
                serde_json::Value::Null => serde_json::json!({}),
                l => l,
            })
            .collect()
    };
    let dir = tempfile::tempdir().unwrap();
    let mut files = vec![];
    for rel in [
        "jpetazzo__container.training/k8s/dockercoins.yaml",
        "istio__istio/samples/bookinfo/platform/kube/bookinfo.yaml",
        "stefanprodan__podinfo/deploy/bases/database/cronjob-backup-daily.yaml",
        "stefanprodan__podinfo/deploy/bases/database/statefulset-primary.yaml",
    ] {
        let text = std::fs::read_to_string(corpus.join(rel)).unwrap();
        files.push((rel.replace('/', "_"), text));
    }
    files.push((
        "shapes.yaml".to_string(),
        [
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: none\n",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flow\n  labels: {app: web, tier: db}\n",
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: item\n    labels:\n      app: web\n",
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: ds\n  labels:\n    app: ds\nspec:\n  selector: {matchLabels: {app: ds}}\n  template:\n    metadata: {labels: {app: ds}}\n    spec: {containers: [{name: c, image: i}]}\n",
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: job\nspec:\n  template:\n    spec: {restartPolicy: Never, containers: [{name: c, image: i}]}\n",
            "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  labels: {app: rs}\n  name: rs\nspec:\n  selector: {matchLabels: {app: rs}}\n  template:\n    metadata: {labels: {app: rs}}\n    spec: {containers: [{name: c, image: i}]}\n",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod\n  labels:\n    app: pod\n    version: \"2\"\nspec:\n  containers:\n  - name: c\n    image: i\n",
        ]
        .join("---\n"),
    ));
    let ops: &[&[&str]] = &[
        &["team=x"],
        &["app-"],
        &["zzz-"],
        &["--overwrite", "app=other", "version=1.0"],
        &["team=yes", "app-"],
    ];
    for (name, text) in &files {
        for op in ops {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            let want = kubectl_label(&path, op);
            assert!(
                want.status.success(),
                "{name} {op:?}: {}",
                String::from_utf8_lossy(&want.stderr)
            );
            let mut args = vec!["label", "-f", name.as_str()];
            args.extend_from_slice(op);
            let r = run(&args, Some(dir.path()));
            assert_eq!(r.code, 0, "{name} {op:?}: {}", r.stderr);
            let got = kubectl_untyped(&kubectl, &path);
            assert!(
                got.status.success(),
                "{name} {op:?}: {}",
                String::from_utf8_lossy(&got.stderr)
            );
            assert_eq!(
                labels_of(&got.stdout),
                labels_of(&want.stdout),
                "{name} {op:?}"
            );
        }
    }
    // error texts: kubectl prints `error: TEXT`
    let path = dir.path().join("shapes.yaml");
    std::fs::write(&path, &files.last().unwrap().1).unwrap();
    for op in [
        &["k=bad!value"][..],
        &["app=other"],
        &["x=1", "x-"],
        &["a=b=c"],
    ] {
        let want = kubectl_label(&path, op);
        assert!(!want.status.success(), "{op:?}");
        let want = String::from_utf8_lossy(&want.stderr);
        let want = want
            .lines()
            .next()
            .unwrap()
            .trim_start_matches("error: ")
            .to_string();
        let mut args = vec!["label", "-f", "shapes.yaml"];
        args.extend_from_slice(op);
        let r = run(&args, Some(dir.path()));
        assert_ne!(r.code, 0, "{op:?}");
        assert!(
            r.stderr.contains(&want),
            "{op:?}: kubectl said {want:?}; kure said {}",
            r.stderr
        );
    }
}

/// Every object of ../shared/corpus labelled: nothing refused, every file that parsed still
/// parses, and a second run has nothing left to change.
#[test]
#[cfg_attr(kure_no_shared, ignore = "../shared/corpus is absent")]
fn labelling_the_whole_corpus() {
    let Some(src) = require_corpus() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("corpus");
    std::fs::create_dir_all(&root).unwrap();
    copy_tree(&src, &root);
    let parse_errors = |dir: &Path| {
        let (_, v) = lint_json(&["corpus"], &["--select", "parse-error"], Some(dir));
        let mut files: Vec<String> = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["path"].as_str().unwrap().to_string())
            .collect();
        files.dedup();
        files
    };
    let before = parse_errors(tmp.path());
    let r = run(
        &["label", "-f", "corpus", "--overwrite", "team=x"],
        Some(tmp.path()),
    );
    // files that do not parse are reported (exit 2); nothing is refused
    assert!(!r.stderr.contains("refused"), "{}", r.stderr);
    let errors: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains(": error: "))
        .collect();
    assert!(
        errors.iter().all(|l| l.contains("does not parse")),
        "{errors:#?}"
    );
    assert_eq!(
        r.code,
        if errors.is_empty() { 0 } else { 2 },
        "{}",
        r.stderr
    );
    let summary = r.stderr.lines().last().unwrap();
    let objects: usize = summary.split(' ').next().unwrap().parse().unwrap();
    assert!(objects > 3000, "{summary}");
    assert_eq!(parse_errors(tmp.path()), before);
    let again = run(
        &["label", "-f", "corpus", "--overwrite", "team=x", "--check"],
        Some(tmp.path()),
    );
    assert_eq!(again.stdout, "", "{}", again.stderr);
    assert!(
        again.stderr.ends_with("0 objects to label in 0 files\n"),
        "{}",
        again.stderr
    );
}
