use super::{FixAvailability, Rule, RuleMeta, Scope};
use crate::diagnostic::Severity;

pub static PARSE_ERROR: RuleMeta = RuleMeta {
    id: "parse-error",
    severity: Severity::Error,
    fix: FixAvailability::None,
    scope: Scope::Document,
    summary: "YAML that does not parse",
    doc: include_str!("../../rules/parse-error.md"),
};

/// Parse errors are reported by the pipeline as it parses; this entry gives them a place in
/// the registry (selection, `kure rules`, `kure explain`).
pub struct ParseErrorRule;

impl Rule for ParseErrorRule {
    fn meta(&self) -> &'static RuleMeta {
        &PARSE_ERROR
    }
}
