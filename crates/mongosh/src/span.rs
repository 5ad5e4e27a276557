//! Source positions.
//!
//! Every token, expression and statement carries a [`Span`]: the byte range in
//! the cell plus the 1-based line and column of its start. Columns count
//! Unicode code points, not bytes, so that a caret drawn under a line that
//! contains `é` or emoji still lands on the right character.

/// A region of the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// 1-based line of `start`.
    pub line: usize,
    /// 1-based column of `start`, in code points.
    pub column: usize,
}

impl Span {
    /// A span covering `self` through `other` (which must come later).
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start,
            end: other.end.max(self.end),
            line: self.line,
            column: self.column,
        }
    }

    /// The source text this span covers (empty if out of range).
    pub fn text(self, source: &str) -> &str {
        source.get(self.start..self.end).unwrap_or("")
    }
}

/// Line and column (both 1-based, column in code points) of a byte offset.
///
/// Offsets past the end, or inside a multi-byte character, are clamped so this
/// never panics on input the user controls.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(source.len());
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = source[line_start..offset].chars().count() + 1;
    (line, column)
}

/// The full text of 1-based line `line` (without its newline), if it exists.
pub fn line_text(source: &str, line: usize) -> Option<&str> {
    source
        .split('\n')
        .nth(line.checked_sub(1)?)
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// Render `message` with the offending line and a caret under `column`,
/// the way the kernel shows a failing statement:
///
/// ```text
/// SyntaxError: expected ',' (line 2, column 21)
///   db.users.find({ name: 'x' age: 3 })
///                             ^
/// ```
pub fn render_with_caret(source: &str, headline: &str, line: usize, column: usize) -> String {
    let mut out = format!("{headline} (line {line}, column {column})");
    if let Some(text) = line_text(source, line) {
        // Tabs are kept in the padding so the caret lines up under a tab-indented line.
        let pad: String = text
            .chars()
            .take(column.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        out.push_str(&format!("\n  {text}\n  {pad}^"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_code_points() {
        let src = "a\néé x";
        let x = src.find('x').unwrap();
        assert_eq!(line_column(src, x), (2, 4));
        assert_eq!(line_column(src, 0), (1, 1));
        assert_eq!(line_column(src, 999), (2, 5));
    }

    #[test]
    fn caret_lands_under_column() {
        let out = render_with_caret("ab\n  cd", "SyntaxError: boom", 2, 3);
        assert_eq!(out, "SyntaxError: boom (line 2, column 3)\n    cd\n    ^");
    }
}
