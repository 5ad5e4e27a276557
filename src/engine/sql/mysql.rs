//! The MySQL/MariaDB session: one pinned `MySqlConnection` and its `CONNECTION_ID()` so that the
//! stop button can `KILL QUERY` it from a second connection.
//!
//! Statements without binds use COM_QUERY (`raw_sql`): values arrive as the server's text and are
//! kept exactly (DECIMAL, DATETIME(6), BIGINT UNSIGNED beyond i64, negative TIME). Statements with
//! binds use the binary protocol and are decoded per type family.

use std::str::FromStr;
use std::time::Duration;

use futures_util::TryStreamExt;
use sqlx::mysql::{MySqlArguments, MySqlColumn, MySqlConnectOptions, MySqlConnection, MySqlRow};
use sqlx::query::Query;
use sqlx::types::chrono::{NaiveDate, NaiveDateTime};
use sqlx::{
    AssertSqlSafe, Column, ConnectOptions, Connection, Decode, Either, Executor, MySql, Row,
    SqlSafeStr, Statement, TypeInfo, ValueRef,
};

use super::cancel;
use super::driver::{ConnectError, Outcome, Run, not_connected, within};
use super::explain::{TableName, engine_rolls_back};
use super::rows::RowBuffer;
use super::types::{bits_to_int, datum_from_text, mysql_kind};
use crate::result::{Datum, ValueKind};
use crate::session::variables::Scalar;

pub struct MySqlSession {
    options: MySqlConnectOptions,
    /// `%config connect_timeout` at `%connect`, for reconnects and pings too.
    connect_timeout: Duration,
    conn: Option<MySqlConnection>,
    id: u64,
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
        sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
            .execute(&mut *conn)
            .await
            .map(|_| ())
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
            rows,
            cancel,
            sink: _,
            want_header,
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
        let statement = async {
            match bound {
                None => {
                    let s = sqlx::raw_sql(AssertSqlSafe(sql)).fetch_many(&mut *conn);
                    stream(s, rows, text_value).await
                }
                Some(bound) => {
                    let s = (&mut *conn).fetch_many(bind_values(
                        sqlx::query(AssertSqlSafe(bound.sql.clone())),
                        &bound.values,
                    ));
                    stream(s, rows, binary_value).await
                }
            }
        };
        let rows_affected = match cancel::drive(statement, cancel, send_cancel, || {})
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

async fn kill_query(options: &MySqlConnectOptions, id: u64) -> Result<(), sqlx::Error> {
    let mut conn = MySqlConnection::connect_with(options).await?;
    sqlx::raw_sql(AssertSqlSafe(format!("KILL QUERY {id}")))
        .execute(&mut conn)
        .await?;
    conn.close().await
}

fn set_header(columns: &[MySqlColumn], rows: &mut RowBuffer) -> Vec<(ValueKind, bool)> {
    let header: Vec<_> = columns
        .iter()
        .map(|c| {
            let name = c.type_info().name().to_string();
            let kind = mysql_kind(&name);
            (c.name().to_string(), name, Some(kind))
        })
        .collect();
    let decoders = header
        .iter()
        .map(|(_, name, kind)| (kind.unwrap_or(ValueKind::Other), name == "BIT"))
        .collect();
    rows.set_columns(header);
    decoders
}

type ValueDecoder = fn(&MySqlRow, usize, ValueKind, bool) -> Datum;

async fn stream<S>(
    mut items: S,
    rows: &mut RowBuffer,
    decode: ValueDecoder,
) -> Result<u64, sqlx::Error>
where
    S: futures_util::Stream<
            Item = Result<Either<sqlx::mysql::MySqlQueryResult, MySqlRow>, sqlx::Error>,
        > + Unpin,
{
    let mut affected = 0;
    let mut decoders: Vec<(ValueKind, bool)> = Vec::new();
    while let Some(item) = items.try_next().await? {
        match item {
            Either::Left(done) => affected += done.rows_affected(),
            Either::Right(row) => {
                if !rows.has_result() {
                    decoders = set_header(row.columns(), rows);
                }
                if rows.wants_row() {
                    let values = decoders
                        .iter()
                        .enumerate()
                        .map(|(i, (kind, bit))| decode(&row, i, *kind, *bit))
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
fn text_value(row: &MySqlRow, index: usize, kind: ValueKind, bit: bool) -> Datum {
    if is_null(row, index) {
        return Datum::Null;
    }
    let bytes = || {
        row.try_get_unchecked::<Vec<u8>, _>(index)
            .unwrap_or_default()
    };
    if bit {
        return bits_to_int(&bytes());
    }
    if kind == ValueKind::Binary {
        return Datum::Bytes(bytes());
    }
    match row.try_get_unchecked::<&str, _>(index) {
        Ok(text) => datum_from_text(kind, text),
        Err(_) => Datum::Bytes(bytes()),
    }
}

fn typed<'r, T: Decode<'r, MySql>>(row: &'r MySqlRow, index: usize) -> Option<T> {
    row.try_get_raw(index).ok().and_then(|v| T::decode(v).ok())
}

/// A binary-protocol value, decoded by the column's type family.
fn binary_value(row: &MySqlRow, index: usize, kind: ValueKind, bit: bool) -> Datum {
    if is_null(row, index) {
        return Datum::Null;
    }
    let type_name = row
        .columns()
        .get(index)
        .map(|c| c.type_info().name().to_string())
        .unwrap_or_default();
    let decoded = if bit {
        typed::<Vec<u8>>(row, index).map(|b| bits_to_int(&b))
    } else {
        match (kind, type_name.as_str()) {
            (ValueKind::Integer, name) if name.ends_with("UNSIGNED") => typed::<u64>(row, index)
                .map(|v| {
                    i64::try_from(v)
                        .map(Datum::Int)
                        .unwrap_or_else(|_| Datum::Text(v.to_string()))
                }),
            (ValueKind::Integer, _) => typed::<i64>(row, index).map(Datum::Int),
            (ValueKind::Boolean, _) => typed::<i64>(row, index).map(|v| Datum::Bool(v != 0)),
            (ValueKind::Float, _) => typed::<f64>(row, index).map(Datum::Float),
            (ValueKind::Binary, _) => typed::<Vec<u8>>(row, index).map(Datum::Bytes),
            (ValueKind::Temporal, "DATE") => {
                typed::<NaiveDate>(row, index).map(|d| Datum::Text(d.to_string()))
            }
            (ValueKind::Temporal, "DATETIME" | "TIMESTAMP") => typed::<NaiveDateTime>(row, index)
                .map(|d| Datum::Text(d.format("%Y-%m-%d %H:%M:%S%.f").to_string())),
            (ValueKind::Temporal, "TIME") => typed::<sqlx::mysql::types::MySqlTime>(row, index)
                .map(|t| Datum::Text(t.to_string())),
            (ValueKind::Temporal, "YEAR") => {
                typed::<i64>(row, index).map(|y| Datum::Text(y.to_string()))
            }
            _ => typed::<String>(row, index).map(Datum::Text),
        }
    };
    decoded.unwrap_or_else(|| match typed::<String>(row, index) {
        Some(text) => Datum::Text(text),
        None => Datum::Bytes(typed::<Vec<u8>>(row, index).unwrap_or_default()),
    })
}

fn bind_values<'q>(
    mut query: Query<'q, MySql, MySqlArguments>,
    values: &[Scalar],
) -> Query<'q, MySql, MySqlArguments> {
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
