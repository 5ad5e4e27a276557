//! text/html for expanded display (`\x on`): each row as its own small two-column table under a
//! `RECORD n` heading, a `name | value` row per column, so that wide rows read top to bottom
//! as they do in the text form ([`super::expanded`]). Same inline styles, NULL marking and
//! footer as the aligned HTML table.

use super::escape::html as esc;
use super::html::{NULL_HTML, footer};
use crate::result::Table;

const TH: &str = "text-align:left;padding:2px 8px;font-weight:600;vertical-align:top";
const TD: &str = "text-align:left;padding:2px 8px;vertical-align:top;white-space:pre-wrap";

pub fn records(table: &Table) -> String {
    let mut out = String::from("<div class=\"dbkernel-result\">");
    if let Some(title) = &table.title {
        out.push_str(&format!(
            "<div style=\"font-weight:600\">{}</div>",
            esc(title)
        ));
    }
    for row in 0..table.shown_rows() {
        out.push_str(&format!(
            "<table style=\"border-collapse:collapse;margin-bottom:6px\"><thead><tr><th colspan=\"2\" style=\"{TH};border-bottom:1px solid #999\">RECORD {}</th></tr></thead><tbody>",
            row + 1
        ));
        for (c, column) in table.columns.iter().enumerate() {
            let value = match table.cell_text(row, c) {
                Some(text) => esc(&text),
                None => NULL_HTML.to_string(),
            };
            out.push_str(&format!(
                "<tr><th style=\"{TH}\" title=\"{}\">{}</th><td style=\"{TD}\">{value}</td></tr>",
                esc(&column.db_type),
                esc(&column.name)
            ));
        }
        out.push_str("</tbody></table>");
    }
    out.push_str(&footer(
        table.shown_rows(),
        table.total_rows,
        "row",
        &table.provenance,
    ));
    out.push_str("</div>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{Column, Datum, Layout, Provenance, TableBuilder, ValueKind};

    #[test]
    fn one_small_table_per_record() {
        let mut b = TableBuilder::new(
            vec![Column {
                name: "a<b".into(),
                db_type: "text".into(),
                kind: ValueKind::Text,
            }],
            10,
            false,
        );
        b.push_row(vec![Datum::Text("x\ny".into())]);
        b.push_row(vec![Datum::Null]);
        let mut t = b.finish(Provenance::default());
        t.layout = Layout::Expanded;
        let h = super::super::html::table(&t);
        assert!(h.contains("RECORD 1") && h.contains("RECORD 2"), "{h}");
        assert!(h.contains("a&lt;b") && h.contains("x\ny"), "{h}");
        assert!(h.contains(NULL_HTML), "{h}");
    }
}
