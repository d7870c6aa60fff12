//! What CEL validation rules (`x-kubernetes-validations`) are evaluated on: an object as
//! the API server decodes it, in JSON, and the way back from a rule's field path to the
//! node it names.

use crate::yaml::resolve::Reader;
use crate::yaml::value::Value;
use crate::yaml::{Document, NodeId, NodeKind};

/// A node as JSON, typed as `reader` types it (kubectl's YAML 1.1, or kustomize's).
pub fn json_as(doc: &Document, node: NodeId, reader: Reader) -> serde_json::Value {
    to_json(crate::yaml::value::value(doc, node, reader))
}

/// Whether a string of this `format` converts to another CEL type (a timestamp, a
/// duration, bytes), as the API server converts it for CEL rules.
pub fn converts_by_format(format: &str) -> bool {
    matches!(format, "date-time" | "duration" | "byte")
}

/// A node as JSON, typed as kubectl types it.
pub fn json(doc: &Document, node: NodeId) -> serde_json::Value {
    json_as(doc, node, Reader::Kubernetes)
}

fn to_json(v: Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(b),
        Value::Int(i) => i64::try_from(i)
            .map(J::from)
            .or_else(|_| u64::try_from(i).map(J::from))
            .unwrap_or_else(|_| J::from(i as f64)),
        Value::Float(bits) => serde_json::Number::from_f64(f64::from_bits(bits))
            .map(J::Number)
            .unwrap_or(J::Null),
        Value::Special(s) => J::String(s.to_string()),
        Value::Str(s) => J::String(s),
        Value::Map(m) => J::Object(m.into_iter().map(|(k, v)| (k, to_json(v))).collect()),
        Value::Seq(items) => J::Array(items.into_iter().map(to_json).collect()),
    }
}

/// The node a rule's field path names (`spec.rules[0].matches[1]`, `spec.listeners`,
/// `spec['a.b']`), from `root`: the deepest node the path reaches.
pub fn node_at(doc: &Document, root: NodeId, path: &str) -> NodeId {
    let mut at = root;
    for step in steps(path) {
        let node = doc.deref(at);
        let next = match (&doc.node(node).kind, &step) {
            (NodeKind::Map { .. }, Step::Key(k)) => doc.get(node, k),
            (NodeKind::Seq { .. }, Step::Index(i)) => doc.items(node).get(*i).copied(),
            (NodeKind::Map { .. }, Step::Index(i)) => doc.get(node, &i.to_string()),
            _ => None,
        };
        match next {
            Some(n) => at = n,
            None => break,
        }
    }
    at
}

enum Step {
    Key(String),
    Index(usize),
}

fn steps(path: &str) -> Vec<Step> {
    let mut out = Vec::new();
    let mut rest = path.trim_start_matches('.');
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let Some(end) = after.find(']') else { break };
            let inner = &after[..end];
            let quoted = inner
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .or_else(|| inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')));
            match (quoted, inner.parse::<usize>()) {
                (Some(k), _) => out.push(Step::Key(k.to_string())),
                (None, Ok(i)) => out.push(Step::Index(i)),
                (None, Err(_)) => out.push(Step::Key(inner.to_string())),
            }
            rest = after[end + 1..].trim_start_matches('.');
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            out.push(Step::Key(rest[..end].to_string()));
            rest = rest[end..].strip_prefix('.').unwrap_or(&rest[end..]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_path_finds_its_node() {
        let text = "spec:\n  rules:\n  - matches:\n    - path: {type: Exact}\n    - path: {type: Bad}\n  labels: {a.b: x}\n";
        let stream = crate::yaml::parse(text, crate::yaml::Limits::default());
        let doc = &stream.documents[0];
        let root = doc.root.unwrap();
        let n = node_at(doc, root, "spec.rules[0].matches[1].path");
        assert_eq!(&text[doc.span(n).start..doc.span(n).end], "{type: Bad}");
        let n = node_at(doc, root, ".spec.labels['a.b']");
        assert_eq!(&text[doc.span(n).start..doc.span(n).end], "x");
        // as deep as the path reaches
        let n = node_at(doc, root, "spec.rules[3]");
        let spec = doc.get(root, "spec").unwrap();
        assert_eq!(n, doc.get(spec, "rules").unwrap());
        assert_eq!(
            json(doc, root)["spec"]["rules"][0]["matches"][0]["path"]["type"],
            "Exact"
        );
    }
}
