use super::schema::{self, Problem};
use super::{FixAvailability, ObjectContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::{Applicability, Edit, Expect, Fix};
use crate::yaml::Style;

static META: RuleMeta = RuleMeta {
    id: "invalid-enum-value",
    severity: Severity::Error,
    fix: FixAvailability::Sometimes,
    scope: Scope::Object,
    summary: "a value the API server does not accept for its field, such as `imagePullPolicy: always`",
    doc: include_str!("../../rules/invalid-enum-value.md"),
};

pub struct InvalidEnumValue;

impl Rule for InvalidEnumValue {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, cx: &ObjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let doc = cx.obj.doc;
        let checked = schema::of(cx);
        for p in &checked.problems {
            let Problem::NotInEnum {
                node,
                path,
                allowed,
            } = p
            else {
                continue;
            };
            let Some((value, style, _)) = doc.scalar_parts(*node) else {
                continue;
            };
            let list = allowed
                .iter()
                .map(|a| format!("\"{a}\""))
                .collect::<Vec<_>>()
                .join(", ");
            let same_but_case = allowed
                .iter()
                .find(|a| a.eq_ignore_ascii_case(value) && !a.is_empty());
            let message =
                format!("{path}: Unsupported value: \"{value}\": supported values: {list}");
            // against a catalog's schema, a value may be newer than the catalog: a warning,
            // unless it is a known value but for case
            let mut d = if checked.by_catalog() && same_but_case.is_none() {
                cx.diag_at_most(&META, Severity::Warning, doc.span(*node), message)
            } else {
                cx.diag(&META, doc.span(*node), message)
            };
            let note = checked.catalog_note(&cx.obj);
            d = match same_but_case {
                Some(a) => {
                    let fix = recase(cx, *node, style, a);
                    d.help(format!("write `{a}`: the values are case-sensitive{note}"))
                        .fix(fix)
                }
                None => d.help(format!("use one of the supported values{note}")),
            };
            out.push(d);
        }
    }
}

/// The value written with the case the API server expects, in the same quoting.
fn recase(
    cx: &ObjectContext<'_>,
    node: crate::yaml::NodeId,
    style: Style,
    to: &str,
) -> Option<Fix> {
    let doc = cx.obj.doc;
    let written = match style {
        Style::Plain => to.to_string(),
        Style::Double => format!("\"{to}\""),
        Style::Single => format!("'{to}'"),
        _ => return None,
    };
    let path = doc.path_to(node, cx.file.reader)?;
    let mut fix = Fix::new(
        Applicability::Safe,
        format!("write `{to}`"),
        vec![Edit::replace(doc.span(node), written)],
        cx.doc_index,
        vec![path.clone()],
    );
    fix.expect = vec![(
        path,
        Expect::Str {
            value: to.to_string(),
            or_at: None,
        },
    )];
    Some(fix)
}
