//! The rest of the repository, read for the model only when kure is given single files (a
//! pre-commit hook's staged files, an editor's buffer): the Service in `app/service.yaml`
//! then finds its Deployment in `app/deployment.yaml`, and findings are still reported for
//! the files given only.
//!
//! The repository is the git work tree around the first file given, and its files are the
//! ones git tracks (an untracked Deployment must not make a staged Service look served).
//! Outside git, it is the nearest directory above holding a `.kure.yaml`, walked as `kure
//! lint` walks a directory. Outside both, a file is linted alone.

use crate::walk::{self, Input};
use std::path::{Path, PathBuf};

/// Where the context comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The files git tracks in this work tree.
    Git(PathBuf),
    /// The directory holding the nearest `.kure.yaml`.
    Config(PathBuf),
}

/// The context files for the inputs, without the inputs themselves and what the directories
/// given hold (a buffer on standard input named after a file replaces that file). Empty
/// when the whole repository is given, when no repository is found, or when its files
/// cannot be listed.
pub fn files(paths: &[PathBuf], stdin_filename: Option<&str>) -> (Option<Source>, Vec<Input>) {
    let mut given: Vec<PathBuf> = Vec::new();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            match stdin_filename {
                Some(name) => given.push(PathBuf::from(name)),
                None => return (None, Vec::new()),
            }
        } else if p.is_file() {
            given.push(p.clone());
        } else if p.is_dir() {
            // a directory inside a repository is linted with the rest of it as context,
            // as its files would be: findings do not depend on how the paths are named
            dirs.push(walk::normalize(p));
        } else {
            return (None, Vec::new());
        }
    }
    // the repository around the first path: a file's directory, or the directory
    let start = match (given.first(), dirs.first()) {
        (Some(f), _) => {
            let f = walk::normalize(f);
            f.parent().map(Path::to_path_buf).unwrap_or(f)
        }
        (None, Some(d)) => d.clone(),
        (None, None) => return (None, Vec::new()),
    };
    let Ok(cwd) = std::env::current_dir() else {
        return (None, Vec::new());
    };
    let Some(source) = find(&start) else {
        return (None, Vec::new());
    };
    let listed = match &source {
        Source::Git(root) => tracked(root),
        Source::Config(root) => Some(walked(root)),
    };
    let Some(listed) = listed else {
        return (None, Vec::new());
    };
    let root = match &source {
        Source::Git(r) | Source::Config(r) => walk::normalize(r),
    };
    if dirs.iter().any(|d| root.starts_with(d)) {
        // the whole repository is linted
        return (None, Vec::new());
    }
    let mine: Vec<PathBuf> = given.iter().map(|g| walk::normalize(g)).collect();
    let mut out = Vec::new();
    for abs in listed {
        let abs_n = walk::normalize(&abs);
        if !walk::is_manifest_name(&abs)
            || abs.file_name().is_some_and(|n| n == ".kure.yaml")
            || mine.contains(&abs_n)
            || dirs.iter().any(|d| abs_n.starts_with(d))
        {
            continue;
        }
        // relative to the working directory, so findings name context files as the user would
        out.push(Input::File(walk::relative(&cwd, &abs)));
    }
    out.sort();
    (Some(source), out)
}

/// The repository around `dir`: a git work tree, else the nearest `.kure.yaml`.
fn find(dir: &Path) -> Option<Source> {
    if let Some(root) = walk::git_work_tree(dir) {
        return Some(Source::Git(root));
    }
    let dir = walk::normalize(dir);
    for anc in dir.ancestors() {
        if anc.join(".kure.yaml").is_file() {
            return Some(Source::Config(anc.to_path_buf()));
        }
    }
    None
}

/// The files git tracks under `root`, as absolute paths, read from the repository's index
/// (no `git` process); `None` when there is no index kure can read. A tracked file deleted
/// from the work tree is listed, and left out when it cannot be read.
fn tracked(root: &Path) -> Option<Vec<PathBuf>> {
    let dot_git = root.join(".git");
    // a linked work tree or a submodule: `.git` is a file naming the git directory
    let git_dir = if dot_git.is_dir() {
        dot_git
    } else {
        let text = std::fs::read_to_string(&dot_git).ok()?;
        let dir = text.lines().find_map(|l| l.strip_prefix("gitdir:"))?.trim();
        root.join(dir)
    };
    let index = gix_index::File::at(
        git_dir.join("index"),
        gix_hash::Kind::Sha1,
        true,
        gix_index::decode::Options::default(),
    )
    .ok()?;
    let state: &gix_index::State = &index;
    let mut out: Vec<PathBuf> = state
        .entries()
        .iter()
        .filter_map(|e| std::str::from_utf8(e.path(state)).ok())
        .map(|p| root.join(p))
        .collect();
    out.dedup();
    Some(out)
}

/// The manifests below `root`, walked as `kure lint` walks a directory.
fn walked(root: &Path) -> Vec<PathBuf> {
    let opts = walk::WalkOptions {
        exclude: &[],
        no_ignore: false,
        stdin_filename: None,
    };
    walk::discover(&[root.to_path_buf()], &opts)
        .0
        .into_iter()
        .filter_map(|i| i.file().map(Path::to_path_buf))
        .collect()
}
