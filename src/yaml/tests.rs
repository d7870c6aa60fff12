use super::*;

fn one(text: &str) -> Document {
    let mut s = parse(text, Limits::default());
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(s.documents.len(), 1);
    s.documents.remove(0)
}

#[test]
fn scalar_spans_are_byte_ranges() {
    let text = "a: héllo\nb: \"x\"\n";
    let d = one(text);
    let root = d.root.unwrap();
    let b = d.get(root, "b").unwrap();
    assert_eq!(&text[d.span(b).start..d.span(b).end], "\"x\"");
    let a = d.get(root, "a").unwrap();
    assert_eq!(&text[d.span(a).start..d.span(a).end], "héllo");
}

#[test]
fn block_map_span_covers_entries() {
    let text = "spec:\n  selector:\n    app: x\n  replicas: 2\nkind: K\n";
    let d = one(text);
    let spec = d.get(d.root.unwrap(), "spec").unwrap();
    let s = d.span(spec);
    assert_eq!(
        &text[s.start..s.end],
        "selector:\n    app: x\n  replicas: 2"
    );
}

#[test]
fn flow_map_span_includes_braces() {
    let text = "sel: {app: x, tier: y}\n";
    let d = one(text);
    let sel = d.get(d.root.unwrap(), "sel").unwrap();
    let s = d.span(sel);
    assert_eq!(&text[s.start..s.end], "{app: x, tier: y}");
}

#[test]
fn crlf_and_bom() {
    let text = "\u{feff}apiVersion: v1\r\nkind: Service\r\n";
    let d = one(text);
    let k = d.get(d.root.unwrap(), "kind").unwrap();
    assert_eq!(d.str(k), Some("Service"));
    assert_eq!(&text[d.span(k).start..d.span(k).end], "Service");
}

#[test]
fn multi_document_stream() {
    let s = parse("a: 1\n---\nb: 2\n---\n", Limits::default());
    assert_eq!(s.documents.len(), 3);
    assert!(s.documents[2].root.is_none() || s.documents[2].is_null(s.documents[2].root.unwrap()));
}

#[test]
fn parse_error_resumes_at_next_document() {
    let text = "a: 1\n---\nbad: [\n---\nok: yes\n";
    let s = parse(text, Limits::default());
    assert_eq!(s.errors.len(), 1);
    assert_eq!(s.errors[0].offset, text.find('[').unwrap());
    assert_eq!(s.documents.len(), 2);
    let last = &s.documents[1];
    assert!(last.get(last.root.unwrap(), "ok").is_some());
}

#[test]
fn deep_nesting_is_an_error() {
    let text = "[".repeat(100_000);
    let s = parse(&text, Limits::default());
    assert!(!s.errors.is_empty());
    let mut block = String::new();
    for i in 0..5000 {
        block.push_str(&" ".repeat(i));
        block.push_str("a:\n");
    }
    let s = parse(&block, Limits::default());
    assert!(!s.errors.is_empty());
}

#[test]
fn billion_laughs_is_an_error() {
    let mut text = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let refs = vec![format!("*{}", w[0]); 9].join(",");
        text.push_str(&format!("{}: &{} [{}]\n", w[1], w[1], refs));
    }
    let s = parse(&text, Limits::default());
    assert_eq!(s.documents.len(), 0);
    assert!(
        s.errors[0].message.contains("excessive aliasing"),
        "{:?}",
        s.errors
    );
}

#[test]
fn merge_keys_apply_in_go_yaml_order() {
    let text = "base: &b {x: 1, q: 2}\nm:\n  q: before\n  <<: *b\n  x: after\n";
    let d = one(text);
    let m = d.get(d.root.unwrap(), "m").unwrap();
    assert_eq!(d.scalar(d.get(m, "x").unwrap()), Some("after"));
    assert_eq!(d.scalar(d.get(m, "q").unwrap()), Some("2"));
}

#[test]
fn aliases_are_followed() {
    let text = "l: &l {app: web}\nm: *l\n";
    let d = one(text);
    let m = d.get(d.root.unwrap(), "m").unwrap();
    assert_eq!(d.scalar(d.get(m, "app").unwrap()), Some("web"));
}

#[test]
fn keys_that_yaml11_renames_are_not_found_by_their_text() {
    let d = one("on: push\n\"on\": x\n");
    assert_eq!(d.scalar(d.get(d.root.unwrap(), "on").unwrap()), Some("x"));
}

#[test]
fn tags_are_kept() {
    let d = one("a: !!str 0777\n");
    let a = d.get(d.root.unwrap(), "a").unwrap();
    assert_eq!(d.str(a), Some("0777"));
}

#[test]
fn merge_with_renamed_keys() {
    let text = "base: &b {x: 1, y: 2}\nm:\n  y: before\n  <<: *b\n  x: after\n";
    let d = one(text);
    let m = d.get(d.root.unwrap(), "m").unwrap();
    assert_eq!(d.scalar(d.get(m, "x").unwrap()), Some("after"));
    assert!(d.get(m, "y").is_none());
}

/// How deep a typed value goes.
fn depth(v: &value::Value) -> usize {
    match v {
        value::Value::Map(m) => 1 + m.values().map(depth).max().unwrap_or(0),
        value::Value::Seq(s) => 1 + s.iter().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Aliases can nest mappings far deeper than the parser's limit (here 14 levels of 150
/// nested mappings, each holding the last): the typed tree stops at its bound on mappings
/// as it does on sequences, and so does the diff of two such trees.
#[test]
fn typed_values_are_depth_bounded_through_mappings() {
    let mut text = String::new();
    for k in 0..14 {
        let inner = if k == 0 {
            "1".to_string()
        } else {
            format!("*l{}", k - 1)
        };
        text.push_str(&format!(
            "l{k}: &l{k} {}{inner}{}\n",
            "{a: ".repeat(150),
            "}".repeat(150)
        ));
    }
    let d = one(&text);
    let v = value::value(&d, d.root.unwrap(), resolve::Reader::Kubernetes);
    let deepest = depth(&v);
    assert!((2000..=2050).contains(&deepest), "{deepest}");
    let mut w = v.clone();
    if let value::Value::Map(m) = &mut w {
        m.insert("extra".to_string(), value::Value::Null);
    }
    let mut diffs = Vec::new();
    value::diff(&v, &w, &mut Vec::new(), &mut diffs);
    assert_eq!(diffs, vec![vec!["extra".to_string()]]);
}
