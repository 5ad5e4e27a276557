//! text/html tables: header with the database type as a tooltip, numbers right-aligned, NULL in
//! grey italics, values over several lines as real line breaks (`white-space:pre-wrap`), an
//! optional caption (psql's `List of relations`), and a footer "shown N of M rows · elapsed ·
//! connection". Inline styles only, so
//! the output looks the same in JupyterLab, VS Code, nbconvert HTML and GitHub.

use std::time::Duration;

use super::escape::html as esc;
use crate::result::{Provenance, Table};

pub const NULL_HTML: &str = "<span style=\"color:#999;font-style:italic\">NULL</span>";
const TH: &str = "text-align:left;padding:2px 8px;border-bottom:1px solid #999;font-weight:600";
const TD: &str = "padding:2px 8px;vertical-align:top;white-space:pre-wrap";

pub fn table(table: &Table) -> String {
    if table.layout == crate::result::Layout::Expanded {
        return super::html_expanded::records(table);
    }
    let mut out =
        String::from("<div class=\"dbkernel-result\"><table style=\"border-collapse:collapse\">");
    if let Some(title) = &table.title {
        out.push_str(&format!(
            "<caption style=\"font-weight:600;text-align:left;padding:2px 8px\">{}</caption>",
            esc(title)
        ));
    }
    out.push_str("<thead><tr>");
    for column in &table.columns {
        let align = if column.kind.is_numeric() {
            "text-align:right;"
        } else {
            ""
        };
        out.push_str(&format!(
            "<th style=\"{TH};{align}\" title=\"{}\">{}</th>",
            esc(&column.db_type),
            esc(&column.name)
        ));
    }
    out.push_str("</tr></thead><tbody>");
    for row in 0..table.shown_rows() {
        out.push_str("<tr>");
        for (c, column) in table.columns.iter().enumerate() {
            // JupyterLab's stylesheet right-aligns every cell, so text says left explicitly.
            let align = if column.kind.is_numeric() {
                "text-align:right;"
            } else {
                "text-align:left;"
            };
            let cell = match table.cell_text(row, c) {
                Some(text) => esc(&text),
                None => NULL_HTML.to_string(),
            };
            out.push_str(&format!("<td style=\"{TD};{align}\">{cell}</td>"));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out.push_str(&footer(
        table.shown_rows(),
        table.total_rows,
        "row",
        &table.provenance,
    ));
    out.push_str("</div>");
    out
}

/// The footer line every HTML result shares.
pub fn footer(shown: usize, total: u64, noun: &str, provenance: &Provenance) -> String {
    let plural = if total == 1 { "" } else { "s" };
    let mut parts = vec![if (shown as u64) < total {
        format!("shown {shown} of {total} {noun}{plural}")
    } else {
        format!("{total} {noun}{plural}")
    }];
    // A zero elapsed time means "not measured" or "left out" (the deterministic setting).
    if !provenance.elapsed.is_zero() {
        parts.push(elapsed(provenance.elapsed));
    }
    if !provenance.connection.is_empty() {
        parts.push(esc(&provenance.connection));
    }
    if let Some(note) = &provenance.note {
        parts.push(format!(
            "<span style=\"color:#b35900;font-weight:bold\">{}</span>",
            esc(note)
        ));
    }
    format!(
        "<div style=\"color:#666;font-size:85%;margin-top:4px\">{}</div>",
        parts.join(" · ")
    )
}

/// Human-friendly elapsed time: `850 µs`, `12.3 ms`, `1.52 s`.
pub fn elapsed(d: Duration) -> String {
    let micros = d.as_micros();
    if micros < 1000 {
        format!("{micros} µs")
    } else if micros < 1_000_000 {
        format!("{:.1} ms", micros as f64 / 1000.0)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{Column, Datum, TableBuilder, ValueKind};

    #[test]
    fn escapes_values_marks_null_and_counts_rows() {
        let mut b = TableBuilder::new(
            vec![Column {
                name: "v".into(),
                db_type: "text".into(),
                kind: ValueKind::Text,
            }],
            1,
            false,
        );
        b.push_row(vec![Datum::Text("<script>".into())]);
        b.push_row(vec![Datum::Null]);
        let t = b.finish(Provenance {
            connection: "pg".into(),
            elapsed: Duration::from_micros(1500),
            note: Some("transaction open".into()),
        });
        let h = table(&t);
        assert!(h.contains("&lt;script&gt;"));
        assert!(!h.contains("<script>"));
        assert!(h.contains("shown 1 of 2 rows · 1.5 ms · pg"), "{h}");
        // JupyterLab right-aligns table cells unless told otherwise: text must say left.
        assert!(h.contains("text-align:left;\">&lt;script&gt;</td>"), "{h}");
    }

    #[test]
    fn elapsed_units() {
        assert_eq!(elapsed(Duration::from_micros(850)), "850 µs");
        assert_eq!(elapsed(Duration::from_millis(1520)), "1.52 s");
    }
}
