//! Source text positions: byte spans and the line index that turns them into line and column.

use serde::Serialize;
use std::sync::Arc;

/// A byte range in a file, `end` exclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start)
    }
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

/// One end of a span as users see it: byte offset, 1-based line, 1-based column in code points.
/// (32 bits each: kure reads no file over `load::MAX_FILE_SIZE_LIMIT_MIB`, and a finding keeps two.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Position {
    pub offset: u32,
    pub line: u32,
    pub column: u32,
}

/// An offset, line or column as kept in positions (saturating: texts are under 4 GiB).
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A span resolved to positions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    pub start: Position,
    pub end: Position,
}

/// Every `STRIDE`th line start is kept: a position is found by binary search, then by
/// counting at most `STRIDE` newlines, so the index of a large file takes a sixteenth of the
/// memory a full one would.
const STRIDE: usize = 16;

/// Line starts of a text, computed once; positions are found by binary search.
pub struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of the start of lines 0, STRIDE, 2×STRIDE, ... (32 bits: texts are under
    /// `load::MAX_FILE_SIZE_LIMIT_MIB`).
    starts: Vec<u32>,
    bom: bool,
    base: Base,
}

/// Where a text starts in its file, when it is a part of it (one document of a large file,
/// fixed on its own): positions and spans are reported in the file's terms. A part starts at
/// a line start, so columns need no change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Base {
    /// Bytes before the part.
    pub offset: usize,
    /// Lines before the part.
    pub lines: usize,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        LineIndex::with_base(text, Base::default())
    }

    /// The index of a part of a file that starts at `base`.
    pub fn with_base(text: &'a str, base: Base) -> LineIndex<'a> {
        let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
        let mut starts = Vec::with_capacity(lines / STRIDE + 1);
        starts.push(0);
        starts.extend(
            memchr::memchr_iter(b'\n', text.as_bytes())
                .skip(STRIDE - 1)
                .step_by(STRIDE)
                .map(|i| to_u32(i + 1)),
        );
        LineIndex {
            text,
            starts,
            bom: base.offset == 0 && text.starts_with('\u{feff}'),
            base,
        }
    }

    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The position of a byte offset (clamped to the text and to a character boundary).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while offset > 0 && !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let block = match self.starts.binary_search(&to_u32(offset)) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let block_start = self.starts[block] as usize;
        let between = &self.text.as_bytes()[block_start..offset];
        let line = block * STRIDE + memchr::memchr_iter(b'\n', between).count();
        let mut line_start =
            memchr::memrchr(b'\n', between).map_or(block_start, |i| block_start + i + 1);
        if line == 0 && self.bom {
            line_start = line_start.max('\u{feff}'.len_utf8()).min(offset);
        }
        let column = self.text[line_start..offset].chars().count() + 1;
        Position {
            offset: to_u32(self.base.offset + offset),
            line: to_u32(self.base.lines + line + 1),
            column: to_u32(column),
        }
    }

    pub fn location(&self, span: Span) -> Location {
        Location {
            start: self.position(span.start),
            end: self.position(span.end),
        }
    }
}

/// A place in a file, resolved to line and column while the file was in memory.
#[derive(Clone, Debug)]
pub struct Located {
    pub path: Arc<str>,
    pub span: Span,
    pub location: Location,
}

impl Located {
    pub fn new(path: &Arc<str>, index: &LineIndex<'_>, span: Span) -> Located {
        Located {
            path: path.clone(),
            span: Span::new(index.base.offset + span.start, index.base.offset + span.end),
            location: index.location(span),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_positions() {
        let idx = LineIndex::new("a: 1\nbb: 2\n");
        assert_eq!(
            idx.position(0),
            Position {
                offset: 0,
                line: 1,
                column: 1
            }
        );
        assert_eq!(
            idx.position(5),
            Position {
                offset: 5,
                line: 2,
                column: 1
            }
        );
        assert_eq!(
            idx.position(9),
            Position {
                offset: 9,
                line: 2,
                column: 5
            }
        );
    }

    #[test]
    fn multibyte_columns_count_code_points() {
        let text = "name: \"héllo wörld\" x: 1\n";
        let idx = LineIndex::new(text);
        let off = text.find('x').unwrap();
        assert_eq!(idx.position(off).column, 21);
    }

    #[test]
    fn crlf_is_one_line_end() {
        let text = "a: 1\r\nb: 2\r\n";
        let idx = LineIndex::new(text);
        let off = text.find('b').unwrap();
        assert_eq!(
            idx.position(off),
            Position {
                offset: 6,
                line: 2,
                column: 1
            }
        );
    }

    #[test]
    fn lone_cr_is_not_a_line_end() {
        let text = "a: 1\rb: 2\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(5).line, 1);
        assert_eq!(idx.position(5).column, 6);
    }

    #[test]
    fn bom_is_not_counted() {
        let text = "\u{feff}kind: x\n";
        let idx = LineIndex::new(text);
        assert_eq!(
            idx.position(3),
            Position {
                offset: 3,
                line: 1,
                column: 1
            }
        );
        assert_eq!(idx.position(9).column, 7);
    }
}
