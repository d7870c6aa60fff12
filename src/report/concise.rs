use crate::diagnostic::Diagnostic;
use crate::fix::Applicability;

pub const FORMAT: super::Format = super::Format {
    name: "concise",
    summary_line: true,
    write: |out, o| write(out, o.diagnostics),
};

/// `{path}:{line}:{column}: {severity}[{rule}] {message}`, one line per finding.
pub fn write(out: &mut dyn std::io::Write, diags: &[Diagnostic]) -> std::io::Result<()> {
    for d in diags {
        let p = d.at.location.start;
        writeln!(
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
        )?;
    }
    Ok(())
}

/// The concise lines as one text.
pub fn render(diags: &[Diagnostic]) -> String {
    let mut out = Vec::new();
    // writing to memory cannot fail
    let _ = write(&mut out, diags);
    String::from_utf8_lossy(&out).into_owned()
}
