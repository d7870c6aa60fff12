use super::removed_api_version::api_version_finding;
use super::{FixAvailability, ObjectContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::api_versions::Status;

static META: RuleMeta = RuleMeta {
    id: "deprecated-api-version",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    scope: Scope::Object,
    summary: "an apiVersion the target Kubernetes version still serves but has deprecated",
    doc: include_str!("../../rules/deprecated-api-version.md"),
};

pub struct DeprecatedApiVersion;

impl Rule for DeprecatedApiVersion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, cx: &ObjectContext<'_>, out: &mut Vec<Diagnostic>) {
        api_version_finding(cx, &META, Status::Deprecated, out);
    }
}
