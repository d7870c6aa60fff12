//! kure as a library: a run returns values (findings with positions, a summary, typed
//! errors) and prints nothing; the run's settings decide every finding's severity.

use kure::{Error, FileErrorKind, LintOptions, Severity};
use std::path::PathBuf;

const SERVICE: &str = "\
apiVersion: v1
kind: Service
metadata:
  name: web
  labels:
    active: yes
spec:
  selector:
    app: web
  ports:
    - port: 80
";

fn write(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn options(paths: Vec<PathBuf>) -> LintOptions {
    LintOptions {
        paths,
        rules: kure::Merged {
            select: Some(vec!["non-string-value".to_string()]),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[test]
fn a_run_returns_findings_with_positions_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let svc = write(dir.path(), "svc.yaml", SERVICE);
    let r = kure::lint(&options(vec![svc])).unwrap();
    let d: Vec<_> = r
        .diagnostics
        .iter()
        .map(|d| {
            let p = d.at.location.start;
            (d.rule, d.severity, p.line, p.column)
        })
        .collect();
    assert_eq!(d, [("non-string-value", Severity::Error, 6, 13)]);
    assert_eq!(r.summary.linted, 1);
    assert_eq!(r.summary.objects, 1);
    assert!(r.changes.is_empty());
}

#[test]
fn a_severity_override_applies_to_every_finding_of_the_rule() {
    let dir = tempfile::tempdir().unwrap();
    let svc = write(dir.path(), "svc.yaml", SERVICE);
    let mut opts = options(vec![svc]);
    opts.rules.severities = vec![("non-string-value".to_string(), Severity::Info)];
    let r = kure::lint(&opts).unwrap();
    let severities: Vec<Severity> = r.diagnostics.iter().map(|d| d.severity).collect();
    assert_eq!(severities, [Severity::Info]);
}

#[test]
fn an_override_never_raises_a_finding_the_rule_ranks_lower() {
    // in a file only kustomize reads, `yes` stays a string: non-string-value warns there,
    // and a repository raising the rule to error does not turn that warning into an error
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "kustomization.yaml",
        "resources:\n  - svc.yaml\n",
    );
    let svc = write(dir.path(), "svc.yaml", SERVICE);
    let mut opts = options(vec![svc]);
    opts.rules.severities = vec![("non-string-value".to_string(), Severity::Error)];
    let r = kure::lint(&opts).unwrap();
    let severities: Vec<Severity> = r.diagnostics.iter().map(|d| d.severity).collect();
    assert_eq!(severities, [Severity::Warning]);
    opts.rules.severities = vec![("non-string-value".to_string(), Severity::Info)];
    let r = kure::lint(&opts).unwrap();
    let severities: Vec<Severity> = r.diagnostics.iter().map(|d| d.severity).collect();
    assert_eq!(severities, [Severity::Info]);
}

#[test]
fn errors_are_typed_values() {
    let mut opts = options(Vec::new());
    opts.rules.select = Some(vec!["no-such-rule".to_string()]);
    assert!(matches!(kure::lint(&opts), Err(Error::UnknownRule(id)) if id == "no-such-rule"));
    let mut opts = options(Vec::new());
    opts.rules.severities = vec![("nope".to_string(), Severity::Info)];
    assert!(matches!(kure::lint(&opts), Err(Error::UnknownRule(id)) if id == "nope"));

    // a file that cannot be linted is an error of the run, with its kind, not a failure
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin.yaml");
    std::fs::write(&bin, b"kind: Pod\n\0\n").unwrap();
    let missing = dir.path().join("missing.yaml");
    let r = kure::lint(&options(vec![bin, missing])).unwrap();
    let kinds: Vec<&FileErrorKind> = r.summary.errors.iter().map(|e| &e.kind).collect();
    assert_eq!(kinds.len(), 2, "{kinds:?}");
    assert!(kinds.contains(&&FileErrorKind::Binary { line: 2, byte: 10 }));
    assert!(kinds.iter().any(|k| matches!(k, FileErrorKind::Io(_))));
}
