//! Handshake and server-information commands: hello/isMaster, buildInfo,
//! ping, getParameter, serverStatus, hostInfo, connectionStatus, whatsmyuri,
//! getLog, endSessions, listCommands.
//!
//! The hello reply makes drivers see a standalone 7.0 server: no `setName`,
//! `hosts` or `msg`; wire versions 0..21; `logicalSessionTimeoutMinutes` so
//! that sessions work (and are ignored); the size limits the Rust driver
//! requires.

use bson::{Bson, Document, doc};

use crate::engine::Ctx;
use crate::error::{CommandError, Result};

pub const VERSION: &str = "7.0.0";
pub const MAX_BSON_OBJECT_SIZE: i32 = 16 * 1024 * 1024;
pub const MAX_MESSAGE_SIZE_BYTES: i32 = 48_000_000;
pub const MAX_WRITE_BATCH_SIZE: i32 = 100_000;

pub fn hello(ctx: &Ctx) -> Result<Document> {
    Ok(doc! {
        "helloOk": true,
        "isWritablePrimary": true,
        "ismaster": true,
        "topologyVersion": {"processId": process_id(), "counter": 0_i64},
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
fn process_id() -> bson::oid::ObjectId {
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
        "javascriptEngine": "none",
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
