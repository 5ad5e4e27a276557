//! Cursors: `find(...)` and `aggregate(...)` and the methods chained on them.
//!
//! In mongosh a cursor is lazy: `.sort()`, `.limit()` and friends only edit
//! the command until something consumes it. We do the same, editing one
//! command document until the chain ends (`Documents`) or a terminal method
//! such as `.toArray()`, `.count()` or `.explain()` decides the result shape.

use bson::{Bson, Document, doc};

use super::args::{Args, copy_options, integer};
use crate::error::PlanError;
use crate::operation::{Keep, Operation, Request, RequestKind, ResultShape};

/// Which command the cursor runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorKind {
    /// `find`
    Find,
    /// `aggregate`
    Aggregate,
}

/// A cursor being built.
#[derive(Debug, Clone)]
pub struct CursorBuilder {
    kind: CursorKind,
    db: String,
    command: Document,
    explain: Option<String>,
    warnings: Vec<String>,
}

/// The methods valid on a find cursor (for "did you mean" suggestions).
pub const FIND_CURSOR_METHODS: &[&str] = &[
    "sort",
    "limit",
    "skip",
    "project",
    "projection",
    "hint",
    "collation",
    "batchSize",
    "maxTimeMS",
    "comment",
    "count",
    "size",
    "toArray",
    "pretty",
    "explain",
    "itcount",
    "min",
    "max",
    "returnKey",
    "showRecordId",
    "allowDiskUse",
    "noCursorTimeout",
    "allowPartialResults",
    "tailable",
    "next",
    "hasNext",
    "forEach",
    "readPref",
    "readConcern",
    "maxScan",
    "close",
    "isExhausted",
    "objsLeftInBatch",
    "map",
];

/// The methods valid on an aggregation cursor.
pub const AGGREGATE_CURSOR_METHODS: &[&str] = &[
    "toArray",
    "pretty",
    "explain",
    "itcount",
    "batchSize",
    "maxTimeMS",
    "next",
    "hasNext",
    "forEach",
    "map",
    "close",
];

/// A verbosity argument of `explain(...)`.
pub fn verbosity(value: Option<&Bson>, args: &Args) -> Result<String, PlanError> {
    match value {
        None => Ok("queryPlanner".to_string()),
        Some(Bson::Boolean(true)) => Ok("allPlansExecution".to_string()),
        Some(Bson::Boolean(false)) => Ok("queryPlanner".to_string()),
        Some(Bson::String(s))
            if matches!(
                s.as_str(),
                "queryPlanner" | "executionStats" | "allPlansExecution"
            ) =>
        {
            Ok(s.clone())
        }
        Some(other) => Err(args.error(format!(
            "verbosity must be 'queryPlanner', 'executionStats' or 'allPlansExecution', got {}",
            crate::inspect::format(other)
        ))),
    }
}

/// Wrap a command for `explain`.
pub fn explain_command(command: Document, verbosity: &str) -> Document {
    doc! { "explain": command, "verbosity": verbosity }
}

impl CursorBuilder {
    /// `db.coll.find(filter, projection, options)`.
    pub fn find(db: &str, collection: &str, args: &Args) -> Result<Self, PlanError> {
        args.at_most(3)?;
        let filter = args.doc(0, "a filter object")?.unwrap_or_default();
        let mut command = doc! { "find": collection, "filter": filter };
        if let Some(projection) = args.doc(1, "a projection object")? {
            command.insert("projection", projection);
        }
        let options = args.options(2)?;
        copy_options(
            &mut command,
            &options,
            &[
                "projection",
                "sort",
                "skip",
                "batchSize",
                "hint",
                "collation",
                "comment",
                "maxTimeMS",
                "let",
                "allowDiskUse",
                "min",
                "max",
                "returnKey",
                "showRecordId",
                "noCursorTimeout",
                "allowPartialResults",
                "tailable",
                "awaitData",
                "readConcern",
            ],
        );
        let mut builder = CursorBuilder {
            kind: CursorKind::Find,
            db: db.to_string(),
            command,
            explain: None,
            warnings: Vec::new(),
        };
        if let Some(limit) = options.get("limit").and_then(crate::value::as_f64) {
            builder.set_limit(limit);
        }
        Ok(builder)
    }

    /// `aggregate([stages], options)` or `aggregate(stage, stage, ...)`;
    /// `collection` is `None` for `db.aggregate(...)`.
    pub fn aggregate(db: &str, collection: Option<&str>, args: &Args) -> Result<Self, PlanError> {
        let (pipeline, options) = match args.get(0) {
            Some(Bson::Array(_)) => (args.documents(0, "pipeline")?, args.options(1)?),
            None => (Vec::new(), Document::new()),
            Some(_) => {
                // mongosh also accepts the stages as separate arguments.
                let stages = args
                    .values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| match v {
                        Bson::Document(d) => Ok(d.clone()),
                        other => Err(args.error(format!(
                            "argument {} must be a pipeline stage object, got a {}",
                            i + 1,
                            crate::value::type_name(other)
                        ))),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                (stages, Document::new())
            }
        };
        let target = match collection {
            Some(c) => Bson::String(c.to_string()),
            None => Bson::Int32(1),
        };
        let mut cursor = doc! {};
        if let Some(size) = options.get("batchSize") {
            cursor.insert("batchSize", size.clone());
        }
        let mut command = doc! {
            "aggregate": target,
            "pipeline": pipeline.into_iter().map(Bson::Document).collect::<Vec<_>>(),
            "cursor": cursor,
        };
        copy_options(
            &mut command,
            &options,
            &[
                "allowDiskUse",
                "collation",
                "hint",
                "let",
                "maxTimeMS",
                "comment",
                "bypassDocumentValidation",
                "readConcern",
                "writeConcern",
            ],
        );
        let explain = match options.get("explain") {
            Some(Bson::Boolean(true)) => Some("queryPlanner".to_string()),
            Some(Bson::String(s)) => Some(s.clone()),
            _ => None,
        };
        Ok(CursorBuilder {
            kind: CursorKind::Aggregate,
            db: db.to_string(),
            command,
            explain,
            warnings: Vec::new(),
        })
    }

    /// Mark the cursor as explained (from `db.coll.explain(v).find(...)`).
    pub fn set_explain(&mut self, verbosity: String) {
        self.explain = Some(verbosity);
    }

    fn set_limit(&mut self, limit: f64) {
        if limit < 0.0 {
            self.command.insert("limit", integer(-limit));
            self.command.insert("singleBatch", true);
        } else if limit > 0.0 {
            self.command.insert("limit", integer(limit));
        } else {
            self.command.remove("limit");
        }
    }

    fn find_only(&self, method: &str, args: &Args) -> Result<(), PlanError> {
        if self.kind == CursorKind::Aggregate {
            return Err(PlanError::type_error(
                format!(
                    "{method} is not available on an aggregation cursor: add a ${method} stage to the pipeline instead"
                ),
                args.span,
            ));
        }
        Ok(())
    }

    /// Apply one chained method. `Ok(None)` means the chain may continue;
    /// `Ok(Some(op))` means the method consumed the cursor.
    pub fn apply(&mut self, method: &str, args: &Args) -> Result<Option<Operation>, PlanError> {
        let doc_option = |key: &str, what: &str, cmd: &mut Document| -> Result<(), PlanError> {
            let value = args.required_doc(0, what)?;
            cmd.insert(key, value);
            Ok(())
        };
        match method {
            "sort" | "min" | "max" => {
                self.find_only(method, args)?;
                doc_option(method, "an object", &mut self.command)?;
            }
            "project" | "projection" => {
                self.find_only(method, args)?;
                doc_option("projection", "a projection object", &mut self.command)?;
            }
            "collation" => {
                self.find_only(method, args)?;
                doc_option("collation", "a collation object", &mut self.command)?;
            }
            "limit" => {
                self.find_only(method, args)?;
                let n = args.number(0, "a number")?.unwrap_or(0.0);
                self.set_limit(n);
            }
            "skip" => {
                self.find_only(method, args)?;
                let n = args.number(0, "a number")?.unwrap_or(0.0);
                if n < 0.0 {
                    return Err(args.error("skip must not be negative"));
                }
                self.command.insert("skip", integer(n));
            }
            "hint" => {
                self.find_only(method, args)?;
                match args.get(0) {
                    Some(v @ (Bson::Document(_) | Bson::String(_))) => {
                        self.command.insert("hint", v.clone());
                    }
                    _ => {
                        return Err(
                            args.error("hint must be an index name or a key pattern object")
                        );
                    }
                }
            }
            "batchSize" => {
                let n = args.number(0, "a number")?.unwrap_or(0.0);
                if self.kind == CursorKind::Aggregate {
                    let mut cursor = self
                        .command
                        .get_document("cursor")
                        .cloned()
                        .unwrap_or_default();
                    cursor.insert("batchSize", integer(n));
                    self.command.insert("cursor", cursor);
                } else {
                    self.command.insert("batchSize", integer(n));
                }
            }
            "maxTimeMS" => {
                let n = args.number(0, "a number of milliseconds")?.unwrap_or(0.0);
                self.command.insert("maxTimeMS", integer(n));
            }
            "comment" => {
                if let Some(v) = args.get(0) {
                    self.command.insert("comment", v.clone());
                }
            }
            "returnKey"
            | "showRecordId"
            | "allowDiskUse"
            | "noCursorTimeout"
            | "allowPartialResults"
            | "tailable" => {
                let flag = !matches!(args.get(0), Some(Bson::Boolean(false)));
                self.command.insert(method, flag);
            }
            "pretty" | "readPref" | "readConcern" | "maxScan" => {}
            "toArray" => {
                return Ok(Some(
                    self.clone()
                        .into_operation(Keep::All, ResultShape::DocumentArray),
                ));
            }
            "itcount" => {
                return Ok(Some(
                    self.clone()
                        .into_operation(Keep::CountOnly, ResultShape::Total),
                ));
            }
            "next" => {
                if self.kind == CursorKind::Find {
                    self.set_limit(-1.0);
                }
                return Ok(Some(
                    self.clone()
                        .into_operation(Keep::Display, ResultShape::FirstOrNull),
                ));
            }
            "hasNext" => {
                if self.kind == CursorKind::Find {
                    self.set_limit(-1.0);
                }
                return Ok(Some(
                    self.clone()
                        .into_operation(Keep::CountOnly, ResultShape::HasNext),
                ));
            }
            "forEach" => {
                let printer = matches!(args.values.as_slice(), [Bson::String(s)] if s == "printjson" || s == "print");
                if !printer {
                    return Err(PlanError::unsupported(
                        format!(
                            "forEach with a callback needs JavaScript, and {}: results print by themselves, so drop .forEach(...)",
                            crate::error::NO_JS_ENGINE
                        ),
                        args.span,
                    ));
                }
                return Ok(Some(
                    self.clone()
                        .into_operation(Keep::All, ResultShape::Documents),
                ));
            }
            "map" => {
                return Err(PlanError::unsupported(
                    format!(
                        ".map(...) needs a callback, and {}: reshape documents with a projection or an aggregate $project stage",
                        crate::error::NO_JS_ENGINE
                    ),
                    args.span,
                ));
            }
            "count" | "size" => {
                self.find_only(method, args)?;
                let apply_skip_limit =
                    method == "size" || matches!(args.get(0), Some(Bson::Boolean(true)));
                let op = self.count_operation(apply_skip_limit);
                return Ok(Some(op));
            }
            "explain" => {
                let verbosity = verbosity(args.get(0), args)?;
                self.explain = Some(verbosity);
                return Ok(Some(
                    self.clone()
                        .into_operation(Keep::Display, ResultShape::Documents),
                ));
            }
            _ => {
                let known = if self.kind == CursorKind::Find {
                    FIND_CURSOR_METHODS
                } else {
                    AGGREGATE_CURSOR_METHODS
                };
                let mut message = format!("{} is not a function", args.method);
                if let Some(close) = crate::suggest::closest(method, known.iter().copied()) {
                    message.push_str(&format!(" (did you mean {close}?)"));
                }
                return Err(PlanError::type_error(message, args.span));
            }
        }
        Ok(None)
    }

    fn count_operation(&self, apply_skip_limit: bool) -> Operation {
        let mut command = doc! {
            "count": self.command.get("find").cloned().unwrap_or(Bson::Null),
            "query": self.command.get("filter").cloned().unwrap_or(Bson::Document(Document::new())),
        };
        if apply_skip_limit {
            copy_options(&mut command, &self.command, &["skip", "limit"]);
        }
        copy_options(
            &mut command,
            &self.command,
            &["hint", "collation", "maxTimeMS", "comment"],
        );
        let mut warnings = self.warnings.clone();
        if self.explain.is_none() {
            warnings.push("DeprecationWarning: Collection.count() is deprecated. Use countDocuments or estimatedDocumentCount.".to_string());
        }
        super::single_command(
            &self.db,
            command,
            self.explain.clone(),
            ResultShape::CountField,
            warnings,
        )
    }

    /// The operation when the chain ends here (or a terminal method decided the shape).
    pub fn into_operation(self, keep: Keep, shape: ResultShape) -> Operation {
        if let Some(verbosity) = self.explain {
            return super::single_command(
                &self.db,
                self.command,
                Some(verbosity),
                shape,
                self.warnings,
            );
        }
        Operation {
            bind: None,
            silent: false,
            requests: vec![Request {
                db: self.db,
                command: self.command,
                kind: RequestKind::Cursor { keep },
            }],
            shape,
            warnings: self.warnings,
        }
    }
}
