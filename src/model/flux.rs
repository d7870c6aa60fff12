//! What a GitOps tool's own objects say about the files they apply: a Flux
//! `Kustomization` (`kustomize.toolkit.fluxcd.io`) names a path of the repository, the
//! namespace everything under it lands in (`targetNamespace`), and the variables its
//! post-build substitution fills in (`postBuild`).

use super::object::Object;
use super::subst::{Var, Vars};
use crate::yaml::Document;

pub const KUSTOMIZE_GROUP: &str = "kustomize.toolkit.fluxcd.io";

/// A Flux `Kustomization`, as far as it decides how the files under its path are read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FluxKustomization {
    pub name: String,
    pub namespace: Option<String>,
    /// `spec.path`, relative to the root of its source (`./kubernetes/apps`); `.` when
    /// not set.
    pub path: String,
    /// The kind and name of `spec.sourceRef` (`GitRepository`, `OCIRepository`, `Bucket`).
    pub source: (String, String),
    pub target_namespace: Option<String>,
    /// `None` without `postBuild`: Flux substitutes nothing, a `${VAR}` stays as written.
    pub substitution: Option<Vars>,
}

/// The Flux `Kustomization` an object is, if it is one.
pub fn flux_kustomization(obj: &Object<'_>) -> Option<FluxKustomization> {
    if !obj.is(KUSTOMIZE_GROUP, "Kustomization") {
        return None;
    }
    let doc = obj.doc;
    let spec = obj.spec()?;
    let text = |keys: &[&str]| {
        doc.path(spec, keys)
            .and_then(|n| doc.scalar(n))
            .map(str::to_string)
    };
    let substitution = doc.get(spec, "postBuild").map(|pb| post_build(doc, pb));
    Some(FluxKustomization {
        name: obj.name().unwrap_or_default().to_string(),
        namespace: obj.namespace().map(str::to_string),
        path: text(&["path"])
            .filter(|p| !p.is_empty())
            .unwrap_or_else(|| ".".into()),
        source: (
            text(&["sourceRef", "kind"]).unwrap_or_default(),
            text(&["sourceRef", "name"]).unwrap_or_default(),
        ),
        target_namespace: text(&["targetNamespace"]).filter(|n| !n.is_empty()),
        substitution,
    })
}

/// The variables a `postBuild` sets: those of `substitute`; any other may come from a
/// `substituteFrom` ConfigMap or Secret (kure does not read them yet), and is unset when
/// there is none.
fn post_build(doc: &Document, pb: crate::yaml::NodeId) -> Vars {
    let mut vars = Vars {
        other: if doc
            .get(pb, "substituteFrom")
            .is_some_and(|l| !doc.items(l).is_empty())
        {
            Var::Unknown
        } else {
            Var::Unset
        },
        ..Vars::default()
    };
    if let Some(map) = doc.get(pb, "substitute") {
        for e in doc.entries(map) {
            if let (Some(k), Some(v)) = (doc.scalar(e.key), doc.scalar(e.value)) {
                vars.known.insert(k.to_string(), Var::Value(v.to_string()));
            }
        }
    }
    vars
}

/// Whether an object turns substitution off for itself
/// (`kustomize.toolkit.fluxcd.io/substitute: disabled`).
pub fn substitution_disabled(obj: &Object<'_>) -> bool {
    obj.doc.path_str(
        obj.root,
        &[
            "metadata",
            "annotations",
            "kustomize.toolkit.fluxcd.io/substitute",
        ],
    ) == Some("disabled")
}
