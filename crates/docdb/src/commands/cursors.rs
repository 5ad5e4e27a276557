//! `getMore` and `killCursors`.

use bson::{Bson, Document, doc};

use super::args;
use crate::engine::Ctx;
use crate::error::{CommandError, Result};

pub fn get_more(ctx: &Ctx) -> Result<Document> {
    let id = match ctx.cmd.get("getMore") {
        Some(Bson::Int64(i)) => *i,
        Some(Bson::Int32(i)) => i64::from(*i),
        Some(v) => {
            return Err(CommandError::type_mismatch(format!(
                "BSON field 'getMore.getMore' is the wrong type '{}', expected type 'long'",
                docdb_query::value::type_alias(v)
            )));
        }
        None => return Err(CommandError::failed_to_parse("getMore needs a cursor id")),
    };
    let coll = match ctx.cmd.get("collection") {
        Some(Bson::String(s)) => s.clone(),
        _ => {
            return Err(CommandError::failed_to_parse(
                "BSON field 'getMore.collection' is missing but a required field",
            ));
        }
    };
    let batch_size = args::batch_size(args::opt_i64(ctx, "batchSize")?)?.filter(|b| *b > 0);
    let ns = ctx.ns(&coll);
    // Take the cursor out, fill the batch under the catalog lock, put it back:
    // the cursor table and the catalog are never locked together.
    let mut pending = ctx.engine.cursors().take(id, &ns)?;
    let awaits = matches!(&pending, crate::cursor::Pending::Tail(t) if t.await_data);
    if ctx.cmd.contains_key("maxTimeMS") && !awaits {
        ctx.engine.cursors().put_back(id, &ns, pending);
        return Err(CommandError::bad_value(
            "cannot set maxTimeMS on getMore command for a non-awaitData cursor",
        ));
    }
    // A failed batch (a projection error) ends the cursor, as in MongoDB.
    let batch = ctx
        .engine
        .read(|cat| pending.next_batch(batch_size, Some(cat)))?;
    // An awaitData cursor at the end of its data waits for inserts (see `tailable.rs`).
    let batch = match &mut pending {
        crate::cursor::Pending::Tail(tail) if awaits && batch.is_empty() => {
            crate::tailable::await_batch(ctx, id, tail, batch_size)?
        }
        _ => batch,
    };
    // A find's batch filled exactly: mongod's executor stops at a full batch without looking
    // for more, so the cursor stays open and the next getMore returns the empty last batch
    // (drivers count those getMores, e.g. PyMongo's exhaust cursor tests).
    let filled = matches!(&pending, crate::cursor::Pending::Rows(_))
        && pending.is_empty()
        && batch_size.is_some_and(|b| batch.len() == b);
    let next_id = if filled {
        ctx.engine.cursors().keep_open(id, &ns, pending)
    } else {
        ctx.engine.cursors().put_back(id, &ns, pending)
    };
    Ok(doc! {"cursor": {"nextBatch": batch, "id": next_id, "ns": ns}, "ok": 1.0})
}

pub fn kill_cursors(ctx: &Ctx) -> Result<Document> {
    let _coll = args::collection(ctx)?;
    let ids = match ctx.cmd.get("cursors") {
        Some(Bson::Array(items)) => items.clone(),
        _ => {
            return Err(CommandError::failed_to_parse(
                "BSON field 'killCursors.cursors' is missing but a required field",
            ));
        }
    };
    let mut killed = Vec::new();
    let mut not_found = Vec::new();
    let mut cursors = ctx.engine.cursors();
    for id in ids {
        let n = match id {
            Bson::Int64(i) => i,
            Bson::Int32(i) => i64::from(i),
            other => {
                return Err(CommandError::type_mismatch(format!(
                    "cursor ids must be longs, found {other}"
                )));
            }
        };
        // A cursor checked out by a getMore waiting for data is killed through its waiter.
        if cursors.kill(n) || ctx.engine.write_signal().kill_waiting(n) {
            killed.push(Bson::Int64(n));
        } else {
            not_found.push(Bson::Int64(n));
        }
    }
    Ok(doc! {
        "cursorsKilled": killed,
        "cursorsNotFound": not_found,
        "cursorsAlive": [],
        "cursorsUnknown": [],
        "ok": 1.0,
    })
}
