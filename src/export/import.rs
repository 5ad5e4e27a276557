//! `%import VAR PATH [--format F]`: a file written by dbkernel or any other tool into a kernel
//! variable, usable like a `--out` result (`{{VAR}}` in SQL, MQL and Redis cells, `%export`).
//!
//! CSV, Parquet and Arrow IPC become a table. Arrow types map to the kernel's value kinds:
//! signed integers (and unsigned up to 32 bits) `Integer`, floats `Float`, booleans, binary;
//! decimals, 64-bit unsigned integers, dates, times and timestamps keep their exact text (arrow's
//! own formatting); anything else its text or is refused with the column named. CSV column types
//! are inferred from the first 1,000 rows, as pandas and arrow do. JSON Lines become documents
//! (each line read as relaxed or canonical Extended JSON), the inverse of `%export`.
//!
//! Files are read a batch (or a line) at a time straight into the variable, so an import holds
//! the variable plus one decoded batch, never the whole file's decoded form beside it.

use std::fs::File;
use std::io::{BufRead, BufReader, Seek};
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;

use super::Format;
use super::target::export_error;
use crate::engine::EngineError;
use crate::result::{Column, Datum, Provenance, Table, TableBuilder, ValueKind};
use crate::session::variables::Variable;

/// Rows read to infer a CSV file's column types.
const CSV_INFER_ROWS: usize = 1000;

/// Reads the file at `path` (relative to the working directory) into a variable.
pub fn import_file(path: &str, format: Option<Format>) -> Result<(Variable, Format), EngineError> {
    let file_path = Path::new(path);
    let format = format
        .or_else(|| Format::from_path(file_path))
        .ok_or_else(|| {
            export_error(format!(
                "cannot tell the format of '{path}' from its extension; name it .csv, .jsonl, \
             .parquet or .arrow, or add --format ({})",
                Format::NAMES
            ))
        })?;
    let file =
        File::open(file_path).map_err(|e| export_error(format!("cannot open '{path}': {e}")))?;
    let bad = |e: String| export_error(format!("cannot read '{path}' as {}: {e}", format.name()));
    let variable = match format {
        Format::JsonLines => Variable::Documents(read_json_lines(file).map_err(bad)?),
        Format::Parquet => {
            let reader =
                parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                    .and_then(|b| b.build())
                    .map_err(|e| bad(e.to_string()))?;
            Variable::Table(table_of(reader.map(|b| b.map_err(|e| e.to_string()))).map_err(bad)?)
        }
        Format::ArrowIpc => {
            let reader = arrow_ipc::reader::FileReader::try_new(file, None)
                .map_err(|e| bad(e.to_string()))?;
            Variable::Table(table_of(reader.map(|b| b.map_err(|e| e.to_string()))).map_err(bad)?)
        }
        Format::Csv => {
            let mut file = file;
            let csv_format = arrow_csv::reader::Format::default().with_header(true);
            let (schema, _) = csv_format
                .infer_schema(&mut file, Some(CSV_INFER_ROWS))
                .map_err(|e| bad(e.to_string()))?;
            file.rewind().map_err(|e| bad(e.to_string()))?;
            let reader = arrow_csv::ReaderBuilder::new(std::sync::Arc::new(schema))
                .with_header(true)
                .build(file)
                .map_err(|e| bad(e.to_string()))?;
            Variable::Table(table_of(reader.map(|b| b.map_err(|e| e.to_string()))).map_err(bad)?)
        }
    };
    Ok((variable, format))
}

fn read_json_lines(file: File) -> Result<Vec<bson::Document>, String> {
    let mut docs = Vec::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| e.to_string())?;
        if line.trim().is_empty() {
            continue;
        }
        let json: serde_json::Value =
            serde_json::from_str(&line).map_err(|e| format!("line {}: {e}", index + 1))?;
        match bson::Bson::try_from(json) {
            Ok(bson::Bson::Document(doc)) => docs.push(doc),
            Ok(_) => return Err(format!("line {}: not a JSON object", index + 1)),
            Err(e) => return Err(format!("line {}: {e}", index + 1)),
        }
    }
    Ok(docs)
}

/// The kernel kind of an Arrow type and the type its values are cast to.
fn kind_of(data_type: &DataType) -> (ValueKind, DataType) {
    use DataType::*;
    match data_type {
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 => (ValueKind::Integer, Int64),
        Float16 | Float32 | Float64 => (ValueKind::Float, Float64),
        Boolean => (ValueKind::Boolean, Boolean),
        Binary | LargeBinary | BinaryView | FixedSizeBinary(_) => (ValueKind::Binary, Binary),
        Utf8 | LargeUtf8 | Utf8View => (ValueKind::Text, Utf8),
        UInt64 | Decimal32(..) | Decimal64(..) | Decimal128(..) | Decimal256(..) => {
            (ValueKind::Decimal, Utf8)
        }
        Date32 | Date64 | Time32(_) | Time64(_) | Timestamp(..) | Duration(_) | Interval(_) => {
            (ValueKind::Temporal, Utf8)
        }
        _ => (ValueKind::Other, Utf8),
    }
}

/// Builds the table batch by batch as the reader decodes them: each batch's values go into the
/// table and the batch is dropped before the next is read, so the file's decoded form and the
/// table are never both held whole.
fn table_of(
    mut batches: impl Iterator<Item = Result<RecordBatch, String>>,
) -> Result<Table, String> {
    let Some(first) = batches.next().transpose()? else {
        return Err("the file holds no record batches".into());
    };
    let schema = first.schema();
    let kinds: Vec<(ValueKind, DataType)> = schema
        .fields()
        .iter()
        .map(|f| kind_of(f.data_type()))
        .collect();
    let columns: Vec<Column> = schema
        .fields()
        .iter()
        .zip(&kinds)
        .map(|(f, (kind, _))| Column {
            name: f.name().clone(),
            db_type: f.data_type().to_string(),
            kind: *kind,
        })
        .collect();
    let mut builder = TableBuilder::new(columns, usize::MAX, true);
    for batch in std::iter::once(Ok(first)).chain(batches) {
        let batch = batch?;
        let mut cast = Vec::with_capacity(batch.num_columns());
        for (index, (_, target)) in kinds.iter().enumerate() {
            let column = batch.column(index);
            let array = arrow_cast::cast(column, target).map_err(|e| {
                format!(
                    "column '{}' ({}) cannot be read: {e}",
                    schema.field(index).name(),
                    column.data_type()
                )
            })?;
            cast.push(array);
        }
        for row in 0..batch.num_rows() {
            let values = cast
                .iter()
                .map(|a| {
                    if a.is_null(row) {
                        return Datum::Null;
                    }
                    match a.data_type() {
                        DataType::Int64 => Datum::Int(a.as_primitive::<Int64Type>().value(row)),
                        DataType::Float64 => {
                            Datum::Float(a.as_primitive::<Float64Type>().value(row))
                        }
                        DataType::Boolean => Datum::Bool(a.as_boolean().value(row)),
                        DataType::Binary => Datum::Bytes(a.as_binary::<i32>().value(row).to_vec()),
                        _ => Datum::Text(a.as_string::<i32>().value(row).to_string()),
                    }
                })
                .collect();
            builder.push_row(values);
        }
    }
    Ok(builder.finish(Provenance::default()))
}
