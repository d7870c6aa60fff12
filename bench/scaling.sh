#!/usr/bin/env bash
# bench/scaling.sh [KURE] [CORPUS]: how kure scales with files and with bytes.
#  - the corpus as is, and copied 10 times: time ratio (target <= 11x);
#  - every file with 40 KB of comments appended (same objects, far more bytes): peak RSS
#    ratio (target <= 1.5x).
# Best of 3 runs each; wall time and peak RSS from wait4.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kure="${1:-$here/../target/release/kure}"
corpus="${2:-$here/../../shared/corpus}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/x10" "$work/comments"
for i in $(seq 1 10); do cp -r "$corpus" "$work/x10/copy$i"; done
cp -r "$corpus" "$work/comments/c"
chmod -R u+w "$work"
python3 - "$work/comments/c" <<'PY'
import os, sys
pad = "".join("# %s\n" % ("padding comment line to make the file much larger " * 1)[:70] for _ in range(600))[:40960]
for d, _, fs in os.walk(sys.argv[1]):
    for f in fs:
        if f.endswith((".yaml", ".yml")):
            p = os.path.join(d, f)
            with open(p, "rb") as fh:
                data = fh.read()
            if not data.endswith(b"\n"):
                data += b"\n"
            with open(p, "wb") as fh:
                fh.write(data + pad.encode())
PY
python3 - "$kure" "$corpus" "$work/x10" "$work/comments/c" <<'PY'
import os, subprocess, sys, time
kure, base, x10, comments = sys.argv[1:]
def best(path):
    t_best, rss = float("inf"), 0
    for _ in range(3):
        t = time.perf_counter()
        p = subprocess.Popen([kure, "lint", "--format", "json", path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, ru = os.wait4(p.pid, 0)
        t_best = min(t_best, time.perf_counter() - t)
        rss = max(rss, ru.ru_maxrss / 1024)
    return t_best, rss
def size(p):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(p) for f in fs) / 1e6
b, t10, c = best(base), best(x10), best(comments)
print("corpus        %6.1f MB  %7.3f s  %6.1f MB RSS" % (size(base), b[0], b[1]))
print("corpus x10    %6.1f MB  %7.3f s  %6.1f MB RSS  time ratio %.2fx (target <= 11x)" % (size(x10), t10[0], t10[1], t10[0] / b[0]))
print("+40KB comments%6.1f MB  %7.3f s  %6.1f MB RSS  RSS ratio %.2fx (target <= 1.5x)" % (size(comments), c[0], c[1], c[1] / b[1]))
PY
