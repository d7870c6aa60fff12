//! `kure label`: `kubectl label --local` for a repository, in place. The default scope is an
//! object's `metadata.labels`, as kubectl's; `pod_templates` also labels the pod templates
//! of the workloads selected, `service_selectors` the selectors of the Services selected.
//! A change that would make a Service select fewer pod templates, or take from a pod
//! template a label its own (immutable) selector needs, is refused, as is any change when
//! one object cannot be labelled: then no file is written.

use crate::apply::{self, Change};
use crate::error::{Error, FileErrorKind};
use crate::fix::{
    Applicability, Edit, Expect, Fix, line_end, line_start, newline_at, plain_or_quoted,
};
use crate::load::{Loaded, Shape};
use crate::model::kustomize::{FileRole, Kustomize};
use crate::model::labels::{label_key_errors, label_value_errors};
use crate::model::selector::{PodLabel, PodLabels, Selector, label_selector, string_pairs};
use crate::model::workload::{self, LabelsAt, SelectorKind};
use crate::model::{Object, objects};
use crate::source::Span;
use crate::summary::FileError;
use crate::walk::{self, Input};
use crate::yaml::resolve::{Reader, Resolved, resolve};
use crate::yaml::{self, Document, NodeId, NodeKind, Style};
use std::path::PathBuf;

/// What to label, and how.
#[derive(Clone, Debug, Default)]
pub struct LabelOptions {
    /// Files and directories (`-` reads standard input).
    pub paths: Vec<PathBuf>,
    pub stdin_filename: Option<String>,
    pub exclude: Vec<String>,
    pub no_ignore: bool,
    /// The config found for the first path, and (unless `--config` or `--isolated`) the
    /// flags to merge over each file's own nearest one, whose `exclude` then holds.
    pub config: Option<PathBuf>,
    pub per_file_configs: Option<crate::config::Flags>,
    /// The repository's own workload rows (`workloads:` in `.kure.yaml`), whose pod
    /// templates are labelled as a Deployment's are.
    pub workloads: Vec<workload::WorkloadKind>,
    /// The changes as kubectl takes them: `KEY=VALUE` and `KEY-`.
    pub changes: Vec<String>,
    /// Only objects whose `metadata.labels` this kubectl selector matches.
    pub selector: Option<String>,
    /// Only objects of this kind (case does not matter).
    pub kind: Option<String>,
    /// Only objects of this name.
    pub name: Option<String>,
    pub overwrite: bool,
    pub pod_templates: bool,
    pub service_selectors: bool,
    /// Changes that make a Service select fewer pod templates are meant.
    pub allow_narrowing: bool,
    /// Write the changed files (atomically, each only if it still holds what was read).
    pub write: bool,
}

/// The labels to set and to remove, parsed with kubectl's rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LabelChanges {
    pub set: Vec<(String, String)>,
    pub remove: Vec<String>,
}

/// What a `kure label` run did.
#[derive(Debug, Default)]
pub struct LabelOutcome {
    /// The files the changes would change (written when `write` and nothing was refused).
    pub changes: Vec<Change>,
    /// Each object changed: `Kind/name`, its file, and the parts of it labelled.
    pub labelled: Vec<Labelled>,
    /// Why the command was refused: nothing is written when this is not empty.
    pub refused: Vec<String>,
    /// Files that could not be read, parsed or written.
    pub errors: Vec<FileError>,
    /// Standard input's name and text, labelled (or as read).
    pub stdin: Option<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Labelled {
    pub path: String,
    pub object: String,
    pub parts: Vec<&'static str>,
}

/// kubectl's reading of its arguments (k8s-facts.md 8): `KEY=VALUE` sets, `KEY-` removes.
pub fn parse_changes(args: &[String]) -> Result<LabelChanges, Error> {
    let mut out = LabelChanges::default();
    for arg in args {
        if arg.contains('=') {
            let parts: Vec<&str> = arg.split('=').collect();
            if parts.len() != 2 {
                return Err(Error::Usage(format!("invalid label spec: {arg}")));
            }
            out.set.push((parts[0].to_string(), parts[1].to_string()));
        } else if let Some(key) = arg.strip_suffix('-').filter(|k| !k.is_empty()) {
            out.remove.push(key.to_string());
        } else {
            return Err(Error::Usage(format!("unknown label spec: {arg}")));
        }
    }
    if out
        .set
        .iter()
        .any(|(k, _)| out.remove.iter().any(|r| r == k))
    {
        return Err(Error::Usage(
            "can not both modify and remove a label in the same command".to_string(),
        ));
    }
    if out.set.is_empty() && out.remove.is_empty() {
        return Err(Error::Usage(
            "at least one label update is required".to_string(),
        ));
    }
    Ok(out)
}

impl LabelChanges {
    /// Values kubectl refuses (`invalid label value`), and keys the API server refuses
    /// (kubectl does not check keys; kure does, with the server's words).
    pub fn invalid(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (k, v) in &self.set {
            let errs = label_value_errors(v);
            if !errs.is_empty() {
                out.push(format!(
                    "invalid label value: \"{k}={v}\": {}",
                    errs.join("; ")
                ));
            }
        }
        let keys = self.set.iter().map(|(k, _)| k).chain(&self.remove);
        for k in keys {
            let errs = label_key_errors(k);
            if !errs.is_empty() {
                out.push(format!(
                    "metadata.labels: Invalid value: \"{k}\": {}",
                    errs.join("; ")
                ));
            }
        }
        out
    }
}

/// The pod templates and Services of the inputs, before and after the change: what the
/// narrowing rule compares.
#[derive(Default)]
struct Facts {
    templates: Vec<TemplateFacts>,
    services: Vec<ServiceFacts>,
}

struct TemplateFacts {
    who: String,
    namespace: Option<String>,
    before: PodLabels,
    after: PodLabels,
    /// The workload's own selector, which no change may stop matching.
    own: Option<Selector>,
}

struct ServiceFacts {
    who: String,
    namespace: Option<String>,
    before: Vec<(String, String)>,
    after: Vec<(String, String)>,
}

/// Labels the objects the options select, in memory; writes the files only when nothing was
/// refused and `write` is set.
pub fn label(opts: &LabelOptions) -> Result<LabelOutcome, Error> {
    if opts.paths.is_empty() {
        return Err(Error::Usage(
            "one or more files must be specified as -f pod.yaml or --filename=pod.json".to_string(),
        ));
    }
    if let Some(k) = &opts.kind {
        super::check_kind(k)?;
    }
    let changes = parse_changes(&opts.changes)?;
    let selector = opts
        .selector
        .as_deref()
        .map(Selector::parse)
        .transpose()
        .map_err(Error::Usage)?;
    let mut outcome = LabelOutcome {
        refused: changes.invalid(),
        ..LabelOutcome::default()
    };
    if !outcome.refused.is_empty() {
        return Ok(outcome);
    }
    let walk_opts = walk::WalkOptions {
        exclude: &opts.exclude,
        no_ignore: opts.no_ignore,
        stdin_filename: opts.stdin_filename.as_deref(),
    };
    let (mut inputs, walk_errors) = walk::discover(&opts.paths, &walk_opts);
    if let Some(flags) = &opts.per_file_configs {
        crate::lint::nested_configs(&mut inputs, &opts.paths, flags, opts.config.as_deref())?;
    }
    for (path, kind) in walk_errors {
        outcome.errors.push(FileError { path, kind });
    }
    let kz = Kustomize::for_inputs(&inputs, &|p| crate::load::read_text(p).ok());
    let plan = Plan {
        opts,
        changes: &changes,
        selector: selector.as_ref(),
    };
    let (files, stdin) = crate::load::read_each(&inputs, |input, bytes| {
        label_file(&plan, &kz, &changes, input, bytes)
    });
    let mut facts = Facts::default();
    let mut written: Vec<(Option<PathBuf>, Change)> = Vec::new();
    for f in files {
        outcome.errors.extend(f.errors);
        outcome.refused.extend(f.refused);
        outcome.labelled.extend(f.labelled);
        facts.templates.extend(f.facts.templates);
        facts.services.extend(f.facts.services);
        written.extend(f.change);
        if f.stdin.is_some() {
            outcome.stdin = f.stdin;
        }
    }
    if outcome.stdin.is_none() {
        // standard input always comes back: labelled, or as read
        outcome.stdin = crate::load::stdin_as_read(&inputs, stdin);
    }
    outcome
        .refused
        .extend(facts.narrowing(opts.allow_narrowing));
    let refused = !outcome.refused.is_empty();
    if refused {
        // a refusal changes no file
        outcome.labelled.clear();
    }
    super::finish(
        written,
        refused,
        opts.write,
        &mut outcome.stdin,
        &mut outcome.changes,
        &mut outcome.errors,
    );
    Ok(outcome)
}

/// One file's part of a `kure label` run.
#[derive(Default)]
struct FileLabel {
    errors: Vec<FileError>,
    refused: Vec<String>,
    labelled: Vec<Labelled>,
    facts: Facts,
    change: Option<(Option<PathBuf>, Change)>,
    stdin: Option<(String, String)>,
}

/// Labels one file in memory: plans the edits, applies and verifies them, and keeps the
/// facts the narrowing rule needs.
fn label_file(
    plan: &Plan<'_>,
    kz: &Kustomize,
    changes: &LabelChanges,
    input: &Input,
    bytes: Result<Vec<u8>, FileErrorKind>,
) -> FileLabel {
    let mut out = FileLabel::default();
    let path = input.shown();
    let fs_path = input.path();
    let text = match crate::load::load(&fs_path, bytes) {
        Loaded::Text(t) => t,
        Loaded::Skipped(_) => return out,
        Loaded::Error(kind) => {
            out.errors.push(FileError { path, kind });
            return out;
        }
    };
    let reader = FileRole::reader_of(kz.role(&fs_path));
    let stream = yaml::parse(&text, yaml::Limits::default());
    if Shape::of(&stream)
        .skip_reason(&text, !stream.errors.is_empty())
        .is_some()
    {
        // what `kure lint` skips (a Go template, no objects) has nothing to label
        return out;
    }
    if let Some(e) = stream.errors.first() {
        let line = text[..e.offset.min(text.len())].matches('\n').count() + 1;
        out.errors.push(FileError {
            path,
            kind: FileErrorKind::Io(format!(
                "not labelled: the YAML does not parse (line {line}: {})",
                e.message
            )),
        });
        return out;
    }
    // labels are set in a first pass and removed in a second, each verified: a map whose
    // last label goes while others come is never empty in between
    let mut phases: Vec<Phase> = Vec::new();
    if !changes.set.is_empty() {
        phases.push(Phase::Set);
    }
    if !changes.remove.is_empty() {
        phases.push(Phase::Remove);
    }
    let mut phases = phases.into_iter();
    let mut first = true;
    // what each object had labelled, by (document, object): both passes add to it
    let mut parts: std::collections::BTreeMap<(usize, usize), (String, Vec<&'static str>)> =
        std::collections::BTreeMap::new();
    // every change planned, so one that was neither applied nor refused is not reported
    // as made
    let mut planned: Vec<(Phase, usize, usize)> = Vec::new();
    let result = apply::to_fixed_point(text.clone(), stream, reader, |now, stream| {
        for phase in phases.by_ref() {
            let mut fixes: Vec<((Phase, usize, usize), Fix)> = Vec::new();
            for (doc_index, doc) in stream.documents.iter().enumerate() {
                for (i, obj) in objects(doc).iter().enumerate() {
                    let who = format!("{}/{}", obj.kind, obj.name().unwrap_or("?"));
                    let facts = first.then_some(&mut out.facts);
                    match plan.object(now, reader, doc_index, obj, phase, facts) {
                        Ok(None) => {}
                        Ok(Some((fix, labelled))) => {
                            let (_, p) = parts.entry((doc_index, i)).or_insert((who, Vec::new()));
                            for part in labelled {
                                if !p.contains(&part) {
                                    p.push(part);
                                }
                            }
                            if !planned.contains(&(phase, doc_index, i)) {
                                planned.push((phase, doc_index, i));
                            }
                            fixes.push(((phase, doc_index, i), fix));
                        }
                        Err(why) => out.refused.push(format!("{path}: {who}: {why}")),
                    }
                }
            }
            first = false;
            if !fixes.is_empty() {
                return fixes;
            }
        }
        Vec::new()
    });
    for (_, reason) in &result.refused {
        out.refused.push(format!("{path}: not labelled: {reason}"));
    }
    for key in &planned {
        if !result.applied.contains(key) && !result.refused.iter().any(|(k, _)| k == key) {
            let who = parts.get(&(key.1, key.2)).map_or("?", |(w, _)| w.as_str());
            out.refused.push(format!(
                "{path}: {who}: not labelled: the change does not verify (kubectl would read more of the object differently than the labels asked for); label it by hand"
            ));
        }
    }
    for (key, (object, parts)) in parts {
        if !planned
            .iter()
            .filter(|p| (p.1, p.2) == key)
            .all(|p| result.applied.contains(p))
        {
            continue;
        }
        out.labelled.push(Labelled {
            path: path.clone(),
            object,
            parts,
        });
    }
    let write_to = input.file().map(PathBuf::from);
    if write_to.is_none() {
        out.stdin = Some((path.clone(), result.text.clone()));
    }
    if result.text != text && crate::apply::is_sops_text(text.as_bytes()) {
        out.refused.push(super::ENCRYPTED.replace("{path}", &path));
    } else if result.text != text {
        out.change = Some((
            write_to,
            Change {
                path,
                rules: vec!["label"; result.applied.len()],
                original: text,
                fixed: result.text,
            },
        ));
    }

    out
}

/// What a pass of `kure label` does: labels are set first, then removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Phase {
    Set,
    Remove,
}

struct Plan<'a> {
    opts: &'a LabelOptions,
    changes: &'a LabelChanges,
    selector: Option<&'a Selector>,
}

impl Plan<'_> {
    fn selects(&self, obj: &Object<'_>) -> bool {
        let doc = obj.doc;
        if obj.group() == "kustomize.config.k8s.io" {
            // a Kustomization or Component is kustomize's input, not an object
            return false;
        }
        if self
            .opts
            .kind
            .as_deref()
            .is_some_and(|k| !crate::model::kinds::matches(k, obj.kind))
        {
            return false;
        }
        if self
            .opts
            .name
            .as_deref()
            .is_some_and(|n| obj.name() != Some(n))
        {
            return false;
        }
        match self.selector {
            None => true,
            Some(sel) => {
                let labels = obj
                    .metadata()
                    .and_then(|m| doc.get(m, "labels"))
                    .map(|l| string_pairs(doc, l))
                    .unwrap_or_default();
                sel.matches(&PodLabels::exact(labels))
            }
        }
    }

    /// The fix that labels one object (and what it labels), `None` when the object is not
    /// selected or already labelled so, or why it cannot be labelled. With `facts` (the first
    /// pass, on the text as read), keeps the object's pod template or Service selector, before
    /// and after, for the narrowing rule, whether or not the object is selected.
    fn object(
        &self,
        text: &str,
        reader: Reader,
        doc_index: usize,
        obj: &Object<'_>,
        phase: Phase,
        facts: Option<&mut Facts>,
    ) -> Result<Option<(Fix, Vec<&'static str>)>, String> {
        let mut facts = facts;
        let src = Source {
            text,
            doc: obj.doc,
            reader,
        };
        let doc = obj.doc;
        let selected = self.selects(obj);
        let who = format!("{}/{}", obj.kind, obj.name().unwrap_or("?"));
        let namespace = obj.namespace().map(str::to_string);
        let mut edits = Vec::new();
        let mut targets = Vec::new();
        let mut expects = Vec::new();
        let mut parts = Vec::new();
        let mut add = |part: &'static str, m: MapChange| {
            if !m.edits.is_empty() {
                edits.extend(m.edits);
                targets.push(m.path.clone());
                expects.extend(m.expects);
                parts.push(part);
            }
        };
        if selected && obj.metadata().is_none() {
            if phase == Phase::Set {
                add("metadata", self.new_metadata(src, obj.root)?);
            }
        } else if selected {
            let meta = obj
                .metadata()
                .ok_or_else(|| "it has no `metadata`".to_string())?;
            add(
                "metadata",
                self.map_change(src, meta, "labels", phase, self.opts.overwrite)?,
            );
        }
        // pod templates (not a Pod's, which is its metadata)
        let labels_templates = selected && self.opts.pod_templates;
        if let Some(w) =
            workload::lookup_in(obj, &self.opts.workloads).filter(|w| !w.template.is_empty())
        {
            if labels_templates {
                let template = w.pod_template(obj).template;
                let holder = match w.labels_at {
                    LabelsAt::Direct => template,
                    LabelsAt::Metadata => template.and_then(|t| doc.get(t, "metadata")),
                };
                let holder = holder.ok_or_else(|| {
                    "its pod template has no `metadata`; add it by hand".to_string()
                })?;
                add(
                    "pod template",
                    self.map_change(src, holder, "labels", phase, self.opts.overwrite)?,
                );
            }
            if let Some(facts) = facts.as_deref_mut() {
                let before = w.pod_labels(obj);
                let mut after = before.clone();
                if labels_templates {
                    for (k, v) in &self.changes.set {
                        after.set(k, PodLabel::Exact(v.clone()));
                    }
                    after.0.retain(|(k, _)| !self.changes.remove.contains(k));
                }
                let selector = obj.spec().and_then(|s| doc.get(s, "selector"));
                let own = match w.selector {
                    SelectorKind::Label { .. } | SelectorKind::Generated => {
                        selector.map(|s| label_selector(doc, s))
                    }
                    SelectorKind::Map => selector.map(|s| Selector::of_map(&string_pairs(doc, s))),
                    _ => None,
                };
                facts.templates.push(TemplateFacts {
                    who: who.clone(),
                    namespace: namespace.clone(),
                    before,
                    after,
                    own,
                });
            }
        }
        if obj.is("", "Service")
            && let Some(spec) = obj.spec()
            && doc.path_str(spec, &["type"]) != Some("ExternalName")
        {
            let labels_selector = selected && self.opts.service_selectors;
            if labels_selector {
                // a Service selector is the Service's to change: no --overwrite needed
                add(
                    "selector",
                    self.map_change(src, spec, "selector", phase, true)?,
                );
            }
            let before = doc
                .get(spec, "selector")
                .map(|s| string_pairs(doc, s))
                .unwrap_or_default();
            if let Some(facts) = facts
                && !before.is_empty()
            {
                let mut after = before.clone();
                if labels_selector {
                    for (k, v) in &self.changes.set {
                        match after.iter_mut().find(|(x, _)| x == k) {
                            Some(slot) => slot.1.clone_from(v),
                            None => after.push((k.clone(), v.clone())),
                        }
                    }
                    after.retain(|(k, _)| !self.changes.remove.contains(k));
                }
                facts.services.push(ServiceFacts {
                    who: who.clone(),
                    namespace,
                    before,
                    after,
                });
            }
        }
        if edits.is_empty() {
            return Ok(None);
        }
        let mut fix = Fix::new(
            Applicability::Safe,
            format!("label {who}"),
            edits,
            doc_index,
            targets,
        );
        for (path, expect) in expects {
            fix = fix.expecting(path, expect);
        }
        Ok(Some((fix, parts)))
    }

    /// A `metadata` entry holding the labels to set, for an object that has none (kubectl
    /// adds one the same way).
    fn new_metadata(&self, src: Source<'_>, root: NodeId) -> Result<MapChange, String> {
        let Source { text, doc, reader } = src;
        let mut path = doc
            .path_to(root, reader)
            .ok_or_else(|| "it cannot be reached from the document root".to_string())?;
        let root = doc.deref(root);
        let NodeKind::Map { entries, flow } = &doc.node(root).kind else {
            return Err("it is not a mapping".to_string());
        };
        let pairs: Vec<String> = self
            .changes
            .set
            .iter()
            .map(|(k, v)| format!("{}: {}", plain_or_quoted(k), plain_or_quoted(v)))
            .collect();
        let (&(first, _), &(last_k, last_v)) = entries
            .first()
            .zip(entries.last())
            .ok_or_else(|| "it is empty".to_string())?;
        let edit = if *flow {
            Edit::insert(
                doc.span(last_v).end,
                format!(", metadata: {{labels: {{{}}}}}", pairs.join(", ")),
            )
        } else {
            let indent = indent_of(text, doc.span(first).start)?;
            let end = doc.span(last_v).end.max(doc.span(last_k).end);
            let at = after_line(text, end);
            let nl = newline_at(text, end);
            let mut lines = format!("{indent}metadata:{nl}{indent}  labels:{nl}");
            for p in &pairs {
                lines.push_str(&format!("{indent}    {p}{nl}"));
            }
            if at == text.len() && !text.ends_with('\n') {
                lines = format!("{nl}{}", lines.trim_end_matches(nl));
            }
            Edit::insert(at, lines)
        };
        path.push("metadata".to_string());
        let expects = self
            .changes
            .set
            .iter()
            .map(|(k, v)| {
                let mut p = path.clone();
                p.extend(["labels".to_string(), k.clone()]);
                (
                    p,
                    Expect::Str {
                        value: v.clone(),
                        or_at: None,
                    },
                )
            })
            .collect();
        Ok(MapChange {
            path,
            edits: vec![edit],
            expects,
        })
    }

    /// The edits that apply the changes to the string map at `holder.key`, with what they
    /// promise. An existing value that YAML 1.1 types as something else than a string
    /// counts as the text written, and is quoted when the map is touched.
    fn map_change(
        &self,
        src: Source<'_>,
        holder: NodeId,
        key: &str,
        phase: Phase,
        overwrite: bool,
    ) -> Result<MapChange, String> {
        let Source { text, doc, reader } = src;
        let (set, remove): (&[(String, String)], &[String]) = match phase {
            Phase::Set => (&self.changes.set, &[]),
            Phase::Remove => (&[], &self.changes.remove),
        };
        let mut path = doc
            .path_to(holder, reader)
            .ok_or_else(|| "its labels cannot be reached from the document root".to_string())?;
        let shared_holder = doc.deref(holder) != holder || doc.is_aliased(doc.deref(holder));
        let holder = doc.deref(holder);
        path.push(key.to_string());
        let mut out = MapChange {
            path: path.clone(),
            edits: Vec::new(),
            expects: Vec::new(),
        };
        let entry = doc.get_entry(holder, key);
        let map = entry.map(|(_, v)| doc.deref(v)).filter(|&v| doc.is_map(v));
        let mut missing: Vec<(&str, &str)> = Vec::new();
        let mut touched_keys: Vec<NodeId> = Vec::new();
        for (k, v) in set {
            let at = map.and_then(|m| find_key(doc, m, k));
            match at {
                Some((kn, vn)) => {
                    let have = doc.scalar(vn).unwrap_or_default();
                    if have == v.as_str() && doc.str(vn).is_some() {
                        continue;
                    }
                    if let Some(m) = map
                        && let Some(why) = not_editable(doc, m, kn, vn, k)
                    {
                        return Err(why);
                    }
                    if have != v.as_str() && !overwrite {
                        return Err(format!(
                            "'{k}' already has a value ({have}), and --overwrite is false"
                        ));
                    }
                    touched_keys.push(kn);
                    out.edits
                        .push(value_edit(text, doc, kn, vn, &plain_or_quoted(v))?);
                }
                None => missing.push((k, v)),
            }
            let mut p = path.clone();
            p.push(k.clone());
            out.expects.push((
                p,
                Expect::Str {
                    value: v.clone(),
                    or_at: None,
                },
            ));
        }
        for k in remove {
            let Some(m) = map else { continue };
            let Some((kn, vn)) = find_key(doc, m, k) else {
                continue;
            };
            if doc.merged_through_alias(m, kn) || doc.is_aliased(vn) {
                return Err(not_editable(doc, m, kn, vn, k).unwrap_or_default());
            }
            // a label merged from an inline `<<: {…}` is removed where it is written
            let written_in = doc.map_of_key(kn).unwrap_or(m);
            let removal = crate::fix::remove_entry(text, doc, written_in, kn)
                .ok_or_else(|| format!("`{k}` cannot be removed by editing a few bytes"))?;
            if removal.drops_comment {
                return Err(format!(
                    "removing `{k}` would also delete a comment next to it; remove it by hand"
                ));
            }
            touched_keys.push(kn);
            out.edits.extend(removal.edits);
            let mut p = path.clone();
            p.push(k.clone());
            out.expects.push((p, Expect::Absent));
        }
        if !missing.is_empty() {
            out.edits
                .push(insertion(text, doc, holder, entry, map, key, &missing)?);
        }
        if !out.edits.is_empty()
            && (shared_holder || entry.is_some_and(|(_, v)| doc.deref(v) != v || doc.is_aliased(v)))
        {
            return Err(format!(
                "`{key}` is shared through a YAML anchor and alias, so a change here would change the other place too; write the map out in each place by hand, then label"
            ));
        }
        if !out.edits.is_empty()
            && let Some(m) = map
        {
            // the map is touched: values typed otherwise become the strings written
            for &(kn, vn) in doc.effective(m).iter() {
                if touched_keys.contains(&kn) || is_string(doc, vn) {
                    continue;
                }
                if let Some(why) = not_editable(doc, m, kn, vn, doc.scalar(kn).unwrap_or("?")) {
                    return Err(format!(
                        "{why} (its value is not a string, and a touched label map must hold strings only)"
                    ));
                }
                if let Some(e) = crate::fix::quote_scalar(text, doc, vn) {
                    out.edits.push(e);
                }
            }
        }
        Ok(out)
    }
}

/// The text being labelled, its parsed document, and how its YAML is typed.
#[derive(Clone, Copy)]
struct Source<'a> {
    text: &'a str,
    doc: &'a Document,
    reader: Reader,
}

struct MapChange {
    path: yaml::value::Path,
    edits: Vec<Edit>,
    expects: Vec<(yaml::value::Path, Expect)>,
}

/// The entry of label key `key` in a map as kubectl reads it (merge keys applied), by the
/// text of its key.
fn find_key(doc: &Document, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
    doc.effective(map)
        .iter()
        .rev()
        .find(|&&(k, _)| doc.scalar(k) == Some(key))
        .copied()
}

/// Why an entry of a label map cannot be edited in place: it comes from a mapping shared
/// through an alias (`<<: *base`), or its value is an alias.
fn not_editable(
    doc: &Document,
    map: NodeId,
    key: NodeId,
    value: NodeId,
    k: &str,
) -> Option<String> {
    if doc.merged_through_alias(map, key) {
        return Some(format!(
            "label `{k}` comes through a merge key (`<<: *…`) from a mapping other places may share; write it in this map by hand, then label"
        ));
    }
    if doc.deref(value) != value {
        return Some(format!(
            "label `{k}` is an alias of a value written elsewhere; write the value out in place by hand, then label"
        ));
    }
    if doc.is_aliased(value) {
        return Some(format!(
            "the value of label `{k}` is anchored (`&…`) and used elsewhere through an alias, so a change here would change it there too; write the value out in each place by hand, then label"
        ));
    }
    None
}

fn is_string(doc: &Document, n: NodeId) -> bool {
    match doc.scalar_parts(n) {
        Some((v, style, tag)) => matches!(resolve(v, style == Style::Plain, tag), Resolved::Str),
        None => true,
    }
}

/// The edit that makes `value` the value of the entry `key: old`: the old scalar replaced,
/// or, for an empty one (`app:` or `app: # comment`), the new value written after the colon.
fn value_edit(
    text: &str,
    doc: &Document,
    key: NodeId,
    old: NodeId,
    value: &str,
) -> Result<Edit, String> {
    let span = doc.span(old);
    if !span.is_empty() {
        return Ok(Edit::replace(span, value));
    }
    let from = doc.span(key).end;
    let colon = text[from..]
        .find(':')
        .map(|i| from + i)
        .ok_or_else(|| "its label has no `:`".to_string())?;
    Ok(Edit::insert(colon + 1, format!(" {value}")))
}

/// The edit that adds the `missing` pairs: into the map when it is there (block or flow),
/// as a map in place of a null value, or as a new `key:` entry of `holder`.
fn insertion(
    text: &str,
    doc: &Document,
    holder: NodeId,
    entry: Option<(NodeId, NodeId)>,
    map: Option<NodeId>,
    key: &str,
    missing: &[(&str, &str)],
) -> Result<Edit, String> {
    let pairs: Vec<String> = missing
        .iter()
        .map(|(k, v)| format!("{}: {}", plain_or_quoted(k), plain_or_quoted(v)))
        .collect();
    let flow_pairs = format!("{{{}}}", pairs.join(", "));
    match (entry, map) {
        (Some(_), Some(m)) => {
            let NodeKind::Map { entries, flow } = &doc.node(m).kind else {
                return Err("its labels are not a mapping".to_string());
            };
            if *flow {
                let span = doc.span(m);
                return Ok(match entries.last() {
                    Some(&(_, v)) => {
                        Edit::insert(doc.span(v).end, format!(", {}", pairs.join(", ")))
                    }
                    None => Edit::replace(Span::new(span.start, span.end), flow_pairs),
                });
            }
            let &(first, _) = entries
                .first()
                .ok_or_else(|| "its labels are an empty block".to_string())?;
            let &(last_k, last_v) = entries.last().unwrap_or(&(first, first));
            let indent = indent_of(text, doc.span(first).start)?;
            let end = doc.span(last_v).end.max(doc.span(last_k).end);
            let at = after_line(text, end);
            let nl = newline_at(text, end);
            // a file whose last line has no newline gets one before the new lines
            let lead = if at == text.len() && !text.ends_with('\n') {
                nl
            } else {
                ""
            };
            let lines: String = pairs.iter().map(|p| format!("{indent}{p}{nl}")).collect();
            let lines = if lead.is_empty() {
                lines
            } else {
                format!("{lead}{}", lines.trim_end_matches(nl))
            };
            Ok(Edit::insert(at, lines))
        }
        (Some((k, v)), None) => {
            if !doc.is_null(v) {
                return Err(format!("its `{key}` is not a mapping"));
            }
            // `labels:` or `labels: ~`: the value becomes a flow map
            let value = doc.span(v);
            if value.is_empty() {
                let from = doc.span(k).end;
                let colon = text[from..]
                    .find(':')
                    .map(|i| from + i)
                    .ok_or_else(|| format!("its `{key}` has no `:`"))?;
                Ok(Edit::insert(colon + 1, format!(" {flow_pairs}")))
            } else {
                Ok(Edit::replace(value, flow_pairs))
            }
        }
        (None, _) => {
            let NodeKind::Map { entries, flow } = &doc.node(holder).kind else {
                return Err(format!("the map that should hold `{key}` is not a mapping"));
            };
            if *flow {
                let span = doc.span(holder);
                return Ok(match entries.last() {
                    Some(&(_, v)) => {
                        Edit::insert(doc.span(v).end, format!(", {key}: {flow_pairs}"))
                    }
                    None => Edit::replace(span, format!("{{{key}: {flow_pairs}}}")),
                });
            }
            let &(first, _) = entries
                .first()
                .ok_or_else(|| format!("the map that should hold `{key}` is empty"))?;
            let &(last_k, last_v) = entries.last().unwrap_or(&(first, first));
            let indent = indent_of(text, doc.span(first).start)?;
            let end = doc.span(last_v).end.max(doc.span(last_k).end);
            let at = after_line(text, end);
            let nl = newline_at(text, end);
            let step = if indent.is_empty() {
                "  ".to_string()
            } else {
                indent.clone()
            };
            let step = &step[..step.len().clamp(1, 2)];
            let mut lines = format!("{indent}{key}:{nl}");
            for p in &pairs {
                lines.push_str(&format!("{indent}{step}{p}{nl}"));
            }
            if at == text.len() && !text.ends_with('\n') {
                lines = format!("{nl}{}", lines.trim_end_matches(nl));
            }
            Ok(Edit::insert(at, lines))
        }
    }
}

/// The spaces before a key that starts its line (block style); otherwise kure does not add
/// lines next to it.
fn indent_of(text: &str, key_start: usize) -> Result<String, String> {
    let ls = line_start(text, key_start);
    let indent = &text[ls..key_start];
    // spaces, or the dashes of sequence items (`- name: x`: the next key sits under `name`)
    if indent.bytes().all(|b| b == b' ' || b == b'-') && !indent.ends_with('-') {
        Ok(" ".repeat(indent.chars().count()))
    } else {
        Err("its labels do not start their lines; label it by hand".to_string())
    }
}

/// Where lines go after a node that ends at `end`: the start of the next line (a block
/// scalar's span already ends there).
fn after_line(text: &str, end: usize) -> usize {
    if end > 0 && text[..end].ends_with('\n') {
        end
    } else {
        line_end(text, end)
    }
}

impl Facts {
    /// The seed's order (k8s-facts.md 3.5): label the pods first, the Service selector last.
    /// A Service that would select fewer pod templates than before, or a template that would
    /// fall out of its own workload's selector, refuses the command.
    fn narrowing(&self, allowed: bool) -> Vec<String> {
        let mut out = Vec::new();
        let meet = |a: &Option<String>, b: &Option<String>| a.is_none() || b.is_none() || a == b;
        for t in &self.templates {
            if let Some(own) = &t.own
                && !own.is_empty()
                && own.matches(&t.before)
                && !own.matches(&t.after)
            {
                out.push(format!(
                    "{}: its pod template would no longer match its own spec.selector `{own}`; kure never edits a workload's selector (in apps/v1 it is immutable): re-create {} with the new labels",
                    t.who, t.who
                ));
            }
        }
        if allowed {
            return out;
        }
        for s in &self.services {
            let before = Selector::of_map(&s.before);
            let after = Selector::of_map(&s.after);
            let lost: Vec<&TemplateFacts> = self
                .templates
                .iter()
                .filter(|t| meet(&t.namespace, &s.namespace))
                .filter(|t| before.matches(&t.before))
                .filter(|t| s.after.is_empty() || !after.matches(&t.after))
                .collect();
            if lost.is_empty() {
                continue;
            }
            let names: Vec<&str> = lost.iter().map(|t| t.who.as_str()).collect();
            out.push(format!(
                "{} would stop selecting the pods of {} (selector `{after}`); label those pod templates first (--pod-templates), or pass --allow-narrowing if that is meant",
                s.who,
                names.join(", ")
            ));
        }
        out
    }
}
