//! Schema validation: one walk of an object against its type (`model::schema`), shared by
//! `unknown-field`, `wrong-type`, `missing-required-field` and `invalid-enum-value` (and
//! `non-string-value`, which owns a plain scalar that YAML 1.1 types as something other than
//! the string its field needs). The walk runs once per object, when the first of these
//! rules asks, and every problem of the object is kept, not only the first.
//!
//! Values are typed by the file's reader (kubectl's YAML 1.1, or kustomize's), and `null` is
//! accepted wherever the API server's decoder accepts it: everywhere.

use super::ObjectContext;
use crate::model::catalog::SchemaSource;
use crate::model::schema::{self, ObjectTy, Ty};
use crate::yaml::resolve::{Resolved, resolve_with};
use crate::yaml::{Document, NodeId, NodeKind, Style};
use std::borrow::Cow;
use std::sync::Arc;

/// A key's name as the reader gives it to the API server (`"true"` for a plain `yes`).
fn key_name<'d>(
    doc: &'d Document,
    reader: crate::yaml::resolve::Reader,
    key: NodeId,
) -> Cow<'d, str> {
    match doc.scalar_parts(key) {
        Some((v, Style::Plain, None)) if resolve_with(reader, v, true, None).is_str() => {
            Cow::Borrowed(v)
        }
        Some((v, s, None)) if s != Style::Plain => Cow::Borrowed(v),
        _ => Cow::Owned(
            doc.key_name_as(key, reader)
                .unwrap_or_else(|| "<null>".to_string()),
        ),
    }
}

/// One step of a field path: a key node (named when the path is printed), a field by name,
/// or a list index.
#[derive(Clone, Debug)]
enum Step {
    Key(NodeId),
    Field(Box<str>),
    Index(usize),
}

/// A field path as the API server prints it: `spec.containers[0].image`.
fn render(doc: &Document, reader: crate::yaml::resolve::Reader, path: &[Step]) -> String {
    let mut s = String::new();
    for step in path {
        match step {
            Step::Key(_) | Step::Field(_) => {
                if !s.is_empty() {
                    s.push('.');
                }
                match step {
                    Step::Key(k) => s.push_str(&key_name(doc, reader, *k)),
                    Step::Field(f) => s.push_str(f),
                    Step::Index(_) => {}
                }
            }
            Step::Index(i) => {
                s.push('[');
                s.push_str(&i.to_string());
                s.push(']');
            }
        }
    }
    s
}

#[derive(Debug)]
pub enum Problem {
    /// A key its mapping's type does not have.
    Unknown {
        key: NodeId,
        value: NodeId,
        path: String,
        /// The known fields of the mapping, for a suggestion.
        known: Arc<ObjectTy>,
    },
    /// A value of the wrong JSON type.
    WrongType {
        node: NodeId,
        path: String,
        want: &'static str,
        got: &'static str,
    },
    /// A plain scalar typed as a boolean, number or null where a string is needed.
    NotString { node: NodeId, path: String },
    /// A required field absent from the mapping `at`, or (`key`) written with a null value,
    /// which the API server decodes to the empty value it rejects.
    Missing {
        at: NodeId,
        key: Option<NodeId>,
        path: String,
        field: Box<str>,
    },
    /// A string outside the values the API server accepts.
    NotInEnum {
        node: NodeId,
        path: String,
        allowed: Arc<[Box<str>]>,
    },
}

/// What the walk found of an object.
#[derive(Debug, Default)]
pub struct Checked {
    pub problems: Vec<Problem>,
    /// Where a custom resource's schema came from (`None` for Kubernetes' own kinds).
    pub source: Option<SchemaSource>,
}

impl Checked {
    /// A schema from a catalog is some release's, not necessarily the one the cluster
    /// runs: a field or value it does not know, and nothing near it, may be newer than
    /// it. Such findings are warnings, and say so.
    pub fn by_catalog(&self) -> bool {
        matches!(
            self.source,
            Some(SchemaSource::Directory | SchemaSource::Embedded)
        )
    }

    /// The help's addition for a finding against a catalog's schema: which schema judged
    /// it, so a user can see why a field is unknown.
    pub fn catalog_note(&self, obj: &crate::model::Object<'_>) -> String {
        let key = crate::model::catalog::key(obj.api_version, obj.kind).unwrap_or_default();
        let from = match self.source {
            Some(SchemaSource::Embedded) => "kure's embedded CRD catalog",
            Some(SchemaSource::Directory) => "the `--schema-catalog` directory",
            _ => return String::new(),
        };
        format!(
            "; checked against `{key}` of {from}, which may be older than the release you run: give its CRD with `--schema` to check against it"
        )
    }
}

/// The object's problems, walked once and shared by the schema rules.
pub fn of<'c>(cx: &'c ObjectContext<'_>) -> &'c Checked {
    cx.schema.get_or_init(|| check(cx))
}

fn check(cx: &ObjectContext<'_>) -> Checked {
    let obj = cx.obj;
    let minor = cx.file.settings.kubernetes();
    let own = schema::kind(obj.api_version, obj.kind, minor)
        .or_else(|| same_schema_elsewhere(obj.api_version, obj.kind, minor));
    let (candidates, source): (Vec<Ty>, Option<SchemaSource>) = match own {
        Some(t) => (vec![t], None),
        None => cx.file.settings.custom_types(obj.api_version, obj.kind),
    };
    // judged against each type declared for it; the one it fits best is its type
    let mut best: Option<Vec<Problem>> = None;
    for ty in &candidates {
        let problems = walk(cx, ty, minor);
        if best.as_ref().is_none_or(|b| problems.len() < b.len()) {
            best = Some(problems);
        }
        if best.as_ref().is_some_and(Vec::is_empty) {
            break;
        }
    }
    Checked {
        problems: best.unwrap_or_default(),
        source,
    }
}

fn walk(cx: &ObjectContext<'_>, root: &Ty, minor: u32) -> Vec<Problem> {
    let obj = cx.obj;
    let mut w = Walk {
        doc: obj.doc,
        text: cx.file.text(),
        reader: cx.file.reader,
        minor,
        partial: cx.file.partial,
        sops: obj.doc.get(obj.root, "sops").is_some(),
        group: obj.group(),
        kind: obj.kind,
        selector_owned: cx.file.settings.workload(&obj).is_some_and(|w| {
            matches!(
                w.selector,
                crate::model::workload::SelectorKind::Label { required: true }
            )
        }),
        path: Vec::new(),
        out: Vec::new(),
        depth: 0,
    };
    w.value(obj.root, root);
    w.out
}

/// API groups whose objects are read by tools, never served by an API server.
const NOT_SERVED: &[&str] = &[
    "kustomize.config.k8s.io",
    "config.kubernetes.io",
    "kpt.dev",
    "builtin",
];

/// For a custom resource, where its schema comes from (`None` inside when nothing
/// describes it); `None` for Kubernetes' own kinds (and what tools read without serving).
pub fn custom_resource(cx: &ObjectContext<'_>) -> Option<Option<SchemaSource>> {
    let obj = cx.obj;
    let group = obj.group();
    let custom = group.contains('.')
        && !NOT_SERVED.contains(&group)
        && !schema::is_known(obj.api_version, obj.kind)
        && crate::model::api_versions::lookup(obj.api_version, obj.kind).is_none();
    custom.then(|| cx.file.settings.custom_types(obj.api_version, obj.kind).1)
}

/// Whether the object is a custom resource that nothing describes: no CRD of the run, no
/// catalog (counted in the summary; `missing-schema` with `--require-schemas`).
pub fn without_schema(cx: &ObjectContext<'_>) -> bool {
    custom_resource(cx) == Some(None)
}

/// The type of an object on a version no longer served whose replacement has the same
/// schema (`removed-api-version` moves it by changing `apiVersion` alone), so its other
/// problems are known before the move.
fn same_schema_elsewhere(api_version: &str, kind: &str, minor: u32) -> Option<Ty> {
    use crate::model::api_versions::{How, lookup};
    let row = lookup(api_version, kind)?;
    if row.how != How::ApiVersion {
        return None;
    }
    schema::kind(row.replacement?, kind, minor)
}

struct Walk<'d> {
    doc: &'d Document,
    text: &'d str,
    reader: crate::yaml::resolve::Reader,
    minor: u32,
    partial: bool,
    /// A SOPS-encrypted file: its `sops` key and `ENC[…]` values are Flux's to decrypt.
    sops: bool,
    /// The object's group and kind: the fields of another workload kind in its `spec` are
    /// `field-not-for-kind`'s.
    group: &'d str,
    kind: &'d str,
    /// `selector-template-mismatch` reports a missing `spec.selector`.
    selector_owned: bool,
    path: Vec<Step>,
    out: Vec<Problem>,
    depth: usize,
}

/// What a scalar is, as the file's reader types it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scalar {
    Str,
    Int,
    Float,
    Bool,
    Null,
}

impl<'d> Walk<'d> {
    fn scalar(&self, node: NodeId) -> Option<(Scalar, &str, Style)> {
        let (value, style, tag) = self.doc.scalar_parts(node)?;
        let r = resolve_with(self.reader, value, style == Style::Plain, tag);
        let s = match r {
            Resolved::Str => Scalar::Str,
            Resolved::Bool(_) => Scalar::Bool,
            Resolved::Int(_) => Scalar::Int,
            Resolved::Float(f) if f.fract() == 0.0 => Scalar::Int,
            Resolved::Float(_) | Resolved::SpecialFloat(_) => Scalar::Float,
            Resolved::Null => Scalar::Null,
        };
        Some((s, value, style))
    }

    /// Whether the line of `node` carries a ytt expression (`#@`).
    fn templated_line(&self, node: NodeId) -> bool {
        let start = self.doc.span(node).start.min(self.text.len());
        let end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        self.text[start..end].contains("#@")
    }

    fn is_null(&self, node: NodeId) -> bool {
        let node = self.doc.deref(node);
        matches!(self.scalar(node), Some((Scalar::Null, _, _)))
    }

    fn rendered(&self) -> String {
        render(self.doc, self.reader, &self.path)
    }

    fn wrong(&mut self, node: NodeId, want: &'static str, got: &'static str) {
        self.out.push(Problem::WrongType {
            node,
            path: self.rendered(),
            want,
            got,
        });
    }

    fn got(&self, node: NodeId) -> &'static str {
        match &self.doc.node(node).kind {
            NodeKind::Map { .. } => "a mapping",
            NodeKind::Seq { .. } => "a list",
            _ => match self.scalar(node).map(|s| s.0) {
                Some(Scalar::Str) => "a string",
                Some(Scalar::Int) => "an integer",
                Some(Scalar::Float) => "a number",
                Some(Scalar::Bool) => "a boolean",
                _ => "null",
            },
        }
    }

    fn value(&mut self, node: NodeId, ty: &Ty) {
        let node = self.doc.deref(node);
        if self.doc.is_unknown(node) {
            // a placeholder substitution fills in with a value kure does not know
            return;
        }
        if self.depth > 64 {
            return;
        }
        let kind = &self.doc.node(node).kind;
        let scalar = match kind {
            NodeKind::Scalar { .. } => self.scalar(node),
            _ => None,
        };
        if let Some((Scalar::Null, _, _)) = scalar {
            return;
        }
        if let Some((Scalar::Str, v, _)) = scalar
            && self.sops
            && v.starts_with("ENC[")
        {
            return;
        }
        if is_template(self.doc, node) {
            return;
        }
        let is_map = matches!(kind, NodeKind::Map { .. });
        let is_seq = matches!(kind, NodeKind::Seq { .. });
        match ty {
            Ty::Any => {}
            Ty::Def(_) => {
                let t = schema::resolve(ty, self.minor);
                if !matches!(t, Ty::Def(_)) {
                    self.value(node, &t);
                }
            }
            Ty::AnyObject => {
                if !is_map {
                    let got = self.got(node);
                    self.wrong(node, "a mapping", got);
                }
            }
            Ty::Str | Ty::Enum(_) => match scalar {
                Some((Scalar::Str, v, _)) => {
                    if let Ty::Enum(allowed) = ty
                        && !allowed.iter().any(|a| **a == *v)
                    {
                        self.out.push(Problem::NotInEnum {
                            node,
                            path: self.rendered(),
                            allowed: allowed.clone(),
                        });
                    }
                }
                Some((_, _, Style::Plain)) => {
                    let path = self.rendered();
                    self.out.push(Problem::NotString { node, path });
                }
                _ => {
                    let got = self.got(node);
                    self.wrong(node, "a string", got);
                }
            },
            Ty::Int => match scalar.map(|s| s.0) {
                Some(Scalar::Int) => {}
                _ => {
                    let got = self.got(node);
                    self.wrong(node, "an integer", got);
                }
            },
            Ty::Num => match scalar.map(|s| s.0) {
                Some(Scalar::Int | Scalar::Float) => {}
                _ => {
                    let got = self.got(node);
                    self.wrong(node, "a number", got);
                }
            },
            Ty::Bool => match scalar.map(|s| s.0) {
                Some(Scalar::Bool) => {}
                _ => {
                    let got = self.got(node);
                    self.wrong(node, "a boolean", got);
                }
            },
            Ty::IntOrStr => match scalar.map(|s| s.0) {
                Some(Scalar::Int | Scalar::Str) => {}
                _ => {
                    let got = self.got(node);
                    self.wrong(node, "an integer or a string", got);
                }
            },
            Ty::Quantity => match scalar.map(|s| s.0) {
                Some(Scalar::Int | Scalar::Float | Scalar::Str) => {}
                _ => {
                    let got = self.got(node);
                    self.wrong(node, "a quantity (a string or a number)", got);
                }
            },
            Ty::List(item) => {
                if !is_seq {
                    let got = self.got(node);
                    self.wrong(node, "a list", got);
                    return;
                }
                self.depth += 1;
                for (i, &n) in self.doc.items(node).iter().enumerate() {
                    self.path.push(Step::Index(i));
                    self.value(n, item);
                    self.path.pop();
                }
                self.depth -= 1;
            }
            Ty::Map(v) => {
                if !is_map {
                    let got = self.got(node);
                    self.wrong(node, "a mapping", got);
                    return;
                }
                self.depth += 1;
                for (k, val) in self.entries(node).iter().copied() {
                    self.path.push(Step::Key(k));
                    self.value(val, v);
                    self.path.pop();
                }
                self.depth -= 1;
            }
            Ty::Object(o) => {
                if !is_map {
                    let got = self.got(node);
                    self.wrong(node, "a mapping", got);
                    return;
                }
                self.object(node, o);
            }
        }
    }

    fn entries(&self, map: NodeId) -> Cow<'d, [(NodeId, NodeId)]> {
        let doc: &'d Document = self.doc;
        let raw = doc.raw_entries(map);
        if raw.iter().any(|(k, _)| doc.is_merge_key(*k)) {
            Cow::Owned(
                doc.entries_as(map, self.reader)
                    .into_iter()
                    .map(|e| (e.key, e.value))
                    .collect(),
            )
        } else {
            Cow::Borrowed(raw)
        }
    }

    fn object(&mut self, node: NodeId, o: &Arc<ObjectTy>) {
        self.depth += 1;
        let entries = self.entries(node);
        let at_root = self.path.is_empty();
        let at_spec =
            matches!(self.path.as_slice(), [Step::Key(k)] if self.doc.scalar(*k) == Some("spec"));
        for &(k, v) in entries.iter() {
            let name = key_name(self.doc, self.reader, k);
            // a dump's `status` is server-populated-field's, and the API server ignores it
            if at_root && name == "status" {
                continue;
            }
            // the server's metadata in a dump is server-populated-field's
            if matches!(self.path.as_slice(), [Step::Key(m)] if self.doc.scalar(*m) == Some("metadata"))
                && super::server_populated_field::SERVER_METADATA.contains(&&*name)
            {
                continue;
            }
            // a strategic merge patch's directives (`$patch: delete`, `$setElementOrder/…`)
            if self.partial && name.starts_with('$') {
                continue;
            }
            match o.field(&name) {
                Some(f) => {
                    self.path.push(Step::Key(k));
                    self.value(v, &f.ty);
                    self.path.pop();
                }
                None => {
                    if let Some(extra) = &o.additional {
                        self.path.push(Step::Key(k));
                        self.value(v, extra);
                        self.path.pop();
                        continue;
                    }
                    if o.open
                        || (at_root && self.sops && name == "sops")
                        || (at_spec
                            && super::field_not_for_kind::owns(self.group, self.kind, &name))
                    {
                        continue;
                    }
                    self.path.push(Step::Key(k));
                    let path = self.rendered();
                    self.path.pop();
                    self.out.push(Problem::Unknown {
                        key: k,
                        value: v,
                        path,
                        known: o.clone(),
                    });
                }
            }
        }
        if !self.partial {
            for f in o.fields.iter().filter(|f| f.required) {
                if at_spec && self.selector_owned && &*f.name == "selector" {
                    continue;
                }
                let entry = entries.iter().rev().find(|&&(k, _)| {
                    self.doc
                        .scalar_parts(k)
                        .is_some_and(|(v, _, _)| v == &*f.name)
                });
                // a null where a scalar is required reads as the empty value the API
                // server rejects (a null object reads as an empty one, judged elsewhere);
                // a ytt expression (`#@`) on the line fills it in before apply
                let scalar_field = matches!(
                    f.ty,
                    Ty::Str | Ty::Int | Ty::Num | Ty::IntOrStr | Ty::Enum(_)
                );
                let key = match entry {
                    None => None,
                    Some(&(k, v)) if scalar_field && self.is_null(v) && !self.templated_line(k) => {
                        Some(k)
                    }
                    Some(_) => continue,
                };
                self.path.push(Step::Field(f.name.clone()));
                let path = self.rendered();
                self.path.pop();
                self.out.push(Problem::Missing {
                    at: node,
                    key,
                    path,
                    field: f.name.clone(),
                });
            }
        }
        self.depth -= 1;
    }
}

/// A template expression left in the file (`{{ .Values.name }}` reads as a flow mapping
/// whose one key is another): a value filled in before apply, not judged.
pub fn is_template(doc: &Document, node: NodeId) -> bool {
    match &doc.node(node).kind {
        NodeKind::Map {
            entries,
            flow: true,
        } => entries.len() == 1 && matches!(doc.node(entries[0].0).kind, NodeKind::Map { .. }),
        _ => false,
    }
}

/// Whether a value could be read as a field of type `ty` (its shape: a list, a mapping or
/// a scalar), so renaming its key to that field keeps it meaningful.
pub fn fits(doc: &Document, value: NodeId, ty: &Ty, minor: u32) -> bool {
    let value = doc.deref(value);
    let ty = schema::resolve(ty, minor);
    matches!(
        (&doc.node(value).kind, &ty),
        (_, Ty::Any)
            | (NodeKind::Seq { .. }, Ty::List(_))
            | (
                NodeKind::Map { .. },
                Ty::Map(_) | Ty::Object(_) | Ty::AnyObject
            )
            | (
                NodeKind::Scalar { .. },
                Ty::Str | Ty::Int | Ty::Num | Ty::Bool | Ty::IntOrStr | Ty::Quantity | Ty::Enum(_)
            )
    )
}
