use super::{FixAvailability, InventoryContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};

static META: RuleMeta = RuleMeta {
    id: "networkpolicy-selector-no-match",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    scope: Scope::Inventory,
    summary: "a NetworkPolicy `podSelector` (of the policy or of a same-namespace peer) that matches no pod template in scope",
    doc: include_str!("../../rules/networkpolicy-selector-no-match.md"),
};

pub struct NetworkPolicySelectorNoMatch;

impl Rule for NetworkPolicySelectorNoMatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_inventory(&self, cx: &InventoryContext<'_>, out: &mut Vec<Diagnostic>) {
        super::pdb_selector_no_match::unmatched_pod_selectors(
            cx,
            &META,
            "networking.k8s.io",
            "NetworkPolicy",
            out,
        );
    }
}
