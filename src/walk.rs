//! Which files to read: directories walked with real ignore-file rules, sorted.

use crate::error::FileErrorKind;
use ignore::WalkBuilder;
use ignore::overrides::OverrideBuilder;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Input {
    File(PathBuf),
    /// Standard input, with the name it is reported under.
    Stdin(String),
}

impl Input {
    pub fn display(&self) -> String {
        match self {
            Input::File(p) => p.display().to_string(),
            Input::Stdin(name) => name.clone(),
        }
    }

    /// The path as a person reads it: without a leading `./` (what walking `.` adds).
    pub fn shown(&self) -> String {
        let d = self.display();
        match d.strip_prefix("./") {
            Some(rest) if !rest.is_empty() => rest.to_string(),
            _ => d,
        }
    }

    /// The path the input is known by: its file, or the name standard input goes by (which
    /// decides, for instance, the kustomization that includes it).
    pub fn path(&self) -> PathBuf {
        match self {
            Input::File(p) => p.clone(),
            Input::Stdin(name) => PathBuf::from(name),
        }
    }

    /// The file a change is written back to; `None` for standard input.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Input::File(p) => Some(p),
            Input::Stdin(_) => None,
        }
    }
}

pub struct WalkOptions<'a> {
    pub exclude: &'a [String],
    pub no_ignore: bool,
    pub stdin_filename: Option<&'a str>,
}

/// A path made absolute and free of `.` and `..`, without touching the file system.
/// `path` relative to the directory `from` (both normalized), climbing with `..` as far as
/// needed (`../base/app.yaml`); `path` itself when they share no ancestor.
pub fn relative(from: &Path, path: &Path) -> PathBuf {
    let (from, path) = (normalize(from), normalize(path));
    let mut up = PathBuf::new();
    for anc in from.ancestors() {
        if let Ok(rest) = path.strip_prefix(anc) {
            return up.join(rest);
        }
        up.push("..");
    }
    path
}

/// The working directory, read once: kure never changes it, and a run normalizes
/// thousands of paths.
pub fn cwd() -> &'static Path {
    static CWD: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    CWD.get_or_init(|| std::env::current_dir().unwrap_or_default())
}

pub fn normalize(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd().join(path)
    };
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// The directory a run over `paths` starts from: the first path given (not standard
/// input's `-`, and `.` without one), or the directory of that file; normalized.
pub fn start_dir(paths: &[PathBuf]) -> PathBuf {
    let first = paths
        .iter()
        .find(|p| p.as_os_str() != "-")
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let start = normalize(&first);
    if start.is_dir() {
        start
    } else {
        start.parent().map(Path::to_path_buf).unwrap_or(start)
    }
}

/// The git work tree `dir` is in: the nearest directory above it holding `.git`.
pub fn git_work_tree(dir: &Path) -> Option<PathBuf> {
    normalize(dir)
        .ancestors()
        .find(|a| a.join(".git").exists())
        .map(Path::to_path_buf)
}

pub fn is_manifest_name(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// The files to lint, sorted, and the paths that could not be walked.
pub fn discover(
    paths: &[PathBuf],
    opts: &WalkOptions<'_>,
) -> (Vec<Input>, Vec<(String, FileErrorKind)>) {
    let mut files: Vec<Input> = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            files.push(Input::Stdin(opts.stdin_filename.unwrap_or("-").to_string()));
            continue;
        }
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                errors.push((path.display().to_string(), FileErrorKind::Io(e.to_string())));
                continue;
            }
        };
        if !meta.is_dir() {
            // a file named explicitly is always read
            files.push(Input::File(path.clone()));
            continue;
        }
        let mut builder = WalkBuilder::new(path);
        builder
            .follow_links(false)
            .require_git(false)
            .standard_filters(!opts.no_ignore)
            // hidden files and directories are manifests too (`.archive/`, `.github/`), as
            // kubeconform and yamllint read them; git's own directory is not
            .hidden(false)
            .filter_entry(|e| e.file_name() != ".git")
            .sort_by_file_name(|a, b| a.cmp(b));
        if !opts.exclude.is_empty() {
            let mut ob = OverrideBuilder::new(path);
            for glob in opts.exclude {
                if let Err(e) = ob.add(&format!("!{glob}")) {
                    errors.push((glob.clone(), FileErrorKind::InvalidGlob(e.to_string())));
                }
            }
            match ob.build() {
                Ok(o) => {
                    builder.overrides(o);
                }
                Err(e) => errors.push((
                    path.display().to_string(),
                    FileErrorKind::InvalidGlob(e.to_string()),
                )),
            }
        }
        for entry in builder.build() {
            match entry {
                Ok(entry) => {
                    let Some(ft) = entry.file_type() else {
                        continue;
                    };
                    if ft.is_file() && is_manifest_name(entry.path()) {
                        files.push(Input::File(entry.into_path()));
                    }
                }
                Err(e) => {
                    let p = match &e {
                        ignore::Error::WithPath { path, .. } => path.display().to_string(),
                        _ => path.display().to_string(),
                    };
                    errors.push((p, FileErrorKind::Io(e.to_string())));
                }
            }
        }
    }
    files.sort();
    files.dedup();
    (files, errors)
}

/// Whether a file sits in a Helm chart's `templates/` folder.
pub fn is_helm_template(path: &Path) -> bool {
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d.file_name().is_some_and(|n| n == "templates")
            && let Some(chart) = d.parent()
            && (chart.join("Chart.yaml").is_file() || chart.join("Chart.yml").is_file())
        {
            return true;
        }
        dir = d.parent();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_shown_from_the_working_directory() {
        let cwd = Path::new("/repo/app");
        assert_eq!(
            relative(cwd, Path::new("/repo/app/svc.yaml")),
            PathBuf::from("svc.yaml")
        );
        assert_eq!(
            relative(cwd, Path::new("/repo/db/x.yaml")),
            PathBuf::from("../db/x.yaml")
        );
    }
}
