//! The manifests of a git commit, read from the repository's object database with gix (no
//! `git` process, no network; a shallow clone works when it has the commit): what
//! `kure lint --base REF` compares the work tree with.

use crate::error::Error;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A commit of the repository holding the files linted.
pub struct Base {
    repo: gix::Repository,
    /// The work tree's root, normalized.
    pub root: PathBuf,
    tree: gix::ObjectId,
    /// The reference as the user gave it.
    pub reference: String,
}

/// What a commit holds at a path: a file's blob, or a directory's tree.
pub enum Entry {
    File(BlobId),
    Dir(gix::ObjectId),
}

/// A blob's id, as git names the same bytes.
pub type BlobId = gix::ObjectId;

impl Base {
    /// The commit `reference` names (a branch, a tag, `HEAD~2`, a commit id) in the
    /// repository holding `dir`. Not in a git repository, or a reference that names no
    /// commit there: an error for the whole run.
    pub fn open(dir: &Path, reference: &str) -> Result<Base, Error> {
        let fail = |why: String| Error::Base {
            reference: reference.to_string(),
            why,
        };
        let dir = crate::walk::normalize(dir);
        let repo = gix::discover(&dir)
            .map_err(|_| fail(format!("{} is not in a git repository", dir.display())))?;
        let root = repo
            .workdir()
            .map(crate::walk::normalize)
            .ok_or_else(|| fail("the repository has no work tree".to_string()))?;
        let id = repo.rev_parse_single(reference).map_err(|e| {
            let shallow = repo.is_shallow().unwrap_or(false);
            let hint = if shallow {
                " (this is a shallow clone: fetch the commit, e.g. `git fetch --deepen=50` or `fetch-depth: 0` in actions/checkout)"
            } else {
                ""
            };
            fail(format!("no such commit in this repository: {e}{hint}"))
        })?
        .detach();
        let commit = repo
            .find_object(id)
            .and_then(|o| o.peel_to_commit())
            .map_err(|e| fail(format!("does not name a commit: {e}")))?;
        let tree = commit
            .tree_id()
            .map_err(|e| fail(format!("its tree cannot be read: {e}")))?
            .detach();
        drop(commit);
        Ok(Base {
            root,
            tree,
            reference: reference.to_string(),
            repo,
        })
    }

    /// The manifest files (`*.yaml`, `*.yml`, `*.json`) of the commit at or under each of
    /// `paths` (absolute and normalized, inside the work tree), by absolute path, with the
    /// blob each holds.
    pub fn manifests(&self, paths: &[PathBuf]) -> Result<HashMap<PathBuf, BlobId>, Error> {
        let fail = |why: String| Error::Base {
            reference: self.reference.clone(),
            why,
        };
        let mut out = HashMap::new();
        for path in paths {
            let id = match self.entry(path)? {
                None => continue,
                Some(Entry::File(id)) => {
                    if crate::walk::is_manifest_name(path) {
                        out.insert(path.clone(), id);
                    }
                    continue;
                }
                Some(Entry::Dir(id)) => id,
            };
            let rel = path.strip_prefix(&self.root).unwrap_or(path);
            let sub = self
                .repo
                .find_tree(id)
                .map_err(|e| fail(format!("cannot read {}: {e}", rel.display())))?;
            let files = sub
                .traverse()
                .breadthfirst
                .files()
                .map_err(|e| fail(format!("cannot read {}: {e}", rel.display())))?;
            for f in files {
                if !f.mode.is_blob() {
                    continue;
                }
                let Ok(name) = std::str::from_utf8(&f.filepath) else {
                    continue;
                };
                let file = path.join(name);
                if crate::walk::is_manifest_name(&file) {
                    out.insert(file, f.oid);
                }
            }
        }
        Ok(out)
    }

    /// What the commit holds at `path` (inside the work tree): a file's blob, a directory's
    /// tree, or nothing (a path outside the work tree too).
    pub fn entry(&self, path: &Path) -> Result<Option<Entry>, Error> {
        let fail = |why: String| Error::Base {
            reference: self.reference.clone(),
            why,
        };
        let path = crate::walk::normalize(path);
        let Ok(rel) = path.strip_prefix(&self.root) else {
            return Ok(None);
        };
        if rel.as_os_str().is_empty() {
            return Ok(Some(Entry::Dir(self.tree)));
        }
        let tree = self
            .repo
            .find_tree(self.tree)
            .map_err(|e| fail(format!("its tree cannot be read: {e}")))?;
        let Some(e) = tree
            .lookup_entry_by_path(rel)
            .map_err(|e| fail(format!("cannot read {}: {e}", rel.display())))?
        else {
            return Ok(None);
        };
        Ok(if e.mode().is_tree() {
            Some(Entry::Dir(e.object_id()))
        } else if e.mode().is_blob() {
            Some(Entry::File(e.object_id()))
        } else {
            None
        })
    }

    /// The bytes of a blob of the commit.
    pub fn read(&self, id: BlobId) -> Result<Vec<u8>, Error> {
        self.repo
            .find_blob(id)
            .map(|mut b| b.take_data())
            .map_err(|e| Error::Base {
                reference: self.reference.clone(),
                why: format!("blob {id} cannot be read: {e}"),
            })
    }

    /// How the repository names objects (for `blob_id`).
    pub fn hash_kind(&self) -> HashKind {
        self.repo.object_hash()
    }
}

pub type HashKind = gix::hash::Kind;

/// The id git gives `bytes` as a blob: equal to a commit's blob when the file holds what the
/// commit holds.
pub fn blob_id(kind: HashKind, bytes: &[u8]) -> Option<BlobId> {
    gix::objs::compute_hash(kind, gix::objs::Kind::Blob, bytes).ok()
}
