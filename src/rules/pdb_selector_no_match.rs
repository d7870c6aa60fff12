use super::{FixAvailability, InventoryContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::inventory::{Inventory, NearestMiss, ObjectFacts};
use crate::model::refs::{SelectorRef, Target};

static META: RuleMeta = RuleMeta {
    id: "pdb-selector-no-match",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    scope: Scope::Inventory,
    summary: "a PodDisruptionBudget whose selector matches no pod template in scope",
    doc: include_str!("../../rules/pdb-selector-no-match.md"),
};

pub struct PdbSelectorNoMatch;

/// The pod selectors of objects of `kind` (in `group`) that match no pod template in scope,
/// each as a finding of `meta`.
pub(super) fn unmatched_pod_selectors(
    cx: &InventoryContext<'_>,
    meta: &'static RuleMeta,
    group: &str,
    kind: &str,
    out: &mut Vec<Diagnostic>,
) {
    let inv = cx.inventory;
    for o in &inv.objects {
        if o.partial || &*o.info.kind != kind || o.group() != group {
            continue;
        }
        for s in o.selects() {
            if s.target != Target::Pods || selects_pods(inv, o, s) {
                continue;
            }
            let namespaces = s.namespaces.as_deref().unwrap_or(&o.namespaces);
            let d = pod_selector_miss(cx, meta, inv, o, s);
            out.extend(cx.dangling(
                d,
                o,
                namespaces,
                crate::model::inventory::Wanted::Pods(&s.selector),
            ));
        }
    }
}

/// Whether a selector of `from` selects some pod template in the namespaces it looks in.
pub(super) fn selects_pods(inv: &Inventory, from: &ObjectFacts, s: &SelectorRef) -> bool {
    let namespaces = s.namespaces.as_deref().unwrap_or(&from.namespaces);
    inv.matching(namespaces, &s.selector).next().is_some()
}

fn pod_selector_miss(
    cx: &InventoryContext<'_>,
    meta: &'static RuleMeta,
    inv: &Inventory,
    o: &ObjectFacts,
    s: &SelectorRef,
) -> Diagnostic {
    let mut d = cx
        .diag(
            meta,
            s.at.clone(),
            format!("{} `{}` matches no pod template", s.field, s.selector),
        )
        .object(Some(std::sync::Arc::new(o.info.clone())));
    match inv.nearest_miss(o, &s.selector) {
        NearestMiss::Unserved(p) | NearestMiss::Served(p, _) => {
            let (at, what, name) = super::service_selector_no_match::closest(p, &s.selector);
            d = d.related(at, what).help(format!(
                "make the selector match the pod labels of {name}, or fix the labels there; if the pods come from elsewhere (a Helm release, an operator), this can be ignored"
            ));
        }
        NearestMiss::None => {
            d = d.help("no workload in the linted files has these labels; check the label names, or lint the files that hold the workload too");
        }
    }
    d
}

impl Rule for PdbSelectorNoMatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_inventory(&self, cx: &InventoryContext<'_>, out: &mut Vec<Diagnostic>) {
        unmatched_pod_selectors(cx, &META, "policy", "PodDisruptionBudget", out);
    }
}
