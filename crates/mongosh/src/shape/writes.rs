//! Write results in mongosh's shapes.
//!
//! mongosh reports what the shell knows, not the raw reply: the `_id`s it
//! generated client-side (`insertedId`, `insertedIds: { '0': ... }`),
//! `matchedCount` excluding upserts, the upserted `_id` as `insertedId`.

use bson::{Bson, Document, doc};

use super::server_error::BulkWriteFailure;
use super::{ServerError, ShapeError, js_count};
use crate::operation::{BulkBatch, BulkKind, Output, Reply, Request};

fn count(reply: &Document, key: &str) -> i64 {
    match reply.get(key) {
        Some(Bson::Int32(i)) => i64::from(*i),
        Some(Bson::Int64(i)) => *i,
        Some(Bson::Double(d)) => *d as i64,
        _ => 0,
    }
}

fn upserted(reply: &Document) -> Vec<(i64, Bson)> {
    match reply.get("upserted") {
        Some(Bson::Array(items)) => items
            .iter()
            .filter_map(|u| u.as_document())
            .map(|u| {
                (
                    count(u, "index"),
                    u.get("_id").cloned().unwrap_or(Bson::Null),
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn number(n: i64) -> Bson {
    js_count(Some(&Bson::Int64(n)))
}

/// `{ acknowledged: true, insertedId: ... }`
pub fn insert_one(id: &Bson) -> Output {
    Output::Value(Bson::Document(
        doc! { "acknowledged": true, "insertedId": id.clone() },
    ))
}

fn ids_by_position(ids: impl Iterator<Item = (usize, Bson)>) -> Document {
    ids.map(|(i, id)| (i.to_string(), id)).collect()
}

/// `{ acknowledged: true, insertedIds: { '0': ..., '1': ... } }`
pub fn insert_many(ids: &[Bson]) -> Output {
    Output::Value(Bson::Document(doc! {
        "acknowledged": true,
        "insertedIds": ids_by_position(ids.iter().cloned().enumerate()),
    }))
}

/// `{ acknowledged, insertedId, matchedCount, modifiedCount, upsertedCount }`
pub fn update(reply: &Document) -> Output {
    let upserts = upserted(reply);
    let inserted_id = upserts.first().map_or(Bson::Null, |(_, id)| id.clone());
    Output::Value(Bson::Document(doc! {
        "acknowledged": true,
        "insertedId": inserted_id,
        "matchedCount": number(count(reply, "n") - upserts.len() as i64),
        "modifiedCount": number(count(reply, "nModified")),
        "upsertedCount": number(upserts.len() as i64),
    }))
}

/// `{ acknowledged: true, deletedCount: n }`
pub fn delete(reply: &Document) -> Output {
    Output::Value(Bson::Document(
        doc! { "acknowledged": true, "deletedCount": number(count(reply, "n")) },
    ))
}

/// The batches of an `insertMany` split in several commands: each request's documents, in order.
pub fn insert_batches(ids: &[Bson], requests: &[Request]) -> Vec<BulkBatch> {
    if requests.len() <= 1 {
        return vec![BulkBatch {
            kind: BulkKind::Insert,
            indexes: (0..ids.len()).collect(),
            inserted_ids: ids.to_vec(),
        }];
    }
    let mut start = 0;
    requests
        .iter()
        .map(|request| {
            let count = request.operation_count().unwrap_or(0);
            let end = (start + count).min(ids.len());
            let batch = BulkBatch {
                kind: BulkKind::Insert,
                indexes: (start..start + count).collect(),
                inserted_ids: ids[start.min(end)..end].to_vec(),
            };
            start += count;
            batch
        })
        .collect()
}

/// What the batches that were sent did, combined.
#[derive(Default)]
struct Combined {
    inserted: i64,
    matched: i64,
    modified: i64,
    deleted: i64,
    inserted_ids: Vec<(usize, Bson)>,
    upserted_ids: Vec<(usize, Bson)>,
    /// Write errors with `index` rewritten to the position in the user's array.
    write_errors: Vec<Document>,
    /// A batch the server refused as a whole (`ok: 0`), or a write concern error.
    failure: Option<ServerError>,
    /// Whether anything before the failure was sent (a failure then says what was written).
    batches_before_failure: usize,
}

impl Combined {
    /// mongosh's `BulkWriteResult` fields; `all_ids: false` leaves a long `insertedIds` out.
    fn result(&self, all_ids: bool) -> Document {
        let mut result = doc! {
            "insertedCount": number(self.inserted),
            "matchedCount": number(self.matched),
            "modifiedCount": number(self.modified),
            "deletedCount": number(self.deleted),
            "upsertedCount": number(self.upserted_ids.len() as i64),
            "upsertedIds": ids_by_position(self.upserted_ids.iter().cloned()),
        };
        // mongosh lists every inserted `_id`; after a failed insert of 300,000 documents that
        // would bury the error, so long lists are left out (the count says how many).
        if all_ids || self.inserted_ids.len() <= SHOWN_IDS {
            result.insert(
                "insertedIds",
                ids_by_position(self.inserted_ids.iter().cloned()),
            );
        }
        result
    }
}

/// At most this many inserted `_id`s are listed in a failed write's result.
const SHOWN_IDS: usize = 100;

fn is_ordered(request: Option<&Request>) -> bool {
    !matches!(
        request.and_then(|r| r.command.get("ordered")),
        Some(Bson::Boolean(false))
    )
}

/// Adds up the replies of the batches that were sent; maps write errors to the user's indexes.
fn combine(
    batches: &[BulkBatch],
    requests: &[Request],
    replies: &[Reply],
) -> Result<Combined, ShapeError> {
    let mut combined = Combined::default();
    for (position, (batch, reply)) in batches.iter().zip(replies).enumerate() {
        let reply = &reply.document;
        let user_index = |i: usize| {
            batch
                .indexes
                .get(i)
                .copied()
                .unwrap_or_else(|| batch.indexes.len() + i)
        };
        if let Some(error) = ServerError::from_reply(reply)
            && !reply.contains_key("writeErrors")
            && error.name == "MongoServerError"
        {
            combined.failure = Some(error);
            combined.batches_before_failure = position;
            break;
        }
        let mut failed_positions = Vec::new();
        if let Some(Bson::Array(errors)) = reply.get("writeErrors") {
            for error in errors.iter().filter_map(Bson::as_document) {
                let position = usize::try_from(count(error, "index")).unwrap_or(0);
                failed_positions.push(position);
                let mut error = error.clone();
                error.insert("index", number(user_index(position) as i64));
                combined.write_errors.push(error);
            }
        }
        match batch.kind {
            BulkKind::Insert => {
                combined.inserted += count(reply, "n");
                // An ordered batch stops at its first error; an unordered one skips the failures.
                let first_failure = failed_positions.iter().min().copied();
                let ordered = is_ordered(requests.get(position));
                combined.inserted_ids.extend(
                    batch
                        .indexes
                        .iter()
                        .copied()
                        .zip(batch.inserted_ids.iter().cloned())
                        .enumerate()
                        .filter(|(p, _)| match first_failure {
                            Some(first) if ordered => *p < first,
                            _ => !failed_positions.contains(p),
                        })
                        .map(|(_, entry)| entry),
                );
            }
            BulkKind::Update => {
                let upserts = upserted(reply);
                combined.matched += count(reply, "n") - upserts.len() as i64;
                combined.modified += count(reply, "nModified");
                for (index, id) in upserts {
                    let user_index = usize::try_from(index)
                        .ok()
                        .and_then(|i| batch.indexes.get(i))
                        .copied();
                    match user_index {
                        Some(i) => combined.upserted_ids.push((i, id)),
                        None => {
                            return Err(ShapeError::UnexpectedReply(format!(
                                "upserted index {index} is outside the batch"
                            )));
                        }
                    }
                }
            }
            BulkKind::Delete => combined.deleted += count(reply, "n"),
        }
        if combined.failure.is_none()
            && let Some(Bson::Document(_)) = reply.get("writeConcernError")
        {
            combined.failure = ServerError::from_reply(&strip_write_errors(reply));
            combined.batches_before_failure = position + 1;
        }
    }
    Ok(combined)
}

fn strip_write_errors(reply: &Document) -> Document {
    let mut reply = reply.clone();
    reply.remove("writeErrors");
    reply
}

/// The error of a bulk write that did not complete, with what it wrote before it stopped.
fn failure(combined: Combined) -> Option<ShapeError> {
    if let Some(first) = combined.write_errors.first() {
        let mut error = ServerError::from_write_error(first);
        error.bulk = Some(Box::new(BulkWriteFailure {
            result: combined.result(false),
            write_errors: combined.write_errors.clone(),
        }));
        return Some(ShapeError::Server(Box::new(error)));
    }
    let mut error = combined.failure.clone()?;
    // A refused second batch: say what the first ones wrote.
    if combined.batches_before_failure > 0 {
        error.bulk = Some(Box::new(BulkWriteFailure {
            result: combined.result(false),
            write_errors: Vec::new(),
        }));
    }
    Some(ShapeError::Server(Box::new(error)))
}

fn all_replied(requests: &[Request], replies: &[Reply]) -> Result<(), ShapeError> {
    if replies.len() < requests.len() {
        return Err(ShapeError::UnexpectedReply(format!(
            "{} commands were planned but only {} replies were received",
            requests.len(),
            replies.len()
        )));
    }
    Ok(())
}

/// `insertMany` over its batches: the `_id`s by position, or the bulk write error.
pub fn insert_many_batches(
    ids: &[Bson],
    requests: &[Request],
    replies: &[Reply],
) -> Result<Output, ShapeError> {
    let batches = insert_batches(ids, requests);
    let combined = combine(&batches, requests, replies)?;
    if let Some(error) = failure(combined) {
        return Err(error);
    }
    all_replied(requests, replies)?;
    Ok(insert_many(ids))
}

/// mongosh's `BulkWriteResult`, combined over the batches' replies.
pub fn bulk_write(
    batches: &[BulkBatch],
    requests: &[Request],
    replies: &[Reply],
) -> Result<Output, ShapeError> {
    let combined = combine(batches, requests, replies)?;
    let result = combined.result(true);
    if let Some(error) = failure(combined) {
        return Err(error);
    }
    all_replied(requests, replies)?;
    let mut out = doc! { "acknowledged": true };
    for key in [
        "insertedCount",
        "insertedIds",
        "matchedCount",
        "modifiedCount",
        "deletedCount",
        "upsertedCount",
        "upsertedIds",
    ] {
        if let Some(value) = result.get(key) {
            out.insert(key, value.clone());
        }
    }
    Ok(Output::Value(Bson::Document(out)))
}
