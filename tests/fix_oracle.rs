//! kubectl as the oracle for fixes: for every corpus file `kure fix --unsafe-fixes` changes,
//! the JSON kubectl builds from the file (`kubectl patch --local`, untyped) differs only at
//! the fields the fixes exist to change, and the fixed file passes kubectl's typed decode
//! (`kubectl set env --local`) without `cannot unmarshal`. Skipped, with a message, when
//! `$PEERS/bin/kubectl` (from ../shared/tools/install-peers.sh) or the corpus is absent.

mod common;
use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// kubectl with no configuration and no server.
fn offline(kubectl: &Path, home: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(kubectl)
        .args(args)
        .env_clear()
        .env("HOME", home)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn objects(json: &str) -> Vec<Value> {
    serde_json::Deserializer::from_str(json)
        .into_iter::<Value>()
        .map(|v| v.unwrap())
        .collect()
}

fn diff(a: &Value, b: &Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, Value, Value)>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                path.push(k.clone());
                diff(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    path,
                    out,
                );
                path.pop();
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                path.push(i.to_string());
                diff(p, q, path, out);
                path.pop();
            }
        }
        _ if a == b => {}
        _ => out.push((path.clone(), a.clone(), b.clone())),
    }
}

/// The apiVersion moves change an object's schema on purpose; tests/migrate.rs holds them to
/// the schema oracle. Here the other fixes are held to kubectl.
const MIGRATIONS: &str = "removed-api-version,deprecated-api-version";

const SERVER: &[&str] = &[
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

const SPEC: &[&str] = &[
    "replicas",
    "progressDeadlineSeconds",
    "paused",
    "strategy",
    "updateStrategy",
    "selector",
];

/// YAML 1.1 words and numbers kubectl turns into booleans or numbers, also as keys.
fn yaml11_non_string(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
    ) || s.parse::<f64>().is_ok()
        || s.starts_with('0')
}

/// Whether a difference is one that a kure fix exists to make.
fn intended(path: &[String], before: &Value, after: &Value) -> bool {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    let p = match p.as_slice() {
        ["items", _, rest @ ..] => rest,
        rest => rest,
    };
    let removed_server_field = p.first() == Some(&"status")
        || p.windows(2)
            .any(|w| w[0] == "metadata" && SERVER.contains(&w[1]))
        || p.windows(2).any(|w| {
            w[0] == "annotations" && w[1] == "kubectl.kubernetes.io/last-applied-configuration"
        });
    let workload_field = matches!(p, ["spec", f, ..] if SPEC.contains(f));
    // quoting: a scalar that was a boolean or number is now the string the author wrote
    let quoted =
        !before.is_string() && !before.is_object() && !before.is_array() && after.is_string();
    // a quoted key: `"true"` gone, `"yes"` in its place
    let key = p.last().copied().unwrap_or_default();
    let renamed_key = (after.is_null() && matches!(key, "true" | "false"))
        || (after.is_null() && key.parse::<f64>().is_ok())
        || (before.is_null() && yaml11_non_string(key));
    // `invalid-enum-value`: the value recased as the API server accepts it
    let recased = matches!((before.as_str(), after.as_str()), (Some(b), Some(a)) if b != a && b.eq_ignore_ascii_case(a));
    // `wrong-type`: a quoted number or boolean unquoted into the type its field takes
    let unquoted = before.as_str().is_some_and(|b| {
        (after.is_number() || after.is_boolean())
            && serde_json::from_str::<Value>(b).ok().as_ref() == Some(after)
    });
    // `duplicate-env`: the earlier of two entries of one name removed (the last kept)
    let env_deduped = p.last() == Some(&"env")
        && match (before.as_array(), after.as_array()) {
            (Some(b), Some(a)) => {
                let mut kept: Vec<&Value> = Vec::new();
                for (i, e) in b.iter().enumerate() {
                    let later = b[i + 1..].iter().any(|x| x.get("name") == e.get("name"));
                    if !later {
                        kept.push(e);
                    }
                }
                kept.len() < b.len() && kept.iter().copied().eq(a.iter())
            }
            _ => false,
        };
    removed_server_field
        || workload_field
        || quoted
        || renamed_key
        || recased
        || unquoted
        || env_deduped
}

/// Compares every file of `root` that differs from its copy in `src` through kubectl: the
/// untyped reading differs only where a fix means to change it, and the typed decode finds
/// no `cannot unmarshal` a fix could have mended. Returns (files changed, compared field by
/// field, fields changed, decoded, decodes a fix mended).
fn only_intended_changes(
    kubectl: &Path,
    home: &Path,
    src: &Path,
    root: &Path,
) -> (usize, usize, usize, usize, usize) {
    let (kubectl, home) = (kubectl.to_path_buf(), home.to_path_buf());
    let (src, root) = (src.to_path_buf(), root.to_path_buf());
    // the changed files: compare each with the original
    let mut changed = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(&root).unwrap().to_path_buf();
                if std::fs::read(&p).unwrap() != std::fs::read(src.join(&rel)).unwrap() {
                    changed.push(rel);
                }
            }
        }
    }
    changed.sort();
    let (mut compared, mut decoded, mut unmarshal_fixed, mut fields) = (0, 0, 0, 0);
    for rel in &changed {
        let before = src.join(rel);
        let after = root.join(rel);
        let patch = |f: &Path| {
            offline(
                &kubectl,
                &home,
                &[
                    "patch",
                    "--local",
                    "-f",
                    f.to_str().unwrap(),
                    "--type=merge",
                    "-p",
                    "{}",
                    "-o",
                    "json",
                ],
            )
        };
        let (ok_b, json_b, _) = patch(&before);
        let (ok_a, json_a, err_a) = patch(&after);
        // a value of the wrong type that no fix can mend (`replicas: asd"`) is still
        // reported by `wrong-type`; any other is a fix's doing
        let (_, left) = lint_json(
            &[after.to_str().unwrap()],
            &["--select", "wrong-type"],
            None,
        );
        let wrong_type_left = !left["diagnostics"].as_array().unwrap().is_empty();
        assert!(
            !err_a.contains("cannot unmarshal") || wrong_type_left,
            "{}: {err_a}",
            rel.display()
        );
        if ok_b && ok_a {
            let (b, a) = (objects(&json_b), objects(&json_a));
            assert_eq!(b.len(), a.len(), "{}", rel.display());
            for (x, y) in b.iter().zip(&a) {
                let mut diffs = Vec::new();
                diff(x, y, &mut Vec::new(), &mut diffs);
                fields += diffs.len();
                // a key renamed (`unknown-field`'s fix): its value gone from one name and
                // the same value under a sibling name
                let renamed = |path: &[String], vb: &Value, va: &Value| {
                    let parent = &path[..path.len().saturating_sub(1)];
                    diffs.iter().any(|(p2, b2, a2)| {
                        p2.len() == path.len()
                            && &p2[..parent.len()] == parent
                            && p2 != path
                            && ((va.is_null() && b2.is_null() && a2 == vb)
                                || (vb.is_null() && a2.is_null() && b2 == va))
                    })
                };
                for (path, vb, va) in &diffs {
                    let (path, vb, va) = (path.clone(), vb.clone(), va.clone());
                    assert!(
                        intended(&path, &vb, &va) || renamed(&path, &vb, &va),
                        "{}: kubectl sees `{}` change from {vb} to {va}",
                        rel.display(),
                        path.join(".")
                    );
                }
            }
            compared += 1;
        }
        // the typed decode of workloads: no `cannot unmarshal` is left
        let typed = |f: &Path| {
            let args = [
                "set",
                "env",
                "--local",
                "-f",
                f.to_str().unwrap(),
                "ZZ-",
                "-o",
                "json",
            ];
            offline(&kubectl, &home, &args).2
        };
        let err = typed(&after);
        assert!(
            !err.contains("cannot unmarshal") || wrong_type_left,
            "{}: {err}",
            rel.display()
        );
        if typed(&before).contains("cannot unmarshal") {
            unmarshal_fixed += 1;
        }
        decoded += 1;
    }
    (changed.len(), compared, fields, decoded, unmarshal_fixed)
}

#[test]
#[cfg_attr(
    any(kure_no_shared, kure_no_peers),
    ignore = "needs ../shared/corpus and the peer tools (../shared/tools/install-peers.sh)"
)]
fn kubectl_sees_only_the_intended_changes() {
    let Some(kubectl) = common::require_kubectl() else {
        return;
    };
    let Some(src) = common::require_corpus() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let root = tmp.path().join("corpus");
    std::fs::create_dir_all(&root).unwrap();
    common::copy_tree(&src, &root);
    let (_, v) = lint_json(
        &["."],
        &["--fix", "--unsafe-fixes", "--ignore", MIGRATIONS],
        Some(&root),
    );
    assert!(v["summary"]["fixes"]["files_changed"].as_u64().unwrap() > 0);
    let (changed, compared, fields, decoded, unmarshal_fixed) =
        only_intended_changes(&kubectl, &home, &src, &root);
    println!(
        "kubectl oracle: {changed} changed files, {compared} compared field by field ({fields} fields changed, all intended), {decoded} decoded, {unmarshal_fixed} failed kubectl's decode before the fix and pass after"
    );
    assert!(compared > 0 && fields > 0);
}

/// kubernetes-validate (strict OpenAPI schemas) as a second oracle, on the corpus turned into
/// DaemonSets: the fixes remove every Deployment-only field it rejects, except where kure
/// still reports the field (no mechanical fix), and introduce no error of their own.
#[test]
#[cfg_attr(
    any(kure_no_shared, kure_no_peers),
    ignore = "needs ../shared/corpus and the peer tools (../shared/tools/install-peers.sh)"
)]
fn fixed_daemonsets_pass_strict_schema_validation() {
    let peers = std::env::var_os("PEERS")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".local/kure-peers"))
        });
    let Some(validate) = peers
        .map(|p| p.join("bin/kubernetes-validate"))
        .filter(|p| p.is_file())
    else {
        common::skip(
            "$PEERS/bin/kubernetes-validate is absent (run ../shared/tools/install-peers.sh)",
        );
        return;
    };
    let Some(src) = common::require_corpus() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("daemonsets");
    daemonset_corpus(&src, &root);
    // files kure cannot parse are never fixed; PyYAML stops the whole run at them
    let (_, v) = lint_json(&["."], &[], Some(&root));
    let broken: std::collections::BTreeSet<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "parse-error")
        .map(|d| {
            d["path"]
                .as_str()
                .unwrap()
                .trim_start_matches("./")
                .to_string()
        })
        .collect();
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !broken.contains(n))
        .collect();
    names.sort();
    let run_validate = |names: &[String]| -> Vec<String> {
        let out = Command::new(&validate)
            .args(["--strict", "--quiet", "--no-warn"])
            .args(names)
            .current_dir(&root)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(!text.contains("Couldn't parse YAML"), "{text}");
        text.lines()
            .filter(|l| l.starts_with("ERROR"))
            .map(str::to_string)
            .collect()
    };
    let deployment_only = ["replicas", "strategy", "progressDeadlineSeconds", "paused"];
    let unexpected = |errors: &[String]| -> std::collections::BTreeSet<(String, String)> {
        let mut set = std::collections::BTreeSet::new();
        for e in errors {
            let Some(path) = e.split_whitespace().nth(1) else {
                continue;
            };
            if !e.contains("resource daemonset/") {
                continue;
            }
            if let Some((_, fields)) =
                e.split_once(": spec: Additional properties are not allowed (")
            {
                for f in deployment_only {
                    if fields.contains(&format!("'{f}'")) {
                        set.insert((path.to_string(), f.to_string()));
                    }
                }
            }
        }
        set
    };
    let before = run_validate(&names);
    let rejected_before = unexpected(&before);
    assert!(rejected_before.len() > 100, "{rejected_before:?}");

    let (_, after_lint) = lint_json(
        &["."],
        &["--fix", "--unsafe-fixes", "--ignore", MIGRATIONS],
        Some(&root),
    );
    let after = run_validate(&names);
    let rejected_after = unexpected(&after);
    // what is still rejected is what kure still reports, without a fix
    let still_reported: std::collections::BTreeSet<(String, String)> = after_lint["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"] == "field-not-for-kind")
        .filter_map(|d| {
            let path = d["path"]
                .as_str()
                .unwrap()
                .trim_start_matches("./")
                .to_string();
            let field = deployment_only.iter().find(|f| {
                d["message"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("`spec.{f}`"))
            })?;
            Some((path, field.to_string()))
        })
        .collect();
    for r in &rejected_after {
        assert!(
            still_reported.contains(r),
            "{r:?} is rejected but kure says nothing"
        );
    }
    // and the fixes break nothing: every object that fails validation after the fixes failed
    // before (the validator reports one error per object, so a fixed error can uncover
    // another that was already there)
    let failing = |errors: &[String]| -> std::collections::BTreeSet<String> {
        errors
            .iter()
            .filter_map(|e| {
                e.split_once(" against version")
                    .map(|(head, _)| head.to_string())
            })
            .collect()
    };
    let failing_before = failing(&before);
    for object in failing(&after) {
        assert!(
            failing_before.contains(&object),
            "a fix broke an object that validated: {object}"
        );
    }
    println!(
        "kubernetes-validate --strict: {} Deployment-only fields rejected in DaemonSets before `kure fix --unsafe-fixes`, {} after (all still reported by kure, with no mechanical fix); {} objects failing before, {} after",
        rejected_before.len(),
        rejected_after.len(),
        failing_before.len(),
        failing(&after).len()
    );
}

const SOPS_BLOCK: &str =
    "sops:\n  mac: ENC[AES256_GCM,data:bWFj,iv:aXY=,tag:dGFn,type:str]\n  version: 3.8.1\n";

/// One of five mutations of a real manifest, by its index, each a case the fixes must keep
/// the data through: fields merged in with `<<` (on a Deployment turned DaemonSet, and in
/// `metadata`), keys of different YAML types that kubectl names alike, anchors and aliases
/// in a label map, and SOPS encryption. `None` when the file has no place for it.
fn mutate(i: usize, text: &str) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let single_doc = !text.contains("\n---") && !text.starts_with("---") && text.ends_with('\n');
    match i % 5 {
        0 => {
            // the rng story, with `replicas` merged in
            let k = lines.iter().position(|l| *l == "kind: Deployment\n")?;
            let r = lines.iter().position(|l| {
                l.strip_prefix("  replicas: ")
                    .is_some_and(|v| v.trim_end().chars().all(|c| c.is_ascii_digit()))
            })?;
            let n = lines[r]
                .trim_end()
                .trim_start_matches("  replicas: ")
                .to_string();
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            out[k] = "kind: DaemonSet\n".to_string();
            out[r] = format!("  <<: {{replicas: {n}}}\n");
            Some(out.concat())
        }
        1 => (single_doc && lines.iter().any(|l| l.starts_with("kind: ")))
            .then(|| format!("{text}{SOPS_BLOCK}")),
        2 => {
            // typed keys beside string keys in a ConfigMap's data
            lines.contains(&"kind: ConfigMap\n").then_some(())?;
            let d = lines.iter().position(|l| *l == "data:\n")?;
            let next = lines.get(d + 1)?;
            let indent = &next[..next.len() - next.trim_start().len()];
            if indent.is_empty() || next.trim_start().starts_with('-') {
                return None;
            }
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            out.insert(
                d + 1,
                format!("{indent}0x10: a\n{indent}16: q\n{indent}on: x\n"),
            );
            Some(out.concat())
        }
        3 => {
            // an anchored label value and its alias
            let m = lines.iter().position(|l| *l == "  labels:\n")?;
            let first = lines.get(m + 1)?;
            let (key, value) = first.strip_prefix("    ")?.trim_end().split_once(": ")?;
            if value.contains(['#', '&', '*', '{', '[', '"', '\'']) || key.contains(['"', '\'']) {
                return None;
            }
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            out[m + 1] = format!("    {key}: &label {value}\n    kure-copy: *label\n");
            Some(out.concat())
        }
        _ => {
            // server metadata merged into `metadata`
            let m = lines.iter().position(|l| *l == "metadata:\n")?;
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            out.insert(m + 1, "  <<: {creationTimestamp: null}\n".to_string());
            Some(out.concat())
        }
    }
}

/// One file of ../shared/corpus or ../shared/gitops, mutated (`mutate`).
struct Mutated {
    /// `corpus/…` or `gitops/…`
    rel: std::path::PathBuf,
    /// Which of the five mutations.
    kind: usize,
    original: String,
    mutated: String,
}

/// Every YAML file of ../shared/corpus and ../shared/gitops that a mutation applies to.
fn mutated_files(corpus: &Path) -> Vec<Mutated> {
    let gitops = corpus.join("../gitops");
    let mut out = Vec::new();
    for (name, src) in [("corpus", corpus), ("gitops", gitops.as_path())] {
        for (i, (rel, bytes)) in files(src).iter().enumerate() {
            if rel.extension().and_then(|e| e.to_str()) != Some("yaml") {
                continue;
            }
            let Ok(text) = std::str::from_utf8(bytes) else {
                continue;
            };
            if let Some(m) = mutate(i, text) {
                out.push(Mutated {
                    rel: Path::new(name).join(rel),
                    kind: i % 5,
                    original: text.to_string(),
                    mutated: m,
                });
            }
        }
    }
    out
}

/// The corpus and the GitOps repository, mutated (`mutate`): `kure lint --fix
/// --unsafe-fixes` keeps every SOPS file byte for byte, and kubectl sees only intended
/// changes in every other file it changed.
#[test]
#[cfg_attr(
    any(kure_no_shared, kure_no_peers),
    ignore = "needs ../shared/corpus, ../shared/gitops and the peer tools (../shared/tools/install-peers.sh)"
)]
fn mutated_manifests_keep_their_data_through_every_fix() {
    let Some(kubectl) = common::require_kubectl() else {
        return;
    };
    let Some(corpus) = common::require_corpus() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mutated = tmp.path().join("mutated");
    let fixed = tmp.path().join("fixed");
    let mut kinds = [0usize; 5];
    let mut sops = Vec::new();
    for m in mutated_files(&corpus) {
        kinds[m.kind] += 1;
        if m.kind == 1 {
            sops.push(m.rel.clone());
        }
        for root in [&mutated, &fixed] {
            let p = root.join(&m.rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, &m.mutated).unwrap();
        }
    }
    assert!(kinds.iter().all(|&n| n > 0), "{kinds:?}");
    let (_, v) = lint_json(
        &["."],
        &["--fix", "--unsafe-fixes", "--ignore", MIGRATIONS],
        Some(&fixed),
    );
    // (kustomizations and Helm templates among them are not linted, so not counted)
    let encrypted = v["summary"]["encrypted"].as_u64().unwrap() as usize;
    assert!(encrypted > 100 && encrypted <= sops.len(), "{encrypted}");
    for rel in &sops {
        assert_eq!(
            std::fs::read_to_string(mutated.join(rel)).unwrap(),
            std::fs::read_to_string(fixed.join(rel)).unwrap(),
            "{}: a SOPS file was written",
            rel.display()
        );
    }
    let (changed, compared, fields, decoded, _) =
        only_intended_changes(&kubectl, &home, &mutated, &fixed);
    println!(
        "mutated: {kinds:?} files per mutation; {changed} changed, {compared} compared field by field ({fields} fields changed, all intended), {decoded} decoded; {} SOPS files untouched",
        sops.len()
    );
    assert!(changed > 0 && compared > 0);
}

/// The objects kubectl reads from a file, `metadata.labels: {}` taken as no labels (kubectl
/// writes it when it removes a label from an object without labels).
fn read_objects(kubectl: &Path, home: &Path, args: &[&str]) -> Option<Vec<Value>> {
    let (ok, out, _) = offline(kubectl, home, args);
    ok.then(|| listed_objects(&out))
}

/// kubectl's untyped reading of a file (`common::kubectl_untyped`), as `read_objects` gives it.
fn untyped_objects(kubectl: &Path, file: &Path) -> Option<Vec<Value>> {
    let out = kubectl_untyped(kubectl, file);
    out.status
        .success()
        .then(|| listed_objects(&String::from_utf8_lossy(&out.stdout)))
}

/// The objects of kubectl's JSON output, a `List`'s items each one, empty labels dropped.
fn listed_objects(json: &str) -> Vec<Value> {
    objects(json)
        .into_iter()
        .flat_map(|v| match v["kind"].as_str() {
            Some("List") => v["items"].as_array().cloned().unwrap_or_default(),
            _ => vec![v],
        })
        .map(|mut v| {
            if let Some(m) = v["metadata"].as_object_mut()
                && m.get("labels")
                    .is_some_and(|l| l.as_object().is_some_and(|l| l.is_empty()))
            {
                m.remove("labels");
            }
            v
        })
        .collect()
}

/// The mutated corpus and GitOps repository (`mutate`), labelled, converted and migrated:
/// each command either writes what kubectl would make of the file (`kubectl label --local`
/// as the oracle; a converted DaemonSet keeps no `replicas` or `strategy`, merged in or not)
/// or refuses with exit 1, a reason and the file untouched; a SOPS file is never written.
#[test]
#[cfg_attr(
    any(kure_no_shared, kure_no_peers),
    ignore = "needs ../shared/corpus, ../shared/gitops and the peer tools (../shared/tools/install-peers.sh)"
)]
fn mutated_manifests_are_labelled_converted_and_migrated_as_kubectl_would() {
    let Some(kubectl) = common::require_kubectl() else {
        return;
    };
    let Some(corpus) = common::require_corpus() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    // up to 12 files of each mutation, spread over both trees
    let mut picked: Vec<(usize, String, String)> = Vec::new();
    let mut per_kind = [0usize; 5];
    for m in mutated_files(&corpus) {
        if per_kind[m.kind] >= 12 || m.original.contains("{{") {
            continue;
        }
        per_kind[m.kind] += 1;
        picked.push((m.kind, m.original, m.mutated));
    }
    assert!(per_kind.iter().all(|&n| n > 0), "{per_kind:?}");
    let dir = tmp.path().join("work");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("m.yaml");
    let p = path.to_str().unwrap();
    let (mut written, mut refused, mut agreed) = (0, 0, 0);
    for (kind, _, m) in &picked {
        let label_key = m.lines().find_map(|l| {
            l.strip_prefix("    ")?
                .split_once(": &label ")
                .map(|(k, _)| k.to_string())
        });
        let mut ops: Vec<Vec<String>> = vec![vec!["kure-check=yes".into()]];
        if let Some(k) = label_key {
            ops.push(vec![format!("{k}-")]);
            ops.push(vec!["--overwrite".into(), format!("{k}=changed")]);
        }
        for op in &ops {
            std::fs::write(&path, m).unwrap();
            let mut kubectl_args = vec!["label", "--local", "-o", "json", "-f", p];
            kubectl_args.extend(op.iter().map(String::as_str));
            let want = read_objects(&kubectl, &home, &kubectl_args);
            let mut args = vec!["label", "-f", p];
            args.extend(op.iter().map(String::as_str));
            let r = run(&args, Some(&dir));
            let after = std::fs::read_to_string(&path).unwrap();
            if *kind == 1 {
                assert_eq!(&after, m, "a SOPS file was labelled");
                assert_ne!(r.code, 0, "{}", r.stderr);
                assert!(r.stderr.contains("SOPS"), "{}", r.stderr);
                refused += 1;
                continue;
            }
            match r.code {
                0 => {
                    let Some(want) = want else {
                        // kubectl cannot read it (say, a kind it cannot label); kure wrote it
                        continue;
                    };
                    let got = untyped_objects(&kubectl, &path).unwrap_or_else(|| {
                        panic!("{op:?}: kure wrote what kubectl cannot read:\n{after}")
                    });
                    assert_eq!(got, want, "{op:?} on\n{m}\nkure wrote\n{after}");
                    written += usize::from(&after != m);
                    agreed += 1;
                }
                1 => {
                    assert_eq!(&after, m, "{op:?}: refused, yet written");
                    assert!(
                        r.stderr.contains("refused") || r.stderr.contains("cannot"),
                        "{}",
                        r.stderr
                    );
                    refused += 1;
                }
                _ => assert!(want.is_none(), "{op:?} on\n{m}\n{}", r.stderr),
            }
        }
    }
    // convert: replicas (and the strategy) merged into a Deployment's spec
    let mut converted = 0;
    for (_, text, _) in &picked {
        let Some(merged) = text.contains("kind: Deployment\n").then(|| {
            text.lines()
                .map(|l| match l.strip_prefix("  replicas: ") {
                    Some(n) if n.chars().all(|c| c.is_ascii_digit()) => {
                        format!("  <<: {{replicas: {n}, strategy: {{type: Recreate}}}}\n")
                    }
                    _ => format!("{l}\n"),
                })
                .collect::<String>()
        }) else {
            continue;
        };
        if !merged.contains("<<:") || merged.contains("\n  strategy:") {
            continue;
        }
        std::fs::write(&path, &merged).unwrap();
        let r = run(&["convert", "--to", "daemonset", p], Some(&dir));
        let after = std::fs::read_to_string(&path).unwrap();
        match r.code {
            0 => {
                let got = untyped_objects(&kubectl, &path).unwrap();
                for o in got.iter().filter(|o| o["kind"] == "DaemonSet") {
                    assert!(o["spec"]["replicas"].is_null(), "{after}");
                    assert!(o["spec"]["strategy"].is_null(), "{after}");
                    converted += 1;
                }
            }
            _ => {
                assert_eq!(after, merged, "refused, yet written");
                assert!(!r.stderr.is_empty());
            }
        }
    }
    assert!(converted > 0);
    // migrate: the mutated tree moves to 1.37's apiVersions; no SOPS file is written and
    // every changed file is still read by kubectl
    let tree = tmp.path().join("tree");
    for (n, (kind, _, m)) in picked.iter().enumerate() {
        let f = tree.join(format!("{kind}-{n}.yaml"));
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(&f, m).unwrap();
    }
    let r = run(
        &["migrate", "--to-version", "1.37", "--deprecated", "."],
        Some(&tree),
    );
    assert!(r.code <= 2, "{}", r.stderr);
    for (n, (kind, _, m)) in picked.iter().enumerate() {
        let f = tree.join(format!("{kind}-{n}.yaml"));
        let after = std::fs::read_to_string(&f).unwrap();
        if *kind == 1 {
            assert_eq!(&after, m, "a SOPS file was migrated");
        } else if &after != m {
            assert!(untyped_objects(&kubectl, &f).is_some(), "{after}");
        }
    }
    println!(
        "{per_kind:?} files per mutation: {agreed} labellings agreed with kubectl ({written} written), {refused} refused with a reason; {converted} DaemonSets converted without merged replicas"
    );
    assert!(agreed > 0 && written > 0);
}
