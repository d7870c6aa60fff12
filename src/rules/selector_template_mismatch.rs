use super::{FixAvailability, ObjectContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Applicability, Edit, Fix, line_start, newline_at};
use crate::model::selector::{Selector, label_selector, string_pairs};
use crate::model::workload::SelectorKind;
use crate::yaml::{NodeId, NodeKind, Style};

static META: RuleMeta = RuleMeta {
    id: "selector-template-mismatch",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    scope: Scope::Object,
    summary: "a workload whose selector does not select its own pod template",
    doc: include_str!("../../rules/selector-template-mismatch.md"),
};

pub struct SelectorTemplateMismatch;

const IMMUTABLE: &str = "apps/v1 selectors are immutable: changing the selector of an applied object means deleting and re-creating it";

impl Rule for SelectorTemplateMismatch {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, cx: &ObjectContext<'_>, out: &mut Vec<Diagnostic>) {
        if cx.file.partial {
            return;
        }
        let obj = cx.obj;
        let doc = obj.doc;
        let Some(w) = cx.file.settings.workload(&obj) else {
            return;
        };
        let Some((spec_key, spec)) = doc.get_entry(obj.root, "spec") else {
            return;
        };
        if !doc.is_map(spec) {
            return;
        }
        let entry = doc
            .get_entry(spec, "selector")
            .filter(|(_, v)| !doc.is_null(*v));
        let template = w.pod_template(&obj);
        let labels_related = |d: Diagnostic| match template.labels_entry {
            Some((k, v)) => d.related(cx.file.at(doc.field_span(k, v)), "pod template labels"),
            None => d,
        };
        let kind_lower = obj.kind.to_ascii_lowercase();
        let selector: Selector = match (w.selector, entry) {
            (SelectorKind::Label { .. }, None) => {
                let rollout_ref = obj.kind == "Rollout" && doc.get(spec, "workloadRef").is_some();
                if (obj.api_version == "apps/v1" || obj.kind == "Rollout") && !rollout_ref {
                    let fix = template
                        .labels_entry
                        .and_then(|(_, labels)| add_selector(cx, spec, labels));
                    out.push(
                        cx.diag(
                            &META,
                            doc.field_span(spec_key, spec),
                            format!(
                                "spec.selector: Required value: a {} in {} needs `spec.selector`",
                                obj.kind, obj.api_version
                            ),
                        )
                        .help("add `spec.selector.matchLabels` equal to the pod template's labels")
                        .fix(fix),
                    );
                }
                return;
            }
            (SelectorKind::Label { .. }, Some((_, v)))
                if w.kind != "Rollout" || template.template.is_some() =>
            {
                label_selector(doc, v)
            }
            (SelectorKind::Map, Some((_, v))) => {
                let pairs = string_pairs(doc, v);
                if pairs.is_empty() {
                    return;
                }
                Selector::of_map(&pairs)
            }
            (SelectorKind::Generated, entry) => {
                let manual = doc
                    .path(spec, &["manualSelector"])
                    .and_then(|n| doc.scalar(n))
                    == Some("true");
                match (manual, entry) {
                    (false, Some((k, v))) => {
                        out.push(
                            cx.diag(&META, doc.field_span(k, v), "spec.selector: Invalid value: `selector` not auto-generated; a Job selector needs `spec.manualSelector: true`")
                                .help("remove `spec.selector` and let the API server generate it, or set `spec.manualSelector: true`"),
                        );
                        return;
                    }
                    (true, None) => {
                        out.push(
                            cx.diag(&META, doc.field_span(spec_key, spec), "spec.selector: Required value: `manualSelector: true` needs `spec.selector`")
                                .help("add `spec.selector.matchLabels` equal to the pod template's labels"),
                        );
                        return;
                    }
                    (true, Some((_, v))) => label_selector(doc, v),
                    (false, None) => return,
                }
            }
            (SelectorKind::JobTemplate, _) => {
                if let Some((k, v)) = doc
                    .path(spec, &["jobTemplate", "spec"])
                    .and_then(|s| doc.get_entry(s, "selector"))
                {
                    out.push(
                        cx.diag(&META, doc.field_span(k, v), "spec.jobTemplate.spec.selector: Invalid value: `selector` will be auto-generated")
                            .help("remove it: a CronJob's jobs get a generated selector"),
                    );
                }
                return;
            }
            _ => return,
        };
        let Some((sel_key, sel_val)) = entry else {
            return;
        };
        let span = doc.field_span(sel_key, sel_val);
        if selector.is_empty() && matches!(w.selector, SelectorKind::Label { .. }) {
            if obj.api_version == "apps/v1" {
                out.push(
                    cx.diag(
                        &META,
                        span,
                        format!(
                            "spec.selector: Invalid value: empty selector is invalid for {}",
                            if kind_lower == "replicaset" {
                                "deployment"
                            } else {
                                &kind_lower
                            }
                        ),
                    )
                    .help("select the pod template's labels with `matchLabels`"),
                );
            }
            return;
        }
        if selector.matches(&template.labels) {
            return;
        }
        let failing: Vec<String> = selector
            .requirements
            .iter()
            .filter(|r| !r.matches(&template.labels))
            .map(|r| format!("`{r}`"))
            .collect();
        let mut d = cx
            .diag(
                &META,
                span,
                format!("`selector` does not match template `labels`: {} not satisfied by the pod template", failing.join(", ")),
            )
            .help(format!("make the selector and `{}.metadata.labels` agree; {IMMUTABLE}", w.template.join(".")));
        d = labels_related(d);
        out.push(d);
    }
}

/// The written text of a one-line scalar that reads as a string, to copy it elsewhere as is.
fn written<'t>(text: &'t str, doc: &crate::yaml::Document, n: NodeId) -> Option<&'t str> {
    let node = doc.node(n);
    let NodeKind::Scalar { style, .. } = &node.kind else {
        return None;
    };
    doc.str(n)?;
    let t = text.get(node.span.start..node.span.end)?;
    (matches!(style, Style::Plain | Style::Single | Style::Double)
        && node.tag.is_none()
        && !t.contains(['\n', '\r']))
    .then_some(t)
}

/// Inserts `selector.matchLabels` with the pod template's labels, as written, just before
/// `spec.template`, at the indentation the file uses.
fn add_selector(cx: &ObjectContext<'_>, spec: NodeId, labels: NodeId) -> Option<Fix> {
    let doc = cx.obj.doc;
    let text = cx.file.text();
    if !matches!(doc.node(spec).kind, NodeKind::Map { flow: false, .. }) {
        return None;
    }
    let (_, spec_key, _) = doc.entry_of_value(spec)?;
    let (template_key, _) = doc.get_entry(spec, "template")?;
    let at = doc.span(template_key).start;
    let mut ls = line_start(text, at);
    let indent = &text[ls..at];
    // comment lines just above `template:` stay with it
    while ls > 0 {
        let prev = line_start(text, ls - 1);
        let line = text[prev..ls].trim_end_matches(['\n', '\r']);
        match line.strip_prefix(indent) {
            Some(rest) if rest.starts_with('#') => ls = prev,
            _ => break,
        }
    }
    let parent = doc.span(spec_key).start;
    let parent_indent = &text[line_start(text, parent)..parent];
    if !indent.bytes().all(|b| b == b' ') || !parent_indent.bytes().all(|b| b == b' ') {
        return None;
    }
    let step = " ".repeat(indent.len().saturating_sub(parent_indent.len()).max(1));
    let nl = newline_at(text, at);
    let mut pairs = Vec::new();
    for e in doc.entries_as(doc.deref(labels), cx.file.reader) {
        pairs.push((written(text, doc, e.key)?, written(text, doc, e.value)?));
    }
    if pairs.is_empty() {
        return None;
    }
    let mut content = format!("{indent}selector:{nl}{indent}{step}matchLabels:{nl}");
    for (k, v) in &pairs {
        content.push_str(&format!("{indent}{step}{step}{k}: {v}{nl}"));
    }
    let mut path = doc.path_to(spec_key, cx.file.reader)?;
    path.push("selector".to_string());
    let shown: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    Some(
        Fix::new(
            Applicability::Unsafe,
            format!(
                "add `spec.selector.matchLabels` with the pod template's labels ({})",
                shown.join(", ")
            ),
            vec![Edit::insert(ls, content)],
            cx.doc_index,
            vec![path.clone()],
        )
        .expecting(path, crate::fix::Expect::Present),
    )
}
