//! Kubernetes meaning, read from the node tree.

pub mod api_rules;
pub mod api_versions;
pub mod catalog;
pub mod cel;
pub mod change;
pub mod crd;
pub mod defaults;
pub mod elsewhere;
pub mod flux;
pub mod goto;
pub mod inventory;
pub mod kinds;
pub mod kustomize;
pub mod labels;
pub mod object;
pub mod pod;
pub mod refs;
pub mod schema;
pub mod selector;
pub mod subst;
pub mod workload;

pub use object::{Object, is_sops_encrypted, objects};
