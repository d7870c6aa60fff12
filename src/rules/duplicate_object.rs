use super::{FixAvailability, InventoryContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::inventory::GroupKey;
use std::collections::{HashMap, HashSet};

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
        type Key<'a> = (&'a GroupKey, &'a str, &'a str, Option<&'a str>, &'a str);
        let mut first: HashMap<Key<'_>, usize> = HashMap::new();
        let mut reported: HashSet<(usize, usize)> = HashSet::new();
        for (i, o) in inv.objects.iter().enumerate() {
            if o.partial {
                continue;
            }
            let Some(name) = o.info.name.as_deref() else {
                continue;
            };
            for (g, ns) in &o.groups {
                let key = (
                    g,
                    o.group.as_str(),
                    o.info.kind.as_str(),
                    ns.as_deref(),
                    name,
                );
                match first.get(&key) {
                    None => {
                        first.insert(key, i);
                    }
                    Some(&j) => {
                        if !reported.insert((j, i)) {
                            continue;
                        }
                        let prev = &inv.objects[j];
                        let what = match ns {
                            Some(ns) => format!("{} `{ns}/{name}`", o.info.kind),
                            None => format!("{} `{name}`", o.info.kind),
                        };
                        let where_ = match g {
                            GroupKey::Kustomization(_) => "in the same kustomization",
                            GroupKey::Directory(_) => "in the same directory",
                        };
                        out.push(
                            cx.diag(&META, o.at.clone(), format!("{what} is defined twice {where_}"))
                                .object(Some(o.info.clone()))
                                .related(prev.at.clone(), "first defined here")
                                .help("keep one definition: applied together, the later one silently replaces the earlier"),
                        );
                    }
                }
            }
        }
    }
}
