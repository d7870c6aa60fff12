//! Output formats. Machine formats are built with serde; the human format with miette.

mod concise;
mod human;
mod json;

pub use human::Sources;

use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::Applicability;
use crate::summary::Summary;

/// An output format: one emitter file each in this module, and one line here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Concise,
    Json,
}

impl Format {
    /// Every format, by the name `--format` takes.
    pub const ALL: &[(&str, Format)] = &[
        ("human", Format::Human),
        ("concise", Format::Concise),
        ("json", Format::Json),
    ];

    /// `NAME` or `NAME=FILE`.
    pub fn parse(spec: &str) -> Result<(Format, Option<String>), crate::Error> {
        let (name, file) = match spec.split_once('=') {
            Some((n, f)) => (n, Some(f.to_string())),
            None => (spec, None),
        };
        let names: Vec<&str> = Format::ALL.iter().map(|(n, _)| *n).collect();
        Format::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| (*f, file))
            .ok_or_else(|| crate::Error::UnknownFormat {
                name: name.to_string(),
                expected: names.join(", "),
            })
    }

    /// Whether a run in this format ends with the summary line on stderr (the formats
    /// people read; machine formats carry the summary themselves).
    pub fn has_summary_line(self) -> bool {
        matches!(self, Format::Human | Format::Concise)
    }

    /// Writes the findings and the summary in this format.
    pub fn write(
        self,
        out: &mut dyn std::io::Write,
        diags: &[Diagnostic],
        summary: &Summary,
        sources: &mut Sources,
        color: bool,
    ) -> std::io::Result<()> {
        match self {
            Format::Human => human::write(out, diags, sources, color),
            Format::Concise => concise::write(out, diags),
            Format::Json => json::write(out, diags, summary),
        }
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
    format!(
        "{}: {} linted, {}, {} unreadable; {}; {}, {}, {}{}",
        plural(summary.files, "file", "files"),
        summary.linted,
        skipped,
        summary.errors.len(),
        plural(summary.objects, "object", "objects"),
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
    if parts.is_empty() {
        String::new()
    } else {
        format!("; {}", parts.join(", "))
    }
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
    line
}
