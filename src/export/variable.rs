//! `%export VAR PATH [--format F] [--force]`: a kept variable (`--out`) to a file.
//!
//! Tables go through the same row-to-batch path as `--export`, so a table exported from a
//! variable and one exported while its query ran give the same file. Documents are written two
//! ways: JSON Lines keeps each document whole as relaxed Extended JSON (`{"$oid": …}`,
//! `{"$date": …}`, nested objects and arrays as they are), one per line, as `mongoexport` does;
//! CSV, Parquet and Arrow flatten them to one column per top-level field, in order of first
//! appearance, a missing field being null. A column whose values are all integers is `Int64`,
//! integers mixed with doubles `Float64`, all booleans `Boolean`, anything else text: strings as
//! they are, ObjectIds as their hex, dates as RFC 3339, nested documents and arrays as relaxed
//! Extended JSON text (what `mongoexport --type=csv` writes for them). Redis replies become rows
//! as `redis.rs` says.

use std::io::{BufWriter, Write};
use std::time::Instant;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use bson::{Bson, Document};

use super::target::export_error;
use super::{Format, RowExporter, Target};
use crate::engine::EngineError;
use crate::result::{Datum, ExportReceipt, Table, ValueKind};
use crate::session::variables::Variable;

/// Writes one variable to a checked target.
/// `redis_command` is the command whose reply a Redis variable kept (see `redis.rs`).
pub fn export_variable(
    name: &str,
    variable: &Variable,
    redis_command: Option<&str>,
    target: Target,
) -> Result<ExportReceipt, EngineError> {
    match variable {
        Variable::Table(table) => export_table(table, target),
        Variable::Documents(docs) if target.format == Format::JsonLines => {
            export_json_lines(docs, target)
        }
        Variable::Documents(docs) => export_flat(docs, target),
        Variable::Redis(reply) => super::redis::export_reply(reply, redis_command, target),
        other => Err(export_error(format!(
            "%export writes tables, documents and Redis replies; {name} is {} — keep a \
             SELECT, find, aggregate or Redis result with --out to export it",
            other.summary().0
        ))),
    }
}

fn export_table(table: &Table, target: Target) -> Result<ExportReceipt, EngineError> {
    let mut exporter = RowExporter::open(target)?;
    let header: Vec<_> = table
        .columns
        .iter()
        .map(|c| (c.name.clone(), Some(c.kind)))
        .collect();
    exporter.set_header(&header);
    let batch = &table.batch;
    for row in 0..batch.num_rows() {
        let values: Vec<Datum> = (0..batch.num_columns())
            .map(|col| datum_at(batch, row, col))
            .collect();
        exporter.push(&values);
    }
    exporter.finish()
}

fn datum_at(batch: &RecordBatch, row: usize, col: usize) -> Datum {
    let array = batch.column(col);
    if array.is_null(row) {
        return Datum::Null;
    }
    match array.data_type() {
        DataType::Int64 => Datum::Int(array.as_primitive::<Int64Type>().value(row)),
        DataType::Float64 => Datum::Float(array.as_primitive::<Float64Type>().value(row)),
        DataType::Boolean => Datum::Bool(array.as_boolean().value(row)),
        DataType::Binary => Datum::Bytes(array.as_binary::<i32>().value(row).to_vec()),
        _ => Datum::Text(array.as_string::<i32>().value(row).to_string()),
    }
}

fn export_json_lines(docs: &[Document], target: Target) -> Result<ExportReceipt, EngineError> {
    let started = Instant::now();
    let mut partial = target.open()?;
    let file = partial
        .take_file()
        .ok_or_else(|| export_error("the file was already closed"))?;
    let mut out = BufWriter::new(file);
    let failed = |e: std::io::Error| {
        export_error(format!(
            "the export to '{}' failed: {e}",
            target.path.display()
        ))
    };
    for doc in docs {
        let json = Bson::Document(doc.clone()).into_relaxed_extjson();
        serde_json::to_writer(&mut out, &json).map_err(|e| failed(e.into()))?;
        out.write_all(b"\n").map_err(failed)?;
    }
    let file = out.into_inner().map_err(|e| failed(e.into_error()))?;
    file.sync_all().map_err(failed)?;
    drop(file);
    let bytes = partial.commit()?;
    Ok(ExportReceipt {
        path: target.given.clone(),
        format: target.format.name(),
        rows: docs.len() as u64,
        bytes,
        elapsed: started.elapsed(),
    })
}

fn export_flat(docs: &[Document], target: Target) -> Result<ExportReceipt, EngineError> {
    let mut names: Vec<String> = Vec::new();
    for doc in docs {
        for key in doc.keys() {
            if !names.iter().any(|n| n == key) {
                names.push(key.clone());
            }
        }
    }
    let kinds: Vec<ValueKind> = names
        .iter()
        .map(|name| column_kind(docs.iter().filter_map(|d| d.get(name))))
        .collect();
    let mut exporter = RowExporter::open(target)?;
    let header: Vec<_> = names
        .iter()
        .zip(&kinds)
        .map(|(n, k)| (n.clone(), Some(*k)))
        .collect();
    exporter.set_header(&header);
    for doc in docs {
        let row: Vec<Datum> = names
            .iter()
            .zip(&kinds)
            .map(|(name, kind)| doc.get(name).map_or(Datum::Null, |v| flat_value(v, *kind)))
            .collect();
        exporter.push(&row);
    }
    exporter.finish()
}

/// The narrowest kind every present value of a field fits.
pub(crate) fn column_kind<'a>(values: impl Iterator<Item = &'a Bson>) -> ValueKind {
    let (mut ints, mut floats, mut bools, mut other) = (0, 0, 0, 0);
    for value in values {
        match value {
            Bson::Null | Bson::Undefined => {}
            Bson::Int32(_) | Bson::Int64(_) => ints += 1,
            Bson::Double(_) => floats += 1,
            Bson::Boolean(_) => bools += 1,
            _ => other += 1,
        }
    }
    match (ints, floats, bools, other) {
        (_, 0, 0, 0) if ints > 0 => ValueKind::Integer,
        (_, f, 0, 0) if f > 0 => ValueKind::Float,
        (0, 0, b, 0) if b > 0 => ValueKind::Boolean,
        _ => ValueKind::Text,
    }
}

pub(crate) fn flat_value(value: &Bson, kind: ValueKind) -> Datum {
    match (value, kind) {
        (Bson::Null | Bson::Undefined, _) => Datum::Null,
        (Bson::Int32(i), ValueKind::Integer) => Datum::Int(*i as i64),
        (Bson::Int64(i), ValueKind::Integer) => Datum::Int(*i),
        (Bson::Int32(i), ValueKind::Float) => Datum::Float(*i as f64),
        (Bson::Int64(i), ValueKind::Float) => Datum::Float(*i as f64),
        (Bson::Double(f), ValueKind::Float) => Datum::Float(*f),
        (Bson::Boolean(b), ValueKind::Boolean) => Datum::Bool(*b),
        (Bson::String(s), _) => Datum::Text(s.clone()),
        (Bson::ObjectId(id), _) => Datum::Text(id.to_hex()),
        (Bson::DateTime(d), _) => Datum::Text(
            d.try_to_rfc3339_string()
                .unwrap_or_else(|_| d.timestamp_millis().to_string()),
        ),
        (Bson::Int32(i), _) => Datum::Text(i.to_string()),
        (Bson::Int64(i), _) => Datum::Text(i.to_string()),
        (Bson::Double(f), _) => Datum::Text(crate::result::table::format_float(*f)),
        (Bson::Boolean(b), _) => Datum::Text(b.to_string()),
        (Bson::Decimal128(d), _) => Datum::Text(d.to_string()),
        (other, _) => Datum::Text(other.clone().into_relaxed_extjson().to_string()),
    }
}
