//! The compact cross-file index: only what cross-file rules need, kept after each file's
//! text and tree are dropped.

use super::kustomize::FileRole;
use super::object::ObjectInfo;
pub use super::refs::Refs;
use super::selector::{PodLabel, PodLabels, Selector};
use crate::source::{LineIndex, Located, Span};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// An apply group: one root kustomization, or a directory of files no kustomization includes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupKey {
    Kustomization(u32),
    /// A Flux Kustomization (by its index among the run's).
    Flux(u32),
    /// A file no definition applies, beside files that definitions do apply: its own group.
    File(PathBuf),
    Directory(PathBuf),
}

/// A pod template (or operator-made pods) that Services may select.
#[derive(Clone, Debug)]
pub struct PodFacts {
    /// Labels of running pods: the template's plus those its controller adds.
    pub labels: PodLabels,
    /// The template's `labels` field, for related spans.
    pub labels_at: Option<Located>,
    /// Argo Rollout `workloadRef`: the Deployment whose template it uses.
    pub workload_ref: Option<String>,
    /// The named container ports of the pods, with their protocol (containers and
    /// restartable init containers), where the template is known; `None` where an operator
    /// makes the pods from a spec kure does not read.
    pub ports: Option<Vec<(String, String)>>,
    /// The first container's `ports`, for related spans.
    pub ports_at: Option<Located>,
    /// The workload's own selector (a pod template's, not an operator's), and where it is
    /// written; a ReplicationController's defaults to its template labels.
    pub selector: Option<(Selector, Located)>,
    /// How many pods it runs, for kinds with `replicas`.
    pub replicas: Option<Replicas>,
}

/// A workload's `replicas`.
#[derive(Clone, Debug)]
pub enum Replicas {
    /// The count, and where it is written (`None`: the default, 1).
    Count(i64, Option<Located>),
    /// Templated, or changed by a kustomize patch or `replicas:` entry.
    Unknown,
}

#[derive(Clone, Debug)]
pub struct ServiceFacts {
    pub selector: Vec<(String, String)>,
    pub selector_at: Located,
    /// Each named `targetPort`, with its port's protocol and where it is written.
    pub named_targets: Vec<(String, String, Located)>,
}

/// One object, as cross-file rules see it. Kept for every object of the run, so it is small:
/// what most objects share (their file's apply groups) is shared, and what few have (pods,
/// a selector) is boxed.
#[derive(Clone, Debug)]
pub struct ObjectFacts {
    pub info: ObjectInfo,
    /// The namespaces the object is applied to; `None` means whatever namespace it is
    /// applied to (no `metadata.namespace`, no kustomization `namespace:`).
    pub namespaces: Arc<[Option<String>]>,
    /// The apply groups the object belongs to, with its namespace in each.
    pub groups: Arc<[(GroupKey, Option<String>)]>,
    pub partial: bool,
    /// `metadata.name`, or the document, for findings about the whole object.
    pub at: Located,
    pub pods: Option<Box<PodFacts>>,
    pub service: Option<Box<ServiceFacts>>,
    /// References to other objects, and what others look up in it.
    pub refs: Option<Box<Refs>>,
}

#[derive(Default)]
pub struct Inventory {
    pub objects: Vec<ObjectFacts>,
    /// pod sources by `(key, value)` of an exact or one-of label
    by_pair: HashMap<String, HashMap<String, Vec<usize>>>,
    /// pod sources by key, for labels whose value cannot be known offline
    by_any_key: HashMap<String, Vec<usize>>,
    /// pod sources by key, whatever the value
    by_key: HashMap<String, Vec<usize>>,
    /// every whole pod source
    pod_sources: Vec<usize>,
    /// whole Services with a selector
    services: Vec<usize>,
    /// pod sources by index, with the Services that select all their pods
    served: HashMap<usize, Vec<usize>>,
    /// Who makes objects no file holds (`model::elsewhere`): the cluster's installer, and
    /// the GitOps tools the repository bootstraps.
    pub makers: Vec<super::elsewhere::Maker>,
    /// Releases of objects kure cannot see: the namespace they install into (`None`:
    /// unknown, or any), their apply groups, and what each is (`HelmRelease/podinfo`).
    pub releases: Vec<Release>,
}

/// A release of objects kure cannot see (see `refs::Into`).
#[derive(Clone, Debug)]
pub struct Release {
    pub namespace: Option<String>,
    pub groups: Arc<[(GroupKey, Option<String>)]>,
    pub name: String,
}

/// What a reference looks for, to ask `Inventory::elsewhere`.
#[derive(Clone, Copy)]
pub enum Wanted<'a> {
    Pods(&'a Selector),
    Service(&'a str),
    Other,
}

/// Where what a reference looks for may come from, outside the files.
pub enum Elsewhere<'a> {
    /// Certainly made: by the cluster's installer or a bootstrapped GitOps tool.
    Present,
    /// Perhaps installed by these releases.
    Releases(Vec<&'a str>),
    Nowhere,
}

/// Whether two objects can be in the same namespace.
pub fn namespaces_meet(a: &[Option<String>], b: &[Option<String>]) -> bool {
    a.iter().any(|x| {
        b.iter().any(|y| match (x, y) {
            (None, _) | (_, None) => true,
            (Some(x), Some(y)) => x == y,
        })
    })
}

impl Inventory {
    /// Resolves Rollout `workloadRef`s to the referenced Deployment's template labels and
    /// merges labels that kustomize patches add to the objects they patch.
    pub fn finish(&mut self) {
        self.find_makers();
        self.resolve_references();
        self.add_operator_services();
        self.build_index();
    }

    /// Who makes objects that are not in the files, and the releases that install some.
    fn find_makers(&mut self) {
        use super::elsewhere::Maker;
        use super::refs::Into;
        self.makers = vec![Maker::Cluster];
        for o in &self.objects {
            let group = o.group();
            if group.ends_with(".toolkit.fluxcd.io") || group == "fluxcd.controlplane.io" {
                if !self.makers.contains(&Maker::Flux) {
                    self.makers.push(Maker::Flux);
                }
            } else if group == "argoproj.io"
                && matches!(
                    &*o.info.kind,
                    "Application" | "ApplicationSet" | "AppProject"
                )
                && !self.makers.contains(&Maker::ArgoCd)
            {
                self.makers.push(Maker::ArgoCd);
            }
            if let Some(into) = o.refs.as_deref().and_then(|r| r.installs()) {
                let name = o.info.name.as_deref().unwrap_or("?");
                let name = format!("{}/{name}", o.info.kind);
                let namespaces: Vec<Option<String>> = match into {
                    Into::Own => o.namespaces.to_vec(),
                    Into::Namespace(n) => vec![Some(n.clone())],
                    Into::Any => vec![None],
                };
                for namespace in namespaces {
                    self.releases.push(Release {
                        namespace,
                        groups: o.groups.clone(),
                        name: name.clone(),
                    });
                }
            }
        }
    }

    /// What may make, outside the files, what a reference in one of `namespaces` looks for:
    /// `Present` for what the cluster or a bootstrapped tool always makes; `Releases` for
    /// the releases installing into those namespaces (kure cannot see their objects).
    /// A release counts where it installs into one of the namespaces, or, where either
    /// namespace is not known, in an apply group of `from`'s.
    pub fn elsewhere(
        &self,
        from: &ObjectFacts,
        namespaces: &[Option<String>],
        want: Wanted<'_>,
    ) -> Elsewhere<'_> {
        use super::elsewhere;
        let made = match want {
            Wanted::Pods(selector) => elsewhere::pods(namespaces, selector, &self.makers),
            Wanted::Service(name) => elsewhere::service(namespaces, name, &self.makers),
            Wanted::Other => None,
        };
        if made.is_some() {
            return Elsewhere::Present;
        }
        let shares_group = |r: &Release| {
            r.groups
                .iter()
                .any(|(g, _)| from.groups.iter().any(|(h, _)| g == h))
        };
        let mut releases: Vec<&str> = self
            .releases
            .iter()
            .filter(|r| match &r.namespace {
                Some(n) if namespaces.iter().all(Option::is_some) => {
                    namespaces.iter().any(|m| m.as_deref() == Some(n.as_str()))
                }
                _ => shares_group(r),
            })
            .map(|r| r.name.as_str())
            .collect();
        releases.dedup();
        if releases.is_empty() {
            Elsewhere::Nowhere
        } else {
            Elsewhere::Releases(releases)
        }
    }

    /// The Services the prometheus-operator makes for the StatefulSets of its `Prometheus`,
    /// `Alertmanager` and `ThanosRuler` objects (`<kind>-operated`, headless, with the
    /// operator's port names), so an Ingress or a ServiceMonitor may name them. Kept out of
    /// every apply group: they are never the repository's own.
    fn add_operator_services(&mut self) {
        type Made = (&'static str, &'static str, &'static [(i64, &'static str)]);
        const MADE: &[(&str, Made)] = &[
            (
                "Prometheus",
                (
                    "prometheus-operated",
                    "operated-prometheus",
                    &[(9090, "web"), (10901, "grpc")],
                ),
            ),
            (
                "Alertmanager",
                (
                    "alertmanager-operated",
                    "operated-alertmanager",
                    &[(9093, "web"), (9094, "tcp-mesh"), (9094, "udp-mesh")],
                ),
            ),
            (
                "ThanosRuler",
                (
                    "thanos-ruler-operated",
                    "operated-thanos-ruler",
                    &[(10901, "grpc"), (10902, "web")],
                ),
            ),
        ];
        let mut made: Vec<ObjectFacts> = Vec::new();
        for o in &self.objects {
            if o.partial || o.group() != "monitoring.coreos.com" {
                continue;
            }
            let Some((_, (name, label, ports))) = MADE.iter().find(|(k, _)| *k == &*o.info.kind)
            else {
                continue;
            };
            let labels = PodLabels::exact([(*label, "true")]);
            made.push(ObjectFacts {
                info: ObjectInfo {
                    api_version: "v1".into(),
                    kind: "Service".into(),
                    namespace: o.info.namespace.clone(),
                    name: Some((*name).into()),
                },
                namespaces: o.namespaces.clone(),
                groups: Arc::new([]),
                partial: false,
                at: o.at.clone(),
                pods: None,
                service: None,
                refs: Some(Box::new(Refs::Service(super::refs::ServiceSide {
                    headless: true,
                    ports: ports
                        .iter()
                        .map(|(n, name)| super::refs::ServicePort {
                            port: *n,
                            name: Some(name.to_string()),
                            target: None,
                        })
                        .collect(),
                    ports_at: None,
                    labels,
                }))),
            });
        }
        self.objects.append(&mut made);
    }

    fn resolve_references(&mut self) {
        // patches: labels of a partial object are added to every whole object of that name
        let mut patch_labels: HashMap<(String, String), Vec<(String, PodLabel)>> = HashMap::new();
        // and a patch that writes `replicas` leaves the count unknown
        let mut patch_replicas: std::collections::HashSet<(String, String)> = Default::default();
        for o in &self.objects {
            if let (true, Some(p), Some(name)) = (o.partial, &o.pods, &o.info.name) {
                let key = (o.info.kind.to_string(), name.to_string());
                if matches!(p.replicas, Some(Replicas::Count(_, Some(_)))) {
                    patch_replicas.insert(key.clone());
                }
                patch_labels
                    .entry(key)
                    .or_default()
                    .extend(p.labels.0.iter().cloned());
            }
        }
        let deployments: HashMap<String, (Namespaces, PodLabels)> = self
            .objects
            .iter()
            .filter(|o| &*o.info.kind == "Deployment" && !o.partial)
            .filter_map(|o| {
                Some((
                    o.info.name.as_deref()?.to_string(),
                    (o.namespaces.clone(), o.pods.as_ref()?.labels.clone()),
                ))
            })
            .collect();
        for o in &mut self.objects {
            let Some(pods) = o.pods.as_mut() else {
                continue;
            };
            let key = o
                .info
                .name
                .as_ref()
                .map(|n| (o.info.kind.to_string(), n.to_string()));
            if !o.partial
                && pods.replicas.is_some()
                && key.as_ref().is_some_and(|k| patch_replicas.contains(k))
            {
                pods.replicas = Some(Replicas::Unknown);
            }
            if !o.partial
                && let Some(extra) = key.as_ref().and_then(|k| patch_labels.get(k))
            {
                for (k, v) in extra {
                    pods.labels.add_missing(k, v.clone());
                }
            }
            if let Some(target) = &pods.workload_ref
                && let Some((ns, labels)) = deployments.get(target)
                && namespaces_meet(ns, &o.namespaces)
            {
                for (k, v) in &labels.0 {
                    if k != "pod-template-hash" {
                        pods.labels.add_missing(k, v.clone());
                    }
                }
            }
        }
    }

    fn build_index(&mut self) {
        self.services = (0..self.objects.len())
            .filter(|&i| !self.objects[i].partial && self.objects[i].service.is_some())
            .collect();
        for (i, o) in self.objects.iter().enumerate() {
            let Some(p) = o.pods.as_ref().filter(|_| !o.partial) else {
                continue;
            };
            self.pod_sources.push(i);
            for (k, v) in &p.labels.0 {
                self.by_key.entry(k.clone()).or_default().push(i);
                match v {
                    PodLabel::Exact(v) => self
                        .by_pair
                        .entry(k.clone())
                        .or_default()
                        .entry(v.clone())
                        .or_default()
                        .push(i),
                    PodLabel::OneOf(vs) => {
                        let values = self.by_pair.entry(k.clone()).or_default();
                        for v in vs {
                            values.entry(v.clone()).or_default().push(i);
                        }
                    }
                    PodLabel::Any => self.by_any_key.entry(k.clone()).or_default().push(i),
                }
            }
        }
        // which Services already select each pod source: all its pods, not one group of
        // them (a Service selecting on a label the pods carry as one of several values, such
        // as an Argo Rollout's preview pods, leaves the rest to other Services)
        let mut served: HashMap<usize, Vec<usize>> = HashMap::new();
        for &si in &self.services {
            let s = &self.objects[si];
            let Some(f) = &s.service else { continue };
            let sel = Selector::of_map(&f.selector);
            for oi in self.matching_ids(&s.namespaces, &sel) {
                let Some(pods) = &self.objects[oi].pods else {
                    continue;
                };
                let grouped = f
                    .selector
                    .iter()
                    .any(|(k, _)| matches!(pods.labels.get(k), Some(PodLabel::OneOf(_))));
                if !grouped {
                    served.entry(oi).or_default().push(si);
                }
            }
        }
        self.served = served;
    }

    /// The index entries a requirement narrows the pod sources to (their union holds every
    /// pod source it can select), or `None` for one that does not narrow (`NotIn`,
    /// `DoesNotExist`). No allocation: each selector lookup sizes these first and collects
    /// only the narrowest.
    fn entries<'a>(&'a self, r: &'a super::selector::Requirement) -> Option<Vec<&'a [usize]>> {
        use super::selector::Op;
        let slice = |v: Option<&'a Vec<usize>>| v.map_or(&[][..], Vec::as_slice);
        match r.op {
            Op::In => {
                let values = self.by_pair.get(&r.key);
                let mut out: Vec<&[usize]> = r
                    .values
                    .iter()
                    .map(|v| slice(values.and_then(|m| m.get(v))))
                    .collect();
                out.push(slice(self.by_any_key.get(&r.key)));
                Some(out)
            }
            Op::Exists => Some(vec![slice(self.by_key.get(&r.key))]),
            Op::Invalid(_) => Some(Vec::new()),
            Op::NotIn | Op::DoesNotExist => None,
        }
    }

    /// The whole pod sources among `ids` that can share a namespace with `namespaces`.
    fn sources<'a>(
        &'a self,
        ids: Vec<usize>,
        namespaces: &'a [Option<String>],
    ) -> impl Iterator<Item = usize> + 'a {
        ids.into_iter().filter(move |&i| {
            let o = &self.objects[i];
            !o.partial && o.pods.is_some() && namespaces_meet(&o.namespaces, namespaces)
        })
    }

    /// Whole objects in `namespaces` whose pods carry at least one of `keys`, by index.
    fn pod_source_ids_with_keys<'a>(
        &'a self,
        namespaces: &'a [Option<String>],
        keys: &[&str],
    ) -> impl Iterator<Item = usize> + 'a {
        let mut ids: Vec<usize> = keys
            .iter()
            .filter_map(|k| self.by_key.get(*k))
            .flatten()
            .copied()
            .collect();
        ids.sort_unstable();
        ids.dedup();
        self.sources(ids, namespaces)
    }

    /// Whole objects in `namespaces` whose pods a selector selects, by index. The pod
    /// sources looked at are those the narrowest `In` or `Exists` requirement allows (one
    /// index lookup), or all of them for a selector of only `NotIn` and `DoesNotExist`.
    pub fn matching_ids<'a>(
        &'a self,
        namespaces: &'a [Option<String>],
        sel: &'a Selector,
    ) -> impl Iterator<Item = usize> + 'a {
        let ids = match sel
            .requirements
            .iter()
            .filter_map(|r| self.entries(r))
            .min_by_key(|e| e.iter().map(|s| s.len()).sum::<usize>())
        {
            Some(entries) => {
                let mut ids: Vec<usize> = entries.concat();
                if entries.len() > 1 {
                    ids.sort_unstable();
                    ids.dedup();
                }
                ids
            }
            None => self.pod_sources.clone(),
        };
        self.sources(ids, namespaces).filter(move |&i| {
            self.objects[i]
                .pods
                .as_ref()
                .is_some_and(|p| sel.matches(&p.labels))
        })
    }

    /// Likely typos in a selector that matches nothing: requirements `key: value` whose
    /// value is a slip (at most two edits, fewer than half its length) for the value of
    /// `key` on a pod template in `namespaces` that the selector would select with that
    /// value instead. Each as (edits, the template, the requirement's index, the value it
    /// has), closest first.
    pub fn value_typos<'a>(
        &'a self,
        namespaces: &'a [Option<String>],
        selector: &Selector,
    ) -> Vec<(usize, &'a ObjectFacts, usize, String)> {
        let mut out = Vec::new();
        for (i, r) in selector.requirements.iter().enumerate() {
            let [want] = r.values.as_slice() else {
                continue;
            };
            if r.op != super::selector::Op::In {
                continue;
            }
            for id in self.pod_source_ids_with_keys(namespaces, &[r.key.as_str()]) {
                let o = &self.objects[id];
                let Some(pods) = o.pods.as_ref() else {
                    continue;
                };
                let Some(super::selector::PodLabel::Exact(have)) = pods.labels.get(&r.key) else {
                    continue;
                };
                let d = strsim::osa_distance(want, have);
                if d == 0 || d > 2 || d * 2 >= want.chars().count() {
                    continue;
                }
                let mut fixed = selector.clone();
                fixed.requirements[i].values = vec![have.clone()];
                if fixed.matches(&pods.labels) {
                    out.push((d, o, i, have.clone()));
                }
            }
        }
        out.sort_by_key(|c| c.0);
        out
    }

    /// The whole Services with a selector, with their selector facts, in order.
    pub fn services(&self) -> impl Iterator<Item = (&ObjectFacts, &ServiceFacts)> {
        self.services.iter().filter_map(|&i| {
            let o = &self.objects[i];
            Some((o, o.service.as_deref()?))
        })
    }

    /// The objects of one kind (whole and patches) by name: one pass, for rules that look
    /// names up.
    pub fn by_name(&self, group: &str, kind: &str) -> HashMap<&str, Vec<&ObjectFacts>> {
        let mut out: HashMap<&str, Vec<&ObjectFacts>> = HashMap::new();
        for o in &self.objects {
            if &*o.info.kind == kind
                && o.group() == group
                && let Some(name) = o.info.name.as_deref()
            {
                out.entry(name).or_default().push(o);
            }
        }
        out
    }

    /// Whole objects in `namespaces` whose pods a selector selects.
    pub fn matching<'a>(
        &'a self,
        namespaces: &'a [Option<String>],
        sel: &'a Selector,
    ) -> impl Iterator<Item = &'a ObjectFacts> + 'a {
        self.matching_ids(namespaces, sel).map(|i| &self.objects[i])
    }
}

impl Inventory {
    /// The pod source a Service's selector most nearly matches, for a selector that matches
    /// none: most requirements satisfied, then most selector keys present, then the closest
    /// values. The Service's own apply groups are searched first (a near miss there is the
    /// likely intent, and the search stays small however large the repository).
    pub fn nearest_miss<'a>(
        &'a self,
        svc: &'a ObjectFacts,
        selector: &Selector,
    ) -> NearestMiss<'a> {
        let keys: Vec<&str> = selector
            .requirements
            .iter()
            .map(|r| r.key.as_str())
            .collect();
        let sources: Vec<usize> = self
            .pod_source_ids_with_keys(&svc.namespaces, &keys)
            .collect();
        let same_group: Vec<usize> = sources
            .iter()
            .copied()
            .filter(|&i| {
                self.objects[i]
                    .groups
                    .iter()
                    .any(|(g, _)| svc.groups.iter().any(|(h, _)| g == h))
            })
            .collect();
        let pool = if same_group.is_empty() {
            sources
        } else {
            same_group
        };
        let ranked: Vec<(Rank, usize)> = pool
            .into_iter()
            .filter_map(|i| {
                let pods = self.objects[i].pods.as_ref()?;
                let satisfied = selector
                    .requirements
                    .iter()
                    .filter(|r| r.matches(&pods.labels))
                    .count();
                let mut keys = 0;
                let mut closeness = 0.0;
                for r in &selector.requirements {
                    if let Some(have) = pods.labels.get(&r.key) {
                        keys += 1;
                        if let (PodLabel::Exact(v), Some(want)) = (have, r.values.first()) {
                            closeness += strsim::normalized_levenshtein(v.as_str(), want.as_str());
                        }
                    }
                }
                (keys > 0).then_some(((satisfied, keys, (closeness * 1000.0) as u64), i))
            })
            .collect();
        let best = |pool: &mut dyn Iterator<Item = &(Rank, usize)>| {
            pool.max_by(|a, b| {
                a.0.cmp(&b.0)
                    .then_with(|| self.objects[b.1].at.path.cmp(&self.objects[a.1].at.path))
            })
            .map(|&(_, i)| i)
        };
        // a workload another Service already selects is that Service's, not a likely target
        let unserved = best(
            &mut ranked
                .iter()
                .filter(|(_, i)| self.served_by(*i, svc).is_none()),
        );
        match unserved {
            Some(i) => NearestMiss::Unserved(&self.objects[i]),
            None => match best(&mut ranked.iter()) {
                Some(i) => self.served_by(i, svc).map_or(NearestMiss::None, |by| {
                    NearestMiss::Served(&self.objects[i], by)
                }),
                None => NearestMiss::None,
            },
        }
    }

    /// A Service other than `except` that selects all the pods of pod source `i`.
    fn served_by(&self, i: usize, except: &ObjectFacts) -> Option<&ObjectFacts> {
        self.served
            .get(&i)?
            .iter()
            .map(|&s| &self.objects[s])
            .find(|s| !std::ptr::eq(*s, except))
    }
}

/// The object among `candidates` whose name is a likely slip for `name` (at most two edits,
/// a swap of neighbours counting as one, and fewer than half its length), applied together
/// with `from` (the same apply group and namespace): what a "did you mean" names. The
/// closest wins; the first on a tie.
pub fn similar_name<'a>(
    from: &ObjectFacts,
    name: &str,
    candidates: impl IntoIterator<Item = &'a ObjectFacts>,
) -> Option<&'a ObjectFacts> {
    let mut best: Option<(usize, &ObjectFacts)> = None;
    for o in candidates {
        let Some(other) = o.info.name.as_deref() else {
            continue;
        };
        if o.partial || other == name || !o.groups.iter().any(|g| from.groups.contains(g)) {
            continue;
        }
        let d = strsim::osa_distance(name, other);
        if d <= 2 && d * 2 < name.chars().count() && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, o));
        }
    }
    best.map(|(_, o)| o)
}

/// How near a pod source is: requirements satisfied, selector keys present, closeness of
/// values (in thousandths).
type Rank = (usize, usize, u64);

/// The pod source a selector that matches nothing most nearly matches.
pub enum NearestMiss<'a> {
    /// One no other Service selects: the likely target.
    Unserved(&'a ObjectFacts),
    /// The nearest is already selected by another Service (the second).
    Served(&'a ObjectFacts, &'a ObjectFacts),
    None,
}

/// Where a file's spans are resolved: its path as reported, its line index, and whether it
/// is a kustomize patch (a partial object).
pub struct FileLocator<'a> {
    pub path: &'a Arc<str>,
    pub index: &'a LineIndex<'a>,
    pub partial: bool,
}

impl FileLocator<'_> {
    pub fn at(&self, span: Span) -> Located {
        Located::new(self.path, self.index, span)
    }
}

/// Builds the facts of one file's objects: the apply groups and namespaces an object belongs
/// to depend only on its file and its own namespace, so objects that share both share them.
pub struct FactsBuilder<'a> {
    role: Option<&'a FileRole>,
    /// The repository's own workload rows.
    workloads: &'a [super::workload::WorkloadKind],
    dir_group: GroupKey,
    shared: HashMap<Option<String>, Membership>,
    /// `apiVersion` and `kind` strings, one of each per file.
    names: std::collections::HashSet<Arc<str>>,
}

/// The namespaces an object is applied to (see `ObjectFacts::namespaces`).
type Namespaces = Arc<[Option<String>]>;

type Membership = (Arc<[(GroupKey, Option<String>)]>, Namespaces);

impl<'a> FactsBuilder<'a> {
    /// For a file with this kustomize role (or none) in this directory's apply group.
    pub fn new(
        role: Option<&'a FileRole>,
        dir_group: GroupKey,
        workloads: &'a [super::workload::WorkloadKind],
    ) -> FactsBuilder<'a> {
        FactsBuilder {
            role,
            workloads,
            dir_group,
            shared: HashMap::new(),
            names: std::collections::HashSet::new(),
        }
    }

    fn membership(&mut self, own_ns: Option<&str>) -> Membership {
        let key = own_ns.map(str::to_string);
        if let Some(m) = self.shared.get(&key) {
            return m.clone();
        }
        let own_ns = key.clone();
        let groups: Vec<(GroupKey, Option<String>)> = match self.role {
            // Flux applies it: each Flux Kustomization is an apply group, and its
            // `targetNamespace` wins over the object's own
            Some(r) if !r.flux.is_empty() => r
                .flux
                .iter()
                .map(|(j, ns)| (GroupKey::Flux(*j), ns.clone().or_else(|| own_ns.clone())))
                .collect(),
            Some(r) if !r.groups.is_empty() => r
                .groups
                .iter()
                .map(|(g, ns)| {
                    (
                        GroupKey::Kustomization(*g),
                        ns.clone().or_else(|| own_ns.clone()),
                    )
                })
                .collect(),
            _ => vec![(self.dir_group.clone(), own_ns.clone())],
        };
        let mut namespaces: Vec<Option<String>> = Vec::new();
        for (_, ns) in &groups {
            if !namespaces.contains(ns) {
                namespaces.push(ns.clone());
            }
        }
        let m: Membership = (groups.into(), namespaces.into());
        self.shared.insert(key, m.clone());
        m
    }

    /// What cross-file rules keep of an object: its identity, the namespaces and apply
    /// groups it belongs to (from its own metadata and the kustomizations including its
    /// file), the labels its pods carry (the template's, the controller's, a kustomization's
    /// `commonLabels`, a Rollout's `workloadRef`), and a Service's selector (none for
    /// ExternalName).
    pub fn of(&mut self, file: &FileLocator<'_>, obj: &super::Object<'_>) -> ObjectFacts {
        let doc = obj.doc;
        let role = self.role;
        let (groups, namespaces) = self.membership(obj.namespace());
        let at_span = doc
            .path(obj.root, &["metadata"])
            .and_then(|m| doc.get_entry(m, "name"))
            .map(|(k, v)| doc.field_span(k, v))
            .unwrap_or_else(|| doc.span(obj.root));
        let at = file.at(at_span);
        let pods = super::workload::lookup_in(obj, self.workloads).map(|w| {
            let template = w.pod_template(obj);
            let mut labels = w.pod_labels(obj);
            if let Some(r) = role {
                for (k, v) in &r.template_labels {
                    labels.add_missing(k, PodLabel::Exact(v.clone()));
                }
            }
            let workload_ref = (w.kind == "Rollout" && template.template.is_none())
                .then(|| {
                    doc.path_str(obj.root, &["spec", "workloadRef", "name"])
                        .map(str::to_string)
                })
                .flatten();
            let (ports, ports_at) = match (w.labels_at, template.template) {
                (super::workload::LabelsAt::Metadata, Some(_)) => {
                    let (ports, at) = container_ports(doc, w.pod_spec(obj));
                    (Some(ports), at.map(|a| file.at(a)))
                }
                _ => (None, None),
            };
            let labels_at = template
                .labels_entry
                .map(|(k, v)| file.at(doc.field_span(k, v)));
            let selector = own_selector(file, obj, w, template.labels_entry);
            let replicas = replicas(file, obj, role);
            Box::new(PodFacts {
                labels,
                labels_at,
                workload_ref,
                ports,
                ports_at,
                selector,
                replicas,
            })
        });
        let service = if obj.is("", "Service") {
            let spec = obj.spec();
            let external = spec.and_then(|s| doc.path_str(s, &["type"])) == Some("ExternalName");
            spec.and_then(|s| doc.get_entry(s, "selector"))
                .filter(|_| !external)
                .and_then(|(k, v)| {
                    let selector = super::selector::string_pairs(doc, v);
                    (!selector.is_empty()).then(|| {
                        let named_targets = spec
                            .and_then(|s| doc.get(s, "ports"))
                            .map(|ps| {
                                doc.items(ps)
                                    .iter()
                                    .filter_map(|&p| {
                                        let t = doc.get(p, "targetPort")?;
                                        let super::refs::IntOrStr::Str(name) =
                                            super::refs::IntOrStr::read(doc, t)?
                                        else {
                                            return None;
                                        };
                                        let protocol = doc
                                            .get(p, "protocol")
                                            .and_then(|n| doc.str(n))
                                            .unwrap_or("TCP");
                                        Some((name, protocol.to_string(), file.at(doc.span(t))))
                                    })
                                    .collect()
                            })
                            .unwrap_or_default();
                        Box::new(ServiceFacts {
                            selector,
                            selector_at: file.at(doc.field_span(k, v)),
                            named_targets,
                        })
                    })
                })
        } else {
            None
        };
        let no_labels = Vec::new();
        let metadata_labels = role.map_or(&no_labels, |r| &r.metadata_labels);
        let refs = super::refs::read(file, obj, metadata_labels);
        let mut intern = |s: &str| match self.names.get(s) {
            Some(a) => a.clone(),
            None => {
                let a: Arc<str> = s.into();
                self.names.insert(a.clone());
                a
            }
        };
        ObjectFacts {
            info: ObjectInfo {
                api_version: intern(obj.api_version),
                kind: intern(obj.kind),
                namespace: obj.namespace().map(Box::from),
                name: obj.name().map(Box::from),
            },
            namespaces,
            groups,
            partial: file.partial,
            at,
            pods,
            service,
            refs,
        }
    }
}

/// A workload's own selector: a LabelSelector, or a map (defaulted from the template's
/// labels when absent).
fn own_selector(
    file: &FileLocator<'_>,
    obj: &super::Object<'_>,
    w: &super::workload::WorkloadKind,
    labels_entry: Option<(crate::yaml::NodeId, crate::yaml::NodeId)>,
) -> Option<(Selector, Located)> {
    use super::workload::SelectorKind;
    let doc = obj.doc;
    let entry = obj.spec().and_then(|s| doc.get_entry(s, "selector"));
    match (w.selector, entry) {
        (SelectorKind::Label { .. }, Some((k, v))) => Some((
            super::selector::label_selector(doc, v),
            file.at(doc.field_span(k, v)),
        )),
        (SelectorKind::Map, Some((k, v))) => Some((
            Selector::of_map(&super::selector::string_pairs(doc, v)),
            file.at(doc.field_span(k, v)),
        )),
        (SelectorKind::Map, None) => labels_entry.map(|(k, v)| {
            (
                Selector::of_map(&super::selector::string_pairs(doc, v)),
                file.at(doc.field_span(k, v)),
            )
        }),
        _ => None,
    }
}

/// The kinds whose `replicas` says how many pods they run (default 1).
const REPLICATED: &[(&str, &str)] = &[
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "ReplicaSet"),
    ("", "ReplicationController"),
    ("argoproj.io", "Rollout"),
];

fn replicas(
    file: &FileLocator<'_>,
    obj: &super::Object<'_>,
    role: Option<&FileRole>,
) -> Option<Replicas> {
    if !REPLICATED.iter().any(|(g, k)| obj.is(g, k)) {
        return None;
    }
    if let (Some(r), Some(name)) = (role, obj.name())
        && r.replicas.iter().any(|n| n == name)
    {
        return Some(Replicas::Unknown);
    }
    let doc = obj.doc;
    Some(
        match obj.spec().and_then(|s| doc.get_entry(s, "replicas")) {
            None => Replicas::Count(1, None),
            Some((k, v)) => match super::refs::IntOrStr::read(doc, v) {
                Some(super::refs::IntOrStr::Int(n)) => {
                    Replicas::Count(n, Some(file.at(doc.field_span(k, v))))
                }
                _ => Replicas::Unknown,
            },
        },
    )
}

/// The named ports of a pod spec's containers and restartable init containers, with their
/// protocol, and the span of the first `ports` key.
fn container_ports(
    doc: &crate::yaml::Document,
    spec: Option<crate::yaml::NodeId>,
) -> (Vec<(String, String)>, Option<crate::source::Span>) {
    let mut out = Vec::new();
    let mut at = None;
    let Some(spec) = spec else {
        return (out, at);
    };
    for list in ["containers", "initContainers"] {
        let Some(cs) = doc.get(spec, list) else {
            continue;
        };
        for &c in doc.items(cs) {
            if list == "initContainers"
                && doc.get(c, "restartPolicy").and_then(|n| doc.str(n)) != Some("Always")
            {
                continue;
            }
            let Some((k, ps)) = doc.get_entry(c, "ports") else {
                continue;
            };
            at.get_or_insert(doc.span(k));
            for &p in doc.items(ps) {
                if let Some(name) = doc.get(p, "name").and_then(|n| doc.str(n)) {
                    let protocol = doc
                        .get(p, "protocol")
                        .and_then(|n| doc.str(n))
                        .unwrap_or("TCP");
                    out.push((name.to_string(), protocol.to_string()));
                }
            }
        }
    }
    (out, at)
}

impl ObjectFacts {
    /// The Services an Ingress or route sends traffic to.
    pub fn backends(&self) -> &[super::refs::Backend] {
        self.refs.as_deref().map_or(&[], Refs::backends)
    }
    /// The selectors of a budget, policy or monitor.
    pub fn selects(&self) -> &[super::refs::SelectorRef] {
        self.refs.as_deref().map_or(&[], Refs::selects)
    }
    pub fn scale_target(&self) -> Option<&super::refs::ScaleTarget> {
        self.refs.as_deref().and_then(Refs::scale_target)
    }
    /// An autoscaler's `minReplicas`.
    pub fn min_replicas(&self) -> Option<i64> {
        self.refs.as_deref().and_then(Refs::min_replicas)
    }
    pub fn service_name(&self) -> Option<&(String, Located)> {
        self.refs.as_deref().and_then(Refs::service_name)
    }
    /// A Service's ports, labels and whether it is headless.
    pub fn service_side(&self) -> Option<&super::refs::ServiceSide> {
        self.refs.as_deref().and_then(Refs::service)
    }
    pub fn budget(&self) -> Option<&(super::refs::Budget, Located)> {
        self.refs.as_deref().and_then(Refs::budget)
    }

    /// The API group: the part of `apiVersion` before `/`, empty for the core group.
    pub fn group(&self) -> &str {
        super::object::group_of(&self.info.api_version)
    }
}
