//! The command table: command name (and MongoDB's lowercase aliases) to
//! handler, in FerretDB's shape. One file per command family; every handler
//! is `fn(&Ctx) -> Result<Document>` and never panics on bad input.

pub mod access_control;
pub mod admin;
pub mod aggregate;
pub mod args;
pub mod capped;
pub mod collections;
pub mod command_line;
pub mod count;
pub mod current_op;
pub mod cursors;
pub mod databases;
pub mod delete;
pub mod diagnostic_stages;
pub mod explain;
pub mod find;
pub mod find_and_modify;
pub mod find_index_modifiers;
pub mod generic_args;
pub mod geo_near;
pub mod group_input;
pub mod handshake;
pub mod index_stats;
pub mod indexes;
pub mod insert;
pub mod plan_cache;
pub mod profile;
pub mod sessions;
pub mod timeseries;
pub mod update;
pub mod write_util;

use bson::Document;

use crate::engine::Ctx;
use crate::error::Result;

/// A command handler.
pub type Handler = fn(&Ctx) -> Result<Document>;

/// Every command name answered, for `listCommands`.
pub const COMMAND_NAMES: &[&str] = &[
    "hello",
    "isMaster",
    "buildInfo",
    "ping",
    "getParameter",
    "endSessions",
    "commitTransaction",
    "abortTransaction",
    "killCursors",
    "getMore",
    "listDatabases",
    "listCollections",
    "listIndexes",
    "create",
    "drop",
    "dropDatabase",
    "renameCollection",
    "collStats",
    "dbStats",
    "serverStatus",
    "collMod",
    "connectionStatus",
    "whatsmyuri",
    "getLog",
    "hostInfo",
    "currentOp",
    "killOp",
    "planCacheClear",
    "insert",
    "find",
    "update",
    "delete",
    "findAndModify",
    "count",
    "distinct",
    "aggregate",
    "explain",
    "createIndexes",
    "dropIndexes",
    "listCommands",
    "validate",
    "usersInfo",
    "rolesInfo",
    "getCmdLineOpts",
    "profile",
    "convertToCapped",
    "cloneCollectionAsCapped",
];

/// The handler for a command name, `None` when unknown.
pub fn lookup(name: &str) -> Option<Handler> {
    let h: Handler = match name {
        "hello" | "isMaster" | "ismaster" => handshake::hello,
        "buildInfo" | "buildinfo" => handshake::build_info,
        "ping" => handshake::ping,
        "getParameter" => handshake::get_parameter,
        "endSessions" => sessions::end_sessions,
        "commitTransaction" | "abortTransaction" => sessions::end_transaction,
        "killSessions" | "killAllSessions" | "refreshSessions" => handshake::end_sessions,
        "serverStatus" => handshake::server_status,
        "hostInfo" => handshake::host_info,
        "connectionStatus" => handshake::connection_status,
        "whatsmyuri" => handshake::whats_my_uri,
        "getLog" => handshake::get_log,
        "listCommands" => handshake::list_commands,
        "currentOp" => current_op::command,
        "killOp" => admin::kill_op,
        "planCacheClear" => plan_cache::plan_cache_clear,
        "getMore" => cursors::get_more,
        "killCursors" => cursors::kill_cursors,
        "listDatabases" => databases::list_databases,
        "dropDatabase" => databases::drop_database,
        "dbStats" => databases::db_stats,
        "listCollections" => collections::list_collections,
        "create" => collections::create,
        "drop" => collections::drop,
        "renameCollection" => collections::rename_collection,
        "collStats" => collections::coll_stats,
        "collMod" => collections::coll_mod,
        "validate" => collections::validate,
        "createIndexes" => indexes::create_indexes,
        "dropIndexes" | "deleteIndexes" => indexes::drop_indexes,
        "listIndexes" => indexes::list_indexes,
        "insert" => insert::insert,
        "update" => update::update,
        "delete" => delete::delete,
        "find" => find::find,
        "findAndModify" | "findandmodify" => find_and_modify::find_and_modify,
        "count" => count::count,
        "distinct" => count::distinct,
        "aggregate" => aggregate::aggregate,
        "explain" => explain::explain,
        "usersInfo" => access_control::users_info,
        "rolesInfo" => access_control::roles_info,
        "getCmdLineOpts" => command_line::get_cmd_line_opts,
        "profile" => profile::profile,
        "convertToCapped" => capped::convert_to_capped,
        "cloneCollectionAsCapped" => capped::clone_collection_as_capped,
        _ => return None,
    };
    Some(h)
}
