//! The only code that changes text and files: applies fixes' edits, checks the result, and
//! writes it atomically.
//!
//! A set of fixes is applied to the text it was computed on. The result must parse, hold as
//! many documents as before, and mean the same as before everywhere except at the paths the
//! fixes declared (the typed trees kubectl would build are compared). Otherwise the fixes
//! are bisected until the ones that fail are found; a fix that fails on its own is refused
//! with the reason, one that only fails next to others waits for the next pass.

use crate::fix::{Edit, Expect, Fix};
use crate::source::{LineIndex, Span};
use crate::yaml::resolve::Reader;
use crate::yaml::value::{self, Path, Value};
use crate::yaml::{self, Stream};
use std::collections::{BTreeSet, HashSet};
use std::io::Write;

/// Whether two edits touch the same bytes (two insertions at one point count as touching).
fn conflicts(a: &Edit, b: &Edit) -> bool {
    if a.span.is_empty() && b.span.is_empty() {
        return a.span.start == b.span.start;
    }
    a.span.start < b.span.end && b.span.start < a.span.end
}

/// Picks fixes whose edits overlap no earlier pick's, in text order; the rest wait.
pub fn non_overlapping<'f>(fixes: &[&'f Fix]) -> Vec<&'f Fix> {
    let mut sorted: Vec<&Fix> = fixes.to_vec();
    sorted.sort_by_key(|f| (f.extent().start, f.extent().end));
    // taken edits never overlap each other, so an edit can only touch those starting inside
    // it or at its ends, and the last one starting before it: a few, found by range
    let mut taken_edits: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut taken: Vec<&Fix> = Vec::new();
    for f in sorted {
        let clash = f.edits.iter().any(|e| {
            for &(start, end) in taken_edits.range(..=(e.span.end, usize::MAX)).rev() {
                if conflicts(&Edit::delete(Span::new(start, end)), e) {
                    return true;
                }
                if start < e.span.start {
                    break;
                }
            }
            false
        });
        let inner = f
            .edits
            .iter()
            .enumerate()
            .any(|(i, a)| f.edits[i + 1..].iter().any(|b| conflicts(a, b)));
        if !clash && !inner {
            for e in &f.edits {
                taken_edits.insert((e.span.start, e.span.end));
            }
            taken.push(f);
        }
    }
    taken
}

/// Applies the edits of non-overlapping fixes to `text`. An edit outside the text, across a
/// character boundary, or overlapping another is an internal error that refuses the set.
pub fn apply_edits(text: &str, fixes: &[&Fix]) -> Result<String, String> {
    let mut edits: Vec<&Edit> = fixes.iter().flat_map(|f| f.edits.iter()).collect();
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for e in edits {
        let (s, end) = (e.span.start, e.span.end);
        if s < at
            || s > end
            || end > text.len()
            || !text.is_char_boundary(s)
            || !text.is_char_boundary(end)
        {
            return Err(format!(
                "internal error: an edit of bytes {s}..{end} does not fit the text ({} bytes)",
                text.len()
            ));
        }
        out.push_str(&text[at..s]);
        out.push_str(&e.content);
        at = end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

/// The typed trees of a stream's documents.
pub fn values(stream: &Stream, reader: Reader) -> Vec<Value> {
    stream
        .documents
        .iter()
        .map(|d| d.root.map_or(Value::Null, |r| value::value(d, r, reader)))
        .collect()
}

fn show(path: &Path) -> String {
    if path.is_empty() {
        "the whole document".to_string()
    } else {
        format!("`{}`", path.join("."))
    }
}

/// Checks a fixed text against the typed trees of the text it came from.
pub fn verify(
    before: &[Value],
    after_text: &str,
    after: &Stream,
    reader: Reader,
    fixes: &[&Fix],
) -> Result<(), String> {
    if let Some(e) = after.errors.first() {
        let line = LineIndex::new(after_text).position(e.offset).line;
        return Err(format!(
            "the result would not parse ({} at line {line})",
            e.message
        ));
    }
    if after.documents.len() != before.len() {
        return Err(format!(
            "the result would hold {} documents instead of {}",
            after.documents.len(),
            before.len()
        ));
    }
    let targets: HashSet<(usize, &[String])> = fixes
        .iter()
        .flat_map(|f| f.targets.iter().map(|t| (f.doc, t.as_slice())))
        .collect();
    for (i, (b, d)) in before.iter().zip(&after.documents).enumerate() {
        let a = d.root.map_or(Value::Null, |r| value::value(d, r, reader));
        let mut diffs = Vec::new();
        value::diff(b, &a, &mut Vec::new(), &mut diffs);
        for p in diffs {
            let allowed = (0..=p.len()).any(|n| targets.contains(&(i, &p[..n])));
            if !allowed {
                return Err(format!("it would also change {}", show(&p)));
            }
        }
        for f in fixes.iter().filter(|f| f.doc == i) {
            for (path, expect) in &f.expect {
                let got = value::lookup(&a, path);
                let broken = match expect {
                    Expect::Absent => got.map(|_| {
                        format!(
                            "{} would still be set (to another value written for it)",
                            show(path)
                        )
                    }),
                    Expect::Present => got
                        .is_none()
                        .then(|| format!("{} would be missing", show(path))),
                    Expect::Str(s) => (got != Some(&Value::Str(s.clone())))
                        .then(|| format!("{} would not read as the string {s:?}", show(path))),
                };
                if let Some(reason) = broken {
                    return Err(reason);
                }
            }
        }
    }
    Ok(())
}

/// The outcome of one pass over a text.
pub struct Pass<'f> {
    /// The new text and its parse, when any fix was applied.
    pub result: Option<(String, Stream)>,
    pub applied: Vec<&'f Fix>,
    /// Fixes that fail even on their own, with the reason.
    pub refused: Vec<(&'f Fix, String)>,
}

/// Applies as many of `fixes` (computed on `text`, parsed as `stream`) as verify together.
pub fn pass<'f>(text: &str, stream: &Stream, reader: Reader, fixes: &[&'f Fix]) -> Pass<'f> {
    let chosen = non_overlapping(fixes);
    let before = values(stream, reader);
    let attempt = |set: &[&Fix]| -> Result<(String, Stream), String> {
        let new_text = apply_edits(text, set)?;
        let parsed = yaml::parse(&new_text, yaml::Limits::default());
        verify(&before, &new_text, &parsed, reader, set)?;
        Ok((new_text, parsed))
    };
    let whole = match attempt(&chosen) {
        Ok(r) => {
            return Pass {
                result: Some(r),
                applied: chosen,
                refused: Vec::new(),
            };
        }
        Err(reason) => reason,
    };
    // bisect: groups that verify on top of what is accepted are kept whole, groups that do
    // not are split, so a few bad fixes among many cost a few parses each, not one per fix.
    // A single fix that fails with the others but not alone waits for the next pass.
    let mut accepted: Vec<&Fix> = Vec::new();
    let mut refused = Vec::new();
    let mut result = None;
    // each group to try carries its outcome when it is already known (the whole set's)
    let mut groups: Vec<(Vec<&Fix>, Option<String>)> = vec![(chosen, Some(whole))];
    while let Some((group, known)) = groups.pop() {
        let outcome = match known {
            Some(reason) => Err(reason),
            None => {
                let mut trial = accepted.clone();
                trial.extend(group.iter().copied());
                attempt(&trial)
            }
        };
        match outcome {
            Ok(r) => {
                accepted.extend(group);
                result = Some(r);
            }
            Err(reason) if group.len() == 1 => {
                let f = group[0];
                if accepted.is_empty() {
                    refused.push((f, reason));
                } else if let Err(alone) = attempt(&[f]) {
                    refused.push((f, alone));
                }
            }
            Err(_) => {
                let mut group = group;
                let second = group.split_off(group.len() / 2);
                groups.push((second, None));
                groups.push((group, None));
            }
        }
    }
    Pass {
        result,
        applied: accepted,
        refused,
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, flushed, given
/// the original's permissions (and owner, where allowed), then renamed over the original.
/// A symbolic link is written through, not replaced. Just before the rename the file must
/// still hold `expected` (what the fixes were computed on): a file an editor or another run
/// saved in the meantime is left as it is, and the write is an error.
pub fn write_atomic(path: &std::path::Path, expected: &[u8], bytes: &[u8]) -> Result<(), String> {
    let real = std::fs::canonicalize(path).map_err(|e| format!("cannot resolve path: {e}"))?;
    let dir = real
        .parent()
        .ok_or_else(|| "cannot write: no parent directory".to_string())?;
    let meta = std::fs::metadata(&real).map_err(|e| e.to_string())?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".kure-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a temporary file in {}: {e}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| format!("cannot write a temporary file: {e}"))?;
    tmp.as_file()
        .set_permissions(meta.permissions())
        .map_err(|e| format!("cannot set permissions: {e}"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // keeping the owner needs privileges; without them the file belongs to the user
        let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(meta.uid()), Some(meta.gid()));
    }
    if std::env::var_os("KURE_TEST_CRASH_BEFORE_RENAME").is_some() {
        // lets the test suite prove that a process killed here leaves the original intact
        std::process::abort();
    }
    if let Some(pause) = std::env::var_os("KURE_TEST_PAUSE_BEFORE_RENAME") {
        // lets the test suite change the file while kure is between reading and renaming
        let ms = pause.to_str().and_then(|s| s.parse().ok()).unwrap_or(0);
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    let now = std::fs::read(&real).map_err(|e| format!("cannot read the file again: {e}"))?;
    if now != expected {
        return Err(
            "the file changed while kure was fixing it; not written (run kure again)".to_string(),
        );
    }
    tmp.persist(&real)
        .map_err(|e| format!("cannot replace the file: {}", e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::Applicability;

    fn fix(edits: &[(usize, usize, &str)]) -> Fix {
        Fix::new(
            Applicability::Safe,
            "test",
            edits
                .iter()
                .map(|&(s, e, c)| Edit::replace(Span::new(s, e), c))
                .collect(),
            0,
            Vec::new(),
        )
    }

    fn picked(fixes: &[Fix]) -> Vec<usize> {
        let refs: Vec<&Fix> = fixes.iter().collect();
        let chosen = non_overlapping(&refs);
        fixes
            .iter()
            .enumerate()
            .filter(|(_, f)| chosen.iter().any(|c| std::ptr::eq(*c, *f)))
            .map(|(i, _)| i)
            .collect()
    }

    #[test]
    fn overlapping_fixes_wait() {
        let fixes = [
            fix(&[(0, 5, "")]),
            fix(&[(4, 8, "")]),               // overlaps the first
            fix(&[(5, 5, "x")]),              // an insertion where the first ends: fine
            fix(&[(5, 5, "y")]),              // a second insertion at the same point waits
            fix(&[(10, 12, ""), (2, 3, "")]), // one of its edits falls inside the first
            fix(&[(20, 30, "")]),
            fix(&[(25, 25, "z")]), // an insertion strictly inside a deletion
        ];
        assert_eq!(picked(&fixes), vec![0, 2, 5]);
    }

    #[test]
    fn edits_apply_in_text_order() {
        let a = fix(&[(7, 10, "\"yes\"")]);
        let b = fix(&[(0, 0, "# top\n"), (11, 16, "")]);
        assert_eq!(
            apply_edits("label: yes\nx: 1\n", &[&a, &b]).unwrap(),
            "# top\nlabel: \"yes\"\n"
        );
    }
}
