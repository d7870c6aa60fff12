use super::{FixAvailability, ObjectContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};

static META: RuleMeta = RuleMeta {
    id: "missing-schema",
    severity: Severity::Info,
    fix: FixAvailability::None,
    scope: Scope::Object,
    summary: "a custom resource that no CRD describes, so its fields go unchecked (with `--require-schemas`)",
    doc: include_str!("../../rules/missing-schema.md"),
};

pub struct MissingSchema;

impl Rule for MissingSchema {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, cx: &ObjectContext<'_>, out: &mut Vec<Diagnostic>) {
        if !cx.file.settings.requires_schemas() || !super::schema::without_schema(cx) {
            return;
        }
        let obj = cx.obj;
        let doc = obj.doc;
        let span = doc
            .get_entry(obj.root, "kind")
            .map(|(k, v)| doc.field_span(k, v))
            .unwrap_or_else(|| doc.span(obj.root));
        out.push(
            cx.diag(
                &META,
                span,
                format!(
                    "no schema for {} `{}`: no CRD among the files linted or given with `--schema` defines it, nor a catalog",
                    obj.api_version, obj.kind
                ),
            )
            .help("add the CRD with `--schema PATH` (or `schemas:` in .kure.yaml), or a catalog directory with `--schema-catalog DIR`, so its fields are checked"),
        );
    }
}
