//! `findAndModify`: update or remove one document (chosen by query and
//! sort) and return it, before or after the change.

use bson::{Bson, Document, doc};
use docdb_query::projection::Projection;
use docdb_query::update::Update;

use super::args;
use super::update::{merged_vars, update_record, upsert_insert};
use crate::engine::Ctx;
use crate::error::{CommandError, Result};
use crate::exec::{SelectRequest, select};

pub fn find_and_modify(ctx: &Ctx) -> Result<Document> {
    let coll = args::collection(ctx)?;
    super::write_util::reject_view(ctx, &coll)?;
    let query = args::opt_doc(ctx, "query")?.cloned().unwrap_or_default();
    let sort = args::opt_doc(ctx, "sort")?.cloned();
    let fields = args::opt_doc(ctx, "fields")?.cloned();
    let remove = args::opt_bool(ctx, "remove")?.unwrap_or(false);
    let return_new = args::opt_bool(ctx, "new")?.unwrap_or(false);
    let upsert = args::opt_bool(ctx, "upsert")?.unwrap_or(false);
    let bypass = args::opt_bool(ctx, "bypassDocumentValidation")?.unwrap_or(false);
    let update_spec = match ctx.cmd.get("update") {
        None | Some(Bson::Null) => None,
        Some(v @ (Bson::Document(_) | Bson::Array(_))) => Some(v.clone()),
        Some(v) => {
            return Err(CommandError::failed_to_parse(format!(
                "Update argument must be either an object or an array, found {}",
                docdb_query::value::type_alias(v)
            )));
        }
    };
    match (remove, &update_spec) {
        (true, Some(_)) => {
            return Err(CommandError::failed_to_parse(
                "Cannot specify both an update and remove=true",
            ));
        }
        (false, None) => {
            return Err(CommandError::failed_to_parse(
                "Either an update or remove=true must be specified",
            ));
        }
        (true, None) if return_new => {
            return Err(CommandError::failed_to_parse(
                "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document",
            ));
        }
        (true, None) if upsert => {
            return Err(CommandError::failed_to_parse(
                "Cannot specify both upsert=true and remove=true ",
            ));
        }
        _ => {}
    }
    let array_filters: Option<Vec<Document>> = match ctx.cmd.get("arrayFilters") {
        None | Some(Bson::Null) => None,
        Some(Bson::Array(items)) => Some(
            items
                .iter()
                .map(|i| match i {
                    Bson::Document(d) => Ok(d.clone()),
                    other => Err(CommandError::type_mismatch(format!(
                        "arrayFilters entries must be objects, found {other}"
                    ))),
                })
                .collect::<Result<_>>()?,
        ),
        Some(v) => {
            return Err(CommandError::type_mismatch(format!(
                "arrayFilters must be an array, found {v}"
            )));
        }
    };
    let update = match &update_spec {
        Some(u) => Some(Update::parse(u, array_filters.as_deref())?),
        None => None,
    };
    let projection = match &fields {
        Some(f) if !f.is_empty() => Some(Projection::parse(f)?),
        _ => None,
    };
    let hint = match ctx.cmd.get("hint") {
        None | Some(Bson::Null) => None,
        Some(Bson::Document(h)) if h.is_empty() => None,
        Some(h) => Some(h.clone()),
    };
    let vars = merged_vars(args::let_vars(ctx)?, None);
    let requested = args::requested_collation(ctx.cmd, "findAndModify")?;
    let outcome = ctx.engine.write(
        |cat| -> Result<(Document, Option<Document>, Option<usize>)> {
            let default = cat.get(ctx.db, &coll).and_then(|c| c.collation.clone());
            let collation = args::effective_collation(&requested, default.as_ref());
            let update = update.clone().map(|u| u.with_collation(collation.clone()));
            let row = match cat.get(ctx.db, &coll) {
                Some(c) => {
                    let req = SelectRequest {
                        filter: Some(&query),
                        sort: sort.as_ref(),
                        limit: Some(1),
                        hint: hint.as_ref(),
                        vars: vars.as_ref(),
                        collation: collation.as_ref(),
                        ..Default::default()
                    };
                    let sel = select(c, &req, &ctx.guard)?;
                    crate::profiler::note_selection(c, &sel);
                    sel.rows.into_iter().next()
                }
                None => {
                    // mongod builds the query before it looks at the collection.
                    docdb_query::matcher::Filter::parse(&query)?;
                    None
                }
            };
            match (row, &update) {
                (None, Some(u)) if upsert => {
                    let doc = upsert_insert(cat, ctx.db, &coll, &query, u, vars.as_ref(), bypass)?;
                    let id = doc.get("_id").cloned().unwrap_or(Bson::Null);
                    let value = return_new.then_some(doc);
                    Ok((
                        doc! {"n": 1, "updatedExisting": false, "upserted": id},
                        value,
                        None,
                    ))
                }
                (None, Some(_)) => Ok((doc! {"n": 0, "updatedExisting": false}, None, None)),
                (None, None) => Ok((doc! {"n": 0}, None, None)),
                (Some(row), None) => {
                    let removed = cat.remove(ctx.db, &coll, row.record);
                    Ok((doc! {"n": 1}, removed, row.positional))
                }
                (Some(row), Some(u)) => {
                    let before = cat
                        .get(ctx.db, &coll)
                        .and_then(|c| c.records.document(row.record));
                    let (after, _) = update_record(
                        cat,
                        ctx.db,
                        &coll,
                        row.record,
                        u,
                        row.positional,
                        vars.as_ref(),
                        bypass,
                    )?;
                    let value = if return_new { Some(after) } else { before };
                    Ok((
                        doc! {"n": 1, "updatedExisting": true},
                        value,
                        row.positional,
                    ))
                }
            }
        },
    )??;
    let (last_error, value, positional) = outcome;
    let value = match (value, &projection) {
        (Some(v), Some(p)) => Bson::Document(p.apply(&v, positional, None)?),
        (Some(v), None) => Bson::Document(v),
        (None, _) => Bson::Null,
    };
    Ok(doc! {"lastErrorObject": last_error, "value": value, "ok": 1.0})
}
