//! `kure lint`: discover, parse, model, check, in parallel per file; cross-file rules once.

use crate::apply;
use crate::diagnostic::Diagnostic;
use crate::fix::{Applicability, Fix};
use crate::model::inventory::{GroupKey, Inventory, ObjectFacts};
use crate::model::kustomize::{self, Kustomize};
use crate::model::objects;
use crate::rules::{self, DocContext, FileContext, ObjectContext, Rule};
use crate::source::{LineIndex, Span};
pub use crate::summary::{FileError, FixSummary, Skipped, Summary};
use crate::walk::{self, Input};
use crate::yaml::{self, resolve::Reader};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::load::{Loaded, Shape, read_input};
pub use crate::load::{MAX_FILE_BYTES, decode};

#[derive(Clone, Debug, Default)]
pub struct LintOptions {
    pub paths: Vec<PathBuf>,
    pub stdin_filename: Option<String>,
    pub exclude: Vec<String>,
    pub no_ignore: bool,
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
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
        let mut failed: Vec<(usize, String)> = Vec::new();
        for (i, c) in self.changes.iter().enumerate() {
            let Some(p) = &c.fs_path else { continue };
            if let Err(message) = apply::write_atomic(p, c.original.as_bytes(), c.fixed.as_bytes())
            {
                failed.push((i, message));
            }
        }
        if failed.is_empty() {
            return;
        }
        for (i, message) in failed.into_iter().rev() {
            let c = self.changes.remove(i);
            let s = &mut self.summary;
            s.errors.push(FileError {
                path: c.path.clone(),
                message,
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

enum Class {
    Linted,
    Skipped(&'static str),
    Error(String),
}

struct FileResult {
    path: Arc<str>,
    class: Class,
    diagnostics: Vec<Diagnostic>,
    facts: Vec<ObjectFacts>,
    objects: usize,
    /// The fixed text, when fixes changed it, and what the fixes did.
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
            class: Class::Linted,
            diagnostics: Vec::new(),
            facts: Vec::new(),
            objects: 0,
            fixed: None,
            original: None,
            write_to,
            applied: Vec::new(),
            refused: Vec::new(),
            before: Vec::new(),
        }
    }
}

/// Rule selection from `--select` / `--ignore`.
pub struct Selection {
    enabled: Vec<&'static dyn Rule>,
    parse_errors: bool,
    fix_refused: bool,
}

impl Selection {
    pub fn new(select: Option<&[String]>, ignore: &[String]) -> Result<Selection, String> {
        for id in select.unwrap_or_default().iter().chain(ignore) {
            if id != "ALL" && rules::by_id(id).is_none() {
                return Err(format!("unknown rule `{id}` (see `kure rules`)"));
            }
        }
        let on = |id: &str| {
            let selected = select.is_none_or(|s| s.iter().any(|x| x == id || x == "ALL"));
            selected && !ignore.iter().any(|x| x == id || x == "ALL")
        };
        Ok(Selection {
            enabled: rules::RULES
                .iter()
                .copied()
                .filter(|r| on(r.meta().id))
                .collect(),
            parse_errors: on(rules::PARSE_ERROR.id),
            fix_refused: on(rules::FIX_REFUSED.id),
        })
    }
}

pub fn lint(opts: &LintOptions) -> Result<LintResult, String> {
    let selection = Selection::new(opts.select.as_deref(), &opts.ignore)?;
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
    let mut kustomization_paths: std::collections::BTreeSet<PathBuf> = inputs
        .iter()
        .filter_map(|i| match i {
            Input::File(p) if kustomize::is_kustomization(p) => Some(p.clone()),
            Input::Stdin(name) if kustomize::is_kustomization(Path::new(name)) => {
                Some(PathBuf::from(name))
            }
            _ => None,
        })
        .collect();
    // a linted file's own directory may hold the kustomization that includes it
    let mut dirs: Vec<PathBuf> = inputs
        .iter()
        .filter_map(|i| match i {
            Input::File(p) => p.parent().map(Path::to_path_buf),
            Input::Stdin(n) => Path::new(n).parent().map(Path::to_path_buf),
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        for n in kustomize::FILE_NAMES {
            let k = dir.join(n);
            if !kustomization_paths.contains(&k) && k.is_file() {
                kustomization_paths.insert(k);
            }
        }
    }
    let kz = Kustomize::load(kustomization_paths.iter().map(PathBuf::as_path));

    let stdin: Option<(String, Result<Vec<u8>, String>)> = inputs.iter().find_map(|i| match i {
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
            lint_input(input, bytes, &kz, &selection, opts.fix.as_ref())
        })
        .collect();

    let mut summary = Summary::default();
    let mut diagnostics = Vec::new();
    let mut inventory = Inventory::default();
    let mut changes = Vec::new();
    for (path, message) in walk_errors {
        summary.files += 1;
        summary.errors.push(FileError { path, message });
    }
    for r in &mut results {
        summary.files += 1;
        summary.objects += r.objects;
        match &r.class {
            Class::Linted => {
                summary.linted += 1;
                summary.linted_paths.push(r.path.to_string());
            }
            Class::Skipped(reason) => summary.skipped.push(Skipped {
                path: r.path.to_string(),
                reason,
            }),
            Class::Error(message) => summary.errors.push(FileError {
                path: r.path.to_string(),
                message: message.clone(),
            }),
        }
        diagnostics.append(&mut r.diagnostics);
        inventory.objects.append(&mut r.facts);
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
    for rule in &selection.enabled {
        if rule.meta().scope == rules::Scope::Inventory {
            rule.check_inventory(&inventory, &mut diagnostics);
        }
    }
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    summary.fixes.available = diagnostics.iter().filter(|d| d.fix.is_some()).count();
    let stdin = stdin.and_then(|(name, bytes)| {
        let original = decode(bytes.ok()?).ok()?;
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
    bytes: Result<Vec<u8>, String>,
    kz: &Kustomize,
    selection: &Selection,
    fix: Option<&FixOptions>,
) -> FileResult {
    let path: Arc<str> = input.display().into();
    let fs_path = match input {
        Input::File(p) => p.clone(),
        Input::Stdin(n) => PathBuf::from(n),
    };
    let write_to = match input {
        Input::File(p) => Some(p.clone()),
        Input::Stdin(_) => None,
    };
    let mut result = FileResult::new(path.clone(), write_to);
    let text = match crate::load::load(&fs_path, bytes) {
        Loaded::Text(t) => t,
        Loaded::Skipped(reason) => {
            result.class = Class::Skipped(reason);
            return result;
        }
        Loaded::Error(e) => {
            result.class = Class::Error(e);
            return result;
        }
    };
    let role = kz.role(&fs_path);
    lint_text(&path, &fs_path, text, role, selection, fix, &mut result);
    result
}

fn lint_text(
    path: &Arc<str>,
    fs_path: &Path,
    text: String,
    role: Option<&kustomize::FileRole>,
    selection: &Selection,
    fix: Option<&FixOptions>,
    result: &mut FileResult,
) {
    let reader = if role.is_some_and(|r| r.kustomize) {
        Reader::Kustomize
    } else {
        Reader::Kubernetes
    };
    let cx = FileCx {
        path,
        fs_path,
        role,
        reader,
        selection,
    };
    let Some(f) = fix else {
        // linting holds one document's tree at a time
        cx.check_streaming(&text, result);
        return;
    };
    let stream = yaml::parse(&text, yaml::Limits::default());
    let mut shape = Shape::default();
    stream.documents.iter().for_each(|d| shape.add(d));
    if let Some(reason) = shape.skip_reason(&text, !stream.errors.is_empty()) {
        result.class = Class::Skipped(reason);
        return;
    }
    cx.fix(text, stream, f, result);
}

/// What identifies a refused fix across passes: rule, message, document, target paths.
type RefusalKey = (&'static str, String, usize, Vec<crate::yaml::value::Path>);

/// What stays the same for a file while it is checked and fixed.
struct FileCx<'a> {
    path: &'a Arc<str>,
    fs_path: &'a Path,
    role: Option<&'a kustomize::FileRole>,
    reader: Reader,
    selection: &'a Selection,
}

impl FileCx<'_> {
    /// Applies fixes pass after pass until none is left, then reports on the final text.
    fn fix(
        &self,
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
        // refused fixes by what they are (rule, message, document, target paths), which
        // stays the same from pass to pass while byte offsets move
        let key = |d: &Diagnostic, f: &Fix| (d.rule, d.message.clone(), f.doc, f.targets.clone());
        // the fixes move out of the findings into the proposals (no copy of each fix), and
        // those of the final text move back: `left_at` says which finding each came from
        let mut last: Option<FileResult> = None;
        let mut left_at: Vec<usize> = Vec::new();
        let outcome =
            apply::to_fixed_point(original.clone(), stream, self.reader, |text, stream| {
                let mut checked = FileResult::new(result.path.clone(), None);
                self.check(text, stream, &mut checked);
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
            });
        if let Some(mut checked) = last {
            for (i, (_, f)) in left_at.into_iter().zip(outcome.left) {
                checked.diagnostics[i].fix = Some(f);
            }
            result.diagnostics = checked.diagnostics;
            result.facts = checked.facts;
            result.objects = checked.objects;
        }
        result.applied = outcome.applied.iter().map(|k| k.0).collect();
        result.refused = outcome.refused.iter().map(|(k, _)| k.0).collect();
        let refused: HashMap<RefusalKey, String> = outcome.refused.into_iter().collect();
        let text = outcome.text;
        let mut notes = Vec::new();
        for d in &mut result.diagnostics {
            let Some(reason) = d.fix.as_ref().and_then(|f| refused.get(&key(d, f))) else {
                continue;
            };
            let reason = reason.clone();
            let Some(fix) = d.fix.take() else { continue };
            if !self.selection.fix_refused {
                continue;
            }
            let mut r = Diagnostic::new(
                rules::FIX_REFUSED.id,
                rules::FIX_REFUSED.severity,
                d.at.clone(),
                format!("`{}` fix not applied ({}): {reason}", d.rule, fix.message),
            )
            .help("make this change by hand; kure writes a fix only when nothing else in the file changes meaning");
            r.object = d.object.clone();
            notes.push(r);
        }
        result.diagnostics.append(&mut notes);
        if text != original {
            result.fixed = Some(text);
            result.original = Some(original);
        }
    }

    fn file_context<'t>(&'t self, index: &'t LineIndex<'t>) -> FileContext<'t> {
        FileContext {
            path: self.path,
            index,
            reader: self.reader,
            partial: self.role.is_some_and(|r| r.patch),
        }
    }

    fn dir_group(&self) -> GroupKey {
        GroupKey::Directory(
            kustomize::normalize(self.fs_path)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        )
    }

    fn parse_errors(
        &self,
        file: &FileContext<'_>,
        errors: &[yaml::ParseError],
        result: &mut FileResult,
    ) {
        if self.selection.parse_errors {
            for e in errors {
                let span = Span::new(e.offset, e.offset);
                result.diagnostics.push(
                    file.diag(&rules::PARSE_ERROR, span, e.message.clone())
                        .help("fix the YAML syntax here; the documents after the next `---` are still checked"),
                );
            }
        }
        if !errors.is_empty() {
            // a file that does not parse is never fixed, so its findings offer no fix
            for d in &mut result.diagnostics {
                d.fix = None;
            }
        }
    }

    /// Lints a text document by document as the parser completes each, dropping each tree
    /// once checked, then decides whether the file was linted or skipped.
    fn check_streaming(&self, text: &str, result: &mut FileResult) {
        let index = LineIndex::new(text);
        let file = self.file_context(&index);
        let dir_group = self.dir_group();
        let mut errors = Vec::new();
        let mut shape = Shape::default();
        let mut doc_index = 0;
        yaml::parse_each(
            text,
            yaml::Limits::default(),
            |doc| {
                shape.add(&doc);
                self.check_doc(&file, doc_index, &doc, &dir_group, result);
                doc_index += 1;
            },
            |e| errors.push(e),
        );
        if let Some(reason) = shape.skip_reason(text, !errors.is_empty()) {
            result.class = Class::Skipped(reason);
            result.diagnostics.clear();
            result.facts.clear();
            result.objects = 0;
            return;
        }
        self.parse_errors(&file, &errors, result);
    }

    /// Runs the per-file rules on one parsed text.
    fn check(&self, text: &str, stream: &yaml::Stream, result: &mut FileResult) {
        let index = LineIndex::new(text);
        let file = self.file_context(&index);
        let dir_group = self.dir_group();
        for (doc_index, doc) in stream.documents.iter().enumerate() {
            self.check_doc(&file, doc_index, doc, &dir_group, result);
        }
        self.parse_errors(&file, &stream.errors, result);
    }

    /// Runs the document and object rules on one document, and keeps its objects' facts.
    fn check_doc(
        &self,
        file: &FileContext<'_>,
        doc_index: usize,
        doc: &yaml::Document,
        dir_group: &GroupKey,
        result: &mut FileResult,
    ) {
        let dcx = DocContext {
            file,
            doc,
            doc_index,
        };
        for rule in &self.selection.enabled {
            if rule.meta().scope == rules::Scope::Document {
                rule.check_document(&dcx, &mut result.diagnostics);
            }
        }
        for obj in objects(doc) {
            result.objects += 1;
            let ocx = ObjectContext {
                file,
                obj,
                doc_index,
            };
            for rule in &self.selection.enabled {
                if rule.meta().scope == rules::Scope::Object {
                    rule.check_object(&ocx, &mut result.diagnostics);
                }
            }
            result
                .facts
                .push(ObjectFacts::of(&file.locator(), &obj, self.role, dir_group));
        }
    }
}
