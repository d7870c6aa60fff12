//! The rules: one file each, registered here, one line per rule.

use crate::diagnostic::{Diagnostic, Located, ObjectInfo, Severity};
pub use crate::diagnostic::{FixAvailability, RuleMeta, Scope};
use crate::fix::{Applicability, Fix};
use crate::model::Object;
use crate::model::inventory::{FileLocator, Inventory};
use crate::source::{LineIndex, Span};
use crate::yaml::Document;
use crate::yaml::resolve::Reader;
use std::sync::Arc;

pub mod cel_validation_failed;
mod deprecated_api_version;
mod duplicate_env;
mod duplicate_key;
mod duplicate_object;
mod field_not_for_kind;
mod fix_refused;
mod hpa_target_not_found;
mod hpa_target_not_scalable;
mod immutable_field_changed;
mod ingress_backend_not_found;
mod ingress_backend_port_not_found;
mod invalid_enum_value;
mod invalid_label;
mod invalid_port;
pub mod migration;
mod missing_required_field;
mod missing_schema;
mod networkpolicy_selector_no_match;
mod non_string_value;
mod overlapping_selector;
mod parse_error;
mod pdb_blocks_eviction;
mod pdb_selector_no_match;
mod probe_port_not_found;
mod removed_api_version;
pub mod schema;
mod selector_outruns_labels;
mod selector_template_mismatch;
mod server_populated_field;
mod service_selector_no_match;
mod service_target_port_not_found;
mod servicemonitor_selector_no_match;
mod settings;
mod statefulset_service_not_found;
pub mod strategy;
mod suppressions;
mod unknown_field;
mod workload_replaced;
mod wrong_type;

pub use fix_refused::FIX_REFUSED;
pub use parse_error::PARSE_ERROR;
pub use settings::Settings;
pub use suppressions::{SUPPRESSION_WITHOUT_REASON, UNUSED_BASELINE_ENTRY, UNUSED_SUPPRESSION};

/// What per-file rules see of the file.
pub struct FileContext<'a> {
    pub path: &'a Arc<str>,
    pub index: &'a LineIndex<'a>,
    pub reader: Reader,
    /// A kustomize patch: rules that need a whole object do not run.
    pub partial: bool,
    /// The run's settings, through which every finding is built.
    pub settings: &'a Settings,
}

impl FileContext<'_> {
    /// The file's text.
    pub fn text(&self) -> &str {
        self.index.text()
    }

    pub fn at(&self, span: Span) -> Located {
        self.locator().at(span)
    }

    /// Where this file's spans resolve, as `model/` takes it (which knows no rules).
    pub fn locator(&self) -> FileLocator<'_> {
        FileLocator {
            path: self.path,
            index: self.index,
            partial: self.partial,
        }
    }

    /// A fix that removes the entry of `key` (with its comments) from the mapping holding it,
    /// in document `doc_index`. A removal that also deletes another comment is unsafe.
    pub fn removal(
        &self,
        doc: &Document,
        doc_index: usize,
        key: crate::yaml::NodeId,
        applicability: Applicability,
        message: impl Into<String>,
    ) -> Option<Fix> {
        crate::fix::removal(
            self.text(),
            doc,
            doc_index,
            key,
            self.reader,
            applicability,
            message,
        )
    }

    pub fn diag(
        &self,
        meta: &'static RuleMeta,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.settings.diag(meta, self.at(span), message)
    }
}

/// What cross-file rules see: the facts of every object of the run.
pub struct InventoryContext<'a> {
    pub inventory: &'a Inventory,
    pub settings: &'a Settings,
}

impl InventoryContext<'_> {
    /// A finding that what a reference looks for is nowhere, or `None` when something
    /// outside the files makes it: the cluster's installer or a GitOps tool the repository
    /// bootstraps (always), or a release kure cannot see in those namespaces (unless
    /// `--strict-references`, which reports it and names the releases).
    pub fn dangling(
        &self,
        d: Diagnostic,
        from: &crate::model::inventory::ObjectFacts,
        namespaces: &[Option<String>],
        want: crate::model::inventory::Wanted<'_>,
    ) -> Option<Diagnostic> {
        use crate::model::inventory::Elsewhere;
        match self.inventory.elsewhere(from, namespaces, want) {
            Elsewhere::Present => None,
            Elsewhere::Releases(_) if !self.settings.strict_references() => None,
            Elsewhere::Releases(r) => {
                let shown: Vec<String> = r.iter().take(3).map(|n| format!("`{n}`")).collect();
                let more = if r.len() > 3 {
                    format!(" and {} more", r.len() - 3)
                } else {
                    String::new()
                };
                let note = format!(
                    "{}{more} install objects kure cannot see in this namespace; one may provide it",
                    shown.join(", ")
                );
                let help = match &d.help {
                    Some(h) => format!("{note}; otherwise, {h}"),
                    None => note,
                };
                Some(d.help(help))
            }
            Elsewhere::Nowhere => Some(d),
        }
    }

    pub fn diag(
        &self,
        meta: &'static RuleMeta,
        at: Located,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.settings.diag(meta, at, message)
    }
}

/// What rules about a change see (`kure lint --base REF`): the files changed since the
/// commit at both versions, the facts at the commit, and the run's inventory (now).
pub struct ChangeContext<'a> {
    pub change: &'a crate::model::change::Transition,
    pub inventory: &'a Inventory,
    pub settings: &'a Settings,
}

impl ChangeContext<'_> {
    pub fn diag(
        &self,
        meta: &'static RuleMeta,
        at: Located,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.settings.diag(meta, at, message)
    }
}

pub struct DocContext<'a> {
    pub file: &'a FileContext<'a>,
    pub doc: &'a Document,
    /// The document's index in its file.
    pub doc_index: usize,
}

pub struct ObjectContext<'a> {
    pub file: &'a FileContext<'a>,
    pub obj: Object<'a>,
    /// The index of the object's document in its file.
    pub doc_index: usize,
    /// The object's identity, once a finding needs it.
    pub info: std::cell::OnceCell<Arc<ObjectInfo>>,
    /// The object checked against its schema, once a rule needs it.
    pub schema: std::cell::OnceCell<schema::Checked>,
    /// The object's CEL rules evaluated, once a rule needs them.
    pub cel: std::cell::OnceCell<Option<cel_validation_failed::Outcome>>,
}

impl ObjectContext<'_> {
    /// A fix that removes the entry of `key` from the mapping holding it (see
    /// `FileContext::removal`).
    pub fn removal(
        &self,
        key: crate::yaml::NodeId,
        applicability: Applicability,
        message: impl Into<String>,
    ) -> Option<Fix> {
        self.file
            .removal(self.obj.doc, self.doc_index, key, applicability, message)
    }

    pub fn diag(
        &self,
        meta: &'static RuleMeta,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.file
            .diag(meta, span, message)
            .object(Some(self.info()))
    }

    /// The object's identity, made once and shared by all its findings.
    fn info(&self) -> Arc<ObjectInfo> {
        self.info
            .get_or_init(|| Arc::new(ObjectInfo::of(&self.obj)))
            .clone()
    }

    /// A finding of a lower class than the rule's default severity (`non-string-value` in a
    /// file only kustomize reads): the rule says which, the context builds it, so severity
    /// is decided where the diagnostic is made and never changed afterwards.
    pub fn diag_at_most(
        &self,
        meta: &'static RuleMeta,
        cap: Severity,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.file
            .settings
            .diag_at_most(meta, cap, self.file.at(span), message)
            .object(Some(self.info()))
    }
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check_document(&self, _cx: &DocContext<'_>, _out: &mut Vec<Diagnostic>) {}
    fn check_object(&self, _cx: &ObjectContext<'_>, _out: &mut Vec<Diagnostic>) {}
    fn check_inventory(&self, _cx: &InventoryContext<'_>, _out: &mut Vec<Diagnostic>) {}
    fn check_change(&self, _cx: &ChangeContext<'_>, _out: &mut Vec<Diagnostic>) {}
}

/// Every rule, in `kure rules` order.
pub static RULES: &[&dyn Rule] = &[
    &service_selector_no_match::ServiceSelectorNoMatch,
    &service_target_port_not_found::ServiceTargetPortNotFound,
    &statefulset_service_not_found::StatefulSetServiceNotFound,
    &hpa_target_not_found::HpaTargetNotFound,
    &hpa_target_not_scalable::HpaTargetNotScalable,
    &ingress_backend_not_found::IngressBackendNotFound,
    &ingress_backend_port_not_found::IngressBackendPortNotFound,
    &pdb_selector_no_match::PdbSelectorNoMatch,
    &pdb_blocks_eviction::PdbBlocksEviction,
    &networkpolicy_selector_no_match::NetworkPolicySelectorNoMatch,
    &servicemonitor_selector_no_match::ServiceMonitorSelectorNoMatch,
    &overlapping_selector::OverlappingSelector,
    &selector_template_mismatch::SelectorTemplateMismatch,
    &non_string_value::NonStringValue,
    &field_not_for_kind::FieldNotForKind,
    &server_populated_field::ServerPopulatedField,
    &invalid_label::InvalidLabel,
    &removed_api_version::RemovedApiVersion,
    &deprecated_api_version::DeprecatedApiVersion,
    &unknown_field::UnknownField,
    &wrong_type::WrongType,
    &missing_required_field::MissingRequiredField,
    &invalid_enum_value::InvalidEnumValue,
    &missing_schema::MissingSchema,
    &cel_validation_failed::CelValidationFailed,
    &probe_port_not_found::ProbePortNotFound,
    &invalid_port::InvalidPort,
    &duplicate_env::DuplicateEnv,
    &duplicate_key::DuplicateKey,
    &duplicate_object::DuplicateObject,
    &immutable_field_changed::ImmutableFieldChanged,
    &selector_outruns_labels::SelectorOutrunsLabels,
    &workload_replaced::WorkloadReplaced,
    &parse_error::ParseErrorRule,
    &fix_refused::FixRefusedRule,
    &suppressions::UnusedSuppression,
    &suppressions::SuppressionWithoutReason,
    &suppressions::UnusedBaselineEntry,
];

pub fn by_id(id: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| r.meta().id == id)
}

/// Every rule's metadata, in `kure rules` order.
pub fn all() -> impl Iterator<Item = &'static RuleMeta> {
    RULES.iter().map(|r| r.meta())
}

/// A rule's metadata by id.
pub fn meta_by_id(id: &str) -> Option<&'static RuleMeta> {
    by_id(id).map(|r| r.meta())
}
