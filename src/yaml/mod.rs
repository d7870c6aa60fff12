//! The manifest parser: granit-parser events turned into a spanned node tree.
//!
//! Only this module knows granit-parser. Every node keeps its byte span, scalar style and
//! explicit tag; aliases stay references (never expanded), so an alias bomb costs nothing
//! to hold and is reported by counting what it would expand to.

pub mod node;
pub mod resolve;
pub mod value;

pub use node::{Document, Node, NodeId, NodeKind, StrRef, Style};

use crate::source::Span;
use granit_parser::{Event, Options, Parser, ScalarStyle};
use std::collections::HashMap;

/// Limits that turn hostile input into errors instead of aborts or runaway memory.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Nested block or flow collections.
    pub depth: usize,
    /// Nodes a document may expand to through aliases, beyond its own node count.
    pub alias_expansion: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            depth: 200,
            alias_expansion: 1_000_000,
        }
    }
}

/// A syntax error: where, and what the parser said.
#[derive(Clone, Debug)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

/// Every document of a stream that parsed, and the errors between them.
pub struct Stream {
    pub documents: Vec<Document>,
    pub errors: Vec<ParseError>,
}

enum Open {
    Map {
        id: NodeId,
        entries: Vec<(NodeId, NodeId)>,
        key: Option<NodeId>,
    },
    Seq {
        id: NodeId,
        items: Vec<NodeId>,
    },
}

struct Builder {
    nodes: Vec<Node>,
    strings: String,
    /// expanded size of each node (aliases counted as their target's size)
    sizes: Vec<u64>,
    stack: Vec<Open>,
    anchors: HashMap<usize, NodeId>,
    root: Option<NodeId>,
    start: usize,
    error: Option<String>,
}

impl Builder {
    fn new(start: usize) -> Builder {
        Builder {
            nodes: Vec::new(),
            strings: String::new(),
            sizes: Vec::new(),
            stack: Vec::new(),
            anchors: HashMap::new(),
            root: None,
            start,
            error: None,
        }
    }

    /// Keeps a scalar's value in the document's buffer. A document whose values pass 4 GiB
    /// is refused (no file kure reads comes near).
    fn keep(&mut self, value: &str) -> StrRef {
        let (Ok(start), Ok(len)) = (
            u32::try_from(self.strings.len()),
            u32::try_from(value.len()),
        ) else {
            self.error = Some("document too large".into());
            return StrRef { start: 0, len: 0 };
        };
        if start.checked_add(len).is_none() {
            self.error = Some("document too large".into());
            return StrRef { start: 0, len: 0 };
        }
        self.strings.push_str(value);
        StrRef { start, len }
    }

    fn push(&mut self, node: Node, size: u64) -> NodeId {
        let id = self.nodes.len() as NodeId;
        self.nodes.push(node);
        self.sizes.push(size);
        id
    }

    fn attach(&mut self, id: NodeId) {
        match self.stack.last_mut() {
            None => self.root = Some(id),
            Some(Open::Seq { items, .. }) => items.push(id),
            Some(Open::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(id),
                Some(k) => entries.push((k, id)),
            },
        }
    }

    fn open_span_end(&self, id: NodeId) -> usize {
        self.nodes[id as usize].span.end
    }

    fn close(&mut self, end: Span, flow: bool) {
        let Some(open) = self.stack.pop() else { return };
        let id = match &open {
            Open::Map { id, .. } | Open::Seq { id, .. } => *id,
        };
        let mut size: u64 = 1;
        let mut last_end = self.open_span_end(id);
        let mut add = |c: NodeId| {
            size = size.saturating_add(self.sizes[c as usize]);
            last_end = last_end.max(self.nodes[c as usize].span.end);
        };
        match &open {
            Open::Map { entries, key, .. } => {
                for &(k, v) in entries {
                    add(k);
                    add(v);
                }
                key.iter().for_each(|&k| add(k));
            }
            Open::Seq { items, .. } => items.iter().for_each(|&i| add(i)),
        }
        let span_end = if flow {
            end.end.max(last_end)
        } else {
            last_end
        };
        let kind = match open {
            Open::Map { entries, key, .. } => {
                let mut entries = entries;
                if let Some(k) = key {
                    // a key without a value: the parser emits an empty scalar for it, so this
                    // only happens on truncated input
                    let empty = self.push(
                        Node {
                            kind: NodeKind::Scalar {
                                value: StrRef { start: 0, len: 0 },
                                style: Style::Plain,
                            },
                            span: Span::new(last_end, last_end),
                            tag: None,
                        },
                        1,
                    );
                    entries.push((k, empty));
                }
                NodeKind::Map { entries, flow }
            }
            Open::Seq { items, .. } => NodeKind::Seq { items },
        };
        let node = &mut self.nodes[id as usize];
        node.span.end = span_end;
        node.kind = kind;
        self.sizes[id as usize] = size;
        self.attach(id);
    }

    fn finish(self, end: usize) -> Document {
        Document {
            nodes: self.nodes,
            strings: self.strings,
            root: self.root,
            span: Span::new(self.start, end),
            parents: std::sync::OnceLock::new(),
            substituted: None,
        }
    }
}

fn tag_text(tag: &granit_parser::Tag) -> Box<str> {
    if tag.handle() == "tag:yaml.org,2002:" {
        format!("!!{}", tag.suffix()).into()
    } else {
        format!("{}{}", tag.handle(), tag.suffix()).into()
    }
}

fn style_of(s: ScalarStyle) -> Style {
    match s {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted => Style::Single,
        ScalarStyle::DoubleQuoted => Style::Double,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
        #[allow(unreachable_patterns)]
        _ => Style::Plain,
    }
}

/// A directive kubectl cannot read, which makes it refuse the whole file: a directive before
/// the first document (its reader splits the file at `---` lines and hands go-yaml a directive
/// with no document after it; checked with kubectl 1.37, for `%YAML 1.1`, `%YAML 1.2` and
/// `%TAG`). A directive after a `...` later in the file is read.
fn unreadable_directive(text: &str) -> Option<ParseError> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let at = offset;
        offset += line.len();
        let t = line
            .trim_end_matches(['\n', '\r'])
            .trim_start_matches('\u{feff}');
        if t.trim_start().is_empty() || t.trim_start().starts_with('#') {
            continue;
        }
        let rest = t.strip_prefix('%')?;
        return Some(ParseError {
            offset: at,
            message: format!(
                "kubectl cannot read a file that starts with a directive (`%{}`): it splits the file at `---` and finds no document after the directive; remove the directive",
                rest.trim()
            ),
        });
    }
    None
}

/// Parses a whole stream. Documents that fail to parse are dropped and their error recorded;
/// parsing resumes at the next document boundary.
pub fn parse(text: &str, limits: Limits) -> Stream {
    let mut documents = Vec::new();
    let mut errors = Vec::new();
    parse_each(text, limits, |d| documents.push(d), |e| errors.push(e));
    Stream { documents, errors }
}

/// Parses a stream one document at a time: each document is handed to `on_doc` as soon as it
/// is complete (so a caller that drops it holds one document's tree at a time, not the whole
/// stream's), each error to `on_error`, in text order.
pub fn parse_each(
    text: &str,
    limits: Limits,
    mut on_doc: impl FnMut(Document),
    mut on_error: impl FnMut(ParseError),
) {
    if let Some(e) = unreadable_directive(text) {
        // kubectl reads none of the file: neither does kure, so nothing in it is changed
        on_error(e);
        return;
    }
    let mut options = Options::default();
    options.set_emit_comments(false);
    options.block_nesting_limit = limits.depth;
    options.flow_nesting_limit = limits.depth;
    let mut parser = Parser::new_from_str_with_options(text, options);
    let mut doc: Option<Builder> = None;

    loop {
        let next = parser.next_event();
        let (event, span) = match next {
            None => break,
            Some(Ok(x)) => x,
            Some(Err(e)) => {
                let offset = e.marker().byte_offset().unwrap_or(0).min(text.len());
                on_error(ParseError {
                    offset,
                    message: e.kind().to_string(),
                });
                doc = None;
                match parser.proceed_next_document() {
                    Ok(true) => continue,
                    Ok(false) => break,
                    Err(e) => {
                        on_error(ParseError {
                            offset: e.marker().byte_offset().unwrap_or(offset).min(text.len()),
                            message: e.kind().to_string(),
                        });
                        break;
                    }
                }
            }
        };
        let range = span.byte_range().unwrap_or(0..0);
        let sp = Span::new(range.start, range.end);
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Anchor(..) => {}
            Event::DocumentStart(_, _) => doc = Some(Builder::new(sp.start)),
            Event::DocumentEnd => {
                if let Some(b) = doc.take() {
                    if let Some(msg) = b.error.clone() {
                        on_error(ParseError {
                            offset: b.start,
                            message: msg,
                        });
                        continue;
                    }
                    let own = b.nodes.len() as u64;
                    let expanded = b.root.map(|r| b.sizes[r as usize]).unwrap_or(0);
                    if expanded > own.saturating_add(limits.alias_expansion) {
                        on_error(ParseError {
                            offset: b.start,
                            message: format!(
                                "document contains excessive aliasing: it expands to more than {} nodes",
                                own.saturating_add(limits.alias_expansion)
                            ),
                        });
                        continue;
                    }
                    on_doc(b.finish(sp.end.max(sp.start)));
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let Some(b) = doc.as_mut() else { continue };
                // a block scalar whose last line ends the file without a line break has no
                // final line break to keep (as go-yaml and the YAML spec read it)
                let unterminated = matches!(style, ScalarStyle::Literal | ScalarStyle::Folded)
                    && value.ends_with('\n')
                    && !text.ends_with('\n')
                    && !text.get(sp.end..).is_some_and(|rest| rest.contains('\n'));
                let value = if unterminated {
                    b.keep(&value[..value.len() - 1])
                } else {
                    b.keep(&value)
                };
                let id = b.push(
                    Node {
                        kind: NodeKind::Scalar {
                            value,
                            style: style_of(style),
                        },
                        span: sp,
                        tag: tag.as_deref().map(tag_text),
                    },
                    1,
                );
                if anchor != 0 {
                    b.anchors.insert(anchor, id);
                }
                b.attach(id);
            }
            Event::Alias(anchor) => {
                let Some(b) = doc.as_mut() else { continue };
                let target = b.anchors.get(&anchor).copied();
                let size = match target {
                    Some(t) => {
                        let t_node = &b.nodes[t as usize];
                        let still_open =
                            matches!(t_node.kind, NodeKind::Map { .. } | NodeKind::Seq { .. })
                                && b.stack.iter().any(|o| match o {
                                    Open::Map { id, .. } | Open::Seq { id, .. } => *id == t,
                                });
                        if still_open {
                            b.error = Some("anchor's value contains itself".into());
                        }
                        b.sizes[t as usize]
                    }
                    None => 1,
                };
                let id = b.push(
                    Node {
                        kind: NodeKind::Alias { target },
                        span: sp,
                        tag: None,
                    },
                    size,
                );
                b.attach(id);
            }
            Event::UnresolvedAlias(_) => {}
            Event::SequenceStart(_, anchor, ref tag) | Event::MappingStart(_, anchor, ref tag) => {
                let Some(b) = doc.as_mut() else { continue };
                let is_map = matches!(event, Event::MappingStart(..));
                let id = b.push(
                    Node {
                        kind: NodeKind::Map {
                            entries: Vec::new(),
                            flow: false,
                        },
                        span: sp,
                        tag: tag.as_deref().map(tag_text),
                    },
                    1,
                );
                if anchor != 0 {
                    b.anchors.insert(anchor, id);
                }
                b.stack.push(if is_map {
                    Open::Map {
                        id,
                        entries: Vec::new(),
                        key: None,
                    }
                } else {
                    Open::Seq {
                        id,
                        items: Vec::new(),
                    }
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(b) = doc.as_mut() else { continue };
                let flow =
                    sp.len() == 1 && matches!(text.as_bytes().get(sp.start), Some(b'}' | b']'));
                b.close(sp, flow);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
