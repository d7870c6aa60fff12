use super::{FixAvailability, Rule, RuleMeta, Scope};
use crate::diagnostic::Severity;

pub static UNUSED_SUPPRESSION: RuleMeta = RuleMeta {
    id: "unused-suppression",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    scope: Scope::Document,
    summary: "a `# kure: ignore` comment or `kure.dev/ignore` annotation that suppresses nothing",
    doc: include_str!("../../rules/unused-suppression.md"),
};

pub static SUPPRESSION_WITHOUT_REASON: RuleMeta = RuleMeta {
    id: "suppression-without-reason",
    severity: Severity::Info,
    fix: FixAvailability::None,
    scope: Scope::Document,
    summary: "a suppression that does not say why",
    doc: include_str!("../../rules/suppression-without-reason.md"),
};

/// Suppressions are judged where findings are collected (`check` and the run's cross-file
/// pass); these entries give the two rules their place in the registry.
pub struct UnusedSuppression;

impl Rule for UnusedSuppression {
    fn meta(&self) -> &'static RuleMeta {
        &UNUSED_SUPPRESSION
    }
}

pub struct SuppressionWithoutReason;

impl Rule for SuppressionWithoutReason {
    fn meta(&self) -> &'static RuleMeta {
        &SUPPRESSION_WITHOUT_REASON
    }
}
