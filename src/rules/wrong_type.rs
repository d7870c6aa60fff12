use super::schema::{self, Problem};
use super::{FixAvailability, ObjectContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Applicability, Edit, Fix};
use crate::yaml::Style;

static META: RuleMeta = RuleMeta {
    id: "wrong-type",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    scope: Scope::Object,
    summary: "a value of the wrong type for its field, such as `replicas: \"3\"` or a mapping where a list belongs",
    doc: include_str!("../../rules/wrong-type.md"),
};

pub struct WrongType;

impl Rule for WrongType {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, cx: &ObjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let doc = cx.obj.doc;
        let checked = schema::of(cx);
        for p in &checked.problems {
            let Problem::WrongType {
                node,
                path,
                want,
                got,
            } = p
            else {
                continue;
            };
            let shown = match doc.scalar_parts(*node) {
                Some((v, _, _)) if v.len() <= 40 && !v.contains('\n') => {
                    format!(" ({})", crate::fix::quoted(v))
                }
                _ => String::new(),
            };
            let mut d = cx.diag(
                &META,
                doc.span(*node),
                format!("{path}: expected {want}, got {got}{shown}"),
            );
            d = match unquote(cx, *node, want) {
                Some(fix) => d
                    .help("remove the quotes: the field holds a number, not text")
                    .fix(Some(fix)),
                None => d.help(format!(
                    "the API server rejects the object: `{path}` must be {want}{}",
                    checked.catalog_note(&cx.obj)
                )),
            };
            out.push(d);
        }
    }
}

/// A quoted integer (or boolean) where one belongs: the quotes removed (unsafe: the value
/// then means the number, which is what the field can hold).
fn unquote(cx: &ObjectContext<'_>, node: crate::yaml::NodeId, want: &str) -> Option<Fix> {
    let doc = cx.obj.doc;
    let (v, style, tag) = doc.scalar_parts(node)?;
    if !matches!(style, Style::Single | Style::Double) || tag.is_some() {
        return None;
    }
    let fits = match want {
        "an integer" | "an integer or a string" => {
            v.parse::<i64>().is_ok() && !v.starts_with('+') && (v == "0" || !v.starts_with('0'))
        }
        "a number" => v.parse::<f64>().is_ok_and(f64::is_finite) && !v.starts_with('+'),
        "a boolean" => v == "true" || v == "false",
        _ => false,
    };
    if !fits {
        return None;
    }
    let path = doc.path_to(node, cx.file.reader)?;
    Some(Fix::new(
        Applicability::Unsafe,
        format!("write {v} without quotes"),
        vec![Edit::replace(doc.span(node), v)],
        cx.doc_index,
        vec![path],
    ))
}
