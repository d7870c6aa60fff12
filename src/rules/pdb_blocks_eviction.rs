use super::{FixAvailability, InventoryContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::inventory::Replicas;
use crate::model::refs::{Budget, IntOrStr, Target};
use std::collections::HashSet;

static META: RuleMeta = RuleMeta {
    id: "pdb-blocks-eviction",
    severity: Severity::Warning,
    fix: FixAvailability::None,
    scope: Scope::Inventory,
    summary: "a PodDisruptionBudget that allows no eviction, so a node drain waits forever",
    doc: include_str!("../../rules/pdb-blocks-eviction.md"),
};

pub struct PdbBlocksEviction;

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
        let mut scaled: Option<HashSet<(&str, &str)>> = None;
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
            // the workloads it selects, each with a known count that no autoscaler changes
            let Some(sel) = pdb.selects().iter().find(|s| s.target == Target::Pods) else {
                continue;
            };
            let scaled = scaled.get_or_insert_with(|| {
                inv.objects
                    .iter()
                    .filter_map(|o| {
                        let (_, kind, name, _) = o.scale_target()?;
                        Some((kind.as_str(), name.as_str()))
                    })
                    .collect()
            });
            let mut total = 0i64;
            let mut counted = Vec::new();
            let mut known = true;
            for w in inv.matching(&pdb.namespaces, &sel.selector) {
                let replicas = w.pods.as_ref().and_then(|p| p.replicas.as_ref());
                let autoscaled = w
                    .info
                    .name
                    .as_deref()
                    .is_some_and(|n| scaled.contains(&(&*w.info.kind, n)));
                match replicas {
                    Some(Replicas::Count(n, replicas_at)) if !autoscaled => {
                        total += n;
                        counted.push((w, *n, replicas_at));
                    }
                    _ => known = false,
                }
            }
            if !known || total <= 0 {
                continue;
            }
            // kubernetes rounds a percentage of minAvailable up
            let required = match min {
                IntOrStr::Int(n) => *n,
                IntOrStr::Str(s) => match percent(s) {
                    Some(p) => (p * total + 99) / 100,
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
            let of: Vec<String> = counted
                .iter()
                .map(|(w, _, _)| {
                    format!("{}/{}", w.info.kind, w.info.name.as_deref().unwrap_or("?"))
                })
                .collect();
            let shown = match min {
                IntOrStr::Int(n) => n.to_string(),
                IntOrStr::Str(s) => s.clone(),
            };
            let mut d = cx
                .diag(
                    &META,
                    at.clone(),
                    format!(
                        "minAvailable {shown} is not below the {pods} it covers ({}): no pod can be evicted, so a node drain waits forever",
                        of.join(", ")
                    ),
                )
                .help("run more replicas than minAvailable, or set `maxUnavailable: 1` instead")
                .object(object);
            for (w, n, replicas_at) in counted {
                d = d.related(
                    replicas_at.clone().unwrap_or_else(|| w.at.clone()),
                    format!(
                        "{}/{} runs {n} (replicas{})",
                        w.info.kind,
                        w.info.name.as_deref().unwrap_or("?"),
                        if replicas_at.is_some() {
                            ""
                        } else {
                            " defaults to 1"
                        }
                    ),
                );
            }
            out.push(d);
        }
    }
}
