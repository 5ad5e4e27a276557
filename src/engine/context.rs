//! What an engine gets while it runs a cell: the stop button, a place to send results, the
//! variable store and the display limit.

use tokio_util::sync::CancellationToken;

use super::progress::Meter;
use crate::result::QueryResult;
use crate::session::variables::SharedVariables;

/// Where an engine's results go. The kernel's implementation renders each result into a MIME
/// bundle and publishes it on IOPub; tests use [`CollectingSink`]. Engines never render.
pub trait ResultSink: Send {
    /// One finished result (a statement's table, a status line, a Redis reply...).
    fn emit(&mut self, result: QueryResult);
    /// The cell's single live display (pub/sub messages, MONITOR): the first call shows it, each
    /// later call replaces it in place, so a stream of messages is one updating output.
    fn live(&mut self, result: QueryResult);
    /// Plain text to the cell's stdout stream (notices, `%echo`).
    fn stdout(&mut self, text: &str);
    /// Plain text to the cell's stderr stream (warnings).
    fn stderr(&mut self, text: &str);
    /// The meter this sink shows as the live progress line of a long statement; a sink that
    /// shows none (tests, quiet and deterministic sinks) keeps the inactive default.
    fn meter(&self) -> Meter {
        Meter::inactive()
    }
}

/// Everything a running cell may touch besides its own connection.
pub struct CellContext<'a> {
    /// Fires when the user interrupts the kernel. Engines must select on it around every await
    /// that can block on the server, and cancel the statement on the server when it fires.
    pub cancel: CancellationToken,
    pub sink: &'a mut dyn ResultSink,
    pub variables: SharedVariables,
    /// Rows shown per result (the cell's `--limit`, else `%config display_limit`).
    pub display_limit: usize,
    /// Label used in footers ("pg", "default SQLite"...).
    pub connection_name: String,
    /// Where engines report which statement runs and how many rows or documents have arrived,
    /// for the live line of a long cell ([`Meter`]).
    pub progress: Meter,
}

/// A sink that keeps everything, for tests and for engines' own unit tests.
#[derive(Debug, Default)]
pub struct CollectingSink {
    pub results: Vec<QueryResult>,
    pub live_updates: Vec<QueryResult>,
    pub stdout: String,
    pub stderr: String,
}

impl ResultSink for CollectingSink {
    fn emit(&mut self, result: QueryResult) {
        self.results.push(result);
    }
    fn live(&mut self, result: QueryResult) {
        self.live_updates.push(result);
    }
    fn stdout(&mut self, text: &str) {
        self.stdout.push_str(text);
    }
    fn stderr(&mut self, text: &str) {
        self.stderr.push_str(text);
    }
}
