//! Sessions as a client sees them: `endSessions`, and the source stages `$listLocalSessions`
//! (`aggregate: 1` on any database) and `$listSessions` (on `config.system.sessions`).
//!
//! Both stages read the engine's session cache (`sessions.rs`). mongod's `$listSessions`
//! reads what its cache last wrote to `config.system.sessions` (every 5 minutes); this
//! engine has no such delay, so it lists the cache as a refresh would have written it.
//! There is no authentication, so every session belongs to the unauthenticated user: a
//! `users` list naming anyone matches nothing, as it would on mongod without auth.

use bson::{Bson, Document, doc};

use crate::engine::Ctx;
use crate::error::{CommandError, Result, codes};

const STAGES: [&str; 2] = ["$listLocalSessions", "$listSessions"];

/// `endSessions: [{id: UUID}, ...]`: the sessions leave the cache.
/// `commitTransaction`/`abortTransaction`. mongod knows them on a standalone too: sent as a
/// driver sends them (with `txnNumber`), the engine's standalone check answers IllegalOperation
/// (20) before this runs, as mongod does; without a transaction mongod answers what this does.
pub fn end_transaction(ctx: &Ctx) -> Result<Document> {
    let name = ctx
        .cmd
        .keys()
        .next()
        .map(String::as_str)
        .unwrap_or("commitTransaction");
    if ctx.db != "admin" {
        return Err(CommandError::new(
            codes::UNAUTHORIZED,
            format!("{name} may only be run against the admin database."),
        ));
    }
    Err(CommandError::new(
        codes::COMMAND_FAILED,
        format!("{name} must be run within a transaction"),
    ))
}

pub fn end_sessions(ctx: &Ctx) -> Result<Document> {
    match ctx.cmd.get("endSessions") {
        Some(Bson::Array(ids)) => {
            ctx.engine.sessions().end(ids);
            Ok(doc! {"ok": 1.0})
        }
        Some(other) => Err(CommandError::type_mismatch(format!(
            "BSON field 'endSessions.endSessions' is the wrong type '{}', expected type 'array'",
            docdb_query::value::type_alias(other)
        ))),
        None => Ok(doc! {"ok": 1.0}),
    }
}

/// Is this stage one of the session source stages?
pub fn is_source_stage(stage: &Document) -> bool {
    stage.len() == 1
        && stage
            .keys()
            .next()
            .is_some_and(|k| STAGES.contains(&k.as_str()))
}

/// Refuses a session stage anywhere but first (40602, as mongod).
pub fn check_not_later(stages: &[Document]) -> Result<()> {
    for stage in stages.iter().skip(1) {
        if let Some(name) = stage.keys().next().filter(|n| STAGES.contains(&n.as_str())) {
            return Err(CommandError::new(
                40602,
                format!("{name} is only valid as the first stage in a pipeline"),
            ));
        }
    }
    Ok(())
}

/// The session records a leading session stage produces.
pub fn source_documents(ctx: &Ctx, coll: Option<&str>, stage: &Document) -> Result<Vec<Document>> {
    let Some((name, spec)) = stage.iter().next() else {
        return Ok(Vec::new());
    };
    match name.as_str() {
        "$listLocalSessions" if coll.is_some() => Err(CommandError::new(
            codes::INVALID_NAMESPACE,
            "$listLocalSessions must be run against the database with {aggregate: 1}, not a collection",
        )),
        "$listSessions" if !(ctx.db == "config" && coll == Some("system.sessions")) => {
            Err(CommandError::new(
                codes::INVALID_NAMESPACE,
                "$listSessions may only be run against config.system.sessions",
            ))
        }
        _ => {
            let everyone = parse_spec(name, spec)?;
            Ok(if everyone {
                ctx.engine.sessions().records()
            } else {
                Vec::new()
            })
        }
    }
}

/// Reads `{allUsers?, users?}`; true when the unauthenticated user's sessions are wanted.
fn parse_spec(stage: &str, spec: &Bson) -> Result<bool> {
    let Bson::Document(spec) = spec else {
        return Err(CommandError::type_mismatch(format!(
            "{stage} must take a nested object but found: {}",
            crate::index::shell_value(spec)
        )));
    };
    let mut all_users = false;
    let mut users: Option<&Vec<Bson>> = None;
    for (field, value) in spec {
        match (field.as_str(), value) {
            ("allUsers", Bson::Boolean(b)) => all_users = *b,
            ("users", Bson::Array(list)) => users = Some(list),
            ("allUsers" | "users", other) => {
                return Err(CommandError::type_mismatch(format!(
                    "BSON field '{stage}.{field}' is the wrong type '{}'",
                    docdb_query::value::type_alias(other)
                )));
            }
            _ => {
                return Err(CommandError::new(
                    40415,
                    format!("BSON field '{stage}.{field}' is an unknown field."),
                ));
            }
        }
    }
    // Without authentication every session is the unauthenticated user's: all of them,
    // unless a users list is given (it can only name other users).
    Ok(all_users || users.is_none_or(Vec::is_empty))
}
