//! Tabular results as Arrow record batches, built row by row under a display limit.
//!
//! Engines push rows one at a time into a [`TableBuilder`]; it keeps the first `limit` rows and
//! only counts the rest, so a million-row SELECT costs memory for the shown rows only. With
//! `keep_all` (the cell's `--out`) every row is kept for the variable store.

use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Float64Builder, Int64Builder, StringBuilder,
};
use arrow_array::{Array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow_schema::{DataType, Field, Schema};

use super::Provenance;

/// How a column's values behave for display (alignment, null styling) and which Arrow type holds
/// them. Anything without an exact Arrow mapping is kept as the server's own text, so nothing is
/// ever lost or rounded: `Decimal` holds NUMERIC's exact digits, `Temporal` the server's format.
/// `Float` holds the text the engine's own client prints (psql's `1e+300`, sqlite3's `1.0`):
/// each client spells floats its own way, so the value's text is kept, not one Rust spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Integer,
    Float,
    /// Exact decimal as text, right-aligned like a number.
    Decimal,
    Boolean,
    Text,
    Binary,
    Temporal,
    Json,
    /// Anything else (arrays, ranges, inet, enums...): the server's text form.
    Other,
}

impl ValueKind {
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            ValueKind::Integer | ValueKind::Float | ValueKind::Decimal
        )
    }

    fn arrow_type(self) -> DataType {
        match self {
            ValueKind::Integer => DataType::Int64,
            ValueKind::Boolean => DataType::Boolean,
            ValueKind::Binary => DataType::Binary,
            _ => DataType::Utf8,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    /// The database's own type name (`int4`, `NUMERIC`, `BIGINT UNSIGNED`, `jsonb`).
    pub db_type: String,
    pub kind: ValueKind,
}

/// One value as an engine hands it over.
#[derive(Debug, Clone, PartialEq)]
pub enum Datum {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
}

impl Datum {
    /// The value as text, for columns that fell back to text.
    fn into_text(self) -> Option<String> {
        match self {
            Datum::Null => None,
            Datum::Bool(b) => Some(if b { "true".into() } else { "false".into() }),
            Datum::Int(i) => Some(i.to_string()),
            Datum::Float(f) => Some(format_float(f)),
            Datum::Text(s) => Some(s),
            Datum::Bytes(b) => Some(format!("\\x{}", hex::encode(b))),
        }
    }

    fn fits(&self, kind: ValueKind) -> bool {
        if matches!(self, Datum::Float(_)) {
            return kind == ValueKind::Float;
        }
        matches!(
            (self, kind.arrow_type()),
            (Datum::Null, _)
                | (Datum::Int(_), DataType::Int64)
                | (Datum::Float(_), DataType::Float64)
                | (Datum::Bool(_), DataType::Boolean)
                | (Datum::Bytes(_), DataType::Binary)
                | (Datum::Text(_), DataType::Utf8)
        )
    }
}

/// How a table is laid out as text: psql's `\x` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// Columns side by side.
    #[default]
    Aligned,
    /// One `-[ RECORD n ]` block per row, a `name | value` line per column.
    Expanded,
    /// Expanded when the aligned table would be wider than a notebook shows.
    Auto,
}

/// A finished table: the kept rows as one record batch plus the exact total.
#[derive(Debug, Clone)]
pub struct Table {
    pub columns: Vec<Column>,
    pub batch: RecordBatch,
    /// Every row the statement returned, kept or not.
    pub total_rows: u64,
    pub provenance: Provenance,
    pub layout: Layout,
    /// A line centred above the table, as psql titles `List of relations`.
    pub title: Option<String>,
}

impl Table {
    pub fn shown_rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// Formats one cell for display; `None` is SQL NULL.
    pub fn cell_text(&self, row: usize, col: usize) -> Option<String> {
        let array = self.batch.column(col);
        if array.is_null(row) {
            return None;
        }
        use arrow_array::cast::AsArray;
        use arrow_array::types::{Float64Type, Int64Type};
        Some(match array.data_type() {
            DataType::Int64 => array.as_primitive::<Int64Type>().value(row).to_string(),
            DataType::Float64 => format_float(array.as_primitive::<Float64Type>().value(row)),
            DataType::Boolean => array.as_boolean().value(row).to_string(),
            DataType::Binary => format!("\\x{}", hex::encode(array.as_binary::<i32>().value(row))),
            _ => array.as_string::<i32>().value(row).to_string(),
        })
    }
}

/// A float an engine handed over as a number: shortest round-trip form, exponent form (`1e300`)
/// outside 1e-4..1e15 so that no value prints as hundreds of digits, `Infinity`/`NaN` spelled
/// out. Engines that know their client's own spelling hand over that text instead.
pub fn format_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else if f != 0.0 && !(1e-4..1e15).contains(&f.abs()) {
        format!("{f:e}")
    } else {
        f.to_string()
    }
}

/// Accumulates rows under a display limit, counting the ones it does not keep.
pub struct TableBuilder {
    columns: Vec<Column>,
    limit: usize,
    keep_all: bool,
    rows: Vec<Vec<Datum>>,
    total: u64,
}

impl TableBuilder {
    pub fn new(columns: Vec<Column>, limit: usize, keep_all: bool) -> Self {
        TableBuilder {
            columns,
            limit,
            keep_all,
            rows: Vec::new(),
            total: 0,
        }
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Whether the next row would be kept; engines may skip decoding rows that are only counted.
    pub fn wants_row(&self) -> bool {
        self.keep_all || self.rows.len() < self.limit
    }

    /// Adds one row (kept if within the limit or `keep_all`, counted always).
    pub fn push_row(&mut self, row: Vec<Datum>) {
        self.total += 1;
        if self.wants_row() {
            self.rows.push(row);
        }
    }

    /// Counts a row without its values.
    pub fn count_row(&mut self) {
        self.total += 1;
    }

    /// Builds the table. With `keep_all`, the full table goes to `--out` and the display table is
    /// cut to the limit by the caller via [`Table::head`].
    pub fn finish(self, provenance: Provenance) -> Table {
        let TableBuilder {
            columns,
            rows,
            total,
            ..
        } = self;
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(columns.len());
        let mut fields = Vec::with_capacity(columns.len());
        let mut columns = columns;
        for (index, column) in columns.iter_mut().enumerate() {
            let values = rows
                .iter()
                .map(|r| r.get(index).cloned().unwrap_or(Datum::Null));
            // A value that does not fit the declared kind (an unsigned BIGINT above i64::MAX, say)
            // turns the whole column into exact text rather than failing or losing digits.
            if !rows
                .iter()
                .all(|r| r.get(index).is_none_or(|d| d.fits(column.kind)))
            {
                column.kind = if column.kind.is_numeric() {
                    ValueKind::Decimal
                } else {
                    ValueKind::Other
                };
            }
            let array = build_array(column.kind.arrow_type(), values);
            fields.push(Field::new(
                column.name.clone(),
                array.data_type().clone(),
                true,
            ));
            arrays.push(array);
        }
        let schema = Arc::new(Schema::new(fields));
        let options = RecordBatchOptions::new().with_row_count(Some(rows.len()));
        let batch = RecordBatch::try_new_with_options(schema.clone(), arrays, &options)
            .unwrap_or_else(|_| RecordBatch::new_empty(schema));
        Table {
            columns,
            batch,
            total_rows: total,
            provenance,
            layout: Layout::Aligned,
            title: None,
        }
    }
}

impl Table {
    /// The first `n` rows, same total: what is displayed when the full result was kept for `--out`.
    pub fn head(&self, n: usize) -> Table {
        let n = n.min(self.batch.num_rows());
        Table {
            columns: self.columns.clone(),
            batch: self.batch.slice(0, n),
            total_rows: self.total_rows,
            provenance: self.provenance.clone(),
            layout: self.layout,
            title: self.title.clone(),
        }
    }
}

fn build_array(data_type: DataType, values: impl Iterator<Item = Datum>) -> ArrayRef {
    match data_type {
        DataType::Int64 => {
            let mut b = Int64Builder::new();
            values
                .for_each(|d| b.append_option(if let Datum::Int(i) = d { Some(i) } else { None }));
            Arc::new(b.finish())
        }
        DataType::Float64 => {
            let mut b = Float64Builder::new();
            values.for_each(|d| {
                b.append_option(if let Datum::Float(f) = d {
                    Some(f)
                } else {
                    None
                })
            });
            Arc::new(b.finish())
        }
        DataType::Boolean => {
            let mut b = BooleanBuilder::new();
            values.for_each(|d| {
                b.append_option(if let Datum::Bool(v) = d {
                    Some(v)
                } else {
                    None
                })
            });
            Arc::new(b.finish())
        }
        DataType::Binary => {
            let mut b = BinaryBuilder::new();
            values.for_each(|d| {
                b.append_option(if let Datum::Bytes(v) = d {
                    Some(v)
                } else {
                    None
                })
            });
            Arc::new(b.finish())
        }
        _ => {
            let mut b = StringBuilder::new();
            values.for_each(|d| b.append_option(d.into_text()));
            Arc::new(b.finish())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(name: &str, kind: ValueKind) -> Column {
        Column {
            name: name.into(),
            db_type: "t".into(),
            kind,
        }
    }

    #[test]
    fn keeps_limit_rows_and_counts_the_rest() {
        let mut b = TableBuilder::new(vec![col("n", ValueKind::Integer)], 2, false);
        for i in 0..5 {
            b.push_row(vec![Datum::Int(i)]);
        }
        let t = b.finish(Provenance::default());
        assert_eq!(t.shown_rows(), 2);
        assert_eq!(t.total_rows, 5);
        assert_eq!(t.cell_text(1, 0).as_deref(), Some("1"));
    }

    #[test]
    fn null_is_distinct_from_the_string_null() {
        let mut b = TableBuilder::new(vec![col("s", ValueKind::Text)], 10, false);
        b.push_row(vec![Datum::Null]);
        b.push_row(vec![Datum::Text("NULL".into())]);
        let t = b.finish(Provenance::default());
        assert_eq!(t.cell_text(0, 0), None);
        assert_eq!(t.cell_text(1, 0).as_deref(), Some("NULL"));
    }

    #[test]
    fn a_value_that_does_not_fit_turns_the_column_into_exact_text() {
        let mut b = TableBuilder::new(vec![col("u", ValueKind::Integer)], 10, false);
        b.push_row(vec![Datum::Int(1)]);
        b.push_row(vec![Datum::Text("18446744073709551615".into())]);
        let t = b.finish(Provenance::default());
        assert_eq!(t.columns[0].kind, ValueKind::Decimal);
        assert_eq!(t.cell_text(1, 0).as_deref(), Some("18446744073709551615"));
    }

    #[test]
    fn keep_all_keeps_every_row_and_head_cuts_for_display() {
        let mut b = TableBuilder::new(vec![col("n", ValueKind::Integer)], 2, true);
        for i in 0..5 {
            b.push_row(vec![Datum::Int(i)]);
        }
        let t = b.finish(Provenance::default());
        assert_eq!(t.shown_rows(), 5);
        assert_eq!(t.head(2).shown_rows(), 2);
        assert_eq!(t.head(2).total_rows, 5);
    }
}
