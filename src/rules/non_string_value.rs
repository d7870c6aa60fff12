use super::{FixAvailability, ObjectContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Applicability, Expect, Fix, quote_scalar, quoted};
use crate::model::{pod, workload};
use crate::yaml::resolve::{Reader, Resolved, resolve, resolve_with};
use crate::yaml::{NodeId, Style};

static META: RuleMeta = RuleMeta {
    id: "non-string-value",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    scope: Scope::Object,
    summary: "a plain scalar that Kubernetes' YAML 1.1 reads as a boolean, number or null where a string is needed",
    doc: include_str!("../../rules/non-string-value.md"),
};

pub struct NonStringValue;

/// What a message calls the field a scalar sits in.
#[derive(Clone, Copy)]
struct Field {
    what: &'static str,
}

const LABELS: Field = Field {
    what: "labels need",
};
const ANNOTATIONS: Field = Field {
    what: "annotations need",
};
const SELECTOR: Field = Field {
    what: "selectors need",
};
const NODE_SELECTOR: Field = Field {
    what: "`nodeSelector` needs",
};
const ENV: Field = Field {
    what: "env values need",
};
const ARGS: Field = Field {
    what: "`command` and `args` need",
};
const DATA: Field = Field {
    what: "`data` needs",
};
const CONFIGURED: Field = Field {
    what: "this field (a string field in `.kure.yaml`) needs",
};

struct Checker<'a, 'b> {
    cx: &'a ObjectContext<'b>,
    out: &'a mut Vec<Diagnostic>,
    seen: Vec<usize>,
}

impl Checker<'_, '_> {
    fn scalar(&mut self, node: NodeId, what: &str, is_key: bool) {
        let doc = self.cx.obj.doc;
        let node = doc.deref(node);
        let Some((value, style, tag)) = doc.scalar_parts(node) else {
            return;
        };
        let plain = style == Style::Plain;
        let v11 = resolve(value, plain, tag);
        if v11.is_str() || (!is_key && v11 == Resolved::Null) {
            return;
        }
        let span = doc.span(node);
        if self.seen.contains(&span.start) {
            return;
        }
        self.seen.push(span.start);
        let reader = self.cx.file.reader;
        let v12 = resolve_with(reader, value, plain, tag);
        let severity = if reader == Reader::Kustomize && v12.is_str() {
            Severity::Warning
        } else {
            Severity::Error
        };
        let shown = if value.is_empty() {
            "~".to_string()
        } else {
            value.to_string()
        };
        let becomes = match &v11 {
            Resolved::SpecialFloat(_) => format!("{v11}, which cannot be converted to JSON"),
            _ => v11.to_string(),
        };
        let mut message = if is_key {
            match v11.key_string() {
                Some(k) => format!(
                    "key `{shown}` is read as {becomes} and becomes `\"{k}\"`; {} a string key",
                    what
                ),
                None => format!("key `{shown}` is read as {becomes}; {} a string key", what),
            }
        } else {
            format!("`{shown}` is read as {becomes}; {} a string", what)
        };
        if severity == Severity::Warning {
            message.push_str(" (kustomize reads it as a string, kubectl -f does not)");
        }
        let text = self.cx.file.text();
        let fix = quote_scalar(text, doc, node).and_then(|edit| {
            let path = doc.path_to(node, reader)?;
            let mut targets = vec![path.clone()];
            let mut expect = Vec::new();
            if is_key {
                // the key's entry moves from its typed name to its written one; the typed
                // name must be left empty (not taken over by another key's value)
                let mut to = path.clone();
                to.pop();
                to.push(value.to_string());
                targets.push(to.clone());
                if to != path {
                    expect.push((path, Expect::Absent));
                }
                expect.push((to, Expect::Present));
            } else {
                // the value's own key may be quoted by another fix of the same pass (`on: yes`),
                // which moves the value from the key's typed name to its written one
                let or_at = doc
                    .entry_of_value(node)
                    .and_then(|(_, k, _)| doc.scalar_parts(k))
                    .filter(|(_, style, tag)| *style == Style::Plain && tag.is_none())
                    .map(|(k, _, _)| k.to_string())
                    .filter(|k| path.last() != Some(k))
                    .map(|k| {
                        let mut alt = path.clone();
                        alt.pop();
                        alt.push(k);
                        alt
                    });
                let value = value.to_string();
                expect.push((path, Expect::Str { value, or_at }));
            }
            let mut fix = Fix::new(
                Applicability::Safe,
                format!("quote `{value}` as {}", edit.content),
                vec![edit],
                self.cx.doc_index,
                targets,
            );
            fix.expect = expect;
            Some(fix)
        });
        let d = self
            .cx
            .diag_at_most(&META, severity, span, message)
            .help(format!("quote it: `{}`", quoted(value)))
            .fix(fix);
        self.out.push(d);
    }

    fn string_map(&mut self, map: Option<NodeId>, field: Field) {
        let Some(map) = map else { return };
        let doc = self.cx.obj.doc;
        for &(k, v) in doc.effective(map).iter() {
            if matches!(doc.scalar_parts(k), Some(("<<", Style::Plain, None))) {
                continue;
            }
            self.scalar(k, field.what, true);
            self.scalar(v, field.what, false);
        }
    }

    fn metadata(&mut self, meta: Option<NodeId>) {
        let Some(meta) = meta else { return };
        let doc = self.cx.obj.doc;
        self.string_map(doc.get(meta, "labels"), LABELS);
        self.string_map(doc.get(meta, "annotations"), ANNOTATIONS);
    }

    fn label_selector(&mut self, sel: Option<NodeId>) {
        let Some(sel) = sel else { return };
        let doc = self.cx.obj.doc;
        self.string_map(doc.get(sel, "matchLabels"), SELECTOR);
        if let Some(me) = doc.get(sel, "matchExpressions") {
            for &e in doc.items(me) {
                if let Some(vals) = doc.get(e, "values") {
                    for &v in doc.items(vals) {
                        self.scalar(v, SELECTOR.what, false);
                    }
                }
            }
        }
    }

    fn pod_spec(&mut self, spec: Option<NodeId>) {
        let Some(spec) = spec else { return };
        let doc = self.cx.obj.doc;
        self.string_map(doc.get(spec, "nodeSelector"), NODE_SELECTOR);
        for c in pod::containers(doc, spec) {
            for v in pod::env_values(doc, c) {
                self.scalar(v, ENV.what, false);
            }
            for item in pod::command_and_args(doc, c) {
                self.scalar(item, ARGS.what, false);
            }
        }
    }

    fn template(&mut self, template: Option<NodeId>) {
        let Some(t) = template else { return };
        let doc = self.cx.obj.doc;
        self.metadata(doc.get(t, "metadata"));
        self.pod_spec(doc.get(t, "spec"));
    }
}

impl Rule for NonStringValue {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, cx: &ObjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let obj = cx.obj;
        let doc = obj.doc;
        let mut ck = Checker {
            cx,
            out,
            seen: Vec::new(),
        };
        ck.metadata(obj.metadata());
        let spec = obj.spec();
        match (obj.group(), obj.kind) {
            ("", "ConfigMap") => {
                ck.string_map(doc.get(obj.root, "data"), DATA);
            }
            ("", "Secret") => {
                ck.string_map(doc.get(obj.root, "data"), DATA);
                ck.string_map(
                    doc.get(obj.root, "stringData"),
                    Field {
                        what: "`stringData` needs",
                    },
                );
            }
            ("", "Service") => {
                ck.string_map(spec.and_then(|s| doc.get(s, "selector")), SELECTOR);
            }
            ("", "Pod") => ck.pod_spec(spec),
            _ => {}
        }
        if let Some(w) = cx.file.settings.workload(&obj) {
            if w.labels_at == workload::LabelsAt::Metadata && !w.template.is_empty() {
                ck.template(doc.path(obj.root, w.template));
            }
            let selector = spec.and_then(|s| doc.get(s, "selector"));
            match w.selector {
                workload::SelectorKind::Label { .. } | workload::SelectorKind::Generated => {
                    ck.label_selector(selector)
                }
                workload::SelectorKind::Map => ck.string_map(selector, SELECTOR),
                _ => {}
            }
            for m in w.nested_metadata(&obj) {
                ck.metadata(Some(m));
            }
        }
        // every other string field the object's schema knows
        for p in &super::schema::of(cx).problems {
            if let super::schema::Problem::NotString { node, path } = p {
                ck.scalar(*node, &format!("`{path}` needs"), false);
            }
        }
        for f in cx.file.settings.string_fields() {
            if f.kind != obj.kind || f.group.as_deref().is_some_and(|g| g != obj.group()) {
                continue;
            }
            for (_, steps) in &f.paths {
                let mut at = vec![obj.root];
                for step in steps {
                    at = match step.as_str() {
                        "[]" => at.iter().flat_map(|&n| doc.items(n).to_vec()).collect(),
                        "*" => at
                            .iter()
                            .flat_map(|&n| {
                                doc.effective(n).iter().map(|&(_, v)| v).collect::<Vec<_>>()
                            })
                            .collect(),
                        name => at.iter().filter_map(|&n| doc.get(n, name)).collect(),
                    };
                }
                for n in at {
                    ck.scalar(n, CONFIGURED.what, false);
                }
            }
        }
    }
}
