//! Label selectors with the API server's exact semantics (k8s-facts.md 3.1–3.3).

use crate::yaml::{Document, NodeId};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    In,
    NotIn,
    Exists,
    DoesNotExist,
    /// An operator the API server rejects; it matches nothing.
    Invalid(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    pub key: String,
    pub op: Op,
    pub values: Vec<String>,
}

/// A selector: the ANDed requirements. A selector with no requirements matches everything;
/// a nil selector is represented by `Option::None` where it occurs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    pub requirements: Vec<Requirement>,
}

/// The value a pod label has. Controllers add labels whose value kure cannot know offline
/// (hashes), or knows only as one of a few (`statefulset.kubernetes.io/pod-name`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PodLabel {
    Exact(String),
    Any,
    OneOf(Vec<String>),
}

impl PodLabel {
    fn could_be(&self, wanted: &[String]) -> bool {
        match self {
            PodLabel::Exact(v) => wanted.iter().any(|w| w == v),
            PodLabel::Any => true,
            PodLabel::OneOf(vs) => vs.iter().any(|v| wanted.contains(v)),
        }
    }
    fn could_be_other_than(&self, unwanted: &[String]) -> bool {
        match self {
            PodLabel::Exact(v) => !unwanted.contains(v),
            PodLabel::Any => true,
            PodLabel::OneOf(vs) => vs.iter().any(|v| !unwanted.contains(v)),
        }
    }
}

/// The labels of a pod template: `(key, value)` pairs, keys unique.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodLabels(pub Vec<(String, PodLabel)>);

impl PodLabels {
    pub fn get(&self, key: &str) -> Option<&PodLabel> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    /// Sets a label (replacing an existing one).
    pub fn set(&mut self, key: &str, value: PodLabel) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.0.push((key.to_string(), value)),
        }
    }
    /// Adds a label only when the key is not already set.
    pub fn add_missing(&mut self, key: &str, value: PodLabel) {
        if self.get(key).is_none() {
            self.0.push((key.to_string(), value));
        }
    }
    /// Adds a value some of the pods carry (pod groups that differ in labels, such as an Argo
    /// Rollout's canary and stable pods): the label may then have either value.
    pub fn add_alternative(&mut self, key: &str, value: &str) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            None => self
                .0
                .push((key.to_string(), PodLabel::Exact(value.to_string()))),
            Some((_, PodLabel::Any)) => {}
            Some((_, PodLabel::OneOf(vs))) => {
                if !vs.iter().any(|v| v == value) {
                    vs.push(value.to_string());
                }
            }
            Some((_, slot @ PodLabel::Exact(_))) => {
                if let PodLabel::Exact(v) = slot
                    && v != value
                {
                    *slot = PodLabel::OneOf(vec![v.clone(), value.to_string()]);
                }
            }
        }
    }

    /// Labels known exactly, from `(key, value)` pairs (a map as written: a template's or a
    /// Service's labels).
    pub fn exact<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> PodLabels {
        PodLabels(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), PodLabel::Exact(v.into())))
                .collect(),
        )
    }
}

impl Requirement {
    pub fn eq(key: &str, value: &str) -> Requirement {
        Requirement {
            key: key.to_string(),
            op: Op::In,
            values: vec![value.to_string()],
        }
    }

    /// Whether a pod with these labels could satisfy the requirement.
    pub fn matches(&self, labels: &PodLabels) -> bool {
        let have = labels.get(&self.key);
        match (&self.op, have) {
            (Op::In, Some(v)) => v.could_be(&self.values),
            (Op::In, None) => false,
            (Op::NotIn, Some(v)) => v.could_be_other_than(&self.values),
            (Op::NotIn, None) => true,
            (Op::Exists, h) => h.is_some(),
            (Op::DoesNotExist, h) => h.is_none(),
            (Op::Invalid(_), _) => false,
        }
    }
}

impl Selector {
    pub fn matches(&self, labels: &PodLabels) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }

    /// Whether two selectors have the same requirements, whatever their order.
    pub fn same_as(&self, other: &Selector) -> bool {
        let text = |s: &Selector| {
            let mut r: Vec<String> = s.requirements.iter().map(|r| r.to_string()).collect();
            r.sort();
            r
        };
        text(self) == text(other)
    }

    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// A selector in kubectl's `-l` syntax: requirements joined by commas, each `key`,
    /// `!key`, `key=value`, `key==value`, `key!=value`, `key in (a,b)` or
    /// `key notin (a,b)`.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let mut terms = Vec::new();
        let (mut depth, mut start) = (0usize, 0);
        for (i, c) in text.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                ',' if depth == 0 => {
                    terms.push(&text[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        terms.push(&text[start..]);
        let bad = |t: &str| format!("unable to parse requirement: `{t}` in selector `{text}`");
        let mut requirements = Vec::new();
        for term in terms.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
            let set = |op: Op, key: &str, list: &str| -> Result<Requirement, String> {
                let list = list.trim();
                let inner = list
                    .strip_prefix('(')
                    .and_then(|l| l.strip_suffix(')'))
                    .ok_or_else(|| bad(term))?;
                Ok(Requirement {
                    key: key.trim().to_string(),
                    op,
                    values: inner
                        .split(',')
                        .map(|v| v.trim().to_string())
                        .filter(|v| !v.is_empty())
                        .collect(),
                })
            };
            let r = if let Some(key) = term.strip_prefix('!') {
                Requirement {
                    key: key.trim().to_string(),
                    op: Op::DoesNotExist,
                    values: Vec::new(),
                }
            } else if let Some((k, l)) = term.split_once(" notin ") {
                set(Op::NotIn, k, l)?
            } else if let Some((k, l)) = term.split_once(" in ") {
                set(Op::In, k, l)?
            } else if let Some((k, v)) = term.split_once("!=") {
                Requirement {
                    key: k.trim().to_string(),
                    op: Op::NotIn,
                    values: vec![v.trim().to_string()],
                }
            } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
                Requirement::eq(k.trim(), v.trim())
            } else {
                Requirement {
                    key: term.to_string(),
                    op: Op::Exists,
                    values: Vec::new(),
                }
            };
            if r.key.is_empty() || r.key.contains([' ', '(', ')', '=', '!']) {
                return Err(bad(term));
            }
            requirements.push(r);
        }
        Ok(Selector { requirements })
    }

    /// A map selector from the pairs as `string_pairs` reads them.
    pub fn of_map(pairs: &[(String, String)]) -> Selector {
        Selector::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// A map selector (Service, ReplicationController): equality on every pair.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Selector {
        Selector {
            requirements: pairs
                .into_iter()
                .map(|(k, v)| Requirement::eq(k, v))
                .collect(),
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.op {
            Op::In if self.values.len() == 1 => write!(f, "{}={}", self.key, self.values[0]),
            Op::In => write!(f, "{} in ({})", self.key, self.values.join(",")),
            Op::NotIn => write!(f, "{} notin ({})", self.key, self.values.join(",")),
            Op::Exists => write!(f, "{}", self.key),
            Op::DoesNotExist => write!(f, "!{}", self.key),
            Op::Invalid(op) => write!(f, "{} {op} ({})", self.key, self.values.join(",")),
        }
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.requirements.iter().map(|r| r.to_string()).collect();
        write!(f, "{}", parts.join(","))
    }
}

/// The text a label key or value is compared by: a string's value, and for a scalar that
/// Kubernetes would not read as a string, its source text (that mistake is reported once,
/// by `non-string-value`).
pub fn label_text(doc: &Document, node: NodeId) -> Option<String> {
    doc.scalar(node).map(str::to_string)
}

/// The pairs of a string map (labels, a map selector), in document order, merge keys applied.
pub fn string_pairs(doc: &Document, map: NodeId) -> Vec<(String, String)> {
    doc.entries(map)
        .into_iter()
        .filter_map(|e| Some((label_text(doc, e.key)?, label_text(doc, e.value)?)))
        .collect()
}

/// Reads a `metav1.LabelSelector` (`matchLabels` + `matchExpressions`).
pub fn label_selector(doc: &Document, node: NodeId) -> Selector {
    let mut requirements = Vec::new();
    if let Some(ml) = doc.get(node, "matchLabels") {
        for (k, v) in string_pairs(doc, ml) {
            requirements.push(Requirement::eq(&k, &v));
        }
    }
    if let Some(me) = doc.get(node, "matchExpressions") {
        for &expr in doc.items(me) {
            let Some(key) = doc.get(expr, "key").and_then(|k| label_text(doc, k)) else {
                continue;
            };
            let op_text = doc
                .get(expr, "operator")
                .and_then(|o| doc.scalar(o))
                .unwrap_or("");
            let op = match op_text {
                "In" => Op::In,
                "NotIn" => Op::NotIn,
                "Exists" => Op::Exists,
                "DoesNotExist" => Op::DoesNotExist,
                other => Op::Invalid(other.to_string()),
            };
            let values = doc
                .get(expr, "values")
                .map(|v| {
                    doc.items(v)
                        .iter()
                        .filter_map(|&i| label_text(doc, i))
                        .collect()
                })
                .unwrap_or_default();
            requirements.push(Requirement { key, op, values });
        }
    }
    // kept in the cross-file facts: no spare capacity
    requirements.shrink_to_fit();
    Selector { requirements }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> PodLabels {
        PodLabels::exact([("app", "web"), ("tier", "front")])
    }

    fn req(key: &str, op: Op, values: &[&str]) -> Requirement {
        Requirement {
            key: key.into(),
            op,
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn empty_selector_matches_everything() {
        assert!(Selector::default().matches(&labels()));
        assert!(Selector::default().matches(&PodLabels::default()));
    }

    #[test]
    fn equality_and_in() {
        let s = Selector::from_pairs([("app", "web")]);
        assert!(s.matches(&labels()));
        assert!(!Selector::from_pairs([("app", "db")]).matches(&labels()));
        assert!(!Selector::from_pairs([("app", "web"), ("x", "y")]).matches(&labels()));
        let s = Selector {
            requirements: vec![req("app", Op::In, &["db", "web"])],
        };
        assert!(s.matches(&labels()));
        let s = Selector {
            requirements: vec![req("missing", Op::In, &["a"])],
        };
        assert!(!s.matches(&labels()));
    }

    #[test]
    fn not_in_matches_absent_keys() {
        let s = Selector {
            requirements: vec![req("app", Op::NotIn, &["web"])],
        };
        assert!(!s.matches(&labels()));
        let s = Selector {
            requirements: vec![req("env", Op::NotIn, &["prod"])],
        };
        assert!(s.matches(&labels()));
        let s = Selector {
            requirements: vec![req("app", Op::NotIn, &["db"])],
        };
        assert!(s.matches(&labels()));
    }

    #[test]
    fn exists_and_does_not_exist() {
        let s = Selector {
            requirements: vec![req("tier", Op::Exists, &[])],
        };
        assert!(s.matches(&labels()));
        let s = Selector {
            requirements: vec![req("env", Op::Exists, &[])],
        };
        assert!(!s.matches(&labels()));
        let s = Selector {
            requirements: vec![req("env", Op::DoesNotExist, &[])],
        };
        assert!(s.matches(&labels()));
        let s = Selector {
            requirements: vec![req("app", Op::DoesNotExist, &[])],
        };
        assert!(!s.matches(&labels()));
    }

    #[test]
    fn invalid_operator_matches_nothing() {
        let s = Selector {
            requirements: vec![req("app", Op::Invalid("Equals".into()), &["web"])],
        };
        assert!(!s.matches(&labels()));
    }

    #[test]
    fn controller_labels() {
        let mut l = labels();
        l.set("pod-template-hash", PodLabel::Any);
        l.set(
            "statefulset.kubernetes.io/pod-name",
            PodLabel::OneOf(vec!["web-0".into(), "web-1".into()]),
        );
        assert!(Selector::from_pairs([("pod-template-hash", "abc123")]).matches(&l));
        assert!(
            Selector::from_pairs([("statefulset.kubernetes.io/pod-name", "web-1")]).matches(&l)
        );
        assert!(
            !Selector::from_pairs([("statefulset.kubernetes.io/pod-name", "web-2")]).matches(&l)
        );
    }

    #[test]
    fn reads_label_selector_from_yaml() {
        let text = "sel:\n  matchLabels: {app: web}\n  matchExpressions:\n  - {key: tier, operator: In, values: [front, back]}\n  - {key: env, operator: DoesNotExist}\n";
        let s = crate::yaml::parse(text, Default::default());
        let d = &s.documents[0];
        let sel = label_selector(d, d.get(d.root.unwrap(), "sel").unwrap());
        assert_eq!(sel.to_string(), "app=web,tier in (front,back),!env");
        assert!(sel.matches(&labels()));
    }

    #[test]
    fn non_string_values_compare_by_source_text() {
        let text = "sel: {matchLabels: {active: yes}}\n";
        let s = crate::yaml::parse(text, Default::default());
        let d = &s.documents[0];
        let sel = label_selector(d, d.get(d.root.unwrap(), "sel").unwrap());
        assert!(sel.matches(&PodLabels::exact([("active", "yes")])));
        assert!(!sel.matches(&PodLabels::exact([("active", "true")])));
    }
}
