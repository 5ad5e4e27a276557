//! `convertToCapped` and `cloneCollectionAsCapped`, with mongod 7.0's checks.
//!
//! Both copy the source's documents in natural order into a capped collection
//! (the oldest are evicted as the copy goes, so the newest that fit remain).
//! The copy keeps the source's options (validator, collation, ...) with
//! `capped: true` and the given size, and only the `_id` index, as mongod does.
//! `convertToCapped` then replaces the source with the copy under one write lock.

use bson::{Bson, Document, doc};

use super::args;
use crate::catalog::Catalog;
use crate::engine::Ctx;
use crate::error::{CommandError, Result, codes};

/// The `size` argument: a positive number (mongod reads it as a double and truncates).
fn size_argument(ctx: &Ctx, command: &str) -> Result<i64> {
    let size = match ctx.cmd.get("size") {
        Some(v @ (Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_) | Bson::Decimal128(_))) => {
            crate::index::spec::number(v).unwrap_or(0.0)
        }
        None => {
            return Err(CommandError::failed_to_parse(format!(
                "BSON field '{command}.size' is missing but a required field"
            )));
        }
        Some(other) => {
            return Err(CommandError::type_mismatch(format!(
                "BSON field '{command}.size' is the wrong type '{}', expected types '[long, int, decimal, double]'",
                docdb_query::value::type_alias(other)
            )));
        }
    };
    if size <= 0.0 {
        return Err(CommandError::new(
            codes::INVALID_OPTIONS,
            "Capped collection size must be greater than zero",
        ));
    }
    Ok(size as i64)
}

/// The options of the capped copy: the source's, with capped/size first.
fn capped_options(source: &Document, size: i64) -> Document {
    let mut out = doc! {"capped": true, "size": crate::capped::number(size)};
    for (k, v) in source {
        if !matches!(k.as_str(), "capped" | "size" | "max") {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

/// Copies `db.from` into a new capped `db.to` (which must not exist).
fn clone_as_capped(cat: &mut Catalog, db: &str, from: &str, to: &str, size: i64) -> Result<()> {
    let Some(source) = cat.get(db, from) else {
        if cat.is_view(db, from) {
            return Err(crate::capped::error(
                166,
                format!("cloneCollectionAsCapped not supported for views: {db}.{from}"),
            ));
        }
        return Err(CommandError::new(
            codes::NAMESPACE_NOT_FOUND,
            format!("source collection {db}.{from} does not exist"),
        ));
    };
    if crate::timeseries::is_buckets(from) || source.options.contains_key("timeseries") {
        return Err(CommandError::new(
            codes::ILLEGAL_OPERATION,
            "Cannot convert a timeseries collection to a capped collection",
        ));
    }
    if cat.get(db, to).is_some() || cat.is_view(db, to) {
        return Err(CommandError::new(
            codes::NAMESPACE_EXISTS,
            format!(
                "cloneCollectionAsCapped failed - destination collection {db}.{to} already exists. source collection: {db}.{from}"
            ),
        ));
    }
    let options = capped_options(&source.options, size);
    let docs: Vec<Document> = source.records.documents().map(|(_, d)| d).collect();
    cat.create(db, to, options)?;
    for d in docs {
        // A document larger than the whole budget is skipped, as mongod's copy skips what
        // cannot fit; every other one goes in and pushes the oldest out.
        match cat.insert(db, to, d) {
            Ok(_) => {}
            Err(e) if e.code == codes::BAD_VALUE => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

pub fn clone_collection_as_capped(ctx: &Ctx) -> Result<Document> {
    let from = match ctx.cmd.get("cloneCollectionAsCapped") {
        Some(Bson::String(s)) if !s.is_empty() => s.clone(),
        _ => {
            return Err(CommandError::new(
                codes::INVALID_NAMESPACE,
                "Invalid namespace: cloneCollectionAsCapped needs the source collection's name",
            ));
        }
    };
    let to = match ctx.cmd.get("toCollection") {
        Some(Bson::String(s)) if !s.is_empty() => s.clone(),
        Some(Bson::String(_)) | None => {
            return Err(CommandError::failed_to_parse(
                "BSON field 'cloneCollectionAsCapped.toCollection' is missing but a required field",
            ));
        }
        Some(other) => {
            return Err(CommandError::type_mismatch(format!(
                "BSON field 'cloneCollectionAsCapped.toCollection' is the wrong type '{}', expected type 'string'",
                docdb_query::value::type_alias(other)
            )));
        }
    };
    let size = size_argument(ctx, "cloneCollectionAsCapped")?;
    crate::catalog::check_coll_name(ctx.db, &to)?;
    ctx.engine
        .write(|cat| clone_as_capped(cat, ctx.db, &from, &to, size))??;
    Ok(doc! {"ok": 1.0})
}

pub fn convert_to_capped(ctx: &Ctx) -> Result<Document> {
    let coll = args::collection(ctx)?;
    let size = size_argument(ctx, "convertToCapped")?;
    let tmp = format!("tmp.convertToCapped.{coll}");
    ctx.engine.write(|cat| -> Result<()> {
        if cat.get(ctx.db, &coll).is_none() && !cat.is_view(ctx.db, &coll) {
            return Err(CommandError::new(
                codes::NAMESPACE_NOT_FOUND,
                format!("source collection {}.{coll} does not exist", ctx.db),
            ));
        }
        cat.drop_collection(ctx.db, &tmp);
        clone_as_capped(cat, ctx.db, &coll, &tmp, size)?;
        cat.drop_collection(ctx.db, &coll);
        cat.rename((ctx.db, &tmp), (ctx.db, &coll))
    })??;
    ctx.engine.cursors().kill_namespace(&ctx.ns(&coll));
    Ok(doc! {"ok": 1.0})
}
