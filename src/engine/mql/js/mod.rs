//! %%mql cells that need JavaScript (loops, functions, callbacks), run by the session's
//! `mongosh-js` runtime.
//!
//! The script runs on the runtime's own thread; each shell call it makes arrives here as an
//! `host::Event` and is answered with the subset path's own code: `run::send` for planned requests
//! (comment tags, `killOp` on stop, the embedded engine alike), `Operation::finish` for shaping,
//! `convert` for errors. Cursors stay open here, in the driver, between batches and across
//! cells (for `it`). The stop button interrupts the script (QuickJS's interrupt handler) and the
//! server operation it waits on.
//!
//! `route` decides which cells run here, `host` answers the script's calls.

mod host;
mod route;
mod sessions;

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use bson::Document;
use mongosh::{Binding, Handle, Output};
use mongosh_js::{ErrorKind, Global, Job, Last, Limits, Outcome, Stream};
use tokio::sync::mpsc;

use super::convert::{kernel_variables, output_to_result};
use super::{Server, SessionState};
use crate::cell::Cell;
use crate::engine::{CellContext, EngineError};
use crate::result::QueryResult;
use crate::session::variables::Variable;
use host::{ChannelHost, Event, fetch, open_cursor, run_operation};
pub use route::wants_javascript;

/// The JavaScript side of an MQL session.
#[derive(Default)]
pub struct JsState {
    session: Option<mongosh_js::Session>,
    cursors: HashMap<u64, OpenCursor>,
    next_cursor: u64,
    /// Top-level names a JavaScript cell defined that have no BSON value (functions, classes).
    opaque: HashSet<String>,
    /// The shell variables as JavaScript last saw them, so only changed ones are sent again.
    synced: HashMap<String, Binding>,
    /// Whether `it` has a cursor to continue.
    has_cursor: bool,
    /// The scripts' explicit sessions (`startSession()`), by handle; dropped with this state.
    sessions: HashMap<u64, sessions::JsSession>,
    next_session: u64,
    /// The last shell cell's `find` whose shown documents `it` continues (see `shown_documents`).
    pub(super) resume: Option<Document>,
}

pub(super) struct OpenCursor {
    pub(super) cursor: Opened,
    /// The comment the cursor's command was tagged with, for `killOp`.
    pub(super) tag: String,
}

/// A kept cursor: the driver's, or one read in an explicit session.
pub(super) enum Opened {
    Plain(mongodb::Cursor<Document>),
    Session {
        cursor: mongodb::SessionCursor<Document>,
        session: u64,
    },
}

/// A shell cell showed a result's documents: `it` no longer continues a JavaScript cell's cursor.
/// When they were a `find`'s and fewer than all were shown, `it` shows the next batch: the shell
/// cell read its result at once and closed its cursor, so `it` runs the find again from where the
/// shown documents end (its `skip` moved on by them).
pub fn shown_documents(
    state: &mut SessionState,
    operation: &mongosh::Operation,
    shown: usize,
    total: u64,
) {
    state.js.has_cursor = false;
    state.js.resume = match operation.requests.as_slice() {
        [request]
            if (shown as u64) < total
                && request.command.keys().next().map(String::as_str) == Some("find") =>
        {
            Some(bson::doc! {
                "db": request.db.clone(),
                "command": request.command.clone(),
                "shown": shown as i64,
            })
        }
        _ => None,
    };
}

/// The JavaScript that continues the last shell cell's `find` (`__resume` in the prelude).
fn resumed_source(source: &str, resume: &Document) -> String {
    let json = bson::Bson::Document(resume.clone())
        .into_canonical_extjson()
        .to_string();
    let literal = serde_json::to_string(&json).unwrap_or_else(|_| "\"{}\"".into());
    let padding = source.len() - source.trim_start().len();
    format!("{}__resume({literal})", &source[..padding])
}

/// Cursors a session keeps open between batches (and cells, for `it`).
pub(super) const MAX_OPEN_CURSORS: usize = 64;

/// The heap limit of a session's JavaScript runtime (`DBKERNEL_JS_MEMORY_MB`, default 512).
fn memory_limit() -> usize {
    std::env::var("DBKERNEL_JS_MEMORY_MB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|mb| *mb >= 8)
        .unwrap_or(512)
        * 1024
        * 1024
}

/// Runs the cell in JavaScript. `subset_error` is the subset parser's error for a cell it could
/// not parse: shown instead of QuickJS's when the cell is not JavaScript either.
pub async fn run_cell(
    server: &Server,
    state: &mut SessionState,
    cell: &Cell,
    ctx: &mut CellContext<'_>,
    source: &str,
    subset_error: Option<EngineError>,
) -> Result<(), EngineError> {
    if cell.options.chart.is_some() {
        return Err(EngineError::usage(
            "--chart draws the documents of a cell's last shell statement, and this cell runs as JavaScript: keep its value with --out NAME and draw it with %chart NAME; nothing was run",
        ));
    }
    if cell.options.export.is_some() {
        return Err(EngineError::usage(
            "--export writes the documents of a cell's last shell statement, and this cell runs as JavaScript: keep its value with --out NAME and write it with %export NAME PATH; nothing was run",
        ));
    }
    if state.js.session.is_none() {
        let limits = Limits {
            memory: memory_limit(),
            write: server.limits,
        };
        let session =
            mongosh_js::Session::start(limits).map_err(|e| EngineError::new("MongoshError", e))?;
        state.js.session = Some(session);
    }
    // `it` after a shell cell's find continues it (once; the next `it` continues the cursor).
    let resumed;
    let source = match &state.js.resume {
        Some(resume) if !state.js.has_cursor && source.trim() == "it" => {
            resumed = resumed_source(source, resume);
            state.js.resume = None;
            resumed.as_str()
        }
        _ => source,
    };
    let globals = changed_globals(state);
    let scanned = mongosh_js::source::scan(source);
    let names: Vec<&str> = scanned
        .kernel_variables
        .iter()
        .map(String::as_str)
        .collect();
    let kernel = kernel_variables(&ctx.variables, &names);
    let (events, mut receiver) = mpsc::unbounded_channel::<Event>();
    let done = events.clone();
    let job = Job {
        source: source.to_string(),
        db: state.db.clone(),
        globals,
        kernel_variables: kernel,
        keep_all: cell.options.out.is_some(),
        host: Box::new(ChannelHost { events }),
        done: Box::new(move |outcome| {
            let _ = done.send(Event::Done(Box::new(outcome)));
        }),
    };
    let started = Instant::now();
    let Some(session) = state.js.session.as_ref() else {
        return Err(EngineError::new("MongoshError", "no JavaScript session"));
    };
    session.run(job);
    let mut tickets: Vec<EngineError> = Vec::new();
    let mut stopped = false;
    let outcome = loop {
        let event = tokio::select! {
            event = receiver.recv() => event,
            _ = ctx.cancel.cancelled(), if !stopped => {
                stopped = true;
                if let Some(session) = state.js.session.as_ref() {
                    session.interrupt();
                }
                continue;
            }
        };
        let Some(event) = event else {
            // The runtime's thread is gone: the next cell starts a fresh one.
            state.js = JsState::default();
            return Err(EngineError::new(
                "MongoshError",
                "the JavaScript runtime ended without an answer; restart the kernel",
            ));
        };
        match event {
            Event::Done(outcome) => break *outcome,
            Event::Print(stream, text) => match stream {
                Stream::Out => ctx.sink.stdout(&text),
                Stream::Err => ctx.sink.stderr(&text),
            },
            Event::Run(operation, session, reply) => {
                let answer = match session {
                    Some(session) => {
                        sessions::run_operation(
                            server,
                            &mut state.js,
                            session,
                            operation,
                            ctx,
                            &mut tickets,
                        )
                        .await
                    }
                    None => run_operation(server, operation, ctx, &mut tickets).await,
                };
                if matches!(&answer, Err(e) if e.name == "InterruptedError") {
                    stop(state, &mut stopped);
                }
                let _ = reply.send(answer);
            }
            Event::Open(request, session, reply) => {
                let answer = match session {
                    Some(session) => {
                        sessions::open_cursor(
                            server,
                            &mut state.js,
                            session,
                            request,
                            ctx,
                            &mut tickets,
                        )
                        .await
                    }
                    None => open_cursor(server, &mut state.js, request, ctx, &mut tickets).await,
                };
                if matches!(&answer, Err(e) if e.name == "InterruptedError") {
                    stop(state, &mut stopped);
                }
                let _ = reply.send(answer);
            }
            Event::Fetch(handle, max, reply) => {
                let answer = fetch(server, &mut state.js, handle, max, ctx, &mut tickets).await;
                if matches!(&answer, Err(e) if e.name == "InterruptedError") {
                    stop(state, &mut stopped);
                }
                let _ = reply.send(answer);
            }
            Event::Session(call, reply) => {
                let answer = sessions::call(server, &mut state.js, call, ctx, &mut tickets).await;
                if matches!(&answer, Err(e) if e.name == "InterruptedError") {
                    stop(state, &mut stopped);
                }
                let _ = reply.send(answer);
            }
            Event::Close(handle) => {
                state.js.cursors.remove(&handle);
            }
        }
    };
    if matches!(&outcome.result, Err(e) if e.kind == ErrorKind::Dead) {
        state.js = JsState::default();
    } else {
        apply_outcome(state, &outcome);
    }
    let last = match outcome.result {
        Ok(last) => last,
        Err(error) => {
            if stopped || error.kind == ErrorKind::Interrupted {
                return Err(EngineError::interrupted());
            }
            // The subset parser's message is the better one (position, "did you mean"), unless
            // it only said that the cell needs JavaScript.
            if error.kind == ErrorKind::Syntax
                && let Some(subset) = subset_error
                && !subset.evalue.contains("without a JavaScript engine")
            {
                return Err(subset);
            }
            if let Some(ticket) = error.ticket
                && let Some(original) = tickets.get(ticket)
            {
                return Err(original.clone());
            }
            return Err(script_error(&error, source));
        }
    };
    emit_last(last, cell, ctx, started);
    Ok(())
}

fn stop(state: &SessionState, stopped: &mut bool) {
    *stopped = true;
    if let Some(session) = state.js.session.as_ref() {
        session.interrupt();
    }
}

/// Shell variables set by subset cells since JavaScript last saw them.
fn changed_globals(state: &mut SessionState) -> Vec<(String, Global)> {
    let mut changed = Vec::new();
    for name in state.env.names() {
        let binding = match (state.env.get(name), state.env.handle(name)) {
            (Some(value), _) => Binding::Value(value.clone()),
            (None, Some(handle)) => Binding::Handle(handle.clone()),
            _ => continue,
        };
        if state.js.synced.get(name) == Some(&binding) {
            continue;
        }
        let global = match &binding {
            Binding::Value(value) => Global::Value(value.clone()),
            Binding::Handle(Handle::Database(db)) => Global::Database(db.clone()),
            Binding::Handle(Handle::Collection { db, name }) => Global::Collection {
                db: db.clone(),
                name: name.clone(),
            },
        };
        changed.push((name.to_string(), global));
    }
    for (name, global) in &changed {
        state.js.synced.insert(name.clone(), binding_of(global));
    }
    changed
}

fn binding_of(global: &Global) -> Binding {
    match global {
        Global::Value(value) => Binding::Value(value.clone()),
        Global::Database(db) => Binding::Handle(Handle::Database(db.clone())),
        Global::Collection { db, name } => Binding::Handle(Handle::Collection {
            db: db.clone(),
            name: name.clone(),
        }),
    }
}

/// The script's variables become shell variables (so a later subset cell reads them), and the
/// database it switched to the session's.
fn apply_outcome(state: &mut SessionState, outcome: &Outcome) {
    state.db = outcome.db.clone();
    for (name, global) in &outcome.globals {
        let binding = binding_of(global);
        state.env.set(name, binding.clone());
        state.js.synced.insert(name.clone(), binding);
        state.js.opaque.remove(name);
    }
    for name in &outcome.opaque {
        state.js.opaque.insert(name.clone());
    }
    // Only a cell that showed a cursor (or ran `it`) changes what `it` continues: a cursor a
    // shell cell's documents made `it` forget stays forgotten through other JavaScript cells.
    if matches!(outcome.result, Ok(Last::Cursor { .. } | Last::NoCursor)) {
        state.js.has_cursor = outcome.has_cursor;
        state.js.resume = None;
    }
}

fn emit_last(last: Last, cell: &Cell, ctx: &mut CellContext<'_>, started: Instant) {
    let output = match last {
        Last::Nothing => None,
        Last::Value(value) => Some(Output::Value(value)),
        Last::Text(text) => Some(Output::Text(text)),
        Last::Shown { value, text } => {
            if let Some(name) = &cell.options.out {
                ctx.variables.lock().set(name, Variable::Bson(value));
            }
            if let Some(result) = output_to_result(
                Output::Text(text),
                &ctx.connection_name,
                started.elapsed(),
                ctx.display_limit,
                cell.options.json,
            ) {
                ctx.sink.emit(result);
            }
            return;
        }
        Last::NoCursor => Some(Output::Text("no cursor".into())),
        Last::Cursor { documents, more } => {
            let total = documents.len() as u64;
            if let Some(name) = &cell.options.out {
                ctx.variables
                    .lock()
                    .set(name, Variable::Documents(documents.clone()));
            }
            if let Some(result) = output_to_result(
                Output::Documents { documents, total },
                &ctx.connection_name,
                started.elapsed(),
                ctx.display_limit,
                cell.options.json,
            ) {
                ctx.sink.emit(result);
            }
            if more {
                ctx.sink
                    .emit(QueryResult::Text("Type \"it\" for more".into()));
            }
            return;
        }
    };
    let Some(output) = output else {
        return;
    };
    if let Some(name) = &cell.options.out {
        ctx.variables
            .lock()
            .set(name, Variable::Bson(output.to_bson()));
    }
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

/// An uncaught JavaScript error: mongosh's `Name: message`, with the cell line and a caret.
fn script_error(error: &mongosh_js::ScriptError, source: &str) -> EngineError {
    let mut e = EngineError::new(error.name.clone(), error.message.clone());
    if let (Some(line), Some(column)) = (error.line, error.column)
        && let Some(text) = source.lines().nth(line.saturating_sub(1))
    {
        e = e.with_detail(format!("at line {line}, column {column}:"));
        e = e.with_detail(format!("  {text}"));
        e = e.with_detail(format!("  {}^", " ".repeat(column.saturating_sub(1))));
    }
    e
}
