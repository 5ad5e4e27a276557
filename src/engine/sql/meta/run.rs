//! Runs one command line of a cell on the engine's session: its catalog queries go through the
//! same driver path as statements (stop button, lost connections, transaction state), and
//! their rows become the tables and lines psql and sqlite3 print.

use std::sync::atomic::Ordering;
use std::time::Instant;

use super::{Action, Query, Refusal, Shape, layout_message, plan, toggled};
use crate::engine::sql::driver::{Outcome, Run};
use crate::engine::sql::rows::RowBuffer;
use crate::engine::sql::status::{self, TxnState};
use crate::engine::sql::{SqlEngine, State, layout_from_u8};
use crate::engine::{CellContext, EngineError};
use crate::result::{Provenance, QueryResult, Table};

impl SqlEngine {
    /// Runs the command line `line` (`\dt`, `.schema t`, `\x on`).
    pub(in crate::engine::sql) async fn run_meta(
        &self,
        state: &mut State,
        line: &str,
        ctx: &mut CellContext<'_>,
    ) -> Result<(), EngineError> {
        let action = plan(line, self.dialect).map_err(|Refusal(message)| {
            EngineError::usage(message).with_detail(format!("in the line: {}", line.trim()))
        })?;
        let mut queries = match action {
            Action::SetLayout(layout) => {
                self.layout.store(layout as u8, Ordering::Relaxed);
                ctx.sink
                    .emit(QueryResult::Text(layout_message(layout).into()));
                return Ok(());
            }
            Action::ToggleLayout => {
                let layout = toggled(layout_from_u8(self.layout.load(Ordering::Relaxed)));
                self.layout.store(layout as u8, Ordering::Relaxed);
                ctx.sink
                    .emit(QueryResult::Text(layout_message(layout).into()));
                return Ok(());
            }
            Action::Queries(queries) => queries,
        };
        self.connect_for_cell(state, ctx).await?;
        queries.reverse();
        while let Some(query) = queries.pop() {
            let table = self.catalog_query(state, &query, line, ctx).await?;
            let first_column = || -> Vec<String> {
                (0..table.shown_rows())
                    .filter_map(|r| table.cell_text(r, 0))
                    .collect()
            };
            match query.shape {
                Shape::Table { title, empty } => match empty {
                    Some(message) if table.total_rows == 0 => {
                        ctx.sink.emit(QueryResult::Text(message));
                    }
                    _ => {
                        let mut table = table;
                        table.title = title;
                        table.layout = layout_from_u8(self.layout.load(Ordering::Relaxed));
                        ctx.sink.emit(QueryResult::Table(table));
                    }
                },
                Shape::Footer { heading } => {
                    let lines = first_column();
                    if !lines.is_empty() {
                        let body: Vec<String> = lines.iter().map(|l| format!("    {l}")).collect();
                        ctx.sink
                            .emit(QueryResult::Text(format!("{heading}\n{}", body.join("\n"))));
                    }
                }
                Shape::Lines => {
                    let lines = first_column();
                    if !lines.is_empty() {
                        ctx.sink.emit(QueryResult::Text(lines.join("\n")));
                    }
                }
                Shape::Names => {
                    let names = first_column();
                    if !names.is_empty() {
                        let text = super::sqlite::columns(&names);
                        ctx.sink
                            .emit(QueryResult::Text(text.trim_end_matches('\n').into()));
                    }
                }
                Shape::Statements => {
                    let statements: Vec<String> =
                        first_column().iter().map(|s| format!("{s};")).collect();
                    if !statements.is_empty() {
                        ctx.sink.emit(QueryResult::Text(statements.join("\n")));
                    }
                }
                Shape::Describe { name, verbose } => {
                    if table.total_rows == 0 {
                        ctx.sink.emit(QueryResult::Text(format!(
                            "Did not find any relation named \"{name}\"."
                        )));
                    }
                    // Described in order: the next ones go on the stack in reverse.
                    let mut found = Vec::new();
                    for r in 0..table.shown_rows() {
                        let row: Vec<Option<String>> = (0..table.columns.len())
                            .map(|c| table.cell_text(r, c))
                            .collect();
                        found.extend(
                            super::describe(&row, verbose)
                                .map_err(|Refusal(message)| EngineError::usage(message))?,
                        );
                    }
                    queries.extend(found.into_iter().rev());
                }
            }
        }
        Ok(())
    }

    /// One catalog query's rows (all of them for the shapes that are not tables).
    async fn catalog_query(
        &self,
        state: &mut State,
        query: &Query,
        line: &str,
        ctx: &mut CellContext<'_>,
    ) -> Result<Table, EngineError> {
        let keep_all = !matches!(query.shape, Shape::Table { .. });
        let mut rows = RowBuffer::new(ctx.display_limit, keep_all);
        let started = Instant::now();
        let outcome = state
            .session
            .run(Run {
                sql: &query.sql,
                bound: None,
                explain: None,
                in_transaction: state.txn == TxnState::Open,
                rows: &mut rows,
                cancel: &ctx.cancel,
                sink: &mut *ctx.sink,
                want_header: true,
            })
            .await;
        match outcome {
            Outcome::Done { .. } => Ok(rows.into_table(Provenance {
                connection: ctx.connection_name.clone(),
                elapsed: started.elapsed(),
                note: super::super::txn_note(state.txn).map(str::to_string),
            })),
            Outcome::Failed(e) | Outcome::FailedIn(e, _) => {
                let was = state.txn;
                state.txn = status::after_failure(was, self.dialect);
                let mut error = EngineError::new(
                    "SqlError",
                    format!("{}: the catalog query failed: {e}", line.trim()),
                );
                if was == TxnState::Aborted {
                    error = error.with_detail("the transaction is aborted: run ROLLBACK first");
                } else if state.txn == TxnState::Aborted {
                    error = error
                        .with_detail("the open transaction is now aborted: ROLLBACK to continue");
                }
                Err(error)
            }
            Outcome::Interrupted | Outcome::InterruptedConnectionReset => {
                Err(EngineError::interrupted())
            }
        }
    }
}

impl SqlEngine {
    /// A cell whose body holds command lines: its statements and commands run in the order
    /// they are written. Statements are split from the body with the commands blanked out, so
    /// their offsets (carets, line numbers) are the user's.
    pub(in crate::engine::sql) async fn execute_with_commands(
        &self,
        cell: &crate::cell::Cell,
        ctx: &mut CellContext<'_>,
        commands: &[super::MetaLine],
        plan_mode: Option<crate::engine::sql::explain::Mode>,
    ) -> Result<(), EngineError> {
        let body = cell.body.as_str();
        if plan_mode.is_some() || cell.options.out.is_some() {
            return Err(EngineError::usage(
                "--out, --explain and --analyze apply to statements: put the command line (\\dt, .tables…) in a cell of its own; nothing was run",
            ));
        }
        let blanked = super::blank(body, commands);
        let statements =
            crate::engine::sql::split::split(&blanked, self.dialect).map_err(EngineError::usage)?;
        let mut state = self.state.lock().await;
        let mut pending = statements.as_slice();
        let mut result = Ok(());
        for command in commands {
            let before = pending
                .iter()
                .take_while(|s| s.start < command.start)
                .count();
            let (now, later) = pending.split_at(before);
            pending = later;
            if !now.is_empty() {
                result = self.run_statements(&mut state, now, None, cell, ctx).await;
                if result.is_err() {
                    break;
                }
            }
            if ctx.cancel.is_cancelled() {
                result = Err(EngineError::interrupted());
                break;
            }
            result = self
                .run_meta(&mut state, &body[command.start..command.end], ctx)
                .await;
            if result.is_err() {
                break;
            }
        }
        if result.is_ok() && !pending.is_empty() {
            result = self
                .run_statements(&mut state, pending, None, cell, ctx)
                .await;
        }
        self.txn_seen.store(state.txn as u8, Ordering::Relaxed);
        result
    }
}
