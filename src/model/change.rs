//! What a change does to objects a cluster already runs (`kure lint --base REF`): which
//! object of the base commit is which object of the work tree (`Key`), and which changes the
//! API server refuses on update (`immutable_changes`, from k8s-facts.md and the API
//! server's `ValidateUpdate` of each kind).

use super::Object;
use super::defaults::{self, Default, Typed};
use crate::yaml::resolve::Reader;
use crate::yaml::value::{self, Path, Value};
use crate::yaml::{Document, NodeId};

/// One file changed since the base commit: its text at the base and now (`None` where it
/// did not exist), parsed.
pub struct ChangedFile {
    /// As findings name it.
    pub path: std::sync::Arc<str>,
    pub base: Option<Version>,
    pub work: Option<Version>,
    /// How the file is typed (by kustomize, where a kustomization includes it).
    pub reader: Reader,
    /// A kustomize patch: its objects are partial, and not compared.
    pub partial: bool,
}

pub struct Version {
    pub text: String,
    pub stream: crate::yaml::Stream,
}

impl Version {
    pub fn objects(&self) -> impl Iterator<Item = Object<'_>> {
        self.stream.documents.iter().flat_map(super::objects)
    }
}

/// What `kure lint --base REF` knows of a change: the files that differ from the base
/// commit, and every object's facts at the base (the files that did not change, as they are
/// now).
pub struct Transition {
    /// The reference as given (`HEAD`, `origin/main`).
    pub reference: String,
    pub files: Vec<ChangedFile>,
    /// The facts of the objects at the base, with a pod index (`Inventory::finish`).
    pub base: super::inventory::Inventory,
    /// The facts of the objects of the changed files, at the base and now, as their files
    /// write them (what renders change is in `rendered` and `rendered_outruns`).
    pub before: Vec<super::inventory::ObjectFacts>,
    pub after: Vec<super::inventory::ObjectFacts>,
    /// The paths (as findings name them) of the changed files.
    pub changed: std::collections::HashSet<std::sync::Arc<str>>,
    /// Refused changes that a kustomization makes (its `labels:`, a patch, a generator),
    /// found by rendering the roots a changed file belongs to at both commits.
    pub rendered: Vec<RenderedRefusal>,
    /// Pod selectors a kustomization narrows past the pods running at the base.
    pub rendered_outruns: Vec<RenderedOutrun>,
    /// How many files differ from the commit (kustomizations and other files kure does not
    /// lint included).
    pub differ: usize,
}

/// A pod selector a kustomization changes (its `commonLabels`, a patch) so that it selects
/// none of the pods the root renders at the base, though it selected some there.
pub struct RenderedOutrun {
    pub object: super::object::ObjectInfo,
    pub field: &'static str,
    pub was: String,
    pub now: String,
    /// The kustomization entry that changes the object last, or the root's kustomization.
    pub at: crate::source::Located,
    pub root: std::sync::Arc<str>,
}

/// The pod selector of a Service, PodDisruptionBudget or NetworkPolicy: its field, and the
/// selector (`None` for another kind, or a Service without one).
pub fn pod_selector(obj: &Object<'_>) -> Option<(&'static str, super::selector::Selector)> {
    use super::selector::{Selector, label_selector, string_pairs};
    let spec = obj.spec()?;
    let doc = obj.doc;
    match (obj.group(), obj.kind) {
        ("", "Service") => {
            let pairs = string_pairs(doc, doc.get(spec, "selector")?);
            (!pairs.is_empty()).then(|| ("spec.selector", Selector::of_map(&pairs)))
        }
        ("policy", "PodDisruptionBudget") => Some((
            "spec.selector",
            label_selector(doc, doc.get(spec, "selector")?),
        )),
        ("networking.k8s.io", "NetworkPolicy") => Some((
            "spec.podSelector",
            label_selector(doc, doc.get(spec, "podSelector")?),
        )),
        _ => None,
    }
}

/// A change the API server refuses that a kustomization makes to an object whose own file
/// says the same at both commits.
pub struct RenderedRefusal {
    pub refused: Refused,
    pub object: super::object::ObjectInfo,
    /// The kustomization entry that changes the object last (`labels`, a patch), or the
    /// root's kustomization.
    pub at: crate::source::Located,
    /// The root kustomization rendering it, as findings name it.
    pub root: std::sync::Arc<str>,
}

impl Transition {
    /// The keys of the objects at the base and now (`work` is the run's inventory).
    pub fn keys(&self, work: &super::inventory::Inventory) -> (KeySet, KeySet) {
        let base = self
            .base
            .objects
            .iter()
            .filter_map(|o| Key::of_info(&o.info))
            .collect();
        let now = work
            .objects
            .iter()
            .filter(|o| !self.changed.contains(&o.at.path))
            .chain(&self.after)
            .filter_map(|o| Key::of_info(&o.info))
            .collect();
        (base, now)
    }

    /// Each object of a changed file now, with the object of the same key at the base (the
    /// one in the same file, when several files held one), skipping patches.
    pub fn pairs(&self) -> Vec<(&ChangedFile, Object<'_>, Object<'_>)> {
        let mut at_base: std::collections::HashMap<Key, Vec<(&std::sync::Arc<str>, Object<'_>)>> =
            std::collections::HashMap::new();
        for f in self.files.iter().filter(|f| !f.partial) {
            for o in f.base.iter().flat_map(Version::objects) {
                if let Some(k) = Key::of(&o) {
                    at_base.entry(k).or_default().push((&f.path, o));
                }
            }
        }
        let mut out = Vec::new();
        for f in self.files.iter().filter(|f| !f.partial) {
            for o in f.work.iter().flat_map(Version::objects) {
                let Some(candidates) = Key::of(&o).and_then(|k| at_base.get(&k)) else {
                    continue;
                };
                if let Some((_, b)) = same_object(candidates, |(p, _)| **p == f.path) {
                    out.push((f, *b, o));
                }
            }
        }
        out
    }
}

pub type KeySet = std::collections::HashSet<Key>;

/// Which of the objects with an object's key at the other commit is that object: the one in
/// the same file (`same_file`), else the only one; `None` when several files held one and
/// none is its file (two overlays' copies).
pub fn same_object<T>(candidates: &[T], same_file: impl Fn(&T) -> bool) -> Option<&T> {
    candidates
        .iter()
        .find(|c| same_file(c))
        .or_else(|| (candidates.len() == 1).then(|| &candidates[0]))
}

/// What the API server names an object by: its group (the group an old apiVersion moved
/// to, so `extensions/v1beta1` and `apps/v1` Deployments are one object), kind, namespace
/// and name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub group: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl Key {
    /// The key of an object, or `None` for one without a name (`generateName`).
    pub fn of(obj: &Object<'_>) -> Option<Key> {
        Key::new(obj.api_version, obj.kind, obj.namespace(), obj.name()?)
    }

    /// From an object's identity as findings carry it.
    pub fn of_info(info: &super::object::ObjectInfo) -> Option<Key> {
        Key::new(
            &info.api_version,
            &info.kind,
            info.namespace.as_deref(),
            info.name.as_deref()?,
        )
    }

    fn new(api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> Option<Key> {
        Some(Key {
            group: group_today(api_version, kind).to_string(),
            kind: kind.to_string(),
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
        })
    }
}

/// The group an object of `api_version` is served from today: an old version's replacement
/// (the API server converts between them), or its own.
fn group_today<'a>(api_version: &'a str, kind: &str) -> &'a str {
    match super::api_versions::lookup(api_version, kind).and_then(|r| r.replacement) {
        Some(new) => super::object::group_of(new),
        None => super::object::group_of(api_version),
    }
}

/// A change the API server refuses: the path changed (from the object's root), the value at
/// the base, the value now (`None` when removed), and what to do instead.
#[derive(Debug)]
pub struct Refused {
    pub path: Path,
    pub before: Option<String>,
    pub after: Option<String>,
    /// What the server says, in kure's words: "a Deployment's `spec.selector` is immutable".
    pub why: String,
    pub way_out: &'static str,
}

/// The fields of a kind the API server refuses to change.
enum Fields {
    /// The value at each of these paths.
    At(&'static [&'static [&'static str]]),
    /// Every field of `spec` but these.
    SpecBut(&'static [&'static str]),
}

struct Row {
    group: &'static str,
    kinds: &'static [&'static str],
    /// How findings name the object, where not by its kind alone.
    noun: Option<&'static str>,
    fields: Fields,
    way_out: &'static str,
}

const RECREATE_WORKLOAD: &str = "the API server keeps the old value (Argo CD may even report Synced while every apply fails): delete the object and let it be created again (`kubectl delete --cascade=orphan` keeps its pods running until the new one adopts them), mark it to be replaced (Flux: the annotation `kustomize.toolkit.fluxcd.io/force: enabled`; Argo CD: `argocd.argoproj.io/sync-options: Replace=true`), or give it a new name";
const RECREATE_JOB: &str = "a Job's pod template and selector are fixed once it is created: delete it first (Flux: the annotation `kustomize.toolkit.fluxcd.io/force: enabled`; Argo CD: `argocd.argoproj.io/sync-options: Replace=true`), or give each version its own name";
const RECREATE_STATEFULSET: &str = "a StatefulSet may only change `replicas`, `ordinals`, `template`, `updateStrategy`, `persistentVolumeClaimRetentionPolicy`, `minReadySeconds` and `revisionHistoryLimit`: delete it with `kubectl delete statefulset NAME --cascade=orphan` (its pods and claims stay) and let it be created again, or mark it to be replaced (Flux: `kustomize.toolkit.fluxcd.io/force: enabled`; Argo CD: `argocd.argoproj.io/sync-options: Replace=true`); claims already made from `volumeClaimTemplates` are not changed by either";
const RECREATE_BINDING: &str = "a binding's `roleRef` is fixed once it is created: delete it and create it again (Flux: `kustomize.toolkit.fluxcd.io/force: enabled`; Argo CD: `argocd.argoproj.io/sync-options: Replace=true`), or bind under a new name";

static TABLE: &[Row] = &[
    Row {
        group: "apps",
        kinds: &["Deployment", "ReplicaSet", "DaemonSet"],
        noun: None,
        fields: Fields::At(&[&["spec", "selector"]]),
        way_out: RECREATE_WORKLOAD,
    },
    Row {
        group: "apps",
        kinds: &["StatefulSet"],
        noun: None,
        fields: Fields::SpecBut(&[
            "replicas",
            "ordinals",
            "template",
            "updateStrategy",
            "persistentVolumeClaimRetentionPolicy",
            "minReadySeconds",
            "revisionHistoryLimit",
        ]),
        way_out: RECREATE_STATEFULSET,
    },
    Row {
        group: "batch",
        kinds: &["Job"],
        noun: None,
        fields: Fields::At(&[&["spec", "selector"], &["spec", "template"]]),
        way_out: RECREATE_JOB,
    },
    Row {
        group: "rbac.authorization.k8s.io",
        kinds: &["RoleBinding", "ClusterRoleBinding"],
        noun: None,
        fields: Fields::At(&[&["roleRef"]]),
        way_out: RECREATE_BINDING,
    },
    // a larger `resources.requests.storage` may be asked for (`claim_shrinks` judges it)
    Row {
        group: "",
        kinds: &["PersistentVolumeClaim"],
        noun: Some("bound PersistentVolumeClaim"),
        fields: Fields::SpecBut(&["resources", "volumeAttributesClassName"]),
        way_out: PVC_WAY_OUT,
    },
];

const PVC_WAY_OUT: &str = "a claim's spec is fixed once it is bound, but for a larger `resources.requests.storage` (where its storage class allows expansion) and `volumeAttributesClassName`: to shrink it or change the rest, create a new claim and copy the data";
const SERVICE_WAY_OUT: &str = "a Service keeps the address it was given: remove `clusterIP` to keep the current one, or delete the Service and create it again (Flux: `kustomize.toolkit.fluxcd.io/force: enabled`; Argo CD: `argocd.argoproj.io/sync-options: Replace=true`)";
const IMMUTABLE_DATA_WAY_OUT: &str = "an immutable ConfigMap or Secret cannot change: create it under a new name (a kustomize generator's hash suffix does this for each version) and point the pods at it";

/// Whether the object asks its GitOps tool to delete and re-create it when an update is
/// refused (Flux's `kustomize.toolkit.fluxcd.io/force: enabled`, Argo CD's `Replace=true`):
/// an immutable field may then change.
pub fn replaced_on_conflict(obj: &Object<'_>) -> bool {
    let Some(ann) = obj.metadata().and_then(|m| obj.doc.get(m, "annotations")) else {
        return false;
    };
    obj.doc
        .path_str(ann, &["kustomize.toolkit.fluxcd.io/force"])
        .is_some_and(|v| v == "enabled")
        || obj
            .doc
            .path_str(ann, &["argocd.argoproj.io/sync-options"])
            .is_some_and(|v| v.split(',').any(|o| o.trim() == "Replace=true"))
}

/// The changes from `base` to `work` (one object at two commits) that the API server
/// refuses, the shallowest path of each.
pub fn immutable_changes(base: &Object<'_>, work: &Object<'_>, reader: Reader) -> Vec<Refused> {
    let (b, w) = (
        value::value(base.doc, base.root, reader),
        value::value(work.doc, work.root, reader),
    );
    let group = super::object::group_of(work.api_version);
    let mut out = Vec::new();
    let kind_name = work.kind;
    if let Some(row) = TABLE
        .iter()
        .find(|r| r.group == group && r.kinds.contains(&kind_name))
    {
        let mut paths = Vec::new();
        match row.fields {
            Fields::At(fields) => {
                for f in fields {
                    let p: Path = f.iter().map(|s| s.to_string()).collect();
                    changed_under(&b, &w, p, &mut paths);
                }
            }
            Fields::SpecBut(but) => {
                let spec = ["spec".to_string()];
                for key in keys_of(&b, &w, &spec) {
                    if !but.contains(&key.as_str()) {
                        changed_under(&b, &w, vec!["spec".to_string(), key], &mut paths);
                    }
                }
            }
        }
        for p in paths {
            if is_default_either_way(group, kind_name, &b, &w, &p) {
                continue;
            }
            let field = field_of(row, &p);
            let noun = row.noun.unwrap_or(kind_name);
            out.push(refused(
                &b,
                &w,
                p,
                format!("a {noun}'s `{field}` is immutable"),
                row.way_out,
            ));
        }
    }
    match (group, kind_name) {
        ("", "PersistentVolumeClaim") => claim_shrinks(&b, &w, &mut out),
        ("", "Service") => {
            let ip = |v: &Value| match value::lookup(v, &["spec".into(), "clusterIP".into()]) {
                Some(Value::Str(s)) if !s.is_empty() => Some(s.clone()),
                _ => None,
            };
            let external = |v: &Value| {
                value::lookup(v, &["spec".into(), "type".into()])
                    == Some(&Value::Str("ExternalName".into()))
            };
            if let (Some(x), Some(y)) = (ip(&b), ip(&w))
                && x != y
                && !external(&b)
                && !external(&w)
            {
                out.push(refused(
                    &b,
                    &w,
                    vec!["spec".into(), "clusterIP".into()],
                    "a Service's `spec.clusterIP` cannot change".to_string(),
                    SERVICE_WAY_OUT,
                ));
            }
        }
        ("", "ConfigMap" | "Secret") => {
            let immutable =
                |v: &Value| value::lookup(v, &["immutable".into()]) == Some(&Value::Bool(true));
            if immutable(&b) {
                let mut paths = Vec::new();
                if !immutable(&w) {
                    paths.push(vec!["immutable".to_string()]);
                }
                for field in ["data", "binaryData", "stringData"] {
                    changed_under(&b, &w, vec![field.to_string()], &mut paths);
                }
                for p in paths {
                    out.push(refused(
                        &b,
                        &w,
                        p,
                        format!("the {kind_name} is `immutable: true` at the base"),
                        IMMUTABLE_DATA_WAY_OUT,
                    ));
                }
            }
        }
        _ => {}
    }
    out
}

/// The field a row names for a changed path (`spec.selector`, `spec.volumeClaimTemplates`).
fn field_of(row: &Row, p: &Path) -> String {
    let n = match row.fields {
        Fields::At(fields) => fields
            .iter()
            .find(|f| p.len() >= f.len() && p.iter().zip(f.iter()).all(|(a, b)| a == b))
            .map_or(p.len(), |f| f.len()),
        Fields::SpecBut(_) => 2,
    };
    path_text(&p[..n.min(p.len())])
}

/// A path as findings write it: `spec.volumeClaimTemplates[0].spec`.
pub fn path_text(path: &[String]) -> String {
    let mut out = String::new();
    for p in path {
        if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{p}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(p);
        }
    }
    out
}

/// A PersistentVolumeClaim asked to shrink (its storage may only grow; the rest of its
/// spec is the table's).
fn claim_shrinks(b: &Value, w: &Value, out: &mut Vec<Refused>) {
    let storage: Path = ["spec", "resources", "requests", "storage"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let bytes = |v: &Value| match value::lookup(v, &storage) {
        Some(Value::Str(s)) => quantity(s),
        Some(Value::Int(i)) => Some(*i as f64),
        _ => None,
    };
    if let (Some(x), Some(y)) = (bytes(b), bytes(w))
        && y < x
    {
        out.push(refused(
            b,
            w,
            storage,
            "a PersistentVolumeClaim cannot shrink".to_string(),
            PVC_WAY_OUT,
        ));
    }
}

fn refused(b: &Value, w: &Value, path: Path, why: String, way_out: &'static str) -> Refused {
    Refused {
        before: value::lookup(b, &path).map(compact),
        after: value::lookup(w, &path).map(compact),
        path,
        why,
        way_out,
    }
}

/// The keys of the mappings at `at` in either value.
fn keys_of(b: &Value, w: &Value, at: &[String]) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for v in [b, w] {
        if let Some(Value::Map(m)) = value::lookup(v, at) {
            for k in m.keys() {
                if !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
        }
    }
    keys.sort();
    keys
}

/// The paths under `at` where the two values differ (a field added or removed is the path
/// of that field).
fn changed_under(b: &Value, w: &Value, at: Path, out: &mut Vec<Path>) {
    match (value::lookup(b, &at), value::lookup(w, &at)) {
        (None, None) => {}
        (Some(x), Some(y)) => {
            let mut path = at;
            value::diff(x, y, &mut path, out);
        }
        _ => out.push(at),
    }
}

/// Whether a path that one side lacks holds, on the other, what the server fills in anyway
/// (`podManagementPolicy: OrderedReady` written out): no change to the stored object.
fn is_default_either_way(group: &str, kind: &str, b: &Value, w: &Value, p: &Path) -> bool {
    let (x, y) = (value::lookup(b, p), value::lookup(w, p));
    let present = match (x, y) {
        (Some(v), None) | (None, Some(v)) => v,
        _ => return false,
    };
    let Some(spec) = defaults::spec(group, kind) else {
        return false;
    };
    if p.first().map(String::as_str) != Some("spec") {
        return false;
    }
    let mut at = spec;
    for key in &p[1..] {
        at = match at {
            Default::Map { entries, .. } => match entries.iter().find(|(k, _)| k == key) {
                Some((_, d)) => d,
                None => return false,
            },
            Default::Each(d) if key.parse::<usize>().is_ok() => d,
            _ => return false,
        };
    }
    match (at, present) {
        (Default::Value(Typed::Int(i)), Value::Int(v)) => i == v,
        (Default::Value(Typed::Str(s)), Value::Str(v)) => s == v,
        (Default::Value(Typed::Bool(x)), Value::Bool(v)) => x == v,
        _ => false,
    }
}

/// A value as a finding shows it: a scalar's text, a collection in flow style (shortened).
pub fn compact(v: &Value) -> String {
    let mut out = String::new();
    write_compact(v, &mut out);
    if out.len() > 120 {
        out.truncate(out.floor_char_boundary(117));
        out.push_str("...");
    }
    out
}

fn write_compact(v: &Value, out: &mut String) {
    if out.len() > 120 {
        return;
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(&b.to_string()),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(bits) => out.push_str(&f64::from_bits(*bits).to_string()),
        Value::Special(s) => out.push_str(s),
        Value::Str(s) => out.push_str(s),
        Value::Map(m) => {
            out.push('{');
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push_str(": ");
                write_compact(v, out);
            }
            out.push('}');
        }
        Value::Seq(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_compact(v, out);
            }
            out.push(']');
        }
    }
}

/// A resource quantity (`10Gi`, `500M`, `1.5e3`) as a number, for comparing sizes.
pub fn quantity(s: &str) -> Option<f64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let scale = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        e if e.starts_with(['e', 'E']) => 10f64.powi(e[1..].parse().ok()?),
        _ => return None,
    };
    Some(n * scale)
}

/// The node at `path` in an object's document, or the deepest node on the way that exists
/// (where a finding about a removed field is shown), with how many steps it got.
pub fn node_at(doc: &Document, root: NodeId, path: &[String]) -> (NodeId, usize) {
    let mut cur = root;
    for (i, step) in path.iter().enumerate() {
        let next = if doc.is_map(cur) {
            doc.get(cur, step)
        } else {
            step.parse::<usize>()
                .ok()
                .and_then(|n| doc.items(cur).get(n).copied())
        };
        match next {
            Some(n) => cur = n,
            None => return (cur, i),
        }
    }
    (cur, path.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_compare_as_the_api_server_sizes_them() {
        assert!(quantity("10Gi") > quantity("10G"));
        assert_eq!(quantity("1Ki"), Some(1024.0));
        assert_eq!(quantity("1.5k"), Some(1500.0));
        assert_eq!(quantity("2e3"), Some(2000.0));
        assert_eq!(quantity("5Xi"), None);
    }
}
