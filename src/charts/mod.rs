//! Results into charts: each feeder brings one kind of result's values down to
//! [`chart::Value`]s for the three channels and hands them to a [`chart::Accumulator`] one row
//! at a time, so a chart of a streaming result never holds its rows.
//!
//! - [`TableFeed`]: SQL rows as they arrive (`%%sql --chart`), or a kept table (`%chart`).
//! - [`DocumentFeed`]: MongoDB documents, by top-level or dotted field (`address.city`).
//! - [`redis`]: Redis replies that are tables (a hash, `ZRANGE … WITHSCORES`, a list).
//!
//! Invariant: never renders and never talks to a database; it produces `QueryResult::Chart`.

mod documents;
pub mod redis;
mod table;
mod variable;

pub use documents::DocumentFeed;
pub use table::TableFeed;
pub use variable::chart_variable;

use crate::engine::EngineError;
use crate::result::{ChartResult, Provenance, QueryResult};

/// A chart failure as the cell's error: `ChartError` with the message saying what to change.
pub fn error(e: chart::ChartError) -> EngineError {
    EngineError::new("ChartError", e.to_string())
}

/// The finished accumulator as a result.
pub fn finish(
    accumulator: chart::Accumulator,
    provenance: Provenance,
) -> Result<QueryResult, EngineError> {
    let chart = accumulator.finish().map_err(error)?;
    Ok(QueryResult::Chart(Box::new(ChartResult {
        chart,
        provenance,
    })))
}
