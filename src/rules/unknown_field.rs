use super::schema::{self, Problem};
use super::{FixAvailability, ObjectContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Applicability, Edit, Expect, Fix};

static META: RuleMeta = RuleMeta {
    id: "unknown-field",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    scope: Scope::Object,
    summary: "a field the object's schema does not have, which strict field validation rejects",
    doc: include_str!("../../rules/unknown-field.md"),
};

pub struct UnknownField;

/// The known field a misspelled one most likely meant: the same but for case, or within
/// a small edit distance.
pub fn nearest<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lower = name.to_ascii_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for k in known {
        let d = if k.to_ascii_lowercase() == lower {
            0
        } else {
            strsim::levenshtein(name, k)
        };
        let limit = if name.len() <= 4 {
            1
        } else {
            2.max(name.len() / 5)
        };
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, k));
        }
    }
    best.map(|(_, k)| k)
}

impl Rule for UnknownField {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, cx: &ObjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let doc = cx.obj.doc;
        let checked = schema::of(cx);
        for p in &checked.problems {
            let Problem::Unknown {
                key,
                value,
                path,
                known,
            } = p
            else {
                continue;
            };
            let Some(name) = doc.scalar(*key) else {
                continue;
            };
            let near = nearest(name, known.fields.iter().map(|f| &*f.name))
                .filter(|n| *n != name)
                // a suggestion whose type cannot hold the value is not what was meant
                .filter(|n| {
                    known.field(n).is_some_and(|f| {
                        schema::fits(doc, *value, &f.ty, cx.file.settings.kubernetes())
                    })
                });
            let message = format!("unknown field \"{path}\"");
            // against a catalog's schema, a field with no near known one may be newer than
            // the catalog: a warning; a likely misspelling stays an error
            let mut d = if checked.by_catalog() && near.is_none() {
                cx.diag_at_most(&META, Severity::Warning, doc.span(*key), message)
            } else {
                cx.diag(&META, doc.span(*key), message)
            };
            d = match near {
                Some(n) => {
                    // renaming onto a field the mapping already has would lose one of them
                    let taken = doc
                        .map_of_key(*key)
                        .is_some_and(|m| doc.get(m, n).is_some());
                    let fix = if taken { None } else { rename(cx, *key, n) };
                    d.help(format!("did you mean `{n}`?{}", checked.catalog_note(&cx.obj)))
                        .fix(fix)
                }
                None => d.help(format!(
                    "the API server rejects it under strict field validation (kubectl's default); remove it, or move it where it belongs{}",
                    checked.catalog_note(&cx.obj)
                )),
            };
            out.push(d);
        }
    }
}

/// Renames a key to `to` (unsafe: the value is then read as that field).
fn rename(cx: &ObjectContext<'_>, key: crate::yaml::NodeId, to: &str) -> Option<Fix> {
    let doc = cx.obj.doc;
    let reader = cx.file.reader;
    let from = doc.path_to(key, reader)?;
    let (_, style, _) = doc.scalar_parts(key)?;
    if style != crate::yaml::Style::Plain {
        return None;
    }
    let mut target = from.clone();
    target.pop();
    target.push(to.to_string());
    let mut fix = Fix::new(
        Applicability::Unsafe,
        format!("rename it to `{to}`"),
        vec![Edit::replace(doc.span(key), to)],
        cx.doc_index,
        vec![from.clone(), target.clone()],
    );
    fix.expect = vec![(from, Expect::Absent), (target, Expect::Present)];
    Some(fix)
}
