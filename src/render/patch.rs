//! Patches as kustomize applies them: strategic merge (lists of known types merged by
//! their merge key, `$patch: delete` and `$patch: replace`), and JSON 6902.

use super::value::V;

/// The merge key of a list field, from the Kubernetes types (`patchMergeKey`), by the
/// field's name and what holds it; for lists kure does not know, the first of kustomize's
/// associative keys that every item has.
fn merge_key(field: &str, parent: &[String], items: &[&V]) -> Option<&'static str> {
    let known = match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "resourceClaims"
        | "schedulingGates"
        | "claims" => Some("name"),
        "ports" if parent.last().is_some_and(|p| p == "spec") && !in_containers(parent) => {
            Some("port")
        }
        "ports" => Some("containerPort"),
        "volumeMounts" => Some("mountPath"),
        "volumeDevices" => Some("devicePath"),
        "hostAliases" => Some("ip"),
        "topologySpreadConstraints" => Some("topologyKey"),
        "conditions" => Some("type"),
        "resizePolicy" => Some("resourceName"),
        "ownerReferences" => Some("uid"),
        _ => None,
    };
    if known.is_some() {
        return known;
    }
    if matches!(
        field,
        "args" | "command" | "tolerations" | "envFrom" | "rules" | "subjects" | "finalizers"
    ) {
        return None;
    }
    const ASSOCIATIVE: &[&str] = &[
        "mountPath",
        "devicePath",
        "ip",
        "type",
        "topologyKey",
        "name",
        "containerPort",
    ];
    ASSOCIATIVE
        .iter()
        .find(|k| !items.is_empty() && items.iter().all(|i| i.get(k).is_some()))
        .copied()
}

fn in_containers(parent: &[String]) -> bool {
    parent
        .iter()
        .any(|p| p == "containers" || p == "initContainers" || p == "ephemeralContainers")
}

/// Applies a strategic merge patch to `target`.
pub fn strategic_merge(target: &mut V, patch: &V) {
    merge(target, patch, &mut Vec::new());
}

fn merge(target: &mut V, patch: &V, path: &mut Vec<String>) {
    let (V::Map(_), V::Map(pm)) = (&*target, patch) else {
        *target = strip(patch);
        return;
    };
    if patch.str_at(&["$patch"]) == Some("replace") {
        let mut p = patch.clone();
        p.remove("$patch");
        *target = strip(&p);
        return;
    }
    let retain: Option<Vec<String>> = patch.get("$retainKeys").map(|r| {
        r.items()
            .iter()
            .filter_map(|v| v.str().map(str::to_string))
            .collect()
    });
    for (k, pv) in pm {
        if k.starts_with('$') || k.starts_with("$setElementOrder/") {
            continue;
        }
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(V::Seq(have)), V::Seq(drop)) = (target.get_mut(field), pv) {
                have.retain(|x| !drop.contains(x));
            }
            continue;
        }
        match pv {
            V::Null => {
                target.remove(k);
            }
            V::Map(_) if pv.str_at(&["$patch"]) == Some("delete") => {
                target.remove(k);
            }
            V::Map(_) => {
                path.push(k.clone());
                match target.get_mut(k) {
                    Some(tv @ V::Map(_)) => merge(tv, pv, path),
                    _ => target.set(k, strip(pv)),
                }
                path.pop();
            }
            V::Seq(items) => {
                let merged = match target.get(k) {
                    Some(V::Seq(have)) => merge_list(k, have, items, path),
                    _ => strip_list(k, items, path),
                };
                target.set(k, V::Seq(merged));
            }
            scalar => target.set(k, scalar.clone()),
        }
    }
    if let (Some(keep), V::Map(m)) = (retain, target) {
        m.retain(|(k, _)| keep.contains(k));
    }
}

/// A patch value with its directives removed, as it lands where nothing was.
fn strip(v: &V) -> V {
    match v {
        V::Map(m) => V::Map(
            m.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), strip(v)))
                .collect(),
        ),
        V::Seq(s) => V::Seq(
            s.iter()
                .filter(|x| x.str_at(&["$patch"]) != Some("delete"))
                .map(strip)
                .collect(),
        ),
        other => other.clone(),
    }
}

fn strip_list(_field: &str, items: &[V], _path: &[String]) -> Vec<V> {
    items
        .iter()
        .filter(|x| x.str_at(&["$patch"]).is_none())
        .map(strip)
        .collect()
}

fn merge_list(field: &str, have: &[V], patch: &[V], path: &mut Vec<String>) -> Vec<V> {
    // `- $patch: replace` replaces the whole list
    if patch
        .iter()
        .any(|x| x.str_at(&["$patch"]) == Some("replace"))
    {
        return strip_list(field, patch, path);
    }
    let all: Vec<&V> = have
        .iter()
        .chain(patch.iter())
        .filter(|x| x.is_map())
        .collect();
    let Some(key) = merge_key(field, path, &all).filter(|_| patch.iter().all(V::is_map)) else {
        // a list without a merge key: the patch's replaces it (primitive lists of
        // `finalizers` and the like are merged by kustomize only with a schema)
        return strip_list(field, patch, path);
    };
    // kustomize merges with patch items first: each patch item (merged into the target's
    // item of the same key, if any) in the patch's order, then the target's other items
    let mut rest: Vec<V> = have.to_vec();
    let mut out: Vec<V> = Vec::new();
    for p in patch {
        let id = p.get(key).cloned();
        let at = id
            .as_ref()
            .and_then(|id| rest.iter().position(|x| x.get(key) == Some(id)));
        if p.str_at(&["$patch"]) == Some("delete") {
            if let Some(i) = at {
                rest.remove(i);
            }
            continue;
        }
        match at {
            Some(i) => {
                let mut item = rest.remove(i);
                path.push(field.to_string());
                merge(&mut item, p, path);
                path.pop();
                out.push(item);
            }
            None => {
                if let Some(i) = id
                    .as_ref()
                    .and_then(|id| out.iter().position(|x| x.get(key) == Some(id)))
                {
                    path.push(field.to_string());
                    merge(&mut out[i], p, path);
                    path.pop();
                } else {
                    out.push(strip(p));
                }
            }
        }
    }
    out.extend(rest);
    out
}

/// Applies JSON 6902 operations; an operation that cannot be applied is an error.
pub fn json6902(target: &mut V, ops: &V) -> Result<(), String> {
    for op in ops.items() {
        let name = op
            .str_at(&["op"])
            .ok_or("a JSON patch operation has no `op`")?;
        let path = op
            .str_at(&["path"])
            .ok_or("a JSON patch operation has no `path`")?;
        let pointer = parse_pointer(path)?;
        match name {
            "add" => add(
                target,
                &pointer,
                op.get("value").cloned().unwrap_or(V::Null),
            )?,
            "remove" => {
                remove(target, &pointer)?;
            }
            "replace" => {
                remove(target, &pointer)?;
                add(
                    target,
                    &pointer,
                    op.get("value").cloned().unwrap_or(V::Null),
                )?;
            }
            "move" | "copy" => {
                let from = parse_pointer(op.str_at(&["from"]).ok_or("`from` is missing")?)?;
                let value = if name == "move" {
                    remove(target, &from)?
                } else {
                    get(target, &from).cloned().ok_or("`from` does not exist")?
                };
                add(target, &pointer, value)?;
            }
            "test" => {
                let want = op.get("value").cloned().unwrap_or(V::Null);
                if get(target, &pointer) != Some(&want) {
                    return Err(format!("test failed at `{path}`"));
                }
            }
            other => return Err(format!("unknown JSON patch operation `{other}`")),
        }
    }
    Ok(())
}

fn parse_pointer(p: &str) -> Result<Vec<String>, String> {
    if p.is_empty() {
        return Ok(Vec::new());
    }
    let rest = p
        .strip_prefix('/')
        .ok_or_else(|| format!("`{p}` is not a JSON pointer"))?;
    Ok(rest
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect())
}

fn get<'a>(v: &'a V, p: &[String]) -> Option<&'a V> {
    p.iter().try_fold(v, |v, k| match v {
        V::Map(_) => v.get(k),
        V::Seq(s) => k.parse::<usize>().ok().and_then(|i| s.get(i)),
        _ => None,
    })
}

fn get_mut<'a>(v: &'a mut V, p: &[String]) -> Option<&'a mut V> {
    let mut cur = v;
    for k in p {
        cur = match cur {
            V::Map(_) => cur.get_mut(k)?,
            V::Seq(s) => {
                let i = k.parse::<usize>().ok()?;
                s.get_mut(i)?
            }
            _ => return None,
        };
    }
    Some(cur)
}

fn add(target: &mut V, p: &[String], value: V) -> Result<(), String> {
    let Some((last, parent)) = p.split_last() else {
        *target = value;
        return Ok(());
    };
    let at =
        get_mut(target, parent).ok_or_else(|| format!("`/{}` does not exist", parent.join("/")))?;
    match at {
        V::Map(_) => {
            at.set(last, value);
            Ok(())
        }
        V::Seq(s) => {
            let i = if last == "-" {
                s.len()
            } else {
                last.parse::<usize>()
                    .ok()
                    .filter(|&i| i <= s.len())
                    .ok_or_else(|| format!("index `{last}` is out of range"))?
            };
            s.insert(i, value);
            Ok(())
        }
        _ => Err(format!(
            "`/{}` is not a mapping or a list",
            parent.join("/")
        )),
    }
}

fn remove(target: &mut V, p: &[String]) -> Result<V, String> {
    let (last, parent) = p.split_last().ok_or("cannot remove the whole object")?;
    let missing = || format!("`/{}` does not exist", p.join("/"));
    let at = get_mut(target, parent).ok_or_else(missing)?;
    match at {
        V::Map(_) => at.remove(last).ok_or_else(missing),
        V::Seq(s) => {
            let i = last
                .parse::<usize>()
                .ok()
                .filter(|&i| i < s.len())
                .ok_or_else(missing)?;
            Ok(s.remove(i))
        }
        _ => Err(missing()),
    }
}
