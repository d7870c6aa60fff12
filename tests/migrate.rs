//! `kure migrate` and the rules `removed-api-version` / `deprecated-api-version`: every row
//! of the migration table byte for byte, the old defaults kept or adopted, kinds reported
//! rather than rewritten, the target version's rules, the schema oracle
//! (`kubernetes-validate --strict`), and the whole corpus against `corpus_stats.py`.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn testdata(name: &str) -> PathBuf {
    repo_root().join("testdata/migrate").join(name)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

fn inputs() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo_root().join("testdata/migrate"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A copy of the test inputs.
fn copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for n in inputs() {
        std::fs::copy(testdata(&n), dir.path().join(&n)).unwrap();
    }
    dir
}

#[test]
fn every_row_migrates_byte_for_byte() {
    let dir = copy();
    let r = run(&["migrate", "--to-version", "1.33", "."], Some(dir.path()));
    // the CRD and the PodSecurityPolicy are reported, not rewritten: exit 1
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("11 objects migrated in 11 files; 2 left as they are (Kubernetes 1.33)"),
        "{}",
        r.stderr
    );
    for n in inputs() {
        let got = read(&dir.path().join(&n));
        let expected = testdata("expected").join(&n);
        if expected.exists() {
            assert_eq!(got, read(&expected), "{n}");
        } else {
            assert_eq!(got, read(&testdata(&n)), "{n} is reported, not rewritten");
        }
    }
    for line in [
        "crd.yaml:1:1: `apiextensions.k8s.io/v1beta1` CustomResourceDefinition is not served from Kubernetes 1.22 (target 1.33): apiextensions.k8s.io/v1 replaces it, but kure cannot move it: rewrite it for apiextensions.k8s.io/v1 by hand",
        "psp.yaml:1:1: `policy/v1beta1` PodSecurityPolicy is not served from Kubernetes 1.25 (target 1.33): PodSecurityPolicy has no replacement: use Pod Security Admission",
    ] {
        assert!(r.stderr.contains(line), "missing {line:?} in\n{}", r.stderr);
    }
    // a second run has nothing to move
    let again = run(&["migrate", "--to-version", "1.33", "."], Some(dir.path()));
    assert!(
        again
            .stderr
            .contains("0 objects migrated in 0 files; 2 left as they are"),
        "{}",
        again.stderr
    );
}

#[test]
fn new_defaults_adopts_apps_v1s() {
    let dir = copy();
    let r = run(
        &[
            "migrate",
            "--to-version",
            "1.30",
            "--new-defaults",
            "deployment-extensions.yaml",
            "daemonset-extensions.yaml",
        ],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let d = read(&dir.path().join("deployment-extensions.yaml"));
    assert!(d.contains("spec:\n  selector:\n    matchLabels:\n      app: web\n      tier: frontend\n  replicas: 2\n"), "{d}");
    assert!(!d.contains("2147483647") && !d.contains("maxSurge"), "{d}");
    let ds = read(&dir.path().join("daemonset-extensions.yaml"));
    assert!(
        !ds.contains("OnDelete") && !ds.contains("templateGeneration"),
        "{ds}"
    );
}

#[test]
fn check_and_diff_write_nothing() {
    let dir = copy();
    let r = run(
        &[
            "migrate",
            "--to-version",
            "1.33",
            "--check",
            "cronjob.yaml",
            "pdb.yaml",
        ],
        Some(dir.path()),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "would migrate cronjob.yaml: 1 object\nwould migrate pdb.yaml: 1 object\n"
    );
    let r = run(
        &["migrate", "--to-version", "1.33", "--diff", "cronjob.yaml"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("-apiVersion: batch/v1beta1\n+apiVersion: batch/v1\n"),
        "{}",
        r.stdout
    );
    assert_eq!(
        read(&dir.path().join("cronjob.yaml")),
        read(&testdata("cronjob.yaml"))
    );
    // standard input to standard output
    let r = run_stdin(
        &["migrate", "--to-version", "1.33", "-"],
        read(&testdata("ingress.yaml")).as_bytes(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, read(&testdata("expected/ingress.yaml")));
}

#[test]
fn the_target_version_decides() {
    let dir = copy();
    // autoscaling/v2beta2 is deprecated in 1.25 and removed in 1.26
    let r = run(
        &["migrate", "--to-version", "1.25", "hpa-v2beta2.yaml"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        read(&dir.path().join("hpa-v2beta2.yaml")),
        read(&testdata("hpa-v2beta2.yaml"))
    );
    let r = run(
        &[
            "migrate",
            "--to-version",
            "1.25",
            "--deprecated",
            "hpa-v2beta2.yaml",
        ],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        read(&dir.path().join("hpa-v2beta2.yaml")),
        read(&testdata("expected/hpa-v2beta2.yaml"))
    );
    // lint: a warning at 1.25, an error at 1.26, at the apiVersion's line and column
    let (_, v) = lint_json(
        &["hpa-v2beta2.yaml"],
        &[
            "--kubernetes-version",
            "1.25",
            "--select",
            "removed-api-version,deprecated-api-version",
        ],
        Some(&repo_root().join("testdata/migrate")),
    );
    assert_eq!(
        findings(&v),
        vec![("deprecated-api-version".to_string(), 1, 1)]
    );
    let (code, v) = lint_json(
        &["hpa-v2beta2.yaml"],
        &["--kubernetes-version", "1.26"],
        Some(&repo_root().join("testdata/migrate")),
    );
    assert_eq!(
        findings(&v),
        vec![("removed-api-version".to_string(), 1, 1)]
    );
    assert_eq!(code, 1);
}

#[test]
fn without_a_chosen_version_the_fix_is_unsafe() {
    let dir = copy();
    // the default target (1.37) finds it, but a pre-commit `kure fix` does not move it
    let r = run(&["fix", "cronjob.yaml"], Some(dir.path()));
    assert_eq!(
        read(&dir.path().join("cronjob.yaml")),
        read(&testdata("cronjob.yaml")),
        "{}",
        r.stderr
    );
    let (_, v) = lint_json(&["cronjob.yaml"], &[], Some(dir.path()));
    let d = &v["diagnostics"][0];
    assert_eq!(d["rule"], "removed-api-version");
    assert_eq!(d["fix"]["applicability"], "unsafe");
    // with the version chosen, it is safe
    let r = run(
        &["fix", "--kubernetes-version", "1.33", "cronjob.yaml"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        read(&dir.path().join("cronjob.yaml")),
        read(&testdata("expected/cronjob.yaml"))
    );
}

#[test]
fn versions_outside_the_range_are_usage_errors() {
    for args in [
        &["migrate", "--to-version", "1.24", "x.yaml"][..],
        &["migrate", "--to-version", "1.38", "x.yaml"][..],
        &["migrate", "x.yaml"][..],
        &["lint", "--kubernetes-version", "2.0", "x.yaml"][..],
    ] {
        let r = run(args, None);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
    }
    let r = run(&["migrate", "--to-version", "1.24", "x.yaml"], None);
    assert!(
        r.stderr.contains("kure knows Kubernetes 1.25 to 1.37"),
        "{}",
        r.stderr
    );
}

#[test]
fn refusals_and_reports_name_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "pdb.yaml",
        "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata:\n  name: all\nspec:\n  minAvailable: 1\n  selector: {}\n",
    );
    write(
        d,
        "nolabels.yaml",
        "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: x\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: c:1\n",
    );
    let r = run(&["migrate", "--to-version", "1.33", "."], Some(d));
    assert_eq!(r.code, 1, "{}", r.stderr);
    for w in [
        "pdb.yaml:1:1: `policy/v1beta1` PodDisruptionBudget is not served from Kubernetes 1.25 (target 1.33): policy/v1 replaces it, but kure cannot move it: its empty selector selects no pods in policy/v1beta1 and every pod in policy/v1",
        "nolabels.yaml:1:1: `extensions/v1beta1` Deployment is not served from Kubernetes 1.16 (target 1.33): apps/v1 replaces it, but kure cannot move it: it has no `spec.selector`, and its pod template no labels to make one from",
    ] {
        assert!(r.stderr.contains(w), "missing {w:?} in\n{}", r.stderr);
    }
}

/// Runs `kubernetes-validate --strict -k VERSION` on files in `dir`; the failures, as
/// `(file, kind/name, reason)`.
fn failures(
    kv: &Path,
    dir: &Path,
    files: &[String],
    version: &str,
) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for chunk in files.chunks(100) {
        let o = std::process::Command::new(kv)
            .args(["--strict", "-k", version])
            .args(chunk)
            .current_dir(dir)
            .output()
            .unwrap();
        let text =
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
        for l in text.lines() {
            let Some(rest) = l.strip_prefix("ERROR ") else {
                continue;
            };
            let file = rest.split_whitespace().next().unwrap_or("").to_string();
            let resource = rest
                .split("for resource ")
                .nth(1)
                .and_then(|r| r.split_whitespace().next())
                .unwrap_or("")
                .to_string();
            let why = rest.split(": ").skip(1).collect::<Vec<_>>().join(": ");
            out.push((file, resource, why));
        }
    }
    out
}

#[test]
#[cfg_attr(
    kure_no_peers,
    ignore = "the peer tools are absent (run ../shared/tools/install-peers.sh)"
)]
fn every_migrated_object_validates_strictly() {
    let Some(kv) = require_peer("kubernetes-validate") else {
        return;
    };
    let dir = testdata("expected");
    let files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files.len(), 11);
    for version in ["1.33", "1.37"] {
        let bad = failures(&kv, &dir, &files, version);
        assert!(bad.is_empty(), "{version}: {bad:?}");
    }
}

/// `(path, apiVersion, kind)` of each object `corpus_stats.py` counts as on a removed API
/// version (gone by 1.33).
fn corpus_stats_removed(python: &Path) -> Vec<(String, String, String)> {
    let script = repo_root().join("../shared/tools/corpus_stats.py");
    let o = std::process::Command::new(python)
        .arg(&script)
        .args(["--examples", "100000"])
        .arg(repo_root().join("../shared/corpus"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    let mut out = Vec::new();
    let mut inside = false;
    for l in text.lines() {
        if l.starts_with("**Objects on removed API versions**") {
            inside = true;
            continue;
        }
        if inside && l.starts_with("**") {
            break;
        }
        // - `path: apiVersion Kind (gone in X)`
        if let Some(body) = l.strip_prefix("- `").filter(|_| inside) {
            let (path, rest) = body.split_once(": ").unwrap();
            let mut words = rest.split_whitespace();
            let api = words.next().unwrap().to_string();
            let kind = words.next().unwrap().to_string();
            out.push((path.to_string(), api, kind));
        }
    }
    out.sort();
    out
}

/// The corpus's removed apiVersions (../shared/corpus/README.md: 65 objects, counted by
/// `corpus_stats.py`) are exactly what `kure migrate --to-version 1.33 --check` finds, each
/// migrated or reported; on a copy, every file still parses, each migrated object validates
/// for 1.33 (an object moved by its apiVersion alone keeps its own defects, which are listed),
/// and a second run changes nothing.
#[test]
#[cfg_attr(
    any(kure_no_shared, kure_no_peers),
    ignore = "needs ../shared/corpus and the peer tools (../shared/tools/install-peers.sh)"
)]
fn the_corpus_migrates_to_1_33() {
    let Some(corpus) = corpus() else {
        skip("../shared/corpus is absent");
        return;
    };
    // kure's findings, with the object each is on
    let (_, v) = lint_json(
        &["."],
        &[
            "--select",
            "removed-api-version",
            "--kubernetes-version",
            "1.33",
        ],
        Some(&corpus),
    );
    let mut found: Vec<(String, String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                path_of(d),
                d["object"]["apiVersion"].as_str().unwrap().to_string(),
                d["object"]["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    let fixable: usize = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| !d["fix"].is_null())
        .count();
    assert_eq!(found.len(), 65, "{found:#?}");
    match peer("kubernetes-validate").map(|k| {
        k.parent()
            .unwrap()
            .parent()
            .unwrap()
            .join("kubernetes-validate/bin/python")
    }) {
        Some(python) if python.exists() => {
            assert_eq!(found, corpus_stats_removed(&python));
        }
        _ => skip(
            "PyYAML (the kubernetes-validate environment under $PEERS) is absent: corpus_stats.py not run",
        ),
    }
    // --check: the same objects, migrated or reported
    let r = run(
        &["migrate", "--to-version", "1.33", "--check", "."],
        Some(&corpus),
    );
    assert_eq!(r.code, 1);
    let summary = format!(
        "{fixable} objects to migrate in 41 files; {} left as they are (Kubernetes 1.33)",
        65 - fixable
    );
    assert!(
        r.stderr.contains(&summary),
        "{summary:?} not in\n{}",
        r.stderr
    );

    // on a copy
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("corpus");
    let before = files(&corpus);
    for (rel, bytes) in &before {
        let p = copy.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    let r = run(
        &["migrate", "--to-version", "1.33", "corpus"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let after = files(&copy);
    let changed: Vec<String> = after
        .iter()
        .filter(|(rel, bytes)| before.get(*rel) != Some(bytes))
        .map(|(rel, _)| rel.to_string_lossy().into_owned())
        .collect();
    assert_eq!(changed.len(), 41, "{changed:?}");
    // every changed file parses
    let (_, v) = lint_json(
        &changed.iter().map(String::as_str).collect::<Vec<_>>(),
        &["--select", "parse-error"],
        Some(&copy),
    );
    assert_eq!(findings(&v), vec![], "{v}");
    // a second run changes nothing
    let again = run(
        &["migrate", "--to-version", "1.33", "corpus"],
        Some(dir.path()),
    );
    assert!(
        again.stderr.contains(&format!(
            "0 objects migrated in 0 files; {} left",
            65 - fixable
        )),
        "{}",
        again.stderr
    );
    assert_eq!(files(&copy), after);

    let Some(kv) = require_peer("kubernetes-validate") else {
        return;
    };
    // the migrated objects, by file: `kind/name` as kubernetes-validate names them, and
    // whether the migration changed more than the apiVersion
    let mut migrated: BTreeMap<String, Vec<(String, bool)>> = BTreeMap::new();
    let (_, v) = lint_json(
        &["."],
        &[
            "--select",
            "removed-api-version",
            "--kubernetes-version",
            "1.33",
        ],
        Some(&corpus),
    );
    for d in v["diagnostics"].as_array().unwrap() {
        if d["fix"].is_null() {
            continue;
        }
        let path = d["path"]
            .as_str()
            .unwrap()
            .trim_start_matches("./")
            .to_string();
        let kind = d["object"]["kind"].as_str().unwrap().to_lowercase();
        let name = d["object"]["name"].as_str().unwrap_or("None").to_string();
        let reshaped = d["fix"]["edits"].as_array().unwrap().len() > 1;
        migrated
            .entry(path)
            .or_default()
            .push((format!("{kind}/{name}"), reshaped));
    }
    let files: Vec<String> = migrated.keys().cloned().collect();
    let bad = failures(&kv, &copy, &files, "1.33");
    let mut own = Vec::new();
    for (file, resource, why) in bad {
        let Some(objs) = migrated.get(&file) else {
            continue;
        };
        let Some((_, reshaped)) = objs.iter().find(|(r, _)| *r == resource) else {
            continue; // another object of the file: not migrated
        };
        assert!(
            !reshaped,
            "{file}: {resource}, reshaped by the migration, does not validate: {why}"
        );
        own.push(format!("{file}: {resource}: {why}"));
    }
    eprintln!(
        "migrated objects that keep their own defects ({}):",
        own.len()
    );
    for o in &own {
        eprintln!("  {o}");
    }
    assert!(own.len() <= 6, "{own:#?}");
}
