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

/// The name a key gets under a reader; a null key is named `null`, a collection (which
/// Kubernetes rejects as a key; a Go template's `{{ .x }}` parses as one) by its contents.
pub fn key_name(doc: &Document, key: NodeId, reader: Reader) -> String {
    doc.key_name_as(key, reader)
        .unwrap_or_else(|| match doc.scalar(key) {
            Some(_) => "null".to_string(),
            None => format!("<collection {}>", collection_text(doc, key)),
        })
}

/// A collection key's scalars in order, with its brackets, at most 256 bytes: a name that
/// stays the same while text elsewhere moves (its byte offset would not).
fn collection_text(doc: &Document, key: NodeId) -> String {
    const MAX: usize = 256;
    let mut out = String::new();
    let mut stack = vec![Some(key)];
    while let Some(item) = stack.pop() {
        if out.len() > MAX {
            break;
        }
        let Some(n) = item else {
            out.push(')');
            continue;
        };
        match &doc.node(n).kind {
            NodeKind::Scalar { value, .. } => {
                out.push_str(doc.text_of(*value));
                out.push(' ');
            }
            NodeKind::Map { entries, .. } => {
                out.push('(');
                stack.push(None);
                for &(k, v) in entries.iter().rev() {
                    stack.push(Some(v));
                    stack.push(Some(k));
                }
            }
            NodeKind::Seq { items } => {
                out.push('(');
                stack.push(None);
                stack.extend(items.iter().rev().map(|&i| Some(i)));
            }
            NodeKind::Alias { .. } => out.push_str("* "),
        }
    }
    out.truncate(out.floor_char_boundary(MAX));
    out
}

/// The typed value of a node. Depth is bounded by the parser's nesting limit, and the
/// parser refuses documents whose aliases expand past its limit.
pub fn value(doc: &Document, node: NodeId, reader: Reader) -> Value {
    value_at(doc, node, reader, 0)
}

/// Aliases can nest a tree deeper than the parser's limit; past this depth (mappings and
/// sequences alike) the rest of a branch is compared as one opaque value.
const MAX_VALUE_DEPTH: usize = 2048;

fn value_at(doc: &Document, node: NodeId, reader: Reader, depth: usize) -> Value {
    if depth > MAX_VALUE_DEPTH {
        return Value::Str(format!("<deeper than {MAX_VALUE_DEPTH} levels>"));
    }
    let node = doc.deref(node);
    let n = doc.node(node);
    match &n.kind {
        NodeKind::Scalar { value, style } => {
            let value = doc.text_of(*value);
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
            for e in doc.entries_as(node, reader) {
                map.insert(
                    key_name(doc, e.key, reader),
                    value_at(doc, e.value, reader, depth + 1),
                );
            }
            Value::Map(map)
        }
        NodeKind::Seq { items, .. } => Value::Seq(
            items
                .iter()
                .map(|&i| value_at(doc, i, reader, depth + 1))
                .collect(),
        ),
        NodeKind::Alias { .. } => Value::Null,
    }
}

/// The paths at which two values differ, as shallow as possible. Values are at most
/// `MAX_VALUE_DEPTH` deep, so neither is the recursion.
pub fn diff(a: &Value, b: &Value, path: &mut Path, out: &mut Vec<Path>) {
    if path.len() > MAX_VALUE_DEPTH {
        if a != b {
            out.push(path.clone());
        }
        return;
    }
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

/// The value at a path (mapping keys by name, sequence items by index), if any.
pub fn lookup<'v>(root: &'v Value, path: &[String]) -> Option<&'v Value> {
    let mut cur = root;
    for p in path {
        cur = match cur {
            Value::Map(m) => m.get(p)?,
            Value::Seq(items) => items.get(p.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Two keys of one mapping that go-yaml keeps apart, because it types them differently
/// (`16` an integer, `"16"` a string), but that kubectl's conversion to JSON gives the same
/// name: which value the object gets is then Go's map order, not defined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyCollision {
    /// The mapping.
    pub map: NodeId,
    /// The name both keys get.
    pub name: String,
    /// The two keys as written, the earlier first.
    pub keys: (NodeId, NodeId),
}

/// The type a reader gives a key, as go-yaml tells keys apart.
fn key_type(
    doc: &Document,
    key: NodeId,
    reader: Reader,
) -> Option<std::mem::Discriminant<Resolved>> {
    let (v, style, tag) = doc.scalar_parts(key)?;
    Some(std::mem::discriminant(&resolve_with(
        reader,
        v,
        style == Style::Plain,
        tag,
    )))
}

/// The keys of `map` (as written) that collide with an earlier key of another type.
pub fn key_collisions_in(doc: &Document, map: NodeId, reader: Reader) -> Vec<KeyCollision> {
    let entries = doc.raw_entries(map);
    let mut out = Vec::new();
    if entries.len() < 2 {
        return out;
    }
    // most mappings have string keys only: nothing can collide across types
    let typed: Vec<Option<std::mem::Discriminant<Resolved>>> = entries
        .iter()
        .map(|&(k, _)| key_type(doc, k, reader))
        .collect();
    let string = std::mem::discriminant(&Resolved::Str);
    if typed.iter().all(|t| *t == Some(string) || t.is_none()) {
        return out;
    }
    let mut seen: std::collections::HashMap<String, (NodeId, std::mem::Discriminant<Resolved>)> =
        std::collections::HashMap::new();
    for (&(k, _), t) in entries.iter().zip(&typed) {
        let Some(t) = *t else { continue };
        if doc.is_merge_key(k) {
            continue;
        }
        let name = key_name(doc, k, reader);
        match seen.get(&name) {
            Some(&(k0, t0)) if t0 != t => out.push(KeyCollision {
                map,
                name: name.clone(),
                keys: (k0, k),
            }),
            _ => {}
        }
        seen.insert(name, (k, t));
    }
    out
}

/// Every key collision of a document (see `KeyCollision`).
pub fn key_collisions(doc: &Document, reader: Reader) -> Vec<KeyCollision> {
    (0..doc.nodes.len() as NodeId)
        .filter(|&n| matches!(doc.node(n).kind, NodeKind::Map { .. }))
        .flat_map(|n| key_collisions_in(doc, n, reader))
        .collect()
}

/// No container: the root, or a node not in the tree.
const NO_PARENT: NodeId = NodeId::MAX;

impl Document {
    fn parents(&self) -> &[NodeId] {
        self.parents.get_or_init(|| {
            let mut parents = vec![NO_PARENT; self.nodes.len()];
            for (i, n) in self.nodes.iter().enumerate() {
                match &n.kind {
                    NodeKind::Map { entries, .. } => {
                        for &(k, v) in entries {
                            parents[k as usize] = i as NodeId;
                            parents[v as usize] = i as NodeId;
                        }
                    }
                    NodeKind::Seq { items, .. } => {
                        for &item in items {
                            parents[item as usize] = i as NodeId;
                        }
                    }
                    _ => {}
                }
            }
            parents
        })
    }

    fn parent(&self, node: NodeId) -> Option<NodeId> {
        self.parents()
            .get(node as usize)
            .copied()
            .filter(|&p| p != NO_PARENT)
    }

    /// The index of the entry of mapping `map` whose key or value is `node` (entries are in
    /// text order, so this is a binary search).
    fn entry_index(&self, map: NodeId, node: NodeId) -> Option<usize> {
        let NodeKind::Map { entries, .. } = &self.node(map).kind else {
            return None;
        };
        let start = self.span(node).start;
        let i = entries.partition_point(|&(k, _)| self.span(k).start <= start);
        // the entry whose key starts at or before the node; empty keys may share offsets
        (i.saturating_sub(2)..(i + 1).min(entries.len()))
            .rev()
            .find(|&j| entries[j].0 == node || entries[j].1 == node)
            .or_else(|| entries.iter().position(|&(k, v)| k == node || v == node))
    }

    /// The path from the root to `target`, through the mappings and sequences as written
    /// (not through aliases), as Kubernetes reads it: an entry of a mapping merged by `<<`
    /// is at its place in the mapping that merges it. For a key node, the path ends at its
    /// entry.
    pub fn path_to(&self, target: NodeId, reader: Reader) -> Option<Path> {
        let mut path = Vec::new();
        let mut node = target;
        while let Some(p) = self.parent(node) {
            match &self.node(p).kind {
                NodeKind::Map { entries, .. } => {
                    let i = self.entry_index(p, node)?;
                    if !self.is_merge_key(entries[i].0) {
                        path.push(key_name(self, entries[i].0, reader));
                    }
                }
                NodeKind::Seq { .. }
                    if self
                        .entry_of_value(p)
                        .is_some_and(|(_, k, _)| self.is_merge_key(k)) =>
                {
                    // one of the mappings of `<<: [a, b]`
                }
                NodeKind::Seq { items, .. } => {
                    let start = self.span(node).start;
                    let i = items.partition_point(|&it| self.span(it).start < start);
                    let i = (i..items.len())
                        .find(|&j| items[j] == node)
                        .or_else(|| items.iter().position(|&it| it == node))?;
                    path.push(i.to_string());
                }
                _ => return None,
            }
            node = p;
            if path.len() > self.nodes.len() {
                return None;
            }
        }
        (Some(node) == self.root).then(|| {
            path.reverse();
            path
        })
    }

    /// The mapping that holds `key` as one of its written keys.
    pub fn map_of_key(&self, key: NodeId) -> Option<NodeId> {
        let p = self.parent(key)?;
        match &self.node(p).kind {
            NodeKind::Map { entries, .. } => {
                let i = self.entry_index(p, key)?;
                (entries[i].0 == key).then_some(p)
            }
            _ => None,
        }
    }

    /// The mapping holding `node` as a value, with the entry's key and value.
    pub fn entry_of_value(&self, node: NodeId) -> Option<(NodeId, NodeId, NodeId)> {
        let p = self.parent(node)?;
        match &self.node(p).kind {
            NodeKind::Map { entries, .. } => {
                let (k, v) = entries[self.entry_index(p, node)?];
                (v == node).then_some((p, k, v))
            }
            _ => None,
        }
    }
}
