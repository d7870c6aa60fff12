//! Objects that exist without being in the repository: those the cluster's installer makes
//! (the API server's `kubernetes` Service, cluster DNS, kube-proxy, the control plane's
//! pods), the GitOps tool's own controllers where the repository bootstraps it, and what a
//! Helm release, an Argo CD Application with a Helm source or a Flux Kustomization of an
//! OCI artifact installs. Reference rules ask here before they call a reference dangling.

use super::selector::{PodLabel, PodLabels, Selector};

/// Who makes a set of pods or a Service that no file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Maker {
    /// The cluster's installer (kubeadm, k3s, Talos, managed control planes).
    Cluster,
    /// Flux, bootstrapped by the repository.
    Flux,
    /// Argo CD, bootstrapped by the repository.
    ArgoCd,
}

/// Pods one maker runs in a namespace, by their labels.
type Pods = (&'static str, Maker, &'static [(&'static str, &'static str)]);

/// Pods the makers run: namespace, who, and their labels (each set one kind of pod).
const PODS: &[Pods] = &[
    ("kube-system", Maker::Cluster, &[("k8s-app", "kube-dns")]),
    ("kube-system", Maker::Cluster, &[("k8s-app", "kube-proxy")]),
    (
        "kube-system",
        Maker::Cluster,
        &[
            ("component", "kube-apiserver"),
            ("k8s-app", "kube-apiserver"),
            ("tier", "control-plane"),
        ],
    ),
    (
        "kube-system",
        Maker::Cluster,
        &[
            ("component", "kube-controller-manager"),
            ("k8s-app", "kube-controller-manager"),
            ("tier", "control-plane"),
        ],
    ),
    (
        "kube-system",
        Maker::Cluster,
        &[
            ("component", "kube-scheduler"),
            ("k8s-app", "kube-scheduler"),
            ("tier", "control-plane"),
        ],
    ),
    (
        "kube-system",
        Maker::Cluster,
        &[
            ("component", "etcd"),
            ("k8s-app", "etcd"),
            ("tier", "control-plane"),
        ],
    ),
];

/// Services the makers create, by namespace and name.
const SERVICES: &[(&str, Maker, &str)] = &[
    ("default", Maker::Cluster, "kubernetes"),
    ("kube-system", Maker::Cluster, "kube-dns"),
    ("flux-system", Maker::Flux, "source-controller"),
    ("flux-system", Maker::Flux, "notification-controller"),
    ("flux-system", Maker::Flux, "webhook-receiver"),
    ("argocd", Maker::ArgoCd, "argocd-server"),
    ("argocd", Maker::ArgoCd, "argocd-repo-server"),
    ("argocd", Maker::ArgoCd, "argocd-redis"),
    ("argocd", Maker::ArgoCd, "argocd-dex-server"),
    ("argocd", Maker::ArgoCd, "argocd-metrics"),
    ("argocd", Maker::ArgoCd, "argocd-server-metrics"),
    ("argocd", Maker::ArgoCd, "argocd-applicationset-controller"),
];

const FLUX_CONTROLLERS: &[&str] = &[
    "source-controller",
    "kustomize-controller",
    "helm-controller",
    "notification-controller",
    "image-reflector-controller",
    "image-automation-controller",
    "source-watcher",
];

const ARGO_COMPONENTS: &[&str] = &[
    "argocd-server",
    "argocd-repo-server",
    "argocd-application-controller",
    "argocd-applicationset-controller",
    "argocd-dex-server",
    "argocd-redis",
    "argocd-notifications-controller",
];

fn may_be_in(namespaces: &[Option<String>], ns: &str) -> bool {
    namespaces
        .iter()
        .any(|n| n.as_deref().is_none_or(|n| n == ns))
}

/// Who makes pods that `selector` selects in one of `namespaces`, among `makers`.
pub fn pods(namespaces: &[Option<String>], selector: &Selector, makers: &[Maker]) -> Option<Maker> {
    let labels = |pairs: &[(&str, &str)]| {
        PodLabels(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), PodLabel::Exact(v.to_string())))
                .collect(),
        )
    };
    for &(ns, maker, pairs) in PODS {
        if makers.contains(&maker) && may_be_in(namespaces, ns) && selector.matches(&labels(pairs))
        {
            return Some(maker);
        }
    }
    let tool = |maker: Maker, ns: &str, names: &[&str], part_of: &str| {
        (makers.contains(&maker) && may_be_in(namespaces, ns) && {
            names.iter().any(|c| {
                selector.matches(&labels(&[
                    ("app", c),
                    ("app.kubernetes.io/component", c),
                    ("app.kubernetes.io/name", c),
                    ("app.kubernetes.io/part-of", part_of),
                ]))
            })
        })
        .then_some(maker)
    };
    tool(Maker::Flux, "flux-system", FLUX_CONTROLLERS, "flux")
        .or_else(|| tool(Maker::ArgoCd, "argocd", ARGO_COMPONENTS, "argocd"))
}

/// Who makes the Service `name` in one of `namespaces`, among `makers`.
pub fn service(namespaces: &[Option<String>], name: &str, makers: &[Maker]) -> Option<Maker> {
    SERVICES
        .iter()
        .find(|&&(ns, maker, n)| n == name && makers.contains(&maker) && may_be_in(namespaces, ns))
        .map(|&(_, maker, _)| maker)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_plane_and_flux() {
        let ks = [Some("kube-system".to_string())];
        let sel = Selector::from_pairs([("k8s-app", "kube-apiserver"), ("tier", "control-plane")]);
        assert_eq!(pods(&ks, &sel, &[Maker::Cluster]), Some(Maker::Cluster));
        assert_eq!(pods(&[Some("web".into())], &sel, &[Maker::Cluster]), None);
        let flux = [Some("flux-system".to_string())];
        let sel =
            Selector::parse("app.kubernetes.io/component in (helm-controller,source-controller)")
                .unwrap();
        assert_eq!(pods(&flux, &sel, &[Maker::Cluster]), None);
        assert_eq!(
            pods(&flux, &sel, &[Maker::Cluster, Maker::Flux]),
            Some(Maker::Flux)
        );
        assert_eq!(
            service(&flux, "webhook-receiver", &[Maker::Cluster, Maker::Flux]),
            Some(Maker::Flux)
        );
        assert_eq!(
            service(&[None], "kubernetes", &[Maker::Cluster]),
            Some(Maker::Cluster)
        );
    }
}
