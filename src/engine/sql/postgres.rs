//! The PostgreSQL session: one pinned `PgConnection`, its backend pid for cancels, a cache of
//! custom type names, and a notice collector.
//!
//! Statements without binds go through the simple query protocol (`raw_sql`), so every value is
//! the server's own text and streams row by row; rows past the display limit are counted without
//! being decoded. Statements with `:name` binds need the extended protocol, whose results sqlx
//! requests in binary; those are decoded by type family in [`super::pg_binary`].

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use futures_util::TryStreamExt;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgConnection, PgRow};
use sqlx::query::Query;
use sqlx::{
    AssertSqlSafe, Column, ConnectOptions, Connection, Either, Executor, Postgres as Pg, Row,
    SqlSafeStr, Statement, TypeInfo, ValueRef,
};
use tracing::instrument::WithSubscriber;

use super::bind::Bound;
use super::cancel;
use super::driver::{ConnectError, Outcome, Run, not_connected, within};
use super::notice::Notices;
use super::rows::RowBuffer;
use super::types::{datum_from_text, postgres_category_kind, postgres_kind};
use crate::result::{Datum, ValueKind};
use crate::session::variables::Scalar;

pub struct PgSession {
    options: PgConnectOptions,
    /// `%config connect_timeout` at `%connect`: for the first connect, reconnects and the
    /// liveness ping before a cell.
    connect_timeout: Duration,
    conn: Option<PgConnection>,
    pid: i32,
    /// OID → (type name, kind) for types sqlx does not know (enums, domains, extensions).
    types: HashMap<u32, (String, ValueKind)>,
    notices: Notices,
}

impl PgSession {
    pub async fn connect(url: &str, connect_timeout: Duration) -> Result<Self, ConnectError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(ConnectError::invalid)?
            .log_statements(log::LevelFilter::Off)
            .log_slow_statements(log::LevelFilter::Off, Duration::from_secs(3600));
        let (conn, pid) = within(&address(&options), connect_timeout, open(&options)).await?;
        Ok(PgSession {
            options,
            connect_timeout,
            conn: Some(conn),
            pid,
            types: HashMap::new(),
            notices: Notices::new(),
        })
    }

    /// Checks the connection with a round trip; reopens it if it is gone. Returns whether it
    /// had to reconnect.
    pub async fn ensure_connected(&mut self) -> Result<bool, ConnectError> {
        let address = address(&self.options);
        if let Some(conn) = self.conn.as_mut()
            && within(&address, self.connect_timeout, conn.ping())
                .await
                .is_ok()
        {
            return Ok(false);
        }
        self.conn = None;
        let (conn, pid) = within(&address, self.connect_timeout, open(&self.options)).await?;
        self.conn = Some(conn);
        self.pid = pid;
        self.types.clear();
        Ok(true)
    }

    pub fn drop_connection(&mut self) {
        self.conn = None;
    }

    pub async fn close(&mut self) {
        if let Some(conn) = self.conn.take() {
            let _ = conn.close().await;
        }
    }

    /// Runs a short control statement (BEGIN, SAVEPOINT, ROLLBACK) outside the stop button.
    pub async fn run_plain(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        let conn = self.conn.as_mut().ok_or_else(not_connected)?;
        sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
            .execute(&mut *conn)
            .await
            .map(|_| ())
    }

    pub async fn run(&mut self, run: Run<'_>) -> Outcome {
        let limit = self.connect_timeout;
        let PgSession {
            options,
            conn,
            pid,
            types,
            notices,
            ..
        } = self;
        let Some(conn) = conn.as_mut() else {
            return Outcome::Failed(not_connected());
        };
        let Run {
            sql,
            bound,
            rows,
            cancel,
            sink,
            want_header,
        } = run;
        let send_cancel = {
            let options = options.clone();
            let pid = *pid;
            move || {
                let options = options.clone();
                async move {
                    let cancelling = cancel_backend(&options, pid);
                    if let Err(e) = within(&address(&options), limit, cancelling).await {
                        log::warn!("could not send pg_cancel_backend({pid}): {e}");
                    }
                }
            }
        };
        let statement = async {
            match bound {
                None => stream_text(conn, sql, rows).await,
                Some(bound) => stream_typed(conn, bound, rows).await,
            }
        }
        .with_subscriber(notices.dispatch());
        let flush = || {
            for line in notices.take() {
                sink.stdout(&format!("{line}\n"));
            }
        };
        let (rows_affected, unresolved) = match cancel::drive(statement, cancel, send_cancel, flush)
            .await
            .settle()
        {
            Ok(value) => value,
            Err(outcome) => {
                if matches!(outcome, Outcome::InterruptedConnectionReset) {
                    self.conn = None;
                }
                return outcome;
            }
        };
        if !unresolved.is_empty() {
            resolve_types(conn, types, rows, &unresolved).await;
        }
        if want_header && !rows.has_result() {
            header_from_prepare(conn, types, sql, bound, rows).await;
        }
        Outcome::Done { rows_affected }
    }
}

/// `host:port` (or the socket path) the options connect to, for messages.
fn address(options: &PgConnectOptions) -> String {
    let host = options.get_host();
    if host.starts_with('/') {
        format!("{host}/.s.PGSQL.{}", options.get_port())
    } else if host.contains(':') {
        format!("[{host}]:{}", options.get_port())
    } else {
        format!("{host}:{}", options.get_port())
    }
}

async fn open(options: &PgConnectOptions) -> Result<(PgConnection, i32), sqlx::Error> {
    let mut conn = PgConnection::connect_with(options).await?;
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut conn)
        .await?;
    Ok((conn, pid))
}

/// Cancels whatever backend `pid` is running, from a second short-lived connection.
async fn cancel_backend(options: &PgConnectOptions, pid: i32) -> Result<(), sqlx::Error> {
    let mut conn = PgConnection::connect_with(options).await?;
    sqlx::raw_sql(AssertSqlSafe(format!("SELECT pg_cancel_backend({pid})")))
        .execute(&mut conn)
        .await?;
    conn.close().await
}

/// The column header of a row: names, the server's type names (lower case, as PostgreSQL spells
/// them) and kinds. Types sqlx does not know come back as `?`; their OIDs are returned to be
/// named after the stream.
fn header_of(
    columns: &[sqlx::postgres::PgColumn],
    rows: &mut RowBuffer,
    types: &HashMap<u32, (String, ValueKind)>,
) -> (Vec<ValueKind>, Vec<(usize, u32)>) {
    let mut unresolved = Vec::new();
    let mut header = Vec::with_capacity(columns.len());
    for (index, column) in columns.iter().enumerate() {
        let info = column.type_info();
        let oid = info.oid().map(|o| o.0);
        let (name, kind) = match (info.name(), oid) {
            ("?", Some(oid)) => match types.get(&oid) {
                Some((name, kind)) => (name.clone(), *kind),
                None => {
                    unresolved.push((index, oid));
                    (format!("oid {oid}"), ValueKind::Other)
                }
            },
            (name, _) => {
                let name = name.trim_matches('"').to_ascii_lowercase();
                let kind = postgres_kind(&name);
                (name, kind)
            }
        };
        header.push((column.name().to_string(), name, Some(kind)));
    }
    let kinds = header
        .iter()
        .map(|h| h.2.unwrap_or(ValueKind::Other))
        .collect();
    rows.set_columns(header);
    (kinds, unresolved)
}

type Streamed = Result<(u64, Vec<(usize, u32)>), sqlx::Error>;

async fn stream_text(conn: &mut PgConnection, sql: &str, rows: &mut RowBuffer) -> Streamed {
    // The type cache is consulted after the stream (the connection is busy while it streams).
    let empty = HashMap::new();
    let mut stream = sqlx::raw_sql(AssertSqlSafe(sql)).fetch_many(&mut *conn);
    let mut affected = 0;
    let mut kinds: Vec<ValueKind> = Vec::new();
    let mut unresolved = Vec::new();
    while let Some(item) = stream.try_next().await? {
        match item {
            Either::Left(done) => affected += done.rows_affected(),
            Either::Right(row) => {
                if !rows.has_result() {
                    (kinds, unresolved) = header_of(row.columns(), rows, &empty);
                }
                if rows.wants_row() {
                    rows.push(text_row(&row, &kinds)?);
                } else {
                    rows.count();
                }
            }
        }
    }
    Ok((affected, unresolved))
}

fn text_row(row: &PgRow, kinds: &[ValueKind]) -> Result<Vec<Datum>, sqlx::Error> {
    let mut values = Vec::with_capacity(kinds.len());
    for (index, kind) in kinds.iter().enumerate() {
        let value = row.try_get_raw(index)?;
        values.push(if value.is_null() {
            Datum::Null
        } else {
            match value.as_str() {
                Ok(text) => datum_from_text(*kind, text),
                Err(_) => Datum::Bytes(value.as_bytes().unwrap_or_default().to_vec()),
            }
        });
    }
    Ok(values)
}

fn bind_values<'q>(
    mut query: Query<'q, Pg, PgArguments>,
    values: &[Scalar],
) -> Query<'q, Pg, PgArguments> {
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

async fn stream_typed(conn: &mut PgConnection, bound: &Bound, rows: &mut RowBuffer) -> Streamed {
    let query = bind_values(sqlx::query(AssertSqlSafe(bound.sql.clone())), &bound.values);
    let mut stream = (&mut *conn).fetch_many(query);
    let mut affected = 0;
    let mut names: Vec<String> = Vec::new();
    while let Some(item) = stream.try_next().await? {
        match item {
            Either::Left(done) => affected += done.rows_affected(),
            Either::Right(row) => {
                if !rows.has_result() {
                    // The extended protocol lets sqlx name custom types itself.
                    names = row
                        .columns()
                        .iter()
                        .map(|c| c.type_info().name().trim_matches('"').to_ascii_lowercase())
                        .collect();
                    let header = row
                        .columns()
                        .iter()
                        .zip(&names)
                        .map(|(c, n)| {
                            (
                                c.name().to_string(),
                                n.clone(),
                                Some(super::pg_binary::kind_of(c.type_info())),
                            )
                        })
                        .collect();
                    rows.set_columns(header);
                }
                if rows.wants_row() {
                    let values = (0..names.len())
                        .map(|i| super::pg_binary::decode(&row, i))
                        .collect();
                    rows.push(values);
                } else {
                    rows.count();
                }
            }
        }
    }
    Ok((affected, Vec::new()))
}

/// Names types sqlx did not know (one `pg_type` query, cached per session) and converts the kept
/// values of those columns to their kind.
async fn resolve_types(
    conn: &mut PgConnection,
    types: &mut HashMap<u32, (String, ValueKind)>,
    rows: &mut RowBuffer,
    unresolved: &[(usize, u32)],
) {
    let missing: Vec<String> = unresolved
        .iter()
        .filter(|(_, oid)| !types.contains_key(oid))
        .map(|(_, oid)| oid.to_string())
        .collect();
    if !missing.is_empty() {
        // OIDs are numbers the server sent, formatted here: nothing user-controlled is spliced.
        let sql = format!(
            "SELECT t.oid::int8, t.typname::text, t.typtype::text, COALESCE(b.typname::text, ''), COALESCE(b.typcategory, t.typcategory)::text \
             FROM pg_type t LEFT JOIN pg_type b ON t.typtype = 'd' AND b.oid = t.typbasetype WHERE t.oid IN ({})",
            missing.join(",")
        );
        if let Ok(found) = sqlx::raw_sql(AssertSqlSafe(sql))
            .fetch_all(&mut *conn)
            .await
        {
            for row in found {
                let text = |i: usize| {
                    row.try_get_raw(i)
                        .ok()
                        .and_then(|v| v.as_str().ok().map(str::to_string))
                        .unwrap_or_default()
                };
                let Ok(oid) = text(0).parse::<u32>() else {
                    continue;
                };
                let (name, typtype, base, category) = (text(1), text(2), text(3), text(4));
                let by_name = postgres_kind(if typtype == "d" { &base } else { &name });
                let kind = if by_name == ValueKind::Other && typtype != "e" {
                    postgres_category_kind(&category)
                } else {
                    by_name
                };
                types.insert(oid, (name, kind));
            }
        }
    }
    for (index, oid) in unresolved {
        let Some((name, kind)) = types.get(oid).cloned() else {
            continue;
        };
        if let Some(column) = rows.column_mut(*index) {
            column.db_type = name;
            column.kind = kind;
        }
        rows.map_column(*index, |d| match d {
            Datum::Text(s) => datum_from_text(kind, &s),
            other => other,
        });
    }
}

/// A statement that returned no rows may still have columns (`SELECT … WHERE false`): prepare it
/// (without running it) to read its header.
async fn header_from_prepare(
    conn: &mut PgConnection,
    types: &mut HashMap<u32, (String, ValueKind)>,
    sql: &str,
    bound: Option<&Bound>,
    rows: &mut RowBuffer,
) {
    let text = bound.map_or(sql, |b| b.sql.as_str());
    let Ok(statement) = conn
        .prepare(AssertSqlSafe(text.to_string()).into_sql_str())
        .await
    else {
        return;
    };
    if statement.columns().is_empty() {
        return;
    }
    let (_, unresolved) = header_of(statement.columns(), rows, types);
    if !unresolved.is_empty() {
        resolve_types(conn, types, rows, &unresolved).await;
    }
}
