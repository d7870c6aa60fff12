//! Loading: reading a file or standard input, decoding it, and classifying what is not
//! linted (Helm templates, kustomizations, binary and non-UTF-8 files, files over the size
//! limit; after parsing, Go templates, files without objects, empty files). Every command
//! and every reader of manifests goes through here, so all agree on what a file is.

use crate::error::FileErrorKind;
use crate::walk::{self, Input};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files larger than this are reported, not parsed, unless the run sets another limit
/// (`--max-file-size`, `max-file-size:`).
pub const MAX_FILE_BYTES: usize = 32 * 1024 * 1024;

/// The largest limit a run may set, in MiB: a finding keeps its offsets in 32 bits.
pub const MAX_FILE_SIZE_LIMIT_MIB: usize = 2048;

static LIMIT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(MAX_FILE_BYTES);

/// The size over which this run reports a file rather than parsing it.
pub fn max_file_bytes() -> usize {
    LIMIT.load(std::sync::atomic::Ordering::Relaxed)
}

/// Sets the run's file size limit, in MiB (1 to [`MAX_FILE_SIZE_LIMIT_MIB`]); before any
/// file is read.
pub fn set_max_file_size(mib: usize) -> Result<(), String> {
    if !(1..=MAX_FILE_SIZE_LIMIT_MIB).contains(&mib) {
        return Err(format!(
            "the file size limit is {mib} MiB; it must be from 1 to {MAX_FILE_SIZE_LIMIT_MIB} MiB"
        ));
    }
    LIMIT.store(mib * 1024 * 1024, std::sync::atomic::Ordering::Relaxed);
    Ok(())
}

/// Editor buffers that stand for files (`kure server`'s open documents), by normalized path:
/// every read of such a file, as a file given, as context, or as standard input named after
/// it, gets the buffer's text instead of what is on disk. Empty outside the server.
static BUFFERS: std::sync::RwLock<BTreeMap<PathBuf, Arc<str>>> =
    std::sync::RwLock::new(BTreeMap::new());

/// Set once buffers are in use: standard input then carries something else (the editor's
/// messages), and a run never reads it as a manifest.
static BUFFERS_ONLY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Replaces the buffers that stand for files (paths are normalized here). From the first
/// call on, standard input is read only from a buffer named after its file.
pub fn set_buffers(buffers: impl IntoIterator<Item = (PathBuf, Arc<str>)>) {
    BUFFERS_ONLY.store(true, std::sync::atomic::Ordering::Relaxed);
    let map = buffers
        .into_iter()
        .map(|(p, b)| (walk::normalize(&p), b))
        .collect();
    if let Ok(mut b) = BUFFERS.write() {
        *b = map;
    }
}

/// The paths that have a buffer, normalized.
pub fn buffer_paths() -> Vec<PathBuf> {
    BUFFERS
        .read()
        .map(|b| b.keys().cloned().collect())
        .unwrap_or_default()
}

/// The buffer standing for `path`, if any (a lookup only when some buffer is set).
fn buffer(path: &Path) -> Option<Vec<u8>> {
    let b = BUFFERS.read().ok()?;
    if b.is_empty() {
        return None;
    }
    b.get(&walk::normalize(path)).map(|t| t.as_bytes().to_vec())
}

/// What loading made of a file.
pub enum Loaded {
    /// Its text, to parse.
    Text(String),
    /// Not linted, with the reason the summary gives.
    Skipped(&'static str),
    /// Not readable or not text, with why.
    Error(FileErrorKind),
}

/// Standard input as it was read, for giving it back unchanged when a command changes
/// nothing in it: `None` when it was not read or is not UTF-8 text.
pub fn stdin_as_read(
    inputs: &[Input],
    bytes: Option<Result<Vec<u8>, FileErrorKind>>,
) -> Option<(String, String)> {
    let name = inputs.iter().find_map(|i| match i {
        Input::Stdin(_) => Some(i.shown()),
        Input::File(_) => None,
    })?;
    let text = String::from_utf8(bytes?.ok()?).ok()?;
    Some((name, text))
}

/// Decides what a file is before it is parsed, from its path and its bytes as read.
pub fn load(path: &Path, bytes: Result<Vec<u8>, FileErrorKind>) -> Loaded {
    if walk::is_helm_template(path) {
        return Loaded::Skipped("helm-template");
    }
    let text = match bytes.and_then(decode) {
        Ok(t) => t,
        Err(e) => return Loaded::Error(e),
    };
    if crate::model::kustomize::is_kustomization(path) {
        // read for its structure by `model::kustomize`, not linted as objects
        return Loaded::Skipped("not-kubernetes");
    }
    Loaded::Text(text)
}

/// A file's text, read and decoded as every manifest is (size limit, no NUL, UTF-8).
pub fn read_text(path: &Path) -> Result<String, FileErrorKind> {
    read_input(&Input::File(path.to_path_buf())).and_then(decode)
}

/// An input's bytes. Standard input is read once per process and kept: every later reader
/// (a transform reads its inputs twice) gets the same bytes, never an exhausted stream.
pub fn read_input(input: &Input) -> Result<Vec<u8>, FileErrorKind> {
    static STDIN: std::sync::OnceLock<Result<Vec<u8>, FileErrorKind>> = std::sync::OnceLock::new();
    if let Some(b) = match input {
        Input::Stdin(name) => buffer(Path::new(name)),
        Input::File(p) => buffer(p),
    } {
        return if b.len() > max_file_bytes() {
            Err(FileErrorKind::InputTooLarge {
                limit_mib: max_file_bytes() / (1024 * 1024),
            })
        } else {
            Ok(b)
        };
    }
    if BUFFERS_ONLY.load(std::sync::atomic::Ordering::Relaxed)
        && let Input::Stdin(name) = input
    {
        return Err(FileErrorKind::Io(format!("no buffer stands for {name}")));
    }
    match input {
        Input::Stdin(_) => STDIN
            .get_or_init(|| {
                let mut buf = Vec::new();
                std::io::stdin()
                    .take(max_file_bytes() as u64 + 1)
                    .read_to_end(&mut buf)
                    .map_err(|e| FileErrorKind::Io(format!("cannot read standard input: {e}")))?;
                Ok(buf)
            })
            .clone(),
        Input::File(p) => {
            let meta = std::fs::metadata(p).map_err(|e| FileErrorKind::Io(e.to_string()))?;
            if !meta.is_file() {
                return Err(FileErrorKind::NotAFile);
            }
            if meta.len() > max_file_bytes() as u64 {
                return Err(FileErrorKind::TooLarge {
                    mib: (meta.len() / (1024 * 1024)) as usize,
                    limit_mib: max_file_bytes() / (1024 * 1024),
                });
            }
            let mut buf = Vec::with_capacity(meta.len() as usize);
            std::fs::File::open(p)
                .and_then(|f| f.take(max_file_bytes() as u64 + 1).read_to_end(&mut buf))
                .map_err(|e| FileErrorKind::Io(e.to_string()))?;
            Ok(buf)
        }
    }
}

/// Standard input's bytes, when it is among `inputs` (read once, before the files).
pub fn read_stdin(inputs: &[Input]) -> Option<Result<Vec<u8>, FileErrorKind>> {
    inputs
        .iter()
        .find(|i| matches!(i, Input::Stdin(_)))
        .map(read_input)
}

/// Reads every input in parallel and hands each, with its bytes, to `f`; standard input is
/// read once, first, and its bytes are returned too (for showing its text afterwards).
pub fn read_each<T: Send>(
    inputs: &[Input],
    f: impl Fn(&Input, Result<Vec<u8>, FileErrorKind>) -> T + Sync,
) -> (Vec<T>, Option<Result<Vec<u8>, FileErrorKind>>) {
    use rayon::prelude::*;
    let stdin = read_stdin(inputs);
    let out = inputs
        .par_iter()
        .map(|input| f(input, read_with(input, &stdin)))
        .collect();
    (out, stdin)
}

/// An input's bytes: standard input's as read once (`stdin`), a file's read now.
pub fn read_with(
    input: &Input,
    stdin: &Option<Result<Vec<u8>, FileErrorKind>>,
) -> Result<Vec<u8>, FileErrorKind> {
    match (input, stdin) {
        (Input::Stdin(_), Some(b)) => b.clone(),
        _ => read_input(input),
    }
}

/// Decodes a file's bytes, or says why it cannot be linted.
pub fn decode(bytes: Vec<u8>) -> Result<String, FileErrorKind> {
    if bytes.len() > max_file_bytes() {
        return Err(FileErrorKind::InputTooLarge {
            limit_mib: max_file_bytes() / (1024 * 1024),
        });
    }
    if let Some(i) = memchr::memchr(0, &bytes) {
        let line = bytes[..i].iter().filter(|&&b| b == b'\n').count() + 1;
        return Err(FileErrorKind::Binary { line, byte: i });
    }
    String::from_utf8(bytes).map_err(|e| {
        let i = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..i].iter().filter(|&&b| b == b'\n').count() + 1;
        FileErrorKind::NotUtf8 { line, byte: i }
    })
}

/// What the parsed documents of a file add up to, for deciding whether it is linted: seen
/// one document at a time (linting) or all at once (fixing).
pub struct Shape {
    has_object: bool,
    empty: bool,
}

impl Default for Shape {
    fn default() -> Shape {
        Shape {
            has_object: false,
            empty: true,
        }
    }
}

impl Shape {
    /// The shape of a whole parsed text.
    pub fn of(stream: &crate::yaml::Stream) -> Shape {
        let mut shape = Shape::default();
        stream.documents.iter().for_each(|d| shape.add(d));
        shape
    }

    pub fn add(&mut self, doc: &crate::yaml::Document) {
        self.has_object |= crate::model::object::is_object_document(doc);
        self.empty &= doc.root.is_none_or(|r| doc.is_null(r));
    }

    /// Why the file is not linted, if it is not: a Go template that does not parse, or no
    /// document that is an object.
    pub fn skip_reason(&self, text: &str, parse_errors: bool) -> Option<&'static str> {
        if parse_errors && text.contains("{{") {
            Some("go-template")
        } else if !parse_errors && !self.has_object {
            Some(if self.empty {
                "empty"
            } else {
                "not-kubernetes"
            })
        } else {
            None
        }
    }
}
