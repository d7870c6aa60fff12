use super::{ChangeContext, FixAvailability, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::change::{self, Key};
use crate::model::inventory::ObjectFacts;
use crate::model::refs::Target;
use crate::model::selector::Selector;
use crate::source::Located;
use std::collections::HashMap;

static META: RuleMeta = RuleMeta {
    id: "selector-outruns-labels",
    severity: Severity::Error,
    fix: FixAvailability::None,
    scope: Scope::Change,
    summary: "a selector changed so that it selects none of the pods running at the base commit",
    doc: include_str!("../../rules/selector-outruns-labels.md"),
};

pub struct SelectorOutrunsLabels;

const HELP: &str = "label the pods first: add the labels to the pod templates in one change and let it roll out, then narrow the selector in a later one (`kure label` edits both in that order)";

/// A pod selector of an object: what it is (`spec.selector`), the selector, where it is
/// written, and the namespaces it looks in.
struct PodSelector<'a> {
    field: String,
    selector: Selector,
    at: &'a Located,
    namespaces: &'a [Option<String>],
}

fn pod_selectors(o: &ObjectFacts) -> Vec<PodSelector<'_>> {
    let mut out = Vec::new();
    if let Some(svc) = &o.service
        && !svc.selector.is_empty()
    {
        out.push(PodSelector {
            field: "spec.selector".to_string(),
            selector: Selector::of_map(&svc.selector),
            at: &svc.selector_at,
            namespaces: &o.namespaces,
        });
    }
    for s in o.selects() {
        if s.target == Target::Pods {
            out.push(PodSelector {
                field: s.field.to_string(),
                selector: s.selector.clone(),
                at: &s.at,
                namespaces: s.namespaces.as_deref().unwrap_or(&o.namespaces),
            });
        }
    }
    out
}

/// What a selector selecting no pod costs, by kind.
fn consequence(kind: &str) -> &'static str {
    match kind {
        "Service" => "the Service has no endpoints, and drops every request,",
        "PodDisruptionBudget" => "the budget protects no pod from eviction",
        "NetworkPolicy" => "the policy applies to none of the pods it governs now",
        _ => "it selects no pod",
    }
}

impl Rule for SelectorOutrunsLabels {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_change(&self, cx: &ChangeContext<'_>, out: &mut Vec<Diagnostic>) {
        let change = cx.change;
        // narrowed by a kustomization (`commonLabels`, a patch), at its entry
        for r in &change.rendered_outruns {
            let message = format!(
                "{} as {} renders it: {} `{}` selects none of the pods of {}, which `{}` selected: {} until pods with these labels are rolled out",
                r.object.kind_name(),
                r.root.trim_start_matches("./"),
                r.field,
                r.now,
                change.reference,
                r.was,
                consequence(&r.object.kind)
            );
            out.push(
                cx.diag(&META, r.at.clone(), message)
                    .object(Some(std::sync::Arc::new(r.object.clone())))
                    .help(HELP),
            );
        }
        let mut before: HashMap<Key, Vec<&ObjectFacts>> = HashMap::new();
        for o in change.before.iter().filter(|o| !o.partial) {
            if let Some(k) = Key::of_info(&o.info) {
                before.entry(k).or_default().push(o);
            }
        }
        // where each object of the changed files is now, for pointing at a pod template
        let now: HashMap<Key, &ObjectFacts> = change
            .after
            .iter()
            .filter_map(|o| Some((Key::of_info(&o.info)?, o)))
            .collect();
        for w in change.after.iter().filter(|o| !o.partial) {
            let Some(key) = Key::of_info(&w.info) else {
                continue;
            };
            let Some(candidates) = before.get(&key) else {
                continue;
            };
            let Some(b) = change::same_object(candidates, |b| b.at.path == w.at.path) else {
                continue;
            };
            let old = pod_selectors(b);
            for new in pod_selectors(w) {
                let Some(was) = old.iter().find(|s| s.field == new.field) else {
                    continue;
                };
                if was.selector.same_as(&new.selector) {
                    continue;
                }
                let selected: Vec<&ObjectFacts> = change
                    .base
                    .matching(was.namespaces, &was.selector)
                    .collect();
                if selected.is_empty()
                    || change
                        .base
                        .matching(new.namespaces, &new.selector)
                        .next()
                        .is_some()
                {
                    continue;
                }
                let kind = &*w.info.kind;
                let mut d = cx
                    .diag(
                        &META,
                        new.at.clone(),
                        format!(
                            "{} `{}` selects none of the pods of {}, which `{}` selected: {} until pods with these labels are rolled out",
                            new.field,
                            new.selector,
                            change.reference,
                            was.selector,
                            consequence(kind)
                        ),
                    )
                    .object(Some(std::sync::Arc::new(w.info.clone())))
                    .help(HELP);
                for p in selected.iter().take(3) {
                    let (_, what, _) = super::service_selector_no_match::closest(p, &new.selector);
                    // a template of a changed file is shown where its object is now
                    let at = if change.changed.contains(&p.at.path) {
                        Key::of_info(&p.info).and_then(|k| now.get(&k)).map(|o| {
                            o.pods
                                .as_ref()
                                .and_then(|p| p.labels_at.clone())
                                .unwrap_or_else(|| o.at.clone())
                        })
                    } else {
                        Some(
                            p.pods
                                .as_ref()
                                .and_then(|p| p.labels_at.clone())
                                .unwrap_or_else(|| p.at.clone()),
                        )
                    };
                    if let Some(at) = at {
                        let what = what.replacen(
                            "closest pod template",
                            &format!("running at {}", change.reference),
                            1,
                        );
                        d = d.related(at, what);
                    }
                }
                out.push(d);
            }
        }
    }
}
