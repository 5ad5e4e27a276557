//! What every database driver of the SQL engine gets for one statement and what it hands back.
//! The per-database files (`postgres.rs`, `mysql.rs`, `sqlite.rs`) differ only in how they talk
//! to their server; the engine loop in `mod.rs` is shared.

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::bind::Bound;
use super::rows::RowBuffer;
use crate::engine::context::ResultSink;

/// One statement to run.
pub struct Run<'a> {
    /// The statement text exactly as split from the cell, behind its EXPLAIN prefix if any
    /// (used when there are no binds).
    pub sql: &'a str,
    /// The rewritten statement and its values when it has `:name` binds.
    pub bound: Option<&'a Bound>,
    /// The EXPLAIN prefix a bound statement is run under (the driver puts it where its way of
    /// running bound statements needs it).
    pub explain: Option<&'a str>,
    /// The session is inside a transaction (the user's, or the one `--analyze` rolls back).
    pub in_transaction: bool,
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
    /// Failed in a text the driver built around the statement; positions map through `Sent`.
    FailedIn(sqlx::Error, Sent),
    /// Stopped by the user; the connection is clean.
    Interrupted,
    /// Stopped by the user but the server never acknowledged: the connection was dropped and is
    /// reopened on the next cell.
    InterruptedConnectionReset,
}

/// The text a driver sent for a bound statement, when it is not `bound.sql` itself, and how an
/// error position in it maps back to the user's statement.
#[derive(Debug, Clone, Default)]
pub struct Sent {
    pub text: String,
    /// Where `bound.sql` starts in `text` (behind an EXPLAIN or a `PREPARE name AS`); for an
    /// unbound statement, where the part of it that was copied into `text` starts.
    pub statement_at: Option<usize>,
    /// For an unbound statement: where the copied part starts in the user's statement.
    pub copied_from: usize,
    /// Byte ranges of `text` that hold value number `index` (0-based) as a literal.
    pub values: Vec<(std::ops::Range<usize>, usize)>,
}

impl Sent {
    /// `bound.sql` behind `prefix`.
    pub fn prefixed(prefix: &str, statement: &str) -> Sent {
        Sent {
            text: format!("{prefix}{statement}"),
            statement_at: Some(prefix.len()),
            copied_from: 0,
            values: Vec::new(),
        }
    }

    /// Maps a byte offset in `text` to an unbound statement.
    pub fn unbound_offset(&self, offset: usize) -> Option<usize> {
        let at = self.statement_at?;
        offset.checked_sub(at).map(|o| o + self.copied_from)
    }

    /// Maps a byte offset in `text` to the user's statement.
    pub fn original_offset(&self, offset: usize, bound: &Bound) -> Option<usize> {
        if let Some(at) = self.statement_at
            && offset >= at
            && offset <= at + bound.sql.len()
        {
            return Some(bound.original_offset(offset - at));
        }
        self.values
            .iter()
            .find(|(range, _)| range.contains(&offset))
            .and_then(|(_, index)| bound.value_site(*index))
    }
}

/// Runs a short control statement (BEGIN, SAVEPOINT, ROLLBACK) on `conn` as plain SQL, outside
/// the stop button, and discards what it returns.
pub async fn run_plain<DB: sqlx::Database>(
    conn: &mut DB::Connection,
    sql: &str,
) -> Result<(), sqlx::Error>
where
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(conn)
        .await
        .map(|_| ())
}

/// Builds a lost-connection error for a session whose connection is already gone.
pub fn not_connected() -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::new(
        std::io::ErrorKind::NotConnected,
        "not connected",
    ))
}

/// Why a server connection could not be opened (or reopened), with the address it was for.
#[derive(Debug)]
pub struct ConnectError {
    /// `host:port` as the options say (a socket path for a Unix socket).
    pub address: String,
    pub kind: ConnectErrorKind,
}

#[derive(Debug)]
pub enum ConnectErrorKind {
    /// Nothing came back within `%config connect_timeout` (connect + TLS + authentication).
    TimedOut(Duration),
    Driver(sqlx::Error),
}

impl ConnectError {
    /// A URL the driver cannot read.
    pub fn invalid(error: sqlx::Error) -> Self {
        ConnectError {
            address: String::new(),
            kind: ConnectErrorKind::Driver(error),
        }
    }

    pub fn timed_out(&self) -> bool {
        matches!(self.kind, ConnectErrorKind::TimedOut(_))
    }

    /// A refused TCP connection: nothing listens on the port.
    pub fn refused(&self) -> bool {
        matches!(&self.kind, ConnectErrorKind::Driver(sqlx::Error::Io(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused)
    }
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            ConnectErrorKind::TimedOut(limit) => write!(
                f,
                "{} did not answer within {} (connect, TLS and login)",
                self.address,
                seconds(*limit)
            ),
            ConnectErrorKind::Driver(_) if self.refused() => write!(
                f,
                "could not connect to {}: connection refused — is the server running?",
                self.address
            ),
            ConnectErrorKind::Driver(e) => f.write_str(&without_server_source_line(e)),
        }
    }
}

/// A driver error as text, without the `at line 768` sqlx appends to a PostgreSQL error: that
/// is a line of the server's own C source, which a learner reads as a line of their notebook.
/// The SQLSTATE goes in its place, since that is what documentation and searches know.
pub fn without_server_source_line(error: &sqlx::Error) -> String {
    if let sqlx::Error::Database(db) = error
        && let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
    {
        return format!(
            "the server answered: {} (SQLSTATE {})",
            pg.message(),
            pg.code()
        );
    }
    error.to_string()
}

/// `1 s`, `2.5 s`.
pub fn seconds(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs.fract() == 0.0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{secs:.1} s")
    }
}

/// Runs a connect (or a ping before reusing a connection) under the connect timeout.
pub async fn within<T>(
    address: &str,
    limit: Duration,
    connecting: impl Future<Output = Result<T, sqlx::Error>>,
) -> Result<T, ConnectError> {
    match tokio::time::timeout(limit, connecting).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(ConnectError {
            address: address.to_string(),
            kind: ConnectErrorKind::Driver(e),
        }),
        Err(_) => Err(ConnectError {
            address: address.to_string(),
            kind: ConnectErrorKind::TimedOut(limit),
        }),
    }
}
