//! Where a reference leads: from a selector to the pod templates it selects, from a backend,
//! `serviceName` or `scaleTargetRef` to the object it names (an editor's "go to
//! definition"). Asked of the inventory a run built, with the same rules of scope the
//! reference rules use (namespaces that can meet, a kind's group).

use super::inventory::{Inventory, ObjectFacts, namespaces_meet};
use super::object::group_of;
use super::selector::Selector;
use crate::source::Located;

/// What the reference written at byte `offset` of the file shown as `path` leads to: where
/// each is written, and what it is (`Deployment/web`).
pub fn definitions(inv: &Inventory, path: &str, offset: usize) -> Vec<(Located, String)> {
    let here = |at: &Located| &*at.path == path && at.span.start <= offset && offset <= at.span.end;
    let mut out = Vec::new();
    for o in inv.objects.iter().filter(|o| &*o.at.path == path) {
        if let Some(svc) = o.service.as_deref()
            && here(&svc.selector_at)
        {
            out.extend(pods(inv, &o.namespaces, &Selector::of_map(&svc.selector)));
        }
        for s in o.selects().iter().filter(|s| here(&s.at)) {
            let namespaces = s.namespaces.as_deref().unwrap_or(&o.namespaces);
            out.extend(pods(inv, namespaces, &s.selector));
        }
        for b in o.backends().iter().filter(|b| here(&b.at)) {
            out.extend(named(inv, o, "", "Service", &b.name));
        }
        if let Some((name, at)) = o.service_name()
            && here(at)
        {
            out.extend(named(inv, o, "", "Service", name));
        }
        if let Some((api, kind, name, at)) = o.scale_target()
            && here(at)
        {
            out.extend(named(inv, o, group_of(api), kind, name));
        }
    }
    out.sort_by(|(a, _), (b, _)| (&*a.path, a.span.start).cmp(&(&*b.path, b.span.start)));
    out.dedup_by(|(a, _), (b, _)| a.path == b.path && a.span == b.span);
    out
}

/// The pod templates a selector selects in `namespaces`: their labels, where written.
fn pods(inv: &Inventory, namespaces: &[Option<String>], sel: &Selector) -> Vec<(Located, String)> {
    inv.matching(namespaces, sel)
        .map(|o| {
            let at = o
                .pods
                .as_ref()
                .and_then(|p| p.labels_at.clone())
                .unwrap_or_else(|| o.at.clone());
            (at, o.info.kind_name())
        })
        .collect()
}

/// The objects of a kind named `name` that `from` can reach: its namespaces meet theirs.
fn named(
    inv: &Inventory,
    from: &ObjectFacts,
    group: &str,
    kind: &str,
    name: &str,
) -> Vec<(Located, String)> {
    inv.objects
        .iter()
        .filter(|o| {
            !o.partial
                && &*o.info.kind == kind
                && (group.is_empty() || o.group() == group)
                && o.info.name.as_deref() == Some(name)
                && namespaces_meet(&o.namespaces, &from.namespaces)
        })
        .map(|o| (o.at.clone(), o.info.kind_name()))
        .collect()
}
