//! Rows of one statement while they stream in: the display limit's rows are kept, the rest are
//! only counted (and never decoded), everything is kept when the cell asked for `--out`.
//!
//! This sits in front of [`TableBuilder`] because a column's final type is not always known
//! while rows arrive: PostgreSQL enums, domains and extension types are only named after the
//! stream ends (one `pg_type` lookup, when the connection is free again), and SQLite expressions
//! have no declared type, so their kind comes from the values themselves.
//!
//! With an exporter (the cell's `--export`), every row is also handed to it as it arrives, so
//! the file gets all rows while only the display limit's rows stay in memory. A chart feed (the
//! cell's `--chart`) likewise sees every row as it arrives and keeps only its aggregates.

use crate::charts::TableFeed;
use crate::engine::progress::Meter;
use crate::export::RowExporter;
use crate::result::{Column, Datum, Provenance, Table, TableBuilder, ValueKind};

pub struct RowBuffer {
    limit: usize,
    keep_all: bool,
    columns: Vec<Column>,
    /// Columns whose kind is decided from the values at the end (SQLite expressions).
    undecided: Vec<bool>,
    rows: Vec<Vec<Datum>>,
    total: u64,
    started: bool,
    /// How this database's client spells a float that arrived as a number (see `floats`).
    float_text: fn(f64) -> String,
    /// Result sets of the same statement that came before this one (a MySQL `CALL` returns
    /// one per SELECT in the procedure), each shown as its own table.
    earlier: Vec<RowBuffer>,
    /// Warnings the server reported for the statement (MySQL/MariaDB's warning count).
    pub warnings: u64,
    /// The info line of the server's OK packet (MySQL/MariaDB: `Records: 3  Duplicates: 0  Warnings: 0`).
    pub info: Option<String>,
    /// Receives every row for `--export` (the last statement of the cell only).
    exporter: Option<RowExporter>,
    /// Receives every row for `--chart` (the last statement of the cell only).
    chart: Option<TableFeed>,
    /// Counts the rows as they arrive, for the live line of a long cell.
    meter: Meter,
}

impl RowBuffer {
    pub fn new(limit: usize, keep_all: bool) -> Self {
        RowBuffer {
            limit,
            keep_all,
            columns: Vec::new(),
            undecided: Vec::new(),
            rows: Vec::new(),
            total: 0,
            started: false,
            float_text: crate::result::table::format_float,
            earlier: Vec::new(),
            warnings: 0,
            info: None,
            exporter: None,
            chart: None,
            meter: Meter::inactive(),
        }
    }

    /// Counts every row on `meter` as well (the cell's progress).
    pub fn with_meter(mut self, meter: Meter) -> Self {
        self.meter = meter;
        self
    }

    /// Hands every row of this result to a chart feed as well.
    pub fn with_chart(mut self, chart: Option<TableFeed>) -> Self {
        self.chart = chart;
        self
    }

    /// The chart feed, to finish once the statement is done.
    pub fn take_chart(&mut self) -> Option<TableFeed> {
        self.chart.take()
    }

    /// Hands every row of this result to `exporter` as well.
    pub fn with_exporter(mut self, exporter: Option<RowExporter>) -> Self {
        self.exporter = exporter;
        self
    }

    /// The exporter, to finish once the statement is done.
    pub fn take_exporter(&mut self) -> Option<RowExporter> {
        self.exporter.take()
    }

    /// Floats that arrive as numbers (SQLite's REAL, PostgreSQL's binary float) are kept as the
    /// text `float_text` gives them, the way the database's own client prints them.
    pub fn with_float_text(mut self, float_text: fn(f64) -> String) -> Self {
        self.float_text = float_text;
        self
    }

    /// Closes the current result set and starts the next one of the same statement (a MySQL
    /// `CALL` returns several): the next rows come with their own header.
    pub fn next_result_set(&mut self) {
        let fresh = RowBuffer::new(self.limit, self.keep_all).with_float_text(self.float_text);
        let mut done = std::mem::replace(self, fresh);
        self.warnings = done.warnings;
        self.exporter = done.exporter.take();
        self.chart = done.chart.take();
        self.meter = done.meter.clone();
        self.earlier = std::mem::take(&mut done.earlier);
        self.earlier.push(done);
    }

    /// The tables of the result sets before the current one, in order.
    pub fn take_earlier(&mut self, provenance: &Provenance) -> Vec<Table> {
        std::mem::take(&mut self.earlier)
            .into_iter()
            .map(|set| set.into_table(provenance.clone()))
            .collect()
    }

    /// Whether a result set (even an empty one with a header) has begun.
    pub fn has_result(&self) -> bool {
        self.started
    }

    /// Sets the header; `kind: None` means "decide from the values".
    pub fn set_columns(&mut self, columns: Vec<(String, String, Option<ValueKind>)>) {
        self.started = true;
        if let Some(exporter) = &mut self.exporter {
            let header: Vec<_> = columns.iter().map(|c| (c.0.clone(), c.2)).collect();
            exporter.set_header(&header);
        }
        if let Some(chart) = &mut self.chart {
            let header: Vec<String> = columns.iter().map(|c| c.0.clone()).collect();
            chart.set_header(&header);
        }
        self.undecided = columns.iter().map(|c| c.2.is_none()).collect();
        self.columns = columns
            .into_iter()
            .map(|(name, db_type, kind)| Column {
                name,
                db_type,
                kind: kind.unwrap_or(ValueKind::Other),
            })
            .collect();
    }

    pub fn column_mut(&mut self, index: usize) -> Option<&mut Column> {
        self.columns.get_mut(index)
    }

    /// The display limit: how many rows are kept.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Whether the next row would be kept; rows that are only counted need no decoding.
    #[inline]
    pub fn wants_row(&self) -> bool {
        self.keep_all
            || self.rows.len() < self.limit
            || self.exporter.is_some()
            || self.chart.as_ref().is_some_and(TableFeed::wants_rows)
    }

    #[inline]
    pub fn push(&mut self, row: Vec<Datum>) {
        self.total += 1;
        self.meter.add(1);
        if let Some(chart) = &mut self.chart {
            chart.push(&row);
        }
        if let Some(exporter) = &mut self.exporter {
            exporter.push(&row);
        }
        if self.keep_all || self.rows.len() < self.limit {
            self.rows.push(row);
        }
    }

    #[inline]
    pub fn count(&mut self) {
        self.total += 1;
        self.meter.add(1);
    }

    /// The header as set so far.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The kept rows, to rewrite values whose text the server gives afterwards.
    pub fn kept_mut(&mut self) -> &mut [Vec<Datum>] {
        &mut self.rows
    }

    /// Rewrites the kept values of one column (after its type was resolved late).
    pub fn map_column(&mut self, index: usize, mut f: impl FnMut(Datum) -> Datum) {
        for row in &mut self.rows {
            if let Some(cell) = row.get_mut(index) {
                *cell = f(std::mem::replace(cell, Datum::Null));
            }
        }
    }

    pub fn into_table(mut self, provenance: Provenance) -> Table {
        for (index, undecided) in self.undecided.iter().enumerate() {
            if !undecided {
                continue;
            }
            let first = self
                .rows
                .iter()
                .filter_map(|r| r.get(index))
                .find(|d| !matches!(d, Datum::Null));
            let kind = match first {
                Some(Datum::Int(_)) => ValueKind::Integer,
                Some(Datum::Float(_)) => ValueKind::Float,
                Some(Datum::Bool(_)) => ValueKind::Boolean,
                Some(Datum::Bytes(_)) => ValueKind::Binary,
                _ => ValueKind::Text,
            };
            if let Some(column) = self.columns.get_mut(index) {
                column.kind = kind;
            }
        }
        let float_text = self.float_text;
        for row in &mut self.rows {
            for cell in row.iter_mut() {
                if let Datum::Float(f) = cell {
                    *cell = Datum::Text(float_text(*f));
                }
            }
        }
        let kept = self.rows.len() as u64;
        let mut builder = TableBuilder::new(self.columns, self.limit, self.keep_all);
        for row in self.rows {
            builder.push_row(row);
        }
        for _ in kept..self.total {
            builder.count_row();
        }
        builder.finish(provenance)
    }
}
