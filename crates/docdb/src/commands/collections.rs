//! Collection-level catalog commands: listCollections, create, drop,
//! renameCollection, collStats, collMod.

use bson::{Bson, Document, doc};
use docdb_query::matcher::Filter;

use super::args;
use crate::collection::Collection;
use crate::engine::Ctx;
use crate::error::{CommandError, Result, codes};

/// The `create` options a collection keeps (and listCollections shows).
const KEPT_OPTIONS: &[&str] = &[
    "validator",
    "validationLevel",
    "validationAction",
    "collation",
    "storageEngine",
    "indexOptionDefaults",
];

pub fn list_collections(ctx: &Ctx) -> Result<Document> {
    let filter = match args::opt_doc(ctx, "filter")? {
        Some(f) => Some(Filter::parse(f)?),
        None => None,
    };
    let name_only = args::opt_bool(ctx, "nameOnly")?.unwrap_or(false);
    let batch_size = match ctx.cmd.get("cursor") {
        Some(Bson::Document(c)) => {
            args::batch_size(args::int_field(c, "listCollections.cursor", "batchSize")?)?
        }
        _ => None,
    };
    let entries: Vec<Document> = ctx.engine.read(|cat| {
        let views = cat.views.iter().filter(|((db, _), _)| db == ctx.db).map(|((_, name), def)| {
            super::timeseries::list_entry(cat, ctx.db, name).unwrap_or_else(|| {
                doc! {"name": name.clone(), "type": "view", "options": def.clone(), "info": {"readOnly": true}}
            })
        });
        let empty = std::collections::BTreeMap::new();
        let colls = cat.dbs.get(ctx.db).unwrap_or(&empty);
        colls
            .iter()
            .map(|(name, c)| {
                let mut full = doc! {
                    "name": name.clone(),
                    "type": "collection",
                    "options": c.options.clone(),
                    "info": {"readOnly": false, "uuid": c.uuid},
                    // With the collection's default collation, as the `_id_` index has it.
                    "idIndex": c
                        .indexes
                        .first()
                        .map(|i| i.spec.to_document())
                        .unwrap_or_else(Collection::id_index_document),
                };
                // A clustered collection has no separate _id index to show.
                if c.options.contains_key("clusteredIndex") {
                    full.remove("idIndex");
                }
                full
            })
            .chain(views)
            .filter(|d| filter.as_ref().is_none_or(|f| f.matches(d)))
            .map(|d| {
                if name_only {
                    doc! {"name": d.get("name").cloned().unwrap_or(Bson::Null), "type": d.get("type").cloned().unwrap_or(Bson::Null)}
                } else {
                    d
                }
            })
            .collect()
    });
    Ok(ctx.engine.cursors().open(
        &format!("{}.$cmd.listCollections", ctx.db),
        entries,
        batch_size,
        false,
    ))
}

pub fn create(ctx: &Ctx) -> Result<Document> {
    let coll = args::collection(ctx)?;
    if let Some(view_on) = ctx.cmd.get("viewOn") {
        let Bson::String(view_on) = view_on else {
            return Err(CommandError::type_mismatch(format!(
                "'viewOn' must be a collection name, found {view_on}"
            )));
        };
        let pipeline = match ctx.cmd.get("pipeline") {
            None => Vec::new(),
            Some(Bson::Array(stages)) if stages.iter().all(|s| matches!(s, Bson::Document(_))) => {
                stages.clone()
            }
            Some(other) => {
                return Err(CommandError::type_mismatch(format!(
                    "a view's 'pipeline' must be an array of stages, found {other}"
                )));
            }
        };
        // Parse now, so that a bad pipeline fails at create time.
        let parsed: Vec<Document> = pipeline
            .iter()
            .filter_map(|s| s.as_document().cloned())
            .collect();
        docdb_query::aggregate::Pipeline::parse(&parsed)?;
        // Views run with the simple collation here; a view collation is refused, not dropped.
        if let Some(Bson::Document(spec)) = ctx.cmd.get("collation")
            && docdb_query::collation::Collation::parse(spec)?.is_some()
        {
            return Err(CommandError::new(
                codes::INVALID_OPTIONS,
                "a view with a collation is not supported by the embedded engine: create the view without one and pass the collation to the queries on its source collection",
            ));
        }
        let view_on = view_on.clone();
        ctx.engine
            .write(|cat| cat.create_view(ctx.db, &coll, &view_on, pipeline))??;
        return Ok(doc! {"ok": 1.0});
    }
    if ctx.cmd.contains_key("timeseries") {
        return super::timeseries::create(ctx, &coll);
    }
    // capped/size/max or clusteredIndex/expireAfterSeconds, checked as mongod checks them.
    let mut options = crate::clustered::storage_options(ctx.cmd)?;
    for key in KEPT_OPTIONS {
        if let Some(v) = ctx.cmd.get(*key) {
            options.insert(*key, v.clone());
        }
    }
    crate::validation::Validator::from_options(&options)?;
    // The options as the collection keeps them (a collation resolved), to compare with an
    // existing collection's, and a bad collation reported before anything is created.
    let kept = Collection::new(options.clone())?.options;
    crate::catalog::check_db_name(ctx.db)?;
    ctx.engine.write(|cat| {
        if let Some(existing) = cat.get(ctx.db, &coll) {
            if existing.options == kept {
                return Ok(());
            }
            return Err(CommandError::new(
                codes::NAMESPACE_EXISTS,
                format!("Collection {}.{coll} already exists.", ctx.db),
            ));
        }
        cat.create(ctx.db, &coll, options)
    })??;
    Ok(doc! {"ok": 1.0})
}

pub fn drop(ctx: &Ctx) -> Result<Document> {
    let coll = args::collection(ctx)?;
    let ns = ctx.ns(&coll);
    let n_indexes = ctx.engine.write(|cat| {
        if cat.is_view(ctx.db, &coll) {
            if super::timeseries::options_of(cat, ctx.db, &coll).is_some() {
                cat.drop_collection(ctx.db, &crate::timeseries::buckets_name(&coll));
            }
            cat.drop_collection(ctx.db, &coll);
            return Some(0);
        }
        let n = cat.get(ctx.db, &coll).map(|c| c.indexes.len() as i32);
        if n.is_some() {
            cat.drop_collection(ctx.db, &coll);
        }
        n
    })?;
    ctx.engine.cursors().kill_namespace(&ns);
    match n_indexes {
        Some(n) => Ok(doc! {"nIndexesWas": n, "ns": ns, "ok": 1.0}),
        None => Err(CommandError::new(
            codes::NAMESPACE_NOT_FOUND,
            "ns not found",
        )),
    }
}

fn split_ns(ns: &str) -> Result<(String, String)> {
    match ns.split_once('.') {
        Some((db, coll)) if !db.is_empty() && !coll.is_empty() => {
            Ok((db.to_string(), coll.to_string()))
        }
        _ => Err(CommandError::new(
            codes::INVALID_NAMESPACE,
            format!("Invalid namespace specified '{ns}': use 'database.collection'"),
        )),
    }
}

pub fn rename_collection(ctx: &Ctx) -> Result<Document> {
    let from = match ctx.cmd.get("renameCollection") {
        Some(Bson::String(s)) => split_ns(s)?,
        _ => {
            return Err(CommandError::type_mismatch(
                "renameCollection needs the source namespace as a string, e.g. 'db.old'",
            ));
        }
    };
    let to = match ctx.cmd.get("to") {
        Some(Bson::String(s)) => split_ns(s)?,
        _ => {
            return Err(CommandError::type_mismatch(
                "renameCollection needs 'to': the target namespace as a string, e.g. 'db.new'",
            ));
        }
    };
    let drop_target = args::opt_bool(ctx, "dropTarget")?.unwrap_or(false);
    if from == to {
        return Err(CommandError::new(
            codes::ILLEGAL_OPERATION,
            "Can't rename a collection to itself",
        ));
    }
    ctx.engine.write(|cat| {
        // Views (time-series collections included) cannot be renamed, as in mongod 7.0.
        if cat.is_view(&from.0, &from.1) {
            return Err(crate::catalog::view_error(&from.0, &from.1));
        }
        if cat.get(&from.0, &from.1).is_none() {
            return Err(CommandError::new(
                codes::NAMESPACE_NOT_FOUND,
                format!("Source collection {}.{} does not exist", from.0, from.1),
            ));
        }
        if cat.get(&to.0, &to.1).is_some() {
            if !drop_target {
                return Err(CommandError::new(
                    codes::NAMESPACE_EXISTS,
                    "target namespace exists",
                ));
            }
            cat.drop_collection(&to.0, &to.1);
        }
        cat.rename((&from.0, &from.1), (&to.0, &to.1))
    })??;
    let mut cursors = ctx.engine.cursors();
    cursors.kill_namespace(&format!("{}.{}", from.0, from.1));
    Ok(doc! {"ok": 1.0})
}

pub fn coll_stats(ctx: &Ctx) -> Result<Document> {
    let coll = args::collection(ctx)?;
    let ns = ctx.ns(&coll);
    ctx.engine.read(|cat| {
        // A time-series collection reports its buckets (as mongod does), with a `timeseries` part.
        let buckets = super::timeseries::options_of(cat, ctx.db, &coll)
            .map(|_| crate::timeseries::buckets_name(&coll));
        let Some(c) = cat.get(ctx.db, buckets.as_deref().unwrap_or(&coll)) else {
            return Err(CommandError::new(
                codes::NAMESPACE_NOT_FOUND,
                format!("Collection [{ns}] not found."),
            ));
        };
        let size = c.data_size();
        let count = c.len() as i64;
        let mut index_sizes = Document::new();
        let mut total_index = 0i64;
        for i in &c.indexes {
            // The bytes the entries occupy (values an entry boxes are not counted).
            let s = i.entries.allocated_bytes() as i64;
            total_index += s;
            index_sizes.insert(i.spec.name.clone(), s);
        }
        let mut stats = doc! {
            "ns": ns.clone(),
            "count": count,
            "size": size,
            "avgObjSize": if count > 0 { size / count } else { 0 },
            "storageSize": size,
            "nindexes": c.indexes.len() as i32,
            "totalIndexSize": total_index,
            "totalSize": size + total_index,
            "indexSizes": index_sizes,
        };
        crate::capped::stats_fields(c.capped.as_ref(), &mut stats);
        if let Some(b) = &buckets {
            stats.insert(
                "timeseries",
                doc! {"bucketsNs": ctx.ns(b), "bucketCount": c.len() as i64},
            );
        }
        stats.insert("scaleFactor", 1);
        stats.insert("ok", 1.0);
        Ok(stats)
    })
}

pub fn coll_mod(ctx: &Ctx) -> Result<Document> {
    let coll = args::collection(ctx)?;
    // A collection's default collation is fixed at create time, as in mongod.
    if ctx.cmd.contains_key("collation") {
        return Err(CommandError::new(
            codes::INVALID_OPTIONS,
            "unknown option to collMod: collation (a collection's default collation is set by create and cannot change)",
        ));
    }
    let mut reply = Document::new();
    // cappedSize/cappedMax (mongod 6.0+): checked before anything else changes.
    let capped_change = crate::capped::coll_mod_change(ctx.cmd)?;
    ctx.engine.write(|cat| -> Result<()> {
        if let Some(change) = &capped_change {
            crate::capped::apply_coll_mod(cat, ctx.db, &coll, change)?;
        }
        let Some(c) = cat.get(ctx.db, &coll) else {
            return Err(CommandError::new(codes::NAMESPACE_NOT_FOUND, format!("ns does not exist: {}.{coll}", ctx.db)));
        };
        let mut options = c.options.clone();
        let mut changed = false;
        for key in ["validator", "validationLevel", "validationAction"] {
            if let Some(v) = ctx.cmd.get(key) {
                options.insert(key, v.clone());
                changed = true;
            }
        }
        let index_change = match ctx.cmd.get("index") {
            None => None,
            Some(Bson::Document(d)) => Some(d.clone()),
            Some(v) => return Err(CommandError::type_mismatch(format!("collMod 'index' must be an object, found {v}"))),
        };
        // Check everything before changing anything.
        if changed {
            crate::validation::Validator::from_options(&options)?;
        }
        if let Some(ix) = &index_change {
            let name = match (ix.get("name"), ix.get("keyPattern")) {
                (Some(Bson::String(n)), _) => n.clone(),
                (_, Some(Bson::Document(k))) => c
                    .indexes
                    .iter()
                    .find(|i| crate::index::spec::same_key(&i.spec.key, k))
                    .map(|i| i.spec.name.clone())
                    .ok_or_else(|| CommandError::new(codes::INDEX_NOT_FOUND, format!("cannot find index {k} for ns {}.{coll}", ctx.db)))?,
                _ => return Err(CommandError::bad_value("collMod 'index' needs 'name' or 'keyPattern'")),
            };
            match ix.get("expireAfterSeconds") {
                Some(v) => {
                    let Some(secs) = crate::index::spec::number(v).filter(|n| *n >= 0.0) else {
                        return Err(CommandError::bad_value(format!("expireAfterSeconds must be a non-negative number, found {v}")));
                    };
                    if c.indexes.iter().any(|i| i.spec.name == name && i.spec.expire_after_seconds.is_none()) {
                        return Err(CommandError::new(
                            codes::INVALID_OPTIONS,
                            format!("no expireAfterSeconds field to update on index {name}: it is not a TTL index"),
                        ));
                    }
                    let old = cat.set_index_ttl(ctx.db, &coll, &name, secs as i64)?;
                    reply.insert("expireAfterSeconds_old", old.unwrap_or(0));
                    reply.insert("expireAfterSeconds_new", secs as i64);
                }
                None => return Err(CommandError::bad_value("collMod 'index' needs a change, e.g. expireAfterSeconds")),
            }
        }
        if changed {
            cat.set_options(ctx.db, &coll, options)?;
        }
        Ok(())
    })??;
    reply.insert("ok", 1.0);
    Ok(reply)
}

/// `validate`: re-derives every index's keys from the documents and checks
/// them against the stored entries (a real consistency check, not a stub).
pub fn validate(ctx: &Ctx) -> Result<Document> {
    let coll = args::collection(ctx)?;
    let ns = ctx.ns(&coll);
    ctx.engine.read(|cat| {
        let Some(c) = cat.get(ctx.db, &coll) else {
            return Err(CommandError::new(
                codes::NAMESPACE_NOT_FOUND,
                format!("Collection '{ns}' does not exist to validate."),
            ));
        };
        let mut errors: Vec<Bson> = Vec::new();
        let mut keys_per_index = Document::new();
        let mut index_details = Document::new();
        for (i, index) in c.indexes.iter().enumerate() {
            if i % 4 == 0 {
                ctx.guard.check()?;
            }
            let mut expected = 0usize;
            let mut missing = 0usize;
            for (record, doc) in c.records.documents() {
                let keys = index.keys_for(&doc)?;
                expected += keys.len();
                for key in keys {
                    if !index
                        .entries
                        .contains(&crate::index::IndexEntry::new(key, record))
                    {
                        missing += 1;
                    }
                }
            }
            let valid = missing == 0 && expected == index.entries.len();
            if !valid {
                errors.push(Bson::String(format!(
                    "index '{}' has {} entries, {expected} expected ({missing} missing)",
                    index.spec.name,
                    index.entries.len()
                )));
            }
            keys_per_index.insert(index.spec.name.clone(), index.entries.len() as i64);
            index_details.insert(index.spec.name.clone(), doc! {"valid": valid});
        }
        Ok(doc! {
            "ns": ns.clone(),
            "nInvalidDocuments": 0,
            "nNonCompliantDocuments": 0,
            "nrecords": c.len() as i64,
            "nIndexes": c.indexes.len() as i32,
            "keysPerIndex": keys_per_index,
            "indexDetails": index_details,
            "valid": errors.is_empty(),
            "repaired": false,
            "warnings": [],
            "errors": errors,
            "extraIndexEntries": [],
            "missingIndexEntries": [],
            "corruptRecords": [],
            "ok": 1.0,
        })
    })
}
