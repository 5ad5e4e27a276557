//! Read-only connections (`%connect NAME URL --read-only`): reference data and answer keys that
//! cells can read but not change.
//!
//! SQL connections are made read-only by the server itself, again before every cell (so a
//! transparent reconnect cannot lose it): PostgreSQL `SET default_transaction_read_only = on`,
//! MySQL/MariaDB `SET SESSION TRANSACTION READ ONLY`, SQLite `PRAGMA query_only = ON`. MongoDB and
//! Redis have no such session switch, so the kernel refuses writes before sending anything: each
//! MQL statement is planned into the commands mongosh would send and refused if one of them
//! writes; each Redis command is refused if the server's own `COMMAND INFO` flags it `write`
//! (scripts and functions too, since they may write). A cell's own `SET ... READ WRITE` can
//! still lift the SQL switch for that cell: for hostile users, use a read-only database role.

use std::sync::Arc;

use bson::Bson;
use tokio_util::sync::CancellationToken;

use crate::cell::{Cell, CellOptions};
use crate::engine::context::CollectingSink;
use crate::engine::{CellContext, Engine, EngineError, Language};
use crate::result::RedisValue;
use crate::session::variables::{SharedVariables, Variable};

/// The ename of a refused write.
pub const READ_ONLY: &str = "ReadOnlyConnection";

/// MongoDB commands that change data, collections, indexes or users.
const MQL_WRITES: &[&str] = &[
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
    "collMod",
    "convertToCapped",
    "createUser",
    "dropUser",
    "updateUser",
    "createView",
    "applyOps",
    "cloneCollectionAsCapped",
];

/// Redis commands refused whatever their flags say: they run code that may write.
const REDIS_CODE: &[&str] = &["EVAL", "EVALSHA", "FCALL", "SCRIPT", "FUNCTION"];

/// Makes a read-only SQL session so, or refuses a write in MQL or Redis, before `cell` runs.
pub async fn guard(
    name: &str,
    engine: &Arc<dyn Engine>,
    cell: &Cell,
    variables: &SharedVariables,
    cancel: &CancellationToken,
    in_transaction: bool,
) -> Result<(), EngineError> {
    match cell.language {
        // Set when the transaction began; setting it again inside would fail.
        Language::Sql if in_transaction => Ok(()),
        Language::Sql => sql_read_only(engine, variables, cancel).await,
        Language::Mql => mql_refuse_writes(name, cell),
        Language::Redis => redis_refuse_writes(name, engine, cell, variables, cancel).await,
    }
}

async fn run_quietly(
    engine: &Arc<dyn Engine>,
    language: Language,
    body: &str,
    out: Option<&str>,
    variables: &SharedVariables,
    cancel: &CancellationToken,
) -> Result<(), EngineError> {
    let cell = Cell {
        language,
        connection: None,
        options: CellOptions {
            out: out.map(str::to_string),
            ..CellOptions::default()
        },
        body: body.to_string(),
        body_line: 0,
    };
    let mut sink = CollectingSink::default();
    let mut ctx = CellContext {
        cancel: cancel.clone(),
        sink: &mut sink,
        variables: variables.clone(),
        display_limit: 1000,
        connection_name: String::new(),
        progress: Default::default(),
    };
    engine.execute(&cell, &mut ctx).await
}

async fn sql_read_only(
    engine: &Arc<dyn Engine>,
    variables: &SharedVariables,
    cancel: &CancellationToken,
) -> Result<(), EngineError> {
    let describe = engine.describe();
    let statement = if describe.starts_with("PostgreSQL") {
        "SET default_transaction_read_only = on"
    } else if describe.starts_with("MySQL") || describe.starts_with("MariaDB") {
        "SET SESSION TRANSACTION READ ONLY"
    } else {
        "PRAGMA query_only = ON"
    };
    run_quietly(engine, Language::Sql, statement, None, variables, cancel)
        .await
        .map_err(|mut e| {
            e.evalue = format!(
                "making the read-only connection read-only failed: {}",
                e.evalue
            );
            e
        })
}

fn refused(name: &str, what: &str) -> EngineError {
    EngineError::new(
        READ_ONLY,
        format!(
            "connection {name} is read-only (%connect ... --read-only): {what}; nothing was run. Run writes on another connection"
        ),
    )
}

fn mql_refuse_writes(name: &str, cell: &Cell) -> Result<(), EngineError> {
    // A cell that does not parse is left to the engine, which reports it properly.
    let Ok(script) = mongosh::parse(&cell.body) else {
        return Ok(());
    };
    let env = mongosh::Env::new();
    let mut db = "test".to_string();
    for statement in &script.statements {
        let text = cell
            .body
            .get(statement.span.start..statement.span.end)
            .unwrap_or_default()
            .trim();
        match mongosh::plan(statement, &env, &db) {
            Ok(mongosh::Step::Use { db: next, .. }) => db = next,
            Ok(mongosh::Step::Run(operation)) => {
                for request in &operation.requests {
                    let command = request
                        .command
                        .keys()
                        .next()
                        .map(String::as_str)
                        .unwrap_or("");
                    if MQL_WRITES.contains(&command) || writes_through_pipeline(&request.command) {
                        return Err(refused(name, &format!("`{text}` writes ({command})")));
                    }
                }
            }
            Ok(mongosh::Step::Assign { .. }) => {}
            // Planning needs what earlier cells defined; judge by the methods named instead.
            Err(_) => {
                let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
                let writes = [
                    ".insert",
                    ".update",
                    ".delete",
                    ".remove(",
                    ".replaceOne(",
                    ".findOneAnd",
                    ".findAndModify(",
                    ".bulkWrite(",
                    ".drop",
                    ".create",
                    ".rename",
                    "$out",
                    "$merge",
                    ".runCommand(",
                    ".adminCommand(",
                ];
                if let Some(found) = writes.iter().find(|w| compact.contains(*w)) {
                    return Err(refused(
                        name,
                        &format!("`{text}` may write ({})", found.trim_start_matches('.')),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// `aggregate` with `$out` or `$merge` writes its result into a collection.
fn writes_through_pipeline(command: &bson::Document) -> bool {
    let Ok(pipeline) = command.get_array("pipeline") else {
        return false;
    };
    pipeline.iter().any(|stage| match stage {
        Bson::Document(stage) => stage.contains_key("$out") || stage.contains_key("$merge"),
        _ => false,
    })
}

async fn redis_refuse_writes(
    name: &str,
    engine: &Arc<dyn Engine>,
    cell: &Cell,
    variables: &SharedVariables,
    cancel: &CancellationToken,
) -> Result<(), EngineError> {
    let lookup = |_: &str| Ok(b"x".to_vec());
    // A cell that does not tokenize is left to the engine, which reports it properly.
    let Ok(commands) = crate::engine::redis::tokenize::tokenize(&cell.body, &lookup) else {
        return Ok(());
    };
    let names: Vec<String> = commands
        .iter()
        .filter_map(|c| c.args.first())
        .map(|n| String::from_utf8_lossy(n).to_ascii_uppercase())
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    if let Some(code) = names.iter().find(|n| REDIS_CODE.contains(&n.as_str())) {
        return Err(refused(name, &format!("{code} may write")));
    }
    // The server knows which of its commands write: ask it, once per cell.
    const KEPT: &str = "__dbkernel_read_only_info";
    let info = format!("COMMAND INFO {}", names.join(" "));
    run_quietly(
        engine,
        Language::Redis,
        &info,
        Some(KEPT),
        variables,
        cancel,
    )
    .await?;
    let kept = variables.lock().remove(KEPT);
    let Some(Variable::Redis(RedisValue::Array(entries))) = kept else {
        return Err(refused(name, "the server did not say which commands write"));
    };
    for (command, entry) in names.iter().zip(entries) {
        let flags = match &entry {
            RedisValue::Array(fields) => fields.get(2).cloned(),
            _ => None,
        };
        let writes = match flags {
            Some(RedisValue::Array(flags) | RedisValue::Set(flags)) => flags.iter().any(|f| {
                matches!(f, RedisValue::Status(s) if s == "write")
                    || matches!(f, RedisValue::Bulk(b) if b == b"write")
            }),
            // An unknown command: the engine reports it.
            _ => false,
        };
        if writes {
            return Err(refused(name, &format!("{command} writes")));
        }
    }
    Ok(())
}
