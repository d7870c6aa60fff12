//! A property test of `kure fix --unsafe-fixes`: a generator of mutated manifests (kind
//! flips, status blocks, unquoted `yes`/`0777`/`1e3` values and keys, duplicate keys,
//! anchors, aliases and `<<` merges (in `spec`, in label maps), integer, float and boolean
//! keys beside string keys, SOPS-encrypted files, flow style, comments in odd places, CRLF,
//! BOM, no final newline, multi-byte text). On every case the fixed text must parse, a second fix must
//! change nothing, and kubectl's decoding of the result must differ from its decoding of the
//! input only where a fix means to change it: removed leftovers (status, server metadata,
//! Deployment fields on a DaemonSet, an earlier duplicate), quoted scalars that now read as
//! the text written, keys that now carry their written name, an added selector, a renamed
//! strategy.

mod common;
use common::*;
use serde_json::Value;

/// xorshift64*: a deterministic stream of choices, so a failing case can be re-made.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const TYPED: &[&str] = &[
    "yes", "on", "no", "0777", "1e3", "1.20", "true", "y", "off", "0x1F",
];
const TEXT: &[&str] = &["web", "ünïcödé-app", "rng", "日本", "api"];

/// One generated manifest.
fn case(rng: &mut Rng) -> String {
    let kind = if rng.chance(60) {
        "DaemonSet"
    } else {
        "Deployment"
    };
    let app = rng
        .pick(TEXT)
        .replace(['ü', 'ï', 'ö', 'é', '日', '本'], "x");
    let comment = |rng: &mut Rng| -> &'static str {
        if rng.chance(30) {
            "  # a comment, ünïcödé"
        } else {
            ""
        }
    };
    let mut s = String::new();
    if rng.chance(30) {
        s.push_str("# generated case\n");
    }
    s.push_str(&format!("apiVersion: apps/v1\nkind: {kind}\nmetadata:\n"));
    if rng.chance(40) {
        s.push_str("  uid: 5d3b1c2a-0000-4000-8000-000000000000\n  resourceVersion: \"4821\"\n");
    }
    s.push_str(&format!("  name: {app}{}\n", comment(rng)));
    let typed_key = rng.pick(TYPED);
    let typed_val = rng.pick(TYPED);
    if rng.chance(15) {
        // an anchored label value and its alias
        s.push_str(&format!(
            "  labels: {{app: &a {app}, copy: *a, tier: {typed_val}}}\n"
        ));
    } else if rng.chance(50) {
        s.push_str(&format!("  labels: {{app: {app}, tier: {typed_val}}}\n"));
    } else {
        s.push_str(&format!(
            "  labels:\n    app: {app}\n    tier: {typed_val}{}\n",
            comment(rng)
        ));
        if rng.chance(30) {
            s.push_str(&format!("    {typed_key}: \"x\"\n"));
        }
    }
    if rng.chance(40) {
        s.push_str("  annotations:\n    note: \"日本語 text\"\n");
        if rng.chance(50) {
            s.push_str("    deployment.kubernetes.io/revision: \"3\"\n");
        }
    }
    s.push_str("spec:\n");
    if rng.chance(70) {
        s.push_str(&format!("  replicas: {}{}\n", rng.below(5), comment(rng)));
    }
    if rng.chance(30) {
        s.push_str("  progressDeadlineSeconds: 600\n");
    } else if rng.chance(25) {
        // a field merged in with `<<`: kubectl reads it like one written in place
        s.push_str("  <<: {progressDeadlineSeconds: 600}\n");
    }
    if rng.chance(50) {
        if rng.chance(50) {
            s.push_str("  strategy:\n    rollingUpdate:\n      maxSurge: 25%\n      maxUnavailable: 25%\n    type: RollingUpdate\n");
        } else {
            s.push_str("  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxUnavailable: 2\n      maxSurge: 1\n");
        }
    }
    if rng.chance(75) {
        s.push_str(&format!(
            "  selector:\n    matchLabels:\n      app: {app}\n"
        ));
    }
    if rng.chance(20) {
        // the same key twice: kubectl keeps the later one
        s.push_str("  minReadySeconds: 5\n  minReadySeconds: 10\n");
    }
    s.push_str("  template:\n    metadata:\n");
    if rng.chance(50) {
        s.push_str("      creationTimestamp: null\n");
    }
    s.push_str(&format!("      labels:\n        app: {app}\n"));
    if rng.chance(40) {
        s.push_str("        # a comment inside the labels\n");
    }
    s.push_str(&format!("        tier: {typed_val}\n"));
    s.push_str("    spec:\n      containers:\n");
    if rng.chance(40) {
        s.push_str("      - &c\n        name: main\n        image: app:1\n");
        s.push_str("        env:\n        - name: MODE\n          value: ");
        s.push_str(rng.pick(TYPED));
        s.push('\n');
        s.push_str("      - <<: *c\n        name: side\n");
    } else {
        s.push_str(&format!(
            "      - name: main\n        image: app:1\n        args: [--flag, {}]\n",
            rng.pick(TYPED)
        ));
    }
    if rng.chance(50) {
        s.push_str("status:\n  # written by the controller\n  numberReady: 3\n");
    }
    if rng.chance(20) {
        s.push_str(&format!(
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  mode: &m {}\n  copy: *m\n  {}: \"v\"\n",
            rng.pick(TYPED),
            rng.pick(TYPED)
        ));
        if rng.chance(50) {
            // keys of other YAML types beside string keys: `0x10` and `16` are both the
            // integer 16 (the later wins), `"0x10"` is a string that quoting `0x10` would
            // collide with (an input whose keys already collide reads at random, so none is
            // made here)
            s.push_str(&format!(
                "  0x10: a\n  16: q\n  {}: b\n  \"0x10\": c\n",
                rng.pick(&["off", "y", "0777"])
            ));
        }
    }
    if rng.chance(10) {
        // encrypted by SOPS: no fix may touch it
        s.push_str("sops:\n  mac: ENC[AES256_GCM,data:bWFj,type:str]\n  version: 3.8.1\n");
    }
    if rng.chance(25) {
        s = s.replace('\n', "\r\n");
    }
    if rng.chance(20) {
        s.insert(0, '\u{feff}');
    }
    if rng.chance(20) {
        while s.ends_with('\n') || s.ends_with('\r') {
            s.pop();
        }
    }
    s
}

fn fix(text: &str) -> String {
    let r = run_stdin(
        &[
            "fix",
            "--unsafe-fixes",
            "--stdin-filename",
            "case.yaml",
            "-",
        ],
        text.as_bytes(),
    );
    assert_eq!(r.code, 0, "kure fix failed on:\n{text}\n{}", r.stderr);
    r.stdout
}

/// kubectl's decoding of a manifest, one JSON value per document (None when it refuses).
fn decode(kubectl: &std::path::Path, text: &str) -> Option<Vec<Value>> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("case.yaml");
    // each document goes under the `spec` of a custom kind, where kubectl decodes untyped:
    // a boolean label shows as `true` instead of failing the typed decode of `metadata`
    // (the same rewrite on both sides of the comparison)
    let text = text.trim_start_matches('\u{feff}');
    let mut untyped = String::new();
    for (i, doc) in text.split("\n---").enumerate() {
        let doc = doc.trim_start_matches(['\r', '\n']);
        untyped.push_str(&format!(
            "---\napiVersion: example.com/v1\nkind: Wrap\nmetadata:\n  name: w{i}\nspec:\n"
        ));
        for line in doc.split('\n') {
            untyped.push_str("  ");
            untyped.push_str(line.trim_end_matches('\r'));
            untyped.push('\n');
        }
    }
    std::fs::write(&file, untyped).unwrap();
    let out = common::kubectl_untyped(kubectl, &file);
    if !out.status.success() {
        return None;
    }
    let mut docs = Vec::new();
    for v in serde_json::Deserializer::from_slice(&out.stdout).into_iter::<Value>() {
        docs.push(v.ok()?);
    }
    Some(docs)
}

/// Keys a fix may remove.
const REMOVABLE: &[&str] = &[
    "status",
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "replicas",
    "progressDeadlineSeconds",
    "strategy",
    "deployment.kubernetes.io/revision",
];

/// Whether a key is a name YAML 1.1 gives a typed key (`true`, `1000`, `511`, ...).
fn typed_name(k: &str) -> bool {
    k == "true" || k == "false" || k.parse::<f64>().is_ok()
}

/// Every difference between `a` (before) and `b` (after) that no fix explains.
fn unexplained(a: &Value, b: &Value, path: &str, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                match y.get(k) {
                    Some(vb) => unexplained(va, vb, &format!("{path}.{k}"), out),
                    None if REMOVABLE.contains(&k.as_str()) || typed_name(k) => {}
                    None => out.push(format!("{path}.{k} removed")),
                }
            }
            for (k, vb) in y {
                if x.contains_key(k) {
                    continue;
                }
                let renamed = TYPED.contains(&k.as_str());
                let added = matches!(k.as_str(), "selector" | "updateStrategy");
                if !(renamed || added) {
                    out.push(format!("{path}.{k} added ({vb})"));
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y).enumerate() {
                unexplained(va, vb, &format!("{path}[{i}]"), out);
            }
        }
        // a quoted scalar: it read as a boolean or number, now as the text written
        (Value::Bool(_) | Value::Number(_), Value::String(s)) if TYPED.contains(&s.as_str()) => {}
        _ if a == b => {}
        _ => out.push(format!("{path}: {a} became {b}")),
    }
}

#[test]
fn fixed_text_parses_is_stable_and_changes_only_what_fixes_say() {
    let kubectl = common::require_kubectl();
    let mut rng = Rng(0x6b75_7265_2d66_6978);
    let cases = 150;
    let (mut compared, mut changed) = (0, 0);
    for n in 0..cases {
        let input = case(&mut rng);
        let once = fix(&input);
        if input.contains("\nsops:\n") || input.contains("\r\nsops:\r\n") {
            assert_eq!(once, input, "case {n}: a SOPS-encrypted file was changed");
        }
        let parsed = kure::yaml::parse(&once, kure::yaml::Limits::default());
        assert!(
            parsed.errors.is_empty(),
            "case {n}: the fixed text does not parse\n--- input\n{input}\n--- fixed\n{once}"
        );
        let twice = fix(&once);
        assert_eq!(
            once, twice,
            "case {n}: a second fix changed the text\n--- input\n{input}"
        );
        if once != input {
            changed += 1;
        }
        // byte order mark and line endings survive
        assert_eq!(
            input.starts_with('\u{feff}'),
            once.starts_with('\u{feff}'),
            "case {n}"
        );
        assert_eq!(input.contains("\r\n"), once.contains("\r\n"), "case {n}");
        assert_eq!(input.ends_with('\n'), once.ends_with('\n'), "case {n}");
        let Some(kubectl) = &kubectl else { continue };
        let (Some(before), Some(after)) = (decode(kubectl, &input), decode(kubectl, &once)) else {
            continue;
        };
        assert_eq!(before.len(), after.len(), "case {n}");
        let mut out = Vec::new();
        for (a, b) in before.iter().zip(&after) {
            unexplained(a, b, "", &mut out);
        }
        assert!(
            out.is_empty(),
            "case {n}: kubectl sees changes no fix explains: {out:#?}\n--- input\n{input}\n--- fixed\n{once}"
        );
        compared += 1;
    }
    println!("{cases} cases, {changed} changed by fixes, {compared} compared with kubectl");
    assert!(changed > cases / 2, "{changed}");
    if kubectl.is_some() {
        assert!(compared > cases / 2, "{compared}");
    }
}
