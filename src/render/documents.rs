//! MongoDB documents: a table with top-level fields as columns (nested values compact), the
//! documents as `application/json` (JupyterLab's collapsible tree) and a text form.

use bson::{Bson, Document};
use serde_json::Value as Json;

use super::escape::html as esc;
use super::html::{NULL_HTML, footer};
use super::text::row_footer;
use crate::result::Documents;

/// Relaxed extended JSON: what JupyterLab's JSON viewer shows (`{"$oid": ...}` for ObjectIds).
pub fn bson_to_json(value: &Bson) -> Json {
    value.clone().into_relaxed_extjson()
}

pub fn json(docs: &Documents) -> Json {
    Json::Array(
        docs.documents
            .iter()
            .map(|d| bson_to_json(&Bson::Document(d.clone())))
            .collect(),
    )
}

/// One line per value for table cells: strings bare, everything else in mongosh's compact form.
pub fn compact(value: &Bson) -> String {
    match value {
        Bson::String(s) if s.chars().count() <= 80 => s.clone(),
        other => mongosh::inspect::format_compact_width(other, 80),
    }
}

/// The union of top-level field names, in first-seen order (`_id` first when present).
pub fn columns(documents: &[Document]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for doc in documents {
        for key in doc.keys() {
            if !names.iter().any(|n| n == key) {
                names.push(key.clone());
            }
        }
    }
    if let Some(pos) = names.iter().position(|n| n == "_id") {
        let id = names.remove(pos);
        names.insert(0, id);
    }
    names
}

/// Whether a column holds numbers only (missing and null cells aside), so that it is
/// right-aligned as SQL number columns are; a column with any text in it reads left-aligned.
fn numeric_column(documents: &[Document], name: &str) -> bool {
    let mut values = documents
        .iter()
        .filter_map(|d| d.get(name))
        .filter(|v| !matches!(v, Bson::Null))
        .peekable();
    values.peek().is_some()
        && values.all(|v| {
            matches!(
                v,
                Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_) | Bson::Decimal128(_)
            )
        })
}

/// The documents as mongosh prints an array of them (`util.inspect` layout, `ObjectId('…')`),
/// which is what tutorials show, then the count footer.
pub fn text(docs: &Documents) -> String {
    let array = Bson::Array(docs.documents.iter().cloned().map(Bson::Document).collect());
    let mut out = if docs.documents.is_empty() {
        String::new()
    } else {
        mongosh::inspect::format_documents(&array) + "\n"
    };
    out.push_str(&row_footer(docs.documents.len(), docs.total, "document"));
    out
}

pub fn html(docs: &Documents) -> String {
    let names = columns(&docs.documents);
    let mut out = String::from(
        "<div class=\"dbkernel-result\"><table style=\"border-collapse:collapse\"><thead><tr>",
    );
    // Alignment is said explicitly on every cell: notebook front ends have their own table
    // styles (JupyterLab right-aligns every cell), so leaving it out is not "left".
    let aligns: Vec<&str> = names
        .iter()
        .map(|name| {
            if numeric_column(&docs.documents, name) {
                "text-align:right;"
            } else {
                "text-align:left;"
            }
        })
        .collect();
    for (name, align) in names.iter().zip(&aligns) {
        out.push_str(&format!(
            "<th style=\"{align}padding:2px 8px;border-bottom:1px solid #999\">{}</th>",
            esc(name)
        ));
    }
    out.push_str("</tr></thead><tbody>");
    for doc in &docs.documents {
        out.push_str("<tr>");
        for (name, align) in names.iter().zip(&aligns) {
            let cell = match doc.get(name) {
                None => "<span style=\"color:#bbb\">—</span>".to_string(),
                Some(Bson::Null) => NULL_HTML.to_string(),
                Some(v) => esc(&compact(v)),
            };
            out.push_str(&format!(
                "<td style=\"padding:2px 8px;vertical-align:top;{align}\">{cell}</td>"
            ));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>");
    out.push_str(&footer(
        docs.documents.len(),
        docs.total,
        "document",
        &docs.provenance,
    ));
    out.push_str("</div>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    #[test]
    fn columns_are_the_union_with_id_first() {
        let docs = vec![doc! {"a": 1, "_id": 2}, doc! {"b": 3, "a": 4}];
        assert_eq!(columns(&docs), vec!["_id", "a", "b"]);
    }

    /// One `<td …>` per cell of the first row, in column order.
    fn first_row_cells(h: &str) -> Vec<&str> {
        let row = &h[h.find("<tbody><tr>").unwrap()..];
        row.split("<td ").skip(1).collect()
    }

    #[test]
    fn text_columns_align_left_and_number_columns_right() {
        let d = Documents {
            documents: vec![
                doc! {"_id": 1, "name": "Ann", "score": 9.5, "mixed": "x"},
                doc! {"_id": 2, "name": "Bo", "score": Bson::Null, "mixed": 3},
            ],
            total: 2,
            provenance: Default::default(),
            json_tree: false,
        };
        let h = html(&d);
        let cells = first_row_cells(&h);
        assert!(cells[0].contains("text-align:right"), "_id: {}", cells[0]);
        assert!(cells[1].contains("text-align:left"), "name: {}", cells[1]);
        assert!(cells[2].contains("text-align:right"), "score: {}", cells[2]);
        assert!(cells[3].contains("text-align:left"), "mixed: {}", cells[3]);
        assert!(h.contains(
            "<th style=\"text-align:left;padding:2px 8px;border-bottom:1px solid #999\">name</th>"
        ));
        assert!(h.contains(
            "<th style=\"text-align:right;padding:2px 8px;border-bottom:1px solid #999\">score</th>"
        ));
    }

    #[test]
    fn html_marks_missing_fields_differently_from_null() {
        let d = Documents {
            documents: vec![doc! {"a": Bson::Null}, doc! {"b": 1}],
            total: 2,
            provenance: Default::default(),
            json_tree: false,
        };
        let h = html(&d);
        assert!(h.contains("NULL") && h.contains("—"));
    }
}
