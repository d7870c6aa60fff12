#!/usr/bin/env bash
# bench/server.sh [KURE] [REPO]: `kure server` as an editor uses it. REPO (default: a copy of
# ../shared/corpus made a git repository in a temp dir) is the workspace; one manifest with
# a Service is opened, then edited 20 times (a label value changed and changed back, so
# each edit changes the findings). Prints the time from `didOpen` to the first
# diagnostics, then from each `didChange` to the diagnostics of its version (median and
# maximum), and the server's peak RSS.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kure="$(realpath "${1:-$here/../target/release/kure}")"
repo="${2:-}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [ -z "$repo" ]; then
  repo="$work/corpus"
  cp -r "$here/../../shared/corpus" "$repo"
  git -C "$repo" init -q
  git -C "$repo" add -A
  git -C "$repo" -c user.name=b -c user.email=b@b commit -qm corpus
fi
python3 - "$kure" "$repo" <<'PY'
import json, os, statistics, subprocess, sys, time
kure, repo = sys.argv[1:]
repo = os.path.realpath(repo)
# the first tracked manifest that holds a Service with a selector
target = None
for line in subprocess.run(["git", "-C", repo, "ls-files", "*.yaml"], capture_output=True, text=True).stdout.split("\n"):
    p = os.path.join(repo, line)
    if not line or not os.path.isfile(p):
        continue
    t = open(p, encoding="utf-8", errors="replace").read()
    if "kind: Service\n" in t and "  selector:\n" in t and len(t) < 20000:
        target, text = p, t
        break
proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", kure, "server"], cwd=repo,
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
def send(m):
    b = json.dumps(m).encode()
    proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(b) + b)
    proc.stdin.flush()
def recv():
    length = 0
    while True:
        l = proc.stdout.readline()
        if l in (b"\r\n", b""):
            break
        k, v = l.decode().split(":", 1)
        if k.lower() == "content-length":
            length = int(v)
    if not length:
        sys.exit("kure server stopped: " + proc.stderr.read().decode())
    return json.loads(proc.stdout.read(length))
def wait(pred):
    while True:
        m = recv()
        if pred(m):
            return m
uri = "file://" + target
send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
      "params": {"processId": None, "rootUri": "file://" + repo, "capabilities": {}}})
wait(lambda m: m.get("id") == 1)
send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
t0 = time.perf_counter()
send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
      "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}})
wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri)
first = time.perf_counter() - t0
wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri)
with_context = time.perf_counter() - t0
edited = text.replace("  selector:\n", "  selector:\n    kure-bench: edited\n", 1)
times = []
for i in range(20):
    version = i + 2
    t0 = time.perf_counter()
    send({"jsonrpc": "2.0", "method": "textDocument/didChange",
          "params": {"textDocument": {"uri": uri, "version": version},
                     "contentChanges": [{"text": edited if i % 2 == 0 else text}]}})
    wait(lambda m: m.get("method") == "textDocument/publishDiagnostics"
         and m["params"]["uri"] == uri and m["params"].get("version") == version)
    times.append(time.perf_counter() - t0)
send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
wait(lambda m: m.get("id") == 2)
send({"jsonrpc": "2.0", "method": "exit"})
_, err = proc.communicate(timeout=10)
rss = int(err.decode().strip().split("\n")[-1])
files = subprocess.run(["git", "-C", repo, "ls-files"], capture_output=True, text=True).stdout.count("\n")
print(f"workspace: {files} tracked files; opened {os.path.relpath(target, repo)}")
print(f"first diagnostics: {first*1000:.0f} ms; with the context: {with_context*1000:.0f} ms")
print(f"didChange -> publishDiagnostics over 20 edits: median {statistics.median(times)*1000:.1f} ms, max {max(times)*1000:.1f} ms")
print(f"peak RSS: {rss/1024:.1f} MB")
PY
