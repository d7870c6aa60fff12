//! Fixes: byte-range edits on the original text, and the helpers rules build them with.
//!
//! A rule attaches a `Fix` to its diagnostic; `apply.rs` is the only code that applies one.
//! The helpers here return `None` rather than an edit that could damage the file: a key that
//! cannot be removed without taking a comment that is not its own, a scalar whose written
//! form is not its value, a mapping that would be left empty with nothing to hold its place.

use crate::source::Span;
use crate::yaml::value::Path;
use crate::yaml::{Document, NodeId, NodeKind, Style};
use serde::Serialize;

/// How sure a fix is to keep what the author meant (ruff's ordering: `Safe` is applied by
/// default, `Unsafe` only with `--unsafe-fixes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    Unsafe,
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// Replace the bytes of `span` with `content` (an empty span inserts, empty content deletes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub content: String,
}

impl Edit {
    pub fn replace(span: Span, content: impl Into<String>) -> Edit {
        Edit {
            span,
            content: content.into(),
        }
    }

    pub fn delete(span: Span) -> Edit {
        Edit::replace(span, "")
    }

    pub fn insert(at: usize, content: impl Into<String>) -> Edit {
        Edit::replace(Span::new(at, at), content)
    }
}

/// What a fix promises about one of its paths once applied: checked on the result, so a
/// removal that reveals another value (a `<<` merge, an earlier duplicate) or a quote that
/// leaves another key in its place is refused rather than written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Nothing is left at the path.
    Absent,
    /// Something is at the path.
    Present,
    /// The path holds this string; or, when `or_at` is given, that other path does (a value
    /// whose key another fix of the same pass may rename from its typed name to its written
    /// one).
    Str { value: String, or_at: Option<Path> },
}

/// A repair for one finding: its edits never overlap, and `targets` are the paths (from the
/// root of document `doc`) whose meaning the fix is allowed to change; `expect` says what
/// those paths hold afterwards.
#[derive(Clone, Debug)]
pub struct Fix {
    pub applicability: Applicability,
    pub message: String,
    pub edits: Vec<Edit>,
    pub doc: usize,
    pub(crate) targets: Vec<Path>,
    pub(crate) expect: Vec<(Path, Expect)>,
    /// The edits also delete a comment that is not the changed entry's own.
    pub drops_comment: bool,
}

impl Fix {
    pub fn new(
        applicability: Applicability,
        message: impl Into<String>,
        mut edits: Vec<Edit>,
        doc: usize,
        targets: Vec<Path>,
    ) -> Fix {
        edits.sort_by_key(|e| (e.span.start, e.span.end));
        Fix {
            applicability,
            message: message.into(),
            edits,
            doc,
            targets,
            expect: Vec::new(),
            drops_comment: false,
        }
    }

    /// The fix as a lint run reports it: its edits and message, without what verifying it
    /// takes (a run that does not fix never verifies, and a file's findings can be many).
    /// Without targets the fix may change nothing, so applying it would be refused.
    pub(crate) fn reported(&mut self) {
        self.targets = Vec::new();
        self.expect = Vec::new();
    }

    /// Adds what the fix promises at `path` once applied.
    pub fn expecting(mut self, path: Path, expect: Expect) -> Fix {
        self.expect.push((path, expect));
        self
    }

    /// A fix that must change nothing kubectl sees (removing an earlier duplicate key).
    pub fn changing_nothing(mut self) -> Fix {
        self.targets.clear();
        self.expect.clear();
        self
    }

    /// The bytes the fix touches, from its first edit to its last.
    pub fn extent(&self) -> Span {
        let start = self.edits.first().map_or(0, |e| e.span.start);
        let end = self.edits.iter().map(|e| e.span.end).max().unwrap_or(start);
        Span::new(start, end)
    }
}

/// How a string is written so that YAML 1.1 reads it back as that string: double quotes, or
/// single quotes where double quotes would need escapes.
pub fn quoted(v: &str) -> String {
    if v.contains('"') || v.contains('\\') {
        format!("'{}'", v.replace('\'', "''"))
    } else {
        format!("\"{v}\"")
    }
}

/// Quote a plain scalar where it is written, so it reads as the text the author wrote.
pub fn quote_scalar(text: &str, doc: &Document, node: NodeId) -> Option<Edit> {
    let (value, style, tag) = doc.scalar_parts(node)?;
    if style != Style::Plain || tag.is_some() || value.is_empty() {
        return None;
    }
    let span = doc.span(doc.deref(node));
    if text.get(span.start..span.end)? != value || value.contains(['\n', '\r']) {
        return None;
    }
    Some(Edit::replace(span, quoted(value)))
}

/// The start of the line holding `offset` (after a byte order mark on the first line).
pub fn line_start(text: &str, offset: usize) -> usize {
    let s = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    if s == 0 && text.starts_with('\u{feff}') {
        3.min(offset)
    } else {
        s
    }
}

/// The offset just past the line end (`\n`) at or after `offset`, or the end of the text.
pub fn line_end(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1)
}

/// The line ending a text uses at `offset`'s line (`\r\n` or `\n`).
pub fn newline_at(text: &str, offset: usize) -> &'static str {
    let e = line_end(text, offset);
    if e >= 2 && text.as_bytes()[e - 1] == b'\n' && text.as_bytes()[e - 2] == b'\r' {
        "\r\n"
    } else if e == text.len() && !text.ends_with('\n') {
        if text.contains("\r\n") { "\r\n" } else { "\n" }
    } else {
        "\n"
    }
}

fn is_blank(s: &str) -> bool {
    s.bytes().all(|b| b == b' ' || b == b'\t' || b == b'\r')
}

/// Whether the rest of a line after a value is empty, a comment, or (for an empty value) the
/// `:` that follows its key.
fn rest_is_trailer(rest: &str) -> bool {
    let r = rest.trim_end_matches(['\n', '\r']);
    let r = r.strip_prefix(':').unwrap_or(r);
    let t = r.trim_start_matches([' ', '\t']);
    t.is_empty() || t.starts_with('#')
}

/// The end of a block entry: past its value's last line, its trailing comment, and comment
/// lines indented deeper than its key (they sit inside its block).
fn block_entry_end(text: &str, ve: usize, key_col: usize) -> Option<usize> {
    // a block scalar (`|`, `>`) ends after the indentation of the line that follows it
    let ls = line_start(text, ve);
    let ve = if ls > 0 && ls < ve && text[ls..ve].bytes().all(|b| b == b' ') {
        ls
    } else {
        ve
    };
    let mut end = if ve > 0 && text.as_bytes()[ve - 1] == b'\n' {
        ve
    } else {
        let e = line_end(text, ve);
        if !rest_is_trailer(&text[ve..e]) {
            return None;
        }
        e
    };
    while end < text.len() {
        let e = line_end(text, end);
        let line = &text[end..e];
        let indent = line.len() - line.trim_start_matches(' ').len();
        if line.trim_start_matches(' ').starts_with('#') && indent > key_col {
            end = e;
        } else {
            break;
        }
    }
    Some(end)
}

/// Where a removal of the lines `[start, end)` should end so that it leaves no blank hole:
/// when blank lines follow and the line before is blank too, or is the parent's line, the
/// blank lines go with the entry.
fn swallow_blank_lines(text: &str, start: usize, end: usize, key_col: usize) -> usize {
    let mut after = end;
    while after < text.len() {
        let e = line_end(text, after);
        if !is_blank(text[after..e].trim_end_matches('\n')) || e == after {
            break;
        }
        after = e;
    }
    if after == end || after >= text.len() {
        return end;
    }
    if start == 0 {
        return end;
    }
    let prev = &text[line_start(text, start - 1)..start];
    let prev_line = prev.trim_end_matches(['\n', '\r']);
    let prev_indent = prev_line.len() - prev_line.trim_start_matches(' ').len();
    let parent_line = !is_blank(prev_line) && prev_indent < key_col;
    if is_blank(prev_line) || parent_line {
        after
    } else {
        end
    }
}

/// Where the removal of the lines `[start, end)` starts: at `start`, or, when they are the
/// last lines of a text with no final newline, at the line end before them, so the text
/// still ends without one.
fn removal_start(text: &str, start: usize, end: usize) -> usize {
    if end < text.len() || text.ends_with('\n') {
        return start;
    }
    let before = &text[..start];
    if before.ends_with("\r\n") {
        start - 2
    } else if before.ends_with('\n') {
        start - 1
    } else {
        start
    }
}

/// How to remove a mapping entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Removal {
    pub edits: Vec<Edit>,
    /// The edits also delete a comment that is not the entry's own: a fix made of them is
    /// unsafe (STYLE.md, fix safety).
    pub drops_comment: bool,
}

impl Removal {
    fn clean(edits: Vec<Edit>) -> Option<Removal> {
        Some(Removal {
            edits,
            drops_comment: false,
        })
    }
}

/// Edits that remove the entry whose key is `key` from mapping `map`, with the comments that
/// belong to it (on its lines or inside its block), leaving no blank hole. A block mapping
/// left empty becomes `{}`. `None` when that cannot be done by editing a few bytes (an
/// anchor or tag on the emptied mapping, a sequence item's only key).
pub fn remove_entry(text: &str, doc: &Document, map: NodeId, key: NodeId) -> Option<Removal> {
    let NodeKind::Map { entries, flow } = &doc.node(map).kind else {
        return None;
    };
    let idx = entries.iter().position(|(k, _)| *k == key)?;
    let (k, v) = entries[idx];
    let ks = doc.span(k).start;
    let ve = doc.span(v).end.max(doc.span(k).end);
    if *flow {
        let range = if entries.len() == 1 {
            let m = doc.span(map);
            Span::new(m.start + 1, m.end.saturating_sub(1))
        } else if idx > 0 {
            Span::new(doc.span(entries[idx - 1].1).end, ve)
        } else {
            Span::new(ks, doc.span(entries[idx + 1].0).start)
        };
        if range.start > range.end {
            return None;
        }
        let drops_comment = text.get(range.start..ks.max(range.start))?.contains('#')
            || text.get(ve.min(range.end)..range.end)?.contains('#');
        return Some(Removal {
            edits: vec![Edit::delete(range)],
            drops_comment,
        });
    }
    let ls = line_start(text, ks);
    let prefix = &text[ls..ks];
    let key_col = prefix.chars().count();
    let end = block_entry_end(text, ve, key_col)?;
    if is_blank(prefix) {
        if entries.len() > 1 {
            let end = swallow_blank_lines(text, ls, end, key_col);
            return Removal::clean(vec![Edit::delete(Span::new(
                removal_start(text, ls, end),
                end,
            ))]);
        }
        // the mapping would be left empty: its parent entry's value becomes `{}`, written
        // after the colon so a comment on the parent's line stays
        let (_, pk, _) = doc.entry_of_value(map)?;
        let pk_end = doc.span(pk).end;
        let after_key = text.get(pk_end..ls)?;
        let colon = pk_end + after_key.find(':')?;
        if !is_blank(&text[pk_end..colon]) {
            return None;
        }
        // between the colon and the entry: blank lines and comments only (no anchor or tag)
        let only_comments = text[colon + 1..ls].split('\n').all(|l| {
            let t = l.trim_start_matches([' ', '\t']);
            is_blank(t) || t.starts_with('#')
        });
        if !only_comments {
            return None;
        }
        return Removal::clean(vec![
            Edit::insert(colon + 1, " {}"),
            Edit::delete(Span::new(removal_start(text, ls, end).max(colon + 1), end)),
        ]);
    }
    // the first key of a sequence item (`- key: value`): the next key moves up behind the dash
    let dashes = prefix.trim_matches(' ');
    if !dashes.bytes().all(|b| b == b'-' || b == b' ') || dashes.is_empty() {
        return None;
    }
    let (nk, _) = *entries.get(idx + 1)?;
    let nks = doc.span(nk).start;
    let nls = line_start(text, nks);
    if nks - nls != ks - ls || !is_blank(&text[nls..nks]) {
        return None;
    }
    Some(Removal {
        edits: vec![Edit::delete(Span::new(ks, nks))],
        drops_comment: text[end..nls].contains('#'),
    })
}

/// A fix that removes the entry of `key` (with its comments) from the mapping holding it, in
/// document `doc_index`, promising the path is then absent. A removal that also deletes
/// another comment is unsafe, and says so.
pub fn removal(
    text: &str,
    doc: &Document,
    doc_index: usize,
    key: NodeId,
    reader: crate::yaml::resolve::Reader,
    applicability: Applicability,
    message: impl Into<String>,
) -> Option<Fix> {
    let map = doc.map_of_key(key)?;
    let removal = remove_entry(text, doc, map, key)?;
    let path = doc.path_to(key, reader)?;
    let (applicability, message) = if removal.drops_comment {
        (
            Applicability::Unsafe,
            format!("{} (and a comment next to it)", message.into()),
        )
    } else {
        (applicability, message.into())
    };
    let mut fix = Fix::new(
        applicability,
        message,
        removal.edits,
        doc_index,
        vec![path.clone()],
    )
    .expecting(path, Expect::Absent);
    fix.drops_comment = removal.drops_comment;
    Some(fix)
}

/// A string as written in a manifest: plain where YAML 1.1 reads it back as that string,
/// quoted otherwise (`"yes"`, `"1.0"`, `""`).
pub fn plain_or_quoted(v: &str) -> String {
    use crate::yaml::resolve::{Resolved, resolve};
    let plain_ok = !v.is_empty()
        && matches!(resolve(v, true, None), Resolved::Str)
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && !v.starts_with(['-', '.']);
    if plain_ok { v.to_string() } else { quoted(v) }
}

/// The indentation one level deeper than a block mapping's entries use: the step between
/// its parent's key and its first key, or two spaces.
pub fn step_of(text: &str, doc: &Document, map: NodeId, col: usize) -> usize {
    let parent = doc
        .entry_of_value(map)
        .map(|(_, k, _)| doc.span(k).start)
        .map(|ks| ks - line_start(text, ks));
    match parent {
        Some(p) if col > p => col - p,
        _ => 2,
    }
}

/// Lines added above the first entry of the block mapping `map` (and above the comments
/// that lead it), at its indentation: each line is `(depth, text)`, depth counting the
/// mapping's own indentation steps. `None` for a flow or empty mapping, or one whose first
/// key does not start its line.
pub fn insert_first(
    text: &str,
    doc: &Document,
    map: NodeId,
    lines: &[(usize, String)],
) -> Option<Edit> {
    let &(first, _) = doc.raw_entries(map).first()?;
    if !matches!(doc.node(map).kind, NodeKind::Map { flow: false, .. }) {
        return None;
    }
    let ks = doc.span(first).start;
    let ls = line_start(text, ks);
    let indent = text.get(ls..ks)?;
    if !indent.bytes().all(|b| b == b' ') {
        return None;
    }
    let col = indent.len();
    let step = step_of(text, doc, map, col);
    // above the comment lines (at the same indentation) that lead the first entry
    let mut at = ls;
    while at > 0 {
        let prev = line_start(text, at - 1);
        let line = &text[prev..at];
        let trimmed = line.trim_start_matches(' ');
        if trimmed.starts_with('#') && line.len() - trimmed.len() == col {
            at = prev;
        } else {
            break;
        }
    }
    let nl = newline_at(text, ks);
    let body: String = lines
        .iter()
        .map(|(depth, l)| format!("{}{l}{nl}", " ".repeat(col + depth * step)))
        .collect();
    Some(Edit::insert(at, body))
}

/// A line (`key: value`) added after the entry `key: value` of a block mapping, at the
/// entry's column (the dashes of a sequence item count as indentation). `None` where the
/// entry spans several lines.
pub fn insert_after(
    text: &str,
    doc: &Document,
    key: NodeId,
    value: NodeId,
    line: &str,
) -> Option<Edit> {
    let ks = doc.span(key).start;
    let ls = line_start(text, ks);
    let prefix = text.get(ls..ks)?;
    if !prefix.bytes().all(|b| b == b' ' || b == b'-') {
        return None;
    }
    let indent = " ".repeat(prefix.chars().count());
    let ve = doc.span(value).end.max(doc.span(key).end);
    if text.get(ks..ve)?.contains('\n') {
        return None;
    }
    let at = line_end(text, ve);
    let nl = newline_at(text, ve);
    if at == text.len() && !text.ends_with('\n') {
        return Some(Edit::insert(at, format!("{nl}{indent}{line}")));
    }
    Some(Edit::insert(at, format!("{indent}{line}{nl}")))
}

/// Rename a key where it is written, keeping its quoting.
pub fn rename_key(text: &str, doc: &Document, key: NodeId, to: &str) -> Option<Edit> {
    let (value, style, tag) = doc.scalar_parts(key)?;
    if tag.is_some() {
        return None;
    }
    let span = doc.span(key);
    let written = text.get(span.start..span.end)?;
    let content = match style {
        Style::Plain if written == value => to.to_string(),
        Style::Double if written == format!("\"{value}\"") => format!("\"{to}\""),
        Style::Single if written == format!("'{value}'") => format!("'{to}'"),
        _ => return None,
    };
    Some(Edit::replace(span, content))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, parse};

    /// Removes the entry `key` from the mapping holding it, or says why not.
    fn remove(text: &str, key: &str) -> Option<String> {
        let stream = parse(text, Limits::default());
        let doc = &stream.documents[0];
        let k = (0..doc.nodes.len() as NodeId)
            .find(|&n| doc.scalar(n) == Some(key) && doc.map_of_key(n).is_some())?;
        let edits = remove_entry(text, doc, doc.map_of_key(k)?, k)?.edits;
        let mut out = text.to_string();
        for e in edits.iter().rev() {
            out.replace_range(e.span.start..e.span.end, &e.content);
        }
        Some(out)
    }

    #[test]
    fn a_block_scalar_goes_with_its_lines() {
        assert_eq!(
            remove("a:\n  k: |\n    {\"x\": 1}\n  name: x\n", "k").as_deref(),
            Some("a:\n  name: x\n")
        );
        assert_eq!(
            remove("a:\n  name: x\n  k: >-\n    folded\n    text\nb: 1\n", "k").as_deref(),
            Some("a:\n  name: x\nb: 1\n")
        );
    }

    #[test]
    fn first_key_of_a_sequence_item() {
        assert_eq!(
            remove("items:\n- status: {}\n  name: a\n- name: b\n", "status").as_deref(),
            Some("items:\n- name: a\n- name: b\n")
        );
        // the only key: the item would become null
        assert_eq!(remove("items:\n- status: {}\n- name: b\n", "status"), None);
        // a comment between it and the next key is not its own: removing it is unsafe
        let text = "items:\n- status: {}\n  # the name\n  name: a\n";
        let stream = parse(text, Limits::default());
        let doc = &stream.documents[0];
        let k = (0..doc.nodes.len() as NodeId)
            .find(|&n| doc.scalar(n) == Some("status"))
            .unwrap();
        let r = remove_entry(text, doc, doc.map_of_key(k).unwrap(), k).unwrap();
        assert!(r.drops_comment);
    }

    #[test]
    fn comments_on_its_lines_and_inside_its_block_go_with_it() {
        assert_eq!(
            remove(
                "a: 1\n# about b\nb:   # trailing\n  # inside\n  c: 2\n    # deeper, after\nd: 3\n",
                "b"
            )
            .as_deref(),
            Some("a: 1\n# about b\nd: 3\n")
        );
    }

    #[test]
    fn a_mapping_left_empty_becomes_braces() {
        assert_eq!(
            remove("meta:\n  uid: x\nspec: 1\n", "uid").as_deref(),
            Some("meta: {}\nspec: 1\n")
        );
        assert_eq!(
            remove("meta:\r\n  uid: x\r\nspec: 1\r\n", "uid").as_deref(),
            Some("meta: {}\r\nspec: 1\r\n")
        );
        // the parent's comment stays, and so does a comment above the entry
        assert_eq!(
            remove("meta: # keep\n  # about uid\n  uid: x\nspec: 1\n", "uid").as_deref(),
            Some("meta: {} # keep\n  # about uid\nspec: 1\n")
        );
        // an anchored mapping: `&m {}` would need the anchor moved; written by hand
        assert_eq!(remove("meta: &m\n  uid: x\nspec: 1\n", "uid"), None);
    }

    #[test]
    fn no_final_newline_stays_so() {
        assert_eq!(
            remove("a: 1\nstatus: {}", "status").as_deref(),
            Some("a: 1")
        );
        assert_eq!(
            remove("a: 1\r\nstatus: {}", "status").as_deref(),
            Some("a: 1")
        );
        assert_eq!(
            remove("meta:\n  uid: x", "uid").as_deref(),
            Some("meta: {}")
        );
        assert_eq!(
            remove("a: 1\nstatus: {}\n", "status").as_deref(),
            Some("a: 1\n")
        );
    }

    #[test]
    fn flow_mappings() {
        assert_eq!(
            remove("m: {a: 1, b: 2, c: 3}\n", "b").as_deref(),
            Some("m: {a: 1, c: 3}\n")
        );
        assert_eq!(
            remove("m: {a: 1, b: 2}\n", "a").as_deref(),
            Some("m: {b: 2}\n")
        );
        assert_eq!(remove("m: {a: 1}\n", "a").as_deref(), Some("m: {}\n"));
        assert_eq!(
            remove("m: {a: 1, # c\n  b: 2}\n", "b").as_deref(),
            Some("m: {a: 1}\n")
        );
    }

    #[test]
    fn quoting_picks_quotes_that_need_no_escape() {
        assert_eq!(quoted("yes"), "\"yes\"");
        assert_eq!(quoted("a\"b"), "'a\"b'");
        assert_eq!(quoted("it's \\"), "'it''s \\'");
    }
}
