//! Errors as values: what stops a run (`Error`), and why one file could not be read or
//! written (`FileErrorKind`, carried by the run's summary while the other files go on).

/// What stops a run before it reads any file, or while it hands its results over.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unknown rule `{0}` (see `kure rules`)")]
    UnknownRule(String),
    #[error("unknown format `{name}`: expected {expected}")]
    UnknownFormat { name: String, expected: String },
    /// Options that do not go together.
    #[error("{0}")]
    Usage(String),
    /// A `.kure.yaml` that cannot be read or is wrong: its path, line and column.
    #[error("{0}")]
    Config(String),
    #[error("cannot write {path}: {source}")]
    WriteReport {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write output: {0}")]
    Output(std::io::Error),
    /// `--base REF` that cannot be read: not in a git repository, or no such commit.
    #[error("--base {reference}: {why}")]
    Base { reference: String, why: String },
}

/// Why a file was not linted or not written. The file counts among the run's errors; the
/// other files are linted as usual.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FileErrorKind {
    /// The path could not be walked or read; the operating system's words.
    #[error("{0}")]
    Io(String),
    #[error("invalid --exclude glob: {0}")]
    InvalidGlob(String),
    #[error("not a regular file")]
    NotAFile,
    #[error(
        "file is {mib} MiB, over kure's {limit_mib} MiB limit for one manifest (`--max-file-size` or `max-file-size:` raises it)"
    )]
    TooLarge { mib: usize, limit_mib: usize },
    /// Standard input (whose size is known only once read) over the limit.
    #[error(
        "file is over kure's {limit_mib} MiB limit for one manifest (`--max-file-size` or `max-file-size:` raises it)"
    )]
    InputTooLarge { limit_mib: usize },
    #[error("binary file: NUL byte at line {line} (byte {byte})")]
    Binary { line: usize, byte: usize },
    #[error("not UTF-8: invalid byte at line {line} (byte {byte})")]
    NotUtf8 { line: usize, byte: usize },
    /// A fixed file was not written, because it no longer holds what kure read.
    #[error("the file changed while kure was fixing it; not written (run kure again)")]
    Changed,
    /// The file is encrypted by SOPS: its MAC covers the values, so kure never writes it.
    #[error(
        "not written: the file is encrypted by SOPS, and a change would break its MAC (edit it with `sops`)"
    )]
    Encrypted,
    /// The file may not be written by this user (as `cp` or an editor would refuse).
    #[error("not written: permission denied (the file is read-only for this user)")]
    ReadOnly,
    /// The run was stopped by a signal before this file was written; it is unchanged.
    #[error("not written: the run was interrupted")]
    Interrupted,
    /// A fixed file could not be written; the step that failed and the system's words.
    #[error("cannot {step}: {message}")]
    Write { step: String, message: String },
}

impl FileErrorKind {
    pub(crate) fn write(step: impl Into<String>, e: impl std::fmt::Display) -> FileErrorKind {
        FileErrorKind::Write {
            step: step.into(),
            message: e.to_string(),
        }
    }
}
