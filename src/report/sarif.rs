//! SARIF 2.1.0 (serde-sarif), for code scanning: every rule in the tool's driver, each result
//! with its region in Unicode code points, related locations, and fixes as byte replacements.
//! Paths are relative to `%SRCROOT%`, the root of the repository kure runs in (the directory
//! kure ran in outside one), as code scanning resolves them.

use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::source::Located;
use serde_sarif::sarif::{
    ArtifactChange, ArtifactContent, ArtifactLocation, Fix, Location, Message,
    MultiformatMessageString, PhysicalLocation, Region, Replacement, ReportingConfiguration,
    ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, Tool, ToolComponent,
};
use std::collections::BTreeMap;

pub const FORMAT: super::Format = super::Format {
    name: "sarif",
    summary_line: false,
    write: |out, o| write(out, o.diagnostics, o.rules),
};

const SRCROOT: &str = "%SRCROOT%";

fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Info => ResultLevel::Note,
    }
}

/// A path percent-encoded for a URI.
fn encode(path: &str) -> String {
    let mut uri = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(b as char);
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

/// A path as a URI reference: relative ones against `%SRCROOT%`.
fn artifact(path: &str) -> ArtifactLocation {
    let path = super::repository_path(path);
    let relative = !path.starts_with('/');
    let uri = encode(&path);
    if relative {
        ArtifactLocation::builder()
            .uri(uri)
            .uri_base_id(SRCROOT)
            .build()
    } else {
        ArtifactLocation::builder()
            .uri(format!("file://{uri}"))
            .build()
    }
}

fn region(at: &Located) -> Region {
    let (s, e) = (at.location.start, at.location.end);
    Region::builder()
        .start_line(i64::from(s.line))
        .start_column(i64::from(s.column))
        .end_line(i64::from(e.line))
        .end_column(i64::from(e.column))
        .build()
}

fn location(at: &Located) -> Location {
    Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(artifact(&at.path))
                .region(region(at))
                .build(),
        )
        .build()
}

fn text(s: impl Into<String>) -> Message {
    Message::builder().text(s.into()).build()
}

fn descriptor(m: &RuleMeta) -> ReportingDescriptor {
    let doc = m.doc_body().trim();
    ReportingDescriptor::builder()
        .id(m.id)
        .short_description(MultiformatMessageString::builder().text(m.summary).build())
        .full_description(MultiformatMessageString::builder().text(m.summary).build())
        .help(
            MultiformatMessageString::builder()
                .text(doc)
                .markdown(doc)
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(serde_json::json!(match m.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Info => "note",
                }))
                .build(),
        )
        .build()
}

fn result(d: &Diagnostic, index: Option<usize>) -> SarifResult {
    let mut message = d.message.clone();
    if let Some(h) = &d.help {
        message.push_str(&format!(" ({h})"));
    }
    let related: Vec<Location> = d
        .related
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut l = location(&r.at);
            l.id = Some(i as i64);
            l.message = Some(text(r.message.as_str()));
            l
        })
        .collect();
    let fixes: Vec<Fix> = d
        .fix
        .iter()
        .map(|f| {
            let replacements = f
                .edits
                .iter()
                .map(|e| {
                    Replacement::builder()
                        .deleted_region(
                            Region::builder()
                                .byte_offset(e.span.start as i64)
                                .byte_length(e.span.len() as i64)
                                .build(),
                        )
                        .inserted_content(
                            ArtifactContent::builder().text(e.content.as_str()).build(),
                        )
                        .build()
                })
                .collect::<Vec<_>>();
            Fix::builder()
                .description(text(f.message.as_str()))
                .artifact_changes(vec![
                    ArtifactChange::builder()
                        .artifact_location(artifact(&d.at.path))
                        .replacements(replacements)
                        .build(),
                ])
                .build()
        })
        .collect();
    let mut r = SarifResult::builder()
        .rule_id(d.rule)
        .level(level(d.severity))
        .message(text(message))
        .locations(vec![location(&d.at)])
        .build();
    r.rule_index = index.map(|i| i as i64);
    if !related.is_empty() {
        r.related_locations = Some(related);
    }
    if !fixes.is_empty() {
        r.fixes = Some(fixes);
    }
    r
}

pub fn write(
    out: &mut dyn std::io::Write,
    diags: &[Diagnostic],
    rules: &[&'static RuleMeta],
) -> std::io::Result<()> {
    let index: BTreeMap<&str, usize> = rules.iter().enumerate().map(|(i, m)| (m.id, i)).collect();
    let mut driver = ToolComponent::builder()
        .name("kure")
        .version(env!("CARGO_PKG_VERSION"))
        .rules(rules.iter().map(|m| descriptor(m)).collect::<Vec<_>>())
        .build();
    // where users learn about kure: the repository Cargo.toml names, if it names one
    driver.information_uri = option_env!("CARGO_PKG_REPOSITORY")
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    let root = super::repository_root()
        .map(std::path::Path::to_path_buf)
        .or_else(|| std::env::current_dir().ok())
        .map(|d| format!("file://{}/", encode(&d.to_string_lossy())));
    let mut run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(
            diags
                .iter()
                .map(|d| result(d, index.get(d.rule).copied()))
                .collect::<Vec<_>>(),
        )
        .column_kind(serde_json::json!("unicodeCodePoints"))
        .build();
    if let Some(root) = root {
        run.original_uri_base_ids = Some(BTreeMap::from([(
            SRCROOT.to_string(),
            ArtifactLocation::builder().uri(root).build(),
        )]));
    }
    let sarif = Sarif::builder()
        .schema(serde_sarif::sarif::SCHEMA_URL)
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_writer_pretty(&mut *out, &sarif)?;
    out.write_all(b"\n")
}
