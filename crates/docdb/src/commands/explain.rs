//! `explain` of find, aggregate, count, distinct, update, delete and
//! findAndModify, in MongoDB's shape (queryPlanner / executionStats /
//! allPlansExecution).
//!
//! The plan tree is built from the `Plan` the planner chose and the counters
//! `exec::select` incremented while actually running it, so `nReturned`,
//! `keysExamined` and `docsExamined` are real. Writes are not performed:
//! their stages report what they would do (`nWouldModify`, `nWouldDelete`),
//! as MongoDB does.

use bson::{Bson, Document, doc};
use docdb_query::update::{Update, UpdateContext};

use super::args;
use crate::collection::Collection;
use crate::engine::Ctx;
use crate::error::{CommandError, Result};
use crate::exec::{ExecStats, SelectRequest, Selection, select};
use crate::planner::Access;

/// What surrounds the scan in the plan tree.
#[derive(Default)]
struct Shape<'a> {
    sort: Option<&'a Document>,
    skip: u64,
    limit: Option<u64>,
    projection: Option<&'a Document>,
}

/// MongoDB's normalized form of a filter: `{a: 1}` → `{a: {$eq: 1}}`,
/// several conditions → `{$and: [...]}`.
fn parsed_query(filter: &Document) -> Document {
    let mut parts: Vec<Document> = Vec::new();
    for (k, v) in filter {
        let cond = match v {
            Bson::Document(d)
                if d.keys().next().is_some_and(|f| f.starts_with('$')) || k.starts_with('$') =>
            {
                v.clone()
            }
            other if k.starts_with('$') => other.clone(),
            other => Bson::Document(doc! {"$eq": other.clone()}),
        };
        match (k.as_str(), &cond) {
            (_, Bson::Document(ops)) if !k.starts_with('$') && ops.len() > 1 => {
                for (op, x) in ops {
                    parts.push(doc! {k.clone(): {op.clone(): x.clone()}});
                }
            }
            _ => parts.push(doc! {k.clone(): cond}),
        }
    }
    match parts.len() {
        0 => Document::new(),
        1 => parts.pop().unwrap_or_default(),
        _ => doc! {"$and": parts.into_iter().map(Bson::Document).collect::<Vec<_>>()},
    }
}

/// A counter as mongod writes it (`appendNumber`): a 32-bit integer when it fits, 64-bit only
/// beyond, so mongosh prints `nReturned: 3`, not `Long('3')`.
pub(crate) fn counter(n: impl TryInto<i64>) -> Bson {
    let n: i64 = n.try_into().unwrap_or(i64::MAX);
    match i32::try_from(n) {
        Ok(small) => Bson::Int32(small),
        Err(_) => Bson::Int64(n),
    }
}

fn with_stats(mut stage: Document, exec: bool, n_returned: u64, extra: &[(&str, u64)]) -> Document {
    if exec {
        stage.insert("nReturned", counter(n_returned));
        stage.insert("executionTimeMillisEstimate", counter(0));
        for (k, v) in extra {
            stage.insert(*k, counter(*v));
        }
    }
    stage
}

/// The scan stage (COLLSCAN, FETCH+IXSCAN or TEXT_MATCH) of an access path.
fn access_stage(
    coll: &Collection,
    access: &Access,
    filter: &Document,
    stats: Option<&ExecStats>,
) -> Document {
    let exec = stats.is_some();
    let s = stats.cloned().unwrap_or_default();
    let pq = parsed_query(filter);
    match access {
        Access::CollScan => {
            let mut st = doc! {"stage": "COLLSCAN"};
            if !pq.is_empty() {
                st.insert("filter", pq);
            }
            st.insert("direction", "forward");
            with_stats(st, exec, s.matched, &[("docsExamined", s.docs_examined)])
        }
        Access::Text { index } => {
            let name = coll
                .indexes
                .get(*index)
                .map(|i| i.spec.name.clone())
                .unwrap_or_default();
            // The text index's entries name the documents to score (TEXT_OR over IXSCAN, as
            // mongod shows it); a case-sensitive or non-English search scores every document.
            let scan = if crate::index::text::uses_entries(filter) {
                let ixscan = with_stats(
                    doc! {"stage": "IXSCAN", "keyPattern": {"_fts": "text", "_ftsx": 1}, "indexName": name.clone(), "isMultiKey": true, "direction": "backward"},
                    exec,
                    s.keys_examined,
                    &[("keysExamined", s.keys_examined)],
                );
                with_stats(
                    doc! {"stage": "TEXT_OR", "inputStage": ixscan},
                    exec,
                    s.docs_examined,
                    &[("docsExamined", s.docs_examined)],
                )
            } else {
                with_stats(
                    doc! {"stage": "COLLSCAN", "direction": "forward"},
                    exec,
                    s.docs_examined,
                    &[("docsExamined", s.docs_examined)],
                )
            };
            with_stats(
                doc! {"stage": "TEXT_MATCH", "indexName": name, "filter": pq, "inputStage": scan},
                exec,
                s.matched,
                &[],
            )
        }
        Access::GeoNear { index } => {
            let Some(idx) = coll.indexes.get(*index) else {
                return doc! {"stage": "EOF"};
            };
            let stage = match idx.spec.special {
                Some(crate::index::special::Special::Flat { .. }) => "GEO_NEAR_2D",
                _ => "GEO_NEAR_2DSPHERE",
            };
            with_stats(
                doc! {"stage": stage, "keyPattern": idx.spec.key.clone(), "indexName": idx.spec.name.clone(), "indexVersion": 2},
                exec,
                s.matched,
                &[
                    ("keysExamined", s.keys_examined),
                    ("docsExamined", s.docs_examined),
                ],
            )
        }
        Access::IndexScan {
            index,
            intervals,
            backward,
        } => {
            let Some(idx) = coll.indexes.get(*index) else {
                return doc! {"stage": "EOF"};
            };
            let ixscan = ixscan_stage(
                idx,
                intervals,
                *backward,
                exec,
                s.index_returned,
                s.keys_examined,
            );
            let mut fetch = doc! {"stage": "FETCH"};
            if !pq.is_empty() {
                fetch.insert("filter", pq);
            }
            fetch.insert("inputStage", ixscan);
            with_stats(fetch, exec, s.matched, &[("docsExamined", s.docs_examined)])
        }
        Access::Or { branches } => {
            let inputs: Vec<Bson> = branches
                .iter()
                .enumerate()
                .filter_map(|(i, (index, intervals))| {
                    let idx = coll.indexes.get(*index)?;
                    let (keys, returned) = s.branches.get(i).copied().unwrap_or_default();
                    Some(Bson::Document(ixscan_stage(
                        idx, intervals, false, exec, returned, keys,
                    )))
                })
                .collect();
            let or = with_stats(
                doc! {"stage": "OR", "inputStages": inputs},
                exec,
                s.index_returned,
                &[("dupsDropped", 0)],
            );
            let mut fetch = doc! {"stage": "FETCH"};
            if !pq.is_empty() {
                fetch.insert("filter", pq);
            }
            fetch.insert("inputStage", or);
            with_stats(fetch, exec, s.matched, &[("docsExamined", s.docs_examined)])
        }
    }
}

/// An IXSCAN stage with its bounds shown in scan order, as MongoDB shows them.
fn ixscan_stage(
    idx: &crate::index::Index,
    intervals: &[Vec<crate::planner::Interval>],
    backward: bool,
    exec: bool,
    returned: u64,
    keys: u64,
) -> Document {
    let mut bounds = Document::new();
    for ((path, desc), ivs) in idx.spec.fields.iter().zip(intervals) {
        let reversed = *desc != backward;
        let mut shown: Vec<Bson> = ivs
            .iter()
            .map(|iv| Bson::String(iv.render(reversed)))
            .collect();
        if reversed {
            shown.reverse();
        }
        bounds.insert(path.clone(), shown);
    }
    let mut multikey_paths = Document::new();
    for (path, _) in &idx.spec.fields {
        let paths = if idx.multikey {
            vec![Bson::String(path.clone())]
        } else {
            vec![]
        };
        multikey_paths.insert(path.clone(), Bson::Array(paths));
    }
    let mut stage = doc! {
            "stage": "IXSCAN",
            "keyPattern": idx.spec.key.clone(),
            "indexName": idx.spec.name.clone(),
            "isMultiKey": idx.multikey,
            "multiKeyPaths": multikey_paths,
            "isUnique": idx.spec.unique,
            "isSparse": idx.spec.sparse,
            "isPartial": idx.spec.partial_filter.is_some(),
            "indexVersion": 2,
            "direction": if backward { "backward" } else { "forward" },
            "indexBounds": bounds,
    };
    crate::index::wildcard::explain_ixscan(idx, intervals, &mut stage);
    with_stats(
        stage,
        exec,
        returned,
        &[
            ("keysExamined", keys),
            ("seeks", 1),
            ("dupsTested", 0),
            ("dupsDropped", 0),
        ],
    )
}

/// The whole winning plan: scan, then SORT, SKIP, LIMIT, PROJECTION.
fn plan_tree(
    coll: &Collection,
    sel: &Selection,
    filter: &Document,
    shape: &Shape,
    exec: bool,
) -> Document {
    let s = &sel.stats;
    let stats = exec.then_some(s);
    let mut stage = access_stage(coll, &sel.plan.access, filter, stats);
    if sel.sorted_in_memory {
        let mut st = doc! {"stage": "SORT", "sortPattern": shape.sort.cloned().unwrap_or_default(), "memLimit": counter(104_857_600), "type": "simple"};
        if let Some(l) = shape.limit {
            st.insert("limitAmount", counter(l + shape.skip));
        }
        st.insert("inputStage", stage);
        stage = with_stats(st, exec, s.sorted, &[]);
    }
    if shape.skip > 0 {
        stage = with_stats(
            doc! {"stage": "SKIP", "skipAmount": counter(shape.skip), "inputStage": stage},
            exec,
            s.after_skip,
            &[],
        );
    }
    if let Some(l) = shape.limit {
        stage = with_stats(
            doc! {"stage": "LIMIT", "limitAmount": counter(l), "inputStage": stage},
            exec,
            s.after_limit,
            &[],
        );
    }
    if let Some(p) = shape.projection.filter(|p| !p.is_empty()) {
        let simple = p.values().all(|v| {
            matches!(
                v,
                Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_) | Bson::Boolean(_)
            )
        });
        let name = if simple {
            "PROJECTION_SIMPLE"
        } else {
            "PROJECTION_DEFAULT"
        };
        stage = with_stats(
            doc! {"stage": name, "transformBy": p.clone(), "inputStage": stage},
            exec,
            s.after_limit,
            &[],
        );
    }
    stage
}

fn query_planner(
    ns: &str,
    coll: &Collection,
    sel: &Selection,
    filter: &Document,
    winning: Document,
) -> Document {
    let rejected: Vec<Bson> = sel
        .plan
        .rejected
        .iter()
        .map(|a| Bson::Document(access_stage(coll, a, filter, None)))
        .collect();
    let mut planner = doc! {
        "plannerVersion": 1,
        "namespace": ns,
        "indexFilterSet": false,
        "parsedQuery": parsed_query(filter),
    };
    // mongod 7.0 reports the shape's hashes of every planned query (see `plan_cache.rs`).
    if let Some(shape) = crate::plan_cache::last_shape() {
        planner.insert("queryHash", shape.query_hash);
        planner.insert("planCacheKey", shape.plan_cache_key);
    }
    planner.extend(doc! {
        "maxIndexedOrSolutionsReached": false,
        "maxIndexedAndSolutionsReached": false,
        "maxScansToExplodeReached": false,
        "winningPlan": winning,
        "rejectedPlans": rejected,
    });
    planner
}

fn execution_stats(sel: &Selection, n_returned: u64, stages: Document) -> Document {
    let mut stages = stages;
    let scan_eof = !stopped_early(&stages, sel.stats.matched);
    add_work_counters(&mut stages, scan_eof);
    doc! {
        "executionSuccess": true,
        "nReturned": counter(n_returned),
        "executionTimeMillis": counter(sel.stats.millis),
        "totalKeysExamined": counter(sel.stats.keys_examined),
        "totalDocsExamined": counter(sel.stats.docs_examined),
        "executionStages": stages,
    }
}

/// `allPlansExecution`: every raced candidate's trial (winner first), with mongod's fields
/// (nReturned is what the candidate produced during the trial, and its `score`). Empty when
/// only one plan was possible, as in mongod.
fn all_plans(coll: &Collection, sel: &Selection, filter: &Document) -> Vec<Bson> {
    trials_execution(coll, &sel.trials, filter)
}

/// A plan's queryPlanner stage tree (the plan cache's `cachedPlan`).
pub(crate) fn plan_stage(coll: &Collection, access: &Access, filter: &Document) -> Document {
    access_stage(coll, access, filter, None)
}

/// Each raced candidate's trial as `allPlansExecution` shows it (also `creationExecStats`).
pub(crate) fn trials_execution(
    coll: &Collection,
    trials: &[crate::race::Trial],
    filter: &Document,
) -> Vec<Bson> {
    trials
        .iter()
        .map(|t| {
            let stats = ExecStats {
                keys_examined: t.keys_examined,
                docs_examined: t.docs_examined,
                index_returned: t.docs_examined,
                matched: t.advanced,
                ..Default::default()
            };
            let mut stages = access_stage(coll, &t.access, filter, Some(&stats));
            add_work_counters(&mut stages, t.eof);
            // The race counted the candidate's own works: they replace the derived ones.
            let need_time = t
                .works
                .saturating_sub(t.advanced)
                .saturating_sub(u64::from(t.eof));
            stages.insert("works", counter(t.works));
            stages.insert("advanced", counter(t.advanced));
            stages.insert("needTime", counter(need_time));
            stages.insert("isEOF", i32::from(t.eof));
            Bson::Document(doc! {
                "nReturned": counter(t.advanced),
                "executionTimeMillisEstimate": counter(0),
                "totalKeysExamined": counter(t.keys_examined),
                "totalDocsExamined": counter(t.docs_examined),
                "score": t.score,
                "executionStages": stages,
            })
        })
        .collect()
}

/// Adds the raced plans to executionStats when the verbosity asks for them.
fn with_all_plans(
    stats: Option<Document>,
    verbosity: &str,
    coll: &Collection,
    sel: &Selection,
    filter: &Document,
) -> Option<Document> {
    stats.map(|mut e| {
        if verbosity == "allPlansExecution" {
            e.insert("allPlansExecution", all_plans(coll, sel, filter));
        }
        e
    })
}

/// The reply around a plan: queryPlanner, executionStats, serverInfo, command.
fn finish(
    queryplanner: Document,
    exec: Option<Document>,
    verbosity: &str,
    command: &Document,
) -> Document {
    let mut reply = doc! {"explainVersion": "1", "queryPlanner": queryplanner};
    if let Some(e) = exec {
        let mut e = e;
        if verbosity == "allPlansExecution" && !e.contains_key("allPlansExecution") {
            e.insert("allPlansExecution", Bson::Array(vec![]));
        }
        reply.insert("executionStats", e);
    }
    reply.insert("command", command.clone());
    reply.insert(
        "serverInfo",
        doc! {"host": "localhost", "port": 27017, "version": super::handshake::VERSION, "gitVersion": "docdb-embedded"},
    );
    reply.insert("ok", 1.0);
    reply
}

/// An explain over a collection that does not exist: MongoDB shows EOF.
fn eof_explain(ns: &str, filter: &Document, verbosity: &str, command: &Document) -> Document {
    let qp = doc! {"namespace": ns, "parsedQuery": parsed_query(filter), "winningPlan": {"stage": "EOF"}, "rejectedPlans": []};
    let exec = (verbosity != "queryPlanner").then(|| {
        doc! {"executionSuccess": true, "nReturned": 0, "executionTimeMillis": 0, "totalKeysExamined": 0, "totalDocsExamined": 0,
              "executionStages": {"stage": "EOF", "nReturned": 0, "executionTimeMillisEstimate": 0,
                  "works": 1, "advanced": 0, "needTime": 0, "needYield": 0, "saveState": 0, "restoreState": 0, "isEOF": 1}}
    });
    finish(qp, exec, verbosity, command)
}

fn sub_ctx<'a>(ctx: &'a Ctx, cmd: &'a Document) -> Ctx<'a> {
    Ctx {
        engine: ctx.engine,
        db: ctx.db,
        cmd,
        guard: ctx.guard.clone(),
        connection_id: ctx.connection_id,
        documents: std::cell::RefCell::new(None),
    }
}

fn hint_of(d: &Document) -> Option<Bson> {
    match d.get("hint") {
        None | Some(Bson::Null) => None,
        Some(Bson::Document(h)) if h.is_empty() => None,
        Some(h) => Some(h.clone()),
    }
}

pub fn explain(ctx: &Ctx) -> Result<Document> {
    let inner = match ctx.cmd.get("explain") {
        Some(Bson::Document(d)) => d.clone(),
        _ => {
            return Err(CommandError::type_mismatch(
                "explain's argument must be the command to explain, as an object",
            ));
        }
    };
    let verbosity = match ctx.cmd.get("verbosity") {
        None => "allPlansExecution".to_string(),
        Some(Bson::String(s))
            if ["queryPlanner", "executionStats", "allPlansExecution"].contains(&s.as_str()) =>
        {
            s.clone()
        }
        Some(v) => {
            return Err(CommandError::bad_value(format!(
                "verbosity must be queryPlanner, executionStats or allPlansExecution, found {v}"
            )));
        }
    };
    let name = inner.keys().next().cloned().unwrap_or_default();
    let inner_ctx = sub_ctx(ctx, &inner);
    if let Some(reply) = super::timeseries::explain(&inner_ctx, &name, &verbosity)? {
        return Ok(reply);
    }
    match name.as_str() {
        "find" => explain_find(&inner_ctx, &verbosity),
        "aggregate" => explain_aggregate(&inner_ctx, &inner, &verbosity),
        "count" => explain_simple(&inner_ctx, &verbosity, "query", "COUNT"),
        "distinct" => explain_simple(&inner_ctx, &verbosity, "query", "PROJECTION_DEFAULT"),
        "update" | "delete" | "findAndModify" | "findandmodify" => {
            explain_write(&inner_ctx, &verbosity)
        }
        "" => Err(CommandError::failed_to_parse(
            "explain needs a command to explain",
        )),
        other => Err(CommandError::new(
            crate::error::codes::COMMAND_NOT_FOUND,
            format!("Explain failed due to unknown command: {other}"),
        )),
    }
}

fn explain_find(ctx: &Ctx, verbosity: &str) -> Result<Document> {
    let coll = args::collection(ctx)?;
    let o = super::find::parse_options(ctx)?;
    let ns = ctx.ns(&coll);
    let empty = Document::new();
    let filter = o.filter.as_ref().unwrap_or(&empty);
    let Some((sel, docs)) = super::find::run(ctx, &coll, &o)? else {
        return Ok(eof_explain(&ns, filter, verbosity, ctx.cmd));
    };
    let exec = verbosity != "queryPlanner";
    ctx.engine.read(|cat| {
        let Some(c) = cat.get(ctx.db, &coll) else {
            return Ok(eof_explain(&ns, filter, verbosity, ctx.cmd));
        };
        let shape = Shape {
            sort: o.sort.as_ref(),
            skip: o.skip,
            limit: o.limit,
            projection: o.projection.as_ref(),
        };
        let winning =
            crate::clustered::explain_tree(c, &sel, plan_tree(c, &sel, filter, &shape, false));
        let qp = query_planner(&ns, c, &sel, filter, winning);
        let stats = exec.then(|| {
            execution_stats(
                &sel,
                docs.len() as u64,
                crate::clustered::explain_tree(c, &sel, plan_tree(c, &sel, filter, &shape, true)),
            )
        });
        let stats = with_all_plans(stats, verbosity, c, &sel, filter);
        Ok(finish(qp, stats, verbosity, ctx.cmd))
    })
}

/// count and distinct: the scan under a COUNT / PROJECTION stage.
fn explain_simple(ctx: &Ctx, verbosity: &str, filter_field: &str, top: &str) -> Result<Document> {
    let coll = args::collection(ctx)?;
    let ns = ctx.ns(&coll);
    let filter = args::opt_doc(ctx, filter_field)?
        .cloned()
        .unwrap_or_default();
    let hint = hint_of(ctx.cmd);
    let exec = verbosity != "queryPlanner";
    let requested = args::requested_collation(ctx.cmd, &args::command_name(ctx))?;
    ctx.engine.read(|cat| {
        let Some(c) = cat.get(ctx.db, &coll) else {
            return Ok(eof_explain(&ns, &filter, verbosity, ctx.cmd));
        };
        let collation = args::effective_collation(&requested, c.collation.as_ref());
        let req = SelectRequest {
            filter: Some(&filter),
            hint: hint.as_ref(),
            collation: collation.as_ref(),
            ..Default::default()
        };
        let sel = select(c, &req, &ctx.guard)?;
        let wrap = |inner: Document, exec: bool| {
            let mut d = doc! {"stage": top};
            if top == "COUNT" && exec {
                d.insert("nCounted", counter(sel.stats.matched));
            }
            d.insert("inputStage", inner);
            with_stats(
                d,
                exec,
                if top == "COUNT" { 0 } else { sel.stats.matched },
                &[],
            )
        };
        let winning = wrap(plan_tree(c, &sel, &filter, &Shape::default(), false), false);
        let qp = query_planner(&ns, c, &sel, &filter, winning);
        let stats = exec.then(|| {
            execution_stats(
                &sel,
                if top == "COUNT" { 0 } else { sel.stats.matched },
                wrap(plan_tree(c, &sel, &filter, &Shape::default(), true), true),
            )
        });
        let stats = with_all_plans(stats, verbosity, c, &sel, &filter);
        Ok(finish(qp, stats, verbosity, ctx.cmd))
    })
}

/// update/delete/findAndModify: plan and count what would change.
fn explain_write(ctx: &Ctx, verbosity: &str) -> Result<Document> {
    let coll = args::collection(ctx)?;
    let ns = ctx.ns(&coll);
    let name = args::command_name(ctx);
    // The first statement is explained, as MongoDB does.
    let (filter, update, multi, sort, hint) = match name.as_str() {
        "update" => {
            let st = args::doc_array(ctx, "updates")?
                .into_iter()
                .next()
                .unwrap_or_default();
            let q = args::doc_field(&st, "update.updates", "q")?
                .cloned()
                .unwrap_or_default();
            let multi = args::bool_field(&st, "update.updates", "multi")?.unwrap_or(false);
            (q, st.get("u").cloned(), multi, None, hint_of(&st))
        }
        "delete" => {
            let st = args::doc_array(ctx, "deletes")?
                .into_iter()
                .next()
                .unwrap_or_default();
            let q = args::doc_field(&st, "delete.deletes", "q")?
                .cloned()
                .unwrap_or_default();
            let limit = args::int_field(&st, "delete.deletes", "limit")?.unwrap_or(0);
            (q, None, limit == 0, None, hint_of(&st))
        }
        _ => {
            let q = args::opt_doc(ctx, "query")?.cloned().unwrap_or_default();
            let remove = args::opt_bool(ctx, "remove")?.unwrap_or(false);
            let u = if remove {
                None
            } else {
                ctx.cmd.get("update").cloned()
            };
            (
                q,
                u,
                false,
                args::opt_doc(ctx, "sort")?.cloned(),
                hint_of(ctx.cmd),
            )
        }
    };
    let parsed_update = match &update {
        Some(u) => Some(Update::parse(u, None)?),
        None => None,
    };
    let exec = verbosity != "queryPlanner";
    let requested = match name.as_str() {
        "update" | "delete" => {
            let field = if name == "update" {
                "updates"
            } else {
                "deletes"
            };
            let st = args::doc_array(ctx, field)?
                .into_iter()
                .next()
                .unwrap_or_default();
            args::requested_collation(&st, &format!("{name}.{field}"))?
        }
        _ => args::requested_collation(ctx.cmd, &name)?,
    };
    ctx.engine.read(|cat| {
        let Some(c) = cat.get(ctx.db, &coll) else {
            return Ok(eof_explain(&ns, &filter, verbosity, ctx.cmd));
        };
        let collation = args::effective_collation(&requested, c.collation.as_ref());
        let req = SelectRequest {
            filter: Some(&filter),
            sort: sort.as_ref(),
            limit: (!multi).then_some(1),
            hint: hint.as_ref(),
            collation: collation.as_ref(),
            ..Default::default()
        };
        let sel = select(c, &req, &ctx.guard)?;
        let mut would_modify = 0i64;
        if let Some(u) = &parsed_update {
            for row in &sel.rows {
                if let Some(d) = c.records.document(row.record) {
                    let mut copy = d.clone();
                    let uctx = UpdateContext {
                        is_insert: false,
                        positional: row.positional,
                        now: bson::DateTime::now(),
                        vars: None,
                    };
                    if u.apply(&mut copy, &uctx).is_ok() && !super::write_util::identical(&copy, &d)
                    {
                        would_modify += 1;
                    }
                }
            }
        }
        let shape = Shape {
            sort: sort.as_ref(),
            limit: (!multi).then_some(1),
            ..Default::default()
        };
        let wrap = |inner: Document, exec: bool| {
            let mut d = if parsed_update.is_some() {
                doc! {"stage": "UPDATE"}
            } else {
                doc! {"stage": "DELETE"}
            };
            if exec {
                if parsed_update.is_some() {
                    d.insert("nMatched", counter(sel.rows.len()));
                    d.insert("nWouldModify", counter(would_modify));
                    d.insert("nWouldUpsert", counter(0));
                } else {
                    d.insert("nWouldDelete", counter(sel.rows.len()));
                }
            }
            d.insert("inputStage", inner);
            with_stats(d, exec, 0, &[])
        };
        let winning = wrap(plan_tree(c, &sel, &filter, &shape, false), false);
        let qp = query_planner(&ns, c, &sel, &filter, winning);
        let stats = exec.then(|| {
            execution_stats(
                &sel,
                0,
                wrap(plan_tree(c, &sel, &filter, &shape, true), true),
            )
        });
        let stats = with_all_plans(stats, verbosity, c, &sel, &filter);
        Ok(finish(qp, stats, verbosity, ctx.cmd))
    })
}

/// aggregate: the leading `$match` is planned like a find; the rest of the
/// pipeline is listed after a `$cursor` stage.
pub fn explain_aggregate(ctx: &Ctx, command: &Document, verbosity: &str) -> Result<Document> {
    let inner_ctx = sub_ctx(ctx, command);
    let coll = super::aggregate::target(&inner_ctx)?;
    let stages = super::aggregate::stages(&inner_ctx)?;
    let Some(coll) = coll else {
        return Ok(
            doc! {"explainVersion": "1", "stages": stages.into_iter().map(Bson::Document).collect::<Vec<_>>(), "command": command.clone(), "ok": 1.0},
        );
    };
    let ns = inner_ctx.ns(&coll);
    let (docs, _, sel) = super::aggregate::run(&inner_ctx, Some(&coll), &stages)?;
    let leading = stages
        .first()
        .and_then(|s| s.get_document("$match").ok())
        .cloned();
    let filter = leading.clone().unwrap_or_default();
    let Some(sel) = sel else {
        return Ok(eof_explain(&ns, &filter, verbosity, command));
    };
    let exec = verbosity != "queryPlanner";
    ctx.engine.read(|cat| {
        let Some(c) = cat.get(ctx.db, &coll) else { return Ok(eof_explain(&ns, &filter, verbosity, command)) };
        let winning = plan_tree(c, &sel, &filter, &Shape::default(), false);
        let qp = query_planner(&ns, c, &sel, &filter, winning);
        let stats = exec.then(|| execution_stats(&sel, sel.rows.len() as u64, plan_tree(c, &sel, &filter, &Shape::default(), true)));
        let stats = with_all_plans(stats, verbosity, c, &sel, &filter);
        let rest: Vec<Document> = stages.iter().skip(usize::from(leading.is_some())).cloned().collect();
        if rest.is_empty() {
            return Ok(finish(qp, stats, verbosity, command));
        }
        let mut cursor = doc! {"queryPlanner": qp};
        if let Some(s) = stats {
            cursor.insert("executionStats", s);
        }
        let mut out: Vec<Bson> = vec![Bson::Document(doc! {"$cursor": cursor, "nReturned": counter(sel.rows.len())})];
        let last = rest.len().saturating_sub(1);
        for (i, st) in rest.into_iter().enumerate() {
            let mut st = st;
            if exec && i == last {
                st.insert("nReturned", counter(docs.len()));
            }
            out.push(Bson::Document(st));
        }
        Ok(doc! {
            "explainVersion": "1",
            "stages": out,
            "command": command.clone(),
            "serverInfo": {"host": "localhost", "port": 27017, "version": super::handshake::VERSION},
            "ok": 1.0,
        })
    })
}

/// The read counters of one executed stage, from the `nReturned`/`keysExamined`/
/// `docsExamined` it already carries and its children's counts.
struct Work {
    works: u64,
    eof: bool,
}

fn get_u64(d: &Document, key: &str) -> u64 {
    match d.get(key) {
        Some(Bson::Int32(n)) => (*n).max(0) as u64,
        Some(Bson::Int64(n)) => (*n).max(0) as u64,
        _ => 0,
    }
}

/// True when the executor stopped the scan early: no in-memory SORT, and the LIMIT (plus
/// SKIP) was reached, so the scan was never asked for its end (mongod's LIMIT returns EOF
/// without calling its child once `limitAmount` documents went out).
fn stopped_early(stage: &Document, matched: u64) -> bool {
    let (mut limit, mut skip, mut sort) = (None, 0, false);
    let mut cur = Some(stage);
    while let Some(st) = cur {
        match st.get_str("stage").unwrap_or("") {
            "LIMIT" => limit = Some(get_u64(st, "limitAmount")),
            "SKIP" => skip = get_u64(st, "skipAmount"),
            "SORT" => sort = true,
            _ => {}
        }
        cur = st.get_document("inputStage").ok();
    }
    !sort && limit.is_some_and(|l| matched >= l + skip)
}

/// Adds mongod's per-stage counters (`works`, `advanced`, `needTime`, `needYield`,
/// `saveState`, `restoreState`, `isEOF`) to an executed plan tree, bottom up, with mongod's
/// stage semantics: a scan works once per key or document examined plus once to find its
/// end; a streaming stage works once per call into its child; SORT reads all its input and
/// then works once per document out and once to report the end; LIMIT reports its end
/// without asking the child once the limit is reached. needYield, saveState and
/// restoreState are 0: the engine never yields.
fn add_work_counters(stage: &mut Document, scan_eof: bool) -> Work {
    let name = stage.get_str("stage").unwrap_or("").to_string();
    let advanced = get_u64(stage, "nReturned");
    let mut children = Vec::new();
    if let Ok(child) = stage.get_document_mut("inputStage") {
        children.push(add_work_counters(child, scan_eof));
    }
    if let Ok(list) = stage.get_array_mut("inputStages") {
        for child in list.iter_mut() {
            if let Bson::Document(child) = child {
                children.push(add_work_counters(child, scan_eof));
            }
        }
    }
    let child_works: u64 = children.iter().map(|c| c.works).sum();
    let child_eof = children.iter().all(|c| c.eof);
    let work = match name.as_str() {
        _ if children.is_empty() => {
            let examined = get_u64(stage, "keysExamined").max(get_u64(stage, "docsExamined"));
            let eof = scan_eof || name == "EOF";
            Work {
                works: examined.max(advanced) + u64::from(eof),
                eof,
            }
        }
        "SORT" => Work {
            works: child_works + advanced + 1,
            eof: true,
        },
        "LIMIT" if !child_eof && advanced >= get_u64(stage, "limitAmount") => Work {
            works: child_works + 1,
            eof: true,
        },
        _ => Work {
            works: child_works,
            eof: child_eof,
        },
    };
    let need_time = work
        .works
        .saturating_sub(advanced)
        .saturating_sub(u64::from(work.eof));
    let counters = [
        ("works", counter(work.works)),
        ("advanced", counter(advanced)),
        ("needTime", counter(need_time)),
        ("needYield", counter(0)),
        ("saveState", counter(0)),
        ("restoreState", counter(0)),
        ("isEOF", Bson::Int32(i32::from(work.eof))),
    ];
    // mongod lists them right after executionTimeMillisEstimate.
    let mut out = Document::new();
    let mut placed = false;
    for (k, v) in std::mem::take(stage) {
        if counters.iter().any(|(c, _)| *c == k) {
            continue;
        }
        let after = k == "executionTimeMillisEstimate";
        out.insert(k, v);
        if after {
            for (c, v) in &counters {
                out.insert(*c, v.clone());
            }
            placed = true;
        }
    }
    if !placed {
        for (c, v) in counters {
            out.insert(c, v);
        }
    }
    *stage = out;
    work
}
