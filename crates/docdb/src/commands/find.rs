//! `find`: filter, projection, sort, skip, limit (negative = single batch),
//! batchSize, singleBatch, hint, let, maxTimeMS, allowDiskUse (the in-memory
//! sort's budget), collation (the find's own, else the collection's default);
//! comment is accepted and ignored. `min`, `max`, `returnKey` and `showRecordId`
//! are in `find_index_modifiers.rs`.

use bson::{Bson, Document};
use docdb_query::projection::Projection;

use super::args;
use super::find_index_modifiers::IndexModifiers;
use crate::cursor::{DEFAULT_FIRST_BATCH, Pending, RowSource};
use crate::engine::Ctx;
use crate::error::{CommandError, Result};
use crate::exec::{SelectRequest, Selection, select};
use docdb_query::limits::MemoryLimits;

/// The parsed options of a find.
pub struct FindOptions {
    pub filter: Option<Document>,
    pub sort: Option<Document>,
    pub projection: Option<Document>,
    pub skip: u64,
    pub limit: Option<u64>,
    pub single_batch: bool,
    pub batch_size: Option<usize>,
    pub hint: Option<Bson>,
    /// The in-memory sort's budget: mongod's 100 MB unless `allowDiskUse`.
    pub memory: MemoryLimits,
    /// The `collation` option as given (see `args::requested_collation`).
    pub collation: Option<Option<std::sync::Arc<docdb_query::collation::Collation>>>,
}

pub fn parse_options(ctx: &Ctx) -> Result<FindOptions> {
    let skip = match args::opt_i64(ctx, "skip")? {
        Some(s) if s < 0 => {
            return Err(CommandError::bad_value(format!(
                "BSON field 'skip' value must be >= 0, actual value '{s}'"
            )));
        }
        s => s.unwrap_or(0) as u64,
    };
    let mut single_batch = args::opt_bool(ctx, "singleBatch")?.unwrap_or(false);
    let limit = match args::opt_i64(ctx, "limit")? {
        Some(l) if l < 0 => {
            // The legacy negative limit: at most |l| documents, one batch.
            single_batch = true;
            Some(l.unsigned_abs())
        }
        Some(0) | None => None,
        Some(l) => Some(l as u64),
    };
    let hint = match ctx.cmd.get("hint") {
        None | Some(Bson::Null) => None,
        Some(Bson::Document(h)) if h.is_empty() => None,
        Some(h) => Some(h.clone()),
    };
    Ok(FindOptions {
        filter: args::opt_doc(ctx, "filter")?.cloned(),
        sort: args::opt_doc(ctx, "sort")?.cloned(),
        projection: args::opt_doc(ctx, "projection")?.cloned(),
        skip,
        limit,
        single_batch,
        batch_size: args::batch_size(args::opt_i64(ctx, "batchSize")?)?,
        hint,
        memory: super::aggregate::memory_limits(ctx)?,
        collation: args::requested_collation(ctx.cmd, "find")?,
    })
}

/// The filter, parsed for its errors alone (the collection does not exist).
fn refuse_bad_filter(o: &FindOptions) -> Result<()> {
    if let Some(filter) = &o.filter {
        docdb_query::matcher::Filter::parse(filter)?;
    }
    Ok(())
}

/// Runs the find's read; `None` when the collection does not exist.
pub fn run(ctx: &Ctx, coll: &str, o: &FindOptions) -> Result<Option<(Selection, Vec<Document>)>> {
    let projection = match &o.projection {
        Some(p) if !p.is_empty() => Some(Projection::parse(p)?),
        _ => None,
    };
    let vars = args::let_vars(ctx)?;
    ctx.engine.read(|cat| {
        let Some(c) = cat.get(ctx.db, coll) else {
            if let Some(h) = &o.hint
                && !matches!(h, Bson::Document(d) if d.contains_key("$natural")) {
                    return Err(CommandError::bad_value(format!(
                        "error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index (hint: {h})"
                    )));
                }
            // mongod parses the filter before it looks for the collection: a bad filter (or a
            // refused $where) is an error on a missing collection too, never an empty result.
            refuse_bad_filter(o)?;
            return Ok(None);
        };
        let collation = args::effective_collation(&o.collation, c.collation.as_ref());
        let req = SelectRequest {
            filter: o.filter.as_ref(),
            sort: o.sort.as_ref(),
            skip: o.skip,
            limit: o.limit,
            hint: o.hint.as_ref(),
            vars,
            memory: o.memory,
            collation: collation.as_ref(),
        };
        let selection = select(c, &req, &ctx.guard)?;
        let mut docs = Vec::with_capacity(selection.rows.len());
        for (i, row) in selection.rows.iter().enumerate() {
            if i % 1024 == 0 {
                ctx.guard.check()?;
            }
            let Some(doc) = c.records.document(row.record) else { continue };
            docs.push(match &projection {
                Some(p) => p.apply(&doc, row.positional, row.score)?,
                None => doc,
            });
        }
        Ok(Some((selection, docs)))
    })
}

/// Selects the rows and reads only the first batch's documents; the rest
/// stays as rows for getMore.
fn first_batch(ctx: &Ctx, coll: &str, o: &FindOptions) -> Result<(Vec<Bson>, Pending)> {
    let projection = match &o.projection {
        Some(p) if !p.is_empty() => Some(Projection::parse(p)?),
        _ => None,
    };
    let vars = args::let_vars(ctx)?;
    ctx.engine.read(|cat| {
        let Some(c) = cat.get(ctx.db, coll) else {
            if let Some(h) = &o.hint
                && !matches!(h, Bson::Document(d) if d.contains_key("$natural"))
            {
                return Err(CommandError::bad_value(format!(
                    "error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index (hint: {h})"
                )));
            }
            refuse_bad_filter(o)?;
            return Ok((Vec::new(), Pending::Docs(Default::default())));
        };
        let collation = args::effective_collation(&o.collation, c.collation.as_ref());
        let req = SelectRequest {
            filter: o.filter.as_ref(),
            sort: o.sort.as_ref(),
            skip: o.skip,
            limit: o.limit,
            hint: o.hint.as_ref(),
            vars,
            memory: o.memory,
            collation: collation.as_ref(),
        };
        let selection = select(c, &req, &ctx.guard)?;
        crate::profiler::note_selection(c, &selection);
        let mut pending = Pending::Rows(RowSource {
            db: ctx.db.to_string(),
            coll: coll.to_string(),
            rows: selection.rows.into(),
            projection,
        });
        let first = pending.next_batch(Some(o.batch_size.unwrap_or(DEFAULT_FIRST_BATCH)), Some(cat))?;
        Ok((first, pending))
    })
}

/// A find on a view: the view's pipeline followed by the find's options as stages.
fn view_find(
    ctx: &Ctx,
    base: &str,
    mut stages: Vec<Document>,
    o: &FindOptions,
) -> Result<Vec<Document>> {
    if let Some(f) = o.filter.as_ref().filter(|f| !f.is_empty()) {
        stages.push(bson::doc! {"$match": f.clone()});
    }
    if let Some(s) = o.sort.as_ref().filter(|s| !s.is_empty()) {
        stages.push(bson::doc! {"$sort": s.clone()});
    }
    if o.skip > 0 {
        stages.push(bson::doc! {"$skip": o.skip as i64});
    }
    if let Some(l) = o.limit {
        stages.push(bson::doc! {"$limit": l as i64});
    }
    if let Some(p) = o.projection.as_ref().filter(|p| !p.is_empty()) {
        stages.push(bson::doc! {"$project": p.clone()});
    }
    Ok(super::aggregate::run(ctx, Some(base), &stages)?.0)
}

/// Adds mongod's "Executor error during find command" prefix to a sort that
/// ran out of memory (292).
fn executor_error(mut e: CommandError) -> CommandError {
    if e.code == 292 {
        e.message = format!(
            "Executor error during find command :: caused by :: {}",
            e.message
        );
    }
    e
}

pub fn find(ctx: &Ctx) -> Result<Document> {
    let coll = args::collection(ctx)?;
    let mut options = parse_options(ctx)?;
    crate::profiler::hide_entry_ids(&coll, &mut options.projection);
    let (tailable, await_data) = crate::tailable::find_options(ctx)?;
    if tailable {
        return crate::tailable::find(ctx, &coll, &options, await_data);
    }
    let ns = ctx.ns(&coll);
    let modifiers = IndexModifiers::parse(ctx, options.hint.is_some())?;
    if let Some((base, stages)) = super::aggregate::view(ctx, &coll)? {
        super::find_index_modifiers::refuse_on_view(ctx)?;
        if super::count::overrides_view_collation(&options.collation) {
            return Err(super::count::view_collation_refused());
        }
        let docs = view_find(ctx, &base, stages, &options)?;
        return Ok(ctx
            .engine
            .cursors()
            .open(&ns, docs, options.batch_size, options.single_batch));
    }
    if !modifiers.is_none() {
        let docs = super::find_index_modifiers::run(ctx, &coll, &options, &modifiers)
            .map_err(executor_error)?;
        return Ok(ctx
            .engine
            .cursors()
            .open(&ns, docs, options.batch_size, options.single_batch));
    }
    let (first, rest) = first_batch(ctx, &coll, &options).map_err(executor_error)?;
    let id = if options.single_batch {
        0
    } else {
        ctx.engine.cursors().register(&ns, rest)
    };
    Ok(crate::cursor::first_batch_reply(&ns, first, id))
}
