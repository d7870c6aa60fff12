use super::{FixAvailability, ObjectContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};

static META: RuleMeta = RuleMeta {
    id: "probe-port-not-found",
    severity: Severity::Error,
    fix: FixAvailability::None,
    scope: Scope::Object,
    summary: "a probe on a named port that its container does not declare",
    doc: include_str!("../../rules/probe-port-not-found.md"),
};

pub struct ProbePortNotFound;

const PROBES: &[&str] = &["livenessProbe", "readinessProbe", "startupProbe"];

impl Rule for ProbePortNotFound {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, cx: &ObjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(spec) = super::duplicate_env::pod_spec(cx) else {
            return;
        };
        let doc = cx.obj.doc;
        for list in ["containers", "initContainers"] {
            let Some(cs) = doc.get(spec, list) else {
                continue;
            };
            for &c in doc.items(cs) {
                let names: Vec<&str> = doc
                    .get(c, "ports")
                    .map(|ps| {
                        doc.items(ps)
                            .iter()
                            .filter_map(|&p| doc.get(p, "name").and_then(|n| doc.str(n)))
                            .collect()
                    })
                    .unwrap_or_default();
                let container = doc.get(c, "name").and_then(|n| doc.str(n)).unwrap_or("?");
                for probe in PROBES {
                    for handler in ["httpGet", "tcpSocket"] {
                        let Some(port) = doc.path(c, &[probe, handler, "port"]) else {
                            continue;
                        };
                        // a name (a number is fine whether declared or not; digits in
                        // quotes are no valid name at all: invalid-port's)
                        let Some(name) = doc.str(port) else { continue };
                        if name.is_empty() || name.bytes().all(|b| b.is_ascii_digit()) {
                            continue;
                        }
                        if names.contains(&name) {
                            continue;
                        }
                        let mut d = cx.diag(
                            &META,
                            doc.span(port),
                            format!(
                                "{probe} of container `{container}` uses port `{name}`, which the container does not declare"
                            ),
                        );
                        d = match doc.get_entry(c, "ports") {
                            Some((k, _)) => d
                                .related(cx.file.at(doc.span(k)), "the container's ports")
                                .help(if names.is_empty() {
                                    "name one of the container's ports so, or use its number".to_string()
                                } else {
                                    format!(
                                        "the container's named ports are {}; use one of them, or the port's number",
                                        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                                    )
                                }),
                            None => d.help("the container declares no ports: add one with this name, or use the port's number"),
                        };
                        out.push(d);
                    }
                }
            }
        }
    }
}
