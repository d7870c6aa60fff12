use super::counts;
use crate::diagnostic::{Diagnostic, ObjectInfo};
use crate::lint::Summary;
use crate::source::Location;
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
    fix: Option<()>,
}

#[derive(Serialize)]
struct Fixes {
    applied: usize,
    available: usize,
    refused: usize,
    files_changed: usize,
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    #[serde(flatten)]
    summary: &'a Summary,
    findings: super::Counts,
    fixes: Fixes,
}

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    diagnostics: Vec<Json<'a>>,
    summary: JsonSummary<'a>,
}

pub fn render(diags: &[Diagnostic], summary: &Summary) -> String {
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
                object: d.object.as_ref(),
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
                fix: None,
            })
            .collect(),
        summary: JsonSummary {
            summary,
            findings: counts(diags),
            fixes: Fixes {
                applied: 0,
                available: 0,
                refused: 0,
                files_changed: 0,
            },
        },
    };
    let mut s =
        serde_json::to_string_pretty(&out).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
