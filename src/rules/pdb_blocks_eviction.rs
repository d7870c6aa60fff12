use super::{FixAvailability, InventoryContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::inventory::{ObjectFacts, Replicas};
use crate::model::refs::{Budget, IntOrStr, Target};
use std::collections::HashMap;

static META: RuleMeta = RuleMeta {
    id: "pdb-blocks-eviction",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    scope: Scope::Inventory,
    summary: "a PodDisruptionBudget that allows no eviction, so a node drain waits forever",
    doc: include_str!("../../rules/pdb-blocks-eviction.md"),
};

pub struct PdbBlocksEviction;

/// The autoscaled workloads by kind and name, with the autoscaler's `minReplicas`.
type Autoscaled<'a> = HashMap<(&'a str, &'a str), (Option<i64>, &'a ObjectFacts)>;

/// Where a workload's count comes from.
enum Counted<'a> {
    /// Its `replicas`, where written.
    Replicas(Option<&'a crate::source::Located>),
    /// Its autoscaler's `minReplicas`.
    Autoscaled(&'a ObjectFacts),
}

/// A percentage (`"50%"`) as a whole number.
fn percent(s: &str) -> Option<i64> {
    s.strip_suffix('%')?.parse().ok()
}

impl Rule for PdbBlocksEviction {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_inventory(&self, cx: &InventoryContext<'_>, out: &mut Vec<Diagnostic>) {
        let inv = cx.inventory;
        // the autoscaled workloads, by kind and name, with the autoscaler's minReplicas
        let mut scaled: Option<Autoscaled<'_>> = None;
        for pdb in &inv.objects {
            if pdb.partial || &*pdb.info.kind != "PodDisruptionBudget" || pdb.group() != "policy" {
                continue;
            }
            let Some((budget, at)) = pdb.budget() else {
                continue;
            };
            let object = Some(std::sync::Arc::new(pdb.info.clone()));
            let min = match budget {
                Budget::MaxUnavailable(v) => {
                    let zero = match v {
                        IntOrStr::Int(n) => *n == 0,
                        IntOrStr::Str(s) => percent(s) == Some(0),
                    };
                    if zero {
                        out.push(
                            cx.diag(&META, at.clone(), format!("maxUnavailable {} lets no pod be evicted: a node drain waits forever", match v { IntOrStr::Int(n) => n.to_string(), IntOrStr::Str(s) => s.clone() }))
                                .help("allow at least one pod to be unavailable (`maxUnavailable: 1`), and run enough replicas to stay up while one is moved")
                                .object(object),
                        );
                    }
                    continue;
                }
                Budget::MinAvailable(v) => v,
            };
            // the workloads it selects, each with a known count: its replicas, or for one an
            // autoscaler scales, the autoscaler's minimum (where a drain blocks first)
            let Some(sel) = pdb.selects().iter().find(|s| s.target == Target::Pods) else {
                continue;
            };
            let scaled = scaled.get_or_insert_with(|| {
                inv.objects
                    .iter()
                    .filter_map(|o| {
                        let (_, kind, name, _) = o.scale_target()?;
                        Some(((kind.as_str(), name.as_str()), (o.min_replicas(), o)))
                    })
                    .collect()
            });
            let mut sum = Some(0i64);
            let mut counted = Vec::new();
            let mut known = true;
            let mut autoscaled_any = false;
            for w in inv.matching(&pdb.namespaces, &sel.selector) {
                let replicas = w.pods.as_ref().and_then(|p| p.replicas.as_ref());
                let autoscaled = w
                    .info
                    .name
                    .as_deref()
                    .and_then(|n| scaled.get(&(&*w.info.kind, n)));
                match (replicas, autoscaled) {
                    // a count kure cannot add up (negative, or past 64 bits) is no count
                    (Some(_), Some((Some(min), hpa))) if *min >= 0 => {
                        autoscaled_any = true;
                        sum = sum.and_then(|t| t.checked_add(*min));
                        counted.push((w, *min, Counted::Autoscaled(hpa)));
                    }
                    (Some(Replicas::Count(n, replicas_at)), None) if *n >= 0 => {
                        sum = sum.and_then(|t| t.checked_add(*n));
                        counted.push((w, *n, Counted::Replicas(replicas_at.as_ref())));
                    }
                    _ => known = false,
                }
            }
            let Some(total) = sum.filter(|&t| known && t > 0) else {
                continue;
            };
            // kubernetes rounds a percentage of minAvailable up
            let required = match min {
                IntOrStr::Int(n) => *n,
                IntOrStr::Str(s) => match percent(s) {
                    // (a count this large is no count: nothing to judge)
                    Some(p) => match p.checked_mul(total).and_then(|x| x.checked_add(99)) {
                        Some(x) => x / 100,
                        None => continue,
                    },
                    None => continue,
                },
            };
            if required < total {
                continue;
            }
            let pods = if total == 1 {
                "1 pod".to_string()
            } else {
                format!("{total} pods")
            };
            // each workload once, and a few by name
            let mut of: Vec<String> = Vec::new();
            for (w, _, _) in &counted {
                let who = w.info.kind_name();
                if !of.contains(&who) {
                    of.push(who);
                }
            }
            if of.len() > 3 {
                let more = of.len() - 3;
                of.truncate(3);
                of.push(format!("{more} more"));
            }
            let shown = match min {
                IntOrStr::Int(n) => n.to_string(),
                IntOrStr::Str(s) => s.clone(),
            };
            let mut d = cx
                .diag(
                    &META,
                    at.clone(),
                    format!(
                        "minAvailable {shown} is not below the {pods} it covers{} ({}): no pod can be evicted, so a node drain waits forever",
                        if autoscaled_any { " at the autoscaler's minimum" } else { "" },
                        of.join(", ")
                    ),
                )
                .help(if autoscaled_any {
                    "set the autoscaler's minReplicas above minAvailable, or use `maxUnavailable: 1` instead"
                } else {
                    "run more replicas than minAvailable, or set `maxUnavailable: 1` instead"
                })
                .object(object);
            for (w, n, how) in counted.into_iter().take(3) {
                let who = w.info.kind_name();
                d = match how {
                    Counted::Replicas(Some(at)) => {
                        d.related(at.clone(), format!("{who} runs {n} (replicas)"))
                    }
                    Counted::Replicas(None) => d.related(
                        w.at.clone(),
                        format!("{who} runs {n} (replicas defaults to 1)"),
                    ),
                    Counted::Autoscaled(hpa) => d.related(
                        hpa.at.clone(),
                        format!(
                            "HorizontalPodAutoscaler/{} scales {who} down to {n} (minReplicas)",
                            hpa.info.name.as_deref().unwrap_or("?")
                        ),
                    ),
                };
            }
            out.push(d);
        }
    }
}
