//! createIndexes, dropIndexes, listIndexes.

use bson::{Bson, Document, doc};

use super::args;
use crate::engine::Ctx;
use crate::error::{CommandError, Result, codes};
use crate::index::{IndexSpec, shell_value};

pub fn create_indexes(ctx: &Ctx) -> Result<Document> {
    let coll = args::collection(ctx)?;
    if let Some(reply) = super::timeseries::create_indexes(ctx, &coll)? {
        return Ok(reply);
    }
    let raw = args::doc_array(ctx, "indexes")?;
    if raw.is_empty() {
        return Err(CommandError::bad_value(
            "Must specify at least one index to create",
        ));
    }
    // Parse everything first: a bad spec changes nothing.
    let specs: Vec<IndexSpec> = raw.iter().map(IndexSpec::parse).collect::<Result<_>>()?;
    // Which specs name their own collation (even "simple"): the others inherit the
    // collection's default, as in mongod.
    let given: Vec<bool> = raw.iter().map(|r| r.contains_key("collation")).collect();
    crate::catalog::check_db_name(ctx.db)?;
    ctx.engine.write(|cat| -> Result<Document> {
        let existed = cat.get(ctx.db, &coll).is_some();
        let default = cat.get(ctx.db, &coll).and_then(|c| c.collation.clone());
        let mut inherited = Vec::with_capacity(specs.len());
        for (mut spec, given) in specs.into_iter().zip(&given) {
            if !given && default.is_some() {
                if spec.text.is_some() {
                    return Err(CommandError::new(
                        codes::CANNOT_CREATE_INDEX,
                        "Index type 'text' does not support collation: create it with collation {locale: \"simple\"}",
                    ));
                }
                spec.collation = default.clone();
            }
            inherited.push(spec);
        }
        let specs = inherited;
        let before = cat.get(ctx.db, &coll).map(|c| c.indexes.len()).unwrap_or(1) as i32;
        let mut created: Vec<String> = Vec::new();
        for spec in specs {
            let name = spec.name.clone();
            match cat.create_index(ctx.db, &coll, spec) {
                Ok(true) => created.push(name),
                Ok(false) => {}
                Err(e) => {
                    // All or nothing, as MongoDB builds a command's indexes together.
                    for n in &created {
                        let _ = cat.drop_index(ctx.db, &coll, n);
                    }
                    if !existed {
                        cat.drop_collection(ctx.db, &coll);
                    }
                    return Err(e);
                }
            }
        }
        let after = cat.get(ctx.db, &coll).map(|c| c.indexes.len()).unwrap_or(1) as i32;
        let mut reply = doc! {"numIndexesBefore": before, "numIndexesAfter": after, "createdCollectionAutomatically": !existed};
        if created.is_empty() {
            reply.insert("note", "all indexes already exist");
        }
        reply.insert("ok", 1.0);
        Ok(reply)
    })?
}

pub fn drop_indexes(ctx: &Ctx) -> Result<Document> {
    let coll = args::collection(ctx)?;
    let target = ctx.cmd.get("index").cloned().ok_or_else(|| {
        CommandError::failed_to_parse(
            "BSON field 'dropIndexes.index' is missing but a required field",
        )
    })?;
    ctx.engine.write(|cat| -> Result<Document> {
        let Some(c) = cat.get(ctx.db, &coll) else {
            return Err(CommandError::new(codes::NAMESPACE_NOT_FOUND, format!("ns not found {}.{coll}", ctx.db)));
        };
        let was = c.indexes.len() as i32;
        let names: Vec<String> = match &target {
            Bson::String(s) if s == "*" => c.indexes.iter().skip(1).map(|i| i.spec.name.clone()).collect(),
            Bson::String(s) => {
                if !c.indexes.iter().any(|i| &i.spec.name == s) {
                    return Err(CommandError::new(codes::INDEX_NOT_FOUND, format!("index not found with name [{s}]")));
                }
                vec![s.clone()]
            }
            Bson::Document(k) => match c.indexes.iter().find(|i| crate::index::spec::same_key(&i.spec.key, k)) {
                Some(i) => vec![i.spec.name.clone()],
                None => {
                    return Err(CommandError::new(
                        codes::INDEX_NOT_FOUND,
                        format!("can't find index with key: {}", shell_value(&Bson::Document(k.clone()))),
                    ));
                }
            },
            Bson::Array(items) => {
                let mut v = Vec::new();
                for item in items {
                    match item {
                        Bson::String(s) if c.indexes.iter().any(|i| &i.spec.name == s) => v.push(s.clone()),
                        Bson::String(s) => {
                            return Err(CommandError::new(codes::INDEX_NOT_FOUND, format!("index not found with name [{s}]")));
                        }
                        other => return Err(CommandError::type_mismatch(format!("index names must be strings, found {other}"))),
                    }
                }
                v
            }
            other => {
                return Err(CommandError::type_mismatch(format!(
                    "dropIndexes 'index' must be a name, a key pattern, a list of names or \"*\", found {other}"
                )));
            }
        };
        if names.iter().any(|n| n == "_id_") {
            return Err(CommandError::new(codes::INVALID_OPTIONS, "cannot drop _id index"));
        }
        for n in names {
            cat.drop_index(ctx.db, &coll, &n)?;
        }
        Ok(doc! {"nIndexesWas": was, "ok": 1.0})
    })?
}

pub fn list_indexes(ctx: &Ctx) -> Result<Document> {
    let coll = args::collection(ctx)?;
    let timeseries = super::timeseries::list_indexes(ctx, &coll)?;
    let batch_size = match ctx.cmd.get("cursor") {
        Some(Bson::Document(c)) => {
            args::batch_size(args::int_field(c, "listIndexes.cursor", "batchSize")?)?
        }
        _ => None,
    };
    let docs = ctx.engine.read(|cat| match cat.get(ctx.db, &coll) {
        _ if timeseries.is_some() => Ok(timeseries.unwrap_or_default()),
        Some(c) => Ok(c
            .indexes
            .iter()
            .enumerate()
            .map(|(n, i)| {
                let clustered = crate::clustered::list_indexes_entry(c).filter(|_| n == 0);
                clustered.unwrap_or_else(|| i.spec.to_document())
            })
            .collect::<Vec<_>>()),
        None => Err(CommandError::new(
            codes::NAMESPACE_NOT_FOUND,
            format!("ns does not exist: {}.{coll}", ctx.db),
        )),
    })?;
    Ok(ctx.engine.cursors().open(
        &format!("{}.$cmd.listIndexes.{coll}", ctx.db),
        docs,
        batch_size,
        false,
    ))
}
