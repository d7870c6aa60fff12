//! The only code that changes text and files: applies fixes' edits, checks the result, and
//! writes it atomically.
//!
//! A set of fixes is applied to the text it was computed on. The result must parse, hold as
//! many documents as before, and mean the same as before everywhere except at the paths the
//! fixes declared (the typed trees kubectl would build are compared). Otherwise the fixes
//! are bisected until the ones that fail are found; a fix that fails on its own is refused
//! with the reason, one that only fails next to others waits for the next pass.

use crate::error::FileErrorKind;
use crate::fix::{Edit, Expect, Fix};
use crate::source::{LineIndex, Span};
use crate::yaml::resolve::Reader;
use crate::yaml::value::{self, Path, Value};
use crate::yaml::{self, Document, NodeId, NodeKind, Stream, Style};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Write;

/// Whether two edits touch the same bytes (two insertions at one point count as touching).
fn conflicts(a: &Edit, b: &Edit) -> bool {
    if a.span.is_empty() && b.span.is_empty() {
        return a.span.start == b.span.start;
    }
    a.span.start < b.span.end && b.span.start < a.span.end
}

/// Picks fixes whose edits overlap no earlier pick's, in text order (as indices into
/// `fixes`); the rest wait.
pub fn non_overlapping(fixes: &[&Fix]) -> Vec<usize> {
    let mut sorted: Vec<usize> = (0..fixes.len()).collect();
    sorted.sort_by_key(|&i| (fixes[i].extent().start, fixes[i].extent().end));
    // taken edits never overlap each other, so an edit can only touch those starting inside
    // it or at its ends, and the last one starting before it: a few, found by range
    let mut taken_edits: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut taken: Vec<usize> = Vec::new();
    for i in sorted {
        let f = fixes[i];
        let clash = f.edits.iter().any(|e| {
            for &(start, end) in taken_edits.range(..=(e.span.end, usize::MAX)).rev() {
                if conflicts(&Edit::delete(Span::new(start, end)), e) {
                    return true;
                }
                if start < e.span.start {
                    break;
                }
            }
            false
        });
        let inner = f
            .edits
            .iter()
            .enumerate()
            .any(|(i, a)| f.edits[i + 1..].iter().any(|b| conflicts(a, b)));
        if !clash && !inner {
            for e in &f.edits {
                taken_edits.insert((e.span.start, e.span.end));
            }
            taken.push(i);
        }
    }
    taken
}

/// Applies the edits of non-overlapping fixes to `text`. An edit outside the text, across a
/// character boundary, or overlapping another is an internal error that refuses the set.
pub fn apply_edits(text: &str, fixes: &[&Fix]) -> Result<String, String> {
    let mut edits: Vec<&Edit> = fixes.iter().flat_map(|f| f.edits.iter()).collect();
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for e in edits {
        let (s, end) = (e.span.start, e.span.end);
        if s < at
            || s > end
            || end > text.len()
            || !text.is_char_boundary(s)
            || !text.is_char_boundary(end)
        {
            return Err(format!(
                "internal error: an edit of bytes {s}..{end} does not fit the text ({} bytes)",
                text.len()
            ));
        }
        out.push_str(&text[at..s]);
        out.push_str(&e.content);
        at = end;
    }
    out.push_str(&text[at..]);
    Ok(out)
}

fn show(path: &Path) -> String {
    if path.is_empty() {
        "the whole document".to_string()
    } else {
        format!("`{}`", path.join("."))
    }
}

/// Why a set of fixes cannot be written, and the fix that alone is to blame, when one is.
#[derive(Clone, Debug)]
pub struct Failure {
    pub reason: String,
    /// Index into the set that was tried.
    pub culprit: Option<usize>,
    /// The culprit's promise was broken at a path another fix of the set may change (a
    /// quoted key renames the path of the value being quoted): it waits for the next pass,
    /// where it is computed on the new text.
    pub defer: bool,
}

/// The reason a set was refused for: its first failure's.
fn first_reason(failures: Vec<Failure>) -> String {
    failures
        .into_iter()
        .next()
        .map_or_else(String::new, |f| f.reason)
}

impl Failure {
    fn of_all(reason: String) -> Vec<Failure> {
        vec![Failure {
            reason,
            culprit: None,
            defer: false,
        }]
    }
}

/// The node a typed path reaches in a document as written (aliases followed, keys named by
/// `reader`, merge keys applied). Each mapping's names are computed once per verification.
fn node_at(
    doc: &Document,
    path: &[String],
    reader: Reader,
    names: &mut HashMap<NodeId, HashMap<String, NodeId>>,
) -> Option<NodeId> {
    let mut cur = doc.deref(doc.root?);
    for seg in path {
        let plain_map = doc.is_map(cur)
            && !doc
                .raw_entries(cur)
                .iter()
                .any(|&(k, _)| doc.is_merge_key(k));
        cur = if plain_map {
            // without merge keys the last entry of that name wins: a name is computed only
            // for a key written as the segment, or one the reader types as other than a
            // string (`yes`, `1`), so most keys cost a comparison
            let (_, v) = doc.raw_entries(cur).iter().rev().find(|&&(k, _)| {
                let might = match doc.scalar_parts(k) {
                    Some((text, style, None)) => {
                        text == seg.as_str()
                            || (style == Style::Plain
                                && !matches!(
                                    crate::yaml::resolve::resolve_with(reader, text, true, None),
                                    crate::yaml::resolve::Resolved::Str
                                ))
                    }
                    _ => true,
                };
                might && value::key_name(doc, k, reader) == *seg
            })?;
            doc.deref(*v)
        } else if doc.is_map(cur) {
            let map = names.entry(cur).or_insert_with(|| {
                doc.entries_as(cur, reader)
                    .into_iter()
                    .map(|e| (value::key_name(doc, e.key, reader), e.value))
                    .collect()
            });
            doc.deref(*map.get(seg)?)
        } else {
            doc.deref(*doc.items(cur).get(seg.parse::<usize>().ok()?)?)
        };
    }
    Some(cur)
}

/// A document's typed tree (`null` for an empty document).
fn typed(doc: &Document, reader: Reader) -> Value {
    doc.root
        .map_or(Value::Null, |r| value::value(doc, r, reader))
}

/// A mapping entry: key and value.
type Pair = (NodeId, NodeId);

/// Whether two documents are written the same (scalars, their plain or quoted style, tags,
/// keys in order) everywhere outside `targets`: then they read the same there. `false` also
/// where the answer needs typing: aliases, merge keys, collection keys.
fn same_outside(
    bd: &Document,
    ad: &Document,
    targets: &HashSet<&[String]>,
    reader: Reader,
) -> bool {
    let (Some(br), Some(ar)) = (bd.root, ad.root) else {
        return bd.root.is_none() && ad.root.is_none();
    };
    let leads_to_target = |p: &[String]| {
        targets
            .iter()
            .any(|t| t.len() > p.len() && t[..p.len()] == *p)
    };
    let plain = |s: Style| s == Style::Plain;
    // the path is kept only while a target lies below it
    let mut stack: Vec<(NodeId, NodeId, Option<Path>)> = vec![(br, ar, Some(Vec::new()))];
    while let Some((b, a, path)) = stack.pop() {
        if path
            .as_ref()
            .is_some_and(|p| targets.contains(p.as_slice()))
        {
            continue;
        }
        let (bn, an) = (bd.node(b), ad.node(a));
        if bn.tag != an.tag {
            return false;
        }
        let child = |path: &Option<Path>, name: &dyn Fn() -> String| -> Result<Option<Path>, ()> {
            let Some(p) = path else { return Ok(None) };
            let mut q = p.clone();
            q.push(name());
            if targets.contains(q.as_slice()) {
                return Err(());
            }
            Ok(leads_to_target(&q).then_some(q))
        };
        match (&bn.kind, &an.kind) {
            (
                NodeKind::Scalar {
                    value: v1,
                    style: s1,
                },
                NodeKind::Scalar {
                    value: v2,
                    style: s2,
                },
            ) => {
                if bd.text_of(*v1) != ad.text_of(*v2) || plain(*s1) != plain(*s2) {
                    return false;
                }
            }
            (NodeKind::Map { entries: e1, .. }, NodeKind::Map { entries: e2, .. }) => {
                // entries that are targets may come or go (a `labels:` added to `metadata`):
                // the others must be the same, in the same order
                let keep =
                    |d: &Document, es: &[(NodeId, NodeId)]| -> Option<Vec<(NodeId, NodeId)>> {
                        let Some(p) = &path else {
                            return Some(es.to_vec());
                        };
                        let mut out = Vec::with_capacity(es.len());
                        for &(k, v) in es {
                            let mut q = p.clone();
                            q.push(value::key_name(d, k, reader));
                            if !targets.contains(q.as_slice()) {
                                out.push((k, v));
                            }
                        }
                        Some(out)
                    };
                let filtered;
                let (e1, e2): (&[Pair], &[Pair]) = if e1.len() == e2.len() {
                    (e1, e2)
                } else {
                    filtered = match (keep(bd, e1), keep(ad, e2)) {
                        (Some(x), Some(y)) if x.len() == y.len() => (x, y),
                        _ => return false,
                    };
                    (&filtered.0, &filtered.1)
                };
                for (&(bk, bv), &(ak, av)) in e1.iter().zip(e2) {
                    let (bkn, akn) = (bd.node(bk), ad.node(ak));
                    let (
                        NodeKind::Scalar {
                            value: k1,
                            style: s1,
                        },
                        NodeKind::Scalar {
                            value: k2,
                            style: s2,
                        },
                    ) = (&bkn.kind, &akn.kind)
                    else {
                        return false;
                    };
                    let k1 = bd.text_of(*k1);
                    if k1 != ad.text_of(*k2) || plain(*s1) != plain(*s2) || bkn.tag != akn.tag {
                        return false;
                    }
                    if k1 == "<<" && plain(*s1) {
                        return false;
                    }
                    match child(&path, &|| value::key_name(bd, bk, reader)) {
                        Ok(p) => stack.push((bv, av, p)),
                        Err(()) => continue,
                    }
                }
            }
            (NodeKind::Seq { items: i1 }, NodeKind::Seq { items: i2 }) => {
                if i1.len() != i2.len() {
                    return false;
                }
                for (i, (&bi, &ai)) in i1.iter().zip(i2).enumerate() {
                    match child(&path, &|| i.to_string()) {
                        Ok(p) => stack.push((bi, ai, p)),
                        Err(()) => continue,
                    }
                }
            }
            _ => return false,
        }
    }
    true
}

/// A fix that makes two keys of a mapping collide (go-yaml keeps `0x10` and `"16"` apart,
/// kubectl's JSON names both `16`) turns a defined reading into Go's map order: refused, named
/// by the mapping's path and the two keys.
fn new_key_collision(
    bd: &Document,
    ad: &Document,
    after_text: &str,
    reader: Reader,
    fixes: &[&Fix],
    mine: &[usize],
) -> Option<Failure> {
    let after = value::key_collisions(ad, reader);
    if after.is_empty() {
        return None;
    }
    let named = |d: &Document, c: &value::KeyCollision| (d.path_to(c.map, reader), c.name.clone());
    let before: Vec<_> = value::key_collisions(bd, reader)
        .iter()
        .map(|c| named(bd, c))
        .collect();
    let c = after.iter().find(|c| !before.contains(&named(ad, c)))?;
    let (k0, k1) = c.keys;
    let text = |k| {
        let sp = ad.span(k);
        after_text
            .get(sp.start..sp.end)
            .unwrap_or_default()
            .to_string()
    };
    let at = ad.path_to(c.map, reader).unwrap_or_default();
    // the culprit: the one fix of this document whose edits fall in that mapping, if one
    let inside: Vec<usize> = mine
        .iter()
        .copied()
        .filter(|&f| fixes[f].targets.iter().any(|t| t.starts_with(&at)))
        .collect();
    Some(Failure {
        reason: format!(
            "keys `{}` and `{}` of {} would both read as `{}`, and kubectl would keep either value at random",
            text(k0),
            text(k1),
            show(&at),
            c.name
        ),
        culprit: (inside.len() == 1).then(|| inside[0]),
        defer: false,
    })
}

/// Whether document `i` reads the same before and after: its text is byte for byte the
/// same, so its meaning is too, and its typed tree need not be built.
fn same_text(before_text: &str, b: &Document, after_text: &str, a: &Document) -> bool {
    before_text.get(b.span.start..b.span.end) == after_text.get(a.span.start..a.span.end)
}

/// Checks a fixed text against the text it came from: it parses, holds as many documents,
/// and reads the same everywhere but at the fixes' target paths, which hold what each fix
/// promised. Every failure is listed; one that a single fix's edits explain names it.
pub fn check(
    before_text: &str,
    before: &Stream,
    after_text: &str,
    after: &Stream,
    reader: Reader,
    fixes: &[&Fix],
) -> Result<(), Vec<Failure>> {
    if let Some(e) = after.errors.first() {
        let line = LineIndex::new(after_text).position(e.offset).line;
        return Err(Failure::of_all(format!(
            "the result would not parse ({} at line {line})",
            e.message
        )));
    }
    if after.documents.len() != before.documents.len() {
        return Err(Failure::of_all(format!(
            "the result would hold {} documents instead of {}",
            after.documents.len(),
            before.documents.len()
        )));
    }
    let mut by_doc: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, f) in fixes.iter().enumerate() {
        by_doc.entry(f.doc).or_default().push(i);
    }
    let mut failures = Vec::new();
    for (i, (bd, ad)) in before.documents.iter().zip(&after.documents).enumerate() {
        let mine: &[usize] = by_doc.get(&i).map_or(&[], Vec::as_slice);
        if mine.is_empty() && same_text(before_text, bd, after_text, ad) {
            continue;
        }
        // in a document no fix meant to touch, the change is named with its document
        let in_doc = if mine.is_empty() {
            format!(" in document {}", i + 1)
        } else {
            String::new()
        };
        let targets: HashSet<&[String]> = mine
            .iter()
            .flat_map(|&f| fixes[f].targets.iter().map(Vec::as_slice))
            .collect();
        // most changes leave everything outside their targets written exactly as it was: then
        // it reads the same, and no typed tree needs building
        if !mine.is_empty()
            && let Some(f) = new_key_collision(bd, ad, after_text, reader, fixes, mine)
        {
            failures.push(f);
        }
        let a = (!same_outside(bd, ad, &targets, reader)).then(|| typed(ad, reader));
        let mut diffs = Vec::new();
        if let Some(a) = &a {
            value::diff(&typed(bd, reader), a, &mut Vec::new(), &mut diffs);
        }
        let mut after_names = HashMap::new();
        let mut got_at = |path: &Path| -> Option<Value> {
            match &a {
                Some(a) => value::lookup(a, path).cloned(),
                None => {
                    node_at(ad, path, reader, &mut after_names).map(|n| value::value(ad, n, reader))
                }
            }
        };
        // edits of this document's fixes by start, to find the one inside a changed node
        let mut edits: Vec<(usize, usize, usize)> = mine
            .iter()
            .flat_map(|&f| {
                fixes[f]
                    .edits
                    .iter()
                    .map(move |e| (e.span.start, e.span.end, f))
            })
            .collect();
        edits.sort_unstable();
        let mut names = HashMap::new();
        for p in diffs {
            if (0..=p.len()).any(|n| targets.contains(&p[..n])) {
                continue;
            }
            let culprit = node_at(bd, &p, reader, &mut names).and_then(|n| {
                let span = bd.span(n);
                let from = edits.partition_point(|e| e.0 < span.start);
                let mut inside = edits[from..]
                    .iter()
                    .take_while(|e| e.0 < span.end || (e.0 == span.end && e.1 == e.0))
                    .filter(|e| e.1 <= span.end)
                    .map(|e| e.2);
                let first = inside.next()?;
                inside.all(|f| f == first).then_some(first)
            });
            failures.push(Failure {
                reason: format!("it would also change {}{in_doc}", show(&p)),
                culprit,
                defer: false,
            });
        }
        for &fi in mine {
            for (path, expect) in &fixes[fi].expect {
                let got = got_at(path);
                let got = got.as_ref();
                let broken = match expect {
                    Expect::Absent => got.map(|_| {
                        format!(
                            "{} would still be set (to another value written for it)",
                            show(path)
                        )
                    }),
                    Expect::Present => got
                        .is_none()
                        .then(|| format!("{} would be missing", show(path))),
                    Expect::Str { value: s, or_at } => {
                        let want = Value::Str(s.clone());
                        let alt = or_at.as_ref().and_then(&mut got_at);
                        (got != Some(&want) && alt.as_ref() != Some(&want))
                            .then(|| format!("{} would not read as the string {s:?}", show(path)))
                    }
                };
                if let Some(reason) = broken {
                    let overlaps = |t: &Path| {
                        let n = t.len().min(path.len());
                        t[..n] == path[..n]
                    };
                    let defer = mine
                        .iter()
                        .any(|&o| o != fi && fixes[o].targets.iter().any(overlaps));
                    failures.push(Failure {
                        reason,
                        culprit: Some(fi),
                        defer,
                    });
                }
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures)
    }
}

/// The outcome of one pass over a text: indices into the fixes it was given.
pub struct Pass {
    /// The new text and its parse, when any fix was applied.
    pub result: Option<(String, Stream)>,
    pub applied: Vec<usize>,
    /// Fixes that fail even on their own, with the reason.
    pub refused: Vec<(usize, String)>,
    /// Fixes that wait for the next pass (their promise broke at a path another fix of the
    /// set changes), with the reason they failed now.
    pub deferred: Vec<(usize, String)>,
}

/// Applies as many of `fixes` (computed on `text`, parsed as `stream`) as verify together.
///
/// A failure that one fix's edits explain (the changed value is the node it edits, or its
/// own promise is broken) refuses that fix at once, so many refusals cost a few passes, not
/// a bisection each; what no single fix explains is bisected.
pub fn pass(text: &str, stream: &Stream, reader: Reader, fixes: &[&Fix]) -> Pass {
    let attempt = |set: &[usize]| -> Result<(String, Stream), Vec<Failure>> {
        let chosen: Vec<&Fix> = set.iter().map(|&i| fixes[i]).collect();
        let new_text = apply_edits(text, &chosen).map_err(Failure::of_all)?;
        let parsed = yaml::parse(&new_text, yaml::Limits::default());
        check(text, stream, &new_text, &parsed, reader, &chosen).map_err(|fs| {
            // culprits are indices into `chosen`: map them back to `fixes`
            fs.into_iter()
                .map(|f| Failure {
                    reason: f.reason,
                    culprit: f.culprit.map(|c| set[c]),
                    defer: f.defer,
                })
                .collect::<Vec<Failure>>()
        })?;
        Ok((new_text, parsed))
    };
    let mut refused: Vec<(usize, String)> = Vec::new();
    let mut deferred_why: Vec<(usize, String)> = Vec::new();
    // a fix whose own edits overlap can never be applied: refused now, not left waiting
    for (i, f) in fixes.iter().enumerate() {
        if f.edits
            .iter()
            .enumerate()
            .any(|(j, a)| f.edits[j + 1..].iter().any(|b| conflicts(a, b)))
        {
            refused.push((
                i,
                "its edits overlap each other, so kure cannot make it; make the change by hand"
                    .to_string(),
            ));
        }
    }
    let mut set = non_overlapping(fixes);
    let whole = loop {
        if set.is_empty() {
            return Pass {
                result: None,
                applied: Vec::new(),
                refused,
                deferred: deferred_why,
            };
        }
        match attempt(&set) {
            Ok(r) => {
                return Pass {
                    result: Some(r),
                    applied: set,
                    refused,
                    deferred: deferred_why,
                };
            }
            Err(failures) => {
                let mut blamed: Vec<(usize, String)> = Vec::new();
                let mut deferred: HashSet<usize> = HashSet::new();
                for f in &failures {
                    match f.culprit {
                        Some(c) if f.defer && deferred.insert(c) => {
                            deferred_why.push((c, f.reason.clone()));
                        }
                        Some(_) if f.defer => {}
                        Some(c) if !blamed.iter().any(|(b, _)| *b == c) => {
                            blamed.push((c, f.reason.clone()));
                        }
                        _ => {}
                    }
                }
                blamed.retain(|(c, _)| !deferred.contains(c));
                if blamed.is_empty() && deferred.is_empty() {
                    break first_reason(failures);
                }
                set.retain(|i| !deferred.contains(i) && !blamed.iter().any(|(b, _)| b == i));
                refused.extend(blamed);
            }
        }
    };
    let first_reason_of = |r: Result<(String, Stream), Vec<Failure>>| r.map_err(first_reason);
    // bisect: groups that verify on top of what is accepted are kept whole, groups that do
    // not are split, so a few bad fixes among many cost a few parses each, not one per fix.
    // A single fix that fails with the others but not alone waits for the next pass.
    let mut accepted: Vec<usize> = Vec::new();
    let mut result = None;
    // each group to try carries its outcome when it is already known (the whole set's)
    let mut groups: Vec<(Vec<usize>, Option<String>)> = vec![(set, Some(whole))];
    while let Some((group, known)) = groups.pop() {
        let outcome = match known {
            Some(reason) => Err(reason),
            None => {
                let mut trial = accepted.clone();
                trial.extend(group.iter().copied());
                first_reason_of(attempt(&trial))
            }
        };
        match outcome {
            Ok(r) => {
                accepted.extend(group);
                result = Some(r);
            }
            Err(reason) if group.len() == 1 => {
                let f = group[0];
                if accepted.is_empty() {
                    refused.push((f, reason));
                } else if let Err(alone) = first_reason_of(attempt(&[f])) {
                    refused.push((f, alone));
                }
            }
            Err(_) => {
                let mut group = group;
                let second = group.split_off(group.len() / 2);
                groups.push((second, None));
                groups.push((group, None));
            }
        }
    }
    accepted.sort_unstable();
    Pass {
        result,
        applied: accepted,
        refused,
        deferred: deferred_why,
    }
}

/// A file whose text fixes (or a transform) changed: written when the run writes, shown by
/// `--diff`, listed by `--check`.
#[derive(Clone, Debug)]
pub struct Change {
    pub path: String,
    pub original: String,
    pub fixed: String,
    /// What changed it, one entry per fix: the rule's id, or the transform's name.
    pub rules: Vec<&'static str>,
}

/// The most passes a text gets: each pass applies every proposal that does not overlap
/// another, then the proposer looks at the new text again.
pub const MAX_PASSES: usize = 16;

/// What changing a text to a fixed point did.
pub struct Outcome<K> {
    /// The final text.
    pub text: String,
    /// The proposals applied, by key, in the order their passes ran.
    pub applied: Vec<K>,
    /// The proposals refused, by key, with the reason, in the order they were refused.
    pub refused: Vec<(K, String)>,
    /// What the proposer offered on the final text, in its order: proposals refused
    /// earlier, and, when the pass limit was reached, proposals never tried.
    pub left: Vec<(K, Fix)>,
}

/// The one entry point for every change to a text (`kure fix`, and the commands that
/// transform files): `propose` is asked for changes on the text as it stands, each under a
/// key that names it from pass to pass while its byte offsets move; the changes that verify
/// together are applied (`pass`), and it is asked again on the new text, until it proposes
/// nothing new or `MAX_PASSES` have run. It is always called once more on the final text (a
/// proposer that also reports findings, as lint does, keeps that last report). A refused
/// proposal is not offered to the next pass again.
pub fn to_fixed_point<K: Clone + Eq + std::hash::Hash>(
    text: String,
    stream: Stream,
    reader: Reader,
    mut propose: impl FnMut(&str, &Stream) -> Vec<(K, Fix)>,
) -> Outcome<K> {
    let (mut text, mut stream) = (text, stream);
    let mut applied = Vec::new();
    let mut refused: Vec<(K, String)> = Vec::new();
    let mut refused_keys: HashSet<K> = HashSet::new();
    let mut waiting: Vec<(K, String)> = Vec::new();
    let mut passes = 0;
    let left = loop {
        let proposals = propose(&text, &stream);
        if passes >= MAX_PASSES || proposals.iter().all(|(k, _)| refused_keys.contains(k)) {
            break proposals;
        }
        let candidates: Vec<(K, Fix)> = proposals
            .into_iter()
            .filter(|(k, _)| !refused_keys.contains(k))
            .collect();
        let fixes: Vec<&Fix> = candidates.iter().map(|(_, f)| f).collect();
        let pass = pass(&text, &stream, reader, &fixes);
        for &i in &pass.applied {
            applied.push(candidates[i].0.clone());
        }
        for (i, reason) in pass.refused {
            let k = candidates[i].0.clone();
            refused_keys.insert(k.clone());
            refused.push((k, reason));
        }
        for (i, reason) in pass.deferred {
            let k = &candidates[i].0;
            match waiting.iter_mut().find(|(w, _)| w == k) {
                Some(w) => w.1 = reason,
                None => waiting.push((k.clone(), reason)),
            }
        }
        waiting.retain(|(k, _)| !applied.contains(k));
        if let Some((t, s)) = pass.result {
            text = t;
            stream = s;
        }
        passes += 1;
    };
    drop(stream);
    // a change that waited for a pass its proposer did not offer it again in is refused,
    // with the reason it waited: never silently dropped
    for (k, reason) in waiting {
        if !refused_keys.contains(&k) && !left.iter().any(|(l, _)| *l == k) {
            refused.push((k, reason));
        }
    }
    Outcome {
        text,
        applied,
        refused,
        left,
    }
}

/// The signal that stopped a writing run (`stop_writing_on_signals`): 0 while none came.
static STOP: std::sync::OnceLock<std::sync::Arc<std::sync::atomic::AtomicUsize>> =
    std::sync::OnceLock::new();

fn stop_flag() -> &'static std::sync::Arc<std::sync::atomic::AtomicUsize> {
    STOP.get_or_init(|| std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0)))
}

/// Makes SIGINT and SIGTERM stop the writes instead of the process: the file being written
/// is finished (or left as it was), no temporary file is left, no other file is written, and
/// the caller learns which signal came from `stopped_by` (to exit with 128 + its number).
pub fn stop_writing_on_signals() -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    for sig in [SIGINT, SIGTERM] {
        signal_hook::flag::register_usize(sig, stop_flag().clone(), sig as usize)?;
    }
    Ok(())
}

/// The signal that stopped the writes, if one came.
pub fn stopped_by() -> Option<i32> {
    match STOP.get()?.load(std::sync::atomic::Ordering::SeqCst) {
        0 => None,
        sig => i32::try_from(sig).ok(),
    }
}

/// Whether a text is a SOPS-encrypted YAML file: a top-level `sops:` key whose mapping has a
/// `mac` (read from the text, so no parse is needed to refuse a write).
pub fn is_sops_text(text: &[u8]) -> bool {
    let mut in_sops = false;
    for line in text.split(|&b| b == b'\n') {
        if line.first().is_some_and(|b| !b.is_ascii_whitespace()) {
            in_sops = line.starts_with(b"sops:");
            continue;
        }
        if in_sops {
            let t = line.trim_ascii_start();
            if t.starts_with(b"mac:") {
                return true;
            }
        }
    }
    false
}

/// The name of a temporary file of this process: `.kure-<pid>-XXXXXX.tmp`, so a later run can
/// tell the files of a process that was killed (`remove_stale_temporaries`).
const TMP_PREFIX: &str = ".kure-";
const TMP_SUFFIX: &str = ".tmp";

/// Removes, once per directory and run, the temporary files that a kure process killed
/// before its rename left (`kill -9`): those named for a process that no longer runs.
fn remove_stale_temporaries(dir: &std::path::Path) {
    static DONE: std::sync::Mutex<Option<HashSet<std::path::PathBuf>>> =
        std::sync::Mutex::new(None);
    if let Ok(mut done) = DONE.lock()
        && !done.get_or_insert_default().insert(dir.to_path_buf())
    {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let me = std::process::id();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(pid) = name
            .strip_prefix(TMP_PREFIX)
            .filter(|n| n.ends_with(TMP_SUFFIX))
            .and_then(|n| n.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid != me && !process_runs(pid) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(unix)]
fn process_runs(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // signal 0 asks whether the process exists; EPERM means it does (another user's)
    // SAFETY: kill with signal 0 sends nothing and touches no memory
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

#[cfg(not(unix))]
fn process_runs(_pid: u32) -> bool {
    // without a portable way to ask, a temporary file is never taken for a stale one
    true
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, flushed, given
/// the original's permissions (and owner, where allowed), then renamed over the original.
/// A symbolic link is written through, not replaced. Just before the rename the file must
/// still hold `expected` (what the fixes were computed on): a file an editor or another run
/// saved in the meantime is left as it is, and the write is an error. Never written: a file
/// encrypted by SOPS, a file this user may not write (the rename would bypass its mode), and
/// any file once a signal has stopped the writes.
pub fn write_atomic(
    path: &std::path::Path,
    expected: &[u8],
    bytes: &[u8],
) -> Result<(), FileErrorKind> {
    if stopped_by().is_some() {
        return Err(FileErrorKind::Interrupted);
    }
    if is_sops_text(expected) {
        return Err(FileErrorKind::Encrypted);
    }
    let real = std::fs::canonicalize(path).map_err(|e| FileErrorKind::write("resolve path", e))?;
    let dir = real
        .parent()
        .ok_or_else(|| FileErrorKind::write("write", "no parent directory"))?;
    let meta = std::fs::metadata(&real)
        .map_err(|e| FileErrorKind::write("read the file's metadata", e))?;
    // the rename replaces the file whatever its mode: a file marked read-only is left alone
    // (as an editor leaves it, even for root), and so is one the system would not let this
    // user open for writing (as `cp` does)
    if meta.permissions().readonly() {
        return Err(FileErrorKind::ReadOnly);
    }
    if let Err(e) = std::fs::OpenOptions::new().append(true).open(&real) {
        return Err(if e.kind() == std::io::ErrorKind::PermissionDenied {
            FileErrorKind::ReadOnly
        } else {
            FileErrorKind::write("open the file for writing", e)
        });
    }
    remove_stale_temporaries(dir);
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!("{TMP_PREFIX}{}-", std::process::id()))
        .suffix(TMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(|e| {
            FileErrorKind::write(format!("create a temporary file in {}", dir.display()), e)
        })?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| FileErrorKind::write("write a temporary file", e))?;
    tmp.as_file()
        .set_permissions(meta.permissions())
        .map_err(|e| FileErrorKind::write("set permissions", e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // keeping the owner needs privileges; without them the file belongs to the user
        let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(meta.uid()), Some(meta.gid()));
    }
    #[cfg(feature = "test-hooks")]
    test_hooks();
    let now = std::fs::read(&real).map_err(|e| FileErrorKind::write("read the file again", e))?;
    if now != expected {
        return Err(FileErrorKind::Changed);
    }
    if stopped_by().is_some() {
        // a signal came while the copy was written: the original stays, the copy goes
        return Err(FileErrorKind::Interrupted);
    }
    tmp.persist(&real)
        .map_err(|e| FileErrorKind::write("replace the file", e.error))?;
    Ok(())
}

/// The test suite's hooks, built only with the `test-hooks` feature: stop the process just
/// before the rename, or pause there (to change the file, or send a signal, meanwhile).
#[cfg(feature = "test-hooks")]
fn test_hooks() {
    if std::env::var_os("KURE_TEST_CRASH_BEFORE_RENAME").is_some() {
        std::process::abort();
    }
    if let Some(pause) = std::env::var_os("KURE_TEST_PAUSE_BEFORE_RENAME") {
        let ms = pause.to_str().and_then(|s| s.parse().ok()).unwrap_or(0);
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::Applicability;

    fn fix(edits: &[(usize, usize, &str)]) -> Fix {
        Fix::new(
            Applicability::Safe,
            "test",
            edits
                .iter()
                .map(|&(s, e, c)| Edit::replace(Span::new(s, e), c))
                .collect(),
            0,
            Vec::new(),
        )
    }

    /// Whether two texts' first documents are written alike outside one target path.
    fn same(before: &str, after: &str, target: &[&str]) -> bool {
        let (b, a) = (
            yaml::parse(before, yaml::Limits::default()),
            yaml::parse(after, yaml::Limits::default()),
        );
        let t: Vec<String> = target.iter().map(|s| s.to_string()).collect();
        let targets: HashSet<&[String]> = [t.as_slice()].into_iter().collect();
        same_outside(
            &b.documents[0],
            &a.documents[0],
            &targets,
            Reader::Kubernetes,
        )
    }

    #[test]
    fn a_target_entry_added_to_a_mapping_leaves_the_rest_comparable() {
        let before = "metadata:\n  name: x\nspec: 1\n";
        let after = "metadata:\n  name: x\n  labels:\n    a: b\nspec: 1\n";
        assert!(same(before, after, &["metadata", "labels"]));
        // another entry added: not alike
        assert!(!same(before, after, &["metadata", "annotations"]));
        // the target added, and another entry changed: not alike
        let changed = "metadata:\n  name: y\n  labels:\n    a: b\nspec: 1\n";
        assert!(!same(before, changed, &["metadata", "labels"]));
        // removed
        assert!(same(after, before, &["metadata", "labels"]));
    }

    #[test]
    fn documents_written_alike_outside_the_targets_read_alike_there() {
        let before = "metadata:\n  name: x\n  labels:\n    a: b\nspec:\n  x: [1, 2]\n";
        // a change inside the target, with lines moved: alike outside
        let after = "metadata:\n  name: x\n  labels:\n    a: b\n    c: \"d\"\nspec:\n  x: [1, 2]\n";
        assert!(same(before, after, &["metadata", "labels"]));
        // the same change with another target: not alike
        assert!(!same(before, after, &["spec"]));
        // a quote outside the target changes the type: not alike
        let quoted = before.replace("[1, 2]", "[1, \"2\"]");
        assert!(!same(before, &quoted, &["metadata", "labels"]));
        // an alias or a merge key is left to the typed comparison
        let alias = "metadata:\n  labels: &l {a: b}\nspec:\n  selector: *l\n";
        assert!(!same(alias, alias, &["metadata", "labels"]));
        let merge = "metadata:\n  labels: {a: b}\nspec: {<<: {r: 1}}\n";
        assert!(!same(merge, merge, &["metadata", "labels"]));
    }

    fn picked(fixes: &[Fix]) -> Vec<usize> {
        let refs: Vec<&Fix> = fixes.iter().collect();
        let mut chosen = non_overlapping(&refs);
        chosen.sort_unstable();
        chosen
    }

    #[test]
    fn overlapping_fixes_wait() {
        let fixes = [
            fix(&[(0, 5, "")]),
            fix(&[(4, 8, "")]),               // overlaps the first
            fix(&[(5, 5, "x")]),              // an insertion where the first ends: fine
            fix(&[(5, 5, "y")]),              // a second insertion at the same point waits
            fix(&[(10, 12, ""), (2, 3, "")]), // one of its edits falls inside the first
            fix(&[(20, 30, "")]),
            fix(&[(25, 25, "z")]), // an insertion strictly inside a deletion
        ];
        assert_eq!(picked(&fixes), vec![0, 2, 5]);
    }

    /// The entry point every file-changing command uses: a proposer that is not lint (as
    /// `kure label` will be) gets its changes applied, verified and refused the same way.
    #[test]
    fn any_proposer_runs_to_a_fixed_point() {
        let text = "a: 1\nb: x\n".to_string();
        let stream = yaml::parse(&text, yaml::Limits::default());
        let mut calls = 0;
        let out = to_fixed_point(text, stream, Reader::Kubernetes, |t, _| {
            calls += 1;
            let mut props = Vec::new();
            if let Some(i) = t.find("a: 1") {
                let f = Fix::new(
                    Applicability::Safe,
                    "set a to 2",
                    vec![Edit::replace(Span::new(i + 3, i + 4), "2")],
                    0,
                    vec![vec!["a".to_string()]],
                )
                .expecting(vec!["a".to_string()], Expect::Present);
                props.push(("a", f));
            }
            // an edit that would break the text: refused once, never offered again
            let i = t.find("b: x").unwrap_or(0);
            props.push((
                "break",
                Fix::new(
                    Applicability::Safe,
                    "break b",
                    vec![Edit::replace(Span::new(i, i + 1), "[")],
                    0,
                    vec![vec!["b".to_string()]],
                ),
            ));
            props
        });
        assert_eq!(out.text, "a: 2\nb: x\n");
        assert_eq!(out.applied, vec!["a"]);
        assert_eq!(out.refused.len(), 1);
        assert_eq!(out.refused[0].0, "break");
        assert!(
            out.refused[0].1.contains("would not parse"),
            "{:?}",
            out.refused
        );
        // one pass, then one look at the final text
        assert_eq!(calls, 2);
    }

    /// An edit that does not fit the text is an internal error: its fix is refused, never
    /// counted as applied.
    #[test]
    fn an_edit_outside_the_text_refuses_its_fix() {
        let text = "a: 1\n";
        assert!(apply_edits(text, &[&fix(&[(3, 40, "2")])]).is_err());
        assert!(apply_edits("é: 1\n", &[&fix(&[(1, 2, "x")])]).is_err());
        let stream = yaml::parse(text, yaml::Limits::default());
        let bad = fix(&[(3, 40, "2")]);
        let p = pass(text, &stream, Reader::Kubernetes, &[&bad]);
        assert!(p.result.is_none());
        assert!(p.applied.is_empty());
        assert_eq!(p.refused.len(), 1);
        assert!(p.refused[0].1.contains("does not fit"), "{:?}", p.refused);
    }

    #[test]
    fn edits_apply_in_text_order() {
        let a = fix(&[(7, 10, "\"yes\"")]);
        let b = fix(&[(0, 0, "# top\n"), (11, 16, "")]);
        assert_eq!(
            apply_edits("label: yes\nx: 1\n", &[&a, &b]).unwrap(),
            "# top\nlabel: \"yes\"\n"
        );
    }
}
