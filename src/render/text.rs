//! text/plain tables aligned like psql: a header, a dashed rule, numbers right-aligned, values
//! over several lines marked with `+`, padding by display width ([`super::text_cell`]), and a
//! row count footer that says how many rows were shown when the display limit cut the result.
//! Expanded records (`\x`) are drawn by [`super::expanded`].

use super::text_cell::{center, lines, pad_left, pad_right, width};
use crate::result::{Layout, Table};

/// What NULL looks like in text: distinct from the four-letter string 'NULL'.
pub const NULL_TEXT: &str = "(null)";

/// `  [transaction open]` after a footer or status line when the result carries a note.
pub fn note_suffix(provenance: &crate::result::Provenance) -> String {
    provenance
        .note
        .as_ref()
        .map(|n| format!("  [{n}]"))
        .unwrap_or_default()
}

/// The footer line shared by text renderers: `(3 rows)` or `(shown 50 of 1000000 rows)`.
pub fn row_footer(shown: usize, total: u64, noun: &str) -> String {
    let plural = if total == 1 { "" } else { "s" };
    if (shown as u64) < total {
        format!("(shown {shown} of {total} {noun}{plural})")
    } else {
        format!("({total} {noun}{plural})")
    }
}

/// Beyond this many columns an `auto` layout (`\x auto`) switches to expanded records: about
/// what a notebook output area shows without a scroll bar.
pub const AUTO_EXPANDED_WIDTH: usize = 120;

pub fn table(table: &Table) -> String {
    let aligned = aligned(table);
    let expand = match table.layout {
        Layout::Aligned => false,
        Layout::Expanded => true,
        Layout::Auto => aligned.lines().any(|l| width(l) > AUTO_EXPANDED_WIDTH),
    };
    let drawn = if expand {
        super::expanded::records(table)
    } else {
        aligned
    };
    match &table.title {
        Some(title) => {
            // psql centres the title over the table's width.
            let table_width = drawn.lines().nth(1).map_or(0, width);
            format!("{}\n{drawn}", center(title, table_width).trim_end())
        }
        None => drawn,
    }
}

/// The screen lines of every kept cell (`None`: NULL).
pub fn cell_lines(table: &Table) -> Vec<Vec<Option<Vec<String>>>> {
    (0..table.shown_rows())
        .map(|r| {
            (0..table.columns.len())
                .map(|c| table.cell_text(r, c).map(|s| lines(&s)))
                .collect()
        })
        .collect()
}

/// psql's aligned format: a centred header, a dashed rule, numbers right-aligned, a value over
/// several lines with `+` where it goes on, widths in display columns.
fn aligned(table: &Table) -> String {
    let cells = cell_lines(table);
    let headers: Vec<Vec<String>> = table.columns.iter().map(|c| lines(&c.name)).collect();
    let null = vec![NULL_TEXT.to_string()];
    let mut widths: Vec<usize> = headers.iter().map(|h| widest(h)).collect();
    for row in &cells {
        for (c, cell) in row.iter().enumerate() {
            widths[c] = widths[c].max(widest(cell.as_ref().unwrap_or(&null)));
        }
    }
    let mut out = String::new();
    let header_height = headers.iter().map(Vec::len).max().unwrap_or(1);
    for line in 0..header_height {
        let parts = headers.iter().enumerate().map(|(c, h)| {
            let text = h.get(line).map_or("", String::as_str);
            (center(text, widths[c]), h.len() > line + 1)
        });
        push_line(&mut out, parts);
    }
    out.push_str(
        &widths
            .iter()
            .map(|w| "-".repeat(w + 2))
            .collect::<Vec<_>>()
            .join("+"),
    );
    out.push('\n');
    for row in &cells {
        let height = row
            .iter()
            .map(|cell| cell.as_ref().map_or(1, Vec::len))
            .max()
            .unwrap_or(1);
        for line in 0..height {
            let parts = row.iter().enumerate().map(|(c, cell)| {
                let cell = cell.as_ref().unwrap_or(&null);
                let text = cell.get(line).map_or("", String::as_str);
                let padded = if table.columns[c].kind.is_numeric() {
                    pad_left(text, widths[c])
                } else {
                    pad_right(text, widths[c])
                };
                (padded, cell.len() > line + 1)
            });
            push_line(&mut out, parts);
        }
    }
    out.push_str(&row_footer(table.shown_rows(), table.total_rows, "row"));
    out.push_str(&note_suffix(&table.provenance));
    out
}

/// One screen line of padded cells: ` a | b`, with `+` instead of the space after a cell that
/// goes on below. Trailing padding is left out.
fn push_line(out: &mut String, parts: impl Iterator<Item = (String, bool)>) {
    let mut line = String::from(" ");
    for (index, (text, goes_on)) in parts.enumerate() {
        if index > 0 {
            line.push_str("| ");
        }
        line.push_str(&text);
        line.push(if goes_on { '+' } else { ' ' });
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// The widest of a value's lines.
pub fn widest(lines: &[String]) -> usize {
    lines.iter().map(|l| width(l)).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{Column, Datum, Provenance, TableBuilder, ValueKind};

    fn sample(limit: usize) -> Table {
        let mut b = TableBuilder::new(
            vec![
                Column {
                    name: "id".into(),
                    db_type: "int4".into(),
                    kind: ValueKind::Integer,
                },
                Column {
                    name: "name".into(),
                    db_type: "text".into(),
                    kind: ValueKind::Text,
                },
            ],
            limit,
            false,
        );
        b.push_row(vec![Datum::Int(1), Datum::Text("alice".into())]);
        b.push_row(vec![Datum::Int(10), Datum::Null]);
        b.push_row(vec![Datum::Int(100), Datum::Text("NULL".into())]);
        b.finish(Provenance::default())
    }

    #[test]
    fn aligned_like_psql() {
        assert_eq!(
            table(&sample(10)),
            " id  |  name\n-----+--------\n   1 | alice\n  10 | (null)\n 100 | NULL\n(3 rows)"
        );
    }

    #[test]
    fn footer_says_what_was_shown() {
        assert!(table(&sample(1)).ends_with("(shown 1 of 3 rows)"));
        assert_eq!(row_footer(1, 1, "row"), "(1 row)");
    }

    #[test]
    fn auto_layout_expands_only_what_is_too_wide() {
        let mut narrow = sample(10);
        narrow.layout = Layout::Auto;
        assert!(table(&narrow).starts_with(" id  |  name"));
        let mut b = TableBuilder::new(
            vec![Column {
                name: "wide".into(),
                db_type: "text".into(),
                kind: ValueKind::Text,
            }],
            10,
            false,
        );
        b.push_row(vec![Datum::Text("x".repeat(AUTO_EXPANDED_WIDTH + 1))]);
        let mut wide = b.finish(Provenance::default());
        wide.layout = Layout::Auto;
        assert!(table(&wide).starts_with("-[ RECORD 1 ]"));
    }

    /// `psql -c "select 1 as n, E'a\nbb\nccc' as t, 2 as m union all select 22, 'q', 3"`.
    #[test]
    fn multi_line_values_as_psql_marks_them() {
        let mut b = TableBuilder::new(
            vec![
                Column {
                    name: "n".into(),
                    db_type: "int4".into(),
                    kind: ValueKind::Integer,
                },
                Column {
                    name: "t".into(),
                    db_type: "text".into(),
                    kind: ValueKind::Text,
                },
            ],
            10,
            false,
        );
        b.push_row(vec![Datum::Int(1), Datum::Text("a\nbb\nccc".into())]);
        b.push_row(vec![Datum::Int(22), Datum::Text("q".into())]);
        let t = b.finish(Provenance::default());
        assert_eq!(
            table(&t),
            " n  |  t\n----+-----\n  1 | a  +\n    | bb +\n    | ccc\n 22 | q\n(2 rows)"
        );
    }
}
