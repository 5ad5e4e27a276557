//! The live line of a long statement: `⏳ 2.5 s · 12,345 rows so far · statement 2 of 3`, as
//! text/plain and a small grey text/html line. Shown only while the statement runs; the kernel's
//! sink replaces it with the result (see `kernel/sink.rs`).

use serde_json::{Map, Value, json};

use crate::engine::progress::{Snapshot, Unit};

/// The MIME bundle of one progress line.
pub fn bundle(snapshot: &Snapshot) -> Map<String, Value> {
    let text = line(snapshot);
    let mut data = Map::new();
    data.insert("text/plain".into(), json!(text));
    data.insert(
        "text/html".into(),
        json!(format!(
            "<div style=\"color:#666;font-family:monospace;font-size:90%\">{}</div>",
            super::escape::html(&text)
        )),
    );
    data
}

/// The words of the line: elapsed time, what arrived so far (when anything did), which
/// statement of how many.
pub fn line(snapshot: &Snapshot) -> String {
    let mut parts = vec![format!("⏳ {:.1} s", snapshot.elapsed.as_secs_f64())];
    if snapshot.items > 0 {
        let noun = match (snapshot.unit, snapshot.items) {
            (Unit::Rows, 1) => "row",
            (Unit::Rows, _) => "rows",
            (Unit::Documents, 1) => "document",
            (Unit::Documents, _) => "documents",
        };
        parts.push(format!("{} {noun} so far", thousands(snapshot.items)));
    }
    if let Some((k, n)) = snapshot.statement {
        parts.push(format!("statement {k} of {n}"));
    }
    parts.join(" · ")
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_line_names_time_items_and_statement() {
        let mut snapshot = Snapshot {
            elapsed: Duration::from_millis(2_540),
            items: 1_234_567,
            unit: Unit::Rows,
            statement: Some((2, 3)),
        };
        assert_eq!(
            line(&snapshot),
            "⏳ 2.5 s · 1,234,567 rows so far · statement 2 of 3"
        );
        snapshot.items = 0;
        snapshot.statement = None;
        assert_eq!(line(&snapshot), "⏳ 2.5 s");
        snapshot.items = 1;
        snapshot.unit = Unit::Documents;
        assert_eq!(line(&snapshot), "⏳ 2.5 s · 1 document so far");
        let html = bundle(&snapshot)["text/html"].as_str().unwrap().to_string();
        assert!(html.contains("1 document so far"), "{html}");
    }
}
