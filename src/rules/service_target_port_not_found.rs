use super::{FixAvailability, InventoryContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::selector::Selector;

static META: RuleMeta = RuleMeta {
    id: "service-target-port-not-found",
    severity: Severity::Error,
    fix: FixAvailability::None,
    scope: Scope::Inventory,
    summary: "a Service's named `targetPort` that no container of the pods it selects declares",
    doc: include_str!("../../rules/service-target-port-not-found.md"),
};

pub struct ServiceTargetPortNotFound;

impl Rule for ServiceTargetPortNotFound {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_inventory(&self, cx: &InventoryContext<'_>, out: &mut Vec<Diagnostic>) {
        let inv = cx.inventory;
        for (svc, facts) in inv.services() {
            if facts.named_targets.is_empty() {
                continue;
            }
            let selector = Selector::of_map(&facts.selector);
            let pods: Vec<_> = inv
                .matching(&svc.namespaces, &selector)
                .filter_map(|o| o.pods.as_deref().map(|p| (o, p)))
                .collect();
            // no pods: service-selector-no-match's; pods an operator makes from a spec
            // kure does not read: their ports are unknown
            if pods.is_empty() || pods.iter().any(|(_, p)| p.ports.is_none()) {
                continue;
            }
            for (name, protocol, at) in &facts.named_targets {
                // a name the API server rejects is invalid-port's
                if super::invalid_port::bad_port_name(name).is_some() {
                    continue;
                }
                let declared = pods.iter().any(|(_, p)| {
                    p.ports
                        .as_ref()
                        .is_some_and(|ps| ps.iter().any(|(n, pr)| n == name && pr == protocol))
                });
                if declared {
                    continue;
                }
                let (o, p) = pods[0];
                let who = o.info.kind_name();
                let named: Vec<String> = p
                    .ports
                    .iter()
                    .flatten()
                    .map(|(n, pr)| {
                        if pr == "TCP" {
                            format!("`{n}`")
                        } else {
                            format!("`{n}` ({pr})")
                        }
                    })
                    .collect();
                let mut d = cx
                    .diag(
                        &META,
                        at.clone(),
                        format!(
                            "targetPort `{name}` ({protocol}) is declared by no container of the {} this Service selects",
                            if pods.len() == 1 {
                                format!("pod template ({who})")
                            } else {
                                format!("{} pod templates", pods.len())
                            }
                        ),
                    )
                    .object(Some(std::sync::Arc::new(svc.info.clone())));
                d = d.related(
                    p.ports_at.clone().unwrap_or_else(|| o.at.clone()),
                    format!("the ports of {who}"),
                );
                d = d.help(if named.is_empty() {
                    format!(
                        "{who} names no port: name the container port `{name}`, or use its number"
                    )
                } else {
                    format!(
                        "{who} names {}; use one of them, or the port's number",
                        named.join(", ")
                    )
                });
                out.push(d);
            }
        }
    }
}
