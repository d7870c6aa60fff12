//! The human format: miette renders each finding with a snippet and the node underlined.

use crate::diagnostic::{Diagnostic, Located, Severity};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

#[derive(Debug)]
struct Report {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    source: Option<NamedSource<Arc<String>>>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
    related: Vec<Report>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(
                self.related.iter().map(|r| r as &dyn miette::Diagnostic),
            ))
        }
    }
}

/// Texts of the files findings point into, read again for rendering.
pub struct Sources {
    texts: HashMap<Arc<str>, Option<Arc<String>>>,
    stdin: Option<(String, Arc<String>)>,
}

impl Sources {
    pub fn new(stdin: Option<(String, String)>) -> Sources {
        Sources {
            texts: HashMap::new(),
            stdin: stdin.map(|(n, t)| (n, Arc::new(t))),
        }
    }

    fn get(&mut self, path: &Arc<str>) -> Option<NamedSource<Arc<String>>> {
        if let Some((name, text)) = &self.stdin
            && name.as_str() == &**path
        {
            return Some(NamedSource::new(path, text.clone()));
        }
        let text = self
            .texts
            .entry(path.clone())
            .or_insert_with(|| std::fs::read_to_string(&**path).ok().map(Arc::new))
            .clone()?;
        Some(NamedSource::new(path, text))
    }
}

fn span_of(at: &Located, text_len: usize) -> SourceSpan {
    let start = at.span.start.min(text_len);
    let end = at.span.end.min(text_len).max(start);
    SourceSpan::new(start.into(), end - start)
}

fn severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

fn report(d: &Diagnostic, sources: &mut Sources) -> Report {
    let source = sources.get(&d.at.path);
    let len = source.as_ref().map_or(0, |s| s.inner().len());
    let mut labels = Vec::new();
    let mut related = Vec::new();
    let mut notes = Vec::new();
    if source.is_some() {
        labels.push(LabeledSpan::new_primary_with_span(
            Some("here".to_string()),
            span_of(&d.at, len),
        ));
    }
    for r in &d.related {
        if r.at.path == d.at.path && source.is_some() {
            labels.push(LabeledSpan::new_with_span(
                Some(r.message.clone()),
                span_of(&r.at, len),
            ));
        } else if let Some(src) = sources.get(&r.at.path) {
            let rlen = src.inner().len();
            related.push(Report {
                message: format!(
                    "{}:{}:{}: {}",
                    r.at.path, r.at.location.start.line, r.at.location.start.column, r.message
                ),
                code: None,
                severity: miette::Severity::Advice,
                source: Some(src),
                labels: vec![LabeledSpan::new_primary_with_span(
                    Some(r.message.clone()),
                    span_of(&r.at, rlen),
                )],
                help: None,
                related: Vec::new(),
            });
        } else {
            notes.push(format!(
                "{}:{}:{}: {}",
                r.at.path, r.at.location.start.line, r.at.location.start.column, r.message
            ));
        }
    }
    let mut help = d.help.clone();
    if let Some(f) = &d.fix {
        notes.push(match f.applicability {
            crate::fix::Applicability::Safe => format!("fix: {} (`kure fix`)", f.message),
            crate::fix::Applicability::Unsafe => {
                format!("fix: {} (unsafe: `kure fix --unsafe-fixes`)", f.message)
            }
        });
    }
    if !notes.is_empty() {
        let n = notes.join("\n");
        help = Some(match help {
            Some(h) => format!("{h}\n{n}"),
            None => n,
        });
    }
    let p = d.at.location.start;
    Report {
        message: format!("{}:{}:{}: {}", d.at.path, p.line, p.column, d.message),
        code: Some(d.rule.to_string()),
        severity: severity(d.severity),
        source,
        labels,
        help,
        related,
    }
}

pub fn render(diags: &[Diagnostic], sources: &mut Sources, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        .with_width(120);
    let mut out = String::new();
    for d in diags {
        let r = report(d, sources);
        if handler.render_report(&mut out, &r).is_err() {
            out.push_str(&r.message);
            out.push('\n');
        }
        out.push('\n');
    }
    out
}
