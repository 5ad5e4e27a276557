//! Results as data for graders and scripts: `application/vnd.dbkernel.table+json` beside the
//! text and HTML of every table and documents output.
//!
//! A grader reading a notebook (nbgrader, a CI job over papermill's output) can then compare
//! values instead of scraping HTML. The MIME type is our own on purpose: JupyterLab, VS Code,
//! nbconvert and GitHub show the richest type they have a renderer for, and none has one for
//! this type, so what they display is unchanged (the HTML table). `application/json` would not
//! do: JupyterLab ranks its JSON tree above HTML and would show that instead.
//!
//! Shape: `{"columns": [{"name", "type"}], "rows": [[...]], "total_rows": N}` for tables
//! (numbers as JSON numbers, NUMERIC and anything without an exact JSON form as the server's
//! text, NULL as null); `{"documents": [...], "total": N}` for documents, in relaxed extended
//! JSON. Only the displayed rows are included (the display limit); `total_rows` says how many
//! there were.

use serde_json::{Value as Json, json};

use super::documents;
use crate::result::{Documents, Table, ValueKind};

pub const MIME: &str = "application/vnd.dbkernel.table+json";

pub fn table(table: &Table) -> Json {
    let columns: Vec<Json> = table
        .columns
        .iter()
        .map(|c| json!({"name": c.name, "type": c.db_type}))
        .collect();
    let rows: Vec<Json> = (0..table.shown_rows())
        .map(|row| {
            Json::Array(
                table
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(index, column)| cell(table.cell_text(row, index), column.kind))
                    .collect(),
            )
        })
        .collect();
    json!({"columns": columns, "rows": rows, "total_rows": table.total_rows})
}

fn cell(text: Option<String>, kind: ValueKind) -> Json {
    let Some(text) = text else {
        return Json::Null;
    };
    match kind {
        ValueKind::Integer => text
            .parse::<i64>()
            .map(Json::from)
            .unwrap_or(Json::String(text)),
        ValueKind::Float => match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Json::from(f),
            _ => Json::String(text),
        },
        ValueKind::Boolean => Json::Bool(text == "true"),
        _ => Json::String(text),
    }
}

pub fn documents(docs: &Documents) -> Json {
    json!({"documents": documents::json(docs), "total": docs.total})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{Column, Datum, Provenance, TableBuilder};

    #[test]
    fn tables_keep_types_and_exact_decimals() {
        let columns = vec![
            Column {
                name: "n".into(),
                db_type: "int8".into(),
                kind: ValueKind::Integer,
            },
            Column {
                name: "price".into(),
                db_type: "numeric".into(),
                kind: ValueKind::Decimal,
            },
            Column {
                name: "ok".into(),
                db_type: "bool".into(),
                kind: ValueKind::Boolean,
            },
        ];
        let mut builder = TableBuilder::new(columns, 1, false);
        builder.push_row(vec![
            Datum::Int(7),
            Datum::Text("0.10".into()),
            Datum::Bool(true),
        ]);
        builder.push_row(vec![Datum::Null, Datum::Null, Datum::Null]);
        let value = table(&builder.finish(Provenance::default()));
        assert_eq!(
            value,
            json!({
                "columns": [{"name": "n", "type": "int8"}, {"name": "price", "type": "numeric"}, {"name": "ok", "type": "bool"}],
                "rows": [[7, "0.10", true]],
                "total_rows": 2
            })
        );
    }
}
