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

pub static UNUSED_BASELINE_ENTRY: RuleMeta = RuleMeta {
    id: "unused-baseline-entry",
    severity: Severity::Info,
    fix: FixAvailability::None,
    scope: Scope::Inventory,
    summary: "an entry of the `--baseline` file that matches no finding any more",
    doc: include_str!("../../rules/unused-baseline-entry.md"),
};

/// A baseline is judged once the run's findings are known (`baseline::apply`); this entry
/// gives the rule its place in the registry.
pub struct UnusedBaselineEntry;

impl Rule for UnusedBaselineEntry {
    fn meta(&self) -> &'static RuleMeta {
        &UNUSED_BASELINE_ENTRY
    }
}
