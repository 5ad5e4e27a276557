//! `count` (query, skip, limit, hint) and `distinct` (key through arrays).

use bson::{Bson, Document, doc};

use super::args;
use crate::engine::Ctx;
use crate::error::{CommandError, Result};
use crate::exec::{SelectRequest, select};

pub fn count(ctx: &Ctx) -> Result<Document> {
    let coll = args::collection(ctx)?;
    let query = args::opt_doc(ctx, "query")?.cloned();
    let skip = match args::opt_i64(ctx, "skip")? {
        Some(s) if s < 0 => {
            return Err(CommandError::bad_value(
                "skip value is negative in count query",
            ));
        }
        s => s.unwrap_or(0) as u64,
    };
    let limit = args::opt_i64(ctx, "limit")?
        .map(i64::unsigned_abs)
        .filter(|l| *l > 0);
    let hint = match ctx.cmd.get("hint") {
        None | Some(Bson::Null) => None,
        Some(Bson::Document(h)) if h.is_empty() => None,
        Some(h) => Some(h.clone()),
    };
    if let Some((base, mut stages)) = super::aggregate::view(ctx, &coll)? {
        if let Some(q) = query.as_ref().filter(|q| !q.is_empty()) {
            stages.push(doc! {"$match": q.clone()});
        }
        if skip > 0 {
            stages.push(doc! {"$skip": skip as i64});
        }
        if let Some(l) = limit {
            stages.push(doc! {"$limit": l as i64});
        }
        let n = super::aggregate::run(ctx, Some(&base), &stages)?.0.len();
        return Ok(doc! {"n": n as i64, "ok": 1.0});
    }
    let n = ctx.engine.read(|cat| -> Result<u64> {
        let Some(c) = cat.get(ctx.db, &coll) else {
            return Ok(0);
        };
        if query.as_ref().is_none_or(Document::is_empty) && hint.is_none() {
            // The fast path estimatedDocumentCount relies on.
            let total = c.len() as u64;
            let after_skip = total.saturating_sub(skip);
            return Ok(limit.map_or(after_skip, |l| after_skip.min(l)));
        }
        let req = SelectRequest {
            filter: query.as_ref(),
            skip,
            limit,
            hint: hint.as_ref(),
            ..Default::default()
        };
        Ok(select(c, &req, &ctx.guard)?.rows.len() as u64)
    })?;
    Ok(doc! {"n": n as i64, "ok": 1.0})
}

/// The distinct values of `key` in `docs`: array values contribute their
/// elements, as in MongoDB.
pub fn distinct_values<'a>(docs: impl Iterator<Item = &'a Document>, key: &str) -> Vec<Bson> {
    let mut out: Vec<Bson> = Vec::new();
    let push = |v: Bson, out: &mut Vec<Bson>| {
        if !out.iter().any(|x| {
            docdb_query::value::equal(x, &v)
                && std::mem::discriminant(x) == std::mem::discriminant(&v)
        }) {
            out.push(v);
        }
    };
    for doc in docs {
        for v in docdb_query::path::values_at_path(doc, key) {
            match v {
                Bson::Array(items) => {
                    for item in items {
                        push(item, &mut out);
                    }
                }
                other => push(other, &mut out),
            }
        }
    }
    out.sort_by(docdb_query::value::compare);
    out
}

pub fn distinct(ctx: &Ctx) -> Result<Document> {
    let coll = args::collection(ctx)?;
    let key = match ctx.cmd.get("key") {
        Some(Bson::String(k)) if !k.is_empty() => k.clone(),
        Some(Bson::String(_)) => {
            return Err(CommandError::failed_to_parse(
                "FieldPath cannot be constructed with empty string",
            ));
        }
        Some(v) => {
            return Err(CommandError::type_mismatch(format!(
                "BSON field 'distinct.key' is the wrong type '{}', expected type 'string'",
                docdb_query::value::type_alias(v)
            )));
        }
        None => {
            return Err(CommandError::failed_to_parse(
                "BSON field 'distinct.key' is missing but a required field",
            ));
        }
    };
    let query = args::opt_doc(ctx, "query")?.cloned();
    let hint = match ctx.cmd.get("hint") {
        None | Some(Bson::Null) => None,
        Some(Bson::Document(h)) if h.is_empty() => None,
        Some(h) => Some(h.clone()),
    };
    if let Some((base, mut stages)) = super::aggregate::view(ctx, &coll)? {
        if let Some(q) = query.as_ref().filter(|q| !q.is_empty()) {
            stages.push(doc! {"$match": q.clone()});
        }
        let docs = super::aggregate::run(ctx, Some(&base), &stages)?.0;
        return Ok(doc! {"values": distinct_values(docs.iter(), &key), "ok": 1.0});
    }
    let values = ctx.engine.read(|cat| -> Result<Vec<Bson>> {
        let Some(c) = cat.get(ctx.db, &coll) else {
            return Ok(Vec::new());
        };
        let req = SelectRequest {
            filter: query.as_ref(),
            hint: hint.as_ref(),
            ..Default::default()
        };
        let rows = select(c, &req, &ctx.guard)?.rows;
        Ok(distinct_values(
            rows.iter().filter_map(|r| c.records.get(&r.record)),
            &key,
        ))
    })?;
    Ok(doc! {"values": values, "ok": 1.0})
}
