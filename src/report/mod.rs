//! Output formats. Machine formats are built with serde; the human format with miette.

mod concise;
mod github;
mod human;
mod json;
mod junit;
mod sarif;

pub use human::Sources;

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::Applicability;
use crate::summary::Summary;

/// Every format, in the order `--format` lists them: each is a file of this module that
/// defines its `FORMAT`, and one line here.
const ALL: &[Format] = &[
    human::FORMAT,
    concise::FORMAT,
    json::FORMAT,
    github::FORMAT,
    junit::FORMAT,
    sarif::FORMAT,
];

/// What a format writes from: the run's findings and summary, and the texts of the files
/// for the formats that show snippets.
pub struct Output<'a> {
    pub diagnostics: &'a [Diagnostic],
    pub summary: &'a Summary,
    pub sources: &'a mut Sources,
    /// Whether to use terminal colours.
    pub color: bool,
    /// The width the human format wraps its messages to; `None` (output piped): no wrapping.
    pub width: Option<usize>,
    /// Every rule, for the formats that describe them (SARIF).
    pub rules: &'a [&'static crate::diagnostic::RuleMeta],
    /// The lowest severity that fails the run (`--fail-on`): JUnit marks only those
    /// findings as failures.
    pub fail_on: crate::diagnostic::Severity,
}

/// An output format.
#[derive(Clone, Copy)]
pub struct Format {
    /// The name `--format` takes.
    pub name: &'static str,
    /// Whether a run in this format ends with the summary line on stderr (the formats
    /// people read; machine formats carry the summary themselves).
    pub summary_line: bool,
    write: fn(&mut dyn std::io::Write, &mut Output<'_>) -> std::io::Result<()>,
}

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl Format {
    /// The default format: `human`.
    pub const DEFAULT: Format = human::FORMAT;

    /// Every format.
    pub fn all() -> &'static [Format] {
        ALL
    }

    /// `NAME` or `NAME=FILE`.
    pub fn parse(spec: &str) -> Result<(Format, Option<String>), crate::Error> {
        let (name, file) = match spec.split_once('=') {
            Some((n, f)) => (n, Some(f.to_string())),
            None => (spec, None),
        };
        let names: Vec<&str> = ALL.iter().map(|f| f.name).collect();
        ALL.iter()
            .find(|f| f.name == name)
            .map(|f| (*f, file))
            .ok_or_else(|| crate::Error::UnknownFormat {
                name: name.to_string(),
                expected: names.join(", "),
            })
    }

    /// Writes the findings and the summary in this format, as they are rendered.
    pub fn write(
        self,
        out: &mut dyn std::io::Write,
        output: &mut Output<'_>,
    ) -> std::io::Result<()> {
        (self.write)(out, output)
    }
}

/// One line per finding (the concise format), as `kure fix` lists what it left.
pub fn concise(diags: &[Diagnostic]) -> String {
    concise::render(diags)
}

/// Findings by severity.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

pub fn counts(diags: &[Diagnostic]) -> Counts {
    let mut c = Counts::default();
    for d in diags {
        match d.severity {
            Severity::Error => c.error += 1,
            Severity::Warning => c.warning += 1,
            Severity::Info => c.info += 1,
        }
    }
    c
}

pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Where a rule's documentation is read online: `rules/<id>.md` in the repository of
/// Cargo.toml's `repository` key; `None` when the build names no repository.
pub fn help_uri(rule: &str) -> Option<String> {
    let repo = env!("CARGO_PKG_REPOSITORY").trim_end_matches('/');
    (!repo.is_empty()).then(|| format!("{repo}/blob/main/rules/{rule}.md"))
}

/// The one summary line that ends every human and concise run.
pub fn summary_line(summary: &Summary, diags: &[Diagnostic], fixing: bool) -> String {
    let c = counts(diags);
    let mut reasons: Vec<(&str, usize)> = Vec::new();
    for s in &summary.skipped {
        match reasons.iter_mut().find(|(r, _)| *r == s.reason) {
            Some(slot) => slot.1 += 1,
            None => reasons.push((s.reason, 1)),
        }
    }
    reasons.sort();
    let skipped = if reasons.is_empty() {
        "0 skipped".to_string()
    } else {
        let parts: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
        format!("{} skipped ({})", summary.skipped.len(), parts.join(", "))
    };
    let context = if summary.context_files > 0 {
        format!(
            " (with {} of context)",
            plural(summary.context_files, "file", "files")
        )
    } else {
        String::new()
    };
    let context = match &summary.base {
        Some(b) => format!("{context}, {} changed since {}", b.changed, b.reference),
        None => context,
    };
    let mut notes = Vec::new();
    if summary.objects_without_schema > 0 {
        notes.push(format!(
            "{} without a schema",
            summary.objects_without_schema
        ));
    }
    if summary.cel_rules_not_judged > 0 {
        notes.push(format!(
            "{} not judged",
            plural(summary.cel_rules_not_judged, "CEL rule", "CEL rules")
        ));
    }
    let objects = if notes.is_empty() {
        plural(summary.objects, "object", "objects")
    } else {
        format!(
            "{} ({})",
            plural(summary.objects, "object", "objects"),
            notes.join("; ")
        )
    };
    let baselined = match summary.baselined {
        Some(n) => format!(" ({n} in the baseline)"),
        None => String::new(),
    };
    format!(
        "{}: {} linted{context}, {}, {} unreadable; {}; {}, {}, {}{baselined}{}",
        plural(summary.files, "file", "files"),
        summary.linted,
        skipped,
        summary.errors.len(),
        objects,
        plural(c.error, "error", "errors"),
        plural(c.warning, "warning", "warnings"),
        plural(c.info, "info", "infos"),
        fix_clause(summary, diags, fixing),
    )
}

/// How many remaining findings carry a fix, safe and unsafe.
fn fixable(diags: &[Diagnostic]) -> (usize, usize) {
    let safe = diags
        .iter()
        .filter(|d| {
            d.fix
                .as_ref()
                .is_some_and(|f| f.applicability == Applicability::Safe)
        })
        .count();
    let unsafe_ = diags
        .iter()
        .filter(|d| {
            d.fix
                .as_ref()
                .is_some_and(|f| f.applicability == Applicability::Unsafe)
        })
        .count();
    (safe, unsafe_)
}

/// The fix part of a lint summary line: what was fixed and what could be.
fn fix_clause(summary: &Summary, diags: &[Diagnostic], fixing: bool) -> String {
    let (safe, unsafe_) = fixable(diags);
    let mut parts = Vec::new();
    if fixing {
        parts.push(format!("{} fixed", summary.fixes.applied));
        if summary.fixes.refused > 0 {
            parts.push(format!("{} refused", summary.fixes.refused));
        }
    }
    if safe > 0 {
        parts.push(format!("{safe} fixable with `kure fix`"));
    }
    if unsafe_ > 0 {
        parts.push(format!("{unsafe_} with `kure fix --unsafe-fixes`"));
    }
    let mut clause = if parts.is_empty() {
        String::new()
    } else {
        format!("; {}", parts.join(", "))
    };
    clause.push_str(&encrypted_clause(summary));
    clause
}

/// Why some files are never fixed: they are encrypted by SOPS. Said once per run.
fn encrypted_clause(summary: &Summary) -> String {
    if summary.encrypted == 0 {
        return String::new();
    }
    format!(
        "; {} by SOPS never fixed (a change would break the SOPS MAC; edit with `sops`)",
        plural(summary.encrypted, "file encrypted", "files encrypted"),
    )
}

/// The summary line of `kure fix`.
pub fn fix_summary_line(
    summary: &Summary,
    diags: &[Diagnostic],
    unsafe_fixes: bool,
    verb: &str,
    remaining: usize,
) -> String {
    let (_, unsafe_) = fixable(diags);
    let mut line = format!(
        "{}: {} {verb} in {}",
        plural(summary.files, "file", "files"),
        plural(summary.fixes.applied, "fix", "fixes"),
        plural(summary.fixes.files_changed, "file", "files"),
    );
    if summary.fixes.refused > 0 {
        line.push_str(&format!(", {} refused", summary.fixes.refused));
    }
    if unsafe_ > 0 && !unsafe_fixes {
        line.push_str(&format!(
            "; {} with --unsafe-fixes",
            plural(unsafe_, "more fix", "more fixes")
        ));
    }
    line.push_str(&format!(
        "; {} left (`kure lint`)",
        plural(remaining, "finding", "findings")
    ));
    line.push_str(&encrypted_clause(summary));
    line
}

/// The git work tree kure runs in (the nearest directory above the current one holding
/// `.git`), where CI annotations and code scanning resolve paths.
pub fn repository_root() -> Option<&'static std::path::Path> {
    static ROOT: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    ROOT.get_or_init(|| crate::walk::git_work_tree(std::path::Path::new(".")))
        .as_deref()
}

/// A finding's path as the repository names it (`k8s/app.yaml` whether kure ran at the
/// root or in `k8s/`), for the formats a CI system reads: relative to [`repository_root`],
/// with `/` separators; a path outside the repository, or a run outside one, is kept as
/// given without a leading `./`.
pub fn repository_path(path: &str) -> String {
    let given = path.strip_prefix("./").unwrap_or(path);
    let Some(root) = repository_root() else {
        return given.to_string();
    };
    // standard input's name, and paths, resolve against the current directory
    let abs = crate::walk::normalize(std::path::Path::new(path));
    match abs.strip_prefix(root) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        _ => given.to_string(),
    }
}
