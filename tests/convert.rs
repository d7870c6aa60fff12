//! `kure convert`: the seed's rng dump turned into a DaemonSet byte for byte, every
//! direction between Deployment, DaemonSet and StatefulSet, `--neat-only` on a dump, the
//! warnings about what still names the old kind, refusals that write nothing, and the
//! schema oracle (`kubernetes-validate --strict`) on every result and on the whole corpus.

mod common;
use common::*;
use std::path::{Path, PathBuf};

fn testdata(name: &str) -> PathBuf {
    repo_root().join("testdata/convert").join(name)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

/// Copies the named test inputs into a new directory.
fn inputs(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for n in names {
        std::fs::copy(testdata(n), dir.path().join(n)).unwrap();
    }
    dir
}

/// (inputs, arguments, converted input, expected result, a warning it must print)
type Golden = (
    &'static [&'static str],
    &'static [&'static str],
    &'static str,
    &'static str,
    Option<&'static str>,
);

const GOLDEN: &[Golden] = &[
    (
        &["rng-deployment.yaml"],
        &["--to", "daemonset"],
        "rng-deployment.yaml",
        "rng-daemonset.yaml",
        None,
    ),
    (
        &["web-deployment.yaml", "web-service.yaml"],
        &["--to", "statefulset"],
        "web-deployment.yaml",
        "web-statefulset.yaml",
        Some(
            "`maxSurge: 1` and `maxUnavailable: 0` dropped: a StatefulSet updates one pod at a time",
        ),
    ),
    (
        &["zk-statefulset.yaml"],
        &["--to", "Deployment"],
        "zk-statefulset.yaml",
        "zk-deployment.yaml",
        Some("`serviceName: zk-hs` is dropped: the pods lose their stable DNS names"),
    ),
    (
        &["agent-daemonset.yaml"],
        &["--to", "deployment", "--replicas", "3"],
        "agent-daemonset.yaml",
        "agent-deployment.yaml",
        None,
    ),
    (
        &["dump.yaml"],
        &["--neat-only"],
        "dump.yaml",
        "dump-neat.yaml",
        None,
    ),
];

#[test]
fn golden_conversions_are_byte_exact_and_settle() {
    for (names, args, input, expected, warning) in GOLDEN {
        let dir = inputs(names);
        let mut argv = vec!["convert"];
        argv.extend_from_slice(args);
        argv.push(".");
        let r = run(&argv, Some(dir.path()));
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        let got = read(&dir.path().join(input));
        let want = read(&testdata("expected").join(expected));
        assert_eq!(got, want, "{input} with {args:?}; stderr:\n{}", r.stderr);
        if let Some(w) = warning {
            assert!(
                r.stderr.contains(w),
                "{input}: no warning {w:?} in\n{}",
                r.stderr
            );
        }
        // the other inputs are untouched
        for n in names.iter().filter(|n| *n != input) {
            assert_eq!(read(&dir.path().join(n)), read(&testdata(n)), "{n} changed");
        }
        // a second run has nothing to do
        let again = run(&argv, Some(dir.path()));
        assert_eq!(again.code, 0, "{}", again.stderr);
        assert!(
            again.stderr.contains("0 objects"),
            "{input}: the second run changed something:\n{}",
            again.stderr
        );
        assert_eq!(read(&dir.path().join(input)), want);
    }
}

#[test]
fn the_seed_dump_reports_what_it_did() {
    let dir = inputs(&["rng-deployment.yaml"]);
    let r = run(
        &["convert", "--to", "daemonset", "rng-deployment.yaml"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    for line in [
        "rng-deployment.yaml: Deployment/rng converted to DaemonSet",
        "`kind: Deployment` becomes `kind: DaemonSet`",
        "remove `spec.replicas`",
        "remove `spec.progressDeadlineSeconds`",
        "remove `spec.strategy`, the Deployment default, so the DaemonSet default (RollingUpdate, maxUnavailable 1) applies",
        "removed 18 fields a dump leaves (status, server-written metadata, defaults)",
        "1 object converted in 1 file",
    ] {
        assert!(r.stderr.contains(line), "missing {line:?} in\n{}", r.stderr);
    }
    // the comments survive, and the result lints clean of what conversion promises
    let out = read(&dir.path().join("rng-deployment.yaml"));
    assert!(out.starts_with("# rng: the random number generator of dockercoins.\n"));
    assert!(out.contains("name: rng # serves random bytes on port 80\n"));
}

#[test]
fn converted_objects_lint_without_the_conversion_rules() {
    let (code, v) = lint_json(
        &["testdata/convert/expected"],
        &[
            "--select",
            "field-not-for-kind,server-populated-field,selector-template-mismatch",
        ],
        Some(&repo_root()),
    );
    assert_eq!(findings(&v), vec![], "{v}");
    assert_eq!(code, 0);
}

#[test]
fn check_and_diff_write_nothing() {
    let dir = inputs(&["rng-deployment.yaml"]);
    let before = read(&dir.path().join("rng-deployment.yaml"));
    let r = run(
        &["convert", "--to", "daemonset", "--check", "."],
        Some(dir.path()),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout, "would convert rng-deployment.yaml: 1 object\n");
    assert!(
        r.stderr.contains("1 object to convert in 1 file"),
        "{}",
        r.stderr
    );
    let r = run(
        &["convert", "--to", "daemonset", "--diff", "."],
        Some(dir.path()),
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .starts_with("--- rng-deployment.yaml\n+++ rng-deployment.yaml\n")
    );
    assert!(
        r.stdout.contains("-kind: Deployment\n+kind: DaemonSet\n"),
        "{}",
        r.stdout
    );
    assert_eq!(read(&dir.path().join("rng-deployment.yaml")), before);
    // nothing to convert: exit 0
    let r = run(
        &["convert", "--to", "deployment", "--check", "."],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "");
}

#[test]
fn standard_input_is_converted_to_standard_output() {
    let r = run_stdin(
        &[
            "convert",
            "--to",
            "daemonset",
            "--stdin-filename",
            "rng.yaml",
            "-",
        ],
        read(&testdata("rng-deployment.yaml")).as_bytes(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, read(&testdata("expected/rng-daemonset.yaml")));
    assert!(
        r.stderr
            .contains("rng.yaml: Deployment/rng converted to DaemonSet")
    );
}

#[test]
fn kind_and_name_narrow_the_choice() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let deploy = |name: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n      - name: c\n        image: c:1\n"
        )
    };
    write(d, "a.yaml", &deploy("a"));
    write(d, "b.yaml", &deploy("b"));
    let sts = read(&testdata("zk-statefulset.yaml"));
    write(d, "zk.yaml", &sts);
    let job = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: c\n        image: c:1\n";
    write(d, "job.yaml", job);
    let r = run(
        &[
            "convert",
            "--to",
            "daemonset",
            "--kind",
            "deploy",
            "--name",
            "b",
            ".",
        ],
        Some(d),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(read(&d.join("a.yaml")), deploy("a"));
    assert!(read(&d.join("b.yaml")).contains("kind: DaemonSet\n"));
    assert_eq!(read(&d.join("zk.yaml")), sts);
    assert_eq!(read(&d.join("job.yaml")), job);
    assert!(
        r.stderr.contains("1 object converted in 1 file"),
        "{}",
        r.stderr
    );
}

#[test]
fn warnings_name_what_still_points_at_the_old_kind() {
    let dir = inputs(&["rng-deployment.yaml"]);
    let d = dir.path();
    write(
        d,
        "hpa.yaml",
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: rng\n  namespace: dockercoins\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: rng\n  minReplicas: 1\n  maxReplicas: 3\n",
    );
    write(
        d,
        "pdb.yaml",
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: rng\n  namespace: dockercoins\nspec:\n  maxUnavailable: 1\n  selector:\n    matchLabels:\n      app: rng\n",
    );
    write(
        d,
        "kustomization.yaml",
        "resources:\n- rng-deployment.yaml\nreplicas:\n- name: rng\n  count: 2\npatches:\n- target:\n    kind: Deployment\n    name: rng\n  patch: |-\n    - op: replace\n      path: /spec/replicas\n      value: 2\n",
    );
    let r = run(&["convert", "--to", "daemonset", "."], Some(d));
    assert_eq!(r.code, 0, "{}", r.stderr);
    for w in [
        "warning: rng-deployment.yaml: Deployment/rng: HorizontalPodAutoscaler/rng in hpa.yaml still targets Deployment/rng (a DaemonSet cannot be scaled)",
        "warning: rng-deployment.yaml: Deployment/rng: PodDisruptionBudget/rng in pdb.yaml selects its pods",
        "warning: rng-deployment.yaml: Deployment/rng: a `replicas:` entry in kustomization.yaml still names it as a Deployment",
        "warning: rng-deployment.yaml: Deployment/rng: a `patches` target in kustomization.yaml still names it as a Deployment",
        // the seed's lesson: the cluster keeps the old object until it is deleted
        "kubectl delete deployment rng -n dockercoins",
    ] {
        assert!(r.stderr.contains(w), "missing {w:?} in\n{}", r.stderr);
    }
    // the HPA, the PDB and the kustomization are reported, not changed
    assert!(read(&d.join("hpa.yaml")).contains("kind: Deployment"));
    // in another namespace, nothing points at it
    let dir = inputs(&["rng-deployment.yaml"]);
    write(
        dir.path(),
        "hpa.yaml",
        "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: rng\n  namespace: other\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: rng\n  maxReplicas: 3\n",
    );
    let r = run(&["convert", "--to", "daemonset", "."], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("warning:"), "{}", r.stderr);
}

#[test]
fn an_object_kure_cannot_convert_refuses_the_whole_run() {
    let dir = inputs(&["rng-deployment.yaml"]);
    let d = dir.path();
    let old = read(&testdata("rng-deployment.yaml")).replace("apps/v1", "apps/v1beta2");
    write(d, "legacy/rng.yaml", &old);
    let r = run(&["convert", "--to", "daemonset", "."], Some(d));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("legacy/rng.yaml: Deployment/rng: cannot be converted: its apiVersion is apps/v1beta2; move it to apps/v1 first (`kure migrate`)"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("refused: no file changed"));
    assert_eq!(
        read(&d.join("rng-deployment.yaml")),
        read(&testdata("rng-deployment.yaml"))
    );
    // narrowed to the convertible file, it is converted
    let r = run(
        &["convert", "--to", "daemonset", "rng-deployment.yaml"],
        Some(d),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(read(&d.join("legacy/rng.yaml")), old);
}

#[test]
fn refusals_name_the_object_and_write_nothing() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: both\nspec:\n  strategy:\n    type: Recreate\n  updateStrategy:\n    type: OnDelete\n  selector:\n    matchLabels:\n      app: a\n  template:\n    metadata:\n      labels:\n        app: a\n    spec:\n      containers:\n      - name: c\n        image: c:1\n",
            "daemonset",
            "Deployment/both: cannot be converted: its spec has both `strategy` and `updateStrategy`; merge them by hand",
        ),
        (
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  serviceName: db\n  selector:\n    matchLabels:\n      app: db\n  template:\n    metadata:\n      labels:\n        app: db\n    spec:\n      containers:\n      - name: db\n        image: postgres:17\n        volumeMounts:\n        - name: data\n          mountPath: /var/lib/postgresql\n  volumeClaimTemplates:\n  - metadata:\n      name: data\n    spec:\n      accessModes: [ReadWriteOnce]\n      resources:\n        requests:\n          storage: 1Gi\n",
            "deployment",
            "StatefulSet/db: cannot be converted: its containers mount `data`, which only its `volumeClaimTemplates` provide",
        ),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nosel\nspec:\n  template:\n    metadata:\n      labels:\n        app: a\n    spec:\n      containers:\n      - name: c\n        image: c:1\n",
            "daemonset",
            "Deployment/nosel: cannot be converted: spec.selector: Required value",
        ),
    ];
    for (text, to, why) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "x.yaml", text);
        let good = read(&testdata("rng-deployment.yaml"));
        write(dir.path(), "good.yaml", &good);
        let r = run(&["convert", "--to", to, "."], Some(dir.path()));
        assert_eq!(r.code, 1, "{why}: {}", r.stderr);
        assert!(r.stderr.contains(why), "missing {why:?} in\n{}", r.stderr);
        assert!(r.stderr.contains("refused: no file changed"));
        assert_eq!(read(&dir.path().join("x.yaml")), *text);
        if *to == "daemonset" {
            // the other file, convertible alone, is not written either
            assert_eq!(read(&dir.path().join("good.yaml")), good);
        }
    }
}

#[test]
fn strategies_without_an_equivalent_do_the_nearest_thing_and_say_so() {
    let deploy = |strategy: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n{strategy}  selector:\n    matchLabels:\n      app: a\n  template:\n    metadata:\n      labels:\n        app: a\n    spec:\n      containers:\n      - name: c\n        image: c:1\n"
        )
    };
    let ds = |strategy: &str| deploy(strategy).replace("kind: Deployment", "kind: DaemonSet");
    let cases: &[(String, &str, &str, &str)] = &[
        (
            deploy("  strategy:\n    type: Recreate\n"),
            "daemonset",
            "  updateStrategy:\n    type: OnDelete\n",
            "`Recreate` has no DaemonSet equivalent; it becomes `OnDelete`",
        ),
        (
            deploy(
                "  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxSurge: 2\n      maxUnavailable: 1\n",
            ),
            "daemonset",
            "  updateStrategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 1\n",
            "`maxSurge: 2` is dropped: a DaemonSet rejects `maxSurge` and `maxUnavailable` both non-zero",
        ),
        (
            ds("  updateStrategy:\n    type: OnDelete\n"),
            "deployment",
            "spec:\n  replicas: 1\n  selector:",
            "`OnDelete` has no Deployment equivalent",
        ),
        (
            ds(
                "  updateStrategy:\n    rollingUpdate:\n      maxSurge: 1\n      maxUnavailable: 0\n",
            ),
            "statefulset",
            "spec:\n  replicas: 1\n  selector:",
            "`maxSurge: 1` and `maxUnavailable: 0` dropped",
        ),
        (
            ds(""),
            "deployment",
            "spec:\n  replicas: 1\n  selector:",
            "a DaemonSet runs one pod on every node; the Deployment runs 1 replica (set the count with --replicas)",
        ),
    ];
    let oracle = peer("kubernetes-validate");
    for (text, to, want, warning) in cases {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "a.yaml", text);
        let r = run(&["convert", "--to", to, "a.yaml"], Some(dir.path()));
        assert_eq!(r.code, 0, "{text}: {}", r.stderr);
        let got = read(&dir.path().join("a.yaml"));
        assert!(got.contains(want), "{to}: want {want:?} in\n{got}");
        assert!(
            r.stderr.contains(warning),
            "missing {warning:?} in\n{}",
            r.stderr
        );
        if let Some(kv) = &oracle {
            validate(kv, &[dir.path().join("a.yaml")], "1.33");
        }
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["convert", "--to", "job", "x.yaml"][..],
        &["convert", "x.yaml"][..],
        &["convert", "--to", "daemonset", "--replicas", "2", "x.yaml"][..],
        &[
            "convert",
            "--to",
            "deployment",
            "--service-name",
            "s",
            "x.yaml",
        ][..],
        &["convert", "--neat-only", "--to", "daemonset", "x.yaml"][..],
    ] {
        let r = run(args, None);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
    }
}

/// Runs `kubernetes-validate --strict -k VERSION` on files; panics with its words on failure.
fn validate(kv: &Path, files: &[PathBuf], version: &str) {
    for chunk in files.chunks(200) {
        let out = std::process::Command::new(kv)
            .args(["--strict", "-k", version])
            .args(chunk)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        let failed: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("ERROR") || l.contains("did not validate"))
            .collect();
        assert!(
            failed.is_empty() && out.status.success(),
            "kubernetes-validate:\n{}",
            failed.join("\n")
        );
    }
}

#[test]
#[cfg_attr(
    kure_no_peers,
    ignore = "the peer tools are absent (run ../shared/tools/install-peers.sh)"
)]
fn every_golden_result_validates_strictly() {
    let Some(kv) = require_peer("kubernetes-validate") else {
        return;
    };
    let files: Vec<PathBuf> = std::fs::read_dir(testdata("expected"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 5);
    validate(&kv, &files, "1.33");
    validate(&kv, &files, "1.37");
}

/// Every corpus file with an apps/v1 Deployment, copied and converted to a DaemonSet one
/// file at a time: nothing but that file changes, the result parses, and each DaemonSet
/// validates strictly for 1.33 unless the Deployment it came from did not either (the
/// corpus's own defects, listed). Files kure refuses are listed with the reason.
#[test]
#[cfg_attr(
    any(kure_no_shared, kure_no_peers),
    ignore = "needs ../shared/corpus and the peer tools (../shared/tools/install-peers.sh)"
)]
fn every_corpus_deployment_becomes_a_valid_daemonset() {
    let Some(corpus) = corpus() else {
        skip("../shared/corpus is absent");
        return;
    };
    let kv = require_peer("kubernetes-validate");
    let dir = tempfile::tempdir().unwrap();
    let originals = tempfile::tempdir().unwrap();
    let mut picked = Vec::new();
    for (rel, bytes) in files(&corpus) {
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        let yaml = rel.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if !yaml || !text.contains("kind: Deployment") || !text.contains("apps/v1\n") {
            continue;
        }
        let name = format!("f{}.yaml", picked.len());
        std::fs::write(dir.path().join(&name), &text).unwrap();
        std::fs::write(originals.path().join(&name), &text).unwrap();
        picked.push((name, rel, text));
    }
    let (mut converted, mut refused, mut unchanged, mut errors) = (Vec::new(), Vec::new(), 0, 0);
    for (name, rel, text) in &picked {
        let r = run(&["convert", "--to", "daemonset", name], Some(dir.path()));
        let now = read(&dir.path().join(name));
        match r.code {
            0 if now != *text => converted.push(name.clone()),
            0 => unchanged += 1,
            1 => {
                assert_eq!(now, *text, "{}: refused but written", rel.display());
                assert!(r.stderr.contains("cannot be converted"), "{}", r.stderr);
                let why = r
                    .stderr
                    .lines()
                    .next()
                    .unwrap_or("")
                    .replace(name.as_str(), "");
                refused.push(format!("{}{why}", rel.display()));
            }
            code => {
                // a file that does not parse: reported, not written
                assert_eq!(code, 2, "{}: {}", rel.display(), r.stderr);
                assert_eq!(now, *text, "{}: exit {code} but written", rel.display());
                assert!(r.stderr.contains("does not parse"), "{}", r.stderr);
                errors += 1;
            }
        }
    }
    // no file outside the one converted changes
    assert_eq!(files(dir.path()).len(), picked.len());
    eprintln!(
        "{} corpus files with a Deployment: {} converted, {} refused, {} with nothing to convert (an HPA naming a Deployment, a Helm template), {} that do not parse",
        picked.len(),
        converted.len(),
        refused.len(),
        unchanged,
        errors
    );
    for r in &refused {
        eprintln!("refused: {r}");
    }
    assert!(converted.len() > 150, "only {} converted", converted.len());
    // what is converted parses, and lints clean of the conversion rules
    let (_, v) = lint_json(
        &["."],
        &["--select", "field-not-for-kind,parse-error"],
        Some(dir.path()),
    );
    assert_eq!(findings(&v), vec![], "{v}");
    let Some(kv) = kv else { return };
    let after = failures(&kv, dir.path(), &converted, "daemonset");
    let before = failures(&kv, originals.path(), &converted, "deployment");
    let mut own = Vec::new();
    for (name, why) in &after {
        let source_bad = before.iter().any(|(n, _)| n == name);
        assert!(
            source_bad,
            "{name}: the DaemonSet does not validate, the Deployment did: {why}"
        );
        own.push(format!("{name}: {why}"));
    }
    eprintln!(
        "{} DaemonSets validate strictly for 1.33; {} do not, as their Deployments did not:",
        converted.len() - after.len(),
        after.len()
    );
    for o in own {
        eprintln!("  {o}");
    }
}

/// The files (by name) in which a `kind` object does not validate, with the reason.
fn failures(kv: &Path, dir: &Path, names: &[String], kind: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let marker = format!("did not validate for resource {kind}/");
    for chunk in names.chunks(200) {
        let output = std::process::Command::new(kv)
            .args(["--strict", "-k", "1.33"])
            .args(chunk)
            .current_dir(dir)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        for l in text.lines() {
            if l.contains(&marker) {
                let name = l.split_whitespace().nth(1).unwrap_or("").to_string();
                let why = l.split(": ").skip(1).collect::<Vec<_>>().join(": ");
                out.push((name, why));
            }
        }
    }
    out
}

#[test]
fn neat_removes_what_the_cluster_set_and_keeps_what_an_author_wrote() {
    // a live Pod's dump: owners, node, the Pod-only default
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  uid: 7f1c\n  ownerReferences:\n  - apiVersion: apps/v1\n    kind: ReplicaSet\n    name: web-5d8\n    uid: 9a2b\nspec:\n  nodeName: node-1\n  containers:\n  - name: c\n    image: c:1\n    imagePullPolicy: IfNotPresent\n  enableServiceLinks: true\n";
    let r = run_stdin(&["convert", "--neat-only", "-"], pod.as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: c:1\n"
    );
    // a hand-written Deployment converted: its explicit defaults are the author's
    let hand = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  revisionHistoryLimit: 10\n  selector:\n    matchLabels:\n      app: a\n  template:\n    metadata:\n      labels:\n        app: a\n    spec:\n      containers:\n      - name: c\n        image: c:1\n        imagePullPolicy: IfNotPresent\n";
    let r = run_stdin(&["convert", "--to", "daemonset", "-"], hand.as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        hand.replace("kind: Deployment", "kind: DaemonSet")
    );
    // with --neat-only, they go
    let r = run_stdin(&["convert", "--neat-only", "-"], hand.as_bytes());
    assert!(
        !r.stdout.contains("revisionHistoryLimit") && !r.stdout.contains("imagePullPolicy"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_removal_whose_rule_is_off_or_suppressed_is_not_made() {
    let dump = "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  uid: 7f1c\n  resourceVersion: \"42\" # kure: ignore[server-populated-field] kept for the audit\nspec:\n  selector:\n    app: a\n  ports:\n  - port: 80\nstatus:\n  loadBalancer: {}\n";
    let r = run_stdin(&["convert", "--neat-only", "-"], dump.as_bytes());
    assert_eq!(r.code, 0, "{}", r.stderr);
    // the suppressed line stays; the rest of the dump goes
    assert_eq!(
        r.stdout,
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  resourceVersion: \"42\" # kure: ignore[server-populated-field] kept for the audit\nspec:\n  selector:\n    app: a\n  ports:\n  - port: 80\n"
    );
    // the rule off in the repository's config: convert leaves the server's fields alone
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".kure.yaml",
        "rules:\n  server-populated-field: off\n",
    );
    write(dir.path(), "svc.yaml", dump);
    let r = run(&["convert", "--neat-only", "svc.yaml"], Some(dir.path()));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("svc.yaml")).unwrap(),
        dump
    );
    // --isolated reads no config
    let r = run(
        &["convert", "--neat-only", "--isolated", "svc.yaml"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !std::fs::read_to_string(dir.path().join("svc.yaml"))
            .unwrap()
            .contains("uid"),
    );
}
