use super::{FixAvailability, ObjectContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::labels::{
    ANNOTATIONS_MAX_BYTES, annotation_key_errors, label_key_errors, label_value_errors,
};
use crate::model::workload;
use crate::yaml::{NodeId, Style};

static META: RuleMeta = RuleMeta {
    id: "invalid-label",
    severity: Severity::Error,
    fix: FixAvailability::None,
    scope: Scope::Object,
    summary: "label keys and values, annotation keys and selector values that the API server rejects",
    doc: include_str!("../../rules/invalid-label.md"),
};

pub struct InvalidLabel;

struct Checker<'a, 'b> {
    cx: &'a ObjectContext<'b>,
    out: &'a mut Vec<Diagnostic>,
}

impl Checker<'_, '_> {
    fn report(&mut self, node: NodeId, path: &str, value: &str, errs: Vec<String>, what: &str) {
        let Some(first) = errs.into_iter().next() else {
            return;
        };
        let doc = self.cx.obj.doc;
        self.out.push(
            self.cx
                .diag(
                    &META,
                    doc.span(doc.deref(node)),
                    format!("{path}: Invalid value: \"{value}\": {first}"),
                )
                .help(format!("the API server rejects this {what}")),
        );
    }

    /// A string scalar's text; non-strings are `non-string-value`'s to report.
    /// Template placeholders (`{{shard}}`) are substituted before apply and are not checked.
    fn text(&self, node: NodeId) -> Option<&str> {
        let doc = self.cx.obj.doc;
        if matches!(doc.scalar_parts(node), Some(("<<", Style::Plain, None))) {
            return None;
        }
        doc.str(node).filter(|s| !s.contains("{{"))
    }

    fn labels(&mut self, map: Option<NodeId>, path: &str) {
        let Some(map) = map else { return };
        let doc = self.cx.obj.doc;
        for &(k, v) in doc.effective(map).iter() {
            if let Some(key) = self.text(k) {
                let key = key.to_string();
                self.report(k, path, &key, label_key_errors(&key), "label key");
            }
            if let Some(val) = self.text(v) {
                let val = val.to_string();
                self.report(v, path, &val, label_value_errors(&val), "label value");
            }
        }
    }

    fn annotations(&mut self, map: Option<NodeId>, path: &str) {
        let Some(map) = map else { return };
        let doc = self.cx.obj.doc;
        let mut total = 0usize;
        for &(k, v) in doc.effective(map).iter() {
            if let Some(key) = self.text(k) {
                let key = key.to_string();
                total += key.len();
                self.report(k, path, &key, annotation_key_errors(&key), "annotation key");
            }
            total += doc.scalar(v).map_or(0, str::len);
        }
        if total > ANNOTATIONS_MAX_BYTES {
            let span = doc.span(map);
            self.out.push(
                self.cx
                    .diag(
                        &META,
                        span,
                        format!(
                            "{path}: Too long: may not be more than {ANNOTATIONS_MAX_BYTES} bytes"
                        ),
                    )
                    .help(format!("the annotations add up to {total} bytes")),
            );
        }
    }

    fn metadata(&mut self, meta: Option<NodeId>, prefix: &str) {
        let Some(meta) = meta else { return };
        let doc = self.cx.obj.doc;
        self.labels(doc.get(meta, "labels"), &format!("{prefix}metadata.labels"));
        self.annotations(
            doc.get(meta, "annotations"),
            &format!("{prefix}metadata.annotations"),
        );
    }

    fn label_selector(&mut self, sel: Option<NodeId>, path: &str) {
        let Some(sel) = sel else { return };
        let doc = self.cx.obj.doc;
        self.labels(doc.get(sel, "matchLabels"), &format!("{path}.matchLabels"));
        let Some(me) = doc.get(sel, "matchExpressions") else {
            return;
        };
        for (i, &e) in doc.items(me).iter().enumerate() {
            if let Some(k) = doc.get(e, "key")
                && let Some(key) = self.text(k)
            {
                let key = key.to_string();
                self.report(
                    k,
                    &format!("{path}.matchExpressions[{i}].key"),
                    &key,
                    label_key_errors(&key),
                    "selector key",
                );
            }
            if let Some(vals) = doc.get(e, "values") {
                for (j, &v) in doc.items(vals).iter().enumerate() {
                    if let Some(val) = self.text(v) {
                        let val = val.to_string();
                        self.report(
                            v,
                            &format!("{path}.matchExpressions[{i}].values[{j}]"),
                            &val,
                            label_value_errors(&val),
                            "selector value",
                        );
                    }
                }
            }
        }
    }
}

impl Rule for InvalidLabel {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, cx: &ObjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let obj = cx.obj;
        let doc = obj.doc;
        let mut ck = Checker { cx, out };
        ck.metadata(obj.metadata(), "");
        let spec = obj.spec();
        if obj.is("", "Service") {
            ck.labels(spec.and_then(|s| doc.get(s, "selector")), "spec.selector");
        }
        let Some(w) = cx.file.settings.workload(&obj) else {
            return;
        };
        if w.template.last() == Some(&"template") {
            let t = doc.path(obj.root, w.template);
            ck.metadata(
                t.and_then(|t| doc.get(t, "metadata")),
                &format!("{}.", w.template.join(".")),
            );
        }
        let selector = spec.and_then(|s| doc.get(s, "selector"));
        match w.selector {
            workload::SelectorKind::Label { .. } | workload::SelectorKind::Generated => {
                ck.label_selector(selector, "spec.selector")
            }
            workload::SelectorKind::Map => ck.labels(selector, "spec.selector"),
            _ => {}
        }
    }
}
