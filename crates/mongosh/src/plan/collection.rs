//! Collection helpers (`db.coll.<method>(...)`) planned into commands.
//!
//! Each helper builds the command mongosh's shell-api sends. Where mongosh
//! does work client-side, so do we: `insertOne` adds `_id` before sending so
//! the result can report it; `createIndex` computes the default index name.

use bson::oid::ObjectId;
use bson::{Bson, Document, doc};

use super::args::{Args, copy_options};
use super::cursor::CursorBuilder;
use super::{Planned, single_command};
use crate::error::PlanError;
use crate::operation::{BulkBatch, BulkKind, Keep, Operation, Request, RequestKind, ResultShape};

/// Every collection method we plan (for "did you mean" suggestions).
pub const COLLECTION_METHODS: &[&str] = &[
    "find",
    "findOne",
    "insertOne",
    "insertMany",
    "insert",
    "updateOne",
    "updateMany",
    "update",
    "replaceOne",
    "deleteOne",
    "deleteMany",
    "remove",
    "findOneAndUpdate",
    "findOneAndReplace",
    "findOneAndDelete",
    "bulkWrite",
    "aggregate",
    "countDocuments",
    "estimatedDocumentCount",
    "count",
    "distinct",
    "createIndex",
    "createIndexes",
    "ensureIndex",
    "getIndexes",
    "getIndexSpecs",
    "getIndexKeys",
    "dropIndex",
    "dropIndexes",
    "drop",
    "renameCollection",
    "stats",
    "latencyStats",
    "explain",
    "getName",
    "getFullName",
    "validate",
    "isCapped",
    "convertToCapped",
    "dataSize",
    "storageSize",
    "totalIndexSize",
    "totalSize",
    "getDB",
];

/// The collection a chain is on.
pub struct Collection<'a> {
    /// Database name.
    pub db: &'a str,
    /// Collection name.
    pub name: &'a str,
}

fn with_id(mut document: Document) -> (Document, Bson) {
    if let Some(id) = document.get("_id") {
        let id = id.clone();
        return (document, id);
    }
    let id = Bson::ObjectId(ObjectId::new());
    // `_id` goes first, as the driver does.
    let mut with = doc! { "_id": id.clone() };
    with.extend(std::mem::take(&mut document));
    (with, id)
}

fn has_operators(update: &Document) -> bool {
    update.keys().next().is_some_and(|k| k.starts_with('$'))
}

/// Validate an update argument: operators or a pipeline, never a plain document.
fn update_argument(args: &Args, i: usize) -> Result<Bson, PlanError> {
    match args.get(i) {
        Some(Bson::Document(d)) if has_operators(d) => Ok(Bson::Document(d.clone())),
        Some(Bson::Document(_)) => Err(args.error(
            "the update must use update operators, e.g. { $set: { status: 'done' } } (to replace the whole document use replaceOne)",
        )),
        Some(Bson::Array(stages)) if stages.iter().all(|s| matches!(s, Bson::Document(_))) => Ok(Bson::Array(stages.clone())),
        Some(other) => Err(args.error(format!(
            "argument {} must be an update document or pipeline, got a {}",
            i + 1,
            crate::value::type_name(other)
        ))),
        None => Err(args.error(format!("argument {} (the update) is missing", i + 1))),
    }
}

fn replacement_argument(args: &Args, i: usize) -> Result<Document, PlanError> {
    let replacement = args.required_doc(i, "the replacement document")?;
    if replacement.keys().any(|k| k.starts_with('$')) {
        return Err(args.error(
            "the replacement document must not contain update operators such as $set: use updateOne for that",
        ));
    }
    Ok(replacement)
}

/// The name createIndex gives an index: `field_value` pairs joined by `_`.
pub fn default_index_name(keys: &Document) -> String {
    keys.iter()
        .map(|(k, v)| format!("{k}_{}", crate::value::to_js_string(v)))
        .collect::<Vec<_>>()
        .join("_")
}

const INDEX_OPTIONS: &[&str] = &[
    "unique",
    "sparse",
    "expireAfterSeconds",
    "partialFilterExpression",
    "weights",
    "default_language",
    "language_override",
    "textIndexVersion",
    "2dsphereIndexVersion",
    "bits",
    "min",
    "max",
    "bucketSize",
    "collation",
    "wildcardProjection",
    "hidden",
    "background",
    "storageEngine",
    "name",
    "version",
    "v",
];

fn index_spec(
    args: &Args,
    keys: Document,
    options: &Document,
) -> Result<(Document, String), PlanError> {
    if keys.is_empty() {
        return Err(args.error("the index key pattern must not be empty, e.g. { name: 1 }"));
    }
    let name = match options.get("name") {
        Some(Bson::String(n)) => n.clone(),
        _ => default_index_name(&keys),
    };
    let mut spec = doc! { "key": keys, "name": name.clone() };
    for (k, v) in options {
        if k != "name" && INDEX_OPTIONS.contains(&k.as_str()) {
            spec.insert(k.clone(), v.clone());
        }
    }
    Ok((spec, name))
}

fn write(db: &str, command: Document, shape: ResultShape) -> Operation {
    single_command(db, command, None, shape, Vec::new())
}

impl Collection<'_> {
    /// Plan `method(args)` on this collection.
    pub fn call(
        &self,
        method: &str,
        args: &mut Args,
        explain: Option<String>,
    ) -> Result<Planned, PlanError> {
        let db = self.db;
        let coll = self.name;
        if explain.is_some()
            && !matches!(
                method,
                "find"
                    | "aggregate"
                    | "count"
                    | "distinct"
                    | "updateOne"
                    | "updateMany"
                    | "deleteOne"
                    | "deleteMany"
                    | "findOneAndUpdate"
                    | "findOneAndReplace"
                    | "findOneAndDelete"
                    | "remove"
                    | "update"
            )
        {
            return Err(args.error("explain() supports find, aggregate, count, distinct, update*, delete*, remove and findOneAnd*"));
        }
        let op = match method {
            "find" => {
                let mut builder = CursorBuilder::find(db, coll, args)?;
                if let Some(v) = explain {
                    builder.set_explain(v);
                }
                return Ok(Planned::Cursor(builder));
            }
            "aggregate" => {
                let mut builder = CursorBuilder::aggregate(db, Some(coll), args)?;
                if let Some(v) = explain {
                    builder.set_explain(v);
                }
                return Ok(Planned::Cursor(builder));
            }
            "findOne" => {
                args.at_most(3)?;
                let mut builder = CursorBuilder::find(db, coll, args)?;
                builder.apply(
                    "limit",
                    &Args {
                        method: args.method.clone(),
                        values: vec![Bson::Int32(-1)],
                        span: args.span,
                    },
                )?;
                builder.into_operation(Keep::Display, ResultShape::FirstOrNull)
            }
            "insertOne" => {
                args.at_most(2)?;
                let document = args.required_doc(0, "the document to insert")?;
                let (document, id) = with_id(document);
                let mut command = doc! { "insert": coll, "documents": [document], "ordered": true };
                copy_options(
                    &mut command,
                    &args.options(1)?,
                    &["writeConcern", "bypassDocumentValidation", "comment"],
                );
                write(db, command, ResultShape::InsertOne { id })
            }
            "insertMany" | "insert" => self.insert_many(method, args)?,
            "updateOne" | "updateMany" | "replaceOne" | "update" => {
                self.update(method, args, explain)?
            }
            "deleteOne" | "deleteMany" | "remove" => self.delete(method, args, explain)?,
            "findOneAndUpdate" | "findOneAndReplace" | "findOneAndDelete" => {
                self.find_and_modify(method, args, explain)?
            }
            "bulkWrite" => self.bulk_write(args)?,
            "countDocuments" => {
                args.at_most(2)?;
                let filter = args.doc(0, "a filter object")?.unwrap_or_default();
                let options = args.options(1)?;
                let mut pipeline = vec![Bson::Document(doc! { "$match": filter })];
                if let Some(skip) = options.get("skip") {
                    pipeline.push(Bson::Document(doc! { "$skip": skip.clone() }));
                }
                if let Some(limit) = options.get("limit") {
                    pipeline.push(Bson::Document(doc! { "$limit": limit.clone() }));
                }
                pipeline.push(Bson::Document(
                    doc! { "$group": { "_id": 1, "n": { "$sum": 1 } } },
                ));
                let mut command = doc! { "aggregate": coll, "pipeline": pipeline, "cursor": {} };
                copy_options(
                    &mut command,
                    &options,
                    &["hint", "collation", "maxTimeMS", "comment"],
                );
                Operation {
                    bind: None,
                    silent: false,
                    requests: vec![Request {
                        db: db.to_string(),
                        command,
                        kind: RequestKind::Cursor { keep: Keep::All },
                    }],
                    shape: ResultShape::CountDocuments,
                    warnings: Vec::new(),
                }
            }
            "estimatedDocumentCount" => {
                args.at_most(1)?;
                let mut command = doc! { "count": coll };
                copy_options(&mut command, &args.options(0)?, &["maxTimeMS", "comment"]);
                write(db, command, ResultShape::CountField)
            }
            "count" => {
                args.at_most(2)?;
                let query = args.doc(0, "a filter object")?.unwrap_or_default();
                let mut command = doc! { "count": coll, "query": query };
                copy_options(
                    &mut command,
                    &args.options(1)?,
                    &["limit", "skip", "hint", "collation", "maxTimeMS", "comment"],
                );
                let warnings = if explain.is_none() {
                    vec!["DeprecationWarning: Collection.count() is deprecated. Use countDocuments or estimatedDocumentCount.".to_string()]
                } else {
                    Vec::new()
                };
                single_command(db, command, explain, ResultShape::CountField, warnings)
            }
            "distinct" => {
                args.at_most(3)?;
                let key = args.string(0, "the field name")?;
                let query = args.doc(1, "a filter object")?.unwrap_or_default();
                let mut command = doc! { "distinct": coll, "key": key, "query": query };
                copy_options(
                    &mut command,
                    &args.options(2)?,
                    &["collation", "maxTimeMS", "comment", "hint"],
                );
                single_command(db, command, explain, ResultShape::Distinct, Vec::new())
            }
            "createIndex" | "ensureIndex" => {
                args.at_most(3)?;
                let keys = args.required_doc(0, "the index key pattern, e.g. { name: 1 }")?;
                let options = args.options(1)?;
                let (spec, name) = index_spec(args, keys, &options)?;
                let mut command = doc! { "createIndexes": coll, "indexes": [spec] };
                if let Some(quorum) = args.get(2) {
                    command.insert("commitQuorum", quorum.clone());
                }
                write(db, command, ResultShape::IndexName(name))
            }
            "createIndexes" => {
                args.at_most(3)?;
                let key_patterns = args.documents(0, "index key patterns")?;
                let options = args.options(1)?;
                let mut specs = Vec::new();
                let mut names = Vec::new();
                for keys in key_patterns {
                    let (spec, name) = index_spec(args, keys, &options)?;
                    specs.push(Bson::Document(spec));
                    names.push(name);
                }
                write(
                    db,
                    doc! { "createIndexes": coll, "indexes": specs },
                    ResultShape::IndexNames(names),
                )
            }
            "getIndexes" | "getIndexSpecs" | "getIndexKeys" => {
                args.at_most(0)?;
                let op = Operation {
                    bind: None,
                    silent: false,
                    requests: vec![Request {
                        db: db.to_string(),
                        command: doc! { "listIndexes": coll },
                        kind: RequestKind::Cursor { keep: Keep::All },
                    }],
                    shape: ResultShape::DocumentArray,
                    warnings: Vec::new(),
                };
                if method == "getIndexKeys" {
                    return Err(args.error(
                        "getIndexKeys() is not supported: use getIndexes() and read the key fields",
                    ));
                }
                op
            }
            "dropIndex" => {
                args.at_most(1)?;
                let index = match args.get(0) {
                    Some(v @ (Bson::String(_) | Bson::Document(_))) => v.clone(),
                    _ => {
                        return Err(
                            args.error("pass the index name (e.g. 'name_1') or its key pattern")
                        );
                    }
                };
                write(
                    db,
                    doc! { "dropIndexes": coll, "index": index },
                    ResultShape::Raw,
                )
            }
            "dropIndexes" => {
                args.at_most(1)?;
                let index = args
                    .get(0)
                    .cloned()
                    .unwrap_or(Bson::String("*".to_string()));
                write(
                    db,
                    doc! { "dropIndexes": coll, "index": index },
                    ResultShape::Raw,
                )
            }
            "drop" => {
                args.at_most(1)?;
                write(db, doc! { "drop": coll }, ResultShape::Drop)
            }
            // mongosh: `convertToCapped(size)` runs the command and prints its reply.
            "convertToCapped" => {
                args.at_most(1)?;
                let Some(size) = args.number(0, "the size in bytes")? else {
                    return Err(args.error("argument 1 (the size in bytes) is missing"));
                };
                let command = doc! { "convertToCapped": coll, "size": super::args::integer(size) };
                write(db, command, ResultShape::Raw)
            }
            "renameCollection" => {
                args.at_most(2)?;
                let target = args.string(0, "the new collection name")?;
                let drop_target = matches!(args.get(1), Some(Bson::Boolean(true)));
                let command = doc! {
                    "renameCollection": format!("{db}.{coll}"),
                    "to": format!("{db}.{target}"),
                    "dropTarget": drop_target,
                };
                single_command("admin", command, None, ResultShape::Raw, Vec::new())
            }
            // mongosh 2.x: `$collStats` storageStats at scale 1, summed and scaled client-side.
            "stats" | "dataSize" | "storageSize" | "totalIndexSize" | "totalSize" | "isCapped" => {
                let mut scale = 1.0;
                let mut index_details = false;
                match args.get(0) {
                    Some(Bson::Document(options)) => {
                        if let Some(s) = options.get("scale").and_then(crate::value::as_f64) {
                            scale = s;
                        }
                        index_details = options
                            .get("indexDetails")
                            .is_some_and(crate::value::truthy);
                    }
                    Some(s) if crate::value::as_f64(s).is_some() => {
                        scale = crate::value::as_f64(s).unwrap_or(1.0);
                    }
                    _ => {}
                }
                if scale == 0.0 || !scale.is_finite() {
                    scale = 1.0;
                }
                let field = match method {
                    "stats" => None,
                    "dataSize" => Some("size"),
                    "isCapped" => Some("capped"),
                    other => Some(other),
                };
                let command = doc! {
                    "aggregate": coll,
                    "pipeline": [{ "$collStats": { "storageStats": { "scale": 1 } } }],
                    "cursor": {},
                };
                let shape = ResultShape::CollStats {
                    ns: format!("{db}.{coll}"),
                    scale,
                    index_details,
                    field: field.map(str::to_string),
                };
                write(db, command, shape)
            }
            "latencyStats" => {
                let options = match args.get(0) {
                    Some(Bson::Document(options)) => options.clone(),
                    _ => bson::Document::new(),
                };
                let command = doc! {
                    "aggregate": coll,
                    "pipeline": [{ "$collStats": { "latencyStats": options } }],
                    "cursor": {},
                };
                write(db, command, ResultShape::DocumentArray)
            }
            "validate" => {
                let mut command = doc! { "validate": coll };
                if let Some(Bson::Document(options)) = args.get(0) {
                    copy_options(&mut command, options, &["full", "repair"]);
                } else if let Some(Bson::Boolean(full)) = args.get(0) {
                    command.insert("full", *full);
                }
                write(db, command, ResultShape::Raw)
            }
            "getName" => Operation::constant(crate::operation::Output::Value(Bson::String(
                coll.to_string(),
            ))),
            "getFullName" => Operation::constant(crate::operation::Output::Value(Bson::String(
                format!("{db}.{coll}"),
            ))),
            _ => {
                let mut message = format!("{} is not a function", args.method);
                if let Some(close) =
                    crate::suggest::closest(method, COLLECTION_METHODS.iter().copied())
                {
                    message.push_str(&format!(" (did you mean {close}?)"));
                }
                return Err(PlanError::type_error(message, args.span));
            }
        };
        Ok(Planned::Done(op))
    }

    fn insert_many(&self, method: &str, args: &mut Args) -> Result<Operation, PlanError> {
        args.at_most(2)?;
        let documents = match (method, args.get(0)) {
            ("insert", Some(Bson::Document(d))) => vec![d.clone()],
            // Moved out of the arguments, not copied: the array may hold 700,000 rows.
            _ => args.take_documents(0, "documents to insert")?,
        };
        if documents.is_empty() {
            return Err(args.error("pass at least one document"));
        }
        let options = args.options(1)?;
        let ordered = !matches!(options.get("ordered"), Some(Bson::Boolean(false)));
        let (documents, ids): (Vec<Bson>, Vec<Bson>) = documents
            .into_iter()
            .map(|d| {
                let (d, id) = with_id(d);
                (Bson::Document(d), id)
            })
            .unzip();
        let mut command = doc! { "insert": self.name, "documents": documents, "ordered": ordered };
        copy_options(
            &mut command,
            &options,
            &["writeConcern", "bypassDocumentValidation", "comment"],
        );
        let mut op = write(self.db, command, ResultShape::InsertMany { ids });
        if method == "insert" {
            op.warnings.push("DeprecationWarning: Collection.insert() is deprecated. Use insertOne, insertMany, or bulkWrite.".to_string());
        }
        Ok(op)
    }

    fn update(
        &self,
        method: &str,
        args: &Args,
        explain: Option<String>,
    ) -> Result<Operation, PlanError> {
        args.at_most(3)?;
        let filter = args.doc(0, "a filter object")?.unwrap_or_default();
        let options = args.options(2)?;
        let (u, multi) = match method {
            "replaceOne" => (Bson::Document(replacement_argument(args, 1)?), false),
            "update" => {
                // Legacy update: a plain document replaces, operators update.
                let u = match args.get(1) {
                    Some(Bson::Document(d)) => Bson::Document(d.clone()),
                    _ => update_argument(args, 1)?,
                };
                (u, matches!(options.get("multi"), Some(Bson::Boolean(true))))
            }
            _ => (update_argument(args, 1)?, method == "updateMany"),
        };
        let mut statement = doc! { "q": filter, "u": u, "multi": multi };
        if let Some(Bson::Boolean(upsert)) = options.get("upsert") {
            statement.insert("upsert", *upsert);
        }
        copy_options(
            &mut statement,
            &options,
            &["arrayFilters", "collation", "hint", "sort"],
        );
        let mut command = doc! { "update": self.name, "updates": [statement], "ordered": true };
        copy_options(
            &mut command,
            &options,
            &["let", "comment", "writeConcern", "bypassDocumentValidation"],
        );
        let mut warnings = Vec::new();
        if method == "update" {
            warnings.push("DeprecationWarning: Collection.update() is deprecated. Use updateOne, updateMany, or bulkWrite.".to_string());
        }
        Ok(single_command(
            self.db,
            command,
            explain,
            ResultShape::Update,
            warnings,
        ))
    }

    fn delete(
        &self,
        method: &str,
        args: &Args,
        explain: Option<String>,
    ) -> Result<Operation, PlanError> {
        args.at_most(2)?;
        let filter = args.doc(0, "a filter object")?;
        let filter = match (method, filter) {
            (_, Some(f)) => f,
            ("remove", None) => {
                return Err(args.error("remove needs a filter; use {} to remove every document"));
            }
            (_, None) => Document::new(),
        };
        let (limit, options) = match (method, args.get(1)) {
            ("deleteOne", _) => (1, args.options(1)?),
            ("remove", Some(Bson::Boolean(just_one))) => (i32::from(*just_one), Document::new()),
            ("remove", Some(Bson::Document(o))) => (
                i32::from(matches!(o.get("justOne"), Some(Bson::Boolean(true)))),
                o.clone(),
            ),
            _ => (0, args.options(1)?),
        };
        let mut statement = doc! { "q": filter, "limit": limit };
        copy_options(&mut statement, &options, &["collation", "hint"]);
        let mut command = doc! { "delete": self.name, "deletes": [statement], "ordered": true };
        copy_options(&mut command, &options, &["let", "comment", "writeConcern"]);
        let mut warnings = Vec::new();
        if method == "remove" {
            warnings.push("DeprecationWarning: Collection.remove() is deprecated. Use deleteOne, deleteMany, findOneAndDelete, or bulkWrite.".to_string());
        }
        Ok(single_command(
            self.db,
            command,
            explain,
            ResultShape::Delete,
            warnings,
        ))
    }

    fn find_and_modify(
        &self,
        method: &str,
        args: &Args,
        explain: Option<String>,
    ) -> Result<Operation, PlanError> {
        let filter = args.doc(0, "a filter object")?.unwrap_or_default();
        let (options_index, mut command) = match method {
            "findOneAndDelete" => (
                1,
                doc! { "findAndModify": self.name, "query": filter, "remove": true },
            ),
            "findOneAndReplace" => (
                2,
                doc! { "findAndModify": self.name, "query": filter, "update": replacement_argument(args, 1)? },
            ),
            _ => (
                2,
                doc! { "findAndModify": self.name, "query": filter, "update": update_argument(args, 1)? },
            ),
        };
        args.at_most(options_index + 1)?;
        let options = args.options(options_index)?;
        if method != "findOneAndDelete" {
            // The pre-image is returned unless asked otherwise, as in mongosh.
            let after = matches!(options.get("returnDocument"), Some(Bson::String(s)) if s == "after")
                || matches!(options.get("returnNewDocument"), Some(Bson::Boolean(true)))
                || matches!(options.get("new"), Some(Bson::Boolean(true)));
            command.insert("new", after);
            if let Some(Bson::Boolean(upsert)) = options.get("upsert") {
                command.insert("upsert", *upsert);
            }
            copy_options(
                &mut command,
                &options,
                &["arrayFilters", "bypassDocumentValidation"],
            );
        }
        if let Some(projection) = options.get("projection").or_else(|| options.get("fields")) {
            command.insert("fields", projection.clone());
        }
        copy_options(
            &mut command,
            &options,
            &[
                "sort",
                "collation",
                "hint",
                "let",
                "maxTimeMS",
                "comment",
                "writeConcern",
            ],
        );
        Ok(single_command(
            self.db,
            command,
            explain,
            ResultShape::FindAndModify,
            Vec::new(),
        ))
    }

    fn bulk_write(&self, args: &mut Args) -> Result<Operation, PlanError> {
        args.at_most(2)?;
        let operations = args.take_documents(0, "write operations")?;
        let options = args.options(1)?;
        let ordered = !matches!(options.get("ordered"), Some(Bson::Boolean(false)));
        let mut planned: Vec<(BulkKind, usize, Bson, Option<Bson>)> = Vec::new();
        for (index, operation) in operations.iter().enumerate() {
            let Some((name, body)) = operation.iter().next() else {
                return Err(args.error(format!("operation {index} is empty: use e.g. {{ insertOne: {{ document: {{ ... }} }} }}")));
            };
            let Bson::Document(body) = body else {
                return Err(args.error(format!("operation {index} ({name}) must hold an object")));
            };
            let filter = || body.get_document("filter").cloned().unwrap_or_default();
            let sub = Args {
                method: format!("{} ({name} #{index})", args.method),
                values: Vec::new(),
                span: args.span,
            };
            let entry = match name.as_str() {
                "insertOne" => {
                    let document = body
                        .get_document("document")
                        .cloned()
                        .map_err(|_| sub.error("insertOne needs { document: { ... } }"))?;
                    let (document, id) = with_id(document);
                    (BulkKind::Insert, index, Bson::Document(document), Some(id))
                }
                "updateOne" | "updateMany" | "replaceOne" => {
                    let (u, multi) = if name == "replaceOne" {
                        let replacement = body
                            .get_document("replacement")
                            .cloned()
                            .map_err(|_| sub.error("replaceOne needs { filter, replacement }"))?;
                        (Bson::Document(replacement), false)
                    } else {
                        let u = body.get("update").cloned().ok_or_else(|| {
                            sub.error(format!("{name} needs {{ filter, update }}"))
                        })?;
                        let check = Args {
                            method: sub.method.clone(),
                            values: vec![u],
                            span: args.span,
                        };
                        (update_argument(&check, 0)?, name == "updateMany")
                    };
                    let mut statement = doc! { "q": filter(), "u": u, "multi": multi };
                    if let Some(Bson::Boolean(upsert)) = body.get("upsert") {
                        statement.insert("upsert", *upsert);
                    }
                    copy_options(&mut statement, body, &["arrayFilters", "collation", "hint"]);
                    (BulkKind::Update, index, Bson::Document(statement), None)
                }
                "deleteOne" | "deleteMany" => {
                    let mut statement =
                        doc! { "q": filter(), "limit": i32::from(name == "deleteOne") };
                    copy_options(&mut statement, body, &["collation", "hint"]);
                    (BulkKind::Delete, index, Bson::Document(statement), None)
                }
                other => {
                    return Err(sub.error(format!(
                        "unknown operation '{other}': use insertOne, updateOne, updateMany, replaceOne, deleteOne or deleteMany"
                    )));
                }
            };
            planned.push(entry);
        }
        if planned.is_empty() {
            return Err(args.error("pass at least one operation"));
        }
        if !ordered {
            // Unordered writes are grouped by kind, as the driver does.
            planned.sort_by_key(|(kind, index, _, _)| (*kind as u8, *index));
        }
        let mut requests = Vec::new();
        let mut batches: Vec<BulkBatch> = Vec::new();
        let mut items: Vec<Vec<Bson>> = Vec::new();
        for (kind, index, item, id) in planned {
            let same = batches.last().is_some_and(|b| b.kind == kind);
            if !same {
                batches.push(BulkBatch {
                    kind,
                    indexes: Vec::new(),
                    inserted_ids: Vec::new(),
                });
                items.push(Vec::new());
            }
            if let (Some(batch), Some(list)) = (batches.last_mut(), items.last_mut()) {
                batch.indexes.push(index);
                if let Some(id) = id {
                    batch.inserted_ids.push(id);
                }
                list.push(item);
            }
        }
        for (batch, list) in batches.iter().zip(items) {
            let command = match batch.kind {
                BulkKind::Insert => {
                    doc! { "insert": self.name, "documents": list, "ordered": ordered }
                }
                BulkKind::Update => {
                    doc! { "update": self.name, "updates": list, "ordered": ordered }
                }
                BulkKind::Delete => {
                    doc! { "delete": self.name, "deletes": list, "ordered": ordered }
                }
            };
            requests.push(Request {
                db: self.db.to_string(),
                command,
                kind: RequestKind::Command,
            });
        }
        Ok(Operation {
            bind: None,
            silent: false,
            requests,
            shape: ResultShape::BulkWrite { batches },
            warnings: Vec::new(),
        })
    }
}
