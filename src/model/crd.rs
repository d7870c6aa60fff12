//! The types a repository's CustomResourceDefinitions declare: each served version's
//! `openAPIV3Schema`, read into `schema::Ty` so custom resources are checked as Kubernetes'
//! own kinds are.
//!
//! Read as the API server reads a structural schema: `properties` are the known fields,
//! `additionalProperties` types the values of the others, `x-kubernetes-preserve-unknown-fields`
//! keeps unlisted fields, `x-kubernetes-embedded-resource` adds `apiVersion`, `kind` and
//! `metadata`, `x-kubernetes-int-or-string` is an int-or-string, and `enum` lists the
//! string values allowed.

use super::schema::{Field, ObjectTy, Ty};
use crate::yaml::{Document, NodeId};
use std::collections::HashMap;
use std::sync::Arc;

/// Custom resource types by (apiVersion, kind). Several CRDs of a run may declare the same
/// kind (a repository vendoring two releases of an operator, or Gateway API's standard and
/// experimental channels): an object is then judged against each, and valid if one takes it.
#[derive(Clone, Debug, Default)]
pub struct Crds {
    types: HashMap<String, HashMap<String, Vec<Ty>>>,
    /// The schemas, as JSON, of the versions that declare CEL rules.
    cel: HashMap<(String, String), Vec<Arc<LazyJson>>>,
    /// Where each came from.
    pub sources: Vec<String>,
}

/// Whether an object is a CustomResourceDefinition.
pub fn is_crd(obj: &super::Object<'_>) -> bool {
    obj.kind == "CustomResourceDefinition" && obj.api_version.starts_with("apiextensions.k8s.io/")
}

/// The CRDs of a run, shared by its settings. Linting learns them as it reads its files:
/// the custom resources met before their CRD are checked again once it is known.
pub type Shared = std::sync::Arc<std::sync::RwLock<std::sync::Arc<Crds>>>;

impl Crds {
    /// Adds every type of `other`.
    pub fn extend(&mut self, other: Crds) {
        for (api, kinds) in other.types {
            let mine = self.types.entry(api).or_default();
            for (kind, mut tys) in kinds {
                mine.entry(kind).or_default().append(&mut tys);
            }
        }
        for (k, mut v) in other.cel {
            self.cel.entry(k).or_default().append(&mut v);
        }
        self.sources.extend(other.sources);
    }

    /// The JSON schemas with CEL rules declared for a kind, read as a rule first needs
    /// them.
    pub fn cel(&self, api_version: &str, kind: &str) -> Vec<Arc<serde_json::Value>> {
        self.cel
            .get(&(api_version.to_string(), kind.to_string()))
            .map(|all| all.iter().filter_map(|l| l.value()).collect())
            .unwrap_or_default()
    }

    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    /// The types declared for a kind, one per CRD that declares it.
    pub fn get(&self, api_version: &str, kind: &str) -> &[Ty] {
        self.types
            .get(api_version)
            .and_then(|k| k.get(kind))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Adds the served versions of an object when it is a CRD.
    pub fn add_if_crd(&mut self, obj: &super::Object<'_>, source: &str) {
        if is_crd(obj) {
            self.add(obj.doc, obj.root, source);
        }
    }

    /// Adds the served versions of a CRD object (`root` in `doc`).
    pub fn add(&mut self, doc: &Document, root: NodeId, source: &str) {
        let Some(spec) = doc.get(root, "spec") else {
            return;
        };
        let Some(group) = doc.path_str(spec, &["group"]) else {
            return;
        };
        let Some(kind) = doc.path_str(spec, &["names", "kind"]) else {
            return;
        };
        // apiextensions.k8s.io/v1beta1 kept one schema for every version
        let shared = doc.path(spec, &["validation", "openAPIV3Schema"]);
        // the schema of each version is kept as JSON when the CRD declares CEL rules
        let has_cel = doc.strings.contains("x-kubernetes-validations");
        let mut added = false;
        for &v in doc.items(doc.get(spec, "versions").unwrap_or(spec)) {
            let Some(name) = doc.path_str(v, &["name"]) else {
                continue;
            };
            if doc.get(v, "served").and_then(|n| doc.scalar(n)) == Some("false") {
                continue;
            }
            let schema = doc.path(v, &["schema", "openAPIV3Schema"]).or(shared);
            let Some(schema) = schema else { continue };
            let ty = resource_ty(doc, schema);
            let api_version = format!("{group}/{name}");
            if has_cel {
                let text = cel_schema_of(doc, schema).map_or_else(String::new, |s| s.to_string());
                self.cel
                    .entry((api_version.clone(), kind.to_string()))
                    .or_default()
                    .push(Arc::new(LazyJson {
                        text,
                        value: std::sync::OnceLock::new(),
                    }));
            }
            self.types
                .entry(api_version)
                .or_default()
                .entry(kind.to_string())
                .or_default()
                .push(ty);
            added = true;
        }
        if added {
            self.sources.push(source.to_string());
        }
    }
}

/// A CRD version's schema kept as JSON text (a tenth of its tree's memory), parsed the
/// first time a CEL rule needs it.
#[derive(Debug)]
pub struct LazyJson {
    text: String,
    value: std::sync::OnceLock<Option<Arc<serde_json::Value>>>,
}

impl LazyJson {
    fn value(&self) -> Option<Arc<serde_json::Value>> {
        self.value
            .get_or_init(|| serde_json::from_str(&self.text).ok().map(Arc::new))
            .clone()
    }
}

/// The type a resource's schema declares (a CRD version's `openAPIV3Schema`, or a catalog's
/// JSON Schema of one, whose `$ref`s to its own `definitions` are followed).
pub fn resource_ty(doc: &Document, schema: NodeId) -> Ty {
    Reader::new(doc, schema).ty(schema, true)
}

/// The type of a resource's schema read as JSON (a catalog's).
pub fn json_resource_ty(schema: &serde_json::Value) -> Ty {
    Reader::new(Json, schema).ty(schema, true)
}

/// A schema's tree: kure's YAML nodes (a CRD among the files), or JSON (a catalog).
trait Tree<'a>: Copy {
    type N: Copy;
    fn get(self, n: Self::N, key: &str) -> Option<Self::N>;
    fn is_map(self, n: Self::N) -> bool;
    fn text(self, n: Self::N) -> Option<&'a str>;
    fn is_true(self, n: Self::N) -> bool;
    fn items(self, n: Self::N) -> Vec<Self::N>;
    fn entries(self, n: Self::N) -> Vec<(&'a str, Self::N)>;
    fn json(self, n: Self::N) -> serde_json::Value;
}

impl<'a> Tree<'a> for &'a Document {
    type N = NodeId;
    fn get(self, n: NodeId, key: &str) -> Option<NodeId> {
        Document::get(self, self.deref(n), key)
    }
    fn is_map(self, n: NodeId) -> bool {
        Document::is_map(self, self.deref(n))
    }
    fn text(self, n: NodeId) -> Option<&'a str> {
        self.str(n)
    }
    fn is_true(self, n: NodeId) -> bool {
        self.scalar(n) == Some("true")
    }
    fn items(self, n: NodeId) -> Vec<NodeId> {
        Document::items(self, n).to_vec()
    }
    fn entries(self, n: NodeId) -> Vec<(&'a str, NodeId)> {
        self.raw_entries(self.deref(n))
            .iter()
            .filter_map(|&(k, v)| Some((self.str(k)?, v)))
            .collect()
    }
    fn json(self, n: NodeId) -> serde_json::Value {
        super::cel::json(self, n)
    }
}

#[derive(Clone, Copy)]
struct Json;

impl<'a> Tree<'a> for Json {
    type N = &'a serde_json::Value;
    fn get(self, n: Self::N, key: &str) -> Option<Self::N> {
        n.get(key)
    }
    fn is_map(self, n: Self::N) -> bool {
        n.is_object()
    }
    fn text(self, n: Self::N) -> Option<&'a str> {
        n.as_str()
    }
    fn is_true(self, n: Self::N) -> bool {
        n.as_bool() == Some(true)
    }
    fn items(self, n: Self::N) -> Vec<Self::N> {
        n.as_array().map(|a| a.iter().collect()).unwrap_or_default()
    }
    fn entries(self, n: Self::N) -> Vec<(&'a str, Self::N)> {
        n.as_object()
            .map(|m| m.iter().map(|(k, v)| (k.as_str(), v)).collect())
            .unwrap_or_default()
    }
    fn json(self, n: Self::N) -> serde_json::Value {
        n.clone()
    }
}

/// The part of a schema (a CRD version's, or the catalog's) that CEL rules are evaluated
/// with: every node holding rules (`x-kubernetes-validations`) or a `default`, under a
/// node with rules those that change how a value converts to CEL (a `format`, a map, an
/// embedded resource), and the nodes on the way to them; descriptions and every other node
/// left out (most of a large schema). `None` when nothing is left.
pub fn cel_schema_of_json(schema: &serde_json::Value) -> Option<serde_json::Value> {
    cel_schema(Json, schema, false, 0)
}

/// [`cel_schema_of_json`] for a schema node of a CRD document.
pub fn cel_schema_of(doc: &Document, schema: NodeId) -> Option<serde_json::Value> {
    cel_schema(doc, schema, false, 0)
}

fn cel_schema<'a, T: Tree<'a>>(
    t: T,
    n: T::N,
    under_rules: bool,
    depth: usize,
) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    if depth > 64 || !t.is_map(n) {
        return None;
    }
    let entries = t.entries(n);
    let rules = entries
        .iter()
        .any(|(k, _)| *k == "x-kubernetes-validations");
    let under = under_rules || rules;
    let mut keep = rules;
    let mut out = serde_json::Map::new();
    for &(k, v) in &entries {
        match k {
            "description" => {}
            "properties" => {
                let props: serde_json::Map<String, J> = t
                    .entries(v)
                    .into_iter()
                    .filter_map(|(p, s)| Some((p.to_string(), cel_schema(t, s, under, depth + 1)?)))
                    .collect();
                if !props.is_empty() {
                    keep = true;
                    out.insert(k.to_string(), J::Object(props));
                }
            }
            "items" | "not" => {
                if let Some(s) = cel_schema(t, v, under, depth + 1) {
                    keep = true;
                    out.insert(k.to_string(), s);
                }
            }
            "additionalProperties" if t.is_map(v) => match cel_schema(t, v, under, depth + 1) {
                Some(s) => {
                    keep = true;
                    out.insert(k.to_string(), s);
                }
                // a map all the same: its keys are not field names
                None => {
                    keep |= under;
                    out.insert(k.to_string(), J::Bool(true));
                }
            },
            "additionalProperties" => {
                keep |= under && t.is_true(v);
                out.insert(k.to_string(), t.json(v));
            }
            "allOf" | "anyOf" | "oneOf" => {
                let kept: Vec<J> = t
                    .items(v)
                    .into_iter()
                    .filter_map(|b| cel_schema(t, b, under, depth + 1))
                    .collect();
                if !kept.is_empty() {
                    keep = true;
                    out.insert(k.to_string(), J::Array(kept));
                }
            }
            "default" => {
                keep = true;
                out.insert(k.to_string(), t.json(v));
            }
            // what a value under a rule converts to CEL by: a timestamp, a duration, bytes;
            // an embedded resource
            "format" => {
                keep |= under && t.text(v).is_some_and(super::cel::converts_by_format);
                out.insert(k.to_string(), t.json(v));
            }
            "x-kubernetes-embedded-resource" => {
                keep |= under && t.is_true(v);
                out.insert(k.to_string(), t.json(v));
            }
            _ => {
                out.insert(k.to_string(), t.json(v));
            }
        }
    }
    keep.then_some(J::Object(out))
}

struct Reader<'a, T: Tree<'a>> {
    tree: T,
    depth: usize,
    /// The schema `$ref`s resolve in (`#/definitions/NAME`).
    root: T::N,
    /// The `$ref`s being read, outermost first: one met again is any value.
    refs: Vec<String>,
}

impl<'a, T: Tree<'a>> Reader<'a, T> {
    fn new(tree: T, root: T::N) -> Self {
        Reader {
            tree,
            depth: 0,
            root,
            refs: Vec::new(),
        }
    }

    fn flag(&self, node: T::N, key: &str) -> bool {
        self.tree
            .get(node, key)
            .is_some_and(|n| self.tree.is_true(n))
    }

    fn text_at(&self, node: T::N, key: &str) -> Option<&'a str> {
        self.tree.get(node, key).and_then(|n| self.tree.text(n))
    }

    /// The type a schema node declares; `root` is the resource itself, which always has
    /// `apiVersion`, `kind` and `metadata`.
    fn ty(&mut self, node: T::N, root: bool) -> Ty {
        let t = self.tree;
        if self.depth > 64 || !t.is_map(node) {
            return Ty::Any;
        }
        if let Some(r) = self.text_at(node, "$ref") {
            // a JSON Schema's reference to one of its definitions; any other is not read
            let target = r
                .strip_prefix("#/definitions/")
                .filter(|name| !self.refs.iter().any(|s| s == name))
                .and_then(|name| {
                    let defs = t.get(self.root, "definitions")?;
                    Some((name, t.get(defs, name)?))
                });
            let Some((name, target)) = target else {
                return Ty::Any;
            };
            self.refs.push(name.to_string());
            self.depth += 1;
            let ty = self.ty(target, root);
            self.depth -= 1;
            self.refs.pop();
            return ty;
        }
        if self.flag(node, "x-kubernetes-int-or-string") {
            return Ty::IntOrStr;
        }
        let preserve = self.flag(node, "x-kubernetes-preserve-unknown-fields");
        let embedded = self.flag(node, "x-kubernetes-embedded-resource");
        let declared = self.text_at(node, "type");
        // a schema without a type that only combines others (anyOf, oneOf, allOf) is
        // taken as any value: kure does not judge between alternatives
        let combined = ["anyOf", "oneOf", "allOf", "not"]
            .iter()
            .any(|k| t.get(node, k).is_some());
        self.depth += 1;
        let ty = match declared {
            Some("string") => match t.get(node, "enum") {
                Some(e) if !combined => {
                    let values: Vec<Box<str>> = t
                        .items(e)
                        .into_iter()
                        .filter_map(|n| t.text(n))
                        .map(Box::from)
                        .collect();
                    if values.is_empty() {
                        Ty::Str
                    } else {
                        Ty::Enum(values.into())
                    }
                }
                _ => Ty::Str,
            },
            Some("integer") => Ty::Int,
            Some("number") => Ty::Num,
            Some("boolean") => Ty::Bool,
            Some("array") => match t.get(node, "items") {
                Some(items) if !combined => Ty::List(Arc::new(self.ty(items, false))),
                _ => Ty::List(Arc::new(Ty::Any)),
            },
            Some("object") | None if !combined || root => {
                let props = t.get(node, "properties");
                let additional = t.get(node, "additionalProperties");
                match (props, additional) {
                    (None, Some(a)) if t.is_map(a) => Ty::Map(Arc::new(self.ty(a, false))),
                    (None, _) if !root && !embedded => {
                        if declared.is_none() || preserve {
                            Ty::Any
                        } else {
                            // an object with no properties and no preserve flag: the API
                            // server prunes what it holds, so nothing there is an error
                            Ty::AnyObject
                        }
                    }
                    (props, additional) => {
                        let required: Vec<&str> = t
                            .get(node, "required")
                            .map(|r| t.items(r).into_iter().filter_map(|n| t.text(n)).collect())
                            .unwrap_or_default();
                        let mut fields: Vec<Field> = Vec::new();
                        for (name, v) in props.map(|p| t.entries(p)).unwrap_or_default() {
                            fields.push(Field {
                                name: name.into(),
                                ty: self.ty(v, false),
                                required: required.contains(&name),
                            });
                        }
                        if root || embedded {
                            for (name, ty) in [
                                ("apiVersion", Ty::Str),
                                ("kind", Ty::Str),
                                ("metadata", Ty::AnyObject),
                            ] {
                                if !fields.iter().any(|f| &*f.name == name) {
                                    fields.push(Field {
                                        name: name.into(),
                                        ty,
                                        required: false,
                                    });
                                }
                            }
                        }
                        if root && declared.is_none() && props.is_none() {
                            // a CRD without a schema for its version: anything goes
                            self.depth -= 1;
                            return Ty::Any;
                        }
                        fields.sort_by(|a, b| a.name.cmp(&b.name));
                        fields.dedup_by(|a, b| a.name == b.name);
                        // `additionalProperties: true`: any further field is kept
                        let allows_all = additional.is_some_and(|a| t.is_true(a));
                        let additional = additional
                            .filter(|a| t.is_map(*a))
                            .map(|a| self.ty(a, false));
                        let open = preserve || additional.is_none() && allows_all;
                        Ty::Object(Arc::new(ObjectTy {
                            fields,
                            open,
                            additional,
                        }))
                    }
                }
            }
            _ => Ty::Any,
        };
        self.depth -= 1;
        ty
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crds(text: &str) -> Crds {
        let stream = crate::yaml::parse(text, crate::yaml::Limits::default());
        let doc = &stream.documents[0];
        let mut c = Crds::default();
        c.add(doc, doc.root.unwrap(), "crd.yaml");
        c
    }

    fn object(t: &Ty) -> Arc<ObjectTy> {
        match t {
            Ty::Object(o) => o.clone(),
            other => panic!("not an object: {other:?}"),
        }
    }

    const CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer}
              port: {x-kubernetes-int-or-string: true}
              mode: {type: string, enum: [fast, slow]}
              rules:
                type: array
                items:
                  type: object
                  properties:
                    hosts: {type: array, items: {type: string}}
              labels: {type: object, additionalProperties: {type: string}}
              extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
              template: {type: object, x-kubernetes-embedded-resource: true, properties: {spec: {type: object}}}
  - name: v1alpha1
    served: false
    storage: false
";

    #[test]
    fn a_crd_schema_is_read_as_the_api_server_reads_it() {
        let c = crds(CRD);
        assert!(c.get("example.com/v1alpha1", "Widget").is_empty());
        let root = object(&c.get("example.com/v1", "Widget")[0]);
        assert!(root.field("metadata").is_some() && root.field("apiVersion").is_some());
        let spec = object(&root.field("spec").unwrap().ty);
        assert!(spec.field("size").unwrap().required);
        assert!(matches!(spec.field("size").unwrap().ty, Ty::Int));
        assert!(matches!(spec.field("port").unwrap().ty, Ty::IntOrStr));
        assert!(matches!(&spec.field("mode").unwrap().ty, Ty::Enum(v) if v.len() == 2));
        let Ty::List(rule) = &spec.field("rules").unwrap().ty else {
            panic!()
        };
        let rule = object(rule);
        assert!(matches!(&rule.field("hosts").unwrap().ty, Ty::List(s) if matches!(**s, Ty::Str)));
        assert!(matches!(&spec.field("labels").unwrap().ty, Ty::Map(_)));
        assert!(matches!(&spec.field("extra").unwrap().ty, Ty::Any));
        let template = object(&spec.field("template").unwrap().ty);
        assert!(template.field("kind").is_some() && !template.open);
    }
}
