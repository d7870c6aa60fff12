use super::ingress_backend_not_found::{noun, referrers, services_for};
use super::{FixAvailability, InventoryContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::inventory::ObjectFacts;
use crate::model::refs::{IntOrStr, ServicePort, ServiceSide};

static META: RuleMeta = RuleMeta {
    id: "ingress-backend-port-not-found",
    severity: Severity::Error,
    fix: FixAvailability::None,
    scope: Scope::Inventory,
    summary: "an Ingress backend or Gateway API route backendRef naming a port its Service does not have",
    doc: include_str!("../../rules/ingress-backend-port-not-found.md"),
};

pub struct IngressBackendPortNotFound;

/// Whether a Service has the port a backend names: by number, or by name (a v1beta1
/// `servicePort` string may also be a number).
fn has_port(s: &ServiceSide, port: &IntOrStr) -> bool {
    s.ports.iter().any(|p| match port {
        IntOrStr::Int(want) => p.port == *want,
        IntOrStr::Str(want) => {
            p.name.as_deref() == Some(want.as_str()) || want.parse::<i64>().ok() == Some(p.port)
        }
    })
}

fn describe(p: &ServicePort) -> String {
    match &p.name {
        Some(name) => format!("{} (`{name}`)", p.port),
        None => p.port.to_string(),
    }
}

/// The help: the Service port whose `targetPort` the backend named (the usual slip), or
/// the ports there are.
fn help(s: &ServiceSide, port: &IntOrStr) -> String {
    let behind = s
        .ports
        .iter()
        .find(|p| matches!(port, IntOrStr::Int(n) if p.target == Some(*n)));
    match behind {
        Some(p) => format!(
            "{} is the container port behind Service port {}: a backend names the Service's port",
            p.target.unwrap_or_default(),
            describe(p)
        ),
        None => format!(
            "use one of the Service's ports: {}",
            s.ports.iter().map(describe).collect::<Vec<_>>().join(", ")
        ),
    }
}

impl Rule for IngressBackendPortNotFound {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_inventory(&self, cx: &InventoryContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some((referrers, services)) = referrers(cx.inventory) else {
            return;
        };
        for o in referrers {
            for b in o.backends() {
                let (Some(port), Some(port_at)) = (&b.port, &b.port_at) else {
                    continue;
                };
                let found = services_for(&services, o, b);
                // not found: ingress-backend-not-found's; a patch may change the ports; a
                // Service with no ports (ExternalName) passes any port through
                let sides: Vec<(&ObjectFacts, &ServiceSide)> = found
                    .iter()
                    .filter_map(|s| Some((*s, s.service_side()?)))
                    .collect();
                if found.is_empty()
                    || found.iter().any(|s| s.partial)
                    || sides.len() < found.len()
                    || sides.iter().any(|(_, s)| s.ports.is_empty())
                    || sides.iter().any(|(_, s)| has_port(s, port))
                {
                    continue;
                }
                let (svc, side) = sides[0];
                let what = match port {
                    IntOrStr::Int(n) => format!("port {n}"),
                    IntOrStr::Str(name) => format!("port named `{name}`"),
                };
                out.push(
                    cx.diag(
                        &META,
                        port_at.clone(),
                        format!("{} Service `{}` has no {what}", noun(o), b.name),
                    )
                    .related(
                        side.ports_at.clone().unwrap_or_else(|| svc.at.clone()),
                        format!("the ports of Service `{}`", b.name),
                    )
                    .help(help(side, port))
                    .object(Some(std::sync::Arc::new(o.info.clone()))),
                );
            }
        }
    }
}
