//! Rows into Arrow batches of one fixed schema, written as soon as a batch is full.
//!
//! Types follow the kernel's value kinds: integers `Int64`, floats `Float64` (parsed from the
//! server's text; `Infinity`/`NaN` included), booleans `Boolean`, bytes `Binary`, and everything
//! without an exact Arrow type (NUMERIC, dates and times, JSON, arrays, enums...) the server's own
//! text as `Utf8`, so no digit is rounded and no time zone guessed. A column whose kind is only
//! known from its values (SQLite expressions) takes it from the first batch. A later value that
//! does not fit the column's type stops the export with the row and the fix, never a silent null.

use std::sync::Arc;
use std::time::Instant;

use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Float64Builder, Int64Builder, StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_schema::{DataType, Field, Schema};

use super::Target;
use super::target::{Partial, export_error};
use super::writer::BatchWriter;
use crate::engine::EngineError;
use crate::result::table::format_float;
use crate::result::{Datum, ExportReceipt, ValueKind};

/// Rows per batch handed to the writer.
const BATCH_ROWS: usize = 8192;

struct ExportColumn {
    name: String,
    /// `None` until the first batch decides it from the values.
    data_type: Option<DataType>,
}

/// Receives every row of one result and writes it to the export's temporary file.
pub struct RowExporter {
    target: Target,
    partial: Partial,
    writer: Option<BatchWriter>,
    schema: Option<Arc<Schema>>,
    columns: Vec<ExportColumn>,
    header_seen: bool,
    pending: Vec<Vec<Datum>>,
    rows: u64,
    error: Option<String>,
    started: Instant,
}

impl RowExporter {
    /// Opens the temporary file of a checked target.
    pub fn open(target: Target) -> Result<RowExporter, EngineError> {
        let partial = target.open()?;
        Ok(RowExporter {
            target,
            partial,
            writer: None,
            schema: None,
            columns: Vec::new(),
            header_seen: false,
            pending: Vec::with_capacity(BATCH_ROWS),
            rows: 0,
            error: None,
            started: Instant::now(),
        })
    }

    /// The result's header; `kind: None` means "decide from the values".
    pub fn set_header(&mut self, columns: &[(String, Option<ValueKind>)]) {
        if self.header_seen {
            self.fail(
                "the statement returned several result sets; export one SELECT per cell".into(),
            );
            return;
        }
        self.header_seen = true;
        self.columns = columns
            .iter()
            .map(|(name, kind)| ExportColumn {
                name: name.clone(),
                data_type: kind.map(arrow_type),
            })
            .collect();
    }

    pub fn push(&mut self, row: &[Datum]) {
        if self.error.is_some() {
            return;
        }
        self.pending.push(row.to_vec());
        if self.pending.len() >= BATCH_ROWS {
            self.flush();
        }
    }

    /// Finishes the file and renames it to its final name.
    pub fn finish(mut self) -> Result<ExportReceipt, EngineError> {
        if !self.header_seen {
            return Err(export_error(
                "the statement returned no rows and no columns, so nothing was exported; \
                 --export needs a statement that returns a result",
            ));
        }
        self.flush();
        if self.writer.is_none() && self.error.is_none() {
            // No rows: still a valid file with the header/schema.
            self.start_writer();
        }
        if let Some(error) = self.error.take() {
            return Err(self.failure(error));
        }
        let writer = self.writer.take().expect("started above");
        if let Err(e) = writer.finish() {
            return Err(self.failure(e));
        }
        let RowExporter {
            target,
            partial,
            rows,
            started,
            ..
        } = self;
        let bytes = partial.commit()?;
        Ok(ExportReceipt {
            path: target.given.clone(),
            format: target.format.name(),
            rows,
            bytes,
            elapsed: started.elapsed(),
        })
    }

    fn failure(&self, message: String) -> EngineError {
        export_error(format!(
            "the export to '{}' failed: {message}",
            self.target.path.display()
        ))
        .with_detail("nothing was written under that name (the partial file was removed)")
    }

    fn fail(&mut self, message: String) {
        if self.error.is_none() {
            self.error = Some(message);
        }
        self.pending.clear();
    }

    fn flush(&mut self) {
        if self.pending.is_empty() || self.error.is_some() {
            return;
        }
        if self.writer.is_none() {
            self.decide_types();
            self.start_writer();
            if self.error.is_some() {
                return;
            }
        }
        let rows = std::mem::take(&mut self.pending);
        let batch = match self.build_batch(&rows) {
            Ok(batch) => batch,
            Err(e) => return self.fail(e),
        };
        self.rows += rows.len() as u64;
        self.pending = rows;
        self.pending.clear();
        if let Some(writer) = &mut self.writer
            && let Err(e) = writer.write(&batch)
        {
            self.fail(e);
        }
    }

    fn decide_types(&mut self) {
        for (index, column) in self.columns.iter_mut().enumerate() {
            if column.data_type.is_some() {
                continue;
            }
            let first = self
                .pending
                .iter()
                .filter_map(|r| r.get(index))
                .find(|d| !matches!(d, Datum::Null));
            column.data_type = Some(match first {
                Some(Datum::Int(_)) => DataType::Int64,
                Some(Datum::Float(_)) => DataType::Float64,
                Some(Datum::Bool(_)) => DataType::Boolean,
                Some(Datum::Bytes(_)) => DataType::Binary,
                _ => DataType::Utf8,
            });
        }
    }

    fn start_writer(&mut self) {
        for column in &mut self.columns {
            column.data_type.get_or_insert(DataType::Utf8);
        }
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| Field::new(&c.name, c.data_type.clone().unwrap_or(DataType::Utf8), true))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let Some(file) = self.partial.take_file() else {
            return self.fail("the file was already closed".into());
        };
        match BatchWriter::new(self.target.format, file, schema.clone()) {
            Ok(writer) => {
                self.writer = Some(writer);
                self.schema = Some(schema);
            }
            Err(e) => self.fail(e),
        }
    }

    fn build_batch(&self, rows: &[Vec<Datum>]) -> Result<RecordBatch, String> {
        let schema = self.schema.clone().expect("writer started");
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.columns.len());
        for (index, field) in schema.fields().iter().enumerate() {
            let cells = rows.iter().map(|r| r.get(index).unwrap_or(&Datum::Null));
            let first_row = self.rows;
            let misfit = |offset: usize, d: &Datum| {
                format!(
                    "row {} of column '{}' holds {} which is not {}; CAST the column to text in \
                     the query to export it as text",
                    first_row + offset as u64 + 1,
                    field.name(),
                    describe(d),
                    field.data_type()
                )
            };
            let array: ArrayRef = match field.data_type() {
                DataType::Int64 => {
                    let mut b = Int64Builder::with_capacity(rows.len());
                    for (i, d) in cells.enumerate() {
                        match d {
                            Datum::Null => b.append_null(),
                            Datum::Int(v) => b.append_value(*v),
                            Datum::Text(t) => b.append_value(t.parse().map_err(|_| misfit(i, d))?),
                            other => return Err(misfit(i, other)),
                        }
                    }
                    Arc::new(b.finish())
                }
                DataType::Float64 => {
                    let mut b = Float64Builder::with_capacity(rows.len());
                    for (i, d) in cells.enumerate() {
                        match d {
                            Datum::Null => b.append_null(),
                            Datum::Float(v) => b.append_value(*v),
                            Datum::Int(v) => b.append_value(*v as f64),
                            Datum::Text(t) => b.append_value(t.parse().map_err(|_| misfit(i, d))?),
                            other => return Err(misfit(i, other)),
                        }
                    }
                    Arc::new(b.finish())
                }
                DataType::Boolean => {
                    let mut b = BooleanBuilder::with_capacity(rows.len());
                    for (i, d) in cells.enumerate() {
                        match d {
                            Datum::Null => b.append_null(),
                            Datum::Bool(v) => b.append_value(*v),
                            Datum::Text(t) => b.append_value(match t.as_str() {
                                "t" | "true" | "TRUE" | "1" => true,
                                "f" | "false" | "FALSE" | "0" => false,
                                _ => return Err(misfit(i, d)),
                            }),
                            Datum::Int(v @ (0 | 1)) => b.append_value(*v == 1),
                            other => return Err(misfit(i, other)),
                        }
                    }
                    Arc::new(b.finish())
                }
                DataType::Binary => {
                    let mut b = BinaryBuilder::new();
                    for (i, d) in cells.enumerate() {
                        match d {
                            Datum::Null => b.append_null(),
                            Datum::Bytes(v) => b.append_value(v),
                            Datum::Text(t) => {
                                match t.strip_prefix("\\x").and_then(|h| hex::decode(h).ok()) {
                                    Some(bytes) => b.append_value(bytes),
                                    None => return Err(misfit(i, d)),
                                }
                            }
                            other => return Err(misfit(i, other)),
                        }
                    }
                    Arc::new(b.finish())
                }
                _ => {
                    let mut b = StringBuilder::new();
                    for d in cells {
                        match d {
                            Datum::Null => b.append_null(),
                            Datum::Text(t) => b.append_value(t),
                            Datum::Int(v) => b.append_value(v.to_string()),
                            Datum::Float(v) => b.append_value(format_float(*v)),
                            Datum::Bool(v) => b.append_value(if *v { "true" } else { "false" }),
                            Datum::Bytes(v) => b.append_value(format!("\\x{}", hex::encode(v))),
                        }
                    }
                    Arc::new(b.finish())
                }
            };
            arrays.push(array);
        }
        let options = RecordBatchOptions::new().with_row_count(Some(rows.len()));
        RecordBatch::try_new_with_options(schema, arrays, &options).map_err(|e| e.to_string())
    }
}

fn arrow_type(kind: ValueKind) -> DataType {
    match kind {
        ValueKind::Integer => DataType::Int64,
        ValueKind::Float => DataType::Float64,
        ValueKind::Boolean => DataType::Boolean,
        ValueKind::Binary => DataType::Binary,
        _ => DataType::Utf8,
    }
}

fn describe(d: &Datum) -> String {
    match d {
        Datum::Null => "NULL".into(),
        Datum::Bool(b) => format!("the boolean {b}"),
        Datum::Int(i) => format!("the integer {i}"),
        Datum::Float(f) => format!("the float {}", format_float(*f)),
        Datum::Text(t) => format!("'{}'", t.chars().take(40).collect::<String>()),
        Datum::Bytes(b) => format!("{} bytes", b.len()),
    }
}
