//! `aggregate`: pipelines over a collection (or `aggregate: 1`), with the
//! input narrowed by the planner through the leading `$match`, `$lookup`
//! served from the catalog, and `$out`/`$merge` written here from the
//! pipeline's `AggOutput::write` (the query crate computes, the engine stores).
//!
//! The pipeline runs under the catalog's read lock with the operation's guard
//! as its interruption point, so `killOp` and `maxTimeMS` stop it between two
//! documents and the lock is released at once; `allowDiskUse` picks the
//! memory budgets (see `docdb_query::limits`: this engine does not spill).

use std::borrow::Cow;

use bson::{Bson, Document};
use docdb_query::aggregate::{AggContext, OutputStage, Pipeline};
use docdb_query::limits::{Limits, MemoryLimits};

use super::args;
use super::write_util::{check_storable, with_id_first};
use crate::catalog::Catalog;
use crate::collection::Collection;
use crate::engine::Ctx;
use crate::error::{CommandError, Result, codes};
use crate::exec::{SelectRequest, Selection, select};

/// Read access to every collection, for `$lookup`, `$unionWith`, `$graphLookup`.
pub struct CatalogView<'a>(pub &'a Catalog);

impl docdb_query::aggregate::Catalog for CatalogView<'_> {
    fn scan(&self, db: &str, coll: &str) -> docdb_query::Result<Vec<Cow<'_, Document>>> {
        Ok(self
            .0
            .get(db, coll)
            .map(|c| c.records.documents().map(|(_, d)| Cow::Owned(d)).collect())
            .unwrap_or_default())
    }
}

/// The memory budgets of a command: mongod's, raised by `allowDiskUse: true`.
pub fn memory_limits(ctx: &Ctx) -> Result<MemoryLimits> {
    Ok(MemoryLimits::with_disk_use(
        args::opt_bool(ctx, "allowDiskUse")?.unwrap_or(false),
    ))
}

/// Codes of the limits a running pipeline can hit; mongod reports them with
/// the executor's prefix.
const LIMIT_CODES: &[i32] = &[146, 292, 4568, 4031700, 5414201, 40099, 10334];

/// Adds mongod's "PlanExecutor error during aggregation" prefix to a limit error.
fn executor_error(mut e: CommandError) -> CommandError {
    if LIMIT_CODES.contains(&e.code) {
        e.message = format!(
            "PlanExecutor error during aggregation :: caused by :: {}",
            e.message
        );
    }
    e
}

/// The collection an aggregate reads, `None` for `aggregate: 1`.
pub fn target(ctx: &Ctx) -> Result<Option<String>> {
    match ctx.cmd.get("aggregate") {
        Some(Bson::String(_)) => args::collection(ctx).map(Some),
        Some(Bson::Int32(1)) | Some(Bson::Int64(1)) => Ok(None),
        Some(Bson::Double(d)) if *d == 1.0 => Ok(None),
        Some(v) => Err(CommandError::failed_to_parse(format!(
            "Invalid aggregate namespace: the 'aggregate' field must be a collection name or 1, found {v}"
        ))),
        None => Err(CommandError::failed_to_parse(
            "aggregate needs a collection name or 1",
        )),
    }
}

/// For a view: its base collection and pipeline (see `Catalog::resolve_view`).
pub fn view(ctx: &Ctx, coll: &str) -> Result<Option<(String, Vec<Document>)>> {
    ctx.engine.read(|cat| cat.resolve_view(ctx.db, coll))
}

/// The pipeline's stages.
pub fn stages(ctx: &Ctx) -> Result<Vec<Document>> {
    args::doc_array(ctx, "pipeline")
}

/// Runs the pipeline under a read lock. Returns the output documents, the
/// pending `$out`/`$merge`, and the selection that fed the pipeline.
pub fn run(
    ctx: &Ctx,
    coll: Option<&str>,
    stages: &[Document],
) -> Result<(Vec<Document>, Option<OutputStage>, Option<Selection>)> {
    // A time-series view: the buckets, unpacked, feed the rest of the pipeline.
    if let Some(input) = super::timeseries::unpacked_input(ctx, coll, stages) {
        let (docs, write) = run_over(ctx, &input, stages.get(1..).unwrap_or_default())?;
        return Ok((docs, write, None));
    }
    // A leading $geoNear runs as the planner's nearest-first scan (see `geo_near.rs`).
    if let Some(done) = super::geo_near::run(ctx, coll, stages)? {
        return Ok(done);
    }
    // The leading $match is answered by the planner (possibly through an
    // index), so the pipeline only runs the stages after it.
    let leading = stages.first().and_then(|s| match s.get("$match") {
        Some(Bson::Document(m)) if s.len() == 1 && coll.is_some() => Some(m.clone()),
        _ => None,
    });
    if let Some(m) = &leading {
        // Checked even when the collection is missing, as MongoDB does ($where refused).
        docdb_query::matcher::Filter::parse_without_javascript(m)?;
    }
    let rest = if leading.is_some() {
        stages.get(1..).unwrap_or_default()
    } else {
        stages
    };
    let pipeline = Pipeline::parse(rest)?;
    let requested = args::requested_collation(ctx.cmd, &args::command_name(ctx))?;
    let vars = args::let_vars(ctx)?.cloned().unwrap_or_default();
    let hint = match ctx.cmd.get("hint") {
        None | Some(Bson::Null) => None,
        Some(Bson::Document(h)) if h.is_empty() => None,
        Some(h) => Some(h.clone()),
    };
    let memory = memory_limits(ctx)?;
    let check = || ctx.guard.check_query();
    let limits = Limits::new(memory).with_check(&check);
    ctx.engine.read(|cat| {
        let source = coll.and_then(|c| cat.get(ctx.db, c));
        // The aggregate's own collation, else the source collection's default, for every stage.
        let collation =
            args::effective_collation(&requested, source.and_then(|c| c.collation.as_ref()));
        let pipeline = pipeline.clone().with_collation(collation.clone());
        let selection = match source {
            Some(c) => {
                let req = SelectRequest {
                    filter: leading.as_ref(),
                    hint: hint.as_ref(),
                    vars: Some(&vars),
                    memory,
                    collation: collation.as_ref(),
                    ..Default::default()
                };
                let sel = select(c, &req, &ctx.guard)?;
                crate::profiler::note_selection(c, &sel);
                Some(sel)
            }
            None => None,
        };
        ctx.guard.check()?;
        let view = CatalogView(cat);
        let agg = AggContext {
            db: ctx.db.to_string(),
            catalog: &view,
            vars: vars.clone(),
            now: bson::DateTime::now(),
            limits: &limits,
        };
        // A leading $group over top-level fields only is fed those fields' values, read
        // from the stored bytes (`group_input.rs`).
        if let (Some(group), Some((c, s))) =
            (pipeline.field_group(), source.zip(selection.as_ref()))
            && !crate::clustered::is_clustered(c)
        {
            let out = pipeline
                .run_field_group(&group, &agg, |add| {
                    super::group_input::feed_fields(c, s, &group.fields, add)
                })
                .map_err(|e| executor_error(e.into()))?;
            return Ok((out.documents, out.write, selection));
        }
        // A plain leading $group gets only the fields it reads, one narrowed document at a
        // time from the stored bytes (`group_input.rs`).
        let reads = super::group_input::group_reads(rest);
        let grouped = match (&reads, source.zip(selection.as_ref())) {
            (Some(fields), Some((c, s))) => super::group_input::narrowed_iter(c, s, fields)
                .and_then(|docs| pipeline.run_grouping(docs, &agg)),
            _ => None,
        };
        if let Some(out) = grouped {
            let out = out.map_err(|e| executor_error(e.into()))?;
            return Ok((out.documents, out.write, selection));
        }
        // Otherwise the pipeline gets the selected documents, decoded.
        let input = match source.zip(selection.as_ref()) {
            Some((c, s)) => selected_records(c, s, &ctx.guard)?,
            None => Vec::new(),
        };
        let out = pipeline
            .run(input, &agg)
            .map_err(|e| executor_error(e.into()))?;
        Ok((out.documents, out.write, selection))
    })
}

/// Runs `stages` over documents a source stage produced (nothing is read from a collection
/// first; `$lookup` and friends still see the catalog).
pub(super) fn run_over(
    ctx: &Ctx,
    input: &[Document],
    stages: &[Document],
) -> Result<(Vec<Document>, Option<OutputStage>)> {
    let pipeline = Pipeline::parse(stages)?;
    let requested = args::requested_collation(ctx.cmd, &args::command_name(ctx))?;
    let pipeline = pipeline.with_collation(args::effective_collation(&requested, None));
    let vars = args::let_vars(ctx)?.cloned().unwrap_or_default();
    let memory = memory_limits(ctx)?;
    let check = || ctx.guard.check_query();
    let limits = Limits::new(memory).with_check(&check);
    ctx.engine.read(|cat| {
        let view = CatalogView(cat);
        let agg = AggContext {
            db: ctx.db.to_string(),
            catalog: &view,
            vars,
            now: bson::DateTime::now(),
            limits: &limits,
        };
        let out = pipeline
            .run_borrowed(input.iter().collect::<Vec<_>>(), &agg)
            .map_err(|e| executor_error(e.into()))?;
        Ok((out.documents, out.write))
    })
}

/// The selected documents, decoded, in the selection's order (interruptible: decoding a large
/// collection takes a while). Rows in record order (a collection scan) are found by stepping
/// forward from the last one instead of a search each.
fn selected_records(
    coll: &Collection,
    selection: &Selection,
    guard: &crate::guard::OpGuard,
) -> Result<Vec<Document>> {
    let mut cursor = 0;
    let mut out = Vec::with_capacity(selection.rows.len());
    for (i, row) in selection.rows.iter().enumerate() {
        if i % 256 == 0 {
            guard.check()?;
        }
        if let Some(doc) = coll
            .records
            .get_after(row.record, &mut cursor)
            .and_then(crate::records::decode)
        {
            out.push(doc);
        }
    }
    Ok(out)
}

pub fn aggregate(ctx: &Ctx) -> Result<Document> {
    if args::opt_bool(ctx, "explain")?.unwrap_or(false) {
        return super::explain::explain_aggregate(ctx, ctx.cmd, "queryPlanner");
    }
    let coll = target(ctx)?;
    let stages = stages(ctx)?;
    let batch_size = match ctx.cmd.get("cursor") {
        Some(Bson::Document(c)) => {
            args::batch_size(args::int_field(c, "aggregate.cursor", "batchSize")?)?
        }
        Some(v) => {
            return Err(CommandError::type_mismatch(format!(
                "BSON field 'aggregate.cursor' is the wrong type '{}', expected type 'object'",
                docdb_query::value::type_alias(v)
            )));
        }
        None => {
            return Err(CommandError::failed_to_parse(
                "The 'cursor' option is required, except for aggregate with the explain argument",
            ));
        }
    };
    let bypass = args::opt_bool(ctx, "bypassDocumentValidation")?.unwrap_or(false);
    // `$collStats` of a time-series collection reads its buckets (mongosh's stats()).
    let (coll, stages) = super::timeseries::stats_target(ctx, coll, stages);
    let (source, stages) = match coll.as_deref().map(|c| view(ctx, c)).transpose()?.flatten() {
        Some(_)
            if super::count::overrides_view_collation(&args::requested_collation(
                ctx.cmd,
                "aggregate",
            )?) =>
        {
            return Err(super::count::view_collation_refused());
        }
        Some((base, mut view_stages)) => {
            view_stages.extend(stages);
            (Some(base), view_stages)
        }
        None => (coll.clone(), stages),
    };
    super::diagnostic_stages::check_not_later(&stages)?;
    super::sessions::check_not_later(&stages)?;
    super::index_stats::check_not_later(&stages)?;
    let (docs, write) = match stages.split_first() {
        Some((first, rest)) if super::index_stats::is_source_stage(first) => {
            let produced = super::index_stats::source_documents(ctx, source.as_deref(), first)?;
            run_over(ctx, &produced, rest)?
        }
        // `$listLocalSessions` and `$listSessions` read the session cache.
        Some((first, rest)) if super::sessions::is_source_stage(first) => {
            let produced = super::sessions::source_documents(ctx, source.as_deref(), first)?;
            run_over(ctx, &produced, rest)?
        }
        // `$collStats` and `$currentOp` produce the pipeline's input themselves.
        Some((first, rest)) if super::diagnostic_stages::is_source_stage(first) => {
            let produced =
                super::diagnostic_stages::source_documents(ctx, source.as_deref(), first)?;
            run_over(ctx, &produced, rest)?
        }
        _ => {
            let (docs, write, _) = run(ctx, source.as_deref(), &stages)?;
            (docs, write)
        }
    };
    let docs = match write {
        Some(stage) => {
            ctx.engine
                .write(|cat| write_output(cat, &stage, docs, bypass))??;
            Vec::new()
        }
        None => docs,
    };
    let ns = match &coll {
        Some(c) => ctx.ns(c),
        None => format!("{}.$cmd.aggregate", ctx.db),
    };
    Ok(ctx.engine.cursors().open(&ns, docs, batch_size, false))
}

/// Stores the result of `$out` or `$merge`.
pub fn write_output(
    cat: &mut Catalog,
    stage: &OutputStage,
    docs: Vec<Document>,
    bypass: bool,
) -> Result<()> {
    match stage {
        OutputStage::Out { db, coll } => {
            if cat.get(db, coll).is_some_and(|c| c.capped.is_some()) {
                return Err(crate::capped::error(
                    17152,
                    format!("namespace '{db}.{coll}' is capped so it can't be used for $out"),
                ));
            }
            write_out(cat, db, coll, docs)
        }
        OutputStage::Merge {
            db,
            coll,
            on,
            when_matched,
            when_not_matched,
        } => write_merge(
            cat,
            db,
            coll,
            on,
            when_matched,
            when_not_matched,
            docs,
            bypass,
        ),
    }
}

/// `$out`: replaces the target's documents, keeping its indexes and
/// options. Everything is checked on a scratch copy first, so a failing
/// `$out` leaves the target as it was.
fn write_out(cat: &mut Catalog, db: &str, coll: &str, docs: Vec<Document>) -> Result<()> {
    crate::catalog::check_db_name(db)?;
    crate::catalog::check_coll_name(db, coll)?;
    let ns = format!("{db}.{coll}");
    let docs: Vec<Document> = docs.into_iter().map(with_id_first).collect();
    let mut scratch = Collection::new(Document::new())?;
    if let Some(existing) = cat.get(db, coll) {
        for index in existing.indexes.iter().skip(1) {
            scratch.create_index(&ns, index.spec.clone())?;
        }
    }
    for d in &docs {
        check_storable(d)?;
        scratch.insert(&ns, d.clone()).map_err(|e| {
            let mut e = e;
            e.message = format!("$out failed: {}", e.message);
            e
        })?;
    }
    let existing: Vec<u64> = cat
        .get(db, coll)
        .map(|c| c.records.ids().collect())
        .unwrap_or_default();
    for r in existing {
        cat.remove(db, coll, r);
    }
    cat.ensure(db, coll)?;
    for d in docs {
        cat.insert(db, coll, d)?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn write_merge(
    cat: &mut Catalog,
    db: &str,
    coll: &str,
    on: &[String],
    when_matched: &str,
    when_not_matched: &str,
    docs: Vec<Document>,
    bypass: bool,
) -> Result<()> {
    crate::catalog::check_db_name(db)?;
    crate::catalog::check_coll_name(db, coll)?;
    let on: Vec<String> = if on.is_empty() {
        vec!["_id".to_string()]
    } else {
        on.to_vec()
    };
    for doc in docs {
        let mut filter = Document::new();
        for field in &on {
            match docdb_query::path::get_path(&doc, field) {
                Some(v) if !matches!(v, Bson::Null | Bson::Undefined | Bson::Array(_)) => {
                    filter.insert(field.clone(), v.clone());
                }
                _ if field == "_id" => {}
                _ => {
                    return Err(CommandError::new(
                        51132,
                        format!(
                            "$merge write error: 'on' field '{field}' cannot be missing, null, undefined or an array"
                        ),
                    ));
                }
            }
        }
        let matched = if filter.is_empty() {
            None
        } else {
            match cat.get(db, coll) {
                Some(c) => {
                    let req = SelectRequest {
                        filter: Some(&filter),
                        limit: Some(1),
                        ..Default::default()
                    };
                    select(c, &req, &crate::guard::OpGuard::none())?
                        .rows
                        .first()
                        .map(|r| r.record)
                }
                None => None,
            }
        };
        match matched {
            Some(record) => {
                let Some(existing) = cat.get(db, coll).and_then(|c| c.records.document(record))
                else {
                    continue;
                };
                let new = match when_matched {
                    "replace" => {
                        let mut d = doc.clone();
                        d.insert("_id", existing.get("_id").cloned().unwrap_or(Bson::Null));
                        with_id_first(d)
                    }
                    "merge" => {
                        let mut d = existing.clone();
                        for (k, v) in &doc {
                            if k != "_id" {
                                d.insert(k.clone(), v.clone());
                            }
                        }
                        d
                    }
                    "keepExisting" => continue,
                    "fail" => {
                        let mut pattern = Document::new();
                        for field in filter.keys() {
                            pattern.insert(field.clone(), 1);
                        }
                        let shown: Vec<String> = filter
                            .iter()
                            .map(|(k, v)| format!("{k}: {}", crate::index::shell_value(v)))
                            .collect();
                        return Err(CommandError::new(
                            codes::DUPLICATE_KEY,
                            format!(
                                "$merge failed: E11000 duplicate key error collection: {db}.{coll} dup key: {{ {} }} (whenMatched: fail)",
                                shown.join(", ")
                            ),
                        )
                        .with("keyPattern", pattern)
                        .with("keyValue", filter.clone()));
                    }
                    other => {
                        return Err(CommandError::bad_value(format!(
                            "$merge whenMatched '{other}' is not supported by this engine; use replace, merge, keepExisting or fail"
                        )));
                    }
                };
                check_storable(&new)?;
                super::write_util::validate(cat.get(db, coll), &new, Some(&existing), bypass)?;
                cat.replace(db, coll, record, new)?;
            }
            None => match when_not_matched {
                "insert" => {
                    let d = with_id_first(doc);
                    check_storable(&d)?;
                    super::write_util::validate(cat.get(db, coll), &d, None, bypass)?;
                    cat.insert(db, coll, d)?;
                }
                "discard" => {}
                "fail" => {
                    return Err(CommandError::new(
                        13113,
                        "$merge could not find a matching document in the target collection for at least one document in the source collection",
                    ));
                }
                other => {
                    return Err(CommandError::bad_value(format!(
                        "$merge whenNotMatched '{other}' is not valid; use insert, discard or fail"
                    )));
                }
            },
        }
    }
    Ok(())
}
