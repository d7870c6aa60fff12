//! A baseline: today's findings recorded (`kure lint --write-baseline FILE`), so that a
//! repository adopts kure without editing its files, and a run with `--baseline FILE`
//! reports only the findings not recorded, and the entries nothing matches any more
//! (`unused-baseline-entry`).
//!
//! An entry names the rule, the file (relative to the baseline's directory), the object,
//! and a fingerprint of the finding's node: the rule, the object and the node's text, so it
//! survives lines moving above it. One entry per line, sorted, for reviewable diffs.

use crate::diagnostic::Diagnostic;
use crate::error::Error;
use crate::rules::{Settings, UNUSED_BASELINE_ENTRY};
use crate::source::{LineIndex, Located, Span};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
struct Entry {
    rule: String,
    path: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    object: String,
    fingerprint: String,
}

/// The texts of the files findings are in, read once each (standard input's given).
struct Texts<'a> {
    stdin: Option<(&'a str, &'a str)>,
    read: HashMap<Arc<str>, Option<String>>,
}

impl Texts<'_> {
    fn of(&mut self, path: &Arc<str>) -> Option<&str> {
        if let Some((name, text)) = self.stdin
            && **path == *name
        {
            return Some(text);
        }
        self.read
            .entry(path.clone())
            .or_insert_with(|| crate::load::read_text(Path::new(&**path)).ok())
            .as_deref()
    }
}

/// The entry of a finding, with paths relative to `dir`.
fn entry(d: &Diagnostic, dir: &Path, texts: &mut Texts<'_>) -> Entry {
    let node = texts
        .of(&d.at.path)
        .and_then(|t| t.get(d.at.span.start..d.at.span.end))
        .unwrap_or("");
    let object = d
        .object
        .as_ref()
        .map(|o| {
            let ns = o
                .namespace
                .as_deref()
                .map(|n| format!("{n}/"))
                .unwrap_or_default();
            format!("{} {}{}", o.kind, ns, o.name.as_deref().unwrap_or(""))
        })
        .unwrap_or_default();
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for part in [d.rule, object.as_str(), node] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let digest = h.finalize();
    let fingerprint: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let path = crate::walk::relative(dir, &crate::walk::normalize(Path::new(&*d.at.path)));
    Entry {
        rule: d.rule.to_string(),
        path: path.to_string_lossy().replace('\\', "/"),
        object,
        fingerprint,
    }
}

fn dir_of(file: &Path) -> PathBuf {
    crate::walk::normalize(file)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Writes the baseline of `diagnostics` to `file`: one entry per line, sorted. Returns how
/// many entries it holds.
pub fn write(
    file: &Path,
    diagnostics: &[Diagnostic],
    stdin: Option<(&str, &str)>,
) -> Result<usize, Error> {
    let dir = dir_of(file);
    let mut texts = Texts {
        stdin,
        read: HashMap::new(),
    };
    let mut entries: Vec<Entry> = diagnostics
        .iter()
        .map(|d| entry(d, &dir, &mut texts))
        .collect();
    entries.sort();
    let mut out = String::from("{\"version\": 1, \"findings\": [\n");
    for (i, e) in entries.iter().enumerate() {
        let line = serde_json::to_string(e).map_err(|e| Error::Usage(e.to_string()))?;
        out.push_str(&line);
        out.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
    }
    out.push_str("]}\n");
    let fail = |source| Error::WriteReport {
        path: file.display().to_string(),
        source,
    };
    if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    std::fs::write(file, out).map_err(|source| Error::WriteReport {
        path: file.display().to_string(),
        source,
    })?;
    Ok(entries.len())
}

#[derive(serde::Deserialize)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

/// Drops the findings `file` records, and reports each entry no finding matched
/// (`unused-baseline-entry`, where the baseline holds it). Returns how many findings it
/// held back. A baseline that cannot be read is an error of the run.
pub fn apply(
    file: &Path,
    diagnostics: &mut Vec<Diagnostic>,
    stdin: Option<(&str, &str)>,
    settings: &Settings,
) -> Result<usize, Error> {
    let shown = file.display().to_string();
    let text = std::fs::read_to_string(file)
        .map_err(|e| Error::Usage(format!("--baseline {shown}: {e}")))?;
    let parsed: File = serde_json::from_str(&text).map_err(|e| {
        Error::Usage(format!(
            "--baseline {shown}:{}:{}: not a kure baseline ({e}); write one with `kure lint --write-baseline {shown}`",
            e.line(),
            e.column()
        ))
    })?;
    if parsed.version != 1 {
        return Err(Error::Usage(format!(
            "--baseline {shown}: version {} is not one this kure reads (1)",
            parsed.version
        )));
    }
    let dir = dir_of(file);
    let mut texts = Texts {
        stdin,
        read: HashMap::new(),
    };
    // each entry matches one finding
    let mut left: HashMap<Entry, usize> = HashMap::new();
    for e in &parsed.findings {
        *left.entry(e.clone()).or_default() += 1;
    }
    let before = diagnostics.len();
    diagnostics.retain(|d| {
        let e = entry(d, &dir, &mut texts);
        match left.get_mut(&e) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        }
    });
    let held = before - diagnostics.len();
    if !settings.is_on(UNUSED_BASELINE_ENTRY.id) {
        return Ok(held);
    }
    let path: Arc<str> = Arc::from(shown.as_str());
    let index = LineIndex::new(&text);
    // the entries left, at their lines (each entry on its own line, as kure writes them)
    let mut offset = 0;
    let mut lines: Vec<(Span, Entry)> = Vec::new();
    for line in text.split_inclusive('\n') {
        let body = line.trim().trim_end_matches(',');
        if let Ok(e) = serde_json::from_str::<Entry>(body) {
            let start = offset + (line.len() - line.trim_start().len());
            lines.push((Span::new(start, start + body.len()), e));
        }
        offset += line.len();
    }
    for e in &parsed.findings {
        let Some(n) = left.get_mut(e) else { continue };
        if *n == 0 {
            continue;
        }
        *n -= 1;
        let span = lines
            .iter()
            .find(|(_, l)| l == e)
            .map_or(Span::new(0, 0), |(s, _)| *s);
        let object = if e.object.is_empty() {
            String::new()
        } else {
            format!(" on {}", e.object)
        };
        diagnostics.push(
            settings
                .diag(
                    &UNUSED_BASELINE_ENTRY,
                    Located::new(&path, &index, span),
                    format!(
                        "the baseline's `{}` finding in {}{object} matches no finding",
                        e.rule, e.path
                    ),
                )
                .help(format!(
                    "the finding is gone (fixed, or its node changed): remove the entry, or write the baseline again (`kure lint --write-baseline {shown}`)"
                )),
        );
    }
    Ok(held)
}
