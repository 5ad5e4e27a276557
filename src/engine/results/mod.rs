//! The built-in `results` connection: SQL over kept results from any language.
//!
//! `%%sql results` (or `%use results`) runs SQL on a private SQLite database in memory where every
//! kept variable — a `--out` table from any SQL connection, MongoDB documents, a Redis reply, an
//! `%import`ed file — is a table by its name: `SELECT … FROM orders JOIN customers USING (id)`.
//! `{{orders}}` means the same. Tables are loaded lazily, only those a cell names, and loaded again
//! when their variable changes (a cell kept a new result under the name) or dropped when it is
//! removed (`%del`); the result of a query here can be kept again with `--out`. Everything else is
//! the ordinary SQLite engine: statements, errors with carets, `:name` parameters, the display
//! limit and the exact row count, the stop button (SQLite's interrupt), `--export`, `--explain`.
//!
//! Why SQLite and not an Arrow query engine such as DataFusion: sqlx's SQLite driver is already
//! part of the kernel (the default SQL connection), so this adds no dependency and no build time,
//! and users get the SQL dialect, error messages and plans of a database they already meet in the
//! course. The price is a copy: variables are loaded row by row (in one transaction, with prepared
//! multi-row inserts) rather than scanned in place as Arrow batches.
//!
//! Module map: `names` (which variables a cell names; `{{name}}`; the refusal on other
//! connections), `columns` (the type mapping, one place), `load` (the copy).

pub mod columns;
mod load;
pub mod names;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_trait::async_trait;

use crate::cell::Cell;
use crate::engine::sql::SqlEngine;
use crate::engine::{CellContext, Engine, EngineError, Language};
pub use names::CONNECTION;

/// The URL the connection list holds for the built-in connection.
pub const URL: &str = "results";

pub struct ResultsEngine {
    sql: SqlEngine,
    /// Tables loaded from variables, with the variable's version they hold.
    loaded: std::sync::Mutex<HashMap<String, u64>>,
}

/// Opens the private in-memory database.
pub async fn open(
    options: &crate::engine::registry::OpenOptions,
) -> Result<Arc<dyn Engine>, EngineError> {
    let sql = crate::engine::sql::open_engine("sqlite::memory:", options).await?;
    Ok(Arc::new(ResultsEngine {
        sql,
        loaded: Default::default(),
    }))
}

/// What a cell needs done before its statements run.
struct Plan {
    body: String,
    load: Vec<String>,
    drop: Vec<String>,
}

impl ResultsEngine {
    fn loaded(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        self.loaded.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Which tables to (re)load and drop: the variables the cell names that are not loaded as
    /// they are now; tables loaded earlier whose variable changed (reloaded, so that views over
    /// them stay right) or is gone (dropped). `existing` are the tables the database has now (a
    /// rolled-back transaction or a `DROP TABLE` may have taken one).
    fn plan(
        &self,
        cell: &Cell,
        ctx: &CellContext<'_>,
        existing: &HashSet<String>,
    ) -> Result<Plan, EngineError> {
        let vars = ctx.variables.lock();
        let body = names::rewrite_braces(&cell.body, &vars)?;
        let mut loaded = self.loaded();
        loaded.retain(|name, _| existing.contains(name));
        let current = |name: &str| {
            vars.get(name)
                .filter(|v| names::is_tabular(v))
                .and(vars.version(name))
        };
        let mut load = Vec::new();
        let mut drop = Vec::new();
        for (name, version) in loaded.iter() {
            match current(name) {
                None => drop.push(name.clone()),
                Some(now) if now != *version => load.push(name.clone()),
                Some(_) => {}
            }
        }
        for name in names::referenced(&body, &vars) {
            if !loaded.contains_key(&name) && !load.contains(&name) {
                load.push(name);
            }
        }
        load.sort();
        drop.sort();
        Ok(Plan { body, load, drop })
    }

    async fn prepare(&self, cell: &Cell, ctx: &mut CellContext<'_>) -> Result<String, EngineError> {
        let mut conn = self.sql.sqlite_connection().await.ok_or_else(|| {
            EngineError::new(
                "SqlError[connection]",
                "the results database is closed; restart the kernel",
            )
        })?;
        let existing: HashSet<String> =
            sqlx::query_scalar::<_, String>("SELECT name FROM sqlite_schema WHERE type = 'table'")
                .fetch_all(&mut *conn)
                .await
                .map_err(|e| EngineError::new("SqlError", e.to_string()))?
                .into_iter()
                .collect();
        let plan = self.plan(cell, ctx, &existing)?;
        for name in &plan.drop {
            load::drop_table(&mut conn, name).await?;
            self.loaded().remove(name);
        }
        for name in &plan.load {
            let version = ctx.variables.lock().version(name);
            self.loaded().remove(name);
            load::load(&mut conn, name, &ctx.variables, &ctx.cancel).await?;
            if let Some(version) = version {
                self.loaded().insert(name.clone(), version);
            }
        }
        Ok(plan.body)
    }
}

#[async_trait]
impl Engine for ResultsEngine {
    fn language(&self) -> Language {
        Language::Sql
    }

    fn describe(&self) -> String {
        "kept results (SQLite in memory; each kept variable is a table by its name)".into()
    }

    fn reads_kept_results(&self) -> bool {
        true
    }

    async fn execute(&self, cell: &Cell, ctx: &mut CellContext) -> Result<(), EngineError> {
        let body = self.prepare(cell, ctx).await?;
        let mut cell = cell.clone();
        cell.body = body;
        self.sql.execute(&cell, ctx).await
    }

    fn open_transaction(&self) -> Option<String> {
        self.sql.open_transaction()
    }

    async fn catalog(&self) -> Option<Result<crate::catalog::Catalog, String>> {
        let mut catalog = self.sql.catalog().await?;
        // Tables copied from variables are marked, so that completion hides one whose variable
        // was removed (it is dropped before the next cell here runs).
        if let Ok(crate::catalog::Catalog::Sql(sql)) = &mut catalog {
            let loaded = self.loaded();
            for table in &mut sql.tables {
                if table.schema == "main" && loaded.contains_key(&table.name) {
                    table.kind = crate::catalog::kept::LOADED.into();
                }
            }
        }
        Some(catalog)
    }

    async fn close(&self) {
        self.sql.close().await;
    }
}
