//! The diagnostic source stages `$collStats` and `$currentOp`.
//!
//! mongosh's schema-browsing helpers are built on them: `db.coll.stats()` runs
//! `[{$collStats: {storageStats: {scale: 1}}}]` and adds the shards up itself,
//! `db.coll.latencyStats()` asks for `latencyStats`, and `db.currentOp()` runs
//! `[{$currentOp: {allUsers, idleConnections, truncateOps}}, {$match: ...}]` on
//! `admin`. Both stages *produce* the documents the rest of the pipeline works
//! on, so they are answered here, from the catalog and the operation registry,
//! before the remaining stages run over their output (see `aggregate.rs`).
//! Options mongod knows but this engine cannot honour are refused with
//! mongod's code rather than ignored; `$currentOp`'s options and entries are in
//! `current_op.rs`.

use bson::{Bson, Document, doc};

use crate::engine::Ctx;
use crate::error::{CommandError, Result, codes};

/// mongod's code for an unknown field in a stage's specification.
const UNKNOWN_FIELD: i32 = 40415;
/// mongod's code for a source stage that is not the first one.
const NOT_FIRST: i32 = 40602;

/// Is this stage one of the source stages answered here?
pub fn is_source_stage(stage: &Document) -> bool {
    matches!(
        stage.keys().next().map(String::as_str),
        Some("$collStats" | "$currentOp" | "$planCacheStats")
    ) && stage.len() == 1
}

/// Refuses a diagnostic stage anywhere but first, as mongod does.
pub fn check_not_later(stages: &[Document]) -> Result<()> {
    for stage in stages.iter().skip(1) {
        if let Some(name) = stage
            .keys()
            .next()
            .filter(|n| matches!(n.as_str(), "$collStats" | "$currentOp" | "$planCacheStats"))
        {
            return Err(CommandError::new(
                NOT_FIRST,
                format!("{name} is only valid as the first stage in a pipeline"),
            ));
        }
    }
    Ok(())
}

/// The documents a leading `$collStats` or `$currentOp` produces.
pub fn source_documents(ctx: &Ctx, coll: Option<&str>, stage: &Document) -> Result<Vec<Document>> {
    match stage.iter().next() {
        Some((name, spec)) if name == "$collStats" => coll_stats(ctx, coll, spec).map(|d| vec![d]),
        Some((name, spec)) if name == "$currentOp" => current_op(ctx, coll, spec),
        Some((name, spec)) if name == "$planCacheStats" => {
            super::plan_cache::stage(ctx, coll, spec)
        }
        _ => Ok(Vec::new()),
    }
}

fn spec_document<'a>(name: &str, spec: &'a Bson) -> Result<&'a Document> {
    match spec {
        Bson::Document(d) => Ok(d),
        other => Err(CommandError::new(
            codes::FAILED_TO_PARSE,
            format!(
                "{name} must take a nested object but found: {}",
                crate::index::shell_value(other)
            ),
        )),
    }
}

fn unknown_field(stage: &str, field: &str) -> CommandError {
    CommandError::new(
        UNKNOWN_FIELD,
        format!("BSON field '{stage}.{field}' is an unknown field."),
    )
}

/// `{$collStats: {latencyStats?, storageStats?, count?, queryExecStats?}}`.
fn coll_stats(ctx: &Ctx, coll: Option<&str>, spec: &Bson) -> Result<Document> {
    let spec = spec_document("$collStats", spec)?;
    let Some(coll) = coll else {
        return Err(CommandError::new(
            codes::INVALID_NAMESPACE,
            "$collStats must be run against a collection, not with {aggregate: 1}",
        ));
    };
    let ns = ctx.ns(coll);
    let mut out = doc! {
        "ns": ns.clone(),
        "host": "localhost",
        "localTime": bson::DateTime::now(),
    };
    for (field, value) in spec {
        match field.as_str() {
            "latencyStats" => {
                let options = spec_document("$collStats.latencyStats", value)?;
                for (k, v) in options {
                    match (k.as_str(), v) {
                        ("histograms", Bson::Boolean(false)) => {}
                        ("histograms", Bson::Boolean(true)) => {
                            return Err(CommandError::bad_value(
                                "$collStats latencyStats histograms are not kept by the embedded engine; ask without histograms: true",
                            ));
                        }
                        _ => return Err(unknown_field("$collStats.latencyStats", k)),
                    }
                }
                out.insert("latencyStats", ctx.engine.ops().latency_stats(&ns));
            }
            "storageStats" => {
                let options = spec_document("$collStats.storageStats", value)?;
                let scale = storage_scale(options)?;
                out.insert("storageStats", storage_stats(ctx, coll, scale)?);
            }
            "count" => {
                spec_document("$collStats.count", value)?;
                let count = ctx
                    .engine
                    .read(|cat| cat.get(ctx.db, coll).map(|c| c.len() as i64));
                let Some(count) = count else {
                    return Err(not_found("count", &ns));
                };
                out.insert("count", count);
            }
            "queryExecStats" => {
                spec_document("$collStats.queryExecStats", value)?;
                return Err(CommandError::bad_value(
                    "$collStats queryExecStats (collection scan counts) are not kept by the embedded engine; use explain() on a query instead",
                ));
            }
            other => return Err(unknown_field("$collStats", other)),
        }
    }
    Ok(out)
}

fn not_found(what: &str, ns: &str) -> CommandError {
    CommandError::new(
        codes::NAMESPACE_NOT_FOUND,
        format!(
            "Unable to retrieve {what} in $collStats stage :: caused by :: Collection [{ns}] not found."
        ),
    )
}

/// `storageStats.scale` (a positive integer; sizes are divided by it).
fn storage_scale(options: &Document) -> Result<i64> {
    let mut scale = 1;
    for (k, v) in options {
        match k.as_str() {
            "scale" => {
                let n = match v {
                    Bson::Int32(i) => i64::from(*i),
                    Bson::Int64(i) => *i,
                    Bson::Double(d) if d.fract() == 0.0 => *d as i64,
                    other => {
                        return Err(CommandError::type_mismatch(format!(
                            "BSON field '$collStats.storageStats.scale' is the wrong type '{}', expected types '[long, int, decimal, double]'",
                            docdb_query::value::type_alias(other)
                        )));
                    }
                };
                if n < 1 {
                    return Err(CommandError::new(
                        51024,
                        format!("BSON field 'scale' value must be >= 1, actual value '{n}'"),
                    ));
                }
                scale = n;
            }
            // Accepted and meaningless here: sizes are always exact and no lock is waited for.
            "verbose" | "waitForLock" | "numericOnly" => {}
            other => return Err(unknown_field("$collStats.storageStats", other)),
        }
    }
    Ok(scale)
}

/// mongod's `storageStats` fields (those of `collStats`) for one collection.
fn storage_stats(ctx: &Ctx, coll: &str, scale: i64) -> Result<Document> {
    let ns = ctx.ns(coll);
    ctx.engine.read(|cat| {
        let Some(c) = cat.get(ctx.db, coll) else {
            return Err(not_found("storageStats", &ns));
        };
        let size = c.data_size();
        let count = c.len() as i64;
        let mut index_sizes = Document::new();
        let mut total_index = 0i64;
        for index in &c.indexes {
            // The same figure as `collStats`: the bytes the entries occupy.
            let bytes = index.entries.allocated_bytes() as i64;
            total_index += bytes;
            index_sizes.insert(index.spec.name.clone(), bytes / scale);
        }
        let mut stats = doc! {
            "size": size / scale,
            "count": count,
            "avgObjSize": if count > 0 { size / count } else { 0 },
            "numOrphanDocs": 0,
            "storageSize": size / scale,
            "freeStorageSize": 0,
            "capped": c.capped.is_some(),
            "nindexes": c.indexes.len() as i32,
            "indexDetails": {},
            "indexBuilds": [],
            "totalIndexSize": total_index / scale,
            "totalSize": (size + total_index) / scale,
            "indexSizes": index_sizes,
            "scaleFactor": scale,
        };
        // A capped collection's budgets, as mongod's storageStats shows them.
        if let Some(capped) = &c.capped {
            stats.insert("max", crate::capped::number(capped.max.unwrap_or(0)));
            stats.insert("maxSize", crate::capped::number(capped.size / scale));
        }
        Ok(stats)
    })
}

/// `{$currentOp: {...}}` on `admin` with `aggregate: 1` (see `current_op.rs`).
fn current_op(ctx: &Ctx, coll: Option<&str>, spec: &Bson) -> Result<Vec<Document>> {
    let options = super::current_op::parse_stage(spec, || {
        if ctx.db != "admin" || coll.is_some() {
            return Err(CommandError::new(
                codes::INVALID_NAMESPACE,
                "$currentOp must be run against the 'admin' database with {aggregate: 1}",
            ));
        }
        Ok(())
    })?;
    Ok(super::current_op::report(ctx, options))
}
