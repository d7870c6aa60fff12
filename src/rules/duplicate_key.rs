use super::{DocContext, FixAvailability, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::Applicability;
use crate::yaml::{NodeKind, Style};
use std::collections::HashMap;

static META: RuleMeta = RuleMeta {
    id: "duplicate-key",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    scope: Scope::Document,
    summary: "the same key written twice in one mapping",
    doc: include_str!("../../rules/duplicate-key.md"),
};

pub struct DuplicateKey;

/// What go-yaml makes of a key: keys of different types are different keys to it, even
/// when kubectl's conversion to JSON names them alike.
fn type_of(cx: &DocContext<'_>, key: crate::yaml::NodeId) -> &'static str {
    use crate::yaml::resolve::{Resolved, resolve_with};
    match cx.doc.scalar_parts(key) {
        Some((v, style, tag)) => {
            match resolve_with(cx.file.reader, v, style == Style::Plain, tag) {
                Resolved::Str => "a string",
                Resolved::Bool(_) => "a boolean",
                Resolved::Int(_) => "an integer",
                Resolved::Float(_) | Resolved::SpecialFloat(_) => "a float",
                Resolved::Null => "null",
            }
        }
        None => "a collection",
    }
}

impl Rule for DuplicateKey {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocContext<'_>, out: &mut Vec<Diagnostic>) {
        let doc = cx.doc;
        for node in &doc.nodes {
            let NodeKind::Map { entries, .. } = &node.kind else {
                continue;
            };
            if entries.len() < 2 {
                continue;
            }
            let mut first: HashMap<String, (u32, u32)> = HashMap::with_capacity(entries.len());
            for &(k, v) in entries {
                if matches!(doc.scalar_parts(k), Some(("<<", Style::Plain, None))) {
                    continue;
                }
                let Some(name) = doc.key_name_as(k, cx.file.reader) else {
                    continue;
                };
                match first.get(&name) {
                    None => {
                        first.insert(name, (k, v));
                    }
                    Some(&(k0, v0)) => {
                        let written = doc.scalar(k).unwrap_or_default();
                        let written0 = doc.scalar(k0).unwrap_or_default();
                        let line0 = cx.file.index.position(doc.span(k0).start).line;
                        let (t0, t) = (type_of(cx, k0), type_of(cx, k));
                        if t0 != t {
                            // go-yaml keeps them apart; kubectl's JSON names them alike
                            let shown = |n| {
                                let sp = doc.span(n);
                                cx.file
                                    .text()
                                    .get(sp.start..sp.end)
                                    .unwrap_or_default()
                                    .to_string()
                            };
                            out.push(
                                cx.file
                                    .diag(
                                        &META,
                                        doc.field_span(k, v),
                                        format!(
                                            "key `{}` ({t}) and key `{}` ({t0}) on line {line0} both become `{name}`; which value Kubernetes keeps is not defined, and can change from one apply to the next",
                                            shown(k),
                                            shown(k0)
                                        ),
                                    )
                                    .related(
                                        cx.file.at(doc.field_span(k0, v0)),
                                        "the other key that becomes the same name",
                                    )
                                    .help("remove one of the two, or give them different names"),
                            );
                            first.insert(name, (k, v));
                            continue;
                        }
                        let what = if written == written0 {
                            format!("key `{name}` is already set on line {line0}")
                        } else {
                            format!(
                                "key `{written}` is the same key as `{written0}` on line {line0} (both become `{name}`)"
                            )
                        };
                        let fix = cx.file.removal(
                            doc,
                            cx.doc_index,
                            k0,
                            Applicability::Unsafe,
                            format!("remove the first `{written0}` (line {line0}), whose value Kubernetes ignores"),
                        )
                        .map(|f| f.changing_nothing());
                        let d = cx
                            .file
                            .diag(
                                &META,
                                doc.field_span(k, v),
                                format!("{what}; Kubernetes keeps this later value"),
                            )
                            .related(
                                cx.file.at(doc.field_span(k0, v0)),
                                "first written here; its value is silently dropped",
                            )
                            .help("remove one of the two; kustomize refuses the file as it is")
                            .fix(fix);
                        out.push(d);
                        first.insert(name, (k, v));
                    }
                }
            }
        }
    }
}
