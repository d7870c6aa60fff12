//! The module table of ARCHITECTURE.md is the rule: each module imports only what its row
//! lists, so the layering the document describes is the one the code has (no cycles, no
//! climbs back up), and the document cannot drift from the code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// `module → modules it may import`, from the table.
fn allowed() -> BTreeMap<String, BTreeSet<String>> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
            .expect("ARCHITECTURE.md");
    let names = |cell: &str| -> BTreeSet<String> {
        cell.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    let mut table = BTreeMap::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // | `module` | knows | may import |
        if cells.len() == 5 && cells[1].starts_with('`') && cells[1].ends_with('`') {
            let module = cells[1].trim_matches('`').to_string();
            table.insert(module, names(cells[3]));
        }
    }
    table
}

/// The top-level modules a source file names as `crate::x`.
fn imports(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.insert(name);
        }
    }
    out
}

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn modules_import_only_what_architecture_md_allows() {
    let table = allowed();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut modules_seen = BTreeSet::new();
    let mut wrong = Vec::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "bin" {
            continue; // the module map, and the binary (which uses the public API only)
        }
        let Some(may) = table.get(&module) else {
            wrong.push(format!(
                "{}: module `{module}` has no row in ARCHITECTURE.md",
                rel.display()
            ));
            continue;
        };
        modules_seen.insert(module.clone());
        let text = std::fs::read_to_string(&f).unwrap();
        for m in imports(&text) {
            if m != module && !may.contains(&m) {
                wrong.push(format!("{}: `{module}` imports `{m}`", rel.display()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports ARCHITECTURE.md does not allow:\n{}",
        wrong.join("\n")
    );
    let rows: BTreeSet<String> = table.keys().cloned().collect();
    assert_eq!(
        rows, modules_seen,
        "rows of ARCHITECTURE.md's table without a module"
    );
}

#[test]
fn the_binary_uses_only_the_library_api() {
    let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/bin/kure");
    let mut files = Vec::new();
    sources(&bin, &mut files);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        // its own modules are `crate::cli`, `crate::commands` and `crate::server`
        let foreign: Vec<String> = imports(&text)
            .into_iter()
            .filter(|m| !["cli", "commands", "server"].contains(&m.as_str()))
            .collect();
        assert!(foreign.is_empty(), "{}: {foreign:?}", f.display());
    }
}
