use super::{FixAvailability, InventoryContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::inventory::{Inventory, ObjectFacts, namespaces_meet, similar_name};
use crate::model::refs::Backend;

static META: RuleMeta = RuleMeta {
    id: "ingress-backend-not-found",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    scope: Scope::Inventory,
    summary: "an Ingress backend or Gateway API route backendRef naming a Service that is not in scope",
    doc: include_str!("../../rules/ingress-backend-not-found.md"),
};

pub struct IngressBackendNotFound;

/// The Services (whole or patches) a backend of `from` can reach: its name, in the namespace
/// it names or the referrer's.
pub(super) fn services_for<'a>(
    services: &Services<'a>,
    from: &ObjectFacts,
    b: &Backend,
) -> Vec<&'a ObjectFacts> {
    let named: Vec<Option<String>>;
    let namespaces: &[Option<String>] = match &b.namespace {
        Some(ns) => {
            named = vec![Some(ns.clone())];
            &named
        }
        None => &from.namespaces,
    };
    services
        .get(b.name.as_str())
        .map(|v| {
            v.iter()
                .copied()
                .filter(|s| namespaces_meet(&s.namespaces, namespaces))
                .collect()
        })
        .unwrap_or_default()
}

/// The whole objects with backends (Ingresses, routes), and the Services by name; `None`
/// when there are no backends to look up.
pub(super) fn referrers(inv: &Inventory) -> Option<(Vec<&ObjectFacts>, Services<'_>)> {
    let referrers: Vec<&ObjectFacts> = inv
        .objects
        .iter()
        .filter(|o| !o.partial && !o.backends().is_empty())
        .collect();
    (!referrers.is_empty()).then(|| (referrers, inv.by_name("", "Service")))
}

/// Objects by name.
pub(super) type Services<'a> = std::collections::HashMap<&'a str, Vec<&'a ObjectFacts>>;

/// How a kind calls its references to Services.
pub(super) fn noun(o: &ObjectFacts) -> &'static str {
    if &*o.info.kind == "Ingress" {
        "backend"
    } else {
        "backendRef"
    }
}

impl Rule for IngressBackendNotFound {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_inventory(&self, cx: &InventoryContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some((referrers, services)) = referrers(cx.inventory) else {
            return;
        };
        for o in referrers {
            for b in o.backends() {
                if !services_for(&services, o, b).is_empty() {
                    continue;
                }
                let ns = b
                    .namespace
                    .as_deref()
                    .map(|n| format!(" in namespace `{n}`"))
                    .unwrap_or_default();
                let d = cx
                    .diag(
                        &META,
                        b.at.clone(),
                        format!(
                            "{} Service `{}`{ns} is not in the linted files",
                            noun(o),
                            b.name
                        ),
                    )
                    .object(Some(std::sync::Arc::new(o.info.clone())));
                let close = b
                    .namespace
                    .is_none()
                    .then(|| similar_name(o, &b.name, services.values().flatten().copied()));
                match close.flatten() {
                    Some(s) => {
                        let other = s.info.name.as_deref().unwrap_or_default();
                        out.push(
                            d.related(s.at.clone(), format!("Service `{other}`"))
                                .help(format!("did you mean `{other}`?")),
                        );
                    }
                    None => {
                        let d = d.help("check the name; if the Service comes from elsewhere (a Helm release, an operator), this can be ignored");
                        let namespaces: Vec<Option<String>> = match &b.namespace {
                            Some(n) => vec![Some(n.clone())],
                            None => o.namespaces.to_vec(),
                        };
                        out.extend(cx.dangling(
                            d,
                            o,
                            &namespaces,
                            crate::model::inventory::Wanted::Service(&b.name),
                        ));
                    }
                }
            }
        }
    }
}
