//! kure: an offline linter, fixer and transformer for the Kubernetes manifests of GitOps
//! repositories.
//!
//! The pipeline is `walk` → `load` → `yaml` → `model` → `check` (the rules) → `apply` (the
//! one place a file changes) → `report`; `lint` drives a run. The library returns values
//! (results, summaries, typed errors); the `kure` binary parses arguments, prints, and
//! decides exit codes. See ARCHITECTURE.md.

mod apply;
mod base;
mod baseline;
mod check;
mod config;
mod context;
mod diagnostic;
mod error;
mod fix;
mod history;
mod lint;
mod load;
mod model;
pub mod render;
pub mod report;
mod rules;
mod source;
mod summary;
mod suppress;
mod transform;
pub mod walk;
pub mod yaml;

pub use apply::{Change, stop_writing_on_signals, stopped_by};
pub use baseline::write as write_baseline;
pub use config::{Config, Flags, Level, Merged, Override, merge as merge_config, suggest_rule};
pub use diagnostic::{Diagnostic, ObjectInfo, Related, Severity};
pub use error::{Error, FileErrorKind};
pub use fix::{Applicability, Edit, Fix};
pub use lint::{ContextCache, FixOptions, LintOptions, LintResult, lint};
pub use load::{MAX_FILE_BYTES, MAX_FILE_SIZE_LIMIT_MIB, decode, set_buffers, set_max_file_size};
pub use model::api_versions::NEWEST as NEWEST_KUBERNETES;
pub use model::api_versions::parse_version as parse_kubernetes_version;
/// The embedded CRD catalog: how many schemas it holds, their keys, each one's JSON.
pub mod catalog {
    pub use crate::model::catalog::{keys, len, text};
}
pub use rules::{FIX_REFUSED, FixAvailability, RuleMeta, Scope};
pub use source::{Located, Location, Position, Span};
pub use summary::{BaseSummary, FileError, FixSummary, Skipped, Summary};
pub use transform::add_suppressions::{AddedSuppressions, add_suppressions, suppress_at};
pub use transform::convert::{ConvertOptions, ConvertOutcome, Converted, convert};
pub use transform::label::{
    LabelChanges, LabelOptions, LabelOutcome, Labelled, label, parse_changes as parse_label_changes,
};

/// Every rule, in `kure rules` order.
pub fn rules() -> impl Iterator<Item = &'static RuleMeta> {
    rules::all()
}

/// A rule by id.
pub fn rule(id: &str) -> Option<&'static RuleMeta> {
    rules::meta_by_id(id)
}
