//! One Arrow batch at a time into the file, through the arrow-rs writer of the format.
//!
//! Parquet row groups are capped at 64Ki rows so that the writer's buffered pages, which it holds
//! until a row group is complete, stay a few megabytes whatever the result's size. Compression is
//! Snappy (pure Rust, what pandas and Spark write by default).

use std::fs::File;
use std::io::BufWriter;
use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::Schema;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::Format;

/// Rows per Parquet row group.
const ROW_GROUP_ROWS: usize = 64 * 1024;

pub enum BatchWriter {
    Csv(Box<arrow_csv::Writer<BufWriter<File>>>),
    JsonLines(arrow_json::LineDelimitedWriter<BufWriter<File>>),
    Parquet(Box<ArrowWriter<BufWriter<File>>>),
    ArrowIpc(Box<arrow_ipc::writer::FileWriter<BufWriter<File>>>),
}

impl BatchWriter {
    pub fn new(format: Format, file: File, schema: Arc<Schema>) -> Result<BatchWriter, String> {
        let out = BufWriter::with_capacity(256 * 1024, file);
        Ok(match format {
            Format::Csv => BatchWriter::Csv(Box::new(
                arrow_csv::WriterBuilder::new().with_header(true).build(out),
            )),
            Format::JsonLines => BatchWriter::JsonLines(arrow_json::LineDelimitedWriter::new(out)),
            Format::Parquet => {
                let props = WriterProperties::builder()
                    .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
                    .set_compression(Compression::SNAPPY)
                    .build();
                BatchWriter::Parquet(Box::new(
                    ArrowWriter::try_new(out, schema, Some(props)).map_err(|e| e.to_string())?,
                ))
            }
            Format::ArrowIpc => BatchWriter::ArrowIpc(Box::new(
                arrow_ipc::writer::FileWriter::try_new(out, &schema).map_err(|e| e.to_string())?,
            )),
        })
    }

    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), String> {
        match self {
            BatchWriter::Csv(w) => w.write(batch).map_err(|e| e.to_string()),
            BatchWriter::JsonLines(w) => w.write(batch).map_err(|e| e.to_string()),
            BatchWriter::Parquet(w) => w.write(batch).map_err(|e| e.to_string()),
            BatchWriter::ArrowIpc(w) => w.write(batch).map_err(|e| e.to_string()),
        }
    }

    /// Writes the format's footer and flushes everything to the file.
    pub fn finish(self) -> Result<(), String> {
        let file = match self {
            BatchWriter::Csv(w) => w.into_inner(),
            BatchWriter::JsonLines(mut w) => {
                w.finish().map_err(|e| e.to_string())?;
                w.into_inner()
            }
            BatchWriter::Parquet(w) => w.into_inner().map_err(|e| e.to_string())?,
            BatchWriter::ArrowIpc(mut w) => {
                w.finish().map_err(|e| e.to_string())?;
                w.into_inner().map_err(|e| e.to_string())?
            }
        };
        let file = file.into_inner().map_err(|e| e.error().to_string())?;
        file.sync_all().map_err(|e| e.to_string())?;
        Ok(())
    }
}
