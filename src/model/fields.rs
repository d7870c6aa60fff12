//! The `spec` fields of each workload kind (k8s-facts.md 4.1 and 4.3), and the field that
//! plays the same part in another kind: what `field-not-for-kind` reports, and what a kind
//! conversion keeps, renames or drops.

/// `spec` fields per workload kind (k8s-facts.md 4.1 and 4.3).
pub const FIELDS: &[(&str, &[&str])] = &[
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

pub fn fields_of(kind: &str) -> Option<&'static [&'static str]> {
    FIELDS.iter().find(|(k, _)| *k == kind).map(|(_, f)| *f)
}

/// The field that plays the same part in `kind`, where there is one.
pub fn equivalent(field: &str, kind: &str) -> Option<&'static str> {
    match (field, kind) {
        ("strategy", "DaemonSet" | "StatefulSet") => Some("updateStrategy"),
        ("updateStrategy", "Deployment") => Some("strategy"),
        ("replicas", "Job") => Some("parallelism"),
        ("jobTemplate", "Job") => Some("template"),
        ("template", "CronJob") => Some("jobTemplate"),
        _ => None,
    }
}
