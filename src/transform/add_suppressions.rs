//! `kure lint --add-suppressions REASON`: a `# kure: ignore[rule-id] REASON` comment for
//! every current finding, as ruff's `--add-noqa` does, so a big repository can adopt kure
//! and fix its findings over time. Each comment is an edit through `apply.rs`, which
//! re-parses and checks that the file means the same; a line where a comment cannot go (in
//! a block scalar) is reported instead.

use crate::apply::{self, Change};
use crate::diagnostic::Diagnostic;
use crate::error::Error;
use crate::fix::{Applicability, Edit, Fix, line_end, line_start, newline_at};
use crate::lint::{LintOptions, lint};
use crate::summary::FileError;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What adding suppressions did.
#[derive(Debug, Default)]
pub struct AddedSuppressions {
    /// The files changed (written when the options say so).
    pub changes: Vec<Change>,
    /// How many comments were added.
    pub added: usize,
    /// Findings no comment could be added for, with why.
    pub left: Vec<String>,
    pub errors: Vec<FileError>,
}

/// Lints with `opts`, then adds a suppression for every finding left, written when `write`.
pub fn add_suppressions(
    opts: &LintOptions,
    reason: &str,
    write: bool,
) -> Result<AddedSuppressions, Error> {
    let reason = reason.trim();
    if reason.is_empty() || reason.contains(['\n', '\r']) {
        return Err(Error::Usage(
            "--add-suppressions needs a reason on one line: it is written after each rule id"
                .to_string(),
        ));
    }
    let result = lint(opts)?;
    let mut out = AddedSuppressions {
        errors: result.summary.errors.clone(),
        ..AddedSuppressions::default()
    };
    // by file, by line: the rules to suppress there
    let mut by_file: BTreeMap<String, BTreeMap<u32, Vec<&'static str>>> = BTreeMap::new();
    for d in &result.diagnostics {
        if is_meta(d) {
            continue;
        }
        let rules = by_file
            .entry(d.at.path.to_string())
            .or_default()
            .entry(d.at.location.start.line)
            .or_default();
        if !rules.contains(&d.rule) {
            rules.push(d.rule);
        }
    }
    for (path, lines) in by_file {
        if path == "-" || result.stdin.as_ref().is_some_and(|(n, _)| *n == path) {
            out.left
                .push(format!("{path}: standard input is not written"));
            continue;
        }
        let fs_path = PathBuf::from(&path);
        let text = match crate::load::read_text(&fs_path) {
            Ok(t) => t,
            Err(kind) => {
                out.errors.push(FileError { path, kind });
                continue;
            }
        };
        if apply::is_sops_text(text.as_bytes()) {
            out.left.push(format!(
                "{path}: encrypted by SOPS; no comment added (a change would break its MAC: decrypt it with `sops` first)"
            ));
            continue;
        }
        let stream = crate::yaml::parse(&text, crate::yaml::Limits::default());
        if !stream.errors.is_empty() {
            out.left
                .push(format!("{path}: the YAML does not parse; no comment added"));
            continue;
        }
        let starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let mut fixes = Vec::new();
        for (line, rules) in &lines {
            let Some(&ls) = starts.get((*line as usize).saturating_sub(1)) else {
                continue;
            };
            fixes.push(comment_fix(&text, ls, *line, &rules.join(","), reason));
        }
        let refs: Vec<&Fix> = fixes.iter().collect();
        let pass = apply::pass(
            &text,
            &stream,
            crate::yaml::resolve::Reader::Kubernetes,
            &refs,
        );
        for (i, why) in &pass.refused {
            out.left.push(format!(
                "{path}: {}: no comment can go there ({why})",
                fixes[*i].message
            ));
        }
        let Some((fixed, _)) = pass.result else {
            continue;
        };
        if write && let Err(kind) = apply::write_atomic(&fs_path, text.as_bytes(), fixed.as_bytes())
        {
            out.errors.push(FileError { path, kind });
            continue;
        }
        out.added += pass.applied.len();
        out.changes.push(Change {
            path,
            original: text,
            fixed,
            rules: vec!["add-suppressions"; pass.applied.len()],
        });
    }
    Ok(out)
}

/// The suppression comment for the line starting at byte `ls`: at its end, or on a line of
/// its own above it when the line has a comment already.
fn comment_fix(text: &str, ls: usize, line: u32, ids: &str, reason: &str) -> Fix {
    let comment = format!("# kure: ignore[{ids}] {reason}");
    let le = line_end(text, ls);
    let body = text[ls..le].trim_end_matches(['\n', '\r']);
    let edit = if body.contains(" #") || body.trim_start().starts_with('#') {
        let indent: String = body.chars().take_while(|c| *c == ' ').collect();
        let nl = newline_at(text, ls);
        Edit::insert(line_start(text, ls), format!("{indent}{comment}{nl}"))
    } else {
        Edit::insert(ls + body.len(), format!(" {comment}"))
    };
    Fix::new(
        Applicability::Safe,
        format!("line {line}"),
        vec![edit],
        0,
        Vec::new(),
    )
    .changing_nothing()
}

/// `text` with a `# kure: ignore[rule] reason` comment for the finding at byte `at`, made
/// and checked as `--add-suppressions` makes its comments (an editor's "suppress" action),
/// or why no comment can go there.
pub fn suppress_at(text: &str, at: usize, rule: &str, reason: &str) -> Result<String, String> {
    let stream = crate::yaml::parse(text, crate::yaml::Limits::default());
    if !stream.errors.is_empty() {
        return Err("the YAML does not parse".to_string());
    }
    let ls = line_start(text, at.min(text.len()));
    let line = text[..ls].matches('\n').count() + 1;
    let fix = comment_fix(
        text,
        ls,
        u32::try_from(line).unwrap_or(u32::MAX),
        rule,
        reason,
    );
    let pass = apply::pass(
        text,
        &stream,
        crate::yaml::resolve::Reader::Kubernetes,
        &[&fix],
    );
    match (pass.result, pass.refused.into_iter().next()) {
        (Some((fixed, _)), _) => Ok(fixed),
        (None, Some((_, why))) => Err(why),
        (None, None) => Err("no comment can go there".to_string()),
    }
}

/// Findings about suppressions and fixes are not suppressed by more suppressions.
fn is_meta(d: &Diagnostic) -> bool {
    matches!(
        d.rule,
        "unused-suppression" | "suppression-without-reason" | "fix-refused" | "parse-error"
    )
}
