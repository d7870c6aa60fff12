use super::{FixAvailability, InventoryContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::inventory::{NearestMiss, ObjectFacts};
use crate::model::selector::{PodLabel, Selector};
use crate::source::Located;

static META: RuleMeta = RuleMeta {
    id: "service-selector-no-match",
    severity: Severity::Error,
    fix: FixAvailability::None,
    scope: Scope::Inventory,
    summary: "a Service whose selector matches no pod template, so it gets no endpoints",
    doc: include_str!("../../rules/service-selector-no-match.md"),
};

pub struct ServiceSelectorNoMatch;

fn templates(n: usize) -> String {
    match n {
        0 => "none".to_string(),
        1 => "1 template".to_string(),
        n => format!("{n} templates"),
    }
}

impl Rule for ServiceSelectorNoMatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_inventory(&self, cx: &InventoryContext<'_>, out: &mut Vec<Diagnostic>) {
        let inv = cx.inventory;
        for (svc, facts) in inv.services() {
            let selector = Selector::of_map(&facts.selector);
            if inv.matching(&svc.namespaces, &selector).next().is_some() {
                continue;
            }
            let counts: Vec<(String, usize)> = selector
                .requirements
                .iter()
                .map(|r| {
                    let one = Selector {
                        requirements: vec![r.clone()],
                    };
                    (r.to_string(), inv.matching(&svc.namespaces, &one).count())
                })
                .collect();
            let parts: Vec<String> = counts
                .iter()
                .map(|(r, n)| format!("`{r}` matches {}", templates(*n)))
                .collect();
            let message = if selector.requirements.len() == 1 {
                format!("selector `{selector}` matches no pod template")
            } else {
                format!("selector matches no pod template: {}", parts.join(", "))
            };
            let mut d = cx
                .diag(&META, facts.selector_at.clone(), message)
                .object(Some(std::sync::Arc::new(svc.info.clone())));
            // the closest slip, a template no other Service selects first among equals
            let typos = inv.value_typos(&svc.namespaces, &selector);
            let served = |o: &ObjectFacts| {
                inv.services().any(|(s, f)| {
                    !std::ptr::eq(s, svc)
                        && crate::model::inventory::namespaces_meet(&s.namespaces, &o.namespaces)
                        && o.pods
                            .as_ref()
                            .is_some_and(|p| Selector::of_map(&f.selector).matches(&p.labels))
                })
            };
            let typo = typos
                .iter()
                .min_by_key(|(d, o, _, _)| (*d, served(o)))
                .map(|(_, o, i, v)| (*o, *i, v.clone()));
            if let Some((o, i, have)) = typo {
                // a slip in a value: the template it was meant for, not another explanation
                let key = &selector.requirements[i].key;
                let name = o.info.kind_name();
                let at = o
                    .pods
                    .as_ref()
                    .and_then(|p| p.labels_at.clone())
                    .unwrap_or_else(|| o.at.clone());
                d = d
                    .related(
                        at,
                        format!("the pod template of {name} has `{key}: {have}`"),
                    )
                    .help(format!(
                        "did you mean `{key}: {have}`? with it the selector matches {name}"
                    ));
                out.push(d);
                continue;
            }
            let best = inv.nearest_miss(svc, &selector);
            match best {
                NearestMiss::Served(o, by) => {
                    let name = o.info.kind_name();
                    let by = format!("Service/{}", by.info.name.as_deref().unwrap_or("?"));
                    let at = o
                        .pods
                        .as_ref()
                        .and_then(|p| p.labels_at.clone())
                        .unwrap_or_else(|| o.at.clone());
                    d = d.related(
                        at,
                        format!("the closest pod template, {name}, is selected by {by}"),
                    );
                    d = d.help(format!(
                        "{name} is {by}'s; if this Service should select other pods, label them to match, or fix the selector"
                    ));
                }
                NearestMiss::Unserved(o) => {
                    let (at, what, name) = closest(o, &selector);
                    d = d.related(at, what);
                    d = d.help(format!(
                        "make the selector equal to the pod labels of {name}, or fix the labels there"
                    ));
                }
                NearestMiss::None => {
                    d = d.help("no workload in the linted files has any of these labels; check the label names, or lint the files that hold the workload too");
                }
            }
            out.extend(cx.dangling(
                d,
                svc,
                &svc.namespaces,
                crate::model::inventory::Wanted::Pods(&selector),
            ));
        }
    }
}

/// The closest pod template to a selector that matches none: where its labels are, what
/// differs (`closest pod template, Deployment/web: `app` is `web-v2``), and its name.
pub(super) fn closest(o: &ObjectFacts, selector: &Selector) -> (Located, String, String) {
    let pods = o.pods.as_ref();
    let differ: Vec<String> = selector
        .requirements
        .iter()
        .filter(|r| pods.is_some_and(|p| !r.matches(&p.labels)))
        .map(|r| match pods.and_then(|p| p.labels.get(&r.key)) {
            Some(PodLabel::Exact(v)) => format!("`{}` is `{v}`", r.key),
            Some(PodLabel::OneOf(vs)) => format!(
                "`{}` is one of {}",
                r.key,
                vs.iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some(PodLabel::Any) => format!("`{}` is set", r.key),
            None => format!("`{}` is missing", r.key),
        })
        .collect();
    let name = o.info.kind_name();
    let at = pods
        .and_then(|p| p.labels_at.clone())
        .unwrap_or_else(|| o.at.clone());
    (
        at,
        format!("closest pod template, {name}: {}", differ.join(", ")),
        name,
    )
}
