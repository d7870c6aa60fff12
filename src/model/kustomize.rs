//! kustomizations, read for their structure: which files they include (so which YAML reader
//! applies), which are patches (partial objects), which namespace they set, and which files
//! are applied together (DESIGN.md "Apply groups and namespaces").

use super::flux::FluxKustomization;
use super::subst::{Substitution, Vars};
use crate::yaml;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

pub const FILE_NAMES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// The kustomization file of a directory, if it has one.
pub fn kustomization_file(dir: &Path) -> Option<PathBuf> {
    kustomization_file_in(dir, &|p| p.is_file())
}

/// As `kustomization_file`, where `is_file` says which files exist (a commit's, say).
pub fn kustomization_file_in(dir: &Path, is_file: &dyn Fn(&Path) -> bool) -> Option<PathBuf> {
    FILE_NAMES.iter().map(|n| dir.join(n)).find(|p| is_file(p))
}

pub fn is_kustomization(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| FILE_NAMES.contains(&n))
}

pub use crate::walk::normalize;

#[derive(Default, Debug)]
struct Kustomization {
    namespace: Option<String>,
    /// files and kustomization directories, normalized
    resources: Vec<PathBuf>,
    patches: Vec<PathBuf>,
    template_labels: Vec<(String, String)>,
    /// Labels it adds to every object's `metadata.labels` (`commonLabels`, every `labels`
    /// entry).
    metadata_labels: Vec<(String, String)>,
    /// The workloads whose `replicas` its `replicas:` entries set.
    replicas: Vec<String>,
    /// It changes what it includes (patches, prefixes, generators, components, ...), so
    /// its objects differ from the files' beyond what a `FileRole` says.
    transforms: bool,
}

/// What kustomize makes of one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileRole {
    /// Included by some kustomization, so kustomize's YAML reader applies.
    pub kustomize: bool,
    /// Referenced as a patch: a partial object.
    pub patch: bool,
    /// The apply groups (root kustomizations) including it, each with the namespace that
    /// kustomization sets, if any.
    pub groups: Vec<(u32, Option<String>)>,
    /// Labels kustomizations add to pod templates (`commonLabels`, `labels` with
    /// `includeSelectors` or `includeTemplates`).
    pub template_labels: Vec<(String, String)>,
    /// Labels kustomizations add to `metadata.labels` (`commonLabels`, `labels`).
    pub metadata_labels: Vec<(String, String)>,
    /// The names of the workloads whose `replicas` a kustomization sets.
    pub replicas: Vec<String>,
    /// The Flux Kustomizations that apply it (by their index in `Kustomize::flux`), each
    /// with the namespace its objects land in (`targetNamespace`, else the one a
    /// kustomization sets).
    pub flux: Vec<(u32, Option<String>)>,
    /// How its `${VAR}` placeholders read (from the Flux Kustomizations applying it).
    pub substitution: Substitution,
}

impl FileRole {
    /// How a file with this role (or none) is typed: by kustomize when a kustomization
    /// includes it, where `on` and `yes` stay strings; by the Kubernetes reader otherwise.
    pub fn reader_of(role: Option<&FileRole>) -> crate::yaml::resolve::Reader {
        if role.is_some_and(|r| r.kustomize) {
            crate::yaml::resolve::Reader::Kustomize
        } else {
            crate::yaml::resolve::Reader::Kubernetes
        }
    }
}

#[derive(Default)]
pub struct Kustomize {
    roles: HashMap<PathBuf, FileRole>,
    /// The directories of kustomizations and Flux paths, and every directory above them:
    /// where definitions say what is applied together.
    defined: HashSet<PathBuf>,
    /// The root kustomizations (those no other includes), by apply group id.
    pub roots: Vec<PathBuf>,
    /// Whether each root, or a kustomization it includes, changes what it includes: only
    /// those need rendering to be seen as applied.
    pub transforming: Vec<bool>,
}

/// A Flux Kustomization of the run, with the directory its `spec.path` names (resolved
/// against the repository root: the nearest directory above its file where that path
/// exists).
pub struct FluxRoot {
    pub dir: PathBuf,
    pub spec: FluxKustomization,
}

impl Kustomize {
    /// Reads the kustomizations found among `files` and those they reference.
    /// The kustomizations a run needs: those among its inputs, and those in the directories
    /// of its inputs (a linted file's own directory may hold the kustomization that
    /// includes it).
    /// `read` gives a kustomization file's text (`load::read_text`: `model/` does no I/O of
    /// its own).
    pub fn for_inputs(
        inputs: &[crate::walk::Input],
        read: &(dyn Fn(&Path) -> Option<String> + Sync),
    ) -> Kustomize {
        Kustomize::for_inputs_with_flux(inputs, &[], &[], read, &|_| Vec::new())
    }

    /// As `for_inputs`, with the files of the repository around them (`listed`: every
    /// kustomization there is among them, so their directories are not probed) and the
    /// run's Flux Kustomizations (see `load`).
    pub fn for_inputs_with_flux(
        inputs: &[crate::walk::Input],
        listed: &[crate::walk::Input],
        flux: &[FluxRoot],
        read: &(dyn Fn(&Path) -> Option<String> + Sync),
        list: &dyn Fn(&Path) -> Vec<PathBuf>,
    ) -> Kustomize {
        use crate::walk::Input;
        let mut paths: std::collections::BTreeSet<PathBuf> = inputs
            .iter()
            .chain(listed)
            .map(Input::path)
            .filter(|p| is_kustomization(p))
            .collect();
        let mut dirs: Vec<PathBuf> = inputs
            .iter()
            .filter_map(|i| i.path().parent().map(Path::to_path_buf))
            .collect();
        dirs.sort();
        dirs.dedup();
        for dir in dirs {
            for n in FILE_NAMES {
                let k = dir.join(n);
                if !paths.contains(&k) && k.is_file() {
                    paths.insert(k);
                }
            }
        }
        Kustomize::load(paths.iter().map(PathBuf::as_path), flux, read, list)
    }

    /// The kustomizations of these files' directories and those they include, read with
    /// `read`.
    /// `flux` are the run's Flux Kustomizations; `list` gives the files and directories
    /// of a directory (Flux applies every manifest under a path without a kustomization).
    pub fn load<'a>(
        files: impl IntoIterator<Item = &'a Path>,
        flux: &[FluxRoot],
        read: &(dyn Fn(&Path) -> Option<String> + Sync),
        list: &dyn Fn(&Path) -> Vec<PathBuf>,
    ) -> Kustomize {
        let mut loaded: HashMap<PathBuf, Kustomization> = HashMap::new();
        let mut queue: Vec<PathBuf> = files
            .into_iter()
            .filter(|p| is_kustomization(p))
            .filter_map(|p| normalize(p).parent().map(Path::to_path_buf))
            .collect();
        // what Flux builds: a path's kustomization, or the manifests under it
        let mut flux_files: Vec<Vec<PathBuf>> = Vec::new();
        for f in flux {
            let mut plain = Vec::new();
            if kustomization_file(&f.dir).is_some() {
                queue.push(f.dir.clone());
            } else {
                let mut dirs = vec![f.dir.clone()];
                while let Some(d) = dirs.pop() {
                    for p in list(&d) {
                        if p.is_dir() {
                            if !f.spec.recurse {
                                continue;
                            }
                            if kustomization_file(&p).is_some() {
                                queue.push(p.clone());
                                plain.push(p);
                            } else {
                                dirs.push(p);
                            }
                        } else {
                            plain.push(p);
                        }
                    }
                }
            }
            flux_files.push(plain);
        }
        let mut referenced: HashSet<PathBuf> = HashSet::new();
        // breadth first, each level's kustomizations read and parsed in parallel
        let mut tried: HashSet<PathBuf> = HashSet::new();
        while !queue.is_empty() {
            let mut level: Vec<PathBuf> = std::mem::take(&mut queue);
            level.retain(|d| tried.insert(d.clone()));
            let read_level: Vec<(PathBuf, Option<Kustomization>, Vec<PathBuf>)> = level
                .into_par_iter()
                .map(|dir| {
                    let k = read_dir_kustomization(&dir, read);
                    let sub: Vec<PathBuf> = k
                        .iter()
                        .flat_map(|k| &k.resources)
                        .filter(|r| r.is_dir())
                        .cloned()
                        .collect();
                    (dir, k, sub)
                })
                .collect();
            for (dir, k, sub) in read_level {
                let Some(k) = k else { continue };
                for r in sub {
                    referenced.insert(r.clone());
                    queue.push(r);
                }
                loaded.insert(dir, k);
            }
        }
        let mut roots: Vec<&PathBuf> = loaded.keys().filter(|d| !referenced.contains(*d)).collect();
        roots.sort();
        let root_dirs: Vec<PathBuf> = roots.iter().map(|p| (*p).clone()).collect();
        let transforming: Vec<bool> = root_dirs
            .iter()
            .map(|r| {
                let mut stack = vec![r.clone()];
                let mut seen = HashSet::new();
                while let Some(d) = stack.pop() {
                    if !seen.insert(d.clone()) {
                        continue;
                    }
                    let Some(k) = loaded.get(&d) else { continue };
                    if k.transforms {
                        return true;
                    }
                    stack.extend(
                        k.resources
                            .iter()
                            .filter(|p| loaded.contains_key(*p))
                            .cloned(),
                    );
                }
                false
            })
            .collect();
        let mut roles: HashMap<PathBuf, FileRole> = HashMap::new();
        for (gid, root) in roots.into_iter().enumerate() {
            let mut seen = HashSet::new();
            walk(
                &loaded,
                root,
                None,
                &Inherited::default(),
                gid as u32,
                &mut seen,
                &mut roles,
            );
        }
        // the files each Flux Kustomization applies, and how it reads them
        for (j, f) in flux.iter().enumerate() {
            let mut reached: HashMap<PathBuf, FileRole> = HashMap::new();
            let starts: Vec<PathBuf> = if flux_files[j].is_empty() {
                vec![f.dir.clone()]
            } else {
                flux_files[j].clone()
            };
            for start in starts {
                if loaded.contains_key(&start) {
                    walk(
                        &loaded,
                        &start,
                        None,
                        &Inherited::default(),
                        0,
                        &mut HashSet::new(),
                        &mut reached,
                    );
                } else {
                    reached
                        .entry(normalize(&start))
                        .or_default()
                        .groups
                        .push((0, None));
                }
            }
            for (path, r) in reached {
                let role = roles.entry(path).or_default();
                // Flux builds every path with kustomize
                role.kustomize = true;
                for (_, ns) in r.groups {
                    let ns = f.spec.target_namespace.clone().or(ns);
                    let entry = (j as u32, ns);
                    if !role.flux.contains(&entry) {
                        role.flux.push(entry);
                    }
                }
            }
        }
        for role in roles.values_mut() {
            role.substitution = substitution(role, flux);
        }
        let mut defined = HashSet::new();
        for dir in loaded.keys().chain(flux.iter().map(|f| &f.dir)) {
            for a in dir.ancestors() {
                if !defined.insert(a.to_path_buf()) {
                    break;
                }
            }
        }
        Kustomize {
            roles,
            defined,
            roots: root_dirs,
            transforming,
        }
    }

    /// Whether a file that no kustomization or Flux Kustomization applies sits where such
    /// definitions say what is applied together (their directory, or one above them): an
    /// alternative bundle (`install.yaml` beside `namespace-install/`), applied alone.
    pub fn alone(&self, path: &Path) -> bool {
        if self.defined.is_empty() {
            return false;
        }
        let path = normalize(path);
        let applied = self
            .roles
            .get(&path)
            .is_some_and(|r| !r.groups.is_empty() || !r.flux.is_empty() || r.patch);
        !applied && path.parent().is_some_and(|d| self.defined.contains(d))
    }

    /// Whether root `gid`, or a kustomization it includes, changes what it includes.
    pub fn transforms(&self, gid: u32) -> bool {
        self.transforming.get(gid as usize) == Some(&true)
    }

    /// Every file a kustomization or a Flux Kustomization reaches, with its role.
    pub fn roles(&self) -> impl Iterator<Item = (&PathBuf, &FileRole)> {
        self.roles.iter()
    }

    pub fn role(&self, path: &Path) -> Option<&FileRole> {
        if self.roles.is_empty() {
            return None;
        }
        self.roles.get(&normalize(path))
    }
}

/// How the Flux Kustomizations applying a file read its placeholders: as written when none
/// has `postBuild`, with the variables all agree on when all have; otherwise unknown.
fn substitution(role: &FileRole, flux: &[FluxRoot]) -> Substitution {
    let specs: Vec<&FluxKustomization> = role
        .flux
        .iter()
        .filter_map(|(j, _)| flux.get(*j as usize).map(|f| &f.spec))
        .collect();
    if specs.is_empty() {
        return Substitution::Unknown;
    }
    if specs.iter().all(|s| s.substitution.is_none()) {
        return Substitution::Literal;
    }
    let vars: Option<Vec<&Vars>> = specs.iter().map(|s| s.substitution.as_ref()).collect();
    match vars {
        Some(v) => Substitution::Vars(std::sync::Arc::new(Vars::meet(&v))),
        None => Substitution::Unknown,
    }
}

/// What a kustomization passes down to the resources it includes.
#[derive(Clone, Default)]
struct Inherited {
    template_labels: Vec<(String, String)>,
    metadata_labels: Vec<(String, String)>,
    replicas: Vec<String>,
}

fn walk(
    loaded: &HashMap<PathBuf, Kustomization>,
    dir: &Path,
    ns: Option<&str>,
    inherited: &Inherited,
    gid: u32,
    seen: &mut HashSet<PathBuf>,
    roles: &mut HashMap<PathBuf, FileRole>,
) {
    if !seen.insert(dir.to_path_buf()) {
        return;
    }
    let Some(k) = loaded.get(dir) else { return };
    let ns = ns.or(k.namespace.as_deref());
    let mut own = inherited.clone();
    own.template_labels
        .extend(k.template_labels.iter().cloned());
    own.metadata_labels
        .extend(k.metadata_labels.iter().cloned());
    own.replicas.extend(k.replicas.iter().cloned());
    for p in &k.patches {
        let role = roles.entry(p.clone()).or_default();
        role.kustomize = true;
        role.patch = true;
    }
    for r in &k.resources {
        if loaded.contains_key(r) {
            walk(loaded, r, ns, &own, gid, seen, roles);
        } else {
            let role = roles.entry(r.clone()).or_default();
            role.kustomize = true;
            let g = (gid, ns.map(str::to_string));
            if !role.groups.contains(&g) {
                role.groups.push(g);
            }
            for l in &own.template_labels {
                if !role.template_labels.contains(l) {
                    role.template_labels.push(l.clone());
                }
            }
            for l in &own.metadata_labels {
                if !role.metadata_labels.contains(l) {
                    role.metadata_labels.push(l.clone());
                }
            }
            for n in &own.replicas {
                if !role.replicas.contains(n) {
                    role.replicas.push(n.clone());
                }
            }
        }
    }
}

/// Whether a `resources:` entry names a remote base (a URL, a git repository).
pub fn is_remote(s: &str) -> bool {
    s.contains("://")
        || s.starts_with("github.com/")
        || s.starts_with("gitlab.com/")
        || s.starts_with("bitbucket.org/")
        || s.starts_with("git@")
        || s.contains("?ref=")
}

fn read_dir_kustomization(
    dir: &Path,
    read: &(dyn Fn(&Path) -> Option<String> + Sync),
) -> Option<Kustomization> {
    let text = FILE_NAMES.iter().find_map(|n| read(&dir.join(n)))?;
    let stream = yaml::parse(&text, yaml::Limits::default());
    let doc = stream.documents.first()?;
    let root = doc.root?;
    // what a build changes beyond including files and setting their namespace
    let transforms = match doc.node(doc.deref(root)).kind {
        yaml::NodeKind::Map { .. } => doc.entries(root).iter().any(|e| {
            !matches!(
                doc.scalar(e.key),
                Some(
                    "apiVersion"
                        | "kind"
                        | "resources"
                        | "bases"
                        | "namespace"
                        | "metadata"
                        | "openapi"
                        | "crds"
                        | "buildMetadata"
                        | "sortOptions"
                        // nor what changes nothing a cross-file rule reads: images,
                        // annotations, generated ConfigMaps and Secrets (`replicas:` is in
                        // the `FileRole`)
                        | "images"
                        | "replicas"
                        | "commonAnnotations"
                        | "configMapGenerator"
                        | "secretGenerator"
                        | "generatorOptions"
                )
            )
        }),
        _ => false,
    };
    let mut k = Kustomization {
        transforms,
        namespace: doc
            .path_str(root, &["namespace"])
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        ..Default::default()
    };
    let path_of = |s: &str| -> Option<PathBuf> {
        if is_remote(s) || s.contains('\n') {
            return None;
        }
        Some(normalize(&dir.join(s)))
    };
    for key in ["resources", "bases", "components"] {
        if let Some(list) = doc.get(root, key) {
            for &item in doc.items(list) {
                if let Some(p) = doc.scalar(item).and_then(path_of) {
                    k.resources.push(p);
                }
            }
        }
    }
    for key in ["patches", "patchesStrategicMerge", "patchesJson6902"] {
        if let Some(list) = doc.get(root, key) {
            for &item in doc.items(list) {
                let p = match doc.scalar(item) {
                    Some(s) => path_of(s),
                    None => doc
                        .get(item, "path")
                        .and_then(|p| doc.scalar(p))
                        .and_then(path_of),
                };
                if let Some(p) = p {
                    k.patches.push(p);
                }
            }
        }
    }
    if let Some(cl) = doc.get(root, "commonLabels") {
        let pairs = super::selector::string_pairs(doc, cl);
        k.metadata_labels.extend(pairs.iter().cloned());
        k.template_labels.extend(pairs);
    }
    if let Some(list) = doc.get(root, "replicas") {
        k.replicas.extend(
            doc.items(list)
                .iter()
                .filter_map(|&r| doc.get(r, "name").and_then(|n| doc.str(n)))
                .map(str::to_string),
        );
    }
    if let Some(labels) = doc.get(root, "labels") {
        for &entry in doc.items(labels) {
            let flag =
                |name: &str| doc.get(entry, name).and_then(|n| doc.scalar(n)) == Some("true");
            let Some(pairs) = doc.get(entry, "pairs") else {
                continue;
            };
            let pairs = super::selector::string_pairs(doc, pairs);
            k.metadata_labels.extend(pairs.iter().cloned());
            if flag("includeSelectors") || flag("includeTemplates") {
                k.template_labels.extend(pairs);
            }
        }
    }
    Some(k)
}
