use super::{FixAvailability, InventoryContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::inventory::{ObjectFacts, namespaces_meet};
use crate::model::refs::Target;
use crate::model::selector::{Op, PodLabels};
use std::collections::HashMap;

static META: RuleMeta = RuleMeta {
    id: "servicemonitor-selector-no-match",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    scope: Scope::Inventory,
    summary: "a ServiceMonitor whose selector matches no Service in scope, or a PodMonitor whose selector matches no pod template",
    doc: include_str!("../../rules/servicemonitor-selector-no-match.md"),
};

pub struct ServiceMonitorSelectorNoMatch;

/// A Service the cluster makes: namespace, name, labels.
type ClusterService = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// Services the cluster itself makes, which monitoring stacks select: namespace, name and
/// labels. The API server's `kubernetes` Service; kubeadm's CoreDNS Service, `kube-dns`;
/// the kubelet Service the prometheus-operator keeps (`--kubelet-service`).
const CLUSTER_SERVICES: &[ClusterService] = &[
    (
        "default",
        "kubernetes",
        &[("component", "apiserver"), ("provider", "kubernetes")],
    ),
    (
        "kube-system",
        "kube-dns",
        &[
            ("k8s-app", "kube-dns"),
            ("kubernetes.io/cluster-service", "true"),
            ("kubernetes.io/name", "CoreDNS"),
        ],
    ),
    (
        "kube-system",
        "kubelet",
        &[
            ("app.kubernetes.io/name", "kubelet"),
            ("app.kubernetes.io/managed-by", "prometheus-operator"),
            ("k8s-app", "kubelet"),
        ],
    ),
];

/// Whether a Service the cluster makes matches: the selector, in a namespace it looks in.
fn cluster_service(
    selector: &crate::model::selector::Selector,
    namespaces: &[Option<String>],
) -> bool {
    CLUSTER_SERVICES.iter().any(|(ns, _, labels)| {
        namespaces_meet(&[Some(ns.to_string())], namespaces)
            && selector.matches(&PodLabels::exact(labels.iter().copied()))
    })
}

fn namespaces_text(ns: &[Option<String>]) -> String {
    if ns.iter().any(Option::is_none) {
        return String::new();
    }
    let names: Vec<String> = ns.iter().flatten().map(|n| format!("`{n}`")).collect();
    match names.as_slice() {
        [one] => format!(" in namespace {one}"),
        many => format!(" in namespaces {}", many.join(", ")),
    }
}

impl Rule for ServiceMonitorSelectorNoMatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_inventory(&self, cx: &InventoryContext<'_>, out: &mut Vec<Diagnostic>) {
        super::pdb_selector_no_match::unmatched_pod_selectors(
            cx,
            &META,
            "monitoring.coreos.com",
            "PodMonitor",
            out,
        );
        let inv = cx.inventory;
        let monitors: Vec<&ObjectFacts> = inv
            .objects
            .iter()
            .filter(|o| {
                !o.partial
                    && &*o.info.kind == "ServiceMonitor"
                    && o.group() == "monitoring.coreos.com"
            })
            .collect();
        if monitors.is_empty() {
            return;
        }
        // Services by label pair: one pass, so each selector looks at its candidates only
        let mut services: Vec<&ObjectFacts> = Vec::new();
        let mut by_pair: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
        for o in &inv.objects {
            let Some(side) = o.service_side() else {
                continue;
            };
            for (k, v) in &side.labels.0 {
                if let crate::model::selector::PodLabel::Exact(v) = v {
                    by_pair.entry((k, v)).or_default().push(services.len());
                }
            }
            services.push(o);
        }
        let all: Vec<usize> = (0..services.len()).collect();
        for m in monitors {
            for s in m.selects() {
                if s.target != Target::Services {
                    continue;
                }
                let namespaces = s.namespaces.as_deref().unwrap_or(&m.namespaces);
                let candidates: &[usize] = s
                    .selector
                    .requirements
                    .iter()
                    .find(|r| r.op == Op::In && r.values.len() == 1)
                    .map(|r| {
                        by_pair
                            .get(&(r.key.as_str(), r.values[0].as_str()))
                            .map_or(&[][..], Vec::as_slice)
                    })
                    .unwrap_or(&all);
                let found = candidates.iter().any(|&i| {
                    let svc = services[i];
                    namespaces_meet(&svc.namespaces, namespaces)
                        && svc
                            .service_side()
                            .is_some_and(|side| s.selector.matches(&side.labels))
                });
                if found || cluster_service(&s.selector, namespaces) {
                    continue;
                }
                // the usual slip: selecting a Service by the labels it selects pods by,
                // where a ServiceMonitor matches the Service's own labels
                let by_pods = services.iter().find(|svc| {
                    namespaces_meet(&svc.namespaces, namespaces)
                        && svc.service.as_ref().is_some_and(|f| {
                            s.selector
                                .matches(&PodLabels::exact(f.selector.iter().cloned()))
                        })
                });
                let mut d = cx
                    .diag(
                        &META,
                        s.at.clone(),
                        format!(
                            "{} `{}` matches no Service{}",
                            s.field,
                            s.selector,
                            namespaces_text(namespaces)
                        ),
                    )
                    .object(Some(std::sync::Arc::new(m.info.clone())));
                let slip = by_pods.is_some();
                d = match by_pods {
                    Some(svc) => {
                        let name = svc.info.name.as_deref().unwrap_or("?");
                        d.related(
                            svc.service.as_ref().map_or(svc.at.clone(), |f| f.selector_at.clone()),
                            format!("Service `{name}` selects pods with these labels, but does not carry them"),
                        )
                        .help(format!(
                            "a ServiceMonitor selects Services by their own `metadata.labels`: add the labels to Service `{name}`, or select the labels it has"
                        ))
                    }
                    None => d.help("a ServiceMonitor selects Services by their own `metadata.labels`; check the labels, or lint the files that hold the Service too. If the Service comes from elsewhere (a Helm release, an operator), this can be ignored"),
                };
                if slip {
                    out.push(d);
                } else {
                    out.extend(cx.dangling(
                        d,
                        m,
                        namespaces,
                        crate::model::inventory::Wanted::Other,
                    ));
                }
            }
        }
    }
}
