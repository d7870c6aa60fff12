//! Pod specs: the containers and the string lists of each, wherever a pod spec sits (a Pod,
//! a workload's template).

use crate::yaml::{Document, NodeId};

/// The lists of a pod spec that hold containers.
pub const CONTAINER_LISTS: &[&str] = &["containers", "initContainers", "ephemeralContainers"];

/// Every container of a pod spec, init and ephemeral ones included.
pub fn containers(doc: &Document, pod_spec: NodeId) -> impl Iterator<Item = NodeId> + '_ {
    CONTAINER_LISTS
        .iter()
        .filter_map(move |list| doc.get(pod_spec, list))
        .flat_map(move |cs| doc.items(cs).iter().copied())
}

/// The `value` of each of a container's `env` entries.
pub fn env_values(doc: &Document, container: NodeId) -> impl Iterator<Item = NodeId> + '_ {
    doc.get(container, "env")
        .into_iter()
        .flat_map(move |env| doc.items(env).iter().copied())
        .filter_map(move |e| doc.get(e, "value"))
}

/// The items of a container's `command` and `args`.
pub fn command_and_args(doc: &Document, container: NodeId) -> impl Iterator<Item = NodeId> + '_ {
    ["command", "args"]
        .into_iter()
        .filter_map(move |key| doc.get(container, key))
        .flat_map(move |list| doc.items(list).iter().copied())
}
