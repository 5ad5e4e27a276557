//! Write results in mongosh's shapes.
//!
//! mongosh reports what the shell knows, not the raw reply: the `_id`s it
//! generated client-side (`insertedId`, `insertedIds: { '0': ... }`),
//! `matchedCount` excluding upserts, the upserted `_id` as `insertedId`.

use bson::{Bson, Document, doc};

use super::{ShapeError, js_count};
use crate::operation::{BulkBatch, BulkKind, Output, Reply};

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

/// mongosh's `BulkWriteResult`, combined over the batches' replies.
pub fn bulk_write(batches: &[BulkBatch], replies: &[Reply]) -> Result<Output, ShapeError> {
    let (mut inserted, mut matched, mut modified, mut deleted) = (0i64, 0i64, 0i64, 0i64);
    let mut inserted_ids = Vec::new();
    let mut upserted_ids = Vec::new();
    for (batch, reply) in batches.iter().zip(replies) {
        let reply = &reply.document;
        match batch.kind {
            BulkKind::Insert => {
                inserted += count(reply, "n");
                inserted_ids.extend(
                    batch
                        .indexes
                        .iter()
                        .copied()
                        .zip(batch.inserted_ids.iter().cloned()),
                );
            }
            BulkKind::Update => {
                let upserts = upserted(reply);
                matched += count(reply, "n") - upserts.len() as i64;
                modified += count(reply, "nModified");
                for (index, id) in upserts {
                    let user_index = usize::try_from(index)
                        .ok()
                        .and_then(|i| batch.indexes.get(i))
                        .copied();
                    match user_index {
                        Some(i) => upserted_ids.push((i, id)),
                        None => {
                            return Err(ShapeError::UnexpectedReply(format!(
                                "upserted index {index} is outside the batch"
                            )));
                        }
                    }
                }
            }
            BulkKind::Delete => deleted += count(reply, "n"),
        }
    }
    Ok(Output::Value(Bson::Document(doc! {
        "acknowledged": true,
        "insertedCount": number(inserted),
        "insertedIds": ids_by_position(inserted_ids.into_iter()),
        "matchedCount": number(matched),
        "modifiedCount": number(modified),
        "deletedCount": number(deleted),
        "upsertedCount": number(upserted_ids.len() as i64),
        "upsertedIds": ids_by_position(upserted_ids.into_iter()),
    })))
}
