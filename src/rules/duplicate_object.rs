use super::{FixAvailability, InventoryContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::inventory::GroupKey;
use std::collections::HashSet;

static META: RuleMeta = RuleMeta {
    id: "duplicate-object",
    severity: Severity::Error,
    fix: FixAvailability::None,
    scope: Scope::Inventory,
    summary: "the same object defined twice in one apply group",
    doc: include_str!("../../rules/duplicate-object.md"),
};

pub struct DuplicateObject;

impl Rule for DuplicateObject {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_inventory(&self, cx: &InventoryContext<'_>, out: &mut Vec<Diagnostic>) {
        let inv = cx.inventory;
        // every (object, apply group) pair, sorted by what identifies an object in its group:
        // equal neighbours are duplicates (a sort keeps memory to a few bytes per object,
        // where a map of keys would hold a copy of each)
        let key = |&(i, g): &(u32, u32)| {
            let o = &inv.objects[i as usize];
            let (group, ns) = &o.groups[g as usize];
            (
                group,
                o.group(),
                &*o.info.kind,
                ns.as_deref(),
                o.info.name.as_deref(),
            )
        };
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for (i, o) in inv.objects.iter().enumerate() {
            if o.partial || o.info.name.is_none() {
                continue;
            }
            for g in 0..o.groups.len() {
                pairs.push((i as u32, g as u32));
            }
        }
        pairs.sort_by(|a, b| key(a).cmp(&key(b)).then(a.0.cmp(&b.0)));
        let mut reported: HashSet<(u32, u32)> = HashSet::new();
        for run in pairs.chunk_by(|a, b| key(a) == key(b)) {
            let first = run[0].0;
            for &(i, g) in &run[1..] {
                if i == first || !reported.insert((first, i)) {
                    continue;
                }
                let o = &inv.objects[i as usize];
                let prev = &inv.objects[first as usize];
                let (group, ns) = &o.groups[g as usize];
                let name = o.info.name.as_deref().unwrap_or_default();
                let what = match ns {
                    Some(ns) => format!("{} `{ns}/{name}`", o.info.kind),
                    None => format!("{} `{name}`", o.info.kind),
                };
                let where_ = match group {
                    GroupKey::Kustomization(_) => "in the same kustomization",
                    GroupKey::Directory(_) => "in the same directory",
                };
                out.push(
                    cx.diag(&META, o.at.clone(), format!("{what} is defined twice {where_}"))
                        .object(Some(std::sync::Arc::new(o.info.clone())))
                        .related(prev.at.clone(), "first defined here")
                        .help("keep one definition: applied together, the later one silently replaces the earlier"),
                );
            }
        }
    }
}
