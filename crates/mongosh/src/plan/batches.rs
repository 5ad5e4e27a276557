//! Splitting write commands into batches the server accepts.
//!
//! mongosh (through the Node driver) never sends one `insert` with 700,000 documents: the driver
//! cuts every write into batches of at most `maxWriteBatchSize` operations whose command fits the
//! server's size limits, refuses a single document over `maxBsonObjectSize` before sending
//! anything, and — for an ordered write — sends no further batch once one reports a write error.
//! The planner does the same here, so what the kernel sends is always acceptable: one huge
//! command would otherwise be refused (the driver will not write a message over
//! `maxMessageSizeBytes`) and the cell would fail with nothing inserted.
//!
//! The kernel sends each command as one BSON body (`run_command`), not as an OP_MSG document
//! sequence, and a server reads a body of at most `maxBsonObjectSize` + 16 KiB; so a batch's
//! command is kept within that, and within `maxMessageSizeBytes`, whichever is smaller.
//!
//! The shapes need no change for this: an `insertMany` reads each batch's document count from
//! its request, and a `bulkWrite`'s batches are split alongside their commands, keeping each
//! operation's index in the user's array.

use bson::{Bson, Document};

use crate::error::PlanError;
use crate::operation::{BulkBatch, Operation, Request, ResultShape, operations_field};
use crate::span::Span;

/// The server's write limits, from its `hello` reply (the documented defaults otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteLimits {
    /// Largest document the server stores (`maxBsonObjectSize`, 16 MiB).
    pub max_bson_object_size: usize,
    /// Largest wire message (`maxMessageSizeBytes`, 48,000,000).
    pub max_message_size_bytes: usize,
    /// Most operations in one write command (`maxWriteBatchSize`, 100,000).
    pub max_write_batch_size: usize,
}

impl Default for WriteLimits {
    fn default() -> Self {
        WriteLimits {
            max_bson_object_size: 16 * 1024 * 1024,
            max_message_size_bytes: 48_000_000,
            max_write_batch_size: 100_000,
        }
    }
}

/// What a command body may hold beyond `maxBsonObjectSize` (the server's own allowance).
const COMMAND_ALLOWANCE: usize = 16 * 1024;
/// Room left for the fields the kernel and the driver add to a command (`comment`, `$db`,
/// `lsid`, `$clusterTime`, `txnNumber`) and for the OP_MSG header and section bytes.
const RESERVE: usize = 2 * 1024;

impl WriteLimits {
    /// Reads the limits from a `hello` (or legacy `isMaster`) reply; missing or nonsensical
    /// fields keep their defaults.
    pub fn from_hello(reply: &Document) -> WriteLimits {
        let defaults = WriteLimits::default();
        let field = |key: &str, default: usize| match reply.get(key) {
            Some(Bson::Int32(n)) if *n > 0 => *n as usize,
            Some(Bson::Int64(n)) if *n > 0 => usize::try_from(*n).unwrap_or(default),
            Some(Bson::Double(n)) if *n >= 1.0 => *n as usize,
            _ => default,
        };
        WriteLimits {
            max_bson_object_size: field("maxBsonObjectSize", defaults.max_bson_object_size),
            max_message_size_bytes: field("maxMessageSizeBytes", defaults.max_message_size_bytes),
            max_write_batch_size: field("maxWriteBatchSize", defaults.max_write_batch_size),
        }
    }

    /// The largest command body a batch may have.
    fn command_budget(&self) -> usize {
        (self.max_bson_object_size + COMMAND_ALLOWANCE)
            .min(self.max_message_size_bytes)
            .saturating_sub(RESERVE)
    }
}

/// How messages name an operation of the user's statement (by its index in the user's array).
#[derive(Clone, Copy)]
enum Naming {
    BulkWrite,
    Array,
    Document,
    Statement,
}

impl Naming {
    fn of(shape: &ResultShape) -> Naming {
        match shape {
            ResultShape::BulkWrite { .. } => Naming::BulkWrite,
            ResultShape::InsertMany { .. } => Naming::Array,
            ResultShape::InsertOne { .. } => Naming::Document,
            _ => Naming::Statement,
        }
    }

    fn name(self, index: usize) -> String {
        match self {
            Naming::BulkWrite => format!("bulkWrite operation {index}"),
            Naming::Array => format!("the document at index {index}"),
            Naming::Document => "the document".to_string(),
            Naming::Statement => "the write statement".to_string(),
        }
    }
}

/// Splits every write command of `operation` that is over `limits` into several, in order.
pub(crate) fn split_writes(
    operation: &mut Operation,
    limits: &WriteLimits,
    span: Span,
) -> Result<(), PlanError> {
    if !operation
        .requests
        .iter()
        .any(|r| operations_field(&r.command).is_some())
    {
        return Ok(());
    }
    let naming = Naming::of(&operation.shape);
    let mut requests = Vec::with_capacity(operation.requests.len());
    let mut new_batches: Vec<BulkBatch> = Vec::new();
    // The user's index of the first operation of each request (insertMany's array position).
    let mut first_index = 0;
    for (position, request) in std::mem::take(&mut operation.requests)
        .into_iter()
        .enumerate()
    {
        let batch = match &operation.shape {
            ResultShape::BulkWrite { batches } => batches.get(position),
            _ => None,
        };
        let Some(field) = operations_field(&request.command) else {
            requests.push(request);
            continue;
        };
        let name = |i: usize| {
            naming.name(match batch {
                Some(batch) => batch.indexes.get(i).copied().unwrap_or(i),
                None => first_index + i,
            })
        };
        let pieces = split_request(request, field, limits, &name, span)?;
        if let Some(batch) = batch {
            let mut start = 0;
            for piece in &pieces {
                let count = operation_count(piece);
                let end = (start + count).min(batch.indexes.len());
                let ids_end = (start + count).min(batch.inserted_ids.len());
                new_batches.push(BulkBatch {
                    kind: batch.kind,
                    indexes: batch.indexes[start..end].to_vec(),
                    inserted_ids: batch
                        .inserted_ids
                        .get(start.min(ids_end)..ids_end)
                        .map(<[Bson]>::to_vec)
                        .unwrap_or_default(),
                });
                start = end;
            }
        }
        for piece in &pieces {
            first_index += operation_count(piece);
        }
        requests.extend(pieces);
    }
    operation.requests = requests;
    if let ResultShape::BulkWrite { batches } = &mut operation.shape {
        *batches = new_batches;
    }
    Ok(())
}

fn operation_count(request: &Request) -> usize {
    request.operation_count().unwrap_or(0)
}

/// Bytes an element adds to a BSON array: type byte, decimal index key and its NUL, the value.
fn array_entry_size(index: usize, value_size: usize) -> usize {
    let digits = index.checked_ilog10().map_or(1, |d| d as usize + 1);
    1 + digits + 1 + value_size
}

fn document_size(document: &Document, buffer: &mut Vec<u8>) -> usize {
    buffer.clear();
    match document.to_writer(&mut *buffer) {
        Ok(()) => buffer.len(),
        // A document that cannot be encoded fails when the driver encodes it; it is not this
        // module's job to explain, so count it as small.
        Err(_) => 0,
    }
}

fn megabytes(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

/// One write command as one or more, each within the limits.
fn split_request(
    request: Request,
    field: &str,
    limits: &WriteLimits,
    name: &dyn Fn(usize) -> String,
    span: Span,
) -> Result<Vec<Request>, PlanError> {
    let Request { db, command, kind } = request;
    let mut operations: Vec<Bson> = Vec::new();
    // The command around the array, with the array's key where it was (the first key, the
    // command name, must stay first).
    let mut around: Vec<(String, Option<Bson>)> = Vec::with_capacity(command.len());
    for (key, value) in command {
        if key == field
            && let Bson::Array(items) = value
        {
            operations = items;
            around.push((key, None));
        } else {
            around.push((key, Some(value)));
        }
    }
    let rebuild = |batch: Vec<Bson>| -> Document {
        let mut command = Document::new();
        let mut batch = Some(batch);
        for (key, value) in &around {
            match value {
                Some(value) => command.insert(key.clone(), value.clone()),
                None => command.insert(key.clone(), Bson::Array(batch.take().unwrap_or_default())),
            };
        }
        command
    };
    let mut buffer = Vec::new();
    let base_size = document_size(&rebuild(Vec::new()), &mut buffer);
    let budget = limits.command_budget();
    let is_insert = field == "documents";

    let mut pieces: Vec<Vec<Bson>> = Vec::new();
    let mut current: Vec<Bson> = Vec::new();
    let mut current_size = base_size;
    for (i, operation) in operations.into_iter().enumerate() {
        let size = match &operation {
            Bson::Document(d) => document_size(d, &mut buffer),
            _ => 0,
        };
        if is_insert && size > limits.max_bson_object_size {
            return Err(PlanError::invalid(
                format!(
                    "{} is {} ({size} bytes), over the server's maximum document size of {} bytes (maxBsonObjectSize): nothing was inserted; split that document or store the large part elsewhere (e.g. GridFS)",
                    name(i),
                    megabytes(size),
                    limits.max_bson_object_size
                ),
                span,
            ));
        }
        if base_size + array_entry_size(0, size) > budget {
            return Err(PlanError::invalid(
                format!(
                    "{} is {} ({size} bytes), too large for one command (the server reads at most {} bytes): nothing was sent",
                    name(i),
                    megabytes(size),
                    budget
                ),
                span,
            ));
        }
        let entry = array_entry_size(current.len(), size);
        let full =
            current.len() >= limits.max_write_batch_size.max(1) || current_size + entry > budget;
        if full && !current.is_empty() {
            pieces.push(std::mem::take(&mut current));
            current_size = base_size;
        }
        current_size += array_entry_size(current.len(), size);
        current.push(operation);
    }
    if !current.is_empty() || pieces.is_empty() {
        pieces.push(current);
    }
    Ok(pieces
        .into_iter()
        .map(|batch| Request {
            db: db.clone(),
            command: rebuild(batch),
            kind: kind.clone(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::{BulkKind, RequestKind};
    use bson::doc;

    fn insert_many(count: usize, payload: usize) -> Operation {
        let documents: Vec<Bson> = (0..count)
            .map(|i| Bson::Document(doc! { "_id": i as i64, "p": "x".repeat(payload) }))
            .collect();
        let ids = (0..count).map(|i| Bson::Int64(i as i64)).collect();
        Operation {
            bind: None,
            silent: false,
            requests: vec![Request {
                db: "test".into(),
                command: doc! { "insert": "c", "documents": documents, "ordered": true },
                kind: RequestKind::Command,
            }],
            shape: ResultShape::InsertMany { ids },
            warnings: Vec::new(),
        }
    }

    fn sizes(operation: &Operation) -> Vec<usize> {
        operation.requests.iter().map(operation_count).collect()
    }

    #[test]
    fn small_writes_stay_one_command() {
        let mut op = insert_many(3, 10);
        let before = op.clone();
        split_writes(&mut op, &WriteLimits::default(), Span::default()).unwrap();
        assert_eq!(op, before);
    }

    #[test]
    fn many_documents_split_at_max_write_batch_size_in_order() {
        let mut op = insert_many(250_001, 0);
        split_writes(&mut op, &WriteLimits::default(), Span::default()).unwrap();
        assert_eq!(sizes(&op), vec![100_000, 100_000, 50_001]);
        let first = op.requests[1].command.get_array("documents").unwrap()[0].clone();
        assert_eq!(
            first.as_document().unwrap().get("_id"),
            Some(&Bson::Int64(100_000))
        );
        for request in &op.requests {
            assert_eq!(
                request.command.keys().next().map(String::as_str),
                Some("insert")
            );
            assert_eq!(request.command.get_bool("ordered").ok(), Some(true));
        }
    }

    #[test]
    fn large_documents_split_by_bytes_within_the_command_limit() {
        // 40 documents of ~1 MB: at most 16 of them fit under 16 MiB + 16 KiB.
        let mut op = insert_many(40, 1_000_000);
        let limits = WriteLimits::default();
        split_writes(&mut op, &limits, Span::default()).unwrap();
        assert_eq!(sizes(&op).iter().sum::<usize>(), 40);
        assert!(op.requests.len() >= 3, "{:?}", sizes(&op));
        for request in &op.requests {
            let size = request.command.to_vec().unwrap().len();
            assert!(size <= limits.command_budget(), "{size}");
        }
    }

    #[test]
    fn a_document_over_max_bson_object_size_is_refused_with_its_index() {
        let mut op = insert_many(3, 10);
        if let Bson::Array(docs) = op.requests[0].command.get_mut("documents").unwrap() {
            docs[2] = Bson::Document(doc! { "_id": 2, "p": "x".repeat(17 * 1024 * 1024) });
        }
        let err = split_writes(&mut op, &WriteLimits::default(), Span::default()).unwrap_err();
        assert!(err.message.starts_with("the document at index 2 is 17.8 MB (17825814 bytes), over the server's maximum document size of 16777216 bytes"), "{}", err.message);
    }

    #[test]
    fn bulk_write_batches_split_with_their_user_indexes() {
        let documents: Vec<Bson> = (0..5).map(|i| Bson::Document(doc! { "_id": i })).collect();
        let mut op = Operation {
            bind: None,
            silent: false,
            requests: vec![
                Request {
                    db: "test".into(),
                    command: doc! { "delete": "c", "deletes": [{ "q": {}, "limit": 0 }], "ordered": true },
                    kind: RequestKind::Command,
                },
                Request {
                    db: "test".into(),
                    command: doc! { "insert": "c", "documents": documents, "ordered": true },
                    kind: RequestKind::Command,
                },
            ],
            shape: ResultShape::BulkWrite {
                batches: vec![
                    BulkBatch {
                        kind: BulkKind::Delete,
                        indexes: vec![0],
                        inserted_ids: vec![],
                    },
                    BulkBatch {
                        kind: BulkKind::Insert,
                        indexes: vec![1, 2, 3, 4, 5],
                        inserted_ids: (0..5).map(Bson::Int32).collect(),
                    },
                ],
            },
            warnings: Vec::new(),
        };
        let limits = WriteLimits {
            max_write_batch_size: 2,
            ..WriteLimits::default()
        };
        split_writes(&mut op, &limits, Span::default()).unwrap();
        let ResultShape::BulkWrite { batches } = &op.shape else {
            panic!()
        };
        let indexes: Vec<Vec<usize>> = batches.iter().map(|b| b.indexes.clone()).collect();
        assert_eq!(indexes, vec![vec![0], vec![1, 2], vec![3, 4], vec![5]]);
        assert_eq!(batches[3].inserted_ids, vec![Bson::Int32(4)]);
        assert_eq!(op.requests.len(), 4);
    }

    #[test]
    fn limits_come_from_hello() {
        let limits = WriteLimits::from_hello(
            &doc! { "maxBsonObjectSize": 1000, "maxMessageSizeBytes": 5000i64, "maxWriteBatchSize": 0 },
        );
        assert_eq!(limits.max_bson_object_size, 1000);
        assert_eq!(limits.max_message_size_bytes, 5000);
        assert_eq!(limits.max_write_batch_size, 100_000);
    }
}
