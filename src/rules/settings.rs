//! The run's rule settings: which rules run, at which severity. Every finding is built
//! through `Settings::diag`, the one place a severity is decided (and, with repository
//! settings, where a finding is suppressed).

use super::{FIX_REFUSED, InventoryContext, PARSE_ERROR, RULES, Rule, RuleMeta, Scope};
use crate::diagnostic::{Diagnostic, Located, Severity};
use crate::error::Error;
use crate::model::catalog::{Catalog, SchemaSource};
use crate::model::inventory::Inventory;
use crate::model::kustomize::normalize;
use std::collections::HashMap;

/// What the run asks of the rules: which run, and at which severity. Every finding is built
/// through `Settings::diag`, the one place a severity is decided (and, with repository
/// settings, where a finding is suppressed).
pub struct Settings {
    enabled: Vec<&'static dyn Rule>,
    pub(crate) parse_errors: bool,
    fix_refused: bool,
    severities: HashMap<&'static str, Severity>,
    /// The Kubernetes minor version the manifests are for, and whether the user chose it.
    kubernetes: (u32, bool),
    /// Migrations adopt the replacement's defaults instead of writing the old ones out.
    new_defaults: bool,
    /// A config's levels for some files or objects (`overrides:`), with the directory
    /// their globs are relative to.
    overrides: Vec<crate::config::Override>,
    base: std::path::PathBuf,
    /// A repository's own workload rows, and fields that must hold strings.
    workloads: Vec<crate::model::workload::WorkloadKind>,
    string_fields: Vec<crate::config::StringFields>,
    /// The types the run's CRDs declare.
    crds: crate::model::crd::Shared,
    /// Custom resources without a schema are reported (`--require-schemas`).
    require_schemas: bool,
    /// Where custom resources without a CRD of the run find their schema.
    catalog: std::sync::Arc<Catalog>,
    /// Report a reference that a release kure cannot see might provide.
    strict_references: bool,
}

impl Settings {
    /// Rules from `--select` / `--ignore` (`ALL` names every rule), each at its own severity.
    pub fn new(select: Option<&[String]>, ignore: &[String]) -> Result<Settings, Error> {
        for id in select.unwrap_or_default().iter().chain(ignore) {
            if id != "ALL" && super::by_id(id).is_none() {
                return Err(Error::UnknownRule(id.clone()));
            }
        }
        let on = |id: &str| {
            let selected = select.is_none_or(|s| s.iter().any(|x| x == id || x == "ALL"));
            selected && !ignore.iter().any(|x| x == id || x == "ALL")
        };
        Ok(Settings {
            enabled: RULES.iter().copied().filter(|r| on(r.meta().id)).collect(),
            parse_errors: on(PARSE_ERROR.id),
            fix_refused: on(FIX_REFUSED.id),
            severities: HashMap::new(),
            kubernetes: (crate::model::api_versions::DEFAULT, false),
            new_defaults: false,
            overrides: Vec::new(),
            base: std::path::PathBuf::new(),
            workloads: Vec::new(),
            string_fields: Vec::new(),
            crds: Default::default(),
            require_schemas: false,
            catalog: Default::default(),
            strict_references: false,
        })
    }

    /// The settings for the files one config governs (the flags over it).
    pub fn from_merged(m: &crate::config::Merged, new_defaults: bool) -> Result<Settings, Error> {
        let mut s = Settings::new(m.select.as_deref(), &m.ignore)?
            .with_kubernetes(m.kubernetes_version)
            .with_new_defaults(new_defaults)
            .with_overrides(m.overrides.clone(), m.base.clone());
        for (id, severity) in &m.severities {
            s = s.with_severity(id, *severity)?;
        }
        s.workloads = m.workloads.clone();
        s.string_fields = m.string_fields.clone();
        s.strict_references = m.strict_references;
        Ok(s)
    }

    /// The workload table row for an object: kure's, or the repository's own.
    pub fn workload(
        &self,
        obj: &crate::model::Object<'_>,
    ) -> Option<&crate::model::workload::WorkloadKind> {
        crate::model::workload::lookup_in(obj, &self.workloads)
    }

    /// The run's CRD types.
    pub fn with_crds(mut self, crds: crate::model::crd::Shared, require: bool) -> Settings {
        self.crds = crds;
        self.require_schemas = require;
        self
    }

    /// The catalogs custom resources without a CRD of the run are looked up in.
    pub fn with_catalog(mut self, catalog: std::sync::Arc<Catalog>) -> Settings {
        self.catalog = catalog;
        self
    }

    /// The types the run's CRDs declare for a custom resource (one per CRD declaring it).
    pub fn crd_types(&self, api_version: &str, kind: &str) -> Vec<crate::model::schema::Ty> {
        match self.crds.read() {
            Ok(c) => c.get(api_version, kind).to_vec(),
            Err(_) => Vec::new(),
        }
    }

    /// A custom resource's types and where they come from: the run's CRDs (those among
    /// the files and their repository, and `--schema`), else the `--schema-catalog`
    /// directory, else the embedded catalog. Empty when none describes it.
    pub fn custom_types(
        &self,
        api_version: &str,
        kind: &str,
    ) -> (Vec<crate::model::schema::Ty>, Option<SchemaSource>) {
        let crds = self.crd_types(api_version, kind);
        if !crds.is_empty() {
            return (crds, Some(SchemaSource::Crd));
        }
        match self.catalog.lookup(api_version, kind) {
            Some((schema, source)) => (vec![schema.ty], Some(source)),
            None => (Vec::new(), None),
        }
    }

    /// The JSON schemas with CEL rules of a custom resource, in the same order of sources
    /// as `custom_types` (the run's CRDs, else a catalog); empty when its schema has none.
    pub fn cel_schemas(
        &self,
        api_version: &str,
        kind: &str,
    ) -> Vec<std::sync::Arc<serde_json::Value>> {
        if let Ok(c) = self.crds.read()
            && !c.get(api_version, kind).is_empty()
        {
            return c.cel(api_version, kind);
        }
        self.catalog
            .lookup(api_version, kind)
            .and_then(|(s, _)| s.cel)
            .into_iter()
            .collect()
    }

    /// Whether a reference a release might provide is reported.
    pub fn strict_references(&self) -> bool {
        self.strict_references
    }

    /// Whether custom resources without a schema are reported.
    pub fn requires_schemas(&self) -> bool {
        self.require_schemas
    }

    /// The repository's own workload rows.
    pub fn workloads(&self) -> &[crate::model::workload::WorkloadKind] {
        &self.workloads
    }

    /// The fields the repository says must hold strings.
    pub fn string_fields(&self) -> &[crate::config::StringFields] {
        &self.string_fields
    }

    /// Settings running every rule any of `all` runs (the cross-file pass of a run whose
    /// files several configs govern; `keeps` then judges each finding by its file's).
    pub fn union(all: &[&Settings]) -> Settings {
        let mut enabled: Vec<&'static dyn Rule> = Vec::new();
        for r in RULES.iter().copied() {
            if all.iter().any(|s| s.is_on(r.meta().id)) {
                enabled.push(r);
            }
        }
        Settings {
            enabled,
            parse_errors: all.iter().any(|s| s.parse_errors),
            fix_refused: all.iter().any(|s| s.fix_refused),
            severities: HashMap::new(),
            kubernetes: all
                .first()
                .map_or((crate::model::api_versions::DEFAULT, false), |s| {
                    s.kubernetes
                }),
            new_defaults: all.first().is_some_and(|s| s.new_defaults),
            overrides: Vec::new(),
            base: std::path::PathBuf::new(),
            workloads: all
                .iter()
                .flat_map(|s| s.workloads.iter().cloned())
                .collect(),
            string_fields: Vec::new(),
            crds: all.first().map(|s| s.crds.clone()).unwrap_or_default(),
            require_schemas: all.iter().any(|s| s.require_schemas),
            catalog: all.first().map(|s| s.catalog.clone()).unwrap_or_default(),
            strict_references: all.iter().any(|s| s.strict_references),
        }
    }

    /// Judges a finding made under other settings (`union`) by these: `false` when its rule
    /// is off here or an override turns it off, else it gets the severity these give it.
    pub fn keeps(&self, d: &mut Diagnostic) -> bool {
        let Some(meta) = super::meta_by_id(d.rule) else {
            return true;
        };
        if !(self.is_on(d.rule)
            || (d.rule == PARSE_ERROR.id && self.parse_errors)
            || (d.rule == FIX_REFUSED.id && self.fix_refused))
        {
            return false;
        }
        d.severity = self.severity(meta);
        self.overrides.is_empty() || self.override_one(&normalize(&self.base), d)
    }

    /// The Kubernetes version (its minor number) the manifests are for; `None` keeps the
    /// default, which the rules treat as a guess (their version fixes are then unsafe).
    pub fn with_kubernetes(mut self, minor: Option<u32>) -> Settings {
        if let Some(m) = minor {
            self.kubernetes = (m, true);
        }
        self
    }

    /// Migrations adopt the replacement version's defaults (`kure migrate --new-defaults`).
    pub fn with_new_defaults(mut self, yes: bool) -> Settings {
        self.new_defaults = yes;
        self
    }

    /// A config's per-file and per-object levels.
    pub fn with_overrides(
        mut self,
        overrides: Vec<crate::config::Override>,
        base: std::path::PathBuf,
    ) -> Settings {
        self.overrides = overrides;
        self.base = base;
        self
    }

    /// Applies the config's overrides to the findings from `from` on: a finding turned off
    /// goes (its fix with it, so it is never applied), another gets its level. The last
    /// matching override wins.
    pub fn apply_overrides(&self, diags: &mut Vec<Diagnostic>, from: usize) {
        if self.overrides.is_empty() || from >= diags.len() {
            return;
        }
        let base = normalize(&self.base);
        let mut i = 0;
        diags.retain_mut(|d| {
            i += 1;
            i <= from || self.override_one(&base, d)
        });
    }

    /// Applies the overrides to one finding (`base`: their directory, normalized): `false`
    /// when one turns it off, else it gets the level of the last one naming its rule.
    fn override_one(&self, base: &std::path::Path, d: &mut Diagnostic) -> bool {
        let abs = normalize(std::path::Path::new(&*d.at.path));
        let rel = abs.strip_prefix(base).unwrap_or(&abs);
        let object = d
            .object
            .as_ref()
            .map(|o| (&*o.kind, o.namespace.as_deref(), o.name.as_deref()));
        let mut keep = true;
        for o in &self.overrides {
            if !o.applies(rel, object) {
                continue;
            }
            if let Some((_, level)) = o.rules.iter().find(|(id, _)| id == d.rule) {
                match level.severity() {
                    None => keep = false,
                    Some(s) => {
                        keep = true;
                        d.severity = s;
                    }
                }
            }
        }
        keep
    }

    /// The target Kubernetes minor version.
    pub fn kubernetes(&self) -> u32 {
        self.kubernetes.0
    }

    /// Whether the user chose the target version.
    pub fn kubernetes_chosen(&self) -> bool {
        self.kubernetes.1
    }

    pub fn new_defaults(&self) -> bool {
        self.new_defaults
    }

    /// Reports rule `id` at `severity` instead of its default.
    pub fn with_severity(mut self, id: &str, severity: Severity) -> Result<Settings, Error> {
        let meta = super::meta_by_id(id).ok_or_else(|| Error::UnknownRule(id.to_string()))?;
        self.severities.insert(meta.id, severity);
        Ok(self)
    }

    /// The severity findings of a rule are reported at.
    pub fn severity(&self, meta: &'static RuleMeta) -> Severity {
        self.severities
            .get(meta.id)
            .copied()
            .unwrap_or(meta.severity)
    }

    /// A finding of `meta`'s rule, at the run's severity for it.
    pub fn diag(
        &self,
        meta: &'static RuleMeta,
        at: Located,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(meta.id, self.severity(meta), at, message)
    }

    /// A finding the rule itself ranks below its usual class (`non-string-value` in a file
    /// only kustomize reads): at most `cap`, and never above the run's severity for it.
    pub fn diag_at_most(
        &self,
        meta: &'static RuleMeta,
        cap: Severity,
        at: Located,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(meta.id, self.severity(meta).min(cap), at, message)
    }

    /// Whether any rule runs: a pass that only gathers facts (the repository context of
    /// the files given) runs none, and counts nothing for the summary.
    pub fn runs_rules(&self) -> bool {
        !self.enabled.is_empty()
    }

    /// Whether a rule runs.
    pub fn is_on(&self, id: &str) -> bool {
        self.enabled.iter().any(|r| r.meta().id == id)
    }

    /// Whether refused fixes are reported (`fix-refused` is selected).
    pub fn reports_refusals(&self) -> bool {
        self.fix_refused
    }

    /// Runs the cross-file rules once over the facts of every file.
    pub fn check_inventory(&self, inventory: &Inventory, out: &mut Vec<Diagnostic>) {
        let cx = InventoryContext {
            inventory,
            settings: self,
        };
        for rule in self.scope(Scope::Inventory) {
            rule.check_inventory(&cx, out);
        }
    }

    /// Runs the rules about a change once, over the change since the base commit.
    pub fn check_change(
        &self,
        change: &crate::model::change::Transition,
        inventory: &Inventory,
        out: &mut Vec<Diagnostic>,
    ) {
        let cx = super::ChangeContext {
            change,
            inventory,
            settings: self,
        };
        for rule in self.scope(Scope::Change) {
            rule.check_change(&cx, out);
        }
    }

    /// Without the rules about a change: a run with no base commit cannot judge them (nor
    /// the suppressions naming them).
    pub fn without_change_rules(mut self) -> Settings {
        self.enabled.retain(|r| r.meta().scope != Scope::Change);
        self
    }

    pub(crate) fn scope(&self, scope: Scope) -> impl Iterator<Item = &'static dyn Rule> + '_ {
        self.enabled
            .iter()
            .copied()
            .filter(move |r| r.meta().scope == scope)
    }
}
