//! The engine-neutral result model: what engines produce and renderers draw.
//!
//! Invariant: nothing here knows about HTML, Jupyter or any database driver. New result kinds
//! (query plans, charts, classroom checks) are added as new variants with their own renderer.

pub mod chart;
pub mod check;
pub mod export;
pub mod plan;
pub mod table;
mod timing;

pub use chart::ChartResult;
pub use check::CheckReport;
pub use export::ExportReceipt;
pub use plan::PlanResult;
pub use table::{Column, Datum, Layout, Table, TableBuilder, ValueKind};

use std::time::Duration;

/// One result of a cell, in the order the engine produced it.
#[derive(Debug, Clone)]
pub enum QueryResult {
    /// Rows: from SQL, or any engine that returns a rectangle.
    Table(Table),
    /// A statement that returned no rows: `INSERT 0 3`, `CREATE TABLE`, `3 rows affected`.
    Status(Status),
    /// Documents from a MongoDB cursor (find, aggregate), kept up to the display limit.
    Documents(Documents),
    /// One structured value printed as mongosh prints it (a write result, a count, an index name).
    Value(Value),
    /// Replies of a Redis cell, one per command line.
    Redis(RedisReplies),
    /// Plain informational text (help, `%connections`, `switched to db x`).
    Text(String),
    /// A query plan (any engine's EXPLAIN), drawn as a diagram.
    Plan(Box<PlanResult>),
    /// A `%%check` cell's verdict (passed, or every difference).
    Check(CheckReport),
    /// A finished `--export`: the file written, its format, rows, size and time.
    Export(ExportReceipt),
    /// A chart of a result (`--chart`, `%chart`): drawn as Vega-Lite and SVG.
    Chart(Box<ChartResult>),
}

/// Where and how long: shown in result footers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Provenance {
    pub connection: String,
    pub elapsed: Duration,
    /// State the user cannot see in the cell but that changes what the next one does (an open
    /// or failed transaction): every footer shows it.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// The server's command tag or an equivalent line (`INSERT 0 3`, `CREATE TABLE`).
    pub message: String,
    pub rows_affected: Option<u64>,
    pub provenance: Provenance,
}

/// Documents from a cursor. `documents` holds at most the display limit (all of them when the
/// cell asked for `--out`); `total` counts every document the cursor returned.
#[derive(Debug, Clone)]
pub struct Documents {
    pub documents: Vec<bson::Document>,
    pub total: u64,
    pub provenance: Provenance,
    /// Also offer the documents as `application/json` (the cell's `--json`). JupyterLab ranks
    /// its JSON tree above HTML, so offering it always would hide the table there.
    pub json_tree: bool,
}

/// A single value with its text form as the engine's own shell prints it.
#[derive(Debug, Clone)]
pub struct Value {
    pub value: bson::Bson,
    /// The shell-style text (mongosh's `util.inspect` form), computed by the engine's printer.
    pub text: String,
    /// Also offer the value as `application/json` (the cell's `--json`).
    pub json_tree: bool,
}

/// The replies of a Redis cell: one entry per command line that ran.
#[derive(Debug, Clone, PartialEq)]
pub struct RedisReplies {
    pub entries: Vec<RedisEntry>,
    pub provenance: Provenance,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RedisEntry {
    /// The command as the user wrote it (shown beside its reply when a cell has several).
    pub command: String,
    pub reply: RedisValue,
    /// redis-cli prints this command's reply raw even on a terminal (`INFO`, `CLIENT LIST`,
    /// `CLUSTER NODES`...: text meant to be read as lines, not one quoted string).
    pub raw: bool,
}

/// A Redis reply, RESP2 and RESP3, as its own type so renderers need no driver.
#[derive(Debug, Clone, PartialEq)]
pub enum RedisValue {
    Nil,
    Int(i64),
    /// Bulk string bytes (may be binary).
    Bulk(Vec<u8>),
    /// Simple string status such as `OK` or `QUEUED`.
    Status(String),
    Error(String),
    Array(Vec<RedisValue>),
    Map(Vec<(RedisValue, RedisValue)>),
    Set(Vec<RedisValue>),
    /// A RESP3 double with the text the server sent for it (what redis-cli prints; the
    /// driver parses the number, so the engine rebuilds the server's format).
    Double {
        value: f64,
        text: String,
    },
    Boolean(bool),
    Verbatim {
        format: String,
        text: String,
    },
    BigNumber(String),
    Push {
        kind: String,
        data: Vec<RedisValue>,
    },
    /// A line that did not run because an earlier line failed.
    NotRun,
}
