use super::{FixAvailability, ObjectContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};

static META: RuleMeta = RuleMeta {
    id: "field-not-for-kind",
    severity: Severity::Error,
    fix: FixAvailability::None,
    scope: Scope::Object,
    summary: "a spec field of another workload kind, such as `replicas` or `strategy` on a DaemonSet",
    doc: include_str!("../../rules/field-not-for-kind.md"),
};

pub struct FieldNotForKind;

/// `spec` fields per workload kind (k8s-facts.md 4.1 and 4.3).
const FIELDS: &[(&str, &[&str])] = &[
    (
        "Deployment",
        &[
            "replicas",
            "selector",
            "template",
            "minReadySeconds",
            "revisionHistoryLimit",
            "strategy",
            "paused",
            "progressDeadlineSeconds",
        ],
    ),
    (
        "DaemonSet",
        &[
            "selector",
            "template",
            "minReadySeconds",
            "revisionHistoryLimit",
            "updateStrategy",
            "templateGeneration",
        ],
    ),
    (
        "StatefulSet",
        &[
            "replicas",
            "selector",
            "template",
            "minReadySeconds",
            "revisionHistoryLimit",
            "updateStrategy",
            "serviceName",
            "podManagementPolicy",
            "volumeClaimTemplates",
            "persistentVolumeClaimRetentionPolicy",
            "ordinals",
        ],
    ),
    (
        "ReplicaSet",
        &["replicas", "selector", "template", "minReadySeconds"],
    ),
    (
        "Job",
        &[
            "parallelism",
            "completions",
            "activeDeadlineSeconds",
            "podFailurePolicy",
            "successPolicy",
            "backoffLimit",
            "backoffLimitPerIndex",
            "maxFailedIndexes",
            "selector",
            "manualSelector",
            "template",
            "ttlSecondsAfterFinished",
            "completionMode",
            "suspend",
            "podReplacementPolicy",
            "managedBy",
            "scheduling",
        ],
    ),
    (
        "CronJob",
        &[
            "schedule",
            "timeZone",
            "startingDeadlineSeconds",
            "concurrencyPolicy",
            "suspend",
            "jobTemplate",
            "successfulJobsHistoryLimit",
            "failedJobsHistoryLimit",
        ],
    ),
];

fn fields_of(kind: &str) -> Option<&'static [&'static str]> {
    FIELDS.iter().find(|(k, _)| *k == kind).map(|(_, f)| *f)
}

/// The field that plays the same part in `kind`, where there is one.
fn equivalent(field: &str, kind: &str) -> Option<&'static str> {
    match (field, kind) {
        ("strategy", "DaemonSet" | "StatefulSet") => Some("updateStrategy"),
        ("updateStrategy", "Deployment") => Some("strategy"),
        ("replicas", "Job") => Some("parallelism"),
        ("jobTemplate", "Job") => Some("template"),
        ("template", "CronJob") => Some("jobTemplate"),
        _ => None,
    }
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
        if !matches!(obj.group(), "apps" | "extensions" | "batch") {
            return;
        }
        let Some(own) = fields_of(obj.kind) else {
            return;
        };
        let Some(spec) = obj.spec() else { return };
        let doc = obj.doc;
        for &(k, v) in doc.raw_entries(spec) {
            let Some(name) = doc.str(k) else { continue };
            if own.contains(&name) {
                continue;
            }
            let owners: Vec<&str> = FIELDS
                .iter()
                .filter(|(_, f)| f.contains(&name))
                .map(|(kind, _)| *kind)
                .collect();
            if owners.is_empty() {
                continue;
            }
            let help = match equivalent(name, obj.kind) {
                Some(eq) => format!(
                    "a {} uses `{eq}` instead; move the setting there or remove it",
                    obj.kind
                ),
                None => format!(
                    "remove it: a {} has no such field, and strict field validation rejects it",
                    obj.kind
                ),
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
                .help(help);
            out.push(d);
        }
    }
}
