//! The MySQL/MariaDB session: one pinned `MySqlConnection` and its `CONNECTION_ID()` so that the
//! stop button can `KILL QUERY` it from a second connection.
//!
//! Statements without binds use COM_QUERY (`raw_sql`): values arrive as the server's text and are
//! kept exactly (DECIMAL, DATETIME(6), BIGINT UNSIGNED beyond i64, negative TIME). Statements with
//! binds are prepared and executed in SQL (`PREPARE … FROM`, `EXECUTE … USING`), also over
//! COM_QUERY, so their values arrive as the same text ([`run_prepared`]).

use std::str::FromStr;
use std::time::Duration;

use futures_util::TryStreamExt;
use sqlx::mysql::{MySqlColumn, MySqlConnectOptions, MySqlConnection, MySqlRow};
use sqlx::{
    AssertSqlSafe, Column, ConnectOptions, Connection, Either, Executor, Row, SqlSafeStr,
    Statement, TypeInfo, ValueRef,
};

use super::bind::Bound;
use super::cancel;
use super::driver::{ConnectError, Outcome, Run, Sent, not_connected, within};
use super::explain::{TableName, engine_rolls_back};
use super::literal;
use super::rows::RowBuffer;
use super::types::{bits_to_int, datum_from_text, mysql_kind};
use crate::result::{Datum, ValueKind};

pub struct MySqlSession {
    options: MySqlConnectOptions,
    /// `%config connect_timeout` at `%connect`, for reconnects and pings too.
    connect_timeout: Duration,
    conn: Option<MySqlConnection>,
    id: u64,
    /// Whether the server is MariaDB (its plans differ from MySQL's), asked once.
    mariadb: Option<bool>,
}

impl MySqlSession {
    pub async fn connect(url: &str, connect_timeout: Duration) -> Result<Self, ConnectError> {
        // mariadb:// is the same protocol; sqlx only knows the mysql scheme.
        let url = match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("mariadb") => {
                format!("mysql://{rest}")
            }
            _ => url.to_string(),
        };
        let options = MySqlConnectOptions::from_str(&url)
            .map_err(ConnectError::invalid)?
            .log_statements(log::LevelFilter::Off)
            .log_slow_statements(log::LevelFilter::Off, Duration::from_secs(3600));
        let (conn, id) = within(&address(&options), connect_timeout, open(&options)).await?;
        Ok(MySqlSession {
            options,
            connect_timeout,
            conn: Some(conn),
            id,
            mariadb: None,
        })
    }

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
        let (conn, id) = within(&address, self.connect_timeout, open(&self.options)).await?;
        self.conn = Some(conn);
        self.id = id;
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
        super::driver::run_plain::<sqlx::MySql>(conn, sql).await
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
            let engine: Result<Option<Option<String>>, _> = sqlx::query_scalar(
                "SELECT ENGINE FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?",
            )
            .bind(schema.clone())
            .bind(name.clone())
            .fetch_optional(&mut *conn)
            .await;
            if let Ok(Some(Some(engine))) = engine
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
        let version: Result<String, _> = sqlx::query_scalar("SELECT VERSION()")
            .fetch_one(&mut *conn)
            .await;
        let known = version.map(|v| v.contains("MariaDB"));
        // Unknown (the query failed): MariaDB is what this machine runs; ask again next time.
        self.mariadb = known.as_ref().ok().copied();
        known.unwrap_or(true)
    }

    /// Whether the session has `autocommit = 0` (then it is always inside a transaction).
    pub async fn autocommit_off(&mut self) -> bool {
        let Some(conn) = self.conn.as_mut() else {
            return false;
        };
        match sqlx::raw_sql("SELECT @@autocommit")
            .fetch_one(&mut *conn)
            .await
        {
            Ok(row) => row.try_get_unchecked::<&str, _>(0).ok() == Some("0"),
            Err(_) => false,
        }
    }

    /// The codes of the last statement's warnings (`SHOW WARNINGS`); empty if it cannot tell.
    pub async fn warning_codes(&mut self) -> Vec<u32> {
        let Some(conn) = self.conn.as_mut() else {
            return Vec::new();
        };
        let Ok(found) = sqlx::raw_sql(AssertSqlSafe("SHOW WARNINGS"))
            .fetch_all(&mut *conn)
            .await
        else {
            return Vec::new();
        };
        found
            .iter()
            .filter_map(|row| row.try_get_unchecked::<&str, _>(1).ok()?.parse().ok())
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
            want_header,
            ..
        } = run;
        let send_cancel = {
            let options = options.clone();
            let id = *id;
            move || {
                let options = options.clone();
                async move {
                    let killing = kill_query(&options, id);
                    if let Err(e) = within(&address(&options), limit, killing).await {
                        log::warn!("could not send KILL QUERY {id}: {e}");
                    }
                }
            }
        };
        let mut failed_in: Option<Sent> = None;
        let statement = async {
            match bound {
                None => {
                    let s = sqlx::raw_sql(AssertSqlSafe(sql)).fetch_many(&mut *conn);
                    stream(s, rows).await
                }
                Some(bound) => run_prepared(conn, bound, explain, rows, &mut failed_in).await,
            }
        };
        let rows_affected = match cancel::drive(statement, cancel, send_cancel, || {})
            .await
            .settle()
        {
            Ok(value) => value,
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
        rows.warnings = warning_count(conn).await;
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

/// `host:port` (or the socket path) the options connect to, for messages.
fn address(options: &MySqlConnectOptions) -> String {
    match options.get_socket() {
        Some(socket) => socket.display().to_string(),
        None if options.get_host().contains(':') => {
            format!("[{}]:{}", options.get_host(), options.get_port())
        }
        None => format!("{}:{}", options.get_host(), options.get_port()),
    }
}

async fn open(options: &MySqlConnectOptions) -> Result<(MySqlConnection, u64), sqlx::Error> {
    let mut conn = MySqlConnection::connect_with(options).await?;
    let id: u64 = sqlx::query_scalar("SELECT CONNECTION_ID()")
        .fetch_one(&mut conn)
        .await?;
    Ok((conn, id))
}

/// The last statement's warning count. `SHOW COUNT(*) WARNINGS` is a diagnostic statement: it
/// leaves the warnings for the user's own `SHOW WARNINGS` (sqlx drops the count the server
/// sends with each result).
async fn warning_count(conn: &mut MySqlConnection) -> u64 {
    match sqlx::raw_sql("SHOW COUNT(*) WARNINGS")
        .fetch_one(&mut *conn)
        .await
    {
        Ok(row) => row
            .try_get_unchecked::<&str, _>(0)
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
        Err(_) => 0,
    }
}

async fn kill_query(options: &MySqlConnectOptions, id: u64) -> Result<(), sqlx::Error> {
    let mut conn = MySqlConnection::connect_with(options).await?;
    sqlx::raw_sql(AssertSqlSafe(format!("KILL QUERY {id}")))
        .execute(&mut conn)
        .await?;
    conn.close().await
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

fn set_header(columns: &[MySqlColumn], rows: &mut RowBuffer) -> Vec<Decoder> {
    let header: Vec<_> = columns
        .iter()
        .map(|c| {
            let name = text_type_name(c.type_info());
            let kind = mysql_kind(&name);
            (c.name().to_string(), name, Some(kind))
        })
        .collect();
    let decoders = header
        .iter()
        .zip(columns)
        .map(|((_, name, kind), column)| Decoder {
            kind: kind.unwrap_or(ValueKind::Other),
            bit: name == "BIT",
            expression: matches!(column.origin(), sqlx::ColumnOrigin::Expression),
        })
        .collect();
    rows.set_columns(header);
    decoders
}

/// The column's type name. sqlx calls every string column with the BINARY flag a BLOB or
/// BINARY, but the flag is also set for `_bin` collations (`VARCHAR … COLLATE utf8mb4_bin`;
/// MariaDB's JSON is LONGTEXT COLLATE utf8mb4_bin): only the `binary` character set (collation
/// 63) holds bytes. sqlx 0.9 keeps the collation in a crate-private field with no accessor (and
/// its type equality compares flags only), so the number is read from the type's `Debug` form
/// (`collation: Collation(46)`); if that form ever changes, the driver's name stands.
fn text_type_name(info: &sqlx::mysql::MySqlTypeInfo) -> String {
    const BINARY_COLLATION: u16 = 63;
    let name = info.name();
    let debug = format!("{info:?}");
    let collation = debug
        .split_once("collation: Collation(")
        .and_then(|(_, rest)| rest.split_once(')'))
        .and_then(|(number, _)| number.parse::<u16>().ok());
    if collation.is_none_or(|c| c == BINARY_COLLATION) {
        return name.to_string();
    }
    match name {
        "BINARY" => "CHAR",
        "VARBINARY" => "VARCHAR",
        "TINYBLOB" => "TINYTEXT",
        "BLOB" => "TEXT",
        "MEDIUMBLOB" => "MEDIUMTEXT",
        "LONGBLOB" => "LONGTEXT",
        other => other,
    }
    .to_string()
}

async fn stream<S>(mut items: S, rows: &mut RowBuffer) -> Result<u64, sqlx::Error>
where
    S: futures_util::Stream<
            Item = Result<Either<sqlx::mysql::MySqlQueryResult, MySqlRow>, sqlx::Error>,
        > + Unpin,
{
    let mut affected = 0;
    let mut decoders: Vec<Decoder> = Vec::new();
    // A result set ended: rows after it belong to the next one (a CALL's second SELECT).
    let mut ended = false;
    while let Some(item) = items.try_next().await? {
        match item {
            Either::Left(done) => {
                affected += done.rows_affected();
                ended = rows.has_result();
            }
            Either::Right(row) => {
                if ended {
                    rows.next_result_set();
                    ended = false;
                }
                if !rows.has_result() {
                    decoders = set_header(row.columns(), rows);
                }
                if rows.wants_row() {
                    let values = decoders
                        .iter()
                        .enumerate()
                        .map(|(i, decoder)| text_value(&row, i, decoder))
                        .collect();
                    rows.push(values);
                } else {
                    rows.count();
                }
            }
        }
    }
    Ok(affected)
}

fn is_null(row: &MySqlRow, index: usize) -> bool {
    row.try_get_raw(index).map_or(true, |v| v.is_null())
}

/// A text-protocol value: the server's text, or raw bytes for binary columns and BIT.
fn text_value(row: &MySqlRow, index: usize, decoder: &Decoder) -> Datum {
    if is_null(row, index) {
        return Datum::Null;
    }
    let kind = decoder.kind;
    let bytes = || {
        row.try_get_unchecked::<Vec<u8>, _>(index)
            .unwrap_or_default()
    };
    if decoder.bit {
        return bits_to_int(&bytes());
    }
    if kind == ValueKind::Binary {
        let bytes = bytes();
        if decoder.expression
            && let Ok(text) = std::str::from_utf8(&bytes)
            && !text.contains(|c: char| c.is_control() && c != '\n' && c != '\t')
        {
            return Datum::Text(text.to_string());
        }
        return Datum::Bytes(bytes);
    }
    match row.try_get_unchecked::<&str, _>(index) {
        Ok(text) => datum_from_text(kind, text),
        Err(_) => Datum::Bytes(bytes()),
    }
}

/// Runs a bound statement with text results, like an unbound one (see [`super::literal`] for
/// why): the statement and the values go into user variables as literals no `sql_mode` can
/// misread, then `PREPARE … FROM @sql`, `EXECUTE … USING @p1, …` over COM_QUERY, so rows arrive
/// in the text protocol (zero dates, DATETIME(6) digits, FLOAT as the server prints it).
/// The user variables are cleared afterwards.
async fn run_prepared(
    conn: &mut MySqlConnection,
    bound: &Bound,
    explain: Option<&str>,
    rows: &mut RowBuffer,
    failed_in: &mut Option<Sent>,
) -> Result<u64, sqlx::Error> {
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
    if let Err(e) = sqlx::raw_sql(AssertSqlSafe(set)).execute(&mut *conn).await {
        *failed_in = Some(Sent::default());
        return Err(e);
    }
    let result = async {
        let prepare = sqlx::raw_sql("PREPARE dbkernel_bound FROM @dbkernel_sql")
            .execute(&mut *conn)
            .await;
        if let Err(e) = prepare {
            // MySQL quotes the statement near the error: locate it in the statement itself.
            *failed_in = Some(Sent::prefixed(prefix, &bound.sql));
            return Err(e);
        }
        let execute = if params.is_empty() {
            "EXECUTE dbkernel_bound".to_string()
        } else {
            format!("EXECUTE dbkernel_bound USING {}", params.join(", "))
        };
        let executed = stream(
            sqlx::raw_sql(AssertSqlSafe(execute.clone())).fetch_many(&mut *conn),
            rows,
        )
        .await;
        if executed.is_err() {
            *failed_in = Some(Sent {
                text: execute,
                ..Sent::default()
            });
        }
        let _ = sqlx::raw_sql("DEALLOCATE PREPARE dbkernel_bound")
            .execute(&mut *conn)
            .await;
        executed
    }
    .await;
    let _ = sqlx::raw_sql(AssertSqlSafe(clear))
        .execute(&mut *conn)
        .await;
    result
}
