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
        // each duplicate once: (first copy, later copy, the group they clash in)
        let mut reported: HashSet<(u32, u32)> = HashSet::new();
        let mut found: Vec<(u32, u32, u32)> = Vec::new();
        for run in pairs.chunk_by(|a, b| key(a) == key(b)) {
            let first = run[0].0;
            for &(i, g) in &run[1..] {
                if i != first && reported.insert((first, i)) {
                    found.push((first, i, g));
                }
            }
        }
        // two files that share many objects (alternative renders kept side by side) are one
        // fact: one finding per pair of files, at the later file's first duplicate
        let files = |&(first, i, _): &(u32, u32, u32)| {
            (
                inv.objects[first as usize].at.path.clone(),
                inv.objects[i as usize].at.path.clone(),
            )
        };
        found.sort_by(|a, b| {
            files(a).cmp(&files(b)).then(
                inv.objects[a.1 as usize]
                    .at
                    .span
                    .start
                    .cmp(&inv.objects[b.1 as usize].at.span.start),
            )
        });
        for shared in found.chunk_by(|a, b| files(a) == files(b) && files(a).0 != files(a).1) {
            let (first, i, g) = shared[0];
            let o = &inv.objects[i as usize];
            let prev = &inv.objects[first as usize];
            let (group, _) = &o.groups[g as usize];
            let where_ = match group {
                GroupKey::Kustomization(_) => "in the same kustomization",
                GroupKey::Flux(_) => {
                    "applied by the same Flux Kustomization or Argo CD Application"
                }
                GroupKey::Directory(_) => "in the same directory",
                GroupKey::File(_) => "in the same file",
            };
            let p = prev.at.location.start;
            let first_at = format!("{}:{}:{}", prev.at.path, p.line, p.column);
            let message = if shared.len() == 1 {
                format!(
                    "{} is defined twice {where_} (first at {first_at})",
                    what(o, g)
                )
            } else {
                format!(
                    "{} objects here are also defined in `{}`, {where_}; the first, {}, at {first_at}",
                    shared.len(),
                    prev.at.path,
                    what(o, g)
                )
            };
            out.push(
                cx.diag(&META, o.at.clone(), message)
                    .object(Some(std::sync::Arc::new(o.info.clone())))
                    .related(prev.at.clone(), "first defined here")
                    .help(if shared.len() == 1 {
                        "keep one definition: applied together, the later one silently replaces the earlier"
                    } else {
                        "keep one of the two files in this apply group: applied together, the later definitions silently replace the earlier ones"
                    }),
            );
        }
    }
}

/// How a finding names an object: kind, and namespace/name in the group it clashes in.
fn what(o: &crate::model::inventory::ObjectFacts, g: u32) -> String {
    let name = o.info.name.as_deref().unwrap_or_default();
    match &o.groups[g as usize].1 {
        Some(ns) => format!("{} `{ns}/{name}`", o.info.kind),
        None => format!("{} `{name}`", o.info.kind),
    }
}
