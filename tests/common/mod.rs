#![allow(dead_code)]
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn kure() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kure"))
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(args: &[&str], cwd: Option<&Path>) -> Run {
    let mut cmd = kure();
    cmd.args(args).env("NO_COLOR", "1").stdin(Stdio::null());
    if let Some(d) = cwd {
        cmd.current_dir(d);
    }
    to_run(cmd.output().expect("run kure"))
}

pub fn run_stdin(args: &[&str], input: &[u8]) -> Run {
    use std::io::Write;
    let mut child = kure()
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kure");
    // kure may refuse the command line and exit before it reads its input
    if let Err(e) = child.stdin.take().unwrap().write_all(input) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    to_run(child.wait_with_output().unwrap())
}

fn to_run(o: Output) -> Run {
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// `kure lint --format json` on paths; the parsed document.
pub fn lint_json(paths: &[&str], extra: &[&str], cwd: Option<&Path>) -> (i32, serde_json::Value) {
    let mut args = vec!["lint", "--format", "json"];
    args.extend_from_slice(extra);
    args.extend_from_slice(paths);
    let r = run(&args, cwd);
    let v: serde_json::Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("bad json ({e}): {}\n{}", r.stdout, r.stderr));
    (r.code, v)
}

/// `(rule, line, column, message)` of every diagnostic.
pub fn findings_with_messages(v: &serde_json::Value) -> Vec<(String, u64, u64, String)> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_string(),
                d["span"]["start"]["line"].as_u64().unwrap(),
                d["span"]["start"]["column"].as_u64().unwrap(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A diagnostic's (or related span's) path as a person reads it: no leading `./`.
pub fn path_of(d: &serde_json::Value) -> String {
    d["path"]
        .as_str()
        .unwrap()
        .trim_start_matches("./")
        .to_string()
}

/// `(path as shown, rule, line, column)` of every diagnostic, sorted.
pub fn findings_by_path(v: &serde_json::Value) -> Vec<(String, String, u64, u64)> {
    let mut all: Vec<(String, String, u64, u64)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["rule"].as_str().unwrap().to_string(),
                d["span"]["start"]["line"].as_u64().unwrap(),
                d["span"]["start"]["column"].as_u64().unwrap(),
            )
        })
        .collect();
    all.sort();
    all
}

/// `(rule, line, column)` of every diagnostic.
pub fn findings(v: &serde_json::Value) -> Vec<(String, u64, u64)> {
    findings_with_messages(v)
        .into_iter()
        .map(|(rule, line, column, _)| (rule, line, column))
        .collect()
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, text).unwrap();
    p
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn corpus() -> Option<PathBuf> {
    let p = repo_root().join("../shared/corpus");
    p.is_dir().then_some(p)
}

/// `$PEERS/bin/kubectl` (../shared/tools/install-peers.sh; `$PEERS` defaults to
/// `~/.local/kure-peers`), when it is installed.
pub fn peers_kubectl() -> Option<PathBuf> {
    peer("kubectl")
}

/// `$PEERS/bin/NAME`, when ../shared/tools/install-peers.sh installed it.
pub fn peer(name: &str) -> Option<PathBuf> {
    let peers = std::env::var_os("PEERS")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/kure-peers")))?;
    let k = peers.join("bin").join(name);
    k.is_file().then_some(k)
}

/// `$PEERS/bin/NAME`, or a skip (a failure under CI).
pub fn require_peer(name: &str) -> Option<PathBuf> {
    let k = peer(name);
    if k.is_none() {
        skip(&format!(
            "$PEERS/bin/{name} is absent (run ../shared/tools/install-peers.sh)"
        ));
    }
    k
}

/// Every file below `root`, by path relative to it.
pub fn files(root: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                let rel = entry.path().strip_prefix(root).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(entry.path()).unwrap());
            }
        }
    }
    out
}

/// Writes into `to` every corpus manifest with a Deployment, turned into a DaemonSet by
/// editing `kind:` (the rng story), with comment lines, blank lines and trailing comments
/// sprinkled in (deterministically), a third of the files in CRLF and a fifth with a BOM.
/// Returns how many files it wrote.
pub fn daemonset_corpus(src: &Path, to: &Path) -> usize {
    std::fs::create_dir_all(to).unwrap();
    let root = to;
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % 100
    };
    let mut n = 0;
    for (rel, bytes) in files(src) {
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        let yaml = rel.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if !yaml || !text.contains("kind: Deployment\n") || text.contains("{{") {
            continue;
        }
        let mut out = String::new();
        for line in text
            .replace("kind: Deployment\n", "kind: DaemonSet\n")
            .lines()
        {
            let indent = line.len() - line.trim_start_matches(' ').len();
            match next() {
                0..=4 => out.push_str(&format!("{}# note\n", " ".repeat(indent))),
                5..=7 => out.push('\n'),
                _ => {}
            }
            out.push_str(line);
            let t = line.trim();
            if next() < 5 && !t.is_empty() && !t.starts_with('#') && !t.ends_with(['|', '>', '-']) {
                out.push_str(" # trailing");
            }
            out.push('\n');
        }
        if n % 3 == 0 {
            out = out.replace('\n', "\r\n");
        }
        if n % 5 == 0 {
            out.insert(0, '\u{feff}');
        }
        n += 1;
        std::fs::write(root.join(format!("f{n}.yaml")), out).unwrap();
    }
    n
}

/// Whether this is a CI run (`CI=true`): there a missing peer tool or `../shared` is a
/// failure, not a skip.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Says why a test checks nothing here: a failure under CI, a visible skip elsewhere (the
/// message goes to stderr, which `cargo test` shows only for failures, so it is also
/// written to the terminal when there is one).
pub fn skip(what: &str) {
    if in_ci() {
        panic!(
            "{what}: CI=true, so this test must not skip (run ../shared/tools/install-peers.sh and put ../shared beside the repo)"
        );
    }
    let line = format!("SKIPPED: {what}\n");
    eprint!("{line}");
    use std::io::Write;
    if let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") {
        let _ = tty.write_all(line.as_bytes());
    }
}

/// kubectl from the peers, or a skip (a failure under CI).
pub fn require_kubectl() -> Option<PathBuf> {
    let k = peers_kubectl();
    if k.is_none() {
        skip("$PEERS/bin/kubectl is absent (run ../shared/tools/install-peers.sh)");
    }
    k
}

/// ../shared/corpus, or a skip (a failure under CI).
pub fn require_corpus() -> Option<PathBuf> {
    let c = corpus();
    if c.is_none() {
        skip("../shared/corpus is not present");
    }
    c
}

/// kubectl's untyped reading of a file, offline (`kubectl patch --local` with an empty
/// merge patch, `-o json`), with an empty environment and a throwaway HOME.
pub fn kubectl_untyped(kubectl: &Path, file: &Path) -> Output {
    let home = tempfile::tempdir().unwrap();
    Command::new(kubectl)
        .env_clear()
        .env("HOME", home.path())
        .args([
            "patch",
            "--local",
            "--type=merge",
            "-p",
            "{}",
            "-o",
            "json",
            "-f",
        ])
        .arg(file)
        .output()
        .unwrap()
}

/// `kure`, run as `nobody` when the tests run as root (root reads and writes past file
/// modes, so permission tests drop privileges with setpriv, from util-linux).
pub fn kure_unprivileged() -> Command {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root {
        return kure();
    }
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_kure"));
    c
}

/// Copies a directory tree (regular files and directories) as a checkout would hold it:
/// writable, whatever the source's mode (../shared is read-only, and kure leaves read-only
/// files alone).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::write(&target, std::fs::read(entry.path()).unwrap()).unwrap();
        }
    }
}

/// `git ARGS` in `dir`, with an identity for commits; panics with git's words on failure.
pub fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(["-c", "user.email=kure@example.com", "-c", "user.name=kure"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The archive the table is written from (../shared/crd-catalog), or a skip (a failure
/// under CI).
pub fn catalog_archive() -> Option<PathBuf> {
    let p = repo_root().join("../shared/crd-catalog/crds-catalog.tar.zst");
    if !p.is_file() {
        skip("../shared/crd-catalog/crds-catalog.tar.zst is not present");
        return None;
    }
    Some(p)
}

/// The archive's schemas by key (`GROUP/KIND_VERSION`, without `.json`).
pub fn catalog_schemas(path: &Path) -> Vec<(String, Vec<u8>)> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).unwrap();
    let mut tar_bytes = Vec::new();
    ruzstd::decoding::StreamingDecoder::new(file)
        .unwrap()
        .read_to_end(&mut tar_bytes)
        .unwrap();
    let mut tar = tar::Archive::new(&tar_bytes[..]);
    let mut out = Vec::new();
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let name = name.trim_start_matches("./").to_string();
        let Some(key) = name.strip_suffix(".json") else {
            continue;
        };
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        out.push((key.to_string(), bytes));
    }
    out.sort();
    out
}

/// The archive's schemas written out in its own layout under `to` (`GROUP/KIND_VERSION.json`).
pub fn extract_catalog(archive: &Path, to: &Path) -> usize {
    let schemas = catalog_schemas(archive);
    for (key, bytes) in &schemas {
        let file = to.join(format!("{key}.json"));
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, bytes).unwrap();
    }
    schemas.len()
}

/// The Python of the kubernetes-validate that ../shared/tools/install-peers.sh installs
/// (it has jsonschema, PyYAML and the Kubernetes schemas), or a skip (a failure under CI).
pub fn kubernetes_validate_python() -> Option<PathBuf> {
    let kv = require_peer("kubernetes-validate")?;
    let python = std::fs::canonicalize(&kv)
        .ok()
        .and_then(|p| p.parent().map(|d| d.join("python")))
        .filter(|p| p.is_file())
        .expect("kubernetes-validate's python");
    Some(python)
}

/// The manifests under `root` (`.yaml`, `.yml`, `.json`), relative to it, sorted.
pub fn manifest_paths(root: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = files(root)
        .into_keys()
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        })
        .collect();
    paths.sort();
    paths
}

/// Holds an oracle's disagreements to those listed, each with its reason, in `expected`
/// (a file of tests/: tab-separated lines whose last column is the reason; `#` comments).
/// Returns how many are listed.
pub fn hold_to_expected(
    disagreements: &std::collections::BTreeSet<String>,
    expected: &str,
) -> usize {
    let text = std::fs::read_to_string(repo_root().join("tests").join(expected)).unwrap();
    let listed: std::collections::BTreeSet<String> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.rsplit_once('\t').map_or(l, |x| x.0).to_string())
        .collect();
    eprintln!("{} listed disagreements", listed.len());
    let new: Vec<&str> = disagreements
        .difference(&listed)
        .map(String::as_str)
        .collect();
    let gone: Vec<&str> = listed
        .difference(disagreements)
        .map(String::as_str)
        .collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "unexplained disagreements (add each with its reason to tests/{expected}, or fix kure):\n{}\nlisted but no longer seen:\n{}",
        new.join("\n"),
        gone.join("\n")
    );
    listed.len()
}
