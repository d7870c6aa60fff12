//! `kure convert`: turns Deployments, DaemonSets and StatefulSets into one another in place
//! (k8s-facts.md 4.4), and removes what a `kubectl get -o yaml` dump left (`--neat-only`
//! does only that): `status`, server-written metadata and annotations, and the defaults the
//! server filled in (k8s-facts.md 5.3–5.5), each only where it equals the default.
//!
//! Every change is a `Fix` applied by `apply::to_fixed_point`, which re-parses and verifies
//! each pass; the proposer looks at each selected object as it now stands and proposes what
//! is still to do, so a step applied in one pass is not proposed again. The server's
//! metadata is removed by the `server-populated-field` rule's own fixes, and a strategy is
//! translated by the same code as `field-not-for-kind`'s fix. A converted object must lint
//! without `field-not-for-kind`, `server-populated-field` or `selector-template-mismatch`
//! findings; one that would not is refused, and then no file is written.

use crate::apply::{self, Change};
use crate::check::FileChecker;
use crate::error::{Error, FileErrorKind};
use crate::fix::{Applicability, Edit, Expect, Fix, plain_or_quoted};
use crate::load::{Loaded, Shape};
use crate::model::defaults::{self, Default, Typed};
use crate::model::kustomize::{self, FileRole, Kustomize};
use crate::model::selector::{PodLabels, Selector, string_pairs};
use crate::model::workload::{self, kinds_with_field, spec_fields};
use crate::model::{Object, objects};
use crate::rules::Settings;
use crate::rules::strategy::{self, Mode};
use crate::source::Base;
use crate::summary::FileError;
use crate::walk::{self, Input};
use crate::yaml::resolve::Reader;
use crate::yaml::value::{self, Path, Value};
use crate::yaml::{self, Document, NodeId};
use std::path::PathBuf;
use std::sync::Arc;

/// The kinds `kure convert` converts between.
pub const TARGETS: &[&str] = &["Deployment", "DaemonSet", "StatefulSet"];

/// What to convert, and how.
#[derive(Clone, Debug, Default)]
pub struct ConvertOptions {
    /// Files and directories (`-` reads standard input).
    pub paths: Vec<PathBuf>,
    pub stdin_filename: Option<String>,
    pub no_ignore: bool,
    /// The config's exclusions, its rules set to off and its per-file and per-object levels
    /// (with the command line's `--exclude`): a removal whose rule is off or suppressed is
    /// not made, and a converted object is not refused for it.
    pub rules: crate::config::Merged,
    /// Each file's own nearest `.kure.yaml` excludes what it says (`None` with `--config`
    /// or `--isolated`).
    pub per_file_configs: Option<crate::config::Flags>,
    /// The kind to convert to (`deployment`, `daemonset`, `statefulset`, any case); `None`
    /// only removes what a dump left (`--neat-only`).
    pub to: Option<String>,
    /// Only objects of this kind (`deployment`, `deploy`, `Deployment`, …).
    pub kind: Option<String>,
    /// Only objects of this name.
    pub name: Option<String>,
    /// `spec.replicas` of a DaemonSet turned into a Deployment or StatefulSet (default 1).
    pub replicas: Option<u32>,
    /// `spec.serviceName` of a new StatefulSet.
    pub service_name: Option<String>,
    /// Write the changed files (atomically, each only if it still holds what was read).
    pub write: bool,
}

/// What a `kure convert` run did.
#[derive(Debug, Default)]
pub struct ConvertOutcome {
    /// The files changed (written when `write` and nothing was refused).
    pub changes: Vec<Change>,
    /// Each object converted (or neatened), with what was done to it.
    pub converted: Vec<Converted>,
    /// What changes for the user, by object: `path: Kind/name: text`.
    pub warnings: Vec<String>,
    /// Objects that cannot be converted, with why: nothing is written when this is not empty.
    pub refused: Vec<String>,
    /// Files that could not be read, parsed or written.
    pub errors: Vec<FileError>,
    /// Standard input's name and text, converted (or as read).
    pub stdin: Option<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Converted {
    pub path: String,
    /// `Kind/name` as it was.
    pub object: String,
    /// Its namespace, when it names one.
    pub namespace: Option<String>,
    /// The kind it became (`None` for `--neat-only`).
    pub to: Option<&'static str>,
    /// What was changed, one line per change, beside removing what a dump left.
    pub steps: Vec<String>,
    /// How many fields a dump left were removed (server-written metadata, `status`,
    /// defaults).
    pub neatened: usize,
}

/// A kind as users name it: any case, plural, or kubectl's short name.
fn kind_named(name: &str) -> Option<&'static str> {
    match name.to_ascii_lowercase().as_str() {
        "deployment" | "deployments" | "deploy" => Some("Deployment"),
        "daemonset" | "daemonsets" | "ds" => Some("DaemonSet"),
        "statefulset" | "statefulsets" | "sts" => Some("StatefulSet"),
        _ => None,
    }
}

fn kind_matches(filter: &str, kind: &str) -> bool {
    crate::model::kinds::matches(filter, kind)
}

/// A headless Service among the inputs: where a new StatefulSet's `serviceName` comes from.
#[derive(Clone, Debug)]
struct Headless {
    namespace: Option<String>,
    name: String,
    selector: Vec<(String, String)>,
}

/// What the inputs define that a conversion may leave pointing at the old kind.
#[derive(Default)]
struct Facts {
    /// `(namespace, name, target kind, target name, path)` of every HPA.
    hpas: Vec<(Option<String>, String, String, String, String)>,
    /// `(namespace, name, selector, path)` of every PodDisruptionBudget.
    pdbs: Vec<(Option<String>, String, Selector, String)>,
}

/// A converted object, for the warnings that need every file.
struct Done {
    path: String,
    from: &'static str,
    to: Option<&'static str>,
    namespace: Option<String>,
    name: String,
    labels: PodLabels,
}

struct Run<'a> {
    opts: &'a ConvertOptions,
    to: Option<&'static str>,
    headless: Vec<Headless>,
    settings: Settings,
    final_settings: Settings,
}

/// Settings running `rules`, as far as the config leaves them on.
fn only(config: &crate::config::Merged, rules: &[&str]) -> Result<Settings, Error> {
    let merged = crate::config::Merged {
        select: Some(rules.iter().map(|r| r.to_string()).collect()),
        ..config.clone()
    };
    Settings::from_merged(&merged, false)
}

/// Converts the objects the options select, in memory; writes the files only when nothing
/// was refused and `write` is set.
pub fn convert(opts: &ConvertOptions) -> Result<ConvertOutcome, Error> {
    let to = match &opts.to {
        None => None,
        Some(t) => Some(kind_named(t).ok_or_else(|| {
            Error::Usage(format!(
                "cannot convert to `{t}`: the kinds are deployment, daemonset and statefulset"
            ))
        })?),
    };
    if opts.replicas.is_some() && !matches!(to, Some("Deployment" | "StatefulSet")) {
        return Err(Error::Usage(
            "--replicas needs --to deployment or --to statefulset".to_string(),
        ));
    }
    if opts.service_name.is_some() && to != Some("StatefulSet") {
        return Err(Error::Usage(
            "--service-name needs --to statefulset".to_string(),
        ));
    }
    if let Some(k) = &opts.kind {
        super::check_kind(k)?;
    }
    if let Some(k) = &opts.kind
        && to.is_some()
        && kind_named(k).is_none()
    {
        return Err(Error::Usage(format!(
            "--kind {k}: kure converts Deployments, DaemonSets and StatefulSets"
        )));
    }
    let walk_opts = walk::WalkOptions {
        exclude: &opts.rules.exclude,
        no_ignore: opts.no_ignore,
        stdin_filename: opts.stdin_filename.as_deref(),
    };
    let (mut inputs, walk_errors) = walk::discover(&opts.paths, &walk_opts);
    if let Some(flags) = &opts.per_file_configs {
        crate::lint::nested_configs(
            &mut inputs,
            &opts.paths,
            flags,
            opts.rules.config.as_deref(),
        )?;
    }
    let mut outcome = ConvertOutcome::default();
    for (path, kind) in walk_errors {
        outcome.errors.push(FileError { path, kind });
    }
    let kz = Kustomize::for_inputs(&inputs, &|p| crate::load::read_text(p).ok());
    let headless = if to == Some("StatefulSet") && opts.service_name.is_none() {
        headless_services(&inputs)
    } else {
        Vec::new()
    };
    let run = Run {
        opts,
        to,
        headless,
        settings: only(&opts.rules, &["server-populated-field"])?,
        final_settings: only(
            &opts.rules,
            &[
                "field-not-for-kind",
                "server-populated-field",
                "selector-template-mismatch",
            ],
        )?,
    };
    let (files, stdin) =
        crate::load::read_each(&inputs, |input, bytes| run.file(&kz, input, bytes));
    let mut facts = Facts::default();
    let mut done = Vec::new();
    let mut written: Vec<(Option<PathBuf>, Change)> = Vec::new();
    for f in files {
        outcome.errors.extend(f.errors);
        outcome.refused.extend(f.refused);
        outcome.warnings.extend(f.warnings);
        outcome.converted.extend(f.converted);
        facts.hpas.extend(f.facts.hpas);
        facts.pdbs.extend(f.facts.pdbs);
        done.extend(f.done);
        written.extend(f.change);
        if f.stdin.is_some() {
            outcome.stdin = f.stdin;
        }
    }
    if to.is_some() {
        outcome
            .warnings
            .extend(references(&done, &facts, &kustomize_refs(&inputs)));
    }
    if outcome.stdin.is_none() {
        // standard input always comes back: converted, or as read
        outcome.stdin = crate::load::stdin_as_read(&inputs, stdin);
    }
    let refused = !outcome.refused.is_empty();
    if refused {
        // a refusal changes no file
        outcome.converted.clear();
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

/// One file's part of a run.
#[derive(Default)]
struct FileConvert {
    errors: Vec<FileError>,
    refused: Vec<String>,
    warnings: Vec<String>,
    converted: Vec<Converted>,
    facts: Facts,
    done: Vec<Done>,
    change: Option<(Option<PathBuf>, Change)>,
    stdin: Option<(String, String)>,
}

/// An object chosen for conversion: where it is, and what it was.
struct Chosen {
    doc: usize,
    index: usize,
    /// Its path from the document root (`items.N` in a `List`).
    prefix: Path,
    from: &'static str,
    who: String,
    traces: Traces,
    namespace: Option<String>,
    /// Its pod template's labels as read.
    labels: PodLabels,
    warnings: Vec<String>,
    steps: Vec<String>,
    neatened: usize,
}

type Key = (usize, usize, String);

impl Run<'_> {
    fn file(
        &self,
        kz: &Kustomize,
        input: &Input,
        bytes: Result<Vec<u8>, FileErrorKind>,
    ) -> FileConvert {
        let mut out = FileConvert::default();
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
        let role = kz.role(&fs_path);
        let reader = FileRole::reader_of(role);
        let stream = yaml::parse(&text, yaml::Limits::default());
        if Shape::of(&stream)
            .skip_reason(&text, !stream.errors.is_empty())
            .is_some()
        {
            return out;
        }
        if let Some(e) = stream.errors.first() {
            let line = text[..e.offset.min(text.len())].matches('\n').count() + 1;
            out.errors.push(FileError {
                path,
                kind: FileErrorKind::Io(format!(
                    "not converted: the YAML does not parse (line {line}: {})",
                    e.message
                )),
            });
            return out;
        }
        let mut chosen = Vec::new();
        for (d, doc) in stream.documents.iter().enumerate() {
            for (i, obj) in objects(doc).iter().enumerate() {
                out.facts.add(obj, &path);
                if let Some(c) = self.choose(&path, d, i, obj, reader, &mut out.refused) {
                    chosen.push(c);
                }
            }
        }
        if chosen.is_empty() {
            return out;
        }
        let arc_path: Arc<str> = Arc::from(path.as_str());
        let checker = FileChecker::new(&arc_path, &fs_path, role, &self.settings);
        let final_checker = FileChecker::new(&arc_path, &fs_path, role, &self.final_settings);
        // why an object cannot be converted: what its plan met, and what it would still
        // lint with once converted
        let mut unplanned: Vec<(usize, String)> = Vec::new();
        let mut lints: Vec<(usize, String)> = Vec::new();
        let mut first = true;
        let outcome = apply::to_fixed_point(text.clone(), stream, reader, |now, stream| {
            let mut proposals: Vec<(Key, Fix)> = Vec::new();
            for d in checker.check(now, stream, Base::default()).diagnostics {
                let Some(f) = d.fix else { continue };
                if f.drops_comment {
                    continue;
                }
                if let Some(c) = chosen.iter().position(|c| c.owns(&f)) {
                    let key = (f.doc, c, format!("~{}|{:?}", f.message, f.targets));
                    proposals.push((key, *f));
                }
            }
            for (ci, c) in chosen.iter_mut().enumerate() {
                let Some(doc) = stream.documents.get(c.doc) else {
                    continue;
                };
                let Some(obj) = objects(doc).get(c.index).copied() else {
                    continue;
                };
                let cx = Cx {
                    text: now,
                    doc,
                    doc_index: c.doc,
                    reader,
                    prefix: &c.prefix,
                };
                let mut warnings = Vec::new();
                let planned = self.plan(&cx, &obj, c.from, c.traces, &mut warnings);
                if first {
                    for w in warnings {
                        if !c.warnings.contains(&w) {
                            c.warnings.push(w);
                        }
                    }
                }
                match planned {
                    Ok(fixes) => {
                        for (what, fix) in fixes {
                            proposals.push(((c.doc, ci, what), fix));
                        }
                    }
                    Err(why) => {
                        if !unplanned.iter().any(|(i, w)| *i == ci && *w == why) {
                            unplanned.push((ci, why));
                        }
                    }
                }
            }
            first = false;
            if proposals.is_empty() && self.to.is_some() {
                // the final text: what the converted objects must lint without
                lints.clear();
                for d in final_checker
                    .check(now, stream, Base::default())
                    .diagnostics
                {
                    let at = d.at.span.start;
                    if let Some(ci) = chosen.iter().position(|c| c.contains(stream, at)) {
                        lints.push((ci, format!("{} ({})", d.message, d.rule)));
                    }
                }
            }
            proposals
        });
        for (key, reason) in &outcome.refused {
            if let Some(c) = chosen.get(key.1) {
                out.refused.push(format!(
                    "{path}: {}: cannot be converted: {reason} ({})",
                    c.who,
                    key.2.split('|').next().unwrap_or_default()
                ));
            }
        }
        let refused_here = !outcome.refused.is_empty();
        for key in &outcome.applied {
            if let Some(c) = chosen.get_mut(key.1) {
                let step = key.2.split('|').next().unwrap_or_default();
                if step.starts_with('~') {
                    c.neatened += 1;
                } else if !c.steps.iter().any(|s| s == step) {
                    c.steps.push(step.to_string());
                }
            }
        }
        if !refused_here && !outcome.left.is_empty() {
            out.refused.push(format!(
                "{path}: the changes did not settle after {} passes",
                apply::MAX_PASSES
            ));
        }
        let mut why_not = unplanned;
        if why_not.is_empty() && !refused_here {
            why_not = lints;
        }
        {
            for (ci, why) in why_not {
                if let Some(c) = chosen.get(ci) {
                    out.refused
                        .push(format!("{path}: {}: cannot be converted: {why}", c.who));
                }
            }
        }
        let objects_changed = chosen
            .iter()
            .filter(|c| !c.steps.is_empty() || c.neatened > 0)
            .count()
            .max(1);
        for c in chosen {
            for w in &c.warnings {
                out.warnings.push(format!("{path}: {}: {w}", c.who));
            }
            if let (Some(name), true) = (c.who.split_once('/').map(|(_, n)| n), self.to.is_some()) {
                out.done.push(Done {
                    path: path.clone(),
                    from: c.from,
                    to: self.to,
                    namespace: c.namespace.clone(),
                    name: name.to_string(),
                    labels: c.labels.clone(),
                });
            }
            if !c.steps.is_empty() || c.neatened > 0 {
                out.converted.push(Converted {
                    path: path.clone(),
                    object: c.who.clone(),
                    namespace: c.namespace.clone(),
                    to: self.to,
                    steps: c.steps,
                    neatened: c.neatened,
                });
            }
        }
        if outcome.text != text && apply::is_sops_text(text.as_bytes()) {
            out.refused.push(super::ENCRYPTED.replace("{path}", &path));
        } else if outcome.text != text {
            let dest = input.file().map(|p| p.to_path_buf());
            if dest.is_none() {
                out.stdin = Some((path.clone(), outcome.text.clone()));
            }
            out.change = Some((
                dest,
                Change {
                    path,
                    original: text,
                    fixed: outcome.text,
                    rules: vec!["convert"; objects_changed],
                },
            ));
        } else if input.file().is_none() {
            out.stdin = Some((path, text));
        }
        out
    }

    /// Whether the object is one to convert: refused (with why) when it is chosen but
    /// cannot be.
    fn choose(
        &self,
        path: &str,
        doc: usize,
        index: usize,
        obj: &Object<'_>,
        reader: Reader,
        refused: &mut Vec<String>,
    ) -> Option<Chosen> {
        let name = obj.name().unwrap_or("?");
        if let Some(n) = &self.opts.name
            && n != name
        {
            return None;
        }
        if let Some(k) = &self.opts.kind
            && !kind_matches(k, obj.kind)
        {
            return None;
        }
        let from = match self.to {
            Some(to) => {
                let from = TARGETS.iter().copied().find(|k| *k == obj.kind)?;
                if from == to || !matches!(obj.group(), "apps" | "extensions") {
                    return None;
                }
                from
            }
            None => "",
        };
        let who = format!("{}/{name}", obj.kind);
        if self.to.is_some() && obj.api_version != "apps/v1" {
            refused.push(format!(
                "{path}: {who}: cannot be converted: its apiVersion is {}; move it to apps/v1 first (`kure migrate`)",
                obj.api_version
            ));
            return None;
        }
        let doc_ = obj.doc;
        let traces = Traces::of(obj);
        let mut c = Chosen {
            doc,
            index,
            prefix: doc_.path_to(obj.root, reader).unwrap_or_default(),
            from: if from.is_empty() {
                TARGETS
                    .iter()
                    .copied()
                    .find(|k| *k == obj.kind)
                    .unwrap_or("")
            } else {
                from
            },
            who,
            traces,
            namespace: obj.namespace().map(str::to_string),
            labels: workload::lookup(obj)
                .map(|w| w.pod_template(obj).labels)
                .unwrap_or_default(),
            warnings: Vec::new(),
            steps: Vec::new(),
            neatened: 0,
        };
        if let Some(to) = self.to {
            c.warnings = self.warnings(obj, from, to);
        }
        Some(c)
    }

    /// What changes for the user when `obj` (a `from`) becomes a `to`, read from the object
    /// as written.
    fn warnings(&self, obj: &Object<'_>, from: &str, to: &str) -> Vec<String> {
        let doc = obj.doc;
        let mut out = Vec::new();
        let Some(spec) = obj.spec() else {
            return out;
        };
        let field = |name: &str| doc.get(spec, name);
        let scalar = |name: &str| field(name).and_then(|n| doc.scalar(n)).unwrap_or_default();
        if from == "DaemonSet" && field("replicas").is_none() && self.opts.replicas.is_none() {
            out.push(format!(
                "a DaemonSet runs one pod on every node; the {to} runs 1 replica (set the count with --replicas)"
            ));
        }
        if from == "StatefulSet" {
            if field("volumeClaimTemplates").is_some() {
                out.push(format!(
                    "`volumeClaimTemplates` is dropped: a {to} creates no PersistentVolumeClaims, and the volume mounts that used them need `volumes`"
                ));
            }
            if scalar("podManagementPolicy") == "Parallel" {
                out.push("`podManagementPolicy: Parallel` is dropped".to_string());
            }
            if field("persistentVolumeClaimRetentionPolicy").is_some() {
                out.push("`persistentVolumeClaimRetentionPolicy` is dropped".to_string());
            }
            if field("ordinals").is_some() {
                out.push("`ordinals` is dropped: pods are no longer numbered".to_string());
            }
            if !scalar("serviceName").is_empty() {
                out.push(format!(
                    "`serviceName: {}` is dropped: the pods lose their stable DNS names",
                    scalar("serviceName")
                ));
            }
        }
        if from == "Deployment" && scalar("paused") == "true" {
            out.push("the Deployment is paused; the new object is not".to_string());
        }
        if to == "StatefulSet" && field("serviceName").is_none() && self.opts.service_name.is_none()
        {
            match self.service_for(obj) {
                Some(_) => {}
                None => out.push(
                    "no `serviceName`: no headless Service among the inputs selects the pods; pods get stable DNS names only through one (set it with --service-name; clusters before 1.33 require it)"
                        .to_string(),
                ),
            }
        }
        if to == "StatefulSet"
            && let Some(name) = obj.name()
            && (name.len() > 63 || name.contains('.'))
        {
            out.push(format!(
                "a StatefulSet's name must be a DNS label (63 characters, no dots): `{name}` is not"
            ));
        }
        out
    }

    /// The headless Service among the inputs that selects the object's pod template.
    fn service_for(&self, obj: &Object<'_>) -> Option<String> {
        let w = workload::lookup(obj)?;
        let labels = w.pod_template(obj).labels;
        let ns = obj.namespace().map(str::to_string);
        self.headless
            .iter()
            .find(|h| {
                h.namespace == ns
                    && !h.selector.is_empty()
                    && Selector::of_map(&h.selector).matches(&labels)
            })
            .map(|h| h.name.clone())
    }

    /// The fixes still to make on an object, as it now stands.
    fn plan(
        &self,
        cx: &Cx<'_>,
        obj: &Object<'_>,
        from: &'static str,
        traces: Traces,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<(String, Fix)>, String> {
        let mut out: Vec<(String, Fix)> = Vec::new();
        let doc = cx.doc;
        if let Some(to) = self.to {
            // the kind
            if obj.kind != to {
                let (k, v) = doc.get_entry(obj.root, "kind").ok_or("it has no `kind`")?;
                let _ = k;
                let span = doc.span(v);
                let written = &cx.text[span.start..span.end];
                let content = match written.chars().next() {
                    Some(q @ ('"' | '\'')) => format!("{q}{to}{q}"),
                    _ => to.to_string(),
                };
                let p = cx.path(&["kind"]);
                out.push((
                    format!("`kind: {}` becomes `kind: {to}`", obj.kind),
                    Fix::new(
                        Applicability::Unsafe,
                        "convert",
                        vec![Edit::replace(span, content)],
                        cx.doc_index,
                        vec![p.clone()],
                    )
                    .expecting(
                        p,
                        Expect::Str {
                            value: to.to_string(),
                            or_at: None,
                        },
                    ),
                ));
            }
            let spec = obj.spec().ok_or("it has no `spec`")?;
            if !doc.is_map(spec) {
                return Err("its `spec` is not a mapping".to_string());
            }
            let own = spec_fields(to).unwrap_or_default();
            if let Some(claim) = mounted_claim(obj, spec) {
                return Err(format!(
                    "its containers mount `{claim}`, which only its `volumeClaimTemplates` provide; give them a volume (a PersistentVolumeClaim) first"
                ));
            }
            for &(k, v) in doc.effective(spec).iter() {
                let Some(name) = doc.str(k) else { continue };
                let changes = name == strategy::key_of(from)
                    || !(own.contains(&name) || kinds_with_field(name).next().is_none());
                if changes && doc.merged_through_alias(spec, k) {
                    return Err(format!(
                        "its `spec.{name}` comes through a merge key (`<<: *…`) from a mapping other places may share; write `{name}` in this object's `spec` (or take it out of the shared mapping) by hand, then convert"
                    ));
                }
                if name == strategy::key_of(from) {
                    if name != strategy::key_of(to) && doc.get(spec, strategy::key_of(to)).is_some()
                    {
                        return Err(format!(
                            "its spec has both `{name}` and `{}`; merge them by hand",
                            strategy::key_of(to)
                        ));
                    }
                    let entry = strategy::Entry {
                        text: cx.text,
                        doc,
                        doc_index: cx.doc_index,
                        reader: cx.reader,
                        key: k,
                        value: v,
                    };
                    match strategy::translate(&entry, from, to, Mode::Convert) {
                        Some(t) => {
                            warnings.extend(t.warnings);
                            out.push((t.fix.message.clone(), t.fix));
                        }
                        None if !own.contains(&name) => {
                            return Err(format!(
                                "its `spec.{name}` has no {to} equivalent kure can write; change it by hand"
                            ));
                        }
                        None => {}
                    }
                    continue;
                }
                if own.contains(&name) || kinds_with_field(name).next().is_none() {
                    continue;
                }
                let fix = crate::fix::removal(
                    cx.text,
                    doc,
                    cx.doc_index,
                    k,
                    cx.reader,
                    Applicability::Unsafe,
                    format!("remove `spec.{name}`"),
                )
                .filter(|f| !f.drops_comment)
                .ok_or_else(|| {
                    format!(
                        "`spec.{name}` cannot be removed without deleting a comment beside it; remove it by hand"
                    )
                })?;
                out.push((fix.message.clone(), fix));
            }
            // what the target needs
            if to != "DaemonSet" {
                let want = self.opts.replicas.map(|r| r.to_string());
                match (doc.get(spec, "replicas"), &want) {
                    (None, _) if from == "DaemonSet" => {
                        let n = want.clone().unwrap_or_else(|| "1".to_string());
                        out.push(cx.insert_field(spec, "replicas", &n, Expect::Present)?);
                    }
                    (Some(r), Some(n)) if doc.scalar(r) != Some(n.as_str()) => {
                        let p = cx.path(&["spec", "replicas"]);
                        out.push((
                            format!("set `spec.replicas: {n}`"),
                            Fix::new(
                                Applicability::Unsafe,
                                "convert",
                                vec![Edit::replace(doc.span(r), n.clone())],
                                cx.doc_index,
                                vec![p.clone()],
                            )
                            .expecting(p, Expect::Present),
                        ));
                    }
                    _ => {}
                }
            }
            if to == "StatefulSet" && doc.get(spec, "serviceName").is_none() {
                let name = self
                    .opts
                    .service_name
                    .clone()
                    .or_else(|| self.service_for(obj));
                if let Some(name) = name {
                    let written = plain_or_quoted(&name);
                    out.push(cx.insert_field(
                        spec,
                        "serviceName",
                        &written,
                        Expect::Str {
                            value: name.clone(),
                            or_at: None,
                        },
                    )?);
                }
            }
        }
        // what the server or a controller set on a live object: its owners (a dumped Pod
        // would be adopted by the ReplicaSet that made it) and a Pod's node
        if traces.live {
            let owners = obj
                .metadata()
                .and_then(|m| doc.get_entry(m, "ownerReferences"));
            let node = (obj.kind == "Pod")
                .then(|| obj.spec().and_then(|s| doc.get_entry(s, "nodeName")))
                .flatten();
            for (k, what) in [
                (owners, "metadata.ownerReferences"),
                (node, "spec.nodeName"),
            ] {
                let Some((k, _)) = k else { continue };
                out.extend(cx.neat_removal(k, format!("remove `{what}`, set by the cluster")));
            }
        }
        // what the server filled in: in a dump, or when asked (`--neat-only`); a default
        // an author wrote on purpose is theirs
        let kind = self.to.unwrap_or(obj.kind);
        let dumped = traces.live;
        if (traces.any || self.to.is_none())
            && let Some(spec) = obj.spec()
            && let Some(d) = defaults::spec(obj.group(), kind)
        {
            let mut keys = Vec::new();
            neat(doc, spec, d, dumped, cx.reader, &mut keys);
            for k in keys {
                let Some(path) = doc.path_to(k, cx.reader) else {
                    continue;
                };
                let shown = path[cx.prefix.len()..].join(".");
                let value = doc
                    .map_of_key(k)
                    .and_then(|m| doc.raw_entries(m).iter().find(|e| e.0 == k))
                    .map(|e| doc.deref(e.1));
                let empty = value.is_some_and(|v| doc.is_map(v) && doc.raw_entries(v).is_empty());
                let message = if empty {
                    format!("remove the empty `{shown}`")
                } else {
                    format!("remove `{shown}`, the default")
                };
                out.extend(cx.neat_removal(k, message));
            }
        }
        Ok(out)
    }
}

impl Chosen {
    /// Whether a rule's fix is inside this object.
    fn owns(&self, f: &Fix) -> bool {
        f.doc == self.doc
            && f.targets
                .iter()
                .all(|t| t.len() >= self.prefix.len() && t[..self.prefix.len()] == self.prefix[..])
    }

    /// Whether byte `at` of the text lies inside this object.
    fn contains(&self, stream: &yaml::Stream, at: usize) -> bool {
        let Some(doc) = stream.documents.get(self.doc) else {
            return false;
        };
        objects(doc).get(self.index).is_some_and(|o| {
            let s = doc.span(o.root);
            s.start <= at && at <= s.end
        })
    }
}

/// A claim template's name that a container mounts and no volume of the pod provides: what
/// leaving StatefulSet would break.
fn mounted_claim(obj: &Object<'_>, spec: NodeId) -> Option<String> {
    let doc = obj.doc;
    let claims = doc.get(spec, "volumeClaimTemplates")?;
    let pod = doc.path(spec, &["template", "spec"])?;
    let volumes: Vec<&str> = doc
        .get(pod, "volumes")
        .map(|v| {
            doc.items(v)
                .iter()
                .filter_map(|&i| doc.path_str(i, &["name"]))
                .collect()
        })
        .unwrap_or_default();
    let mounts: Vec<&str> = ["containers", "initContainers"]
        .iter()
        .filter_map(|k| doc.get(pod, k))
        .flat_map(|cs| doc.items(cs).iter().copied())
        .filter_map(|c| doc.get(c, "volumeMounts"))
        .flat_map(|ms| doc.items(ms).iter().copied())
        .filter_map(|m| doc.path_str(m, &["name"]))
        .collect();
    doc.items(claims)
        .iter()
        .filter_map(|&c| doc.path_str(c, &["metadata", "name"]))
        .find(|name| mounts.contains(name) && !volumes.contains(name))
        .map(str::to_string)
}

/// What shows that an object was written out by kubectl rather than by hand.
#[derive(Clone, Copy, Debug, Default)]
struct Traces {
    /// Any trace: server-written metadata, `status`, or the `creationTimestamp: null` and
    /// `status: {}` of `kubectl create --dry-run -o yaml`.
    any: bool,
    /// A live object's (`uid`, `resourceVersion`, a non-empty `status`): the server's
    /// allocations (`clusterIP`) are removed only then.
    live: bool,
}

impl Traces {
    fn of(obj: &Object<'_>) -> Traces {
        let doc = obj.doc;
        let meta = |k: &str| obj.metadata().and_then(|m| doc.get(m, k));
        let status = doc.get(obj.root, "status");
        let live = meta("uid").is_some()
            || meta("resourceVersion").is_some()
            || status.is_some_and(|s| doc.is_map(s) && !doc.raw_entries(s).is_empty());
        let any = live
            || status.is_some()
            || [
                "creationTimestamp",
                "generation",
                "managedFields",
                "selfLink",
            ]
            .iter()
            .any(|k| meta(k).is_some());
        Traces { any, live }
    }
}

/// The text being converted and where an object sits in it.
struct Cx<'a> {
    text: &'a str,
    doc: &'a Document,
    doc_index: usize,
    reader: Reader,
    prefix: &'a Path,
}

impl Cx<'_> {
    fn path(&self, rest: &[&str]) -> Path {
        let mut p = self.prefix.clone();
        p.extend(rest.iter().map(|s| s.to_string()));
        p
    }

    /// The removal of a trace a dump left, keyed with `~` (counted as neatening, not listed
    /// as a conversion step); none where it would also delete a comment not its own (the
    /// field is then kept: neatening is never worth a comment).
    fn neat_removal(&self, key: NodeId, message: String) -> Option<(String, Fix)> {
        let f = crate::fix::removal(
            self.text,
            self.doc,
            self.doc_index,
            key,
            self.reader,
            Applicability::Unsafe,
            message,
        )
        .filter(|f| !f.drops_comment)?;
        Some((format!("~{}", f.message), f))
    }

    /// A new `key: value` line at the top of the block mapping `map` (`spec`), above the
    /// comments that lead its first entry.
    fn insert_field(
        &self,
        map: NodeId,
        key: &str,
        value: &str,
        expect: Expect,
    ) -> Result<(String, Fix), String> {
        let edit =
            crate::fix::insert_first(self.text, self.doc, map, &[(0, format!("{key}: {value}"))])
                .ok_or_else(|| {
                format!("`spec.{key}` cannot be added to this `spec`; add it by hand")
            })?;
        let p = self.path(&["spec", key]);
        Ok((
            format!("add `spec.{key}: {value}`"),
            Fix::new(
                Applicability::Unsafe,
                "convert",
                vec![edit],
                self.doc_index,
                vec![p.clone()],
            )
            .expecting(p, expect),
        ))
    }
}

/// Whether a node holds the default.
fn is_default(
    doc: &Document,
    node: NodeId,
    d: &Default,
    parent: NodeId,
    dumped: bool,
    reader: Reader,
) -> bool {
    let node = doc.deref(node);
    match d {
        Default::Value(t) => {
            let v = value::value(doc, node, reader);
            match (t, &v) {
                (Typed::Int(i), Value::Int(j)) => i == j,
                (Typed::Str(s), Value::Str(w)) => s == w,
                (Typed::Bool(b), Value::Bool(c)) => b == c,
                _ => false,
            }
        }
        Default::Map { entries, empty } => {
            if !*empty || !doc.is_map(node) {
                return false;
            }
            doc.raw_entries(node).iter().all(|&(k, v)| {
                let Some(name) = doc.str(k) else { return false };
                entries
                    .iter()
                    .find(|(n, _)| *n == name)
                    .is_some_and(|(_, sub)| is_default(doc, v, sub, node, dumped, reader))
            })
        }
        Default::Each(_) => false,
        Default::PullPolicy => {
            let image = doc.get(parent, "image").and_then(|i| doc.str(i));
            match (image, doc.str(node)) {
                (Some(image), Some(p)) => defaults::pull_policy(image) == p,
                _ => false,
            }
        }
        Default::SameAsPort => {
            let port = doc
                .get(parent, "port")
                .map(|p| value::value(doc, p, reader));
            port.is_some() && port == Some(value::value(doc, node, reader))
        }
        Default::Allocated => {
            dumped
                && match doc.scalar(node) {
                    Some(s) => s != "None" && !s.is_empty(),
                    None => doc
                        .items(node)
                        .iter()
                        .all(|&i| doc.scalar(i) != Some("None")),
                }
        }
    }
}

/// The keys under `node` whose entries hold the server's defaults (the highest such entry,
/// so `strategy` goes whole when all of it is default).
fn neat(
    doc: &Document,
    node: NodeId,
    d: &Default,
    dumped: bool,
    reader: Reader,
    out: &mut Vec<NodeId>,
) {
    let node = doc.deref(node);
    match d {
        Default::Map { entries, .. } if doc.is_map(node) => {
            let all = doc.raw_entries(node);
            let mut found = Vec::new();
            for &(k, v) in all {
                let Some(name) = doc.str(k) else { continue };
                let Some((_, sub)) = entries.iter().find(|(n, _)| *n == name) else {
                    continue;
                };
                if is_default(doc, v, sub, node, dumped, reader) {
                    found.push(k);
                } else {
                    neat(doc, v, sub, dumped, reader, out);
                }
            }
            // a mapping that means something without entries keeps one
            let keeps_one = matches!(d, Default::Map { empty: false, .. });
            if keeps_one && found.len() == all.len() {
                found.pop();
            }
            out.extend(found);
        }
        Default::Each(sub) => {
            for &item in doc.items(node) {
                neat(doc, item, sub, dumped, reader, out);
            }
        }
        _ => {}
    }
}

impl Facts {
    fn add(&mut self, obj: &Object<'_>, path: &str) {
        let doc = obj.doc;
        let ns = obj.namespace().map(str::to_string);
        let name = obj.name().unwrap_or_default().to_string();
        if obj.kind == "HorizontalPodAutoscaler" {
            let t = |k: &str| {
                doc.path_str(obj.root, &["spec", "scaleTargetRef", k])
                    .unwrap_or_default()
                    .to_string()
            };
            self.hpas
                .push((ns, name, t("kind"), t("name"), path.to_string()));
        } else if obj.kind == "PodDisruptionBudget"
            && let Some(s) = doc.path(obj.root, &["spec", "selector"])
        {
            self.pdbs.push((
                ns,
                name,
                crate::model::selector::label_selector(doc, s),
                path.to_string(),
            ));
        }
    }
}

/// The headless Services among the inputs (read once more, before converting to
/// StatefulSets).
fn headless_services(inputs: &[Input]) -> Vec<Headless> {
    let (found, _) = crate::load::read_each(inputs, |input, bytes| {
        let mut out = Vec::new();
        let Loaded::Text(text) = crate::load::load(&input.path(), bytes) else {
            return out;
        };
        if !text.contains("Service") {
            return out;
        }
        let stream = yaml::parse(&text, yaml::Limits::default());
        for doc in &stream.documents {
            for obj in objects(doc) {
                if !obj.is("", "Service") {
                    continue;
                }
                let d = obj.doc;
                if d.path_str(obj.root, &["spec", "clusterIP"]) != Some("None") {
                    continue;
                }
                let Some(sel) = d.path(obj.root, &["spec", "selector"]) else {
                    continue;
                };
                out.push(Headless {
                    namespace: obj.namespace().map(str::to_string),
                    name: obj.name().unwrap_or_default().to_string(),
                    selector: string_pairs(d, sel),
                });
            }
        }
        out
    });
    found.into_iter().flatten().collect()
}

/// What kustomizations among the inputs say of objects by kind and name:
/// `(kustomization path, kind or "", name, what)`.
fn kustomize_refs(inputs: &[Input]) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for input in inputs {
        let p = input.path();
        if !kustomize::is_kustomization(&p) {
            continue;
        }
        let Ok(text) = crate::load::read_text(&p) else {
            continue;
        };
        let stream = yaml::parse(&text, yaml::Limits::default());
        let Some(doc) = stream.documents.first() else {
            continue;
        };
        let Some(root) = doc.root else { continue };
        if let Some(r) = doc.get(root, "replicas") {
            for &item in doc.items(r) {
                if let Some(n) = doc.path_str(item, &["name"]) {
                    out.push((
                        input.shown(),
                        String::new(),
                        n.to_string(),
                        "a `replicas:` entry".to_string(),
                    ));
                }
            }
        }
        for list in ["patches", "patchesJson6902"] {
            let Some(ps) = doc.get(root, list) else {
                continue;
            };
            for &item in doc.items(ps) {
                let kind = doc.path_str(item, &["target", "kind"]).unwrap_or_default();
                if let Some(n) = doc.path_str(item, &["target", "name"]) {
                    out.push((
                        input.shown(),
                        kind.to_string(),
                        n.to_string(),
                        format!("a `{list}` target"),
                    ));
                }
            }
        }
    }
    out
}

/// Warnings about what among the inputs still names a converted object by its old kind.
fn references(
    done: &[Done],
    facts: &Facts,
    kz: &[(String, String, String, String)],
) -> Vec<String> {
    let mut out = Vec::new();
    for d in done {
        let Some(to) = d.to else { continue };
        let who = format!("{}/{}", d.from, d.name);
        for (ns, name, kind, target, path) in &facts.hpas {
            if kind == d.from && target == &d.name && ns == &d.namespace {
                let why = if to == "DaemonSet" {
                    " (a DaemonSet cannot be scaled)"
                } else {
                    ""
                };
                out.push(format!(
                    "{}: {who}: HorizontalPodAutoscaler/{name} in {path} still targets {who}{why}",
                    d.path
                ));
            }
        }
        if to == "DaemonSet" {
            for (ns, name, selector, path) in &facts.pdbs {
                if ns == &d.namespace && !selector.is_empty() && selector.matches(&d.labels) {
                    out.push(format!(
                        "{}: {who}: PodDisruptionBudget/{name} in {path} selects its pods; with a DaemonSet only `minAvailable` as a number works",
                        d.path
                    ));
                }
            }
        }
        for (path, kind, name, what) in kz {
            let kind_hit = kind.is_empty() || kind == d.from;
            if kind_hit && name == &d.name {
                out.push(format!(
                    "{}: {who}: {what} in {path} still names it as a {}",
                    d.path, d.from
                ));
            }
        }
    }
    out
}
