use super::{FixAvailability, ObjectContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Applicability, Fix, remove_entry, rename_key};
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
        if !matches!(obj.group(), "apps" | "extensions" | "batch") {
            return;
        }
        let Some(own) = spec_fields(obj.kind) else {
            return;
        };
        let Some(spec) = obj.spec() else { return };
        let doc = obj.doc;
        for &(k, v) in doc.raw_entries(spec) {
            let Some(name) = doc.str(k) else { continue };
            if own.contains(&name) {
                continue;
            }
            let owners: Vec<&str> = kinds_with_field(name).collect();
            if owners.is_empty() {
                continue;
            }
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
            let fix = match (obj.kind, name) {
                ("DaemonSet", "replicas" | "progressDeadlineSeconds" | "paused") => {
                    cx.removal(k, Applicability::Safe, format!("remove `spec.{name}`"))
                }
                ("DaemonSet", "strategy") => strategy_fix(cx, spec, k, v),
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

/// Whether an IntOrString value is zero (`0` or `0%`).
fn is_zero(doc: &crate::yaml::Document, n: NodeId) -> bool {
    matches!(doc.scalar(n), Some("0" | "0%"))
}

/// A Deployment's `strategy` on a DaemonSet (k8s-facts.md 4.2 and 4.4): the Deployment
/// default is removed, so the DaemonSet default applies; a RollingUpdate becomes
/// `updateStrategy`, keeping `maxUnavailable` and dropping a `maxSurge` that a DaemonSet would
/// reject next to it. `Recreate` has no DaemonSet equivalent and gets no fix.
fn strategy_fix(cx: &ObjectContext<'_>, spec: NodeId, key: NodeId, value: NodeId) -> Option<Fix> {
    let doc = cx.obj.doc;
    if doc.get(spec, "updateStrategy").is_some() {
        return None;
    }
    let kind = doc.path_str(value, &["type"]);
    if doc.is_null(value) || doc.raw_entries(value).is_empty() && doc.is_map(value) {
        return cx.removal(
            key,
            Applicability::Unsafe,
            "remove the empty `spec.strategy`",
        );
    }
    if !doc.is_map(value) || !matches!(kind, None | Some("RollingUpdate")) {
        return None;
    }
    let rolling = doc.get(value, "rollingUpdate").filter(|r| doc.is_map(*r));
    let surge = rolling.and_then(|r| doc.get_entry(r, "maxSurge"));
    let unavailable = rolling.and_then(|r| doc.get(r, "maxUnavailable"));
    let pct = |n: Option<NodeId>| n.and_then(|n| doc.str(n));
    let known = doc.raw_entries(value).len()
        == 1 + usize::from(doc.get(value, "rollingUpdate").is_some())
        && kind.is_some();
    let default = known
        && rolling.is_some_and(|r| doc.raw_entries(r).len() == 2)
        && pct(surge.map(|s| s.1)) == Some("25%")
        && pct(unavailable) == Some("25%");
    let type_only = known && doc.raw_entries(value).len() == 1;
    if default || type_only {
        return cx.removal(
            key,
            Applicability::Unsafe,
            "remove `spec.strategy`, the Deployment default, so the DaemonSet default (RollingUpdate, maxUnavailable 1) applies",
        );
    }
    let text = cx.file.text();
    let mut edits = vec![rename_key(text, doc, key, "updateStrategy")?];
    let mut message = "rename `spec.strategy` to `spec.updateStrategy`".to_string();
    // a DaemonSet defaults maxUnavailable to 1 and maxSurge to 0, and needs exactly one of
    // them non-zero: a Deployment's `maxUnavailable: 0` (surging by its default 25 %) has no
    // faithful translation without inventing a maxSurge, so it gets no fix
    let unavailable_zero = unavailable.is_some_and(|u| is_zero(doc, u));
    let surge_zero = surge.is_none_or(|(_, v)| is_zero(doc, v));
    if unavailable_zero && surge_zero {
        return None;
    }
    if let (Some(r), Some((sk, sv))) = (rolling, surge)
        && !is_zero(doc, sv)
        && !unavailable_zero
    {
        let removal = remove_entry(text, doc, doc.deref(r), sk)?;
        if removal.drops_comment {
            return None;
        }
        edits.extend(removal.edits);
        message.push_str(&format!(
            ", dropping `maxSurge: {}` (a DaemonSet rejects `maxSurge` and `maxUnavailable` both non-zero)",
            doc.scalar(sv).unwrap_or_default()
        ));
    }
    let from = doc.path_to(key, cx.file.reader)?;
    let mut to = from.clone();
    to.pop();
    to.push("updateStrategy".to_string());
    Some(
        Fix::new(
            Applicability::Unsafe,
            message,
            edits,
            cx.doc_index,
            vec![from.clone(), to.clone()],
        )
        .expecting(from, crate::fix::Expect::Absent)
        .expecting(to, crate::fix::Expect::Present),
    )
}
