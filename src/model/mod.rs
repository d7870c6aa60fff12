//! Kubernetes meaning, read from the node tree.

pub mod api_versions;
pub mod defaults;
pub mod inventory;
pub mod kustomize;
pub mod labels;
pub mod object;
pub mod pod;
pub mod selector;
pub mod workload;

pub use object::{Object, objects};
