//! The command side of time-series collections (see `timeseries/` for the storage):
//! `create` with `timeseries`, inserts into buckets, deletes with any filter and
//! metaField-only updates (what mongod 7.0 allows, with its errors for the rest),
//! the `listCollections`/`listIndexes`/`createIndexes` views of the collection,
//! and reads through the unpack stage of the view.

use bson::{Bson, Document, doc};
use docdb_query::matcher::Filter;

use super::args;
use super::write_util::with_id_first;
use crate::catalog::Catalog;
use crate::engine::Ctx;
use crate::error::{CommandError, Result, codes};
use crate::timeseries::{self as ts, TimeseriesOptions};

/// `create` options mongod refuses next to `timeseries`.
const NOT_WITH_TIMESERIES: &[&str] = &[
    "clusteredIndex",
    "validator",
    "validationLevel",
    "validationAction",
    "viewOn",
    "pipeline",
    "size",
    "max",
    "idIndex",
    "autoIndexId",
    "changeStreamPreAndPostImages",
    "encryptedFields",
    "indexOptionDefaults",
];

/// The options of time-series collection `coll`, when it is one.
pub fn options_of(cat: &Catalog, db: &str, coll: &str) -> Option<TimeseriesOptions> {
    if !cat.is_view(db, coll) {
        return None;
    }
    let buckets = cat.get(db, &ts::buckets_name(coll))?;
    match buckets.options.get("timeseries") {
        Some(Bson::Document(d)) => TimeseriesOptions::from_stored(d),
        _ => None,
    }
}

/// `create` with a `timeseries` option.
pub fn create(ctx: &Ctx, coll: &str) -> Result<Document> {
    let ns = ctx.ns(coll);
    let spec = match ctx.cmd.get("timeseries") {
        Some(Bson::Document(d)) => d,
        Some(other) => {
            return Err(CommandError::type_mismatch(format!(
                "BSON field 'create.timeseries' is the wrong type '{}', expected type 'object'",
                docdb_query::value::type_alias(other)
            )));
        }
        None => return Err(CommandError::failed_to_parse("create needs 'timeseries'")),
    };
    for field in NOT_WITH_TIMESERIES {
        if ctx.cmd.contains_key(*field) {
            return Err(CommandError::new(
                codes::INVALID_OPTIONS,
                format!("{ns}: 'timeseries' is not allowed with '{field}'"),
            ));
        }
    }
    if matches!(ctx.cmd.get("capped"), Some(Bson::Boolean(true))) {
        return Err(CommandError::new(
            codes::INVALID_OPTIONS,
            format!("{ns}: 'timeseries' is not allowed with 'capped'"),
        ));
    }
    if ctx.cmd.contains_key("collation") {
        return Err(CommandError::new(
            codes::INVALID_OPTIONS,
            "a time-series collection with a default collation is not supported by the embedded engine: create it without 'collation' and pass the collation to each query",
        ));
    }
    // mongod names the namespace in its top-level-field errors.
    let options = TimeseriesOptions::parse(spec).map_err(|mut e| {
        if e.message.contains("must be a top-level field") {
            e.message = format!("{ns}: {}", e.message);
        }
        e
    })?;
    let mut bucket_options = doc! {"clusteredIndex": true, "timeseries": options.to_document()};
    if let Some(v) = ctx.cmd.get("expireAfterSeconds") {
        let secs = match v {
            Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_) => {
                crate::index::spec::number(v).unwrap_or(-1.0)
            }
            other => {
                return Err(CommandError::type_mismatch(format!(
                    "BSON field 'create.expireAfterSeconds' is the wrong type '{}', expected type 'long'",
                    docdb_query::value::type_alias(other)
                )));
            }
        };
        if secs < 0.0 {
            return Err(CommandError::new(
                codes::INVALID_OPTIONS,
                "TTL index 'expireAfterSeconds' option must be within an acceptable range, try a non-negative value",
            ));
        }
        bucket_options.insert("expireAfterSeconds", secs as i64);
    }
    crate::catalog::check_db_name(ctx.db)?;
    crate::catalog::check_coll_name(ctx.db, coll)?;
    let buckets = ts::buckets_name(coll);
    ctx.engine.write(|cat| -> Result<()> {
        if cat.get(ctx.db, coll).is_some() || cat.is_view(ctx.db, coll) {
            if options_of(cat, ctx.db, coll).as_ref() == Some(&options) {
                return Ok(());
            }
            return Err(CommandError::new(
                codes::NAMESPACE_EXISTS,
                format!("Collection {ns} already exists."),
            ));
        }
        if cat.get(ctx.db, &buckets).is_some() {
            return Err(CommandError::new(
                codes::NAMESPACE_EXISTS,
                format!("Collection {}.{buckets} already exists.", ctx.db),
            ));
        }
        cat.create(ctx.db, &buckets, bucket_options.clone())?;
        cat.create_view(ctx.db, coll, &buckets, ts::view_pipeline(&options))?;
        // mongod 6.3+ builds a default index on the metaField and timeField.
        if let Some(meta) = &options.meta_field {
            let spec = doc! {
                "key": {"meta": 1, format!("control.min.{}", options.time_field): 1, format!("control.max.{}", options.time_field): 1},
                "name": format!("{meta}_1_{}_1", options.time_field),
            };
            cat.create_index(ctx.db, &buckets, crate::index::IndexSpec::parse(&spec)?)?;
        }
        Ok(())
    })??;
    Ok(doc! {"ok": 1.0})
}

/// Puts one measurement into a bucket (an open one that fits, else a new one).
fn insert_measurement(
    cat: &mut Catalog,
    db: &str,
    buckets: &str,
    o: &TimeseriesOptions,
    measurement: Document,
) -> Result<()> {
    super::write_util::check_storable(&measurement)?;
    let t = ts::measurement_time(o, &measurement)?;
    let meta = o
        .meta_field
        .as_ref()
        .and_then(|m| measurement.get(m))
        .cloned();
    let target = cat.get(db, buckets).and_then(|c| {
        // The newest buckets are the likeliest to take the measurement.
        c.records
            .documents()
            .rev()
            .take(64)
            .find(|(_, b)| ts::fits(o, b, meta.as_ref(), t))
    });
    match target {
        Some((record, mut bucket)) => {
            ts::add_measurement(o, &mut bucket, &measurement);
            cat.replace(db, buckets, record, bucket)
        }
        None => {
            let bucket = ts::new_bucket(o, &measurement)?;
            cat.insert(db, buckets, bucket).map(|_| ())
        }
    }
}

/// `insert` into a time-series collection; `None` when `coll` is not one.
pub fn insert(ctx: &Ctx, coll: &str) -> Result<Option<Document>> {
    let Some(o) = ctx.engine.read(|cat| options_of(cat, ctx.db, coll)) else {
        return Ok(None);
    };
    let documents: Vec<Document> = match ctx.take_documents() {
        Some(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| match v {
                Bson::Document(d) => Ok(d),
                other => Err(CommandError::type_mismatch(format!(
                    "BSON field 'insert.documents.{i}' is the wrong type '{}', expected type 'object'",
                    docdb_query::value::type_alias(&other)
                ))),
            })
            .collect::<Result<_>>()?,
        None => args::doc_array(ctx, "documents")?,
    };
    let ordered = args::opt_bool(ctx, "ordered")?.unwrap_or(true);
    let buckets = ts::buckets_name(coll);
    let (n, errors) = ctx.engine.write(|cat| {
        let mut n = 0i32;
        let mut errors: Vec<Bson> = Vec::new();
        for (i, doc) in documents.into_iter().enumerate() {
            match insert_measurement(cat, ctx.db, &buckets, &o, with_id_first(doc)) {
                Ok(()) => n += 1,
                Err(e) => {
                    errors.push(Bson::Document(e.to_write_error(i)));
                    if ordered {
                        break;
                    }
                }
            }
        }
        (n, errors)
    })?;
    Ok(Some(super::write_util::write_reply(n, errors)))
}

/// The measurements of every bucket of `db.buckets`.
pub fn measurements(cat: &Catalog, db: &str, buckets: &str, spec: &Document) -> Vec<Document> {
    let time_field = spec.get_str("timeField").unwrap_or_default();
    let meta_field = spec.get_str("metaField").ok();
    let Some(c) = cat.get(db, buckets) else {
        return Vec::new();
    };
    // Buckets in their `_id` order (their ObjectIds carry their start time).
    crate::clustered::natural_order(c, false)
        .into_iter()
        .filter_map(|r| c.records.document(r))
        .flat_map(|b| ts::unpack(time_field, meta_field, &b))
        .collect()
}

/// Reads through a time-series view: the buckets unpacked, then the rest of the pipeline.
/// `None` when `stages` does not start with the unpack stage.
pub fn unpacked_input(ctx: &Ctx, coll: Option<&str>, stages: &[Document]) -> Option<Vec<Document>> {
    let spec = ts::unpack_spec(stages)?.clone();
    let buckets = coll?;
    Some(
        ctx.engine
            .read(|cat| measurements(cat, ctx.db, buckets, &spec)),
    )
}

/// `delete` on a time-series collection (mongod 7.0 takes any filter, `limit` 0 or 1):
/// the matching measurements are removed and their buckets rebuilt.
pub fn delete(ctx: &Ctx, coll: &str) -> Result<Option<Document>> {
    let Some(o) = ctx.engine.read(|cat| options_of(cat, ctx.db, coll)) else {
        return Ok(None);
    };
    let statements = args::doc_array(ctx, "deletes")?;
    let ordered = args::opt_bool(ctx, "ordered")?.unwrap_or(true);
    let buckets = ts::buckets_name(coll);
    let (n, errors) = ctx.engine.write(|cat| {
        let mut n = 0i32;
        let mut errors: Vec<Bson> = Vec::new();
        for (i, st) in statements.iter().enumerate() {
            let result = (|| -> Result<i32> {
                let q = args::doc_field(st, "delete.deletes", "q")?
                    .cloned()
                    .unwrap_or_default();
                let one = match args::int_field(st, "delete.deletes", "limit")? {
                    None => {
                        return Err(CommandError::failed_to_parse(
                            "BSON field 'delete.deletes.limit' is missing but a required field",
                        ));
                    }
                    Some(0) => false,
                    Some(1) => true,
                    Some(other) => {
                        return Err(CommandError::failed_to_parse(format!(
                            "The limit field in delete objects must be 0 or 1. Got {other}"
                        )));
                    }
                };
                let filter = Filter::parse(&q)?;
                delete_matching(cat, ctx, &buckets, &o, &filter, one)
            })();
            match result {
                Ok(k) => n += k,
                Err(e) => {
                    errors.push(Bson::Document(e.to_write_error(i)));
                    if ordered {
                        break;
                    }
                }
            }
        }
        (n, errors)
    })?;
    Ok(Some(super::write_util::write_reply(n, errors)))
}

fn delete_matching(
    cat: &mut Catalog,
    ctx: &Ctx,
    buckets: &str,
    o: &TimeseriesOptions,
    filter: &Filter,
    one: bool,
) -> Result<i32> {
    let Some(c) = cat.get(ctx.db, buckets) else {
        return Ok(0);
    };
    let mut changes: Vec<(u64, Bson, Vec<Document>, i32)> = Vec::new();
    let mut removed = 0;
    for record in crate::clustered::natural_order(c, false) {
        if one && removed == 1 {
            break;
        }
        ctx.guard.check()?;
        let Some(bucket) = c.records.document(record) else {
            continue;
        };
        let all = ts::unpack(&o.time_field, o.meta_field.as_deref(), &bucket);
        let mut kept = Vec::with_capacity(all.len());
        let mut here = 0;
        for m in all {
            if (!one || removed + here == 0) && filter.matches(&m) {
                here += 1;
            } else {
                kept.push(m);
            }
        }
        if here > 0 {
            removed += here;
            let id = bucket.get("_id").cloned().unwrap_or(Bson::Null);
            changes.push((record, id, kept, here));
        }
    }
    for (record, id, kept, _) in changes {
        match ts::repack(o, &id, &kept)? {
            Some(bucket) => cat.replace(ctx.db, buckets, record, bucket)?,
            None => {
                cat.remove(ctx.db, buckets, record);
            }
        }
    }
    Ok(removed)
}

/// Whether every field a query names is the metaField (or under it), recursing into
/// `$and`/`$or`/`$nor`.
fn only_meta_fields(query: &Document, meta: &str) -> bool {
    query.iter().all(|(k, v)| match k.as_str() {
        "$and" | "$or" | "$nor" => match v {
            Bson::Array(items) => items
                .iter()
                .all(|i| i.as_document().is_some_and(|d| only_meta_fields(d, meta))),
            _ => false,
        },
        k if k.starts_with('$') => false,
        k => k == meta || k.starts_with(&format!("{meta}.")),
    })
}

/// Renames the metaField to the buckets' `meta` in every path of a query or update.
fn to_bucket_paths(d: &Document, meta: &str) -> Document {
    let rename = |k: &str| -> String {
        if k == meta {
            "meta".to_string()
        } else if let Some(rest) = k.strip_prefix(&format!("{meta}.")) {
            format!("meta.{rest}")
        } else {
            k.to_string()
        }
    };
    d.iter()
        .map(|(k, v)| {
            let v = match v {
                Bson::Document(inner) if k.starts_with('$') => {
                    Bson::Document(to_bucket_paths(inner, meta))
                }
                Bson::Array(items) if matches!(k.as_str(), "$and" | "$or" | "$nor") => Bson::Array(
                    items
                        .iter()
                        .map(|i| match i {
                            Bson::Document(d) => Bson::Document(to_bucket_paths(d, meta)),
                            other => other.clone(),
                        })
                        .collect(),
                ),
                other => other.clone(),
            };
            (rename(k), v)
        })
        .collect()
}

/// `update` on a time-series collection, as mongod 7.0 allows it: `multi: true`, no upsert,
/// a filter and update operators on the metaField only. It runs as an update of the
/// buckets' `meta`.
pub fn update(ctx: &Ctx, coll: &str) -> Result<Option<Document>> {
    let Some(o) = ctx.engine.read(|cat| options_of(cat, ctx.db, coll)) else {
        return Ok(None);
    };
    let statements = args::doc_array(ctx, "updates")?;
    let ordered = args::opt_bool(ctx, "ordered")?.unwrap_or(true);
    // Statements mongod refuses are write errors (code 72) of their index, as in mongod;
    // the others run as updates of the buckets' `meta`.
    let mut translated = Vec::with_capacity(statements.len());
    let mut positions = Vec::with_capacity(statements.len());
    let mut refused: Vec<Bson> = Vec::new();
    for (i, st) in statements.iter().enumerate() {
        match translate_update(&o, st) {
            Ok(out) => {
                translated.push(Bson::Document(out));
                positions.push(i as i32);
            }
            Err(e) => {
                refused.push(Bson::Document(e.to_write_error(i)));
                if ordered {
                    break;
                }
            }
        }
    }
    let mut reply = if translated.is_empty() {
        doc! {"n": 0, "nModified": 0}
    } else {
        let mut cmd = ctx.cmd.clone();
        cmd.insert("update", ts::buckets_name(coll));
        cmd.insert("updates", translated);
        let inner = Ctx {
            engine: ctx.engine,
            db: ctx.db,
            cmd: &cmd,
            guard: ctx.guard.clone(),
            connection_id: ctx.connection_id,
            documents: std::cell::RefCell::new(None),
        };
        super::update::update(&inner)?
    };
    // n and nModified count buckets here: mongod 7.0's metaField updates rewrite whole buckets.
    let mut errors: Vec<Bson> = match reply.remove("writeErrors") {
        Some(Bson::Array(inner)) => inner
            .into_iter()
            .map(|e| match e {
                Bson::Document(mut d) => {
                    let at = d.get_i32("index").unwrap_or(0) as usize;
                    d.insert("index", positions.get(at).copied().unwrap_or(0));
                    Bson::Document(d)
                }
                other => other,
            })
            .collect(),
        _ => Vec::new(),
    };
    errors.extend(refused);
    reply.remove("ok");
    if !errors.is_empty() {
        reply.insert("writeErrors", errors);
    }
    reply.insert("ok", 1.0);
    Ok(Some(reply))
}

/// One update statement on a time-series collection checked as mongod 7.0 checks it, and
/// rewritten for the buckets.
fn translate_update(o: &TimeseriesOptions, st: &Document) -> Result<Document> {
    let invalid = |m: &str| Err(CommandError::new(codes::INVALID_OPTIONS, m.to_string()));
    if !args::bool_field(st, "update.updates", "multi")?.unwrap_or(false) {
        return invalid("Cannot perform a non-multi update on a time-series collection");
    }
    if args::bool_field(st, "update.updates", "upsert")?.unwrap_or(false) {
        return invalid("Cannot perform an upsert on a time-series collection");
    }
    let Some(meta) = o.meta_field.as_deref() else {
        return invalid(
            "Cannot perform an update on a time-series collection that does not have a metaField",
        );
    };
    let q = args::doc_field(st, "update.updates", "q")?
        .cloned()
        .unwrap_or_default();
    if !only_meta_fields(&q, meta) {
        return invalid(
            "Cannot perform an update or delete on a time-series collection when querying on a field that is not the metaField",
        );
    }
    let u = match st.get("u") {
        Some(Bson::Document(u)) if u.keys().all(|k| k.starts_with('$')) => u.clone(),
        _ => {
            return invalid(
                "Cannot perform an update on a time-series collection that is not an update operator expression",
            );
        }
    };
    let touches_only_meta = u.values().all(|v| {
        v.as_document()
            .is_some_and(|fields| only_meta_fields(fields, meta))
    });
    if !touches_only_meta {
        return invalid(
            "Cannot perform an update on a time-series collection which updates a field that is not the metaField",
        );
    }
    let mut out = st.clone();
    out.insert("q", to_bucket_paths(&q, meta));
    out.insert("u", to_bucket_paths(&u, meta));
    Ok(out)
}

/// A time-series collection's `listCollections` entry (from its view definition).
pub fn list_entry(cat: &Catalog, db: &str, name: &str) -> Option<Document> {
    let o = options_of(cat, db, name)?;
    let buckets = cat.get(db, &ts::buckets_name(name))?;
    let mut options = doc! {"timeseries": o.to_document()};
    if let Some(secs) = buckets.options.get("expireAfterSeconds") {
        options.insert("expireAfterSeconds", secs.clone());
    }
    Some(doc! {"name": name, "type": "timeseries", "options": options, "info": {"readOnly": false}})
}

/// Translates a buckets index key back to the measurement fields (`listIndexes`).
fn user_key(o: &TimeseriesOptions, key: &Document) -> Document {
    let min = format!("control.min.{}", o.time_field);
    let max = format!("control.max.{}", o.time_field);
    let mut out = Document::new();
    for (k, v) in key {
        if *k == max {
            continue;
        }
        let name = if *k == min {
            o.time_field.clone()
        } else if k == "meta" {
            o.meta_field.clone().unwrap_or_default()
        } else if let Some(rest) = k.strip_prefix("meta.") {
            format!("{}.{rest}", o.meta_field.as_deref().unwrap_or_default())
        } else {
            k.clone()
        };
        out.insert(name, v.clone());
    }
    out
}

/// `listIndexes` of a time-series collection: the buckets' indexes in measurement terms.
pub fn list_indexes(ctx: &Ctx, coll: &str) -> Result<Option<Vec<Document>>> {
    ctx.engine.read(|cat| {
        let Some(o) = options_of(cat, ctx.db, coll) else {
            return Ok(None);
        };
        let Some(b) = cat.get(ctx.db, &ts::buckets_name(coll)) else {
            return Ok(Some(Vec::new()));
        };
        Ok(Some(
            b.indexes
                .iter()
                .skip(1)
                .map(|i| {
                    let mut d = i.spec.to_document();
                    d.insert("key", user_key(&o, &i.spec.key));
                    d
                })
                .collect(),
        ))
    })
}

/// `createIndexes` on a time-series collection: indexes on the metaField (and its
/// subfields) and on the timeField, built on the buckets as mongod translates them.
pub fn create_indexes(ctx: &Ctx, coll: &str) -> Result<Option<Document>> {
    let Some(o) = ctx.engine.read(|cat| options_of(cat, ctx.db, coll)) else {
        return Ok(None);
    };
    let raw = args::doc_array(ctx, "indexes")?;
    let mut specs = Vec::with_capacity(raw.len());
    for spec in raw {
        let Ok(key) = spec.get_document("key") else {
            return Err(CommandError::failed_to_parse(
                "BSON field 'createIndexes.indexes.key' is missing but a required field",
            ));
        };
        if matches!(spec.get("unique"), Some(Bson::Boolean(true))) {
            return Err(CommandError::new(
                codes::INVALID_OPTIONS,
                "Unique indexes are not supported on time-series collections",
            ));
        }
        let mut bucket_key = Document::new();
        for (field, dir) in key {
            let ascending = crate::index::spec::number(dir).is_some_and(|n| n > 0.0);
            if *field == o.time_field {
                let (first, second) = if ascending {
                    ("min", "max")
                } else {
                    ("max", "min")
                };
                bucket_key.insert(format!("control.{first}.{field}"), dir.clone());
                bucket_key.insert(format!("control.{second}.{field}"), dir.clone());
            } else if let Some(meta) = o.meta_field.as_deref()
                && (field == meta || field.starts_with(&format!("{meta}.")))
            {
                bucket_key.insert(format!("meta{}", &field[meta.len()..]), dir.clone());
            } else {
                return Err(CommandError::new(
                    codes::CANNOT_CREATE_INDEX,
                    format!(
                        "the embedded engine builds time-series indexes on the metaField and the timeField only; '{field}' is a measurement field (mongod would index it per bucket, which is not implemented)"
                    ),
                ));
            }
        }
        let mut bucket_spec = spec.clone();
        if !bucket_spec.contains_key("name") {
            let name: Vec<String> = key.iter().map(|(k, v)| format!("{k}_{v}")).collect();
            bucket_spec.insert("name", name.join("_"));
        }
        bucket_spec.insert("key", bucket_key);
        specs.push(crate::index::IndexSpec::parse(&bucket_spec)?);
    }
    let buckets = ts::buckets_name(coll);
    let (before, after) = ctx.engine.write(|cat| -> Result<(i32, i32)> {
        let before = cat
            .get(ctx.db, &buckets)
            .map_or(0, |c| c.indexes.len() as i32);
        for spec in specs {
            cat.create_index(ctx.db, &buckets, spec)?;
        }
        let after = cat
            .get(ctx.db, &buckets)
            .map_or(0, |c| c.indexes.len() as i32);
        Ok((before, after))
    })??;
    Ok(Some(doc! {
        "numIndexesBefore": before,
        "numIndexesAfter": after,
        "createdCollectionAutomatically": false,
        "ok": 1.0,
    }))
}

/// Buckets of collections with `expireAfterSeconds` whose newest measurement is older than
/// the limit (mongod's time-series TTL removes whole buckets).
pub fn expired_buckets(c: &crate::collection::Collection, now: bson::DateTime) -> Vec<u64> {
    let (Some(Bson::Document(spec)), Some(secs)) = (
        c.options.get("timeseries"),
        c.options
            .get("expireAfterSeconds")
            .and_then(crate::index::spec::number),
    ) else {
        return Vec::new();
    };
    let Ok(time_field) = spec.get_str("timeField") else {
        return Vec::new();
    };
    let cutoff = now.timestamp_millis() - (secs as i64).saturating_mul(1000);
    c.records
        .iter()
        .filter(|(_, b)| {
            let max = b
                .get_document("control")
                .ok()
                .and_then(|c| c.get_document("max").ok())
                .and_then(|m| m.get(time_field).ok().flatten());
            matches!(max, Some(bson::RawBsonRef::DateTime(t)) if t.timestamp_millis() <= cutoff)
        })
        .map(|(r, _)| r)
        .collect()
}

/// `explain` of a read on a time-series collection, in mongod's aggregation shape: a
/// `$cursor` collection scan of the buckets, the unpack stage, then the query's own stages
/// (what actually runs here; the buckets are not narrowed by the query before unpacking).
/// `None` for anything else.
pub fn explain(ctx: &Ctx, name: &str, verbosity: &str) -> Result<Option<Document>> {
    if !matches!(name, "find" | "aggregate" | "count" | "distinct") {
        return Ok(None);
    }
    let Some(Bson::String(coll)) = ctx.cmd.get(name) else {
        return Ok(None);
    };
    let Some(o) = ctx.engine.read(|cat| options_of(cat, ctx.db, coll)) else {
        return Ok(None);
    };
    let query = |field: &str| -> Result<Document> {
        Ok(args::opt_doc(ctx, field)?.cloned().unwrap_or_default())
    };
    let mut user: Vec<Document> = Vec::new();
    match name {
        "find" => {
            let filter = query("filter")?;
            if !filter.is_empty() {
                user.push(doc! {"$match": filter});
            }
            let sort = query("sort")?;
            if !sort.is_empty() {
                user.push(doc! {"$sort": sort});
            }
            if let Some(skip) = args::opt_i64(ctx, "skip")?.filter(|s| *s > 0) {
                user.push(doc! {"$skip": skip});
            }
            if let Some(limit) = args::opt_i64(ctx, "limit")?.filter(|l| *l != 0) {
                user.push(doc! {"$limit": limit.abs()});
            }
            let projection = query("projection")?;
            if !projection.is_empty() {
                user.push(doc! {"$project": projection});
            }
        }
        "aggregate" => user = args::doc_array(ctx, "pipeline")?,
        "count" => {
            let q = query("query")?;
            if !q.is_empty() {
                user.push(doc! {"$match": q});
            }
            user.push(doc! {"$count": "count"});
        }
        _ => {
            let q = query("query")?;
            if !q.is_empty() {
                user.push(doc! {"$match": q});
            }
            let key = ctx.cmd.get_str("key").unwrap_or_default();
            user.push(doc! {"$group": {"_id": format!("${key}")}});
        }
    }
    let buckets = ts::buckets_name(coll);
    let n = ctx
        .engine
        .read(|cat| cat.get(ctx.db, &buckets).map_or(0, |c| c.len()));
    let counter = super::explain::counter;
    let mut cursor = doc! {
        "queryPlanner": {
            "namespace": format!("{}.{buckets}", ctx.db),
            "parsedQuery": {},
            "winningPlan": {"stage": "COLLSCAN", "direction": "forward"},
            "rejectedPlans": [],
        },
    };
    if verbosity != "queryPlanner" {
        cursor.insert(
            "executionStats",
            doc! {
                "nReturned": counter(n),
                "totalKeysExamined": counter(0),
                "totalDocsExamined": counter(n),
                "executionStages": {"stage": "COLLSCAN", "nReturned": counter(n), "docsExamined": counter(n), "direction": "forward"},
            },
        );
    }
    let mut stages: Vec<Bson> = vec![Bson::Document(doc! {"$cursor": cursor})];
    stages.extend(ts::view_pipeline(&o));
    stages.extend(user.into_iter().map(Bson::Document));
    Ok(Some(doc! {
        "explainVersion": "1",
        "stages": stages,
        "command": ctx.cmd.clone(),
        "serverInfo": {"host": "localhost", "port": 27017, "version": super::handshake::VERSION, "gitVersion": "docdb-embedded"},
        "ok": 1.0,
    }))
}

/// An aggregate starting with `$collStats` on a time-series collection reads the buckets
/// collection, as mongod's does; anything else is returned unchanged.
pub fn stats_target(
    ctx: &Ctx,
    coll: Option<String>,
    stages: Vec<Document>,
) -> (Option<String>, Vec<Document>) {
    let is_stats = stages.first().is_some_and(|s| s.contains_key("$collStats"));
    match coll {
        Some(c) if is_stats && ctx.engine.read(|cat| options_of(cat, ctx.db, &c)).is_some() => {
            (Some(ts::buckets_name(&c)), stages)
        }
        other => (other, stages),
    }
}
