//! Flux's post-build substitution (`postBuild.substitute` and `substituteFrom` of a
//! `kustomize.toolkit.fluxcd.io` Kustomization), as its envsubst reads a value: `${var}`,
//! `${var:=default}`, `${var:-default}`, `${var=default}`, `${var-default}`, `$${` for a
//! literal `${`. The functions of bash's parameter expansion that Flux also takes
//! (`${var^^}`, `${var:1:2}`, `${var/a/b}`, ...) give a value kure does not know.

use std::collections::BTreeMap;

/// What a run knows of a variable where a file is applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Var {
    /// Set to this value (inline in `postBuild.substitute`).
    Value(String),
    /// Certainly not set: its default applies, or the empty string.
    Unset,
    /// May be set (by a `substituteFrom` kure cannot read, or differently by the several
    /// Kustomizations that apply the file): its default is judged when it has one.
    Unknown,
}

/// The variables of the place a file is applied, and what an unlisted one is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vars {
    pub known: BTreeMap<String, Var>,
    pub other: Var,
}

impl Default for Vars {
    /// Nothing known of where the file is applied: every variable may be set.
    fn default() -> Vars {
        Vars {
            known: BTreeMap::new(),
            other: Var::Unknown,
        }
    }
}

impl Vars {
    pub fn get(&self, name: &str) -> &Var {
        self.known.get(name).unwrap_or(&self.other)
    }

    /// What holds wherever any of these apply a file: a variable is known only where all
    /// agree.
    pub fn meet(all: &[&Vars]) -> Vars {
        let Some((first, rest)) = all.split_first() else {
            return Vars::default();
        };
        let mut names: Vec<&String> = all.iter().flat_map(|v| v.known.keys()).collect();
        names.sort();
        names.dedup();
        let agree = |f: &dyn Fn(&Vars) -> Var| {
            let a = f(first);
            if rest.iter().all(|v| f(v) == a) {
                a
            } else {
                Var::Unknown
            }
        };
        Vars {
            known: names
                .into_iter()
                .map(|n| (n.clone(), agree(&|v: &Vars| v.get(n).clone())))
                .collect(),
            other: agree(&|v: &Vars| v.other.clone()),
        }
    }
}

/// `text` with its placeholders substituted, or `None` when one of them has a value kure
/// does not know.
pub fn expand(text: &str, vars: &Vars) -> Option<String> {
    expand_depth(text, vars, 0)
}

fn expand_depth(text: &str, vars: &Vars, depth: usize) -> Option<String> {
    if depth > 8 {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix("${") {
            // `$${` is a literal `${`
            out.push_str("${");
            rest = tail;
            continue;
        }
        let Some(body_start) = after.strip_prefix('{') else {
            out.push('$');
            rest = after;
            continue;
        };
        let Some(end) = closing(body_start) else {
            // an unclosed `${`: envsubst fails on it, so the value is not known
            return None;
        };
        out.push_str(&one(&body_start[..end], vars, depth)?);
        rest = &body_start[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The index of the `}` that closes a `${`, nested `${…}` counted.
fn closing(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'$' if b.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

/// One `${…}`'s value from its body.
fn one(body: &str, vars: &Vars, depth: usize) -> Option<String> {
    let name_len = body
        .char_indices()
        .find(|&(_, c)| !(c.is_alphanumeric() || c == '_'))
        .map_or(body.len(), |(i, _)| i);
    let (name, op) = body.split_at(name_len);
    if name.is_empty() {
        return None;
    }
    let var = vars.get(name);
    if op.is_empty() {
        return match var {
            Var::Value(v) => Some(v.clone()),
            Var::Unset => Some(String::new()),
            Var::Unknown => None,
        };
    }
    for (prefix, on_empty) in [(":=", true), (":-", true), ("=", false), ("-", false)] {
        if let Some(default) = op.strip_prefix(prefix) {
            return match var {
                Var::Value(v) if !(on_empty && v.is_empty()) => Some(v.clone()),
                _ => expand_depth(default, vars, depth + 1),
            };
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        Vars {
            known: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Var::Value(v.to_string())))
                .collect(),
            other: Var::Unset,
        }
    }

    #[test]
    fn forms() {
        let v = vars(&[("APP", "web"), ("EMPTY", "")]);
        assert_eq!(expand("${APP}-data", &v).as_deref(), Some("web-data"));
        assert_eq!(expand("${X:=5Gi}", &v).as_deref(), Some("5Gi"));
        assert_eq!(expand("${EMPTY:-a}", &v).as_deref(), Some("a"));
        assert_eq!(expand("${EMPTY-a}", &v).as_deref(), Some(""));
        assert_eq!(expand("${EMPTY=a}", &v).as_deref(), Some(""));
        assert_eq!(expand("${X}", &v).as_deref(), Some(""));
        assert_eq!(
            expand("$${APP} $APP $(X)", &v).as_deref(),
            Some("${APP} $APP $(X)")
        );
        assert_eq!(expand("${X:=${APP}-x}", &v).as_deref(), Some("web-x"));
        assert_eq!(expand("${APP^^}", &v), None);
        assert_eq!(expand("${APP", &v), None);
        let unknown = Vars::default();
        assert_eq!(expand("${APP}", &unknown), None);
        assert_eq!(
            expand("${A:=ReadWriteOnce}", &unknown).as_deref(),
            Some("ReadWriteOnce")
        );
    }

    #[test]
    fn meet() {
        let a = vars(&[("APP", "web"), ("NS", "x")]);
        let b = vars(&[("APP", "api"), ("NS", "x")]);
        let m = Vars::meet(&[&a, &b]);
        assert_eq!(m.get("APP"), &Var::Unknown);
        assert_eq!(m.get("NS"), &Var::Value("x".into()));
        assert_eq!(m.get("OTHER"), &Var::Unset);
    }
}

/// How the placeholders of a file are read, from what applies it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Substitution {
    /// Nothing known of what applies it: a placeholder may be filled in by whatever does
    /// (`Vars::default()`: its default is judged, a bare `${VAR}` is not).
    #[default]
    Unknown,
    /// Only Flux Kustomizations without `postBuild` apply it: a `${VAR}` stays as written.
    Literal,
    /// Flux Kustomizations with `postBuild` apply it, with these variables.
    Vars(std::sync::Arc<Vars>),
}

impl Substitution {
    /// The variables a placeholder is read with; `None` when nothing is substituted.
    pub fn vars(&self) -> Option<&Vars> {
        static UNKNOWN: std::sync::OnceLock<Vars> = std::sync::OnceLock::new();
        match self {
            Substitution::Unknown => Some(UNKNOWN.get_or_init(Vars::default)),
            Substitution::Literal => None,
            Substitution::Vars(v) => Some(v),
        }
    }
}
