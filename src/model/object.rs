//! Objects: the documents (and `List` items) that carry `apiVersion` and `kind`.

use crate::yaml::{Document, NodeId};
use serde::Serialize;

/// One Kubernetes object: a view into a document.
#[derive(Clone, Copy)]
pub struct Object<'d> {
    pub doc: &'d Document,
    pub root: NodeId,
    pub api_version: &'d str,
    pub kind: &'d str,
}

/// The API group of an `apiVersion`: the part before `/`, empty for the core group
/// (`apps/v1` → `apps`, `v1` → ``).
pub fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

impl<'d> Object<'d> {
    /// The API group: the part of `apiVersion` before `/`, empty for the core group.
    pub fn group(&self) -> &'d str {
        group_of(self.api_version)
    }

    pub fn metadata(&self) -> Option<NodeId> {
        self.doc.get(self.root, "metadata")
    }

    pub fn name(&self) -> Option<&'d str> {
        self.doc.path_str(self.root, &["metadata", "name"])
    }

    pub fn namespace(&self) -> Option<&'d str> {
        self.doc
            .path_str(self.root, &["metadata", "namespace"])
            .filter(|s| !s.is_empty())
    }

    pub fn spec(&self) -> Option<NodeId> {
        self.doc.get(self.root, "spec")
    }

    pub fn is(&self, group: &str, kind: &str) -> bool {
        self.kind == kind && self.group() == group
    }
}

/// Whether a document is encrypted by SOPS: a top-level `sops` mapping with a `mac`. Its
/// MAC covers the values, so any change made without `sops` breaks the decryption (Flux's
/// included): kure reports such a document's findings but never changes it.
pub fn is_sops_encrypted(doc: &Document) -> bool {
    doc.root
        .and_then(|r| doc.get(r, "sops"))
        .is_some_and(|s| doc.is_map(s) && doc.get(s, "mac").is_some())
}

/// The objects of a document: its root, or the items of a `List`.
pub fn objects(doc: &Document) -> Vec<Object<'_>> {
    let mut out = Vec::new();
    let Some(root) = doc.root else { return out };
    let Some(obj) = as_object(doc, root) else {
        return out;
    };
    if obj.kind.ends_with("List") && doc.get(root, "items").is_some() {
        for &item in doc.items(doc.get(root, "items").unwrap_or(root)) {
            if let Some(o) = as_object(doc, doc.deref(item)) {
                out.push(o);
            }
        }
    } else {
        out.push(obj);
    }
    out
}

fn as_object(doc: &Document, node: NodeId) -> Option<Object<'_>> {
    if !doc.is_map(node) {
        return None;
    }
    let api_version = doc.str(doc.get(node, "apiVersion")?)?;
    let kind = doc.str(doc.get(node, "kind")?)?;
    if api_version.is_empty() || kind.is_empty() {
        return None;
    }
    Some(Object {
        doc,
        root: doc.deref(node),
        api_version,
        kind,
    })
}

/// Whether a document has both `apiVersion` and `kind` at its root.
pub fn is_object_document(doc: &Document) -> bool {
    doc.root.is_some_and(|r| as_object(doc, r).is_some())
}

/// The object a finding belongs to.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct ObjectInfo {
    /// `apiVersion` and `kind`, shared among the objects of a file that have the same.
    #[serde(rename = "apiVersion")]
    pub api_version: std::sync::Arc<str>,
    pub kind: std::sync::Arc<str>,
    pub namespace: Option<Box<str>>,
    pub name: Option<Box<str>>,
}

impl ObjectInfo {
    pub(crate) fn of(obj: &Object<'_>) -> ObjectInfo {
        ObjectInfo {
            api_version: obj.api_version.into(),
            kind: obj.kind.into(),
            namespace: obj.namespace().map(Box::from),
            name: obj.name().map(Box::from),
        }
    }

    /// How findings name the object: `Deployment/web`.
    pub fn kind_name(&self) -> String {
        format!("{}/{}", self.kind, self.name.as_deref().unwrap_or("?"))
    }
}
