//! The human format: miette renders each finding with a snippet and the node underlined.

use crate::diagnostic::{Diagnostic, Located, Severity};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents,
    SourceCode, SourceSpan, SpanContents,
};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

#[derive(Debug)]
struct Report {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    source: Option<Snippets>,
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

/// A file's text as miette reads it: only the lines around a span are handed over, found by
/// binary search over line starts computed once per file (miette's own reader scans the
/// text from its start for every finding, which is quadratic in a file with many findings),
/// and columns are counted in characters, as every other output counts them.
#[derive(Clone, Debug)]
struct Snippets {
    name: String,
    text: Arc<String>,
    starts: Arc<Vec<usize>>,
}

impl Snippets {
    fn new(name: &str, text: Arc<String>) -> Snippets {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        Snippets {
            name: name.to_string(),
            text,
            starts: Arc::new(starts),
        }
    }

    fn len(&self) -> usize {
        self.text.len()
    }

    fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }
}

impl SourceCode for Snippets {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text = self.text.as_str();
        let start = span.offset();
        let end = start + span.len();
        if end > text.len() || !text.is_char_boundary(start) {
            return Err(MietteError::OutOfBounds);
        }
        let first = self.line_of(start);
        let last = self.line_of(end.saturating_sub(1).max(start));
        let from_line = first.saturating_sub(before);
        let to_line = (last + after + 1).min(self.starts.len());
        let line_start = self.starts[first];
        let (from, column) = if before == 0 {
            let bom = if first == 0 && text.starts_with('\u{feff}') {
                3
            } else {
                0
            };
            let col = text[(line_start + bom).min(start)..start].chars().count();
            (start, col)
        } else {
            (self.starts[from_line], 0)
        };
        let to = self
            .starts
            .get(to_line)
            .copied()
            .unwrap_or(text.len())
            .max(from);
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            &text.as_bytes()[from..to],
            SourceSpan::new(from.into(), to - from),
            if before == 0 { first } else { from_line },
            column,
            self.starts.len(),
        )))
    }
}

/// Texts of the files findings point into, read again for rendering.
pub struct Sources {
    texts: HashMap<Arc<str>, Option<Snippets>>,
    stdin: Option<(String, Arc<String>)>,
}

impl Sources {
    pub fn new(stdin: Option<(String, String)>) -> Sources {
        Sources {
            texts: HashMap::new(),
            stdin: stdin.map(|(n, t)| (n, Arc::new(t))),
        }
    }

    fn get(&mut self, path: &Arc<str>) -> Option<Snippets> {
        let stdin = self
            .stdin
            .as_ref()
            .filter(|(name, _)| name.as_str() == &**path)
            .map(|(_, text)| text.clone());
        self.texts
            .entry(path.clone())
            .or_insert_with(|| {
                let text = stdin.or_else(|| {
                    crate::load::read_text(std::path::Path::new(&**path))
                        .ok()
                        .map(Arc::new)
                })?;
                Some(Snippets::new(shown(path), text))
            })
            .clone()
    }
}

/// A path as people read it: without the `./` a walk of `.` puts before it.
fn shown(path: &str) -> &str {
    path.strip_prefix("./").unwrap_or(path)
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

/// How many lines apart a related place may be and still share the finding's snippet.
const NEAR_LINES: u32 = 8;

fn report(d: &Diagnostic, sources: &mut Sources) -> (Report, Vec<Report>) {
    let source = sources.get(&d.at.path);
    let len = source.as_ref().map_or(0, |s| s.len());
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
        // a place near the finding shares its snippet; one further away in the same file
        // gets its own, so the lines between are not printed
        let near = r.at.location.start.line.abs_diff(d.at.location.start.line) <= NEAR_LINES
            || r.at.location.end.line.abs_diff(d.at.location.start.line) <= NEAR_LINES;
        if r.at.path == d.at.path && source.is_some() && near {
            labels.push(LabeledSpan::new_with_span(
                Some(r.message.clone()),
                span_of(&r.at, len),
            ));
        } else if let Some(src) = sources.get(&r.at.path) {
            let rlen = src.len();
            related.push(Report {
                message: format!(
                    "{}:{}:{}: {}",
                    shown(&r.at.path),
                    r.at.location.start.line,
                    r.at.location.start.column,
                    r.message
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
                shown(&r.at.path),
                r.at.location.start.line,
                r.at.location.start.column,
                r.message
            ));
        }
    }
    let mut help = d.help.as_deref().map(str::to_string);
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
    // the rule ends the header line (miette would print a code on a line of its own), and
    // places in other files follow as reports of their own (as related reports they would
    // sit under an empty `Advice:` heading)
    let main = Report {
        message: format!(
            "{}:{}:{}: {} [{}]",
            shown(&d.at.path),
            p.line,
            p.column,
            d.message,
            d.rule
        ),
        code: None,
        severity: severity(d.severity),
        source,
        labels,
        help,
        related: Vec::new(),
    };
    (main, related)
}

/// Words for wrapping: split after spaces, but never inside a `code span` (a selector, a
/// command, a path must stay whole to be copied).
fn code_spans_whole(line: &str) -> Box<dyn Iterator<Item = textwrap::core::Word<'_>> + '_> {
    let bytes = line.as_bytes();
    let mut words = Vec::new();
    let (mut start, mut in_code, mut i) = (0, false, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'`' => in_code = !in_code,
            b' ' if !in_code => {
                while i + 1 < bytes.len() && bytes[i + 1] == b' ' {
                    i += 1;
                }
                words.push(textwrap::core::Word::from(&line[start..=i]));
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < line.len() {
        words.push(textwrap::core::Word::from(&line[start..]));
    }
    Box::new(words.into_iter())
}

pub const FORMAT: super::Format = super::Format {
    name: "human",
    summary_line: true,
    write: |out, o| write(out, o.diagnostics, o.sources, o.color, o.width),
};

/// Writes each finding as it is rendered, so output starts at once and no run holds the
/// text of all its findings.
pub fn write(
    out: &mut dyn std::io::Write,
    diags: &[Diagnostic],
    sources: &mut Sources,
    color: bool,
    width: Option<usize>,
) -> std::io::Result<()> {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_context_lines(1)
        // a rule id or a path is never split at its hyphens, a code span never at all
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_word_separator(textwrap::WordSeparator::Custom(code_spans_whole))
        .with_break_words(false);
    let handler = match width {
        Some(w) => handler.with_width(w),
        None => handler.with_wrap_lines(false),
    };
    let mut text = String::new();
    for d in diags {
        text.clear();
        let (main, elsewhere) = report(d, sources);
        for r in std::iter::once(&main).chain(&elsewhere) {
            if handler.render_report(&mut text, r).is_err() {
                text.push_str(&r.message);
                text.push('\n');
            }
        }
        text.push('\n');
        out.write_all(text.as_bytes())?;
    }
    Ok(())
}
