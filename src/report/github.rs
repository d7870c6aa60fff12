//! GitHub Actions workflow commands: one `::error` (or `::warning`, `::notice`) line per
//! finding, which GitHub shows on the pull request's changed lines. Paths are the
//! repository's (relative to its root wherever kure runs), as GitHub resolves them.

use crate::diagnostic::{Diagnostic, Severity};

pub const FORMAT: super::Format = super::Format {
    name: "github",
    summary_line: false,
    write: |out, o| write(out, o.diagnostics),
};

/// A message, escaped as workflow command data.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value, escaped as workflow command properties are.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn write(out: &mut dyn std::io::Write, diags: &[Diagnostic]) -> std::io::Result<()> {
    for d in diags {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let (s, e) = (d.at.location.start, d.at.location.end);
        writeln!(
            out,
            "::{level} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&super::repository_path(&d.at.path)),
            s.line,
            s.column,
            e.line,
            e.column,
            property(&format!("kure ({})", d.rule)),
            data(&d.message),
        )?;
    }
    Ok(())
}
