//! `$currentOp` and the `currentOp` command: what mongod 7.0 reports of its clients,
//! operations and cursors.
//!
//! mongod walks its client list: each connection is one `type: "op"` entry, `active: true`
//! with the operation's fields while a command runs on it, `active: false` when it is idle
//! (listed only with `idleConnections: true`). `idleCursors: true` adds a
//! `type: "idleCursor"` entry per cursor no getMore is using, with mongod's `cursor`
//! subdocument (`GenericCursor`). `idleSessions` (default true) lists sessions holding an
//! inactive transaction's resources — a standalone has no transactions, so there are never
//! any, as on a standalone mongod. `allUsers` is ignored without authentication and
//! `localOps` is for mongos only (mongod ignores both the same way), and `backtrace` only adds
//! to `waitingForLatch`, which nothing here waits for. `truncateOps` shortens commands over
//! 1000 bytes to `{$truncated: "<command as text>..."}` as mongod does.
//!
//! The spec is checked as mongod checks it: `allUsers`/`localOps` of the wrong type are
//! TypeMismatch (its lite parser sees them first), the other options FailedToParse, and an
//! unknown option FailedToParse "Unrecognized option".
//!
//! Cursor counters (`nDocsReturned`, `nBatchesReturned`, `lastAccessDate`) come from the
//! replies themselves (`note_cursor_reply`, called by the engine after every command), so no
//! command that opens a cursor needs to know about this.

use bson::{Bson, Document, doc};
use docdb_query::matcher::Filter;

use crate::cursor::CursorInfo;
use crate::engine::{Ctx, Engine};
use crate::error::{CommandError, Result};

/// mongod's limit for a command shown under `truncateOps`.
const TRUNCATE_AT: usize = 1000;

/// The options of `$currentOp`, with mongod's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    pub idle_connections: bool,
    pub idle_cursors: bool,
    pub idle_sessions: bool,
    pub truncate_ops: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            idle_connections: false,
            idle_cursors: false,
            idle_sessions: true,
            truncate_ops: false,
        }
    }
}

/// Parses `{$currentOp: spec}` with mongod's codes and messages, in mongod's order: the
/// lite parser's checks, then `check_namespace` (the stage runs on `admin` only), then the
/// other options.
pub fn parse_stage(spec: &Bson, check_namespace: impl FnOnce() -> Result<()>) -> Result<Options> {
    let Bson::Document(spec) = spec else {
        return Err(CommandError::type_mismatch(format!(
            "$currentOp options must be specified in an object, but found: {}",
            docdb_query::value::type_alias(spec)
        )));
    };
    // mongod's lite parser checks these two first, with TypeMismatch.
    for (k, v) in spec {
        if matches!(k.as_str(), "allUsers" | "localOps") && !matches!(v, Bson::Boolean(_)) {
            return Err(CommandError::type_mismatch(format!(
                "The '{k}' parameter of the $currentOp stage must be a boolean value, but found: {}",
                docdb_query::value::type_alias(v)
            )));
        }
    }
    check_namespace()?;
    let mut options = Options::default();
    for (k, v) in spec {
        let slot = match k.as_str() {
            "idleConnections" => Some(&mut options.idle_connections),
            "idleCursors" => Some(&mut options.idle_cursors),
            "idleSessions" => Some(&mut options.idle_sessions),
            "truncateOps" => Some(&mut options.truncate_ops),
            // Checked and without effect here, as on a standalone mongod without users.
            "allUsers" | "localOps" | "backtrace" => None,
            other => {
                return Err(CommandError::failed_to_parse(format!(
                    "Unrecognized option '{other}' in $currentOp stage."
                )));
            }
        };
        let Bson::Boolean(value) = v else {
            return Err(CommandError::failed_to_parse(format!(
                "The '{k}' parameter of the $currentOp stage must be a boolean value, but found: {}",
                docdb_query::value::type_alias(v)
            )));
        };
        if let Some(slot) = slot {
            *slot = *value;
        }
    }
    Ok(options)
}

/// The entries `$currentOp` produces, in mongod's order: clients (with their operation),
/// then idle cursors. Running operations without a connection (direct engine calls) come
/// after the clients, as mongod's internal clients have no remote.
pub fn report(ctx: &Ctx, options: Options) -> Vec<Document> {
    let engine = ctx.engine;
    let host = host(engine);
    let now = current_op_time();
    let running = engine.ops().running();
    let clients = engine.clients().list();
    let mut out = Vec::new();
    for (id, client) in &clients {
        let ops: Vec<_> = running
            .iter()
            .filter(|op| op.connection_id == *id)
            .collect();
        if ops.is_empty() && !options.idle_connections {
            continue;
        }
        // A connection runs one command at a time; the newest is the one it runs now.
        let op = ops.last();
        let mut entry = doc! {
            "type": "op",
            "host": host.clone(),
            "desc": format!("conn{id}"),
            "connectionId": *id,
            "client": client.remote.clone(),
        };
        if let Some(name) = client.app_name() {
            entry.insert("appName", name);
        }
        if let Some(metadata) = &client.metadata {
            entry.insert("clientMetadata", metadata.clone());
        }
        entry.insert("active", op.is_some());
        entry.insert("currentOpTime", now.clone());
        entry.insert("threaded", true);
        if let Some(op) = op {
            add_operation(&mut entry, op, options);
        }
        out.push(entry);
    }
    let known = |id: i64| clients.iter().any(|(c, _)| *c == id);
    for op in running.iter().filter(|op| !known(op.connection_id)) {
        let mut entry = doc! {
            "type": "op",
            "host": host.clone(),
            "desc": "embedded",
            "active": true,
            "currentOpTime": now.clone(),
        };
        add_operation(&mut entry, op, options);
        out.push(entry);
    }
    if options.idle_cursors {
        for (id, ns, info) in engine.cursors().idle() {
            out.push(idle_cursor(&host, id, ns, info, options));
        }
    }
    // `idle_sessions`: no session ever holds transaction resources here (see the module note).
    out
}

/// mongod's `CurOp::reportState` fields of a running operation.
fn add_operation(entry: &mut Document, op: &crate::ops::OpReport, options: Options) {
    entry.insert("opid", op.opid);
    if op.kill_pending {
        entry.insert("killPending", true);
    }
    if let Some(lsid) = &op.lsid {
        entry.insert("lsid", lsid.clone());
    }
    entry.insert("secs_running", op.running_for.as_secs() as i64);
    entry.insert(
        "microsecs_running",
        i64::try_from(op.running_for.as_micros()).unwrap_or(i64::MAX),
    );
    let name = op.command.keys().next().map(String::as_str).unwrap_or("");
    entry.insert("op", logical_op(name));
    entry.insert("ns", op.ns.clone());
    entry.insert("redacted", false);
    entry.insert("command", shown(&op.command, options.truncate_ops));
    entry.insert("numYields", 0);
    entry.insert("locks", Document::new());
    entry.insert("waitingForLock", false);
}

/// mongod's logical operation of a command (`logicalOpToString`).
fn logical_op(command: &str) -> &'static str {
    match command {
        "find" => "query",
        "getMore" => "getmore",
        "insert" => "insert",
        "update" => "update",
        "delete" => "remove",
        _ => "command",
    }
}

/// A command as `$currentOp` shows it: whole, or with `truncateOps` and over 1000 bytes,
/// `{$truncated: "<text>...", comment}` (mongod's `appendAsObjOrString`).
fn shown(command: &Document, truncate: bool) -> Document {
    let size = crate::commands::write_util::bson_size(command);
    if !truncate || size <= TRUNCATE_AT {
        return command.clone();
    }
    let mut without_comment = command.clone();
    let comment = without_comment.remove("comment");
    let mut text = shell_text(&without_comment);
    if text.len() > TRUNCATE_AT {
        let mut cut = TRUNCATE_AT - 3;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("...");
    }
    let mut out = doc! {"$truncated": text};
    if let Some(comment) = comment {
        out.insert("comment", comment);
    }
    out
}

/// mongod's `BSONObj::toString`: `{ find: "c", filter: { a: 1 } }`.
fn shell_text(d: &Document) -> String {
    if d.is_empty() {
        return "{}".into();
    }
    let parts: Vec<String> = d
        .iter()
        .map(|(k, v)| format!("{k}: {}", value_text(v)))
        .collect();
    format!("{{ {} }}", parts.join(", "))
}

fn value_text(v: &Bson) -> String {
    match v {
        Bson::Document(d) => shell_text(d),
        Bson::Array(a) => {
            let parts: Vec<String> = a.iter().map(value_text).collect();
            if parts.is_empty() {
                "[]".into()
            } else {
                format!("[ {} ]", parts.join(", "))
            }
        }
        Bson::String(s) => format!("\"{s}\""),
        other => crate::index::shell_value(other),
    }
}

/// An idle cursor's entry (mongod's `CommonProcessInterface::getCurrentOps`).
fn idle_cursor(
    host: &str,
    id: i64,
    ns: String,
    info: Option<CursorInfo>,
    options: Options,
) -> Document {
    let mut entry = doc! {"type": "idleCursor", "host": host, "ns": ns};
    let mut cursor = doc! {"cursorId": id};
    if let Some(info) = info {
        if let Some(lsid) = &info.lsid {
            entry.insert("lsid", lsid.clone());
        }
        if let Some(summary) = &info.plan_summary {
            entry.insert("planSummary", summary.clone());
        }
        cursor.insert("createdDate", info.created);
        cursor.insert("lastAccessDate", info.last_access);
        cursor.insert("nDocsReturned", info.docs_returned);
        cursor.insert("nBatchesReturned", info.batches_returned);
        cursor.insert("noCursorTimeout", info.no_cursor_timeout);
        cursor.insert("tailable", info.tailable);
        cursor.insert("awaitData", info.await_data);
        cursor.insert(
            "originatingCommand",
            shown(&info.originating_command, options.truncate_ops),
        );
    }
    entry.insert("cursor", cursor);
    entry
}

/// `host:port` as mongod names itself in `$currentOp` (the port `dbkernel mongod` listens on,
/// else mongod's default).
fn host(engine: &Engine) -> String {
    let (_, parsed) = engine.command_line();
    let port = parsed
        .get_document("net")
        .ok()
        .and_then(|net| net.get("port"))
        .and_then(crate::index::spec::number)
        .map(|p| p as i64)
        .unwrap_or(27017);
    format!("localhost:{port}")
}

/// `currentOpTime`: mongod's `Date_t::toString` of now, in UTC.
fn current_op_time() -> String {
    let ms = bson::DateTime::now().timestamp_millis();
    docdb_query::expr::calendar::format_date(ms, "%Y-%m-%dT%H:%M:%S.%L+00:00", 0)
}

/// The `currentOp` command: mongod runs `[{$currentOp: {idleConnections: $all, allUsers:
/// !$ownOps, truncateOps: true}}, {$match: <the command's other fields>}]` and answers
/// `{inprog: [...]}`.
pub fn command(ctx: &Ctx) -> Result<Document> {
    let mut filter = Document::new();
    for (k, v) in ctx.cmd.iter().skip(1) {
        if !is_command_option(k) {
            filter.insert(k.clone(), v.clone());
        }
    }
    let filter = Filter::parse(&filter)?;
    let include_all = ctx.cmd.get("$all").is_some_and(truthy);
    let options = Options {
        idle_connections: include_all,
        truncate_ops: true,
        ..Options::default()
    };
    let inprog: Vec<Bson> = report(ctx, options)
        .into_iter()
        .filter(|entry| filter.matches(entry))
        .map(Bson::Document)
        .collect();
    Ok(doc! {"inprog": inprog, "ok": 1.0})
}

/// `currentOp`'s own parameters (`$all`, `$ownOps`, `$truncateOps`) and the generic
/// arguments (mongod's `isGenericArgument`), which are not part of its filter.
fn is_command_option(name: &str) -> bool {
    name.starts_with('$')
        || matches!(
            name,
            "apiVersion"
                | "apiStrict"
                | "apiDeprecationErrors"
                | "maxTimeMS"
                | "readConcern"
                | "writeConcern"
                | "lsid"
                | "clientOperationKey"
                | "txnNumber"
                | "autocommit"
                | "startTransaction"
                | "stmtId"
                | "comment"
                | "allowImplicitCollectionCreation"
                | "databaseVersion"
                | "shardVersion"
                | "mayBypassWriteBlocking"
        )
}

/// BSON's `trueValue`.
fn truthy(v: &Bson) -> bool {
    match v {
        Bson::Boolean(b) => *b,
        Bson::Int32(i) => *i != 0,
        Bson::Int64(i) => *i != 0,
        Bson::Double(d) => *d != 0.0,
        Bson::Null | Bson::Undefined => false,
        _ => true,
    }
}

/// Notes, after a command ran, what its reply says about a cursor: the cursor it opened
/// (with the command, its session and plan) or a getMore's batch.
pub(crate) fn note_cursor_reply(
    engine: &Engine,
    name: &str,
    cmd: &Document,
    reply: &Result<Document>,
    plan_summary: Option<String>,
) {
    let cursor = reply
        .as_ref()
        .ok()
        .and_then(|r| r.get_document("cursor").ok());
    if name == "getMore" {
        let id = match cmd.get("getMore") {
            Some(Bson::Int64(i)) => *i,
            Some(Bson::Int32(i)) => i64::from(*i),
            _ => return,
        };
        let batch = cursor
            .and_then(|c| c.get_array("nextBatch").ok())
            .map(Vec::len);
        engine.cursors().note_batch(id, batch);
        return;
    }
    let Some(cursor) = cursor else { return };
    let (Ok(id), Ok(first)) = (cursor.get_i64("id"), cursor.get_array("firstBatch")) else {
        return;
    };
    if id == 0 {
        return;
    }
    let flag = |field: &str| cmd.get(field).is_some_and(truthy);
    let now = bson::DateTime::now();
    let info = CursorInfo {
        created: now,
        last_access: now,
        docs_returned: first.len() as i64,
        batches_returned: 1,
        no_cursor_timeout: flag("noCursorTimeout"),
        tailable: flag("tailable"),
        await_data: flag("awaitData"),
        originating_command: cmd.clone(),
        lsid: cmd.get("lsid").cloned(),
        plan_summary,
    };
    engine.cursors().note_opened(id, info);
}
