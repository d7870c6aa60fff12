use super::{FixAvailability, InventoryContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};

static META: RuleMeta = RuleMeta {
    id: "hpa-target-not-scalable",
    severity: Severity::Error,
    fix: FixAvailability::None,
    scope: Scope::Inventory,
    summary: "a HorizontalPodAutoscaler whose target is a built-in kind without a scale subresource, such as a DaemonSet",
    doc: include_str!("../../rules/hpa-target-not-scalable.md"),
};

pub struct HpaTargetNotScalable;

/// Kubernetes' own kinds that have a `scale` subresource.
const SCALABLE: &[(&str, &str)] = &[
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "ReplicaSet"),
    ("", "ReplicationController"),
];

impl Rule for HpaTargetNotScalable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_inventory(&self, cx: &InventoryContext<'_>, out: &mut Vec<Diagnostic>) {
        for hpa in &cx.inventory.objects {
            let Some((api, kind, name, at)) = hpa.scale_target() else {
                continue;
            };
            let group = crate::model::object::group_of(api);
            // a custom resource may have a scale subresource: not judged
            if !crate::model::schema::is_known(api, kind)
                || SCALABLE.contains(&(group, kind.as_str()))
            {
                continue;
            }
            out.push(
                cx.diag(
                    &META,
                    at.clone(),
                    format!("{kind} `{name}` cannot be scaled: {api} {kind} has no scale subresource"),
                )
                .help("a HorizontalPodAutoscaler scales Deployments, StatefulSets, ReplicaSets, ReplicationControllers and custom resources with a scale subresource")
                .object(Some(std::sync::Arc::new(hpa.info.clone()))),
            );
        }
    }
}
