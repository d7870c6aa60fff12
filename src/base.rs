//! `kure lint --base REF`: the files linted, compared with the same paths at a git commit.
//! A file whose bytes are the commit's (git's blob id says so) is not read there: its
//! objects are the work tree's. The others are read from the repository's object database
//! (`history`), parsed at both versions, and their objects' facts at the commit stand in
//! for the work tree's in the inventory of the base (`model::change::Transition`).

use crate::check::FileChecker;
use crate::error::Error;
use crate::history::Base;
use crate::load::Loaded;
use crate::model::change::{ChangedFile, Transition, Version};
use crate::model::inventory::Inventory;
use crate::model::kustomize::{FileRole, Kustomize};
use crate::rules::Settings;
use crate::walk::{self, Input};
use crate::yaml;
use std::collections::HashSet;
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
    let first = paths
        .first()
        .map_or_else(|| PathBuf::from("."), |p| p.clone());
    let start = walk::normalize(&first);
    let start = if start.is_dir() {
        start
    } else {
        start.parent().map(Path::to_path_buf).unwrap_or(start)
    };
    let base = Base::open(&start, reference)?;
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
    };
    if changed.is_empty() {
        return Ok(out);
    }
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
    Ok(out)
}
