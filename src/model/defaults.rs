//! The values the API server writes when a field is left out (k8s-facts.md 5.3–5.5), as
//! data: what `kure convert` (and `--neat-only`) removes where a dump spelled them out. A
//! field is removed only where its value equals the default, so the object means the same.

/// A typed default value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Typed {
    Int(i128),
    Str(&'static str),
    Bool(bool),
}

/// What the server fills in at one place of an object.
pub enum Default {
    /// A scalar set to this value when absent.
    Value(Typed),
    /// A mapping with defaulted entries; `empty` says `{}` means the same as no mapping.
    Map {
        entries: &'static [(&'static str, Default)],
        empty: bool,
    },
    /// Each item of a list.
    Each(&'static Default),
    /// A container's `imagePullPolicy`: `Always` for an image tagged `latest` or untagged,
    /// `IfNotPresent` otherwise (by digest too).
    PullPolicy,
    /// A Service port's `targetPort`: the port's own `port`.
    SameAsPort,
    /// Allocated by the server for a live object (`clusterIP`): removed from dumps only, and
    /// never when it is `None` (a headless Service).
    Allocated,
}

use Default::{Each, Map, Value};
use Typed::{Bool, Int, Str};

/// A mapping with defaulted entries.
macro_rules! map {
    ($($e:expr),* $(,)?) => {
        Map { entries: &[$($e),*], empty: false }
    };
}

/// A mapping whose `{}` is the same as its absence (`resources: {}`, `strategy: {}`).
macro_rules! struct_map {
    ($($e:expr),* $(,)?) => {
        Map { entries: &[$($e),*], empty: true }
    };
}

static CONTAINER_PORT: Default = map![("protocol", Value(Str("TCP")))];

static CONTAINER: Default = map![
    ("terminationMessagePath", Value(Str("/dev/termination-log")),),
    ("terminationMessagePolicy", Value(Str("File"))),
    ("imagePullPolicy", Default::PullPolicy),
    ("ports", Each(&CONTAINER_PORT)),
    ("resources", struct_map![]),
    ("securityContext", struct_map![]),
    ("livenessProbe", PROBE_REF),
    ("readinessProbe", PROBE_REF),
    ("startupProbe", PROBE_REF),
];

const PROBE_REF: Default = map![
    ("timeoutSeconds", Value(Int(1))),
    ("periodSeconds", Value(Int(10))),
    ("successThreshold", Value(Int(1))),
    ("failureThreshold", Value(Int(3))),
    (
        "httpGet",
        map![("path", Value(Str("/"))), ("scheme", Value(Str("HTTP")))],
    ),
];

static TOKEN_SOURCE: Default = map![(
    "serviceAccountToken",
    map![("expirationSeconds", Value(Int(3600)))],
)];

static VOLUME: Default = map![
    ("secret", map![("defaultMode", Value(Int(420)))]),
    ("configMap", map![("defaultMode", Value(Int(420)))]),
    ("downwardAPI", map![("defaultMode", Value(Int(420)))]),
    (
        "projected",
        map![
            ("defaultMode", Value(Int(420))),
            ("sources", Each(&TOKEN_SOURCE)),
        ],
    ),
    ("hostPath", map![("type", Value(Str("")))]),
];

const POD_SPEC: Default = map![
    ("dnsPolicy", Value(Str("ClusterFirst"))),
    ("restartPolicy", Value(Str("Always"))),
    ("securityContext", struct_map![]),
    ("terminationGracePeriodSeconds", Value(Int(30))),
    ("schedulerName", Value(Str("default-scheduler"))),
    ("containers", Each(&CONTAINER)),
    ("initContainers", Each(&CONTAINER)),
    ("volumes", Each(&VOLUME)),
];

/// A Pod's own spec: a template's defaults, and `enableServiceLinks`, which the server sets
/// on Pods only (`SetDefaults_Pod`).
const POD: Default = map![
    ("dnsPolicy", Value(Str("ClusterFirst"))),
    ("restartPolicy", Value(Str("Always"))),
    ("securityContext", struct_map![]),
    ("terminationGracePeriodSeconds", Value(Int(30))),
    ("schedulerName", Value(Str("default-scheduler"))),
    ("containers", Each(&CONTAINER)),
    ("initContainers", Each(&CONTAINER)),
    ("volumes", Each(&VOLUME)),
    ("enableServiceLinks", Value(Bool(true))),
];

const TEMPLATE: Default = map![("spec", POD_SPEC)];

const JOB_SPEC: Default = map![
    ("backoffLimit", Value(Int(6))),
    ("completionMode", Value(Str("NonIndexed"))),
    ("suspend", Value(Bool(false))),
    ("template", TEMPLATE),
];

static SERVICE_PORT: Default = map![
    ("protocol", Value(Str("TCP"))),
    ("targetPort", Default::SameAsPort),
];

/// The defaults of a kind's `spec`, by kind (apps/v1, batch/v1, core/v1).
static SPECS: &[(&str, Default)] = &[
    (
        "Deployment",
        map![
            ("replicas", Value(Int(1))),
            ("revisionHistoryLimit", Value(Int(10))),
            ("progressDeadlineSeconds", Value(Int(600))),
            (
                "strategy",
                struct_map![
                    ("type", Value(Str("RollingUpdate"))),
                    (
                        "rollingUpdate",
                        struct_map![
                            ("maxUnavailable", Value(Str("25%"))),
                            ("maxSurge", Value(Str("25%"))),
                        ],
                    ),
                ],
            ),
            ("template", TEMPLATE),
        ],
    ),
    (
        "DaemonSet",
        map![
            ("revisionHistoryLimit", Value(Int(10))),
            (
                "updateStrategy",
                struct_map![
                    ("type", Value(Str("RollingUpdate"))),
                    (
                        "rollingUpdate",
                        struct_map![
                            ("maxUnavailable", Value(Int(1))),
                            ("maxSurge", Value(Int(0))),
                        ],
                    ),
                ],
            ),
            ("template", TEMPLATE),
        ],
    ),
    (
        "StatefulSet",
        map![
            ("replicas", Value(Int(1))),
            ("revisionHistoryLimit", Value(Int(10))),
            ("podManagementPolicy", Value(Str("OrderedReady"))),
            (
                "updateStrategy",
                struct_map![
                    ("type", Value(Str("RollingUpdate"))),
                    ("rollingUpdate", struct_map![("partition", Value(Int(0)))],),
                ],
            ),
            (
                "persistentVolumeClaimRetentionPolicy",
                struct_map![
                    ("whenDeleted", Value(Str("Retain"))),
                    ("whenScaled", Value(Str("Retain"))),
                ],
            ),
            ("template", TEMPLATE),
        ],
    ),
    (
        "ReplicaSet",
        map![("replicas", Value(Int(1))), ("template", TEMPLATE)],
    ),
    ("Job", JOB_SPEC),
    (
        "CronJob",
        map![
            ("concurrencyPolicy", Value(Str("Allow"))),
            ("suspend", Value(Bool(false))),
            ("successfulJobsHistoryLimit", Value(Int(3))),
            ("failedJobsHistoryLimit", Value(Int(1))),
            ("jobTemplate", map![("spec", JOB_SPEC)]),
        ],
    ),
    ("Pod", POD),
    (
        "Service",
        map![
            ("sessionAffinity", Value(Str("None"))),
            ("type", Value(Str("ClusterIP"))),
            ("internalTrafficPolicy", Value(Str("Cluster"))),
            ("externalTrafficPolicy", Value(Str("Cluster"))),
            ("ports", Each(&SERVICE_PORT)),
            ("clusterIP", Default::Allocated),
            ("clusterIPs", Default::Allocated),
            ("ipFamilies", Default::Allocated),
            ("ipFamilyPolicy", Value(Str("SingleStack"))),
        ],
    ),
];

/// The defaults under `spec` of a kind of a built-in group.
pub fn spec(group: &str, kind: &str) -> Option<&'static Default> {
    let known = match kind {
        "Deployment" | "DaemonSet" | "StatefulSet" | "ReplicaSet" => group == "apps",
        "Job" | "CronJob" => group == "batch",
        "Pod" | "Service" => group.is_empty(),
        _ => false,
    };
    if !known {
        return None;
    }
    SPECS.iter().find(|(k, _)| *k == kind).map(|(_, d)| d)
}

/// The pull policy the server gives a container of `image`.
pub fn pull_policy(image: &str) -> &'static str {
    let name = image.rsplit('/').next().unwrap_or(image);
    if image.contains('@') {
        return "IfNotPresent";
    }
    match name.rsplit_once(':') {
        Some((_, "latest")) | None => "Always",
        Some(_) => "IfNotPresent",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_policy_follows_the_tag() {
        assert_eq!(pull_policy("nginx"), "Always");
        assert_eq!(pull_policy("nginx:latest"), "Always");
        assert_eq!(pull_policy("nginx:1.27"), "IfNotPresent");
        assert_eq!(pull_policy("registry:5000/nginx"), "Always");
        assert_eq!(pull_policy("registry:5000/nginx:1"), "IfNotPresent");
        assert_eq!(pull_policy("nginx@sha256:abc"), "IfNotPresent");
    }
}
