use super::{FixAvailability, InventoryContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::inventory::{ObjectFacts, namespaces_meet, similar_name};

static META: RuleMeta = RuleMeta {
    id: "statefulset-service-not-found",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    scope: Scope::Inventory,
    summary: "a StatefulSet whose `serviceName` names no Service in scope, or one that is not headless",
    doc: include_str!("../../rules/statefulset-service-not-found.md"),
};

pub struct StatefulSetServiceNotFound;

impl Rule for StatefulSetServiceNotFound {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_inventory(&self, cx: &InventoryContext<'_>, out: &mut Vec<Diagnostic>) {
        let inv = cx.inventory;
        // Services by name: one pass, not one per StatefulSet
        let services = inv.by_name("", "Service");
        for sts in &inv.objects {
            let Some((name, at)) = sts.service_name() else {
                continue;
            };
            let found: Vec<&ObjectFacts> = services
                .get(name.as_str())
                .map(|v| {
                    v.iter()
                        .copied()
                        .filter(|s| namespaces_meet(&s.namespaces, &sts.namespaces))
                        .collect()
                })
                .unwrap_or_default();
            let who = sts.info.name.as_deref().unwrap_or("?");
            let d = match found.as_slice() {
                [] => {
                    let d = cx.diag(
                        &META,
                        at.clone(),
                        format!("serviceName `{name}` names no Service in the linted files"),
                    );
                    match similar_name(sts, name, services.values().flatten().copied()) {
                        Some(s) => {
                            let other = s.info.name.as_deref().unwrap_or_default();
                            d.related(s.at.clone(), format!("Service `{other}`"))
                                .help(format!("did you mean `{other}`?"))
                        }
                        None => {
                            let d = d.help(format!(
                                "add a headless Service `{name}` (`clusterIP: None`) selecting the pods of StatefulSet `{who}`, or fix the name; without it the pods get no stable DNS names"
                            ));
                            match cx.dangling(d, sts, &sts.namespaces, crate::model::inventory::Wanted::Service(name)) {
                                Some(d) => d,
                                None => continue,
                            }
                        }
                    }
                }
                some if some.iter().any(|s| s.service_side().is_some_and(|r| r.headless)) => {
                    continue;
                }
                some => cx
                    .diag(
                        &META,
                        at.clone(),
                        format!("serviceName `{name}` names a Service that is not headless"),
                    )
                    .related(some[0].at.clone(), "the Service")
                    .help(format!(
                        "set `clusterIP: None` on Service `{name}` (a new Service: the field is immutable), or name a headless one; pods get DNS names only from a headless governing Service"
                    )),
            };
            out.push(d.object(Some(std::sync::Arc::new(sts.info.clone()))));
        }
    }
}
