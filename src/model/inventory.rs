//! The compact cross-file index: only what cross-file rules need, kept after each file's
//! text and tree are dropped.

use super::selector::{PodLabel, PodLabels, Selector};
use crate::diagnostic::{Located, ObjectInfo};
use std::collections::HashMap;
use std::path::PathBuf;

/// An apply group: one root kustomization, or a directory of files no kustomization includes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupKey {
    Kustomization(u32),
    Directory(PathBuf),
}

/// A pod template (or operator-made pods) that Services may select.
#[derive(Clone, Debug)]
pub struct PodFacts {
    /// Labels of running pods: the template's plus those its controller adds.
    pub labels: PodLabels,
    /// The template's `labels` field, for related spans.
    pub labels_at: Option<Located>,
    /// Argo Rollout `workloadRef`: the Deployment whose template it uses.
    pub workload_ref: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ServiceFacts {
    pub selector: Vec<(String, String)>,
    pub selector_at: Located,
}

/// One object, as cross-file rules see it.
#[derive(Clone, Debug)]
pub struct ObjectFacts {
    pub info: ObjectInfo,
    pub group: String,
    /// The namespaces the object is applied to; `None` means whatever namespace it is
    /// applied to (no `metadata.namespace`, no kustomization `namespace:`).
    pub namespaces: Vec<Option<String>>,
    /// The apply groups the object belongs to, with its namespace in each.
    pub groups: Vec<(GroupKey, Option<String>)>,
    pub partial: bool,
    /// `metadata.name`, or the document, for findings about the whole object.
    pub at: Located,
    pub pods: Option<PodFacts>,
    pub service: Option<ServiceFacts>,
}

#[derive(Default)]
pub struct Inventory {
    pub objects: Vec<ObjectFacts>,
}

/// Whether two objects can be in the same namespace.
pub fn namespaces_meet(a: &[Option<String>], b: &[Option<String>]) -> bool {
    a.iter().any(|x| {
        b.iter().any(|y| match (x, y) {
            (None, _) | (_, None) => true,
            (Some(x), Some(y)) => x == y,
        })
    })
}

impl Inventory {
    /// Resolves Rollout `workloadRef`s to the referenced Deployment's template labels and
    /// merges labels that kustomize patches add to the objects they patch.
    pub fn finish(&mut self) {
        // patches: labels of a partial object are added to every whole object of that name
        let mut patch_labels: HashMap<(String, String), Vec<(String, PodLabel)>> = HashMap::new();
        for o in &self.objects {
            if let (true, Some(p), Some(name)) = (o.partial, &o.pods, &o.info.name) {
                patch_labels
                    .entry((o.info.kind.clone(), name.clone()))
                    .or_default()
                    .extend(p.labels.0.iter().cloned());
            }
        }
        let deployments: HashMap<String, (Vec<Option<String>>, PodLabels)> = self
            .objects
            .iter()
            .filter(|o| o.info.kind == "Deployment" && !o.partial)
            .filter_map(|o| {
                Some((
                    o.info.name.clone()?,
                    (o.namespaces.clone(), o.pods.as_ref()?.labels.clone()),
                ))
            })
            .collect();
        for o in &mut self.objects {
            let Some(pods) = o.pods.as_mut() else {
                continue;
            };
            if !o.partial
                && let Some(extra) = o
                    .info
                    .name
                    .as_ref()
                    .and_then(|n| patch_labels.get(&(o.info.kind.clone(), n.clone())))
            {
                for (k, v) in extra {
                    pods.labels.add_missing(k, v.clone());
                }
            }
            if let Some(target) = &pods.workload_ref
                && let Some((ns, labels)) = deployments.get(target)
                && namespaces_meet(ns, &o.namespaces)
            {
                for (k, v) in &labels.0 {
                    if k != "pod-template-hash" {
                        pods.labels.add_missing(k, v.clone());
                    }
                }
            }
        }
    }

    /// Whole objects whose pods could be selected from a Service in `namespaces`.
    pub fn pod_sources<'a>(
        &'a self,
        namespaces: &'a [Option<String>],
    ) -> impl Iterator<Item = &'a ObjectFacts> + 'a {
        self.objects.iter().filter(move |o| {
            !o.partial && o.pods.is_some() && namespaces_meet(&o.namespaces, namespaces)
        })
    }

    pub fn matching<'a>(
        &'a self,
        namespaces: &'a [Option<String>],
        sel: &'a Selector,
    ) -> impl Iterator<Item = &'a ObjectFacts> + 'a {
        self.pod_sources(namespaces)
            .filter(move |o| o.pods.as_ref().is_some_and(|p| sel.matches(&p.labels)))
    }
}
