//! kure's YAML 1.1 typing against offline kubectl, the reference (k8s-facts.md 1.3).
//! Needs `$PEERS/bin/kubectl` (../shared/tools/install-peers.sh); skipped with a message
//! when it is absent.

use kure::yaml::resolve::{Resolved, resolve_plain};

mod common;

const VALUES: &[&str] = &[
    "yes",
    "Yes",
    "YES",
    "y",
    "Y",
    "n",
    "N",
    "no",
    "on",
    "On",
    "off",
    "OFF",
    "true",
    "True",
    "TRUE",
    "false",
    "1",
    "0",
    "00",
    "+1",
    "-1",
    "-0",
    "0777",
    "0777_7",
    "0o17",
    "0O17",
    "0x1F",
    "0X1f",
    "+0x1F",
    "-0x1F",
    "0x_1F",
    "0b101",
    "0B101",
    "1_000",
    "1__0",
    "1_",
    "08",
    "09",
    "20020101",
    "1.0",
    "1.20",
    "1.",
    "0.",
    ".5",
    "-.5",
    ".1e3",
    "1e3",
    "1E3",
    "1e+3",
    "9223372036854775808",
    "18446744073709551616",
    "-9223372036854775809",
    "~",
    "null",
    "Null",
    "NULL",
    "0o8",
    "0b2",
    "_1",
    "1e",
    "1e400",
    "1.2.3",
    "v1.2",
    "12:30",
    "1:2",
    "1,000",
    "$1",
    "Infinity",
    "nan",
    "nULL",
    "yEs",
    "oN",
    "tRUE",
    "nO",
    "0x",
    "+",
    ".",
    "..",
    "2024-01-02",
    "2024-01-02 10:00:00",
    "no-op",
    "off-peak",
    "Yes!",
    ".e1",
];

/// A custom object whose `spec` is `spec` (lines indented by two), and kubectl's untyped
/// JSON of it.
fn thing(kubectl: &std::path::Path, spec: &str) -> (String, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let text =
        format!("apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: t\nspec:\n{spec}");
    let file = dir.path().join("thing.yaml");
    std::fs::write(&file, &text).unwrap();
    let out = common::kubectl_untyped(kubectl, &file);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (text, serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
#[cfg_attr(
    kure_no_peers,
    ignore = "the peer tools are absent (run ../shared/tools/install-peers.sh)"
)]
fn resolution_agrees_with_kubectl() {
    let Some(kubectl) = common::require_kubectl() else {
        return;
    };
    let spec: String = VALUES
        .iter()
        .enumerate()
        .map(|(i, v)| format!("  v{i}: {v}\n"))
        .collect();
    let (_, json) = thing(&kubectl, &spec);
    let mut wrong = Vec::new();
    for (i, v) in VALUES.iter().enumerate() {
        let got = &json["spec"][format!("v{i}")];
        let kubectl_kind = match got {
            serde_json::Value::String(_) => "string",
            serde_json::Value::Bool(_) => "bool",
            serde_json::Value::Number(_) => "number",
            serde_json::Value::Null => "null",
            _ => "other",
        };
        let ours = match resolve_plain(v) {
            Resolved::Str => "string",
            Resolved::Bool(_) => "bool",
            Resolved::Int(_) | Resolved::Float(_) | Resolved::SpecialFloat(_) => "number",
            Resolved::Null => "null",
        };
        if ours != kubectl_kind {
            wrong.push(format!(
                "{v:?}: kure {ours}, kubectl {kubectl_kind} ({got})"
            ));
        }
        if let (Resolved::Bool(b), serde_json::Value::Bool(k)) = (resolve_plain(v), got) {
            assert_eq!(b, *k, "{v}");
        }
        // kubectl prints integers past int64 as float64, so compare values within int64
        if let (Resolved::Int(n), serde_json::Value::Number(k)) = (resolve_plain(v), got)
            && i64::try_from(n).is_ok()
        {
            assert_eq!(n.to_string(), k.to_string(), "{v}");
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Float spellings whose key names depend on Go's `%g` at float32 precision (k8s-facts.md 1.5).
const FLOAT_KEYS: &[&str] = &[
    "1e6",
    "1e15",
    "1e-7",
    "-0.0",
    "3.5e38",
    "1e39",
    "0.0001",
    "0.00001",
    "123456789.0",
    "100000.0",
    "1000000.0",
    ".5e-4",
    "3.14159265358979",
    "16777217.0",
    "1.5e5",
    "-2.5e-5",
];

/// Every spelling above, written as a map key: kure names it exactly as kubectl does once
/// the document is JSON (a duplicate-key finding or a fix is only right if the names are).
#[test]
#[cfg_attr(
    kure_no_peers,
    ignore = "the peer tools are absent (run ../shared/tools/install-peers.sh)"
)]
fn key_names_agree_with_kubectl() {
    use kure::yaml::{self, resolve::Reader, value};
    let Some(kubectl) = common::require_kubectl() else {
        return;
    };
    let keys: Vec<&str> = VALUES
        .iter()
        .chain(FLOAT_KEYS)
        .copied()
        // a null key, or an integer past int64 (a uint64 key), is an error for kubectl
        // (and has no name for kure): not a name
        .filter(|k| match resolve_plain(k) {
            Resolved::Null => false,
            Resolved::Int(i) => i64::try_from(i).is_ok(),
            _ => true,
        })
        .collect();
    let spec: String = keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("  k{i}:\n    {k}: x\n"))
        .collect();
    let (text, json) = thing(&kubectl, &spec);
    let stream = yaml::parse(&text, yaml::Limits::default());
    let doc = &stream.documents[0];
    let spec = doc.path(doc.root.unwrap(), &["spec"]).unwrap();
    let mut wrong = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let theirs: Vec<&String> = json["spec"][format!("k{i}")]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        let inner = doc.get(spec, &format!("k{i}")).unwrap();
        let key = doc.raw_entries(inner)[0].0;
        let ours = value::key_name(doc, key, Reader::Kubernetes);
        if theirs != [&ours] {
            wrong.push(format!("{k:?}: kure {ours:?}, kubectl {theirs:?}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
