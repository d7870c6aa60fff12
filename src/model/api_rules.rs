//! What the API server enforces beyond the published schemas, kept by hand: the values it
//! accepts for fields whose schema says only "string", and fields it requires that the
//! schema leaves optional. Each entry names the Kubernetes validation code that enforces it
//! (`pkg/apis/core/validation/validation.go` unless another file is named). These are the
//! expected disagreements with `kubernetes-validate`, which checks the schema alone.

/// `(type name, field, accepted values, source)`.
static ENUMS: &[(&str, &str, &[&str], &str)] = &[
    (
        "io.k8s.api.core.v1.Container",
        "imagePullPolicy",
        &["Always", "IfNotPresent", "Never"],
        "validatePullPolicy",
    ),
    (
        "io.k8s.api.core.v1.EphemeralContainer",
        "imagePullPolicy",
        &["Always", "IfNotPresent", "Never"],
        "validatePullPolicy",
    ),
    (
        "io.k8s.api.core.v1.Container",
        "terminationMessagePolicy",
        &["File", "FallbackToLogsOnError"],
        "validateContainerCommon",
    ),
    (
        "io.k8s.api.core.v1.ContainerPort",
        "protocol",
        &["TCP", "UDP", "SCTP"],
        "validateContainerPorts (supportedPortProtocols)",
    ),
    (
        "io.k8s.api.core.v1.ServicePort",
        "protocol",
        &["TCP", "UDP", "SCTP"],
        "validateServicePort (supportedPortProtocols)",
    ),
    (
        "io.k8s.api.core.v1.PodSpec",
        "restartPolicy",
        &["Always", "OnFailure", "Never"],
        "validateRestartPolicy",
    ),
    (
        "io.k8s.api.core.v1.PodSpec",
        "dnsPolicy",
        &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
        "validateDNSPolicy",
    ),
    (
        "io.k8s.api.core.v1.ServiceSpec",
        "type",
        &["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"],
        "ValidateService (supportedServiceType)",
    ),
    (
        "io.k8s.api.core.v1.ServiceSpec",
        "sessionAffinity",
        &["ClientIP", "None"],
        "ValidateService (supportedSessionAffinityType)",
    ),
    (
        "io.k8s.api.core.v1.ServiceSpec",
        "externalTrafficPolicy",
        &["Cluster", "Local"],
        "validateServiceExternalTrafficPolicy",
    ),
    (
        "io.k8s.api.core.v1.ServiceSpec",
        "internalTrafficPolicy",
        &["Cluster", "Local"],
        "validateServiceInternalTrafficFieldsValue",
    ),
    (
        "io.k8s.api.core.v1.ServiceSpec",
        "ipFamilyPolicy",
        &["SingleStack", "PreferDualStack", "RequireDualStack"],
        "validateIPFamilyPolicy",
    ),
    (
        "io.k8s.api.core.v1.Toleration",
        "operator",
        &["Exists", "Equal"],
        "ValidateTolerations",
    ),
    (
        "io.k8s.api.core.v1.Toleration",
        "effect",
        &["NoSchedule", "PreferNoSchedule", "NoExecute"],
        "validateTaintEffect",
    ),
    (
        "io.k8s.api.core.v1.PersistentVolumeClaimSpec",
        "accessModes",
        &[
            "ReadWriteOnce",
            "ReadOnlyMany",
            "ReadWriteMany",
            "ReadWriteOncePod",
        ],
        "ValidatePersistentVolumeClaimSpec (supportedAccessModes)",
    ),
    (
        "io.k8s.api.core.v1.PersistentVolumeClaimSpec",
        "volumeMode",
        &["Filesystem", "Block"],
        "ValidatePersistentVolumeClaimSpec (supportedVolumeModes)",
    ),
    (
        "io.k8s.api.core.v1.HostPathVolumeSource",
        "type",
        &[
            "",
            "DirectoryOrCreate",
            "Directory",
            "FileOrCreate",
            "File",
            "Socket",
            "CharDevice",
            "BlockDevice",
        ],
        "validateHostPathType (supportedHostPathTypes)",
    ),
    (
        "io.k8s.api.core.v1.HTTPGetAction",
        "scheme",
        &["HTTP", "HTTPS"],
        "validateHTTPGetAction (supportedHTTPSchemes)",
    ),
    (
        "io.k8s.api.core.v1.SeccompProfile",
        "type",
        &["RuntimeDefault", "Unconfined", "Localhost"],
        "validateSeccompProfileField",
    ),
    (
        "io.k8s.api.apps.v1.DeploymentStrategy",
        "type",
        &["Recreate", "RollingUpdate"],
        "pkg/apis/apps/validation: ValidateDeploymentStrategy",
    ),
    (
        "io.k8s.api.apps.v1.DaemonSetUpdateStrategy",
        "type",
        &["RollingUpdate", "OnDelete"],
        "pkg/apis/apps/validation: ValidateDaemonSetUpdateStrategy",
    ),
    (
        "io.k8s.api.apps.v1.StatefulSetUpdateStrategy",
        "type",
        &["RollingUpdate", "OnDelete"],
        "pkg/apis/apps/validation: ValidateStatefulSetSpec",
    ),
    (
        "io.k8s.api.apps.v1.StatefulSetSpec",
        "podManagementPolicy",
        &["OrderedReady", "Parallel"],
        "pkg/apis/apps/validation: ValidateStatefulSetSpec",
    ),
    (
        "io.k8s.api.batch.v1.CronJobSpec",
        "concurrencyPolicy",
        &["Allow", "Forbid", "Replace"],
        "pkg/apis/batch/validation: validateConcurrencyPolicy",
    ),
    (
        "io.k8s.api.batch.v1.JobSpec",
        "completionMode",
        &["NonIndexed", "Indexed"],
        "pkg/apis/batch/validation: validateJobSpec",
    ),
    (
        "io.k8s.api.networking.v1.HTTPIngressPath",
        "pathType",
        &["Exact", "Prefix", "ImplementationSpecific"],
        "pkg/apis/networking/validation: validateHTTPIngressRuleValue (supportedPathTypes)",
    ),
    (
        "io.k8s.api.networking.v1.NetworkPolicySpec",
        "policyTypes",
        &["Ingress", "Egress"],
        "pkg/apis/networking/validation: ValidateNetworkPolicySpec",
    ),
];

/// `(type name, field, source)`: required by the API server, optional in the schema.
static REQUIRED: &[(&str, &str, &str)] = &[(
    "io.k8s.api.core.v1.Container",
    "image",
    "validateContainerCommon: `if len(ctr.Image) == 0 { field.Required(... \"image\") }`",
)];

/// The values the API server accepts for `field` of type `type_name`, where it checks them.
pub fn enum_of(type_name: &str, field: &str) -> Option<&'static [&'static str]> {
    ENUMS
        .iter()
        .find(|(t, f, _, _)| *t == type_name && *f == field)
        .map(|e| e.2)
}

/// Whether the API server requires `field` of type `type_name` though the schema does not.
pub fn is_required(type_name: &str, field: &str) -> bool {
    REQUIRED
        .iter()
        .any(|(t, f, _)| *t == type_name && *f == field)
}
