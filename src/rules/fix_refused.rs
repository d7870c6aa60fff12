use super::{FixAvailability, Rule, RuleMeta, Scope};
use crate::diagnostic::Severity;

pub static FIX_REFUSED: RuleMeta = RuleMeta {
    id: "fix-refused",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    scope: Scope::Document,
    summary: "a fix kure did not write, because the result would not parse or would change more than the fix meant to",
    doc: include_str!("../../rules/fix-refused.md"),
};

/// Refused fixes are reported by `kure fix` and `kure lint --fix` as they apply fixes; this
/// entry gives them a place in the registry (selection, `kure rules`, `kure explain`).
pub struct FixRefusedRule;

impl Rule for FixRefusedRule {
    fn meta(&self) -> &'static RuleMeta {
        &FIX_REFUSED
    }
}
