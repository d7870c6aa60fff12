use super::schema::{self, Problem};
use super::{FixAvailability, ObjectContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Span;

static META: RuleMeta = RuleMeta {
    id: "missing-required-field",
    severity: Severity::Error,
    fix: FixAvailability::None,
    scope: Scope::Object,
    summary: "a required field is absent, such as a container without `image` or a Service port without `port`",
    doc: include_str!("../../rules/missing-required-field.md"),
};

pub struct MissingRequiredField;

impl Rule for MissingRequiredField {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, cx: &ObjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let doc = cx.obj.doc;
        let checked = schema::of(cx);
        for p in &checked.problems {
            let Problem::Missing {
                at,
                key,
                path,
                field,
            } = p
            else {
                continue;
            };
            if let Some(k) = key {
                out.push(
                    cx.diag(
                        &META,
                        doc.span(*k),
                        format!("{path}: Required value: `{field}` is null"),
                    )
                    .help(format!(
                        "the API server reads null as an empty `{field}` and rejects it; give it a value"
                    )),
                );
                continue;
            }
            // where the field belongs: the key holding the mapping, or a list item's first
            // line, or the object's `kind`
            let whole = doc.span(*at);
            let span = if *at == cx.obj.root {
                doc.get_entry(cx.obj.root, "kind")
                    .map(|(k, v)| doc.field_span(k, v))
                    .unwrap_or(whole)
            } else if let Some((_, k, _)) = doc.entry_of_value(*at) {
                doc.span(k)
            } else {
                match doc.raw_entries(*at).first() {
                    Some(&(k, v)) => Span::new(
                        whole.start,
                        doc.field_span(k, v).end.min(line_end(cx, whole.start)),
                    ),
                    None => whole,
                }
            };
            out.push(
                cx.diag(
                    &META,
                    span,
                    format!("{path}: Required value: `{field}` is missing"),
                )
                .help(format!(
                    "the API server rejects the object without `{field}`; add it here{}",
                    checked.catalog_note(&cx.obj)
                )),
            );
        }
    }
}

fn line_end(cx: &ObjectContext<'_>, from: usize) -> usize {
    let text = cx.file.text();
    text[from.min(text.len())..]
        .find('\n')
        .map_or(text.len(), |i| from + i)
}
