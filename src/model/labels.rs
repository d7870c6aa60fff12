//! Label and annotation syntax, with the API server's own messages (k8s-facts.md 2.1–2.4).

const QUALIFIED_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
pub const ANNOTATIONS_MAX_BYTES: usize = 256 * 1024;

fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    let ex: Vec<String> = examples.iter().map(|e| format!("'{e}'")).collect();
    format!(
        "{msg} (e.g. {}, regex used for validation is '{fmt}')",
        ex.join(",  or ")
    )
}

fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
fn is_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && alnum(b[0])
        && alnum(b[b.len() - 1])
        && b.iter()
            .all(|&c| alnum(c) || matches!(c, b'-' | b'_' | b'.'))
}

/// `IsDNS1123Label`'s characters: lowercase alphanumerics and `-`, alphanumeric at both ends
/// (the length is the caller's).
pub fn is_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    let lower_alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty()
        && lower_alnum(b[0])
        && lower_alnum(b[b.len() - 1])
        && b.iter().all(|&c| lower_alnum(c) || c == b'-')
}

/// Errors of `IsDNS1123Subdomain`.
pub fn dns1123_subdomain_errors(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 253 {
        errs.push("must be no more than 253 bytes".to_string());
    }
    if !s.split('.').all(is_dns1123_label) {
        errs.push(regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// Errors of `IsQualifiedName` / `IsLabelKey`: empty when the key is valid.
pub fn label_key_errors(key: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = key.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                errs.extend(
                    dns1123_subdomain_errors(prefix)
                        .into_iter()
                        .map(|m| format!("prefix part {m}")),
                );
            }
            *name
        }
        _ => {
            errs.push(format!(
                "{} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(
                    "a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
                    QUALIFIED_FMT,
                    &["MyName", "my.name", "123-abc"],
                )
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        errs.push("name part must be no more than 63 bytes".to_string());
    }
    if !is_qualified_name_part(name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
                QUALIFIED_FMT,
                &["MyName", "my.name", "123-abc"],
            )
        ));
    }
    errs
}

/// Errors of `IsValidLabelValue`: empty when the value is valid.
pub fn label_value_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > 63 {
        errs.push("must be no more than 63 bytes".to_string());
    }
    if !value.is_empty() && !is_qualified_name_part(value) {
        errs.push(regex_error(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// Annotation keys: label-key rules applied to the lowercased key.
pub fn annotation_key_errors(key: &str) -> Vec<String> {
    label_key_errors(&key.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_keys() {
        for k in [
            "app",
            "app.kubernetes.io/name",
            "MyName",
            "my.name",
            "123-abc",
            "a",
            "example.com/MyName",
        ] {
            assert!(label_key_errors(k).is_empty(), "{k}");
        }
        let longest = format!("{}/{}", "a".repeat(253), "b".repeat(63));
        assert_eq!(longest.len(), 317);
        assert!(label_key_errors(&longest).is_empty());
    }

    #[test]
    fn invalid_keys() {
        assert_eq!(
            label_key_errors("/x"),
            vec!["prefix part must be non-empty"]
        );
        assert_eq!(
            label_key_errors("x/"),
            vec![
                "name part must be non-empty".to_string(),
                label_key_errors("x/")[1].clone()
            ]
        );
        assert!(label_key_errors("a/b/c")[0].starts_with("a valid label key must consist"));
        assert!(
            label_key_errors("Example.com/x")[0]
                .starts_with("prefix part a lowercase RFC 1123 subdomain")
        );
        assert!(label_key_errors(&"a".repeat(64))[0].contains("no more than 63 bytes"));
        assert!(label_key_errors("bad key!")[0].starts_with("name part must consist"));
        assert!(label_key_errors("-app").len() == 1);
    }

    #[test]
    fn values() {
        assert!(label_value_errors("").is_empty());
        assert!(label_value_errors("v1.2_x-y").is_empty());
        assert_eq!(
            label_value_errors(&"a".repeat(64)),
            vec!["must be no more than 63 bytes"]
        );
        let m = &label_value_errors("bad value")[0];
        assert_eq!(
            m,
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        );
        assert!(!label_value_errors("-x").is_empty());
        assert!(!label_value_errors("x.").is_empty());
        assert!(!label_value_errors("héllo").is_empty());
    }

    #[test]
    fn annotation_keys_are_lowercased_first() {
        assert!(annotation_key_errors("Example.COM/Key").is_empty());
        assert!(!label_key_errors("Example.COM/Key").is_empty());
    }
}
