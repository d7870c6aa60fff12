//! What the reference rules read of an object besides its pods and a Service's selector: the
//! names, ports and selectors by which it points at other objects, and what others look up
//! in it (k8s-facts.md 3.3 and 9).

use super::Object;
use super::inventory::FileLocator;
use super::selector::{PodLabel, PodLabels, Selector, label_selector, string_pairs};
use crate::source::Located;
use crate::yaml::{Document, NodeId, Style};
use std::sync::Arc;

/// An IntOrString field as Kubernetes reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntOrStr {
    Int(i64),
    Str(String),
}

impl IntOrStr {
    pub fn read(doc: &Document, node: NodeId) -> Option<IntOrStr> {
        let (text, style, _) = doc.scalar_parts(node)?;
        if style == Style::Plain
            && let Ok(n) = text.parse::<i64>()
        {
            return Some(IntOrStr::Int(n));
        }
        doc.str(node).map(|s| IntOrStr::Str(s.to_string()))
    }
}

impl std::fmt::Display for IntOrStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IntOrStr::Int(n) => write!(f, "{n}"),
            IntOrStr::Str(s) => write!(f, "`{s}`"),
        }
    }
}

/// A Service as others look it up: its ports and its own labels.
#[derive(Clone, Debug)]
pub struct ServiceSide {
    /// `clusterIP: None`.
    pub headless: bool,
    /// Each port's number and name.
    pub ports: Box<[ServicePort]>,
    /// Where `ports` is written.
    pub ports_at: Option<Located>,
    /// `metadata.labels`, with those kustomizations add.
    pub labels: PodLabels,
}

/// One port of a Service.
#[derive(Clone, Debug)]
pub struct ServicePort {
    pub port: i64,
    pub name: Option<String>,
    /// A numeric `targetPort` (the container's port); `None` for a name or where unset.
    pub target: Option<i64>,
}

/// A reference to a Service by name (an Ingress backend, a Gateway API route's backendRef).
#[derive(Clone, Debug)]
pub struct Backend {
    pub name: String,
    /// The namespace it names, where it may name another (a route's backendRef).
    pub namespace: Option<String>,
    pub port: Option<IntOrStr>,
    /// Where the name is written.
    pub at: Located,
    /// Where the port is written.
    pub port_at: Option<Located>,
}

/// What a selector selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Pods,
    Services,
}

/// A label selector that should select something in scope.
#[derive(Clone, Debug)]
pub struct SelectorRef {
    pub target: Target,
    pub selector: Selector,
    /// The field, for messages (`spec.ingress[0].from[1].podSelector`).
    pub field: String,
    /// Where the selector is written (key and value).
    pub at: Located,
    /// The namespaces it looks in, where it names them (`None` in the list: any); `None`:
    /// the object's own.
    pub namespaces: Option<Arc<[Option<String>]>>,
}

/// A PodDisruptionBudget's limit.
#[derive(Clone, Debug)]
pub enum Budget {
    MinAvailable(IntOrStr),
    MaxUnavailable(IntOrStr),
}

/// A HorizontalPodAutoscaler's `scaleTargetRef`: apiVersion, kind, name, and where.
pub type ScaleTarget = (String, String, String, Located);

/// What the reference rules need of an object besides its pods and selector: one variant per
/// kind of referrer (or referred), so each object keeps only what its kind has.
#[derive(Clone, Debug)]
pub enum Refs {
    /// A StatefulSet's `serviceName`, and where it is written.
    StatefulSet {
        service_name: (String, Located),
    },
    Service(ServiceSide),
    /// An autoscaler's target, and its `minReplicas` (1 where unset; `None` where it is not
    /// a number).
    Autoscaler(ScaleTarget, Option<i64>),
    /// The Services an Ingress or a Gateway API route sends traffic to.
    Backends(Box<[Backend]>),
    /// The selectors of a PodDisruptionBudget, NetworkPolicy, ServiceMonitor or PodMonitor,
    /// and a PodDisruptionBudget's `minAvailable` or `maxUnavailable`.
    Selects {
        selects: Box<[SelectorRef]>,
        budget: Option<Box<(Budget, Located)>>,
    },
    /// A release of objects kure cannot see (a HelmRelease, an Argo CD Application with a
    /// Helm source, a Flux Kustomization of an OCI artifact), and where they land.
    Installs(Into),
}

/// Where a release's objects land.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Into {
    /// The release's own namespace.
    Own,
    Namespace(String),
    /// Any namespace (templated, or the release's choice).
    Any,
}

impl Refs {
    pub fn service_name(&self) -> Option<&(String, Located)> {
        match self {
            Refs::StatefulSet { service_name } => Some(service_name),
            _ => None,
        }
    }
    pub fn service(&self) -> Option<&ServiceSide> {
        match self {
            Refs::Service(s) => Some(s),
            _ => None,
        }
    }
    pub fn scale_target(&self) -> Option<&ScaleTarget> {
        match self {
            Refs::Autoscaler(t, _) => Some(t),
            _ => None,
        }
    }
    pub fn min_replicas(&self) -> Option<i64> {
        match self {
            Refs::Autoscaler(_, min) => *min,
            _ => None,
        }
    }
    pub fn backends(&self) -> &[Backend] {
        match self {
            Refs::Backends(b) => b,
            _ => &[],
        }
    }
    pub fn selects(&self) -> &[SelectorRef] {
        match self {
            Refs::Selects { selects, .. } => selects,
            _ => &[],
        }
    }
    pub fn installs(&self) -> Option<&Into> {
        match self {
            Refs::Installs(i) => Some(i),
            _ => None,
        }
    }
    pub fn budget(&self) -> Option<&(Budget, Located)> {
        match self {
            Refs::Selects { budget, .. } => budget.as_deref(),
            _ => None,
        }
    }
}

/// The references of one object; `None` for an object that has none.
pub fn read(
    file: &FileLocator<'_>,
    obj: &Object<'_>,
    metadata_labels: &[(String, String)],
) -> Option<Box<Refs>> {
    let doc = obj.doc;
    if obj.is("", "Service") {
        return Some(Box::new(service_side(file, obj, metadata_labels)));
    }
    let spec = obj.spec()?;
    let at = |n: NodeId| file.at(doc.span(n));
    let field_at = |k: NodeId, v: NodeId| file.at(doc.field_span(k, v));
    let text = |keys: &[&str]| doc.path_str(spec, keys).filter(|s| !s.is_empty());
    let into = |ns: Option<&str>| ns.map_or(Into::Own, |n| Into::Namespace(n.to_string()));
    let refs = match (obj.group(), obj.kind) {
        ("helm.toolkit.fluxcd.io", "HelmRelease") => {
            Some(Refs::Installs(into(text(&["targetNamespace"]))))
        }
        ("kustomize.toolkit.fluxcd.io", "Kustomization")
            if !matches!(text(&["sourceRef", "kind"]), None | Some("GitRepository")) =>
        {
            Some(Refs::Installs(
                text(&["targetNamespace"]).map_or(Into::Any, |n| Into::Namespace(n.to_string())),
            ))
        }
        ("argoproj.io", "Application") => {
            let helm =
                |src: NodeId| doc.get(src, "chart").is_some() || doc.get(src, "helm").is_some();
            let sources: Vec<NodeId> = doc
                .get(spec, "source")
                .into_iter()
                .chain(
                    doc.get(spec, "sources")
                        .map_or(&[][..], |l| doc.items(l))
                        .iter()
                        .copied(),
                )
                .collect();
            sources.into_iter().any(helm).then(|| {
                Refs::Installs(
                    text(&["destination", "namespace"])
                        .map_or(Into::Any, |n| Into::Namespace(n.to_string())),
                )
            })
        }
        ("argoproj.io", "ApplicationSet") => Some(Refs::Installs(Into::Any)),
        ("apps", "StatefulSet") => doc
            .get(spec, "serviceName")
            .and_then(|n| doc.str(n).filter(|v| !v.is_empty()).map(|v| (n, v)))
            .map(|(n, v)| Refs::StatefulSet {
                service_name: (v.to_string(), at(n)),
            }),
        ("autoscaling", "HorizontalPodAutoscaler") => {
            doc.get_entry(spec, "scaleTargetRef").and_then(|(k, t)| {
                let kind = doc.path_str(t, &["kind"])?;
                let name = doc.path_str(t, &["name"])?;
                let api = doc.path_str(t, &["apiVersion"]).unwrap_or("");
                let min = match doc.get(spec, "minReplicas") {
                    None => Some(1),
                    Some(n) => match IntOrStr::read(doc, n) {
                        Some(IntOrStr::Int(n)) => Some(n),
                        _ => None,
                    },
                };
                Some(Refs::Autoscaler(
                    (
                        api.to_string(),
                        kind.to_string(),
                        name.to_string(),
                        field_at(k, t),
                    ),
                    min,
                ))
            })
        }
        ("networking.k8s.io" | "extensions", "Ingress") => {
            let mut backends = Vec::new();
            for key in ["defaultBackend", "backend"] {
                if let Some(b) = doc.get(spec, key) {
                    backends.extend(ingress_backend(file, doc, b));
                }
            }
            for &rule in doc.get(spec, "rules").map_or(&[][..], |l| doc.items(l)) {
                let Some(paths) = doc.path(rule, &["http", "paths"]) else {
                    continue;
                };
                for &p in doc.items(paths) {
                    if let Some(b) = doc.get(p, "backend") {
                        backends.extend(ingress_backend(file, doc, b));
                    }
                }
            }
            Some(Refs::Backends(backends.into()))
        }
        ("gateway.networking.k8s.io", "HTTPRoute" | "GRPCRoute") => {
            let mut backends = Vec::new();
            for &rule in doc.get(spec, "rules").map_or(&[][..], |l| doc.items(l)) {
                for &b in doc
                    .get(rule, "backendRefs")
                    .map_or(&[][..], |l| doc.items(l))
                {
                    let group = doc.get(b, "group").and_then(|n| doc.str(n)).unwrap_or("");
                    let kind = doc
                        .get(b, "kind")
                        .and_then(|n| doc.str(n))
                        .unwrap_or("Service");
                    if !group.is_empty() || kind != "Service" {
                        continue;
                    }
                    let Some(name) = doc.get(b, "name").filter(|&n| doc.str(n).is_some()) else {
                        continue;
                    };
                    let port = doc.get(b, "port");
                    backends.push(Backend {
                        name: doc.str(name).unwrap_or_default().to_string(),
                        namespace: doc
                            .get(b, "namespace")
                            .and_then(|n| doc.str(n))
                            .filter(|s| !s.is_empty())
                            .map(str::to_string),
                        port: port.and_then(|p| IntOrStr::read(doc, p)),
                        at: at(name),
                        port_at: port.map(at),
                    });
                }
            }
            Some(Refs::Backends(backends.into()))
        }
        ("policy", "PodDisruptionBudget") => {
            let mut selects = Vec::new();
            // policy/v1: a null selector selects no pods, an empty one every pod of the
            // namespace (k8s-facts.md 3.3); only a selector that names labels can miss
            if let Some((k, v)) = doc.get_entry(spec, "selector") {
                selects.extend(selecting(
                    Target::Pods,
                    label_selector(doc, v),
                    "spec.selector".into(),
                    field_at(k, v),
                    None,
                ));
            }
            let budget = [("minAvailable", true), ("maxUnavailable", false)]
                .into_iter()
                .find_map(|(key, min)| {
                    let (k, v) = doc.get_entry(spec, key)?;
                    let value = IntOrStr::read(doc, v)?;
                    let b = if min {
                        Budget::MinAvailable(value)
                    } else {
                        Budget::MaxUnavailable(value)
                    };
                    Some((b, field_at(k, v)))
                });
            Some(Refs::Selects {
                selects: selects.into(),
                budget: budget.map(Box::new),
            })
        }
        ("networking.k8s.io", "NetworkPolicy") => {
            let mut selects = Vec::new();
            if let Some((k, v)) = doc.get_entry(spec, "podSelector") {
                selects.extend(selecting(
                    Target::Pods,
                    label_selector(doc, v),
                    "spec.podSelector".into(),
                    field_at(k, v),
                    None,
                ));
            }
            for (list, peers) in [("ingress", "from"), ("egress", "to")] {
                let rules = doc.get(spec, list).map_or(&[][..], |l| doc.items(l));
                for (i, &rule) in rules.iter().enumerate() {
                    let items = doc.get(rule, peers).map_or(&[][..], |l| doc.items(l));
                    for (j, &peer) in items.iter().enumerate() {
                        // a peer with a namespaceSelector looks in other namespaces
                        if doc.get(peer, "namespaceSelector").is_some() {
                            continue;
                        }
                        if let Some((k, v)) = doc.get_entry(peer, "podSelector") {
                            selects.extend(selecting(
                                Target::Pods,
                                label_selector(doc, v),
                                format!("spec.{list}[{i}].{peers}[{j}].podSelector"),
                                field_at(k, v),
                                None,
                            ));
                        }
                    }
                }
            }
            Some(Refs::Selects {
                selects: selects.into(),
                budget: None,
            })
        }
        ("monitoring.coreos.com", kind @ ("ServiceMonitor" | "PodMonitor")) => {
            doc.get_entry(spec, "selector").map(|(k, v)| {
                let target = if kind == "ServiceMonitor" {
                    Target::Services
                } else {
                    Target::Pods
                };
                let namespaces = doc.get(spec, "namespaceSelector").and_then(|ns| {
                    if doc.path(ns, &["any"]).and_then(|n| doc.scalar(n)) == Some("true") {
                        return Some(vec![None].into());
                    }
                    let names: Vec<Option<String>> = doc
                        .get(ns, "matchNames")
                        .map(|l| {
                            doc.items(l)
                                .iter()
                                .filter_map(|&n| doc.str(n).map(|s| Some(s.to_string())))
                                .collect()
                        })
                        .unwrap_or_default();
                    (!names.is_empty()).then(|| names.into())
                });
                Refs::Selects {
                    selects: selecting(
                        target,
                        label_selector(doc, v),
                        "spec.selector".into(),
                        field_at(k, v),
                        namespaces,
                    )
                    .into_iter()
                    .collect(),
                    budget: None,
                }
            })
        }
        _ => None,
    };
    refs.map(Box::new)
}

/// A selector worth checking: one with requirements (an empty selector selects everything).
fn selecting(
    target: Target,
    selector: Selector,
    field: String,
    at: Located,
    namespaces: Option<Arc<[Option<String>]>>,
) -> Option<SelectorRef> {
    (!selector.is_empty()).then_some(SelectorRef {
        target,
        selector,
        field,
        at,
        namespaces,
    })
}

/// What a Service offers to what names it: its ports, own labels and headlessness. A Service
/// without `spec` still exists (with no ports) for what names or selects it.
fn service_side(
    file: &FileLocator<'_>,
    obj: &Object<'_>,
    metadata_labels: &[(String, String)],
) -> Refs {
    let doc = obj.doc;
    let spec = obj.spec();
    let field_at = |k: NodeId, v: NodeId| file.at(doc.field_span(k, v));
    let mut labels = PodLabels::default();
    if let Some(l) = obj.metadata().and_then(|m| doc.get(m, "labels")) {
        for (k, v) in string_pairs(doc, l) {
            labels.set(&k, PodLabel::Exact(v));
        }
    }
    for (k, v) in metadata_labels {
        labels.set(k, PodLabel::Exact(v.clone()));
    }
    labels.0.shrink_to_fit();
    let entry = spec.and_then(|s| doc.get_entry(s, "ports"));
    let ports: Vec<ServicePort> = entry
        .map(|(_, ps)| {
            doc.items(ps)
                .iter()
                .filter_map(|&p| {
                    let Some(IntOrStr::Int(n)) =
                        doc.get(p, "port").and_then(|n| IntOrStr::read(doc, n))
                    else {
                        return None;
                    };
                    let name = doc.get(p, "name").and_then(|n| doc.str(n));
                    let target = match doc
                        .get(p, "targetPort")
                        .and_then(|t| IntOrStr::read(doc, t))
                    {
                        Some(IntOrStr::Int(t)) => Some(t),
                        _ => None,
                    };
                    Some(ServicePort {
                        port: n,
                        name: name.map(str::to_string),
                        target,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Refs::Service(ServiceSide {
        headless: spec.and_then(|s| doc.path_str(s, &["clusterIP"])) == Some("None"),
        ports: ports.into(),
        ports_at: entry.map(|(k, v)| field_at(k, v)),
        labels,
    })
}

/// An Ingress backend: `service: {name, port: {number | name}}` (networking.k8s.io/v1), or
/// `serviceName` and `servicePort` (the removed v1beta1 versions). A `resource` backend, or
/// an action of the AWS Load Balancer Controller, is none.
fn ingress_backend(file: &FileLocator<'_>, doc: &Document, b: NodeId) -> Option<Backend> {
    let (name, port) = match doc.get(b, "service") {
        Some(s) => {
            let port = doc.get(s, "port");
            let port = port.and_then(|p| doc.get(p, "number").or_else(|| doc.get(p, "name")));
            (doc.get(s, "name")?, port)
        }
        None => (doc.get(b, "serviceName")?, doc.get(b, "servicePort")),
    };
    // the AWS Load Balancer Controller's `use-annotation` names an action of the Ingress's
    // annotations, not a Service
    if port.and_then(|p| doc.str(p)) == Some("use-annotation") {
        return None;
    }
    Some(Backend {
        name: doc.str(name)?.to_string(),
        namespace: None,
        port: port.and_then(|p| IntOrStr::read(doc, p)),
        at: file.at(doc.span(name)),
        port_at: port.map(|p| file.at(doc.span(p))),
    })
}
