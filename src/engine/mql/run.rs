//! Running one %%mql cell: parse, then for each statement plan → send → shape → emit.

use std::time::Instant;

use bson::{Bson, Document, doc};
use futures_util::StreamExt;
use mongodb::Client;
use mongosh::{Keep, Reply, Request, RequestKind, Step};
use tokio_util::sync::CancellationToken;

use super::connect::driver_error;
use super::convert::{kernel_variables, output_to_result, parse_error, plan_error, shape_error};
use super::{Server, SessionState};
use crate::cell::Cell;
use crate::engine::{CellContext, EngineError};
use crate::result::QueryResult;
use crate::session::variables::Variable;

/// Commands that can run long and accept a `comment`, which lets the stop button find them in
/// `currentOp` and kill them on the server.
pub(super) const TAGGABLE: &[&str] = &[
    "find",
    "aggregate",
    "count",
    "distinct",
    "insert",
    "update",
    "delete",
    "findAndModify",
];

pub async fn run_cell(
    server: &Server,
    state: &mut SessionState,
    cell: &Cell,
    ctx: &mut CellContext<'_>,
) -> Result<(), EngineError> {
    if let Some(path) = &cell.options.export {
        // Checked before anything runs, so a refused file costs no query.
        crate::export::Target::check(path, cell.options.format, cell.options.force)?;
        if cell.options.explain || cell.options.compare.is_some() {
            return Err(EngineError::usage(
                "--export writes the documents of the cell's last statement; it does not go \
                 with --explain or --compare; nothing was run",
            ));
        }
    }
    // Pad with the lines above the body so error positions are the user's cell lines.
    let source = format!("{}{}", "\n".repeat(cell.body_line), cell.body);
    // JavaScript (loops, functions, callbacks) runs in the session's QuickJS runtime; what the
    // subset runs stays on the subset path, with its exact output (see `js.rs`).
    let script = match mongosh::parse(&source) {
        Ok(script) => script,
        Err(e) => {
            let subset = parse_error(&e, &source);
            if cell.options.explain || cell.options.compare.is_some() {
                return Err(subset);
            }
            return super::js::run_cell(server, state, cell, ctx, &source, Some(subset)).await;
        }
    };
    if !cell.options.explain
        && cell.options.compare.is_none()
        && super::js::wants_javascript(&script, &source, state)
    {
        return super::js::run_cell(server, state, cell, ctx, &source, None).await;
    }
    if let Some(name) = &cell.options.compare {
        if !cell.options.explain && !cell.body.contains(".explain(") {
            return Err(EngineError::usage(format!(
                "--compare {name} draws this cell's plan beside the kept one, but the cell shows no plan: add --explain (or call .explain()); nothing was run"
            )));
        }
        if ctx.variables.lock().plan(name).is_none() {
            return Err(EngineError::usage(format!(
                "--compare {name}: no plan is kept under that name; keep one first with --out {name} on a plan cell (--explain or .explain()); nothing was run"
            )));
        }
    }
    // Only the kernel variables this cell reads become BSON, and only for this cell: a 700,000
    // row table must not be converted again for every later `findOne`, nor kept twice.
    state.env.clear_kernel_vars();
    // The memory they held is returned to the system by the executor after the cell.
    for (name, value) in kernel_variables(&ctx.variables, &script.kernel_variables()) {
        state.env.set_kernel_var(&name, value);
    }
    let result = run_script(server, state, &script, &source, cell, ctx).await;
    state.env.clear_kernel_vars();
    result
}

async fn run_script(
    server: &Server,
    state: &mut SessionState,
    script: &mongosh::Script,
    source: &str,
    cell: &Cell,
    ctx: &mut CellContext<'_>,
) -> Result<(), EngineError> {
    let count = script.statements.len();
    let mut last: Option<Variable> = None;
    let mut exported = false;
    for (index, statement) in script.statements.iter().enumerate() {
        if ctx.cancel.is_cancelled() {
            return Err(EngineError::interrupted());
        }
        ctx.progress.begin_statement(index, count);
        ctx.progress
            .set_unit(crate::engine::progress::Unit::Documents);
        let started = Instant::now();
        let step = mongosh::plan_with_limits(statement, &state.env, &state.db, &server.limits)
            .map_err(|e| plan_error(&e, source))?;
        // A kernel variable no later statement reads is dropped now, before the commands are
        // sent: the planned commands hold their own copy.
        for name in statement.kernel_variables() {
            if !script.statements[index + 1..]
                .iter()
                .any(|later| later.kernel_variables().contains(&name))
            {
                state.env.remove_kernel_var(name);
            }
        }
        match step {
            Step::Use { db, message } => {
                ctx.sink.emit(QueryResult::Text(message));
                state.db = db;
            }
            Step::Assign {
                name,
                value,
                warnings,
            } => {
                for warning in &warnings {
                    ctx.sink.stderr(&format!("{warning}\n"));
                }
                state.env.set(&name, value);
            }
            Step::Run(mut operation) => {
                for warning in &operation.warnings {
                    ctx.sink.stderr(&format!("{warning}\n"));
                }
                if cell.options.explain {
                    explain_operation(server, &operation, cell, ctx).await?;
                    continue;
                }
                let keep_all = cell.options.out.is_some();
                // `--chart` draws the documents of the cell's last statement, fed as the cursor
                // streams them (only the display limit's documents are kept).
                let mut chart = match (&cell.options.chart, index + 1 == count) {
                    (Some(request), true) => {
                        Some(crate::charts::DocumentFeed::new(request.clone()))
                    }
                    _ => None,
                };
                // `--export` writes every document of the last statement's cursor as it arrives;
                // dropped on an error or the stop button, it removes its partial file.
                let mut export = match (&cell.options.export, index + 1 == count) {
                    (Some(path), true) => Some(crate::export::DocumentExporter::open(
                        crate::export::Target::check(
                            path,
                            cell.options.format,
                            cell.options.force,
                        )?,
                    )?),
                    _ => None,
                };
                let mut replies = Vec::with_capacity(operation.requests.len());
                for request in operation.requests.iter_mut() {
                    let reply = send(
                        server,
                        request,
                        keep_all,
                        ctx.display_limit,
                        &ctx.cancel,
                        Feeds {
                            chart: chart.as_mut(),
                            export: export.as_mut(),
                        },
                        &ctx.progress,
                    )
                    .await?;
                    let stop = request.stops_after(&reply);
                    request.release_payload();
                    replies.push(reply);
                    if stop {
                        break;
                    }
                }
                let output = operation.finish(replies).map_err(|e| {
                    let mut error = shape_error(e);
                    if count > 1 {
                        error = error.with_detail(format!(
                            "statement {} of {count} failed; later statements were not run",
                            index + 1
                        ));
                    }
                    error
                })?;
                if let Some(name) = &operation.bind {
                    state.env.set(name, output.to_bson());
                }
                let receipt = match export {
                    Some(export) => {
                        if operation.silent || !matches!(output, mongosh::Output::Documents { .. })
                        {
                            return Err(EngineError::usage(
                                "--export writes the documents of the cell's last statement, and \
                                 it returned none (end the cell with a find() or aggregate()); \
                                 nothing was exported",
                            ));
                        }
                        Some(export.finish()?)
                    }
                    None => None,
                };
                exported |= receipt.is_some();
                if !operation.silent
                    && let mongosh::Output::Value(Bson::Document(explained)) = &output
                    && super::plan::is_explain(explained)
                {
                    match super::plan::parse(explained) {
                        Ok(plan) => {
                            last = None;
                            emit_plan(plan, cell, ctx, started.elapsed());
                            continue;
                        }
                        Err(e) => ctx.sink.stderr(&format!(
                            "the plan could not be drawn ({e}); it is shown as the server returned it\n"
                        )),
                    }
                }
                if let Some(feed) = chart {
                    let mongosh::Output::Documents { documents, .. } = &output else {
                        return Err(EngineError::usage(
                            "--chart draws documents, and the cell's last statement returned \
                             none (use find() or aggregate()); nothing was drawn",
                        ));
                    };
                    let drawn = feed.finish(crate::result::Provenance {
                        connection: ctx.connection_name.clone(),
                        elapsed: started.elapsed(),
                        note: None,
                    })?;
                    last = Some(Variable::Documents(documents.clone()));
                    ctx.sink.emit(drawn);
                    if let Some(receipt) = receipt {
                        ctx.sink.emit(QueryResult::Export(receipt));
                    }
                    continue;
                }
                if !operation.silent {
                    last = Some(match &output {
                        mongosh::Output::Documents { documents, total } => {
                            // mongosh's `it` continues the last cursor shown: not an older
                            // JavaScript cell's, now that this one showed its documents.
                            let shown = documents.len().min(ctx.display_limit);
                            super::js::shown_documents(state, &operation, shown, *total);
                            Variable::Documents(documents.clone())
                        }
                        other => Variable::Bson(other.to_bson()),
                    });
                    if let Some(result) = output_to_result(
                        output,
                        &ctx.connection_name,
                        started.elapsed(),
                        ctx.display_limit,
                        cell.options.json,
                    ) {
                        ctx.sink.emit(result);
                    }
                }
                if let Some(receipt) = receipt {
                    ctx.sink.emit(QueryResult::Export(receipt));
                }
            }
        }
    }
    if cell.options.export.is_some() && !exported {
        return Err(EngineError::usage(
            "--export writes the documents of the cell's last statement, and it returned none \
             (end the cell with a find() or aggregate()); nothing was exported",
        ));
    }
    if let (Some(name), Some(value)) = (&cell.options.out, last) {
        ctx.variables.lock().set(name, value);
    }
    Ok(())
}

/// `--explain`: the plan of each query or write command of the statement (as
/// `db.coll.explain().method()` would show it), without running the statement itself.
async fn explain_operation(
    server: &Server,
    operation: &mongosh::Operation,
    cell: &Cell,
    ctx: &mut CellContext<'_>,
) -> Result<(), EngineError> {
    let client = &server.client;
    let mut explained = 0;
    for request in &operation.requests {
        let name = request
            .command
            .keys()
            .next()
            .map(String::as_str)
            .unwrap_or_default();
        if !TAGGABLE.contains(&name) {
            continue;
        }
        // executionStats runs the query to count what it reads; a write is only planned (the
        // server evaluates it without applying it, as explain always does).
        // Tagged like any long command, so that the stop button can kill it on the server.
        let tag = format!("dbkernel:{}", uuid::Uuid::new_v4());
        let command = doc! {"explain": request.command.clone(), "verbosity": "executionStats", "comment": tag.clone()};
        let started = Instant::now();
        let database = client.database(&request.db);
        let reply = tokio::select! {
            reply = database.run_command(command) => reply,
            _ = ctx.cancel.cancelled() => {
                if tokio::time::timeout(KILL_TIMEOUT, kill_tagged(client, &tag)).await.is_err() {
                    log::warn!("the server did not answer currentOp/killOp within {KILL_TIMEOUT:?}; the stopped explain may still run there");
                }
                return Err(EngineError::interrupted());
            }
        };
        match reply {
            Ok(reply) => {
                let reply = mongosh::shape::strip_metadata(&reply);
                match super::plan::parse(&reply) {
                    Ok(plan) => emit_plan(plan, cell, ctx, started.elapsed()),
                    Err(e) => {
                        ctx.sink.stderr(&format!(
                            "the plan could not be drawn ({e}); it is shown as the server returned it\n"
                        ));
                        let value = Bson::Document(reply);
                        let text = mongosh::inspect::format(&value);
                        ctx.sink.emit(QueryResult::Value(crate::result::Value {
                            value,
                            text,
                            json_tree: true,
                        }));
                    }
                }
                explained += 1;
            }
            Err(e) => {
                let reply = server_reply(server, e)?;
                return Err(match mongosh::ServerError::from_reply(&reply.document) {
                    Some(server) => shape_error(mongosh::ShapeError::Server(Box::new(server))),
                    None => EngineError::new(
                        "MongoServerError",
                        format!("explain failed: {}", reply.document),
                    ),
                });
            }
        }
    }
    if explained == 0 {
        ctx.sink.stderr("--explain: this statement sends no query or write command, so it has no plan; it was not run\n");
    }
    Ok(())
}

/// Emits a drawn plan: beside the kept one under `--compare NAME`, kept itself under `--out NAME`.
fn emit_plan(
    plan: queryplan::Plan,
    cell: &Cell,
    ctx: &mut CellContext<'_>,
    elapsed: std::time::Duration,
) {
    let before = cell.options.compare.as_ref().and_then(|name| {
        ctx.variables
            .lock()
            .plan(name)
            .cloned()
            .map(|p| (name.clone(), p))
    });
    if let Some(name) = &cell.options.out {
        ctx.variables.lock().set_plan(name, plan.clone());
    }
    ctx.sink
        .emit(QueryResult::Plan(Box::new(crate::result::PlanResult {
            plan,
            before,
            json_tree: cell.options.json,
            provenance: crate::result::Provenance {
                connection: ctx.connection_name.clone(),
                elapsed,
                note: None,
            },
        })));
}

/// What else sees every document of a displayed cursor as it streams (the cell's last statement):
/// `--chart`'s feed and `--export`'s file.
#[derive(Default)]
pub(super) struct Feeds<'a> {
    pub chart: Option<&'a mut crate::charts::DocumentFeed>,
    pub export: Option<&'a mut crate::export::DocumentExporter>,
}

/// Sends one request; a server error becomes an error reply for the shaper, other failures
/// (network, interrupt) end the cell.
pub(super) async fn send(
    server: &Server,
    request: &Request,
    keep_all: bool,
    limit: usize,
    cancel: &CancellationToken,
    feeds: Feeds<'_>,
    progress: &crate::engine::progress::Meter,
) -> Result<Reply, EngineError> {
    let Feeds {
        mut chart,
        mut export,
    } = feeds;
    let mut command = request.command.clone();
    let tag = format!("dbkernel:{}", uuid::Uuid::new_v4());
    let name = command.keys().next().cloned().unwrap_or_default();
    if TAGGABLE.contains(&name.as_str()) && !command.contains_key("comment") {
        command.insert("comment", tag.clone());
    }
    let client = &server.client;
    let database = client.database(&request.db);
    let work = async {
        match &request.kind {
            RequestKind::Command => match database.run_command(command).await {
                Ok(document) => Ok(Reply::command(document)),
                Err(e) => server_reply(server, e),
            },
            RequestKind::Cursor { keep } => {
                let mut cursor = match database.run_cursor_command(command).await {
                    Ok(cursor) => cursor,
                    Err(e) => return server_reply(server, e),
                };
                let cap = match keep {
                    Keep::All => usize::MAX,
                    Keep::Display if keep_all => usize::MAX,
                    Keep::Display => limit,
                    Keep::CountOnly => 0,
                };
                let mut documents = Vec::new();
                let mut total: u64 = 0;
                if !matches!(keep, Keep::Display) {
                    chart = None;
                    export = None;
                }
                while let Some(next) = cursor.next().await {
                    // A batch already received is drained without yielding; the stop button
                    // must not wait for it (an export writes it to disk).
                    if cancel.is_cancelled() {
                        return Err(EngineError::interrupted());
                    }
                    match next {
                        Ok(document) => {
                            total += 1;
                            progress.add(1);
                            if let Some(feed) = chart.as_deref_mut() {
                                feed.push(&document);
                            }
                            if let Some(export) = export.as_deref_mut() {
                                export.push(&document)?;
                            }
                            if documents.len() < cap {
                                documents.push(document);
                            }
                        }
                        Err(e) => return server_reply(server, e),
                    }
                }
                Ok(Reply::cursor(documents, total))
            }
        }
    };
    tokio::select! {
        reply = work => reply,
        _ = cancel.cancelled() => {
            // Bounded: a server too busy to answer `currentOp` must not hold the stop button.
            if tokio::time::timeout(KILL_TIMEOUT, kill_tagged(client, &tag)).await.is_err() {
                log::warn!("the server did not answer currentOp/killOp within {KILL_TIMEOUT:?}; the stopped operation may still run there");
            }
            Err(EngineError::interrupted())
        }
    }
}

/// Turns a driver error into the server's error reply when it is one (ok: 0 with a code), so the
/// shaper prints it as mongosh does; anything else (no server, a message the driver refused to
/// send) ends the cell with the driver error said plainly.
pub(super) fn server_reply(
    server: &Server,
    error: mongodb::error::Error,
) -> Result<Reply, EngineError> {
    use mongodb::error::ErrorKind;
    match error.kind.as_ref() {
        ErrorKind::Command(command) => {
            let name = if command.code_name.is_empty() {
                None
            } else {
                Some(command.code_name.as_str())
            };
            Ok(Reply::server_error(
                command.code,
                name,
                &command.message,
                None,
            ))
        }
        _ => Err(driver_error(&error, &server.hosts, server.timeout)),
    }
}

/// How long the stop button waits for `currentOp` + `killOp`.
pub(super) const KILL_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(800);

/// Finds the operation carrying `tag` in `currentOp` and kills it on the server.
pub(super) async fn kill_tagged(client: &Client, tag: &str) {
    let admin = client.database("admin");
    let Ok(reply) = admin
        .run_command(doc! {"currentOp": 1, "command.comment": tag})
        .await
    else {
        return;
    };
    let operations: Vec<Document> = reply
        .get_array("inprog")
        .map(|ops| {
            ops.iter()
                .filter_map(|op| op.as_document().cloned())
                .collect()
        })
        .unwrap_or_default();
    for op in operations {
        if let Some(opid) = op.get("opid") {
            let _ = admin
                .run_command(doc! {"killOp": 1, "op": opid.clone()})
                .await;
        }
    }
}
