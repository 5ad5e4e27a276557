//! The %%sql engine: SQLite and PostgreSQL through sqlx, MySQL/MariaDB through mysql_async.
//!
//! Each named connection is one pinned session (a single driver connection behind a mutex, not a
//! pool), so `BEGIN` in one cell and `COMMIT` in a later one work and temp tables and `SET`
//! persist. A cell is split into statements ([`split`]); each runs on its own and its result is
//! emitted as soon as it is done: rows as a table (kept up to the display limit, the rest only
//! counted), anything else as a status line with a psql-like command tag ([`status`]). The first
//! failing statement stops the cell with the server's code, its position marked with a caret
//! ([`error`]). `:name` binds kernel variables as real parameters ([`bind`]). The stop button
//! cancels on the server ([`cancel`]) and leaves the connection usable.
//!
//! Module map: `lex` (tokens) → `split` (statements) → `bind` (parameters) → `driver` (one
//! statement's contract) implemented by `postgres` (+ `copy`, `pg_binary`, `notice`), `mysql`,
//! `sqlite`; `literal` writes bound values for `EXECUTE` so bound statements come back as text
//! too; `explain` decides what `--explain/--analyze` send (and never runs the rest); `rows`
//! buffers streamed rows, `types` maps database types to the result model, `status` names
//! commands and tracks the transaction state, `error` shapes failures.

pub mod bind;
mod cancel;
mod catalog;
mod copy;
mod driver;
pub mod error;
mod explain;
mod floats;
mod hints;
pub mod lex;
mod literal;
mod meta;
mod mysql;
mod mysql_options;
mod notice;
mod pg_binary;
mod pg_defaults;
pub mod plan;
mod postgres;
mod rows;
pub mod split;
mod sqlite;
pub mod status;
pub mod types;

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Instant;

use async_trait::async_trait;

use self::driver::{ConnectError, Outcome, Run, Sent};
use self::error::{Failure, Place, classify, report};
use self::lex::Dialect;
use self::rows::RowBuffer;
use self::status::TxnState;
use crate::cell::Cell;
use crate::engine::registry::mask_password;
use crate::engine::{CellContext, Engine, EngineError, Language};
use crate::result::{Layout, PlanResult, Provenance, QueryResult, Status};
use crate::session::variables::Variable;

/// The live connection of one session, per database.
enum Session {
    Postgres(Box<postgres::PgSession>),
    MySql(Box<mysql::MySqlSession>),
    Sqlite(sqlite::SqliteSession),
}

impl Session {
    /// Makes sure there is a live connection; `Ok(true)` when it had to open a new one.
    async fn ensure_connected(&mut self) -> Result<bool, ConnectError> {
        match self {
            Session::Postgres(s) => s.ensure_connected().await,
            Session::MySql(s) => s.ensure_connected().await,
            // An in-process database cannot drop its connection.
            Session::Sqlite(_) => Ok(false),
        }
    }

    async fn run(&mut self, run: Run<'_>) -> Outcome {
        match self {
            Session::Postgres(s) => s.run(run).await,
            Session::MySql(s) => s.run(run).await,
            Session::Sqlite(s) => s.run(run).await,
        }
    }

    /// Runs a short control statement (`BEGIN`, `SAVEPOINT`, `ROLLBACK`) that returns nothing.
    async fn run_plain(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        match self {
            Session::Postgres(s) => s.run_plain(sql).await,
            Session::MySql(s) => s.run_plain(sql).await,
            Session::Sqlite(s) => s.run_plain(sql).await,
        }
    }

    /// The tables among `tables` whose storage engine cannot roll back, with that engine
    /// (MySQL/MariaDB; every other database rolls back everything).
    async fn non_transactional(&mut self, tables: &[explain::TableName]) -> Vec<(String, String)> {
        match self {
            Session::MySql(s) => s.non_transactional(tables).await,
            _ => Vec::new(),
        }
    }

    /// Whether every statement is inside a transaction without a BEGIN (MySQL/MariaDB with
    /// `autocommit = 0`), which the keyword tracking cannot see.
    async fn implicit_transaction(&mut self) -> bool {
        match self {
            Session::MySql(s) => s.autocommit_off().await,
            _ => false,
        }
    }

    /// Whether the last statement left warning 1196 ("Some non-transactional changed tables
    /// couldn't be rolled back"): MySQL/MariaDB only.
    async fn rollback_was_incomplete(&mut self) -> bool {
        match self {
            Session::MySql(s) => s.warning_codes().await.contains(&1196),
            _ => false,
        }
    }

    /// The server's name as plans say it: MariaDB and MySQL differ in their plans.
    async fn server_name(&mut self) -> &'static str {
        match self {
            Session::Postgres(_) => "PostgreSQL",
            Session::Sqlite(_) => "SQLite",
            Session::MySql(s) => {
                if s.is_mariadb().await {
                    "MariaDB"
                } else {
                    "MySQL"
                }
            }
        }
    }

    async fn is_mariadb(&mut self) -> bool {
        match self {
            Session::MySql(s) => s.is_mariadb().await,
            _ => false,
        }
    }

    /// PostgreSQL notifications (LISTEN) that arrived between cells, as psql prints them.
    fn notifications(&mut self) -> Vec<String> {
        match self {
            Session::Postgres(s) => s.notifications(),
            _ => Vec::new(),
        }
    }

    fn drop_connection(&mut self) {
        match self {
            Session::Postgres(s) => s.drop_connection(),
            Session::MySql(s) => s.drop_connection(),
            Session::Sqlite(_) => {}
        }
    }

    async fn close(&mut self) {
        match self {
            Session::Postgres(s) => s.close().await,
            Session::MySql(s) => s.close().await,
            Session::Sqlite(s) => s.close().await,
        }
    }
}

struct State {
    session: Session,
    txn: TxnState,
}

/// One %%sql connection.
pub struct SqlEngine {
    dialect: Dialect,
    /// The URL with its password masked, for `%connections` and messages.
    shown_url: String,
    state: tokio::sync::Mutex<State>,
    /// `state.txn` as of the last statement, readable without the lock (which a running cell
    /// holds) for [`Engine::open_transaction`].
    txn_seen: AtomicU8,
    /// psql's `\x` setting for this connection's tables (a [`Layout`] as u8).
    layout: AtomicU8,
    /// Where completion's catalog is read from (a side connection; see [`catalog`]).
    catalog: catalog::Side,
}

/// The inverse of `layout as u8`.
fn layout_from_u8(value: u8) -> Layout {
    match value {
        1 => Layout::Expanded,
        2 => Layout::Auto,
        _ => Layout::Aligned,
    }
}

/// Opens a %%sql connection from its URL: `sqlite::memory:`, `sqlite:path.db`, `sqlite://path`,
/// `postgres://…`, `postgresql://…`, `mysql://…`, `mariadb://…`. Connects at once so that a bad
/// URL or an unreachable server is reported by `%connect`, not by the first cell.
pub async fn open(
    url: &str,
    options: &crate::engine::registry::OpenOptions,
) -> Result<Arc<dyn Engine>, EngineError> {
    Ok(Arc::new(open_engine(url, options).await?))
}

/// [`open`], keeping the concrete engine (the `results` connection wraps a SQLite one).
pub(crate) async fn open_engine(
    url: &str,
    options: &crate::engine::registry::OpenOptions,
) -> Result<SqlEngine, EngineError> {
    let limit = options.connect_timeout;
    let scheme = url.split(':').next().unwrap_or("").to_ascii_lowercase();
    let shown_url = mask_password(url);
    let connected = match scheme.as_str() {
        // A local file: the timeout has nothing to wait for.
        "sqlite" => sqlite::SqliteSession::connect(url)
            .await
            .map_err(ConnectError::invalid)
            .map(|s| (Dialect::Sqlite, Session::Sqlite(s))),
        "postgres" | "postgresql" => postgres::PgSession::connect(url, limit)
            .await
            .map(|s| (Dialect::Postgres, Session::Postgres(Box::new(s)))),
        "mysql" | "mariadb" => mysql::MySqlSession::connect(url, limit)
            .await
            .map(|s| (Dialect::MySql, Session::MySql(Box::new(s)))),
        _ => {
            return Err(EngineError::usage(format!(
                "'{shown_url}' is not a SQL URL; use sqlite::memory:, sqlite:path.db, postgres://user@host/db or mysql://user@host/db"
            )));
        }
    };
    let (dialect, session) = connected.map_err(|e| connect_error(url, &shown_url, &e))?;
    Ok(SqlEngine {
        dialect,
        shown_url,
        state: tokio::sync::Mutex::new(State {
            session,
            txn: TxnState::Idle,
        }),
        txn_seen: AtomicU8::new(TxnState::Idle as u8),
        layout: AtomicU8::new(Layout::Aligned as u8),
        catalog: catalog::Side::new(url, limit),
    })
}

/// PostgreSQL reads a statement as a C string: a NUL byte would cut it short and break the
/// protocol (the session would be lost), so a cell with one is refused before anything is sent.
fn refuse_nul(body: &str, body_line: usize) -> Result<(), EngineError> {
    let Some(offset) = body.find('\0') else {
        return Ok(());
    };
    let line = body_line + split::line_of(body, offset) + 1;
    let line_start = body[..offset].rfind('\n').map_or(0, |i| i + 1);
    let column = body[line_start..offset].chars().count() + 1;
    Err(EngineError::usage(format!(
        "PostgreSQL cannot take a NUL byte (U+0000) in a statement; line {line}, column {column}"
    ))
    .with_detail("nothing in this cell was run; the character is invisible in most editors (pasted binary data often brings one): delete it")
    .with_detail("to store the byte itself, use bytea: '\\x00'::bytea or decode('00', 'hex')"))
}

/// A connection failure, with the password scrubbed from whatever the driver said.
fn connect_error(url: &str, shown_url: &str, error: &ConnectError) -> EngineError {
    let mut message = error.to_string();
    if let Some(password) = password_of(url) {
        message = message.replace(&password, "****");
    }
    if error.timed_out() {
        return EngineError::new(
            "SqlError[connection]",
            format!("could not connect: {message}"),
        )
        .with_detail(format!("URL: {shown_url}"))
        .with_detail(timeout_hint());
    }
    if error.refused() {
        return EngineError::new("SqlError[connection]", message)
            .with_detail(format!("URL: {shown_url}"));
    }
    EngineError::new("SqlError[connection]", format!("could not connect to {shown_url}: {message}"))
        .with_detail("check the URL (scheme://user:password@host:port/database) and that the server is running and reachable")
}

fn timeout_hint() -> &'static str {
    "a slow server or network may need longer: %config connect_timeout = 30 (seconds), then connect again"
}

fn password_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    let password = userinfo.split_once(':')?.1;
    (!password.is_empty()).then(|| password.to_string())
}

impl SqlEngine {
    /// The driver connection of a SQLite session, locked as a running cell locks it: for the
    /// `results` connection, which loads kept variables into its in-memory database before the
    /// cell's statements run. `None` for other databases.
    pub(crate) async fn sqlite_connection(
        &self,
    ) -> Option<tokio::sync::MappedMutexGuard<'_, sqlx::SqliteConnection>> {
        tokio::sync::MutexGuard::try_map(self.state.lock().await, |state| {
            match &mut state.session {
                Session::Sqlite(s) => s.connection(),
                _ => None,
            }
        })
        .ok()
    }

    /// Before a cell: a live connection, reopened if the server dropped it. A connection lost in
    /// the middle of a transaction is an error of its own, so that nobody believes their
    /// uncommitted work is still there.
    async fn connect_for_cell(
        &self,
        state: &mut State,
        ctx: &mut CellContext<'_>,
    ) -> Result<(), EngineError> {
        match state.session.ensure_connected().await {
            Ok(false) => Ok(()),
            Ok(true) => {
                let was = std::mem::take(&mut state.txn);
                if was != TxnState::Idle {
                    return Err(EngineError::new(
                        "SqlError[connection]",
                        "the connection was lost inside an open transaction: the server rolled back its uncommitted work",
                    )
                    .with_detail(format!("reconnected to {}: this cell was not run; run it again to start afresh", self.shown_url))
                    .with_detail("temporary tables, SET values and prepared statements of the old session are gone"));
                }
                ctx.sink.stderr(&format!(
                    "reconnected to {} (the previous session had ended; its temporary tables and SET values are gone)\n",
                    self.shown_url
                ));
                Ok(())
            }
            Err(e) => {
                let mut error = EngineError::new(
                    "SqlError[connection]",
                    format!(
                        "the connection to {} is gone and reconnecting failed: {e}",
                        self.shown_url
                    ),
                )
                .with_detail("check that the server is running; the next cell tries again");
                if e.timed_out() {
                    error = error.with_detail(timeout_hint());
                }
                Err(error)
            }
        }
    }
}

#[async_trait]
impl Engine for SqlEngine {
    fn language(&self) -> Language {
        Language::Sql
    }

    fn describe(&self) -> String {
        format!("{} {}", self.dialect.name(), self.shown_url)
    }

    async fn execute(&self, cell: &Cell, ctx: &mut CellContext) -> Result<(), EngineError> {
        let dialect = self.dialect;
        let body = cell.body.as_str();
        let statements = split::split(body, dialect).map_err(EngineError::usage)?;
        if statements.is_empty() {
            return Ok(());
        }
        let plan_mode = match (cell.options.explain, cell.options.analyze) {
            (_, true) => Some(explain::Mode::Analyze),
            (true, false) => Some(explain::Mode::Plan),
            (false, false) => None,
        };
        if let Some(mode) = plan_mode {
            explain::check_cell(dialect, mode)?;
        }
        if let Some(name) = &cell.options.compare {
            let shows_plans = plan_mode.is_some()
                || statements
                    .iter()
                    .any(|s| plan::is_explain(s.text(body), dialect));
            if !shows_plans {
                return Err(EngineError::usage(format!(
                    "--compare {name} draws this cell's plan beside the kept one, but the cell shows no plan: add --explain or --analyze (or write EXPLAIN); nothing was run"
                )));
            }
            if ctx.variables.lock().plan(name).is_none() {
                return Err(EngineError::usage(format!(
                    "--compare {name}: no plan is kept under that name; keep one first with --out {name} on a plan cell (--explain, --analyze or EXPLAIN); nothing was run"
                )));
            }
        }
        if dialect == Dialect::Postgres {
            refuse_nul(body, cell.body_line)?;
        }
        let commands = meta::find(body, dialect);
        if let Some(path) = &cell.options.export {
            // Checked before anything runs, so a refused file costs no query.
            crate::export::Target::check(path, cell.options.format, cell.options.force)?;
            if plan_mode.is_some() || !commands.is_empty() {
                return Err(EngineError::usage(
                    "--export writes the rows of the cell's last statement; it does not go with \
                     --explain/--analyze or with \\ commands; nothing was run",
                ));
            }
        }
        if cell.options.chart.is_some() && !commands.is_empty() {
            return Err(EngineError::usage(
                "--chart draws the rows of the cell's last statement; it does not go with \\ \
                 commands; nothing was run",
            ));
        }
        if !commands.is_empty() {
            return self
                .execute_with_commands(cell, ctx, &commands, plan_mode)
                .await;
        }
        let mut state = self.state.lock().await;
        let result = self
            .run_statements(&mut state, &statements, plan_mode, cell, ctx)
            .await;
        self.txn_seen.store(state.txn as u8, Ordering::Relaxed);
        result
    }

    fn open_transaction(&self) -> Option<String> {
        txn_note(TxnState::from_u8(self.txn_seen.load(Ordering::Relaxed))).map(str::to_string)
    }

    async fn catalog(&self) -> Option<Result<crate::catalog::Catalog, String>> {
        Some(catalog::read(self).await.map(crate::catalog::Catalog::Sql))
    }

    async fn session_tables(&self) -> Option<Result<crate::catalog::SessionTables, String>> {
        if self.dialect != Dialect::Postgres {
            return None;
        }
        // Between cells only: a cell that holds the session is never waited for or disturbed.
        let mut state = self.state.try_lock().ok()?;
        if state.txn == TxnState::Aborted {
            // Every query would fail until ROLLBACK; what was read before stays.
            return None;
        }
        let Session::Postgres(session) = &mut state.session else {
            return None;
        };
        let conn = session.catalog_connection().await?;
        Some(catalog::read_pg_session(conn).await)
    }

    async fn close(&self) {
        self.state.lock().await.session.close().await;
        self.catalog.close().await;
    }
}

/// What `%connections`, shutdown messages and result footers say about the transaction.
fn txn_note(txn: TxnState) -> Option<&'static str> {
    match txn {
        TxnState::Idle => None,
        TxnState::Open => Some("transaction open"),
        TxnState::Aborted => Some("transaction failed — ROLLBACK to continue"),
    }
}

impl SqlEngine {
    /// Runs a cell's statements in order on the locked session.
    async fn run_statements(
        &self,
        state: &mut State,
        statements: &[split::Statement],
        plan_mode: Option<explain::Mode>,
        cell: &Cell,
        ctx: &mut CellContext<'_>,
    ) -> Result<(), EngineError> {
        let dialect = self.dialect;
        let body = cell.body.as_str();
        self.connect_for_cell(state, ctx).await?;
        for line in state.session.notifications() {
            ctx.sink.stdout(&format!("{line}\n"));
        }
        let count = statements.len();
        for (index, statement) in statements.iter().enumerate() {
            // Kept current statement by statement, so that a long cell after its BEGIN already
            // shows the open transaction (in %connections, or if the kernel is stopped now).
            self.txn_seen.store(state.txn as u8, Ordering::Relaxed);
            if ctx.cancel.is_cancelled() {
                return Err(EngineError::interrupted());
            }
            ctx.progress.begin_statement(index, count);
            let text = statement.text(body);
            let explained = match plan_mode.map(|m| explain::step(text, dialect, m, state.txn)) {
                Some(explain::Step::NotRun(message)) => {
                    ctx.sink.emit(QueryResult::Text(message));
                    continue;
                }
                Some(explain::Step::Explain(mut explained)) => {
                    if dialect == Dialect::MySql
                        && plan_mode == Some(explain::Mode::Analyze)
                        && !state.session.is_mariadb().await
                    {
                        explained.prefix = explain::prefix(dialect, explain::Mode::Analyze, false);
                    }
                    Some(explained)
                }
                None => None,
            };
            let shows_plan = explained.is_some() || plan::is_explain(text, dialect);
            let sites = bind::find_binds(text, dialect);
            let bound = if sites.is_empty() {
                None
            } else {
                let variables = ctx.variables.lock();
                Some(bind::bind(text, &sites, dialect, &variables)?)
            };
            let place = Place {
                body,
                start: statement.start,
                end: statement.end,
                index,
                count,
                body_line: cell.body_line,
            };
            if dialect == Dialect::Postgres
                && let Some(refusal) = copy::refusal(text, bound.is_some())
            {
                return Err(report(&refusal, &place, dialect, None));
            }
            if let Some(bound) = &bound
                && let Some(refusal) = literal::refusal(bound, dialect)
            {
                return Err(report(&refusal, &place, dialect, None));
            }
            if let Some(explained) = &explained
                && explained.writes.is_some()
            {
                let targets = explain::write_targets(text, dialect);
                let refused = state.session.non_transactional(&targets).await;
                if !refused.is_empty() {
                    ctx.sink
                        .emit(QueryResult::Text(explain::refuse_non_transactional(
                            text, dialect, &refused,
                        )));
                    continue;
                }
            }
            let guard = match explained.as_ref().and_then(|e| e.guard) {
                // START TRANSACTION would commit the pending work of an autocommit = 0 session.
                Some(explain::Guard::Transaction) if state.session.implicit_transaction().await => {
                    Some(explain::Guard::Savepoint)
                }
                other => other,
            };
            if let Some(guard) = guard
                && let Err(e) = state.session.run_plain(&guard.begin(dialect)).await
            {
                return Err(EngineError::new(
                    "SqlError[analyze]",
                    format!("--analyze could not open the transaction it rolls back: {e}"),
                )
                .with_detail(format!("statement {} of {count} was not run", index + 1)));
            }
            let explain = explained.as_ref().map(|e| e.prefix);
            let explained_text;
            let (sql, prefix_len) = match explain {
                Some(prefix) if bound.is_none() => {
                    explained_text = format!("{prefix}{text}");
                    (explained_text.as_str(), prefix.len())
                }
                _ => (text, 0),
            };
            let keep_all = cell.options.out.is_some() && index + 1 == count;
            let exporter = match (&cell.options.export, index + 1 == count) {
                (Some(path), true) => Some(crate::export::RowExporter::open(
                    crate::export::Target::check(path, cell.options.format, cell.options.force)?,
                )?),
                _ => None,
            };
            // A plan is read whole (a TEXT plan has a row per line, often past the display limit).
            let mut rows = RowBuffer::new(ctx.display_limit, keep_all || shows_plan)
                .with_float_text(match dialect {
                    Dialect::Sqlite => floats::sqlite_real_text,
                    _ => |f| floats::postgres_float_text(f, false),
                })
                .with_exporter(exporter)
                .with_meter(ctx.progress.clone())
                .with_chart(match (&cell.options.chart, index + 1 == count) {
                    (Some(request), true) => Some(crate::charts::TableFeed::new(request.clone())),
                    _ => None,
                });
            let started = Instant::now();
            let outcome = state
                .session
                .run(Run {
                    sql,
                    bound: bound.as_ref(),
                    explain,
                    in_transaction: state.txn == TxnState::Open || guard.is_some(),
                    rows: &mut rows,
                    cancel: &ctx.cancel,
                    sink: &mut *ctx.sink,
                    want_header: explain.is_some() || status::may_return_rows(text, dialect),
                })
                .await;
            let provenance = Provenance {
                connection: ctx.connection_name.clone(),
                elapsed: started.elapsed(),
                note: None,
            };
            let rolled_back = match guard {
                Some(guard) => Some(self.end_guard(&mut state.session, guard, &outcome).await),
                None => None,
            };
            match outcome {
                Outcome::Done { rows_affected } => {
                    state.txn = status::after_success(state.txn, text, dialect);
                    let provenance = with_txn_note(provenance, state.txn);
                    let verb = explained.as_ref().and_then(|e| e.writes.clone());
                    let mut note_shown = false;
                    let mut rows = rows;
                    let receipt = match rows.take_exporter() {
                        Some(_) if shows_plan => {
                            return Err(EngineError::usage(
                                "--export writes rows, and this statement shows a plan; nothing \
                                 was exported",
                            ));
                        }
                        Some(exporter) => Some(exporter.finish()?),
                        None => None,
                    };
                    let chart = rows.take_chart();
                    if chart.is_some() && shows_plan {
                        return Err(EngineError::usage(
                            "--chart draws rows, and this statement shows a plan; nothing was drawn",
                        ));
                    }
                    if let Some(feed) = chart {
                        let drawn = feed.finish(provenance.clone())?;
                        if let (Some(name), true) = (&cell.options.out, keep_all)
                            && rows.has_result()
                        {
                            let table = rows.into_table(provenance);
                            ctx.variables.lock().set(name, Variable::Table(table));
                        }
                        ctx.sink.emit(drawn);
                    } else if shows_plan && rows.has_result() {
                        let note = match &rolled_back {
                            Some(RolledBack::Completely) => {
                                verb.as_deref().map(explain::rolled_back_note)
                            }
                            Some(RolledBack::Incompletely) => Some(explain::not_undone_note(
                                verb.as_deref().unwrap_or("statement"),
                            )),
                            _ => None,
                        };
                        let server = state.session.server_name().await;
                        let last = index + 1 == count;
                        note_shown =
                            self.emit_plan(rows, server, note, last, cell, ctx, provenance);
                    } else {
                        self.emit(rows, rows_affected, text, keep_all, cell, ctx, provenance);
                    }
                    if let Some(receipt) = receipt {
                        ctx.sink.emit(QueryResult::Export(receipt));
                    }
                    if let Some(rolled_back) = rolled_back {
                        match rolled_back {
                            RolledBack::Completely | RolledBack::Incompletely if note_shown => {}
                            RolledBack::Completely => {
                                if let Some(verb) = verb {
                                    ctx.sink
                                        .emit(QueryResult::Text(explain::rolled_back_note(&verb)));
                                }
                            }
                            RolledBack::Incompletely => {
                                let verb = verb.unwrap_or_else(|| "statement".into());
                                ctx.sink
                                    .emit(QueryResult::Text(explain::not_undone_note(&verb)));
                            }
                            RolledBack::Failed(e) => {
                                state.txn = TxnState::Open;
                                return Err(rollback_failed(&e));
                            }
                        }
                    }
                }
                Outcome::Failed(err) => {
                    let failure = located(&err, None, bound.as_ref(), sql, prefix_len);
                    return Err(self.failed(state, failure, &place, rolled_back));
                }
                Outcome::FailedIn(err, sent) => {
                    let failure = located(&err, Some(&sent), bound.as_ref(), sql, prefix_len);
                    return Err(self.failed(state, failure, &place, rolled_back));
                }
                Outcome::Interrupted | Outcome::InterruptedConnectionReset => {
                    let reset = matches!(outcome, Outcome::InterruptedConnectionReset);
                    return Err(self.interruption(state, reset, index, count, rolled_back));
                }
            }
        }
        Ok(())
    }
}

/// A driver error with its position mapped back into the user's statement. `sent` is the text
/// a driver built around a bound statement; `prefix_len` the EXPLAIN in front of an unbound one.
fn located(
    error: &sqlx::Error,
    sent: Option<&Sent>,
    bound: Option<&bind::Bound>,
    sql: &str,
    prefix_len: usize,
) -> (Failure, Option<usize>) {
    let sent_text = match (sent, bound) {
        (Some(sent), _) => sent.text.as_str(),
        (None, Some(bound)) => bound.sql.as_str(),
        (None, None) => sql,
    };
    let failure = classify(error, sent_text);
    let position = failure.position.and_then(|p| match (sent, bound) {
        (Some(sent), Some(bound)) => sent.original_offset(p, bound),
        (None, Some(bound)) => Some(bound.original_offset(p)),
        (Some(sent), None) => sent.unbound_offset(p),
        (None, None) => p.checked_sub(prefix_len),
    });
    (failure, position)
}

impl SqlEngine {
    /// The cell's error for a failed statement, and the session's transaction state after it.
    fn failed(
        &self,
        state: &mut State,
        (failure, position): (Failure, Option<usize>),
        place: &Place<'_>,
        rolled_back: Option<RolledBack>,
    ) -> EngineError {
        let dialect = self.dialect;
        let mut error = report(&failure, place, dialect, position);
        let was = state.txn;
        if let Some(rolled_back) = rolled_back
            && !failure.connection_lost
        {
            // The failure happened inside the --analyze transaction, which is gone: the session
            // is as it was before the statement.
            return match rolled_back {
                RolledBack::Completely => error.with_detail(
                    "nothing was changed: the statement ran inside a transaction that was rolled back",
                ),
                RolledBack::Incompletely => {
                    error.with_detail(explain::not_undone_note("statement"))
                }
                RolledBack::Failed(e) => {
                    state.txn = TxnState::Open;
                    error.with_detail(rollback_failed(&e).evalue)
                }
            };
        }
        if failure.connection_lost {
            state.session.drop_connection();
            state.txn = TxnState::Idle;
            return error.with_detail(if was == TxnState::Idle {
                "the connection was lost; the next cell reconnects"
            } else {
                "the connection was lost inside an open transaction: the server rolled back its uncommitted work; the next cell reconnects"
            });
        }
        state.txn = status::after_failure(was, dialect);
        if was == TxnState::Aborted {
            error = error.with_detail("the transaction was already aborted by an earlier error: run ROLLBACK (or ROLLBACK TO SAVEPOINT) to continue");
        } else if state.txn == TxnState::Aborted {
            error = error.with_detail("the open transaction is now aborted: the server ignores further statements until ROLLBACK (or ROLLBACK TO SAVEPOINT); dbkernel does not roll back for you");
        }
        error
    }

    /// The cell's error for a statement the stop button cancelled, and the transaction state.
    fn interruption(
        &self,
        state: &mut State,
        reset: bool,
        index: usize,
        count: usize,
        rolled_back: Option<RolledBack>,
    ) -> EngineError {
        let was = state.txn;
        state.txn = match (&rolled_back, reset) {
            (_, true) => TxnState::Idle,
            (Some(RolledBack::Completely | RolledBack::Incompletely), false) => was,
            (Some(RolledBack::Failed(_)), false) => TxnState::Open,
            (None, false) => status::after_failure(was, self.dialect),
        };
        let mut error = EngineError::interrupted().with_detail(format!(
            "statement {} of {count} was cancelled on the server",
            index + 1
        ));
        if count > index + 1 {
            error = error.with_detail(format!(
                "{} later statement(s) of this cell were not run",
                count - index - 1
            ));
        }
        if reset {
            error = error.with_detail("the server did not acknowledge the cancel in time: the connection was closed and the next cell reconnects");
        } else if state.txn == TxnState::Aborted {
            error =
                error.with_detail("the open transaction is now aborted: run ROLLBACK to continue");
        }
        error
    }
}

/// An open or failed transaction goes in the result's footer note, so that uncommitted work is
/// visible on every table and status line.
fn with_txn_note(mut provenance: Provenance, txn: TxnState) -> Provenance {
    provenance.note = txn_note(txn).map(str::to_string);
    provenance
}

/// How the transaction around an `--analyze` ended.
enum RolledBack {
    Completely,
    /// MySQL/MariaDB warned that non-transactional tables kept their changes (warning 1196).
    Incompletely,
    Failed(sqlx::Error),
}

fn rollback_failed(error: &sqlx::Error) -> EngineError {
    EngineError::new(
        "SqlError[analyze]",
        format!("--analyze could not roll back the transaction it ran the statement in: {error}"),
    )
    .with_detail("the statement's changes may still be pending: run ROLLBACK before anything else")
}

impl SqlEngine {
    /// Rolls back the `--analyze` transaction or savepoint, whatever the statement's outcome.
    async fn end_guard(
        &self,
        session: &mut Session,
        guard: explain::Guard,
        outcome: &Outcome,
    ) -> RolledBack {
        if matches!(outcome, Outcome::InterruptedConnectionReset) {
            // The connection is gone, and with it the transaction.
            return RolledBack::Completely;
        }
        let mut incomplete = false;
        for sql in guard.end() {
            if let Err(e) = session.run_plain(&sql).await {
                return RolledBack::Failed(e);
            }
            if sql.starts_with("ROLLBACK") {
                incomplete |= session.rollback_was_incomplete().await;
            }
        }
        if incomplete {
            RolledBack::Incompletely
        } else {
            RolledBack::Completely
        }
    }

    /// Emits a plan statement's rows as a drawn plan (kept by `--out`, compared by `--compare`
    /// when it is the cell's last statement), or, when they are not a plan this kernel reads, as
    /// the table they are. `note` (the rolled-back write) goes into the plan; returns whether it
    /// did, so that it is not said twice.
    #[allow(clippy::too_many_arguments)]
    fn emit_plan(
        &self,
        rows: RowBuffer,
        server: &str,
        note: Option<String>,
        last: bool,
        cell: &Cell,
        ctx: &mut CellContext<'_>,
        provenance: Provenance,
    ) -> bool {
        let table = rows.into_table(provenance.clone());
        match plan::from_table(&table, self.dialect, server) {
            Some(Ok(mut plan)) => {
                let carried = note.is_some();
                plan.notes.extend(note);
                let before = match (&cell.options.compare, last) {
                    (Some(name), true) => ctx
                        .variables
                        .lock()
                        .plan(name)
                        .cloned()
                        .map(|p| (name.clone(), p)),
                    _ => None,
                };
                if last && let Some(name) = &cell.options.out {
                    ctx.variables.lock().set_plan(name, plan.clone());
                }
                ctx.sink.emit(QueryResult::Plan(Box::new(PlanResult {
                    plan,
                    before,
                    provenance,
                    json_tree: false,
                })));
                carried
            }
            other => {
                if let Some(Err(e)) = other {
                    ctx.sink.stderr(&format!(
                        "the plan could not be drawn ({e}); it is shown as the server returned it\n"
                    ));
                }
                if last && let Some(name) = &cell.options.out {
                    ctx.variables
                        .lock()
                        .set(name, Variable::Table(table.clone()));
                }
                ctx.sink
                    .emit(QueryResult::Table(table.head(ctx.display_limit)));
                false
            }
        }
    }

    /// Emits one finished statement: its table (and `--out` variable) or its status line.
    #[allow(clippy::too_many_arguments)]
    fn emit(
        &self,
        rows: RowBuffer,
        rows_affected: u64,
        text: &str,
        keep_all: bool,
        cell: &Cell,
        ctx: &mut CellContext<'_>,
        provenance: Provenance,
    ) {
        let mut rows = rows;
        let layout = layout_from_u8(self.layout.load(Ordering::Relaxed));
        for mut earlier in rows.take_earlier(&provenance) {
            earlier.layout = layout;
            ctx.sink.emit(QueryResult::Table(earlier));
        }
        let warnings = rows.warnings;
        self.emit_last(rows, rows_affected, text, keep_all, cell, ctx, provenance);
        if warnings > 0 {
            // The mysql client's `1 row in set, 2 warnings`; the detail stays on the server.
            let plural = if warnings == 1 { "" } else { "s" };
            ctx.sink.emit(QueryResult::Text(format!(
                "{warnings} warning{plural}: SHOW WARNINGS shows them"
            )));
        }
    }

    /// Emits the statement's last (usually only) result set or its status line.
    #[allow(clippy::too_many_arguments)]
    fn emit_last(
        &self,
        rows: RowBuffer,
        rows_affected: u64,
        text: &str,
        keep_all: bool,
        cell: &Cell,
        ctx: &mut CellContext<'_>,
        provenance: Provenance,
    ) {
        if rows.has_result() {
            let mut table = rows.into_table(provenance.clone());
            table.layout = layout_from_u8(self.layout.load(Ordering::Relaxed));
            match (&cell.options.out, keep_all) {
                (Some(name), true) => {
                    let shown = table.head(ctx.display_limit);
                    ctx.variables.lock().set(name, Variable::Table(table));
                    ctx.sink.emit(QueryResult::Table(shown));
                }
                _ => ctx.sink.emit(QueryResult::Table(table)),
            }
            if status::tag_after_rows(text, self.dialect) {
                ctx.sink.emit(QueryResult::Status(Status {
                    message: status::command_tag(text, self.dialect, rows_affected),
                    rows_affected: Some(rows_affected),
                    provenance,
                }));
            }
            return;
        }
        let message = status::with_info(
            status::command_tag(text, self.dialect, rows_affected),
            rows.info.as_deref(),
        );
        ctx.sink.emit(QueryResult::Status(Status {
            message,
            rows_affected: Some(rows_affected),
            provenance,
        }));
        if keep_all && let Some(name) = &cell.options.out {
            ctx.sink.stderr(&format!(
                "--out {name}: the last statement returned no rows, so nothing was stored\n"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_found_for_scrubbing() {
        assert_eq!(
            password_of("postgres://u:s3cret@h/db").as_deref(),
            Some("s3cret")
        );
        assert_eq!(password_of("postgres://u@h/db"), None);
        assert_eq!(password_of("sqlite::memory:"), None);
    }
}
