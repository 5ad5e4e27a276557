//! Draws an export receipt: one line of text, and a small inline-styled HTML line with the path
//! in monospace.

use super::escape::html as escape_html;
use crate::result::ExportReceipt;

pub fn text(receipt: &ExportReceipt) -> String {
    let plural = if receipt.rows == 1 { "" } else { "s" };
    format!(
        "exported {} row{plural} to {} ({}, {}{})",
        receipt.rows,
        receipt.path,
        receipt.format,
        size(receipt.bytes),
        time(receipt)
    )
}

pub fn html(receipt: &ExportReceipt) -> String {
    let plural = if receipt.rows == 1 { "" } else { "s" };
    format!(
        "<div style=\"font-family:sans-serif;font-size:0.9em\">exported <b>{}</b> row{plural} to \
         <code>{}</code> ({}, {}{})</div>",
        receipt.rows,
        escape_html(&receipt.path),
        receipt.format,
        size(receipt.bytes),
        time(receipt)
    )
}

/// `, 1.250 s`; nothing under `deterministic` (a zero time).
fn time(receipt: &ExportReceipt) -> String {
    if receipt.elapsed.is_zero() {
        String::new()
    } else {
        format!(", {:.3} s", receipt.elapsed.as_secs_f64())
    }
}

/// Bytes as people read them (`1.4 MB`), exact below 1 kB.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if bytes < 1000 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64;
    let mut unit = "";
    for u in UNITS {
        value /= 1000.0;
        unit = u;
        if value < 1000.0 {
            break;
        }
    }
    format!("{value:.1} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn receipt_says_rows_path_format_size_and_time() {
        let r = ExportReceipt {
            path: "/tmp/a <b>.csv".into(),
            format: "CSV",
            rows: 3,
            bytes: 1_500_000,
            elapsed: Duration::from_millis(1250),
        };
        assert_eq!(
            text(&r),
            "exported 3 rows to /tmp/a <b>.csv (CSV, 1.5 MB, 1.250 s)"
        );
        assert!(html(&r).contains("<code>/tmp/a &lt;b&gt;.csv</code>"));
        let quiet = ExportReceipt {
            elapsed: Duration::ZERO,
            rows: 1,
            bytes: 12,
            ..r
        };
        assert_eq!(
            text(&quiet),
            "exported 1 row to /tmp/a <b>.csv (CSV, 12 bytes)"
        );
    }
}
