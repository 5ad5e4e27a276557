//! `count` (query, skip, limit, hint) and `distinct` (key through arrays).

use bson::{Bson, Document, doc};

use std::collections::BTreeMap;

use docdb_query::collation::{Collation, key_of};
use docdb_query::value::Ordered;

use super::args;
use crate::engine::Ctx;
use crate::error::{CommandError, Result};
use crate::exec::{SelectRequest, select};
use crate::guard::OpGuard;

/// mongod's cap on a distinct reply (`BSONObjMaxUserObjectSize`).
const DISTINCT_MAX_BYTES: usize = 16 * 1024 * 1024;

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
    let requested = args::requested_collation(ctx.cmd, "count")?;
    if overrides_view_collation(&requested) && super::aggregate::view(ctx, &coll)?.is_some() {
        return Err(view_collation_refused());
    }
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
            // mongod builds the query before it looks at the collection.
            if let Some(q) = &query {
                docdb_query::matcher::Filter::parse(q)?;
            }
            return Ok(0);
        };
        if query.as_ref().is_none_or(Document::is_empty) && hint.is_none() {
            // The fast path estimatedDocumentCount relies on.
            let total = c.len() as u64;
            let after_skip = total.saturating_sub(skip);
            return Ok(limit.map_or(after_skip, |l| after_skip.min(l)));
        }
        let collation = args::effective_collation(&requested, c.collation.as_ref());
        let req = SelectRequest {
            filter: query.as_ref(),
            skip,
            limit,
            hint: hint.as_ref(),
            collation: collation.as_ref(),
            ..Default::default()
        };
        let sel = select(c, &req, &ctx.guard)?;
        crate::profiler::note_selection(c, &sel);
        Ok(sel.rows.len() as u64)
    })?;
    Ok(doc! {"n": n as i64, "ok": 1.0})
}

/// The distinct values of `key` in `docs`, in MongoDB's order: array values
/// contribute their elements, and values equal across numeric types (`1`,
/// `1.0`) are kept once per type, as before. Interruptible, and within
/// mongod's 16 MB reply cap (17217).
pub fn distinct_values(
    docs: impl Iterator<Item = Document>,
    key: &str,
    guard: &OpGuard,
    collation: Option<&Collation>,
) -> Result<Vec<Bson>> {
    // Per value (by MongoDB equality under the collation, through its sort key): the first one
    // seen, then other types of it.
    let mut seen: BTreeMap<Ordered, (Bson, Vec<Bson>)> = BTreeMap::new();
    let mut bytes = 0usize;
    let mut push = |v: Bson| -> Result<()> {
        let size = docdb_query::limits::value_size(&v) + 8;
        let key = Ordered(key_of(collation, &v));
        let kind = std::mem::discriminant(&v);
        match seen.range_mut(&key..=&key).next() {
            Some((_, (first, others))) => {
                let same_type = |x: &Bson| std::mem::discriminant(x) == kind;
                if same_type(first) || others.iter().any(same_type) {
                    return Ok(());
                }
                others.push(v);
            }
            None => {
                seen.insert(key, (v, Vec::new()));
            }
        }
        bytes += size;
        if bytes >= DISTINCT_MAX_BYTES {
            return Err(CommandError::new(17217, "distinct too big, 16mb cap"));
        }
        Ok(())
    };
    for (i, doc) in docs.enumerate() {
        if i % 512 == 0 {
            guard.check()?;
        }
        for v in docdb_query::path::values_at_path(&doc, key) {
            match v {
                Bson::Array(items) => {
                    for item in items {
                        push(item)?;
                    }
                }
                other => push(other)?,
            }
        }
    }
    Ok(seen
        .into_values()
        .flat_map(|(first, others)| std::iter::once(first).chain(others))
        .collect())
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
    let requested = args::requested_collation(ctx.cmd, "distinct")?;
    if let Some((base, mut stages)) = super::aggregate::view(ctx, &coll)? {
        if let Some(q) = query.as_ref().filter(|q| !q.is_empty()) {
            stages.push(doc! {"$match": q.clone()});
        }
        if overrides_view_collation(&requested) {
            return Err(view_collation_refused());
        }
        let docs = super::aggregate::run(ctx, Some(&base), &stages)?.0;
        return Ok(
            doc! {"values": distinct_values(docs.into_iter(), &key, &ctx.guard, None)?, "ok": 1.0},
        );
    }
    let values = ctx.engine.read(|cat| -> Result<Vec<Bson>> {
        let Some(c) = cat.get(ctx.db, &coll) else {
            if let Some(q) = &query {
                docdb_query::matcher::Filter::parse(q)?;
            }
            return Ok(Vec::new());
        };
        let collation = args::effective_collation(&requested, c.collation.as_ref());
        let req = SelectRequest {
            filter: query.as_ref(),
            hint: hint.as_ref(),
            collation: collation.as_ref(),
            ..Default::default()
        };
        let sel = select(c, &req, &ctx.guard)?;
        crate::profiler::note_selection(c, &sel);
        let rows = sel.rows;
        distinct_values(
            rows.iter().filter_map(|r| c.records.document(r.record)),
            &key,
            &ctx.guard,
            collation.as_deref(),
        )
    })?;
    Ok(doc! {"values": values, "ok": 1.0})
}

/// Views have the simple collation here: an operation on a view with another collation is
/// mongod's OptionNotSupportedOnView (167), never run with the collation dropped.
pub fn view_collation_refused() -> CommandError {
    CommandError::new(
        167,
        "Cannot override a view's default collation: views have the simple collation on the embedded engine; query the view's source collection with the collation",
    )
}

/// True when a requested collation is not the simple one a view has.
pub fn overrides_view_collation(requested: &Option<Option<std::sync::Arc<Collation>>>) -> bool {
    matches!(requested, Some(Some(_)))
}
