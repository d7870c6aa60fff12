//! Checking: the run's rule settings, the per-file driver (document and object rules, and
//! the facts each object leaves for the cross-file pass) and the cross-file pass itself.
//! Checking reads texts and returns findings; it never changes a file.

use crate::diagnostic::{Diagnostic, Located, Severity};
use crate::error::Error;
use crate::load::Shape;
use crate::model::inventory::{FactsBuilder, GroupKey, Inventory, ObjectFacts};
use crate::model::kustomize::{self, FileRole};
use crate::model::objects;
use crate::rules::{
    self, DocContext, FileContext, InventoryContext, ObjectContext, Rule, RuleMeta,
};
use crate::source::{Base, LineIndex, Span};
use crate::yaml::{self, resolve::Reader};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// What the run asks of the rules: which run, and at which severity. Every finding is built
/// through `Settings::diag`, the one place a severity is decided (and, with repository
/// settings, where a finding is suppressed).
pub struct Settings {
    enabled: Vec<&'static dyn Rule>,
    parse_errors: bool,
    fix_refused: bool,
    severities: HashMap<&'static str, Severity>,
}

impl Settings {
    /// Rules from `--select` / `--ignore` (`ALL` names every rule), each at its own severity.
    pub fn new(select: Option<&[String]>, ignore: &[String]) -> Result<Settings, Error> {
        for id in select.unwrap_or_default().iter().chain(ignore) {
            if id != "ALL" && rules::by_id(id).is_none() {
                return Err(Error::UnknownRule(id.clone()));
            }
        }
        let on = |id: &str| {
            let selected = select.is_none_or(|s| s.iter().any(|x| x == id || x == "ALL"));
            selected && !ignore.iter().any(|x| x == id || x == "ALL")
        };
        Ok(Settings {
            enabled: rules::RULES
                .iter()
                .copied()
                .filter(|r| on(r.meta().id))
                .collect(),
            parse_errors: on(rules::PARSE_ERROR.id),
            fix_refused: on(rules::FIX_REFUSED.id),
            severities: HashMap::new(),
        })
    }

    /// Reports rule `id` at `severity` instead of its default.
    pub fn with_severity(mut self, id: &str, severity: Severity) -> Result<Settings, Error> {
        let meta = rules::meta_by_id(id).ok_or_else(|| Error::UnknownRule(id.to_string()))?;
        self.severities.insert(meta.id, severity);
        Ok(self)
    }

    /// The severity findings of a rule are reported at.
    pub fn severity(&self, meta: &'static RuleMeta) -> Severity {
        self.severities
            .get(meta.id)
            .copied()
            .unwrap_or(meta.severity)
    }

    /// A finding of `meta`'s rule, at the run's severity for it.
    pub fn diag(
        &self,
        meta: &'static RuleMeta,
        at: Located,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(meta.id, self.severity(meta), at, message)
    }

    /// A finding the rule itself ranks below its usual class (`non-string-value` in a file
    /// only kustomize reads): at most `cap`, and never above the run's severity for it.
    pub fn diag_at_most(
        &self,
        meta: &'static RuleMeta,
        cap: Severity,
        at: Located,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(meta.id, self.severity(meta).min(cap), at, message)
    }

    /// Whether refused fixes are reported (`fix-refused` is selected).
    pub fn reports_refusals(&self) -> bool {
        self.fix_refused
    }

    /// Runs the cross-file rules once over the facts of every file.
    pub fn check_inventory(&self, inventory: &Inventory, out: &mut Vec<Diagnostic>) {
        let cx = InventoryContext {
            inventory,
            settings: self,
        };
        for rule in self.scope(rules::Scope::Inventory) {
            rule.check_inventory(&cx, out);
        }
    }

    fn scope(&self, scope: rules::Scope) -> impl Iterator<Item = &'static dyn Rule> + '_ {
        self.enabled
            .iter()
            .copied()
            .filter(move |r| r.meta().scope == scope)
    }
}

/// What checking one text found.
#[derive(Default)]
pub struct Checked {
    /// Why the file is not linted (the summary's reason), when it is not.
    pub skipped: Option<&'static str>,
    pub diagnostics: Vec<Diagnostic>,
    /// Each object's facts, for the cross-file pass.
    pub facts: Vec<ObjectFacts>,
    pub objects: usize,
}

/// What stays the same for a file while it is checked (and, when fixing, re-checked after
/// each pass of fixes).
pub struct FileChecker<'a> {
    pub path: &'a Arc<str>,
    pub fs_path: &'a Path,
    pub role: Option<&'a FileRole>,
    pub settings: &'a Settings,
}

impl FileChecker<'_> {
    /// How the file's YAML is typed: by kustomize when a kustomization includes it.
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

    fn dir_group(&self) -> GroupKey {
        GroupKey::Directory(
            kustomize::normalize(self.fs_path)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default(),
        )
    }

    /// Checks a text document by document as the parser completes each, dropping each tree
    /// once checked, then decides whether the file was linted or skipped.
    pub fn check_streaming(&self, text: &str) -> Checked {
        let index = LineIndex::new(text);
        let file = self.file_context(&index);
        let mut facts = FactsBuilder::new(self.role, self.dir_group());
        let mut out = Checked::default();
        let mut errors = Vec::new();
        let mut shape = Shape::default();
        let mut doc_index = 0;
        yaml::parse_each(
            text,
            yaml::Limits::default(),
            |doc| {
                shape.add(&doc);
                let from = out.diagnostics.len();
                self.check_doc(&file, doc_index, &doc, &mut facts, &mut out);
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
        out.facts.shrink_to_fit();
        out.diagnostics.shrink_to_fit();
        out
    }

    /// Checks one parsed text (all its documents at once, as fixing needs), which starts at
    /// `base` in its file: findings and facts are placed in the file's terms.
    pub fn check(&self, text: &str, stream: &yaml::Stream, base: Base) -> Checked {
        let index = LineIndex::with_base(text, base);
        let file = self.file_context(&index);
        let mut facts = FactsBuilder::new(self.role, self.dir_group());
        let mut out = Checked::default();
        for (doc_index, doc) in stream.documents.iter().enumerate() {
            self.check_doc(&file, doc_index, doc, &mut facts, &mut out);
        }
        self.parse_errors(&file, &stream.errors, &mut out);
        out
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
    ) {
        let dcx = DocContext {
            file,
            doc,
            doc_index,
        };
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
            };
            for rule in self.settings.scope(rules::Scope::Object) {
                rule.check_object(&ocx, &mut out.diagnostics);
            }
            out.facts.push(facts.of(&file.locator(), &obj));
        }
    }
}
