//! Checking: the per-file driver (document and object rules, and the facts each object
//! leaves for the cross-file pass); the cross-file pass is `Settings::check_inventory`.
//! Checking reads texts and returns findings; it never changes a file.

use crate::diagnostic::Diagnostic;
use crate::load::Shape;
use crate::model::inventory::{FactsBuilder, GroupKey, ObjectFacts};
use crate::model::kustomize::{self, FileRole};
use crate::model::objects;
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
}

/// What stays the same for a file while it is checked (and, when fixing, re-checked after
/// each pass of fixes).
pub struct FileChecker<'a> {
    path: &'a Arc<str>,
    role: Option<&'a FileRole>,
    pub settings: &'a Settings,
    /// Kept from check to check: what the file's objects share.
    facts: std::cell::RefCell<FactsBuilder<'a>>,
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
            facts: std::cell::RefCell::new(FactsBuilder::new(role, dir_group)),
        }
    }

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
        let mut facts = self.facts.borrow_mut();
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
        let from = out.diagnostics.len();
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
        // the config's per-file and per-object levels, before any fix is taken
        self.settings.apply_overrides(&mut out.diagnostics, from);
    }
}
