//! A run of `kure lint` or `kure fix`: discover the files, load and check each in parallel
//! (fixing through `apply` when asked), then the cross-file pass once, and the summary.

use crate::apply::{self, Change};
use crate::check::{Checked, FileChecker};
use crate::diagnostic::Diagnostic;
use crate::error::{Error, FileErrorKind};
use crate::fix::{Applicability, Fix};
use crate::load::{Loaded, Shape};
use crate::model::inventory::Inventory;
use crate::model::kustomize::Kustomize;
use crate::rules;
use crate::rules::Settings;
use crate::source::{Base, Span};
use crate::summary::{FileError, Skipped, Summary};
use crate::walk::{self, Input};
use crate::yaml;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone, Debug, Default)]
pub struct LintOptions {
    pub paths: Vec<PathBuf>,
    pub stdin_filename: Option<String>,
    pub no_ignore: bool,
    /// The rules, their severities, the target version and the exclusions: the flags over
    /// the config found for the first path (or named by `--config`).
    pub rules: crate::config::Merged,
    /// Each file governed by its own nearest `.kure.yaml`: the flags, to merge over it.
    /// `None` (`--config`, `--isolated`, or no config wanted) governs every file by `rules`.
    pub per_file_configs: Option<crate::config::Flags>,
    /// Apply fixes (in memory; the caller writes, diffs or prints the results).
    pub fix: Option<FixOptions>,
    /// apiVersion migrations adopt the new version's defaults instead of writing the old
    /// ones out (`kure migrate --new-defaults`).
    pub new_defaults: bool,
    /// Lint the files given alone, without the repository around them as context.
    pub isolated: bool,
    /// Check the change since this git commit too (`--base REF`): the rules about a change
    /// run only then.
    pub base: Option<String>,
    /// Report only the findings this baseline does not record (`--baseline FILE`,
    /// `baseline:`), and its entries that match nothing.
    pub baseline: Option<PathBuf>,
    /// What this process keeps of the context files between runs (`kure server`): a file
    /// unchanged since (same length and modification time, same kustomize role) is neither
    /// read nor checked again. Lint runs only; a fix run reads everything.
    pub context_cache: Option<Arc<ContextCache>>,
    /// Where the reference at this byte offset of the (first) file given leads
    /// (`LintResult::definitions`).
    pub definitions_at: Option<usize>,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct FixOptions {
    /// Apply unsafe fixes too.
    pub unsafe_fixes: bool,
    /// Write each fixed file (atomically, and only if it still holds what was read). A file
    /// that cannot be written is an error of the run; its findings and facts are then those
    /// of the text as read, and its fixes count as not applied.
    pub write: bool,
    /// Only the fix of this finding: its rule and the byte offset it starts at (an editor's
    /// quick fix). It is verified as every fix is; no other fix is made.
    pub only: Option<(&'static str, usize)>,
}

pub struct LintResult {
    pub diagnostics: Vec<Diagnostic>,
    pub summary: Summary,
    /// Standard input's name and text, when it was linted (for rendering snippets).
    pub stdin: Option<(String, String)>,
    /// Files that fixes changed, in path order (only when fixing).
    pub changes: Vec<Change>,
    /// What the reference at `LintOptions::definitions_at` leads to: where each is written,
    /// and what it is (`Deployment/web`).
    pub definitions: Vec<(crate::source::Located, String)>,
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
    /// The fixes of a file that could not be written: not applied.
    not_written: Vec<&'static str>,
    /// While fixing: the text fixes made, until `finish` compares it with the text as read.
    fixed_text: Option<String>,
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
            not_written: Vec::new(),
            fixed_text: None,
        }
    }
}

pub fn lint(opts: &LintOptions) -> Result<LintResult, Error> {
    let walk_opts = walk::WalkOptions {
        exclude: &opts.rules.exclude,
        no_ignore: opts.no_ignore,
        stdin_filename: opts.stdin_filename.as_deref(),
    };
    let paths = if opts.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        opts.paths.clone()
    };
    let (mut inputs, mut walk_errors) = walk::discover(&paths, &walk_opts);
    // single files inside a repository: the rest of it, for the model only
    let context = if opts.isolated {
        Vec::new()
    } else {
        with_buffers(
            crate::context::files(&paths, opts.stdin_filename.as_deref()).1,
            &inputs,
        )
    };
    // the CRDs of `--schema`, and, when fixing, those among the files and their context
    // (a fix must know every type before it edits); linting learns the files' CRDs as it
    // reads them, and checks again the custom resources it met before their CRD
    let fixing = opts.fix.is_some();
    let known = if fixing {
        collect_crds(
            inputs.iter().chain(&context),
            &opts.rules.schemas,
            &mut walk_errors,
        )
    } else {
        collect_crds(std::iter::empty(), &opts.rules.schemas, &mut walk_errors)
    };
    let crds: crate::model::crd::Shared = Arc::new(std::sync::RwLock::new(Arc::new(known)));
    let mut settings = Settings::from_merged(&opts.rules, opts.new_defaults)?
        .with_crds(crds.clone(), opts.rules.require_schemas)
        .with_catalog(catalog(&opts.rules)?);
    if opts.base.is_none() {
        settings = settings.without_change_rules();
    }
    let scopes = match &opts.per_file_configs {
        Some(flags) => Scopes::find(
            &mut inputs,
            &paths,
            flags,
            &opts.rules,
            opts.new_defaults,
            &crds,
        )?
        .map(|mut s| {
            if opts.base.is_none() {
                s.settings = s
                    .settings
                    .into_iter()
                    .map(Settings::without_change_rules)
                    .collect();
            }
            s
        }),
        None => None,
    };
    let all: Vec<Input> = inputs.iter().chain(&context).cloned().collect();
    let cache = opts
        .context_cache
        .as_deref()
        .filter(|_| !fixing)
        .map(RunCache::new);
    let (flux, mut context_bytes) = collect_flux(&all, &context, cache.as_ref());
    // a kustomization among the context files is decoded from the bytes read already
    let kz = Kustomize::for_inputs_with_flux(
        &inputs,
        &context,
        &flux,
        &|p| match context_bytes.get(p) {
            Some(b) => crate::load::decode(b.clone()).ok(),
            None => crate::load::read_text(p).ok(),
        },
        &list_dir,
    );

    let facts_only = Settings::new(Some(&[]), &[])?;
    // context files were read by `collect_flux` already: their bytes are not read again
    let context_inputs: Vec<(Input, Option<Vec<u8>>)> = context
        .iter()
        .map(|i| {
            let bytes = i
                .file()
                .and_then(|f| context_bytes.remove(&walk::normalize(f)));
            (i.clone(), bytes)
        })
        .collect();
    // the roots rendered while the files are read and checked
    let (renders, (mut results, stdin, mut context_results)) = rayon::join(
        || render_roots(&kz, &flux, &inputs, &all, settings.workloads()),
        || {
            let settings_of = |input: &Input| {
                scopes
                    .as_ref()
                    .map_or(&settings, |s| s.of(input, &settings))
            };
            let lint_given = |i: usize, bytes| {
                let input = &inputs[i];
                lint_input(input, bytes, &kz, settings_of(input), opts.fix.as_ref())
            };
            let lint_context = |(input, bytes): (Input, Option<Vec<u8>>)| {
                if let Some(kept) = cache.as_ref().and_then(|c| c.result(&input, &kz)) {
                    return kept;
                }
                let bytes = match bytes {
                    Some(b) => Ok(b),
                    None => crate::load::read_input(&input),
                };
                let r = lint_input(&input, bytes, &kz, &facts_only, None);
                if let Some(c) = &cache {
                    c.keep(&input, &kz, &r);
                }
                r
            };
            let stdin = crate::load::read_stdin(&inputs);
            // the files declaring CRDs (found by a search for the kind's name before any
            // parse) are checked first, so that a custom resource meets its CRD the first
            // time it is checked; fixing has read every CRD already
            let finder = memchr::memmem::Finder::new(b"CustomResourceDefinition");
            let declares_crds = |b: &[u8]| !fixing && finder.find(b).is_some();
            let (first_context, rest_context): (Vec<_>, Vec<_>) =
                context_inputs.into_iter().partition(|(i, b)| {
                    b.as_deref().is_some_and(declares_crds)
                        || cache.as_ref().is_some_and(|c| c.declares_crds(i))
                });
            use rayon::prelude::*;
            let (mut first, mut first_context): (Vec<(usize, FileResult)>, Vec<FileResult>) =
                rayon::join(
                    || {
                        if fixing {
                            return Vec::new();
                        }
                        inputs
                            .par_iter()
                            .enumerate()
                            .filter_map(|(i, input)| {
                                input.file()?;
                                let bytes = crate::load::read_input(input).ok()?;
                                declares_crds(&bytes).then(|| (i, lint_given(i, Ok(bytes))))
                            })
                            .collect()
                    },
                    || first_context.into_par_iter().map(lint_context).collect(),
                );
            let found = take_crds(
                first
                    .iter_mut()
                    .map(|(_, r)| r)
                    .chain(first_context.iter_mut()),
            );
            let known = learn(&crds, found);
            // the others, and a file of these whose custom resources came before a CRD
            // another declares (checked again)
            let mut checked = vec![false; inputs.len()];
            let mut again = vec![false; inputs.len()];
            for (i, r) in &first {
                checked[*i] = true;
                again[*i] = known.as_ref().is_some_and(|all| met_before_crd(r, all));
            }
            let rest: Vec<usize> = (0..inputs.len())
                .filter(|&i| !checked[i] || again[i])
                .collect();
            let (rest, rest_context): (Vec<(usize, FileResult)>, Vec<FileResult>) = rayon::join(
                || {
                    rest.into_par_iter()
                        .map(|i| {
                            let mut r = lint_given(i, crate::load::read_with(&inputs[i], &stdin));
                            if again[i] {
                                // its CRDs were learnt with the first
                                r.checked.crds = None;
                            }
                            (i, r)
                        })
                        .collect()
                },
                || rest_context.into_par_iter().map(lint_context).collect(),
            );
            let mut results: Vec<Option<FileResult>> = (0..inputs.len()).map(|_| None).collect();
            for (i, r) in first.into_iter().chain(rest) {
                results[i] = Some(r);
            }
            first_context.extend(rest_context);
            (
                results.into_iter().flatten().collect::<Vec<_>>(),
                stdin,
                first_context,
            )
        },
    );
    if !fixing {
        // the CRDs the files declare that were not known when their custom resources were
        // checked (a CRD read from standard input): those are checked again, now with one
        let found = take_crds(results.iter_mut().chain(context_results.iter_mut()));
        if let Some(all) = learn(&crds, found) {
            let again: Vec<usize> = results
                .iter()
                .enumerate()
                .filter(|(_, r)| met_before_crd(r, &all))
                .map(|(i, _)| i)
                .collect();
            use rayon::prelude::*;
            let redone: Vec<(usize, FileResult)> = again
                .par_iter()
                .map(|&i| {
                    let input = &inputs[i];
                    let bytes = crate::load::read_with(input, &stdin);
                    let settings = scopes
                        .as_ref()
                        .map_or(&settings, |s| s.of(input, &settings));
                    (i, lint_input(input, bytes, &kz, settings, None))
                })
                .collect();
            for (i, r) in redone {
                results[i] = r;
            }
        }
    }
    let stdin_name = inputs.iter().find_map(|i| match i {
        Input::Stdin(name) => Some(name.clone()),
        Input::File(_) => None,
    });

    let mut summary = Summary::default();
    // as for the facts below: one allocation, or a move when one file has findings
    let with_findings = results
        .iter()
        .filter(|r| !r.checked.diagnostics.is_empty())
        .count();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    if with_findings > 1 {
        diagnostics.reserve_exact(results.iter().map(|r| r.checked.diagnostics.len()).sum());
    }
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
        summary.objects_without_schema += r.checked.without_schema;
        let [crd, directory, embedded] = r.checked.custom_checked;
        summary.custom_resources_checked += crd + directory + embedded;
        summary.checked_by.crd += crd;
        summary.checked_by.schema_catalog += directory;
        summary.checked_by.catalog += embedded;
        summary.cel_rules_not_judged += r.checked.cel_not_judged;
        summary.encrypted += usize::from(r.checked.encrypted);
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
        if diagnostics.is_empty() && with_findings == 1 {
            diagnostics = std::mem::take(&mut r.checked.diagnostics);
        } else {
            diagnostics.append(&mut r.checked.diagnostics);
        }
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
        for id in &r.not_written {
            fixes.rules.entry(id).or_default();
        }
        for id in &r.refused {
            fixes.refused += 1;
            fixes.rules.entry(id).or_default()[1] += 1;
        }
        if let (Some(fixed), Some(original)) = (r.fixed.take(), r.original.take()) {
            fixes.files_changed += 1;
            changes.push(Change {
                path: r.path.to_string(),
                original,
                fixed,
                rules: std::mem::take(&mut r.applied),
            });
        }
    }
    let mut pending: Vec<(crate::suppress::Suppression, crate::source::Located)> = results
        .iter_mut()
        .flat_map(|r| std::mem::take(&mut r.checked.suppressions))
        .collect();
    drop(results);
    // (a context file that cannot be read, such as one deleted but still tracked, is left
    // out)
    summary.context_files = context_results.iter().filter(|r| r.error.is_none()).count();
    for mut r in context_results {
        inventory.objects.append(&mut r.checked.facts);
    }
    let rendered_at = use_renders(&kz, renders, &mut inventory);
    inventory.finish();
    let definitions = match (opts.definitions_at, inputs.first()) {
        (Some(offset), Some(input)) => {
            crate::model::goto::definitions(&inventory, &input.display(), offset)
        }
        _ => Vec::new(),
    };
    // the change since `--base`: the files that differ, read at the commit
    let change = match &opts.base {
        Some(reference) => Some(crate::base::transition(
            reference,
            &paths,
            &inputs,
            &kz,
            &facts_only,
            &inventory,
        )?),
        None => None,
    };
    summary.base = change.as_ref().map(|c| crate::summary::BaseSummary {
        reference: c.reference.clone(),
        changed: c.differ,
    });
    let from = diagnostics.len();
    match &scopes {
        None => {
            settings.check_inventory(&inventory, &mut diagnostics);
            if let Some(change) = &change {
                settings.check_change(change, &inventory, &mut diagnostics);
            }
            settings.apply_overrides(&mut diagnostics, from);
        }
        Some(scopes) => {
            // every rule some config runs, each finding then judged by its file's config
            let mut all = vec![&settings];
            all.extend(&scopes.settings);
            let union = Settings::union(&all);
            union.check_inventory(&inventory, &mut diagnostics);
            if let Some(change) = &change {
                union.check_change(change, &inventory, &mut diagnostics);
            }
            let mut cross = diagnostics.split_off(from);
            cross.retain_mut(|d| scopes.of_path(&d.at.path, &settings).keeps(d));
            diagnostics.append(&mut cross);
        }
    }
    // a finding in a rendered object names the roots that render it
    name_renders(&mut diagnostics, from, &rendered_at);
    // suppressions of cross-file rules, judged now that every finding is known
    if !pending.is_empty() {
        // (the findings of the files' own rules were met by these already)
        diagnostics.retain(|d| {
            !pending.iter_mut().fold(false, |hit, (s, at)| {
                (*at.path == *d.at.path && s.take(d)) | hit
            })
        });
        for (s, at) in pending {
            let settings = scopes
                .as_ref()
                .map_or(&settings, |sc| sc.of_path(&at.path, &settings));
            if !s.used
                && let Some(d) = crate::check::unused_finding(settings, at, &s)
            {
                diagnostics.push(d);
            }
        }
    }
    if !context.is_empty() {
        let context: std::collections::HashSet<String> =
            context.iter().map(Input::display).collect();
        let cross = diagnostics.split_off(from);
        diagnostics.extend(
            cross
                .into_iter()
                .filter_map(|d| in_given_files(d, &context)),
        );
    }
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    // a base rendered by several overlays gives the same finding once
    diagnostics.dedup_by(|b, a| {
        a.rule == b.rule
            && a.at.path == b.at.path
            && a.at.span == b.at.span
            && a.message == b.message
    });
    let stdin = stdin.zip(stdin_name).and_then(|(bytes, name)| {
        let original = crate::load::decode(bytes.ok()?).ok()?;
        // snippets of a fixed standard input are shown on the fixed text
        let shown = changes
            .iter()
            .find(|c| c.path == name)
            .map_or(original, |c| c.fixed.clone());
        Some((name, shown))
    });
    if let Some(file) = &opts.baseline {
        let text = stdin.as_ref().map(|(n, t)| (n.as_str(), t.as_str()));
        summary.baselined = Some(crate::baseline::apply(
            file,
            &mut diagnostics,
            text,
            &settings,
        )?);
        diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    }
    summary.fixes.available = diagnostics.iter().filter(|d| d.fix.is_some()).count();
    Ok(LintResult {
        diagnostics,
        summary,
        stdin,
        changes,
        definitions,
    })
}

/// The context and the editor buffers that stand for files it lacks (a new file not yet
/// tracked): those are context too, when there is a context at all.
fn with_buffers(mut context: Vec<Input>, inputs: &[Input]) -> Vec<Input> {
    let buffers = crate::load::buffer_paths();
    if context.is_empty() || buffers.is_empty() {
        return context;
    }
    let known: std::collections::HashSet<PathBuf> = context
        .iter()
        .chain(inputs)
        .map(|i| walk::normalize(&i.path()))
        .collect();
    context.extend(
        buffers
            .into_iter()
            .filter(|b| !known.contains(b))
            .map(Input::File),
    );
    context
}

/// The catalogs of a config and the flags over it: a `--schema-catalog` directory (read
/// a schema at a time, as objects need them) and the embedded catalog unless turned off.
pub fn catalog(m: &crate::config::Merged) -> Result<Arc<crate::model::catalog::Catalog>, Error> {
    let directory = match &m.schema_catalog {
        Some(dir) if !dir.is_dir() => {
            return Err(Error::Usage(format!(
                "--schema-catalog {}: not a directory",
                dir.display()
            )));
        }
        Some(dir) => {
            let dir = dir.clone();
            let read: crate::model::catalog::ReadText =
                Box::new(move |rel| crate::load::read_text(&dir.join(rel)).ok());
            Some(read)
        }
        None => None,
    };
    Ok(Arc::new(crate::model::catalog::Catalog::new(
        m.catalog, directory,
    )))
}

/// The CRDs the checked files declare, taken out of their results.
fn take_crds<'r>(results: impl Iterator<Item = &'r mut FileResult>) -> crate::model::crd::Crds {
    let mut found = crate::model::crd::Crds::default();
    for r in results {
        if let Some(c) = r.checked.crds.take() {
            found.extend(*c);
        }
    }
    found
}

/// Whether a file's check met a custom resource without its CRD that `all` now holds.
fn met_before_crd(r: &FileResult, all: &crate::model::crd::Crds) -> bool {
    r.checked
        .kinds_without_crd
        .iter()
        .any(|(a, k)| !all.get(a, k).is_empty())
}

/// Adds the CRDs `found` to those the run knows, returning them all when any was found.
fn learn(
    crds: &crate::model::crd::Shared,
    found: crate::model::crd::Crds,
) -> Option<Arc<crate::model::crd::Crds>> {
    if found.is_empty() {
        return None;
    }
    let mut all = crds.read().map(|c| (**c).clone()).unwrap_or_default();
    all.extend(found);
    let all = Arc::new(all);
    if let Ok(mut w) = crds.write() {
        *w = all.clone();
    }
    Some(all)
}

/// The CRDs of a run: those among `inputs` (found by a search for their kind before any
/// parse, so a run without CRDs pays one scan of its bytes), and those in the files and
/// directories of `--schema`. A `--schema` path that cannot be read is an error of the run.
fn collect_crds<'a>(
    inputs: impl Iterator<Item = &'a Input>,
    schemas: &[PathBuf],
    errors: &mut Vec<(String, FileErrorKind)>,
) -> crate::model::crd::Crds {
    use rayon::prelude::*;
    let mut files: Vec<Input> = inputs.filter(|i| i.file().is_some()).cloned().collect();
    if !schemas.is_empty() {
        let (extra, walk_errors) = walk::discover(
            schemas,
            &walk::WalkOptions {
                exclude: &[],
                no_ignore: false,
                stdin_filename: None,
            },
        );
        errors.extend(walk_errors);
        files.extend(extra);
    }
    let finder = memchr::memmem::Finder::new(b"CustomResourceDefinition");
    let found: Vec<(String, String)> = files
        .par_iter()
        .filter_map(|input| {
            let bytes = crate::load::read_input(input).ok()?;
            finder.find(&bytes)?;
            let text = crate::load::decode(bytes).ok()?;
            Some((input.shown(), text))
        })
        .collect();
    let mut crds = crate::model::crd::Crds::default();
    for (path, text) in &found {
        let stream = yaml::parse(text, yaml::Limits::default());
        for doc in &stream.documents {
            for obj in crate::model::objects(doc) {
                crds.add_if_crd(&obj, path);
            }
        }
    }
    crds
}

/// The bytes of context files, by normalized path, read once.
type ContextBytes = HashMap<PathBuf, Vec<u8>>;

/// The Flux Kustomizations and Argo CD Applications a text declares, in order.
fn flux_specs(text: &str) -> Vec<crate::model::flux::FluxKustomization> {
    let stream = yaml::parse(text, yaml::Limits::default());
    let mut out = Vec::new();
    for doc in &stream.documents {
        for obj in crate::model::objects(doc) {
            match crate::model::flux::flux_kustomization(&obj) {
                Some(s) => out.push(s),
                None => out.extend(crate::model::flux::argo_application(&obj)),
            }
        }
    }
    out
}

/// A file's stamp (`None` when it cannot be read).
fn stamp_of(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some(Stamp {
        len: meta.len(),
        modified: meta.modified().ok()?,
    })
}

/// What a process keeps of its context files from one run to the next (see
/// `LintOptions::context_cache`), by path as the context names it (the working directory
/// stays the same in the process that keeps it).
#[derive(Default)]
pub struct ContextCache {
    files: std::sync::Mutex<HashMap<PathBuf, Kept>>,
}

impl std::fmt::Debug for ContextCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.files.lock().map_or(0, |m| m.len());
        write!(f, "ContextCache({n} files)")
    }
}

/// A file's length and modification time: when both are as they were, so is the file.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: std::time::SystemTime,
}

struct Kept {
    stamp: Stamp,
    /// The Flux Kustomizations and Argo CD Applications it declares.
    flux: Vec<crate::model::flux::FluxKustomization>,
    declares_crds: bool,
    /// Its facts, for the kustomize role they were made with.
    result: Option<KeptResult>,
}

struct KeptResult {
    role: Option<crate::model::kustomize::FileRole>,
    alone: bool,
    error: Option<FileErrorKind>,
    skipped: Option<&'static str>,
    facts: Vec<crate::model::inventory::ObjectFacts>,
    crds: Option<Box<crate::model::crd::Crds>>,
    objects: usize,
}

/// The cache as one run uses it: files that an editor buffer stands for are never taken
/// from it (nor kept: their text is not the file's).
struct RunCache<'a> {
    cache: &'a ContextCache,
    buffered: std::collections::HashSet<PathBuf>,
}

impl<'a> RunCache<'a> {
    fn new(cache: &'a ContextCache) -> RunCache<'a> {
        // each buffer by its normalized path and as the context names it (relative to the
        // working directory), so a path is checked as it is given
        let mut buffered = std::collections::HashSet::new();
        for b in crate::load::buffer_paths() {
            buffered.insert(walk::relative(walk::cwd(), &b));
            buffered.insert(b);
        }
        RunCache { cache, buffered }
    }

    fn files(&self) -> Option<std::sync::MutexGuard<'_, HashMap<PathBuf, Kept>>> {
        self.cache.files.lock().ok()
    }

    fn is_buffered(&self, path: &Path) -> bool {
        self.buffered.contains(path)
    }

    fn declares_crds(&self, input: &Input) -> bool {
        let Some(path) = input.file() else {
            return false;
        };
        self.files()
            .and_then(|f| f.get(path).map(|k| k.declares_crds))
            .unwrap_or(false)
    }

    /// The file's facts as kept, when it was not read in this run (so is unchanged) and
    /// its kustomize role is the same.
    fn result(&self, input: &Input, kz: &Kustomize) -> Option<FileResult> {
        let path = input.file()?;
        if self.is_buffered(path) {
            return None;
        }
        let files = self.files()?;
        let kept = files.get(path)?.result.as_ref()?;
        let fs_path = input.path();
        if kept.role.as_ref() != kz.role(&fs_path) || kept.alone != kz.alone(&fs_path) {
            return None;
        }
        let mut r = FileResult::new(input.display().into(), Some(path.to_path_buf()));
        r.error = kept.error.clone();
        r.checked.skipped = kept.skipped;
        r.checked.facts = kept.facts.clone();
        r.checked.crds = kept.crds.clone();
        r.checked.objects = kept.objects;
        Some(r)
    }

    /// Keeps a context file's facts, made now, for its role.
    fn keep(&self, input: &Input, kz: &Kustomize, r: &FileResult) {
        let Some(path) = input.file() else { return };
        let fs_path = input.path();
        let Some(mut files) = self.files() else {
            return;
        };
        if let Some(kept) = files.get_mut(path) {
            kept.result = Some(KeptResult {
                role: kz.role(&fs_path).cloned(),
                alone: kz.alone(&fs_path),
                error: r.error.clone(),
                skipped: r.checked.skipped,
                facts: r.checked.facts.clone(),
                crds: r.checked.crds.clone(),
                objects: r.checked.objects,
            });
        }
    }
}

/// The Flux Kustomizations (and Argo CD Applications) among the files of a run (found by a
/// search for their API group before any parse), each with the directory its `spec.path`
/// names: the path taken from the nearest directory above the object's file where it
/// exists. Those sourced from anything but a `GitRepository` apply files kure does not have.
/// The bytes of the `context` files read on the way are returned too, so that they are
/// read once.
fn collect_flux(
    inputs: &[Input],
    context: &[Input],
    cache: Option<&RunCache<'_>>,
) -> (Vec<crate::model::kustomize::FluxRoot>, ContextBytes) {
    use rayon::prelude::*;
    let finder = memchr::memmem::Finder::new(crate::model::flux::KUSTOMIZE_GROUP.as_bytes());
    let argo = memchr::memmem::Finder::new(crate::model::flux::ARGO_GROUP.as_bytes());
    // (an Argo CD Application, not any object of argoproj.io: Rollouts and their CRDs are
    // large and many)
    let application = memchr::memmem::Finder::new(b"kind: Application");
    let in_context: std::collections::HashSet<&Path> =
        context.iter().filter_map(Input::file).collect();
    // per file: its text when it may hold a Flux Kustomization, its bytes when in context,
    // and what the cache is to keep of it
    type Read = (
        Option<(PathBuf, Vec<crate::model::flux::FluxKustomization>)>,
        Option<(PathBuf, Vec<u8>)>,
        // (`None` inside: the file is gone, and so is what was kept of it)
        Option<(PathBuf, Option<Kept>)>,
    );
    // the cache is locked once, and read by every thread
    let mut kept = cache.and_then(RunCache::files);
    let read: Vec<Read> = {
        let kept_now = kept.as_deref();
        inputs
            .par_iter()
            .filter_map(|input| {
                let path = input.file()?;
                // a context file unchanged since the last run: what it said then
                let cacheable =
                    cache.is_some_and(|c| in_context.contains(path) && !c.is_buffered(path));
                let stamp = cacheable.then(|| stamp_of(path)).flatten();
                if cacheable && stamp.is_none() {
                    return Some((None, None, Some((path.to_path_buf(), None))));
                }
                if let (Some(stamp), Some(k)) = (stamp, kept_now.and_then(|m| m.get(path)))
                    && k.stamp == stamp
                {
                    let specs =
                        (!k.flux.is_empty()).then(|| (walk::normalize(path), k.flux.clone()));
                    return Some((specs, None, None));
                }
                let bytes = crate::load::read_input(input).ok()?;
                let flux = finder.find(&bytes).is_some()
                    || (application.find(&bytes).is_some() && argo.find(&bytes).is_some());
                let specs = flux
                    .then(|| crate::load::decode(bytes.clone()).ok())
                    .flatten()
                    .map(|t| flux_specs(&t))
                    .filter(|s| !s.is_empty())
                    .map(|s| (walk::normalize(path), s));
                let keep = stamp.map(|stamp| {
                    let kept = Kept {
                        stamp,
                        flux: specs.as_ref().map(|(_, s)| s.clone()).unwrap_or_default(),
                        declares_crds: memchr::memmem::find(&bytes, b"CustomResourceDefinition")
                            .is_some(),
                        result: None,
                    };
                    (path.to_path_buf(), Some(kept))
                });
                let in_bytes = in_context
                    .contains(path)
                    .then(|| (walk::normalize(path), bytes));
                Some((specs, in_bytes, keep))
            })
            .collect()
    };
    let mut found: Vec<(PathBuf, Vec<crate::model::flux::FluxKustomization>)> = Vec::new();
    let mut context_bytes: ContextBytes = HashMap::new();
    for (specs, in_bytes, keep) in read {
        found.extend(specs);
        if let Some((p, b)) = in_bytes {
            context_bytes.insert(p, b);
        }
        match (kept.as_deref_mut(), keep) {
            (Some(files), Some((p, Some(k)))) => {
                files.insert(p, k);
            }
            (Some(files), Some((p, None))) => {
                files.remove(&p);
            }
            _ => {}
        }
    }
    drop(kept);
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found.dedup_by(|a, b| a.0 == b.0);
    let mut out = Vec::new();
    for (path, specs) in found {
        for spec in specs {
            if !matches!(spec.source.0.as_str(), "GitRepository" | "") {
                continue;
            }
            let rel = spec.path.trim_start_matches("./");
            let dir = path
                .ancestors()
                .skip(1)
                .map(|a| walk::normalize(&a.join(rel)))
                .find(|d| d.is_dir());
            if let Some(dir) = dir {
                out.push(crate::model::kustomize::FluxRoot { dir, spec });
            }
        }
    }
    (out, context_bytes)
}

/// The roots rendered for the cross-file rules (`render_roots`, run beside the reading of
/// the files), whose facts replace the files' own afterwards (`use_renders`).
struct Renders {
    /// each file of the run, by normalized path, as findings name it
    shown: HashMap<PathBuf, Arc<str>>,
    /// per root: each rendered object's file, facts and span in that file
    rendered: Vec<RenderedRoot>,
}

/// A root's number and each object it renders: the object's file, facts and span there.
type RenderedRoot = (
    u32,
    Vec<(PathBuf, crate::model::inventory::ObjectFacts, Span)>,
);

/// The objects of each root kustomization as kustomize renders it (`render`), to stand in
/// place of the objects of the files it includes: a Service's selector is matched against
/// the pod labels an overlay's patch and `labels:` make, and references name what a prefix
/// or a generator's hash made of a name. A rendered object's facts point into the file that
/// holds it (`render::value::to_document`). A file some root including it cannot render
/// keeps its facts as read.
fn render_roots(
    kz: &Kustomize,
    flux: &[crate::model::kustomize::FluxRoot],
    inputs: &[Input],
    files: &[Input],
    workloads: &[crate::model::workload::WorkloadKind],
) -> Renders {
    use crate::model::inventory::{FactsBuilder, FileLocator, GroupKey};
    use rayon::prelude::*;
    if kz.roots.is_empty() {
        return Renders {
            shown: HashMap::new(),
            rendered: Vec::new(),
        };
    }
    let shown: HashMap<PathBuf, Arc<str>> = files
        .iter()
        .filter_map(|i| {
            i.file()
                .map(|f| (walk::normalize(f), Arc::from(i.display())))
        })
        .collect();
    // the roots reaching a file of the run whose build changes what they include (the
    // others' objects are the files' own, as read)
    let mut wanted: std::collections::BTreeSet<u32> = std::collections::BTreeSet::new();
    let transforming = |g: &u32| kz.transforms(*g);
    // (the roots of the files given: the context of single files is read as written)
    let given: std::collections::HashSet<PathBuf> = inputs
        .iter()
        .filter_map(|i| i.file().map(walk::normalize))
        .collect();
    for (path, role) in kz.roles() {
        if given.contains(path) && !role.patch && role.groups.iter().any(|(g, _)| transforming(g)) {
            // every root of such a file, so that all its objects come from renders
            wanted.extend(role.groups.iter().map(|(g, _)| *g));
        }
    }
    // each root rendered, and its objects' facts made, in parallel; the renders are
    // dropped as soon as their facts are made
    let rendered: Vec<RenderedRoot> = wanted
        .into_par_iter()
        .filter_map(|gid| {
            let root = kz.roots.get(gid as usize)?;
            let res = crate::render::render_for_facts(root).ok()?;
            let mut out = Vec::new();
            let mut indexes: HashMap<*const crate::render::Source, crate::source::LineIndex<'_>> =
                HashMap::new();
            let mut kustomizations: HashMap<PathBuf, Option<(String, yaml::Stream)>> =
                HashMap::new();
            for r in &res {
                let Some((source, di, node)) = &r.source else {
                    continue;
                };
                let origin = walk::normalize(&r.origin);
                let (Some(display), Some(role)) = (shown.get(&origin), kz.role(&origin)) else {
                    continue;
                };
                let Some(doc) = source.stream.documents.get(*di) else {
                    continue;
                };
                let mut value = r.value.clone();
                if value.str_at(&["kind"]) == Some("CustomResourceDefinition") {
                    // its schema says nothing the cross-file rules look at
                    value.remove("spec");
                }
                let mut rendered = crate::render::value::to_document(&value, doc, *node);
                if let Some(vars) = role.substitution.vars()
                    && rendered.strings.contains("${")
                    && let Some(s) = rendered.substitute(|t| crate::model::subst::expand(t, vars))
                {
                    rendered = s;
                }
                let Some(obj) = crate::model::objects(&rendered).into_iter().next() else {
                    continue;
                };
                let index = indexes
                    .entry(std::sync::Arc::as_ptr(source))
                    .or_insert_with(|| crate::source::LineIndex::new(&source.text));
                let locator = FileLocator {
                    path: display,
                    index,
                    partial: false,
                };
                let ns = obj.namespace().map(str::to_string);
                let mut facts = FactsBuilder::new(None, GroupKey::Kustomization(gid), workloads)
                    .of(&locator, &obj);
                // pod labels a patch changed are shown at the patch
                if let (Some(pods), Some(last)) = (facts.pods.as_mut(), r.patched_by.last())
                    && let Some(w) = crate::model::workload::lookup_in(&obj, workloads)
                {
                    let labels_path: Vec<&str> = w
                        .template
                        .iter()
                        .copied()
                        .chain(
                            match w.labels_at {
                                crate::model::workload::LabelsAt::Metadata => {
                                    &["metadata", "labels"][..]
                                }
                                crate::model::workload::LabelsAt::Direct => &["labels"][..],
                            }
                            .iter()
                            .copied(),
                        )
                        .collect();
                    let written = crate::render::value::V::from_doc(doc, *node);
                    if written.path(&labels_path) != r.value.path(&labels_path)
                        && let Some(at) =
                            crate::render::patch_location(last, &shown, &mut kustomizations)
                    {
                        pods.labels_at = Some(at);
                    }
                }
                // the Flux Kustomizations that apply this root, each with its namespace
                let by_flux: Vec<(GroupKey, Option<String>)> = flux
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| root.starts_with(&f.dir))
                    .map(|(j, f)| {
                        (
                            GroupKey::Flux(j as u32),
                            f.spec.target_namespace.clone().or_else(|| ns.clone()),
                        )
                    })
                    .collect();
                let groups: Vec<(GroupKey, Option<String>)> = if by_flux.is_empty() {
                    vec![(GroupKey::Kustomization(gid), ns.clone())]
                } else {
                    by_flux
                };
                let mut namespaces: Vec<Option<String>> = Vec::new();
                for (_, n) in &groups {
                    if !namespaces.contains(n) {
                        namespaces.push(n.clone());
                    }
                }
                facts.groups = groups.into();
                facts.namespaces = namespaces.into();
                out.push((origin, facts, doc.span(*node)));
            }
            Some((gid, out))
        })
        .collect();
    Renders { shown, rendered }
}

fn use_renders(kz: &Kustomize, renders: Renders, inv: &mut Inventory) -> Vec<RenderedAt> {
    let Renders { shown, rendered } = renders;
    let transforming = |g: &u32| kz.transforms(*g);
    let ok: std::collections::HashSet<u32> = rendered.iter().map(|(g, _)| *g).collect();
    // files every root of which rendered and one changed: their objects are the rendered ones
    let replaced: std::collections::HashSet<&PathBuf> = kz
        .roles()
        .filter(|(path, role)| {
            shown.contains_key(*path)
                && !role.patch
                && role.groups.iter().any(|(g, _)| transforming(g))
                && role.groups.iter().all(|(g, _)| ok.contains(g))
        })
        .map(|(p, _)| p)
        .collect();
    if replaced.is_empty() {
        return Vec::new();
    }
    let replaced_shown: std::collections::HashSet<&str> = replaced
        .iter()
        .filter_map(|p| shown.get(*p))
        .map(|s| &**s)
        .collect();
    inv.objects
        .retain(|o| !replaced_shown.contains(&*o.at.path));
    let empty = crate::source::LineIndex::new("");
    let mut at = Vec::new();
    for (gid, facts) in rendered {
        let root = &kz.roots[gid as usize];
        let file =
            crate::model::kustomize::kustomization_file(root).unwrap_or_else(|| root.clone());
        let display: Arc<str> = shown
            .get(&file)
            .cloned()
            .unwrap_or_else(|| Arc::from(file.display().to_string()));
        let root_at = crate::source::Located::new(&display, &empty, Span::new(0, 0));
        for (origin, f, span) in facts {
            if replaced.contains(&origin) {
                at.push(RenderedAt {
                    path: f.at.path.clone(),
                    span,
                    root: root_at.clone(),
                });
                inv.objects.push(f);
            }
        }
    }
    at
}

/// An object of a file as a root kustomization rendered it: the object's span in the
/// file, and the root's kustomization.
struct RenderedAt {
    path: Arc<str>,
    span: Span,
    root: crate::source::Located,
}

/// Names, on each cross-file finding inside a rendered object, the roots that render it
/// (`as prod/kustomization.yaml renders it`): where the finding holds.
fn name_renders(diagnostics: &mut [Diagnostic], from: usize, rendered: &[RenderedAt]) {
    if rendered.is_empty() {
        return;
    }
    for d in diagnostics.iter_mut().skip(from) {
        let mut roots: Vec<&crate::source::Located> = rendered
            .iter()
            .filter(|r| {
                *r.path == *d.at.path
                    && r.span.start <= d.at.span.start
                    && d.at.span.start < r.span.end
            })
            .map(|r| &r.root)
            .collect();
        roots.sort_by(|a, b| a.path.cmp(&b.path));
        roots.dedup_by(|a, b| a.path == b.path);
        for root in roots {
            let message = format!("as {} renders it", root.path.trim_start_matches("./"));
            d.related.push(crate::diagnostic::Related {
                at: root.clone(),
                message,
            });
        }
    }
}

/// The manifests and directories directly in `dir`, sorted.
fn list_dir(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_dir() || walk::is_manifest_name(p))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// The configs of a run whose files are not all governed by the one found for its first
/// path: each file's nearest `.kure.yaml`, the flags over it.
struct Scopes {
    settings: Vec<Settings>,
    /// The settings of each file not governed by the first path's config.
    files: HashMap<String, usize>,
}

impl Scopes {
    /// Each input's nearest config. Files a config excludes are dropped from `inputs`.
    /// `None` when the first path's config governs every file.
    fn find(
        inputs: &mut Vec<Input>,
        paths: &[PathBuf],
        flags: &crate::config::Flags,
        first: &crate::config::Merged,
        new_defaults: bool,
        crds: &crate::model::crd::Shared,
    ) -> Result<Option<Scopes>, Error> {
        let nested = nested_configs(inputs, paths, flags, first.config.as_deref())?;
        if nested.configs.is_empty() {
            return Ok(None);
        }
        let settings = nested
            .configs
            .iter()
            .map(|m| {
                Ok(Settings::from_merged(m, new_defaults)?
                    .with_crds(crds.clone(), m.require_schemas)
                    .with_catalog(catalog(m)?))
            })
            .collect::<Result<_, _>>()?;
        Ok(Some(Scopes {
            settings,
            files: nested.files,
        }))
    }

    fn of<'a>(&'a self, input: &Input, root: &'a Settings) -> &'a Settings {
        self.of_path(&input.display(), root)
    }

    fn of_path<'a>(&'a self, path: &str, root: &'a Settings) -> &'a Settings {
        self.files.get(path).map_or(root, |&i| &self.settings[i])
    }
}

/// The configs governing a run's files other than the first path's (`first`): each, the
/// flags over it, and which files it governs.
pub(crate) struct Nested {
    pub configs: Vec<crate::config::Merged>,
    /// Each file's config, by the path it is reported under.
    pub files: HashMap<String, usize>,
}

/// Finds each input's nearest `.kure.yaml`, and drops from `inputs` the files their config
/// excludes (its `exclude` globs are relative to its directory); a file named explicitly
/// is kept whatever its config excludes, as by the walk.
pub(crate) fn nested_configs(
    inputs: &mut Vec<Input>,
    paths: &[PathBuf],
    flags: &crate::config::Flags,
    first: Option<&std::path::Path>,
) -> Result<Nested, Error> {
    let mut nearest = crate::config::Nearest::default();
    let root = first.map(walk::normalize);
    let named: Vec<PathBuf> = paths.iter().map(|p| walk::normalize(p)).collect();
    let mut read: Vec<(PathBuf, Option<ignore::gitignore::Gitignore>)> = Vec::new();
    let mut out = Nested {
        configs: Vec::new(),
        files: HashMap::new(),
    };
    let mut keep = vec![true; inputs.len()];
    for (k, input) in inputs.iter().enumerate() {
        let abs = walk::normalize(&input.path());
        let config = nearest.of_file(&abs).map(|c| walk::normalize(&c));
        if config == root {
            continue;
        }
        let key = config.clone().unwrap_or_default();
        let i = match read.iter().position(|(p, _)| *p == key) {
            Some(i) => i,
            None => {
                let config = config
                    .as_deref()
                    .map(crate::config::Config::read)
                    .transpose()?;
                let merged = crate::config::merge(flags, config.as_ref());
                read.push((key, exclusions(&merged, config.as_ref())?));
                out.configs.push(merged);
                read.len() - 1
            }
        };
        if let Some(ex) = &read[i].1
            && ex.matched_path_or_any_parents(&abs, false).is_ignore()
            && matches!(input, Input::File(_))
            && !named.contains(&abs)
        {
            keep[k] = false;
            continue;
        }
        out.files.insert(input.display(), i);
    }
    let mut k = 0;
    inputs.retain(|_| {
        k += 1;
        keep[k - 1]
    });
    Ok(out)
}

/// A config's `exclude` globs, relative to its directory, as gitignore lines.
fn exclusions(
    merged: &crate::config::Merged,
    config: Option<&crate::config::Config>,
) -> Result<Option<ignore::gitignore::Gitignore>, Error> {
    let Some(config) = config else {
        return Ok(None);
    };
    if merged.exclude.is_empty() {
        return Ok(None);
    }
    let mut b = ignore::gitignore::GitignoreBuilder::new(walk::normalize(&config.dir));
    for g in &merged.exclude {
        b.add_line(None, g).map_err(|e| {
            Error::Config(format!("{}: bad glob `{g}`: {e}", config.path.display()))
        })?;
    }
    b.build()
        .map(Some)
        .map_err(|e| Error::Config(format!("{}: {e}", config.path.display())))
}

/// A cross-file finding as the files given see it: as it is when it is in one of them; at
/// its first place in one of them when it is in a context file (a Service elsewhere that a
/// given Deployment no longer serves), the context file then named as related; dropped
/// when it touches none of them.
fn in_given_files(
    mut d: Diagnostic,
    context: &std::collections::HashSet<String>,
) -> Option<Diagnostic> {
    if !context.contains(&*d.at.path) {
        return Some(d);
    }
    let i = d
        .related
        .iter()
        .position(|r| !context.contains(&*r.at.path))?;
    let here = d.related.remove(i);
    let there = std::mem::replace(&mut d.at, here.at);
    let p = &there.location.start;
    d.message = format!("in {}:{}:{}: {}", there.path, p.line, p.column, d.message);
    d.related.insert(
        0,
        crate::diagnostic::Related {
            at: there,
            message: "the finding is about this object".to_string(),
        },
    );
    // no fix reaches across files
    d.fix = None;
    Some(d)
}

fn lint_input(
    input: &Input,
    bytes: Result<Vec<u8>, FileErrorKind>,
    kz: &Kustomize,
    settings: &Settings,
    fix: Option<&FixOptions>,
) -> FileResult {
    let path: Arc<str> = input.display().into();
    let fs_path = input.path();
    let mut result = FileResult::new(path.clone(), input.file().map(PathBuf::from));
    if fix.is_some_and(|f| f.write) && apply::stopped_by().is_some() {
        // a signal stopped the writes: the files not reached yet are left as they are
        result.error = Some(FileErrorKind::Interrupted);
        return result;
    }
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
    // linting learns the CRDs from the files; fixing read them first
    let checker = FileChecker::new(&path, &fs_path, kz.role(&fs_path), settings)
        .alone(kz.alone(&fs_path), &fs_path)
        .learning_crds(fix.is_none());
    match fix {
        // linting holds one document's tree at a time; a file encrypted by SOPS is never
        // fixed (its findings carry no fix, and the summary says why)
        None => result.checked = checker.check_streaming(&text),
        Some(_) if apply::is_sops_text(text.as_bytes()) => {
            result.checked = checker.check_streaming(&text);
        }
        Some(f) => {
            fix_file(&checker, text, f, &mut result);
            if f.write {
                write(&checker, &mut result);
            }
        }
    }
    result
}

/// Writes a fixed file. A file that cannot be written (or that changed since it was read)
/// is an error of the run: its findings and facts are those of the text as read (checked
/// again, which only a failed write costs), and its fixes count as not applied.
fn write(checker: &FileChecker<'_>, result: &mut FileResult) {
    let (Some(path), Some(original), Some(fixed)) =
        (&result.write_to, &result.original, &result.fixed)
    else {
        return;
    };
    if let Err(kind) = apply::write_atomic(path, original.as_bytes(), fixed.as_bytes()) {
        if !matches!(kind, FileErrorKind::Interrupted) {
            // the run goes on: its findings are those of the file as it stays
            result.checked = checker.check_streaming(original);
        }
        result.error = Some(kind);
        result.not_written = std::mem::take(&mut result.applied);
        result.fixed = None;
        result.original = None;
    }
}

/// Fixes a large file one document at a time where its documents can be told apart by their
/// `---` lines (a document is fixed and verified on its own, so memory is one document's tree and
/// the texts), and as a whole otherwise (a file with directives, `...` markers, or YAML that
/// does not parse).
fn fix_file(checker: &FileChecker<'_>, text: String, opts: &FixOptions, result: &mut FileResult) {
    if let Some(cuts) = document_cuts(&text)
        && let Some(parts) = fix_parts(checker, &text, &cuts, opts, result)
    {
        *result = parts;
        result.finish(text);
        return;
    }
    let stream = yaml::parse(&text, yaml::Limits::default());
    if let Some(reason) = Shape::of(&stream).skip_reason(&text, !stream.errors.is_empty()) {
        result.checked.skipped = Some(reason);
        return;
    }
    let mut part = fix_text(checker, &text, stream, opts, Base::default());
    result.fixed_text = Some(std::mem::take(&mut part.text));
    result.add_part(part, 0, Base::default());
    result.finish(text);
}

/// Fixes the parts of a file between `cuts` one after another, each parsed when its turn
/// comes; `None` (and nothing done) as soon as a part does not parse, without errors, to
/// exactly one document, so the parts would not mean what the whole does, or when the file
/// is not linted.
fn fix_parts(
    checker: &FileChecker<'_>,
    text: &str,
    cuts: &[usize],
    opts: &FixOptions,
    file: &FileResult,
) -> Option<FileResult> {
    let mut result = FileResult::new(file.path.clone(), file.write_to.clone());
    let mut shape = Shape::default();
    // the fixed text is built only once a part changes
    let mut fixed: Option<String> = None;
    let mut fixed_base = Base::default();
    for (k, w) in cuts.windows(2).enumerate() {
        let read = &text[w[0]..w[1]];
        let stream = yaml::parse(read, yaml::Limits::default());
        if !stream.errors.is_empty() || stream.documents.len() != 1 {
            return None;
        }
        stream.documents.iter().for_each(|d| shape.add(d));
        let part = fix_text(checker, read, stream, opts, fixed_base);
        if fixed.is_none() && part.text != read {
            fixed = Some(text[..w[0]].to_string());
        }
        if let Some(f) = &mut fixed {
            f.push_str(&part.text);
        }
        let next = Base {
            offset: fixed_base.offset + part.text.len(),
            lines: fixed_base.lines + memchr::memchr_iter(b'\n', part.text.as_bytes()).count(),
        };
        result.add_part(part, k, fixed_base);
        fixed_base = next;
    }
    if shape.skip_reason(text, false).is_some() {
        return None;
    }
    result.fixed_text = fixed;
    Some(result)
}

/// Files from this size on are fixed one document at a time (smaller ones are fixed whole,
/// which costs less time per document and little memory).
pub const SPLIT_ABOVE_BYTES: usize = 1024 * 1024;

/// Where a file's documents start: at 0 and at each `---` line after the first document's
/// content (a `---` line cannot be the content of any scalar). `None` for a file under
/// `SPLIT_ABOVE_BYTES`, and for one with directives, which apply across documents.
fn document_cuts(text: &str) -> Option<Vec<usize>> {
    let bytes = text.as_bytes();
    if bytes.len() < SPLIT_ABOVE_BYTES
        || bytes.first() == Some(&b'%')
        || memchr::memmem::find(bytes, b"\n%").is_some()
    {
        return None;
    }
    let is_marker =
        |at: usize| matches!(bytes.get(at + 3), None | Some(b' ' | b'\t' | b'\r' | b'\n'));
    let mut cuts = vec![0];
    for at in memchr::memmem::find_iter(bytes, b"\n---").map(|i| i + 1) {
        if !is_marker(at) {
            continue;
        }
        // comments and blank lines before the first `---` go with the first document
        if cuts.len() == 1 && only_comments(&text[..at]) {
            continue;
        }
        cuts.push(at);
    }
    cuts.push(text.len());
    Some(cuts)
}

/// Whether a text holds only blank lines and comments (a byte order mark aside).
fn only_comments(text: &str) -> bool {
    text.trim_start_matches('\u{feff}').lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#')
    })
}

/// What identifies a refused fix across passes: rule, message, document, target paths.
type RefusalKey = (&'static str, String, usize, Vec<crate::yaml::value::Path>);

/// One text fixed to a fixed point: the fixed text, the findings on it (fixes refused
/// included), and the findings of the text as read (when the caller will write).
struct FixedPart {
    text: String,
    checked: Checked,
    applied: Vec<&'static str>,
    refused: Vec<&'static str>,
}

impl FileResult {
    /// Adds a fixed part, the document `doc` of its file, which starts at `base` in the fixed
    /// text: the edits of the fixes left move to the file's terms (its findings are placed
    /// there already).
    fn add_part(&mut self, mut part: FixedPart, doc: usize, base: Base) {
        for d in &mut part.checked.diagnostics {
            place_fix(d, doc, base);
        }
        let c = &mut self.checked;
        c.diagnostics.append(&mut part.checked.diagnostics);
        c.facts.append(&mut part.checked.facts);
        c.objects += part.checked.objects;
        self.applied.append(&mut part.applied);
        self.refused.append(&mut part.refused);
    }

    /// Keeps the text as read and the fixed text when fixes changed it.
    fn finish(&mut self, original: String) {
        self.checked.facts.shrink_to_fit();
        if let Some(fixed) = self.fixed_text.take()
            && fixed != original
        {
            self.fixed = Some(fixed);
            self.original = Some(original);
        }
    }
}

/// Moves a finding's fix from its part's terms to the file's: the document it is in, and
/// edits at byte offsets in the whole text.
fn place_fix(d: &mut Diagnostic, doc: usize, base: Base) {
    if let Some(f) = &mut d.fix {
        f.doc += doc;
        for e in &mut f.edits {
            e.span = Span::new(e.span.start + base.offset, e.span.end + base.offset);
        }
    }
}

/// Applies fixes pass after pass until none is left (`apply::to_fixed_point`), then reports
/// on the final text, with a `fix-refused` finding for each fix that was not applied.
fn fix_text(
    checker: &FileChecker<'_>,
    original: &str,
    stream: yaml::Stream,
    opts: &FixOptions,
    base: Base,
) -> FixedPart {
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
    let mut passes = 0usize;
    let outcome = apply::to_fixed_point(
        original.to_string(),
        stream,
        checker.reader(),
        |text, stream| {
            let mut checked = checker.check(text, stream, base);
            left_at.clear();
            // one finding's fix is proposed in the first pass only
            let first = passes == 0;
            passes += 1;
            let wanted = |d: &Diagnostic| match opts.only {
                None => true,
                Some((rule, at)) => first && d.rule == rule && d.at.span.start == at,
            };
            // (`check` offers no fix in a text that does not parse)
            let mut proposals = Vec::new();
            for (i, d) in checked.diagnostics.iter_mut().enumerate() {
                if d.fix.as_ref().is_some_and(|f| f.applicability >= min)
                    && wanted(d)
                    && let Some(f) = d.fix.take()
                {
                    proposals.push((key(d, &f), *f));
                    left_at.push(i);
                }
            }
            last = Some(checked);
            proposals
        },
    );
    let mut checked = last.unwrap_or_default();
    for (i, (_, f)) in left_at.into_iter().zip(outcome.left) {
        checked.diagnostics[i].fix = Some(Box::new(f));
    }
    let applied = outcome.applied.iter().map(|k| k.0).collect();
    let refused_rules = outcome.refused.iter().map(|(k, _)| k.0).collect();
    let refused: HashMap<RefusalKey, String> = outcome.refused.into_iter().collect();
    let text = outcome.text;
    let mut notes = Vec::new();
    for d in &mut checked.diagnostics {
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
    checked.diagnostics.append(&mut notes);
    FixedPart {
        text,
        checked,
        applied,
        refused: refused_rules,
    }
}
