use crate::diagnostic::Diagnostic;
use crate::fix::Applicability;
use std::fmt::Write;

/// `{path}:{line}:{column}: {severity}[{rule}] {message}`, one line per finding.
pub fn render(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let p = d.at.location.start;
        let _ = writeln!(
            out,
            "{}:{}:{}: {}[{}] {}{}",
            d.at.path,
            p.line,
            p.column,
            d.severity.as_str(),
            d.rule,
            d.message,
            match d.fix.as_ref().map(|f| f.applicability) {
                Some(Applicability::Safe) => " [*]",
                Some(Applicability::Unsafe) => " [~]",
                None => "",
            }
        );
    }
    out
}
