//! Partial-repo context: single files (a pre-commit hook's staged files, an editor buffer)
//! are linted with the rest of the repository as context for the model, and findings are
//! reported for the files given only.

mod common;
use common::*;
use std::path::Path;

const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n";
const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n";

/// A git repository with a Service and its Deployment in two files, both committed.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    write(dir.path(), "app/service.yaml", SERVICE);
    write(dir.path(), "app/deployment.yaml", DEPLOYMENT);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "init"]);
    dir
}

#[test]
fn one_file_finds_its_deployment_in_the_repository() {
    let dir = repo();
    let (code, v) = lint_json(&["app/service.yaml"], &[], Some(dir.path()));
    assert_eq!(findings(&v), vec![], "{v}");
    assert_eq!(code, 0);
    assert_eq!(v["summary"]["context_files"], 1);
    assert_eq!(v["summary"]["files"], 1);
    // the summary line says so
    let r = run(&["lint", "app/service.yaml"], Some(dir.path()));
    assert!(
        r.stderr
            .contains("1 file: 1 linted (with 1 file of context)"),
        "{}",
        r.stderr
    );
    // --isolated lints it alone
    let (code, v) = lint_json(&["--isolated", "app/service.yaml"], &[], Some(dir.path()));
    assert_eq!(
        findings(&v),
        vec![("service-selector-no-match".to_string(), 6, 3)]
    );
    assert_eq!(code, 1);
    // from a subdirectory too
    let (_, v) = lint_json(&["service.yaml"], &[], Some(&dir.path().join("app")));
    assert_eq!(findings(&v), vec![], "{v}");
}

#[test]
fn a_change_that_breaks_a_service_elsewhere_is_reported_on_the_changed_file() {
    let dir = repo();
    write(
        dir.path(),
        "app/deployment.yaml",
        &DEPLOYMENT.replace("app: web", "app: webapp"),
    );
    let (code, v) = lint_json(&["app/deployment.yaml"], &[], Some(dir.path()));
    assert_eq!(code, 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["rule"], "service-selector-no-match");
    assert_eq!(d["path"], "app/deployment.yaml");
    assert_eq!(d["span"]["start"]["line"], 11, "{d}");
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .starts_with("in app/service.yaml:6:3: selector `app=web` matches no pod template"),
        "{d}"
    );
    assert_eq!(v["diagnostics"].as_array().unwrap().len(), 1);
}

/// `kure ARGS` in `dir` with `input` on standard input: exit code and parsed JSON.
fn lint_stdin_in(dir: &Path, args: &[&str], input: &str) -> (i32, serde_json::Value) {
    use std::io::Write;
    let mut child = kure()
        .args(["lint", "--format", "json"])
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

#[test]
fn an_editor_buffer_replaces_its_file() {
    let dir = repo();
    let args = ["--stdin-filename", "app/service.yaml", "-"];
    // unchanged, the buffer is clean: no `duplicate-object` against its saved copy
    let (code, v) = lint_stdin_in(dir.path(), &args, SERVICE);
    assert_eq!(findings(&v), vec![], "{v}");
    assert_eq!(code, 0);
    assert_eq!(v["summary"]["context_files"], 1);
    // the buffer, not the saved file, is what is linted: its selector now dangles
    let (code, v) = lint_stdin_in(dir.path(), &args, &SERVICE.replace("app: web", "app: api"));
    assert_eq!(
        findings(&v),
        vec![("service-selector-no-match".to_string(), 6, 3)],
        "{v}"
    );
    assert_eq!(code, 1);
}

#[test]
fn an_untracked_file_is_not_context() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    write(dir.path(), "app/service.yaml", SERVICE);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "init"]);
    // a Deployment on disk but not in git cannot make the staged Service look served
    write(dir.path(), "app/deployment.yaml", DEPLOYMENT);
    let (code, v) = lint_json(&["app/service.yaml"], &[], Some(dir.path()));
    assert_eq!(
        findings(&v),
        vec![("service-selector-no-match".to_string(), 6, 3)]
    );
    assert_eq!(code, 1);
    // staged, it counts
    git(dir.path(), &["add", "app/deployment.yaml"]);
    let (code, v) = lint_json(&["app/service.yaml"], &[], Some(dir.path()));
    assert_eq!(findings(&v), vec![], "{v}");
    assert_eq!(code, 0);
}

#[test]
fn a_tracked_file_deleted_from_the_work_tree_is_not_context() {
    let dir = repo();
    std::fs::remove_file(dir.path().join("app/deployment.yaml")).unwrap();
    let (code, v) = lint_json(&["app/service.yaml"], &[], Some(dir.path()));
    // the Deployment is gone: the Service selects nothing, and nothing else is reported
    assert_eq!(
        findings(&v),
        vec![("service-selector-no-match".to_string(), 6, 3)]
    );
    assert_eq!(code, 1);
    assert_eq!(v["summary"]["context_files"], 0, "{v}");
    assert_eq!(v["summary"]["errors"], serde_json::json!([]), "{v}");
}

#[test]
fn outside_git_a_kure_yaml_marks_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "app/service.yaml", SERVICE);
    write(dir.path(), "app/deployment.yaml", DEPLOYMENT);
    // no repository: the file alone
    let (_, v) = lint_json(&["app/service.yaml"], &[], Some(dir.path()));
    assert_eq!(
        findings(&v),
        vec![("service-selector-no-match".to_string(), 6, 3)]
    );
    assert_eq!(v["summary"]["context_files"], 0);
    // a `.kure.yaml` above it: its directory is the repository
    write(dir.path(), ".kure.yaml", "{}\n");
    let (_, v) = lint_json(&["app/service.yaml"], &[], Some(dir.path()));
    assert_eq!(findings(&v), vec![], "{v}");
    // a directory inside the repository is linted with the rest of it, as its files are:
    // the findings do not depend on how the paths are named
    std::fs::rename(
        dir.path().join("app/deployment.yaml"),
        dir.path().join("db.yaml"),
    )
    .unwrap();
    for paths in [
        &["app"][..],
        &["app/service.yaml"],
        &["app/", "app/service.yaml"],
    ] {
        let (_, v) = lint_json(paths, &[], Some(dir.path()));
        assert_eq!(findings(&v), vec![], "{paths:?}: {v}");
        assert_eq!(v["summary"]["context_files"], 1, "{paths:?}");
    }
    // the repository itself has no context around it
    let (_, v) = lint_json(&["."], &[], Some(dir.path()));
    assert_eq!(v["summary"]["context_files"], 0);
    assert_eq!(findings(&v), vec![]);
}
