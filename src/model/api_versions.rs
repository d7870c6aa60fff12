//! API versions that Kubernetes deprecated and stopped serving (k8s-facts.md 6.1), keyed by
//! (apiVersion, kind), with what replaces each and how an object moves there.

/// The Kubernetes minor versions kure knows (1.25 to 1.37): the range of
/// `--kubernetes-version` and `--to-version`, shared with schema validation.
pub const OLDEST: u32 = 25;
pub const NEWEST: u32 = 37;
/// The version assumed when none is given.
pub const DEFAULT: u32 = NEWEST;

/// Reads `1.NN` (or `v1.NN`, `1.NN.P`) into its minor number, within the range.
pub fn parse_version(text: &str) -> Result<u32, String> {
    let range = format!("kure knows Kubernetes 1.{OLDEST} to 1.{NEWEST}");
    let t = text.strip_prefix('v').unwrap_or(text);
    let mut parts = t.split('.');
    let (Some("1"), Some(minor)) = (parts.next(), parts.next()) else {
        return Err(format!(
            "invalid Kubernetes version `{text}`: write it as 1.NN; {range}"
        ));
    };
    let patch_ok = parts.next().is_none_or(|p| p.parse::<u32>().is_ok()) && parts.next().is_none();
    match minor.parse::<u32>() {
        Ok(m) if patch_ok && (OLDEST..=NEWEST).contains(&m) => Ok(m),
        Ok(_) if patch_ok => Err(format!(
            "Kubernetes version {text} is out of range: {range}"
        )),
        _ => Err(format!(
            "invalid Kubernetes version `{text}`: write it as 1.NN; {range}"
        )),
    }
}

/// How an object on a removed version moves to its replacement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// Only `apiVersion` changes: the schema is the same.
    ApiVersion,
    /// A workload to apps/v1 (k8s-facts.md 6.2): the selector written out where it was
    /// defaulted, and the old defaults written where apps/v1 changed them.
    Workload,
    /// An Ingress to networking.k8s.io/v1: backends reshaped, `pathType` made explicit.
    Ingress,
    /// An autoscaling/v2beta1 HPA to autoscaling/v2: metrics reshaped.
    HpaV2beta1,
    /// Not rewritten; what to do instead.
    Report(&'static str),
}

/// One row of the table.
#[derive(Debug)]
pub struct Row {
    pub api_version: &'static str,
    /// The kinds the row is about; empty for every kind of the group version.
    pub kinds: &'static [&'static str],
    /// The minor version that deprecated it, where one did.
    pub deprecated: Option<u32>,
    /// The first minor version that no longer serves it.
    pub removed: u32,
    pub replacement: Option<&'static str>,
    pub how: How,
}

const WORKLOADS: &[&str] = &["Deployment", "DaemonSet", "ReplicaSet", "StatefulSet"];

const CRD_ADVICE: &str = "rewrite it for apiextensions.k8s.io/v1 by hand: every version needs its own structural `schema`, and `validation`, `subresources` and `additionalPrinterColumns` move into `versions`";
const PSP_ADVICE: &str = "PodSecurityPolicy has no replacement: use Pod Security Admission (the `pod-security.kubernetes.io/enforce` label on namespaces) or a policy engine";

/// The table, from k8s-facts.md 6.1 (the deprecation tags of `kubernetes/api` and the
/// Deprecated API Migration Guide).
pub static TABLE: &[Row] = &[
    Row {
        api_version: "extensions/v1beta1",
        kinds: &["Deployment", "DaemonSet", "ReplicaSet"],
        deprecated: Some(8),
        removed: 16,
        replacement: Some("apps/v1"),
        how: How::Workload,
    },
    Row {
        api_version: "apps/v1beta1",
        kinds: &["Deployment", "StatefulSet"],
        deprecated: Some(8),
        removed: 16,
        replacement: Some("apps/v1"),
        how: How::Workload,
    },
    Row {
        api_version: "apps/v1beta2",
        kinds: WORKLOADS,
        deprecated: Some(9),
        removed: 16,
        replacement: Some("apps/v1"),
        how: How::Workload,
    },
    Row {
        api_version: "apps/v1beta1",
        kinds: &["ControllerRevision"],
        deprecated: Some(8),
        removed: 16,
        replacement: Some("apps/v1"),
        how: How::ApiVersion,
    },
    Row {
        api_version: "apps/v1beta2",
        kinds: &["ControllerRevision"],
        deprecated: Some(9),
        removed: 16,
        replacement: Some("apps/v1"),
        how: How::ApiVersion,
    },
    Row {
        api_version: "extensions/v1beta1",
        kinds: &["NetworkPolicy"],
        deprecated: Some(9),
        removed: 16,
        replacement: Some("networking.k8s.io/v1"),
        how: How::ApiVersion,
    },
    Row {
        api_version: "extensions/v1beta1",
        kinds: &["PodSecurityPolicy"],
        deprecated: Some(10),
        removed: 16,
        replacement: None,
        how: How::Report(PSP_ADVICE),
    },
    Row {
        api_version: "policy/v1beta1",
        kinds: &["PodSecurityPolicy"],
        deprecated: Some(21),
        removed: 25,
        replacement: None,
        how: How::Report(PSP_ADVICE),
    },
    Row {
        api_version: "extensions/v1beta1",
        kinds: &["Ingress"],
        deprecated: Some(14),
        removed: 22,
        replacement: Some("networking.k8s.io/v1"),
        how: How::Ingress,
    },
    Row {
        api_version: "networking.k8s.io/v1beta1",
        kinds: &["Ingress"],
        deprecated: Some(19),
        removed: 22,
        replacement: Some("networking.k8s.io/v1"),
        how: How::Ingress,
    },
    Row {
        api_version: "networking.k8s.io/v1beta1",
        kinds: &["IngressClass"],
        deprecated: Some(19),
        removed: 22,
        replacement: Some("networking.k8s.io/v1"),
        how: How::ApiVersion,
    },
    Row {
        api_version: "batch/v1beta1",
        kinds: &["CronJob"],
        deprecated: Some(21),
        removed: 25,
        replacement: Some("batch/v1"),
        how: How::ApiVersion,
    },
    Row {
        api_version: "batch/v2alpha1",
        kinds: &["CronJob"],
        deprecated: None,
        removed: 21,
        replacement: Some("batch/v1"),
        how: How::ApiVersion,
    },
    Row {
        api_version: "policy/v1beta1",
        kinds: &["PodDisruptionBudget"],
        deprecated: Some(21),
        removed: 25,
        replacement: Some("policy/v1"),
        how: How::ApiVersion,
    },
    Row {
        api_version: "autoscaling/v2beta1",
        kinds: &["HorizontalPodAutoscaler"],
        deprecated: Some(22),
        removed: 25,
        replacement: Some("autoscaling/v2"),
        how: How::HpaV2beta1,
    },
    Row {
        api_version: "autoscaling/v2beta2",
        kinds: &["HorizontalPodAutoscaler"],
        deprecated: Some(23),
        removed: 26,
        replacement: Some("autoscaling/v2"),
        how: How::ApiVersion,
    },
    Row {
        api_version: "discovery.k8s.io/v1beta1",
        kinds: &["EndpointSlice"],
        deprecated: Some(21),
        removed: 25,
        replacement: Some("discovery.k8s.io/v1"),
        how: How::Report(
            "move it to discovery.k8s.io/v1 by hand: `topology` becomes `deprecatedTopology` and `nodeName`/`zone` fields",
        ),
    },
    Row {
        api_version: "events.k8s.io/v1beta1",
        kinds: &["Event"],
        deprecated: Some(22),
        removed: 25,
        replacement: Some("events.k8s.io/v1"),
        how: How::Report(
            "an Event is written by the cluster, not kept in git: remove it, or move it to events.k8s.io/v1 by hand (`deprecatedSource`, `deprecatedFirstTimestamp`, …)",
        ),
    },
    Row {
        api_version: "node.k8s.io/v1beta1",
        kinds: &["RuntimeClass"],
        deprecated: Some(22),
        removed: 25,
        replacement: Some("node.k8s.io/v1"),
        how: How::ApiVersion,
    },
    Row {
        api_version: "rbac.authorization.k8s.io/v1beta1",
        kinds: &[],
        deprecated: Some(17),
        removed: 22,
        replacement: Some("rbac.authorization.k8s.io/v1"),
        how: How::ApiVersion,
    },
    Row {
        api_version: "rbac.authorization.k8s.io/v1alpha1",
        kinds: &[],
        deprecated: Some(17),
        removed: 22,
        replacement: Some("rbac.authorization.k8s.io/v1"),
        how: How::ApiVersion,
    },
    Row {
        api_version: "admissionregistration.k8s.io/v1beta1",
        kinds: &[
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
        ],
        deprecated: Some(16),
        removed: 22,
        replacement: Some("admissionregistration.k8s.io/v1"),
        how: How::Report(
            "move it to admissionregistration.k8s.io/v1 by hand: each webhook needs `sideEffects` and `admissionReviewVersions`, and the defaults of `failurePolicy`, `matchPolicy` and `timeoutSeconds` changed",
        ),
    },
    Row {
        api_version: "apiextensions.k8s.io/v1beta1",
        kinds: &["CustomResourceDefinition"],
        deprecated: Some(16),
        removed: 22,
        replacement: Some("apiextensions.k8s.io/v1"),
        how: How::Report(CRD_ADVICE),
    },
    Row {
        api_version: "apiregistration.k8s.io/v1beta1",
        kinds: &["APIService"],
        deprecated: Some(19),
        removed: 22,
        replacement: Some("apiregistration.k8s.io/v1"),
        how: How::ApiVersion,
    },
    Row {
        api_version: "scheduling.k8s.io/v1beta1",
        kinds: &["PriorityClass"],
        deprecated: Some(14),
        removed: 22,
        replacement: Some("scheduling.k8s.io/v1"),
        how: How::ApiVersion,
    },
    Row {
        api_version: "scheduling.k8s.io/v1alpha1",
        kinds: &["PriorityClass"],
        deprecated: None,
        removed: 17,
        replacement: Some("scheduling.k8s.io/v1"),
        how: How::ApiVersion,
    },
    Row {
        api_version: "storage.k8s.io/v1beta1",
        kinds: &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
        deprecated: Some(19),
        removed: 22,
        replacement: Some("storage.k8s.io/v1"),
        how: How::ApiVersion,
    },
    Row {
        api_version: "storage.k8s.io/v1beta1",
        kinds: &["CSIStorageCapacity"],
        deprecated: Some(24),
        removed: 27,
        replacement: Some("storage.k8s.io/v1"),
        how: How::ApiVersion,
    },
    Row {
        api_version: "coordination.k8s.io/v1beta1",
        kinds: &["Lease"],
        deprecated: Some(19),
        removed: 22,
        replacement: Some("coordination.k8s.io/v1"),
        how: How::ApiVersion,
    },
    Row {
        api_version: "certificates.k8s.io/v1beta1",
        kinds: &["CertificateSigningRequest"],
        deprecated: Some(19),
        removed: 22,
        replacement: Some("certificates.k8s.io/v1"),
        how: How::Report(
            "move it to certificates.k8s.io/v1 by hand: `signerName` is required and `usages` must be given",
        ),
    },
    Row {
        api_version: "flowcontrol.apiserver.k8s.io/v1beta1",
        kinds: &["FlowSchema", "PriorityLevelConfiguration"],
        deprecated: None,
        removed: 26,
        replacement: Some("flowcontrol.apiserver.k8s.io/v1"),
        how: How::Report(
            "move it to flowcontrol.apiserver.k8s.io/v1 by hand: PriorityLevelConfiguration's `assuredConcurrencyShares` is `nominalConcurrencyShares` there",
        ),
    },
    Row {
        api_version: "flowcontrol.apiserver.k8s.io/v1beta2",
        kinds: &["FlowSchema", "PriorityLevelConfiguration"],
        deprecated: None,
        removed: 29,
        replacement: Some("flowcontrol.apiserver.k8s.io/v1"),
        how: How::Report(
            "move it to flowcontrol.apiserver.k8s.io/v1 by hand: PriorityLevelConfiguration's `assuredConcurrencyShares` is `nominalConcurrencyShares` there",
        ),
    },
    Row {
        api_version: "flowcontrol.apiserver.k8s.io/v1beta3",
        kinds: &["FlowSchema", "PriorityLevelConfiguration"],
        deprecated: None,
        removed: 32,
        replacement: Some("flowcontrol.apiserver.k8s.io/v1"),
        how: How::ApiVersion,
    },
];

/// The row for an object's apiVersion and kind.
pub fn lookup(api_version: &str, kind: &str) -> Option<&'static Row> {
    TABLE
        .iter()
        .find(|r| r.api_version == api_version && (r.kinds.is_empty() || r.kinds.contains(&kind)))
}

/// Where a row stands at a target version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Removed,
    Deprecated,
}

impl Row {
    pub fn status_at(&self, minor: u32) -> Option<Status> {
        if minor >= self.removed {
            Some(Status::Removed)
        } else if self.deprecated.is_some_and(|d| minor >= d) {
            Some(Status::Deprecated)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_read_as_kubectl_writes_them() {
        assert_eq!(parse_version("1.33"), Ok(33));
        assert_eq!(parse_version("v1.37"), Ok(37));
        assert_eq!(parse_version("1.30.2"), Ok(30));
        assert!(
            parse_version("1.24")
                .unwrap_err()
                .contains("kure knows Kubernetes 1.25 to 1.37")
        );
        assert!(parse_version("1.38").unwrap_err().contains("out of range"));
        assert!(parse_version("2.1").unwrap_err().contains("invalid"));
        assert!(parse_version("1.x").unwrap_err().contains("invalid"));
    }

    #[test]
    fn rows_by_version_and_kind() {
        let r = lookup("extensions/v1beta1", "Ingress").unwrap();
        assert_eq!(r.status_at(25), Some(Status::Removed));
        assert_eq!(
            lookup("extensions/v1beta1", "Deployment").unwrap().how,
            How::Workload
        );
        assert!(lookup("extensions/v1beta1", "Foo").is_none());
        assert!(lookup("rbac.authorization.k8s.io/v1beta1", "Role").is_some());
        let hpa = lookup("autoscaling/v2beta2", "HorizontalPodAutoscaler").unwrap();
        assert_eq!(hpa.status_at(25), Some(Status::Deprecated));
        assert_eq!(hpa.status_at(26), Some(Status::Removed));
    }
}
