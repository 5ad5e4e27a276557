//! The `%%sql` engine's catalog for completion and inspection ([`crate::catalog::SqlCatalog`]).
//!
//! PostgreSQL and MySQL/MariaDB are read on a side connection of the engine's own (opened on
//! first use with the connect timeout, read-only, statements time-limited), so nothing ever runs
//! on the user's session: an open or failed transaction, `SET` values and `LAST_INSERT_ID()` stay
//! as they were. What only the session sees — its temporary tables, the uncommitted DDL of its
//! open transaction — is read on the session between cells by [`read_pg_session`] (PostgreSQL;
//! MySQL/MariaDB commit DDL at once, and list no temporary tables anywhere). SQLite is read on the session itself, because an in-memory database exists only
//! there; its catalog queries are plain reads, and they wait for a running cell to end (the
//! engine's lock) instead of interrupting it. Functions and keywords are read once per
//! connection; tables, columns and indexes on every refresh.

mod mysql;
mod postgres;
mod sqlite;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, ConnectOptions, Row};

use super::lex::Dialect;
use crate::catalog::{RowCount, SqlCatalog, SqlColumn, SqlFunction, SqlIndex, SqlTable};

/// How long a SQLite catalog read waits for the running cell to release the session.
const SESSION_WAIT: Duration = Duration::from_secs(10);

type Rows = Vec<Vec<Option<String>>>;

/// The side connection and what is read only once.
pub struct Side {
    url: String,
    connect_timeout: Duration,
    conn: tokio::sync::Mutex<Option<SideConnection>>,
    fixed: tokio::sync::Mutex<Option<(Vec<SqlFunction>, Vec<String>)>>,
}

enum SideConnection {
    Postgres(PgConnection),
    MySql(Box<mysql_async::Conn>),
}

impl Side {
    pub fn new(url: &str, connect_timeout: Duration) -> Side {
        Side {
            url: url.to_string(),
            connect_timeout,
            conn: Default::default(),
            fixed: Default::default(),
        }
    }
}

impl Side {
    /// Closes the side connection (the engine is closing).
    pub async fn close(&self) {
        let conn = self.conn.lock().await.take();
        match conn {
            Some(SideConnection::Postgres(c)) => {
                let _ = sqlx::Connection::close(c).await;
            }
            Some(SideConnection::MySql(c)) => {
                let _ = c.disconnect().await;
            }
            None => {}
        }
    }
}

/// Reads the catalog of `engine`.
pub async fn read(engine: &super::SqlEngine) -> Result<SqlCatalog, String> {
    let dialect = engine.dialect;
    let mut rows_of = Reader {
        engine,
        session: None,
    };
    let result = read_with(&mut rows_of, dialect, &engine.catalog).await;
    if result.is_err() && dialect != Dialect::Sqlite {
        // A dropped side connection is opened again on the next refresh.
        *engine.catalog.conn.lock().await = None;
    }
    result
}

async fn read_with(
    reader: &mut Reader<'_>,
    dialect: Dialect,
    side: &Side,
) -> Result<SqlCatalog, String> {
    let (columns, indexes, schemas, default_schema) = match dialect {
        Dialect::Postgres => (
            postgres::COLUMNS,
            postgres::INDEXES,
            postgres::SCHEMAS,
            Some(postgres::DEFAULT_SCHEMA),
        ),
        Dialect::MySql => (
            mysql::COLUMNS,
            mysql::INDEXES,
            mysql::SCHEMAS,
            Some(mysql::DEFAULT_SCHEMA),
        ),
        Dialect::Sqlite => (sqlite::COLUMNS, sqlite::INDEXES, sqlite::SCHEMAS, None),
    };
    let column_rows = reader.rows(columns).await?;
    let index_rows = reader.rows(indexes).await?;
    let schemas = first_column(reader.rows(schemas).await?);
    let default_schema = match default_schema {
        Some(query) => first_column(reader.rows(query).await?)
            .into_iter()
            .next()
            .unwrap_or_default(),
        None => "main".to_string(),
    };
    let mut catalog = SqlCatalog {
        dialect: dialect.name().to_string(),
        default_schema,
        schemas,
        tables: assemble(column_rows, index_rows),
        ..Default::default()
    };
    if dialect == Dialect::Sqlite {
        count_sqlite_rows(reader, &mut catalog.tables).await;
    }
    let mut fixed = side.fixed.lock().await;
    if fixed.is_none() {
        *fixed = Some(read_fixed(reader, dialect).await);
    }
    if let Some((functions, keywords)) = fixed.as_ref() {
        catalog.functions = functions.clone();
        catalog.keywords = keywords.clone();
    }
    Ok(catalog)
}

/// The tables only this PostgreSQL session sees, read on the session itself (the caller holds
/// it between cells): its temporary tables (schema `pg_temp`, which is on its search path) and
/// the relations whose catalog row its open transaction wrote (`xmin` is the transaction's id,
/// which `pg_current_xact_id_if_assigned` reports without assigning one). The queries go by the
/// simple protocol, so nothing is prepared on the user's connection, and they only read
/// `pg_catalog`, which is fine inside the user's transaction. In a transaction that wrote
/// something, the names the session sees are read too, so an uncommitted `DROP` hides a table.
/// Not seen: DDL under a savepoint (its rows carry the subtransaction's id).
pub async fn read_pg_session(
    conn: &mut PgConnection,
) -> Result<crate::catalog::SessionTables, String> {
    let only_ours =
        "(n.oid = pg_my_temp_schema() OR c.xmin = pg_current_xact_id_if_assigned()::xid)";
    let columns = postgres::COLUMNS.replace("n.nspname NOT LIKE 'pg_temp%'", only_ours);
    let indexes = postgres::INDEXES
        .replace("n.nspname NOT LIKE 'pg_temp%'", only_ours)
        // `c` in the filter is the indexed table.
        .replace("c.xmin", "t.xmin");
    let column_rows = simple_rows(conn, &columns).await?;
    let index_rows = simple_rows(conn, &indexes).await?;
    let mut tables = assemble(column_rows, index_rows);
    for table in &mut tables {
        if table.schema.starts_with("pg_temp_") {
            // The session's own temporary schema goes by `pg_temp` in SQL.
            table.schema = "pg_temp".into();
            if table.kind == "table" {
                table.kind = "temporary table".into();
            }
        }
        table.session_only = true;
    }
    let visible = match simple_rows(conn, postgres::SESSION_NAMES).await? {
        rows if rows.is_empty() => None,
        rows => Some(
            rows.into_iter()
                .filter_map(|row| {
                    let mut row = row.into_iter();
                    Some((row.next()??, row.next()??))
                })
                .collect(),
        ),
    };
    Ok(crate::catalog::SessionTables { tables, visible })
}

/// Rows of text by the simple query protocol (no statement is prepared on the connection).
async fn simple_rows(conn: &mut PgConnection, query: &str) -> Result<Rows, String> {
    let rows = sqlx::raw_sql(AssertSqlSafe(query.to_string()))
        .fetch_all(conn)
        .await
        .map_err(|e| e.to_string())?;
    Ok(rows
        .iter()
        .map(|row| {
            (0..row.len())
                .map(|i| row.try_get::<Option<String>, _>(i).ok().flatten())
                .collect()
        })
        .collect())
}

/// Functions and keywords, which change rarely: read once per connection.
async fn read_fixed(reader: &mut Reader<'_>, dialect: Dialect) -> (Vec<SqlFunction>, Vec<String>) {
    let functions_query = match dialect {
        Dialect::Postgres => postgres::FUNCTIONS,
        Dialect::MySql => mysql::FUNCTIONS,
        Dialect::Sqlite => sqlite::FUNCTIONS,
    };
    let mut functions = functions_of(reader.rows(functions_query).await.unwrap_or_default());
    if dialect == Dialect::MySql {
        functions.extend(mysql::BUILTINS.iter().map(|(name, signature)| SqlFunction {
            schema: String::new(),
            name: name.to_string(),
            signatures: vec![signature.to_string()],
            description: None,
        }));
    }
    let keywords = match dialect {
        Dialect::Postgres => {
            first_column(reader.rows(postgres::KEYWORDS).await.unwrap_or_default())
        }
        Dialect::MySql => first_column(reader.rows(mysql::KEYWORDS).await.unwrap_or_default()),
        Dialect::Sqlite => Vec::new(),
    };
    let keywords = if !keywords.is_empty() {
        keywords
    } else if dialect == Dialect::Sqlite {
        sqlite::KEYWORDS.iter().map(|k| k.to_string()).collect()
    } else {
        crate::complete::words::SQL_KEYWORDS
            .iter()
            .map(|k| k.to_string())
            .collect()
    };
    (functions, keywords)
}

/// Bounded row counts for SQLite tables, which have no estimate of their own.
async fn count_sqlite_rows(reader: &mut Reader<'_>, tables: &mut [SqlTable]) {
    for table in tables
        .iter_mut()
        .filter(|t| t.kind == "table")
        .take(sqlite::COUNTED_TABLES)
    {
        let query = format!(
            "SELECT CAST(count(*) AS TEXT) FROM (SELECT 1 FROM \"{}\".\"{}\" LIMIT {})",
            table.schema.replace('"', "\"\""),
            table.name.replace('"', "\"\""),
            sqlite::COUNT_BOUND + 1
        );
        let Ok(rows) = reader.rows(&query).await else {
            continue;
        };
        let count: Option<i64> = first_column(rows).first().and_then(|n| n.parse().ok());
        table.rows = count.map(|n| {
            if n > sqlite::COUNT_BOUND {
                RowCount::AtLeast(sqlite::COUNT_BOUND)
            } else {
                RowCount::Exact(n)
            }
        });
    }
}

/// Tables from (schema, table, kind, column, type, nullable, default, rows) rows in table order,
/// with their indexes from (schema, table, name, definition) rows.
fn assemble(columns: Rows, indexes: Rows) -> Vec<SqlTable> {
    let mut tables: Vec<SqlTable> = Vec::new();
    for row in columns {
        let text = |i: usize| row.get(i).cloned().flatten();
        let (schema, name) = (text(0).unwrap_or_default(), text(1).unwrap_or_default());
        let same = tables
            .last()
            .is_some_and(|t| t.schema == schema && t.name == name);
        if !same {
            tables.push(SqlTable {
                schema,
                name,
                kind: text(2).unwrap_or_else(|| "table".into()).to_lowercase(),
                rows: text(7).and_then(|n| n.parse().ok()).map(RowCount::Estimate),
                ..Default::default()
            });
        }
        if let (Some(table), Some(column)) = (tables.last_mut(), text(3)) {
            table.columns.push(SqlColumn {
                name: column,
                data_type: text(4).unwrap_or_default(),
                nullable: text(5).as_deref() != Some("0"),
                default: text(6),
            });
        }
    }
    for row in indexes {
        let text = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
        if let Some(table) = tables
            .iter_mut()
            .find(|t| t.schema == text(0) && t.name == text(1))
        {
            table.indexes.push(SqlIndex {
                name: text(2),
                definition: text(3),
            });
        }
    }
    tables
}

/// Functions from (schema, name, signature, description) rows, overloads together.
fn functions_of(rows: Rows) -> Vec<SqlFunction> {
    let mut functions: Vec<SqlFunction> = Vec::new();
    for row in rows {
        let text = |i: usize| row.get(i).cloned().flatten();
        let (schema, name) = (text(0).unwrap_or_default(), text(1).unwrap_or_default());
        if !functions
            .last()
            .is_some_and(|f| f.schema == schema && f.name == name)
        {
            functions.push(SqlFunction {
                schema,
                name,
                ..Default::default()
            });
        }
        let Some(function) = functions.last_mut() else {
            continue;
        };
        if let Some(signature) = text(2)
            && function.signatures.len() < 8
        {
            function.signatures.push(signature);
        }
        if function.description.is_none() {
            function.description = text(3);
        }
    }
    functions
}

fn first_column(rows: Rows) -> Vec<String> {
    rows.into_iter()
        .filter_map(|r| r.into_iter().next().flatten())
        .collect()
}

/// Runs catalog queries: on the side connection (opened on first use), or on the SQLite
/// session, locked once for the whole read.
struct Reader<'a> {
    engine: &'a super::SqlEngine,
    session: Option<tokio::sync::MutexGuard<'a, super::State>>,
}

impl Reader<'_> {
    async fn rows(&mut self, query: &str) -> Result<Rows, String> {
        let engine = self.engine;
        if engine.dialect == Dialect::Sqlite {
            if self.session.is_none() {
                let locked = tokio::time::timeout(SESSION_WAIT, engine.state.lock())
                    .await
                    .map_err(|_| crate::catalog::SESSION_BUSY.to_string())?;
                self.session = Some(locked);
            }
            let Some(state) = self.session.as_mut() else {
                return Ok(Vec::new());
            };
            let super::Session::Sqlite(session) = &mut state.session else {
                return Ok(Vec::new());
            };
            let Some(conn) = session.connection() else {
                return Err("closed".into());
            };
            let rows = sqlx::query(AssertSqlSafe(query.to_string()))
                .fetch_all(conn)
                .await
                .map_err(|e| e.to_string())?;
            return Ok(rows
                .iter()
                .map(|row| (0..row.len()).map(|i| sqlite_text(row, i)).collect())
                .collect());
        }
        let side = &engine.catalog;
        let mut conn = side.conn.lock().await;
        if conn.is_none() {
            *conn = Some(open_side(side, engine.dialect).await?);
        }
        match conn.as_mut() {
            Some(SideConnection::Postgres(c)) => {
                let rows = sqlx::query(AssertSqlSafe(query.to_string()))
                    .fetch_all(c)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(rows
                    .iter()
                    .map(|row| {
                        (0..row.len())
                            .map(|i| row.try_get::<Option<String>, _>(i).ok().flatten())
                            .collect()
                    })
                    .collect())
            }
            Some(SideConnection::MySql(c)) => super::mysql::text_rows(c, query)
                .await
                .map_err(|e| e.to_string()),
            None => Err("no side connection".into()),
        }
    }
}

async fn open_side(side: &Side, dialect: Dialect) -> Result<SideConnection, String> {
    let quiet = |level| (level, Duration::from_secs(3600));
    let connect = async {
        match dialect {
            Dialect::Postgres => {
                let (off, slow) = quiet(log::LevelFilter::Off);
                let options = PgConnectOptions::from_str(&side.url)
                    .map_err(|e| e.to_string())?
                    .log_statements(off)
                    .log_slow_statements(off, slow);
                let mut conn = options.connect().await.map_err(|e| e.to_string())?;
                for setting in postgres::SETUP {
                    let _ = sqlx::query(*setting).execute(&mut conn).await;
                }
                Ok(SideConnection::Postgres(conn))
            }
            _ => {
                let mut options = super::mysql_options::parse(&side.url)?;
                let mut conn = super::mysql::open(&mut options)
                    .await
                    .map_err(|e| e.to_string())?;
                for setting in mysql::SETUP {
                    let _ = super::mysql::text_rows(&mut conn, setting).await;
                }
                Ok(SideConnection::MySql(Box::new(conn)))
            }
        }
    };
    tokio::time::timeout(side.connect_timeout, connect)
        .await
        .map_err(|_| "the catalog connection timed out".to_string())?
}

/// A SQLite value as text, whatever its storage class.
fn sqlite_text(row: &sqlx::sqlite::SqliteRow, i: usize) -> Option<String> {
    if let Ok(text) = row.try_get::<Option<String>, _>(i) {
        return text;
    }
    if let Ok(n) = row.try_get::<Option<i64>, _>(i) {
        return n.map(|n| n.to_string());
    }
    row.try_get::<Option<f64>, _>(i)
        .ok()
        .flatten()
        .map(|x| x.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(values: &[Option<&str>]) -> Vec<Option<String>> {
        values.iter().map(|v| v.map(str::to_string)).collect()
    }

    #[test]
    fn rows_become_tables_with_columns_and_indexes_in_order() {
        let columns = vec![
            row(&[
                Some("public"),
                Some("t"),
                Some("table"),
                Some("id"),
                Some("integer"),
                Some("0"),
                None,
                Some("3"),
            ]),
            row(&[
                Some("public"),
                Some("t"),
                Some("table"),
                Some("name"),
                Some("text"),
                Some("1"),
                Some("'x'"),
                Some("3"),
            ]),
            row(&[
                Some("public"),
                Some("v"),
                Some("view"),
                Some("id"),
                Some("integer"),
                Some("1"),
                None,
                None,
            ]),
        ];
        let indexes = vec![row(&[
            Some("public"),
            Some("t"),
            Some("t_pkey"),
            Some("CREATE UNIQUE INDEX t_pkey ON public.t USING btree (id)"),
        ])];
        let tables = assemble(columns, indexes);
        assert_eq!(tables.len(), 2);
        assert_eq!(tables[0].columns.len(), 2);
        assert!(!tables[0].columns[0].nullable);
        assert_eq!(tables[0].columns[1].default.as_deref(), Some("'x'"));
        assert_eq!(tables[0].rows, Some(RowCount::Estimate(3)));
        assert_eq!(tables[0].indexes[0].name, "t_pkey");
        assert_eq!(tables[1].kind, "view");
    }
}
