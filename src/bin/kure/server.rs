//! `kure server`: the Language Server Protocol over standard input and output.
//!
//! Each open document is linted as `kure lint --stdin-filename PATH -` lints a buffer: with
//! the repository around it as context, and every open buffer standing for its file
//! (`kure::set_buffers`), so a finding between two files appears and clears as either is
//! edited, saved or not. Edits are coalesced: every message waiting is handled before the
//! documents are linted again. Quick fixes, "fix all" and formatting are `kure fix` runs on
//! the buffer in memory (verified as every fix is); a suppression is the comment
//! `--add-suppressions` writes. Messages are framed and parsed here, not by a library
//! thread, so a malformed one gets an error response and the server goes on.

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;

/// What the reader thread hands over.
enum Incoming {
    Message(Message),
    /// A frame that is not a JSON-RPC message, with why.
    Malformed(String),
    End,
}

/// How positions count characters in a line, as negotiated (`positionEncoding`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf16,
    Utf8,
}

struct Doc {
    path: PathBuf,
    text: Arc<str>,
    version: i32,
    /// The findings of the last lint of this text (for code actions and hover).
    findings: Vec<kure::Diagnostic>,
}

struct Server {
    docs: BTreeMap<String, Doc>,
    encoding: Encoding,
    /// Documents whose text changed since they were last linted with their context.
    dirty: bool,
    /// Documents opened since the last lint: they get a quick lint of their own first.
    opened: Vec<String>,
    /// Documents closed since the last lint: their diagnostics are cleared.
    closed: Vec<lsp::Uri>,
    shutdown: bool,
    /// The client can be asked to report changes to files on disk (and has not been yet).
    watch_files: bool,
    /// The context files' facts, kept from one lint to the next.
    cache: Arc<kure::ContextCache>,
}

/// `kure server`: serves until the client's `exit`; 0 after a `shutdown`, 1 without.
pub fn run() -> Result<u8, kure::Error> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || read_messages(&mut std::io::stdin().lock(), &tx));
    let mut out = std::io::stdout().lock();
    let mut server = Server {
        docs: BTreeMap::new(),
        encoding: Encoding::Utf16,
        dirty: false,
        opened: Vec::new(),
        closed: Vec::new(),
        shutdown: false,
        watch_files: false,
        cache: Arc::default(),
    };
    loop {
        let Ok(first) = rx.recv() else { return Ok(1) };
        // every message waiting, then one lint for all of them
        let mut batch = vec![first];
        batch.extend(rx.try_iter());
        for incoming in batch {
            match incoming {
                Incoming::End => return Ok(u8::from(!server.shutdown)),
                Incoming::Malformed(why) => send_raw_error(&mut out, &why),
                Incoming::Message(Message::Notification(n)) if n.method == "exit" => {
                    return Ok(u8::from(!server.shutdown));
                }
                Incoming::Message(m) => server.handle(m, &mut out),
            }
        }
        server.lint_changed(&mut out);
    }
}

/// Reads framed messages (`Content-Length: N`, a blank line, N bytes of JSON) until the
/// input ends; a bad frame is reported and reading goes on with the next.
fn read_messages(input: &mut impl BufRead, tx: &mpsc::Sender<Incoming>) {
    loop {
        let mut length: Option<usize> = None;
        let mut bad_header = None;
        let mut line = String::new();
        loop {
            line.clear();
            match input.read_line(&mut line) {
                Ok(0) | Err(_) => {
                    let _ = tx.send(Incoming::End);
                    return;
                }
                Ok(_) => {}
            }
            let l = line.trim_end_matches(['\r', '\n']);
            if l.is_empty() {
                break;
            }
            match l.split_once(':') {
                Some((name, value)) if name.eq_ignore_ascii_case("content-length") => {
                    match value.trim().parse() {
                        Ok(n) => length = Some(n),
                        Err(_) => {
                            bad_header = Some(format!("bad Content-Length `{}`", value.trim()))
                        }
                    }
                }
                Some(_) => {}
                None => bad_header = Some(format!("malformed header `{l}`")),
            }
        }
        let incoming = match (length, bad_header) {
            (_, Some(why)) => Incoming::Malformed(why),
            (None, None) => Incoming::Malformed("a message without Content-Length".to_string()),
            (Some(n), None) => {
                let mut body = vec![0; n];
                if input.read_exact(&mut body).is_err() {
                    let _ = tx.send(Incoming::End);
                    return;
                }
                match serde_json::from_slice::<Message>(&body) {
                    Ok(m) => Incoming::Message(m),
                    Err(e) => Incoming::Malformed(format!("not a JSON-RPC message: {e}")),
                }
            }
        };
        if tx.send(incoming).is_err() {
            return;
        }
    }
}

fn send(out: &mut impl Write, message: Message) {
    // a client that went away ends the loop through the reader
    let _ = message.write(out);
}

/// JSON-RPC's parse error, for a message whose id could not be read.
fn send_raw_error(out: &mut impl Write, why: &str) {
    let body = serde_json::json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": { "code": ErrorCode::ParseError as i32, "message": why },
    })
    .to_string();
    let _ = write!(out, "Content-Length: {}\r\n\r\n{body}", body.len());
    let _ = out.flush();
}

fn error_response(id: RequestId, code: ErrorCode, message: impl Into<String>) -> Message {
    Message::Response(Response::new_err(id, code as i32, message.into()))
}

impl Server {
    fn handle(&mut self, message: Message, out: &mut impl Write) {
        match message {
            Message::Request(req) => {
                let id = req.id.clone();
                let method = req.method.clone();
                // a bug in kure answers the request with an error; the server goes on
                let reply =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.request(req)))
                        .unwrap_or_else(|_| {
                            error_response(
                                id,
                                ErrorCode::InternalError,
                                format!("kure failed on {method}"),
                            )
                        });
                send(out, reply);
            }
            Message::Notification(n) => {
                let _ =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.notification(n)));
                // every later request and lint reads the buffers as they are now
                kure::set_buffers(self.docs.values().map(|d| (d.path.clone(), d.text.clone())));
                if std::mem::take(&mut self.watch_files) {
                    send(out, watch_request());
                }
            }
            Message::Response(_) => {}
        }
    }

    fn request(&mut self, req: Request) -> Message {
        let id = req.id.clone();
        let result = match req.method.as_str() {
            "initialize" => self.initialize(req.params),
            "shutdown" => {
                self.shutdown = true;
                Ok(serde_json::Value::Null)
            }
            "textDocument/codeAction" => params(req.params).and_then(|p| self.code_actions(p)),
            "textDocument/formatting" => params(req.params).and_then(|p| self.formatting(p)),
            "textDocument/hover" => params(req.params).and_then(|p| self.hover(p)),
            "textDocument/definition" => params(req.params).and_then(|p| self.definition(p)),
            m => Err((
                ErrorCode::MethodNotFound,
                format!("kure does not serve {m}"),
            )),
        };
        match result {
            Ok(v) => Message::Response(Response::new_ok(id, v)),
            Err((code, why)) => error_response(id, code, why),
        }
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            "textDocument/didOpen" => {
                if let Ok(p) = params::<lsp::DidOpenTextDocumentParams>(n.params) {
                    let doc = p.text_document;
                    let Some(path) = uri_path(doc.uri.as_str()) else {
                        return;
                    };
                    let key = doc.uri.as_str().to_string();
                    self.docs.insert(
                        key.clone(),
                        Doc {
                            path,
                            text: Arc::from(doc.text),
                            version: doc.version,
                            findings: Vec::new(),
                        },
                    );
                    self.opened.push(key);
                    self.dirty = true;
                }
            }
            "textDocument/didChange" => {
                if let Ok(p) = params::<lsp::DidChangeTextDocumentParams>(n.params)
                    && let Some(doc) = self.docs.get_mut(p.text_document.uri.as_str())
                {
                    for change in p.content_changes {
                        doc.text = match change.range {
                            None => Arc::from(change.text),
                            Some(r) => Arc::from(splice(&doc.text, r, &change.text, self.encoding)),
                        };
                    }
                    doc.version = p.text_document.version;
                    self.dirty = true;
                }
            }
            "textDocument/didClose" => {
                if let Ok(p) = params::<lsp::DidCloseTextDocumentParams>(n.params) {
                    self.docs.remove(p.text_document.uri.as_str());
                    self.dirty = true;
                    self.closed.push(p.text_document.uri);
                }
            }
            // the files on disk (and `.kure.yaml`) are read again at each lint
            "textDocument/didSave" | "workspace/didChangeWatchedFiles" => self.dirty = true,
            _ => {}
        }
    }
}

type Reply = Result<serde_json::Value, (ErrorCode, String)>;

fn params<P: serde::de::DeserializeOwned>(v: serde_json::Value) -> Result<P, (ErrorCode, String)> {
    serde_json::from_value(v).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
}

fn to_value(v: impl serde::Serialize) -> Reply {
    serde_json::to_value(v).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}

impl Server {
    fn initialize(&mut self, v: serde_json::Value) -> Reply {
        let p: lsp::InitializeParams = params(v)?;
        self.watch_files = p
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files)
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        let offered = p
            .capabilities
            .general
            .and_then(|g| g.position_encodings)
            .unwrap_or_default();
        self.encoding = if offered.contains(&lsp::PositionEncodingKind::UTF8) {
            Encoding::Utf8
        } else {
            Encoding::Utf16
        };
        // paths in findings are relative to the workspace, as on the command line there
        #[allow(deprecated)]
        let root = p
            .workspace_folders
            .and_then(|f| f.into_iter().next().map(|f| f.uri))
            .or(p.root_uri)
            .and_then(|u| uri_path(u.as_str()));
        if let Some(root) = root
            && root.is_dir()
        {
            let _ = std::env::set_current_dir(root);
        }
        let capabilities = lsp::ServerCapabilities {
            position_encoding: Some(match self.encoding {
                Encoding::Utf8 => lsp::PositionEncodingKind::UTF8,
                Encoding::Utf16 => lsp::PositionEncodingKind::UTF16,
            }),
            text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
                lsp::TextDocumentSyncOptions {
                    open_close: Some(true),
                    change: Some(lsp::TextDocumentSyncKind::INCREMENTAL),
                    save: Some(lsp::TextDocumentSyncSaveOptions::Supported(true)),
                    ..Default::default()
                },
            )),
            code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
                lsp::CodeActionOptions {
                    code_action_kinds: Some(vec![
                        lsp::CodeActionKind::QUICKFIX,
                        lsp::CodeActionKind::SOURCE_FIX_ALL,
                    ]),
                    ..Default::default()
                },
            )),
            document_formatting_provider: Some(lsp::OneOf::Left(true)),
            hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
            definition_provider: Some(lsp::OneOf::Left(true)),
            ..Default::default()
        };
        to_value(lsp::InitializeResult {
            capabilities,
            server_info: Some(lsp::ServerInfo {
                name: "kure".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
            }),
        })
    }

    /// Lints what changed: a document just opened alone first (its own findings at once),
    /// then every open document with its context; publishes each one's findings.
    fn lint_changed(&mut self, out: &mut impl Write) {
        for uri in std::mem::take(&mut self.closed) {
            publish(out, uri, Vec::new(), None);
        }
        if !self.dirty {
            return;
        }
        self.dirty = false;
        for key in std::mem::take(&mut self.opened) {
            self.lint_one(&key, true, out);
        }
        let keys: Vec<String> = self.docs.keys().cloned().collect();
        for key in keys {
            self.lint_one(&key, false, out);
        }
    }

    fn lint_one(&mut self, key: &str, isolated: bool, out: &mut impl Write) {
        let Some(doc) = self.docs.get(key) else {
            return;
        };
        let result = lint(&doc.path, isolated, None, Some(self.cache.clone()), None);
        let (findings, errors) = match result {
            Ok(r) => {
                let mine = |p: &str| same_file(p, &doc.path);
                let errors: Vec<String> = r
                    .summary
                    .errors
                    .iter()
                    .filter(|e| mine(&e.path))
                    .map(|e| e.kind.to_string())
                    .collect();
                // alone, what other files hold is unknown: the findings between files wait
                // for the lint with the context
                let between_files = |d: &kure::Diagnostic| {
                    isolated
                        && kure::rule(d.rule).is_some_and(|m| m.scope == kure::Scope::Inventory)
                };
                let findings: Vec<kure::Diagnostic> = r
                    .diagnostics
                    .into_iter()
                    .filter(|d| mine(&d.at.path) && !between_files(d))
                    .collect();
                (findings, errors)
            }
            Err(e) => (Vec::new(), vec![e.to_string()]),
        };
        let mut diagnostics: Vec<lsp::Diagnostic> = findings
            .iter()
            .map(|d| self.diagnostic(&doc.text, d))
            .collect();
        // what kept the file from being linted, at its start
        diagnostics.extend(errors.into_iter().map(|message| lsp::Diagnostic {
            range: lsp::Range::default(),
            severity: Some(lsp::DiagnosticSeverity::ERROR),
            source: Some("kure".to_string()),
            message,
            ..Default::default()
        }));
        let version = doc.version;
        if let Ok(uri) = key.parse::<lsp::Uri>() {
            publish(out, uri, diagnostics, Some(version));
        }
        if let Some(doc) = self.docs.get_mut(key) {
            doc.findings = findings;
        }
    }

    fn diagnostic(&self, text: &str, d: &kure::Diagnostic) -> lsp::Diagnostic {
        let related: Vec<lsp::DiagnosticRelatedInformation> = d
            .related
            .iter()
            .filter_map(|r| {
                let path = absolute(&r.at.path);
                let uri = path_uri(&path)?;
                let text = self.text_of(&path)?;
                Some(lsp::DiagnosticRelatedInformation {
                    location: lsp::Location {
                        uri,
                        range: range(&text, r.at.span.start, r.at.span.end, self.encoding),
                    },
                    message: r.message.clone(),
                })
            })
            .collect();
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        lsp::Diagnostic {
            range: range(text, d.at.span.start, d.at.span.end, self.encoding),
            severity: Some(match d.severity {
                kure::Severity::Error => lsp::DiagnosticSeverity::ERROR,
                kure::Severity::Warning => lsp::DiagnosticSeverity::WARNING,
                kure::Severity::Info => lsp::DiagnosticSeverity::INFORMATION,
            }),
            code: Some(lsp::NumberOrString::String(d.rule.to_string())),
            source: Some("kure".to_string()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            ..Default::default()
        }
    }

    /// A file's text: the open buffer, else the file on disk.
    fn text_of(&self, path: &Path) -> Option<Arc<str>> {
        match self.docs.values().find(|d| d.path == path) {
            Some(d) => Some(d.text.clone()),
            None => std::fs::read_to_string(path).ok().map(Arc::from),
        }
    }

    fn doc(&self, uri: &lsp::Uri) -> Result<&Doc, (ErrorCode, String)> {
        self.docs.get(uri.as_str()).ok_or_else(|| {
            (
                ErrorCode::InvalidParams,
                format!("{} is not an open document", uri.as_str()),
            )
        })
    }
}

fn publish(
    out: &mut impl Write,
    uri: lsp::Uri,
    diagnostics: Vec<lsp::Diagnostic>,
    version: Option<i32>,
) {
    let params = lsp::PublishDiagnosticsParams {
        uri,
        diagnostics,
        version,
    };
    send(
        out,
        Message::Notification(Notification::new(
            "textDocument/publishDiagnostics".to_string(),
            params,
        )),
    );
}

/// `kure lint --stdin-filename PATH -` (or `kure fix` with `fix`) on the buffer standing for
/// PATH, with the nearest `.kure.yaml` and, unless `isolated`, the repository as context.
fn lint(
    path: &Path,
    isolated: bool,
    fix: Option<kure::FixOptions>,
    context_cache: Option<Arc<kure::ContextCache>>,
    definitions_at: Option<usize>,
) -> Result<kure::LintResult, kure::Error> {
    let config = if isolated {
        None
    } else {
        kure::Config::find(&[path.to_path_buf()], None)?
    };
    let flags = kure::Flags::default();
    let opts = kure::LintOptions {
        rules: kure::merge_config(&flags, config.as_ref()),
        per_file_configs: (!isolated).then_some(flags),
        paths: vec![PathBuf::from("-")],
        stdin_filename: Some(path.to_string_lossy().into_owned()),
        fix,
        isolated,
        context_cache,
        definitions_at,
        ..Default::default()
    };
    kure::lint(&opts)
}

/// The text `kure fix` makes of the buffer (`None` when it changes nothing).
fn fixed_text(doc: &Doc, fix: kure::FixOptions) -> Result<Option<String>, (ErrorCode, String)> {
    let r = lint(&doc.path, false, Some(fix), None, None)
        .map_err(|e| (ErrorCode::InternalError, e.to_string()))?;
    Ok(r.changes
        .into_iter()
        .find(|c| same_file(&c.path, &doc.path))
        .map(|c| c.fixed)
        .filter(|f| *f != *doc.text))
}

fn absolute(path: &str) -> PathBuf {
    kure::walk::normalize(Path::new(path))
}

fn same_file(shown: &str, path: &Path) -> bool {
    absolute(shown) == *path
}

/// A `file:` URI's path (percent-decoded); `None` for other schemes.
fn uri_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = rest.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(h, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let path = PathBuf::from(String::from_utf8(out).ok()?);
    Some(kure::walk::normalize(&path))
}

/// A path's `file:` URI (what is not unreserved is percent-encoded).
fn path_uri(path: &Path) -> Option<lsp::Uri> {
    let mut s = String::from("file://");
    for b in path.to_str()?.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s.parse().ok()
}

/// The LSP position of a byte offset: its line, and the characters before it on the line
/// in the negotiated encoding.
fn position(text: &str, offset: usize, encoding: Encoding) -> lsp::Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let piece = &text[start..offset];
    let character = match encoding {
        Encoding::Utf8 => piece.len(),
        Encoding::Utf16 => piece.encode_utf16().count(),
    };
    lsp::Position::new(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(character).unwrap_or(u32::MAX),
    )
}

fn range(text: &str, start: usize, end: usize, encoding: Encoding) -> lsp::Range {
    lsp::Range::new(
        position(text, start, encoding),
        position(text, end, encoding),
    )
}

/// The byte offset of an LSP position (clamped to its line and to the text).
fn offset(text: &str, p: lsp::Position, encoding: Encoding) -> usize {
    let mut start = 0;
    for _ in 0..p.line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let mut units = 0usize;
    for (i, c) in text[start..line_end].char_indices() {
        if units >= p.character as usize {
            return start + i;
        }
        units += match encoding {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        };
    }
    line_end
}

/// An incremental change applied to a text.
fn splice(text: &str, r: lsp::Range, new: &str, encoding: Encoding) -> String {
    let (a, b) = (
        offset(text, r.start, encoding),
        offset(text, r.end, encoding),
    );
    let (a, b) = (a.min(b), a.max(b));
    let mut out = String::with_capacity(text.len() + new.len());
    out.push_str(&text[..a]);
    out.push_str(new);
    out.push_str(&text[b..]);
    out
}

/// The edit that turns `before` into `after`: the differing middle, between the longest
/// common prefix and suffix.
fn text_edit(before: &str, after: &str, encoding: Encoding) -> lsp::TextEdit {
    let mut p = before
        .bytes()
        .zip(after.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !before.is_char_boundary(p) || !after.is_char_boundary(p) {
        p -= 1;
    }
    let max_suffix = before.len().min(after.len()) - p;
    let mut s = before
        .bytes()
        .rev()
        .zip(after.bytes().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    while !before.is_char_boundary(before.len() - s) || !after.is_char_boundary(after.len() - s) {
        s -= 1;
    }
    lsp::TextEdit {
        range: range(before, p, before.len() - s, encoding),
        new_text: after[p..after.len() - s].to_string(),
    }
}

fn workspace_edit(uri: &lsp::Uri, edit: lsp::TextEdit) -> lsp::WorkspaceEdit {
    lsp::WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
        ..Default::default()
    }
}

/// What a user writes after the rule id in a suppression (the action leaves it to replace).
const REASON_PLACEHOLDER: &str = "<reason>";

impl Server {
    fn code_actions(&self, p: lsp::CodeActionParams) -> Reply {
        let uri = &p.text_document.uri;
        let doc = self.doc(uri)?;
        let wants = |kind: &lsp::CodeActionKind| {
            p.context
                .only
                .as_ref()
                .is_none_or(|only| only.iter().any(|o| kind.as_str().starts_with(o.as_str())))
        };
        let (from, to) = (
            offset(&doc.text, p.range.start, self.encoding),
            offset(&doc.text, p.range.end, self.encoding),
        );
        let mut actions: Vec<lsp::CodeActionOrCommand> = Vec::new();
        for d in doc
            .findings
            .iter()
            .filter(|d| d.at.span.start <= to && from <= d.at.span.end)
        {
            let diagnostic = self.diagnostic(&doc.text, d);
            if let Some(fix) = &d.fix
                && wants(&lsp::CodeActionKind::QUICKFIX)
            {
                let unsafe_ = fix.applicability == kure::Applicability::Unsafe;
                let only = kure::FixOptions {
                    unsafe_fixes: unsafe_,
                    write: false,
                    only: Some((d.rule, d.at.span.start)),
                };
                if let Some(fixed) = fixed_text(doc, only)? {
                    actions.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                        title: if unsafe_ {
                            format!("{} (unsafe fix)", fix.message)
                        } else {
                            fix.message.clone()
                        },
                        kind: Some(lsp::CodeActionKind::QUICKFIX),
                        diagnostics: Some(vec![diagnostic.clone()]),
                        edit: Some(workspace_edit(
                            uri,
                            text_edit(&doc.text, &fixed, self.encoding),
                        )),
                        is_preferred: Some(!unsafe_),
                        ..Default::default()
                    }));
                }
            }
            if wants(&lsp::CodeActionKind::QUICKFIX)
                && let Ok(fixed) =
                    kure::suppress_at(&doc.text, d.at.span.start, d.rule, REASON_PLACEHOLDER)
            {
                actions.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                    title: format!("Suppress `{}` on this line", d.rule),
                    kind: Some(lsp::CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![diagnostic]),
                    edit: Some(workspace_edit(
                        uri,
                        text_edit(&doc.text, &fixed, self.encoding),
                    )),
                    ..Default::default()
                }));
            }
        }
        let fix_all = lsp::CodeActionKind::new("source.fixAll.kure");
        if wants(&fix_all)
            && doc.findings.iter().any(|d| {
                d.fix
                    .as_ref()
                    .is_some_and(|f| f.applicability == kure::Applicability::Safe)
            })
            && let Some(fixed) = fixed_text(doc, safe_fixes())?
        {
            actions.push(lsp::CodeActionOrCommand::CodeAction(lsp::CodeAction {
                title: "Fix all safe kure findings in the file".to_string(),
                kind: Some(fix_all),
                edit: Some(workspace_edit(
                    uri,
                    text_edit(&doc.text, &fixed, self.encoding),
                )),
                ..Default::default()
            }));
        }
        to_value(actions)
    }

    /// Formatting is `kure fix`: the safe fixes, as one edit.
    fn formatting(&self, p: lsp::DocumentFormattingParams) -> Reply {
        let doc = self.doc(&p.text_document.uri)?;
        let edits: Vec<lsp::TextEdit> = fixed_text(doc, safe_fixes())?
            .map(|fixed| text_edit(&doc.text, &fixed, self.encoding))
            .into_iter()
            .collect();
        to_value(edits)
    }

    /// On a finding: its rule, what the rule is about, and the help.
    fn hover(&self, p: lsp::HoverParams) -> Reply {
        let at = p.text_document_position_params;
        let doc = self.doc(&at.text_document.uri)?;
        let o = offset(&doc.text, at.position, self.encoding);
        let here: Vec<&kure::Diagnostic> = doc
            .findings
            .iter()
            .filter(|d| d.at.span.start <= o && o <= d.at.span.end)
            .collect();
        // on a selector or a name that refers to objects: what it reaches
        let leads = self.leads_to(doc, o)?;
        if here.is_empty() && leads.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        let mut parts: Vec<String> = Vec::new();
        if !leads.is_empty() {
            let list: Vec<String> = leads
                .iter()
                .map(|(at, what)| format!("- {what} ({}:{})", at.path, at.location.start.line))
                .collect();
            parts.push(format!("Refers to:\n{}", list.join("\n")));
        }
        let findings = here
            .iter()
            .map(|d| {
                let summary = kure::rule(d.rule).map_or("", |m| m.summary);
                let mut s = format!(
                    "**{}** `{}`: {summary}\n\n{}",
                    d.severity.as_str(),
                    d.rule,
                    d.message
                );
                if let Some(help) = &d.help {
                    s.push_str(&format!("\n\nhelp: {help}"));
                }
                s
            })
            .collect::<Vec<_>>();
        parts.splice(0..0, findings);
        to_value(lsp::Hover {
            contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: parts.join("\n\n---\n\n"),
            }),
            range: here
                .first()
                .map(|d| range(&doc.text, d.at.span.start, d.at.span.end, self.encoding)),
        })
    }
}

impl Server {
    /// From a selector to the pod templates it selects; from a backend, `serviceName` or
    /// `scaleTargetRef` to the object it names (a lint with the context, asked where the
    /// reference at the position leads).
    fn definition(&self, p: lsp::GotoDefinitionParams) -> Reply {
        let at = p.text_document_position_params;
        let doc = self.doc(&at.text_document.uri)?;
        let o = offset(&doc.text, at.position, self.encoding);
        let locations: Vec<lsp::Location> = self
            .leads_to(doc, o)?
            .iter()
            .filter_map(|(d, _)| {
                let path = absolute(&d.path);
                let text = self.text_of(&path)?;
                Some(lsp::Location {
                    uri: path_uri(&path)?,
                    range: range(&text, d.span.start, d.span.end, self.encoding),
                })
            })
            .collect();
        if locations.is_empty() {
            return Ok(serde_json::Value::Null);
        }
        to_value(lsp::GotoDefinitionResponse::Array(locations))
    }
}

impl Server {
    /// Where the reference at byte `o` of a document leads (a lint with the context).
    fn leads_to(
        &self,
        doc: &Doc,
        o: usize,
    ) -> Result<Vec<(kure::Located, String)>, (ErrorCode, String)> {
        lint(&doc.path, false, None, Some(self.cache.clone()), Some(o))
            .map(|r| r.definitions)
            .map_err(|e| (ErrorCode::InternalError, e.to_string()))
    }
}

/// Asks the client to report changes on disk to manifests, `.kure.yaml` and the git index
/// (what the context is made of); the answer needs no handling.
fn watch_request() -> Message {
    let watchers = ["**/*.{yaml,yml,json}", "**/.kure.yaml", "**/.git/index"]
        .into_iter()
        .map(|glob| lsp::FileSystemWatcher {
            glob_pattern: lsp::GlobPattern::String(glob.to_string()),
            kind: None,
        })
        .collect();
    let options = lsp::DidChangeWatchedFilesRegistrationOptions { watchers };
    Message::Request(Request::new(
        RequestId::from("kure-watch-files".to_string()),
        "client/registerCapability".to_string(),
        lsp::RegistrationParams {
            registrations: vec![lsp::Registration {
                id: "kure-watch-files".to_string(),
                method: "workspace/didChangeWatchedFiles".to_string(),
                register_options: serde_json::to_value(options).ok(),
            }],
        },
    ))
}

fn safe_fixes() -> kure::FixOptions {
    kure::FixOptions {
        unsafe_fixes: false,
        write: false,
        only: None,
    }
}
