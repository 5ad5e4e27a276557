//! Engines: what a cell does against a database.
//!
//! The kernel hands each cell to an [`Engine`] (one per named connection, so a connection is one
//! pinned session). An engine produces engine-neutral results ([`crate::result::QueryResult`])
//! through a [`CellContext`]; it never builds HTML or text for display — renderers do that.
//!
//! Every engine is cancellable: [`CellContext::cancel`] fires when the user presses Jupyter's stop
//! button, and the engine must cancel the running statement *on the server* (PostgreSQL cancel
//! request, MySQL `KILL QUERY`, SQLite interrupt, Mongo `killOp`, closing a blocked Redis
//! connection), return [`EngineError::interrupted`], and leave the connection usable for the next
//! cell.

pub mod context;
pub mod error;
pub mod mql;
pub mod pasted;
pub mod progress;
pub mod redis;
pub mod registry;
pub mod results;
pub mod sql;

pub use context::CellContext;
pub use error::EngineError;

use async_trait::async_trait;

use crate::cell::Cell;

/// Which cell language an engine speaks; used to pick the default connection for a magic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    Sql,
    Mql,
    Redis,
}

impl Language {
    pub fn magic(self) -> &'static str {
        match self {
            Language::Sql => "sql",
            Language::Mql => "mql",
            Language::Redis => "redis",
        }
    }
}

/// One live connection (a pinned session) that can run cells of one language.
#[async_trait]
pub trait Engine: Send + Sync {
    /// The language this connection runs.
    fn language(&self) -> Language;

    /// What `%connections` shows for this connection: kind and URL with any password masked.
    fn describe(&self) -> String;

    /// Runs one cell body. Results are emitted through `ctx` as they are produced (rows stream:
    /// keep the display limit's rows, count the rest). Returns when the cell is done, failed, or
    /// was cancelled through `ctx.cancel`.
    async fn execute(&self, cell: &Cell, ctx: &mut CellContext) -> Result<(), EngineError>;

    /// State the user cannot see in the cell but that changes what the next cell does: an open
    /// SQL transaction (`BEGIN` without `COMMIT`), a failed one waiting for `ROLLBACK`, a Redis
    /// `MULTI` with its queued commands. `None` when there is nothing open. Shown by
    /// `%connections` and said on restart/shutdown (what was rolled back). Must not block: an
    /// engine answers from what it last saw (`try_lock`), never by asking the server.
    fn open_transaction(&self) -> Option<String> {
        None
    }

    /// The schema completion and inspection read ([`crate::catalog`]): tables and columns,
    /// collections and sampled fields, Redis command docs. Must change nothing in the user's
    /// session (a side connection, or read-only catalog queries) and must wait for a running cell
    /// rather than interrupt it. `None`: this engine has no catalog.
    async fn catalog(&self) -> Option<Result<crate::catalog::Catalog, String>> {
        None
    }

    /// The tables only the user's session sees (its temporary tables, and those its open
    /// transaction created or altered), read on the session itself between cells: the engine
    /// takes its session only if no cell holds it (`try_lock`, never waiting), skips a failed
    /// transaction, and runs read-only catalog queries that prepare nothing. `None`: this engine
    /// has no such tables (default), or the session was busy.
    async fn session_tables(&self) -> Option<Result<crate::catalog::SessionTables, String>> {
        None
    }

    /// A question the snapshot cannot answer (Redis keys by prefix, one key's details), in
    /// bounded time and under the same rules as [`Engine::catalog`]. Default: not supported.
    async fn lookup(
        &self,
        _question: &crate::catalog::Lookup,
    ) -> Option<Result<crate::catalog::Found, String>> {
        None
    }

    /// Whether this is the built-in `results` connection, whose tables are the kept variables
    /// (`{{name}}` is then a table, not a mistake). Default: no.
    fn reads_kept_results(&self) -> bool {
        false
    }

    /// Closes the connection (kernel shutdown or `%connect` replacing the name). Default: nothing.
    async fn close(&self) {}
}
