//! The CI formats: GitHub workflow commands, exact and escaped; JUnit XML that an XML parser
//! reads back with a suite per file and a failure per finding.

mod common;
use common::*;

const BAD: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    x: \"50%\"\n    active: yes\n";
const GOOD: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\n";

#[test]
fn github_workflow_commands() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a,b.yaml", BAD);
    write(dir.path(), "good.yaml", GOOD);
    let r = run(
        &["lint", "--format", "github", "a,b.yaml", "good.yaml"],
        Some(dir.path()),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "::error file=a%2Cb.yaml,line=6,col=8,endLine=6,endColumn=13,title=kure (invalid-label)::metadata.labels: Invalid value: \"50%25\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')\n\
         ::error file=a%2Cb.yaml,line=7,col=13,endLine=7,endColumn=16,title=kure (non-string-value)::`yes` is read as boolean true; labels need a string\n"
    );
    // machine output carries no summary line
    assert_eq!(r.stderr, "");
}

#[test]
fn junit_reads_back_as_a_suite_per_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.yaml", BAD);
    write(dir.path(), "good.yaml", GOOD);
    let r = run(
        &["lint", "--format", "junit=report.xml", "."],
        Some(dir.path()),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let xml = std::fs::read_to_string(dir.path().join("report.xml")).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("failures"), Some("2"), "{xml}");
    let suites: Vec<(String, Vec<(String, bool)>)> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .map(|s| {
            let cases = s
                .children()
                .filter(|n| n.has_tag_name("testcase"))
                .map(|c| {
                    let failed = c.children().any(|f| f.has_tag_name("failure"));
                    (c.attribute("name").unwrap().to_string(), failed)
                })
                .collect();
            (s.attribute("name").unwrap().to_string(), cases)
        })
        .collect();
    assert_eq!(
        suites,
        vec![
            (
                "./bad.yaml".to_string(),
                vec![
                    ("invalid-label at 6:8".to_string(), true),
                    ("non-string-value at 7:13".to_string(), true)
                ]
            ),
            ("./good.yaml".to_string(), vec![("kure".to_string(), false)]),
        ]
    );
}

#[test]
#[cfg_attr(
    kure_no_peers,
    ignore = "the peer tools are absent (run ../shared/tools/install-peers.sh)"
)]
fn sarif_passes_the_reference_validator() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.yaml", BAD);
    write(dir.path(), "good.yaml", GOOD);
    let r = run(
        &["lint", "--format", "sarif=out.sarif", "."],
        Some(dir.path()),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let text = std::fs::read_to_string(dir.path().join("out.sarif")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let run0 = &v["runs"][0];
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(run0["columnKind"], "unicodeCodePoints");
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "service-selector-no-match"));
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{text}");
    let nsv = &results[1];
    assert_eq!(nsv["ruleId"], "non-string-value");
    assert_eq!(
        rules[nsv["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "non-string-value"
    );
    let loc = &nsv["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "bad.yaml");
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(loc["region"]["startLine"], 7);
    assert_eq!(loc["region"]["startColumn"], 13);
    assert_eq!(loc["region"]["endColumn"], 16);
    let replacement = &nsv["fixes"][0]["artifactChanges"][0]["replacements"][0];
    let start = BAD.find("yes").unwrap();
    assert_eq!(replacement["deletedRegion"]["byteOffset"], start);
    assert_eq!(replacement["deletedRegion"]["byteLength"], 3);
    assert_eq!(replacement["insertedContent"]["text"], "\"yes\"");

    let Some(validator) = require_peer("sarif-multitool") else {
        return;
    };
    let out = std::process::Command::new(validator)
        .args(["validate"])
        .arg(dir.path().join("out.sarif"))
        .output()
        .unwrap();
    let report =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    let problems: Vec<&str> = report
        .lines()
        .filter(|l| l.contains(": error ") || l.contains(": warning "))
        // kure's Cargo.toml names no repository, so the driver has no informationUri
        .filter(|l| {
            !(l.contains("SARIF2005")
                && option_env!("CARGO_PKG_REPOSITORY").is_none_or(str::is_empty))
        })
        .collect();
    assert!(out.status.success(), "{report}");
    assert!(problems.is_empty(), "{report}");
}

/// A file with one warning and nothing worse.
const WARN: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: w\n  uid: 1234\n";

#[test]
fn ci_switches() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.yaml", BAD);
    write(dir.path(), "warn.yaml", WARN);
    let code = |args: &[&str]| run(args, Some(dir.path())).code;
    // warnings fail only from --fail-on warning down
    assert_eq!(code(&["lint", "warn.yaml"]), 0);
    assert_eq!(code(&["lint", "--fail-on", "warning", "warn.yaml"]), 1);
    assert_eq!(code(&["lint", "--fail-on", "info", "warn.yaml"]), 1);
    assert_eq!(code(&["lint", "bad.yaml"]), 1);
    assert_eq!(code(&["lint", "--exit-zero", "bad.yaml"]), 0);
    assert_eq!(code(&["lint", "--exit-zero", "missing.yaml"]), 2);
    // --quiet: the findings, no summary line
    let r = run(
        &["lint", "-q", "--format", "concise", "bad.yaml"],
        Some(dir.path()),
    );
    assert_eq!(r.stdout.lines().count(), 2, "{}", r.stdout);
    assert_eq!(r.stderr, "");
    // --statistics: per rule, most first, `[*]` where a fix exists
    let r = run(&["lint", "-q", "--statistics", "."], Some(dir.path()));
    assert_eq!(
        r.stdout,
        "1  invalid-label\n1  non-string-value [*]\n1  server-populated-field [*]\n"
    );
    // --color
    let r = run(&["lint", "--color", "always", "bad.yaml"], Some(dir.path()));
    assert!(r.stdout.contains("\u{1b}["), "{}", r.stdout);
    let r = run(&["lint", "--color", "never", "bad.yaml"], Some(dir.path()));
    assert!(!r.stdout.contains("\u{1b}["), "{}", r.stdout);
}

/// Human output: the rule ends the header line (no line holding only a rule id), places in
/// other files follow without an empty `Advice:` heading, and paths carry no leading `./`.
#[test]
fn human_output_reads_cleanly() {
    let example = repo_root().join("testdata/example");
    let r = run(&["lint", "."], Some(&example));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let ids: Vec<String> = r
        .stdout
        .lines()
        .filter(|l| l.trim_start().starts_with('×') || l.trim_start().starts_with('⚠'))
        .map(|l| l.to_string())
        .collect();
    assert!(!ids.is_empty());
    for line in r.stdout.lines() {
        let t = line.trim();
        assert!(
            t.is_empty() || !t.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "a line with only a rule id: {line:?}\n{}",
            r.stdout
        );
        assert!(!t.starts_with("Advice:"), "{}", r.stdout);
        assert!(!line.contains(" ./") && !line.contains("[./"), "{line:?}");
    }
    assert!(
        r.stdout.contains("× dockercoins/webui-service.yaml:8:3: selector `app=web-ui` matches no pod template [service-selector-no-match]"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "☞ dockercoins/webui.yaml:12:7: the pod template of Deployment/webui has `app: webui`"
        ),
        "{}",
        r.stdout
    );
}

/// `help_uri` comes from Cargo.toml's `repository`: this build names none, so the JSON
/// output carries no such field rather than a made-up address.
#[test]
fn json_help_uri_follows_the_repository_key() {
    let manifest = std::fs::read_to_string(repo_root().join("Cargo.toml")).unwrap();
    let has_repo = manifest
        .lines()
        .any(|l| l.trim_start().starts_with("repository"));
    let (_, v) = lint_json(
        &["testdata/example/dockercoins/rng-service.yaml"],
        &["--isolated"],
        Some(&repo_root()),
    );
    let d = &v["diagnostics"][0];
    assert_eq!(d.get("help_uri").is_some(), has_repo, "{d}");
}

/// A related place far from the finding in the same file gets a snippet of its own: the
/// lines between are not printed. A near one shares the finding's snippet.
#[test]
fn far_related_places_in_one_file_get_their_own_snippet() {
    let dir = tempfile::tempdir().unwrap();
    let filler: String = (0..30).map(|i| format!("  k{i}: v\n")).collect();
    write(
        dir.path(),
        "app.yaml",
        &format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: filler\ndata:\n{filler}---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  minAvailable: 2\n  selector:\n    matchLabels:\n      app: web\n"
        ),
    );
    let r = run(
        &[
            "lint",
            "--color",
            "never",
            "--select",
            "pdb-blocks-eviction",
            ".",
        ],
        Some(dir.path()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("☞ app.yaml:6:3: Deployment/web runs 2 (replicas)"),
        "{}",
        r.stdout
    );
    // the ConfigMap between the two places is not printed
    assert!(!r.stdout.contains("k15: v"), "{}", r.stdout);
    assert!(r.stdout.contains("minAvailable: 2"), "{}", r.stdout);
}

#[test]
fn junit_fails_only_the_findings_that_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    // a warning (a server-written field) and an error (a label value)
    write(
        dir.path(),
        "w.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  uid: 0b5d9c8e-2f1a-4a4e-9d55-1a2b3c4d5e6f\n  labels:\n    x: \"50%\"\n",
    );
    // (rule, failed, severity property, system-out)
    let cases = |fail_on: Option<&str>| {
        let mut args = vec!["lint", "--format", "junit", "w.yaml"];
        if let Some(f) = fail_on {
            args.extend(["--fail-on", f]);
        }
        let r = run(&args, Some(dir.path()));
        assert_eq!(r.code, 1, "{}", r.stderr);
        let doc = roxmltree::Document::parse(&r.stdout).unwrap();
        let failures = doc
            .root_element()
            .attribute("failures")
            .unwrap()
            .to_string();
        let cases: Vec<(String, bool, String, String)> = doc
            .descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .map(|c| {
                let property = |name: &str| {
                    c.descendants()
                        .find(|p| p.has_tag_name("property") && p.attribute("name") == Some(name))
                        .and_then(|p| p.attribute("value"))
                        .unwrap_or_default()
                        .to_string()
                };
                let out = c
                    .children()
                    .find(|n| n.has_tag_name("system-out"))
                    .and_then(|n| n.text())
                    .unwrap_or_default()
                    .to_string();
                assert_eq!(
                    property("rule"),
                    c.attribute("name").unwrap().split(' ').next().unwrap()
                );
                (
                    c.attribute("name").unwrap().to_string(),
                    c.children().any(|f| f.has_tag_name("failure")),
                    property("severity"),
                    out,
                )
            })
            .collect();
        (failures, cases)
    };
    // by default only errors fail: the warning is a passing case that still says what it found
    assert_eq!(
        cases(None),
        (
            "1".to_string(),
            vec![
                (
                    "server-populated-field at 5:3".to_string(),
                    false,
                    "warning".to_string(),
                    "w.yaml:5:3: warning[server-populated-field] `metadata.uid` is written by the server".to_string()
                ),
                ("invalid-label at 7:8".to_string(), true, "error".to_string(), String::new()),
            ]
        )
    );
    let (failures, all) = cases(Some("warning"));
    assert_eq!(failures, "2");
    assert!(all.iter().all(|(_, failed, _, _)| *failed), "{all:?}");
}

#[test]
fn ci_formats_name_files_from_the_repository_root_wherever_kure_runs() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    write(dir.path(), "k8s/apps/bad.yaml", BAD);
    let github = |cwd: &std::path::Path, path: &str| {
        let r = run(&["lint", "--format", "github", path], Some(cwd));
        assert_eq!(r.code, 1, "{}", r.stderr);
        r.stdout
            .lines()
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let expected = vec!["::error file=k8s/apps/bad.yaml".to_string(); 2];
    assert_eq!(github(dir.path(), "k8s"), expected);
    assert_eq!(github(dir.path(), "./k8s/apps/bad.yaml"), expected);
    assert_eq!(github(&dir.path().join("k8s"), "."), expected);
    assert_eq!(github(&dir.path().join("k8s/apps"), "bad.yaml"), expected);
    // SARIF: the same path, against the repository root
    let r = run(
        &["lint", "--format", "sarif", "."],
        Some(&dir.path().join("k8s/apps")),
    );
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let run0 = &v["runs"][0];
    let location = &run0["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(location["uri"], "k8s/apps/bad.yaml", "{location}");
    assert_eq!(location["uriBaseId"], "%SRCROOT%");
    let root = run0["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    let real = dir.path().canonicalize().unwrap();
    assert!(
        root == format!("file://{}/", dir.path().display())
            || root == format!("file://{}/", real.display()),
        "{root}"
    );
}

/// A finding whose message and help hold long code spans (`kubectl delete deployment rng
/// -n dockercoins`), rendered at `COLUMNS` 60 and 200, and piped without `COLUMNS`.
#[test]
fn human_output_wraps_to_the_width_and_never_inside_a_code_span() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: rng\n  namespace: dockercoins\nspec:\n  selector:\n    matchLabels:\n      app: rng\n  template:\n    metadata:\n      labels:\n        app: rng\n    spec:\n      containers:\n      - name: rng\n        image: dockercoins/rng:v0.1\n";
    write(d, "rng.yaml", deployment);
    git(d, &["init", "-q"]);
    git(d, &["add", "-A"]);
    git(d, &["commit", "-qm", "rng"]);
    write(
        d,
        "rng.yaml",
        &deployment.replace("kind: Deployment", "kind: DaemonSet"),
    );
    let render = |columns: Option<&str>| {
        let mut c = kure();
        c.args(["lint", "--base", "HEAD", "--color", "never", "."])
            .current_dir(d)
            .env_remove("COLUMNS");
        if let Some(n) = columns {
            c.env("COLUMNS", n);
        }
        String::from_utf8(c.output().unwrap().stdout).unwrap()
    };
    let command = "`kubectl delete deployment rng -n dockercoins`";
    for (columns, widest) in [("60", 60), ("200", 200)] {
        let out = render(Some(columns));
        // the prose lines (not the snippet) fit, in characters
        let longest = out
            .lines()
            .filter(|l| !l.contains('│') || l.trim_start().starts_with('│'))
            .map(|l| l.chars().count())
            .max()
            .unwrap();
        assert!(
            longest <= widest,
            "COLUMNS={columns}: a line of {longest}\n{out}"
        );
        assert!(
            out.contains(command),
            "COLUMNS={columns}: the command was split\n{out}"
        );
    }
    // at 200 the help is one line; at 60 it wraps
    assert!(
        render(Some("200"))
            .lines()
            .any(|l| l.contains("help: remove the old one") && l.contains(command))
    );
    assert!(
        !render(Some("60"))
            .lines()
            .any(|l| l.contains("help: remove the old one") && l.contains("prune it (Flux"))
    );
    // piped, without COLUMNS: not wrapped at all
    let piped = render(None);
    assert!(
        piped
            .lines()
            .any(|l| l.contains("help: remove the old one") && l.contains("sync with prune)")),
        "{piped}"
    );
}
