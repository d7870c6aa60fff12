use super::counts;
use crate::diagnostic::{Diagnostic, ObjectInfo};
use crate::source::Location;
use crate::summary::Summary;
use serde::Serialize;

#[derive(Serialize)]
struct Related<'a> {
    path: &'a str,
    span: Location,
    message: &'a str,
}

#[derive(Serialize)]
struct Json<'a> {
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    path: &'a str,
    span: Location,
    object: Option<&'a ObjectInfo>,
    related: Vec<Related<'a>>,
    help: Option<&'a str>,
    /// The rule's documentation, where kure was built from a repository it knows.
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: &'a str,
    message: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    start: usize,
    end: usize,
    content: &'a str,
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    #[serde(flatten)]
    summary: &'a Summary,
    findings: super::Counts,
    fixes: &'a crate::summary::FixSummary,
}

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    diagnostics: Vec<Json<'a>>,
    summary: JsonSummary<'a>,
}

pub const FORMAT: super::Format = super::Format {
    name: "json",
    summary_line: false,
    write: |w, o| write(w, o.diagnostics, o.summary),
};

/// Writes the JSON document as it is serialized (a run with many findings holds no copy).
pub fn write(
    w: &mut dyn std::io::Write,
    diags: &[Diagnostic],
    summary: &Summary,
) -> std::io::Result<()> {
    let out = Output {
        version: 1,
        diagnostics: diags
            .iter()
            .map(|d| Json {
                rule: d.rule,
                severity: d.severity.as_str(),
                message: &d.message,
                path: &d.at.path,
                span: d.at.location,
                object: d.object.as_deref(),
                related: d
                    .related
                    .iter()
                    .map(|r| Related {
                        path: &r.at.path,
                        span: r.at.location,
                        message: &r.message,
                    })
                    .collect(),
                help: d.help.as_deref(),
                help_uri: super::help_uri(d.rule),
                fix: d.fix.as_ref().map(|f| JsonFix {
                    applicability: f.applicability.as_str(),
                    message: &f.message,
                    edits: f
                        .edits
                        .iter()
                        .map(|e| JsonEdit {
                            start: e.span.start,
                            end: e.span.end,
                            content: &e.content,
                        })
                        .collect(),
                }),
            })
            .collect(),
        summary: JsonSummary {
            summary,
            findings: counts(diags),
            fixes: &summary.fixes,
        },
    };
    serde_json::to_writer_pretty(&mut *w, &out)?;
    w.write_all(b"\n")
}
