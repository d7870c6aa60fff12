//! The public CRD catalog kure embeds (`data/crd-catalog.bin`, written by
//! `scripts/gen-catalog.py` from datreeio/CRDs-catalog, MIT: see
//! `data/crd-catalog.LICENSE.md`), and a catalog directory a user gives
//! (`--schema-catalog DIR`, kubeconform's `GROUP/KIND_VERSION.json` layout).
//!
//! The table's index is read on first use; each schema is one zstd frame, decoded and read
//! into a `Ty` the first time an object of its kind needs it, so a run that meets three
//! kinds decodes three.

use super::schema::Ty;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

static DATA: &[u8] = include_bytes!("../../data/crd-catalog.bin");
const MAGIC: &[u8] = b"kure-crd-catalog 2\n";

/// The table, read in place: a lookup binary-searches the records through their positions,
/// so nothing is read before an object needs a schema.
struct Index {
    positions: &'static [u8],
    records: &'static [u8],
    frames: &'static [u8],
    count: usize,
    types: Vec<OnceLock<Option<Schema>>>,
}

/// A catalog's schema of a kind: its type, and its JSON when it declares CEL rules
/// (`x-kubernetes-validations`), for `cel-validation-failed`.
#[derive(Clone, Debug)]
pub struct Schema {
    pub ty: Ty,
    pub cel: Option<std::sync::Arc<serde_json::Value>>,
}

struct Entry {
    key: &'static str,
    offset: usize,
    len: usize,
    decoded_len: usize,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        read_index(DATA).unwrap_or(Index {
            positions: &[],
            records: &[],
            frames: &[],
            count: 0,
            types: Vec::new(),
        })
    })
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    let bytes = b.get(at..at + 4)?;
    Some(u32::from_le_bytes(bytes.try_into().ok()?) as usize)
}

fn read_index(data: &'static [u8]) -> Option<Index> {
    let rest = data.strip_prefix(MAGIC)?;
    let count = u32_at(rest, 0)?;
    let positions = rest.get(4..4 + count * 4)?;
    let after = rest.get(4 + count * 4..)?;
    // the records end where the last one does
    let last = u32_at(positions, count.checked_sub(1)? * 4)?;
    let klen = u16::from_le_bytes(after.get(last..last + 2)?.try_into().ok()?) as usize;
    let end = last + 2 + klen + 12;
    Some(Index {
        positions,
        records: after.get(..end)?,
        frames: after.get(end..)?,
        count,
        types: (0..count).map(|_| OnceLock::new()).collect(),
    })
}

impl Index {
    fn entry(&self, i: usize) -> Option<Entry> {
        let at = u32_at(self.positions, i * 4)?;
        let r = self.records;
        let klen = u16::from_le_bytes(r.get(at..at + 2)?.try_into().ok()?) as usize;
        let key = std::str::from_utf8(r.get(at + 2..at + 2 + klen)?).ok()?;
        let n = at + 2 + klen;
        Some(Entry {
            key,
            offset: u32_at(r, n)?,
            len: u32_at(r, n + 4)?,
            decoded_len: u32_at(r, n + 8)?,
        })
    }

    fn position(&self, key: &str) -> Option<usize> {
        let (mut lo, mut hi) = (0, self.count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.entry(mid)?.key.cmp(key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }
}

/// How many schemas the embedded catalog holds.
pub fn len() -> usize {
    index().count
}

/// The keys of the embedded catalog (`GROUP/KIND_VERSION`), sorted.
pub fn keys() -> impl Iterator<Item = &'static str> {
    let ix = index();
    (0..ix.count).filter_map(|i| ix.entry(i).map(|e| e.key))
}

fn position(key: &str) -> Option<usize> {
    index().position(key)
}

/// The JSON text of a schema of the embedded catalog (without its descriptions).
pub fn text(key: &str) -> Option<String> {
    decode(position(key)?)
}

fn decode(i: usize) -> Option<String> {
    use std::io::Read;
    let ix = index();
    let e = ix.entry(i)?;
    let frame = ix.frames.get(e.offset..e.offset + e.len)?;
    let mut out = Vec::with_capacity(e.decoded_len);
    ruzstd::decoding::StreamingDecoder::new(frame)
        .ok()?
        .read_to_end(&mut out)
        .ok()?;
    String::from_utf8(out).ok()
}

/// The catalog key of a kind: `GROUP/KIND_VERSION`, the kind lower-cased. `None` for
/// names no API could serve (a catalog directory is read by this key: `..` or a `/` in a
/// kind must not reach outside it).
pub fn key(api_version: &str, kind: &str) -> Option<String> {
    let (group, version) = api_version.split_once('/')?;
    let name_like = |s: &str, dots: bool| {
        !s.is_empty()
            && !s.starts_with('.')
            && !s.contains("..")
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || (dots && c == '.'))
    };
    if !name_like(group, true) || !name_like(version, false) || !name_like(kind, false) {
        return None;
    }
    Some(format!("{group}/{}_{version}", kind.to_ascii_lowercase()))
}

/// The schema of a kind's JSON text.
pub fn schema_of(text: &str) -> Option<Schema> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    if !value.is_object() {
        return None;
    }
    let ty = super::crd::json_resource_ty(&value);
    let cel = text
        .contains("\"x-kubernetes-validations\"")
        .then(|| super::crd::cel_schema_of_json(&value))
        .flatten()
        .map(std::sync::Arc::new);
    Some(Schema { ty, cel })
}

/// The embedded catalog's schema for a kind.
pub fn embedded_schema(api_version: &str, kind: &str) -> Option<Schema> {
    let mut i = position(&key(api_version, kind)?);
    if i.is_none() {
        // OpenShift's own types, kept under their release
        let (group, version) = api_version.split_once('/')?;
        if group.ends_with("openshift.io") {
            i = position(&format!(
                "openshift/v4.15-strict/{}_{group}_{version}",
                kind.to_ascii_lowercase()
            ));
        }
    }
    let i = i?;
    index()
        .types
        .get(i)?
        .get_or_init(|| schema_of(&decode(i)?))
        .clone()
}

/// Where a custom resource's schema came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaSource {
    /// A CRD among the files, their repository, or `--schema`.
    Crd,
    /// The directory of `--schema-catalog`.
    Directory,
    /// The catalog kure embeds.
    Embedded,
}

/// The catalogs a run looks custom resources up in, after its CRDs.
pub struct Catalog {
    embedded: bool,
    directory: Option<Directory>,
}

/// Reads a file of a catalog directory by its path relative to it.
pub type ReadText = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// A catalog directory: `read` gives the text of a relative path in it.
struct Directory {
    read: ReadText,
    types: Mutex<HashMap<String, Option<Schema>>>,
}

impl Default for Catalog {
    fn default() -> Catalog {
        Catalog {
            embedded: true,
            directory: None,
        }
    }
}

impl Catalog {
    /// `embedded`: whether the embedded catalog is used (`--no-catalog` turns it off);
    /// `directory`: reads a file of a `--schema-catalog` directory by its relative path.
    pub fn new(embedded: bool, directory: Option<ReadText>) -> Catalog {
        Catalog {
            embedded,
            directory: directory.map(|read| Directory {
                read,
                types: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The schema of a kind, from the directory first, then the embedded catalog.
    pub fn lookup(&self, api_version: &str, kind: &str) -> Option<(Schema, SchemaSource)> {
        if let Some(d) = &self.directory
            && let Some(schema) = d.lookup(api_version, kind)
        {
            return Some((schema, SchemaSource::Directory));
        }
        if self.embedded {
            return embedded_schema(api_version, kind).map(|t| (t, SchemaSource::Embedded));
        }
        None
    }
}

impl Directory {
    fn lookup(&self, api_version: &str, kind: &str) -> Option<Schema> {
        let key = key(api_version, kind)?;
        if let Ok(types) = self.types.lock()
            && let Some(t) = types.get(&key)
        {
            return t.clone();
        }
        let schema = (self.read)(&format!("{key}.json")).and_then(|t| schema_of(&t));
        if let Ok(mut types) = self.types.lock() {
            types.insert(key, schema.clone());
        }
        schema
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_reads_and_a_kind_decodes() {
        assert!(len() > 4000);
        let keys: Vec<&str> = keys().collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        let text = text("helm.toolkit.fluxcd.io/helmrelease_v2").unwrap();
        assert!(text.starts_with('{') && text.contains("\"interval\""));
        let Some(Ty::Object(root)) =
            embedded_schema("helm.toolkit.fluxcd.io/v2", "HelmRelease").map(|s| s.ty)
        else {
            panic!("no HelmRelease");
        };
        let Ty::Object(spec) = &root.field("spec").unwrap().ty else {
            panic!("no spec");
        };
        assert!(spec.field("interval").unwrap().required);
        assert!(embedded_schema("helm.toolkit.fluxcd.io/v9", "HelmRelease").is_none());
        assert!(embedded_schema("v1", "Pod").is_none());
        // nothing outside a catalog directory is named
        assert_eq!(
            key("gateway.networking.k8s.io/v1", "HTTPRoute").as_deref(),
            Some("gateway.networking.k8s.io/httproute_v1")
        );
        assert_eq!(key("../../etc/v1", "X"), None);
        assert_eq!(key("example.com/v1/../..", "X"), None);
        assert_eq!(key("example.com/v1", "../x"), None);
        assert_eq!(key("..example.com/v1", "X"), None);
    }
}
