use super::{FixAvailability, ObjectContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use std::sync::Arc;

static META: RuleMeta = RuleMeta {
    id: "cel-validation-failed",
    severity: Severity::Error,
    fix: FixAvailability::None,
    scope: Scope::Object,
    summary: "a custom resource that one of its schema's CEL rules (`x-kubernetes-validations`) rejects",
    doc: include_str!("../../rules/cel-validation-failed.md"),
};

pub struct CelValidationFailed;

thread_local! {
    /// One CEL environment per thread, with the Kubernetes libraries registered.
    static VALIDATOR: kube_cel::Validator = kube_cel::Validator::new();
}

/// A schema node's own rules, compiled once per run: compiling a rule costs far more than
/// evaluating it, and only the nodes an object has are ever compiled (a large CRD has
/// hundreds of rules, an object meets a few).
type Compiled = Arc<std::sync::OnceLock<Arc<kube_cel::CompiledSchema>>>;

/// The slots by schema node address, each holding the schema the node is part of, so that
/// the address names that node for as long as the slot exists.
type Slots = std::collections::HashMap<usize, (Arc<serde_json::Value>, Compiled)>;

fn compiled(
    schema: &Arc<serde_json::Value>,
    node: &serde_json::Value,
) -> Arc<kube_cel::CompiledSchema> {
    static COMPILED: std::sync::Mutex<Option<Slots>> = std::sync::Mutex::new(None);
    let key = node as *const serde_json::Value as usize;
    // the slot for this node, filled outside the lock
    let slot: Compiled = match COMPILED.lock() {
        Ok(mut all) => all
            .get_or_insert_default()
            .entry(key)
            .or_insert_with(|| (schema.clone(), Compiled::default()))
            .1
            .clone(),
        Err(_) => Arc::default(),
    };
    slot.get_or_init(|| {
        let own = own_node(node);
        // a node equal to one compiled already (the same field in another version of the
        // CRD, or in the catalog's copy of it) shares its compiled rules
        static BY_TEXT: std::sync::Mutex<Option<std::collections::HashMap<String, Compiled>>> =
            std::sync::Mutex::new(None);
        let text = own.to_string();
        let shared: Compiled = match BY_TEXT.lock() {
            Ok(mut all) => all.get_or_insert_default().entry(text).or_default().clone(),
            Err(_) => Arc::default(),
        };
        shared
            .get_or_init(|| Arc::new(kube_cel::compile_schema(&own)))
            .clone()
    })
    .clone()
}

/// A schema node as its own rules are compiled: its keys, without its children's rules
/// (evaluated at their own nodes), with what of its children decides how its value
/// converts to CEL (formats, maps, embedded resources).
fn own_node(node: &serde_json::Value) -> serde_json::Value {
    const CHILDREN: [&str; 3] = ["properties", "items", "additionalProperties"];
    let mut own: serde_json::Map<String, serde_json::Value> = node
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| {
            !CHILDREN.contains(&k.as_str())
                && !matches!(
                    k.as_str(),
                    "description" | "allOf" | "anyOf" | "oneOf" | "not"
                )
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(serde_json::Value::Object(shape)) = converts(node, 0) {
        for k in CHILDREN {
            if let Some(v) = shape.get(k) {
                own.insert(k.to_string(), v.clone());
            }
        }
    }
    serde_json::Value::Object(own)
}

/// What of a schema node decides how a value under a rule converts to CEL: a `format`
/// (`date-time`, `duration`, `byte`), a map (its keys are not field names), an embedded resource;
/// `None` when the value converts as plain JSON.
fn converts(node: &serde_json::Value, depth: usize) -> Option<serde_json::Value> {
    use serde_json::Value as J;
    let m = node.as_object()?;
    if depth > 64 {
        return None;
    }
    let mut out = serde_json::Map::new();
    for (k, v) in m {
        let kept = match (k.as_str(), v) {
            // the formats a string converts by (a timestamp, a duration, bytes)
            ("format", J::String(f)) if crate::model::cel::converts_by_format(f) => Some(v.clone()),
            // which keeps such a string a string
            ("x-kubernetes-int-or-string", _) if m.contains_key("format") => Some(v.clone()),
            ("x-kubernetes-embedded-resource", J::Bool(true)) => Some(v.clone()),
            ("additionalProperties", J::Object(_)) => {
                Some(converts(v, depth + 1).unwrap_or(J::Bool(true)))
            }
            ("additionalProperties", J::Bool(true)) => Some(J::Bool(true)),
            ("items", _) => converts(v, depth + 1),
            ("properties", J::Object(props)) => {
                let kept: serde_json::Map<String, J> = props
                    .iter()
                    .filter_map(|(p, s)| Some((p.clone(), converts(s, depth + 1)?)))
                    .collect();
                (!kept.is_empty()).then_some(J::Object(kept))
            }
            _ => None,
        };
        if let Some(kept) = kept {
            out.insert(k.clone(), kept);
        }
    }
    (!out.is_empty()).then_some(J::Object(out))
}

thread_local! {
    /// The outcomes of a node's rules by the value they were evaluated on: objects repeat
    /// small values (a path match, a parent reference) far more often than whole ones.
    static SEEN: std::cell::RefCell<std::collections::HashMap<(usize, String), Result<(), kube_cel::ValidationErrors>>> =
        std::cell::RefCell::default();
}

/// A compiled node's rules evaluated at `value`, or their outcome when this thread has
/// evaluated the same rules at an equal value. `root` (the object's `apiVersion`,
/// `apiGroup` and `kind` as variables) is given at an object's root only.
fn evaluate(
    c: &Arc<kube_cel::CompiledSchema>,
    value: &serde_json::Value,
    root: Option<&kube_cel::RootContext>,
) -> Result<(), kube_cel::ValidationErrors> {
    let run = || VALIDATOR.with(|v| v.validate_compiled_with_context(c, value, None, root));
    // an object's root is met once: not remembered
    if root.is_some() {
        return run();
    }
    let key = (Arc::as_ptr(c) as usize, value.to_string());
    if let Some(r) = SEEN.with(|m| m.borrow().get(&key).cloned()) {
        return r;
    }
    let r = run();
    SEEN.with(|m| m.borrow_mut().insert(key, r.clone()));
    r
}

/// Evaluates the rules of every schema node the object has, from `schema` (a node of
/// `whole`) at `value` (`path` names it as the API server does).
fn walk(
    whole: &Arc<serde_json::Value>,
    schema: &serde_json::Value,
    value: &serde_json::Value,
    path: &str,
    root: &kube_cel::RootContext,
    out: &mut Outcome,
    depth: usize,
) {
    use serde_json::Value as J;
    if depth > 64 {
        return;
    }
    if schema.get("x-kubernetes-validations").is_some() {
        let c = compiled(whole, schema);
        let result = evaluate(&c, value, path.is_empty().then_some(root));
        if let Err(errors) = result {
            for mut e in errors.into_vec() {
                use kube_cel::ErrorKind;
                e.field_path = match (path.is_empty(), e.field_path.as_str()) {
                    (_, "") => path.to_string(),
                    (true, f) => f.trim_start_matches('.').to_string(),
                    (false, f) if f.starts_with('.') || f.starts_with('[') => format!("{path}{f}"),
                    (false, f) => format!("{path}.{f}"),
                };
                match e.kind {
                    ErrorKind::ValidationFailure | ErrorKind::InvalidResult => out.failed.push(e),
                    _ => out.not_judged += 1,
                }
            }
        }
    }
    for branch in schema
        .get("allOf")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        walk(whole, branch, value, path, root, out, depth + 1);
    }
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match value {
        J::Object(m) => {
            let props = schema.get("properties").and_then(J::as_object);
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            for (k, v) in m {
                if let Some(sub) = props.and_then(|p| p.get(k)).or(additional) {
                    walk(whole, sub, v, &join(k), root, out, depth + 1);
                }
            }
        }
        J::Array(items) => {
            if let Some(sub) = schema.get("items").filter(|i| i.is_object()) {
                for (i, v) in items.iter().enumerate() {
                    walk(whole, sub, v, &format!("{path}[{i}]"), root, out, depth + 1);
                }
            }
        }
        _ => {}
    }
}

/// What evaluating an object's CEL rules found: the rules it fails, and how many rules
/// kure could not judge (a function or macro its CEL library lacks, an evaluation error).
#[derive(Debug, Default)]
pub struct Outcome {
    pub failed: Vec<kube_cel::ValidationError>,
    pub not_judged: usize,
}

/// The object's CEL rules evaluated, once per object (the rule reports its failures, the
/// summary counts the rules not judged).
pub fn of<'c>(cx: &'c ObjectContext<'_>) -> Option<&'c Outcome> {
    cx.cel.get_or_init(|| outcome(cx)).as_ref()
}

fn outcome(cx: &ObjectContext<'_>) -> Option<Outcome> {
    let obj = &cx.obj;
    // a kustomize patch holds only what it changes; a custom resource only
    if cx.file.partial || super::schema::custom_resource(cx).is_none() {
        return None;
    }
    let schemas = cx.file.settings.cel_schemas(obj.api_version, obj.kind);
    if schemas.is_empty() {
        return None;
    }
    // a placeholder or template expression is filled in before apply: not judged
    if holds_unknown(obj.doc, obj.root) {
        return None;
    }
    let value = crate::model::cel::json_as(obj.doc, obj.root, cx.file.reader);
    let root = kube_cel::RootContext {
        api_version: obj.api_version.to_string(),
        api_group: obj.group().to_string(),
        kind: obj.kind.to_string(),
    };
    // judged against each schema declared for the kind; the one it fits best is its own
    let mut best: Option<Outcome> = None;
    for schema in &schemas {
        // the schema's defaults first, as the API server applies them before its rules
        let defaulted = kube_cel::apply_defaults(schema, &value);
        let mut out = Outcome::default();
        walk(schema, schema, &defaulted, "", &root, &mut out, 0);
        if best
            .as_ref()
            .is_none_or(|b| out.failed.len() < b.failed.len())
        {
            best = Some(out);
        }
    }
    best
}

/// The transition rules (those reading `oldSelf`) that the change from `base` to `work` (one
/// custom resource at two commits) fails, with the object's field paths: what the API
/// server refuses on update. Values are correlated by key (mapping fields and map
/// entries); list items are not.
pub fn transition_failures(
    settings: &super::Settings,
    base: &crate::model::Object<'_>,
    work: &crate::model::Object<'_>,
    reader: crate::yaml::resolve::Reader,
) -> Vec<kube_cel::ValidationError> {
    if holds_unknown(work.doc, work.root) || holds_unknown(base.doc, base.root) {
        return Vec::new();
    }
    let schemas = settings.cel_schemas(work.api_version, work.kind);
    if schemas.is_empty() {
        return Vec::new();
    }
    let new = crate::model::cel::json_as(work.doc, work.root, reader);
    let old = crate::model::cel::json_as(base.doc, base.root, reader);
    let root = kube_cel::RootContext {
        api_version: work.api_version.to_string(),
        api_group: work.group().to_string(),
        kind: work.kind.to_string(),
    };
    let mut best: Option<Vec<kube_cel::ValidationError>> = None;
    for schema in &schemas {
        let new = kube_cel::apply_defaults(schema, &new);
        let old = kube_cel::apply_defaults(schema, &old);
        let mut out = Vec::new();
        walk_transitions(schema, &new, &old, "", &root, &mut out, 0);
        if best.as_ref().is_none_or(|b| out.len() < b.len()) {
            best = Some(out);
        }
    }
    best.unwrap_or_default()
}

fn walk_transitions(
    schema: &serde_json::Value,
    value: &serde_json::Value,
    old: &serde_json::Value,
    path: &str,
    root: &kube_cel::RootContext,
    out: &mut Vec<kube_cel::ValidationError>,
    depth: usize,
) {
    use serde_json::Value as J;
    if depth > 64 {
        return;
    }
    if let Some(J::Array(rules)) = schema.get("x-kubernetes-validations") {
        let transitions: Vec<J> = rules
            .iter()
            .filter(|r| {
                r.get("rule")
                    .and_then(J::as_str)
                    .is_some_and(|t| t.contains("oldSelf"))
            })
            .cloned()
            .collect();
        if !transitions.is_empty() {
            let mut own = own_node(schema);
            if let Some(m) = own.as_object_mut() {
                m.insert("x-kubernetes-validations".into(), J::Array(transitions));
            }
            let c = kube_cel::compile_schema(&own);
            let at_root = path.is_empty().then_some(root);
            let result =
                VALIDATOR.with(|v| v.validate_compiled_with_context(&c, value, Some(old), at_root));
            if let Err(errors) = result {
                for mut e in errors.into_vec() {
                    use kube_cel::ErrorKind;
                    e.field_path = match (path.is_empty(), e.field_path.as_str()) {
                        (_, "") => path.to_string(),
                        (true, f) => f.trim_start_matches('.').to_string(),
                        (false, f) if f.starts_with('.') || f.starts_with('[') => {
                            format!("{path}{f}")
                        }
                        (false, f) => format!("{path}.{f}"),
                    };
                    if matches!(
                        e.kind,
                        ErrorKind::ValidationFailure | ErrorKind::InvalidResult
                    ) {
                        out.push(e);
                    }
                }
            }
        }
    }
    for branch in schema
        .get("allOf")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        walk_transitions(branch, value, old, path, root, out, depth + 1);
    }
    if let (J::Object(m), J::Object(o)) = (value, old) {
        let props = schema.get("properties").and_then(J::as_object);
        let additional = schema.get("additionalProperties").filter(|a| a.is_object());
        for (k, v) in m {
            let (Some(sub), Some(was)) = (props.and_then(|p| p.get(k)).or(additional), o.get(k))
            else {
                continue;
            };
            let at = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            walk_transitions(sub, v, was, &at, root, out, depth + 1);
        }
    }
}

/// Whether any value of the object is a placeholder kure does not know or a template
/// expression.
fn holds_unknown(doc: &crate::yaml::Document, node: crate::yaml::NodeId) -> bool {
    use crate::yaml::NodeKind;
    let node = doc.deref(node);
    if doc.is_unknown(node) {
        return true;
    }
    match &doc.node(node).kind {
        NodeKind::Scalar { .. } => doc
            .scalar(node)
            .is_some_and(|s| s.contains("{{") || s.contains("${")),
        NodeKind::Map { entries, .. } => {
            super::schema::is_template(doc, node)
                || entries
                    .iter()
                    .any(|&(k, v)| holds_unknown(doc, k) || holds_unknown(doc, v))
        }
        NodeKind::Seq { items, .. } => items.iter().any(|&i| holds_unknown(doc, i)),
        NodeKind::Alias { .. } => false,
    }
}

impl Rule for CelValidationFailed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, cx: &ObjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let Some(outcome) = of(cx) else {
            return;
        };
        let doc = cx.obj.doc;
        for e in &outcome.failed {
            let node = crate::model::cel::node_at(doc, cx.obj.root, &e.field_path);
            // a mapping or list is shown by its key
            let span = match doc.entry_of_value(node) {
                Some((_, k, _))
                    if !matches!(
                        doc.node(doc.deref(node)).kind,
                        crate::yaml::NodeKind::Scalar { .. }
                    ) =>
                {
                    doc.span(k)
                }
                _ => doc.span(node),
            };
            let at = if e.field_path.is_empty() {
                String::new()
            } else {
                format!("{}: ", e.field_path)
            };
            out.push(
                cx.diag(&META, span, format!("{at}Invalid value: {}", e.message))
                    .help(format!(
                        "the API server rejects the object: its schema's rule `{}` is false here",
                        e.rule
                    )),
            );
        }
    }
}
