use super::{FixAvailability, ObjectContext, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fix::Applicability;
use crate::yaml::NodeId;

static META: RuleMeta = RuleMeta {
    id: "server-populated-field",
    severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    scope: Scope::Object,
    summary: "`status` and server-written metadata: traces of a `kubectl get -o yaml` dump",
    doc: include_str!("../../rules/server-populated-field.md"),
};

pub struct ServerPopulatedField;

pub(crate) const SERVER_METADATA: &[&str] = &[
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Annotations that controllers write on the objects they manage (k8s-facts.md 2.5), with
/// the writer. `kubectl.kubernetes.io/restartedAt` is not here: it triggers a rollout.
const CONTROLLER_ANNOTATIONS: &[(&str, &str)] = &[
    (
        "deployment.kubernetes.io/revision",
        "the Deployment controller",
    ),
    (
        "deployment.kubernetes.io/revision-history",
        "the Deployment controller",
    ),
    (
        "deployment.kubernetes.io/desired-replicas",
        "the Deployment controller",
    ),
    (
        "deployment.kubernetes.io/max-replicas",
        "the Deployment controller",
    ),
    (
        "deprecated.daemonset.template.generation",
        "the DaemonSet controller",
    ),
];

fn check_metadata(
    cx: &ObjectContext<'_>,
    meta: Option<NodeId>,
    prefix: &str,
    out: &mut Vec<Diagnostic>,
) {
    let Some(meta) = meta else { return };
    let doc = cx.obj.doc;
    for &(k, v) in doc.effective(meta).iter() {
        let Some(name) = doc.str(k) else { continue };
        if SERVER_METADATA.contains(&name) {
            // `creationTimestamp: null` is what `kubectl create --dry-run=client -o yaml`
            // writes, not a dump of a live object
            let message = if name == "creationTimestamp" && doc.is_null(v) {
                format!(
                    "`{prefix}metadata.creationTimestamp: null` is left by `kubectl create --dry-run -o yaml`; the server writes this field"
                )
            } else {
                format!("`{prefix}metadata.{name}` is written by the server")
            };
            out.push(
                cx.diag(&META, doc.field_span(k, v), message)
                    .help("remove it: the API server sets it, and a stale value in git only causes conflicts")
                    .fix(cx.removal(k, Applicability::Safe, format!("remove `{prefix}metadata.{name}`"))),
            );
        }
    }
    let annotations = doc.get(meta, "annotations");
    // when every annotation is written by the server, the fix removes `annotations` whole
    // rather than leave `annotations: {}` behind
    let all_written = prefix.is_empty()
        && annotations.is_some_and(|a| {
            let entries = doc.effective(a);
            !entries.is_empty()
                && entries.iter().all(|&(k, _)| {
                    doc.str(k).is_some_and(|n| {
                        n == LAST_APPLIED || CONTROLLER_ANNOTATIONS.iter().any(|(c, _)| *c == n)
                    })
                })
        });
    let whole = || {
        let (k, _) = doc.get_entry(meta, "annotations")?;
        cx.removal(
            k,
            Applicability::Safe,
            "remove `metadata.annotations` (every annotation in it is written by the server)",
        )
    };
    let annotation_fix = |k: NodeId, message: String| {
        if all_written {
            whole()
        } else {
            cx.removal(k, Applicability::Safe, message)
        }
    };
    if prefix.is_empty()
        && let Some(a) = annotations
    {
        for &(k, v) in doc.effective(a).iter() {
            let Some(name) = doc.str(k) else { continue };
            let Some((_, writer)) = CONTROLLER_ANNOTATIONS.iter().find(|(n, _)| *n == name) else {
                continue;
            };
            out.push(
                cx.diag(&META, doc.field_span(k, v), format!("annotation `{name}` is written by {writer}"))
                    .help("remove it: the controller keeps it up to date on the live object, and the copy in git goes stale")
                    .fix(annotation_fix(k, format!("remove the `{name}` annotation"))),
            );
        }
    }
    if let Some((k, v)) = annotations.and_then(|a| doc.get_entry(a, LAST_APPLIED)) {
        out.push(
            cx.diag(&META, doc.field_span(k, v), format!("annotation `{LAST_APPLIED}` is written by `kubectl apply`"))
                .help("remove it: kubectl writes it on every apply, and it counts against the 256 KiB annotation limit")
                .fix(annotation_fix(k, format!("remove the `{LAST_APPLIED}` annotation"))),
        );
    }
}

impl Rule for ServerPopulatedField {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_object(&self, cx: &ObjectContext<'_>, out: &mut Vec<Diagnostic>) {
        let obj = cx.obj;
        let doc = obj.doc;
        if let Some((k, v)) = doc.get_entry(obj.root, "status") {
            // an empty `status: {}` comes from `kubectl create --dry-run -o yaml`, a full one
            // from a dump of a live object
            let empty = doc.is_null(v) || (doc.is_map(v) && doc.raw_entries(v).is_empty());
            let message = if empty {
                "`status: {}` is left by `kubectl create --dry-run -o yaml`; the server writes `status`"
            } else {
                "`status` is written by the server; a `kubectl get -o yaml` dump left it here"
            };
            out.push(
                cx.diag(&META, doc.field_span(k, v), message)
                    .help("remove it: the server ignores `status` on apply")
                    .fix(cx.removal(k, Applicability::Safe, "remove `status`")),
            );
        }
        check_metadata(cx, obj.metadata(), "", out);
        if let Some(w) = cx.file.settings.workload(&obj)
            && w.template.last() == Some(&"template")
        {
            let t = doc.path(obj.root, w.template);
            check_metadata(
                cx,
                t.and_then(|t| doc.get(t, "metadata")),
                &format!("{}.", w.template.join(".")),
                out,
            );
        }
    }
}
