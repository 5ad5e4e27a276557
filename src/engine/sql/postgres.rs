//! The PostgreSQL session: one pinned connection, its backend pid for cancels, a cache of
//! custom type names, and a notice collector.
//!
//! The session's TimeZone and DateStyle are those psql would have ([`super::pg_defaults`]),
//! not the UTC that sqlx's startup message asks for.
//!
//! Statements without binds go through the simple query protocol (`raw_sql`), so every value is
//! the server's own text and streams row by row; rows past the display limit are counted without
//! being decoded. Statements with `:name` binds are prepared and executed in SQL (`PREPARE`,
//! `EXECUTE` with the values as literals, [`run_prepared`]) so that their values are the same
//! text. Only a bound statement `PREPARE` does not take (`CALL`) goes through the extended
//! protocol, whose binary results are decoded by type family in [`super::pg_binary`].
//!
//! `COPY … TO STDOUT` goes through sqlx's copy-out stream ([`super::copy`]); the connection is
//! a [`PgListener`] used as a plain connection, because only a listener's connection buffers the
//! `NotificationResponse`s that LISTEN brings (on a bare `PgConnection` the first one is a
//! protocol error that costs the session). Notifications are printed as psql prints them, after
//! the statement that received them or before the next cell when they arrived in between.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use futures_util::TryStreamExt;
use sqlx::postgres::types::Oid;
use sqlx::postgres::{
    PgArguments, PgConnectOptions, PgConnection, PgListener, PgPool, PgPoolOptions, PgRow,
    PgTypeInfo,
};
use sqlx::query::Query;
use sqlx::{
    Acquire, AssertSqlSafe, Column, ConnectOptions, Connection, Either, Executor, Postgres as Pg,
    Row, SqlSafeStr, Statement, TypeInfo, ValueRef,
};
use tracing::instrument::WithSubscriber;

use super::bind::Bound;
use super::cancel;
use super::copy::{Copy, CopyDecoder, CopyFormat, Format};
use super::driver::{ConnectError, ConnectErrorKind, Outcome, Run, Sent, not_connected, within};
use super::lex::Dialect;
use super::literal;
use super::notice::Notices;
use super::pg_defaults::Restored;
use super::rows::RowBuffer;
use super::status::leading_word;
use super::types::{datum_from_text, postgres_category_kind, postgres_kind};
use crate::engine::context::ResultSink;
use crate::result::{Datum, QueryResult, ValueKind};
use crate::session::variables::Scalar;

/// The live connection: a listener over a pool of exactly one connection. The pool only exists
/// because `PgListener` is built on one; it never opens a second connection.
struct Live {
    /// Always `Some` until dropped (see the `Drop` impl).
    listener: Option<PgListener>,
    pool: PgPool,
}

impl Drop for Live {
    fn drop(&mut self) {
        // Dropping a listener spawns its UNLISTEN on the Tokio runtime and panics without one
        // (an engine dropped after the runtime, at exit): then the socket is left to the OS.
        if let Some(listener) = self.listener.take()
            && tokio::runtime::Handle::try_current().is_err()
        {
            std::mem::forget(listener);
        }
    }
}

impl Live {
    async fn conn(&mut self) -> Result<&mut PgConnection, sqlx::Error> {
        match self.listener.as_mut() {
            Some(listener) => listener.acquire().await,
            None => Err(not_connected()),
        }
    }

    /// The notifications received so far, as psql prints them.
    fn notifications(&mut self) -> Vec<String> {
        let mut lines = Vec::new();
        let Some(listener) = self.listener.as_mut() else {
            return lines;
        };
        while let Some(n) = listener.next_buffered() {
            lines.push(if n.payload().is_empty() {
                format!(
                    "Asynchronous notification \"{}\" received from server process with PID {}.",
                    n.channel(),
                    n.process_id()
                )
            } else {
                format!(
                    "Asynchronous notification \"{}\" with payload \"{}\" received from server process with PID {}.",
                    n.channel(),
                    n.payload(),
                    n.process_id()
                )
            });
        }
        lines
    }
}

pub struct PgSession {
    options: PgConnectOptions,
    /// `%config connect_timeout` at `%connect`: for the first connect, reconnects and the
    /// liveness ping before a cell.
    connect_timeout: Duration,
    live: Option<Live>,
    pid: i32,
    /// OID → (type name, kind) for types sqlx does not know (enums, domains, extensions).
    types: HashMap<u32, (String, ValueKind)>,
    notices: Notices,
    /// Bound statements are prepared under numbered names; see [`run_prepared`].
    prepared: Prepared,
    /// psql's reset values of the settings sqlx's startup overrides, set again after a RESET.
    restored: Restored,
}

/// The session's own prepared statements.
#[derive(Default)]
struct Prepared {
    count: u64,
    /// Names whose DEALLOCATE failed (it is refused in an aborted transaction), retried later.
    stale: Vec<String>,
}

impl PgSession {
    pub async fn connect(url: &str, connect_timeout: Duration) -> Result<Self, ConnectError> {
        // Not sent, so that the server's, database's or role's value stands, as under psql.
        let options = PgConnectOptions::from_str(url)
            .map_err(ConnectError::invalid)?
            .extra_float_digits(None)
            .log_statements(log::LevelFilter::Off)
            .log_slow_statements(log::LevelFilter::Off, Duration::from_secs(3600));
        let (live, pid, restored) = open(&options, connect_timeout).await?;
        Ok(PgSession {
            options,
            connect_timeout,
            live: Some(live),
            pid,
            types: HashMap::new(),
            notices: Notices::new(),
            prepared: Prepared::default(),
            restored,
        })
    }

    /// Checks the connection with a round trip; reopens it if it is gone. Returns whether it
    /// had to reconnect.
    pub async fn ensure_connected(&mut self) -> Result<bool, ConnectError> {
        let address = address(&self.options);
        if let Some(live) = self.live.as_mut() {
            let ping = async { live.conn().await?.ping().await };
            if within(&address, self.connect_timeout, ping).await.is_ok() {
                return Ok(false);
            }
        }
        self.live = None;
        let (live, pid, restored) = open(&self.options, self.connect_timeout).await?;
        self.live = Some(live);
        self.pid = pid;
        self.restored = restored;
        self.types.clear();
        self.prepared.stale.clear();
        Ok(true)
    }

    /// Notifications that arrived since the last statement (read by the liveness ping).
    pub fn notifications(&mut self) -> Vec<String> {
        self.live
            .as_mut()
            .map(Live::notifications)
            .unwrap_or_default()
    }

    /// The live session connection for [`super::catalog::read_pg_session`], if there is one (a
    /// session never opened or dropped by the kernel is not opened here; the next cell does).
    pub async fn catalog_connection(&mut self) -> Option<&mut PgConnection> {
        self.live.as_mut()?.conn().await.ok()
    }

    pub fn drop_connection(&mut self) {
        self.live = None;
    }

    pub async fn close(&mut self) {
        if let Some(mut live) = self.live.take() {
            // The listener hands its connection back to the pool (after UNLISTEN *), and
            // closing the pool ends it politely; a server that does not answer is not waited for.
            drop(live.listener.take());
            let _ = tokio::time::timeout(Duration::from_secs(2), live.pool.close()).await;
        }
    }

    /// Runs a short control statement (BEGIN, SAVEPOINT, ROLLBACK) outside the stop button.
    pub async fn run_plain(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        let live = self.live.as_mut().ok_or_else(not_connected)?;
        let conn = live.conn().await?;
        super::driver::run_plain::<Pg>(conn, sql).await
    }

    pub async fn run(&mut self, run: Run<'_>) -> Outcome {
        let limit = self.connect_timeout;
        let PgSession {
            options,
            live,
            pid,
            types,
            notices,
            prepared,
            restored,
            ..
        } = self;
        let Some(live) = live.as_mut() else {
            return Outcome::Failed(not_connected());
        };
        let conn = match live.conn().await {
            Ok(conn) => conn,
            Err(e) => return Outcome::Failed(e),
        };
        let Run {
            sql,
            bound,
            explain,
            in_transaction,
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
        let copy = match bound {
            None => super::copy::classify(sql),
            Some(_) => Copy::Other,
        };
        let mut copied = Copied::default();
        let mut failed_in: Option<Sent> = None;
        let mut desynchronised = false;
        let mut param_types: Vec<&'static str> = Vec::new();
        let statement = async {
            match (&copy, bound) {
                (Copy::ToStdout(format), _) => {
                    let copying = Copying {
                        sql,
                        format,
                        failed_in: &mut failed_in,
                        desynchronised: &mut desynchronised,
                    };
                    copy_out(conn, copying, rows, &mut copied).await
                }
                (_, None) => stream_text(conn, sql, rows).await,
                (_, Some(bound)) if preparable(&bound.sql) => {
                    let how = Prepare {
                        explain,
                        in_transaction,
                    };
                    run_prepared(
                        conn,
                        prepared,
                        bound,
                        how,
                        rows,
                        &mut failed_in,
                        &mut param_types,
                    )
                    .await
                }
                (_, Some(bound)) => {
                    let streamed = stream_typed(conn, bound, rows).await;
                    if streamed.is_ok() {
                        as_session_shows(conn, rows).await;
                    }
                    streamed
                }
            }
        }
        .with_subscriber(notices.dispatch());
        let flush = || {
            for line in notices.take() {
                sink.stdout(&format!("{line}\n"));
            }
        };
        let settled = cancel::drive(statement, cancel, send_cancel, flush)
            .await
            .settle();
        let (rows_affected, unresolved) = match settled {
            Ok(value) => value,
            Err(outcome) if desynchronised => {
                // See `copy::dry_run`: the connection cannot be used any more.
                self.live = None;
                sink.stderr("the COPY failed before it began, which the driver cannot recover from: the connection was closed and the next cell reconnects (temporary tables and SET values are gone)\n");
                return outcome;
            }
            Err(Outcome::Failed(e)) if failed_in.is_some() => {
                print_notifications(live, sink);
                return Outcome::FailedIn(e, failed_in.unwrap_or_default());
            }
            Err(outcome) => {
                if matches!(outcome, Outcome::InterruptedConnectionReset) {
                    // The server never acknowledged the cancel: end the backend so that it lets
                    // go of its locks, and forget the connection.
                    tokio::spawn(terminate_backend(options.clone(), *pid, limit));
                    self.live = None;
                } else {
                    print_notifications(live, sink);
                }
                return outcome;
            }
        };
        copied.emit(sink);
        if !unresolved.is_empty() {
            resolve_types(conn, types, rows, &unresolved).await;
        }
        if want_header && !rows.has_result() && matches!(copy, Copy::Other) {
            header_from_prepare(conn, types, sql, bound, &param_types, rows).await;
        }
        if let Some(reset) = super::pg_defaults::resets(sql) {
            restored.reapply(conn, &reset).await;
        }
        print_notifications(live, sink);
        Outcome::Done { rows_affected }
    }
}

fn print_notifications(live: &mut Live, sink: &mut dyn ResultSink) {
    for line in live.notifications() {
        sink.stdout(&format!("{line}\n"));
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

/// Opens the session's connection within `limit`.
async fn open(
    options: &PgConnectOptions,
    limit: Duration,
) -> Result<(Live, i32, Restored), ConnectError> {
    let address = address(options);
    let opening = async {
        // sqlx's pool retries a refused connection until its deadline; a plain TCP connect first
        // says "refused" at once. (PostgreSQL logs nothing for a connection that sends no bytes.)
        if !options.get_host().starts_with('/') {
            let target = (options.get_host().to_string(), options.get_port());
            tokio::net::TcpStream::connect(target)
                .await
                .map_err(sqlx::Error::Io)?;
        }
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .max_lifetime(None)
            .idle_timeout(None)
            .test_before_acquire(false)
            .acquire_timeout(limit)
            .connect_lazy_with(options.clone());
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.ignore_pool_close_event(true);
        let conn = (&mut listener).acquire().await?;
        let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut *conn)
            .await?;
        let restored = super::pg_defaults::restore(&mut *conn, options).await;
        Ok((
            Live {
                listener: Some(listener),
                pool,
            },
            pid,
            restored,
        ))
    };
    within(&address, limit, opening).await.map_err(|mut e| {
        // The pool reports its own deadline as PoolTimedOut.
        if matches!(e.kind, ConnectErrorKind::Driver(sqlx::Error::PoolTimedOut)) {
            e.kind = ConnectErrorKind::TimedOut(limit);
        }
        e
    })
}

/// Ends backend `pid` from a side connection (when a cancel was never acknowledged).
async fn terminate_backend(options: PgConnectOptions, pid: i32, limit: Duration) {
    let terminating = async {
        let mut conn = PgConnection::connect_with(&options).await?;
        sqlx::raw_sql(AssertSqlSafe(format!("SELECT pg_terminate_backend({pid})")))
            .execute(&mut conn)
            .await?;
        conn.close().await
    };
    if let Err(e) = within(&address(&options), limit, terminating).await {
        log::warn!("could not send pg_terminate_backend({pid}): {e}");
    }
}

/// What a `COPY … TO STDOUT` without a table shape printed, shown once the statement is done.
#[derive(Default)]
struct Copied {
    lines: Vec<String>,
    more_lines: u64,
    binary_bytes: Option<u64>,
}

impl Copied {
    /// Adds raw COPY bytes: complete lines are kept (up to `limit`) or counted.
    fn add_raw(&mut self, chunk: &[u8], partial: &mut Vec<u8>, limit: usize) {
        for &byte in chunk {
            if byte != b'\n' {
                if self.lines.len() < limit {
                    partial.push(byte);
                }
                continue;
            }
            if self.lines.len() < limit {
                self.lines
                    .push(String::from_utf8_lossy(partial).into_owned());
                partial.clear();
            } else {
                self.more_lines += 1;
            }
        }
    }

    fn emit(self, sink: &mut dyn ResultSink) {
        if let Some(bytes) = self.binary_bytes {
            sink.emit(QueryResult::Text(format!(
                "{bytes} bytes of binary COPY data (not shown: use FORMAT csv or text to see the rows)"
            )));
            return;
        }
        if self.lines.is_empty() {
            return;
        }
        let mut text = self.lines.join("\n");
        if self.more_lines > 0 {
            text.push_str(&format!("\n… {} more line(s) not shown", self.more_lines));
        }
        sink.emit(QueryResult::Text(text));
    }
}

/// Streams a `COPY … TO STDOUT`: into the row buffer when it has a header to name the columns,
/// else as the lines psql would print (kept up to the display limit, the rest counted).
/// One `COPY … TO STDOUT` and where its failures are reported.
struct Copying<'a> {
    sql: &'a str,
    format: &'a CopyFormat,
    /// Set when the dry run failed: its error positions are in the EXPLAIN text.
    failed_in: &'a mut Option<Sent>,
    /// Set when the COPY itself failed before it began (the connection is then unusable).
    desynchronised: &'a mut bool,
}

async fn copy_out(
    conn: &mut PgConnection,
    copying: Copying<'_>,
    rows: &mut RowBuffer,
    copied: &mut Copied,
) -> Streamed {
    let Copying {
        sql,
        format,
        failed_in,
        desynchronised,
    } = copying;
    if let Some((explain, copied_part)) = super::copy::dry_run(sql)
        && let Err(e) = sqlx::raw_sql(AssertSqlSafe(explain.clone()))
            .execute(&mut *conn)
            .await
    {
        *failed_in = Some(Sent {
            text: explain,
            statement_at: copied_part.map(|(at, _)| at),
            copied_from: copied_part.map_or(0, |(_, from)| from),
            values: Vec::new(),
        });
        return Err(e);
    }
    let mut stream = match conn.copy_out_raw(sql).await {
        Ok(stream) => stream,
        Err(e) => {
            *desynchronised = matches!(e, sqlx::Error::Database(_));
            return Err(e);
        }
    };
    if format.format == Format::Binary {
        let mut bytes = 0u64;
        while let Some(chunk) = stream.try_next().await? {
            bytes += chunk.len() as u64;
        }
        copied.binary_bytes = Some(bytes);
        return Ok((0, Vec::new()));
    }
    let as_table = format.as_table();
    let mut decoder = CopyDecoder::new(format.clone());
    let mut records: u64 = 0;
    let mut take = |record: Vec<Option<String>>, rows: &mut RowBuffer| {
        if as_table && !rows.has_result() {
            let columns = record
                .into_iter()
                .map(|name| {
                    let name = name.unwrap_or_default();
                    (name, "text".to_string(), Some(ValueKind::Text))
                })
                .collect();
            rows.set_columns(columns);
            return;
        }
        records += 1;
        if !as_table {
            return;
        }
        if rows.wants_row() {
            let values = record
                .into_iter()
                .map(|v| v.map_or(Datum::Null, Datum::Text))
                .collect();
            rows.push(values);
        } else {
            rows.count();
        }
    };
    let mut partial_line = Vec::new();
    while let Some(chunk) = stream.try_next().await? {
        if !as_table {
            copied.add_raw(&chunk, &mut partial_line, rows.limit());
        }
        for record in decoder.push(&chunk) {
            take(record, rows);
        }
    }
    if let Some(record) = decoder.finish() {
        take(record, rows);
    }
    if !partial_line.is_empty() {
        copied.add_raw(b"\n", &mut partial_line, rows.limit());
    }
    Ok((records, Vec::new()))
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

/// Statements `PREPARE … AS` accepts (after WITH, the main verb).
fn preparable(sql: &str) -> bool {
    matches!(
        leading_word(sql, Dialect::Postgres).as_deref(),
        Some("SELECT" | "INSERT" | "UPDATE" | "DELETE" | "MERGE" | "VALUES" | "TABLE")
    )
}

/// The OIDs of the parameter types [`literal::postgres_type`] names.
fn type_oid(name: &str) -> u32 {
    match name {
        "boolean" => 16,
        "int8" => 20,
        "text" => 25,
        "float8" => 701,
        _ => 705, // unknown: the server infers it
    }
}

/// How a bound statement is prepared.
#[derive(Clone, Copy)]
struct Prepare<'a> {
    explain: Option<&'a str>,
    /// Inside a transaction, a PREPARE that cannot infer a type would abort it: a savepoint lets
    /// the retry with `text` go on in the same transaction.
    in_transaction: bool,
}

const BIND_SAVEPOINT: &str = "dbkernel_bind";

/// Runs a bound statement so that its results arrive as text (see [`super::literal`] for why):
/// `PREPARE name(types) AS <statement>`, then `EXECUTE name(literals); DEALLOCATE name`.
///
/// The two are separate messages on purpose: the user's statement is the last thing in the
/// first one, so nothing it leaves open (an unterminated quote or comment) can reach the values
/// of the second. A text parameter whose type the server cannot infer from where it stands
/// (`SELECT :x IS NULL`, `jsonb_build_object('k', :v)`) is prepared again as `text`, which is how
/// it was always bound before.
async fn run_prepared(
    conn: &mut PgConnection,
    prepared: &mut Prepared,
    bound: &Bound,
    how: Prepare<'_>,
    rows: &mut RowBuffer,
    failed_in: &mut Option<Sent>,
    param_types: &mut Vec<&'static str>,
) -> Streamed {
    deallocate_stale(conn, prepared).await;
    prepared.count += 1;
    let name = format!("dbkernel_bound_{}", prepared.count);
    *param_types = bound.values.iter().map(literal::postgres_type).collect();
    let mut retried = false;
    let mut attempts = 0;
    loop {
        attempts += 1;
        let lead = match (how.in_transaction, retried) {
            (false, _) => String::new(),
            (true, false) => format!("SAVEPOINT {BIND_SAVEPOINT}; "),
            (true, true) => format!("ROLLBACK TO SAVEPOINT {BIND_SAVEPOINT}; "),
        };
        let prefix = format!("{lead}PREPARE {name}({}) AS ", param_types.join(", "));
        let sent = Sent::prefixed(&prefix, &bound.sql);
        match sqlx::raw_sql(AssertSqlSafe(sent.text.clone()))
            .execute(&mut *conn)
            .await
        {
            Ok(_) => break,
            Err(e)
                if attempts <= bound.values.len()
                    && let Some(which) = cannot_infer(&e, param_types) =>
            {
                retried = true;
                match which {
                    Some(index) => param_types[index] = "text",
                    None => {
                        for t in param_types.iter_mut().filter(|t| **t == "unknown") {
                            *t = "text";
                        }
                    }
                }
            }
            Err(e) => {
                *failed_in = Some(sent);
                return Err(e);
            }
        }
    }
    let mut text = String::new();
    if how.in_transaction {
        text.push_str(&format!("RELEASE SAVEPOINT {BIND_SAVEPOINT}; "));
    }
    text.push_str(how.explain.unwrap_or(""));
    text.push_str(&format!("EXECUTE {name}("));
    let mut values = Vec::with_capacity(bound.values.len());
    for (index, value) in bound.values.iter().enumerate() {
        if index > 0 {
            text.push_str(", ");
        }
        let start = text.len();
        text.push_str(&literal::postgres(value));
        values.push((start..text.len(), index));
    }
    text.push_str(&format!("); DEALLOCATE {name}"));
    let result = stream_text(conn, &text, rows).await;
    if result.is_err() {
        // EXECUTE failed, so its DEALLOCATE never ran.
        prepared.stale.push(name);
        *failed_in = Some(Sent {
            text,
            statement_at: None,
            copied_from: 0,
            values,
        });
    }
    result
}

/// Whether the server could not give an `unknown` parameter a type: `Some(Some(i))` when it
/// named parameter `$i+1` (42P18 indeterminate, 42P08 ambiguous: "could not determine data type
/// of parameter $2"), `Some(None)` when a polymorphic function could not (42804 "could not
/// determine polymorphic type because input has type unknown"), `None` for any other error.
fn cannot_infer(error: &sqlx::Error, param_types: &[&str]) -> Option<Option<usize>> {
    let sqlx::Error::Database(db) = error else {
        return None;
    };
    let unknown = |i: usize| param_types.get(i) == Some(&"unknown");
    match db.code().as_deref() {
        Some("42P18" | "42P08") => {
            let message = db.message();
            let number = message
                .rsplit_once('$')
                .and_then(|(_, n)| {
                    n.trim_end_matches(|c: char| !c.is_ascii_digit())
                        .parse::<usize>()
                        .ok()
                })
                .and_then(|n| n.checked_sub(1));
            match number {
                Some(index) if unknown(index) => Some(Some(index)),
                Some(_) => None,
                None => param_types.contains(&"unknown").then_some(None),
            }
        }
        Some("42804") if db.message().contains("unknown") => {
            param_types.contains(&"unknown").then_some(None)
        }
        _ => None,
    }
}

/// Deallocates statements left over from failed runs, if they still exist (a DEALLOCATE of a
/// missing name would fail, and inside a transaction abort it). Errors are ignored: in an aborted
/// transaction nothing can be done until ROLLBACK, and the names stay for the next time.
async fn deallocate_stale(conn: &mut PgConnection, prepared: &mut Prepared) {
    if prepared.stale.is_empty() {
        return;
    }
    // The names are our own `dbkernel_bound_N`: nothing user-controlled is spliced.
    let listed = prepared
        .stale
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let query = format!("SELECT name::text FROM pg_prepared_statements WHERE name IN ({listed})");
    let Ok(existing) = sqlx::raw_sql(AssertSqlSafe(query))
        .fetch_all(&mut *conn)
        .await
    else {
        return;
    };
    let existing: Vec<String> = existing
        .iter()
        .filter_map(|row| row.try_get_unchecked::<String, _>(0).ok())
        .collect();
    for name in &existing {
        let deallocate = format!("DEALLOCATE {name}");
        if sqlx::raw_sql(AssertSqlSafe(deallocate))
            .execute(&mut *conn)
            .await
            .is_err()
        {
            return;
        }
    }
    prepared.stale.clear();
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

/// The date and time types whose text depends on the session (TimeZone, DateStyle,
/// IntervalStyle), as sqlx names them, with the type each is read back as.
const SESSION_DEPENDENT: &[&str] = &["timestamptz", "timestamp", "date", "interval"];

/// Binary results (a bound `CALL`) are decoded in UTC and ISO style by `pg_binary`; the session
/// may say otherwise (a role in Europe/Berlin, DateStyle German). The server turns those values
/// into its own text in one round trip (`$1::timestamptz::text` is the type's output function),
/// so they read as under psql. ISO input is read the same under every DateStyle. If the round
/// trip fails, the ISO/UTC text stays.
async fn as_session_shows(conn: &mut PgConnection, rows: &mut RowBuffer) {
    let columns: Vec<(usize, &'static str)> = rows
        .columns()
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            SESSION_DEPENDENT
                .iter()
                .find(|t| **t == c.db_type)
                .map(|t| (i, *t))
        })
        .collect();
    if columns.is_empty() {
        return;
    }
    let mut places = Vec::new();
    let mut casts = Vec::new();
    let mut values = Vec::new();
    for (r, row) in rows.kept_mut().iter().enumerate() {
        for (c, type_name) in &columns {
            if let Some(Datum::Text(text)) = row.get(*c) {
                places.push((r, *c));
                values.push(text.clone());
                // The type names are our constants; the values are bound.
                casts.push(format!("${}::{type_name}::text", values.len()));
            }
        }
    }
    if values.is_empty() || values.len() > 10_000 {
        return;
    }
    let sql = format!("SELECT {}", casts.join(", "));
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for value in &values {
        query = query.bind(value.clone());
    }
    let Ok(row) = query.fetch_one(&mut *conn).await else {
        return;
    };
    let kept = rows.kept_mut();
    for (index, (r, c)) in places.into_iter().enumerate() {
        if let Ok(text) = row.try_get::<String, _>(index) {
            kept[r][c] = Datum::Text(text);
        }
    }
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
    param_types: &[&str],
    rows: &mut RowBuffer,
) {
    let text = bound.map_or(sql, |b| b.sql.as_str());
    // The same parameter types the statement was prepared with, so that describing it cannot
    // fail (a failure would abort an open transaction).
    let oids: Vec<PgTypeInfo> = param_types
        .iter()
        .map(|t| PgTypeInfo::with_oid(Oid(type_oid(t))))
        .collect();
    let Ok(statement) = conn
        .prepare_with(AssertSqlSafe(text.to_string()).into_sql_str(), &oids)
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
