use super::strategy;
use super::{FixAvailability, ObjectContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Applicability, Fix};
use crate::model::workload::{equivalent_field, kinds_with_field, spec_fields};
use crate::yaml::NodeId;

static META: RuleMeta = RuleMeta {
    id: "field-not-for-kind",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    scope: Scope::Object,
    summary: "a spec field of another workload kind, such as `replicas` or `strategy` on a DaemonSet",
    doc: include_str!("../../rules/field-not-for-kind.md"),
};

pub struct FieldNotForKind;

/// Whether `field` in the `spec` of a `group` `kind` object is this rule's to report: a
/// field of another workload kind, not of this one.
pub(crate) fn owns(group: &str, kind: &str, field: &str) -> bool {
    matches!(group, "apps" | "extensions" | "batch")
        && spec_fields(kind).is_some_and(|own| !own.contains(&field))
        && kinds_with_field(field).next().is_some()
}

fn list(kinds: &[&str]) -> String {
    match kinds {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

impl Rule for FieldNotForKind {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, cx: &ObjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let obj = cx.obj;
        let Some(spec) = obj.spec() else { return };
        let doc = obj.doc;
        for &(k, v) in doc.effective(spec).iter() {
            let Some(name) = doc.str(k) else { continue };
            if !owns(obj.group(), obj.kind, name) {
                continue;
            }
            let owners: Vec<&str> = kinds_with_field(name).collect();
            let help = match equivalent_field(name, obj.kind) {
                Some(eq) => format!(
                    "a {} uses `{eq}` instead; move the setting there or remove it",
                    obj.kind
                ),
                None => format!(
                    "remove it: a {} has no such field, and strict field validation rejects it",
                    obj.kind
                ),
            };
            // a field merged from a shared mapping (`<<: *base`) is the author's to move
            let shared = doc.merged_through_alias(spec, k);
            let fix = match (obj.kind, name) {
                _ if shared => None,
                ("DaemonSet", "replicas" | "progressDeadlineSeconds" | "paused") => {
                    cx.removal(k, Applicability::Safe, format!("remove `spec.{name}`"))
                }
                ("DaemonSet" | "StatefulSet", "strategy") | ("Deployment", "updateStrategy") => {
                    strategy_fix(cx, spec, k, v)
                }
                _ => None,
            };
            let d = cx
                .diag(
                    &META,
                    doc.field_span(k, v),
                    format!(
                        "`spec.{name}` is not a {} field; it belongs to {}",
                        obj.kind,
                        list(&owners)
                    ),
                )
                .help(help)
                .fix(fix);
            out.push(d);
        }
    }
}

/// A strategy written for another kind: translated by `strategy::translate`, unless the
/// spec already has the key the kind uses (merging the two is the author's call).
fn strategy_fix(cx: &ObjectContext<'_>, spec: NodeId, key: NodeId, value: NodeId) -> Option<Fix> {
    let doc = cx.obj.doc;
    let to = cx.obj.kind;
    if doc.get(spec, strategy::key_of(to)).is_some() {
        return None;
    }
    let from = match doc.str(key)? {
        "strategy" => "Deployment",
        _ => strategy::update_strategy_source(doc, value),
    };
    let entry = strategy::Entry {
        text: cx.file.text(),
        doc,
        doc_index: cx.doc_index,
        reader: cx.file.reader,
        key,
        value,
    };
    strategy::translate(&entry, from, to, strategy::Mode::Lint).map(|t| t.fix)
}
