//! `update`: update operators, replacements and pipeline updates, with
//! `multi`, `upsert`, `arrayFilters` and `hint`. The helpers that change one
//! stored document (or insert an upserted one) are shared with
//! `findAndModify`.

use bson::{Bson, Document, doc};
use docdb_query::update::{Update, UpdateContext};

use super::args;
use super::write_util::{check_storable, identical, validate, with_id_first};
use crate::catalog::Catalog;
use crate::engine::Ctx;
use crate::error::{CommandError, Result, codes};
use crate::exec::{SelectRequest, select};

/// Applies `update` to the stored document at `record`. Returns the new
/// document and whether it changed.
#[allow(clippy::too_many_arguments)]
pub fn update_record(
    cat: &mut Catalog,
    db: &str,
    coll: &str,
    record: u64,
    update: &Update,
    positional: Option<usize>,
    vars: Option<&Document>,
    bypass: bool,
) -> Result<(Document, bool)> {
    let Some(old) = cat.get(db, coll).and_then(|c| c.records.document(record)) else {
        return Err(CommandError::new(
            codes::INTERNAL_ERROR,
            "the matched document vanished during the update",
        ));
    };
    let mut new = old.clone();
    let ctx = UpdateContext {
        is_insert: false,
        positional,
        now: bson::DateTime::now(),
        vars: vars.cloned(),
    };
    // Whether anything changed is decided below, exactly (see `identical`).
    update.apply(&mut new, &ctx)?;
    let old_id = old.get("_id").cloned().unwrap_or(Bson::Null);
    match new.get("_id") {
        None => {
            new.insert("_id", old_id.clone());
        }
        Some(id) if !docdb_query::value::equal(id, &old_id) || type_changed(id, &old_id) => {
            return Err(CommandError::new(
                codes::IMMUTABLE_FIELD,
                format!(
                    "After applying the update, the (immutable) field '_id' was found to have been altered to _id: {}",
                    crate::index::shell_value(id)
                ),
            ));
        }
        Some(_) => {}
    }
    let new = with_id_first(new);
    if identical(&new, &old) {
        return Ok((new, false));
    }
    check_storable(&new)?;
    validate(cat.get(db, coll), &new, Some(&old), bypass)?;
    cat.replace(db, coll, record, new.clone())?;
    Ok((new, true))
}

/// `1` and `1.0` are equal values but a different `_id` type is still a change.
fn type_changed(a: &Bson, b: &Bson) -> bool {
    std::mem::discriminant(a) != std::mem::discriminant(b)
}

/// Inserts the document an upsert creates from `filter` and `update`.
/// Returns the inserted document.
pub fn upsert_insert(
    cat: &mut Catalog,
    db: &str,
    coll: &str,
    filter: &Document,
    update: &Update,
    vars: Option<&Document>,
    bypass: bool,
) -> Result<Document> {
    let seed = Update::upsert_seed(filter)?;
    let mut doc = if update.is_replacement() {
        Document::new()
    } else {
        seed.clone()
    };
    let ctx = UpdateContext {
        is_insert: true,
        positional: None,
        now: bson::DateTime::now(),
        vars: vars.cloned(),
    };
    update.apply(&mut doc, &ctx)?;
    if !doc.contains_key("_id") {
        if let Some(id) = seed.get("_id") {
            doc.insert("_id", id.clone());
        }
    } else if let (Some(seed_id), Some(id)) = (seed.get("_id"), doc.get("_id"))
        && !docdb_query::value::equal(seed_id, id)
    {
        return Err(CommandError::new(
            codes::IMMUTABLE_FIELD,
            "The _id field cannot be changed by an upsert: the query's _id and the update's _id differ",
        ));
    }
    let doc = with_id_first(doc);
    check_storable(&doc)?;
    validate(cat.get(db, coll), &doc, None, bypass)?;
    cat.insert(db, coll, doc.clone())?;
    Ok(doc)
}

/// The parsed form of one `updates` entry.
struct Statement {
    q: Document,
    u: Bson,
    multi: bool,
    upsert: bool,
    array_filters: Option<Vec<Document>>,
    hint: Option<Bson>,
    constants: Option<Document>,
    collation: Option<Option<std::sync::Arc<docdb_query::collation::Collation>>>,
}

/// The fields an `updates` entry may have on a 7.0 server (`sort` arrived in 8.0).
const STATEMENT_FIELDS: &[&str] = &[
    "q",
    "u",
    "multi",
    "upsert",
    "arrayFilters",
    "hint",
    "collation",
    "c",
    "upsertSupplied",
    "sampleId",
];

/// An unknown field in any statement fails the whole command, as mongod's IDL
/// parse of `update` does before it runs a statement (never a write error).
fn refuse_unknown_statement_fields(statements: &[Document]) -> Result<()> {
    for d in statements {
        if let Some(unknown) = d.keys().find(|k| !STATEMENT_FIELDS.contains(&k.as_str())) {
            return Err(CommandError {
                code: 40415,
                code_name: "Location40415",
                message: format!("BSON field 'update.updates.{unknown}' is an unknown field."),
                extra: None,
            });
        }
    }
    Ok(())
}

fn parse_statement(d: &Document) -> Result<Statement> {
    let q = args::doc_field(d, "update.updates", "q")?
        .cloned()
        .unwrap_or_default();
    let u = match d.get("u") {
        Some(v @ (Bson::Document(_) | Bson::Array(_))) => v.clone(),
        Some(v) => {
            return Err(CommandError::type_mismatch(format!(
                "BSON field 'update.updates.u' is the wrong type '{}', expected type 'object' or 'array'",
                docdb_query::value::type_alias(v)
            )));
        }
        None => {
            return Err(CommandError::failed_to_parse(
                "BSON field 'update.updates.u' is missing but a required field",
            ));
        }
    };
    let array_filters = match d.get("arrayFilters") {
        None | Some(Bson::Null) => None,
        Some(Bson::Array(items)) => Some(
            items
                .iter()
                .map(|i| match i {
                    Bson::Document(x) => Ok(x.clone()),
                    other => Err(CommandError::type_mismatch(format!(
                        "arrayFilters entries must be objects, found {other}"
                    ))),
                })
                .collect::<Result<Vec<_>>>()?,
        ),
        Some(other) => {
            return Err(CommandError::type_mismatch(format!(
                "arrayFilters must be an array, found {other}"
            )));
        }
    };
    let hint = match d.get("hint") {
        None | Some(Bson::Null) => None,
        Some(Bson::Document(h)) if h.is_empty() => None,
        Some(h) => Some(h.clone()),
    };
    Ok(Statement {
        q,
        u,
        multi: args::bool_field(d, "update.updates", "multi")?.unwrap_or(false),
        upsert: args::bool_field(d, "update.updates", "upsert")?.unwrap_or(false),
        array_filters,
        hint,
        constants: args::doc_field(d, "update.updates", "c")?.cloned(),
        collation: args::requested_collation(d, "update.updates")?,
    })
}

/// The variables of a statement: the command's `let` plus the statement's `c`.
pub fn merged_vars(
    command_let: Option<&Document>,
    constants: Option<&Document>,
) -> Option<Document> {
    match (command_let, constants) {
        (None, None) => None,
        (a, b) => {
            let mut v = a.cloned().unwrap_or_default();
            if let Some(b) = b {
                for (k, x) in b {
                    v.insert(k.clone(), x.clone());
                }
            }
            Some(v)
        }
    }
}

struct Counts {
    n: i32,
    modified: i32,
    upserted: Vec<Bson>,
}

fn run_statement(
    ctx: &Ctx,
    cat: &mut Catalog,
    coll: &str,
    index: usize,
    st: &Statement,
    bypass: bool,
    counts: &mut Counts,
) -> Result<()> {
    let default = cat.get(ctx.db, coll).and_then(|c| c.collation.clone());
    let collation = args::effective_collation(&st.collation, default.as_ref());
    let update =
        Update::parse(&st.u, st.array_filters.as_deref())?.with_collation(collation.clone());
    if st.multi && update.is_replacement() {
        return Err(CommandError::failed_to_parse(
            "multi update is not supported for replacement-style update",
        ));
    }
    let vars = merged_vars(args::let_vars(ctx)?, st.constants.as_ref());
    let rows = match cat.get(ctx.db, coll) {
        Some(c) => {
            let req = SelectRequest {
                filter: Some(&st.q),
                limit: (!st.multi).then_some(1),
                hint: st.hint.as_ref(),
                vars: vars.as_ref(),
                collation: collation.as_ref(),
                ..Default::default()
            };
            let sel = select(c, &req, &ctx.guard)?;
            crate::profiler::note_selection(c, &sel);
            sel.rows
        }
        None => {
            if let Some(h) = &st.hint {
                return Err(CommandError::bad_value(format!(
                    "hint provided does not correspond to an existing index: {h}"
                )));
            }
            // mongod builds the query before it looks at the collection.
            docdb_query::matcher::Filter::parse(&st.q)?;
            Vec::new()
        }
    };
    if rows.is_empty() {
        if st.upsert {
            let doc = upsert_insert(cat, ctx.db, coll, &st.q, &update, vars.as_ref(), bypass)?;
            counts.n += 1;
            counts.upserted.push(Bson::Document(
                doc! {"index": index as i32, "_id": doc.get("_id").cloned().unwrap_or(Bson::Null)},
            ));
        }
        return Ok(());
    }
    for (i, row) in rows.iter().enumerate() {
        if i % 256 == 0 {
            ctx.guard.check()?;
        }
        let (_, changed) = update_record(
            cat,
            ctx.db,
            coll,
            row.record,
            &update,
            row.positional,
            vars.as_ref(),
            bypass,
        )?;
        counts.n += 1;
        if changed {
            counts.modified += 1;
        }
    }
    Ok(())
}

pub fn update(ctx: &Ctx) -> Result<Document> {
    let coll = args::collection(ctx)?;
    if let Some(reply) = super::timeseries::update(ctx, &coll)? {
        return Ok(reply);
    }
    super::write_util::reject_view(ctx, &coll)?;
    let statements = args::doc_array(ctx, "updates")?;
    let ordered = args::opt_bool(ctx, "ordered")?.unwrap_or(true);
    let bypass = args::opt_bool(ctx, "bypassDocumentValidation")?.unwrap_or(false);
    refuse_unknown_statement_fields(&statements)?;
    let (counts, errors) = ctx.engine.write(|cat| {
        let mut counts = Counts {
            n: 0,
            modified: 0,
            upserted: Vec::new(),
        };
        let mut errors: Vec<Bson> = Vec::new();
        for (i, raw) in statements.iter().enumerate() {
            let before = (counts.n, counts.modified, counts.upserted.len() as i32);
            let result = parse_statement(raw)
                .and_then(|st| run_statement(ctx, cat, &coll, i, &st, bypass, &mut counts));
            if result.is_ok() {
                let upserted = counts.upserted.len() as i32 - before.2;
                let mut noted = doc! {
                    "nMatched": counts.n - before.0 - upserted,
                    "nModified": counts.modified - before.1,
                };
                if upserted > 0 {
                    noted.insert("nUpserted", upserted);
                }
                crate::profiler::note_statement(raw, noted);
            }
            if let Err(e) = result {
                if e.code == codes::INTERRUPTED || e.code == codes::MAX_TIME_MS_EXPIRED {
                    errors.push(Bson::Document(e.to_write_error(i)));
                    break;
                }
                errors.push(Bson::Document(e.to_write_error(i)));
                if ordered {
                    break;
                }
            }
        }
        (counts, errors)
    })?;
    let mut reply = doc! {"n": counts.n, "nModified": counts.modified};
    if !counts.upserted.is_empty() {
        reply.insert("upserted", counts.upserted);
    }
    if !errors.is_empty() {
        reply.insert("writeErrors", errors);
    }
    reply.insert("ok", 1.0);
    Ok(reply)
}
