//! The MySQL/MariaDB session: one pinned `mysql_async` connection and its connection id, so that
//! the stop button can `KILL QUERY` it from a second connection.
//!
//! Why `mysql_async` and not sqlx like the other databases: the mysql client prints what the
//! server's OK packet says — its affected rows, its info line (`Records: 3  Duplicates: 0
//! Warnings: 0`, `Rows matched: 2  Changed: 1  Warnings: 0`) and its warning count — and sqlx
//! drops the info and the warnings, and connects with `CLIENT_FOUND_ROWS`, which makes an
//! UPDATE's count the matched rows instead of the changed ones. Here every finished statement
//! hands back its last OK packet ([`Done`]), and the connection is opened without that flag.
//!
//! Statements without binds use COM_QUERY: values arrive as the server's text and are kept
//! exactly (DECIMAL, DATETIME(6), BIGINT UNSIGNED beyond i64, negative TIME). Statements with
//! binds are prepared and executed in SQL (`PREPARE … FROM`, `EXECUTE … USING`), also over
//! COM_QUERY, so their values arrive as the same text ([`run_prepared`]). Rows stream into the
//! [`RowBuffer`] one at a time, each result set of a statement (a CALL's) as its own table.
//!
//! Driver errors become `sqlx::Error`s here ([`driver_error`]; the server's own as
//! [`MySqlServerError`]), so failures, positions and cancellation take the engine's one path.

use std::time::Duration;

use futures_util::TryStreamExt;
use mysql_async::prelude::Queryable;
use mysql_async::{Column, Conn, Row, Value};

use super::bind::Bound;
use super::cancel;
use super::driver::{ConnectError, Outcome, Run, Sent, not_connected, within};
use super::error::MySqlServerError;
use super::explain::{TableName, engine_rolls_back};
use super::literal;
use super::mysql_options::{self, MySqlOptions};
use super::rows::RowBuffer;
use super::types::{bits_to_int, datum_from_text, mysql_kind, mysql_type_name};
use crate::result::{Datum, ValueKind};

pub struct MySqlSession {
    options: MySqlOptions,
    /// `%config connect_timeout` at `%connect`, for reconnects and pings too.
    connect_timeout: Duration,
    conn: Option<Conn>,
    id: u64,
    /// Whether the server is MariaDB (its plans differ from MySQL's), asked once.
    mariadb: Option<bool>,
}

/// What the server's last OK packet said about a finished statement.
#[derive(Debug, Default)]
struct Done {
    affected: u64,
    /// The info line (`Records: 3  Duplicates: 0  Warnings: 0`), empty when there is none.
    info: String,
    warnings: u64,
}

impl Done {
    fn of(conn: &Conn) -> Done {
        Done {
            affected: conn.affected_rows(),
            info: conn.info().into_owned(),
            warnings: u64::from(conn.get_warnings()),
        }
    }
}

impl MySqlSession {
    pub async fn connect(url: &str, connect_timeout: Duration) -> Result<Self, ConnectError> {
        let mut options = mysql_options::parse(url)
            .map_err(|message| ConnectError::invalid(sqlx::Error::Configuration(message.into())))?;
        let address = options.address.clone();
        let conn = within(&address, connect_timeout, open(&mut options)).await?;
        Ok(MySqlSession {
            options,
            connect_timeout,
            id: u64::from(conn.id()),
            conn: Some(conn),
            mariadb: None,
        })
    }

    pub async fn ensure_connected(&mut self) -> Result<bool, ConnectError> {
        let address = self.options.address.clone();
        if let Some(conn) = self.conn.as_mut() {
            let ping = async { conn.ping().await.map_err(driver_error) };
            if within(&address, self.connect_timeout, ping).await.is_ok() {
                return Ok(false);
            }
        }
        self.conn = None;
        let conn = within(&address, self.connect_timeout, open(&mut self.options)).await?;
        self.id = u64::from(conn.id());
        self.conn = Some(conn);
        Ok(true)
    }

    pub fn drop_connection(&mut self) {
        self.conn = None;
    }

    pub async fn close(&mut self) {
        if let Some(conn) = self.conn.take() {
            let _ = conn.disconnect().await;
        }
    }

    /// Runs a short control statement (BEGIN, SAVEPOINT, ROLLBACK) outside the stop button.
    pub async fn run_plain(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        let conn = self.conn.as_mut().ok_or_else(not_connected)?;
        conn.query_drop(sql).await.map_err(driver_error)
    }

    /// The tables among `tables` whose storage engine cannot roll back (MyISAM, Aria, MEMORY…),
    /// each with its engine. Views and tables the catalogue does not list (temporary tables) are
    /// left to the check after the ROLLBACK.
    pub async fn non_transactional(&mut self, tables: &[TableName]) -> Vec<(String, String)> {
        let Some(conn) = self.conn.as_mut() else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for (schema, name) in tables {
            let schema_literal = schema
                .as_deref()
                .map_or_else(|| "DATABASE()".to_string(), literal::mysql_text);
            let query = format!(
                "SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = {schema_literal} AND TABLE_NAME = {}",
                literal::mysql_text(name)
            );
            if let Ok(Some(engine)) = first_text(conn, &query).await
                && !engine_rolls_back(&engine)
            {
                let shown = match schema {
                    Some(schema) => format!("{schema}.{name}"),
                    None => name.clone(),
                };
                found.push((shown, engine));
            }
        }
        found
    }

    /// Whether the server is MariaDB rather than MySQL (`VERSION()` says `…-MariaDB…`).
    pub async fn is_mariadb(&mut self) -> bool {
        if let Some(known) = self.mariadb {
            return known;
        }
        let Some(conn) = self.conn.as_mut() else {
            return true;
        };
        let known = first_text(conn, "SELECT VERSION()")
            .await
            .map(|v| v.is_some_and(|v| v.contains("MariaDB")));
        // Unknown (the query failed): MariaDB is what this machine runs; ask again next time.
        self.mariadb = known.as_ref().ok().copied();
        known.unwrap_or(true)
    }

    /// Whether the session has `autocommit = 0` (then it is always inside a transaction).
    pub async fn autocommit_off(&mut self) -> bool {
        let Some(conn) = self.conn.as_mut() else {
            return false;
        };
        matches!(first_text(conn, "SELECT @@autocommit").await, Ok(Some(v)) if v == "0")
    }

    /// The codes of the last statement's warnings (`SHOW WARNINGS`); empty if it cannot tell.
    pub async fn warning_codes(&mut self) -> Vec<u32> {
        let Some(conn) = self.conn.as_mut() else {
            return Vec::new();
        };
        let Ok(found) = conn.query::<Row, _>("SHOW WARNINGS").await else {
            return Vec::new();
        };
        found
            .iter()
            .filter_map(|row| text_of(row.as_ref(1)?)?.parse().ok())
            .collect()
    }

    pub async fn run(&mut self, run: Run<'_>) -> Outcome {
        let limit = self.connect_timeout;
        let MySqlSession {
            options, conn, id, ..
        } = self;
        let Some(conn) = conn.as_mut() else {
            return Outcome::Failed(not_connected());
        };
        let Run {
            sql,
            bound,
            explain,
            rows,
            cancel,
            ..
        } = run;
        let send_cancel = {
            let options = options.clone();
            let id = *id;
            move || {
                let options = options.clone();
                async move {
                    let killing = kill_query(&options, id);
                    if let Err(e) = within(&options.address, limit, killing).await {
                        log::warn!("could not send KILL QUERY {id}: {e}");
                    }
                }
            }
        };
        let mut failed_in: Option<Sent> = None;
        if let Ok(mut failure) = options.infile_failure.lock() {
            *failure = None;
        }
        let statement = async {
            match bound {
                None => stream(conn, sql, rows).await.map_err(driver_error),
                Some(bound) => run_prepared(conn, bound, explain, rows, &mut failed_in).await,
            }
        };
        let done = match cancel::drive(statement, cancel, send_cancel, || {})
            .await
            .settle()
        {
            Ok(done) => done,
            Err(Outcome::Failed(e)) if failed_in.is_some() => {
                return Outcome::FailedIn(e, failed_in.unwrap_or_default());
            }
            Err(outcome) => {
                if matches!(outcome, Outcome::InterruptedConnectionReset) {
                    self.conn = None;
                }
                return outcome;
            }
        };
        let infile_failure = self
            .options
            .infile_failure
            .lock()
            .ok()
            .and_then(|mut failure| failure.take());
        if let Some(message) = infile_failure {
            // As the mysql client reports a LOAD DATA LOCAL file it cannot read (its error 2).
            return Outcome::Failed(sqlx::Error::Database(Box::new(MySqlServerError {
                number: 2,
                state: "HY000".into(),
                message,
            })));
        }
        rows.warnings = done.warnings;
        rows.info = (!done.info.is_empty()).then_some(done.info);
        Outcome::Done {
            rows_affected: done.affected,
        }
    }
}

/// Opens a connection and runs the URL's `SET`s. Under `ssl-mode=PREFERRED` a server that offers
/// no TLS gets a plain connection, and so does every later one (reconnects, `KILL QUERY`).
/// Also the catalog's side connection ([`super::catalog`]).
pub(super) async fn open(options: &mut MySqlOptions) -> Result<Conn, sqlx::Error> {
    let conn = match Conn::new(options.opts.clone()).await {
        Err(mysql_async::Error::Driver(mysql_async::DriverError::NoClientSslFlagFromServer))
            if options.plain.is_some() =>
        {
            if let Some(plain) = options.plain.take() {
                options.opts = plain;
            }
            Conn::new(options.opts.clone()).await
        }
        other => other,
    };
    let mut conn = conn.map_err(driver_error)?;
    for setting in &options.setup {
        conn.query_drop(setting.as_str())
            .await
            .map_err(driver_error)?;
    }
    Ok(conn)
}

async fn kill_query(options: &MySqlOptions, id: u64) -> Result<(), sqlx::Error> {
    let mut conn = Conn::new(options.opts.clone())
        .await
        .map_err(driver_error)?;
    conn.query_drop(format!("KILL QUERY {id}"))
        .await
        .map_err(driver_error)?;
    conn.disconnect().await.map_err(driver_error)
}

/// The first column of the first row of a short internal query, as text.
async fn first_text(conn: &mut Conn, query: &str) -> Result<Option<String>, mysql_async::Error> {
    let row: Option<Row> = conn.query_first(query).await?;
    Ok(row.and_then(|row| text_of(row.as_ref(0)?)))
}

/// Every row of a short internal query, each value as text (`information_schema` columns are
/// sometimes binary strings): for the catalog's side connection.
pub(super) async fn text_rows(
    conn: &mut Conn,
    query: &str,
) -> Result<Vec<Vec<Option<String>>>, sqlx::Error> {
    let rows: Vec<Row> = conn.query(query).await.map_err(driver_error)?;
    Ok(rows
        .iter()
        .map(|row| {
            (0..row.len())
                .map(|i| row.as_ref(i).and_then(text_of))
                .collect()
        })
        .collect())
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::NULL => None,
        Value::Bytes(bytes) => Some(String::from_utf8_lossy(bytes).into_owned()),
        other => Some(other.as_sql(true)),
    }
}

/// A driver error as the engine's error type: the server's ERR packet keeps its number,
/// SQLSTATE and message; I/O and TLS failures are a lost connection; anything else the driver
/// reports mid-statement leaves the connection in an unknown state, so it counts as lost too.
fn driver_error(error: mysql_async::Error) -> sqlx::Error {
    use mysql_async::{DriverError, Error, IoError};
    match error {
        Error::Server(server) => sqlx::Error::Database(Box::new(MySqlServerError {
            number: server.code,
            state: server.state,
            message: server.message,
        })),
        Error::Io(IoError::Io(io)) => sqlx::Error::Io(io),
        Error::Io(IoError::Tls(tls)) => sqlx::Error::Tls(Box::new(tls)),
        Error::Driver(DriverError::ConnectionClosed) => sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the server closed the connection",
        )),
        Error::Driver(DriverError::NoClientSslFlagFromServer) => sqlx::Error::Tls(
            "the URL asks for TLS (ssl-mode) and the server does not offer it".into(),
        ),
        Error::Url(e) => sqlx::Error::Configuration(Box::new(e)),
        other => sqlx::Error::Protocol(other.to_string()),
    }
}

/// How one column's text-protocol values become datums.
struct Decoder {
    kind: ValueKind,
    /// BIT(n): big-endian bytes shown as a number.
    bit: bool,
    /// A binary string computed by an expression (`CHAR(65,66)`, `x'4142'`, `UNHEX(…)`):
    /// MySQL gives it the binary character set, but it is text when it is valid UTF-8, as the
    /// mysql client shows it. A BINARY/VARBINARY/BLOB column's values always stay bytes.
    expression: bool,
}

fn set_header(columns: &[Column], rows: &mut RowBuffer) -> Vec<Decoder> {
    let header: Vec<_> = columns
        .iter()
        .map(|c| {
            let name = mysql_type_name(
                c.column_type(),
                c.flags(),
                c.column_length(),
                c.character_set(),
            );
            let shown = match c.name_str() {
                alias if !alias.is_empty() => alias.into_owned(),
                _ => c.org_name_str().into_owned(),
            };
            (shown, name.to_string(), Some(mysql_kind(name)))
        })
        .collect();
    let decoders = header
        .iter()
        .zip(columns)
        .map(|((_, name, kind), column)| Decoder {
            kind: kind.unwrap_or(ValueKind::Other),
            bit: name == "BIT",
            // A column of no table (the table the server read it from is empty).
            expression: column.org_table_ref().is_empty(),
        })
        .collect();
    rows.set_columns(header);
    decoders
}

/// Runs one COM_QUERY and streams its result sets into `rows`: each set with columns starts a
/// table of its own (with its header even when it has no rows); the server's last OK packet is
/// the statement's outcome.
async fn stream(
    conn: &mut Conn,
    sql: &str,
    rows: &mut RowBuffer,
) -> Result<Done, mysql_async::Error> {
    let mut result = conn.query_iter(sql).await?;
    while let Some(mut set) = result.stream::<Row>().await? {
        let columns = set.columns();
        if columns.is_empty() {
            // An OK packet (the end of a CALL, a statement without rows): nothing to read.
            while set.try_next().await?.is_some() {}
            continue;
        }
        if rows.has_result() {
            rows.next_result_set();
        }
        let decoders = set_header(&columns, rows);
        while let Some(row) = set.try_next().await? {
            if rows.wants_row() {
                let values = decoders
                    .iter()
                    .enumerate()
                    .map(|(i, decoder)| text_value(row.as_ref(i), decoder))
                    .collect();
                rows.push(values);
            } else {
                rows.count();
            }
        }
    }
    drop(result);
    Ok(Done::of(conn))
}

/// A text-protocol value: the server's text, or raw bytes for binary columns and BIT.
fn text_value(value: Option<&Value>, decoder: &Decoder) -> Datum {
    let bytes: &[u8] = match value {
        None | Some(Value::NULL) => return Datum::Null,
        Some(Value::Bytes(bytes)) => bytes,
        // The text protocol only sends strings; a typed value would come from the binary one.
        Some(other) => return datum_from_text(decoder.kind, &other.as_sql(true)),
    };
    if decoder.bit {
        return bits_to_int(bytes);
    }
    if decoder.kind == ValueKind::Binary {
        if decoder.expression
            && let Ok(text) = std::str::from_utf8(bytes)
            && !text.contains(|c: char| c.is_control() && c != '\n' && c != '\t')
        {
            return Datum::Text(text.to_string());
        }
        return Datum::Bytes(bytes.to_vec());
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => datum_from_text(decoder.kind, text),
        Err(_) => Datum::Bytes(bytes.to_vec()),
    }
}

/// Runs a bound statement with text results, like an unbound one (see [`super::literal`] for
/// why): the statement and the values go into user variables as literals no `sql_mode` can
/// misread, then `PREPARE … FROM @sql`, `EXECUTE … USING @p1, …` over COM_QUERY, so rows arrive
/// in the text protocol (zero dates, DATETIME(6) digits, FLOAT as the server prints it).
/// The outcome is the EXECUTE's OK packet; the user variables are cleared afterwards.
async fn run_prepared(
    conn: &mut Conn,
    bound: &Bound,
    explain: Option<&str>,
    rows: &mut RowBuffer,
    failed_in: &mut Option<Sent>,
) -> Result<Done, sqlx::Error> {
    let prefix = explain.unwrap_or("");
    let statement = format!("{prefix}{}", bound.sql);
    let params: Vec<String> = (1..=bound.values.len())
        .map(|i| format!("@dbkernel_p{i}"))
        .collect();
    let mut set = format!("SET @dbkernel_sql = {}", literal::mysql_text(&statement));
    for (param, value) in params.iter().zip(&bound.values) {
        set.push_str(&format!(", {param} = {}", literal::mysql(value)));
    }
    let mut clear = "SET @dbkernel_sql = NULL".to_string();
    for param in &params {
        clear.push_str(&format!(", {param} = NULL"));
    }
    if let Err(e) = conn.query_drop(set).await {
        *failed_in = Some(Sent::default());
        return Err(driver_error(e));
    }
    let result = async {
        if let Err(e) = conn
            .query_drop("PREPARE dbkernel_bound FROM @dbkernel_sql")
            .await
        {
            // MySQL quotes the statement near the error: locate it in the statement itself.
            *failed_in = Some(Sent::prefixed(prefix, &bound.sql));
            return Err(driver_error(e));
        }
        let execute = if params.is_empty() {
            "EXECUTE dbkernel_bound".to_string()
        } else {
            format!("EXECUTE dbkernel_bound USING {}", params.join(", "))
        };
        let executed = stream(conn, &execute, rows).await.map_err(driver_error);
        if executed.is_err() {
            *failed_in = Some(Sent {
                text: execute,
                ..Sent::default()
            });
        }
        let _ = conn.query_drop("DEALLOCATE PREPARE dbkernel_bound").await;
        executed
    }
    .await;
    let _ = conn.query_drop(clear).await;
    result
}
