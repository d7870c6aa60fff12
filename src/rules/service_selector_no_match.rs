use super::{FixAvailability, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::inventory::Inventory;
use crate::model::selector::{Requirement, Selector};

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

    fn check_inventory(&self, inv: &Inventory, out: &mut Vec<Diagnostic>) {
        for svc in &inv.objects {
            if svc.partial {
                continue;
            }
            let Some(facts) = &svc.service else { continue };
            let selector =
                Selector::from_pairs(facts.selector.iter().map(|(k, v)| (k.as_str(), v.as_str())));
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
            let mut d = Diagnostic::new(META.id, META.severity, facts.selector_at.clone(), message)
                .object(Some(svc.info.clone()));
            // the nearest miss: most requirements satisfied, then most selector keys present,
            // then the closest values
            let keys: Vec<&str> = selector
                .requirements
                .iter()
                .map(|r| r.key.as_str())
                .collect();
            // look in the Service's own apply groups first: a near miss there is the likely
            // intent, and the search stays small however large the repository
            let sources: Vec<_> = inv.pod_sources_with_keys(&svc.namespaces, &keys).collect();
            let same_group: Vec<_> = sources
                .iter()
                .copied()
                .filter(|o| {
                    o.groups
                        .iter()
                        .any(|(g, _)| svc.groups.iter().any(|(h, _)| g == h))
                })
                .collect();
            let pool = if same_group.is_empty() {
                sources
            } else {
                same_group
            };
            let best = pool
                .into_iter()
                .filter_map(|o| {
                    let pods = o.pods.as_ref()?;
                    let satisfied = selector
                        .requirements
                        .iter()
                        .filter(|r| r.matches(&pods.labels))
                        .count();
                    let mut keys = 0;
                    let mut closeness = 0.0;
                    for r in &selector.requirements {
                        if let Some(have) = pods.labels.get(&r.key) {
                            keys += 1;
                            if let (crate::model::selector::PodLabel::Exact(v), Some(want)) =
                                (have, r.values.first())
                            {
                                closeness +=
                                    strsim::normalized_levenshtein(v.as_str(), want.as_str());
                            }
                        }
                    }
                    (keys > 0).then_some(((satisfied, keys, (closeness * 1000.0) as u64), o))
                })
                .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.at.path.cmp(&a.1.at.path)));
            match best {
                Some((_, o)) => {
                    let pods = o.pods.as_ref();
                    let missing: Vec<&Requirement> = selector
                        .requirements
                        .iter()
                        .filter(|r| pods.is_some_and(|p| !r.matches(&p.labels)))
                        .collect();
                    let differ: Vec<String> = missing
                        .iter()
                        .map(|r| match pods.and_then(|p| p.labels.get(&r.key)) {
                            Some(crate::model::selector::PodLabel::Exact(v)) => {
                                format!("`{}` is `{v}`", r.key)
                            }
                            Some(crate::model::selector::PodLabel::OneOf(vs)) => format!(
                                "`{}` is one of {}",
                                r.key,
                                vs.iter()
                                    .map(|v| format!("`{v}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            _ => format!("`{}` is missing", r.key),
                        })
                        .collect();
                    let name = format!("{}/{}", o.info.kind, o.info.name.as_deref().unwrap_or("?"));
                    let at = pods
                        .and_then(|p| p.labels_at.clone())
                        .unwrap_or_else(|| o.at.clone());
                    d = d.related(
                        at,
                        format!("closest pod template, {name}: {}", differ.join(", ")),
                    );
                    d = d.help(format!(
                        "make the selector equal to the pod labels of {name}, or fix the labels there"
                    ));
                }
                None => {
                    d = d.help("no workload in the linted files has any of these labels; check the label names, or lint the files that hold the workload too");
                }
            }
            out.push(d);
        }
    }
}
