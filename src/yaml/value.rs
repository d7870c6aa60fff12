//! What a document means once a reader has typed it: the tree kubectl turns into JSON.
//!
//! `apply.rs` compares these trees before and after a fix, so a fix that changes anything
//! except what it meant to change is never written.

use super::node::{Document, NodeId, NodeKind, Style};
use super::resolve::{Reader, Resolved, resolve_with};
use std::collections::BTreeMap;

/// A typed value: scalars as the reader types them, mappings with their effective keys
/// (merge keys applied, the last duplicate winning), aliases followed.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i128),
    /// floats compared by their bits, so NaN equals itself
    Float(u64),
    Special(&'static str),
    Str(String),
    Map(BTreeMap<String, Value>),
    Seq(Vec<Value>),
}

/// A path from a document's root: mapping keys (as Kubernetes names them) and sequence
/// indices (as decimal text).
pub type Path = Vec<String>;

/// The name a key gets under a reader; a null key is named `null`.
pub fn key_name(doc: &Document, key: NodeId, reader: Reader) -> String {
    match doc.scalar_parts(key) {
        Some((v, style, tag)) => match resolve_with(reader, v, style == Style::Plain, tag) {
            Resolved::Str => v.to_string(),
            other => other.key_string().unwrap_or_else(|| "null".to_string()),
        },
        None => format!("<collection at {}>", doc.span(key).start),
    }
}

/// The typed value of a node. Depth is bounded by the parser's nesting limit, and the
/// parser refuses documents whose aliases expand past its limit.
pub fn value(doc: &Document, node: NodeId, reader: Reader) -> Value {
    let node = doc.deref(node);
    let n = doc.node(node);
    match &n.kind {
        NodeKind::Scalar { value, style } => {
            match resolve_with(reader, value, *style == Style::Plain, n.tag.as_deref()) {
                Resolved::Str => Value::Str(value.to_string()),
                Resolved::Bool(b) => Value::Bool(b),
                Resolved::Int(i) => Value::Int(i),
                Resolved::Float(f) => Value::Float(f.to_bits()),
                Resolved::SpecialFloat(s) => Value::Special(s),
                Resolved::Null => Value::Null,
            }
        }
        NodeKind::Map { .. } => {
            let mut map = BTreeMap::new();
            for e in doc.entries(node) {
                map.insert(key_name(doc, e.key, reader), value(doc, e.value, reader));
            }
            Value::Map(map)
        }
        NodeKind::Seq { items, .. } => {
            Value::Seq(items.iter().map(|&i| value(doc, i, reader)).collect())
        }
        NodeKind::Alias { .. } => Value::Null,
    }
}

/// The paths at which two values differ, as shallow as possible.
pub fn diff(a: &Value, b: &Value, path: &mut Path, out: &mut Vec<Path>) {
    match (a, b) {
        (Value::Map(x), Value::Map(y)) => {
            for (k, va) in x {
                path.push(k.clone());
                match y.get(k) {
                    Some(vb) => diff(va, vb, path, out),
                    None => out.push(path.clone()),
                }
                path.pop();
            }
            for k in y.keys() {
                if !x.contains_key(k) {
                    path.push(k.clone());
                    out.push(path.clone());
                    path.pop();
                }
            }
        }
        (Value::Seq(x), Value::Seq(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                path.push(i.to_string());
                diff(va, vb, path, out);
                path.pop();
            }
        }
        _ if a == b => {}
        _ => out.push(path.clone()),
    }
}

impl Document {
    /// The path from the root to `target`, through the mappings and sequences as written
    /// (not through aliases or merge keys). For a key node, the path ends at its entry.
    pub fn path_to(&self, target: NodeId, reader: Reader) -> Option<Path> {
        let mut path = Vec::new();
        let root = self.root?;
        self.find_path(root, target, reader, &mut path, 0)
            .then_some(path)
    }

    fn find_path(
        &self,
        at: NodeId,
        target: NodeId,
        reader: Reader,
        path: &mut Path,
        depth: usize,
    ) -> bool {
        if at == target {
            return true;
        }
        if depth > 256 {
            return false;
        }
        let span = self.span(at);
        let t = self.span(target);
        if t.start < span.start || t.end > span.end {
            return false;
        }
        match &self.node(at).kind {
            NodeKind::Map { entries, .. } => {
                for &(k, v) in entries {
                    path.push(key_name(self, k, reader));
                    if k == target || self.find_path(v, target, reader, path, depth + 1) {
                        return true;
                    }
                    path.pop();
                }
                false
            }
            NodeKind::Seq { items, .. } => {
                for (i, &item) in items.iter().enumerate() {
                    path.push(i.to_string());
                    if self.find_path(item, target, reader, path, depth + 1) {
                        return true;
                    }
                    path.pop();
                }
                false
            }
            _ => false,
        }
    }

    /// The mapping that holds `key` as one of its written keys.
    pub fn map_of_key(&self, key: NodeId) -> Option<NodeId> {
        self.nodes
            .iter()
            .enumerate()
            .find_map(|(i, n)| match &n.kind {
                NodeKind::Map { entries, .. } if entries.iter().any(|(k, _)| *k == key) => {
                    Some(i as NodeId)
                }
                _ => None,
            })
    }

    /// The entry (key, value) whose value is `node`, and the mapping holding it.
    pub fn entry_of_value(&self, node: NodeId) -> Option<(NodeId, NodeId, NodeId)> {
        self.nodes
            .iter()
            .enumerate()
            .find_map(|(i, n)| match &n.kind {
                NodeKind::Map { entries, .. } => entries
                    .iter()
                    .find(|(_, v)| *v == node)
                    .map(|&(k, v)| (i as NodeId, k, v)),
                _ => None,
            })
    }
}
