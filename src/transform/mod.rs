//! Transforms: one-off changes a user asks for (relabel objects, convert kinds; later,
//! migrate apiVersions). Each plans byte-range edits on the parsed text and hands them to
//! `apply`, which verifies and writes them as it does fixes.

pub mod add_suppressions;
pub mod convert;
pub mod label;
