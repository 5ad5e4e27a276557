//! The contract between the planner and the kernel.
//!
//! Planning a statement yields an [`Operation`]: the database commands to
//! send ([`Request`]s, in order) and how to turn their replies into what
//! mongosh would print ([`ResultShape`], applied by [`Operation::finish`]).
//! The kernel owns all I/O: it sends each request through the driver, drains
//! cursor requests with `getMore` (keeping as many documents as [`Keep`]
//! asks and counting the rest), and hands back one [`Reply`] per request.
//! This keeps the crate pure and testable without a server.

use bson::{Bson, Document};

use crate::shape::{self, ShapeError};

/// Whether a request's reply is a plain document or a cursor to drain.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestKind {
    /// Send with `run_command`; the reply document is the result.
    Command,
    /// Send with `run_cursor_command` (or `run_command` and follow
    /// `cursor.firstBatch` / `getMore`); the kernel drains the cursor.
    Cursor {
        /// How many of the drained documents the shape needs.
        keep: Keep,
    },
}

/// How many cursor documents the kernel must keep (it always counts all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// Keep up to the kernel's display limit; count the rest.
    Display,
    /// Keep every document (`toArray()`, a result bound to a variable, helpers
    /// whose answer is computed from all documents).
    All,
    /// Keep none; only the total is used (`itcount()`).
    CountOnly,
}

/// One database command.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Database to run it against.
    pub db: String,
    /// The command document, first key is the command name.
    pub command: Document,
    /// Plain command or cursor.
    pub kind: RequestKind,
}

/// The array a write command carries its operations in (`insert` → `documents`, ...).
pub(crate) fn operations_field(command: &Document) -> Option<&'static str> {
    match command.keys().next().map(String::as_str) {
        Some("insert") => Some("documents"),
        Some("update") => Some("updates"),
        Some("delete") => Some("deletes"),
        _ => None,
    }
}

impl Request {
    /// How many operations a write command carries (documents, updates or deletes), also after
    /// [`Request::release_payload`]; `None` for other commands.
    pub fn operation_count(&self) -> Option<usize> {
        match self.command.get(operations_field(&self.command)?)? {
            Bson::Array(items) => Some(items.len()),
            Bson::Int64(n) => usize::try_from(*n).ok(),
            _ => None,
        }
    }

    /// Frees a sent write command's operations, keeping only their count (which is all the
    /// shapes read). The kernel calls it after each batch, so the documents of an insert of
    /// 700,000 rows are not all held until the last batch has been answered.
    pub fn release_payload(&mut self) {
        if let (Some(field), Some(count)) =
            (operations_field(&self.command), self.operation_count())
        {
            self.command.insert(field, Bson::Int64(count as i64));
        }
    }

    /// Whether the kernel must send no later request of the operation after this reply: the
    /// command failed (`ok: 0`), or an ordered write reported a write error (an ordered
    /// `insertMany` or `bulkWrite` split in batches stops at its first error, as the driver does).
    pub fn stops_after(&self, reply: &Reply) -> bool {
        let failed = match reply.document.get("ok") {
            Some(Bson::Int32(i)) => *i == 0,
            Some(Bson::Int64(i)) => *i == 0,
            Some(Bson::Double(d)) => *d == 0.0,
            Some(Bson::Boolean(b)) => !*b,
            _ => false,
        };
        let is_write = matches!(
            self.command.keys().next().map(String::as_str),
            Some("insert" | "update" | "delete")
        );
        let ordered = !matches!(self.command.get("ordered"), Some(Bson::Boolean(false)));
        let write_errors =
            matches!(reply.document.get("writeErrors"), Some(Bson::Array(e)) if !e.is_empty());
        failed || (is_write && ordered && write_errors)
    }
}

/// The drained documents of a cursor reply.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CursorReply {
    /// The documents kept (per [`Keep`]).
    pub documents: Vec<Document>,
    /// The exact number of documents the cursor produced.
    pub total: u64,
}

/// What the kernel hands back for one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The command's reply document; for a failed command, the server's error
    /// document (`{ ok: 0, errmsg, code, codeName, errInfo? }`).
    pub document: Document,
    /// For cursor requests, the drained documents.
    pub cursor: Option<CursorReply>,
}

impl Reply {
    /// A successful plain reply.
    pub fn command(document: Document) -> Self {
        Reply {
            document,
            cursor: None,
        }
    }

    /// A drained cursor reply.
    pub fn cursor(documents: Vec<Document>, total: u64) -> Self {
        Reply {
            document: bson::doc! { "ok": 1 },
            cursor: Some(CursorReply { documents, total }),
        }
    }

    /// A failed command, built from the driver's error fields.
    pub fn server_error(
        code: i32,
        code_name: Option<&str>,
        errmsg: &str,
        err_info: Option<Document>,
    ) -> Self {
        let mut document = bson::doc! { "ok": 0, "errmsg": errmsg, "code": code };
        if let Some(name) = code_name {
            document.insert("codeName", name);
        }
        if let Some(info) = err_info {
            document.insert("errInfo", info);
        }
        Reply {
            document,
            cursor: None,
        }
    }
}

/// What a statement printed, in mongosh's shapes.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// A cursor's documents (`find`, `aggregate`): the kept documents and the exact total.
    Documents {
        /// The documents kept.
        documents: Vec<Document>,
        /// How many the cursor produced in all.
        total: u64,
    },
    /// A single value: a result document, a count, `true`, an index name.
    Value(Bson),
    /// Shell text such as `switched to db shop` or the `show dbs` table.
    Text(String),
}

impl Output {
    /// The value to bind to a variable (`const r = ...`).
    pub fn to_bson(&self) -> Bson {
        match self {
            Output::Documents { documents, .. } => {
                Bson::Array(documents.iter().cloned().map(Bson::Document).collect())
            }
            Output::Value(v) => v.clone(),
            Output::Text(t) => Bson::String(t.clone()),
        }
    }

    /// Plain text, as mongosh would print it.
    pub fn render_text(&self) -> String {
        match self {
            Output::Documents { documents, total } => {
                if documents.is_empty() && *total == 0 {
                    return String::new();
                }
                let mut text = crate::inspect::format_documents(&self.to_bson());
                let shown = documents.len() as u64;
                if *total > shown {
                    text.push_str(&format!("\n(showing {shown} of {total} documents)"));
                }
                text
            }
            Output::Value(v) => crate::inspect::format(v),
            Output::Text(t) => t.clone(),
        }
    }
}

/// How replies become an [`Output`]. Built by the planner; see `shape/`.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultShape {
    /// No requests: the output is known at planning time.
    Constant(Output),
    /// A cursor's documents.
    Documents,
    /// All of a cursor's documents as an array value (`toArray()`, `getIndexes()`).
    DocumentArray,
    /// The first document or `null` (`findOne`, `next()`).
    FirstOrNull,
    /// Whether the cursor produced anything (`hasNext()`).
    HasNext,
    /// The cursor's total (`itcount()`).
    Total,
    /// The `n` field of a `count` reply.
    CountField,
    /// `countDocuments`: the `n` of the single `$group` document, or 0.
    CountDocuments,
    /// `distinct`: the `values` array.
    Distinct,
    /// `insertOne`: the client-side `_id`.
    InsertOne {
        /// The `_id` of the inserted document.
        id: Bson,
    },
    /// `insertMany` / `insert`: the client-side `_id`s by position.
    InsertMany {
        /// The `_id`s in order.
        ids: Vec<Bson>,
    },
    /// `updateOne`, `updateMany`, `replaceOne`.
    Update,
    /// `deleteOne`, `deleteMany`.
    Delete,
    /// `findOneAndX`: the `value` field.
    FindAndModify,
    /// `bulkWrite`: one request per batch.
    BulkWrite {
        /// The batches, in request order.
        batches: Vec<BulkBatch>,
    },
    /// `createIndex`: the index name.
    IndexName(String),
    /// `createIndexes`: the index names.
    IndexNames(Vec<String>),
    /// `drop`: `true`, or `false` when the collection did not exist.
    Drop,
    /// `dropDatabase`: `{ ok: 1, dropped: name }`.
    DropDatabase(String),
    /// The reply without driver metadata (`$clusterTime`, `operationTime`).
    Raw,
    /// One field of the reply (`version()` → `version`).
    Field(String),
    /// `show dbs`.
    ShowDatabases,
    /// `show collections`.
    ShowCollections,
    /// `getCollectionNames()`: sorted names.
    CollectionNames,
    /// `stats()` built from `$collStats` output as mongosh builds it; `field` picks one of its
    /// fields (`dataSize()` → `size`).
    CollStats {
        /// `db.coll`.
        ns: String,
        /// The `scale` sizes are divided by.
        scale: f64,
        /// Keep `indexDetails` (`stats({indexDetails: true})`).
        index_details: bool,
        /// One field of the result instead of all of it.
        field: Option<String>,
    },
    /// `currentOp()`: `{ inprog: [the cursor's documents], ok: 1 }`.
    CurrentOp,
    /// A shape followed by property accesses (`db.c.findOne()._id`).
    Pick(Box<ResultShape>, Vec<Bson>),
}

/// One command of a `bulkWrite`.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkBatch {
    /// What the command does.
    pub kind: BulkKind,
    /// For each operation in the command, its index in the user's array.
    pub indexes: Vec<usize>,
    /// For insert batches, the client-side `_id` of each document.
    pub inserted_ids: Vec<Bson>,
}

/// Kinds of `bulkWrite` batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkKind {
    /// `insert`
    Insert,
    /// `update`
    Update,
    /// `delete`
    Delete,
}

/// A planned statement that needs the server (or prints a constant).
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// Bind the result to this variable (`const r = db.c.insertOne(...)`).
    pub bind: Option<String>,
    /// True for declarations: mongosh prints nothing for `const x = ...`.
    pub silent: bool,
    /// The commands to send, in order. Stop at the first failed one and pass
    /// the replies received so far (the failed one included) to `finish`.
    pub requests: Vec<Request>,
    /// How replies become output.
    pub shape: ResultShape,
    /// Warnings mongosh prints before the result (deprecations, ...).
    pub warnings: Vec<String>,
}

impl Operation {
    /// An operation with no requests and a fixed output.
    pub fn constant(output: Output) -> Self {
        Operation {
            bind: None,
            silent: false,
            requests: Vec::new(),
            shape: ResultShape::Constant(output),
            warnings: Vec::new(),
        }
    }

    /// Turn the replies into mongosh's result shape; server errors in any
    /// reply become [`ShapeError::Server`].
    pub fn finish(&self, replies: Vec<Reply>) -> Result<Output, ShapeError> {
        shape::finish(&self.shape, &self.requests, replies)
    }
}
