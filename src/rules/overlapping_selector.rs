use super::{FixAvailability, InventoryContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::inventory::ObjectFacts;

static META: RuleMeta = RuleMeta {
    id: "overlapping-selector",
    severity: Severity::Error,
    fix: FixAvailability::None,
    scope: Scope::Inventory,
    summary: "two workloads applied together whose selectors each select the other's pods",
    doc: include_str!("../../rules/overlapping-selector.md"),
};

pub struct OverlappingSelector;

/// Whether two objects are applied together, to the same namespace.
fn applied_together(a: &ObjectFacts, b: &ObjectFacts) -> bool {
    a.groups.iter().any(|g| b.groups.contains(g))
}

/// An Argo Rollout and the Deployment whose template it uses (`workloadRef`) share pods by
/// design.
fn template_of(a: &ObjectFacts, b: &ObjectFacts) -> bool {
    let refers = |x: &ObjectFacts, y: &ObjectFacts| {
        x.pods.as_ref().and_then(|p| p.workload_ref.as_deref()) == y.info.name.as_deref()
            && &*y.info.kind == "Deployment"
    };
    refers(a, b) || refers(b, a)
}

impl Rule for OverlappingSelector {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_inventory(&self, cx: &InventoryContext<'_>, out: &mut Vec<Diagnostic>) {
        let inv = cx.inventory;
        for (i, a) in inv.objects.iter().enumerate() {
            let Some(pa) = a.pods.as_ref().filter(|_| !a.partial) else {
                continue;
            };
            let Some((sel_a, at_a)) = pa.selector.as_ref().filter(|(s, _)| !s.is_empty()) else {
                continue;
            };
            // each pair once, at the later of the two; the same kind and name twice is
            // duplicate-object's
            let others: Vec<usize> = inv
                .matching_ids(&a.namespaces, sel_a)
                .filter(|&j| j < i)
                .filter(|&j| {
                    let b = &inv.objects[j];
                    let Some(pb) = b.pods.as_ref() else {
                        return false;
                    };
                    pb.selector
                        .as_ref()
                        .is_some_and(|(s, _)| !s.is_empty() && s.matches(&pa.labels))
                        && !(b.info.kind == a.info.kind && b.info.name == a.info.name)
                        && applied_together(a, b)
                        && !template_of(a, b)
                })
                .collect();
            let Some(&first) = others.first() else {
                continue;
            };
            let b = &inv.objects[first];
            let Some((sel_b, at_b)) = b.pods.as_ref().and_then(|p| p.selector.as_ref()) else {
                continue;
            };
            let more = match others.len() {
                1 => String::new(),
                2 => " (and of 1 other workload)".to_string(),
                n => format!(" (and of {} other workloads)", n - 1),
            };
            out.push(
                cx.diag(
                    &META,
                    at_a.clone(),
                    format!(
                        "selector `{sel_a}` also selects the pods of {}{more}, whose selector `{sel_b}` selects these pods: the controllers fight over them",
                        b.info.kind_name()
                    ),
                )
                .related(at_b.clone(), format!("the selector of {}", b.info.kind_name()))
                .help(format!(
                    "give each workload a label the other's pods lack (such as `app.kubernetes.io/component`), in both its selector and its template; {} and {} are applied together",
                    a.info.kind_name(),
                    b.info.kind_name()
                ))
                .object(Some(std::sync::Arc::new(a.info.clone()))),
            );
        }
    }
}
