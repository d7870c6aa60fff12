use super::{FixAvailability, InventoryContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::inventory::{ObjectFacts, namespaces_meet, similar_name};
use crate::model::object::group_of;
use std::collections::HashMap;

static META: RuleMeta = RuleMeta {
    id: "hpa-target-not-found",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    scope: Scope::Inventory,
    summary: "a HorizontalPodAutoscaler whose `scaleTargetRef` names no object of that kind in scope",
    doc: include_str!("../../rules/hpa-target-not-found.md"),
};

pub struct HpaTargetNotFound;

impl Rule for HpaTargetNotFound {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_inventory(&self, cx: &InventoryContext<'_>, out: &mut Vec<Diagnostic>) {
        let inv = cx.inventory;
        let mut hpas = Vec::new();
        for o in &inv.objects {
            if let Some(t) = o.scale_target() {
                hpas.push((o, t));
            }
        }
        if hpas.is_empty() {
            return;
        }
        // objects by (kind, name): one pass
        let mut by_name: HashMap<(&str, &str), Vec<&ObjectFacts>> = HashMap::new();
        for o in &inv.objects {
            if let Some(name) = o.info.name.as_deref() {
                by_name.entry((&o.info.kind, name)).or_default().push(o);
            }
        }
        for (hpa, (api, kind, name, at)) in hpas {
            if hpa.partial {
                continue;
            }
            let found = by_name
                .get(&(kind.as_str(), name.as_str()))
                .is_some_and(|v| {
                    v.iter().any(|o| {
                        namespaces_meet(&o.namespaces, &hpa.namespaces)
                            && (api.is_empty() || o.group() == group_of(api))
                    })
                });
            if found {
                continue;
            }
            let d = cx
                .diag(
                    &META,
                    at.clone(),
                    format!(
                        "scaleTargetRef names {kind} `{name}`, which is not in the linted files"
                    ),
                )
                .object(Some(std::sync::Arc::new(hpa.info.clone())));
            let same_kind = by_name
                .iter()
                .filter(|((k, _), _)| *k == kind.as_str())
                .flat_map(|(_, v)| v.iter().copied());
            match similar_name(hpa, name, same_kind) {
                Some(o) => {
                    let other = o.info.name.as_deref().unwrap_or_default();
                    out.push(
                        d.related(o.at.clone(), format!("{kind} `{other}`"))
                            .help(format!("did you mean `{other}`?")),
                    );
                }
                None => {
                    let d = d.help("check the kind and name; if the target comes from elsewhere (a Helm release, an operator), this can be ignored");
                    out.extend(cx.dangling(
                        d,
                        hpa,
                        &hpa.namespaces,
                        crate::model::inventory::Wanted::Other,
                    ));
                }
            }
        }
    }
}
