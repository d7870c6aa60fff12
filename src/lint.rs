//! A run of `kure lint` or `kure fix`: discover the files, load and check each in parallel
//! (fixing through `apply` when asked), then the cross-file pass once, and the summary.

use crate::apply;
use crate::check::{Checked, FileChecker, Settings};
use crate::diagnostic::{Diagnostic, Severity};
use crate::error::{Error, FileErrorKind};
use crate::fix::{Applicability, Fix};
use crate::load::{Loaded, Shape, read_input};
use crate::model::inventory::Inventory;
use crate::model::kustomize::Kustomize;
use crate::rules;
use crate::summary::{FileError, Skipped, Summary};
use crate::walk::{self, Input};
use crate::yaml;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Debug, Default)]
pub struct LintOptions {
    pub paths: Vec<PathBuf>,
    pub stdin_filename: Option<String>,
    pub exclude: Vec<String>,
    pub no_ignore: bool,
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    /// Rules reported at another severity than their own (a repository's settings).
    pub severities: Vec<(String, Severity)>,
    /// Apply fixes (in memory; the caller writes, diffs or prints the results).
    pub fix: Option<FixOptions>,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct FixOptions {
    /// Apply unsafe fixes too.
    pub unsafe_fixes: bool,
    /// The fixed files will be written: keep each file's findings as read, which are what
    /// is reported for a file whose write fails (`LintResult::write_changes`).
    pub will_write: bool,
}

/// A file whose text fixes changed.
pub struct Change {
    pub path: String,
    /// Where to write it; `None` for standard input.
    pub fs_path: Option<PathBuf>,
    pub original: String,
    pub fixed: String,
    /// The rules whose fixes were applied, one entry per fix.
    pub rules: Vec<&'static str>,
    /// The findings of the text as read: what stays true if the fixed text is not written.
    pub before: Vec<Diagnostic>,
}

impl LintResult {
    /// Writes every changed file. A file that cannot be written (or that changed since it was
    /// read) is an error of the run: its findings are those of the text as read, its fixes
    /// count as not applied, and it counts once, among the errors.
    pub fn write_changes(&mut self) {
        let mut failed: Vec<(usize, FileErrorKind)> = Vec::new();
        for (i, c) in self.changes.iter().enumerate() {
            let Some(p) = &c.fs_path else { continue };
            if let Err(kind) = apply::write_atomic(p, c.original.as_bytes(), c.fixed.as_bytes()) {
                failed.push((i, kind));
            }
        }
        if failed.is_empty() {
            return;
        }
        for (i, kind) in failed.into_iter().rev() {
            let c = self.changes.remove(i);
            let s = &mut self.summary;
            s.errors.push(FileError {
                path: c.path.clone(),
                kind,
            });
            s.linted = s.linted.saturating_sub(1);
            s.linted_paths.retain(|p| *p != c.path);
            s.fixes.applied -= c.rules.len();
            s.fixes.files_changed -= 1;
            for id in &c.rules {
                if let Some(slot) = s.fixes.rules.get_mut(id) {
                    slot[0] -= 1;
                }
            }
            self.diagnostics.retain(|d| *d.at.path != *c.path);
            self.diagnostics.extend(c.before);
        }
        self.diagnostics
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.summary.fixes.available = self.diagnostics.iter().filter(|d| d.fix.is_some()).count();
    }
}

pub struct LintResult {
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
    /// Standard input's name and text, when it was linted (for rendering snippets).
    pub stdin: Option<(String, String)>,
    /// Files that fixes changed, in path order (only when fixing).
    pub changes: Vec<Change>,
}

/// One file's part of the run: what checking found, and what fixing changed.
struct FileResult {
    path: Arc<str>,
    error: Option<FileErrorKind>,
    checked: Checked,
    /// The fixed text, when fixes changed it, and the text as read.
    fixed: Option<String>,
    original: Option<String>,
    /// The file fixes are written to (`None` for standard input).
    write_to: Option<PathBuf>,
    applied: Vec<&'static str>,
    refused: Vec<&'static str>,
    /// When fixing: the findings of the text as read.
    before: Vec<Diagnostic>,
}

impl FileResult {
    fn new(path: Arc<str>, write_to: Option<PathBuf>) -> FileResult {
        FileResult {
            path,
            error: None,
            checked: Checked::default(),
            fixed: None,
            original: None,
            write_to,
            applied: Vec::new(),
            refused: Vec::new(),
            before: Vec::new(),
        }
    }
}

pub fn lint(opts: &LintOptions) -> Result<LintResult, Error> {
    let mut settings = Settings::new(opts.select.as_deref(), &opts.ignore)?;
    for (id, severity) in &opts.severities {
        settings = settings.with_severity(id, *severity)?;
    }
    let walk_opts = walk::WalkOptions {
        exclude: &opts.exclude,
        no_ignore: opts.no_ignore,
        stdin_filename: opts.stdin_filename.as_deref(),
    };
    let paths = if opts.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    let (inputs, walk_errors) = walk::discover(&paths, &walk_opts);
    let kz = Kustomize::for_inputs(&inputs);

    let stdin: Option<(String, Result<Vec<u8>, FileErrorKind>)> =
        inputs.iter().find_map(|i| match i {
            Input::Stdin(name) => Some((name.clone(), read_input(i))),
            Input::File(_) => None,
        });
    let mut results: Vec<FileResult> = inputs
        .par_iter()
        .map(|input| {
            let bytes = match (input, &stdin) {
                (Input::Stdin(_), Some((_, b))) => b.clone(),
                _ => read_input(input),
            };
            lint_input(input, bytes, &kz, &settings, opts.fix.as_ref())
        })
        .collect();

    let mut summary = Summary::default();
    let mut diagnostics = Vec::new();
    let mut inventory = Inventory::default();
    // one allocation for every object's facts; a run with one file of objects moves its
    // facts rather than copying them
    let with_facts = results
        .iter()
        .filter(|r| !r.checked.facts.is_empty())
        .count();
    if with_facts > 1 {
        inventory
            .objects
            .reserve_exact(results.iter().map(|r| r.checked.facts.len()).sum());
    }
    let mut changes = Vec::new();
    for (path, kind) in walk_errors {
        summary.files += 1;
        summary.errors.push(FileError { path, kind });
    }
    for r in &mut results {
        summary.files += 1;
        summary.objects += r.checked.objects;
        match (r.error.take(), r.checked.skipped) {
            (Some(kind), _) => summary.errors.push(FileError {
                path: r.path.to_string(),
                kind,
            }),
            (None, Some(reason)) => summary.skipped.push(Skipped {
                path: r.path.to_string(),
                reason,
            }),
            (None, None) => {
                summary.linted += 1;
                summary.linted_paths.push(r.path.to_string());
            }
        }
        diagnostics.append(&mut r.checked.diagnostics);
        if inventory.objects.is_empty() && with_facts == 1 {
            inventory.objects = std::mem::take(&mut r.checked.facts);
        } else {
            inventory.objects.append(&mut r.checked.facts);
        }
        let fixes = &mut summary.fixes;
        for id in &r.applied {
            fixes.applied += 1;
            fixes.rules.entry(id).or_default()[0] += 1;
        }
        for id in &r.refused {
            fixes.refused += 1;
            fixes.rules.entry(id).or_default()[1] += 1;
        }
        if let (Some(fixed), Some(original)) = (r.fixed.take(), r.original.take()) {
            fixes.files_changed += 1;
            changes.push(Change {
                path: r.path.to_string(),
                fs_path: r.write_to.take(),
                original,
                fixed,
                rules: std::mem::take(&mut r.applied),
                before: std::mem::take(&mut r.before),
            });
        }
    }
    drop(results);
    inventory.finish();
    settings.check_inventory(&inventory, &mut diagnostics);
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    summary.fixes.available = diagnostics.iter().filter(|d| d.fix.is_some()).count();
    let stdin = stdin.and_then(|(name, bytes)| {
        let original = crate::load::decode(bytes.ok()?).ok()?;
        // snippets of a fixed standard input are shown on the fixed text
        let shown = changes
            .iter()
            .find(|c| c.fs_path.is_none())
            .map_or(original, |c| c.fixed.clone());
        Some((name, shown))
    });
    Ok(LintResult {
        diagnostics,
        summary,
        stdin,
        changes,
    })
}

fn lint_input(
    input: &Input,
    bytes: Result<Vec<u8>, FileErrorKind>,
    kz: &Kustomize,
    settings: &Settings,
    fix: Option<&FixOptions>,
) -> FileResult {
    let path: Arc<str> = input.display().into();
    let (fs_path, write_to) = match input {
        Input::File(p) => (p.clone(), Some(p.clone())),
        Input::Stdin(n) => (PathBuf::from(n), None),
    };
    let mut result = FileResult::new(path.clone(), write_to);
    let text = match crate::load::load(&fs_path, bytes) {
        Loaded::Text(t) => t,
        Loaded::Skipped(reason) => {
            result.checked.skipped = Some(reason);
            return result;
        }
        Loaded::Error(e) => {
            result.error = Some(e);
            return result;
        }
    };
    let checker = FileChecker {
        path: &path,
        fs_path: &fs_path,
        role: kz.role(&fs_path),
        settings,
    };
    match fix {
        // linting holds one document's tree at a time
        None => result.checked = checker.check_streaming(&text),
        Some(f) => {
            let stream = yaml::parse(&text, yaml::Limits::default());
            let mut shape = Shape::default();
            stream.documents.iter().for_each(|d| shape.add(d));
            match shape.skip_reason(&text, !stream.errors.is_empty()) {
                Some(reason) => result.checked.skipped = Some(reason),
                None => fix_text(&checker, text, stream, f, &mut result),
            }
        }
    }
    result
}

/// What identifies a refused fix across passes: rule, message, document, target paths.
type RefusalKey = (&'static str, String, usize, Vec<crate::yaml::value::Path>);

/// Applies fixes pass after pass until none is left (`apply::to_fixed_point`), then reports
/// on the final text, with a `fix-refused` finding for each fix that was not applied.
fn fix_text(
    checker: &FileChecker<'_>,
    original: String,
    stream: yaml::Stream,
    opts: &FixOptions,
    result: &mut FileResult,
) {
    let min = if opts.unsafe_fixes {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    // refused fixes by what they are (rule, message, document, target paths), which stays
    // the same from pass to pass while byte offsets move
    let key = |d: &Diagnostic, f: &Fix| (d.rule, d.message.clone(), f.doc, f.targets.clone());
    // the fixes move out of the findings into the proposals (no copy of each fix), and
    // those of the final text move back: `left_at` says which finding each came from
    let mut last: Option<Checked> = None;
    let mut left_at: Vec<usize> = Vec::new();
    let outcome = apply::to_fixed_point(
        original.clone(),
        stream,
        checker.reader(),
        |text, stream| {
            let mut checked = checker.check(text, stream);
            if last.is_none() && opts.will_write {
                result.before = checked.diagnostics.clone();
            }
            left_at.clear();
            // (`check` offers no fix in a text that does not parse)
            let mut proposals = Vec::new();
            for (i, d) in checked.diagnostics.iter_mut().enumerate() {
                if d.fix.as_ref().is_some_and(|f| f.applicability >= min)
                    && let Some(f) = d.fix.take()
                {
                    proposals.push((key(d, &f), f));
                    left_at.push(i);
                }
            }
            last = Some(checked);
            proposals
        },
    );
    if let Some(mut checked) = last {
        for (i, (_, f)) in left_at.into_iter().zip(outcome.left) {
            checked.diagnostics[i].fix = Some(f);
        }
        result.checked = checked;
    }
    result.applied = outcome.applied.iter().map(|k| k.0).collect();
    result.refused = outcome.refused.iter().map(|(k, _)| k.0).collect();
    let refused: HashMap<RefusalKey, String> = outcome.refused.into_iter().collect();
    let text = outcome.text;
    let mut notes = Vec::new();
    for d in &mut result.checked.diagnostics {
        let Some(reason) = d.fix.as_ref().and_then(|f| refused.get(&key(d, f))) else {
            continue;
        };
        let reason = reason.clone();
        let Some(fix) = d.fix.take() else { continue };
        if !checker.settings.reports_refusals() {
            continue;
        }
        let mut r = checker
            .settings
            .diag(
                &rules::FIX_REFUSED,
                d.at.clone(),
                format!("`{}` fix not applied ({}): {reason}", d.rule, fix.message),
            )
            .help("make this change by hand; kure writes a fix only when nothing else in the file changes meaning");
        r.object = d.object.clone();
        notes.push(r);
    }
    result.checked.diagnostics.append(&mut notes);
    if text != original {
        result.fixed = Some(text);
        result.original = Some(original);
    }
}
