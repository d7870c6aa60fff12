//! Hostile input: a clear finding or error naming the file, exit 1 or 2, never a crash,
//! a hang or runaway memory.

mod common;
use common::*;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Runs `kure lint --format json` with a deadline; panics on a crash (exit 101 or a signal)
/// or a hang.
fn lint_bounded(dir: &Path, paths: &[&str]) -> (i32, serde_json::Value) {
    lint_bounded_with(dir, &[], paths)
}

fn lint_bounded_with(dir: &Path, extra: &[&str], paths: &[&str]) -> (i32, serde_json::Value) {
    let mut child = kure()
        .arg("lint")
        .arg("--format")
        .arg("json")
        .args(extra)
        .args(paths)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("kure hung on {paths:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("kure was killed by a signal on {paths:?}"));
    assert_ne!(
        code,
        101,
        "kure panicked: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (code, v)
}

fn error_for<'a>(v: &'a serde_json::Value, path: &str) -> Option<&'a str> {
    v["summary"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == path)
        .map(|e| e["message"].as_str().unwrap())
}

fn parse_error_in(v: &serde_json::Value, path: &str) -> Option<String> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["path"] == path && d["rule"] == "parse-error")
        .map(|d| d["message"].as_str().unwrap().to_string())
}

/// A ConfigMap whose nine aliases of nine aliases expand to 9^9 strings, with `extra` (a
/// fixable field, say) before its data.
fn laughs(extra: &str) -> String {
    let mut text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: lol}}\n{extra}data:\n  a: &a [{}]\n",
        ["\"lol\""; 9].join(",")
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        text.push_str(&format!(
            "  {}: &{} [{}]\n",
            w[1],
            w[1],
            vec![format!("*{}", w[0]); 9].join(",")
        ));
    }
    text
}

#[test]
fn billion_laughs() {
    let dir = tempfile::tempdir().unwrap();
    let text = laughs("");
    write(dir.path(), "lol.yaml", &text);
    let (code, v) = lint_bounded(dir.path(), &["lol.yaml"]);
    assert_eq!(code, 1);
    assert!(
        parse_error_in(&v, "lol.yaml")
            .unwrap()
            .contains("excessive aliasing")
    );
}

#[test]
fn deep_nesting_block_and_flow() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "flow.yaml",
        &format!("a: {}", "[".repeat(100_000)),
    );
    // 100,000 nested block sequences on one line: `- - - ... x`
    write(
        dir.path(),
        "block.yaml",
        &format!("{}x\n", "- ".repeat(100_000)),
    );
    // and block mappings as deep as indentation allows in a few MB
    let mut deep = String::new();
    for i in 0..2_000usize {
        deep.push_str(&" ".repeat(i));
        deep.push_str("k:\n");
    }
    write(dir.path(), "seq.yaml", &deep);
    let (code, v) = lint_bounded(dir.path(), &["flow.yaml", "block.yaml", "seq.yaml"]);
    assert_eq!(code, 1);
    assert!(parse_error_in(&v, "flow.yaml").is_some());
    assert!(parse_error_in(&v, "block.yaml").is_some());
    assert!(parse_error_in(&v, "seq.yaml").is_some());
}

#[test]
fn nul_bytes_binary_and_non_utf8() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("nul.yaml"),
        b"apiVersion: v1\nkind: ConfigMap\x00\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("binary.yaml"),
        [0x89u8, b'P', b'N', b'G', 0, 0, 0, 13, 0xff, 0xfe],
    )
    .unwrap();
    std::fs::write(
        dir.path().join("latin1.yaml"),
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n",
    )
    .unwrap();
    let (code, v) = lint_bounded(dir.path(), &["."]);
    assert_eq!(code, 2);
    assert!(
        error_for(&v, "./nul.yaml")
            .unwrap()
            .contains("NUL byte at line 2")
    );
    assert!(error_for(&v, "./binary.yaml").unwrap().contains("binary"));
    assert!(
        error_for(&v, "./latin1.yaml")
            .unwrap()
            .contains("not UTF-8: invalid byte at line 3")
    );
    assert_eq!(v["summary"]["files"], 3);
}

#[test]
fn empty_file_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "zero.yaml", "");
    let (code, v) = lint_bounded(dir.path(), &["zero.yaml"]);
    assert_eq!(code, 0);
    assert_eq!(v["summary"]["skipped"][0]["reason"], "empty");
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "real/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
    );
    std::os::unix::fs::symlink("../real", dir.path().join("real/loop")).unwrap();
    std::os::unix::fs::symlink("a.yaml", dir.path().join("b.yaml")).unwrap();
    std::os::unix::fs::symlink("b.yaml", dir.path().join("a.yaml")).unwrap();
    let (code, v) = lint_bounded(dir.path(), &["."]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["summary"]["files"], 1);
    // named explicitly, a looping link is an error naming it
    let (code, v) = lint_bounded(dir.path(), &["a.yaml"]);
    assert_eq!(code, 2);
    assert!(error_for(&v, "a.yaml").is_some(), "{v}");
}

/// An unreadable file is an error of the run, not a finding, and the others are still
/// linted. Root reads a mode-000 file, so as root the run drops to `nobody` (setpriv).
#[cfg(unix)]
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let p = write(
        dir.path(),
        "secret.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
    );
    let ok = write(
        dir.path(),
        "ok.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y}\n",
    );
    std::fs::set_permissions(&ok, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    let out = kure_unprivileged()
        .args(["lint", "--format", "json", "."])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("run kure (as root this needs setpriv, from util-linux)");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(2), "{v}");
    assert!(
        error_for(&v, "./secret.yaml").unwrap().contains("denied"),
        "{v}"
    );
    assert_eq!(v["summary"]["linted"], 1);
}

#[test]
fn huge_scalar() {
    let dir = tempfile::tempdir().unwrap();
    let mut text =
        String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  blob: ");
    text.push_str(&"x".repeat(64 * 1024 * 1024));
    text.push('\n');
    write(dir.path(), "big.yaml", &text);
    let mut small =
        String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  blob: ");
    small.push_str(&"x".repeat(8 * 1024 * 1024));
    small.push_str("\n  mode: 0777\n");
    write(dir.path(), "eight.yaml", &small);
    let (code, v) = lint_bounded(dir.path(), &["big.yaml", "eight.yaml"]);
    assert_eq!(code, 2);
    assert!(error_for(&v, "big.yaml").unwrap().contains("limit"));
    // an 8 MiB scalar is read, and the finding after it is at the right line
    let f: Vec<_> = findings(&v);
    assert_eq!(f, vec![("non-string-value".to_string(), 6, 9)]);
}

/// Every hostile file at once, through `kure lint --fix --unsafe-fixes`: no crash or hang, and
/// not one byte of them changes; a fixable file among them is still fixed.
#[test]
fn fixing_hostile_input_changes_nothing_it_should_not() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "flow.yaml",
        &format!("status: {{}}\na: {}", "[".repeat(100_000)),
    );
    write(d, "block.yaml", &format!("{}x\n", "- ".repeat(100_000)));
    std::fs::write(
        d.join("nul.yaml"),
        b"apiVersion: v1\nkind: ConfigMap\0\nstatus: {}\n",
    )
    .unwrap();
    std::fs::write(
        d.join("latin1.yaml"),
        b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\nstatus: {}\n",
    )
    .unwrap();
    write(d, "empty.yaml", "");
    // aliases nested 1,000 deep (under the expansion limit) around a fixable field
    let mut chain = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: chain\n  uid: x\nx:\n  a0: &a0 [z]\n",
    );
    for i in 1..1000 {
        chain.push_str(&format!("  a{i}: &a{i} [*a{}]\n", i - 1));
    }
    write(d, "chain.yaml", &chain);
    let lol = laughs("status: {}\n");
    write(d, "lol.yaml", &lol);
    let before: Vec<(String, Vec<u8>)> = ["flow", "block", "nul", "latin1", "empty", "lol"]
        .iter()
        .map(|n| {
            let name = format!("{n}.yaml");
            let bytes = std::fs::read(d.join(&name)).unwrap();
            (name, bytes)
        })
        .collect();
    let (code, v) = lint_bounded_with(d, &["--fix", "--unsafe-fixes"], &["."]);
    assert_eq!(code, 2, "{v}");
    for (name, bytes) in before {
        assert_eq!(
            std::fs::read(d.join(&name)).unwrap(),
            bytes,
            "{name} changed"
        );
    }
    assert_eq!(v["summary"]["fixes"]["files_changed"], 1);
    let fixed = std::fs::read_to_string(d.join("chain.yaml")).unwrap();
    assert_eq!(fixed, chain.replace("  uid: x\n", ""));
}

/// Counts at the edge of 64 bits in a budget's arithmetic: no overflow, no finding that
/// arithmetic cannot support.
#[test]
fn huge_counts_in_a_disruption_budget() {
    let dir = tempfile::tempdir().unwrap();
    let deployment = |name: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 9223372036854775807\n  selector:\n    matchLabels: {{app: big}}\n  template:\n    metadata:\n      labels: {{app: big}}\n    spec:\n      containers: [{{name: c, image: c}}]\n"
        )
    };
    write(
        dir.path(),
        "app.yaml",
        &format!(
            "{}---\n{}---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: small\nspec:\n  selector:\n    matchLabels: {{app: small}}\n  template:\n    metadata:\n      labels: {{app: small}}\n    spec:\n      containers: [{{name: c, image: c}}]\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: small\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels: {{app: small}}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: big\nspec:\n  minAvailable: 99999999999999999%\n  selector:\n    matchLabels: {{app: big}}\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: all\nspec:\n  minAvailable: 9223372036854775807\n  selector:\n    matchLabels: {{app: big}}\n",
            deployment("a"),
            deployment("b")
        ),
    );
    let (_, v) = lint_bounded_with(dir.path(), &["--select", "pdb-blocks-eviction"], &["."]);
    // the two big Deployments' sum passes 64 bits: no count, no judgement (not a wrapped
    // or saturated one); the small budget beside them is judged as usual
    let found: Vec<String> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["object"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(found, vec!["small".to_string()], "{v}");
}
