#!/usr/bin/env bash
# bench/growth.sh [KURE]: how fixing grows with the shapes that were once super-linear.
#  - keys: one ConfigMap with N keys and one fixable label (the verifier types every key);
#  - refusals: N labels `lN: &aN yes` reused as `rN: *aN`, so every quoting fix is refused;
#  - objects: one file of N small ConfigMaps (`on: yes` in each: two findings with fixes
#    per object), linted and fixed;
#  - references: one file of N apps, each a Deployment, Service, Ingress, HPA,
#    PodDisruptionBudget, NetworkPolicy and ServiceMonitor pointing at each other (every
#    pod shares one label too, so each lookup must take the narrowest index entry), linted;
#  - clean: one file of N small ConfigMaps without findings, linted and fixed (the memory
#    budget: lint within 5x the file, fix within 10x).
# For each size: wall time (best of 3) and peak RSS, and the ratio to the previous size.
# Linear growth doubles time and memory when N doubles. Bytes per file are printed so the
# RSS can be read as a multiple of the file.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
kure="${1:-$here/../target/release/kure}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 - "$kure" "$work" <<'PY'
import os, subprocess, sys, tempfile, time
kure, work = sys.argv[1:]

def keys(n):
    s = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  labels:\n    active: yes\ndata:\n"
    return s + "".join(f'  k{i}: "v{i}"\n' for i in range(n))

def refusals(n):
    s = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels:\n"
    s += "".join(f"    l{i}: &a{i} yes\n" for i in range(n))
    return s + "".join(f"    r{i}: *a{i}\n" for i in range(n))

def objects(n):
    return "".join(
        f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  labels:\n    on: yes\ndata:\n  a: \"1\"\n"
        for i in range(n))

def clean(n):
    return "".join(
        f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  labels:\n    app: web\ndata:\n  a: \"1\"\n"
        for i in range(n))

def references(n):
    out = []
    for i in range(n):
        out.append(f"""---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: a{i}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: a{i}}}
  template:
    metadata:
      labels: {{app: a{i}, part-of: shop}}
    spec:
      containers:
      - name: c
        image: c
        ports: [{{name: http, containerPort: 8080}}]
---
apiVersion: v1
kind: Service
metadata:
  name: a{i}
  labels: {{app: a{i}}}
spec:
  selector: {{app: a{i}}}
  ports: [{{name: http, port: 80, targetPort: http}}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: a{i}
spec:
  defaultBackend:
    service: {{name: a{i}, port: {{name: http}}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: a{i}
spec:
  scaleTargetRef: {{apiVersion: apps/v1, kind: Deployment, name: a{i}}}
  minReplicas: 2
  maxReplicas: 4
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: a{i}
spec:
  minAvailable: 1
  selector:
    matchLabels: {{app: a{i}, part-of: shop}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: a{i}
spec:
  podSelector:
    matchExpressions: [{{key: app, operator: In, values: [a{i}]}}]
  ingress:
  - from:
    - podSelector: {{matchLabels: {{part-of: shop, app: a{(i + 1) % n}}}}}
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: a{i}
spec:
  selector: {{matchLabels: {{app: a{i}}}}}
  endpoints: [{{port: http}}]
""")
    return "".join(out)

def best(args):
    # peak RSS through /usr/bin/time: a child forked from this Python process would start
    # with this process's own high-water mark (it holds the generated texts)
    t_best, rss = float("inf"), 0
    for _ in range(3):
        fd, tf = tempfile.mkstemp()
        os.close(fd)
        t = time.perf_counter()
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", tf, kure] + args,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t_best = min(t_best, time.perf_counter() - t)
        rss = max(rss, int(open(tf).read().split()[-1]))
        os.unlink(tf)
    return t_best, rss / 1024

cases = [
    ("keys", keys, [10000, 20000, 40000], [["fix", "--check", "--unsafe-fixes"]]),
    ("refusals", refusals, [750, 1500, 3000], [["fix", "--check", "--unsafe-fixes"]]),
    ("objects", objects, [50000, 100000, 200000],
     [["lint", "--format", "concise"], ["fix", "--check", "--unsafe-fixes"]]),
    ("references", references, [2500, 5000, 10000], [["lint", "--format", "concise"]]),
    ("clean", clean, [75000, 150000, 300000],
     [["lint", "--format", "concise"], ["fix", "--check"]]),
]
print(f"{'case':<10} {'command':<28} {'N':>8} {'MB':>7} {'time s':>8} {'x':>6} {'RSS MB':>8} {'x':>6} {'RSS/file':>9}")
for name, gen, sizes, commands in cases:
    for cmd in commands:
        prev = None
        for n in sizes:
            path = os.path.join(work, f"{name}-{n}.yaml")
            if not os.path.exists(path):
                with open(path, "w") as f:
                    f.write(gen(n))
            mb = os.path.getsize(path) / 1e6
            t, rss = best(cmd + [path])
            tr = f"{t / prev[0]:.2f}" if prev else ""
            rr = f"{rss / prev[1]:.2f}" if prev else ""
            print(f"{name:<10} {' '.join(cmd):<28} {n:>8} {mb:>7.2f} {t:>8.3f} {tr:>6} {rss:>8.1f} {rr:>6} {rss / mb:>8.1f}x")
            prev = (t, rss)
PY
