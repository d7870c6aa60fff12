//! What a GitOps tool's own objects say about the files they apply: a Flux
//! `Kustomization` (`kustomize.toolkit.fluxcd.io`) names a path of the repository, the
//! namespace everything under it lands in (`targetNamespace`), and the variables its
//! post-build substitution fills in (`postBuild`).

use super::object::Object;
use super::subst::{Var, Vars};
use crate::yaml::Document;

pub const KUSTOMIZE_GROUP: &str = "kustomize.toolkit.fluxcd.io";

/// A Flux `Kustomization` (or a directory source of an Argo CD `Application`), as far as it
/// decides how the files under its path are read.
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
    /// Without a kustomization at the path, the manifests of its subdirectories are applied
    /// too (Flux: always; Argo CD: with `directory.recurse`).
    pub recurse: bool,
}

pub const ARGO_GROUP: &str = "argoproj.io";

/// The directories of this repository an Argo CD `Application` applies: each source with a
/// `path` and no Helm chart, into `destination.namespace`. Argo CD substitutes no `${VAR}`.
pub fn argo_application(obj: &Object<'_>) -> Vec<FluxKustomization> {
    if !obj.is(ARGO_GROUP, "Application") {
        return Vec::new();
    }
    let doc = obj.doc;
    let Some(spec) = obj.spec() else {
        return Vec::new();
    };
    let namespace = doc
        .path_str(spec, &["destination", "namespace"])
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    let sources = doc.get(spec, "source").into_iter().chain(
        doc.get(spec, "sources")
            .map_or(&[][..], |l| doc.items(l))
            .iter()
            .copied(),
    );
    sources
        .filter(|&s| doc.get(s, "chart").is_none() && doc.get(s, "helm").is_none())
        .filter_map(|s| {
            let path = doc.path_str(s, &["path"]).filter(|p| !p.is_empty())?;
            Some(FluxKustomization {
                name: obj.name().unwrap_or_default().to_string(),
                namespace: obj.namespace().map(str::to_string),
                path: path.to_string(),
                source: (String::new(), String::new()),
                target_namespace: namespace.clone(),
                substitution: None,
                recurse: doc
                    .path(s, &["directory", "recurse"])
                    .and_then(|n| doc.scalar(n))
                    == Some("true"),
            })
        })
        .collect()
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
        recurse: true,
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
