use super::{FixAvailability, ObjectContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::yaml::{Document, NodeId, Style};

static META: RuleMeta = RuleMeta {
    id: "invalid-port",
    severity: Severity::Error,
    fix: FixAvailability::None,
    scope: Scope::Object,
    summary: "a port number out of range, a port name the API server rejects, or port names that clash",
    doc: include_str!("../../rules/invalid-port.md"),
};

pub struct InvalidPort;

/// A port as written: a number, or a name.
enum Port<'a> {
    Number(i64),
    Name(&'a str),
}

/// `None` for a null (unset) and for a template placeholder (`${PORT}`, `{{ .port }}`),
/// filled in before apply.
fn port<'a>(doc: &'a Document, node: NodeId) -> Option<Port<'a>> {
    let (v, style, _) = doc.scalar_parts(node)?;
    if style == Style::Plain {
        if let Ok(n) = v.parse::<i64>() {
            return Some(Port::Number(n));
        }
        if crate::yaml::resolve::resolve_plain(v) == crate::yaml::resolve::Resolved::Null {
            return None;
        }
    }
    if v.contains("${") || v.contains("{{") {
        return None;
    }
    Some(Port::Name(v))
}

/// Why `name` is no DNS-1123 label (`ValidateDNS1123Label`: a Service port's name), if it
/// is not one.
fn bad_label(name: &str) -> Option<&'static str> {
    if name.len() > 63 {
        Some("must be no more than 63 characters")
    } else if !name.is_empty() && !crate::model::labels::is_dns1123_label(name) {
        Some(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
        )
    } else {
        None
    }
}

/// Why `name` is no IANA_SVC_NAME (`validation.IsValidPortName`), if it is not one.
pub fn bad_port_name(name: &str) -> Option<&'static str> {
    if name.len() > 15 {
        Some("must be no more than 15 characters")
    } else if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        Some("must contain only lowercase alphanumeric characters or '-'")
    } else if !name.bytes().any(|b| b.is_ascii_lowercase()) {
        Some("must contain at least one letter (a-z)")
    } else if name.contains("--") {
        Some("must not contain consecutive hyphens")
    } else if name.starts_with('-') || name.ends_with('-') {
        Some("must not begin or end with a hyphen")
    } else {
        None
    }
}

struct Check<'a, 'b> {
    cx: &'a ObjectContext<'b>,
    out: &'a mut Vec<Diagnostic>,
}

impl Check<'_, '_> {
    fn report(&mut self, node: NodeId, path: &dyn Fn() -> String, message: String) {
        let path = path();
        let doc = self.cx.obj.doc;
        self.out.push(
            self.cx
                .diag(
                    &META,
                    doc.span(node),
                    format!("{path}: Invalid value: {message}"),
                )
                .help("the API server rejects the object"),
        );
    }

    fn number(&mut self, node: NodeId, path: &dyn Fn() -> String, allow_zero: bool) {
        let doc = self.cx.obj.doc;
        if let Some(Port::Number(n)) = port(doc, node)
            && !((1..=65535).contains(&n) || (allow_zero && n == 0))
        {
            self.report(
                node,
                path,
                format!("{n}: must be between 1 and 65535, inclusive"),
            );
        }
    }

    fn number_or_name(&mut self, node: NodeId, path: &dyn Fn() -> String) {
        let doc = self.cx.obj.doc;
        match port(doc, node) {
            Some(Port::Number(_)) => self.number(node, path, false),
            Some(Port::Name(name)) => {
                if let Some(why) = bad_port_name(name) {
                    let also = if name.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty() {
                        " (a quoted number is a name; write the number without quotes)"
                    } else {
                        ""
                    };
                    self.report(node, path, format!("\"{name}\": {why}{also}"));
                }
            }
            None => {}
        }
    }

    /// A container port's name (an IANA service name), or a Service port's (a DNS label).
    fn name(&mut self, node: NodeId, path: &dyn Fn() -> String, service: bool) {
        let doc = self.cx.obj.doc;
        let Some(Port::Name(name)) = port(doc, node) else {
            return;
        };
        let why = if service {
            bad_label(name)
        } else {
            bad_port_name(name)
        };
        if let Some(why) = why {
            self.report(node, path, format!("\"{name}\": {why}"));
        }
    }
}

impl Rule for InvalidPort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, cx: &ObjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let obj = cx.obj;
        let doc = obj.doc;
        let mut ck = Check { cx, out };
        if obj.group().is_empty() && obj.kind == "Service" {
            let Some(ports) = obj.spec().and_then(|s| doc.get(s, "ports")) else {
                return;
            };
            let items = doc.items(ports);
            let mut names: Vec<&str> = Vec::new();
            for (i, &p) in items.iter().enumerate() {
                let at = || format!("spec.ports[{i}]");
                if let Some(n) = doc.get(p, "port") {
                    ck.number(n, &|| format!("{}.port", at()), false);
                }
                if let Some(t) = doc.get(p, "targetPort") {
                    ck.number_or_name(t, &|| format!("{}.targetPort", at()));
                }
                match doc.get_entry(p, "name") {
                    Some((_, v)) => {
                        ck.name(v, &|| format!("{}.name", at()), true);
                        if let Some(name) = doc.str(v) {
                            if names.contains(&name) {
                                ck.report(
                                    v,
                                    &|| format!("{}.name", at()),
                                    format!("\"{name}\": Duplicate value"),
                                );
                            }
                            names.push(name);
                        }
                    }
                    None if items.len() > 1 => {
                        let span = doc.span(p);
                        let first = doc
                            .raw_entries(p)
                            .first()
                            .map(|&(k, _)| doc.span(k))
                            .unwrap_or(span);
                        ck.out.push(
                            cx.diag(
                                &META,
                                first,
                                format!("{}.name: Required value: a Service with several ports names each", at()),
                            )
                            .help("give each port a `name`"),
                        );
                    }
                    None => {}
                }
            }
            return;
        }
        let Some(spec) = super::duplicate_env::pod_spec(cx) else {
            return;
        };
        let prefix = super::duplicate_env::pod_spec_path(cx);
        for list in crate::model::pod::CONTAINER_LISTS {
            let Some(cs) = doc.get(spec, list) else {
                continue;
            };
            for (ci, &c) in doc.items(cs).iter().enumerate() {
                let at = || format!("{prefix}.{list}[{ci}]");
                // names are unique within a container (`validateContainerPorts`)
                let mut names: Vec<&str> = Vec::new();
                if let Some(ps) = doc.get(c, "ports") {
                    for (pi, &p) in doc.items(ps).iter().enumerate() {
                        let pat = || format!("{}.ports[{pi}]", at());
                        if let Some(n) = doc.get(p, "containerPort") {
                            ck.number(n, &|| format!("{}.containerPort", pat()), false);
                        }
                        if let Some(n) = doc.get(p, "hostPort") {
                            ck.number(n, &|| format!("{}.hostPort", pat()), true);
                        }
                        if let Some(v) = doc.get(p, "name") {
                            ck.name(v, &|| format!("{}.name", pat()), false);
                            if let Some(name) = doc.str(v) {
                                if names.contains(&name) {
                                    ck.report(
                                        v,
                                        &|| format!("{}.name", pat()),
                                        format!("\"{name}\": Duplicate value"),
                                    );
                                }
                                names.push(name);
                            }
                        }
                    }
                }
                for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                    for handler in ["httpGet", "tcpSocket"] {
                        if let Some(n) = doc.path(c, &[probe, handler, "port"]) {
                            ck.number_or_name(n, &|| format!("{}.{probe}.{handler}.port", at()));
                        }
                    }
                    if let Some(n) = doc.path(c, &[probe, "grpc", "port"]) {
                        ck.number(n, &|| format!("{}.{probe}.grpc.port", at()), false);
                    }
                }
            }
        }
    }
}
