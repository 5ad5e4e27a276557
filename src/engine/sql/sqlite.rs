//! The SQLite session: one pinned `SqliteConnection` (so `sqlite::memory:` keeps its data between
//! cells) with a progress handler that interrupts the running statement when the stop button
//! sets a flag; SQLite then fails the statement with SQLITE_INTERRUPT and the connection stays
//! usable.
//!
//! SQLite is dynamically typed: each value carries its own storage class (INTEGER, REAL, TEXT,
//! BLOB, NULL), which decides its datum; the declared column type, when there is one, decides
//! the column's kind (a `BOOLEAN` column is an integer one: sqlite3 prints its 1 and 0).

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::TryStreamExt;
use sqlx::query::Query;
use sqlx::sqlite::{
    SqliteArguments, SqliteColumn, SqliteConnectOptions, SqliteConnection, SqliteRow,
};
use sqlx::{
    AssertSqlSafe, Column, ConnectOptions, Connection, Either, Executor, Row, SqlSafeStr, Sqlite,
    Statement, TypeInfo, ValueRef,
};

use super::cancel;
use super::driver::{Outcome, Run, Sent, not_connected};
use super::rows::RowBuffer;
use super::types::sqlite_declared_kind;
use crate::result::Datum;
use crate::session::variables::Scalar;

/// Virtual-machine instructions between two checks of the interrupt flag: frequent enough to stop
/// within microseconds, rare enough to cost nothing measurable.
const PROGRESS_EVERY: i32 = 10_000;

pub struct SqliteSession {
    conn: Option<SqliteConnection>,
    interrupt: Arc<AtomicBool>,
}

impl SqliteSession {
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        // Like the sqlite3 shell, a notebook expects `sqlite:new.db` to create the file.
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .log_statements(log::LevelFilter::Off)
            .log_slow_statements(log::LevelFilter::Off, Duration::from_secs(3600));
        let mut conn = SqliteConnection::connect_with(&options).await?;
        let interrupt = Arc::new(AtomicBool::new(false));
        let flag = interrupt.clone();
        // Returning false from the handler makes SQLite abort the statement with SQLITE_INTERRUPT.
        conn.lock_handle()
            .await?
            .set_progress_handler(PROGRESS_EVERY, move || !flag.load(Ordering::Relaxed));
        Ok(SqliteSession {
            conn: Some(conn),
            interrupt,
        })
    }

    pub async fn close(&mut self) {
        if let Some(conn) = self.conn.take() {
            let _ = conn.close().await;
        }
    }

    /// The connection, for the catalog's read-only queries (`super::catalog`).
    pub fn connection(&mut self) -> Option<&mut SqliteConnection> {
        self.conn.as_mut()
    }

    /// Runs a short control statement (BEGIN, SAVEPOINT, ROLLBACK) outside the stop button.
    pub async fn run_plain(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        let conn = self.conn.as_mut().ok_or_else(not_connected)?;
        super::driver::run_plain::<Sqlite>(conn, sql).await
    }

    pub async fn run(&mut self, run: Run<'_>) -> Outcome {
        let Some(conn) = self.conn.as_mut() else {
            return Outcome::Failed(not_connected());
        };
        let Run {
            sql,
            bound,
            explain,
            rows,
            cancel,
            want_header,
            ..
        } = run;
        // SQLite values carry their own storage class, so bound statements use the driver's
        // parameters as they are; only an EXPLAIN goes in front.
        let sent = bound.map(|b| Sent::prefixed(explain.unwrap_or(""), &b.sql));
        self.interrupt.store(false, Ordering::Relaxed);
        let send_cancel = {
            let flag = self.interrupt.clone();
            move || {
                flag.store(true, Ordering::Relaxed);
                async {}
            }
        };
        let statement = async {
            match bound {
                None => {
                    stream(
                        sqlx::raw_sql(AssertSqlSafe(sql)).fetch_many(&mut *conn),
                        rows,
                    )
                    .await
                }
                Some(bound) => {
                    let text = sent.as_ref().map_or("", |s| s.text.as_str());
                    stream(
                        (&mut *conn).fetch_many(bind_values(
                            sqlx::query(AssertSqlSafe(text.to_string())),
                            &bound.values,
                        )),
                        rows,
                    )
                    .await
                }
            }
        };
        let outcome = cancel::drive(statement, cancel, send_cancel, || {}).await;
        self.interrupt.store(false, Ordering::Relaxed);
        let rows_affected = match outcome.settle() {
            Ok(value) => value,
            Err(Outcome::Failed(e)) if sent.is_some() => {
                return Outcome::FailedIn(e, sent.unwrap_or_default());
            }
            Err(outcome) => {
                if matches!(outcome, Outcome::InterruptedConnectionReset) {
                    self.conn = None;
                }
                return outcome;
            }
        };
        if want_header && !rows.has_result() {
            let text = bound.map_or(sql, |b| b.sql.as_str());
            if let Ok(statement) = conn
                .prepare(AssertSqlSafe(text.to_string()).into_sql_str())
                .await
                && !statement.columns().is_empty()
            {
                set_header(statement.columns(), rows);
            }
        }
        Outcome::Done { rows_affected }
    }
}

fn set_header(columns: &[SqliteColumn], rows: &mut RowBuffer) {
    let header: Vec<_> = columns
        .iter()
        .map(|c| {
            let declared = c.type_info().name().to_string();
            let kind = sqlite_declared_kind(&declared);
            // An expression has no declared type; sqlx then reports the storage class of the
            // (not yet stepped) statement, which says nothing.
            let shown = if kind.is_some() {
                declared
            } else {
                String::new()
            };
            (c.name().to_string(), shown, kind)
        })
        .collect();
    rows.set_columns(header);
}

async fn stream<S>(mut items: S, rows: &mut RowBuffer) -> Result<u64, sqlx::Error>
where
    S: futures_util::Stream<
            Item = Result<Either<sqlx::sqlite::SqliteQueryResult, SqliteRow>, sqlx::Error>,
        > + Unpin,
{
    let mut affected = 0;
    while let Some(item) = items.try_next().await? {
        match item {
            Either::Left(done) => affected += done.rows_affected(),
            Either::Right(row) => {
                if !rows.has_result() {
                    set_header(row.columns(), rows);
                }
                if rows.wants_row() {
                    rows.push((0..row.len()).map(|i| value(&row, i)).collect());
                } else {
                    rows.count();
                }
            }
        }
    }
    Ok(affected)
}

/// One value by its storage class.
fn value(row: &SqliteRow, index: usize) -> Datum {
    let Ok(raw) = row.try_get_raw(index) else {
        return Datum::Null;
    };
    if raw.is_null() {
        return Datum::Null;
    }
    let storage = raw.type_info().name().to_string();
    match storage.as_str() {
        "INTEGER" | "INT4" | "BOOLEAN" => match row.try_get_unchecked::<i64, _>(index) {
            Ok(i) => Datum::Int(i),
            Err(_) => Datum::Null,
        },
        "REAL" => row
            .try_get_unchecked::<f64, _>(index)
            .map(Datum::Float)
            .unwrap_or(Datum::Null),
        "BLOB" => row
            .try_get_unchecked::<Vec<u8>, _>(index)
            .map(Datum::Bytes)
            .unwrap_or(Datum::Null),
        _ => match row.try_get_unchecked::<String, _>(index) {
            Ok(text) => Datum::Text(text),
            Err(_) => row
                .try_get_unchecked::<Vec<u8>, _>(index)
                .map(Datum::Bytes)
                .unwrap_or(Datum::Null),
        },
    }
}

fn bind_values<'q>(
    mut query: Query<'q, Sqlite, SqliteArguments>,
    values: &[Scalar],
) -> Query<'q, Sqlite, SqliteArguments> {
    for value in values {
        query = match value {
            Scalar::Null => query.bind(None::<String>),
            Scalar::Bool(b) => query.bind(*b),
            Scalar::Int(i) => query.bind(*i),
            Scalar::Float(f) => query.bind(*f),
            Scalar::Text(s) => query.bind(s.clone()),
        };
    }
    query
}
