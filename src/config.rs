//! `.kure.yaml`: a repository's settings. Each file linted is governed by the nearest one
//! above it, up to the repository root (the directory holding `.git`); the nearest wins
//! whole, unless it says `extend: PATH` (ruff's `extend`): then it is laid over the config
//! it names (`Config::over`). `--config FILE` names one for every file instead; `--isolated`
//! reads none. Command-line flags override what it says.
//!
//! Read with serde-saphyr, unknown keys refused: a mistake is a usage error naming the
//! file, line and column, with a did-you-mean for keys and rule ids.

use crate::diagnostic::Severity;
use crate::error::Error;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = ".kure.yaml";

/// A rule's level in a config: off, or a severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Info,
    Warning,
    Error,
}

impl Level {
    /// The level as a config writes it.
    pub fn name(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }

    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Info => Some(Severity::Info),
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Raw {
    #[serde(default)]
    rules: BTreeMap<String, Level>,
    select: Option<Vec<String>>,
    ignore: Option<Vec<String>>,
    #[serde(default)]
    exclude: Vec<String>,
    fail_on: Option<Level>,
    kubernetes_version: Option<String>,
    #[serde(default)]
    overrides: Vec<RawOverride>,
    #[serde(default)]
    workloads: Vec<RawWorkload>,
    #[serde(default)]
    string_fields: Vec<RawStringField>,
    #[serde(default)]
    schemas: Vec<PathBuf>,
    /// `false` turns the embedded CRD catalog off.
    catalog: Option<bool>,
    schema_catalog: Option<PathBuf>,
    #[serde(default)]
    strict_references: bool,
    /// The size in MiB over which a file is reported, not parsed.
    max_file_size: Option<usize>,
    /// A baseline of findings not reported (`kure lint --write-baseline`).
    baseline: Option<PathBuf>,
    /// A config this one builds on (`extend: ../.kure.yaml`): its settings, but for those
    /// this one sets.
    extend: Option<PathBuf>,
}

/// A custom resource that makes pods: one more row of the workload table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawWorkload {
    /// `group/version` or the group alone; the core group is `v1` or `""`.
    api_version: String,
    kind: String,
    /// Dotted path to the pod template (default `spec.template`).
    template: Option<String>,
    /// How it selects its pods: `label` (a label selector at `spec.selector`, the
    /// default), `map` (a plain map there) or `none`.
    selector: Option<RawSelector>,
    /// Labels its controller adds to every pod: `key` (any value) or `key=value`, where
    /// `{name}` in the value is the object's name, `*` any value, `a|b` one of those.
    #[serde(default)]
    pod_labels: Vec<String>,
}

#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RawSelector {
    Label,
    Map,
    None,
}

/// Fields of a kind that must hold strings, for `non-string-value`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawStringField {
    kind: String,
    api_version: Option<String>,
    paths: Vec<String>,
}

/// Fields of a kind that must hold strings (`string-fields:`): `non-string-value` checks
/// them as it checks labels. A path is dotted; `name[]` steps into each item of a list,
/// `*` into each value of a map.
#[derive(Clone, Debug)]
pub struct StringFields {
    pub group: Option<String>,
    pub kind: String,
    pub paths: Vec<(String, Vec<String>)>,
}

/// The group of an `apiVersion` (`apps/v1` → `apps`, `v1` → the core group `""`).
fn group_of(api_version: &str) -> &str {
    match api_version.split_once('/') {
        Some((g, _)) => g,
        None if api_version.starts_with('v')
            && api_version[1..].starts_with(|c: char| c.is_ascii_digit()) =>
        {
            ""
        }
        None => api_version,
    }
}

/// A dotted path as steps: `spec.env[].value` → `spec`, `env`, `[]`, `value`.
fn steps(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        match part.strip_suffix("[]") {
            Some(name) => {
                if !name.is_empty() {
                    out.push(name.to_string());
                }
                out.push("[]".to_string());
            }
            None => out.push(part.to_string()),
        }
    }
    out
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawOverride {
    #[serde(default)]
    files: Vec<String>,
    kind: Option<String>,
    namespace: Option<String>,
    name: Option<String>,
    #[serde(default)]
    rules: BTreeMap<String, Level>,
}

/// Rules at another level for some files, or some objects (by kind, namespace and name,
/// each a glob): third-party manifests that cannot take a suppression annotation.
#[derive(Clone, Debug)]
pub struct Override {
    files: Option<globset::GlobSet>,
    /// Where the config that wrote it is, seen from the config that applies it (an
    /// override inherited through `extend:` from a config above): prefixed to the path its
    /// `files` globs match.
    prefix: PathBuf,
    kind: Option<globset::GlobMatcher>,
    namespace: Option<globset::GlobMatcher>,
    name: Option<globset::GlobMatcher>,
    pub rules: Vec<(String, Level)>,
}

/// A repository's settings, read from a `.kure.yaml`.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The file read.
    pub path: PathBuf,
    /// Its directory: the base of `exclude` and `files` globs.
    pub dir: PathBuf,
    pub rules: Vec<(String, Level)>,
    pub select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub exclude: Vec<String>,
    pub fail_on: Option<Severity>,
    /// An explicit target: the apiVersion fixes become safe.
    pub kubernetes_version: Option<u32>,
    pub overrides: Vec<Override>,
    /// Custom resources that make pods: rows of the workload table.
    pub workloads: Vec<crate::model::workload::WorkloadKind>,
    pub string_fields: Vec<StringFields>,
    /// CRD files and directories, relative to the config's directory.
    pub schemas: Vec<PathBuf>,
    /// Whether the embedded CRD catalog is used (`catalog:`, default true).
    pub catalog: bool,
    /// A catalog directory (`schema-catalog:`), relative to the config's directory.
    pub schema_catalog: Option<PathBuf>,
    /// References are reported even where a release kure cannot see might provide them.
    pub strict_references: bool,
    /// The size in MiB over which a file is reported, not parsed (`max-file-size:`).
    pub max_file_size: Option<usize>,
    /// A baseline file (`baseline:`), relative to the config's directory.
    pub baseline: Option<PathBuf>,
    /// The config it extends (`extend:`), relative to its directory.
    pub extend: Option<PathBuf>,
    /// For each key a config of the `extend` chain set, the file that set it (the nearest
    /// in the chain wins).
    pub origins: Vec<(&'static str, PathBuf)>,
}

/// The key names a config may have, for did-you-mean.
const KEYS: &[&str] = &[
    "rules",
    "select",
    "ignore",
    "exclude",
    "fail-on",
    "kubernetes-version",
    "overrides",
    "workloads",
    "string-fields",
    "schemas",
    "catalog",
    "schema-catalog",
    "strict-references",
    "max-file-size",
    "baseline",
    "extend",
    "api-version",
    "template",
    "selector",
    "pod-labels",
    "paths",
    "files",
    "kind",
    "namespace",
    "name",
];

fn nearest<'a>(word: &str, among: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    among
        .map(|c| (strsim::levenshtein(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min()
        .map(|(_, c)| c)
}

/// A did-you-mean for an unknown rule id.
pub fn suggest_rule(id: &str) -> String {
    match nearest(id, crate::rules::all().map(|m| m.id)) {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

impl Config {
    /// The config for a run over `paths`: `explicit` when given, else the nearest
    /// `.kure.yaml` above the first path, up to the repository root.
    pub fn find(paths: &[PathBuf], explicit: Option<&Path>) -> Result<Option<Config>, Error> {
        if let Some(p) = explicit {
            return Config::read(p).map(Some);
        }
        match Nearest::default().above_dir(&crate::walk::start_dir(paths)) {
            Some(p) => Config::read(&p).map(Some),
            None => Ok(None),
        }
    }

    /// Reads and checks one config file, and the configs it extends.
    pub fn read(path: &Path) -> Result<Config, Error> {
        Config::read_chain(path, &mut Vec::new())
    }

    /// The key a config file sets, for `origins`.
    fn set_keys(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        let mut add = |yes: bool, k: &'static str| {
            if yes {
                keys.push(k);
            }
        };
        add(!self.rules.is_empty(), "rules");
        add(self.select.is_some(), "select");
        add(self.ignore.is_some(), "ignore");
        add(!self.exclude.is_empty(), "exclude");
        add(self.fail_on.is_some(), "fail-on");
        add(self.kubernetes_version.is_some(), "kubernetes-version");
        add(!self.overrides.is_empty(), "overrides");
        add(!self.workloads.is_empty(), "workloads");
        add(!self.string_fields.is_empty(), "string-fields");
        add(!self.schemas.is_empty(), "schemas");
        add(!self.catalog, "catalog");
        add(self.schema_catalog.is_some(), "schema-catalog");
        add(self.strict_references, "strict-references");
        add(self.max_file_size.is_some(), "max-file-size");
        add(self.baseline.is_some(), "baseline");
        keys
    }

    fn read_chain(path: &Path, seen: &mut Vec<PathBuf>) -> Result<Config, Error> {
        let mut config = Config::read_one(path)?;
        config.origins = config
            .set_keys()
            .into_iter()
            .map(|k| (k, path.to_path_buf()))
            .collect();
        let Some(parent) = config.extend.clone() else {
            return Ok(config);
        };
        let parent = crate::walk::normalize(&config.dir.join(parent));
        seen.push(crate::walk::normalize(path));
        if seen.contains(&parent) {
            return Err(Error::Config(format!(
                "{}: extend: {} extends it in turn (a cycle)",
                path.display(),
                parent.display()
            )));
        }
        if seen.len() > 32 {
            return Err(Error::Config(format!(
                "{}: extend: more than 32 configs extend one another",
                path.display()
            )));
        }
        let base = Config::read_chain(&parent, seen)?;
        Ok(config.over(base))
    }

    /// This config over the one it extends: what this one sets wins (rule by rule for
    /// `rules`); the other's overrides, workloads and string fields come first; its paths
    /// keep meaning what they meant in its own directory.
    fn over(mut self, base: Config) -> Config {
        // where this config's directory is, seen from the base's
        let (dir, base_dir) = (
            crate::walk::normalize(&self.dir),
            crate::walk::normalize(&base.dir),
        );
        let below = dir.strip_prefix(&base_dir).ok().map(Path::to_path_buf);
        let mut rules: Vec<(String, Level)> = base
            .rules
            .into_iter()
            .filter(|(id, _)| !self.rules.iter().any(|(i, _)| i == id))
            .collect();
        rules.append(&mut self.rules);
        self.rules = rules;
        self.select = self.select.or(base.select);
        self.ignore = self.ignore.or(base.ignore);
        if self.exclude.is_empty() {
            // a glob of the base, for the files below this config's directory
            self.exclude = base
                .exclude
                .into_iter()
                .filter_map(|g| match &below {
                    _ if g.starts_with("**") => Some(g),
                    Some(b) if b.as_os_str().is_empty() => Some(g),
                    Some(b) => {
                        let prefix = format!("{}/", b.to_string_lossy().replace('\\', "/"));
                        g.strip_prefix(&prefix).map(str::to_string)
                    }
                    None => None,
                })
                .collect();
        }
        self.fail_on = self.fail_on.or(base.fail_on);
        self.kubernetes_version = self.kubernetes_version.or(base.kubernetes_version);
        let mut overrides: Vec<Override> = base
            .overrides
            .into_iter()
            .filter_map(|mut o| {
                if o.files.is_some() {
                    o.prefix = o.prefix.join(below.as_ref()?);
                }
                Some(o)
            })
            .collect();
        overrides.append(&mut self.overrides);
        self.overrides = overrides;
        let mut workloads = base.workloads;
        workloads.append(&mut self.workloads);
        self.workloads = workloads;
        let mut string_fields = base.string_fields;
        string_fields.append(&mut self.string_fields);
        self.string_fields = string_fields;
        if self.schemas.is_empty() {
            self.schemas = base.schemas.iter().map(|p| base.dir.join(p)).collect();
        }
        self.catalog = self.catalog && base.catalog;
        self.schema_catalog = self
            .schema_catalog
            .or_else(|| base.schema_catalog.map(|d| base.dir.join(d)));
        self.strict_references |= base.strict_references;
        self.max_file_size = self.max_file_size.or(base.max_file_size);
        self.baseline = self
            .baseline
            .or_else(|| base.baseline.map(|b| base.dir.join(b)));
        for (k, from) in base.origins {
            if !self.origins.iter().any(|(key, _)| *key == k) {
                self.origins.push((k, from));
            }
        }
        self
    }

    /// Reads and checks one config file, alone.
    fn read_one(path: &Path) -> Result<Config, Error> {
        let cwd = std::env::current_dir().unwrap_or_default();
        let shown = path
            .strip_prefix(&cwd)
            .unwrap_or(path)
            .display()
            .to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("{shown}: cannot read it: {e}")))?;
        let mut config = Config::parse(&text, Path::new(&shown))?;
        config.path = path.to_path_buf();
        config.dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(config)
    }

    /// Parses a config's text; `path` names it in errors and anchors its globs.
    pub fn parse(text: &str, path: &Path) -> Result<Config, Error> {
        let shown = path.display().to_string();
        let raw: Raw = if text.trim().is_empty() {
            Raw::default()
        } else {
            serde_saphyr::from_str(text).map_err(|e| {
                let at = e
                    .location()
                    .map(|l| format!(":{}:{}", l.line(), l.column()))
                    .unwrap_or_default();
                let message = plain_message(&e.to_string());
                let hint = unknown_key(&message)
                    .and_then(|k| nearest(&k, KEYS.iter().copied()))
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                Error::Config(format!("{shown}{at}: {message}{hint}"))
            })?
        };
        let check_rules = |rules: &BTreeMap<String, Level>| -> Result<Vec<(String, Level)>, Error> {
            rules
                .iter()
                .map(|(id, level)| {
                    if crate::rules::meta_by_id(id).is_none() {
                        return Err(Error::Config(format!(
                            "{shown}: unknown rule `{id}`{}",
                            suggest_rule(id)
                        )));
                    }
                    Ok((id.clone(), *level))
                })
                .collect()
        };
        let check_ids = |ids: &Option<Vec<String>>| -> Result<(), Error> {
            for id in ids.iter().flatten() {
                if id != "ALL" && crate::rules::meta_by_id(id).is_none() {
                    return Err(Error::Config(format!(
                        "{shown}: unknown rule `{id}`{}",
                        suggest_rule(id)
                    )));
                }
            }
            Ok(())
        };
        check_ids(&raw.select)?;
        check_ids(&raw.ignore)?;
        let kubernetes_version = raw
            .kubernetes_version
            .as_deref()
            .map(crate::model::api_versions::parse_version)
            .transpose()
            .map_err(|e| Error::Config(format!("{shown}: kubernetes-version: {e}")))?;
        let glob = |g: &str| {
            globset::Glob::new(g)
                .map_err(|e| Error::Config(format!("{shown}: bad glob `{g}`: {e}")))
        };
        let mut overrides = Vec::new();
        for o in &raw.overrides {
            let files = if o.files.is_empty() {
                None
            } else {
                let mut b = globset::GlobSetBuilder::new();
                for f in &o.files {
                    b.add(glob(f)?);
                }
                Some(
                    b.build()
                        .map_err(|e| Error::Config(format!("{shown}: bad glob: {e}")))?,
                )
            };
            let matcher = |g: &Option<String>| -> Result<Option<globset::GlobMatcher>, Error> {
                g.as_deref()
                    .map(|g| glob(g).map(|g| g.compile_matcher()))
                    .transpose()
            };
            if files.is_none() && o.kind.is_none() && o.namespace.is_none() && o.name.is_none() {
                return Err(Error::Config(format!(
                    "{shown}: an override needs `files`, or an object's `kind`, `namespace` or `name`"
                )));
            }
            overrides.push(Override {
                prefix: PathBuf::new(),
                files,
                kind: matcher(&o.kind)?,
                namespace: matcher(&o.namespace)?,
                name: matcher(&o.name)?,
                rules: check_rules(&o.rules)?,
            });
        }
        let mut workloads = Vec::new();
        for w in &raw.workloads {
            let group = group_of(&w.api_version);
            if crate::model::workload::TABLE
                .iter()
                .any(|t| t.kind == w.kind && t.groups.contains(&group))
            {
                return Err(Error::Config(format!(
                    "{shown}: workloads: kure knows `{}` already",
                    w.kind
                )));
            }
            let template = steps(w.template.as_deref().unwrap_or("spec.template"));
            if template
                .iter()
                .any(|s| s.is_empty() || s == "[]" || s == "*")
            {
                return Err(Error::Config(format!(
                    "{shown}: workloads: `{}`: a template path is field names joined by dots",
                    w.kind
                )));
            }
            use crate::model::workload::SelectorKind;
            let selector = match w.selector.unwrap_or(RawSelector::Label) {
                RawSelector::Label => SelectorKind::Label { required: false },
                RawSelector::Map => SelectorKind::Map,
                RawSelector::None => SelectorKind::None,
            };
            workloads.push(crate::model::workload::custom(
                group,
                &w.kind,
                &template,
                selector,
                &w.pod_labels,
            ));
        }
        let string_fields = raw
            .string_fields
            .iter()
            .map(|f| StringFields {
                group: f.api_version.as_deref().map(|v| group_of(v).to_string()),
                kind: f.kind.clone(),
                paths: f.paths.iter().map(|p| (p.clone(), steps(p))).collect(),
            })
            .collect();
        Ok(Config {
            workloads,
            string_fields,
            schemas: raw.schemas,
            catalog: raw.catalog.unwrap_or(true),
            schema_catalog: raw.schema_catalog,
            strict_references: raw.strict_references,
            max_file_size: raw.max_file_size,
            baseline: raw.baseline,
            extend: raw.extend,
            origins: Vec::new(),
            path: path.to_path_buf(),
            dir: path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from(".")),
            rules: check_rules(&raw.rules)?,
            select: raw.select,
            ignore: raw.ignore,
            exclude: raw.exclude,
            fail_on: raw.fail_on.and_then(Level::severity),
            kubernetes_version,
            overrides,
        })
    }
}

/// serde-saphyr's message without its snippet and its own `line N column M:` (kure puts
/// the place in front, as for every other error).
fn plain_message(rendered: &str) -> String {
    let first = rendered
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("-->") && !l.starts_with('|'))
        .unwrap_or(rendered)
        .trim_start_matches("error: ");
    match first.strip_prefix("line ").and_then(|r| r.split_once(": ")) {
        Some((place, rest)) if place.contains("column") => rest.to_string(),
        _ => first.to_string(),
    }
}

/// The key an "unknown field" error names.
fn unknown_key(message: &str) -> Option<String> {
    let rest = message.split("unknown field `").nth(1)?;
    Some(rest.split('`').next()?.to_string())
}

/// Finds the `.kure.yaml` governing each file: the nearest above it, up to the repository
/// root. One look per directory, however many files it holds.
#[derive(Default)]
pub struct Nearest {
    dirs: HashMap<PathBuf, Option<PathBuf>>,
}

impl Nearest {
    /// The config governing `file` (absolute, normalized paths), if any.
    pub fn of_file(&mut self, file: &Path) -> Option<PathBuf> {
        self.above_dir(file.parent()?)
    }

    /// The config nearest above directory `dir` (itself included).
    pub fn above_dir(&mut self, dir: &Path) -> Option<PathBuf> {
        let mut seen = Vec::new();
        let mut found = None;
        for d in dir.ancestors() {
            if let Some(known) = self.dirs.get(d) {
                found = known.clone();
                break;
            }
            seen.push(d.to_path_buf());
            let candidate = d.join(FILE_NAME);
            if candidate.is_file() {
                found = Some(candidate);
                break;
            }
            if d.join(".git").exists() {
                break;
            }
        }
        for d in seen {
            self.dirs.insert(d, found.clone());
        }
        found
    }
}

/// What the command line chose: it wins over any config.
#[derive(Clone, Debug, Default)]
pub struct Flags {
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    pub exclude: Vec<String>,
    pub kubernetes_version: Option<u32>,
    /// `select` is the command's own choice of rules (`kure migrate`): the config's rules
    /// set to off still hold, its `select` and `ignore` do not.
    pub command_select: bool,
    /// `--schema`: CRD files and directories (replacing the config's `schemas`).
    pub schemas: Vec<PathBuf>,
    pub require_schemas: bool,
    /// `--no-catalog`, and `--schema-catalog DIR` (replacing the config's).
    pub no_catalog: bool,
    pub schema_catalog: Option<PathBuf>,
    /// `--strict-references`.
    pub strict_references: bool,
}

/// A run's rule settings for the files one config governs: the flags over the config.
#[derive(Clone, Debug, Default)]
pub struct Merged {
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    /// Rules reported at another severity than their own.
    pub severities: Vec<(String, Severity)>,
    /// The Kubernetes minor version the manifests are for; `None` assumes the newest kure
    /// knows, and makes the apiVersion fixes unsafe.
    pub kubernetes_version: Option<u32>,
    pub exclude: Vec<String>,
    /// The config's levels for some files or objects, and the directory their file globs
    /// are relative to.
    pub overrides: Vec<Override>,
    pub base: PathBuf,
    /// The config file, if any.
    pub config: Option<PathBuf>,
    /// The config's own workload rows and string fields.
    pub workloads: Vec<crate::model::workload::WorkloadKind>,
    pub string_fields: Vec<StringFields>,
    /// CRD files and directories from outside the linted files (`--schema`, `schemas:`).
    pub schemas: Vec<PathBuf>,
    /// Custom resources without a schema are reported (`--require-schemas`).
    pub require_schemas: bool,
    /// The embedded CRD catalog is used (not `--no-catalog`, not `catalog: false`).
    pub catalog: bool,
    /// A catalog directory in kubeconform's layout (`--schema-catalog`, `schema-catalog:`).
    pub schema_catalog: Option<PathBuf>,
    /// A reference a release might provide is reported (`--strict-references`,
    /// `strict-references:`).
    pub strict_references: bool,
}

/// The flags over a config (or over the defaults, without one).
pub fn merge(flags: &Flags, config: Option<&Config>) -> Merged {
    let from_config = !flags.command_select;
    let select = flags.select.clone().or_else(|| {
        config
            .filter(|_| from_config)
            .and_then(|c| c.select.clone())
    });
    let mut ignore = if flags.ignore.is_empty() && from_config {
        config.and_then(|c| c.ignore.clone()).unwrap_or_default()
    } else {
        flags.ignore.clone()
    };
    let mut severities = Vec::new();
    for (id, level) in config.map(|c| c.rules.as_slice()).unwrap_or_default() {
        match level.severity() {
            Some(s) => severities.push((id.clone(), s)),
            // off, unless the command line selects it by name
            None if flags.command_select
                || !flags.select.as_ref().is_some_and(|s| s.contains(id)) =>
            {
                ignore.push(id.clone())
            }
            None => {}
        }
    }
    Merged {
        select,
        ignore,
        severities,
        kubernetes_version: flags
            .kubernetes_version
            .or(config.and_then(|c| c.kubernetes_version)),
        exclude: match config {
            Some(c) if flags.exclude.is_empty() => c.exclude.clone(),
            _ => flags.exclude.clone(),
        },
        overrides: config.map(|c| c.overrides.clone()).unwrap_or_default(),
        base: config.map(|c| c.dir.clone()).unwrap_or_default(),
        config: config.map(|c| c.path.clone()),
        workloads: config.map(|c| c.workloads.clone()).unwrap_or_default(),
        string_fields: config.map(|c| c.string_fields.clone()).unwrap_or_default(),
        schemas: if flags.schemas.is_empty() {
            config
                .map(|c| c.schemas.iter().map(|p| c.dir.join(p)).collect())
                .unwrap_or_default()
        } else {
            flags.schemas.clone()
        },
        require_schemas: flags.require_schemas,
        catalog: !flags.no_catalog && config.is_none_or(|c| c.catalog),
        schema_catalog: flags
            .schema_catalog
            .clone()
            .or_else(|| config.and_then(|c| c.schema_catalog.as_ref().map(|d| c.dir.join(d)))),
        strict_references: flags.strict_references || config.is_some_and(|c| c.strict_references),
    }
}

impl Override {
    /// Whether it applies to a finding in file `rel` (relative to the config's directory)
    /// on the object `(kind, namespace, name)`.
    pub fn applies(&self, rel: &Path, object: Option<(&str, Option<&str>, Option<&str>)>) -> bool {
        if let Some(f) = &self.files
            && !f.is_match(self.prefix.join(rel))
        {
            return false;
        }
        let wants_object = self.kind.is_some() || self.namespace.is_some() || self.name.is_some();
        if !wants_object {
            return true;
        }
        let Some((kind, ns, name)) = object else {
            return false;
        };
        let ok = |m: &Option<globset::GlobMatcher>, v: Option<&str>| {
            m.as_ref().is_none_or(|m| v.is_some_and(|v| m.is_match(v)))
        };
        ok(&self.kind, Some(kind)) && ok(&self.namespace, ns) && ok(&self.name, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("repo/.kure.yaml")).map_err(|e| e.to_string())
    }

    #[test]
    fn keys_and_levels() {
        let c = parse(
            "rules:\n  duplicate-object: off\n  invalid-label: warning\nexclude: [charts/**]\nfail-on: warning\nkubernetes-version: \"1.33\"\noverrides:\n- files: [legacy/**]\n  rules: {removed-api-version: off}\n- kind: ConfigMap\n  namespace: kube-*\n  rules: {non-string-value: info}\n",
        )
        .unwrap();
        assert_eq!(
            c.rules,
            vec![
                ("duplicate-object".to_string(), Level::Off),
                ("invalid-label".to_string(), Level::Warning)
            ]
        );
        assert_eq!(c.fail_on, Some(Severity::Warning));
        assert_eq!(c.kubernetes_version, Some(33));
        assert!(c.overrides[0].applies(Path::new("legacy/a.yaml"), None));
        assert!(!c.overrides[0].applies(Path::new("app/a.yaml"), None));
        assert!(c.overrides[1].applies(
            Path::new("x.yaml"),
            Some(("ConfigMap", Some("kube-system"), Some("a")))
        ));
        assert!(!c.overrides[1].applies(Path::new("x.yaml"), Some(("ConfigMap", None, None))));
        assert_eq!(parse("").unwrap().rules, vec![]);
    }

    #[test]
    fn mistakes_name_the_place_and_the_fix() {
        let e = parse("rules:\n  duplicate-object: off\nexlude: [x]\n").unwrap_err();
        assert!(e.contains("repo/.kure.yaml:3:1"), "{e}");
        assert!(e.contains("did you mean `exclude`?"), "{e}");
        let e = parse("rules:\n  duplicate-objects: off\n").unwrap_err();
        assert!(
            e.contains("unknown rule `duplicate-objects` (did you mean `duplicate-object`?)"),
            "{e}"
        );
        let e = parse("rules:\n  invalid-label: loud\n").unwrap_err();
        assert!(e.contains("repo/.kure.yaml:2:"), "{e}");
        let e = parse("kubernetes-version: \"1.12\"\n").unwrap_err();
        assert!(e.contains("kure knows Kubernetes 1.25 to 1.37"), "{e}");
    }
}
