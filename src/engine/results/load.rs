//! Copies one kept variable into the `results` database as a table of its name.
//!
//! The table is made again from scratch (`DROP TABLE IF EXISTS`, `CREATE TABLE` with the types
//! of [`super::columns`]) and filled with multi-row prepared `INSERT`s (sqlx caches the prepared
//! statement, so each batch only binds values), all inside one savepoint: a 700,000-row table is
//! one transaction, and a failure or the stop button rolls back to the table as it was. Rows are
//! converted a batch at a time under the variable store's lock, so no second copy of a large
//! variable is made. The stop button is checked between batches (each takes well under a
//! millisecond).

use sqlx::sqlite::{SqliteArguments, SqliteConnection};
use sqlx::{AssertSqlSafe, Executor, Sqlite};
use tokio_util::sync::CancellationToken;

use super::columns::{Shape, rows, shape_of};
use super::names::quote_identifier;
use crate::engine::EngineError;
use crate::result::Datum;
use crate::session::variables::SharedVariables;

/// SQLite accepts 32,766 parameters per statement since 3.32, 999 before; staying under 999
/// keeps every build working and still binds hundreds of rows per statement.
const MAX_PARAMETERS: usize = 999;
const MAX_ROWS_PER_INSERT: usize = 500;

/// Loads `name` (as it is now in `variables`) into table `name`.
pub async fn load(
    conn: &mut SqliteConnection,
    name: &str,
    variables: &SharedVariables,
    cancel: &CancellationToken,
) -> Result<(), EngineError> {
    let shape = {
        let vars = variables.lock();
        let variable = vars
            .get(name)
            .ok_or_else(|| EngineError::usage(format!("no kept result named {name}")))?;
        let command = vars.source(name).and_then(|s| s.redis_command.clone());
        shape_of(variable, command.as_deref())
            .map_err(|why| EngineError::usage(format!("{name} is {why}")))?
    };
    plain(conn, "SAVEPOINT dbkernel_results_load")
        .await
        .map_err(|e| failed(name, e))?;
    match fill(conn, name, &shape, variables, cancel).await {
        Ok(()) => plain(conn, "RELEASE dbkernel_results_load")
            .await
            .map_err(|e| failed(name, e)),
        Err(error) => {
            let _ = plain(conn, "ROLLBACK TO dbkernel_results_load").await;
            let _ = plain(conn, "RELEASE dbkernel_results_load").await;
            Err(error)
        }
    }
}

/// Drops the table a variable had (the variable was removed or is no longer a table).
pub async fn drop_table(conn: &mut SqliteConnection, name: &str) -> Result<(), EngineError> {
    plain(
        conn,
        &format!("DROP TABLE IF EXISTS {}", quote_identifier(name)),
    )
    .await
    .map_err(|e| failed(name, e))
}

async fn fill(
    conn: &mut SqliteConnection,
    name: &str,
    shape: &Shape,
    variables: &SharedVariables,
    cancel: &CancellationToken,
) -> Result<(), EngineError> {
    let table = quote_identifier(name);
    let columns: Vec<String> = shape
        .columns
        .iter()
        .map(|(column, ty)| format!("{} {}", quote_identifier(column), ty.name()))
        .collect();
    plain(conn, &format!("DROP TABLE IF EXISTS {table}"))
        .await
        .map_err(|e| failed(name, e))?;
    plain(
        conn,
        &format!("CREATE TABLE {table} ({})", columns.join(", ")),
    )
    .await
    .map_err(|e| failed(name, e))?;
    let width = shape.columns.len().max(1);
    let per_insert = (MAX_PARAMETERS / width).clamp(1, MAX_ROWS_PER_INSERT);
    let one_row = format!("({})", vec!["?"; width].join(", "));
    let full_insert = insert_text(&table, &one_row, per_insert);
    let mut start = 0;
    while start < shape.rows {
        if cancel.is_cancelled() {
            return Err(EngineError::interrupted().with_detail(format!(
                "stopped while loading {name} into '{}'; nothing of it was kept",
                super::names::CONNECTION
            )));
        }
        let end = (start + per_insert).min(shape.rows);
        let batch = {
            let vars = variables.lock();
            let variable = vars
                .get(name)
                .ok_or_else(|| EngineError::usage(format!("{name} was removed while loading")))?;
            rows(variable, shape, start..end)
        };
        let text = if end - start == per_insert {
            full_insert.clone()
        } else {
            insert_text(&table, &one_row, end - start)
        };
        let mut query = sqlx::query(AssertSqlSafe(text));
        for row in batch {
            for value in row {
                query = bind(query, value);
            }
        }
        conn.execute(query).await.map_err(|e| failed(name, e))?;
        start = end;
    }
    Ok(())
}

fn insert_text(table: &str, one_row: &str, rows: usize) -> String {
    format!(
        "INSERT INTO {table} VALUES {}",
        vec![one_row; rows].join(", ")
    )
}

fn bind(
    query: sqlx::query::Query<'_, Sqlite, SqliteArguments>,
    value: Datum,
) -> sqlx::query::Query<'_, Sqlite, SqliteArguments> {
    match value {
        Datum::Null => query.bind(None::<i64>),
        Datum::Bool(b) => query.bind(b),
        Datum::Int(i) => query.bind(i),
        Datum::Float(f) => query.bind(f),
        Datum::Text(s) => query.bind(s),
        Datum::Bytes(b) => query.bind(b),
    }
}

async fn plain(conn: &mut SqliteConnection, sql: &str) -> Result<(), sqlx::Error> {
    conn.execute(sqlx::raw_sql(AssertSqlSafe(sql.to_string())))
        .await
        .map(|_| ())
}

/// SQLite's own message, with which variable was being loaded.
fn failed(name: &str, error: sqlx::Error) -> EngineError {
    let failure = crate::engine::sql::error::classify(&error, "");
    EngineError::new(
        failure.ename,
        format!(
            "loading the kept result {name} into '{}' failed: {}",
            super::names::CONNECTION,
            failure.message
        ),
    )
}
