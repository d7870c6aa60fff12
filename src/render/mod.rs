//! `kure render`: what `kustomize build DIR` (and `kubectl kustomize DIR`) makes of a
//! kustomization, offline and without a subprocess. kustomize's order of work is kept:
//! a kustomization's resources (files, and directories built recursively), its generators,
//! its components, then its transformers (strategic merge patches, patches, namespace,
//! prefix and suffix, labels, annotations, JSON 6902 patches, replicas, images); at the
//! top, generated names get their content hash, references to renamed objects follow
//! them, and the objects are sorted as kustomize's legacy order sorts them.
//!
//! What cannot be rendered offline (remote bases, Helm charts, plugins and KRM functions)
//! or is not rendered yet (`replacements`, `vars`) is an error naming the entry.

mod patch;
pub mod value;

use crate::yaml;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use value::V;

/// Why a kustomization was not rendered: the file, and what in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

fn err(path: &Path, message: impl Into<String>) -> RenderError {
    RenderError {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// A manifest file as the renderer read it: its text and its documents.
pub struct Source {
    pub text: String,
    pub stream: yaml::Stream,
}

/// One rendered object, and where it came from.
#[derive(Clone)]
pub struct Resource {
    pub value: V,
    /// The file that holds it (the kustomization, for a generated object).
    pub origin: PathBuf,
    /// The file as read, and the object's document and root node in it (`None` for a
    /// generated object).
    pub source: Option<(std::sync::Arc<Source>, usize, yaml::NodeId)>,
    /// Its kind, group, namespace and name when first read: what references name.
    orig: Id,
    /// Made by a generator whose name gets the content hash.
    hashed: bool,
    /// Generator behaviour (`create`, `merge`, `replace`) for a generated object.
    behavior: Option<String>,
    /// The generator that made it (`ConfigMapGenerator`, `SecretGenerator`).
    generator: Option<&'static str>,
    /// The patches that changed it, in the order applied.
    pub patched_by: Vec<PatchAt>,
}

/// A patch entry of a kustomization: the file, the list (`patches`,
/// `patchesStrategicMerge`, `patchesJson6902`) and the entry's index in it; or what else
/// changed an object's pod template labels or selector: a `labels` entry (by index), or `commonLabels`
/// (the whole mapping, `index` `usize::MAX`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatchAt {
    pub kustomization: PathBuf,
    pub list: &'static str,
    pub index: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Id {
    group: String,
    kind: String,
    namespace: String,
    name: String,
}

impl Resource {
    /// The kind and name the object had in the file that holds it.
    pub fn original_kind_and_name(&self) -> (&str, &str) {
        (&self.orig.kind, &self.orig.name)
    }

    fn new(value: V, origin: &Path) -> Resource {
        let orig = id_of(&value);
        Resource {
            value,
            origin: origin.to_path_buf(),
            source: None,
            orig,
            hashed: false,
            behavior: None,
            generator: None,
            patched_by: Vec::new(),
        }
    }

    fn id(&self) -> Id {
        id_of(&self.value)
    }
}

fn id_of(v: &V) -> Id {
    let api = v.str_at(&["apiVersion"]).unwrap_or("");
    Id {
        group: api.rsplit_once('/').map_or("", |(g, _)| g).to_string(),
        kind: v.str_at(&["kind"]).unwrap_or("").to_string(),
        namespace: v
            .str_at(&["metadata", "namespace"])
            .unwrap_or("")
            .to_string(),
        name: v.str_at(&["metadata", "name"]).unwrap_or("").to_string(),
    }
}

/// What a build carries down: the kustomizations being built (a cycle is an error), and
/// whether CRDs are read for their identity only.
struct Cx<'f> {
    stack: Vec<PathBuf>,
    skim: bool,
    files: &'f dyn Files,
}

/// Where a render reads its files: the file system (`Disk`), or a git commit (`kure lint
/// --base`, through the driver).
pub trait Files {
    /// A file's text (UTF-8, a BOM removed), or `None` when it cannot be read.
    fn read(&self, path: &Path) -> Option<String>;
    fn is_dir(&self, path: &Path) -> bool;
    fn is_file(&self, path: &Path) -> bool;
}

/// The file system.
pub struct Disk;

impl Files for Disk {
    fn read(&self, path: &Path) -> Option<String> {
        crate::load::read_text(path).ok()
    }
    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }
    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }
}

/// As `render`, for the cross-file rules: a CustomResourceDefinition keeps only its
/// identity (and a JSON patch that fails on one is not an error).
pub fn render_for_facts(dir: &Path) -> Result<Vec<Resource>, RenderError> {
    run(dir, true, &Disk)
}

/// As `render_for_facts`, reading the files from `files`.
pub fn render_for_facts_in(dir: &Path, files: &dyn Files) -> Result<Vec<Resource>, RenderError> {
    run(dir, true, files)
}

/// Builds `dir` at the top, then names, references and order as kustomize leaves them.
fn run(dir: &Path, skim: bool, files: &dyn Files) -> Result<Vec<Resource>, RenderError> {
    let mut cx = Cx {
        stack: Vec::new(),
        skim,
        files,
    };
    let mut res = build(dir, true, &mut cx)?;
    finish(&mut res)?;
    Ok(res)
}

/// Renders the kustomization in `dir` as kustomize builds it.
pub fn render(dir: &Path) -> Result<Vec<Resource>, RenderError> {
    render_with(dir, false)
}

/// As `render`; with `origin`, or when the kustomization asks for it (`buildMetadata:
/// [originAnnotations]`), each object says where it came from in kustomize's
/// `config.kubernetes.io/origin` annotation (its file, relative to `dir`, or the
/// kustomization and generator that made it).
pub fn render_with(dir: &Path, origin: bool) -> Result<Vec<Resource>, RenderError> {
    let mut res = run(dir, false, &Disk)?;
    let asked = read_kustomization(dir, &Disk).is_ok_and(|(_, k)| {
        k.get("buildMetadata").is_some_and(|b| {
            b.items()
                .iter()
                .any(|x| x.str() == Some("originAnnotations"))
        })
    });
    if origin || asked {
        let top = crate::walk::normalize(dir);
        for r in &mut res {
            let rel = crate::walk::relative(&top, &r.origin);
            let rel = rel.to_string_lossy();
            let text = match r.generator {
                Some(g) => format!(
                    "configuredIn: {rel}\nconfiguredBy:\n  apiVersion: builtin\n  kind: {g}\n"
                ),
                None => format!("path: {rel}\n"),
            };
            if let Some(a) = r
                .value
                .map_at("metadata")
                .and_then(|m| m.map_at("annotations"))
            {
                a.set("config.kubernetes.io/origin", V::Str(text));
            }
        }
    }
    Ok(res)
}

/// Where a patch entry of a kustomization is written (`cache` keeps each kustomization read;
/// `shown` names files as findings name them).
pub fn patch_location(
    at: &PatchAt,
    shown: &std::collections::HashMap<PathBuf, std::sync::Arc<str>>,
    cache: &mut std::collections::HashMap<PathBuf, Option<(String, yaml::Stream)>>,
) -> Option<crate::source::Located> {
    let path = crate::walk::normalize(&at.kustomization);
    let parsed = cache.entry(path.clone()).or_insert_with(|| {
        let text = crate::load::read_text(&path).ok()?;
        let stream = yaml::parse(&text, yaml::Limits::default());
        Some((text, stream))
    });
    let (text, stream) = parsed.as_ref()?;
    let doc = stream.documents.first()?;
    let list = doc.get(doc.root?, at.list)?;
    // a list's entry, or the whole mapping (`commonLabels`)
    let item = if at.index == usize::MAX {
        doc.get_entry(doc.root?, at.list).map(|(k, _)| k)?
    } else {
        *doc.items(list).get(at.index)?
    };
    let display: std::sync::Arc<str> = shown
        .get(&path)
        .cloned()
        .unwrap_or_else(|| std::sync::Arc::from(at.kustomization.display().to_string()));
    let index = crate::source::LineIndex::new(text);
    Some(crate::source::Located::new(
        &display,
        &index,
        doc.span(item),
    ))
}

/// The objects as a YAML stream, or as JSON (one object per line).
pub fn write(res: &[Resource], json: bool) -> String {
    let values: Vec<V> = res.iter().map(|r| r.value.clone()).collect();
    if json {
        value::to_json(&values)
    } else {
        value::to_yaml(&values)
    }
}

fn read_kustomization(dir: &Path, files: &dyn Files) -> Result<(PathBuf, V), RenderError> {
    let p = crate::model::kustomize::kustomization_file_in(dir, &|p| files.is_file(p))
        .ok_or_else(|| err(dir, "holds no kustomization.yaml"))?;
    let text = files.read(&p).ok_or_else(|| err(&p, "cannot be read"))?;
    let stream = yaml::parse(&text, yaml::Limits::default());
    if let Some(e) = stream.errors.first() {
        return Err(err(&p, format!("does not parse: {}", e.message)));
    }
    let v = stream
        .documents
        .first()
        .and_then(|d| d.root.map(|r| V::from_doc(d, r)))
        .unwrap_or(V::Map(Vec::new()));
    Ok((p, v))
}

/// The objects of a manifest file (a `List`'s items, each its own).
fn read_objects(path: &Path, cx: &Cx<'_>) -> Result<Vec<Resource>, RenderError> {
    let text = cx
        .files
        .read(path)
        .ok_or_else(|| err(path, "cannot be read"))?;
    objects_of_text(&text, path, cx.skim)
}

/// With `skim`, a CustomResourceDefinition keeps its identity only: its schema is large
/// and nothing the cross-file rules read.
fn objects_of_text(text: &str, path: &Path, skim: bool) -> Result<Vec<Resource>, RenderError> {
    let stream = yaml::parse(text, yaml::Limits::default());
    if let Some(e) = stream.errors.first() {
        return Err(err(path, format!("does not parse: {}", e.message)));
    }
    let source = std::sync::Arc::new(Source {
        text: text.to_string(),
        stream,
    });
    let mut out = Vec::new();
    for (di, d) in source.stream.documents.iter().enumerate() {
        let Some(root) = d.root else { continue };
        let v = if skim && d.path_str(root, &["kind"]) == Some("CustomResourceDefinition") {
            V::Map(
                ["apiVersion", "kind", "metadata"]
                    .iter()
                    .filter_map(|k| d.get(root, k).map(|n| (k.to_string(), V::from_doc(d, n))))
                    .collect(),
            )
        } else {
            V::from_doc(d, root)
        };
        match &v {
            V::Null => continue,
            V::Map(m) if m.is_empty() => continue,
            V::Map(_) => {}
            _ => return Err(err(path, "a document is not a mapping")),
        }
        let kind = v.str_at(&["kind"]).unwrap_or("");
        if kind.ends_with("List") && v.get("items").is_some() {
            let nodes: Vec<yaml::NodeId> = d
                .get(root, "items")
                .map(|l| d.items(l).to_vec())
                .unwrap_or_default();
            for (i, item) in v
                .get("items")
                .map(V::items)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let mut r = Resource::new(item.clone(), path);
                r.source = nodes.get(i).map(|&n| (source.clone(), di, n));
                out.push(r);
            }
        } else {
            if kind.is_empty() {
                return Err(err(path, "an object has no `kind`"));
            }
            let mut r = Resource::new(v, path);
            r.source = Some((source.clone(), di, root));
            out.push(r);
        }
    }
    Ok(out)
}

/// Builds one kustomization (or component) directory.
fn build(dir: &Path, top: bool, cx: &mut Cx) -> Result<Vec<Resource>, RenderError> {
    // paths are shown as given; the cycle check compares them normalized
    let key = crate::walk::normalize(dir);
    if cx.stack.contains(&key) {
        return Err(err(dir, "includes itself (a cycle of kustomizations)"));
    }
    cx.stack.push(key);
    let dir = dir.to_path_buf();
    let (kpath, k) = read_kustomization(&dir, cx.files)?;
    let kind = k.str_at(&["kind"]).unwrap_or("Kustomization");
    if kind == "Component" && !top {
        return Err(err(
            &kpath,
            "is a Component: it can only be included under `components:`",
        ));
    }
    for key in ["helmCharts", "helmChartInflationGenerator"] {
        if k.get(key).is_some() {
            return Err(err(
                &kpath,
                format!("`{key}` inflates Helm charts; kure cannot render it offline"),
            ));
        }
    }
    for key in ["generators", "transformers", "validators"] {
        if k.get(key).is_some() {
            return Err(err(
                &kpath,
                format!(
                    "`{key}` (plugins, KRM functions and transformer configs) is not rendered by kure"
                ),
            ));
        }
    }
    for key in ["replacements", "vars", "configurations", "sortOptions"] {
        if k.get(key).is_some() {
            return Err(err(&kpath, format!("`{key}` is not rendered by kure yet")));
        }
    }
    let mut res: Vec<Resource> = Vec::new();
    let resources = entries(&k, "resources")
        .into_iter()
        .chain(entries(&k, "bases"));
    accumulate(&dir, &kpath, resources, &mut res, cx)?;
    unique(&kpath, &res)?;
    generators(&dir, &kpath, &k, &mut res, cx.files)?;
    for c in entries(&k, "components") {
        if crate::model::kustomize::is_remote(&c) {
            return Err(err(
                &kpath,
                format!("component `{c}` is remote; kure renders offline only"),
            ));
        }
        let p = dir.join(&c);
        if !cx.files.is_dir(&p) {
            return Err(err(&kpath, format!("component `{c}` is not a directory")));
        }
        apply_component(&p, &mut res, cx)?;
    }
    transform(&dir, &kpath, &k, &mut res, cx)?;
    cx.stack.pop();
    Ok(res)
}

/// The strings of a kustomization's list `key` (`resources`, `components`, ...).
fn entries(k: &V, key: &str) -> Vec<String> {
    k.get(key)
        .map(V::items)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| v.str().map(str::to_string))
        .collect()
}

/// Adds the objects of `resources` (files, and directories built as kustomizations) of the
/// kustomization `kpath` in `dir` to `res`.
fn accumulate(
    dir: &Path,
    kpath: &Path,
    resources: impl IntoIterator<Item = String>,
    res: &mut Vec<Resource>,
    cx: &mut Cx,
) -> Result<(), RenderError> {
    for r in resources {
        if crate::model::kustomize::is_remote(&r) {
            return Err(err(
                kpath,
                format!("resource `{r}` is remote; kure renders offline only"),
            ));
        }
        let p = dir.join(&r);
        if cx.files.is_dir(&p) {
            res.extend(build(&p, false, cx)?);
        } else if cx.files.is_file(&p) {
            res.extend(read_objects(&p, cx)?);
        } else {
            return Err(err(kpath, format!("resource `{r}` does not exist")));
        }
    }
    Ok(())
}

/// kustomize refuses two objects with the same group, kind, namespace and name.
fn unique(kpath: &Path, res: &[Resource]) -> Result<(), RenderError> {
    let mut seen = std::collections::HashSet::new();
    for r in res {
        let id = r.id();
        if !seen.insert((
            id.group.clone(),
            id.kind.clone(),
            id.namespace.clone(),
            id.name.clone(),
        )) {
            let ns = if id.namespace.is_empty() {
                String::new()
            } else {
                format!(" in namespace `{}`", id.namespace)
            };
            return Err(err(
                kpath,
                format!(
                    "{} `{}`{ns} is included twice; kustomize refuses it",
                    id.kind, id.name
                ),
            ));
        }
    }
    Ok(())
}

/// A component works on what the kustomization including it has so far.
fn apply_component(dir: &Path, res: &mut Vec<Resource>, cx: &mut Cx) -> Result<(), RenderError> {
    let dir = dir.to_path_buf();
    let (kpath, k) = read_kustomization(&dir, cx.files)?;
    if k.str_at(&["kind"]) != Some("Component") {
        return Err(err(
            &kpath,
            "is included under `components:` but is not a Component",
        ));
    }
    // a component's own resources, generators and components, over what it is given
    cx.stack.push(crate::walk::normalize(&dir));
    accumulate(&dir, &kpath, entries(&k, "resources"), res, cx)?;
    generators(&dir, &kpath, &k, res, cx.files)?;
    for c in entries(&k, "components") {
        apply_component(&dir.join(&c), res, cx)?;
    }
    for key in [
        "helmCharts",
        "generators",
        "transformers",
        "replacements",
        "vars",
    ] {
        if k.get(key).is_some() {
            return Err(err(&kpath, format!("`{key}` is not rendered by kure")));
        }
    }
    transform(&dir, &kpath, &k, res, cx)?;
    cx.stack.pop();
    Ok(())
}

// ---- generators ----

fn generators(
    dir: &Path,
    kpath: &Path,
    k: &V,
    res: &mut Vec<Resource>,
    files: &dyn Files,
) -> Result<(), RenderError> {
    let global = k.get("generatorOptions");
    for (key, kind) in [
        ("configMapGenerator", "ConfigMap"),
        ("secretGenerator", "Secret"),
    ] {
        for g in k.get(key).map(V::items).unwrap_or_default() {
            let name = g
                .str_at(&["name"])
                .ok_or_else(|| err(kpath, format!("a `{key}` entry has no name")))?;
            let mut data: Vec<(String, String)> = Vec::new();
            for lit in g.get("literals").map(V::items).unwrap_or_default() {
                let text = lit.scalar_text().unwrap_or_default();
                let (k, v) = text.split_once('=').ok_or_else(|| {
                    err(kpath, format!("literal `{text}` of `{name}` has no `=`"))
                })?;
                data.push((k.to_string(), unquote(v)));
            }
            let mut envs: Vec<String> = g
                .get("envs")
                .map(V::items)
                .unwrap_or_default()
                .iter()
                .filter_map(|v| v.str().map(str::to_string))
                .collect();
            if let Some(e) = g.str_at(&["env"]) {
                envs.push(e.to_string());
            }
            for e in envs {
                let p = dir.join(&e);
                let text = files.read(&p).ok_or_else(|| {
                    err(kpath, format!("env file `{e}` of `{name}` cannot be read"))
                })?;
                for line in text.lines() {
                    let line = line.trim_start_matches('\u{feff}').trim();
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    match line.split_once('=') {
                        Some((k, v)) => data.push((k.trim().to_string(), v.to_string())),
                        None => {
                            data.push((line.to_string(), std::env::var(line).unwrap_or_default()))
                        }
                    }
                }
            }
            for f in g.get("files").map(V::items).unwrap_or_default() {
                let f = f.scalar_text().unwrap_or_default();
                let (key, file) = match f.split_once('=') {
                    Some((k, p)) => (k.to_string(), p.to_string()),
                    None => (
                        Path::new(&f)
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                        f.clone(),
                    ),
                };
                let p = dir.join(&file);
                let text = files.read(&p).ok_or_else(|| {
                    err(kpath, format!("file `{file}` of `{name}` cannot be read"))
                })?;
                data.push((key, text));
            }
            let mut obj = V::Map(vec![
                ("apiVersion".into(), V::Str("v1".into())),
                ("kind".into(), V::Str(kind.into())),
                (
                    "metadata".into(),
                    V::Map(vec![("name".into(), V::Str(name.into()))]),
                ),
            ]);
            if let Some(ns) = g.str_at(&["namespace"])
                && let Some(m) = obj.get_mut("metadata")
            {
                m.set("namespace", V::Str(ns.into()));
            }
            let opts = g.get("options");
            let opt = |key: &str| {
                opts.and_then(|o| o.get(key))
                    .or_else(|| global.and_then(|o| o.get(key)))
            };
            for field in ["labels", "annotations"] {
                let mut pairs: Vec<(String, V)> = Vec::new();
                for src in [
                    global.and_then(|o| o.get(field)),
                    opts.and_then(|o| o.get(field)),
                ] {
                    if let Some(V::Map(m)) = src {
                        for (k, v) in m {
                            pairs.retain(|(x, _)| x != k);
                            pairs.push((k.clone(), V::Str(v.scalar_text().unwrap_or_default())));
                        }
                    }
                }
                if !pairs.is_empty()
                    && let Some(m) = obj.get_mut("metadata")
                {
                    m.set(field, V::Map(pairs));
                }
            }
            if kind == "Secret" {
                obj.set(
                    "type",
                    V::Str(g.str_at(&["type"]).unwrap_or("Opaque").to_string()),
                );
            }
            if !data.is_empty() {
                let values = data
                    .into_iter()
                    .map(|(k, v)| {
                        let v = if kind == "Secret" {
                            base64(v.as_bytes())
                        } else {
                            v
                        };
                        (k, V::Str(v))
                    })
                    .collect();
                obj.set("data", V::Map(values));
            }
            if opt("immutable") == Some(&V::Bool(true)) {
                obj.set("immutable", V::Bool(true));
            }
            let mut r = Resource::new(obj, kpath);
            r.hashed = opt("disableNameSuffixHash") != Some(&V::Bool(true));
            r.behavior = Some(g.str_at(&["behavior"]).unwrap_or("create").to_string());
            r.generator = Some(if kind == "Secret" {
                "SecretGenerator"
            } else {
                "ConfigMapGenerator"
            });
            add_generated(kpath, res, r)?;
        }
    }
    Ok(())
}

/// Adds a generated object, merging into or replacing one of the same name for
/// `behavior: merge` and `behavior: replace`.
fn add_generated(kpath: &Path, res: &mut Vec<Resource>, r: Resource) -> Result<(), RenderError> {
    let behavior = r.behavior.clone().unwrap_or_default();
    let id = r.id();
    let at = res.iter().position(|x| {
        let o = x.id();
        o.kind == id.kind
            && o.name == id.name
            && (id.namespace.is_empty() || o.namespace == id.namespace)
    });
    match (behavior.as_str(), at) {
        ("create", None) => res.push(r),
        ("create", Some(_)) => {
            return Err(err(
                kpath,
                format!("{} `{}` is generated twice", id.kind, id.name),
            ));
        }
        ("merge", Some(i)) => {
            let old = &mut res[i];
            for field in ["data", "binaryData"] {
                if let Some(V::Map(new)) = r.value.get(field) {
                    let target = old.value.map_at(field);
                    if let Some(t) = target {
                        for (k, v) in new {
                            t.set(k, v.clone());
                        }
                    }
                }
            }
            for field in ["labels", "annotations"] {
                if let Some(V::Map(new)) = r.value.path(&["metadata", field]).cloned()
                    && let Some(t) = old.value.map_at("metadata").and_then(|m| m.map_at(field))
                {
                    for (k, v) in new {
                        t.set(&k, v);
                    }
                }
            }
            old.hashed = r.hashed;
        }
        ("replace", Some(i)) => {
            let orig = res[i].orig.clone();
            res[i] = Resource { orig, ..r };
        }
        (b, None) => {
            return Err(err(
                kpath,
                format!(
                    "{} `{}` has behavior `{b}` but nothing to {b}",
                    id.kind, id.name
                ),
            ));
        }
        (b, Some(_)) => return Err(err(kpath, format!("unknown generator behavior `{b}`"))),
    }
    Ok(())
}

/// A literal's value as kustomize reads it: one pair of surrounding quotes removed.
fn unquote(v: &str) -> String {
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return v[1..v.len() - 1].to_string();
        }
    }
    v.to_string()
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

// ---- transformers ----

/// A patch's `target`: which objects it applies to.
struct Target {
    group: Option<String>,
    version: Option<String>,
    kind: Option<String>,
    name: Option<regex::Regex>,
    namespace: Option<String>,
    label_selector: Option<crate::model::selector::Selector>,
    annotation_selector: Option<crate::model::selector::Selector>,
}

impl Target {
    fn read(kpath: &Path, t: &V) -> Result<Target, RenderError> {
        let s = |k: &str| t.str_at(&[k]).filter(|s| !s.is_empty()).map(str::to_string);
        let selector = |k: &str| -> Result<Option<crate::model::selector::Selector>, RenderError> {
            s(k).map(|text| {
                crate::model::selector::Selector::parse(&text)
                    .map_err(|e| err(kpath, format!("`{k}`: {e}")))
            })
            .transpose()
        };
        Ok(Target {
            group: s("group"),
            version: s("version"),
            kind: s("kind"),
            name: s("name")
                .map(|n| {
                    regex::Regex::new(&format!("^(?:{n})$"))
                        .map_err(|e| err(kpath, format!("target name `{n}`: {e}")))
                })
                .transpose()?,
            namespace: s("namespace"),
            label_selector: selector("labelSelector")?,
            annotation_selector: selector("annotationSelector")?,
        })
    }

    fn selects(&self, r: &Resource) -> bool {
        let v = &r.value;
        let api = v.str_at(&["apiVersion"]).unwrap_or("");
        let (group, version) = api.rsplit_once('/').unwrap_or(("", api));
        let id = r.id();
        let labels = |field: &str| {
            crate::model::selector::PodLabels::exact(match v.path(&["metadata", field]) {
                Some(V::Map(m)) => m
                    .iter()
                    .map(|(k, v)| (k.clone(), v.scalar_text().unwrap_or_default()))
                    .collect::<Vec<_>>(),
                _ => Vec::new(),
            })
        };
        self.group.as_deref().is_none_or(|g| g == group)
            && self.version.as_deref().is_none_or(|x| x == version)
            && self.kind.as_deref().is_none_or(|k| k == id.kind)
            && self
                .name
                .as_ref()
                .is_none_or(|n| n.is_match(&id.name) || n.is_match(&r.orig.name))
            && self.namespace.as_deref().is_none_or(|n| n == id.namespace)
            && self
                .label_selector
                .as_ref()
                .is_none_or(|s| s.matches(&labels("labels")))
            && self
                .annotation_selector
                .as_ref()
                .is_none_or(|s| s.matches(&labels("annotations")))
    }
}

/// A patch's text: inline, or the file it names.
fn patch_text(
    dir: &Path,
    kpath: &Path,
    p: &V,
    files: &dyn Files,
) -> Result<(String, PathBuf), RenderError> {
    if let Some(inline) = p.str_at(&["patch"]) {
        return Ok((inline.to_string(), kpath.to_path_buf()));
    }
    let Some(path) = p.str_at(&["path"]).or_else(|| p.str()) else {
        return Err(err(kpath, "a patch has neither `patch` nor `path`"));
    };
    let file = dir.join(path);
    if !files.is_file(&file) {
        // a string that is not a file is an inline patch
        if p.str().is_some() && path.contains('\n') {
            return Ok((path.to_string(), kpath.to_path_buf()));
        }
        return Err(err(kpath, format!("patch `{path}` does not exist")));
    }
    let text = files
        .read(&file)
        .ok_or_else(|| err(&file, "cannot be read"))?;
    Ok((text, file))
}

/// Whether a patch text is a JSON 6902 patch (a list of operations).
fn parse_patch(text: &str, at: &Path) -> Result<Vec<V>, RenderError> {
    let stream = yaml::parse(text, yaml::Limits::default());
    if let Some(e) = stream.errors.first() {
        return Err(err(at, format!("the patch does not parse: {}", e.message)));
    }
    Ok(stream
        .documents
        .iter()
        .filter_map(|d| d.root.map(|r| V::from_doc(d, r)))
        .filter(|v| !matches!(v, V::Null))
        .collect())
}

fn apply_smp(
    kpath: &Path,
    res: &mut [Resource],
    patch: &V,
    target: Option<&Target>,
    at: &PatchAt,
) -> Result<(), RenderError> {
    let pid = id_of(patch);
    let mut hit = false;
    for r in res.iter_mut() {
        let selected = match target {
            Some(t) => t.selects(r),
            None => {
                let id = r.id();
                id.kind == pid.kind
                    && (id.name == pid.name || r.orig.name == pid.name)
                    && (pid.namespace.is_empty()
                        || id.namespace == pid.namespace
                        || r.orig.namespace == pid.namespace)
            }
        };
        if !selected {
            continue;
        }
        hit = true;
        if patch.str_at(&["$patch"]) == Some("delete") {
            r.value = V::Null;
            continue;
        }
        r.patched_by.push(at.clone());
        let mut p = patch.clone();
        if target.is_some() {
            // a targeted patch keeps the target's name and kind
            if let Some(m) = p.get_mut("metadata") {
                m.remove("name");
                m.remove("namespace");
            }
            p.remove("kind");
            p.remove("apiVersion");
        }
        patch::strategic_merge(&mut r.value, &p);
    }
    if !hit && target.is_none() {
        return Err(err(
            kpath,
            format!(
                "no resource matches the strategic merge patch for {} `{}`",
                pid.kind, pid.name
            ),
        ));
    }
    Ok(())
}

fn transform(
    dir: &Path,
    kpath: &Path,
    k: &V,
    res: &mut Vec<Resource>,
    cx: &Cx<'_>,
) -> Result<(), RenderError> {
    let skim = cx.skim;
    // patchesStrategicMerge
    let patch_at = |list: &'static str, index: usize| PatchAt {
        kustomization: kpath.to_path_buf(),
        list,
        index,
    };
    for (i, p) in k
        .get("patchesStrategicMerge")
        .map(V::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let (text, at) = patch_text(dir, kpath, p, cx.files)?;
        for doc in parse_patch(&text, &at)? {
            apply_smp(
                kpath,
                res,
                &doc,
                None,
                &patch_at("patchesStrategicMerge", i),
            )?;
        }
        res.retain(|r| !matches!(r.value, V::Null));
    }
    // patches
    for (i, p) in k
        .get("patches")
        .map(V::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let (text, at) = patch_text(dir, kpath, p, cx.files)?;
        let target = p
            .get("target")
            .map(|t| Target::read(kpath, t))
            .transpose()?;
        let docs = parse_patch(&text, &at)?;
        let is_json = docs.len() == 1 && matches!(docs[0], V::Seq(_));
        if is_json {
            let t = target.ok_or_else(|| err(kpath, "a JSON 6902 patch needs a `target`"))?;
            for r in res.iter_mut().filter(|r| t.selects(r)) {
                let skimmed = skim && r.id().kind == "CustomResourceDefinition";
                if let Err(e) = patch::json6902(&mut r.value, &docs[0])
                    && !skimmed
                {
                    return Err(err(&at, e));
                }
                r.patched_by.push(patch_at("patches", i));
            }
        } else {
            for doc in &docs {
                apply_smp(kpath, res, doc, target.as_ref(), &patch_at("patches", i))?;
            }
            res.retain(|r| !matches!(r.value, V::Null));
        }
    }
    // namespace
    if let Some(ns) = k.str_at(&["namespace"]).filter(|s| !s.is_empty()) {
        for r in res.iter_mut() {
            set_namespace(&mut r.value, ns);
        }
    }
    // namePrefix, nameSuffix
    let prefix = k.str_at(&["namePrefix"]).unwrap_or("");
    let suffix = k.str_at(&["nameSuffix"]).unwrap_or("");
    if !prefix.is_empty() || !suffix.is_empty() {
        for r in res.iter_mut() {
            let id = r.id();
            if matches!(id.kind.as_str(), "CustomResourceDefinition" | "Namespace")
                || (id.kind == "APIService" && id.group == "apiregistration.k8s.io")
            {
                continue;
            }
            if let Some(m) = r.value.get_mut("metadata")
                && let Some(V::Str(n)) = m.get_mut("name")
            {
                *n = format!("{prefix}{n}{suffix}");
            }
        }
    }
    // commonLabels, labels; each is where the pod template labels it changes were set
    if let Some(V::Map(m)) = k.get("commonLabels") {
        let pairs = text_pairs(m);
        for r in res.iter_mut() {
            if add_labels(&mut r.value, &pairs, true, true) {
                r.patched_by.push(patch_at("commonLabels", usize::MAX));
            }
        }
    }
    for (i, l) in k
        .get("labels")
        .map(V::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let Some(V::Map(m)) = l.get("pairs") else {
            continue;
        };
        let pairs = text_pairs(m);
        let selectors = l.get("includeSelectors") == Some(&V::Bool(true));
        let templates = selectors || l.get("includeTemplates") == Some(&V::Bool(true));
        if l.get("fields").is_some() {
            return Err(err(kpath, "`labels[].fields` is not rendered by kure yet"));
        }
        for r in res.iter_mut() {
            if add_labels(&mut r.value, &pairs, selectors, templates) {
                r.patched_by.push(patch_at("labels", i));
            }
        }
    }
    // commonAnnotations
    if let Some(V::Map(m)) = k.get("commonAnnotations") {
        let pairs = text_pairs(m);
        for r in res.iter_mut() {
            let kind = r.id().kind;
            set_pairs(&mut r.value, &["metadata", "annotations"], &pairs);
            for path in template_metadata(&kind) {
                let mut p: Vec<&str> = path.to_vec();
                p.push("annotations");
                set_pairs(&mut r.value, &p, &pairs);
            }
        }
    }
    // patchesJson6902
    for (i, p) in k
        .get("patchesJson6902")
        .map(V::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let (text, at) = patch_text(dir, kpath, p, cx.files)?;
        let t = Target::read(kpath, p.get("target").unwrap_or(&V::Null))?;
        let docs = parse_patch(&text, &at)?;
        let ops = docs.first().cloned().unwrap_or(V::Seq(Vec::new()));
        for r in res.iter_mut().filter(|r| t.selects(r)) {
            let skimmed = skim && r.id().kind == "CustomResourceDefinition";
            if let Err(e) = patch::json6902(&mut r.value, &ops)
                && !skimmed
            {
                return Err(err(&at, e));
            }
            r.patched_by.push(patch_at("patchesJson6902", i));
        }
    }
    // replicas
    for rep in k.get("replicas").map(V::items).unwrap_or_default() {
        let Some(name) = rep.str_at(&["name"]) else {
            continue;
        };
        let count = rep.get("count").cloned().unwrap_or(V::Int(0));
        for r in res.iter_mut() {
            let id = r.id();
            if (id.name == name || r.orig.name == name)
                && matches!(
                    id.kind.as_str(),
                    "Deployment" | "ReplicationController" | "ReplicaSet" | "StatefulSet"
                )
                && let Some(spec) = r.value.map_at("spec")
            {
                spec.set("replicas", count.clone());
            }
        }
    }
    // images
    for img in k.get("images").map(V::items).unwrap_or_default() {
        let Some(name) = img.str_at(&["name"]) else {
            continue;
        };
        for r in res.iter_mut() {
            set_images(&mut r.value, name, img);
        }
    }
    Ok(())
}

fn text_pairs(m: &[(String, V)]) -> Vec<(String, String)> {
    m.iter()
        .map(|(k, v)| (k.clone(), v.scalar_text().unwrap_or_default()))
        .collect()
}

fn set_pairs(v: &mut V, path: &[&str], pairs: &[(String, String)]) {
    let mut cur = v;
    for (i, k) in path.iter().enumerate() {
        if i + 1 < path.len() && !cur.get(k).is_some_and(V::is_map) {
            return;
        }
        let Some(next) = cur.map_at(k) else { return };
        cur = next;
    }
    for (k, val) in pairs {
        cur.set(k, V::Str(val.clone()));
    }
}

/// The `metadata` blocks of the pod templates a kind keeps (kustomize's template field
/// specs).
fn template_metadata(kind: &str) -> &'static [&'static [&'static str]] {
    match kind {
        "ReplicationController"
        | "Deployment"
        | "ReplicaSet"
        | "DaemonSet"
        | "StatefulSet"
        | "Job" => &[&["spec", "template", "metadata"]],
        "CronJob" => &[
            &["spec", "jobTemplate", "metadata"],
            &["spec", "jobTemplate", "spec", "template", "metadata"],
        ],
        _ => &[],
    }
}

/// Adds the labels; whether a pod template's labels or a selector changed.
fn add_labels(v: &mut V, pairs: &[(String, String)], selectors: bool, templates: bool) -> bool {
    let kind = v.str_at(&["kind"]).unwrap_or("").to_string();
    set_pairs(v, &["metadata", "labels"], pairs);
    let mut template_changed = false;
    if templates {
        for path in template_metadata(&kind) {
            let mut p: Vec<&str> = path.to_vec();
            p.push("labels");
            // the template must exist; its metadata and labels are made
            if v.path(&path[..path.len() - 1]).is_some_and(V::is_map) {
                let before = v.path(&p).cloned();
                set_pairs(v, &p, pairs);
                template_changed |= v.path(&p).cloned() != before;
            }
        }
        if kind == "StatefulSet"
            && let Some(V::Seq(claims)) = v
                .get_mut("spec")
                .and_then(|s| s.get_mut("volumeClaimTemplates"))
        {
            for c in claims {
                set_pairs(c, &["metadata", "labels"], pairs);
            }
        }
    }
    if !selectors {
        return template_changed;
    }
    // a selector changed is where it was set too
    let before = v.get("spec").cloned();
    let create: &[&[&str]] = match kind.as_str() {
        "Service" | "ReplicationController" => &[&["spec", "selector"]],
        "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet" => {
            &[&["spec", "selector", "matchLabels"]]
        }
        _ => &[],
    };
    for path in create {
        if kind == "Service" && !v.get("spec").is_some_and(V::is_map) {
            continue;
        }
        if let Some(at) = made(v, path) {
            for (k, val) in pairs {
                at.set(k, V::Str(val.clone()));
            }
        }
    }
    // selectors that are only updated where they exist
    let existing: &[&[&str]] = match kind.as_str() {
        "Job" => &[&["spec", "selector", "matchLabels"]],
        "CronJob" => &[&["spec", "jobTemplate", "spec", "selector", "matchLabels"]],
        "PodDisruptionBudget" => &[&["spec", "selector", "matchLabels"]],
        "NetworkPolicy" => &[&["spec", "podSelector", "matchLabels"]],
        _ => &[],
    };
    for path in existing {
        if v.path(path).is_some_and(V::is_map) {
            set_pairs(v, path, pairs);
        }
    }
    if kind == "NetworkPolicy" {
        for (dir, peer) in [("ingress", "from"), ("egress", "to")] {
            if let Some(V::Seq(rules)) = v.get_mut("spec").and_then(|s| s.get_mut(dir)) {
                for rule in rules {
                    if let Some(V::Seq(peers)) = rule.get_mut(peer) {
                        for p in peers {
                            if p.path(&["podSelector", "matchLabels"])
                                .is_some_and(V::is_map)
                            {
                                set_pairs(p, &["podSelector", "matchLabels"], pairs);
                            }
                        }
                    }
                }
            }
        }
    }
    if matches!(kind.as_str(), "Deployment" | "StatefulSet") {
        let spec_paths: [&[&str]; 5] = [
            &[
                "affinity",
                "podAffinity",
                "preferredDuringSchedulingIgnoredDuringExecution",
            ],
            &[
                "affinity",
                "podAffinity",
                "requiredDuringSchedulingIgnoredDuringExecution",
            ],
            &[
                "affinity",
                "podAntiAffinity",
                "preferredDuringSchedulingIgnoredDuringExecution",
            ],
            &[
                "affinity",
                "podAntiAffinity",
                "requiredDuringSchedulingIgnoredDuringExecution",
            ],
            &["topologySpreadConstraints"],
        ];
        for (i, sp) in spec_paths.iter().enumerate() {
            let Some(pod) = v
                .get_mut("spec")
                .and_then(|s| s.get_mut("template"))
                .and_then(|t| t.get_mut("spec"))
            else {
                break;
            };
            let mut cur = Some(pod);
            for k in *sp {
                cur = cur.and_then(|c| c.get_mut(k));
            }
            if let Some(V::Seq(terms)) = cur {
                for t in terms {
                    let term = if i == 0 || i == 2 {
                        t.get_mut("podAffinityTerm")
                    } else {
                        Some(t)
                    };
                    if let Some(term) = term
                        && term
                            .path(&["labelSelector", "matchLabels"])
                            .is_some_and(V::is_map)
                    {
                        set_pairs(term, &["labelSelector", "matchLabels"], pairs);
                    }
                }
            }
        }
    }
    template_changed || v.get("spec") != before.as_ref()
}

/// The mapping at `path`, each missing mapping on the way made.
fn made<'a>(v: &'a mut V, path: &[&str]) -> Option<&'a mut V> {
    match path.split_first() {
        None => Some(v),
        Some((k, rest)) => made(v.map_at(k)?, rest),
    }
}

fn set_namespace(v: &mut V, ns: &str) {
    let kind = v.str_at(&["kind"]).unwrap_or("").to_string();
    let api = v.str_at(&["apiVersion"]).unwrap_or("").to_string();
    let group = api.rsplit_once('/').map_or("", |(g, _)| g).to_string();
    if kind == "Namespace" && api == "v1" {
        if let Some(m) = v.map_at("metadata") {
            m.set("name", V::Str(ns.to_string()));
        }
        return;
    }
    if !crate::model::kinds::is_cluster_scoped(&group, &kind)
        && let Some(m) = v.map_at("metadata")
    {
        m.set("namespace", V::Str(ns.to_string()));
    }
    if kind == "APIService"
        && let Some(s) = v.get_mut("spec").and_then(|s| s.get_mut("service"))
        && s.is_map()
    {
        s.set("namespace", V::Str(ns.to_string()));
    }
    if kind == "CustomResourceDefinition"
        && let Some(s) = v
            .get_mut("spec")
            .and_then(|s| s.get_mut("conversion"))
            .and_then(|c| c.get_mut("webhook"))
            .and_then(|w| w.get_mut("clientConfig"))
            .and_then(|c| c.get_mut("service"))
        && s.is_map()
    {
        s.set("namespace", V::Str(ns.to_string()));
    }
    if matches!(kind.as_str(), "RoleBinding" | "ClusterRoleBinding")
        && let Some(V::Seq(subjects)) = v.get_mut("subjects")
    {
        for s in subjects {
            if s.str_at(&["name"]) == Some("default") {
                s.set("namespace", V::Str(ns.to_string()));
            }
        }
    }
}

/// Sets the images of every container list anywhere in the object whose image names
/// `name`.
fn set_images(v: &mut V, name: &str, img: &V) {
    match v {
        V::Map(m) => {
            for (k, x) in m.iter_mut() {
                if matches!(k.as_str(), "containers" | "initContainers")
                    && let V::Seq(cs) = x
                {
                    for c in cs {
                        if let Some(V::Str(image)) = c.get_mut("image")
                            && let Some(new) = new_image(image, name, img)
                        {
                            *image = new;
                        }
                    }
                } else {
                    set_images(x, name, img);
                }
            }
        }
        V::Seq(s) => {
            for x in s {
                set_images(x, name, img);
            }
        }
        _ => {}
    }
}

/// kustomize's image rewrite: the image's name (without tag or digest) must equal `name`.
fn new_image(image: &str, name: &str, img: &V) -> Option<String> {
    let (base, rest) = split_image(image);
    if base != name {
        return None;
    }
    let new_name = img.str_at(&["newName"]).unwrap_or(base);
    let tag = match (img.get("digest"), img.get("newTag")) {
        (Some(d), _) => format!("@{}", d.scalar_text().unwrap_or_default()),
        (None, Some(t)) => format!(":{}", t.scalar_text().unwrap_or_default()),
        (None, None) => rest.to_string(),
    };
    Some(format!("{new_name}{tag}"))
}

/// An image reference split into its name and its `:tag` / `@digest` part.
fn split_image(image: &str) -> (&str, &str) {
    if let Some(i) = image.find('@') {
        let (n, d) = image.split_at(i);
        // a tag before the digest stays with the name's rest
        return match n.rfind(':').filter(|&c| !n[c..].contains('/')) {
            Some(c) => (&image[..c], &image[c..]),
            None => (n, d),
        };
    }
    match image.rfind(':').filter(|&c| !image[c..].contains('/')) {
        Some(c) => (&image[..c], &image[c..]),
        None => (image, ""),
    }
}

// ---- the top of the build ----

fn finish(res: &mut [Resource]) -> Result<(), RenderError> {
    // content hashes of generated names
    for r in res.iter_mut().filter(|r| r.hashed) {
        let hash = content_hash(&r.value);
        if let Some(m) = r.value.get_mut("metadata")
            && let Some(V::Str(n)) = m.get_mut("name")
        {
            *n = format!("{n}-{hash}");
        }
    }
    fix_references(res);
    sort(res);
    Ok(())
}

/// kustomize's hash of a generated ConfigMap or Secret (its `hasher`): the JSON of kind,
/// an empty name, data (and type, binaryData or stringData) with sorted keys, SHA-256, the
/// first ten hex digits with `0 1 3 a e` swapped for `g h k m t`.
fn content_hash(v: &V) -> String {
    let kind = v.str_at(&["kind"]).unwrap_or("");
    let mut m: BTreeMap<&str, serde_json::Value> = BTreeMap::new();
    m.insert("kind", kind.into());
    // kustomize looks the name up as one field called `metadata/name`, which no object
    // has: the name is always empty in what it hashes
    m.insert("name", "".into());
    let map_of = |key: &str| -> Option<serde_json::Value> {
        match v.get(key) {
            Some(V::Map(x)) => Some(serde_json::Value::Object(
                x.iter()
                    .map(|(k, v)| (k.clone(), v.scalar_text().unwrap_or_default().into()))
                    .collect(),
            )),
            _ => None,
        }
    };
    m.insert("data", map_of("data").unwrap_or_else(|| "".into()));
    if kind == "Secret" {
        m.insert("type", v.str_at(&["type"]).unwrap_or("").into());
        if let Some(sd) = map_of("stringData") {
            m.insert("stringData", sd);
        }
    } else if let Some(bd) = map_of("binaryData") {
        m.insert("binaryData", bd);
    }
    let json = go_json(&serde_json::Value::Object(
        m.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
    ));
    let digest = sha256_hex(json.as_bytes());
    digest[..10]
        .chars()
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

/// JSON as Go's `encoding/json` writes it: keys sorted, `<`, `>` and `&` escaped.
fn go_json(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", go_string(k), go_json(&m[k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        serde_json::Value::String(s) => go_string(s),
        other => other.to_string(),
    }
}

fn go_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(data);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// A reference field of a referrer kind: the path to the name (each `[]`-free step may be
/// a list, stepped into item by item).
struct Referral {
    /// The referred kind and its group.
    to: (&'static str, &'static str),
    /// Referrer kinds (`*` any).
    from: &'static [&'static str],
    path: &'static [&'static str],
}

/// Where a pod spec sits in each kind that has one.
const POD_SPECS: &[(&str, &[&str])] = &[
    ("Pod", &["spec"]),
    ("PodTemplate", &["template", "spec"]),
    ("Deployment", &["spec", "template", "spec"]),
    ("ReplicaSet", &["spec", "template", "spec"]),
    ("ReplicationController", &["spec", "template", "spec"]),
    ("DaemonSet", &["spec", "template", "spec"]),
    ("StatefulSet", &["spec", "template", "spec"]),
    ("Job", &["spec", "template", "spec"]),
    (
        "CronJob",
        &["spec", "jobTemplate", "spec", "template", "spec"],
    ),
];

/// Name references inside a pod spec: (referred kind, path from the pod spec).
const POD_REFS: &[(&str, &[&str])] = &[
    ("ConfigMap", &["volumes", "configMap", "name"]),
    (
        "ConfigMap",
        &["volumes", "projected", "sources", "configMap", "name"],
    ),
    (
        "ConfigMap",
        &["containers", "env", "valueFrom", "configMapKeyRef", "name"],
    ),
    (
        "ConfigMap",
        &[
            "initContainers",
            "env",
            "valueFrom",
            "configMapKeyRef",
            "name",
        ],
    ),
    (
        "ConfigMap",
        &["containers", "envFrom", "configMapRef", "name"],
    ),
    (
        "ConfigMap",
        &["initContainers", "envFrom", "configMapRef", "name"],
    ),
    ("Secret", &["volumes", "secret", "secretName"]),
    (
        "Secret",
        &["volumes", "projected", "sources", "secret", "name"],
    ),
    (
        "Secret",
        &["containers", "env", "valueFrom", "secretKeyRef", "name"],
    ),
    (
        "Secret",
        &["initContainers", "env", "valueFrom", "secretKeyRef", "name"],
    ),
    ("Secret", &["containers", "envFrom", "secretRef", "name"]),
    (
        "Secret",
        &["initContainers", "envFrom", "secretRef", "name"],
    ),
    ("Secret", &["imagePullSecrets", "name"]),
    ("ServiceAccount", &["serviceAccountName"]),
    (
        "PersistentVolumeClaim",
        &["volumes", "persistentVolumeClaim", "claimName"],
    ),
    ("PriorityClass", &["priorityClassName"]),
];

/// Name references outside pod specs.
const REFERRALS: &[Referral] = &[
    Referral {
        to: ("Deployment", "apps"),
        from: &["HorizontalPodAutoscaler"],
        path: &["spec", "scaleTargetRef", "name"],
    },
    Referral {
        to: ("StatefulSet", "apps"),
        from: &["HorizontalPodAutoscaler"],
        path: &["spec", "scaleTargetRef", "name"],
    },
    Referral {
        to: ("ReplicaSet", "apps"),
        from: &["HorizontalPodAutoscaler"],
        path: &["spec", "scaleTargetRef", "name"],
    },
    Referral {
        to: ("Service", ""),
        from: &["StatefulSet"],
        path: &["spec", "serviceName"],
    },
    Referral {
        to: ("Service", ""),
        from: &["Ingress"],
        path: &[
            "spec", "rules", "http", "paths", "backend", "service", "name",
        ],
    },
    Referral {
        to: ("Service", ""),
        from: &["Ingress"],
        path: &["spec", "rules", "http", "paths", "backend", "serviceName"],
    },
    Referral {
        to: ("Service", ""),
        from: &["Ingress"],
        path: &["spec", "defaultBackend", "service", "name"],
    },
    Referral {
        to: ("Service", ""),
        from: &["Ingress"],
        path: &["spec", "backend", "serviceName"],
    },
    Referral {
        to: ("Service", ""),
        from: &["APIService"],
        path: &["spec", "service", "name"],
    },
    Referral {
        to: ("Service", ""),
        from: &[
            "ValidatingWebhookConfiguration",
            "MutatingWebhookConfiguration",
        ],
        path: &["webhooks", "clientConfig", "service", "name"],
    },
    Referral {
        to: ("Secret", ""),
        from: &["Ingress"],
        path: &["spec", "tls", "secretName"],
    },
    Referral {
        to: ("Secret", ""),
        from: &["ServiceAccount"],
        path: &["imagePullSecrets", "name"],
    },
    Referral {
        to: ("Secret", ""),
        from: &["ServiceAccount"],
        path: &["secrets", "name"],
    },
    Referral {
        to: ("Role", "rbac.authorization.k8s.io"),
        from: &["RoleBinding"],
        path: &["roleRef", "name"],
    },
    Referral {
        to: ("ClusterRole", "rbac.authorization.k8s.io"),
        from: &["RoleBinding", "ClusterRoleBinding"],
        path: &["roleRef", "name"],
    },
    Referral {
        to: ("PersistentVolume", ""),
        from: &["PersistentVolumeClaim"],
        path: &["spec", "volumeName"],
    },
    Referral {
        to: ("StorageClass", "storage.k8s.io"),
        from: &["PersistentVolume", "PersistentVolumeClaim"],
        path: &["spec", "storageClassName"],
    },
    Referral {
        to: ("StorageClass", "storage.k8s.io"),
        from: &["StatefulSet"],
        path: &["spec", "volumeClaimTemplates", "spec", "storageClassName"],
    },
    Referral {
        to: ("IngressClass", "networking.k8s.io"),
        from: &["Ingress"],
        path: &["spec", "ingressClassName"],
    },
];

/// Points references at the names their targets have now (a prefix, a suffix, a hash).
fn fix_references(res: &mut [Resource]) {
    // (kind, group, original namespace, original name) → new name, where it changed
    let renamed: Vec<(Id, String, String)> = res
        .iter()
        .filter_map(|r| {
            let id = r.id();
            (id.name != r.orig.name)
                .then(|| (r.orig.clone(), id.name.clone(), id.namespace.clone()))
        })
        .collect();
    if renamed.is_empty() {
        return;
    }
    let lookup = |kind: &str, group: &str, ns: &str, old: &str| -> Option<String> {
        renamed
            .iter()
            .filter(|(o, _, new_ns)| {
                o.kind == kind
                    && o.group == group
                    && o.name == old
                    && (ns.is_empty() || new_ns.is_empty() || *new_ns == ns)
            })
            .map(|(_, new, _)| new.clone())
            .next()
    };
    for r in res.iter_mut() {
        let id = r.id();
        let ns = id.namespace.clone();
        let mut edits: Vec<(&'static str, &'static str, Vec<&'static str>)> = Vec::new();
        for (kind, spec) in POD_SPECS {
            if *kind == id.kind {
                for (to, p) in POD_REFS {
                    let mut path: Vec<&'static str> = spec.to_vec();
                    path.extend_from_slice(p);
                    let group = "";
                    edits.push((to, group, path));
                }
            }
        }
        for referral in REFERRALS {
            if referral.from.contains(&id.kind.as_str()) {
                edits.push((referral.to.0, referral.to.1, referral.path.to_vec()));
            }
        }
        for (kind, group, path) in edits {
            rename_at(&mut r.value, &path, &|old| lookup(kind, group, &ns, old));
        }
        if matches!(id.kind.as_str(), "RoleBinding" | "ClusterRoleBinding")
            && let Some(V::Seq(subjects)) = r.value.get_mut("subjects")
        {
            for s in subjects {
                if s.str_at(&["kind"]) != Some("ServiceAccount") {
                    continue;
                }
                let name = s.str_at(&["name"]).unwrap_or("").to_string();
                let sns = s.str_at(&["namespace"]).unwrap_or("").to_string();
                if let Some((_, new, new_ns)) = renamed.iter().find(|(o, _, _)| {
                    o.kind == "ServiceAccount"
                        && o.name == name
                        && (sns.is_empty() || o.namespace == sns)
                }) {
                    s.set("name", V::Str(new.clone()));
                    if !new_ns.is_empty() {
                        s.set("namespace", V::Str(new_ns.clone()));
                    }
                }
            }
        }
    }
}

/// Replaces the string at `path` (stepping into lists) through `new`.
fn rename_at(v: &mut V, path: &[&str], new: &dyn Fn(&str) -> Option<String>) {
    match v {
        V::Seq(items) => {
            for i in items {
                rename_at(i, path, new);
            }
        }
        V::Map(_) => {
            let Some((first, rest)) = path.split_first() else {
                return;
            };
            let Some(next) = v.get_mut(first) else { return };
            if rest.is_empty() {
                if let V::Str(s) = next
                    && let Some(n) = new(s)
                {
                    *s = n;
                }
            } else {
                rename_at(next, rest, new);
            }
        }
        V::Str(s) if path.is_empty() => {
            if let Some(n) = new(s) {
                *s = n;
            }
        }
        _ => {}
    }
}

/// kustomize's legacy order: some kinds first, webhooks last, the rest by group, version
/// and kind, then by namespace and name.
fn sort(res: &mut [Resource]) {
    const FIRST: &[&str] = &[
        "Namespace",
        "ResourceQuota",
        "StorageClass",
        "CustomResourceDefinition",
        "ServiceAccount",
        "PodSecurityPolicy",
        "Role",
        "ClusterRole",
        "RoleBinding",
        "ClusterRoleBinding",
        "ConfigMap",
        "Secret",
        "Endpoints",
        "Service",
        "LimitRange",
        "PriorityClass",
        "PersistentVolume",
        "PersistentVolumeClaim",
        "Deployment",
        "StatefulSet",
        "CronJob",
        "PodDisruptionBudget",
    ];
    const LAST: &[&str] = &[
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
    ];
    let rank = |kind: &str| -> i64 {
        if let Some(i) = FIRST.iter().position(|k| *k == kind) {
            i as i64 - FIRST.len() as i64
        } else if let Some(i) = LAST.iter().position(|k| *k == kind) {
            1 + i as i64
        } else {
            0
        }
    };
    let gvk = |v: &V| {
        let api = v.str_at(&["apiVersion"]).unwrap_or("");
        let (g, ver) = api.rsplit_once('/').unwrap_or(("", api));
        let kind = v.str_at(&["kind"]).unwrap_or("");
        let or = |s: &str, d: &str| {
            if s.is_empty() {
                d.to_string()
            } else {
                s.to_string()
            }
        };
        (or(g, "~G"), or(ver, "~V"), or(kind, "~K"))
    };
    res.sort_by(|a, b| {
        let (ga, gb) = (gvk(&a.value), gvk(&b.value));
        if ga != gb {
            let (ra, rb) = (rank(&ga.2), rank(&gb.2));
            if ra != rb {
                return ra.cmp(&rb);
            }
            let key = |g: &(String, String, String)| format!("{}_{}_{}", g.0, g.1, g.2);
            if ga.2 == "Namespace" && gb.2 == "Namespace" && (ga.0 == "~G" || gb.0 == "~G") {
                return key(&gb).cmp(&key(&ga));
            }
            return key(&ga).cmp(&key(&gb));
        }
        let id = |r: &Resource| {
            let i = r.id();
            let or = |s: &str, d: &str| {
                if s.is_empty() {
                    d.to_string()
                } else {
                    s.to_string()
                }
            };
            format!(
                "{}_{}_{}|{}|{}",
                ga.2,
                ga.1,
                ga.0,
                or(&i.namespace, "~X"),
                or(&i.name, "~N")
            )
        };
        id(a).cmp(&id(b))
    });
}
