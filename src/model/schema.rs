//! The API's types as data: for each (apiVersion, kind) served from Kubernetes 1.25 to 1.37,
//! its fields, their types and which are required. Kubernetes' own types come from
//! `data/k8s-schema.txt` (written by `scripts/gen-schema.py` from the published JSON
//! schemas, with what the API server enforces beyond them from `api_rules`); a repository's
//! custom resources get theirs from its CRDs (`crd`).
//!
//! Decoded lazily: the table's index on first use, each type when an object first needs it.

use super::api_rules;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

static TEXT: &str = include_str!("../../data/k8s-schema.txt");

/// A field's type.
#[derive(Clone, Debug)]
pub enum Ty {
    Str,
    Int,
    Num,
    Bool,
    /// An integer or a string (`targetPort`, `maxSurge`).
    IntOrStr,
    /// A quantity: a string or a number (`cpu: 500m`, `memory: 1Gi`, `cpu: 1`).
    Quantity,
    /// Any value (a CRD's `x-kubernetes-preserve-unknown-fields` without a type, JSON).
    Any,
    /// Any mapping.
    AnyObject,
    /// One of Kubernetes' own types, by its name id in the table.
    Def(u32),
    List(Arc<Ty>),
    /// A mapping of any keys to values of this type.
    Map(Arc<Ty>),
    Object(Arc<ObjectTy>),
    /// A string from a fixed set.
    Enum(Arc<[Box<str>]>),
}

/// A mapping with known fields.
#[derive(Debug, Default)]
pub struct ObjectTy {
    /// Sorted by name.
    pub fields: Vec<Field>,
    /// Fields it does not list are kept (a CRD's `x-kubernetes-preserve-unknown-fields`).
    pub open: bool,
    /// The type of the values of keys it does not list, when it has such a type (a CRD's
    /// `additionalProperties` next to `properties`).
    pub additional: Option<Ty>,
}

#[derive(Debug)]
pub struct Field {
    pub name: Box<str>,
    pub ty: Ty,
    pub required: bool,
}

impl ObjectTy {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields
            .binary_search_by(|f| (*f.name).cmp(name))
            .ok()
            .map(|i| &self.fields[i])
    }
}

/// Runs of versions `(first, last, value)`.
type Runs = Vec<(u32, u32, u32)>;

struct Table {
    names: Vec<&'static str>,
    defs: Vec<Runs>,
    kinds: HashMap<(&'static str, &'static str), Runs>,
    bodies: Vec<&'static str>,
    parsed: Vec<OnceLock<Ty>>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = Table {
            names: Vec::new(),
            defs: Vec::new(),
            kinds: HashMap::new(),
            bodies: Vec::new(),
            parsed: Vec::new(),
        };
        let num = |s: Option<&str>| s.and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
        for line in TEXT.lines() {
            let (tag, rest) = line.split_at(line.len().min(2));
            match tag {
                "N " => t.names.push(rest),
                "B " => t.bodies.push(rest),
                "K " => {
                    let mut w = rest.split(' ');
                    let (first, last) = (num(w.next()), num(w.next()));
                    let (Some(api), Some(kind)) = (w.next(), w.next()) else {
                        continue;
                    };
                    let id = num(w.next());
                    t.kinds
                        .entry((api, kind))
                        .or_default()
                        .push((first, last, id));
                }
                "D " => {
                    let mut w = rest.split(' ');
                    let id = num(w.next()) as usize;
                    let (first, last, body) = (num(w.next()), num(w.next()), num(w.next()));
                    if t.defs.len() <= id {
                        t.defs.resize(id + 1, Vec::new());
                    }
                    t.defs[id].push((first, last, body));
                }
                _ => {}
            }
        }
        t.parsed = (0..t.bodies.len()).map(|_| OnceLock::new()).collect();
        t
    })
}

fn at(runs: &Runs, minor: u32) -> Option<u32> {
    runs.iter()
        .find(|(first, last, _)| (*first..=*last).contains(&minor))
        .map(|r| r.2)
}

/// The type of `kind` in `api_version` as Kubernetes 1.`minor` serves it; `None` when that
/// version does not serve it (or it is not one of Kubernetes' own kinds).
pub fn kind(api_version: &str, kind: &str, minor: u32) -> Option<Ty> {
    let runs = table().kinds.get(&(api_version, kind))?;
    at(runs, minor).map(Ty::Def)
}

/// Whether some version kure knows serves `kind` in `api_version`.
pub fn is_known(api_version: &str, kind: &str) -> bool {
    table().kinds.contains_key(&(api_version, kind))
}

/// The name of one of Kubernetes' types (`io.k8s.api.core.v1.Container`).
pub fn def_name(id: u32) -> &'static str {
    table().names.get(id as usize).copied().unwrap_or("")
}

/// A type with its `Def` resolved for Kubernetes 1.`minor` (other types as they are).
pub fn resolve(ty: &Ty, minor: u32) -> Ty {
    let Ty::Def(id) = ty else {
        return ty.clone();
    };
    let t = table();
    let Some(body) = t.defs.get(*id as usize).and_then(|r| at(r, minor)) else {
        return Ty::Any;
    };
    let Some(slot) = t.parsed.get(body as usize) else {
        return Ty::Any;
    };
    slot.get_or_init(|| {
        let text = t.bodies.get(body as usize).copied().unwrap_or("*");
        parse_body(text, def_name(*id))
    })
    .clone()
}

fn parse_body(text: &str, name: &str) -> Ty {
    let mut words = text.split(' ');
    let head = words.next().unwrap_or("*");
    let mut fields: Vec<Field> = Vec::new();
    for w in words {
        let Some((field, ty)) = w.split_once(':') else {
            continue;
        };
        let (ty, required) = match ty.strip_suffix('!') {
            Some(t) => (t, true),
            None => (ty, false),
        };
        let ty = match api_rules::enum_of(name, field) {
            Some(values) => with_enum(parse_ty(ty), values),
            None => parse_ty(ty),
        };
        fields.push(Field {
            name: field.into(),
            ty,
            required: required || api_rules::is_required(name, field),
        });
    }
    match head {
        "o" | "O" if !fields.is_empty() => {
            fields.sort_by(|a, b| a.name.cmp(&b.name));
            Ty::Object(Arc::new(ObjectTy {
                fields,
                open: head == "O",
                additional: None,
            }))
        }
        other => parse_ty(other),
    }
}

/// A string type (or a list of strings) narrowed to `values`.
fn with_enum(ty: Ty, values: &[&str]) -> Ty {
    let e = || Ty::Enum(values.iter().map(|v| Box::<str>::from(*v)).collect());
    match ty {
        Ty::Str => e(),
        Ty::List(item) if matches!(*item, Ty::Str) => Ty::List(Arc::new(e())),
        other => other,
    }
}

fn parse_ty(s: &str) -> Ty {
    if let Some(rest) = s.strip_prefix('[') {
        return Ty::List(Arc::new(parse_ty(rest)));
    }
    if let Some(rest) = s.strip_prefix('{') {
        return Ty::Map(Arc::new(parse_ty(rest)));
    }
    if let Some(id) = s.strip_prefix('#') {
        return id.parse().map(Ty::Def).unwrap_or(Ty::Any);
    }
    match s {
        "s" => Ty::Str,
        "i" => Ty::Int,
        "n" => Ty::Num,
        "b" => Ty::Bool,
        "io" => Ty::IntOrStr,
        "q" => Ty::Quantity,
        "o" => Ty::AnyObject,
        _ => Ty::Any,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(ty: &Ty, minor: u32) -> Arc<ObjectTy> {
        match resolve(ty, minor) {
            Ty::Object(o) => o,
            other => panic!("not an object: {other:?}"),
        }
    }

    #[test]
    fn kinds_fields_and_versions() {
        let d = kind("apps/v1", "Deployment", 37).unwrap();
        let d = object(&d, 37);
        let spec = d.field("spec").unwrap();
        let spec = object(&spec.ty, 37);
        assert!(spec.field("template").unwrap().required);
        assert!(!spec.field("replicas").unwrap().required);
        assert!(matches!(spec.field("replicas").unwrap().ty, Ty::Int));
        assert!(spec.field("imagePullPolicy").is_none());
        // served in some versions only
        assert!(kind("autoscaling/v2beta2", "HorizontalPodAutoscaler", 37).is_none());
        assert!(kind("autoscaling/v2beta2", "HorizontalPodAutoscaler", 25).is_some());
        assert!(kind("example.com/v1", "Thing", 37).is_none());
    }

    #[test]
    fn the_table_holds_every_version_kure_accepts() {
        use crate::model::api_versions::{NEWEST, OLDEST};
        assert!(TEXT.lines().any(|l| l == format!("V {OLDEST} {NEWEST}")));
        for minor in OLDEST..=NEWEST {
            assert!(kind("v1", "Pod", minor).is_some(), "1.{minor}");
        }
        assert!(kind("v1", "Pod", OLDEST - 1).is_none());
    }

    #[test]
    fn int_or_string_quantity_maps_and_the_hand_kept_rules() {
        let svc = object(&kind("v1", "Service", 37).unwrap(), 37);
        let spec = object(&svc.field("spec").unwrap().ty, 37);
        let Ty::List(port) = &spec.field("ports").unwrap().ty else {
            panic!()
        };
        let port = object(port, 37);
        assert!(matches!(port.field("targetPort").unwrap().ty, Ty::IntOrStr));
        assert!(port.field("port").unwrap().required);
        let Ty::Enum(protocols) = &port.field("protocol").unwrap().ty else {
            panic!("protocol is an enum")
        };
        assert!(protocols.iter().any(|p| &**p == "SCTP"));
        let Ty::Map(selector) = &spec.field("selector").unwrap().ty else {
            panic!()
        };
        assert!(matches!(**selector, Ty::Str));
        let pod = object(&kind("v1", "Pod", 37).unwrap(), 37);
        let pod_spec = object(&pod.field("spec").unwrap().ty, 37);
        let Ty::List(c) = &pod_spec.field("containers").unwrap().ty else {
            panic!()
        };
        let c = object(c, 37);
        // the published schema does not require `image`; the API server does
        assert!(c.field("image").unwrap().required);
        let Ty::Map(q) = &object(&c.field("resources").unwrap().ty, 37)
            .field("limits")
            .unwrap()
            .ty
            .clone()
        else {
            panic!()
        };
        assert!(matches!(**q, Ty::Quantity));
    }
}
