//! `.pre-commit-hooks.yaml`, run for real: `pre-commit try-repo` builds kure from this
//! repository (cargo, inside pre-commit's environment) and runs the `kure` hook on a bad and a
//! good staged file, `kure-fix` on the bad one, and `kure-base` on a staged selector change. The build takes a minute or two, so the
//! test runs under `CI=true` (where `.ci/run` has installed pre-commit) or with
//! `KURE_TEST_PRECOMMIT=1`, and says so otherwise.

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

/// `pre-commit try-repo <kure> HOOK --files FILE` in `dir`: exit code and output.
fn try_repo(pre_commit: &Path, home: &Path, dir: &Path, hook: &str, file: &str) -> (i32, String) {
    let out = Command::new(pre_commit)
        .arg("try-repo")
        .arg(repo_root())
        .args([hook, "--files", file])
        .env("PRE_COMMIT_HOME", home)
        // each try-repo builds kure afresh; one target directory (not the one `cargo test`
        // holds) lets the later builds reuse the first's work
        .env(
            "CARGO_TARGET_DIR",
            repo_root().join("target/pre-commit-build"),
        )
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .output()
        .expect("pre-commit runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    eprintln!("$ pre-commit try-repo <kure> {hook} --files {file}\n{text}");
    (out.status.code().unwrap_or(-1), text)
}

const BAD: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n    active: yes\n  ports:\n  - port: 80\n";
const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n        active: \"yes\"\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n";

#[test]
#[cfg_attr(
    not(kure_precommit),
    ignore = "builds kure inside pre-commit (a minute or two): set KURE_TEST_PRECOMMIT=1, or run under CI=true"
)]
#[cfg_attr(
    all(kure_precommit, kure_no_peers),
    ignore = "the peer tools are absent (run ../shared/tools/install-peers.sh)"
)]
fn the_hooks_run_under_pre_commit() {
    if !in_ci() && std::env::var_os("KURE_TEST_PRECOMMIT").is_none() {
        skip(
            "the pre-commit test builds kure inside pre-commit (a minute or two): set KURE_TEST_PRECOMMIT=1, or run it under CI=true",
        );
        return;
    }
    let Some(pre_commit) = require_peer("pre-commit") else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    git(d, &["init", "-q"]);
    write(d, "k8s/deployment.yaml", DEPLOYMENT);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-qm", "the Deployment"]);
    // a bad staged file: `active: yes` is a boolean, so the selector is refused
    write(d, "k8s/service.yaml", BAD);
    git(d, &["add", "k8s/service.yaml"]);
    let (code, out) = try_repo(&pre_commit, home.path(), d, "kure", "k8s/service.yaml");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("kure lint"), "{out}");
    assert!(out.contains("Failed"), "{out}");
    assert!(
        out.contains(
            "k8s/service.yaml:8:13: `yes` is read as boolean true; selectors need a string"
        ),
        "{out}"
    );
    // the Deployment it selects is in the repository: no dangling-selector finding
    assert!(!out.contains("service-selector-no-match"), "{out}");
    // kure-fix quotes it, and pre-commit reports the file as modified
    let (code, out) = try_repo(&pre_commit, home.path(), d, "kure-fix", "k8s/service.yaml");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("files were modified by this hook"), "{out}");
    assert_eq!(
        std::fs::read_to_string(d.join("k8s/service.yaml")).unwrap(),
        BAD.replace("active: yes", "active: \"yes\"")
    );
    // the good file passes
    git(d, &["add", "k8s/service.yaml"]);
    let (code, out) = try_repo(&pre_commit, home.path(), d, "kure", "k8s/service.yaml");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Passed"), "{out}");
    // kure-base: a staged selector change is refused by the API server; kure alone passes
    git(d, &["commit", "-qm", "the Service"]);
    write(
        d,
        "k8s/deployment.yaml",
        &DEPLOYMENT.replace(
            "      app: web\n  template",
            "      app: web\n      active: \"yes\"\n  template",
        ),
    );
    git(d, &["add", "k8s/deployment.yaml"]);
    let (code, out) = try_repo(&pre_commit, home.path(), d, "kure", "k8s/deployment.yaml");
    assert_eq!(code, 0, "{out}");
    let (code, out) = try_repo(
        &pre_commit,
        home.path(),
        d,
        "kure-base",
        "k8s/deployment.yaml",
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "k8s/deployment.yaml:9:7: `spec.selector.matchLabels.active` added since HEAD"
        ),
        "{out}"
    );
}
