//! Transforms: one-off changes a user asks for (relabel objects, convert kinds, add
//! suppressions). Each plans byte-range edits on the parsed text and hands them to `apply`,
//! which verifies and writes them as it does fixes. (Migrating apiVersions is the fix of a
//! rule: `kure migrate` is a lint run.)

pub mod add_suppressions;
pub mod convert;
pub mod label;

use crate::apply::{self, Change};
use crate::summary::FileError;
use std::path::PathBuf;

/// A `--kind` as kubectl reads it: a slip for a built-in kind is a usage error with the
/// kind meant; any other name may be a custom resource's kind.
pub(crate) fn check_kind(name: &str) -> Result<(), crate::error::Error> {
    match crate::model::kinds::resolve(name) {
        crate::model::kinds::KindName::Typo(meant) => Err(crate::error::Error::Usage(format!(
            "--kind {name}: no such kind (did you mean `{meant}`?)"
        ))),
        _ => Ok(()),
    }
}

/// Why a file encrypted by SOPS is not transformed (`{path}` is its path).
pub(crate) const ENCRYPTED: &str = "{path}: the file is encrypted by SOPS, and a change would break its MAC: decrypt it with `sops`, run kure, then encrypt it again (or leave it out with --exclude)";

/// A transformed file: where it is written (`None` for standard input), and the change.
pub(crate) type Written = (Option<PathBuf>, Change);

/// The end of a transform all of whose files are planned: refused, nothing is written and
/// standard input is given back as read; otherwise each file is written (when `write`),
/// atomically and only if it still holds what was read, and listed among the changes.
pub(crate) fn finish(
    written: Vec<Written>,
    refused: bool,
    write: bool,
    stdin: &mut Option<(String, String)>,
    changes: &mut Vec<Change>,
    errors: &mut Vec<FileError>,
) {
    if refused {
        if let Some((_, text)) = stdin
            && let Some((_, c)) = written.iter().find(|(to, _)| to.is_none())
        {
            text.clone_from(&c.original);
        }
        return;
    }
    for (to, change) in written {
        if write
            && let Some(p) = &to
            && let Err(kind) =
                apply::write_atomic(p, change.original.as_bytes(), change.fixed.as_bytes())
        {
            errors.push(FileError {
                path: change.path.clone(),
                kind,
            });
            continue;
        }
        changes.push(change);
    }
}
