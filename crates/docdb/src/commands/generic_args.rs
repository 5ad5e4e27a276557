//! The generic arguments a standalone mongod refuses before any command runs:
//! `writeConcern`, `readConcern`, `apiVersion`/`apiStrict`.
//!
//! Why here, once: mongod checks these in its service entry point, for every
//! command, before the command's own parsing (so a refused write concern
//! fails an insert whole, top level, not as a `writeConcernError`). This
//! engine is always a standalone with one durable node, so it can honour
//! `w: 0`, `w: 1`, `w: "majority"`, `j` (when persisted) and the read concern
//! levels `local`, `available` and `majority`; everything else is refused with
//! mongod's own codes and messages (src/mongo/db/write_concern.cpp,
//! read_concern_mongod.cpp, validate_api_parameters.cpp), never ignored.

use bson::{Bson, Document};

use crate::error::{CommandError, Result, codes};

/// The commands in Stable API version 1 that this engine answers (MongoDB's
/// Stable API changelog), by mongod's canonical command name.
const API_V1_COMMANDS: &[&str] = &[
    "abortTransaction",
    "aggregate",
    "authenticate",
    "collMod",
    "commitTransaction",
    "count",
    "create",
    "createIndexes",
    "delete",
    "drop",
    "dropDatabase",
    "dropIndexes",
    "endSessions",
    "explain",
    "find",
    "findAndModify",
    "getMore",
    "hello",
    "insert",
    "killCursors",
    "listCollections",
    "listDatabases",
    "listIndexes",
    "ping",
    "refreshSessions",
    "update",
];

/// Read-only commands that take no write concern: mongod refuses one there.
const NO_WRITE_CONCERN: &[&str] = &[
    "find",
    "getMore",
    "count",
    "distinct",
    "listCollections",
    "listIndexes",
    "listDatabases",
    "ping",
    "hello",
    "isMaster",
    "buildInfo",
];

/// Refuses what a standalone mongod refuses in `cmd`'s generic arguments.
/// `durable` says whether writes reach a journal (`j: true` needs one).
pub fn check(name: &str, cmd: &Document, durable: bool) -> Result<()> {
    let name = canonical(name);
    check_api(name, cmd)?;
    if let Some(wc) = cmd.get("writeConcern") {
        if NO_WRITE_CONCERN.contains(&name) {
            return Err(CommandError::new(
                codes::INVALID_OPTIONS,
                "Command does not support writeConcern",
            ));
        }
        check_write_concern(wc, durable)?;
    }
    if let Some(rc) = cmd.get("readConcern") {
        check_read_concern(rc)?;
    }
    Ok(())
}

/// mongod's canonical name for a command alias (used in its messages).
fn canonical(name: &str) -> &str {
    match name {
        "ismaster" => "isMaster",
        "findandmodify" => "findAndModify",
        "buildinfo" => "buildInfo",
        "deleteIndexes" => "dropIndexes",
        other => other,
    }
}

fn check_api(name: &str, cmd: &Document) -> Result<()> {
    let strict = cmd.get("apiStrict").is_some_and(truthy);
    let deprecation = cmd.get("apiDeprecationErrors").is_some_and(truthy);
    let version = cmd.get("apiVersion");
    if (cmd.contains_key("apiStrict") || cmd.contains_key("apiDeprecationErrors"))
        && version.is_none()
    {
        return Err(error(
            4886600,
            "Location4886600",
            "Provided apiStrict and/or apiDeprecationErrors without passing apiVersion",
        ));
    }
    let Some(version) = version else {
        return Ok(());
    };
    let version = match version {
        Bson::String(v) => v.as_str(),
        other => {
            return Err(CommandError::type_mismatch(format!(
                "BSON field 'apiVersion' is the wrong type '{}', expected type 'string'",
                docdb_query::value::type_alias(other)
            )));
        }
    };
    if version != "1" {
        return Err(error(
            322,
            "APIVersionError",
            "API version must be \"1\"".to_string(),
        ));
    }
    if strict && !API_V1_COMMANDS.contains(&name) {
        return Err(error(
            323,
            "APIStrictError",
            format!(
                "Provided apiStrict:true, but the command {name} is not in API Version 1. \
                 Information on supported commands and migrations in API Version 1 can be found \
                 at https://dochub.mongodb.org/core/manual-versioned-api."
            ),
        ));
    }
    // No command is deprecated in API version 1, so apiDeprecationErrors never fails.
    let _ = deprecation;
    Ok(())
}

fn check_write_concern(wc: &Bson, durable: bool) -> Result<()> {
    let Bson::Document(wc) = wc else {
        return Err(CommandError::type_mismatch(format!(
            "BSON field 'writeConcern' is the wrong type '{}', expected type 'object'",
            docdb_query::value::type_alias(wc)
        )));
    };
    let journal = wc.get("j").is_some_and(truthy) || wc.get("fsync").is_some_and(truthy);
    if journal && !durable {
        return Err(CommandError::bad_value(
            "cannot use 'j' option when a host does not have journaling enabled",
        ));
    }
    match wc.get("w") {
        None | Some(Bson::Null) => Ok(()),
        Some(Bson::String(mode)) if mode == "majority" => Ok(()),
        Some(Bson::String(mode)) => Err(CommandError::bad_value(format!(
            "cannot use non-majority 'w' mode {mode} when a host is not a member of a replica set"
        ))),
        Some(w @ (Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_))) => {
            let n = crate::index::spec::number(w).unwrap_or(-1.0);
            if !(0.0..=50.0).contains(&n) || n.fract() != 0.0 {
                Err(CommandError::failed_to_parse(format!(
                    "w has to be a non-negative number and not greater than 50; found: {n}"
                )))
            } else if n > 1.0 {
                Err(CommandError::bad_value(
                    "cannot use 'w' > 1 when a host is not replicated",
                ))
            } else {
                Ok(())
            }
        }
        Some(Bson::Document(_)) => Err(CommandError::bad_value(
            "cannot use non-majority 'w' mode when a host is not a member of a replica set",
        )),
        Some(other) => Err(CommandError::failed_to_parse(format!(
            "w has to be a number, string, or object; found: {}",
            docdb_query::value::type_alias(other)
        ))),
    }
}

fn check_read_concern(rc: &Bson) -> Result<()> {
    let Bson::Document(rc) = rc else {
        return Err(CommandError::type_mismatch(format!(
            "BSON field 'readConcern' is the wrong type '{}', expected type 'object'",
            docdb_query::value::type_alias(rc)
        )));
    };
    if let Some(key) = rc.keys().find(|k| {
        !matches!(
            k.as_str(),
            "level" | "afterClusterTime" | "atClusterTime" | "afterOpTime" | "provenance"
        )
    }) {
        return Err(error(
            40415,
            "Location40415",
            format!("BSON field 'readConcern.{key}' is an unknown field."),
        ));
    }
    match rc.get("level") {
        None => {}
        Some(Bson::String(level)) => match level.as_str() {
            "local" | "available" | "majority" => {}
            "linearizable" => {
                return Err(not_a_replica_set(
                    "node needs to be a replica set member to use read concern",
                ));
            }
            "snapshot" => {
                return Err(not_a_replica_set(
                    "node needs to be a replica set member to use readConcern: snapshot",
                ));
            }
            other => {
                return Err(CommandError::bad_value(format!(
                    "Enumeration value '{other}' for field 'readConcern.level' is not a valid value."
                )));
            }
        },
        Some(other) => {
            return Err(CommandError::type_mismatch(format!(
                "BSON field 'readConcern.level' is the wrong type '{}', expected type 'string'",
                docdb_query::value::type_alias(other)
            )));
        }
    }
    for field in ["afterClusterTime", "atClusterTime"] {
        if rc.contains_key(field) {
            return Err(CommandError::new(
                codes::ILLEGAL_OPERATION,
                format!("Cannot specify {field} readConcern without replication enabled"),
            ));
        }
    }
    Ok(())
}

fn not_a_replica_set(message: &str) -> CommandError {
    error(123, "NotAReplicaSet", message)
}

fn error(code: i32, code_name: &'static str, message: impl Into<String>) -> CommandError {
    CommandError {
        code,
        code_name,
        message: message.into(),
        extra: None,
    }
}

fn truthy(v: &Bson) -> bool {
    match v {
        Bson::Boolean(b) => *b,
        Bson::Null => false,
        other => crate::index::spec::number(other).is_some_and(|n| n != 0.0),
    }
}
