use super::{FixAvailability, ObjectContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Applicability, Edit, Fix, line_end, line_start};
use crate::model::pod;
use crate::source::Span;
use crate::yaml::NodeId;

static META: RuleMeta = RuleMeta {
    id: "duplicate-env",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    scope: Scope::Object,
    summary: "the same environment variable twice in one container's `env`, which server-side apply refuses",
    doc: include_str!("../../rules/duplicate-env.md"),
};

pub struct DuplicateEnv;

/// The field path of an object's pod spec (`spec`, `spec.template.spec`, ...).
pub fn pod_spec_path(cx: &ObjectContext<'_>) -> String {
    match cx.file.settings.workload(&cx.obj) {
        Some(w) if !w.template.is_empty() => format!("{}.spec", w.template.join(".")),
        _ => "spec".to_string(),
    }
}

/// The pod spec of an object: a Pod's, a workload template's.
pub fn pod_spec(cx: &ObjectContext<'_>) -> Option<NodeId> {
    cx.file.settings.workload(&cx.obj)?.pod_spec(&cx.obj)
}

impl Rule for DuplicateEnv {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, cx: &ObjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(spec) = pod_spec(cx) else { return };
        let doc = cx.obj.doc;
        for c in pod::containers(doc, spec) {
            let Some(env) = doc.get(c, "env") else {
                continue;
            };
            let container = doc.get(c, "name").and_then(|n| doc.str(n)).unwrap_or("?");
            let items = doc.items(env);
            let mut seen: Vec<(&str, NodeId, NodeId)> = Vec::new();
            for &item in items {
                let Some(name_node) = doc.get(item, "name") else {
                    continue;
                };
                let Some(name) = doc.str(name_node) else {
                    continue;
                };
                match seen.iter().find(|(n, _, _)| *n == name) {
                    Some(&(_, first_item, first_name)) => {
                        let first = cx.file.at(doc.span(first_name));
                        let line = first.location.start.line;
                        out.push(
                            cx.diag(
                                &META,
                                doc.span(name_node),
                                format!(
                                    "env `{name}` is set twice in container `{container}` (first at line {line})"
                                ),
                            )
                            .related(first, "the first definition")
                            .help("keep one: server-side apply (Flux, Argo CD with ServerSideApply=true) rejects the list, and client-side apply keeps the last")
                            .fix(remove_item(cx, env, first_item)),
                        );
                    }
                    None => seen.push((name, item, name_node)),
                }
            }
        }
    }
}

/// Removes a block sequence item with its lines (unsafe: the earlier value is dropped,
/// which is what client-side apply did; server-side apply kept neither).
fn remove_item(cx: &ObjectContext<'_>, list: NodeId, item: NodeId) -> Option<Fix> {
    let doc = cx.obj.doc;
    let text = cx.file.text();
    let span = doc.span(item);
    let start = line_start(text, span.start);
    // only `- ` and indentation before the item on its first line
    let lead = text.get(start..span.start)?;
    if lead.trim_start() != "- " && lead.trim() != "-" {
        return None;
    }
    let end = line_end(text, span.end.saturating_sub(1).max(span.start));
    let removed = &text[start..end];
    if removed.contains('#') {
        // a comment would go with it
        return None;
    }
    let path = doc.path_to(list, cx.file.reader)?;
    Some(Fix::new(
        Applicability::Unsafe,
        "remove the first definition",
        vec![Edit::delete(Span::new(start, end))],
        cx.doc_index,
        vec![path],
    ))
}
