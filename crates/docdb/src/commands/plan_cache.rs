//! `$planCacheStats` and `planCacheClear`: the plan cache (`plan_cache.rs`) made visible.
//!
//! `$planCacheStats: {}` lists a collection's entries with mongod 7.0's fields (version,
//! queryHash, planCacheKey, isActive, works, timeOfCreation, createdFromQuery, cachedPlan,
//! creationExecStats, candidatePlanScores, indexFilterSet, estimatedSizeBytes, host).
//! `planCacheClear` drops a collection's entries, or with `query` (and `sort`,
//! `projection`, `collation`) the entry of that shape. Index filters
//! (`planCacheSetFilter` and its siblings) are not kept here: those commands stay unknown
//! (59), so nothing pretends to honour one.

use bson::{Bson, Document};

use crate::engine::Ctx;
use crate::error::{CommandError, Result};
use crate::plan_cache::Shape;

/// The documents a leading `{$planCacheStats: {}}` produces for collection `coll`.
pub fn stage(ctx: &Ctx, coll: Option<&str>, spec: &Bson) -> Result<Vec<Document>> {
    let Bson::Document(spec) = spec else {
        return Err(CommandError::failed_to_parse(format!(
            "$planCacheStats value must be an object. Found: {}",
            docdb_query::value::type_alias(spec)
        )));
    };
    if let Some(field) = spec.keys().next() {
        return Err(CommandError::failed_to_parse(format!(
            "unrecognized option to $planCacheStats stage: {field}"
        )));
    }
    let Some(coll) = coll else {
        return Err(CommandError::new(
            crate::error::codes::INVALID_NAMESPACE,
            "$planCacheStats must be run against a collection, not with {aggregate: 1}",
        ));
    };
    let host = "localhost:27017";
    Ok(ctx.engine.read(|cat| {
        let Some(c) = cat.get(ctx.db, coll) else {
            return Vec::new();
        };
        ctx.engine
            .plan_cache()
            .entries(c)
            .iter()
            .map(|e| crate::plan_cache::entry_document(c, e, host))
            .collect()
    }))
}

/// `{planCacheClear: coll, query?, sort?, projection?, collation?}`.
pub fn plan_cache_clear(ctx: &Ctx) -> Result<Document> {
    let coll = match ctx.cmd.get("planCacheClear") {
        Some(Bson::String(s)) => s.clone(),
        _ => {
            return Err(CommandError::new(
                crate::error::codes::INVALID_NAMESPACE,
                "planCacheClear needs a collection name",
            ));
        }
    };
    let doc_of = |field: &str| -> Result<Option<Document>> {
        match ctx.cmd.get(field) {
            None => Ok(None),
            Some(Bson::Document(d)) => Ok(Some(d.clone())),
            Some(other) => Err(CommandError::type_mismatch(format!(
                "BSON field 'planCacheClear.{field}' is the wrong type '{}', expected type 'object'",
                docdb_query::value::type_alias(other)
            ))),
        }
    };
    let query = doc_of("query")?;
    let sort = doc_of("sort")?;
    let projection = doc_of("projection")?;
    if query.is_none() && (sort.is_some() || projection.is_some()) {
        return Err(CommandError::bad_value(
            "sort or projection provided but query is not",
        ));
    }
    let collation = match doc_of("collation")? {
        Some(spec) => docdb_query::collation::Collation::parse(&spec)?,
        None => None,
    };
    ctx.engine.read(|cat| {
        if let Some(c) = cat.get(ctx.db, &coll) {
            let shape = query.as_ref().map(|q| {
                Shape::new(
                    c,
                    q,
                    sort.as_ref(),
                    projection.as_ref(),
                    collation.as_deref(),
                )
            });
            ctx.engine.plan_cache().clear(c, shape.as_ref());
        }
    });
    let mut reply = Document::new();
    reply.insert("ok", 1.0);
    Ok(reply)
}
