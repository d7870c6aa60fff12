use super::migration::{self, Source};
use super::{FixAvailability, ObjectContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::api_versions::{self, Status};

static META: RuleMeta = RuleMeta {
    id: "removed-api-version",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    scope: Scope::Object,
    summary: "an apiVersion the target Kubernetes version no longer serves, such as `extensions/v1beta1` for an Ingress",
    doc: include_str!("../../rules/removed-api-version.md"),
};

pub struct RemovedApiVersion;

impl Rule for RemovedApiVersion {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, cx: &ObjectContext<'_>, out: &mut Vec<Diagnostic>) {
        api_version_finding(cx, &META, Status::Removed, out);
    }
}

/// The finding of `removed-api-version` or `deprecated-api-version` on an object, with the
/// migration as its fix (unsafe unless the target version was chosen).
pub(super) fn api_version_finding(
    cx: &ObjectContext<'_>,
    meta: &'static RuleMeta,
    status: Status,
    out: &mut Vec<Diagnostic>,
) {
    let obj = &cx.obj;
    let Some(row) = api_versions::lookup(obj.api_version, obj.kind) else {
        return;
    };
    let settings = cx.file.settings;
    let target = settings.kubernetes();
    if row.status_at(target) != Some(status) {
        return;
    }
    let doc = obj.doc;
    let Some((k, v)) = doc.get_entry(obj.root, "apiVersion") else {
        return;
    };
    let message = match status {
        Status::Removed => format!(
            "`{}` {} is not served from Kubernetes 1.{} (target 1.{target})",
            obj.api_version, obj.kind, row.removed
        ),
        Status::Deprecated => format!(
            "`{}` {} is deprecated since Kubernetes 1.{} and not served from 1.{} (target 1.{target})",
            obj.api_version,
            obj.kind,
            row.deprecated.unwrap_or(row.removed),
            row.removed
        ),
    };
    let src = Source {
        text: cx.file.text(),
        doc,
        doc_index: cx.doc_index,
        reader: cx.file.reader,
    };
    let applicability = if settings.kubernetes_chosen() {
        crate::fix::Applicability::Safe
    } else {
        crate::fix::Applicability::Unsafe
    };
    let plan = migration::migrate(&src, obj, row, !settings.new_defaults(), applicability);
    let help = match (&plan, row.replacement) {
        (Ok(_), Some(r)) => format!("move it to {r} (`kure migrate --to-version 1.{target}`)"),
        (Err(why), Some(r)) => format!("{r} replaces it, but kure cannot move it: {why}"),
        (Err(why), None) => why.clone(),
        (Ok(_), None) => String::new(),
    };
    out.push(
        cx.diag(meta, doc.field_span(k, v), message)
            .help(help)
            .fix(plan.ok()),
    );
}
