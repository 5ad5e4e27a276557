//! %%mql cells that need JavaScript (loops, functions, callbacks), run by the session's
//! `mongosh-js` runtime.
//!
//! The script runs on the runtime's own thread; each shell call it makes arrives here as an
//! [`Event`] and is answered with the subset path's own code: `run::send` for planned requests
//! (comment tags, `killOp` on stop, the embedded engine alike), `Operation::finish` for shaping,
//! `convert` for errors. Cursors stay open here, in the driver, between batches and across
//! cells (for `it`). The stop button interrupts the script (QuickJS's interrupt handler) and the
//! server operation it waits on.
//!
//! Routing ([`wants_javascript`]): a cell the subset runs keeps the subset (and its exact
//! output); a cell goes to JavaScript when the subset refuses it for needing JavaScript, when it
//! prints (`print`, `printjson`, `forEach(printjson)`: printed per value as mongosh prints), or
//! when it names something only JavaScript holds (a function a previous cell defined, `it` after
//! a JavaScript cursor).

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use bson::{Bson, Document};
use futures_util::StreamExt;
use mongosh::{Binding, Handle, Operation, Output, Request};
use mongosh_js::{ErrorKind, Global, Host, HostError, Job, Last, Limits, Outcome, Stream};
use tokio::sync::{mpsc, oneshot};

use super::convert::{kernel_variables, output_to_result, shape_error};
use super::run::{KILL_TIMEOUT, kill_tagged, send};
use super::{Server, SessionState};
use crate::cell::Cell;
use crate::engine::{CellContext, EngineError};
use crate::result::QueryResult;
use crate::session::variables::Variable;

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
}

struct OpenCursor {
    cursor: mongodb::Cursor<Document>,
    /// The comment the cursor's command was tagged with, for `killOp`.
    tag: String,
}

/// Cursors a session keeps open between batches (and cells, for `it`).
const MAX_OPEN_CURSORS: usize = 64;

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

/// Whether a cell the subset parsed must run in JavaScript instead.
pub fn wants_javascript(script: &mongosh::Script, source: &str, state: &SessionState) -> bool {
    let scanned = mongosh_js::source::scan(source);
    // `print`/`printjson` (also as `forEach(printjson)`, which the subset shows as one result)
    // print each value as mongosh does only in JavaScript.
    if scanned
        .identifiers
        .iter()
        .any(|name| state.js.opaque.contains(name) || name == "print" || name == "printjson")
    {
        return true;
    }
    // The session's variables, copied only once a statement of the cell declares one (a cell's
    // later statements may read it): the variables may hold large arrays.
    let mut declared: Option<mongosh::Env> = None;
    let mut db = state.db.clone();
    for statement in &script.statements {
        if let mongosh::StatementKind::Directive { command, .. } = &statement.kind
            && command == "it"
        {
            return state.js.has_cursor;
        }
        // A statement reading a kernel variable is not planned twice (it may be a large table);
        // the ones after it can still say JavaScript.
        if !statement.kernel_variables().is_empty() {
            continue;
        }
        let env = declared.as_ref().unwrap_or(&state.env);
        match mongosh::plan(statement, env, &db) {
            Ok(mongosh::Step::Use { db: next, .. }) => db = next,
            Ok(mongosh::Step::Assign { name, value, .. }) => declared
                .get_or_insert_with(|| state.env.clone())
                .set(&name, value),
            Ok(mongosh::Step::Run(operation)) => {
                if let Some(name) = operation.bind {
                    declared
                        .get_or_insert_with(|| state.env.clone())
                        .set(&name, Bson::Null);
                }
            }
            Err(error) => {
                return error.kind == mongosh::PlanErrorKind::Unsupported
                    && !error.message.contains("are not supported in this kernel")
                    && !error.message.starts_with("'it'");
            }
        }
    }
    false
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
    if state.js.session.is_none() {
        let limits = Limits {
            memory: memory_limit(),
            write: server.limits,
        };
        let session =
            mongosh_js::Session::start(limits).map_err(|e| EngineError::new("MongoshError", e))?;
        state.js.session = Some(session);
    }
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
            Event::Run(operation, reply) => {
                let answer = run_operation(server, operation, ctx, &mut tickets).await;
                if matches!(&answer, Err(e) if e.name == "InterruptedError") {
                    stop(state, &mut stopped);
                }
                let _ = reply.send(answer);
            }
            Event::Open(request, reply) => {
                let answer = open_cursor(server, &mut state.js, request, ctx, &mut tickets).await;
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
    state.js.has_cursor = outcome.has_cursor;
}

fn emit_last(last: Last, cell: &Cell, ctx: &mut CellContext<'_>, started: Instant) {
    let output = match last {
        Last::Nothing => None,
        Last::Value(value) => Some(Output::Value(value)),
        Last::Text(text) => Some(Output::Text(text)),
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

/// What the JavaScript thread asks for.
enum Event {
    Run(Operation, oneshot::Sender<Result<Output, HostError>>),
    Open(Request, oneshot::Sender<Result<u64, HostError>>),
    Fetch(
        u64,
        usize,
        oneshot::Sender<Result<(Vec<Document>, bool), HostError>>,
    ),
    Close(u64),
    Print(Stream, String),
    Done(Box<Outcome>),
}

/// The JavaScript thread's end of the channel: each call waits for this side's answer.
struct ChannelHost {
    events: mpsc::UnboundedSender<Event>,
}

impl ChannelHost {
    fn ask<T>(
        &self,
        event: impl FnOnce(oneshot::Sender<Result<T, HostError>>) -> Event,
    ) -> Result<T, HostError> {
        let (reply, answer) = oneshot::channel();
        if self.events.send(event(reply)).is_err() {
            return Err(HostError::interrupted());
        }
        answer
            .blocking_recv()
            .unwrap_or_else(|_| Err(HostError::interrupted()))
    }
}

impl Host for ChannelHost {
    fn run(&mut self, operation: Operation) -> Result<Output, HostError> {
        self.ask(|reply| Event::Run(operation, reply))
    }

    fn open_cursor(&mut self, request: Request) -> Result<u64, HostError> {
        self.ask(|reply| Event::Open(request, reply))
    }

    fn fetch(&mut self, cursor: u64, max: usize) -> Result<(Vec<Document>, bool), HostError> {
        self.ask(|reply| Event::Fetch(cursor, max, reply))
    }

    fn close_cursor(&mut self, cursor: u64) {
        let _ = self.events.send(Event::Close(cursor));
    }

    fn print(&mut self, stream: Stream, text: String) {
        let _ = self.events.send(Event::Print(stream, text));
    }
}

/// A kernel error as the script sees it; kept so that, uncaught, it is shown as the subset
/// path shows it.
fn host_error(error: EngineError, tickets: &mut Vec<EngineError>) -> HostError {
    let (name, code_name) = match error.ename.split_once('[') {
        Some((name, rest)) => (
            name.to_string(),
            Some(rest.trim_end_matches(']').to_string()),
        ),
        None => (error.ename.clone(), None),
    };
    let host = HostError {
        name: if error.ename == "KeyboardInterrupt" {
            "InterruptedError".into()
        } else {
            name
        },
        message: error.evalue.clone(),
        code: None,
        code_name,
        ticket: Some(tickets.len()),
    };
    tickets.push(error);
    host
}

async fn run_operation(
    server: &Server,
    mut operation: Operation,
    ctx: &mut CellContext<'_>,
    tickets: &mut Vec<EngineError>,
) -> Result<Output, HostError> {
    let mut replies = Vec::with_capacity(operation.requests.len());
    for request in operation.requests.iter_mut() {
        let reply = send(
            server,
            request,
            true,
            ctx.display_limit,
            &ctx.cancel,
            None,
            &ctx.progress,
        )
        .await
        .map_err(|e| host_error(e, tickets))?;
        let stop = request.stops_after(&reply);
        request.release_payload();
        replies.push(reply);
        if stop {
            break;
        }
    }
    match operation.finish(replies) {
        Ok(output) => Ok(output),
        Err(error) => {
            let code = match &error {
                mongosh::ShapeError::Server(server) => Some(server.code),
                _ => None,
            };
            let mut host = host_error(shape_error(error), tickets);
            host.code = code;
            Err(host)
        }
    }
}

async fn open_cursor(
    server: &Server,
    js: &mut JsState,
    request: Request,
    ctx: &mut CellContext<'_>,
    tickets: &mut Vec<EngineError>,
) -> Result<u64, HostError> {
    let mut command = request.command;
    let tag = format!("dbkernel:{}", uuid::Uuid::new_v4());
    if !command.contains_key("comment") {
        command.insert("comment", tag.clone());
    }
    let database = server.client.database(&request.db);
    let opened = tokio::select! {
        opened = database.run_cursor_command(command) => opened,
        _ = ctx.cancel.cancelled() => {
            if tokio::time::timeout(KILL_TIMEOUT, kill_tagged(&server.client, &tag)).await.is_err() {
                log::warn!("the server did not answer currentOp/killOp in time; the stopped query may still run there");
            }
            return Err(HostError::interrupted());
        }
    };
    let cursor = match opened {
        Ok(cursor) => cursor,
        Err(e) => return Err(driver_failure(server, e, tickets)),
    };
    js.next_cursor += 1;
    let handle = js.next_cursor;
    // A script that opens cursors in a loop and never reads them to the end (`hasNext()` as a
    // test) must not keep them all open: past the cap the oldest is closed (the driver kills it
    // on the server), and reading it later says so.
    if js.cursors.len() >= MAX_OPEN_CURSORS
        && let Some(oldest) = js.cursors.keys().min().copied()
    {
        js.cursors.remove(&oldest);
    }
    js.cursors.insert(handle, OpenCursor { cursor, tag });
    Ok(handle)
}

async fn fetch(
    server: &Server,
    js: &mut JsState,
    handle: u64,
    max: usize,
    ctx: &mut CellContext<'_>,
    tickets: &mut Vec<EngineError>,
) -> Result<(Vec<Document>, bool), HostError> {
    let Some(open) = js.cursors.get_mut(&handle) else {
        return Err(HostError {
            name: "MongoCursorExhaustedError".into(),
            message: format!(
                "this cursor was closed: at most {MAX_OPEN_CURSORS} cursors stay open, and it was the oldest one not read to its end; read cursors with toArray()/forEach() or close() them"
            ),
            code: None,
            code_name: None,
            ticket: None,
        });
    };
    let mut documents = Vec::new();
    let mut done = false;
    while documents.len() < max {
        let next = tokio::select! {
            next = open.cursor.next() => next,
            _ = ctx.cancel.cancelled() => {
                let tag = open.tag.clone();
                js.cursors.remove(&handle);
                if tokio::time::timeout(KILL_TIMEOUT, kill_tagged(&server.client, &tag)).await.is_err() {
                    log::warn!("the server did not answer currentOp/killOp in time; the stopped query may still run there");
                }
                return Err(HostError::interrupted());
            }
        };
        match next {
            Some(Ok(document)) => documents.push(document),
            Some(Err(e)) => {
                js.cursors.remove(&handle);
                return Err(driver_failure(server, e, tickets));
            }
            None => {
                done = true;
                break;
            }
        }
    }
    if done {
        js.cursors.remove(&handle);
    }
    Ok((documents, done))
}

/// A driver error on a cursor: a server error shaped as mongosh prints it, anything else said
/// plainly.
fn driver_failure(
    server: &Server,
    error: mongodb::error::Error,
    tickets: &mut Vec<EngineError>,
) -> HostError {
    use mongodb::error::ErrorKind as Kind;
    let engine = match error.kind.as_ref() {
        Kind::Command(command) => {
            let reply = mongosh::Reply::server_error(
                command.code,
                (!command.code_name.is_empty()).then_some(command.code_name.as_str()),
                &command.message,
                None,
            );
            match mongosh::ServerError::from_reply(&reply.document) {
                Some(server_error) => {
                    let code = server_error.code;
                    let mut host = host_error(
                        shape_error(mongosh::ShapeError::Server(Box::new(server_error))),
                        tickets,
                    );
                    host.code = Some(code);
                    return host;
                }
                None => EngineError::new("MongoServerError", command.message.clone()),
            }
        }
        _ => super::connect::driver_error(&error, &server.hosts, server.timeout),
    };
    host_error(engine, tickets)
}
