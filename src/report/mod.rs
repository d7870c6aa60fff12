//! Output formats. Machine formats are built with serde; the human format with miette.

pub mod concise;
pub mod human;
pub mod json;

use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::Summary;

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

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The one summary line that ends every human and concise run.
pub fn summary_line(summary: &Summary, diags: &[Diagnostic]) -> String {
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
        "{}: {} linted, {}, {} unreadable; {}; {}, {}, {}",
        plural(summary.files, "file", "files"),
        summary.linted,
        skipped,
        summary.errors.len(),
        plural(summary.objects, "object", "objects"),
        plural(c.error, "error", "errors"),
        plural(c.warning, "warning", "warnings"),
        plural(c.info, "info", "infos"),
    )
}
