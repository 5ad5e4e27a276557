//! Handshake and server-information commands: hello/isMaster, buildInfo,
//! ping, getParameter, serverStatus, hostInfo, connectionStatus, whatsmyuri,
//! getLog, endSessions, listCommands.
//!
//! The hello reply makes drivers see a standalone 7.0 server: no `setName`,
//! `hosts` or `msg`; wire versions 0..21; `logicalSessionTimeoutMinutes` so
//! that sessions work (and are ignored); the size limits the Rust driver
//! requires.
//!
//! Awaitable hello (server monitoring's streaming protocol): a request with
//! `topologyVersion` and `maxAwaitTimeMS` asks the server to hold its reply
//! until the topology changes or the time passes. [`awaitable_hello`] decides
//! whether and how long to hold (the rules of mongod's
//! `shouldParkHelloAwaitingTopologyChange`); the holding itself is the wire
//! server's business (`server::connection`), because the synchronous engine
//! must not park a thread for ten seconds per monitoring client.

use std::time::Duration;

use bson::{Bson, Document, doc};

use crate::engine::Ctx;
use crate::error::{CommandError, Result};

pub const VERSION: &str = "7.0.0";
pub const MAX_BSON_OBJECT_SIZE: i32 = 16 * 1024 * 1024;
pub const MAX_MESSAGE_SIZE_BYTES: i32 = 48_000_000;
pub const MAX_WRITE_BATCH_SIZE: i32 = 100_000;

/// Our topologyVersion counter: a standalone's topology never changes.
pub const TOPOLOGY_COUNTER: i64 = 0;

/// What an awaitable hello asks for (both fields present and valid).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AwaitableHello {
    /// The client's maxAwaitTimeMS: the longest the reply may be held, and the
    /// interval between streamed replies.
    pub max_await: Duration,
    /// Whether the client's topologyVersion is ours (same processId, same
    /// counter), so that the reply waits; otherwise it goes at once with our
    /// current topologyVersion.
    pub wait: bool,
}

/// Reads `topologyVersion`/`maxAwaitTimeMS` from a hello or legacy hello.
/// `Ok(None)`: an ordinary hello, answered at once. Errors are mongod's: one
/// field without the other (31368), a negative counter (31372) or one above
/// ours for our processId (31382), a negative maxAwaitTimeMS.
pub fn awaitable_hello(cmd: &Document) -> Result<Option<AwaitableHello>> {
    let topology = match cmd.get("topologyVersion") {
        None => None,
        Some(Bson::Document(tv)) => Some(tv),
        Some(other) => {
            return Err(CommandError::type_mismatch(format!(
                "BSON field 'hello.topologyVersion' is the wrong type '{}', expected type 'object'",
                type_name(other)
            )));
        }
    };
    let max_await = match cmd.get("maxAwaitTimeMS") {
        None => None,
        Some(v) => Some(max_await_ms(v)?),
    };
    let (topology, max_await) = match (topology, max_await) {
        (None, None) => return Ok(None),
        (Some(tv), Some(ms)) => (tv, ms),
        (Some(_), None) => {
            return Err(location(
                31368,
                "Location31368",
                "A request with a 'topologyVersion' must include 'maxAwaitTimeMS'",
            ));
        }
        (None, Some(_)) => {
            return Err(location(
                31368,
                "Location31368",
                "A request with 'maxAwaitTimeMS' must include a 'topologyVersion'",
            ));
        }
    };
    let process = match topology.get("processId") {
        Some(Bson::ObjectId(id)) => *id,
        _ => {
            return Err(CommandError::type_mismatch(
                "BSON field 'topologyVersion.processId' is missing or not an ObjectId",
            ));
        }
    };
    let counter = match topology.get("counter") {
        Some(Bson::Int64(n)) => *n,
        Some(Bson::Int32(n)) => i64::from(*n),
        _ => {
            return Err(CommandError::type_mismatch(
                "BSON field 'topologyVersion.counter' is missing or not a long",
            ));
        }
    };
    if counter < 0 {
        return Err(location(
            31372,
            "Location31372",
            "topologyVersion must have a non-negative counter",
        ));
    }
    let ours = process == process_id();
    if ours && counter > TOPOLOGY_COUNTER {
        return Err(location(
            31382,
            "Location31382",
            format!(
                "Received a topology version with counter: {counter} which is greater than the server topology version counter: {TOPOLOGY_COUNTER}"
            ),
        ));
    }
    Ok(Some(AwaitableHello {
        max_await: Duration::from_millis(max_await),
        wait: ours && counter == TOPOLOGY_COUNTER,
    }))
}

fn max_await_ms(v: &Bson) -> Result<u64> {
    let ms = match v {
        Bson::Int32(n) => i64::from(*n),
        Bson::Int64(n) => *n,
        Bson::Double(d) if d.fract() == 0.0 && d.abs() < 9.0e15 => *d as i64,
        other => {
            return Err(CommandError::type_mismatch(format!(
                "BSON field 'hello.maxAwaitTimeMS' is the wrong type '{}', expected types '[long, int, decimal, double]'",
                type_name(other)
            )));
        }
    };
    u64::try_from(ms).map_err(|_| {
        CommandError::bad_value(format!(
            "BSON field 'maxAwaitTimeMS' value must be >= 0, actual value '{ms}'"
        ))
    })
}

fn type_name(v: &Bson) -> &'static str {
    match v {
        Bson::Double(_) => "double",
        Bson::String(_) => "string",
        Bson::Document(_) => "object",
        Bson::Array(_) => "array",
        Bson::Boolean(_) => "bool",
        Bson::Null => "null",
        Bson::Int32(_) => "int",
        Bson::Int64(_) => "long",
        _ => "other",
    }
}

/// A mongod `uassert` location code, whose codeName is `Location<code>`.
fn location(code: i32, code_name: &'static str, message: impl Into<String>) -> CommandError {
    CommandError {
        code,
        code_name,
        message: message.into(),
        extra: None,
    }
}

/// The hello reply. An awaitable hello is validated here too, so the engine
/// refuses the same malformed requests over the wire and when called directly;
/// called directly it never waits.
pub fn hello(ctx: &Ctx) -> Result<Document> {
    awaitable_hello(ctx.cmd)?;
    if let Ok(client) = ctx.cmd.get_document("client") {
        ctx.engine.clients().set_metadata(ctx.connection_id, client);
    }
    Ok(doc! {
        "helloOk": true,
        "isWritablePrimary": true,
        "ismaster": true,
        "topologyVersion": {"processId": process_id(), "counter": TOPOLOGY_COUNTER},
        "maxBsonObjectSize": MAX_BSON_OBJECT_SIZE,
        "maxMessageSizeBytes": MAX_MESSAGE_SIZE_BYTES,
        "maxWriteBatchSize": MAX_WRITE_BATCH_SIZE,
        "localTime": bson::DateTime::now(),
        "logicalSessionTimeoutMinutes": 30,
        "connectionId": ctx.connection_id,
        "minWireVersion": 0,
        "maxWireVersion": 21,
        "readOnly": false,
        "ok": 1.0,
    })
}

/// A stable ObjectId for this process (topologyVersion.processId).
pub fn process_id() -> bson::oid::ObjectId {
    static ID: std::sync::OnceLock<bson::oid::ObjectId> = std::sync::OnceLock::new();
    *ID.get_or_init(bson::oid::ObjectId::new)
}

pub fn build_info(_ctx: &Ctx) -> Result<Document> {
    Ok(doc! {
        "version": VERSION,
        "gitVersion": "docdb-embedded",
        "versionArray": [7, 0, 0, 0],
        "bits": 64,
        "debug": false,
        "maxBsonObjectSize": MAX_BSON_OBJECT_SIZE,
        "storageEngines": ["docdb"],
        "javascriptEngine": "quickjs",
        "sysInfo": "deprecated",
        "modules": [],
        "allocator": "system",
        "openssl": {"running": "disabled"},
        "ok": 1.0,
    })
}

pub fn ping(_ctx: &Ctx) -> Result<Document> {
    Ok(doc! {"ok": 1.0})
}

/// Sessions are accepted and ignored (no transactions on a standalone).
pub fn end_sessions(_ctx: &Ctx) -> Result<Document> {
    Ok(doc! {"ok": 1.0})
}

pub fn get_parameter(ctx: &Ctx) -> Result<Document> {
    let known = doc! {
        "featureCompatibilityVersion": {"version": "7.0"},
        "authenticationMechanisms": [],
        "logLevel": 0,
        "maxBSONObjectSize": MAX_BSON_OBJECT_SIZE,
        "cursorTimeoutMillis": 600_000_i64,
        // mongod's default: no test commands (no configureFailPoint here), which
        // PyMongo's harness reads to skip fail-point tests.
        "enableTestCommands": false,
    };
    let all = matches!(ctx.cmd.get("getParameter"), Some(Bson::String(s)) if s == "*")
        || matches!(ctx.cmd.get("getParameter"), Some(Bson::Document(d)) if d.get_bool("allParameters").unwrap_or(false));
    let mut reply = Document::new();
    for (k, v) in &known {
        if all || ctx.cmd.contains_key(k) {
            reply.insert(k.clone(), v.clone());
        }
    }
    if reply.is_empty() {
        return Err(CommandError::new(
            crate::error::codes::INVALID_OPTIONS,
            "no option found to get",
        ));
    }
    reply.insert("ok", 1.0);
    Ok(reply)
}

pub fn server_status(ctx: &Ctx) -> Result<Document> {
    let uptime = ctx.engine.started.elapsed();
    let open_cursors = ctx.engine.cursors().len() as i64;
    Ok(doc! {
        "host": "localhost",
        "version": VERSION,
        "process": "mongod",
        "pid": std::process::id() as i64,
        "uptime": uptime.as_secs() as f64,
        "uptimeMillis": uptime.as_millis() as i64,
        "uptimeEstimate": uptime.as_secs() as i64,
        "localTime": bson::DateTime::now(),
        "connections": {"current": 1, "available": 1000, "totalCreated": 1},
        "metrics": {"cursor": {"open": {"total": open_cursors}}},
        "opcounters": ctx.engine.opcounters.to_document(),
        "mem": crate::opcounters::mem_section(),
        "storageEngine": {"name": "docdb", "persistent": true},
        "ok": 1.0,
    })
}

pub fn host_info(_ctx: &Ctx) -> Result<Document> {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get() as i32)
        .unwrap_or(1);
    Ok(doc! {
        "system": {"currentTime": bson::DateTime::now(), "hostname": "localhost", "cpuAddrSize": 64, "numCores": cores},
        "os": {"type": std::env::consts::OS, "name": std::env::consts::OS},
        "extra": {},
        "ok": 1.0,
    })
}

pub fn connection_status(_ctx: &Ctx) -> Result<Document> {
    Ok(doc! {"authInfo": {"authenticatedUsers": [], "authenticatedUserRoles": []}, "ok": 1.0})
}

pub fn whats_my_uri(ctx: &Ctx) -> Result<Document> {
    Ok(doc! {"you": format!("127.0.0.1:{}", ctx.connection_id), "ok": 1.0})
}

pub fn get_log(ctx: &Ctx) -> Result<Document> {
    match ctx.cmd.get("getLog") {
        Some(Bson::String(s)) if s == "*" => {
            Ok(doc! {"names": ["global", "startupWarnings"], "ok": 1.0})
        }
        Some(Bson::String(s)) if s == "global" || s == "startupWarnings" => {
            Ok(doc! {"totalLinesWritten": 0, "log": [], "ok": 1.0})
        }
        other => Err(CommandError::bad_value(format!(
            "getLog: unknown log name {}; use \"*\", \"global\" or \"startupWarnings\"",
            other.map(|v| v.to_string()).unwrap_or_default()
        ))),
    }
}

pub fn list_commands(_ctx: &Ctx) -> Result<Document> {
    let mut commands = Document::new();
    for name in super::COMMAND_NAMES {
        commands.insert(
            *name,
            doc! {"help": "", "adminOnly": false, "apiVersions": []},
        );
    }
    Ok(doc! {"commands": commands, "ok": 1.0})
}
