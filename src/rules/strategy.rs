//! Update strategies from one workload kind on another (k8s-facts.md 4.2 and 4.4): the one
//! translation `field-not-for-kind`'s fix and `kure convert` both use.
//!
//! A Deployment's `strategy` and a DaemonSet's or StatefulSet's `updateStrategy` share a
//! `type` and differ in their `rollingUpdate` parameters and defaults. The source kind's
//! default is removed, so the target's default applies; otherwise the entry is renamed and
//! the parameters the target rejects are dropped, with a warning where that changes how a
//! rollout runs. Where nothing faithful exists (`Recreate` on a DaemonSet, `OnDelete` on a
//! Deployment, a StatefulSet `partition`), a lint fix is not offered, and a conversion
//! (`Mode::Convert`) does the nearest thing and says what changes.

use crate::fix::{self, Applicability, Edit, Expect, Fix, remove_entry, rename_key};
use crate::yaml::resolve::Reader;
use crate::yaml::{Document, NodeId};

/// Who asks: a lint fix must keep behaviour or not be offered; a conversion the user asked
/// for does the nearest thing, with warnings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Lint,
    Convert,
}

/// A strategy's translation: the fix, and what changes for the user.
pub struct Translation {
    pub fix: Fix,
    pub warnings: Vec<String>,
}

/// Where the strategy sits and what it holds.
pub struct Entry<'a> {
    pub text: &'a str,
    pub doc: &'a Document,
    pub doc_index: usize,
    pub reader: Reader,
    pub key: NodeId,
    pub value: NodeId,
}

/// The key a kind keeps its strategy under.
pub fn key_of(kind: &str) -> &'static str {
    if kind == "Deployment" {
        "strategy"
    } else {
        "updateStrategy"
    }
}

/// Which kind an `updateStrategy` found on a Deployment was written for: a `partition`
/// says StatefulSet, anything else is read as a DaemonSet's.
pub fn update_strategy_source(doc: &Document, value: NodeId) -> &'static str {
    if doc.path(value, &["rollingUpdate", "partition"]).is_some() {
        "StatefulSet"
    } else {
        "DaemonSet"
    }
}

fn is_zero(doc: &Document, n: NodeId) -> bool {
    matches!(doc.scalar(n), Some("0" | "0%"))
}

/// `rollingUpdate` parameters a kind defaults, with the default's written forms.
fn default_params(kind: &str) -> &'static [(&'static str, &'static [&'static str])] {
    match kind {
        "Deployment" => &[("maxUnavailable", &["25%"]), ("maxSurge", &["25%"])],
        "DaemonSet" => &[("maxUnavailable", &["1"]), ("maxSurge", &["0", "0%"])],
        _ => &[("partition", &["0"])],
    }
}

/// What the target kind's default strategy is, in words.
fn default_words(kind: &str) -> &'static str {
    match kind {
        "Deployment" => "RollingUpdate, maxUnavailable 25% and maxSurge 25%",
        "DaemonSet" => "RollingUpdate, maxUnavailable 1",
        _ => "RollingUpdate, one pod at a time",
    }
}

/// Translates the strategy entry of an object written for kind `from` that is (or is
/// becoming) a `to`. `None` when there is nothing to do, or nothing faithful in `Mode::Lint`.
pub fn translate(e: &Entry<'_>, from: &str, to: &str, mode: Mode) -> Option<Translation> {
    let doc = e.doc;
    let v = e.value;
    if from == to {
        return None;
    }
    let from_key = doc.str(e.key)?;
    let to_key = key_of(to);
    let path = doc.path_to(e.key, e.reader)?;
    let mut to_path = path.clone();
    to_path.pop();
    to_path.push(to_key.to_string());
    let remove = |message: String, warnings: Vec<String>| {
        let fix = fix::removal(
            e.text,
            doc,
            e.doc_index,
            e.key,
            e.reader,
            Applicability::Unsafe,
            message,
        )?;
        Some(Translation { fix, warnings })
    };
    let empty = doc.is_null(v) || (doc.is_map(v) && doc.raw_entries(v).is_empty());
    if empty {
        return remove(format!("remove the empty `spec.{from_key}`"), Vec::new());
    }
    if !doc.is_map(v) {
        return None;
    }
    let known_keys = doc
        .raw_entries(v)
        .iter()
        .all(|&(k, _)| matches!(doc.str(k), Some("type" | "rollingUpdate")));
    if !known_keys {
        return None;
    }
    let type_node = doc.get(v, "type");
    let kind = match type_node {
        None => "RollingUpdate",
        Some(t) => doc.str(t)?,
    };
    let rolling = doc.get(v, "rollingUpdate");
    if rolling.is_some_and(|r| !doc.is_map(r) && !doc.is_null(r)) {
        return None;
    }
    let params: Vec<(NodeId, NodeId, &str)> = rolling
        .map(|r| {
            doc.raw_entries(r)
                .iter()
                .filter_map(|&(k, pv)| Some((k, pv, doc.str(k)?)))
                .collect()
        })
        .unwrap_or_default();
    let param = |name: &str| params.iter().find(|p| p.2 == name).map(|p| p.1);
    let written = |n: NodeId| doc.scalar(n).unwrap_or_default().to_string();
    match kind {
        "RollingUpdate" => {}
        "Recreate" if to == "Deployment" => {
            // a StatefulSet's alpha `Recreate` is a Deployment's own
            return rename(e, &path, &to_path, to_key, Vec::new(), Vec::new(), None);
        }
        "Recreate" => {
            if mode == Mode::Lint {
                return None;
            }
            let t = type_node?;
            let mut edits = vec![Edit::replace(doc.span(t), "OnDelete")];
            if let Some((rk, _)) = doc.get_entry(v, "rollingUpdate") {
                edits.extend(remove_entry(e.text, doc, v, rk)?.edits);
            }
            let warning = format!(
                "`Recreate` has no {to} equivalent; it becomes `OnDelete`: pods are replaced only when you delete them, so a template change no longer rolls out by itself"
            );
            return rename(
                e,
                &path,
                &to_path,
                to_key,
                edits,
                vec![warning],
                Some(", with `type: OnDelete`".to_string()),
            );
        }
        "OnDelete" if to == "Deployment" => {
            if mode == Mode::Lint {
                return None;
            }
            return remove(
                format!("remove `spec.{from_key}` (`OnDelete` has no Deployment equivalent)"),
                vec![
                    "`OnDelete` has no Deployment equivalent; the Deployment default (RollingUpdate) applies: a template change now replaces the pods by itself".to_string(),
                ],
            );
        }
        "OnDelete" => {
            // DaemonSet and StatefulSet both have it, under the same key
            return None;
        }
        _ => return None,
    }
    // RollingUpdate: the source's default goes, so the target's applies
    let defaults = default_params(from);
    let is_default = params.iter().all(|&(_, pv, name)| {
        defaults
            .iter()
            .any(|(d, forms)| *d == name && forms.contains(&written(pv).as_str()))
    });
    if is_default {
        return remove(
            format!(
                "remove `spec.{from_key}`, the {from} default, so the {to} default ({}) applies",
                default_words(to)
            ),
            Vec::new(),
        );
    }
    let mut drop: Vec<&str> = Vec::new();
    let mut warnings = Vec::new();
    let mut note = None;
    let mut edits_before: Vec<Edit> = Vec::new();
    match (from, to) {
        ("Deployment", "DaemonSet") => {
            // a DaemonSet needs exactly one of them non-zero; `maxUnavailable` wins
            let unavailable = param("maxUnavailable");
            let surge = param("maxSurge");
            let unavailable_zero = unavailable.is_some_and(|u| is_zero(doc, u));
            let surge_zero = surge.is_none_or(|s| is_zero(doc, s));
            if unavailable_zero && surge_zero {
                // the Deployment surged by its default, 25 %; a DaemonSet defaults `maxSurge`
                // to 0 and rejects both zero, so a conversion writes the surge it had
                if mode == Mode::Lint || surge.is_some() {
                    return None;
                }
                let (uk, uv) = params
                    .iter()
                    .find(|p| p.2 == "maxUnavailable")
                    .map(|p| (p.0, p.1))?;
                edits_before.push(fix::insert_after(e.text, doc, uk, uv, "maxSurge: 25%")?);
                note =
                    Some(", adding `maxSurge: 25%` (the Deployment's default surge)".to_string());
                warnings.push(
                    "`maxUnavailable: 0` surged by the Deployment default (25%): written as `maxSurge: 25%`, so each node starts its new pod before the old one stops".to_string(),
                );
            }
            if let Some(s) = surge
                && !is_zero(doc, s)
                && !unavailable_zero
            {
                drop.push("maxSurge");
                note = Some(format!(
                    ", dropping `maxSurge: {}` (a DaemonSet rejects `maxSurge` and `maxUnavailable` both non-zero)",
                    written(s)
                ));
                warnings.push(format!(
                    "`maxSurge: {}` is dropped: a DaemonSet rejects `maxSurge` and `maxUnavailable` both non-zero",
                    written(s)
                ));
            }
        }
        ("DaemonSet" | "StatefulSet", "Deployment") => {
            if let Some(p) = param("partition") {
                if !is_zero(doc, p) {
                    if mode == Mode::Lint {
                        return None;
                    }
                    warnings.push(format!(
                        "`partition: {}` is dropped: a Deployment updates every pod",
                        written(p)
                    ));
                }
                drop.push("partition");
            }
        }
        ("StatefulSet", "DaemonSet") => {
            if let Some(p) = param("partition") {
                if !is_zero(doc, p) {
                    warnings.push(format!(
                        "`partition: {}` is dropped: a DaemonSet updates every pod",
                        written(p)
                    ));
                }
                drop.push("partition");
            }
        }
        (_, "StatefulSet") => {
            // a StatefulSet has no `maxSurge`, and its `maxUnavailable` needs a feature
            // gate: it updates one pod at a time
            if mode == Mode::Lint {
                return None;
            }
            let what: Vec<String> = params
                .iter()
                .map(|&(_, pv, name)| format!("`{name}: {}`", written(pv)))
                .collect();
            return remove(
                format!(
                    "remove `spec.{from_key}`, so the StatefulSet default ({}) applies",
                    default_words(to)
                ),
                vec![format!(
                    "{} dropped: a StatefulSet updates one pod at a time and has no `maxSurge`",
                    what.join(" and ")
                )],
            );
        }
        _ => return None,
    }
    let mut edits = edits_before;
    if let Some(r) = rolling
        && !drop.is_empty()
    {
        if drop.len() == params.len() {
            // nothing left of `rollingUpdate`: the whole entry goes
            let (rk, _) = doc.get_entry(v, "rollingUpdate")?;
            let removal = remove_entry(e.text, doc, v, rk)?;
            if removal.drops_comment {
                return None;
            }
            if doc.raw_entries(v).len() == 1 {
                // and with it the strategy, left empty
                return remove(
                    format!(
                        "remove `spec.{from_key}`, so the {to} default ({}) applies",
                        default_words(to)
                    ),
                    warnings,
                );
            }
            edits.extend(removal.edits);
        } else {
            for &(k, _, name) in &params {
                if drop.contains(&name) {
                    let removal = remove_entry(e.text, doc, r, k)?;
                    if removal.drops_comment {
                        return None;
                    }
                    edits.extend(removal.edits);
                }
            }
        }
    }
    rename(e, &path, &to_path, to_key, edits, warnings, note)
}

/// The strategy renamed to the target's key (when it differs), with further edits inside it.
fn rename(
    e: &Entry<'_>,
    path: &[String],
    to_path: &[String],
    to_key: &str,
    mut edits: Vec<Edit>,
    warnings: Vec<String>,
    note: Option<String>,
) -> Option<Translation> {
    let from_key = e.doc.str(e.key)?;
    let mut message = String::new();
    if from_key != to_key {
        edits.push(rename_key(e.text, e.doc, e.key, to_key)?);
        message = format!("rename `spec.{from_key}` to `spec.{to_key}`");
    }
    if edits.is_empty() {
        return None;
    }
    if message.is_empty() {
        message = format!("translate `spec.{to_key}`");
    }
    if let Some(note) = note {
        message.push_str(&note);
    }
    let mut fix = Fix::new(
        Applicability::Unsafe,
        message,
        edits,
        e.doc_index,
        vec![path.to_vec(), to_path.to_vec()],
    )
    .expecting(to_path.to_vec(), Expect::Present);
    if from_key != to_key {
        fix = fix.expecting(path.to_vec(), Expect::Absent);
    }
    Some(Translation { fix, warnings })
}
