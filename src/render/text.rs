//! text/plain tables aligned like psql: a header, a dashed rule, numbers right-aligned, and a
//! row count footer that says how many rows were shown when the display limit cut the result.

use crate::result::Table;

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

pub fn table(table: &Table) -> String {
    let rows = table.shown_rows();
    let cols = table.columns.len();
    let cells: Vec<Vec<Option<String>>> = (0..rows)
        .map(|r| {
            (0..cols)
                .map(|c| table.cell_text(r, c).map(|s| one_line(&s)))
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = table.columns.iter().map(|c| width(&c.name)).collect();
    for row in &cells {
        for (c, cell) in row.iter().enumerate() {
            widths[c] = widths[c].max(width(cell.as_deref().unwrap_or(NULL_TEXT)));
        }
    }
    let mut out = String::new();
    let header: Vec<String> = table
        .columns
        .iter()
        .zip(&widths)
        .map(|(col, w)| center(&col.name, *w))
        .collect();
    out.push(' ');
    out.push_str(header.join(" | ").trim_end());
    out.push('\n');
    out.push_str(
        &widths
            .iter()
            .map(|w| "-".repeat(w + 2))
            .collect::<Vec<_>>()
            .join("+"),
    );
    out.push('\n');
    for row in &cells {
        let line: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                let text = cell.as_deref().unwrap_or(NULL_TEXT);
                if table.columns[c].kind.is_numeric() {
                    pad_left(text, widths[c])
                } else {
                    pad_right(text, widths[c])
                }
            })
            .collect();
        out.push(' ');
        out.push_str(line.join(" | ").trim_end());
        out.push('\n');
    }
    out.push_str(&row_footer(rows, table.total_rows, "row"));
    out.push_str(&note_suffix(&table.provenance));
    out
}

/// Newlines and tabs inside a value would break the grid; show them escaped, as psql's `\x` does not.
fn one_line(s: &str) -> String {
    if s.contains(['\n', '\r', '\t']) {
        s.replace('\n', "\\n")
            .replace('\r', "\\r")
            .replace('\t', "\\t")
    } else {
        s.to_string()
    }
}

pub fn width(s: &str) -> usize {
    s.chars().count()
}

fn pad_right(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

fn pad_left(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(width(s))))
}

fn center(s: &str, w: usize) -> String {
    let free = w.saturating_sub(width(s));
    let left = free / 2;
    format!("{}{s}{}", " ".repeat(left), " ".repeat(free - left))
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
}
