//! What every database driver of the SQL engine gets for one statement and what it hands back.
//! The per-database files (`postgres.rs`, `mysql.rs`, `sqlite.rs`) differ only in how they talk
//! to their server; the engine loop in `mod.rs` is shared.

use tokio_util::sync::CancellationToken;

use super::bind::Bound;
use super::rows::RowBuffer;
use crate::engine::context::ResultSink;

/// One statement to run.
pub struct Run<'a> {
    /// The statement text exactly as split from the cell (used when there are no binds).
    pub sql: &'a str,
    /// The rewritten statement and its values when it has `:name` binds.
    pub bound: Option<&'a Bound>,
    pub rows: &'a mut RowBuffer,
    pub cancel: &'a CancellationToken,
    /// For notices, flushed while the statement runs.
    pub sink: &'a mut dyn ResultSink,
    /// Ask the server for the column header if the statement returned no rows.
    pub want_header: bool,
}

/// How one statement ended.
pub enum Outcome {
    Done {
        rows_affected: u64,
    },
    Failed(sqlx::Error),
    /// Stopped by the user; the connection is clean.
    Interrupted,
    /// Stopped by the user but the server never acknowledged: the connection was dropped and is
    /// reopened on the next cell.
    InterruptedConnectionReset,
}

/// Builds a lost-connection error for a session whose connection is already gone.
pub fn not_connected() -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::new(
        std::io::ErrorKind::NotConnected,
        "not connected",
    ))
}
