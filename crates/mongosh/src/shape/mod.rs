//! Turning command replies into mongosh's result shapes.
//!
//! Every helper has its own printed form (`insertOne` reports the `_id` the
//! shell generated, `drop` prints `true`, `createIndex` prints the index name,
//! `countDocuments` a bare number). The planner records which form applies in
//! a [`ResultShape`]; [`finish`] applies it to the replies. Write results live
//! in `writes.rs`, `show` tables in `show.rs`, server errors in
//! `server_error.rs`.

mod coll_stats;
mod server_error;
mod show;
mod writes;

use bson::{Bson, Document};

pub use server_error::{BulkWriteFailure, ServerError, code_name_for};

use crate::operation::{Output, Reply, Request, ResultShape};

/// Why replies could not become an output.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ShapeError {
    /// The server reported an error.
    #[error("{0}")]
    Server(Box<ServerError>),
    /// The replies do not have the shape the command promises.
    #[error("unexpected reply from the server: {0}")]
    UnexpectedReply(String),
}

/// Replies without the driver's bookkeeping fields, as mongosh shows them.
pub fn strip_metadata(doc: &Document) -> Document {
    doc.iter()
        .filter(|(k, _)| {
            !matches!(
                k.as_str(),
                "$clusterTime"
                    | "operationTime"
                    | "$db"
                    | "lsid"
                    | "$gleStats"
                    | "electionId"
                    | "lastCommittedOpTime"
                    | "$configTime"
                    | "$topologyTime"
            )
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A count as mongosh shows it: a JavaScript number.
pub(crate) fn js_count(value: Option<&Bson>) -> Bson {
    match value {
        Some(Bson::Int64(i)) => crate::value::number(*i as f64),
        Some(Bson::Double(d)) => crate::value::number(*d),
        Some(Bson::Int32(i)) => Bson::Int32(*i),
        _ => Bson::Int32(0),
    }
}

fn single(replies: &[Reply]) -> Result<&Reply, ShapeError> {
    replies.first().ok_or_else(|| {
        ShapeError::UnexpectedReply("no reply was received for the command".to_string())
    })
}

fn cursor_documents(replies: &[Reply]) -> Result<(Vec<Document>, u64), ShapeError> {
    let reply = single(replies)?;
    match &reply.cursor {
        Some(c) => Ok((c.documents.clone(), c.total)),
        None => {
            // A kernel that did not drain: read the first batch itself.
            let batch = reply
                .document
                .get_document("cursor")
                .ok()
                .and_then(|c| c.get_array("firstBatch").ok())
                .ok_or_else(|| {
                    ShapeError::UnexpectedReply("the reply has no cursor".to_string())
                })?;
            let docs: Vec<Document> = batch
                .iter()
                .filter_map(|b| b.as_document().cloned())
                .collect();
            let total = docs.len() as u64;
            Ok((docs, total))
        }
    }
}

/// Apply `shape` to `replies` (one per request, possibly fewer after a failure).
pub fn finish(
    shape: &ResultShape,
    requests: &[Request],
    replies: Vec<Reply>,
) -> Result<Output, ShapeError> {
    if let Some(output) = write_output(shape, requests, &replies) {
        return output;
    }
    for reply in &replies {
        if let Some(error) = ServerError::from_reply(&reply.document) {
            // `drop` on a missing collection is `false`, not an error.
            if matches!(shape, ResultShape::Drop) && error.code == 26 {
                return Ok(Output::Value(Bson::Boolean(false)));
            }
            return Err(ShapeError::Server(Box::new(error)));
        }
    }
    if replies.len() < requests.len() {
        return Err(ShapeError::UnexpectedReply(format!(
            "{} commands were planned but only {} replies were received",
            requests.len(),
            replies.len()
        )));
    }
    shape_output(shape, &replies)
}

/// `insertMany` and `bulkWrite` (also under property accesses, `insertMany(...).insertedIds`):
/// their replies are combined over the batches they were split in, write errors included.
fn write_output(
    shape: &ResultShape,
    requests: &[Request],
    replies: &[Reply],
) -> Option<Result<Output, ShapeError>> {
    Some(match shape {
        ResultShape::InsertMany { ids } => writes::insert_many_batches(ids, requests, replies),
        ResultShape::BulkWrite { batches } => writes::bulk_write(batches, requests, replies),
        ResultShape::Pick(inner, path) => {
            let output = write_output(inner, requests, replies)?;
            output.map(|output| {
                let mut value = output.to_bson();
                for key in path {
                    value = pick(&value, key);
                }
                Output::Value(value)
            })
        }
        _ => return None,
    })
}

fn shape_output(shape: &ResultShape, replies: &[Reply]) -> Result<Output, ShapeError> {
    Ok(match shape {
        ResultShape::Constant(output) => output.clone(),
        ResultShape::Documents => {
            let (documents, total) = cursor_documents(replies)?;
            Output::Documents { documents, total }
        }
        ResultShape::DocumentArray => {
            let (documents, _) = cursor_documents(replies)?;
            Output::Value(Bson::Array(
                documents.into_iter().map(Bson::Document).collect(),
            ))
        }
        ResultShape::FirstOrNull => {
            let (documents, _) = cursor_documents(replies)?;
            Output::Value(
                documents
                    .into_iter()
                    .next()
                    .map_or(Bson::Null, Bson::Document),
            )
        }
        ResultShape::HasNext => Output::Value(Bson::Boolean(cursor_documents(replies)?.1 > 0)),
        ResultShape::Total => {
            Output::Value(crate::value::number(cursor_documents(replies)?.1 as f64))
        }
        ResultShape::CountField => Output::Value(js_count(single(replies)?.document.get("n"))),
        ResultShape::CountDocuments => {
            let (documents, _) = cursor_documents(replies)?;
            Output::Value(js_count(documents.first().and_then(|d| d.get("n"))))
        }
        ResultShape::Distinct => Output::Value(
            single(replies)?
                .document
                .get("values")
                .cloned()
                .unwrap_or(Bson::Array(Vec::new())),
        ),
        ResultShape::InsertOne { id } => writes::insert_one(id),
        ResultShape::InsertMany { ids } => writes::insert_many(ids),
        ResultShape::Update => writes::update(&single(replies)?.document),
        ResultShape::Delete => writes::delete(&single(replies)?.document),
        ResultShape::FindAndModify => Output::Value(
            single(replies)?
                .document
                .get("value")
                .cloned()
                .unwrap_or(Bson::Null),
        ),
        ResultShape::BulkWrite { batches } => writes::bulk_write(batches, &[], replies)?,
        ResultShape::IndexName(name) => Output::Value(Bson::String(name.clone())),
        ResultShape::IndexNames(names) => Output::Value(Bson::Array(
            names.iter().cloned().map(Bson::String).collect(),
        )),
        ResultShape::Drop => Output::Value(Bson::Boolean(true)),
        ResultShape::DropDatabase(db) => Output::Value(Bson::Document(
            bson::doc! { "ok": 1, "dropped": db.clone() },
        )),
        ResultShape::Raw => {
            Output::Value(Bson::Document(strip_metadata(&single(replies)?.document)))
        }
        ResultShape::Field(field) => Output::Value(
            single(replies)?
                .document
                .get(field)
                .cloned()
                .unwrap_or(Bson::Null),
        ),
        ResultShape::ShowDatabases => Output::Text(show::databases(&single(replies)?.document)),
        ResultShape::ShowCollections => {
            Output::Text(show::collections(&cursor_documents(replies)?.0))
        }
        ResultShape::CollectionNames => {
            Output::Value(show::collection_names(&cursor_documents(replies)?.0))
        }
        ResultShape::CollStats {
            ns,
            scale,
            index_details,
            field,
        } => {
            let (documents, _) = cursor_documents(replies)?;
            let shaped = coll_stats::stats(&documents, ns, *scale, *index_details);
            Output::Value(match field {
                Some(f) => shaped.get(f).cloned().unwrap_or(Bson::Null),
                None => Bson::Document(shaped),
            })
        }
        ResultShape::CurrentOp => {
            let (documents, _) = cursor_documents(replies)?;
            let inprog: Vec<Bson> = documents.into_iter().map(Bson::Document).collect();
            Output::Value(Bson::Document(bson::doc! { "inprog": inprog, "ok": 1 }))
        }
        ResultShape::Pick(inner, path) => {
            let mut value = shape_output(inner, replies)?.to_bson();
            for key in path {
                value = pick(&value, key);
            }
            Output::Value(value)
        }
    })
}

/// `value[key]` for a result value (missing is `null`, as `undefined` would print nothing useful).
fn pick(value: &Bson, key: &Bson) -> Bson {
    match (value, key) {
        (Bson::Array(items), Bson::String(s)) if s == "length" => {
            crate::value::number(items.len() as f64)
        }
        (Bson::Array(items), k) => crate::value::as_f64(k)
            .filter(|n| *n >= 0.0 && n.fract() == 0.0)
            .and_then(|n| items.get(n as usize).cloned())
            .unwrap_or(Bson::Null),
        (Bson::Document(d), k) => d
            .get(crate::value::to_js_string(k))
            .cloned()
            .unwrap_or(Bson::Null),
        (Bson::ObjectId(oid), Bson::String(s)) if s == "str" => Bson::String(oid.to_hex()),
        _ => Bson::Null,
    }
}

#[cfg(test)]
mod tests;
