//! How Kubernetes types a plain scalar: the YAML 1.1 resolver of go-yaml v2, which kubectl,
//! the API machinery and Helm all use (k8s-facts.md 1.3), and kustomize's YAML 1.2 reading
//! (go-yaml v3, k8s-facts.md 1.11), which differs only in which words are booleans.

use std::fmt;

/// What a scalar becomes once a YAML reader has typed it.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolved {
    Str,
    Bool(bool),
    Int(i128),
    Float(f64),
    /// `.inf`, `-.inf`, `.nan`: a float that the JSON conversion then rejects.
    SpecialFloat(&'static str),
    Null,
}

impl Resolved {
    pub fn is_str(&self) -> bool {
        matches!(self, Resolved::Str)
    }

    /// The name Kubernetes gives a non-string map key once it converts YAML to JSON
    /// (k8s-facts.md 1.5); `None` where the conversion fails (null key).
    pub fn key_string(&self) -> Option<String> {
        match self {
            Resolved::Str => None,
            Resolved::Bool(b) => Some(b.to_string()),
            // past int64, go-yaml gives a uint64 key, which the JSON conversion refuses
            Resolved::Int(i) => i64::try_from(*i).is_ok().then(|| i.to_string()),
            Resolved::Float(f) => Some(match format_float32(*f).as_str() {
                // a float64 too large for float32 (`1e39`)
                "+Inf" => ".inf".to_string(),
                "-Inf" => "-.inf".to_string(),
                "NaN" => ".nan".to_string(),
                s => s.to_string(),
            }),
            Resolved::SpecialFloat(s) => Some((*s).to_string()),
            Resolved::Null => None,
        }
    }
}

impl fmt::Display for Resolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Resolved::Str => write!(f, "string"),
            Resolved::Bool(b) => write!(f, "boolean {b}"),
            Resolved::Int(i) => write!(f, "integer {i}"),
            Resolved::Float(x) => write!(f, "float {}", format_float(*x)),
            Resolved::SpecialFloat(s) => write!(f, "float {s}"),
            Resolved::Null => write!(f, "null"),
        }
    }
}

fn format_float(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e21 {
        format!("{}", x as i128)
    } else {
        format!("{x}")
    }
}

/// Go's `strconv.FormatFloat(x, 'g', -1, 32)`, which kubectl uses to name a float map key
/// (k8s-facts.md 1.5): the shortest digits that give back the same float32, in `%e` form
/// (`1e+06`, `1e-07`, `3.5e+38`) when the exponent is below -4 or at least 6 (Go's
/// precision for shortest `%g`), plain decimal otherwise; `-0` keeps its sign.
pub fn format_float32(x: f64) -> String {
    let f = x as f32;
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if f == 0.0 {
        return format!("{sign}0");
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `d[.ddd]eN`
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if !(-4..6).contains(&exp) {
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        let esign = if exp < 0 { '-' } else { '+' };
        return format!("{sign}{first}{dot}{rest}e{esign}{:02}", exp.abs());
    }
    let nd = digits.len() as i32;
    let point = exp + 1;
    let s = if point <= 0 {
        format!("0.{}{digits}", "0".repeat((-point) as usize))
    } else if point >= nd {
        format!("{digits}{}", "0".repeat((point - nd) as usize))
    } else {
        let (a, b) = digits.split_at(point as usize);
        format!("{a}.{b}")
    };
    format!("{sign}{s}")
}

/// Which YAML reader applies to a file (DESIGN.md "Which YAML reader applies a file").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    /// kubectl, the API server, Helm, Argo CD: go-yaml v2, YAML 1.1.
    Kubernetes,
    /// kustomize (and Flux, `kubectl apply -k`): go-yaml v3.
    Kustomize,
}

/// Types a scalar as go-yaml v2 does. `tag` is the explicit tag in `!!x` form, if any;
/// `plain` says whether the scalar was written without quotes or block indicators.
pub fn resolve(value: &str, plain: bool, tag: Option<&str>) -> Resolved {
    if let Some(tag) = tag {
        return match tag {
            "!!str" | "!" | "!!binary" | "!!timestamp" => Resolved::Str,
            "!!bool" => match resolve_plain(value) {
                r @ Resolved::Bool(_) => r,
                _ => Resolved::Bool(false),
            },
            "!!int" | "!!float" => match resolve_plain(value) {
                r @ (Resolved::Int(_) | Resolved::Float(_) | Resolved::SpecialFloat(_)) => r,
                _ => Resolved::Float(f64::NAN),
            },
            "!!null" => Resolved::Null,
            _ => Resolved::Str,
        };
    }
    if !plain {
        return Resolved::Str;
    }
    resolve_plain(value)
}

/// Types a scalar as a reader does.
pub fn resolve_with(reader: Reader, value: &str, plain: bool, tag: Option<&str>) -> Resolved {
    let r = resolve(value, plain, tag);
    match (reader, &r) {
        (Reader::Kustomize, Resolved::Bool(_)) if tag.is_none() => {
            if matches!(
                value,
                "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
            ) {
                r
            } else {
                Resolved::Str
            }
        }
        _ => r,
    }
}

/// go-yaml v2 `resolve` for a plain, untagged scalar.
pub fn resolve_plain(s: &str) -> Resolved {
    let Some(first) = s.bytes().next() else {
        return Resolved::Null;
    };
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return Resolved::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return Resolved::Bool(false);
        }
        "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => return Resolved::SpecialFloat(".nan"),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::SpecialFloat(".inf");
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::SpecialFloat("-.inf"),
        _ => {}
    }
    match first {
        b'.' => match parse_go_float(s) {
            Some(f) => Resolved::Float(f),
            None => Resolved::Str,
        },
        b'0'..=b'9' | b'+' | b'-' => resolve_number(s),
        _ => Resolved::Str,
    }
}

fn resolve_number(s: &str) -> Resolved {
    if looks_like_timestamp(s) {
        // go-yaml keeps timestamps as their text when decoding into interface{}; anything
        // else of this shape fails every number parse below.
        return Resolved::Str;
    }
    let plain: String = s.chars().filter(|&c| c != '_').collect();
    if let Some(i) = parse_go_int(&plain, true)
        && i >= i64::MIN as i128
        && i <= i64::MAX as i128
    {
        return Resolved::Int(i);
    }
    if let Some(u) = parse_go_int(&plain, false)
        && u >= 0
        && u <= u64::MAX as i128
    {
        return Resolved::Int(u);
    }
    if yaml_style_float(&plain)
        && let Some(f) = parse_go_float(&plain)
    {
        return Resolved::Float(f);
    }
    let bin = plain
        .strip_prefix("0b")
        .map(|d| (1i128, d))
        .or_else(|| plain.strip_prefix("-0b").map(|d| (-1i128, d)));
    if let Some((sign, digits)) = bin
        && let Some(v) = parse_digits(digits, 2)
    {
        let v = sign * v;
        if v >= i64::MIN as i128 && v <= i64::MAX as i128 {
            return Resolved::Int(v);
        }
    }
    Resolved::Str
}

fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

/// `strconv.ParseInt(s, 0, 64)` (signed) or `ParseUint(s, 0, 64)` (unsigned), returning the
/// value without a range check beyond 128 bits (callers check the 64-bit range).
fn parse_go_int(s: &str, signed: bool) -> Option<i128> {
    let (neg, body) = match s.as_bytes().first()? {
        b'+' if signed => (false, &s[1..]),
        b'-' if signed => (true, &s[1..]),
        _ => (false, s),
    };
    let lower = body.get(..2).map(str::to_ascii_lowercase);
    let (base, digits) = match lower.as_deref() {
        Some("0x") => (16, &body[2..]),
        Some("0o") => (8, &body[2..]),
        Some("0b") => (2, &body[2..]),
        _ if body.len() > 1 && body.starts_with('0') => (8, &body[1..]),
        _ => (10, body),
    };
    let v = parse_digits(digits, base)?;
    Some(if neg { -v } else { v })
}

fn parse_digits(digits: &str, base: u32) -> Option<i128> {
    if digits.is_empty() {
        return None;
    }
    let mut v: i128 = 0;
    for c in digits.chars() {
        let d = c.to_digit(base)? as i128;
        v = v.checked_mul(base as i128)?.checked_add(d)?;
        if v > u64::MAX as i128 {
            return None;
        }
    }
    Some(v)
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// `strconv.ParseFloat(s, 64)` for decimal syntax: fails on bad syntax and on overflow.
fn parse_go_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let b = body.as_bytes();
    let mut i = 0;
    let mut mantissa = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        mantissa += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            mantissa += 1;
        }
    }
    if mantissa == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    let f: f64 = s.parse().ok()?;
    f.is_finite().then_some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> &'static str {
        match resolve_plain(s) {
            Resolved::Str => "string",
            Resolved::Bool(_) => "bool",
            Resolved::Int(_) | Resolved::Float(_) => "number",
            Resolved::SpecialFloat(_) => "special",
            Resolved::Null => "null",
        }
    }

    // k8s-facts.md 1.3, "Observed with kubectl", row by row.
    #[test]
    fn row_bools() {
        for s in "yes Yes YES y Y n N no on On off true True TRUE false".split(' ') {
            assert_eq!(kind(s), "bool", "{s}");
        }
        for s in ["NO", "ON", "OFF", "Off", "FALSE", "False", "Y", "N", "No"] {
            assert_eq!(kind(s), "bool", "{s}");
        }
    }

    #[test]
    fn row_integers() {
        for s in "1 0 00 +1 -1 +12 -0 0777 0777_7 0o17 0O17 0x1F 0X1f +0x1F -0x1F 0x_1F 0b101 0B101 1_000 1__0 1_ 08 09 20020101".split(' ') {
            assert_eq!(kind(s), "number", "{s}");
        }
    }

    #[test]
    fn row_floats_and_big_numbers() {
        for s in [
            "1.0",
            "1.20",
            "1.",
            "0.",
            "0.0",
            ".5",
            "-.5",
            ".1e3",
            "1e3",
            "1E3",
            "1e+3",
            "9223372036854775808",
            "18446744073709551616",
            "-9223372036854775809",
            "99999999999999999999",
        ] {
            assert_eq!(kind(s), "number", "{s}");
        }
    }

    #[test]
    fn row_special_floats() {
        for s in [".inf", ".Inf", "+.INF", "-.inf", ".nan", ".NaN"] {
            assert_eq!(kind(s), "special", "{s}");
        }
    }

    #[test]
    fn row_nulls() {
        for s in ["~", "null", "Null", "NULL", ""] {
            assert_eq!(kind(s), "null", "{s:?}");
        }
    }

    #[test]
    fn row_strings() {
        for s in "0o8 0b2 _1 1e 1e400 -1e400 1.2.3 v1.2 3.14.15 12:30 1:2 1,000 $1 Infinity nan nULL yEs oN tRUE nO 0x + . ..".split(' ') {
            assert_eq!(kind(s), "string", "{s}");
        }
        for s in ["Yes!", "no-op", "off-peak", "NaN", ".e1", "1.2e", "tRue"] {
            assert_eq!(kind(s), "string", "{s}");
        }
    }

    #[test]
    fn row_timestamps_stay_strings() {
        for s in [
            "2024-01-02",
            "2002-12-14",
            "2024-01-02 10:00:00",
            "2001-12-14t21:59:43.10-05:00",
        ] {
            assert_eq!(kind(s), "string", "{s}");
        }
    }

    #[test]
    fn values() {
        assert_eq!(resolve_plain("0777"), Resolved::Int(511));
        assert_eq!(resolve_plain("0x1F"), Resolved::Int(31));
        assert_eq!(resolve_plain("08"), Resolved::Float(8.0));
        assert_eq!(resolve_plain("1_000"), Resolved::Int(1000));
        assert_eq!(resolve_plain("yes"), Resolved::Bool(true));
        assert_eq!(resolve_plain("off"), Resolved::Bool(false));
        assert_eq!(
            resolve_plain("9223372036854775808"),
            Resolved::Int(9223372036854775808)
        );
        assert_eq!(resolve_plain("1.20").to_string(), "float 1.2");
        assert_eq!(resolve_plain("1.0").to_string(), "float 1");
        assert_eq!(resolve_plain("-0b101"), Resolved::Int(-5));
    }

    #[test]
    fn tags_win() {
        assert_eq!(resolve("0777", true, Some("!!str")), Resolved::Str);
        assert_eq!(resolve("yes", false, Some("!!bool")), Resolved::Bool(true));
        assert_eq!(resolve("12", false, Some("!!int")), Resolved::Int(12));
        assert_eq!(resolve("yes", false, None), Resolved::Str);
    }

    #[test]
    fn kustomize_reads_yes_as_string_but_types_true_and_numbers() {
        let k = Reader::Kustomize;
        assert_eq!(resolve_with(k, "yes", true, None), Resolved::Str);
        assert_eq!(resolve_with(k, "on", true, None), Resolved::Str);
        assert_eq!(resolve_with(k, "y", true, None), Resolved::Str);
        assert_eq!(resolve_with(k, "true", true, None), Resolved::Bool(true));
        assert_eq!(resolve_with(k, "0777", true, None), Resolved::Int(511));
        assert_eq!(resolve_with(k, "1.0", true, None), Resolved::Float(1.0));
    }

    #[test]
    fn map_key_names() {
        assert_eq!(resolve_plain("on").key_string().as_deref(), Some("true"));
        assert_eq!(resolve_plain("0x10").key_string().as_deref(), Some("16"));
        assert_eq!(resolve_plain("1.50").key_string().as_deref(), Some("1.5"));
        assert_eq!(resolve_plain("~").key_string(), None);
    }
}
