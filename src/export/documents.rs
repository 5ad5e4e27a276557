//! `%%mql --export PATH`: the documents of a cell's last cursor, written as the driver hands them
//! over batch by batch (`getMore`), never all held.
//!
//! JSON Lines writes each document whole as relaxed Extended JSON, one per line, as `%export` and
//! `mongoexport` do. CSV, Parquet and Arrow need a schema before the first batch is written, and
//! documents have none: the columns are taken from the first [`SAMPLE`] documents exactly as
//! `%export` takes them from a kept variable (top-level fields in order of first appearance, the
//! narrowest kind every value fits), those documents are held until then, and every later
//! document must fit. One with a field the sample did not have, or a value its column cannot
//! hold, stops the export with the document's number and what to do (JSON Lines, or `$project`)
//! instead of dropping or nulling the value.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

use bson::{Bson, Document};

use super::target::{Partial, export_error};
use super::variable::{column_kind, flat_value};
use super::{Format, RowExporter, Target};
use crate::engine::EngineError;
use crate::result::{Datum, ExportReceipt, ValueKind};

/// Documents the columns of a flattened export are taken from.
pub const SAMPLE: usize = 1000;

/// Receives every document of one cursor and writes it to the export's temporary file.
pub struct DocumentExporter {
    target: Target,
    state: State,
    documents: u64,
    started: Instant,
}

enum State {
    /// JSON Lines: each document written as it arrives.
    Lines {
        partial: Partial,
        out: BufWriter<File>,
    },
    /// CSV/Parquet/Arrow before the columns are known: the first documents, held.
    Sampling {
        rows: RowExporter,
        sample: Vec<Document>,
    },
    /// CSV/Parquet/Arrow once the columns are fixed.
    Flat {
        rows: RowExporter,
        names: Vec<String>,
        kinds: Vec<ValueKind>,
        index: HashMap<String, usize>,
    },
    /// Failed or finished.
    Done,
}

impl DocumentExporter {
    /// Opens the temporary file of a checked target.
    pub fn open(target: Target) -> Result<DocumentExporter, EngineError> {
        let state = if target.format == Format::JsonLines {
            let mut partial = target.open()?;
            let file = partial
                .take_file()
                .ok_or_else(|| export_error("the file was already closed"))?;
            State::Lines {
                partial,
                out: BufWriter::with_capacity(256 * 1024, file),
            }
        } else {
            State::Sampling {
                rows: RowExporter::open(target.clone())?,
                sample: Vec::new(),
            }
        };
        Ok(DocumentExporter {
            target,
            state,
            documents: 0,
            started: Instant::now(),
        })
    }

    /// Writes one document (or holds it while the columns are sampled). An error ends the export:
    /// the partial file is removed when the exporter is dropped.
    pub fn push(&mut self, document: &Document) -> Result<(), EngineError> {
        self.documents += 1;
        let number = self.documents;
        match &mut self.state {
            State::Lines { out, .. } => {
                let json = Bson::Document(document.clone()).into_relaxed_extjson();
                let written = serde_json::to_writer(&mut *out, &json)
                    .map_err(std::io::Error::from)
                    .and_then(|()| out.write_all(b"\n"));
                if let Err(e) = written {
                    self.state = State::Done;
                    return Err(self.failure(e.to_string()));
                }
            }
            State::Sampling { sample, .. } => {
                sample.push(document.clone());
                if sample.len() >= SAMPLE {
                    self.fix_columns();
                }
            }
            State::Flat {
                rows,
                names,
                kinds,
                index,
            } => match flat_row(document, names, kinds, index) {
                Ok(row) => rows.push(&row),
                Err(message) => {
                    self.state = State::Done;
                    return Err(self.failure(format!("document {number} {message}")));
                }
            },
            State::Done => return Err(self.failure("the export already ended".into())),
        }
        Ok(())
    }

    /// Finishes the file, renames it to its final name and says what was written.
    pub fn finish(mut self) -> Result<ExportReceipt, EngineError> {
        if matches!(self.state, State::Sampling { .. }) {
            self.fix_columns();
        }
        match std::mem::replace(&mut self.state, State::Done) {
            State::Lines { partial, out } => {
                let flushed = out
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .and_then(|file| file.sync_all());
                if let Err(e) = flushed {
                    return Err(self.failure(e.to_string()));
                }
                let bytes = partial.commit()?;
                Ok(ExportReceipt {
                    path: self.target.given.clone(),
                    format: self.target.format.name(),
                    rows: self.documents,
                    bytes,
                    elapsed: self.started.elapsed(),
                })
            }
            State::Flat { rows, .. } => rows.finish(),
            State::Sampling { .. } | State::Done => {
                Err(self.failure("the export already ended".into()))
            }
        }
    }

    /// Decides the columns from the held documents and writes them.
    fn fix_columns(&mut self) {
        let State::Sampling { rows, sample } = std::mem::replace(&mut self.state, State::Done)
        else {
            return;
        };
        let mut rows = rows;
        let mut names: Vec<String> = Vec::new();
        let mut index = HashMap::new();
        for doc in &sample {
            for key in doc.keys() {
                if !index.contains_key(key) {
                    index.insert(key.clone(), names.len());
                    names.push(key.clone());
                }
            }
        }
        let kinds: Vec<ValueKind> = names
            .iter()
            .map(|name| column_kind(sample.iter().filter_map(|d| d.get(name))))
            .collect();
        let header: Vec<_> = names
            .iter()
            .zip(&kinds)
            .map(|(n, k)| (n.clone(), Some(*k)))
            .collect();
        rows.set_header(&header);
        for doc in &sample {
            // The sample decided the columns, so every one of its documents fits them.
            if let Ok(row) = flat_row(doc, &names, &kinds, &index) {
                rows.push(&row);
            }
        }
        self.state = State::Flat {
            rows,
            names,
            kinds,
            index,
        };
    }

    fn failure(&self, message: String) -> EngineError {
        export_error(format!(
            "the export to '{}' failed: {message}",
            self.target.path.display()
        ))
        .with_detail("nothing was written under that name (the partial file was removed)")
    }
}

/// One document as a row of the fixed columns, or why it does not fit them.
fn flat_row(
    document: &Document,
    names: &[String],
    kinds: &[ValueKind],
    index: &HashMap<String, usize>,
) -> Result<Vec<Datum>, String> {
    let mut row = vec![Datum::Null; names.len()];
    for (key, value) in document {
        let Some(&column) = index.get(key) else {
            return Err(format!(
                "has the field '{key}', which none of the first {SAMPLE} documents had, so the \
                 file has no column for it; export to .jsonl to keep every document whole, or \
                 $project the fields to export so that the first documents name them all"
            ));
        };
        let kind = kinds[column];
        if !fits(value, kind) {
            return Err(format!(
                "has {} in '{key}', where the first {SAMPLE} documents held only {} values; \
                 export to .jsonl to keep every value as it is, or $project the field to one \
                 type (for example {{{key}: {{$toString: '${key}'}}}})",
                describe(value),
                kind_name(kind)
            ));
        }
        row[column] = flat_value(value, kind);
    }
    Ok(row)
}

/// Whether a value goes in a column of `kind` without changing meaning.
fn fits(value: &Bson, kind: ValueKind) -> bool {
    match (value, kind) {
        (Bson::Null | Bson::Undefined, _) => true,
        (Bson::Int32(_) | Bson::Int64(_), ValueKind::Integer | ValueKind::Float) => true,
        (Bson::Double(_), ValueKind::Float) => true,
        (Bson::Boolean(_), ValueKind::Boolean) => true,
        (_, ValueKind::Integer | ValueKind::Float | ValueKind::Boolean) => false,
        _ => true,
    }
}

fn kind_name(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Integer => "integer",
        ValueKind::Float => "number",
        ValueKind::Boolean => "boolean",
        _ => "text",
    }
}

fn describe(value: &Bson) -> String {
    let text = value.clone().into_relaxed_extjson().to_string();
    let short: String = text.chars().take(40).collect();
    let kind = match value {
        Bson::String(_) => "the string",
        Bson::Double(_) => "the double",
        Bson::Int32(_) | Bson::Int64(_) => "the integer",
        Bson::Boolean(_) => "the boolean",
        Bson::Document(_) => "the document",
        Bson::Array(_) => "the array",
        Bson::ObjectId(_) => "the ObjectId",
        Bson::DateTime(_) => "the date",
        _ => "the value",
    };
    format!("{kind} {short}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    fn target(dir: &std::path::Path, name: &str) -> Target {
        Target::check(dir.join(name).to_str().unwrap(), None, false).unwrap()
    }

    #[test]
    fn a_new_field_after_the_sample_stops_the_export_and_leaves_no_file() {
        let dir = std::env::temp_dir().join(format!("docexport_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut export = DocumentExporter::open(target(&dir, "new_field.csv")).unwrap();
        for i in 0..SAMPLE as i64 {
            export.push(&doc! {"_id": i, "n": i}).unwrap();
        }
        export.push(&doc! {"_id": 1000_i64, "n": 5}).unwrap();
        let err = export
            .push(&doc! {"_id": 1001_i64, "extra": true})
            .unwrap_err();
        assert!(
            err.evalue.contains("document 1002 has the field 'extra'"),
            "{}",
            err.evalue
        );
        assert!(err.evalue.contains(".jsonl"), "{}", err.evalue);
        drop(export);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn a_value_that_does_not_fit_its_column_stops_the_export() {
        let dir = std::env::temp_dir().join(format!("docexport_fit_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut export = DocumentExporter::open(target(&dir, "misfit.parquet")).unwrap();
        for i in 0..SAMPLE as i64 {
            export.push(&doc! {"n": i}).unwrap();
        }
        let err = export.push(&doc! {"n": "seven"}).unwrap_err();
        assert!(
            err.evalue
                .contains("document 1001 has the string \"seven\" in 'n', where the first 1000 documents held only integer values"),
            "{}",
            err.evalue
        );
        assert!(err.evalue.contains("$toString"), "{}", err.evalue);
        drop(export);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn fewer_documents_than_the_sample_are_written_at_the_end() {
        let dir = std::env::temp_dir().join(format!("docexport_few_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut export = DocumentExporter::open(target(&dir, "few.csv")).unwrap();
        export.push(&doc! {"a": 1, "b": "x"}).unwrap();
        export.push(&doc! {"a": 2.5, "c": {"d": 1}}).unwrap();
        let receipt = export.finish().unwrap();
        assert_eq!(receipt.rows, 2);
        assert_eq!(
            std::fs::read_to_string(dir.join("few.csv")).unwrap(),
            "a,b,c\n1.0,x,\n2.5,,\"{\"\"d\"\":1}\"\n"
        );
        std::fs::remove_dir_all(dir).ok();
    }
}
