//! psql's expanded display (`\x`): each row as a `-[ RECORD n ]` block with one `name | value`
//! line per column, for tables too wide to read side by side. The block header is filled with
//! dashes to the width of the widest `name | value` line; a value over several lines is padded
//! and marked with `+` where it goes on, as in psql. The row count footer stays, as in every
//! other table (psql prints none under `\x` except for `(0 rows)`).

use super::text::{NULL_TEXT, cell_lines, note_suffix, row_footer, widest};
use super::text_cell::{lines, pad_right, width};
use crate::result::Table;

pub fn records(table: &Table) -> String {
    let cells = cell_lines(table);
    let names: Vec<String> = table
        .columns
        .iter()
        .map(|c| lines(&c.name).join(" "))
        .collect();
    let name_width = names.iter().map(|n| width(n)).max().unwrap_or(0);
    let null = vec![NULL_TEXT.to_string()];
    let value_width = cells
        .iter()
        .flatten()
        .map(|cell| widest(cell.as_ref().unwrap_or(&null)))
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (index, row) in cells.iter().enumerate() {
        let title = format!("-[ RECORD {} ]", index + 1);
        let fill = (name_width + 3 + value_width).saturating_sub(width(&title));
        out.push_str(&title);
        out.push_str(&"-".repeat(fill));
        out.push('\n');
        for (name, cell) in names.iter().zip(row) {
            let cell = cell.as_ref().unwrap_or(&null);
            for (line, text) in cell.iter().enumerate() {
                let label = if line == 0 { name.as_str() } else { "" };
                let mut shown = format!("{} | ", pad_right(label, name_width));
                if line + 1 < cell.len() {
                    shown.push_str(&pad_right(text, value_width));
                    shown.push('+');
                } else {
                    shown.push_str(text);
                }
                out.push_str(shown.trim_end());
                out.push('\n');
            }
        }
    }
    out.push_str(&row_footer(table.shown_rows(), table.total_rows, "row"));
    out.push_str(&note_suffix(&table.provenance));
    out
}

#[cfg(test)]
mod tests {
    use crate::result::{Column, Datum, Layout, Provenance, TableBuilder, ValueKind};

    fn text_column(name: &str) -> Column {
        Column {
            name: name.into(),
            db_type: "text".into(),
            kind: ValueKind::Text,
        }
    }

    /// `psql -x -c "select E'l1\nlonger line two' as a, 'a much longer value than the header'
    /// as b"` prints exactly these lines (before its missing footer).
    #[test]
    fn records_as_psql_prints_them() {
        let mut b = TableBuilder::new(vec![text_column("a"), text_column("b")], 10, false);
        b.push_row(vec![
            Datum::Text("l1\nlonger line two".into()),
            Datum::Text("a much longer value than the header".into()),
        ]);
        let mut t = b.finish(Provenance::default());
        t.layout = Layout::Expanded;
        assert_eq!(
            super::super::text::table(&t),
            "-[ RECORD 1 ]--------------------------\n\
             a | l1                                 +\n\
             \x20 | longer line two\n\
             b | a much longer value than the header\n\
             (1 row)"
        );
    }
}
