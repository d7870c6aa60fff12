//! `kure lint --base REF`: the files linted, compared with the same paths at a git commit.
//! A file whose bytes are the commit's (git's blob id says so) is not read there: its
//! objects are the work tree's. The others are read from the repository's object database
//! (`history`), parsed at both versions, and their objects' facts at the commit stand in
//! for the work tree's in the inventory of the base (`model::change::Transition`).

use crate::check::FileChecker;
use crate::error::Error;
use crate::history::{Base, Entry};
use crate::load::Loaded;
use crate::model::change::{ChangedFile, RenderedOutrun, RenderedRefusal, Transition, Version};
use crate::model::inventory::Inventory;
use crate::model::kustomize::{FileRole, Kustomize};
use crate::rules::Settings;
use crate::walk::{self, Input};
use crate::yaml;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file that differs from the commit: as findings name it, its path, and its bytes at the
/// commit and now (`None` where it does not exist).
type Differs = (Arc<str>, PathBuf, Option<Vec<u8>>, Option<Vec<u8>>);

/// The change from `reference` to the work tree, over the `paths` given and the files
/// walked from them (`inputs`); `work` is the run's inventory.
pub fn transition(
    reference: &str,
    paths: &[PathBuf],
    inputs: &[Input],
    kz: &Kustomize,
    facts_only: &Settings,
    work: &Inventory,
) -> Result<Transition, Error> {
    let base = Base::open(&walk::start_dir(paths), reference)?;
    let given: Vec<PathBuf> = paths.iter().map(|p| walk::normalize(p)).collect();
    let mut at_base = base.manifests(&given)?;
    // the files walked: those whose bytes differ from the commit's, with their text now
    let files: Vec<(&Input, PathBuf)> = inputs
        .iter()
        .filter_map(|i| i.file().map(|f| (i, walk::normalize(f))))
        .collect();
    use rayon::prelude::*;
    let kind = base.hash_kind();
    let now: Vec<Option<Vec<u8>>> = files
        .par_iter()
        .map(|(input, abs)| {
            let bytes = crate::load::read_input(input).ok()?;
            match at_base.get(abs) {
                Some(id) if crate::history::blob_id(kind, &bytes).as_ref() == Some(id) => None,
                _ => Some(bytes),
            }
        })
        .collect();
    let mut changed: Vec<Differs> = Vec::new();
    for ((input, abs), bytes) in files.iter().zip(now) {
        let id = at_base.remove(abs);
        let Some(bytes) = bytes else { continue };
        let before = match id {
            Some(id) => Some(base.read(id)?),
            None => None,
        };
        changed.push((input.display().into(), abs.clone(), before, Some(bytes)));
    }
    // files of the commit that are gone now (one still on disk was not walked: ignored or
    // excluded, and not compared)
    let mut gone: Vec<(PathBuf, crate::history::BlobId)> =
        at_base.into_iter().filter(|(p, _)| !p.exists()).collect();
    gone.sort();
    for (abs, id) in gone {
        let shown = paths
            .iter()
            .zip(&given)
            .find_map(|(arg, g)| abs.strip_prefix(g).ok().map(|rest| arg.join(rest)))
            .unwrap_or_else(|| abs.clone());
        changed.push((
            shown.display().to_string().into(),
            abs,
            Some(base.read(id)?),
            None,
        ));
    }
    let mut out = Transition {
        reference: reference.to_string(),
        files: Vec::new(),
        base: Inventory::default(),
        before: Vec::new(),
        after: Vec::new(),
        changed: HashSet::new(),
        rendered: Vec::new(),
        rendered_outruns: Vec::new(),
        differ: 0,
    };
    if changed.is_empty() {
        return Ok(out);
    }
    let touched: Vec<PathBuf> = changed.iter().map(|c| c.1.clone()).collect();
    out.differ = touched.len();
    for (path, abs, before, after) in changed {
        let role = kz.role(&abs);
        let version = |bytes: Option<Vec<u8>>| -> Option<Version> {
            match crate::load::load(&abs, Ok(bytes?)) {
                Loaded::Text(text) => {
                    let stream = yaml::parse(&text, yaml::Limits::default());
                    Some(Version { text, stream })
                }
                Loaded::Skipped(_) | Loaded::Error(_) => None,
            }
        };
        let (before, after) = (version(before), version(after));
        if before.is_none() && after.is_none() {
            continue;
        }
        // each version's facts as written (the same builder: they share apply groups)
        let checker = FileChecker::new(&path, &abs, role, facts_only).alone(kz.alone(&abs), &abs);
        if let Some(b) = &before {
            out.before
                .append(&mut checker.check_streaming(&b.text).facts);
        }
        if let Some(a) = &after {
            out.after
                .append(&mut checker.check_streaming(&a.text).facts);
        }
        out.changed.insert(path.clone());
        out.files.push(ChangedFile {
            path,
            base: before,
            work: after,
            reader: FileRole::reader_of(role),
            partial: role.is_some_and(|r| r.patch),
        });
    }
    out.base.objects = work
        .objects
        .iter()
        .filter(|o| !out.changed.contains(&o.at.path))
        .chain(&out.before)
        .cloned()
        .collect();
    out.base.finish();
    let shown: HashMap<PathBuf, Arc<str>> = inputs
        .iter()
        .filter_map(|i| Some((walk::normalize(i.file()?), Arc::from(i.display()))))
        .collect();
    (out.rendered, out.rendered_outruns) = rendered_changes(kz, &base, &touched, &shown);
    Ok(out)
}

/// A commit's files, as a render reads them.
struct AtCommit<'a>(&'a Base);

impl crate::render::Files for AtCommit<'_> {
    fn read(&self, path: &Path) -> Option<String> {
        match self.0.entry(path).ok()?? {
            Entry::File(id) => crate::load::decode(self.0.read(id).ok()?).ok(),
            Entry::Dir(_) => None,
        }
    }
    fn is_dir(&self, path: &Path) -> bool {
        matches!(self.0.entry(path), Ok(Some(Entry::Dir(_))))
    }
    fn is_file(&self, path: &Path) -> bool {
        matches!(self.0.entry(path), Ok(Some(Entry::File(_))))
    }
}

/// The roots a change can reach through kustomize: those including a changed file, or a
/// file beside one (a changed `kustomization.yaml`, patch or generator input), or rooted
/// in a changed file's directory; only those whose build changes what they include.
fn roots_reached(kz: &Kustomize, touched: &[PathBuf]) -> std::collections::BTreeSet<u32> {
    let mut roots = std::collections::BTreeSet::new();
    for abs in touched {
        if let Some(role) = kz.role(abs) {
            roots.extend(role.groups.iter().map(|(g, _)| *g));
        }
        let Some(dir) = abs.parent() else { continue };
        for (p, role) in kz.roles() {
            if p.parent() == Some(dir) {
                roots.extend(role.groups.iter().map(|(g, _)| *g));
            }
        }
        for (g, root) in kz.roots.iter().enumerate() {
            if walk::normalize(root) == dir {
                roots.insert(g as u32);
            }
        }
    }
    roots.retain(|g| kz.transforms(*g));
    roots
}

/// Each rendered object as a document, with its value as its own file writes it.
fn documents(
    res: &[crate::render::Resource],
    reader: crate::yaml::resolve::Reader,
) -> Vec<(
    &crate::render::Resource,
    yaml::Document,
    crate::yaml::value::Value,
)> {
    res.iter()
        .filter_map(|r| {
            let (source, di, node) = r.source.as_ref()?;
            let written = source.stream.documents.get(*di)?;
            let doc = crate::render::value::to_document(&r.value, written, *node);
            Some((r, doc, crate::yaml::value::value(written, *node, reader)))
        })
        .collect()
}

/// The refused changes a kustomization makes: each root a change reaches, rendered at the
/// commit and now, its objects compared where their own files say the same.
fn rendered_changes(
    kz: &Kustomize,
    base: &Base,
    touched: &[PathBuf],
    shown: &HashMap<PathBuf, Arc<str>>,
) -> (Vec<RenderedRefusal>, Vec<RenderedOutrun>) {
    use crate::model::change::{self, Key};
    use crate::yaml::value;
    let mut out = Vec::new();
    let mut outruns = Vec::new();
    let mut kustomizations = HashMap::new();
    let reader = crate::yaml::resolve::Reader::Kustomize;
    for g in roots_reached(kz, touched) {
        let Some(root) = kz.roots.get(g as usize) else {
            continue;
        };
        let (Ok(now), Ok(then)) = (
            crate::render::render_for_facts(root),
            crate::render::render_for_facts_in(root, &AtCommit(base)),
        ) else {
            continue;
        };
        let root_file = crate::model::kustomize::kustomization_file(root).unwrap_or(root.clone());
        let root_shown: Arc<str> = shown
            .get(&walk::normalize(&root_file))
            .cloned()
            .unwrap_or_else(|| Arc::from(root_file.display().to_string()));
        let (now, then) = (documents(&now, reader), documents(&then, reader));
        // the pods the root renders at the base: each template's namespace and labels
        let running: Vec<(Option<String>, crate::model::selector::PodLabels)> = then
            .iter()
            .filter_map(|(_, doc, _)| {
                let o = crate::model::objects(doc).into_iter().next()?;
                let w = crate::model::workload::lookup(&o)?;
                Some((o.namespace().map(str::to_string), w.pod_labels(&o)))
            })
            .collect();
        let selects = |ns: Option<&str>, s: &crate::model::selector::Selector| {
            running.iter().any(|(n, labels)| {
                (ns.is_none() || n.is_none() || n.as_deref() == ns) && s.matches(labels)
            })
        };
        let mut at_base: HashMap<Key, usize> = HashMap::new();
        for (i, (_, doc, _)) in then.iter().enumerate() {
            if let Some(o) = crate::model::objects(doc).first()
                && let Some(k) = Key::of(o)
            {
                at_base.insert(k, i);
            }
        }
        for (r, doc, written) in &now {
            let Some(w) = crate::model::objects(doc).into_iter().next() else {
                continue;
            };
            let Some(&i) = Key::of(&w).and_then(|k| at_base.get(&k)) else {
                continue;
            };
            let (_, bdoc, bwritten) = &then[i];
            let Some(b) = crate::model::objects(bdoc).into_iter().next() else {
                continue;
            };
            let at_entry = |kustomizations: &mut HashMap<_, _>| {
                r.patched_by
                    .last()
                    .and_then(|p| crate::render::patch_location(p, shown, kustomizations))
                    .unwrap_or_else(|| {
                        crate::source::Located::new(
                            &root_shown,
                            &crate::source::LineIndex::new(""),
                            crate::source::Span::new(0, 0),
                        )
                    })
            };
            // a selector narrowed past the running pods by the kustomization, not the file
            if let (Some((field, was)), Some((_, now_sel))) =
                (change::pod_selector(&b), change::pod_selector(&w))
                && !was.same_as(&now_sel)
                && selects(b.namespace(), &was)
                && !selects(w.namespace(), &now_sel)
            {
                let path: Vec<String> = field.split('.').map(str::to_string).collect();
                if value::lookup(written, &path) == value::lookup(bwritten, &path) {
                    outruns.push(RenderedOutrun {
                        object: crate::model::object::ObjectInfo::of(&w),
                        field,
                        was: was.to_string(),
                        now: now_sel.to_string(),
                        at: at_entry(&mut kustomizations),
                        root: root_shown.clone(),
                    });
                }
            }
            if change::replaced_on_conflict(&w) {
                continue;
            }
            for refused in change::immutable_changes(&b, &w, reader) {
                // a change its own file makes is found where the file is compared
                if value::lookup(written, &refused.path) != value::lookup(bwritten, &refused.path) {
                    continue;
                }
                let at = at_entry(&mut kustomizations);
                out.push(RenderedRefusal {
                    refused,
                    object: crate::model::object::ObjectInfo::of(&w),
                    at,
                    root: root_shown.clone(),
                });
            }
        }
    }
    (out, outruns)
}
