//! Rows of a table into a chart: columns named on the request are found in the header (with a
//! "did you mean" when one is not), then each row's values go to the accumulator.

use chart::{Accumulator, ChartError, Request, Value};

use crate::result::{Datum, Provenance, QueryResult, Table};

pub struct TableFeed {
    accumulator: Accumulator,
    /// Column positions of x, y and color, once the header is known.
    positions: Option<(usize, Option<usize>, Option<usize>)>,
    /// The first problem met (unknown column, a value the chart cannot draw): rows after it are
    /// not looked at, and `finish` reports it.
    failed: Option<ChartError>,
}

fn position(role: &str, name: &str, header: &[String]) -> Result<usize, ChartError> {
    header
        .iter()
        .position(|h| h == name)
        .or_else(|| header.iter().position(|h| h.eq_ignore_ascii_case(name)))
        .ok_or_else(|| chart::error::unknown_column(role, name, header, "column"))
}

pub fn datum_value(datum: &Datum) -> Value<'_> {
    match datum {
        Datum::Null => Value::Null,
        Datum::Int(i) => Value::Number(*i as f64),
        Datum::Float(f) => Value::Number(*f),
        Datum::Bool(b) => Value::Text(if *b { "true" } else { "false" }.into()),
        Datum::Text(t) => Value::Text(t.as_str().into()),
        Datum::Bytes(b) => Value::Text(format!("\\x{}", hex::encode(b)).into()),
    }
}

impl TableFeed {
    pub fn new(request: Request) -> TableFeed {
        TableFeed {
            accumulator: Accumulator::new(request),
            positions: None,
            failed: None,
        }
    }

    /// The result's column names (a new header replaces the old one: a later result set).
    pub fn set_header(&mut self, header: &[String]) {
        let request = self.accumulator.request();
        let found = (|| {
            Ok((
                position("x", &request.x, header)?,
                request
                    .y
                    .as_deref()
                    .map(|y| position("y", y, header))
                    .transpose()?,
                request
                    .color
                    .as_deref()
                    .map(|c| position("color", c, header))
                    .transpose()?,
            ))
        })();
        match found {
            Ok(p) => self.positions = Some(p),
            Err(e) => self.failed = Some(e),
        }
    }

    /// Whether more rows are still worth decoding (no problem met yet).
    pub fn wants_rows(&self) -> bool {
        self.failed.is_none()
    }

    pub fn push_values(&mut self, row: &[Value<'_>]) {
        let Some((x, y, color)) = self.positions else {
            return;
        };
        if self.failed.is_some() {
            return;
        }
        let get = |i: usize| row.get(i).cloned().unwrap_or(Value::Null);
        if let Err(e) = self.accumulator.push(get(x), y.map(get), color.map(get)) {
            self.failed = Some(e);
        }
    }

    pub fn push(&mut self, row: &[Datum]) {
        if self.positions.is_none() || self.failed.is_some() {
            return;
        }
        let values: Vec<Value<'_>> = row.iter().map(datum_value).collect();
        self.push_values(&values);
    }

    /// Every row of a kept table.
    pub fn push_table(&mut self, table: &Table) {
        let header: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
        self.set_header(&header);
        for row in 0..table.shown_rows() {
            if self.failed.is_some() {
                break;
            }
            let texts: Vec<Option<String>> =
                (0..header.len()).map(|c| table.cell_text(row, c)).collect();
            let values: Vec<Value<'_>> = texts
                .iter()
                .map(|t| match t {
                    None => Value::Null,
                    Some(t) => Value::Text(t.as_str().into()),
                })
                .collect();
            self.push_values(&values);
        }
    }

    pub fn finish(self, provenance: Provenance) -> Result<QueryResult, crate::engine::EngineError> {
        if let Some(e) = self.failed {
            return Err(super::error(e));
        }
        if self.positions.is_none() {
            return Err(crate::engine::EngineError::usage(
                "--chart draws the rows of the cell's last statement, and it returned no rows \
                 (no result set); nothing was drawn",
            ));
        }
        super::finish(self.accumulator, provenance)
    }
}
