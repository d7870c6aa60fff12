//! Checking: the per-file driver (document and object rules, and the facts each object
//! leaves for the cross-file pass); the cross-file pass is `Settings::check_inventory`.
//! Checking reads texts and returns findings; it never changes a file.

use crate::diagnostic::Diagnostic;
use crate::load::Shape;
use crate::model::inventory::{FactsBuilder, GroupKey, ObjectFacts};
use crate::model::kustomize::{self, FileRole};
use crate::model::objects;
use crate::model::subst::Substitution;
use crate::rules::{self, DocContext, FileContext, ObjectContext, Settings};
use crate::source::{Base, LineIndex, Span};
use crate::yaml::{self, resolve::Reader};
use std::path::Path;
use std::sync::Arc;

/// What checking one text found.
#[derive(Default)]
pub struct Checked {
    /// Why the file is not linted (the summary's reason), when it is not.
    pub skipped: Option<&'static str>,
    pub diagnostics: Vec<Diagnostic>,
    /// Each object's facts, for the cross-file pass.
    pub facts: Vec<ObjectFacts>,
    pub objects: usize,
    /// Custom resources with no schema, and those checked against one, by where it came
    /// from (`SchemaSource as usize`: a CRD, the `--schema-catalog` directory, the
    /// embedded catalog).
    pub without_schema: usize,
    pub custom_checked: [usize; 3],
    /// The CRDs the file declares, and the kinds of its custom resources that no CRD
    /// described (checked again once the run knows every CRD: a repository's CRD comes
    /// before a catalog's schema).
    pub crds: Option<Box<crate::model::crd::Crds>>,
    pub kinds_without_crd: Vec<(String, String)>,
    /// CEL rules not judged: a function or macro kure's CEL library lacks, an evaluation
    /// that failed (never reported as the object's failure).
    pub cel_not_judged: usize,
    /// Suppressions that only the cross-file pass can judge (they name a cross-file rule,
    /// or every rule), with where each is written.
    pub suppressions: Vec<(crate::suppress::Suppression, crate::source::Located)>,
    /// A document of the file is encrypted by SOPS: its findings carry no fix (see
    /// `model::is_sops_encrypted`).
    pub encrypted: bool,
}

impl Checked {
    /// Drops the fixes of an encrypted file's findings: no change to it may be written.
    fn withhold_fixes_if_encrypted(&mut self) {
        if self.encrypted {
            for d in &mut self.diagnostics {
                d.fix = None;
            }
        }
    }
}

/// What stays the same for a file while it is checked (and, when fixing, re-checked after
/// each pass of fixes).
pub struct FileChecker<'a> {
    path: &'a Arc<str>,
    role: Option<&'a FileRole>,
    pub settings: &'a Settings,
    /// Kept from check to check: what the file's objects share.
    facts: std::cell::RefCell<FactsBuilder<'a>>,
    /// Keep the types of the file's CRDs (`Checked::crds`), for a run that learns them.
    learn_crds: bool,
}

impl<'a> FileChecker<'a> {
    /// The checker of the file reported as `path`, read from `fs_path`, with its kustomize
    /// role (if a kustomization includes it).
    pub fn new(
        path: &'a Arc<str>,
        fs_path: &Path,
        role: Option<&'a FileRole>,
        settings: &'a Settings,
    ) -> FileChecker<'a> {
        let dir_group = GroupKey::Directory(
            kustomize::normalize(fs_path)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        );
        FileChecker {
            path,
            role,
            settings,
            facts: std::cell::RefCell::new(FactsBuilder::new(
                role,
                dir_group,
                settings.workloads(),
            )),
            learn_crds: false,
        }
    }

    /// The file is its own apply group (`Kustomize::alone`), not its directory's.
    pub fn alone(self, yes: bool, fs_path: &Path) -> FileChecker<'a> {
        if !yes {
            return self;
        }
        let group = GroupKey::File(kustomize::normalize(fs_path));
        FileChecker {
            facts: std::cell::RefCell::new(FactsBuilder::new(
                self.role,
                group,
                self.settings.workloads(),
            )),
            ..self
        }
    }

    /// How the file's YAML is typed: by kustomize when a kustomization includes it.
    /// Keeps the types of the file's CRDs in what `check` returns.
    pub fn learning_crds(mut self, yes: bool) -> FileChecker<'a> {
        self.learn_crds = yes;
        self
    }

    /// The document with its placeholders substituted (`model::subst`), when it has any
    /// and what applies the file substitutes them; objects annotated
    /// `kustomize.toolkit.fluxcd.io/substitute: disabled` keep theirs.
    fn substitute(&self, doc: &yaml::Document) -> Option<yaml::Document> {
        let vars = self
            .role
            .map_or(&Substitution::Unknown, |r| &r.substitution)
            .vars()?;
        if !doc.strings.contains("${") {
            return None;
        }
        if objects(doc)
            .iter()
            .any(crate::model::flux::substitution_disabled)
        {
            return None;
        }
        doc.substitute(|text| crate::model::subst::expand(text, vars))
    }

    pub fn reader(&self) -> Reader {
        FileRole::reader_of(self.role)
    }

    fn file_context<'t>(&'t self, index: &'t LineIndex<'t>) -> FileContext<'t> {
        FileContext {
            path: self.path,
            index,
            reader: self.reader(),
            partial: self.role.is_some_and(|r| r.patch),
            settings: self.settings,
        }
    }

    /// Checks a text document by document as the parser completes each, dropping each tree
    /// once checked, then decides whether the file was linted or skipped.
    pub fn check_streaming(&self, text: &str) -> Checked {
        let index = LineIndex::new(text);
        let file = self.file_context(&index);
        let mut facts = self.facts.borrow_mut();
        let mut out = Checked::default();
        let mut errors = Vec::new();
        let mut shape = Shape::default();
        let mut doc_index = 0;
        let mut sup = crate::suppress::comments(text);
        yaml::parse_each(
            text,
            yaml::Limits::default(),
            |doc| {
                shape.add(&doc);
                let from = out.diagnostics.len();
                self.check_doc(&file, doc_index, &doc, &mut facts, &mut out, &mut sup);
                for d in &mut out.diagnostics[from..] {
                    if let Some(f) = &mut d.fix {
                        f.reported();
                    }
                }
                doc_index += 1;
            },
            |e| errors.push(e),
        );
        if let Some(reason) = shape.skip_reason(text, !errors.is_empty()) {
            return Checked {
                skipped: Some(reason),
                ..Checked::default()
            };
        }
        self.parse_errors(&file, &errors, &mut out);
        self.judge(&file, text, sup, &mut out);
        out.withhold_fixes_if_encrypted();
        out.facts.shrink_to_fit();
        out.diagnostics.shrink_to_fit();
        out
    }

    /// Checks one parsed text (all its documents at once, as fixing needs), which starts at
    /// `base` in its file: findings and facts are placed in the file's terms.
    pub fn check(&self, text: &str, stream: &yaml::Stream, base: Base) -> Checked {
        let index = LineIndex::with_base(text, base);
        let file = self.file_context(&index);
        let mut facts = self.facts.borrow_mut();
        let mut out = Checked::default();
        let mut sup = crate::suppress::comments(text);
        for (doc_index, doc) in stream.documents.iter().enumerate() {
            self.check_doc(&file, doc_index, doc, &mut facts, &mut out, &mut sup);
        }
        self.parse_errors(&file, &stream.errors, &mut out);
        self.judge(&file, text, sup, &mut out);
        out.withhold_fixes_if_encrypted();
        out
    }

    /// The file's suppressions once its own rules have run: those with no reason are
    /// reported; those that only name this file's rules and suppressed nothing are
    /// reported with a fix that removes the comment; the rest wait for the cross-file pass.
    fn judge(
        &self,
        file: &FileContext<'_>,
        text: &str,
        sup: Vec<crate::suppress::Suppression>,
        out: &mut Checked,
    ) {
        let settings = self.settings;
        for s in sup {
            if s.reason.is_none() && settings.is_on(rules::SUPPRESSION_WITHOUT_REASON.id) {
                out.diagnostics.push(
                    file.diag(
                        &rules::SUPPRESSION_WITHOUT_REASON,
                        s.at,
                        "the suppression does not say why",
                    )
                    .help("add the reason after the rule ids (`# kure: ignore[rule-id] why`), or a `kure.dev/ignore-reason` annotation"),
                );
            }
            let cross_file = !s.misplaced
                && (s.rules.is_empty()
                    || s.rules.iter().any(|id| {
                        rules::meta_by_id(id).is_some_and(|m| {
                            matches!(m.scope, rules::Scope::Inventory | rules::Scope::Change)
                        })
                    }));
            if s.used
                && settings.is_on(rules::UNUSED_SUPPRESSION.id)
                && let Some(id) = s.rules.iter().find(|id| rules::meta_by_id(id).is_none())
            {
                // it suppressed something, but one of its ids names no rule
                out.diagnostics.push(
                    file.diag(
                        &rules::UNUSED_SUPPRESSION,
                        s.at,
                        format!(
                            "`{id}` is not a rule{}; that part of the suppression suppresses nothing",
                            crate::config::suggest_rule(id)
                        ),
                    )
                    .help("fix the rule id or remove it (`kure rules` lists the rules)"),
                );
            }
            if cross_file {
                // judged once the cross-file findings are known, whether or not this file's
                // own findings used it (`ignore[unknown-field,ingress-backend-not-found]`)
                let at = file.at(s.at);
                out.suppressions.push((s, at));
                continue;
            }
            if s.used {
                continue;
            }
            if let Some(d) = unused(file, text, &s, settings) {
                out.diagnostics.push(d);
            }
        }
    }

    fn parse_errors(&self, file: &FileContext<'_>, errors: &[yaml::ParseError], out: &mut Checked) {
        if self.settings.parse_errors {
            for e in errors {
                let span = Span::new(e.offset, e.offset);
                out.diagnostics.push(
                    file.diag(&rules::PARSE_ERROR, span, e.message.clone())
                        .help("fix the YAML syntax here; the documents after the next `---` are still checked"),
                );
            }
        }
        if !errors.is_empty() {
            // a file that does not parse is never fixed, so its findings offer no fix
            for d in &mut out.diagnostics {
                d.fix = None;
            }
        }
    }

    /// Runs the document and object rules on one document, and keeps its objects' facts.
    fn check_doc(
        &self,
        file: &FileContext<'_>,
        doc_index: usize,
        doc: &yaml::Document,
        facts: &mut FactsBuilder<'_>,
        out: &mut Checked,
        sup: &mut Vec<crate::suppress::Suppression>,
    ) {
        // the document as Flux applies it: placeholders substituted where kure knows the
        // value, left unknown where it does not
        let substituted = self.substitute(doc);
        let doc = substituted.as_ref().unwrap_or(doc);
        let dcx = DocContext {
            file,
            doc,
            doc_index,
        };
        let from = out.diagnostics.len();
        out.encrypted |= crate::model::is_sops_encrypted(doc);
        for rule in self.settings.scope(rules::Scope::Document) {
            rule.check_document(&dcx, &mut out.diagnostics);
        }
        for obj in objects(doc) {
            out.objects += 1;
            let ocx = ObjectContext {
                file,
                obj,
                doc_index,
                info: std::cell::OnceCell::new(),
                schema: std::cell::OnceCell::new(),
                cel: std::cell::OnceCell::new(),
            };
            for rule in self.settings.scope(rules::Scope::Object) {
                rule.check_object(&ocx, &mut out.diagnostics);
            }
            if let Some(Some(cel)) = ocx.cel.get() {
                out.cel_not_judged += cel.not_judged;
            }
            // the schema counts are the summary's (a facts-only pass reports nothing, and
            // looking a custom resource's schema up can decode it from the catalog)
            let source = if self.settings.runs_rules() {
                rules::schema::custom_resource(&ocx)
            } else {
                None
            };
            if let Some(source) = source {
                match source {
                    None => out.without_schema += 1,
                    Some(s) => out.custom_checked[s as usize] += 1,
                }
                let k = (obj.api_version.to_string(), obj.kind.to_string());
                if source != Some(crate::model::catalog::SchemaSource::Crd)
                    && !out.kinds_without_crd.contains(&k)
                {
                    out.kinds_without_crd.push(k);
                }
            }
            if self.learn_crds && crate::model::crd::is_crd(&obj) {
                out.crds
                    .get_or_insert_default()
                    .add(doc, obj.root, file.path);
            }
            if let Some(s) = crate::suppress::annotation(&obj) {
                sup.push(s);
            }
            out.facts.push(facts.of(&file.locator(), &obj));
        }
        if let Some(marks) = &doc.substituted {
            // a fix over a placeholder would edit the placeholder, not the value
            for d in &mut out.diagnostics[from..] {
                if d.fix.as_ref().is_some_and(|f| {
                    f.edits.iter().any(|e| {
                        marks.spans.iter().any(|s| {
                            e.span.start < s.end && s.start < e.span.end.max(e.span.start + 1)
                        })
                    })
                }) {
                    d.fix = None;
                }
            }
        }
        // the config's per-file and per-object levels, and the suppressions, before any
        // fix is taken
        self.settings.apply_overrides(&mut out.diagnostics, from);
        suppress(&mut out.diagnostics, from, sup);
    }
}

/// Drops the findings from `from` on that a suppression covers, marking it used.
pub fn suppress(
    diags: &mut Vec<crate::diagnostic::Diagnostic>,
    from: usize,
    sup: &mut [crate::suppress::Suppression],
) {
    if sup.is_empty() || from >= diags.len() {
        return;
    }
    let mut i = 0;
    diags.retain_mut(|d| {
        let keep = i < from || !sup.iter_mut().fold(false, |hit, s| s.take(d) | hit);
        i += 1;
        keep
    });
}

/// The `unused-suppression` finding for a suppression written at `at`, without a fix.
pub fn unused_finding(
    settings: &Settings,
    at: crate::source::Located,
    s: &crate::suppress::Suppression,
) -> Option<crate::diagnostic::Diagnostic> {
    if !settings.is_on(rules::UNUSED_SUPPRESSION.id) {
        return None;
    }
    // a suppression of rules that did not run cannot be judged
    if !s.rules.is_empty() && !s.rules.iter().any(|id| settings.is_on(id)) {
        let unknown = s.rules.iter().any(|id| rules::meta_by_id(id).is_none());
        if !unknown {
            return None;
        }
    }
    let what = if s.rules.is_empty() {
        "any finding".to_string()
    } else {
        s.rules
            .iter()
            .map(|r| format!("`{r}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let help = match s.rules.iter().find(|id| rules::meta_by_id(id).is_none()) {
        _ if s.misplaced => "`ignore-file` works only among the file's leading comments, before its first line of YAML: move it there".to_string(),
        Some(_) => "fix the rule id (`kure rules` lists the rules)".to_string(),
        None => "remove it: the finding it was written for is gone, or it sits on another line than the finding".to_string(),
    };
    // an id that names no rule is what the user must see first
    let message = match s.rules.iter().find(|id| rules::meta_by_id(id).is_none()) {
        Some(id) if !s.misplaced => format!(
            "`{id}` is not a rule{}; this suppression suppresses nothing",
            crate::config::suggest_rule(id)
        ),
        _ => format!("this suppression of {what} suppresses nothing"),
    };
    Some(
        settings
            .diag(&rules::UNUSED_SUPPRESSION, at, message)
            .help(help),
    )
}

/// The `unused-suppression` finding for a suppression of this file's rules, with a fix that
/// removes a comment (its line, when it is alone on it).
fn unused(
    file: &FileContext<'_>,
    text: &str,
    s: &crate::suppress::Suppression,
    settings: &Settings,
) -> Option<crate::diagnostic::Diagnostic> {
    let d = unused_finding(settings, file.at(s.at), s)?;
    // an annotation is not removed by a fix, nor a misplaced `ignore-file` (it is to move)
    if s.annotation || s.misplaced {
        return Some(d);
    }
    let start = if s.whole_line {
        crate::fix::line_start(text, s.at.start)
    } else {
        text[..s.at.start].trim_end_matches([' ', '\t']).len()
    };
    let end = if s.whole_line {
        crate::fix::line_end(text, s.at.end)
    } else {
        s.at.end
    };
    let fix = crate::fix::Fix::new(
        crate::fix::Applicability::Safe,
        "remove the unused suppression",
        vec![crate::fix::Edit::delete(Span::new(start, end))],
        0,
        Vec::new(),
    )
    .changing_nothing();
    Some(d.fix(Some(fix)))
}
