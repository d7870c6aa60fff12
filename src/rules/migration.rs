//! Moving an object off a deprecated or removed apiVersion (k8s-facts.md 6.1 and 6.2): the
//! fix of `removed-api-version` and `deprecated-api-version`, which `kure migrate` applies.
//!
//! One fix per object, made of byte-range edits: the `apiVersion`, and what the replacement
//! needs (a workload's selector where the old version defaulted it, the old defaults
//! written out where apps/v1 changed them, an Ingress's backends and `pathType`, an HPA's
//! metrics). Its targets are exactly the paths it changes, so the verifier still holds the
//! rest of the object to its meaning. Rows the table marks as reported are never rewritten:
//! the error says what to do.

use crate::fix::{
    Applicability, Edit, Expect, Fix, insert_after, insert_first, line_start, newline_at,
    plain_or_quoted, remove_entry, rename_key, step_of,
};
use crate::model::Object;
use crate::model::api_versions::{How, Row};
use crate::model::selector::string_pairs;
use crate::yaml::resolve::Reader;
use crate::yaml::value::{self, Path, Value};
use crate::yaml::{Document, NodeId, NodeKind};

/// The text an object is in, and how it is read.
pub struct Source<'a> {
    pub text: &'a str,
    pub doc: &'a Document,
    pub doc_index: usize,
    pub reader: Reader,
}

/// The edits, the paths they change, and what those paths hold afterwards.
struct Plan<'a> {
    src: &'a Source<'a>,
    prefix: Path,
    edits: Vec<Edit>,
    targets: Vec<Path>,
    expect: Vec<(Path, Expect)>,
    /// Lines to add at the top of `spec`, in one edit.
    spec_lines: Vec<(usize, String)>,
}

impl Plan<'_> {
    fn path(&self, rest: &[&str]) -> Path {
        let mut p = self.prefix.clone();
        p.extend(rest.iter().map(|s| s.to_string()));
        p
    }

    fn target(&mut self, path: Path, expect: Expect) {
        self.targets.push(path.clone());
        self.expect.push((path, expect));
    }

    fn node_path(&self, key: NodeId) -> Result<Path, String> {
        self.src
            .doc
            .path_to(key, self.src.reader)
            .ok_or_else(|| "kure cannot name a path of it".to_string())
    }
}

/// The fix that moves `obj` to the row's replacement; `Err` says why it cannot, and what
/// to do instead. `old_defaults` writes out the defaults the old version had where the
/// replacement changed them, so the object behaves as before.
pub fn migrate(
    src: &Source<'_>,
    obj: &Object<'_>,
    row: &Row,
    old_defaults: bool,
    applicability: Applicability,
) -> Result<Fix, String> {
    let replacement = match (row.how, row.replacement) {
        (How::Report(advice), _) => return Err(advice.to_string()),
        (_, Some(r)) => r,
        (_, None) => return Err("it has no replacement".to_string()),
    };
    let doc = src.doc;
    let mut plan = Plan {
        src,
        prefix: doc.path_to(obj.root, src.reader).unwrap_or_default(),
        edits: Vec::new(),
        targets: Vec::new(),
        expect: Vec::new(),
        spec_lines: Vec::new(),
    };
    let (_, v) = doc
        .get_entry(obj.root, "apiVersion")
        .ok_or("it has no `apiVersion`")?;
    plan.edits
        .push(replace_scalar(src.text, doc, v, replacement)?);
    let p = plan.path(&["apiVersion"]);
    plan.target(
        p,
        Expect::Str {
            value: replacement.to_string(),
            or_at: None,
        },
    );
    match row.how {
        How::Workload => workload(&mut plan, obj, row.api_version, old_defaults)?,
        How::Ingress => ingress(&mut plan, obj)?,
        How::HpaV2beta1 => hpa(&mut plan, obj)?,
        How::ApiVersion if obj.kind == "PodDisruptionBudget" => {
            let empty = doc
                .path(obj.root, &["spec", "selector"])
                .is_some_and(|s| doc.is_map(s) && doc.raw_entries(s).is_empty());
            if empty {
                return Err(
                    "its empty selector selects no pods in policy/v1beta1 and every pod in policy/v1: write the selector you mean, then migrate"
                        .to_string(),
                );
            }
        }
        _ => {}
    }
    if !plan.spec_lines.is_empty() {
        let spec = obj.spec().ok_or("it has no `spec`")?;
        let edit = insert_first(src.text, doc, spec, &plan.spec_lines)
            .ok_or("its `spec` is not a block mapping kure can add lines to; migrate it by hand")?;
        plan.edits.push(edit);
    }
    let mut fix = Fix::new(
        applicability,
        format!("move it to {replacement}"),
        plan.edits,
        src.doc_index,
        plan.targets,
    );
    for (p, e) in plan.expect {
        fix = fix.expecting(p, e);
    }
    Ok(fix)
}

/// The edit that makes a scalar read `to`, keeping its quotes.
fn replace_scalar(text: &str, doc: &Document, node: NodeId, to: &str) -> Result<Edit, String> {
    let span = doc.span(node);
    let written = text.get(span.start..span.end).unwrap_or_default();
    let content = match written.chars().next() {
        Some(q @ ('"' | '\'')) => format!("{q}{to}{q}"),
        _ if doc.scalar(node).is_some() => to.to_string(),
        _ => return Err("its `apiVersion` is not a plain value".to_string()),
    };
    Ok(Edit::replace(span, content))
}

/// A workload to apps/v1 (k8s-facts.md 6.2).
fn workload(
    plan: &mut Plan<'_>,
    obj: &Object<'_>,
    from: &str,
    old_defaults: bool,
) -> Result<(), String> {
    let doc = plan.src.doc;
    let text = plan.src.text;
    let spec = obj.spec().ok_or("it has no `spec`")?;
    if !doc.is_map(spec) {
        return Err("its `spec` is not a mapping".to_string());
    }
    let has = |k: &str| doc.get(spec, k).is_some();
    // the old versions defaulted the selector from the template labels; apps/v1 requires it
    if !has("selector") {
        let labels = doc
            .path(spec, &["template", "metadata", "labels"])
            .map(|l| string_pairs(doc, l))
            .unwrap_or_default();
        if labels.is_empty() {
            return Err(
                "it has no `spec.selector`, and its pod template no labels to make one from"
                    .to_string(),
            );
        }
        plan.spec_lines.push((0, "selector:".to_string()));
        plan.spec_lines.push((1, "matchLabels:".to_string()));
        for (k, v) in labels {
            plan.spec_lines.push((
                2,
                format!("{}: {}", plain_or_quoted(&k), plain_or_quoted(&v)),
            ));
        }
        let p = plan.path(&["spec", "selector"]);
        plan.target(p, Expect::Present);
    }
    // fields apps/v1 no longer has
    for gone in ["rollbackTo", "templateGeneration"] {
        if let Some((k, _)) = doc.get_entry(spec, gone) {
            let removal = remove_entry(text, doc, spec, k)
                .filter(|r| !r.drops_comment)
                .ok_or_else(|| format!("`spec.{gone}` cannot be removed by editing a few bytes"))?;
            plan.edits.extend(removal.edits);
            let p = plan.path(&["spec", gone]);
            plan.target(p, Expect::Absent);
        }
    }
    if !old_defaults {
        return Ok(());
    }
    let add = |plan: &mut Plan<'_>, field: &str, value: &str| {
        if !has(field) {
            plan.spec_lines.push((0, format!("{field}: {value}")));
            let p = plan.path(&["spec", field]);
            plan.target(p, Expect::Present);
        }
    };
    match (from, obj.kind) {
        ("extensions/v1beta1", "Deployment") => {
            // no deadline, every old ReplicaSet kept, and one pod at a time
            add(plan, "progressDeadlineSeconds", "2147483647");
            add(plan, "revisionHistoryLimit", "2147483647");
            old_rolling_update(plan, spec)?;
        }
        ("apps/v1beta1", "Deployment") => add(plan, "revisionHistoryLimit", "2"),
        ("extensions/v1beta1", "DaemonSet") | ("apps/v1beta1", "StatefulSet")
            if !has("updateStrategy") =>
        {
            plan.spec_lines.push((0, "updateStrategy:".to_string()));
            plan.spec_lines.push((1, "type: OnDelete".to_string()));
            let p = plan.path(&["spec", "updateStrategy"]);
            plan.target(p, Expect::Present);
        }
        _ => {}
    }
    Ok(())
}

/// extensions/v1beta1 rolled Deployments with `maxSurge: 1` and `maxUnavailable: 1`; apps/v1
/// with 25 % each.
fn old_rolling_update(plan: &mut Plan<'_>, spec: NodeId) -> Result<(), String> {
    let doc = plan.src.doc;
    let text = plan.src.text;
    let by_hand = "its `spec.strategy` is not a block mapping kure can add the old defaults to; write them by hand or migrate with --new-defaults";
    let Some(strategy) = doc.get(spec, "strategy") else {
        plan.spec_lines.extend([
            (0, "strategy:".to_string()),
            (1, "rollingUpdate:".to_string()),
            (2, "maxSurge: 1".to_string()),
            (2, "maxUnavailable: 1".to_string()),
        ]);
        let p = plan.path(&["spec", "strategy"]);
        plan.target(p, Expect::Present);
        return Ok(());
    };
    if !matches!(
        doc.path_str(strategy, &["type"]),
        None | Some("RollingUpdate")
    ) {
        return Ok(());
    }
    let p = plan.path(&["spec", "strategy", "rollingUpdate"]);
    match doc.get(strategy, "rollingUpdate") {
        None => {
            let edit = insert_first(
                text,
                doc,
                strategy,
                &[
                    (0, "rollingUpdate:".to_string()),
                    (1, "maxSurge: 1".to_string()),
                    (1, "maxUnavailable: 1".to_string()),
                ],
            )
            .ok_or(by_hand)?;
            plan.edits.push(edit);
            plan.target(p, Expect::Present);
        }
        Some(r) => {
            let missing: Vec<(usize, String)> = ["maxSurge", "maxUnavailable"]
                .iter()
                .filter(|k| doc.get(r, k).is_none())
                .map(|k| (0, format!("{k}: 1")))
                .collect();
            if !missing.is_empty() {
                plan.edits
                    .push(insert_first(text, doc, r, &missing).ok_or(by_hand)?);
                plan.target(p, Expect::Present);
            }
        }
    }
    Ok(())
}

/// An Ingress to networking.k8s.io/v1: `backend` → `defaultBackend`, `serviceName` and
/// `servicePort` → `service.name` and `service.port.number|name`, and the
/// `pathType: ImplementationSpecific` the old versions defaulted.
fn ingress(plan: &mut Plan<'_>, obj: &Object<'_>) -> Result<(), String> {
    let doc = plan.src.doc;
    let text = plan.src.text;
    let Some(spec) = obj.spec() else {
        return Ok(());
    };
    if let Some((k, v)) = doc.get_entry(spec, "backend") {
        if doc.get(spec, "defaultBackend").is_some() {
            return Err(
                "its spec has both `backend` and `defaultBackend`; keep one by hand".to_string(),
            );
        }
        let from = plan.node_path(k)?;
        plan.edits.push(
            rename_key(text, doc, k, "defaultBackend")
                .ok_or("its `spec.backend` key cannot be renamed by editing a few bytes")?,
        );
        backend(plan, v)?;
        let to = plan.path(&["spec", "defaultBackend"]);
        plan.targets.push(from.clone());
        plan.expect.push((from, Expect::Absent));
        plan.target(to, Expect::Present);
    }
    let rules = doc
        .get(spec, "rules")
        .map(|r| doc.items(r).to_vec())
        .unwrap_or_default();
    for rule in rules {
        let Some(paths) = doc.path(rule, &["http", "paths"]) else {
            continue;
        };
        for &item in doc.items(paths) {
            let item = doc.deref(item);
            if let Some((bk, bv)) = doc.get_entry(item, "backend") {
                backend(plan, bv)?;
                let p = plan.node_path(bk)?;
                plan.targets.push(p);
            }
            if doc.get(item, "pathType").is_none() {
                let edit = match doc.get_entry(item, "path") {
                    Some((pk, pv)) => {
                        insert_after(text, doc, pk, pv, "pathType: ImplementationSpecific")
                    }
                    None => None,
                }
                .or_else(|| before_first_key(text, doc, item, "pathType: ImplementationSpecific"))
                .ok_or("a path of it cannot take a `pathType` by editing a few bytes")?;
                plan.edits.push(edit);
                let mut p = plan.node_path(doc.raw_entries(item).first().map_or(item, |e| e.0))?;
                p.pop();
                p.push("pathType".to_string());
                plan.target(
                    p,
                    Expect::Str {
                        value: "ImplementationSpecific".to_string(),
                        or_at: None,
                    },
                );
            }
        }
    }
    Ok(())
}

/// A line written before the first key of a block mapping (on the line of a sequence
/// item's dash, the key then moves to the next line).
fn before_first_key(text: &str, doc: &Document, map: NodeId, line: &str) -> Option<Edit> {
    let &(k, _) = doc.raw_entries(map).first()?;
    if !matches!(doc.node(map).kind, NodeKind::Map { flow: false, .. }) {
        return None;
    }
    let ks = doc.span(k).start;
    let prefix = text.get(line_start(text, ks)..ks)?;
    if !prefix.bytes().all(|b| b == b' ' || b == b'-') {
        return None;
    }
    let indent = " ".repeat(prefix.chars().count());
    let nl = newline_at(text, ks);
    Some(Edit::insert(ks, format!("{line}{nl}{indent}")))
}

/// A v1beta1 Ingress backend (`serviceName`, `servicePort`) as a v1 one (`service.name`,
/// `service.port.number` or `.name`). A `resource` backend stays.
fn backend(plan: &mut Plan<'_>, b: NodeId) -> Result<(), String> {
    let doc = plan.src.doc;
    let text = plan.src.text;
    if doc.deref(b) != b || doc.is_aliased(b) {
        return Err(
            "a backend is shared through a YAML anchor and alias (`&name` … `*name`); write a copy of it in each place instead of the alias, then migrate".to_string(),
        );
    }
    let name = doc.get_entry(b, "serviceName");
    let port = doc.get_entry(b, "servicePort");
    let (Some((nk, nv)), Some((pk, pv))) = (name, port) else {
        if name.is_some() || port.is_some() {
            return Err(
                "a backend of it has `serviceName` or `servicePort` without the other".to_string(),
            );
        }
        return Ok(());
    };
    let service = doc
        .str(nv)
        .ok_or("a backend's `serviceName` is not a string")?;
    let port_line = match value::value(doc, pv, plan.src.reader) {
        Value::Int(n) => format!("number: {n}"),
        // a string is a port name, even one of digits: Kubernetes' own conversion makes
        // `servicePort: "80"` `port.name: "80"`
        Value::Str(s) => format!("name: {}", plain_or_quoted(&s)),
        _ => return Err("a backend's `servicePort` is neither a number nor a name".to_string()),
    };
    let NodeKind::Map { flow, entries } = &doc.node(b).kind else {
        return Err("a backend is not a mapping".to_string());
    };
    if *flow {
        if entries.len() != 2 {
            return Err("a flow-style backend with other keys; migrate it by hand".to_string());
        }
        let (p, rest) = port_line.split_once(": ").unwrap_or(("number", ""));
        plan.edits.push(Edit::replace(
            doc.span(b),
            format!(
                "{{service: {{name: {}, port: {{{p}: {rest}}}}}}}",
                plain_or_quoted(service)
            ),
        ));
        return Ok(());
    }
    // the new block takes the place of the entry that has a comment after it (which then
    // ends its last line); the other entry goes
    let trailing = |k: NodeId, v: NodeId| {
        let end = doc.span(v).end.max(doc.span(k).end);
        text.get(end..crate::fix::line_end(text, end))
            .is_some_and(|rest| rest.contains('#'))
    };
    let ((keep_k, keep_v), (drop_k, _)) = match (trailing(nk, nv), trailing(pk, pv)) {
        (true, true) => {
            return Err(
                "both `serviceName` and `servicePort` of a backend have comments; migrate it by hand"
                    .to_string(),
            );
        }
        (false, true) => ((pk, pv), (nk, nv)),
        _ => ((nk, nv), (pk, pv)),
    };
    let ks = doc.span(keep_k).start;
    let col = ks - line_start(text, ks);
    let step = step_of(text, doc, b, col);
    let nl = newline_at(text, ks);
    let pad1 = " ".repeat(col + step);
    let pad2 = " ".repeat(col + 2 * step);
    let written = format!(
        "service:{nl}{pad1}name: {}{nl}{pad1}port:{nl}{pad2}{port_line}",
        plain_or_quoted(service)
    );
    let end = doc.span(keep_v).end.max(doc.span(keep_k).end);
    if text.get(ks..end).is_none_or(|s| s.contains('\n')) {
        return Err("a backend's service spans lines; migrate it by hand".to_string());
    }
    plan.edits
        .push(Edit::replace(crate::source::Span::new(ks, end), written));
    let removal = remove_entry(text, doc, b, drop_k)
        .filter(|r| !r.drops_comment)
        .ok_or("a backend's service cannot be rewritten without losing a comment beside it")?;
    plan.edits.extend(removal.edits);
    Ok(())
}

/// An autoscaling/v2beta1 HPA's metrics in the autoscaling/v2 shape (k8s-facts.md 6.1,
/// `pkg/apis/autoscaling/v2beta1/conversion.go`).
fn hpa(plan: &mut Plan<'_>, obj: &Object<'_>) -> Result<(), String> {
    let doc = plan.src.doc;
    let text = plan.src.text;
    let Some((mk, metrics)) = obj.spec().and_then(|s| doc.get_entry(s, "metrics")) else {
        return Ok(());
    };
    for &m in doc.items(metrics) {
        let m = doc.deref(m);
        let kind = doc.path_str(m, &["type"]).ok_or("a metric has no `type`")?;
        let key = match kind {
            "Resource" => "resource",
            "Pods" => "pods",
            "Object" => "object",
            "External" => "external",
            "ContainerResource" => "containerResource",
            other => return Err(format!("a metric of type `{other}` kure does not know")),
        };
        let inner = doc
            .get(m, key)
            .map(|i| doc.deref(i))
            .ok_or_else(|| format!("a `{kind}` metric has no `{key}`"))?;
        let entries = doc.raw_entries(inner);
        let Some(&(first, _)) = entries.first() else {
            return Err(format!("a `{kind}` metric's `{key}` is empty"));
        };
        if !matches!(doc.node(inner).kind, NodeKind::Map { flow: false, .. }) {
            return Err(format!(
                "a `{kind}` metric's `{key}` is in flow style; migrate it by hand"
            ));
        }
        let ks = doc.span(first).start;
        let col = ks - line_start(text, ks);
        let step = step_of(text, doc, inner, col);
        let end = entries
            .iter()
            .map(|&(k, v)| doc.span(v).end.max(doc.span(k).end))
            .max()
            .unwrap_or(ks);
        let end = ks + text.get(ks..end).unwrap_or_default().trim_end().len();
        if text.get(ks..end).is_some_and(|s| s.contains('#')) {
            return Err(format!(
                "a `{kind}` metric has comments inside; migrate it by hand"
            ));
        }
        let get = |k: &str| doc.get(inner, k);
        for &(k, _) in entries {
            let known: &[&str] = match kind {
                "Resource" => &["name", "targetAverageUtilization", "targetAverageValue"],
                "ContainerResource" => &[
                    "name",
                    "container",
                    "targetAverageUtilization",
                    "targetAverageValue",
                ],
                "Pods" => &["metricName", "selector", "targetAverageValue"],
                "Object" => &[
                    "target",
                    "metricName",
                    "selector",
                    "targetValue",
                    "averageValue",
                ],
                _ => &[
                    "metricName",
                    "metricSelector",
                    "targetValue",
                    "targetAverageValue",
                ],
            };
            let name = doc.str(k).unwrap_or_default();
            if !known.contains(&name) {
                return Err(format!(
                    "a `{kind}` metric has `{name}`, which kure does not know"
                ));
            }
        }
        let copy = |n: NodeId, depth: usize| copy_value(text, doc, n, col + depth * step);
        let mut lines: Vec<String> = Vec::new();
        let nl = newline_at(text, ks);
        let pad = |depth: usize| " ".repeat(depth * step);
        let entry = |lines: &mut Vec<String>, depth: usize, k: &str, n: NodeId| {
            lines.push(format!("{}{k}:{}", pad(depth), copy(n, depth + 1)));
        };
        let target = |lines: &mut Vec<String>, ty: &str, field: &str, n: NodeId| {
            lines.push("target:".to_string());
            lines.push(format!("{}type: {ty}", pad(1)));
            lines.push(format!("{}{field}:{}", pad(1), copy(n, 2)));
        };
        match kind {
            "Resource" | "ContainerResource" => {
                for k in ["name", "container"] {
                    if let Some(n) = get(k) {
                        entry(&mut lines, 0, k, n);
                    }
                }
                if let Some(n) = get("targetAverageUtilization") {
                    target(&mut lines, "Utilization", "averageUtilization", n);
                } else if let Some(n) = get("targetAverageValue") {
                    target(&mut lines, "AverageValue", "averageValue", n);
                }
            }
            _ => {
                if let Some(n) = get("target") {
                    entry(&mut lines, 0, "describedObject", n);
                }
                let name = get("metricName")
                    .ok_or_else(|| format!("a `{kind}` metric has no `metricName`"))?;
                lines.push("metric:".to_string());
                entry(&mut lines, 1, "name", name);
                if let Some(n) = get("selector").or_else(|| get("metricSelector")) {
                    entry(&mut lines, 1, "selector", n);
                }
                if let Some(n) = get("averageValue").or_else(|| get("targetAverageValue")) {
                    target(&mut lines, "AverageValue", "averageValue", n);
                } else if let Some(n) = get("targetValue") {
                    target(&mut lines, "Value", "value", n);
                }
            }
        }
        let indent = " ".repeat(col);
        let body = lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                if i == 0 {
                    l.clone()
                } else {
                    format!("{indent}{l}")
                }
            })
            .collect::<Vec<_>>()
            .join(nl);
        plan.edits
            .push(Edit::replace(crate::source::Span::new(ks, end), body));
    }
    let p = plan.node_path(mk)?;
    plan.targets.push(p);
    Ok(())
}

/// A value written after `key:` at a new indentation: ` value` for a scalar or a flow
/// collection, or its block lines moved to column `col`.
fn copy_value(text: &str, doc: &Document, n: NodeId, col: usize) -> String {
    let n = doc.deref(n);
    let span = doc.span(n);
    let written = text
        .get(span.start..span.end)
        .unwrap_or_default()
        .trim_end();
    let block = match &doc.node(n).kind {
        NodeKind::Map { flow, entries } => !flow && !entries.is_empty(),
        NodeKind::Seq { items } => !items.is_empty() && !written.starts_with('['),
        _ => false,
    };
    if !block {
        return format!(" {written}");
    }
    let old = span.start - line_start(text, span.start);
    let nl = newline_at(text, span.start);
    let pad = " ".repeat(col);
    let mut out = String::new();
    for (i, line) in written.split('\n').enumerate() {
        let line = line.trim_end_matches('\r');
        let body = if i == 0 {
            line
        } else {
            let spaces = line.len() - line.trim_start_matches(' ').len();
            &line[spaces.min(old)..]
        };
        out.push_str(nl);
        out.push_str(&pad);
        out.push_str(body);
    }
    out
}
