//! Suppressions: `# kure: ignore[rule-id] reason` on a finding's first line or the line
//! before it, `# kure: ignore-file[rule-id] reason` in a file's leading comments, and the
//! annotation `kure.dev/ignore: "rule-id,rule-id"` (with `kure.dev/ignore-reason`) on an
//! object. Without ids, a comment suppresses every rule.
//!
//! Comments are found by searching the text for `kure:` (a file without it costs one
//! `memmem` pass), then reading the comment it is in.

use crate::diagnostic::Diagnostic;
use crate::model::Object;
use crate::source::Span;

pub const ANNOTATION: &str = "kure.dev/ignore";
pub const REASON_ANNOTATION: &str = "kure.dev/ignore-reason";

/// Where a suppression holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Findings starting on this line (1-based).
    Line(u32),
    /// The whole file.
    File,
    /// The object written in these bytes.
    Object(Span),
}

#[derive(Clone, Debug)]
pub struct Suppression {
    pub reach: Reach,
    /// The rules it names; empty for every rule.
    pub rules: Vec<String>,
    pub reason: Option<String>,
    /// Where it is written: the comment (or the annotation's entry).
    pub at: Span,
    /// A comment alone on its line (removing it removes the line).
    pub whole_line: bool,
    /// An annotation, not a comment.
    pub annotation: bool,
    /// An `ignore-file` comment after the leading comments: it suppresses nothing, and is
    /// reported as unused with the reason.
    pub misplaced: bool,
    pub used: bool,
}

impl Suppression {
    /// Whether it covers a finding of `rule` starting at `line` and byte `offset`.
    pub fn covers(&self, rule: &str, line: u32, offset: usize) -> bool {
        let rule_ok = self.rules.is_empty() || self.rules.iter().any(|r| r == rule);
        rule_ok
            && match &self.reach {
                Reach::Line(l) => *l == line,
                Reach::File => true,
                Reach::Object(span) => span.start <= offset && offset <= span.end,
            }
    }

    /// Marks and reports whether it covers the finding.
    pub fn take(&mut self, d: &Diagnostic) -> bool {
        if self.misplaced {
            return false;
        }
        let hit = self.covers(d.rule, d.at.location.start.line, d.at.span.start);
        self.used |= hit;
        hit
    }
}

/// The `# kure: ignore…` comments of a text.
pub fn comments(text: &str) -> Vec<Suppression> {
    let mut out = Vec::new();
    if memchr::memmem::find(text.as_bytes(), b"kure:").is_none() {
        return out;
    }
    // the leading comments: before the first line that is neither blank nor a comment
    let mut leading = true;
    let mut line_no: u32 = 0;
    let mut start = 0;
    while start < text.len() {
        let end = text[start..]
            .find('\n')
            .map_or(text.len(), |i| start + i + 1);
        let line = &text[start..end];
        line_no += 1;
        let trimmed = line.trim_start_matches(['\u{feff}', ' ', '\t']).trim_end();
        let is_comment = trimmed.starts_with('#');
        if !trimmed.is_empty() && !is_comment && trimmed != "---" {
            leading = false;
        }
        if let Some(hash) = comment_start(line)
            && let Some(s) = parse(&line[hash..])
        {
            let misplaced = matches!(s.0, Kind::File) && !(leading && is_comment);
            let whole_line = line[..hash].trim().is_empty();
            let reach = match s.0 {
                Kind::File => Reach::File,
                // alone on its line: the line after; trailing: its own line
                Kind::Line if whole_line => Reach::Line(line_no + 1),
                Kind::Line => Reach::Line(line_no),
            };
            let comment_end = start + line.trim_end_matches(['\n', '\r']).len();
            out.push(Suppression {
                reach,
                rules: s.1,
                reason: s.2,
                at: Span::new(start + hash, comment_end),
                whole_line,
                annotation: false,
                misplaced,
                used: false,
            });
        }
        start = end;
    }
    out
}

/// Where a line's comment starts: a `#` at its start or after a space, outside quoted
/// scalars. A quote opens a quoted scalar only where a scalar can start (the line's first
/// text, or after `: `, `- `, `? `, `[`, `{` or `,`); inside a plain scalar (`3"`, `it's`) it
/// is a character like any other, so the comment after it is still found.
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    // the last character outside quotes that was not a space, and the one just before
    let mut last: Option<u8> = None;
    let mut prev = b' ';
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let starts_scalar = match last {
            None => true,
            Some(b'[' | b'{' | b',') => true,
            Some(b':' | b'-' | b'?') => prev == b' ' || prev == b'\t',
            _ => false,
        };
        match c {
            b'"' if starts_scalar => {
                // to the closing quote, past escapes
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'\'' if starts_scalar => {
                // to the closing quote; `''` is a quote inside
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == b'\'' {
                        if bytes.get(i + 1) == Some(&b'\'') {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
            }
            b'#' if prev == b' ' || prev == b'\t' || i == 0 => return Some(i),
            _ => {}
        }
        let c = bytes.get(i).copied().unwrap_or(c);
        if c != b' ' && c != b'\t' {
            last = Some(c);
        }
        prev = c;
        i += 1;
    }
    None
}

enum Kind {
    Line,
    File,
}

/// `# kure: ignore[a, b] reason` → (kind, ids, reason).
fn parse(comment: &str) -> Option<(Kind, Vec<String>, Option<String>)> {
    let body = comment.trim_start_matches('#').trim_start();
    let rest = body.strip_prefix("kure:")?.trim_start();
    let (kind, rest) = if let Some(r) = rest.strip_prefix("ignore-file") {
        (Kind::File, r)
    } else {
        (Kind::Line, rest.strip_prefix("ignore")?)
    };
    let (ids, rest) = match rest.strip_prefix('[') {
        Some(r) => {
            let (inside, after) = r.split_once(']')?;
            let ids = inside
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            (ids, after)
        }
        None if rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']) => (Vec::new(), rest),
        None => return None,
    };
    let reason = rest.trim();
    let reason = (!reason.is_empty()).then(|| reason.to_string());
    Some((kind, ids, reason))
}

/// The `kure.dev/ignore` annotation of an object.
pub fn annotation(obj: &Object<'_>) -> Option<Suppression> {
    let doc = obj.doc;
    let annotations = obj.metadata().and_then(|m| doc.get(m, "annotations"))?;
    let (k, v) = doc.get_entry(annotations, ANNOTATION)?;
    let rules = doc
        .scalar(v)?
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let reason = doc
        .get(annotations, REASON_ANNOTATION)
        .and_then(|r| doc.scalar(r))
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    Some(Suppression {
        reach: Reach::Object(doc.span(obj.root)),
        rules,
        reason,
        at: doc.field_span(k, v),
        whole_line: false,
        annotation: true,
        misplaced: false,
        used: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_read_where_they_apply() {
        let text = "# kure: ignore-file[duplicate-object] two renders\napiVersion: v1\nkind: Service\n# kure: ignore[invalid-label]\nmetadata:\n  name: a # kure: ignore reason here\n  note: \"# kure: ignore[x] in a string\"\n# kure: ignore-file[y] too late\n";
        let s = comments(text);
        assert_eq!(s.len(), 4, "{s:?}");
        assert!(s[3].misplaced && !s[0].misplaced);
        assert_eq!(s[0].reach, Reach::File);
        assert_eq!(s[0].rules, vec!["duplicate-object".to_string()]);
        assert_eq!(s[0].reason.as_deref(), Some("two renders"));
        assert_eq!(s[1].reach, Reach::Line(5));
        assert!(s[1].whole_line && s[1].reason.is_none());
        assert_eq!(s[2].reach, Reach::Line(6));
        assert!(s[2].rules.is_empty() && !s[2].whole_line);
        assert_eq!(
            &text[s[2].at.start..s[2].at.end],
            "# kure: ignore reason here"
        );
        assert!(comments("a: 1 # kure: ignored\n").is_empty());
    }
}
