//! `kure server`, driven over stdio as an editor drives it: JSON-RPC messages with
//! Content-Length framing, answers read as they come (no test waits a fixed time).

mod common;
use common::*;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a test waits for an answer before it fails (the server answers in
/// milliseconds; this only bounds a hung test).
const PATIENCE: Duration = Duration::from_secs(20);

struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: mpsc::Receiver<Value>,
    next_id: i64,
}

impl Client {
    fn start(cwd: &Path) -> Client {
        let mut child = kure()
            .arg("server")
            .current_dir(cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            loop {
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        length = v.parse().unwrap();
                    }
                }
                let mut body = vec![0; length];
                stdout.read_exact(&mut body).unwrap();
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        Client {
            child,
            stdin,
            rx,
            next_id: 0,
        }
    }

    fn raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    fn send(&mut self, message: &Value) {
        let body = message.to_string();
        self.raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its response (messages before it are kept for `wait`).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait(|m| m["id"] == id)
    }

    /// The next message that satisfies `pred` (others are dropped).
    fn wait(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let m = self
                .rx
                .recv_timeout(left)
                .expect("the server answers in time");
            if pred(&m) {
                return m;
            }
        }
    }

    /// The diagnostics published for `uri` that `pred` accepts.
    fn diagnostics(&mut self, uri: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let m = self.wait(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && pred(m["params"]["diagnostics"].as_array().unwrap())
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    fn initialize(&mut self, root: &Path, encodings: &[&str]) -> Value {
        self.initialize_with(root, json!({"general": {"positionEncodings": encodings}}))
    }

    fn initialize_with(&mut self, root: &Path, capabilities: Value) -> Value {
        let r = self.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": uri(root),
                "capabilities": capabilities,
            }),
        );
        self.notify("initialized", json!({}));
        r
    }

    fn open(&mut self, path: &Path, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": "yaml", "version": 1, "text": text}}),
        );
    }

    fn change(&mut self, path: &Path, version: i64, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(path), "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// A file changed (2) or deleted (3) on disk, as a watching client reports it.
    fn disk_changed(&mut self, path: &Path, kind: u8) {
        self.notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [{"uri": uri(path), "type": kind}]}),
        );
    }

    /// `shutdown` then `exit`; the exit code, within 2 s.
    fn stop(mut self) -> i32 {
        let r = self.request("shutdown", Value::Null);
        assert_eq!(r["result"], Value::Null, "{r}");
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + Duration::from_secs(2);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit within 2 s"
            );
            std::thread::yield_now();
        }
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// The rules of a list of diagnostics.
fn codes(diags: &[Value]) -> Vec<&str> {
    diags.iter().filter_map(|d| d["code"].as_str()).collect()
}

/// A text with LSP edits applied (positions in UTF-16 units).
fn apply(text: &str, edits: &[Value]) -> String {
    let offset = |p: &Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        let character = p["character"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let mut units = 0;
        for (i, c) in text[start..].char_indices() {
            if units >= character {
                return start + i;
            }
            units += c.len_utf16();
        }
        text.len()
    };
    let mut edits: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (a, b, t) in edits {
        out.replace_range(a..b, t);
    }
    out
}

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n        active: \"yes\"\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n";
/// `yes` after an accented letter and an astral character on its line.
const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  annotations: {note: \"é😀\", flag: yes}\nspec:\n  selector:\n    app: web\n    active: \"yes\"\n  ports:\n  - port: 80\n";

fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q"]);
    write(dir.path(), "k8s/deployment.yaml", DEPLOYMENT);
    write(dir.path(), "k8s/service.yaml", SERVICE);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "web"]);
    dir
}

#[test]
fn findings_fixes_hover_and_formatting_in_utf16() {
    let dir = repo();
    let root = dir.path().canonicalize().unwrap();
    let mut c = Client::start(&root);
    let init = c.initialize(&root, &["utf-16"]);
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-16");
    let svc = root.join("k8s/service.yaml");
    c.open(&svc, SERVICE);
    let diags = c.diagnostics(&uri(&svc), |d| !d.is_empty());
    assert_eq!(codes(&diags), ["non-string-value"], "{diags:?}");
    // line 5: `  annotations: {note: "é😀", flag: yes}`; `yes` starts at character 34 in
    // code points, 35 in UTF-16 units (😀 is two)
    assert_eq!(
        diags[0]["range"],
        json!({"start": {"line": 4, "character": 35}, "end": {"line": 4, "character": 38}})
    );
    assert_eq!(diags[0]["source"], "kure");

    // the quick fix quotes it; the suppression is offered too
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri(&svc)}, "range": diags[0]["range"], "context": {"diagnostics": [diags[0]]}}),
    );
    let actions = actions["result"].as_array().unwrap().clone();
    let titles: Vec<&str> = actions.iter().filter_map(|a| a["title"].as_str()).collect();
    assert_eq!(
        titles,
        [
            "quote `yes` as \"yes\"",
            "Suppress `non-string-value` on this line",
            "Fix all safe kure findings in the file"
        ]
    );
    let edits = |a: &Value| a["edit"]["changes"][uri(&svc)].as_array().unwrap().clone();
    let fixed = SERVICE.replace("flag: yes}", "flag: \"yes\"}");
    assert_eq!(apply(SERVICE, &edits(&actions[0])), fixed);
    assert_eq!(actions[0]["isPreferred"], true);
    assert_eq!(
        apply(SERVICE, &edits(&actions[1])),
        SERVICE.replace(
            "flag: yes}\n",
            "flag: yes} # kure: ignore[non-string-value] <reason>\n"
        )
    );
    assert_eq!(actions[2]["kind"], "source.fixAll.kure");

    // formatting is the safe fixes
    let f = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri(&svc)}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(apply(SERVICE, f["result"].as_array().unwrap()), fixed);

    // hover on the finding: the rule, what it is about, the message
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&svc)}, "position": {"line": 4, "character": 36}}),
    );
    let text = h["result"]["contents"]["value"].as_str().unwrap();
    assert!(text.contains("`non-string-value`"), "{text}");
    assert!(
        text.contains(
            kure::rules()
                .find(|r| r.id == "non-string-value")
                .unwrap()
                .summary
        ),
        "{text}"
    );
    // and nothing elsewhere
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&svc)}, "position": {"line": 0, "character": 1}}),
    );
    assert_eq!(h["result"], Value::Null);

    // the edit applied: no finding left
    c.change(&svc, 2, &fixed);
    assert!(c.diagnostics(&uri(&svc), |d| d.is_empty()).is_empty());
    assert_eq!(c.stop(), 0);
}

#[test]
fn utf8_positions_when_the_client_offers_them() {
    let dir = repo();
    let root = dir.path().canonicalize().unwrap();
    let mut c = Client::start(&root);
    let init = c.initialize(&root, &["utf-8", "utf-16"]);
    assert_eq!(init["result"]["capabilities"]["positionEncoding"], "utf-8");
    let svc = root.join("k8s/service.yaml");
    c.open(&svc, SERVICE);
    let diags = c.diagnostics(&uri(&svc), |d| !d.is_empty());
    // `é` is two bytes and `😀` four
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 4, "character": 38})
    );
    assert_eq!(c.stop(), 0);
}

#[test]
fn a_finding_across_files_follows_unsaved_edits() {
    let dir = repo();
    let root = dir.path().canonicalize().unwrap();
    let mut c = Client::start(&root);
    c.initialize(&root, &[]);
    let (svc, dep) = (
        root.join("k8s/service.yaml"),
        root.join("k8s/deployment.yaml"),
    );
    let clean = SERVICE.replace("flag: yes", "flag: \"yes\"");
    c.open(&svc, &clean);
    c.open(&dep, DEPLOYMENT);
    assert!(c.diagnostics(&uri(&svc), |d| d.is_empty()).is_empty());
    // the Deployment's pods lose `active` in the editor, unsaved: the Service selects nothing
    let unlabelled = DEPLOYMENT.replace("        active: \"yes\"\n", "");
    c.change(&dep, 2, &unlabelled);
    let diags = c.diagnostics(&uri(&svc), |d| !d.is_empty());
    assert_eq!(codes(&diags), ["service-selector-no-match"], "{diags:?}");
    assert_eq!(
        diags[0]["range"]["start"],
        json!({"line": 6, "character": 2})
    );
    let related = &diags[0]["relatedInformation"][0]["location"];
    assert_eq!(related["uri"], uri(&dep));
    // the file on disk was never changed
    assert_eq!(std::fs::read_to_string(&dep).unwrap(), DEPLOYMENT);
    // undone: the finding clears
    c.change(&dep, 3, DEPLOYMENT);
    assert!(c.diagnostics(&uri(&svc), |d| d.is_empty()).is_empty());
    // closing the Deployment's buffer: the file on disk, which has the label, counts again
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri(&dep)}}),
    );
    assert!(c.diagnostics(&uri(&dep), |d| d.is_empty()).is_empty());
    assert_eq!(c.stop(), 0);
}

#[test]
fn bad_input_is_answered_and_the_server_goes_on() {
    let dir = repo();
    let root = dir.path().canonicalize().unwrap();
    let mut c = Client::start(&root);
    c.initialize(&root, &[]);
    // not JSON, then a header without a length: parse errors, and the server serves on
    c.raw(b"Content-Length: 5\r\n\r\nhello");
    let e = c.wait(|m| m["error"].is_object());
    assert_eq!(e["error"]["code"], -32700);
    assert_eq!(e["id"], Value::Null);
    c.raw(b"Content-Type: text/plain\r\n\r\n");
    let e = c.wait(|m| m["error"].is_object());
    assert_eq!(e["error"]["code"], -32700);
    // a request for a document that is not open, and a method kure does not serve
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": "file:///nowhere.yaml"}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let r = c.request("textDocument/rename", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    let r = c.request("textDocument/codeAction", json!({"nonsense": true}));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    // a buffer that does not parse: a finding where it breaks
    let broken = root.join("k8s/broken.yaml");
    c.open(
        &broken,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [x\n",
    );
    let diags = c.diagnostics(&uri(&broken), |d| !d.is_empty());
    assert_eq!(codes(&diags), ["parse-error"], "{diags:?}");
    // a binary file: why it is not linted, at its start
    let binary = root.join("k8s/blob.yaml");
    c.open(&binary, "apiVersion: v1\n\u{0}\u{1}");
    let diags = c.diagnostics(&uri(&binary), |d| !d.is_empty());
    assert!(
        diags[0]["message"].as_str().unwrap().contains("binary"),
        "{diags:?}"
    );
    // a 30 MB buffer is linted, and the server still answers
    let mut big = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n");
    while big.len() < 30 * 1024 * 1024 {
        big.push_str(&format!("  k{}: \"xxxxxxxxxxxxxxxxxxxxxxxx\"\n", big.len()));
    }
    let large = root.join("k8s/large.yaml");
    c.open(&large, &big);
    assert!(c.diagnostics(&uri(&large), |d| d.is_empty()).is_empty());
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&large)}, "position": {"line": 0, "character": 0}}),
    );
    assert_eq!(r["result"], Value::Null);
    assert_eq!(c.stop(), 0);
}

#[test]
fn files_changed_on_disk_are_read_again() {
    let dir = repo();
    let root = dir.path().canonicalize().unwrap();
    let mut c = Client::start(&root);
    // a client that can watch files is asked to report manifests, configs and the index
    c.initialize_with(
        &root,
        json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}}),
    );
    let r = c.wait(|m| m["method"] == "client/registerCapability");
    let registration = &r["params"]["registrations"][0];
    assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
    let globs: Vec<&str> = registration["registerOptions"]["watchers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["globPattern"].as_str())
        .collect();
    assert_eq!(
        globs,
        ["**/*.{yaml,yml,json}", "**/.kure.yaml", "**/.git/index"]
    );
    c.send(&json!({"jsonrpc": "2.0", "id": r["id"], "result": null}));
    let svc = root.join("k8s/service.yaml");
    let clean = SERVICE.replace("flag: yes", "flag: \"yes\"");
    c.open(&svc, &clean);
    assert!(c.diagnostics(&uri(&svc), |d| d.is_empty()).is_empty());
    // the Deployment, not open, loses the label on disk (git checkout, another tool): the
    // server, which keeps what it read of the context, reads it again
    let dep = root.join("k8s/deployment.yaml");
    std::fs::write(&dep, DEPLOYMENT.replace("        active: \"yes\"\n", "")).unwrap();
    c.disk_changed(&dep, 2);
    let diags = c.diagnostics(&uri(&svc), |d| !d.is_empty());
    assert_eq!(codes(&diags), ["service-selector-no-match"], "{diags:?}");
    std::fs::write(&dep, DEPLOYMENT).unwrap();
    c.disk_changed(&dep, 2);
    assert!(c.diagnostics(&uri(&svc), |d| d.is_empty()).is_empty());
    // deleted (still tracked): nothing kept of it stands in for it
    std::fs::remove_file(&dep).unwrap();
    c.disk_changed(&dep, 3);
    let diags = c.diagnostics(&uri(&svc), |d| !d.is_empty());
    assert_eq!(codes(&diags), ["service-selector-no-match"], "{diags:?}");
    assert_eq!(c.stop(), 0);
}

#[test]
fn definitions_lead_from_selectors_and_names_to_their_objects() {
    let dir = repo();
    let root = dir.path().canonicalize().unwrap();
    let mut c = Client::start(&root);
    c.initialize(&root, &[]);
    let (svc, dep) = (
        root.join("k8s/service.yaml"),
        root.join("k8s/deployment.yaml"),
    );
    // asked at once, before the server has published anything for the buffer
    c.open(&svc, SERVICE);
    let r = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri(&svc)}, "position": {"line": 7, "character": 4}}),
    );
    // from the Service's selector to the Deployment's pod template labels
    assert_eq!(
        r["result"],
        json!([{"uri": uri(&dep), "range": {"start": {"line": 10, "character": 6}, "end": {"line": 12, "character": 21}}}]),
        "{r}"
    );
    // hover on the selector says what it selects
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri(&svc)}, "position": {"line": 7, "character": 4}}),
    );
    assert_eq!(
        h["result"]["contents"]["value"], "Refers to:\n- Deployment/web (k8s/deployment.yaml:11)",
        "{h}"
    );
    // from an autoscaler's target, in a buffer never saved, to the Deployment
    let hpa = root.join("k8s/hpa.yaml");
    let text = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n  minReplicas: 2\n  maxReplicas: 4\n";
    c.open(&hpa, text);
    let r = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri(&hpa)}, "position": {"line": 8, "character": 11}}),
    );
    let found = r["result"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{r}");
    assert_eq!(found[0]["uri"], uri(&dep));
    assert_eq!(found[0]["range"]["start"]["line"], 3, "{r}");
    // a field that refers to nothing
    let r = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri(&hpa)}, "position": {"line": 9, "character": 4}}),
    );
    assert_eq!(r["result"], Value::Null, "{r}");
    assert_eq!(c.stop(), 0);
}
