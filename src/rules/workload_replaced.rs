use super::{ChangeContext, FixAvailability, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::change::Key;
use crate::model::inventory::namespaces_meet;

static META: RuleMeta = RuleMeta {
    id: "workload-replaced",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    scope: Scope::Change,
    summary: "a workload removed, renamed or re-kinded since the base commit whose pods the new one also selects",
    doc: include_str!("../../rules/workload-replaced.md"),
};

pub struct WorkloadReplaced;

impl Rule for WorkloadReplaced {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_change(&self, cx: &ChangeContext<'_>, out: &mut Vec<Diagnostic>) {
        let change = cx.change;
        let (at_base, now) = change.keys(cx.inventory);
        // the workloads of the base that are gone, and the new ones
        let gone: Vec<_> = change
            .before
            .iter()
            .filter(|o| !o.partial && o.pods.is_some())
            .filter(|o| Key::of_info(&o.info).is_some_and(|k| !now.contains(&k)))
            .collect();
        if gone.is_empty() {
            return;
        }
        for new in change.after.iter().filter(|o| !o.partial) {
            let Some((selector, _)) = new.pods.as_ref().and_then(|p| p.selector.as_ref()) else {
                continue;
            };
            if Key::of_info(&new.info).is_none_or(|k| at_base.contains(&k)) {
                continue;
            }
            for old in &gone {
                let Some(pods) = &old.pods else { continue };
                if selector.is_empty()
                    || !selector.matches(&pods.labels)
                    || !namespaces_meet(&old.namespaces, &new.namespaces)
                {
                    continue;
                }
                let how = if old.info.kind == new.info.kind {
                    "renamed"
                } else if old.info.name == new.info.name {
                    "re-kinded"
                } else {
                    "replaced"
                };
                let old_name = old.info.kind_name();
                let kubectl = format!(
                    "kubectl delete {} {}{}",
                    old.info.kind.to_lowercase(),
                    old.info.name.as_deref().unwrap_or("?"),
                    old.info
                        .namespace
                        .as_deref()
                        .map(|n| format!(" -n {n}"))
                        .unwrap_or_default()
                );
                let d = cx
                    .diag(
                        &META,
                        new.at.clone(),
                        format!(
                            "{} replaces {old_name} ({how} since {}), whose pods it also selects: unless the GitOps tool prunes {old_name}, the two run side by side",
                            new.info.kind_name(),
                            change.reference,
                        ),
                    )
                    .object(Some(std::sync::Arc::new(new.info.clone())))
                    .help(format!(
                        "remove the old one once this change is applied (`{kubectl}`), or let the GitOps tool prune it (Flux: `prune: true` on the Kustomization; Argo CD: sync with prune)"
                    ));
                out.push(d);
            }
        }
    }
}
