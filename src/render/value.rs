//! The values the renderer works on: a YAML document read as kustomize reads it (YAML 1.2
//! typing, merge keys applied, aliases expanded), with mapping order kept, and written
//! back out as YAML or JSON.

use crate::yaml::resolve::{Reader, Resolved, resolve_with};
use crate::yaml::{Document, NodeId, NodeKind, Style};

#[derive(Clone, Debug, PartialEq)]
pub enum V {
    Null,
    Bool(bool),
    Int(i64),
    /// A number that is not an `i64`, as written.
    Float(String),
    Str(String),
    Seq(Vec<V>),
    Map(Vec<(String, V)>),
}

impl V {
    pub fn from_doc(doc: &Document, node: NodeId) -> V {
        from_node(doc, node, 0)
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        match self {
            V::Map(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut V> {
        match self {
            V::Map(m) => m.iter_mut().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn path(&self, keys: &[&str]) -> Option<&V> {
        keys.iter().try_fold(self, |v, k| v.get(k))
    }

    pub fn str(&self) -> Option<&str> {
        match self {
            V::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn str_at(&self, keys: &[&str]) -> Option<&str> {
        self.path(keys).and_then(V::str)
    }

    pub fn items(&self) -> &[V] {
        match self {
            V::Seq(s) => s,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self, V::Map(_))
    }

    /// Sets `key` in a mapping (replacing its value, or appending it).
    pub fn set(&mut self, key: &str, value: V) {
        if let V::Map(m) = self {
            match m.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => slot.1 = value,
                None => m.push((key.to_string(), value)),
            }
        }
    }

    pub fn remove(&mut self, key: &str) -> Option<V> {
        match self {
            V::Map(m) => {
                let i = m.iter().position(|(k, _)| k == key)?;
                Some(m.remove(i).1)
            }
            _ => None,
        }
    }

    /// The mapping at `key`, made (an empty mapping) when missing or null.
    pub fn map_at(&mut self, key: &str) -> Option<&mut V> {
        if !self.is_map() {
            return None;
        }
        if !self.get(key).is_some_and(V::is_map) {
            self.set(key, V::Map(Vec::new()));
        }
        self.get_mut(key)
    }

    /// The text of a scalar as a label value or name would carry it.
    pub fn scalar_text(&self) -> Option<String> {
        match self {
            V::Str(s) | V::Float(s) => Some(s.clone()),
            V::Int(i) => Some(i.to_string()),
            V::Bool(b) => Some(b.to_string()),
            V::Null => Some(String::new()),
            _ => None,
        }
    }
}

fn from_node(doc: &Document, node: NodeId, depth: usize) -> V {
    let node = doc.deref(node);
    if depth > 128 {
        return V::Null;
    }
    match &doc.node(node).kind {
        NodeKind::Scalar { .. } => {
            let Some((text, style, tag)) = doc.scalar_parts(node) else {
                return V::Null;
            };
            match resolve_with(Reader::Kustomize, text, style == Style::Plain, tag) {
                Resolved::Str => V::Str(text.to_string()),
                Resolved::Bool(b) => V::Bool(b),
                Resolved::Int(i) => match i64::try_from(i) {
                    Ok(i) => V::Int(i),
                    Err(_) => V::Float(text.to_string()),
                },
                Resolved::Float(_) | Resolved::SpecialFloat(_) => V::Float(text.to_string()),
                Resolved::Null => V::Null,
            }
        }
        NodeKind::Seq { items } => V::Seq(
            items
                .iter()
                .map(|&i| from_node(doc, i, depth + 1))
                .collect(),
        ),
        NodeKind::Map { .. } => {
            let mut out: Vec<(String, V)> = Vec::new();
            for e in doc.entries_as(node, Reader::Kustomize) {
                let Some(key) = doc.key_name_as(e.key, Reader::Kustomize) else {
                    continue;
                };
                let value = from_node(doc, e.value, depth + 1);
                match out.iter_mut().find(|(k, _)| *k == key) {
                    Some(slot) => slot.1 = value,
                    None => out.push((key, value)),
                }
            }
            V::Map(out)
        }
        NodeKind::Alias { .. } => V::Null,
    }
}

/// Writes values as a YAML stream, one document each, in block style.
pub fn to_yaml(docs: &[V]) -> String {
    let mut out = String::new();
    for (i, d) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        match d {
            V::Map(m) if !m.is_empty() => write_map(&mut out, m, 0),
            V::Seq(s) if !s.is_empty() => write_seq(&mut out, s, 0),
            other => {
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn write_map(out: &mut String, m: &[(String, V)], at: usize) {
    for (k, v) in m {
        indent(out, at);
        out.push_str(&key(k));
        out.push(':');
        write_value(out, v, at);
    }
}

fn write_seq(out: &mut String, s: &[V], at: usize) {
    for v in s {
        indent(out, at);
        out.push('-');
        match v {
            V::Map(m) if !m.is_empty() => {
                // the first entry on the dash's line, the rest below it
                let mut inner = String::new();
                write_map(&mut inner, m, at + 2);
                out.push(' ');
                out.push_str(&inner[at + 2..]);
            }
            V::Seq(s) if !s.is_empty() => {
                out.push('\n');
                write_seq(out, s, at + 2);
            }
            other => {
                out.push(' ');
                out.push_str(&scalar(other));
                out.push('\n');
            }
        }
    }
}

fn write_value(out: &mut String, v: &V, at: usize) {
    match v {
        V::Map(m) if !m.is_empty() => {
            out.push('\n');
            write_map(out, m, at + 2);
        }
        V::Seq(s) if !s.is_empty() => {
            out.push('\n');
            write_seq(out, s, at);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other));
            out.push('\n');
        }
    }
}

fn key(k: &str) -> String {
    if plain_safe(k) {
        k.to_string()
    } else {
        quoted(k)
    }
}

fn scalar(v: &V) -> String {
    match v {
        V::Null => "null".to_string(),
        V::Bool(b) => b.to_string(),
        V::Int(i) => i.to_string(),
        V::Float(f) => f.clone(),
        V::Str(s) if plain_safe(s) => s.clone(),
        V::Str(s) => quoted(s),
        V::Map(_) => "{}".to_string(),
        V::Seq(_) => "[]".to_string(),
    }
}

/// Whether a string may be written plain and read back as the same string by YAML 1.1 and
/// 1.2 readers alike.
fn plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !(first.is_ascii_alphanumeric() || matches!(first, '/' | '.' | '_' | '$'))
        || s.ends_with([' ', ':'])
        || s.contains(": ")
        || s.contains(" #")
        || s.contains([
            '\n', '\t', '\r', '"', '\'', '`', '{', '}', '[', ']', ',', '&', '*', '!', '|', '>',
            '%', '@',
        ])
        || !s.chars().all(|c| (' '..='~').contains(&c))
    {
        return false;
    }
    // a timestamp reads as a string to Kubernetes, as a date to other YAML 1.1 readers
    let timestamp =
        s.len() >= 8 && s.as_bytes()[..4].iter().all(u8::is_ascii_digit) && s.as_bytes()[4] == b'-';
    !timestamp
        && matches!(
            resolve_with(Reader::Kubernetes, s, true, None),
            Resolved::Str
        )
        && matches!(
            resolve_with(Reader::Kustomize, s, true, None),
            Resolved::Str
        )
}

fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes values as JSON, one document per line, mapping order kept.
pub fn to_json(docs: &[V]) -> String {
    let mut out = String::new();
    for d in docs {
        write_json(&mut out, d);
        out.push('\n');
    }
    out
}

pub fn write_json(out: &mut String, v: &V) {
    match v {
        V::Null => out.push_str("null"),
        V::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        V::Int(i) => out.push_str(&i.to_string()),
        V::Float(f) => match f.parse::<f64>() {
            Ok(x) if x.is_finite() => out.push_str(&serde_json::Value::from(x).to_string()),
            _ => out.push_str(&serde_json::Value::from(f.as_str()).to_string()),
        },
        V::Str(s) => out.push_str(&serde_json::Value::from(s.as_str()).to_string()),
        V::Seq(s) => {
            out.push('[');
            for (i, x) in s.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, x);
            }
            out.push(']');
        }
        V::Map(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::from(k.as_str()).to_string());
                out.push(':');
                write_json(out, x);
            }
            out.push('}');
        }
    }
}

/// A rendered value as a document whose nodes carry the spans of the source they came
/// from: where the same path exists in `source` (the object as written), its node's span;
/// elsewhere (a field a patch or a transformer added), the span of the nearest written
/// ancestor. Findings on the rendered object then point into the file that holds it.
pub fn to_document(v: &V, source: &Document, at: NodeId) -> Document {
    let mut doc = Document {
        nodes: Vec::new(),
        strings: String::new(),
        root: None,
        span: source.span,
        parents: std::sync::OnceLock::new(),
        substituted: None,
    };
    let root = push(&mut doc, v, Some(source), Some(at), source.span(at));
    doc.root = Some(root);
    doc
}

fn push(
    doc: &mut Document,
    v: &V,
    source: Option<&Document>,
    at: Option<NodeId>,
    fallback: crate::source::Span,
) -> NodeId {
    use crate::yaml::{Node, StrRef};
    let at = at.and_then(|a| source.map(|s| s.deref(a)));
    let span = match (source, at) {
        (Some(s), Some(a)) => s.span(a),
        _ => fallback,
    };
    let scalar = |doc: &mut Document, text: &str, style: Style| {
        let start = doc.strings.len() as u32;
        doc.strings.push_str(text);
        NodeKind::Scalar {
            value: StrRef {
                start,
                len: text.len() as u32,
            },
            style,
        }
    };
    let kind = match v {
        V::Null => scalar(doc, "null", Style::Plain),
        V::Bool(b) => scalar(doc, if *b { "true" } else { "false" }, Style::Plain),
        V::Int(i) => scalar(doc, &i.to_string(), Style::Plain),
        V::Float(f) => scalar(doc, f, Style::Plain),
        V::Str(s) => scalar(doc, s, Style::Double),
        V::Seq(items) => {
            let src_items: Vec<NodeId> = match (source, at) {
                (Some(s), Some(a)) => s.items(a).to_vec(),
                _ => Vec::new(),
            };
            let ids = items
                .iter()
                .enumerate()
                .map(|(i, x)| push(doc, x, source, src_items.get(i).copied(), span))
                .collect();
            NodeKind::Seq { items: ids }
        }
        V::Map(entries) => {
            let mut ids = Vec::new();
            for (k, x) in entries {
                let src_entry = match (source, at) {
                    (Some(s), Some(a)) if s.is_map(a) => s.get_entry(a, k),
                    _ => None,
                };
                let key_span = match (source, src_entry) {
                    (Some(s), Some((kn, _))) => s.span(kn),
                    _ => span,
                };
                let key_kind = scalar(doc, k, Style::Plain);
                doc.nodes.push(Node {
                    kind: key_kind,
                    span: key_span,
                    tag: Some("!!str".into()),
                });
                let key_id = (doc.nodes.len() - 1) as NodeId;
                let value_id = push(doc, x, source, src_entry.map(|(_, vn)| vn), span);
                ids.push((key_id, value_id));
            }
            NodeKind::Map {
                entries: ids,
                flow: false,
            }
        }
    };
    doc.nodes.push(Node {
        kind,
        span,
        tag: None,
    });
    (doc.nodes.len() - 1) as NodeId
}
