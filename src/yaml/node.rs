//! The spanned node tree: one arena per document, nodes addressed by index.

use crate::source::Span;

pub type NodeId = u32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    Single,
    Double,
    Literal,
    Folded,
}

/// Where a scalar's value is kept: a range of its document's `strings`, so a document's
/// scalars cost one growing buffer rather than an allocation each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrRef {
    pub start: u32,
    pub len: u32,
}

#[derive(Clone, Debug)]
pub enum NodeKind {
    Scalar {
        value: StrRef,
        style: Style,
    },
    Map {
        entries: Vec<(NodeId, NodeId)>,
        flow: bool,
    },
    Seq {
        items: Vec<NodeId>,
    },
    Alias {
        target: Option<NodeId>,
    },
}

#[derive(Clone, Debug)]
pub struct Node {
    pub kind: NodeKind,
    pub span: Span,
    /// explicit tag, `!!str` form for the core schema
    pub tag: Option<Box<str>>,
}

/// One YAML document.
pub struct Document {
    pub nodes: Vec<Node>,
    /// Every scalar's value, end to end (see `StrRef`).
    pub strings: String,
    pub root: Option<NodeId>,
    pub span: Span,
    /// Each node's container, built on first use (fixes need it; linting does not).
    pub(crate) parents: std::sync::OnceLock<Vec<NodeId>>,
    /// Set on the copy `substitute` makes: where post-build substitution changed it.
    pub substituted: Option<Box<Substituted>>,
}

/// A mapping entry reached through `Document::entries`, merge keys applied.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub key: NodeId,
    pub value: NodeId,
}

impl Document {
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    /// Follows an alias to its target (one step: aliases cannot be anchored).
    pub fn deref(&self, id: NodeId) -> NodeId {
        match self.node(id).kind {
            NodeKind::Alias { target: Some(t) } => t,
            _ => id,
        }
    }

    pub fn span(&self, id: NodeId) -> Span {
        self.node(id).span
    }

    /// The text a `StrRef` of this document points to.
    pub fn text_of(&self, r: StrRef) -> &str {
        let start = r.start as usize;
        self.strings
            .get(start..start + r.len as usize)
            .unwrap_or_default()
    }

    /// The scalar text of a node (through aliases), or `None` for collections.
    pub fn scalar(&self, id: NodeId) -> Option<&str> {
        if self.substituted.is_some() && self.is_unknown(id) {
            return None;
        }
        match &self.node(self.deref(id)).kind {
            NodeKind::Scalar { value, .. } => Some(self.text_of(*value)),
            _ => None,
        }
    }

    /// A scalar's text, style and tag.
    pub fn scalar_parts(&self, id: NodeId) -> Option<(&str, Style, Option<&str>)> {
        let n = self.node(self.deref(id));
        match &n.kind {
            NodeKind::Scalar { value, style } => {
                Some((self.text_of(*value), *style, n.tag.as_deref()))
            }
            _ => None,
        }
    }

    /// A scalar that reads as a string where Kubernetes reads it; `None` otherwise.
    pub fn str(&self, id: NodeId) -> Option<&str> {
        if self.substituted.is_some() && self.is_unknown(id) {
            return None;
        }
        let (v, style, tag) = self.scalar_parts(id)?;
        super::resolve::resolve(v, style == Style::Plain, tag)
            .is_str()
            .then_some(v)
    }

    pub fn is_null(&self, id: NodeId) -> bool {
        match self.scalar_parts(id) {
            Some((v, style, tag)) => {
                super::resolve::resolve(v, style == Style::Plain, tag)
                    == super::resolve::Resolved::Null
            }
            None => false,
        }
    }

    pub fn is_map(&self, id: NodeId) -> bool {
        matches!(self.node(self.deref(id)).kind, NodeKind::Map { .. })
    }

    /// The entries of a mapping as written (no merges), in order.
    pub fn raw_entries(&self, id: NodeId) -> &[(NodeId, NodeId)] {
        match &self.node(self.deref(id)).kind {
            NodeKind::Map { entries, .. } => entries,
            _ => &[],
        }
    }

    /// The entries of a mapping as Kubernetes reads them: as written when it has no merge key
    /// (borrowed, no allocation), otherwise its effective entries (`entries`), so a field that
    /// arrives through `<<` is seen like one written in place.
    pub fn effective(&self, id: NodeId) -> std::borrow::Cow<'_, [(NodeId, NodeId)]> {
        let raw = self.raw_entries(id);
        if raw.iter().any(|(k, _)| self.is_merge_key(*k)) {
            std::borrow::Cow::Owned(
                self.entries(id)
                    .into_iter()
                    .map(|e| (e.key, e.value))
                    .collect(),
            )
        } else {
            std::borrow::Cow::Borrowed(raw)
        }
    }

    /// Whether `key`, one of the effective keys of `map`, arrives through an alias in a merge
    /// key (`<<: *base`): its mapping is written elsewhere and may be shared, so changing it
    /// changes every place that merges it.
    pub fn merged_through_alias(&self, map: NodeId, key: NodeId) -> bool {
        self.merge_source(map, key, false, 0) == Some(true)
    }

    /// Where `key` comes from in `map`: `None` when not there, `Some(shared)` otherwise.
    fn merge_source(&self, map: NodeId, key: NodeId, shared: bool, depth: usize) -> Option<bool> {
        if depth > 8 {
            return None;
        }
        let map_node = self.deref(map);
        let shared = shared || map_node != map;
        if self.raw_entries(map_node).iter().any(|&(k, _)| k == key) {
            return Some(shared);
        }
        for &(k, v) in self.raw_entries(map_node) {
            if !self.is_merge_key(k) {
                continue;
            }
            let found = match &self.node(self.deref(v)).kind {
                NodeKind::Seq { items } => items.iter().find_map(|&i| {
                    self.merge_source(i, key, shared || self.deref(v) != v, depth + 1)
                }),
                _ => self.merge_source(v, key, shared, depth + 1),
            };
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// Whether an alias of the document points at `id` (an anchored node used elsewhere).
    pub fn is_aliased(&self, id: NodeId) -> bool {
        self.nodes
            .iter()
            .any(|n| matches!(n.kind, NodeKind::Alias { target: Some(t) } if t == id))
    }

    /// The items of a sequence.
    pub fn items(&self, id: NodeId) -> &[NodeId] {
        match &self.node(self.deref(id)).kind {
            NodeKind::Seq { items, .. } => items,
            _ => &[],
        }
    }

    pub(crate) fn is_merge_key(&self, key: NodeId) -> bool {
        matches!(
            self.scalar_parts(key),
            Some(("<<", Style::Plain, None)) | Some((_, _, Some("!!merge")))
        )
    }

    /// The effective entries of a mapping in go-yaml v2's order, keys named as Kubernetes
    /// reads them (see `entries_as`).
    pub fn entries(&self, id: NodeId) -> Vec<Entry> {
        self.entries_as(id, super::resolve::Reader::Kubernetes)
    }

    /// The effective entries of a mapping in go-yaml v2's order: merge keys (`<<`) are
    /// expanded where they stand, and a later key replaces an earlier one of the same name
    /// under `reader` (in a file kustomize reads, `on` and `true` are two keys). Merged maps
    /// are followed to a bounded depth. Linear in the entries: a replaced entry is found by
    /// name in a hash map, not by scanning.
    pub fn entries_as(&self, id: NodeId, reader: super::resolve::Reader) -> Vec<Entry> {
        let mut out: Vec<Option<Entry>> = Vec::new();
        let mut at: std::collections::HashMap<Option<String>, usize> =
            std::collections::HashMap::new();
        self.collect_entries(id, reader, &mut out, &mut at, 0);
        out.into_iter().flatten().collect()
    }

    fn collect_entries(
        &self,
        id: NodeId,
        reader: super::resolve::Reader,
        out: &mut Vec<Option<Entry>>,
        at: &mut std::collections::HashMap<Option<String>, usize>,
        depth: usize,
    ) {
        if depth > 8 {
            return;
        }
        for &(k, v) in self.raw_entries(id) {
            if self.is_merge_key(k) {
                let target = self.deref(v);
                match &self.node(target).kind {
                    NodeKind::Map { .. } => {
                        self.collect_entries(target, reader, out, at, depth + 1)
                    }
                    NodeKind::Seq { items, .. } => {
                        for &item in items.iter().rev() {
                            self.collect_entries(self.deref(item), reader, out, at, depth + 1);
                        }
                    }
                    _ => {}
                }
                continue;
            }
            let name = self.key_name_as(k, reader);
            if let Some(i) = at.insert(name, out.len()) {
                out[i] = None;
            }
            out.push(Some(Entry { key: k, value: v }));
        }
    }

    /// The name a key has under a reader; `None` for a null key or a collection.
    pub fn key_name_as(&self, key: NodeId, reader: super::resolve::Reader) -> Option<String> {
        let (v, style, tag) = self.scalar_parts(key)?;
        match super::resolve::resolve_with(reader, v, style == Style::Plain, tag) {
            super::resolve::Resolved::Str => Some(v.to_string()),
            other => other.key_string(),
        }
    }

    /// The value of `key` in a mapping (merge keys applied, the last occurrence wins).
    pub fn get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        let map = self.deref(map);
        let raw = self.raw_entries(map);
        let has_merge = raw.iter().any(|(k, _)| self.is_merge_key(*k));
        if !has_merge {
            return raw
                .iter()
                .rev()
                .find(|(k, _)| self.key_is(*k, key))
                .map(|(_, v)| *v);
        }
        self.entries(map)
            .into_iter()
            .rev()
            .find(|e| self.key_is(e.key, key))
            .map(|e| e.value)
    }

    /// The key node and value node of `key`.
    pub fn get_entry(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        let map = self.deref(map);
        self.raw_entries(map)
            .iter()
            .rev()
            .find(|(k, _)| self.key_is(*k, key))
            .copied()
            .or_else(|| {
                self.entries(map)
                    .into_iter()
                    .rev()
                    .find(|e| self.key_is(e.key, key))
                    .map(|e| (e.key, e.value))
            })
    }

    fn key_is(&self, k: NodeId, key: &str) -> bool {
        match self.scalar_parts(k) {
            Some((v, Style::Plain, None)) => v == key && super::resolve::resolve_plain(v).is_str(),
            Some((v, _, tag)) => v == key && tag.is_none_or(|t| t == "!!str"),
            None => false,
        }
    }

    /// Follows a path of keys from `from`.
    pub fn path(&self, from: NodeId, keys: &[&str]) -> Option<NodeId> {
        let mut cur = from;
        for k in keys {
            cur = self.get(cur, k)?;
        }
        Some(cur)
    }

    /// A string value at a path.
    pub fn path_str(&self, from: NodeId, keys: &[&str]) -> Option<&str> {
        self.path(from, keys).and_then(|n| self.str(n))
    }

    /// The span from a key to the end of its value: how a finding about a field is placed.
    pub fn field_span(&self, key: NodeId, value: NodeId) -> crate::source::Span {
        let k = self.span(key);
        let v = self.span(value);
        k.to(v)
    }
}

/// Where post-build substitution changed a document (`Document::substituted`).
#[derive(Debug, Default)]
pub struct Substituted {
    /// Scalars whose value kure does not know (sorted): they read as no value.
    pub unknown: Vec<NodeId>,
    /// The spans of every scalar substitution touched: a fix there would edit the
    /// placeholder, not the value, so none is offered.
    pub spans: Vec<crate::source::Span>,
}

impl Document {
    /// The document as it reads once each scalar holding a placeholder is replaced by
    /// `expand`'s value (its style kept, as kustomize keeps it when it writes the object
    /// out for the substitution); a scalar `expand` has no value for is marked unknown.
    /// `None` when no scalar holds a placeholder.
    pub fn substitute(&self, expand: impl Fn(&str) -> Option<String>) -> Option<Document> {
        let mut doc: Option<Document> = None;
        for (i, n) in self.nodes.iter().enumerate() {
            let NodeKind::Scalar { value, .. } = n.kind else {
                continue;
            };
            let text = self.text_of(value);
            if !text.contains("${") {
                continue;
            }
            let d = doc.get_or_insert_with(|| Document {
                nodes: self.nodes.clone(),
                strings: self.strings.clone(),
                root: self.root,
                span: self.span,
                parents: std::sync::OnceLock::new(),
                substituted: Some(Box::default()),
            });
            let Some(marks) = d.substituted.as_mut() else {
                continue;
            };
            marks.spans.push(n.span);
            match expand(text) {
                Some(v) => {
                    let start = d.strings.len() as u32;
                    d.strings.push_str(&v);
                    if let NodeKind::Scalar { value, .. } = &mut d.nodes[i].kind {
                        *value = StrRef {
                            start,
                            len: v.len() as u32,
                        };
                    }
                }
                None => marks.unknown.push(i as NodeId),
            }
        }
        doc
    }

    /// Whether substitution left this scalar without a known value.
    pub fn is_unknown(&self, id: NodeId) -> bool {
        self.substituted
            .as_ref()
            .is_some_and(|s| s.unknown.binary_search(&self.deref(id)).is_ok())
    }
}
