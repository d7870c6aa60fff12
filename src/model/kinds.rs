//! The names kubectl accepts for a built-in kind: the kind, its plural resource name and its
//! short names, case-insensitive (`deploy`, `deployments`, `Deployment`). A name that is
//! none of these may be a custom resource's kind; one a slip away from a built-in name is
//! a typo.

/// Each built-in kind with its resource (plural) and short names, as `kubectl
/// api-resources` lists them.
const KINDS: &[(&str, &str, &[&str])] = &[
    ("APIService", "apiservices", &[]),
    (
        "CertificateSigningRequest",
        "certificatesigningrequests",
        &["csr"],
    ),
    ("ClusterRole", "clusterroles", &[]),
    ("ClusterRoleBinding", "clusterrolebindings", &[]),
    ("ConfigMap", "configmaps", &["cm"]),
    ("ControllerRevision", "controllerrevisions", &[]),
    ("CronJob", "cronjobs", &["cj"]),
    ("CSIDriver", "csidrivers", &[]),
    (
        "CustomResourceDefinition",
        "customresourcedefinitions",
        &["crd", "crds"],
    ),
    ("DaemonSet", "daemonsets", &["ds"]),
    ("Deployment", "deployments", &["deploy"]),
    ("Endpoints", "endpoints", &["ep"]),
    ("EndpointSlice", "endpointslices", &[]),
    ("Event", "events", &["ev"]),
    (
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        &["hpa"],
    ),
    ("Ingress", "ingresses", &["ing"]),
    ("IngressClass", "ingressclasses", &[]),
    ("Job", "jobs", &[]),
    ("Lease", "leases", &[]),
    ("LimitRange", "limitranges", &["limits"]),
    (
        "MutatingWebhookConfiguration",
        "mutatingwebhookconfigurations",
        &[],
    ),
    ("Namespace", "namespaces", &["ns"]),
    ("NetworkPolicy", "networkpolicies", &["netpol"]),
    ("Node", "nodes", &["no"]),
    ("PersistentVolume", "persistentvolumes", &["pv"]),
    ("PersistentVolumeClaim", "persistentvolumeclaims", &["pvc"]),
    ("Pod", "pods", &["po"]),
    ("PodDisruptionBudget", "poddisruptionbudgets", &["pdb"]),
    ("PodTemplate", "podtemplates", &[]),
    ("PriorityClass", "priorityclasses", &["pc"]),
    ("ReplicaSet", "replicasets", &["rs"]),
    ("ReplicationController", "replicationcontrollers", &["rc"]),
    ("ResourceQuota", "resourcequotas", &["quota"]),
    ("Role", "roles", &[]),
    ("RoleBinding", "rolebindings", &[]),
    ("RuntimeClass", "runtimeclasses", &[]),
    ("Secret", "secrets", &[]),
    ("Service", "services", &["svc"]),
    ("ServiceAccount", "serviceaccounts", &["sa"]),
    ("StatefulSet", "statefulsets", &["sts"]),
    ("StorageClass", "storageclasses", &["sc"]),
    (
        "ValidatingWebhookConfiguration",
        "validatingwebhookconfigurations",
        &[],
    ),
    ("VolumeAttachment", "volumeattachments", &[]),
];

/// What a kind name given on the command line names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KindName {
    /// A built-in kind, by any of its names.
    BuiltIn(&'static str),
    /// A slip for a built-in name (`Deploymnt`): the kind meant.
    Typo(&'static str),
    /// Not a built-in name: a custom resource's kind, compared case-insensitively.
    Other,
}

/// Reads a kind name as kubectl does (kind, plural or short name, any case).
pub fn resolve(name: &str) -> KindName {
    let lower = name.to_ascii_lowercase();
    for &(kind, plural, short) in KINDS {
        if lower == kind.to_ascii_lowercase() || lower == plural || short.contains(&lower.as_str())
        {
            return KindName::BuiltIn(kind);
        }
    }
    let mut best: Option<(usize, &'static str)> = None;
    for &(kind, plural, _) in KINDS {
        for candidate in [kind.to_ascii_lowercase(), plural.to_string()] {
            let d = strsim::osa_distance(&lower, &candidate);
            if d <= 2 && d * 3 < candidate.len() && best.is_none_or(|(b, _)| d < b) {
                best = Some((d, kind));
            }
        }
    }
    match best {
        Some((_, kind)) => KindName::Typo(kind),
        None => KindName::Other,
    }
}

/// Whether an object's `kind` is the one a name given on the command line names.
pub fn matches(name: &str, kind: &str) -> bool {
    match resolve(name) {
        KindName::BuiltIn(k) => k == kind,
        KindName::Typo(_) | KindName::Other => name.eq_ignore_ascii_case(kind),
    }
}

/// Whether a built-in kind is cluster-scoped (has no namespace), as the API server serves
/// it; any other kind, custom resources included, is taken as namespaced, as kustomize
/// takes it.
pub fn is_cluster_scoped(group: &str, kind: &str) -> bool {
    const CLUSTER: &[(&str, &str)] = &[
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("", "ComponentStatus"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        (
            "admissionregistration.k8s.io",
            "MutatingWebhookConfiguration",
        ),
        (
            "admissionregistration.k8s.io",
            "ValidatingWebhookConfiguration",
        ),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        (
            "admissionregistration.k8s.io",
            "ValidatingAdmissionPolicyBinding",
        ),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
        (
            "admissionregistration.k8s.io",
            "MutatingAdmissionPolicyBinding",
        ),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("storage.k8s.io", "VolumeAttributesClass"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("networking.k8s.io", "IngressClass"),
        ("networking.k8s.io", "IPAddress"),
        ("networking.k8s.io", "ServiceCIDR"),
        ("node.k8s.io", "RuntimeClass"),
        ("policy", "PodSecurityPolicy"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("certificates.k8s.io", "ClusterTrustBundle"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("resource.k8s.io", "DeviceClass"),
        ("resource.k8s.io", "ResourceSlice"),
        ("internal.apiserver.k8s.io", "StorageVersion"),
        ("authentication.k8s.io", "TokenReview"),
        ("authentication.k8s.io", "SelfSubjectReview"),
        ("authorization.k8s.io", "SelfSubjectAccessReview"),
        ("authorization.k8s.io", "SelfSubjectRulesReview"),
        ("authorization.k8s.io", "SubjectAccessReview"),
        ("migration.k8s.io", "StorageVersionMigration"),
    ];
    CLUSTER.iter().any(|&(g, k)| g == group && k == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_names_slips_and_custom_kinds() {
        for n in ["deploy", "Deployments", "DEPLOYMENT"] {
            assert_eq!(resolve(n), KindName::BuiltIn("Deployment"));
        }
        assert_eq!(resolve("svc"), KindName::BuiltIn("Service"));
        assert_eq!(resolve("Deploymnt"), KindName::Typo("Deployment"));
        assert_eq!(resolve("statfulsets"), KindName::Typo("StatefulSet"));
        assert_eq!(resolve("HelmRelease"), KindName::Other);
        assert!(matches("deploy", "Deployment") && !matches("deploy", "DaemonSet"));
        assert!(matches("helmrelease", "HelmRelease"));
    }
}
