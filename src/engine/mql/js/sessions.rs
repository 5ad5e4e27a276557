//! Explicit sessions of JavaScript cells: `db.getMongo().startSession(options)` and the
//! databases of `session.getDatabase(name)`, whose every command carries the session's `lsid`.
//!
//! Each session object of a script is one driver `ClientSession` here (its `lsid`, cluster and
//! operation times), kept until `endSession()` or until the JavaScript session is reset (kernel
//! restart, runtime gone), which drops it. The transaction state machine is the Node.js
//! driver's, which mongosh runs on, so the same calls are refused with the same messages ("No
//! transaction started", "Cannot call abortTransaction twice"...).
//!
//! The driver's transaction API sends the transaction's fields (`txnNumber`,
//! `startTransaction`, `autocommit: false`, its read concern) on every deployment with
//! sessions, so a standalone (the embedded engine, a standalone mongod) refuses them as it
//! refuses mongosh's: IllegalOperation (20). The Rust driver rewrites that error's message for
//! every command; mongosh's driver only for writes (and drops the code there). Errors are given
//! back as mongosh prints them: a write's is the Node.js driver's "does not support retryable
//! writes" without a code, any other command's is mongod's own "Transaction numbers are only
//! allowed on a replica set member or mongos".

use bson::{Bson, Document, doc};
use mongodb::{ClientSession, SessionCursor};
use mongosh::{Keep, Operation, Output, Reply, Request, RequestKind};
use mongosh_js::{HostError, SessionCall};

use super::host::{driver_failure, host_error};
use super::{JsState, MAX_OPEN_CURSORS, OpenCursor, Opened};
use crate::engine::mql::Server;
use crate::engine::mql::run::{KILL_TIMEOUT, TAGGABLE, kill_tagged, server_reply};
use crate::engine::{CellContext, EngineError};

/// Sessions a JavaScript session keeps open at once (each holds a server session).
const MAX_SESSIONS: usize = 10_000;

/// The Node.js driver's answer when a write meets IllegalOperation (20) (its
/// `MMAPv1_RETRY_WRITES_ERROR_MESSAGE`); the Rust driver gives every command's code-20 error this
/// message.
const NO_RETRYABLE_WRITES: &str = "This MongoDB deployment does not support retryable writes. Please add retryWrites=false to your connection string.";

/// Commands the Node.js driver runs as writes (its WRITE_OPERATION aspect).
/// mongod's answer to a transaction number on a standalone.
const NO_TRANSACTION_NUMBERS: &str =
    "Transaction numbers are only allowed on a replica set member or mongos";

const WRITES: &[&str] = &[
    "insert",
    "update",
    "delete",
    "findAndModify",
    "create",
    "drop",
    "dropDatabase",
    "createIndexes",
    "dropIndexes",
    "renameCollection",
    "dropUser",
    "bulkWrite",
];

const TRANSACTION_OPTIONS: &[&str] = &[
    "readConcern",
    "writeConcern",
    "readPreference",
    "maxCommitTimeMS",
];

/// The Node.js driver's transaction states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Txn {
    None,
    Starting,
    InProgress,
    Committed,
    CommittedEmpty,
    Aborted,
}

pub(in crate::engine::mql) struct JsSession {
    session: ClientSession,
    /// Kept beside the driver's own, which does not say which of these it is in.
    state: Txn,
}

impl JsSession {
    /// A command sent in the session moves the transaction on, as the Node.js driver's
    /// `applySession` does: its first command starts it; any command after it ended leaves it.
    fn before_command(&mut self) {
        match self.state {
            Txn::Starting => self.state = Txn::InProgress,
            Txn::Committed | Txn::CommittedEmpty | Txn::Aborted => self.state = Txn::None,
            Txn::InProgress | Txn::None => {}
        }
    }

    fn in_transaction(&self) -> bool {
        matches!(self.state, Txn::Starting | Txn::InProgress)
    }
}

/// mongod's message back on a code-20 error the Rust driver reworded.
fn mongod_message(mut error: mongodb::error::Error) -> mongodb::error::Error {
    if let mongodb::error::ErrorKind::Command(command) = error.kind.as_mut()
        && command.code == 20
        && command.message == NO_RETRYABLE_WRITES
    {
        command.message = NO_TRANSACTION_NUMBERS.into();
    }
    error
}

fn transaction_error(message: &str) -> HostError {
    HostError {
        name: "MongoTransactionError".into(),
        message: message.into(),
        code: None,
        code_name: None,
        ticket: None,
    }
}

fn expired() -> HostError {
    HostError {
        name: "MongoExpiredSessionError".into(),
        message: "Use of expired sessions is not permitted".into(),
        code: None,
        code_name: None,
        ticket: None,
    }
}

fn invalid(message: String) -> HostError {
    HostError {
        name: "MongoshInvalidInputError".into(),
        message,
        code: None,
        code_name: None,
        ticket: None,
    }
}

/// Transaction options, refused when they name something the driver does not take.
fn transaction_options(
    options: &Document,
    what: &str,
) -> Result<mongodb::options::TransactionOptions, HostError> {
    if let Some(unknown) = options
        .keys()
        .find(|key| !TRANSACTION_OPTIONS.contains(&key.as_str()))
    {
        return Err(invalid(format!(
            "{what}: unknown option '{unknown}' (the options are {})",
            TRANSACTION_OPTIONS.join(", ")
        )));
    }
    bson::deserialize_from_document(options.clone()).map_err(|e| invalid(format!("{what}: {e}")))
}

/// Answers a script's session call.
pub(super) async fn call(
    server: &Server,
    js: &mut JsState,
    call: SessionCall,
    ctx: &mut CellContext<'_>,
    tickets: &mut Vec<EngineError>,
) -> Result<Bson, HostError> {
    match call {
        SessionCall::Start(options) => start(server, js, options, tickets).await,
        SessionCall::End(handle) => {
            // Dropping the driver's session returns its server session to the pool, as the
            // Node.js driver's endSession does; its cursors are closed.
            js.sessions.remove(&handle);
            js.cursors
                .retain(|_, open| !matches!(open.cursor, Opened::Session { session, .. } if session == handle));
            Ok(Bson::Null)
        }
        SessionCall::StartTransaction(handle, options) => {
            let session = js.sessions.get_mut(&handle).ok_or_else(expired)?;
            if session.in_transaction() {
                return Err(transaction_error("Transaction already in progress"));
            }
            let parsed = transaction_options(&options, "startTransaction")?;
            let parsed = if options.is_empty() {
                None
            } else {
                Some(parsed)
            };
            session
                .session
                .start_transaction()
                .with_options(parsed)
                .await
                .map_err(|error| driver_failure(server, error, tickets))?;
            session.state = Txn::Starting;
            Ok(Bson::Null)
        }
        SessionCall::Commit(handle) => commit(server, js, handle, ctx, tickets).await,
        SessionCall::Abort(handle) => abort(js, handle).await,
        SessionCall::Times(handle) => {
            let session = js.sessions.get(&handle).ok_or_else(expired)?;
            let mut times = Document::new();
            match session
                .session
                .cluster_time()
                .and_then(|time| bson::serialize_to_document(time).ok())
            {
                Some(time) => times.insert("clusterTime", time),
                None => times.insert("clusterTime", Bson::Undefined),
            };
            match session.session.operation_time() {
                Some(time) => times.insert("operationTime", time),
                None => times.insert("operationTime", Bson::Undefined),
            };
            times.insert("inTransaction", session.in_transaction());
            Ok(Bson::Document(times))
        }
        SessionCall::AdvanceClusterTime(handle, time) => {
            let session = js.sessions.get_mut(&handle).ok_or_else(expired)?;
            let time: mongodb::ClusterTime = bson::deserialize_from_document(time).map_err(|e| {
                invalid(format!(
                    "advanceClusterTime needs {{ clusterTime: Timestamp, signature: {{ hash, keyId }} }} as the server sends it in $clusterTime: {e}"
                ))
            })?;
            session.session.advance_cluster_time(&time);
            Ok(Bson::Null)
        }
        SessionCall::AdvanceOperationTime(handle, time) => {
            let session = js.sessions.get_mut(&handle).ok_or_else(expired)?;
            let Bson::Timestamp(time) = time else {
                return Err(invalid(
                    "advanceOperationTime needs a Timestamp, e.g. Timestamp({ t: 1700000000, i: 1 })"
                        .into(),
                ));
            };
            session.session.advance_operation_time(time);
            Ok(Bson::Null)
        }
    }
}

async fn start(
    server: &Server,
    js: &mut JsState,
    options: Document,
    tickets: &mut Vec<EngineError>,
) -> Result<Bson, HostError> {
    if js.sessions.len() >= MAX_SESSIONS {
        return Err(invalid(format!(
            "startSession: {MAX_SESSIONS} sessions are open in this kernel session; end the ones you no longer need with session.endSession()"
        )));
    }
    if options.contains_key("defaultTimeoutMS") {
        return Err(invalid(
            "startSession: defaultTimeoutMS is not supported by this kernel's driver; set maxTimeMS on the operations (or maxCommitTimeMS for the commit) instead".into(),
        ));
    }
    let defaults = options
        .get_document("defaultTransactionOptions")
        .cloned()
        .unwrap_or_default();

    let mut driver_options = mongodb::options::SessionOptions::default();
    if !defaults.is_empty() {
        driver_options.default_transaction_options =
            Some(transaction_options(&defaults, "startSession")?);
    }
    for (key, value) in &options {
        match (key.as_str(), value) {
            ("defaultTransactionOptions", _) => {}
            ("causalConsistency", Bson::Boolean(b)) => driver_options.causal_consistency = Some(*b),
            ("snapshot", Bson::Boolean(b)) => driver_options.snapshot = Some(*b),
            (key, value) => {
                return Err(invalid(format!(
                    "startSession: {key} must be true or false, not {value}"
                )));
            }
        }
    }
    if driver_options.causal_consistency == Some(true) && driver_options.snapshot == Some(true) {
        return Err(HostError {
            name: "MongoInvalidArgumentError".into(),
            message: "Properties \"causalConsistency\" and \"snapshot\" are mutually exclusive"
                .into(),
            code: None,
            code_name: None,
            ticket: None,
        });
    }
    let session = server
        .client
        .start_session()
        .with_options(driver_options)
        .await
        .map_err(|e| driver_failure(server, e, tickets))?;
    let id = session.id().clone();
    js.next_session += 1;
    let handle = js.next_session;
    js.sessions.insert(
        handle,
        JsSession {
            session,
            state: Txn::None,
        },
    );
    Ok(Bson::Document(doc! { "handle": handle as f64, "id": id }))
}

async fn commit(
    server: &Server,
    js: &mut JsState,
    handle: u64,
    ctx: &mut CellContext<'_>,
    tickets: &mut Vec<EngineError>,
) -> Result<Bson, HostError> {
    let session = js.sessions.get_mut(&handle).ok_or_else(expired)?;
    match session.state {
        Txn::None => return Err(transaction_error("No transaction started")),
        Txn::Aborted => {
            return Err(transaction_error(
                "Cannot call commitTransaction after calling abortTransaction",
            ));
        }
        Txn::Starting | Txn::CommittedEmpty => {
            // Nothing was sent in the transaction: the driver commits it without a command.
            let _ = session.session.commit_transaction().await;
            session.state = Txn::CommittedEmpty;
            return Ok(Bson::Null);
        }
        Txn::InProgress | Txn::Committed => {}
    }
    session.state = Txn::Committed;
    let committed = tokio::select! {
        committed = session.session.commit_transaction() => committed,
        _ = ctx.cancel.cancelled() => return Err(HostError::interrupted()),
    };
    committed
        .map(|()| Bson::Null)
        .map_err(|error| driver_failure(server, mongod_message(error), tickets))
}

async fn abort(js: &mut JsState, handle: u64) -> Result<Bson, HostError> {
    let session = js.sessions.get_mut(&handle).ok_or_else(expired)?;
    match session.state {
        Txn::None => return Err(transaction_error("No transaction started")),
        Txn::CommittedEmpty | Txn::Committed => {
            return Err(transaction_error(
                "Cannot call abortTransaction after calling commitTransaction",
            ));
        }
        Txn::Aborted => return Err(transaction_error("Cannot call abortTransaction twice")),
        Txn::Starting | Txn::InProgress => {}
    }
    session.state = Txn::Aborted;
    // The drivers ignore an abort's errors (the transactions specification): the server ends
    // the transaction by itself after transactionLifetimeLimitSeconds anyway.
    let _ = session.session.abort_transaction().await;
    Ok(Bson::Null)
}

/// A planned operation's requests sent in the session, shaped as `host::run_operation` does.
pub(super) async fn run_operation(
    server: &Server,
    js: &mut JsState,
    handle: u64,
    mut operation: Operation,
    ctx: &mut CellContext<'_>,
    tickets: &mut Vec<EngineError>,
) -> Result<Output, HostError> {
    let session = js.sessions.get_mut(&handle).ok_or_else(expired)?;
    let mut replies = Vec::with_capacity(operation.requests.len());
    for request in operation.requests.iter_mut() {
        let reply = send(server, session, request, ctx)
            .await
            .map_err(|e| host_error(e, tickets))?;
        let name = request.command.keys().next().map(String::as_str);
        if name.is_some_and(|name| WRITES.contains(&name))
            && reply.document.get_i32("code").ok() == Some(20)
        {
            let error = EngineError::new("MongoServerError", NO_RETRYABLE_WRITES);
            let mut host = host_error(error, tickets);
            host.code_name = None;
            return Err(host);
        }
        let stop = request.stops_after(&reply);
        request.release_payload();
        replies.push(reply);
        if stop {
            break;
        }
    }
    super::host::finish(&operation, replies, tickets)
}

/// One request in the session: a command's reply, or a cursor drained to its end (a script's
/// values are whole); a server error is an error reply for the shaper.
async fn send(
    server: &Server,
    session: &mut JsSession,
    request: &Request,
    ctx: &mut CellContext<'_>,
) -> Result<Reply, EngineError> {
    let mut command = request.command.clone();
    let tag = format!("dbkernel:{}", uuid::Uuid::new_v4());
    let name = command.keys().next().cloned().unwrap_or_default();
    if TAGGABLE.contains(&name.as_str()) && !command.contains_key("comment") {
        command.insert("comment", tag.clone());
    }
    session.before_command();
    let database = server.client.database(&request.db);
    let cancel = ctx.cancel.clone();
    let progress = &ctx.progress;
    let client_session = &mut session.session;
    let work = async {
        match &request.kind {
            RequestKind::Command => {
                match database
                    .run_command(command)
                    .session(&mut *client_session)
                    .await
                {
                    Ok(document) => Ok(Reply::command(document)),
                    Err(e) => server_reply(server, mongod_message(e)),
                }
            }
            RequestKind::Cursor { keep } => {
                let mut cursor = match database
                    .run_cursor_command(command)
                    .session(&mut *client_session)
                    .await
                {
                    Ok(cursor) => cursor,
                    Err(e) => return server_reply(server, mongod_message(e)),
                };
                let keep_documents = !matches!(keep, Keep::CountOnly);
                let mut documents = Vec::new();
                let mut total: u64 = 0;
                while let Some(next) = cursor.next(&mut *client_session).await {
                    if cancel.is_cancelled() {
                        return Err(EngineError::interrupted());
                    }
                    match next {
                        Ok(document) => {
                            total += 1;
                            progress.add(1);
                            if keep_documents {
                                documents.push(document);
                            }
                        }
                        Err(e) => return server_reply(server, mongod_message(e)),
                    }
                }
                Ok(Reply::cursor(documents, total))
            }
        }
    };
    tokio::select! {
        reply = work => reply,
        _ = ctx.cancel.cancelled() => {
            if tokio::time::timeout(KILL_TIMEOUT, kill_tagged(&server.client, &tag)).await.is_err() {
                log::warn!("the server did not answer currentOp/killOp in time; the stopped operation may still run there");
            }
            Err(EngineError::interrupted())
        }
    }
}

/// Opens a `find`/`aggregate` cursor in the session, kept for the script's batches.
pub(super) async fn open_cursor(
    server: &Server,
    js: &mut JsState,
    handle: u64,
    request: Request,
    ctx: &mut CellContext<'_>,
    tickets: &mut Vec<EngineError>,
) -> Result<u64, HostError> {
    let session = js.sessions.get_mut(&handle).ok_or_else(expired)?;
    let mut command = request.command;
    let tag = format!("dbkernel:{}", uuid::Uuid::new_v4());
    if !command.contains_key("comment") {
        command.insert("comment", tag.clone());
    }
    session.before_command();
    let database = server.client.database(&request.db);
    let opened = tokio::select! {
        opened = database.run_cursor_command(command).session(&mut session.session) => opened,
        _ = ctx.cancel.cancelled() => {
            if tokio::time::timeout(KILL_TIMEOUT, kill_tagged(&server.client, &tag)).await.is_err() {
                log::warn!("the server did not answer currentOp/killOp in time; the stopped query may still run there");
            }
            return Err(HostError::interrupted());
        }
    };
    let cursor: SessionCursor<Document> = match opened {
        Ok(cursor) => cursor,
        Err(e) => return Err(driver_failure(server, mongod_message(e), tickets)),
    };
    js.next_cursor += 1;
    let id = js.next_cursor;
    if js.cursors.len() >= MAX_OPEN_CURSORS
        && let Some(oldest) = js.cursors.keys().min().copied()
    {
        js.cursors.remove(&oldest);
    }
    js.cursors.insert(
        id,
        OpenCursor {
            cursor: Opened::Session {
                cursor,
                session: handle,
            },
            tag,
        },
    );
    Ok(id)
}

/// The next document of a session's cursor, or why there is none.
pub(super) async fn next_in_session(
    js: &mut JsState,
    cursor: u64,
) -> Option<Result<Result<Document, mongodb::error::Error>, HostError>> {
    let JsState {
        cursors, sessions, ..
    } = js;
    let open = cursors.get_mut(&cursor)?;
    let Opened::Session {
        cursor: session_cursor,
        session,
    } = &mut open.cursor
    else {
        return None;
    };
    let Some(owner) = sessions.get_mut(session) else {
        return Some(Err(expired()));
    };
    session_cursor
        .next(&mut owner.session)
        .await
        .map(|next| Ok(next.map_err(mongod_message)))
}
