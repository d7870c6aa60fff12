#!/usr/bin/env bash
# bench/fix.sh [KURE] [CORPUS]: `kure fix --check` next to `kure lint` on the same files
# (target: fix --check at most 2x lint). Best of 5 runs each; wall time and peak RSS from
# wait4. Nothing is written: --check only computes, applies and verifies fixes in memory.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kure="${1:-$here/../target/release/kure}"
corpus="${2:-$here/../../shared/corpus}"
python3 - "$kure" "$corpus" <<'PY'
import os, subprocess, sys, time
kure, corpus = sys.argv[1:]
def best(args):
    t_best, rss = float("inf"), 0
    for _ in range(5):
        t = time.perf_counter()
        p = subprocess.Popen([kure] + args + [corpus], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        t_best = min(t_best, time.perf_counter() - t)
        rss = max(rss, ru.ru_maxrss / 1024)
    return t_best, rss
lint = best(["lint", "--format", "concise"])
check = best(["fix", "--check"])
check_u = best(["fix", "--check", "--unsafe-fixes"])
diff_u = best(["fix", "--diff", "--unsafe-fixes"])
print("kure lint                        %7.3f s  %6.1f MB RSS" % lint)
for name, r in [("kure fix --check", check), ("kure fix --check --unsafe-fixes", check_u), ("kure fix --diff --unsafe-fixes", diff_u)]:
    print("%-32s %7.3f s  %6.1f MB RSS  %.2fx lint (target <= 2x)" % (name, r[0], r[1], r[0] / lint[0]))
# the editor on-save command, end to end, on the example repo's rng DaemonSet
here = os.path.dirname(os.path.abspath(kure))
rng = os.path.join(os.path.dirname(os.path.dirname(here)), "testdata/example/dockercoins/rng.yaml")
if os.path.exists(rng):
    data = open(rng, "rb").read()
    t_best = float("inf")
    for _ in range(20):
        t = time.perf_counter()
        subprocess.run([kure, "fix", "--unsafe-fixes", "--stdin-filename", rng, "-"], input=data, capture_output=True)
        t_best = min(t_best, time.perf_counter() - t)
    print("kure fix - (editor on-save, rng.yaml) %6.1f ms, best of 20" % (t_best * 1e3))
PY
