//! Findings: what a rule reports, where, and how to act on it.

pub use crate::model::object::ObjectInfo;
pub use crate::source::Located;
use serde::Serialize;
use std::borrow::Cow;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Whether a rule can fix what it finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixAvailability {
    None,
    Sometimes,
    Always,
}

/// What a rule looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Each document of a file.
    Document,
    /// Each object of a file.
    Object,
    /// Once, over the inventory of every file.
    Inventory,
    /// Once, over the change since a git commit (`kure lint --base REF` only).
    Change,
}

/// A rule's registry entry: what `kure rules` lists and the output formats describe.
pub struct RuleMeta {
    pub id: &'static str,
    pub severity: Severity,
    pub fix: FixAvailability,
    pub scope: Scope,
    pub summary: &'static str,
    pub doc: &'static str,
}

impl RuleMeta {
    /// The rule's doc without its front matter, as `kure explain` prints it.
    pub fn doc_body(&self) -> &'static str {
        let doc = self.doc;
        doc.strip_prefix("---\n")
            .and_then(|rest| rest.split_once("\n---\n").map(|(_, body)| body))
            .unwrap_or(doc)
    }
}

#[derive(Clone, Debug)]
pub struct Related {
    pub at: Located,
    pub message: String,
}

/// A finding. A run may keep hundreds of thousands, so what is often absent or shared is
/// boxed or shared: the object (one per object, whatever its findings), the fix, a help
/// text that is most often a constant.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub at: Located,
    pub object: Option<Arc<ObjectInfo>>,
    pub related: Vec<Related>,
    pub help: Option<Cow<'static, str>>,
    pub fix: Option<Box<crate::fix::Fix>>,
}

impl Diagnostic {
    pub fn new(
        rule: &'static str,
        severity: Severity,
        at: Located,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            rule,
            severity,
            message: message.into(),
            at,
            object: None,
            related: Vec::new(),
            help: None,
            fix: None,
        }
    }

    pub fn help(mut self, help: impl Into<Cow<'static, str>>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn fix(mut self, fix: Option<crate::fix::Fix>) -> Diagnostic {
        self.fix = fix.map(Box::new);
        self
    }

    pub fn object(mut self, object: Option<Arc<ObjectInfo>>) -> Diagnostic {
        self.object = object;
        self
    }

    pub fn related(mut self, at: Located, message: impl Into<String>) -> Diagnostic {
        self.related.push(Related {
            at,
            message: message.into(),
        });
        self
    }

    /// Output order: path, then position, then rule.
    pub fn sort_key(&self) -> (&str, usize, &'static str, &str) {
        (&self.at.path, self.at.span.start, self.rule, &self.message)
    }
}
