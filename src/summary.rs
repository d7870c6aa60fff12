//! The run's summary: files read and what became of each, objects, fixes. Below `report/`,
//! which renders it, and filled in by the checking and changing stages.

use crate::error::FileErrorKind;
use serde::Serialize;

/// Fix counts, in total and per rule.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FixSummary {
    pub applied: usize,
    /// Fixes attached to the findings that remain (unsafe ones not asked for, or never run).
    pub available: usize,
    pub refused: usize,
    pub files_changed: usize,
    /// Per rule: `[applied, refused]`.
    pub rules: std::collections::BTreeMap<&'static str, [usize; 2]>,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub reason: &'static str,
}

#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct FileError {
    pub path: String,
    /// Why, serialized as its message.
    #[serde(rename = "message", serialize_with = "as_message")]
    pub kind: FileErrorKind,
}

fn as_message<S: serde::Serializer>(kind: &FileErrorKind, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(kind)
}

/// How many custom resources each source of schemas checked.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct SchemaCounts {
    pub crd: usize,
    pub schema_catalog: usize,
    pub catalog: usize,
}

/// What `--base REF` compared.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BaseSummary {
    pub reference: String,
    /// Files that differ from the commit (deleted ones included).
    pub changed: usize,
}

/// What a run did, file by file: every file it reached ends in exactly one of `linted`,
/// `skipped` and `errors`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub files: usize,
    pub linted: usize,
    pub objects: usize,
    /// Custom resources that no CRD among the files (or `--schema`) describes, nor a
    /// catalog: not checked
    /// against a schema.
    pub objects_without_schema: usize,
    /// Custom resources checked against a schema, and by which: a CRD of the run (among
    /// the files, their repository or `--schema`), the `--schema-catalog` directory, or
    /// the catalog kure embeds.
    pub custom_resources_checked: usize,
    pub checked_by: SchemaCounts,
    /// CEL rules (`x-kubernetes-validations`) kure could not judge on an object: a function
    /// or macro its CEL library lacks, or an evaluation error. Never reported as failures.
    pub cel_rules_not_judged: usize,
    pub skipped: Vec<Skipped>,
    pub errors: Vec<FileError>,
    /// Files encrypted by SOPS: linted, never changed (their MAC covers the values).
    pub encrypted: usize,
    /// Files of the surrounding repository read for the model only (their findings are
    /// not reported), when single files were given.
    pub context_files: usize,
    /// With `--base REF`: the reference, and how many files differ from it (only those
    /// were read at the commit).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<BaseSummary>,
    /// With `--baseline`: how many findings it held back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baselined: Option<usize>,
    /// Every file linted, in path order (SARIF and JUnit list them; JSON does not).
    #[serde(skip)]
    pub linted_paths: Vec<String>,
    #[serde(skip)]
    pub fixes: FixSummary,
}
