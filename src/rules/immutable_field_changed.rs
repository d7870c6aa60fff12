use super::{ChangeContext, FixAvailability, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, ObjectInfo, Severity};
use crate::model::change::{self, Refused};
use crate::model::inventory::FileLocator;
use crate::source::{LineIndex, Span};
use crate::yaml::{Document, NodeId};
use std::sync::Arc;

static META: RuleMeta = RuleMeta {
    id: "immutable-field-changed",
    severity: Severity::Error,
    fix: FixAvailability::None,
    scope: Scope::Change,
    summary: "a change since the base commit to a field the API server refuses to update",
    doc: include_str!("../../rules/immutable-field-changed.md"),
};

pub struct ImmutableFieldChanged;

impl Rule for ImmutableFieldChanged {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_change(&self, cx: &ChangeContext<'_>, out: &mut Vec<Diagnostic>) {
        rendered(cx, out);
        // each changed file's line index, made when it has a finding
        let mut indexes: std::collections::HashMap<&str, LineIndex<'_>> =
            std::collections::HashMap::new();
        for (file, base, work) in cx.change.pairs() {
            if change::replaced_on_conflict(&work) {
                continue;
            }
            let refused = change::immutable_changes(&base, &work, file.reader);
            let transitions = super::cel_validation_failed::transition_failures(
                cx.settings,
                &base,
                &work,
                file.reader,
            );
            if refused.is_empty() && transitions.is_empty() {
                continue;
            }
            let Some(text) = file.work.as_ref().map(|v| v.text.as_str()) else {
                continue;
            };
            let index = &*indexes
                .entry(&file.path)
                .or_insert_with(|| LineIndex::new(text));
            let locator = FileLocator {
                path: &file.path,
                index,
                partial: false,
            };
            let info = Arc::new(ObjectInfo::of(&work));
            for r in refused {
                let span = field_span(work.doc, work.root, &r.path);
                let d = cx
                    .diag(&META, locator.at(span), message(&r, &cx.change.reference))
                    .object(Some(info.clone()))
                    .help(r.way_out);
                out.push(d);
            }
            for e in transitions {
                let path = cel_path(&e.field_path);
                let span = field_span(work.doc, work.root, &path);
                let message = format!(
                    "`{}` changed since {}: the CRD's transition rule `{}` refuses the update: {}",
                    e.field_path, cx.change.reference, e.rule, e.message
                );
                out.push(
                    cx.diag(&META, locator.at(span), message)
                        .object(Some(info.clone()))
                        .help(TRANSITION_WAY_OUT),
                );
            }
        }
    }
}

const TRANSITION_WAY_OUT: &str = "the CRD allows this field to change only as its rule says (`oldSelf` is the value at the base): delete the object and create it again (Flux: `kustomize.toolkit.fluxcd.io/force: enabled`; Argo CD: `argocd.argoproj.io/sync-options: Replace=true`), or give it a new name";

/// A field path as CEL errors give it (`spec.listeners[0].port`), as path steps.
fn cel_path(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in text.split('.') {
        let mut rest = part;
        if let Some(i) = rest.find('[') {
            if i > 0 {
                out.push(rest[..i].to_string());
            }
            rest = &rest[i..];
            while let Some(end) = rest.find(']') {
                out.push(rest[1..end].trim_matches(['\'', '"']).to_string());
                rest = &rest[end + 1..];
                if !rest.starts_with('[') {
                    break;
                }
            }
        } else if !rest.is_empty() {
            out.push(rest.to_string());
        }
    }
    out
}

/// The refused changes a kustomization makes, at its entry that makes them.
fn rendered(cx: &ChangeContext<'_>, out: &mut Vec<Diagnostic>) {
    for r in &cx.change.rendered {
        let message = format!(
            "{} as {} renders it: {}",
            r.object.kind_name(),
            r.root.trim_start_matches("./"),
            message(&r.refused, &cx.change.reference)
        );
        out.push(
            cx.diag(&META, r.at.clone(), message)
                .object(Some(Arc::new(r.object.clone())))
                .help(r.refused.way_out),
        );
    }
}

fn message(r: &Refused, reference: &str) -> String {
    let path = change::path_text(&r.path);
    let what = match (&r.before, &r.after) {
        (Some(b), Some(a)) => format!("`{path}` changed since {reference} (`{b}` → `{a}`)"),
        (Some(b), None) => format!("`{path}` removed since {reference} (was `{b}`)"),
        (None, Some(a)) => format!("`{path}` added since {reference} (`{a}`)"),
        (None, None) => format!("`{path}` changed since {reference}"),
    };
    format!("{what}: {}, so the API server refuses the update", r.why)
}

/// Where a change at `path` is shown: the field (key and value) in the work tree, or, for a
/// field removed, the deepest field on its way that is still there.
fn field_span(doc: &Document, root: NodeId, path: &[String]) -> Span {
    let (node, depth) = change::node_at(doc, root, path);
    if depth == 0 {
        return doc.span(node);
    }
    let (parent, _) = change::node_at(doc, root, &path[..depth - 1]);
    match doc.get_entry(parent, &path[depth - 1]) {
        Some((k, v)) if doc.is_map(parent) => doc.field_span(k, v),
        _ => doc.span(node),
    }
}
