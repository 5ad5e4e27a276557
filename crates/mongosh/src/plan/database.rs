//! Database helpers (`db.<method>(...)`) and the shell directives
//! (`show dbs`, `show collections`, `use x`, `help`).

use bson::{Bson, Document, doc};

use super::args::{Args, copy_options};
use super::cursor::CursorBuilder;
use super::{Planned, single_command};
use crate::error::PlanError;
use crate::operation::{Keep, Operation, Output, Request, RequestKind, ResultShape};

/// Every database method we plan (for "did you mean" suggestions).
pub const DATABASE_METHODS: &[&str] = &[
    "getName",
    "getSiblingDB",
    "getCollection",
    "getCollectionNames",
    "getCollectionInfos",
    "createCollection",
    "createView",
    "dropDatabase",
    "runCommand",
    "adminCommand",
    "stats",
    "aggregate",
    "version",
    "serverStatus",
    "hostInfo",
    "serverBuildInfo",
    "hello",
    "isMaster",
    "currentOp",
    "killOp",
    "getUsers",
    "createUser",
    "dropUser",
    "setProfilingLevel",
    "getProfilingStatus",
    "listCommands",
    "getMongo",
    "getLogComponents",
];

/// What a db method leads to.
pub enum DbStep {
    /// `getSiblingDB(x)`: continue on another database.
    Database(String),
    /// `getCollection(x)`: continue on a collection.
    Collection(String),
    /// Anything else.
    Planned(Planned),
}

/// Check a database name the way the server would, with a clearer message.
pub fn validate_db_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the database name is empty".to_string());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| matches!(c, '/' | '\\' | '.' | ' ' | '"' | '$' | '\0'))
    {
        return Err(format!("database names cannot contain '{bad}'"));
    }
    if name.len() > 63 {
        return Err("database names must be shorter than 64 bytes".to_string());
    }
    Ok(())
}

fn command_argument(args: &Args) -> Result<Document, PlanError> {
    match args.get(0) {
        Some(Bson::Document(d)) if !d.is_empty() => Ok(d.clone()),
        Some(Bson::String(name)) => Ok(doc! { name.clone(): 1 }),
        _ => Err(args
            .error("pass a command document such as { ping: 1 } or a command name such as 'ping'")),
    }
}

fn cursor_op(db: &str, command: Document, keep: Keep, shape: ResultShape) -> Operation {
    Operation {
        bind: None,
        silent: false,
        requests: vec![Request {
            db: db.to_string(),
            command,
            kind: RequestKind::Cursor { keep },
        }],
        shape,
        warnings: Vec::new(),
    }
}

/// Plan `db.method(args)` on database `db`.
pub fn call(db: &str, method: &str, args: &Args) -> Result<DbStep, PlanError> {
    let op = match method {
        "getSiblingDB" => {
            args.at_most(1)?;
            let name = args.string(0, "the database name")?;
            validate_db_name(&name).map_err(|e| args.error(e))?;
            return Ok(DbStep::Database(name));
        }
        "getCollection" => {
            args.at_most(1)?;
            let name = args.string(0, "the collection name")?;
            if name.is_empty() {
                return Err(args.error("the collection name is empty"));
            }
            return Ok(DbStep::Collection(name));
        }
        "getName" => {
            args.at_most(0)?;
            Operation::constant(Output::Value(Bson::String(db.to_string())))
        }
        "aggregate" => {
            return Ok(DbStep::Planned(Planned::Cursor(CursorBuilder::aggregate(
                db, None, args,
            )?)));
        }
        "getCollectionNames" => cursor_op(
            db,
            doc! { "listCollections": 1, "nameOnly": true, "authorizedCollections": true },
            Keep::All,
            ResultShape::CollectionNames,
        ),
        "getCollectionInfos" => {
            let mut command = doc! { "listCollections": 1 };
            if let Some(filter) = args.doc(0, "a filter object")? {
                command.insert("filter", filter);
            }
            copy_options(
                &mut command,
                &args.options(1)?,
                &["nameOnly", "authorizedCollections"],
            );
            cursor_op(db, command, Keep::All, ResultShape::DocumentArray)
        }
        "createCollection" => {
            args.at_most(2)?;
            let name = args.string(0, "the collection name")?;
            let mut command = doc! { "create": name };
            for (k, v) in args.options(1)? {
                command.insert(k, v);
            }
            single_command(db, command, None, ResultShape::Raw, Vec::new())
        }
        "createView" => {
            args.at_most(4)?;
            let name = args.string(0, "the view name")?;
            let source = args.string(1, "the source collection")?;
            let pipeline: Vec<Bson> = args
                .documents(2, "pipeline")?
                .into_iter()
                .map(Bson::Document)
                .collect();
            let mut command = doc! { "create": name, "viewOn": source, "pipeline": pipeline };
            copy_options(&mut command, &args.options(3)?, &["collation"]);
            single_command(db, command, None, ResultShape::Raw, Vec::new())
        }
        "dropDatabase" => single_command(
            db,
            doc! { "dropDatabase": 1 },
            None,
            ResultShape::DropDatabase(db.to_string()),
            Vec::new(),
        ),
        "runCommand" => {
            args.at_most(2)?;
            single_command(
                db,
                command_argument(args)?,
                None,
                ResultShape::Raw,
                Vec::new(),
            )
        }
        "adminCommand" => {
            args.at_most(1)?;
            single_command(
                "admin",
                command_argument(args)?,
                None,
                ResultShape::Raw,
                Vec::new(),
            )
        }
        "stats" => {
            let mut command = doc! { "dbStats": 1 };
            match args.get(0) {
                Some(Bson::Document(o)) => copy_options(&mut command, o, &["scale", "freeStorage"]),
                Some(scale) => {
                    command.insert("scale", scale.clone());
                }
                None => {}
            }
            single_command(db, command, None, ResultShape::Raw, Vec::new())
        }
        "version" => single_command(
            "admin",
            doc! { "buildInfo": 1 },
            None,
            ResultShape::Field("version".into()),
            Vec::new(),
        ),
        "serverBuildInfo" => single_command(
            "admin",
            doc! { "buildInfo": 1 },
            None,
            ResultShape::Raw,
            Vec::new(),
        ),
        "serverStatus" => single_command(
            "admin",
            doc! { "serverStatus": 1 },
            None,
            ResultShape::Raw,
            Vec::new(),
        ),
        "hostInfo" => single_command(
            "admin",
            doc! { "hostInfo": 1 },
            None,
            ResultShape::Raw,
            Vec::new(),
        ),
        "hello" | "isMaster" => {
            single_command(db, doc! { "hello": 1 }, None, ResultShape::Raw, Vec::new())
        }
        "listCommands" => single_command(
            db,
            doc! { "listCommands": 1 },
            None,
            ResultShape::Raw,
            Vec::new(),
        ),
        // As mongosh 2.x: the `$currentOp` stage on admin, the other fields of the argument as
        // a `$match` (`db.currentOp({"command.comment": "x"})`), `true` for idle connections.
        "currentOp" => {
            let (all, own, filter) = match args.get(0) {
                Some(Bson::Boolean(all)) => (*all, false, None),
                Some(Bson::Document(options)) => {
                    let flag = |k: &str| options.get(k).is_some_and(crate::value::truthy);
                    let filter: bson::Document = options
                        .iter()
                        .filter(|(k, _)| !matches!(k.as_str(), "$ownOps" | "$all" | "$truncateOps"))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    (flag("$all"), flag("$ownOps"), Some(filter))
                }
                _ => (false, false, Some(bson::Document::new())),
            };
            let mut pipeline = vec![Bson::Document(doc! {
                "$currentOp": { "allUsers": !own, "idleConnections": all, "truncateOps": false },
            })];
            if let Some(filter) = filter {
                pipeline.push(Bson::Document(doc! { "$match": filter }));
            }
            single_command(
                "admin",
                doc! { "aggregate": 1, "pipeline": pipeline, "cursor": {} },
                None,
                ResultShape::CurrentOp,
                Vec::new(),
            )
        }
        "killOp" => {
            let op = args
                .get(0)
                .cloned()
                .ok_or_else(|| args.error("pass the operation id (opid)"))?;
            single_command(
                "admin",
                doc! { "killOp": 1, "op": op },
                None,
                ResultShape::Raw,
                Vec::new(),
            )
        }
        "getUsers" => single_command(
            db,
            doc! { "usersInfo": 1 },
            None,
            ResultShape::Raw,
            Vec::new(),
        ),
        "createUser" => {
            let mut spec = args.required_doc(0, "the user document { user, pwd, roles }")?;
            let user = spec
                .remove("user")
                .ok_or_else(|| args.error("the user document needs a 'user' field"))?;
            let mut command = doc! { "createUser": user };
            command.extend(spec);
            single_command(db, command, None, ResultShape::Raw, Vec::new())
        }
        "dropUser" => {
            let user = args.string(0, "the user name")?;
            single_command(
                db,
                doc! { "dropUser": user },
                None,
                ResultShape::Raw,
                Vec::new(),
            )
        }
        "setProfilingLevel" => {
            let level = args
                .number(0, "the profiling level (0, 1 or 2)")?
                .unwrap_or(0.0);
            let mut command = doc! { "profile": crate::value::number(level) };
            match args.get(1) {
                Some(Bson::Document(o)) => {
                    copy_options(&mut command, o, &["slowms", "sampleRate", "filter"])
                }
                Some(v) => {
                    command.insert("slowms", v.clone());
                }
                None => {}
            }
            single_command(db, command, None, ResultShape::Raw, Vec::new())
        }
        "getProfilingStatus" => single_command(
            db,
            doc! { "profile": -1 },
            None,
            ResultShape::Raw,
            Vec::new(),
        ),
        _ => {
            let mut message = format!("{} is not a function", args.method);
            if super::collection::COLLECTION_METHODS.contains(&method) {
                message.push_str(&format!(" ({method} is a collection method: call it on a collection, e.g. db.users.{method}(...))"));
            } else if let Some(close) =
                crate::suggest::closest(method, DATABASE_METHODS.iter().copied())
            {
                message.push_str(&format!(" (did you mean {close}?)"));
            }
            return Err(PlanError::type_error(message, args.span));
        }
    };
    Ok(DbStep::Planned(Planned::Done(op)))
}

/// `show <what> [arg]` on database `db`.
pub fn show(
    db: &str,
    what: Option<&str>,
    arg: Option<&str>,
    args: &Args,
) -> Result<Operation, PlanError> {
    Ok(match what {
        Some("dbs") | Some("databases") => {
            single_command("admin", doc! { "listDatabases": 1, "nameOnly": false }, None, ResultShape::ShowDatabases, Vec::new())
        }
        Some("collections") | Some("tables") => cursor_op(
            db,
            doc! { "listCollections": 1, "nameOnly": true, "authorizedCollections": true },
            Keep::All,
            ResultShape::ShowCollections,
        ),
        Some("users") => single_command(db, doc! { "usersInfo": 1 }, None, ResultShape::Field("users".into()), Vec::new()),
        Some("roles") => single_command(
            db,
            doc! { "rolesInfo": 1, "showPrivileges": false, "showBuiltinRoles": true },
            None,
            ResultShape::Field("roles".into()),
            Vec::new(),
        ),
        Some("profile") => cursor_op(
            db,
            doc! { "find": "system.profile", "filter": { "millis": { "$gt": 0 } }, "sort": { "$natural": -1 }, "limit": 5 },
            Keep::All,
            ResultShape::Documents,
        ),
        Some("logs") => single_command("admin", doc! { "getLog": "*" }, None, ResultShape::Field("names".into()), Vec::new()),
        Some("log") => single_command("admin", doc! { "getLog": arg.unwrap_or("global") }, None, ResultShape::Field("log".into()), Vec::new()),
        Some("startupWarnings") => single_command("admin", doc! { "getLog": "startupWarnings" }, None, ResultShape::Field("log".into()), Vec::new()),
        Some(other) => {
            let choices = ["dbs", "databases", "collections", "tables", "users", "roles", "profile", "logs", "log", "startupWarnings"];
            let mut message = format!("'show {other}' is not a valid show command");
            if let Some(close) = crate::suggest::closest(other, choices.into_iter()) {
                message.push_str(&format!(" (did you mean show {close}?)"));
            } else {
                message.push_str(": use show dbs, show collections, show users, show roles, show profile or show logs");
            }
            return Err(args.error(message));
        }
        None => return Err(args.error("say what to show: show dbs, show collections, show users, show roles, show profile or show logs")),
    })
}

/// The `help` text: what this kernel's mongosh subset understands.
pub const HELP: &str = "\
  Shell commands:
    use <db>                    switch database
    show dbs | collections | users | roles | profile | logs
  Database: db.getName(), db.getSiblingDB(name), db.getCollection(name), db.getCollectionNames(),
    db.createCollection(name, options), db.createView(...), db.dropDatabase(), db.runCommand(cmd),
    db.adminCommand(cmd), db.stats(), db.aggregate(pipeline), db.version()
  Collection (db.<name>.<method>):
    find, findOne, insertOne, insertMany, updateOne, updateMany, replaceOne, deleteOne, deleteMany,
    findOneAndUpdate, findOneAndReplace, findOneAndDelete, bulkWrite, aggregate, countDocuments,
    estimatedDocumentCount, count, distinct, createIndex, createIndexes, getIndexes, dropIndex,
    dropIndexes, drop, renameCollection, stats, explain(verbosity)
  Cursor: .sort() .limit() .skip() .projection() .hint() .collation() .batchSize() .maxTimeMS()
    .comment() .count() .toArray() .pretty() .explain() .itcount() .size()
  Values: ObjectId(), ISODate(), new Date(), NumberInt(), NumberLong(), NumberDecimal(), UUID(),
    BinData(), Timestamp(), MinKey, MaxKey, /regex/i, const x = ..., {{kernel_variable}}
  Loops, functions and callbacks are not available: this kernel runs the mongosh subset without a
  JavaScript engine.";
