//! The kernel's half of a running script: what the JavaScript thread asks for ([`Event`]) and
//! how it is answered — planned operations with the subset's `run::send` and
//! `Operation::finish` (comment tags, `killOp` on stop, the embedded engine alike), cursors kept
//! open in the driver between batches, errors as the subset shows them.

use bson::Bson;
use bson::Document;
use futures_util::StreamExt;
use mongosh::{Operation, Output, Request};
use mongosh_js::{Host, HostError, Outcome, SessionCall, Stream};
use tokio::sync::{mpsc, oneshot};

use super::{JsState, MAX_OPEN_CURSORS, OpenCursor, Opened};
use crate::engine::mql::Server;
use crate::engine::mql::convert::shape_error;
use crate::engine::mql::run::{KILL_TIMEOUT, kill_tagged, send};
use crate::engine::{CellContext, EngineError};

/// What the JavaScript thread asks for.
pub(super) enum Event {
    /// An operation, in the explicit session of that handle if any.
    Run(
        Operation,
        Option<u64>,
        oneshot::Sender<Result<Output, HostError>>,
    ),
    Open(
        Request,
        Option<u64>,
        oneshot::Sender<Result<u64, HostError>>,
    ),
    Session(SessionCall, oneshot::Sender<Result<Bson, HostError>>),
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
pub(super) struct ChannelHost {
    pub(super) events: mpsc::UnboundedSender<Event>,
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
        self.ask(|reply| Event::Run(operation, None, reply))
    }

    fn open_cursor(&mut self, request: Request) -> Result<u64, HostError> {
        self.ask(|reply| Event::Open(request, None, reply))
    }

    fn run_in_session(&mut self, session: u64, operation: Operation) -> Result<Output, HostError> {
        self.ask(|reply| Event::Run(operation, Some(session), reply))
    }

    fn open_cursor_in_session(&mut self, session: u64, request: Request) -> Result<u64, HostError> {
        self.ask(|reply| Event::Open(request, Some(session), reply))
    }

    fn session(&mut self, call: SessionCall) -> Result<Bson, HostError> {
        self.ask(|reply| Event::Session(call, reply))
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
pub(super) fn host_error(error: EngineError, tickets: &mut Vec<EngineError>) -> HostError {
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

pub(super) async fn run_operation(
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
            Default::default(),
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
    finish(&operation, replies, tickets)
}

/// The operation's output from its replies; a server error keeps its code for the script's
/// `e.code`. Shared by the plain and the in-session paths.
pub(super) fn finish(
    operation: &Operation,
    replies: Vec<mongosh::Reply>,
    tickets: &mut Vec<EngineError>,
) -> Result<Output, HostError> {
    operation.finish(replies).map_err(|error| {
        let code = match &error {
            mongosh::ShapeError::Server(server) => Some(server.code),
            _ => None,
        };
        let mut host = host_error(shape_error(error), tickets);
        host.code = code;
        host
    })
}

pub(super) async fn open_cursor(
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
    js.cursors.insert(
        handle,
        OpenCursor {
            cursor: Opened::Plain(cursor),
            tag,
        },
    );
    Ok(handle)
}

pub(super) async fn fetch(
    server: &Server,
    js: &mut JsState,
    handle: u64,
    max: usize,
    ctx: &mut CellContext<'_>,
    tickets: &mut Vec<EngineError>,
) -> Result<(Vec<Document>, bool), HostError> {
    let Some(open) = js.cursors.get(&handle) else {
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
    let tag = open.tag.clone();
    let mut documents = Vec::new();
    let mut done = false;
    while documents.len() < max {
        let next = tokio::select! {
            next = next_document(js, handle) => next,
            _ = ctx.cancel.cancelled() => {
                js.cursors.remove(&handle);
                if tokio::time::timeout(KILL_TIMEOUT, kill_tagged(&server.client, &tag)).await.is_err() {
                    log::warn!("the server did not answer currentOp/killOp in time; the stopped query may still run there");
                }
                return Err(HostError::interrupted());
            }
        };
        match next {
            Some(Err(expired)) => {
                js.cursors.remove(&handle);
                return Err(expired);
            }
            Some(Ok(Ok(document))) => documents.push(document),
            Some(Ok(Err(e))) => {
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

/// The next document of a kept cursor (a session's cursor reads in its session).
async fn next_document(
    js: &mut JsState,
    handle: u64,
) -> Option<Result<Result<Document, mongodb::error::Error>, HostError>> {
    if matches!(js.cursors.get(&handle)?.cursor, Opened::Session { .. }) {
        return super::sessions::next_in_session(js, handle).await;
    }
    match &mut js.cursors.get_mut(&handle)?.cursor {
        Opened::Plain(cursor) => cursor.next().await.map(Ok),
        Opened::Session { .. } => None,
    }
}

/// A driver error on a cursor: a server error shaped as mongosh prints it, anything else said
/// plainly.
pub(super) fn driver_failure(
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
        _ => crate::engine::mql::connect::driver_error(&error, &server.hosts, server.timeout),
    };
    host_error(engine, tickets)
}
